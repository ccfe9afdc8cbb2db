//! `GET /api/export.geojson`: GeoJSON for QGIS and partners.
//!
//! `inhoud=aggregaat` (the default) gives risk per RD-aligned square of
//! `cel` metres (250, 500 or 1000); `inhoud=inspecties` gives a
//! municipality's ranked barns. Scope with `gemeente=GM####` and/or
//! `bbox=west,south,east,north` (WGS84).

use crate::access::policy::{Caller, Rule};
use crate::access::Role;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::{AppState, Snapshot};
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::Dataset;
use buitenzicht_products::aggregate::{aggregate, Gemeente};
use buitenzicht_products::export::{inspection_geojson, squares_geojson};
use geojson::FeatureCollection;
use serde::Deserialize;
use std::sync::Arc;

/// What to export.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExportRequest {
    /// CBS code of a municipality.
    pub gemeente: Option<String>,
    /// `west,south,east,north` in WGS84 degrees.
    pub bbox: Option<String>,
    /// Square size in metres: 250, 500 (default) or 1000.
    pub cel: Option<u32>,
    /// `aggregaat` (default) or `inspecties`.
    pub inhoud: Option<String>,
    /// A municipality's squares each over all their cells (set for a role
    /// that sees squares only; never from the query).
    #[serde(skip)]
    pub whole_squares: bool,
}

fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let bad = || {
        ApiError::BadRequest(format!(
            "bbox '{text}' is niet west,zuid,oost,noord in WGS84-graden (lengte −180..180 en west < oost, breedte −90..90 en zuid < noord)"
        ))
    };
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [w, s, e, n] = <[f64; 4]>::try_from(v).map_err(|_| bad())?;
    let ok = [w, s, e, n].iter().all(|v| v.is_finite())
        && (-180.0..=180.0).contains(&w)
        && (-180.0..=180.0).contains(&e)
        && (-90.0..=90.0).contains(&s)
        && (-90.0..=90.0).contains(&n)
        && w < e
        && s < n;
    // Beyond ±85° the transforms have no meaning; a box reaching the poles
    // (a map's "everything") covers the same Netherlands without them.
    ok.then_some([w, s.max(-85.0), e, n.min(85.0)])
        .ok_or_else(bad)
}

/// An export request checked against the data alone (no scoring needed):
/// the municipality exists, the content and square size are known, the
/// box parses.
#[derive(Debug, Clone, Copy)]
pub enum Checked {
    /// A municipality's ranked buildings, by its index in `gemeenten`.
    Inspecties(usize),
    /// Squares of `size` metres, within the municipality and the box.
    Aggregaat {
        size: u32,
        gemeente: Option<usize>,
        bbox: Option<[f64; 4]>,
    },
}

/// Checks `request` against `data`: what the CLI does before it scores,
/// so that a wrong code or box fails in seconds rather than after the run.
pub fn check_request(data: &Dataset, request: &ExportRequest) -> Result<Checked, ApiError> {
    let gemeente = request
        .gemeente
        .as_deref()
        .map(|code| {
            data.gemeente_index(code)
                .ok_or_else(|| ApiError::NotFound(format!("geen gemeente met statcode '{code}'")))
        })
        .transpose()?;
    match request.inhoud.as_deref().unwrap_or("aggregaat") {
        // The list is the municipality's whole: a box or square size would
        // be ignored without a word.
        "inspecties" if request.bbox.is_some() || request.cel.is_some() => {
            Err(ApiError::BadRequest(
                "inhoud=inspecties geeft de hele lijst van de gemeente; bbox en cel gelden alleen voor inhoud=aggregaat".into(),
            ))
        }
        "inspecties" => gemeente
            .map(Checked::Inspecties)
            .ok_or_else(|| ApiError::BadRequest("inhoud=inspecties vraagt gemeente=GM####".into())),
        "aggregaat" => {
            let size = request.cel.unwrap_or(500);
            if ![250, 500, 1000].contains(&size) {
                return Err(ApiError::BadRequest(format!(
                    "cel={size}: kies 250, 500 of 1000"
                )));
            }
            let bbox = request.bbox.as_deref().map(parse_bbox).transpose()?;
            Ok(Checked::Aggregaat {
                size,
                gemeente,
                bbox,
            })
        }
        other => Err(ApiError::BadRequest(format!(
            "inhoud={other}: kies aggregaat of inspecties"
        ))),
    }
}

/// Builds the export for `request` from `snapshot`.
pub fn build_export(
    snapshot: &Snapshot,
    request: &ExportRequest,
) -> Result<FeatureCollection, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).map_err(|e| internal(&e))?;
    match check_request(&snapshot.data, request)? {
        Checked::Inspecties(g) => {
            inspection_geojson(&snapshot.inspections[g], &snapshot.data, &to_wgs)
                .map_err(|e| internal(&e))
        }
        Checked::Aggregaat {
            size,
            gemeente,
            bbox,
        } => {
            let bbox_rd = match bbox {
                None => None,
                Some(bbox) => {
                    let to_rd = Transformer::from_epsg(WGS84, RD_NEW).map_err(|e| internal(&e))?;
                    Some(to_rd.bounds(bbox).map_err(|e| internal(&e))?)
                }
            };
            let within = match (gemeente.map(|g| g as u32 + 1), request.whole_squares) {
                (None, _) => Gemeente::All,
                (Some(g), false) => Gemeente::CellsOf(g),
                (Some(g), true) => Gemeente::SquaresOf(g),
            };
            let squares = aggregate(&snapshot.model, size as f64, bbox_rd, within)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?;
            squares_geojson(&squares, &snapshot.model, &to_wgs).map_err(|e| internal(&e))
        }
    }
}

/// Narrows `request` to what `caller` may have: a `gemeente` user's own
/// municipality, a `kvb` user's square size at least their resolution.
fn scope_request(caller: &Caller, mut request: ExportRequest) -> Result<ExportRequest, ApiError> {
    if caller.role() == Role::Gemeente {
        match (&request.gemeente, &caller.user.gemeenten[..]) {
            (Some(code), _) => caller.check_gemeente(code)?,
            (None, [only]) => request.gemeente = Some(only.clone()),
            (None, _) => {
                return Err(ApiError::Forbidden(format!(
                    "kies een van uw gemeenten met gemeente= ({})",
                    caller.user.gemeenten.join(", ")
                )))
            }
        }
    }
    if let Some(size) = caller.aggregated_to() {
        // A square size the role may not have is refused, not silently
        // enlarged (a size no one may have is refused as for anyone).
        match request.cel {
            Some(c) if [250, 500, 1000].contains(&c) && c < size => {
                return Err(ApiError::Forbidden(format!(
                    "cel={c}: uw rol krijgt vierkanten van minstens {size} m; kies {}",
                    if size < 1000 {
                        format!("cel={size} of 1000")
                    } else {
                        "cel=1000".into()
                    }
                )));
            }
            Some(_) => {}
            None => request.cel = Some(size),
        }
        request.whole_squares = true;
    }
    Ok(request)
}

/// A `kvb` user's squares hold the class only.
const KVB_PROPERTIES: [&str; 4] = ["vierkant", "grootte_m", "klasse", "peildatum"];

pub async fn export_geojson(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Query(request): Query<ExportRequest>,
) -> Result<Response, ApiError> {
    let request = scope_request(&caller, request)?;
    let snapshot = state.current();
    let building = request.inhoud.as_deref() == Some("inspecties");
    // The guard chose the rule from the raw query; should the two readings
    // ever differ, building-level data still needs its rule's checks.
    if building && (!Rule::BuildingLevel.admits(caller.role()) || caller.purpose.is_none()) {
        return Err(ApiError::Forbidden(
            "gegevens per pand vragen een rol met inzage per pand en een Doelbinding".into(),
        ));
    }
    let gemeente = request.gemeente.clone();
    let mut collection = tokio::task::spawn_blocking(move || build_export(&snapshot, &request))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    if caller.aggregated_to().is_some() {
        for f in &mut collection.features {
            if let Some(p) = &mut f.properties {
                p.retain(|k, _| KVB_PROPERTIES.contains(&k.as_str()));
            }
        }
    }
    if building {
        let ids = collection
            .features
            .iter()
            .filter_map(|f| f.property("identificatie")?.as_str().map(String::from))
            .collect();
        caller.audit(gemeente.as_deref(), ids).await?;
    }
    let body = serde_json::to_string(&collection).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"buitenzicht.geojson\"",
            ),
        ],
        body,
    )
        .into_response())
}
