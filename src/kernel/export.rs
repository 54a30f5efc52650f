//! Export to deployable SQL: the persistent statements a notebook ran, in the order they
//! ran, each under the SET/DEFINE context it ran with, as one `.sql` file (RUN SCRIPT, the
//! ksqlDB CLI) or as ksql-migrations version files. Used by `%export` (what this session ran)
//! and `ksqldb-kernel export NOTEBOOK.ipynb` (the executed cells of a saved notebook).

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::OnceLock;

use super::splitter::leading_keywords;
use super::statement::insert_values_target;
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
    /// Credentials it needs that the export leaves out, as the lines that would set them
    /// (`DEFINE secret_connection_password = '…';`).
    pub needs: Vec<String>,
}

/// The deployable steps of `statements`: failed ones, queries, SHOW/DESCRIBE and (unless
/// asked) INSERT VALUES are left out; SET/UNSET/DEFINE/UNDEFINE become context.
pub fn steps(statements: &[Executed], options: &ExportOptions) -> Vec<Step> {
    let mut properties: BTreeMap<String, String> = BTreeMap::new();
    let mut variables: BTreeMap<String, String> = BTreeMap::new();
    let (mut written_properties, mut written_variables) = (BTreeMap::new(), BTreeMap::new());
    let secrets = secret_variable_names(statements);
    // What the exported steps create: a DROP or TERMINATE of anything else (made before the
    // notebook, or by someone else) would fail on a fresh server.
    let mut made: Vec<(String, String)> = Vec::new();
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
            Ok(StatementKind::Server) if deployable(&executed.text, options) && keeps(&executed.text, &mut made) => {
                // Credentials in SET and DEFINE stay out (the header says what to set).
                let shown_properties: BTreeMap<String, String> =
                    properties.iter().filter(|(k, _)| !is_secret_key(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
                let shown_variables: BTreeMap<String, String> = variables
                    .iter()
                    .filter(|(k, _)| !secrets.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut context_change = diff(&written_properties, &shown_properties, set_line, unset_line);
                context_change.extend(diff(&written_variables, &shown_variables, define_line, undefine_line));
                let mut context: Vec<String> = shown_properties.iter().map(|(k, v)| set_line(k, v)).collect();
                context.extend(shown_variables.iter().map(|(k, v)| define_line(k, v)));
                written_properties = shown_properties;
                written_variables = shown_variables;
                let statement = without_credentials(&terminated(&executed.text));
                let mut needs: Vec<String> =
                    properties.keys().filter(|k| is_secret_key(k)).map(|k| set_line(k, "…")).collect();
                needs.extend(variables.keys().filter(|k| secrets.contains(*k)).map(|k| define_line(k, "…")));
                needs.extend(generated_secrets(&statement).into_iter().map(|k| define_line(&k, "…")));
                out.push(Step { context, context_change, name: step_name(&statement), statement, needs });
            }
            _ => {}
        }
    }
    out
}

/// Whether `%export` could use the statement: SET/UNSET/DEFINE/UNDEFINE, or a statement
/// that deploys something (INSERT … VALUES included, for `--with-inserts`).
pub fn worth_keeping(text: &str) -> bool {
    match classify(text) {
        Ok(StatementKind::Set { .. } | StatementKind::Unset { .. }) => true,
        Ok(StatementKind::Define { .. } | StatementKind::Undefine { .. }) => true,
        Ok(StatementKind::Server) => deployable(text, &ExportOptions { with_inserts: true }),
        _ => false,
    }
}

/// INSERT … VALUES: the first to go when the session's record is full.
pub fn is_insert_values_statement(text: &str) -> bool {
    insert_values_target(text).is_some()
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
            if !step.needs.is_empty() {
                text.push_str(&format!(
                    "-- Credentials are not exported; before running it: {}\n",
                    step.needs.join(" ")
                ));
            }
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
    let mut needs: Vec<&String> = steps.iter().flat_map(|s| s.needs.iter()).collect();
    needs.sort();
    needs.dedup();
    if !needs.is_empty() {
        let lines: Vec<&str> = needs.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!("-- Credentials are not exported; before running it: {}\n", lines.join(" ")));
    }
    out
}

/// The `${secret_…}` variables [`without_credentials`] put in a statement.
fn generated_secrets(statement: &str) -> Vec<String> {
    static VARIABLE: OnceLock<Regex> = OnceLock::new();
    let variable = VARIABLE.get_or_init(|| Regex::new(r"\$\{(secret_[A-Za-z0-9_]+)\}").unwrap());
    let mut names: Vec<String> = variable.captures_iter(statement).map(|c| c[1].to_string()).collect();
    names.dedup();
    names
}

fn is_connector(statement: &str) -> bool {
    leading_keywords(statement, 3).iter().any(|w| w == "CONNECTOR")
}

/// A property or config key that holds a credential.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "api.key", "apikey", "token", "credentials", "user.info", "jaas.config"]
        .iter()
        .any(|s| key.contains(s))
}

/// A credential in a WITH list: the key (quoted any way or bare) and its value.
fn credential_pair() -> &'static Regex {
    static PAIR: OnceLock<Regex> = OnceLock::new();
    PAIR.get_or_init(|| {
        Regex::new(r#"(?i)((?:'[^']*'|"[^"]*"|`[^`]*`|[A-Za-z0-9_.]+)\s*=\s*)('(?:[^']|'')*'|[^,)\s]+)"#).unwrap()
    })
}

/// DEFINEd variables that hold credentials: named like one, or used as a credential's value.
fn secret_variable_names(statements: &[Executed]) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    let reference = Regex::new(r"^'\$\{([A-Za-z0-9_]+)\}'$").unwrap();
    for executed in statements {
        if let Ok(StatementKind::Define { name, .. }) = classify(&executed.text) {
            if is_secret_key(&name) {
                names.insert(name);
            }
        }
        for pair in credential_pair().captures_iter(&executed.text).filter(|_| is_connector(&executed.text)) {
            if is_secret_key(&pair[1]) {
                if let Some(var) = reference.captures(&pair[2]) {
                    names.insert(var[1].to_lowercase());
                }
            }
        }
    }
    names
}

/// Whether a deployable statement belongs in the export, keeping `made` (kind, name) up to
/// date: CREATE and INSERT always; DROP only of what an earlier step created; TERMINATE only
/// of a query an earlier step started (`CSAS_<SINK>_<n>`, `CTAS_…`, `INSERTQUERY_<n>`).
fn keeps(text: &str, made: &mut Vec<(String, String)>) -> bool {
    let words = leading_keywords(text, 3);
    match words.first().map(String::as_str) {
        Some("CREATE") | Some("ALTER") => {
            if let Some(object) = object_of(text) {
                made.push(object);
            }
            true
        }
        Some("INSERT") => {
            made.push(("INSERT".into(), String::new()));
            true
        }
        Some("DROP") => match object_of(text) {
            Some(object) if made.contains(&object) => {
                made.retain(|m| *m != object);
                true
            }
            _ => false,
        },
        Some("TERMINATE") => {
            let id = object_name(text.trim_start()[9..].trim_start());
            let sink =
                id.strip_prefix("CSAS_").or_else(|| id.strip_prefix("CTAS_")).and_then(|rest| rest.rsplit_once('_'));
            match sink {
                Some((name, _)) => {
                    made.iter().any(|(kind, made_name)| (kind == "STREAM" || kind == "TABLE") && made_name == name)
                }
                None => id.starts_with("INSERTQUERY_") && made.iter().any(|(kind, _)| kind == "INSERT"),
            }
        }
        _ => true,
    }
}

/// The kind and name a CREATE or DROP is about (`("STREAM", "ORDERS")`): names upper-cased
/// unless quoted, as ksqlDB does.
fn object_of(text: &str) -> Option<(String, String)> {
    let words = leading_keywords(text, 8);
    let skip = ["CREATE", "DROP", "ALTER", "OR", "REPLACE", "SOURCE", "SINK", "IF", "NOT", "EXISTS"];
    let kind = words.iter().find(|w| !skip.contains(&w.as_str()))?.clone();
    if !["STREAM", "TABLE", "TYPE", "CONNECTOR"].contains(&kind.as_str()) {
        return None;
    }
    // The name follows the kind and any IF [NOT] EXISTS.
    let upper = text.to_uppercase();
    let at = upper.find(&kind)? + kind.len();
    let mut rest = text[at..].trim_start();
    for word in ["IF", "NOT", "EXISTS"] {
        if rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word) {
            rest = rest[word.len()..].trim_start();
        }
    }
    let name = object_name(rest);
    (!name.is_empty()).then_some((kind, name))
}

/// The identifier at the start of `rest`: quoted (kept) or bare (upper-cased).
fn object_name(rest: &str) -> String {
    if let Some(quoted) = rest.strip_prefix('`').or_else(|| rest.strip_prefix('"')) {
        let close = if rest.starts_with('`') { '`' } else { '"' };
        return quoted.split(close).next().unwrap_or("").to_string();
    }
    rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>().to_uppercase()
}

/// Statements that change what is deployed.
fn deployable(text: &str, options: &ExportOptions) -> bool {
    let words = leading_keywords(text, 4);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    match word(0) {
        "CREATE" | "DROP" | "TERMINATE" | "ALTER" => true,
        "INSERT" => options.with_inserts || insert_values_target(text).is_none(),
        _ => false,
    }
}

/// INSERT INTO x [(columns)] VALUES (…), as opposed to INSERT INTO x SELECT ….
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
    static VARIABLE: OnceLock<Regex> = OnceLock::new();
    static URL_USER: OnceLock<Regex> = OnceLock::new();
    static URL_PARAM: OnceLock<Regex> = OnceLock::new();
    let variable = VARIABLE.get_or_init(|| Regex::new(r"^'\$\{[A-Za-z0-9_]+\}'$").unwrap());
    // Config credentials live in connector configs; elsewhere `password = '…'` is a query's
    // condition, not a credential.
    let connector = is_connector(statement);
    let masked = credential_pair().replace_all(statement, |c: &regex::Captures| {
        if !connector {
            return c[0].to_string();
        }
        // A `${var}` is not a credential itself (its DEFINE is left out instead).
        if !is_secret_key(&c[1]) || variable.is_match(&c[2]) {
            return c[0].to_string();
        }
        let key = c[1].trim_end().trim_end_matches('=').trim_end().trim_matches(|ch| matches!(ch, '\'' | '"' | '`'));
        let key: String = key.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' }).collect();
        format!("{}'${{secret_{key}}}'", &c[1])
    });
    // Passwords inside URLs: scheme://user:password@host, ?password=… or ;password=….
    let url_user = URL_USER.get_or_init(|| Regex::new(r"(://[^:/@\s']+:)([^@/\s']+)(@)").unwrap());
    let masked = url_user.replace_all(&masked, "${1}$${secret_url_password}${3}");
    let url_param = URL_PARAM.get_or_init(|| Regex::new(r"(?i)([?&;](?:password|pwd)=)([^&;'\s]+)").unwrap());
    url_param.replace_all(&masked, "${1}$${secret_url_password}").into_owned()
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
    fn credentials_stay_out_of_statements_and_context() {
        let statements = ran(&[
            ("DEFINE pw = 'hunter2';", true),
            ("DEFINE api_token = 'tok-123';", true),
            ("SET 'sasl.jaas.config' = 'user=\"me\" password=\"jaas-pw\"';", true),
            ("SET 'auto.offset.reset' = 'earliest';", true),
            (
                "CREATE SOURCE CONNECTOR a WITH (\"connection.password\" = '${pw}', `db.secret` = 'bq1', \
                 x.password=98765, 'connection.url' = 'jdbc:postgresql://db:5432/x?user=me&password=url-pw', \
                 'u' = 'mongodb://me:uri-pw@host/db');",
                true,
            ),
            ("CREATE STREAM s AS SELECT * FROM users WHERE password = 'not a secret' EMIT CHANGES;", true),
        ]);
        let steps = steps_of(&statements, false);
        let script = as_script(&steps, &Provenance::default(), &ExportOptions::default());
        for secret in ["hunter2", "tok-123", "jaas-pw", "bq1", "98765", "url-pw", "uri-pw"] {
            assert!(!script.contains(secret), "{secret} in {script}");
        }
        assert!(script.contains("'${pw}'"), "a variable reference stays: {script}");
        assert!(script.contains("WHERE password = 'not a secret'"), "a query's condition is not a credential");
        assert!(script.contains("SET 'auto.offset.reset' = 'earliest';"));
        for needed in [
            "DEFINE pw = '…';",
            "DEFINE api_token = '…';",
            "SET 'sasl.jaas.config' = '…';",
            "DEFINE secret_db_secret = '…';",
            "DEFINE secret_x_password = '…';",
            "DEFINE secret_url_password = '…';",
        ] {
            assert!(script.contains(needed), "{needed} in {script}");
        }
    }

    #[test]
    fn drops_and_terminates_only_of_what_the_export_creates() {
        let statements = ran(&[
            ("DROP STREAM IF EXISTS old;", true),
            ("TERMINATE CSAS_OLD_0;", true),
            ("CREATE STREAM \"Mixed\" (id INT) WITH (kafka_topic='m', value_format='JSON', partitions=1);", true),
            ("CREATE STREAM big AS SELECT * FROM \"Mixed\";", true),
            ("INSERT INTO `big` SELECT * FROM \"Mixed\";", true),
            ("TERMINATE CSAS_BIG_1;", true),
            ("TERMINATE INSERTQUERY_2;", true),
            ("DROP STREAM big;", true),
            ("DROP STREAM big;", true),
            ("DROP STREAM \"Mixed\";", true),
        ]);
        let kept: Vec<String> = steps_of(&statements, false).into_iter().map(|s| s.statement).collect();
        assert_eq!(
            kept,
            [
                "CREATE STREAM \"Mixed\" (id INT) WITH (kafka_topic='m', value_format='JSON', partitions=1);",
                "CREATE STREAM big AS SELECT * FROM \"Mixed\";",
                "INSERT INTO `big` SELECT * FROM \"Mixed\";",
                "TERMINATE CSAS_BIG_1;",
                "TERMINATE INSERTQUERY_2;",
                "DROP STREAM big;",
                "DROP STREAM \"Mixed\";",
            ]
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
