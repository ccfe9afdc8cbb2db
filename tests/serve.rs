//! `buitenzicht serve` on the fixtures, over real HTTP.

mod common;

use buitenzicht_synth::{HOTSPOT_BARN, HOTSPOT_GEMEENTE};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// The server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    start_with(&common::weighted_fixtures())
}

fn start_with(fixtures: &std::path::Path) -> Server {
    let config = fixtures.join("buitenzicht.toml");
    let web = common::repo().join("web");
    let mut child = common::binary()
        .args([
            "serve",
            "-c",
            config.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--web",
            web.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(url) = line.strip_prefix("kaart op ") {
            break url.trim_end_matches('/').to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base }
}

fn tile_for(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = 2f64.powi(z as i32);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let l = lat.to_radians();
    let y =
        ((1.0 - (l.tan() + 1.0 / l.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

/// A client stating a purpose, as building-level requests need.
fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("doelbinding", "TEST-2026-0001".parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// GET `url`: status and JSON body (null when the body is not JSON).
async fn get_json(client: &reqwest::Client, url: String) -> (u16, serde_json::Value) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (
        status,
        r.json::<serde_json::Value>().await.unwrap_or_default(),
    )
}

async fn png(client: &reqwest::Client, url: &str) -> image::RgbaImage {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    assert_eq!(r.headers()["content-type"], "image/png");
    let bytes = r.bytes().await.unwrap();
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgba8()
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_tiles_explanations_and_lists() {
    let server = start();
    let base = &server.base;
    let client = client();

    // TileJSON 3.0.0.
    let (status, tj) = get_json(&client, format!("{base}/tiles/risk.json")).await;
    assert_eq!(status, 200);
    assert_eq!(tj["tilejson"], "3.0.0");
    let template = tj["tiles"][0].as_str().unwrap();
    assert!(
        template.contains("/tiles/risk/{z}/{x}/{y}.png"),
        "{template}"
    );
    let bounds: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
    assert!(bounds[0] < bounds[2] && bounds[1] < bounds[3]);

    // A tile over the hotspot has colour; the hottest pixels are bright.
    let [lon, lat] = common::hotspot_lonlat();
    let (x, y) = tile_for(lon, lat, 14);
    let hot = png(&client, &format!("{base}/tiles/risk/14/{x}/{y}.png")).await;
    assert_eq!(hot.dimensions(), (256, 256));
    let coloured = hot.pixels().filter(|p| p[3] > 0).count();
    assert!(coloured > 10_000, "{coloured} opaque pixels");
    let bright = hot
        .pixels()
        .filter(|p| p[3] > 0 && p[0] > 200 && p[1] > 150)
        .count();
    assert!(
        bright > 50,
        "{bright} high-risk (yellow) pixels near the hotspot"
    );

    // A tile far away (Groningen) is a valid, fully transparent tile.
    let (x, y) = tile_for(6.57, 53.22, 14);
    let far = png(&client, &format!("{base}/tiles/risk/14/{x}/{y}.png")).await;
    assert_eq!(far.dimensions(), (256, 256));
    assert!(far.pixels().all(|p| p[3] == 0));

    // Nonsense tile addresses are 400, never a panic.
    for bad in [
        "3/8/0.png",
        "3/0/9.png",
        "40/0/0.png",
        "a/b/c.png",
        "3/0/0.jpg",
        "-1/0/0.png",
        "12/99999999999999999999/1.png",
    ] {
        // Refused as every other request is: Dutch JSON, not axum's text.
        let (status, e) = get_json(&client, format!("{base}/tiles/risk/{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            e["error"].as_str().is_some_and(|m| m.contains("geen")),
            "{bad}: {e}"
        );
    }

    // Explanation over the hotspot names the features behind it.
    let (status, e) = get_json(&client, format!("{base}/api/explain?lon={lon}&lat={lat}")).await;
    assert_eq!(status, 200);
    assert_eq!(e["gebied"], "buitengebied");
    assert_eq!(e["gemeente"]["statcode"], HOTSPOT_GEMEENTE);
    assert!(e["risico"].as_f64().unwrap() > 80.0, "{}", e["risico"]);
    let indicators = e["indicatoren"].as_array().unwrap();
    let by_key = |k: &str| indicators.iter().find(|i| i["key"] == k).unwrap();
    let features = |k: &str| by_key(k)["kenmerken"].as_array().unwrap().clone();
    assert!(features("leegstand")
        .iter()
        .any(|f| f["identificatie"] == HOTSPOT_BARN));
    let dumps = features("dumpingen");
    assert!(
        dumps.len() >= 5
            && dumps
                .iter()
                .all(|d| d["soort"] == "dumping" && d["afstand_m"].as_f64().unwrap() <= 1000.0)
    );
    assert!(features("riool").iter().any(|s| s["stof"] == "amfetamine"));
    assert!(features("satelliet")[0]["anomalie_c"].as_f64().unwrap() > 4.0);
    // Hand-set weights: each band is its own indicator, nothing to add.
    assert!(indicators.iter().all(|i| i["toelichting"].is_null()));
    let total: f64 = indicators
        .iter()
        .map(|i| i["bijdrage"].as_f64().unwrap())
        .sum();
    assert!(
        (total - e["risico"].as_f64().unwrap()).abs() < 0.01,
        "contributions add up"
    );
    assert!(!e["samenvatting"].as_array().unwrap().is_empty());

    // Outside the study area: no risk, a reason.
    let (status, e) = get_json(&client, format!("{base}/api/explain?lon=6.57&lat=53.22")).await;
    assert_eq!(status, 200);
    assert!(e["risico"].is_null());
    assert_eq!(e["gebied"], "buiten studiegebied");
    for bad in [
        "lon=abc&lat=51",
        "lon=500&lat=51",
        "lat=51",
        "lon=5&lat=NaN",
    ] {
        let (status, e) = get_json(&client, format!("{base}/api/explain?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {e}");
    }

    // Municipalities and the ranked list.
    let (status, g) = get_json(&client, format!("{base}/api/gemeenten")).await;
    assert_eq!(status, 200);
    assert_eq!(g.as_array().unwrap().len(), 6);
    let (status, list) = get_json(
        &client,
        format!("{base}/api/gemeenten/{HOTSPOT_GEMEENTE}/inspecties"),
    )
    .await;
    assert_eq!(status, 200);
    let items = list["inspecties"].as_array().unwrap();
    assert_eq!(items[0]["identificatie"], HOTSPOT_BARN);
    assert_eq!(items[0]["rang"], 1);
    // The weighted method: vacant and possibly vacant barns only, no
    // building-model base rate.
    assert_eq!(list["rangschikking"], "gewichten");
    for i in items {
        assert!(
            ["bevestigd", "vermoedelijk"].contains(&i["leegstand"].as_str().unwrap()),
            "{i}"
        );
        assert_eq!(i["bijdragen"]["pand"], 0.0, "{i}");
    }
    let risks: Vec<f64> = items
        .iter()
        .map(|i| i["risico"].as_f64().unwrap())
        .collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "ranked by risk");
    let (status, _) = get_json(&client, format!("{base}/api/gemeenten/GM0000/inspecties")).await;
    assert_eq!(status, 404);

    // GeoJSON export: aggregated by default, inspection lists on request.
    let r = client
        .get(format!(
            "{base}/api/export.geojson?gemeente={HOTSPOT_GEMEENTE}&cel=1000"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let fc: serde_json::Value = r.json().await.unwrap();
    let squares = fc["features"].as_array().unwrap();
    assert!(!squares.is_empty());
    assert!(squares
        .iter()
        .all(|f| f["properties"].get("identificatie").is_none()));
    let [lon0, lat0] = [lon - 0.01, lat - 0.01];
    let (status, fc) = get_json(
        &client,
        format!(
            "{base}/api/export.geojson?bbox={lon0},{lat0},{},{}&cel=250",
            lon + 0.01,
            lat + 0.01
        ),
    )
    .await;
    assert_eq!(status, 200);
    let n = fc["features"].as_array().unwrap().len();
    assert!(
        (20..=120).contains(&n),
        "{n} squares of 250 m in a ~1.4 × 2.2 km box"
    );
    let (status, fc) = get_json(
        &client,
        format!("{base}/api/export.geojson?gemeente={HOTSPOT_GEMEENTE}&inhoud=inspecties"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        fc["features"][0]["properties"]["identificatie"],
        HOTSPOT_BARN
    );
    for (bad, code) in [
        ("cel=300", 400),
        ("bbox=1,2,3", 400),
        ("bbox=6,53,5,52", 400),
        ("inhoud=alles", 400),
        ("inhoud=inspecties", 400),
        ("gemeente=GM0000", 404),
        ("cel=abc", 400),
        ("gemeente=GM9901&gemeente=GM9902", 400),
        ("bbox=-180,-90,180,90", 200),
    ] {
        let (status, e) = get_json(&client, format!("{base}/api/export.geojson?{bad}")).await;
        assert_eq!(status, code, "{bad}: {e}");
        assert!(code == 200 || e["error"].is_string(), "{bad}: {e}");
    }

    // The web map and its Leaflet, served locally.
    let page = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("/vendor/leaflet/leaflet.js"));
    let leaflet = client
        .get(format!("{base}/vendor/leaflet/leaflet.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        leaflet.status(),
        200,
        "run `npm ci` in web/ (scripts/setup.sh does)"
    );
    let (status, outlines) =
        get_json(&client, format!("{base}/api/layers/gemeenten.geojson")).await;
    assert_eq!(status, 200);
    assert_eq!(outlines["features"].as_array().unwrap().len(), 6);
}

/// Without `[access]`: building-level data still needs a purpose; only the
/// map's files are served, with security headers; no CORS; TileJSON ignores
/// the `Host` header.
#[tokio::test(flavor = "multi_thread")]
async fn purpose_and_hardening_without_access() {
    let server = start();
    let base = &server.base;
    let client = client();
    let [lon, lat] = common::hotspot_lonlat();
    // Without a stated purpose, building-level data is refused, in Dutch.
    for url in [
        format!("{base}/api/explain?lon={lon}&lat={lat}"),
        format!("{base}/api/gemeenten/{HOTSPOT_GEMEENTE}/inspecties"),
        format!("{base}/api/export.geojson?gemeente={HOTSPOT_GEMEENTE}&inhoud=inspecties"),
        // Encoded, as the handler decodes it.
        format!("{base}/api/export.geojson?gemeente={HOTSPOT_GEMEENTE}&%69nhoud=%69nspecties"),
        format!("{base}/api/export.geojson?gemeente={HOTSPOT_GEMEENTE}&inhoud=aggregaat&inhoud=inspecties"),
    ] {
        let r = reqwest::get(&url).await.unwrap();
        assert_eq!(r.status(), 403, "{url}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("Doelbinding"), "{e}");
    }

    // Only the map's own files: not the package files or node_modules.
    for path in [
        "/package.json",
        "/package-lock.json",
        "/node_modules/leaflet/package.json",
        "/vendor/leaflet/../package.json",
        "/vendor/leaflet/%2e%2e/package.json",
        "/.git/config",
    ] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let page = client.get(format!("{base}/app.js")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    // A page of another name pointed at 127.0.0.1 (DNS rebinding) is
    // refused: without [access] only the loopback names are answered.
    for path in [
        "/tiles/risk.json",
        "/api/layers/dumpingen.geojson",
        "/app.js",
        "/",
    ] {
        let r = client
            .get(format!("{base}{path}"))
            .header("host", "kwaad.example:8080")
            .header("doelbinding", "RIEC-2026-0142")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    for host in ["localhost:1", "[::1]:1", "127.0.0.1"] {
        let r = client
            .get(format!("{base}/tiles/risk.json"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
        // TileJSON never builds URLs from the Host header.
        let tj: serde_json::Value = r.json().await.unwrap();
        let url = tj["tiles"][0].as_str().unwrap();
        assert!(!url.contains(":1/") && !url.contains("localhost"), "{tj}");
    }

    let r = client
        .get(format!("{base}/api/config"))
        .header("origin", "https://kwaad.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let (status, me) = get_json(&client, format!("{base}/api/me")).await;
    assert_eq!(status, 200);
    assert_eq!(me["rol"], "analist");
    assert_eq!(me["lokaal"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn tiles_are_cacheable_per_model_version() {
    let server = start();
    let base = &server.base;
    let client = client();
    let (status, catalog) = get_json(&client, format!("{base}/tiles/catalog.json")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = catalog["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["risk", "leegstand", "dumpingen", "riool", "satelliet"]
    );
    let version = catalog["version"].as_str().unwrap().to_string();

    let [lon, lat] = common::hotspot_lonlat();
    let (x, y) = tile_for(lon, lat, 13);
    // Every layer's TileJSON points at its versioned tiles, and they render.
    for id in &ids {
        let (_, tj) = get_json(&client, format!("{base}/tiles/{id}.json")).await;
        assert_eq!(tj["tilejson"], "3.0.0");
        let url = tj["tiles"][0]
            .as_str()
            .unwrap()
            .replace("{z}", "13")
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string());
        assert!(url.ends_with(&format!("?v={version}")), "{url}");
        let img = png(&client, &url).await;
        assert!(
            img.pixels().any(|p| p[3] > 0),
            "layer {id} has data near the hotspot"
        );
    }
    assert_eq!(
        client
            .get(format!("{base}/tiles/geen.json"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client
            .get(format!("{base}/tiles/geen/1/0/0.png"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Versioned URL: immutable; plain URL: short max-age. Both carry an ETag.
    let versioned = client
        .get(format!("{base}/tiles/risk/13/{x}/{y}.png?v={version}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        versioned.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = versioned.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    let bytes = versioned.bytes().await.unwrap();
    let plain = client
        .get(format!("{base}/tiles/risk/13/{x}/{y}.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers()["cache-control"], "public, max-age=60");
    assert_eq!(plain.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        plain.bytes().await.unwrap(),
        bytes,
        "cached bytes are served unchanged"
    );

    // Conditional GET and HEAD.
    let again = client
        .get(format!("{base}/tiles/risk/13/{x}/{y}.png"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    let other = client
        .get(format!("{base}/tiles/risk/13/{x}/{y}.png"))
        .header("if-none-match", "\"iets-anders\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    let head = client
        .head(format!("{base}/tiles/risk/13/{x}/{y}.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "image/png");
    assert!(head.bytes().await.unwrap().is_empty());

    // No CORS unless configured: other sites' pages cannot read the API.
    let cors = client
        .get(format!("{base}/tiles/risk/13/{x}/{y}.png"))
        .header("origin", "https://kaart.example")
        .send()
        .await
        .unwrap();
    assert!(cors.headers().get("access-control-allow-origin").is_none());
}

/// After new input is rescored (SIGHUP), the version changes and no old tile
/// is served, not even to a client that revalidates with the old ETag.
#[tokio::test(flavor = "multi_thread")]
async fn rescoring_invalidates_tiles() {
    let dir = common::fixture_copy();
    common::weigh(dir.path());
    let server = start_with(dir.path());
    let base = &server.base;
    let client = client();
    let version = |c: serde_json::Value| c["versie"].as_str().unwrap().to_string();
    let before = version(get_json(&client, format!("{base}/api/config")).await.1);
    // A quiet place in Vennebroek, far from every planted signal.
    let t = buitenzicht_ingest::crs::Transformer::from_epsg(28992, 4326).unwrap();
    let [lon, lat] = t.point(176_000.0, 378_500.0).unwrap();
    let (x, y) = tile_for(lon, lat, 14);
    let url = format!("{base}/tiles/dumpingen/14/{x}/{y}.png");
    let old = client.get(&url).send().await.unwrap();
    let old_etag = old.headers()["etag"].to_str().unwrap().to_string();
    let old_bytes = old.bytes().await.unwrap();

    // Three fresh dumpings there, then ask the server to rescore.
    let csv = dir.path().join("dumpingen.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    for (i, dx) in [0.0, 120.0, -150.0].iter().enumerate() {
        text.push_str(&format!(
            "DMP-2026-90{i},2026-10-30,{:.1},378500.0,vaten,500,amfetamine\n",
            176_000.0 + dx
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    // Rescoring takes seconds; on a loaded machine many.
    let mut after = before.clone();
    for _ in 0..960 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        after = version(get_json(&client, format!("{base}/api/config")).await.1);
        if after != before {
            break;
        }
    }
    assert_ne!(after, before, "the model version changes after rescoring");

    let new = client
        .get(&url)
        .header("if-none-match", &old_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 200, "the old ETag no longer matches");
    assert_ne!(new.headers()["etag"].to_str().unwrap(), old_etag);
    assert_ne!(
        new.bytes().await.unwrap(),
        old_bytes,
        "the tile shows the new dumpings"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_downloads_evidence_and_search_helpers() {
    let server = start();
    let base = &server.base;
    // Building-level downloads and layers need a stated purpose.
    let bare = reqwest::get(format!(
        "{base}/api/gemeenten/{HOTSPOT_GEMEENTE}/inspecties.csv"
    ))
    .await
    .unwrap();
    assert_eq!(bare.status(), 403);
    let mut purpose = reqwest::header::HeaderMap::new();
    purpose.insert(
        "doelbinding",
        reqwest::header::HeaderValue::from_static("RIEC-2026-0142"),
    );
    let client = reqwest::Client::builder()
        .default_headers(purpose)
        .build()
        .unwrap();
    let get = |path: String| {
        let client = client.clone();
        async move { client.get(format!("{base}{path}")).send().await.unwrap() }
    };

    // Downloads of one municipality.
    let csv = get(format!("/api/gemeenten/{HOTSPOT_GEMEENTE}/inspecties.csv")).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("{HOTSPOT_GEMEENTE}-inspecties.csv")));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("statcode,rang,identificatie"));
    assert!(text.contains(HOTSPOT_BARN));
    let geojson: serde_json::Value = get(format!(
        "/api/gemeenten/{HOTSPOT_GEMEENTE}/inspecties.geojson"
    ))
    .await
    .json()
    .await
    .unwrap();
    assert!(!geojson["features"].as_array().unwrap().is_empty());
    let tif = get(format!("/api/gemeenten/{HOTSPOT_GEMEENTE}/risico.tif")).await;
    assert_eq!(tif.status(), 200);
    assert_eq!(tif.headers()["content-type"], "image/tiff");
    assert_eq!(&tif.bytes().await.unwrap()[..4], b"II*\0");
    let qml = get(format!("/api/gemeenten/{HOTSPOT_GEMEENTE}/risico.qml")).await;
    assert!(qml.text().await.unwrap().contains("<qgis"));
    for path in ["inspecties.csv", "risico.tif", "risico.qml"] {
        assert_eq!(
            get(format!("/api/gemeenten/GM0000/{path}")).await.status(),
            404
        );
    }

    // Evidence layers.
    for (layer, property) in [
        ("dumpingen", "datum"),
        ("leegstand", "leegstand"),
        ("rwzi", "signaal"),
        ("satelliet", "naam"),
    ] {
        let (status, v) = get_json(&client, format!("{base}/api/layers/{layer}.geojson")).await;
        assert_eq!(status, 200, "{layer}");
        let features = v["features"].as_array().unwrap();
        assert!(!features.is_empty(), "{layer}");
        assert!(
            features
                .iter()
                .all(|f| !f["properties"][property].is_null()),
            "{layer}: {property}"
        );
    }

    // RD New → WGS84: Amersfoort, the origin of RD.
    let (status, p) = get_json(&client, format!("{base}/api/rd?x=155000&y=463000")).await;
    assert_eq!(status, 200);
    assert!((p["lat"].as_f64().unwrap() - 52.155_17).abs() < 1e-4, "{p}");
    assert!((p["lon"].as_f64().unwrap() - 5.387_21).abs() < 1e-4, "{p}");
    let (status, _) = get_json(&client, format!("{base}/api/rd?x=5&y=52")).await;
    assert_eq!(status, 400);
    let (status, pand) = get_json(&client, format!("{base}/api/panden/{HOTSPOT_BARN}")).await;
    assert_eq!(status, 200);
    assert_eq!(pand["gemeente"], HOTSPOT_GEMEENTE);

    // Static files and JSON are compressed on request; tiles are not.
    let page = client
        .get(format!("{base}/app.js"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-encoding"], "br");
    let tile = client
        .get(format!("{base}/tiles/risk/10/526/340.png"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert!(tile.headers().get("content-encoding").is_none());
}

/// With the building model's map (the demo's default run), every band
/// holds what buildings within a journey add for their traits (the
/// dumpings band the near-repeat too), and the explanation says so before
/// it gives the cell's own values.
#[tokio::test(flavor = "multi_thread")]
async fn the_building_map_explains_what_its_bands_hold() {
    let server = start_with(&common::fixtures());
    let base = &server.base;
    let [lon, lat] = common::hotspot_lonlat();
    let (status, e) = get_json(&client(), format!("{base}/api/explain?lon={lon}&lat={lat}")).await;
    assert_eq!(status, 200);
    let indicators = e["indicatoren"].as_array().unwrap();
    let note = |k: &str| {
        indicators.iter().find(|i| i["key"] == k).unwrap()["toelichting"]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: no toelichting in {e}"))
            .to_string()
    };
    assert!(note("leegstand").contains("naar hun eigen kenmerken"));
    assert!(note("satelliet").contains("warm dak"));
    assert!(note("satelliet").contains("eerdere opnamen"));
    assert!(note("riool").contains("stroomgebied"));
    assert!(note("dumpingen").contains("herhaling"));
}
