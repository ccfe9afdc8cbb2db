//! Polygon validity.
//!
//! Self-intersecting rings, crossing holes and the like make areas and
//! point-in-polygon tests meaningless. A polygon that is not valid (OGC
//! simple features, as checked by `geo`'s [`Validation`]) is repaired with
//! GDAL's `MakeValid` using the STRUCTURE method — the union of the outer
//! rings minus the union of the holes, which turns a bow-tie into its two
//! triangles — and the repair is reported; what cannot be repaired into a
//! non-empty polygon is rejected.

use gdal::cpl::CslStringList;
use gdal::vector::ToGdal;
use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{Geometry, MultiPolygon, Validation};

/// Repairs `geometry` in place when it is an invalid (multi)polygon.
///
/// Returns a note saying what was repaired, or an error (Dutch) when it
/// cannot be. Other geometry kinds are left as they are.
///
/// ```
/// use buitenzicht_ingest::validate::polygons;
/// use geo::{polygon, Area, Geometry};
///
/// // A bow-tie: its two triangles of 50 m² each.
/// let mut g = Geometry::Polygon(polygon![
///     (x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)
/// ]);
/// let note = polygons(&mut g).unwrap();
/// assert!(note.is_some());
/// assert_eq!(g.unsigned_area(), 50.0);
/// ```
pub fn polygons(geometry: &mut Geometry) -> Result<Option<String>, String> {
    let problem = match &*geometry {
        Geometry::Polygon(p) => p.check_validation().err().map(|e| polygon_problem(&e)),
        Geometry::MultiPolygon(mp) => mp.check_validation().err().map(|e| match e {
            InvalidMultiPolygon::InvalidPolygon(i, e) => {
                format!("deel {}: {}", i.0 + 1, polygon_problem(&e))
            }
            InvalidMultiPolygon::ElementsOverlaps(a, b) => {
                format!("delen {} en {} overlappen", a.0 + 1, b.0 + 1)
            }
            InvalidMultiPolygon::ElementsTouchOnALine(a, b) => {
                format!(
                    "delen {} en {} raken elkaar langs een lijn",
                    a.0 + 1,
                    b.0 + 1
                )
            }
        }),
        _ => None,
    };
    let Some(problem) = problem else {
        return Ok(None);
    };
    let repaired = make_valid(geometry)
        .map_err(|_| format!("is ongeldig ({problem}) en kan niet tot een vlak hersteld worden"))?;
    if repaired.0.is_empty() {
        return Err(format!(
            "is ongeldig ({problem}); herstel laat geen vlak over"
        ));
    }
    *geometry = if repaired.0.len() == 1 {
        Geometry::Polygon(repaired.0[0].clone())
    } else {
        Geometry::MultiPolygon(repaired)
    };
    Ok(Some(format!(
        "was ongeldig ({problem}); hersteld met GDAL MakeValid (STRUCTURE)"
    )))
}

/// What `geo` found wrong with a polygon, in Dutch, counting from 1.
fn polygon_problem(problem: &InvalidPolygon) -> String {
    let ring = |r: &RingRole| match r {
        RingRole::Exterior => "de buitenring".to_string(),
        RingRole::Interior(i) => format!("binnenring {}", i + 1),
    };
    match problem {
        InvalidPolygon::TooFewPointsInRing(r) => {
            format!("{} heeft minder dan 3 verschillende punten", ring(r))
        }
        InvalidPolygon::SelfIntersection(r) => format!("{} snijdt zichzelf", ring(r)),
        InvalidPolygon::NonFiniteCoord(r, i) => {
            format!(
                "{} heeft een ongeldige coördinaat in punt {}",
                ring(r),
                i.0 + 1
            )
        }
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(r) => {
            format!("{} ligt niet binnen de buitenring", ring(r))
        }
        InvalidPolygon::IntersectingRingsOnALine(a, b) => {
            format!("{} en {} raken elkaar langs een lijn", ring(a), ring(b))
        }
        InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
            format!("{} en {} overlappen", ring(a), ring(b))
        }
    }
}

/// The polygonal parts of GDAL's repair of `geometry`.
fn make_valid(geometry: &Geometry) -> Result<MultiPolygon, String> {
    let gdal_geometry = geometry.to_gdal().map_err(|e| e.to_string())?;
    let mut options = CslStringList::new();
    options
        .set_name_value("METHOD", "STRUCTURE")
        .map_err(|e| e.to_string())?;
    let valid = gdal_geometry
        .make_valid(&options)
        .map_err(|e| e.to_string())?
        .to_geo()
        .map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    collect_polygons(valid, &mut parts);
    Ok(MultiPolygon::new(parts))
}

fn collect_polygons(g: Geometry, out: &mut Vec<geo::Polygon>) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(mp) => out.extend(mp.0),
        Geometry::GeometryCollection(gc) => {
            for g in gc.0 {
                collect_polygons(g, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn the_problem_is_said_in_dutch_and_repaired() {
        let bow_tie = polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)
        ];
        let mut g = Geometry::Polygon(bow_tie);
        let note = polygons(&mut g).unwrap().unwrap();
        assert_eq!(
            note,
            "was ongeldig (de buitenring snijdt zichzelf); hersteld met GDAL MakeValid (STRUCTURE)"
        );

        let square = |x: f64| polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0), (x: x + 10.0, y: 10.0), (x: x, y: 10.0)];
        let mut g = Geometry::MultiPolygon(MultiPolygon::new(vec![square(0.0), square(5.0)]));
        let note = polygons(&mut g).unwrap().unwrap();
        assert!(note.contains("(delen 1 en 2 overlappen)"), "{note}");
        assert_eq!(g.unsigned_area(), 150.0);
    }
}
