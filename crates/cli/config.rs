//! The project file (`buitenzicht.toml`): layer sources, scoring and serving
//! settings. Command-line flags override what it says.

mod toml_dutch;

use buitenzicht_ingest::{IngestOptions, LayerSources};
use buitenzicht_score::ScoreConfig;
use buitenzicht_serve::access::AccessConfig;
use buitenzicht_serve::ServeConfig;
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// Name shown on the map.
    #[serde(default = "default_name")]
    pub name: String,
    /// Score as of this date (dumpings and sewage after it are ignored).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    pub layers: LayerSources,
    /// How much bad input a run tolerates.
    #[serde(default)]
    pub ingest: IngestOptions,
    #[serde(default)]
    pub scoring: ScoreConfig,
    #[serde(default)]
    pub serve: ServeConfig,
    /// Who may see what; without it the server is for this computer only.
    #[serde(default)]
    pub access: Option<AccessConfig>,
}

/// Only the `[access]` of a project file: what `users` and `audit` need,
/// without checking the layers.
#[derive(Debug, Deserialize)]
struct AccessOnly {
    #[serde(default)]
    access: Option<AccessConfig>,
}

/// The `[access]` section of the project file at `path`, paths resolved.
pub fn load_access(path: &Path) -> Result<AccessConfig, ConfigError> {
    let only: AccessOnly = read_part(path)?;
    let mut access = only.access.ok_or_else(|| ConfigError::Invalid {
        path: path.to_path_buf(),
        message: "het projectbestand heeft geen [access]-sectie".into(),
    })?;
    access.resolve_paths(path.parent().unwrap_or(Path::new(".")));
    Ok(access)
}

/// Only the `[layers]` of a project file.
#[derive(Debug, Deserialize)]
struct LayersOnly {
    layers: LayerSources,
}

/// The `[layers]` section of the project file at `path`, paths resolved
/// and checked, without the other sections' checks: what `users add`
/// needs to know the municipalities.
pub fn load_layers(path: &Path) -> Result<LayerSources, ConfigError> {
    let mut layers = read_part::<LayersOnly>(path)?.layers;
    layers.resolve_paths(path.parent().unwrap_or(Path::new(".")));
    layers.validate().map_err(|message| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(layers)
}

/// The part of the project file at `path` that `T` takes, the rest left
/// unread.
fn read_part<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_toml(path, &text)
}

/// `text` read as `T`; an error names the line and says why in Dutch.
fn from_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    let parse = |e: toml::de::Error, syntax: bool| ConfigError::Parse {
        path: path.to_path_buf(),
        message: toml_dutch::message(text, &e, syntax),
    };
    // The syntax first: its errors are TOML's, the rest are a setting's.
    text.parse::<toml::Table>().map_err(|e| parse(e, true))?;
    toml::from_str(text).map_err(|e| parse(e, false))
}

fn default_name() -> String {
    "buitenzicht".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: het projectbestand kan niet gelezen worden: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl ProjectFile {
    /// Reads the project file; relative paths in it are relative to its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut project: ProjectFile = from_toml(path, &text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        project.layers.resolve_paths(base);
        project.serve.resolve_paths(base);
        if let Some(access) = &mut project.access {
            access.resolve_paths(base);
        }
        if let Some(model) = &project.scoring.model {
            if model.is_relative() {
                project.scoring.model = Some(base.join(model));
            }
        }
        let invalid = |message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if let Some(d) = project
            .as_of
            .filter(|d| !buitenzicht_ingest::four_digit_year(*d))
        {
            return Err(invalid(format!(
                "as_of = \"{d}\": kies een jaar van vier cijfers (1000 tot 9999)"
            )));
        }
        project.layers.validate().map_err(invalid)?;
        buitenzicht_ingest::config::check_share(
            "[ingest] max_reject_share",
            project.ingest.max_reject_share,
        )
        .map_err(invalid)?;
        project.scoring.validate().map_err(invalid)?;
        project.serve.validate().map_err(invalid)?;
        if let Some(access) = &project.access {
            access.validate().map_err(invalid)?;
        }
        Ok(project)
    }
}
