//! `buitenzicht run`: ingest, score and write the products as one run.

use super::{pipeline, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
use crate::output::Staging;
use buitenzicht_ingest::Dataset;
use buitenzicht_products::export::{inspection_csv, inspection_geojson, write_atomic};
use buitenzicht_products::geotiff::write_geotiff;
use buitenzicht_products::tiles::ColorRamp;
use buitenzicht_score::{InspectionList, RiskModel};
use std::path::Path;

pub fn run(common: &Common, out: &Path) -> Result<(), BoxError> {
    let project = ProjectFile::load(&common.input.config)?;
    let (data, model, lists) = pipeline(&project, common)?;
    write_products(out, &data, &model, &lists)
}

/// Writes the GeoTIFF, its style and the inspection lists as one run.
fn write_products(
    out: &Path,
    data: &Dataset,
    model: &RiskModel,
    lists: &[InspectionList],
) -> Result<(), BoxError> {
    let mut run = Staging::new(out)?;
    let tif = run.file("risico.tif")?;
    write_geotiff(model, &tif)?;
    // QGIS applies a .qml of the same name when it opens the GeoTIFF.
    write_atomic(
        &run.file("risico.qml")?,
        ColorRamp::default().qgis_style().as_bytes(),
    )?;
    let to_wgs = buitenzicht_ingest::crs::Transformer::from_epsg(
        buitenzicht_ingest::crs::RD_NEW,
        buitenzicht_ingest::crs::WGS84,
    )?;
    let mut all_csv = String::new();
    for list in lists {
        let csv = inspection_csv(list);
        if all_csv.is_empty() {
            all_csv.push_str(&csv);
        } else {
            all_csv.extend(csv.lines().skip(1).map(|l| format!("{l}\n")));
        }
        write_atomic(
            &run.file(&format!("inspecties/{}.csv", list.statcode))?,
            csv.as_bytes(),
        )?;
        let geojson = inspection_geojson(list, data, &to_wgs)?;
        write_atomic(
            &run.file(&format!("inspecties/{}.geojson", list.statcode))?,
            serde_json::to_string(&geojson)?.as_bytes(),
        )?;
        eprintln!(
            "{}: {} panden te inspecteren",
            list.statcode,
            list.inspecties.len()
        );
    }
    write_atomic(&run.file("inspecties/alle.csv")?, all_csv.as_bytes())?;
    run.commit(model.as_of, &model.version)?;
    eprintln!("{}", out.join("risico.tif").display());
    Ok(())
}
