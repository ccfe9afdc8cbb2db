//! `buitenzicht serve`: ingest, score and serve the map and API.

use super::{pipeline, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
use buitenzicht_serve::access::Access;
use buitenzicht_serve::{AppState, Rescore, Snapshot};
use std::path::PathBuf;
use std::sync::Arc;

pub fn run(
    common: Common,
    addr: Option<String>,
    web: Option<PathBuf>,
    cache_mb: Option<u64>,
) -> Result<(), BoxError> {
    let mut project = ProjectFile::load(&common.input.config)?;
    if cache_mb.is_some() {
        project.serve.tile_cache_mb = cache_mb;
    }
    let addr = addr
        .or_else(|| project.serve.addr.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    if project.access.is_none() {
        // Without access control nobody but this computer may connect.
        use std::net::ToSocketAddrs;
        let resolved: Vec<_> = addr
            .to_socket_addrs()
            .map_err(|_| {
                format!("{addr} is geen adres om op te luisteren (bijvoorbeeld 127.0.0.1:8080)")
            })?
            .collect();
        if resolved.is_empty() || resolved.iter().any(|a| !a.ip().is_loopback()) {
            return Err(format!(
                "{addr} is bereikbaar van buiten deze computer; zonder [access] in het \
                 projectbestand luistert de server alleen op loopback (127.0.0.1 of ::1)"
            )
            .into());
        }
        eprintln!(
            "geen [access] in het projectbestand: de kaart is alleen op deze computer \
             bereikbaar en wie hem opent is analist"
        );
    }
    let web = web
        .or_else(|| project.serve.web_dir.clone())
        .unwrap_or_else(|| PathBuf::from("web"));
    // Said at the start, not found by the first visitor (the API works
    // without the map).
    if !web.join("index.html").is_file() {
        eprintln!(
            "let op: {}: hier staat de webkaart niet (geen index.html); geef --web of `[serve] web_dir`",
            web.display()
        );
    }
    if let Some(users) = project.access.as_ref().and_then(|a| a.users.as_ref()) {
        if !users.exists() {
            eprintln!(
                "let op: gebruikersbestand {} bestaat nog niet: niemand kan zich aanmelden tot `buitenzicht users add` een gebruiker maakt",
                users.display()
            );
        }
    }
    let (data, model, lists) = pipeline(&project, &common)?;
    let snapshot = Snapshot::new(data, model, lists)?;
    let mut state = AppState::new(project.name.clone(), snapshot, &project.serve)?;
    let access = project.access.clone();
    let secure_cookie = project
        .serve
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    // SIGHUP re-reads the project file and the inputs as they are then; a
    // broken project file or layer leaves the old model serving.
    let rescore: Rescore = Arc::new(move || {
        let project = ProjectFile::load(&common.input.config).map_err(|e| e.to_string())?;
        let (data, model, lists) = pipeline(&project, &common).map_err(|e| e.to_string())?;
        Snapshot::new(data, model, lists).map_err(|e| e.to_string())
    });
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        if let Some(config) = access {
            state = state.with_access(Access::new(config, secure_cookie).await?);
            eprintln!("toegangsbeheer aan: aanmelden verplicht, auditlog bijgehouden");
        }
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        eprintln!("kaart op http://{}/", listener.local_addr()?);
        buitenzicht_serve::serve(state, listener, &web, Some(rescore)).await?;
        Ok::<(), BoxError>(())
    })
}
