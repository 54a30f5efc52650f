//! Query response wire formats (REST notes §4 and §5, current-version framing):
//! - [`Framing::StreamedRows`]: the `/query` JSON array, one element per line
//!   (`application/vnd.ksql.v1+json`, also `/query-stream` with that Accept);
//! - [`Framing::Delimited`]: `/query-stream`'s default, a metadata line then one array per row;
//! - [`Framing::JsonArray`]: `/query-stream` with `Accept: application/json`.

use serde_json::{json, Value as J};

use crate::engine::QueryHeader;
use crate::types::{to_rest_json, Value};
use ksql_wire::error::ErrorBody;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    StreamedRows,
    Delimited,
    JsonArray,
}

/// The `schema` string of a `/query` header: `` `ID` STRING KEY, `V` BIGINT ``.
pub fn schema_string(h: &QueryHeader) -> String {
    h.columns
        .iter()
        .map(|c| format!("`{}` {}{}", c.name, c.ty, if c.key { " KEY" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row_json(row: &[Value]) -> J {
    J::Array(row.iter().map(to_rest_json).collect())
}

/// Writes one query response incrementally. Each method returns the bytes to send.
pub struct Writer {
    pub framing: Framing,
    /// Pull queries on tables use `]` (no final message) after their last row.
    rows_written: usize,
}

impl Writer {
    pub fn new(framing: Framing) -> Self {
        Writer { framing, rows_written: 0 }
    }

    pub fn header(&mut self, h: &QueryHeader, pull_id_null: bool) -> String {
        match self.framing {
            Framing::StreamedRows => {
                format!("[{},\n", json!({"header":{"queryId":h.query_id,"schema":schema_string(h)}}))
            }
            Framing::Delimited | Framing::JsonArray => {
                let meta = json!({
                    "queryId": if pull_id_null { J::Null } else { J::String(h.query_id.clone()) },
                    "columnNames": h.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
                    "columnTypes": h.columns.iter().map(|c| c.ty.to_string()).collect::<Vec<_>>(),
                });
                if self.framing == Framing::Delimited {
                    format!("{meta}\n")
                } else {
                    format!("[{meta}")
                }
            }
        }
    }

    /// A row in the middle of a stream (more may follow).
    pub fn row(&mut self, row: &[Value], tombstone: bool) -> Option<String> {
        self.rows_written += 1;
        match self.framing {
            Framing::StreamedRows => {
                // A deletion (0.15+) is marked inside the row: `{"row":{"columns":[…],"tombstone":true}}`.
                let o = if tombstone {
                    json!({"row":{"columns":row_json(row),"tombstone":true}})
                } else {
                    json!({"row":{"columns":row_json(row)}})
                };
                Some(format!("{o},\n"))
            }
            Framing::Delimited if tombstone => None,
            Framing::Delimited => Some(format!("{}\n", row_json(row))),
            Framing::JsonArray if tombstone => None,
            Framing::JsonArray => Some(format!(",{}", row_json(row))),
        }
    }

    /// The last row of a pull query on a table: `ROW]` with no final message.
    pub fn last_pull_row(&mut self, row: &[Value]) -> String {
        match self.framing {
            Framing::StreamedRows => format!("{}]", json!({"row":{"columns":row_json(row)}})),
            _ => {
                let mut s = self.row(row, false).unwrap_or_default();
                s.push_str(&self.end(None));
                s
            }
        }
    }

    /// Ends the response: with a final message ("Limit Reached", "Query Completed") or not.
    pub fn end(&mut self, final_message: Option<&str>) -> String {
        match self.framing {
            Framing::StreamedRows => match final_message {
                Some(m) => format!("{}]", json!({"finalMessage":m})),
                None => "]".into(),
            },
            Framing::Delimited => String::new(),
            Framing::JsonArray => "]".into(),
        }
    }

    /// Ends an empty pull query on a table: `[HEADER]`.
    pub fn end_empty_pull(&mut self, header_text: &str) -> String {
        match self.framing {
            // Replace the trailing ",\n" of the header with "]".
            Framing::StreamedRows => format!("{}]", header_text.trim_end_matches(",\n")),
            _ => format!("{header_text}{}", self.end(None)),
        }
    }

    /// An error in the middle of a stream.
    pub fn error(&mut self, message: &str) -> String {
        let e = ErrorBody::generic(50000, message).to_json();
        match self.framing {
            Framing::StreamedRows => format!("{}]", json!({"errorMessage":e})),
            Framing::Delimited => format!("{e}\n"),
            Framing::JsonArray => format!(",{e}]"),
        }
    }
}
