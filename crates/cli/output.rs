//! The output folder of `run`, replaced whole or not at all.
//!
//! A run writes into a fresh hidden folder beside the output folder
//! (`.NAME.bezig-PID-…`) and, when every file is written, puts
//! `buitenzicht-run.json` in it last and swaps it with the output folder in
//! one atomic `renameat2(RENAME_EXCHANGE)`; the old run, now in the hidden
//! folder, is then removed. A kill at any moment leaves the old run or the
//! new one, never a mix; a hidden folder left by a killed run is removed by
//! the next one. On file systems without the exchange the swap is two
//! renames, with a moment in which the folder is missing but never mixed.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file that marks a folder as a complete run and lists its files.
pub const MANIFEST: &str = "buitenzicht-run.json";

/// What a run folder holds, written last.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub peildatum: chrono::NaiveDate,
    pub modelversie: String,
    pub geschreven: String,
    /// Paths relative to the folder.
    pub bestanden: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: {}", path.display(), buitenzicht_ingest::error::io_write_reason(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: de map bestaat, is niet leeg en is geen uitvoermap van buitenzicht (geen geldige {MANIFEST}); \
         `run` vervangt zijn uitvoermap in zijn geheel, kies dus een nieuwe of lege map",
        .0.display()
    )]
    NotARunFolder(PathBuf),
    #[error(
        "{}: bevat {}, dat buitenzicht niet schreef; `run` vervangt zijn uitvoermap in zijn geheel \
         en zou het wissen: zet het elders of kies een andere map",
        .0.display(), .1.display()
    )]
    ForeignFile(PathBuf, PathBuf),
    #[error(
        "{}: is een bestand; `run` schrijft een map, kies een nieuwe of lege map",
        .0.display()
    )]
    AFile(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A run being written.
pub struct Staging {
    target: PathBuf,
    dir: tempfile::TempDir,
    files: Vec<String>,
}

impl Staging {
    /// Starts a run that will replace `target`.
    pub fn new(target: &Path) -> Result<Self, OutputError> {
        if target.is_file() {
            return Err(OutputError::AFile(target.to_path_buf()));
        }
        if target.exists() && !is_replaceable(target)? {
            return Err(OutputError::NotARunFolder(target.to_path_buf()));
        }
        if let Some(foreign) = foreign_file(target)? {
            return Err(OutputError::ForeignFile(target.to_path_buf(), foreign));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "uitvoer".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let prefix = format!(".{name}.bezig-");
        remove_abandoned(&parent, &prefix);
        // Owner-only like every file in it, whatever the umask.
        let dir = tempfile::Builder::new()
            .prefix(&format!("{prefix}{}-", std::process::id()))
            .permissions(owner_only())
            .tempdir_in(&parent)
            .map_err(io(&parent))?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            files: Vec::new(),
        })
    }

    /// The folder the run will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where to write `relative`; the file is listed in the manifest.
    pub fn file(&mut self, relative: &str) -> Result<PathBuf, OutputError> {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent().filter(|p| !p.exists()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
            std::fs::set_permissions(parent, owner_only()).map_err(io(parent))?;
        }
        self.files.push(relative.to_string());
        Ok(path)
    }

    /// Writes the manifest and puts the run in place of the old one.
    pub fn commit(
        self,
        peildatum: chrono::NaiveDate,
        modelversie: &str,
    ) -> Result<(), OutputError> {
        let manifest = Manifest {
            peildatum,
            modelversie: modelversie.to_string(),
            geschreven: chrono::Local::now().to_rfc3339(),
            bestanden: self.files,
        };
        // Again at the swap: a file put into the old run while this one
        // was scored would otherwise go with it.
        if self.target.exists() {
            if let Some(foreign) = foreign_file(&self.target)? {
                return Err(OutputError::ForeignFile(self.target.clone(), foreign));
            }
        }
        let path = self.dir.path().join(MANIFEST);
        let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other);
        // Owner-only, as every output (README, "Outputs of `run`").
        json.and_then(|json| buitenzicht_ingest::atomic::write(&path, &json))
            .map_err(io(&path))?;
        sync_dir(self.dir.path());
        let staged = self.dir.path().to_path_buf();
        if !self.target.exists() {
            std::fs::rename(&staged, &self.target).map_err(io(&self.target))?;
            let _ = self.dir.keep();
        } else if exchange(&staged, &self.target).is_ok() {
            // The old run is now in the staging folder, which dropping
            // `self.dir` removes.
        } else {
            let mut old = staged.clone().into_os_string();
            old.push(".oud");
            let old = PathBuf::from(old);
            std::fs::rename(&self.target, &old).map_err(io(&self.target))?;
            std::fs::rename(&staged, &self.target).map_err(io(&self.target))?;
            let _ = std::fs::remove_dir_all(&old);
        }
        if let Some(parent) = self.target.parent() {
            sync_dir(parent);
        }
        Ok(())
    }
}

/// Empty, or a run folder: its manifest says so (or, for a run written
/// before manifests, it holds nothing but a run's files).
fn is_replaceable(target: &Path) -> Result<bool, OutputError> {
    if !target.is_dir() {
        return Ok(false);
    }
    if target.join(MANIFEST).is_file() {
        // A run's manifest, not any file of that name.
        return Ok(manifest(target).is_some());
    }
    const RUN_FILES: [&str; 4] = [
        "risico.tif",
        "risico.qml",
        "risico.tif.aux.xml",
        "inspecties",
    ];
    let entries = std::fs::read_dir(target).map_err(io(target))?;
    let names: Vec<String> = entries
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io(target))?;
    Ok(names.is_empty()
        || names.iter().any(|n| n == "risico.tif")
            && names.iter().all(|n| RUN_FILES.contains(&n.as_str())))
}

/// A file in the run folder `target` that no run wrote: neither listed
/// in its manifest, nor the manifest, nor a `.aux.xml` that QGIS or GDAL
/// put beside a raster. Replacing the folder would delete it.
fn foreign_file(target: &Path) -> Result<Option<PathBuf>, OutputError> {
    let Some(manifest) = manifest(target) else {
        return Ok(None);
    };
    let listed: std::collections::HashSet<PathBuf> =
        manifest.bestanden.iter().map(PathBuf::from).collect();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let dir = target.join(&folder);
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let relative = folder.join(entry.file_name());
            let kind = entry.file_type().map_err(io(&dir))?;
            if kind.is_dir() && listed.iter().any(|l| l.starts_with(&relative)) {
                folders.push(relative);
            } else if !(listed.contains(&relative)
                || relative == Path::new(MANIFEST)
                || relative.to_string_lossy().ends_with(".aux.xml"))
            {
                return Ok(Some(target.join(relative)));
            }
        }
    }
    Ok(None)
}

/// The manifest of the run in `target`, if it has one that parses.
fn manifest(target: &Path) -> Option<Manifest> {
    let text = std::fs::read(target.join(MANIFEST)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Read, write and enter for the owner only.
fn owner_only() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o700)
}

/// Swaps two paths atomically (Linux `renameat2`).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// Makes a rename durable; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Removes staging folders of runs that no longer run (killed midway).
fn remove_abandoned(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest
            .split(['-', '.'])
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
