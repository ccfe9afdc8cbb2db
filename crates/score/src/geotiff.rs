//! The risk grid as a GeoTIFF: band 1 risk, then one band per indicator
//! holding its contribution in risk points (bands 2–5 add up to band 1).

use crate::indicator::Indicator;
use crate::model::RiskModel;
use crate::ScoreError;
use buitenzicht_ingest::crs::{srs_from_epsg, RD_NEW};
use gdal::raster::{Buffer, RasterCreationOptions};
use gdal::{DriverManager, Metadata};
use rayon::prelude::*;
use std::path::Path;

/// Nodata value in the file (NaN in memory).
pub const NODATA: f32 = -9999.0;

/// Band descriptions, in band order.
pub fn band_names() -> Vec<String> {
    std::iter::once("risico (0-100)".to_string())
        .chain(
            Indicator::ALL
                .iter()
                .map(|i| format!("bijdrage {}", i.key())),
        )
        .collect()
}

/// Writes `model` to `path` as a tiled, DEFLATE-compressed float32 GeoTIFF
/// in EPSG:28992. The file is written under a temporary name and renamed,
/// so an existing file is replaced whole or not at all.
pub fn write_geotiff(model: &RiskModel, path: &Path) -> Result<(), ScoreError> {
    let spec = &model.spec;
    let tmp = path.with_extension("tmp.tif");
    let file_error = |source| ScoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    {
        let driver = DriverManager::get_driver_by_name("GTiff").map_err(file_error)?;
        let options = RasterCreationOptions::from_iter([
            "COMPRESS=DEFLATE",
            "PREDICTOR=3",
            "TILED=YES",
            "BIGTIFF=IF_SAFER",
        ]);
        let mut ds = driver
            .create_with_band_type_with_options::<f32, _>(&tmp, spec.cols, spec.rows, 5, &options)
            .map_err(file_error)?;
        ds.set_spatial_ref(&srs_from_epsg(RD_NEW)?)
            .map_err(file_error)?;
        ds.set_geo_transform(&spec.geo_transform())
            .map_err(file_error)?;
        ds.set_metadata_item("AS_OF", &model.as_of.to_string(), "")
            .map_err(file_error)?;
        ds.set_metadata_item("MODEL_VERSION", &model.version, "")
            .map_err(file_error)?;
        let weights = serde_json::to_string(&model.config.weights).unwrap_or_default();
        ds.set_metadata_item("WEIGHTS", &weights, "")
            .map_err(file_error)?;

        let names = band_names();
        for (b, name) in names.iter().enumerate() {
            let values: Vec<f32> = if b == 0 {
                model
                    .risk
                    .par_iter()
                    .map(|&r| if r.is_nan() { NODATA } else { r })
                    .collect()
            } else {
                let ind = Indicator::ALL[b - 1];
                model.indicators[ind.index()]
                    .par_iter()
                    .map(|&v| {
                        if v.is_nan() {
                            NODATA
                        } else {
                            model.contribution(ind, v)
                        }
                    })
                    .collect()
            };
            let mut band = ds.rasterband(b + 1).map_err(file_error)?;
            band.set_no_data_value(Some(NODATA as f64))
                .map_err(file_error)?;
            band.set_description(name).map_err(file_error)?;
            let mut buffer = Buffer::new((spec.cols, spec.rows), values);
            band.write((0, 0), (spec.cols, spec.rows), &mut buffer)
                .map_err(file_error)?;
        }
    }
    std::fs::rename(&tmp, path).map_err(|e| ScoreError::Io {
        path: path.to_path_buf(),
        source: e,
    })
}
