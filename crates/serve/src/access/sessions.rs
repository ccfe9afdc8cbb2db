//! Web-map sessions: `POST /api/login` trades a token for a random session
//! id in an HttpOnly cookie, since the map's tile images cannot send an
//! `Authorization` header. Sessions live in memory only: a restart signs
//! everybody out.

use super::{random_hex, sha256, User};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Name of the session cookie.
pub const COOKIE: &str = "bz_sessie";
/// At most this many sessions at once; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

struct Session {
    user: User,
    expires: Instant,
}

/// Sessions by the SHA-256 of their id (a memory dump shows no usable id).
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<HashMap<[u8; 32], Session>>,
}

impl Sessions {
    /// Starts a session for `user` lasting `ttl`; returns its id.
    pub fn create(&self, user: User, ttl: Duration) -> String {
        let id = random_hex(32);
        let now = Instant::now();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| s.expires > now);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map.iter().min_by_key(|(_, s)| s.expires).map(|(k, _)| *k) {
                map.remove(&oldest);
            }
        }
        map.insert(
            sha256(id.as_bytes()),
            Session {
                user,
                expires: now + ttl,
            },
        );
        id
    }

    /// The user of a live session.
    pub fn get(&self, id: &str) -> Option<User> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&sha256(id.as_bytes()))
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.user.clone())
    }

    /// Ends a session.
    pub fn remove(&self, id: &str) {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&sha256(id.as_bytes()));
    }
}
