//! `run` replaces its output folder whole or not at all: killed at any
//! moment, it leaves the old run or the new one, never a mix, and no
//! temporary file inside; the next run removes what a killed one left.

mod common;

use gdal::Metadata;
use std::path::Path;
use std::time::{Duration, Instant};

fn run_args(out: &Path, as_of: &str) -> Vec<String> {
    let config = common::fixtures().join("buitenzicht.toml");
    [
        "run",
        "-c",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        as_of,
    ]
    .map(String::from)
    .to_vec()
}

/// The folder holds exactly one complete run; returns its as-of date.
fn assert_one_whole_run(out: &Path) -> String {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("buitenzicht-run.json")).expect("manifest present"),
    )
    .unwrap();
    let mut listed: Vec<String> = manifest["bestanden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    listed.push("buitenzicht-run.json".into());
    listed.sort();
    let mut present = Vec::new();
    for dir in [out.to_path_buf(), out.join("inspecties")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                present.push(
                    path.strip_prefix(out)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    present.sort();
    assert_eq!(present, listed, "exactly the files of one run");
    let as_of = manifest["peildatum"].as_str().unwrap().to_string();
    let tif = gdal::Dataset::open(out.join("risico.tif")).unwrap();
    assert_eq!(
        tif.metadata_item("AS_OF", "").as_deref(),
        Some(as_of.as_str()),
        "the GeoTIFF belongs to the run the manifest names"
    );
    as_of
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".uit.bezig-"))
        .collect()
}

#[test]
fn a_killed_run_leaves_the_old_run_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("uit");
    let started = Instant::now();
    let first = common::binary()
        .args(run_args(&out, "2026-06-01"))
        .output()
        .unwrap();
    let full = started.elapsed();
    assert!(first.status.success(), "{}", common::stderr(&first));
    assert_eq!(assert_one_whole_run(&out), "2026-06-01");

    // Kill the next run at moments spread over a whole run's duration,
    // densest near the end where the files are written and swapped.
    let mut killed = 0;
    for fraction in [0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.88, 0.94, 0.98, 1.02] {
        let delay = full.mul_f64(fraction);
        let mut child = common::binary()
            .args(run_args(&out, "2026-11-01"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let as_of = assert_one_whole_run(&out);
        assert!(
            as_of == "2026-06-01" || as_of == "2026-11-01",
            "killed after {delay:?}: {as_of}"
        );
    }
    assert!(
        killed >= 5,
        "only {killed} kills: the run was too quick to test"
    );

    // A killed run may leave its staging folder beside the output; the next
    // run removes it.
    let again = common::binary()
        .args(run_args(&out, "2026-11-01"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", common::stderr(&again));
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    assert_eq!(assert_one_whole_run(&out), "2026-11-01");
}
