//! Formatting of one result value, given its column's SQL type and name, for text and HTML.
//!
//! Rules that users rely on:
//! - NULL is visibly different from the string `'null'` (styled `NULL` marker vs plain text).
//! - Numbers keep the server's exact text (`arbitrary_precision`): DECIMAL `4.50` stays `4.50`,
//!   BIGINT beyond 2^53 is not rounded. We never go through f64.
//! - `ROWTIME`, `WINDOWSTART`, `WINDOWEND` (BIGINT epoch ms) read as UTC timestamps; the raw
//!   epoch value stays available as a tooltip.
//! - STRUCT / MAP / ARRAY read as compact literals: `{F1: 1, F2: 'x'}`, `{'k': 1}`, `[1, 2]`.
//! - Text cells are never truncated here: [`super::table`] cuts them to the column width, and
//!   application/vnd.ksqldb+json always carries the full value.

use super::html::{escape, escape_into, span, NULL_HTML};
use super::table::{one_line, Align, Cell, TableColumn, TOMBSTONE_CLASS};
use base64::Engine as _;
use ksql_wire::schema::{Column, ColumnKind, SqlType};
use serde_json::Value;

/// HTML cells longer than this many chars are cut, with a note of how much (the JSON twin keeps more):
/// one huge value must not push every other row past the HTML size cap.
pub const MAX_HTML_VALUE_CHARS: usize = 20_000;

/// Nested values longer than this (as text) render collapsed in a `<details>` element.
const COLLAPSE_ABOVE_CHARS: usize = 80;

/// Guards recursion on pathological nesting (serde_json already limits parsing depth to 128).
const MAX_DEPTH: usize = 64;

const MONO: &str = "font-family:var(--jp-code-font-family,monospace)";

/// Whether a column holds epoch milliseconds that should read as a UTC timestamp.
pub fn is_epoch_millis_column(name: &str, ty: &SqlType) -> bool {
    let by_name = ["ROWTIME", "WINDOWSTART", "WINDOWEND"].iter().any(|n| n.eq_ignore_ascii_case(name));
    by_name && matches!(ty, SqlType::Bigint | SqlType::Integer | SqlType::Other(_))
}

/// Whether a TIMESTAMP text names its offset (`Z`, `+01:00`): ksqlDB's have none and are UTC.
pub fn timestamp_has_offset(s: &str) -> bool {
    let Some((_, time)) = s.split_once('T') else { return true };
    time.ends_with('Z') || time.contains('+') || time.contains('-')
}

/// `2024-01-02 03:04:05.678` (UTC), or `None` for an out-of-range epoch.
pub fn epoch_millis_to_utc(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
}

/// Numbers right, everything else left.
pub fn align_for(ty: &SqlType) -> Align {
    match ty {
        SqlType::Integer | SqlType::Bigint | SqlType::Double | SqlType::Decimal { .. } => Align::Right,
        _ => Align::Left,
    }
}

/// The type line shown under a column name: `STRING`, `BYTES HEADER('k')`, `ARRAY<…> HEADERS`.
pub fn type_label(column: &Column) -> String {
    // Backticks around STRUCT field names are parser syntax, noise in a header.
    let t = column.sql_type.to_string().replace('`', "");
    match &column.kind {
        ColumnKind::Header(Some(k)) => format!("{t} HEADER('{}')", k.replace('\'', "''")),
        ColumnKind::Header(None) => format!("{t} HEADERS"),
        _ => t,
    }
}

/// The table header for a result column.
pub fn table_column(column: &Column) -> TableColumn {
    TableColumn {
        name: column.name.clone(),
        type_label: Some(type_label(column)),
        align: align_for(&column.sql_type),
        key: column.kind == ColumnKind::Key,
    }
}

/// Formats one value of `column` as a table cell (text and escaped HTML).
pub fn format_cell(value: &Value, column: &Column) -> Cell {
    format_value(value, &column.sql_type, &column.name)
}

/// Formats one value given its type and column name (the name matters for ROWTIME & co).
pub fn format_value(value: &Value, ty: &SqlType, column_name: &str) -> Cell {
    if value.is_null() {
        return Cell::null();
    }
    if is_epoch_millis_column(column_name, ty) {
        if let Some(c) = epoch_cell(value, "epoch ms") {
            return c;
        }
    }
    match (ty, value) {
        (SqlType::Timestamp, Value::Number(_)) => {
            // Some paths deliver TIMESTAMP as epoch millis; show it readable, keep the raw value.
            if let Some(c) = epoch_cell(value, "TIMESTAMP as epoch ms") {
                return c;
            }
        }
        (SqlType::Timestamp, Value::String(s)) => {
            return titled(s, "TIMESTAMP (UTC)");
        }
        (SqlType::Date, Value::String(s)) => return titled(s, "DATE"),
        (SqlType::Time, Value::String(s)) => return titled(s, "TIME"),
        (SqlType::Double, Value::String(s)) if is_special_double(s) => {
            let mut c = titled(s, "IEEE 754 special value (sent as a string)");
            c.html = span(&c.html, None, Some("font-style:italic"));
            return c;
        }
        (SqlType::Bytes, Value::String(s)) => return bytes_cell(s),
        _ => {}
    }
    match value {
        Value::String(s) => string_cell(s),
        Value::Number(n) => {
            let t = n.to_string();
            Cell { html: escape(&t), text: t, ..Cell::default() }
        }
        Value::Bool(b) => Cell::text(b.to_string()),
        Value::Array(_) | Value::Object(_) => nested_cell(value, ty),
        Value::Null => Cell::null(),
    }
}

/// A null cell in a tombstone row: the row was deleted, the value is not "NULL".
pub fn tombstone_cell() -> Cell {
    Cell {
        text: "<TOMBSTONE>".into(),
        html: span("&lt;tombstone&gt;", None, Some("font-style:italic;opacity:0.55")),
        is_null: true,
        class: Some(TOMBSTONE_CLASS),
        title: Some("row deleted (tombstone)".into()),
    }
}

fn is_special_double(s: &str) -> bool {
    matches!(s, "NaN" | "Infinity" | "-Infinity" | "+Infinity")
}

fn epoch_cell(value: &Value, what: &str) -> Option<Cell> {
    let raw = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    let ms: i64 = raw.parse().ok()?;
    let readable = epoch_millis_to_utc(ms)?;
    let title = format!("{raw} ({what}, UTC)");
    Some(Cell { html: escape(&readable), text: readable, title: Some(title), ..Cell::default() })
}

fn titled(s: &str, title: &str) -> Cell {
    Cell { title: Some(title.to_string()), ..string_cell(s) }
}

fn string_cell(s: &str) -> Cell {
    Cell { text: one_line(s), html: html_string(s), ..Cell::default() }
}

/// Escaped, line breaks kept, cut at [`MAX_HTML_VALUE_CHARS`].
fn html_string(s: &str) -> String {
    let n = s.chars().count();
    let mut out = String::new();
    if n > MAX_HTML_VALUE_CHARS {
        let head: String = s.chars().take(MAX_HTML_VALUE_CHARS).collect();
        escape_into(&mut out, &head);
        out = out.replace('\n', "<br>");
        out.push_str(&span(
            &format!("… ({} more characters)", n - MAX_HTML_VALUE_CHARS),
            None,
            Some("opacity:0.6;font-style:italic"),
        ));
        out
    } else {
        escape_into(&mut out, s);
        out.replace('\n', "<br>")
    }
}

fn bytes_cell(b64: &str) -> Cell {
    let hint = match base64::engine::general_purpose::STANDARD.decode(b64) {
        Ok(bytes) => {
            let mut h = format!("BYTES, base64-encoded ({} bytes)", bytes.len());
            if let Ok(t) = std::str::from_utf8(&bytes) {
                if !t.is_empty() && !t.chars().any(char::is_control) && t.chars().count() <= 200 {
                    h.push_str(&format!("; as UTF-8: {t}"));
                }
            }
            h
        }
        Err(_) => "BYTES (not valid base64)".to_string(),
    };
    let mut html = span(&html_string(b64), None, Some(MONO));
    html.push_str("<span style=\"opacity:0.5;font-size:0.75em;margin-left:0.3em\">b64</span>");
    Cell { text: one_line(b64), html, title: Some(hint), ..Cell::default() }
}

fn nested_cell(value: &Value, ty: &SqlType) -> Cell {
    let text = nested_text(value, ty, 0);
    let html = nested_html(value, ty, 0);
    Cell { text, html, ..Cell::default() }
}

/// The type of a struct field / map value / array element, `Other` when unknown.
fn child_type<'a>(ty: &'a SqlType, key: Option<&str>) -> &'a SqlType {
    static UNKNOWN: SqlType = SqlType::Other(String::new());
    match (ty, key) {
        (SqlType::Array(e), None) => e,
        (SqlType::Map(_, v), Some(_)) => v,
        (SqlType::Struct(fields), Some(k)) => fields
            .iter()
            .find(|(n, _)| n == k)
            .or_else(|| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)))
            .map(|(_, t)| t)
            .unwrap_or(&UNKNOWN),
        _ => &UNKNOWN,
    }
}

/// `'it''s'`: SQL string literal style, so strings inside nested values stand out from names.
fn quote(s: &str) -> String {
    format!("'{}'", one_line(s).replace('\'', "''"))
}

/// Compact one-line text of a value nested inside STRUCT/MAP/ARRAY (or the whole container).
pub fn nested_text(value: &Value, ty: &SqlType, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "…".into();
    }
    match value {
        Value::Null => "NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| nested_text(v, child_type(ty, None), depth + 1)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let is_map = matches!(ty, SqlType::Map(..));
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let key = if is_map { quote(k) } else { one_line(k) };
                    format!("{key}: {}", nested_text(v, child_type(ty, Some(k)), depth + 1))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// HTML of a nested value: inline and monospace; long containers collapse into `<details>`
/// (works without scripts, so also in saved notebooks and on GitHub).
pub fn nested_html(value: &Value, ty: &SqlType, depth: usize) -> String {
    let inner = nested_html_inner(value, ty, depth);
    span(&inner, None, Some(MONO))
}

fn nested_html_inner(value: &Value, ty: &SqlType, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "…".into();
    }
    match value {
        Value::Null => NULL_HTML.into(),
        Value::Bool(_) | Value::Number(_) => escape(&nested_text(value, ty, depth)),
        Value::String(s) => {
            let q = format!("'{}'", s.replace('\'', "''"));
            html_string(&q)
        }
        Value::Array(_) | Value::Object(_) => {
            let text = nested_text(value, ty, depth);
            if text.chars().count() <= COLLAPSE_ABOVE_CHARS {
                return inline_container_html(value, ty, depth);
            }
            // Collapsed: a one-line preview as summary, one entry per line inside.
            let (count, noun) = match value {
                Value::Array(a) => (a.len(), if a.len() == 1 { "item" } else { "items" }),
                Value::Object(o) => {
                    let noun = match (ty, o.len()) {
                        (SqlType::Map(..), 1) => "entry",
                        (SqlType::Map(..), _) => "entries",
                        (_, 1) => "field",
                        _ => "fields",
                    };
                    (o.len(), noun)
                }
                _ => (0, ""),
            };
            let preview = super::table::fit(&text, 60);
            let mut out = String::from(
                "<details style=\"display:inline-block;vertical-align:top\"><summary style=\"cursor:pointer\">",
            );
            escape_into(&mut out, &preview);
            out.push_str(&format!(" <span style=\"opacity:0.6\">({count} {noun})</span></summary>"));
            out.push_str("<div style=\"padding-left:1.2em;border-left:1px solid rgba(128,128,128,0.35)\">");
            match value {
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        out.push_str(&format!("<div><span style=\"opacity:0.6\">{i}:</span> "));
                        out.push_str(&nested_html_inner(v, child_type(ty, None), depth + 1));
                        out.push_str("</div>");
                    }
                }
                Value::Object(map) => {
                    let is_map = matches!(ty, SqlType::Map(..));
                    for (k, v) in map {
                        out.push_str("<div><span style=\"opacity:0.6\">");
                        escape_into(&mut out, &if is_map { quote(k) } else { k.clone() });
                        out.push_str(":</span> ");
                        out.push_str(&nested_html_inner(v, child_type(ty, Some(k)), depth + 1));
                        out.push_str("</div>");
                    }
                }
                _ => {}
            }
            out.push_str("</div></details>");
            out
        }
    }
}

fn inline_container_html(value: &Value, ty: &SqlType, depth: usize) -> String {
    let mut out = String::new();
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&nested_html_inner(v, child_type(ty, None), depth + 1));
            }
            out.push(']');
        }
        Value::Object(map) => {
            let is_map = matches!(ty, SqlType::Map(..));
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str("<span style=\"opacity:0.6\">");
                escape_into(&mut out, &if is_map { quote(k) } else { k.clone() });
                out.push_str(":</span> ");
                out.push_str(&nested_html_inner(v, child_type(ty, Some(k)), depth + 1));
            }
            out.push('}');
        }
        other => out.push_str(&nested_html_inner(other, ty, depth)),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn col(name: &str, ty: SqlType) -> Column {
        Column { name: name.into(), sql_type: ty, kind: ColumnKind::Value }
    }
    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn null_differs_from_string_null() {
        let n = format_value(&Value::Null, &SqlType::String, "S");
        let s = format_value(&json!("null"), &SqlType::String, "S");
        assert!(n.is_null && !s.is_null);
        assert_eq!(n.text, "NULL");
        assert!(n.html.contains("font-style:italic") && n.html.contains(">NULL<"));
        assert_eq!(s.text, "null");
        assert_eq!(s.html, "null");
        assert_ne!(n.html, s.html);
    }

    #[test]
    fn decimal_keeps_scale_and_bigint_is_exact() {
        let d = format_value(&parse("4.50"), &SqlType::Decimal { precision: Some(4), scale: Some(2) }, "D");
        assert_eq!(d.text, "4.50");
        assert_eq!(d.html, "4.50");
        let big = format_value(&parse("9223372036854775807"), &SqlType::Bigint, "B");
        assert_eq!(big.text, "9223372036854775807");
        let odd = format_value(&parse("9007199254740993"), &SqlType::Bigint, "B");
        assert_eq!(odd.text, "9007199254740993");
        let long_dec = format_value(
            &parse("12345678901234567890.123456789"),
            &SqlType::Decimal { precision: None, scale: None },
            "D",
        );
        assert_eq!(long_dec.text, "12345678901234567890.123456789");
        assert_eq!(format_value(&parse("0.0"), &SqlType::Double, "X").text, "0.0");
    }

    #[test]
    fn double_special_values() {
        for s in ["NaN", "Infinity", "-Infinity"] {
            let c = format_value(&json!(s), &SqlType::Double, "X");
            assert_eq!(c.text, s);
            assert!(c.title.unwrap().contains("IEEE"));
        }
        assert_eq!(align_for(&SqlType::Double), Align::Right);
    }

    #[test]
    fn rowtime_and_window_bounds_read_as_utc() {
        assert_eq!(epoch_millis_to_utc(1704164645678).unwrap(), "2024-01-02 03:04:05.678");
        assert_eq!(epoch_millis_to_utc(0).unwrap(), "1970-01-01 00:00:00.000");
        for name in ["ROWTIME", "WINDOWSTART", "windowend"] {
            let c = format_value(&parse("1704164645678"), &SqlType::Bigint, name);
            assert_eq!(c.text, "2024-01-02 03:04:05.678");
            assert!(c.title.as_deref().unwrap().starts_with("1704164645678"));
        }
        // Other BIGINT columns stay numbers.
        assert_eq!(format_value(&parse("1704164645678"), &SqlType::Bigint, "TS").text, "1704164645678");
        // Out of range: the raw number, no panic.
        assert_eq!(
            format_value(&parse("9223372036854775807"), &SqlType::Bigint, "ROWTIME").text,
            "9223372036854775807"
        );
        assert_eq!(format_value(&parse("1.5"), &SqlType::Bigint, "ROWTIME").text, "1.5");
    }

    #[test]
    fn timestamp_strings_shown_as_given() {
        let c = format_value(&json!("1970-01-01T00:00:00.001"), &SqlType::Timestamp, "TS");
        assert_eq!(c.text, "1970-01-01T00:00:00.001");
        assert!(c.title.is_some());
        assert_eq!(format_value(&json!("00:00"), &SqlType::Time, "T").text, "00:00");
        assert_eq!(format_value(&json!("1970-01-01"), &SqlType::Date, "D").text, "1970-01-01");
        let n = format_value(&parse("1"), &SqlType::Timestamp, "TS");
        assert_eq!(n.text, "1970-01-01 00:00:00.001");
    }

    #[test]
    fn bytes_show_base64_with_hint() {
        let c = format_value(&json!("IQ=="), &SqlType::Bytes, "B");
        assert_eq!(c.text, "IQ==");
        assert!(c.html.contains("IQ==") && c.html.contains("b64"));
        let t = c.title.unwrap();
        assert!(t.contains("base64") && t.contains("1 bytes") && t.contains("as UTF-8: !"), "{t}");
        let bad = format_value(&json!("<not base64>"), &SqlType::Bytes, "B");
        assert!(!bad.html.contains("<not"));
        assert!(bad.title.unwrap().contains("not valid"));
    }

    #[test]
    fn nested_values_are_compact_literals() {
        let st = SqlType::Struct(vec![("F1".into(), SqlType::Integer), ("F2".into(), SqlType::String)]);
        assert_eq!(format_value(&json!({"F1": 1, "F2": "x"}), &st, "S").text, "{F1: 1, F2: 'x'}");
        let arr = SqlType::Array(Box::new(SqlType::Integer));
        assert_eq!(format_value(&json!([1, 2]), &arr, "A").text, "[1, 2]");
        let map =
            SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Decimal { precision: Some(4), scale: Some(2) }));
        assert_eq!(format_value(&parse(r#"{"k":4.50,"it's":null}"#), &map, "M").text, "{'k': 4.50, 'it''s': NULL}");
        let deep = parse(r#"{"A":[{"B":"null","C":null}],"D":{}}"#);
        assert_eq!(format_value(&deep, &SqlType::Other("X".into()), "N").text, "{A: [{B: 'null', C: NULL}], D: {}}");
    }

    #[test]
    fn nested_html_is_escaped_and_collapses_when_long() {
        let v = json!({"<script>": "<img src=x onerror=alert(1)>", "n": null});
        let c = format_value(&v, &SqlType::Other("STRUCT".into()), "S");
        assert!(!c.html.contains("<script") && !c.html.contains("<img"));
        assert!(c.html.contains(NULL_HTML));
        assert!(!c.html.contains("<details"));
        let long: Vec<i64> = (0..100).collect();
        let c = format_value(&json!(long), &SqlType::Array(Box::new(SqlType::Integer)), "A");
        assert!(c.html.contains("<details") && c.html.contains("(100 items)"));
        assert!(c.text.starts_with("[0, 1, 2"));
    }

    #[test]
    fn strings_escape_and_keep_text_on_one_line() {
        let c = format_value(&json!("a\n<b>"), &SqlType::String, "S");
        assert_eq!(c.text, "a↵<b>");
        assert_eq!(c.html, "a<br>&lt;b&gt;");
    }

    #[test]
    fn huge_html_value_is_cut_but_text_is_not() {
        let s = "q".repeat(MAX_HTML_VALUE_CHARS + 10);
        let c = format_value(&json!(s), &SqlType::String, "S");
        assert!(c.html.contains("… (10 more characters)"));
        assert_eq!(c.text.len(), MAX_HTML_VALUE_CHARS + 10);
    }

    #[test]
    fn wrong_json_kind_for_type_does_not_panic() {
        for ty in [
            SqlType::Boolean,
            SqlType::Bytes,
            SqlType::Timestamp,
            SqlType::Array(Box::new(SqlType::Integer)),
            SqlType::Struct(vec![]),
        ] {
            for v in [json!(1), json!("x"), json!([1]), json!({"a": 1}), json!(true)] {
                let _ = format_value(&v, &ty, "ROWTIME");
                let _ = format_value(&v, &ty, "X");
            }
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut v = json!(1);
        for _ in 0..200 {
            v = json!([v]);
        }
        let c = format_value(&v, &SqlType::Other("X".into()), "A");
        assert!(c.text.contains('…'));
    }

    #[test]
    fn headers_and_labels() {
        let mut c = col("H", SqlType::Bytes);
        c.kind = ColumnKind::Header(Some("abc".into()));
        assert_eq!(type_label(&c), "BYTES HEADER('abc')");
        let mut k = col("ID", SqlType::String);
        k.kind = ColumnKind::Key;
        let tc = table_column(&k);
        assert!(tc.key);
        assert_eq!(tc.type_label.as_deref(), Some("STRING"));
        assert_eq!(table_column(&col("N", SqlType::Bigint)).align, Align::Right);
        let st = col("S", SqlType::Struct(vec![("a".into(), SqlType::Double)]));
        assert_eq!(type_label(&st), "STRUCT<a DOUBLE>");
        let mut all = col("HS", SqlType::Array(Box::new(SqlType::Bytes)));
        all.kind = ColumnKind::Header(None);
        assert_eq!(type_label(&all), "ARRAY<BYTES> HEADERS");
    }

    #[test]
    fn tombstone_marker() {
        let t = tombstone_cell();
        assert_eq!(t.text, "<TOMBSTONE>");
        assert!(!t.html.contains("<TOMBSTONE>"));
    }
}
