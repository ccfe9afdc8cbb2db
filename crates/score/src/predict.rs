//! What `run` computes: a dumping-risk map chosen out of sample, and the
//! buildings ranked by how likely they host production.
//!
//! Two questions, one intensity model. The expected number of dumpings in a
//! cell over the coming window is a sum of sources, each of which can only
//! add (see [`crate::additive`]):
//!
//! ```text
//! λ(c) = θ₀ · background
//!      + θ₁ · near-repeat density of past dumpings            (bandwidth h)
//!      + Σⱼ θⱼ · Σ_b xⱼ(b) · f_m(|c − b|)                     (buildings b)
//! ```
//!
//! where `xⱼ(b)` are a building's traits as of the cut — present at all,
//! confirmed or suspected vacancy, floor area, the satellite anomaly on it,
//! its share of the sewage spikes of its catchment (shared over the
//! catchment's buildings, not painted on its area), past dumpings within a
//! journey of it — and `f_m` is the journey-to-dump distance
//! ([`crate::journey`]) with median `m`. A building's weight
//! `Σⱼ θⱼ xⱼ(b)` is its share of the coming dumpings: the inspection lists
//! rank by it.
//!
//! **Honest training.** Cut dates are laid every [`STEP_DAYS`] inside the
//! history; at each cut every trait is taken as of that day (nothing dated
//! after it: dumpings, sewage, satellite tiles by acquisition date, vacancy
//! by record date) and the outcome is the dumpings of the
//! window after it: a year, as the map looks a year ahead, or as much as
//! the history allows down to [`MIN_WINDOW_DAYS`]. Fits pool the cuts.
//!
//! **Choice.** Candidates are the kernel density of past dumpings at
//! bandwidths 250 m–4 km (what analysts already have) and the building
//! model at each journey median. Each is scored forward: fitted on the cuts
//! before one, tested on the next. The one with the most future dumpings in
//! its top 5 % of the buitengebied wins; a tie goes to the density. With
//! fewer than [`MIN_CUTS`] cuts the density is used and the report says why.

use crate::additive::{self, AdditiveFit};
use crate::backtest::evaluate;
use crate::bootstrap;
use crate::config::ScoreConfig;
use crate::density::{kernel_density, WeightedPoint};
use crate::grid::GridSpec;
use crate::inspection::{Contributions, Inspection, InspectionList};
use crate::journey::Journey;
use crate::model::{dumping_points, Base, RiskModel, Weighting};
use crate::sewage::{catchment_score, detect_spikes, Spike};
use crate::{satellite, ScoreError};
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::{Dataset, Leegstand, SatellietTegel};
use chrono::{Duration, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;

/// Days of outcome after each cut, at most and at least.
pub const WINDOW_DAYS: i64 = 365;
pub const MIN_WINDOW_DAYS: i64 = 90;
/// Days between cuts.
pub const STEP_DAYS: i64 = 60;
/// History needed before the first cut.
pub const WARM_UP_DAYS: i64 = 180;
/// At most this many cuts, the latest.
pub const MAX_CUTS: usize = 5;
/// Fewer cuts than this cannot test a fitted model out of sample.
pub const MIN_CUTS: usize = 2;
/// Bandwidths of the density candidates, metres.
pub const BANDWIDTHS_M: [f64; 5] = [250.0, 500.0, 1_000.0, 2_000.0, 4_000.0];
/// Journey medians tried, metres.
pub const MEDIANS_M: [f64; 4] = [500.0, 1_000.0, 2_000.0, 4_000.0];
/// Side of the cells the model is fitted on, metres (a multiple of the
/// grid's cell): journeys are kilometres, so 200 m loses nothing.
const FIT_CELL_M: f64 = 200.0;
/// Share of the buitengebied at which candidates are compared.
const SELECTION_SHARE: f64 = 0.05;

/// The building traits, in this order.
pub const TRAITS: [&str; 7] = [
    "pand",
    "leegstand bevestigd",
    "leegstand vermoedelijk",
    "oppervlakte",
    "satelliet",
    "riool",
    "dumpingen nabij",
];
/// The indicator (in `Indicator::ALL` order) each trait's share of the map
/// is shown under.
const TRAIT_INDICATOR: [usize; 7] = [0, 0, 0, 0, 3, 2, 1];

/// What `run` computes.
#[derive(Debug, Clone)]
pub struct Prediction {
    pub model: RiskModel,
    pub lists: Vec<InspectionList>,
    pub report: SelectionReport,
}

/// Why the map is what it is.
#[derive(Debug, Clone, Serialize)]
pub struct SelectionReport {
    pub as_of: NaiveDate,
    pub cuts: Vec<NaiveDate>,
    pub window_days: i64,
    /// Each candidate's forward test.
    pub candidates: Vec<Candidate>,
    /// The candidate used for the map.
    pub chosen: String,
    /// Why, in Dutch.
    pub reason: String,
    /// The building model's coefficients per trait (fitted on all cuts),
    /// with the journey median; `None` without enough history.
    pub building_model: Option<BuildingModel>,
}

/// One candidate's forward test.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub name: String,
    /// Dumpings in the top 5 % of the buitengebied, summed over the tested
    /// cuts, and all dumpings of those cuts.
    pub hits: u32,
    pub events: u32,
    pub pai_5: f64,
}

/// The fitted building model.
#[derive(Debug, Clone, Serialize)]
pub struct BuildingModel {
    pub journey_median_m: f64,
    pub bandwidth_m: f64,
    /// Background, near-repeat, then one per trait of [`TRAITS`].
    pub theta: Vec<f64>,
    pub deviance: f64,
    /// Every coefficient with its block-bootstrap interval, in `theta`'s
    /// order.
    pub coefficients: Vec<Coefficient>,
    pub replicates: usize,
    pub block_m: f64,
}

/// One coefficient of the building model and its 95 % interval.
#[derive(Debug, Clone, Serialize)]
pub struct Coefficient {
    pub name: String,
    pub theta: f64,
    /// θ over Σθ: the share of the expected dumpings this source explains.
    pub share: f64,
    pub share_interval: bootstrap::Interval,
    /// For a building trait: a building's expected dumpings with the trait
    /// at 1 over a building without it (`None` for background,
    /// near-repeat and "pand", or when no plain building carries weight).
    pub relative_risk: Option<f64>,
    pub relative_risk_interval: Option<bootstrap::Interval>,
    /// The interval reaches a share below [`NULL_SHARE`]: the data do not
    /// show that this source adds anything.
    pub includes_null: bool,
}

impl std::fmt::Display for SelectionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "modelkeuze peildatum {}: {} ijkmomenten ({}), steeds {} dagen vooruit getoetst",
            self.as_of,
            self.cuts.len(),
            self.cuts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            self.window_days
        )?;
        for c in &self.candidates {
            writeln!(
                f,
                "  {:<32} {:>3} van {:>3} dumpingen in de hoogste 5 %  PAI {:>5.2}",
                c.name, c.hits, c.events, c.pai_5
            )?;
        }
        if let Some(m) = &self.building_model {
            // Every column has mean 1 over the buitengebied, so θ over Σθ is
            // the share of the expected dumpings each source explains.
            let total: f64 = m.theta.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let share = |t: f64| 100.0 * t / total;
            write!(
                f,
                "pandenmodel (reisafstand {:.0} m, dichtheid {:.0} m), aandeel in de verwachte dumpingen: achtergrond {:.0} %, herhaling {:.0} %",
                m.journey_median_m,
                m.bandwidth_m,
                share(m.theta[0]),
                share(m.theta[1])
            )?;
            for (name, &t) in TRAITS.iter().zip(&m.theta[2..]) {
                write!(f, ", {name} {:.0} %", share(t))?;
            }
            writeln!(f)?;
            writeln!(
                f,
                "  95 %-intervallen uit een ruimtelijke blokbootstrap ({} trekkingen, blokken van {:.0} m):",
                m.replicates, m.block_m
            )?;
            for c in &m.coefficients {
                writeln!(f, "  {}", c.describe())?;
            }
        }
        writeln!(f, "gekozen: {} — {}", self.chosen, self.reason)
    }
}

/// Everything that does not change between candidates at one cut.
struct Cut {
    date: NaiveDate,
    /// Dumpings per fit cell in the window after the cut.
    outcome: Vec<f64>,
    /// Building traits as of the cut, per building in `Dataset::panden`.
    traits: Vec<[f64; 7]>,
    /// Decayed past dumpings.
    past: Vec<WeightedPoint>,
}

/// The fit grid and how fine cells fall into it.
struct FitGrid {
    spec: GridSpec,
    /// Share of each fit cell that is buitengebied (0..1).
    exposure: Vec<f64>,
    /// Fit cells counted in comparisons (mostly buitengebied).
    scored: Vec<bool>,
}

/// Scores as of `as_of`: the map chosen out of sample and the buildings
/// ranked by the building model.
pub fn predict(
    data: &Dataset,
    config: &ScoreConfig,
    as_of: NaiveDate,
) -> Result<Prediction, ScoreError> {
    let mut base = Base::new(data, config, as_of)?;
    base.satellite_anomaly =
        satellite::resample_where(&base.spec, &data.satelliet, &data.satelliet_index, |t| {
            dated_before(t, as_of)
        })?;
    let fit = fit_grid(&base);
    let (cuts, window) = cut_dates(data, as_of);
    let prepared: Vec<Cut> = cuts
        .iter()
        .map(|&t| prepare_cut(data, config, &base, &fit, t, window))
        .collect::<Result<_, _>>()?;

    // The densities need no fit: every cut tests them.
    let mut candidates = Vec::new();
    let mut best_kde = (BANDWIDTHS_M[2], None::<Candidate>);
    for &h in &BANDWIDTHS_M {
        // Tested on the same cuts as the fitted candidates: all but the first.
        let tested = if prepared.len() >= MIN_CUTS { 1 } else { 0 };
        let (hits, events) = prepared[tested..]
            .iter()
            .map(|c| {
                let kde = to_f64(&kernel_density(&fit.spec, &c.past, h));
                top_hits(&kde, &c.outcome, &fit.scored)
            })
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let candidate = Candidate {
            name: format!("kerndichtheid dumpingen {h:.0} m"),
            hits,
            events,
            pai_5: pai(hits, events),
        };
        if best_kde.1.as_ref().is_none_or(|b| candidate.hits > b.hits) {
            best_kde = (h, Some(candidate.clone()));
        }
        candidates.push(candidate);
    }
    let (h, kde) = (best_kde.0, best_kde.1);

    // The building model per journey median, fitted forward.
    let mut best_building: Option<(f64, Candidate)> = None;
    if prepared.len() >= MIN_CUTS {
        for &m in &MEDIANS_M {
            let journey = Journey::new(m);
            let designs: Vec<CutDesign> = prepared
                .iter()
                .map(|c| design(data, &fit, c, journey, h))
                .collect();
            let (mut hits, mut events) = (0, 0);
            for k in 1..designs.len() {
                let theta = fit_pooled(&designs[..k], &prepared[..k], &fit).theta;
                let mut lambda = vec![0.0; fit.spec.len()];
                additive::intensity(&designs[k].columns, &theta, &fit.exposure, &mut lambda);
                let (h_, e_) = top_hits(&lambda, &prepared[k].outcome, &fit.scored);
                hits += h_;
                events += e_;
            }
            let candidate = Candidate {
                name: format!("panden, reisafstand {m:.0} m"),
                hits,
                events,
                pai_5: pai(hits, events),
            };
            if best_building
                .as_ref()
                .is_none_or(|(_, b)| candidate.hits > b.hits)
            {
                best_building = Some((m, candidate.clone()));
            }
            candidates.push(candidate);
        }
    }
    // Fewer events tested for the building model (it skips the first cut):
    // compare rates, not counts.
    let kde_rate = kde.as_ref().map_or(0.0, |k| rate(k.hits, k.events));
    let building_wins = best_building
        .as_ref()
        .is_some_and(|(_, b)| rate(b.hits, b.events) > kde_rate);

    // The building model on all cuts, for the ranking and (if it won) the map.
    let building_model = match &best_building {
        Some((m, _)) => {
            let journey = Journey::new(*m);
            let designs: Vec<CutDesign> = prepared
                .iter()
                .map(|c| design(data, &fit, c, journey, h))
                .collect();
            let f = fit_pooled(&designs, &prepared, &fit);
            Some((journey, designs, f))
        }
        None => None,
    };

    let now = prepare_cut(data, config, &base, &fit, as_of, window)?;
    let building_model = building_model.map(|(journey, designs, f)| {
        let now_design = design(data, &fit, &now, journey, h);
        let replicates = config.calibration.bootstrap;
        let coefficients = intervals(
            &designs,
            &prepared,
            &fit,
            &f.theta,
            &now_design.scales,
            replicates,
        );
        let model = BuildingModel {
            journey_median_m: journey.median_m,
            bandwidth_m: h,
            theta: f.theta,
            deviance: f.deviance,
            coefficients,
            replicates,
            block_m: bootstrap::BLOCK_M,
        };
        (model, now_design)
    });
    let building_model = building_model.map(|(m, _)| m);
    let weights = building_weights(&now, building_model.as_ref());
    let (chosen, reason, contributions) = match (&building_model, building_wins) {
        (Some(bm), true) => {
            let b = best_building.as_ref().map(|(_, b)| b.clone());
            let b = b.unwrap_or_else(|| Candidate {
                name: String::new(),
                hits: 0,
                events: 0,
                pai_5: 0.0,
            });
            (
                b.name.clone(),
                format!(
                    "vangt vooruit getoetst {:.0} % van de latere dumpingen in de hoogste 5 %, tegen {:.0} % voor de beste kerndichtheid ({})",
                    100.0 * rate(b.hits, b.events),
                    100.0 * kde_rate,
                    kde.as_ref().map_or(String::new(), |k| k.name.clone())
                ),
                building_map(data, config, &base, &fit, &now, bm)?,
            )
        }
        _ => {
            let name = kde
                .as_ref()
                .map_or(format!("kerndichtheid dumpingen {h:.0} m"), |k| {
                    k.name.clone()
                });
            let reason = if prepared.len() < MIN_CUTS {
                format!(
                    "te weinig geschiedenis om een model buiten de steekproef te toetsen ({} ijkmoment(en), minstens {MIN_CUTS} nodig: {} dagen aanloop plus {} dagen uitkomst per moment); de kaart is de kerndichtheid van eerdere dumpingen",
                    prepared.len(),
                    WARM_UP_DAYS,
                    MIN_WINDOW_DAYS
                )
            } else {
                format!(
                    "het pandenmodel voorspelde vooruit getoetst niet beter ({:.0} % tegen {:.0} % van de latere dumpingen in de hoogste 5 %)",
                    100.0 * best_building.as_ref().map_or(0.0, |(_, b)| rate(b.hits, b.events)),
                    100.0 * kde_rate
                )
            };
            let mut kde_fine = kernel_density(&base.spec, &dumping_points(data, config, as_of), h);
            let max = max_in(&kde_fine, &base.buitengebied);
            if max > 0.0 {
                kde_fine.par_iter_mut().for_each(|v| *v *= 100.0 / max);
            }
            let zeros = vec![0f32; base.spec.len()];
            (
                name,
                reason,
                [zeros.clone(), kde_fine, zeros.clone(), zeros],
            )
        }
    };

    let full = contributions
        .each_ref()
        .map(|c| max_in(c, &base.buitengebied).max(f32::MIN_POSITIVE));
    let model = base.into_model(
        config,
        as_of,
        Weighting::Gekozen {
            model: chosen.clone(),
        },
        contributions,
        full,
        [1.0; 4],
    );
    let lists = rank_buildings(data, &model, &now, building_model.as_ref(), &weights)?;
    Ok(Prediction {
        model,
        lists,
        report: SelectionReport {
            as_of,
            cuts,
            window_days: window,
            candidates,
            chosen,
            reason,
            building_model,
        },
    })
}

fn rate(hits: u32, events: u32) -> f64 {
    if events > 0 {
        hits as f64 / events as f64
    } else {
        0.0
    }
}

fn pai(hits: u32, events: u32) -> f64 {
    rate(hits, events) / SELECTION_SHARE
}

fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn max_in(values: &[f32], mask: &[bool]) -> f32 {
    values
        .iter()
        .zip(mask)
        .filter(|(v, &m)| m && v.is_finite())
        .map(|(v, _)| *v)
        .fold(0.0, f32::max)
}

/// Taken on or before `date`, or undated (then flagged at ingest).
fn dated_before(tile: &SatellietTegel, date: NaiveDate) -> bool {
    tile.datum.is_none_or(|d| d <= date)
}

/// Cut dates and the outcome window: every [`STEP_DAYS`] from
/// [`WARM_UP_DAYS`] after the first record to a window before `as_of`, the
/// latest [`MAX_CUTS`]; the window as long as [`MIN_CUTS`] cuts allow.
fn cut_dates(data: &Dataset, as_of: NaiveDate) -> (Vec<NaiveDate>, i64) {
    let first = data
        .dumpingen
        .iter()
        .map(|d| d.datum)
        .chain(data.rioolmetingen.iter().map(|m| m.datum))
        .filter(|&d| d <= as_of)
        .min();
    let Some(first) = first else {
        return (Vec::new(), WINDOW_DAYS);
    };
    let span = (as_of - first).num_days();
    let window = (span - WARM_UP_DAYS - STEP_DAYS * (MIN_CUTS as i64 - 1))
        .clamp(MIN_WINDOW_DAYS, WINDOW_DAYS);
    let last = as_of - Duration::days(window);
    let mut cuts = Vec::new();
    let mut t = last;
    while t >= first + Duration::days(WARM_UP_DAYS) && cuts.len() < MAX_CUTS {
        cuts.push(t);
        t -= Duration::days(STEP_DAYS);
    }
    cuts.reverse();
    (cuts, window)
}

fn fit_grid(base: &Base) -> FitGrid {
    let factor = (FIT_CELL_M / base.spec.cell).round().max(1.0);
    let spec = GridSpec::covering(base.spec.bbox(), base.spec.cell * factor);
    let mut inside = vec![0.0; spec.len()];
    let mut all = vec![0.0; spec.len()];
    for row in 0..base.spec.rows {
        for col in 0..base.spec.cols {
            let [x, y] = base.spec.centre(col, row);
            if let Some((c, r)) = spec.cell_at(x, y) {
                let i = spec.index(c, r);
                all[i] += 1.0;
                if base.buitengebied[base.spec.index(col, row)] {
                    inside[i] += 1.0;
                }
            }
        }
    }
    let exposure: Vec<f64> = inside
        .iter()
        .zip(&all)
        .map(|(&a, &n)| if n > 0.0 { a / n } else { 0.0 })
        .collect();
    let scored = exposure.iter().map(|&e| e >= 0.5).collect();
    FitGrid {
        spec,
        exposure,
        scored,
    }
}

/// Dumpings in (`t`, `t` + window] per fit cell, counted where the fine
/// cell is buitengebied.
fn outcome(data: &Dataset, base: &Base, fit: &FitGrid, t: NaiveDate, window: i64) -> Vec<f64> {
    let mut y = vec![0.0; fit.spec.len()];
    let end = t + Duration::days(window);
    for d in data
        .dumpingen
        .iter()
        .filter(|d| d.datum > t && d.datum <= end)
    {
        let (x, yy) = (d.location.x(), d.location.y());
        let inside = base
            .spec
            .cell_at(x, yy)
            .is_some_and(|(c, r)| base.buitengebied[base.spec.index(c, r)]);
        if let (true, Some((c, r))) = (inside, fit.spec.cell_at(x, yy)) {
            y[fit.spec.index(c, r)] += 1.0;
        }
    }
    y
}

/// Traits of every building as of `t`, the past dumpings, the outcome.
fn prepare_cut(
    data: &Dataset,
    config: &ScoreConfig,
    base: &Base,
    fit: &FitGrid,
    t: NaiveDate,
    window: i64,
) -> Result<Cut, ScoreError> {
    // Satellite: tiles of the year before the cut (and undated ones).
    let anomaly =
        satellite::resample_where(&base.spec, &data.satelliet, &data.satelliet_index, |tile| {
            tile.datum
                .is_none_or(|d| d <= t && d > t - Duration::days(365))
        })?;
    let sc = &config.satelliet;
    let sat_at = |x: f64, y: f64| -> f64 {
        base.spec
            .cell_at(x, y)
            .map(|(c, r)| anomaly[base.spec.index(c, r)])
            .filter(|v| v.is_finite())
            .map_or(0.0, |v| {
                ((v as f64 - sc.anomaly_low_c) / (sc.anomaly_high_c - sc.anomaly_low_c))
                    .clamp(0.0, 1.0)
            })
    };
    // Sewage: each catchment's signal shared over its buildings.
    let spikes = detect_spikes(&data.rioolmetingen, &config.riool, t);
    let catchment: Vec<f64> = data
        .rwzi
        .iter()
        .map(|r| {
            let own: Vec<&Spike> = spikes
                .iter()
                .filter(|s| s.rwzi_code == r.rwzi_code)
                .collect();
            catchment_score(&own, &config.riool, t)
        })
        .collect();
    let plant_of: Vec<Option<usize>> = data
        .panden
        .iter()
        .map(|p| {
            data.rwzi_index
                .containing([p.centroid.x(), p.centroid.y()])
                .next()
        })
        .collect();
    let mut per_plant = vec![0usize; data.rwzi.len()];
    for k in plant_of.iter().flatten() {
        per_plant[*k] += 1;
    }
    let mean_per_plant = per_plant.iter().sum::<usize>() as f64 / per_plant.len().max(1) as f64;
    let past = dumping_points(data, config, t);
    let traits = data
        .panden
        .par_iter()
        .zip(&plant_of)
        .map(|(p, plant)| {
            let known = |d: Option<NaiveDate>| d.is_none_or(|d| d <= t);
            let vacant = |l: Leegstand| (p.leegstand == l && known(p.leegstand_datum)) as u8 as f64;
            let riool = plant.map_or(0.0, |k| {
                catchment[k] * mean_per_plant / per_plant[k].max(1) as f64
            });
            [
                1.0,
                vacant(Leegstand::Bevestigd),
                vacant(Leegstand::Vermoedelijk),
                (p.oppervlakte / 1_000.0).clamp(0.0, 3.0),
                sat_at(p.centroid.x(), p.centroid.y()),
                riool,
                0.0, // past dumpings near: depends on the journey, see `design`
            ]
        })
        .collect();
    Ok(Cut {
        date: t,
        outcome: outcome(data, base, fit, t, window),
        traits,
        past,
    })
}

/// Past dumpings within a journey of each building: Σ w · f_m(d), scaled
/// so a dump at the median distance counts about one.
fn nearby_dumpings(data: &Dataset, past: &[WeightedPoint], journey: Journey) -> Vec<f64> {
    let index = buitenzicht_ingest::PointIndex::new(past.iter().map(|p| geo::Point::new(p.x, p.y)));
    let norm = 1.0 / journey.density(journey.median_m);
    data.panden
        .par_iter()
        .map(|b| {
            index
                .within_distance([b.centroid.x(), b.centroid.y()], journey.reach())
                .into_iter()
                .map(|(i, d)| past[i].weight * journey.density(d) * norm)
                .sum()
        })
        .collect()
}

/// The design of one cut on the fit grid.
struct CutDesign {
    /// Background, near-repeat, one column per trait; every column scaled
    /// to mean 1 over the buitengebied.
    columns: Vec<Vec<f64>>,
    /// What each raw column was multiplied by: θⱼ · scaleⱼ is the expected
    /// dumpings per unit of trait j at one building.
    scales: Vec<f64>,
}

/// The design of one cut on the fit grid: background, near-repeat, one
/// column per trait; every column scaled to mean 1 over the buitengebied.
fn design(data: &Dataset, fit: &FitGrid, cut: &Cut, journey: Journey, h: f64) -> CutDesign {
    let mut columns = vec![vec![1.0; fit.spec.len()]];
    columns.push(to_f64(&kernel_density(&fit.spec, &cut.past, h)));
    let nearby = nearby_dumpings(data, &cut.past, journey);
    let trait_columns: Vec<Vec<f64>> = (0..TRAITS.len())
        .into_par_iter()
        .map(|j| {
            let points: Vec<WeightedPoint> = data
                .panden
                .iter()
                .zip(&cut.traits)
                .zip(&nearby)
                .filter_map(|((p, t), &n)| {
                    let w = if j == 6 { n } else { t[j] };
                    (w > 0.0).then(|| WeightedPoint {
                        x: p.centroid.x(),
                        y: p.centroid.y(),
                        weight: w,
                    })
                })
                .collect();
            to_f64(&journey.surface(&fit.spec, &points))
        })
        .collect();
    columns.extend(trait_columns);
    let mut scales = Vec::with_capacity(columns.len());
    for col in columns.iter_mut() {
        let (sum, n) = col
            .iter()
            .zip(&fit.exposure)
            .fold((0.0, 0.0), |(s, n), (&v, &e)| (s + v * e, n + e));
        let mean = if n > 0.0 { sum / n } else { 0.0 };
        if mean > 0.0 {
            col.iter_mut().for_each(|v| *v /= mean);
            scales.push(1.0 / mean);
        } else {
            scales.push(0.0);
        }
    }
    CutDesign { columns, scales }
}

/// One fit over the pooled cuts.
fn fit_pooled(designs: &[CutDesign], cuts: &[Cut], fit: &FitGrid) -> AdditiveFit {
    let k = designs[0].columns.len();
    let z: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            designs
                .iter()
                .flat_map(|d| d.columns[j].iter().copied())
                .collect()
        })
        .collect();
    let y: Vec<f64> = cuts
        .iter()
        .flat_map(|c| c.outcome.iter().copied())
        .collect();
    let e: Vec<f64> = cuts
        .iter()
        .flat_map(|_| fit.exposure.iter().copied())
        .collect();
    additive::fit(&z, &y, &e, 2_000)
}

/// Outcomes in the top share of `scores` over the scored fit cells.
fn top_hits(scores: &[f64], outcome: &[f64], scored: &[bool]) -> (u32, u32) {
    let s: Vec<f32> = scores
        .iter()
        .zip(scored)
        .map(|(&v, &ok)| if ok { v as f32 } else { f32::NAN })
        .collect();
    let events: Vec<u32> = outcome.iter().map(|&v| v as u32).collect();
    let m = &evaluate(&s, &events, &[SELECTION_SHARE])[0];
    let total: u32 = events
        .iter()
        .zip(scored)
        .filter(|(_, &ok)| ok)
        .map(|(e, _)| e)
        .sum();
    (m.hits, total)
}

/// Each building's weight per trait, θⱼ · xⱼ(b), using the building
/// model's coefficients (without one: every trait weighs the same).
///
/// The columns were scaled to mean 1, so the model's per-building effect
/// of trait j is θⱼ · scaleⱼ, which multiplies a rare trait by its rarity.
/// Ranking by that was measured worse in the simulation study (recall at
/// 50 of seeds 1 and 2: 25 % and 50 % against 50 % and 75 % with θⱼ · xⱼ):
/// with tens of dumpings the θ of a rare trait is too noisy to be blown up
/// by its rarity. θⱼ · xⱼ shrinks toward equal weighting per trait share;
/// the relative risks in the report are the model's own (θⱼ · scaleⱼ).
fn building_weights(cut: &Cut, model: Option<&BuildingModel>) -> Vec<[f64; 7]> {
    cut.traits
        .iter()
        .map(|t| {
            let mut w = [0.0; 7];
            for j in 0..TRAITS.len() {
                let theta = model.map_or(1.0, |m| m.theta[j + 2]);
                w[j] = theta * t[j];
            }
            w
        })
        .collect()
}

/// Replicates of the pooled fit on spatial blocks drawn with replacement
/// ([`crate::bootstrap`]): a block holds its cells in every cut.
fn replicate_thetas(
    designs: &[CutDesign],
    cuts: &[Cut],
    fit: &FitGrid,
    theta: &[f64],
    replicates: usize,
) -> Vec<Vec<f64>> {
    let (block_of, blocks) = bootstrap::blocks_of(
        (0..fit.spec.len()).map(|i| fit.spec.centre(i % fit.spec.cols, i / fit.spec.cols)),
        bootstrap::BLOCK_M,
    );
    // Only cells that carry exposure take part.
    let rows: Vec<(usize, usize)> = (0..designs.len())
        .flat_map(|c| (0..fit.spec.len()).map(move |i| (c, i)))
        .filter(|&(_, i)| fit.exposure[i] > 0.0)
        .collect();
    let k = theta.len();
    let z: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            rows.iter()
                .map(|&(c, i)| designs[c].columns[j][i])
                .collect()
        })
        .collect();
    (0..replicates)
        .into_par_iter()
        .map(|r| {
            let counts = bootstrap::block_counts(blocks, bootstrap::SEED, r);
            let w: Vec<f64> = rows.iter().map(|&(_, i)| counts[block_of[i]]).collect();
            let y: Vec<f64> = rows
                .iter()
                .zip(&w)
                .map(|(&(c, i), w)| cuts[c].outcome[i] * w)
                .collect();
            let e: Vec<f64> = rows
                .iter()
                .zip(&w)
                .map(|(&(_, i), w)| fit.exposure[i] * w)
                .collect();
            additive::fit_from(&z, &y, &e, Some(theta), BOOTSTRAP_ITERATIONS).theta
        })
        .collect()
}

/// Share of the expected dumpings below which a source counts as absent.
pub const NULL_SHARE: f64 = 0.001;
/// EM iterations per bootstrap replicate (warm started from the fit).
const BOOTSTRAP_ITERATIONS: usize = 400;

/// Every coefficient of the building model with its 95 % block-bootstrap
/// interval: the source's share of the expected dumpings, and for a
/// building trait its relative risk against a building without it.
fn intervals(
    designs: &[CutDesign],
    cuts: &[Cut],
    fit: &FitGrid,
    theta: &[f64],
    scales: &[f64],
    replicates: usize,
) -> Vec<Coefficient> {
    let reps = replicate_thetas(designs, cuts, fit, theta, replicates);
    let share = |t: &[f64], j: usize| t[j] / t.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    // A building's expected dumpings with trait j at 1 over one with only
    // "pand": 1 + θⱼ scaleⱼ / (θ_pand scale_pand).
    let rr = |t: &[f64], j: usize| {
        let base = t[2] * scales[2];
        if j < 3 {
            f64::NAN
        } else if base > 0.0 {
            1.0 + t[j] * scales[j] / base
        } else {
            f64::INFINITY
        }
    };
    let names = std::iter::once("achtergrond")
        .chain(std::iter::once("herhaling (kerndichtheid)"))
        .chain(TRAITS);
    names
        .enumerate()
        .map(|(j, name)| {
            let shares: Vec<f64> = reps.iter().map(|t| share(t, j)).collect();
            let rrs: Vec<f64> = reps.iter().map(|t| rr(t, j)).collect();
            let share_interval = bootstrap::Interval::of(&shares);
            let relative_risk = rr(theta, j);
            Coefficient {
                name: name.to_string(),
                theta: theta[j],
                share: share(theta, j),
                share_interval,
                relative_risk: relative_risk.is_finite().then_some(relative_risk),
                relative_risk_interval: (j >= 3).then(|| bootstrap::Interval::of(&rrs)),
                // No replicates: unknown, so not shown to differ from none.
                includes_null: share_interval.low.is_nan() || share_interval.low < NULL_SHARE,
            }
        })
        .collect()
}

/// The map of the building model on the fine grid, in risk points per
/// indicator (they add up to 0..100).
fn building_map(
    data: &Dataset,
    config: &ScoreConfig,
    base: &Base,
    fit: &FitGrid,
    now: &Cut,
    model: &BuildingModel,
) -> Result<[Vec<f32>; 4], ScoreError> {
    let journey = Journey::new(model.journey_median_m);
    let coarse = design(data, fit, now, journey, model.bandwidth_m).columns;
    let fine_kde = kernel_density(
        &base.spec,
        &dumping_points(data, config, now.date),
        model.bandwidth_m,
    );
    // The near-repeat column's scale on the fit grid carries to the fine one.
    let raw_kde = to_f64(&kernel_density(&fit.spec, &now.past, model.bandwidth_m));
    let kde_scale = {
        let (s, n) = raw_kde
            .iter()
            .zip(&fit.exposure)
            .fold((0.0, 0.0), |(s, n), (&v, &e)| (s + v * e, n + e));
        if s > 0.0 {
            n / s
        } else {
            0.0
        }
    };
    let spec = base.spec;
    let mut out: [Vec<f32>; 4] = std::array::from_fn(|_| vec![0f32; spec.len()]);
    let theta = &model.theta;
    out.par_iter_mut().enumerate().for_each(|(ind, values)| {
        for row in 0..spec.rows {
            for col in 0..spec.cols {
                let i = spec.index(col, row);
                if !base.buitengebied[i] {
                    continue;
                }
                let [x, y] = spec.centre(col, row);
                let mut v = 0.0;
                if ind == 1 {
                    v += theta[1] * fine_kde[i] as f64 * kde_scale;
                }
                for (j, &target) in TRAIT_INDICATOR.iter().enumerate() {
                    if target == ind && theta[j + 2] > 0.0 {
                        v += theta[j + 2] * bilinear(&fit.spec, &coarse[j + 2], x, y);
                    }
                }
                values[i] = v as f32;
            }
        }
    });
    let total: Vec<f32> = (0..spec.len())
        .into_par_iter()
        .map(|i| out.iter().map(|o| o[i]).sum())
        .collect();
    let max = max_in(&total, &base.buitengebied);
    if max > 0.0 {
        for values in out.iter_mut() {
            values.par_iter_mut().for_each(|v| *v *= 100.0 / max);
        }
    }
    Ok(out)
}

/// `values` on `spec` at (`x`, `y`), interpolated between cell centres.
fn bilinear(spec: &GridSpec, values: &[f64], x: f64, y: f64) -> f64 {
    let fx = ((x - spec.x_min) / spec.cell - 0.5).clamp(0.0, (spec.cols - 1) as f64);
    let fy = ((spec.y_max - y) / spec.cell - 0.5).clamp(0.0, (spec.rows - 1) as f64);
    let (c0, r0) = (fx.floor() as usize, fy.floor() as usize);
    let (c1, r1) = ((c0 + 1).min(spec.cols - 1), (r0 + 1).min(spec.rows - 1));
    let (tx, ty) = (fx - c0 as f64, fy - r0 as f64);
    let v = |c, r| values[spec.index(c, r)];
    (v(c0, r0) * (1.0 - tx) + v(c1, r0) * tx) * (1.0 - ty)
        + (v(c0, r1) * (1.0 - tx) + v(c1, r1) * tx) * ty
}

/// Every building in the buitengebied, per municipality, ranked by its
/// weight in the building model: its expected share of the coming dumpings.
/// `risico` is 0..100 relative to the highest building of the region;
/// `relatief` the weight over the municipality's mean.
fn rank_buildings(
    data: &Dataset,
    model: &RiskModel,
    now: &Cut,
    building_model: Option<&BuildingModel>,
    weights: &[[f64; 7]],
) -> Result<Vec<InspectionList>, ScoreError> {
    let _ = (now, building_model);
    let total: Vec<f64> = weights.iter().map(|w| w.iter().sum()).collect();
    let max = total
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut lists: Vec<InspectionList> = data
        .gemeenten
        .iter()
        .map(|g| InspectionList {
            statcode: g.statcode.clone(),
            statnaam: g.statnaam.clone(),
            inspecties: Vec::new(),
        })
        .collect();
    for (i, pand) in data.panden.iter().enumerate() {
        let c = pand.centroid;
        let in_buitengebied = model
            .spec
            .cell_at(c.x(), c.y())
            .is_some_and(|(col, row)| !model.risk[model.spec.index(col, row)].is_nan());
        if !in_buitengebied {
            continue;
        }
        let Some(g) = data.gemeenten_index.containing([c.x(), c.y()]).next() else {
            continue;
        };
        let mut parts = [0f32; 4];
        for (j, &ind) in TRAIT_INDICATOR.iter().enumerate() {
            parts[ind] += (100.0 * weights[i][j] / max) as f32;
        }
        let mut order: Vec<crate::Indicator> = crate::Indicator::ALL.to_vec();
        order.sort_by(|a, b| parts[b.index()].total_cmp(&parts[a.index()]));
        order.retain(|ind| parts[ind.index()] >= 0.5);
        lists[g].inspecties.push(Inspection {
            rang: 0,
            identificatie: pand.identificatie.clone(),
            leegstand: pand.leegstand,
            oppervlakte_m2: pand.oppervlakte,
            gebruiksdoel: pand.gebruiksdoel.clone(),
            bouwjaar: pand.bouwjaar,
            risico: (100.0 * total[i] / max) as f32,
            relatief: 0.0,
            bijdragen: Contributions::from(parts),
            belangrijkste: order,
            x: c.x(),
            y: c.y(),
            lon: 0.0,
            lat: 0.0,
            pand: i,
        });
    }
    let to_wgs = Transformer::from_epsg(RD_NEW, WGS84)?;
    for list in &mut lists {
        let mean = list.inspecties.iter().map(|i| i.risico as f64).sum::<f64>()
            / list.inspecties.len().max(1) as f64;
        list.inspecties.sort_by(|a, b| {
            b.risico
                .total_cmp(&a.risico)
                .then_with(|| a.identificatie.cmp(&b.identificatie))
        });
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) =
            list.inspecties.iter().map(|i| (i.x, i.y)).unzip();
        to_wgs.transform(&mut xs, &mut ys)?;
        for (k, item) in list.inspecties.iter_mut().enumerate() {
            item.rang = k + 1;
            item.lon = xs[k];
            item.lat = ys[k];
            item.relatief = if mean > 0.0 {
                (item.risico as f64 / mean) as f32
            } else {
                0.0
            };
        }
    }
    Ok(lists)
}

impl Coefficient {
    /// One line in Dutch: share with interval, relative risk with interval,
    /// and whether the interval includes "no effect".
    pub fn describe(&self) -> String {
        let mut line = format!(
            "{:<26} aandeel {:>5.1} % [{:.1}–{:.1} %]",
            self.name,
            100.0 * self.share,
            100.0 * self.share_interval.low,
            100.0 * self.share_interval.high
        );
        if let (Some(rr), Some(ci)) = (self.relative_risk, self.relative_risk_interval) {
            line.push_str(&format!(
                "  RR {} [{}–{}]",
                number(rr),
                number(ci.low),
                number(ci.high)
            ));
        }
        if self.includes_null {
            line.push_str("  (interval omvat geen effect)");
        }
        line
    }
}

/// A relative risk for people: two decimals, "∞" when unbounded.
pub fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else if v.is_nan() {
        "–".into()
    } else {
        "∞".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use buitenzicht_ingest::{Dumping, Gemeente, Pand, PointIndex, PolygonIndex};
    use geo::{Geometry, MultiPolygon, Point, Polygon};
    use rand::{Rng, SeedableRng};

    const X0: f64 = 150_000.0;
    const Y0: f64 = 400_000.0;
    const SIDE: f64 = 20_000.0;

    fn normal(rng: &mut impl Rng) -> f64 {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// A region with one year of history generated by a known process:
    /// 120 vacant production sites dumping at a log-normal journey of
    /// median 1 km, a uniform background, and near-repeats (each dumping
    /// is followed, with probability 0.4, by another within ~150 m some
    /// weeks later). Floor area is noise.
    fn region(seed: u64) -> (Dataset, NaiveDate) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let days = 365;
        let square = Polygon::new(
            geo::LineString::from(vec![
                (X0, Y0),
                (X0 + SIDE, Y0),
                (X0 + SIDE, Y0 + SIDE),
                (X0, Y0 + SIDE),
                (X0, Y0),
            ]),
            vec![],
        );
        let gemeenten = vec![Gemeente {
            statcode: "GM9999".into(),
            statnaam: "Proefgemeente".into(),
            geometry: MultiPolygon::new(vec![square]),
        }];
        let margin = 2_000.0;
        let panden: Vec<Pand> = (0..3_000)
            .map(|k| {
                let p = Point::new(
                    X0 + margin + rng.random::<f64>() * (SIDE - 2.0 * margin),
                    Y0 + margin + rng.random::<f64>() * (SIDE - 2.0 * margin),
                );
                Pand {
                    identificatie: format!("{k:016}"),
                    status: None,
                    gebruiksdoel: None,
                    bouwjaar: None,
                    oppervlakte: 200.0 + 1_800.0 * rng.random::<f64>(),
                    leegstand: if k < 150 {
                        Leegstand::Bevestigd
                    } else {
                        Leegstand::Nee
                    },
                    leegstand_datum: None,
                    geometry: Geometry::Point(p),
                    centroid: p,
                }
            })
            .collect();
        let mut events: Vec<(f64, f64, i64)> = Vec::new();
        // Sites: 120 of the 150 vacant buildings, 3 dumps a year each.
        for p in &panden[..120] {
            for _ in 0..3 {
                let d = 1_000.0 * (0.5 * normal(&mut rng)).exp();
                let a = std::f64::consts::TAU * rng.random::<f64>();
                events.push((
                    p.centroid.x() + d * a.cos(),
                    p.centroid.y() + d * a.sin(),
                    rng.random_range(0..days),
                ));
            }
        }
        for _ in 0..150 {
            events.push((
                X0 + rng.random::<f64>() * SIDE,
                Y0 + rng.random::<f64>() * SIDE,
                rng.random_range(0..days),
            ));
        }
        let mut k = 0;
        while k < events.len() {
            let (x, y, t) = events[k];
            if rng.random::<f64>() < 0.4 {
                let t2 = t + rng.random_range(7..60);
                if t2 < days {
                    events.push((
                        x + 150.0 * normal(&mut rng),
                        y + 150.0 * normal(&mut rng),
                        t2,
                    ));
                }
            }
            k += 1;
        }
        let dumpingen: Vec<Dumping> = events
            .iter()
            .filter(|(x, y, _)| (X0..X0 + SIDE).contains(x) && (Y0..Y0 + SIDE).contains(y))
            .enumerate()
            .map(|(i, &(x, y, t))| Dumping {
                incident_id: format!("D{i}"),
                datum: start + Duration::days(t),
                location: Point::new(x, y),
                dumpingwijze: None,
                volume_l: None,
                productietype: None,
            })
            .collect();
        let data = Dataset {
            gemeenten_index: PolygonIndex::new(gemeenten.iter().map(|g| g.geometry.clone())),
            kom_index: PolygonIndex::new(std::iter::empty()),
            panden_index: PointIndex::new(panden.iter().map(|p| p.centroid)),
            dumpingen_index: PointIndex::new(dumpingen.iter().map(|d| d.location)),
            rwzi_index: PolygonIndex::new(std::iter::empty()),
            satelliet_index: PolygonIndex::new(std::iter::empty()),
            gemeenten,
            bebouwde_kom: Vec::new(),
            panden,
            dumpingen,
            rwzi: Vec::new(),
            rioolmetingen: Vec::new(),
            satelliet: Vec::new(),
        };
        (data, start + Duration::days(days))
    }

    /// With one year of history the rolling-origin fit has two cuts with
    /// past dumpings at each, and recovers the known mechanisms: vacancy
    /// and the past dumpings carry weight with intervals clear of zero,
    /// every relative risk comes with an interval, and the vacant sites top
    /// the inspection list.
    #[test]
    fn rolling_origin_fit_recovers_known_effects_with_one_year() {
        let (data, as_of) = region(3);
        let mut config = ScoreConfig {
            cell_size: 50.0,
            ..ScoreConfig::default()
        };
        config.calibration.bootstrap = 60;
        let p = predict(&data, &config, as_of).unwrap();
        let r = &p.report;
        assert!(r.cuts.len() >= 2, "{r}");
        let m = r.building_model.as_ref().expect("building model fitted");
        let coef = |name: &str| m.coefficients.iter().find(|c| c.name == name).unwrap();
        let vacancy = coef("leegstand bevestigd");
        assert!(!vacancy.includes_null, "{r}");
        assert!(vacancy.share > 0.1, "{r}");
        let rr = vacancy.relative_risk_interval.unwrap();
        assert!(rr.low > 2.0, "{r}");
        // The past dumpings (the near-repeat), varying over the cuts of a
        // single year: present, interval clear of zero.
        assert!(!coef("herhaling (kerndichtheid)").includes_null, "{r}");
        // No relative risk without an interval.
        for c in &m.coefficients {
            assert_eq!(
                c.relative_risk.is_some(),
                c.relative_risk_interval.is_some() && c.relative_risk.is_some(),
                "{}",
                c.name
            );
            if c.relative_risk.is_some() {
                let ci = c.relative_risk_interval.unwrap();
                assert!(ci.low.is_finite() && ci.low <= ci.high, "{}", c.describe());
            }
        }
        // The journey median closest to the truth (1 km) or a neighbour.
        assert!(
            [500.0, 1_000.0, 2_000.0].contains(&m.journey_median_m),
            "{r}"
        );
        // Sites in the top 100 buildings: far above the 4 expected at random.
        let mut all: Vec<&Inspection> = p.lists.iter().flat_map(|l| &l.inspecties).collect();
        all.sort_by(|a, b| b.risico.total_cmp(&a.risico));
        let sites = all[..100].iter().filter(|i| i.pand < 120).count();
        assert!(sites >= 10, "{sites} sites in the top 100\n{r}");
    }
}
