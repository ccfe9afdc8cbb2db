//! Files replaced whole or not at all: written to a temporary file in the
//! same folder and renamed over the target (`tempfile`'s `persist`), so a
//! reader never sees half a file and a failed write leaves no temp file.

use std::io::Write;
use std::path::Path;
use tempfile::NamedTempFile;

/// A temporary file beside `path`, hidden, with the same extension (GDAL
/// picks formats by it). Write it, then [`NamedTempFile::persist`] it to
/// `path`; dropped unpersisted, it is removed.
pub fn temp_beside(path: &Path) -> std::io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(&suffix)
        .tempfile_in(dir)
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
