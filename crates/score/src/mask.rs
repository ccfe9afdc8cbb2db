//! Polygons burnt onto the grid with GDAL's rasterizer: a cell takes the
//! polygon that contains its centre.

use crate::grid::GridSpec;
use crate::ScoreError;
use gdal::raster::rasterize;
use gdal::vector::ToGdal;
use gdal::DriverManager;
use geo::MultiPolygon;

/// For each cell, 1 + the position in `polygons` of the polygon holding its
/// centre, or 0 for none. Where polygons overlap the later one wins.
pub fn polygon_ids<'a>(
    spec: &GridSpec,
    polygons: impl IntoIterator<Item = &'a MultiPolygon>,
) -> Result<Vec<u32>, ScoreError> {
    let mut geometries = Vec::new();
    let mut burn = Vec::new();
    for (i, p) in polygons.into_iter().enumerate() {
        geometries.push(p.to_gdal()?);
        burn.push((i + 1) as f64);
    }
    let driver = DriverManager::get_driver_by_name("MEM")?;
    let mut ds = driver.create_with_band_type::<u32, _>("", spec.cols, spec.rows, 1)?;
    ds.set_geo_transform(&spec.geo_transform())?;
    if !geometries.is_empty() {
        rasterize(&mut ds, &[1], &geometries, &burn, None)?;
    }
    let band = ds.rasterband(1)?;
    let buffer =
        band.read_as::<u32>((0, 0), (spec.cols, spec.rows), (spec.cols, spec.rows), None)?;
    Ok(buffer.into_shape_and_vec().1)
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
}
