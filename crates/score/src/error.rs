//! Errors of the scoring stage.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("the gemeenten layer holds no polygon, so there is no study area")]
    NoStudyArea,
    #[error("{}: cannot resample satellite tile: {source}", path.display())]
    Tile {
        path: PathBuf,
        source: gdal::errors::GdalError,
    },
    #[error("{}: cannot write: {source}", path.display())]
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
