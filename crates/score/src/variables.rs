//! Risk-factor variables: several operationalisations of each signal, each
//! 0..1 per cell, for the calibrated model (Risk Terrain Modeling style).
//!
//! | variable | meaning |
//! |---|---|
//! | `leegstand_kde_{h}` | kernel density of vacant barns (certainty × area), bandwidth h, ÷ its 99th percentile |
//! | `leegstand_binnen_{d}` | 1 within d metres of a (probably) vacant barn |
//! | `dumpingen_kde_{h}` | kernel density of past dumpings with time decay, bandwidth h |
//! | `dumpingen_binnen_{d}` | 1 within d metres of a dumping of the last `max_age_days` |
//! | `riool_vangstgebied` | the catchment's sewage-spike value |
//! | `satelliet_anomalie` | the anomaly, linear between the low and high thresholds |
//! | `satelliet_boven_drempel` | 1 where the anomaly reaches the low threshold |
//! | `satelliet_aandeel_{d}` | share of cells within a square of ±d metres at or above the low threshold |

use crate::config::VariableConfig;
use crate::density::{kernel_density, within_distance};
use crate::indicator::Indicator;
use crate::signals::{barn_points, dumping_points, normalise, satellite_indicator, Base};
use crate::{ScoreConfig, ScoreError};
use buitenzicht_ingest::Dataset;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub indicator: Indicator,
}

enum Recipe {
    BarnDensity(f64),
    BarnWithin(f64),
    DumpingDensity(f64),
    DumpingWithin(f64),
    Sewage,
    SatelliteAnomaly,
    SatelliteAbove,
    SatelliteShare(f64),
}

fn recipes(config: &VariableConfig) -> Vec<(Variable, Recipe)> {
    let v = |name: String, indicator| Variable { name, indicator };
    let mut out = Vec::new();
    for &h in &config.bandwidths_m {
        out.push((
            v(format!("leegstand_kde_{h:.0}"), Indicator::Leegstand),
            Recipe::BarnDensity(h),
        ));
    }
    for &d in &config.bands_m {
        out.push((
            v(format!("leegstand_binnen_{d:.0}"), Indicator::Leegstand),
            Recipe::BarnWithin(d),
        ));
    }
    for &h in &config.bandwidths_m {
        out.push((
            v(format!("dumpingen_kde_{h:.0}"), Indicator::Dumpingen),
            Recipe::DumpingDensity(h),
        ));
    }
    for &d in &config.bands_m {
        out.push((
            v(format!("dumpingen_binnen_{d:.0}"), Indicator::Dumpingen),
            Recipe::DumpingWithin(d),
        ));
    }
    out.push((
        v("riool_vangstgebied".into(), Indicator::Riool),
        Recipe::Sewage,
    ));
    out.push((
        v("satelliet_anomalie".into(), Indicator::Satelliet),
        Recipe::SatelliteAnomaly,
    ));
    out.push((
        v("satelliet_boven_drempel".into(), Indicator::Satelliet),
        Recipe::SatelliteAbove,
    ));
    let w = config.satellite_window_m;
    out.push((
        v(format!("satelliet_aandeel_{w:.0}"), Indicator::Satelliet),
        Recipe::SatelliteShare(w),
    ));
    out
}

/// The variables `config` asks for, in order.
pub fn variables(config: &VariableConfig) -> Vec<Variable> {
    recipes(config).into_iter().map(|(v, _)| v).collect()
}

/// Builds the variables marked in `wanted` one grid at a time (so at most
/// one extra grid is in memory) and hands each to `visit` with its index.
pub(crate) fn build_each(
    base: &Base,
    data: &Dataset,
    config: &ScoreConfig,
    as_of: NaiveDate,
    wanted: &[bool],
    mut visit: impl FnMut(usize, Vec<f32>) -> Result<(), ScoreError>,
) -> Result<(), ScoreError> {
    let spec = &base.spec;
    let q = config.normalisation_quantile;
    let barns = barn_points(data, config);
    let dumps = dumping_points(data, config, as_of);
    for (j, (_, recipe)) in recipes(&config.variables).into_iter().enumerate() {
        if !wanted.get(j).copied().unwrap_or(false) {
            continue;
        }
        let grid = match recipe {
            Recipe::BarnDensity(h) => {
                let mut g = kernel_density(spec, &barns, h);
                normalise(&mut g, &base.buitengebied, q);
                g
            }
            Recipe::BarnWithin(d) => within_distance(spec, &barns, d),
            Recipe::DumpingDensity(h) => {
                let mut g = kernel_density(spec, &dumps, h);
                normalise(&mut g, &base.buitengebied, q);
                g
            }
            Recipe::DumpingWithin(d) => within_distance(spec, &dumps, d),
            Recipe::Sewage => base.riool.clone(),
            Recipe::SatelliteAnomaly => satellite_indicator(&base.satellite_anomaly, config),
            Recipe::SatelliteAbove => above_threshold(&base.satellite_anomaly, config),
            Recipe::SatelliteShare(w) => {
                let above = above_threshold(&base.satellite_anomaly, config);
                window_share(
                    &above,
                    spec.cols,
                    spec.rows,
                    (w / spec.cell).round() as usize,
                )
            }
        };
        visit(j, grid)?;
    }
    Ok(())
}

fn above_threshold(anomaly: &[f32], config: &ScoreConfig) -> Vec<f32> {
    let low = config.satelliet.anomaly_low_c as f32;
    anomaly
        .iter()
        .map(|&v| if v >= low { 1.0 } else { 0.0 })
        .collect()
}

/// Mean of `values` over the (2r+1)² square around each cell (clipped at
/// the edges), through a summed-area table: O(cells) whatever `r`.
pub fn window_share(values: &[f32], cols: usize, rows: usize, r: usize) -> Vec<f32> {
    let w = cols + 1;
    let mut sat = vec![0f64; w * (rows + 1)];
    for row in 0..rows {
        let mut line = 0.0;
        for col in 0..cols {
            line += values[row * cols + col] as f64;
            sat[(row + 1) * w + col + 1] = sat[row * w + col + 1] + line;
        }
    }
    let mut out = vec![0f32; cols * rows];
    for row in 0..rows {
        let (r0, r1) = (row.saturating_sub(r), (row + r + 1).min(rows));
        for col in 0..cols {
            let (c0, c1) = (col.saturating_sub(r), (col + r + 1).min(cols));
            let sum = sat[r1 * w + c1] - sat[r0 * w + c1] - sat[r1 * w + c0] + sat[r0 * w + c0];
            out[row * cols + col] = (sum / ((r1 - r0) * (c1 - c0)) as f64) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_share_matches_direct_mean() {
        let (cols, rows) = (13, 9);
        let values: Vec<f32> = (0..cols * rows)
            .map(|i| ((i * 7) % 5 == 0) as u8 as f32)
            .collect();
        let r = 2;
        let got = window_share(&values, cols, rows, r);
        for row in 0..rows {
            for col in 0..cols {
                let (mut sum, mut n) = (0.0, 0);
                for rr in row.saturating_sub(r)..(row + r + 1).min(rows) {
                    for cc in col.saturating_sub(r)..(col + r + 1).min(cols) {
                        sum += values[rr * cols + cc];
                        n += 1;
                    }
                }
                assert!((got[row * cols + col] - sum / n as f32).abs() < 1e-6);
            }
        }
    }
}
