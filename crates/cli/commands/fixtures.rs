//! `buitenzicht fixtures`: write the demo region or the national dataset.

use super::BoxError;
use std::path::Path;

/// The demo region's project file, as committed beside its data.
const DEMO_PROJECT: &str = include_str!("../../../fixtures/buitenzicht.toml");

pub fn run(out: &Path, seed: u64, national: bool, study: Option<u64>) -> Result<(), BoxError> {
    std::fs::create_dir_all(out).map_err(|e| {
        format!(
            "{}: de map kan niet gemaakt worden: {}",
            out.display(),
            buitenzicht_ingest::error::io_write_reason(&e)
        )
    })?;
    if let Some(seed) = study {
        let truth = buitenzicht_synth::study::generate_study_region(out, seed)?;
        eprintln!(
            "{}: studieregio {seed}, {} productieplaatsen, peildatum {}",
            out.display(),
            truth.sites.len(),
            truth.cut
        );
        return Ok(());
    }
    if national {
        let started = std::time::Instant::now();
        buitenzicht_synth::national::generate_national(
            out,
            buitenzicht_synth::national::NationalSize::full(),
            seed,
        )?;
        eprintln!(
            "{}: landelijke dataset in {:.1} s",
            out.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let s = buitenzicht_synth::generate(out, seed)?;
    let project = out.join("buitenzicht.toml");
    buitenzicht_ingest::atomic::write(&project, DEMO_PROJECT.as_bytes()).map_err(|e| {
        format!(
            "{}: {}",
            project.display(),
            buitenzicht_ingest::error::io_write_reason(&e)
        )
    })?;
    eprintln!(
        "{}: {} gemeenten, {} kernen, {} panden ({} (vermoedelijk) leeg), {} dumpingen, {} RWZI's met {} metingen, {} satelliettegels",
        out.display(),
        s.gemeenten,
        s.villages,
        s.barns,
        s.vacant_barns,
        s.dumpings,
        s.plants,
        s.measurements,
        s.satellite_tiles
    );
    Ok(())
}
