//! Errors of writing products.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("{}: kan niet geschreven worden: {source}", path.display())]
    Write {
        path: PathBuf,
        source: gdal::errors::GdalError,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("GDAL: {0}")]
    Gdal(#[from] gdal::errors::GdalError),
}
