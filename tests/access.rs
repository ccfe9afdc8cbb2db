//! Who may see what, through the binary: every route of the router's table
//! × every role × inside and outside the user's area, plus sessions,
//! purpose-bound refusal, the audit log, revocation and the login limit.

mod common;

use buitenzicht_serve::access::Role;
use buitenzicht_synth::{HOTSPOT_BARN, HOTSPOT_GEMEENTE};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

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

fn start(config: &Path) -> Server {
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
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(url) = line.strip_prefix("kaart op ") {
            break url.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base }
}

fn add_user(config: &Path, name: &str, role: &str, gemeenten: &[&str]) -> String {
    let mut args = vec![
        "users",
        "add",
        name,
        "--role",
        role,
        "-c",
        config.to_str().unwrap(),
    ];
    for g in gemeenten {
        args.extend(["--gemeente", g]);
    }
    let out = common::run(&args);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_string()
}

fn tile_for(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = 2f64.powi(z as i32);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let l = lat.to_radians();
    let y =
        ((1.0 - (l.tan() + 1.0 / l.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

/// What a request should get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Ok,
    Forbidden,
    /// 200, but only what the role may have (checked per case).
    Scoped,
}
use Expect::{Forbidden as F, Ok as A, Scoped as S};

struct Case {
    method: &'static str,
    url: String,
    /// Expected for analist, gemeente, kvb, beheerder.
    expect: [Expect; 4],
    purpose: bool,
}

fn case(method: &'static str, url: String, expect: [Expect; 4]) -> Case {
    Case {
        method,
        url,
        expect,
        purpose: false,
    }
}

struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

async fn send(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    token: Option<&str>,
    purpose: Option<&str>,
    body: Option<serde_json::Value>,
) -> Response {
    let mut r = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(p) = purpose {
        r = r.header("doelbinding", p);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    Response {
        status: r.status().as_u16(),
        body: r.bytes().await.unwrap().to_vec(),
    }
}

fn opaque(png: &[u8]) -> (usize, usize) {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_rgba8();
    let colours: BTreeSet<[u8; 4]> = img.pixels().filter(|p| p[3] > 0).map(|p| p.0).collect();
    (img.pixels().filter(|p| p[3] > 0).count(), colours.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_by_role_and_area() {
    let dir = common::fixture_copy();
    let config = dir.path().join("buitenzicht.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[access]\nusers = \"users.toml\"\naudit_log = \"audit.jsonl\"\n");
    std::fs::write(&config, text).unwrap();
    let tokens: Vec<String> = vec![
        add_user(&config, "an", "analist", &[]),
        add_user(&config, "gm", "gemeente", &[HOTSPOT_GEMEENTE]),
        add_user(&config, "kv", "kvb", &[]),
        add_user(&config, "be", "beheerder", &[]),
    ];
    let users_file = std::fs::read_to_string(dir.path().join("users.toml")).unwrap();
    for t in &tokens {
        assert!(!users_file.contains(t.split_once('.').unwrap().1));
    }
    let listed = common::run(&["users", "list", "-c", config.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("gm\tgemeente\tGM"));

    let server = start(&config);
    let base = &server.base;
    let client = reqwest::Client::new();
    let an = Some(tokens[0].as_str());
    let purpose = Some("RIEC-2026-0142");

    // Another municipality, and a barn in it, for "outside the area".
    let list = send(
        &client,
        "GET",
        &format!("{base}/api/gemeenten"),
        an,
        None,
        None,
    )
    .await;
    assert_eq!(list.status, 200);
    let other = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["statcode"].as_str().unwrap().to_string())
        .find(|c| c != HOTSPOT_GEMEENTE)
        .unwrap();
    let barn = send(
        &client,
        "GET",
        &format!("{base}/api/gemeenten/{other}/inspecties"),
        an,
        purpose,
        None,
    )
    .await
    .json()["inspecties"][0]
        .clone();
    let (olon, olat) = (barn["lon"].as_f64().unwrap(), barn["lat"].as_f64().unwrap());
    let [lon, lat] = common::hotspot_lonlat();
    let (x, y) = tile_for(lon, lat, 14);
    let (ox, oy) = tile_for(olon, olat, 16);

    let mut cases: HashMap<&str, Vec<Case>> = HashMap::new();
    let mut add = |path: &'static str, c: Case| cases.entry(path).or_default().push(c);
    add(
        "/tiles/catalog.json",
        case("GET", format!("{base}/tiles/catalog.json"), [A, A, S, F]),
    );
    add(
        "/tiles/{file}",
        case("GET", format!("{base}/tiles/risk.json"), [A, A, A, F]),
    );
    add(
        "/tiles/{file}",
        case("GET", format!("{base}/tiles/dumpingen.json"), [A, A, F, F]),
    );
    let tiles = "/tiles/{layer}/{z}/{x}/{file}";
    add(
        tiles,
        case(
            "GET",
            format!("{base}/tiles/risk/14/{x}/{y}.png"),
            [A, A, S, F],
        ),
    );
    add(
        tiles,
        case(
            "GET",
            format!("{base}/tiles/risk/16/{ox}/{oy}.png"),
            [A, S, S, F],
        ),
    );
    add(
        tiles,
        case(
            "GET",
            format!("{base}/tiles/dumpingen/14/{x}/{y}.png"),
            [A, A, F, F],
        ),
    );
    let building = |url: String, expect| Case {
        purpose: true,
        ..case("GET", url, expect)
    };
    add(
        "/api/explain",
        building(
            format!("{base}/api/explain?lon={lon}&lat={lat}"),
            [A, S, F, F],
        ),
    );
    add(
        "/api/explain",
        building(
            format!("{base}/api/explain?lon={olon}&lat={olat}"),
            [A, F, F, F],
        ),
    );
    let export = "/api/export.geojson";
    add(
        export,
        case(
            "GET",
            format!("{base}{export}?gemeente={HOTSPOT_GEMEENTE}&cel=250"),
            // Smaller squares than its role has are refused, not enlarged.
            [A, A, F, F],
        ),
    );
    add(
        export,
        case(
            "GET",
            format!("{base}{export}?gemeente={HOTSPOT_GEMEENTE}"),
            [A, A, S, F],
        ),
    );
    add(
        export,
        case(
            "GET",
            format!("{base}{export}?gemeente={other}"),
            [A, F, S, F],
        ),
    );
    add(
        export,
        building(
            format!("{base}{export}?gemeente={HOTSPOT_GEMEENTE}&inhoud=inspecties"),
            [A, A, F, F],
        ),
    );
    add(
        export,
        building(
            format!("{base}{export}?gemeente={other}&inhoud=inspecties"),
            [A, F, F, F],
        ),
    );
    // Encoded, the query means the same to the guard as to the handler.
    add(
        export,
        building(
            format!("{base}{export}?gemeente={HOTSPOT_GEMEENTE}&%69nhoud=%69nspecties"),
            [A, A, F, F],
        ),
    );
    add(
        "/api/gemeenten",
        case("GET", format!("{base}/api/gemeenten"), [A, S, S, F]),
    );
    let lists = "/api/gemeenten/{statcode}/inspecties";
    add(
        lists,
        building(
            format!("{base}/api/gemeenten/{HOTSPOT_GEMEENTE}/inspecties"),
            [A, A, F, F],
        ),
    );
    add(
        lists,
        building(
            format!("{base}/api/gemeenten/{other}/inspecties"),
            [A, F, F, F],
        ),
    );
    // The map's downloads per municipality.
    for (file, own, outside) in [
        ("inspecties.csv", [A, A, F, F], [A, F, F, F]),
        ("inspecties.geojson", [A, A, F, F], [A, F, F, F]),
        ("risico.tif", [A, A, F, F], [A, F, F, F]),
        ("risico.qml", [A, A, F, F], [A, F, F, F]),
    ] {
        let path: &'static str = match file {
            "inspecties.csv" => "/api/gemeenten/{statcode}/inspecties.csv",
            "inspecties.geojson" => "/api/gemeenten/{statcode}/inspecties.geojson",
            "risico.tif" => "/api/gemeenten/{statcode}/risico.tif",
            _ => "/api/gemeenten/{statcode}/risico.qml",
        };
        let building_level = file.starts_with("inspecties");
        for (code, expect) in [(HOTSPOT_GEMEENTE, own), (other.as_str(), outside)] {
            let url = format!("{base}/api/gemeenten/{code}/{file}");
            add(
                path,
                if building_level {
                    building(url, expect)
                } else {
                    case("GET", url, expect)
                },
            );
        }
    }
    // The evidence overlays: incidents and buildings need a purpose; a
    // municipality sees its own part; aggregates-only roles none.
    for (path, needs_purpose) in [
        ("/api/layers/dumpingen.geojson", true),
        ("/api/layers/leegstand.geojson", true),
        ("/api/layers/rwzi.geojson", false),
        ("/api/layers/satelliet.geojson", false),
    ] {
        let url = format!("{base}{path}");
        let expect = [A, S, F, F];
        add(
            path,
            if needs_purpose {
                building(url, expect)
            } else {
                case("GET", url, expect)
            },
        );
    }
    add(
        "/api/rd",
        case(
            "GET",
            format!("{base}/api/rd?x=155000&y=463000"),
            [A, A, A, A],
        ),
    );
    let other_barn = barn["identificatie"].as_str().unwrap().to_string();
    add(
        "/api/panden/{identificatie}",
        building(format!("{base}/api/panden/{HOTSPOT_BARN}"), [A, A, F, F]),
    );
    add(
        "/api/panden/{identificatie}",
        building(format!("{base}/api/panden/{other_barn}"), [A, F, F, F]),
    );
    for path in [
        "/api/layers/gemeenten.geojson",
        "/api/layers/bebouwde_kom.geojson",
        "/api/config",
        "/api/legend",
        "/api/me",
    ] {
        add(path, case("GET", format!("{base}{path}"), [A, A, A, A]));
    }
    add(
        "/api/login",
        case("POST", format!("{base}/api/login"), [A, A, A, A]),
    );
    add(
        "/api/logout",
        case("POST", format!("{base}/api/logout"), [A, A, A, A]),
    );
    add(
        "/api/beheer/gebruikers",
        case("GET", format!("{base}/api/beheer/gebruikers"), [F, F, F, A]),
    );
    add(
        "/api/beheer/audit",
        case(
            "GET",
            format!("{base}/api/beheer/audit?gebruiker=an"),
            [F, F, F, A],
        ),
    );

    // The test covers the router's table exactly: a new route needs a case.
    let table: BTreeSet<&str> = buitenzicht_serve::routes().iter().map(|r| r.path).collect();
    let covered: BTreeSet<&str> = cases.keys().copied().collect();
    assert_eq!(table, covered, "every route needs cases here");

    let mut reference_tiles: HashMap<String, (usize, usize)> = HashMap::new();
    let mut reference_counts: HashMap<&str, usize> = HashMap::new();
    for route in buitenzicht_serve::routes() {
        for c in &cases[route.path] {
            let login = route.path == "/api/login";
            // Without credentials: 401, except signing in and out.
            let r = send(
                &client,
                c.method,
                &c.url,
                None,
                None,
                login.then(|| serde_json::json!({"token": "x.y"})),
            )
            .await;
            let open = matches!(route.path, "/api/login" | "/api/logout");
            if !open {
                assert_eq!(r.status, 401, "{} without credentials", c.url);
            }
            for (i, role) in Role::ALL.into_iter().enumerate() {
                let token = Some(tokens[i].as_str());
                let body = login.then(|| serde_json::json!({"token": tokens[i]}));
                let r = send(
                    &client,
                    c.method,
                    &c.url,
                    token,
                    c.purpose.then_some("RIEC-2026-0142"),
                    body,
                )
                .await;
                let what = format!("{} {} as {role}", c.method, c.url);
                match c.expect[i] {
                    F => {
                        assert_eq!(
                            r.status,
                            403,
                            "{what}: {}",
                            String::from_utf8_lossy(&r.body)
                        );
                        continue;
                    }
                    A | S => assert_eq!(
                        r.status,
                        200,
                        "{what}: {}",
                        String::from_utf8_lossy(&r.body)
                    ),
                }
                if c.purpose {
                    // The same without a purpose is refused, saying what is missing.
                    let bare = send(&client, c.method, &c.url, token, None, None).await;
                    assert_eq!(bare.status, 403, "{what} without Doelbinding");
                    assert!(bare.json()["error"]
                        .as_str()
                        .unwrap()
                        .contains("Doelbinding"));
                }
                let json = r.json();
                match (route.path, role) {
                    (p, _) if p == tiles => {
                        let (n, colours) = opaque(&r.body);
                        let key = c.url.clone();
                        if role == Role::Analist {
                            reference_tiles.insert(key, (n, colours));
                        } else if let Some(&(an_n, an_colours)) = reference_tiles.get(&key) {
                            if role == Role::Kvb {
                                // Four classes at most, whatever the zoom.
                                assert!(
                                    colours <= 4 && colours < an_colours,
                                    "{what}: {colours} colours vs {an_colours}"
                                );
                            }
                            if c.expect[1] == S && role == Role::Gemeente {
                                assert!(n < an_n / 2, "{what}: {n} opaque pixels vs {an_n}");
                            }
                        }
                    }
                    ("/tiles/catalog.json", Role::Kvb) => {
                        assert_eq!(json["layers"].as_array().unwrap().len(), 1, "{what}");
                    }
                    ("/api/explain", r) if c.url.contains(&format!("lon={lon}&")) => {
                        let text = json.to_string();
                        assert_eq!(text.contains("incident_id"), r == Role::Analist, "{what}");
                        assert!(text.contains("\"soort\":\"dumping\""), "{what}");
                    }
                    ("/api/export.geojson", Role::Kvb) => {
                        for f in json["features"].as_array().unwrap() {
                            let p = f["properties"].as_object().unwrap();
                            assert!(
                                p.contains_key("klasse") && !p.contains_key("risico_max"),
                                "{what}"
                            );
                            assert!(p["grootte_m"].as_f64().unwrap() >= 500.0, "{what}");
                        }
                    }
                    ("/api/gemeenten", Role::Gemeente) => {
                        assert_eq!(json.as_array().unwrap().len(), 1, "{what}");
                    }
                    ("/api/gemeenten", Role::Kvb) => {
                        assert!(json[0].get("aantal_inspecties").is_none(), "{what}");
                    }
                    (p, role)
                        if p.starts_with("/api/layers/")
                            && p != "/api/layers/gemeenten.geojson"
                            && p != "/api/layers/bebouwde_kom.geojson" =>
                    {
                        let n = json["features"].as_array().map_or(0, Vec::len);
                        if role == Role::Analist {
                            reference_counts.insert(p, n);
                        } else if let Some(&all) = reference_counts.get(p) {
                            assert!(n <= all, "{what}: {n} of {all}");
                            if matches!(
                                p,
                                "/api/layers/dumpingen.geojson" | "/api/layers/leegstand.geojson"
                            ) {
                                assert!(n < all, "{what}: {n} of {all}: only its own area");
                            }
                        }
                        let text = json.to_string();
                        assert_eq!(
                            text.contains("incident_id"),
                            role == Role::Analist && p == "/api/layers/dumpingen.geojson",
                            "{what}"
                        );
                        if p == "/api/layers/dumpingen.geojson" && role == Role::Gemeente {
                            // That and when, not the police's record.
                            for f in json["features"].as_array().unwrap() {
                                let keys: Vec<&String> =
                                    f["properties"].as_object().unwrap().keys().collect();
                                assert_eq!(keys, ["datum"], "{what}");
                            }
                        }
                    }
                    ("/api/me", r) => assert_eq!(json["rol"], r.id(), "{what}"),
                    _ => {}
                }
            }
        }
    }

    // A kvb square reads the same whatever box asks for it: a box cut
    // through a square must not give back its cells' classes.
    let kv = Some(tokens[2].as_str());
    let squares = |query: String| {
        let client = &client;
        async move {
            let r = send(
                client,
                "GET",
                &format!("{base}{export}?{query}"),
                kv,
                None,
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{query}");
            r.json()["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let ring = f["geometry"]["coordinates"][0].as_array().unwrap().clone();
                    let (lons, lats): (Vec<f64>, Vec<f64>) = ring
                        .iter()
                        .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                        .unzip();
                    let mid = |v: &[f64]| {
                        (v.iter().cloned().fold(f64::MAX, f64::min)
                            + v.iter().cloned().fold(f64::MIN, f64::max))
                            / 2.0
                    };
                    (
                        f["properties"]["vierkant"].as_str().unwrap().to_string(),
                        f["properties"]["klasse"].as_str().unwrap().to_string(),
                        mid(&lons),
                        mid(&lats),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let whole = squares(format!("gemeente={HOTSPOT_GEMEENTE}")).await;
    assert!(!whole.is_empty());
    // The high squares first, whose cells differ most.
    let mut ordered: Vec<_> = whole.iter().collect();
    ordered.sort_by_key(|(_, k, _, _)| k == "laag");
    let high = ordered.into_iter().take(20);
    let mut probed = 0;
    for (name, klasse, lon, lat) in high {
        // A box of about 27 × 44 m (at least one cell) at the square's
        // centre and off it.
        for (dlon, dlat) in [(0.0, 0.0), (0.002, 0.0015)] {
            let (w, s) = (lon + dlon - 0.0002, lat + dlat - 0.0002);
            let part = squares(format!(
                "gemeente={HOTSPOT_GEMEENTE}&bbox={w},{s},{},{}",
                w + 0.0004,
                s + 0.0004
            ))
            .await;
            let found = part.iter().find(|(n, _, _, _)| n == name);
            let (_, k, _, _) = found.unwrap_or_else(|| panic!("{name} not in its small box"));
            assert_eq!(k, klasse, "{name} in a small box");
            probed += 1;
        }
    }
    assert_eq!(probed, 40, "{probed} boxes");
    // Nor does a municipal border split a square into parts.
    let beside = squares(format!("gemeente={other}")).await;
    let shared: Vec<_> = beside
        .iter()
        .filter_map(|(n, k, _, _)| {
            let mine = whole.iter().find(|(m, _, _, _)| m == n)?;
            Some((n, k, &mine.1))
        })
        .collect();
    for (n, k, mine) in &shared {
        assert_eq!(k, mine, "{n} on the border");
    }

    // Near its border a municipality's explanation counts the vacant barns
    // across it, naming none (RD 160702, 378148 lies in GM9902, some 300 m
    // from a vacant barn of GM9901).
    let gm = Some(tokens[1].as_str());
    let at = send(
        &client,
        "GET",
        &format!("{base}/api/rd?x=160702&y=378148"),
        gm,
        None,
        None,
    )
    .await
    .json();
    let (blon, blat) = (at["lon"].as_f64().unwrap(), at["lat"].as_f64().unwrap());
    let url = format!("{base}/api/explain?lon={blon}&lat={blat}");
    for (token, role) in [(gm, Role::Gemeente), (an, Role::Analist)] {
        let e = send(&client, "GET", &url, token, purpose, None).await;
        assert_eq!(e.status, 200, "{role}");
        let text = e.json().to_string();
        let leegstand = e.json()["indicatoren"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == "leegstand")
            .unwrap()
            .clone();
        let names_other = text.contains("\"identificatie\":\"9901");
        let counts_other = leegstand["kenmerken"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["soort"] == "panden_elders");
        match role {
            Role::Gemeente => {
                assert!(!names_other && counts_other, "{text}");
                let uitleg = leegstand["uitleg"].as_str().unwrap();
                assert!(uitleg.contains("buiten uw gemeente"), "{text}");
            }
            _ => assert!(names_other && !counts_other, "{text}"),
        }
    }

    // Dumpings across the border are counted only, never dated or placed:
    // at this point of the municipality a dumping of GM9905 lies within
    // the bandwidth, and shown and counted add up to what the analyst sees.
    let at = send(
        &client,
        "GET",
        &format!("{base}/api/rd?x=169900&y=390636"),
        gm,
        None,
        None,
    )
    .await
    .json();
    let (lon, lat) = (at["lon"].as_f64().unwrap(), at["lat"].as_f64().unwrap());
    let url = format!("{base}/api/explain?lon={lon}&lat={lat}");
    let mut seen = Vec::new();
    for token in [gm, an] {
        let e = send(&client, "GET", &url, token, purpose, None).await;
        assert_eq!(e.status, 200);
        let dumpingen = e.json()["indicatoren"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == "dumpingen")
            .unwrap()
            .clone();
        let kenmerken = dumpingen["kenmerken"].as_array().unwrap();
        let shown = kenmerken.iter().filter(|k| k["soort"] == "dumping").count();
        let elsewhere = kenmerken
            .iter()
            .find(|k| k["soort"] == "dumpingen_elders")
            .map_or(0, |k| k["aantal"].as_u64().unwrap() as usize);
        seen.push((shown, elsewhere, dumpingen["uitleg"].to_string()));
    }
    let (g_shown, g_elsewhere, g_uitleg) = &seen[0];
    let (a_shown, a_elsewhere, _) = &seen[1];
    assert!(*g_elsewhere > 0 && *a_elsewhere == 0, "{seen:?}");
    assert_eq!(g_shown + g_elsewhere, *a_shown, "{seen:?}");
    assert!(g_uitleg.contains("buiten uw gemeente"), "{seen:?}");

    // A session cookie alone carries the map's tile requests.
    let browser = reqwest::Client::new();
    let login = browser
        .post(format!("{base}/api/login"))
        .json(&serde_json::json!({"token": tokens[1]}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains(&tokens[1]));
    let session = cookie.split(';').next().unwrap().to_string();
    let tile = format!("{base}/tiles/risk/14/{x}/{y}.png");
    let get = |url: String| browser.get(url).header("cookie", session.clone()).send();
    assert_eq!(get(tile.clone()).await.unwrap().status(), 200);
    let me: serde_json::Value = get(format!("{base}/api/me"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["gemeenten"][0], HOTSPOT_GEMEENTE);
    browser
        .post(format!("{base}/api/logout"))
        .header("cookie", session.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(get(tile.clone()).await.unwrap().status(), 401);

    // The audit log: intact, building-level accesses and admin calls in
    // it, ids but no tokens.
    let verify = common::run(&["audit", "verify", "-c", config.to_str().unwrap()]);
    assert!(verify.status.success(), "{}", common::stderr(&verify));
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    for t in &tokens {
        assert!(!log.contains(t.split_once('.').unwrap().1));
    }
    assert!(log.contains("RIEC-2026-0142") && log.contains(buitenzicht_synth::HOTSPOT_BARN));
    assert!(log.contains("/api/beheer/gebruikers"));
    let show = common::run(&[
        "audit",
        "show",
        "--user",
        "gm",
        "--since",
        "2020-01-01",
        "-c",
        config.to_str().unwrap(),
    ]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.lines().count() >= 3 && shown.lines().all(|l| l.contains("gm (gemeente)")),
        "{shown}"
    );

    // Revoking takes effect on the running server.
    let me = |token: String| {
        let client = &client;
        async move {
            let url = format!("{base}/api/me");
            send(client, "GET", &url, Some(&token), None, None)
                .await
                .status
        }
    };
    let out = common::run(&["users", "revoke", "kv", "-c", config.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(me(tokens[2].clone()).await, 401);

    // Guessing tokens: after five failures a minute, 429. (The analyst's
    // token is verified again first: revoking re-read the users file.)
    assert_eq!(me(tokens[0].clone()).await, 200);
    let mut statuses = Vec::new();
    for i in 0..7 {
        statuses.push(me(format!("an.{:064x}", i)).await);
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
    // A token verified before still works: the limit is no lever to lock
    // users out.
    assert_eq!(me(tokens[0].clone()).await, 200);
}

#[test]
fn without_access_only_loopback() {
    let config = common::fixtures().join("buitenzicht.toml");
    let out = common::run(&[
        "serve",
        "-c",
        config.to_str().unwrap(),
        "--addr",
        "0.0.0.0:0",
    ]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("loopback"),
        "{}",
        common::stderr(&out)
    );
}

/// A municipality code the project's gemeenten layer lacks is refused, so
/// a typo cannot give a user a scope that matches nothing; a known one is
/// taken.
#[test]
fn users_add_refuses_a_municipality_not_in_the_data() {
    let dir = common::fixture_copy();
    let config = dir.path().join("buitenzicht.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[access]\nusers = \"users.toml\"\n");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();
    let out = common::run(&[
        "users",
        "add",
        "zz",
        "--role",
        "gemeente",
        "--gemeente",
        "GM0001",
        "-c",
        config,
    ]);
    assert!(!out.status.success());
    let stderr = common::stderr(&out);
    assert!(
        stderr.contains("GM0001 staat niet in de laag gemeenten"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("users.toml").exists() || {
            let users = std::fs::read_to_string(dir.path().join("users.toml")).unwrap();
            !users.contains("zz")
        }
    );
    add_user(Path::new(config), "gm", "gemeente", &[HOTSPOT_GEMEENTE]);
}
