//! `%cleanup`: removes what this notebook created on its server, and nothing else. Every
//! successful CREATE (stream, table, type, connector) and every persistent query it started
//! is recorded per connection; `%cleanup` shows the plan in dependency order (TERMINATE the
//! queries, DROP what was made last first, then types and connectors) and `--yes` runs it.

use super::request::request_context;
use super::scope::StatementScope;
use super::KsqlKernel;
use ksql_syntax::lexer::{lex_sql, significant, Token, TokenKind};
use ksql_wire::entity::Entity;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::messages::{render_status, Kind};
use ksqldb_render::table::simple_table;
use ksqldb_render::MimeBundle;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

pub const CLEANUP_USAGE: &str = "%cleanup [--yes] [--delete-topics]";

/// What kind of object a statement made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ObjectKind {
    Stream,
    Table,
    Type,
    Connector,
    Query,
}

impl ObjectKind {
    fn word(self) -> &'static str {
        match self {
            ObjectKind::Stream => "STREAM",
            ObjectKind::Table => "TABLE",
            ObjectKind::Type => "TYPE",
            ObjectKind::Connector => "CONNECTOR",
            ObjectKind::Query => "QUERY",
        }
    }
}

/// One object this notebook created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Created {
    pub kind: ObjectKind,
    /// As the server names it: upper case unless it was quoted.
    pub name: String,
    /// Written in backticks: matched exactly, never case-insensitively.
    #[serde(default)]
    pub quoted: bool,
    /// Its topic was made for it (CREATE … AS SELECT without KAFKA_TOPIC): `--delete-topics`
    /// may delete it. Topics named in a CREATE may be shared and are never deleted.
    #[serde(default)]
    pub owns_topic: bool,
    /// What identifies it beyond its name, to tell when someone else dropped and re-created
    /// it: the topic a stream or table was declared over (KAFKA_TOPIC), a connector's class.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// The objects a successful statement created: its stream, table, type or connector, and the
/// persistent query the server reports (CREATE … AS SELECT, INSERT INTO … SELECT). A CREATE
/// with IF NOT EXISTS or OR REPLACE may have met someone else's object, so it records nothing.
pub fn created_by(statement: &str, entities: &[Entity]) -> Vec<Created> {
    let tokens = code_tokens(statement);
    let upper: Vec<String> = tokens.iter().map(|t| t.upper().unwrap_or_default()).collect();
    let word = |i: usize| upper.get(i).map(String::as_str).unwrap_or("");
    if word(0) != "CREATE" && word(0) != "INSERT" {
        return Vec::new();
    }
    let mut created = Vec::new();
    if word(0) == "CREATE" {
        let at = if matches!(word(1), "SOURCE" | "SINK") { 2 } else { 1 };
        if word(1) == "OR" || word(at + 1) == "IF" {
            return Vec::new();
        }
        let kind = match word(at) {
            "STREAM" => Some(ObjectKind::Stream),
            "TABLE" => Some(ObjectKind::Table),
            "TYPE" => Some(ObjectKind::Type),
            "CONNECTOR" => Some(ObjectKind::Connector),
            _ => None,
        };
        if let (Some(kind), Some(name)) = (kind, tokens.get(at + 1).filter(|t| t.name().is_some())) {
            let as_select = upper.windows(2).any(|w| w[0] == "AS" && w[1] == "SELECT");
            let fingerprint = match kind {
                ObjectKind::Stream | ObjectKind::Table => property(&tokens, "KAFKA_TOPIC"),
                ObjectKind::Connector => property(&tokens, "connector.class"),
                _ => None,
            }
            // The text may hold `${var}`s the server substitutes: then it cannot be compared.
            .filter(|value| !value.contains("${"));
            created.push(Created {
                kind,
                name: name.name().unwrap_or_default(),
                quoted: name.kind == TokenKind::Quoted,
                owns_topic: as_select && !tokens.iter().any(|t| t.text.eq_ignore_ascii_case("KAFKA_TOPIC")),
                fingerprint,
            });
        }
    }
    for entity in entities {
        if let Some(id) = query_id(entity.raw_json()) {
            created.push(Created {
                kind: ObjectKind::Query,
                name: id,
                quoted: true,
                owns_topic: false,
                fingerprint: None,
            });
        }
    }
    created
}

/// The statement's code tokens (no whitespace or comments).
fn code_tokens(statement: &str) -> Vec<Token> {
    significant(&lex_sql(statement)).cloned().collect()
}

/// The string value of a WITH property (`KAFKA_TOPIC='t'`, `'connector.class'='C'`): the key
/// is matched case-insensitively, bare or quoted, and must be followed by `=` and a string.
fn property(tokens: &[Token], key: &str) -> Option<String> {
    tokens.windows(3).find_map(|w| {
        let is_key = matches!(w[0].kind, TokenKind::Word | TokenKind::Quoted | TokenKind::Str)
            && w[0].text.eq_ignore_ascii_case(key);
        (is_key && w[1].is_sym("=") && w[2].kind == TokenKind::Str && w[2].closed).then(|| w[2].text.clone())
    })
}

/// What a successful DROP or TERMINATE of the notebook's own removed: (kind, name as written).
fn removed_by(statement: &str) -> Option<(Option<ObjectKind>, String)> {
    // (kind, name): the name as the server has it.
    let tokens = code_tokens(statement);
    let upper: Vec<String> = tokens.iter().map(|t| t.upper().unwrap_or_default()).collect();
    match upper.first().map(String::as_str)? {
        "TERMINATE" => Some((Some(ObjectKind::Query), tokens.get(1)?.name().map(|_| tokens[1].text.clone())?)),
        "DROP" => {
            let kind = match upper.get(1).map(String::as_str)? {
                "STREAM" => ObjectKind::Stream,
                "TABLE" => ObjectKind::Table,
                "TYPE" => ObjectKind::Type,
                "CONNECTOR" => ObjectKind::Connector,
                _ => return None,
            };
            let at = if upper.get(2).map(String::as_str) == Some("IF") { 4 } else { 2 };
            Some((Some(kind), tokens.get(at)?.name()?))
        }
        _ => None,
    }
}

/// The id of the persistent query a command started: `commandStatus.queryId` (0.15+), else
/// the message "Created query with ID X".
fn query_id(raw: &Value) -> Option<String> {
    let status = raw.get("commandStatus")?;
    if let Some(id) = status.get("queryId").and_then(Value::as_str) {
        return Some(id.to_string());
    }
    let message = status.get("message").and_then(Value::as_str)?;
    let id = message.split("Created query with ID ").nth(1)?;
    let id: String = id.chars().take_while(|c| !c.is_whitespace() && *c != ',').collect();
    let id = id.trim_end_matches('.').to_string();
    (!id.is_empty()).then_some(id)
}

fn quoted(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// What exists on the server now, by kind.
#[derive(Default)]
struct Existing {
    names: HashSet<(&'static str, String)>,
    /// The fingerprint of what exists now (see [`Created::fingerprint`]), by kind and name.
    fingerprints: HashMap<(&'static str, String), String>,
}

impl Existing {
    /// The server's name of a recorded object: the same, or the same but for how a name was
    /// upper-cased (`ß` stays `ß` on some servers and becomes `SS` on others).
    fn find(&self, object: &Created) -> Option<String> {
        let (kind, name) = (object.kind, object.name.as_str());
        if self.names.contains(&(kind.word(), name.to_string())) {
            return Some(name.to_string());
        }
        if object.quoted {
            return None;
        }
        let wanted = name.to_uppercase();
        self.names.iter().find(|(k, n)| *k == kind.word() && n.to_uppercase() == wanted).map(|(_, n)| n.clone())
    }

    /// Why the object of this name is no longer the one the notebook made, if it is not.
    fn changed(&self, object: &Created, name: &str) -> Option<String> {
        let recorded = object.fingerprint.as_deref()?;
        let now = self.fingerprints.get(&(object.kind.word(), name.to_string()))?;
        if now == recorded {
            return None;
        }
        let what = if object.kind == ObjectKind::Connector { "its class is" } else { "it reads topic" };
        Some(format!("{} {name} was changed by someone else ({what} '{now}', not '{recorded}')", object.kind.word()))
    }
}

/// Reads what exists (queries, streams, tables, types, connectors) from the server.
async fn existing(scope: &StatementScope) -> Result<Existing, ErrorReport> {
    let mut found = Existing::default();
    let client = &scope.connection.client;
    for (statement, kind, list, field, fingerprint) in [
        ("SHOW QUERIES;", ObjectKind::Query, "queries", "id", None),
        ("SHOW STREAMS;", ObjectKind::Stream, "streams", "name", Some("topic")),
        ("SHOW TABLES;", ObjectKind::Table, "tables", "name", Some("topic")),
    ] {
        let entities = client
            .ksql(statement, &request_context(scope))
            .await
            .map_err(|e| super::request::report_ksql_error(&e, Some(statement)))?;
        for entity in &entities {
            for item in entity.raw_json().get(list).and_then(Value::as_array).into_iter().flatten() {
                if let Some(name) = item.get(field).and_then(Value::as_str) {
                    found.names.insert((kind.word(), name.to_string()));
                    if let Some(now) = fingerprint.and_then(|f| item.get(f)).and_then(Value::as_str) {
                        found.fingerprints.insert((kind.word(), name.to_string()), now.to_string());
                    }
                }
            }
        }
    }
    // Types and connectors: servers without them (or a Connect cluster) just have none.
    if let Ok(entities) = client.ksql("SHOW TYPES;", &request_context(scope)).await {
        for entity in &entities {
            if let Some(types) = entity.raw_json().get("types").and_then(Value::as_object) {
                found.names.extend(types.keys().map(|k| (ObjectKind::Type.word(), k.clone())));
            }
        }
    }
    if let Ok(entities) = client.ksql("SHOW CONNECTORS;", &request_context(scope)).await {
        for entity in &entities {
            for item in entity.raw_json().get("connectors").and_then(Value::as_array).into_iter().flatten() {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    found.names.insert((ObjectKind::Connector.word(), name.to_string()));
                    if let Some(class) = item.get("className").and_then(Value::as_str) {
                        found.fingerprints.insert((ObjectKind::Connector.word(), name.to_string()), class.to_string());
                    }
                }
            }
        }
    }
    Ok(found)
}

/// One step of the plan: the statement, and the record it clears.
struct Step {
    statement: String,
    object: Created,
}

/// The plan: queries first, then connectors (which write into topics), then streams and
/// tables in reverse order of creation (what was made from another goes first), then types;
/// and what was skipped.
fn plan(created: &[Created], existing: &Existing, delete_topics: bool) -> (Vec<Step>, Vec<String>) {
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    let order = [ObjectKind::Query, ObjectKind::Connector, ObjectKind::Stream, ObjectKind::Type];
    for phase in order {
        for object in created.iter().rev() {
            let in_phase = match phase {
                ObjectKind::Stream => matches!(object.kind, ObjectKind::Stream | ObjectKind::Table),
                other => object.kind == other,
            };
            if !in_phase {
                continue;
            }
            let Some(name) = existing.find(object) else {
                skipped.push(format!("{} {} no longer exists", object.kind.word(), object.name));
                continue;
            };
            if let Some(why) = existing.changed(object, &name) {
                skipped.push(why);
                continue;
            }
            let statement = match object.kind {
                // Query ids are the server's (`CSAS_B_3`); quoted, as a sink's name may be.
                ObjectKind::Query => format!("TERMINATE {};", quoted(&name)),
                ObjectKind::Stream | ObjectKind::Table => format!(
                    "DROP {} {}{};",
                    object.kind.word(),
                    quoted(&name),
                    if delete_topics && object.owns_topic { " DELETE TOPIC" } else { "" }
                ),
                ObjectKind::Type => format!("DROP TYPE {};", quoted(&name)),
                ObjectKind::Connector => format!("DROP CONNECTOR {};", quoted(&name)),
            };
            steps.push(Step { statement, object: object.clone() });
        }
    }
    (steps, skipped)
}

/// `%cleanup [--yes] [--delete-topics]`.
pub async fn run_cleanup(
    kernel: &KsqlKernel,
    scope: &StatementScope,
    args: &str,
    ctx: &jupyter_kernel::ExecuteContext,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    let mut execute = false;
    let mut delete_topics = false;
    for word in args.split_whitespace() {
        match word {
            "--yes" | "-y" => execute = true,
            "--delete-topics" => delete_topics = true,
            other => {
                return Err(ErrorReport::usage(
                    "UsageError",
                    &format!("unknown option {other}\nusage: {CLEANUP_USAGE}"),
                ))
            }
        }
    }
    let url = scope.connection.client.url().to_string();
    let created: Vec<Created> = kernel.state().created.get(&url).cloned().unwrap_or_default();
    if created.is_empty() {
        return Ok(vec![render_status(
            &format!("This notebook created nothing on {url} (through this kernel)."),
            Kind::Info,
        )]);
    }
    let existing = existing(scope).await?;
    let (steps, skipped) = plan(&created, &existing, delete_topics);
    let mut out = Vec::new();
    if !execute {
        let rows = steps.iter().map(|s| vec![s.statement.clone()]).collect();
        out.push(simple_table(
            &["Statement"],
            rows,
            Some(&format!("The cleanup plan for {url}; %cleanup --yes runs it")),
        ));
    } else {
        let mut rows = Vec::new();
        let mut failed = 0;
        for step in &steps {
            let result = scope.connection.client.ksql(&step.statement, &request_context(scope)).await;
            let outcome = match result {
                Ok(entities) if !entities.iter().any(Entity::is_error_status) => {
                    forget(kernel, &url, &step.object);
                    "✔ done".to_string()
                }
                Ok(_) => {
                    failed += 1;
                    "✘ the server reported an error".to_string()
                }
                Err(e) => {
                    failed += 1;
                    format!("✘ {}", e.short_message())
                }
            };
            rows.push(vec![step.statement.clone(), outcome]);
        }
        kernel.catalog.after_statement("DROP");
        out.push(simple_table(&["Statement", "Outcome"], rows, Some(&format!("Cleanup of {url}"))));
        // Gone, or someone else's now: not the notebook's to clean up any more.
        let not_ours = |o: &Created| existing.find(o).is_none_or(|name| existing.changed(o, &name).is_some());
        for object in created.iter().filter(|o| not_ours(o)) {
            forget(kernel, &url, object);
        }
        if failed > 0 {
            out.extend(skipped_note(&skipped));
            // Shown before the error, which makes the cell fail (and papermill notice).
            for bundle in out {
                ctx.display(bundle.data, bundle.metadata, None).await;
            }
            return Err(ErrorReport::usage(
                "CleanupError",
                &format!("{failed} of {} cleanup steps failed", steps.len()),
            ));
        }
    }
    out.extend(skipped_note(&skipped));
    Ok(out)
}

fn skipped_note(skipped: &[String]) -> Option<MimeBundle> {
    (!skipped.is_empty()).then(|| render_status(&format!("Skipped: {}.", skipped.join("; ")), Kind::Info))
}

/// Takes an object off this connection's record.
fn forget(kernel: &KsqlKernel, url: &str, object: &Created) {
    let mut state = kernel.state();
    if let Some(list) = state.created.get_mut(url) {
        list.retain(|o| o != object);
    }
    save(&state.created);
}

/// Where the record of a notebook is kept across kernel restarts: one file per notebook path,
/// when the front end tells it (JPY_SESSION_NAME), in the Jupyter data directory.
fn ledger_file() -> Option<std::path::PathBuf> {
    use sha2::Digest;
    let notebook = std::env::var("JPY_SESSION_NAME").ok().filter(|n| !n.is_empty())?;
    let digest = hex::encode(sha2::Sha256::digest(notebook.as_bytes()));
    let dir = crate::paths::kernel_data_dir().ok()?.join("cleanup");
    Some(dir.join(format!("{}.json", &digest[..32])))
}

/// The record kept for this notebook by an earlier kernel, if any.
pub fn load() -> Ledger {
    ledger_file()
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice::<LedgerFile>(&bytes).ok())
        .map(|file| file.servers)
        .unwrap_or_default()
}

/// What this notebook created, per server URL.
pub type Ledger = std::collections::HashMap<String, Vec<Created>>;

#[derive(serde::Serialize, serde::Deserialize)]
struct LedgerFile {
    notebook: String,
    servers: Ledger,
}

/// Keeps the record for the next kernel of this notebook (problems are logged, not fatal).
fn save(ledger: &Ledger) {
    let Some(path) = ledger_file() else { return };
    let file = LedgerFile { notebook: std::env::var("JPY_SESSION_NAME").unwrap_or_default(), servers: ledger.clone() };
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, serde_json::to_vec_pretty(&file).unwrap_or_default()));
    if let Err(e) = written {
        eprintln!("[ksqldb-kernel] cannot keep the %cleanup record in {}: {e}", path.display());
    }
}

/// Records what a successful statement created on the connection at `url`.
pub fn record(kernel: &KsqlKernel, url: &str, statement: &str, entities: &[Entity]) {
    if let Some((kind, name)) = removed_by(statement) {
        // The notebook dropped it itself: a later object of that name is not its own.
        let mut state = kernel.state();
        if let Some(list) = state.created.get_mut(url) {
            list.retain(|o| !(Some(o.kind) == kind && o.name.eq_ignore_ascii_case(&name)));
        }
        save(&state.created);
        return;
    }
    let made = created_by(statement, entities);
    if made.is_empty() {
        return;
    }
    let mut state = kernel.state();
    let list = state.created.entry(url.to_string()).or_default();
    for object in made {
        // CREATE OR REPLACE: the object keeps its first place in the order.
        if !list.contains(&object) {
            list.push(object);
        }
    }
    save(&state.created);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(statement: &str) -> Vec<(ObjectKind, String)> {
        created_by(statement, &[]).into_iter().map(|c| (c.kind, c.name)).collect()
    }

    #[test]
    fn what_statements_create() {
        assert_eq!(
            names("CREATE STREAM riders (id INT) WITH (kafka_topic='r');"),
            [(ObjectKind::Stream, "RIDERS".into())]
        );
        assert_eq!(names("create table `Mixed``Case` as select 1;"), [(ObjectKind::Table, "Mixed`Case".into())]);
        // They may meet someone else's object: not recorded.
        assert!(names("CREATE TABLE IF NOT EXISTS t2(id INT PRIMARY KEY);").is_empty());
        assert!(names("create or replace table t as select 1;").is_empty());
        assert!(names("CREATE SOURCE CONNECTOR IF NOT EXISTS g WITH ('a'='b');").is_empty());
        let csas = created_by("CREATE STREAM b AS SELECT * FROM a;", &[]);
        assert!(csas[0].owns_topic && !csas[0].quoted);
        assert!(!created_by("CREATE STREAM b WITH (KAFKA_TOPIC='shared') AS SELECT * FROM a;", &[])[0].owns_topic);
        assert!(!created_by("CREATE STREAM s (a INT) WITH (kafka_topic='t', partitions=1);", &[])[0].owns_topic);
        assert_eq!(removed_by("DROP STREAM IF EXISTS s DELETE TOPIC;"), Some((Some(ObjectKind::Stream), "S".into())));
        assert_eq!(removed_by("TERMINATE CSAS_B_1;"), Some((Some(ObjectKind::Query), "CSAS_B_1".into())));
        assert_eq!(names("CREATE TYPE address AS STRUCT<a INT>;"), [(ObjectKind::Type, "ADDRESS".into())]);
        assert_eq!(names("CREATE SOURCE CONNECTOR `gen` WITH ('a'='b');"), [(ObjectKind::Connector, "gen".into())]);
        assert_eq!(names("-- note\nCREATE /* c */ STREAM größe (a INT);"), [(ObjectKind::Stream, "GRÖSSE".into())]);
        assert!(names("SELECT * FROM t;").is_empty());
        assert!(names("INSERT INTO s VALUES (1);").is_empty());
    }

    #[test]
    fn the_query_a_command_started() {
        let new = serde_json::json!({"commandStatus": {"status": "SUCCESS", "queryId": "CSAS_B_3"}});
        let old = serde_json::json!({"commandStatus": {"status": "SUCCESS",
            "message": "Stream created and running. Created query with ID CSAS_B_0"}});
        assert_eq!(query_id(&new).as_deref(), Some("CSAS_B_3"));
        assert_eq!(query_id(&old).as_deref(), Some("CSAS_B_0"));
        assert_eq!(query_id(&serde_json::json!({"commandStatus": {"message": "Stream created"}})), None);
    }

    #[test]
    fn the_plan_goes_in_dependency_order_and_skips_what_is_gone() {
        let made = |kind, name: &str, quoted, owns_topic| Created {
            kind,
            name: name.into(),
            quoted,
            owns_topic,
            fingerprint: None,
        };
        let created = vec![
            made(ObjectKind::Type, "ADDR", false, false),
            made(ObjectKind::Stream, "A", false, false),
            made(ObjectKind::Stream, "B", false, true),
            made(ObjectKind::Query, "CSAS_B_1", true, false),
            made(ObjectKind::Table, "Gone", true, false),
            made(ObjectKind::Connector, "gen", true, false),
        ];
        let mut existing = Existing::default();
        for (k, n) in [
            ("TYPE", "ADDR"),
            ("STREAM", "A"),
            ("STREAM", "b"),
            ("QUERY", "CSAS_B_1"),
            ("STREAM", "OTHER"),
            ("TABLE", "GONE"),
            ("CONNECTOR", "gen"),
        ] {
            existing.names.insert((k, n.to_string()));
        }
        let (steps, skipped) = plan(&created, &existing, true);
        let statements: Vec<&str> = steps.iter().map(|s| s.statement.as_str()).collect();
        assert_eq!(
            statements,
            [
                "TERMINATE `CSAS_B_1`;",
                "DROP CONNECTOR `gen`;",
                "DROP STREAM `b` DELETE TOPIC;",
                "DROP STREAM `A`;",
                "DROP TYPE `ADDR`;"
            ]
        );
        // A quoted name matches exactly: another client's GONE is not the notebook's `Gone`.
        assert_eq!(skipped, ["TABLE Gone no longer exists"]);
    }

    #[test]
    fn what_someone_else_re_created_is_skipped() {
        let created =
            created_by("CREATE STREAM riders (id INT) WITH (kafka_topic = 'rides''s', value_format='json');", &[]);
        assert_eq!(created[0].fingerprint.as_deref(), Some("rides's"));
        let connector =
            created_by("CREATE SOURCE CONNECTOR g WITH (\"connector.class\"='DatagenSource', 'kafka.topic'='t');", &[]);
        assert_eq!(connector[0].fingerprint.as_deref(), Some("DatagenSource"));
        let with_variable =
            created_by("CREATE STREAM s (id INT) WITH (kafka_topic='${topic}', value_format='json');", &[]);
        assert_eq!(with_variable[0].fingerprint, None, "a variable's value is the server's to know");
        // Not fooled by a longer key that ends the same way, or by a key in a string value.
        assert_eq!(
            property(&code_tokens("CREATE STREAM s WITH (MY_KAFKA_TOPIC='x', kafka_topic='y')"), "KAFKA_TOPIC")
                .as_deref(),
            Some("y")
        );
        assert_eq!(property(&code_tokens("CREATE STREAM s WITH (a='kafka_topic', b=1)"), "KAFKA_TOPIC"), None);
        let mut existing = Existing::default();
        existing.names.insert(("STREAM", "RIDERS".into()));
        existing.fingerprints.insert(("STREAM", "RIDERS".into()), "other".into());
        existing.names.insert(("CONNECTOR", "G".into()));
        existing.fingerprints.insert(("CONNECTOR", "G".into()), "DatagenSource".into());
        let all: Vec<Created> = created.into_iter().chain(connector).collect();
        let (steps, skipped) = plan(&all, &existing, false);
        let statements: Vec<&str> = steps.iter().map(|s| s.statement.as_str()).collect();
        assert_eq!(statements, ["DROP CONNECTOR `G`;"]);
        assert_eq!(skipped, ["STREAM RIDERS was changed by someone else (it reads topic 'other', not 'rides's')"]);
    }
}
