//! `panden`: agricultural buildings with BAG-like fields and vacancy.

use crate::error::FieldError;
use crate::reader::{read_layer, Schema};
use crate::{IngestError, IngestReport, LayerSource};
use geo::{Centroid, Geometry, Point};
use serde::Serialize;

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

/// A building (pand).
#[derive(Debug, Clone)]
pub struct Pand {
    /// BAG identifier.
    pub identificatie: String,
    pub status: Option<String>,
    pub gebruiksdoel: Option<String>,
    pub bouwjaar: Option<i32>,
    /// Floor area in m².
    pub oppervlakte: f64,
    pub leegstand: Leegstand,
    /// Footprint polygon or point, in RD New.
    pub geometry: Geometry,
    pub centroid: Point,
}

const SCHEMA: Schema = Schema {
    layer: "panden",
    required: &["identificatie", "oppervlakte", "leegstand"],
    optional: &["status", "gebruiksdoel", "bouwjaar"],
    needs_geometry: true,
};

pub fn read(source: &LayerSource, report: &mut IngestReport) -> Result<Vec<Pand>, IngestError> {
    read_layer(&SCHEMA, source, report, |row| {
        let raw = row.required("leegstand")?;
        let leegstand = raw.parse::<Leegstand>().map_err(|()| {
            FieldError::field(
                "leegstand",
                format!("'{raw}' is not one of bevestigd, vermoedelijk, nee, onbekend"),
            )
        })?;
        let oppervlakte = row.f64("oppervlakte")?;
        if oppervlakte < 0.0 {
            return Err(FieldError::field(
                "oppervlakte",
                format!("{oppervlakte} m² is negative"),
            ));
        }
        let bouwjaar = row
            .opt_i64("bouwjaar")?
            .map(|y| {
                i32::try_from(y)
                    .ok()
                    .filter(|y| (1000..=2100).contains(y))
                    .ok_or_else(|| {
                        FieldError::field("bouwjaar", format!("{y} is not a plausible year"))
                    })
            })
            .transpose()?;
        let geometry = row.geometry()?.clone();
        let centroid = match &geometry {
            Geometry::Point(p) => *p,
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => geometry
                .centroid()
                .ok_or_else(|| FieldError::field("geometry", "has no area"))?,
            _ => {
                return Err(FieldError::field(
                    "geometry",
                    "expected a polygon or a point",
                ))
            }
        };
        Ok(Pand {
            identificatie: row.required("identificatie")?.to_string(),
            status: row.get("status").map(str::to_string),
            gebruiksdoel: row.get("gebruiksdoel").map(str::to_string),
            bouwjaar,
            oppervlakte,
            leegstand,
            geometry,
            centroid,
        })
    })
}
