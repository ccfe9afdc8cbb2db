//! Backtest: how well a risk surface scored with data up to one date
//! foresaw the dumpings of the period after it.
//!
//! For a share `a/A` of the buitengebied (the `a` highest-scoring of its `A`
//! cells) that holds `n` of the period's `N` dumpings:
//! - hit rate `n / N`;
//! - Predictive Accuracy Index `PAI = (n / N) / (a / A)` (Chainey et al.):
//!   how many times better than picking cells at random;
//! - `PEI* = n / n*`, with `n*` the most dumpings any `a` cells held (the
//!   cells a perfect forecast would have picked): 1 is the best possible.

use crate::density::{kernel_density, WeightedPoint};
use crate::{score, ScoreConfig, ScoreError};
use buitenzicht_ingest::Dataset;
use chrono::NaiveDate;
use serde::Serialize;

/// The shares of the buitengebied at which the metrics are taken.
pub const AREA_SHARES: [f64; 3] = [0.01, 0.05, 0.10];

/// Metrics of one surface at one area share.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Metrics {
    /// Share of the buitengebied, 0..1.
    pub area_share: f64,
    /// Cells in that share (`a`).
    pub cells: usize,
    /// Dumpings in those cells (`n`); where cells tie with the last one
    /// taken, its expected count over every order of the tied cells (so
    /// fractional), since no order among them is the surface's.
    pub hits: f64,
    pub hit_rate: f64,
    pub pai: f64,
    /// Most dumpings any `a` cells held (`n*`).
    pub best_possible: u32,
    pub pei_star: f64,
}

/// The metrics of one surface.
#[derive(Debug, Clone, Serialize)]
pub struct SurfaceResult {
    pub model: String,
    pub metrics: Vec<Metrics>,
}

/// A backtest report.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestReport {
    pub train_until: NaiveDate,
    pub test_until: NaiveDate,
    /// Buitengebied cells (`A`).
    pub cells: usize,
    /// Dumpings in the test period inside the buitengebied (`N`).
    pub events: u32,
    /// Dumpings in the test period outside it (not counted).
    pub events_outside: u32,
    pub results: Vec<SurfaceResult>,
}

/// Metrics of `scores` (NaN = not in the study area) against
/// `events[i]`, the number of test events in cell `i`, at each share.
/// Cells that tie at the edge of a share count with the share of them that
/// fits: taken in any fixed order instead, a flat surface would score
/// whatever dumpings happened to lie in its first cells.
///
/// ```
/// use buitenzicht_score::backtest::evaluate;
/// // 10 cells; the two best-scoring hold 3 of the 4 events.
/// let scores = [9.0, 8.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5];
/// let events = [2, 1, 0, 0, 0, 0, 0, 0, 0, 1];
/// let m = &evaluate(&scores, &events, &[0.2])[0];
/// assert_eq!((m.cells, m.hits), (2, 3.0));
/// assert!((m.pai - (3.0 / 4.0) / (2.0 / 10.0)).abs() < 1e-12);
/// assert!((m.pei_star - 1.0).abs() < 1e-12);
/// // A flat surface finds the dumpings of the area it covers: PAI 1.
/// let m = &evaluate(&[5.0; 10], &events, &[0.2])[0];
/// assert_eq!((m.hits, m.pai), (0.8, 1.0));
/// ```
pub fn evaluate(scores: &[f32], events: &[u32], shares: &[f64]) -> Vec<Metrics> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| !scores[i].is_nan()).collect();
    // Highest score first, ties by cell: one order whatever the input.
    let rank = |&a: &usize, &b: &usize| scores[b].total_cmp(&scores[a]).then(a.cmp(&b));
    let area = order.len();
    let total: u32 = order.iter().map(|&i| events[i]).sum();
    // Only cells with events can fill the best possible top.
    let mut best: Vec<u32> = order
        .iter()
        .map(|&i| events[i])
        .filter(|&e| e > 0)
        .collect();
    best.sort_unstable_by(|a, b| b.cmp(a));
    shares
        .iter()
        .map(|&share| {
            let cells = ((share * area as f64).round() as usize)
                .clamp(1, area.max(1))
                .min(area);
            // The top `cells` by selection, not a sort of every cell: the
            // national grid has millions and this runs per cut and
            // candidate.
            if cells < area {
                order.select_nth_unstable_by(cells, rank);
            }
            let hits = if cells < area {
                // The lowest score taken, and every cell at it, taken or not.
                let edge = order[..cells]
                    .iter()
                    .map(|&i| scores[i])
                    .fold(f32::INFINITY, f32::min);
                let (mut above, mut above_n, mut tied, mut tied_n) = (0u64, 0usize, 0u64, 0usize);
                for &i in &order {
                    if scores[i] > edge {
                        above += events[i] as u64;
                        above_n += 1;
                    } else if scores[i] == edge {
                        tied += events[i] as u64;
                        tied_n += 1;
                    }
                }
                above as f64 + tied as f64 * (cells - above_n) as f64 / tied_n.max(1) as f64
            } else {
                total as f64
            };
            let best_possible: u32 = best.iter().take(cells).sum();
            let hit_rate = if total > 0 { hits / total as f64 } else { 0.0 };
            let covered = if area > 0 {
                cells as f64 / area as f64
            } else {
                0.0
            };
            Metrics {
                area_share: share,
                cells,
                hits,
                hit_rate,
                pai: if covered > 0.0 {
                    hit_rate / covered
                } else {
                    0.0
                },
                best_possible,
                pei_star: if best_possible > 0 {
                    hits / best_possible as f64
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// Scores with the data up to `train_until` and measures the dumpings of
/// (`train_until`, `test_until`] against the fused risk and against the
/// plain kernel density of all earlier dumpings (today's practice). With
/// `calibrated`, a model is also calibrated on the data up to
/// `train_until` (never later) and measured too.
pub fn backtest(
    data: &Dataset,
    config: &ScoreConfig,
    train_until: NaiveDate,
    test_until: NaiveDate,
    calibrated: bool,
) -> Result<BacktestReport, ScoreError> {
    let model = score(data, config, train_until)?;
    let spec = &model.spec;

    let past: Vec<WeightedPoint> = data
        .dumpingen
        .iter()
        .filter(|d| d.datum <= train_until)
        .map(|d| WeightedPoint {
            x: d.location.x(),
            y: d.location.y(),
            weight: 1.0,
        })
        .collect();
    let mut baseline = kernel_density(spec, &past, config.dumpingen.bandwidth_m);
    for (b, r) in baseline.iter_mut().zip(&model.risk) {
        if r.is_nan() {
            *b = f32::NAN;
        }
    }

    let mut events = vec![0u32; spec.len()];
    let (mut inside, mut outside) = (0, 0);
    for d in data
        .dumpingen
        .iter()
        .filter(|d| d.datum > train_until && d.datum <= test_until)
    {
        match spec.cell_at(d.location.x(), d.location.y()) {
            Some((c, r)) if !model.risk[spec.index(c, r)].is_nan() => {
                events[spec.index(c, r)] += 1;
                inside += 1;
            }
            _ => outside += 1,
        }
    }
    let mut results = vec![SurfaceResult {
        model: "buitenzicht, vaste gewichten".into(),
        metrics: evaluate(&model.risk, &events, &AREA_SHARES),
    }];
    if calibrated {
        let calibration = crate::calibrate::calibrate(data, config, train_until)?;
        let fitted = crate::calibrate::score_calibrated(data, config, &calibration, train_until)?;
        // A calibration that kept nothing maps nothing: its PAI 1 is
        // chance, not a tested model that happens to score it.
        let flat = !calibration.variables.iter().any(|v| v.kept());
        results.push(SurfaceResult {
            model: match flat {
                false => "buitenzicht, gekalibreerd".into(),
                true => "buitenzicht, gekalibreerd (geen variabele behouden: vlakke kaart)".into(),
            },
            metrics: evaluate(&fitted.risk, &events, &AREA_SHARES),
        });
    }
    results.push(SurfaceResult {
        model: "kerndichtheid dumpingen (basislijn)".into(),
        metrics: evaluate(&baseline, &events, &AREA_SHARES),
    });
    Ok(BacktestReport {
        train_until,
        test_until,
        cells: model.risk.iter().filter(|r| !r.is_nan()).count(),
        events: inside,
        events_outside: outside,
        results,
    })
}

impl std::fmt::Display for BacktestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "backtest: getraind t/m {}, getoetst {} t/m {}: {} dumpingen in het buitengebied ({} erbuiten), {} cellen",
            self.train_until,
            self.train_until.succ_opt().unwrap_or(self.train_until),
            self.test_until,
            self.events,
            self.events_outside,
            self.cells
        )?;
        if self.events == 0 {
            // PAI and PEI* divide by the test dumpings: with none there is
            // nothing to measure, and a table of zeros would read as a result.
            return writeln!(
                f,
                "geen dumpingen in het buitengebied in de toetsperiode: PAI en PEI* zijn niet te meten; kies een andere --test-until"
            );
        }
        writeln!(
            f,
            "{:<36} {:>6} {:>9} {:>6} {:>9} {:>7} {:>7}",
            "model", "gebied", "cellen", "treffers", "trefkans", "PAI", "PEI*"
        )?;
        for r in &self.results {
            for m in &r.metrics {
                writeln!(
                    f,
                    "{:<36} {:>5.0}% {:>9} {:>8} {:>8.1}% {:>7.2} {:>7.2}",
                    r.model,
                    m.area_share * 100.0,
                    m.cells,
                    crate::format::count(m.hits),
                    m.hit_rate * 100.0,
                    m.pai,
                    m.pei_star
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4 × 5 grid worked by hand.
    #[test]
    fn metrics_on_a_tiny_grid() {
        // Scores of 20 cells; two are outside the study area (NaN).
        let mut scores: Vec<f32> = (0..20).map(|i| i as f32).collect();
        scores[0] = f32::NAN;
        scores[1] = f32::NAN;
        // Events: 2 in cell 19 (best), 1 in cell 18, 1 in cell 5, 1 in cell 2.
        let mut events = vec![0u32; 20];
        events[19] = 2;
        events[18] = 1;
        events[5] = 1;
        events[2] = 1;
        // A = 18 cells, N = 5 events.
        let m = evaluate(&scores, &events, &[0.1, 0.5, 1.0]);
        // 10% of 18 = 1.8 → 2 cells: 19 and 18 hold 3 events; n* = 2 + 1 = 3.
        assert_eq!((m[0].cells, m[0].hits, m[0].best_possible), (2, 3.0, 3));
        assert!((m[0].hit_rate - 0.6).abs() < 1e-12);
        assert!((m[0].pai - 0.6 / (2.0 / 18.0)).abs() < 1e-12);
        assert!((m[0].pei_star - 1.0).abs() < 1e-12);
        // 50% → 9 cells: 19..=11 hold 3 events; n* = 2+1+1+1 = 5.
        assert_eq!((m[1].cells, m[1].hits, m[1].best_possible), (9, 3.0, 5));
        assert!((m[1].pai - 0.6 / 0.5).abs() < 1e-12);
        assert!((m[1].pei_star - 0.6).abs() < 1e-12);
        // Everything: all events, PAI 1.
        assert_eq!(m[2].hits, 5.0);
        assert!((m[2].pai - 1.0).abs() < 1e-12);
    }

    /// Ties at the edge: cells 3..=6 share a score, two of them fit in the
    /// top 4 beside cells 7 and 8, so half their 3 dumpings count.
    #[test]
    fn ties_at_the_edge_count_by_the_share_that_fits() {
        let scores = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 0.0];
        let events = [1, 0, 0, 2, 0, 1, 0, 1, 0, 0];
        let m = &evaluate(&scores, &events, &[0.4])[0];
        assert_eq!((m.cells, m.hits), (4, 1.0 + 3.0 * 2.0 / 4.0));
        // Every order of the tied cells would give 2, 3, 1, 2, … hits:
        // the mean over all orders is the count above.
        let mut total = 0.0;
        let tied = [3usize, 4, 5, 6];
        let mut n = 0.0;
        for a in 0..4 {
            for b in 0..4 {
                if a != b {
                    total += (events[tied[a]] + events[tied[b]]) as f64;
                    n += 1.0;
                }
            }
        }
        assert_eq!(m.hits, 1.0 + total / n);
    }

    #[test]
    fn no_events_gives_zero_not_nan() {
        let m = evaluate(&[1.0, 2.0], &[0, 0], &[0.5]);
        assert_eq!((m[0].hit_rate, m[0].pai, m[0].pei_star), (0.0, 0.0, 0.0));
    }
}
