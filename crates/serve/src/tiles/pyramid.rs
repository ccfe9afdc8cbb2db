//! A tile pyramid of one layer written to a PMTiles v3 or MBTiles 1.3
//! archive, rendered on every core, for static hosting and QGIS.

use super::mercator::{tile_for_lonlat, TileId};
use super::{render_tile, ColorRamp, RenderError, TileLayer};
use buitenzicht_score::RiskModel;
use pmtiles::{PmTilesWriter, TileCoord, TileType};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Pmtiles,
    Mbtiles,
}

/// Errors writing an archive.
#[derive(Debug, thiserror::Error)]
pub enum PyramidError {
    #[error("zoom range {0}..={1} is invalid (0 ≤ min ≤ max ≤ 22)")]
    Zoom(u8, u8),
    #[error("rendering tile {0:?}: {1}")]
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

/// Tiles covering `bounds` (`[w, s, e, n]`, WGS84) at zoom `z`.
pub fn tiles_covering(bounds: [f64; 4], z: u8) -> Vec<TileId> {
    let [w, s, e, n] = bounds;
    let top_left = tile_for_lonlat(w, n, z);
    let bottom_right = tile_for_lonlat(e, s, z);
    (top_left.y..=bottom_right.y)
        .flat_map(|y| (top_left.x..=bottom_right.x).map(move |x| TileId { z, x, y }))
        .collect()
}

/// Renders `layer` from `min_zoom` to `max_zoom` over `bounds` and writes
/// the archive to `path` (through a temporary file and a rename). Tiles
/// without data are left out, as both formats allow.
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
    let ramp = ColorRamp::default();
    let tmp = path.with_extension("tmp");
    let mut report = PyramidReport::default();
    let mut sink = match format {
        ArchiveFormat::Pmtiles => {
            Sink::pmtiles(&tmp, bounds, (min_zoom, max_zoom), metadata, path)?
        }
        ArchiveFormat::Mbtiles => {
            Sink::mbtiles(&tmp, bounds, (min_zoom, max_zoom), metadata, path)?
        }
    };
    // PMTiles wants tiles in Hilbert order of their tile id; rendering per
    // zoom and sorting keeps memory to one zoom level at a time.
    for z in min_zoom..=max_zoom {
        let mut tiles = tiles_covering(bounds, z);
        tiles.sort_by_key(|t| {
            TileCoord::new(t.z, t.x, t.y)
                .map(|c| pmtiles::TileId::from(c).value())
                .unwrap_or(u64::MAX)
        });
        report.tiles_considered += tiles.len();
        let rendered: Vec<(TileId, Option<Vec<u8>>)> = tiles
            .par_iter()
            .map(|&t| {
                render_tile(&model.spec, layer.values(model), &ramp, t)
                    .map(|png| (t, png))
                    .map_err(|e| PyramidError::Render(t, e))
            })
            .collect::<Result<_, _>>()?;
        for (tile, png) in rendered {
            if let Some(png) = png {
                sink.add(tile, &png, path)?;
                report.tiles_written += 1;
            }
        }
    }
    sink.finish(path)?;
    std::fs::rename(&tmp, path).map_err(PyramidError::io(path))?;
    report.bytes = std::fs::metadata(path)
        .map_err(PyramidError::io(path))?
        .len();
    Ok(report)
}

enum Sink {
    Pmtiles(Box<pmtiles::PmTilesStreamWriter<std::fs::File>>),
    Mbtiles(rusqlite::Connection),
}

impl Sink {
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
            .center_zoom(min_zoom.max(max_zoom.saturating_sub(3)))
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
                    min_zoom.max(max_zoom.saturating_sub(3))
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
