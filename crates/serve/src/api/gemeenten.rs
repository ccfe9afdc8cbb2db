//! `GET /api/gemeenten` and `GET /api/gemeenten/{statcode}/inspecties`.

use crate::access::policy::Caller;
use crate::access::Role;
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;
use axum::extract::{Extension, State};
use axum::Json;
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use geo::BoundingRect;
use serde_json::{json, Value};
use std::sync::Arc;

/// Municipalities with their bounds (WGS84) and number of barns to inspect
/// (a `gemeente` user's own only; a `kvb` user's without the number).
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let to_wgs =
        Transformer::from_epsg(RD_NEW, WGS84).map_err(|e| ApiError::Internal(e.to_string()))?;
    let snapshot = state.current();
    let mut out = Vec::new();
    for (g, list) in snapshot.data.gemeenten.iter().zip(&snapshot.inspections) {
        if !caller.sees_gemeente(&g.statcode) {
            continue;
        }
        let bbox = match g.geometry.bounding_rect() {
            Some(r) => json!(to_wgs
                .bounds([r.min().x, r.min().y, r.max().x, r.max().y])
                .map_err(|e| ApiError::Internal(e.to_string()))?),
            None => Value::Null,
        };
        let mut item = json!({
            "statcode": g.statcode,
            "statnaam": g.statnaam,
            "bbox": bbox,
        });
        if caller.role() != Role::Kvb {
            item["aantal_inspecties"] = list.inspecties.len().into();
        }
        out.push(item);
    }
    Ok(Json(Value::Array(out)))
}

/// The ranked inspection list of one municipality.
pub async fn inspections(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(statcode): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.check_gemeente(&statcode)?;
    let snapshot = state.current();
    let list = snapshot
        .inspection_list(&statcode)
        .ok_or_else(|| ApiError::NotFound(format!("geen gemeente met statcode '{statcode}'")))?;
    let mut value = serde_json::to_value(list).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        map.insert("peildatum".into(), snapshot.model.as_of.to_string().into());
    }
    let ids = list
        .inspecties
        .iter()
        .map(|i| i.identificatie.clone())
        .collect();
    caller.audit(Some(&statcode), ids).await?;
    Ok(Json(value))
}
