//! Errors of the ingest stage.

use std::fmt;
use std::path::PathBuf;

/// A failure that stops a whole layer.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        path: PathBuf,
        source: gdal::errors::GdalError,
    },
    #[error("{}: layer `{layer}` lacks required column `{column}` (columns present: {present})", path.display())]
    MissingColumn {
        path: PathBuf,
        layer: &'static str,
        column: String,
        present: String,
    },
    #[error("{}: {message}", path.display())]
    Crs { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Read { path: PathBuf, message: String },
}

/// One record left out, with the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejection {
    pub layer: &'static str,
    pub file: PathBuf,
    /// 1-based feature number (for CSV: the data row; the header is line 1).
    pub row: u64,
    /// The column at fault, or `None` for a whole-record problem.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} row {}", self.file.display(), self.row)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What a single row got wrong; the reader adds file and row.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn record(message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            message: message.into(),
        }
    }
}
