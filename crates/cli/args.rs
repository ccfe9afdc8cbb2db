//! The command line: every command and its flags, and nothing else.
//!
//! The doc comments below are the help an analyst reads, so they are in
//! Dutch; [`crate::help`] puts clap's own words in Dutch too.

use crate::help::{date, whole};
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
    /// Lees en controleer elke laag; toon de samenvatting.
    Ingest(Input),
    /// Lees in, scoor, en schrijf de GeoTIFF en de inspectielijsten.
    Run {
        #[command(flatten)]
        common: Common,
        /// Uitvoermap (pas als de run klaar is in zijn geheel vervangen).
        #[arg(long, default_value = "out", value_name = "MAP")]
        out: PathBuf,
    },
    /// Lees in, scoor, en serveer de kaart en de API.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Adres om op te luisteren (gaat voor het projectbestand).
        #[arg(long, value_name = "ADRES")]
        addr: Option<String>,
        /// Map van de webkaart (gaat voor het projectbestand).
        #[arg(long, value_name = "MAP")]
        web: Option<PathBuf>,
        /// Grootte van de tegelcache in MiB (gaat voor het projectbestand; 0
        /// zet hem uit).
        #[arg(long, value_name = "MIB", value_parser = whole::<u64>)]
        cache_mb: Option<u64>,
    },
    /// Schat de gewichten op de dumpingen tot een datum (Poisson-regressie
    /// met elastic net en ruimtelijke kruisvalidatie) en schrijf het
    /// modelbestand dat `scoring.model` kan noemen.
    Calibrate {
        #[command(flatten)]
        input: Input,
        /// Laatste dag van de dumpingen waarop het model leert (JJJJ-MM-DD).
        #[arg(long, value_name = "DATUM", value_parser = date)]
        until: NaiveDate,
        /// Het modelbestand dat geschreven wordt (JSON).
        #[arg(long, value_name = "BESTAND")]
        out: PathBuf,
    },
    /// Toon de gevonden rioolpieken per RWZI.
    Sewage(Common),
    /// Scoor met de gegevens tot een datum en meet de dumpingen daarna
    /// (trefkans, PAI, PEI*), tegen de kerndichtheid van eerdere dumpingen.
    Backtest {
        #[command(flatten)]
        input: Input,
        /// Laatste dag van de leergegevens (JJJJ-MM-DD).
        #[arg(long, value_name = "DATUM", value_parser = date)]
        train_until: NaiveDate,
        /// Laatste dag van de toetsperiode (JJJJ-MM-DD).
        #[arg(long, value_name = "DATUM", value_parser = date)]
        test_until: NaiveDate,
        /// Schrijf het verslag ook als JSON naar dit bestand.
        #[arg(long, value_name = "BESTAND")]
        json: Option<PathBuf>,
        /// Kalibreer ook een model op de leergegevens en meet het.
        #[arg(long)]
        calibrate: bool,
    },
    /// Schrijf een tegelarchief, een GeoJSON-export of de GeoTIFF van een
    /// gemeente.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// Schrijf de synthetische demoregio (of, met --national, de landelijke
    /// benchmarkdataset).
    Fixtures {
        /// Uitvoermap.
        #[arg(long, default_value = "fixtures", value_name = "MAP")]
        out: PathBuf,
        /// Startgetal van de toevalsgenerator.
        #[arg(long, default_value_t = 20_261_101, value_parser = whole::<u64>)]
        seed: u64,
        /// De landelijke benchmarkdataset in plaats van de demoregio.
        #[arg(long)]
        national: bool,
        /// Schrijf in plaats daarvan de studieregio van dit startgetal (met
        /// de waarheid in `waarheid.json`).
        #[arg(long, conflicts_with = "national", value_name = "SEED", value_parser = whole::<u64>)]
        study: Option<u64>,
    },
    /// Beheer de gebruikers van `[access] users`: toevoegen (toont het
    /// nieuwe token als laatste regel), tonen, intrekken.
    Users {
        #[command(subcommand)]
        what: Users,
    },
    /// Controleer of lees het auditlog van `[access] audit_log`.
    Audit {
        #[command(subcommand)]
        what: Audit,
    },
    /// Schrijf de modelkaart (Markdown): gegevens en perioden, variabelen
    /// met relatieve risico's en intervallen, het gekozen model en waarom,
    /// de cijfers van de voorwaartse toets en de studie, bekende grenzen.
    Modelkaart {
        #[command(flatten)]
        common: Common,
        /// De modelkaart die geschreven wordt.
        #[arg(long, default_value = "modelkaart.md", value_name = "BESTAND")]
        out: PathBuf,
        /// Cijfers van een simulatiestudie (`buitenzicht study --json`).
        #[arg(long, value_name = "BESTAND")]
        studie: Option<PathBuf>,
    },
    /// Meet de tijd van inlezen, scoren en rangschikken van een project, en
    /// het piekgeheugen.
    Bench(Common),
    /// De simulatiestudie: synthetische regio's met wisselende mechanismen,
    /// het model tegen de beste kerndichtheid en de waarheid.
    Study {
        /// Hoeveel startgetallen (regio's).
        #[arg(long, default_value_t = 20, value_name = "AANTAL", value_parser = whole::<u64>)]
        seeds: u64,
        /// Het eerste startgetal.
        #[arg(long, default_value_t = 1, value_name = "SEED", value_parser = whole::<u64>)]
        first_seed: u64,
        /// Schrijf ook elk cijfer als JSON naar dit bestand.
        #[arg(long, value_name = "BESTAND")]
        json: Option<PathBuf>,
        /// Toon de tabellen van een eerdere studie uit haar JSON-bestand, in
        /// plaats van er een te draaien.
        #[arg(long, conflicts_with_all = ["json", "seeds", "first_seed"], value_name = "BESTAND")]
        from: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum Export {
    /// Een PMTiles- of MBTiles-archief van één tegellaag.
    Tiles {
        #[command(flatten)]
        common: Common,
        /// De tegellaag.
        #[arg(long, value_enum, default_value_t = LayerArg::Risk, value_name = "LAAG")]
        layer: LayerArg,
        /// Het archiefformaat.
        #[arg(long, value_enum, default_value_t = FormatArg::Pmtiles, value_name = "FORMAAT")]
        format: FormatArg,
        /// Laagste zoomniveau.
        #[arg(long, default_value_t = 8, value_name = "ZOOM", value_parser = whole::<u8>)]
        minzoom: u8,
        /// Hoogste zoomniveau.
        #[arg(long, default_value_t = 14, value_name = "ZOOM", value_parser = whole::<u8>)]
        maxzoom: u8,
        /// Het archief dat geschreven wordt.
        #[arg(long, value_name = "BESTAND")]
        out: PathBuf,
    },
    /// GeoJSON (RFC 7946): risico per vak, of de inspectielijst van een
    /// gemeente.
    Geojson {
        #[command(flatten)]
        common: Common,
        /// CBS-code van een gemeente, bijvoorbeeld GM0001.
        #[arg(long, value_name = "GM####")]
        gemeente: Option<String>,
        /// west,zuid,oost,noord in WGS84-graden.
        #[arg(long, value_name = "W,Z,O,N")]
        bbox: Option<String>,
        /// Vakgrootte in meters: 250, 500 (standaard) of 1000.
        #[arg(long, value_name = "METERS", value_parser = whole::<u32>)]
        cel: Option<u32>,
        /// Wat de export bevat.
        #[arg(long, value_enum, default_value_t = ContentArg::Aggregaat)]
        inhoud: ContentArg,
        /// Het GeoJSON-bestand dat geschreven wordt.
        #[arg(long, value_name = "BESTAND")]
        out: PathBuf,
    },
    /// De risico-GeoTIFF bijgesneden tot één gemeente, met haar QGIS-stijl.
    Geotiff {
        #[command(flatten)]
        common: Common,
        /// CBS-code van de gemeente, bijvoorbeeld GM0001.
        #[arg(long, value_name = "GM####")]
        gemeente: String,
        /// De GeoTIFF die geschreven wordt.
        #[arg(long, value_name = "BESTAND")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum Users {
    /// Voeg een gebruiker toe; het token wordt één keer getoond, als
    /// laatste regel.
    Add {
        /// Naam van de gebruiker.
        #[arg(value_name = "NAAM")]
        name: String,
        /// De rol van de gebruiker.
        #[arg(long, value_enum, value_name = "ROL")]
        role: RoleArg,
        /// CBS-code van een gemeente die de gebruiker bedient (rol gemeente;
        /// herhaal voor meer).
        #[arg(long, value_name = "GM####")]
        gemeente: Vec<String>,
        /// Het projectbestand.
        #[arg(
            long,
            short,
            default_value = "buitenzicht.toml",
            value_name = "BESTAND"
        )]
        config: PathBuf,
    },
    /// Toon de gebruikers (nooit hun tokens).
    List {
        /// Het projectbestand.
        #[arg(
            long,
            short,
            default_value = "buitenzicht.toml",
            value_name = "BESTAND"
        )]
        config: PathBuf,
    },
    /// Verwijder een gebruiker; het token werkt meteen niet meer.
    Revoke {
        /// Naam van de gebruiker.
        #[arg(value_name = "NAAM")]
        name: String,
        /// Het projectbestand.
        #[arg(
            long,
            short,
            default_value = "buitenzicht.toml",
            value_name = "BESTAND"
        )]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum Audit {
    /// Controleer de hashketen; noemt de eerste gewijzigde, verwijderde of
    /// verplaatste regel.
    Verify {
        /// Het projectbestand.
        #[arg(
            long,
            short,
            default_value = "buitenzicht.toml",
            value_name = "BESTAND"
        )]
        config: PathBuf,
    },
    /// Toon de regels, desgewenst van één gebruiker en vanaf een datum.
    Show {
        /// Alleen de regels van deze gebruiker.
        #[arg(long, value_name = "NAAM")]
        user: Option<String>,
        /// Alleen de regels vanaf deze dag (JJJJ-MM-DD).
        #[arg(long, value_name = "DATUM", value_parser = date)]
        since: Option<NaiveDate>,
        /// Het projectbestand.
        #[arg(
            long,
            short,
            default_value = "buitenzicht.toml",
            value_name = "BESTAND"
        )]
        config: PathBuf,
    },
}

/// Een rol.
#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Analist,
    Gemeente,
    Kvb,
    Beheerder,
}

/// Een tegellaag.
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

/// Een formaat van een tegelarchief.
#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Pmtiles,
    Mbtiles,
}

/// Wat een GeoJSON-export bevat.
#[derive(Clone, Copy, ValueEnum)]
pub enum ContentArg {
    /// Risico per vak, zonder pand of melding.
    Aggregaat,
    /// De inspectielijst van een gemeente.
    Inspecties,
}

/// The inputs: the project file and how strictly to read it.
#[derive(Args)]
pub struct Input {
    /// Het projectbestand.
    #[arg(
        long,
        short,
        default_value = "buitenzicht.toml",
        value_name = "BESTAND"
    )]
    pub config: PathBuf,
    /// Stop zodra een record wordt afgewezen.
    #[arg(long)]
    pub strict: bool,
    /// Ga door, hoeveel records van een laag er ook worden afgewezen
    /// (standaard mag een laag er hoogstens `[ingest] max_reject_share`
    /// verliezen, 10 %).
    #[arg(long, conflicts_with = "strict")]
    pub allow_rejects: bool,
}

/// The inputs and the date to score for.
#[derive(Args)]
pub struct Common {
    #[command(flatten)]
    pub input: Input,
    /// Scoor per deze datum, JJJJ-MM-DD (standaard de `as_of` van het
    /// projectbestand, anders vandaag).
    #[arg(long, value_name = "DATUM", value_parser = date)]
    pub as_of: Option<NaiveDate>,
}
