//! The journey median's 95 % profile-likelihood interval.
//!
//! The block bootstrap ([`crate::predict`]) refits the rates and β with
//! the journey held at its estimate: re-estimating it in every replicate
//! would find the pairs of dumpings and buildings anew a hundred times.
//! The median's own uncertainty comes from its profile likelihood instead
//! (Wilks): at medians a fifth apart the spread, the rates and β are
//! refitted, each refit starting from its neighbour's, and the interval
//! holds the medians whose log-likelihood (penalised by the ridge, as the
//! fit's is: what it climbs) lies within χ²₁(0.95) / 2 of the fit's. A
//! refit that climbs above the fit means the likelihood has a higher
//! optimum elsewhere along the journey: [`best_fit`] starts again from
//! there, and what remains is reported, not hidden (should the restarts
//! run out with a refit still above the fit, that side's end lies
//! χ²₁(0.95) / 2 below the highest refit, the highest point seen).

use crate::profile::{self, Fit, JourneyFit, Options, Period, Region, MEDIAN_RANGE_M};
use serde::Serialize;

/// Half the 95 % quantile of χ² with one degree of freedom.
pub const DROP_95: f64 = 1.920_729;
/// The grid's step in ln median (a fifth: the end is interpolated).
const STEP: f64 = 0.2;
/// Steps on each side at most (a factor e^2.4, about 11, either way;
/// the medians a fit may take span a factor 30).
const MAX_STEPS: usize = 12;
/// Likelihood evaluations per refit at most; each starts from its
/// neighbour's, a fifth away.
const ITERATIONS: usize = 30;
/// A refit this much above the fit's log-likelihood is a higher optimum.
const HIGHER: f64 = 0.01;

/// Where the profile likelihood of the journey median falls by
/// [`DROP_95`] on either side of the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MedianInterval {
    pub low_m: Bound,
    pub high_m: Bound,
    /// The median of the highest refit above the fit, and by how much its
    /// penalised log-likelihood is higher.
    pub higher: Option<(f64, f64)>,
}

/// One end of the interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// Where the likelihood crosses the drop (interpolated in the drop's
    /// root, nearly linear in ln median).
    At(f64),
    /// The likelihood had not fallen by the drop at this median, the last
    /// tried: the end of the grid or of the medians a fit may take.
    Beyond(f64),
}

/// The profile-likelihood interval of `fit`'s journey median on `periods`
/// (fitted with unit weights, as `fit` was).
///
/// ```
/// use buitenzicht_score::journey_interval::{Bound, MedianInterval};
/// let i = MedianInterval { low_m: Bound::At(900.0), high_m: Bound::Beyond(6_000.0), higher: None };
/// assert_eq!(i.to_string(), "900–>6000 m");
/// ```
pub fn median_interval(region: &Region, periods: &[Period], fit: &Fit) -> MedianInterval {
    profile_median(region, periods, fit).0
}

/// `fit` refitted with the journey estimated from the highest point its
/// profile finds above it, until the profile finds none (at most
/// [`ROUNDS`] times): EM and Newton climb to the optimum nearest their
/// start, and along the journey the likelihood can have several. Returns
/// the fit and its median's interval.
pub fn best_fit(
    region: &Region,
    periods: &[Period],
    fit: Fit,
    options: Options,
) -> (Fit, MedianInterval) {
    let mut fit = fit;
    for _ in 0..ROUNDS {
        let (interval, higher) = profile_median(region, periods, &fit);
        let Some(higher) = higher else {
            return (fit, interval);
        };
        // The higher point itself is a fit (its median held): kept where
        // the refit from it falls back below it.
        let refit = profile::fit(region, periods, &higher, options, None);
        fit = if refit.penalised_log_likelihood() >= higher.penalised_log_likelihood() {
            refit
        } else {
            higher
        };
    }
    let interval = median_interval(region, periods, &fit);
    (fit, interval)
}

/// Restarts from a higher point at most this many times.
pub const ROUNDS: usize = 3;

/// The interval, and the highest refit above `fit` if any.
fn profile_median(region: &Region, periods: &[Period], fit: &Fit) -> (MedianInterval, Option<Fit>) {
    let ((low_m, below), (high_m, above)) = rayon::join(
        || side(region, periods, fit, -1.0),
        || side(region, periods, fit, 1.0),
    );
    let best = [below, above].into_iter().flatten().max_by(|a, b| {
        a.penalised_log_likelihood()
            .total_cmp(&b.penalised_log_likelihood())
    });
    let interval = MedianInterval {
        low_m,
        high_m,
        higher: best.map(|b| {
            (
                b.journey.median_m,
                b.penalised_log_likelihood() - fit.penalised_log_likelihood(),
            )
        }),
    };
    (interval, best)
}

/// Steps away from the estimate in `direction` (±1) until the likelihood
/// has fallen by [`DROP_95`] below the highest point seen (the fit, or a
/// refit above it); with the highest refit above the fit.
fn side(region: &Region, periods: &[Period], fit: &Fit, direction: f64) -> (Bound, Option<Fit>) {
    let options = Options {
        journey: JourneyFit::Spread,
        max_iterations: ITERATIONS,
    };
    let ln_hat = fit.journey.median_m.ln();
    if !fit.penalised_log_likelihood().is_finite() {
        // An impossible fit: nothing can be compared with it.
        return (Bound::Beyond(fit.journey.median_m), None);
    }
    let (mut last_ln, mut last_drop) = (ln_hat, 0.0);
    let mut higher: Option<Fit> = None;
    let mut start = *fit;
    for k in 1..=MAX_STEPS {
        // The last step ends at the range's end.
        let median = (ln_hat + direction * STEP * k as f64)
            .exp()
            .clamp(MEDIAN_RANGE_M.0, MEDIAN_RANGE_M.1);
        let ln_m = median.ln();
        if ln_m == last_ln {
            break;
        }
        start.journey.median_m = median;
        let refit = profile::fit(region, periods, &start, options, None);
        let ll = refit.penalised_log_likelihood();
        if ll - fit.penalised_log_likelihood() > HIGHER
            && higher.is_none_or(|h| ll > h.penalised_log_likelihood())
        {
            higher = Some(refit);
        }
        // Below the highest point seen: past a higher optimum the walk
        // ends where the likelihood has fallen from it, as it would in the
        // next round, which starts there.
        let best = higher.as_ref().unwrap_or(fit).penalised_log_likelihood();
        let drop = best - ll;
        if !drop.is_finite() {
            // An impossible fit here: nothing further out can be compared.
            break;
        }
        if drop >= DROP_95 {
            // One refit where the bracket puts the end, then the end
            // within the half of the bracket that holds it.
            let guess = crossing((last_ln, last_drop), (ln_m, drop));
            start.journey.median_m = guess.exp();
            let at_guess = profile::fit(region, periods, &start, options, None);
            let d = best - at_guess.penalised_log_likelihood();
            let end = if !d.is_finite() {
                guess
            } else if d >= DROP_95 {
                crossing((last_ln, last_drop), (guess, d))
            } else {
                crossing((guess, d), (ln_m, drop))
            };
            return (Bound::At(end.exp()), higher);
        }
        (last_ln, last_drop) = (ln_m, drop);
        start = refit;
    }
    (Bound::Beyond(last_ln.exp()), higher)
}

/// Where the drop reaches [`DROP_95`] between two (ln median, drop)
/// points that bracket it: the signed root of the drop is nearly linear in
/// the parameter (exactly so for a normal likelihood).
fn crossing((ln_a, drop_a): (f64, f64), (ln_b, drop_b): (f64, f64)) -> f64 {
    let root = |d: f64| d.max(0.0).sqrt();
    let t = (root(DROP_95) - root(drop_a)) / (root(drop_b) - root(drop_a));
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        1.0
    };
    ln_a + t * (ln_b - ln_a)
}

impl std::fmt::Display for MedianInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let low = match self.low_m {
            Bound::At(m) => format!("{m:.0}"),
            Bound::Beyond(m) => format!("<{m:.0}"),
        };
        let high = match self.high_m {
            Bound::At(m) => format!("{m:.0}"),
            Bound::Beyond(m) => format!(">{m:.0}"),
        };
        write!(f, "{low}–{high} m")
    }
}

impl MedianInterval {
    /// What the interval is and what it leaves out, in Dutch.
    pub fn describe(&self) -> String {
        let mut text = "reisafstand: 95 %-profielinterval van de mediaan (bij elke mediaan de spreiding, de bronnen en de kenmerken opnieuw geschat); de intervallen hieronder gelden bij de geschatte reisafstand".to_string();
        if let Some((median, gain)) = self.higher {
            text.push_str(&format!(
                "; let op: bij een mediaan van {median:.0} m is de log-likelihood {gain:.2} hoger dan bij de schatting; de reisafstand is niet eenduidig bepaald"
            ));
        }
        text
    }
}
