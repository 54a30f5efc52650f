//! `%expect`'s verdict: a short "✔ matches" line with the rows, or a diff table of missing,
//! unexpected and differing rows (differing cells highlighted, and marked `*` in text/plain).

use super::table::{Cell, Table, TableColumn, TableLimits, CHANGED_CLASS};
use super::value::table_column;
use super::MimeBundle;
use ksql_wire::schema::Column;
use serde_json::{json, Value};

/// How one expected or result row fared.
#[derive(Debug, Clone, PartialEq)]
pub enum RowVerdict {
    /// An expected row found in the result (the result's values, as rendered).
    Matched(Vec<String>),
    /// An expected row (as written) with no result row like it.
    Missing(Vec<String>),
    /// A result row nobody expected.
    Unexpected(Vec<String>),
    /// An expected row and the result row most like it; `cells` marks the ones that differ.
    Differs { expected: Vec<String>, actual: Vec<String>, cells: Vec<bool> },
}

/// The outcome of a check, for rendering.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpectReport {
    /// The compared columns (those the expectation names).
    pub columns: Vec<Column>,
    pub verdicts: Vec<RowVerdict>,
    pub rows_read: usize,
    pub ordered: bool,
    pub subset: bool,
    /// Why the check ended early (e.g. `--within` ran out), if it did.
    pub note: Option<String>,
}

impl ExpectReport {
    pub fn matches(&self) -> bool {
        self.verdicts.iter().all(|v| matches!(v, RowVerdict::Matched(_)))
    }

    fn count(&self, f: fn(&RowVerdict) -> bool) -> usize {
        self.verdicts.iter().filter(|v| f(v)).count()
    }

    /// One line: `✔ matches (3 rows)` or `✘ does not match: 1 missing, 1 differing …`.
    pub fn summary(&self) -> String {
        let matched = self.count(|v| matches!(v, RowVerdict::Matched(_)));
        if self.matches() {
            let how = match (self.ordered, self.subset) {
                (true, true) => ", in order, among more rows",
                (true, false) => ", in order",
                (false, true) => ", among more rows",
                (false, false) => "",
            };
            return format!("✔ matches ({matched} {}{how})", plural(matched, "row", "rows"));
        }
        let mut parts = Vec::new();
        for (n, what) in [
            (self.count(|v| matches!(v, RowVerdict::Missing(_))), "missing"),
            (self.count(|v| matches!(v, RowVerdict::Differs { .. })), "differing"),
            (self.count(|v| matches!(v, RowVerdict::Unexpected(_))), "unexpected"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let mut line = format!(
            "✘ does not match: {} ({matched} of the expected rows found, {} {} read)",
            parts.join(", "),
            self.rows_read,
            plural(self.rows_read, "row", "rows")
        );
        if let Some(note) = &self.note {
            line.push_str("; ");
            line.push_str(note);
        }
        line
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The verdict as a bundle: the summary as the caption of a table of the rows, with a status
/// column when it does not match; `application/vnd.ksqldb+json` has the same as data.
pub fn render_expectation(report: &ExpectReport) -> MimeBundle {
    let matched = report.matches();
    let mut columns: Vec<TableColumn> = Vec::new();
    if !matched {
        columns.push(TableColumn::new(""));
    }
    columns.extend(report.columns.iter().map(table_column));
    let mut table = Table::new(columns);
    table.caption = Some(report.summary());
    let plain = |values: &[String]| values.iter().map(|v| Cell::text(v.clone())).collect::<Vec<_>>();
    let mut any_differs = false;
    for verdict in &report.verdicts {
        let mut row = Vec::new();
        match verdict {
            RowVerdict::Matched(values) => {
                if !matched {
                    row.push(Cell::text("✔"));
                }
                row.extend(plain(values));
            }
            RowVerdict::Missing(values) => {
                row.push(Cell::text("missing"));
                row.extend(plain(values));
            }
            RowVerdict::Unexpected(values) => {
                row.push(Cell::text("unexpected"));
                row.extend(plain(values));
            }
            RowVerdict::Differs { expected, actual, cells } => {
                any_differs = true;
                let marked = |values: &[String]| -> Vec<Cell> {
                    values
                        .iter()
                        .zip(cells)
                        .map(|(v, &differs)| {
                            let mut cell = Cell::text(if differs { format!("*{v}") } else { v.clone() });
                            if differs {
                                cell.html = super::html::escape(v);
                                cell.class = Some(CHANGED_CLASS);
                            }
                            cell
                        })
                        .collect()
                };
                let mut first = vec![Cell::text("expected")];
                first.extend(marked(expected));
                table.rows.push(first);
                row.push(Cell::text("got"));
                row.extend(marked(actual));
            }
        }
        table.rows.push(row);
    }
    if any_differs {
        table.footer.push("* marks the values that differ (highlighted in the table).".into());
    }
    let doc = json!({
        "matches": matched,
        "summary": report.summary(),
        "columns": report.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "verdicts": report.verdicts.iter().map(verdict_json).collect::<Vec<_>>(),
    });
    table.to_bundle(&TableLimits::default()).with(super::JSON_MIME, doc)
}

fn verdict_json(v: &RowVerdict) -> Value {
    match v {
        RowVerdict::Matched(r) => json!({"status": "matched", "row": r}),
        RowVerdict::Missing(r) => json!({"status": "missing", "row": r}),
        RowVerdict::Unexpected(r) => json!({"status": "unexpected", "row": r}),
        RowVerdict::Differs { expected, actual, cells } => {
            json!({"status": "differs", "expected": expected, "actual": actual, "differs": cells})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::{ColumnKind, SqlType};

    fn report(verdicts: Vec<RowVerdict>) -> ExpectReport {
        let columns = vec![
            Column { name: "ID".into(), sql_type: SqlType::String, kind: ColumnKind::Value },
            Column { name: "N".into(), sql_type: SqlType::Integer, kind: ColumnKind::Value },
        ];
        ExpectReport { columns, verdicts, rows_read: 2, ..Default::default() }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_match_is_one_line_and_the_rows() {
        let r = report(vec![RowVerdict::Matched(s(&["a", "1"])), RowVerdict::Matched(s(&["b", "2"]))]);
        let b = render_expectation(&r);
        let text = b.text_plain().unwrap();
        assert!(text.starts_with("✔ matches (2 rows)"), "{text}");
        assert!(text.contains("| a ") && text.contains("| b "), "{text}");
    }

    #[test]
    fn a_mismatch_shows_a_diff_readable_as_text_and_escaped_in_html() {
        let r = report(vec![
            RowVerdict::Matched(s(&["a", "1"])),
            RowVerdict::Differs { expected: s(&["b", "2"]), actual: s(&["b", "3"]), cells: vec![false, true] },
            RowVerdict::Missing(s(&["<c>", "4"])),
            RowVerdict::Unexpected(s(&["d", "5"])),
        ]);
        assert!(!r.matches());
        assert_eq!(
            r.summary(),
            "✘ does not match: 1 missing, 1 differing, 1 unexpected (1 of the expected rows found, 2 rows read)"
        );
        let b = render_expectation(&r);
        let text = b.text_plain().unwrap();
        for needle in ["missing", "unexpected", "expected", "got", "*2", "*3", "* marks the values that differ"] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        let html = b.text_html().unwrap();
        assert!(html.contains("&lt;c&gt;") && !html.contains("<c>"), "{html}");
        assert!(html.contains(CHANGED_CLASS));
        assert_eq!(b.data[crate::JSON_MIME]["matches"], false);
    }
}
