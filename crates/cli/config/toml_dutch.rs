//! A project-file error as an analyst reads it: the line, a mark under the
//! spot, and the reason in Dutch. The TOML parser and serde word their
//! reasons in English in a few fixed forms; those are put into Dutch, and a
//! reason of another form (the project's own checks are Dutch already) is
//! passed on as it is.

use std::fmt::Write as _;

/// Where a missing key was looked for, when the span shows the section.
const SECTION: &str = " in de sectie die hier begint";

/// The message for `error` in `text`; `syntax` when the text is not valid
/// TOML at all (rather than a setting of the wrong kind).
pub fn message(text: &str, error: &toml::de::Error, syntax: bool) -> String {
    let reason = error.message().trim();
    let reason = if syntax {
        format!("geen geldige TOML ({})", syntax_reason(reason))
    } else {
        setting_reason(reason)
    };
    // A span at the very start (or over the whole file) is the root's: a
    // top-level key is missing, and line 1 (often a comment) is not where.
    let Some(span) = error
        .span()
        .filter(|s| !(s.start == 0 && (s.end == 0 || s.end >= text.len())))
    else {
        return reason.replace(SECTION, " in het projectbestand");
    };
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let source = text[line_start..line_end].trim_end_matches('\r');
    let width = text[start..span.end.clamp(start, line_end)]
        .chars()
        .count()
        .max(1);
    // Tabs kept, so the mark stands under the spot however tabs are shown.
    let indent: String = text[line_start..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let mut s = format!("regel {line}, kolom {column}: {reason}");
    let _ = write!(s, "\n  {source}\n  {indent}{}", "^".repeat(width));
    s
}

/// The parser's reasons that an analyst can act on, in Dutch.
fn syntax_reason(reason: &str) -> String {
    // The message may go on with ", expected …"; its start is the reason.
    for (english, dutch) in [
        ("duplicate key", "deze sleutel staat er al eerder"),
        (
            "string values must be quoted",
            "tekst hoort tussen aanhalingstekens",
        ),
        (
            "missing opening quote",
            "hier ontbreekt een aanhalingsteken",
        ),
        (
            "invalid basic string",
            "tekst zonder afsluitend aanhalingsteken",
        ),
        (
            "invalid multi-line basic string",
            "tekst zonder afsluitende aanhalingstekens",
        ),
        ("unclosed table", "sectiekop zonder ]"),
        ("unclosed array table", "sectiekop zonder ]]"),
        ("unclosed array", "lijst zonder ]"),
        ("unclosed inline table", "tabel zonder }"),
        ("missing value", "sleutel zonder waarde"),
        ("key with no value", "sleutel zonder waarde"),
        (
            "missing assignment between key-value pairs",
            "hier hoort `=`",
        ),
        (
            "extra assignment between key-value pairs",
            "één `=` per regel",
        ),
        ("extra `=`", "één `=` per regel"),
        (
            "missing comma between array elements",
            "zet een komma tussen de waarden",
        ),
        (
            "missing comma between key-value pairs",
            "zet een komma tussen de sleutels",
        ),
        ("extra comma in", "een komma te veel"),
        (
            "invalid unquoted key",
            "een sleutel zonder aanhalingstekens bestaat uit letters, cijfers, - en _",
        ),
        ("unexpected content", "hier hoort niets meer op de regel"),
        (
            "unexpected key or value",
            "hier hoort geen sleutel of waarde",
        ),
        ("invalid value", "ongeldige waarde"),
        ("unexpected leading zero", "een getal begint niet met 0"),
    ] {
        if reason.starts_with(english) {
            return dutch.into();
        }
    }
    // A rarer form: the parser's own words, so nothing is lost.
    format!("de lezer meldt: {reason}")
}

/// serde's reasons for a setting of the wrong name, kind or value, in
/// Dutch; any other reason as it is.
///
/// ```text
/// unknown field `x`, expected one of `a`, `b`  →  onbekende sleutel `x` (wel: `a`, `b`)
/// invalid type: string "25", expected f64       →  verkeerd soort waarde: tekst "25", verwacht een getal
/// ```
fn setting_reason(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix("missing field ") {
        return format!("{rest} ontbreekt{SECTION}");
    }
    for (english, dutch) in [
        ("unknown field ", "onbekende sleutel "),
        ("unknown variant ", "onbekende waarde "),
    ] {
        if let Some(rest) = reason.strip_prefix(english) {
            let (name, expected) = rest.split_once(", ").unwrap_or((rest, ""));
            let allowed = expected
                .strip_prefix("expected one of ")
                .or_else(|| expected.strip_prefix("expected "))
                .map(|a| a.replace(" or ", ", "));
            return match allowed {
                Some(a) => format!("{dutch}{name} (wel: {a})"),
                None if expected.starts_with("there are no") => {
                    format!("{dutch}{name} (hier hoort geen)")
                }
                None => format!("{dutch}{name}"),
            };
        }
    }
    if let Some(rest) = reason.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        if expected.contains("date") {
            return "een datum hoort als tekst tussen aanhalingstekens: \"2026-11-01\"".into();
        }
        return format!(
            "verkeerd soort waarde: {}, verwacht {}",
            found_kind(found),
            expected_kind(expected)
        );
    }
    if let Some(rest) = reason.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "ongeldige waarde: {}, verwacht {}",
            found_kind(found),
            expected_kind(expected)
        );
    }
    // chrono's reasons for a date string it cannot read.
    if [
        "input contains invalid characters",
        "trailing input",
        "premature end of input",
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "bad or unsupported format string",
    ]
    .contains(&reason)
    {
        return "geen datum: schrijf \"JJJJ-MM-DD\", bijvoorbeeld \"2026-11-01\"".into();
    }
    reason.to_string()
}

/// What serde found, in Dutch (`string "25"` → `tekst "25"`).
fn found_kind(found: &str) -> String {
    for (english, dutch) in [
        ("string ", "tekst "),
        ("floating point ", "kommagetal "),
        ("integer ", "geheel getal "),
        ("boolean ", "waarheidswaarde "),
        ("character ", "teken "),
    ] {
        if let Some(value) = found.strip_prefix(english) {
            return format!("{dutch}{}", value.trim_matches('`'));
        }
    }
    match found {
        "map" => "een tabel".into(),
        "sequence" => "een lijst".into(),
        other => other.into(),
    }
}

/// What serde expected, in Dutch (`f64` → `een getal`).
fn expected_kind(expected: &str) -> String {
    match expected {
        "f64" | "f32" | "a floating point" => "een getal".into(),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize"
        | "an integer" => "een geheel getal".into(),
        "a boolean" => "true of false".into(),
        "a string" | "a borrowed string" | "path string" => "tekst tussen aanhalingstekens".into(),
        "a character" => "één teken".into(),
        "a sequence" => "een lijst [ ]".into(),
        e if e.starts_with("struct ") || e == "a map" => "een tabel".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        cell_size: f64,
        days: i64,
        #[serde(default)]
        as_of: Option<chrono::NaiveDate>,
        #[serde(default)]
        layer: Option<Layer>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Layer {
        path: String,
    }

    fn said(text: &str) -> String {
        let syntax = text.parse::<toml::Table>().err();
        match syntax {
            Some(e) => message(text, &e, true),
            None => message(text, &toml::from_str::<Settings>(text).unwrap_err(), false),
        }
    }

    #[test]
    fn wrong_kinds_of_value_are_said_in_dutch_with_their_line() {
        let m = said("cell_size = \"25\"\ndays = 3\n");
        assert!(
            m.starts_with(
                "regel 1, kolom 13: verkeerd soort waarde: tekst \"25\", verwacht een getal"
            ),
            "{m}"
        );
        assert!(
            m.ends_with("\n  cell_size = \"25\"\n              ^^^^"),
            "{m}"
        );
        let m = said("cell_size = 25.0\ndays = 1095.5\n");
        assert!(
            m.starts_with("regel 2, kolom 8: verkeerd soort waarde: kommagetal 1095.5, verwacht een geheel getal"),
            "{m}"
        );
    }

    #[test]
    fn names_and_dates_are_said_in_dutch() {
        let m = said("cell_size = 25.0\ndays = 3\ncel = 1\n");
        assert!(
            m.starts_with("regel 3, kolom 1: onbekende sleutel `cel` (wel: `cell_size`, `days`, `as_of`, `layer`)"),
            "{m}"
        );
        let m = said("cell_size = 25.0\n");
        assert!(m.contains("`days` ontbreekt"), "{m}");
        let m = said("cell_size = 25.0\ndays = 3\nas_of = 2026-11-01\n");
        assert!(
            m.contains("een datum hoort als tekst tussen aanhalingstekens"),
            "{m}"
        );
        let m = said("cell_size = 25.0\ndays = 3\nas_of = \"1-11-2026\"\n");
        assert!(m.contains("geen datum: schrijf \"JJJJ-MM-DD\""), "{m}");
        let m = said("cell_size = 25.0\ndays = 3\n[layer]\npath = 3\n");
        assert!(
            m.starts_with(
                "regel 4, kolom 8: verkeerd soort waarde: geheel getal 3, verwacht tekst"
            ),
            "{m}"
        );
    }

    #[test]
    fn the_mark_stands_under_the_spot_after_accents_and_tabs() {
        let m = said("# één °C\ncell_size = 25.0\n\tdays = \"drie\"\n");
        assert!(m.starts_with("regel 3, kolom 9: verkeerd soort waarde: tekst \"drie\", verwacht een geheel getal"), "{m}");
        assert!(
            m.ends_with("\n  \tdays = \"drie\"\n  \t       ^^^^^^"),
            "{m}"
        );
        let m =
            said("cell_size = 25.0\ndays = 3\nas_of = \"2026-11-01\"\n[layer]\npath = 3 # café\n");
        assert!(m.contains("verwacht tekst tussen aanhalingstekens"), "{m}");
        // A missing top-level key has no line of its own.
        let m = said("# instellingen\ncell_size = 25.0\n");
        assert_eq!(m, "`days` ontbreekt in het projectbestand");
    }

    #[test]
    fn broken_toml_is_said_as_such() {
        let m = said("cell_size = 25.0\ndays = 3\ndays = 4\n");
        assert!(
            m.starts_with("regel 3, kolom 1: geen geldige TOML (deze sleutel staat er al eerder)"),
            "{m}"
        );
        let m = said("cell_size = \"25\ndays = 3\n");
        assert!(m.starts_with("regel 1, kolom"), "{m}");
        assert!(m.contains("geen geldige TOML ("), "{m}");
        assert!(!m.contains("TOML parse error"), "{m}");
    }
}
