//! Satellite anomaly tiles resampled onto the grid (bilinear), whatever CRS
//! the tiles come in.
//!
//! Each grid cell centre is taken to the tile's CRS through a
//! [`LatticeTransform`] (exact GDAL transforms every 16 cells, interpolated
//! in between), so there is no PROJ call per cell; the pixels are read
//! through GDAL once per tile.

use crate::grid::GridSpec;
use crate::ScoreError;
use buitenzicht_ingest::crs::{srs_from_epsg, LatticeTransform, Transformer, RD_NEW};
use buitenzicht_ingest::{PolygonIndex, SatellietTegel};
use gdal::Dataset;
use geo::BoundingRect;
use rayon::prelude::*;

/// Cells between exactly transformed lattice points.
const LATTICE_STEP: usize = 16;

/// The anomaly value per cell (NaN where no tile has data). Where tiles
/// overlap, the larger anomaly is kept.
pub fn resample(
    spec: &GridSpec,
    tiles: &[SatellietTegel],
    index: &PolygonIndex,
) -> Result<Vec<f32>, ScoreError> {
    resample_where(spec, tiles, index, |_| true)
}

/// As [`resample`], with only the tiles `keep` accepts (e.g. those taken
/// before a date).
pub fn resample_where(
    spec: &GridSpec,
    tiles: &[SatellietTegel],
    index: &PolygonIndex,
    keep: impl Fn(&SatellietTegel) -> bool,
) -> Result<Vec<f32>, ScoreError> {
    let mut out = vec![f32::NAN; spec.len()];
    let rd = srs_from_epsg(RD_NEW)?;
    for id in index.bbox_intersecting(spec.bbox()) {
        let tile = &tiles[id];
        if !keep(tile) {
            continue;
        }
        let tile_error = |source| ScoreError::Tile {
            path: tile.path.clone(),
            source,
        };
        let Some(r) = tile.footprint.bounding_rect() else {
            continue;
        };
        let rows = spec.rows_between(r.min().y, r.max().y);
        let cols = spec.cols_between(r.min().x, r.max().x);
        if rows.is_empty() || cols.is_empty() {
            continue;
        }
        let ds = Dataset::open(&tile.path).map_err(tile_error)?;
        let gt = ds.geo_transform().map_err(tile_error)?;
        let to_tile =
            Transformer::new(&rd, &ds.spatial_ref().map_err(tile_error)?).map_err(tile_error)?;
        let [x0, y0] = spec.centre(cols.start, rows.start);
        let lattice = LatticeTransform::new(
            &to_tile,
            [x0, y0],
            (spec.cell, -spec.cell),
            (cols.len(), rows.len()),
            LATTICE_STEP,
        )
        .map_err(tile_error)?;
        let (w, h) = ds.raster_size();
        let pixels = ds
            .rasterband(1)
            .and_then(|b| b.read_as::<f32>((0, 0), (w, h), (w, h), None))
            .map_err(tile_error)?
            .into_shape_and_vec()
            .1;
        let source = Source {
            pixels: &pixels,
            width: w,
            height: h,
            inverse: invert(gt),
            nodata: tile.nodata.map(|v| v as f32),
        };
        let (col0, row0) = (cols.start, rows.start);
        out.par_chunks_mut(spec.cols)
            .enumerate()
            .skip(rows.start)
            .take(rows.len())
            .for_each(|(row, line)| {
                for col in cols.clone() {
                    let [tx, ty] = lattice.at(col - col0, row - row0);
                    if let Some(v) = source.bilinear(tx, ty) {
                        let o = &mut line[col];
                        if o.is_nan() || v > *o {
                            *o = v;
                        }
                    }
                }
            });
    }
    Ok(out)
}

/// One tile's pixels and its georeference.
struct Source<'a> {
    pixels: &'a [f32],
    width: usize,
    height: usize,
    /// Inverse geotransform: CRS coordinates to pixel coordinates.
    inverse: [f64; 6],
    nodata: Option<f32>,
}

impl Source<'_> {
    fn value(&self, c: usize, r: usize) -> Option<f32> {
        let v = self.pixels[r * self.width + c];
        (!v.is_nan() && Some(v) != self.nodata).then_some(v)
    }

    /// Bilinear between the four pixel centres around (`x`, `y`); the
    /// nearest pixel where one of them is nodata or off the tile.
    fn bilinear(&self, x: f64, y: f64) -> Option<f32> {
        let g = &self.inverse;
        let px = g[0] + x * g[1] + y * g[2];
        let py = g[3] + x * g[4] + y * g[5];
        if !(px >= 0.0 && py >= 0.0 && px < self.width as f64 && py < self.height as f64) {
            return None;
        }
        let (fx, fy) = (px - 0.5, py - 0.5);
        let (c0, r0) = (fx.floor(), fy.floor());
        if c0 >= 0.0
            && r0 >= 0.0
            && (c0 as usize) + 1 < self.width
            && (r0 as usize) + 1 < self.height
        {
            let (c, r) = (c0 as usize, r0 as usize);
            if let (Some(a), Some(b), Some(cc), Some(d)) = (
                self.value(c, r),
                self.value(c + 1, r),
                self.value(c, r + 1),
                self.value(c + 1, r + 1),
            ) {
                let (tx, ty) = ((fx - c0) as f32, (fy - r0) as f32);
                let top = a + (b - a) * tx;
                let bottom = cc + (d - cc) * tx;
                return Some(top + (bottom - top) * ty);
            }
        }
        self.value(px as usize, py as usize)
    }
}

/// Inverse of a GDAL geotransform, as a geotransform from CRS coordinates
/// to pixel/line.
fn invert(gt: [f64; 6]) -> [f64; 6] {
    let det = gt[1] * gt[5] - gt[2] * gt[4];
    let (a, b, c, d) = (gt[5] / det, -gt[2] / det, -gt[4] / det, gt[1] / det);
    [
        -(a * gt[0] + b * gt[3]),
        a,
        b,
        -(c * gt[0] + d * gt[3]),
        c,
        d,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_geotransform_round_trips() {
        let gt = [500_000.0, 20.0, 0.0, 5_800_000.0, 0.0, -20.0];
        let inv = invert(gt);
        let (px, py) = (123.5, 456.25);
        let x = gt[0] + px * gt[1] + py * gt[2];
        let y = gt[3] + px * gt[4] + py * gt[5];
        assert!((inv[0] + x * inv[1] + y * inv[2] - px).abs() < 1e-9);
        assert!((inv[3] + x * inv[4] + y * inv[5] - py).abs() < 1e-9);
    }

    #[test]
    fn bilinear_with_nodata_falls_back_to_nearest() {
        let pixels = [1.0, 2.0, 3.0, -9999.0];
        let src = Source {
            pixels: &pixels,
            width: 2,
            height: 2,
            inverse: invert([0.0, 1.0, 0.0, 2.0, 0.0, -1.0]),
            nodata: Some(-9999.0),
        };
        // Centre of pixel (0, 0) is (0.5, 1.5).
        assert_eq!(src.bilinear(0.5, 1.5), Some(1.0));
        // Between all four centres, one is nodata: nearest pixel (1, 1) is nodata.
        assert_eq!(src.bilinear(1.01, 0.99), None);
        assert_eq!(src.bilinear(0.99, 1.01), Some(1.0));
        assert_eq!(src.bilinear(5.0, 5.0), None);
    }
}
