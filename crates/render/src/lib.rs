//! Rendering: pure functions from ksqlDB results to Jupyter MIME bundles
//! (text/html with a text/plain twin, application/vnd.ksqldb+json for query results).
//! No I/O and no Jupyter message types here.
//!
//! - [`html`]: escaping (every value and name that reaches HTML goes through it).
//! - [`value`]: one value of a given SQL type as a table [`Cell`] (NULL, exact numbers,
//!   timestamps, nested values, bytes).
//! - [`table`]: the one table renderer (pull results, SHOW lists, DESCRIBE fields, push frames).
//! - [`results`]: query results and PRINT output as bundles with application/vnd.ksqldb+json.
//! - [`messages`]: status lines, key/value blocks, pretty JSON.
//! - [`error`]: [`ErrorReport`] (ename / evalue / traceback) for Jupyter error outputs.

use serde_json::{Map, Value};

pub mod budget;
pub mod chart;
pub mod chart_svg;
pub mod entities;
pub mod error;
pub mod expect;
pub mod help;
pub mod html;
pub mod lineage;
pub mod live;
pub mod messages;
pub mod results;
pub mod row_files;
pub mod table;
pub mod value;

pub use error::ErrorReport;
pub use html::escape;
pub use messages::{render_json_value, render_key_values, render_status, Kind, StatusKind};
pub use results::{parse_print_line, render_query_result, PrintRecord, ResultSummary};
pub use table::{Align, Cell, Table, TableColumn, TableLimits, CHANGED_CLASS, TOMBSTONE_CLASS};
pub use value::{format_cell, format_value, table_column};

/// The MIME type of the exact JSON twin of results and entities (rows with their exact
/// numbers, the raw entity as the server sent it), for programs that read outputs.
///
/// Not `application/json`: JupyterLab and Notebook 7 render `application/json` with the JSON
/// tree viewer at rank 0, ahead of `text/html` (50) and Vega-Lite (57), so every table would
/// show as a JSON tree. A vendor type is kept in the notebook and ignored by renderers.
pub const JSON_MIME: &str = "application/vnd.ksqldb+json";

/// A MIME bundle: the `data` and `metadata` of a display_data or execute_result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MimeBundle {
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

impl MimeBundle {
    pub fn new() -> Self {
        Self::default()
    }

    /// A bundle with only text/plain.
    pub fn plain(text: impl Into<String>) -> Self {
        let mut b = Self::default();
        b.data.insert("text/plain".into(), Value::String(text.into()));
        b
    }

    pub fn with(mut self, mime: &str, value: Value) -> Self {
        self.data.insert(mime.to_string(), value);
        self
    }

    pub fn text_plain(&self) -> Option<&str> {
        self.data.get("text/plain").and_then(Value::as_str)
    }

    pub fn text_html(&self) -> Option<&str> {
        self.data.get("text/html").and_then(Value::as_str)
    }

    pub fn application_json(&self) -> Option<&Value> {
        self.data.get(JSON_MIME)
    }
}
