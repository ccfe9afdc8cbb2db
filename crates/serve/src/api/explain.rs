//! `GET /api/explain?lon=&lat=`: the risk at a point and why.

use crate::access::policy::Caller;
use crate::access::Role;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::{Extension, State};
use axum::Json;
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use serde::Deserialize;
use serde_json::Value;
use std::cell::RefCell;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
pub struct ExplainQuery {
    pub lon: f64,
    pub lat: f64,
}

thread_local! {
    static WGS84_TO_RD: RefCell<Option<Transformer>> = const { RefCell::new(None) };
}

fn to_rd(lon: f64, lat: f64) -> Result<[f64; 2], gdal::errors::GdalError> {
    WGS84_TO_RD.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Transformer::from_epsg(WGS84, RD_NEW)?);
        }
        match slot.as_ref() {
            Some(t) => t.point(lon, lat),
            None => Ok([f64::NAN, f64::NAN]),
        }
    })
}

/// Keeps of a dumping the date and distance: a municipality may know that
/// and when dumpings happened, not the police's incident records.
fn redact_incidents(value: &mut Value) {
    let Some(indicators) = value.get_mut("indicatoren").and_then(Value::as_array_mut) else {
        return;
    };
    for indicator in indicators {
        let Some(features) = indicator.get_mut("kenmerken").and_then(Value::as_array_mut) else {
            continue;
        };
        for f in features {
            if let Value::Object(map) = f {
                if map.get("soort").and_then(Value::as_str) == Some("dumping") {
                    map.retain(|k, _| matches!(k.as_str(), "soort" | "datum" | "afstand_m"));
                }
            }
        }
    }
}

/// The building and incident ids an explanation names (for the audit log).
fn named_ids(value: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for indicator in value["indicatoren"].as_array().into_iter().flatten() {
        for f in indicator["kenmerken"].as_array().into_iter().flatten() {
            for key in ["identificatie", "incident_id"] {
                if let Some(id) = f.get(key).and_then(Value::as_str) {
                    ids.push(id.to_string());
                }
            }
        }
    }
    ids
}

pub async fn explain(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ExplainQuery>,
) -> Result<Json<Value>, ApiError> {
    if !(q.lon.is_finite()
        && q.lat.is_finite()
        && (-180.0..=180.0).contains(&q.lon)
        && (-85.0..=85.0).contains(&q.lat))
    {
        return Err(ApiError::BadRequest(format!(
            "lon={} lat={} is geen WGS84-positie (lon −180..180, lat −85..85)",
            q.lon, q.lat
        )));
    }
    let [x, y] = to_rd(q.lon, q.lat).map_err(|e| ApiError::Internal(e.to_string()))?;
    let snapshot = state.current();
    // A `gemeente` user sees the buildings and dumpings of its own
    // municipalities; those across the border are counted only (the same
    // user gets `403` for such a building at `/api/panden`).
    let data = &snapshot.data;
    let shown = |p: geo::Point| caller.sees_point(data, p);
    let explanation = buitenzicht_score::explain_for(data, &snapshot.model, x, y, &shown);
    let statcode = explanation.gemeente.as_ref().map(|g| g.statcode.clone());
    if caller.role() == Role::Gemeente {
        match &statcode {
            Some(code) => caller.check_gemeente(code)?,
            None => {
                return Err(ApiError::Forbidden(
                    "dit punt ligt buiten uw gemeente(n)".into(),
                ))
            }
        }
    }
    let mut value =
        serde_json::to_value(&explanation).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        map.insert("lon".into(), q.lon.into());
        map.insert("lat".into(), q.lat.into());
        map.insert("peildatum".into(), snapshot.model.as_of.to_string().into());
    }
    if caller.role() == Role::Gemeente {
        redact_incidents(&mut value);
    }
    caller.audit(statcode.as_deref(), named_ids(&value)).await?;
    Ok(Json(value))
}
