//! Bad input: each kind gives an error naming file, row and field, and the
//! summary counts it; `--strict` makes any rejection fatal.

mod common;

use std::path::Path;

fn ingest(dir: &Path, strict: bool) -> (bool, String) {
    let config = dir.join("buitenzicht.toml");
    let mut args = vec!["ingest", "-c", config.to_str().unwrap()];
    if strict {
        args.push("--strict");
    }
    let out = common::run(&args);
    (out.status.success(), common::stderr(&out))
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

fn summary_line<'a>(log: &'a str, layer: &str) -> Vec<&'a str> {
    log.lines()
        .find(|l| l.starts_with(&format!("{layer} ")))
        .unwrap_or_else(|| panic!("no summary for {layer} in {log}"))
        .split_whitespace()
        .collect()
}

#[test]
fn clean_fixtures_have_no_rejections() {
    let (ok, log) = ingest(&common::fixtures(), true);
    assert!(ok, "{log}");
    assert!(!log.contains("afgewezen:"), "{log}");
}

#[test]
fn unparsable_date_is_rejected_and_counted() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("dumpingen.csv"), 3, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[1] = "2025-13-45";
        f.join(",")
    });
    let (ok, log) = ingest(dir.path(), false);
    assert!(ok, "{log}");
    assert!(
        log.contains("dumpingen.csv row 3, field `datum`: '2025-13-45' is not a date"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "dumpingen")[1..], ["47", "46", "1"]);

    let (ok, log) = ingest(dir.path(), true);
    assert!(!ok, "--strict fails on a rejection");
    assert!(log.contains("--strict"), "{log}");
}

#[test]
fn coordinates_outside_the_netherlands_are_rejected() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("dumpingen.csv"), 5, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[2] = "5.12";
        f[3] = "52.09";
        f.join(",")
    });
    let (_, log) = ingest(dir.path(), false);
    assert!(log.contains("dumpingen.csv row 5, field `x`"), "{log}");
    assert!(log.contains("outside the Netherlands"), "{log}");
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
    let (_, log) = ingest(dir.path(), false);
    assert!(log.contains("panden.geojson row"), "{log}");
    assert!(
        log.contains(
            "field `leegstand`: 'misschien' is not one of bevestigd, vermoedelijk, nee, onbekend"
        ),
        "{log}"
    );
    assert_eq!(summary_line(&log, "panden")[3], "1");
}

#[test]
fn geotiff_without_georeference_is_rejected() {
    let dir = common::fixture_copy();
    let path = dir.path().join("satelliet/zonder_georef.tif");
    {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        driver
            .create_with_band_type::<f32, _>(&path, 10, 10, 1)
            .unwrap();
    }
    let (_, log) = ingest(dir.path(), false);
    assert!(
        log.contains("zonder_georef.tif row 3, field `georeference`"),
        "{log}"
    );
    assert_eq!(summary_line(&log, "satelliet")[1..], ["3", "2", "1"]);
}

#[test]
fn missing_column_fails_the_layer() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("dumpingen.csv"), 0, |l| {
        l.replace("datum", "date")
    });
    let (ok, log) = ingest(dir.path(), false);
    assert!(!ok);
    assert!(
        log.contains("dumpingen.csv: layer `dumpingen` lacks required column `datum`"),
        "{log}"
    );
}

#[test]
fn unknown_plant_code_is_rejected() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("rioolmetingen.csv"), 10, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[0] = "RWZI-99";
        f.join(",")
    });
    let (_, log) = ingest(dir.path(), false);
    assert!(
        log.contains("rioolmetingen.csv row 10, field `rwzi_code`: 'RWZI-99' is not a plant"),
        "{log}"
    );
}

#[test]
fn mapped_column_names_are_read() {
    let dir = common::fixture_copy();
    edit_csv_row(&dir.path().join("dumpingen.csv"), 0, |l| {
        l.replace("datum", "meldingsdatum")
    });
    let config = dir.path().join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "[layers.dumpingen]\npath = \"dumpingen.csv\"\n",
        "[layers.dumpingen]\npath = \"dumpingen.csv\"\ncolumns = { datum = \"meldingsdatum\" }\n",
    );
    std::fs::write(&config, text).unwrap();
    let (ok, log) = ingest(dir.path(), true);
    assert!(ok, "{log}");
    assert_eq!(summary_line(&log, "dumpingen")[1..], ["47", "47", "0"]);
}

#[test]
fn bad_project_file_names_the_key() {
    let dir = common::fixture_copy();
    let config = dir.path().join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("cell_size = 25.0", "cell_size = -5.0"),
    )
    .unwrap();
    let (ok, log) = ingest(dir.path(), false);
    assert!(!ok);
    assert!(log.contains("scoring.cell_size"), "{log}");
}
