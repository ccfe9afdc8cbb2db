//! The built-in users file: names, roles, municipalities and an argon2
//! hash of each user's token; never the token itself.
//!
//! A token is `<name>.<secret>`: the name says which single hash to check,
//! so a login costs one argon2 verification, not one per user. Verified
//! tokens are remembered (by their SHA-256) for a few minutes, since a map
//! asks for tiles by the hundred.

use super::{is_gemeente_code, random_hex, sha256, Role, Source, User};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// How long a verified token is trusted without a new argon2 check.
const VERIFIED_FOR: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: geen geldig gebruikersbestand: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("gebruikersbestand schrijven mislukt: {0}")]
    Write(String),
    #[error(
        "gebruikersnaam '{0}' is ongeldig: gebruik 1 tot 64 kleine letters, cijfers, '-' of '_'"
    )]
    BadName(String),
    #[error("gebruiker '{0}' bestaat al")]
    Exists(String),
    #[error("gebruiker '{0}' bestaat niet")]
    Unknown(String),
    #[error("'{0}' is geen gemeentecode (GM gevolgd door vier cijfers)")]
    BadGemeente(String),
    #[error("rol gemeente vraagt minstens één --gemeente")]
    NoGemeente,
    #[error("alleen de rol gemeente hoort bij gemeenten")]
    GemeenteForRole,
    #[error("hash maken mislukt: {0}")]
    Hash(String),
}

/// One line of the users file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredUser {
    pub naam: String,
    pub rol: Role,
    #[serde(default)]
    pub gemeenten: Vec<String>,
    /// PHC string of the argon2id hash of the token.
    pub hash: String,
    pub aangemaakt: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersFile {
    #[serde(default, rename = "gebruiker")]
    pub gebruikers: Vec<StoredUser>,
}

/// Whether `name` may be a user name (no dot: the token splits on it).
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl UsersFile {
    /// Reads the file; a missing file is an empty one.
    pub fn read(path: &Path) -> Result<Self, UsersError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|source| UsersError::Parse {
                path: path.to_path_buf(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(UsersFile::default()),
            Err(source) => Err(UsersError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the file whole (to a temporary file renamed over it), readable
    /// by its owner only.
    pub fn write(&self, path: &Path) -> Result<(), UsersError> {
        use std::io::Write;
        let text = toml::to_string(self).map_err(|e| UsersError::Write(e.to_string()))?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(|e| UsersError::Write(e.to_string()))?;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| UsersError::Write(e.to_string()))?;
        tmp.persist(path)
            .map_err(|e| UsersError::Write(e.to_string()))?;
        Ok(())
    }

    /// Adds a user and returns their new token.
    pub fn add(
        &mut self,
        name: &str,
        role: Role,
        gemeenten: Vec<String>,
    ) -> Result<String, UsersError> {
        if !valid_name(name) {
            return Err(UsersError::BadName(name.into()));
        }
        if self.gebruikers.iter().any(|u| u.naam == name) {
            return Err(UsersError::Exists(name.into()));
        }
        if let Some(bad) = gemeenten.iter().find(|g| !is_gemeente_code(g)) {
            return Err(UsersError::BadGemeente(bad.clone()));
        }
        match (role, gemeenten.is_empty()) {
            (Role::Gemeente, true) => return Err(UsersError::NoGemeente),
            (Role::Gemeente, false) | (_, true) => {}
            (_, false) => return Err(UsersError::GemeenteForRole),
        }
        let token = format!("{name}.{}", random_hex(32));
        self.gebruikers.push(StoredUser {
            naam: name.into(),
            rol: role,
            gemeenten,
            hash: hash_token(&token)?,
            aangemaakt: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        Ok(token)
    }

    /// Removes a user; their token stops working.
    pub fn revoke(&mut self, name: &str) -> Result<(), UsersError> {
        let before = self.gebruikers.len();
        self.gebruikers.retain(|u| u.naam != name);
        if self.gebruikers.len() == before {
            return Err(UsersError::Unknown(name.into()));
        }
        Ok(())
    }
}

/// The argon2id hash of `token`, as a PHC string.
pub fn hash_token(token: &str) -> Result<String, UsersError> {
    let mut salt = [0u8; 16];
    use rand::TryRngCore;
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| UsersError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| UsersError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(token.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UsersError::Hash(e.to_string()))
}

fn verify_hash(token: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(token.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash nobody's token matches: checked for unknown names so that a
/// wrong name takes as long as a wrong secret.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_token(&random_hex(32)).unwrap_or_default())
}

struct Loaded {
    stamp: Option<(SystemTime, u64)>,
    users: HashMap<String, StoredUser>,
    /// SHA-256 of a verified token → user name and when it was verified.
    verified: HashMap<[u8; 32], (String, Instant)>,
    /// SHA-256 of every token verified since the file was read: tokens in
    /// use, checked again when their trust runs out but never refused as
    /// guesses (one per user and key, so it stays small).
    known: std::collections::HashSet<[u8; 32]>,
}

/// The users file as the server sees it, re-read when it changes on disk
/// (after `users add` or `users revoke`), which also forgets every
/// verified token.
pub struct UserStore {
    path: PathBuf,
    loaded: Mutex<Loaded>,
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

impl UserStore {
    pub fn open(path: &Path) -> Result<Self, UsersError> {
        let store = UserStore {
            path: path.to_path_buf(),
            loaded: Mutex::new(Loaded {
                stamp: None,
                users: HashMap::new(),
                verified: HashMap::new(),
                known: Default::default(),
            }),
        };
        store.refresh()?;
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Re-reads the file when it changed. A broken file leaves nobody in:
    /// better than serving on with a revoked user.
    fn refresh(&self) -> Result<(), UsersError> {
        let now = stamp(&self.path);
        let mut loaded = self.lock();
        if loaded.stamp.is_some() && loaded.stamp == now {
            return Ok(());
        }
        loaded.verified.clear();
        loaded.known.clear();
        loaded.users.clear();
        loaded.stamp = now;
        let file = UsersFile::read(&self.path)?;
        loaded.users = file
            .gebruikers
            .into_iter()
            .map(|u| (u.naam.clone(), u))
            .collect();
        Ok(())
    }

    fn user(stored: &StoredUser) -> User {
        User {
            name: stored.naam.clone(),
            role: stored.rol,
            gemeenten: stored.gemeenten.clone(),
            source: Source::File,
        }
    }

    /// The user by name as the file says now (for sessions: a revoked user's
    /// session ends with the revocation).
    pub fn current(&self, name: &str) -> Option<User> {
        if let Err(e) = self.refresh() {
            eprintln!("gebruikersbestand: {e}");
            return None;
        }
        self.lock().users.get(name).map(Self::user)
    }

    /// Whether `token` was verified recently (no argon2 needed).
    pub fn cached(&self, token: &str) -> Option<User> {
        if let Err(e) = self.refresh() {
            eprintln!("gebruikersbestand: {e}");
            return None;
        }
        let key = sha256(token.as_bytes());
        let loaded = self.lock();
        let (name, at) = loaded.verified.get(&key)?;
        if at.elapsed() > VERIFIED_FOR {
            return None;
        }
        loaded.users.get(name).map(Self::user)
    }

    /// Checks `token` against its user's hash (slow: run it off the async
    /// workers). `None` when the token is wrong, malformed or revoked.
    pub fn verify(&self, token: &str) -> Option<User> {
        if let Some(user) = self.cached(token) {
            return Some(user);
        }
        let (name, secret) = token.split_once('.')?;
        if !valid_name(name) || secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let stored = self.lock().users.get(name).cloned();
        let Some(stored) = stored else {
            verify_hash(token, decoy_hash());
            return None;
        };
        if !verify_hash(token, &stored.hash) {
            return None;
        }
        let mut loaded = self.lock();
        // The file may have changed during the check.
        if loaded.users.get(name).map(|u| &u.hash) != Some(&stored.hash) {
            return None;
        }
        let now = Instant::now();
        loaded
            .verified
            .retain(|_, (_, at)| now.duration_since(*at) < VERIFIED_FOR);
        let key = sha256(token.as_bytes());
        loaded.verified.insert(key, (name.to_string(), now));
        loaded.known.insert(key);
        Some(Self::user(&stored))
    }

    /// Whether `token` was verified since the file was last read: a token
    /// in use, not a guess, so the limit on guessing must not refuse its
    /// next check when its trust ([`VERIFIED_FOR`]) has run out.
    pub fn known(&self, token: &str) -> bool {
        if self.refresh().is_err() {
            return false;
        }
        self.lock().known.contains(&sha256(token.as_bytes()))
    }

    /// Ages every verified token past its trust, as if [`VERIFIED_FOR`]
    /// had passed.
    #[cfg(test)]
    pub(crate) fn age_past_trust(&self) {
        let long_ago = Instant::now().checked_sub(VERIFIED_FOR + Duration::from_secs(1));
        for (_, at) in self.lock().verified.values_mut() {
            *at = long_ago.unwrap_or(*at);
        }
    }

    /// Every user, for `GET /api/beheer/gebruikers`.
    pub fn list(&self) -> Vec<StoredUser> {
        let _ = self.refresh();
        let mut users: Vec<StoredUser> = self.lock().users.values().cloned().collect();
        users.sort_by(|a, b| a.naam.cmp(&b.naam));
        users
    }
}

/// The project's users file through shared ownership (sessions and the
/// authenticator both hold it).
pub type SharedStore = Arc<UserStore>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_holds_a_hash_not_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        let mut file = UsersFile::read(&path).unwrap();
        let token = file.add("an", Role::Analist, vec![]).unwrap();
        file.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let secret = token.split_once('.').unwrap().1;
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains(&token));
        assert!(text.contains("$argon2id$"));

        let store = UserStore::open(&path).unwrap();
        assert_eq!(store.verify(&token).unwrap().role, Role::Analist);
        // Cached the second time, and still right.
        assert_eq!(store.cached(&token).unwrap().name, "an");
        let mut wrong = token.clone();
        wrong.replace_range(
            wrong.len() - 1..,
            if token.ends_with('0') { "1" } else { "0" },
        );
        assert!(store.verify(&wrong).is_none());
        assert!(store.verify("onbekend.00").is_none());
        assert!(store.verify(&format!("bo.{secret}")).is_none());

        // Revoking takes effect for the running store, cache and all.
        std::thread::sleep(Duration::from_millis(20));
        let mut file = UsersFile::read(&path).unwrap();
        file.revoke("an").unwrap();
        file.add("bo", Role::Kvb, vec![]).unwrap();
        file.write(&path).unwrap();
        assert!(store.verify(&token).is_none());
        assert!(store.current("an").is_none());
    }

    #[test]
    fn roles_and_municipalities_are_checked() {
        let mut file = UsersFile::default();
        assert!(matches!(
            file.add("g", Role::Gemeente, vec![]),
            Err(UsersError::NoGemeente)
        ));
        assert!(matches!(
            file.add("g", Role::Gemeente, vec!["0001".into()]),
            Err(UsersError::BadGemeente(_))
        ));
        assert!(matches!(
            file.add("a", Role::Analist, vec!["GM0001".into()]),
            Err(UsersError::GemeenteForRole)
        ));
        assert!(matches!(
            file.add("A.b", Role::Analist, vec![]),
            Err(UsersError::BadName(_))
        ));
        file.add("g", Role::Gemeente, vec!["GM0001".into()])
            .unwrap();
        assert!(matches!(
            file.add("g", Role::Kvb, vec![]),
            Err(UsersError::Exists(_))
        ));
    }
}
