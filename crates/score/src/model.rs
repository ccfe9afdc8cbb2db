//! From ingested layers to the risk surface.
//!
//! Each indicator is normalised to 0..1; with hand-set weights the risk is
//! their weighted mean scaled to 0..100. Whatever the weighting, the model
//! keeps each indicator's contribution per cell, and they add up to the
//! risk, so every score can be explained.

use crate::config::ScoreConfig;
use crate::density::kernel_density;
use crate::grid::GridSpec;
use crate::indicator::Indicator;
use crate::sewage::Spike;
use crate::signals::{barn_points, dumping_points, normalise, satellite_indicator, Base};
use crate::ScoreError;
use buitenzicht_ingest::Dataset;
use chrono::NaiveDate;
use rayon::prelude::*;

/// The leegstand part's label when the building model draws the map.
pub const BUILDINGS_LABEL: &str = "Panden binnen reisafstand";

/// How the indicators were weighed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "soort", rename_all = "lowercase")]
pub enum Weighting {
    /// The weights of `[scoring.weights]`.
    Handmatig,
    /// A calibrated model (see [`crate::calibrate`]) fitted on the
    /// dumpings up to `until`.
    Gekalibreerd { until: NaiveDate },
    /// Chosen out of sample on rolling cuts (see [`crate::predict`]):
    /// `model` names it, e.g. `kde 1000 m` or `panden, reisafstand 2000 m`;
    /// `panden` when the building model draws the map, whose leegstand
    /// contribution is then every building's own rate (base rate, vacancy,
    /// floor area) spread along the journey.
    Gekozen { model: String, panden: bool },
}

/// The scored grid and what it was scored from.
#[derive(Debug, Clone)]
pub struct RiskModel {
    pub spec: GridSpec,
    pub as_of: NaiveDate,
    pub config: ScoreConfig,
    pub weighting: Weighting,
    /// Risk 0..100 per cell; NaN in built-up areas and outside the study area.
    pub risk: Vec<f32>,
    /// Risk points per indicator (in [`Indicator::ALL`] order); per cell
    /// they add up to `risk`.
    pub contributions: [Vec<f32>; 4],
    /// The contribution at which an indicator is fully present (value 1):
    /// `100 · w / Σw` with hand-set weights.
    pub full_contribution: [f32; 4],
    /// What a density of 1.0 corresponds to (per km², before capping); 1
    /// for the indicators that are 0..1 by construction.
    pub scale: [f64; 4],
    /// Per cell: 1 + index into `Dataset::gemeenten`, or 0.
    pub gemeente: Vec<u32>,
    /// Satellite anomaly in °C per cell (NaN without coverage).
    pub satellite_anomaly: Vec<f32>,
    /// Sewage spikes up to `as_of`.
    pub spikes: Vec<Spike>,
    /// Indicator value per plant, in `Dataset::rwzi` order.
    pub catchment_scores: Vec<f64>,
    /// Changes whenever the scores change; used to version tiles.
    pub version: String,
}

/// One cell's scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellScore {
    pub col: usize,
    pub row: usize,
    pub risk: f32,
    /// Indicator values, 0..1: contribution / full contribution.
    pub values: [f32; 4],
    /// Risk points per indicator; they add up to `risk`.
    pub contributions: [f32; 4],
}

impl RiskModel {
    /// Whether the building model draws the map (its leegstand
    /// contribution is then the buildings' own rates, not vacancy alone).
    pub fn building_map(&self) -> bool {
        matches!(self.weighting, Weighting::Gekozen { panden: true, .. })
    }

    /// An indicator's label for people (Dutch) in this model: with the
    /// building model's map the leegstand part is every building's own
    /// rate, and named so.
    pub fn label(&self, indicator: Indicator) -> &'static str {
        match indicator {
            Indicator::Leegstand if self.building_map() => BUILDINGS_LABEL,
            _ => indicator.label(),
        }
    }

    /// Scores of the cell holding (`x`, `y`) in RD New; `None` off the grid
    /// or where the risk is nodata.
    pub fn cell_at(&self, x: f64, y: f64) -> Option<CellScore> {
        let (col, row) = self.spec.cell_at(x, y)?;
        self.cell(col, row)
    }

    /// Scores of cell (`col`, `row`); `None` where the risk is nodata.
    pub fn cell(&self, col: usize, row: usize) -> Option<CellScore> {
        let i = self.spec.index(col, row);
        let risk = *self.risk.get(i)?;
        if risk.is_nan() {
            return None;
        }
        let contributions = Indicator::ALL.map(|ind| self.contributions[ind.index()][i]);
        Some(CellScore {
            col,
            row,
            risk,
            values: Indicator::ALL.map(|ind| self.value(ind, contributions[ind.index()])),
            contributions,
        })
    }

    /// An indicator's value 0..1 from its contribution.
    pub fn value(&self, indicator: Indicator, contribution: f32) -> f32 {
        let full = self.full_contribution[indicator.index()];
        if full > 0.0 {
            (contribution / full).min(1.0)
        } else {
            0.0
        }
    }
}

impl Base {
    /// Turns per-indicator contributions into the model: the risk is their
    /// sum, nodata outside the buitengebied.
    pub fn into_model(
        self,
        config: &ScoreConfig,
        as_of: NaiveDate,
        weighting: Weighting,
        mut contributions: [Vec<f32>; 4],
        full_contribution: [f32; 4],
        scale: [f64; 4],
    ) -> RiskModel {
        let buitengebied = &self.buitengebied;
        let mut risk = vec![f32::NAN; self.spec.len()];
        risk.par_iter_mut().enumerate().for_each(|(i, r)| {
            if buitengebied[i] {
                *r = (0..4).map(|k| contributions[k][i]).sum::<f32>();
            }
        });
        for values in contributions.iter_mut() {
            values.par_iter_mut().zip(&risk).for_each(|(v, r)| {
                if r.is_nan() {
                    *v = f32::NAN
                }
            });
        }
        RiskModel {
            version: version_of(&risk, as_of),
            spec: self.spec,
            as_of,
            config: config.clone(),
            weighting,
            risk,
            contributions,
            full_contribution,
            scale,
            gemeente: self.gemeente,
            satellite_anomaly: self.satellite_anomaly,
            spikes: self.spikes,
            catchment_scores: self.catchment_scores,
        }
    }
}

/// Scores `data` as of `as_of` with the hand-set weights.
pub fn score(
    data: &Dataset,
    config: &ScoreConfig,
    as_of: NaiveDate,
) -> Result<RiskModel, ScoreError> {
    let mut base = Base::new(data, config, as_of)?;
    let spec = base.spec;
    let q = config.normalisation_quantile;

    let mut leegstand = kernel_density(
        &spec,
        &barn_points(data, config),
        config.leegstand.bandwidth_m,
    );
    let leegstand_scale = normalise(&mut leegstand, &base.buitengebied, q);
    let mut dumpingen = kernel_density(
        &spec,
        &dumping_points(data, config, as_of),
        config.dumpingen.bandwidth_m,
    );
    let dumpingen_scale = normalise(&mut dumpingen, &base.buitengebied, q);
    let satelliet = satellite_indicator(&base.satellite_anomaly, config);

    // Contribution of an indicator: 100 · w · n / Σw.
    let full =
        Indicator::ALL.map(|i| (100.0 * i.weight(&config.weights) / config.weights.total()) as f32);
    let riool = std::mem::take(&mut base.riool);
    let mut contributions = [leegstand, dumpingen, riool, satelliet];
    for (k, values) in contributions.iter_mut().enumerate() {
        values.par_iter_mut().for_each(|v| *v *= full[k]);
    }
    Ok(base.into_model(
        config,
        as_of,
        Weighting::Handmatig,
        contributions,
        full,
        [leegstand_scale, dumpingen_scale, 1.0, 1.0],
    ))
}

fn version_of(risk: &[f32], as_of: NaiveDate) -> String {
    use sha2::{Digest, Sha256};
    // SHA-256 of fixed chunks on both cores, then of the as-of date and the
    // chunks' digests in order: the same grid gives the same version on
    // every machine and with every build.
    let chunks: Vec<[u8; 32]> = risk
        .par_chunks(1 << 20)
        .map(|chunk| {
            let bytes: Vec<u8> = chunk.iter().flat_map(|r| r.to_le_bytes()).collect();
            Sha256::digest(bytes).into()
        })
        .collect();
    let mut h = Sha256::new();
    h.update(as_of.format("%Y-%m-%d").to_string());
    for chunk in &chunks {
        h.update(chunk);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::version_of;
    use chrono::NaiveDate;

    #[test]
    fn the_version_is_the_same_on_every_build_and_follows_every_bit() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
        let grid: Vec<f32> = (0..(3 << 20)).map(|i| (i % 97) as f32 * 0.25).collect();
        let version = version_of(&grid, day);
        // Python's hashlib gives the same for these bytes: the value holds
        // across Rust versions and machines.
        assert_eq!(version, "b24349839c494770");
        let mut edited = grid.clone();
        edited[2 << 20] = f32::from_bits(edited[2 << 20].to_bits() ^ 1);
        assert_ne!(version_of(&edited, day), version);
        assert_ne!(version_of(&grid, day.succ_opt().expect("a day")), version);
    }
}
