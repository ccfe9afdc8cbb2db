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

/// The furthest from its site a dump is followed. A wide journey (a 6 km
/// median with spread 0.8 reaches 66 km at three spreads) would pair every
/// dumping with every building of a province; beyond 15 km a dump counts
/// as one the site's journeys lost, as one outside the buitengebied does.
pub const MAX_REACH_M: f64 = 15_000.0;

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

    /// How far the model follows a journey: three spreads past the median
    /// (99.87 % of dumps), at most [`MAX_REACH_M`].
    pub fn reach(&self) -> f64 {
        (self.median_m * (3.0 * self.sigma).exp()).min(MAX_REACH_M)
    }

    /// Share of dumps that fall within [`Journey::reach`]: `Φ(z)` with `z`
    /// the reach's log distance in spreads from the median.
    ///
    /// ```
    /// use buitenzicht_score::journey::{Journey, MAX_REACH_M};
    /// // Three spreads: Φ(3).
    /// assert!((Journey::new(1_000.0).within_reach() - 0.998_650).abs() < 1e-6);
    /// // Capped: a 5 km median with spread 0.8 is followed to 15 km only.
    /// let j = Journey { median_m: 5_000.0, sigma: 0.8 };
    /// assert_eq!(j.reach(), MAX_REACH_M);
    /// assert!((j.within_reach() - 0.915_165).abs() < 1e-5);
    /// ```
    pub fn within_reach(&self) -> f64 {
        0.5 * libm::erfc(-self.z_reach() / std::f64::consts::SQRT_2)
    }

    /// Mean and mean square of `ln d` over the dumps beyond
    /// [`Journey::reach`]: the moments of a normal truncated below.
    ///
    /// ```
    /// use buitenzicht_score::journey::Journey;
    /// let j = Journey { median_m: 2_000.0, sigma: 0.5 };
    /// let (mean, square) = j.beyond_reach_ln();
    /// // Against a sum over the tail of the log-normal.
    /// let (mu, s, a) = (2_000f64.ln(), 0.5, j.reach().ln());
    /// let pdf = |x: f64| (-0.5 * ((x - mu) / s).powi(2)).exp();
    /// let xs: Vec<f64> = (0..200_000).map(|k| a + (k as f64 + 0.5) * 1e-5).collect();
    /// let w: f64 = xs.iter().map(|&x| pdf(x)).sum();
    /// let m1: f64 = xs.iter().map(|&x| x * pdf(x)).sum::<f64>() / w;
    /// let m2: f64 = xs.iter().map(|&x| x * x * pdf(x)).sum::<f64>() / w;
    /// assert!((mean - m1).abs() < 1e-4 && (square - m2).abs() < 1e-3);
    /// ```
    pub fn beyond_reach_ln(&self) -> (f64, f64) {
        let (mu, s, a) = (self.median_m.ln(), self.sigma, self.z_reach());
        let tail = 0.5 * libm::erfc(a / std::f64::consts::SQRT_2);
        let pdf = (-0.5 * a * a).exp() / (2.0 * std::f64::consts::PI).sqrt();
        // The inverse Mills ratio; far in the tail it tends to `a`.
        let lambda = if tail > 1e-300 { pdf / tail } else { a };
        let mean = mu + s * lambda;
        let var = s * s * (1.0 + a * lambda - lambda * lambda).max(0.0);
        (mean, var + mean * mean)
    }

    fn z_reach(&self) -> f64 {
        (self.reach().ln() - self.median_m.ln()) / self.sigma
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
