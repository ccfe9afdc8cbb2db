//! From ingested layers to the risk surface.
//!
//! Each indicator is normalised to 0..1; with hand-set weights the risk is
//! their weighted mean scaled to 0..100. Whatever the weighting, the model
//! keeps each indicator's contribution per cell, and they add up to the
//! risk, so every score can be explained.

use crate::config::ScoreConfig;
use crate::density::{kernel_density, WeightedPoint};
use crate::grid::GridSpec;
use crate::indicator::Indicator;
use crate::sewage::{catchment_score, detect_spikes, Spike};
use crate::{mask, satellite, ScoreError};
use buitenzicht_ingest::{Dataset, Leegstand};
use chrono::NaiveDate;
use geo::BoundingRect;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

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
    /// `model` names it, e.g. `kde 1000 m` or `panden, reisafstand 2000 m`.
    Gekozen { model: String },
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

/// What every way of weighing starts from: the grid, the masks and the
/// signals that are not densities.
pub(crate) struct Base {
    pub spec: GridSpec,
    pub gemeente: Vec<u32>,
    /// Scored cells: inside a municipality and outside built-up areas.
    pub buitengebied: Vec<bool>,
    pub satellite_anomaly: Vec<f32>,
    pub spikes: Vec<Spike>,
    pub catchment_scores: Vec<f64>,
    /// The sewage indicator per cell: its catchment's value.
    pub riool: Vec<f32>,
}

impl Base {
    pub fn new(data: &Dataset, config: &ScoreConfig, as_of: NaiveDate) -> Result<Self, ScoreError> {
        let bbox = data
            .gemeenten
            .iter()
            .filter_map(|g| g.geometry.bounding_rect())
            .reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
            .ok_or(ScoreError::NoStudyArea)?;
        let spec = GridSpec::covering(
            [bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y],
            config.cell_size,
        );
        spec.check_memory()?;
        let gemeente = mask::polygon_ids(&spec, data.gemeenten.iter().map(|g| &g.geometry))?;
        let buitengebied: Vec<bool> = {
            let kom = mask::polygon_ids(&spec, data.bebouwde_kom.iter().map(|k| &k.geometry))?;
            gemeente
                .par_iter()
                .zip(&kom)
                .map(|(&g, &k)| g != 0 && k == 0)
                .collect()
        };
        let spikes = detect_spikes(&data.rioolmetingen, &config.riool, as_of);
        let catchment_scores: Vec<f64> = data
            .rwzi
            .iter()
            .map(|r| {
                let own: Vec<&Spike> = spikes
                    .iter()
                    .filter(|s| s.rwzi_code == r.rwzi_code)
                    .collect();
                catchment_score(&own, &config.riool, as_of)
            })
            .collect();
        let riool: Vec<f32> = mask::polygon_ids(&spec, data.rwzi.iter().map(|r| &r.geometry))?
            .par_iter()
            .map(|&id| {
                if id == 0 {
                    0.0
                } else {
                    catchment_scores[id as usize - 1] as f32
                }
            })
            .collect();
        let satellite_anomaly = satellite::resample(&spec, &data.satelliet, &data.satelliet_index)?;
        Ok(Base {
            spec,
            gemeente,
            buitengebied,
            satellite_anomaly,
            spikes,
            catchment_scores,
            riool,
        })
    }

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

/// The weights of vacant barns: certainty × floor-area factor.
pub(crate) fn barn_points(data: &Dataset, config: &ScoreConfig) -> Vec<WeightedPoint> {
    let lc = &config.leegstand;
    data.panden
        .iter()
        .filter_map(|p| {
            let certainty = match p.leegstand {
                Leegstand::Bevestigd => lc.bevestigd,
                Leegstand::Vermoedelijk => lc.vermoedelijk,
                Leegstand::Onbekend => lc.onbekend,
                Leegstand::Nee => 0.0,
            };
            let area = (p.oppervlakte / lc.reference_area_m2).clamp(0.25, 3.0);
            (certainty > 0.0).then_some(WeightedPoint {
                x: p.centroid.x(),
                y: p.centroid.y(),
                weight: certainty * area,
            })
        })
        .collect()
}

/// Dumpings up to `as_of` and at most `max_age_days` old, halving every
/// half-life.
pub(crate) fn dumping_points(
    data: &Dataset,
    config: &ScoreConfig,
    as_of: NaiveDate,
) -> Vec<WeightedPoint> {
    let dc = &config.dumpingen;
    data.dumpingen
        .iter()
        .filter_map(|d| {
            let age = (as_of - d.datum).num_days();
            (0..=dc.max_age_days).contains(&age).then(|| WeightedPoint {
                x: d.location.x(),
                y: d.location.y(),
                weight: 0.5f64.powf(age as f64 / dc.half_life_days),
            })
        })
        .collect()
}

/// The satellite indicator: linear between the low and high thresholds.
pub(crate) fn satellite_indicator(anomaly: &[f32], config: &ScoreConfig) -> Vec<f32> {
    let sc = &config.satelliet;
    anomaly
        .par_iter()
        .map(|&v| {
            if v.is_nan() {
                0.0
            } else {
                ((v as f64 - sc.anomaly_low_c) / (sc.anomaly_high_c - sc.anomaly_low_c))
                    .clamp(0.0, 1.0) as f32
            }
        })
        .collect()
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

/// Divides by the `q`-quantile of the positive values inside `mask` and caps
/// at 1; returns the divisor (0 when nothing is positive).
pub(crate) fn normalise(values: &mut [f32], mask: &[bool], q: f64) -> f64 {
    let mut positive: Vec<f32> = values
        .iter()
        .zip(mask)
        .filter(|(v, &m)| m && **v > 0.0)
        .map(|(v, _)| *v)
        .collect();
    if positive.is_empty() {
        return 0.0;
    }
    let k = ((positive.len() - 1) as f64 * q).round() as usize;
    let (_, &mut scale, _) = positive.select_nth_unstable_by(k, f32::total_cmp);
    values
        .par_iter_mut()
        .for_each(|v| *v = (*v / scale).min(1.0));
    scale as f64
}

fn version_of(risk: &[f32], as_of: NaiveDate) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    as_of.hash(&mut h);
    for r in risk {
        r.to_bits().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_caps_at_quantile() {
        let mut v: Vec<f32> = (0..101).map(|i| i as f32).collect();
        let mask = vec![true; 101];
        let scale = normalise(&mut v, &mask, 0.5);
        // Positive values are 1..=100; their median (rounded index) is 51.
        assert_eq!(scale, 51.0);
        assert_eq!(v[0], 0.0);
        assert!((v[51] - 1.0).abs() < 1e-6 && v[100] == 1.0);
        assert!((v[25] - 25.0 / 51.0).abs() < 1e-6);
    }
}
