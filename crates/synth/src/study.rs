//! Synthetic regions for the simulation study, separate from the demo
//! fixtures.
//!
//! Each seed draws its own mechanisms, so that a model tuned to one of them
//! can be wrong on the others: how far producers drive to dump (median
//! journey 0.5–5 km), how many production sites sit in buildings registered
//! as in use and how many in buildings the register does not hold, how often
//! the satellite sees a site and how many hot roofs are decoys, which share
//! of sites discharges into the sewer, how long the history is (1–4 years
//! before a test year) and how many dumpings have nothing to do with a site.
//!
//! A region is written as a project folder in the project's own input
//! formats, with `waarheid.json` beside it: the mechanisms, the production
//! sites with their active periods, and the test year.

use crate::write::{self, multipolygon};
use crate::SynthError;
use chrono::{Duration, NaiveDate};
use geo::{Contains, Coord, LineString, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// The region: 40 × 40 km of RD New in the east of Noord-Brabant.
pub const STUDY_REGION: [f64; 4] = [160_000.0, 380_000.0, 200_000.0, 420_000.0];
/// The day after the test year, and so the end of all data.
pub const STUDY_END: &str = "2026-11-01";

/// The mechanisms one seed drew.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mechanisms {
    /// Median distance from a production site to its dumps, metres.
    pub journey_median_m: f64,
    /// Log-normal spread of the journey distance.
    pub journey_sigma: f64,
    /// Share of sites in buildings registered as in use (not vacant).
    pub share_in_use: f64,
    /// Share of sites in buildings the register does not hold.
    pub share_unregistered: f64,
    /// Chance that the satellite sees an active site.
    pub satellite_detection: f64,
    /// Hot roofs that are not production sites.
    pub satellite_decoys: usize,
    /// Share of sites that discharge into the sewer.
    pub share_sewer: f64,
    /// Years of history before the test year.
    pub history_years: u32,
    /// Dumpings per year with no site behind them, over the whole region.
    pub background_per_year: f64,
}

/// A production site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    /// The building in `panden`, `None` when the register lacks it.
    pub identificatie: Option<String>,
    pub x: f64,
    pub y: f64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Dumpings per year while active.
    pub rate_per_year: f64,
}

/// What the study knows and the model does not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub mechanisms: Mechanisms,
    pub sites: Vec<Site>,
    /// First day of history.
    pub start: NaiveDate,
    /// Last day of the history the model may see (the cut).
    pub cut: NaiveDate,
    /// Last day of the test year.
    pub end: NaiveDate,
}

impl Truth {
    /// The true dumping intensity at `(x, y)` (RD New) over the test year,
    /// in expected dumpings per m²: every site's dumps spread by its journey
    /// distance, weighted by its active days in the test year, plus the
    /// background spread evenly over `area_m2` (the buitengebied).
    pub fn intensity(&self, x: f64, y: f64, area_m2: f64) -> f64 {
        self.intensity_of(x, y, area_m2, |s| self.test_days(s))
    }

    /// What a perfect reading of the past can show: [`Truth::intensity`]
    /// from the sites running at the cut, each at its true place, rate and
    /// journey and counted for the whole test year, since the past does not
    /// show when a site will stop. It does not know the sites that start
    /// after the cut.
    pub fn intensity_running_at_cut(&self, x: f64, y: f64, area_m2: f64) -> f64 {
        let year = (self.end - self.cut).num_days() as f64;
        self.intensity_of(
            x,
            y,
            area_m2,
            |s| {
                if self.runs_at_cut(s) {
                    year
                } else {
                    0.0
                }
            },
        )
    }

    /// [`Truth::intensity_running_at_cut`] that also knows when each of
    /// those sites stops: the truth without the sites that start later.
    pub fn intensity_running_to_end(&self, x: f64, y: f64, area_m2: f64) -> f64 {
        self.intensity_of(x, y, area_m2, |s| {
            if self.runs_at_cut(s) {
                self.test_days(s)
            } else {
                0.0
            }
        })
    }

    /// Started on or before the cut and not yet stopped.
    fn runs_at_cut(&self, s: &Site) -> bool {
        s.start <= self.cut && s.end > self.cut
    }

    /// A site's active days in the test year.
    fn test_days(&self, s: &Site) -> f64 {
        let from = s.start.max(self.cut + Duration::days(1));
        let to = s.end.min(self.end);
        ((to - from).num_days() + 1).max(0) as f64
    }

    /// The background plus every site sending its rate for `days(site)`
    /// days along the journey.
    fn intensity_of(&self, x: f64, y: f64, area_m2: f64, days: impl Fn(&Site) -> f64) -> f64 {
        let m = &self.mechanisms;
        let test_days = (self.end - self.cut).num_days() as f64;
        let mut total = m.background_per_year * test_days / 365.0 / area_m2;
        for s in &self.sites {
            let days = days(s);
            if days > 0.0 {
                let d = (x - s.x).hypot(y - s.y);
                total += s.rate_per_year * days / 365.0
                    * journey_density(d, m.journey_median_m, m.journey_sigma);
            }
        }
        total
    }

    /// The sites active during the test year that the register holds.
    pub fn active_buildings(&self) -> Vec<&str> {
        self.sites
            .iter()
            .filter(|s| s.end > self.cut)
            .filter_map(|s| s.identificatie.as_deref())
            .collect()
    }
}

/// Density per m² of a dump at distance `d` from its site: distance
/// log-normal with median `median` and spread `sigma`, direction uniform.
pub fn journey_density(d: f64, median: f64, sigma: f64) -> f64 {
    if d <= 0.0 {
        return 0.0;
    }
    let z = (d.ln() - median.ln()) / sigma;
    let radial = (-0.5 * z * z).exp() / (d * sigma * (2.0 * std::f64::consts::PI).sqrt());
    radial / (2.0 * std::f64::consts::PI * d)
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

fn circle(c: Coord, r: f64) -> Polygon {
    let ring: Vec<Coord> = (0..=24)
        .map(|i| {
            let t = std::f64::consts::TAU * (i % 24) as f64 / 24.0;
            Coord {
                x: c.x + r * t.cos(),
                y: c.y + r * t.sin(),
            }
        })
        .collect();
    Polygon::new(LineString::new(ring), vec![])
}

struct Building {
    id: String,
    at: Point,
    area: f64,
    leegstand: &'static str,
}

/// Writes the region of `seed` into `out`; returns its truth.
pub fn generate_study_region(out: &Path, seed: u64) -> Result<Truth, SynthError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_57DD);
    let [x0, y0, x1, y1] = STUDY_REGION;
    let mechanisms = Mechanisms {
        journey_median_m: rng.random_range(500.0..5_000.0),
        journey_sigma: rng.random_range(0.3..0.7),
        share_in_use: rng.random_range(0.1..0.6),
        share_unregistered: rng.random_range(0.0..0.3),
        satellite_detection: rng.random_range(0.2..0.9),
        satellite_decoys: rng.random_range(5..40),
        share_sewer: rng.random_range(0.1..0.8),
        history_years: rng.random_range(1..=4),
        background_per_year: rng.random_range(3.0..25.0),
    };
    let end =
        NaiveDate::parse_from_str(STUDY_END, "%Y-%m-%d").unwrap_or_default() - Duration::days(1);
    let cut = end - Duration::days(365);
    let start = cut - Duration::days(365 * mechanisms.history_years as i64);

    // Four municipalities, six catchments, villages as circles.
    let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let gemeenten = [
        square(x0, y0, xm, ym),
        square(xm, y0, x1, ym),
        square(x0, ym, xm, y1),
        square(xm, ym, x1, y1),
    ];
    let mut catchments = Vec::new();
    for j in 0..2 {
        for i in 0..3 {
            let w = (x1 - x0) / 3.0;
            let h = (y1 - y0) / 2.0;
            catchments.push(square(
                x0 + i as f64 * w,
                y0 + j as f64 * h,
                x0 + (i + 1) as f64 * w,
                y0 + (j + 1) as f64 * h,
            ));
        }
    }
    let mut villages: Vec<Polygon> = Vec::new();
    while villages.len() < 12 {
        let c = Coord {
            x: rng.random_range(x0 + 2_000.0..x1 - 2_000.0),
            y: rng.random_range(y0 + 2_000.0..y1 - 2_000.0),
        };
        let r = rng.random_range(400.0..1_400.0);
        if villages.iter().all(|v| {
            !v.contains(&Point::from(c))
                && geo::Distance::distance(&geo::Euclidean, &Point::from(c), v) > 3_000.0
        }) {
            villages.push(circle(c, r));
        }
    }
    let rural = |p: Point, villages: &[Polygon]| {
        (x0..x1).contains(&p.x())
            && (y0..y1).contains(&p.y())
            && villages
                .iter()
                .all(|v| geo::Distance::distance(&geo::Euclidean, &p, v) > 150.0)
    };

    // Buildings in farm clusters; a tenth vacant.
    let mut buildings: Vec<Building> = Vec::new();
    let mut unregistered: Vec<Point> = Vec::new();
    while buildings.len() < 3_000 {
        let farm = Point::new(rng.random_range(x0..x1), rng.random_range(y0..y1));
        if !rural(farm, &villages) {
            continue;
        }
        for _ in 0..rng.random_range(1..5) {
            let at = Point::new(
                farm.x() + rng.random_range(-120.0..120.0),
                farm.y() + rng.random_range(-120.0..120.0),
            );
            if !rural(at, &villages) {
                continue;
            }
            let u: f64 = rng.random_range(0.0..1.0);
            let leegstand = if u < 0.05 {
                "bevestigd"
            } else if u < 0.10 {
                "vermoedelijk"
            } else if u < 0.25 {
                "onbekend"
            } else {
                "nee"
            };
            let g = gemeenten.iter().position(|g| g.contains(&at)).unwrap_or(0);
            buildings.push(Building {
                id: format!("99{g:02}10000{:07}", buildings.len() + 1),
                at,
                area: (rng.random_range(5.0f64..8.0)).exp(),
                leegstand,
            });
        }
        if rng.random_range(0.0..1.0) < 0.03 {
            unregistered.push(Point::new(
                farm.x() + rng.random_range(-150.0..150.0),
                farm.y() + rng.random_range(-150.0..150.0),
            ));
        }
    }

    // Production sites with their active periods.
    let total_days = (end - start).num_days();
    let n_sites = rng.random_range(8..16) + 3 * mechanisms.history_years as usize;
    let vacant: Vec<usize> = (0..buildings.len())
        .filter(|&i| matches!(buildings[i].leegstand, "bevestigd" | "vermoedelijk"))
        .collect();
    let in_use: Vec<usize> = (0..buildings.len())
        .filter(|&i| !matches!(buildings[i].leegstand, "bevestigd" | "vermoedelijk"))
        .collect();
    let mut sites = Vec::new();
    let mut used = std::collections::HashSet::new();
    while sites.len() < n_sites {
        let u: f64 = rng.random_range(0.0..1.0);
        let (identificatie, at) = if u < mechanisms.share_unregistered && !unregistered.is_empty() {
            (None, unregistered[rng.random_range(0..unregistered.len())])
        } else {
            let pool = if rng.random_range(0.0..1.0) < mechanisms.share_in_use {
                &in_use
            } else {
                &vacant
            };
            // Large buildings are likelier hosts.
            let i = (0..4)
                .map(|_| pool[rng.random_range(0..pool.len())])
                .max_by(|&a, &b| buildings[a].area.total_cmp(&buildings[b].area))
                .unwrap_or(pool[0]);
            if !used.insert(i) {
                continue;
            }
            (Some(buildings[i].id.clone()), buildings[i].at)
        };
        let length = rng.random_range(180..900).min(total_days);
        let first = rng.random_range(-200..total_days - length / 2);
        sites.push(Site {
            identificatie,
            x: at.x(),
            y: at.y(),
            start: start + Duration::days(first.max(0)),
            end: (start + Duration::days(first + length)).min(end),
            rate_per_year: rng.random_range(4.0..12.0),
        });
    }

    // Dumpings: each site's along its journeys, plus the background.
    let mut dumpings: Vec<(NaiveDate, Point)> = Vec::new();
    for s in &sites {
        let days = (s.end - s.start).num_days() as f64;
        let n = poisson(&mut rng, s.rate_per_year * days / 365.0);
        for _ in 0..n {
            for _attempt in 0..20 {
                let d = mechanisms.journey_median_m
                    * (mechanisms.journey_sigma * normal(&mut rng)).exp();
                let t = rng.random_range(0.0..std::f64::consts::TAU);
                let p = Point::new(s.x + d * t.cos(), s.y + d * t.sin());
                if rural(p, &villages) {
                    let day = s.start + Duration::days(rng.random_range(0..=days as i64));
                    dumpings.push((day, p));
                    break;
                }
            }
        }
    }
    let n_background = poisson(
        &mut rng,
        mechanisms.background_per_year * total_days as f64 / 365.0,
    );
    for _ in 0..n_background {
        let p = Point::new(rng.random_range(x0..x1), rng.random_range(y0..y1));
        if rural(p, &villages) {
            dumpings.push((start + Duration::days(rng.random_range(0..=total_days)), p));
        }
    }
    dumpings.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.x().total_cmp(&b.1.x())));

    // Files.
    std::fs::create_dir_all(out.join("satelliet")).map_err(|source| SynthError::Io {
        path: out.display().to_string(),
        source,
    })?;
    let props = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
    write::geojson_rd(
        &out.join("gemeenten.geojson"),
        gemeenten
            .iter()
            .enumerate()
            .map(|(i, g)| {
                (
                    multipolygon(g.clone()),
                    props(json!({"statcode": format!("GM99{:02}", 50 + i), "statnaam": format!("Studiegemeente {}", i + 1)})),
                )
            })
            .collect(),
    )?;
    write::geojson_rd(
        &out.join("bebouwde_kom.geojson"),
        villages
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    multipolygon(v.clone()),
                    props(json!({"naam": format!("Kern {}", i + 1)})),
                )
            })
            .collect(),
    )?;
    write::geojson_rd(
        &out.join("rwzi.geojson"),
        catchments
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    multipolygon(c.clone()),
                    props(json!({"rwzi_code": format!("RWZI-S{}", i + 1), "rwzi_naam": format!("Studie {}", i + 1)})),
                )
            })
            .collect(),
    )?;
    write::geojson_rd(
        &out.join("panden.geojson"),
        buildings
            .iter()
            .map(|b| {
                (
                    geo::Geometry::Point(b.at),
                    props(json!({
                        "identificatie": b.id,
                        "oppervlakte": b.area.round(),
                        "leegstand": b.leegstand,
                        "status": "Pand in gebruik",
                    })),
                )
            })
            .collect(),
    )?;
    let rows: Vec<Vec<String>> = dumpings
        .iter()
        .enumerate()
        .map(|(i, (day, p))| {
            vec![
                format!("S-{i:05}"),
                day.to_string(),
                format!("{:.1}", p.x()),
                format!("{:.1}", p.y()),
            ]
        })
        .collect();
    write::csv(
        &out.join("dumpingen.csv"),
        &["incident_id", "datum", "x", "y"],
        &rows,
    )?;

    // Sewage: a daily amphetamine load per plant; a discharging active
    // site adds a spike every two to four weeks.
    let mut rows = Vec::new();
    let discharging: Vec<(usize, &Site)> = sites
        .iter()
        .filter(|_| rng.random_range(0.0..1.0) < mechanisms.share_sewer)
        .filter_map(|s| {
            catchments
                .iter()
                .position(|c| c.contains(&Point::new(s.x, s.y)))
                .map(|c| (c, s))
        })
        .collect();
    let mut next_spike: Vec<NaiveDate> = discharging
        .iter()
        .map(|(_, s)| s.start + Duration::days(rng.random_range(0..28)))
        .collect();
    let mut day = start;
    while day <= end {
        for (c, _) in catchments.iter().enumerate() {
            let base = 150.0 + 40.0 * c as f64;
            let mut load = base * (0.12 * normal(&mut rng)).exp();
            for (k, (sc, s)) in discharging.iter().enumerate() {
                if *sc == c && day >= s.start && day <= s.end && day >= next_spike[k] {
                    load += base * rng.random_range(4.0..10.0);
                    next_spike[k] = day + Duration::days(rng.random_range(14..28));
                }
            }
            rows.push(vec![
                format!("RWZI-S{}", c + 1),
                day.to_string(),
                "amfetamine".into(),
                format!("{load:.1}"),
            ]);
        }
        day += Duration::days(1);
    }
    write::csv(
        &out.join("rioolmetingen.csv"),
        &["rwzi_code", "datum", "stof", "vracht_g_d"],
        &rows,
    )?;

    // Satellite: one dated anomaly tile per half year (100 m), sites seen
    // while active with the detection chance, decoys always.
    let decoys: Vec<Point> = (0..mechanisms.satellite_decoys)
        .map(|_| buildings[rng.random_range(0..buildings.len())].at)
        .collect();
    let (w, h) = (((x1 - x0) / 100.0) as usize, ((y1 - y0) / 100.0) as usize);
    let mut date = start + Duration::days(90);
    while date <= end {
        let mut values = vec![0f32; w * h];
        for v in values.iter_mut() {
            *v = (0.4 * normal(&mut rng)) as f32;
        }
        let mut hot: Vec<(Point, f64)> = decoys
            .iter()
            .map(|&p| (p, rng.random_range(2.0..6.0)))
            .collect();
        for s in &sites {
            if date >= s.start
                && date <= s.end
                && rng.random_range(0.0..1.0) < mechanisms.satellite_detection
            {
                hot.push((Point::new(s.x, s.y), rng.random_range(3.0..7.0)));
            }
        }
        for (p, amp) in hot {
            let (cx, cy) = (((p.x() - x0) / 100.0) as i64, ((y1 - p.y()) / 100.0) as i64);
            for dy in -3..=3i64 {
                for dx in -3..=3i64 {
                    let (c, r) = (cx + dx, cy + dy);
                    if c >= 0 && r >= 0 && (c as usize) < w && (r as usize) < h {
                        let d2 = (dx * dx + dy * dy) as f64;
                        values[r as usize * w + c as usize] += (amp * (-d2 / 2.0).exp()) as f32;
                    }
                }
            }
        }
        write::geotiff(
            &out.join(format!("satelliet/anomalie_{}.tif", date.format("%Y%m%d"))),
            28992,
            [x0, 100.0, 0.0, y1, 0.0, -100.0],
            (w, h),
            values,
            -9999.0,
            "anomalie (°C)",
        )?;
        date += Duration::days(182);
    }

    let project = format!(
        "# Studieregio, seed {seed}\nname = \"Studieregio {seed}\"\nas_of = \"{cut}\"\n\n\
         [layers.gemeenten]\npath = \"gemeenten.geojson\"\n\n[layers.bebouwde_kom]\npath = \"bebouwde_kom.geojson\"\n\n\
         [layers.panden]\npath = \"panden.geojson\"\n\n[layers.dumpingen]\npath = \"dumpingen.csv\"\n\n\
         [layers.rwzi]\npath = \"rwzi.geojson\"\n\n[layers.rioolmetingen]\npath = \"rioolmetingen.csv\"\n\n\
         [layers.satelliet]\npath = \"satelliet\"\n"
    );
    write::atomic_write(&out.join("buitenzicht.toml"), project.as_bytes())?;
    let truth = Truth {
        seed,
        mechanisms,
        sites,
        start,
        cut,
        end,
    };
    write::atomic_write(
        &out.join("waarheid.json"),
        serde_json::to_string_pretty(&truth)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    Ok(truth)
}

/// A Poisson draw (Knuth for small means, normal beyond).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> usize {
    if mean > 30.0 {
        return (mean + mean.sqrt() * normal(rng)).round().max(0.0) as usize;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.random_range(0.0..1.0);
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The journey density integrates to one over the plane.
    #[test]
    fn journey_density_integrates_to_one() {
        let (median, sigma) = (2_000.0, 0.5);
        let mut total = 0.0;
        let dr = 5.0;
        let mut r = dr / 2.0;
        while r < 40_000.0 {
            total += journey_density(r, median, sigma) * std::f64::consts::TAU * r * dr;
            r += dr;
        }
        assert!((total - 1.0).abs() < 1e-3, "{total}");
    }

    /// The references the study measures against differ only in which
    /// sites they count and for how many days of the test year.
    #[test]
    fn references_count_the_sites_the_past_can_show() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let site = |x: f64, start: &str, end: &str| Site {
            identificatie: None,
            x,
            y: 0.0,
            start: day(start),
            end: day(end),
            rate_per_year: 10.0,
        };
        let truth = Truth {
            seed: 0,
            mechanisms: Mechanisms {
                journey_median_m: 1_000.0,
                journey_sigma: 0.5,
                share_in_use: 0.0,
                share_unregistered: 0.0,
                satellite_detection: 0.0,
                satellite_decoys: 0,
                share_sewer: 0.0,
                history_years: 1,
                background_per_year: 0.0,
            },
            sites: vec![
                // Runs at the cut and stops half-way through the test year.
                site(0.0, "2024-06-01", "2025-06-01"),
                // Ended before the cut.
                site(50_000.0, "2024-01-01", "2024-06-01"),
                // Starts on the cut day itself: running at the cut.
                site(100_000.0, "2024-12-01", "2026-03-01"),
                // Starts after the cut.
                site(150_000.0, "2025-03-01", "2026-03-01"),
            ],
            start: day("2023-11-01"),
            cut: day("2024-12-01"),
            end: day("2025-12-01"),
        };
        let f = journey_density(1_000.0, 1_000.0, 0.5);
        // Truth, running at the cut (whole year), running until its end;
        // the other sites are 50 km or more away: a trace.
        let at = |x: f64| {
            [
                truth.intensity(x + 1_000.0, 0.0, 1.0),
                truth.intensity_running_at_cut(x + 1_000.0, 0.0, 1.0),
                truth.intensity_running_to_end(x + 1_000.0, 0.0, 1.0),
            ]
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        // 2024-12-02 to 2025-06-01: 182 days.
        let [t, k, r] = at(0.0);
        assert!(close(t, 10.0 * 182.0 / 365.0 * f), "{t}");
        assert!(close(r, t) && close(k, 10.0 * f), "{t} {k} {r}");
        let [t, k, r] = at(50_000.0);
        assert!(t < 1e-9 * f && k < 1e-9 * f && r < 1e-9 * f, "{t} {k} {r}");
        let [t, k, r] = at(100_000.0);
        assert!(
            close(t, 10.0 * f) && close(k, t) && close(r, t),
            "{t} {k} {r}"
        );
        let [t, k, r] = at(150_000.0);
        assert!(t > 0.5 * f && k < 1e-9 * f && r < 1e-9 * f, "{t} {k} {r}");
    }

    #[test]
    fn same_seed_same_region_other_seed_other_mechanisms() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ta = generate_study_region(a.path(), 3).unwrap();
        let tb = generate_study_region(b.path(), 3).unwrap();
        assert_eq!(
            std::fs::read(a.path().join("dumpingen.csv")).unwrap(),
            std::fs::read(b.path().join("dumpingen.csv")).unwrap()
        );
        assert_eq!(ta.sites.len(), tb.sites.len());
        let tc = generate_study_region(b.path(), 4).unwrap();
        assert_ne!(
            ta.mechanisms.journey_median_m,
            tc.mechanisms.journey_median_m
        );
        assert!(!ta.active_buildings().is_empty() || !tc.active_buildings().is_empty());
    }
}
