//! clap's own words in Dutch: the headings and the help and version flags
//! of every help page, each option's default and choices, and the errors
//! of a command line that does not parse. The analyst reads these beside
//! the commands' own output, which is Dutch.

use crate::args::Cli;
use chrono::NaiveDate;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches};
use std::process::ExitCode;

const TEMPLATE: &str =
    "{before-help}{about-with-newline}\nGebruik: {usage}\n\n{all-args}{after-help}";

/// The command line as clap builds it from [`Cli`], in Dutch.
pub fn command() -> clap::Command {
    dutch(Cli::command(), true)
}

/// Parse the process's arguments. A help or version request, or a command
/// line that does not parse, is printed here and ends in the exit code it
/// returns.
pub fn parse() -> Result<Cli, ExitCode> {
    let matches = command().try_get_matches().map_err(report)?;
    Cli::from_arg_matches(&matches).map_err(report)
}

/// A date written `JJJJ-MM-DD`, the year in four digits: chrono's `%Y`
/// also takes `+262142` or `7`, years whose arithmetic overflows or that
/// no record carries.
pub fn date(s: &str) -> Result<NaiveDate, String> {
    use chrono::format::ParseErrorKind;
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let expected = || "verwacht een datum als JJJJ-MM-DD, bijvoorbeeld 2026-01-31".to_string();
    if !shape {
        return Err(expected());
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| match e.kind() {
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => {
            "die datum bestaat niet".to_string()
        }
        _ => expected(),
    })?;
    match buitenzicht_ingest::four_digit_year(date) {
        true => Ok(date),
        false => Err("kies een jaar van 1000 tot 9999".to_string()),
    }
}

/// A whole number of 0 or more that fits `T`.
pub fn whole<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            "te groot voor deze optie".to_string()
        } else {
            "verwacht een geheel getal van 0 of meer".to_string()
        }
    })
}

fn dutch(cmd: clap::Command, top: bool) -> clap::Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("Opdrachten")
        .subcommand_value_name("OPDRACHT")
        // `buitenzicht help run` would list an English "help" command;
        // `buitenzicht run --help` says the same.
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        // `--cel -500` is a wrong value, not the flags -5, -0 and -0.
        .allow_negative_numbers(true)
        .mut_args(dutch_arg)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Toon deze hulp")
                .help_heading("Opties"),
        );
    if top {
        cmd = cmd.arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Toon de versie")
                .help_heading("Opties"),
        );
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |s| dutch(s, false));
    }
    cmd
}

/// An argument's heading, default and choices in Dutch: clap would add
/// "[default: …]" and "[possible values: …]" to its help.
fn dutch_arg(arg: Arg) -> Arg {
    let heading = if arg.is_positional() {
        "Argumenten"
    } else {
        "Opties"
    };
    let arg = arg.help_heading(heading);
    // A flag has no default or choices to show (and clap refuses hiding them).
    if !arg.get_action().takes_values() {
        return arg;
    }
    let mut notes = Vec::new();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && !arg.is_hide_default_value_set() {
        notes.push(format!("standaard: {}", defaults.join(" ")));
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| match p.get_help() {
            Some(help) => format!("{} ({})", p.get_name(), lowercase_first(&help.to_string())),
            None => p.get_name().to_string(),
        })
        .collect();
    if !choices.is_empty() && !arg.is_hide_possible_values_set() {
        notes.push(format!("keuze uit: {}", choices.join(", ")));
    }
    let arg = arg.hide_default_value(true).hide_possible_values(true);
    if notes.is_empty() {
        return arg;
    }
    let notes = format!("[{}]", notes.join("; "));
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let long = arg.get_long_help().map(|h| h.to_string());
    let arg = arg.help(format!("{help} {notes}").trim().to_string());
    match long {
        Some(long) => arg.long_help(format!("{long}\n\n{notes}")),
        None => arg,
    }
}

/// `text` with its first letter in lower case, to stand inside a sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Print a help or version request to stdout (exit 0), anything else as a
/// Dutch error to stderr (exit 2, as clap would).
fn report(err: clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            write(std::io::stdout(), &dutch_usage(&err.render().to_string()));
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            write(std::io::stderr(), &dutch_usage(&err.render().to_string()));
            ExitCode::from(2)
        }
        _ => {
            let mut text = format!("fout: {}\n", message(&err));
            if let Some(usage) = err.get(ContextKind::Usage) {
                text.push_str(&format!("\n{}\n", dutch_usage(&usage.to_string())));
            }
            text.push_str("\nMeer uitleg met --help.\n");
            write(std::io::stderr(), &text);
            ExitCode::from(2)
        }
    }
}

/// Writes `text`; a closed pipe (`buitenzicht --help | head -1`) is no
/// error worth a panic.
fn write(mut to: impl std::io::Write, text: &str) {
    let _ = to.write_all(text.as_bytes());
}

/// clap writes the usage line itself, with "Usage:" and "[OPTIONS]".
fn dutch_usage(text: &str) -> String {
    text.replace("Usage:", "Gebruik:")
        .replace("[OPTIONS]", "[OPTIES]")
}

/// The Dutch sentence for a command line that does not parse, naming the
/// argument and value at fault.
fn message(err: &clap::Error) -> String {
    let context = |kind| err.get(kind).map(|v| v.to_string()).unwrap_or_default();
    let arg = match context(ContextKind::InvalidArg) {
        a if a.is_empty() => "een argument".to_string(),
        a => a,
    };
    let value = context(ContextKind::InvalidValue);
    let mut text = match err.kind() {
        ErrorKind::UnknownArgument => format!("onbekend argument '{arg}'"),
        ErrorKind::InvalidSubcommand => format!(
            "onbekende opdracht '{}'",
            context(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue if value.is_empty() => {
            let valid = context(ContextKind::ValidValue);
            if valid.is_empty() {
                format!("{arg} vraagt een waarde")
            } else {
                format!("{arg} vraagt een waarde (kies uit: {valid})")
            }
        }
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            let mut text = format!("ongeldige waarde '{value}' voor {arg}");
            if !valid.is_empty() {
                text.push_str(&format!(" (kies uit: {valid})"));
            }
            text
        }
        ErrorKind::ValueValidation => {
            let mut text = format!("ongeldige waarde '{value}' voor {arg}");
            // The reason is ours (`date`, `whole`): clap's parsers are not used.
            if let Some(reason) = std::error::Error::source(err) {
                text.push_str(&format!(": {reason}"));
            }
            text
        }
        ErrorKind::MissingRequiredArgument => match err.get(ContextKind::InvalidArg) {
            Some(ContextValue::Strings(missing)) if missing.len() > 1 => {
                format!("ontbrekende argumenten: {}", missing.join(", "))
            }
            _ => format!("ontbrekend argument: {arg}"),
        },
        ErrorKind::MissingSubcommand => "geef een opdracht".to_string(),
        ErrorKind::ArgumentConflict => {
            let prior = context(ContextKind::PriorArg);
            if prior.is_empty() || prior == arg {
                format!("{arg} mag maar één keer gegeven worden")
            } else {
                format!("{arg} gaat niet samen met {prior}")
            }
        }
        ErrorKind::NoEquals => format!("{arg} vraagt een waarde na '='"),
        ErrorKind::TooManyValues => format!("{arg} neemt geen waarde (gegeven: '{value}')"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("verkeerd aantal waarden voor {arg}")
        }
        ErrorKind::InvalidUtf8 => "een argument is geen geldige UTF-8".to_string(),
        _ => "de opdrachtregel is ongeldig".to_string(),
    };
    let suggestions: Vec<String> = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .filter_map(|kind| match err.get(kind) {
        Some(ContextValue::String(s)) => Some(vec![s.clone()]),
        // clap lists the closest last.
        Some(ContextValue::Strings(s)) => Some(s.iter().rev().cloned().collect()),
        _ => None,
    })
    .flatten()
    .map(|s| format!("'{s}'"))
    .collect();
    if !suggestions.is_empty() {
        text.push_str(&format!("; bedoelt u {}?", suggestions.join(" of ")));
    }
    if let Some(ContextValue::StyledStrs(hints)) = err.get(ContextKind::Suggested) {
        for hint in hints {
            if let Some(hint) = dutch_hint(&hint.to_string(), &arg) {
                text.push_str("; ");
                text.push_str(&hint);
            }
        }
    }
    text
}

/// clap's further hints in Dutch; one it may add later is left out rather
/// than shown in English.
fn dutch_hint(hint: &str, arg: &str) -> Option<String> {
    let quoted = hint.split('\'').nth(1)?;
    if hint.starts_with("subcommand ") {
        Some(format!(
            "laat '--' weg om de opdracht '{quoted}' te gebruiken"
        ))
    } else if hint.ends_with("' exists") {
        // `buitenzicht --config x run`: the option belongs after `run`.
        Some(format!(
            "bedoelt u '{quoted}'? Opties van een opdracht komen erna"
        ))
    } else if hint.contains(" as a value, ") {
        Some(format!("geef '-- {arg}' om het als waarde door te geven"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    fn error(args: &[&str]) -> String {
        let err = command()
            .try_get_matches_from(args)
            .expect_err("the command line must not parse");
        message(&err)
    }

    #[test]
    fn errors_name_the_argument_and_value_in_dutch() {
        let cases = [
            (&["run", "--stict"][..], "onbekend argument '--stict'; bedoelt u '--strict'?"),
            (&["run", "--as-of", "31-01-2026"][..], "ongeldige waarde '31-01-2026' voor --as-of <DATUM>: verwacht een datum als JJJJ-MM-DD, bijvoorbeeld 2026-01-31"),
            (&["calibrate", "--until", "2026-01-01"][..], "ontbrekend argument: --out <BESTAND>"),
            (&["export", "tiles", "--out", "t", "--format", "zip"][..], "ongeldige waarde 'zip' voor --format <FORMAAT> (kies uit: pmtiles, mbtiles)"),
            (&["study", "--seeds", "twintig"][..], "ongeldige waarde 'twintig' voor --seeds <AANTAL>: verwacht een geheel getal van 0 of meer"),
            (&["fixtures", "--national", "--study", "3"][..], "--national gaat niet samen met --study <SEED>"),
            (&["export", "tiles", "--out", "t", "--maxzoom", "300"][..], "ongeldige waarde '300' voor --maxzoom <ZOOM>: te groot voor deze optie"),
            (&["run", "--as-of", "2026-02-30"][..], "ongeldige waarde '2026-02-30' voor --as-of <DATUM>: die datum bestaat niet"),
            (&["run", "--as-of=+262142-06-01"][..], "ongeldige waarde '+262142-06-01' voor --as-of <DATUM>: verwacht een datum als JJJJ-MM-DD, bijvoorbeeld 2026-01-31"),
            (&["run", "--as-of", "0999-01-01"][..], "ongeldige waarde '0999-01-01' voor --as-of <DATUM>: kies een jaar van 1000 tot 9999"),
            (&["run", "--strict", "--allow-rejects"][..], "--strict gaat niet samen met --allow-rejects"),
            (&["study", "--seeds", "-1"][..], "ongeldige waarde '-1' voor --seeds <AANTAL>: verwacht een geheel getal van 0 of meer"),
            (&["export", "geotiff"][..], "ontbrekende argumenten: --gemeente <GM####>, --out <BESTAND>"),
            (&["run", "--strict=ja"][..], "--strict neemt geen waarde (gegeven: 'ja')"),
            (&["--config", "x.toml", "run"][..], "onbekend argument '--config'; bedoelt u 'run --config'? Opties van een opdracht komen erna"),
            (&["users", "add", "--foo"][..], "onbekend argument '--foo'; geef '-- --foo' om het als waarde door te geven"),
            (&["serv"][..], "onbekende opdracht 'serv'; bedoelt u 'serve' of 'users'?"),
        ];
        for (args, expected) in cases {
            let line: Vec<&str> = std::iter::once("buitenzicht")
                .chain(args.iter().copied())
                .collect();
            assert_eq!(error(&line), expected, "{args:?}");
        }
    }

    #[test]
    fn help_is_dutch() {
        let mut cmd = command();
        cmd.build();
        let help = cmd
            .find_subcommand_mut("run")
            .expect("run")
            .render_help()
            .to_string();
        let help = dutch_usage(&help);
        for dutch in [
            "Gebruik: buitenzicht run [OPTIES]",
            "Opties:",
            "Het projectbestand [standaard: buitenzicht.toml]",
            "Toon deze hulp",
        ] {
            assert!(help.contains(dutch), "{dutch:?} not in\n{help}");
        }
        for english in ["Usage", "Options", "default:", "Print help"] {
            assert!(!help.contains(english), "{english:?} in\n{help}");
        }
        let export = cmd
            .find_subcommand_mut("export")
            .and_then(|c| c.find_subcommand_mut("geojson"))
            .expect("export geojson")
            .render_help()
            .to_string();
        assert!(
            export.contains("aggregaat (risico per vak, zonder pand of melding)"),
            "{export}"
        );
    }
}
