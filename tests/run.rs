//! `buitenzicht run` on the fixtures: the GeoTIFF, the inspection lists and
//! the planted hotspot.

mod common;

use buitenzicht_synth::{HOTSPOT, HOTSPOT_BARN, HOTSPOT_GEMEENTE};
use gdal::{Dataset, Metadata};
use geo::Centroid;

struct Raster {
    gt: [f64; 6],
    cols: usize,
    bands: Vec<Vec<f32>>,
}

impl Raster {
    fn at(&self, band: usize, x: f64, y: f64) -> f32 {
        let c = ((x - self.gt[0]) / self.gt[1]).floor() as usize;
        let r = ((y - self.gt[3]) / self.gt[5]).floor() as usize;
        self.bands[band][r * self.cols + c]
    }
}

#[test]
fn run_writes_products_that_find_the_hotspot() {
    let out = tempfile::tempdir().unwrap();
    let config = common::weighted_fixtures().join("buitenzicht.toml");
    let output = common::run(&[
        "run",
        "-c",
        config.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let log = common::stderr(&output);
    assert!(
        log.contains("panden") && log.contains("afgewezen"),
        "summary printed: {log}"
    );
    // Police-derived outputs are their owner's to share, whatever the
    // umask (README, "Outputs of `run`").
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| {
            let meta = std::fs::metadata(out.path().join(p)).unwrap();
            meta.permissions().mode() & 0o777
        };
        for file in ["risico.tif", "inspecties/alle.csv", "buitenzicht-run.json"] {
            assert_eq!(mode(file), 0o600, "{file}");
        }
        assert_eq!(mode("inspecties"), 0o700);
    }

    // The GeoTIFF: RD New, 25 m cells on multiples of 25 m, 5 named bands.
    let ds = Dataset::open(out.path().join("risico.tif")).unwrap();
    assert_eq!(ds.spatial_ref().unwrap().auth_code().unwrap(), 28992);
    let gt = ds.geo_transform().unwrap();
    assert_eq!((gt[1], gt[5]), (25.0, -25.0));
    assert_eq!((gt[0] % 25.0, gt[3] % 25.0), (0.0, 0.0));
    assert_eq!(ds.raster_count(), 5);
    let (cols, rows) = ds.raster_size();
    let mut bands = Vec::new();
    for b in 1..=5 {
        let band = ds.rasterband(b).unwrap();
        assert_eq!(band.no_data_value(), Some(-9999.0));
        let desc = band.description().unwrap();
        assert!(
            desc.starts_with(if b == 1 { "risico" } else { "bijdrage" }),
            "band {b}: {desc}"
        );
        bands.push(band.read_band_as::<f32>().unwrap().into_shape_and_vec().1);
    }
    let raster = Raster { gt, cols, bands };
    assert_eq!(ds.metadata_item("AS_OF", "").as_deref(), Some("2026-11-01"));
    // Band 2 is named for what it holds: vacancy with hand-set weights,
    // every building's own rate along the journey under the building model.
    let weights = ds.metadata_item("WEIGHTS", "").unwrap_or_default();
    assert_eq!(
        ds.rasterband(2).unwrap().description().unwrap(),
        if weights.contains("\"panden\":true") {
            "bijdrage panden binnen reisafstand"
        } else {
            "bijdrage leegstand"
        },
        "{weights}"
    );

    // Contributions add up to the risk; nodata agrees across bands.
    for i in 0..cols * rows {
        let risk = raster.bands[0][i];
        let sum: f32 = (1..5).map(|b| raster.bands[b][i]).sum();
        if risk == -9999.0 {
            assert!((1..5).all(|b| raster.bands[b][i] == -9999.0));
        } else {
            assert!((0.0..=100.0).contains(&risk));
            assert!((risk - sum).abs() < 1e-3, "cell {i}: {risk} vs {sum}");
        }
    }

    // Built-up areas and the outside of the study area are nodata.
    let layers = buitenzicht_ingest::ingest(
        &toml::from_str::<Project>(&std::fs::read_to_string(&config).unwrap())
            .unwrap()
            .layers_in(&common::fixtures()),
        &buitenzicht_ingest::IngestOptions::default(),
    )
    .unwrap()
    .0;
    for kom in &layers.bebouwde_kom {
        let c = kom.geometry.centroid().unwrap();
        assert_eq!(
            raster.at(0, c.x(), c.y()),
            -9999.0,
            "built-up {:?}",
            kom.naam
        );
    }
    assert_eq!(
        raster.at(0, gt[0] + 10.0, gt[3] - 10.0),
        -9999.0,
        "corner outside the study area"
    );

    // The hotspot is among the top 0.1% of cells.
    let hot = raster.at(0, HOTSPOT[0], HOTSPOT[1]);
    let valid: Vec<f32> = raster.bands[0]
        .iter()
        .copied()
        .filter(|&v| v != -9999.0)
        .collect();
    let higher = valid.iter().filter(|&&v| v > hot).count();
    assert!(
        (higher as f64) < 0.001 * valid.len() as f64,
        "hotspot risk {hot}: {higher} of {} cells score higher",
        valid.len()
    );

    // Its barn heads its municipality's inspection list, in CSV and GeoJSON.
    let csv = std::fs::read_to_string(
        out.path()
            .join(format!("inspecties/{HOTSPOT_GEMEENTE}.csv")),
    )
    .unwrap();
    let first = csv.lines().nth(1).unwrap();
    assert!(
        first.starts_with(&format!("{HOTSPOT_GEMEENTE},1,{HOTSPOT_BARN},bevestigd")),
        "{first}"
    );
    assert!(first.contains("dumpingen"), "top indicators named: {first}");

    let path = out
        .path()
        .join(format!("inspecties/{HOTSPOT_GEMEENTE}.geojson"));
    let features = common::assert_rfc7946(&path);
    assert_eq!(features.len(), csv.lines().count() - 1);
    assert_eq!(
        features[0].properties.as_ref().unwrap()["identificatie"],
        HOTSPOT_BARN
    );
}

/// Just enough of the project file to find the layers.
#[derive(serde::Deserialize)]
struct Project {
    layers: buitenzicht_ingest::LayerSources,
}

impl Project {
    fn layers_in(mut self, base: &std::path::Path) -> buitenzicht_ingest::LayerSources {
        self.layers.resolve_paths(base);
        self.layers
    }
}

/// A score as of a date sees no satellite tile taken after it: with both
/// tiles dated after the as-of date the satellite band is empty, dated
/// before it the same project shows their anomalies.
#[test]
fn a_tile_taken_after_the_as_of_date_is_not_used() {
    let satellite_band = |date: &str| -> (Vec<f32>, String) {
        let dir = common::fixture_copy();
        common::weigh(dir.path());
        let tiles = dir.path().join("satelliet");
        for entry in std::fs::read_dir(&tiles).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            std::fs::rename(&path, tiles.join(format!("{stem}_{date}.tif"))).unwrap();
        }
        let (output, out) = common::run_project(dir.path());
        assert!(output.status.success(), "{}", common::stderr(&output));
        let ds = Dataset::open(out.join("risico.tif")).unwrap();
        let band = ds.rasterband(5).unwrap();
        assert_eq!(band.description().unwrap(), "bijdrage satelliet");
        let values = band.read_band_as::<f32>().unwrap().into_shape_and_vec().1;
        (values, common::stderr(&output))
    };
    // The fixtures' as-of date is 2026-11-01.
    let (before, log) = satellite_band("20260901");
    assert!(!log.contains("na de peildatum"), "{log}");
    let (after, log) = satellite_band("20261201");
    assert!(before.iter().any(|v| *v > 0.0));
    assert!(after.iter().all(|v| *v == -9999.0 || *v == 0.0));
    // Left out, and said so.
    assert!(
        log.contains(
            "laag `satelliet`: 2 tegel(s) opgenomen na de peildatum 2026-11-01 tellen niet mee"
        ),
        "{log}"
    );
}

#[test]
fn an_as_of_date_past_the_data_is_said() {
    let dir = common::fixture_copy();
    let config = dir.path().join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("as_of = \"2026-11-01\"", "as_of = \"2030-01-01\""),
    )
    .unwrap();
    let (output, _) = common::run_project(dir.path());
    let log = common::stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("de peildatum 2030-01-01 ligt meer dan een jaar na de laatste dumping"),
        "{log}"
    );
    // The model is fitted where the data are: every cut and its window
    // before the last record (2026-11-01), not in the years after it.
    let cuts = log
        .lines()
        .find(|l| l.starts_with("modelkeuze peildatum 2030-01-01:"))
        .unwrap_or_else(|| panic!("{log}"));
    let (_, dates) = cuts.split_once('(').unwrap();
    let dates = dates.split(')').next().unwrap();
    let window: i64 = cuts
        .split("steeds ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    for date in dates.split(", ") {
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert!(d + chrono::Duration::days(window) <= end, "{cuts}");
    }
}

/// Dumpings only before the first cut: nothing to fit or test a building
/// model on, so `run` says so and draws the middle density, not the first
/// bandwidth tried on no dumpings.
#[test]
fn no_dumping_after_the_cuts_falls_back_to_the_density() {
    let dir = common::fixture_copy();
    let path = dir.path().join("dumpingen.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split(',').nth(1).is_some_and(|d| d < "2025-07-01"))
        .map(|(_, l)| l)
        .collect();
    assert!(kept.len() > 5, "some dumpings kept");
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let (output, _) = common::run_project(dir.path());
    let log = common::stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("gekozen: kerndichtheid dumpingen 1000 m — geen enkele dumping in de vensters na de 3 ijkmomenten"),
        "{log}"
    );
    assert!(!log.contains("pandenmodel: reisafstand"), "{log}");
    // The sewage series runs on past the last dumping: said.
    assert!(
        log.contains("de rioolmetingen lopen tot 2026-11-01, de dumpingen maar tot"),
        "{log}"
    );
}

/// Buildings outside the study area's buitengebied are on no list; `run`
/// counts them by why, so the lists add up to the buildings read.
#[test]
fn buildings_on_no_list_are_counted() {
    let dir = common::fixture_copy();
    let path = dir.path().join("gemeenten.geojson");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json["features"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["properties"]["statcode"] == "GM9902");
    std::fs::write(&path, json.to_string()).unwrap();
    let counts = || {
        let (output, _) = common::run_project(dir.path());
        let log = common::stderr(&output);
        assert!(output.status.success(), "{log}");
        let listed: usize = log
            .lines()
            .filter_map(|l| l.strip_suffix(" panden te inspecteren"))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
            .sum();
        let line = log
            .lines()
            .find(|l| l.starts_with("op geen lijst: "))
            .unwrap_or_else(|| panic!("{log}"))
            .to_string();
        // The total, then its parts.
        let numbers: Vec<usize> = line
            .split([' ', '('])
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(listed + numbers[0], 3_158, "{log}");
        assert_eq!(numbers[1..].iter().sum::<usize>(), numbers[0], "{line}");
        (numbers[0], line)
    };
    // Here only the municipalities left out.
    let (away, line) = counts();
    assert!(
        line.contains(&format!("({away} buiten de gemeenten")),
        "{line}"
    );

    // The weighted method lists the (possibly) vacant barns: the other
    // buildings are counted as such.
    let config = dir.path().join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[scoring]\n", "[scoring]\nmethod = \"weights\"\n"),
    )
    .unwrap();
    let (more, line) = counts();
    assert!(more > away, "{line}");
    assert!(line.contains("niet (mogelijk) leegstaand"), "{line}");
}
