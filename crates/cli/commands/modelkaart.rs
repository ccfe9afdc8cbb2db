//! `buitenzicht modelkaart`: a model card in Dutch (Markdown) for one run —
//! the data and their periods, the variables with their relative risks and
//! intervals, the model chosen and why, the forward-test and study figures,
//! and the known limits — fit for the Algoritmeregister or a Bibob or
//! Damocles file.

use super::{as_of, load, study, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
use buitenzicht_ingest::{Dataset, Leegstand};
use buitenzicht_products::export::write_atomic;
use buitenzicht_score::calibrate::Calibration;
use buitenzicht_score::format::{self, interval, number, percent};
use buitenzicht_score::predict;
use buitenzicht_score::predict::{SelectionReport, MIN_CUTS};
use chrono::NaiveDate;
use std::fmt::Write as _;
use std::path::Path;

/// Outcome windows with fewer dumpings than this are called small numbers.
const SMALL_NUMBERS: u32 = 30;

pub fn run(common: &Common, out: &Path, studie: Option<&Path>) -> Result<(), BoxError> {
    let project = ProjectFile::load(&common.input.config)?;
    let (data, _) = load(&project, &common.input)?;
    let as_of = as_of(&project, common);
    let prediction = predict(&data, &project.scoring, as_of)?;
    let calibration = match &project.scoring.model {
        Some(path) => {
            let c = super::read_calibration(path)?;
            c.check_settings(&project.scoring)?;
            Some(c)
        }
        None => None,
    };
    let study = studie.map(study::read_results).transpose()?;
    let weights = (project.scoring.method == buitenzicht_score::config::Method::Weights)
        .then_some(&project.scoring.weights);
    let card = card(
        &project.name,
        &data,
        as_of,
        &prediction.report,
        MapOfRun {
            calibration: calibration.as_ref(),
            weights,
        },
        study.as_deref(),
    )?;
    write_atomic(out, card.as_bytes())?;
    eprintln!("{}", out.display());
    Ok(())
}

fn range(dates: impl Iterator<Item = NaiveDate>) -> String {
    let (mut lo, mut hi) = (None::<NaiveDate>, None::<NaiveDate>);
    for d in dates {
        lo = Some(lo.map_or(d, |l| l.min(d)));
        hi = Some(hi.map_or(d, |h| h.max(d)));
    }
    match (lo, hi) {
        (Some(l), Some(h)) => format!("{l} t/m {h}"),
        _ => "geen datums".into(),
    }
}

/// What `run` makes its map and lists from when the project fixes it: a
/// model file (which wins), or `method = "weights"`. With neither, the
/// choice the card describes.
#[derive(Debug, Clone, Copy)]
pub struct MapOfRun<'a> {
    pub calibration: Option<&'a Calibration>,
    pub weights: Option<&'a buitenzicht_score::config::Weights>,
}

impl MapOfRun<'_> {
    fn fixed(&self) -> bool {
        self.calibration.is_some() || self.weights.is_some()
    }
}

/// The card, as Markdown.
pub fn card(
    name: &str,
    data: &Dataset,
    as_of: NaiveDate,
    report: &SelectionReport,
    map: MapOfRun,
    study: Option<&[study::SeedResult]>,
) -> Result<String, std::fmt::Error> {
    let calibration = map.calibration;
    let mut s = String::new();
    writeln!(s, "# Modelkaart {name}\n")?;
    writeln!(
        s,
        "Peildatum {as_of}; gemaakt met buitenzicht {}.\n",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(s, "## Doel\n")?;
    writeln!(
        s,
        "Het model beantwoordt twee vragen apart. **Waar wordt drugsafval gedumpt?** De kaart geeft per cel het verwachte aantal dumpingen in het komende jaar (relatief, 0–100). **Welk pand huisvest productie?** De inspectielijst rangschikt elk pand in het buitengebied naar zijn verwachte aandeel in de komende dumpingen (`risico`, hoger = eerst bezoeken); `bijdrage_pand` is het deel dat elk pand van die omvang krijgt (basiskans en oppervlakte, geen signaal), de andere bijdragen komen van leegstand, dumpingen binnen reisafstand, riool en satelliet, en `signalen` noemt wat minstens een tiende van de score van het pand uitmaakt. De uitkomst is een aanwijzing voor toezicht, geen bewijs: een hoge score rechtvaardigt een bezoek, geen maatregel op zichzelf.\n"
    )?;

    writeln!(s, "## Gegevens en perioden\n")?;
    writeln!(
        s,
        "| laag | aantal | periode | opmerking |\n|---|---|---|---|"
    )?;
    let dumps_before = data.dumpingen.iter().filter(|d| d.datum <= as_of).count();
    writeln!(
        s,
        "| gemeenten | {} | – | studiegebied |",
        data.gemeenten.len()
    )?;
    writeln!(
        s,
        "| bebouwde kom | {} | – | geen buitengebied |",
        data.bebouwde_kom.len()
    )?;
    let vacant = data
        .panden
        .iter()
        .filter(|p| matches!(p.leegstand, Leegstand::Bevestigd | Leegstand::Vermoedelijk))
        .count();
    let vacant_undated = data
        .panden
        .iter()
        .filter(|p| {
            matches!(p.leegstand, Leegstand::Bevestigd | Leegstand::Vermoedelijk)
                && p.leegstand_datum.is_none()
        })
        .count();
    writeln!(
        s,
        "| panden | {} | {} | {vacant} (vermoedelijk) leeg, waarvan {vacant_undated} zonder registratiedatum |",
        data.panden.len(),
        range(data.panden.iter().filter_map(|p| p.leegstand_datum)),
    )?;
    writeln!(
        s,
        "| dumpingen | {} | {} | {dumps_before} op of voor de peildatum gebruikt |",
        data.dumpingen.len(),
        range(data.dumpingen.iter().map(|d| d.datum))
    )?;
    writeln!(s, "| rwzi | {} | – | vangstgebieden |", data.rwzi.len())?;
    writeln!(
        s,
        "| rioolmetingen | {} | {} | |",
        data.rioolmetingen.len(),
        range(data.rioolmetingen.iter().map(|m| m.datum))
    )?;
    let undated_tiles = data.satelliet.iter().filter(|t| t.datum.is_none()).count();
    writeln!(
        s,
        "| satelliet | {} tegels | {} | {undated_tiles} zonder opnamedatum |\n",
        data.satelliet.len(),
        range(data.satelliet.iter().filter_map(|t| t.datum))
    )?;

    writeln!(s, "## Gekozen model en waarom\n")?;
    match (calibration, map.weights) {
        (Some(c), _) => writeln!(
            s,
            "**Kaart en inspectielijst van `run` komen uit het gekalibreerde model** (`[scoring] model`, geschat t/m {}; zie \"Variabelen\" hieronder), niet uit de keuze in deze paragraaf: die laat zien wat `run` zonder modelbestand zou kiezen, ter vergelijking. De inspectielijst noemt dan alleen (vermoedelijk) leegstaande schuren, gerangschikt op het hoogste risico op hun footprint.\n",
            c.until
        )?,
        (None, Some(w)) => writeln!(
            s,
            "**Kaart en inspectielijst van `run` komen uit vaste gewichten** (`[scoring] method = \"weights\"`), niet uit de keuze in deze paragraaf: de kaart is het gewogen gemiddelde van de vier indicatoren (leegstand {}, dumpingen {}, riool {}, satelliet {}), en de inspectielijst noemt alleen (vermoedelijk) leegstaande schuren, gerangschikt op het hoogste risico op hun footprint. De gewichten zijn niet uit de gegevens geschat en hieronder niet vooruit getoetst; `buitenzicht backtest` meet de kaart. Wat volgt, is wat `run` met `method = \"auto\"` zou kiezen, ter vergelijking.\n",
            w.leegstand, w.dumpingen, w.riool, w.satelliet
        )?,
        (None, None) => {}
    }
    writeln!(
        s,
        "Kandidaten: de kerndichtheid van eerdere dumpingen (bandbreedte 250 m tot 4 km, wat een analist in QGIS maakt) en het pandenmodel per reisafstand. Elke kandidaat wordt vooruit getoetst: geschat op de gegevens tot een ijkmoment, gemeten op de dumpingen van de {} dagen erna; de vensters van opeenvolgende ijkmomenten overlappen, zodat een dumping in meer dan één toets kan meetellen. Ijkmomenten: {}.\n",
        report.window_days,
        if report.cuts.is_empty() {
            "geen".to_string()
        } else {
            report
                .cuts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    )?;
    let tested = report.candidates.iter().any(|c| c.events > 0);
    if tested {
        writeln!(
            s,
            "| kandidaat | dumpingen in hoogste 5 % | getoetste dumpingen | PAI 5 % |\n|---|---|---|---|"
        )?;
    } else {
        writeln!(
            s,
            "Geen kandidaat is vooruit getoetst: na geen enkel ijkmoment lag een dumping in het venster.\n"
        )?;
    }
    for c in report.candidates.iter().filter(|_| tested) {
        writeln!(
            s,
            "| {}{} | {} | {} | {:.2} |",
            c.name,
            if c.name == report.chosen {
                " **(gekozen)**"
            } else {
                ""
            },
            format::count(c.hits),
            c.events,
            c.pai_5
        )?;
    }
    match map.fixed() {
        false => writeln!(s, "\n**Gekozen: {}** — {}.\n", report.chosen, report.reason)?,
        true => writeln!(
            s,
            "\n**Zonder vaste keuze gekozen (niet gebruikt): {}** — {}.\n",
            report.chosen, report.reason
        )?,
    }
    if let Some(sample) = &report.sample {
        writeln!(
            s,
            "**Steekproef:** {sample}. Zo blijft de rekentijd op een groot gebied beperkt; het model geldt daarna voor alle panden. De kerndichtheid met \"(steekproefvensters)\" is in dezelfde vensters getoetst, zodat beide op dezelfde dumpingen worden vergeleken. Met `[scoring.calibration] fit_buildings = 0` wordt op alle panden geschat.\n"
        )?;
    }

    writeln!(s, "## Variabelen en relatieve risico's\n")?;
    match &report.building_model {
        Some(m) => {
            writeln!(
                s,
                "Pandenmodel (puntproces, geschat met EM en daarna de methode van Newton op de aannemelijkheid): elke dumping komt van de achtergrond, van herhaling bij eerdere dumpingen (kerndichtheid {:.0} m{}), of van een pand, langs een reisafstand die uit de gegevens is geschat (log-normaal, mediaan {:.0} m, spreiding σ {:.2}). Hoeveel een pand stuurt, hangt vermenigvuldigend af van zijn kenmerken: het relatieve risico (RR) zegt hoeveel keer zoveel dumpingen een pand met één eenheid meer van het kenmerk verwacht. Tussen haken het 95 %-interval uit een ruimtelijke blokbootstrap ({} trekkingen, blokken van {:.0} m). Een interval van een RR dat 1 (geen effect) tot op 0.1 % nadert, of van een aandeel dat onder 0.1 % begint, is gemarkeerd: daar tonen de gegevens niet aan dat het kenmerk of de bron iets bijdraagt.\n",
                m.bandwidth_m,
                if m.decay { "" } else { ", zonder verval" },
                m.journey_median_m,
                m.journey_sigma,
                m.replicates,
                m.block_m
            )?;
            if let Some(i) = &m.journey_interval {
                writeln!(
                    s,
                    "**Reisafstand:** het 95 %-profielinterval van de mediaan is {i}: bij elke mediaan zijn de spreiding, de bronnen en de kenmerken opnieuw geschat, en het interval bevat de medianen waarbij de log-likelihood (met de ridgestraf, zoals bij de schatting) minder dan 1.92 (de helft van χ²₁ bij 95 %) onder die van de schatting ligt. De bootstrapintervallen hieronder gelden bij de geschatte reisafstand; de onzekerheid van de reisafstand zit in dit interval, niet in de bootstrapintervallen.{}\n",
                    i.higher.map_or(String::new(), |(median, gain)| format!(
                        " **Let op:** bij een mediaan van {median:.0} m is de log-likelihood {} hoger dan bij de schatting; de reisafstand is niet eenduidig bepaald.",
                        number(gain)
                    ))
                )?;
            }
            writeln!(
                s,
                "| bron | aandeel in de verwachte dumpingen | 95 %-interval | omvat geen effect |\n|---|---|---|---|"
            )?;
            for c in &m.coefficients {
                if let (Some(share), Some(i)) = (c.share, c.share_interval) {
                    writeln!(
                        s,
                        "| {} | {} | {} | {} |",
                        c.name,
                        percent(share),
                        interval(i.low, i.high, percent),
                        c.verdict()
                    )?;
                }
            }
            writeln!(
                s,
                "\n| kenmerk | eenheid | RR | 95 %-interval RR | omvat geen effect |\n|---|---|---|---|---|"
            )?;
            for c in &m.coefficients {
                if let (Some(rr), Some(i)) = (c.relative_risk, c.relative_risk_interval) {
                    writeln!(
                        s,
                        "| {} | {} | {} | {} | {} |",
                        c.name,
                        c.unit,
                        number(rr),
                        interval(i.low, i.high, number),
                        c.verdict()
                    )?;
                }
            }
            writeln!(s)?;
        }
        None => writeln!(
            s,
            "Geen pandenmodel geschat: te weinig geschiedenis (minstens {MIN_CUTS} ijkmomenten nodig). De kaart is de kerndichtheid van eerdere dumpingen; de inspectielijst weegt elk pandkenmerk gelijk, behalve eerdere warmte op het dak, die zonder schatting niet meetelt.\n"
        )?,
    }
    if let Some(c) = calibration {
        writeln!(
            s,
            "Het gekalibreerde model waarmee `run` kaart en lijst maakt (t/m {}, λ = {:.3e} volgens de één-standaardfoutregel, RRV begrensd op {:.0}):\n",
            c.until, c.lambda, c.settings.calibration.max_relative_risk
        )?;
        writeln!(
            s,
            "| variabele | β | RRV | 95 %-interval | omvat geen effect |\n|---|---|---|---|---|"
        )?;
        for v in c.variables.iter().filter(|v| v.kept()) {
            writeln!(
                s,
                "| {} | {:.3} | {} | {} | {} |",
                v.variable.name,
                v.beta,
                number(v.relative_risk),
                interval(
                    v.relative_risk_interval.low,
                    v.relative_risk_interval.high,
                    number
                ),
                if v.includes_null { "ja" } else { "nee" }
            )?;
        }
        writeln!(s)?;
    }

    writeln!(s, "## Toetsing vooruit\n")?;
    let chosen = report.candidates.iter().find(|c| c.name == report.chosen);
    // The density `run` compared the building model with, as it says.
    let best_kde = report
        .rival
        .as_ref()
        .and_then(|name| report.candidates.iter().find(|c| &c.name == name));
    match (chosen.filter(|c| c.events > 0), best_kde) {
        (Some(c), Some(k)) => writeln!(
            s,
            "{} haalde vooruit getoetst PAI {:.2} op 5 % van het buitengebied ({} van {} dumpingen); de beste kerndichtheid ({}) PAI {:.2}. PAI is het aandeel gevonden dumpingen gedeeld door het aandeel oppervlak.\n",
            match map.fixed() {
                false => "Het gekozen model",
                true => "De keuze zonder vast model (niet gebruikt)",
            },
            c.pai_5,
            format::count(c.hits),
            c.events,
            k.name,
            k.pai_5
        )?,
        _ => writeln!(s, "Geen vooruit getoetste cijfers: te weinig geschiedenis.\n")?,
    }

    writeln!(s, "## Simulatiestudie\n")?;
    match study {
        Some(results) => {
            writeln!(
                s,
                "Synthetische regio's waarvan het mechanisme bekend is ({} seeds), het model tegen de beste kerndichtheid achteraf en de ware intensiteit:\n",
                results.len()
            )?;
            writeln!(s, "{}", study::summary(results))?;
            if results.iter().any(|r| !r.running.is_empty()) {
                writeln!(
                    s,
                    "\"Lopend op de peildatum\" is de ware intensiteit van de productieplekken die op de peildatum actief zijn, op hun echte plek, met hun werkelijke aantal dumpingen per jaar en hun werkelijke reisafstand, het hele toetsjaar meegeteld: wat een volmaakte analyse van de gegevens tot de peildatum hooguit kan opleveren. \"Lopend tot hun einde\" weet bovendien wanneer elk van die plekken stopt. Plekken die pas na de peildatum beginnen, ziet geen van beide.\n"
                )?;
            }
        }
        None => writeln!(
            s,
            "Niet meegegeven (`--studie study.json`); de cijfers en het commando staan in MODEL.md bij de broncode.\n"
        )?,
    }

    writeln!(s, "## Bekende beperkingen\n")?;
    if let Some(leak) = calibration.and_then(|c| super::calibration_leak(c, as_of)) {
        writeln!(s, "- **Lekrisico modelbestand:** {leak}.")?;
    }
    if undated_tiles > 0 {
        writeln!(
            s,
            "- **Lekrisico satelliet:** {undated_tiles} van {} tegels hebben geen opnamedatum. Ze tellen bij elk ijkmoment mee, ook als ze later zijn opgenomen: de toetsing kan daardoor te gunstig uitvallen.",
            data.satelliet.len()
        )?;
    }
    if vacant_undated > 0 {
        writeln!(
            s,
            "- **Lekrisico leegstand:** {vacant_undated} van {vacant} leegstandsregistraties hebben geen datum en gelden als bekend op elk ijkmoment."
        )?;
    }
    let tested: u32 = chosen.map_or(0, |c| c.events);
    if tested < SMALL_NUMBERS {
        writeln!(
            s,
            "- **Kleine aantallen:** de vooruit getoetste cijfers rusten op {tested} dumpingen; bij minder dan {SMALL_NUMBERS} zegt een verschil tussen kandidaten weinig."
        )?;
    }
    if let Some(m) = &report.building_model {
        let null: Vec<&str> = m
            .coefficients
            .iter()
            .filter(|c| c.includes_null && !c.interval_missing())
            .map(|c| c.name.as_str())
            .collect();
        if m.coefficients.iter().any(|c| c.interval_missing()) {
            writeln!(
                s,
                "- **Geen intervallen:** de bootstrap stond uit (`bootstrap = 0`), dus van geen bron of kenmerk is aangetoond dat het ertoe doet; zet `[scoring.calibration] bootstrap` op 100 of meer voor een onderbouwing."
            )?;
        }
        if !null.is_empty() {
            writeln!(
                s,
                "- **Geen aangetoond effect:** voor {} omvat het interval geen effect.",
                null.join(", ")
            )?;
        }
        if let Some(i) = &m.journey_interval {
            writeln!(
                s,
                "- **Reisafstand vast in de bootstrap:** de intervallen van bronnen en kenmerken gelden bij de geschatte mediaan van {:.0} m; de onzekerheid van de reisafstand zelf (profielinterval {i}) zit er niet in, zodat ze smaller kunnen uitvallen dan terecht is (alleen waar het model klopt is dat gemeten: op 40 regio's getrokken uit het model zelf bevatte het 95 %-interval van een kenmerk de ware waarde in 35, iets minder dan 95 %, zie MODEL.md van buitenzicht).",
                m.journey_median_m
            )?;
        }
    }
    writeln!(
        s,
        "- **Geregistreerde dumpingen:** het model leert van wat gevonden en gemeld is; waar minder gezocht wordt, ziet het minder.\n- **Onbekende panden:** productie in een pand dat niet in de BAG staat, kan de inspectielijst niet noemen; de kaart wel.\n- **Synthetische toetsing:** de simulatiestudie toont wat het model kan als de werkelijkheid op de gesimuleerde lijkt, niet dat ze dat doet.\n- **Individuele beslissingen:** de score is een kans op groepsniveau; voor een besluit over één pand zijn eigen waarnemingen nodig."
    )?;
    Ok(s)
}
