//! For the beheerder: `GET /api/beheer/gebruikers` and
//! `GET /api/beheer/audit?gebruiker=&sinds=`. Each call is itself audited.

use crate::access::audit;
use crate::access::policy::Caller;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::{Extension, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The built-in users (never their hashes).
pub async fn users(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let users = state
        .access
        .as_ref()
        .and_then(|a| a.users.as_ref())
        .map(|s| s.list())
        .unwrap_or_default();
    let names = users.iter().map(|u| u.naam.clone()).collect();
    caller.audit(None, names).await?;
    Ok(Json(Value::Array(
        users
            .into_iter()
            .map(|u| {
                json!({"naam": u.naam, "rol": u.rol.id(), "gemeenten": u.gemeenten, "aangemaakt": u.aangemaakt})
            })
            .collect(),
    )))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    gebruiker: Option<String>,
    /// `YYYY-MM-DD`: entries from that day on.
    sinds: Option<chrono::NaiveDate>,
}

/// The audit log's entries, filtered, with whether its chain is intact.
pub async fn audit_log(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let Some(access) = &state.access else {
        return Err(ApiError::NotFound("geen auditlog zonder [access]".into()));
    };
    // Audited first, so the answer includes its own line.
    caller.audit(None, Vec::new()).await?;
    let path = access.audit.path().to_path_buf();
    let (chain, entries) = tokio::task::spawn_blocking(move || {
        (
            audit::verify(&path).map_err(|e| e.to_string()),
            audit::read(&path),
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let entries = entries.map_err(|e| ApiError::Internal(e.to_string()))?;
    let since = q.sinds.map(|d| d.to_string());
    let selected: Vec<Value> = entries
        .into_iter()
        .filter(|(_, e)| q.gebruiker.as_ref().is_none_or(|u| &e.gebruiker == u))
        .filter(|(_, e)| since.as_ref().is_none_or(|d| e.tijd.as_str() >= d.as_str()))
        .map(|(nr, e)| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["nr"] = nr.into();
            v
        })
        .collect();
    Ok(Json(json!({
        "keten_intact": chain.is_ok(),
        "keten_fout": chain.err(),
        "regels": selected,
    })))
}
