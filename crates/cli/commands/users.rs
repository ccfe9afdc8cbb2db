//! `buitenzicht users add|list|revoke`: the built-in users file.

use super::{out, BoxError};
use crate::args::{RoleArg, Users};
use crate::config::{load_access, load_layers};
use buitenzicht_ingest::gemeente_codes;
use buitenzicht_serve::access::audit::{AuditLog, Entry};
use buitenzicht_serve::access::users::UsersFile;
use buitenzicht_serve::access::{AccessConfig, Role};
use std::path::{Path, PathBuf};

fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Analist => Role::Analist,
        RoleArg::Gemeente => Role::Gemeente,
        RoleArg::Kvb => Role::Kvb,
        RoleArg::Beheerder => Role::Beheerder,
    }
}

fn users_path(access: &AccessConfig) -> Result<PathBuf, BoxError> {
    access
        .users
        .clone()
        .ok_or_else(|| "[access] noemt geen users-bestand (users = \"users.toml\")".into())
}

/// Notes an administrative action in the audit log, when there is one.
fn audit(access: &AccessConfig, action: &str, ids: Vec<String>) -> Result<(), BoxError> {
    let Some(path) = &access.audit_log else {
        return Ok(());
    };
    let operator = std::env::var("USER").unwrap_or_else(|_| "onbekend".into());
    AuditLog::open(path)?.append_blocking(&Entry {
        tijd: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        gebruiker: format!("systeem:{operator}"),
        rol: "beheerder".into(),
        route: format!("buitenzicht users {action}"),
        verzoek: format!("users {action}"),
        gemeente: None,
        doelbinding: None,
        ids,
    })?;
    Ok(())
}

/// Refuses a municipality code the project's gemeenten layer lacks (a
/// typo would give a user a scope that matches nothing). A layer that
/// cannot be read is said and not held against the user being added: the
/// users file is the server's, and may be set up before the data.
fn check_gemeenten(config: &Path, codes: &[String]) -> Result<(), BoxError> {
    if codes.is_empty() {
        return Ok(());
    }
    let known = load_layers(config)
        .map_err(|e| e.to_string())
        .and_then(|layers| gemeente_codes(&layers).map_err(|e| e.to_string()));
    match known {
        Ok(known) => {
            let unknown: Vec<&str> = codes
                .iter()
                .filter(|c| !known.contains(c))
                .map(String::as_str)
                .collect();
            if unknown.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} staat niet in de laag gemeenten van het project ({} gemeenten, zoals {})",
                    unknown.join(", "),
                    known.len(),
                    known.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                )
                .into())
            }
        }
        Err(reason) => {
            eprintln!("let op: de gemeentecodes zijn niet gecontroleerd, de laag gemeenten is niet te lezen: {reason}");
            Ok(())
        }
    }
}

pub fn run(what: Users) -> Result<(), BoxError> {
    match what {
        Users::Add {
            name,
            role: r,
            gemeente,
            config,
        } => {
            let access = load_access(&config)?;
            let path = users_path(&access)?;
            check_gemeenten(&config, &gemeente)?;
            let mut file = UsersFile::read(&path)?;
            let token = file.add(&name, role(r), gemeente)?;
            file.write(&path)?;
            audit(&access, "add", vec![name.clone()])?;
            // The token is shown once: when it cannot be, the user exists
            // without it, and that is an error, not a quiet end.
            let shown = out!("gebruiker {name} toegevoegd ({}).", role(r))
                .and_then(|()| {
                    out!("Het token staat hieronder; het wordt niet bewaard en niet nog eens getoond.")
                })
                .and_then(|()| out!("{token}"));
            if shown.is_err() {
                return Err(format!(
                    "gebruiker {name} is toegevoegd, maar het token kon niet getoond worden; trek {name} in en voeg opnieuw toe"
                )
                .into());
            }
        }
        Users::List { config } => {
            let access = load_access(&config)?;
            let file = UsersFile::read(&users_path(&access)?)?;
            if file.gebruikers.is_empty() {
                out!("geen gebruikers")?;
            }
            for u in &file.gebruikers {
                out!(
                    "{}\t{}\t{}\t{}",
                    u.naam,
                    u.rol,
                    if u.gemeenten.is_empty() {
                        "-".to_string()
                    } else {
                        u.gemeenten.join(",")
                    },
                    u.aangemaakt
                )?;
            }
        }
        Users::Revoke { name, config } => {
            let access = load_access(&config)?;
            let path = users_path(&access)?;
            let mut file = UsersFile::read(&path)?;
            file.revoke(&name)?;
            file.write(&path)?;
            audit(&access, "revoke", vec![name.clone()])?;
            out!("gebruiker {name} ingetrokken; het token werkt niet meer.")?;
        }
    }
    Ok(())
}
