//! One module per command; what several commands share lives here: loading
//! the project and its layers, and scoring them.

pub mod audit;
pub mod backtest;
pub mod bench;
pub mod calibrate;
pub mod export;
pub mod fixtures;
pub mod ingest;
pub mod modelkaart;
pub mod run;
pub mod serve;
pub mod sewage;
pub mod study;
pub mod users;

use crate::args::{Common, Input};
use crate::config::ProjectFile;
use buitenzicht_ingest::{ingest, Dataset, IngestOptions, IngestReport};
use buitenzicht_score::calibrate::{score_calibrated, Calibration};
use buitenzicht_score::{predict, rank, score, InspectionList, RiskModel};
use chrono::NaiveDate;

pub type BoxError = Box<dyn std::error::Error>;

/// Standard output was closed by its reader (`… | head`): the command
/// stops and the process ends without an error.
#[derive(Debug, thiserror::Error)]
#[error("uitvoer gesloten")]
pub struct OutputClosed;

/// Writes to standard output; a closed pipe is [`OutputClosed`], not a
/// panic as with `print!`.
pub fn write_out(args: std::fmt::Arguments) -> Result<(), BoxError> {
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(|e| -> BoxError {
            match e.kind() {
                std::io::ErrorKind::BrokenPipe => Box::new(OutputClosed),
                _ => format!(
                    "standaarduitvoer: {}",
                    buitenzicht_ingest::error::io_reason(&e)
                )
                .into(),
            }
        })
}

/// `println!` for commands: `out!(…)?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::commands::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use out;

/// The project's tolerance for bad input, with the command line's say.
pub fn ingest_options(project: &ProjectFile, input: &Input) -> IngestOptions {
    IngestOptions {
        allow_rejects: input.allow_rejects,
        ..project.ingest.clone()
    }
}

/// Ingests and prints the summary; with `strict`, any rejection fails.
pub fn load(project: &ProjectFile, input: &Input) -> Result<(Dataset, IngestReport), BoxError> {
    let (data, report) = ingest(&project.layers, &ingest_options(project, input))?;
    eprint!("{report}");
    if input.strict && report.total_rejected() > 0 {
        return Err(format!(
            "{} record(s) afgewezen en --strict staat aan",
            report.total_rejected()
        )
        .into());
    }
    Ok((data, report))
}

/// Scores with the calibrated model the project names, else with the
/// hand-set weights (what `bench` and `sewage` measure).
pub fn score_project(
    data: &Dataset,
    project: &ProjectFile,
    as_of: NaiveDate,
) -> Result<RiskModel, BoxError> {
    Ok(match &project.scoring.model {
        None => score(data, &project.scoring, as_of)?,
        Some(path) => {
            let calibration = read_calibration(path)?;
            if let Some(note) = calibration_leak(&calibration, as_of) {
                eprintln!("let op: {note}");
            }
            score_calibrated(data, &project.scoring, &calibration, as_of)?
        }
    })
}

/// The model file `[scoring] model` names.
pub fn read_calibration(path: &std::path::Path) -> Result<Calibration, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "`scoring.model` {}: {}",
            path.display(),
            buitenzicht_ingest::error::io_reason(&e)
        )
    })?;
    Ok(serde_json::from_str(&text)
        .map_err(|e| format!("{}: geen gekalibreerd model: {e}", path.display()))?)
}

/// A model file fitted on dumpings after the as-of date knows what the
/// map at that date is meant to foresee.
pub fn calibration_leak(calibration: &Calibration, as_of: NaiveDate) -> Option<String> {
    (calibration.until > as_of).then(|| {
        format!(
            "het modelbestand is geschat op dumpingen tot en met {}, na de peildatum {as_of}: de kaart kent dan latere dumpingen; kalibreer met `--until` op of voor de peildatum",
            calibration.until
        )
    })
}

/// The scoring date: the flag, else the project file, else today.
pub fn as_of(project: &ProjectFile, common: &Common) -> NaiveDate {
    common
        .as_of
        .or(project.as_of)
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// What the as-of date leaves out or leaves unseen, said before scoring.
fn as_of_notes(data: &Dataset, as_of: NaiveDate) -> Vec<String> {
    let mut notes = Vec::new();
    let later: Vec<_> = data
        .satelliet
        .iter()
        .filter(|t| t.datum.is_some_and(|d| d > as_of))
        .collect();
    if let Some(first) = later.first() {
        notes.push(format!(
            "laag `satelliet`: {} tegel(s) opgenomen na de peildatum {as_of} tellen niet mee (zoals {})",
            later.len(),
            first.path.display()
        ));
    }
    let dates = data.dumpingen.iter().map(|d| d.datum);
    if let (Some(first), Some(last)) = (dates.clone().min(), dates.clone().max()) {
        if as_of < first {
            notes.push(format!(
                "de peildatum {as_of} ligt voor de eerste dumping ({first}): geen dumping telt mee"
            ));
        } else if (as_of - last).num_days() > 365 {
            notes.push(format!(
                "de peildatum {as_of} ligt meer dan een jaar na de laatste dumping ({last}): over de tijd ertussen zeggen de gegevens niets"
            ));
        }
        // The history runs to the last record of either kind: a sewage
        // series that outruns the police extract puts windows after it.
        let history = buitenzicht_score::predict::History::of(data, as_of);
        if let (Some(d), Some(s)) = (history.last_dumping, history.last_sewage) {
            if (s - d).num_days() > buitenzicht_score::predict::STEP_DAYS {
                notes.push(format!(
                    "de rioolmetingen lopen tot {s}, de dumpingen maar tot {d}: ontbreken latere dumpingen in het bestand (nog niet geregistreerd), dan toetst de modelkeuze die dagen als dagen zonder dumping"
                ));
            }
        }
    }
    notes
}

/// Ingests, scores and ranks: with a calibrated model file, by it; else the
/// map is chosen out of sample (see `buitenzicht_score::predict`) and the
/// buildings are ranked by the building model.
pub fn pipeline(
    project: &ProjectFile,
    common: &Common,
) -> Result<(Dataset, RiskModel, Vec<InspectionList>), BoxError> {
    let (data, _) = load(project, &common.input)?;
    score_loaded(project, common, data)
}

/// [`pipeline`] on data already loaded: for commands that check their
/// arguments against the data before the scoring.
pub fn score_loaded(
    project: &ProjectFile,
    common: &Common,
    data: Dataset,
) -> Result<(Dataset, RiskModel, Vec<InspectionList>), BoxError> {
    let as_of = as_of(project, common);
    for note in as_of_notes(&data, as_of) {
        eprintln!("let op: {note}");
    }
    let started = std::time::Instant::now();
    let fixed = project.scoring.model.is_some()
        || project.scoring.method == buitenzicht_score::config::Method::Weights;
    let (model, lists) = match fixed {
        true => {
            let model = score_project(&data, project, as_of)?;
            let lists = rank(&data, &model)?;
            (model, lists)
        }
        false => {
            let prediction = predict(&data, &project.scoring, as_of)?;
            eprint!("{}", prediction.report);
            (prediction.model, prediction.lists)
        }
    };
    // A flat map ranks no cell; with fixed weights or a calibrated model it
    // ranks the lists too, which then say nothing.
    if !model.risk.iter().any(|&r| r > 0.0) {
        let why = match &project.scoring.model {
            Some(path) => format!(
                "het model {} heeft geen variabele die het risico verhoogt, of geen van zijn variabelen komt in het gebied voor",
                path.display()
            ),
            None if fixed => "geen enkel signaal in het buitengebied".into(),
            None => "de gekozen kerndichtheid telt geen enkele dumping: er is er geen in de jaren vóór de peildatum".into(),
        };
        eprintln!(
            "let op: de kaart is overal 0 ({why}): zij rangschikt geen cel{}",
            if fixed {
                ", dus ook de volgorde van de inspectielijsten zegt niets"
            } else {
                "; de inspectielijsten volgen de kenmerken van de panden"
            }
        );
    }
    eprintln!(
        "gescoord: {} × {} cellen van {} m, peildatum {as_of}, in {:.1} s",
        model.spec.cols,
        model.spec.rows,
        model.spec.cell,
        started.elapsed().as_secs_f64()
    );
    Ok((data, model, lists))
}
