//! An OGC API Features collection over HTTP, such as the BAG at PDOK
//! (`https://api.pdok.nl/lv/bag/ogc/v1/collections/pand/items`).
//!
//! The items are fetched page by page, following the `next` links (cursor
//! paging), restricted to the study area's bounding box and, when the
//! collection offers it, in RD New (`crs=` Part 2; the `Content-Crs` of
//! each answer is honoured). A timeout, a dropped connection, a 429 or a
//! 5xx is retried with a doubling wait or the server's `Retry-After`, the
//! same page again, so no feature is read twice or lost. A feature id seen
//! before is left out with a note.
//!
//! Every download is kept as a local copy (`.buitenzicht-cache/` beside the
//! project file). A copy younger than `http.max_age_days` is used without
//! asking the server, an older one only when the server cannot be reached;
//! either way the notes say how old it is.

use super::{Decimal, Record, Source, Table, Value};
use crate::config::HttpSettings;
use crate::crs::{srs_from_epsg, RD_NEW, WGS84};
use crate::error::FieldError;
use crate::IngestError;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The URI of RD New in OGC API Features Part 2.
pub const RD_NEW_URI: &str = "http://www.opengis.net/def/crs/EPSG/0/28992";
/// The default CRS of OGC API Features: WGS84 longitude, latitude.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Longest wait between retries without one.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Progress is printed at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// An OGC API Features items endpoint.
pub struct OgcApi {
    layer: &'static str,
    url: String,
    settings: HttpSettings,
    cache_dir: Option<PathBuf>,
    /// Fetch only what intersects this box (RD New).
    bbox_rd: Option<[f64; 4]>,
}

/// The CRS the features arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum FeatureCrs {
    RdNew,
    Crs84,
}

/// What a download gives, and what the local copy holds.
#[derive(Debug, Serialize, Deserialize)]
struct LocalCopy {
    url: String,
    bbox_rd: Option<[f64; 4]>,
    fetched: DateTime<Utc>,
    crs: FeatureCrs,
    pages: u32,
    features: Vec<Json>,
}

impl OgcApi {
    pub fn new(
        layer: &'static str,
        url: String,
        settings: HttpSettings,
        cache_dir: Option<PathBuf>,
        bbox_rd: Option<[f64; 4]>,
    ) -> Self {
        OgcApi {
            layer,
            url,
            settings,
            cache_dir,
            bbox_rd,
        }
    }

    fn error(&self, message: String) -> IngestError {
        IngestError::Open {
            layer: self.layer,
            path: self.url.clone().into(),
            message,
        }
    }

    fn cache_path(&self) -> Option<PathBuf> {
        self.cache_dir
            .as_ref()
            .map(|d| d.join(format!("{}.json", self.layer)))
    }

    /// The local copy, when there is one for this URL and box.
    fn cached(&self) -> Option<LocalCopy> {
        let bytes = std::fs::read(self.cache_path()?).ok()?;
        let copy: LocalCopy = serde_json::from_slice(&bytes).ok()?;
        (copy.url == self.url && copy.bbox_rd == self.bbox_rd).then_some(copy)
    }

    fn store(&self, copy: &LocalCopy) -> Result<(), IngestError> {
        let Some(path) = self.cache_path() else {
            return Ok(());
        };
        let failed = |e: std::io::Error| {
            self.error(format!(
                "lokale kopie {} kan niet geschreven worden: {e}",
                path.display()
            ))
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let bytes = serde_json::to_vec(copy).map_err(|e| self.error(e.to_string()))?;
        crate::atomic::write(&path, &bytes).map_err(failed)
    }

    /// Downloads every page on a runtime of its own, on a thread of its
    /// own, so it works whether or not the caller runs inside tokio.
    fn download(&self) -> Result<LocalCopy, FetchError> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())?;
                    runtime.block_on(self.fetch_all())
                })
                .join()
                .unwrap_or_else(
                    |_| Err(String::from("het ophalen is onverwacht afgebroken").into()),
                )
        })
    }

    async fn fetch_all(&self) -> Result<LocalCopy, FetchError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(self.settings.timeout_s))
            .user_agent(concat!("buitenzicht/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let items = Url::parse(&self.url).map_err(|e| format!("geen geldige URL: {e}"))?;
        let offers_rd = self.offers_rd_new(&client, &items).await?;

        let mut first = items.clone();
        {
            let mut query = first.query_pairs_mut();
            query.append_pair("f", "json");
            query.append_pair("limit", &self.settings.limit.to_string());
            if offers_rd {
                query.append_pair("crs", RD_NEW_URI);
            }
            if let Some(bbox) = self.bbox_rd {
                let [w, s, e, n] = if offers_rd {
                    bbox
                } else {
                    crate::crs::Transformer::from_epsg(RD_NEW, WGS84)
                        .and_then(|t| t.bounds(bbox))
                        .map_err(|e| e.to_string())?
                };
                query.append_pair("bbox", &format!("{w},{s},{e},{n}"));
                if offers_rd {
                    query.append_pair("bbox-crs", RD_NEW_URI);
                }
            }
        }

        let started = Instant::now();
        let mut last_progress = Instant::now();
        let mut visited = HashSet::new();
        let mut ids = HashSet::new();
        let mut features = Vec::new();
        let mut duplicates = 0u64;
        let mut crs = None;
        let mut pages = 0u32;
        let mut matched: Option<u64> = None;
        let mut next = Some(first);
        while let Some(url) = next.take() {
            if !visited.insert(url.to_string()) {
                return Err(format!(
                    "de server verwijst opnieuw naar een pagina die al gelezen is ({url})"
                )
                .into());
            }
            let (headers, body) = self.get(&client, &url).await?;
            pages += 1;
            let page_crs = content_crs(&headers)?;
            match crs {
                None => crs = Some(page_crs),
                Some(c) if c != page_crs => {
                    return Err(format!(
                        "pagina {pages} komt in een ander CRS (Content-Crs) dan de eerste"
                    )
                    .into())
                }
                _ => {}
            }
            let page: Json = serde_json::from_slice(&body).map_err(|e| {
                format!(
                    "pagina {pages} is geen geldige JSON (regel {}, kolom {}) ({url})",
                    e.line(),
                    e.column()
                )
            })?;
            if pages == 1 {
                matched = page.get("numberMatched").and_then(Json::as_u64);
            }
            let Some(list) = page.get("features").and_then(Json::as_array) else {
                return Err(
                    format!("pagina {pages} is geen GeoJSON FeatureCollection ({url})").into(),
                );
            };
            for feature in list {
                let again = feature
                    .get("id")
                    .map(id_text)
                    .is_some_and(|id| !ids.insert(id));
                if again {
                    duplicates += 1;
                } else {
                    features.push(feature.clone());
                }
            }
            next = next_link(&page, &url)?;
            if next.is_none() || last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                eprintln!(
                    "laag `{}`: {} objecten opgehaald ({pages} pagina's, {:.0} s)",
                    self.layer,
                    features.len(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        // A server that stops linking before the end (a lost `next`) would
        // otherwise hand over part of the layer as if it were all.
        let received = features.len() as u64 + duplicates;
        if let Some(n) = matched.filter(|&n| received < n) {
            return Err(format!(
                "de server meldde {n} objecten (numberMatched), maar na {pages} pagina's zonder verdere `next`-link kwamen er {received}; de laag is niet volledig"
            )
            .into());
        }
        if duplicates > 0 {
            eprintln!(
                "laag `{}`: {duplicates} objecten kwamen op een latere pagina nog eens voor en zijn één keer gelezen",
                self.layer
            );
        }
        Ok(LocalCopy {
            url: self.url.clone(),
            bbox_rd: self.bbox_rd,
            fetched: Utc::now(),
            crs: crs.unwrap_or(FeatureCrs::Crs84),
            pages,
            features,
        })
    }

    /// Whether the collection lists RD New among its CRSs. A collection
    /// document the server refuses counts as no, and says so; a server that
    /// cannot be reached is not asked again for the items.
    async fn offers_rd_new(
        &self,
        client: &reqwest::Client,
        items: &Url,
    ) -> Result<bool, FetchError> {
        let mut collection = items.clone();
        let path = collection.path().trim_end_matches('/').to_string();
        let Some(base) = path.strip_suffix("/items") else {
            return Ok(false);
        };
        collection.set_path(base);
        collection.set_query(Some("f=json"));
        let body = match self.get(client, &collection).await {
            Ok((_, body)) => body,
            Err(e) if e.unreachable => return Err(e),
            Err(e) => {
                eprintln!(
                    "laag `{}`: de collectiebeschrijving is niet te lezen ({}); de objecten worden in WGS84 gevraagd",
                    self.layer, e.message
                );
                return Ok(false);
            }
        };
        Ok(serde_json::from_slice::<Json>(&body)
            .ok()
            .and_then(|doc| {
                doc.get("crs").and_then(Json::as_array).map(|list| {
                    list.iter()
                        .filter_map(Json::as_str)
                        .any(|c| is_rd_new(c.trim()))
                })
            })
            .unwrap_or(false))
    }

    /// One GET with retries: a timeout, a dropped connection (also in the
    /// middle of the body), 429 and 5xx are tried again; another status
    /// fails at once.
    async fn get(
        &self,
        client: &reqwest::Client,
        url: &Url,
    ) -> Result<(HeaderMap, Vec<u8>), FetchError> {
        let mut attempt = 0u32;
        loop {
            let failure = match client
                .get(url.clone())
                .header("Accept", "application/geo+json, application/json")
                .send()
                .await
            {
                Ok(response) if response.status().is_success() => {
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => return Ok((headers, body.to_vec())),
                        Err(e) => Failure::Retry(describe(&e), None),
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    let wait = retry_after(response.headers());
                    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                        Failure::Retry(format!("HTTP {status}"), wait)
                    } else {
                        let text = response.text().await.unwrap_or_default();
                        let text: String = text.chars().take(200).collect();
                        Failure::Fatal(format!("HTTP {status} op {url}: {text}"))
                    }
                }
                Err(e) => Failure::Retry(describe(&e), None),
            };
            match failure {
                Failure::Fatal(message) => return Err(message.into()),
                Failure::Retry(message, _) if attempt >= self.settings.retries => {
                    return Err(FetchError {
                        message: format!(
                            "{message} op {url}, ook na {} nieuwe pogingen",
                            self.settings.retries
                        ),
                        unreachable: true,
                    })
                }
                Failure::Retry(message, wait) => {
                    let backoff = Duration::from_secs_f64(
                        self.settings.backoff_s * 2f64.powi(attempt as i32),
                    )
                    .min(MAX_BACKOFF);
                    let wait = wait.map_or(backoff, |w| w.min(MAX_RETRY_AFTER));
                    eprintln!(
                        "laag `{}`: {message}; nieuwe poging over {:.1} s",
                        self.layer,
                        wait.as_secs_f64()
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }
}

enum Failure {
    Retry(String, Option<Duration>),
    Fatal(String),
}

/// Why a download failed. Only a server that cannot be reached (every
/// retry spent) lets an older local copy stand in; one that answered with
/// a refusal or with something wrong fails the layer.
struct FetchError {
    message: String,
    unreachable: bool,
}

impl From<String> for FetchError {
    fn from(message: String) -> Self {
        FetchError {
            message,
            unreachable: false,
        }
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "geen antwoord binnen de tijd (http.timeout_s)".into()
    } else if e.is_connect() {
        "geen verbinding met de server".into()
    } else {
        "verbinding verbroken tijdens het antwoord".into()
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(text).ok()?;
    (at.with_timezone(&Utc) - Utc::now()).to_std().ok()
}

fn is_rd_new(uri: &str) -> bool {
    uri == RD_NEW_URI || uri.eq_ignore_ascii_case("EPSG:28992")
}

/// The answer's CRS: `Content-Crs: <uri>`; without the header, CRS84.
fn content_crs(headers: &HeaderMap) -> Result<FeatureCrs, String> {
    let Some(value) = headers.get("content-crs") else {
        return Ok(FeatureCrs::Crs84);
    };
    let uri = value
        .to_str()
        .map_err(|_| "Content-Crs is geen tekst".to_string())?
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    if is_rd_new(uri) {
        Ok(FeatureCrs::RdNew)
    } else if uri == CRS84_URI {
        Ok(FeatureCrs::Crs84)
    } else {
        Err(format!(
            "de server levert in {uri}; alleen RD New ({RD_NEW_URI}) en CRS84 worden gelezen"
        ))
    }
}

/// The `next` link of a page, resolved against the page's URL.
fn next_link(page: &Json, url: &Url) -> Result<Option<Url>, String> {
    let Some(links) = page.get("links").and_then(Json::as_array) else {
        return Ok(None);
    };
    let next = links.iter().find(|l| {
        l.get("rel").and_then(Json::as_str) == Some("next")
            && l.get("type")
                .and_then(Json::as_str)
                .is_none_or(|t| t.contains("json"))
    });
    match next.and_then(|l| l.get("href")).and_then(Json::as_str) {
        Some(href) => url
            .join(href)
            .map(Some)
            .map_err(|e| format!("ongeldige `next`-link {href}: {e}")),
        None => Ok(None),
    }
}

fn id_text(id: &Json) -> String {
    match id {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Source for OgcApi {
    fn name(&self) -> String {
        self.url.clone()
    }

    fn open(&self) -> Result<Table, IngestError> {
        let mut notes = Vec::new();
        let cached = self.cached();
        let age_days =
            |copy: &LocalCopy| (Utc::now() - copy.fetched).num_seconds() as f64 / 86_400.0;
        let copy = match cached {
            Some(copy) if age_days(&copy) < self.settings.max_age_days => {
                notes.push(format!(
                    "laag `{}`: lokale kopie van {} gebruikt, {} oud (opgehaald {}); ouder dan {} dagen wordt ze opnieuw opgehaald",
                    self.layer,
                    self.url,
                    age_text(age_days(&copy)),
                    copy.fetched.format("%Y-%m-%d %H:%M UTC"),
                    self.settings.max_age_days
                ));
                copy
            }
            cached => match self.download() {
                Ok(copy) => {
                    self.store(&copy)?;
                    notes.push(format!(
                        "laag `{}`: {} objecten opgehaald van {} in {} pagina's",
                        self.layer,
                        copy.features.len(),
                        self.url,
                        copy.pages
                    ));
                    copy
                }
                Err(e) => match cached {
                    Some(copy) if e.unreachable => {
                        notes.push(format!(
                            "laag `{}`: {} is niet bereikbaar ({}); de lokale kopie van {} oud (opgehaald {}) wordt gebruikt",
                            self.layer,
                            self.url,
                            e.message,
                            age_text(age_days(&copy)),
                            copy.fetched.format("%Y-%m-%d %H:%M UTC")
                        ));
                        copy
                    }
                    _ => return Err(self.error(e.message)),
                },
            },
        };
        let mut table = table(copy.features, copy.crs).map_err(|e| self.error(e))?;
        table.notes = notes;
        Ok(table)
    }
}

fn age_text(days: f64) -> String {
    if days < 1.0 / 24.0 {
        "minder dan een uur".into()
    } else if days < 1.0 {
        let hours = (days * 24.0).round() as i64;
        format!("{hours} uur")
    } else {
        let days = days.round() as i64;
        format!("{days} {}", if days == 1 { "dag" } else { "dagen" })
    }
}

/// The features as a table: every property name that occurs is a field,
/// in order of first appearance (within one feature, by name).
fn table(features: Vec<Json>, crs: FeatureCrs) -> Result<Table, String> {
    let mut fields: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let empty = Map::new();
    let properties = |f: &Json| -> Map<String, Json> {
        f.get("properties")
            .and_then(Json::as_object)
            .unwrap_or(&empty)
            .clone()
    };
    for feature in &features {
        for key in properties(feature).keys() {
            if !index.contains_key(key) {
                index.insert(key.clone(), fields.len());
                fields.push(key.clone());
            }
        }
    }
    let records = features
        .into_iter()
        .map(|feature| {
            let mut values = vec![None; fields.len()];
            for (key, value) in properties(&feature) {
                if let Some(&i) = index.get(&key) {
                    values[i] = json_value(value);
                }
            }
            let geometry = match feature.get("geometry") {
                None | Some(Json::Null) => None,
                Some(g) => Some(geometry(g.clone())?),
            };
            Ok(Record { values, geometry })
        })
        .collect();
    let srs = srs_from_epsg(match crs {
        FeatureCrs::RdNew => RD_NEW,
        FeatureCrs::Crs84 => WGS84,
    })
    .map_err(|e| e.to_string())?;
    Ok(Table {
        fields,
        has_geometry: true,
        crs: Some(srs),
        decimal: Decimal::Point,
        records,
        notes: Vec::new(),
        name_limit: None,
        lines: Vec::new(),
    })
}

fn geometry(json: Json) -> Result<geo::Geometry, FieldError> {
    let bad = |e: String| FieldError::field("geometry", format!("kan niet gelezen worden: {e}"));
    let g: geojson::Geometry = serde_json::from_value(json).map_err(|e| bad(e.to_string()))?;
    geo::Geometry::try_from(g).map_err(|e| bad(e.to_string()))
}

fn json_value(value: Json) -> Option<Value> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(Value::Text(s)),
        Json::Number(n) => Some(match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Json::Bool(b) => Some(Value::Text(b.to_string())),
        other => Some(Value::Text(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = (Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
    }

    #[test]
    fn content_crs_names_the_crs() {
        let mut h = HeaderMap::new();
        assert_eq!(content_crs(&h), Ok(FeatureCrs::Crs84));
        h.insert(
            "content-crs",
            HeaderValue::from_str(&format!("<{RD_NEW_URI}>")).unwrap(),
        );
        assert_eq!(content_crs(&h), Ok(FeatureCrs::RdNew));
        h.insert(
            "content-crs",
            HeaderValue::from_static("<http://www.opengis.net/def/crs/EPSG/0/3857>"),
        );
        assert!(content_crs(&h).unwrap_err().contains("3857"));
    }

    #[test]
    fn next_links_resolve_against_the_page() {
        let url = Url::parse("https://example.org/c/pand/items?f=json").unwrap();
        let page = serde_json::json!({"links": [
            {"rel": "self", "href": "items?f=json"},
            {"rel": "next", "type": "text/html", "href": "items?f=html&cursor=2"},
            {"rel": "next", "type": "application/geo+json", "href": "items?f=json&cursor=2"}
        ]});
        assert_eq!(
            next_link(&page, &url).unwrap().unwrap().as_str(),
            "https://example.org/c/pand/items?f=json&cursor=2"
        );
        assert_eq!(next_link(&serde_json::json!({}), &url).unwrap(), None);
    }

    #[test]
    fn properties_become_fields_in_order_of_appearance() {
        let features = vec![
            serde_json::json!({"type": "Feature", "id": "a",
                "geometry": {"type": "Point", "coordinates": [155000.0, 463000.0]},
                "properties": {"identificatie": "1", "bouwjaar": 1970}}),
            serde_json::json!({"type": "Feature", "id": "b", "geometry": null,
                "properties": {"status": "Pand in gebruik", "oppervlakte": 12.5}}),
        ];
        let t = table(features, FeatureCrs::RdNew).unwrap();
        assert_eq!(
            t.fields,
            ["bouwjaar", "identificatie", "oppervlakte", "status"]
        );
        let first = t.records[0].as_ref().unwrap();
        assert_eq!(first.values[0], Some(Value::Integer(1970)));
        assert!(first.geometry.is_some());
        let second = t.records[1].as_ref().unwrap();
        assert_eq!(second.values[1], None);
        assert_eq!(second.values[2], Some(Value::Real(12.5)));
    }
}
