//! OpenID Connect: bearer JWTs from an identity provider, checked against
//! the configured issuer, audience and the provider's keys (JWKS, from a
//! file or a URL). Role and municipalities come from configurable claims.

use super::{is_gemeente_code, Role, Source, User};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// Asymmetric algorithms only: a shared-secret or `none` token is refused,
/// whatever its header says.
const ALGORITHMS: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];
/// A key id the provider does not have makes us re-fetch its keys, at most
/// this often.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// `[access.oidc]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's `iss`, exactly.
    pub issuer: String,
    /// The `aud` the tokens must be for (this service's client id).
    pub audience: String,
    /// The JWKS: an `https://` URL or a file path.
    pub jwks: String,
    /// Claim with the role (a string, or an array holding one role); a
    /// dotted path reaches into objects, e.g. `realm_access.roles`.
    #[serde(default = "default_role_claim")]
    pub role_claim: String,
    /// Claim with the municipality codes (array or string).
    #[serde(default = "default_gemeente_claim")]
    pub gemeente_claim: String,
    /// Claim with the user's name in the audit log.
    #[serde(default = "default_name_claim")]
    pub name_claim: String,
}

fn default_role_claim() -> String {
    "buitenzicht_rol".into()
}
fn default_gemeente_claim() -> String {
    "buitenzicht_gemeenten".into()
}
fn default_name_claim() -> String {
    "preferred_username".into()
}

impl OidcConfig {
    fn is_url(&self) -> bool {
        self.jwks.starts_with("https://") || self.jwks.starts_with("http://")
    }

    pub fn resolve_paths(&mut self, base: &Path) {
        if !self.is_url() && Path::new(&self.jwks).is_relative() {
            self.jwks = base.join(&self.jwks).to_string_lossy().into_owned();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("JWKS {0} niet te lezen: {1}")]
    Jwks(String, String),
    #[error("token ongeldig: {0}")]
    Invalid(String),
    #[error("token zonder geldige rol in claim '{0}'")]
    Role(String),
    #[error("token zonder geldige gemeentecodes in claim '{0}'")]
    Gemeenten(String),
    #[error("token zonder naam in claim '{0}'")]
    Name(String),
}

/// Checks JWTs against one provider.
pub struct JwtValidator {
    config: OidcConfig,
    keys: RwLock<JwkSet>,
    fetched: Mutex<Instant>,
}

async fn load_keys(config: &OidcConfig) -> Result<JwkSet, JwtError> {
    let err = |e: &dyn std::fmt::Display| JwtError::Jwks(config.jwks.clone(), e.to_string());
    let text = if config.is_url() {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| err(&e))?;
        let response = client
            .get(&config.jwks)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| err(&e))?;
        response.text().await.map_err(|e| err(&e))?
    } else {
        tokio::fs::read_to_string(&config.jwks)
            .await
            .map_err(|e| err(&e))?
    };
    serde_json::from_str(&text).map_err(|e| err(&e))
}

/// The claim at a dotted `path`.
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    claims
        .get(path)
        .or_else(|| path.split('.').try_fold(claims, |v, part| v.get(part)))
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

impl JwtValidator {
    pub async fn new(config: OidcConfig) -> Result<Self, JwtError> {
        let keys = load_keys(&config).await?;
        Ok(JwtValidator {
            config,
            keys: RwLock::new(keys),
            fetched: Mutex::new(Instant::now()),
        })
    }

    fn key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let jwk = match kid {
            Some(kid) => keys.find(kid),
            None if keys.keys.len() == 1 => keys.keys.first(),
            None => None,
        }?;
        DecodingKey::from_jwk(jwk).ok()
    }

    /// Re-fetches the provider's keys (it may have rotated them).
    async fn refetch(&self) {
        if !self.config.is_url() {
            return;
        }
        {
            let mut at = self.fetched.lock().unwrap_or_else(|p| p.into_inner());
            if at.elapsed() < REFETCH_AFTER {
                return;
            }
            *at = Instant::now();
        }
        match load_keys(&self.config).await {
            Ok(keys) => *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys,
            Err(e) => eprintln!("{e}"),
        }
    }

    /// The user a valid token stands for, and how long the token is valid.
    pub async fn validate(&self, token: &str) -> Result<(User, Duration), JwtError> {
        let invalid = |e: jsonwebtoken::errors::Error| JwtError::Invalid(e.to_string());
        let header = decode_header(token).map_err(invalid)?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(JwtError::Invalid(format!(
                "algoritme {:?} niet toegestaan",
                header.alg
            )));
        }
        let key = match self.key(header.kid.as_deref()) {
            Some(key) => key,
            None => {
                self.refetch().await;
                self.key(header.kid.as_deref())
                    .ok_or_else(|| JwtError::Invalid("onbekende sleutel (kid)".into()))?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 30;
        let claims = decode::<Value>(token, &key, &validation)
            .map_err(invalid)?
            .claims;

        let c = &self.config;
        let roles: Vec<Role> = claim(&claims, &c.role_claim)
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .filter_map(Role::from_id)
            .collect();
        // One role per user: two would leave which rules apply unclear.
        let [role] = roles[..] else {
            return Err(JwtError::Role(c.role_claim.clone()));
        };
        let gemeenten: Vec<String> = claim(&claims, &c.gemeente_claim)
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect();
        if gemeenten.iter().any(|g| !is_gemeente_code(g))
            || (role == Role::Gemeente) == gemeenten.is_empty()
        {
            return Err(JwtError::Gemeenten(c.gemeente_claim.clone()));
        }
        let name = claim(&claims, &c.name_claim)
            .or_else(|| claims.get("sub"))
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.len() <= 200)
            .ok_or_else(|| JwtError::Name(c.name_claim.clone()))?;
        let left = claims
            .get("exp")
            .and_then(Value::as_i64)
            .map_or(0, |exp| exp - chrono::Utc::now().timestamp())
            .max(0);
        Ok((
            User {
                name: format!("oidc:{name}"),
                role,
                gemeenten,
                source: Source::Oidc,
            },
            Duration::from_secs(left as u64),
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::json;

    /// A fresh P-256 key: its signing key and its JWK.
    pub fn key(kid: &str) -> (EncodingKey, Value) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        (EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
    }

    pub fn sign(key: &EncodingKey, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        encode(&header, claims, key).unwrap()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    pub fn claims(role: &str, gemeenten: &[&str]) -> Value {
        json!({
            "iss": "https://idp.example", "aud": "buitenzicht", "sub": "u1",
            "preferred_username": "jansen", "exp": now() + 600,
            "buitenzicht_rol": role, "buitenzicht_gemeenten": gemeenten,
        })
    }

    async fn validator(jwks: Value) -> (tempfile::TempDir, JwtValidator) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        std::fs::write(&path, jwks.to_string()).unwrap();
        let config = OidcConfig {
            issuer: "https://idp.example".into(),
            audience: "buitenzicht".into(),
            jwks: path.to_string_lossy().into_owned(),
            role_claim: default_role_claim(),
            gemeente_claim: default_gemeente_claim(),
            name_claim: default_name_claim(),
        };
        (dir, JwtValidator::new(config).await.unwrap())
    }

    #[tokio::test]
    async fn valid_and_invalid_tokens() {
        let (good, jwk) = key("k1");
        let (other, _) = key("k1");
        let (_dir, v) = validator(json!({ "keys": [jwk] })).await;

        let (user, left) = v
            .validate(&sign(&good, "k1", &claims("gemeente", &["GM0001"])))
            .await
            .unwrap();
        assert!(left.as_secs() > 500);
        assert_eq!(user.role, Role::Gemeente);
        assert_eq!(user.gemeenten, ["GM0001"]);
        assert_eq!(user.name, "oidc:jansen");

        let mut c = claims("analist", &[]);
        c["iss"] = json!("https://kwaad.example");
        assert!(v.validate(&sign(&good, "k1", &c)).await.is_err(), "issuer");
        let mut c = claims("analist", &[]);
        c["aud"] = json!("iets-anders");
        assert!(
            v.validate(&sign(&good, "k1", &c)).await.is_err(),
            "audience"
        );
        let c = claims("analist", &[]);
        assert!(
            v.validate(&sign(&other, "k1", &c)).await.is_err(),
            "signature"
        );
        let mut c = claims("analist", &[]);
        c["exp"] = json!(now() - 3600);
        assert!(v.validate(&sign(&good, "k1", &c)).await.is_err(), "expired");
        assert!(v.validate(&sign(&good, "k2", &c)).await.is_err(), "kid");
        // Roles and municipalities must make sense.
        for c in [
            claims("baas", &[]),
            claims("gemeente", &[]),
            claims("analist", &["GM0001"]),
            claims("gemeente", &["Amsterdam"]),
        ] {
            assert!(v.validate(&sign(&good, "k1", &c)).await.is_err(), "{c}");
        }
        // A shared-secret token is refused even with the right claims.
        let hs = encode(
            &Header::new(Algorithm::HS256),
            &claims("analist", &[]),
            &EncodingKey::from_secret(b"geheim"),
        )
        .unwrap();
        assert!(v.validate(&hs).await.is_err(), "HS256");
        assert!(v.validate("geen.jwt.token").await.is_err());
    }
}
