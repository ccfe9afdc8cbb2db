//! Additive Poisson regression with non-negative coefficients.
//!
//! Counts `y_i ~ Poisson(λ_i)` with `λ_i = e_i · Σ_k θ_k z_ik`, every
//! `θ_k ≥ 0` and every component `z_k ≥ 0`: the intensity is a sum of
//! sources (a background, the near-repeat of past dumpings, the dumps spread
//! from buildings), each of which can only add. The maximum-likelihood `θ`
//! is found by EM — each count is split over the components in proportion
//! to what they expect there — whose multiplicative update
//!
//! ```text
//! θ_k ← θ_k · Σ_i z_ik e_i y_i / λ_i  /  Σ_i z_ik e_i
//! ```
//!
//! never leaves the non-negative orthant and never lowers the likelihood
//! (Shepp & Vardi 1982). Unlike a log-linear model, no coefficient can run
//! off to infinity on a separated variable: a component that explains every
//! count gets at most all of them.

/// The fit: coefficients, deviance and iterations used.
#[derive(Debug, Clone, PartialEq)]
pub struct AdditiveFit {
    pub theta: Vec<f64>,
    pub deviance: f64,
    pub iterations: usize,
}

/// Fits `θ` for components `z[k][i]`, counts `y[i]` and exposures `e[i]`.
///
/// ```
/// use buitenzicht_score::additive::fit;
/// // One component: the MLE is Σy / Σ e·z, whatever the start.
/// let z = vec![vec![1.0, 2.0, 3.0]];
/// let f = fit(&z, &[1.0, 3.0, 2.0], &[1.0, 1.0, 1.0], 500);
/// assert!((f.theta[0] - 1.0).abs() < 1e-9);
/// ```
pub fn fit(z: &[Vec<f64>], y: &[f64], e: &[f64], max_iterations: usize) -> AdditiveFit {
    fit_from(z, y, e, None, max_iterations)
}

/// [`fit`] started from `start` (a warm start, e.g. the full-data fit when
/// refitting a bootstrap replicate; zeros stay zero). Weighted data — each
/// row counted `w` times — is `y · w` and `e · w`: the EM update and the
/// deviance are linear in both.
pub fn fit_from(
    z: &[Vec<f64>],
    y: &[f64],
    e: &[f64],
    start: Option<&[f64]>,
    max_iterations: usize,
) -> AdditiveFit {
    let n = y.len();
    let k = z.len();
    let denominators: Vec<f64> = z
        .iter()
        .map(|col| col.iter().zip(e).map(|(z, e)| z * e).sum())
        .collect();
    let total: f64 = y.iter().sum();
    let mut theta: Vec<f64> = denominators
        .iter()
        .enumerate()
        .map(|(j, &d)| match start {
            _ if d <= 0.0 => 0.0,
            // A warm start slightly off zero, so a source the full data
            // dropped can come back in a replicate.
            Some(s) => s[j].max(1e-6 * total / d),
            None => total / d / k as f64,
        })
        .collect();
    let mut lambda = vec![0.0; n];
    let mut previous = f64::INFINITY;
    let mut iterations = 0;
    for it in 0..max_iterations {
        iterations = it + 1;
        intensity(z, &theta, e, &mut lambda);
        let deviance = deviance(y, &lambda);
        if (previous - deviance).abs() <= 1e-9 * (1.0 + deviance.abs()) {
            break;
        }
        previous = deviance;
        for (j, col) in z.iter().enumerate() {
            if denominators[j] <= 0.0 || theta[j] == 0.0 {
                continue;
            }
            let numerator: f64 = (0..n)
                .filter(|&i| y[i] > 0.0 && lambda[i] > 0.0)
                .map(|i| col[i] * e[i] * y[i] / lambda[i])
                .sum();
            theta[j] *= numerator / denominators[j];
        }
    }
    intensity(z, &theta, e, &mut lambda);
    AdditiveFit {
        deviance: deviance(y, &lambda),
        theta,
        iterations,
    }
}

/// `λ_i = e_i Σ_k θ_k z_ik`.
pub fn intensity(z: &[Vec<f64>], theta: &[f64], e: &[f64], out: &mut [f64]) {
    for (i, l) in out.iter_mut().enumerate() {
        *l = e[i] * z.iter().zip(theta).map(|(col, t)| t * col[i]).sum::<f64>();
    }
}

/// Poisson deviance `2 Σ [y ln(y/λ) − (y − λ)]`.
pub fn deviance(y: &[f64], lambda: &[f64]) -> f64 {
    2.0 * y
        .iter()
        .zip(lambda)
        .map(|(&y, &l)| {
            let log_term = if y > 0.0 {
                y * (y / l.max(1e-300)).ln()
            } else {
                0.0
            };
            log_term - (y - l)
        })
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Knuth's Poisson draw, fine for the small means here.
    fn poisson(rng: &mut impl Rng, mean: f64) -> f64 {
        let limit = (-mean).exp();
        let (mut k, mut p) = (0.0, 1.0);
        loop {
            p *= rng.random_range(0.0..1.0f64);
            if p <= limit {
                return k;
            }
            k += 1.0;
        }
    }

    /// Counts drawn from a known additive intensity give back its
    /// coefficients, and a component that plays no part gets (almost) none.
    #[test]
    fn recovers_known_coefficients() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let truth = [0.02, 0.5, 0.0, 1.5];
        let z: Vec<Vec<f64>> = (0..truth.len())
            .map(|k| {
                (0..n)
                    .map(|_| {
                        if k == 0 {
                            1.0
                        } else {
                            rng.random_range(0.0..1.0f64).powi(3)
                        }
                    })
                    .collect()
            })
            .collect();
        let e = vec![1.0; n];
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let l: f64 = (0..truth.len()).map(|k| truth[k] * z[k][i]).sum();
                poisson(&mut rng, l)
            })
            .collect();
        let f = fit(&z, &y, &e, 5_000);
        for (k, (&t, &est)) in truth.iter().zip(&f.theta).enumerate() {
            if t > 0.0 {
                assert!((est - t).abs() / t < 0.05, "θ{k}: {est} vs {t}");
            } else {
                assert!(est < 0.02, "θ{k}: {est} should vanish");
            }
        }
    }

    #[test]
    fn deviance_of_a_perfect_fit_is_zero() {
        assert_eq!(deviance(&[0.0, 2.0, 5.0], &[0.0, 2.0, 5.0]), 0.0);
        assert!(deviance(&[0.0, 2.0], &[1.0, 1.0]) > 0.0);
    }
}
