//! `panden`: agricultural buildings with BAG-like fields and vacancy.

use crate::config::Join;
use crate::error::FieldError;
use crate::reader::{read_layer, Id, Schema};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource};
use chrono::NaiveDate;
use geo::{Area, Centroid, Geometry, Point};
use serde::Serialize;
use std::collections::HashMap;

/// What is known about a building's vacancy (leegstand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Leegstand {
    /// Confirmed vacant.
    Bevestigd,
    /// Probably vacant.
    Vermoedelijk,
    /// In use.
    Nee,
    /// Not known.
    Onbekend,
}

impl Leegstand {
    pub const ALL: [Leegstand; 4] = [
        Leegstand::Bevestigd,
        Leegstand::Vermoedelijk,
        Leegstand::Nee,
        Leegstand::Onbekend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Leegstand::Bevestigd => "bevestigd",
            Leegstand::Vermoedelijk => "vermoedelijk",
            Leegstand::Nee => "nee",
            Leegstand::Onbekend => "onbekend",
        }
    }

    /// Vacant or possibly vacant: a candidate for inspection.
    pub fn is_candidate(self) -> bool {
        matches!(self, Leegstand::Bevestigd | Leegstand::Vermoedelijk)
    }
}

impl std::str::FromStr for Leegstand {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Leegstand::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or(())
    }
}

/// The largest floor area a pand may have, m²: the largest buildings in
/// the Netherlands (the flower auction at Aalsmeer, distribution centres)
/// stay well under a square kilometre; a larger value is a unit error or a
/// typo, and read as it stands it would outweigh every other building.
pub const MAX_OPPERVLAKTE_M2: f64 = 2_000_000.0;

/// A building (pand).
#[derive(Debug, Clone)]
pub struct Pand {
    /// BAG identifier.
    pub identificatie: String,
    pub status: Option<String>,
    pub gebruiksdoel: Option<String>,
    pub bouwjaar: Option<i32>,
    /// Floor area in m² (the footprint's area when the source has none).
    pub oppervlakte: f64,
    pub leegstand: Leegstand,
    /// When the vacancy was recorded, if known: a record dated after a
    /// model's cut date must not inform it.
    pub leegstand_datum: Option<NaiveDate>,
    /// Footprint polygon or point, in RD New.
    pub geometry: Geometry,
    pub centroid: Point,
}

/// The BAG status of a building that is out of use.
pub const BUITEN_GEBRUIK: &str = "Pand buiten gebruik";

const SCHEMA: Schema = Schema {
    layer: "panden",
    required: &["identificatie", "leegstand"],
    optional: &[
        "oppervlakte",
        "leegstand_datum",
        "status",
        "gebruiksdoel",
        "bouwjaar",
    ],
    supplied: &[],
    needs_geometry: true,
    unique: Some(Id::bag("identificatie")),
};

/// With a join table, vacancy may come from it instead of the layer.
const SCHEMA_JOINED: Schema = Schema {
    layer: "panden",
    required: &["identificatie"],
    optional: &[
        "leegstand",
        "oppervlakte",
        "leegstand_datum",
        "status",
        "gebruiksdoel",
        "bouwjaar",
    ],
    supplied: &["leegstand", "leegstand_datum"],
    needs_geometry: true,
    unique: Some(Id::bag("identificatie")),
};

/// Vacancy from the join table: status and record date by key.
type JoinTable = HashMap<String, (Leegstand, Option<NaiveDate>)>;

/// The columns read for `source`: with a join table, `leegstand` may come
/// from it instead.
pub(crate) fn schema(source: &LayerSource) -> &'static Schema {
    match source.join {
        Some(_) => &SCHEMA_JOINED,
        None => &SCHEMA,
    }
}

/// Reads the buildings. Vacancy comes from the `leegstand` column, else
/// from the `join` table by key, else — for a BAG status "Pand buiten
/// gebruik" — `vermoedelijk`, else `onbekend` (only with a join: without
/// one, the column is required).
pub fn read(
    source: &LayerSource,
    context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<Pand>, IngestError> {
    let joined = match &source.join {
        Some(join) => Some(read_join(join, context, report)?),
        None => None,
    };
    let schema = schema(source);
    let panden = read_layer(schema, source, context, report, |row| {
        let identificatie = row.required("identificatie")?;
        let status = row.get("status").map(str::to_string);
        let from_join = joined.as_ref().and_then(|j| j.get(identificatie));
        let (leegstand, leegstand_datum) = match row.get("leegstand") {
            Some(raw) => (parse_leegstand(raw)?, row.opt_date("leegstand_datum")?),
            None => match (from_join, &joined) {
                (Some(&(l, d)), _) => (l, d),
                (None, Some(_))
                    if status
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(BUITEN_GEBRUIK)) =>
                {
                    (Leegstand::Vermoedelijk, None)
                }
                (None, Some(_)) => (Leegstand::Onbekend, None),
                (None, None) => return Err(FieldError::field("leegstand", "is leeg")),
            },
        };
        let bouwjaar = row
            .opt_i64("bouwjaar")?
            .map(|y| {
                i32::try_from(y)
                    .ok()
                    .filter(|y| (1000..=2100).contains(y))
                    .ok_or_else(|| {
                        FieldError::field("bouwjaar", format!("{y} is geen plausibel bouwjaar"))
                    })
            })
            .transpose()?;
        let geometry = row.geometry()?.clone();
        let centroid = match &geometry {
            Geometry::Point(p) => *p,
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => geometry
                .centroid()
                .ok_or_else(|| FieldError::field("geometry", "heeft geen oppervlak"))?,
            _ => return Err(FieldError::field("geometry", "is geen vlak of punt")),
        };
        let oppervlakte = match row.opt_f64("oppervlakte")? {
            Some(a) if a < 0.0 => {
                return Err(FieldError::field(
                    "oppervlakte",
                    format!("{a} m² is negatief"),
                ))
            }
            Some(a) if a > MAX_OPPERVLAKTE_M2 => {
                return Err(FieldError::field(
                    "oppervlakte",
                    format!("{a} m² is groter dan elk pand in Nederland (hoogstens {MAX_OPPERVLAKTE_M2} m²); staat de kolom in een andere eenheid?"),
                ))
            }
            Some(a) => a,
            // BAG panden carry no floor area: take the footprint's.
            None => match &geometry {
                Geometry::Point(_) => {
                    return Err(FieldError::field(
                        "oppervlakte",
                        "is leeg en het pand heeft geen vlak om het uit af te leiden",
                    ))
                }
                g => match g.unsigned_area() {
                    a if a > MAX_OPPERVLAKTE_M2 => {
                        return Err(FieldError::field(
                            "geometry",
                            format!("beslaat {a:.0} m², meer dan elk pand in Nederland (hoogstens {MAX_OPPERVLAKTE_M2} m²): is dit een perceel of gebied?"),
                        ))
                    }
                    a => a,
                },
            },
        };
        Ok(Pand {
            identificatie: identificatie.to_string(),
            status,
            gebruiksdoel: row.get("gebruiksdoel").map(str::to_string),
            bouwjaar,
            oppervlakte,
            leegstand,
            leegstand_datum,
            geometry,
            centroid,
        })
    })?;
    if let (Some(table), Some(join)) = (&joined, &source.join) {
        check_join(table, join, &panden, report)?;
    }
    Ok(panden)
}

/// A join whose keys match no building has emptied the vacancy signal
/// (a key written another way, another municipality's table): an error.
/// Otherwise the counts are a note, so a partial match is seen.
fn check_join(
    table: &JoinTable,
    join: &Join,
    panden: &[Pand],
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    if table.is_empty() {
        report.note(format!(
            "laag `panden`: koppeltabel {} heeft geen bruikbare rij: de leegstand komt alleen uit de BAG-status",
            join.path.display()
        ));
        return Ok(());
    }
    let matched = panden
        .iter()
        .filter(|p| table.contains_key(&p.identificatie))
        .count();
    if matched == 0 && !panden.is_empty() {
        let example = |keys: &mut dyn Iterator<Item = &String>| {
            keys.min().map_or(String::new(), |k| format!("'{k}'"))
        };
        return Err(IngestError::JoinUnmatched {
            path: join.path.clone(),
            key: join.key.clone(),
            table_example: example(&mut table.keys()),
            layer_example: example(&mut panden.iter().map(|p| &p.identificatie)),
        });
    }
    report.note(format!(
        "laag `panden`: {matched} van {} panden gekoppeld aan een rij van {} ({} rij(en) van de koppeltabel horen bij geen pand)",
        panden.len(),
        join.path.display(),
        table.len().saturating_sub(matched)
    ));
    Ok(())
}

fn parse_leegstand(raw: &str) -> Result<Leegstand, FieldError> {
    raw.parse::<Leegstand>().map_err(|()| {
        FieldError::field(
            "leegstand",
            format!("'{raw}' is niet een van bevestigd, vermoedelijk, nee, onbekend"),
        )
    })
}

/// The join table's vacancy by key; its bad rows are rejections of the
/// `panden` layer, named by the table's file and row.
/// The join table as a source of its own, its `csv` checked: named as
/// the setting it is, `join.csv` of `[layers.panden]`.
pub(crate) fn join_source(join: &Join) -> Result<LayerSource, IngestError> {
    if join.csv != crate::config::CsvDialect::default()
        && !crate::source::is_delimited_text(&join.path)
    {
        return Err(IngestError::Setting {
            layer: "panden",
            message: format!(
                "`join.csv` geldt alleen voor een CSV-koppeltabel, en {} is er geen; haal `csv` uit `join` weg",
                join.path.display()
            ),
        });
    }
    Ok(LayerSource {
        path: Some(join.path.clone()),
        csv: join.csv.clone(),
        date_format: join.date_format.clone(),
        columns: [("identificatie".to_string(), join.key.clone())].into(),
        ..LayerSource::default()
    })
}

fn read_join(
    join: &Join,
    context: &Context,
    report: &mut IngestReport,
) -> Result<JoinTable, IngestError> {
    let source = join_source(join)?;
    let schema = Schema {
        layer: "panden_koppeling",
        required: &["identificatie", "leegstand"],
        optional: &["leegstand_datum"],
        supplied: &[],
        needs_geometry: false,
        unique: Some(Id::bag("identificatie")),
    };
    let mut table = JoinTable::new();
    let rows = read_layer(&schema, &source, context, report, |row| {
        Ok((
            row.required("identificatie")?.to_string(),
            parse_leegstand(row.required("leegstand")?)?,
            row.opt_date("leegstand_datum")?,
        ))
    })?;
    for (key, leegstand, datum) in rows {
        table.insert(key, (leegstand, datum));
    }
    Ok(table)
}
