//! Query results (pull, push frames) as MIME bundles: text/html and
//! text/plain through the one table renderer, plus application/vnd.ksqldb+json with exact values;
//! and the parser of PRINT lines (PRINT is a live view: see kernel/live/source.rs).

use super::table::{Cell, Table, TableLimits};
use super::value::{format_cell, table_column, tombstone_cell};
use super::MimeBundle;
use ksql_wire::schema::{Column, ColumnKind};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// What is known about a result besides its rows; rendered as the caption and footer.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSummary {
    /// Rows the query produced so far; may exceed the rows passed in (push-query ring buffer).
    pub total_rows: u64,
    /// At most this many of the given rows are rendered (HTML, text and JSON alike).
    pub row_cap: usize,
    pub elapsed: Option<Duration>,
    pub query_id: Option<String>,
    /// The server's closing line, e.g. `Limit Reached`.
    pub final_message: Option<String>,
    /// A short state for live views, e.g. `running` or `stopped`; shown in the caption.
    pub status: Option<String>,
    /// Extra footer lines (warnings, "press stop to end", …).
    pub notes: Vec<String>,
    /// Per row (same index as the rows): the row is a tombstone (a deleted table row).
    /// Shorter than the rows means "not a tombstone" for the rest.
    pub tombstones: Vec<bool>,
    pub limits: TableLimits,
}

impl Default for ResultSummary {
    fn default() -> Self {
        Self {
            total_rows: 0,
            row_cap: 1000,
            elapsed: None,
            query_id: None,
            final_message: None,
            status: None,
            notes: Vec::new(),
            tombstones: Vec::new(),
            limits: TableLimits::default(),
        }
    }
}

impl ResultSummary {
    /// A summary for `n` rows, everything else default.
    pub fn rows(n: usize) -> Self {
        Self { total_rows: n as u64, ..Self::default() }
    }

    fn is_tombstone(&self, row: usize) -> bool {
        self.tombstones.get(row).copied().unwrap_or(false)
    }
}

/// The `columns` part of a result's application/json: name, type, key (and header).
pub fn columns_json(columns: &[Column]) -> Vec<Value> {
    columns
        .iter()
        .map(|c| {
            let mut o = Map::new();
            o.insert("name".into(), Value::String(c.name.clone()));
            o.insert("type".into(), Value::String(c.sql_type.to_string()));
            o.insert("key".into(), Value::Bool(c.kind == ColumnKind::Key));
            if let ColumnKind::Header(h) = &c.kind {
                o.insert("header".into(), h.clone().map(Value::String).unwrap_or(Value::Bool(true)));
            }
            Value::Object(o)
        })
        .collect()
}

/// Renders a query result: caption (`3 rows · 12 ms · query id …`), the typed table, a footer
/// (`showing 1 000 of 25 000 rows`, final message, notes) and application/vnd.ksqldb+json.
pub fn render_query_result(columns: &[Column], rows: &[Vec<Value>], summary: &ResultSummary) -> MimeBundle {
    let shown = &rows[..rows.len().min(summary.row_cap)];
    let total = summary.total_rows.max(shown.len() as u64);
    let truncated = total > shown.len() as u64;

    let mut table = Table::new(columns.iter().map(table_column).collect());
    for (i, row) in shown.iter().enumerate() {
        let tomb = summary.is_tombstone(i);
        let cells = columns
            .iter()
            .enumerate()
            .map(|(c, col)| match row.get(c) {
                Some(Value::Null) | None if tomb => tombstone_cell(),
                Some(v) => format_cell(v, col),
                None => Cell::default(),
            })
            .collect();
        table.rows.push(cells);
    }
    table.caption = Some(caption(total, summary));
    table.footer = footer(shown.len(), total, summary);

    let json_columns = columns_json(columns);
    let mut doc = Map::new();
    doc.insert("columns".into(), Value::Array(json_columns));
    doc.insert("rows".into(), Value::Array(shown.iter().map(|r| Value::Array(r.clone())).collect()));
    doc.insert("total_rows".into(), json!(total));
    doc.insert("truncated".into(), Value::Bool(truncated));
    let tomb_idx: Vec<Value> = (0..shown.len()).filter(|i| summary.is_tombstone(*i)).map(|i| json!(i)).collect();
    if !tomb_idx.is_empty() {
        doc.insert("tombstones".into(), Value::Array(tomb_idx));
    }
    if let Some(q) = &summary.query_id {
        doc.insert("query_id".into(), Value::String(q.clone()));
    }
    if let Some(m) = &summary.final_message {
        doc.insert("final_message".into(), Value::String(m.clone()));
    }

    table.to_bundle(&summary.limits).with(super::JSON_MIME, Value::Object(doc))
}

fn caption(total: u64, s: &ResultSummary) -> String {
    let mut parts = vec![format!("{} {}", group_thousands(total), if total == 1 { "row" } else { "rows" })];
    if let Some(st) = &s.status {
        parts.push(st.clone());
    }
    if let Some(e) = s.elapsed {
        parts.push(format_duration(e));
    }
    if let Some(q) = &s.query_id {
        parts.push(format!("query id {q}"));
    }
    parts.join(" · ")
}

fn footer(shown: usize, total: u64, s: &ResultSummary) -> Vec<String> {
    let mut out = Vec::new();
    if total > shown as u64 {
        out.push(format!("showing {} of {} rows", group_thousands(shown as u64), group_thousands(total)));
    }
    if let Some(m) = &s.final_message {
        out.push(m.clone());
    }
    out.extend(s.notes.iter().cloned());
    out
}

pub use ksqldb_units::group_thousands;

/// `12 ms`, `1.25 s`, `3 min 05 s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        let secs = d.as_secs();
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

/// One record of PRINT output, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRecord {
    pub rowtime: String,
    pub key: String,
    pub value: String,
    pub partition: String,
    pub headers: Option<String>,
}

/// Parses `rowtime: 2022/12/02 17:22:02.556 Z, key: 18, value: {...}, partition: 0`
/// (optionally with `, headers: [...]`). `None` for any other shape.
pub fn parse_print_line(line: &str) -> Option<PrintRecord> {
    let rest = line.trim_end_matches(['\r', '\n']).strip_prefix("rowtime: ")?;
    let (rowtime, rest) = rest.split_once(", key: ")?;
    let (key, rest) = rest.split_once(", value: ")?;
    // The value may contain ", " itself, so the partition is found from the end.
    let p = rest.rfind(", partition: ")?;
    let (mut value, tail) = (&rest[..p], &rest[p + ", partition: ".len()..]);
    let digits_end = tail.find(|c: char| !c.is_ascii_digit()).unwrap_or(tail.len());
    if digits_end == 0 {
        return None;
    }
    let partition = &tail[..digits_end];
    let after = &tail[digits_end..];
    let mut headers = None;
    if let Some(h) = after.strip_prefix(", headers: ") {
        headers = Some(h.to_string());
    } else if !after.is_empty() {
        return None;
    }
    if headers.is_none() {
        if let Some(h) = value.rfind(", headers: [") {
            headers = Some(value[h + ", headers: ".len()..].to_string());
            value = &value[..h];
        }
    }
    Some(PrintRecord {
        rowtime: rowtime.to_string(),
        key: key.to_string(),
        value: value.to_string(),
        partition: partition.to_string(),
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::SqlType;

    fn cols() -> Vec<Column> {
        vec![
            Column { name: "ID".into(), sql_type: SqlType::String, kind: ColumnKind::Key },
            Column {
                name: "AMOUNT".into(),
                sql_type: SqlType::Decimal { precision: Some(4), scale: Some(2) },
                kind: ColumnKind::Value,
            },
            Column { name: "ROWTIME".into(), sql_type: SqlType::Bigint, kind: ColumnKind::Value },
        ]
    }
    fn rows(json: &str) -> Vec<Vec<Value>> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn bundle_has_three_mimes_with_exact_json() {
        let r = rows(r#"[["a", 4.50, 1704164645678], ["null", null, 0]]"#);
        let s = ResultSummary {
            elapsed: Some(Duration::from_millis(12)),
            query_id: Some("q1".into()),
            ..ResultSummary::rows(2)
        };
        let b = render_query_result(&cols(), &r, &s);
        let j = serde_json::to_string(&b.data["application/vnd.ksqldb+json"]).unwrap();
        assert!(j.contains("[\"a\",4.50,1704164645678]"), "{j}");
        assert!(j.contains(r#"{"name":"ID","type":"STRING","key":true}"#));
        assert!(j.contains(r#""total_rows":2,"truncated":false"#));
        let text = b.text_plain().unwrap();
        assert!(text.starts_with("2 rows · 12 ms · query id q1\n"));
        assert!(text.contains("| 2024-01-02 03:04:05.678 |"));
        assert!(text.contains("4.50"));
        let html = b.text_html().unwrap();
        assert!(html.contains("title=\"1704164645678 (epoch ms, UTC)\""));
        assert!(html.contains(">NULL</span>"));
        assert!(html.contains(">null</td>"));
    }

    #[test]
    fn row_cap_truncates_and_footer_says_so() {
        let r: Vec<Vec<Value>> = (0..30).map(|i| vec![json!(i.to_string()), json!(1), json!(0)]).collect();
        let s = ResultSummary {
            row_cap: 10,
            total_rows: 25_000,
            final_message: Some("Limit Reached".into()),
            notes: vec!["note".into()],
            ..ResultSummary::default()
        };
        let b = render_query_result(&cols(), &r, &s);
        let text = b.text_plain().unwrap();
        assert!(text.ends_with("showing 10 of 25 000 rows\nLimit Reached\nnote"), "{text}");
        assert!(text.starts_with("25 000 rows"));
        let j = &b.data["application/vnd.ksqldb+json"];
        assert_eq!(j["rows"].as_array().unwrap().len(), 10);
        assert_eq!(j["truncated"], json!(true));
        assert_eq!(j["final_message"], json!("Limit Reached"));
    }

    #[test]
    fn tombstones_mark_null_cells_but_keep_keys() {
        let r = rows(r#"[["a", 1.00, 0], ["a", null, null]]"#);
        let s = ResultSummary { tombstones: vec![false, true], ..ResultSummary::rows(2) };
        let b = render_query_result(&cols(), &r, &s);
        let text = b.text_plain().unwrap();
        assert!(text.contains("| a          |   <TOMBSTONE> |             <TOMBSTONE> |"), "{text}");
        assert_eq!(b.data["application/vnd.ksqldb+json"]["tombstones"], json!([1]));
        assert!(!b.text_html().unwrap().contains("<TOMBSTONE>"));
    }

    #[test]
    fn hostile_values_and_names_are_escaped() {
        let c = vec![Column { name: "<script>".into(), sql_type: SqlType::String, kind: ColumnKind::Value }];
        let r = rows(r#"[["\"><img src=x onerror=alert(1)>"]]"#);
        let b = render_query_result(&c, &r, &ResultSummary { query_id: Some("<q>".into()), ..ResultSummary::rows(1) });
        let html = b.text_html().unwrap();
        assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<q>"));
    }

    #[test]
    fn hostile_values_of_every_type_stay_inert() {
        let types = [
            SqlType::Boolean,
            SqlType::Integer,
            SqlType::Bigint,
            SqlType::Double,
            SqlType::Decimal { precision: None, scale: None },
            SqlType::String,
            SqlType::Bytes,
            SqlType::Timestamp,
            SqlType::Date,
            SqlType::Time,
            SqlType::Array(Box::new(SqlType::String)),
            SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::String)),
            SqlType::Struct(vec![("A".into(), SqlType::String)]),
            SqlType::Other("X".into()),
        ];
        let evil = "<img src=x onerror=alert(1)>\"'&";
        let values = [
            json!(evil),
            json!([evil, null]),
            json!({evil: evil}),
            json!({"A": [evil]}),
            json!(evil.repeat(50).split(' ').collect::<Vec<_>>()),
        ];
        for (i, ty) in types.iter().enumerate() {
            for name in ["ROWTIME", evil] {
                let c = vec![Column {
                    name: name.into(),
                    sql_type: ty.clone(),
                    kind: if i % 2 == 0 { ColumnKind::Key } else { ColumnKind::Header(Some(evil.into())) },
                }];
                let r: Vec<Vec<Value>> = values.iter().map(|v| vec![v.clone()]).collect();
                let b = render_query_result(&c, &r, &ResultSummary::rows(r.len()));
                let html = b.text_html().unwrap();
                assert!(!html.contains("<img"), "{ty:?}: {html}");
                assert!(!html.contains("'&") && !html.contains("\"'"), "{ty:?}");
            }
        }
    }

    #[test]
    fn short_and_long_rows_do_not_panic() {
        let r = rows(r#"[[], ["a", 1, 2, 3, 4]]"#);
        let b = render_query_result(&cols(), &r, &ResultSummary { tombstones: vec![true], ..ResultSummary::rows(2) });
        assert!(b.text_plain().is_some());
        let b = render_query_result(&[], &[], &ResultSummary::default());
        assert!(b.text_plain().unwrap().starts_with("0 rows"));
    }

    #[test]
    fn thousands_and_durations() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1 000");
        assert_eq!(group_thousands(25_000_000), "25 000 000");
        assert_eq!(format_duration(Duration::from_millis(12)), "12 ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3 min 05 s");
    }

    #[test]
    fn print_lines_parse_into_columns() {
        let r = parse_print_line(
            r#"rowtime: 2022/12/02 17:22:02.556 Z, key: 18, value: {"a":1, "b":"x, partition: 9"}, partition: 0"#,
        )
        .unwrap();
        assert_eq!(r.rowtime, "2022/12/02 17:22:02.556 Z");
        assert_eq!(r.key, "18");
        assert_eq!(r.value, r#"{"a":1, "b":"x, partition: 9"}"#);
        assert_eq!(r.partition, "0");
        let h = parse_print_line(r#"rowtime: N/A, key: <null>, value: v, partition: 3, headers: [a=b]"#).unwrap();
        assert_eq!(h.headers.as_deref(), Some("[a=b]"));
        assert!(parse_print_line("hello").is_none());
        assert!(parse_print_line("rowtime: x, key: y, value: z, partition: q").is_none());
    }
}
