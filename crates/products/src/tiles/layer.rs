//! The layers served as tiles: the risk and each indicator.

use buitenzicht_score::{Indicator, RiskModel};

/// A tile layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileLayer {
    /// Risk 0..100.
    Risk,
    /// One indicator's normalised value 0..1, drawn on the same ramp ×100.
    Indicator(Indicator),
}

impl TileLayer {
    pub const ALL: [TileLayer; 5] = [
        TileLayer::Risk,
        TileLayer::Indicator(Indicator::Leegstand),
        TileLayer::Indicator(Indicator::Dumpingen),
        TileLayer::Indicator(Indicator::Riool),
        TileLayer::Indicator(Indicator::Satelliet),
    ];

    /// The id in URLs (`/tiles/{id}/…`).
    pub fn id(self) -> &'static str {
        match self {
            TileLayer::Risk => "risk",
            TileLayer::Indicator(i) => i.key(),
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.id() == id)
    }

    /// Name for people (Dutch), as the model at hand calls the layer.
    pub fn name(self, model: &RiskModel) -> &'static str {
        match self {
            TileLayer::Risk => "Risico (0–100)",
            TileLayer::Indicator(i) => model.label(i),
        }
    }

    /// The layer's values (NaN = nodata) and the factor that brings them to
    /// the ramp's 0..100.
    pub fn values(self, model: &RiskModel) -> (&[f32], f32) {
        match self {
            TileLayer::Risk => (&model.risk, 1.0),
            TileLayer::Indicator(i) => {
                let full = model.full_contribution[i.index()];
                (
                    &model.contributions[i.index()],
                    if full > 0.0 { 100.0 / full } else { 0.0 },
                )
            }
        }
    }
}
