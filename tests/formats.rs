//! The fixtures converted by `ogr2ogr` to every vector format the README
//! promises give the same risk raster through the release binary:
//! GeoPackage (all layers in one file), Shapefile (with `.prj` and `.cpg`,
//! its ten-character column names found without a `columns` mapping; also
//! all of them in one `.zip`), GeoJSON in WGS84 (RFC 7946) and
//! with a legacy `crs`, FlatGeobuf, and CSV (WKT and x/y columns, and the
//! semicolons and decimal commas of Dutch Excel).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The release binary, built if needed (a GeoPackage once crashed it, and
/// only that build was affected in the way users run it).
fn release_binary() -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--locked",
            "--bin",
            "buitenzicht",
            "--message-format=json",
        ])
        .current_dir(common::repo())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .next_back()
        .expect("cargo names the executable")
}

/// Runs `ogr2ogr` with `args`.
fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr runs");
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Open options that make GDAL read the fixtures' dumping CSV as points
/// (in RD New: `-s_srs` when reprojecting, else `-a_srs`).
const CSV_POINTS: [&str; 6] = [
    "-oo",
    "X_POSSIBLE_NAMES=x",
    "-oo",
    "Y_POSSIBLE_NAMES=y",
    "-oo",
    "KEEP_GEOM_COLUMNS=NO",
];

struct Layer {
    name: &'static str,
    file: &'static str,
    /// The CSV of x/y points that needs [`CSV_POINTS`].
    points_csv: bool,
}

const LAYERS: [Layer; 6] = [
    Layer {
        name: "gemeenten",
        file: "gemeenten.geojson",
        points_csv: false,
    },
    Layer {
        name: "bebouwde_kom",
        file: "bebouwde_kom.geojson",
        points_csv: false,
    },
    Layer {
        name: "panden",
        file: "panden.geojson",
        points_csv: false,
    },
    Layer {
        name: "dumpingen",
        file: "dumpingen.csv",
        points_csv: true,
    },
    Layer {
        name: "rwzi",
        file: "rwzi.geojson",
        points_csv: false,
    },
    Layer {
        name: "rioolmetingen",
        file: "rioolmetingen.csv",
        points_csv: false,
    },
];

/// Writes every layer in one format into `dir` and a project file naming
/// them; returns the project file.
fn convert(dir: &Path, format: &str) -> PathBuf {
    let fixtures = common::fixtures();
    std::fs::create_dir_all(dir).unwrap();
    let mut project = String::from("as_of = \"2026-11-01\"\n");
    for layer in &LAYERS {
        let src = fixtures.join(layer.file);
        let src = src.to_str().unwrap();
        let mut args: Vec<String> = Vec::new();
        let (file, extra): (String, String) = match format {
            "gpkg" => {
                args.extend(["-f", "GPKG", "-nln", layer.name].map(String::from));
                if layer.name != "gemeenten" {
                    args.push("-update".into());
                }
                ("alles.gpkg".into(), format!("layer = \"{}\"\n", layer.name))
            }
            "shp" => {
                args.extend(["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"].map(String::from));
                (format!("{}.shp", layer.name), String::new())
            }
            // Every layer a Shapefile in one archive, as PDOK hands them
            // out; GDAL writes it as `.shp.zip`, renamed below.
            "zip" => {
                args.extend(
                    [
                        "-f",
                        "ESRI Shapefile",
                        "-lco",
                        "ENCODING=UTF-8",
                        "-nln",
                        layer.name,
                    ]
                    .map(String::from),
                );
                if layer.name != "gemeenten" {
                    args.push("-update".into());
                }
                (
                    "alles.shp.zip".into(),
                    format!("layer = \"{}\"\n", layer.name),
                )
            }
            "geojson-wgs84" => {
                args.extend(
                    [
                        "-f",
                        "GeoJSON",
                        "-lco",
                        "RFC7946=YES",
                        "-t_srs",
                        "EPSG:4326",
                    ]
                    .map(String::from),
                );
                (format!("{}.geojson", layer.name), String::new())
            }
            "geojson-rd" => {
                args.extend(["-f", "GeoJSON"].map(String::from));
                (format!("{}.geojson", layer.name), String::new())
            }
            "fgb" => {
                args.extend(["-f", "FlatGeobuf"].map(String::from));
                (format!("{}.fgb", layer.name), String::new())
            }
            "csv" => {
                args.extend(
                    [
                        "-f",
                        "CSV",
                        "-lco",
                        "GEOMETRY=AS_WKT",
                        "-t_srs",
                        "EPSG:28992",
                    ]
                    .map(String::from),
                );
                (
                    format!("{}.csv", layer.name),
                    "crs = \"EPSG:28992\"\n".into(),
                )
            }
            other => panic!("unknown format {other}"),
        };
        // Tables stay tables; FlatGeobuf and Shapefile hold them as well.
        let is_table = layer.name == "rioolmetingen";
        let (file, extra) = if is_table && format == "fgb" {
            (format!("{}.csv", layer.name), String::new())
        } else if is_table && format == "shp" {
            (format!("{}.dbf", layer.name), String::new())
        } else {
            (file, extra)
        };
        let target = dir.join(&file);
        let copied = is_table && matches!(format, "csv" | "fgb");
        if !copied {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.push(target.to_str().unwrap());
            all.push(src);
            if layer.points_csv {
                all.extend(CSV_POINTS);
                let reprojects = all.contains(&"-t_srs");
                all.extend([if reprojects { "-s_srs" } else { "-a_srs" }, "EPSG:28992"]);
            }
            ogr2ogr(&all);
        } else {
            std::fs::copy(src, &target).unwrap();
        }
        let named = if format == "zip" { "alles.zip" } else { &file };
        project.push_str(&format!(
            "[layers.{}]\npath = \"{named}\"\n{extra}\n",
            layer.name
        ));
    }
    if format == "zip" {
        std::fs::rename(dir.join("alles.shp.zip"), dir.join("alles.zip")).unwrap();
    }
    project.push_str(&format!(
        "[layers.satelliet]\npath = \"{}\"\n",
        fixtures.join("satelliet").display()
    ));
    let path = dir.join("buitenzicht.toml");
    std::fs::write(&path, project).unwrap();
    path
}

/// The fixtures with their CSV files as Dutch Excel writes them: semicolons,
/// decimal commas, a BOM, CRLF and Windows-1252.
fn excel_csv(dir: &Path) -> PathBuf {
    let fixtures = common::fixtures();
    std::fs::create_dir_all(dir).unwrap();
    let mut project = std::fs::read_to_string(fixtures.join("buitenzicht.toml")).unwrap();
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => {
                let text = std::fs::read_to_string(&path).unwrap();
                let excel = text
                    .lines()
                    .map(|l| l.replace(',', ";").replace('.', ","))
                    .collect::<Vec<_>>()
                    .join("\r\n");
                let mut bytes = b"\xEF\xBB\xBF".to_vec();
                bytes.extend(excel.as_bytes());
                std::fs::write(dir.join(&name), bytes).unwrap();
            }
            Some("geojson") => {
                std::fs::copy(&path, dir.join(&name)).unwrap();
            }
            _ => {}
        }
    }
    project = project.replace("\"../web\"", "\"web\"").replace(
        "path = \"satelliet\"",
        &format!("path = \"{}\"", fixtures.join("satelliet").display()),
    );
    let config = dir.join("buitenzicht.toml");
    std::fs::write(&config, project).unwrap();
    config
}

fn run(binary: &Path, project: &Path, out: &Path) -> String {
    let output = Command::new(binary)
        .args(["run", "--strict", "-c"])
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{}: {:?}\n{log}",
        project.display(),
        output.status
    );
    log
}

/// The fixtures' own project, its paths made absolute so that it runs
/// from `dir`.
fn reference(dir: &Path) -> PathBuf {
    let fixtures = common::fixtures();
    std::fs::create_dir_all(dir).unwrap();
    let text = std::fs::read_to_string(fixtures.join("buitenzicht.toml")).unwrap();
    let project: String = text
        .lines()
        .map(|l| match l.strip_prefix("path = \"") {
            Some(rest) => format!("path = \"{}/{rest}", fixtures.display()),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join("buitenzicht.toml");
    std::fs::write(&path, project).unwrap();
    path
}

/// Every project here runs without bootstrap replicates: they give the
/// intervals in the report, never the raster, and cost most of the time.
fn without_bootstrap(project: &Path) {
    let mut text = std::fs::read_to_string(project).unwrap();
    text.push_str("\n[scoring.calibration]\nbootstrap = 0\n");
    std::fs::write(project, text).unwrap();
}

#[test]
fn every_format_gives_the_same_risk_raster() {
    let binary = release_binary();
    let work = tempfile::tempdir().unwrap();
    let reference_dir = work.path().join("referentie");
    let reference_project = reference(&reference_dir);
    without_bootstrap(&reference_project);
    let reference_out = reference_dir.join("uit");
    let log = run(&binary, &reference_project, &reference_out);
    assert!(
        log.contains("panden.geojson heeft geen kolom `leegstand_datum` (optioneel"),
        "an optional column not found is named: {log}"
    );
    let (gt, reference) = common::risk(&reference_out);

    for format in [
        "gpkg",
        "shp",
        "zip",
        "geojson-wgs84",
        "geojson-rd",
        "fgb",
        "csv",
        "excel-csv",
    ] {
        let dir = work.path().join(format);
        let project = if format == "excel-csv" {
            excel_csv(&dir)
        } else {
            convert(&dir, format)
        };
        without_bootstrap(&project);
        let out = dir.join("uit");
        let log = run(&binary, &project, &out);
        if matches!(format, "shp" | "zip") {
            for (column, cut) in [
                ("identificatie", "identifica"),
                ("oppervlakte", "oppervlakt"),
                ("incident_id", "incident_i"),
                ("enantiomeer_fractie", "enantiomee"),
            ] {
                assert!(
                    log.contains(&format!("kolom `{column}` gelezen uit `{cut}`")),
                    "{column}: {log}"
                );
            }
        }
        let (gt_f, values) = common::risk(&out);
        assert_eq!(gt_f, gt, "{format}: same grid");
        assert_eq!(values.len(), reference.len());
        let mut worst = 0.0f32;
        for (i, (&a, &b)) in values.iter().zip(&reference).enumerate() {
            assert_eq!(
                a == -9999.0,
                b == -9999.0,
                "{format}: nodata differs at cell {i}"
            );
            worst = worst.max((a - b).abs());
        }
        // WGS84 GeoJSON rounds to 7 decimals (about 1 cm): a trace of it
        // shows in the densities and in the model fitted on the moved
        // dumpings (0.015 points of 100 measured); everything else is
        // exact.
        let tolerance = if format == "geojson-wgs84" {
            0.025
        } else {
            1e-4
        };
        assert!(
            worst <= tolerance,
            "{format}: risk differs by up to {worst}"
        );
    }
}
