//! Serving settings from the project file.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on; `127.0.0.1:8080` when not set.
    pub addr: Option<String>,
    /// Folder of the web map (with its `node_modules`); `web` in the
    /// working directory when not set.
    pub web_dir: Option<PathBuf>,
    /// Optional XYZ base-map URL template, e.g. a PDOK BRT tile service.
    /// The map is complete without one.
    pub basemap_url: Option<String>,
    /// Attribution shown for the base map.
    pub basemap_attribution: Option<String>,
    /// Optional address search: a PDOK Locatieserver `free` endpoint, e.g.
    /// `https://api.pdok.nl/bzk/locatieserver/search/v3_1/free`. Without
    /// one, the search box finds municipalities, buildings and coordinates.
    pub locatieserver_url: Option<String>,
    /// Tile cache size in MiB (default 256).
    pub tile_cache_mb: Option<u64>,
    /// The URL the map is reached at from outside (e.g. behind a reverse
    /// proxy): the base of TileJSON's tile URLs, and `https://` marks the
    /// session cookie `Secure`.
    pub public_url: Option<String>,
    /// Origins (`https://host[:port]`) whose web pages may read the API;
    /// none by default.
    pub cors_origins: Vec<String>,
}

impl ServeConfig {
    /// Checks the settings; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        for origin in &self.cors_origins {
            // An origin is a scheme, a host and perhaps a port: no `*`
            // (any site could read the API), no path.
            let url = reqwest::Url::parse(origin).ok();
            let ok = url.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| h != "*")
                    && u.path() == "/"
                    && u.query().is_none()
                    && u.username().is_empty()
            }) && !origin.trim_end_matches('/').ends_with(':');
            if !ok {
                return Err(format!(
                    "`serve.cors_origins` bevat '{origin}': geef elke herkomst als https://host[:poort], zonder pad; `*` (iedere site) is niet toegestaan"
                ));
            }
        }
        if let Some(public) = &self.public_url {
            let ok = reqwest::Url::parse(public)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok {
                return Err(format!(
                    "`serve.public_url` = '{public}': geef een adres als https://kaart.riec.example"
                ));
            }
        }
        Ok(())
    }

    /// Resolves a relative `web_dir` against the project file's folder.
    pub fn resolve_paths(&mut self, base: &Path) {
        if let Some(dir) = &self.web_dir {
            if dir.is_relative() {
                self.web_dir = Some(base.join(dir));
            }
        }
    }
}
