//! `rwzi`: catchments of wastewater treatment plants.

use crate::error::FieldError;
use crate::reader::{read_layer, Id, Schema};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource};
use geo::MultiPolygon;

/// The catchment (verzorgingsgebied) of a wastewater treatment plant.
#[derive(Debug, Clone)]
pub struct Rwzi {
    pub rwzi_code: String,
    pub rwzi_naam: String,
    /// Inhabitants connected.
    pub inwoners: Option<u64>,
    pub geometry: MultiPolygon,
}

pub(crate) const SCHEMA: Schema = Schema {
    layer: "rwzi",
    required: &["rwzi_code", "rwzi_naam"],
    optional: &["inwoners"],
    supplied: &[],
    needs_geometry: true,
    unique: Some(Id::text("rwzi_code")),
};

pub fn read(
    source: &LayerSource,
    context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<Rwzi>, IngestError> {
    read_layer(&SCHEMA, source, context, report, |row| {
        let code = row.required("rwzi_code")?;
        let inwoners = row
            .opt_i64("inwoners")?
            .map(|n| {
                u64::try_from(n)
                    .map_err(|_| FieldError::field("inwoners", format!("{n} is negatief")))
            })
            .transpose()?;
        Ok(Rwzi {
            rwzi_code: code.to_string(),
            rwzi_naam: row.required("rwzi_naam")?.to_string(),
            inwoners,
            geometry: row.multipolygon()?,
        })
    })
}
