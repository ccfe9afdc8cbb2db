//! Any vector file GDAL/OGR reads: GeoPackage, Shapefile, GeoJSON,
//! FlatGeobuf, …, also inside a `.zip` (as PDOK and CBS hand them out).

use super::{Decimal, Record, Source, Table, Value};
use crate::error::FieldError;
use crate::IngestError;
use gdal::vector::{FieldValue, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use std::path::PathBuf;

/// A vector file, read from its first layer.
pub struct GdalFile {
    layer: &'static str,
    path: PathBuf,
    /// The layer in the file, when it holds several.
    layer_name: Option<String>,
}

impl GdalFile {
    pub fn new(layer: &'static str, path: PathBuf, layer_name: Option<String>) -> Self {
        GdalFile {
            layer,
            path,
            layer_name,
        }
    }
}

/// Tables QGIS and GDAL keep beside the data in a GeoPackage.
const AUXILIARY_LAYERS: [&str; 2] = ["layer_styles", "qgis_projects"];

impl Source for GdalFile {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn open(&self) -> Result<Table, IngestError> {
        linear_geometries_only();
        let open_error = |message: String| IngestError::Open {
            layer: self.layer,
            path: self.path.clone(),
            message,
        };
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            ..DatasetOptions::default()
        };
        let zipped = is_zip(&self.path);
        // GDAL reads into an archive only through its virtual file system.
        let gdal_path = match zipped {
            true => PathBuf::from(format!("/vsizip/{}", self.path.display())),
            false => self.path.clone(),
        };
        // GDAL calls an unreadable file unrecognised.
        if let Err(e) = std::fs::File::open(&self.path) {
            return Err(open_error(crate::error::io_reason(&e)));
        }
        let dataset = Dataset::open_ex(&gdal_path, options).map_err(|e| {
            open_error(format!(
                "GDAL herkent het niet als vectorbestand{}{}",
                if zipped {
                    " (ook niet in het zip-archief)"
                } else {
                    ""
                },
                crate::crs::gdal_detail(&e)
            ))
        })?;
        // GDAL's CSV driver knows none of the dialects the CSV reader
        // detects (delimiter, decimal comma, encoding): unpacked, it does.
        if zipped && dataset.driver().short_name() == "CSV" {
            return Err(open_error(
                "een CSV-bestand in een zip-archief wordt niet gelezen; pak het uit en noem het CSV-bestand in het projectbestand".into(),
            ));
        }
        let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
        let mut layer = match &self.layer_name {
            Some(name) => dataset.layer_by_name(name).map_err(|_| {
                open_error(format!(
                    "bevat geen laag `{name}` (wel: {})",
                    names.join(", ")
                ))
            })?,
            None => {
                let data: Vec<&String> = names
                    .iter()
                    .filter(|n| !AUXILIARY_LAYERS.contains(&n.as_str()))
                    .collect();
                match data.as_slice() {
                    [name] => dataset
                        .layer_by_name(name)
                        .map_err(|e| open_error(e.to_string()))?,
                    [] => return Err(open_error("bevat geen vectorlaag".into())),
                    several => {
                        let listed: Vec<&str> = several.iter().map(|n| n.as_str()).collect();
                        return Err(open_error(format!(
                            "bevat {} lagen ({}); kies er een met `layer = \"…\"` in het projectbestand",
                            several.len(),
                            listed.join(", ")
                        )));
                    }
                }
            }
        };
        let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let has_geometry = layer.defn().geom_fields().count() > 0;
        let crs = layer.spatial_ref();
        let records: Vec<Result<Record, FieldError>> = layer
            .features()
            .map(|feature| {
                // A type we do not model (binary, …) is read as GDAL's text.
                let values = (0..fields.len())
                    .map(|i| match is_set(&feature, i).then(|| feature.field(i)) {
                        None => None,
                        Some(Ok(v)) => v.and_then(value),
                        Some(Err(_)) => feature.field_as_string(i).ok().flatten().map(Value::Text),
                    })
                    .collect();
                let geometry = match feature.geometry() {
                    Some(g) if !g.is_empty() => {
                        Some(super::to_geo(g).map_err(|e| FieldError::field("geometry", e))?)
                    }
                    _ => None,
                };
                Ok(Record { values, geometry })
            })
            .collect();
        let shapefile = dataset.driver().short_name() == "ESRI Shapefile";
        let mut notes = Vec::new();
        // Text GDAL could not recode arrives with U+FFFD in it: a
        // Shapefile without `.cpg` in another encoding than UTF-8.
        // Every such record counted, the first named with its field.
        let garbled: Vec<(usize, usize)> = records
            .iter()
            .enumerate()
            .filter_map(|(row, r)| {
                let r = r.as_ref().ok()?;
                let field = r
                    .values
                    .iter()
                    .position(|v| matches!(v, Some(Value::Text(t)) if t.contains('\u{FFFD}')))?;
                Some((row, field))
            })
            .collect();
        if let Some(&(row, field)) = garbled.first() {
            notes.push(format!(
                "laag `{}`: {}: {} rij(en) met onleesbare tekens in hun tekst, de eerste rij {} in veld `{}`; {}",
                self.layer,
                self.path.display(),
                garbled.len(),
                row + 1,
                fields.get(field).map_or("?", String::as_str),
                if shapefile {
                    "zet de codering in een `.cpg`-bestand naast de `.shp` (bijvoorbeeld `1252` voor Windows-1252)"
                } else {
                    "is het bestand in een andere codering dan UTF-8 geschreven?"
                }
            ));
        }
        Ok(Table {
            fields,
            has_geometry,
            crs,
            decimal: Decimal::Point,
            records,
            notes,
            name_limit: shapefile.then_some(10),
            lines: Vec::new(),
        })
    }
}

/// A `.zip` archive, whatever the case of its extension.
fn is_zip(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// OGR hands out a curved geometry (the arcs of BGT GML, a GeoPackage's
/// CurvePolygon or MultiSurface) as its linear approximation once this
/// process-wide flag is off: geo has no curves.
fn linear_geometries_only() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets one int inside OGR, before this process reads any
        // feature; no pointer is passed.
        unsafe { gdal_sys::OGRSetNonLinearGeometriesEnabledFlag(0) }
    });
}

/// Whether field `i` of `feature` has a value at all. A GeoJSON feature
/// without one of its layer's properties leaves that field unset, not
/// null, and the gdal crate reads an unset field as its type's default:
/// a missing floor area would be read as 0 m² rather than taken from the
/// footprint.
fn is_set(feature: &gdal::vector::Feature, i: usize) -> bool {
    let Ok(i) = i32::try_from(i) else {
        return false;
    };
    // SAFETY: the handle is the live feature's, borrowed for this call;
    // OGR checks the index against the feature's fields.
    unsafe { gdal_sys::OGR_F_IsFieldSet(feature.c_feature(), i) != 0 }
}

/// GDAL's typed value as ours; lists are written as text.
fn value(v: FieldValue) -> Option<Value> {
    Some(match v {
        FieldValue::StringValue(s) => Value::Text(s),
        FieldValue::IntegerValue(i) => Value::Integer(i.into()),
        FieldValue::Integer64Value(i) => Value::Integer(i),
        FieldValue::RealValue(f) => Value::Real(f),
        FieldValue::DateValue(d) => Value::Date(d),
        FieldValue::DateTimeValue(dt) => Value::DateTime(dt.naive_local()),
        FieldValue::StringListValue(l) => Value::Text(l.join(",")),
        FieldValue::IntegerListValue(l) => Value::Text(join(&l)),
        FieldValue::Integer64ListValue(l) => Value::Text(join(&l)),
        FieldValue::RealListValue(l) => Value::Text(join(&l)),
    })
}

fn join<T: ToString>(list: &[T]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::vector::{Geometry, LayerOptions};
    use gdal::DriverManager;
    use geo::Area;

    #[test]
    fn curves_heights_and_measures_are_read_as_flat_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kom.gpkg");
        {
            let driver = DriverManager::get_driver_by_name("GPKG").unwrap();
            let mut ds = driver.create_vector_only(&path).unwrap();
            let mut layer = ds
                .create_layer(LayerOptions {
                    name: "kom",
                    ..Default::default()
                })
                .unwrap();
            for wkt in [
                // A circle of radius 100 m, as BGT GML writes arcs.
                "CURVEPOLYGON (CIRCULARSTRING (149900 400000, 150100 400000, 149900 400000))",
                "POLYGON Z ((0 0 5, 10 0 5, 10 10 5, 0 10 5, 0 0 5))",
                "MULTIPOLYGON M (((0 0 1, 20 0 2, 20 20 3, 0 0 1)))",
            ] {
                layer
                    .create_feature(Geometry::from_wkt(wkt).unwrap())
                    .unwrap();
            }
        }
        let table = GdalFile::new("bebouwde_kom", path, None).open().unwrap();
        let areas: Vec<f64> = table
            .records
            .into_iter()
            .map(|r| r.unwrap().geometry.unwrap().unsigned_area())
            .collect();
        let circle = std::f64::consts::PI * 100.0 * 100.0;
        assert!((areas[0] - circle).abs() < 0.005 * circle, "{areas:?}");
        assert_eq!(areas[1..], [100.0, 200.0]);
    }

    /// A GeoJSON feature without a property its layer has reads as no
    /// value, as a null does, not as 0 or "".
    #[test]
    fn a_property_a_feature_lacks_is_no_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("panden.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5,52]},"properties":{"oppervlakte":12.5,"bouwjaar":1950,"naam":"a"}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5,52]},"properties":{}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5,52]},"properties":{"oppervlakte":null,"bouwjaar":0,"naam":""}}
            ]}"#,
        )
        .unwrap();
        let table = GdalFile::new("panden", path, None).open().unwrap();
        let column = |name: &str| table.fields.iter().position(|f| f == name).unwrap();
        let rows: Vec<Record> = table.records.into_iter().map(|r| r.unwrap()).collect();
        let (area, year) = (column("oppervlakte"), column("bouwjaar"));
        assert!(matches!(rows[0].values[area], Some(Value::Real(a)) if a == 12.5));
        assert!(
            rows[1].values.iter().all(Option::is_none),
            "{:?}",
            rows[1].values
        );
        assert!(rows[2].values[area].is_none());
        // A value that is there, even 0, stays.
        assert!(matches!(rows[2].values[year], Some(Value::Integer(0))));
    }
}
