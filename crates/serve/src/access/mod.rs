//! Who may see what: the user model, how a request proves who it comes
//! from (built-in tokens, OpenID Connect JWTs, session cookies), and the
//! audit log. What each role may see is decided in [`policy`].

pub mod audit;
pub mod jwt;
pub mod limit;
pub mod policy;
pub mod sessions;
pub mod users;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

/// A role: what kind of partner a user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// RIEC analyst: everything in the region.
    Analist,
    /// A municipality: only its own territory.
    Gemeente,
    /// Keurmerk Veilig Buitengebied partner: aggregated risk classes only.
    Kvb,
    /// Administrator: users and the audit log, no map data.
    Beheerder,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Analist, Role::Gemeente, Role::Kvb, Role::Beheerder];

    pub fn id(self) -> &'static str {
        match self {
            Role::Analist => "analist",
            Role::Gemeente => "gemeente",
            Role::Kvb => "kvb",
            Role::Beheerder => "beheerder",
        }
    }

    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Where an identity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// No `[access]` section: the single analyst at this desktop.
    Local,
    /// The users file.
    File,
    /// An identity provider's JWT.
    Oidc,
}

/// One user, however they signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// CBS codes (`GM####`) of the municipalities a `gemeente` user covers.
    pub gemeenten: Vec<String>,
    pub source: Source,
}

impl User {
    /// The user of a server without `[access]`.
    pub fn local() -> User {
        User {
            name: "lokaal".into(),
            role: Role::Analist,
            gemeenten: Vec::new(),
            source: Source::Local,
        }
    }
}

/// `[access]` in the project file. Its presence switches access control on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// The built-in users file (see `buitenzicht users`).
    pub users: Option<PathBuf>,
    /// The audit log (JSON lines, hash-chained). Required.
    pub audit_log: Option<PathBuf>,
    /// An OpenID Connect identity provider.
    pub oidc: Option<jwt::OidcConfig>,
    /// Square size in metres of what a `kvb` user sees: 500 or 1000.
    #[serde(default = "default_kvb_cel")]
    pub kvb_cel_m: u32,
    /// How long a web-map session lasts, in hours.
    #[serde(default = "default_session_hours")]
    pub session_hours: u64,
}

fn default_kvb_cel() -> u32 {
    500
}

fn default_session_hours() -> u64 {
    8
}

impl AccessConfig {
    /// Resolves relative paths against the project file's folder.
    pub fn resolve_paths(&mut self, base: &Path) {
        for path in [&mut self.users, &mut self.audit_log].into_iter().flatten() {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        if let Some(oidc) = &mut self.oidc {
            oidc.resolve_paths(base);
        }
    }

    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if ![500, 1000].contains(&self.kvb_cel_m) {
            return Err(format!(
                "[access] kvb_cel_m = {}: kies 500 of 1000",
                self.kvb_cel_m
            ));
        }
        if self.audit_log.is_none() {
            return Err(
                "[access] audit_log ontbreekt: toegang tot gegevens op pandniveau \
                 moet vastgelegd worden"
                    .into(),
            );
        }
        if self.users.is_none() && self.oidc.is_none() {
            return Err("[access] noemt geen users-bestand en geen [access.oidc]: \
                 niemand kan zich aanmelden"
                .into());
        }
        if !(1..=24 * 7).contains(&self.session_hours) {
            return Err("[access] session_hours: kies 1 tot 168 uur".into());
        }
        Ok(())
    }
}

/// Whether `code` looks like a CBS municipality code, `GM` and four digits.
pub fn is_gemeente_code(code: &str) -> bool {
    code.len() == 6 && code.starts_with("GM") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of `data` as bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> String {
    use rand::TryRngCore;
    let mut bytes = vec![0u8; n];
    // The OS generator failing is not something to serve through.
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random generator works");
    hex(&bytes)
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Users(#[from] users::UsersError),
    #[error("{0}")]
    Jwt(#[from] jwt::JwtError),
    #[error("{0}")]
    Audit(#[from] audit::AuditError),
}

/// Access control of a running server with `[access]`.
pub struct Access {
    pub config: AccessConfig,
    pub users: Option<std::sync::Arc<users::UserStore>>,
    pub jwt: Option<jwt::JwtValidator>,
    pub sessions: sessions::Sessions,
    pub limiter: limit::LoginLimiter,
    pub audit: std::sync::Arc<audit::AuditLog>,
    /// Whether the session cookie is marked `Secure` (the public URL is https).
    pub secure_cookie: bool,
}

/// A verified credential: the user and, for a JWT, when it expires.
pub struct Verified {
    pub user: User,
    pub expires_in: Option<std::time::Duration>,
}

fn unauthorized(text: &str) -> crate::ApiError {
    crate::ApiError::Unauthorized(text.into())
}

fn too_many() -> crate::ApiError {
    crate::ApiError::TooManyRequests(
        "Te veel mislukte aanmeldpogingen: probeer het over een minuut opnieuw.".into(),
    )
}

impl Access {
    pub async fn new(config: AccessConfig, secure_cookie: bool) -> Result<Self, AccessError> {
        config.validate().map_err(AccessError::Config)?;
        let users = config
            .users
            .as_deref()
            .map(users::UserStore::open)
            .transpose()?
            .map(std::sync::Arc::new);
        let jwt = match &config.oidc {
            Some(oidc) => Some(jwt::JwtValidator::new(oidc.clone()).await?),
            None => None,
        };
        let audit_path = config
            .audit_log
            .clone()
            .ok_or_else(|| AccessError::Config("[access] audit_log ontbreekt".into()))?;
        Ok(Access {
            audit: std::sync::Arc::new(audit::AuditLog::open(&audit_path)?),
            config,
            users,
            jwt,
            sessions: sessions::Sessions::default(),
            limiter: limit::LoginLimiter::default(),
            secure_cookie,
        })
    }

    /// Checks a token (built-in or JWT), counting failures against `ip`.
    pub async fn verify_token(
        &self,
        token: &str,
        ip: Option<std::net::IpAddr>,
    ) -> Result<Verified, crate::ApiError> {
        let plain = |user| Verified {
            user,
            expires_in: None,
        };
        // A JWT has three dot-separated parts; a built-in token two.
        if token.split('.').count() == 3 {
            if let Some(jwt) = &self.jwt {
                if !self.limiter.allowed(ip) {
                    return Err(too_many());
                }
                return match jwt.validate(token).await {
                    Ok((user, expires_in)) => Ok(Verified {
                        user,
                        expires_in: Some(expires_in),
                    }),
                    Err(e) => {
                        self.limiter.failed(ip);
                        Err(crate::ApiError::Unauthorized(e.to_string()))
                    }
                };
            }
        }
        let Some(store) = &self.users else {
            self.limiter.failed(ip);
            return Err(unauthorized("token ongeldig"));
        };
        // A token verified before is answered from the cache, past the
        // limit: the limit slows guessing, which against 256-bit tokens
        // only the slow hash below makes costly; refusing known tokens too
        // would let anyone lock every user out with a hundred bad guesses.
        if let Some(user) = store.cached(token) {
            return Ok(plain(user));
        }
        // Nor is a token in use refused once its trust has run out: it is
        // checked again, not counted as a guess.
        if !store.known(token) && !self.limiter.allowed(ip) {
            return Err(too_many());
        }
        // argon2 is deliberately slow: keep it off the async workers.
        let (store, owned) = (std::sync::Arc::clone(store), token.to_string());
        let verified = tokio::task::spawn_blocking(move || store.verify(&owned))
            .await
            .map_err(|e| crate::ApiError::Internal(e.to_string()))?;
        match verified {
            Some(user) => Ok(plain(user)),
            None => {
                self.limiter.failed(ip);
                Err(unauthorized("token ongeldig of ingetrokken"))
            }
        }
    }

    /// The user behind a request: a bearer token, else the session cookie.
    pub async fn identify(
        &self,
        headers: &axum::http::HeaderMap,
        ip: Option<std::net::IpAddr>,
    ) -> Result<User, crate::ApiError> {
        if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                // The scheme's name is case-insensitive (RFC 7235).
                .and_then(|v| {
                    v.split_once(' ')
                        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                        .map(|(_, token)| token)
                })
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= 8192)
                .ok_or_else(|| unauthorized("Authorization-header is geen 'Bearer <token>'"))?;
            return Ok(self.verify_token(token, ip).await?.user);
        }
        let Some(id) = session_cookie(headers) else {
            return Err(unauthorized(
                "Niet aangemeld: stuur 'Authorization: Bearer <token>' of meld u aan via POST /api/login.",
            ));
        };
        let user = self
            .sessions
            .get(id)
            .ok_or_else(|| unauthorized("Sessie verlopen: meld u opnieuw aan."))?;
        match (&user.source, &self.users) {
            // A revoked or changed user's session follows the file.
            (Source::File, Some(store)) => store
                .current(&user.name)
                .ok_or_else(|| unauthorized("Gebruiker ingetrokken: meld u opnieuw aan.")),
            _ => Ok(user),
        }
    }
}

/// The session id in the request's cookies.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == sessions::COOKIE)
        .map(|(_, v)| v)
        .filter(|v| v.len() == 64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderMap, HeaderValue};

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        h
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn tokens_jwts_and_sessions_lead_to_users() {
        let dir = tempfile::tempdir().unwrap();
        let (key, jwk) = jwt::tests::key("k1");
        std::fs::write(
            dir.path().join("jwks.json"),
            serde_json::json!({ "keys": [jwk] }).to_string(),
        )
        .unwrap();
        let users_path = dir.path().join("users.toml");
        let mut file = users::UsersFile::default();
        let token = file.add("an", Role::Analist, vec![]).unwrap();
        file.write(&users_path).unwrap();
        let mut config: AccessConfig = toml::from_str(
            r#"
            users = "users.toml"
            audit_log = "audit.jsonl"
            [oidc]
            issuer = "https://idp.example"
            audience = "buitenzicht"
            jwks = "jwks.json"
            "#,
        )
        .unwrap();
        config.resolve_paths(dir.path());
        let access = Access::new(config, false).await.unwrap();
        let ip = Some("192.0.2.7".parse().unwrap());

        let user = access.identify(&bearer(&token), ip).await.unwrap();
        assert_eq!((user.name.as_str(), user.role), ("an", Role::Analist));
        let mut lower = HeaderMap::new();
        lower.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("bearer {token}")).unwrap(),
        );
        assert_eq!(access.identify(&lower, ip).await.unwrap().name, "an");
        let jwt = jwt::tests::sign(&key, "k1", &jwt::tests::claims("kvb", &[]));
        let user = access.identify(&bearer(&jwt), ip).await.unwrap();
        assert_eq!((user.name.as_str(), user.role), ("oidc:jansen", Role::Kvb));
        assert!(access.identify(&HeaderMap::new(), ip).await.is_err());

        // A session follows the users file: revoked, it ends.
        let id = access.sessions.create(
            access.verify_token(&token, ip).await.unwrap().user,
            std::time::Duration::from_secs(60),
        );
        let mut cookie = HeaderMap::new();
        cookie.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; {}={id}", sessions::COOKIE)).unwrap(),
        );
        assert_eq!(access.identify(&cookie, ip).await.unwrap().name, "an");
        std::thread::sleep(std::time::Duration::from_millis(20));
        file.revoke("an").unwrap();
        file.write(&users_path).unwrap();
        assert!(access.identify(&cookie, ip).await.is_err());
        assert!(access.identify(&bearer(&token), ip).await.is_err());
    }

    /// Guesses from one address cannot lock out a token in use there, not
    /// even once its trust has run out and it must be checked again.
    #[tokio::test(flavor = "multi_thread")]
    async fn guesses_do_not_lock_out_a_token_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let users_path = dir.path().join("users.toml");
        let mut file = users::UsersFile::default();
        let token = file.add("an", Role::Analist, vec![]).unwrap();
        let other = file.add("bo", Role::Kvb, vec![]).unwrap();
        file.write(&users_path).unwrap();
        let mut config: AccessConfig =
            toml::from_str("users = \"users.toml\"\naudit_log = \"audit.jsonl\"").unwrap();
        config.resolve_paths(dir.path());
        let access = Access::new(config, false).await.unwrap();
        let ip = Some("192.0.2.9".parse().unwrap());
        assert!(access.verify_token(&token, ip).await.is_ok());
        for i in 0..7 {
            let _ = access.verify_token(&format!("an.{i:064x}"), ip).await;
        }
        assert!(matches!(
            access.verify_token(&format!("an.{:064x}", 99), ip).await,
            Err(crate::ApiError::TooManyRequests(_))
        ));
        let store = access.users.as_ref().unwrap();
        store.age_past_trust();
        assert!(store.cached(&token).is_none());
        let user = access.verify_token(&token, ip).await.unwrap().user;
        assert_eq!(user.name, "an");
        // A token never seen here is still refused while the limit holds.
        assert!(matches!(
            access.verify_token(&other, ip).await,
            Err(crate::ApiError::TooManyRequests(_))
        ));
    }
}
