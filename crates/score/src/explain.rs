//! Why a place scores what it scores: each indicator's contribution and the
//! features behind it, in plain Dutch.

use crate::indicator::Indicator;
use crate::model::RiskModel;
use buitenzicht_ingest::{Dataset, Leegstand};
use chrono::NaiveDate;
use geo::Point;
use serde::Serialize;

/// What the explanation of a point says.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub x: f64,
    pub y: f64,
    /// `buitengebied`, `bebouwde kom` or `buiten studiegebied`.
    pub gebied: &'static str,
    pub gemeente: Option<GemeenteRef>,
    /// Risk 0..100, absent where none is computed.
    pub risico: Option<f32>,
    /// Indicators, largest contribution first.
    pub indicatoren: Vec<IndicatorUitleg>,
    /// One sentence per contributing indicator.
    pub samenvatting: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GemeenteRef {
    pub statcode: String,
    pub statnaam: String,
}

/// One indicator at the point.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorUitleg {
    pub key: &'static str,
    pub label: &'static str,
    /// Normalised value, 0..1.
    pub waarde: f32,
    /// Weight as a share of all weights.
    pub gewicht: f64,
    /// Risk points.
    pub bijdrage: f32,
    pub uitleg: String,
    /// What the contribution stands for when it is not the indicator alone
    /// (the building model's map), to put before `uitleg`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toelichting: Option<&'static str>,
    pub kenmerken: Vec<Kenmerk>,
}

/// A feature behind an indicator.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "soort", rename_all = "lowercase")]
pub enum Kenmerk {
    Pand {
        identificatie: String,
        leegstand: Leegstand,
        oppervlakte_m2: f64,
        afstand_m: f64,
    },
    /// Buildings the asker may not see (another municipality's), counted
    /// only: neither id, vacancy nor distance, which from a few points
    /// would place them.
    #[serde(rename = "panden_elders")]
    PandenElders { aantal: usize },
    /// Dumpings the asker may not see (another municipality's), counted
    /// only, for the same reason.
    #[serde(rename = "dumpingen_elders")]
    DumpingenElders { aantal: usize },
    Dumping {
        incident_id: String,
        datum: NaiveDate,
        afstand_m: f64,
        dumpingwijze: Option<String>,
        volume_l: Option<f64>,
        productietype: Option<String>,
    },
    Rioolpiek {
        rwzi_code: String,
        rwzi_naam: String,
        stof: String,
        datum: NaiveDate,
        ratio: f64,
        racemisch: bool,
    },
    Satelliet {
        anomalie_c: f32,
        tegels: Vec<String>,
    },
}

/// With the building model's map, the leegstand contribution is what every
/// building adds for its own traits, spread along the journey: not vacancy
/// alone, and said so.
const BUILDINGS_UITLEG: &str = "verwachte dumpingen vanuit de panden binnen reisafstand, naar hun eigen kenmerken (elk pand een basiskans, meer voor leegstand en oppervlakte)";

/// With the building model's map, the dumping contribution is the
/// near-repeat of past dumpings and what buildings within a journey add
/// for the dumpings near them.
const DUMPINGS_UITLEG: &str = "herhaling bij eerdere dumpingen en verwachte dumpingen vanuit panden binnen reisafstand met eerdere dumpingen in de buurt";

/// With the building model's map, the sewage contribution is what
/// buildings within a journey add for the spikes of their catchment,
/// shared over its buildings.
const SEWAGE_UITLEG: &str = "verwachte dumpingen vanuit panden binnen reisafstand in een stroomgebied met rioolpieken, verdeeld over de panden van dat stroomgebied";

/// With the building model's map, the satellite contribution is what
/// buildings within a journey add for the warmth of their roofs, now and
/// in earlier acquisitions: not the anomaly of this cell, which the
/// sentence after it gives.
const SATELLITE_UITLEG: &str = "verwachte dumpingen vanuit panden binnen reisafstand met een warm dak, in het jaar voor de peildatum of in eerdere opnamen";

/// Explains the score at (`x`, `y`) in RD New.
pub fn explain(data: &Dataset, model: &RiskModel, x: f64, y: f64) -> Explanation {
    explain_for(data, model, x, y, &|_| true)
}

/// [`explain`] for someone who may see only the places `shown` admits: the
/// buildings and dumpings elsewhere are counted, in the features and in the
/// sentences alike.
pub fn explain_for(
    data: &Dataset,
    model: &RiskModel,
    x: f64,
    y: f64,
    shown: &dyn Fn(Point) -> bool,
) -> Explanation {
    let p = [x, y];
    let gemeente = data.gemeente_at(p).map(|g| GemeenteRef {
        statcode: g.statcode.clone(),
        statnaam: g.statnaam.clone(),
    });
    let gebied = if gemeente.is_none() {
        "buiten studiegebied"
    } else if data.is_built_up(p) {
        "bebouwde kom"
    } else {
        "buitengebied"
    };
    let Some(cell) = model.cell_at(x, y) else {
        return Explanation {
            x,
            y,
            gebied,
            gemeente,
            risico: None,
            indicatoren: Vec::new(),
            samenvatting: vec![match gebied {
                "bebouwde kom" => "Binnen de bebouwde kom wordt geen risico berekend.".into(),
                _ => "Buiten het studiegebied wordt geen risico berekend.".into(),
            }],
        };
    };
    let mut indicatoren: Vec<IndicatorUitleg> = Indicator::ALL
        .iter()
        .map(|&ind| {
            let (uitleg, kenmerken) = match ind {
                Indicator::Leegstand => barns(data, model, p, shown),
                Indicator::Dumpingen => dumpings(data, model, p, shown),
                Indicator::Riool => sewage(data, model, p),
                Indicator::Satelliet => satellite(data, model, cell.col, cell.row, p),
            };
            IndicatorUitleg {
                key: ind.key(),
                label: model.label(ind),
                waarde: cell.values[ind.index()],
                gewicht: (model.full_contribution[ind.index()] / 100.0) as f64,
                bijdrage: cell.contributions[ind.index()],
                uitleg,
                toelichting: match ind {
                    _ if !model.building_map() => None,
                    Indicator::Leegstand => Some(BUILDINGS_UITLEG),
                    Indicator::Dumpingen => Some(DUMPINGS_UITLEG),
                    Indicator::Riool => Some(SEWAGE_UITLEG),
                    Indicator::Satelliet => Some(SATELLITE_UITLEG),
                },
                kenmerken,
            }
        })
        .collect();
    indicatoren.sort_by(|a, b| b.bijdrage.total_cmp(&a.bijdrage));
    let samenvatting = indicatoren
        .iter()
        .filter(|i| i.bijdrage >= 0.5)
        .map(|i| match i.toelichting {
            Some(t) => format!("{} (+{:.1}): {t}; {}", i.label, i.bijdrage, i.uitleg),
            None => format!("{} (+{:.1}): {}", i.label, i.bijdrage, i.uitleg),
        })
        .collect();
    Explanation {
        x,
        y,
        gebied,
        gemeente,
        risico: Some(cell.risk),
        indicatoren,
        samenvatting,
    }
}

fn barns(
    data: &Dataset,
    model: &RiskModel,
    p: [f64; 2],
    shown: &dyn Fn(Point) -> bool,
) -> (String, Vec<Kenmerk>) {
    let h = model.config.leegstand.bandwidth_m;
    let mut elders = 0;
    let mut kenmerken: Vec<Kenmerk> = data
        .panden_index
        .within_distance(p, h)
        .into_iter()
        .filter(|(i, _)| data.panden[*i].leegstand.is_candidate())
        .filter_map(|(i, d)| {
            let pand = &data.panden[i];
            if !shown(pand.centroid) {
                elders += 1;
                return None;
            }
            Some(Kenmerk::Pand {
                identificatie: pand.identificatie.clone(),
                leegstand: pand.leegstand,
                oppervlakte_m2: pand.oppervlakte,
                afstand_m: d.round(),
            })
        })
        .collect();
    let visible = kenmerken.len();
    let uitleg = match kenmerken.first() {
        None if elders > 0 => format!(
            "{elders} (vermoedelijk) leegstaande {} binnen {h:.0} m, buiten uw gemeente",
            if elders == 1 { "schuur" } else { "schuren" }
        ),
        None => format!("geen (vermoedelijk) leegstaande schuren binnen {h:.0} m"),
        Some(Kenmerk::Pand {
            leegstand,
            oppervlakte_m2,
            afstand_m,
            ..
        }) => {
            let status = if *leegstand == Leegstand::Bevestigd {
                "leegstaande"
            } else {
                "vermoedelijk leegstaande"
            };
            let more = visible - 1 + elders;
            let rest = match (more, elders) {
                (0, _) => String::new(),
                (_, 0) => format!("; nog {more} binnen {h:.0} m"),
                _ => format!("; nog {more} binnen {h:.0} m, waarvan {elders} buiten uw gemeente"),
            };
            format!("{status} schuur van {oppervlakte_m2:.0} m² op {afstand_m:.0} m{rest}")
        }
        Some(_) => String::new(),
    };
    if elders > 0 {
        kenmerken.push(Kenmerk::PandenElders { aantal: elders });
    }
    (uitleg, kenmerken)
}

fn dumpings(
    data: &Dataset,
    model: &RiskModel,
    p: [f64; 2],
    shown: &dyn Fn(Point) -> bool,
) -> (String, Vec<Kenmerk>) {
    let c = &model.config.dumpingen;
    let mut elders = 0;
    let mut kenmerken: Vec<(NaiveDate, Kenmerk)> = data
        .dumpingen_index
        .within_distance(p, c.bandwidth_m)
        .into_iter()
        .filter_map(|(i, d)| {
            let dump = &data.dumpingen[i];
            let age = (model.as_of - dump.datum).num_days();
            if !(0..=c.max_age_days).contains(&age) {
                return None;
            }
            if !shown(dump.location) {
                elders += 1;
                return None;
            }
            Some((
                dump.datum,
                Kenmerk::Dumping {
                    incident_id: dump.incident_id.clone(),
                    datum: dump.datum,
                    afstand_m: d.round(),
                    dumpingwijze: dump.dumpingwijze.clone(),
                    volume_l: dump.volume_l,
                    productietype: dump.productietype.clone(),
                },
            ))
        })
        .collect();
    kenmerken.sort_by_key(|k| std::cmp::Reverse(k.0));
    let last_year = kenmerken
        .iter()
        .filter(|(d, _)| (model.as_of - *d).num_days() <= 365)
        .count();
    let h = c.bandwidth_m;
    let uitleg = match kenmerken.first() {
        None if elders > 0 => format!("{elders} dumping(en) binnen {h:.0} m, buiten uw gemeente"),
        None => format!("geen dumpingen binnen {h:.0} m"),
        Some((datum, Kenmerk::Dumping { afstand_m, .. })) => {
            let elsewhere = match elders {
                0 => String::new(),
                _ => format!("; nog {elders} binnen {h:.0} m buiten uw gemeente"),
            };
            format!(
                "{} dumping(en) binnen {h:.0} m, waarvan {last_year} in het afgelopen jaar; meest recent {datum} op {afstand_m:.0} m{elsewhere}",
                kenmerken.len(),
            )
        }
        Some(_) => String::new(),
    };
    let mut kenmerken: Vec<Kenmerk> = kenmerken.into_iter().map(|(_, k)| k).collect();
    if elders > 0 {
        kenmerken.push(Kenmerk::DumpingenElders { aantal: elders });
    }
    (uitleg, kenmerken)
}

fn sewage(data: &Dataset, model: &RiskModel, p: [f64; 2]) -> (String, Vec<Kenmerk>) {
    let Some(rwzi) = data.rwzi_at(p) else {
        return (
            "niet in een bekend rioolwaterzuiveringsgebied".into(),
            Vec::new(),
        );
    };
    let c = &model.config.riool;
    // Spikes of this plant that still count, newest first.
    let recent: Vec<&crate::sewage::Spike> = model
        .spikes
        .iter()
        .rev()
        .filter(|s| {
            s.rwzi_code == rwzi.rwzi_code && crate::sewage::spike_weight(s, c, model.as_of) > 0.0
        })
        .collect();
    let kenmerken: Vec<Kenmerk> = recent
        .iter()
        .map(|s| Kenmerk::Rioolpiek {
            rwzi_code: s.rwzi_code.clone(),
            rwzi_naam: rwzi.rwzi_naam.clone(),
            stof: s.stof.clone(),
            datum: s.datum,
            ratio: (s.ratio * 10.0).round() / 10.0,
            racemisch: s.racemisch,
        })
        .collect();
    let uitleg = if recent.is_empty() {
        format!(
            "geen pieken bij {} in de afgelopen {} dagen",
            rwzi.rwzi_naam, c.lookback_days
        )
    } else {
        let mut stoffen: Vec<&str> = recent.iter().map(|s| s.stof.as_str()).collect();
        stoffen.sort();
        stoffen.dedup();
        let max = recent.iter().map(|s| s.ratio).fold(0.0, f64::max);
        format!(
            "{} piek(en) ({}) bij {} in de afgelopen {} dagen, tot {:.0}× het eigen basisniveau",
            recent.len(),
            stoffen.join(", "),
            rwzi.rwzi_naam,
            c.lookback_days,
            max
        )
    };
    (uitleg, kenmerken)
}

fn satellite(
    data: &Dataset,
    model: &RiskModel,
    col: usize,
    row: usize,
    p: [f64; 2],
) -> (String, Vec<Kenmerk>) {
    let v = model.satellite_anomaly[model.spec.index(col, row)];
    let tegels: Vec<String> = data
        .satelliet_index
        .containing(p)
        .map(|i| {
            data.satelliet[i]
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    if v.is_nan() {
        return (
            "geen satellietwaarneming (geen dekking of bewolkt)".into(),
            Vec::new(),
        );
    }
    let uitleg = format!("temperatuuranomalie van {v:+.1} °C");
    (
        uitleg,
        vec![Kenmerk::Satelliet {
            anomalie_c: v,
            tegels,
        }],
    )
}
