//! What the web map needs besides tiles: settings, legend and outlines.

use crate::access::policy::Caller;
use crate::state::AppState;
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /api/config`: name, bounds, base map and model version.
pub async fn config(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let snapshot = state.current();
    Json(json!({
        "naam": state.name,
        "bounds": snapshot.bounds_wgs84,
        "peildatum": snapshot.model.as_of.to_string(),
        "versie": &*snapshot.version,
        "celgrootte_m": snapshot.model.spec.cell,
        "lagen": crate::tiles_api::layers_for(&caller).iter().map(|l| json!({"id": l.id(), "naam": l.name(&snapshot.model)})).collect::<Vec<_>>(),
        "basemap_url": state.basemap_url,
        "basemap_attribution": state.basemap_attribution,
        "locatieserver_url": state.locatieserver_url,
    }))
}

/// `GET /api/legend`: colour stops of the risk ramp.
pub async fn legend(State(state): State<Arc<AppState>>) -> Json<Value> {
    let stops: Vec<Value> = state
        .ramp
        .legend(10)
        .into_iter()
        .map(|(risk, color)| json!({"risico": risk, "kleur": color}))
        .collect();
    Json(json!({ "titel": "Risico (0–100)", "stops": stops }))
}

fn geojson(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/geo+json")], body)
}

/// `GET /api/layers/gemeenten.geojson`.
pub async fn gemeenten(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    geojson(state.current().gemeenten_geojson.clone())
}

/// `GET /api/layers/bebouwde_kom.geojson`.
pub async fn bebouwde_kom(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    geojson(state.current().kom_geojson.clone())
}
