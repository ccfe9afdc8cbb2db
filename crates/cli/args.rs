//! The command line: every command and its flags, and nothing else.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "buitenzicht",
    version,
    about = "Risicokaart drugscriminaliteit buitengebied"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Read and validate every layer; print the summary.
    Ingest(Input),
    /// Ingest, score and write the GeoTIFF and inspection lists.
    Run {
        #[command(flatten)]
        common: Common,
        /// Output folder (replaced whole when the run is complete).
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Ingest, score and serve the map and API.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (overrides the project file).
        #[arg(long)]
        addr: Option<String>,
        /// Folder of the web map (overrides the project file).
        #[arg(long)]
        web: Option<PathBuf>,
        /// Tile cache size in MiB (overrides the project file; 0 disables it).
        #[arg(long)]
        cache_mb: Option<u64>,
    },
    /// Fit the weights on the dumpings up to a date (Poisson regression with
    /// elastic net and spatial cross-validation) and write the model file
    /// that `scoring.model` can name.
    Calibrate {
        #[command(flatten)]
        input: Input,
        /// Last day of the dumpings the model learns from.
        #[arg(long)]
        until: NaiveDate,
        /// The model file to write (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the sewage spikes found per treatment plant.
    Sewage(Common),
    /// Score with data up to one date and measure the dumpings after it
    /// (hit rate, PAI, PEI*), against the kernel density of past dumpings.
    Backtest {
        #[command(flatten)]
        input: Input,
        /// Last day of the training data.
        #[arg(long)]
        train_until: NaiveDate,
        /// Last day of the test period.
        #[arg(long)]
        test_until: NaiveDate,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also calibrate a model on the training data and measure it.
        #[arg(long)]
        calibrate: bool,
    },
    /// Write a tile archive, a GeoJSON export or a municipality's GeoTIFF.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// Write the synthetic demo region (or, with --national, the
    /// national-scale benchmark dataset).
    Fixtures {
        #[arg(long, default_value = "fixtures")]
        out: PathBuf,
        #[arg(long, default_value_t = 20_261_101)]
        seed: u64,
        #[arg(long)]
        national: bool,
        /// Write the simulation study's region of this seed instead (with
        /// its truth in `waarheid.json`).
        #[arg(long, conflicts_with = "national")]
        study: Option<u64>,
    },
    /// Manage the users of `[access] users`: add (prints the new token as
    /// the last line), list, revoke.
    Users {
        #[command(subcommand)]
        what: Users,
    },
    /// Check or read the audit log of `[access] audit_log`.
    Audit {
        #[command(subcommand)]
        what: Audit,
    },
    /// Write the model card (Markdown, Dutch): data and periods, variables
    /// with relative risks and intervals, the chosen model and why, the
    /// forward-test and study figures, known limits.
    Modelkaart {
        #[command(flatten)]
        common: Common,
        /// The card to write.
        #[arg(long, default_value = "modelkaart.md")]
        out: PathBuf,
        /// Figures of a simulation study (`buitenzicht study --json`).
        #[arg(long)]
        studie: Option<PathBuf>,
    },
    /// Time ingest, scoring and ranking of a project and report peak memory.
    Bench(Common),
    /// The simulation study: synthetic regions with varying mechanisms, the
    /// model against the best kernel density and the truth.
    Study {
        /// How many seeds (regions).
        #[arg(long, default_value_t = 20)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// Also write every figure as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Print the tables of an earlier study from its JSON file instead
        /// of running one.
        #[arg(long, conflicts_with = "json")]
        from: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum Export {
    /// A PMTiles or MBTiles archive of one tile layer.
    Tiles {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value_t = LayerArg::Risk)]
        layer: LayerArg,
        #[arg(long, value_enum, default_value_t = FormatArg::Pmtiles)]
        format: FormatArg,
        #[arg(long, default_value_t = 8)]
        minzoom: u8,
        #[arg(long, default_value_t = 14)]
        maxzoom: u8,
        #[arg(long)]
        out: PathBuf,
    },
    /// GeoJSON (RFC 7946): risk per square, or a municipality's inspection list.
    Geojson {
        #[command(flatten)]
        common: Common,
        /// CBS code of a municipality, e.g. GM0001.
        #[arg(long)]
        gemeente: Option<String>,
        /// west,south,east,north in WGS84 degrees.
        #[arg(long)]
        bbox: Option<String>,
        /// Square size in metres: 250, 500 or 1000.
        #[arg(long, default_value_t = 500)]
        cel: u32,
        #[arg(long, value_enum, default_value_t = ContentArg::Aggregaat)]
        inhoud: ContentArg,
        #[arg(long)]
        out: PathBuf,
    },
    /// The risk GeoTIFF clipped to one municipality, with its QGIS style.
    Geotiff {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        gemeente: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum Users {
    /// Add a user; their token is printed once, as the last line.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// CBS code of a municipality the user covers (role gemeente; repeat
        /// for more).
        #[arg(long)]
        gemeente: Vec<String>,
        #[arg(long, short, default_value = "buitenzicht.toml")]
        config: PathBuf,
    },
    /// List the users (never their tokens).
    List {
        #[arg(long, short, default_value = "buitenzicht.toml")]
        config: PathBuf,
    },
    /// Remove a user; their token stops working at once.
    Revoke {
        name: String,
        #[arg(long, short, default_value = "buitenzicht.toml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum Audit {
    /// Check the hash chain; names the first edited, removed or moved line.
    Verify {
        #[arg(long, short, default_value = "buitenzicht.toml")]
        config: PathBuf,
    },
    /// Print the entries, optionally of one user and from a date on.
    Show {
        #[arg(long)]
        user: Option<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        since: Option<NaiveDate>,
        #[arg(long, short, default_value = "buitenzicht.toml")]
        config: PathBuf,
    },
}

/// A role.
#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Analist,
    Gemeente,
    Kvb,
    Beheerder,
}

/// A tile layer.
#[derive(Clone, Copy, ValueEnum)]
pub enum LayerArg {
    Risk,
    Leegstand,
    Dumpingen,
    Riool,
    Satelliet,
}

impl LayerArg {
    /// The id the server uses for the layer.
    pub fn id(self) -> &'static str {
        match self {
            LayerArg::Risk => "risk",
            LayerArg::Leegstand => "leegstand",
            LayerArg::Dumpingen => "dumpingen",
            LayerArg::Riool => "riool",
            LayerArg::Satelliet => "satelliet",
        }
    }
}

/// A tile archive format.
#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Pmtiles,
    Mbtiles,
}

/// What a GeoJSON export holds.
#[derive(Clone, Copy, ValueEnum)]
pub enum ContentArg {
    /// Risk per square, no building or incident named.
    Aggregaat,
    /// A municipality's inspection list.
    Inspecties,
}

/// The inputs: the project file and how strictly to read it.
#[derive(Args)]
pub struct Input {
    /// The project file.
    #[arg(long, short, default_value = "buitenzicht.toml")]
    pub config: PathBuf,
    /// Fail when any record is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Go on whatever share of a layer's records is rejected (by default a
    /// layer may lose at most `[ingest] max_reject_share`, 10 %).
    #[arg(long)]
    pub allow_rejects: bool,
}

/// The inputs and the date to score for.
#[derive(Args)]
pub struct Common {
    #[command(flatten)]
    pub input: Input,
    /// Score as of this date, YYYY-MM-DD (default: the project file's
    /// `as_of`, else today).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
}
