//! Renders a 256×256 PNG tile of a grid layer.

use super::colormap::ColorRamp;
use super::colormap::TRANSPARENT;
use super::mercator::{PixelMap, TileId, TILE_SIZE};
use buitenzicht_score::GridSpec;
use std::cell::RefCell;

/// Errors rendering a tile.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("omzetten naar RD New mislukt: {0}")]
    Transform(#[from] gdal::errors::GdalError),
    #[error("PNG maken mislukt: {0}")]
    Png(#[from] png::EncodingError),
}

/// Renders `values × factor` (NaN = nodata) on `spec` into the tile, sampled
/// bilinearly between cell centres (nearest cell along nodata edges, so
/// they stay crisp). Returns `None` when no pixel has data.
pub fn render_tile(
    spec: &GridSpec,
    layer: (&[f32], f32),
    ramp: &ColorRamp,
    tile: TileId,
) -> Result<Option<Vec<u8>>, RenderError> {
    let map = PixelMap::new(tile)?;
    with_scratch(|pixels| {
        if !render_pixels(spec, layer, ramp, &map, pixels) {
            return Ok(None);
        }
        Ok(Some(encode_png(pixels, ramp)?))
    })
}

/// Colours the pixels of the tile that `map` belongs to: palette indices of
/// `ramp` for `values × factor`, [`TRANSPARENT`] where there is no data
/// (`pixels` is expected all transparent). Returns whether any pixel has
/// data.
pub fn render_pixels(
    spec: &GridSpec,
    (values, factor): (&[f32], f32),
    ramp: &ColorRamp,
    map: &PixelMap,
    pixels: &mut [u8],
) -> bool {
    let [x0, y0, x1, y1] = map.rd_bounds();
    let [gx0, gy0, gx1, gy1] = spec.bbox();
    // Half a pixel of slack: the lattice holds pixel centres, not edges.
    let slack = (x1 - x0).max(y1 - y0) / TILE_SIZE as f64;
    if x1 + slack < gx0 || x0 - slack > gx1 || y1 + slack < gy0 || y0 - slack > gy1 {
        return false;
    }
    let grid = CellSampler::new(spec, values);
    sample_tile(&grid, map, |value| ramp.index(value * factor), pixels);
    pixels.iter().any(|&p| p != TRANSPARENT)
}

/// Runs `f` with this thread's tile-sized pixel buffer, all
/// [`TRANSPARENT`]. Freeing 64 KB in a worker thread hands the pages back
/// to the system, and faulting them in again for the next tile costs more
/// than rendering it; one buffer per thread avoids that. `f` must not call
/// `with_scratch` again.
pub fn with_scratch<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    thread_local! {
        static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|pixels| {
        pixels.clear();
        pixels.resize(TILE_SIZE * TILE_SIZE, TRANSPARENT);
        f(pixels)
    })
}

/// Fills `pixels` (row by row) with `colour(value)` for every pixel with
/// data, leaving the others untouched.
fn sample_tile(grid: &CellSampler, map: &PixelMap, colour: impl Fn(f32) -> u8, pixels: &mut [u8]) {
    // Along a row, RD coordinates are linear between lattice knots: step
    // through them with integer additions.
    let lattice = map.lattice();
    let step = lattice.step();
    let mut knots = Vec::new();
    let mut corners = RowCorners::default();
    for (row, line) in pixels.chunks_exact_mut(TILE_SIZE).enumerate() {
        lattice.row_knots(row, &mut knots);
        for k in 0..TILE_SIZE.div_ceil(step) {
            let ([x, y], [x1, y1]) = (knots[k], knots[(k + 1).min(knots.len() - 1)]);
            let (mut u, mut v) = grid.position(x, y);
            let span = grid.cell * step as f64;
            let (du, dv) = (fixed((x1 - x) / span), fixed((y - y1) / span));
            for j in k * step..((k + 1) * step).min(TILE_SIZE) {
                corners.fetch(j, grid, u, v);
                u += du;
                v += dv;
            }
        }
        // The arithmetic runs over whole rows, where the compiler can use
        // vector instructions.
        for (j, px) in line.iter_mut().enumerate() {
            let value = corners.blend(j);
            if !value.is_nan() {
                *px = colour(value);
            }
        }
    }
}

/// The value at (`x`, `y`) in RD New: bilinear between the four
/// surrounding cell centres when all hold data, else the value of the cell
/// under the point; `None` outside the grid. The reference the tile
/// renderer is tested against.
#[cfg(test)]
fn sample(spec: &GridSpec, values: &[f32], x: f64, y: f64) -> Option<f32> {
    let grid = CellSampler::new(spec, values);
    let (u, v) = grid.position(x, y);
    let mut corners = RowCorners::default();
    corners.fetch(0, &grid, u, v);
    grid.covers(u, v).then(|| corners.blend(0))
}

/// Bits of a cell in the fixed-point positions of [`CellSampler`]: steps
/// along a 256-pixel row then drift by less than 2⁻¹⁶ cell, and the cell
/// and the fraction come out by shift and mask, without float conversions.
const FRACTION_BITS: u32 = 24;
const ONE_CELL: i64 = 1 << FRACTION_BITS;

/// A grid addressed by fixed-point positions: cells times [`ONE_CELL`]
/// from the centre of the north-west cell, `u` east and `v` south.
struct CellSampler<'a> {
    values: &'a [f32],
    cols: usize,
    /// Positions below these have four cell centres around them …
    interior: (u64, u64),
    /// … and positions below these (after adding half a cell) lie on a cell.
    extent: (u64, u64),
    x_min: f64,
    y_max: f64,
    cell: f64,
}

impl<'a> CellSampler<'a> {
    fn new(spec: &GridSpec, values: &'a [f32]) -> Self {
        let (cols, rows) = (spec.cols as u64, spec.rows as u64);
        CellSampler {
            values,
            cols: spec.cols,
            interior: (
                cols.saturating_sub(1) << FRACTION_BITS,
                rows.saturating_sub(1) << FRACTION_BITS,
            ),
            extent: (cols << FRACTION_BITS, rows << FRACTION_BITS),
            x_min: spec.x_min,
            y_max: spec.y_max,
            cell: spec.cell,
        }
    }

    /// The fixed-point position of RD point (`x`, `y`).
    fn position(&self, x: f64, y: f64) -> (i64, i64) {
        (
            fixed((x - self.x_min) / self.cell - 0.5),
            fixed((self.y_max - y) / self.cell - 0.5),
        )
    }

    /// Whether the position lies on a cell.
    fn covers(&self, u: i64, v: i64) -> bool {
        let half = ONE_CELL / 2;
        ((u + half) as u64) < self.extent.0 && ((v + half) as u64) < self.extent.1
    }
}

/// For each pixel of a row, the values of the four cell centres around it
/// and its position between them (fractions of [`ONE_CELL`]).
struct RowCorners {
    nw: [f32; TILE_SIZE],
    ne: [f32; TILE_SIZE],
    sw: [f32; TILE_SIZE],
    se: [f32; TILE_SIZE],
    east: [i32; TILE_SIZE],
    south: [i32; TILE_SIZE],
}

impl Default for RowCorners {
    fn default() -> Self {
        RowCorners {
            nw: [0.0; TILE_SIZE],
            ne: [0.0; TILE_SIZE],
            sw: [0.0; TILE_SIZE],
            se: [0.0; TILE_SIZE],
            east: [0; TILE_SIZE],
            south: [0; TILE_SIZE],
        }
    }
}

impl RowCorners {
    /// Loads the corners of pixel `j` at position (`u`, `v`). Along the
    /// grid's outer half cell all four are the cell under the point, and
    /// off the grid all four are NaN.
    #[inline]
    fn fetch(&mut self, j: usize, grid: &CellSampler, u: i64, v: i64) {
        // Negative positions wrap to huge unsigned ones, so one comparison
        // per axis also rejects them.
        let (four, east, south) = if (u as u64) < grid.interior.0 && (v as u64) < grid.interior.1 {
            let (c, r) = ((u >> FRACTION_BITS) as usize, (v >> FRACTION_BITS) as usize);
            let i = r * grid.cols + c;
            let (top, bottom) = (&grid.values[i..i + 2], &grid.values[i + grid.cols..][..2]);
            let fraction = |p: i64| (p & (ONE_CELL - 1)) as i32;
            (
                [top[0], top[1], bottom[0], bottom[1]],
                fraction(u),
                fraction(v),
            )
        } else {
            let value = if grid.covers(u, v) {
                let half = ONE_CELL / 2;
                let (c, r) = ((u + half) >> FRACTION_BITS, (v + half) >> FRACTION_BITS);
                grid.values[r as usize * grid.cols + c as usize]
            } else {
                f32::NAN
            };
            ([value; 4], 0, 0)
        };
        [self.nw[j], self.ne[j], self.sw[j], self.se[j]] = four;
        (self.east[j], self.south[j]) = (east, south);
    }

    /// Pixel `j`'s value: bilinear when the four corners hold data, else
    /// the corner nearest to it; NaN for nodata.
    #[inline]
    fn blend(&self, j: usize) -> f32 {
        let scale = 1.0 / ONE_CELL as f32;
        let (tx, ty) = (self.east[j] as f32 * scale, self.south[j] as f32 * scale);
        let (nw, ne, sw, se) = (self.nw[j], self.ne[j], self.sw[j], self.se[j]);
        let upper = nw + (ne - nw) * tx;
        let lower = sw + (se - sw) * tx;
        let value = upper + (lower - upper) * ty;
        // NaN in any corner makes the bilinear value NaN: one test for four.
        let nearest = match (tx < 0.5, ty < 0.5) {
            (true, true) => nw,
            (false, true) => ne,
            (true, false) => sw,
            (false, false) => se,
        };
        if value.is_nan() {
            nearest
        } else {
            value
        }
    }
}

/// `x` in fixed point.
fn fixed(x: f64) -> i64 {
    (x * ONE_CELL as f64).round() as i64
}

/// Encodes palette indices of a tile as an 8-bit indexed PNG with the
/// ramp's palette: a quarter of the bytes of RGBA to compress, and the
/// picture is unchanged because every pixel is a ramp colour anyway.
pub fn encode_png(pixels: &[u8], ramp: &ColorRamp) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(8 * 1024);
    let (palette, alpha) = ramp.palette();
    let mut encoder = png::Encoder::new(&mut out, TILE_SIZE as u32, TILE_SIZE as u32);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    encoder.set_trns(alpha);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(out)
}

/// A fully transparent tile.
pub fn empty_tile() -> Result<Vec<u8>, png::EncodingError> {
    encode_png(&[TRANSPARENT; TILE_SIZE * TILE_SIZE], &ColorRamp::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_between_centres_nearest_at_nodata() {
        let spec = GridSpec::covering([0.0, 0.0, 30.0, 20.0], 10.0);
        // Row-major, north-up: row 0 is y 10..20.
        let values = [0.0, 10.0, f32::NAN, 20.0, 30.0, 40.0];
        // Midway between the centres of (0,0), (1,0), (0,1), (1,1).
        assert_eq!(sample(&spec, &values, 10.0, 10.0), Some(15.0));
        // Next to a nodata cell: the cell's own value.
        assert_eq!(sample(&spec, &values, 19.0, 11.0), Some(10.0));
        assert!(sample(&spec, &values, 25.0, 15.0).unwrap().is_nan());
        assert_eq!(sample(&spec, &values, 35.0, 5.0), None);
    }

    /// The row-stepping renderer gives, pixel by pixel, the colour of
    /// [`sample`] at the exactly transformed pixel centre: on the tile with
    /// the grid's north-west corner (and nodata blocks), from z8 to z16.
    #[test]
    fn tiles_match_point_sampling_at_exact_pixel_centres() {
        use super::super::mercator::{pixel_centre_rd, tile_for_lonlat};
        let spec = GridSpec::covering([150_000.0, 370_000.0, 180_000.0, 400_000.0], 25.0);
        let values: Vec<f32> = (0..spec.cols * spec.rows)
            .map(|i| {
                let (c, r) = ((i % spec.cols) as f32, (i / spec.cols) as f32);
                if (c / 40.0) as i32 % 5 == 2 && (r / 40.0) as i32 % 5 == 2 {
                    f32::NAN
                } else {
                    50.0 + 50.0 * (c * 0.05).sin() * (r * 0.03).cos()
                }
            })
            .collect();
        let ramp = ColorRamp::default();
        // The grid's north-west corner, in WGS84.
        let t = buitenzicht_ingest::crs::Transformer::from_epsg(28992, 4326).unwrap();
        let [lon, lat] = t.point(150_000.0, 400_000.0).unwrap();
        for z in 8..=16 {
            let tile = tile_for_lonlat(lon, lat, z);
            let map = PixelMap::new(tile).unwrap();
            let mut pixels = vec![TRANSPARENT; TILE_SIZE * TILE_SIZE];
            assert!(render_pixels(
                &spec,
                (&values, 1.0),
                &ramp,
                &map,
                &mut pixels
            ));
            let (mut differ, mut data, mut empty) = (0, 0, 0);
            for row in (0..TILE_SIZE).step_by(3) {
                for col in (0..TILE_SIZE).step_by(3) {
                    let [x, y] = pixel_centre_rd(tile, col, row).unwrap();
                    let expected =
                        sample(&spec, &values, x, y).map_or(TRANSPARENT, |v| ramp.index(v));
                    let got = pixels[row * TILE_SIZE + col];
                    if got == TRANSPARENT || expected == TRANSPARENT {
                        // Data and nodata meet within an eighth of a pixel
                        // of where the exact transform puts them.
                        differ += (got != expected) as usize;
                    } else {
                        assert!(
                            got.abs_diff(expected) <= 1,
                            "z{z} {col},{row}: {got} vs {expected}"
                        );
                    }
                    data += (expected != TRANSPARENT) as usize;
                    empty += (expected == TRANSPARENT) as usize;
                }
            }
            assert!(data > 0 && empty > 0, "z{z}: the tile shows the edge");
            assert!(differ * 200 < data + empty, "z{z}: {differ} pixels differ");
        }
    }
}
