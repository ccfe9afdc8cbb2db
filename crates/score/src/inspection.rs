//! Inspection lists: per municipality, buildings in the buitengebied ranked
//! for a visit. The weighted method lists the vacant and possibly vacant
//! barns by the risk at their footprint; the building model every building
//! by its expected dumpings (`predict`).

use crate::indicator::Indicator;
use crate::model::{CellScore, RiskModel};
use buitenzicht_ingest::crs::{Transformer, RD_NEW, WGS84};
use buitenzicht_ingest::{Dataset, Leegstand};
use geo::{Contains, Geometry, Point};
use serde::Serialize;

/// Contributions below this many risk points are not named as a reason.
const MIN_NAMED_CONTRIBUTION: f32 = 0.5;

/// One barn to inspect.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub rang: usize,
    pub identificatie: String,
    pub leegstand: Leegstand,
    pub oppervlakte_m2: f64,
    pub gebruiksdoel: Option<String>,
    pub bouwjaar: Option<i32>,
    /// The score the list is ranked by, 0..100 (higher = visit first).
    pub risico: f32,
    /// The score over the mean of the municipality's listed buildings: how
    /// many times more likely than the municipality's base rate.
    pub relatief: f32,
    /// Risk points per indicator at that cell.
    pub bijdragen: Contributions,
    /// The signals that raise the score most, largest first: in the
    /// weighted method those adding at least half a point, in the building
    /// model those adding at least a tenth of the building's own score.
    pub belangrijkste: Vec<Indicator>,
    pub x: f64,
    pub y: f64,
    pub lon: f64,
    pub lat: f64,
    /// Index into `Dataset::panden`.
    #[serde(skip)]
    pub pand: usize,
}

/// The indicators among `points` (in `Indicator::ALL` order) that add at
/// least `at_least` points, largest first.
pub(crate) fn named(points: [f32; 4], at_least: f32) -> Vec<Indicator> {
    let mut order: Vec<Indicator> = Indicator::ALL
        .into_iter()
        .filter(|ind| points[ind.index()] > 0.0 && points[ind.index()] >= at_least)
        .collect();
    order.sort_by(|a, b| points[b.index()].total_cmp(&points[a.index()]));
    order
}

/// Score points by source; they add up to `risico`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Contributions {
    /// The building model's rate for any building of this size: its base
    /// rate and floor area, no signal (0 in the weighted method).
    pub pand: f32,
    pub leegstand: f32,
    pub dumpingen: f32,
    pub riool: f32,
    pub satelliet: f32,
}

impl From<[f32; 4]> for Contributions {
    fn from(c: [f32; 4]) -> Self {
        Contributions {
            pand: 0.0,
            leegstand: c[0],
            dumpingen: c[1],
            riool: c[2],
            satelliet: c[3],
        }
    }
}

/// What a list is ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rangschikking {
    /// Every building in the buitengebied, by the building model's
    /// expected dumpings.
    Pandenmodel,
    /// Every building in the buitengebied, by its traits weighed equally:
    /// too little history to fit the building model.
    Kenmerken,
    /// The vacant and possibly vacant barns, by the weighted risk at their
    /// footprint.
    Gewichten,
}

/// The ranked list of one municipality.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionList {
    pub statcode: String,
    pub statnaam: String,
    pub rangschikking: Rangschikking,
    pub inspecties: Vec<Inspection>,
}

/// Ranks candidate barns per municipality, in `Dataset::gemeenten` order.
/// Barns inside built-up areas have no risk and are not listed.
pub fn rank(
    data: &Dataset,
    model: &RiskModel,
) -> Result<Vec<InspectionList>, gdal::errors::GdalError> {
    let mut lists = InspectionList::empty(data, Rangschikking::Gewichten);
    for (i, pand) in data.panden.iter().enumerate() {
        if !pand.leegstand.is_candidate() {
            continue;
        }
        let c = pand.centroid;
        let Some(g) = data.gemeenten_index.containing([c.x(), c.y()]).next() else {
            continue;
        };
        let Some(cell) = footprint_score(model, &pand.geometry, c) else {
            continue;
        };
        let order = named(cell.contributions, MIN_NAMED_CONTRIBUTION);
        lists[g].inspecties.push(Inspection::of(
            data,
            i,
            cell.risk,
            cell.contributions.into(),
            order,
        ));
    }
    finish(&mut lists)?;
    Ok(lists)
}

/// The buildings on no list, by why: so that the lists' totals can be read
/// against the buildings read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unlisted {
    /// Centroid outside every municipality of the study area.
    pub outside: usize,
    /// Centroid in a bebouwde kom.
    pub built_up: usize,
    /// Not a candidate of the weighted method (not vacant or possibly
    /// vacant).
    pub not_candidate: usize,
    /// Any other: a footprint on no scored cell, at the study area's edge.
    pub other: usize,
}

impl Unlisted {
    pub fn total(&self) -> usize {
        self.outside + self.built_up + self.not_candidate + self.other
    }
}

/// Counts the buildings of `data` that are on none of `lists`, by why.
pub fn unlisted(data: &Dataset, lists: &[InspectionList]) -> Unlisted {
    let mut listed = vec![false; data.panden.len()];
    for i in lists.iter().flat_map(|l| &l.inspecties) {
        listed[i.pand] = true;
    }
    let weighted = lists
        .first()
        .is_some_and(|l| l.rangschikking == Rangschikking::Gewichten);
    let mut n = Unlisted::default();
    for (pand, _) in data.panden.iter().zip(&listed).filter(|(_, &l)| !l) {
        let c = [pand.centroid.x(), pand.centroid.y()];
        if data.gemeenten_index.containing(c).next().is_none() {
            n.outside += 1;
        } else if data.is_built_up(c) {
            n.built_up += 1;
        } else if weighted && !pand.leegstand.is_candidate() {
            n.not_candidate += 1;
        } else {
            n.other += 1;
        }
    }
    n
}

impl InspectionList {
    /// An empty list for each municipality, in `Dataset::gemeenten` order.
    pub(crate) fn empty(data: &Dataset, rangschikking: Rangschikking) -> Vec<InspectionList> {
        data.gemeenten
            .iter()
            .map(|g| InspectionList {
                statcode: g.statcode.clone(),
                statnaam: g.statnaam.clone(),
                rangschikking,
                inspecties: Vec::new(),
            })
            .collect()
    }
}

impl Inspection {
    /// Building `pand` (an index into `Dataset::panden`) scored `risico`,
    /// not yet ranked or placed in WGS84 ([`finish`] does both).
    pub(crate) fn of(
        data: &Dataset,
        pand: usize,
        risico: f32,
        bijdragen: Contributions,
        belangrijkste: Vec<Indicator>,
    ) -> Inspection {
        let p = &data.panden[pand];
        Inspection {
            rang: 0,
            identificatie: p.identificatie.clone(),
            leegstand: p.leegstand,
            oppervlakte_m2: p.oppervlakte,
            gebruiksdoel: p.gebruiksdoel.clone(),
            bouwjaar: p.bouwjaar,
            risico,
            relatief: 0.0,
            bijdragen,
            belangrijkste,
            x: p.centroid.x(),
            y: p.centroid.y(),
            lon: 0.0,
            lat: 0.0,
            pand,
        }
    }
}

/// Ranks every list by `risico` (ties by `identificatie`), sets each
/// building's score over its municipality's mean and its place in WGS84.
pub(crate) fn finish(lists: &mut [InspectionList]) -> Result<(), gdal::errors::GdalError> {
    let to_wgs = Transformer::from_epsg(RD_NEW, WGS84)?;
    for list in lists {
        let mean = list.inspecties.iter().map(|i| i.risico as f64).sum::<f64>()
            / list.inspecties.len().max(1) as f64;
        for item in &mut list.inspecties {
            item.relatief = if mean > 0.0 {
                (item.risico as f64 / mean) as f32
            } else {
                0.0
            };
        }
        list.inspecties.sort_by(|a, b| {
            b.risico
                .total_cmp(&a.risico)
                .then_with(|| a.identificatie.cmp(&b.identificatie))
        });
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) =
            list.inspecties.iter().map(|i| (i.x, i.y)).unzip();
        to_wgs.transform(&mut xs, &mut ys)?;
        for (k, item) in list.inspecties.iter_mut().enumerate() {
            item.rang = k + 1;
            item.lon = xs[k];
            item.lat = ys[k];
        }
    }
    Ok(())
}

/// The highest-risk cell whose centre lies in the footprint, or the cell
/// under the centroid for footprints smaller than a cell.
fn footprint_score(model: &RiskModel, geometry: &Geometry, centroid: Point) -> Option<CellScore> {
    use geo::BoundingRect;
    let spec = &model.spec;
    let mut best: Option<CellScore> = None;
    if let Some(r) = geometry.bounding_rect() {
        for row in spec.rows_between(r.min().y, r.max().y) {
            for col in spec.cols_between(r.min().x, r.max().x) {
                let [x, y] = spec.centre(col, row);
                if !geometry.contains(&Point::new(x, y)) {
                    continue;
                }
                if let Some(cell) = model.cell(col, row) {
                    if best.is_none_or(|b| cell.risk > b.risk) {
                        best = Some(cell);
                    }
                }
            }
        }
    }
    best.or_else(|| model.cell_at(centroid.x(), centroid.y()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_keeps_what_adds_enough_largest_first() {
        // Points in `Indicator::ALL` order: leegstand, dumpingen, riool, satelliet.
        assert_eq!(
            named([0.4, 3.0, 0.0, 0.6], 0.5),
            [Indicator::Dumpingen, Indicator::Satelliet]
        );
        assert!(
            named([0.0; 4], 0.0).is_empty(),
            "nothing added, nothing named"
        );
    }
}
