//! `buitenzicht backtest`: score with the past, measure on the future.

use super::{load, BoxError};
use crate::args::Input;
use crate::config::ProjectFile;
use buitenzicht_products::export::write_atomic;
use buitenzicht_score::backtest::backtest;
use chrono::NaiveDate;
use std::path::Path;

pub fn run(
    input: &Input,
    train_until: NaiveDate,
    test_until: NaiveDate,
    json: Option<&Path>,
    calibrate: bool,
) -> Result<(), BoxError> {
    if test_until <= train_until {
        return Err(format!(
            "--test-until {test_until} moet na --train-until {train_until} liggen"
        )
        .into());
    }
    let project = ProjectFile::load(&input.config)?;
    let (data, _) = load(&project, input)?;
    let report = backtest(&data, &project.scoring, train_until, test_until, calibrate)?;
    // The file before the report, which a closed pipe may cut short.
    if let Some(path) = json {
        write_atomic(path, serde_json::to_string_pretty(&report)?.as_bytes())?;
    }
    super::write_out(format_args!("{report}"))?;
    Ok(())
}
