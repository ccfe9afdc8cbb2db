//! Kernel density of weighted points on the grid.
//!
//! Each point adds `w · K(d)` to the cells within one bandwidth, so the cost
//! is (points × cells per kernel), linear in both, never all pairs. Rows are
//! split into bands that the cores fill in parallel; each band asks the
//! R-tree for the points whose kernel reaches it.

use crate::grid::GridSpec;
use crate::kernel::quartic_squared;
use buitenzicht_ingest::PointIndex;
use geo::Point;
use rayon::prelude::*;

/// Rows per parallel band.
const BAND_ROWS: usize = 32;

/// A point with a weight, RD New.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedPoint {
    pub x: f64,
    pub y: f64,
    pub weight: f64,
}

/// Quartic kernel density of `points` with bandwidth `h` metres, in
/// weighted points per km², one value per grid cell (row-major, north-up).
///
/// ```
/// use buitenzicht_score::{density::{kernel_density, WeightedPoint}, GridSpec};
/// let grid = GridSpec::covering([0.0, 0.0, 2_000.0, 2_000.0], 25.0);
/// let d = kernel_density(&grid, &[WeightedPoint { x: 1_000.0, y: 1_000.0, weight: 1.0 }], 500.0);
/// // The grid integrates to the total weight: Σ d · cell area = 1.
/// let total: f64 = d.iter().map(|&v| v as f64 * 25.0 * 25.0 / 1e6).sum();
/// assert!((total - 1.0).abs() < 1e-3);
/// ```
pub fn kernel_density(spec: &GridSpec, points: &[WeightedPoint], h: f64) -> Vec<f32> {
    splat(spec, points, h, |acc, d2, w| {
        *acc += w * 1e6 * quartic_squared(d2, h)
    })
}

/// 1 for cells whose centre lies within `radius` metres of a point, else 0
/// (the distance-band proximity of Risk Terrain Modeling).
///
/// ```
/// use buitenzicht_score::{density::{within_distance, WeightedPoint}, GridSpec};
/// let grid = GridSpec::covering([0.0, 0.0, 1_000.0, 1_000.0], 25.0);
/// let near = within_distance(&grid, &[WeightedPoint { x: 500.0, y: 500.0, weight: 1.0 }], 250.0);
/// let cells = near.iter().filter(|&&v| v == 1.0).count() as f64;
/// // About π · 250² / 25² cells.
/// assert!((cells - std::f64::consts::PI * 100.0).abs() < 10.0);
/// ```
pub fn within_distance(spec: &GridSpec, points: &[WeightedPoint], radius: f64) -> Vec<f32> {
    let r2 = radius * radius;
    splat(spec, points, radius, |acc, d2, _| {
        if d2 <= r2 {
            *acc = 1.0
        }
    })
}

/// Calls `add(cell, d², weight)` for every cell centre within `reach` of
/// a point, band by band on all cores.
pub(crate) fn splat(
    spec: &GridSpec,
    points: &[WeightedPoint],
    reach: f64,
    add: impl Fn(&mut f64, f64, f64) + Sync,
) -> Vec<f32> {
    let mut out = vec![0f32; spec.len()];
    if points.is_empty() || spec.is_empty() {
        return out;
    }
    let index = PointIndex::new(points.iter().map(|p| Point::new(p.x, p.y)));
    out.par_chunks_mut(spec.cols * BAND_ROWS)
        .enumerate()
        .for_each(|(band, chunk)| {
            let row0 = band * BAND_ROWS;
            let nrows = chunk.len() / spec.cols;
            let y_hi = spec.centre(0, row0)[1];
            let y_lo = spec.centre(0, row0 + nrows - 1)[1];
            let mut acc = vec![0f64; chunk.len()];
            let box_ = [
                spec.x_min - reach,
                y_lo - reach,
                spec.x_max() + reach,
                y_hi + reach,
            ];
            for (id, [px, py]) in index.in_box(box_) {
                let w = points[id].weight;
                let rows = spec.rows_between(py - reach, py + reach);
                let cols = spec.cols_between(px - reach, px + reach);
                for row in rows.start.max(row0)..rows.end.min(row0 + nrows) {
                    let dy = spec.centre(0, row)[1] - py;
                    let line = &mut acc[(row - row0) * spec.cols..(row - row0 + 1) * spec.cols];
                    for (col, cell) in line.iter_mut().enumerate().take(cols.end).skip(cols.start) {
                        let dx = spec.centre(col, 0)[0] - px;
                        add(cell, dx * dx + dy * dy, w);
                    }
                }
            }
            for (o, a) in chunk.iter_mut().zip(acc) {
                *o = a as f32;
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::quartic;

    /// Every cell equals the direct sum over all points (the definition).
    #[test]
    fn matches_direct_sum() {
        let grid = GridSpec::covering([0.0, 0.0, 3_000.0, 2_500.0], 50.0);
        let points: Vec<WeightedPoint> = (0..40)
            .map(|i| WeightedPoint {
                x: (i * 733 % 3_000) as f64 + 0.3,
                y: (i * 1_217 % 2_500) as f64 + 0.7,
                weight: 0.5 + (i % 3) as f64,
            })
            .collect();
        let h = 400.0;
        let d = kernel_density(&grid, &points, h);
        for row in (0..grid.rows).step_by(7) {
            for col in (0..grid.cols).step_by(5) {
                let [x, y] = grid.centre(col, row);
                let want: f64 = points
                    .iter()
                    .map(|p| p.weight * quartic((x - p.x).hypot(y - p.y), h) * 1e6)
                    .sum();
                let got = d[grid.index(col, row)] as f64;
                assert!(
                    (got - want).abs() <= 1e-5 * want.max(1.0),
                    "cell {col},{row}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn empty_input_gives_zeros() {
        let grid = GridSpec::covering([0.0, 0.0, 100.0, 100.0], 25.0);
        assert!(kernel_density(&grid, &[], 100.0).iter().all(|&v| v == 0.0));
    }
}
