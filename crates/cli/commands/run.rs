//! `buitenzicht run`: ingest, score and write the products as one run.

use super::{pipeline, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
use crate::output::{OutputError, Staging};
use buitenzicht_ingest::crs::{self, Transformer};
use buitenzicht_ingest::Dataset;
use buitenzicht_products::export::{inspection_csv, inspection_geojson, write_atomic};
use buitenzicht_products::geotiff::write_geotiff;
use buitenzicht_products::tiles::ColorRamp;
use buitenzicht_products::ProductError;
use buitenzicht_score::{InspectionList, RiskModel};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub fn run(common: &Common, out: &Path) -> Result<(), BoxError> {
    let project = ProjectFile::load(&common.input.config)?;
    // The output folder is checked (and its staging folder made) before
    // the minutes of scoring, not after.
    let run = Staging::new(out)?;
    let (data, model, lists) = pipeline(&project, common)?;
    write_products(run, &data, &model, &lists)
}

/// Writes the GeoTIFF, its style and the inspection lists as one run. The
/// lists (PROJ, JSON and an fsync per file) are written on both cores
/// while the GeoTIFF is compressed beside them.
fn write_products(
    mut run: Staging,
    data: &Dataset,
    model: &RiskModel,
    lists: &[InspectionList],
) -> Result<(), BoxError> {
    let tif = run.file("risico.tif")?;
    let qml = run.file("risico.qml")?;
    let files = lists
        .iter()
        .map(|list| {
            let csv = run.file(&format!("inspecties/{}.csv", list.statcode))?;
            let geojson = run.file(&format!("inspecties/{}.geojson", list.statcode))?;
            Ok((csv, geojson))
        })
        .collect::<Result<Vec<(PathBuf, PathBuf)>, OutputError>>()?;
    let all = run.file("inspecties/alle.csv")?;
    let (tif_written, lists_written) = std::thread::scope(|s| {
        let tif_written = s.spawn(|| write_geotiff(model, &tif));
        let lists_written = write_lists(data, lists, &files, &all);
        (tif_written.join(), lists_written)
    });
    match tif_written {
        Ok(written) => written?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    lists_written?;
    // QGIS applies a .qml of the same name when it opens the GeoTIFF.
    write_atomic(&qml, ColorRamp::default().qgis_style().as_bytes())?;
    for list in lists {
        eprintln!(
            "{}: {} panden te inspecteren",
            list.statcode,
            list.inspecties.len()
        );
    }
    // The buildings read but on no list, so the totals add up.
    let away = buitenzicht_score::inspection::unlisted(data, lists);
    if away.total() > 0 {
        let parts: Vec<String> = [
            (away.built_up, "in de bebouwde kom"),
            (away.outside, "buiten de gemeenten van het studiegebied"),
            (away.not_candidate, "niet (mogelijk) leegstaand"),
            (
                away.other,
                "aan de rand van een bebouwde kom of het studiegebied",
            ),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
        eprintln!(
            "op geen lijst: {} panden ({})",
            away.total(),
            parts.join(", ")
        );
    }
    let out = run.target().to_path_buf();
    run.commit(model.as_of, &model.version)?;
    eprintln!("{}", out.join("risico.tif").display());
    Ok(())
}

/// Each municipality's list as CSV and GeoJSON (in WGS84), and all of them
/// in one CSV; on a failure, one of the failures is reported and nothing
/// is put in place.
fn write_lists(
    data: &Dataset,
    lists: &[InspectionList],
    files: &[(PathBuf, PathBuf)],
    all: &Path,
) -> Result<(), ProductError> {
    let csvs = lists
        .par_iter()
        .zip(files)
        .map_init(
            || Transformer::from_epsg(crs::RD_NEW, crs::WGS84),
            |to_wgs, (list, (csv_path, geojson_path))| {
                let to_wgs = to_wgs.as_ref().map_err(|e| ProductError::Gdal(e.clone()))?;
                let csv = inspection_csv(list);
                write_atomic(csv_path, csv.as_bytes())?;
                let geojson = inspection_geojson(list, data, to_wgs)?;
                write_atomic(geojson_path, geojson.to_string().as_bytes())?;
                Ok(csv)
            },
        )
        .collect::<Result<Vec<String>, ProductError>>()?;
    let mut all_csv = String::new();
    for csv in &csvs {
        let rows = if all_csv.is_empty() {
            csv.lines()
        } else {
            let mut lines = csv.lines();
            lines.next();
            lines
        };
        for line in rows {
            all_csv.push_str(line);
            all_csv.push('\n');
        }
    }
    write_atomic(all, all_csv.as_bytes())
}
