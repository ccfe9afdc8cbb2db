//! JSON endpoints.

pub mod downloads;
pub mod evidence;
pub mod explain;
pub mod export;
pub mod gemeenten;
pub mod map;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The web map's downloads, evidence overlays and search helpers.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/gemeenten/{statcode}/inspecties.csv",
            get(downloads::inspections_csv),
        )
        .route(
            "/api/gemeenten/{statcode}/inspecties.geojson",
            get(downloads::inspections_geojson),
        )
        .route(
            "/api/gemeenten/{statcode}/risico.tif",
            get(downloads::geotiff),
        )
        .route(
            "/api/gemeenten/{statcode}/risico.qml",
            get(downloads::qgis_style),
        )
        .route("/api/layers/dumpingen.geojson", get(evidence::dumpingen))
        .route("/api/layers/leegstand.geojson", get(evidence::leegstand))
        .route("/api/layers/rwzi.geojson", get(evidence::rwzi))
        .route("/api/layers/satelliet.geojson", get(evidence::satelliet))
        .route("/api/rd", get(evidence::rd_to_wgs84))
        .route("/api/panden/{identificatie}", get(evidence::pand))
}
