//! The engine: runs statements against the catalog and topics, keeps persistent queries
//! running as records arrive, and serves push and pull queries.
//!
//! Everything is synchronous and single-threaded behind one lock: appending a record runs
//! every persistent query that reads its topic at once (breadth-first through sink topics),
//! so results are deterministic and immediately visible to pull queries. Transient push
//! queries and PRINT read their topics lazily, as their clients take rows ([`push`]).
//!
//! This file holds the engine's state and dispatches statements; one file per job does the
//! rest: [`ddl`] (CREATE, DROP, types; [`formats`] checks a source's formats), [`insert`]
//! (INSERT INTO ... SELECT / VALUES), [`lifecycle`] (persistent queries, push queries, PRINT,
//! TERMINATE), [`delivery`] (records through the queries and out to clients), [`pull`] (pull
//! queries), [`listing`] (SHOW, DESCRIBE, EXPLAIN) and [`status`] (command status and
//! warnings). Every `/ksql` answer is a typed entity of [`ksql_wire::entity`].

mod alter;
pub mod assertions;
pub mod connectors;
mod ddl;
mod delivery;
pub mod exec;
mod fk_join;
mod formats;
mod insert;
mod lifecycle;
mod listing;
pub mod plan;
mod pull;
mod pull_where;
pub mod push;
mod queries;
mod replace;
mod row_writer;
mod rows;
mod schemas;
mod status;
mod upgrade;
mod window_join;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use self::assertions::DEFAULT_ASSERT_TIMEOUT_MS;
use self::exec::Executor;
use self::plan::OutCol;
use self::push::{Feed, Signal};
use super::catalog::{Catalog, QueryInfo};
use super::record_json::ObjectNames;
use super::sql::ast::{PropValue, Props, Statement};
use super::sql::parser::parse_statement;
use super::topics::{Format, Record, Topics};
use super::types::{self, SqlType, Value};
use crate::schema_registry::SchemaRegistry;
use serde_json::Value as J;

pub use self::delivery::print_line;
pub use self::listing::SERVER_PROPERTIES;
pub use self::row_writer::{RowWriter, TypedRow};

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
    /// How long the server may run the statement again while it fails this way, with the
    /// engine free in between (a failed ASSERT, up to its TIMEOUT); None: answer at once.
    pub retry_for_ms: Option<u64>,
}

impl EngineError {
    pub fn statement(message: impl Into<String>) -> Self {
        EngineError { status: 400, code: 40001, message: message.into(), statement: true, ..Self::blank() }
    }
    pub fn generic(message: impl Into<String>) -> Self {
        EngineError { status: 400, code: 40000, message: message.into(), statement: false, ..Self::blank() }
    }
    /// A generic 500 answer: a bug in the sandbox, never the user's statement.
    pub fn internal(message: impl Into<String>) -> Self {
        EngineError { status: 500, code: 50000, message: message.into(), statement: false, ..Self::blank() }
    }
    fn blank() -> Self {
        EngineError {
            status: 0,
            code: 0,
            message: String::new(),
            statement: false,
            statement_text: None,
            retry_for_ms: None,
        }
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
    /// Its id (`info.id`), SQL, sink and errors, as listings show them.
    info: QueryInfo,
    executor: Executor,
    sink: SinkSpec,
    /// What CREATE OR REPLACE may change of it in place.
    shape: upgrade::UpgradeShape,
}

impl Persistent {
    /// Whether one of its inputs is `topic`.
    fn reads(&self, topic: &str) -> bool {
        self.executor.inputs.iter().any(|i| i.topic == topic)
    }
}

/// How a query's outputs become records of its sink topic.
#[derive(Clone)]
struct SinkSpec {
    /// Shared with each record the sink takes on its way to the topic's readers.
    topic: Arc<str>,
    key_format: Format,
    value_format: Format,
    wrap: bool,
    key_cols: Vec<(String, SqlType)>,
    value_cols: Vec<(String, SqlType)>,
    /// The value columns' names as a JSON object writes them.
    value_names: ObjectNames,
    /// Positions of the value columns in the projected row (ascending: the row without its
    /// key columns).
    value_positions: Vec<usize>,
}

impl SinkSpec {
    /// The value columns of a projected row when they are its tail (commonly: the key
    /// columns lead), read in place; None when they are spread out.
    fn value_tail<'r>(&self, row: &'r [Value]) -> Option<&'r [Value]> {
        let p = &self.value_positions;
        let first = *p.first()?;
        (first + p.len() == row.len() && p.last() == Some(&(row.len() - 1))).then(|| &row[first..])
    }

    /// The value columns of a projected row: moved out in place, not copied into a list.
    fn values_of(&self, mut row: Vec<Value>) -> Vec<Value> {
        // When they are its tail: the row with its head cut.
        if let Some(tail) = self.value_tail(&row) {
            let first = row.len() - tail.len();
            row.drain(..first);
            return row;
        }
        let (mut next, mut i) = (self.value_positions.iter().peekable(), 0);
        row.retain(|_| {
            let keep = next.next_if_eq(&&i).is_some();
            i += 1;
            keep
        });
        row
    }
}

struct Transient {
    id: String,
    executor: Executor,
    /// Where key values go in a tombstone row (and the window bounds of a windowed key),
    /// and the row width.
    key_positions: Vec<usize>,
    window_positions: (Option<usize>, Option<usize>),
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
    queries: queries::Queries,
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
    /// The Schema Registry: CREATE without columns in a schema format infers its columns from
    /// the topic's subjects (`<topic>-key`, `<topic>-value`).
    pub schema_registry: SchemaRegistry,
    /// Pull queries on a table an aggregation writes read the aggregation's groups (false:
    /// the table's state is built from its topic, as tests compare).
    pulls_read_aggregations: bool,
    /// Connectors (the sandbox runs Datagen ones).
    connectors: connectors::Connectors,
    /// Appended records still to run (see [`Engine::run`]), kept between records.
    work: delivery::Work,
    /// A query's outputs for the record it just processed, kept between records (see
    /// [`Engine::run`]).
    outputs: Vec<exec::Output>,
    /// The buffer output records are assembled in, kept between records.
    record_bytes: Vec<u8>,
}

/// One table's maintained state: the statement it was built for (a dropped and re-created
/// table gets a fresh one) and the decoded latest row per key.
struct Materialized {
    statement: String,
    input: exec::Input,
    /// Windowed tables: the windows each key has, in order, so that a pull query by key
    /// reads only that key's rows.
    windows: Option<WindowIndex>,
    /// The query writing the table: its outputs update the state as they are written.
    writer: Option<String>,
    /// Positions of the topic's records applied that way, not yet reached by [`Engine::run`]
    /// (which would apply them again).
    applied: VecDeque<u64>,
    /// The latest record of each key, shared with the topic's log (decoded when read: the
    /// rows are not kept a second time).
    rows: exec::StateMap<exec::StateKey, Record>,
}

/// A windowed table's key -> its windows (start, end).
type WindowIndex = exec::StateMap<Vec<types::KeyPart>, BTreeSet<(i64, i64)>>;

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// Records [`Engine::pump`] reads at most per call.
pub const PUMP_RECORDS: u64 = 4096;
/// Records a closed push query still reads before it ends (see `Transient::closing`).
const CLOSE_DRAIN_RECORDS: u64 = 10_000;

/// Planning errors are statement errors, except expression-processing ones (generic, as
/// ksqlDB reports them for queries).
fn plan_error(m: String) -> EngineError {
    if m.contains("Error processing expression:") {
        EngineError::generic(m)
    } else {
        EngineError::statement(m)
    }
}

impl Engine {
    pub fn new() -> Engine {
        Engine {
            topics: Topics::default(),
            catalog: Catalog::default(),
            queries: queries::Queries::default(),
            transients: Vec::new(),
            prints: Vec::new(),
            evictions_seen: 0,
            next_query: 0,
            command_seq: 0,
            auto_create_topics: false,
            materialized: HashMap::new(),
            schema_registry: SchemaRegistry::default(),
            pulls_read_aggregations: true,
            connectors: connectors::Connectors::default(),
            work: Default::default(),
            outputs: Vec::new(),
            record_bytes: Vec::new(),
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
                ..EngineError::statement("")
            }),
            Statement::CreateSource { kind, or_replace, if_not_exists, source, name, columns, props } => {
                let props = with_default_formats(props, session);
                self.create_source(text, kind, or_replace, if_not_exists, source, &name, &columns, &props, session)
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
            Statement::AssertTopic { exists, topic, props, timeout_ms } => {
                self.assert_topic(text, exists, &topic, &props, timeout_ms.unwrap_or(DEFAULT_ASSERT_TIMEOUT_MS))
            }
            Statement::AssertSchema { exists, subject, id, timeout_ms } => self.assert_schema(
                text,
                exists,
                (subject.as_deref(), id),
                timeout_ms.unwrap_or(DEFAULT_ASSERT_TIMEOUT_MS),
            ),
            Statement::Alter { kind, name, columns } => self.alter_source(text, kind, &name, &columns),
            Statement::CreateType { if_not_exists, name, ty } => self.create_type(text, if_not_exists, name, ty),
            Statement::DropType { if_exists, name } => self.drop_type(text, if_exists, name),
            Statement::Terminate { id } => self.terminate(text, id),
            Statement::Show(what) => Ok(Some(self.show(text, what, session))),
            Statement::Describe { name, extended } => self.describe(text, &name, extended),
            Statement::DescribeSources { kind, extended } => Ok(Some(self.describe_sources(text, kind, extended))),
            Statement::DescribeFunction(name) => listing::describe_function(text, &name).map(Some),
            Statement::ExplainQueryId(id) => self.explain_query_id(text, &id),
            Statement::Explain(query) => self.explain(text, &query),
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
                    let message = format!("Cannot undefine variable '{k}' which was never defined");
                    return Ok(Some(status::warning(text, message)));
                }
                Ok(None)
            }
            Statement::CreateConnector { source, if_not_exists, name, config } => {
                let now_ms = crate::topics::now_ms();
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

    /// Runs a SELECT (push or pull) or PRINT from /query or /query-stream.
    pub fn query(&mut self, text: &str, session: &mut Session) -> EResult<QueryResult> {
        let stmt = parse_statement(text).map_err(|e| EngineError::statement(e.to_string()))?;
        match stmt {
            Statement::Query(q) if q.emit_changes || q.emit_final => self.push_query(&q, session),
            Statement::Query(q) => self.pull_query(&q, session),
            Statement::Print { topic, from_beginning, interval: _, limit } => {
                self.start_print(&topic, from_beginning, limit)
            }
            _ => Err(EngineError::statement("Neither a query nor a print statement")),
        }
    }

    /// Records of a topic (for the QTT runner and tests).
    pub fn topic_records(&self, topic: &str) -> Vec<Record> {
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

/// A CREATE's formats, defaulted from `ksql.persistence.default.format.key|value` when its
/// WITH clause names none (as ksqlDB's config does).
fn with_default_formats(mut props: Props, session: &Session) -> Props {
    if props.get("FORMAT").is_some() {
        return props;
    }
    for (prop, setting) in [
        ("KEY_FORMAT", "ksql.persistence.default.format.key"),
        ("VALUE_FORMAT", "ksql.persistence.default.format.value"),
    ] {
        if props.get(prop).is_none() {
            if let Some(f) = session.property(setting) {
                props.0.push((prop.to_string(), PropValue::Str(f.to_string())));
            }
        }
    }
    props
}

#[cfg(test)]
mod bench;
#[cfg(test)]
mod connectors_tests;
#[cfg(test)]
mod fk_join_tests;
#[cfg(test)]
mod state_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod upgrade_tests;
#[cfg(test)]
mod window_join_tests;
#[cfg(test)]
mod wire_tests;
