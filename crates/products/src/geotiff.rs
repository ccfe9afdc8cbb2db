//! The risk grid as a GeoTIFF: band 1 risk, then one band per indicator
//! holding its contribution in risk points (bands 2–5 add up to band 1).

use crate::ProductError;
use buitenzicht_ingest::crs::{srs_from_epsg, RD_NEW};
use buitenzicht_score::model::BUILDINGS_LABEL;
use buitenzicht_score::Indicator;
use buitenzicht_score::RiskModel;
use gdal::raster::{Buffer, RasterCreationOptions};
use gdal::{DriverManager, Metadata};
use rayon::prelude::*;
use std::path::Path;

/// Nodata value in the file (NaN in memory).
pub const NODATA: f32 = -9999.0;

/// Band descriptions, in band order. With the building model's map the
/// leegstand band holds every building's own rate along the journey, and
/// is named so in QGIS.
pub fn band_names(model: &RiskModel) -> Vec<String> {
    std::iter::once("risico (0-100)".to_string())
        .chain(Indicator::ALL.iter().map(|&i| match i {
            Indicator::Leegstand if model.building_map() => {
                format!("bijdrage {}", BUILDINGS_LABEL.to_lowercase())
            }
            _ => format!("bijdrage {}", i.key()),
        }))
        .collect()
}

/// GDAL's block cache for this process, in MB, unless `GDAL_CACHEMAX`
/// says otherwise. GDAL's default, 5 % of the RAM, held up to 1.2 GB of a
/// national band's blocks beside the grid itself while the GeoTIFF was
/// written; with 256 MB it is written as fast.
pub const BLOCK_CACHE_MB: u32 = 256;

/// Sets GDAL's block cache to [`BLOCK_CACHE_MB`] when the environment does
/// not set `GDAL_CACHEMAX`. GDAL reads the option once, at its first use of
/// the cache, so this is called before anything else touches GDAL.
pub fn limit_block_cache() {
    if std::env::var_os("GDAL_CACHEMAX").is_none() {
        // Only fails for a name or value with a NUL byte.
        let _ = gdal::config::set_config_option("GDAL_CACHEMAX", &BLOCK_CACHE_MB.to_string());
    }
}

/// A rectangle of grid cells: first column and row, and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub col: usize,
    pub row: usize,
    pub cols: usize,
    pub rows: usize,
}

/// Writes `model` to `path` as a tiled, DEFLATE-compressed float32 GeoTIFF
/// in EPSG:28992. The file is written under a temporary name and renamed,
/// so an existing file is replaced whole or not at all.
pub fn write_geotiff(model: &RiskModel, path: &Path) -> Result<(), ProductError> {
    let whole = Window {
        col: 0,
        row: 0,
        cols: model.spec.cols,
        rows: model.spec.rows,
    };
    write_geotiff_window(model, path, whole, |_| true)
}

/// The cells of municipality `gemeente` (1-based, as in
/// [`RiskModel::gemeente`]) clipped to its bounding box; other cells are
/// nodata. `None` when the municipality has no cell.
pub fn write_gemeente_geotiff(
    model: &RiskModel,
    gemeente: u32,
    path: &Path,
) -> Result<Option<Window>, ProductError> {
    let spec = &model.spec;
    let (mut c0, mut r0, mut c1, mut r1) = (usize::MAX, usize::MAX, 0, 0);
    for (i, _) in model
        .gemeente
        .iter()
        .enumerate()
        .filter(|(_, &g)| g == gemeente)
    {
        let (c, r) = (i % spec.cols, i / spec.cols);
        (c0, r0, c1, r1) = (c0.min(c), r0.min(r), c1.max(c), r1.max(r));
    }
    if c0 == usize::MAX {
        return Ok(None);
    }
    let window = Window {
        col: c0,
        row: r0,
        cols: c1 - c0 + 1,
        rows: r1 - r0 + 1,
    };
    write_geotiff_window(model, path, window, |i| model.gemeente[i] == gemeente)?;
    Ok(Some(window))
}

/// Writes the cells of `window` for which `keep(index)` holds; the others
/// are nodata.
pub fn write_geotiff_window(
    model: &RiskModel,
    path: &Path,
    window: Window,
    keep: impl Fn(usize) -> bool + Sync,
) -> Result<(), ProductError> {
    let spec = &model.spec;
    let io_error = |source| ProductError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = buitenzicht_ingest::atomic::temp_beside(path).map_err(io_error)?;
    let file_error = |source| ProductError::Write {
        path: path.to_path_buf(),
        source,
    };
    let failures = buitenzicht_ingest::gdal_failures();
    {
        let driver = DriverManager::get_driver_by_name("GTiff").map_err(file_error)?;
        let options = RasterCreationOptions::from_iter([
            "COMPRESS=DEFLATE",
            // Level 1: a band of the national grid in 10 s instead of 16 s
            // at the default 6, for a file 4 % larger.
            "ZLEVEL=1",
            "PREDICTOR=3",
            "TILED=YES",
            // Each band is written whole in turn: band-interleaved tiles are
            // then compressed once, where pixel-interleaved ones would be
            // read back and rewritten for every band.
            "INTERLEAVE=BAND",
            // Both cores compress. GDAL 3.6 can hang when it computes
            // overviews itself in a file opened with threads, so the
            // overviews are computed here (`Level`) and only written by GDAL.
            "NUM_THREADS=ALL_CPUS",
            "BIGTIFF=IF_SAFER",
        ]);
        let mut ds = driver
            .create_with_band_type_with_options::<f32, _>(
                tmp.path(),
                window.cols,
                window.rows,
                5,
                &options,
            )
            .map_err(file_error)?;
        ds.set_spatial_ref(&srs_from_epsg(RD_NEW)?)
            .map_err(file_error)?;
        let mut gt = spec.geo_transform();
        gt[0] += window.col as f64 * spec.cell;
        gt[3] -= window.row as f64 * spec.cell;
        ds.set_geo_transform(&gt).map_err(file_error)?;
        ds.set_metadata_item("AS_OF", &model.as_of.to_string(), "")
            .map_err(file_error)?;
        ds.set_metadata_item("MODEL_VERSION", &model.version, "")
            .map_err(file_error)?;
        let weights = match &model.weighting {
            buitenzicht_score::model::Weighting::Handmatig => {
                serde_json::to_string(&model.config.weights).unwrap_or_default()
            }
            w => serde_json::to_string(w).unwrap_or_default(),
        };
        ds.set_metadata_item("WEIGHTS", &weights, "")
            .map_err(file_error)?;

        // Internal overviews, so QGIS and tile servers read small scales
        // fast: allocated here ("NONE" computes nothing), filled per band.
        let levels: Vec<i32> = (1..)
            .map(|k| 1i32 << k)
            .take_while(|&f| window.cols.max(window.rows) / f as usize >= 256)
            .collect();
        // Nodata first: the overviews take it over when they are allocated.
        for (b, name) in band_names(model).iter().enumerate() {
            let mut band = ds.rasterband(b + 1).map_err(file_error)?;
            band.set_no_data_value(Some(NODATA as f64))
                .map_err(file_error)?;
            band.set_description(name).map_err(file_error)?;
        }
        if !levels.is_empty() {
            ds.build_overviews("NONE", &levels, &[])
                .map_err(file_error)?;
        }
        // One buffer for every band: a fresh one would fault in its pages
        // (624 MB on the national grid) for each band again.
        let mut values = vec![0f32; window.rows * window.cols];
        // So are the overview levels and their means.
        let mut pyramid = Pyramid::new(window.cols, window.rows, levels.len());
        let mut means = Vec::new();
        for b in 0..=Indicator::ALL.len() {
            // Band 1 is the risk, bands 2-5 the indicators' contributions.
            let source = match b {
                0 => &model.risk,
                _ => &model.contributions[Indicator::ALL[b - 1].index()],
            };
            values.par_iter_mut().enumerate().for_each(|(k, out)| {
                let i = spec.index(window.col + k % window.cols, window.row + k / window.cols);
                let v = source[i];
                *out = if v.is_nan() || !keep(i) { NODATA } else { v };
            });
            let mut band = ds.rasterband(b + 1).map_err(file_error)?;
            let mut buffer = Buffer::new((window.cols, window.rows), values);
            band.write((0, 0), (window.cols, window.rows), &mut buffer)
                .map_err(file_error)?;
            values = buffer.into_shape_and_vec().1;
            pyramid.fill(&values);
            for (k, level) in pyramid.levels.iter().enumerate() {
                level.means_into(&mut means);
                let mut buffer = Buffer::new((level.cols, level.rows), means);
                band.overview(k)
                    .and_then(|mut overview| {
                        overview.write((0, 0), (level.cols, level.rows), &mut buffer)
                    })
                    .map_err(file_error)?;
                means = buffer.into_shape_and_vec().1;
            }
        }
        ds.close().map_err(file_error)?;
    }
    // A block that failed to reach the disk as the file was closed is
    // reported only through GDAL's error handler before GDAL 3.7.
    if buitenzicht_ingest::gdal_failures() != failures {
        return Err(ProductError::Incomplete {
            path: path.to_path_buf(),
        });
    }
    tmp.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

/// The overview levels of a `cols` × `rows` grid, each above the one
/// before; allocated once and filled again for every band.
struct Pyramid {
    levels: Vec<Level>,
    cols: usize,
    rows: usize,
}

impl Pyramid {
    fn new(cols: usize, rows: usize, levels: usize) -> Self {
        let mut pyramid: Vec<Level> = Vec::with_capacity(levels);
        for _ in 0..levels {
            let (c, r) = pyramid.last().map_or((cols, rows), |l| (l.cols, l.rows));
            pyramid.push(Level::above(c, r));
        }
        Pyramid {
            levels: pyramid,
            cols,
            rows,
        }
    }

    /// Every level from the grid's `values`: the first from the grid, each
    /// next from the one below it.
    fn fill(&mut self, values: &[f32]) {
        for k in 0..self.levels.len() {
            let (done, rest) = self.levels.split_at_mut(k);
            match done.last() {
                None => rest[0].gather_grid(values, self.cols, self.rows),
                Some(below) => rest[0].gather_level(below),
            }
        }
    }
}

/// One overview level: per cell the sum and count of the valid grid cells
/// of its 2^k × 2^k block, so every level is the mean over the grid itself
/// (as GDAL's `AVERAGE` computes it), not a mean of means. Where a size is
/// not a multiple of 2^k the last block is cut short; GDAL instead spreads
/// that rounding over the whole row or column.
struct Level {
    sum: Vec<f64>,
    count: Vec<u32>,
    cols: usize,
    rows: usize,
}

impl Level {
    /// An empty level above a `cols` × `rows` one.
    fn above(cols: usize, rows: usize) -> Self {
        let (cols, rows) = (cols.div_ceil(2), rows.div_ceil(2));
        Level {
            sum: vec![0.0; cols * rows],
            count: vec![0; cols * rows],
            cols,
            rows,
        }
    }

    /// The first level, over the grid's `values` (`cols` × `rows`) read
    /// directly: a level of the grid itself would hold 12 bytes a cell.
    #[cfg(test)]
    fn above_grid(values: &[f32], cols: usize, rows: usize) -> Self {
        let mut level = Level::above(cols, rows);
        level.gather_grid(values, cols, rows);
        level
    }

    /// The level above this one.
    #[cfg(test)]
    fn halve(&self) -> Self {
        let mut level = Level::above(self.cols, self.rows);
        level.gather_level(self);
        level
    }

    /// Fills this level from the grid's `values` (`cols` × `rows`).
    fn gather_grid(&mut self, values: &[f32], cols: usize, rows: usize) {
        self.gather(cols, rows, |i| match values[i] {
            NODATA => (0.0, 0),
            v => (v as f64, 1),
        })
    }

    /// Fills this level from the level `below` it.
    fn gather_level(&mut self, below: &Level) {
        self.gather(below.cols, below.rows, |i| (below.sum[i], below.count[i]))
    }

    /// Fills this level from a `cols` × `rows` level whose cell `i` holds
    /// `below(i)`: each cell gathers its 2 × 2 cells below (one or two at
    /// the last column and row of an odd size).
    fn gather(&mut self, cols: usize, rows: usize, below: impl Fn(usize) -> (f64, u32) + Sync) {
        let up_cols = self.cols;
        self.sum
            .par_chunks_mut(up_cols)
            .zip(self.count.par_chunks_mut(up_cols))
            .enumerate()
            .for_each(|(r, (sums, counts))| {
                for (c, (sum, count)) in sums.iter_mut().zip(counts).enumerate() {
                    (*sum, *count) = (0.0, 0);
                    for y in 2 * r..(2 * r + 2).min(rows) {
                        for x in 2 * c..(2 * c + 2).min(cols) {
                            let (s, n) = below(y * cols + x);
                            *sum += s;
                            *count += n;
                        }
                    }
                }
            });
    }

    /// The means into `out`, nodata where no valid cell lies below.
    fn means_into(&self, out: &mut Vec<f32>) {
        out.clear();
        out.par_extend(self.sum.par_iter().zip(&self.count).map(|(&s, &n)| {
            if n == 0 {
                NODATA
            } else {
                (s / n as f64) as f32
            }
        }));
    }

    #[cfg(test)]
    fn means(&self) -> Vec<f32> {
        let mut out = Vec::new();
        self.means_into(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern with scattered nodata and a nodata corner of 4 × 4 cells.
    fn pattern(cols: usize, rows: usize) -> Vec<f32> {
        (0..cols * rows)
            .map(|i| {
                let (c, r) = (i % cols, i / cols);
                if (c < 4 && r < 4) || i % 7 == 0 {
                    NODATA
                } else {
                    ((i * 7919) % 1000) as f32 / 10.0
                }
            })
            .collect()
    }

    #[test]
    fn overviews_match_gdal_average() {
        let (cols, rows) = (1024, 768);
        let values = pattern(cols, rows);
        let driver = DriverManager::get_driver_by_name("MEM").unwrap();
        let mut ds = driver
            .create_with_band_type::<f32, _>("", cols, rows, 1)
            .unwrap();
        let mut band = ds.rasterband(1).unwrap();
        band.set_no_data_value(Some(NODATA as f64)).unwrap();
        let mut buffer = Buffer::new((cols, rows), values.clone());
        band.write((0, 0), (cols, rows), &mut buffer).unwrap();
        ds.build_overviews("AVERAGE", &[2, 4], &[]).unwrap();

        let band = ds.rasterband(1).unwrap();
        let mut level = Level::above_grid(&values, cols, rows);
        for k in 0..2 {
            if k > 0 {
                level = level.halve();
            }
            let ours = level.means();
            let theirs = band
                .overview(k)
                .unwrap()
                .read_band_as::<f32>()
                .unwrap()
                .into_shape_and_vec();
            assert_eq!(theirs.0, (level.cols, level.rows), "level {k}: size");
            for (i, (a, b)) in ours.iter().zip(&theirs.1).enumerate() {
                assert!(
                    (a - b).abs() < 1e-3,
                    "level {k}, cell {i}: {a} against GDAL's {b}"
                );
            }
            assert_eq!(ours[0], NODATA, "level {k}: the nodata corner stays nodata");
        }
    }

    /// Filled again for a second band, every level holds that band's
    /// means, as levels made fresh for it do: nothing of the first stays.
    #[test]
    fn a_pyramid_filled_again_forgets_the_band_before() {
        let (cols, rows) = (37, 23);
        let first = pattern(cols, rows);
        let second: Vec<f32> = first
            .iter()
            .enumerate()
            .map(|(i, &v)| if i % 5 == 0 { NODATA } else { 100.0 - v })
            .collect();
        let mut pyramid = Pyramid::new(cols, rows, 4);
        pyramid.fill(&first);
        pyramid.fill(&second);
        let mut fresh = Level::above_grid(&second, cols, rows);
        for (k, level) in pyramid.levels.iter().enumerate() {
            if k > 0 {
                fresh = fresh.halve();
            }
            assert_eq!((level.cols, level.rows), (fresh.cols, fresh.rows));
            assert_eq!(level.means(), fresh.means(), "level {k}");
        }
        assert_eq!((pyramid.levels[3].cols, pyramid.levels[3].rows), (3, 2));
    }

    #[test]
    fn odd_sizes_round_up_and_keep_the_last_row_and_column() {
        // 3 × 3: the last column and row average what lies below them.
        let values = [1.0, 3.0, 5.0, 1.0, 3.0, 7.0, 2.0, NODATA, 9.0];
        let up = Level::above_grid(&values, 3, 3);
        assert_eq!((up.cols, up.rows), (2, 2));
        assert_eq!(up.means(), vec![2.0, 6.0, 2.0, 9.0]);
        // Above that, the mean of the eight valid cells, not of the four means.
        assert_eq!(up.halve().means(), vec![31.0 / 8.0]);
        assert_eq!(Level::above_grid(&[NODATA; 4], 2, 2).means(), vec![NODATA]);
    }
}
