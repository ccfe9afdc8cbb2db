//! XYZ tile geometry in Web Mercator (EPSG:3857) and the mapping of a
//! tile's pixels to RD New.
//!
//! A PROJ call per pixel would dominate rendering, so the mapping transforms
//! exactly on a coarse lattice of points (every [`lattice_step`] pixels) and
//! interpolates bilinearly in between. RD New and Web Mercator are both
//! conformal and smooth over the Netherlands, so the interpolation error is
//! far below the 0.125-pixel tolerance of GDAL's warper (tested below).

use buitenzicht_ingest::crs::{LatticeTransform, Transformer, RD_NEW, WEB_MERCATOR};
use std::cell::RefCell;

/// Tile size in pixels.
pub const TILE_SIZE: usize = 256;
/// Half the Web Mercator world width, metres.
pub const ORIGIN_SHIFT: f64 = 20_037_508.342_789_244;
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

/// Runs `f` with this thread's Web Mercator → RD New transformer (GDAL's
/// transformers are not shareable between threads).
fn with_mercator_to_rd<T>(
    f: impl FnOnce(&Transformer) -> gdal::errors::Result<T>,
) -> gdal::errors::Result<T> {
    MERCATOR_TO_RD.with(|cell| {
        let mut slot = cell.borrow_mut();
        let t = match slot.take() {
            Some(t) => t,
            None => Transformer::from_epsg(WEB_MERCATOR, RD_NEW)?,
        };
        let result = f(&t);
        *slot = Some(t);
        result
    })
}

/// Exact transform of Web Mercator points to RD New.
pub fn mercator_to_rd(xs: &mut [f64], ys: &mut [f64]) -> gdal::errors::Result<()> {
    with_mercator_to_rd(|t| t.transform(xs, ys))
}

/// RD New coordinates of the centre of pixel (`col`, `row`) of a tile by
/// one exact transform: the reference for [`PixelMap`].
pub fn pixel_centre_rd(tile: TileId, col: usize, row: usize) -> gdal::errors::Result<[f64; 2]> {
    let [x0, _, x1, y1] = tile.mercator_bounds();
    let size = (x1 - x0) / TILE_SIZE as f64;
    let (mut xs, mut ys) = (
        [x0 + (col as f64 + 0.5) * size],
        [y1 - (row as f64 + 0.5) * size],
    );
    mercator_to_rd(&mut xs, &mut ys)?;
    Ok([xs[0], ys[0]])
}

/// Pixels between exactly transformed lattice points at zoom `z`.
///
/// Bilinear interpolation errs by about `step² · 2⁻ᶻ · 2.6e-3` pixel over
/// the Netherlands (the map bends less per pixel at each zoom level), so
/// the step doubles every two zoom levels, keeping the error near 0.02
/// pixel: 16 pixels at z5–z6, a single 256-pixel span from z13 on.
pub fn lattice_step(z: u8) -> usize {
    1 << ((z as usize + 3) / 2).clamp(2, 8)
}

/// RD New coordinates of every pixel centre of a tile.
pub struct PixelMap {
    lattice: LatticeTransform,
}

impl PixelMap {
    /// Transforms the tile's lattice exactly.
    pub fn new(tile: TileId) -> gdal::errors::Result<Self> {
        let [x0, _, x1, y1] = tile.mercator_bounds();
        let px = (x1 - x0) / TILE_SIZE as f64;
        let lattice = with_mercator_to_rd(|t| {
            LatticeTransform::new(
                t,
                [x0 + 0.5 * px, y1 - 0.5 * px],
                (px, -px),
                (TILE_SIZE, TILE_SIZE),
                lattice_step(tile.z),
            )
        })?;
        Ok(PixelMap { lattice })
    }

    /// RD coordinates of the centre of pixel (`col`, `row`).
    pub fn rd(&self, col: usize, row: usize) -> [f64; 2] {
        self.lattice.at(col, row)
    }

    /// The underlying lattice, for loops that step through rows.
    pub fn lattice(&self) -> &LatticeTransform {
        &self.lattice
    }

    /// The RD bounding box of the tile's pixel centres.
    pub fn rd_bounds(&self) -> [f64; 4] {
        self.lattice.bounds()
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
    /// GDAL transform, on tiles spread over the whole Netherlands (corners
    /// and middle) from z5 to z22.
    #[test]
    fn interpolation_error_below_eighth_pixel() {
        let places = [
            (3.4, 51.3),
            (4.9, 52.4),
            (6.9, 53.4),
            (5.7, 50.8),
            (7.1, 52.2),
            (5.1, 51.6),
            (3.3, 53.6),
            (7.3, 50.7),
        ];
        for z in 5..=MAX_ZOOM {
            for &(lon, lat) in &places {
                let tile = tile_for_lonlat(lon, lat, z);
                let map = PixelMap::new(tile).unwrap();
                let [x0, _, x1, _] = tile.mercator_bounds();
                let rd_pixel = (x1 - x0) / TILE_SIZE as f64 * 0.6; // RD metres per pixel (scale ≈ cos φ, ≥ 0.6)
                let mut worst: f64 = 0.0;
                for row in (0..TILE_SIZE).step_by(5) {
                    for col in (0..TILE_SIZE).step_by(3) {
                        let [x, y] = pixel_centre_rd(tile, col, row).unwrap();
                        let [ix, iy] = map.rd(col, row);
                        worst = worst.max((ix - x).hypot(iy - y) / rd_pixel);
                    }
                }
                assert!(worst < 0.125, "z{z} at {lon},{lat}: {worst} px");
            }
        }
    }
}
