//! Bad input: each kind gives an error or a counted rejection naming file,
//! row and field, never a panic, an abort or a silent loss; `--strict` makes
//! any rejection fatal, and a layer that loses more than its share of rows
//! fails unless `--allow-rejects` is given.

mod common;

use gdal::vector::LayerAccess;
use serde_json::Value;
use std::path::Path;

fn ingest(dir: &Path, extra: &[&str]) -> (bool, String) {
    let config = dir.join("buitenzicht.toml");
    let mut args = vec!["ingest", "-c", config.to_str().unwrap()];
    args.extend(extra);
    let out = common::run(&args);
    assert_no_crash(&out);
    (out.status.success(), common::stderr(&out))
}

/// Exit 0 or 1 with a message: never a signal (SIGSEGV, SIGABRT) or a panic.
fn assert_no_crash(out: &std::process::Output) {
    let log = common::stderr(out);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "crashed ({:?}): {log}",
        out.status
    );
    assert!(!log.contains("panicked"), "panicked: {log}");
}

/// Replaces the `n`-th data line (1-based, header excluded) of a CSV.
fn edit_csv_row(path: &Path, n: usize, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == n { edit(l) } else { l.to_string() })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn set_csv_field(path: &Path, row: usize, field: usize, value: &str) {
    edit_csv_row(path, row, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[field] = value;
        f.join(",")
    });
}

/// Edits a GeoJSON file as JSON.
fn edit_geojson(path: &Path, edit: impl FnOnce(&mut Vec<Value>)) {
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(json["features"].as_array_mut().unwrap());
    std::fs::write(path, serde_json::to_string(&json).unwrap()).unwrap();
}

fn edit_config(dir: &Path, edit: impl FnOnce(String) -> String) {
    let config = dir.join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, edit(text)).unwrap();
}

fn summary_line<'a>(log: &'a str, layer: &str) -> Vec<&'a str> {
    log.lines()
        .find(|l| l.starts_with(&format!("{layer} ")))
        .unwrap_or_else(|| panic!("no summary for {layer} in {log}"))
        .split_whitespace()
        .collect()
}

#[test]
fn clean_fixtures_have_no_rejections() {
    let (ok, log) = ingest(&common::fixtures(), &["--strict"]);
    assert!(ok, "{log}");
    assert!(!log.contains("afgewezen:"), "{log}");
}

#[test]
fn unparsable_date_is_rejected_and_counted() {
    let dir = common::fixture_copy();
    set_csv_field(&dir.path().join("dumpingen.csv"), 3, 1, "2025-13-45");
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(
        log.contains("dumpingen.csv rij 3, veld `datum`: '2025-13-45' is geen datum"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "dumpingen")[1..], ["47", "46", "1"]);

    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(!ok, "--strict fails on a rejection");
    assert!(log.contains("--strict"), "{log}");
}

/// After blank lines and a quoted line break the record's number is no
/// longer its line: the message names both, so an editor finds it.
#[test]
fn a_rejected_csv_row_names_its_line_after_blank_lines() {
    let dir = common::fixture_copy();
    let path = dir.path().join("dumpingen.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Blank lines after the first record; the second spans two lines.
    lines[2] = lines[2].replacen(",jerrycans,", ",\"jerrycans\nen vaten\",", 1);
    lines.insert(2, String::new());
    lines.insert(2, String::new());
    // The third record (now on line 7) with a bad date.
    let third: Vec<&str> = lines[5].split(',').collect();
    lines[5] = [third[0], "2025-13-45"]
        .into_iter()
        .chain(third[2..].iter().copied())
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(
        log.contains("dumpingen.csv rij 3 (regel 7), veld `datum`: '2025-13-45' is geen datum"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "dumpingen")[1..], ["47", "46", "1"]);
}

#[test]
fn coordinates_outside_the_netherlands_are_rejected() {
    let dir = common::fixture_copy();
    let path = dir.path().join("dumpingen.csv");
    set_csv_field(&path, 5, 2, "5.12");
    set_csv_field(&path, 5, 3, "52.09");
    let (_, log) = ingest(dir.path(), &[]);
    assert!(
        log.contains(
            "dumpingen.csv rij 5, veld `x`: ligt in RD New op (5.1, 52.1), buiten Nederland"
        ),
        "{log}"
    );
    assert_eq!(summary_line(&log, "dumpingen")[3], "1");
}

#[test]
fn unknown_vacancy_value_is_rejected() {
    let dir = common::fixture_copy();
    let path = dir.path().join("panden.geojson");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"leegstand\":\"nee\"", "\"leegstand\":\"misschien\"", 1),
    )
    .unwrap();
    let (_, log) = ingest(dir.path(), &[]);
    assert!(
        log.contains(
            "veld `leegstand`: 'misschien' is niet een van bevestigd, vermoedelijk, nee, onbekend"
        ),
        "{log}"
    );
    assert_eq!(summary_line(&log, "panden")[3], "1");
}

#[test]
fn nan_and_infinite_vertices_are_rejected_with_their_values() {
    let dir = common::fixture_copy();
    // GeoJSON has no NaN; a GeoPackage or Shapefile can. Write the buildings
    // as GeoJSON text with NaN/Infinity, which GDAL's reader accepts.
    let path = dir.path().join("panden.geojson");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replacen("[163453.62,388610.1]", "[NaN,388610.1]", 1)
        .replacen("[163693.04,388440.19]", "[Infinity,388440.19]", 1);
    std::fs::write(&path, text).unwrap();
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(
        log.contains(
            "rij 1, veld `geometry`: hoekpunt 2 heeft een ongeldige coördinaat (NaN, 388610.1)"
        ),
        "{log}"
    );
    assert!(
        log.contains(
            "rij 2, veld `geometry`: hoekpunt 2 heeft een ongeldige coördinaat (inf, 388440.19)"
        ),
        "{log}"
    );
    assert_eq!(summary_line(&log, "panden")[3], "2");
}

#[test]
fn municipality_polygons_are_validated() {
    let dir = common::fixture_copy();
    let path = dir.path().join("gemeenten.geojson");
    edit_geojson(&path, |features| {
        // A bow-tie added as an extra municipality: repaired, with a note.
        let mut bowtie = features[0].clone();
        bowtie["properties"]["statcode"] = "GM9907".into();
        bowtie["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [[
            [140000.0, 370000.0], [141000.0, 371000.0], [141000.0, 370000.0],
            [140000.0, 371000.0], [140000.0, 370000.0]]]});
        features.push(bowtie);
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(
        log.contains("gemeenten.geojson rij 7, veld `geometry`: was ongeldig")
            && log.contains("hersteld met GDAL MakeValid"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "gemeenten")[1..], ["7", "7", "0"]);
}

#[test]
fn duplicate_ids_are_rejected_naming_the_first() {
    let dir = common::fixture_copy();
    edit_geojson(&dir.path().join("gemeenten.geojson"), |f| {
        f[3]["properties"]["statcode"] = f[1]["properties"]["statcode"].clone();
    });
    edit_geojson(&dir.path().join("panden.geojson"), |f| {
        f[10]["properties"]["identificatie"] = f[4]["properties"]["identificatie"].clone();
    });
    let csv = dir.path().join("dumpingen.csv");
    let first_id = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()[..13]
        .to_string();
    set_csv_field(&csv, 7, 0, &first_id);
    let (_, log) = ingest(dir.path(), &["--allow-rejects"]);
    assert!(
        log.contains("gemeenten.geojson rij 4, veld `statcode`: 'GM9902' komt twee keer voor (eerst in rij 2)"),
        "{log}"
    );
    assert!(
        log.contains("panden.geojson rij 11, veld `identificatie`:")
            && log.contains("(eerst in rij 5)"),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "dumpingen.csv rij 7, veld `incident_id`: '{first_id}' komt twee keer voor (eerst in rij 1)"
        )),
        "{log}"
    );
    // Without --allow-rejects, losing one of six municipalities fails.
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(
        log.contains("laag `gemeenten`: 1 van de 6 records afgewezen"),
        "{log}"
    );
}

#[test]
fn a_layer_that_loses_too_many_rows_fails_the_run() {
    let dir = common::fixture_copy();
    let path = dir.path().join("dumpingen.csv");
    for row in 1..=6 {
        set_csv_field(&path, row, 1, "gisteren");
    }
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "laag `dumpingen`: 6 van de 47 records afgewezen (12.8 %), meer dan de toegestane 10 %"
        ),
        "{log}"
    );
    assert!(
        log.contains("dumpingen.csv rij 1, veld `datum`: 'gisteren'"),
        "{log}"
    );
    let (ok, log) = ingest(dir.path(), &["--allow-rejects"]);
    assert!(ok, "{log}");
    // The share is configurable.
    edit_config(dir.path(), |t| {
        t.replace("[scoring]", "[ingest]\nmax_reject_share = 0.2\n\n[scoring]")
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
}

#[test]
fn iso_dates_typed_as_dates_by_gdal_are_read() {
    // RFC 7946 GeoJSON (WGS84) with ISO date strings: GDAL types `datum` as a
    // date; every record must arrive.
    let dir = common::fixture_copy();
    let csv = dir.path().join("dumpingen.csv");
    let json = dir.path().join("dumpingen.geojson");
    let ok = std::process::Command::new("ogr2ogr")
        .args([
            "-f",
            "GeoJSON",
            "-lco",
            "RFC7946=YES",
            "-t_srs",
            "EPSG:4326",
            "-s_srs",
            "EPSG:28992",
        ])
        .arg(&json)
        .arg(&csv)
        .args([
            "-oo",
            "X_POSSIBLE_NAMES=x",
            "-oo",
            "Y_POSSIBLE_NAMES=y",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    let check = gdal::Dataset::open(&json).unwrap();
    let layer = check.layer(0).unwrap();
    let datum = layer.defn().fields().find(|f| f.name() == "datum").unwrap();
    assert_eq!(
        datum.field_type(),
        gdal::vector::OGRFieldType::OFTDate,
        "GDAL types it as a date"
    );
    edit_config(dir.path(), |t| {
        t.replace(
            "path = \"dumpingen.csv\"\ncrs = \"EPSG:28992\"",
            "path = \"dumpingen.geojson\"",
        )
    });
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
    assert_eq!(summary_line(&log, "dumpingen")[1..], ["47", "47", "0"]);
}

#[test]
fn dutch_excel_csv_is_read() {
    // Semicolons, decimal commas, a BOM, CRLF line ends and Windows-1252.
    let dir = common::fixture_copy();
    let path = dir.path().join("rioolmetingen.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let excel: String = text
        .lines()
        .map(|l| l.replace(',', ";").replace('.', ","))
        .collect::<Vec<_>>()
        .join("\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(excel.as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
    let rows = text.lines().count() - 1;
    assert_eq!(
        summary_line(&log, "rioolmetingen")[1..],
        [rows.to_string(), rows.to_string(), "0".into()]
    );
    assert!(log.contains("decimale komma"), "{log}");

    // A decimal point in a decimal-comma file is an error naming the row.
    edit_csv_row(&path, 2, |l| l.replacen(',', ".", 1));
    let (_, log) = ingest(dir.path(), &[]);
    assert!(
        log.contains("rioolmetingen.csv rij 2, veld `vracht_g_d`"),
        "{log}"
    );
    assert!(log.contains("decimale komma"), "{log}");
}

#[test]
fn satellite_tiles_are_checked() {
    let dir = common::fixture_copy();
    let folder = dir.path().join("satelliet");
    let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
    {
        // An RGB photo: three 8-bit bands, georeferenced.
        let mut photo = driver
            .create_with_band_type::<u8, _>(folder.join("foto.tif"), 10, 10, 3)
            .unwrap();
        photo
            .set_geo_transform(&[640_000.0, 10.0, 0.0, 5_700_000.0, 0.0, -10.0])
            .unwrap();
        photo
            .set_spatial_ref(&gdal::spatial_ref::SpatialRef::from_epsg(32631).unwrap())
            .unwrap();
        // A tile without georeference.
        driver
            .create_with_band_type::<f32, _>(folder.join("zonder_georef.tif"), 10, 10, 1)
            .unwrap();
    }
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok, "half the tiles rejected fails the run: {log}");
    assert!(
        log.contains("foto.tif rij 3, veld `band`: heeft 3 banden"),
        "{log}"
    );
    assert!(
        log.contains("zonder_georef.tif rij 4, veld `georeferentie`"),
        "{log}"
    );
    let (ok, log) = ingest(dir.path(), &["--allow-rejects"]);
    assert!(ok, "{log}");
    assert_eq!(summary_line(&log, "satelliet")[1..], ["4", "2", "2"]);

    // An empty folder is said, not silently a zero signal.
    for f in std::fs::read_dir(&folder).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(log.contains("bevat geen GeoTIFF"), "{log}");
}

#[test]
fn missing_column_fails_the_layer() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("dumpingen.csv"), 0, |l| {
        l.replace("datum", "date")
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(
        log.contains("laag `dumpingen`:")
            && log.contains(
                "dumpingen.csv: kolom `datum` ontbreekt (aanwezige kolommen: incident_id, date,"
            ),
        "{log}"
    );
}

#[test]
fn missing_file_names_layer_and_path() {
    let dir = common::fixture_copy();
    std::fs::remove_file(dir.path().join("rwzi.geojson")).unwrap();
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(
        log.contains("laag `rwzi`:") && log.contains("rwzi.geojson: bestand of map bestaat niet"),
        "{log}"
    );
}

#[test]
fn empty_layers_are_said_and_no_study_area_fails() {
    let dir = common::fixture_copy();
    let empty = r#"{"type":"FeatureCollection","features":[]}"#;
    std::fs::write(dir.path().join("bebouwde_kom.geojson"), empty).unwrap();
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(
        log.contains("bebouwde_kom.geojson bevat geen records"),
        "{log}"
    );

    std::fs::write(dir.path().join("gemeenten.geojson"), empty).unwrap();
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok, "ingest fails without a study area, as run does");
    assert!(log.contains("geen enkele gemeente"), "{log}");
}

#[test]
fn every_municipality_rejected_fails_ingest() {
    let dir = common::fixture_copy();
    edit_geojson(&dir.path().join("gemeenten.geojson"), |f| {
        for g in f {
            g["properties"]["statcode"] = "onbekend".into();
        }
    });
    let (ok, log) = ingest(dir.path(), &["--allow-rejects"]);
    assert!(!ok, "{log}");
    assert!(log.contains("geen enkele gemeente"), "{log}");
}

#[test]
fn xy_attributes_never_replace_a_polygon() {
    let dir = common::fixture_copy();
    edit_geojson(&dir.path().join("panden.geojson"), |f| {
        for b in f.iter_mut() {
            b["properties"]["x"] = 1.0.into();
            b["properties"]["y"] = 2.0.into();
        }
    });
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
}

#[test]
fn unknown_plant_code_is_rejected() {
    let dir = common::fixture_copy();
    set_csv_field(&dir.path().join("rioolmetingen.csv"), 10, 0, "RWZI-99");
    let (_, log) = ingest(dir.path(), &[]);
    assert!(
        log.contains("rioolmetingen.csv rij 10, veld `rwzi_code`: 'RWZI-99' is geen RWZI"),
        "{log}"
    );
}

#[test]
fn mapped_column_names_are_read() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("dumpingen.csv"), 0, |l| {
        l.replace("datum", "meldingsdatum")
    });
    edit_config(dir.path(), |text| {
        text.replace(
            "[layers.dumpingen]\npath = \"dumpingen.csv\"\n",
            "[layers.dumpingen]\npath = \"dumpingen.csv\"\ncolumns = { datum = \"meldingsdatum\" }\n",
        )
    });
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
    assert_eq!(summary_line(&log, "dumpingen")[1..], ["47", "47", "0"]);
}

#[test]
fn bad_project_file_names_the_key() {
    for (from, to, key) in [
        (
            "cell_size = 25.0",
            "cell_size = -5.0",
            "`scoring.cell_size` = -5: moet een positief getal zijn",
        ),
        ("cell_size = 25.0", "cell_size = 1e9", "scoring.cell_size"),
        (
            "[scoring.weights]",
            "[scoring.riool]\nmin_history_days = 0\n\n[scoring.weights]",
            "`scoring.riool.min_history_days` = 0: kies 1 tot `window_days` (28)",
        ),
        (
            "[scoring.weights]",
            "[scoring.riool]\nwindow_days = 9223372036854775807\n\n[scoring.weights]",
            "`scoring.riool.window_days` = 9223372036854775807: kies 7 tot 36500 dagen",
        ),
        (
            "[scoring.weights]",
            "[scoring.calibration]\nalpha = 2.0\n\n[scoring.weights]",
            "`scoring.calibration.alpha` = 2: moet tussen 0 en 1 liggen",
        ),
        (
            "[scoring.weights]",
            "[scoring.variables]\nbandwidths_m = [-500.0]\n\n[scoring.weights]",
            "`scoring.variables.bandwidths_m` bevat -500",
        ),
        (
            "[serve]",
            "[serve]\ncors_origins = [\"*\"]",
            "`serve.cors_origins` bevat '*'",
        ),
        (
            "crs = \"EPSG:28992\"",
            "crs = \"EPSG:28992\"\ndate_format = \"%Q\"",
            "laag `dumpingen`: date_format \"%Q\" is geen datumpatroon",
        ),
        (
            "path = \"rwzi.geojson\"",
            "url = \"http://127.0.0.1:9/x\"\npath = \"rwzi.geojson\"",
            "laag `rwzi`: geef `path` of `url`",
        ),
        // Settings that would be ignored without a word.
        (
            "path = \"panden.geojson\"",
            "path = \"panden.geojson\"\ncolumns = { leegstand_dtum = \"registratie\" }",
            "laag `panden`: `columns` noemt `leegstand_dtum`, maar deze laag leest geen kolom met die naam (wel: `identificatie`, `leegstand`, `oppervlakte`, `leegstand_datum`",
        ),
        (
            "path = \"panden.geojson\"",
            "path = \"panden.geojson\"\ncsv = { delimiter = \";\" }",
            "laag `panden`: `csv` geldt alleen voor een CSV-bestand",
        ),
        (
            "path = \"rwzi.geojson\"",
            "url = \"http://127.0.0.1:9/x\"\ncsv = { delimiter = \";\" }",
            "laag `rwzi`: `csv` geldt alleen voor een CSV-bestand, en http://127.0.0.1:9/x is er geen",
        ),
        (
            "path = \"panden.geojson\"",
            "path = \"panden.geojson\"\njoin = { path = \"rwzi.geojson\", key = \"identificatie\", csv = { delimiter = \";\" } }",
            "laag `panden`: `join.csv` geldt alleen voor een CSV-koppeltabel",
        ),
        (
            "crs = \"EPSG:28992\"",
            "crs = \"EPSG:28992\"\nlayer = \"dumpingen\"",
            "laag `dumpingen`: `layer = \"dumpingen\"` geldt niet voor een CSV-bestand",
        ),
        (
            "crs = \"EPSG:28992\"",
            "crs = \"EPSG:28992\"\nhttp = { retries = 2 }",
            "laag `dumpingen`: `http` geldt alleen voor een `url`",
        ),
        (
            "path = \"satelliet\"",
            "path = \"satelliet\"\ncolumns = { x = \"X\" }",
            "laag `satelliet`: `columns` en `csv` gelden niet",
        ),
        (
            "path = \"satelliet\"",
            "path = \"satelliet\"\ncrs = \"EPSG:28992\"",
            "laag `satelliet`: `crs` geldt niet voor een map met GeoTIFF-tegels",
        ),
        (
            "path = \"rwzi.geojson\"",
            "path = \"rwzi.geojson\"\njoin = { path = \"x.csv\", key = \"rwzi_code\" }",
            "laag `rwzi`: `join` (een koppeltabel) bestaat alleen voor `panden`",
        ),
    ] {
        let dir = common::fixture_copy();
        edit_config(dir.path(), |t| t.replace(from, to));
        let (ok, log) = ingest(dir.path(), &[]);
        assert!(!ok);
        assert!(log.contains(key), "{log}");
    }
}

#[test]
fn settings_of_the_last_layer_are_checked_before_the_first_is_read() {
    // The first layer unreadable, the last with a misspelt column: the
    // setting is named, the first layer never opened.
    let dir = common::fixture_copy();
    std::fs::write(dir.path().join("gemeenten.geojson"), "geen GeoJSON").unwrap();
    edit_config(dir.path(), |t| {
        t.replace(
            "path = \"rioolmetingen.csv\"",
            "path = \"rioolmetingen.csv\"\ncolumns = { vracht = \"g_per_dag\" }",
        )
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(
        log.contains("laag `rioolmetingen`: `columns` noemt `vracht`"),
        "{log}"
    );
    assert!(!log.contains("gemeenten.geojson"), "{log}");

    // So is the buildings' join table.
    let dir = common::fixture_copy();
    std::fs::write(dir.path().join("gemeenten.geojson"), "geen GeoJSON").unwrap();
    edit_config(dir.path(), |t| {
        t.replace(
            "path = \"panden.geojson\"",
            "path = \"panden.geojson\"\njoin = { path = \"leegstand_ontbreekt.csv\", key = \"identificatie\" }",
        )
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(log.contains("leegstand_ontbreekt.csv"), "{log}");
    assert!(!log.contains("gemeenten.geojson"), "{log}");
}

#[test]
fn a_quote_that_never_closes_fails_the_file() {
    // In a middle column and in the last: either way the records after it
    // are lost, so the layer fails, even with --allow-rejects.
    for (from, to) in [
        (",jerrycans,", ",\"jerry,"),
        (",methamfetamine\n", ",\"methamfetamine\n"),
    ] {
        let dir = common::fixture_copy();
        let path = dir.path().join("dumpingen.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let (ok, log) = ingest(dir.path(), &["--allow-rejects"]);
        assert!(!ok, "{log}");
        assert!(
            log.contains("een aanhalingsteken sluit nergens, zodat de rest van het bestand ("),
            "{log}"
        );
    }
}

#[test]
fn a_grid_too_large_for_memory_is_refused_before_allocating() {
    let dir = common::fixture_copy();
    edit_config(dir.path(), |t| {
        t.replace("cell_size = 25.0", "cell_size = 1.0")
    });
    let (output, out) = common::run_project(dir.path());
    assert_no_crash(&output);
    let log = common::stderr(&output);
    assert!(!output.status.success());
    assert!(
        log.contains("cellen van 1 m vraagt ongeveer") && log.contains("scoring.cell_size"),
        "{log}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn an_output_path_that_cannot_be_written_is_named() {
    let dir = common::fixture_copy();
    let blocker = dir.path().join("bestand");
    std::fs::write(&blocker, "geen map").unwrap();
    let out = blocker.join("uit");
    let output = common::run(&[
        "run",
        "-c",
        dir.path().join("buitenzicht.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_no_crash(&output);
    assert!(!output.status.success());
    let log = common::stderr(&output);
    assert!(log.contains(blocker.to_str().unwrap()), "{log}");

    // A folder that is not a run folder is never replaced.
    let foreign = dir.path().join("mijn_map");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notities.txt"), "van mij").unwrap();
    let output = common::run(&[
        "run",
        "-c",
        dir.path().join("buitenzicht.toml").to_str().unwrap(),
        "--out",
        foreign.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(common::stderr(&output).contains("geen uitvoermap van buitenzicht"));
    assert!(foreign.join("notities.txt").exists());

    // Nor is one whose manifest is a file of that name only.
    std::fs::write(foreign.join("buitenzicht-run.json"), "rommel").unwrap();
    let run_into = |folder: &std::path::Path| {
        common::run(&[
            "run",
            "-c",
            dir.path().join("buitenzicht.toml").to_str().unwrap(),
            "--out",
            folder.to_str().unwrap(),
        ])
    };
    let output = run_into(&foreign);
    assert!(!output.status.success());
    assert!(common::stderr(&output).contains("geen geldige buitenzicht-run.json"));
    assert!(foreign.join("notities.txt").exists());

    // A run folder with a file of the user's in it is not replaced either:
    // the file is named, and kept.
    let (output, out) = common::run_project(dir.path());
    assert!(output.status.success(), "{}", common::stderr(&output));
    std::fs::write(out.join("inspecties").join("mijn_notities.txt"), "van mij").unwrap();
    std::fs::write(out.join("risico.tif.aux.xml"), "<PAMDataset/>").unwrap();
    let output = run_into(&out);
    assert!(!output.status.success());
    let log = common::stderr(&output);
    assert!(
        log.contains("mijn_notities.txt") && log.contains("dat buitenzicht niet schreef"),
        "{log}"
    );
    assert!(out.join("inspecties").join("mijn_notities.txt").exists());
    // QGIS's statistics beside the raster are no reason to refuse.
    std::fs::remove_file(out.join("inspecties").join("mijn_notities.txt")).unwrap();
    let output = run_into(&out);
    assert!(output.status.success(), "{}", common::stderr(&output));
}

#[test]
fn a_bad_command_line_is_refused_in_dutch() {
    let out = common::run(&["run", "--as-of", "31-01-2026"]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.starts_with("fout: ongeldige waarde '31-01-2026' voor --as-of <DATUM>: verwacht een datum als JJJJ-MM-DD"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let help = common::run(&["run", "--help"]);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--out <MAP>"), "{help}");
    assert!(help.contains("[standaard: out]"), "{help}");
    assert!(
        !help.contains("Usage") && !help.contains("Options"),
        "{help}"
    );
}

/// A Shapefile whose `identificatie_oud` came first holds it as
/// `identifica` and `identificatie` as `identifi_1`: neither is taken for
/// `identificatie` on a guess.
#[test]
fn an_ambiguous_shapefile_column_is_named() {
    let dir = common::fixture_copy();
    let status = std::process::Command::new("ogr2ogr")
        .current_dir(dir.path())
        .args([
            "-f",
            "ESRI Shapefile",
            "panden.shp",
            "panden.geojson",
            "-sql",
            "SELECT identificatie AS identificatie_oud, identificatie, leegstand FROM panden",
        ])
        .output()
        .expect("ogr2ogr runs");
    assert!(status.status.success(), "{status:?}");
    edit_config(dir.path(), |t| t.replace("panden.geojson", "panden.shp"));
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "panden.shp: kolom `identificatie` is niet eenduidig: `identifica` of `identifi_1`"
        ),
        "{log}"
    );

    // Mapped, it reads, and the optional columns it lacks are named.
    edit_config(dir.path(), |t| {
        t.replace(
            "path = \"panden.shp\"",
            "path = \"panden.shp\"\ncolumns = { identificatie = \"identifi_1\" }",
        )
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(ok, "{log}");
    assert!(
        log.contains("panden.shp heeft geen kolommen `oppervlakte`, `leegstand_datum`"),
        "{log}"
    );
}

#[test]
fn a_csv_inside_a_zip_is_refused_with_what_to_do() {
    let dir = common::fixture_copy();
    let zip = dir.path().join("dumpingen.zip");
    let out = std::process::Command::new("ogr2ogr")
        .args(["-f", "CSV"])
        .arg(format!("/vsizip/{}/dumpingen.csv", zip.display()))
        .arg(dir.path().join("dumpingen.csv"))
        .output()
        .expect("ogr2ogr runs");
    assert!(out.status.success(), "{}", common::stderr(&out));
    edit_config(dir.path(), |t| {
        t.replace("path = \"dumpingen.csv\"", "path = \"dumpingen.zip\"")
    });
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(
        log.contains("dumpingen.zip: kan niet geopend worden: een CSV-bestand in een zip-archief wordt niet gelezen; pak het uit"),
        "{log}"
    );
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    // `buitenzicht sewage … | head -0`: the reader is gone before the
    // first line is written.
    let config = common::fixtures().join("buitenzicht.toml");
    let mut child = common::binary()
        .args(["sewage", "-c", config.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_no_crash(&out);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// A copy of the fixtures' west tile in `folder` as `name`, its pixels
/// passed through `edit`.
fn edited_tile(folder: &Path, name: &str, edit: impl Fn(&mut [f32])) -> std::path::PathBuf {
    let src = common::fixtures().join("satelliet/S2_T31UFT_west.tif");
    let path = folder.join(name);
    std::fs::copy(&src, &path).unwrap();
    let ds = gdal::Dataset::open_ex(
        &path,
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE,
            ..Default::default()
        },
    )
    .unwrap();
    let mut band = ds.rasterband(1).unwrap();
    let (w, h) = band.size();
    let mut buffer = band.read_as::<f32>((0, 0), (w, h), (w, h), None).unwrap();
    edit(buffer.data_mut());
    band.write((0, 0), (w, h), &mut buffer).unwrap();
    path
}

#[test]
fn tile_pixels_are_read_not_their_cached_statistics() {
    let dir = common::fixture_copy();
    let folder = dir.path().join("satelliet");
    // 9999 written where the band held values, while the file still
    // states the old range (as after an edit in place).
    let stale = edited_tile(&folder, "verouderd.tif", |v| v[..100].fill(9999.0));
    {
        let ds = gdal::Dataset::open(&stale).unwrap();
        let mut band = ds.rasterband(1).unwrap();
        use gdal::Metadata;
        band.set_metadata_item("STATISTICS_MINIMUM", "-1.4", "")
            .unwrap();
        band.set_metadata_item("STATISTICS_MAXIMUM", "6.55", "")
            .unwrap();
    }
    // Every pixel nodata: a tile that saw only cloud.
    let nodata = {
        let ds =
            gdal::Dataset::open(common::fixtures().join("satelliet/S2_T31UFT_west.tif")).unwrap();
        ds.rasterband(1).unwrap().no_data_value().unwrap() as f32
    };
    edited_tile(&folder, "bewolkt.tif", |v| v.fill(nodata));
    // Cut off halfway, as by a broken download.
    let bytes = std::fs::read(folder.join("S2_T31UFT_oost.tif")).unwrap();
    std::fs::write(folder.join("afgebroken.tif"), &bytes[..bytes.len() / 2]).unwrap();

    let (_, log) = ingest(dir.path(), &["--allow-rejects"]);
    assert!(
        log.contains("verouderd.tif rij 5, veld `band`: waarden van")
            && log.contains("tot 9999.00 zijn geen temperatuuranomalie"),
        "{log}"
    );
    assert!(
        log.contains("afgebroken.tif rij 3, veld `band`: de pixels kunnen niet gelezen worden"),
        "{log}"
    );
    assert!(
        log.contains("bewolkt.tif rij 4: heeft geen enkele geldige pixel"),
        "{log}"
    );
    // GDAL's own messages stay out of the analyst's output.
    assert!(
        !log.contains("ERROR") && !log.contains("CPL error"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "satelliet")[1..], ["5", "3", "2"]);
}

/// The fixtures' buildings with numeric BAG ids that start with a zero
/// (`0772…`), as a GeoPackage stores them: 15-digit integers.
fn numeric_bag_ids(dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    edit_geojson(&dir.join("panden.geojson"), |f| {
        for (i, feature) in f.iter_mut().enumerate() {
            let id = 772_100_000_000_000u64 + i as u64;
            feature["properties"]["identificatie"] = id.into();
            let leegstand = feature["properties"]["leegstand"].take();
            feature["properties"]["leegstand"] = Value::Null;
            ids.push(format!("0{id};{}", leegstand.as_str().unwrap()));
        }
    });
    ids
}

#[test]
fn a_vacancy_join_is_checked_like_a_layer() {
    let dir = common::fixture_copy();
    let rows = numeric_bag_ids(dir.path());
    let table = dir.path().join("leegstand.csv");
    let write = |rows: &[String], datum: &str| {
        let lines: Vec<String> = rows.iter().map(|r| format!("{r};{datum}")).collect();
        std::fs::write(
            &table,
            format!(
                "identificatie;leegstand;leegstand_datum\n{}\n",
                lines.join("\n")
            ),
        )
        .unwrap();
    };
    let join = |extra: &str| {
        let extra = extra.to_string();
        edit_config(dir.path(), move |t| {
            let start = t.find("[layers.panden]").unwrap();
            let end = start + t[start..].find("\n\n").unwrap();
            format!(
                "{}[layers.panden]\npath = \"panden.geojson\"\njoin = {{ path = \"leegstand.csv\", key = \"identificatie\"{extra} }}{}",
                &t[..start],
                &t[end..]
            )
        });
    };

    // The keys written in full, the layer's as 15-digit numbers: padded
    // back to 16 digits, they match.
    write(&rows, "2026-03-14");
    join("");
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
    assert!(
        log.contains(
            "waarde(n) van `identificatie` van 13 tot 15 cijfers aangevuld met voorloopnullen"
        ) && log.contains(&format!("{n} van {n} panden gekoppeld", n = rows.len())),
        "{log}"
    );

    // Dates in another form fail the join table like any layer...
    write(&rows, "14/03/2026");
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok, "{log}");
    assert!(log.contains("panden_koppeling"), "{log}");
    // ... until its date_format says how they are written.
    join(", date_format = \"%d/%m/%Y\"");
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");

    // A table of keys no building has is an error, not an empty signal.
    let other: Vec<String> = rows.iter().map(|r| r.replacen("0772", "0999", 1)).collect();
    write(&other, "14/03/2026");
    let (ok, log) = ingest(dir.path(), &["--allow-rejects"]);
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "geen enkele waarde van `identificatie` komt voor als `identificatie` van een pand"
        ),
        "{log}"
    );
}

#[test]
fn an_id_stored_as_a_fraction_is_refused() {
    let dir = common::fixture_copy();
    // A column of reals, as a spreadsheet exports numbers: whole ones are
    // read as integers, a fraction is refused.
    edit_geojson(&dir.path().join("panden.geojson"), |f| {
        for (i, feature) in f.iter_mut().enumerate() {
            feature["properties"]["identificatie"] = serde_json::json!(1000.0 + i as f64);
        }
        f[2]["properties"]["identificatie"] = serde_json::json!(1002.5);
    });
    let (_, log) = ingest(dir.path(), &[]);
    assert!(
        log.contains("panden.geojson rij 3, veld `identificatie`:")
            && log.contains("is als kommagetal opgeslagen en dus afgerond"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "panden")[3], "1", "{log}");
}

#[test]
fn rd_coordinates_in_a_file_without_crs_get_the_fix() {
    let dir = common::fixture_copy();
    let path = dir.path().join("gemeenten.geojson");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("crs");
    std::fs::write(&path, json.to_string()).unwrap();
    let (ok, log) = ingest(dir.path(), &[]);
    assert!(!ok);
    assert!(
        log.contains("gemeenten.geojson rij 1, veld `geometry`:")
            && log.contains("dit zijn RD New-coördinaten: zet `crs = \"EPSG:28992\"` bij de laag"),
        "{log}"
    );
    assert!(!log.contains("PROJ") && !log.contains("ERROR"), "{log}");
}

#[test]
fn tab_separated_text_is_read_as_csv() {
    let dir = common::fixture_copy();
    let text = std::fs::read_to_string(dir.path().join("rioolmetingen.csv")).unwrap();
    let tabbed: String = text
        .lines()
        .map(|l| l.replace(',', "\t").replace('.', ","))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("rioolmetingen.txt"), tabbed).unwrap();
    edit_config(dir.path(), |t| {
        t.replace("rioolmetingen.csv", "rioolmetingen.txt")
    });
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
    let rows = (text.lines().count() - 1).to_string();
    assert_eq!(
        summary_line(&log, "rioolmetingen")[1..],
        [rows.clone(), rows, "0".into()]
    );
}

#[test]
fn plant_codes_match_without_regard_to_case() {
    let dir = common::fixture_copy();
    let path = dir.path().join("rioolmetingen.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("RWZI-", "rwzi-")).unwrap();
    let (ok, log) = ingest(dir.path(), &["--strict"]);
    assert!(ok, "{log}");
    assert_eq!(summary_line(&log, "rioolmetingen")[3], "0", "{log}");
}

/// A floor area, footprint or daily load no real building or plant has (a
/// unit error, a typo, a parcel in the buildings layer) is rejected naming
/// row and field, rather than read as the largest signal in the country.
#[test]
fn implausible_areas_and_loads_are_rejected() {
    let dir = common::fixture_copy();
    edit_geojson(&dir.path().join("panden.geojson"), |features| {
        features[0]["properties"]["oppervlakte"] = serde_json::json!(1e12);
        // A 3 km square without a floor area: a parcel, not a pand.
        features[1]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("oppervlakte");
        features[1]["geometry"] = serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[163000.0, 388000.0], [166000.0, 388000.0], [166000.0, 391000.0], [163000.0, 391000.0], [163000.0, 388000.0]]]
        });
    });
    set_csv_field(&dir.path().join("rioolmetingen.csv"), 2, 3, "1e9");
    let (_, log) = ingest(dir.path(), &[]);
    assert!(
        log.contains("panden.geojson rij 1, veld `oppervlakte`: 1000000000000 m² is groter dan elk pand in Nederland"),
        "{log}"
    );
    assert!(
        log.contains("panden.geojson rij 2, veld `geometry`: beslaat 9000000 m²"),
        "{log}"
    );
    assert!(
        log.contains("rioolmetingen.csv rij 2, veld `vracht_g_d`: 1000000000 g/d is meer dan een RWZI kan ontvangen"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "panden")[3], "2");
    assert_eq!(summary_line(&log, "rioolmetingen")[3], "1");
}
