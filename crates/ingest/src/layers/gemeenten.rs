//! `gemeenten`: municipality polygons; their union is the study area.

use crate::error::FieldError;
use crate::reader::{read_layer, Id, Schema};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource};
use geo::MultiPolygon;

/// A municipality (gemeente).
#[derive(Debug, Clone)]
pub struct Gemeente {
    /// CBS code, e.g. `GM0001`.
    pub statcode: String,
    pub statnaam: String,
    pub geometry: MultiPolygon,
}

pub(crate) const SCHEMA: Schema = Schema {
    layer: "gemeenten",
    required: &["statcode", "statnaam"],
    optional: &[],
    supplied: &[],
    needs_geometry: true,
    unique: Some(Id::text("statcode")),
};

pub fn read(
    source: &LayerSource,
    context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<Gemeente>, IngestError> {
    read_layer(&SCHEMA, source, context, report, |row| {
        let statcode = row.required("statcode")?;
        if !is_cbs_code(statcode) {
            return Err(FieldError::field(
                "statcode",
                format!("'{statcode}' is geen CBS-gemeentecode (GM gevolgd door vier cijfers)"),
            ));
        }
        Ok(Gemeente {
            statcode: statcode.to_string(),
            statnaam: row.required("statnaam")?.to_string(),
            geometry: row.multipolygon()?,
        })
    })
}

/// `GM` followed by four digits.
pub fn is_cbs_code(code: &str) -> bool {
    code.len() == 6 && code.starts_with("GM") && code[2..].bytes().all(|b| b.is_ascii_digit())
}
