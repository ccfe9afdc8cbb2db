//! Reads any vector file GDAL/OGR can open into validated records.
//!
//! Layers call [`read_layer`] with the columns they need and a function that
//! turns one [`Row`] into a record; the reader checks the columns, brings
//! geometry to RD New, and turns a failed row into a [`Rejection`].

use crate::crs::{in_netherlands, srs_from_definition, srs_from_epsg, Transformer, RD_NEW, WGS84};
use crate::error::FieldError;
use crate::{IngestError, IngestReport, LayerSource, Rejection};
use chrono::NaiveDate;
use gdal::vector::LayerAccess;
use gdal::Dataset;
use geo::{BoundingRect, Geometry, MultiPolygon, Point};

/// Where a layer's positions come from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Positions {
    /// The features' own geometry.
    Geometry,
    /// `x`/`y` columns (RD New unless the source says otherwise).
    XyColumns,
    /// `lon`/`lat` columns (WGS84 unless the source says otherwise).
    LonLatColumns,
    /// No geometry at all (a plain table).
    None,
}

/// What a layer needs from its file.
pub(crate) struct Schema {
    pub layer: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    pub needs_geometry: bool,
}

/// One feature of the file, with its values by project column name.
pub(crate) struct Row {
    values: Vec<(&'static str, Option<String>)>,
    geometry: Option<Geometry>,
}

impl Row {
    /// The trimmed value of a column, `None` when absent or empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(name, _)| *name == column)
            .and_then(|(_, v)| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, column: &str) -> Result<&str, FieldError> {
        self.get(column)
            .ok_or_else(|| FieldError::field(column, "is empty"))
    }

    pub fn f64(&self, column: &str) -> Result<f64, FieldError> {
        parse_f64(column, self.required(column)?)
    }

    pub fn opt_f64(&self, column: &str) -> Result<Option<f64>, FieldError> {
        self.get(column).map(|v| parse_f64(column, v)).transpose()
    }

    pub fn opt_i64(&self, column: &str) -> Result<Option<i64>, FieldError> {
        self.get(column)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| FieldError::field(column, format!("'{v}' is not a whole number")))
            })
            .transpose()
    }

    pub fn date(&self, column: &str) -> Result<NaiveDate, FieldError> {
        let v = self.required(column)?;
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| FieldError::field(column, format!("'{v}' is not a date (YYYY-MM-DD)")))
    }

    /// The feature's geometry in RD New.
    pub fn geometry(&self) -> Result<&Geometry, FieldError> {
        self.geometry
            .as_ref()
            .ok_or_else(|| FieldError::field("geometry", "is empty"))
    }

    /// The geometry as (multi)polygon.
    pub fn multipolygon(&self) -> Result<MultiPolygon, FieldError> {
        match self.geometry()? {
            Geometry::Polygon(p) => Ok(MultiPolygon::new(vec![p.clone()])),
            Geometry::MultiPolygon(mp) => Ok(mp.clone()),
            other => Err(FieldError::field(
                "geometry",
                format!("expected a polygon, found a {}", geometry_kind(other)),
            )),
        }
    }

    /// The geometry as a point.
    pub fn point(&self) -> Result<Point, FieldError> {
        match self.geometry()? {
            Geometry::Point(p) => Ok(*p),
            Geometry::MultiPoint(mp) if mp.0.len() == 1 => Ok(mp.0[0]),
            other => Err(FieldError::field(
                "geometry",
                format!("expected a point, found a {}", geometry_kind(other)),
            )),
        }
    }
}

fn parse_f64(column: &str, v: &str) -> Result<f64, FieldError> {
    v.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .ok_or_else(|| FieldError::field(column, format!("'{v}' is not a number")))
}

fn geometry_kind(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) => "line",
        Geometry::Polygon(_) => "polygon",
        Geometry::MultiPoint(_) => "multipoint",
        Geometry::MultiLineString(_) => "multiline",
        Geometry::MultiPolygon(_) => "multipolygon",
        Geometry::GeometryCollection(_) => "geometry collection",
        Geometry::Rect(_) => "rectangle",
        Geometry::Triangle(_) => "triangle",
    }
}

/// Reads every feature of `source` and parses it with `parse`.
///
/// A missing required column fails the layer; a row that `parse` or the
/// geometry check rejects is reported and left out.
pub(crate) fn read_layer<T>(
    schema: &Schema,
    source: &LayerSource,
    report: &mut IngestReport,
    mut parse: impl FnMut(&Row) -> Result<T, FieldError>,
) -> Result<Vec<T>, IngestError> {
    let path = &source.path;
    report.start(schema.layer);
    let dataset = Dataset::open(path).map_err(|e| IngestError::Open {
        path: path.clone(),
        source: e,
    })?;
    let mut layer = dataset.layer(0).map_err(|e| IngestError::Read {
        path: path.clone(),
        message: format!("no vector layer: {e}"),
    })?;

    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let find = |column: &str| -> Option<usize> {
        let wanted = source.column(column);
        field_names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(wanted))
    };
    let missing = |column: &str| IngestError::MissingColumn {
        path: path.clone(),
        layer: schema.layer,
        column: source.column(column).to_string(),
        present: field_names.join(", "),
    };

    let has_geometry_field = layer.defn().geom_fields().count() > 0;
    let positions = if !schema.needs_geometry {
        Positions::None
    } else if find("x").is_some() && find("y").is_some() {
        Positions::XyColumns
    } else if find("lon").is_some() && find("lat").is_some() {
        Positions::LonLatColumns
    } else if has_geometry_field {
        Positions::Geometry
    } else {
        return Err(missing("x"));
    };

    let mut columns: Vec<(&'static str, Option<usize>)> = Vec::new();
    for &column in schema.required {
        columns.push((column, Some(find(column).ok_or_else(|| missing(column))?)));
    }
    for &column in schema.optional {
        columns.push((column, find(column)));
    }
    let coordinate_columns: [&'static str; 2] = match positions {
        Positions::XyColumns => ["x", "y"],
        Positions::LonLatColumns => ["lon", "lat"],
        _ => ["", ""],
    };
    for column in coordinate_columns.into_iter().filter(|c| !c.is_empty()) {
        columns.push((column, find(column)));
    }

    let crs_error = |message: String| IngestError::Crs {
        path: path.clone(),
        message,
    };
    let to_rd = match positions {
        Positions::None => None,
        _ => {
            let from = match (&source.crs, positions) {
                (Some(def), _) => srs_from_definition(def)
                    .map_err(|e| crs_error(format!("crs `{def}` is not known to GDAL: {e}")))?,
                (None, Positions::XyColumns) => {
                    srs_from_epsg(RD_NEW).map_err(|e| crs_error(e.to_string()))?
                }
                (None, Positions::LonLatColumns) => {
                    srs_from_epsg(WGS84).map_err(|e| crs_error(e.to_string()))?
                }
                (None, _) => layer.spatial_ref().ok_or_else(|| {
                    crs_error(
                        "the file has no CRS; set `crs` for this layer in the project file".into(),
                    )
                })?,
            };
            let is_rd = from.auth_code().ok() == Some(RD_NEW as i32);
            let rd = srs_from_epsg(RD_NEW).map_err(|e| crs_error(e.to_string()))?;
            if is_rd {
                None
            } else {
                Some(
                    Transformer::new(&from, &rd)
                        .map_err(|e| crs_error(format!("no transform to RD New: {e}")))?,
                )
            }
        }
    };

    let mut records = Vec::new();
    for (i, feature) in layer.features().enumerate() {
        let number = i as u64 + 1;
        let values: Vec<(&'static str, Option<String>)> = columns
            .iter()
            .map(|&(name, idx)| {
                let value = idx.and_then(|idx| feature.field_as_string(idx).ok().flatten());
                (name, value)
            })
            .collect();
        let mut row = Row {
            values,
            geometry: None,
        };
        let result =
            read_geometry(&row, positions, feature.geometry(), to_rd.as_ref()).and_then(|g| {
                row.geometry = g;
                parse(&row)
            });
        match result {
            Ok(record) => {
                records.push(record);
                report.accept();
            }
            Err(e) => report.reject(Rejection {
                layer: schema.layer,
                file: path.clone(),
                row: number,
                field: e.field.map(|f| source.column(&f).to_string()),
                message: e.message,
            }),
        }
    }
    Ok(records)
}

/// The row's geometry in RD New, checked to lie in the Netherlands.
fn read_geometry(
    row: &Row,
    positions: Positions,
    feature_geometry: Option<&gdal::vector::Geometry>,
    to_rd: Option<&Transformer>,
) -> Result<Option<Geometry>, FieldError> {
    let (mut geometry, field) = match positions {
        Positions::None => return Ok(None),
        Positions::Geometry => {
            let g = feature_geometry.ok_or_else(|| FieldError::field("geometry", "is empty"))?;
            let g = g
                .to_geo()
                .map_err(|e| FieldError::field("geometry", format!("cannot be read: {e}")))?;
            (g, "geometry")
        }
        Positions::XyColumns | Positions::LonLatColumns => {
            let [cx, cy] = if positions == Positions::XyColumns {
                ["x", "y"]
            } else {
                ["lon", "lat"]
            };
            let x = row.f64(cx)?;
            let y = row.f64(cy)?;
            (Geometry::Point(Point::new(x, y)), cx)
        }
    };
    if let Some(t) = to_rd {
        t.geometry(&mut geometry).map_err(|e| {
            FieldError::field(field, format!("cannot be transformed to RD New: {e}"))
        })?;
    }
    let bbox = geometry
        .bounding_rect()
        .ok_or_else(|| FieldError::field(field, "is empty"))?;
    if !in_netherlands(bbox.min().x, bbox.min().y) || !in_netherlands(bbox.max().x, bbox.max().y) {
        return Err(FieldError::field(
            field,
            format!(
                "coordinates ({:.1}, {:.1}) in RD New lie outside the Netherlands; wrong CRS or swapped columns?",
                bbox.min().x,
                bbox.min().y
            ),
        ));
    }
    Ok(Some(geometry))
}
