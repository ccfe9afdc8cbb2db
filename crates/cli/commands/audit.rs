//! `buitenzicht audit verify|show`: the audit log for the privacy officer.

use super::{out, BoxError};
use crate::args::Audit;
use crate::config::load_access;
use buitenzicht_serve::access::audit;

pub fn run(what: Audit) -> Result<(), BoxError> {
    match what {
        Audit::Verify { config } => {
            let access = load_access(&config)?;
            let path = access.audit_log.ok_or("[access] noemt geen audit_log")?;
            if !path.exists() {
                out!("auditlog {}: nog niet aangemaakt (de server heeft nog geen verzoek gelogd); 0 regels", path.display())?;
                return Ok(());
            }
            let lines = audit::verify(&path)?;
            out!(
                "auditlog {} in orde: {lines} regel(s), keten intact",
                path.display()
            )?;
        }
        Audit::Show {
            user,
            since,
            config,
        } => {
            let access = load_access(&config)?;
            let path = access.audit_log.ok_or("[access] noemt geen audit_log")?;
            if !path.exists() {
                eprintln!(
                    "auditlog {}: nog niet aangemaakt (de server heeft nog geen verzoek gelogd)",
                    path.display()
                );
                return Ok(());
            }
            if let Err(e) = audit::verify(&path) {
                eprintln!("let op: de keten is verbroken: {e}");
            }
            let since = since.map(|d| d.to_string());
            let mut shown = 0usize;
            for (nr, e) in audit::read(&path)? {
                if user.as_ref().is_some_and(|u| &e.gebruiker != u)
                    || since.as_ref().is_some_and(|d| e.tijd.as_str() < d.as_str())
                {
                    continue;
                }
                shown += 1;
                out!(
                    "{nr}\t{}\t{} ({})\t{}\tgemeente {}\tdoelbinding {}\t{} id(s): {}",
                    e.tijd,
                    e.gebruiker,
                    e.rol,
                    e.verzoek,
                    e.gemeente.as_deref().unwrap_or("-"),
                    e.doelbinding.as_deref().unwrap_or("-"),
                    e.ids.len(),
                    e.ids.join(",")
                )?;
            }
            // Said on stderr: the lines themselves stay the only output.
            if shown == 0 {
                eprintln!(
                    "geen regels in {} (met deze --user en --since)",
                    path.display()
                );
            }
        }
    }
    Ok(())
}
