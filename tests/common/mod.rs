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
