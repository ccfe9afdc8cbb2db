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
    for row in 0..TILE_SIZE {
        for col in 0..TILE_SIZE {
            let [x, y] = map.rd(col, row);
            if let Some(v) = sample(spec, values, x, y).filter(|v| !v.is_nan()) {
                pixels[row * TILE_SIZE + col] = ramp.index(v * factor);
                any = true;
            }
        }
    }
    Ok(any.then(|| encode_png(&pixels, ramp)).transpose()?)
}

/// The value at (`x`, `y`): bilinear between the four surrounding cell
/// centres when all hold data, else the value of the cell under the point.
pub fn sample(spec: &GridSpec, values: &[f32], x: f64, y: f64) -> Option<f32> {
    let (c, r) = spec.cell_at(x, y)?;
    let fx = (x - spec.x_min) / spec.cell - 0.5;
    let fy = (spec.y_max - y) / spec.cell - 0.5;
    let (c0, r0) = (fx.floor(), fy.floor());
    if c0 >= 0.0 && r0 >= 0.0 && (c0 as usize) + 1 < spec.cols && (r0 as usize) + 1 < spec.rows {
        let (c0, r0) = (c0 as usize, r0 as usize);
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
