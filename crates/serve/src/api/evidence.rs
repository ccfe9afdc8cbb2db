//! The evidence behind the score, as GeoJSON for the map's overlays, and a
//! coordinate conversion for the map's search box.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/layers/dumpingen.geojson` | dumpings up to the as-of date |
//! | `GET /api/layers/leegstand.geojson` | (probably) vacant buildings, points |
//! | `GET /api/layers/rwzi.geojson` | catchments with their sewage signal |
//! | `GET /api/layers/satelliet.geojson` | satellite tile footprints with dates |
//! | `GET /api/rd?x=&y=` | an RD New position in WGS84 |

use crate::access::policy::Caller;
use crate::access::Role;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::{AppState, Snapshot};
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::Leegstand;
use buitenzicht_products::export::rfc7946_geometry;
use geo::Geometry;
use geojson::Feature;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Whether the caller sees anything of a polygon: a `gemeente` user only
/// where it meets its own municipalities.
fn sees_area(caller: &Caller, snapshot: &Snapshot, area: &geo::MultiPolygon) -> bool {
    use geo::Intersects;
    caller.role() != Role::Gemeente
        || snapshot
            .data
            .gemeenten
            .iter()
            .any(|g| caller.sees_gemeente(&g.statcode) && g.geometry.intersects(area))
}

/// Features from (RD New geometry, properties) pairs, serialised off the
/// async runtime.
async fn collection<F>(build: F) -> Result<Response, ApiError>
where
    F: FnOnce() -> Vec<(Geometry, Value)> + Send + 'static,
{
    let body = tokio::task::spawn_blocking(move || -> Result<String, ApiError> {
        let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).map_err(internal)?;
        let mut features = Vec::new();
        for (geometry, properties) in build() {
            features.push(Feature {
                geometry: Some(rfc7946_geometry(&geometry, &to_wgs).map_err(internal)?),
                properties: properties.as_object().cloned(),
                ..Feature::default()
            });
        }
        serde_json::to_string(&buitenzicht_products::export::collection(features)).map_err(internal)
    })
    .await
    .map_err(internal)??;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// `GET /api/layers/dumpingen.geojson`: incidents dated up to the model's
/// as-of date, newest first; for a `gemeente` user only its own, with
/// their dates only (no incident id, method, volume or type).
pub async fn dumpingen(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let snapshot = state.current();
    let as_of = snapshot.model.as_of;
    let mut list: Vec<usize> = (0..snapshot.data.dumpingen.len())
        .filter(|&i| {
            let d = &snapshot.data.dumpingen[i];
            d.datum <= as_of && caller.sees_point(&snapshot.data, d.location)
        })
        .collect();
    list.sort_by_key(|&i| std::cmp::Reverse(snapshot.data.dumpingen[i].datum));
    let with_ids = caller.role() == Role::Analist;
    let ids = if with_ids {
        list.iter()
            .map(|&i| snapshot.data.dumpingen[i].incident_id.clone())
            .collect()
    } else {
        Vec::new()
    };
    caller.audit(None, ids).await?;
    collection(move || {
        list.into_iter()
            .map(|i| {
                let d = &snapshot.data.dumpingen[i];
                // A municipality may know that and when, not the police's
                // incident record (as in its explanations).
                let mut properties = json!({ "datum": d.datum.to_string() });
                if with_ids {
                    properties["incident_id"] = d.incident_id.clone().into();
                    properties["dumpingwijze"] = json!(d.dumpingwijze);
                    properties["volume_l"] = json!(d.volume_l);
                    properties["productietype"] = json!(d.productietype);
                }
                (Geometry::Point(d.location), properties)
            })
            .collect()
    })
    .await
}

/// `GET /api/layers/leegstand.geojson`: buildings recorded as vacant or
/// probably vacant, as points at their centroid.
pub async fn leegstand(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let snapshot = state.current();
    let shown: Vec<usize> = (0..snapshot.data.panden.len())
        .filter(|&i| {
            let p = &snapshot.data.panden[i];
            matches!(p.leegstand, Leegstand::Bevestigd | Leegstand::Vermoedelijk)
                && caller.sees_point(&snapshot.data, p.centroid)
        })
        .collect();
    let ids = shown
        .iter()
        .map(|&i| snapshot.data.panden[i].identificatie.clone())
        .collect();
    caller.audit(None, ids).await?;
    collection(move || {
        shown
            .into_iter()
            .map(|i| &snapshot.data.panden[i])
            .map(|p| {
                (
                    Geometry::Point(p.centroid),
                    json!({
                        "identificatie": p.identificatie,
                        "leegstand": p.leegstand.as_str(),
                        "leegstand_datum": p.leegstand_datum.map(|d| d.to_string()),
                        "oppervlakte_m2": p.oppervlakte.round(),
                        "gebruiksdoel": p.gebruiksdoel,
                        "bouwjaar": p.bouwjaar,
                    }),
                )
            })
            .collect()
    })
    .await
}

/// `GET /api/layers/rwzi.geojson`: each catchment with its sewage
/// indicator (0..1) and its spikes within the look-back period, newest
/// first.
pub async fn rwzi(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    caller.check_cells()?;
    let snapshot = state.current();
    collection(move || {
        let model = &snapshot.model;
        let lookback = model.config.riool.lookback_days;
        snapshot
            .data
            .rwzi
            .iter()
            .enumerate()
            .filter(|(_, r)| sees_area(&caller, &snapshot, &r.geometry))
            .map(|(i, r)| {
                let mut spikes: Vec<_> = model
                    .spikes
                    .iter()
                    .filter(|s| s.rwzi_code == r.rwzi_code)
                    .filter(|s| (model.as_of - s.datum).num_days() <= lookback)
                    .collect();
                spikes.sort_by_key(|s| std::cmp::Reverse(s.datum));
                let pieken: Vec<Value> = spikes
                    .iter()
                    .map(|s| {
                        json!({
                            "stof": s.stof,
                            "datum": s.datum.to_string(),
                            "ratio": (s.ratio * 10.0).round() / 10.0,
                            "racemisch": s.racemisch,
                        })
                    })
                    .collect();
                (
                    Geometry::MultiPolygon(r.geometry.clone()),
                    json!({
                        "rwzi_code": r.rwzi_code,
                        "rwzi_naam": r.rwzi_naam,
                        "inwoners": r.inwoners,
                        "signaal": model.catchment_scores.get(i).copied().unwrap_or(0.0),
                        "pieken": pieken,
                    }),
                )
            })
            .collect()
    })
    .await
}

/// `GET /api/layers/satelliet.geojson`: the outline and date of each
/// satellite tile (the anomaly itself is the `satelliet` tile layer).
pub async fn satelliet(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    caller.check_cells()?;
    let snapshot = state.current();
    collection(move || {
        snapshot
            .data
            .satelliet
            .iter()
            .filter(|t| {
                let footprint = geo::MultiPolygon::new(vec![t.footprint.clone()]);
                sees_area(&caller, &snapshot, &footprint)
            })
            .map(|t| {
                let naam = t
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    Geometry::Polygon(t.footprint.clone()),
                    json!({"naam": naam, "datum": t.datum.map(|d| d.to_string())}),
                )
            })
            .collect()
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct RdQuery {
    pub x: f64,
    pub y: f64,
}

/// `GET /api/rd?x=&y=`: an RD New (EPSG:28992) position in WGS84.
pub async fn rd_to_wgs84(Query(q): Query<RdQuery>) -> Result<Json<Value>, ApiError> {
    if !buitenzicht_ingest::crs::in_netherlands(q.x, q.y) {
        return Err(ApiError::BadRequest(format!(
            "x={} y={} is geen RD New-positie in Nederland",
            q.x, q.y
        )));
    }
    let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).map_err(internal)?;
    let [lon, lat] = to_wgs.point(q.x, q.y).map_err(internal)?;
    Ok(Json(json!({"lon": lon, "lat": lat})))
}

/// `GET /api/panden/{identificatie}`: where a building is (for the search
/// box), with its municipality when it lies in one.
pub async fn pand(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    crate::extract::Path(id): crate::extract::Path<String>,
) -> Result<Json<Value>, ApiError> {
    let snapshot = state.current();
    let pand = snapshot
        .data
        .panden
        .iter()
        .find(|p| p.identificatie == id)
        .ok_or_else(|| ApiError::NotFound(format!("geen pand met identificatie '{id}'")))?;
    if !caller.sees_point(&snapshot.data, pand.centroid) {
        return Err(ApiError::Forbidden(
            "dit pand ligt buiten uw gemeente(n)".into(),
        ));
    }
    caller.audit(None, vec![pand.identificatie.clone()]).await?;
    let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).map_err(internal)?;
    let [lon, lat] = to_wgs
        .point(pand.centroid.x(), pand.centroid.y())
        .map_err(internal)?;
    let gemeente = snapshot
        .inspections
        .iter()
        .find(|l| l.inspecties.iter().any(|i| i.identificatie == id))
        .map(|l| l.statcode.clone());
    Ok(Json(json!({
        "identificatie": pand.identificatie,
        "lon": lon,
        "lat": lat,
        "gemeente": gemeente,
    })))
}
