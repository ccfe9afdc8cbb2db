//! Tile endpoints: `GET|HEAD /tiles/{layer}/{z}/{x}/{y}.png`,
//! `/tiles/{layer}.json` (TileJSON 3.0.0) and `/tiles/catalog.json`.
//!
//! HTTP behaviour: a strong `ETag` from the PNG bytes, `304 Not Modified`
//! on a matching `If-None-Match`, and `Cache-Control` that is `immutable`
//! for URLs carrying the current model version (`?v=`), short otherwise.

use crate::access::policy::Caller;
use crate::access::Role;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::{AppState, TileScope};
use crate::tiles::{render_tile, CachedTile, TileId, TileKey, TileLayer};
use axum::extract::{Extension, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Cache lifetime of a tile URL without the current version.
const SHORT_MAX_AGE: &str = "public, max-age=60";
/// Cache lifetime of a versioned tile URL: its content never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The same with access control: tiles depend on who asks, so no shared
/// cache may keep them.
const PRIVATE_SHORT_MAX_AGE: &str = "private, max-age=60";
const PRIVATE_IMMUTABLE: &str = "private, max-age=31536000, immutable";

/// The layers `caller` may have.
pub fn layers_for(caller: &Caller) -> Vec<TileLayer> {
    TileLayer::ALL
        .into_iter()
        .filter(|&l| caller.role() != Role::Kvb || l == TileLayer::Risk)
        .collect()
}

/// Renders class values (see [`crate::state::CLASS_VALUES`]) with every
/// pixel set to the nearest class colour: the bilinear blend at square
/// edges would otherwise draw risks between the classes.
fn render_classes(
    spec: &buitenzicht_score::GridSpec,
    values: &[f32],
    ramp: &crate::tiles::ColorRamp,
    tile: TileId,
) -> Result<Option<Vec<u8>>, crate::tiles::RenderError> {
    use crate::tiles::colormap::{LEVELS, TRANSPARENT};
    use crate::tiles::render::{encode_png, render_pixels, with_scratch};
    let map = crate::tiles::mercator::PixelMap::new(tile)?;
    let snap: Vec<u8> = (0..=255u8)
        .map(|i| {
            if i == TRANSPARENT {
                return i;
            }
            let risk = i as f32 * 100.0 / (LEVELS - 1) as f32;
            let nearest = crate::state::CLASS_VALUES
                .into_iter()
                .min_by(|a, b| (a - risk).abs().total_cmp(&(b - risk).abs()))
                .unwrap_or(risk);
            ramp.index(nearest)
        })
        .collect();
    with_scratch(|pixels| {
        if !render_pixels(spec, (values, 1.0), ramp, &map, pixels) {
            return Ok(None);
        }
        for p in pixels.iter_mut() {
            *p = snap[*p as usize];
        }
        Ok(Some(encode_png(pixels, ramp)?))
    })
}

/// What of `layer` `caller`'s tiles show, or why they may not have it.
fn scope_for(caller: &Caller, layer: TileLayer) -> Result<TileScope, ApiError> {
    if let Some(size) = caller.aggregated_to() {
        if layer != TileLayer::Risk {
            return Err(ApiError::Forbidden(format!(
                "laag {} is niet beschikbaar voor de rol {}: alleen het risico, per vierkant",
                layer.id(),
                caller.role()
            )));
        }
        return Ok(TileScope::Squares(size));
    }
    Ok(match caller.role() {
        Role::Gemeente => {
            let mut codes = caller.user.gemeenten.clone();
            codes.sort();
            TileScope::Gemeenten(codes)
        }
        _ => TileScope::All,
    })
}

#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

fn layer(id: &str) -> Result<TileLayer, ApiError> {
    TileLayer::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = TileLayer::ALL.iter().map(|l| l.id()).collect();
        ApiError::NotFound(format!("geen tegellaag '{id}' (lagen: {})", ids.join(", ")))
    })
}

/// True when `If-None-Match` names `etag` (or is `*`).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

pub async fn tile(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((layer_id, z, x, file)): Path<(String, u32, u32, String)>,
    Query(query): Query<VersionQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = layer(&layer_id)?;
    let tile = file
        .strip_suffix(".png")
        .and_then(|y| y.parse().ok())
        .and_then(|y| TileId::new(z, x, y))
        .ok_or_else(|| ApiError::BadRequest(format!("{z}/{x}/{file} is geen tegeladres")))?;
    let scope = scope_for(&caller, layer)?;
    let snapshot = state.current();
    let version = Arc::clone(&snapshot.version);
    let key = TileKey {
        version: Arc::clone(&version),
        scope: scope.key().into(),
        layer,
        tile,
    };
    let empty = state.empty_tile.clone();
    let cached = state
        .cache
        .get_or_render(key, async {
            let state = Arc::clone(&state);
            // Rendering is CPU work: keep it off the async workers.
            tokio::task::spawn_blocking(move || {
                let rendered = if let TileScope::Squares(_) = scope {
                    let (values, _) = state.scoped_values(&snapshot, layer, &scope);
                    render_classes(&snapshot.model.spec, &values, &state.ramp, tile)
                } else if scope == TileScope::All {
                    render_tile(
                        &snapshot.model.spec,
                        layer.values(&snapshot.model),
                        &state.ramp,
                        tile,
                    )
                } else {
                    let (values, factor) = state.scoped_values(&snapshot, layer, &scope);
                    render_tile(
                        &snapshot.model.spec,
                        (&values[..], factor),
                        &state.ramp,
                        tile,
                    )
                }
                .map_err(|e| e.to_string())?;
                Ok::<_, String>(CachedTile::new(rendered.map_or(empty, Into::into)))
            })
            .await
            .map_err(|e| e.to_string())?
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;

    let private = state.access.is_some();
    let cache_control = match (query.v.as_deref() == Some(&*version), private) {
        (true, false) => IMMUTABLE,
        (false, false) => SHORT_MAX_AGE,
        (true, true) => PRIVATE_IMMUTABLE,
        (false, true) => PRIVATE_SHORT_MAX_AGE,
    };
    let etag =
        HeaderValue::from_str(&cached.etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    let common = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
    ];
    if matches(&headers, &cached.etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))],
        cached.png,
    )
        .into_response())
}

/// The configured base URL; relative URLs when none is known. Never the
/// request's `Host` header, which a client can forge.
fn base_url(state: &AppState) -> String {
    state.base_url.get().cloned().unwrap_or_default()
}

fn tilejson(state: &AppState, layer: TileLayer, base: &str) -> Value {
    let snapshot = state.current();
    let [w, s, e, n] = snapshot.bounds_wgs84;
    json!({
        "tilejson": "3.0.0",
        "name": format!("{} – {}", state.name, layer.name(&snapshot.model)),
        "description": match layer {
            TileLayer::Risk => "Risico op drugscriminaliteit in het buitengebied (0–100)".to_string(),
            TileLayer::Indicator(i) => format!("Indicator {} (0–1, als 0–100 op dezelfde kleurschaal)", snapshot.model.label(i)),
        },
        "version": "1.0.0",
        "attribution": "buitenzicht",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.png?v={}", layer.id(), snapshot.version)],
        "minzoom": 0,
        "maxzoom": crate::tiles::mercator::MAX_ZOOM,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, 11],
    })
}

/// `GET /tiles/{layer}.json`.
pub async fn layer_tilejson(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound(format!("'/tiles/{file}' bestaat niet")))?;
    let layer = layer(id)?;
    scope_for(&caller, layer)?;
    Ok(Json(tilejson(&state, layer, &base_url(&state))))
}

/// `GET /tiles/catalog.json`: every layer with its TileJSON.
pub async fn catalog(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let base = base_url(&state);
    let snapshot = state.current();
    let layers: Vec<Value> = layers_for(&caller)
        .into_iter()
        .map(|l| {
            json!({
                "id": l.id(),
                "name": l.name(&snapshot.model),
                "tilejson": format!("{base}/tiles/{}.json", l.id()),
                "content_type": "image/png",
                "tiles": tilejson(&state, l, &base)["tiles"].clone(),
            })
        })
        .collect();
    Json(json!({ "version": &*state.current().version, "layers": layers }))
}
