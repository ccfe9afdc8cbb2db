//! A synthetic dataset the size of the Dutch buitengebied, for benchmarks:
//! RD New 0–300 km × 300–625 km, ~345 municipalities, 2,500 villages,
//! 500,000 buildings (10 % vacant), 5,000 dumpings, 350 catchments with a
//! year of daily loads and a 20 m satellite raster in 100 km tiles.
//!
//! Buildings, dumpings and loads are CSV (x/y in RD New), the polygons
//! GeoJSON with a `crs` member: large, but read by the same GDAL readers.

use crate::partition::{cell, Border};
use crate::write::{self, multipolygon};
use crate::SynthError;
use chrono::{Duration, NaiveDate};
use geo::{Coord, LineString, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::f64::consts::TAU;
use std::path::Path;

/// Extent of the national dataset in RD New.
pub const NATIONAL: [f64; 4] = [0.0, 300_000.0, 300_000.0, 625_000.0];
const SAT_PIXEL: f64 = 20.0;
const SAT_TILE: f64 = 100_000.0;

/// Sizes of the national dataset; [`NationalSize::full`] is the benchmark.
#[derive(Debug, Clone, Copy)]
pub struct NationalSize {
    pub buildings: usize,
    pub dumpings: usize,
    pub villages: usize,
    /// Municipality columns × rows; catchments use their own split.
    pub gemeente_grid: (usize, usize),
    pub catchment_grid: (usize, usize),
}

impl NationalSize {
    pub fn full() -> Self {
        NationalSize {
            buildings: 500_000,
            dumpings: 5_000,
            villages: 2_500,
            gemeente_grid: (15, 23),
            catchment_grid: (14, 25),
        }
    }
}

/// Writes the national dataset and its project file into `out`.
pub fn generate_national(out: &Path, size: NationalSize, seed: u64) -> Result<(), SynthError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let [x0, y0, x1, y1] = NATIONAL;
    // `n` + 1 wavy lines at even steps over [from, to], running over
    // [along.0, along.1]; the outer two are straight.
    let lines = |rng: &mut ChaCha8Rng,
                 n: usize,
                 (from, to): (f64, f64),
                 along: (f64, f64)|
     -> Vec<Border> {
        let step = (to - from) / n as f64;
        (0..=n)
            .map(|i| {
                let amp = if i == 0 || i == n { 0.0 } else { 0.15 * step };
                let wavelength = rng.random_range(8_000.0..20_000.0);
                let phase = rng.random_range(0.0..TAU);
                Border::wavy(
                    from + i as f64 * step,
                    amp,
                    wavelength,
                    phase,
                    along.0 - 1.0,
                    along.1 + 1.0,
                    500.0,
                )
            })
            .collect()
    };
    let partition = |rng: &mut ChaCha8Rng, (nc, nr): (usize, usize)| -> Vec<Polygon> {
        let cols = lines(rng, nc, (x0, x1), (y0, y1));
        let rows = lines(rng, nr, (y0, y1), (x0, x1));
        (0..nr)
            .flat_map(|j| (0..nc).map(move |i| (i, j)))
            .map(|(i, j)| cell(&cols, &rows, i, j))
            .collect()
    };

    let gemeenten = partition(&mut rng, size.gemeente_grid);
    let features = gemeenten
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let props = json!({"statcode": format!("GM{:04}", k + 1), "statnaam": format!("Gemeente {}", k + 1)});
            (multipolygon(g.clone()), props.as_object().cloned().unwrap_or_default())
        })
        .collect();
    write::geojson_rd(&out.join("gemeenten.geojson"), features)?;

    let villages: Vec<(Coord, f64)> = (0..size.villages)
        .map(|_| {
            let c = Coord {
                x: rng.random_range(x0..x1),
                y: rng.random_range(y0..y1),
            };
            (c, rng.random_range(300.0..1_500.0))
        })
        .collect();
    let features = villages
        .iter()
        .enumerate()
        .map(|(k, &(c, radius))| {
            let ring: Vec<Coord> = (0..24)
                .map(|i| {
                    let t = TAU * i as f64 / 24.0;
                    let r = radius * (1.0 + 0.2 * (3.0 * t + k as f64).sin());
                    Coord {
                        x: c.x + r * t.cos(),
                        y: c.y + r * t.sin(),
                    }
                })
                .collect();
            let props = json!({"naam": format!("Kern {}", k + 1)});
            (
                multipolygon(Polygon::new(LineString::new(ring), vec![])),
                props.as_object().cloned().unwrap_or_default(),
            )
        })
        .collect();
    write::geojson_rd(&out.join("bebouwde_kom.geojson"), features)?;

    let rows: Vec<Vec<String>> = (0..size.buildings)
        .map(|k| {
            let roll: f64 = rng.random();
            let leegstand = match roll {
                r if r < 0.04 => "bevestigd",
                r if r < 0.10 => "vermoedelijk",
                r if r < 0.20 => "onbekend",
                _ => "nee",
            };
            vec![
                format!("{:016}", k + 1),
                format!("{:.0}", rng.random_range(150.0..2_500.0f64)),
                leegstand.to_string(),
                format!("{:.1}", rng.random_range(x0..x1)),
                format!("{:.1}", rng.random_range(y0..y1)),
            ]
        })
        .collect();
    write::csv(
        &out.join("panden.csv"),
        &["identificatie", "oppervlakte", "leegstand", "x", "y"],
        &rows,
    )?;

    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let rows: Vec<Vec<String>> = (0..size.dumpings)
        .map(|k| {
            let date = as_of - Duration::days(rng.random_range(1..1_095));
            vec![
                format!("DMP-{k:05}"),
                date.format("%Y-%m-%d").to_string(),
                format!("{:.1}", rng.random_range(x0..x1)),
                format!("{:.1}", rng.random_range(y0..y1)),
            ]
        })
        .collect();
    write::csv(
        &out.join("dumpingen.csv"),
        &["incident_id", "datum", "x", "y"],
        &rows,
    )?;

    let catchments = partition(&mut rng, size.catchment_grid);
    let features = catchments
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let props = json!({"rwzi_code": format!("RWZI-{:03}", k + 1), "rwzi_naam": format!("RWZI {}", k + 1), "inwoners": 40_000});
            (multipolygon(c.clone()), props.as_object().cloned().unwrap_or_default())
        })
        .collect();
    write::geojson_rd(&out.join("rwzi.geojson"), features)?;
    let mut rows = Vec::with_capacity(catchments.len() * 366 * 3);
    for k in 0..catchments.len() {
        for day in 0..366 {
            let date = as_of - Duration::days(365 - day);
            for (stof, base) in [
                ("amfetamine", 200.0),
                ("mdma", 40.0),
                ("methamfetamine", 4.0),
            ] {
                let spike = if rng.random::<f64>() < 0.002 {
                    10.0
                } else {
                    1.0
                };
                let load = base * spike * (1.0 + 0.1 * (rng.random::<f64>() - 0.5));
                rows.push(vec![
                    format!("RWZI-{:03}", k + 1),
                    date.format("%Y-%m-%d").to_string(),
                    stof.to_string(),
                    format!("{load:.1}"),
                ]);
            }
        }
    }
    write::csv(
        &out.join("rioolmetingen.csv"),
        &["rwzi_code", "datum", "stof", "vracht_g_d"],
        &rows,
    )?;

    // Satellite: 20 m tiles of 100 km, a smooth field with warm spots.
    let dir = out.join("satelliet");
    std::fs::create_dir_all(&dir).map_err(|source| SynthError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let spots: Vec<(f64, f64)> = (0..2_000)
        .map(|_| (rng.random_range(x0..x1), rng.random_range(y0..y1)))
        .collect();
    let n = (SAT_TILE / SAT_PIXEL) as usize;
    let mut ty = y0;
    while ty < y1 {
        let mut tx = x0;
        while tx < x1 {
            let top = (ty + SAT_TILE).min(y1);
            let rows_px = ((top - ty) / SAT_PIXEL) as usize;
            let mut values = vec![0f32; n * rows_px];
            for (r, line) in values.chunks_mut(n).enumerate() {
                let y = top - (r as f64 + 0.5) * SAT_PIXEL;
                for (c, v) in line.iter_mut().enumerate() {
                    let x = tx + (c as f64 + 0.5) * SAT_PIXEL;
                    *v = ((x / 9_000.0).sin() * (y / 7_000.0).cos() * 2.0).round() as f32 * 0.5;
                }
            }
            for &(sx, sy) in spots
                .iter()
                .filter(|(sx, sy)| (tx..tx + SAT_TILE).contains(sx) && (ty..top).contains(sy))
            {
                let (c0, r0) = (
                    ((sx - tx) / SAT_PIXEL) as usize,
                    ((top - sy) / SAT_PIXEL) as usize,
                );
                for r in r0.saturating_sub(10)..(r0 + 10).min(rows_px) {
                    for c in c0.saturating_sub(10)..(c0 + 10).min(n) {
                        values[r * n + c] = 6.0;
                    }
                }
            }
            let name = format!(
                "S2_RD_{:03}_{:03}.tif",
                (tx / 1_000.0) as i64,
                (ty / 1_000.0) as i64
            );
            write::geotiff(
                &dir.join(name),
                28992,
                [tx, SAT_PIXEL, 0.0, top, 0.0, -SAT_PIXEL],
                (n, rows_px),
                values,
                -9999.0,
                "LST-anomalie (°C)",
            )?;
            tx += SAT_TILE;
        }
        ty += SAT_TILE;
    }

    let project = r#"# Synthetic national-scale benchmark dataset (see crates/synth/src/national.rs).
name = "Nationale benchmark"
as_of = "2026-11-01"

[layers.gemeenten]
path = "gemeenten.geojson"
[layers.bebouwde_kom]
path = "bebouwde_kom.geojson"
[layers.panden]
path = "panden.csv"
[layers.dumpingen]
path = "dumpingen.csv"
[layers.rwzi]
path = "rwzi.geojson"
[layers.rioolmetingen]
path = "rioolmetingen.csv"
[layers.satelliet]
path = "satelliet"
"#;
    write::atomic_write(&out.join("buitenzicht.toml"), project.as_bytes())
}
