//! The demo region: geometry and attributes of every layer.

use crate::partition::{cell, Border};
use crate::write::{self, multipolygon};
use crate::SynthError;
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use chrono::{Datelike, Duration, NaiveDate};
use geo::{Contains, Coord, Geometry, LineString, MapCoords, Point, Polygon};
use geojson::JsonObject;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::f64::consts::{PI, TAU};
use std::path::Path;

/// The region's extent in RD New: `[xmin, ymin, xmax, ymax]`.
pub const REGION: [f64; 4] = [150_000.0, 375_000.0, 180_000.0, 405_000.0];
/// The planted hotspot, RD New.
pub const HOTSPOT: [f64; 2] = [163_420.0, 388_610.0];
/// BAG identifier of the vacant barn at the hotspot.
pub const HOTSPOT_BARN: &str = "9902100000999999";
/// The municipality that holds the hotspot.
pub const HOTSPOT_GEMEENTE: &str = "GM9902";
/// The date the demo data runs up to.
pub const AS_OF: &str = "2026-11-01";

const MUNICIPALITIES: [(&str, &str); 6] = [
    ("GM9901", "Heikamp"),
    ("GM9902", "Beekdonk"),
    ("GM9903", "Vennebroek"),
    ("GM9904", "Loonsel"),
    ("GM9905", "Mierlaar"),
    ("GM9906", "Straten-Akkerhoven"),
];
const VILLAGES: [&str; 14] = [
    "Heikamp",
    "Beekdonk",
    "Vennebroek",
    "Loonsel",
    "Mierlaar",
    "Straten",
    "Akkerhoven",
    "Hoeve",
    "Donkersloot",
    "Lieshout-Veld",
    "Ossendaal",
    "Geldrop-Heide",
    "Kerkebroek",
    "Zandhoeve",
];
const PLANTS: [(&str, &str, u64); 6] = [
    ("RWZI-01", "RWZI Beekdonk", 64_000),
    ("RWZI-02", "RWZI Loonsel", 41_000),
    ("RWZI-03", "RWZI Dommelmond", 88_000),
    ("RWZI-04", "RWZI Vennebroek", 35_000),
    ("RWZI-05", "RWZI Mierlaar", 52_000),
    ("RWZI-06", "RWZI Aa-Oost", 27_000),
];
/// Satellite pixel size, metres (UTM 31N).
const SAT_PIXEL: f64 = 40.0;
const SAT_NODATA: f64 = -9999.0;

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub gemeenten: usize,
    pub villages: usize,
    pub barns: usize,
    pub vacant_barns: usize,
    pub dumpings: usize,
    pub plants: usize,
    pub measurements: usize,
    pub satellite_tiles: usize,
}

struct Region {
    rng: ChaCha8Rng,
    gemeenten: Vec<Polygon>,
    villages: Vec<Polygon>,
    catchments: Vec<Polygon>,
}

fn props(pairs: serde_json::Value) -> JsonObject {
    match pairs {
        serde_json::Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

/// Writes the demo region into `out` (which must exist). The same `seed`
/// gives the same files.
pub fn generate(out: &Path, seed: u64) -> Result<Summary, SynthError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let [x0, y0, x1, y1] = REGION;
    let step = 250.0;

    // Municipalities: 3 columns × 2 rows with wavy borders.
    let edge = |base: f64, amp: f64, rng: &mut ChaCha8Rng, horizontal: bool| {
        let (s, e) = if horizontal {
            (x0 - 2_000.0, x1 + 2_000.0)
        } else {
            (y0 - 2_000.0, y1 + 2_000.0)
        };
        Border::wavy(
            base,
            amp,
            rng.random_range(5_000.0..9_000.0),
            rng.random_range(0.0..TAU),
            s,
            e,
            step,
        )
    };
    let outer_left = edge(x0 + 500.0, 400.0, &mut rng, false);
    let outer_right = edge(x1 - 500.0, 400.0, &mut rng, false);
    let outer_bottom = edge(y0 + 500.0, 400.0, &mut rng, true);
    let outer_top = edge(y1 - 500.0, 400.0, &mut rng, true);
    let cols = vec![
        outer_left.clone(),
        edge(x0 + 10_000.0, 700.0, &mut rng, false),
        edge(x0 + 20_000.0, 700.0, &mut rng, false),
        outer_right.clone(),
    ];
    let rows = vec![
        outer_bottom.clone(),
        edge(y0 + 15_000.0, 800.0, &mut rng, true),
        outer_top.clone(),
    ];
    let gemeenten: Vec<Polygon> = (0..2)
        .flat_map(|j| (0..3).map(move |i| (i, j)))
        .map(|(i, j)| cell(&cols, &rows, i, j))
        .collect();
    // Catchments: 2 columns × 3 rows inside the same outline.
    let ccols = vec![
        outer_left,
        edge(x0 + 14_000.0, 900.0, &mut rng, false),
        outer_right,
    ];
    let crows = vec![
        outer_bottom,
        edge(y0 + 10_000.0, 600.0, &mut rng, true),
        edge(y0 + 20_000.0, 600.0, &mut rng, true),
        outer_top,
    ];
    let catchments: Vec<Polygon> = (0..3)
        .flat_map(|j| (0..2).map(move |i| (i, j)))
        .map(|(i, j)| cell(&ccols, &crows, i, j))
        .collect();

    let mut region = Region {
        rng,
        gemeenten,
        villages: Vec::new(),
        catchments,
    };
    region.place_villages();

    let mut summary = Summary {
        gemeenten: region.gemeenten.len(),
        villages: region.villages.len(),
        plants: region.catchments.len(),
        ..Summary::default()
    };
    region.write_boundaries(out)?;
    let (barns, vacant) = region.write_barns(out)?;
    summary.barns = barns;
    summary.vacant_barns = vacant;
    summary.dumpings = region.write_dumpings(out)?;
    summary.measurements = region.write_sewage(out)?;
    summary.satellite_tiles = region.write_satellite(out)?;
    Ok(summary)
}

impl Region {
    fn inside_region(&self, p: Point) -> bool {
        self.gemeenten.iter().any(|g| g.contains(&p))
    }

    fn in_village(&self, p: Point, margin: f64) -> bool {
        self.villages.iter().any(|v| {
            use geo::Distance;
            v.contains(&p) || geo::Euclidean.distance(&p, v) < margin
        })
    }

    fn gemeente_index(&self, p: Point) -> Option<usize> {
        self.gemeenten.iter().position(|g| g.contains(&p))
    }

    /// A random point in the buitengebied, at least `margin` from villages.
    fn rural_point(&mut self, margin: f64) -> Point {
        loop {
            let p = Point::new(
                self.rng.random_range(REGION[0]..REGION[2]),
                self.rng.random_range(REGION[1]..REGION[3]),
            );
            if self.inside_region(p) && !self.in_village(p, margin) {
                return p;
            }
        }
    }

    fn place_villages(&mut self) {
        let mut centres: Vec<Coord> = Vec::new();
        while centres.len() < VILLAGES.len() {
            let c = Coord {
                x: self
                    .rng
                    .random_range(REGION[0] + 2_000.0..REGION[2] - 2_000.0),
                y: self
                    .rng
                    .random_range(REGION[1] + 2_000.0..REGION[3] - 2_000.0),
            };
            let far_from = |q: [f64; 2], d: f64| (c.x - q[0]).hypot(c.y - q[1]) > d;
            if far_from(HOTSPOT, 3_500.0) && centres.iter().all(|o| far_from([o.x, o.y], 3_800.0)) {
                centres.push(c);
            }
        }
        for (k, c) in centres.iter().enumerate() {
            let radius = if k == 0 {
                1_500.0
            } else {
                self.rng.random_range(350.0..1_100.0)
            };
            let (p1, p2) = (
                self.rng.random_range(0.0..TAU),
                self.rng.random_range(0.0..TAU),
            );
            let ring: Vec<Coord> = (0..32)
                .map(|i| {
                    let t = std::f64::consts::TAU * i as f64 / 32.0;
                    let r =
                        radius * (1.0 + 0.22 * (3.0 * t + p1).sin() + 0.08 * (5.0 * t + p2).sin());
                    Coord {
                        x: c.x + r * t.cos(),
                        y: c.y + r * t.sin(),
                    }
                })
                .collect();
            self.villages
                .push(Polygon::new(LineString::new(ring), vec![]));
        }
    }

    fn write_boundaries(&mut self, out: &Path) -> Result<(), SynthError> {
        let gemeenten = self
            .gemeenten
            .iter()
            .zip(MUNICIPALITIES)
            .map(|(g, (code, name))| {
                (
                    multipolygon(g.clone()),
                    props(json!({"statcode": code, "statnaam": name})),
                )
            })
            .collect();
        write::geojson_rd(&out.join("gemeenten.geojson"), gemeenten)?;
        let villages = self
            .villages
            .iter()
            .zip(VILLAGES)
            .map(|(v, name)| (multipolygon(v.clone()), props(json!({"naam": name}))))
            .collect();
        write::geojson_rd(&out.join("bebouwde_kom.geojson"), villages)?;

        // Catchments as RFC 7946 (WGS84), so ingest exercises a transform.
        let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).map_err(|source| SynthError::Gdal {
            path: "rwzi.geojson".into(),
            source,
        })?;
        let mut catchments = Vec::new();
        for (c, (code, name, inwoners)) in self.catchments.iter().zip(PLANTS) {
            let mut g = Geometry::Polygon(c.clone());
            to_wgs.geometry(&mut g).map_err(|source| SynthError::Gdal {
                path: "rwzi.geojson".into(),
                source,
            })?;
            let g = g.map_coords(
                |c| geo::coord! { x: (c.x * 1e7).round() / 1e7, y: (c.y * 1e7).round() / 1e7 },
            );
            catchments.push((
                g,
                props(json!({"rwzi_code": code, "rwzi_naam": name, "inwoners": inwoners})),
            ));
        }
        write::geojson_wgs84(&out.join("rwzi.geojson"), catchments)
    }

    /// Farms with two to five buildings each; returns (barns, vacant).
    fn write_barns(&mut self, out: &Path) -> Result<(usize, usize), SynthError> {
        let mut features = Vec::new();
        let mut sequence = [0u32; 6];
        let mut vacant = 0;
        let mut add = |region: &mut Region,
                       centre: Point,
                       w: f64,
                       l: f64,
                       angle: f64,
                       leegstand: &str,
                       id: Option<&str>| {
            let Some(g) = region.gemeente_index(centre) else {
                return;
            };
            let (s, c) = angle.sin_cos();
            let ring: Vec<Coord> = [(-l, -w), (l, -w), (l, w), (-l, w), (-l, -w)]
                .iter()
                .map(|&(dx, dy)| Coord {
                    x: centre.x() + 0.5 * (dx * c - dy * s),
                    y: centre.y() + 0.5 * (dx * s + dy * c),
                })
                .collect();
            sequence[g] += 1;
            let code = &MUNICIPALITIES[g].0[2..];
            let identificatie = id
                .map(str::to_string)
                .unwrap_or_else(|| format!("{code}10000{:07}", sequence[g]));
            let doel = [
                "overige gebruiksfunctie",
                "overige gebruiksfunctie",
                "industriefunctie",
                "opslag",
            ][region.rng.random_range(0..4)];
            if leegstand == "bevestigd" || leegstand == "vermoedelijk" {
                vacant += 1;
            }
            features.push((
                Geometry::Polygon(Polygon::new(LineString::new(ring), vec![])),
                props(json!({
                    "identificatie": identificatie,
                    "status": "Pand in gebruik",
                    "gebruiksdoel": doel,
                    "bouwjaar": region.rng.random_range(1930..2016),
                    "oppervlakte": (w * l).round(),
                    "leegstand": leegstand,
                })),
            ));
        };

        // The hotspot barn and two probably vacant neighbours.
        let h = Point::new(HOTSPOT[0], HOTSPOT[1]);
        debug_assert_eq!(
            self.gemeente_index(h).map(|g| MUNICIPALITIES[g].0),
            Some(HOTSPOT_GEMEENTE),
            "the hotspot must lie in HOTSPOT_GEMEENTE"
        );
        add(self, h, 26.0, 62.0, 0.4, "bevestigd", Some(HOTSPOT_BARN));
        add(
            self,
            Point::new(h.x() + 260.0, h.y() - 180.0),
            14.0,
            30.0,
            1.1,
            "vermoedelijk",
            None,
        );
        add(
            self,
            Point::new(h.x() - 380.0, h.y() + 240.0),
            12.0,
            24.0,
            0.2,
            "vermoedelijk",
            None,
        );

        for _ in 0..900 {
            let farm = self.rural_point(150.0);
            if (farm.x() - h.x()).hypot(farm.y() - h.y()) < 600.0 {
                continue;
            }
            for _ in 0..self.rng.random_range(2..6) {
                let p = Point::new(
                    farm.x() + self.rng.random_range(-70.0..70.0),
                    farm.y() + self.rng.random_range(-70.0..70.0),
                );
                let (w, l) = (
                    self.rng.random_range(9.0..24.0),
                    self.rng.random_range(15.0..55.0),
                );
                let roll: f64 = self.rng.random();
                let leegstand = match roll {
                    r if r < 0.04 => "bevestigd",
                    r if r < 0.10 => "vermoedelijk",
                    r if r < 0.20 => "onbekend",
                    _ => "nee",
                };
                let angle = self.rng.random_range(0.0..PI);
                add(self, p, w, l, angle, leegstand, None);
            }
        }
        let barns = features.len();
        write::geojson_rd(&out.join("panden.geojson"), features)?;
        Ok((barns, vacant))
    }

    fn write_dumpings(&mut self, out: &Path) -> Result<usize, SynthError> {
        let as_of = as_of();
        let wijzen = [
            "vaten",
            "jerrycans",
            "zakken",
            "lozing op land",
            "brandend voertuig",
        ];
        let typen = ["amfetamine", "MDMA", "methamfetamine", "onbekend"];
        let mut incidents: Vec<(NaiveDate, Point, &str, f64, &str)> = Vec::new();
        for _ in 0..42 {
            let p = self.rural_point(100.0);
            let date = as_of - Duration::days(self.rng.random_range(1..730));
            let w = wijzen[self.rng.random_range(0..wijzen.len())];
            let t = typen[self.rng.random_range(0..typen.len())];
            let volume = (self.rng.random_range(50.0..2_000.0f64) / 10.0).round() * 10.0;
            incidents.push((date, p, w, volume, t));
        }
        // Five dumpings within 600 m of the hotspot in the last year.
        for days in [300, 210, 150, 75, 20] {
            let a: f64 = self.rng.random_range(0.0..TAU);
            let r: f64 = self.rng.random_range(100.0..600.0);
            let p = Point::new(HOTSPOT[0] + r * a.cos(), HOTSPOT[1] + r * a.sin());
            incidents.push((
                as_of - Duration::days(days),
                p,
                "vaten",
                600.0,
                "amfetamine",
            ));
        }
        incidents.sort_by_key(|i| i.0);
        let mut per_year = std::collections::BTreeMap::<i32, u32>::new();
        let rows: Vec<Vec<String>> = incidents
            .iter()
            .map(|(date, p, wijze, volume, typ)| {
                let n = per_year.entry(date.year()).or_default();
                *n += 1;
                vec![
                    format!("DMP-{}-{:04}", date.year(), n),
                    date.format("%Y-%m-%d").to_string(),
                    format!("{:.1}", p.x()),
                    format!("{:.1}", p.y()),
                    wijze.to_string(),
                    format!("{volume}"),
                    typ.to_string(),
                ]
            })
            .collect();
        write::csv(
            &out.join("dumpingen.csv"),
            &[
                "incident_id",
                "datum",
                "x",
                "y",
                "dumpingwijze",
                "volume_l",
                "productietype",
            ],
            &rows,
        )?;
        Ok(rows.len())
    }

    /// A year of daily loads per plant: amphetamine, MDMA (weekend peaks,
    /// with enantiomeric fraction) and methamphetamine, with planted spikes.
    fn write_sewage(&mut self, out: &Path) -> Result<usize, SynthError> {
        let as_of = as_of();
        let start = as_of - Duration::days(365);
        let hotspot = Point::new(HOTSPOT[0], HOTSPOT[1]);
        let hot_plant = self
            .catchments
            .iter()
            .position(|c| c.contains(&hotspot))
            .unwrap_or(0);
        // A racemic MDMA dump elsewhere, and one old amphetamine spike.
        let mdma_plant = (hot_plant + 3) % PLANTS.len();
        let old_spike_plant = (hot_plant + 1) % PLANTS.len();
        let flat_plant = (hot_plant + 5) % PLANTS.len();
        let mut rows = Vec::new();
        for (k, (code, _, inwoners)) in PLANTS.iter().enumerate() {
            let scale = *inwoners as f64 / 50_000.0;
            let base = [
                ("amfetamine", self.rng.random_range(120.0..260.0) * scale),
                ("mdma", self.rng.random_range(25.0..60.0) * scale),
                ("methamfetamine", self.rng.random_range(2.0..6.0) * scale),
            ];
            let noise = if k == flat_plant { 0.03 } else { 0.12 };
            for day in 0..=365 {
                let date = start + Duration::days(day);
                let weekend = matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
                for (stof, level) in base {
                    let mut load = level * (noise * normal(&mut self.rng)).exp();
                    let mut ef = 0.72 + 0.03 * normal(&mut self.rng);
                    if stof == "mdma" && weekend {
                        load *= 1.6;
                    }
                    let age = (as_of - date).num_days();
                    if k == hot_plant && stof == "amfetamine" && [140, 70, 29].contains(&age) {
                        load *= 9.0 + age as f64 / 20.0;
                    }
                    if k == old_spike_plant && stof == "amfetamine" && age == 320 {
                        load *= 10.0;
                    }
                    if k == mdma_plant && stof == "mdma" && age == 45 {
                        load *= 12.0;
                        ef = 0.5;
                    }
                    let ef = if stof == "mdma" {
                        format!("{ef:.3}")
                    } else {
                        String::new()
                    };
                    rows.push(vec![
                        code.to_string(),
                        date.format("%Y-%m-%d").to_string(),
                        stof.to_string(),
                        format!("{load:.1}"),
                        ef,
                    ]);
                }
            }
        }
        write::csv(
            &out.join("rioolmetingen.csv"),
            &[
                "rwzi_code",
                "datum",
                "stof",
                "vracht_g_d",
                "enantiomeer_fractie",
            ],
            &rows,
        )?;
        Ok(rows.len())
    }

    /// Two overlapping UTM 31N tiles of land-surface temperature anomaly
    /// (°C): smooth background, a few warm decoys, a strong anomaly at the
    /// hotspot, and a cloud patch set to nodata.
    fn write_satellite(&mut self, out: &Path) -> Result<usize, SynthError> {
        let dir = out.join("satelliet");
        std::fs::create_dir_all(&dir).map_err(|source| SynthError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let gdal = |source| SynthError::Gdal {
            path: dir.display().to_string(),
            source,
        };
        let rd_to_utm = Transformer::from_epsg(RD_NEW, 32631).map_err(gdal)?;
        let utm_to_rd = Transformer::from_epsg(32631, RD_NEW).map_err(gdal)?;
        let mut xs = vec![REGION[0], REGION[2], REGION[2], REGION[0]];
        let mut ys = vec![REGION[1], REGION[1], REGION[3], REGION[3]];
        rd_to_utm.transform(&mut xs, &mut ys).map_err(gdal)?;
        let snap = |v: f64, up: bool| {
            if up {
                (v / SAT_PIXEL).ceil() * SAT_PIXEL
            } else {
                (v / SAT_PIXEL).floor() * SAT_PIXEL
            }
        };
        let (e0, e1) = (
            snap(xs.iter().cloned().fold(f64::MAX, f64::min), false),
            snap(xs.iter().cloned().fold(f64::MIN, f64::max), true),
        );
        let (n0, n1) = (
            snap(ys.iter().cloned().fold(f64::MAX, f64::min), false),
            snap(ys.iter().cloned().fold(f64::MIN, f64::max), true),
        );
        let mid = snap((e0 + e1) / 2.0, false);

        let waves: Vec<(f64, f64, f64, f64)> = (0..4)
            .map(|_| {
                (
                    self.rng.random_range(0.2..0.45),
                    self.rng.random_range(3_000.0..9_000.0),
                    self.rng.random_range(0.0..TAU),
                    self.rng.random_range(0.0..PI),
                )
            })
            .collect();
        let mut bumps = vec![(HOTSPOT[0], HOTSPOT[1], 6.5, 180.0)];
        for _ in 0..4 {
            let p = self.rural_point(0.0);
            bumps.push((
                p.x(),
                p.y(),
                self.rng.random_range(1.5..3.0),
                self.rng.random_range(150.0..400.0),
            ));
        }
        let cloud = self.rural_point(0.0);
        let (cloud, cloud_r) = if (cloud.x() - HOTSPOT[0]).hypot(cloud.y() - HOTSPOT[1]) > 4_000.0 {
            (cloud, 1_200.0)
        } else {
            (Point::new(REGION[0], REGION[1]), 1_200.0)
        };

        let tiles = [
            ("S2_T31UFT_west.tif", e0, mid + 2_000.0),
            ("S2_T31UFT_oost.tif", mid - 2_000.0, e1),
        ];
        for (name, w, e) in tiles {
            let width = ((e - w) / SAT_PIXEL).round() as usize;
            let height = ((n1 - n0) / SAT_PIXEL).round() as usize;
            let mut px = Vec::with_capacity(width * height);
            let mut py = Vec::with_capacity(width * height);
            for r in 0..height {
                for c in 0..width {
                    px.push(w + (c as f64 + 0.5) * SAT_PIXEL);
                    py.push(n1 - (r as f64 + 0.5) * SAT_PIXEL);
                }
            }
            utm_to_rd.transform(&mut px, &mut py).map_err(gdal)?;
            let values: Vec<f32> = px
                .iter()
                .zip(&py)
                .map(|(&x, &y)| {
                    if (x - cloud.x()).hypot(y - cloud.y()) < cloud_r {
                        return SAT_NODATA as f32;
                    }
                    let mut v: f64 = waves
                        .iter()
                        .map(|&(a, l, p, d)| {
                            a * (std::f64::consts::TAU * (x * d.cos() + y * d.sin()) / l + p).sin()
                        })
                        .sum();
                    for &(bx, by, amp, sigma) in &bumps {
                        let d2 = (x - bx).powi(2) + (y - by).powi(2);
                        v += amp * (-d2 / (2.0 * sigma * sigma)).exp();
                    }
                    ((v * 20.0).round() / 20.0) as f32
                })
                .collect();
            write::geotiff(
                &dir.join(name),
                32631,
                [w, SAT_PIXEL, 0.0, n1, 0.0, -SAT_PIXEL],
                (width, height),
                values,
                SAT_NODATA,
                "LST-anomalie (°C)",
            )?;
        }
        Ok(tiles.len())
    }
}

fn as_of() -> NaiveDate {
    NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap_or_default()
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
