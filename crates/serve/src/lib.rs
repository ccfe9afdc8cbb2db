//! Serving stage of buitenzicht: an axum server with XYZ risk tiles,
//! TileJSON, the explanation and inspection API, and the web map.
//!
//! | route | what |
//! |---|---|
//! | `GET /tiles/{layer}/{z}/{x}/{y}.png` | 256×256 Web Mercator tile (`risk` or an indicator) |
//! | `GET /tiles/{layer}.json` | TileJSON 3.0.0 |
//! | `GET /tiles/catalog.json` | the tile layers |
//! | `GET /api/explain?lon=&lat=` | risk at a point and why |
//! | `GET /api/export.geojson?gemeente=&bbox=&cel=&inhoud=` | GeoJSON export |
//! | `GET /api/gemeenten` | municipalities with bounds |
//! | `GET /api/gemeenten/{statcode}/inspecties` | ranked inspection list |
//! | `GET /api/layers/{gemeenten,bebouwde_kom}.geojson` | outlines |
//! | `GET /api/gemeenten/{statcode}/{inspecties.csv,inspecties.geojson,risico.tif,risico.qml}` | downloads |
//! | `GET /api/layers/{dumpingen,leegstand,rwzi,satelliet}.geojson` | evidence overlays |
//! | `GET /api/rd?x=&y=`, `GET /api/panden/{id}` | search: RD New position, building |
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
pub use state::{AppState, Snapshot, StateError};

use axum::http::Method;
use axum::routing::get;
use axum::Router;
use std::path::Path;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

/// The application's routes over `state`, with the web map from `web_dir`.
pub fn router(state: Arc<AppState>, web_dir: &Path) -> Router {
    let leaflet = ServeDir::new(web_dir.join("node_modules/leaflet/dist"));
    let pmtiles = ServeDir::new(web_dir.join("node_modules/pmtiles/dist"));
    Router::new()
        .route("/tiles/catalog.json", get(tiles_api::catalog))
        .route("/tiles/{file}", get(tiles_api::layer_tilejson))
        .route("/tiles/{layer}/{z}/{x}/{file}", get(tiles_api::tile))
        .route("/api/explain", get(api::explain::explain))
        .route("/api/export.geojson", get(api::export::export_geojson))
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
        .merge(api::routes())
        .route("/api/config", get(api::map::config))
        .route("/api/legend", get(api::map::legend))
        .nest_service("/vendor/leaflet", leaflet)
        .nest_service("/vendor/pmtiles", pmtiles)
        .fallback_service(ServeDir::new(web_dir))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD]),
        )
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// Rescoring for a running server: builds a fresh snapshot from the inputs.
pub type Rescore = Arc<dyn Fn() -> Result<Snapshot, String> + Send + Sync>;

/// Serves `state` on `listener` until Ctrl-C. With `rescore`, a SIGHUP
/// re-ingests and rescores the inputs and swaps the new model in.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    web_dir: &Path,
    rescore: Option<Rescore>,
) -> std::io::Result<()> {
    let state = Arc::new(state);
    if let Some(rescore) = rescore {
        tokio::spawn(reload_on_hangup(Arc::clone(&state), rescore));
    }
    let app = router(state, web_dir);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

#[cfg(unix)]
async fn reload_on_hangup(state: Arc<AppState>, rescore: Rescore) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    while hangups.recv().await.is_some() {
        let rescore = Arc::clone(&rescore);
        match tokio::task::spawn_blocking(move || rescore()).await {
            Ok(Ok(snapshot)) => {
                eprintln!("nieuw model geladen: versie {}", snapshot.version);
                state.replace(snapshot);
            }
            Ok(Err(e)) => eprintln!("herberekenen mislukt, het oude model blijft: {e}"),
            Err(e) => eprintln!("herberekenen mislukt, het oude model blijft: {e}"),
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_state: Arc<AppState>, _rescore: Rescore) {}
