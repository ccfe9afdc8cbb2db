//! Splits a region into cells with wavy, exactly shared borders.
//!
//! Column borders are functions x = c(y), row borders y = r(x), both
//! piecewise linear on a fixed sampling, so neighbours share their border
//! vertex for vertex and the cells tile the region without gaps.

use geo::{Coord, LineString, Polygon};

/// A border line sampled every `step` metres along its running axis.
#[derive(Debug, Clone)]
pub struct Border {
    start: f64,
    step: f64,
    offsets: Vec<f64>,
}

impl Border {
    /// `value(t) = base + amplitude · sin(2π t / wavelength + phase)`,
    /// sampled from `start` to `end`.
    pub fn wavy(
        base: f64,
        amplitude: f64,
        wavelength: f64,
        phase: f64,
        start: f64,
        end: f64,
        step: f64,
    ) -> Self {
        let n = ((end - start) / step).ceil() as usize;
        let offsets = (0..=n)
            .map(|i| {
                let t = start + i as f64 * step;
                base + amplitude * (std::f64::consts::TAU * (t - start) / wavelength + phase).sin()
            })
            .collect();
        Border {
            start,
            step,
            offsets,
        }
    }

    /// The border's value at `t`, interpolated linearly between samples.
    pub fn at(&self, t: f64) -> f64 {
        let last = self.offsets.len() - 1;
        let f = ((t - self.start) / self.step).clamp(0.0, last as f64);
        let i = (f.floor() as usize).min(last.saturating_sub(1));
        let w = f - i as f64;
        self.offsets[i] * (1.0 - w) + self.offsets[(i + 1).min(last)] * w
    }

    /// Sample positions strictly between `a` and `b` (ascending).
    fn samples_between(&self, a: f64, b: f64) -> impl Iterator<Item = f64> + '_ {
        (0..self.offsets.len())
            .map(move |i| self.start + i as f64 * self.step)
            .filter(move |&t| t > a + 1e-6 && t < b - 1e-6)
    }
}

/// Where column border `c` (x = c(y)) meets row border `r` (y = r(x)).
fn corner(c: &Border, r: &Border) -> Coord {
    let mut x = c.at(r.at(c.at(0.0)));
    let mut y = r.at(x);
    for _ in 0..50 {
        x = c.at(y);
        y = r.at(x);
    }
    Coord { x, y }
}

/// The cell between column borders `cols[i]`, `cols[i+1]` and row borders
/// `rows[j]`, `rows[j+1]`, counter-clockwise.
pub fn cell(cols: &[Border], rows: &[Border], i: usize, j: usize) -> Polygon {
    let (left, right, bottom, top) = (&cols[i], &cols[i + 1], &rows[j], &rows[j + 1]);
    let p00 = corner(left, bottom);
    let p10 = corner(right, bottom);
    let p11 = corner(right, top);
    let p01 = corner(left, top);
    let mut ring = vec![p00];
    ring.extend(
        bottom
            .samples_between(p00.x, p10.x)
            .map(|x| Coord { x, y: bottom.at(x) }),
    );
    ring.push(p10);
    ring.extend(
        right
            .samples_between(p10.y, p11.y)
            .map(|y| Coord { x: right.at(y), y }),
    );
    ring.push(p11);
    let mut top_pts: Vec<Coord> = top
        .samples_between(p01.x, p11.x)
        .map(|x| Coord { x, y: top.at(x) })
        .collect();
    top_pts.reverse();
    ring.extend(top_pts);
    ring.push(p01);
    let mut left_pts: Vec<Coord> = left
        .samples_between(p00.y, p01.y)
        .map(|y| Coord { x: left.at(y), y })
        .collect();
    left_pts.reverse();
    ring.extend(left_pts);
    ring.push(p00);
    Polygon::new(LineString::new(ring), vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn cells_tile_the_region() {
        let cols: Vec<Border> = (0..4)
            .map(|k| {
                Border::wavy(
                    k as f64 * 1_000.0,
                    if k % 3 == 0 { 0.0 } else { 80.0 },
                    700.0,
                    k as f64,
                    0.0,
                    2_000.0,
                    50.0,
                )
            })
            .collect();
        let rows: Vec<Border> = (0..3)
            .map(|k| {
                Border::wavy(
                    k as f64 * 1_000.0,
                    if k % 2 == 0 { 0.0 } else { 90.0 },
                    900.0,
                    0.3,
                    0.0,
                    3_000.0,
                    50.0,
                )
            })
            .collect();
        let total: f64 = (0..3)
            .flat_map(|i| (0..2).map(move |j| (i, j)))
            .map(|(i, j)| cell(&cols, &rows, i, j).signed_area())
            .sum();
        assert!((total - 3_000.0 * 2_000.0).abs() < 1.0, "area {total}");
        assert!(
            cell(&cols, &rows, 1, 1).signed_area() > 0.0,
            "counter-clockwise"
        );
    }
}
