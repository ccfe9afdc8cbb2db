//! Coordinate reference systems: everything is brought to RD New.
//!
//! All transforms go through GDAL/PROJ with the traditional GIS axis order
//! (x = easting or longitude, y = northing or latitude), whatever the
//! authority says.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

/// EPSG code of RD New, the Dutch national grid.
pub const RD_NEW: u32 = 28992;
/// EPSG code of WGS84 longitude/latitude.
pub const WGS84: u32 = 4326;
/// EPSG code of Web Mercator, the XYZ tile grid.
pub const WEB_MERCATOR: u32 = 3857;

/// The area of use of RD New (EPSG:28992), in RD metres: a coordinate
/// outside it is not in the Netherlands.
pub const RD_BOUNDS: [f64; 4] = [-7_000.0, 289_000.0, 300_000.0, 629_000.0];

/// True when an RD New coordinate lies within the Netherlands' area of use.
pub fn in_netherlands(x: f64, y: f64) -> bool {
    x.is_finite()
        && y.is_finite()
        && (RD_BOUNDS[0]..=RD_BOUNDS[2]).contains(&x)
        && (RD_BOUNDS[1]..=RD_BOUNDS[3]).contains(&y)
}

/// GDAL's own words on a failure, as ` (…)`, or nothing when it said
/// nothing but that a call failed.
pub fn gdal_detail(e: &gdal::errors::GdalError) -> String {
    match e {
        gdal::errors::GdalError::NullPointer { msg, .. } if msg.trim().is_empty() => String::new(),
        gdal::errors::GdalError::NullPointer { msg, .. } => format!(" ({})", msg.trim()),
        gdal::errors::GdalError::CplError { msg, .. } => format!(" (GDAL: {})", msg.trim()),
        other => format!(" ({other})"),
    }
}

/// A spatial reference from an EPSG code, with x/y axis order.
pub fn srs_from_epsg(code: u32) -> gdal::errors::Result<SpatialRef> {
    let mut srs = SpatialRef::from_epsg(code)?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// A spatial reference from any definition GDAL accepts (`EPSG:28992`,
/// WKT, PROJ string), with x/y axis order.
pub fn srs_from_definition(definition: &str) -> gdal::errors::Result<SpatialRef> {
    let mut srs = SpatialRef::from_definition(definition)?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// A transform between two CRSs with x/y axis order on both sides.
pub struct Transformer {
    inner: CoordTransform,
}

impl Transformer {
    /// From any spatial reference to another.
    pub fn new(from: &SpatialRef, to: &SpatialRef) -> gdal::errors::Result<Self> {
        let mut from = from.clone();
        from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let mut to = to.clone();
        to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        Ok(Transformer {
            inner: CoordTransform::new(&from, &to)?,
        })
    }

    /// Between two EPSG codes.
    pub fn from_epsg(from: u32, to: u32) -> gdal::errors::Result<Self> {
        Self::new(&srs_from_epsg(from)?, &srs_from_epsg(to)?)
    }

    /// Transforms the coordinates in place.
    pub fn transform(&self, xs: &mut [f64], ys: &mut [f64]) -> gdal::errors::Result<()> {
        self.inner.transform_coords(xs, ys, &mut [])
    }

    /// Transforms one point.
    pub fn point(&self, x: f64, y: f64) -> gdal::errors::Result<[f64; 2]> {
        let (mut xs, mut ys) = ([x], [y]);
        self.transform(&mut xs, &mut ys)?;
        Ok([xs[0], ys[0]])
    }

    /// The bounds `[xmin, ymin, xmax, ymax]` of a box after transformation,
    /// following its edges (21 points each), not only its corners.
    pub fn bounds(&self, bbox: [f64; 4]) -> gdal::errors::Result<[f64; 4]> {
        self.inner.transform_bounds(&bbox, 21)
    }

    /// Transforms every coordinate of a geometry.
    pub fn geometry<G>(&self, geometry: &mut G) -> gdal::errors::Result<()>
    where
        G: geo::MapCoordsInPlace<f64> + geo::CoordsIter<Scalar = f64>,
    {
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) =
            geometry.coords_iter().map(|c| (c.x, c.y)).unzip();
        self.transform(&mut xs, &mut ys)?;
        // Coordinates come back in the order `coords_iter` gave them.
        let next = std::cell::Cell::new(0);
        let (xs, ys) = (&xs, &ys);
        geometry.map_coords_in_place(|_| {
            let i = next.get();
            next.set(i + 1);
            geo::coord! { x: xs[i], y: ys[i] }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Onze Lieve Vrouwetoren in Amersfoort is the origin of RD New:
    /// (155000, 463000) at 52.155173°N 5.387206°E (Bessel datum, shifted
    /// to WGS84 by the 7-parameter transform: within a few metres).
    #[test]
    fn amersfoort_round_trip() {
        let to_wgs = Transformer::from_epsg(RD_NEW, WGS84).unwrap();
        let [lon, lat] = to_wgs.point(155_000.0, 463_000.0).unwrap();
        assert!((lon - 5.387206).abs() < 1e-4, "lon {lon}");
        assert!((lat - 52.155173).abs() < 1e-4, "lat {lat}");
        let back = Transformer::from_epsg(WGS84, RD_NEW).unwrap();
        let [x, y] = back.point(lon, lat).unwrap();
        assert!((x - 155_000.0).abs() < 0.01 && (y - 463_000.0).abs() < 0.01);
    }

    #[test]
    fn bounds_follow_the_edges_in_lon_lat_order() {
        let t = Transformer::from_epsg(RD_NEW, WGS84).unwrap();
        let [w, s, e, n] = t
            .bounds([150_000.0, 375_000.0, 180_000.0, 405_000.0])
            .unwrap();
        assert!(
            (5.0..6.0).contains(&w) && (5.0..6.0).contains(&e) && w < e,
            "lon {w} {e}"
        );
        assert!(
            (51.0..52.0).contains(&s) && (51.0..52.0).contains(&n) && s < n,
            "lat {s} {n}"
        );
        // The corners lie inside the bounds.
        for (x, y) in [
            (150_000.0, 375_000.0),
            (180_000.0, 405_000.0),
            (150_000.0, 405_000.0),
        ] {
            let [lon, lat] = t.point(x, y).unwrap();
            assert!(lon >= w - 1e-9 && lon <= e + 1e-9 && lat >= s - 1e-9 && lat <= n + 1e-9);
        }
    }

    #[test]
    fn utm31_round_trip_over_the_netherlands() {
        let rd_to_utm = Transformer::from_epsg(RD_NEW, 32631).unwrap();
        let utm_to_rd = Transformer::from_epsg(32631, RD_NEW).unwrap();
        for (x, y) in [
            (20_000.0, 380_000.0),
            (160_000.0, 390_000.0),
            (250_000.0, 600_000.0),
        ] {
            let [e, n] = rd_to_utm.point(x, y).unwrap();
            assert!(n > 5_500_000.0 && n < 6_000_000.0, "northing {n}");
            let [x2, y2] = utm_to_rd.point(e, n).unwrap();
            assert!((x2 - x).abs() < 1e-3 && (y2 - y).abs() < 1e-3);
        }
    }

    #[test]
    fn netherlands_bounds() {
        assert!(in_netherlands(155_000.0, 463_000.0));
        assert!(!in_netherlands(5.38, 52.15), "lon/lat mistaken for RD");
        assert!(!in_netherlands(f64::NAN, 463_000.0));
    }
}

/// A regular grid of points transformed exactly only on a coarse lattice
/// (every `step` points) and bilinearly interpolated in between.
///
/// Between two smooth map projections the interpolation error over a few
/// hundred metres is far below a millimetre, and it spares one PROJ call per
/// point in raster loops.
#[derive(Debug, Clone)]
pub struct LatticeTransform {
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// Lattice points per row.
    nx: usize,
    step: usize,
}

impl LatticeTransform {
    /// The points `(origin[0] + col·dx, origin[1] + row·dy)` for
    /// `col < cols`, `row < rows`, transformed by `t`.
    pub fn new(
        t: &Transformer,
        origin: [f64; 2],
        (dx, dy): (f64, f64),
        (cols, rows): (usize, usize),
        step: usize,
    ) -> gdal::errors::Result<Self> {
        let step = step.max(1);
        // Lattice points at 0, step, 2·step, … up to and past the last point.
        let nx = cols.saturating_sub(1).div_ceil(step) + 1;
        let ny = rows.saturating_sub(1).div_ceil(step) + 1;
        let mut xs = Vec::with_capacity(nx * ny);
        let mut ys = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                xs.push(origin[0] + (i * step) as f64 * dx);
                ys.push(origin[1] + (j * step) as f64 * dy);
            }
        }
        t.transform(&mut xs, &mut ys)?;
        Ok(LatticeTransform { xs, ys, nx, step })
    }

    /// Bounding box `[xmin, ymin, xmax, ymax]` of the lattice points.
    pub fn bounds(&self) -> [f64; 4] {
        let fold = |v: &[f64]| {
            v.iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
        };
        let (x0, x1) = fold(&self.xs);
        let (y0, y1) = fold(&self.ys);
        [x0, y0, x1, y1]
    }

    /// Points per step along a row: `step` of them between two lattice
    /// columns.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The lattice columns interpolated to row `row`, into `out` (cleared
    /// first). Points between two of them are linear in the column, so a
    /// raster loop can step through a row with additions only.
    pub fn row_knots(&self, row: usize, out: &mut Vec<[f64; 2]>) {
        out.clear();
        let (j, fj) = (row / self.step, (row % self.step) as f64 / self.step as f64);
        let k = j * self.nx;
        let down = if (j + 1) * self.nx < self.xs.len() {
            self.nx
        } else {
            0
        };
        for i in 0..self.nx {
            let lerp = |v: &[f64]| v[k + i] * (1.0 - fj) + v[k + down + i] * fj;
            out.push([lerp(&self.xs), lerp(&self.ys)]);
        }
    }

    /// The transformed point (`col`, `row`).
    pub fn at(&self, col: usize, row: usize) -> [f64; 2] {
        let (i, fi) = (col / self.step, (col % self.step) as f64 / self.step as f64);
        let (j, fj) = (row / self.step, (row % self.step) as f64 / self.step as f64);
        let k = j * self.nx + i;
        // At the last lattice column/row the fraction is 0, so the
        // neighbour index is clamped without changing the result.
        let right = if i + 1 < self.nx { 1 } else { 0 };
        let down = if (j + 1) * self.nx < self.xs.len() {
            self.nx
        } else {
            0
        };
        let bilerp = |v: &[f64]| {
            let top = v[k] * (1.0 - fi) + v[k + right] * fi;
            let bottom = v[k + down] * (1.0 - fi) + v[k + down + right] * fi;
            top * (1.0 - fj) + bottom * fj
        };
        [bilerp(&self.xs), bilerp(&self.ys)]
    }
}

#[cfg(test)]
mod lattice_tests {
    use super::*;

    /// RD New → UTM 31N over 30 km in 25 m steps: the lattice agrees with
    /// exact transforms to within a millimetre.
    #[test]
    fn lattice_matches_exact_transform() {
        let t = Transformer::from_epsg(RD_NEW, 32631).unwrap();
        let (cols, rows) = (1_200, 1_200);
        let origin = [150_012.5, 404_987.5];
        let lattice = LatticeTransform::new(&t, origin, (25.0, -25.0), (cols, rows), 16).unwrap();
        let mut worst: f64 = 0.0;
        for row in (0..rows).step_by(37) {
            for col in (0..cols).step_by(23).chain([cols - 1]) {
                let exact = t
                    .point(origin[0] + col as f64 * 25.0, origin[1] - row as f64 * 25.0)
                    .unwrap();
                let [x, y] = lattice.at(col, row);
                worst = worst.max((x - exact[0]).hypot(y - exact[1]));
            }
        }
        assert!(worst < 1e-3, "worst error {worst} m");
    }
}
