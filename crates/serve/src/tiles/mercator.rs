//! XYZ tile geometry in Web Mercator (EPSG:3857) and the mapping of a
//! tile's pixels to RD New.
//!
//! A PROJ call per pixel would dominate rendering, so the mapping transforms
//! exactly on a coarse lattice of points (every [`LATTICE_STEP`] pixels) and
//! interpolates bilinearly in between. RD New and Web Mercator are both
//! conformal and smooth over the Netherlands, so the interpolation error is
//! far below the 0.125-pixel tolerance of GDAL's warper (tested below).

use buitenzicht_ingest::crs::{Transformer, RD_NEW, WEB_MERCATOR};
use std::cell::RefCell;

/// Tile size in pixels.
pub const TILE_SIZE: usize = 256;
/// Half the Web Mercator world width, metres.
pub const ORIGIN_SHIFT: f64 = 20_037_508.342_789_244;
/// Pixels between exactly transformed lattice points.
pub const LATTICE_STEP: usize = 16;
/// Deepest zoom served.
pub const MAX_ZOOM: u8 = 22;

/// A tile address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// A valid tile address, or `None` for coordinates outside the zoom
    /// level's range.
    pub fn new(z: u32, x: u32, y: u32) -> Option<Self> {
        if z > MAX_ZOOM as u32 {
            return None;
        }
        let n = 1u64 << z;
        ((x as u64) < n && (y as u64) < n).then_some(TileId { z: z as u8, x, y })
    }

    /// Bounds in Web Mercator metres: `[xmin, ymin, xmax, ymax]`.
    pub fn mercator_bounds(&self) -> [f64; 4] {
        let size = 2.0 * ORIGIN_SHIFT / (1u64 << self.z) as f64;
        let xmin = -ORIGIN_SHIFT + self.x as f64 * size;
        let ymax = ORIGIN_SHIFT - self.y as f64 * size;
        [xmin, ymax - size, xmin + size, ymax]
    }
}

thread_local! {
    static MERCATOR_TO_RD: RefCell<Option<Transformer>> = const { RefCell::new(None) };
}

/// Exact transform of Web Mercator points to RD New, with one GDAL
/// transformer per thread (GDAL's transformers are not shareable).
pub fn mercator_to_rd(xs: &mut [f64], ys: &mut [f64]) -> gdal::errors::Result<()> {
    MERCATOR_TO_RD.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Transformer::from_epsg(WEB_MERCATOR, RD_NEW)?);
        }
        match slot.as_ref() {
            Some(t) => t.transform(xs, ys),
            None => Ok(()),
        }
    })
}

/// RD New coordinates of every pixel centre of a tile, row by row.
pub struct PixelMap {
    /// Lattice of exact RD coordinates, `(n × n)` points.
    xs: Vec<f64>,
    ys: Vec<f64>,
    n: usize,
}

impl PixelMap {
    /// Transforms the lattice of `tile` exactly.
    pub fn new(tile: TileId) -> gdal::errors::Result<Self> {
        let [x0, _, x1, y1] = tile.mercator_bounds();
        let px = (x1 - x0) / TILE_SIZE as f64;
        let n = TILE_SIZE / LATTICE_STEP + 1;
        let mut xs = Vec::with_capacity(n * n);
        let mut ys = Vec::with_capacity(n * n);
        for j in 0..n {
            for i in 0..n {
                // Lattice point k sits at the centre of pixel k·STEP.
                xs.push(x0 + ((i * LATTICE_STEP) as f64 + 0.5) * px);
                ys.push(y1 - ((j * LATTICE_STEP) as f64 + 0.5) * px);
            }
        }
        mercator_to_rd(&mut xs, &mut ys)?;
        Ok(PixelMap { xs, ys, n })
    }

    /// RD coordinates of the centre of pixel (`col`, `row`).
    pub fn rd(&self, col: usize, row: usize) -> [f64; 2] {
        let (i, fi) = (
            col / LATTICE_STEP,
            (col % LATTICE_STEP) as f64 / LATTICE_STEP as f64,
        );
        let (j, fj) = (
            row / LATTICE_STEP,
            (row % LATTICE_STEP) as f64 / LATTICE_STEP as f64,
        );
        let k = j * self.n + i;
        let bilerp = |v: &[f64]| {
            let top = v[k] * (1.0 - fi) + v[k + 1] * fi;
            let bottom = v[k + self.n] * (1.0 - fi) + v[k + self.n + 1] * fi;
            top * (1.0 - fj) + bottom * fj
        };
        [bilerp(&self.xs), bilerp(&self.ys)]
    }

    /// The RD bounding box of the tile (from the lattice, which holds the
    /// edges' pixel centres).
    pub fn rd_bounds(&self) -> [f64; 4] {
        let fold = |v: &[f64]| {
            v.iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
        };
        let (x0, x1) = fold(&self.xs);
        let (y0, y1) = fold(&self.ys);
        [x0, y0, x1, y1]
    }
}

/// The tile holding a WGS84 point at zoom `z`.
pub fn tile_for_lonlat(lon: f64, lat: f64, z: u8) -> TileId {
    let n = (1u64 << z) as f64;
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let lat_r = lat.to_radians();
    let y =
        ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    TileId {
        z,
        x: x.clamp(0.0, n - 1.0) as u32,
        y: y.clamp(0.0, n - 1.0) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_tiles() {
        assert!(TileId::new(0, 0, 0).is_some());
        assert!(TileId::new(3, 8, 0).is_none());
        assert!(TileId::new(3, 0, 8).is_none());
        assert!(TileId::new(40, 0, 0).is_none());
    }

    /// Interpolated pixel positions stay within 0.125 pixel of the exact
    /// GDAL transform, on tiles spread over the whole Netherlands from z7
    /// to z16.
    #[test]
    fn interpolation_error_below_eighth_pixel() {
        let places = [
            (3.4, 51.3),
            (4.9, 52.4),
            (6.9, 53.4),
            (5.7, 50.8),
            (7.1, 52.2),
            (5.1, 51.6),
        ];
        for z in 7..=16u8 {
            for &(lon, lat) in &places {
                let tile = tile_for_lonlat(lon, lat, z);
                let map = PixelMap::new(tile).unwrap();
                let [x0, _, x1, y1] = tile.mercator_bounds();
                let px = (x1 - x0) / TILE_SIZE as f64;
                let rd_pixel = px * 0.6; // RD metres per pixel (scale ≈ cos φ, ≥ 0.6)
                let mut worst: f64 = 0.0;
                for row in (0..TILE_SIZE).step_by(5) {
                    for col in (0..TILE_SIZE).step_by(3) {
                        let (mut xs, mut ys) = (
                            [x0 + (col as f64 + 0.5) * px],
                            [y1 - (row as f64 + 0.5) * px],
                        );
                        mercator_to_rd(&mut xs, &mut ys).unwrap();
                        let [ix, iy] = map.rd(col, row);
                        worst = worst.max((ix - xs[0]).hypot(iy - ys[0]) / rd_pixel);
                    }
                }
                assert!(worst < 0.125, "z{z} at {lon},{lat}: {worst} px");
            }
        }
    }
}
