//! What every model starts from: the grid and its masks, and the signals
//! as points and cells (vacant barns, decayed dumpings, sewage spikes per
//! catchment, the satellite anomaly), before any weighing.

use crate::config::ScoreConfig;
use crate::density::WeightedPoint;
use crate::grid::GridSpec;
use crate::sewage::{catchment_score, detect_spikes, Spike};
use crate::{mask, satellite, ScoreError};
use buitenzicht_ingest::{Dataset, Leegstand};
use chrono::NaiveDate;
use geo::BoundingRect;
use rayon::prelude::*;

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
        let kom = mask::polygon_ids(&spec, data.bebouwde_kom.iter().map(|k| &k.geometry))?;
        let catchment = mask::polygon_ids(&spec, data.rwzi.iter().map(|r| &r.geometry))?;
        let buitengebied: Vec<bool> = gemeente
            .par_iter()
            .zip(&kom)
            .map(|(&g, &k)| g != 0 && k == 0)
            .collect();
        drop(kom);
        let (spikes, catchment_scores) = catchment_signals(data, config, as_of);
        let riool: Vec<f32> = catchment
            .par_iter()
            .map(|&id| {
                if id == 0 {
                    0.0
                } else {
                    catchment_scores[id as usize - 1] as f32
                }
            })
            .collect();
        drop(catchment);
        let satellite_anomaly =
            satellite::resample_where(&spec, &data.satelliet, &data.satelliet_index, |t| {
                satellite::taken_by(t, as_of)
            })?;
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
}

/// The sewage spikes up to `as_of` and each catchment's score from them
/// (in `Dataset::rwzi` order).
pub(crate) fn catchment_signals(
    data: &Dataset,
    config: &ScoreConfig,
    as_of: NaiveDate,
) -> (Vec<Spike>, Vec<f64>) {
    let spikes = detect_spikes(&data.rioolmetingen, &config.riool, as_of);
    let scores = data
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
    (spikes, scores)
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
    anomaly
        .par_iter()
        .map(|&v| satellite_level(v, config) as f32)
        .collect()
}

/// One anomaly (°C) as the satellite indicator: 0 at the low threshold or
/// without data (NaN), 1 at the high one.
pub(crate) fn satellite_level(anomaly: f32, config: &ScoreConfig) -> f64 {
    let sc = &config.satelliet;
    if anomaly.is_nan() {
        0.0
    } else {
        ((anomaly as f64 - sc.anomaly_low_c) / (sc.anomaly_high_c - sc.anomaly_low_c))
            .clamp(0.0, 1.0)
    }
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
