//! A deterministic synthetic demo region in real RD New coordinates.
//!
//! The same seed writes the same files byte for byte. The region is rural
//! southern Netherlands at 30 × 30 km: six invented municipalities, villages
//! as built-up areas, farms with barns (a tenth vacant), dumpings over two
//! years, six treatment-plant catchments with a year of daily loads, and two
//! Sentinel-2-like anomaly tiles in UTM 31N (EPSG:32631).
//!
//! One hotspot is planted at [`HOTSPOT`]: a large confirmed-vacant barn,
//! dumpings nearby in the last year, a heat anomaly over it and amphetamine
//! spikes at the plant whose catchment holds it. The tests look for it.

pub mod national;
mod partition;
mod region;
pub mod study;
mod write;

pub use region::{generate, Summary, AS_OF, HOTSPOT, HOTSPOT_BARN, HOTSPOT_GEMEENTE, REGION};

/// Errors writing the demo files.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Gdal {
        path: String,
        source: gdal::errors::GdalError,
    },
}
