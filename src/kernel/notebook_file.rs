//! What a saved notebook ran, read from its `.ipynb`: the executed code cells in execution
//! order, each cell's statements, and which of them succeeded (from the cell's error output),
//! plus the server the kernel's connection banner named. For `ksqldb-kernel export`.

use serde_json::Value;

use super::export::Executed;
use super::splitter::{split_cell, CellItem};

/// The statements the notebook ran, and "ksqlDB VERSION at URL" when a banner says so.
pub fn executed_statements(notebook: &Value) -> Result<(Vec<Executed>, Option<String>), String> {
    let cells = notebook.get("cells").and_then(Value::as_array).ok_or("not a notebook: it has no \"cells\" list")?;
    let mut ran: Vec<(i64, &Value)> = cells
        .iter()
        .filter(|c| c.get("cell_type").and_then(Value::as_str) == Some("code"))
        .filter_map(|c| c.get("execution_count").and_then(Value::as_i64).map(|n| (n, c)))
        .collect();
    ran.sort_by_key(|(n, _)| *n);
    let mut executed = Vec::new();
    let mut server = None;
    for (_, cell) in ran {
        let source = text_of(cell.get("source"));
        let outputs = cell.get("outputs").and_then(Value::as_array).cloned().unwrap_or_default();
        server = server.or_else(|| banner_server(&outputs));
        let statements: Vec<String> = split_cell(&source)
            .items
            .into_iter()
            .filter_map(|item| match item {
                CellItem::Statement(s) => Some(s.text),
                CellItem::Magic(_) => None,
            })
            .collect();
        let succeeded = succeeded_count(&outputs, statements.len());
        executed.extend(statements.into_iter().enumerate().map(|(i, text)| Executed { text, ok: i < succeeded }));
    }
    Ok((executed, server))
}

/// How many of the cell's `n` statements succeeded: all without an error output; those before
/// the one the kernel's error names ("statement 2 of 3 … failed") or counts ("1 of 3
/// statements ran before this"); none when it cannot tell (an error of another kernel).
fn succeeded_count(outputs: &[Value], n: usize) -> usize {
    let Some(error) = outputs.iter().find(|o| o.get("output_type").and_then(Value::as_str) == Some("error")) else {
        return n;
    };
    let mut text = error.get("evalue").and_then(Value::as_str).unwrap_or("").to_string();
    for line in error.get("traceback").and_then(Value::as_array).into_iter().flatten() {
        text.push('\n');
        text.push_str(line.as_str().unwrap_or(""));
    }
    static FAILED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static RAN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let failed = FAILED.get_or_init(|| regex::Regex::new(r"statement (\d+) of \d+ \(line \d+\) failed").unwrap());
    let ran = RAN.get_or_init(|| regex::Regex::new(r"(\d+) of \d+ statements ran before this").unwrap());
    let number = |re: &regex::Regex| re.captures(&text).and_then(|c| c[1].parse::<usize>().ok());
    match (number(failed), number(ran)) {
        (Some(k), _) if k >= 1 => k - 1,
        (_, Some(k)) => k.min(n),
        _ => 0,
    }
}

/// The server named by the kernel's connection banner ("Server : URL", "Server version : V").
fn banner_server(outputs: &[Value]) -> Option<String> {
    for output in outputs {
        let text = text_of(output.get("data").and_then(|d| d.get("text/plain")));
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim_start().strip_prefix(':')))
                .map(|v| v.trim().to_string())
        };
        if let (Some(url), Some(version)) = (field("Server "), field("Server version")) {
            return Some(format!("{version} at {url}"));
        }
    }
    None
}

/// A notebook string field: one string, or a list of lines.
fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_cells_in_execution_order_and_skips_what_failed() {
        let nb = json!({"cells": [
            {"cell_type": "code", "execution_count": 3,
             "source": ["CREATE STREAM b AS SELECT * FROM a;\n", "SHOW STREAMS;"], "outputs": []},
            {"cell_type": "markdown", "source": "CREATE STREAM nope (id INT);"},
            {"cell_type": "code", "execution_count": 1,
             "source": "%chart bar x=a y=b\nCREATE STREAM a (id INT) WITH (kafka_topic='a', value_format='JSON');",
             "outputs": [{"output_type": "display_data", "data": {"text/plain":
                 "Connected to ksqlDB\n-------------------\nServer               : http://127.0.0.1:8088\n\
                  Server version       : 0.29.0 (ksqlDB)\n"}}]},
            {"cell_type": "code", "execution_count": null, "source": "DROP STREAM a;", "outputs": []},
            {"cell_type": "code", "execution_count": 2,
             "source": "CREATE TYPE t AS INT; CREATE STREAM x AS SELEC; CREATE TYPE u AS INT;",
             "outputs": [{"output_type": "error", "ename": "KsqlError", "evalue": "bad statement",
                          "traceback": ["statement 2 of 3 (line 1) failed; the statements after it did not run"]}]},
            {"cell_type": "code", "execution_count": 4, "source": "DROP STREAM b;",
             "outputs": [{"output_type": "error", "ename": "KsqlError", "evalue": "not found", "traceback": []}]},
            {"cell_type": "code", "execution_count": 5,
             "source": "CREATE TYPE v AS INT;\n%expect\n| A |\n| 1 |\nSELECT 1 AS a FROM x; CREATE TYPE w AS INT;",
             "outputs": [{"output_type": "error", "ename": "ExpectationError", "evalue": "1 missing",
                          "traceback": ["statement 2 of 3 (line 5) failed; the statements after it did not run"]}]},
            {"cell_type": "code", "execution_count": 6,
             "source": "CREATE TYPE y AS INT;\n%nosuch\nCREATE TYPE z AS INT;",
             "outputs": [{"output_type": "error", "ename": "UsageError", "evalue": "unknown magic %nosuch",
                          "traceback": ["1 of 2 statements ran before this; the rest did not run"]}]},
        ]});
        let (executed, server) = executed_statements(&nb).unwrap();
        let shown: Vec<(&str, bool)> = executed.iter().map(|e| (e.text.as_str(), e.ok)).collect();
        assert_eq!(
            shown,
            [
                ("CREATE STREAM a (id INT) WITH (kafka_topic='a', value_format='JSON');", true),
                ("CREATE TYPE t AS INT;", true),
                ("CREATE STREAM x AS SELEC;", false),
                ("CREATE TYPE u AS INT;", false),
                ("CREATE STREAM b AS SELECT * FROM a;", true),
                ("SHOW STREAMS;", true),
                ("DROP STREAM b;", false),
                ("CREATE TYPE v AS INT;", true),
                ("SELECT 1 AS a FROM x;", false),
                ("CREATE TYPE w AS INT;", false),
                ("CREATE TYPE y AS INT;", true),
                ("CREATE TYPE z AS INT;", false),
            ]
        );
        assert_eq!(server.as_deref(), Some("0.29.0 (ksqlDB) at http://127.0.0.1:8088"));
        assert!(executed_statements(&json!({"nbformat": 4})).is_err());
    }
}
