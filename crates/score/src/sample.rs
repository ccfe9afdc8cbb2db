//! A spatial sample of a large region to fit the building model on.
//!
//! EM's cost grows with the buildings, and the bootstrap refits it a
//! hundred times: on the whole country that is hours. Where a region has
//! more buildings than asked for, the model is fitted on square windows
//! of [`WINDOW_M`], drawn in a fixed random order until they hold that
//! many buildings, and then applied to every building. A region the size
//! of a RIEC area or smaller is fitted whole.
//!
//! The observation window is the windows' buitengebied: only its dumpings
//! are fitted, and each building counts only the share of its journeys
//! that ends inside it. The buildings within [`MARGIN_M`] outside the
//! windows count as sources too, so a dumping just inside an edge is not
//! left to the background because its site lies across it. That is the
//! likelihood of the point process restricted to the window (Baddeley,
//! Rubak & Turner 2015, *Spatial Point Patterns*, §9.8), but for the
//! journeys into the window from further than the margin.

use crate::grid::GridSpec;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::HashMap;

/// Side of a sampled window, metres: several journeys across, so that
/// most dumpings in it come from its own buildings.
pub const WINDOW_M: f64 = 20_000.0;
/// Buildings this far outside the windows are sources too, metres.
pub const MARGIN_M: f64 = 3_000.0;
/// The order in which windows are drawn, the same on every run.
const SEED: u64 = 20_261_202;

/// The windows drawn and the buildings they fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Per cell of the grid drawn on: its centre lies in a window.
    pub window: Vec<bool>,
    /// The buildings fitted, ascending: those in the windows and within
    /// [`MARGIN_M`] of them.
    pub buildings: Vec<usize>,
    /// Of those, the buildings in the windows themselves.
    pub inside: usize,
    /// Windows drawn, and windows with a building in them.
    pub windows: usize,
    pub of: usize,
}

/// Windows over the buildings `at`, drawn until they hold `max_buildings`;
/// `None` when all of them fit (or `max_buildings` is 0: fit on all).
///
/// ```
/// use buitenzicht_score::{sample::{draw, WINDOW_M}, GridSpec};
/// // 100 × 100 km with a building every 500 m: 40,000 buildings.
/// let spec = GridSpec::covering([0.0, 0.0, 100_000.0, 100_000.0], 1_000.0);
/// let at: Vec<[f64; 2]> = (0..200)
///     .flat_map(|i| (0..200).map(move |j| [250.0 + 500.0 * i as f64, 250.0 + 500.0 * j as f64]))
///     .collect();
/// let s = draw(&spec, &at, 5_000).unwrap();
/// // Windows of 20 × 20 km hold 1,600 buildings: four make 6,400.
/// assert_eq!((s.windows, s.of, s.inside), (4, 25, 6_400));
/// assert!(s.buildings.len() > s.inside);
/// assert!(draw(&spec, &at, 0).is_none() && draw(&spec, &at, 40_000).is_none());
/// ```
pub fn draw(spec: &GridSpec, at: &[[f64; 2]], max_buildings: usize) -> Option<Sample> {
    if max_buildings == 0 || at.len() <= max_buildings {
        return None;
    }
    let origin = [spec.x_min, spec.y_min()];
    let key = |[x, y]: [f64; 2]| {
        (
            ((x - origin[0]) / WINDOW_M).floor() as i64,
            ((y - origin[1]) / WINDOW_M).floor() as i64,
        )
    };
    let mut count: HashMap<(i64, i64), usize> = HashMap::new();
    for &p in at {
        *count.entry(key(p)).or_default() += 1;
    }
    let mut order: Vec<(i64, i64)> = count.keys().copied().collect();
    order.sort_unstable();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(SEED));
    let mut chosen = std::collections::HashSet::new();
    let mut inside = 0;
    for w in order {
        if inside >= max_buildings {
            break;
        }
        inside += count[&w];
        chosen.insert(w);
    }
    // Distance from a point to the nearest chosen window: only the 3 × 3
    // around its own can lie within the margin.
    let near = |p: [f64; 2]| {
        let (i, j) = key(p);
        (-1..=1).any(|di| {
            (-1..=1).any(|dj| {
                let w = (i + di, j + dj);
                chosen.contains(&w) && {
                    let x0 = origin[0] + w.0 as f64 * WINDOW_M;
                    let y0 = origin[1] + w.1 as f64 * WINDOW_M;
                    let dx = (x0 - p[0]).max(p[0] - x0 - WINDOW_M).max(0.0);
                    let dy = (y0 - p[1]).max(p[1] - y0 - WINDOW_M).max(0.0);
                    dx.hypot(dy) <= MARGIN_M
                }
            })
        })
    };
    let buildings = (0..at.len()).filter(|&i| near(at[i])).collect();
    let window = (0..spec.len())
        .map(|i| chosen.contains(&key(spec.centre(i % spec.cols, i / spec.cols))))
        .collect();
    Some(Sample {
        window,
        buildings,
        inside,
        windows: chosen.len(),
        of: count.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_takes_the_buildings_near_a_window_and_no_further() {
        // Two windows' worth of buildings on a line along y = 1 km.
        let spec = GridSpec::covering([0.0, 0.0, 40_000.0, 20_000.0], 500.0);
        let at: Vec<[f64; 2]> = (0..400)
            .map(|i| [50.0 + 100.0 * i as f64, 1_000.0])
            .collect();
        let s = draw(&spec, &at, 100).unwrap();
        assert_eq!((s.windows, s.of, s.inside), (1, 2, 200));
        // The other window's buildings within 3 km of the edge at 20 km.
        assert_eq!(s.buildings.len(), 230);
        let left = s.buildings[0] == 0;
        for &i in &s.buildings {
            let x = at[i][0];
            assert!(if left { x < 23_000.0 } else { x > 17_000.0 }, "{x}");
        }
        // The window cells: half of the grid.
        assert_eq!(s.window.iter().filter(|&&w| w).count(), spec.len() / 2);
        // The same draw every time.
        assert_eq!(draw(&spec, &at, 100), Some(s));
    }
}
