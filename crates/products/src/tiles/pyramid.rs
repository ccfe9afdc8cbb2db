//! A tile pyramid of one layer written to a PMTiles v3 or MBTiles 1.3
//! archive, for static hosting and QGIS: the deepest zoom rendered from the
//! grid on every core, each zoom above averaged from the one below.

use super::colormap::TRANSPARENT;
use super::mercator::{tile_for_lonlat, PixelMap, TileId, TILE_SIZE};
use super::render::{encode_png, render_pixels, with_scratch};
use super::{ColorRamp, RenderError, TileLayer};
use buitenzicht_score::RiskModel;
use pmtiles::{PmTilesWriter, TileCoord, TileType};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Pmtiles,
    Mbtiles,
}

/// Errors writing an archive.
#[derive(Debug, thiserror::Error)]
pub enum PyramidError {
    #[error("zoombereik {0}..={1} is ongeldig (0 ≤ min ≤ max ≤ 22)")]
    Zoom(u8, u8),
    #[error("tegel {0:?} tekenen mislukt: {1}")]
    Render(TileId, RenderError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Pmtiles {
        path: PathBuf,
        source: pmtiles::PmtError,
    },
    #[error("{}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

impl PyramidError {
    fn pmtiles(path: &Path) -> impl FnOnce(pmtiles::PmtError) -> Self + '_ {
        move |source| PyramidError::Pmtiles {
            path: path.to_path_buf(),
            source,
        }
    }

    fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> Self + '_ {
        move |source| PyramidError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| PyramidError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyramidReport {
    /// Tiles covering the bounds, over all zooms.
    pub tiles_considered: usize,
    /// Tiles with data, written to the archive.
    pub tiles_written: usize,
    pub bytes: u64,
}

/// The rectangle of tiles at one zoom level that covers some bounds.
#[derive(Debug, Clone, Copy)]
struct TileRange {
    z: u8,
    x: (u32, u32),
    y: (u32, u32),
}

impl TileRange {
    fn covering([w, s, e, n]: [f64; 4], z: u8) -> Self {
        let (top_left, bottom_right) = (tile_for_lonlat(w, n, z), tile_for_lonlat(e, s, z));
        TileRange {
            z,
            x: (top_left.x, bottom_right.x),
            y: (top_left.y, bottom_right.y),
        }
    }

    fn contains(&self, t: TileId) -> bool {
        t.z == self.z
            && (self.x.0..=self.x.1).contains(&t.x)
            && (self.y.0..=self.y.1).contains(&t.y)
    }

    fn tiles(self) -> impl Iterator<Item = TileId> {
        (self.y.0..=self.y.1)
            .flat_map(move |y| (self.x.0..=self.x.1).map(move |x| TileId { z: self.z, x, y }))
    }

    fn len(&self) -> usize {
        (self.x.1 - self.x.0 + 1) as usize * (self.y.1 - self.y.0 + 1) as usize
    }
}

/// Writes a pyramid of `layer` from `min_zoom` to `max_zoom` over `bounds`
/// to an archive at `path` (through a temporary file and a rename).
///
/// Tiles at `max_zoom` are rendered from the grid; every tile above it is
/// the average of its four children, leaving out nodata, the way GDAL
/// builds overviews and gdal2tiles its upper zoom levels. Tiles without
/// data are left out, as both formats allow.
pub fn write_pyramid(
    model: &RiskModel,
    layer: TileLayer,
    bounds: [f64; 4],
    (min_zoom, max_zoom): (u8, u8),
    format: ArchiveFormat,
    path: &Path,
    metadata: &serde_json::Value,
) -> Result<PyramidReport, PyramidError> {
    if min_zoom > max_zoom || max_zoom > super::mercator::MAX_ZOOM {
        return Err(PyramidError::Zoom(min_zoom, max_zoom));
    }
    let ranges: Vec<TileRange> = (min_zoom..=max_zoom)
        .map(|z| TileRange::covering(bounds, z))
        .collect();
    // Every new thread pays some 25 ms to open PROJ's database, so the
    // pixel mappings are all made here, on one thread.
    let maps = ranges[ranges.len() - 1]
        .tiles()
        .map(|t| {
            PixelMap::new(t)
                .map(|map| (t, map))
                .map_err(|e| PyramidError::Render(t, e.into()))
        })
        .collect::<Result<HashMap<_, _>, _>>()?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let builder = Builder {
        model,
        layer,
        ramp: ColorRamp::default(),
        ranges,
        maps,
        spool: Mutex::new(Spool::new(dir).map_err(PyramidError::io(path))?),
        path,
    };
    builder.ranges[0]
        .tiles()
        .collect::<Vec<_>>()
        .par_iter()
        .try_for_each(|&t| builder.build(t).map(drop))?;

    let mut report = PyramidReport {
        tiles_considered: builder.ranges.iter().map(TileRange::len).sum(),
        ..PyramidReport::default()
    };
    let tmp = buitenzicht_ingest::atomic::temp_beside(path).map_err(PyramidError::io(path))?;
    let mut sink = Sink::open(
        format,
        tmp.path(),
        bounds,
        (min_zoom, max_zoom),
        metadata,
        path,
    )?;
    let spool = builder
        .spool
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    // PMTiles wants tiles in the order of their ids (zoom, then Hilbert).
    spool.read_sorted(
        |tile, png| {
            report.tiles_written += 1;
            sink.add(tile, png, path)
        },
        path,
    )?;
    sink.finish(path)?;
    tmp.persist(path)
        .map_err(|e| PyramidError::io(path)(e.error))?;
    report.bytes = std::fs::metadata(path)
        .map_err(PyramidError::io(path))?
        .len();
    Ok(report)
}

/// The state shared while building a pyramid.
struct Builder<'a> {
    model: &'a RiskModel,
    layer: TileLayer,
    ramp: ColorRamp,
    /// Tiles covering the bounds, from the lowest zoom to the highest.
    ranges: Vec<TileRange>,
    /// The pixel mapping of every tile at the highest zoom.
    maps: HashMap<TileId, PixelMap>,
    spool: Mutex<Spool>,
    path: &'a Path,
}

/// A tile averaged down to a quarter of its pixels, for its parent.
type Quarter = Box<[u8]>;

const HALF: usize = TILE_SIZE / 2;

impl Builder<'_> {
    /// Builds `tile` and the tiles below it, spools those with data, and
    /// returns the tile's [`Quarter`] (`None` without data).
    fn build(&self, tile: TileId) -> Result<Option<Quarter>, PyramidError> {
        let max_zoom = self.ranges[self.ranges.len() - 1].z;
        if tile.z == max_zoom {
            let Some(map) = self.maps.get(&tile) else {
                return Ok(None);
            };
            let (spec, layer) = (&self.model.spec, self.layer.values(self.model));
            return with_scratch(|pixels| {
                if !render_pixels(spec, layer, &self.ramp, map, pixels) {
                    return Ok(None);
                }
                self.finish(tile, pixels).map(Some)
            });
        }
        let range = &self.ranges[(tile.z + 1 - self.ranges[0].z) as usize];
        let children: Vec<(usize, usize, Option<Quarter>)> = [(0, 0), (1, 0), (0, 1), (1, 1)]
            .par_iter()
            .map(|&(dx, dy)| {
                let child = TileId {
                    z: tile.z + 1,
                    x: 2 * tile.x + dx as u32,
                    y: 2 * tile.y + dy as u32,
                };
                let quarter = if range.contains(child) {
                    self.build(child)?
                } else {
                    None
                };
                Ok((dx, dy, quarter))
            })
            .collect::<Result<_, PyramidError>>()?;
        if children.iter().all(|(_, _, q)| q.is_none()) {
            return Ok(None);
        }
        with_scratch(|pixels| {
            for (dx, dy, quarter) in &children {
                let Some(quarter) = quarter else { continue };
                for (row, line) in quarter.chunks_exact(HALF).enumerate() {
                    let start = (dy * HALF + row) * TILE_SIZE + dx * HALF;
                    pixels[start..start + HALF].copy_from_slice(line);
                }
            }
            self.finish(tile, pixels).map(Some)
        })
    }

    /// Encodes and spools a tile; returns its quarter.
    fn finish(&self, tile: TileId, pixels: &[u8]) -> Result<Quarter, PyramidError> {
        let png =
            encode_png(pixels, &self.ramp).map_err(|e| PyramidError::Render(tile, e.into()))?;
        self.spool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(tile, &png)
            .map_err(PyramidError::io(self.path))?;
        Ok(quarter(pixels))
    }
}

/// Averages each 2 × 2 block of palette indices, leaving out nodata: the
/// indices rise evenly with the value, so their mean is the mean colour
/// step. A block without data stays [`TRANSPARENT`].
fn quarter(pixels: &[u8]) -> Quarter {
    let mut out = vec![TRANSPARENT; HALF * HALF].into_boxed_slice();
    for (row, line) in out.chunks_exact_mut(HALF).enumerate() {
        let upper = &pixels[2 * row * TILE_SIZE..][..TILE_SIZE];
        let lower = &pixels[(2 * row + 1) * TILE_SIZE..][..TILE_SIZE];
        for (col, px) in line.iter_mut().enumerate() {
            let block = [
                upper[2 * col],
                upper[2 * col + 1],
                lower[2 * col],
                lower[2 * col + 1],
            ];
            let (mut sum, mut count) = (0u32, 0usize);
            for p in block {
                let valid = (p != TRANSPARENT) as u32;
                sum += p as u32 * valid;
                count += valid as usize;
            }
            // Rounded sum / count by a multiplication (exact for these
            // small sums); no data leaves the pixel transparent.
            const RECIPROCAL: [u32; 5] = [0, 1 << 16, 1 << 15, 21_846, 1 << 14];
            if count > 0 {
                *px = (((sum + count as u32 / 2) * RECIPROCAL[count]) >> 16) as u8;
            }
        }
    }
    out
}

/// Encoded tiles in an anonymous temporary file, in the order they were
/// made, so that memory holds only their addresses.
struct Spool {
    file: std::io::BufWriter<std::fs::File>,
    /// (PMTiles tile id, tile, offset, length).
    entries: Vec<(u64, TileId, u64, usize)>,
    end: u64,
}

impl Spool {
    fn new(dir: &Path) -> std::io::Result<Self> {
        Ok(Spool {
            file: std::io::BufWriter::new(tempfile::tempfile_in(dir)?),
            entries: Vec::new(),
            end: 0,
        })
    }

    fn add(&mut self, tile: TileId, png: &[u8]) -> std::io::Result<()> {
        self.file.write_all(png)?;
        let id = TileCoord::new(tile.z, tile.x, tile.y)
            .map(|c| pmtiles::TileId::from(c).value())
            .unwrap_or(u64::MAX);
        self.entries.push((id, tile, self.end, png.len()));
        self.end += png.len() as u64;
        Ok(())
    }

    /// Hands every tile to `f` in the order of PMTiles tile ids.
    fn read_sorted(
        mut self,
        mut f: impl FnMut(TileId, &[u8]) -> Result<(), PyramidError>,
        path: &Path,
    ) -> Result<(), PyramidError> {
        self.entries.sort_unstable_by_key(|e| e.0);
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| PyramidError::io(path)(e.into_error()))?;
        let mut png = Vec::new();
        for (_, tile, offset, len) in self.entries {
            png.resize(len, 0);
            file.seek(SeekFrom::Start(offset))
                .and_then(|_| file.read_exact(&mut png))
                .map_err(PyramidError::io(path))?;
            f(tile, &png)?;
        }
        Ok(())
    }
}

/// The zoom a viewer opens the archive at: three levels above the deepest.
fn center_zoom(min_zoom: u8, max_zoom: u8) -> u8 {
    min_zoom.max(max_zoom.saturating_sub(3))
}

enum Sink {
    Pmtiles(Box<pmtiles::PmTilesStreamWriter<std::fs::File>>),
    Mbtiles(rusqlite::Connection),
}

impl Sink {
    /// Starts an archive at `tmp`; errors name `path`, the file asked for.
    fn open(
        format: ArchiveFormat,
        tmp: &Path,
        bounds: [f64; 4],
        zooms: (u8, u8),
        metadata: &serde_json::Value,
        path: &Path,
    ) -> Result<Self, PyramidError> {
        match format {
            ArchiveFormat::Pmtiles => Self::pmtiles(tmp, bounds, zooms, metadata, path),
            ArchiveFormat::Mbtiles => Self::mbtiles(tmp, bounds, zooms, metadata, path),
        }
    }

    fn pmtiles(
        tmp: &Path,
        [w, s, e, n]: [f64; 4],
        (min_zoom, max_zoom): (u8, u8),
        metadata: &serde_json::Value,
        path: &Path,
    ) -> Result<Self, PyramidError> {
        let file = std::fs::File::create(tmp).map_err(PyramidError::io(path))?;
        let writer = PmTilesWriter::new(TileType::Png)
            .min_zoom(min_zoom)
            .max_zoom(max_zoom)
            .bounds(w, s, e, n)
            .center((w + e) / 2.0, (s + n) / 2.0)
            .center_zoom(center_zoom(min_zoom, max_zoom))
            .metadata(metadata.to_string())
            .create(file)
            .map_err(PyramidError::pmtiles(path))?;
        Ok(Sink::Pmtiles(Box::new(writer)))
    }

    fn mbtiles(
        tmp: &Path,
        [w, s, e, n]: [f64; 4],
        (min_zoom, max_zoom): (u8, u8),
        metadata: &serde_json::Value,
        path: &Path,
    ) -> Result<Self, PyramidError> {
        let _ = std::fs::remove_file(tmp);
        // Readable by its owner only, as every other output: SQLite would
        // create it with the umask's mode. An empty file is a new database.
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(tmp).map_err(|source| PyramidError::Io {
                path: tmp.to_path_buf(),
                source,
            })?;
        }
        let db = rusqlite::Connection::open(tmp).map_err(PyramidError::sqlite(path))?;
        db.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
             BEGIN;",
        )
        .map_err(PyramidError::sqlite(path))?;
        let name = metadata["name"]
            .as_str()
            .unwrap_or("buitenzicht")
            .to_string();
        let description = metadata["description"].as_str().unwrap_or("").to_string();
        let rows = [
            ("name", name),
            ("format", "png".into()),
            ("type", "overlay".into()),
            ("version", "1.3".into()),
            ("description", description),
            ("attribution", "buitenzicht".into()),
            ("bounds", format!("{w},{s},{e},{n}")),
            (
                "center",
                format!(
                    "{},{},{}",
                    (w + e) / 2.0,
                    (s + n) / 2.0,
                    center_zoom(min_zoom, max_zoom)
                ),
            ),
            ("minzoom", min_zoom.to_string()),
            ("maxzoom", max_zoom.to_string()),
            ("json", metadata.to_string()),
        ];
        for (k, v) in rows {
            db.execute("INSERT INTO metadata (name, value) VALUES (?1, ?2)", (k, v))
                .map_err(PyramidError::sqlite(path))?;
        }
        Ok(Sink::Mbtiles(db))
    }

    fn add(&mut self, tile: TileId, png: &[u8], path: &Path) -> Result<(), PyramidError> {
        match self {
            Sink::Pmtiles(writer) => {
                let coord =
                    TileCoord::new(tile.z, tile.x, tile.y).map_err(PyramidError::pmtiles(path))?;
                writer
                    .add_tile(coord, png)
                    .map_err(PyramidError::pmtiles(path))
            }
            Sink::Mbtiles(db) => {
                // MBTiles rows count from the south (TMS).
                let tms_y = (1u32 << tile.z) - 1 - tile.y;
                db.execute(
                    "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
                    (tile.z, tile.x, tms_y, png),
                )
                .map(drop)
                .map_err(PyramidError::sqlite(path))
            }
        }
    }

    fn finish(self, path: &Path) -> Result<(), PyramidError> {
        match self {
            Sink::Pmtiles(writer) => writer.finalize().map_err(PyramidError::pmtiles(path)),
            Sink::Mbtiles(db) => db
                .execute_batch("COMMIT;")
                .map_err(PyramidError::sqlite(path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_averages_blocks_without_nodata() {
        let mut pixels = vec![TRANSPARENT; TILE_SIZE * TILE_SIZE];
        // Block (0, 0): 10, 20, 31 and one nodata → (61 + 1) / 3, rounded.
        pixels[0] = 10;
        pixels[1] = 20;
        pixels[TILE_SIZE] = 31;
        // Block (1, 0): four values → their rounded mean.
        pixels[2..4].copy_from_slice(&[0, 254]);
        pixels[TILE_SIZE + 2..TILE_SIZE + 4].copy_from_slice(&[254, 253]);
        // Block (127, 127): one value.
        pixels[TILE_SIZE * TILE_SIZE - 1] = 7;
        let q = quarter(&pixels);
        assert_eq!(q[0], 20);
        assert_eq!(q[1], 190); // 761 / 4 = 190.25
        assert_eq!(q[HALF * HALF - 1], 7);
        assert_eq!(q.iter().filter(|&&p| p != TRANSPARENT).count(), 3);
    }

    #[test]
    fn rounded_division_by_reciprocal_is_exact() {
        for count in 1..=4u32 {
            for sum in 0..=254 * count {
                let mut pixels = vec![TRANSPARENT; TILE_SIZE * TILE_SIZE];
                // `count` values adding up to `sum`.
                let mut left = sum;
                for k in 0..count as usize {
                    let v = left.min(254);
                    pixels[(k / 2) * TILE_SIZE + k % 2] = v as u8;
                    left -= v;
                }
                // Halves round up.
                let expected = ((sum + count / 2) / count) as u8;
                assert_eq!(quarter(&pixels)[0], expected, "{sum}/{count}");
            }
        }
    }
}
