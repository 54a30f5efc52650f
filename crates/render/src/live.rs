//! One frame of a live push-query view: a status line above the table, the rows as they
//! stand now (cells that changed since the last frame highlighted), an optional op and
//! arrival-time column for changelogs. The same renderer makes the final snapshot, which is
//! plain HTML with no scripts, so a saved notebook shows it anywhere.

use super::table::{Align, Cell, Table, TableColumn, TableLimits, CHANGED_CLASS};
use super::value::{format_cell, table_column, tombstone_cell};
use super::MimeBundle;
use ksql_wire::schema::Column;
use serde_json::{Map, Value};

/// A row as the view holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRow {
    pub values: Vec<Value>,
    /// Per column: changed since the previous frame. Empty means nothing changed.
    pub changed: Vec<bool>,
    /// Changelog operation (`INSERT`, `UPSERT`, `DELETE`), when the view shows one.
    pub op: Option<&'static str>,
    /// Arrival time (UTC, `HH:MM:SS.mmm`), when the view shows it.
    pub arrived: Option<String>,
    pub tombstone: bool,
}

/// What the frame shows besides the rows.
#[derive(Debug, Clone, Default)]
pub struct LiveFrame {
    /// The status line: state, query id, rows received, rate, elapsed.
    pub status: String,
    pub footer: Vec<String>,
    pub op_column: bool,
    pub arrival_column: bool,
    /// Whether to add application/vnd.ksqldb+json with the rows (final frames).
    pub include_json: bool,
    /// Whether to mark changed cells (not in the final snapshot).
    pub highlight_changes: bool,
    /// For application/vnd.ksqldb+json: the rows received in all, the query id, how it ended.
    pub total_rows: u64,
    pub query_id: Option<String>,
    pub final_message: Option<String>,
    pub state: Option<String>,
}

/// Live frames are re-sent several times a second: keep each message small.
pub fn live_limits() -> TableLimits {
    TableLimits { max_html_bytes: 512 * 1024, max_text_bytes: 256 * 1024, ..TableLimits::default() }
}

pub fn render_live_frame(columns: &[Column], rows: &[&LiveRow], frame: &LiveFrame, limits: &TableLimits) -> MimeBundle {
    let mut table_columns: Vec<TableColumn> = Vec::with_capacity(columns.len() + 2);
    if frame.arrival_column {
        table_columns.push(TableColumn {
            name: "arrived".into(),
            type_label: Some("UTC".into()),
            align: Align::Left,
            key: false,
        });
    }
    if frame.op_column {
        table_columns.push(TableColumn { name: "op".into(), type_label: None, align: Align::Left, key: false });
    }
    table_columns.extend(columns.iter().map(table_column));
    let mut table = Table::new(table_columns);
    for row in rows {
        let mut cells = Vec::with_capacity(columns.len() + 2);
        if frame.arrival_column {
            cells.push(Cell::text(row.arrived.clone().unwrap_or_default()));
        }
        if frame.op_column {
            cells.push(Cell::text(row.op.unwrap_or("")));
        }
        for (i, column) in columns.iter().enumerate() {
            let mut cell = match row.values.get(i) {
                Some(Value::Null) | None if row.tombstone => tombstone_cell(),
                Some(v) => format_cell(v, column),
                None => Cell::default(),
            };
            if frame.highlight_changes && row.changed.get(i).copied().unwrap_or(false) {
                cell.class = Some(CHANGED_CLASS);
            }
            cells.push(cell);
        }
        table.rows.push(cells);
    }
    table.caption = Some(frame.status.clone());
    table.footer = frame.footer.clone();
    let mut bundle = table.to_bundle(limits);
    if frame.include_json {
        bundle = bundle.with(super::JSON_MIME, json_rows(columns, rows, frame));
    }
    bundle
}

fn json_rows(columns: &[Column], rows: &[&LiveRow], frame: &LiveFrame) -> Value {
    let cols = super::results::columns_json(columns);
    let data: Vec<Value> = rows.iter().map(|r| Value::Array(r.values.clone())).collect();
    let mut doc = Map::new();
    doc.insert("columns".into(), Value::Array(cols));
    doc.insert("rows".into(), Value::Array(data));
    let tombstones: Vec<Value> =
        rows.iter().enumerate().filter(|(_, r)| r.tombstone).map(|(i, _)| Value::from(i)).collect();
    if !tombstones.is_empty() {
        doc.insert("tombstones".into(), Value::Array(tombstones));
    }
    doc.insert("total_rows".into(), Value::from(frame.total_rows));
    if let Some(id) = &frame.query_id {
        doc.insert("query_id".into(), Value::String(id.clone()));
    }
    if let Some(m) = &frame.final_message {
        doc.insert("final_message".into(), Value::String(m.clone()));
    }
    if let Some(state) = &frame.state {
        doc.insert("state".into(), Value::String(state.clone()));
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::SqlType;
    use serde_json::json;

    fn col(name: &str, t: SqlType) -> Column {
        Column { name: name.into(), sql_type: t, kind: ksql_wire::schema::ColumnKind::Value }
    }

    #[test]
    fn frame_has_status_changes_and_escaping() {
        let columns = vec![col("ID", SqlType::String), col("N", SqlType::Bigint)];
        let row = LiveRow {
            values: vec![json!("<b>x</b>"), json!(3)],
            changed: vec![false, true],
            op: Some("UPSERT"),
            arrived: Some("12:00:00.000".into()),
            tombstone: false,
        };
        let frame = LiveFrame {
            status: "running · 1 row".into(),
            op_column: true,
            arrival_column: true,
            highlight_changes: true,
            ..Default::default()
        };
        let b = render_live_frame(&columns, &[&row], &frame, &live_limits());
        let html = b.text_html().unwrap();
        assert!(html.contains("running · 1 row"));
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(html.contains("UPSERT"));
        assert!(html.contains("rgba(255,193,7"), "changed cell highlighted");
        assert!(!html.contains("<script"));
        assert!(b.text_plain().unwrap().contains("UPSERT"));
        assert!(b.data.get("application/vnd.ksqldb+json").is_none());
        let final_frame = LiveFrame { include_json: true, highlight_changes: false, ..frame };
        let b = render_live_frame(&columns, &[&row], &final_frame, &live_limits());
        assert!(!b.text_html().unwrap().contains("rgba(255,193,7"));
        assert_eq!(b.data["application/vnd.ksqldb+json"]["rows"][0][1], json!(3));
    }
}
