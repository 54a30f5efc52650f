//! The engine: runs statements against the catalog and topics, keeps persistent queries
//! running as records arrive, and serves push and pull queries.
//!
//! Everything is synchronous and single-threaded behind one lock: appending a record runs
//! every persistent query that reads its topic at once (breadth-first through sink topics),
//! so results are deterministic and immediately visible to pull queries. Transient push
//! queries and PRINT read their topics lazily, as their clients take rows ([`push`]).

pub mod connectors;
pub mod exec;
pub mod plan;
pub mod push;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use self::exec::{Executor, Output};
use self::plan::{plan_query, OutCol, Plan, PlanOptions};
use self::push::{End, Feed, Next, Signal};
use super::catalog::*;
use super::expr::{compile, Scope};
use super::functions;
use super::sql::ast::*;
use super::sql::parser::parse_statement;
use super::topics::{serialize, Format, Record, Topics};
use super::types::*;
use crate::sandbox::registry::{self, RegisteredSchema};
use serde_json::{json, Value as J};

/// An error with ksqlDB's REST shape: HTTP status, error code, and whether it is a
/// `statement_error` (with the statement text) or a `generic_error`.
#[derive(Debug, Clone)]
pub struct EngineError {
    pub status: u16,
    pub code: u32,
    pub message: String,
    pub statement: bool,
    /// The statement as the error answer shows it, when not as sent (credentials masked).
    pub statement_text: Option<String>,
}

impl EngineError {
    pub fn statement(message: impl Into<String>) -> Self {
        EngineError { status: 400, code: 40001, message: message.into(), statement: true, statement_text: None }
    }
    pub fn generic(message: impl Into<String>) -> Self {
        EngineError { status: 400, code: 40000, message: message.into(), statement: false, statement_text: None }
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type EResult<T> = Result<T, EngineError>;

/// Per-request state: property overrides and session variables.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub properties: Vec<(String, String)>,
    pub variables: Vec<(String, String)>,
}

impl Session {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k == name || k.strip_prefix("ksql.streams.") == Some(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn earliest(&self) -> bool {
        self.property("auto.offset.reset").is_some_and(|v| v.eq_ignore_ascii_case("earliest"))
    }
}

/// What a push query sends to its client.
#[derive(Debug, Clone)]
pub enum PushMsg {
    Row(Vec<Value>),
    Tombstone(Vec<Value>),
    Error(String),
    /// A line of PRINT output.
    Line(String),
}

/// The header of a query result.
#[derive(Debug, Clone)]
pub struct QueryHeader {
    pub query_id: String,
    pub columns: Vec<OutCol>,
}

pub enum QueryResult {
    /// Pull query (or stream pull query): all rows at once. `completion` is the final
    /// message of stream pull queries ("Query Completed" / "Limit Reached").
    Pull { header: QueryHeader, rows: Vec<Vec<Value>>, tombstones: Vec<bool>, completion: Option<&'static str> },
    /// Push query: take its rows with [`Engine::pump`] when `signal` says there are new
    /// records, until LIMIT, until it ends, or until the client goes away.
    Push { header: QueryHeader, signal: Arc<Signal>, limit: Option<u64> },
    /// PRINT: the format lines, then [`PushMsg::Line`]s from [`Engine::pump`] under `id`.
    Print { id: String, formats: Vec<String>, signal: Arc<Signal>, limit: Option<u64> },
}

struct Persistent {
    info: QueryInfo,
    executor: Executor,
    sink: Option<SinkSpec>,
}

/// How a query's outputs become records of its sink topic.
#[derive(Clone)]
struct SinkSpec {
    topic: String,
    key_format: Format,
    value_format: Format,
    wrap: bool,
    key_cols: Vec<(String, SqlType)>,
    value_cols: Vec<(String, SqlType)>,
    /// Positions of the value columns in the projected row.
    value_positions: Vec<usize>,
}

struct Transient {
    id: String,
    executor: Executor,
    /// Where key values go in a tombstone row, and the row width.
    key_positions: Vec<usize>,
    width: usize,
    feed: Feed,
    signal: Arc<Signal>,
    sql: String,
    /// Stopped (/close-query, TERMINATE): takes no new records, and ends once its client
    /// has the rows of records that arrived before, or after this many more records (a close
    /// during a long replay must not stream the rest of the topic).
    closing: Option<u64>,
}

struct PrintSub {
    id: String,
    feed: Feed,
    signal: Arc<Signal>,
}

pub struct Engine {
    pub topics: Topics,
    pub catalog: Catalog,
    queries: BTreeMap<String, Persistent>,
    transients: Vec<Transient>,
    prints: Vec<PrintSub>,
    /// The topics' eviction count when subscribers were last checked for lost records.
    evictions_seen: u64,
    next_query: u64,
    pub command_seq: i64,
    /// Create topics named by KAFKA_TOPIC when they do not exist (the QTT runner's mode;
    /// ksqlDB itself wants PARTITIONS then).
    pub auto_create_topics: bool,
    /// Maintained state of tables for pull queries (source name -> latest row per key),
    /// built on a table's first pull query and kept up to date as records arrive.
    materialized: HashMap<String, Materialized>,
    /// Schemas registered for topics' keys (`true`) and values (`false`), as Schema Registry
    /// would hold them; CREATE without columns in a schema format infers its columns from them.
    pub schemas: HashMap<(String, bool), RegisteredSchema>,
    /// Connectors (the sandbox runs Datagen ones).
    connectors: connectors::Connectors,
}

/// One table's maintained state: the statement it was built for (a dropped and re-created
/// table gets a fresh one) and the decoded latest row per key.
struct Materialized {
    statement: String,
    input: exec::Input,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// Records [`Engine::pump`] reads at most per call.
pub const PUMP_RECORDS: u64 = 4096;
/// Records a closed push query still reads before it ends (see `Transient::closing`).
const CLOSE_DRAIN_RECORDS: u64 = 10_000;

pub const SERVER_PROPERTIES: &[(&str, &str)] = &[
    ("ksql.streams.auto.offset.reset", "latest"),
    ("ksql.service.id", "ksqldb_sandbox_"),
    ("ksql.persistent.prefix", "query_"),
    ("ksql.streams.num.stream.threads", "1"),
    ("ksql.query.pull.table.scan.enabled", "true"),
    ("ksql.sink.partitions", "1"),
];

fn non_string_map_key(t: &SqlType) -> bool {
    match t {
        SqlType::Map(k, v) => **k != SqlType::String || non_string_map_key(v),
        SqlType::Array(e) => non_string_map_key(e),
        SqlType::Struct(f) => f.iter().any(|(_, t)| non_string_map_key(t)),
        _ => false,
    }
}

fn contains_map(t: &SqlType) -> bool {
    match t {
        SqlType::Map(..) => true,
        SqlType::Array(e) => contains_map(e),
        SqlType::Struct(f) => f.iter().any(|(_, t)| contains_map(t)),
        _ => false,
    }
}

/// Checks that the key and value formats can hold the columns (ksqlDB's rules and messages):
/// no maps in keys, KAFKA one field of a primitive type, DELIMITED no nested types, NONE no
/// columns, WRAP_SINGLE_VALUE only where the format can wrap.
fn check_formats(key_format: &Format, value_format: &Format, columns: &[Column], wrap: Option<bool>) -> EResult<()> {
    for c in columns.iter().filter(|c| c.kind == ColKind::Key) {
        if contains_map(&c.ty) {
            return Err(EngineError::statement(format!(
                "Map keys, including types that contain maps, are not supported as they may lead to unexpected \
                 behavior due to inconsistent serialization. Key column name: `{}`. Column type: {}. See \
                 https://github.com/confluentinc/ksql/issues/6621 for more.",
                c.name, c.ty
            )));
        }
    }
    for (is_key, format) in [(true, key_format), (false, value_format)] {
        let msg = match format {
            Format::Json | Format::Schema(super::topics::SchemaFormat::JsonSr) => {
                "JSON only supports MAP types with STRING keys"
            }
            Format::Schema(super::topics::SchemaFormat::Avro) => "Avro only supports MAPs with STRING keys",
            Format::Schema(_) => "PROTOBUF format only supports MAP types with STRING keys",
            _ => continue,
        };
        if columns
            .iter()
            .filter(|c| (c.kind == ColKind::Key) == is_key && !matches!(c.kind, ColKind::Header(_)))
            .any(|c| non_string_map_key(&c.ty))
        {
            return Err(EngineError::statement(msg));
        }
    }
    if wrap.is_some() && columns.iter().filter(|c| c.kind == ColKind::Value).count() > 1 {
        return Err(EngineError::statement("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"));
    }
    if let Some(w) = wrap {
        match value_format {
            Format::Kafka | Format::Delimited(_) | Format::None if w => {
                return Err(EngineError::statement(format!(
                    "Format '{}' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                    value_format.name()
                )))
            }
            Format::Schema(super::topics::SchemaFormat::Protobuf | super::topics::SchemaFormat::ProtobufNoSr) if !w => {
                return Err(EngineError::statement(format!(
                    "Format '{}' does not support 'WRAP_SINGLE_VALUE' set to 'false'.",
                    value_format.name()
                )))
            }
            _ => {}
        }
    }
    for (is_key, format) in [(true, key_format), (false, value_format)] {
        let cols: Vec<&Column> =
            columns.iter().filter(|c| if is_key { c.kind == ColKind::Key } else { c.kind == ColKind::Value }).collect();
        let listed = cols
            .iter()
            .map(|c| format!("`{}` {}{}", c.name, c.ty, if is_key { " KEY" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ");
        let reason = match format {
            Format::None if !cols.is_empty() => {
                return Err(EngineError::statement(format!(
                    "The 'NONE' format can only be used when no columns are defined. Got: [{listed}]"
                )));
            }
            Format::Kafka if cols.len() > 1 => {
                Some(format!("The 'KAFKA' format only supports a single field. Got: [{listed}]"))
            }
            Format::Kafka => cols
                .iter()
                .find(|c| {
                    matches!(
                        c.ty,
                        SqlType::Boolean
                            | SqlType::Decimal { .. }
                            | SqlType::Array(_)
                            | SqlType::Map(..)
                            | SqlType::Struct(_)
                    )
                })
                .map(|c| format!("The 'KAFKA' format does not support type '{}'", type_kind(&c.ty))),
            Format::Delimited(_) => cols
                .iter()
                .find(|c| matches!(c.ty, SqlType::Array(_) | SqlType::Map(..) | SqlType::Struct(_)))
                .map(|c| {
                    format!("The 'DELIMITED' format does not support type '{}', column: `{}`", type_kind(&c.ty), c.name)
                }),
            _ => None,
        };
        if let Some(r) = reason {
            return Err(EngineError::statement(format!(
                "{} format does not support schema.\nformat: {}\n\
                 schema: Persistence{{columns=[{listed}], features=[]}}\nreason: {r}",
                if is_key { "Key" } else { "Value" },
                format.name()
            )));
        }
    }
    Ok(())
}

fn type_kind(t: &SqlType) -> &'static str {
    match t {
        SqlType::Boolean => "BOOLEAN",
        SqlType::Decimal { .. } => "DECIMAL",
        SqlType::Array(_) => "ARRAY",
        SqlType::Map(..) => "MAP",
        SqlType::Struct(_) => "STRUCT",
        _ => "OTHER",
    }
}

fn status_entity(stmt: &str, command_id: String, message: String, query_id: Option<String>, seq: i64) -> J {
    json!({"@type":"currentStatus","statementText":stmt,"commandId":command_id,
        "commandStatus":{"status":"SUCCESS","message":message,"queryId":query_id},
        "commandSequenceNumber":seq,"warnings":[]})
}

impl Engine {
    pub fn new() -> Engine {
        Engine {
            topics: Topics::default(),
            catalog: Catalog::default(),
            queries: BTreeMap::new(),
            transients: Vec::new(),
            prints: Vec::new(),
            evictions_seen: 0,
            next_query: 0,
            command_seq: 0,
            auto_create_topics: false,
            materialized: HashMap::new(),
            schemas: HashMap::new(),
            connectors: connectors::Connectors::default(),
        }
    }

    /// Parses and runs one statement from /ksql. Returns the entity it produces, if any.
    pub fn execute(&mut self, text: &str, session: &mut Session) -> EResult<Option<J>> {
        let stmt = parse_statement(text).map_err(|e| EngineError::statement(e.to_string()))?;
        self.execute_parsed(stmt, text, session)
    }

    pub fn execute_parsed(&mut self, stmt: Statement, text: &str, session: &mut Session) -> EResult<Option<J>> {
        match stmt {
            Statement::Query(_) | Statement::Print { .. } => Err(EngineError {
                status: 400,
                code: 40002,
                message: "The following statement types should be issued to the websocket endpoint '/query':\n\
                          \t* PRINT\n\t* SELECT"
                    .into(),
                statement: true,
                statement_text: None,
            }),
            Statement::CreateSource { kind, or_replace, if_not_exists, source, name, columns, props } => {
                self.create_source(text, kind, or_replace, if_not_exists, source, &name, &columns, &props)
            }
            Statement::CreateAsSelect { kind, or_replace, if_not_exists, name, props, query } => {
                self.create_as_select(text, kind, or_replace, if_not_exists, &name, &props, &query, session)
            }
            Statement::InsertInto { target, query, .. } => self.insert_into(text, &target, &query, session),
            Statement::InsertValues { target, columns, values } => {
                self.insert_values(&target, columns.as_deref(), &values)?;
                Ok(None)
            }
            Statement::Drop { kind, if_exists, name, delete_topic } => {
                self.drop_source(text, kind, if_exists, &name, delete_topic)
            }
            Statement::CreateType { if_not_exists, name, ty } => {
                if self.catalog.types.contains_key(&name) {
                    if if_not_exists {
                        return Ok(Some(json!({
                            "@type":"warning_entity","statementText":text,
                            "message":format!("Type {name} already exists"),"warnings":[]
                        })));
                    }
                    return Err(EngineError::statement(format!(
                        "Cannot register custom type '{name}' since it is already registered with type: {}",
                        self.catalog.types[&name]
                    )));
                }
                let ty = self.catalog.resolve_type(&ty).map_err(EngineError::statement)?;
                self.catalog.types.insert(name.clone(), ty);
                self.command_seq += 1;
                Ok(Some(status_entity(
                    text,
                    format!("type/`{name}`/create"),
                    format!("Registered custom type with name '{name}' and SQL type {}", self.catalog.types[&name]),
                    None,
                    self.command_seq,
                )))
            }
            Statement::DropType { if_exists, name } => {
                if self.catalog.types.remove(&name).is_none() && !if_exists {
                    return Err(EngineError::statement(format!("Type {name} does not exist.")));
                }
                self.command_seq += 1;
                Ok(Some(status_entity(
                    text,
                    format!("type/`{name}`/drop"),
                    format!("Dropped type '{name}'"),
                    None,
                    self.command_seq,
                )))
            }
            Statement::Terminate { id } => self.terminate(text, id),
            Statement::Show(what) => Ok(Some(self.show(text, what, session))),
            Statement::Describe { name, extended } => {
                let src = self.catalog.get(&name).ok_or_else(|| {
                    EngineError::statement(format!("Could not find STREAM/TABLE '{name}' in the Metastore"))
                })?;
                Ok(Some(json!({
                    "@type":"sourceDescription", "statementText":text,
                    "sourceDescription":self.describe_source(src, extended), "warnings":[]
                })))
            }
            Statement::DescribeSources { kind, extended } => {
                let list: Vec<J> = self
                    .catalog
                    .sources
                    .values()
                    .filter(|s| s.kind == kind)
                    .map(|s| self.describe_source(s, extended))
                    .collect();
                Ok(Some(
                    json!({"@type":"source_descriptions","statementText":text,"sourceDescriptions":list,"warnings":[]}),
                ))
            }
            Statement::DescribeFunction(name) => describe_function(text, &name).map(Some),
            Statement::ExplainQueryId(id) => {
                let q = self.queries.get(&id).ok_or_else(|| {
                    EngineError::statement(format!(
                        "Query with id:{id} does not exist, use SHOW QUERIES to view the full set of queries."
                    ))
                })?;
                let desc = self.query_description(&q.info);
                Ok(Some(json!({"@type":"queryDescription","statementText":text,"queryDescription":desc,"warnings":[]})))
            }
            Statement::Explain(query) => {
                let plan = plan_query(
                    &query,
                    &self.catalog,
                    &PlanOptions { persistent: false, sink_name: None, sink_timestamp: None },
                )
                .map_err(EngineError::statement)?;
                let fields: Vec<J> = plan.columns.iter().map(field_json).collect();
                Ok(Some(json!({"@type":"queryDescription","statementText":text,"queryDescription":{
                    "id":"", "statementText": query.text, "windowType": plan.window.map(|w| w.0.name()),
                    "fields": fields, "sources": plan.sources, "sinks": [],
                    "topology": "(the ksqlDB sandbox has no Kafka Streams topology)",
                    "executionPlan": explain_plan(&query), "overriddenProperties": {}, "ksqlHostQueryStatus": {},
                    "queryType": if query.emit_changes { "PUSH" } else { "PULL" }, "queryErrors": [],
                    "tasksMetadata": [], "state": null
                },"warnings":[]})))
            }
            Statement::Set(k, v) => {
                session.properties.push((k, v));
                Ok(None)
            }
            Statement::Unset(k) => {
                session.properties.retain(|(x, _)| *x != k);
                Ok(None)
            }
            Statement::Define(k, v) => {
                session.variables.retain(|(x, _)| !x.eq_ignore_ascii_case(&k));
                session.variables.push((k, v));
                Ok(None)
            }
            Statement::Undefine(k) => {
                let before = session.variables.len();
                session.variables.retain(|(x, _)| !x.eq_ignore_ascii_case(&k));
                if before == session.variables.len() {
                    return Ok(Some(json!({
                        "@type":"warning_entity","statementText":text,
                        "message":format!("Cannot undefine variable '{k}' which was never defined"),"warnings":[]
                    })));
                }
                Ok(None)
            }
            Statement::CreateConnector { source, if_not_exists, name, config } => {
                let now_ms = chrono::Utc::now().timestamp_millis();
                self.create_connector(text, source, if_not_exists, &name, &config, now_ms).map_err(|mut e| {
                    e.statement_text = Some(connectors::mask_secrets(text, &config));
                    e
                })
            }
            Statement::DropConnector { if_exists, name } => self.drop_connector(text, if_exists, &name),
            Statement::DescribeConnector(name) => self.describe_connector(text, &name),
            Statement::Unsupported(what) => {
                Err(EngineError::statement(format!("{what} is not supported in the ksqlDB sandbox")))
            }
        }
    }

    // ------------------------------------------------------------------ DDL

    fn check_name_free(
        &self,
        name: &str,
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        text: &str,
    ) -> EResult<Option<J>> {
        if let Some(existing) = self.catalog.get(name) {
            if if_not_exists {
                return Ok(Some(json!({"@type":"warning_entity","statementText":text,
                    "message":format!(
                        "Cannot add {} {}: A {} with the same name already exists.",
                        kind.lower(), name, existing.kind.lower()
                    ),
                    "warnings":[]})));
            }
            if or_replace && existing.kind == kind {
                return Ok(None);
            }
            if or_replace {
                return Err(EngineError::statement(format!(
                    "Cannot add {} '{}': A {} with the same name already exists",
                    kind.lower(),
                    name,
                    existing.kind.lower()
                )));
            }
            return Err(EngineError::statement(format!(
                "Cannot add {} '{}': A {} with the same name already exists",
                kind.lower(),
                name,
                existing.kind.lower()
            )));
        }
        Ok(None)
    }

    fn formats(
        &self,
        props: &Props,
        default_key: Option<&Format>,
        default_value: Option<&Format>,
    ) -> EResult<(Format, Format)> {
        let delim = props.get_str("VALUE_DELIMITER");
        let kdelim = props.get_str("KEY_DELIMITER");
        if let Some(f) = props.get_str("FORMAT") {
            if props.get("KEY_FORMAT").is_some() || props.get("VALUE_FORMAT").is_some() {
                return Err(EngineError::statement(
                    "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value \
                     formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.",
                ));
            }
            let k = Format::parse(&f, kdelim.as_deref()).map_err(EngineError::statement)?;
            let v = Format::parse(&f, delim.as_deref()).map_err(EngineError::statement)?;
            return Ok((k, v));
        }
        let value = match props.get_str("VALUE_FORMAT") {
            Some(f) => Format::parse(&f, delim.as_deref()).map_err(EngineError::statement)?,
            None => match default_value {
                Some(f) => f.clone(),
                None => {
                    return Err(EngineError::statement(
                        "Missing required property \"VALUE_FORMAT\" which has no default value.",
                    ))
                }
            },
        };
        let key = match props.get_str("KEY_FORMAT") {
            Some(f) => Format::parse(&f, kdelim.as_deref()).map_err(EngineError::statement)?,
            None => default_key.cloned().unwrap_or(Format::Kafka),
        };
        Ok((key, value))
    }

    /// The columns a source's registered schemas give (CREATE without columns, or with only
    /// keys or only values), and whether the value schema is anonymous (not a record).
    fn inferred_columns(
        &self,
        kind: SourceKind,
        topic: &str,
        props: &Props,
        (key_format, value_format): (&Format, &Format),
        (declares_keys, declares_values): (bool, bool),
    ) -> EResult<(Vec<ColumnDef>, bool)> {
        let mut inferred: Vec<ColumnDef> = Vec::new();
        let mut anonymous_value = false;
        for (is_key, format, declared) in [(true, key_format, declares_keys), (false, value_format, declares_values)] {
            let (part, upper) = if is_key { ("KEY", "KEY_SCHEMA_ID") } else { ("VALUE", "VALUE_SCHEMA_ID") };
            let schema_id = props.get(upper).is_some();
            if schema_id && !format.supports_inference() {
                return Err(EngineError::statement(format!(
                    "{part}_FORMAT should support schema inference when {upper} is provided. Current format is {}.",
                    format.name()
                )));
            }
            if schema_id && declared {
                return Err(EngineError::statement(format!(
                    "Table elements and {upper} cannot both exist for create statement."
                )));
            }
            let Format::Schema(sf) = format else { continue };
            if declared
                || (is_key && kind == SourceKind::Stream && !self.schemas.contains_key(&(topic.to_string(), true)))
            {
                continue;
            }
            let Some(reg) = self.schemas.get(&(topic.to_string(), is_key)) else {
                if is_key {
                    continue;
                }
                return Err(EngineError::statement(format!(
                    "Schema inference from Schema Registry is not supported in the ksqlDB sandbox: declare the \
                     columns in the statement ({} format)",
                    format.name()
                )));
            };
            let full_name = props.get_str(&format!("{part}_SCHEMA_FULL_NAME"));
            let (cols, wrapped) =
                registry::columns_from_schema(*sf, &reg.schema, is_key, full_name.as_deref(), schema_id).map_err(
                    |e| {
                        if e.contains("not supported in the ksqlDB sandbox") {
                            EngineError::statement(e)
                        } else {
                            EngineError::statement(format!("Schema inference failed: {e}"))
                        }
                    },
                )?;
            anonymous_value |= !is_key && !wrapped;
            for (n, t) in cols {
                let constraint = if !is_key {
                    ColumnConstraint::None
                } else if kind == SourceKind::Table {
                    ColumnConstraint::PrimaryKey
                } else {
                    ColumnConstraint::Key
                };
                inferred.push(ColumnDef { name: n, ty: t, constraint });
            }
        }
        Ok((inferred, anonymous_value))
    }

    /// The source's columns from the declared and inferred ones, with ksqlDB's checks: KEY for
    /// streams and PRIMARY KEY for tables, no reserved or duplicate names.
    fn source_columns(&self, cols: &[ColumnDef], kind: SourceKind) -> EResult<Vec<Column>> {
        let mut columns = Vec::new();
        for c in cols {
            let ty = self.catalog.resolve_type(&c.ty).map_err(EngineError::statement)?;
            let k = match (&c.constraint, kind) {
                (ColumnConstraint::Key, SourceKind::Table) => {
                    return Err(EngineError::statement(format!(
                        "Column `{}` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\n\
                         Tables have PRIMARY KEYs, which are unique and NON NULL.\n\
                         Streams have KEYs, which have no uniqueness or NON NULL constraints.",
                        c.name
                    )))
                }
                (ColumnConstraint::PrimaryKey, SourceKind::Stream) => {
                    return Err(EngineError::statement(format!(
                        "Column `{}` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\n\
                         Tables have PRIMARY KEYs, which are unique and NON NULL.\n\
                         Streams have KEYs, which have no uniqueness or NON NULL constraints.",
                        c.name
                    )))
                }
                (ColumnConstraint::Key | ColumnConstraint::PrimaryKey, _) => ColKind::Key,
                (ColumnConstraint::Headers(h), _) => ColKind::Header(h.clone()),
                (ColumnConstraint::None, _) => ColKind::Value,
            };
            if matches!(c.name.as_str(), "ROWTIME" | "ROWPARTITION" | "ROWOFFSET" | "WINDOWSTART" | "WINDOWEND") {
                return Err(EngineError::statement(format!(
                    "'{}' is a reserved column name. You cannot use it as a name for a column.",
                    c.name
                )));
            }
            if columns.iter().any(|x: &Column| x.name == c.name) {
                return Err(EngineError::statement(format!("Duplicate column names: {}", c.name)));
            }
            columns.push(Column { name: c.name.clone(), ty, kind: k });
        }
        Ok(columns)
    }

    /// The topic a CREATE names, created when missing: with PARTITIONS, or with one partition
    /// when the sandbox creates topics on demand; else ksqlDB's error.
    fn ensure_topic(&mut self, text: &str, kind: SourceKind, topic: &str, props: &Props) -> EResult<()> {
        let partitions = props
            .get_str("PARTITIONS")
            .map(|p| p.parse::<u32>().map_err(|_| EngineError::statement(format!("Invalid PARTITIONS: {p}"))))
            .transpose()?;
        let retention_ms = retention_ms(props)?;
        if self.topics.get(topic).is_none() {
            match partitions {
                Some(p) => {
                    self.topics.create(topic, p).retention.ms = retention_ms;
                }
                None if self.auto_create_topics => {
                    self.topics.create(topic, 1).retention.ms = retention_ms;
                }
                None => {
                    return Err(EngineError::generic(format!(
                        "Topic '{topic}' does not exist. If you want to create a new topic for the {} please \
                         re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause \
                         (and optionally 'REPLICAS'). For example: {}",
                        kind.lower(),
                        text.trim_end_matches(';').trim().to_string() + " WITH (PARTITIONS=1);"
                    )))
                }
            }
        }
        Ok(())
    }
    #[allow(clippy::too_many_arguments)]
    fn create_source(
        &mut self,
        text: &str,
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        read_only: bool,
        name: &str,
        cols: &[ColumnDef],
        props: &Props,
    ) -> EResult<Option<J>> {
        if or_replace && (read_only || self.catalog.get(name).is_some_and(|e| e.read_only)) {
            let what = if kind == SourceKind::Stream { ("stream", "streams") } else { ("table", "tables") };
            return Err(EngineError::statement(format!(
                "Cannot add {} '{}': CREATE OR REPLACE is not supported on source {}.",
                what.0, name, what.1
            )));
        }
        if let Some(w) = self.check_name_free(name, kind, or_replace, if_not_exists, text)? {
            return Ok(Some(w));
        }
        let topic = props.get_str("KAFKA_TOPIC").ok_or_else(|| {
            EngineError::statement("Missing required property \"KAFKA_TOPIC\" which has no default value.")
        })?;
        let (key_format, value_format) = self.formats(props, None, None)?;
        if cols.is_empty() && !value_format.supports_inference() {
            return Err(EngineError::statement("No columns supplied."));
        }
        let declares_values = cols.iter().any(|c| matches!(c.constraint, ColumnConstraint::None));
        let declares_keys =
            cols.iter().any(|c| matches!(c.constraint, ColumnConstraint::Key | ColumnConstraint::PrimaryKey));
        let (inferred, anonymous_value) =
            self.inferred_columns(kind, &topic, props, (&key_format, &value_format), (declares_keys, declares_values))?;
        let all_cols: Vec<ColumnDef> = cols.iter().cloned().chain(inferred).collect();
        let cols = &all_cols[..];
        let has_keys =
            cols.iter().any(|c| matches!(c.constraint, ColumnConstraint::Key | ColumnConstraint::PrimaryKey));
        if !has_keys && key_format.supports_inference() && kind == SourceKind::Table {
            return Err(EngineError::statement(format!(
                "Schema inference from Schema Registry is not supported in the ksqlDB sandbox: declare the columns \
                 in the statement ({} format)",
                key_format.name()
            )));
        }
        let mut columns = self.source_columns(cols, kind)?;
        if kind == SourceKind::Table && !columns.iter().any(|c| c.kind == ColKind::Key) {
            return Err(EngineError::statement(
                "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.\n\
                 Use a partial schema to define the primary key and still let the value columns be inferred from \
                 the schema registry, e.g. CREATE TABLE t (id INT PRIMARY KEY) WITH (...);",
            ));
        }
        // Keys first, keeping declaration order otherwise.
        columns.sort_by_key(|c| if c.kind == ColKind::Key { 0 } else { 1 });
        let wrap = props
            .get("WRAP_SINGLE_VALUE")
            .map(|v| matches!(v, PropValue::Bool(true)) || v.as_string().eq_ignore_ascii_case("true"));
        let wrap = if anonymous_value { Some(false) } else { wrap };
        check_formats(&key_format, &value_format, &columns, wrap)?;
        let timestamp_column = props.get_str("TIMESTAMP").map(|t| t.to_ascii_uppercase());
        if let Some(tc) = &timestamp_column {
            let c = columns.iter().find(|c| c.name == *tc).ok_or_else(|| {
                EngineError::statement(format!(
                    "The TIMESTAMP column set in the WITH clause does not exist in the schema: '{tc}'"
                ))
            })?;
            if !matches!(c.ty, SqlType::Bigint | SqlType::Timestamp | SqlType::String) {
                return Err(EngineError::statement(format!(
                    "Timestamp column, `{tc}`, should be LONG(INT64), TIMESTAMP, \
                     or a String with a timestamp_format specified."
                )));
            }
        }
        let window = source_window(props, &columns)?;
        self.ensure_topic(text, kind, &topic, props)?;
        let src = Source {
            name: name.to_string(),
            kind,
            columns,
            topic,
            key_format,
            value_format,
            wrap_single_value: wrap,
            timestamp_column,
            timestamp_format: props.get_str("TIMESTAMP_FORMAT"),
            window,
            read_only,
            statement: text.to_string(),
            writer_query: None,
        };
        self.catalog.sources.insert(name.to_string(), src);
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("{}/`{}`/create", kind.lower(), name),
            format!("{} created", if kind == SourceKind::Stream { "Stream" } else { "Table" }),
            None,
            self.command_seq,
        )))
    }

    #[allow(clippy::too_many_arguments)]
    fn create_as_select(
        &mut self,
        text: &str,
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        name: &str,
        props: &Props,
        query: &Query,
        session: &Session,
    ) -> EResult<Option<J>> {
        if let Some(w) = self.check_name_free(name, kind, or_replace, if_not_exists, text)? {
            return Ok(Some(w));
        }
        if or_replace && self.catalog.get(name).is_some() {
            return Err(EngineError::statement(
                "CREATE OR REPLACE of a query's sink is not supported in the ksqlDB sandbox; DROP it (and \
                 TERMINATE its query) first",
            ));
        }
        let sink_ts = props.get_str("TIMESTAMP").map(|t| t.to_ascii_uppercase());
        let plan = plan_query(
            query,
            &self.catalog,
            &PlanOptions { persistent: true, sink_name: Some(name.to_string()), sink_timestamp: sink_ts.clone() },
        )
        .map_err(EngineError::statement)?;
        if plan.has_join && plan.sources.len() > 2 {
            // The sources of an n-way join must be co-partitioned.
            let parts = |n: &str| {
                self.catalog.get(n).and_then(|s| self.topics.get(&s.topic)).map(|t| t.partitions.len()).unwrap_or(0)
            };
            let first = &plan.sources[0];
            for other in &plan.sources[1..] {
                let (a, b) = (parts(first), parts(other));
                if a != b && a > 0 && b > 0 {
                    return Err(EngineError::statement(format!(
                        "Can't join `{first}` with `{other}` since the number of partitions don't match. `{first}` \
                         partitions = {a}; `{other}` partitions = {b}. Please repartition either one so that the \
                         number of partitions match."
                    )));
                }
            }
        }
        if plan.output_is_table && kind == SourceKind::Stream {
            return Err(EngineError::statement(
                "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT \
                 statement instead."
                    .to_string(),
            ));
        }
        if !plan.output_is_table && kind == SourceKind::Table {
            return Err(EngineError::statement(
                "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT \
                 statement instead."
                    .to_string(),
            ));
        }
        let from = plan.from.clone();
        let (mut key_format, value_format) = self.formats(props, Some(&from.key_format), Some(&from.value_format))?;
        // A sink with key columns does not inherit the NONE key format: it gets the default.
        if key_format == Format::None
            && !plan.key_cols.is_empty()
            && props.get("KEY_FORMAT").is_none()
            && props.get("FORMAT").is_none()
        {
            key_format = Format::Kafka;
        }
        let topic = props.get_str("KAFKA_TOPIC").unwrap_or_else(|| name.to_string());
        let partitions = match props.get_str("PARTITIONS") {
            Some(p) => p.parse::<u32>().map_err(|_| EngineError::statement(format!("Invalid PARTITIONS: {p}")))?,
            None => self.topics.get(&from.topic).map(|t| t.partitions.len() as u32).unwrap_or(1),
        };
        let mut columns: Vec<Column> = Vec::new();
        for (n, t) in &plan.key_cols {
            columns.push(Column { name: n.clone(), ty: t.clone(), kind: ColKind::Key });
        }
        for (i, c) in plan.columns.iter().enumerate() {
            if !plan.key_positions.contains(&i) {
                columns.push(Column { name: c.name.clone(), ty: c.ty.clone(), kind: ColKind::Value });
            }
        }
        if !columns.iter().any(|c| c.kind == ColKind::Value) {
            return Err(EngineError::statement("The projection contains no value columns."));
        }
        let wrap = props
            .get("WRAP_SINGLE_VALUE")
            .map(|v| matches!(v, PropValue::Bool(true)) || v.as_string().eq_ignore_ascii_case("true"));
        check_formats(&key_format, &value_format, &columns, wrap)?;
        let id = self.next_id(if kind == SourceKind::Stream { "CSAS" } else { "CTAS" }, name);
        let src = Source {
            name: name.to_string(),
            kind,
            columns,
            topic: topic.clone(),
            key_format,
            value_format,
            wrap_single_value: wrap,
            timestamp_column: sink_ts,
            timestamp_format: props.get_str("TIMESTAMP_FORMAT"),
            window: plan.window,
            read_only: false,
            statement: text.to_string(),
            writer_query: Some(id.clone()),
        };
        let retention_ms = retention_ms(props)?;
        if self.topics.get(&topic).is_none() {
            self.topics.create(&topic, partitions).retention.ms = retention_ms;
        }
        let sink = sink_spec(&src, &plan);
        self.catalog.sources.insert(name.to_string(), src);
        self.start_persistent(id.clone(), text, Some(name.to_string()), plan, sink, session);
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("{}/`{}`/create", kind.lower(), name),
            format!("Created query with ID {id}"),
            Some(id),
            self.command_seq,
        )))
    }

    fn insert_into(&mut self, text: &str, target: &str, query: &Query, session: &Session) -> EResult<Option<J>> {
        let sink = self
            .catalog
            .get(target)
            .cloned()
            .ok_or_else(|| EngineError::statement(format!("{target} does not exist.")))?;
        if sink.read_only {
            return Err(EngineError::statement(format!(
                "Cannot insert into read-only {}: {}",
                sink.kind.lower(),
                target
            )));
        }
        if sink.kind == SourceKind::Table {
            return Err(EngineError::statement(format!(
                "INSERT INTO can only be used to insert into a stream. {target} is a table."
            )));
        }
        let plan = plan_query(
            query,
            &self.catalog,
            &PlanOptions { persistent: true, sink_name: Some(target.to_string()), sink_timestamp: None },
        )
        .map_err(EngineError::statement)?;
        if plan.output_is_table {
            return Err(EngineError::statement(
                "INSERT INTO can only be used to insert into a stream. Your query produces a table.".to_string(),
            ));
        }
        // The result schema must match the sink's.
        let mut result_cols: Vec<(String, SqlType, bool)> =
            plan.key_cols.iter().map(|(n, t)| (n.clone(), t.clone(), true)).collect();
        for (i, c) in plan.columns.iter().enumerate() {
            if !plan.key_positions.contains(&i) {
                result_cols.push((c.name.clone(), c.ty.clone(), false));
            }
        }
        let sink_cols: Vec<(String, SqlType, bool)> =
            sink.columns.iter().map(|c| (c.name.clone(), c.ty.clone(), c.kind == ColKind::Key)).collect();
        if result_cols != sink_cols {
            let fmt = |cols: &[(String, SqlType, bool)]| {
                cols.iter()
                    .map(|(n, t, k)| format!("`{n}` {t}{}", if *k { " KEY" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(EngineError::statement(format!(
                "Incompatible schema between results and sink.\nResult schema is {}\nSink schema is {}",
                fmt(&result_cols),
                fmt(&sink_cols)
            )));
        }
        let id = self.next_id("INSERTQUERY", "");
        let spec = sink_spec(&sink, &plan);
        self.start_persistent(id.clone(), text, Some(target.to_string()), plan, spec, session);
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("stream/`{target}`/create"),
            format!("Created query with ID {id}"),
            Some(id),
            self.command_seq,
        )))
    }

    fn next_id(&mut self, prefix: &str, name: &str) -> String {
        let n = self.next_query;
        self.next_query += 1;
        if name.is_empty() {
            format!("{prefix}_{n}")
        } else {
            format!("{prefix}_{}_{n}", name.to_ascii_uppercase())
        }
    }

    fn start_persistent(
        &mut self,
        id: String,
        text: &str,
        sink_name: Option<String>,
        plan: Plan,
        sink: SinkSpec,
        session: &Session,
    ) {
        let info = QueryInfo {
            id: id.clone(),
            sql: text.to_string(),
            sink: sink_name,
            sink_topic: Some(sink.topic.clone()),
            sources: plan.sources.clone(),
            state: "RUNNING".into(),
            errors: vec![],
        };
        let mut executor = plan.executor;
        let mut outputs = Vec::new();
        if session.earliest() {
            // Replay what the inputs already hold, in append order across topics.
            let mut replay: Vec<(usize, Arc<Record>)> = Vec::new();
            let topics: Vec<String> = executor.inputs.iter().map(|i| i.topic.clone()).collect();
            for (idx, t) in topics.iter().enumerate() {
                if topics[..idx].contains(t) {
                    continue;
                }
                if let Some(topic) = self.topics.get(t) {
                    for r in &topic.log {
                        replay.push((idx, r.clone()));
                    }
                }
            }
            // Across topics, records go in timestamp order (as Kafka Streams chooses the
            // next record); a stable sort keeps each topic's own order for ties.
            replay.sort_by_key(|(_, r)| r.timestamp);
            for (idx, r) in replay {
                for i in executor.inputs_for(&topics[idx]) {
                    executor.process(i, &r, &mut outputs);
                }
            }
        }
        self.queries.insert(id.clone(), Persistent { info, executor, sink: Some(sink.clone()) });
        let mut work = VecDeque::new();
        for o in outputs {
            if let Some(rec) = self.encode(&sink, &o, &id) {
                let (position, r) = self.topics.append_at(&sink.topic, rec, None);
                work.push_back((sink.topic.clone(), position, r));
            }
        }
        self.run(work);
    }

    fn encode(&mut self, sink: &SinkSpec, o: &Output, qid: &str) -> Option<Record> {
        let key = match serialize(&sink.key_format, &sink.key_cols, &o.key, false) {
            Ok(k) => k,
            Err(e) => {
                self.query_error(qid, e);
                return None;
            }
        };
        let value = match &o.row {
            Some(row) => {
                let vals: Vec<Value> = sink.value_positions.iter().map(|&i| row[i].clone()).collect();
                match serialize(&sink.value_format, &sink.value_cols, &vals, sink.wrap) {
                    Ok(v) => v,
                    Err(e) => {
                        self.query_error(qid, e);
                        return None;
                    }
                }
            }
            None => None,
        };
        Some(Record {
            key,
            value,
            timestamp: o.ts,
            headers: o.headers.clone(),
            partition: 0,
            offset: 0,
            window: o.window,
        })
    }

    fn query_error(&mut self, qid: &str, e: String) {
        if let Some(q) = self.queries.get_mut(qid) {
            if q.info.errors.len() < 100 {
                q.info.errors.push(e);
            }
        }
    }

    fn drop_source(
        &mut self,
        text: &str,
        kind: SourceKind,
        if_exists: bool,
        name: &str,
        delete_topic: bool,
    ) -> EResult<Option<J>> {
        let Some(src) = self.catalog.get(name) else {
            if if_exists {
                self.command_seq += 1;
                return Ok(Some(status_entity(
                    text,
                    format!("{}/`{}`/drop", kind.lower(), name),
                    format!("Source `{name}` does not exist."),
                    None,
                    self.command_seq,
                )));
            }
            return Err(EngineError::statement(format!("Source {name} does not exist.")));
        };
        if src.kind != kind {
            return Err(EngineError::statement(format!(
                "Incompatible data source type is {}, but statement was DROP {}",
                src.kind.name(),
                kind.name()
            )));
        }
        let readers: Vec<String> = self
            .queries
            .values()
            .filter(|q| q.info.sources.iter().any(|s| s == name))
            .map(|q| q.info.id.clone())
            .collect();
        let writers: Vec<String> =
            self.queries.values().filter(|q| q.info.sink.as_deref() == Some(name)).map(|q| q.info.id.clone()).collect();
        // Like ksqlDB 0.29: dropping a CSAS/CTAS sink terminates its own query.
        let own: Vec<String> =
            writers.iter().filter(|id| src.writer_query.as_deref() == Some(id.as_str())).cloned().collect();
        let other_writers: Vec<String> = writers.iter().filter(|w| !own.contains(w)).cloned().collect();
        if !readers.is_empty() || !other_writers.is_empty() {
            return Err(EngineError::statement(format!(
                "Cannot drop {name}.\nThe following queries read from this source: [{}].\n\
                 The following queries write into this source: [{}].\n\
                 You need to terminate them before dropping {name}.",
                readers.join(", "),
                other_writers.join(", ")
            )));
        }
        for id in own {
            self.queries.remove(&id);
        }
        let topic = src.topic.clone();
        self.catalog.sources.remove(name);
        if delete_topic {
            self.topics.delete(&topic);
        }
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("{}/`{}`/drop", kind.lower(), name),
            format!("Source `{name}` (topic: {topic}) was dropped."),
            None,
            self.command_seq,
        )))
    }

    fn terminate(&mut self, text: &str, id: Option<String>) -> EResult<Option<J>> {
        match id {
            None => {
                self.queries.clear();
                let ids: Vec<String> = self.transients.iter().map(|t| t.id.clone()).collect();
                for id in ids {
                    self.close_transient(&id);
                }
            }
            Some(id) => {
                let upper = id.to_ascii_uppercase();
                if self.queries.remove(&upper).is_none() && self.queries.remove(&id).is_none() {
                    if self.close_transient(&id) {
                        return Ok(Some(json!({
                            "@type":"terminate_query","statementText":text,"queryId":id,"wasTerminated":true,
                            "warnings":[]
                        })));
                    }
                    return Err(EngineError::statement(format!("Unknown queryId: {id}")));
                }
                for s in self.catalog.sources.values_mut() {
                    if s.writer_query.as_deref() == Some(upper.as_str()) {
                        s.writer_query = None;
                    }
                }
            }
        }
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            "terminate/query/execute".into(),
            "Query terminated.".into(),
            None,
            self.command_seq,
        )))
    }

    // ------------------------------------------------------------------ data in

    /// INSERT INTO ... VALUES.
    pub fn insert_values(&mut self, target: &str, columns: Option<&[String]>, values: &[Expr]) -> EResult<()> {
        let src = self.catalog.get(target).cloned().ok_or_else(|| {
            EngineError::statement(format!("Cannot insert values into an unknown stream/table: {target}"))
        })?;
        if src.read_only {
            return Err(EngineError::statement(format!(
                "Cannot insert values into read-only {}: {target}",
                src.kind.lower()
            )));
        }
        if src.writer_query.is_some() && src.kind == SourceKind::Table {
            return Err(EngineError::statement(format!(
                "Cannot insert values into a table created by a query: {target}"
            )));
        }
        let names: Vec<String> = match columns {
            Some(c) => c.to_vec(),
            None => {
                src.columns.iter().filter(|c| !matches!(c.kind, ColKind::Header(_))).map(|c| c.name.clone()).collect()
            }
        };
        if names.len() != values.len() {
            return Err(EngineError::statement(format!(
                "Failed to prepare statement: Expected number columns and values to match: {}, {}",
                names.len(),
                values.len()
            )));
        }
        let mut row_ts: Option<i64> = None;
        let mut by_name: Vec<(String, Value)> = Vec::new();
        for (n, e) in names.iter().zip(values) {
            let c = compile(e, &Scope::default()).map_err(EngineError::statement)?;
            let v = (c.eval)(&[]);
            if n == "ROWTIME" {
                row_ts = Some(v.as_i64().ok_or_else(|| EngineError::statement("ROWTIME must be a BIGINT"))?);
                continue;
            }
            if n == "ROWPARTITION" || n == "ROWOFFSET" {
                return Err(EngineError::statement(format!("Inserting into column `{n}` is not allowed.")));
            }
            let col = src
                .columns
                .iter()
                .find(|c| c.name == *n)
                .ok_or_else(|| EngineError::statement(format!("Column name `{n}` does not exist.")))?;
            if matches!(col.kind, ColKind::Header(_)) {
                return Err(EngineError::statement(format!("Cannot insert into HEADER columns: {n}")));
            }
            let v = insert_coerce(&v, &col.ty, c.ty.as_ref())
                .map_err(|m| EngineError::statement(format!("Failed to insert values into '{target}'. {m}")))?;
            by_name.push((n.clone(), v));
        }
        let get = |name: &str| by_name.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
        let key_cols = src.key_columns();
        let keys: Vec<Value> = key_cols.iter().map(|(n, _)| get(n)).collect();
        if src.kind == SourceKind::Table && keys.iter().any(|k| k.is_null()) {
            return Err(EngineError::statement(format!(
                "Failed to insert values into '{target}'. Value for primary key column(s) {} is required for tables",
                key_cols.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            )));
        }
        let value_cols = src.value_columns();
        let vals: Vec<Value> = value_cols.iter().map(|(n, _)| get(n)).collect();
        let mut ts = row_ts.unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
        if row_ts.is_none() {
            if let Some(tc) = &src.timestamp_column {
                if let Some(t) = get(tc).as_i64() {
                    ts = t;
                }
            }
        }
        let key = serialize(&src.key_format, &key_cols, &keys, false)
            .map_err(|m| EngineError::statement(format!("Failed to insert values into '{target}'. {m}")))?;
        let value = serialize(&src.value_format, &value_cols, &vals, src.value_wrapped())
            .map_err(|m| EngineError::statement(format!("Failed to insert values into '{target}'. {m}")))?;
        let value = value.or_else(|| if value_cols.is_empty() { None } else { Some(b"null".to_vec()) });
        self.produce(
            &src.topic.clone(),
            Record { key, value, timestamp: ts, headers: vec![], partition: 0, offset: 0, window: None },
            None,
        );
        Ok(())
    }

    /// Appends a record to a topic and runs everything downstream of it.
    pub fn produce(&mut self, topic: &str, rec: Record, partition: Option<u32>) -> Arc<Record> {
        let (position, r) = self.topics.append_at(topic, rec, partition);
        let mut work = VecDeque::new();
        work.push_back((topic.to_string(), position, r.clone()));
        self.run(work);
        r
    }

    /// Runs everything downstream of the appended records in `work` (topic, log position,
    /// record), breadth-first through sink topics.
    fn run(&mut self, mut work: VecDeque<(String, u64, Arc<Record>)>) {
        let mut guard = 0usize;
        while let Some((topic, position, rec)) = work.pop_front() {
            guard += 1;
            if guard > 10_000_000 {
                break; // a query feeding itself (INSERT INTO its own source)
            }
            self.deliver_to_subscribers(&topic, position);
            for m in self.materialized.values_mut() {
                if m.input.topic == topic {
                    let _ = m.input.change(&rec);
                }
            }
            let ids: Vec<String> = self
                .queries
                .iter()
                .filter(|(_, q)| q.executor.inputs.iter().any(|i| i.topic == topic))
                .map(|(id, _)| id.clone())
                .collect();
            for id in ids {
                let mut outputs = Vec::new();
                let sink = {
                    let q = self.queries.get_mut(&id).unwrap();
                    for i in q.executor.inputs_for(&topic) {
                        q.executor.process(i, &rec, &mut outputs);
                    }
                    if !q.executor.errors.is_empty() {
                        let errs = std::mem::take(&mut q.executor.errors);
                        for e in errs {
                            if q.info.errors.len() < 100 {
                                q.info.errors.push(e);
                            }
                        }
                    }
                    q.sink.clone()
                };
                let Some(sink) = sink else { continue };
                for o in outputs {
                    if let Some(r) = self.encode(&sink, &o, &id) {
                        let (position, r) = self.topics.append_at(&sink.topic, r, None);
                        work.push_back((sink.topic.clone(), position, r));
                    }
                }
            }
        }
        self.close_lost_subscribers();
    }

    /// Tells the push queries and PRINTs reading `topic` that `position` arrived; drops
    /// those whose server task has gone.
    fn deliver_to_subscribers(&mut self, topic: &str, position: u64) {
        let feeds = self
            .transients
            .iter_mut()
            .filter(|t| t.closing.is_none())
            .map(|t| (&t.id, &mut t.feed, &t.signal))
            .chain(self.prints.iter_mut().map(|p| (&p.id, &mut p.feed, &p.signal)));
        for (id, feed, signal) in feeds {
            let Some(i) = feed.topic_index(topic) else { continue };
            if !feed.push_live(i, position) {
                let why = format!("it fell behind on too many interleaved records ({} runs)", push::MAX_LIVE_RUNS);
                signal.end(End::Error(too_slow(id, &why)));
            }
            signal.notify.notify_one();
        }
        // Ended ones, and those nobody serves any more (only the engine holds the signal).
        let live = |s: &Arc<Signal>| s.ended().is_none() && Arc::strong_count(s) > 1;
        self.transients.retain(|t| live(&t.signal));
        self.prints.retain(|p| live(&p.signal));
    }

    /// After retention dropped records: closes the subscribers that had not read them yet.
    fn close_lost_subscribers(&mut self) {
        if self.topics.evictions() == self.evictions_seen {
            return;
        }
        self.evictions_seen = self.topics.evictions();
        let topics = &self.topics;
        self.transients.retain(|t| match t.feed.lost(topics) {
            Some(why) => {
                t.signal.end(End::Error(too_slow(&t.id, &why)));
                false
            }
            None => true,
        });
        self.prints.retain(|p| match p.feed.lost(topics) {
            Some(why) => {
                p.signal.end(End::Error(too_slow(&p.id, &why)));
                false
            }
            None => true,
        });
    }

    /// Up to about `max` messages of push query or PRINT `id`, read from its topics now.
    /// Empty when there is nothing new, or when it has ended (see its [`Signal`]). Reads at
    /// most [`PUMP_RECORDS`] records, so a selective query does not hold the engine for a
    /// whole topic; when it stops there it leaves a wake-up on the signal to come back.
    pub fn pump(&mut self, id: &str, max: usize) -> Vec<PushMsg> {
        self.pump_records(id, max, PUMP_RECORDS)
    }

    /// Everything push query or PRINT `id` can read now (the QTT runner and tests).
    pub fn drain(&mut self, id: &str) -> Vec<PushMsg> {
        self.pump_records(id, usize::MAX, u64::MAX)
    }

    fn pump_records(&mut self, id: &str, max: usize, max_records: u64) -> Vec<PushMsg> {
        let mut msgs = Vec::new();
        let mut records = 0u64;
        let mut budget_left = || {
            records += 1;
            records <= max_records
        };
        if let Some(n) = self.transients.iter().position(|t| t.id == id) {
            let t = &mut self.transients[n];
            let mut outputs = Vec::new();
            while msgs.len() < max {
                if !budget_left() {
                    t.signal.notify.notify_one();
                    break;
                }
                if t.closing == Some(0) {
                    t.signal.end(End::Closed);
                    self.transients.remove(n);
                    break;
                }
                match t.feed.next(&self.topics) {
                    Next::Record(i, rec) => {
                        if let Some(left) = t.closing.as_mut() {
                            *left -= 1;
                        }
                        for idx in t.executor.inputs_for(&t.feed.topics[i]) {
                            t.executor.process(idx, &rec, &mut outputs);
                        }
                        msgs.extend(outputs.drain(..).map(|o| match o.row {
                            Some(r) => PushMsg::Row(r),
                            None => PushMsg::Tombstone(tombstone_row(&o.key, &t.key_positions, t.width)),
                        }));
                    }
                    Next::Empty if t.closing.is_some() => {
                        t.signal.end(End::Closed);
                        self.transients.remove(n);
                        break;
                    }
                    Next::Empty => break,
                    Next::Lost(why) => {
                        t.signal.end(End::Error(too_slow(id, &why)));
                        self.transients.remove(n);
                        break;
                    }
                }
            }
        } else if let Some(n) = self.prints.iter().position(|p| p.id == id) {
            let p = &mut self.prints[n];
            while msgs.len() < max {
                if !budget_left() {
                    p.signal.notify.notify_one();
                    break;
                }
                match p.feed.next(&self.topics) {
                    Next::Record(_, rec) => msgs.push(PushMsg::Line(print_line(&rec))),
                    Next::Empty => break,
                    Next::Lost(why) => {
                        p.signal.end(End::Error(too_slow(id, &why)));
                        self.prints.remove(n);
                        break;
                    }
                }
            }
        }
        msgs
    }

    /// Transient push queries running.
    pub fn push_query_count(&self) -> usize {
        self.transients.len()
    }

    /// Records push query or PRINT `id` has read from its topics (tests).
    pub fn records_read(&self, id: &str) -> Option<u64> {
        let feeds =
            self.transients.iter().map(|t| (&t.id, &t.feed)).chain(self.prints.iter().map(|p| (&p.id, &p.feed)));
        feeds.into_iter().find(|(i, _)| *i == id).map(|(_, f)| f.records_read)
    }

    /// Ends push query or PRINT `id` with an error (its client stopped reading).
    pub fn close_with_error(&mut self, id: &str, why: &str) {
        let message = too_slow(id, why);
        for t in self.transients.iter().filter(|t| t.id == id) {
            t.signal.end(End::Error(message.clone()));
        }
        for p in self.prints.iter().filter(|p| p.id == id) {
            p.signal.end(End::Error(message.clone()));
        }
        self.transients.retain(|t| t.id != id);
        self.prints.retain(|p| p.id != id);
    }

    // ------------------------------------------------------------------ queries

    /// Runs a SELECT (push or pull) or PRINT from /query or /query-stream.
    pub fn query(&mut self, text: &str, session: &mut Session) -> EResult<QueryResult> {
        let stmt = parse_statement(text).map_err(|e| EngineError::statement(e.to_string()))?;
        match stmt {
            Statement::Query(q) => {
                if q.emit_changes {
                    self.push_query(&q, session)
                } else {
                    self.pull_query(&q, session)
                }
            }
            Statement::Print { topic, from_beginning, interval: _, limit } => {
                let t = self.topics.get(&topic).ok_or_else(|| {
                    let hint = self
                        .topics
                        .map
                        .keys()
                        .find(|k| k.eq_ignore_ascii_case(&topic))
                        .map(|k| format!("\nDid you mean:\n\tprint {k};"))
                        .unwrap_or_default();
                    EngineError::statement(format!(
                        "Could not find topic '{topic}', or the KSQL user does not have permissions to list the \
                         topic. Topic names are case-sensitive.{hint}"
                    ))
                })?;
                let feed = Feed::new(vec![t.name.clone()], from_beginning, &self.topics);
                let (kf, vf) = self.formats_of_topic(&topic);
                let formats = vec![format!("Key format: {kf}\n"), format!("Value format: {vf}\n")];
                let id = format!("print_{topic}_{}", uuid::Uuid::new_v4().as_u64_pair().0 >> 1);
                let signal = Arc::new(Signal::default());
                self.prints.push(PrintSub { id: id.clone(), feed, signal: signal.clone() });
                Ok(QueryResult::Print { id, formats, signal, limit })
            }
            _ => Err(EngineError::statement("Neither a query nor a print statement")),
        }
    }

    fn formats_of_topic(&self, topic: &str) -> (String, String) {
        match self.catalog.sources.values().find(|s| s.topic == topic) {
            Some(s) => (
                match s.key_format {
                    Format::Kafka => "KAFKA_STRING".into(),
                    ref f => f.name().to_string(),
                },
                match s.value_format {
                    Format::Kafka => "KAFKA_STRING".into(),
                    ref f => f.name().to_string(),
                },
            ),
            None => ("KAFKA_STRING".into(), "JSON or KAFKA_STRING".into()),
        }
    }

    fn push_query(&mut self, q: &Query, session: &Session) -> EResult<QueryResult> {
        let plan =
            plan_query(q, &self.catalog, &PlanOptions { persistent: false, sink_name: None, sink_timestamp: None })
                .map_err(plan_error)?;
        // Scalable push queries (push v2): simple queries on a persistent query's output,
        // reading from latest, get their own id prefix as in ksqlDB.
        let scalable = session.property("ksql.query.push.v2.enabled").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            && !session.earliest()
            && !plan.has_aggregation
            && !plan.has_join
            && q.partition_by.is_empty()
            && q.window.is_none()
            && self.catalog.get(&plan.from.name).is_some_and(|s| s.writer_query.is_some());
        let id = if scalable {
            format!("SCALABLE_PUSH_QUERY_{}", uuid::Uuid::new_v4().as_u64_pair().0 >> 1)
        } else {
            format!("transient_{}_{}", plan.from.name, uuid::Uuid::new_v4().as_u64_pair().0 >> 1)
        };
        let header = QueryHeader {
            query_id: id.clone(),
            columns: plan.columns.iter().map(|c| OutCol { key: false, ..c.clone() }).collect(),
        };
        let mut topics: Vec<String> = Vec::new();
        for i in &plan.executor.inputs {
            if !topics.contains(&i.topic) {
                topics.push(i.topic.clone());
            }
        }
        // Replays go in timestamp order across topics (as Kafka Streams picks the next record).
        let feed = Feed::new(topics, session.earliest(), &self.topics);
        let signal = Arc::new(Signal::default());
        self.transients.push(Transient {
            id,
            executor: plan.executor,
            key_positions: plan.key_positions.clone(),
            width: plan.columns.len(),
            feed,
            signal: signal.clone(),
            sql: q.text.clone(),
            closing: None,
        });
        Ok(QueryResult::Push { header, signal, limit: q.limit })
    }

    /// Stops a transient push query (POST /close-query, TERMINATE). Its client still gets
    /// the rows of records that arrived before; then the response ends.
    pub fn close_transient(&mut self, id: &str) -> bool {
        let Some(n) = self.transients.iter().position(|t| t.id == id) else { return false };
        let t = &mut self.transients[n];
        t.closing = Some(CLOSE_DRAIN_RECORDS);
        t.signal.notify.notify_one();
        if Arc::strong_count(&t.signal) == 1 {
            // Nobody serves it: nothing to finish.
            self.release(id);
        }
        true
    }

    /// Drops push query or PRINT `id` now (its server task is done with it).
    pub fn release(&mut self, id: &str) {
        for t in self.transients.iter().filter(|t| t.id == id) {
            t.signal.end(End::Closed);
        }
        for p in self.prints.iter().filter(|p| p.id == id) {
            p.signal.end(End::Closed);
        }
        self.transients.retain(|t| t.id != id);
        self.prints.retain(|p| p.id != id);
    }

    /// Clauses pull queries reject (the caller appends ksqlDB's hint).
    fn pull_checks(&self, q: &Query, _src: &Source) -> Result<(), String> {
        let clause = if !q.joins.is_empty() {
            "JOIN"
        } else if q.window.is_some() {
            "WINDOW"
        } else if !q.group_by.is_empty() {
            "GROUP BY"
        } else if !q.partition_by.is_empty() {
            "PARTITION BY"
        } else if q.having.is_some() {
            "HAVING"
        } else {
            return Ok(());
        };
        Err(format!("Pull queries don't support {clause} clauses."))
    }

    fn pull_query(&mut self, q: &Query, session: &Session) -> EResult<QueryResult> {
        let src = self
            .catalog
            .get(&q.from.name)
            .cloned()
            .ok_or_else(|| EngineError::statement(format!("{} does not exist.", q.from.name)))?;
        self.pull_checks(q, &src).map_err(|m| {
            EngineError::statement(format!(
                "{m} See https://cnfl.io/queries for more info.\n\
                 Add EMIT CHANGES if you intended to issue a push query."
            ))
        })?;
        if src.kind == SourceKind::Table && src.writer_query.is_none() && !src.read_only {
            return Err(EngineError::statement(format!(
                "The `{0}` table isn't queryable. To derive a queryable table, \
                 you can do 'CREATE TABLE QUERYABLE_{0} AS SELECT * FROM {0}'. See https://cnfl.io/queries for \
                 more info.",
                src.name
            )));
        }
        pull_clause_checks(q)?;
        let mut plan =
            plan_query(q, &self.catalog, &PlanOptions { persistent: false, sink_name: None, sink_timestamp: None })
                .map_err(plan_error)?;
        if plan.has_aggregation {
            return Err(EngineError::statement("Pull queries don't support aggregate functions in the SELECT clause."));
        }
        let is_table = src.kind == SourceKind::Table;
        // Key columns of a table are marked KEY in pull headers.
        let key_names: Vec<String> = if is_table {
            let mut k: Vec<String> = src.key_columns().into_iter().map(|(n, _)| n).collect();
            if src.is_windowed() {
                k.push("WINDOWSTART".into());
                k.push("WINDOWEND".into());
            }
            k
        } else {
            vec![]
        };
        let columns: Vec<OutCol> = plan
            .columns
            .iter()
            .zip(&q.select)
            .map(|(c, _)| c.clone())
            .collect::<Vec<_>>()
            .into_iter()
            .chain(plan.columns.iter().skip(q.select.len()).cloned())
            .map(|c| OutCol { key: is_table && key_names.contains(&c.name), ..c })
            .collect();
        let columns = if columns.len() == plan.columns.len() {
            columns
        } else {
            plan.columns.iter().map(|c| OutCol { key: is_table && key_names.contains(&c.name), ..c.clone() }).collect()
        };
        let header = QueryHeader { query_id: format!("query_{}", chrono::Utc::now().timestamp_millis()), columns };
        let mut rows = Vec::new();
        if is_table {
            // The table's maintained state (no replay of its topic): a key lookup when the
            // WHERE clause fixes every key column, otherwise a scan in key order.
            let fresh = self.materialized.get(&src.name).is_none_or(|m| m.statement != src.statement);
            if fresh {
                let mut input = exec::Input {
                    topic: src.topic.clone(),
                    decoder: exec::Decoder::new(&src),
                    is_table: true,
                    state: Default::default(),
                };
                if let Some(t) = self.topics.get(&src.topic) {
                    for r in &t.log {
                        let _ = input.change(r);
                    }
                }
                self.materialized.insert(src.name.clone(), Materialized { statement: src.statement.clone(), input });
            }
            let m = &self.materialized[&src.name];
            let filter = plan.executor.filter.clone();
            let exec::Body::Project(p) = &plan.executor.body else {
                return Err(EngineError::statement(
                    "Pull queries don't support aggregate functions in the SELECT clause.",
                ));
            };
            let keep = |row: &Vec<Value>| filter.as_ref().is_none_or(|f| f(row) == Value::Boolean(true));
            let lookup = if src.is_windowed() { None } else { q.where_.as_ref().and_then(|w| key_lookup(w, &src)) };
            let table_scan_off =
                session.property("ksql.query.pull.table.scan.enabled").is_some_and(|v| v.eq_ignore_ascii_case("false"));
            match lookup {
                Some(keys) => {
                    for k in keys {
                        if let Some(row) = m.input.state.get(&k) {
                            if keep(row) {
                                rows.push(p.project(row));
                            }
                        }
                    }
                }
                None if table_scan_off => {
                    return Err(EngineError::statement(match &q.where_ {
                        Some(w) if !mentions_key(w, &src) => format!(
                            "WHERE clause missing key column for disjunct: {}",
                            crate::sandbox::expr::format_expr(w)
                        ),
                        _ => "Query requires table scan to be enabled. Table scans can be enabled by setting \
                              ksql.query.pull.table.scan.enabled=true"
                            .into(),
                    }));
                }
                None => {
                    let mut live: Vec<(&Vec<KeyPart>, &Vec<Value>)> =
                        m.input.state.iter().filter(|(_, r)| keep(r)).collect();
                    live.sort_by(|a, b| a.0.cmp(b.0));
                    rows.extend(live.into_iter().map(|(_, r)| p.project(r)));
                }
            }
            if let Some(l) = q.limit {
                rows.truncate(l as usize);
            }
            let n = rows.len();
            return Ok(QueryResult::Pull { header, rows, tombstones: vec![false; n], completion: None });
        }
        let topic = self.topics.get(&src.topic).map(|t| t.log.clone()).unwrap_or_default();
        let mut outputs = Vec::new();
        for r in &topic {
            plan.executor.process(0, r, &mut outputs);
        }
        let mut completion = "Query Completed";
        for o in outputs {
            if let Some(r) = o.row {
                if q.limit.is_some_and(|l| rows.len() as u64 >= l) {
                    completion = "Limit Reached";
                    break;
                }
                rows.push(r);
            }
        }
        if q.limit.is_some_and(|l| rows.len() as u64 >= l) {
            completion = "Limit Reached";
        }
        let n = rows.len();
        Ok(QueryResult::Pull { header, rows, tombstones: vec![false; n], completion: Some(completion) })
    }

    // ------------------------------------------------------------------ SHOW / DESCRIBE

    fn show(&self, text: &str, what: Show, session: &Session) -> J {
        match what {
            Show::Streams { extended } | Show::Tables { extended } => {
                let kind = if matches!(what, Show::Streams { .. }) { SourceKind::Stream } else { SourceKind::Table };
                if extended {
                    let list: Vec<J> = self
                        .catalog
                        .sources
                        .values()
                        .filter(|s| s.kind == kind)
                        .map(|s| self.describe_source(s, true))
                        .collect();
                    return json!({
                        "@type":"source_descriptions","statementText":text,"sourceDescriptions":list,"warnings":[]
                    });
                }
                let list: Vec<J> = self
                    .catalog
                    .sources
                    .values()
                    .filter(|s| s.kind == kind)
                    .map(|s| {
                        json!({
                            "type":kind.name(),"name":s.name,"topic":s.topic,"keyFormat":s.key_format.name(),
                            "valueFormat":s.value_format.name(),"isWindowed":s.is_windowed()
                        })
                    })
                    .collect();
                if kind == SourceKind::Stream {
                    json!({"@type":"streams","statementText":text,"streams":list,"warnings":[]})
                } else {
                    json!({"@type":"tables","statementText":text,"tables":list,"warnings":[]})
                }
            }
            Show::Topics { extended, .. } => {
                let list: Vec<J> = self
                    .topics
                    .map
                    .values()
                    .map(|t| {
                        let mut o = json!({"name":t.name,"replicaInfo":vec![1; t.partitions.len()]});
                        if extended {
                            let consumers = self
                                .queries
                                .values()
                                .filter(|q| q.executor.inputs.iter().any(|i| i.topic == t.name))
                                .count();
                            o["consumerCount"] = json!(consumers);
                            o["consumerGroupCount"] = json!(consumers);
                            // Sandbox extras (ksqlDB has no such fields): what retention keeps.
                            o["retention"] = json!({
                                "records": t.retention.records, "bytes": t.retention.bytes, "ms": t.retention.ms,
                                "retainedRecords": t.log.len(), "retainedBytes": t.bytes,
                                "logStartOffsets": t.partitions.iter().map(|p| p.start).collect::<Vec<_>>(),
                                "summary": t.retention_summary(),
                            });
                        }
                        o
                    })
                    .collect();
                json!({
                    "@type": if extended { "kafka_topics_extended" } else { "kafka_topics" },"statementText":text,
                    "topics":list,"warnings":[]
                })
            }
            Show::Queries { extended } => {
                let mut list: Vec<J> = self.queries.values().map(|q| self.query_summary(&q.info)).collect();
                for t in self.transients.iter().filter(|t| t.closing.is_none()) {
                    list.push(json!({
                        "queryString":t.sql,"sinks":[],"sinkKafkaTopics":[],"id":t.id,"statusCount":{"RUNNING":1},
                        "queryType":"PUSH","state":"RUNNING"
                    }));
                }
                if extended {
                    let descs: Vec<J> = self.queries.values().map(|q| self.query_description(&q.info)).collect();
                    return json!({
                        "@type":"query_descriptions","statementText":text,"queryDescriptions":descs,"warnings":[]
                    });
                }
                json!({"@type":"queries","statementText":text,"queries":list,"warnings":[]})
            }
            Show::Properties => {
                let mut props: Vec<J> = SERVER_PROPERTIES
                    .iter()
                    .map(|(k, v)| json!({"name":k,"scope":"KSQL","value":v,"editable":true,"level":"SERVER"}))
                    .collect();
                let mut overwritten = Vec::new();
                for (k, v) in &session.properties {
                    props.retain(|p| p["name"] != json!(k));
                    props.push(json!({"name":k,"scope":"KSQL","value":v,"editable":true,"level":"QUERY"}));
                    overwritten.push(k.clone());
                }
                let defaults: Vec<&str> =
                    SERVER_PROPERTIES.iter().map(|(k, _)| *k).filter(|k| !overwritten.iter().any(|o| o == k)).collect();
                json!({
                    "@type":"properties","statementText":text,"properties":props,"overwrittenProperties":overwritten,
                    "defaultProperties":defaults,"warnings":[]
                })
            }
            Show::Functions => {
                let list: Vec<J> = functions::list_all()
                    .into_iter()
                    .map(|(n, t, c)| json!({"name":n,"type":t,"category":c}))
                    .collect();
                json!({"@type":"function_names","statementText":text,"functions":list,"warnings":[]})
            }
            Show::Types => {
                let map: serde_json::Map<String, J> =
                    self.catalog.types.iter().map(|(k, t)| (k.clone(), schema_info(t))).collect();
                json!({"@type":"type_list","statementText":text,"types":map,"warnings":[]})
            }
            Show::Variables => {
                let list: Vec<J> = session.variables.iter().map(|(k, v)| json!({"name":k,"value":v})).collect();
                json!({"@type":"variables","statementText":text,"variables":list,"warnings":[]})
            }
            Show::Connectors { source } => self.list_connectors(text, source),
        }
    }

    fn query_summary(&self, q: &QueryInfo) -> J {
        // ksqlDB reports a query that logged processing errors as RUNNING too.
        let state = "RUNNING";
        json!({"queryString":q.sql,"sinks":q.sink.iter().collect::<Vec<_>>(),
            "sinkKafkaTopics":q.sink_topic.iter().collect::<Vec<_>>(),
            "id":q.id,"statusCount":{state:1},"queryType":"PERSISTENT","state":state})
    }

    fn query_description(&self, q: &QueryInfo) -> J {
        let fields: Vec<J> = q
            .sink
            .as_ref()
            .and_then(|s| self.catalog.get(s))
            .map(|s| s.columns.iter().map(column_json).collect())
            .unwrap_or_default();
        let errors: Vec<J> = q.errors.iter().map(|e| json!({"timestamp":0,"errorMessage":e,"type":"USER"})).collect();
        json!({"id":q.id,"statementText":q.sql,
            "windowType":q.sink.as_ref().and_then(|s| self.catalog.get(s)).and_then(|s| s.window).map(|w| w.0.name()),
            "fields":fields,"sources":q.sources,"sinks":q.sink.iter().collect::<Vec<_>>(),
            "topology":"(the ksqlDB sandbox has no Kafka Streams topology)",
            "executionPlan":q.sql,"overriddenProperties":{},"ksqlHostQueryStatus":{"sandbox:8088":"RUNNING"},
            "queryType":"PERSISTENT","queryErrors":errors,"tasksMetadata":[],"state":"RUNNING",
            "consumerGroupId":format!("_confluent-ksql-ksqldb_sandbox_query_{}", q.id)})
    }

    fn describe_source(&self, s: &Source, extended: bool) -> J {
        let reads: Vec<J> = self
            .queries
            .values()
            .filter(|q| q.info.sources.contains(&s.name))
            .map(|q| self.query_summary(&q.info))
            .collect();
        let writes: Vec<J> = self
            .queries
            .values()
            .filter(|q| q.info.sink.as_deref() == Some(&s.name))
            .map(|q| self.query_summary(&q.info))
            .collect();
        let mut fields: Vec<J> = Vec::new();
        for c in s.columns.iter().filter(|c| c.kind == ColKind::Key) {
            fields.push(column_json(c));
        }
        for c in s.columns.iter().filter(|c| c.kind != ColKind::Key) {
            fields.push(column_json(c));
        }
        let partitions = self.topics.get(&s.topic).map(|t| t.partitions.len()).unwrap_or(0);
        let topic = self.topics.get(&s.topic);
        let count = topic.map(|t| t.log.len()).unwrap_or(0);
        let stats = match topic {
            Some(t) if extended => format!(
                "{:<20}:{:>10}     total-messages:{:>10}\nretention: {}",
                "messages-per-sec",
                0,
                count,
                t.retention_summary()
            ),
            _ => String::new(),
        };
        json!({"name":s.name,"windowType":s.window.map(|w| w.0.name()),"readQueries":reads,"writeQueries":writes,
            "fields":fields,"type":s.kind.name(),"timestamp":s.timestamp_column.clone().unwrap_or_default(),
            "statistics":stats,"errorStats":"","extended":extended,
            "keyFormat":s.key_format.name(),"valueFormat":s.value_format.name(),"topic":s.topic,
            "partitions":partitions,"replication":1,"statement":s.statement,
            "queryOffsetSummaries":[],"sourceConstraints":[],"clusterStatistics":[],"clusterErrorStats":[]})
    }

    /// Records of a topic (for the QTT runner and tests).
    pub fn topic_records(&self, topic: &str) -> Vec<Arc<Record>> {
        self.topics.get(topic).map(|t| t.log.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn query_errors(&self) -> Vec<(String, Vec<String>)> {
        self.queries
            .values()
            .filter(|q| !q.info.errors.is_empty())
            .map(|q| (q.info.id.clone(), q.info.errors.clone()))
            .collect()
    }

    pub fn persistent_query_ids(&self) -> Vec<String> {
        self.queries.keys().cloned().collect()
    }
}

/// A tombstone as a push query shows it: key columns filled, everything else NULL.
/// The state keys a WHERE clause pins down: a conjunction fixing every key column of a
/// non-windowed table with `=` or `IN` literals (None: not a key lookup).
fn key_lookup(w: &Expr, src: &Source) -> Option<Vec<Vec<KeyPart>>> {
    let keys = src.key_columns();
    let mut per_col: Vec<Option<Vec<Value>>> = vec![None; keys.len()];
    fn conjuncts<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
        match e {
            Expr::Chain { first, rest } if e.is_and_chain() => {
                conjuncts(first, out);
                rest.iter().for_each(|(_, x)| conjuncts(x, out));
            }
            other => out.push(other),
        }
    }
    let mut cs = Vec::new();
    conjuncts(w, &mut cs);
    let lit = |e: &Expr| match e {
        Expr::Lit(l) => crate::sandbox::expr::compile(e, &crate::sandbox::expr::Scope::default())
            .ok()
            .map(|c| (c.eval)(&[]))
            .filter(|_| !matches!(l, Literal::Null)),
        _ => None,
    };
    for c in cs {
        let (col, vals) = match c {
            Expr::Binary(BinOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
                (Expr::Column { name, .. }, v) | (v, Expr::Column { name, .. }) => (name, vec![lit(v)?]),
                _ => continue,
            },
            Expr::InList { expr, list, negated: false } => match expr.as_ref() {
                Expr::Column { name, .. } => (name, list.iter().map(lit).collect::<Option<Vec<_>>>()?),
                _ => continue,
            },
            _ => continue,
        };
        if let Some(i) = keys.iter().position(|(n, _)| n == col) {
            let typed: Vec<Value> = vals.iter().map(|v| cast(v, &keys[i].1).ok()).collect::<Option<_>>()?;
            per_col[i] = Some(typed);
        }
    }
    let mut out: Vec<Vec<KeyPart>> = vec![vec![]];
    for vals in per_col {
        let vals = vals?;
        out = out
            .into_iter()
            .flat_map(|prefix| {
                vals.iter().map(move |v| {
                    let mut k = prefix.clone();
                    k.push(key_part(v));
                    k
                })
            })
            .collect();
    }
    Some(out)
}

/// A SELECT item's expression and alias, as words to look for.
fn select_item_text(item: &SelectItem) -> String {
    match item {
        SelectItem::Star => String::new(),
        SelectItem::QualifiedStar(q) => q.clone(),
        SelectItem::Expr { expr, alias } => {
            format!("{} {}", crate::sandbox::expr::format_expr(expr), alias.as_deref().unwrap_or(""))
        }
    }
}

fn mentions_key(w: &Expr, src: &Source) -> bool {
    let keys: Vec<String> = src.key_columns().into_iter().map(|(n, _)| n).collect();
    let text = crate::sandbox::expr::format_expr(w);
    keys.iter().any(|k| text.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|t| t == k))
}

/// Planning errors are statement errors, except expression-processing ones (generic, as
/// ksqlDB reports them for queries).
/// `RETENTION_MS` of a WITH clause (ksqlDB 0.28+): the `retention.ms` of a topic the
/// statement creates.
fn retention_ms(props: &Props) -> EResult<Option<u64>> {
    props
        .get_str("RETENTION_MS")
        .map(|v| {
            v.trim().parse::<u64>().map_err(|_| {
                EngineError::statement(format!(
                    "Invalid value for RETENTION_MS: '{v}'. It must be a number of milliseconds."
                ))
            })
        })
        .transpose()
}

/// The error a push query gets when the sandbox closes it because its client is too slow.
fn too_slow(id: &str, why: &str) -> String {
    format!("Query {id} was closed because its client is too slow: {why}")
}

fn plan_error(m: String) -> EngineError {
    if m.contains("Error processing expression:") {
        EngineError::generic(m)
    } else {
        EngineError::statement(m)
    }
}

fn tombstone_row(key: &[Value], key_positions: &[usize], width: usize) -> Vec<Value> {
    let mut row = vec![Value::Null; width];
    for (k, &p) in key.iter().zip(key_positions) {
        if p < width {
            row[p] = k.clone();
        }
    }
    row
}

fn sink_spec(src: &Source, plan: &Plan) -> SinkSpec {
    let value_positions: Vec<usize> = (0..plan.columns.len()).filter(|i| !plan.key_positions.contains(i)).collect();
    SinkSpec {
        topic: src.topic.clone(),
        key_format: src.key_format.clone(),
        value_format: src.value_format.clone(),
        wrap: src.value_wrapped(),
        key_cols: src.key_columns(),
        value_cols: src.value_columns(),
        value_positions,
    }
}

fn column_json(c: &Column) -> J {
    let mut o = json!({"name":c.name,"schema":schema_info(&c.ty)});
    match &c.kind {
        ColKind::Key => o["type"] = json!("KEY"),
        ColKind::Header(k) => {
            o["type"] = json!("HEADER");
            if let Some(k) = k {
                o["headerKey"] = json!(k);
            }
        }
        ColKind::Value => {}
    }
    o
}

fn field_json(c: &OutCol) -> J {
    let mut o = json!({"name":c.name,"schema":schema_info(&c.ty)});
    if c.key {
        o["type"] = json!("KEY");
    }
    o
}

fn explain_plan(q: &Query) -> String {
    let mut s = String::new();
    s.push_str(" > [ SINK ]\n");
    s.push_str("\t\t > [ PROJECT ]\n");
    if q.where_.is_some() {
        s.push_str("\t\t\t\t > [ FILTER ]\n");
    }
    s.push_str(&format!("\t\t\t\t\t\t > [ SOURCE ] | Logger: {}\n", q.from.name));
    s
}

fn describe_function(text: &str, name: &str) -> EResult<J> {
    let upper = name.to_ascii_uppercase();
    let sig_json = |sigs: &[&str], desc: &str| -> Vec<J> {
        sigs.iter()
            .map(|s| {
                let (args, ret) = s.split_once(" => ").unwrap_or((s, ""));
                let inner = args.split_once('(').map(|(_, r)| r.trim_end_matches(')')).unwrap_or("");
                let arguments: Vec<J> = inner
                    .split(", ")
                    .filter(|a| !a.is_empty() && *a != "*")
                    .map(|a| {
                        let (n, t) = a.split_once(' ').unwrap_or((a, ""));
                        let variadic = t.ends_with("...");
                        json!({"name":n,"type":t.trim_end_matches("..."),"description":"","isVariadic":variadic})
                    })
                    .collect();
                let types: Vec<J> = arguments.iter().map(|a| a["type"].clone()).collect();
                json!({"arguments":arguments,"returnType":ret,"description":desc,"argumentTypes":types})
            })
            .collect()
    };
    let (fname, desc, sigs, kind) = if let Some(f) = functions::scalar::lookup(&upper) {
        (f.name, f.description, sig_json(f.signatures, f.description), "SCALAR")
    } else if let Some(f) = functions::aggregate::lookup(&upper) {
        (f.name, f.description, sig_json(f.signatures, f.description), "AGGREGATE")
    } else if let Some(f) = functions::table::registry().iter().find(|f| f.name == upper) {
        (f.name, f.description, sig_json(f.signatures, f.description), "TABLE")
    } else {
        return Err(EngineError::statement(format!("Can't find any functions with the name '{upper}'")));
    };
    Ok(json!({"@type":"describe_function","statementText":text,"name":fname,"description":desc,
        "author":"Confluent (sandbox re-implementation)",
        "version":"","path":"internal","functions":sigs,"type":kind,"warnings":[]}))
}

/// Coerces an INSERT VALUES literal to its column type (ksqlDB's rules: numbers widen,
/// strings parse into TIMESTAMP/DATE/TIME, everything else must match).
fn insert_coerce(v: &Value, to: &SqlType, from: Option<&SqlType>) -> Result<Value, String> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let Some(from) = from else { return Ok(Value::Null) };
    let ok = implicitly_castable(from, to)
        || matches!((from, to), (SqlType::String, SqlType::Timestamp | SqlType::Date | SqlType::Time))
        || matches!((from, to), (SqlType::Decimal { .. }, SqlType::Decimal { .. }));
    if !ok {
        return Err(format!("Expected type {to} for field, but got {} ({})", to_sql_string(v), from));
    }
    cast(v, to)
}

/// WINDOW_TYPE and WINDOW_SIZE of a source over a windowed topic.
fn source_window(props: &Props, columns: &[Column]) -> EResult<Option<(WindowType, Option<u64>)>> {
    let window = match props.get_str("WINDOW_TYPE") {
        Some(_) if !columns.iter().any(|c| c.kind == ColKind::Key) => {
            return Err(EngineError::statement("Windowed sources require a key column."))
        }
        Some(w) => {
            let wt = match w.to_ascii_uppercase().as_str() {
                "TUMBLING" => WindowType::Tumbling,
                "HOPPING" => WindowType::Hopping,
                "SESSION" => WindowType::Session,
                other => return Err(EngineError::statement(format!("Unknown WINDOW_TYPE: {other}"))),
            };
            let size = match props.get_str("WINDOW_SIZE") {
                Some(s) => Some(parse_duration(&s).map_err(EngineError::statement)?),
                None => None,
            };
            if wt == WindowType::Session && size.is_some() {
                return Err(EngineError::statement("'WINDOW_SIZE' should not be set for SESSION windows."));
            }
            if wt != WindowType::Session && size.is_none() {
                return Err(EngineError::statement(format!("'WINDOW_SIZE' must be set for {} windows.", wt.name())));
            }
            Some((wt, size))
        }
        None => None,
    };
    Ok(window)
}
/// The clauses and columns a pull query cannot have, with ksqlDB's messages.
fn pull_clause_checks(q: &Query) -> EResult<()> {
    for (clause, texts) in [
        ("SELECT", q.select.iter().map(select_item_text).collect::<Vec<_>>()),
        ("WHERE", q.where_.iter().map(crate::sandbox::expr::format_expr).collect()),
    ] {
        let bad: Vec<&str> = ["ROWPARTITION", "ROWOFFSET"]
            .into_iter()
            .filter(|p| texts.iter().any(|t| t.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == *p)))
            .collect();
        if !bad.is_empty() {
            return Err(EngineError::statement(format!(
                "Pull queries don't support the following columns in {clause} clauses: {}",
                bad.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    if !q.joins.is_empty() {
        return Err(EngineError::statement("Pull queries don't support JOIN clauses."));
    }
    if q.window.is_some() {
        return Err(EngineError::statement("Pull queries don't support WINDOW clauses."));
    }
    if !q.group_by.is_empty() {
        return Err(EngineError::statement("Pull queries don't support GROUP BY clauses."));
    }
    if !q.partition_by.is_empty() {
        return Err(EngineError::statement("Pull queries don't support PARTITION BY clauses."));
    }
    if q.having.is_some() {
        return Err(EngineError::statement("Pull queries don't support HAVING clauses."));
    }
    Ok(())
}

fn parse_duration(s: &str) -> Result<u64, String> {
    let mut parts = s.split_whitespace();
    let n: u64 = parts
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("Configuration WINDOW_SIZE is invalid: Invalid duration: '{s}'. Not a number"))?;
    let unit = parts.next().unwrap_or("MILLISECONDS").to_ascii_uppercase();
    let ms = match unit.trim_end_matches('S') {
        "MILLISECOND" => 1,
        "SECOND" => 1000,
        "MINUTE" => 60_000,
        "HOUR" => 3_600_000,
        "DAY" => 86_400_000,
        _ => {
            return Err(format!(
                "Configuration WINDOW_SIZE is invalid: Invalid duration: '{s}'. Unknown time unit: '{unit}'"
            ))
        }
    };
    Ok(n * ms)
}

/// One PRINT line, as ksqlDB's RecordFormatter writes it.
pub fn print_line(r: &Record) -> String {
    let ts = chrono::DateTime::from_timestamp_millis(r.timestamp)
        .map(|d| d.format("%Y/%m/%d %H:%M:%S%.3f Z").to_string())
        .unwrap_or_default();
    let key = match r.window {
        Some((s, e)) => format!("[{}@{}/{}]", super::topics::print_bytes(r.key.as_deref()), s, e),
        None => super::topics::print_bytes(r.key.as_deref()),
    };
    let mut line = format!(
        "rowtime: {ts}, key: {key}, value: {}, partition: {}",
        super::topics::print_bytes(r.value.as_deref()),
        r.partition
    );
    if !r.headers.is_empty() {
        let hs: Vec<String> = r
            .headers
            .iter()
            .map(|(k, v)| {
                format!("{k}={}", v.as_deref().map(|b| super::topics::print_bytes(Some(b))).unwrap_or_default())
            })
            .collect();
        line.push_str(&format!(", headers: [{}]", hs.join(", ")));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(e: &mut Engine, s: &mut Session, sql: &str) -> Option<J> {
        e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"))
    }

    #[test]
    fn quickstart_in_engine() {
        let mut e = Engine::new();
        let mut s = Session::default();
        run(
            &mut e,
            &mut s,
            "CREATE STREAM riderLocations (profileId VARCHAR, latitude DOUBLE, longitude DOUBLE) WITH \
             (kafka_topic='locations', value_format='json', partitions=1);",
        );
        run(
            &mut e,
            &mut s,
            "CREATE TABLE currentLocation AS SELECT profileId, LATEST_BY_OFFSET(latitude) AS la, \
             LATEST_BY_OFFSET(longitude) AS lo FROM riderlocations GROUP BY profileId EMIT CHANGES;",
        );
        run(
            &mut e,
            &mut s,
            "CREATE TABLE ridersNearMountainView AS SELECT ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), \
             -1) AS distanceInMiles, COLLECT_LIST(profileId) AS riders, COUNT(*) AS count FROM currentLocation \
             GROUP BY ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1);",
        );
        let push = e
            .query(
                "SELECT * FROM riderLocations WHERE GEO_DISTANCE(latitude, longitude, 37.4133, \
                 -122.1162) <= 5 EMIT CHANGES;",
                &mut s,
            )
            .unwrap();
        for (id, la, lo) in [
            ("c2309eec", 37.7877, -122.4205),
            ("18f4ea86", 37.3903, -122.0643),
            ("4ab5cbad", 37.3952, -122.0813),
            ("8b6eae59", 37.3944, -122.0813),
            ("4a7c7b41", 37.4049, -122.0822),
            ("4ddad000", 37.7857, -122.4011),
        ] {
            run(
                &mut e,
                &mut s,
                &format!("INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('{id}', {la}, {lo});"),
            );
        }
        let QueryResult::Push { header, .. } = push else { panic!() };
        let rows = e.drain(&header.query_id);
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|m| matches!(m, PushMsg::Row(_))), "{rows:?}");
        let QueryResult::Pull { rows, header, .. } =
            e.query("SELECT * from ridersNearMountainView WHERE distanceInMiles <= 10;", &mut s).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            header.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            vec!["DISTANCEINMILES", "RIDERS", "COUNT"]
        );
        assert!(header.columns[0].key);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0][0], Value::Double(0.0));
        assert_eq!(rows[0][2], Value::Bigint(3));
    }

    #[test]
    fn limit_1_from_earliest_reads_one_record_of_a_big_topic() {
        let mut e = Engine::new();
        let mut s = Session::default();
        run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
        produce_values(&mut e, 100_000);
        let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
        let QueryResult::Push { header, limit, .. } = e.query("SELECT V FROM S EMIT CHANGES LIMIT 1;", &mut s).unwrap()
        else {
            panic!()
        };
        assert_eq!(limit, Some(1));
        let rows = e.pump(&header.query_id, 1);
        assert!(matches!(&rows[..], [PushMsg::Row(r)] if r[0] == Value::Int(0)), "{rows:?}");
        assert_eq!(e.records_read(&header.query_id), Some(1));

        // A query that matches nothing reads a bounded number of records per pump.
        let QueryResult::Push { header, signal, .. } =
            e.query("SELECT V FROM S WHERE V < 0 EMIT CHANGES;", &mut s).unwrap()
        else {
            panic!()
        };
        assert!(e.pump(&header.query_id, 1).is_empty());
        assert_eq!(e.records_read(&header.query_id), Some(PUMP_RECORDS));
        assert!(signal.ended().is_none(), "more to read, not ended");
        assert!(e.drain(&header.query_id).is_empty());
        assert_eq!(e.records_read(&header.query_id), Some(100_000));
    }

    /// Records `{"V": 0}` … `{"V": n-1}` straight into topic `s` (faster than INSERTs).
    fn produce_values(e: &mut Engine, n: i64) {
        for i in 0..n {
            let value = Some(format!("{{\"V\":{i}}}").into_bytes());
            let record =
                Record { key: None, value, timestamp: i, headers: vec![], partition: 0, offset: 0, window: None };
            e.produce("s", record, None);
        }
    }

    #[test]
    fn a_closed_push_query_still_delivers_rows_inserted_before() {
        let mut e = Engine::new();
        let mut s = Session::default();
        run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
        let QueryResult::Push { header, signal, .. } = e.query("SELECT V FROM S EMIT CHANGES;", &mut s).unwrap() else {
            panic!()
        };
        let id = header.query_id;
        run(&mut e, &mut s, "INSERT INTO S (V) VALUES (1);");
        run(&mut e, &mut s, "INSERT INTO S (V) VALUES (2);");
        // /close-query before the server task took the rows.
        assert!(e.close_transient(&id));
        run(&mut e, &mut s, "INSERT INTO S (V) VALUES (3);");
        assert!(signal.ended().is_none(), "not ended while rows wait");
        let show = run(&mut e, &mut s, "SHOW QUERIES;").unwrap();
        assert!(!show.to_string().contains(&id), "a closing query is not listed: {show}");
        let rows = e.pump(&id, 10);
        assert_eq!(rows.len(), 2, "the rows of records before the close, not after: {rows:?}");
        assert!(e.pump(&id, 10).is_empty());
        assert_eq!(signal.ended(), Some(push::End::Closed));
        assert_eq!(e.push_query_count(), 0);
    }

    #[test]
    fn a_push_query_closed_during_a_long_replay_ends_soon() {
        let mut e = Engine::new();
        let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
        run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
        produce_values(&mut e, 50_000);
        let QueryResult::Push { header, signal, .. } = e.query("SELECT V FROM S EMIT CHANGES;", &mut s).unwrap() else {
            panic!()
        };
        let id = header.query_id;
        assert_eq!(e.pump(&id, 10).len(), 10);
        assert!(e.close_transient(&id));
        let after_close = e.drain(&id).len() as u64;
        assert_eq!(after_close, CLOSE_DRAIN_RECORDS, "a close ends the replay after a bounded number of records");
        assert_eq!(signal.ended(), Some(push::End::Closed));
        assert_eq!(e.push_query_count(), 0);
    }

    #[test]
    fn a_push_query_behind_retention_is_closed_with_an_error() {
        let mut e = Engine::new();
        e.topics.default_retention = crate::sandbox::topics::Retention { records: 100, ..Default::default() };
        let mut s = Session::default();
        run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
        let QueryResult::Push { header, signal, .. } = e.query("SELECT V FROM S EMIT CHANGES;", &mut s).unwrap() else {
            panic!()
        };
        for i in 0..150 {
            run(&mut e, &mut s, &format!("INSERT INTO S (V) VALUES ({i});"));
        }
        // Nobody pumped: the first 50 rows are gone from the topic, so the query is closed.
        assert_eq!(e.push_query_count(), 0);
        match signal.ended() {
            Some(push::End::Error(m)) => {
                assert!(m.contains(&header.query_id) && m.contains("too slow"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.drain(&header.query_id).is_empty());
        let t = e.topics.get("s").unwrap();
        assert_eq!((t.log.len(), t.log_start, t.partitions[0].start, t.partitions[0].end), (100, 50, 50, 150));
    }
}

#[cfg(test)]
mod bench {
    use super::*;

    /// Events/s through a filter/projection persistent query (run with
    /// `cargo test --release --lib sandbox::engine::bench -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn filter_projection_throughput() {
        let mut e = Engine::new();
        let mut s = Session::default();
        e.execute(
            "CREATE STREAM S (ID INT KEY, NAME STRING, V DOUBLE) WITH (kafka_topic='s', value_format='json', \
             partitions=1);",
            &mut s,
        )
        .unwrap();
        e.execute("CREATE STREAM F AS SELECT ID, UCASE(NAME) AS N, V * 2 AS V2 FROM S WHERE V > 10;", &mut s).unwrap();
        let n = 200_000;
        let values: Vec<Vec<u8>> =
            (0..n).map(|i| format!("{{\"NAME\":\"name{i}\",\"V\":{}}}", i % 100).into_bytes()).collect();
        let start = std::time::Instant::now();
        for (i, v) in values.into_iter().enumerate() {
            e.produce(
                "s",
                Record {
                    key: Some((i as i32).to_be_bytes().to_vec()),
                    value: Some(v),
                    timestamp: i as i64,
                    headers: vec![],
                    partition: 0,
                    offset: 0,
                    window: None,
                },
                None,
            );
        }
        let secs = start.elapsed().as_secs_f64();
        println!("filter/projection: {:.0} events/s ({} outputs)", n as f64 / secs, e.topic_records("F").len());
    }
}

#[cfg(test)]
mod connectors_tests;
#[cfg(test)]
mod plan_tests;
