//! axum's `Path` and `Query` with their rejections as the API's own errors:
//! a Dutch JSON `400` like every other refusal, not axum's English text.

use crate::ApiError;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// [`axum::extract::Path`], refused in Dutch.
pub struct Path<T>(pub T);

/// [`axum::extract::Query`], refused in Dutch.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(t)) => Ok(Path(t)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(ApiError::BadRequest(
                format!("{} is geen geldig adres", parts.uri.path()),
            )),
            Err(e) => Err(ApiError::Internal(e.body_text())),
        }
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(t)) => Ok(Query(t)),
            Err(e) => Err(ApiError::BadRequest(query_reason(&e.body_text()))),
        }
    }
}

/// serde's reason for a query string it could not read, in Dutch.
///
/// ```text
/// Failed to deserialize query string: duplicate field `gemeente`  →  parameter `gemeente` staat er twee keer in
/// Failed to deserialize query string: cel: invalid digit found in string  →  parameter `cel` heeft een ongeldige waarde
/// ```
fn query_reason(text: &str) -> String {
    let reason = text
        .split_once("query string: ")
        .map_or(text, |(_, r)| r)
        .trim();
    let quoted = |prefix: &str| {
        reason
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('`'))
            .and_then(|r| r.split('`').next())
            .map(str::to_string)
    };
    if let Some(name) = quoted("duplicate field ") {
        return format!("parameter `{name}` staat er meer dan eens in");
    }
    if let Some(name) = quoted("missing field ") {
        return format!("parameter `{name}` ontbreekt");
    }
    if let Some(value) = quoted("unknown variant ") {
        return format!("onbekende waarde `{value}` in de parameters");
    }
    match reason.split_once(": ") {
        Some((name, _))
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            format!("parameter `{name}` heeft een ongeldige waarde")
        }
        _ => "de parameters van het adres zijn ongeldig".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_reasons_are_dutch() {
        let r = |s: &str| query_reason(&format!("Failed to deserialize query string: {s}"));
        assert_eq!(
            r("duplicate field `gemeente`"),
            "parameter `gemeente` staat er meer dan eens in"
        );
        assert_eq!(
            r("cel: invalid digit found in string"),
            "parameter `cel` heeft een ongeldige waarde"
        );
        assert_eq!(r("missing field `x`"), "parameter `x` ontbreekt");
        assert_eq!(
            r("iets anders"),
            "de parameters van het adres zijn ongeldig"
        );
    }
}
