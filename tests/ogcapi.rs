//! Buildings from an OGC API Features service, as from PDOK's BAG: the
//! tests start a local server with the fixture buildings, cursor paging and
//! faults (503, 429 with `Retry-After`, a page slower than the timeout, a
//! connection dropped in the middle of a page), and check that `run` reads
//! exactly the buildings the server holds, once each, in RD New, and that a
//! second run without the server works from the local copy.

mod common;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RD: &str = "http://www.opengis.net/def/crs/EPSG/0/28992";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The most features the server puts on a page, whatever `limit` asks.
const SERVER_MAX_LIMIT: usize = 400;

struct Service {
    /// The buildings in RD New and in CRS84, each with its bbox in RD New.
    rd: Vec<Value>,
    wgs84: Vec<Value>,
    bbox: Vec<[f64; 4]>,
    offers_rd: bool,
    /// Requests per page, to fault each page's first request only.
    seen: Mutex<HashMap<usize, u32>>,
    /// Every items request's query, for the assertions.
    queries: Mutex<Vec<HashMap<String, String>>>,
    /// Pages stop linking to the next one (a server that loses its cursor).
    no_next: std::sync::atomic::AtomicBool,
    /// Every items request is answered `404`.
    gone: std::sync::atomic::AtomicBool,
}

async fn collection(State(s): State<Arc<Service>>) -> Json<Value> {
    let crs = if s.offers_rd {
        vec![CRS84, RD]
    } else {
        vec![CRS84]
    };
    Json(json!({"id": "pand", "title": "Panden", "crs": crs}))
}

async fn items(
    State(s): State<Arc<Service>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    s.queries.lock().unwrap().push(q.clone());
    if s.gone.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::NOT_FOUND, "bestaat niet meer").into_response();
    }
    let limit = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10)
        .min(SERVER_MAX_LIMIT);
    let offset: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let page = offset / limit;
    let times = {
        let mut seen = s.seen.lock().unwrap();
        let n = seen.entry(page).or_default();
        *n += 1;
        *n
    };
    let in_rd = s.offers_rd && q.get("crs").map(String::as_str) == Some(RD);
    let filter: Option<[f64; 4]> = q.get("bbox").map(|b| {
        let v: Vec<f64> = b.split(',').map(|x| x.parse().unwrap()).collect();
        [v[0], v[1], v[2], v[3]]
    });
    // The bbox comes in RD New when asked with bbox-crs, else CRS84; the
    // server filters on RD boxes, so a CRS84 box is only checked for range.
    let matching: Vec<usize> = (0..s.rd.len())
        .filter(|&i| match filter {
            Some(f) if q.get("bbox-crs").map(String::as_str) == Some(RD) => {
                let b = s.bbox[i];
                b[0] <= f[2] && b[2] >= f[0] && b[1] <= f[3] && b[3] >= f[1]
            }
            Some(f) => {
                assert!((3.0..7.5).contains(&f[0]) && (50.5..54.0).contains(&f[1]));
                true
            }
            None => true,
        })
        .collect();
    let source = if in_rd { &s.rd } else { &s.wgs84 };
    let features: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| source[i].clone())
        .collect();
    let mut links = vec![json!({"rel": "self", "href": "items?f=json"})];
    if offset + limit < matching.len() && !s.no_next.load(std::sync::atomic::Ordering::SeqCst) {
        let mut next = format!("items?f=json&limit={limit}&cursor={}", offset + limit);
        if in_rd {
            next.push_str(&format!("&crs={RD}"));
        }
        if let (Some(b), Some(c)) = (q.get("bbox"), q.get("bbox-crs")) {
            next.push_str(&format!("&bbox={b}&bbox-crs={c}"));
        }
        links.push(json!({"rel": "next", "type": "text/html", "href": "items?f=html"}));
        links.push(json!({"rel": "next", "type": "application/geo+json", "href": next}));
    }
    let body = json!({
        "type": "FeatureCollection",
        "features": features,
        "links": links,
        "numberMatched": matching.len(),
    })
    .to_string();

    // Each of the first pages fails once, each in its own way.
    if times == 1 {
        match page {
            1 => return (StatusCode::SERVICE_UNAVAILABLE, "even niet").into_response(),
            2 => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "1")],
                    "rustig aan",
                )
                    .into_response()
            }
            3 => tokio::time::sleep(Duration::from_millis(2500)).await,
            4 => {
                let half = body.as_bytes()[..body.len() / 2].to_vec();
                let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
                    Ok(half),
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "weg",
                    )),
                ];
                return Response::builder()
                    .header(header::CONTENT_TYPE, "application/geo+json")
                    .body(Body::from_stream(futures_util::stream::iter(chunks)))
                    .unwrap();
            }
            _ => {}
        }
    }
    let mut response = ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response();
    if in_rd {
        response.headers_mut().insert(
            "content-crs",
            HeaderValue::from_str(&format!("<{RD}>")).unwrap(),
        );
    }
    response
}

/// The fixture buildings with an `id` member, in RD New and CRS84.
fn buildings() -> (Vec<Value>, Vec<Value>, Vec<[f64; 4]>) {
    use geo::BoundingRect;
    let text = std::fs::read_to_string(common::fixtures().join("panden.geojson")).unwrap();
    let fc: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .unwrap()
        .try_into()
        .unwrap();
    let to_wgs = buitenzicht_ingest::crs::Transformer::from_epsg(28992, 4326).unwrap();
    let (mut rd, mut wgs, mut bbox) = (Vec::new(), Vec::new(), Vec::new());
    for f in fc.features {
        let props = f.properties.clone().unwrap();
        let id = props["identificatie"].as_str().unwrap().to_string();
        let g: geo::Geometry = f.geometry.clone().unwrap().try_into().unwrap();
        let r = g.bounding_rect().unwrap();
        bbox.push([r.min().x, r.min().y, r.max().x, r.max().y]);
        let mut w = g.clone();
        to_wgs.geometry(&mut w).unwrap();
        let feature = |g: &geo::Geometry| {
            json!({"type": "Feature", "id": format!("pand.{id}"),
                   "geometry": geojson::Geometry::new(geojson::GeometryValue::from(g)),
                   "properties": props})
        };
        rd.push(feature(&g));
        wgs.push(feature(&w));
    }
    (rd, wgs, bbox)
}

struct Server {
    url: String,
    service: Arc<Service>,
    // Serves until the test drops it.
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(offers_rd: bool) -> Server {
        let (rd, wgs84, bbox) = buildings();
        let service = Arc::new(Service {
            rd,
            wgs84,
            bbox,
            offers_rd,
            seen: Mutex::default(),
            queries: Mutex::default(),
            no_next: Default::default(),
            gone: Default::default(),
        });
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let app = Router::new()
            .route("/ogc/collections/pand", get(collection))
            .route("/ogc/collections/pand/items", get(items))
            .with_state(Arc::clone(&service));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            url: format!("http://{addr}/ogc/collections/pand/items"),
            service,
            _runtime: runtime,
        }
    }
}

/// A copy of the fixtures whose buildings come from `url` (and the file
/// removed, so nothing else can supply them).
fn project_with_url(dir: &Path, url: &str) -> std::path::PathBuf {
    let config = dir.join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[layers.panden]\npath = \"panden.geojson\"",
        &format!(
            "[layers.panden]\nurl = \"{url}\"\nhttp = {{ limit = 1000, timeout_s = 1.0, backoff_s = 0.05 }}"
        ),
    );
    assert!(text.contains(url));
    std::fs::write(&config, text).unwrap();
    std::fs::remove_file(dir.join("panden.geojson")).unwrap();
    config
}

fn run(config: &Path, out: &Path) -> String {
    let output = common::binary()
        .args(["run", "--strict", "-c"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let log = common::stderr(&output);
    assert!(output.status.success(), "{log}");
    log
}

fn identifiers(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("inspecties/alle.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "identificatie")
        .unwrap();
    let mut ids: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[column].to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn buildings_from_a_feature_service_with_faults_equal_the_file() {
    let reference = tempfile::tempdir().unwrap();
    run(
        &common::fixtures().join("buitenzicht.toml"),
        reference.path(),
    );
    let (gt, expected) = common::risk(reference.path());

    let server = Server::start(true);
    let dir = common::fixture_copy();
    let config = project_with_url(dir.path(), &server.url);
    let out = dir.path().join("uit");
    let log = run(&config, &out);

    // Every fault was met and retried; the pages then came whole.
    for expected in [
        "HTTP 503",
        "HTTP 429",
        "nieuwe poging over 1.0 s",
        "geen antwoord binnen de tijd",
        "verbinding verbroken",
    ] {
        assert!(log.contains(expected), "{expected} in:\n{log}");
    }
    let total = server.service.rd.len();
    assert!(
        log.contains(&format!("{total} objecten opgehaald")),
        "{log}"
    );
    let queries = server.service.queries.lock().unwrap().clone();
    let first = &queries[0];
    assert_eq!(
        first.get("crs").map(String::as_str),
        Some(RD),
        "asked in RD New"
    );
    assert_eq!(first.get("bbox-crs").map(String::as_str), Some(RD));
    assert_eq!(first.get("limit").map(String::as_str), Some("1000"));
    assert!(first.contains_key("bbox"), "restricted to the study area");

    // The same buildings give the same map and the same list.
    let (gt_url, got) = common::risk(&out);
    assert_eq!(gt, gt_url);
    assert_eq!(got, expected, "the same risk raster as from the file");
    assert_eq!(identifiers(&out), identifiers(reference.path()));

    // Without the server the local copy serves, and says how old it is.
    drop(server);
    let again = dir.path().join("weer");
    let log = run(&config, &again);
    assert!(log.contains("lokale kopie"), "{log}");
    assert!(log.contains("minder dan een uur"), "{log}");
    assert_eq!(common::risk(&again).1, expected);
}

#[test]
fn a_service_without_rd_new_is_read_in_crs84() {
    let server = Server::start(false);
    let dir = common::fixture_copy();
    let config = project_with_url(dir.path(), &server.url);
    let out = dir.path().join("uit");
    let log = run(&config, &out);
    let total = server.service.wgs84.len();
    assert!(
        log.contains(&format!("{total} objecten opgehaald")),
        "{log}"
    );
    let queries = server.service.queries.lock().unwrap().clone();
    assert!(queries.iter().all(|q| !q.contains_key("crs")));
    let copy: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".buitenzicht-cache/panden.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(copy["features"].as_array().unwrap().len(), total);

    // Transformed back, every building lies where the file has it: the
    // same map up to the rounding of two transforms.
    let reference = tempfile::tempdir().unwrap();
    run(
        &common::fixtures().join("buitenzicht.toml"),
        reference.path(),
    );
    let (_, expected) = common::risk(reference.path());
    let (_, got) = common::risk(&out);
    assert_eq!(got.len(), expected.len());
    let worst = got
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 0.01, "largest difference {worst}");
    assert_eq!(identifiers(&out), identifiers(reference.path()));
}

#[test]
fn an_unreachable_service_without_a_copy_is_a_clear_error() {
    let dir = common::fixture_copy();
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/ogc/collections/pand/items",
        listener.local_addr().unwrap()
    );
    drop(listener);
    let config = project_with_url(dir.path(), &url);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("timeout_s = 1.0", "timeout_s = 1.0, retries = 1");
    std::fs::write(&config, text).unwrap();
    let output = common::binary()
        .args(["ingest", "-c"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let log = common::stderr(&output);
    assert!(log.contains("laag `panden`"), "{log}");
    assert!(log.contains(&url), "{log}");
    assert!(log.contains("geen verbinding met de server"), "{log}");
}

fn ingest(config: &Path) -> (bool, String) {
    let output = common::binary()
        .args(["ingest", "-c"])
        .arg(config)
        .output()
        .unwrap();
    (output.status.success(), common::stderr(&output))
}

#[test]
fn a_service_that_stops_short_or_refuses_fails_the_layer() {
    use std::sync::atomic::Ordering::SeqCst;
    let server = Server::start(true);
    let dir = common::fixture_copy();
    let config = project_with_url(dir.path(), &server.url);

    // Fewer features than the server said it matched: not the whole layer.
    server.service.no_next.store(true, SeqCst);
    let (ok, log) = ingest(&config);
    assert!(!ok, "{log}");
    assert!(
        log.contains(&format!(
            "de server meldde {} objecten (numberMatched)",
            server.service.rd.len()
        )) && log.contains("de laag is niet volledig"),
        "{log}"
    );

    // A local copy, then the service refuses: a refusal is an answer, not
    // an unreachable server, so the old copy does not stand in.
    server.service.no_next.store(false, SeqCst);
    let (ok, log) = ingest(&config);
    assert!(ok, "{log}");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("backoff_s = 0.05", "backoff_s = 0.05, max_age_days = 0");
    std::fs::write(&config, text).unwrap();
    server.service.gone.store(true, SeqCst);
    let (ok, log) = ingest(&config);
    assert!(!ok, "{log}");
    assert!(log.contains("HTTP 404"), "{log}");
    assert!(!log.contains("lokale kopie"), "{log}");
}
