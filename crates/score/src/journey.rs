//! The journey from a production site to where its waste is dumped.
//!
//! In geographic profiling (Rossmo) offences lie at a typical distance from
//! the offender's base, with a buffer zone close to it where few occur. Here
//! the distance is log-normal — zero density at the site itself, a peak
//! near the median, a long tail — and the direction uniform, so a site at
//! distance `d` gives a dump density per m² of
//!
//! ```text
//! f(d) = LogNormal(d; ln m, σ) / (2π d)
//! ```
//!
//! The median `m` and spread `σ` are not known in advance:
//! [`crate::profile`] estimates them from the data.

use crate::density::{splat, WeightedPoint};
use crate::grid::GridSpec;

/// Spread of the log-normal distance where none is estimated.
pub const SIGMA: f64 = 0.5;

/// A journey-distance distribution.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Journey {
    pub median_m: f64,
    pub sigma: f64,
}

impl Journey {
    pub fn new(median_m: f64) -> Self {
        Journey {
            median_m,
            sigma: SIGMA,
        }
    }

    /// Dump density per m² at distance `d` metres from the site.
    ///
    /// ```
    /// use buitenzicht_score::journey::Journey;
    /// let j = Journey::new(2_000.0);
    /// // The buffer zone: nothing at the site, most near the median.
    /// assert_eq!(j.density(0.0), 0.0);
    /// assert!(j.density(1_800.0) > j.density(300.0));
    /// // Integrated over the plane it is one dump.
    /// let dr = 5.0;
    /// let total: f64 = (0..20_000)
    ///     .map(|k| (k as f64 + 0.5) * dr)
    ///     .map(|r| j.density(r) * std::f64::consts::TAU * r * dr)
    ///     .sum();
    /// assert!((total - 1.0).abs() < 1e-3);
    /// ```
    pub fn density(&self, d: f64) -> f64 {
        if d <= 0.0 {
            return 0.0;
        }
        let z = (d.ln() - self.median_m.ln()) / self.sigma;
        let radial = (-0.5 * z * z).exp() / (d * self.sigma * (2.0 * std::f64::consts::PI).sqrt());
        radial / (std::f64::consts::TAU * d)
    }

    /// The distance within which 99.7 % of dumps fall.
    pub fn reach(&self) -> f64 {
        self.median_m * (3.0 * self.sigma).exp()
    }

    /// Expected dumps per km² on `spec` from sites `points` (weights = dumps).
    ///
    /// The density is tabulated every 5 m, so each site costs one table
    /// lookup per cell within [`Journey::reach`].
    pub fn surface(&self, spec: &GridSpec, points: &[WeightedPoint]) -> Vec<f32> {
        const STEP: f64 = 5.0;
        let reach = self.reach();
        let table: Vec<f64> = (0..=(reach / STEP).ceil() as usize + 1)
            .map(|k| 1e6 * self.density(k as f64 * STEP))
            .collect();
        splat(spec, points, reach, |acc, d2, w| {
            let t = d2.sqrt() / STEP;
            let k = t as usize;
            if k + 1 < table.len() {
                let f = t - k as f64;
                *acc += w * (table[k] * (1.0 - f) + table[k + 1] * f);
            }
        })
    }
}
