//! From ingested layers to the risk surface.
//!
//! Each indicator is normalised to 0..1; the risk is their weighted mean
//! scaled to 0..100. A cell's contributions, `100 · wᵢ · nᵢ / Σw`, add up to
//! its risk, so every score can be explained.

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

/// The scored grid and what it was scored from.
#[derive(Debug, Clone)]
pub struct RiskModel {
    pub spec: GridSpec,
    pub as_of: NaiveDate,
    pub config: ScoreConfig,
    /// Risk 0..100 per cell; NaN in built-up areas and outside the study area.
    pub risk: Vec<f32>,
    /// Normalised value 0..1 per indicator (in [`Indicator::ALL`] order).
    pub indicators: [Vec<f32>; 4],
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
    /// Normalised indicator values, 0..1.
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
        let values = Indicator::ALL.map(|ind| self.indicators[ind.index()][i]);
        Some(CellScore {
            col,
            row,
            risk,
            values,
            contributions: Indicator::ALL.map(|ind| self.contribution(ind, values[ind.index()])),
        })
    }

    /// Risk points that an indicator value gives.
    pub fn contribution(&self, indicator: Indicator, value: f32) -> f32 {
        let w = &self.config.weights;
        (100.0 * indicator.weight(w) * value as f64 / w.total()) as f32
    }
}

/// Scores `data` as of `as_of`.
pub fn score(
    data: &Dataset,
    config: &ScoreConfig,
    as_of: NaiveDate,
) -> Result<RiskModel, ScoreError> {
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

    let gemeente = mask::polygon_ids(&spec, data.gemeenten.iter().map(|g| &g.geometry))?;
    let kom = mask::polygon_ids(&spec, data.bebouwde_kom.iter().map(|k| &k.geometry))?;
    let buitengebied: Vec<bool> = gemeente
        .iter()
        .zip(&kom)
        .map(|(&g, &k)| g != 0 && k == 0)
        .collect();

    // Vacant barns: certainty × floor-area factor, quartic density.
    let lc = &config.leegstand;
    let barns: Vec<WeightedPoint> = data
        .panden
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
        .collect();
    let mut leegstand = kernel_density(&spec, &barns, lc.bandwidth_m);
    let leegstand_scale = normalise(&mut leegstand, &buitengebied, config.normalisation_quantile);

    // Dumpings up to as_of, halving every half-life.
    let dc = &config.dumpingen;
    let dumps: Vec<WeightedPoint> = data
        .dumpingen
        .iter()
        .filter_map(|d| {
            let age = (as_of - d.datum).num_days();
            (0..=dc.max_age_days).contains(&age).then(|| WeightedPoint {
                x: d.location.x(),
                y: d.location.y(),
                weight: 0.5f64.powf(age as f64 / dc.half_life_days),
            })
        })
        .collect();
    let mut dumpingen = kernel_density(&spec, &dumps, dc.bandwidth_m);
    let dumpingen_scale = normalise(&mut dumpingen, &buitengebied, config.normalisation_quantile);

    // Sewage: spikes per plant, one value per catchment.
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
    let rwzi_ids = mask::polygon_ids(&spec, data.rwzi.iter().map(|r| &r.geometry))?;
    let riool: Vec<f32> = rwzi_ids
        .par_iter()
        .map(|&id| {
            if id == 0 {
                0.0
            } else {
                catchment_scores[id as usize - 1] as f32
            }
        })
        .collect();

    // Satellite anomaly, linear between the low and high thresholds.
    let satellite_anomaly = satellite::resample(&spec, &data.satelliet, &data.satelliet_index)?;
    let sc = &config.satelliet;
    let satelliet: Vec<f32> = satellite_anomaly
        .par_iter()
        .map(|&v| {
            if v.is_nan() {
                0.0
            } else {
                ((v as f64 - sc.anomaly_low_c) / (sc.anomaly_high_c - sc.anomaly_low_c))
                    .clamp(0.0, 1.0) as f32
            }
        })
        .collect();

    let mut indicators = [leegstand, dumpingen, riool, satelliet];
    let w = Indicator::ALL.map(|i| (i.weight(&config.weights) / config.weights.total()) as f32);
    let mut risk = vec![f32::NAN; spec.len()];
    risk.par_iter_mut().enumerate().for_each(|(i, r)| {
        if buitengebied[i] {
            *r = 100.0 * (0..4).map(|k| w[k] * indicators[k][i]).sum::<f32>();
        }
    });
    for values in indicators.iter_mut() {
        values.par_iter_mut().zip(&risk).for_each(|(v, r)| {
            if r.is_nan() {
                *v = f32::NAN
            }
        });
    }

    let version = version_of(&risk, as_of);
    Ok(RiskModel {
        spec,
        as_of,
        config: config.clone(),
        risk,
        indicators,
        scale: [leegstand_scale, dumpingen_scale, 1.0, 1.0],
        gemeente,
        satellite_anomaly,
        spikes,
        catchment_scores,
        version,
    })
}

/// Divides by the `q`-quantile of the positive values inside `mask` and caps
/// at 1; returns the divisor (0 when nothing is positive).
fn normalise(values: &mut [f32], mask: &[bool], q: f64) -> f64 {
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
