//! CSV files as Excel, databases and police systems write them.
//!
//! Read with the `csv` crate, not GDAL, so that the dialect can be detected
//! and reported: the delimiter (`,` `;` tab `|`) from the header line, the
//! encoding (UTF-8 with or without BOM, else Windows-1252 as Excel writes
//! it), and the decimal separator from the values. Line ends may be LF or
//! CRLF. A `wkt` (or `geometry`) column holds geometry as WKT; otherwise
//! positions come from `x`/`y` or `lon`/`lat` columns, which the reader
//! handles.

use super::{Decimal, Record, Source, Table, Value};
use crate::config::CsvDialect;
use crate::error::FieldError;
use crate::IngestError;
use std::path::PathBuf;

/// A CSV file with its dialect (each part `None` is detected).
pub struct CsvFile {
    layer: &'static str,
    path: PathBuf,
    dialect: CsvDialect,
}

impl CsvFile {
    pub fn new(layer: &'static str, path: PathBuf, dialect: CsvDialect) -> Self {
        CsvFile {
            layer,
            path,
            dialect,
        }
    }
}

/// Column names that hold WKT geometry.
const WKT_COLUMNS: [&str; 2] = ["wkt", "geometry"];

impl Source for CsvFile {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn open(&self) -> Result<Table, IngestError> {
        let read_error = |message: String| IngestError::Read {
            layer: self.layer,
            path: self.path.clone(),
            message,
        };
        let bytes = std::fs::read(&self.path).map_err(|e| IngestError::Open {
            layer: self.layer,
            path: self.path.clone(),
            message: crate::error::io_reason(&e),
        })?;
        let mut notes = Vec::new();
        let text = decode(&bytes, self.dialect.encoding.as_deref()).map_err(read_error)?;
        if let Some(note) = text.1 {
            notes.push(format!("{}: {note}", self.path.display()));
        }
        let text = text.0;
        let delimiter = self
            .dialect
            .delimiter
            .unwrap_or_else(|| detect_delimiter(text.lines().next().unwrap_or("")));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter as u8)
            .flexible(true)
            .from_reader(text.as_bytes());
        let fields: Vec<String> = reader
            .headers()
            .map_err(|e| read_error(format!("de kopregel kan niet gelezen worden: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let wkt = fields
            .iter()
            .position(|f| WKT_COLUMNS.iter().any(|w| f.eq_ignore_ascii_case(w)));

        let mut rows: Vec<Result<csv::StringRecord, FieldError>> = Vec::new();
        // Where the last record starts, to see whether a quote in it runs
        // to the end of the file.
        let mut last_start = None;
        // Where each record starts: the reader skips blank lines, and a
        // quoted value may span lines, so the record's number alone would
        // send an analyst to the wrong line of the file.
        let mut lines = Vec::new();
        for row in reader.records() {
            let position = match &row {
                Ok(r) => r.position(),
                Err(e) => e.position(),
            };
            lines.push(position.map_or(0, |p| start_line(&text, p)));
            last_start = position.map(|p| (p.byte() as usize, start_line(&text, p)));
            rows.push(
                row.map_err(|e| FieldError::record(format!("is geen geldige CSV-regel: {e}"))),
            );
        }
        // Only worth saying where it differs from the record's number.
        if lines.iter().enumerate().all(|(i, &l)| l == i as u64 + 2) {
            lines.clear();
        }
        let decimal = match self.dialect.decimal {
            Some(',') => Decimal::Comma,
            Some(_) => Decimal::Point,
            None => detect_decimal(delimiter, rows.iter().filter_map(|r| r.as_ref().ok())),
        };
        if decimal == Decimal::Comma && self.dialect.decimal.is_none() {
            notes.push(format!(
                "{}: getallen met decimale komma gelezen (scheidingsteken '{}')",
                self.path.display(),
                delimiter.escape_default()
            ));
        }

        // A quote that never closes swallows the rest of the file into one
        // field of the last record, whatever its field count: the quotes of
        // a closed record pair up. The records it swallowed are lost, so
        // the file fails rather than one record.
        if let (Some(Ok(row)), Some((byte, line))) = (rows.last(), last_start) {
            let raw = text.get(byte..).unwrap_or_default();
            let spans_lines = row.iter().any(|v| v.contains('\n'));
            if spans_lines && raw.matches('"').count() % 2 == 1 {
                return Err(read_error(format!(
                    "rij {} (regel {line}): een aanhalingsteken sluit nergens, zodat de rest van het bestand ({} regels) als één veld is gelezen; sluit het aanhalingsteken",
                    rows.len(),
                    raw.lines().count().saturating_sub(1)
                )));
            }
        }
        let records = rows
            .into_iter()
            .map(|row| {
                let row = row?;
                if row.len() != fields.len() {
                    return Err(FieldError::record(format!(
                        "heeft {} velden waar de kopregel er {} heeft",
                        row.len(),
                        fields.len()
                    )));
                }
                let geometry = match wkt.map(|i| row[i].trim()).filter(|w| !w.is_empty()) {
                    Some(text) => Some(
                        parse_wkt(text)
                            .map_err(|e| FieldError::field(&fields[wkt.unwrap_or(0)], e))?,
                    ),
                    None => None,
                };
                let values = row
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let v = v.trim();
                        (Some(i) != wkt && !v.is_empty()).then(|| Value::Text(v.to_string()))
                    })
                    .collect();
                Ok(Record { values, geometry })
            })
            .collect();
        Ok(Table {
            fields,
            has_geometry: wkt.is_some(),
            crs: None,
            decimal,
            records,
            notes,
            name_limit: None,
            lines,
        })
    }
}

/// The text of the file, and a note when it was not plain UTF-8.
fn decode(bytes: &[u8], label: Option<&str>) -> Result<(String, Option<String>), String> {
    // Excel's "Unicode text" is UTF-16 with a byte-order mark.
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err(format!("is geen geldige {}-tekst", encoding.name()));
            }
            return Ok((text.into_owned(), None));
        }
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(label) = label {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| format!("tekenset '{label}' is onbekend"))?;
        let (text, _, had_errors) = encoding.decode(bytes);
        if had_errors {
            return Err(format!("is geen geldige {label}-tekst"));
        }
        return Ok((text.into_owned(), None));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), None)),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((
                text.into_owned(),
                Some("geen UTF-8; gelezen als Windows-1252 (zoals Excel schrijft)".into()),
            ))
        }
    }
}

/// The line a record starts on: the reader's position is where it began
/// to read, before the blank lines it skipped.
fn start_line(text: &str, at: &csv::Position) -> u64 {
    let mut rest = text
        .as_bytes()
        .get(at.byte() as usize..)
        .unwrap_or_default();
    let mut line = at.line();
    while let Some(next) = rest
        .strip_prefix(b"\r\n")
        .or_else(|| rest.strip_prefix(b"\n"))
    {
        line += 1;
        rest = next;
    }
    line
}

/// The delimiter that splits the header line into the most columns.
fn detect_delimiter(header: &str) -> char {
    let mut best = (',', 0);
    for d in [',', ';', '\t', '|'] {
        let mut in_quotes = false;
        let n = header
            .chars()
            .filter(|&c| {
                if c == '"' {
                    in_quotes = !in_quotes;
                }
                c == d && !in_quotes
            })
            .count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// A decimal comma when the delimiter is not a comma and, in the first
/// 1000 records, more values are numbers with one (`12,5`, `-0,75`,
/// `1.612,5`) than with a decimal point that cannot be a thousands group
/// (`12.5`, `0.732`): a single stray value does not decide for the file.
fn detect_decimal<'a>(
    delimiter: char,
    rows: impl Iterator<Item = &'a csv::StringRecord>,
) -> Decimal {
    if delimiter == ',' {
        return Decimal::Point;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let comma_number = |v: &str| match v.split_once(',') {
        Some((int, frac)) => {
            !int.is_empty() && digits(frac) && int.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        }
        None => false,
    };
    // `1.612` may be either; `12.5` and `0.732` only a decimal point.
    let point_number = |v: &str| match v.split_once('.') {
        Some((int, frac)) => {
            digits(int)
                && digits(frac)
                && (frac.len() != 3 || int.len() > 3 || int.starts_with('0'))
        }
        None => false,
    };
    let (mut commas, mut points) = (0usize, 0usize);
    for value in rows.take(1000).flat_map(|row| row.iter()) {
        let v = value.trim().trim_start_matches(['-', '+']);
        commas += usize::from(comma_number(v));
        points += usize::from(point_number(v));
    }
    if commas > points {
        Decimal::Comma
    } else {
        Decimal::Point
    }
}

fn parse_wkt(text: &str) -> Result<geo::Geometry, String> {
    let geometry = gdal::vector::Geometry::from_wkt(text)
        .map_err(|_| format!("'{}' is geen geldige WKT{}", shorten(text), wkt_hint(text)))?;
    super::to_geo(&geometry).map_err(|e| format!("'{}': {e}", shorten(text)))
}

/// What a text that is not WKT most likely is, for the message.
fn wkt_hint(text: &str) -> &'static str {
    let t = text.trim();
    if t.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("SRID=")) {
        " (EWKT van PostGIS: laat `SRID=…;` weg en zet `crs` bij de laag)"
    } else if !t.is_empty() && t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit())
    {
        " (hexadecimale WKB: exporteer als WKT, bijvoorbeeld met ST_AsText)"
    } else {
        ""
    }
}

/// At most 60 characters of `s`, for messages.
pub(crate) fn shorten(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_in_two_dimensions_without_curves_or_empties() {
        assert_eq!(
            parse_wkt("POINT Z (150000 400000 3)").unwrap(),
            geo::Geometry::Point(geo::point!(x: 150000.0, y: 400000.0))
        );
        let err = parse_wkt("POINT EMPTY").unwrap_err();
        assert!(err.ends_with("POINT is leeg"), "{err}");
        let err = parse_wkt("CIRCULARSTRING (0 0, 1 1, 2 0)").unwrap_err();
        assert!(err.contains("boogvormig"), "{err}");
        let err = parse_wkt("POINT (1").unwrap_err();
        assert!(err.contains("geen geldige WKT"), "{err}");
    }

    #[test]
    fn records_keep_the_line_they_start_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let open = |text: &str| {
            std::fs::write(&path, text).unwrap();
            CsvFile::new("dumpingen", path.clone(), CsvDialect::default())
                .open()
                .unwrap()
        };
        // Header line 1; a blank line 3; a value over lines 5 and 6.
        let t = open("id,note\na,1\n\nb,2\nc,\"two\nlines\"\nd,4\n");
        assert_eq!(t.records.len(), 4);
        assert_eq!(t.lines, [2, 4, 5, 7]);
        // The same with Windows line ends.
        let t = open("id,note\r\na,1\r\n\r\n\r\nb,2\r\n");
        assert_eq!(t.lines, [2, 5]);
        // Nothing to say when every record is on the line after the last.
        assert!(open("id,note\na,1\nb,2\n").lines.is_empty());
    }

    #[test]
    fn delimiter_from_header() {
        assert_eq!(detect_delimiter("a,b,c"), ',');
        assert_eq!(detect_delimiter("a;b;c"), ';');
        assert_eq!(detect_delimiter("a\tb"), '\t');
        assert_eq!(detect_delimiter("\"a;b\",c"), ',');
    }

    #[test]
    fn decimal_comma_only_beside_another_delimiter() {
        let rows = [csv::StringRecord::from(vec!["RWZI-01", "249,6"])];
        assert_eq!(detect_decimal(';', rows.iter()), Decimal::Comma);
        assert_eq!(detect_decimal(',', rows.iter()), Decimal::Point);
        let rows = [csv::StringRecord::from(vec!["RWZI-01", "249.6"])];
        assert_eq!(detect_decimal(';', rows.iter()), Decimal::Point);
        // One stray value does not decide for the file.
        let rows = [
            csv::StringRecord::from(vec!["RWZI-01", "249.6"]),
            csv::StringRecord::from(vec!["RWZI-01", "2,900"]),
            csv::StringRecord::from(vec!["RWZI-01", "0.731"]),
        ];
        assert_eq!(detect_decimal(';', rows.iter()), Decimal::Point);
        let rows = [
            csv::StringRecord::from(vec!["RWZI-01", "249,6", "1.612"]),
            csv::StringRecord::from(vec!["RWZI-01", "12,5", "0.5"]),
        ];
        assert_eq!(detect_decimal(';', rows.iter()), Decimal::Comma);
    }

    #[test]
    fn utf16_with_bom() {
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a;b".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&bytes, None).unwrap().0, "a;b");
    }

    #[test]
    fn windows_1252_and_bom() {
        let (text, note) = decode(b"\xEF\xBB\xBFnaam\nBeek", None).unwrap();
        assert_eq!((text.as_str(), note), ("naam\nBeek", None));
        let (text, note) = decode(b"naam\nZo\xEBn", None).unwrap();
        assert_eq!(text, "naam\nZoën");
        assert!(note.is_some());
    }
}
