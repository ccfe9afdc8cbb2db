//! `satelliet`: a folder of GeoTIFF tiles holding an anomaly band.
//!
//! Each tile's metadata is kept here: footprint (in RD New, for the
//! R-tree), size, nodata and the band's scale and offset. Its pixels are
//! read once to check their range (GDAL's cached statistics can be stale,
//! and a truncated file fails only when read); scoring warps them onto
//! its grid.

use crate::crs::{in_netherlands, srs_from_epsg, Transformer, RD_NEW};
use crate::source::Context;
use crate::{IngestError, IngestReport, LayerSource, Rejection};
use chrono::NaiveDate;
use gdal::{Dataset, Metadata};
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
    /// The band's scale and offset (GDAL metadata, as QGIS applies them):
    /// a stored pixel `v` is the anomaly `v · scale + offset` in °C, so a
    /// packed Int16 in hundredths of a degree reads as degrees.
    pub scale: f64,
    pub offset: f64,
    /// Acquisition date: GDAL metadata (`ACQUISITIONDATE`,
    /// `TIFFTAG_DATETIME`), else a `YYYYMMDD` or `YYYY-MM-DD` in the file
    /// name. `None` when neither says: such a tile may show the future to a
    /// model fitted on the past.
    pub datum: Option<NaiveDate>,
}

const LAYER: &str = "satelliet";
/// Points per tile edge when the footprint is transformed.
const EDGE_POINTS: usize = 16;
/// An anomaly beyond this many degrees is not a land-surface temperature
/// anomaly: the tile holds something else (a photo, a temperature in K).
const MAX_ANOMALY_C: f64 = 60.0;

/// The smallest and largest stored value of `band`, nodata and NaN left
/// out, read strip by strip; `None` when no pixel holds a value.
fn stored_range(
    band: &gdal::raster::RasterBand,
    nodata: Option<f64>,
) -> gdal::errors::Result<Option<(f64, f64)>> {
    /// Pixels read at a time.
    const STRIP_PIXELS: usize = 1 << 22;
    let (w, h) = band.size();
    // Compared in the band's own type, as GDAL does: a Float32 nodata
    // written as `-3.40282346639e+038` is not the f32's exact value.
    let float32 = band.band_type() == gdal::raster::GdalDataType::Float32;
    let is_nodata = |v: f64| {
        nodata.is_some_and(|nd| match float32 {
            true => v as f32 == nd as f32,
            false => v == nd,
        })
    };
    let block_rows = band.block_size().1.max(1);
    let rows = (STRIP_PIXELS / w.max(1)).max(1).div_ceil(block_rows) * block_rows;
    let mut range: Option<(f64, f64)> = None;
    for y in (0..h).step_by(rows) {
        let n = rows.min(h - y);
        let strip = band.read_as::<f64>((0, y as isize), (w, n), (w, n), None)?;
        for &v in strip.data() {
            if v.is_nan() || is_nodata(v) {
                continue;
            }
            range = Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
        }
    }
    Ok(range)
}

/// Reads the GeoTIFFs of the folder in name order; row *N* in messages is
/// the *N*-th of them.
pub fn read(
    source: &LayerSource,
    _context: &Context,
    report: &mut IngestReport,
) -> Result<Vec<SatellietTegel>, IngestError> {
    report.start(LAYER);
    let dir = source.path.clone().unwrap_or_default();
    if !dir.exists() {
        return Err(IngestError::NotFound {
            layer: LAYER,
            path: dir,
        });
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| IngestError::Read {
        layer: LAYER,
        path: dir.clone(),
        message: format!(
            "de map kan niet gelezen worden: {}",
            crate::error::io_reason(&e)
        ),
    })?;
    let (hidden, mut paths): (Vec<PathBuf>, Vec<PathBuf>) = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"))
        })
        // macOS leaves `._name.tif` beside every file it copies.
        .partition(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        });
    paths.sort();
    if !hidden.is_empty() {
        report.note(format!(
            "laag `satelliet`: {} verborgen bestand(en) overgeslagen (zoals {}; macOS legt `._…` naast gekopieerde bestanden)",
            hidden.len(),
            hidden[0].display()
        ));
    }
    if paths.is_empty() {
        report.note(format!(
            "laag `satelliet`: {} bevat geen GeoTIFF (.tif/.tiff); de satellietindicator is overal 0",
            dir.display()
        ));
    }

    let mut tiles = Vec::new();
    // Each tile's pixels are read: on both cores, reported in name order.
    let read: Vec<_> = {
        use rayon::prelude::*;
        paths.par_iter().map(|p| read_tile(p)).collect()
    };
    for (i, (path, result)) in paths.iter().zip(read).enumerate() {
        match result {
            Ok((tile, notes)) => {
                for note in notes {
                    report.note(format!("{} rij {}: {note}", path.display(), i + 1));
                }
                report.accept();
                tiles.push(tile);
            }
            Err((field, message)) => report.reject(Rejection {
                layer: LAYER,
                file: path.clone(),
                row: i as u64 + 1,
                line: None,
                field: Some(field.to_string()),
                message,
            }),
        }
    }
    if !tiles.is_empty() && tiles.iter().all(|t| t.datum.is_none()) {
        report.note(
            "laag `satelliet`: geen enkele tegel heeft een opnamedatum (metadata of JJJJMMDD in de bestandsnaam); \
             een model dat op het verleden wordt getoetst kan dan latere beelden zien"
                .into(),
        );
    }
    Ok(tiles)
}

type TileError = (&'static str, String);

fn read_tile(path: &Path) -> Result<(SatellietTegel, Vec<String>), TileError> {
    let mut notes = Vec::new();
    // GDAL calls an unreadable or empty file unrecognised.
    match std::fs::metadata(path).and_then(|m| std::fs::File::open(path).map(|_| m)) {
        Err(e) => return Err(("bestand", crate::error::io_reason(&e))),
        Ok(m) if m.len() == 0 => return Err(("bestand", "is leeg (0 bytes)".into())),
        Ok(_) => {}
    }
    let dataset = Dataset::open(path).map_err(|e| {
        (
            "bestand",
            format!(
                "GDAL herkent het niet als raster{}",
                crate::crs::gdal_detail(&e)
            ),
        )
    })?;
    match dataset.raster_count() {
        0 => return Err(("band", "heeft geen rasterband".into())),
        1 => {}
        n => {
            return Err((
                "band",
                format!("heeft {n} banden; een anomalietegel heeft er één (de anomalie in °C) — een kleurenfoto of multispectraal beeld?"),
            ))
        }
    }
    let srs = dataset.spatial_ref().map_err(|_| {
        (
            "georeferentie",
            "heeft geen CRS (niet gegeorefereerd); geef de tegel het zijne, bijvoorbeeld met `gdal_translate -a_srs EPSG:28992`".to_string(),
        )
    })?;
    let gt = dataset.geo_transform().map_err(|_| {
        (
            "georeferentie",
            "heeft geen geotransformatie (niet gegeorefereerd)".to_string(),
        )
    })?;
    if gt == [0.0, 1.0, 0.0, 0.0, 0.0, 1.0] {
        return Err((
            "georeferentie",
            "heeft de identieke geotransformatie (niet gegeorefereerd)".into(),
        ));
    }
    let (w, h) = dataset.raster_size();
    let band = dataset
        .rasterband(1)
        .map_err(|e| ("band", format!("band 1 kan niet gelezen worden: {e}")))?;
    let (scale, offset) = (band.scale().unwrap_or(1.0), band.offset().unwrap_or(0.0));
    if !(scale.is_finite() && scale != 0.0 && offset.is_finite()) {
        return Err((
            "band",
            format!("heeft schaal {scale} en verschuiving {offset}; geen geldige omrekening"),
        ));
    }
    if (scale, offset) != (1.0, 0.0) {
        notes.push(format!(
            "pixelwaarden omgerekend met schaal {scale} en verschuiving {offset} (uit de metadata van de band)"
        ));
    }
    let kind = band.band_type();
    // Unsigned values hold a negative anomaly only with a negative offset
    // or scale.
    if !kind.is_signed() && !kind.is_floating() && offset >= 0.0 && scale > 0.0 {
        return Err((
            "band",
            format!(
                "heeft het type {} zonder teken en geen negatieve verschuiving of schaal; een anomalie kan negatief zijn (°C als Float32 of Int16)",
                kind.name()
            ),
        ));
    }
    let nodata = band.no_data_value();
    if nodata.is_none() && !kind.is_floating() {
        notes.push("heeft geen nodata-waarde: elke pixel telt als meting".into());
    }
    let range = stored_range(&band, nodata).map_err(|e| {
        (
            "band",
            format!(
                "de pixels kunnen niet gelezen worden (beschadigd of afgebroken bestand?){}",
                crate::crs::gdal_detail(&e)
            ),
        )
    })?;
    let (min, max) = match range {
        Some((lo, hi)) => {
            let (a, b) = (lo * scale + offset, hi * scale + offset);
            (a.min(b), a.max(b))
        }
        None => {
            notes.push(
                "heeft geen enkele geldige pixel (alles nodata: geheel bewolkt?); de tegel draagt niets bij".into(),
            );
            (0.0, 0.0)
        }
    };
    let extreme = min.abs().max(max.abs());
    if extreme > MAX_ANOMALY_C {
        return Err((
            "band",
            format!(
                "waarden van {min:.2} tot {max:.2} zijn geen temperatuuranomalie in °C (verwacht binnen ±{MAX_ANOMALY_C})"
            ),
        ));
    }

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
    let rd = srs_from_epsg(RD_NEW).map_err(|e| ("georeferentie", e.to_string()))?;
    Transformer::new(&srs, &rd)
        .and_then(|t| t.transform(&mut xs, &mut ys))
        .map_err(|e| {
            (
                "georeferentie",
                format!("kan niet naar RD New getransformeerd worden: {e}"),
            )
        })?;
    if let Some((x, y)) = xs.iter().zip(&ys).find(|(&x, &y)| !in_netherlands(x, y)) {
        return Err((
            "georeferentie",
            format!("de tegel ligt (deels) buiten Nederland: RD ({x:.0}, {y:.0})"),
        ));
    }
    let ring: LineString = xs.into_iter().zip(ys).collect::<Vec<_>>().into();
    let datum = acquisition_date(&dataset, path).map_err(|e| ("opnamedatum", e))?;
    Ok((
        SatellietTegel {
            path: path.to_path_buf(),
            footprint: Polygon::new(ring, vec![]),
            size: (w, h),
            nodata,
            scale,
            offset,
            datum,
        },
        notes,
    ))
}

/// The acquisition date from the metadata, else from the file name. A
/// date item that holds no date is an error: taking the tile as undated
/// would hide a typo behind the note that no tile has a date.
fn acquisition_date(dataset: &Dataset, path: &Path) -> Result<Option<NaiveDate>, String> {
    for key in ["ACQUISITIONDATE", "ACQUISITION_DATE", "DATE_ACQUIRED"] {
        if let Some(v) = dataset.metadata_item(key, "") {
            return date_in(&v).map(Some).ok_or_else(|| {
                format!("metadata {key} = '{v}' is geen datum (JJJJ-MM-DD, JJJJ:MM:DD of JJJJMMDD)")
            });
        }
    }
    // Written by any TIFF software, not only for acquisitions: used when
    // it reads as a date, passed over when not.
    let tiff = dataset
        .metadata_item("TIFFTAG_DATETIME", "")
        .and_then(|v| date_in(&v));
    Ok(tiff.or_else(|| date_in(&path.file_stem()?.to_string_lossy())))
}

/// The first `YYYY-MM-DD`, `YYYY:MM:DD` or `YYYYMMDD` date in `text`.
fn date_in(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let rest = &text[i..];
        let digit = |k: usize| bytes.get(i + k).is_some_and(u8::is_ascii_digit);
        // Not in the middle of a longer number.
        if i > 0 && bytes[i - 1].is_ascii_digit() {
            return None;
        }
        if (0..4).all(digit) && matches!(bytes.get(i + 4), Some(b'-' | b':')) {
            let s = rest.get(..10)?.replace(':', "-");
            return NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        }
        if (0..8).all(digit) && !digit(8) {
            return NaiveDate::parse_from_str(rest.get(..8)?, "%Y%m%d").ok();
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_names_and_metadata() {
        let d = NaiveDate::from_ymd_opt(2026, 7, 14);
        assert_eq!(date_in("S2_T31UFT_20260714_anomalie"), d);
        assert_eq!(date_in("lst-2026-07-14"), d);
        assert_eq!(date_in("2026:07:14 10:31:00"), d);
        assert_eq!(date_in("S2_T31UFT_oost"), None);
        assert_eq!(date_in("tile_120260714"), None);
    }

    #[test]
    fn an_acquisition_date_that_is_no_date_is_an_error() {
        use gdal::Metadata;
        let dir = tempfile::tempdir().unwrap();
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let path = dir.path().join("S2_20260714_oost.tif");
        let mut ds = driver
            .create_with_band_type::<f32, _>(&path, 4, 4, 1)
            .unwrap();
        assert_eq!(
            acquisition_date(&ds, &path),
            Ok(NaiveDate::from_ymd_opt(2026, 7, 14))
        );
        ds.set_metadata_item("ACQUISITIONDATE", "2026-13-01", "")
            .unwrap();
        let err = acquisition_date(&ds, &path).unwrap_err();
        assert!(
            err.contains("ACQUISITIONDATE = '2026-13-01' is geen datum"),
            "{err}"
        );
        ds.set_metadata_item("ACQUISITIONDATE", "2026-06-30", "")
            .unwrap();
        assert_eq!(
            acquisition_date(&ds, &path),
            Ok(NaiveDate::from_ymd_opt(2026, 6, 30))
        );
    }

    /// Int16 hundredths of a degree: their scale makes them degrees, and
    /// the range check looks at the degrees.
    #[test]
    fn a_band_scale_and_offset_are_kept_and_checked() {
        use gdal::raster::Buffer;
        let dir = tempfile::tempdir().unwrap();
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let write = |name: &str, scale: Option<f64>| {
            let path = dir.path().join(name);
            let mut ds = driver
                .create_with_band_type::<i16, _>(&path, 10, 10, 1)
                .unwrap();
            ds.set_geo_transform(&[150_000.0, 10.0, 0.0, 400_100.0, 0.0, -10.0])
                .unwrap();
            ds.set_spatial_ref(&srs_from_epsg(RD_NEW).unwrap()).unwrap();
            let mut band = ds.rasterband(1).unwrap();
            band.set_no_data_value(Some(-32768.0)).unwrap();
            if let Some(scale) = scale {
                band.set_scale(scale).unwrap();
            }
            let raw: Vec<i16> = (0..100).map(|i| (i * 10 - 500) as i16).collect();
            band.write((0, 0), (10, 10), &mut Buffer::new((10, 10), raw))
                .unwrap();
            path
        };
        let (tile, notes) = read_tile(&write("honderdsten.tif", Some(0.01))).unwrap();
        assert_eq!((tile.scale, tile.offset), (0.01, 0.0));
        assert!(notes.iter().any(|n| n.contains("schaal 0.01")), "{notes:?}");

        let (field, message) = read_tile(&write("zonder_schaal.tif", None)).unwrap_err();
        assert_eq!(field, "band");
        assert!(
            message.contains("waarden van -500.00 tot 490.00"),
            "{message}"
        );

        let (_, message) = read_tile(&write("schaal_nul.tif", Some(0.0))).unwrap_err();
        assert!(message.contains("schaal 0"), "{message}");
    }
}
