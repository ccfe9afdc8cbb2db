//! Satellite anomaly tiles resampled onto the grid with GDAL's warper
//! (bilinear), whatever CRS the tiles come in.

use crate::grid::GridSpec;
use crate::ScoreError;
use buitenzicht_ingest::crs::{srs_from_epsg, RD_NEW};
use buitenzicht_ingest::{PolygonIndex, SatellietTegel};
use gdal::raster::reproject;
use gdal::{Dataset, DriverManager};

/// The anomaly value per cell (NaN where no tile has data). Where tiles
/// overlap, the larger anomaly is kept.
pub fn resample(
    spec: &GridSpec,
    tiles: &[SatellietTegel],
    index: &PolygonIndex,
) -> Result<Vec<f32>, ScoreError> {
    let mut out = vec![f32::NAN; spec.len()];
    let rd = srs_from_epsg(RD_NEW)?;
    let driver = DriverManager::get_driver_by_name("MEM")?;
    for id in index.bbox_intersecting(spec.bbox()) {
        let tile = &tiles[id];
        let src = Dataset::open(&tile.path).map_err(|e| ScoreError::Tile {
            path: tile.path.clone(),
            source: e,
        })?;
        let mut dst = driver.create_with_band_type::<f32, _>("", spec.cols, spec.rows, 1)?;
        dst.set_geo_transform(&spec.geo_transform())?;
        dst.set_spatial_ref(&rd)?;
        {
            let mut band = dst.rasterband(1)?;
            band.set_no_data_value(Some(f64::NAN))?;
            band.fill(f64::NAN, None)?;
        }
        reproject(&src, &dst).map_err(|e| ScoreError::Tile {
            path: tile.path.clone(),
            source: e,
        })?;
        let band = dst.rasterband(1)?;
        let values = band
            .read_as::<f32>((0, 0), (spec.cols, spec.rows), (spec.cols, spec.rows), None)?
            .into_shape_and_vec()
            .1;
        let nodata = tile.nodata.map(|v| v as f32);
        for (o, v) in out.iter_mut().zip(values) {
            if v.is_nan() || Some(v) == nodata {
                continue;
            }
            if o.is_nan() || v > *o {
                *o = v;
            }
        }
    }
    Ok(out)
}
