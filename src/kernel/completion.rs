//! Tab completion (`complete_request`): what [`context::analyze`] says may be typed at the
//! cursor, filled from the server's catalog (streams, tables, columns and STRUCT fields,
//! topics, queries, functions, properties), the session (variables, properties set here),
//! the built-in keyword and function tables, and the magics.
//!
//! Cursor positions are Unicode code point offsets into the cell, as the Jupyter protocol
//! (version 5.2 and later) defines them.

use serde_json::{Map, Value};
use std::collections::HashSet;

use super::catalog::{field_type, sql_name, CatalogView, SourceDetail};
use super::context::{self, CursorContext, Quote, Want, SQL_TYPES};
use ksql_syntax::functions::{self, Function};
use ksql_wire::schema::SqlType;
use std::sync::Arc;

pub use super::inspect::{inspect_builtin, Inspection};

/// The answer to a completion request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// Candidate replacements for the text between `cursor_start` and `cursor_end`.
    pub matches: Vec<String>,
    /// Code point offset where the replaced text starts.
    pub cursor_start: usize,
    /// Code point offset where the replaced text ends (the cursor).
    pub cursor_end: usize,
    /// Parallel to `matches`: stream, table, column, function, keyword, property,
    /// variable, query, topic or magic.
    pub kinds: Vec<&'static str>,
    /// Parallel to `matches`: a function's signature, a column's type.
    pub details: Vec<Option<String>>,
}

/// What completion draws from besides the cell.
#[derive(Default)]
pub struct Sources<'a> {
    pub catalog: CatalogView,
    /// `DEFINE`d variable names.
    pub variables: Vec<String>,
    /// Properties `SET` in this session.
    pub local_properties: Vec<String>,
    /// Magics: name (without `%`), usage of its arguments.
    pub magics: Vec<(&'a str, &'a str)>,
    /// Connection profiles of the config file (for `%connect`).
    pub profiles: Vec<String>,
}

/// Properties users set most, offered next to the server's list.
const COMMON_PROPERTIES: &[&str] = &[
    "auto.offset.reset",
    "cache.max.bytes.buffering",
    "commit.interval.ms",
    "ksql.query.pull.table.scan.enabled",
    "ksql.streams.auto.offset.reset",
    "processing.guarantee",
];

const WITH_PROPERTIES: &[&str] = &[
    "FORMAT",
    "KAFKA_TOPIC",
    "KEY_DELIMITER",
    "KEY_FORMAT",
    "KEY_SCHEMA_FULL_NAME",
    "KEY_SCHEMA_ID",
    "PARTITIONS",
    "REPLICAS",
    "RETENTION_MS",
    "TIMESTAMP",
    "TIMESTAMP_FORMAT",
    "VALUE_DELIMITER",
    "VALUE_FORMAT",
    "VALUE_SCHEMA_FULL_NAME",
    "VALUE_SCHEMA_ID",
    "WINDOW_SIZE",
    "WINDOW_TYPE",
    "WRAP_SINGLE_VALUE",
];

const FORMATS: &[&str] = &["AVRO", "DELIMITED", "JSON", "JSON_SR", "KAFKA", "NONE", "PROTOBUF", "PROTOBUF_NOSR"];

struct Builder<'c> {
    ctx: &'c CursorContext,
    out: Completion,
    seen: HashSet<String>,
    /// The prefix, upper-cased, for case-insensitive matching.
    upper: String,
}

impl Builder<'_> {
    fn matches(&self, candidate: &str) -> bool {
        candidate.to_uppercase().starts_with(&self.upper)
    }

    fn push(&mut self, text: String, kind: &'static str, detail: Option<String>) {
        if self.seen.insert(text.clone()) {
            self.out.matches.push(text);
            self.out.kinds.push(kind);
            self.out.details.push(detail);
        }
    }

    /// A keyword-like word, in the user's case.
    fn word(&mut self, word: &str, kind: &'static str, detail: Option<String>) {
        if self.matches(word) {
            let text = if self.ctx.lower { word.to_lowercase() } else { word.to_string() };
            self.push(text, kind, detail);
        }
    }

    /// A catalog name: plain upper-case names follow the user's case; others are quoted.
    fn name(&mut self, name: &str, kind: &'static str, detail: Option<String>) {
        if !self.matches(name) && !name.starts_with(&self.ctx.prefix) {
            return;
        }
        let text = match self.ctx.quote {
            Quote::Backtick { closed } => format!("{}{}", name.replace('`', "``"), if closed { "" } else { "`" }),
            _ => {
                let quoted = sql_name(name);
                if quoted == name && self.ctx.lower {
                    name.to_lowercase()
                } else {
                    quoted
                }
            }
        };
        self.push(text, kind, detail);
    }

    /// A string value (topic, property, format): inside quotes as typed, else quoted.
    fn string(&mut self, value: &str, kind: &'static str, bare_ok: bool) {
        if !value.to_uppercase().starts_with(&self.upper) {
            return;
        }
        let text = match self.ctx.quote {
            Quote::Single { closed } => format!("{}{}", value, if closed { "" } else { "'" }),
            _ if bare_ok && value.chars().all(|c| c.is_alphanumeric() || c == '_') => value.to_string(),
            _ => format!("'{}'", value.replace('\'', "''")),
        };
        self.push(text, kind, None);
    }
}

/// Completes at `cursor_pos` (a code point offset) in `code`.
pub fn complete(code: &str, cursor_pos: usize, sources: &Sources<'_>) -> Completion {
    let ctx = context::analyze(code, cursor_pos);
    let upper = ctx.prefix.to_uppercase();
    let mut b = Builder {
        ctx: &ctx,
        out: Completion { cursor_start: ctx.start, cursor_end: ctx.end, ..Completion::default() },
        seen: HashSet::new(),
        upper,
    };
    for want in &ctx.wants {
        add_want(&mut b, want, sources);
    }
    b.out
}

fn add_want(b: &mut Builder<'_>, want: &Want, sources: &Sources<'_>) {
    let view = &sources.catalog;
    let catalog = &view.catalog;
    match want {
        Want::Keywords(words) => {
            let mut words = words.clone();
            words.sort_unstable();
            for w in words {
                b.word(w, "keyword", None);
            }
        }
        Want::Sources { streams, tables } => {
            for s in &catalog.sources {
                let wanted = match s.kind {
                    super::catalog::SourceKind::Stream => *streams,
                    super::catalog::SourceKind::Table => *tables,
                };
                if wanted {
                    let detail = s.topic.as_ref().map(|t| format!("{} on topic {t}", s.kind.as_str()));
                    b.name(&s.name, s.kind.as_str(), detail);
                }
            }
        }
        Want::Columns => {
            for source in &b.ctx.sources.clone() {
                if let Some(detail) = view.detail(&source.name) {
                    add_columns(b, detail);
                }
            }
        }
        Want::ColumnsOf(qualifier) => {
            if let Some(detail) = resolve_qualifier(b.ctx, view, qualifier) {
                add_columns(b, &detail);
            }
        }
        Want::Fields { qualifier, column, path } => {
            if let Some(t) = resolve_column(b.ctx, view, qualifier.as_deref(), column) {
                if let Some(SqlType::Struct(fields)) = field_type(&t, path) {
                    for (name, t) in fields {
                        b.name(name, "column", Some(t.to_string()));
                    }
                }
            }
        }
        Want::Functions => {
            let mut names: Vec<(&str, Option<String>)> =
                functions::all().iter().map(|f| (f.name, first_signature(f))).collect();
            for f in &catalog.functions {
                if functions::find(&f.name).is_none() {
                    let sig = view.function_docs.get(&f.name).and_then(|d| d.signatures.first().cloned());
                    names.push((f.name.as_str(), sig));
                }
            }
            names.sort_by(|a, b| a.0.cmp(b.0));
            for (name, sig) in names {
                b.word(name, "function", sig);
            }
        }
        Want::Queries => {
            for q in &catalog.queries {
                if b.matches(&q.id) {
                    let detail = Some(q.sql.chars().take(200).collect());
                    b.push(q.id.clone(), "query", detail);
                }
            }
        }
        Want::Topics => {
            for t in &catalog.topics {
                b.string(t, "topic", true);
            }
        }
        Want::Properties => {
            let mut names: Vec<&str> = sources.local_properties.iter().map(String::as_str).collect();
            names.extend(COMMON_PROPERTIES);
            names.extend(catalog.properties.iter().map(|(n, _)| n.as_str()));
            for n in names {
                b.string(n, "property", false);
            }
        }
        Want::Variables => {
            for v in &sources.variables {
                if b.matches(v) {
                    b.push(v.clone(), "variable", None);
                }
            }
        }
        Want::VariableRef { closed } => {
            for v in &sources.variables {
                if b.matches(v) {
                    b.push(if *closed { v.clone() } else { format!("{v}}}") }, "variable", None);
                }
            }
        }
        Want::Types => {
            for t in SQL_TYPES {
                b.word(t, "keyword", None);
            }
        }
        Want::WithProperties => {
            for p in WITH_PROPERTIES {
                b.word(p, "property", None);
            }
        }
        Want::Formats => {
            for f in FORMATS {
                b.string(f, "keyword", true);
            }
        }
        Want::Magics => {
            let typed = b.ctx.prefix.trim_start_matches('%').to_lowercase();
            let mut names: Vec<&str> = sources.magics.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            for n in names {
                if n.starts_with(&typed) {
                    let usage = sources
                        .magics
                        .iter()
                        .find(|(m, _)| *m == n)
                        .map(|(_, u)| format!("%{n} {u}").trim().to_string());
                    b.push(format!("%{n}"), "magic", usage);
                }
            }
        }
        Want::MagicArgs { magic, previous } => add_magic_args(b, magic, previous.as_deref(), sources),
    }
}

/// The detail shown beside a built-in function: its first call form, as the kernel writes it.
fn first_signature(f: &Function) -> Option<String> {
    f.signatures.first().map(|s| s.render(f.name, "->"))
}

fn add_columns(b: &mut Builder<'_>, detail: &SourceDetail) {
    for c in &detail.columns {
        let t = if c.role.is_empty() { c.sql_type.to_string() } else { format!("{} {}", c.sql_type, c.role) };
        b.name(&c.name, "column", Some(t));
    }
}

/// The source an alias or name stands for in the statement, with its DESCRIBE.
fn resolve_qualifier(ctx: &CursorContext, view: &CatalogView, qualifier: &str) -> Option<Arc<SourceDetail>> {
    let by_alias = ctx
        .sources
        .iter()
        .find(|s| s.alias.as_deref().is_some_and(|a| a == qualifier || a.eq_ignore_ascii_case(qualifier)));
    let name = by_alias.map(|s| s.name.as_str()).unwrap_or(qualifier);
    view.detail(name).cloned()
}

fn resolve_column(ctx: &CursorContext, view: &CatalogView, qualifier: Option<&str>, column: &str) -> Option<SqlType> {
    match qualifier {
        Some(q) => resolve_qualifier(ctx, view, q)?.column(column).map(|c| c.sql_type.clone()),
        None => ctx
            .sources
            .iter()
            .filter_map(|s| view.detail(&s.name))
            .find_map(|d| d.column(column).map(|c| c.sql_type.clone())),
    }
}

/// The `--options` in a usage string.
fn usage_options(usage: &str) -> Vec<String> {
    let mut out: Vec<String> = usage
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn add_magic_args(b: &mut Builder<'_>, magic: &str, previous: Option<&str>, sources: &Sources<'_>) {
    let prefix = b.ctx.prefix.clone();
    let offer = |b: &mut Builder<'_>, text: &str, kind: &'static str| {
        if text.starts_with(&prefix) {
            b.push(text.to_string(), kind, None);
        }
    };
    match (magic, previous) {
        ("push" | "live", Some("--mode" | "-m")) => {
            for m in ["auto", "changelog", "table", "tail"] {
                offer(b, m, "keyword");
            }
            return;
        }
        ("connect", None) if !prefix.starts_with('-') => {
            for p in &sources.profiles {
                offer(b, p, "keyword");
            }
        }
        ("stop", None) => offer(b, "all", "keyword"),
        ("rows", None) => offer(b, "default", "keyword"),
        ("doc", None) => {
            let lower = !prefix.chars().any(char::is_uppercase) && prefix.chars().any(char::is_alphabetic);
            let upper = prefix.to_uppercase();
            for f in functions::all() {
                if f.name.starts_with(&upper) {
                    b.push(
                        if lower { f.name.to_lowercase() } else { f.name.to_string() },
                        "function",
                        first_signature(f),
                    );
                }
            }
            return;
        }
        _ => {}
    }
    let usage = if magic == "connect" {
        super::settings::CONNECT_USAGE
    } else {
        sources.magics.iter().find(|(n, _)| *n == magic).map_or("", |(_, u)| u)
    };
    if prefix.is_empty() || prefix.starts_with('-') {
        for o in usage_options(usage) {
            offer(b, &o, "magic");
        }
    }
}

/// Completion from the built-in tables only (no server, no session).
pub fn complete_builtin(code: &str, cursor_pos: usize, magics: &[&str]) -> Completion {
    let sources =
        Sources { magics: magics.iter().map(|m| (m.trim_start_matches('%'), "")).collect(), ..Sources::default() };
    complete(code, cursor_pos, &sources)
}

/// The `metadata` of a `complete_reply` for JupyterLab's typed completer:
/// `{"_jupyter_types_experimental": [{"text", "type", "start", "end", "signature"?}, ...]}`.
/// Functions carry their first signature; columns their type.
pub fn jupyter_types_metadata(c: &Completion) -> Map<String, Value> {
    let items: Vec<Value> = c
        .matches
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let kind = c.kinds.get(i).copied().unwrap_or("keyword");
            let mut item = Map::new();
            item.insert("text".into(), Value::from(text.as_str()));
            item.insert("type".into(), Value::from(kind));
            item.insert("start".into(), Value::from(c.cursor_start));
            item.insert("end".into(), Value::from(c.cursor_end));
            if let Some(Some(detail)) = c.details.get(i) {
                item.insert("signature".into(), Value::from(detail.as_str()));
            }
            Value::Object(item)
        })
        .collect();
    let mut meta = Map::new();
    meta.insert("_jupyter_types_experimental".into(), Value::Array(items));
    meta
}

#[cfg(test)]
mod tests {
    use super::super::catalog::{Catalog, ColumnEntry, FunctionEntry, QueryEntry, SourceEntry, SourceKind};
    use super::*;
    use ksql_wire::entity::Entity;

    const MAGICS: &[&str] = &["connect", "config", "help", "%properties"];

    fn complete(code: &str) -> Completion {
        complete_builtin(code, code.chars().count(), MAGICS)
    }

    fn source(name: &str, kind: SourceKind) -> SourceEntry {
        SourceEntry {
            name: name.into(),
            kind,
            topic: Some(name.to_lowercase()),
            key_format: None,
            value_format: None,
            windowed: false,
        }
    }

    fn col(name: &str, t: SqlType) -> ColumnEntry {
        ColumnEntry { name: name.into(), sql_type: t, role: String::new() }
    }

    fn detail(columns: Vec<ColumnEntry>) -> Arc<SourceDetail> {
        Arc::new(SourceDetail { columns, description: Entity::Unknown { type_name: "x".into(), raw: Value::Null } })
    }

    fn catalog_sources() -> Sources<'static> {
        let catalog = Catalog::new(
            vec![
                source("RIDERS", SourceKind::Stream),
                source("RIDER_COUNTS", SourceKind::Table),
                source("my-events", SourceKind::Stream),
            ],
            vec!["riders".into(), "rider-counts".into()],
            vec![QueryEntry {
                id: "CTAS_RIDER_COUNTS_1".into(),
                sql: "CREATE TABLE ...".into(),
                state: None,
                query_type: None,
                sinks: vec![],
            }],
            vec![FunctionEntry { name: "MY_UDF".into(), kind: "SCALAR".into(), category: None }],
            vec![("ksql.streams.auto.offset.reset".into(), Some("latest".into()))],
        );
        let mut view = CatalogView { catalog: Arc::new(catalog), ..Default::default() };
        let address = SqlType::Struct(vec![
            ("STREET".into(), SqlType::String),
            ("GEO".into(), SqlType::Struct(vec![("LAT".into(), SqlType::Double), ("LON".into(), SqlType::Double)])),
        ]);
        view.details.insert(
            "RIDERS".into(),
            detail(vec![
                ColumnEntry { name: "ID".into(), sql_type: SqlType::String, role: "KEY".into() },
                col("LAT", SqlType::Double),
                col("SPEED", SqlType::Integer),
                col("ADDRESS", address.clone()),
                col("STOPS", SqlType::Array(Box::new(address))),
            ]),
        );
        view.details
            .insert("RIDER_COUNTS".into(), detail(vec![col("ID", SqlType::String), col("TOTAL", SqlType::Bigint)]));
        Sources {
            catalog: view,
            variables: vec!["home".into(), "limit_rows".into()],
            local_properties: vec![],
            magics: vec![
                ("push", "[--mode auto|tail|table|changelog] [--rows N] [--background]"),
                ("connect", ""),
                ("help", ""),
            ],
            profiles: vec!["local".into(), "cloud".into()],
        }
    }

    /// `|` marks the cursor.
    fn at(marked: &str) -> Completion {
        let cursor = marked.chars().position(|c| c == '|').unwrap();
        let code: String = marked.chars().filter(|&c| c != '|').collect();
        super::complete(&code, cursor, &catalog_sources())
    }

    fn kind_of<'a>(c: &'a Completion, text: &str) -> Option<&'a str> {
        c.matches.iter().position(|m| m == text).map(|i| c.kinds[i])
    }

    #[test]
    fn completes_keyword_prefix() {
        let c = complete("SEL");
        assert_eq!(c.matches, vec!["SELECT"]);
        assert_eq!(c.kinds, vec!["keyword"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 3));
    }

    #[test]
    fn case_follows_the_user() {
        assert_eq!(complete("sel").matches, vec!["select"]);
        assert_eq!(complete("Sel").matches, vec!["SELECT"]);
        let c = complete("select ab");
        assert!(c.matches.contains(&"abs".to_string()), "{:?}", c.matches);
        let i = c.matches.iter().position(|m| m == "abs").unwrap();
        assert_eq!(c.kinds[i], "function");
        assert_eq!((c.cursor_start, c.cursor_end), (7, 9));
        assert_eq!(complete("select array_").matches.first().map(String::as_str), Some("array_concat"));
        // Catalog names too; names that need quoting keep theirs.
        assert!(at("select * from ri|").matches.contains(&"riders".to_string()));
        assert!(at("SELECT * FROM RI|").matches.contains(&"RIDERS".to_string()));
        assert!(at("select * from |").matches.contains(&"`my-events`".to_string()));
    }

    #[test]
    fn functions_then_keywords_without_duplicates() {
        let c = complete("SELECT MA");
        assert!(c.matches.contains(&"MAP".to_string()));
        assert!(c.matches.contains(&"MAP_KEYS".to_string()));
        assert!(c.matches.contains(&"MASK".to_string()));
        let mut seen = std::collections::HashSet::new();
        assert!(c.matches.iter().all(|m| seen.insert(m.clone())), "{:?}", c.matches);
        assert_eq!(c.kinds.len(), c.matches.len());
    }

    #[test]
    fn cursor_in_the_middle_of_the_text() {
        let code = "SELECT latest_b FROM t";
        let c = complete_builtin(code, 15, MAGICS);
        assert_eq!(c.matches, vec!["latest_by_offset"]);
        assert_eq!((c.cursor_start, c.cursor_end), (7, 15));
    }

    #[test]
    fn code_point_offsets_with_non_ascii_text() {
        let code = "SELECT 'héllo', ab";
        let c = complete_builtin(code, 18, MAGICS);
        assert_eq!((c.cursor_start, c.cursor_end), (16, 18));
        assert!(c.matches.contains(&"abs".to_string()));
        let code = "SELECT '😀', ucas";
        let c = complete_builtin(code, code.chars().count(), MAGICS);
        assert_eq!(c.matches, vec!["ucase"]);
        assert_eq!((c.cursor_start, c.cursor_end), (12, 16));
        let c = complete("SELECT éab");
        assert!(c.matches.is_empty());
    }

    #[test]
    fn cursor_past_the_end_is_clamped() {
        let c = complete_builtin("SEL", 99, MAGICS);
        assert_eq!(c.matches, vec!["SELECT"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 3));
    }

    #[test]
    fn no_matches_inside_strings_and_comments() {
        for code in [
            "SELECT 'ab",
            "SELECT 'it''s ab",
            "SELECT \"ab",
            "SELECT 1 -- ab",
            "SELECT /* ab",
            "SELECT /* one\n two ab",
        ] {
            let c = complete(code);
            assert!(c.matches.is_empty(), "{code}: {:?}", c.matches);
            let n = code.chars().count();
            assert_eq!(c.cursor_end, n, "{code}");
        }
        for code in ["SELECT 'x', ab", "SELECT 'it''s', ab", "SELECT 1 -- c\n, ab", "SELECT `a`, ab"] {
            assert!(complete(code).matches.iter().any(|m| m.eq_ignore_ascii_case("ABS")), "{code}");
        }
    }

    #[test]
    fn no_matches_for_unknown_members_and_numbers() {
        assert!(complete("SELECT s.ab").matches.is_empty());
        assert!(complete("SELECT s->ab").matches.is_empty());
        assert!(complete("SELECT ${ab").matches.is_empty());
        assert!(complete("SELECT * FROM s LIMIT 10").matches.is_empty());
    }

    #[test]
    fn completes_magics() {
        let c = complete("%con");
        assert_eq!(c.matches, vec!["%config", "%connect"]);
        assert_eq!(c.kinds, vec!["magic", "magic"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 4));
        let c = complete("%");
        assert_eq!(c.matches, vec!["%config", "%connect", "%help", "%properties"]);
        let c = complete("SELECT 1;\n  %HE");
        assert_eq!(c.matches, vec!["%help"]);
        assert_eq!((c.cursor_start, c.cursor_end), (12, 15));
        assert_eq!(complete("%connect 'x\nSEL").matches, vec!["SELECT"]);
        let c = complete("SELECT a\n%he");
        assert!(!c.matches.iter().any(|m| m.starts_with('%')));
    }

    #[test]
    fn completes_magic_options_and_values() {
        let c = at("%push --|");
        assert!(
            c.matches.contains(&"--mode".to_string()) && c.matches.contains(&"--background".to_string()),
            "{:?}",
            c.matches
        );
        assert_eq!(c.cursor_start, 6);
        assert_eq!(at("%push --mode t|").matches, vec!["table", "tail"]);
        assert_eq!(at("%push --b|").matches, vec!["--background"]);
        assert_eq!(at("%connect |").matches[..2], ["local".to_string(), "cloud".to_string()]);
        assert!(at("%connect http://x --pro|").matches.contains(&"--prompt".to_string()));
    }

    #[test]
    fn completes_sources_by_kind() {
        let c = at("SELECT * FROM |");
        assert_eq!(kind_of(&c, "RIDERS"), Some("stream"));
        assert_eq!(kind_of(&c, "RIDER_COUNTS"), Some("table"));
        let c = at("DROP TABLE R|");
        assert_eq!(c.matches, vec!["RIDER_COUNTS"]);
        let c = at("DROP STREAM |");
        assert!(c.matches.contains(&"RIDERS".to_string()) && !c.matches.contains(&"RIDER_COUNTS".to_string()));
        let c = at("SELECT * FROM `ri|");
        assert_eq!(c.matches, vec!["RIDERS`", "RIDER_COUNTS`"]);
        assert_eq!(c.cursor_start, 15);
    }

    #[test]
    fn completes_columns_aliases_and_struct_fields() {
        let c = at("SELECT | FROM riders");
        assert_eq!(&c.matches[..5], ["ID", "LAT", "SPEED", "ADDRESS", "STOPS"]);
        assert_eq!(kind_of(&c, "LAT"), Some("column"));
        assert_eq!(c.details[0].as_deref(), Some("STRING KEY"));
        assert!(c.matches.contains(&"ABS".to_string()));
        let c = at("select r.| from riders r join rider_counts c on r.id = c.id");
        assert_eq!(c.matches, vec!["id", "lat", "speed", "address", "stops"]);
        let c = at("select c.t| from riders r join rider_counts c on r.id = c.id");
        assert_eq!(c.matches, vec!["total"]);
        let c = at("SELECT address->| FROM riders");
        assert_eq!(c.matches, vec!["STREET", "GEO"]);
        let c = at("SELECT r.address->geo->l| FROM riders r");
        assert_eq!(c.matches, vec!["lat", "lon"]);
        let c = at("SELECT stops[1]->st| FROM riders");
        assert_eq!(c.matches, vec!["street"]);
        let c = at("SELECT * FROM riders WHERE sp|");
        assert_eq!(c.matches[0], "speed");
    }

    #[test]
    fn completes_topics_queries_properties_variables() {
        assert_eq!(at("PRINT |").matches, vec!["riders", "'rider-counts'"]);
        assert_eq!(at("PRINT 'rider-|").matches, vec!["rider-counts'"]);
        assert_eq!(at("TERMINATE |").matches, vec!["CTAS_RIDER_COUNTS_1", "ALL"]);
        assert_eq!(kind_of(&at("TERMINATE |"), "CTAS_RIDER_COUNTS_1"), Some("query"));
        assert!(at("SET |").matches.contains(&"'auto.offset.reset'".to_string()));
        assert_eq!(at("SET 'ksql.streams.a|").matches, vec!["ksql.streams.auto.offset.reset'"]);
        assert_eq!(at("SET 'ksql.streams.a|'").matches, vec!["ksql.streams.auto.offset.reset"]);
        assert_eq!(at("SELECT * FROM riders WHERE id = ${ho|").matches, vec!["home}"]);
        assert_eq!(at("SELECT '${ho|").matches, vec!["home}"]);
        assert_eq!(at("SELECT '${|}'").matches, vec!["home", "limit_rows"]);
        assert_eq!(at("UNDEFINE |").matches, vec!["home", "limit_rows"]);
        assert_eq!(at("CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='r|").matches, vec!["riders'", "rider-counts'"]);
        assert_eq!(at("CREATE STREAM s (a INT) WITH (VALUE_FORMAT='j|").matches, vec!["JSON'", "JSON_SR'"]);
        let c = at("SELECT my_|");
        assert_eq!(kind_of(&c, "my_udf"), Some("function"));
    }

    #[test]
    fn function_detail_is_the_catalogs_first_signature() {
        let c = complete("SELECT LPA");
        let meta = jupyter_types_metadata(&c);
        let items = meta["_jupyter_types_experimental"].as_array().unwrap();
        let lpad = items.iter().find(|i| i["text"] == "LPAD").unwrap();
        let first = functions::find("LPAD").unwrap().signatures[0].render("LPAD", "->");
        assert_eq!(lpad["signature"], first.as_str());
        assert_eq!(first, "LPAD(input STRING, targetLen INT, padding STRING) -> STRING");
    }

    #[test]
    fn jupyter_types_metadata_shape() {
        let c = complete("select ab");
        let meta = jupyter_types_metadata(&c);
        let items = meta["_jupyter_types_experimental"].as_array().unwrap();
        assert_eq!(items.len(), c.matches.len());
        let abs = items.iter().find(|i| i["text"] == "abs").unwrap();
        assert_eq!(abs["type"], "function");
        assert_eq!(abs["start"], 7);
        assert_eq!(abs["end"], 9);
        assert!(abs["signature"].as_str().unwrap().starts_with("ABS("));
    }
}
