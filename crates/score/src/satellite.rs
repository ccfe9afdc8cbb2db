//! Satellite anomaly tiles resampled onto the grid (bilinear), or sampled
//! at points, whatever CRS the tiles come in.
//!
//! Each grid cell centre is taken to the tile's CRS through a
//! [`LatticeTransform`] (exact GDAL transforms every 16 cells, interpolated
//! in between), so there is no PROJ call per cell; the pixels are read
//! through GDAL once per tile.

use crate::grid::GridSpec;
use crate::ScoreError;
use buitenzicht_ingest::crs::{srs_from_epsg, LatticeTransform, Transformer, RD_NEW};
use buitenzicht_ingest::{PolygonIndex, SatellietTegel};
use gdal::spatial_ref::SpatialRef;
use gdal::Dataset;
use geo::BoundingRect;
use rayon::prelude::*;
use std::ops::Range;

/// Cells between exactly transformed lattice points.
const LATTICE_STEP: usize = 16;

/// The anomaly value per cell (NaN where no tile has data). Where tiles
/// overlap, the larger anomaly is kept.
pub fn resample(
    spec: &GridSpec,
    tiles: &[SatellietTegel],
    index: &PolygonIndex,
) -> Result<Vec<f32>, ScoreError> {
    resample_where(spec, tiles, index, |_| true)
}

/// Satellite tiles decoded at once by [`resample_where`].
const READERS: usize = 2;

/// As [`resample`], with only the tiles `keep` accepts (e.g. those taken
/// before a date).
pub fn resample_where(
    spec: &GridSpec,
    tiles: &[SatellietTegel],
    index: &PolygonIndex,
    keep: impl Fn(&SatellietTegel) -> bool,
) -> Result<Vec<f32>, ScoreError> {
    let mut out = vec![f32::NAN; spec.len()];
    let rd = srs_from_epsg(RD_NEW)?;
    // Each tile kept, with the rows and columns of the grid it covers.
    let mut wanted: Vec<(usize, Range<usize>, Range<usize>)> = index
        .bbox_intersecting(spec.bbox())
        .filter(|&id| keep(&tiles[id]))
        .filter_map(|id| {
            let r = tiles[id].footprint.bounding_rect()?;
            let rows = spec.rows_between(r.min().y, r.max().y);
            let cols = spec.cols_between(r.min().x, r.max().x);
            (!rows.is_empty() && !cols.is_empty()).then_some((id, rows, cols))
        })
        .collect();
    wanted.sort_by_key(|w| w.0);
    // GDAL decodes a tile on one core: [`READERS`] tiles are read at once,
    // the k-th by reader k mod READERS, and taken in order while the last
    // is resampled; at most two wait per reader (one sent, one sending), so
    // memory stays at five tiles, and the first failing tile in `tiles`
    // order is reported.
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..READERS)
            .map(|r| {
                let (send, read) = std::sync::mpsc::sync_channel(1);
                let mine: Vec<_> = wanted.iter().skip(r).step_by(READERS).cloned().collect();
                scope.spawn(move || {
                    for (id, rows, cols) in mine {
                        if send
                            .send((id, rows, cols, Source::read(&tiles[id])))
                            .is_err()
                        {
                            break;
                        }
                    }
                });
                read
            })
            .collect();
        let in_order = (0..wanted.len()).map_while(|k| readers[k % READERS].recv().ok());
        for (id, rows, cols, source) in in_order {
            let tile = &tiles[id];
            let source = source?;
            let to_tile = Source::transform(tile, &rd)?;
            let [x0, y0] = spec.centre(cols.start, rows.start);
            let lattice = LatticeTransform::new(
                &to_tile,
                [x0, y0],
                (spec.cell, -spec.cell),
                (cols.len(), rows.len()),
                LATTICE_STEP,
            )
            .map_err(tile_error(tile))?;
            let (col0, row0) = (cols.start, rows.start);
            out.par_chunks_mut(spec.cols)
                .enumerate()
                .skip(rows.start)
                .take(rows.len())
                .for_each(|(row, line)| {
                    for col in cols.clone() {
                        let [tx, ty] = lattice.at(col - col0, row - row0);
                        if let Some(v) = source.bilinear(tx, ty) {
                            let o = &mut line[col];
                            if o.is_nan() || v > *o {
                                *o = v;
                            }
                        }
                    }
                });
        }
        Ok::<(), ScoreError>(())
    })?;
    Ok(out)
}

/// Taken on or before `date`, or undated (then flagged at ingest): a score
/// as of a date sees no later tile.
pub fn taken_by(tile: &SatellietTegel, date: chrono::NaiveDate) -> bool {
    tile.datum.is_none_or(|d| d <= date)
}

/// The anomaly of every tile `keep` accepts at `points` (RD New): per
/// tile, in `tiles` order, the index and value of each point it has data
/// at (nothing for a tile `keep` rejects). Each tile is read once and the
/// points are transformed exactly, so a caller that picks tiles by date
/// many times (once per cut) neither reads them again nor resamples a
/// whole grid to look up a few points.
pub fn sample_tiles(
    points: &[[f64; 2]],
    tiles: &[SatellietTegel],
    index: &PolygonIndex,
    keep: impl Fn(&SatellietTegel) -> bool,
) -> Result<Vec<Vec<(u32, f32)>>, ScoreError> {
    let mut out = vec![Vec::new(); tiles.len()];
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for &[x, y] in points
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
    {
        bbox = [
            bbox[0].min(x),
            bbox[1].min(y),
            bbox[2].max(x),
            bbox[3].max(y),
        ];
    }
    if bbox[0] > bbox[2] {
        return Ok(out);
    }
    // The tiles side by side, each read and sampled on one core.
    let wanted: Vec<usize> = index
        .bbox_intersecting(bbox)
        .filter(|&id| keep(&tiles[id]))
        .collect();
    let sampled = wanted
        .par_iter()
        .map(|&id| -> Result<(usize, Vec<(u32, f32)>), ScoreError> {
            let tile = &tiles[id];
            let Some(r) = tile.footprint.bounding_rect() else {
                return Ok((id, Vec::new()));
            };
            let inside: Vec<usize> = (0..points.len())
                .filter(|&i| {
                    let [x, y] = points[i];
                    x >= r.min().x && x <= r.max().x && y >= r.min().y && y <= r.max().y
                })
                .collect();
            if inside.is_empty() {
                return Ok((id, Vec::new()));
            }
            let (source, to_tile) = Source::open(tile, &srs_from_epsg(RD_NEW)?)?;
            let (mut xs, mut ys): (Vec<f64>, Vec<f64>) =
                inside.iter().map(|&i| (points[i][0], points[i][1])).unzip();
            to_tile
                .transform(&mut xs, &mut ys)
                .map_err(tile_error(tile))?;
            let values = inside
                .iter()
                .zip(xs.iter().zip(&ys))
                .filter_map(|(&i, (&x, &y))| source.bilinear(x, y).map(|v| (i as u32, v)))
                .collect();
            Ok((id, values))
        })
        .collect::<Vec<_>>();
    // The first failing tile in their order, as read one after another.
    for sample in sampled {
        let (id, values) = sample?;
        out[id] = values;
    }
    Ok(out)
}

/// The anomaly at each of `points` points from the tiles `keep` accepts
/// (by their index in `tiles`), out of [`sample_tiles`]: where they
/// overlap the larger, as [`resample`] keeps it; NaN where none has data.
///
/// ```
/// use buitenzicht_score::satellite::combine_samples;
/// let samples = vec![vec![(0, 1.0), (1, 5.0)], vec![(1, 2.0), (2, 3.0)], vec![(0, 9.0)]];
/// let v = combine_samples(&samples, 4, |tile| tile != 2);
/// assert_eq!(&v[..3], &[1.0, 5.0, 3.0]);
/// assert!(v[3].is_nan());
/// ```
pub fn combine_samples(
    samples: &[Vec<(u32, f32)>],
    points: usize,
    keep: impl Fn(usize) -> bool,
) -> Vec<f32> {
    let mut out = vec![f32::NAN; points];
    for (id, values) in samples.iter().enumerate() {
        if !keep(id) {
            continue;
        }
        for &(i, v) in values {
            let o = &mut out[i as usize];
            if o.is_nan() || v > *o {
                *o = v;
            }
        }
    }
    out
}

/// A GDAL error on `tile`, naming its file.
fn tile_error(tile: &SatellietTegel) -> impl Fn(gdal::errors::GdalError) -> ScoreError + Copy + '_ {
    |source| ScoreError::Tile {
        path: tile.path.clone(),
        source,
    }
}

/// One tile's pixels (NaN where nodata) and its georeference.
struct Source {
    pixels: Vec<f32>,
    width: usize,
    height: usize,
    /// Inverse geotransform: CRS coordinates to pixel coordinates.
    inverse: [f64; 6],
}

impl Source {
    /// Reads `tile` through GDAL, with the transform from `rd` (RD New)
    /// to its CRS.
    fn open(tile: &SatellietTegel, rd: &SpatialRef) -> Result<(Source, Transformer), ScoreError> {
        Ok((Source::read(tile)?, Source::transform(tile, rd)?))
    }

    /// The transform from `rd` (RD New) to the CRS of `tile`.
    fn transform(tile: &SatellietTegel, rd: &SpatialRef) -> Result<Transformer, ScoreError> {
        let tile_error = tile_error(tile);
        let ds = Dataset::open(&tile.path).map_err(tile_error)?;
        Transformer::new(rd, &ds.spatial_ref().map_err(tile_error)?).map_err(tile_error)
    }

    /// Reads the pixels of `tile` through GDAL.
    fn read(tile: &SatellietTegel) -> Result<Source, ScoreError> {
        let tile_error = tile_error(tile);
        let ds = Dataset::open(&tile.path).map_err(tile_error)?;
        let gt = ds.geo_transform().map_err(tile_error)?;
        let (width, height) = ds.raster_size();
        let mut pixels = ds
            .rasterband(1)
            .and_then(|b| b.read_as::<f32>((0, 0), (width, height), (width, height), None))
            .map_err(tile_error)?
            .into_shape_and_vec()
            .1;
        // Stored values to °C; nodata becomes NaN first, so that no scaled
        // value can be taken for it.
        // GDAL casts a Float64 nodata beyond f32's range (ArcGIS writes
        // −1.797·10³⁰⁸) to −∞ as `as` does, so the two still compare equal.
        let nodata = tile.nodata.map(|v| v as f32);
        let (scale, offset) = (tile.scale, tile.offset);
        let unpack = (scale, offset) != (1.0, 0.0);
        pixels.par_iter_mut().for_each(|v| {
            if Some(*v) == nodata {
                *v = f32::NAN;
            } else if unpack {
                *v = (f64::from(*v) * scale + offset) as f32;
            }
        });
        Ok(Source {
            pixels,
            width,
            height,
            inverse: invert(gt),
        })
    }

    fn value(&self, c: usize, r: usize) -> Option<f32> {
        let v = self.pixels[r * self.width + c];
        (!v.is_nan()).then_some(v)
    }

    /// Bilinear between the four pixel centres around (`x`, `y`); the
    /// nearest pixel where one of them is nodata or off the tile.
    fn bilinear(&self, x: f64, y: f64) -> Option<f32> {
        let g = &self.inverse;
        let px = g[0] + x * g[1] + y * g[2];
        let py = g[3] + x * g[4] + y * g[5];
        if !(px >= 0.0 && py >= 0.0 && px < self.width as f64 && py < self.height as f64) {
            return None;
        }
        let (fx, fy) = (px - 0.5, py - 0.5);
        let (c0, r0) = (fx.floor(), fy.floor());
        if c0 >= 0.0
            && r0 >= 0.0
            && (c0 as usize) + 1 < self.width
            && (r0 as usize) + 1 < self.height
        {
            let (c, r) = (c0 as usize, r0 as usize);
            if let (Some(a), Some(b), Some(cc), Some(d)) = (
                self.value(c, r),
                self.value(c + 1, r),
                self.value(c, r + 1),
                self.value(c + 1, r + 1),
            ) {
                let (tx, ty) = ((fx - c0) as f32, (fy - r0) as f32);
                let top = a + (b - a) * tx;
                let bottom = cc + (d - cc) * tx;
                return Some(top + (bottom - top) * ty);
            }
        }
        self.value(px as usize, py as usize)
    }
}

/// Inverse of a GDAL geotransform, as a geotransform from CRS coordinates
/// to pixel/line.
fn invert(gt: [f64; 6]) -> [f64; 6] {
    let det = gt[1] * gt[5] - gt[2] * gt[4];
    let (a, b, c, d) = (gt[5] / det, -gt[2] / det, -gt[4] / det, gt[1] / det);
    [
        -(a * gt[0] + b * gt[3]),
        a,
        b,
        -(c * gt[0] + d * gt[3]),
        c,
        d,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::raster::{Buffer, GdalType};

    /// A one-band GeoTIFF at `path` in RD New of `w` × `h` pixels of 20 m
    /// from the south-west corner `(x0, y0)`, with the band's nodata, scale
    /// and offset, and the tile as the ingest reads it.
    fn rd_tile<T: GdalType + Copy>(
        path: std::path::PathBuf,
        (w, h): (usize, usize),
        (x0, y0): (f64, f64),
        values: Vec<T>,
        nodata: Option<f64>,
        (scale, offset): (f64, f64),
    ) -> SatellietTegel {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver
            .create_with_band_type::<T, _>(&path, w, h, 1)
            .unwrap();
        ds.set_geo_transform(&[x0, 20.0, 0.0, y0 + 20.0 * h as f64, 0.0, -20.0])
            .unwrap();
        ds.set_spatial_ref(&srs_from_epsg(RD_NEW).unwrap()).unwrap();
        let mut band = ds.rasterband(1).unwrap();
        if nodata.is_some() {
            band.set_no_data_value(nodata).unwrap();
        }
        if (scale, offset) != (1.0, 0.0) {
            band.set_scale(scale).unwrap();
            band.set_offset(offset).unwrap();
        }
        band.write((0, 0), (w, h), &mut Buffer::new((w, h), values))
            .unwrap();
        SatellietTegel {
            path,
            footprint: geo::Rect::new((x0, y0), (x0 + 20.0 * w as f64, y0 + 20.0 * h as f64))
                .to_polygon(),
            size: (w, h),
            nodata,
            scale,
            offset,
            datum: None,
        }
    }

    fn index_of(tiles: &[SatellietTegel]) -> PolygonIndex {
        PolygonIndex::new(
            tiles
                .iter()
                .map(|t| geo::MultiPolygon::new(vec![t.footprint.clone()])),
        )
    }

    /// Points sampled from a tile in another CRS (UTM 31N, as Sentinel-2
    /// comes) get the values the grid resampling gives their cells'
    /// centres: the same bilinear rule, exact transforms against the
    /// lattice's interpolated ones.
    #[test]
    fn points_sample_as_the_grid_resamples() {
        use gdal::DriverManager;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anomalie.tif");
        let (w, h) = (120usize, 100usize);
        // UTM 31N around RD (155 000, 385 000).
        let gt = [660_000.0, 20.0, 0.0, 5_710_000.0, 0.0, -20.0];
        {
            let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
            let mut ds = driver
                .create_with_band_type::<f32, _>(&path, w, h, 1)
                .unwrap();
            ds.set_geo_transform(&gt).unwrap();
            ds.set_spatial_ref(&srs_from_epsg(32631).unwrap()).unwrap();
            let mut band = ds.rasterband(1).unwrap();
            band.set_no_data_value(Some(-9999.0)).unwrap();
            let values: Vec<f32> = (0..w * h)
                .map(|i| {
                    let (c, r) = ((i % w) as f32, (i / w) as f32);
                    if c < 10.0 && r < 10.0 {
                        -9999.0
                    } else {
                        (0.05 * c).sin() * 4.0 + 0.03 * r
                    }
                })
                .collect();
            band.write((0, 0), (w, h), &mut Buffer::new((w, h), values))
                .unwrap();
        }
        let to_rd = Transformer::new(
            &srs_from_epsg(32631).unwrap(),
            &srs_from_epsg(RD_NEW).unwrap(),
        )
        .unwrap();
        let [x0, y0, x1, y1] = to_rd
            .bounds([
                gt[0],
                gt[3] - 20.0 * h as f64,
                gt[0] + 20.0 * w as f64,
                gt[3],
            ])
            .unwrap();
        let footprint = geo::Rect::new((x0, y0), (x1, y1)).to_polygon();
        let tiles = vec![SatellietTegel {
            path: path.clone(),
            footprint: footprint.clone(),
            size: (w, h),
            nodata: Some(-9999.0),
            scale: 1.0,
            offset: 0.0,
            datum: None,
        }];
        let index = PolygonIndex::new([geo::MultiPolygon::new(vec![footprint])]);
        let spec = GridSpec::covering([x0 - 500.0, y0 - 500.0, x1 + 500.0, y1 + 500.0], 25.0);
        let grid = resample(&spec, &tiles, &index).unwrap();
        let points: Vec<[f64; 2]> = (0..spec.len())
            .step_by(7)
            .map(|i| spec.centre(i % spec.cols, i / spec.cols))
            .collect();
        let samples = sample_tiles(&points, &tiles, &index, |_| true).unwrap();
        let at = combine_samples(&samples, points.len(), |_| true);
        let (mut compared, mut nodata) = (0, 0);
        for (p, v) in points.iter().zip(&at) {
            let (c, r) = spec.cell_at(p[0], p[1]).unwrap();
            let g = grid[spec.index(c, r)];
            if g.is_nan() {
                nodata += 1;
                assert!(v.is_nan(), "{p:?}: grid nodata, point {v}");
            } else {
                compared += 1;
                assert!((g - v).abs() < 0.02, "{p:?}: grid {g}, point {v}");
            }
        }
        assert!(compared > 1_000 && nodata > 100, "{compared} {nodata}");
        // A tile not kept gives nothing.
        let none = sample_tiles(&points, &tiles, &index, |_| false).unwrap();
        assert!(combine_samples(&none, points.len(), |_| true)
            .iter()
            .all(|v| v.is_nan()));
    }

    /// Six overlapping tiles, read two at a time, resample to the larger
    /// value wherever they overlap, as each resampled on its own says; with
    /// two of them gone, the first of those in `tiles` order is reported.
    #[test]
    fn tiles_read_side_by_side_keep_the_larger_and_the_first_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (100usize, 50usize);
        let tiles: Vec<SatellietTegel> = (0..6)
            .map(|t| {
                let corner = (
                    100_000.0 + 700.0 * t as f64,
                    400_000.0 + 300.0 * (t % 2) as f64,
                );
                let values: Vec<f32> = (0..w * h)
                    .map(|i| ((i * 31 + t * 17) % 97) as f32 / 10.0)
                    .collect();
                let path = dir.path().join(format!("tegel{t}.tif"));
                rd_tile(path, (w, h), corner, values, None, (1.0, 0.0))
            })
            .collect();
        let index = index_of(&tiles);
        let spec = GridSpec::covering([99_000.0, 399_000.0, 107_000.0, 402_000.0], 25.0);
        let all = resample(&spec, &tiles, &index).unwrap();
        let mut expected = vec![f32::NAN; spec.len()];
        for t in &tiles {
            let one = resample_where(&spec, &tiles, &index, |x| x.path == t.path).unwrap();
            for (e, v) in expected.iter_mut().zip(one) {
                if !v.is_nan() && (e.is_nan() || v > *e) {
                    *e = v;
                }
            }
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&all), bits(&expected));
        assert!(all.iter().filter(|v| !v.is_nan()).count() > 10_000);

        std::fs::remove_file(&tiles[4].path).unwrap();
        std::fs::remove_file(&tiles[1].path).unwrap();
        let err = resample(&spec, &tiles, &index).unwrap_err().to_string();
        assert!(err.contains("tegel1.tif"), "{err}");
    }

    /// A tile packed as Int16 hundredths with an offset, as its band's
    /// scale and offset say, resamples to the degrees of the same tile
    /// stored as Float32; nodata stays nodata.
    #[test]
    fn a_packed_tile_reads_as_degrees() {
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (60usize, 40usize);
        let corner = (100_000.0, 400_000.0);
        let degrees: Vec<f32> = (0..w * h)
            .map(|i| ((i * 37) % 101) as f32 / 10.0 - 5.0)
            .collect();
        let nodata = |i: usize| i.is_multiple_of(13);
        let spec = GridSpec::covering([100_000.0, 400_000.0, 101_200.0, 400_800.0], 25.0);
        let read = |tile: SatellietTegel| {
            let tiles = vec![tile];
            resample(&spec, &tiles, &index_of(&tiles)).unwrap()
        };
        let float = degrees
            .iter()
            .enumerate()
            .map(|(i, &d)| if nodata(i) { -9999.0 } else { d })
            .collect();
        let float = read(rd_tile(
            dir.path().join("float.tif"),
            (w, h),
            corner,
            float,
            Some(-9999.0),
            (1.0, 0.0),
        ));
        let raw: Vec<i16> = degrees
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if nodata(i) {
                    -32768
                } else {
                    ((d - 2.0) * 100.0).round() as i16
                }
            })
            .collect();
        let packed = read(rd_tile(
            dir.path().join("packed.tif"),
            (w, h),
            corner,
            raw,
            Some(-32768.0),
            (0.01, 2.0),
        ));
        let mut compared = 0;
        for (f, p) in float.iter().zip(&packed) {
            assert_eq!(f.is_nan(), p.is_nan(), "{f} {p}");
            if !f.is_nan() {
                assert!((f - p).abs() < 0.006, "{f} {p}");
                compared += 1;
            }
        }
        assert!(
            compared > 1_000 && float.iter().any(|v| v.is_nan()),
            "{compared}"
        );
    }

    /// A Float64 tile whose nodata lies beyond f32's range is still nodata.
    #[test]
    fn a_float64_nodata_beyond_f32_stays_nodata() {
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (20usize, 20usize);
        let values: Vec<f64> = (0..w * h)
            .map(|i| if i < w * h / 2 { f64::MIN } else { 1.5 })
            .collect();
        let tiles = vec![rd_tile(
            dir.path().join("f64.tif"),
            (w, h),
            (100_000.0, 400_000.0),
            values,
            Some(f64::MIN),
            (1.0, 0.0),
        )];
        let spec = GridSpec::covering([100_000.0, 400_000.0, 100_400.0, 400_400.0], 25.0);
        let grid = resample(&spec, &tiles, &index_of(&tiles)).unwrap();
        let valid: Vec<f32> = grid.iter().copied().filter(|v| !v.is_nan()).collect();
        assert!(
            valid.len() > 50 && valid.len() < grid.len(),
            "{}",
            valid.len()
        );
        assert!(valid.iter().all(|&v| v == 1.5), "{valid:?}");
    }

    #[test]
    fn inverse_geotransform_round_trips() {
        let gt = [500_000.0, 20.0, 0.0, 5_800_000.0, 0.0, -20.0];
        let inv = invert(gt);
        let (px, py) = (123.5, 456.25);
        let x = gt[0] + px * gt[1] + py * gt[2];
        let y = gt[3] + px * gt[4] + py * gt[5];
        assert!((inv[0] + x * inv[1] + y * inv[2] - px).abs() < 1e-9);
        assert!((inv[3] + x * inv[4] + y * inv[5] - py).abs() < 1e-9);
    }

    #[test]
    fn bilinear_with_nodata_falls_back_to_nearest() {
        let pixels = [1.0, 2.0, 3.0, f32::NAN];
        let src = Source {
            pixels: pixels.to_vec(),
            width: 2,
            height: 2,
            inverse: invert([0.0, 1.0, 0.0, 2.0, 0.0, -1.0]),
        };
        // Centre of pixel (0, 0) is (0.5, 1.5).
        assert_eq!(src.bilinear(0.5, 1.5), Some(1.0));
        // Between all four centres, one is nodata: nearest pixel (1, 1) is nodata.
        assert_eq!(src.bilinear(1.01, 0.99), None);
        assert_eq!(src.bilinear(0.99, 1.01), Some(1.0));
        assert_eq!(src.bilinear(5.0, 5.0), None);
    }
}
