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
    /// Resolves a relative `web_dir` against the project file's folder.
    pub fn resolve_paths(&mut self, base: &Path) {
        if let Some(dir) = &self.web_dir {
            if dir.is_relative() {
                self.web_dir = Some(base.join(dir));
            }
        }
    }
}
