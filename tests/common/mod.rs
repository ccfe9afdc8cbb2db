//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_buitenzicht"))
}

/// Runs the binary with `args`, returning its output.
pub fn run(args: &[&str]) -> Output {
    binary()
        .args(args)
        .output()
        .expect("the buitenzicht binary runs")
}

/// `buitenzicht run` on the project file in `dir`, writing to `dir/uit`:
/// its output and that folder.
pub fn run_project(dir: &Path) -> (Output, PathBuf) {
    let out = dir.join("uit");
    let output = run(&[
        "run",
        "-c",
        dir.join("buitenzicht.toml").to_str().expect("a UTF-8 path"),
        "--out",
        out.to_str().expect("a UTF-8 path"),
    ]);
    (output, out)
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A copy of the fixtures in a temporary folder, to corrupt at will.
pub fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixtures(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture");
        }
    }
}

/// The hotspot in WGS84 (lon, lat).
pub fn hotspot_lonlat() -> [f64; 2] {
    let t = buitenzicht_ingest::crs::Transformer::from_epsg(
        buitenzicht_ingest::crs::RD_NEW,
        buitenzicht_ingest::crs::WGS84,
    )
    .expect("transform");
    let [x, y] = buitenzicht_synth::HOTSPOT;
    t.point(x, y).expect("transform hotspot")
}

/// Asserts that a GeoJSON file follows RFC 7946 — no `crs` member, polygons
/// with counter-clockwise outer rings, lon/lat in range for the Netherlands
/// — and that GDAL reads the same number of features. Returns the features.
pub fn assert_rfc7946(path: &Path) -> Vec<geojson::Feature> {
    use gdal::vector::LayerAccess;
    use geo::Orient;
    let text = std::fs::read_to_string(path).expect("read GeoJSON");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(json.get("crs").is_none(), "RFC 7946 has no crs member");
    // §5: a bbox holds 2·n numbers (an empty one is invalid).
    if let Some(bbox) = json.get("bbox") {
        let n = bbox.as_array().expect("bbox is an array").len();
        assert!(n >= 4 && n % 2 == 0, "bbox of {n} numbers");
    }
    let fc: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .expect("valid GeoJSON")
        .try_into()
        .expect("a FeatureCollection");
    for f in &fc.features {
        let g: geo::Geometry = f
            .geometry
            .clone()
            .expect("geometry")
            .try_into()
            .expect("geo geometry");
        let geo::Geometry::Polygon(p) = g else {
            panic!("polygons expected")
        };
        assert_eq!(
            p,
            p.orient(geo::orient::Direction::Default),
            "right-hand rule"
        );
        for c in p.exterior().coords() {
            assert!(
                (3.0..7.5).contains(&c.x) && (50.5..54.0).contains(&c.y),
                "lon/lat order and range: {c:?}"
            );
        }
    }
    let ogr = gdal::Dataset::open(path).expect("GDAL opens it");
    assert_eq!(
        ogr.layer(0).expect("a layer").feature_count() as usize,
        fc.features.len()
    );
    fc.features
}

/// Band 1 of a run's `risico.tif` and its geotransform.
pub fn risk(out: &Path) -> ([f64; 6], Vec<f32>) {
    let ds = gdal::Dataset::open(out.join("risico.tif")).expect("risico.tif opens");
    let band = ds.rasterband(1).expect("band 1");
    (
        ds.geo_transform().expect("geotransform"),
        band.read_band_as::<f32>()
            .expect("band reads")
            .into_shape_and_vec()
            .1,
    )
}

/// The fixtures' project scored with the hand-set weights (`[scoring]
/// method = "weights"`), for the tests of products and serving: they check
/// what is made of a score, whichever model `run` would choose. One copy
/// per test process, kept for its lifetime.
pub fn weighted_fixtures() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = fixture_copy().keep();
        weigh(&dir);
        dir
    })
    .clone()
}

/// Sets `method = "weights"` in the project file in `dir`.
pub fn weigh(dir: &Path) {
    let config = dir.join("buitenzicht.toml");
    let text = std::fs::read_to_string(&config).expect("project file");
    assert!(text.contains("\n[scoring]\n"));
    std::fs::write(
        &config,
        text.replace("\n[scoring]\n", "\n[scoring]\nmethod = \"weights\"\n"),
    )
    .expect("write project file");
}
