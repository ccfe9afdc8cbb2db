//! Renders a 256×256 PNG tile of a grid layer.

use super::colormap::ColorRamp;
use super::mercator::{PixelMap, TileId, TILE_SIZE};
use buitenzicht_score::GridSpec;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

/// Errors rendering a tile.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("transform to RD New failed: {0}")]
    Transform(#[from] gdal::errors::GdalError),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] image::ImageError),
}

/// Renders `values` (NaN = nodata) on `spec` into the tile, nearest cell per
/// pixel. Returns `None` when the tile does not touch the grid.
pub fn render_tile(
    spec: &GridSpec,
    values: &[f32],
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
    let mut rgba = vec![0u8; TILE_SIZE * TILE_SIZE * 4];
    for row in 0..TILE_SIZE {
        for col in 0..TILE_SIZE {
            let [x, y] = map.rd(col, row);
            if let Some((c, r)) = spec.cell_at(x, y) {
                let px = ramp.rgba(values[spec.index(c, r)]);
                let o = (row * TILE_SIZE + col) * 4;
                rgba[o..o + 4].copy_from_slice(&px);
            }
        }
    }
    Ok(Some(encode_png(&rgba)?))
}

/// Encodes RGBA pixels of a tile as PNG with fast compression.
pub fn encode_png(rgba: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    let mut png = Vec::with_capacity(16 * 1024);
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            rgba,
            TILE_SIZE as u32,
            TILE_SIZE as u32,
            ExtendedColorType::Rgba8,
        )?;
    Ok(png)
}

/// A fully transparent tile.
pub fn empty_tile() -> Result<Vec<u8>, image::ImageError> {
    encode_png(&vec![0u8; TILE_SIZE * TILE_SIZE * 4])
}
