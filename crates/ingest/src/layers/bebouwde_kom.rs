//! `bebouwde_kom`: built-up areas, where no risk is computed.

use crate::reader::{read_layer, Schema};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource};
use geo::MultiPolygon;

/// A built-up area (bebouwde kom).
#[derive(Debug, Clone)]
pub struct Kom {
    /// Name of the village or town, when the file has one.
    pub naam: Option<String>,
    pub geometry: MultiPolygon,
}

pub(crate) const SCHEMA: Schema = Schema {
    layer: "bebouwde_kom",
    required: &[],
    optional: &["naam"],
    supplied: &[],
    needs_geometry: true,
    unique: None,
};

pub fn read(
    source: &LayerSource,
    context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<Kom>, IngestError> {
    read_layer(&SCHEMA, source, context, report, |row| {
        Ok(Kom {
            naam: row.get("naam").map(str::to_string),
            geometry: row.multipolygon()?,
        })
    })
}
