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
//! | `POST /api/login`, `POST /api/logout`, `GET /api/me` | web-map session |
//! | `GET /api/beheer/gebruikers`, `GET /api/beheer/audit` | users and audit log |
//! | `GET /` | the web map |
//!
//! Who may use which route is in [`routes`] (each with its
//! [`access::policy::Rule`]) and decided by [`access::policy::authorize`].

pub mod access;
pub mod api;
pub mod config;
pub mod error;
mod extract;
pub mod state;
pub mod tiles;
mod tiles_api;

pub use config::ServeConfig;
pub use error::ApiError;
pub use state::{AppState, Snapshot, StateError};

use access::policy::{authorize, Guard, Rule};
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

/// One route: its path, method, who may use it, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub rule: Rule,
    pub handler: MethodRouter<Arc<AppState>>,
}

/// Every API route. The router is built from this table only, so a route
/// cannot exist without a rule; the access tests walk it.
pub fn routes() -> Vec<Route> {
    let r = |method: Method, path, rule, handler| Route {
        method,
        path,
        rule,
        handler,
    };
    use Method as M;
    vec![
        r(
            M::GET,
            "/tiles/catalog.json",
            Rule::Map,
            get(tiles_api::catalog),
        ),
        r(
            M::GET,
            "/tiles/{file}",
            Rule::Map,
            get(tiles_api::layer_tilejson),
        ),
        r(
            M::GET,
            "/tiles/{layer}/{z}/{x}/{file}",
            Rule::Map,
            get(tiles_api::tile),
        ),
        r(
            M::GET,
            "/api/explain",
            Rule::BuildingLevel,
            get(api::explain::explain),
        ),
        r(
            M::GET,
            "/api/export.geojson",
            Rule::Export,
            get(api::export::export_geojson),
        ),
        r(
            M::GET,
            "/api/gemeenten",
            Rule::Map,
            get(api::gemeenten::list),
        ),
        r(
            M::GET,
            "/api/gemeenten/{statcode}/inspecties",
            Rule::BuildingLevel,
            get(api::gemeenten::inspections),
        ),
        r(
            M::GET,
            "/api/layers/gemeenten.geojson",
            Rule::AnyUser,
            get(api::map::gemeenten),
        ),
        r(
            M::GET,
            "/api/layers/bebouwde_kom.geojson",
            Rule::AnyUser,
            get(api::map::bebouwde_kom),
        ),
        r(
            M::GET,
            "/api/gemeenten/{statcode}/inspecties.csv",
            Rule::BuildingLevel,
            get(api::downloads::inspections_csv),
        ),
        r(
            M::GET,
            "/api/gemeenten/{statcode}/inspecties.geojson",
            Rule::BuildingLevel,
            get(api::downloads::inspections_geojson),
        ),
        r(
            M::GET,
            "/api/gemeenten/{statcode}/risico.tif",
            Rule::Map,
            get(api::downloads::geotiff),
        ),
        r(
            M::GET,
            "/api/gemeenten/{statcode}/risico.qml",
            Rule::Map,
            get(api::downloads::qgis_style),
        ),
        r(
            M::GET,
            "/api/layers/dumpingen.geojson",
            Rule::BuildingLevel,
            get(api::evidence::dumpingen),
        ),
        r(
            M::GET,
            "/api/layers/leegstand.geojson",
            Rule::BuildingLevel,
            get(api::evidence::leegstand),
        ),
        r(
            M::GET,
            "/api/layers/rwzi.geojson",
            Rule::Map,
            get(api::evidence::rwzi),
        ),
        r(
            M::GET,
            "/api/layers/satelliet.geojson",
            Rule::Map,
            get(api::evidence::satelliet),
        ),
        r(
            M::GET,
            "/api/rd",
            Rule::AnyUser,
            get(api::evidence::rd_to_wgs84),
        ),
        r(
            M::GET,
            "/api/panden/{identificatie}",
            Rule::BuildingLevel,
            get(api::evidence::pand),
        ),
        r(M::GET, "/api/config", Rule::AnyUser, get(api::map::config)),
        r(M::GET, "/api/legend", Rule::AnyUser, get(api::map::legend)),
        r(M::GET, "/api/me", Rule::AnyUser, get(api::session::me)),
        r(M::POST, "/api/login", Rule::Open, post(api::session::login)),
        r(
            M::POST,
            "/api/logout",
            Rule::Open,
            post(api::session::logout),
        ),
        r(
            M::GET,
            "/api/beheer/gebruikers",
            Rule::Admin,
            get(api::admin::users),
        ),
        r(
            M::GET,
            "/api/beheer/audit",
            Rule::Admin,
            get(api::admin::audit_log),
        ),
    ]
}

/// The Content-Security-Policy: scripts and styles from this server only
/// (Leaflet positions its elements with inline styles), images from here
/// and the base map.
fn content_security_policy(basemap_url: Option<&str>) -> String {
    let basemap = basemap_url
        .and_then(|u| {
            let (scheme, rest) = u.split_once("://")?;
            let host = rest.split('/').next()?;
            Some(format!(" {scheme}://{}", host.replace("{s}", "*")))
        })
        .filter(|o| o.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !o.contains(';'))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{basemap}; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The file of the web map a URL path names, if it is one: the page, its
/// own top-level scripts and styles, and Leaflet's and PMTiles' dist files.
/// Nothing else of `web/` (package.json, node_modules, ...) is served.
/// With `archives`, also tile archives (`*.pmtiles`) beside the page: on a
/// desktop without `[access]` only, since an archive holds the whole,
/// unscoped risk layer.
fn web_file(web_dir: &Path, path: &str, archives: bool) -> Option<PathBuf> {
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    if path == "/" || path == "/index.html" {
        return Some(web_dir.join("index.html"));
    }
    for (prefix, dir) in [
        ("/vendor/leaflet/", "node_modules/leaflet/dist"),
        ("/vendor/pmtiles/", "node_modules/pmtiles/dist"),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let parts: Vec<&str> = rest.split('/').collect();
            return parts
                .iter()
                .all(|p| plain(p))
                .then(|| parts.iter().fold(web_dir.join(dir), |p, s| p.join(s)));
        }
    }
    let name = path.strip_prefix('/')?;
    let ok = plain(name)
        && !name.contains('/')
        && ([".js", ".css"].iter().any(|ext| name.ends_with(ext))
            || (archives && name.ends_with(".pmtiles")))
        && !name.ends_with(".config.js");
    ok.then(|| web_dir.join(name))
}

async fn static_file(web_dir: Arc<PathBuf>, archives: bool, request: Request) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let Some(file) = web_file(&web_dir, request.uri().path(), archives) else {
        return ApiError::NotFound(format!("'{}' bestaat niet", request.uri().path()))
            .into_response();
    };
    match ServeFile::new(file).oneshot(request).await {
        Ok(response) => response.map(axum::body::Body::new),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    }
}

/// The application's routes over `state`, with the web map from `web_dir`.
pub fn router(state: Arc<AppState>, web_dir: &Path) -> Router {
    let mut router = Router::new();
    for route in routes() {
        let guard = Guard {
            state: Arc::clone(&state),
            rule: route.rule,
            path: route.path,
        };
        router = router.route(
            route.path,
            route
                .handler
                .route_layer(from_fn_with_state(guard, authorize)),
        );
    }
    let web = Arc::new(web_dir.to_path_buf());
    let archives = state.access.is_none();
    let csp = content_security_policy(state.basemap_url.as_deref());
    let mut router =
        router.fallback(move |request: Request| static_file(Arc::clone(&web), archives, request));
    if state.access.is_none() {
        // Every answer, the map's files and archives included.
        router = router.layer(axum::middleware::from_fn(access::policy::loopback_only));
    }
    let mut router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'")),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // gzip or brotli for pages, scripts and JSON; never for the PNG
        // tiles or GeoTIFFs (images are left out by default).
        .layer(CompressionLayer::new());
    // Cross-origin reading only for the configured origins, and never with
    // cookies: another site's page cannot use an analyst's session.
    let origins: Vec<HeaderValue> = state
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    if !origins.is_empty() {
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::HEAD])
                .allow_headers([
                    header::AUTHORIZATION,
                    HeaderName::from_static(access::policy::PURPOSE_HEADER),
                ]),
        );
    }
    router.with_state(state)
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
    if let Ok(addr) = listener.local_addr() {
        // TileJSON's URLs: the configured public URL, else where we listen.
        let _ = state.base_url.set(format!("http://{addr}"));
    }
    let state = Arc::new(state);
    if let Some(rescore) = rescore {
        tokio::spawn(reload_on_hangup(Arc::clone(&state), rescore));
    }
    let app = router(state, web_dir);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_maps_own_files_are_served() {
        let web = Path::new("/w");
        for (path, file) in [
            ("/", Some("/w/index.html")),
            ("/index.html", Some("/w/index.html")),
            ("/app.js", Some("/w/app.js")),
            ("/auth.js", Some("/w/auth.js")),
            ("/style.css", Some("/w/style.css")),
            (
                "/vendor/leaflet/images/marker-icon.png",
                Some("/w/node_modules/leaflet/dist/images/marker-icon.png"),
            ),
            (
                "/vendor/pmtiles/pmtiles.js",
                Some("/w/node_modules/pmtiles/dist/pmtiles.js"),
            ),
            ("/package.json", None),
            ("/package-lock.json", None),
            ("/node_modules/leaflet/package.json", None),
            ("/vendor/leaflet/../package.json", None),
            ("/vendor/leaflet/", None),
            ("/.env.js", None),
            ("/vite.config.js", None),
            ("/sub/app.js", None),
        ] {
            assert_eq!(
                web_file(web, path, false).as_deref(),
                file.map(Path::new),
                "{path}"
            );
        }
        // Tile archives beside the page only without access control.
        assert_eq!(
            web_file(web, "/risico.pmtiles", true).as_deref(),
            Some(Path::new("/w/risico.pmtiles"))
        );
        assert_eq!(web_file(web, "/risico.pmtiles", false), None);
        assert_eq!(web_file(web, "/sub/risico.pmtiles", true), None);
    }

    #[test]
    fn the_policy_admits_the_basemap_and_no_inline_script() {
        let csp = content_security_policy(Some("https://{s}.tiles.example/{z}/{x}/{y}.png"));
        assert!(csp.contains("img-src 'self' data: blob: https://*.tiles.example;"));
        assert!(csp.contains("script-src 'self';"));
        let evil = content_security_policy(Some("https://a.example; script-src *"));
        assert!(!evil.contains("script-src *"), "{evil}");
    }

    #[test]
    fn every_route_has_one_rule() {
        let table = routes();
        let mut paths: Vec<&str> = table.iter().map(|r| r.path).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), table.len(), "one entry per path");
        for r in &table {
            let open = r.rule == Rule::Open;
            assert_eq!(
                open,
                matches!(r.path, "/api/login" | "/api/logout"),
                "{} is {:?}",
                r.path,
                r.rule
            );
        }
    }
}
