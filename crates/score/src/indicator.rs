//! The four indicators the risk is built from.

use serde::{Deserialize, Serialize};

/// One signal source, as an indicator surface on the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Indicator {
    /// Density of vacant barns.
    Leegstand,
    /// Density of recent dumpings.
    Dumpingen,
    /// Sewage spikes in the catchment.
    Riool,
    /// Satellite heat anomaly.
    Satelliet,
}

impl Indicator {
    pub const ALL: [Indicator; 4] = [
        Indicator::Leegstand,
        Indicator::Dumpingen,
        Indicator::Riool,
        Indicator::Satelliet,
    ];

    /// Short machine key, as in the project file and the API.
    pub fn key(self) -> &'static str {
        match self {
            Indicator::Leegstand => "leegstand",
            Indicator::Dumpingen => "dumpingen",
            Indicator::Riool => "riool",
            Indicator::Satelliet => "satelliet",
        }
    }

    /// Label for people (Dutch).
    pub fn label(self) -> &'static str {
        match self {
            Indicator::Leegstand => "Leegstaande schuren",
            Indicator::Dumpingen => "Drugsafvaldumpingen",
            Indicator::Riool => "Rioolwatersignaal",
            Indicator::Satelliet => "Satellietanomalie",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn weight(self, w: &crate::Weights) -> f64 {
        match self {
            Indicator::Leegstand => w.leegstand,
            Indicator::Dumpingen => w.dumpingen,
            Indicator::Riool => w.riool,
            Indicator::Satelliet => w.satelliet,
        }
    }
}
