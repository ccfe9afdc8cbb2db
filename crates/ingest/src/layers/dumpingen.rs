//! `dumpingen`: drug-waste dumping incidents.

use crate::error::FieldError;
use crate::reader::{read_layer, Id, Schema};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource};
use chrono::NaiveDate;
use geo::Point;

/// A drug-waste dumping incident.
#[derive(Debug, Clone)]
pub struct Dumping {
    pub incident_id: String,
    pub datum: NaiveDate,
    /// Location in RD New.
    pub location: Point,
    /// How it was dumped (e.g. vaten, jerrycans, lozing).
    pub dumpingwijze: Option<String>,
    /// Volume in litres.
    pub volume_l: Option<f64>,
    /// What was produced (e.g. amfetamine, MDMA).
    pub productietype: Option<String>,
}

pub(crate) const SCHEMA: Schema = Schema {
    layer: "dumpingen",
    required: &["incident_id", "datum"],
    optional: &["dumpingwijze", "volume_l", "productietype"],
    supplied: &[],
    needs_geometry: true,
    unique: Some(Id::text("incident_id")),
};

pub fn read(
    source: &LayerSource,
    context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<Dumping>, IngestError> {
    read_layer(&SCHEMA, source, context, report, |row| {
        let volume_l = row.opt_f64("volume_l")?;
        if let Some(v) = volume_l.filter(|v| *v < 0.0) {
            return Err(FieldError::field("volume_l", format!("{v} l is negatief")));
        }
        Ok(Dumping {
            incident_id: row.required("incident_id")?.to_string(),
            datum: row.date("datum")?,
            location: row.point()?,
            dumpingwijze: row.get("dumpingwijze").map(str::to_string),
            volume_l,
            productietype: row.get("productietype").map(str::to_string),
        })
    })
}
