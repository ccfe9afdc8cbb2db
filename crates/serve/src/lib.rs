//! Serving stage of buitenzicht: an axum server with XYZ risk tiles,
//! TileJSON, the explanation and inspection API, and the web map.
//!
//! | route | what |
//! |---|---|
//! | `GET /tiles/risk/{z}/{x}/{y}.png` | 256×256 Web Mercator tile |
//! | `GET /tiles/risk.json` | TileJSON 3.0.0 |
//! | `GET /api/explain?lon=&lat=` | risk at a point and why |
//! | `GET /api/gemeenten` | municipalities with bounds |
//! | `GET /api/gemeenten/{statcode}/inspecties` | ranked inspection list |
//! | `GET /api/layers/{gemeenten,bebouwde_kom}.geojson` | outlines |
//! | `GET /api/config`, `GET /api/legend` | map settings, colour ramp |
//! | `GET /` | the web map |

pub mod api;
pub mod config;
pub mod error;
pub mod state;
pub mod tiles;
mod tiles_api;

pub use config::ServeConfig;
pub use error::ApiError;
pub use state::{AppState, StateError};

use axum::routing::get;
use axum::Router;
use std::path::Path;
use std::sync::Arc;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;

/// The application's routes over `state`, with the web map from `web_dir`.
pub fn router(state: Arc<AppState>, web_dir: &Path) -> Router {
    let leaflet = ServeDir::new(web_dir.join("node_modules/leaflet/dist"));
    Router::new()
        .route("/tiles/risk.json", get(tiles_api::risk_tilejson))
        .route("/tiles/risk/{z}/{x}/{file}", get(tiles_api::risk_tile))
        .route("/api/explain", get(api::explain::explain))
        .route("/api/gemeenten", get(api::gemeenten::list))
        .route(
            "/api/gemeenten/{statcode}/inspecties",
            get(api::gemeenten::inspections),
        )
        .route("/api/layers/gemeenten.geojson", get(api::map::gemeenten))
        .route(
            "/api/layers/bebouwde_kom.geojson",
            get(api::map::bebouwde_kom),
        )
        .route("/api/config", get(api::map::config))
        .route("/api/legend", get(api::map::legend))
        .nest_service("/vendor/leaflet", leaflet)
        .fallback_service(ServeDir::new(web_dir))
        .layer(CorsLayer::permissive())
        .with_state(state)
}

/// Serves `state` on `listener` until Ctrl-C.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    web_dir: &Path,
) -> std::io::Result<()> {
    let app = router(Arc::new(state), web_dir);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
