//! Files to take away for one municipality: the inspection list as CSV and
//! GeoJSON, and the risk grid clipped to the municipality as a GeoTIFF with
//! its QGIS style.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/gemeenten/{statcode}/inspecties.csv` | ranked barns, CSV |
//! | `GET /api/gemeenten/{statcode}/inspecties.geojson` | ranked barns, footprints |
//! | `GET /api/gemeenten/{statcode}/risico.tif` | float32 GeoTIFF, RD New |
//! | `GET /api/gemeenten/{statcode}/risico.qml` | QGIS style for the GeoTIFF |

use crate::access::policy::Caller;
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::{AppState, Snapshot};
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_products::export::{inspection_csv, inspection_geojson};
use buitenzicht_products::geotiff::write_gemeente_geotiff;
use buitenzicht_products::tiles::ColorRamp;
use std::sync::Arc;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Index of the municipality `statcode` in `Dataset::gemeenten`, once the
/// caller may see it.
fn gemeente_index(caller: &Caller, snapshot: &Snapshot, statcode: &str) -> Result<usize, ApiError> {
    caller.check_gemeente(statcode)?;
    snapshot
        .data
        .gemeente_index(statcode)
        .ok_or_else(|| ApiError::NotFound(format!("geen gemeente met statcode '{statcode}'")))
}

/// A download: content type, file name and body.
fn attachment(content_type: &'static str, name: String, body: impl IntoResponse) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// File name for a municipality's download, e.g. `GM0001-inspecties.csv`.
/// The statcode is known to name a municipality, but only its safe
/// characters go into the header.
fn file_name(statcode: &str, rest: &str) -> String {
    let code: String = statcode
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("{code}-{rest}")
}

/// The audit line of a list download: the buildings it names.
async fn audit_list(
    caller: &Caller,
    snapshot: &Snapshot,
    g: usize,
    statcode: &str,
) -> Result<(), ApiError> {
    let ids = snapshot.inspections[g]
        .inspecties
        .iter()
        .map(|i| i.identificatie.clone())
        .collect();
    caller.audit(Some(statcode), ids).await
}

/// `GET /api/gemeenten/{statcode}/inspecties.csv`.
pub async fn inspections_csv(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(statcode): Path<String>,
) -> Result<Response, ApiError> {
    let snapshot = state.current();
    let g = gemeente_index(&caller, &snapshot, &statcode)?;
    audit_list(&caller, &snapshot, g, &statcode).await?;
    let body = inspection_csv(&snapshot.inspections[g]);
    Ok(attachment(
        "text/csv; charset=utf-8",
        file_name(&statcode, "inspecties.csv"),
        body,
    ))
}

/// `GET /api/gemeenten/{statcode}/inspecties.geojson`.
pub async fn inspections_geojson(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(statcode): Path<String>,
) -> Result<Response, ApiError> {
    let snapshot = state.current();
    let g = gemeente_index(&caller, &snapshot, &statcode)?;
    audit_list(&caller, &snapshot, g, &statcode).await?;
    let body = tokio::task::spawn_blocking(move || -> Result<String, ApiError> {
        let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).map_err(internal)?;
        let collection = inspection_geojson(&snapshot.inspections[g], &snapshot.data, &to_wgs)
            .map_err(internal)?;
        serde_json::to_string(&collection).map_err(internal)
    })
    .await
    .map_err(internal)??;
    Ok(attachment(
        "application/geo+json",
        file_name(&statcode, "inspecties.geojson"),
        body,
    ))
}

/// `GET /api/gemeenten/{statcode}/risico.tif`: written by the same code as
/// `buitenzicht export geotiff`, through a temporary file.
pub async fn geotiff(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(statcode): Path<String>,
) -> Result<Response, ApiError> {
    caller.check_cells()?;
    let snapshot = state.current();
    let g = gemeente_index(&caller, &snapshot, &statcode)?;
    let code = statcode.clone();
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let dir = tempfile::tempdir().map_err(internal)?;
        let path = dir.path().join("risico.tif");
        write_gemeente_geotiff(&snapshot.model, g as u32 + 1, &path)
            .map_err(internal)?
            .ok_or_else(|| ApiError::NotFound(format!("{code} heeft geen cel op het raster")))?;
        std::fs::read(&path).map_err(internal)
    })
    .await
    .map_err(internal)??;
    Ok(attachment(
        "image/tiff",
        file_name(&statcode, "risico.tif"),
        bytes,
    ))
}

/// `GET /api/gemeenten/{statcode}/risico.qml`: the QGIS style; saved beside
/// the GeoTIFF under the same name, QGIS applies it on opening.
pub async fn qgis_style(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(statcode): Path<String>,
) -> Result<Response, ApiError> {
    caller.check_cells()?;
    gemeente_index(&caller, &state.current(), &statcode)?;
    Ok(attachment(
        "application/xml; charset=utf-8",
        file_name(&statcode, "risico.qml"),
        ColorRamp::default().qgis_style(),
    ))
}
