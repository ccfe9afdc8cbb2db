//! Turns a source's records into validated records of one layer.
//!
//! Layers call [`read_layer`] with the columns they need and a function that
//! turns one [`Row`] into a record; the reader checks the columns, brings
//! geometry to RD New, validates it, keeps ids unique and turns a failed row
//! into a [`Rejection`]. Messages are Dutch: analysts read them.

use crate::crs::{in_netherlands, srs_from_definition, srs_from_epsg, Transformer, RD_NEW, WGS84};
use crate::error::{row_label, FieldError};
use crate::source::{self, Context, Decimal, Value};
use crate::{IngestError, IngestReport, LayerSource, Rejection};
use chrono::{Datelike, NaiveDate};
use geo::{CoordsIter, Geometry, MultiPolygon, Point};
use std::collections::HashMap;

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

/// What a layer needs from its source.
pub(crate) struct Schema {
    pub layer: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// Optional columns another source supplies when they are absent (the
    /// join table's vacancy): not named as missing.
    pub supplied: &'static [&'static str],
    pub needs_geometry: bool,
    /// The column whose values must be unique in the layer.
    pub unique: Option<Id>,
}

/// A layer's id column and how its values are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Id {
    pub column: &'static str,
    pub form: IdForm,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum IdForm {
    /// Taken as written.
    Text,
    /// A BAG identificatie: 16 digits, the first four the municipality's
    /// code. Stored as a number (a GeoPackage's integer, a column Excel
    /// took for one) it lost its leading zeros, which are put back.
    Bag,
}

impl Id {
    pub const fn text(column: &'static str) -> Id {
        Id {
            column,
            form: IdForm::Text,
        }
    }

    pub const fn bag(column: &'static str) -> Id {
        Id {
            column,
            form: IdForm::Bag,
        }
    }
}

/// The length of a BAG identificatie.
const BAG_DIGITS: usize = 16;

/// `raw` as a BAG identificatie, its leading zeros put back when it was
/// stored as a number: 13 to 15 digits with no leading zero (the shortest
/// is municipality 0003's, `3100000…`), padded to 16. `None` when it is
/// written in full or is no number at all.
fn bag_padded(raw: &str) -> Option<String> {
    let digits = raw.len() >= BAG_DIGITS - 3
        && raw.len() < BAG_DIGITS
        && !raw.starts_with('0')
        && raw.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| format!("{raw:0>BAG_DIGITS$}"))
}

/// The text of an id value. A real number is refused unless it is whole
/// and exact: above 2⁵³ a double rounds, so two ids could become one.
fn id_text(value: &Value) -> Result<String, String> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2⁵³
    match value {
        // 2⁵³ itself is also what 2⁵³ + 1 rounds to.
        Value::Real(f) if f.fract() == 0.0 && f.abs() < EXACT => Ok(format!("{}", *f as i64)),
        Value::Real(f) => Err(format!(
            "'{f}' is als kommagetal opgeslagen en dus afgerond; sla de kolom op als tekst"
        )),
        other => Ok(other.to_text()),
    }
}

/// One record of the source, with its values by project column name.
pub(crate) struct Row<'a> {
    values: Vec<(&'static str, Option<Value>, String)>,
    geometry: Option<Geometry>,
    decimal: Decimal,
    date_format: Option<&'a str>,
}

impl Row<'_> {
    /// The trimmed text of a column, `None` when absent or empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(name, _, _)| *name == column)
            .map(|(_, _, text)| text.trim())
            .filter(|v| !v.is_empty())
    }

    fn value(&self, column: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(name, _, _)| *name == column)
            .and_then(|(_, v, _)| v.as_ref())
    }

    pub fn required(&self, column: &str) -> Result<&str, FieldError> {
        self.get(column)
            .ok_or_else(|| FieldError::field(column, "is leeg"))
    }

    pub fn f64(&self, column: &str) -> Result<f64, FieldError> {
        self.opt_f64(column)?
            .ok_or_else(|| FieldError::field(column, "is leeg"))
    }

    pub fn opt_f64(&self, column: &str) -> Result<Option<f64>, FieldError> {
        let number = match self.value(column) {
            None => return Ok(None),
            Some(Value::Real(f)) => Some(*f),
            Some(Value::Integer(i)) => Some(*i as f64),
            Some(Value::Text(t)) if t.trim().is_empty() => return Ok(None),
            Some(Value::Text(t)) => parse_number(t.trim(), self.decimal),
            Some(_) => None,
        };
        match number {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(FieldError::field(column, self.not_a_number(column))),
        }
    }

    fn not_a_number(&self, column: &str) -> String {
        let v = self.get(column).unwrap_or("");
        match self.decimal {
            Decimal::Comma if v.contains('.') && !v.contains(',') => format!(
                "'{v}' is geen getal: dit bestand gebruikt een decimale komma (zet `csv.decimal = \".\"` als dat niet klopt)"
            ),
            _ => format!("'{v}' is geen getal"),
        }
    }

    pub fn opt_i64(&self, column: &str) -> Result<Option<i64>, FieldError> {
        match self.value(column) {
            None => Ok(None),
            Some(Value::Integer(i)) => Ok(Some(*i)),
            Some(Value::Real(f)) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(Some(*f as i64)),
            Some(_) => {
                let v = self.get(column).unwrap_or("");
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse::<i64>()
                    .map(Some)
                    .map_err(|_| FieldError::field(column, format!("'{v}' is geen geheel getal")))
            }
        }
    }

    /// A date, whatever type the source gave the field: a date, a date and
    /// time, or text as `YYYY-MM-DD`, `YYYY/MM/DD`, `D-M-YYYY`, an ISO date
    /// and time, or the layer's `date_format`.
    pub fn date(&self, column: &str) -> Result<NaiveDate, FieldError> {
        let typed = match self.value(column) {
            Some(Value::Date(d)) => Some(*d),
            Some(Value::DateTime(dt)) => Some(dt.date()),
            _ => None,
        };
        match typed {
            Some(d) if four_digit_year(d) => Ok(d),
            Some(d) => Err(FieldError::field(
                column,
                format!("{d} ligt buiten de jaren 1000 tot 9999"),
            )),
            None => {
                let v = self.required(column)?;
                parse_date(v, self.date_format).ok_or_else(|| {
                    let expected = match self.date_format {
                        Some(f) => format!("volgens date_format \"{f}\""),
                        None => "(JJJJ-MM-DD)".into(),
                    };
                    let hint = match self.date_format.is_none() && short_year(v) {
                        true => ": een jaar hoort vier cijfers te hebben (of zet `date_format`, bijvoorbeeld \"%d-%m-%y\")",
                        false => "",
                    };
                    FieldError::field(column, format!("'{v}' is geen datum {expected}{hint}"))
                })
            }
        }
    }

    /// A date, or `None` when the column is absent or empty.
    pub fn opt_date(&self, column: &str) -> Result<Option<NaiveDate>, FieldError> {
        if self.value(column).is_none() || self.get(column).is_none() {
            return Ok(None);
        }
        self.date(column).map(Some)
    }

    /// The record's geometry in RD New.
    pub fn geometry(&self) -> Result<&Geometry, FieldError> {
        self.geometry
            .as_ref()
            .ok_or_else(|| FieldError::field("geometry", "is leeg"))
    }

    /// The geometry as (multi)polygon.
    pub fn multipolygon(&self) -> Result<MultiPolygon, FieldError> {
        match self.geometry()? {
            Geometry::Polygon(p) => Ok(MultiPolygon::new(vec![p.clone()])),
            Geometry::MultiPolygon(mp) => Ok(mp.clone()),
            other => Err(FieldError::field(
                "geometry",
                format!("is een {}, geen vlak", geometry_kind(other)),
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
                format!("is een {}, geen punt", geometry_kind(other)),
            )),
        }
    }
}

/// A number written as text with `decimal` as its decimal separator. With a
/// decimal comma a `.` may group thousands (`1.612,5`), nothing else.
fn parse_number(v: &str, decimal: Decimal) -> Option<f64> {
    match decimal {
        Decimal::Point => v.parse().ok(),
        Decimal::Comma => {
            let (int, frac) = v.split_once(',').unwrap_or((v, ""));
            let digits = int.trim_start_matches(['-', '+']);
            let grouped = digits.contains('.');
            if grouped {
                // Thousands groups: 1-3 digits, not led by a zero (`0.732`
                // is a decimal point, not 732), then groups of exactly 3.
                let mut groups = digits.split('.');
                let first_ok = groups
                    .next()
                    .is_some_and(|g| (1..=3).contains(&g.len()) && !g.starts_with('0'));
                if !first_ok || !groups.all(|g| g.len() == 3) {
                    return None;
                }
            }
            let int = int.replace('.', "");
            let text = if frac.is_empty() {
                int
            } else {
                format!("{int}.{frac}")
            };
            text.parse().ok()
        }
    }
}

/// A date written as text. `%Y` takes a year of any length, so `7-1-25`
/// would be the year 25: a year outside 1000–9999 is no year written in
/// full, and is refused (a pattern with `%y` reads two digits as 19xx or
/// 20xx).
///
/// ```text
/// 2024-12-09, 2024/12/09, 9-12-2024, 2024-12-09T10:00  → 9 December 2024
/// 07-01-25, 1-1-1                                       → refused
/// ```
fn parse_date(v: &str, format: Option<&str>) -> Option<NaiveDate> {
    // An ISO date and time: take the date part as written.
    let date_part = v.split(['T', ' ']).next().unwrap_or(v);
    match format {
        // The layer's own pattern, else only ISO (never day-month guesses
        // beside a pattern that says month-day).
        Some(f) => NaiveDate::parse_from_str(v, f)
            .or_else(|_| NaiveDate::parse_from_str(date_part, "%Y-%m-%d"))
            .ok(),
        None => ["%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(date_part, f).ok()),
    }
    .filter(|&d| four_digit_year(d))
}

/// A year written in four digits, 1000 to 9999: `%Y` also reads `25` or
/// `+262142`, years no record carries and whose arithmetic overflows.
pub fn four_digit_year(d: NaiveDate) -> bool {
    (1000..=9999).contains(&d.year())
}

/// Day, month and a year of one or two digits (`7-1-25`, `07/01/25`).
fn short_year(v: &str) -> bool {
    let parts: Vec<&str> = v.trim().split(['-', '/', '.']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

fn geometry_kind(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "punt",
        Geometry::Line(_) | Geometry::LineString(_) => "lijn",
        Geometry::Polygon(_) => "vlak",
        Geometry::MultiPoint(_) => "multipunt",
        Geometry::MultiLineString(_) => "multilijn",
        Geometry::MultiPolygon(_) => "multivlak",
        Geometry::GeometryCollection(_) => "geometrieverzameling",
        Geometry::Rect(_) => "rechthoek",
        Geometry::Triangle(_) => "driehoek",
    }
}

/// True when `field` is how GDAL's Shapefile writer names a second field
/// whose name starts like `wanted`, cut at `limit` bytes: the first
/// `limit - 2` bytes and `_1`…`_9`, or `limit - 3` and `_10`…`_99`.
fn renamed_cut(field: &str, wanted: &str, limit: usize) -> bool {
    let (f, w) = (field.as_bytes(), wanted.as_bytes());
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    f.len() == limit
        && w.len() >= limit
        && (2..=3).any(|n| {
            let stem = limit - n;
            f[..stem].eq_ignore_ascii_case(&w[..stem]) && f[stem] == b'_' && digits(&f[stem + 1..])
        })
}

/// Every key of the layer's `columns` is a column the layer reads: a
/// misspelt one would otherwise leave its column unread without a word.
pub(crate) fn check_columns(schema: &Schema, source: &LayerSource) -> Result<(), IngestError> {
    let positions: &[&str] = if schema.needs_geometry {
        &["x", "y", "lon", "lat"]
    } else {
        &[]
    };
    let known = || {
        schema
            .required
            .iter()
            .chain(schema.optional)
            .chain(positions)
    };
    match source.columns.keys().find(|key| !known().any(|k| k == key)) {
        None => Ok(()),
        Some(key) => {
            Err(IngestError::Setting {
                layer: schema.layer,
                message: format!(
                "`columns` noemt `{key}`, maar deze laag leest geen kolom met die naam (wel: {})",
                known().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
            })
        }
    }
}

/// Reads every record of `source` and parses it with `parse`.
///
/// A missing file or required column fails the layer; a row that `parse` or
/// the checks reject is reported and left out.
pub(crate) fn read_layer<T>(
    schema: &Schema,
    source: &LayerSource,
    context: &Context,
    report: &mut IngestReport,
    mut parse: impl FnMut(&Row) -> Result<T, FieldError>,
) -> Result<Vec<T>, IngestError> {
    check_columns(schema, source)?;
    let name = source.name();
    let path = std::path::PathBuf::from(&name);
    report.start(schema.layer);
    let table = source::open(schema.layer, source, context)?.open()?;
    for note in &table.notes {
        report.note(note.clone());
    }
    // An empty GeoJSON has no columns to check; a CSV header does.
    if table.records.is_empty() && table.fields.is_empty() {
        report.note(format!(
            "laag `{}`: {name} bevat geen records",
            schema.layer
        ));
        return Ok(Vec::new());
    }

    // The fields a name too long for the format may have become: its cut,
    // and the cuts GDAL renamed (`oppervlakte_max` → `oppervla_1` beside
    // `oppervlakt`). With more than one, only `columns` can say which.
    let cuts = |column: &str| -> Vec<usize> {
        let wanted = source.column(column);
        let Some(limit) = table.name_limit.filter(|&l| wanted.len() > l) else {
            return Vec::new();
        };
        let Some(cut) = wanted.get(..limit) else {
            return Vec::new();
        };
        (0..table.fields.len())
            .filter(|&i| {
                let f = &table.fields[i];
                f.eq_ignore_ascii_case(cut) || renamed_cut(f, wanted, limit)
            })
            .collect()
    };
    let find = |column: &str| -> Option<usize> {
        let wanted = source.column(column);
        // The exact name before one that differs in case only (`datum`
        // beside `Datum`).
        let named = |name: &str| {
            let fields = || table.fields.iter();
            fields()
                .position(|n| n == name)
                .or_else(|| fields().position(|n| n.eq_ignore_ascii_case(name)))
        };
        named(wanted).or_else(|| match cuts(column).as_slice() {
            // The plain cut, not a lone renamed one (whose first is gone).
            &[only] => table
                .name_limit
                .and_then(|l| wanted.get(..l))
                .filter(|cut| table.fields[only].eq_ignore_ascii_case(cut))
                .map(|_| only),
            _ => None,
        })
    };
    let ambiguous = |column: &str| -> Option<String> {
        let cuts = cuts(column);
        (cuts.len() > 1).then(|| {
            cuts.iter()
                .map(|&i| format!("`{}`", table.fields[i]))
                .collect::<Vec<_>>()
                .join(" of ")
        })
    };
    let missing = |column: &str| match ambiguous(column) {
        Some(candidates) => IngestError::AmbiguousColumn {
            path: path.clone(),
            layer: schema.layer,
            column: source.column(column).to_string(),
            candidates,
        },
        None => IngestError::MissingColumn {
            path: path.clone(),
            layer: schema.layer,
            column: source.column(column).to_string(),
            present: table.fields.join(", "),
        },
    };

    // A file with geometry of its own keeps it: attribute columns that
    // happen to be called x/y never replace it.
    let positions = if !schema.needs_geometry {
        Positions::None
    } else if table.has_geometry {
        Positions::Geometry
    } else if find("x").is_some() && find("y").is_some() {
        Positions::XyColumns
    } else if find("lon").is_some() && find("lat").is_some() {
        Positions::LonLatColumns
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
    match positions {
        Positions::XyColumns => columns.extend([("x", find("x")), ("y", find("y"))]),
        Positions::LonLatColumns => columns.extend([("lon", find("lon")), ("lat", find("lat"))]),
        _ => {}
    }
    // An optional column under another name would otherwise be left out
    // without a word: say which were not found.
    let absent: Vec<String> = schema
        .optional
        .iter()
        .filter(|&&c| !schema.supplied.contains(&c) && find(c).is_none())
        .map(|&c| match ambiguous(c) {
            Some(candidates) => format!("`{}` (niet eenduidig: {candidates})", source.column(c)),
            None => format!("`{}`", source.column(c)),
        })
        .collect();
    if !absent.is_empty() {
        report.note(format!(
            "laag `{}`: {name} heeft geen {} {} (optioneel; koppel een andere naam via `columns`)",
            schema.layer,
            if absent.len() == 1 {
                "kolom"
            } else {
                "kolommen"
            },
            absent.join(", ")
        ));
    }
    for &(column, index) in &columns {
        let (wanted, field) = (source.column(column), index.map(|i| &table.fields[i]));
        if let Some(field) = field.filter(|f| !f.eq_ignore_ascii_case(wanted)) {
            report.note(format!(
                "laag `{}`: kolom `{wanted}` gelezen uit `{field}` (een Shapefile kort kolomnamen in tot {} tekens)",
                schema.layer,
                table.name_limit.unwrap_or_default()
            ));
        }
    }

    let to_rd = transform_to_rd(schema.layer, source, &path, positions, &table)?;
    if table.records.is_empty() {
        report.note(format!(
            "laag `{}`: {name} bevat geen records",
            schema.layer
        ));
    }

    let mut records = Vec::new();
    let mut seen: HashMap<String, (u64, Option<u64>)> = HashMap::new();
    let mut padded = 0u64;
    let lines = table.lines;
    for (i, record) in table.records.into_iter().enumerate() {
        let number = i as u64 + 1;
        let line = lines.get(i).copied().filter(|&l| l > 0);
        let result = record.and_then(|record| {
            let values = columns
                .iter()
                .map(|&(name, idx)| {
                    let value = idx.and_then(|idx| record.values.get(idx).cloned().flatten());
                    let text = match (&value, schema.unique) {
                        (Some(v), Some(id)) if id.column == name => {
                            let text = id_text(v).map_err(|e| FieldError::field(name, e))?;
                            match bag_padded(text.trim()).filter(|_| id.form == IdForm::Bag) {
                                Some(full) => {
                                    padded += 1;
                                    full
                                }
                                None => text,
                            }
                        }
                        (v, _) => v.as_ref().map(Value::to_text).unwrap_or_default(),
                    };
                    Ok((name, value, text))
                })
                .collect::<Result<_, FieldError>>()?;
            let mut row = Row {
                values,
                geometry: None,
                decimal: table.decimal,
                date_format: source.date_format.as_deref(),
            };
            let (geometry, repaired) =
                read_geometry(&row, positions, record.geometry, to_rd.as_ref())?;
            row.geometry = geometry;
            let parsed = parse(&row)?;
            if let Some(Id { column, .. }) = schema.unique {
                let id = row.required(column)?.to_string();
                if let Some(&(row, line)) = seen.get(&id) {
                    return Err(FieldError::field(
                        column,
                        format!(
                            "'{id}' komt twee keer voor (eerst in {})",
                            row_label(row, line)
                        ),
                    ));
                }
                seen.insert(id, (number, line));
            }
            Ok((parsed, repaired))
        });
        match result {
            Ok((record, repaired)) => {
                if let Some(message) = repaired {
                    report.note(format!(
                        "{name} {}, veld `geometry`: {message}",
                        row_label(number, line)
                    ));
                }
                records.push(record);
                report.accept();
            }
            Err(e) => report.reject(Rejection {
                layer: schema.layer,
                file: path.clone(),
                row: number,
                line,
                field: e.field.map(|f| match f.as_str() {
                    "geometry" => f,
                    _ => source.column(&f).to_string(),
                }),
                message: e.message,
            }),
        }
    }
    if padded > 0 {
        report.note(format!(
            "laag `{}`: {padded} waarde(n) van `{}` van 13 tot 15 cijfers aangevuld met voorloopnullen tot de 16 van een BAG-identificatie (als getal opgeslagen verliest een id zijn voorloopnullen)",
            schema.layer,
            schema.unique.map_or("", |id| source.column(id.column))
        ));
    }
    Ok(records)
}

/// The transform from the layer's CRS to RD New, `None` when it is RD New.
fn transform_to_rd(
    layer: &'static str,
    source: &LayerSource,
    path: &std::path::Path,
    positions: Positions,
    table: &source::Table,
) -> Result<Option<Transformer>, IngestError> {
    let crs_error = |message: String| IngestError::Crs {
        layer,
        path: path.to_path_buf(),
        message,
    };
    let epsg = |code| srs_from_epsg(code).map_err(|e| crs_error(e.to_string()));
    let from =
        match (&source.crs, positions) {
            (_, Positions::None) => return Ok(None),
            (Some(def), _) => srs_from_definition(def).map_err(|_| {
                crs_error(format!(
                    "crs `{def}` is onbekend bij GDAL (schrijf bijvoorbeeld \"EPSG:28992\")"
                ))
            })?,
            (None, Positions::LonLatColumns) => epsg(WGS84)?,
            (None, Positions::XyColumns) => epsg(RD_NEW)?,
            (None, Positions::Geometry) => match &table.crs {
                Some(crs) => crs.clone(),
                // WKT in a CSV file without a stated CRS is RD New, as x/y are.
                None if source::is_delimited_text(path) => epsg(RD_NEW)?,
                None => return Err(crs_error(
                    "het bestand noemt geen CRS; zet `crs` voor deze laag in het projectbestand"
                        .into(),
                )),
            },
        };
    if from.auth_code().ok() == Some(RD_NEW as i32) {
        return Ok(None);
    }
    let rd = srs_from_epsg(RD_NEW).map_err(|e| crs_error(e.to_string()))?;
    Transformer::new(&from, &rd)
        .map(Some)
        .map_err(|e| crs_error(format!("geen transformatie naar RD New: {e}")))
}

/// The row's geometry in RD New, checked: every coordinate finite before and
/// inside the Netherlands after the transform; polygons valid, or repaired
/// (with a note) when GDAL's MakeValid can.
fn read_geometry(
    row: &Row,
    positions: Positions,
    source_geometry: Option<Geometry>,
    to_rd: Option<&Transformer>,
) -> Result<(Option<Geometry>, Option<String>), FieldError> {
    let (mut geometry, field) = match positions {
        Positions::None => return Ok((None, None)),
        Positions::Geometry => (
            source_geometry.ok_or_else(|| FieldError::field("geometry", "is leeg"))?,
            "geometry",
        ),
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
    if geometry.coords_count() == 0 {
        return Err(FieldError::field(field, "is leeg"));
    }
    if let Some((k, c)) = geometry
        .coords_iter()
        .enumerate()
        .find(|(_, c)| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err(FieldError::field(
            field,
            format!(
                "hoekpunt {} heeft een ongeldige coördinaat ({}, {})",
                k + 1,
                c.x,
                c.y
            ),
        ));
    }
    if let Some(t) = to_rd {
        let first = geometry.coords_iter().next();
        // PROJ refuses coordinates beyond its CRS's range: most often RD
        // metres in a file that claims (or defaults to) degrees.
        t.geometry(&mut geometry).map_err(|_| {
            let (x, y) = first.map_or((f64::NAN, f64::NAN), |c| (c.x, c.y));
            let rd = if in_netherlands(x, y) {
                // RD metres read as degrees lie far outside PROJ's range.
                "; dit zijn RD New-coördinaten: zet `crs = \"EPSG:28992\"` bij de laag"
            } else {
                "; verkeerde CRS of verwisselde kolommen?"
            };
            FieldError::field(
                field,
                format!(
                    "kan niet van de CRS van de bron naar RD New (eerste hoekpunt ({x:.1}, {y:.1})){rd}"
                ),
            )
        })?;
    }
    if let Some((k, c)) = geometry
        .coords_iter()
        .enumerate()
        .find(|(_, c)| !in_netherlands(c.x, c.y))
    {
        let point = if geometry.coords_count() > 1 {
            format!("hoekpunt {} ", k + 1)
        } else {
            String::new()
        };
        return Err(FieldError::field(
            field,
            format!(
                "{point}ligt in RD New op ({:.1}, {:.1}), buiten Nederland; verkeerde CRS of verwisselde kolommen?",
                c.x, c.y
            ),
        ));
    }
    let repaired =
        crate::validate::polygons(&mut geometry).map_err(|e| FieldError::field(field, e))?;
    Ok((Some(geometry), repaired))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_cut_of_the_same_name_is_seen() {
        assert!(renamed_cut("oppervla_1", "oppervlakte", 10));
        assert!(renamed_cut("OPPERVL_12", "oppervlakte", 10));
        assert!(!renamed_cut("oppervlakt", "oppervlakte", 10));
        assert!(!renamed_cut("leegstand", "leegstand_datum", 10));
        assert!(!renamed_cut("leegstand_", "leegstand_datum", 10));
        assert!(!renamed_cut("oppervla_x", "oppervlakte", 10));
    }

    #[test]
    fn numbers_in_both_dialects() {
        assert_eq!(parse_number("12.5", Decimal::Point), Some(12.5));
        assert_eq!(parse_number("12,5", Decimal::Point), None);
        assert_eq!(parse_number("12,5", Decimal::Comma), Some(12.5));
        assert_eq!(parse_number("-0,75", Decimal::Comma), Some(-0.75));
        assert_eq!(parse_number("1.612,5", Decimal::Comma), Some(1612.5));
        assert_eq!(parse_number("1.612", Decimal::Comma), Some(1612.0));
        assert_eq!(parse_number("155000", Decimal::Comma), Some(155000.0));
        assert_eq!(parse_number("0.732", Decimal::Comma), None);
        assert_eq!(parse_number("0.500", Decimal::Comma), None);
        // A decimal point in a decimal-comma file is an error, not 125.
        assert_eq!(parse_number("12.5", Decimal::Comma), None);
        assert_eq!(parse_number("1.61,5", Decimal::Comma), None);
    }

    #[test]
    fn dates_in_the_usual_ways() {
        let d = NaiveDate::from_ymd_opt(2024, 12, 9);
        assert_eq!(parse_date("2024-12-09", None), d);
        assert_eq!(parse_date("2024/12/09", None), d);
        assert_eq!(parse_date("9-12-2024", None), d);
        assert_eq!(parse_date("2024-12-09T10:15:00Z", None), d);
        assert_eq!(parse_date("12/09/2024", Some("%m/%d/%Y")), d);
        assert_eq!(parse_date("2025-13-45", None), None);
        // `%Y` reads any number of digits: a short year is no year.
        for short in [
            "07-01-25",
            "7-1-25",
            "25-01-07",
            "+262142-12-31",
            "1-1-1",
            "31-12-99",
            "0099-12-31",
        ] {
            assert_eq!(parse_date(short, None), None, "{short}");
        }
        assert_eq!(parse_date("9-12-24", Some("%d-%m-%y")), d);
        assert!(short_year("07-01-25") && short_year("7/1/25") && !short_year("9-12-2024"));
        assert_eq!(parse_date("12/09/2024", None), None);
        // Beside a pattern, ISO still reads; a day-month guess does not.
        assert_eq!(parse_date("2024-12-09", Some("%m/%d/%Y")), d);
        assert_eq!(parse_date("9-12-2024", Some("%m/%d/%Y")), None);
    }
}
