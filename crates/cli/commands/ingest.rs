//! `buitenzicht ingest`: read and validate every layer, print the summary.

use super::{load, BoxError};
use crate::args::Input;
use crate::config::ProjectFile;

pub fn run(input: &Input) -> Result<(), BoxError> {
    let project = ProjectFile::load(&input.config)?;
    load(&project, input)?;
    Ok(())
}
