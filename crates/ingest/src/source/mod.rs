//! Where a layer's records come from.
//!
//! A [`Source`] opens into a [`Table`]: column names, the CRS of its
//! geometry and its records with values typed as the source typed them. The
//! reader (`crate::reader`) validates records the same way whatever their
//! source, so a new kind of source (a WFS, a PostGIS table) is one new file
//! here and one arm in [`open`].
//!
//! - [`gdal_file`]: any vector format GDAL reads (GeoPackage, Shapefile,
//!   GeoJSON, FlatGeobuf, …);
//! - [`csv_file`]: CSV through the `csv` crate, with its dialect (delimiter,
//!   decimal separator, encoding) detected or configured;
//! - [`ogcapi`]: an OGC API Features collection over HTTP, kept locally.

pub mod csv_file;
pub mod gdal_file;
pub mod ogcapi;

use crate::error::FieldError;
use crate::{IngestError, LayerSource};
use chrono::{NaiveDate, NaiveDateTime};
use gdal::spatial_ref::SpatialRef;

/// A value as the source typed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Real(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

impl Value {
    /// The value as text, the way a user would write it.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => f.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

/// One record: values in the order of [`Table::fields`], geometry in the
/// table's CRS.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub values: Vec<Option<Value>>,
    pub geometry: Option<geo::Geometry>,
}

/// How numbers written as text separate their decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decimal {
    #[default]
    Point,
    /// `12,5`; a `.` may then group thousands (`1.612,5`).
    Comma,
}

/// An opened source.
pub struct Table {
    pub fields: Vec<String>,
    /// True when records carry geometry of their own (not x/y columns).
    pub has_geometry: bool,
    /// The CRS of the geometry, when the source says.
    pub crs: Option<SpatialRef>,
    /// How numbers written as text separate their decimals.
    pub decimal: Decimal,
    /// Every record, in source order; a record the source could not decode
    /// is an error naming the field.
    pub records: Vec<Result<Record, FieldError>>,
    /// Things the user should know about the source (Dutch).
    pub notes: Vec<String>,
    /// The longest field name the format holds, when it cuts longer ones
    /// (a Shapefile's DBF: 10 bytes): a column is then also found by the
    /// first bytes of its name.
    pub name_limit: Option<usize>,
    /// The file line each record starts on, where it is not simply its
    /// number plus the header's (a CSV with blank lines or line breaks in
    /// quotes); empty for sources without lines.
    pub lines: Vec<u64>,
}

/// An OGR geometry as geo's, in two dimensions: heights and measures (a
/// BAG footprint with z = 0, a PolygonZ from CAD) are dropped.
pub(crate) fn to_geo(g: &gdal::vector::Geometry) -> Result<geo::Geometry, String> {
    use gdal::vector::{geometry_type_has_m, geometry_type_has_z};
    let name = g.geometry_name();
    // Checked first: GDAL converts `POINT EMPTY` to a point at (0, 0).
    if g.is_empty() {
        return Err(format!("{name} is leeg"));
    }
    let kind = g.geometry_type();
    let converted = if geometry_type_has_z(kind) || geometry_type_has_m(kind) {
        let mut flat = g.clone();
        flat.flatten_to_2d();
        flat.to_geo()
    } else {
        g.to_geo()
    };
    converted.map_err(|_| {
        if curved(kind) {
            format!("{name} is boogvormig; zet bogen om met `ogr2ogr -nlt CONVERT_TO_LINEAR`")
        } else {
            format!(
                "{name} wordt niet ondersteund (wel punten, lijnen, vlakken en hun verzamelingen, \
                 zonder lege delen)"
            )
        }
    })
}

/// True for OGR's curved geometry types, which geo cannot hold.
fn curved(kind: gdal::vector::OGRwkbGeometryType::Type) -> bool {
    use gdal::vector::{geometry_type_flatten, OGRwkbGeometryType as T};
    matches!(
        geometry_type_flatten(kind),
        T::wkbCircularString
            | T::wkbCompoundCurve
            | T::wkbCurvePolygon
            | T::wkbMultiCurve
            | T::wkbMultiSurface
            | T::wkbCurve
            | T::wkbSurface
    )
}

/// A delimited text file, read by [`csv_file`] rather than GDAL (whose
/// CSV driver knows no decimal comma nor Windows-1252): `.csv`, `.tsv`,
/// and `.txt` as Excel saves "Text (tab delimited)".
pub(crate) fn is_delimited_text(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["csv", "tsv", "txt"]
            .iter()
            .any(|t| e.eq_ignore_ascii_case(t))
    })
}

/// Opens a layer's records.
pub trait Source {
    /// A path or URL, for messages.
    fn name(&self) -> String;
    fn open(&self) -> Result<Table, IngestError>;
}

/// What a source may need beyond the layer's own settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// The study area's bounding box in RD New, `[xmin, ymin, xmax, ymax]`,
    /// once the municipalities are read: a remote source fetches only this.
    pub study_area_rd: Option<[f64; 4]>,
}

/// A CSV dialect set for a source that is not a CSV file would be ignored
/// without a word.
fn csv_only(layer: &'static str, source: &LayerSource, name: &str) -> Result<(), IngestError> {
    if source.csv == crate::config::CsvDialect::default() {
        return Ok(());
    }
    Err(IngestError::Setting {
        layer,
        message: format!(
            "`csv` geldt alleen voor een CSV-bestand, en {name} is er geen (het wordt via GDAL of de API gelezen); haal `csv` weg"
        ),
    })
}

/// The settings of `layer` that can be checked without reading it: its
/// file exists, and `layer` and `csv` are set only where they apply.
/// [`open`] checks the same; [`crate::ingest`] checks every layer first, so
/// a typo in the last layer is not found after the first ones are read.
pub(crate) fn check_settings(layer: &'static str, source: &LayerSource) -> Result<(), IngestError> {
    match (&source.path, &source.url) {
        (Some(path), _) => {
            if !path.exists() {
                return Err(IngestError::NotFound {
                    layer,
                    path: path.clone(),
                });
            }
            if layer == "satelliet" {
                return Ok(());
            }
            if is_delimited_text(path) {
                return match &source.layer {
                    Some(name) => Err(IngestError::Setting {
                        layer,
                        message: format!(
                            "`layer = \"{name}\"` geldt niet voor een CSV-bestand, dat maar één tabel heeft; haal `layer` weg"
                        ),
                    }),
                    None => Ok(()),
                };
            }
            csv_only(layer, source, &path.display().to_string())
        }
        (None, Some(url)) => csv_only(layer, source, url),
        (None, None) => Err(IngestError::Open {
            layer,
            path: "".into(),
            message: "`path` of `url` ontbreekt".into(),
        }),
    }
}

/// The source for a layer's settings: a CSV file, any other file GDAL
/// reads, or an OGC API Features URL.
pub fn open(
    layer: &'static str,
    source: &LayerSource,
    context: &Context,
) -> Result<Box<dyn Source>, IngestError> {
    check_settings(layer, source)?;
    match (&source.path, &source.url) {
        (Some(path), _) if is_delimited_text(path) => Ok(Box::new(csv_file::CsvFile::new(
            layer,
            path.clone(),
            source.csv.clone(),
        ))),
        (Some(path), _) => Ok(Box::new(gdal_file::GdalFile::new(
            layer,
            path.clone(),
            source.layer.clone(),
        ))),
        (None, Some(url)) => Ok(Box::new(ogcapi::OgcApi::new(
            layer,
            url.clone(),
            source.http.clone(),
            source.cache_dir.clone(),
            context.study_area_rd,
        ))),
        (None, None) => Err(IngestError::Open {
            layer,
            path: "".into(),
            message: "`path` of `url` ontbreekt".into(),
        }),
    }
}
