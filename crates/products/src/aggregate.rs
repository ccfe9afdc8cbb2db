//! Risk aggregated to RD-aligned squares (250 m, 500 m, 1 km, like the CBS
//! grid squares): what partners who may not see building-level data get.

use buitenzicht_score::Indicator;
use buitenzicht_score::RiskModel;
use serde::Serialize;

/// Risk classes, by the highest cell risk in the square.
pub fn risk_class(max_risk: f32) -> &'static str {
    match max_risk {
        r if r >= 60.0 => "zeer hoog",
        r if r >= 40.0 => "hoog",
        r if r >= 20.0 => "verhoogd",
        _ => "laag",
    }
}

/// One square's statistics over its scored cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Square {
    /// CBS-style code: size, then the lower-left corner in hectometres.
    pub vierkant: String,
    pub x_min: f64,
    pub y_min: f64,
    pub grootte_m: f64,
    /// Scored (buitengebied) cells in the square.
    pub cellen: u32,
    pub risico_gem: f32,
    pub risico_max: f32,
    pub klasse: &'static str,
    /// Mean contribution per indicator, in risk points.
    pub bijdrage_gem: [f32; 4],
}

/// Errors of aggregation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AggregateError {
    #[error("vierkant van {size} m is geen veelvoud van de cel van {cell} m")]
    Size { size: f64, cell: f64 },
}

#[derive(Default, Clone, Copy)]
struct Acc {
    n: u32,
    sum: f64,
    max: f32,
    contrib: [f64; 4],
}

/// Which cells a municipality's squares hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gemeente {
    /// Every municipality.
    All,
    /// Only this municipality's cells (1-based, as in
    /// [`RiskModel::gemeente`]): its own data and nobody else's, for a
    /// municipality's own users.
    CellsOf(u32),
    /// The squares holding any of this municipality's cells, each over all
    /// its cells: for a role that sees squares only, so that a square on a
    /// border is not split into finer parts, one per municipality.
    SquaresOf(u32),
}

/// Aggregates the scored cells to squares of `size` metres: the squares
/// `bbox` (RD New) touches, each over all its cells, so a square reads the
/// same whatever box asks for it (a box cut through a square would give
/// its cells' values back, finer than the square). `gemeente` says which
/// municipality's cells or squares count. Squares without scored cells
/// are left out.
pub fn aggregate(
    model: &RiskModel,
    size: f64,
    bbox: Option<[f64; 4]>,
    gemeente: Gemeente,
) -> Result<Vec<Square>, AggregateError> {
    let spec = &model.spec;
    let per = size / spec.cell;
    if per < 1.0 || (per - per.round()).abs() > 1e-9 {
        return Err(AggregateError::Size {
            size,
            cell: spec.cell,
        });
    }
    let [bx0, by0, bx1, by1] = bbox.unwrap_or_else(|| spec.bbox());
    let (bx0, by0) = ((bx0 / size).floor() * size, (by0 / size).floor() * size);
    let (bx1, by1) = ((bx1 / size).ceil() * size, (by1 / size).ceil() * size);
    let rows = spec.rows_between(by0, by1);
    let cols = spec.cols_between(bx0, bx1);
    let key_of = |col: usize, row: usize| {
        let [x, y] = spec.centre(col, row);
        ((y / size).floor() as i64, (x / size).floor() as i64)
    };
    // The squares a municipality's cells fall in, for `SquaresOf`.
    let touched: Option<std::collections::BTreeSet<(i64, i64)>> = match gemeente {
        Gemeente::SquaresOf(g) => Some(
            rows.clone()
                .flat_map(|row| cols.clone().map(move |col| (col, row)))
                .filter(|&(col, row)| model.gemeente[spec.index(col, row)] == g)
                .map(|(col, row)| key_of(col, row))
                .collect(),
        ),
        _ => None,
    };
    // The second pass over the touched squares' span only.
    let (rows, cols) = match touched.as_ref().and_then(|t| t.first().zip(t.last())) {
        Some((&(sy0, _), &(sy1, _))) => {
            // Keys sort by row first: the columns' span needs a look at all.
            let (sx0, sx1) = touched
                .iter()
                .flatten()
                .fold((i64::MAX, i64::MIN), |(a, b), &(_, x)| (a.min(x), b.max(x)));
            (
                spec.rows_between(sy0 as f64 * size, (sy1 + 1) as f64 * size),
                spec.cols_between(sx0 as f64 * size, (sx1 + 1) as f64 * size),
            )
        }
        None => (rows, cols),
    };
    let mut squares: std::collections::BTreeMap<(i64, i64), Acc> = Default::default();
    for row in rows {
        for col in cols.clone() {
            let i = spec.index(col, row);
            if matches!(gemeente, Gemeente::CellsOf(g) if model.gemeente[i] != g) {
                continue;
            }
            let key = key_of(col, row);
            if touched.as_ref().is_some_and(|t| !t.contains(&key)) {
                continue;
            }
            let Some(cell) = model.cell(col, row) else {
                continue;
            };
            let acc = squares.entry(key).or_default();
            acc.n += 1;
            acc.sum += cell.risk as f64;
            acc.max = acc.max.max(cell.risk);
            for k in Indicator::ALL {
                acc.contrib[k.index()] += cell.contributions[k.index()] as f64;
            }
        }
    }
    Ok(squares
        .into_iter()
        .map(|((sy, sx), acc)| {
            let (x_min, y_min) = (sx as f64 * size, sy as f64 * size);
            Square {
                vierkant: format!(
                    "{}m_E{:04}N{:04}",
                    size,
                    (x_min / 100.0) as i64,
                    (y_min / 100.0) as i64
                ),
                x_min,
                y_min,
                grootte_m: size,
                cellen: acc.n,
                risico_gem: (acc.sum / acc.n as f64) as f32,
                risico_max: acc.max,
                klasse: risk_class(acc.max),
                bijdrage_gem: acc.contrib.map(|c| (c / acc.n as f64) as f32),
            }
        })
        .collect())
}
