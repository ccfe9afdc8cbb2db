//! Sewage spikes: a daily load well above that plant's own recent baseline
//! for that substance.
//!
//! Baseline for a measurement on day t: the median and the median absolute
//! deviation (MAD) of the same plant and substance over the `window_days`
//! before t. A spike needs both `load > spike_factor · median` and
//! `load > median + mad_threshold · 1.4826 · MAD`, so neither a quiet plant's
//! noise nor a noisy plant's normal week sets one off.

use crate::config::RioolConfig;
use buitenzicht_ingest::Rioolmeting;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// One detected spike.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    pub rwzi_code: String,
    pub stof: String,
    pub datum: NaiveDate,
    pub vracht_g_d: f64,
    /// Median of the trailing window.
    pub baseline_g_d: f64,
    /// Load divided by baseline.
    pub ratio: f64,
    /// MDMA with an enantiomeric fraction near 0.5: unconsumed, so more
    /// likely dumped production waste than use.
    pub racemisch: bool,
}

/// All spikes up to and including `as_of`, oldest first per plant.
pub fn detect_spikes(
    measurements: &[Rioolmeting],
    config: &RioolConfig,
    as_of: NaiveDate,
) -> Vec<Spike> {
    let mut series: BTreeMap<(&str, &str), Vec<&Rioolmeting>> = BTreeMap::new();
    for m in measurements.iter().filter(|m| m.datum <= as_of) {
        series.entry((&m.rwzi_code, &m.stof)).or_default().push(m);
    }
    let mut spikes = Vec::new();
    for ((code, stof), mut values) in series {
        values.sort_by_key(|m| m.datum);
        let mut start = 0;
        for (i, m) in values.iter().enumerate() {
            let window_start = m.datum - chrono::Duration::days(config.window_days);
            while values[start].datum < window_start {
                start += 1;
            }
            let window: Vec<f64> = values[start..i]
                .iter()
                .filter(|w| w.datum < m.datum)
                .map(|w| w.vracht_g_d)
                .collect();
            if window.len() < config.min_history_days {
                continue;
            }
            let (median, mad) = median_and_mad(window);
            let above_ratio = m.vracht_g_d > config.spike_factor * median;
            let above_noise = m.vracht_g_d > median + config.mad_threshold * 1.4826 * mad;
            if above_ratio && above_noise {
                let racemisch = stof == "mdma"
                    && m.enantiomeer_fractie
                        .is_some_and(|ef| (ef - 0.5).abs() <= config.racemic_band);
                spikes.push(Spike {
                    rwzi_code: code.to_string(),
                    stof: stof.to_string(),
                    datum: m.datum,
                    vracht_g_d: m.vracht_g_d,
                    baseline_g_d: median,
                    ratio: if median > 0.0 {
                        m.vracht_g_d / median
                    } else {
                        f64::INFINITY
                    },
                    racemisch,
                });
            }
        }
    }
    spikes
}

/// Weight of a spike in its catchment's score: halves every
/// `half_life_days`, zero past `lookback_days`, more for racemic MDMA.
pub fn spike_weight(spike: &Spike, config: &RioolConfig, as_of: NaiveDate) -> f64 {
    let age = (as_of - spike.datum).num_days();
    if age < 0 || age > config.lookback_days {
        return 0.0;
    }
    let decay = 0.5f64.powf(age as f64 / config.half_life_days);
    decay
        * if spike.racemisch {
            config.racemic_weight
        } else {
            1.0
        }
}

/// A catchment's indicator value, 0..1: `1 − exp(−S)` with S the summed
/// spike weights (one fresh spike ≈ 0.63, two ≈ 0.86).
pub fn catchment_score(spikes: &[&Spike], config: &RioolConfig, as_of: NaiveDate) -> f64 {
    let s: f64 = spikes.iter().map(|s| spike_weight(s, config, as_of)).sum();
    1.0 - (-s).exp()
}

fn median_and_mad(mut values: Vec<f64>) -> (f64, f64) {
    let median = median_in_place(&mut values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    (median, median_in_place(&mut deviations))
}

fn median_in_place(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(code: &str, stof: &str, loads: &[f64]) -> Vec<Rioolmeting> {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        loads
            .iter()
            .enumerate()
            .map(|(i, &v)| Rioolmeting {
                rwzi_code: code.into(),
                datum: start + chrono::Duration::days(i as i64),
                stof: stof.into(),
                vracht_g_d: v,
                enantiomeer_fractie: (stof == "mdma").then_some(if v > 500.0 { 0.5 } else { 0.72 }),
            })
            .collect()
    }

    #[test]
    fn finds_planted_spike_and_nothing_in_flat_series() {
        let mut loads: Vec<f64> = (0..60).map(|i| 100.0 + (i % 7) as f64 * 3.0).collect();
        loads[40] = 900.0;
        let mut data = series("A", "amfetamine", &loads);
        data.extend(series("B", "amfetamine", &[200.0; 60]));
        let as_of = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let spikes = detect_spikes(&data, &RioolConfig::default(), as_of);
        assert_eq!(spikes.len(), 1, "{spikes:?}");
        assert_eq!(spikes[0].rwzi_code, "A");
        assert_eq!(
            spikes[0].datum,
            NaiveDate::from_ymd_opt(2026, 2, 10).unwrap()
        );
        assert!(spikes[0].ratio > 8.0);
    }

    #[test]
    fn racemic_mdma_and_decay() {
        let mut loads = vec![50.0; 40];
        loads[30] = 800.0;
        let data = series("C", "mdma", &loads);
        let config = RioolConfig::default();
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let spikes = detect_spikes(&data, &config, as_of);
        assert_eq!(spikes.len(), 1);
        assert!(spikes[0].racemisch);
        // Spike on day 30 = 2026-01-31, age 0: weight = racemic_weight.
        assert!((spike_weight(&spikes[0], &config, as_of) - 1.5).abs() < 1e-12);
        let later = as_of + chrono::Duration::days(60);
        assert!((spike_weight(&spikes[0], &config, later) - 0.75).abs() < 1e-12);
        let s = catchment_score(&[&spikes[0]], &config, later);
        assert!((s - (1.0 - (-0.75f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn future_measurements_are_ignored() {
        let mut loads = vec![100.0; 40];
        loads[35] = 1_000.0;
        let data = series("A", "amfetamine", &loads);
        let before = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        assert!(detect_spikes(&data, &RioolConfig::default(), before).is_empty());
    }
}
