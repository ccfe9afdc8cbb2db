//! Where each layer comes from and how its columns are named.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One input layer: a file GDAL can open (or, for `satelliet`, a folder of
/// GeoTIFFs), an optional CRS override and an optional column mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSource {
    pub path: PathBuf,
    /// CRS of the data when the file does not say (CSV) or says it wrongly,
    /// e.g. `"EPSG:28992"`. CSV with `x`/`y` columns defaults to RD New,
    /// CSV with `lon`/`lat` to WGS84.
    #[serde(default)]
    pub crs: Option<String>,
    /// Maps the project's column name to the name in this file,
    /// e.g. `{ leegstand = "LEEGSTAND_STATUS" }`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl LayerSource {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LayerSource {
            path: path.into(),
            crs: None,
            columns: BTreeMap::new(),
        }
    }

    /// The file's name for the project's column `name`.
    pub fn column<'a>(&'a self, name: &'a str) -> &'a str {
        self.columns.get(name).map(String::as_str).unwrap_or(name)
    }
}

/// The seven layers of a project.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSources {
    pub gemeenten: LayerSource,
    pub bebouwde_kom: LayerSource,
    pub panden: LayerSource,
    pub dumpingen: LayerSource,
    pub rwzi: LayerSource,
    pub rioolmetingen: LayerSource,
    pub satelliet: LayerSource,
}

impl LayerSources {
    /// Resolves relative paths against `base` (the project file's folder).
    pub fn resolve_paths(&mut self, base: &std::path::Path) {
        for source in [
            &mut self.gemeenten,
            &mut self.bebouwde_kom,
            &mut self.panden,
            &mut self.dumpingen,
            &mut self.rwzi,
            &mut self.rioolmetingen,
            &mut self.satelliet,
        ] {
            if source.path.is_relative() {
                source.path = base.join(&source.path);
            }
        }
    }
}
