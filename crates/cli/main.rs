//! `buitenzicht`: risk map of drug crime in the Dutch buitengebied.
//!
//! Subcommands follow the data: `ingest` checks the inputs, `run` ingests
//! and scores and writes the products, `serve` serves the map, `fixtures`
//! writes the synthetic demo region. Arguments are defined in [`args`] (and
//! put in Dutch by [`help`]), each command in its own module under
//! [`commands`].

mod args;
mod commands;
mod config;
mod help;
mod output;

use args::{Cli, Command};
use commands::BoxError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match help::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    buitenzicht_products::geotiff::limit_block_cache();
    buitenzicht_ingest::quiet_gdal_messages();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<commands::OutputClosed>() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fout: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command {
        Command::Ingest(input) => commands::ingest::run(&input),
        Command::Run { common, out } => commands::run::run(&common, &out),
        Command::Serve {
            common,
            addr,
            web,
            cache_mb,
        } => commands::serve::run(common, addr, web, cache_mb),
        Command::Calibrate { input, until, out } => commands::calibrate::run(&input, until, &out),
        Command::Sewage(common) => commands::sewage::run(&common),
        Command::Backtest {
            input,
            train_until,
            test_until,
            json,
            calibrate,
        } => commands::backtest::run(&input, train_until, test_until, json.as_deref(), calibrate),
        Command::Export { what } => commands::export::run(what),
        Command::Fixtures {
            out,
            seed,
            national,
            study,
        } => commands::fixtures::run(&out, seed, national, study),
        Command::Users { what } => commands::users::run(what),
        Command::Audit { what } => commands::audit::run(what),
        Command::Bench(common) => commands::bench::run(&common),
        Command::Modelkaart {
            common,
            out,
            studie,
        } => commands::modelkaart::run(&common, &out, studie.as_deref()),
        Command::Study {
            seeds,
            first_seed,
            json,
            from,
        } => commands::study::run(seeds, first_seed, json.as_deref(), from.as_deref()),
    }
}
