//! A query result as CSV or JSON Lines text, for `%save` (other tools read these).
//!
//! CSV is written here rather than with the `csv` crate because a NULL must differ from an
//! empty string (an empty field versus `""`), which that crate cannot express per field.
//! Values keep their exact spelling (DECIMAL, BIGINT), times become ISO-8601 UTC, and nested
//! values are JSON.

use serde_json::{Map, Value};

use super::value::{is_epoch_millis_column, timestamp_has_offset};
use ksql_wire::schema::{Column, SqlType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    Csv,
    JsonLines,
}

impl RowFormat {
    /// The format a file name asks for (`.csv`, `.jsonl` or `.ndjson`).
    pub fn from_path(path: &str) -> Option<RowFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(RowFormat::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(RowFormat::JsonLines)
        } else {
            None
        }
    }
}

/// The whole file: for CSV a header row, then one line per row (CRLF ends lines, as RFC 4180).
pub fn write_rows(format: RowFormat, columns: &[Column], rows: &[Vec<Value>]) -> String {
    let mut out = String::new();
    match format {
        RowFormat::Csv => {
            let header: Vec<String> = columns.iter().map(|c| csv_field(&c.name)).collect();
            out.push_str(&header.join(","));
            out.push_str("\r\n");
            for row in rows {
                let fields: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match file_value(c, row.get(i).unwrap_or(&Value::Null)) {
                        Value::Null => String::new(),
                        Value::String(s) => csv_field(&s),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        nested => csv_field(&nested.to_string()),
                    })
                    .collect();
                out.push_str(&fields.join(","));
                out.push_str("\r\n");
            }
        }
        RowFormat::JsonLines => {
            for row in rows {
                let object: Map<String, Value> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.clone(), file_value(c, row.get(i).unwrap_or(&Value::Null))))
                    .collect();
                out.push_str(&Value::Object(object).to_string());
                out.push('\n');
            }
        }
    }
    out
}

/// A value as the file holds it: times as ISO-8601 UTC (`2024-01-02T03:04:05.678Z`; ROWTIME
/// and window bounds too), the rest as the server sent it.
fn file_value(column: &Column, value: &Value) -> Value {
    match (value, &column.sql_type) {
        (Value::Number(n), ty) if is_epoch_millis_column(&column.name, ty) => match n.as_i64() {
            Some(ms) => match chrono::DateTime::from_timestamp_millis(ms) {
                Some(t) => Value::String(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
                None => value.clone(),
            },
            None => value.clone(),
        },
        (Value::String(s), SqlType::Timestamp) if !timestamp_has_offset(s) => Value::String(format!("{s}Z")),
        _ => value.clone(),
    }
}

/// A CSV field: quoted when empty (so it is not NULL) or when it holds a comma, a quote, a
/// line break or surrounding spaces; quotes inside doubled.
fn csv_field(s: &str) -> String {
    let needs = s.is_empty()
        || s.contains([',', '"', '\r', '\n'])
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace);
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::ColumnKind;

    fn col(name: &str, t: SqlType) -> Column {
        Column { name: name.into(), sql_type: t, kind: ColumnKind::Value }
    }

    fn num(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    fn sample() -> (Vec<Column>, Vec<Vec<Value>>) {
        let columns = vec![
            col("ID", SqlType::String),
            col("AMOUNT", SqlType::Decimal { precision: Some(20), scale: Some(2) }),
            col("BIG", SqlType::Bigint),
            col("AT", SqlType::Timestamp),
            col("WINDOWSTART", SqlType::Bigint),
            col("TAGS", SqlType::Other("ARRAY<STRING>".into())),
        ];
        let rows = vec![
            vec![
                Value::String("a, \"b\"\nc".into()),
                num("12345678901234567.10"),
                num("9007199254740993"),
                Value::String("2024-01-02T03:04:05.678".into()),
                num("1700000000000"),
                serde_json::json!(["x", null]),
            ],
            vec![Value::String(String::new()), Value::Null, Value::Null, Value::Null, Value::Null, Value::Null],
            vec![
                Value::String("größe 東京".into()),
                num("0.50"),
                num("-1"),
                Value::Null,
                Value::Null,
                serde_json::json!([]),
            ],
        ];
        (columns, rows)
    }

    #[test]
    fn csv_keeps_null_apart_from_empty_and_numbers_exact() {
        let (columns, rows) = sample();
        let text = write_rows(RowFormat::Csv, &columns, &rows);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "ID,AMOUNT,BIG,AT,WINDOWSTART,TAGS");
        // The line break inside the first value is a bare \n, kept in its quoted field.
        assert_eq!(
            lines[1],
            "\"a, \"\"b\"\"\nc\",12345678901234567.10,9007199254740993,2024-01-02T03:04:05.678Z,\
             2023-11-14T22:13:20.000Z,\"[\"\"x\"\",null]\""
        );
        assert_eq!(lines[2], "\"\",,,,,");
        assert_eq!(lines[3], "größe 東京,0.50,-1,,,[]");
        assert_eq!(lines[4], "", "the file ends with a line break");
    }

    #[test]
    fn json_lines_have_one_object_per_row_with_typed_values() {
        let (columns, rows) = sample();
        let text = write_rows(RowFormat::JsonLines, &columns, &rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("\"AMOUNT\":12345678901234567.10") && lines[0].contains("\"BIG\":9007199254740993"));
        assert!(
            lines[0].contains("\"WINDOWSTART\":\"2023-11-14T22:13:20.000Z\"")
                && lines[0].contains("\"TAGS\":[\"x\",null]")
        );
        assert_eq!(lines[1], r#"{"ID":"","AMOUNT":null,"BIG":null,"AT":null,"WINDOWSTART":null,"TAGS":null}"#);
        let parsed: Value = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(parsed["ID"], "größe 東京");
    }

    #[test]
    fn formats_follow_the_file_name() {
        assert_eq!(RowFormat::from_path("out.CSV"), Some(RowFormat::Csv));
        assert_eq!(RowFormat::from_path("a/b.jsonl"), Some(RowFormat::JsonLines));
        assert_eq!(RowFormat::from_path("b.ndjson"), Some(RowFormat::JsonLines));
        assert_eq!(RowFormat::from_path("b.txt"), None);
    }
}
