//! `satelliet`: a folder of GeoTIFF tiles holding an anomaly band.
//!
//! Only the tiles' metadata is read here: footprint (in RD New, for the
//! R-tree), size and nodata. Scoring warps the pixels onto its grid.

use crate::crs::{in_netherlands, srs_from_epsg, Transformer, RD_NEW};
use crate::{IngestError, IngestReport, LayerSource, Rejection};
use gdal::Dataset;
use geo::{LineString, Polygon};
use std::path::{Path, PathBuf};

/// One satellite tile.
#[derive(Debug, Clone)]
pub struct SatellietTegel {
    pub path: PathBuf,
    /// The tile's outline in RD New (edges densified, so a UTM tile's
    /// slightly curved outline is followed).
    pub footprint: Polygon,
    pub size: (usize, usize),
    pub nodata: Option<f64>,
}

const LAYER: &str = "satelliet";
/// Points per tile edge when the footprint is transformed.
const EDGE_POINTS: usize = 16;

pub fn read(
    source: &LayerSource,
    report: &mut IngestReport,
) -> Result<Vec<SatellietTegel>, IngestError> {
    report.start(LAYER);
    let dir = &source.path;
    let entries = std::fs::read_dir(dir).map_err(|e| IngestError::Read {
        path: dir.clone(),
        message: format!("cannot list the satellite folder: {e}"),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"))
        })
        .collect();
    paths.sort();

    let mut tiles = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        match read_tile(path) {
            Ok(tile) => {
                report.accept();
                tiles.push(tile);
            }
            Err((field, message)) => report.reject(Rejection {
                layer: LAYER,
                file: path.clone(),
                row: i as u64 + 1,
                field: Some(field.to_string()),
                message,
            }),
        }
    }
    Ok(tiles)
}

fn read_tile(path: &Path) -> Result<SatellietTegel, (&'static str, String)> {
    let dataset = Dataset::open(path).map_err(|e| ("file", format!("GDAL cannot open it: {e}")))?;
    if dataset.raster_count() == 0 {
        return Err(("band", "has no raster band".into()));
    }
    let srs = dataset
        .spatial_ref()
        .map_err(|_| ("georeference", "has no CRS (not georeferenced)".to_string()))?;
    let gt = dataset.geo_transform().map_err(|_| {
        (
            "georeference",
            "has no geotransform (not georeferenced)".to_string(),
        )
    })?;
    if gt == [0.0, 1.0, 0.0, 0.0, 0.0, 1.0] {
        return Err((
            "georeference",
            "has the identity geotransform (not georeferenced)".into(),
        ));
    }
    let (w, h) = dataset.raster_size();
    let band = dataset
        .rasterband(1)
        .map_err(|e| ("band", format!("band 1 cannot be read: {e}")))?;
    let nodata = band.no_data_value();

    // Walk the outline in pixel space, then to the tile CRS, then to RD.
    let (wf, hf) = (w as f64, h as f64);
    let mut pixel_ring: Vec<(f64, f64)> = Vec::with_capacity(4 * EDGE_POINTS + 1);
    for k in 0..EDGE_POINTS {
        pixel_ring.push((wf * k as f64 / EDGE_POINTS as f64, 0.0));
    }
    for k in 0..EDGE_POINTS {
        pixel_ring.push((wf, hf * k as f64 / EDGE_POINTS as f64));
    }
    for k in 0..EDGE_POINTS {
        pixel_ring.push((wf * (1.0 - k as f64 / EDGE_POINTS as f64), hf));
    }
    for k in 0..EDGE_POINTS {
        pixel_ring.push((0.0, hf * (1.0 - k as f64 / EDGE_POINTS as f64)));
    }
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = pixel_ring
        .iter()
        .map(|&(px, py)| {
            (
                gt[0] + px * gt[1] + py * gt[2],
                gt[3] + px * gt[4] + py * gt[5],
            )
        })
        .unzip();
    let rd = srs_from_epsg(RD_NEW).map_err(|e| ("georeference", e.to_string()))?;
    Transformer::new(&srs, &rd)
        .and_then(|t| t.transform(&mut xs, &mut ys))
        .map_err(|e| {
            (
                "georeference",
                format!("cannot be transformed to RD New: {e}"),
            )
        })?;
    if !xs.iter().zip(&ys).all(|(&x, &y)| in_netherlands(x, y)) {
        return Err((
            "georeference",
            "the tile lies (partly) outside the Netherlands".into(),
        ));
    }
    let ring: LineString = xs.into_iter().zip(ys).collect::<Vec<_>>().into();
    Ok(SatellietTegel {
        path: path.to_path_buf(),
        footprint: Polygon::new(ring, vec![]),
        size: (w, h),
        nodata,
    })
}
