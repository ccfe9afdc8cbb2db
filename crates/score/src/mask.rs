//! Polygons burnt onto the grid with GDAL's rasterizer: a cell takes the
//! polygon that contains its centre.

use crate::grid::GridSpec;
use crate::ScoreError;
use gdal::raster::rasterize;
use gdal::vector::{Geometry, ToGdal};
use gdal::DriverManager;
use geo::MultiPolygon;
use std::sync::Mutex;

/// Cells per strip (16 MB of ids). GDAL rasterises one dataset on one
/// core: the grid is burnt strip by strip on every core, each strip into
/// its own small MEM dataset and copied out, so only a strip's worth is
/// held twice where a grid-sized dataset and its copy took 1.2 GB
/// nationally.
const STRIP_CELLS: usize = 4 << 20;

/// For each cell, 1 + the position in `polygons` of the polygon holding its
/// centre, or 0 for none. Where polygons overlap the later one wins.
pub fn polygon_ids<'a>(
    spec: &GridSpec,
    polygons: impl IntoIterator<Item = &'a MultiPolygon>,
) -> Result<Vec<u32>, ScoreError> {
    let polygons: Vec<&MultiPolygon> = polygons.into_iter().collect();
    in_strips(spec, &polygons, STRIP_CELLS)
}

/// [`polygon_ids`] in strips of about `strip_cells` cells.
fn in_strips(
    spec: &GridSpec,
    polygons: &[&MultiPolygon],
    strip_cells: usize,
) -> Result<Vec<u32>, ScoreError> {
    let mut ids = vec![0u32; spec.len()];
    if polygons.is_empty() || ids.is_empty() {
        return Ok(ids);
    }
    let burn: Vec<f64> = (1..=polygons.len()).map(|i| i as f64).collect();
    let cores = rayon::current_num_threads().max(1);
    // Strips no taller than rows / cores, so a small grid keeps every core
    // busy too; no more workers than strips.
    let rows_per_strip = (strip_cells / spec.cols).clamp(1, spec.rows.div_ceil(cores).max(1));
    let workers = cores.min(spec.rows.div_ceil(rows_per_strip));
    let strips = Mutex::new(ids.chunks_mut(rows_per_strip * spec.cols).enumerate());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    // GDAL geometries are not shared between threads: each
                    // worker converts its own once.
                    let geometries: Vec<Geometry> = polygons
                        .iter()
                        .map(|p| p.to_gdal())
                        .collect::<Result<_, _>>()?;
                    loop {
                        // Only `next` runs under the lock: it cannot be poisoned
                        // half-way.
                        let next = strips.lock().unwrap_or_else(|e| e.into_inner()).next();
                        let Some((k, strip)) = next else { break };
                        burn_strip(spec, k * rows_per_strip, strip, &geometries, &burn)?;
                    }
                    Ok::<(), ScoreError>(())
                })
            })
            .collect();
        // The scope joins the rest if one fails.
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })?;
    Ok(ids)
}

/// Burns `geometries` onto the rows from `first_row` that `strip` holds.
fn burn_strip(
    spec: &GridSpec,
    first_row: usize,
    strip: &mut [u32],
    geometries: &[Geometry],
    burn: &[f64],
) -> Result<(), ScoreError> {
    let rows = strip.len() / spec.cols;
    let driver = DriverManager::get_driver_by_name("MEM")?;
    let mut ds = driver.create_with_band_type::<u32, _>("", spec.cols, rows, 1)?;
    let mut gt = spec.geo_transform();
    gt[3] -= first_row as f64 * spec.cell;
    ds.set_geo_transform(&gt)?;
    rasterize(&mut ds, &[1], geometries, burn, None)?;
    ds.rasterband(1)?
        .read_into_slice((0, 0), (spec.cols, rows), (spec.cols, rows), strip, None)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn centre_rule_and_overlap() {
        let spec = GridSpec::covering([0.0, 0.0, 100.0, 100.0], 10.0);
        let a = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 50.0, y: 0.0), (x: 50.0, y: 100.0), (x: 0.0, y: 100.0)],
        ]);
        let b = MultiPolygon::new(vec![
            polygon![(x: 40.0, y: 40.0), (x: 60.0, y: 40.0), (x: 60.0, y: 60.0), (x: 40.0, y: 60.0)],
        ]);
        let ids = polygon_ids(&spec, [&a, &b]).unwrap();
        let at = |x: f64, y: f64| {
            let (c, r) = spec.cell_at(x, y).unwrap();
            ids[spec.index(c, r)]
        };
        assert_eq!(at(5.0, 5.0), 1);
        assert_eq!(at(45.0, 45.0), 2);
        assert_eq!(at(55.0, 55.0), 2);
        assert_eq!(at(55.0, 5.0), 0);
        // `a` holds 5 × 10 cell centres; `b` takes the 2 of them at x = 45.
        assert_eq!(ids.iter().filter(|&&v| v == 1).count(), 50 - 2);
    }

    /// Burnt in strips of one to seven rows (the last one shorter), every
    /// cell takes what the whole grid burnt at once gives it.
    #[test]
    fn strips_burn_as_the_whole_grid() {
        let spec = GridSpec::covering([0.0, 0.0, 230.0, 170.0], 10.0);
        let triangle = MultiPolygon::new(vec![
            polygon![(x: 5.0, y: 3.0), (x: 222.0, y: 40.0), (x: 60.0, y: 168.0)],
        ]);
        let ring = MultiPolygon::new(vec![geo::Polygon::new(
            geo::LineString::from(vec![
                (100.0, 20.0),
                (200.0, 20.0),
                (200.0, 150.0),
                (100.0, 150.0),
            ]),
            vec![geo::LineString::from(vec![
                (130.0, 50.0),
                (170.0, 50.0),
                (170.0, 120.0),
                (130.0, 120.0),
            ])],
        )]);
        let polygons = [&triangle, &ring];
        let geometries: Vec<Geometry> = polygons.iter().map(|p| p.to_gdal().unwrap()).collect();
        let mut whole = vec![0; spec.len()];
        burn_strip(&spec, 0, &mut whole, &geometries, &[1.0, 2.0]).unwrap();
        assert!(whole.contains(&1) && whole.contains(&2) && whole.contains(&0));
        for rows in 1..=7 {
            let strips = in_strips(&spec, &polygons, rows * spec.cols).unwrap();
            assert_eq!(strips.len(), spec.len());
            assert_eq!(strips, whole, "strips of {rows} rows");
        }
        assert!(polygon_ids(&spec, []).unwrap().iter().all(|&v| v == 0));
    }
}
