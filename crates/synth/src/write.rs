//! Writes the demo files, each to a temporary name first and then renamed,
//! so a failed run never leaves a half-written file behind.

use crate::SynthError;
use gdal::raster::{Buffer, RasterCreationOptions};
use gdal::{DriverManager, Metadata};
use geo::{Geometry, MultiPolygon, Polygon};
use geojson::{Feature, FeatureCollection, JsonObject};
use serde_json::{json, Value};
use std::path::Path;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    buitenzicht_ingest::atomic::write(path, bytes).map_err(io_error(path))
}

/// Rounds to centimetres, which keeps files small and stable.
fn round_cm(geometry: &Geometry) -> Geometry {
    use geo::MapCoords;
    geometry.map_coords(
        |c| geo::coord! { x: (c.x * 100.0).round() / 100.0, y: (c.y * 100.0).round() / 100.0 },
    )
}

/// A GeoJSON FeatureCollection in RD New, with the legacy `crs` member
/// GDAL reads (RFC 7946 allows only WGS84; the input contract allows this).
pub fn geojson_rd(path: &Path, features: Vec<(Geometry, JsonObject)>) -> Result<(), SynthError> {
    let features = features
        .into_iter()
        .map(|(g, properties)| Feature {
            geometry: Some(geojson::Geometry::from(&round_cm(&g))),
            properties: Some(properties),
            ..Feature::default()
        })
        .collect::<Vec<_>>();
    let mut collection = FeatureCollection::new(features);
    let mut crs = JsonObject::new();
    crs.insert(
        "crs".into(),
        json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}),
    );
    collection.foreign_members = Some(crs);
    write_json(path, &collection)
}

/// An RFC 7946 GeoJSON FeatureCollection (WGS84, no `crs`).
pub fn geojson_wgs84(path: &Path, features: Vec<(Geometry, JsonObject)>) -> Result<(), SynthError> {
    let features = features
        .into_iter()
        .map(|(g, properties)| Feature {
            geometry: Some(geojson::Geometry::from(&g)),
            properties: Some(properties),
            ..Feature::default()
        })
        .collect::<Vec<_>>();
    write_json(path, &FeatureCollection::new(features))
}

fn write_json(path: &Path, collection: &FeatureCollection) -> Result<(), SynthError> {
    // One feature per line: readable diffs, small files.
    let mut out = String::from("{\"type\":\"FeatureCollection\",");
    if let Some(members) = &collection.foreign_members {
        for (k, v) in members {
            out.push_str(&format!("{}:{},", Value::from(k.as_str()), v));
        }
    }
    out.push_str("\"features\":[\n");
    let lines: Vec<String> = collection
        .features
        .iter()
        .map(|f| serde_json::to_string(f).unwrap_or_default())
        .collect();
    out.push_str(&lines.join(",\n"));
    out.push_str("\n]}\n");
    atomic_write(path, out.as_bytes())
}

/// A CSV file from a header and rows (values must not contain commas).
pub fn csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<(), SynthError> {
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(&row.join(","));
        out.push('\n');
    }
    atomic_write(path, out.as_bytes())
}

/// A single-band float32 GeoTIFF, DEFLATE-compressed.
pub fn geotiff(
    path: &Path,
    epsg: u32,
    geo_transform: [f64; 6],
    (width, height): (usize, usize),
    values: Vec<f32>,
    nodata: f64,
    description: &str,
) -> Result<(), SynthError> {
    let gdal_error = |source| SynthError::Gdal {
        path: path.display().to_string(),
        source,
    };
    let tmp = buitenzicht_ingest::atomic::temp_beside(path).map_err(io_error(path))?;
    {
        let driver = DriverManager::get_driver_by_name("GTiff").map_err(gdal_error)?;
        let options =
            RasterCreationOptions::from_iter(["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"]);
        let mut ds = driver
            .create_with_band_type_with_options::<f32, _>(tmp.path(), width, height, 1, &options)
            .map_err(gdal_error)?;
        ds.set_spatial_ref(&buitenzicht_ingest::crs::srs_from_epsg(epsg).map_err(gdal_error)?)
            .map_err(gdal_error)?;
        ds.set_geo_transform(&geo_transform).map_err(gdal_error)?;
        let mut band = ds.rasterband(1).map_err(gdal_error)?;
        band.set_no_data_value(Some(nodata)).map_err(gdal_error)?;
        band.set_description(description).map_err(gdal_error)?;
        let mut buffer = Buffer::new((width, height), values);
        band.write((0, 0), (width, height), &mut buffer)
            .map_err(gdal_error)?;
    }
    tmp.persist(path).map_err(|e| io_error(path)(e.error))?;
    Ok(())
}

pub fn multipolygon(p: Polygon) -> Geometry {
    Geometry::MultiPolygon(MultiPolygon::new(vec![p]))
}
