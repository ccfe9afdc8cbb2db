//! The audit log: one JSON line per access to building-level data and per
//! administrative action, hash-chained so that an edited, removed or
//! reordered line shows.
//!
//! Each line is the entry's JSON with, as its last member, `"hash"`: the
//! SHA-256 (hex) of the line's text up to that member, closed with `}`.
//! That text includes `"vorige"`, the previous line's hash (64 zeros for
//! the first line) and `"nr"`, the line's number. Lines hold ids, never the
//! data returned, and never a token.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HASH_MEMBER: &str = ",\"hash\":\"";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("regel {line}: {reason}")]
    Broken { line: usize, reason: String },
    #[error("auditlog schrijven mislukt: {0}")]
    Write(String),
}

/// What one line says (without its chain members).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// RFC 3339, UTC.
    pub tijd: String,
    pub gebruiker: String,
    pub rol: String,
    /// The route pattern, e.g. `/api/gemeenten/{statcode}/inspecties`.
    pub route: String,
    /// The request's path and query (no token ever travels in either).
    pub verzoek: String,
    pub gemeente: Option<String>,
    pub doelbinding: Option<String>,
    /// Ids of what was returned: buildings, incidents, users.
    pub ids: Vec<String>,
}

#[derive(Serialize)]
struct Chained<'a> {
    nr: u64,
    #[serde(flatten)]
    entry: &'a Entry,
    vorige: &'a str,
}

#[derive(Deserialize)]
struct ReadBack {
    nr: u64,
    #[serde(flatten)]
    entry: Entry,
    vorige: String,
    hash: String,
}

/// A line's hash and the text it covers, or why the line is malformed.
fn split_line(line: &str) -> Option<(String, &str)> {
    let at = line.rfind(HASH_MEMBER)?;
    let hash = line[at + HASH_MEMBER.len()..].strip_suffix("\"}")?;
    Some((format!("{}}}", &line[..at]), hash))
}

fn line_for(nr: u64, entry: &Entry, previous: &str) -> Result<(String, String), AuditError> {
    let content = serde_json::to_string(&Chained {
        nr,
        entry,
        vorige: previous,
    })
    .map_err(|e| AuditError::Write(e.to_string()))?;
    let hash = super::hex(&super::sha256(content.as_bytes()));
    let open = content.strip_suffix('}').unwrap_or(&content);
    Ok((format!("{open}{HASH_MEMBER}{hash}\"}}\n"), hash))
}

/// The open log, appended to by the server and by `users add` / `revoke`
/// while it runs: each append takes the file's lock and chains on from the
/// line last written, by whichever process wrote it.
pub struct AuditLog {
    path: PathBuf,
    file: Arc<Mutex<std::fs::File>>,
}

impl AuditLog {
    /// Opens (or creates) the log. A broken chain is reported but does not
    /// stop the server: new lines chain on from the last one.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.exists() {
            if let Err(e) = verify(path) {
                eprintln!("let op: auditlog {}: {e}", path.display());
            }
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).read(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(io)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Arc::new(Mutex::new(file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` and syncs it to disk before returning.
    pub fn append_blocking(&self, entry: &Entry) -> Result<(), AuditError> {
        let write = |e: std::io::Error| AuditError::Write(e.to_string());
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // Released when the file is unlocked below or, on an error, closed
        // with the process; the in-process mutex orders the threads.
        file.lock().map_err(write)?;
        let appended = chain_tail(&mut file).and_then(|(previous, nr)| {
            let (line, _) = line_for(nr, entry, &previous).map_err(std::io::Error::other)?;
            file.write_all(line.as_bytes())?;
            file.sync_data()
        });
        let unlocked = file.unlock();
        appended.and(unlocked).map_err(write)
    }

    /// [`Self::append_blocking`] off the async workers.
    pub async fn append(self: &Arc<Self>, entry: Entry) -> Result<(), AuditError> {
        let log = Arc::clone(self);
        tokio::task::spawn_blocking(move || log.append_blocking(&entry))
            .await
            .map_err(|e| AuditError::Write(e.to_string()))?
    }
}

/// The last well-formed line's hash and the number the next line takes
/// (the genesis hash and 1 for an empty log), read from the end of the
/// file in growing windows.
fn chain_tail(file: &mut std::fs::File) -> std::io::Result<(String, u64)> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    let mut window: u64 = 1 << 16;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        // The first line of a window that starts mid-file may be cut.
        let whole = text.lines().skip(usize::from(start > 0));
        let last = whole
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find_map(|l| serde_json::from_str::<ReadBack>(l).ok());
        match last {
            Some(r) => return Ok((r.hash, r.nr + 1)),
            None if start == 0 => return Ok((GENESIS.to_string(), 1)),
            None => window = window.saturating_mul(4),
        }
    }
}

/// Checks the whole chain; returns the number of lines, or the first line
/// (1-based) that was edited, removed before, or moved.
pub fn verify(path: &Path) -> Result<usize, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
    let mut previous = GENESIS.to_string();
    let mut count = 0;
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let broken = |reason: &str| AuditError::Broken {
            line: n,
            reason: reason.into(),
        };
        let line = line.map_err(io)?;
        let (content, hash) = split_line(&line)
            .ok_or_else(|| broken("geen hash: de regel is bewerkt of afgekapt"))?;
        if super::hex(&super::sha256(content.as_bytes())) != hash {
            return Err(broken(
                "de inhoud klopt niet met de hash: de regel is bewerkt",
            ));
        }
        let r: ReadBack = serde_json::from_str(&line)
            .map_err(|_| broken("geen geldige auditregel: de regel is bewerkt"))?;
        if r.vorige != previous || r.nr != n as u64 {
            return Err(broken(
                "sluit niet aan op de regel ervoor: er is een regel verwijderd of verplaatst",
            ));
        }
        previous = r.hash;
        count = n;
    }
    Ok(count)
}

/// Every entry with its line number, as written (for `audit show`).
pub fn read(path: &Path) -> Result<Vec<(u64, Entry)>, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(io)?;
        let r: ReadBack = serde_json::from_str(&line).map_err(|_| AuditError::Broken {
            line: i + 1,
            reason: "geen geldige auditregel".into(),
        })?;
        out.push((r.nr, r.entry));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: &str, ids: &[&str]) -> Entry {
        Entry {
            tijd: "2026-12-01T10:00:00Z".into(),
            gebruiker: user.into(),
            rol: "analist".into(),
            route: "/api/explain".into(),
            verzoek: "/api/explain?lon=5&lat=51".into(),
            gemeente: Some("GM0001".into()),
            doelbinding: Some("RIEC-2026-0142".into()),
            ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn written() -> (tempfile::TempDir, PathBuf, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        for (u, id) in [("a", "p1"), ("b", "p2"), ("c", "p3"), ("d", "p4")] {
            log.append_blocking(&entry(u, &[id])).unwrap();
        }
        drop(log);
        // Reopened, the chain goes on.
        let log = AuditLog::open(&path).unwrap();
        log.append_blocking(&entry("e", &["p5"])).unwrap();
        let lines = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        (dir, path, lines)
    }

    fn rewrite(path: &Path, lines: &[String]) {
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }

    fn broken_line(path: &Path) -> usize {
        match verify(path) {
            Err(AuditError::Broken { line, .. }) => line,
            other => panic!("expected a broken chain, got {other:?}"),
        }
    }

    #[test]
    fn two_writers_keep_one_chain() {
        // The server's log and `users add` in another process, both open.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let server = AuditLog::open(&path).unwrap();
        let cli = AuditLog::open(&path).unwrap();
        for i in 0..6 {
            let log = if i % 3 == 1 { &cli } else { &server };
            log.append_blocking(&entry("u", &[&format!("p{i}")]))
                .unwrap();
        }
        // A line longer than the first window read back.
        let long: Vec<String> = (0..9000).map(|i| format!("{i:016}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        server.append_blocking(&entry("lang", &long)).unwrap();
        cli.append_blocking(&entry("na", &["p9"])).unwrap();
        assert_eq!(verify(&path).unwrap(), 8);
    }

    #[test]
    fn an_intact_log_verifies() {
        let (_dir, path, lines) = written();
        assert_eq!(verify(&path).unwrap(), 5);
        assert_eq!(lines.len(), 5);
        assert_eq!(read(&path).unwrap()[4].1.gebruiker, "e");
    }

    #[test]
    fn an_edit_is_found() {
        let (_dir, path, mut lines) = written();
        lines[2] = lines[2].replace("\"p3\"", "\"p9\"");
        rewrite(&path, &lines);
        assert_eq!(broken_line(&path), 3);
    }

    #[test]
    fn an_edit_with_a_fresh_hash_is_found() {
        let (_dir, path, mut lines) = written();
        let edited = lines[1].replace("\"p2\"", "\"p9\"");
        let (content, _) = split_line(&edited).unwrap();
        let hash = crate::access::hex(&crate::access::sha256(content.as_bytes()));
        let open = content.strip_suffix('}').unwrap();
        lines[1] = format!("{open}{HASH_MEMBER}{hash}\"}}");
        rewrite(&path, &lines);
        assert_eq!(broken_line(&path), 3);
    }

    #[test]
    fn a_removal_is_found() {
        let (_dir, path, mut lines) = written();
        lines.remove(1);
        rewrite(&path, &lines);
        assert_eq!(broken_line(&path), 2);
    }

    #[test]
    fn a_reordering_is_found() {
        let (_dir, path, mut lines) = written();
        lines.swap(2, 3);
        rewrite(&path, &lines);
        assert_eq!(broken_line(&path), 3);
    }
}
