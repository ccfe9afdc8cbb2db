//! What `run` computes: a dumping-risk map chosen out of sample, and the
//! buildings ranked by how likely they host production.
//!
//! Two questions, one point-process model ([`crate::profile`]). Over the
//! coming year the dumpings have intensity
//!
//! ```text
//! λ(s) = μ / A                                   background
//!      + α · K_h(s)                              near-repeat of past dumpings
//!      + Σ_b exp(β · x_b) · f(|s − b|)           buildings b, journey f
//! ```
//!
//! where `x_b` are a building's traits as of the cut — present at all,
//! confirmed or suspected vacancy, floor area, the satellite anomaly on it,
//! the sewage spikes of its catchment (one factor for all its buildings, so
//! the catchment's extra dumpings are shared over them, not painted on its
//! area), past dumpings within a journey of it — and `f` the journey from
//! site to dump ([`crate::journey`]), log-normal with median and spread
//! estimated from the data. `exp(β_j)` is a relative risk; a building's
//! `exp(β · x_b)` is its expected dumpings, and the inspection lists rank
//! by it.
//!
//! **Honest training.** Cut dates are laid every [`STEP_DAYS`] inside the
//! history; at each cut every trait is taken as of that day (nothing dated
//! after it: dumpings, sewage, satellite tiles by acquisition date, vacancy
//! by record date) and the outcome is the dumpings of the window after it:
//! a year, as the map looks a year ahead, or as much as the history allows
//! down to [`MIN_WINDOW_DAYS`]. Fits pool the cuts.
//!
//! **Choice.** Candidates are the kernel density of past dumpings at
//! bandwidths 250 m–4 km, each with and without time decay (what analysts
//! already have), and the building model. Each is scored forward: fitted
//! on what was known at a cut (the earlier cuts with their dumpings up to
//! it, so no training outcome lies in the test window), tested on the
//! year after it. The one with the most later dumpings in its top 5 % of
//! the buitengebied wins; a tie goes to the density. With fewer than
//! [`MIN_CUTS`] cuts the density is used and the report says why.

use crate::backtest::evaluate;
use crate::bootstrap;
use crate::config::ScoreConfig;
use crate::density::{kernel_density, WeightedPoint};
use crate::format::{interval, number, percent, small_rate};
use crate::grid::GridSpec;
use crate::inspection::{self, named, Contributions, Inspection, InspectionList, Rangschikking};
use crate::journey::Journey;
use crate::journey_interval::{self, MedianInterval};
use crate::model::{RiskModel, Weighting};
use crate::profile::{self, Fit, JourneyFit, Options, Period, Region, N};
use crate::sample::{self, Sample};
use crate::signals::{catchment_signals, dumping_points, satellite_level, Base};
use crate::{satellite, ScoreError};
use buitenzicht_ingest::{Dataset, Leegstand};
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
/// Side of the cells the model is fitted on, metres (a multiple of the
/// grid's cell): journeys are kilometres, so 200 m loses nothing.
const FIT_CELL_M: f64 = 200.0;
/// Follows the name of the density tested in the sample's windows.
pub const IN_WINDOWS: &str = " (steekproefvensters)";
/// Share of the buitengebied at which candidates are compared.
const SELECTION_SHARE: f64 = 0.05;

/// The building traits, in this order.
pub const TRAITS: [&str; N] = [
    "pand",
    "leegstand bevestigd",
    "leegstand vermoedelijk",
    "oppervlakte",
    "satelliet",
    "riool",
    "dumpingen nabij",
    "satelliet al eerder warm",
];
/// The indicator (in `Indicator::ALL` order) each trait's share of the map
/// is shown under.
const TRAIT_INDICATOR: [usize; N] = [0, 0, 0, 0, 3, 2, 1, 3];
/// Index of "satelliet al eerder warm" in [`TRAITS`].
const PERSISTENT: usize = 7;

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
    /// The density the building model was compared with (in the sample's
    /// windows when it was fitted on a sample); `None` without one.
    pub rival: Option<String>,
    /// Why, in Dutch.
    pub reason: String,
    /// The building model's coefficients per trait (fitted on all cuts),
    /// with the journey median; `None` without enough history.
    pub building_model: Option<BuildingModel>,
    /// The spatial sample the building model was fitted and tested on;
    /// `None` when it was fitted on the whole region.
    pub sample: Option<SampleReport>,
}

/// The windows the building model was fitted on ([`crate::sample`]).
#[derive(Debug, Clone, Serialize)]
pub struct SampleReport {
    pub windows: usize,
    /// Windows with a building in them.
    pub of: usize,
    pub window_m: f64,
    pub margin_m: f64,
    /// Buildings in the windows, and with those of the margin.
    pub inside: usize,
    pub buildings: usize,
    pub all_buildings: usize,
    /// The windows' share of the buitengebied.
    pub area_share: f64,
}

impl std::fmt::Display for SampleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pandenmodel geschat en vooruit getoetst op een ruimtelijke steekproef: {} van {} vensters van {:.0} km met {} van de {} panden ({} van het buitengebied), met de {} panden tot {:.0} km erbuiten als bron; daarna toegepast op alle panden",
            self.windows,
            self.of,
            self.window_m / 1_000.0,
            self.inside,
            self.all_buildings,
            percent(self.area_share),
            self.buildings - self.inside,
            self.margin_m / 1_000.0,
        )
    }
}

/// One candidate's forward test.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub name: String,
    /// Dumpings in the top 5 % of the buitengebied, summed over the tested
    /// cuts, and all dumpings of those cuts.
    pub hits: f64,
    pub events: u32,
    pub pai_5: f64,
}

/// The fitted building model ([`crate::profile`]).
#[derive(Debug, Clone, Serialize)]
pub struct BuildingModel {
    /// The journey from site to dump, estimated: log-normal median and
    /// spread.
    pub journey_median_m: f64,
    pub journey_sigma: f64,
    /// The median's 95 % profile-likelihood interval
    /// ([`journey_interval`]).
    pub journey_interval: Option<MedianInterval>,
    /// Bandwidth of the near-repeat density.
    pub bandwidth_m: f64,
    /// Whether that density weighs past dumpings by their age (else every
    /// dumping of the last `max_age_days` counts the same).
    pub decay: bool,
    /// Background and near-repeat dumpings per year.
    pub background: f64,
    pub near_repeat: f64,
    /// Log relative risk per trait of [`TRAITS`], the first the log of a
    /// plain building's dumpings per year.
    pub beta: Vec<f64>,
    pub log_likelihood: f64,
    /// The sources (background, near-repeat, buildings) with their shares,
    /// then the traits with their relative risks, each with its
    /// block-bootstrap interval.
    pub coefficients: Vec<Coefficient>,
    pub replicates: usize,
    pub block_m: f64,
}

/// One coefficient of the building model and its 95 % interval.
#[derive(Debug, Clone, Serialize)]
pub struct Coefficient {
    pub name: String,
    /// A source's expected dumpings per year; a trait's log relative
    /// risk β; for "pand" a plain building's dumpings per year.
    pub estimate: f64,
    /// What one unit of a trait is (for its relative risk).
    pub unit: String,
    /// A source's share of the expected dumpings.
    pub share: Option<f64>,
    pub share_interval: Option<bootstrap::Interval>,
    /// A trait's relative risk exp(β): a building one unit higher is
    /// expected to send this many times as many dumpings.
    pub relative_risk: Option<f64>,
    pub relative_risk_interval: Option<bootstrap::Interval>,
    /// The interval includes no effect (a share below [`NULL_SHARE`], a
    /// relative risk within [`bootstrap::NULL_RR`] of 1): the data do not show that
    /// it matters.
    pub includes_null: bool,
}

impl std::fmt::Display for SelectionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cuts = match self.cuts.as_slice() {
            [] => "geen ijkmomenten".to_string(),
            [one] => format!("1 ijkmoment ({one})"),
            all => format!(
                "{} ijkmomenten ({})",
                all.len(),
                all.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        match self.cuts.is_empty() {
            true => writeln!(
                f,
                "modelkeuze peildatum {}: geen ijkmomenten, dus niets vooruit getoetst",
                self.as_of
            )?,
            false => writeln!(
                f,
                "modelkeuze peildatum {}: {cuts}, steeds {} dagen vooruit getoetst",
                self.as_of, self.window_days
            )?,
        }
        let width = self
            .candidates
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        for c in &self.candidates {
            writeln!(
                f,
                "  {:<width$} {:>3} van {:>3} dumpingen in de hoogste 5 %  PAI {:>5.2}",
                c.name,
                crate::format::count(c.hits),
                c.events,
                c.pai_5
            )?;
        }
        if let Some(s) = &self.sample {
            writeln!(f, "{s}")?;
        }
        if let Some(m) = &self.building_model {
            writeln!(
                f,
                "pandenmodel: reisafstand mediaan {:.0} m{} (spreiding σ {:.2}), herhalingsdichtheid {:.0} m{}",
                m.journey_median_m,
                m.journey_interval
                    .map_or(String::new(), |i| format!(" [{i}]")),
                m.journey_sigma,
                m.bandwidth_m,
                if m.decay { "" } else { ", zonder verval" }
            )?;
            if let Some(i) = &m.journey_interval {
                writeln!(f, "  {}", i.describe())?;
            }
            match m.replicates {
                0 => writeln!(
                    f,
                    "  geen intervallen: de blokbootstrap staat uit (`[scoring.calibration] bootstrap = 0`)"
                )?,
                n => writeln!(
                    f,
                    "  95 %-intervallen uit een ruimtelijke blokbootstrap ({n} trekkingen, blokken van {:.0} m):",
                    m.block_m
                )?,
            }
            for c in &m.coefficients {
                writeln!(f, "  {}", c.describe())?;
            }
        }
        writeln!(f, "gekozen: {} — {}", self.chosen, self.reason)
    }
}

/// The fit grid and how fine cells fall into it.
#[derive(Clone)]
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
    let base = Base::new(data, config, as_of)?;
    let fit = fit_grid(&base);
    let (cuts, window) = cut_dates(data, as_of);
    // Each tile's anomaly at the buildings, read once for every cut: the
    // undated tiles and every one dated up to `as_of` (a building's
    // earlier acquisitions are a trait of their own).
    let on_buildings = building_cells(&base, data);
    let satellite_at =
        satellite::sample_tiles(&on_buildings, &data.satelliet, &data.satelliet_index, |t| {
            t.datum.is_none_or(|d| d <= as_of)
        })?;
    // Each building's catchment, the same at every cut.
    let plant_of: Vec<Option<usize>> = data
        .panden
        .par_iter()
        .map(|p| {
            data.rwzi_index
                .containing([p.centroid.x(), p.centroid.y()])
                .next()
        })
        .collect();
    let at_buildings = AtBuildings {
        satellite: &satellite_at,
        catchment: &plant_of,
    };
    let mut outcomes = Vec::new();
    let mut periods = Vec::new();
    let mut dates = Vec::new();
    for &t in &cuts {
        let (y, p, d) = prepare_cut(data, config, at_buildings, &base, &fit, t, window)?;
        outcomes.push(y);
        periods.push(p);
        dates.push(d);
    }

    // The densities need no fit: every cut tests them.
    let mut candidates = Vec::new();
    let mut best_kde = (Density::new(BANDWIDTHS_M[2], true), None::<Candidate>);
    for decay in [true, false] {
        for &h in &BANDWIDTHS_M {
            let density = Density::new(h, decay);
            let candidate = density_candidate(density, &fit, &periods, &outcomes, "");
            if best_kde.1.as_ref().is_none_or(|b| candidate.hits > b.hits) {
                best_kde = (density, Some(candidate.clone()));
            }
            candidates.push(candidate);
        }
    }
    // Nothing to test them on: no bandwidth won, so the middle one with
    // decay, not the first tried.
    if best_kde.1.as_ref().is_some_and(|k| k.events == 0) {
        let density = Density::new(BANDWIDTHS_M[2], true);
        let tried = candidates
            .iter()
            .find(|c| c.name == density.name())
            .cloned();
        best_kde = (density, tried);
    }
    let (density, kde) = (best_kde.0, best_kde.1);
    let h = density.bandwidth_m;

    // The building model, fitted forward: on the cuts before each one,
    // tested on it. Its near-repeat is the best density's. A large region
    // is fitted and tested on a spatial sample of it ([`sample`]).
    let centroids: Vec<[f64; 2]> = data
        .panden
        .iter()
        .map(|p| [p.centroid.x(), p.centroid.y()])
        .collect();
    // Without enough cuts, or without a dumping in their windows, no
    // building model is fitted (a fit on no dumpings would give every
    // share to the buildings with an interval of nothing), so none is
    // sampled.
    let in_windows: usize = periods.iter().map(|p| p.events.len()).sum();
    let fitted_model = periods.len() >= MIN_CUTS && in_windows > 0;
    let drawn = fitted_model
        .then(|| sample::draw(&fit.spec, &centroids, config.calibration.fit_buildings))
        .flatten();
    let FitSet {
        grid,
        buildings: fitted,
        mut periods,
        dates,
    } = match &drawn {
        Some(s) => restrict(&fit, &centroids, periods, dates, s),
        None => FitSet {
            grid: fit.clone(),
            buildings: centroids.clone(),
            periods,
            dates,
        },
    };
    // A sample's windows may hold none of the dumpings either.
    let fitted_model = fitted_model && periods.iter().any(|p| !p.events.is_empty());
    // The density the building model is compared with, tested in the same
    // windows as the model.
    let rival = match &drawn {
        Some(_) => {
            let c = density_candidate(density, &grid, &periods, &outcomes, IN_WINDOWS);
            candidates.push(c.clone());
            Some(c)
        }
        None => kde.clone(),
    };
    let region = Region::new(&fitted, grid.spec, &grid.exposure);
    let near: Vec<NearRepeat> = periods
        .iter()
        .map(|p| NearRepeat::new(&grid, &density.points(&p.past), h))
        .collect();
    for (p, n) in periods.iter_mut().zip(&near) {
        n.fill(&grid, p);
    }
    let mut building: Option<(Candidate, Fit)> = None;
    let mut journey_ci: Option<MedianInterval> = None;
    if fitted_model {
        // Every fit starts afresh: started from the previous fold's fit,
        // EM kept that fold's optimum even where it was a poor one for
        // more data (a source at zero stays at zero).
        let fresh = |periods: &[Period]| Fit::start(periods, fitted.len());
        // The forward folds and the fit on every cut do not depend on one
        // another: run side by side, they keep both cores busy through the
        // parts of a fit that run on one.
        let ((hits, events), all) = rayon::join(
            || {
                (1..periods.len())
                    .into_par_iter()
                    .map(|k| {
                        // Fitted on what was known at cut k: the earlier cuts
                        // with their dumpings up to it, never one after it.
                        let known: Vec<Period> = (0..k)
                            .map(|j| known_at(&periods[j], &dates[j], cuts[j], cuts[k]))
                            .collect();
                        let fold = profile::fit(&region, &known, &fresh(&known), FIT, None);
                        let lambda = intensity(&region, &grid, &periods[k], &near[k], &fold);
                        top_hits(&lambda, &outcomes[k], &grid.scored)
                    })
                    .collect::<Vec<_>>()
                    // Summed in cut order: the same sum on every run.
                    .into_iter()
                    .fold((0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
            },
            // On every cut, for the ranking and (if it wins) the map; the
            // highest optimum along the journey that its profile finds.
            || {
                let all = profile::fit(&region, &periods, &fresh(&periods), FIT, None);
                journey_interval::best_fit(&region, &periods, all, FIT)
            },
        );
        let (all, journey) = all;
        let candidate = Candidate {
            name: format!("panden, reisafstand {:.0} m geschat", all.journey.median_m),
            hits,
            events,
            pai_5: pai(hits, events),
        };
        candidates.push(candidate.clone());
        building = Some((candidate, all));
        journey_ci = Some(journey);
    }
    // Fewer events tested for the building model (it skips the first cut):
    // compare rates, not counts.
    let kde_rate = rival.as_ref().map_or(0.0, |k| rate(k.hits, k.events));
    let building_wins = building
        .as_ref()
        .is_some_and(|(b, _)| rate(b.hits, b.events) > kde_rate);

    let (_, now, _) = prepare_cut(data, config, at_buildings, &base, &fit, as_of, window)?;
    // The model fitted on a sample applies to every building.
    let whole;
    let everyone = if drawn.is_some() {
        whole = Region::new(&centroids, fit.spec, &fit.exposure);
        &whole
    } else {
        &region
    };
    let building_model = building.as_ref().map(|(_, f)| {
        let replicates = config.calibration.bootstrap;
        BuildingModel {
            journey_median_m: f.journey.median_m,
            journey_sigma: f.journey.sigma,
            journey_interval: journey_ci,
            bandwidth_m: h,
            decay: density.decay,
            background: f.background,
            near_repeat: f.near_repeat,
            beta: f.beta.to_vec(),
            log_likelihood: f.log_likelihood,
            coefficients: intervals(&region, &grid, &periods, (f, &near), replicates),
            replicates,
            block_m: bootstrap::BLOCK_M,
        }
    });
    let parts = building_parts(everyone, &now, building.as_ref().map(|(_, f)| f));
    let (chosen, reason, contributions) = match (&building, building_wins) {
        (Some((b, f)), true) => (
            b.name.clone(),
            format!(
                "vangt vooruit getoetst {:.0} % van de latere dumpingen in de hoogste 5 %, tegen {:.0} % voor de beste kerndichtheid ({})",
                100.0 * rate(b.hits, b.events),
                100.0 * kde_rate,
                rival.as_ref().map_or(String::new(), |k| k.name.clone())
            ),
            {
                // A near-repeat fitted in the windows is a share of the
                // whole region's: scaled by the density's mass there.
                let mut applied = *f;
                applied.near_repeat *= match &drawn {
                    Some(_) => mass_ratio(&fit, &grid, &density.points(&dumping_points(data, config, as_of)), h),
                    None => 1.0,
                };
                building_map(data, config, &base, &fit, as_of, everyone, &parts, (&applied, density))
            },
        ),
        _ => {
            let name = kde
                .as_ref()
                .map_or(density.name(), |k| {
                    k.name.clone()
                });
            let reason = if periods.len() >= MIN_CUTS && !fitted_model {
                format!(
                    "geen enkele dumping in de vensters na de {} ijkmomenten{}, dus geen pandenmodel om te toetsen; de kaart is de kerndichtheid van eerdere dumpingen",
                    periods.len(),
                    if drawn.is_some() { " (in de steekproefvensters)" } else { "" }
                )
            } else if periods.len() < MIN_CUTS {
                format!(
                    "te weinig geschiedenis om een model buiten de steekproef te toetsen ({} ijkmoment(en), minstens {MIN_CUTS} nodig: {} dagen aanloop plus {} dagen uitkomst per moment); de kaart is de kerndichtheid van eerdere dumpingen",
                    periods.len(),
                    WARM_UP_DAYS,
                    MIN_WINDOW_DAYS
                )
            } else {
                format!(
                    "het pandenmodel voorspelde vooruit getoetst niet beter ({:.0} % tegen {:.0} % van de latere dumpingen in de hoogste 5 %{})",
                    100.0 * building.as_ref().map_or(0.0, |(b, _)| rate(b.hits, b.events)),
                    100.0 * kde_rate,
                    if drawn.is_some() { ", beide in de steekproefvensters" } else { "" }
                )
            };
            let past = dumping_points(data, config, as_of);
            let mut kde_fine = kernel_density(&base.spec, &density.points(&past), h);
            let max = max_in(&kde_fine, &base.buitengebied);
            if max > 0.0 {
                kde_fine.par_iter_mut().for_each(|v| *v *= 100.0 / max);
            }
            // Zero in the buitengebied and NaN outside, as the model keeps
            // it: written once, in parallel (a zeroed copy is written
            // again where the model marks the cells outside).
            let zeros = || -> Vec<f32> {
                base.buitengebied
                    .par_iter()
                    .map(|&b| if b { 0.0 } else { f32::NAN })
                    .collect()
            };
            (name, reason, [zeros(), kde_fine, zeros(), zeros()])
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
            panden: building_wins,
        },
        contributions,
        full,
        [1.0; 4],
    );
    let ranked_by = match &building {
        Some(_) => Rangschikking::Pandenmodel,
        None => Rangschikking::Kenmerken,
    };
    let lists = rank_buildings(data, &model, &parts, ranked_by)?;
    Ok(Prediction {
        model,
        lists,
        report: SelectionReport {
            as_of,
            cuts,
            window_days: window,
            candidates,
            chosen,
            rival: rival.map(|k| k.name),
            reason,
            building_model,
            sample: drawn.map(|s| SampleReport {
                windows: s.windows,
                of: s.of,
                window_m: sample::WINDOW_M,
                margin_m: sample::MARGIN_M,
                inside: s.inside,
                buildings: s.buildings.len(),
                all_buildings: centroids.len(),
                area_share: grid.exposure.iter().sum::<f64>()
                    / fit.exposure.iter().sum::<f64>().max(f64::MIN_POSITIVE),
            }),
        },
    })
}

/// The forward test of `density` on every cut but the first (the cuts
/// the fitted candidates are tested on), over the scored cells of `grid`;
/// `suffix` follows its name.
fn density_candidate(
    density: Density,
    grid: &FitGrid,
    periods: &[Period],
    outcomes: &[Vec<f64>],
    suffix: &str,
) -> Candidate {
    let tested = if periods.len() >= MIN_CUTS { 1 } else { 0 };
    let h = density.bandwidth_m;
    let (hits, events) = periods[tested..]
        .iter()
        .zip(&outcomes[tested..])
        .map(|(p, y)| {
            let kde = to_f64(&kernel_density(&grid.spec, &density.points(&p.past), h));
            top_hits(&kde, y, &grid.scored)
        })
        .fold((0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Candidate {
        name: format!("{}{suffix}", density.name()),
        hits,
        events,
        pai_5: pai(hits, events),
    }
}

/// The kernel density of `past` at bandwidth `h` over the buitengebied of
/// `whole`, over that of `part` (1 when `part` has none of it).
fn mass_ratio(whole: &FitGrid, part: &FitGrid, past: &[WeightedPoint], h: f64) -> f64 {
    let kde = to_f64(&kernel_density(&whole.spec, past, h));
    let mass = |g: &FitGrid| kde.iter().zip(&g.exposure).map(|(v, e)| v * e).sum::<f64>();
    let inside = mass(part);
    if inside > 0.0 {
        mass(whole) / inside
    } else {
        1.0
    }
}

/// The fit grid, buildings, periods and their dumpings' dates restricted
/// to the sample `s`: exposure and scored cells only in its windows, its
/// buildings' traits, the dumpings in its windows.
fn restrict(
    fit: &FitGrid,
    centroids: &[[f64; 2]],
    periods: Vec<Period>,
    dates: Vec<Vec<NaiveDate>>,
    s: &Sample,
) -> FitSet {
    let grid = FitGrid {
        spec: fit.spec,
        exposure: fit
            .exposure
            .iter()
            .zip(&s.window)
            .map(|(&e, &w)| if w { e } else { 0.0 })
            .collect(),
        scored: fit
            .scored
            .iter()
            .zip(&s.window)
            .map(|(&a, &w)| a && w)
            .collect(),
    };
    let inside = |[x, y]: [f64; 2]| {
        grid.spec
            .cell_at(x, y)
            .is_some_and(|(c, r)| s.window[grid.spec.index(c, r)])
    };
    let (periods, dates) = periods
        .into_iter()
        .zip(dates)
        .map(|(p, d)| {
            let (events, dates): (Vec<[f64; 2]>, Vec<NaiveDate>) = p
                .events
                .iter()
                .zip(d)
                .filter(|(&e, _)| inside(e))
                .map(|(&e, d)| (e, d))
                .unzip();
            let period = Period {
                events,
                traits: s.buildings.iter().map(|&b| p.traits[b]).collect(),
                ..p
            };
            (period, dates)
        })
        .unzip();
    FitSet {
        grid,
        buildings: s.buildings.iter().map(|&b| centroids[b]).collect(),
        periods,
        dates,
    }
}

/// What the building model is fitted and tested on, of the whole region
/// or of a sample: the fit grid, the buildings, the cuts and the dates of
/// their dumpings.
struct FitSet {
    grid: FitGrid,
    buildings: Vec<[f64; 2]>,
    periods: Vec<Period>,
    dates: Vec<Vec<NaiveDate>>,
}

fn rate(hits: f64, events: u32) -> f64 {
    if events > 0 {
        hits / events as f64
    } else {
        0.0
    }
}

fn pai(hits: f64, events: u32) -> f64 {
    rate(hits, events) / SELECTION_SHARE
}

fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn max_in(values: &[f32], mask: &[bool]) -> f32 {
    values
        .par_iter()
        .zip(mask)
        .filter(|(v, &m)| m && v.is_finite())
        .map(|(v, _)| *v)
        .reduce(|| 0.0, f32::max)
}

/// The centre of each building's cell of the fine grid (NaN off the grid):
/// where the map's layers are read for it.
fn building_cells(base: &Base, data: &Dataset) -> Vec<[f64; 2]> {
    data.panden
        .iter()
        .map(|p| {
            base.spec
                .cell_at(p.centroid.x(), p.centroid.y())
                .map_or([f64::NAN; 2], |(c, r)| base.spec.centre(c, r))
        })
        .collect()
}

/// The dated records on or before an as-of date: the history the model
/// is fitted and tested on. Dumpings and sewage measurements both count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    /// The first record of either kind.
    pub first: Option<NaiveDate>,
    /// The last dumping.
    pub last_dumping: Option<NaiveDate>,
    /// The last sewage measurement.
    pub last_sewage: Option<NaiveDate>,
}

impl History {
    /// The records of `data` on or before `as_of`.
    pub fn of(data: &Dataset, as_of: NaiveDate) -> History {
        let dumpings = || {
            data.dumpingen
                .iter()
                .map(|d| d.datum)
                .filter(|&d| d <= as_of)
        };
        let sewage = || {
            data.rioolmetingen
                .iter()
                .map(|m| m.datum)
                .filter(|&d| d <= as_of)
        };
        History {
            first: dumpings().chain(sewage()).min(),
            last_dumping: dumpings().max(),
            last_sewage: sewage().max(),
        }
    }

    /// Where the history ends: its last record of either kind, not the
    /// as-of date.
    pub fn end(&self) -> Option<NaiveDate> {
        self.last_dumping.max(self.last_sewage)
    }
}

/// Cut dates and the outcome window: every [`STEP_DAYS`] from
/// [`WARM_UP_DAYS`] after the first record to a window before the
/// [`History::end`], the latest [`MAX_CUTS`]; the window as long as
/// [`MIN_CUTS`] cuts allow.
fn cut_dates(data: &Dataset, as_of: NaiveDate) -> (Vec<NaiveDate>, i64) {
    let history = History::of(data, as_of);
    let (Some(first), Some(end)) = (history.first, history.end()) else {
        return (Vec::new(), WINDOW_DAYS);
    };
    // The history ends with its last record, not at the as-of date: a date
    // long after the data would otherwise put every cut and its window
    // where nothing was recorded, and fit the model on nothing.
    let span = (end - first).num_days();
    let window = (span - WARM_UP_DAYS - STEP_DAYS * (MIN_CUTS as i64 - 1))
        .clamp(MIN_WINDOW_DAYS, WINDOW_DAYS);
    let last = end - Duration::days(window);
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

/// Dumpings in (`t`, `t` + window] where the fine cell is buitengebied:
/// per fit cell, and each one's place and date.
fn outcome(
    data: &Dataset,
    base: &Base,
    fit: &FitGrid,
    t: NaiveDate,
    window: i64,
) -> (Vec<f64>, Vec<([f64; 2], NaiveDate)>) {
    let mut y = vec![0.0; fit.spec.len()];
    let mut events = Vec::new();
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
            events.push(([x, yy], d.datum));
        }
    }
    (y, events)
}

/// What is read at the buildings once for every cut.
#[derive(Clone, Copy)]
struct AtBuildings<'a> {
    /// Each tile's anomaly at them ([`satellite::sample_tiles`]).
    satellite: &'a [Vec<(u32, f32)>],
    /// Each one's catchment, by its place in `Dataset::rwzi`.
    catchment: &'a [Option<usize>],
}

/// One cut as of `t`: the outcome per fit cell, and the period the
/// building model is fitted on (traits of every building in
/// `Dataset::panden`, past dumpings, the dumpings after it; the
/// near-repeat is filled by [`NearRepeat::fill`]).
fn prepare_cut(
    data: &Dataset,
    config: &ScoreConfig,
    at: AtBuildings,
    base: &Base,
    fit: &FitGrid,
    t: NaiveDate,
    window: i64,
) -> Result<(Vec<f64>, Period, Vec<NaiveDate>), ScoreError> {
    // Satellite: tiles of the year before the cut (and undated ones).
    let anomaly = satellite::combine_samples(at.satellite, data.panden.len(), |id| {
        data.satelliet[id]
            .datum
            .is_none_or(|d| d <= t && d > t - Duration::days(365))
    });
    let tile_dates: Vec<Option<NaiveDate>> = data.satelliet.iter().map(|s| s.datum).collect();
    let persistent = persistent_heat(at.satellite, &tile_dates, data.panden.len(), config, t);
    // Sewage: each catchment's signal shared over its buildings.
    let (_, catchment) = catchment_signals(data, config, t);
    let past = dumping_points(data, config, t);
    let traits = data
        .panden
        .par_iter()
        .zip(at.catchment)
        .zip(&anomaly)
        .zip(&persistent)
        .map(|(((p, plant), &anomaly), &persistent)| {
            let known = |d: Option<NaiveDate>| d.is_none_or(|d| d <= t);
            let vacant = |l: Leegstand| (p.leegstand == l && known(p.leegstand_datum)) as u8 as f64;
            // The catchment's signal raises each of its buildings by the same
            // factor, so its extra dumpings are shared over them.
            let riool = plant.map_or(0.0, |k| catchment[k]);
            [
                1.0,
                vacant(Leegstand::Bevestigd),
                vacant(Leegstand::Vermoedelijk),
                (p.oppervlakte / 1_000.0).clamp(0.0, 3.0),
                satellite_level(anomaly, config),
                riool,
                0.0, // past dumpings near: depends on the journey (`profile`)
                persistent,
            ]
        })
        .collect();
    let (outcome, events) = outcome(data, base, fit, t, window);
    let (events, dates) = events.into_iter().unzip();
    Ok((
        outcome,
        Period {
            events,
            near_repeat: Vec::new(),
            near_repeat_mass: 0.0,
            traits,
            past,
            years: window as f64 / 365.0,
        },
        dates,
    ))
}

/// Acquisitions dated this many days or more before a cut are "earlier"
/// ([`persistent_heat`]); those after it make the satellite trait itself.
const EARLIER_DAYS: i64 = 365;

/// Each of `n` buildings' share of the satellite's earlier acquisitions
/// (tiles dated, by `tile_dates`, a year or more before `t`) in which it
/// was warm, as the mean of its satellite level over those dates; 0
/// without any. A roof warm in every acquisition since the data began (a
/// stable, a cold store) is told apart from one that has only lately
/// become warm.
fn persistent_heat(
    samples: &[Vec<(u32, f32)>],
    tile_dates: &[Option<NaiveDate>],
    n: usize,
    config: &ScoreConfig,
    t: NaiveDate,
) -> Vec<f64> {
    let mut dates: Vec<NaiveDate> = tile_dates
        .iter()
        .flatten()
        .copied()
        .filter(|&d| d <= t - Duration::days(EARLIER_DAYS))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let mut sum = vec![0.0; n];
    let mut count = vec![0u32; n];
    for d in dates {
        // Tiles of one date side by side: where they overlap, the larger.
        let on = satellite::combine_samples(samples, n, |id| tile_dates[id] == Some(d));
        for (i, a) in on.iter().enumerate() {
            if !a.is_nan() {
                sum[i] += satellite_level(*a, config);
                count[i] += 1;
            }
        }
    }
    sum.iter()
        .zip(&count)
        .map(|(&s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
        .collect()
}

/// `period` (of the cut `from`) as known at `until`: its dumpings up to
/// then, its window that long.
fn known_at(period: &Period, dates: &[NaiveDate], from: NaiveDate, until: NaiveDate) -> Period {
    let keep: Vec<bool> = dates.iter().map(|&d| d <= until).collect();
    let pick = |v: &[[f64; 2]]| -> Vec<[f64; 2]> {
        v.iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(e, _)| *e)
            .collect()
    };
    Period {
        events: pick(&period.events),
        near_repeat: period
            .near_repeat
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(v, _)| *v)
            .collect(),
        near_repeat_mass: period.near_repeat_mass,
        traits: period.traits.clone(),
        past: period.past.clone(),
        years: (until - from).num_days() as f64 / 365.0,
    }
}

/// A density candidate: the kernel density of past dumpings at a
/// bandwidth, with the time decay of `[scoring.dumpingen]` or with every
/// dumping of the last `max_age_days` counting the same (as an analyst's
/// heat map in QGIS does).
#[derive(Debug, Clone, Copy)]
struct Density {
    bandwidth_m: f64,
    decay: bool,
}

impl Density {
    fn new(bandwidth_m: f64, decay: bool) -> Density {
        Density { bandwidth_m, decay }
    }

    fn name(&self) -> String {
        let h = self.bandwidth_m;
        if self.decay {
            format!("kerndichtheid dumpingen {h:.0} m")
        } else {
            format!("kerndichtheid dumpingen {h:.0} m, zonder verval")
        }
    }

    /// The decayed past dumpings `past` as this density weighs them.
    fn points<'a>(&self, past: &'a [WeightedPoint]) -> std::borrow::Cow<'a, [WeightedPoint]> {
        if self.decay {
            std::borrow::Cow::Borrowed(past)
        } else {
            std::borrow::Cow::Owned(
                past.iter()
                    .map(|p| WeightedPoint { weight: 1.0, ..*p })
                    .collect(),
            )
        }
    }
}

/// How the building model is fitted: with the journey estimated with the
/// rest ([`profile::fit`]).
const FIT: Options = Options {
    journey: JourneyFit::Estimated,
    max_iterations: 300,
};
/// Likelihood evaluations per bootstrap replicate at most (Newton steps
/// from the fit and their halvings): nationally most settle within 30.
const BOOTSTRAP_ITERATIONS: usize = 50;

/// The near-repeat density of one cut on the fit grid, per km²,
/// normalised to one over the buitengebied.
struct NearRepeat {
    density: Vec<f64>,
    mass: f64,
}

impl NearRepeat {
    fn new(fit: &FitGrid, past: &[WeightedPoint], h: f64) -> NearRepeat {
        let raw = to_f64(&kernel_density(&fit.spec, past, h));
        let km2 = (fit.spec.cell / 1_000.0).powi(2);
        let total = raw
            .iter()
            .zip(&fit.exposure)
            .map(|(v, e)| v * e)
            .sum::<f64>()
            * km2;
        if total > 0.0 {
            NearRepeat {
                density: raw.iter().map(|v| v / total).collect(),
                mass: 1.0,
            }
        } else {
            NearRepeat {
                density: vec![0.0; raw.len()],
                mass: 0.0,
            }
        }
    }

    /// Its value at each event, per m².
    fn fill(&self, fit: &FitGrid, period: &mut Period) {
        period.near_repeat = period
            .events
            .iter()
            .map(|&[x, y]| bilinear(&fit.spec, &self.density, x, y) / 1e6)
            .collect();
        period.near_repeat_mass = self.mass;
    }
}

/// The expected dumpings per km² on the fit grid in the window after
/// `period`'s cut, under `f`.
fn intensity(
    region: &Region,
    fit: &FitGrid,
    period: &Period,
    near: &NearRepeat,
    f: &Fit,
) -> Vec<f64> {
    let w: Vec<f64> = region
        .traits(period, f.journey)
        .iter()
        .map(|x| f.weight(x))
        .collect();
    let buildings = profile::building_surface(&fit.spec, region.buildings, &w, f.journey);
    let background = f.background / (region.area_m2 / 1e6).max(f64::MIN_POSITIVE);
    buildings
        .iter()
        .zip(&near.density)
        .map(|(&b, &k)| background + f.near_repeat * k + b as f64)
        .collect()
}

/// Outcomes in the top share of `scores` over the scored fit cells.
fn top_hits(scores: &[f64], outcome: &[f64], scored: &[bool]) -> (f64, u32) {
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

/// Every building's expected dumpings over the coming window, split over
/// its traits: the part a plain building has (with its traits that lower
/// it) under "pand", what its floor area adds under "oppervlakte", the
/// rest over the signals that raise it in proportion to their log relative
/// risk. Without a model every trait weighs the same (nearby dumpings at
/// a 1 km journey), earlier satellite warmth nothing.
fn building_parts(region: &Region, now: &Period, model: Option<&Fit>) -> Vec<[f64; N]> {
    let Some(f) = model else {
        // Earlier warmth is not a signal until a fit says which way it
        // weighs (stables are warm every year).
        return region
            .traits(now, Journey::new(1_000.0))
            .into_iter()
            .map(|mut t| {
                t[PERSISTENT] = 0.0;
                t
            })
            .collect();
    };
    region
        .traits(now, f.journey)
        .iter()
        .map(|x| {
            let terms: [f64; N] = std::array::from_fn(|j| f.beta[j] * x[j]);
            let lowering: f64 = terms[1..].iter().filter(|t| **t < 0.0).sum();
            // The building's own rate first: the base, then its floor area
            // (what any building of its size would have); what the signals
            // add on top is shared in proportion to their log terms.
            let plain = (terms[0] + lowering).exp();
            let own = (terms[0] + lowering + terms[3].max(0.0)).exp();
            let signals: f64 = SIGNAL_TRAITS.iter().map(|&j| terms[j].max(0.0)).sum();
            let extra = (f.weight(x) - own).max(0.0);
            let mut parts = [0.0; N];
            parts[0] = plain;
            parts[3] = own - plain;
            for j in SIGNAL_TRAITS {
                if terms[j] > 0.0 {
                    parts[j] = extra * terms[j] / signals;
                }
            }
            parts
        })
        .collect()
}

/// The traits of [`TRAITS`] that are signals about a building rather than
/// what it is (its base rate and floor area).
const SIGNAL_TRAITS: [usize; 6] = [1, 2, 4, 5, 6, 7];

/// Share of a building's score a signal must add to be named:
/// scores are relative to the region's highest building, so a fixed number
/// of points would name nothing in a quiet municipality.
const NAMED_SHARE: f32 = 0.1;

/// Share of the expected dumpings below which a source counts as absent.
pub const NULL_SHARE: f64 = 0.001;

/// What one unit of each trait is, for its relative risk.
const TRAIT_UNITS: [&str; N] = [
    "",
    "ja tegen nee",
    "ja tegen nee",
    "per 1000 m²",
    "volle anomalie tegen geen",
    "volle rioolpiek tegen geen",
    "per verdubbeling",
    "steeds warm tegen nooit",
];

/// Every coefficient of the building model with its 95 % block-bootstrap
/// interval: each source's share of the expected dumpings, and each
/// trait's relative risk.
fn intervals(
    region: &Region,
    fit: &FitGrid,
    periods: &[Period],
    model: (&Fit, &[NearRepeat]),
    replicates: usize,
) -> Vec<Coefficient> {
    let (f, near) = model;
    // One block numbering for the dumpings and the cells, which are what
    // a replicate draws; every source counts with the cells its expected
    // dumpings land in.
    let mut points: Vec<[f64; 2]> = periods.iter().flat_map(|p| p.events.clone()).collect();
    let events = points.len();
    points
        .extend((0..fit.spec.len()).map(|i| fit.spec.centre(i % fit.spec.cols, i / fit.spec.cols)));
    let (block_of, blocks) = bootstrap::blocks_of(points.into_iter(), bootstrap::BLOCK_M);
    let cell_block = &block_of[events..];
    let (buildings_land, near_land) = if replicates > 0 {
        // The near-repeat lands as its density of the cut lies.
        let near: Vec<bootstrap::Landing> = near
            .iter()
            .map(|n| {
                bootstrap::landing(
                    n.density
                        .iter()
                        .zip(&fit.exposure)
                        .zip(cell_block)
                        .map(|((&k, &e), &b)| (b, k * e))
                        .collect(),
                )
            })
            .collect();
        (region.landings(f.journey, cell_block), near)
    } else {
        (Vec::new(), Vec::new())
    };
    // The journey stays the fit's, so every replicate shares its pairs and
    // their journey densities (prepared only when there are replicates).
    let prepared = (replicates > 0).then(|| profile::Prepared::fixed(region, periods, f.journey));
    let prepared = prepared.as_ref();
    let reps: Vec<(Fit, [f64; 3])> = (0..replicates)
        .into_par_iter()
        .map(|r| {
            let counts = bootstrap::block_counts(blocks, bootstrap::SEED, r);
            let mut at = block_of.iter().map(|&b| counts[b]);
            let events = periods
                .iter()
                .map(|p| at.by_ref().take(p.events.len()).collect())
                .collect();
            let cells: Vec<f64> = at.by_ref().take(fit.spec.len()).collect();
            let landed = |l: &bootstrap::Landing| bootstrap::landed(l, &counts);
            let buildings = buildings_land.iter().map(landed).collect();
            let background = cells
                .iter()
                .zip(&fit.exposure)
                .map(|(c, e)| c * e)
                .sum::<f64>()
                / fit.exposure.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let near_repeat = near_land.iter().map(landed).collect();
            let weights = profile::Weights {
                events,
                buildings,
                background,
                near_repeat,
            };
            // The journey stays the fit's: the intervals are those of the
            // sources and traits given the journey.
            let options = Options {
                journey: JourneyFit::Held,
                max_iterations: BOOTSTRAP_ITERATIONS,
            };
            let g = match prepared {
                Some(p) => profile::fit_prepared(region, periods, p, f, options, Some(&weights)),
                None => profile::fit(region, periods, f, options, Some(&weights)),
            };
            (g, g.sources)
        })
        .collect();
    let sources = f.sources;
    let share = |s: &[f64; 3], j: usize| s[j] / s.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut out: Vec<Coefficient> = ["achtergrond", "herhaling (kerndichtheid)", "panden"]
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let shares: Vec<f64> = reps.iter().map(|(_, s)| share(s, j)).collect();
            let interval = bootstrap::Interval::of(&shares);
            Coefficient {
                name: name.to_string(),
                estimate: sources[j],
                unit: String::new(),
                share: Some(share(&sources, j)),
                share_interval: Some(interval),
                relative_risk: None,
                relative_risk_interval: None,
                // No replicates: unknown, so not shown to differ from none.
                includes_null: interval.low.is_nan() || interval.low < NULL_SHARE,
            }
        })
        .collect();
    out.extend(TRAITS.iter().enumerate().map(|(j, name)| {
        if j == 0 {
            // The constant: a plain building's dumpings per year.
            return Coefficient {
                name: name.to_string(),
                estimate: f.beta[0].exp(),
                unit: String::new(),
                share: None,
                share_interval: None,
                relative_risk: None,
                relative_risk_interval: None,
                includes_null: false,
            };
        }
        let rrs: Vec<f64> = reps.iter().map(|(g, _)| g.beta[j].exp()).collect();
        let interval = bootstrap::Interval::of(&rrs);
        Coefficient {
            name: name.to_string(),
            estimate: f.beta[j],
            unit: TRAIT_UNITS[j].to_string(),
            share: None,
            share_interval: None,
            relative_risk: Some(f.beta[j].exp()),
            relative_risk_interval: Some(interval),
            includes_null: interval.includes_no_effect(),
        }
    }));
    out
}

/// The map of the building model on the fine grid, in risk points per
/// indicator (they add up to 0..100): the near-repeat density under
/// "dumpingen", each building's dumpings spread along the journey under
/// the indicator of the trait that raises it.
#[allow(clippy::too_many_arguments)]
fn building_map(
    data: &Dataset,
    config: &ScoreConfig,
    base: &Base,
    fit: &FitGrid,
    as_of: NaiveDate,
    region: &Region,
    parts: &[[f64; N]],
    model: (&Fit, Density),
) -> [Vec<f32>; 4] {
    let (f, density) = model;
    let spec = base.spec;
    let past = dumping_points(data, config, as_of);
    let near = kernel_density(&spec, &density.points(&past), density.bandwidth_m);
    let km2 = (spec.cell / 1_000.0).powi(2);
    let mass: f64 = near
        .iter()
        .zip(&base.buitengebied)
        .filter(|(_, &b)| b)
        .map(|(&v, _)| v as f64 * km2)
        .sum();
    let near_scale = if mass > 0.0 {
        f.near_repeat / mass
    } else {
        0.0
    };
    let surfaces: Vec<Vec<f64>> = (0..4)
        .map(|ind| {
            let w: Vec<f64> = parts
                .iter()
                .map(|p| {
                    (0..N)
                        .filter(|&j| TRAIT_INDICATOR[j] == ind)
                        .map(|j| p[j])
                        .sum()
                })
                .collect();
            to_f64(&profile::building_surface(
                &fit.spec,
                region.buildings,
                &w,
                f.journey,
            ))
        })
        .collect();
    let mut out: [Vec<f32>; 4] = std::array::from_fn(|_| vec![0f32; spec.len()]);
    out.par_iter_mut().enumerate().for_each(|(ind, values)| {
        for row in 0..spec.rows {
            for col in 0..spec.cols {
                let i = spec.index(col, row);
                if !base.buitengebied[i] {
                    continue;
                }
                let [x, y] = spec.centre(col, row);
                let mut v = bilinear(&fit.spec, &surfaces[ind], x, y);
                if ind == 1 {
                    v += near_scale * near[i] as f64;
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
    out
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
    weights: &[[f64; N]],
    rangschikking: Rangschikking,
) -> Result<Vec<InspectionList>, ScoreError> {
    let total: Vec<f64> = weights.iter().map(|w| w.iter().sum()).collect();
    let max = total
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut lists = InspectionList::empty(data, rangschikking);
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
        // Points by trait, in TRAITS order: the base rate and floor area
        // are the building's own, not a signal about it.
        let p: [f32; N] = std::array::from_fn(|j| (100.0 * weights[i][j] / max) as f32);
        let bijdragen = Contributions {
            pand: p[0] + p[3],
            leegstand: p[1] + p[2],
            dumpingen: p[6],
            riool: p[5],
            satelliet: p[4] + p[PERSISTENT],
        };
        let order = named(
            [
                bijdragen.leegstand,
                bijdragen.dumpingen,
                bijdragen.riool,
                bijdragen.satelliet,
            ],
            NAMED_SHARE * p.iter().sum::<f32>(),
        );
        let risico = (100.0 * total[i] / max) as f32;
        lists[g]
            .inspecties
            .push(Inspection::of(data, i, risico, bijdragen, order));
    }
    inspection::finish(&mut lists)?;
    Ok(lists)
}

impl Coefficient {
    /// One line in Dutch: share or relative risk with its interval, and
    /// whether the interval includes "no effect".
    pub fn describe(&self) -> String {
        let mut line = format!("{:<26}", self.name);
        // "[low–high]", or nothing without replicates.
        let bracket = |ci: bootstrap::Interval, f: fn(f64) -> String| {
            if ci.low.is_nan() || ci.high.is_nan() {
                String::new()
            } else {
                format!(" [{}]", interval(ci.low, ci.high, f))
            }
        };
        if let (Some(share), Some(ci)) = (self.share, self.share_interval) {
            line.push_str(&format!(
                " aandeel {:>7}{}, {:.1} dumpingen per jaar",
                percent(share),
                bracket(ci, percent),
                self.estimate
            ));
        } else if let (Some(rr), Some(ci)) = (self.relative_risk, self.relative_risk_interval) {
            line.push_str(&format!(
                " RR {}{} {}",
                number(rr),
                bracket(ci, number),
                self.unit
            ));
        } else {
            line.push_str(&format!(
                " {} dumpingen per gewoon pand per jaar",
                small_rate(self.estimate)
            ));
        }
        if self.interval_missing() {
            line.push_str("  (geen interval: de bootstrap staat uit)");
        } else if self.includes_null {
            line.push_str("  (interval omvat geen effect)");
        }
        line
    }

    /// Whether this coefficient has an interval that was not computed: a
    /// source or trait without bootstrap replicates. "pand", which has no
    /// interval to compute, never misses one.
    pub fn interval_missing(&self) -> bool {
        match (self.share_interval, self.relative_risk_interval) {
            (Some(i), _) | (None, Some(i)) => i.low.is_nan() || i.high.is_nan(),
            (None, None) => false,
        }
    }

    /// "ja" or "nee" for whether the interval includes no effect, "niet
    /// berekend" when it was not computed.
    pub fn verdict(&self) -> &'static str {
        match (self.interval_missing(), self.includes_null) {
            (true, _) => "niet berekend",
            (false, true) => "ja",
            (false, false) => "nee",
        }
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

    /// Without bootstrap replicates a line says that no interval was
    /// computed, not that the interval includes no effect.
    #[test]
    fn a_missing_interval_is_not_read_as_no_effect() {
        let coefficient = |interval: bootstrap::Interval| Coefficient {
            name: "leegstand bevestigd".into(),
            estimate: 0.7,
            unit: "ja/nee".into(),
            share: None,
            share_interval: None,
            relative_risk: Some(2.0),
            relative_risk_interval: Some(interval),
            includes_null: interval.includes_no_effect(),
        };
        let none = coefficient(bootstrap::Interval {
            low: f64::NAN,
            high: f64::NAN,
        });
        assert!(none.interval_missing());
        assert_eq!(none.verdict(), "niet berekend");
        assert!(none
            .describe()
            .contains("geen interval: de bootstrap staat uit"));
        assert!(!none.describe().contains("omvat geen effect"));
        let wide = coefficient(bootstrap::Interval {
            low: 0.8,
            high: 3.1,
        });
        assert_eq!(wide.verdict(), "ja");
        assert!(wide.describe().contains("interval omvat geen effect"));
        let clear = coefficient(bootstrap::Interval {
            low: 1.3,
            high: 3.1,
        });
        assert_eq!(clear.verdict(), "nee");
        assert!(!clear.describe().contains("omvat"));
        // "pand" has no interval to compute and misses none.
        let pand = Coefficient {
            relative_risk: None,
            relative_risk_interval: None,
            includes_null: false,
            ..clear
        };
        assert!(!pand.interval_missing());
        assert!(!pand.describe().contains("interval"));
    }

    /// Only acquisitions a year or more before the cut count as earlier
    /// warmth: one dated a day later belongs to the satellite trait of
    /// that cut, and an undated tile cannot be placed before it.
    #[test]
    fn earlier_warmth_counts_acquisitions_a_year_before_the_cut() {
        let t = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let config = ScoreConfig::default();
        let hot = config.satelliet.anomaly_high_c as f32 + 1.0;
        let cold = config.satelliet.anomaly_low_c as f32 - 1.0;
        let days = |d: i64| Some(t - Duration::days(d));
        let dates = [days(400), days(365), days(364), None];
        // Building 0 warm in both earlier tiles, cold the day after;
        // building 1 warm from a year before the cut on; building 2 in no
        // tile at all.
        let samples = vec![
            vec![(0, hot), (1, cold)],
            vec![(0, hot), (1, hot)],
            vec![(0, cold), (1, hot)],
            vec![(0, cold), (1, hot)],
        ];
        let heat = persistent_heat(&samples, &dates, 3, &config, t);
        assert_eq!(heat, vec![1.0, 0.5, 0.0]);
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
        config.calibration.bootstrap = 30;
        let p = predict(&data, &config, as_of).unwrap();
        let r = &p.report;
        assert!(r.cuts.len() >= 2, "{r}");
        let m = r.building_model.as_ref().expect("building model fitted");
        let coef = |name: &str| m.coefficients.iter().find(|c| c.name == name).unwrap();
        let vacancy = coef("leegstand bevestigd");
        assert!(!vacancy.includes_null, "{r}");
        let rr = vacancy.relative_risk_interval.unwrap();
        assert!(rr.low > 2.0, "{r}");
        // The past dumpings (the near-repeat), varying over the cuts of a
        // single year: present, interval clear of zero.
        assert!(!coef("herhaling (kerndichtheid)").includes_null, "{r}");
        // Floor area is noise: its interval includes no effect.
        assert!(coef("oppervlakte").includes_null, "{r}");
        // No relative risk without an interval.
        for c in &m.coefficients {
            if let Some(rr) = c.relative_risk {
                let ci = c.relative_risk_interval.expect("interval");
                assert!(ci.low.is_finite() && ci.low <= ci.high, "{}", c.describe());
                assert!(rr > 0.0, "{}", c.describe());
                // Bounded: replicates whose buildings count with their own
                // block rather than where their dumpings land ran off to
                // relative risks of 10¹⁷ and more.
                assert!(ci.high / ci.low < 1e3, "{}", c.describe());
            }
        }
        // The journey estimated near the truth (median 1 km, σ 0.5).
        assert!((700.0..1_400.0).contains(&m.journey_median_m), "{r}");
        // Sites in the top 100 buildings: far above the 4 expected at random.
        let mut all: Vec<&Inspection> = p.lists.iter().flat_map(|l| &l.inspecties).collect();
        all.sort_by(|a, b| b.risico.total_cmp(&a.risico));
        let sites = all[..100].iter().filter(|i| i.pand < 120).count();
        assert!(sites >= 10, "{sites} sites in the top 100\n{r}");
        // The points add up to the score; a building in use owes nothing
        // to vacancy, and its base rate is not called a signal.
        for i in &all {
            let b = &i.bijdragen;
            let sum = b.pand + b.leegstand + b.dumpingen + b.riool + b.satelliet;
            assert!((sum - i.risico).abs() < 1e-3 * i.risico.max(1.0), "{i:?}");
            if i.leegstand == Leegstand::Nee {
                assert_eq!(b.leegstand, 0.0, "{i:?}");
                assert!(
                    !i.belangrijkste.contains(&crate::Indicator::Leegstand),
                    "{i:?}"
                );
            }
        }
        assert!(all
            .iter()
            .any(|i| i.leegstand == Leegstand::Nee && i.bijdragen.pand > 0.0));
        // The explanation names the map's building part for what it is.
        let top = &data.panden[all[0].pand].centroid;
        let e = crate::explain(&data, &p.model, top.x(), top.y());
        let label = &e
            .indicatoren
            .iter()
            .find(|i| i.key == "leegstand")
            .unwrap()
            .label;
        assert_eq!(
            p.model.building_map(),
            r.chosen.starts_with("panden"),
            "{r}"
        );
        let expected = if p.model.building_map() {
            "Panden binnen reisafstand"
        } else {
            "Leegstaande schuren"
        };
        assert_eq!(*label, expected, "{r}");
    }

    /// How often the intervals `run` reports hold the truth, on regions
    /// drawn from the building model itself (known β and journey), each
    /// fitted as `run` fits it (the fit on every cut, then `best_fit`):
    /// the trait's bootstrap interval, given the estimated journey, and the
    /// journey median's profile interval (an open end reaches to the range
    /// a median may take). A measurement for MODEL.md, not run by default
    /// (about 40 s in release):
    /// `cargo test --release -p buitenzicht-score -- --ignored coverage --nocapture`.
    #[test]
    #[ignore = "a measurement (MODEL.md), about 40 s in release"]
    fn coverage_of_the_intervals_on_data_drawn_from_the_model() {
        use crate::drawn::{drawn, BETA0, BETA1, DRAWN_JOURNEY};
        use crate::journey_interval::{best_fit, Bound};
        use crate::profile::MEDIAN_RANGE_M;
        const SEEDS: u64 = 40;
        struct Held {
            trait_held: bool,
            journey_held: bool,
            open_ends: usize,
            trait_width: f64,
            journey_width: f64,
        }
        let held: Vec<Held> = (1..=SEEDS)
            .into_par_iter()
            .map(|seed| {
                let (spec, buildings, periods) = drawn(seed, DRAWN_JOURNEY, 2_000, BETA0);
                let exposure = vec![1.0; spec.len()];
                let grid = FitGrid {
                    spec,
                    scored: vec![true; spec.len()],
                    exposure,
                };
                let region = Region::new(&buildings, spec, &grid.exposure);
                let start = Fit::start(&periods, buildings.len());
                let first = profile::fit(&region, &periods, &start, FIT, None);
                let (fit, median) = best_fit(&region, &periods, first, FIT);
                let density = Density::new(BANDWIDTHS_M[3], false);
                let near: Vec<NearRepeat> = periods
                    .iter()
                    .map(|p| NearRepeat::new(&grid, &density.points(&p.past), BANDWIDTHS_M[3]))
                    .collect();
                let coefficients = intervals(&region, &grid, &periods, (&fit, &near), 100);
                let Some(trait_ci) = coefficients
                    .iter()
                    .find(|c| c.name == TRAITS[1])
                    .and_then(|c| c.relative_risk_interval)
                else {
                    panic!("seed {seed}: no interval for {}", TRAITS[1]);
                };
                let (low, low_open) = match median.low_m {
                    Bound::At(m) => (m, false),
                    Bound::Beyond(_) => (MEDIAN_RANGE_M.0, true),
                };
                let (high, high_open) = match median.high_m {
                    Bound::At(m) => (m, false),
                    Bound::Beyond(_) => (MEDIAN_RANGE_M.1, true),
                };
                Held {
                    trait_held: trait_ci.contains(BETA1.exp()),
                    journey_held: low <= DRAWN_JOURNEY.median_m && DRAWN_JOURNEY.median_m <= high,
                    open_ends: low_open as usize + high_open as usize,
                    trait_width: (trait_ci.high / trait_ci.low).ln(),
                    journey_width: (high / low).ln(),
                }
            })
            .collect();
        let n = held.len() as f64;
        let trait_held = held.iter().filter(|h| h.trait_held).count();
        let journey_held = held.iter().filter(|h| h.journey_held).count();
        println!(
            "{SEEDS} regions: the trait's 95 % bootstrap interval held RR e^{BETA1} in {trait_held} (mean width {:.2} in ln RR); the median's 95 % profile interval held {:.0} m in {journey_held} (mean width {:.2} in ln m, {} open ends)",
            held.iter().map(|h| h.trait_width).sum::<f64>() / n,
            DRAWN_JOURNEY.median_m,
            held.iter().map(|h| h.journey_width).sum::<f64>() / n,
            held.iter().map(|h| h.open_ends).sum::<usize>(),
        );
        assert!(trait_held as f64 >= 0.8 * n && journey_held as f64 >= 0.8 * n);
    }
}
