//! `buitenzicht calibrate`: fit the weights and write the model file.

use super::{load, BoxError};
use crate::args::Input;
use crate::config::ProjectFile;
use buitenzicht_products::export::write_atomic;
use buitenzicht_score::calibrate::calibrate;
use chrono::NaiveDate;
use std::path::Path;

pub fn run(input: &Input, until: NaiveDate, out: &Path) -> Result<(), BoxError> {
    let project = ProjectFile::load(&input.config)?;
    let (data, _) = load(&project, input)?;
    let calibration = calibrate(&data, &project.scoring, until)?;
    // The file before the report: a reader that closes the pipe early
    // (`| head`) must not cost the model file.
    write_atomic(out, serde_json::to_string_pretty(&calibration)?.as_bytes())?;
    eprintln!("{}", out.display());
    super::write_out(format_args!("{calibration}"))?;
    Ok(())
}
