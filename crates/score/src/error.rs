//! Errors of the scoring stage.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("de laag gemeenten bevat geen vlak, dus er is geen studiegebied")]
    NoStudyArea,
    #[error(
        "het raster van {cols} × {rows} cellen van {cell} m vraagt ongeveer {needed_gb:.1} GB geheugen{}; \
         kies een grotere `scoring.cell_size` of een kleiner studiegebied",
        available_gb.map(|a| format!(", er is {a:.1} GB beschikbaar")).unwrap_or_default()
    )]
    GridTooLarge {
        cols: usize,
        rows: usize,
        cell: f64,
        needed_gb: f64,
        available_gb: Option<f64>,
    },
    #[error("{}: satelliettegel kan niet op het raster gezet worden: {source}", path.display())]
    Tile {
        path: PathBuf,
        source: gdal::errors::GdalError,
    },
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
    #[error(
        "het modelbestand is gekalibreerd met `{setting}` = {model}, maar het projectbestand zegt {project}; \
         de coëfficiënten gelden alleen bij de instellingen waarmee ze geschat zijn: kalibreer opnieuw of zet `{setting}` terug op {model}"
    )]
    ModelSettings {
        setting: String,
        model: String,
        project: String,
    },
    #[error(
        "geen enkele dumping in het buitengebied tussen {from} en {until}: er valt niets te kalibreren \
         (kies een einddatum (`--until`, bij `backtest` `--train-until`) binnen de geschiedenis of een langer `scoring.calibration.outcome_days`)"
    )]
    NoOutcome {
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    },
    #[error("GDAL: {0}")]
    Gdal(#[from] gdal::errors::GdalError),
}
