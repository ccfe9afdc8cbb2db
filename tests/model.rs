//! The sewage spike report and the backtest on the fixtures.

mod common;

fn config() -> String {
    common::fixtures()
        .join("buitenzicht.toml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn sewage_finds_the_planted_spikes_and_none_in_the_flat_series() {
    let out = common::run(&["sewage", "-c", &config()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let block = |code: &str| -> Vec<String> {
        let mut lines = text.lines().skip_while(|l| !l.starts_with(code));
        let head = lines
            .next()
            .unwrap_or_else(|| panic!("{code} missing: {text}"))
            .to_string();
        std::iter::once(head)
            .chain(
                lines
                    .take_while(|l| l.starts_with("  "))
                    .map(str::to_string),
            )
            .collect()
    };
    // The hotspot's plant: three amphetamine dumps in the last five months.
    let hot = block("RWZI-03");
    assert!(hot[0].contains("3 piek(en)"), "{hot:?}");
    for date in ["2026-06-14", "2026-08-23", "2026-10-03"] {
        assert!(
            hot.iter()
                .any(|l| l.contains(date) && l.contains("amfetamine")),
            "{date}: {hot:?}"
        );
    }
    // The flat series: nothing.
    assert!(block("RWZI-02")[0].contains("0 piek(en)"));
    // A racemic MDMA spike is marked as a likely dumping.
    let mdma = block("RWZI-06");
    assert!(
        mdma.iter()
            .any(|l| l.contains("mdma") && l.contains("racemisch")),
        "{mdma:?}"
    );
    // An old spike is found but no longer counts.
    let old = block("RWZI-04");
    assert!(old[0].contains("1 piek(en), score 0.00"), "{old:?}");
}

#[test]
fn backtest_compares_the_model_with_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("backtest.json");
    let out = common::run(&[
        "backtest",
        "-c",
        &config(),
        "--train-until",
        "2026-05-01",
        "--test-until",
        "2026-11-01",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("PAI") && table.contains("basislijn"),
        "{table}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // 13 dumpings fall after 2026-05-01 in the fixtures, all in the buitengebied.
    assert_eq!(report["events"], 13);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let at = |r: usize, k: usize, key: &str| results[r]["metrics"][k][key].as_f64().unwrap();
    for r in 0..2 {
        for k in 0..3 {
            assert!(at(r, k, "hits") <= at(r, k, "best_possible"));
            let pai = at(r, k, "pai");
            let expected =
                at(r, k, "hit_rate") / (at(r, k, "cells") / report["cells"].as_f64().unwrap());
            assert!((pai - expected).abs() < 1e-9, "PAI = hit rate / area share");
        }
    }
    // The planted hotspot is foreseen better with all signals than with
    // past dumpings alone.
    assert!(at(0, 0, "hits") > at(1, 0, "hits"), "{table}");

    let bad = common::run(&[
        "backtest",
        "-c",
        &config(),
        "--train-until",
        "2026-05-01",
        "--test-until",
        "2026-04-01",
    ]);
    assert!(!bad.status.success());
    assert!(common::stderr(&bad).contains("moet na --train-until"));
}

/// A calibration that keeps no variable gives a flat map: `run` says so,
/// and the backtest finds what a flat map finds, the dumpings of the
/// area it covers (PAI 1), not whatever lay in the first cells of the grid.
#[test]
fn a_flat_calibrated_map_is_said_and_measures_as_chance() {
    let dir = common::fixture_copy();
    let cfg = dir.path().join("buitenzicht.toml");
    let model = dir.path().join("model.json");
    let out = common::run(&[
        "calibrate",
        "-c",
        cfg.to_str().unwrap(),
        "--until",
        "2026-05-01",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("geen variabele verklaart"), "{report}");

    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("[scoring]\n", "[scoring]\nmodel = \"model.json\"\n"),
    )
    .unwrap();
    let (output, _) = common::run_project(dir.path());
    let log = common::stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("let op: de kaart is overal 0 (het model"),
        "{log}"
    );

    let out = common::run(&[
        "backtest",
        "-c",
        cfg.to_str().unwrap(),
        "--train-until",
        "2026-05-01",
        "--test-until",
        "2026-11-01",
        "--calibrate",
    ]);
    let log = String::from_utf8(out.stdout.clone()).unwrap() + &common::stderr(&out);
    assert!(out.status.success(), "{log}");
    let flat: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.starts_with("buitenzicht, gekalibreerd (geen variabele behouden: vlakke kaart)")
        })
        .collect();
    assert_eq!(flat.len(), 3, "{log}");
    for line in flat {
        let pai = line.split_whitespace().rev().nth(1).unwrap();
        assert_eq!(pai, "1.00", "{line}");
    }
}

#[test]
fn calibrated_model_is_written_and_used_by_run() {
    let dir = common::fixture_copy();
    let model = dir.path().join("model.json");
    let cfg = dir.path().join("buitenzicht.toml");
    let out = common::run(&[
        "calibrate",
        "-c",
        cfg.to_str().unwrap(),
        "--until",
        "2026-11-01",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("RRV"), "{report}");
    let mut fitted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    // The outcome: the 26 dumpings of the year up to the date.
    assert_eq!(fitted["events"], 26);
    assert_eq!(fitted["predictors_as_of"], "2025-11-01");
    // With 26 dumpings the one-standard-error rule keeps no variable: the
    // lasso's last step left the satellite anomaly at β ≈ 3·10⁻¹⁰, which
    // counts as none and is said so, not stretched into a 0–100 map.
    for v in fitted["variables"].as_array().unwrap() {
        let beta = v["beta"].as_f64().unwrap();
        assert!(beta == 0.0 || beta >= 1e-3, "{v}");
    }
    assert!(
        report.contains("(geen variabele verklaart de dumpingen"),
        "{report}"
    );
    // Every variable has its interval, kept or not.
    for v in fitted["variables"].as_array().unwrap() {
        let (beta, rrv) = (
            v["beta"].as_f64().unwrap(),
            v["relative_risk"].as_f64().unwrap(),
        );
        assert!((rrv - beta.exp()).abs() < 1e-9 * rrv);
        assert!(v["cells"].is_u64());
        // No RRV without an interval.
        let ci = &v["relative_risk_interval"];
        assert!(
            ci["low"].as_f64().unwrap() <= ci["high"].as_f64().unwrap(),
            "{v}"
        );
        assert!(v["includes_null"].is_boolean());
    }
    assert!(fitted["settings"]["dumpingen"]["half_life_days"].is_number());

    // A model fixed by hand on the calibration's settings: the satellite
    // anomaly doubles the risk.
    for v in fitted["variables"].as_array_mut().unwrap() {
        if v["name"] == "satelliet_anomalie" {
            v["beta"] = std::f64::consts::LN_2.into();
            v["relative_risk"] = 2.0.into();
        }
    }
    std::fs::write(&model, serde_json::to_vec_pretty(&fitted).unwrap()).unwrap();

    // `scoring.model` makes `run` score with it.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("[scoring]\n", "[scoring]\nmodel = \"model.json\"\n"),
    )
    .unwrap();
    let products = dir.path().join("out");
    let out = common::run(&[
        "run",
        "-c",
        cfg.to_str().unwrap(),
        "--out",
        products.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let ds = gdal::Dataset::open(products.join("risico.tif")).unwrap();
    use gdal::Metadata;
    assert!(ds
        .metadata_item("WEIGHTS", "")
        .unwrap()
        .contains("gekalibreerd"));
    let bands: Vec<Vec<f32>> = (1..=5)
        .map(|b| {
            ds.rasterband(b)
                .unwrap()
                .read_band_as::<f32>()
                .unwrap()
                .into_shape_and_vec()
                .1
        })
        .collect();
    for (i, &risk) in bands[0].iter().enumerate() {
        if risk != -9999.0 {
            let sum: f32 = bands[1..].iter().map(|b| b[i]).sum();
            assert!(
                (risk - sum).abs() < 1e-3 && risk <= 100.001,
                "cell {i}: {risk} vs {sum}"
            );
        }
    }
    // The planted hotspot's barn is among the first three to inspect.
    let csv = std::fs::read_to_string(products.join("inspecties/GM9902.csv")).unwrap();
    assert!(
        csv.lines()
            .skip(1)
            .take(3)
            .any(|l| l.contains(buitenzicht_synth::HOTSPOT_BARN)),
        "{csv}"
    );

    // A setting the coefficients depend on, changed after calibration:
    // the model file is refused, naming the setting.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        format!("{text}\n[scoring.dumpingen]\nhalf_life_days = 90.0\n"),
    )
    .unwrap();
    let out = common::run(&[
        "run",
        "-c",
        cfg.to_str().unwrap(),
        "--out",
        products.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains("scoring.dumpingen.half_life_days") && err.contains("kalibreer opnieuw"),
        "{err}"
    );
}

#[test]
fn model_card_has_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("modelkaart.md");
    let out = common::run(&[
        "modelkaart",
        "-c",
        &config(),
        "--out",
        card.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = std::fs::read_to_string(&card).unwrap();
    for section in [
        "# Modelkaart Demoregio Kempenrand",
        "## Doel",
        "## Gegevens en perioden",
        "## Gekozen model en waarom",
        "## Variabelen en relatieve risico's",
        "## Toetsing vooruit",
        "## Simulatiestudie",
        "## Bekende beperkingen",
    ] {
        assert!(text.contains(section), "{section} missing:\n{text}");
    }
    // Per layer a count and a period; the chosen model marked.
    assert!(text.contains("| dumpingen | "), "{text}");
    assert!(text.contains("**Gekozen: "), "{text}");
    assert!(text.contains("(gekozen)"), "{text}");
    // The density the card compares with is the one `run` named in its
    // reason for the choice.
    let rival = text
        .split_once("voor de beste kerndichtheid (")
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(name, _)| name)
        .unwrap_or_else(|| panic!("no density named:\n{text}"));
    assert!(
        text.contains(&format!("de beste kerndichtheid ({rival}) PAI")),
        "{rival}:\n{text}"
    );
    // The journey's own uncertainty is given beside the bootstrap's.
    assert!(
        text.contains("**Reisafstand:** het 95 %-profielinterval van de mediaan is "),
        "{text}"
    );
    // Every relative risk in the building model's table has an interval.
    if text.contains("| kenmerk | eenheid | RR |") {
        let rows: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("| kenmerk | eenheid | RR |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert!(
            rows.iter().any(|l| l.starts_with("| leegstand bevestigd")),
            "{text}"
        );
        for line in rows {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            assert!(cells[3] != "–" && cells[4].contains('–'), "{line}");
        }
    }
}

#[test]
fn model_card_says_what_run_uses_when_the_project_fixes_it() {
    // With fixed weights `run` maps and ranks by them: the card says so
    // and marks the choice it describes as not used.
    let dir = common::fixture_copy();
    let path = dir.path().join("buitenzicht.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("[scoring]\n", "[scoring]\nmethod = \"weights\"\n", 1),
    )
    .unwrap();
    let card = dir.path().join("modelkaart.md");
    let out = common::run(&[
        "modelkaart",
        "-c",
        path.to_str().unwrap(),
        "--out",
        card.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = std::fs::read_to_string(&card).unwrap();
    assert!(text.contains("komen uit vaste gewichten"), "{text}");
    assert!(text.contains("(niet gebruikt)"), "{text}");
    assert!(!text.contains("**Gekozen: "), "{text}");

    // Before the first dumping nothing was tested, and no PAI says so.
    let out = common::run(&[
        "modelkaart",
        "-c",
        path.to_str().unwrap(),
        "--as-of",
        "1900-01-01",
        "--out",
        card.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = std::fs::read_to_string(&card).unwrap();
    assert!(
        text.contains("Geen kandidaat is vooruit getoetst"),
        "{text}"
    );
    assert!(!text.contains("PAI 0.00"), "{text}");
}

/// A region with more buildings than `fit_buildings` has its building
/// model fitted on a spatial sample and applied to every building: the
/// report says so, the density is tested in the same windows, and the
/// inspection lists hold every building, as without the sample.
#[test]
fn a_large_region_is_fitted_on_a_sample_and_ranks_every_building() {
    let whole = common::fixture_copy();
    let sampled = common::fixture_copy();
    for (dir, settings) in [
        (&whole, "bootstrap = 0"),
        (&sampled, "bootstrap = 0\nfit_buildings = 1000"),
    ] {
        let path = dir.path().join("buitenzicht.toml");
        let mut toml = std::fs::read_to_string(&path).unwrap();
        toml.push_str(&format!("\n[scoring.calibration]\n{settings}\n"));
        std::fs::write(&path, toml).unwrap();
    }
    let run = |dir: &tempfile::TempDir| {
        // The report goes to standard error.
        let (out, products) = common::run_project(dir.path());
        assert!(out.status.success(), "{}", common::stderr(&out));
        (common::stderr(&out), products)
    };
    let ((whole, whole_products), (sampled, _)) = (run(&whole), run(&sampled));
    assert!(!whole.contains("steekproef"), "{whole}");
    // The demo's map is the building model's, and its GeoTIFF names band 2
    // for what it holds.
    assert!(whole.contains("gekozen: panden"), "{whole}");
    let ds = gdal::Dataset::open(whole_products.join("risico.tif")).unwrap();
    use gdal::Metadata;
    assert_eq!(
        ds.rasterband(2).unwrap().description().unwrap(),
        "bijdrage panden binnen reisafstand"
    );
    let line = sampled
        .lines()
        .find(|l| l.contains("ruimtelijke steekproef"))
        .unwrap_or_else(|| panic!("no sample reported:\n{sampled}"));
    // The windows hold at least the buildings asked for, and fewer than all.
    let inside: usize = line
        .split(" met ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((1_000..3_158).contains(&inside), "{line}");
    assert!(line.contains("van de 3158 panden"), "{line}");
    assert!(
        sampled.contains("(steekproefvensters)"),
        "the density is not tested in the windows:\n{sampled}"
    );
    let counts = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("panden te inspecteren"))
            .map(str::to_string)
            .collect()
    };
    assert!(!counts(&whole).is_empty(), "{whole}");
    assert_eq!(counts(&whole), counts(&sampled));
}

/// On a study region whose sites sit in a few vacant barns, every relative
/// risk of the building model comes with a bounded interval. Before the
/// bootstrap counted a building's expected dumpings with the blocks they
/// land in, a building in a block not drawn explained its dumpings in
/// drawn ones at no cost, and intervals here reached 10¹⁷ and more.
#[test]
fn bootstrap_intervals_of_a_study_region_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run(&[
        "fixtures",
        "--study",
        "18",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let (out, _) = common::run_project(dir.path());
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = common::stderr(&out);
    let intervals: Vec<(&str, f64, f64)> = report
        .lines()
        .filter(|l| l.contains(" RR "))
        .map(|l| {
            let inside = l
                .split_once('[')
                .and_then(|(_, r)| r.split_once(']'))
                .map(|(i, _)| i)
                .unwrap_or_else(|| panic!("no interval: {l}"));
            let (low, high) = inside
                .split_once('–')
                .unwrap_or_else(|| panic!("no interval: {l}"));
            let parse = |v: &str| -> f64 { v.trim().parse().unwrap_or_else(|_| panic!("{l}")) };
            (l, parse(low), parse(high))
        })
        .collect();
    assert!(intervals.len() >= 6, "{report}");
    // The upper ends here stay below 200; before, they ran to 10¹⁷ and
    // more. (The lower ends are not divided by: printed to two decimals,
    // a small one reads 0.00.)
    for (line, low, high) in intervals {
        assert!(low <= high && high < 1e4, "{line}");
    }
}
