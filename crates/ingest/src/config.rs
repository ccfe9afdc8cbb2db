//! Where each layer comes from and how its columns are named.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One input layer: a file GDAL can open (or, for `satelliet`, a folder of
/// GeoTIFFs), or the items URL of an OGC API Features collection, with an
/// optional CRS override and an optional column mapping.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSource {
    /// A file (or, for `satelliet`, a folder), relative to the project file.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// An OGC API Features items endpoint, e.g.
    /// `https://api.pdok.nl/lv/bag/ogc/v1/collections/pand/items`.
    #[serde(default)]
    pub url: Option<String>,
    /// The layer to read, for a file that holds several (a GeoPackage).
    #[serde(default)]
    pub layer: Option<String>,
    /// CRS of the data when the file does not say (CSV) or says it wrongly,
    /// e.g. `"EPSG:28992"`. CSV with `x`/`y` or `wkt` columns defaults to RD
    /// New, CSV with `lon`/`lat` to WGS84.
    #[serde(default)]
    pub crs: Option<String>,
    /// Maps the project's column name to the name in this file,
    /// e.g. `{ leegstand = "LEEGSTAND_STATUS" }`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// How a CSV file is written; detected from the file when not set.
    #[serde(default)]
    pub csv: CsvDialect,
    /// A `strftime` pattern for dates written as text in another way than
    /// the ones recognised by default (e.g. `"%m/%d/%Y"`).
    #[serde(default)]
    pub date_format: Option<String>,
    /// The share of rows this layer may lose to rejections before the run
    /// fails (overrides `[ingest] max_reject_share`).
    #[serde(default)]
    pub max_reject_share: Option<f64>,
    /// Attributes joined in from a local table by key (`panden`: vacancy).
    #[serde(default)]
    pub join: Option<Join>,
    /// How a `url` source is fetched.
    #[serde(default)]
    pub http: HttpSettings,
    /// Where a `url` source keeps its local copy: set from the project
    /// file's folder (`.buitenzicht-cache` beside it).
    #[serde(skip)]
    pub cache_dir: Option<PathBuf>,
}

/// How an OGC API Features source is fetched.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Features per page asked for (PDOK serves at most 1000).
    pub limit: u32,
    /// Seconds one request may take, body included, before it is retried.
    pub timeout_s: f64,
    /// Retries per page after a timeout, a dropped connection, 429 or 5xx.
    pub retries: u32,
    /// First wait between retries in seconds, doubling each time (a
    /// `Retry-After` from the server takes precedence).
    pub backoff_s: f64,
    /// A local copy younger than this is used without asking the server;
    /// an older one only when the server cannot be reached.
    pub max_age_days: f64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            limit: 1000,
            timeout_s: 60.0,
            retries: 5,
            backoff_s: 1.0,
            max_age_days: 7.0,
        }
    }
}

impl HttpSettings {
    fn validate(&self, layer: &str) -> Result<(), String> {
        let bad = |what: &str, why: &str| Err(format!("laag `{layer}`: http.{what} {why}"));
        if self.limit == 0 || self.limit > 10_000 {
            return bad("limit", "moet tussen 1 en 10000 liggen");
        }
        if !(self.timeout_s > 0.0 && self.timeout_s <= 3600.0) {
            return bad("timeout_s", "moet tussen 0 en 3600 seconden liggen");
        }
        if self.retries > 20 {
            return bad("retries", "mag hoogstens 20 zijn");
        }
        if !(self.backoff_s >= 0.0 && self.backoff_s <= 600.0) {
            return bad("backoff_s", "moet tussen 0 en 600 seconden liggen");
        }
        if !(self.max_age_days >= 0.0 && self.max_age_days.is_finite()) {
            return bad("max_age_days", "moet 0 of meer dagen zijn");
        }
        Ok(())
    }
}

/// A local table joined to a layer by a key column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    /// The table (CSV or anything GDAL reads), relative to the project file.
    pub path: PathBuf,
    /// The key column, present in both the layer and the table.
    pub key: String,
    /// How the table is written, when it is a CSV file.
    #[serde(default)]
    pub csv: CsvDialect,
    /// A `strftime` pattern for its `leegstand_datum`, as the layer's.
    #[serde(default)]
    pub date_format: Option<String>,
}

/// The dialect of a CSV file. Every part left out is detected: the
/// delimiter from the header line, the decimal separator from the values
/// (a comma when numbers like `12,5` occur and the delimiter is not a
/// comma), the encoding from the bytes (UTF-8, else Windows-1252).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CsvDialect {
    /// `","`, `";"`, `"\t"` or `"|"`.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// `"."` or `","`.
    #[serde(default)]
    pub decimal: Option<char>,
    /// `"utf-8"` or `"windows-1252"`.
    #[serde(default)]
    pub encoding: Option<String>,
}

impl LayerSource {
    /// A layer read from a file.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LayerSource {
            path: Some(path.into()),
            ..LayerSource::default()
        }
    }

    /// The file's name for the project's column `name`.
    pub fn column<'a>(&'a self, name: &'a str) -> &'a str {
        self.columns.get(name).map(String::as_str).unwrap_or(name)
    }

    /// The path or URL, for messages.
    pub fn name(&self) -> String {
        match (&self.path, &self.url) {
            (Some(path), _) => path.display().to_string(),
            (None, Some(url)) => url.clone(),
            (None, None) => "(geen bron)".into(),
        }
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
    /// The layers with their names, in reading order.
    pub fn each(&self) -> [(&'static str, &LayerSource); 7] {
        [
            ("gemeenten", &self.gemeenten),
            ("bebouwde_kom", &self.bebouwde_kom),
            ("panden", &self.panden),
            ("dumpingen", &self.dumpingen),
            ("rwzi", &self.rwzi),
            ("rioolmetingen", &self.rioolmetingen),
            ("satelliet", &self.satelliet),
        ]
    }

    fn each_mut(&mut self) -> [(&'static str, &mut LayerSource); 7] {
        [
            ("gemeenten", &mut self.gemeenten),
            ("bebouwde_kom", &mut self.bebouwde_kom),
            ("panden", &mut self.panden),
            ("dumpingen", &mut self.dumpingen),
            ("rwzi", &mut self.rwzi),
            ("rioolmetingen", &mut self.rioolmetingen),
            ("satelliet", &mut self.satelliet),
        ]
    }

    /// Resolves relative paths against `base` (the project file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        let resolve = |path: &mut PathBuf| {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        };
        for (_, source) in self.each_mut() {
            if let Some(path) = &mut source.path {
                resolve(path);
            }
            if source.url.is_some() && source.cache_dir.is_none() {
                source.cache_dir = Some(base.join(".buitenzicht-cache"));
            }
            if let Some(join) = &mut source.join {
                resolve(&mut join.path);
            }
        }
    }

    /// Checks what serde cannot: each layer names exactly one of `path` and
    /// `url`, shares are fractions, dialects are ones we read.
    pub fn validate(&self) -> Result<(), String> {
        for (layer, source) in self.each() {
            match (&source.path, &source.url) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "laag `{layer}`: geef `path` of `url`, niet allebei"
                    ))
                }
                (None, None) => return Err(format!("laag `{layer}`: `path` of `url` ontbreekt")),
                (None, Some(_)) if layer == "satelliet" => {
                    return Err(
                        "laag `satelliet`: alleen een map (`path`) wordt ondersteund".into(),
                    )
                }
                _ => {}
            }
            source.http.validate(layer)?;
            // Settings the layer has no use for would be ignored without
            // a word.
            if source.path.is_some() && source.http != HttpSettings::default() {
                return Err(format!(
                    "laag `{layer}`: `http` geldt alleen voor een `url`, niet voor een bestand (`path`)"
                ));
            }
            if source.join.is_some() && layer != "panden" {
                return Err(format!(
                    "laag `{layer}`: `join` (een koppeltabel) bestaat alleen voor `panden`"
                ));
            }
            if layer == "satelliet" && source.crs.is_some() {
                return Err(
                    "laag `satelliet`: `crs` geldt niet voor een map met GeoTIFF-tegels: elke tegel draagt zijn eigen CRS (zet het met `gdal_translate -a_srs`)"
                        .into(),
                );
            }
            if layer == "satelliet"
                && (!source.columns.is_empty() || source.csv != CsvDialect::default())
            {
                return Err(
                    "laag `satelliet`: `columns` en `csv` gelden niet voor een map met GeoTIFF-tegels"
                        .into(),
                );
            }
            if let Some(share) = source.max_reject_share {
                check_share(&format!("laag `{layer}`: max_reject_share"), share)?;
            }
            for dialect in std::iter::once(&source.csv).chain(source.join.as_ref().map(|j| &j.csv))
            {
                dialect.validate(layer)?;
            }
            let formats = [&source.date_format]
                .into_iter()
                .chain(source.join.as_ref().map(|j| &j.date_format));
            for format in formats.flatten() {
                // A pattern with a date in it: `%Q` or plain text would
                // reject every row with the same message.
                let parsed = chrono::format::StrftimeItems::new(format).parse();
                let has = |items: &[&str]| items.iter().any(|d| format.contains(d));
                let whole = ["%F", "%D", "%x"];
                let has_date = has(&whole)
                    || (has(&["%Y", "%y"])
                        && (has(&["%j"]) || has(&["%d", "%e"]) && has(&["%m", "%b", "%B", "%h"])));
                if parsed.is_err() || !has_date {
                    return Err(format!(
                        "laag `{layer}`: date_format \"{format}\" is geen datumpatroon (bijvoorbeeld \"%d/%m/%Y\")"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A share must be a fraction from 0 to 1.
pub fn check_share(what: &str, share: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&share) {
        Ok(())
    } else {
        Err(format!(
            "{what} = {share}: moet tussen 0 en 1 liggen (0.1 = 10 %)"
        ))
    }
}

impl CsvDialect {
    fn validate(&self, layer: &str) -> Result<(), String> {
        if let Some(d) = self
            .delimiter
            .filter(|d| !matches!(d, ',' | ';' | '\t' | '|'))
        {
            return Err(format!(
                "laag `{layer}`: csv.delimiter '{d}' wordt niet ondersteund (, ; tab of |)"
            ));
        }
        if let Some(d) = self.decimal.filter(|d| !matches!(d, '.' | ',')) {
            return Err(format!(
                "laag `{layer}`: csv.decimal '{d}' wordt niet ondersteund (. of ,)"
            ));
        }
        if self.delimiter.is_some() && self.delimiter == self.decimal {
            return Err(format!(
                "laag `{layer}`: csv.delimiter en csv.decimal zijn allebei '{}'",
                self.decimal.unwrap_or(',')
            ));
        }
        if let Some(e) = &self.encoding {
            if encoding_rs::Encoding::for_label(e.as_bytes()).is_none() {
                return Err(format!(
                    "laag `{layer}`: csv.encoding '{e}' is geen bekende tekenset"
                ));
            }
        }
        Ok(())
    }
}

/// How much bad input a run tolerates (`[ingest]` in the project file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestOptions {
    /// A layer that loses more than this share of its rows fails the run
    /// (default 0.10), so an export in the wrong dialect can never quietly
    /// empty a signal.
    pub max_reject_share: f64,
    /// Accept any share of rejections (`--allow-rejects`).
    #[serde(skip)]
    pub allow_rejects: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_reject_share: 0.10,
            allow_rejects: false,
        }
    }
}
