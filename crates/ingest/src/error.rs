//! Errors of the ingest stage. Messages are Dutch: analysts read them.

use std::fmt;
use std::path::PathBuf;

/// A failure that stops a whole layer (and so the run).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("laag `{layer}`: {}: bestand of map bestaat niet", path.display())]
    NotFound { layer: &'static str, path: PathBuf },
    #[error("laag `{layer}`: {}: kan niet geopend worden: {message}", path.display())]
    Open {
        layer: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("laag `panden`: {}: geen enkele waarde van `{key}` komt voor als `identificatie` van een pand (koppeltabel bijvoorbeeld {table_example}, panden bijvoorbeeld {layer_example}); anders geschreven, of de tabel van een ander gebied?", path.display())]
    JoinUnmatched {
        path: PathBuf,
        key: String,
        table_example: String,
        layer_example: String,
    },
    #[error("laag `{layer}`: {}: kolom `{column}` ontbreekt (aanwezige kolommen: {present})", path.display())]
    MissingColumn {
        path: PathBuf,
        layer: &'static str,
        column: String,
        present: String,
    },
    #[error("laag `{layer}`: {}: kolom `{column}` is niet eenduidig: {candidates} (een Shapefile kort kolomnamen in tot 10 tekens); koppel de juiste via `columns`", path.display())]
    AmbiguousColumn {
        path: PathBuf,
        layer: &'static str,
        column: String,
        candidates: String,
    },
    #[error("laag `{layer}`: {}: {message}", path.display())]
    Crs {
        layer: &'static str,
        path: PathBuf,
        message: String,
    },
    /// A project-file setting that cannot apply to the layer's source.
    #[error("laag `{layer}`: {message}")]
    Setting {
        layer: &'static str,
        message: String,
    },
    #[error("laag `{layer}`: {}: {message}", path.display())]
    Read {
        layer: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("{}", too_many_rejected(layer, *rejected, *read, *max_share, examples))]
    TooManyRejected {
        layer: &'static str,
        rejected: u64,
        read: u64,
        max_share: f64,
        examples: Vec<Rejection>,
    },
    #[error("laag `gemeenten`: geen enkele gemeente is geaccepteerd, dus er is geen studiegebied")]
    NoStudyArea,
}

fn too_many_rejected(
    layer: &str,
    rejected: u64,
    read: u64,
    max_share: f64,
    examples: &[Rejection],
) -> String {
    let check = match layer {
        "satelliet" => "controleer de tegels (één band met de anomalie in °C, type, georeferentie)",
        _ => "controleer het bestand (scheidingsteken, decimaalteken, kolomnamen, CRS)",
    };
    let mut s = format!(
        "laag `{layer}`: {rejected} van de {read} records afgewezen ({}), meer dan de toegestane {}; \
         {check} of geef --allow-rejects",
        share_text(rejected as f64 / read.max(1) as f64),
        share_text(max_share)
    );
    for r in examples {
        s.push_str(&format!("\n  {r}"));
    }
    if rejected as usize > examples.len() {
        s.push_str(&format!(
            "\n  … en {} meer",
            rejected as usize - examples.len()
        ));
    }
    s
}

/// One record left out, with the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejection {
    pub layer: &'static str,
    /// The file (or URL) the record came from.
    pub file: PathBuf,
    /// 1-based record number (for CSV: the data row; the header is line 1).
    pub row: u64,
    /// The file line the record starts on, where that is not `row` + 1
    /// (a CSV with blank lines or line breaks inside quotes before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column at fault, or `None` for a whole-record problem.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.file.display(),
            row_label(self.row, self.line)
        )?;
        if let Some(field) = &self.field {
            write!(f, ", veld `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// "rij 3", or "rij 3 (regel 6)" when the record starts on a file line
/// other than the one after the header and the records before it.
///
/// ```
/// use buitenzicht_ingest::error::row_label;
/// assert_eq!(row_label(3, None), "rij 3");
/// assert_eq!(row_label(3, Some(4)), "rij 3");
/// assert_eq!(row_label(3, Some(6)), "rij 3 (regel 6)");
/// ```
pub fn row_label(row: u64, line: Option<u64>) -> String {
    match line.filter(|&l| l != row + 1) {
        Some(line) => format!("rij {row} (regel {line})"),
        None => format!("rij {row}"),
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

/// A share as a percentage that does not round to 0 below 1 %: 0.26 %
/// against 0.1 %, not 0 % against 0 %.
fn share_text(share: f64) -> String {
    let percent = 100.0 * share;
    match percent {
        p if (p - p.round()).abs() < 1e-9 => format!("{p:.0} %"),
        p if p >= 1.0 => format!("{p:.1} %"),
        p => format!("{p:.2} %"),
    }
}

/// Why a file or folder could not be written, in Dutch.
pub fn io_write_reason(e: &std::io::Error) -> String {
    reason(e, true)
}

/// An I/O error in Dutch, for messages that already name the path.
pub fn io_reason(e: &std::io::Error) -> String {
    reason(e, false)
}

/// The system's reason in Dutch; reading and writing differ only in the
/// rights missing, what a missing path means, and the last resort.
fn reason(e: &std::io::Error, writing: bool) -> String {
    use std::io::ErrorKind as K;
    match (e.kind(), writing) {
        (K::PermissionDenied, false) => "geen leesrechten".into(),
        (K::PermissionDenied, true) => "geen schrijfrechten".into(),
        (K::NotFound, false) => "bestaat niet".into(),
        (K::NotFound, true) => "bestaat niet (of de map erboven niet)".into(),
        (K::IsADirectory, _) => "is een map, geen bestand".into(),
        (K::NotADirectory, _) => "een deel van het pad is een bestand, geen map".into(),
        (K::AlreadyExists, _) => "bestaat al".into(),
        (K::StorageFull, _) => "de schijf is vol".into(),
        (K::ReadOnlyFilesystem, _) => "het bestandssysteem is alleen-lezen".into(),
        (K::QuotaExceeded, _) => "het schijfquotum is op".into(),
        (K::InvalidData, _) => "bevat ongeldige gegevens".into(),
        (K::UnexpectedEof, _) => "is afgebroken (onverwacht einde)".into(),
        _ => match (e.raw_os_error(), writing) {
            (Some(code), _) => format!("systeemfout {code}"),
            (None, false) => format!("fout bij lezen ({e})"),
            (None, true) => format!("fout bij schrijven ({e})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::share_text;

    #[test]
    fn small_shares_do_not_read_as_zero() {
        assert_eq!(share_text(0.1), "10 %");
        assert_eq!(share_text(0.125), "12.5 %");
        assert_eq!(share_text(17.0 / 6588.0), "0.26 %");
        assert_eq!(share_text(0.001), "0.10 %");
        assert_eq!(share_text(0.0), "0 %");
        assert_eq!(share_text(0.07), "7 %");
        assert_eq!(share_text(0.29), "29 %");
    }
}
