//! `buitenzicht study`: the simulation study. For each seed a synthetic
//! region with its own mechanisms (`buitenzicht_synth::study`) is written,
//! `run`'s model sees its inputs up to one year before the end, and is
//! measured on that last year against what only hindsight or the truth
//! can know: the best kernel density of past dumpings (bandwidth chosen on
//! the test year itself) and the true intensity; the building ranking
//! against vacancy-first and the density at each building.

use super::BoxError;
use buitenzicht_ingest::{ingest, Dataset, IngestOptions, LayerSources, Leegstand};
use buitenzicht_score::backtest::{evaluate, Metrics, AREA_SHARES};
use buitenzicht_score::density::{kernel_density, WeightedPoint};
use buitenzicht_score::predict::BANDWIDTHS_M;
use buitenzicht_score::{predict, RiskModel, ScoreConfig};
use buitenzicht_synth::study::{generate_study_region, Truth};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// Ranks at which building recall is measured.
const RECALL_AT: [usize; 3] = [25, 50, 100];

/// One seed's figures.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SeedResult {
    pub seed: u64,
    pub mechanisms: buitenzicht_synth::study::Mechanisms,
    pub chosen: String,
    pub test_events: u32,
    pub model: Vec<Metrics>,
    pub best_kde: Vec<Metrics>,
    pub best_kde_name: String,
    pub truth: Vec<Metrics>,
    /// The sites running at the cut, at their true place, rate and journey,
    /// for the whole test year (`Truth::intensity_running_at_cut`): what a
    /// perfect reading of the past can show.
    #[serde(default)]
    pub running: Vec<Metrics>,
    /// The same sites until each stops (`Truth::intensity_running_to_end`).
    #[serde(default)]
    pub running_to_end: Vec<Metrics>,
    pub active_buildings: usize,
    /// Recall at 25, 50, 100 for the model, vacancy-first and density.
    pub recall_model: [f64; 3],
    pub recall_vacancy: [f64; 3],
    pub recall_kde: [f64; 3],
}

impl SeedResult {
    fn pai(m: &[Metrics], k: usize) -> f64 {
        m.get(k).map_or(0.0, |m| m.pai)
    }

    /// Model PAI at 5 % over the best density's.
    pub fn map_ratio(&self) -> f64 {
        let kde = Self::pai(&self.best_kde, 1);
        if kde > 0.0 {
            Self::pai(&self.model, 1) / kde
        } else {
            f64::NAN
        }
    }

    /// Model recall at 50 over the best baseline's.
    pub fn building_ratio(&self) -> f64 {
        let base = self.recall_vacancy[1].max(self.recall_kde[1]);
        if base > 0.0 {
            self.recall_model[1] / base
        } else {
            f64::NAN
        }
    }
}

/// The figures of an earlier study, from its `--json` file.
pub fn read_results(path: &Path) -> Result<Vec<SeedResult>, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let results: Vec<SeedResult> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: geen uitkomst van `buitenzicht study --json`: {e}",
            path.display()
        )
    })?;
    // Means over no seed would print as figures (and "gehaald").
    if results.is_empty() {
        return Err(format!("{}: bevat geen enkele seed", path.display()).into());
    }
    Ok(results)
}

pub fn run(
    seeds: u64,
    first: u64,
    json: Option<&Path>,
    from: Option<&Path>,
) -> Result<(), BoxError> {
    if seeds == 0 && from.is_none() {
        return Err("--seeds 0: een studie vraagt minstens één seed".into());
    }
    if let Some(path) = from {
        super::write_out(format_args!("{}", table(&read_results(path)?)))?;
        return Ok(());
    }
    let results: Vec<SeedResult> = (first..first + seeds)
        .map(|seed| {
            let r = one_seed(seed);
            if let Ok(r) = &r {
                eprintln!(
                    "seed {seed}: PAI5 model {:.2}, beste kerndichtheid {:.2} ({}), waarheid {:.2}; recall@50 model {:.0} %, leegstand {:.0} %, dichtheid {:.0} %  [{}]",
                    SeedResult::pai(&r.model, 1),
                    SeedResult::pai(&r.best_kde, 1),
                    r.best_kde_name,
                    SeedResult::pai(&r.truth, 1),
                    100.0 * r.recall_model[1],
                    100.0 * r.recall_vacancy[1],
                    100.0 * r.recall_kde[1],
                    r.chosen
                );
            }
            r
        })
        .collect::<Result<_, _>>()?;
    // The file before the table, which a closed pipe may cut short.
    if let Some(path) = json {
        buitenzicht_products::export::write_atomic(
            path,
            serde_json::to_string_pretty(&results)?.as_bytes(),
        )?;
    }
    super::write_out(format_args!("{}", table(&results)))?;
    Ok(())
}

fn one_seed(seed: u64) -> Result<SeedResult, BoxError> {
    let dir = tempfile::tempdir()?;
    let truth = generate_study_region(dir.path(), seed)?;
    let project = dir.path().join("buitenzicht.toml");
    let text = std::fs::read_to_string(&project)?;
    #[derive(serde::Deserialize)]
    struct Layers {
        layers: LayerSources,
    }
    let mut layers = toml::from_str::<Layers>(&text)?.layers;
    layers.resolve_paths(dir.path());
    let (data, _) = ingest(&layers, &IngestOptions::default())?;
    // The study measures rankings, not intervals: no bootstrap.
    let mut config = ScoreConfig::default();
    config.calibration.bootstrap = 0;
    let prediction = predict(&data, &config, truth.cut)?;
    let model = &prediction.model;

    let events = test_events(&data, model, &truth);
    let test_events: u32 = events.iter().sum();
    let model_metrics = evaluate(&model.risk, &events, &AREA_SHARES);

    // The strongest density: every bandwidth, plain and with time decay,
    // judged on the test year itself.
    let past = |decay: bool| -> Vec<WeightedPoint> {
        data.dumpingen
            .iter()
            .filter(|d| d.datum <= truth.cut)
            .map(|d| WeightedPoint {
                x: d.location.x(),
                y: d.location.y(),
                weight: if decay {
                    0.5f64.powf((truth.cut - d.datum).num_days() as f64 / 365.0)
                } else {
                    1.0
                },
            })
            .collect()
    };
    let mut best: Option<(String, Vec<Metrics>, Vec<f32>)> = None;
    for decay in [false, true] {
        let points = past(decay);
        for &h in &BANDWIDTHS_M {
            let mut kde = kernel_density(&model.spec, &points, h);
            mask(&mut kde, model);
            let m = evaluate(&kde, &events, &AREA_SHARES);
            if best.as_ref().is_none_or(|b| m[1].pai > b.1[1].pai) {
                let name = format!("{h:.0} m{}", if decay { ", verval" } else { "" });
                best = Some((name, m, kde));
            }
        }
    }
    let (best_kde_name, best_kde, kde_values) = best.ok_or("geen kerndichtheid")?;

    let area = model.risk.iter().filter(|v| !v.is_nan()).count() as f64
        * model.spec.cell
        * model.spec.cell;
    let surface = |f: &(dyn Fn(f64, f64, f64) -> f64 + Sync)| -> Vec<Metrics> {
        let values: Vec<f32> = (0..model.spec.len())
            .into_par_iter()
            .map(|i| {
                if model.risk[i].is_nan() {
                    return f32::NAN;
                }
                let [x, y] = model.spec.centre(i % model.spec.cols, i / model.spec.cols);
                f(x, y, area) as f32
            })
            .collect();
        evaluate(&values, &events, &AREA_SHARES)
    };
    let truth_metrics = surface(&|x, y, a| truth.intensity(x, y, a));
    let running = surface(&|x, y, a| truth.intensity_running_at_cut(x, y, a));
    let running_to_end = surface(&|x, y, a| truth.intensity_running_to_end(x, y, a));

    // Buildings.
    let active: std::collections::HashSet<&str> = truth.active_buildings().into_iter().collect();
    let in_buitengebied = |i: usize| {
        let c = data.panden[i].centroid;
        model
            .spec
            .cell_at(c.x(), c.y())
            .is_some_and(|(col, row)| !model.risk[model.spec.index(col, row)].is_nan())
    };
    let mut ranked: Vec<(&str, f32)> = prediction
        .lists
        .iter()
        .flat_map(|l| l.inspecties.iter())
        .map(|i| (i.identificatie.as_str(), i.risico))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let model_order: Vec<&str> = ranked.iter().map(|r| r.0).collect();
    let candidates: Vec<usize> = (0..data.panden.len())
        .filter(|&i| in_buitengebied(i))
        .collect();
    let mut vacancy = candidates.clone();
    let vacancy_rank = |l: Leegstand| match l {
        Leegstand::Bevestigd => 0,
        Leegstand::Vermoedelijk => 1,
        Leegstand::Onbekend => 2,
        Leegstand::Nee => 3,
    };
    vacancy.sort_by(|&a, &b| {
        let (pa, pb) = (&data.panden[a], &data.panden[b]);
        vacancy_rank(pa.leegstand)
            .cmp(&vacancy_rank(pb.leegstand))
            .then(pb.oppervlakte.total_cmp(&pa.oppervlakte))
    });
    let kde_at = |i: usize| {
        let c = data.panden[i].centroid;
        model
            .spec
            .cell_at(c.x(), c.y())
            .map_or(0.0, |(col, row)| kde_values[model.spec.index(col, row)])
    };
    let mut by_kde = candidates.clone();
    by_kde.sort_by(|&a, &b| kde_at(b).total_cmp(&kde_at(a)));
    let ids = |order: &[usize]| -> Vec<&str> {
        order
            .iter()
            .map(|&i| data.panden[i].identificatie.as_str())
            .collect()
    };
    let recall = |order: &[&str]| -> [f64; 3] {
        RECALL_AT.map(|k| {
            if active.is_empty() {
                return f64::NAN;
            }
            order
                .iter()
                .take(k)
                .filter(|id| active.contains(*id))
                .count() as f64
                / active.len() as f64
        })
    };
    Ok(SeedResult {
        seed,
        mechanisms: truth.mechanisms.clone(),
        chosen: prediction.report.chosen.clone(),
        test_events,
        model: model_metrics,
        best_kde,
        best_kde_name,
        truth: truth_metrics,
        running,
        running_to_end,
        active_buildings: active.len(),
        recall_model: recall(&model_order),
        recall_vacancy: recall(&ids(&vacancy)),
        recall_kde: recall(&ids(&by_kde)),
    })
}

/// Test-year dumpings per cell of the model's grid, where it scores.
fn test_events(data: &Dataset, model: &RiskModel, truth: &Truth) -> Vec<u32> {
    let mut events = vec![0u32; model.spec.len()];
    for d in data
        .dumpingen
        .iter()
        .filter(|d| d.datum > truth.cut && d.datum <= truth.end)
    {
        if let Some((c, r)) = model.spec.cell_at(d.location.x(), d.location.y()) {
            let i = model.spec.index(c, r);
            if !model.risk[i].is_nan() {
                events[i] += 1;
            }
        }
    }
    events
}

fn mask(values: &mut [f32], model: &RiskModel) {
    for (v, r) in values.iter_mut().zip(&model.risk) {
        if r.is_nan() {
            *v = f32::NAN;
        }
    }
}

/// Ratio of two figures, NaN when the denominator is not positive.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// The per-seed table and the summary, as Markdown.
pub fn table(results: &[SeedResult]) -> String {
    let mut out = String::from(
        "| seed | reisafstand | geschiedenis | toetsdumpingen | gekozen | PAI 1/5/10 % model | beste kerndichtheid | PAI 1/5/10 % kerndichtheid | PAI 1/5/10 % waarheid | PEI* 1/5/10 % model | PEI* 1/5/10 % kerndichtheid | verhouding kaart (PAI 5 %) | actieve panden | recall 25/50/100 model | leegstand eerst | kerndichtheid bij pand | verhouding panden (recall@50) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let join = |v: Vec<f64>, percent: bool| {
        v.iter()
            .map(|x| {
                if percent {
                    format!("{:.0} %", 100.0 * x)
                } else {
                    format!("{x:.2}")
                }
            })
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let pais = |m: &[Metrics]| join(m.iter().map(|m| m.pai).collect(), false);
    let peis = |m: &[Metrics]| join(m.iter().map(|m| m.pei_star).collect(), false);
    for r in results {
        out.push_str(&format!(
            "| {} | {:.0} m | {} j | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {} | {} | {} | {} | {:.2} |\n",
            r.seed,
            r.mechanisms.journey_median_m,
            r.mechanisms.history_years,
            r.test_events,
            r.chosen,
            pais(&r.model),
            r.best_kde_name,
            pais(&r.best_kde),
            pais(&r.truth),
            peis(&r.model),
            peis(&r.best_kde),
            r.map_ratio(),
            r.active_buildings,
            join(r.recall_model.to_vec(), true),
            join(r.recall_vacancy.to_vec(), true),
            join(r.recall_kde.to_vec(), true),
            r.building_ratio(),
        ));
    }
    out.push('\n');
    out.push_str(&summary(results));
    out
}

/// Mean and worst of every ratio over the seeds, and the verdict on the
/// targets, as Markdown.
pub fn summary(results: &[SeedResult]) -> String {
    let finite = |v: Vec<f64>| v.into_iter().filter(|x| x.is_finite()).collect::<Vec<_>>();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let worst = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let mut out = String::from(
        "| verhouding | gemiddeld | slechtste | beste | seeds |\n|---|---|---|---|---|\n",
    );
    let mut row = |name: String, v: Vec<f64>| {
        let v = finite(v);
        let best = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.push_str(&format!(
            "| {name} | {:.2} | {:.2} | {:.2} | {} |\n",
            mean(&v),
            worst(&v),
            best,
            v.len()
        ));
    };
    let at = |m: &[Metrics], k: usize, pei: bool| {
        m.get(k)
            .map_or(f64::NAN, |m| if pei { m.pei_star } else { m.pai })
    };
    // What the past can show (absent from studies written before them).
    type Pick = fn(&SeedResult) -> &[Metrics];
    let references: [(&str, Pick); 2] = [
        ("lopend op de peildatum", |r| &r.running),
        ("lopend tot hun einde", |r| &r.running_to_end),
    ];
    for (k, share) in AREA_SHARES.iter().enumerate() {
        let pct = 100.0 * share;
        row(
            format!("PAI {pct:.0} % model / beste kerndichtheid"),
            results
                .iter()
                .map(|r| ratio(at(&r.model, k, false), at(&r.best_kde, k, false)))
                .collect(),
        );
        row(
            format!("PEI* {pct:.0} % model / beste kerndichtheid"),
            results
                .iter()
                .map(|r| ratio(at(&r.model, k, true), at(&r.best_kde, k, true)))
                .collect(),
        );
        row(
            format!("PAI {pct:.0} % waarheid / beste kerndichtheid (plafond)"),
            results
                .iter()
                .map(|r| ratio(at(&r.truth, k, false), at(&r.best_kde, k, false)))
                .collect(),
        );
        for (name, pick) in references {
            let v: Vec<f64> = results
                .iter()
                .filter(|r| !pick(r).is_empty())
                .map(|r| ratio(at(pick(r), k, false), at(&r.best_kde, k, false)))
                .collect();
            if !v.is_empty() {
                row(format!("PAI {pct:.0} % {name} / beste kerndichtheid"), v);
            }
        }
        row(
            format!("PAI {pct:.0} % model / waarheid"),
            results
                .iter()
                .map(|r| ratio(at(&r.model, k, false), at(&r.truth, k, false)))
                .collect(),
        );
    }
    for (k, n) in RECALL_AT.iter().enumerate() {
        row(
            format!("recall@{n} model / beste basislijn"),
            results
                .iter()
                .map(|r| ratio(r.recall_model[k], r.recall_vacancy[k].max(r.recall_kde[k])))
                .collect(),
        );
    }
    let maps = finite(results.iter().map(SeedResult::map_ratio).collect());
    let buildings = finite(results.iter().map(SeedResult::building_ratio).collect());
    let verdict = |ok: bool| if ok { "GEHAALD" } else { "NIET GEHAALD" };
    let chosen = results
        .iter()
        .filter(|r| r.chosen.starts_with("panden"))
        .count();
    out.push_str(&format!(
        "\nkaart (PAI 5 % model / beste kerndichtheid achteraf): gemiddeld {:.2} (doel ≥ 1.3: {}), slechtste {:.2} (doel ≥ 1.0: {})\n",
        mean(&maps),
        verdict(mean(&maps) >= 1.3),
        worst(&maps),
        verdict(worst(&maps) >= 1.0)
    ));
    out.push_str(&format!(
        "panden (recall@50 model / beste basislijn): gemiddeld {:.2} (doel ≥ 1.5: {}), slechtste {:.2}\n",
        mean(&buildings),
        verdict(mean(&buildings) >= 1.5),
        worst(&buildings)
    ));
    out.push_str(&format!(
        "pandenmodel gekozen voor de kaart in {chosen} van {} seeds\n",
        results.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(pai: f64) -> Vec<Metrics> {
        AREA_SHARES
            .iter()
            .map(|&area_share| Metrics {
                area_share,
                cells: 100,
                hits: 5.0,
                hit_rate: 0.1,
                pai,
                best_possible: 10,
                pei_star: 0.5,
            })
            .collect()
    }

    fn result(running: Vec<Metrics>) -> SeedResult {
        SeedResult {
            seed: 1,
            mechanisms: buitenzicht_synth::study::Mechanisms {
                journey_median_m: 1_000.0,
                journey_sigma: 0.5,
                share_in_use: 0.2,
                share_unregistered: 0.1,
                satellite_detection: 0.5,
                satellite_decoys: 10,
                share_sewer: 0.5,
                history_years: 2,
                background_per_year: 10.0,
            },
            chosen: "kerndichtheid dumpingen 1000 m".into(),
            test_events: 50,
            model: metrics(2.0),
            best_kde: metrics(2.5),
            best_kde_name: "1000 m".into(),
            truth: metrics(5.0),
            running_to_end: running.clone(),
            running,
            active_buildings: 4,
            recall_model: [0.25, 0.5, 0.75],
            recall_vacancy: [0.0, 0.25, 0.25],
            recall_kde: [0.25, 0.25, 0.5],
        }
    }

    /// A study written before the references were measured still reads,
    /// and its summary leaves them out rather than show a zero.
    #[test]
    fn studies_without_references_still_read() {
        let mut json = serde_json::to_value(vec![result(metrics(4.0))]).unwrap();
        for r in json.as_array_mut().unwrap() {
            let r = r.as_object_mut().unwrap();
            r.remove("running");
            r.remove("running_to_end");
        }
        let old: Vec<SeedResult> = serde_json::from_value(json).unwrap();
        assert!(old[0].running.is_empty());
        let before = summary(&old);
        assert!(!before.contains("lopend"), "{before}");
        assert!(before.contains("| PAI 5 % model / beste kerndichtheid | 0.80 |"));

        let new = summary(&[result(metrics(4.0))]);
        assert!(
            new.contains("| PAI 5 % lopend op de peildatum / beste kerndichtheid | 1.60 |"),
            "{new}"
        );
    }
}
