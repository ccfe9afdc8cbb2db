//! Files for people and other tools: inspection lists as CSV and as RFC 7946
//! GeoJSON (WGS84 lon/lat, counter-clockwise outer rings, no `crs`).

use crate::ProductError;
use buitenzicht_ingest::crs::Transformer;
use buitenzicht_ingest::Dataset;
use buitenzicht_score::Indicator;
use buitenzicht_score::InspectionList;
use geo::orient::{Direction, Orient};
use geo::{Geometry, MapCoords};
use geojson::{Feature, FeatureCollection, JsonObject};
use serde_json::json;
use std::path::Path;

/// An RD New geometry as RFC 7946 GeoJSON geometry: transformed to WGS84,
/// outer rings counter-clockwise and holes clockwise, 7 decimals (~1 cm).
pub fn rfc7946_geometry(
    geometry: &Geometry,
    to_wgs84: &Transformer,
) -> Result<geojson::Geometry, ProductError> {
    let mut g = geometry.clone();
    to_wgs84.geometry(&mut g)?;
    let g = match g {
        Geometry::Polygon(p) => Geometry::Polygon(p.orient(Direction::Default)),
        Geometry::MultiPolygon(mp) => Geometry::MultiPolygon(mp.orient(Direction::Default)),
        other => other,
    };
    let g = g
        .map_coords(|c| geo::coord! { x: (c.x * 1e7).round() / 1e7, y: (c.y * 1e7).round() / 1e7 });
    Ok(geojson::Geometry::from(&g))
}

/// The inspection list as a GeoJSON FeatureCollection of footprints.
pub fn inspection_geojson(
    list: &InspectionList,
    data: &Dataset,
    to_wgs84: &Transformer,
) -> Result<FeatureCollection, ProductError> {
    let mut features = Vec::with_capacity(list.inspecties.len());
    for item in &list.inspecties {
        let pand = &data.panden[item.pand];
        let mut properties = match serde_json::to_value(item) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => JsonObject::new(),
        };
        properties.insert("statcode".into(), json!(list.statcode));
        properties.insert("statnaam".into(), json!(list.statnaam));
        properties.insert("signalen".into(), json!(reasons(item)));
        features.push(Feature {
            geometry: Some(rfc7946_geometry(&pand.geometry, to_wgs84)?),
            properties: Some(properties),
            ..Feature::default()
        });
    }
    Ok(collection(features))
}

/// A FeatureCollection of `features` without a `bbox`. The geojson crate's
/// constructor gives an empty collection `"bbox": []`, which RFC 7946
/// (§5: 2·n numbers) does not allow.
pub fn collection(features: Vec<Feature>) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// Aggregated squares as a GeoJSON FeatureCollection of square polygons.
pub fn squares_geojson(
    squares: &[crate::aggregate::Square],
    model: &buitenzicht_score::RiskModel,
    to_wgs84: &Transformer,
) -> Result<FeatureCollection, ProductError> {
    let mut features = Vec::with_capacity(squares.len());
    for sq in squares {
        let rect = geo::Rect::new(
            geo::coord! { x: sq.x_min, y: sq.y_min },
            geo::coord! { x: sq.x_min + sq.grootte_m, y: sq.y_min + sq.grootte_m },
        );
        let mut properties = JsonObject::new();
        properties.insert("vierkant".into(), json!(sq.vierkant));
        properties.insert("grootte_m".into(), json!(sq.grootte_m));
        properties.insert("cellen".into(), json!(sq.cellen));
        properties.insert("risico_gem".into(), json!(round1(sq.risico_gem)));
        properties.insert("risico_max".into(), json!(round1(sq.risico_max)));
        properties.insert("klasse".into(), json!(sq.klasse));
        for ind in Indicator::ALL {
            properties.insert(
                format!("bijdrage_{}", ind.key()),
                json!(round1(sq.bijdrage_gem[ind.index()])),
            );
        }
        properties.insert("peildatum".into(), json!(model.as_of.to_string()));
        features.push(Feature {
            geometry: Some(rfc7946_geometry(
                &Geometry::Polygon(rect.to_polygon()),
                to_wgs84,
            )?),
            properties: Some(properties),
            ..Feature::default()
        });
    }
    Ok(collection(features))
}

fn round1(v: f32) -> f64 {
    (v as f64 * 10.0).round() / 10.0
}

/// The inspection list as CSV, one building per line.
pub fn inspection_csv(list: &InspectionList) -> String {
    let mut out = String::from(
        "statcode,rang,identificatie,leegstand,oppervlakte_m2,gebruiksdoel,bouwjaar,risico,relatief,\
         bijdrage_pand,bijdrage_leegstand,bijdrage_dumpingen,bijdrage_riool,bijdrage_satelliet,signalen,x_rd,y_rd,lon,lat\n",
    );
    for i in &list.inspecties {
        let b = &i.bijdragen;
        out.push_str(&format!(
            "{},{},{},{},{:.0},{},{},{:.1},{:.2},{:.1},{:.1},{:.1},{:.1},{:.1},{},{:.1},{:.1},{:.7},{:.7}\n",
            list.statcode,
            i.rang,
            csv_field(&i.identificatie),
            i.leegstand.as_str(),
            i.oppervlakte_m2,
            csv_field(i.gebruiksdoel.as_deref().unwrap_or("")),
            i.bouwjaar.map(|y| y.to_string()).unwrap_or_default(),
            i.risico,
            i.relatief,
            b.pand,
            b.leegstand,
            b.dumpingen,
            b.riool,
            b.satelliet,
            csv_field(&reasons(i)),
            i.x,
            i.y,
            i.lon,
            i.lat,
        ));
    }
    out
}

/// The top indicators as text, e.g. `dumpingen; leegstand`.
fn reasons(i: &buitenzicht_score::Inspection) -> String {
    i.belangrijkste
        .iter()
        .map(|k| k.key())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A text field of the input, written so that a spreadsheet shows it as
/// text: quoted where it holds a separator, quote or line break, and led by
/// an apostrophe where it starts like a formula (`=HYPERLINK(…)` from a
/// source file would otherwise run in Excel).
///
/// ```text
/// opslag            → opslag
/// schuur, leeg      → "schuur, leeg"
/// =HYPERLINK("x")   → "'=HYPERLINK(""x"")"
/// ```
fn csv_field(s: &str) -> String {
    let s = match s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{s}"),
        false => s.to_string(),
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Writes `bytes` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProductError> {
    buitenzicht_ingest::atomic::write(path, bytes).map_err(|source| ProductError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn text_fields_stay_text_in_a_spreadsheet() {
        assert_eq!(csv_field("opslag"), "opslag");
        assert_eq!(csv_field("schuur, leeg"), "\"schuur, leeg\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("regel\r\nnog een"), "\"regel\r\nnog een\"");
    }
}
