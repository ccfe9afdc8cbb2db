//! Data drawn from the building model itself, with known rates, β and
//! journey, for the tests that fit it back.

use crate::grid::GridSpec;
use crate::journey::Journey;
use crate::profile::{Period, N};
use rand::{Rng, SeedableRng};

fn normal(rng: &mut impl Rng) -> f64 {
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A 40 km square of `n` buildings, a tenth of them with a trait of
/// relative risk e² ≈ 7.4 over a plain building's `exp(beta0)` a
/// year, three years of dumpings sent along `truth` plus 60 a year of
/// background.
pub(crate) fn drawn(
    seed: u64,
    truth: Journey,
    n: usize,
    beta0: f64,
) -> (GridSpec, Vec<[f64; 2]>, Vec<Period>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let side = 40_000.0;
    let spec = GridSpec::covering([0.0, 0.0, side, side], 200.0);
    let buildings: Vec<[f64; 2]> = (0..n)
        .map(|_| [rng.random::<f64>() * side, rng.random::<f64>() * side])
        .collect();
    let (beta1, background) = (BETA1, BACKGROUND);
    let mut periods = Vec::new();
    for _ in 0..3 {
        let traits: Vec<[f64; N]> = (0..buildings.len())
            .map(|i| {
                let mut t = [0.0; N];
                t[0] = 1.0;
                t[1] = (i % 10 == 0) as u8 as f64;
                t
            })
            .collect();
        let mut events = Vec::new();
        for (b, t) in buildings.iter().zip(&traits) {
            let mean = (beta0 + beta1 * t[1]).exp();
            // Poisson by inversion.
            let (mut k, mut p, u) = (0, (-mean).exp(), rng.random::<f64>());
            let mut cdf = p;
            while u > cdf {
                k += 1;
                p *= mean / k as f64;
                cdf += p;
            }
            for _ in 0..k {
                let d = truth.median_m * (truth.sigma * normal(&mut rng)).exp();
                let a = std::f64::consts::TAU * rng.random::<f64>();
                let e = [b[0] + d * a.cos(), b[1] + d * a.sin()];
                if (0.0..side).contains(&e[0]) && (0.0..side).contains(&e[1]) {
                    events.push(e);
                }
            }
        }
        for _ in 0..background as usize {
            events.push([rng.random::<f64>() * side, rng.random::<f64>() * side]);
        }
        periods.push(Period {
            near_repeat: vec![0.0; events.len()],
            events,
            near_repeat_mass: 0.0,
            traits,
            past: Vec::new(),
            years: 1.0,
        });
    }
    (spec, buildings, periods)
}

pub(crate) const BETA0: f64 = -3.0;
pub(crate) const BETA1: f64 = 2.0;
pub(crate) const BACKGROUND: f64 = 60.0;

/// The journey the parameters are drawn with in most tests.
pub(crate) const DRAWN_JOURNEY: Journey = Journey {
    median_m: 1_200.0,
    sigma: 0.45,
};
