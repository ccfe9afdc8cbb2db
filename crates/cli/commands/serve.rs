//! `buitenzicht serve`: ingest, score and serve the map and API.

use super::{pipeline, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
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
    let (data, model, lists) = pipeline(&project, &common)?;
    let addr = addr
        .or_else(|| project.serve.addr.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let web = web
        .or_else(|| project.serve.web_dir.clone())
        .unwrap_or_else(|| PathBuf::from("web"));
    let snapshot = Snapshot::new(data, model, lists)?;
    let state = AppState::new(project.name.clone(), snapshot, &project.serve)?;
    // SIGHUP re-reads the project file and the inputs as they are then; a
    // broken project file or layer leaves the old model serving.
    let rescore: Rescore = Arc::new(move || {
        let project = ProjectFile::load(&common.input.config).map_err(|e| e.to_string())?;
        let (data, model, lists) = pipeline(&project, &common).map_err(|e| e.to_string())?;
        Snapshot::new(data, model, lists).map_err(|e| e.to_string())
    });
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        eprintln!("kaart op http://{}/", listener.local_addr()?);
        buitenzicht_serve::serve(state, listener, &web, Some(rescore)).await?;
        Ok::<(), BoxError>(())
    })
}
