//! Scoring settings from the project file; every field has a default.

use serde::{Deserialize, Serialize};

/// All scoring settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// Cell size in metres.
    pub cell_size: f64,
    pub weights: Weights,
    pub leegstand: LeegstandConfig,
    pub dumpingen: DumpingenConfig,
    pub riool: RioolConfig,
    pub satelliet: SatellietConfig,
    /// Density indicators are divided by this quantile of their positive
    /// values in the buitengebied, then capped at 1.
    pub normalisation_quantile: f64,
    /// Variables of the calibrated model.
    pub variables: VariableConfig,
    /// How `calibrate` fits.
    pub calibration: CalibrationConfig,
    /// A calibrated model file (from `buitenzicht calibrate`) to score with
    /// instead of the hand-set weights; relative to the project file.
    pub model: Option<std::path::PathBuf>,
    /// How `run` and `serve` score without a model file.
    pub method: Method,
}

/// How the map is made when no model file is named.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Fit the candidates on the history and use the best out of sample.
    #[default]
    Auto,
    /// The weighted mean of the four indicators with `[scoring.weights]`.
    Weights,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            cell_size: 25.0,
            weights: Weights::default(),
            leegstand: LeegstandConfig::default(),
            dumpingen: DumpingenConfig::default(),
            riool: RioolConfig::default(),
            satelliet: SatellietConfig::default(),
            normalisation_quantile: 0.99,
            variables: Default::default(),
            calibration: Default::default(),
            model: None,
            method: Method::Auto,
        }
    }
}

impl ScoreConfig {
    /// Checks the settings; the message (Dutch: analysts read it) names
    /// the offending key and its value.
    pub fn validate(&self) -> Result<(), String> {
        /// A span of days any setting may cover: a century.
        const MAX_DAYS: i64 = 36_500;
        let positive = [
            ("scoring.cell_size", self.cell_size),
            ("scoring.leegstand.bandwidth_m", self.leegstand.bandwidth_m),
            (
                "scoring.leegstand.reference_area_m2",
                self.leegstand.reference_area_m2,
            ),
            ("scoring.dumpingen.bandwidth_m", self.dumpingen.bandwidth_m),
            (
                "scoring.dumpingen.half_life_days",
                self.dumpingen.half_life_days,
            ),
            ("scoring.riool.half_life_days", self.riool.half_life_days),
            ("scoring.riool.spike_factor", self.riool.spike_factor),
            (
                "scoring.variables.satellite_window_m",
                self.variables.satellite_window_m,
            ),
            ("scoring.calibration.block_m", self.calibration.block_m),
        ];
        for (key, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("`{key}` = {v}: moet een positief getal zijn"));
            }
        }
        if !(1.0..=1000.0).contains(&self.cell_size) {
            return Err(format!(
                "`scoring.cell_size` = {} m: kies een celgrootte van 1 tot 1000 m (standaard 25)",
                self.cell_size
            ));
        }
        let l = &self.leegstand;
        let w = &self.weights;
        let r = &self.riool;
        let non_negative = [
            ("scoring.weights.leegstand", w.leegstand),
            ("scoring.weights.dumpingen", w.dumpingen),
            ("scoring.weights.riool", w.riool),
            ("scoring.weights.satelliet", w.satelliet),
            ("scoring.leegstand.bevestigd", l.bevestigd),
            ("scoring.leegstand.vermoedelijk", l.vermoedelijk),
            ("scoring.leegstand.onbekend", l.onbekend),
            ("scoring.riool.mad_threshold", r.mad_threshold),
            ("scoring.riool.racemic_weight", r.racemic_weight),
        ];
        for (key, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("`{key}` = {v}: moet nul of meer zijn"));
            }
        }
        if w.total() <= 0.0 {
            return Err("`scoring.weights`: de gewichten mogen niet alle nul zijn".into());
        }
        let between = [
            (
                "scoring.normalisation_quantile",
                self.normalisation_quantile,
                0.5,
                1.0,
            ),
            ("scoring.riool.racemic_band", r.racemic_band, 0.0, 0.5),
            (
                "scoring.calibration.alpha",
                self.calibration.alpha,
                0.0,
                1.0,
            ),
        ];
        for (key, v, lo, hi) in between {
            if !(lo..=hi).contains(&v) {
                return Err(format!("`{key}` = {v}: moet tussen {lo} en {hi} liggen"));
            }
        }
        let s = &self.satelliet;
        if !(s.anomaly_low_c.is_finite() && s.anomaly_high_c.is_finite())
            || s.anomaly_high_c <= s.anomaly_low_c
        {
            return Err(format!(
                "`scoring.satelliet`: anomaly_high_c ({}) moet groter zijn dan anomaly_low_c ({})",
                s.anomaly_high_c, s.anomaly_low_c
            ));
        }
        let days = [
            ("scoring.riool.window_days", r.window_days, 7),
            ("scoring.riool.lookback_days", r.lookback_days, 1),
            (
                "scoring.dumpingen.max_age_days",
                self.dumpingen.max_age_days,
                1,
            ),
            (
                "scoring.calibration.outcome_days",
                self.calibration.outcome_days,
                1,
            ),
        ];
        for (key, v, least) in days {
            if !(least..=MAX_DAYS).contains(&v) {
                return Err(format!("`{key}` = {v}: kies {least} tot {MAX_DAYS} dagen"));
            }
        }
        if r.min_history_days == 0 || r.min_history_days as i64 > r.window_days {
            return Err(format!(
                "`scoring.riool.min_history_days` = {}: kies 1 tot `window_days` ({})",
                r.min_history_days, r.window_days
            ));
        }
        let c = &self.calibration;
        if !(c.max_relative_risk.is_finite() && c.max_relative_risk > 1.0) {
            return Err(format!(
                "`scoring.calibration.max_relative_risk` = {}: moet groter dan 1 zijn",
                c.max_relative_risk
            ));
        }
        for (key, v, least) in [
            ("scoring.calibration.folds", c.folds, 2),
            ("scoring.calibration.lambdas", c.lambdas, 1),
            ("scoring.calibration.zero_cells", c.zero_cells, 1),
        ] {
            if v < least {
                return Err(format!("`{key}` = {v}: minstens {least}"));
            }
        }
        let v = &self.variables;
        for (key, list) in [
            ("scoring.variables.bandwidths_m", &v.bandwidths_m),
            ("scoring.variables.bands_m", &v.bands_m),
        ] {
            if let Some(bad) = list.iter().find(|d| !(d.is_finite() && **d > 0.0)) {
                return Err(format!(
                    "`{key}` bevat {bad}: elke afstand moet een positief getal zijn"
                ));
            }
        }
        Ok(())
    }
}

/// Weight of each indicator in the risk (they need not sum to 1).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub leegstand: f64,
    pub dumpingen: f64,
    pub riool: f64,
    pub satelliet: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            leegstand: 0.30,
            dumpingen: 0.35,
            riool: 0.15,
            satelliet: 0.20,
        }
    }
}

impl Weights {
    pub fn total(&self) -> f64 {
        self.leegstand + self.dumpingen + self.riool + self.satelliet
    }
}

/// Vacant-barn density.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LeegstandConfig {
    pub bandwidth_m: f64,
    /// Certainty weight per vacancy status.
    pub bevestigd: f64,
    pub vermoedelijk: f64,
    pub onbekend: f64,
    /// Floor area that counts as weight 1; the area factor is
    /// `oppervlakte / reference_area_m2`, clamped to [0.25, 3].
    pub reference_area_m2: f64,
}

impl Default for LeegstandConfig {
    fn default() -> Self {
        LeegstandConfig {
            bandwidth_m: 750.0,
            bevestigd: 1.0,
            vermoedelijk: 0.5,
            onbekend: 0.0,
            reference_area_m2: 1_000.0,
        }
    }
}

/// Dumping density with time decay.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DumpingenConfig {
    pub bandwidth_m: f64,
    /// A dumping this many days old counts half.
    pub half_life_days: f64,
    /// Older dumpings are left out.
    pub max_age_days: i64,
}

impl Default for DumpingenConfig {
    fn default() -> Self {
        DumpingenConfig {
            bandwidth_m: 1_000.0,
            half_life_days: 365.0,
            max_age_days: 3 * 365,
        }
    }
}

/// Sewage spike detection and catchment score.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RioolConfig {
    /// Trailing window (days before the measurement) for the baseline.
    pub window_days: i64,
    /// Measurements needed in the window before a spike can be called.
    pub min_history_days: usize,
    /// A spike is a load above `spike_factor` × the baseline median ...
    pub spike_factor: f64,
    /// ... and above median + `mad_threshold` × 1.4826 × MAD.
    pub mad_threshold: f64,
    /// Spikes older than this do not count.
    pub lookback_days: i64,
    /// A spike this many days old counts half.
    pub half_life_days: f64,
    /// An MDMA enantiomeric fraction within this distance of 0.5 marks a
    /// racemic (unconsumed, so likely dumped) spike ...
    pub racemic_band: f64,
    /// ... which then weighs this much more.
    pub racemic_weight: f64,
}

impl Default for RioolConfig {
    fn default() -> Self {
        RioolConfig {
            window_days: 28,
            min_history_days: 14,
            spike_factor: 3.0,
            mad_threshold: 5.0,
            lookback_days: 180,
            half_life_days: 60.0,
            racemic_band: 0.05,
            racemic_weight: 1.5,
        }
    }
}

/// Satellite anomaly to indicator.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SatellietConfig {
    /// Anomalies at or below this (°C) score 0 ...
    pub anomaly_low_c: f64,
    /// ... at or above this score 1, linear in between.
    pub anomaly_high_c: f64,
}

impl Default for SatellietConfig {
    fn default() -> Self {
        SatellietConfig {
            anomaly_low_c: 1.0,
            anomaly_high_c: 5.0,
        }
    }
}

/// Which variables to build.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VariableConfig {
    /// Kernel bandwidths, metres.
    pub bandwidths_m: Vec<f64>,
    /// Distance bands, metres.
    pub bands_m: Vec<f64>,
    /// Half-width of the square for the share of anomalous cells, metres.
    pub satellite_window_m: f64,
}

impl Default for VariableConfig {
    fn default() -> Self {
        VariableConfig {
            bandwidths_m: vec![500.0, 1_000.0],
            bands_m: vec![250.0, 500.0, 1_000.0],
            satellite_window_m: 500.0,
        }
    }
}

/// How `calibrate` fits.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CalibrationConfig {
    /// Outcome window: the dumpings of these days before `until`.
    pub outcome_days: i64,
    /// Elastic-net mix: 1 lasso, 0 ridge.
    pub alpha: f64,
    /// Cross-validation folds.
    pub folds: usize,
    /// Side of the spatial blocks that are assigned to folds, metres.
    pub block_m: f64,
    /// Penalty strengths tried, from the smallest that keeps every
    /// coefficient at 0 down to 1/1000 of it.
    pub lambdas: usize,
    /// Cells without a dumping used in the fit (a weighted random sample).
    pub zero_cells: usize,
    pub seed: u64,
    /// Block-bootstrap replicates for the relative risks' intervals
    /// (blocks of `block_m`).
    pub bootstrap: usize,
    /// Upper bound on a relative risk value: β ≤ ln(max_relative_risk).
    /// A variable present where nearly every dumping is (separation) would
    /// otherwise get an RRV of 10⁴⁰.
    pub max_relative_risk: f64,
    /// `run` fits its building model on a spatial sample of windows
    /// holding about this many buildings when the region has more (see
    /// `sample`); 0 fits on every building.
    pub fit_buildings: usize,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            outcome_days: 365,
            alpha: 0.5,
            folds: 5,
            block_m: 2_000.0,
            lambdas: 20,
            zero_cells: 50_000,
            seed: 20_261_101,
            bootstrap: 100,
            max_relative_risk: 50.0,
            fit_buildings: 25_000,
        }
    }
}
