//! Export to deployable SQL: the persistent statements a notebook ran, in the order they
//! ran, each under the SET/DEFINE context it ran with, as one `.sql` file (RUN SCRIPT, the
//! ksqlDB CLI) or as ksql-migrations version files. Used by `%export` (what this session ran)
//! and `ksqldb-kernel export NOTEBOOK.ipynb` (the executed cells of a saved notebook).

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::OnceLock;

use super::splitter::leading_keywords;
use super::statement::{classify, StatementKind};

/// One statement as it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// As written in the cell (`${var}`s unsubstituted: the DEFINEs come along).
    pub text: String,
    pub ok: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Keep INSERT … VALUES (left out by default: test data, not deployment).
    pub with_inserts: bool,
}

/// What the header says about where the statements come from.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// The notebook (or "this kernel session").
    pub source: String,
    /// e.g. "ksqlDB 0.29.0 at http://localhost:8088".
    pub server: Option<String>,
}

/// A statement kept for deployment, with the context lines it needs before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Every SET and DEFINE in force when it ran (for migrations, which start afresh).
    pub context: Vec<String>,
    /// The SET/UNSET/DEFINE/UNDEFINE lines that turn the previous step's context into this one's.
    pub context_change: Vec<String>,
    pub statement: String,
    /// A short name for a migration file (`create_stream_pageviews`).
    pub name: String,
}

/// The deployable steps of `statements`: failed ones, queries, SHOW/DESCRIBE and (unless
/// asked) INSERT VALUES are left out; SET/UNSET/DEFINE/UNDEFINE become context.
pub fn steps(statements: &[Executed], options: &ExportOptions) -> Vec<Step> {
    let mut properties: BTreeMap<String, String> = BTreeMap::new();
    let mut variables: BTreeMap<String, String> = BTreeMap::new();
    let (mut written_properties, mut written_variables) = (BTreeMap::new(), BTreeMap::new());
    let mut out = Vec::new();
    for executed in statements.iter().filter(|e| e.ok) {
        match classify(&executed.text) {
            Ok(StatementKind::Set { name, value }) => {
                properties.insert(name, value);
            }
            Ok(StatementKind::Unset { name }) => {
                properties.remove(&name);
            }
            Ok(StatementKind::Define { name, value }) => {
                variables.insert(name, value);
            }
            Ok(StatementKind::Undefine { name }) => {
                variables.remove(&name);
            }
            Ok(StatementKind::Server) if deployable(&executed.text, options) => {
                let mut context_change = diff(&written_properties, &properties, set_line, unset_line);
                context_change.extend(diff(&written_variables, &variables, define_line, undefine_line));
                written_properties = properties.clone();
                written_variables = variables.clone();
                let mut context: Vec<String> = properties.iter().map(|(k, v)| set_line(k, v)).collect();
                context.extend(variables.iter().map(|(k, v)| define_line(k, v)));
                let statement = without_credentials(&terminated(&executed.text));
                out.push(Step { context, context_change, name: step_name(&statement), statement });
            }
            _ => {}
        }
    }
    out
}

/// One `.sql` file: a header, then each step after its context changes.
pub fn as_script(steps: &[Step], provenance: &Provenance, options: &ExportOptions) -> String {
    let mut out = header(provenance, steps, options);
    for step in steps {
        out.push('\n');
        for line in &step.context_change {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&step.statement);
        out.push('\n');
    }
    out
}

/// ksql-migrations version files (`V000001__create_stream_pageviews.sql`, …): one per step,
/// each with the whole context it needs (a migration runs on its own).
pub fn as_migrations(steps: &[Step], provenance: &Provenance) -> Vec<(String, String)> {
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut text = format!("-- Migration {} of {}, exported from {}\n", i + 1, steps.len(), provenance.source);
            for line in &step.context {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&step.statement);
            text.push('\n');
            (format!("V{:06}__{}.sql", i + 1, step.name), text)
        })
        .collect()
}

fn header(provenance: &Provenance, steps: &[Step], options: &ExportOptions) -> String {
    let mut out = format!("-- Exported by ksqldb-kernel {} from {}\n", env!("CARGO_PKG_VERSION"), provenance.source);
    if let Some(server) = &provenance.server {
        out.push_str(&format!("-- Server: {server}\n"));
    }
    out.push_str(&format!(
        "-- {} statements in the order they ran; failed statements, queries{} are left out.\n",
        steps.len(),
        if options.with_inserts { "" } else { " and INSERT … VALUES" }
    ));
    let secrets = secret_variables(steps);
    if !secrets.is_empty() {
        let defines: Vec<String> = secrets.iter().map(|name| format!("DEFINE {name} = '…';")).collect();
        out.push_str(&format!("-- Credentials are not exported; before running it: {}\n", defines.join(" ")));
    }
    out
}

/// The `${secret_…}` variables [`without_credentials`] put in the steps.
fn secret_variables(steps: &[Step]) -> Vec<String> {
    static VARIABLE: OnceLock<Regex> = OnceLock::new();
    let variable = VARIABLE.get_or_init(|| Regex::new(r"\$\{(secret_[A-Za-z0-9_]+)\}").unwrap());
    let mut names: Vec<String> =
        steps.iter().flat_map(|s| variable.captures_iter(&s.statement).map(|c| c[1].to_string())).collect();
    names.sort();
    names.dedup();
    names
}

/// Statements that change what is deployed.
fn deployable(text: &str, options: &ExportOptions) -> bool {
    let words = leading_keywords(text, 4);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    match word(0) {
        "CREATE" | "DROP" | "TERMINATE" | "ALTER" => true,
        "INSERT" => options.with_inserts || !is_insert_values(text),
        _ => false,
    }
}

/// INSERT INTO x [(columns)] VALUES (…), as opposed to INSERT INTO x SELECT ….
fn is_insert_values(text: &str) -> bool {
    static SELECT: OnceLock<Regex> = OnceLock::new();
    let select =
        SELECT.get_or_init(|| Regex::new(r"(?is)^\s*INSERT\s+INTO\s+\S+\s+(WITH\s*\([^)]*\)\s*)?SELECT\b").unwrap());
    !select.is_match(&strip_leading_comments(text))
}

fn strip_leading_comments(text: &str) -> String {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("").trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map(|(_, r)| r).unwrap_or("").trim_start();
        } else {
            return rest.to_string();
        }
    }
}

fn terminated(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(';') {
        t.to_string()
    } else {
        format!("{t};")
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn set_line(k: &str, v: &str) -> String {
    format!("SET {} = {};", quote(k), quote(v))
}

fn unset_line(k: &str, _: &str) -> String {
    format!("UNSET {};", quote(k))
}

fn define_line(k: &str, v: &str) -> String {
    format!("DEFINE {k} = {};", quote(v))
}

fn undefine_line(k: &str, _: &str) -> String {
    format!("UNDEFINE {k};")
}

/// The lines that turn `from` into `to`.
fn diff(
    from: &BTreeMap<String, String>,
    to: &BTreeMap<String, String>,
    set: fn(&str, &str) -> String,
    unset: fn(&str, &str) -> String,
) -> Vec<String> {
    let mut lines: Vec<String> = from.iter().filter(|(k, _)| !to.contains_key(*k)).map(|(k, v)| unset(k, v)).collect();
    lines.extend(to.iter().filter(|(k, v)| from.get(*k) != Some(*v)).map(|(k, v)| set(k, v)));
    lines
}

/// A migration's name from its statement: its leading keywords and the object's name,
/// lower-cased (`create_stream_pageviews`, `insert_into_totals`, `terminate_csas_x_0`).
fn step_name(statement: &str) -> String {
    let words = leading_keywords(statement, 6);
    let skip = ["OR", "REPLACE", "IF", "NOT", "EXISTS", "SOURCE", "SINK"];
    let kept: Vec<&str> = words.iter().map(String::as_str).filter(|w| !skip.contains(w)).take(3).collect();
    let mut name = kept.join("_").to_lowercase();
    name.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if name.is_empty() {
        "statement".to_string()
    } else {
        name
    }
}

/// Credentials in a WITH list become `${secret_…}` variables: an exported file is shared
/// and stored, and must not carry them.
fn without_credentials(statement: &str) -> String {
    static PAIR: OnceLock<Regex> = OnceLock::new();
    let pair = PAIR.get_or_init(|| {
        Regex::new(
            r"(?i)('(?:[^']*(?:password|secret|api\.key|token|credentials|user\.info|jaas\.config)[^']*)'\s*=\s*)'(?:[^']|'')*'",
        )
        .unwrap()
    });
    pair.replace_all(statement, |c: &regex::Captures| {
        let key = c[1].split('\'').nth(1).unwrap_or("value").replace(|ch: char| !ch.is_ascii_alphanumeric(), "_");
        format!("{}'${{secret_{key}}}'", &c[1])
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(texts: &[(&str, bool)]) -> Vec<Executed> {
        texts.iter().map(|(t, ok)| Executed { text: t.to_string(), ok: *ok }).collect()
    }

    #[test]
    fn keeps_persistent_statements_in_order_under_their_context() {
        let statements = ran(&[
            ("SET 'auto.offset.reset'='earliest';", true),
            ("DEFINE topic = 'orders';", true),
            ("CREATE STREAM o (id INT) WITH (kafka_topic='${topic}', value_format='JSON', partitions=1);", true),
            ("INSERT INTO o (id) VALUES (1);", true),
            ("SELECT * FROM o EMIT CHANGES;", true),
            ("CREATE STREAM broken AS SELEC;", false),
            ("SHOW STREAMS;", true),
            ("UNSET 'auto.offset.reset';", true),
            ("DEFINE topic = 'other';", true),
            ("CREATE STREAM big AS SELECT * FROM o WHERE id > 1 EMIT CHANGES;", true),
            ("INSERT INTO big SELECT * FROM o;", true),
            ("TERMINATE CSAS_BIG_1;", true),
            ("DROP STREAM big", true),
        ]);
        let steps = steps(&statements, &ExportOptions::default());
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["create_stream_o", "create_stream_big", "insert_into_big", "terminate_csas_big_1", "drop_stream_big"]
        );
        assert_eq!(steps[0].context_change, ["SET 'auto.offset.reset' = 'earliest';", "DEFINE topic = 'orders';"]);
        assert_eq!(steps[1].context_change, ["UNSET 'auto.offset.reset';", "DEFINE topic = 'other';"]);
        assert!(steps[2].context_change.is_empty());
        assert_eq!(steps[1].context, ["DEFINE topic = 'other';"]);
        assert_eq!(steps[4].statement, "DROP STREAM big;", "a final ; is added");
        let script = as_script(
            &steps,
            &Provenance { source: "demo.ipynb".into(), server: Some("ksqlDB 0.29.0".into()) },
            &ExportOptions::default(),
        );
        assert!(script.starts_with("-- Exported by ksqldb-kernel"), "{script}");
        assert!(script.contains("from demo.ipynb\n-- Server: ksqlDB 0.29.0\n"));
        assert!(!script.contains("VALUES (1)") && !script.contains("SELEC;") && !script.contains("SHOW"), "{script}");
        let with_inserts = steps_of(&statements, true);
        assert!(with_inserts.iter().any(|s| s.statement == "INSERT INTO o (id) VALUES (1);"));
    }

    fn steps_of(statements: &[Executed], with_inserts: bool) -> Vec<Step> {
        steps(statements, &ExportOptions { with_inserts })
    }

    #[test]
    fn migrations_are_numbered_and_carry_their_whole_context() {
        let statements = ran(&[
            ("SET 'auto.offset.reset'='earliest';", true),
            ("CREATE OR REPLACE STREAM a (id INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);", true),
            ("CREATE TABLE IF NOT EXISTS t AS SELECT id, COUNT(*) AS n FROM a GROUP BY id;", true),
        ]);
        let files =
            as_migrations(&steps_of(&statements, false), &Provenance { source: "n.ipynb".into(), server: None });
        assert_eq!(files[0].0, "V000001__create_stream_a.sql");
        assert_eq!(files[1].0, "V000002__create_table_t.sql");
        assert!(
            files[1].1.contains("SET 'auto.offset.reset' = 'earliest';\nCREATE TABLE IF NOT EXISTS t"),
            "{}",
            files[1].1
        );
    }

    #[test]
    fn credentials_become_variables() {
        let statements = ran(&[(
            "CREATE SOURCE CONNECTOR j WITH ('connector.class'='Jdbc', 'connection.password' = 'hun''ter2', 'x'='y');",
            true,
        )]);
        let steps = steps_of(&statements, false);
        assert_eq!(steps[0].name, "create_connector_j");
        assert!(!steps[0].statement.contains("hun"), "{}", steps[0].statement);
        assert!(steps[0].statement.contains("'connection.password' = '${secret_connection_password}'"));
        let script = as_script(&steps, &Provenance::default(), &ExportOptions::default());
        assert!(script
            .contains("Credentials are not exported; before running it: DEFINE secret_connection_password = '…';"));
    }
}
