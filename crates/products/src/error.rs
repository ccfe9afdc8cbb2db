//! Errors of writing products.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("{}: kan niet geschreven worden{}; een bestaand bestand is niet vervangen", path.display(), buitenzicht_ingest::crs::gdal_detail(source))]
    Write {
        path: PathBuf,
        #[source]
        source: gdal::errors::GdalError,
    },
    /// GDAL reported a failure while the file was written or closed.
    #[error("{}: kon niet volledig geschreven worden (schijf vol?); een bestaand bestand is niet vervangen", path.display())]
    Incomplete { path: PathBuf },
    #[error("{}: {}", path.display(), buitenzicht_ingest::error::io_write_reason(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("GDAL: {0}")]
    Gdal(#[from] gdal::errors::GdalError),
}
