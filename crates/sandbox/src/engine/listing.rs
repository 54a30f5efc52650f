//! The answers of SHOW / LIST, DESCRIBE and EXPLAIN, built as the wire model's typed entities.

use std::collections::BTreeMap;

use serde_json::{Map, Value as J};

use super::plan::explain::explain;
use super::plan::{plan_query, OutCol, PlanOptions};
use super::{EResult, Engine, EngineError, Session};
use crate::catalog::{ColKind, Column, QueryInfo, Source};
use crate::functions;
use crate::sql::ast::{Query, Show, SourceKind};
use ksql_wire::entity::{
    ArgumentInfo, Envelope, FieldInfo, FunctionDescriptionList, FunctionInfo, FunctionNameList, KafkaTopicInfo,
    KafkaTopicsList, PropertiesList, Property, Queries, QueryDescription, QueryDescriptionEntity, QueryDescriptionList,
    QueryError, RunningQuery, SandboxRetention, SimpleFunctionInfo, SourceDescription, SourceDescriptionEntity,
    SourceDescriptionList, SourceInfo, StreamsList, TablesList, TypeList, Variable, VariablesList,
};

/// The server properties LIST PROPERTIES shows (a session's SET values override them).
pub const SERVER_PROPERTIES: &[(&str, &str)] = &[
    ("ksql.streams.auto.offset.reset", "latest"),
    ("ksql.service.id", "ksqldb_sandbox_"),
    ("ksql.persistent.prefix", "query_"),
    ("ksql.streams.num.stream.threads", "1"),
    ("ksql.query.pull.table.scan.enabled", "true"),
    ("ksql.sink.partitions", "1"),
];

/// What the sandbox says instead of a Kafka Streams topology.
const NO_TOPOLOGY: &str = "(the ksqlDB sandbox has no Kafka Streams topology)";

impl Engine {
    pub(super) fn show(&self, text: &str, what: Show, session: &Session) -> J {
        match what {
            Show::Streams { extended } => self.show_sources(text, SourceKind::Stream, extended),
            Show::Tables { extended } => self.show_sources(text, SourceKind::Table, extended),
            Show::Topics { extended, .. } => self.show_topics(text, extended),
            Show::Queries { extended } => self.show_queries(text, extended),
            Show::Properties => show_properties(text, session),
            Show::Functions => {
                let functions = functions::list_all()
                    .into_iter()
                    .map(|(name, kind, category)| SimpleFunctionInfo {
                        name,
                        function_type: Some(kind.into()),
                        category: Some(category.into()),
                    })
                    .collect();
                Envelope::new(text, FunctionNameList { functions }).to_json()
            }
            Show::Types => {
                let types: Map<String, J> =
                    self.catalog.types.iter().map(|(k, t)| (k.clone(), t.to_schema_info())).collect();
                Envelope::new(text, TypeList { types }).to_json()
            }
            Show::Variables => {
                let variables = session
                    .variables
                    .iter()
                    .map(|(k, v)| Variable { name: k.clone(), value: J::from(v.as_str()) })
                    .collect();
                Envelope::new(text, VariablesList { variables }).to_json()
            }
            Show::Connectors { source } => self.list_connectors(text, source),
        }
    }

    /// SHOW STREAMS / TABLES, and their EXTENDED form (a description of each).
    fn show_sources(&self, text: &str, kind: SourceKind, extended: bool) -> J {
        let sources = self.catalog.sources.values().filter(|s| s.kind == kind);
        if extended {
            let source_descriptions = sources.map(|s| self.describe_source(s, true)).collect();
            return Envelope::new(text, SourceDescriptionList { source_descriptions }).to_json();
        }
        let list: Vec<SourceInfo> = sources
            .map(|s| SourceInfo {
                source_type: Some(kind.name().into()),
                name: s.name.clone(),
                topic: Some(s.topic.clone()),
                key_format: Some(s.key_format.name().into()),
                value_format: Some(s.value_format.name().into()),
                format: None,
                is_windowed: Some(s.is_windowed()),
            })
            .collect();
        match kind {
            SourceKind::Stream => Envelope::new(text, StreamsList { streams: list }).to_json(),
            SourceKind::Table => Envelope::new(text, TablesList { tables: list }).to_json(),
        }
    }

    /// SHOW TOPICS; the EXTENDED form adds consumers and the sandbox's retention.
    fn show_topics(&self, text: &str, extended: bool) -> J {
        let topics = self
            .topics
            .map
            .values()
            .map(|t| {
                let mut info = KafkaTopicInfo {
                    name: t.name.to_string(),
                    replica_info: vec![1; t.partitions.len()],
                    ..KafkaTopicInfo::default()
                };
                if extended {
                    let consumers = self.queries.values().filter(|q| q.reads(&t.name)).count() as i64;
                    info.consumer_count = Some(consumers);
                    info.consumer_group_count = Some(consumers);
                    info.retention = Some(SandboxRetention {
                        records: Some(t.retention.records),
                        bytes: Some(t.retention.bytes),
                        ms: t.retention.ms,
                        retained_records: Some(t.log.len() as u64),
                        retained_bytes: Some(t.bytes),
                        log_start_offsets: t.partitions.iter().map(|p| p.start).collect(),
                        summary: Some(t.retention_summary()),
                    });
                }
                info
            })
            .collect();
        let type_name = if extended { KafkaTopicsList::EXTENDED_TYPE } else { "kafka_topics" };
        let body = KafkaTopicsList { topics };
        Envelope { type_name, ..Envelope::new(text, body) }.to_json()
    }

    /// SHOW QUERIES (persistent and running push queries); EXTENDED describes the persistent ones.
    fn show_queries(&self, text: &str, extended: bool) -> J {
        if extended {
            let query_descriptions = self.queries.values().map(|q| self.query_description(&q.info)).collect();
            return Envelope::new(text, QueryDescriptionList { query_descriptions }).to_json();
        }
        let mut queries: Vec<RunningQuery> = self.queries.values().map(|q| query_summary(&q.info)).collect();
        for t in self.transients.iter().filter(|t| t.closing.is_none()) {
            queries.push(RunningQuery {
                query_string: Some(t.sql.clone()),
                id: J::from(t.id.as_str()),
                status_count: Some(BTreeMap::from([("RUNNING".to_string(), 1)])),
                query_type: Some("PUSH".into()),
                state: Some("RUNNING".into()),
                ..RunningQuery::default()
            });
        }
        Envelope::new(text, Queries { queries }).to_json()
    }

    pub(super) fn describe(&self, text: &str, name: &str, extended: bool) -> EResult<Option<J>> {
        let src = self
            .catalog
            .get(name)
            .ok_or_else(|| EngineError::statement(format!("Could not find STREAM/TABLE '{name}' in the Metastore")))?;
        let body = SourceDescriptionEntity { source_description: self.describe_source(src, extended) };
        Ok(Some(Envelope::new(text, body).to_json()))
    }

    /// DESCRIBE STREAMS / TABLES [EXTENDED].
    pub(super) fn describe_sources(&self, text: &str, kind: SourceKind, extended: bool) -> J {
        let source_descriptions = self
            .catalog
            .sources
            .values()
            .filter(|s| s.kind == kind)
            .map(|s| self.describe_source(s, extended))
            .collect();
        Envelope::new(text, SourceDescriptionList { source_descriptions }).to_json()
    }

    pub(super) fn explain_query_id(&self, text: &str, id: &str) -> EResult<Option<J>> {
        let q = self.queries.get(id).ok_or_else(|| {
            EngineError::statement(format!(
                "Query with id:{id} does not exist, use SHOW QUERIES to view the full set of queries."
            ))
        })?;
        let body = QueryDescriptionEntity { query_description: self.query_description(&q.info) };
        Ok(Some(Envelope::new(text, body).to_json()))
    }

    /// EXPLAIN of a query not running: its plan, described as a push or pull query.
    pub(super) fn explain(&self, text: &str, query: &Query) -> EResult<Option<J>> {
        let options = PlanOptions { persistent: false, sink_name: None, sink_timestamp: None };
        let plan = plan_query(query, &self.catalog, &options).map_err(EngineError::statement)?;
        let description = QueryDescription {
            id: J::from(""),
            statement_text: Some(query.text.clone()),
            window_type: plan.window.map(|w| w.0.name().to_string()),
            fields: plan.columns.iter().map(out_field_info).collect(),
            sources: plan.sources.clone(),
            topology: Some(NO_TOPOLOGY.into()),
            execution_plan: Some(explain(&plan.logical)),
            query_type: Some(if query.emit_changes || query.emit_final { "PUSH" } else { "PULL" }.into()),
            ..QueryDescription::default()
        };
        Ok(Some(Envelope::new(text, QueryDescriptionEntity { query_description: description }).to_json()))
    }

    fn query_description(&self, q: &QueryInfo) -> QueryDescription {
        let sink = q.sink.as_ref().and_then(|s| self.catalog.get(s));
        QueryDescription {
            id: J::from(q.id.as_str()),
            statement_text: Some(q.sql.clone()),
            window_type: sink.and_then(|s| s.window).map(|w| w.0.name().to_string()),
            fields: sink.map(|s| s.columns.iter().map(field_info).collect()).unwrap_or_default(),
            sources: q.sources.clone(),
            sinks: q.sink.iter().cloned().collect(),
            topology: Some(NO_TOPOLOGY.into()),
            execution_plan: Some(q.sql.clone()),
            ksql_host_query_status: BTreeMap::from([("sandbox:8088".to_string(), "RUNNING".to_string())]),
            query_type: Some("PERSISTENT".into()),
            query_errors: q
                .errors
                .iter()
                .map(|e| QueryError {
                    timestamp: Some(0),
                    error_message: Some(e.clone()),
                    error_type: Some("USER".into()),
                })
                .collect(),
            consumer_group_id: Some(format!("_confluent-ksql-ksqldb_sandbox_query_{}", q.id)),
            state: Some("RUNNING".into()),
            ..QueryDescription::default()
        }
    }

    /// A source as DESCRIBE shows it (also each source of DESCRIBE CONNECTOR).
    pub(super) fn describe_source(&self, s: &Source, extended: bool) -> SourceDescription {
        let queries = |keep: &dyn Fn(&QueryInfo) -> bool| -> Vec<RunningQuery> {
            self.queries.values().filter(|q| keep(&q.info)).map(|q| query_summary(&q.info)).collect()
        };
        // Keys first, as ksqlDB lists them.
        let keys = s.columns.iter().filter(|c| c.kind == ColKind::Key);
        let fields = keys.chain(s.columns.iter().filter(|c| c.kind != ColKind::Key)).map(field_info).collect();
        let topic = self.topics.get(&s.topic);
        let statistics = match topic {
            Some(t) if extended => format!(
                "{:<20}:{:>10}     total-messages:{:>10}\nretention: {}",
                "messages-per-sec",
                0,
                t.log.len(),
                t.retention_summary()
            ),
            _ => String::new(),
        };
        SourceDescription {
            name: s.name.clone(),
            window_type: s.window.map(|w| w.0.name().to_string()),
            read_queries: queries(&|q| q.sources.contains(&s.name)),
            write_queries: queries(&|q| q.sink.as_deref() == Some(&s.name)),
            fields,
            source_type: Some(s.kind.name().into()),
            timestamp: Some(s.timestamp_column.clone().unwrap_or_default()),
            statistics: Some(statistics),
            error_stats: Some(String::new()),
            extended: Some(extended),
            key_format: Some(s.key_format.name().into()),
            value_format: Some(s.value_format.name().into()),
            topic: Some(s.topic.clone()),
            partitions: Some(topic.map(|t| t.partitions.len()).unwrap_or(0) as i64),
            replication: Some(1),
            statement: Some(s.statement.clone()),
            ..SourceDescription::default()
        }
    }
}

fn show_properties(text: &str, session: &Session) -> J {
    let property = |name: &str, value: &str, level: &str| Property {
        name: name.into(),
        scope: Some("KSQL".into()),
        value: J::from(value),
        editable: Some(true),
        level: Some(level.into()),
    };
    let mut properties: Vec<Property> = SERVER_PROPERTIES.iter().map(|(k, v)| property(k, v, "SERVER")).collect();
    let mut overwritten_properties = Vec::new();
    for (k, v) in &session.properties {
        properties.retain(|p| p.name != *k);
        properties.push(property(k, v, "QUERY"));
        overwritten_properties.push(k.clone());
    }
    let default_properties =
        SERVER_PROPERTIES.iter().map(|(k, _)| k.to_string()).filter(|k| !overwritten_properties.contains(k)).collect();
    Envelope::new(text, PropertiesList { properties, overwritten_properties, default_properties }).to_json()
}

/// A persistent query as SHOW QUERIES and DESCRIBE list it.
fn query_summary(q: &QueryInfo) -> RunningQuery {
    // ksqlDB reports a query that logged processing errors as RUNNING too.
    let state = "RUNNING";
    RunningQuery {
        query_string: Some(q.sql.clone()),
        sinks: q.sink.iter().cloned().collect(),
        sink_kafka_topics: q.sink_topic.iter().cloned().collect(),
        id: J::from(q.id.as_str()),
        status_count: Some(BTreeMap::from([(state.to_string(), 1)])),
        query_type: Some("PERSISTENT".into()),
        state: Some(state.into()),
        ..RunningQuery::default()
    }
}

/// A source column as DESCRIBE shows it.
fn field_info(c: &Column) -> FieldInfo {
    let (field_type, header_key) = match &c.kind {
        ColKind::Key => (Some("KEY"), None),
        ColKind::Header(k) => (Some("HEADER"), k.clone()),
        ColKind::Value => (None, None),
    };
    FieldInfo {
        name: c.name.clone(),
        schema: c.ty.to_schema_info(),
        field_type: field_type.map(str::to_string),
        header_key,
    }
}

/// A result column as EXPLAIN shows it.
fn out_field_info(c: &OutCol) -> FieldInfo {
    FieldInfo {
        name: c.name.clone(),
        schema: c.ty.to_schema_info(),
        field_type: c.key.then(|| "KEY".to_string()),
        header_key: None,
    }
}

/// DESCRIBE FUNCTION: the catalog's signatures (`NAME(arg TYPE, ...) => RET`) as ksqlDB's
/// FunctionInfo entries.
pub(super) fn describe_function(text: &str, name: &str) -> EResult<J> {
    let upper = name.to_ascii_uppercase();
    let infos = |sigs: &[&str], desc: &str| -> Vec<FunctionInfo> {
        sigs.iter()
            .map(|s| {
                let (args, ret) = s.split_once(" => ").unwrap_or((s, ""));
                let inner = args.split_once('(').map(|(_, r)| r.trim_end_matches(')')).unwrap_or("");
                let arguments: Vec<ArgumentInfo> = inner
                    .split(", ")
                    .filter(|a| !a.is_empty() && *a != "*")
                    .map(|a| {
                        let (n, t) = a.split_once(' ').unwrap_or((a, ""));
                        ArgumentInfo {
                            name: n.to_string(),
                            arg_type: Some(t.trim_end_matches("...").to_string()),
                            description: Some(String::new()),
                            is_variadic: Some(t.ends_with("...")),
                        }
                    })
                    .collect();
                let argument_types = arguments.iter().map(|a| a.arg_type.clone().unwrap_or_default()).collect();
                FunctionInfo {
                    arguments,
                    return_type: Some(ret.to_string()),
                    description: Some(desc.to_string()),
                    argument_types,
                }
            })
            .collect()
    };
    let (fname, desc, functions, kind) = if let Some(f) = functions::scalar::lookup(&upper) {
        (f.name, f.description, infos(f.signatures, f.description), "SCALAR")
    } else if let Some(f) = functions::aggregate::lookup(&upper) {
        (f.name, f.description, infos(f.signatures, f.description), "AGGREGATE")
    } else if let Some(f) = functions::table::lookup(&upper) {
        (f.name, f.description, infos(f.signatures, f.description), "TABLE")
    } else {
        return Err(EngineError::statement(format!("Can't find any functions with the name '{upper}'")));
    };
    let body = FunctionDescriptionList {
        name: fname.to_string(),
        description: Some(desc.to_string()),
        author: Some("Confluent (sandbox re-implementation)".into()),
        version: Some(String::new()),
        path: Some("internal".into()),
        functions,
        function_type: Some(kind.into()),
    };
    Ok(Envelope::new(text, body).to_json())
}
