//! `buitenzicht bench`: time ingest, scoring and ranking; peak memory.

use super::{as_of, ingest_options, out, score_project, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
use buitenzicht_ingest::ingest;
use buitenzicht_score::rank;

pub fn run(common: &Common) -> Result<(), BoxError> {
    let project = ProjectFile::load(&common.input.config)?;
    let t = std::time::Instant::now();
    let (data, report) = ingest(&project.layers, &ingest_options(&project, &common.input))?;
    let ingest_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let model = score_project(&data, &project, as_of(&project, common))?;
    let score_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let lists = rank(&data, &model)?;
    let rank_s = t.elapsed().as_secs_f64();
    let records: u64 = report.layers.iter().map(|l| l.accepted).sum();
    out!(
        "cellen {} ({} × {} van {} m) | records {} | ingest {:.1} s | scoren {:.1} s | rangschikken {:.1} s ({} panden) | piekgeheugen {}",
        model.spec.len(),
        model.spec.cols,
        model.spec.rows,
        model.spec.cell,
        records,
        ingest_s,
        score_s,
        rank_s,
        lists.iter().map(|l| l.inspecties.len()).sum::<usize>(),
        peak_memory().unwrap_or_else(|| "onbekend".into())
    )?;
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(format!("{:.2} GB", kb / 1024.0 / 1024.0))
}
