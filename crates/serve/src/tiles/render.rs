//! Renders a 256×256 PNG tile of a grid layer.

use super::colormap::ColorRamp;
use super::colormap::TRANSPARENT;
use super::mercator::{PixelMap, TileId, TILE_SIZE};
use buitenzicht_score::GridSpec;

/// Errors rendering a tile.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("transform to RD New failed: {0}")]
    Transform(#[from] gdal::errors::GdalError),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// Renders `values × factor` (NaN = nodata) on `spec` into the tile, sampled
/// bilinearly between cell centres (nearest cell along nodata edges, so
/// they stay crisp). Returns `None` when no pixel has data.
pub fn render_tile(
    spec: &GridSpec,
    (values, factor): (&[f32], f32),
    ramp: &ColorRamp,
    tile: TileId,
) -> Result<Option<Vec<u8>>, RenderError> {
    let map = PixelMap::new(tile)?;
    let [x0, y0, x1, y1] = map.rd_bounds();
    let [gx0, gy0, gx1, gy1] = spec.bbox();
    // Half a pixel of slack: the lattice holds pixel centres, not edges.
    let slack = (x1 - x0).max(y1 - y0) / TILE_SIZE as f64;
    if x1 + slack < gx0 || x0 - slack > gx1 || y1 + slack < gy0 || y0 - slack > gy1 {
        return Ok(None);
    }
    let mut pixels = vec![TRANSPARENT; TILE_SIZE * TILE_SIZE];
    let mut any = false;
    // Along a row, RD coordinates are linear between lattice knots: step
    // through them with additions and sample the grid in cell units.
    let lattice = map.lattice();
    let step = lattice.step();
    let inv_cell = 1.0 / spec.cell;
    let mut knots = Vec::new();
    for row in 0..TILE_SIZE {
        lattice.row_knots(row, &mut knots);
        let line = &mut pixels[row * TILE_SIZE..(row + 1) * TILE_SIZE];
        for (k, segment) in line.chunks_mut(step).enumerate() {
            let (a, b) = (knots[k], knots[(k + 1).min(knots.len() - 1)]);
            let (dx, dy) = ((b[0] - a[0]) / step as f64, (b[1] - a[1]) / step as f64);
            for (j, px) in segment.iter_mut().enumerate() {
                let gx = (a[0] + dx * j as f64 - spec.x_min) * inv_cell;
                let gy = (spec.y_max - (a[1] + dy * j as f64)) * inv_cell;
                if let Some(v) = sample_cells(spec, values, gx, gy).filter(|v| !v.is_nan()) {
                    *px = ramp.index(v * factor);
                    any = true;
                }
            }
        }
    }
    Ok(any.then(|| encode_png(&pixels, ramp)).transpose()?)
}

/// The value at (`x`, `y`) in RD New: bilinear between the four
/// surrounding cell centres when all hold data, else the value of the cell
/// under the point.
pub fn sample(spec: &GridSpec, values: &[f32], x: f64, y: f64) -> Option<f32> {
    sample_cells(
        spec,
        values,
        (x - spec.x_min) / spec.cell,
        (spec.y_max - y) / spec.cell,
    )
}

/// [`sample`] with the position in cell units from the grid's north-west
/// corner (`gx` east, `gy` south).
fn sample_cells(spec: &GridSpec, values: &[f32], gx: f64, gy: f64) -> Option<f32> {
    if !(gx >= 0.0 && gy >= 0.0 && gx < spec.cols as f64 && gy < spec.rows as f64) {
        return None;
    }
    let (c, r) = (gx as usize, gy as usize);
    // Truncation is floor here (both ≥ 0), and much cheaper than `floor`.
    let (fx, fy) = (gx - 0.5, gy - 0.5);
    if fx >= 0.0 && fy >= 0.0 && (fx as usize) + 1 < spec.cols && (fy as usize) + 1 < spec.rows {
        let (c0, r0) = (fx as usize, fy as usize);
        let i = spec.index(c0, r0);
        let q = [
            values[i],
            values[i + 1],
            values[i + spec.cols],
            values[i + spec.cols + 1],
        ];
        if q.iter().all(|v| !v.is_nan()) {
            let (tx, ty) = ((fx - c0 as f64) as f32, (fy - r0 as f64) as f32);
            let top = q[0] + (q[1] - q[0]) * tx;
            let bottom = q[2] + (q[3] - q[2]) * tx;
            return Some(top + (bottom - top) * ty);
        }
    }
    Some(values[spec.index(c, r)])
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
    encoder.set_compression(png::Compression::Fast);
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
}
