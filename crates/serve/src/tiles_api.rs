//! `GET /tiles/risk/{z}/{x}/{y}.png` and `GET /tiles/risk.json`.

use crate::error::ApiError;
use crate::state::AppState;
use crate::tiles::{render_tile, TileId};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// Parses `"{y}.png"`.
fn parse_y(file: &str) -> Option<u32> {
    file.strip_suffix(".png")?.parse().ok()
}

pub async fn risk_tile(
    State(state): State<Arc<AppState>>,
    Path((z, x, file)): Path<(u32, u32, String)>,
) -> Result<Response, ApiError> {
    let tile = parse_y(&file)
        .and_then(|y| TileId::new(z, x, y))
        .ok_or_else(|| ApiError::BadRequest(format!("{z}/{x}/{file} is not a tile address")))?;
    // Rendering is CPU work: keep it off the async workers.
    let rendered = tokio::task::spawn_blocking({
        let state = Arc::clone(&state);
        move || render_tile(&state.model.spec, &state.model.risk, &state.ramp, tile)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let body = rendered.unwrap_or_else(|| state.empty_tile.clone());
    Ok((
        [
            (header::CONTENT_TYPE, "image/png".to_string()),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        body,
    )
        .into_response())
}

/// TileJSON 3.0.0 for the risk layer.
pub async fn risk_tilejson(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Json<Value> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let [w, s, e, n] = state.bounds_wgs84;
    Json(json!({
        "tilejson": "3.0.0",
        "name": format!("{} – risico", state.name),
        "description": "Risico op drugscriminaliteit in het buitengebied (0–100), per cel van het RD-raster",
        "version": "1.0.0",
        "attribution": "buitenzicht",
        "scheme": "xyz",
        "tiles": [format!("http://{host}/tiles/risk/{{z}}/{{x}}/{{y}}.png?v={}", state.model.version)],
        "minzoom": 0,
        "maxzoom": crate::tiles::mercator::MAX_ZOOM,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, 11],
    }))
}
