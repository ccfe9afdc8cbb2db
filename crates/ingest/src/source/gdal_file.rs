//! Any vector file GDAL/OGR reads: GeoPackage, Shapefile, GeoJSON,
//! FlatGeobuf, …

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
        let open_error = |message: String| IngestError::Open {
            layer: self.layer,
            path: self.path.clone(),
            message,
        };
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            ..DatasetOptions::default()
        };
        let dataset = Dataset::open_ex(&self.path, options).map_err(|e| {
            open_error(format!(
                "GDAL herkent het niet als vectorbestand{}",
                crate::crs::gdal_detail(&e)
            ))
        })?;
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
                        return Err(open_error(format!(
                            "bevat {} lagen ({}); kies er een met `layer = \"…\"` in het projectbestand",
                            several.len(),
                            names.join(", ")
                        )))
                    }
                }
            }
        };
        let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let has_geometry = layer.defn().geom_fields().count() > 0;
        let crs = layer.spatial_ref();
        let records = layer
            .features()
            .map(|feature| {
                // A type we do not model (binary, …) is read as GDAL's text.
                let values = (0..fields.len())
                    .map(|i| match feature.field(i) {
                        Ok(v) => v.and_then(value),
                        Err(_) => feature.field_as_string(i).ok().flatten().map(Value::Text),
                    })
                    .collect();
                let geometry = match feature.geometry() {
                    Some(g) if !g.is_empty() => Some(g.to_geo().map_err(|e| {
                        FieldError::field("geometry", format!("kan niet gelezen worden: {e}"))
                    })?),
                    _ => None,
                };
                Ok(Record { values, geometry })
            })
            .collect();
        Ok(Table {
            fields,
            has_geometry,
            crs,
            decimal: Decimal::Point,
            records,
            notes: Vec::new(),
        })
    }
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
