//! The scoring grid: square cells in RD New with edges on multiples of the
//! cell size, stored north-up row by row like a GeoTIFF.

use crate::ScoreError;
use serde::Serialize;

/// Peak bytes of scoring per grid cell: the national `run` (156 M cells,
/// building model, GeoTIFF) peaks at 7.13 GB, 46 bytes a cell, the
/// weighted `bench` at 4.62 GB; the rest is headroom.
pub const BYTES_PER_CELL: u64 = 48;

/// Memory available to a new allocation (Linux), in bytes.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Position and size of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GridSpec {
    /// West edge, RD metres.
    pub x_min: f64,
    /// North edge, RD metres.
    pub y_max: f64,
    /// Cell size, metres.
    pub cell: f64,
    pub cols: usize,
    pub rows: usize,
}

impl GridSpec {
    /// The smallest grid covering `bbox` (`[xmin, ymin, xmax, ymax]`) whose
    /// cell edges lie on multiples of `cell`.
    ///
    /// ```
    /// use buitenzicht_score::GridSpec;
    /// let g = GridSpec::covering([100_010.0, 400_001.0, 100_090.0, 400_049.0], 25.0);
    /// assert_eq!((g.x_min, g.y_max, g.cols, g.rows), (100_000.0, 400_050.0, 4, 2));
    /// ```
    pub fn covering(bbox: [f64; 4], cell: f64) -> Self {
        let x_min = (bbox[0] / cell).floor() * cell;
        let y_min = (bbox[1] / cell).floor() * cell;
        let x_max = (bbox[2] / cell).ceil() * cell;
        let y_max = (bbox[3] / cell).ceil() * cell;
        GridSpec {
            x_min,
            y_max,
            cell,
            cols: ((x_max - x_min) / cell).round().max(1.0) as usize,
            rows: ((y_max - y_min) / cell).round().max(1.0) as usize,
        }
    }

    /// Refuses a grid whose scoring would not fit in the memory available
    /// now (Linux `MemAvailable`), before anything is allocated: scoring
    /// holds about [`BYTES_PER_CELL`] bytes per cell at its peak.
    pub fn check_memory(&self) -> Result<(), ScoreError> {
        let needed = (self.cols as u128) * (self.rows as u128) * BYTES_PER_CELL as u128;
        let available = available_memory().map(u128::from);
        if available.is_some_and(|a| needed > a) || needed > usize::MAX as u128 / 4 {
            return Err(ScoreError::GridTooLarge {
                cols: self.cols,
                rows: self.rows,
                cell: self.cell,
                needed_gb: needed as f64 / 1e9,
                available_gb: available.map(|a| a as f64 / 1e9),
            });
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn x_max(&self) -> f64 {
        self.x_min + self.cols as f64 * self.cell
    }

    pub fn y_min(&self) -> f64 {
        self.y_max - self.rows as f64 * self.cell
    }

    /// `[xmin, ymin, xmax, ymax]`.
    pub fn bbox(&self) -> [f64; 4] {
        [self.x_min, self.y_min(), self.x_max(), self.y_max]
    }

    /// Centre of cell (`col`, `row`).
    pub fn centre(&self, col: usize, row: usize) -> [f64; 2] {
        [
            self.x_min + (col as f64 + 0.5) * self.cell,
            self.y_max - (row as f64 + 0.5) * self.cell,
        ]
    }

    /// The cell holding point (`x`, `y`), if it is on the grid.
    pub fn cell_at(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let c = ((x - self.x_min) / self.cell).floor();
        let r = ((self.y_max - y) / self.cell).floor();
        (c >= 0.0 && r >= 0.0 && (c as usize) < self.cols && (r as usize) < self.rows)
            .then_some((c as usize, r as usize))
    }

    /// Index into the row-major data of cell (`col`, `row`).
    pub fn index(&self, col: usize, row: usize) -> usize {
        row * self.cols + col
    }

    /// GDAL geotransform of the grid.
    pub fn geo_transform(&self) -> [f64; 6] {
        [self.x_min, self.cell, 0.0, self.y_max, 0.0, -self.cell]
    }

    /// Range of rows whose centres lie within `[y_lo, y_hi]`.
    pub fn rows_between(&self, y_lo: f64, y_hi: f64) -> std::ops::Range<usize> {
        let first = ((self.y_max - y_hi) / self.cell - 0.5).ceil().max(0.0) as usize;
        let last = ((self.y_max - y_lo) / self.cell - 0.5).floor();
        let end = if last < 0.0 {
            0
        } else {
            (last as usize + 1).min(self.rows)
        };
        first.min(end)..end
    }

    /// Range of columns whose centres lie within `[x_lo, x_hi]`.
    pub fn cols_between(&self, x_lo: f64, x_hi: f64) -> std::ops::Range<usize> {
        let first = ((x_lo - self.x_min) / self.cell - 0.5).ceil().max(0.0) as usize;
        let last = ((x_hi - self.x_min) / self.cell - 0.5).floor();
        let end = if last < 0.0 {
            0
        } else {
            (last as usize + 1).min(self.cols)
        };
        first.min(end)..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_and_lookup_agree() {
        let g = GridSpec::covering([0.0, 0.0, 1_000.0, 500.0], 25.0);
        for (c, r) in [(0, 0), (39, 19), (7, 11)] {
            let [x, y] = g.centre(c, r);
            assert_eq!(g.cell_at(x, y), Some((c, r)));
        }
        assert_eq!(g.cell_at(-0.1, 10.0), None);
        assert_eq!(g.cell_at(10.0, 500.1), None);
    }

    #[test]
    fn ranges_hold_exactly_the_centres_inside() {
        let g = GridSpec::covering([0.0, 0.0, 1_000.0, 1_000.0], 25.0);
        let rows = g.rows_between(100.0, 200.0);
        for r in 0..g.rows {
            let y = g.centre(0, r)[1];
            assert_eq!(
                rows.contains(&r),
                (100.0..=200.0).contains(&y),
                "row {r} y {y}"
            );
        }
        let cols = g.cols_between(-500.0, 37.5);
        assert_eq!(cols, 0..2);
        assert!(g.cols_between(2_000.0, 3_000.0).is_empty());
    }
}
