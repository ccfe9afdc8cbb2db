//! `buitenzicht`: risk map of drug crime in the Dutch buitengebied.
//!
//! Subcommands follow the data: `ingest` checks the inputs, `run` ingests
//! and scores and writes the products, `serve` serves the map, `fixtures`
//! writes the synthetic demo region.

mod config;
mod output;

use buitenzicht_ingest::{ingest, Dataset, IngestOptions, IngestReport};
use buitenzicht_score::backtest::backtest;
use buitenzicht_score::calibrate::{calibrate, score_calibrated, Calibration};
use buitenzicht_score::export::{inspection_csv, inspection_geojson, write_atomic};
use buitenzicht_score::geotiff::{write_gemeente_geotiff, write_geotiff};
use buitenzicht_score::{rank, score, InspectionList, RiskModel};
use buitenzicht_serve::api::export::{build_export, ExportRequest};
use buitenzicht_serve::tiles::pyramid::{write_pyramid, ArchiveFormat};
use buitenzicht_serve::tiles::{ColorRamp, TileLayer};
use buitenzicht_serve::{AppState, Rescore, Snapshot};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use config::ProjectFile;
use output::Staging;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "buitenzicht",
    version,
    about = "Risicokaart drugscriminaliteit buitengebied"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read and validate every layer; print the summary.
    Ingest(Common),
    /// Ingest, score and write the GeoTIFF and inspection lists.
    Run {
        #[command(flatten)]
        common: Common,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Ingest, score and serve the map and API.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (overrides the project file).
        #[arg(long)]
        addr: Option<String>,
        /// Folder of the web map (overrides the project file).
        #[arg(long)]
        web: Option<PathBuf>,
        /// Tile cache size in MiB (overrides the project file; 0 disables it).
        #[arg(long)]
        cache_mb: Option<u64>,
    },
    /// Fit the weights on the dumpings up to a date (Poisson regression with
    /// elastic net and spatial cross-validation) and write the model file
    /// that `scoring.model` can name.
    Calibrate {
        #[command(flatten)]
        common: Common,
        /// Last day of the dumpings the model learns from.
        #[arg(long)]
        until: NaiveDate,
        /// The model file to write (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the sewage spikes found per treatment plant.
    Sewage(Common),
    /// Score with data up to one date and measure the dumpings after it
    /// (hit rate, PAI, PEI*), against the kernel density of past dumpings.
    Backtest {
        #[command(flatten)]
        common: Common,
        /// Last day of the training data.
        #[arg(long)]
        train_until: NaiveDate,
        /// Last day of the test period.
        #[arg(long)]
        test_until: NaiveDate,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also calibrate a model on the training data and measure it.
        #[arg(long)]
        calibrate: bool,
    },
    /// Write a tile archive, a GeoJSON export or a municipality's GeoTIFF.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// Write the synthetic demo region (or, with --national, the
    /// national-scale benchmark dataset).
    Fixtures {
        #[arg(long, default_value = "fixtures")]
        out: PathBuf,
        #[arg(long, default_value_t = 20_261_101)]
        seed: u64,
        #[arg(long)]
        national: bool,
    },
    /// Time ingest, scoring and ranking of a project and report peak memory.
    Bench(Common),
}

#[derive(Subcommand)]
enum Export {
    /// A PMTiles or MBTiles archive of one tile layer.
    Tiles {
        #[command(flatten)]
        common: Common,
        /// `risk`, `leegstand`, `dumpingen`, `riool` or `satelliet`.
        #[arg(long, default_value = "risk")]
        layer: String,
        #[arg(long, value_parser = ["pmtiles", "mbtiles"], default_value = "pmtiles")]
        format: String,
        #[arg(long, default_value_t = 8)]
        minzoom: u8,
        #[arg(long, default_value_t = 14)]
        maxzoom: u8,
        #[arg(long)]
        out: PathBuf,
    },
    /// GeoJSON (RFC 7946): risk per square, or a municipality's inspection list.
    Geojson {
        #[command(flatten)]
        common: Common,
        /// CBS code of a municipality, e.g. GM0001.
        #[arg(long)]
        gemeente: Option<String>,
        /// west,south,east,north in WGS84 degrees.
        #[arg(long)]
        bbox: Option<String>,
        /// Square size in metres: 250, 500 or 1000.
        #[arg(long, default_value_t = 500)]
        cel: u32,
        #[arg(long, value_parser = ["aggregaat", "inspecties"], default_value = "aggregaat")]
        inhoud: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The risk GeoTIFF clipped to one municipality, with its QGIS style.
    Geotiff {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        gemeente: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args)]
struct Common {
    /// The project file.
    #[arg(long, short, default_value = "buitenzicht.toml")]
    config: PathBuf,
    /// Score as of this date, YYYY-MM-DD (default: the project file's
    /// `as_of`, else today).
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Fail when any record is rejected.
    #[arg(long)]
    strict: bool,
    /// Go on whatever share of a layer's records is rejected (by default a
    /// layer may lose at most `[ingest] max_reject_share`, 10 %).
    #[arg(long)]
    allow_rejects: bool,
}

type BoxError = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fout: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command {
        Command::Ingest(common) => {
            let project = ProjectFile::load(&common.config)?;
            load(&project, &common)?;
            Ok(())
        }
        Command::Run { common, out } => {
            let project = ProjectFile::load(&common.config)?;
            let (data, model, lists) = pipeline(&project, &common)?;
            write_products(&out, &data, &model, &lists)
        }
        Command::Serve {
            common,
            addr,
            web,
            cache_mb,
        } => {
            let mut project = ProjectFile::load(&common.config)?;
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
            // SIGHUP re-reads the project file and the inputs as they are
            // then; a broken project file or layer leaves the old model
            // serving.
            let rescore: Rescore = Arc::new(move || {
                let project = ProjectFile::load(&common.config).map_err(|e| e.to_string())?;
                let (data, model, lists) =
                    pipeline(&project, &common).map_err(|e| e.to_string())?;
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
        Command::Export { what } => export(what),
        Command::Sewage(common) => {
            let project = ProjectFile::load(&common.config)?;
            let (data, _) = load(&project, &common)?;
            print!(
                "{}",
                sewage_report(&data, &project, as_of(&project, &common))
            );
            Ok(())
        }
        Command::Calibrate { common, until, out } => {
            let project = ProjectFile::load(&common.config)?;
            let (data, _) = load(&project, &common)?;
            let calibration = calibrate(&data, &project.scoring, until)?;
            print!("{calibration}");
            write_atomic(&out, serde_json::to_string_pretty(&calibration)?.as_bytes())?;
            eprintln!("{}", out.display());
            Ok(())
        }
        Command::Backtest {
            common,
            train_until,
            test_until,
            json,
            calibrate,
        } => {
            if test_until <= train_until {
                return Err(format!(
                    "--test-until {test_until} must come after --train-until {train_until}"
                )
                .into());
            }
            let project = ProjectFile::load(&common.config)?;
            let (data, _) = load(&project, &common)?;
            let report = backtest(&data, &project.scoring, train_until, test_until, calibrate)?;
            print!("{report}");
            if let Some(path) = json {
                write_atomic(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
            }
            Ok(())
        }
        Command::Fixtures {
            out,
            seed,
            national: true,
        } => {
            std::fs::create_dir_all(&out)?;
            let started = std::time::Instant::now();
            buitenzicht_synth::national::generate_national(
                &out,
                buitenzicht_synth::national::NationalSize::full(),
                seed,
            )?;
            eprintln!(
                "{}: landelijke dataset in {:.1} s",
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Bench(common) => {
            let project = ProjectFile::load(&common.config)?;
            let t = std::time::Instant::now();
            let (data, report) = ingest(&project.layers, &ingest_options(&project, &common))?;
            let ingest_s = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let model = score_project(&data, &project, as_of(&project, &common))?;
            let score_s = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let lists = rank(&data, &model)?;
            let rank_s = t.elapsed().as_secs_f64();
            let records: u64 = report.layers.iter().map(|l| l.accepted).sum();
            println!(
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
            );
            Ok(())
        }
        Command::Fixtures { out, seed, .. } => {
            std::fs::create_dir_all(&out)?;
            let s = buitenzicht_synth::generate(&out, seed)?;
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
    }
}

fn export(what: Export) -> Result<(), BoxError> {
    match what {
        Export::Tiles {
            common,
            layer,
            format,
            minzoom,
            maxzoom,
            out,
        } => {
            let layer =
                TileLayer::from_id(&layer).ok_or_else(|| format!("unknown layer '{layer}'"))?;
            let format = if format == "mbtiles" {
                ArchiveFormat::Mbtiles
            } else {
                ArchiveFormat::Pmtiles
            };
            let project = ProjectFile::load(&common.config)?;
            let (data, model, lists) = pipeline(&project, &common)?;
            let snapshot = Snapshot::new(data, model, lists)?;
            let metadata = serde_json::json!({
                "name": format!("{} – {}", project.name, layer.name()),
                "description": format!("buitenzicht {} per cel, peildatum {}", layer.name(), snapshot.model.as_of),
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
            let project = ProjectFile::load(&common.config)?;
            let (data, model, lists) = pipeline(&project, &common)?;
            let snapshot = Snapshot::new(data, model, lists)?;
            let request = ExportRequest {
                gemeente,
                bbox,
                cel: Some(cel),
                inhoud: Some(inhoud),
            };
            let collection = build_export(&snapshot, &request)?;
            write_atomic(&out, serde_json::to_string(&collection)?.as_bytes())?;
            eprintln!("{}: {} features", out.display(), collection.features.len());
            Ok(())
        }
        Export::Geotiff {
            common,
            gemeente,
            out,
        } => {
            let project = ProjectFile::load(&common.config)?;
            let (data, model, _) = pipeline(&project, &common)?;
            let id = data
                .gemeenten
                .iter()
                .position(|g| g.statcode == gemeente)
                .ok_or_else(|| format!("no municipality with statcode '{gemeente}'"))?;
            write_gemeente_geotiff(&model, id as u32 + 1, &out)?
                .ok_or_else(|| format!("{gemeente} has no cell on the grid"))?;
            write_atomic(
                &out.with_extension("qml"),
                ColorRamp::default().qgis_style().as_bytes(),
            )?;
            eprintln!("{}", out.display());
            Ok(())
        }
    }
}

/// The project's tolerance for bad input, with the command line's say.
fn ingest_options(project: &ProjectFile, common: &Common) -> IngestOptions {
    IngestOptions {
        allow_rejects: common.allow_rejects,
        ..project.ingest.clone()
    }
}

/// Ingests and prints the summary; with `strict`, any rejection fails.
fn load(project: &ProjectFile, common: &Common) -> Result<(Dataset, IngestReport), BoxError> {
    let (data, report) = ingest(&project.layers, &ingest_options(project, common))?;
    eprint!("{report}");
    if common.strict && report.total_rejected() > 0 {
        return Err(format!(
            "{} record(s) afgewezen en --strict staat aan",
            report.total_rejected()
        )
        .into());
    }
    Ok((data, report))
}

/// Scores with the calibrated model the project names, else with the
/// hand-set weights.
fn score_project(
    data: &Dataset,
    project: &ProjectFile,
    as_of: NaiveDate,
) -> Result<RiskModel, BoxError> {
    Ok(match &project.scoring.model {
        None => score(data, &project.scoring, as_of)?,
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let calibration: Calibration = serde_json::from_str(&text)
                .map_err(|e| format!("{}: not a calibrated model: {e}", path.display()))?;
            score_calibrated(data, &project.scoring, &calibration, as_of)?
        }
    })
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

/// The scoring date: the flag, else the project file, else today.
fn as_of(project: &ProjectFile, common: &Common) -> NaiveDate {
    common
        .as_of
        .or(project.as_of)
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// Spikes per plant as a readable table.
fn sewage_report(data: &Dataset, project: &ProjectFile, as_of: NaiveDate) -> String {
    use buitenzicht_score::sewage::{catchment_score, detect_spikes, spike_weight};
    let config = &project.scoring.riool;
    let spikes = detect_spikes(&data.rioolmetingen, config, as_of);
    let mut out = format!(
        "rioolwaterpieken t/m {as_of} (basis: mediaan van de {} dagen ervoor)\n",
        config.window_days
    );
    for plant in &data.rwzi {
        let own: Vec<_> = spikes
            .iter()
            .filter(|s| s.rwzi_code == plant.rwzi_code)
            .collect();
        out.push_str(&format!(
            "{} {}: {} piek(en), score {:.2}\n",
            plant.rwzi_code,
            plant.rwzi_naam,
            own.len(),
            catchment_score(&own, config, as_of)
        ));
        for s in own {
            out.push_str(&format!(
                "  {}  {:<15} {:>9.1} g/d  basis {:>8.1}  ×{:<5.1} gewicht {:.2}{}\n",
                s.datum,
                s.stof,
                s.vracht_g_d,
                s.baseline_g_d,
                s.ratio,
                spike_weight(s, config, as_of),
                if s.racemisch {
                    "  racemisch (dumping?)"
                } else {
                    ""
                }
            ));
        }
    }
    out
}

fn pipeline(
    project: &ProjectFile,
    common: &Common,
) -> Result<(Dataset, RiskModel, Vec<InspectionList>), BoxError> {
    let (data, _) = load(project, common)?;
    let as_of = as_of(project, common);
    let started = std::time::Instant::now();
    let model = score_project(&data, project, as_of)?;
    eprintln!(
        "gescoord: {} × {} cellen van {} m, peildatum {as_of}, in {:.1} s",
        model.spec.cols,
        model.spec.rows,
        model.spec.cell,
        started.elapsed().as_secs_f64()
    );
    let lists = rank(&data, &model)?;
    Ok((data, model, lists))
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
