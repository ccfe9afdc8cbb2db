//! Signing in and out of the web map, and who is signed in:
//! `POST /api/login`, `POST /api/logout`, `GET /api/me`.

use crate::access::policy::{client_ip, Caller};
use crate::access::sessions::COOKIE;
use crate::access::{session_cookie, Role, Source};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Extension, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    token: String,
}

fn cookie(state: &AppState, value: &str, max_age: u64) -> Result<HeaderValue, ApiError> {
    let secure = state.access.as_ref().is_some_and(|a| a.secure_cookie);
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))
}

fn me_json(state: &AppState, user: &crate::access::User) -> Value {
    let cell = state.current().model.spec.cell;
    let resolution = match user.role {
        Role::Kvb => state
            .access
            .as_ref()
            .map_or(500.0, |a| a.config.kvb_cel_m as f64),
        _ => cell,
    };
    json!({
        "naam": user.name,
        "rol": user.role.id(),
        "gemeenten": user.gemeenten,
        "resolutie_m": resolution,
        "lokaal": user.source == Source::Local,
    })
}

/// `POST /api/login` with `{"token": "..."}`: checks the token and starts a
/// session in an HttpOnly cookie (the map's tile images send it along).
pub async fn login(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match login_inner(&state, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn login_inner(state: &Arc<AppState>, request: Request) -> Result<Response, ApiError> {
    let Some(access) = &state.access else {
        return Err(ApiError::NotFound(
            "aanmelden is niet nodig: deze server draait zonder [access], alleen op deze computer"
                .into(),
        ));
    };
    let ip = client_ip(&request);
    // JSON only: a cross-site form cannot post it without CORS' consent.
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::BadRequest(
            "stuur {\"token\": \"...\"} als application/json".into(),
        ));
    }
    let body = axum::body::to_bytes(request.into_body(), 16 * 1024)
        .await
        .map_err(|_| ApiError::BadRequest("verzoek te groot".into()))?;
    let login: Login = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("stuur {\"token\": \"...\"}".into()))?;
    let verified = access.verify_token(login.token.trim(), ip).await?;
    let mut ttl = Duration::from_secs(access.config.session_hours * 3600);
    if let Some(left) = verified.expires_in {
        ttl = ttl.min(left);
    }
    let id = access.sessions.create(verified.user.clone(), ttl);
    let body = me_json(state, &verified.user);
    Ok((
        [(header::SET_COOKIE, cookie(state, &id, ttl.as_secs())?)],
        Json(body),
    )
        .into_response())
}

/// `POST /api/logout`: ends the session.
pub async fn logout(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let (Some(access), Some(id)) = (&state.access, session_cookie(request.headers())) {
        access.sessions.remove(id);
    }
    match cookie(&state, "", 0) {
        Ok(c) => ([(header::SET_COOKIE, c)], Json(json!({"afgemeld": true}))).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/me`: name, role, municipalities and resolution.
pub async fn me(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    Json(me_json(&state, &caller.user))
}
