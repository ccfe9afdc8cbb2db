//! `rioolmetingen`: daily loads of drug substances per treatment plant.

use crate::error::FieldError;
use crate::reader::{read_layer, Schema};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource, Rwzi};
use chrono::NaiveDate;

/// The largest daily load a measurement may have, g/d: a tonne a day of
/// one substance, far above any plant's (a large city's plant measures
/// grams to a few kilograms); a larger value is a unit error or a typo,
/// and read as it stands it would be the only spike in the country.
pub const MAX_VRACHT_G_D: f64 = 1_000_000.0;

/// One daily measurement at a treatment plant.
#[derive(Debug, Clone)]
pub struct Rioolmeting {
    pub rwzi_code: String,
    pub datum: NaiveDate,
    /// Substance, lower case (e.g. `amfetamine`, `mdma`, `methamfetamine`).
    pub stof: String,
    /// Daily load in grams per day (vracht).
    pub vracht_g_d: f64,
    /// Enantiomeric fraction, 0..1, when measured.
    pub enantiomeer_fractie: Option<f64>,
}

pub(crate) const SCHEMA: Schema = Schema {
    layer: "rioolmetingen",
    required: &["rwzi_code", "datum", "stof", "vracht_g_d"],
    optional: &["enantiomeer_fractie"],
    supplied: &[],
    needs_geometry: false,
    unique: None,
};

/// Reads the measurements; a code that names no plant in `rwzi` is rejected.
pub fn read(
    source: &LayerSource,
    rwzi: &[Rwzi],
    context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<Rioolmeting>, IngestError> {
    // A water board's lab may write `rwzi-01` where the plant register has
    // `RWZI-01`: codes match without regard to case, and the register's
    // spelling is kept. Two codes that differ in case alone match exactly.
    let exact: std::collections::HashSet<&str> =
        rwzi.iter().map(|r| r.rwzi_code.as_str()).collect();
    let mut folded: std::collections::HashMap<String, Option<&str>> = Default::default();
    for r in rwzi {
        folded
            .entry(r.rwzi_code.to_lowercase())
            .and_modify(|c| *c = None)
            .or_insert(Some(r.rwzi_code.as_str()));
    }
    read_layer(&SCHEMA, source, context, report, |row| {
        let written = row.required("rwzi_code")?;
        let found = exact
            .get(written)
            .copied()
            .or_else(|| folded.get(&written.to_lowercase()).copied().flatten());
        let Some(code) = found else {
            return Err(FieldError::field(
                "rwzi_code",
                format!("'{written}' is geen RWZI in de laag rwzi"),
            ));
        };
        let vracht = row.f64("vracht_g_d")?;
        if vracht < 0.0 {
            return Err(FieldError::field(
                "vracht_g_d",
                format!("{vracht} g/d is negatief"),
            ));
        }
        if vracht > MAX_VRACHT_G_D {
            return Err(FieldError::field(
                "vracht_g_d",
                format!("{vracht} g/d is meer dan een RWZI kan ontvangen (hoogstens {MAX_VRACHT_G_D} g/d, een ton per dag); staat de kolom in een andere eenheid?"),
            ));
        }
        let ef = row.opt_f64("enantiomeer_fractie")?;
        if let Some(ef) = ef.filter(|ef| !(0.0..=1.0).contains(ef)) {
            return Err(FieldError::field(
                "enantiomeer_fractie",
                format!("{ef} is geen fractie tussen 0 en 1"),
            ));
        }
        Ok(Rioolmeting {
            rwzi_code: code.to_string(),
            datum: row.date("datum")?,
            stof: row.required("stof")?.to_lowercase(),
            vracht_g_d: vracht,
            enantiomeer_fractie: ef,
        })
    })
}
