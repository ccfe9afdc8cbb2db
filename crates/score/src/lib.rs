//! Scoring stage of buitenzicht: turns the ingested signals into a risk
//! surface on an RD New grid, ranks barns for inspection, and explains any
//! cell's score.
//!
//! Four indicators, each normalised to 0..1:
//! - **leegstand**: quartic kernel density of vacant barns, weighted by
//!   certainty and floor area ([`density`], [`kernel`]);
//! - **dumpingen**: kernel density of dumpings with exponential time decay;
//! - **riool**: sewage spikes in the catchment ([`sewage`]);
//! - **satelliet**: the heat anomaly resampled onto the grid ([`satellite`]).
//!
//! The risk is their weighted mean scaled to 0..100 ([`model`]).

pub mod backtest;
pub mod bootstrap;
pub mod calibrate;
pub mod config;
pub mod density;
#[cfg(test)]
mod drawn;
pub mod error;
pub mod explain;
pub mod format;
pub mod grid;
pub mod indicator;
pub mod inspection;
pub mod journey;
pub mod journey_interval;
pub mod kernel;
pub mod mask;
pub mod model;
pub mod predict;
pub mod profile;
pub mod sample;
pub mod satellite;
pub mod sewage;
pub mod signals;
pub mod variables;

pub use config::{ScoreConfig, Weights};
pub use error::ScoreError;
pub use explain::{explain, explain_for, Explanation};
pub use grid::GridSpec;
pub use indicator::Indicator;
pub use inspection::{rank, Contributions, Inspection, InspectionList, Rangschikking};
pub use model::{score, CellScore, RiskModel};
pub use predict::{predict, Prediction};
