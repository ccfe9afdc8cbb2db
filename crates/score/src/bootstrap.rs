//! The spatial block bootstrap: confidence intervals that respect the
//! spatial dependence of the data.
//!
//! Cells near each other share their dumpings, buildings and sewage plant,
//! so resampling cells one by one would pretend to more independent
//! information than there is. Instead the region is cut into square blocks
//! (2 km by default), blocks are drawn with replacement as many times as
//! there are blocks, and a cell counts as often as its block was drawn
//! (Künsch 1989; Lahiri 2003). The model is refitted on each replicate and
//! the 2.5 and 97.5 percentiles of an estimate are its 95 % interval
//! (the percentile bootstrap, Efron & Tibshirani 1993, ch. 13).

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Side of a block, metres.
pub const BLOCK_M: f64 = 2_000.0;
/// The seed every bootstrap starts from, so a run is reproducible.
pub const SEED: u64 = 20_261_201;
/// A relative risk within this factor of 1 counts as no effect. A
/// variable the replicates carry no information on ends at RR 1 only as
/// closely as the refits converge: on the demo, the confirmed vacancy's
/// interval began at 1.00001, which is no effect, not a small one.
pub const NULL_RR: f64 = 1.001;

/// Where a source's expected dumpings land: each block it reaches with
/// the share that lands there (the shares add up to 1; empty when none
/// lands in the buitengebied).
pub type Landing = Vec<(usize, f64)>;

/// The masses `(block, mass)` gathered per block and scaled to add up to
/// 1, as a [`Landing`].
///
/// ```
/// use buitenzicht_score::bootstrap::landing;
/// let l = landing(vec![(3, 1.0), (1, 2.0), (3, 1.0)]);
/// assert_eq!(l, vec![(1, 0.5), (3, 0.5)]);
/// assert!(landing(vec![(0, 0.0)]).is_empty());
/// ```
pub fn landing(mut masses: Vec<(usize, f64)>) -> Landing {
    masses.sort_unstable_by_key(|&(b, _)| b);
    let mut out: Landing = Vec::new();
    for (b, m) in masses {
        match out.last_mut() {
            Some(last) if last.0 == b => last.1 += m,
            _ => out.push((b, m)),
        }
    }
    let total: f64 = out.iter().map(|&(_, m)| m).sum();
    if total > 0.0 {
        out.retain(|&(_, m)| m > 0.0);
        out.iter_mut().for_each(|(_, m)| *m /= total);
        out
    } else {
        Vec::new()
    }
}

/// How often a source's expected dumpings count in a replicate that drew
/// each block `counts` times: the mean count over the blocks they land in
/// (1 when none lands in the buitengebied).
///
/// A replicate draws space, not sources: a building or a past dumping
/// whose own block was not drawn still sends dumpings into drawn ones,
/// and counted with its own block it would explain them at no cost, its
/// relative risks running off without bound.
///
/// ```
/// use buitenzicht_score::bootstrap::landed;
/// assert_eq!(landed(&[(0, 0.25), (2, 0.75)], &[2.0, 5.0, 0.0]), 0.5);
/// assert_eq!(landed(&[], &[2.0]), 1.0);
/// ```
pub fn landed(landing: &[(usize, f64)], counts: &[f64]) -> f64 {
    if landing.is_empty() {
        1.0
    } else {
        landing.iter().map(|&(b, share)| share * counts[b]).sum()
    }
}

/// The block of every point (`x`, `y` in metres) as a dense index, and the
/// number of blocks.
pub fn blocks_of(points: impl Iterator<Item = [f64; 2]>, block_m: f64) -> (Vec<usize>, usize) {
    let mut ids = std::collections::HashMap::new();
    let of: Vec<usize> = points
        .map(|[x, y]| {
            let key = ((x / block_m).floor() as i64, (y / block_m).floor() as i64);
            let next = ids.len();
            *ids.entry(key).or_insert(next)
        })
        .collect();
    (of, ids.len())
}

/// How often each block is drawn in replicate `replicate`: `blocks` draws
/// with replacement, the same for the same seed and replicate.
pub fn block_counts(blocks: usize, seed: u64, replicate: usize) -> Vec<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate as u64);
    let mut counts = vec![0.0; blocks];
    for _ in 0..blocks {
        counts[rng.random_range(0..blocks.max(1))] += 1.0;
    }
    counts
}

/// The `q`-quantile (0..1) of `values` by linear interpolation between
/// order statistics (type 7, R's default); NaN when empty.
///
/// ```
/// use buitenzicht_score::bootstrap::quantile;
/// let v = [4.0, 1.0, 3.0, 2.0, 5.0];
/// assert_eq!(quantile(&v, 0.5), 3.0);
/// assert_eq!(quantile(&v, 0.25), 2.0);
/// assert!((quantile(&v, 0.975) - 4.9).abs() < 1e-12);
/// ```
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// A 95 % percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// The 2.5 and 97.5 percentiles of the replicates.
    pub fn of(replicates: &[f64]) -> Interval {
        Interval {
            low: quantile(replicates, 0.025),
            high: quantile(replicates, 0.975),
        }
    }

    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }

    /// Whether this interval of a relative risk includes no effect (it
    /// reaches to within [`NULL_RR`] of 1), or was not computed (an end is
    /// NaN).
    ///
    /// ```
    /// use buitenzicht_score::bootstrap::Interval;
    /// let ci = |low, high| Interval { low, high };
    /// assert!(ci(1.00001, 77.4).includes_no_effect());
    /// assert!(ci(0.5, 0.9995).includes_no_effect());
    /// assert!(!ci(1.01, 77.4).includes_no_effect());
    /// assert!(!ci(0.2, 0.9).includes_no_effect());
    /// assert!(ci(f64::NAN, f64::NAN).includes_no_effect());
    /// ```
    pub fn includes_no_effect(&self) -> bool {
        self.low.is_nan()
            || self.high.is_nan()
            || (self.low <= NULL_RR && self.high >= 1.0 / NULL_RR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_repeat() {
        let a = block_counts(50, 1, 3);
        assert_eq!(a.iter().sum::<f64>(), 50.0);
        assert_eq!(a, block_counts(50, 1, 3));
        assert_ne!(a, block_counts(50, 1, 4));
    }

    #[test]
    fn blocks_are_squares_of_the_given_side() {
        let (of, n) = blocks_of(
            [[10.0, 10.0], [1_999.0, 5.0], [2_001.0, 5.0], [10.0, -1.0]].into_iter(),
            2_000.0,
        );
        assert_eq!(n, 3);
        assert_eq!(of[0], of[1]);
        assert_ne!(of[1], of[2]);
        assert_ne!(of[0], of[3]);
    }

    /// Known answer: the bootstrap interval of a mean of n iid N(μ, 1)
    /// draws approaches μ̂ ± 1.96/√n.
    #[test]
    fn interval_of_a_mean_matches_the_normal_theory() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let n = 400;
        let x: Vec<f64> = (0..n)
            .map(|_| {
                // Box–Muller.
                let (u, v): (f64, f64) = (rng.random(), rng.random());
                (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
            })
            .collect();
        let mean = x.iter().sum::<f64>() / n as f64;
        // Every point its own block.
        let reps: Vec<f64> = (0..2_000)
            .map(|r| {
                let c = block_counts(n, 9, r);
                c.iter().zip(&x).map(|(c, x)| c * x).sum::<f64>() / n as f64
            })
            .collect();
        let ci = Interval::of(&reps);
        let half = 1.96 / (n as f64).sqrt();
        assert!(ci.contains(mean));
        assert!(
            ((ci.high - ci.low) / 2.0 / half - 1.0).abs() < 0.12,
            "{ci:?}"
        );
    }
}
