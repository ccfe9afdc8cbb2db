//! What each role may see, decided in one place. Every route of the router
//! comes with a [`Rule`] (see `crate::routes`); [`authorize`] runs before
//! its handler, establishes who is asking, refuses what the role may not
//! have, demands a purpose for building-level data, and hands the handler
//! a [`Caller`] that scopes what it returns. A building-level answer that
//! was not written to the audit log is not sent.
//!
//! | role | map (tiles, TileJSON, aggregate export) | explanations, inspection lists, building export | users, audit log |
//! |---|---|---|---|
//! | analist | all layers, whole region | yes, with Doelbinding | no |
//! | gemeente | all layers, own municipalities only | own municipalities, with Doelbinding; no incident ids | no |
//! | kvb | risk layer as classes per 500 m / 1 km square | no | no |
//! | beheerder | no | no | yes |

use super::audit::Entry;
use super::{Role, User};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The request header stating the purpose of a building-level request.
pub const PURPOSE_HEADER: &str = "doelbinding";
const PURPOSE_MAX: usize = 200;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No identity needed: signing in and out.
    Open,
    /// Anyone signed in: settings, legend, public outlines, `/api/me`.
    AnyUser,
    /// Map data: analist, gemeente (scoped), kvb (aggregated).
    Map,
    /// Building-level data: analist and gemeente, with a purpose, audited.
    BuildingLevel,
    /// The GeoJSON export: [`Rule::Map`], or [`Rule::BuildingLevel`] for
    /// `inhoud=inspecties`.
    Export,
    /// Users and the audit log: beheerder only, audited.
    Admin,
}

impl Rule {
    /// The rule a request falls under (the export's depends on its query,
    /// decoded as its handler decodes it: `%69nhoud=%69nspecties` is
    /// `inhoud=inspecties`, and any one of repeated keys counts).
    fn effective(self, query: Option<&str>) -> Rule {
        match self {
            Rule::Export => {
                let building = form_urlencoded::parse(query.unwrap_or("").as_bytes())
                    .any(|(k, v)| k == "inhoud" && v.trim() == "inspecties");
                if building {
                    Rule::BuildingLevel
                } else {
                    Rule::Map
                }
            }
            rule => rule,
        }
    }

    /// Whether `role` may use a route under this (effective) rule.
    pub fn admits(self, role: Role) -> bool {
        match self {
            Rule::Open | Rule::AnyUser => true,
            Rule::Map | Rule::Export => matches!(role, Role::Analist | Role::Gemeente | Role::Kvb),
            Rule::BuildingLevel => matches!(role, Role::Analist | Role::Gemeente),
            Rule::Admin => role == Role::Beheerder,
        }
    }

    /// Whether answers under this rule go to the audit log.
    fn audited(self) -> bool {
        matches!(self, Rule::BuildingLevel | Rule::Admin)
    }
}

/// What a route's guard needs: the state and the route's rule.
#[derive(Clone)]
pub struct Guard {
    pub state: Arc<AppState>,
    pub rule: Rule,
    pub path: &'static str,
}

/// The signed-in user of a request, as handlers see it.
#[derive(Clone)]
pub struct Caller {
    pub user: User,
    /// The stated purpose (always present for building-level routes).
    pub purpose: Option<String>,
    route: &'static str,
    request: String,
    state: Arc<AppState>,
    audited: Arc<AtomicBool>,
}

fn forbidden(text: &str) -> ApiError {
    ApiError::Forbidden(text.into())
}

impl Caller {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Refuses a municipality outside a `gemeente` user's area.
    pub fn check_gemeente(&self, statcode: &str) -> Result<(), ApiError> {
        match self.user.role {
            Role::Gemeente if !self.user.gemeenten.iter().any(|g| g == statcode) => {
                Err(forbidden(&format!(
                    "gemeente {statcode} valt buiten uw gebied ({})",
                    self.user.gemeenten.join(", ")
                )))
            }
            _ => Ok(()),
        }
    }

    /// Whether the user sees what lies at `p` (RD New): a `gemeente` user
    /// only inside its own municipalities.
    pub fn sees_point(&self, data: &buitenzicht_ingest::Dataset, p: geo::Point) -> bool {
        self.user.role != Role::Gemeente
            || data
                .gemeenten_index
                .containing([p.x(), p.y()])
                .any(|i| self.sees_gemeente(&data.gemeenten[i].statcode))
    }

    /// Whether the user sees `statcode`'s data at all.
    pub fn sees_gemeente(&self, statcode: &str) -> bool {
        self.check_gemeente(statcode).is_ok()
    }

    /// Refuses cell-level data (rasters, signals) to a role that sees the
    /// risk only aggregated to squares.
    pub fn check_cells(&self) -> Result<(), ApiError> {
        match self.aggregated_to() {
            Some(size) => Err(forbidden(&format!(
                "uw rol ziet het risico alleen als klassen per vierkant van {size} m; gebruik de GeoJSON-export"
            ))),
            None => Ok(()),
        }
    }

    /// The square size (m) a user's risk is aggregated to, if any.
    pub fn aggregated_to(&self) -> Option<u32> {
        (self.user.role == Role::Kvb).then(|| {
            self.state
                .access
                .as_ref()
                .map_or(500, |a| a.config.kvb_cel_m)
        })
    }

    /// Writes the audit line for this answer and syncs it, before the
    /// answer leaves. Without an audit log (no `[access]`) nothing is
    /// written.
    pub async fn audit(&self, gemeente: Option<&str>, ids: Vec<String>) -> Result<(), ApiError> {
        if let Some(log) = self.state.access.as_ref().map(|a| &a.audit) {
            let entry = Entry {
                tijd: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                gebruiker: self.user.name.clone(),
                rol: self.user.role.id().into(),
                route: self.route.into(),
                verzoek: self.request.clone(),
                gemeente: gemeente.map(String::from),
                doelbinding: self.purpose.clone(),
                ids,
            };
            log.append(entry).await.map_err(|e| {
                eprintln!("{e}");
                ApiError::Internal("het auditlog kan niet geschreven worden".into())
            })?;
        }
        self.audited.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// The purpose in `headers`, checked: non-empty, at most 200 printable
/// characters.
pub fn purpose(headers: &HeaderMap) -> Result<String, ApiError> {
    let missing = || {
        forbidden(
            "Doelbinding ontbreekt: gegevens op pandniveau (panden, incidenten, inspectielijsten) \
             worden alleen gegeven met een zaaknummer of wettelijke grondslag in de header \
             'Doelbinding', bijvoorbeeld 'Doelbinding: RIEC-2026-0142'.",
        )
    };
    let value = headers.get(PURPOSE_HEADER).ok_or_else(missing)?;
    let text = value
        .to_str()
        .map_err(|_| forbidden("Doelbinding onleesbaar: gebruik gewone tekens (ASCII)."))?
        .trim();
    if text.is_empty() {
        return Err(missing());
    }
    if text.len() > PURPOSE_MAX || text.chars().any(|c| c.is_control()) {
        return Err(forbidden(&format!(
            "Doelbinding ongeldig: hoogstens {PURPOSE_MAX} leesbare tekens."
        )));
    }
    Ok(text.to_string())
}

/// The client's address, when the server was started with it.
pub fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The user behind a request: the local analyst without `[access]`, else
/// from the bearer token or the session cookie.
pub async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    ip: Option<IpAddr>,
) -> Result<User, ApiError> {
    match &state.access {
        // Only loopback names reach this far ([`loopback_only`]).
        None => Ok(User::local()),
        Some(access) => access.identify(headers, ip).await,
    }
}

/// Without `[access]` the server listens on loopback only, but a web page
/// elsewhere can still reach it by pointing its own name at 127.0.0.1 (DNS
/// rebinding): its requests then carry that name as `Host`. This layer in
/// front of every answer then lets only the loopback names through.
pub async fn loopback_only(request: Request, next: Next) -> Response {
    match loopback_host(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

fn loopback_host(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(host) = headers.get(axum::http::header::HOST) else {
        return Ok(());
    };
    let host = host.to_str().unwrap_or("");
    // `[::1]:8080`, `127.0.0.1:8080`, `localhost`.
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    let local = name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if local {
        Ok(())
    } else {
        Err(forbidden(&format!(
            "Host '{host}' is geen loopback-naam: zonder [access] beantwoordt de server alleen localhost, 127.0.0.1 en [::1]"
        )))
    }
}

/// The guard in front of every route with a rule other than [`Rule::Open`].
pub async fn authorize(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let rule = guard.rule.effective(request.uri().query());
    if rule == Rule::Open {
        return next.run(request).await;
    }
    let ip = client_ip(&request);
    let user = match identify(&guard.state, request.headers(), ip).await {
        Ok(user) => user,
        Err(e) => return e.into_response(),
    };
    if !rule.admits(user.role) {
        let why = match rule {
            Rule::Admin => "alleen voor beheerders".to_string(),
            _ => format!("niet toegestaan voor de rol {}", user.role),
        };
        return forbidden(&format!("{}: {why}", guard.path)).into_response();
    }
    let purpose = if rule == Rule::BuildingLevel {
        match purpose(request.headers()) {
            Ok(p) => Some(p),
            Err(e) => return e.into_response(),
        }
    } else {
        None
    };
    let audited = Arc::new(AtomicBool::new(false));
    let request_text = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_string(), |p| p.to_string());
    request.extensions_mut().insert(Caller {
        user,
        purpose,
        route: guard.path,
        request: request_text,
        state: Arc::clone(&guard.state),
        audited: Arc::clone(&audited),
    });
    let response = next.run(request).await;
    // Deny by default: an audited route's answer goes out only when its
    // audit line is on disk.
    let needs_audit = rule.audited() && guard.state.access.is_some();
    if needs_audit && response.status().is_success() && !audited.load(Ordering::SeqCst) {
        eprintln!("{}: antwoord zonder auditregel tegengehouden", guard.path);
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::json!({"error": "antwoord zonder auditregel tegengehouden"})),
        )
            .into_response();
    }
    response
}
