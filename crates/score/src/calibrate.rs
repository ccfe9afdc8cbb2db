//! Calibrated weights, the Risk Terrain Modeling way: a Poisson regression
//! of dumpings per cell on the risk-factor [`variables`], with an
//! elastic-net penalty whose strength is chosen by spatially blocked
//! cross-validation.
//!
//! `calibrate(until)` takes the dumpings of the `outcome_days` up to `until`
//! as the outcome and builds the variables as of the start of that window,
//! so no dumping predicts itself. Every variable is a risk factor by
//! construction, so coefficients are kept non-negative (a variable that
//! does not raise the risk gets 0 and drops out). Each kept variable is
//! reported with its coefficient β, its relative risk value exp(β) (the
//! factor by which the expected number of dumpings grows when the variable
//! goes from 0 to 1) and the number of cells where it is present.
//!
//! Scoring with a calibrated model: η = Σ βⱼ xⱼ is the log relative risk of
//! a cell against one where no factor is present; the risk is
//! `100 · η / η_max`, with η_max the highest η in the buitengebied, and each
//! indicator's contribution is its part Σ_{j ∈ indicator} βⱼ xⱼ of it.

use crate::bootstrap::{self, Interval};
use crate::config::CalibrationConfig;
use crate::format::{interval, number};
use crate::model::{RiskModel, Weighting};
use crate::signals::Base;
use crate::variables::{build_each, variables, Variable};
use crate::{ScoreConfig, ScoreError};
use buitenzicht_ingest::Dataset;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A coefficient below this (a relative risk under 1.001 from the
/// variable's 0 to its 1) counts as 0: the variable is not kept.
pub const NEGLIGIBLE_BETA: f64 = 1e-3;

/// A fitted variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedVariable {
    #[serde(flatten)]
    pub variable: Variable,
    /// Coefficient on the variable's 0..1 scale.
    pub beta: f64,
    /// exp(β): relative risk value.
    pub relative_risk: f64,
    /// Its 95 % spatial block-bootstrap interval.
    pub relative_risk_interval: Interval,
    /// The interval reaches to within [`bootstrap::NULL_RR`] of 1: the
    /// data do not show the variable raises the risk.
    pub includes_null: bool,
    /// Buitengebied cells where the variable is above 0.
    pub cells: usize,
}

impl FittedVariable {
    /// Whether the model uses the variable: β of at least
    /// [`NEGLIGIBLE_BETA`]. Model files written before that bound could
    /// hold a β of 10⁻¹⁰, which is not used either.
    pub fn kept(&self) -> bool {
        self.beta >= NEGLIGIBLE_BETA
    }
}

/// Cross-validated deviance at one penalty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvPoint {
    pub lambda: f64,
    /// Mean held-out Poisson deviance per unit weight.
    pub deviance: f64,
    pub standard_error: f64,
    /// Variables with a non-zero coefficient on all data.
    pub kept: usize,
}

/// A calibrated model, as written by `buitenzicht calibrate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub until: NaiveDate,
    /// Variables are built as of this date; the outcome is the dumpings after it.
    pub predictors_as_of: NaiveDate,
    pub events: u32,
    pub cells: usize,
    pub sample_cells: usize,
    pub alpha: f64,
    /// The chosen penalty: the largest within one standard error of the
    /// lowest cross-validated deviance (the one-standard-error rule).
    pub lambda: f64,
    /// The penalty with the lowest cross-validated deviance.
    pub lambda_min: f64,
    pub bootstrap_replicates: usize,
    pub intercept: f64,
    pub variables: Vec<FittedVariable>,
    pub cross_validation: Vec<CvPoint>,
    /// Every scoring setting at calibration (without the model path):
    /// the variables, and so the coefficients, mean what they mean only
    /// with these; [`Calibration::check_settings`] refuses others.
    pub settings: ScoreConfig,
}

/// The settings the variables are built with, as (project-file key,
/// value): every one of them changes what a coefficient means.
fn dependent_settings(c: &ScoreConfig) -> Vec<(&'static str, serde_json::Value)> {
    let v = |x: serde_json::Result<serde_json::Value>| x.unwrap_or(serde_json::Value::Null);
    vec![
        ("scoring.cell_size", v(serde_json::to_value(c.cell_size))),
        ("scoring.leegstand", v(serde_json::to_value(&c.leegstand))),
        ("scoring.dumpingen", v(serde_json::to_value(&c.dumpingen))),
        ("scoring.riool", v(serde_json::to_value(&c.riool))),
        ("scoring.satelliet", v(serde_json::to_value(&c.satelliet))),
        (
            "scoring.normalisation_quantile",
            v(serde_json::to_value(c.normalisation_quantile)),
        ),
        ("scoring.variables", v(serde_json::to_value(&c.variables))),
    ]
}

/// The first key below `key` where `a` and `b` differ, with both values.
fn first_difference(
    key: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    &format!("{key}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        _ if a != b => Some((key.to_string(), a.to_string(), b.to_string())),
        _ => None,
    }
}

impl Calibration {
    /// Refuses `project` settings that differ from the calibration's in
    /// anything the coefficients depend on; the message names the key.
    pub fn check_settings(&self, project: &ScoreConfig) -> Result<(), ScoreError> {
        for ((key, model), (_, now)) in dependent_settings(&self.settings)
            .iter()
            .zip(dependent_settings(project).iter())
        {
            if let Some((setting, model, project)) = first_difference(key, model, now) {
                return Err(ScoreError::ModelSettings {
                    setting,
                    model,
                    project,
                });
            }
        }
        Ok(())
    }

    fn config_block_m(&self) -> f64 {
        self.settings.calibration.block_m
    }

    fn max_relative_risk(&self) -> f64 {
        self.settings.calibration.max_relative_risk
    }
}

/// Fits the model on the dumpings of the `outcome_days` up to `until`.
pub fn calibrate(
    data: &Dataset,
    config: &ScoreConfig,
    until: NaiveDate,
) -> Result<Calibration, ScoreError> {
    let cc = &config.calibration;
    let predictors_as_of = until - chrono::Duration::days(cc.outcome_days);
    let base = Base::new(data, config, predictors_as_of)?;
    let spec = &base.spec;

    // Outcome per cell.
    let mut y = vec![0u32; spec.len()];
    for d in data
        .dumpingen
        .iter()
        .filter(|d| d.datum > predictors_as_of && d.datum <= until)
    {
        if let Some((c, r)) = spec.cell_at(d.location.x(), d.location.y()) {
            let i = spec.index(c, r);
            if base.buitengebied[i] {
                y[i] += 1;
            }
        }
    }
    // Without one dumping every coefficient is 0: a model that says
    // nothing, which `run` would then use.
    if y.iter().all(|&v| v == 0) {
        return Err(ScoreError::NoOutcome {
            from: predictors_as_of,
            until,
        });
    }
    // All cells with a dumping, and a weighted sample of the others.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cc.seed);
    let mut zeros: Vec<usize> = (0..spec.len())
        .filter(|&i| base.buitengebied[i] && y[i] == 0)
        .collect();
    let cells = zeros.len() + y.iter().filter(|&&v| v > 0).count();
    let take = cc.zero_cells.min(zeros.len());
    let mut sample: Vec<(usize, f64)> = (0..spec.len())
        .filter(|&i| y[i] > 0)
        .map(|i| (i, 1.0))
        .collect();
    // Each sampled zero cell stands for this many.
    let weight = zeros.len() as f64 / take.max(1) as f64;
    // Partial Fisher–Yates: a uniform sample without replacement.
    for k in 0..take {
        let pick = rng.random_range(k..zeros.len());
        zeros.swap(k, pick);
        sample.push((zeros[k], weight));
    }

    let vars = variables(&config.variables);
    let p = vars.len();
    let n = sample.len();
    let mut x = vec![0f64; n * p];
    let mut touched = vec![0usize; p];
    build_each(
        &base,
        data,
        config,
        predictors_as_of,
        &vec![true; p],
        |j, grid| {
            touched[j] = grid
                .iter()
                .zip(&base.buitengebied)
                .filter(|(v, &b)| b && **v > 0.0)
                .count();
            for (k, &(i, _)) in sample.iter().enumerate() {
                x[j * n + k] = grid[i] as f64;
            }
            Ok(())
        },
    )?;
    let fold: Vec<usize> = sample
        .iter()
        .map(|&(i, _)| {
            let [cx, cy] = spec.centre(i % spec.cols, i / spec.cols);
            let (bx, by) = (
                (cx / cc.block_m).floor() as i64,
                (cy / cc.block_m).floor() as i64,
            );
            // A fixed scramble of the block so that folds are spread out.
            let h = (bx.wrapping_mul(73_856_093) ^ by.wrapping_mul(19_349_663)).unsigned_abs();
            (h % cc.folds.max(2) as u64) as usize
        })
        .collect();
    let design = Design {
        x,
        n,
        p,
        y: sample.iter().map(|&(i, _)| y[i] as f64).collect(),
        w: sample.iter().map(|&(_, w)| w).collect(),
    };
    let events: u32 = y.iter().sum();
    let beta_max = cc.max_relative_risk.max(1.0).ln();
    let fit = cross_validated_fit(
        &design,
        &fold,
        cc.folds.max(2),
        cc.alpha,
        cc.lambdas,
        beta_max,
    );
    let (block_of, blocks) = bootstrap::blocks_of(
        sample
            .iter()
            .map(|&(i, _)| spec.centre(i % spec.cols, i / spec.cols)),
        cc.block_m,
    );
    let intervals = bootstrap_betas(&design, &fit, &block_of, blocks, cc, beta_max);
    Ok(Calibration {
        until,
        predictors_as_of,
        events,
        cells,
        sample_cells: n,
        alpha: cc.alpha,
        lambda: fit.lambda,
        lambda_min: fit.lambda_min,
        bootstrap_replicates: cc.bootstrap,
        intercept: fit.intercept,
        variables: vars
            .into_iter()
            .zip(&fit.beta)
            .zip(touched)
            .zip(intervals)
            .map(|(((variable, &beta), cells), interval)| FittedVariable {
                variable,
                // The lasso stops a hair above its threshold, too: a β that
                // moves the risk by less than 0.1 % over the variable's
                // whole range is none, and the map, scaled to its own
                // highest cell, would stretch it to 0–100.
                beta: if beta < NEGLIGIBLE_BETA { 0.0 } else { beta },
                relative_risk: if beta < NEGLIGIBLE_BETA {
                    1.0
                } else {
                    beta.exp()
                },
                relative_risk_interval: interval,
                includes_null: interval.includes_no_effect(),
                cells,
            })
            .collect(),
        cross_validation: fit.path,
        settings: ScoreConfig {
            model: None,
            ..config.clone()
        },
    })
}

/// Scores `data` as of `as_of` with a calibrated model.
pub fn score_calibrated(
    data: &Dataset,
    config: &ScoreConfig,
    calibration: &Calibration,
    as_of: NaiveDate,
) -> Result<RiskModel, ScoreError> {
    calibration.check_settings(config)?;
    let base = Base::new(data, config, as_of)?;
    let wanted: Vec<bool> = calibration
        .variables
        .iter()
        .map(FittedVariable::kept)
        .collect();
    let mut eta: [Vec<f32>; 4] = std::array::from_fn(|_| vec![0f32; base.spec.len()]);
    build_each(&base, data, config, as_of, &wanted, |j, grid| {
        let v = &calibration.variables[j];
        let beta = v.beta as f32;
        eta[v.variable.indicator.index()]
            .par_iter_mut()
            .zip(&grid)
            .for_each(|(e, &x)| *e += beta * x);
        Ok(())
    })?;
    // Scale so that the highest η in the buitengebied is 100: the risk is
    // then linear in the log relative risk and keeps its order to the top.
    let eta_max = (0..base.spec.len())
        .into_par_iter()
        .filter(|&i| base.buitengebied[i])
        .map(|i| eta.iter().map(|e| e[i]).sum::<f32>())
        .reduce(|| 0.0, f32::max);
    let to_points = if eta_max > 0.0 { 100.0 / eta_max } else { 0.0 };
    for e in eta.iter_mut() {
        e.par_iter_mut().for_each(|c| *c *= to_points);
    }
    let mut full = [0f32; 4];
    for v in calibration.variables.iter().filter(|v| v.kept()) {
        full[v.variable.indicator.index()] += v.beta as f32 * to_points;
    }
    Ok(base.into_model(
        config,
        as_of,
        Weighting::Gekalibreerd {
            until: calibration.until,
        },
        eta,
        full,
        [1.0; 4],
    ))
}

/// The fitting data: `x` column-major (`x[j·n + i]`), counts `y`, weights `w`.
pub struct Design {
    pub x: Vec<f64>,
    pub n: usize,
    pub p: usize,
    pub y: Vec<f64>,
    pub w: Vec<f64>,
}

/// The outcome of [`cross_validated_fit`]: coefficients on the original
/// scale of the variables.
#[derive(Debug, Clone)]
pub struct Fit {
    pub lambda: f64,
    pub lambda_min: f64,
    pub intercept: f64,
    pub beta: Vec<f64>,
    pub path: Vec<CvPoint>,
}

/// Non-negative elastic-net Poisson regression with the penalty chosen by
/// K-fold cross-validation (`fold[i]` in `0..folds`) and the
/// one-standard-error rule, every β bounded by `beta_max`.
pub fn cross_validated_fit(
    design: &Design,
    fold: &[usize],
    folds: usize,
    alpha: f64,
    lambdas: usize,
    beta_max: f64,
) -> Fit {
    let std = Standardized::new(design, beta_max);
    let all: Vec<bool> = vec![true; design.n];
    let lambda_max = std.lambda_max(&all, alpha).max(1e-12);
    let path: Vec<f64> = (0..lambdas.max(2))
        .map(|k| lambda_max * (1e-3f64).powf(k as f64 / (lambdas.max(2) - 1) as f64))
        .collect();
    // Held-out deviance per fold and penalty.
    let per_fold: Vec<Vec<f64>> = (0..folds)
        .into_par_iter()
        .map(|f| {
            let train: Vec<bool> = fold.iter().map(|&g| g != f).collect();
            let test: Vec<bool> = train.iter().map(|t| !t).collect();
            std.fit_path(&train, &path, alpha)
                .iter()
                .map(|(b0, beta)| std.deviance(&test, *b0, beta))
                .collect()
        })
        .collect();
    let full = std.fit_path(&all, &path, alpha);
    let cv: Vec<CvPoint> = path
        .iter()
        .enumerate()
        .map(|(k, &lambda)| {
            let d: Vec<f64> = per_fold
                .iter()
                .map(|f| f[k])
                .filter(|v| v.is_finite())
                .collect();
            let mean = d.iter().sum::<f64>() / d.len().max(1) as f64;
            let var =
                d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (d.len().max(2) - 1) as f64;
            CvPoint {
                lambda,
                deviance: mean,
                standard_error: (var / d.len().max(1) as f64).sqrt(),
                kept: full[k].1.iter().filter(|b| **b > 0.0).count(),
            }
        })
        .collect();
    // The penalty with the lowest cross-validated deviance (glmnet's
    // `lambda.min`), then the largest penalty whose deviance is within one
    // standard error of it (`lambda.1se`, Hastie, Tibshirani & Friedman
    // 2009, §7.10): the simplest model the data cannot tell from the best.
    let min = (0..cv.len())
        .min_by(|&a, &b| cv[a].deviance.total_cmp(&cv[b].deviance))
        .unwrap_or(0);
    let threshold = cv[min].deviance + cv[min].standard_error;
    let best = (0..=min)
        .find(|&k| cv[k].deviance <= threshold)
        .unwrap_or(min);
    let (intercept, beta) = std.original_scale(&full[best]);
    Fit {
        lambda: path[best],
        lambda_min: path[min],
        intercept,
        beta,
        path: cv,
    }
}

/// The 95 % block-bootstrap interval of every relative risk value: blocks
/// drawn with replacement, the model refitted at the chosen penalty.
fn bootstrap_betas(
    design: &Design,
    fit: &Fit,
    block_of: &[usize],
    blocks: usize,
    cc: &CalibrationConfig,
    beta_max: f64,
) -> Vec<Interval> {
    let reps: Vec<Vec<f64>> = (0..cc.bootstrap)
        .into_par_iter()
        .map(|r| {
            let counts = bootstrap::block_counts(blocks, cc.seed, r);
            let w: Vec<f64> = design
                .w
                .iter()
                .zip(block_of)
                .map(|(w, &b)| w * counts[b])
                .collect();
            let rows: Vec<bool> = w.iter().map(|&w| w > 0.0).collect();
            let replicate = Design {
                x: design.x.clone(),
                n: design.n,
                p: design.p,
                y: design.y.clone(),
                w: w.iter().map(|&w| w.max(1e-12)).collect(),
            };
            let std = Standardized::new(&replicate, beta_max);
            // Warm start at the full fit, on this replicate's scale.
            let start: Vec<f64> = fit.beta.iter().zip(&std.sd).map(|(b, sd)| b * sd).collect();
            let path = std.fit_path_from(&rows, &[fit.lambda], cc.alpha, Some(&start));
            std.original_scale(&path[0]).1
        })
        .collect();
    (0..design.p)
        .map(|j| {
            let rr: Vec<f64> = reps.iter().map(|b| b[j].exp()).collect();
            if rr.is_empty() {
                // No replicates asked for: the interval is unknown, not narrow.
                Interval {
                    low: 1.0,
                    high: f64::INFINITY,
                }
            } else {
                Interval::of(&rr)
            }
        })
        .collect()
}

/// The design with standardized columns (weighted mean 0, sd 1).
struct Standardized<'a> {
    d: &'a Design,
    z: Vec<f64>,
    mean: Vec<f64>,
    sd: Vec<f64>,
    /// β ≤ this on the original scale, so ≤ `beta_max · sd` standardized.
    beta_max: f64,
}

impl<'a> Standardized<'a> {
    fn new(d: &'a Design, beta_max: f64) -> Self {
        let total: f64 = d.w.iter().sum();
        let mut z = d.x.clone();
        let (mut mean, mut sd) = (vec![0.0; d.p], vec![0.0; d.p]);
        for j in 0..d.p {
            let col = &mut z[j * d.n..(j + 1) * d.n];
            let m = col.iter().zip(&d.w).map(|(x, w)| x * w).sum::<f64>() / total;
            let v = col
                .iter()
                .zip(&d.w)
                .map(|(x, w)| w * (x - m).powi(2))
                .sum::<f64>()
                / total;
            let s = v.sqrt();
            for x in col.iter_mut() {
                *x = if s > 0.0 { (*x - m) / s } else { 0.0 };
            }
            mean[j] = m;
            sd[j] = s;
        }
        Standardized {
            d,
            z,
            mean,
            sd,
            beta_max,
        }
    }

    /// Intercept and coefficients on the variables' own scale.
    fn original_scale(&self, (b0, beta_std): &(f64, Vec<f64>)) -> (f64, Vec<f64>) {
        let beta: Vec<f64> = beta_std
            .iter()
            .zip(&self.sd)
            .map(|(b, sd)| if *sd > 0.0 { b / sd } else { 0.0 })
            .collect();
        let intercept = b0
            - beta_std
                .iter()
                .zip(&self.mean)
                .zip(&self.sd)
                .map(|((b, m), sd)| if *sd > 0.0 { b * m / sd } else { 0.0 })
                .sum::<f64>();
        (intercept, beta)
    }

    fn col(&self, j: usize) -> &[f64] {
        &self.z[j * self.d.n..(j + 1) * self.d.n]
    }

    /// The smallest penalty at which every coefficient stays 0.
    fn lambda_max(&self, rows: &[bool], alpha: f64) -> f64 {
        let (mut sw, mut swy) = (0.0, 0.0);
        for i in (0..self.d.n).filter(|&i| rows[i]) {
            sw += self.d.w[i];
            swy += self.d.w[i] * self.d.y[i];
        }
        let ybar = swy / sw;
        (0..self.d.p)
            .map(|j| {
                let z = self.col(j);
                (0..self.d.n)
                    .filter(|&i| rows[i])
                    .map(|i| self.d.w[i] * z[i] * (self.d.y[i] - ybar))
                    .sum::<f64>()
                    / (sw * alpha.max(1e-3))
            })
            .fold(0.0, f64::max)
    }

    /// Coefficients (standardized scale) along the penalty path, warm
    /// started, by IRLS with cyclic coordinate descent (as glmnet).
    fn fit_path(&self, rows: &[bool], path: &[f64], alpha: f64) -> Vec<(f64, Vec<f64>)> {
        self.fit_path_from(rows, path, alpha, None)
    }

    /// [`Self::fit_path`] from the standardized coefficients `start`.
    fn fit_path_from(
        &self,
        rows: &[bool],
        path: &[f64],
        alpha: f64,
        start: Option<&[f64]>,
    ) -> Vec<(f64, Vec<f64>)> {
        let idx: Vec<usize> = (0..self.d.n).filter(|&i| rows[i]).collect();
        let total: f64 = idx.iter().map(|&i| self.d.w[i]).sum();
        let ybar = idx.iter().map(|&i| self.d.w[i] * self.d.y[i]).sum::<f64>() / total;
        let mut beta = start.map_or_else(|| vec![0.0; self.d.p], <[f64]>::to_vec);
        let mut b0 = ybar.max(1e-12).ln();
        if start.is_some() {
            // The intercept that matches the mean count at this start.
            let mean_mu = idx
                .iter()
                .map(|&i| {
                    let eta: f64 = (0..self.d.p)
                        .map(|j| beta[j] * self.z[j * self.d.n + i])
                        .sum();
                    self.d.w[i] * eta.min(30.0).exp()
                })
                .sum::<f64>()
                / total;
            b0 = (ybar.max(1e-12) / mean_mu.max(1e-300)).ln();
        }
        let mut out = Vec::with_capacity(path.len());
        let mut eta = vec![0.0; idx.len()];
        for &lambda in path {
            for _irls in 0..25 {
                for (k, &i) in idx.iter().enumerate() {
                    eta[k] = b0
                        + (0..self.d.p)
                            .map(|j| beta[j] * self.z[j * self.d.n + i])
                            .sum::<f64>();
                }
                let mu: Vec<f64> = eta.iter().map(|e| e.min(30.0).exp()).collect();
                let wt: Vec<f64> = idx
                    .iter()
                    .zip(&mu)
                    .map(|(&i, m)| self.d.w[i] * m / total)
                    .collect();
                let mut r: Vec<f64> = idx
                    .iter()
                    .zip(&mu)
                    .map(|(&i, m)| (self.d.y[i] - m) / m)
                    .collect();
                let xwx: Vec<f64> = (0..self.d.p)
                    .map(|j| {
                        let z = self.col(j);
                        idx.iter().zip(&wt).map(|(&i, w)| w * z[i] * z[i]).sum()
                    })
                    .collect();
                let sum_wt: f64 = wt.iter().sum();
                let before = beta.clone();
                for _sweep in 0..200 {
                    let d0 = wt.iter().zip(&r).map(|(w, r)| w * r).sum::<f64>() / sum_wt;
                    b0 += d0;
                    r.iter_mut().for_each(|v| *v -= d0);
                    let mut change = d0.abs();
                    for j in 0..self.d.p {
                        if xwx[j] <= 0.0 {
                            continue;
                        }
                        let z = self.col(j);
                        let g: f64 = idx
                            .iter()
                            .zip(&wt)
                            .zip(&r)
                            .map(|((&i, w), r)| w * z[i] * r)
                            .sum::<f64>()
                            + beta[j] * xwx[j];
                        let new = ((g - lambda * alpha).max(0.0)
                            / (xwx[j] + lambda * (1.0 - alpha)))
                            .min(self.beta_max * self.sd[j]);
                        let delta = new - beta[j];
                        if delta != 0.0 {
                            for (k, &i) in idx.iter().enumerate() {
                                r[k] -= delta * z[i];
                            }
                            beta[j] = new;
                            change = change.max(delta.abs() * xwx[j].sqrt());
                        }
                    }
                    if change < 1e-7 {
                        break;
                    }
                }
                let moved = beta
                    .iter()
                    .zip(&before)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                if moved < 1e-6 {
                    break;
                }
            }
            out.push((b0, beta.clone()));
        }
        out
    }

    /// Mean Poisson deviance per unit weight over `rows`.
    fn deviance(&self, rows: &[bool], b0: f64, beta: &[f64]) -> f64 {
        let (mut dev, mut sw) = (0.0, 0.0);
        for i in (0..self.d.n).filter(|&i| rows[i]) {
            let eta = b0
                + (0..self.d.p)
                    .map(|j| beta[j] * self.z[j * self.d.n + i])
                    .sum::<f64>();
            let mu = eta.min(30.0).exp();
            let y = self.d.y[i];
            let term = if y > 0.0 { y * (y / mu).ln() } else { 0.0 } - (y - mu);
            dev += self.d.w[i] * 2.0 * term;
            sw += self.d.w[i];
        }
        dev / sw
    }
}

impl std::fmt::Display for Calibration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "kalibratie t/m {}: {} dumpingen na {} in {} cellen (steekproef {}), α = {}, λ = {:.3e} (één-standaardfoutregel; laagste kruisvalidatiedeviantie bij λ = {:.3e})",
            self.until, self.events, self.predictors_as_of, self.cells, self.sample_cells, self.alpha, self.lambda, self.lambda_min
        )?;
        match self.bootstrap_replicates {
            0 => writeln!(
                f,
                "geen intervallen: de blokbootstrap staat uit (`bootstrap = 0`); RRV begrensd op {:.0}",
                self.max_relative_risk()
            )?,
            n => writeln!(
                f,
                "95 %-intervallen uit een ruimtelijke blokbootstrap ({n} trekkingen, blokken van {:.0} m); RRV begrensd op {:.0}",
                self.config_block_m(),
                self.max_relative_risk()
            )?,
        }
        writeln!(
            f,
            "{:<28} {:<12} {:>8} {:>10} {:>17} {:>10}",
            "variabele", "signaal", "β", "RRV e^β", "95 %-interval", "cellen"
        )?;
        let mut kept: Vec<&FittedVariable> = self.variables.iter().filter(|v| v.kept()).collect();
        if kept.is_empty() {
            writeln!(
                f,
                "(geen variabele verklaart de dumpingen beter dan een vlak gemiddelde)"
            )?;
        }
        kept.sort_by(|a, b| b.beta.total_cmp(&a.beta));
        for v in &kept {
            writeln!(
                f,
                "{:<28} {:<12} {:>8.3} {:>10.2} {:>17} {:>10}{}",
                v.variable.name,
                v.variable.indicator.key(),
                v.beta,
                v.relative_risk,
                format!(
                    "[{}]",
                    interval(
                        v.relative_risk_interval.low,
                        v.relative_risk_interval.high,
                        number
                    )
                ),
                v.cells,
                if v.includes_null {
                    "  (interval omvat geen effect)"
                } else {
                    ""
                }
            )?;
        }
        let dropped: Vec<&str> = self
            .variables
            .iter()
            .filter(|v| !v.kept())
            .map(|v| v.variable.name.as_str())
            .collect();
        if !dropped.is_empty() {
            writeln!(f, "niet opgenomen (β = 0): {}", dropped.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Poisson draw (Knuth), for small means.
    fn poisson(rng: &mut rand_chacha::ChaCha8Rng, mean: f64) -> f64 {
        let limit = (-mean).exp();
        let (mut k, mut p) = (0.0, 1.0);
        loop {
            p *= rng.random::<f64>();
            if p < limit {
                return k;
            }
            k += 1.0;
        }
    }

    /// Counts drawn from a known log-linear intensity: the fit recovers the
    /// relative risks of the two real factors and drops the two noise ones.
    #[test]
    fn recovers_known_relative_risks() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (n, p) = (60_000, 4);
        let truth = [1.2, 0.0, 0.7, 0.0];
        let b0 = -2.0;
        let mut x = vec![0.0; n * p];
        let mut y = vec![0.0; n];
        for i in 0..n {
            let mut eta = b0;
            for j in 0..p {
                // Two continuous and two binary variables, like densities
                // and distance bands.
                let v = if j % 2 == 0 {
                    rng.random::<f64>()
                } else {
                    (rng.random::<f64>() < 0.3) as u8 as f64
                };
                x[j * n + i] = v;
                eta += truth[j] * v;
            }
            y[i] = poisson(&mut rng, eta.exp());
        }
        let design = Design {
            x,
            n,
            p,
            y,
            w: vec![1.0; n],
        };
        let fold: Vec<usize> = (0..n).map(|i| i % 5).collect();
        let fit = cross_validated_fit(&design, &fold, 5, 0.5, 20, 50f64.ln());
        // The one-standard-error rule shrinks toward "no effect" on
        // purpose: the estimate lies between 1 and the truth, within 25 %.
        for j in [0, 2] {
            let (got, want) = (fit.beta[j].exp(), truth[j].exp());
            assert!(
                got <= want * 1.05 && got >= want * 0.75,
                "RRV of x{j}: {got:.3} vs {want:.3}"
            );
        }
        for j in [1, 3] {
            assert!(fit.beta[j] < 0.1, "noise x{j}: β {}", fit.beta[j]);
        }
        assert!(
            (fit.intercept - b0).abs() < 0.3,
            "intercept {}",
            fit.intercept
        );
        // The one-standard-error rule: the chosen penalty is at least the
        // one with the lowest cross-validated deviance, within one standard
        // error of it, and better than every coefficient at zero.
        let chosen = fit.path.iter().find(|c| c.lambda == fit.lambda).unwrap();
        let min = fit
            .path
            .iter()
            .find(|c| c.lambda == fit.lambda_min)
            .unwrap();
        assert!(fit.lambda >= fit.lambda_min);
        assert!(chosen.deviance <= min.deviance + min.standard_error);
        assert!(chosen.deviance < fit.path[0].deviance);
        assert!(fit.path.iter().all(|c| c.deviance >= min.deviance));
    }

    #[test]
    fn negative_association_is_dropped() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let n = 20_000;
        let mut x = vec![0.0; n];
        let mut y = vec![0.0; n];
        for i in 0..n {
            x[i] = rng.random::<f64>();
            y[i] = poisson(&mut rng, (-1.0 - 1.5 * x[i]).exp());
        }
        let design = Design {
            x,
            n,
            p: 1,
            y,
            w: vec![1.0; n],
        };
        let fold: Vec<usize> = (0..n).map(|i| i % 4).collect();
        let fit = cross_validated_fit(&design, &fold, 4, 0.5, 10, 50f64.ln());
        assert_eq!(fit.beta[0], 0.0);
    }

    /// A model file fitted with other settings than the project's is
    /// refused, and the message names the setting.
    #[test]
    fn model_file_with_other_settings_is_refused() {
        let calibration = Calibration {
            until: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            predictors_as_of: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            events: 0,
            cells: 0,
            sample_cells: 0,
            alpha: 0.5,
            lambda: 1.0,
            lambda_min: 1.0,
            bootstrap_replicates: 0,
            intercept: 0.0,
            variables: Vec::new(),
            cross_validation: Vec::new(),
            settings: ScoreConfig::default(),
        };
        let same = ScoreConfig::default();
        assert!(calibration.check_settings(&same).is_ok());
        // Settings the coefficients do not depend on may change.
        let mut weights = ScoreConfig::default();
        weights.weights.riool = 0.9;
        assert!(calibration.check_settings(&weights).is_ok());
        let mut other = ScoreConfig::default();
        other.dumpingen.half_life_days = 180.0;
        let message = calibration.check_settings(&other).unwrap_err().to_string();
        assert!(
            message.contains("`scoring.dumpingen.half_life_days` = 365")
                && message.contains("projectbestand zegt 180")
                && message.contains("kalibreer opnieuw"),
            "{message}"
        );
        let mut bands = ScoreConfig::default();
        bands.variables.bands_m = vec![250.0];
        let message = calibration.check_settings(&bands).unwrap_err().to_string();
        assert!(message.contains("scoring.variables.bands_m"), "{message}");
        // A file without settings (older format) does not load at all.
        let mut json = serde_json::to_value(&calibration).unwrap();
        json.as_object_mut().unwrap().remove("settings");
        assert!(serde_json::from_value::<Calibration>(json).is_err());
    }

    /// A variable present at every dumping and almost nowhere else
    /// (separation): unbounded, its RRV would run to 10⁴⁰; bounded it
    /// stops at `max_relative_risk`.
    #[test]
    fn separated_variable_is_bounded() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let n = 20_000;
        let mut x = vec![0.0; n];
        let mut y = vec![0.0; n];
        for i in 0..n {
            if i % 50 == 0 {
                x[i] = 1.0;
                y[i] = 1.0 + (rng.random::<f64>() < 0.5) as u8 as f64;
            } else if i % 997 == 0 {
                y[i] = 1.0;
            }
        }
        let design = Design {
            x,
            n,
            p: 1,
            y,
            w: vec![1.0; n],
        };
        let fold: Vec<usize> = (0..n).map(|i| (i / 7) % 5).collect();
        let fit = cross_validated_fit(&design, &fold, 5, 0.5, 20, 50f64.ln());
        assert!(fit.beta[0] > 0.0);
        assert!(
            fit.beta[0].exp() <= 50.0 + 1e-9,
            "RRV {}",
            fit.beta[0].exp()
        );
    }
}
