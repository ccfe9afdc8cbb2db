//! `buitenzicht export`: a tile archive, a GeoJSON export or a
//! municipality's GeoTIFF.

use super::{load, pipeline, score_loaded, BoxError};
use crate::args::{ContentArg, Export, FormatArg};
use crate::config::ProjectFile;
use buitenzicht_products::export::write_atomic;
use buitenzicht_products::geotiff::write_gemeente_geotiff;
use buitenzicht_products::tiles::pyramid::{write_pyramid, ArchiveFormat};
use buitenzicht_products::tiles::{ColorRamp, TileLayer};
use buitenzicht_serve::api::export::{build_export, check_request, ExportRequest};
use buitenzicht_serve::Snapshot;

pub fn run(what: Export) -> Result<(), BoxError> {
    match what {
        Export::Tiles {
            common,
            layer,
            format,
            minzoom,
            maxzoom,
            out,
        } => {
            // Checked before the scoring: z18 is 0.6 m a pixel, finer than
            // any cell, and every level deeper quadruples the tiles.
            const DEEPEST: u8 = 18;
            if minzoom > maxzoom || maxzoom > DEEPEST {
                return Err(format!(
                    "--minzoom {minzoom} --maxzoom {maxzoom}: kies 0 ≤ minzoom ≤ maxzoom ≤ {DEEPEST} (z{DEEPEST} is 0.6 m per pixel, fijner dan elke cel)"
                )
                .into());
            }
            let layer = TileLayer::from_id(layer.id())
                .ok_or_else(|| format!("onbekende laag '{}'", layer.id()))?;
            let format = match format {
                FormatArg::Mbtiles => ArchiveFormat::Mbtiles,
                FormatArg::Pmtiles => ArchiveFormat::Pmtiles,
            };
            let project = ProjectFile::load(&common.input.config)?;
            let (data, model, lists) = pipeline(&project, &common)?;
            let snapshot = Snapshot::new(data, model, lists)?;
            let metadata = serde_json::json!({
                "name": format!("{} – {}", project.name, layer.name(&snapshot.model)),
                "description": format!("buitenzicht {} per cel, peildatum {}", layer.name(&snapshot.model), snapshot.model.as_of),
                "version": &*snapshot.version,
                "attribution": "buitenzicht",
            });
            let started = std::time::Instant::now();
            let report = write_pyramid(
                &snapshot.model,
                layer,
                snapshot.bounds_wgs84,
                (minzoom, maxzoom),
                format,
                &out,
                &metadata,
            )?;
            eprintln!(
                "{}: {} tegels geschreven (van {}), {} bytes, in {:.3} s",
                out.display(),
                report.tiles_written,
                report.tiles_considered,
                report.bytes,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Export::Geojson {
            common,
            gemeente,
            bbox,
            cel,
            inhoud,
            out,
        } => {
            let project = ProjectFile::load(&common.input.config)?;
            let request = ExportRequest {
                gemeente,
                bbox,
                cel,
                inhoud: Some(
                    match inhoud {
                        ContentArg::Aggregaat => "aggregaat",
                        ContentArg::Inspecties => "inspecties",
                    }
                    .into(),
                ),
                // The file for partners who see squares only, as a kvb
                // user gets it from the server.
                whole_squares: true,
            };
            // Checked before the scoring, which takes a minute nationally.
            let (data, _) = load(&project, &common.input)?;
            check_request(&data, &request)?;
            let (data, model, lists) = score_loaded(&project, &common, data)?;
            let snapshot = Snapshot::new(data, model, lists)?;
            let collection = build_export(&snapshot, &request)?;
            write_atomic(&out, serde_json::to_string(&collection)?.as_bytes())?;
            eprintln!("{}: {} objecten", out.display(), collection.features.len());
            if collection.features.is_empty() {
                eprintln!(
                    "let op: de export is leeg: binnen deze gemeente en dit gebied (--bbox) ligt geen vierkant of pand van het buitengebied"
                );
            }
            Ok(())
        }
        Export::Geotiff {
            common,
            gemeente,
            out,
        } => {
            let project = ProjectFile::load(&common.input.config)?;
            let (data, _) = load(&project, &common.input)?;
            let id = data
                .gemeente_index(&gemeente)
                .ok_or_else(|| format!("geen gemeente met statcode '{gemeente}'"))?;
            let (_, model, _) = score_loaded(&project, &common, data)?;
            // The style first: it is the same for every export, so a GeoTIFF
            // that then fails leaves the old pair as it was.
            write_atomic(
                &out.with_extension("qml"),
                ColorRamp::default().qgis_style().as_bytes(),
            )?;
            write_gemeente_geotiff(&model, id as u32 + 1, &out)?
                .ok_or_else(|| format!("{gemeente} heeft geen cel op het raster"))?;
            eprintln!("{}", out.display());
            Ok(())
        }
    }
}
