//! `%expect`: a query's result checked against expected rows, for exercises that check the
//! students' answers. The expected rows come as a Markdown table (or CSV lines) under the
//! magic; values are compared by the result column's ksqlDB type.

use super::request::{open_stream, report_ksql_error, request_context};
use super::scope::StatementScope;
use super::settings::shell_words;
use jupyter_kernel::ExecuteContext;
use ksql_wire::schema::{Column, SqlType};
use ksqldb_client::QueryEvent;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::expect::{render_expectation, ExpectReport, RowVerdict};
use ksqldb_render::value::format_value;
use ksqldb_render::MimeBundle;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

pub const EXPECT_USAGE: &str =
    "%expect [--csv] [--ordered] [--subset] [--within SECONDS], then the expected rows (a Markdown table, or CSV \
     lines with --csv), then the query";

/// Rows a checked query may read at most (a push query's rows are kept to compare them).
const MAX_ROWS_READ: usize = 100_000;
/// How often a push query's rows are checked once many have come.
const CHECK_EVERY: Duration = Duration::from_millis(50);

/// What `%expect` asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// Column names, as written in the header.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub ordered: bool,
    pub subset: bool,
    /// How long a push query may take to produce the rows.
    pub within: Duration,
}

impl Expectation {
    /// Reads the magic's options and its body (the expected rows).
    pub fn parse(args: &str, body: &[String]) -> Result<Expectation, String> {
        let mut csv = false;
        let mut ordered = false;
        let mut subset = false;
        let mut within = Duration::from_secs(10);
        let words = shell_words(args).map_err(|e| format!("{e}\nusage: {EXPECT_USAGE}"))?;
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--csv" => csv = true,
                "--ordered" => ordered = true,
                "--subset" => subset = true,
                "--within" => {
                    let seconds: f64 = words
                        .next()
                        .and_then(|s| s.parse().ok())
                        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                        .ok_or("--within takes seconds (up to 3600)")?;
                    within = Duration::from_secs_f64(seconds);
                }
                other => return Err(format!("unknown option {other}\nusage: {EXPECT_USAGE}")),
            }
        }
        let mut lines: Vec<Vec<String>> = Vec::new();
        for (i, line) in body.iter().enumerate() {
            let cells = if csv { csv_cells(line)? } else { markdown_cells(line) };
            // The `|---|:--:|` separator of a Markdown table: only right under the header.
            let separator = |c: &String| {
                let dashes = c.trim_start_matches(':').trim_end_matches(':');
                !dashes.is_empty() && dashes.chars().all(|ch| ch == '-')
            };
            if !csv && i == 1 && cells.iter().all(separator) {
                continue;
            }
            lines.push(cells);
        }
        let mut lines = lines.into_iter();
        let columns =
            lines.next().ok_or_else(|| format!("%expect needs a header row of column names\nusage: {EXPECT_USAGE}"))?;
        if columns.iter().any(String::is_empty) {
            return Err("%expect: a column name in the header is empty".into());
        }
        let rows: Vec<Vec<String>> = lines.collect();
        for (i, row) in rows.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(format!(
                    "%expect: row {} has {} values for {} columns ({})",
                    i + 1,
                    row.len(),
                    columns.len(),
                    columns.join(", ")
                ));
            }
        }
        Ok(Expectation { columns, rows, ordered, subset, within })
    }
}

/// `| a | b |` → `["a", "b"]` (outer pipes optional, `\|` is a literal pipe).
fn markdown_cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = if line.ends_with('|') && !line.ends_with("\\|") { &line[..line.len() - 1] } else { line };
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cells.last_mut().unwrap_or(&mut String::new()).push('|');
            }
            '|' => cells.push(String::new()),
            c => {
                if let Some(cell) = cells.last_mut() {
                    cell.push(c)
                }
            }
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// One CSV line: commas, `"…"` quoting with `""` escapes. A quoted value keeps its quotes
/// off (`"a,b"` → `a,b`), so strings with commas can be written.
fn csv_cells(line: &str) -> Result<Vec<String>, String> {
    // A quoted "null" is the string: written as 'null', which the comparison reads as one.
    let finish = |cell: String, was_quoted: bool| {
        let cell = cell.trim().to_string();
        if was_quoted && cell.eq_ignore_ascii_case("null") {
            format!("'{cell}'")
        } else {
            cell
        }
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => cells.push(finish(std::mem::take(&mut cell), std::mem::take(&mut was_quoted))),
            c => cell.push(c),
        }
    }
    if quoted {
        return Err(format!("%expect --csv: unclosed quote in {line:?}"));
    }
    cells.push(finish(cell, was_quoted));
    Ok(cells)
}

/// A value reduced to what a comparison looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Canon {
    Null,
    /// A number as normalized decimal text (no `+`, leading or trailing zeros).
    Number(String),
    Text(String),
}

/// An expected cell as the column's type reads it.
fn canon_expected(text: &str, column: &Column) -> Canon {
    if text.eq_ignore_ascii_case("null") {
        return Canon::Null;
    }
    let unquoted = unquote(text);
    if is_epoch_column(column) {
        // ROWTIME, WINDOWSTART, WINDOWEND: epoch milliseconds or a time, as the kernel shows it.
        let as_time = unquoted
            .parse::<i64>()
            .ok()
            .and_then(ksqldb_render::value::epoch_millis_to_utc)
            .unwrap_or_else(|| unquoted.to_string());
        return Canon::Text(normalize_time(&as_time));
    }
    match &column.sql_type {
        SqlType::Integer | SqlType::Bigint | SqlType::Decimal { .. } | SqlType::Double => {
            match normalize_number(unquoted, matches!(column.sql_type, SqlType::Double)) {
                Some(n) => Canon::Number(n),
                None => Canon::Text(unquoted.to_string()),
            }
        }
        SqlType::Boolean => Canon::Text(unquoted.to_ascii_lowercase()),
        SqlType::Timestamp | SqlType::Date | SqlType::Time => Canon::Text(normalize_time(unquoted)),
        SqlType::String => Canon::Text(unquoted.to_string()),
        _ => Canon::Text(collapse_space(unquoted)),
    }
}

/// A result cell, by its type: numbers from their exact JSON text, times and nested values
/// as the kernel renders them.
fn canon_actual(value: &Value, column: &Column) -> Canon {
    match value {
        Value::Null => Canon::Null,
        Value::Number(n) => {
            let double = matches!(column.sql_type, SqlType::Double);
            match normalize_number(&n.to_string(), double) {
                Some(n) if !is_time(&column.sql_type) && !is_epoch_column(column) => Canon::Number(n),
                _ => Canon::Text(normalize_time(&format_value(value, &column.sql_type, &column.name).text)),
            }
        }
        Value::String(s) if column.sql_type == SqlType::String => Canon::Text(s.clone()),
        Value::Bool(b) => Canon::Text(b.to_string()),
        other => {
            let text = format_value(other, &column.sql_type, &column.name).text;
            if is_time(&column.sql_type) {
                Canon::Text(normalize_time(&text))
            } else {
                Canon::Text(collapse_space(&text))
            }
        }
    }
}

fn is_time(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Timestamp | SqlType::Date | SqlType::Time)
}

/// ROWTIME, WINDOWSTART, WINDOWEND: epoch milliseconds the kernel shows as UTC times.
fn is_epoch_column(column: &Column) -> bool {
    ksqldb_render::value::is_epoch_millis_column(&column.name, &column.sql_type)
}

fn unquote(text: &str) -> &str {
    for q in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return &text[1..text.len() - 1];
        }
    }
    text
}

fn collapse_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `2024-01-02T03:04:05.000Z` and `2024-01-02 03:04:05` read the same.
fn normalize_time(text: &str) -> String {
    let t = text.trim().replacen('T', " ", 1);
    let t = t.strip_suffix('Z').unwrap_or(&t);
    let t = t.strip_suffix(".000").unwrap_or(t);
    t.to_string()
}

/// Exact decimal text without sign noise or padding zeros (`+007.50` → `7.5`); a DOUBLE goes
/// through f64 so `1E1` and `10.0` agree. `None` when it is not a number.
fn normalize_number(text: &str, double: bool) -> Option<String> {
    let text = text.trim();
    if double || text.contains(['e', 'E']) {
        // 15 significant digits: 0.1 + 0.2 (0.30000000000000004) reads as 0.3.
        let x: f64 = text.parse().ok()?;
        let x: f64 = format!("{x:.14e}").parse().ok()?;
        return Some(if x == 0.0 { "0".into() } else { format!("{x}") });
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if negative && !(int.is_empty() && frac.is_empty()) {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// The result's columns that the expectation names, in its order.
fn resolve_columns(expect: &Expectation, columns: &[Column]) -> Result<Vec<usize>, String> {
    expect
        .columns
        .iter()
        .map(|name| {
            let wanted = unquote(name.trim_matches('`'));
            columns.iter().position(|c| c.name.eq_ignore_ascii_case(wanted)).ok_or_else(|| {
                let have: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                format!("%expect: column {name} is not in the result (its columns: {})", have.join(", "))
            })
        })
        .collect()
}

/// Compares the rows, row by row.
fn compare(expect: &Expectation, columns: &[Column], picked: &[usize], actual: &[Vec<Value>]) -> ExpectReport {
    let expected: Vec<Vec<Canon>> = expect
        .rows
        .iter()
        .map(|row| row.iter().zip(picked).map(|(text, &i)| canon_expected(text, &columns[i])).collect())
        .collect();
    let got: Vec<Vec<Canon>> = actual
        .iter()
        .map(|row| picked.iter().map(|&i| canon_actual(row.get(i).unwrap_or(&Value::Null), &columns[i])).collect())
        .collect();
    let shown = |row: &Vec<Value>| -> Vec<String> {
        picked
            .iter()
            .map(|&i| format_value(row.get(i).unwrap_or(&Value::Null), &columns[i].sql_type, &columns[i].name).text)
            .collect()
    };
    let mut verdicts = Vec::new();
    if expect.ordered && !expect.subset {
        // Position by position: (canonical, as written) expected rows against result rows.
        let mut wanted = expected.iter().zip(&expect.rows);
        let mut results = got.iter().zip(actual);
        loop {
            match (wanted.next(), results.next()) {
                (Some((e, _)), Some((g, row))) if e == g => verdicts.push(RowVerdict::Matched(shown(row))),
                (Some((e, written)), Some((g, row))) => verdicts.push(RowVerdict::Differs {
                    expected: written.clone(),
                    actual: shown(row),
                    cells: e.iter().zip(g).map(|(a, b)| a != b).collect(),
                }),
                (Some((_, written)), None) => verdicts.push(RowVerdict::Missing(written.clone())),
                (None, Some((_, row))) => verdicts.push(RowVerdict::Unexpected(shown(row))),
                (None, None) => break,
            }
        }
    } else {
        // Each expected row takes the first unused equal result row (in order with --ordered).
        let mut used = vec![false; got.len()];
        let mut from = 0;
        let mut missing = Vec::new();
        for (e, row) in expected.iter().zip(&expect.rows) {
            let found = (from..got.len())
                .chain(if expect.ordered { 0..0 } else { 0..from })
                .find(|&j| !used[j] && &got[j] == e);
            match found {
                Some(j) => {
                    used[j] = true;
                    if expect.ordered {
                        from = j + 1;
                    }
                    verdicts.push(RowVerdict::Matched(shown(&actual[j])));
                }
                None => missing.push((e, row)),
            }
        }
        let mut unexpected: Vec<usize> = (0..got.len()).filter(|&j| !used[j]).collect();
        for (e, row) in missing {
            // A result row with the same first value (the row's identity, usually its key) is
            // shown as the same row differing, not as a missing and an unexpected row.
            let same_first = unexpected.iter().position(|&j| e.len() > 1 && e.first() == got[j].first());
            match same_first.filter(|_| !expect.subset) {
                Some(k) => {
                    let j = unexpected.remove(k);
                    verdicts.push(RowVerdict::Differs {
                        expected: row.clone(),
                        actual: shown(&actual[j]),
                        cells: e.iter().zip(&got[j]).map(|(a, b)| a != b).collect(),
                    });
                }
                None => verdicts.push(RowVerdict::Missing(row.clone())),
            }
        }
        if !expect.subset {
            verdicts.extend(unexpected.into_iter().map(|j| RowVerdict::Unexpected(shown(&actual[j]))));
        }
    }
    ExpectReport {
        columns: picked.iter().map(|&i| columns[i].clone()).collect(),
        verdicts,
        rows_read: actual.len(),
        ordered: expect.ordered,
        subset: expect.subset,
        note: None,
    }
}

/// Whether every expected row has arrived (for stopping a push query early).
fn all_arrived(expect: &Expectation, columns: &[Column], picked: &[usize], actual: &[Vec<Value>]) -> bool {
    let mut pool: HashMap<Vec<Canon>, usize> = HashMap::new();
    for row in actual {
        let key = picked.iter().map(|&i| canon_actual(row.get(i).unwrap_or(&Value::Null), &columns[i])).collect();
        *pool.entry(key).or_default() += 1;
    }
    expect.rows.iter().all(|row| {
        let key: Vec<Canon> = row.iter().zip(picked).map(|(text, &i)| canon_expected(text, &columns[i])).collect();
        match pool.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    })
}

/// Runs `sql` (a pull or push query) and checks its rows. A push query reads until the
/// expected rows have arrived or `--within` runs out, then is closed; a result keyed by a
/// primary key (a table) is compared as its latest row per key.
pub async fn run_expect(
    scope: &StatementScope,
    sql: &str,
    push: bool,
    expect: &Expectation,
    ctx: &ExecuteContext,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    let client = &scope.connection.client;
    let mut stream = open_stream(ctx, sql, client.query(sql, &request_context(scope))).await?;
    let columns = stream.header().columns.clone();
    let picked = resolve_columns(expect, &columns).map_err(|m| ErrorReport::usage("ExpectationError", &m))?;
    if !push {
        stream.set_stall_timeout(scope.connection.target.request_timeout);
    }
    // A push query over a table or an aggregation is a changelog: compare its latest row per
    // key (found like the live view finds it: header, GROUP BY, or the source's DESCRIBE).
    let keys = if push {
        let (mode, keys, _, _) = super::live::decide_mode(scope, sql, &columns, None, None).await;
        if mode == super::live::view::ViewMode::Table {
            keys
        } else {
            Vec::new()
        }
    } else {
        Vec::new()
    };
    let deadline = tokio::time::Instant::now() + expect.within;
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut by_key: HashMap<Vec<String>, usize> = HashMap::new();
    let mut timed_out = false;
    let mut failure = None;
    let mut last_check = std::time::Instant::now();
    loop {
        let next = tokio::select! {
            event = stream.next() => event,
            _ = ctx.cancellation().cancelled() => {
                failure = Some(ErrorReport::interrupted("the checked query was stopped"));
                break;
            }
            _ = tokio::time::sleep_until(deadline), if push => {
                timed_out = true;
                break;
            }
        };
        match next {
            None | Some(Ok(QueryEvent::Final(_))) => break,
            Some(Ok(QueryEvent::Row(row))) => {
                if push && !keys.is_empty() {
                    // A table's changes: keep the latest row per key; a tombstone deletes it.
                    let key: Vec<String> =
                        keys.iter().map(|&k| row.values.get(k).map(Value::to_string).unwrap_or_default()).collect();
                    match (by_key.get(&key).copied(), row.tombstone) {
                        (Some(at), false) => rows[at] = row.values,
                        (Some(at), true) => {
                            rows.remove(at);
                            by_key.remove(&key);
                            by_key.values_mut().filter(|v| **v > at).for_each(|v| *v -= 1);
                        }
                        (None, false) => {
                            by_key.insert(key, rows.len());
                            rows.push(row.values);
                        }
                        (None, true) => {}
                    }
                } else if !row.tombstone {
                    rows.push(row.values);
                }
                // Checked at most every 50 ms (each check reads every row so far), and right
                // away while few rows have come.
                if push && (rows.len() <= 100 || last_check.elapsed() >= CHECK_EVERY) {
                    last_check = std::time::Instant::now();
                    let done = if expect.ordered {
                        compare(expect, &columns, &picked, &rows).matches()
                    } else {
                        all_arrived(expect, &columns, &picked, &rows)
                    };
                    if done {
                        break;
                    }
                }
                if rows.len() >= MAX_ROWS_READ {
                    failure = Some(ErrorReport::usage(
                        "ExpectationError",
                        &format!("%expect read {MAX_ROWS_READ} rows without a match; add a WHERE or LIMIT"),
                    ));
                    break;
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                failure = Some(report_ksql_error(&e, Some(sql)));
                break;
            }
        }
    }
    // Stops the push query on the server (and frees a pull query cut short).
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.close()).await;
    if let Some(report) = failure {
        return Err(report);
    }
    let mut report = compare(expect, &columns, &picked, &rows);
    if timed_out && !report.matches() {
        report.note = Some(format!(
            "the push query ran for {} s (--within) without producing the expected rows",
            expect.within.as_secs_f64()
        ));
    }
    let bundle = render_expectation(&report);
    if report.matches() {
        Ok(vec![bundle])
    } else {
        ctx.display(bundle.data, bundle.metadata, None).await;
        Err(ErrorReport::usage("ExpectationError", &report.summary()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use ksql_wire::schema::ColumnKind;

    fn col(name: &str, sql_type: SqlType) -> Column {
        Column { name: name.into(), sql_type, kind: ColumnKind::Value }
    }

    fn body(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn markdown_and_csv_bodies() {
        let e = Expectation::parse(
            "",
            &body(&["| PROFILEID | LA |", "|---|:--:|", "| c2309eec | 37.7877 |", "| a\\|b | NULL |"]),
        )
        .unwrap();
        assert_eq!(e.columns, ["PROFILEID", "LA"]);
        assert_eq!(e.rows, [vec!["c2309eec", "37.7877"], vec!["a|b", "NULL"]]);
        assert!(!e.ordered && !e.subset);
        let e = Expectation::parse(
            "--csv --ordered --within 2.5",
            &body(&["ID,NAME", "1,\"a, b\"", "2,\"say \"\"hi\"\"\""]),
        )
        .unwrap();
        assert_eq!(e.rows, [vec!["1", "a, b"], vec!["2", "say \"hi\""]]);
        assert!(e.ordered);
        assert_eq!(e.within, Duration::from_millis(2500));
        assert!(Expectation::parse("", &body(&["| A | B |", "| 1 |"])).unwrap_err().contains("row 1 has 1 values"));
        assert!(Expectation::parse("", &[]).unwrap_err().contains("header"));
        assert!(Expectation::parse("--within x", &body(&["| A |"])).is_err());
        assert!(Expectation::parse("--nope", &body(&["| A |"])).unwrap_err().contains("unknown option --nope"));
    }

    #[test]
    fn values_compare_by_type() {
        let columns = vec![
            col("D", SqlType::Decimal { precision: Some(4), scale: Some(2) }),
            col("X", SqlType::Double),
            col("S", SqlType::String),
            col("N", SqlType::Bigint),
            col("T", SqlType::Timestamp),
            col("A", SqlType::Array(Box::new(SqlType::Integer))),
        ];
        let row: Vec<Value> =
            serde_json::from_str(r#"[4.50, 1E1, "null", null, "2024-01-02T03:04:05.000", [1, 2]]"#).unwrap();
        let e = Expectation::parse(
            "",
            &body(&["| d | x | s | n | t | a |", "| 4.5 | 10.0 | 'null' | NULL | 2024-01-02 03:04:05 | [1, 2] |"]),
        )
        .unwrap();
        let picked = resolve_columns(&e, &columns).unwrap();
        let report = compare(&e, &columns, &picked, std::slice::from_ref(&row));
        assert!(report.matches(), "{report:?}");
        // DECIMAL is exact: 4.51 is not 4.50; the string 'null' is not NULL.
        let e = Expectation::parse("", &body(&["| X | D | S |", "| 10 | 4.51 | NULL |"])).unwrap();
        let picked = resolve_columns(&e, &columns).unwrap();
        let report = compare(&e, &columns, &picked, &[row]);
        assert!(
            matches!(&report.verdicts[..], [RowVerdict::Differs { cells, .. }] if cells == &[false, true, true]),
            "{report:?}"
        );
    }

    #[test]
    fn unordered_ordered_and_subset() {
        let columns = vec![col("ID", SqlType::Integer)];
        let rows: Vec<Vec<Value>> = vec![vec![json!(2)], vec![json!(1)], vec![json!(3)]];
        let check = |args: &str, lines: &[&str]| {
            let e = Expectation::parse(args, &body(lines)).unwrap();
            let picked = resolve_columns(&e, &columns).unwrap();
            compare(&e, &columns, &picked, &rows).matches()
        };
        assert!(check("", &["|ID|", "|1|", "|2|", "|3|"]));
        assert!(!check("--ordered", &["|ID|", "|1|", "|2|", "|3|"]));
        assert!(check("--ordered", &["|ID|", "|2|", "|1|", "|3|"]));
        assert!(!check("", &["|ID|", "|1|", "|2|"]), "an extra row fails without --subset");
        assert!(check("--subset", &["|ID|", "|3|", "|1|"]));
        assert!(!check("--subset --ordered", &["|ID|", "|3|", "|1|"]));
        assert!(check("--subset --ordered", &["|ID|", "|2|", "|3|"]));
        assert!(!check("", &["|ID|", "|1|", "|2|", "|3|", "|3|"]), "duplicates count");
    }

    #[test]
    fn unknown_columns_are_named() {
        let e = Expectation::parse("", &body(&["| NOPE |"])).unwrap();
        let err = resolve_columns(&e, &[col("ID", SqlType::Integer)]).unwrap_err();
        assert!(err.contains("NOPE") && err.contains("ID"), "{err}");
    }

    #[test]
    fn rowtime_doubles_quoted_csv_null_and_dash_values() {
        let columns = vec![col("ROWTIME", SqlType::Bigint), col("X", SqlType::Double), col("S", SqlType::String)];
        let row: Vec<Value> = serde_json::from_str(r#"[1704164645000, 0.30000000000000004, "null"]"#).unwrap();
        for (args, lines) in [
            ("", vec!["| ROWTIME | X | S |", "| 2024-01-02T03:04:05Z | 0.3 | 'null' |"]),
            ("", vec!["| ROWTIME | X | S |", "| 1704164645000 | 0.3 | 'null' |"]),
            ("--csv", vec!["ROWTIME,X,S", "2024-01-02 03:04:05.000,0.30,\"null\""]),
        ] {
            let e = Expectation::parse(args, &body(&lines)).unwrap();
            let picked = resolve_columns(&e, &columns).unwrap();
            assert!(compare(&e, &columns, &picked, std::slice::from_ref(&row)).matches(), "{lines:?}");
        }
        // A data row of dashes is a value, not a separator (only the line under the header is).
        let e = Expectation::parse("", &body(&["| S |", "|---|", "| - |"])).unwrap();
        assert_eq!(e.rows, [vec!["-"]]);
    }

    #[test]
    fn numbers_normalize() {
        assert_eq!(normalize_number("+007.50", false).as_deref(), Some("7.5"));
        assert_eq!(normalize_number("-0.00", false).as_deref(), Some("0"));
        assert_eq!(normalize_number("12", false).as_deref(), Some("12"));
        assert_eq!(normalize_number("1e3", false).as_deref(), Some("1000"));
        assert_eq!(normalize_number("abc", false), None);
        assert_eq!(normalize_number(".", false), None);
    }
}
