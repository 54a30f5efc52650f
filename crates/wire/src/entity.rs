//! Typed `/ksql` response entities, one per `@type` the server knows (reference §2).
//!
//! Every field that some server version omits is optional or defaults to empty, and unknown
//! fields are ignored, because every ksqlDB version adds fields. [`Entity::from_json`] never
//! fails: anything it cannot type is kept as [`Entity::Unknown`] with its raw JSON.
//!
//! The same types serialize as ksqlDB writes them (the sandbox answers with them): wrapped in
//! an [`Envelope`] (`@type`, `statementText`, the body's fields, `warnings`); optional fields
//! that current servers always write come out as `null`, those only some versions or forms
//! have are left out when absent.

use std::collections::BTreeMap;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::schema::SqlType;

/// A typed entity together with the exact JSON it was read from (for `application/json` output).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub raw: Value,
}

impl<T> Deref for Parsed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// `null` reads as the type's default (servers write `null` for empty lists in places).
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One `{"message": ...}` warning.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct KsqlWarning {
    #[serde(deserialize_with = "nullable")]
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// currentStatus

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CommandStatusEntity {
    /// Written by the [`Envelope`], as for every entity.
    #[serde(skip_serializing)]
    pub statement_text: Option<String>,
    pub command_id: Option<String>,
    pub command_status: CommandStatus,
    /// Absent on old KSQL 5.x, `-1` or absent on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_sequence_number: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CommandStatus {
    /// QUEUED, PARSING, EXECUTING, RUNNING, TERMINATED, SUCCESS or ERROR.
    #[serde(deserialize_with = "nullable")]
    pub status: String,
    #[serde(deserialize_with = "nullable")]
    pub message: String,
    /// 0.11+: the persistent query started by CSAS/CTAS/INSERT INTO.
    pub query_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// streams / tables

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StreamsList {
    #[serde(deserialize_with = "nullable")]
    pub streams: Vec<SourceInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TablesList {
    #[serde(deserialize_with = "nullable")]
    pub tables: Vec<SourceInfo>,
}

/// An item of SHOW STREAMS / SHOW TABLES.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SourceInfo {
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// 0.14+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_format: Option<String>,
    /// 0.14+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_format: Option<String>,
    /// Before 0.14: the value format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_windowed: Option<bool>,
}

impl SourceInfo {
    /// The value format, read from `format` on servers before 0.14.
    pub fn value_format(&self) -> Option<&str> {
        self.value_format.as_deref().or(self.format.as_deref())
    }
}

// ---------------------------------------------------------------------------------------------
// queries

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Queries {
    #[serde(deserialize_with = "nullable")]
    pub queries: Vec<RunningQuery>,
}

/// An item of SHOW QUERIES, and of DESCRIBE's read/write queries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunningQuery {
    /// 0.7+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_string: Option<String>,
    /// 5.4 / 0.6 name of the query text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_text: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub sinks: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub sink_kafka_topics: Vec<String>,
    /// A string on current servers; an object `{"id": ...}` on some old ones.
    pub id: Value,
    /// 0.9+: state → number of hosts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_count: Option<BTreeMap<String, i64>>,
    /// 0.9+: PERSISTENT or PUSH.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_type: Option<String>,
    /// 0.7+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl RunningQuery {
    pub fn id(&self) -> String {
        value_id(&self.id)
    }

    /// The query text, whichever field the server used.
    pub fn text(&self) -> Option<&str> {
        self.query_string.as_deref().or(self.statement_text.as_deref())
    }
}

fn value_id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.get("id").map(value_id).unwrap_or_default(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// queryDescription / query_descriptions

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryDescriptionEntity {
    pub query_description: QueryDescription,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryDescriptionList {
    #[serde(deserialize_with = "nullable")]
    pub query_descriptions: Vec<QueryDescription>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryDescription {
    pub id: Value,
    pub statement_text: Option<String>,
    pub window_type: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub fields: Vec<FieldInfo>,
    #[serde(deserialize_with = "nullable")]
    pub sources: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub sinks: Vec<String>,
    pub topology: Option<String>,
    pub execution_plan: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub overridden_properties: Map<String, Value>,
    #[serde(deserialize_with = "nullable")]
    pub ksql_host_query_status: BTreeMap<String, String>,
    pub query_type: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub query_errors: Vec<QueryError>,
    #[serde(deserialize_with = "nullable")]
    pub tasks_metadata: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_group_id: Option<String>,
    pub state: Option<String>,
}

impl QueryDescription {
    pub fn id(&self) -> String {
        value_id(&self.id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryError {
    pub timestamp: Option<i64>,
    pub error_message: Option<String>,
    #[serde(rename = "type")]
    pub error_type: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// properties

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PropertiesList {
    /// A list of `{name, scope, value}` from 0.7; a `{"name":"value"}` map in 0.6 / CP 5.4.
    #[serde(deserialize_with = "properties_any_form")]
    pub properties: Vec<Property>,
    #[serde(deserialize_with = "nullable")]
    pub overwritten_properties: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub default_properties: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Property {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Usually a string or null.
    pub value: Value,
    /// 0.24+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub editable: Option<bool>,
    /// 0.24+: SERVER or QUERY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl Property {
    /// The value as text (`None` for null).
    pub fn value_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

fn properties_any_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Property>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => {
            items.into_iter().map(|v| Property::deserialize(v).map_err(serde::de::Error::custom)).collect()
        }
        Value::Object(map) => {
            Ok(map.into_iter().map(|(name, value)| Property { name, value, ..Property::default() }).collect())
        }
        _ => Ok(Vec::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// sourceDescription / source_descriptions

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SourceDescriptionEntity {
    pub source_description: SourceDescription,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SourceDescriptionList {
    #[serde(deserialize_with = "nullable")]
    pub source_descriptions: Vec<SourceDescription>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SourceDescription {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub window_type: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub read_queries: Vec<RunningQuery>,
    #[serde(deserialize_with = "nullable")]
    pub write_queries: Vec<RunningQuery>,
    #[serde(deserialize_with = "nullable")]
    pub fields: Vec<FieldInfo>,
    /// STREAM or TABLE.
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_stats: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_format: Option<String>,
    /// ≤ 0.6: the value format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// ≤ 0.9: the key field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub query_offset_summaries: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub source_constraints: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub cluster_statistics: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub cluster_error_stats: Vec<Value>,
}

impl SourceDescription {
    pub fn value_format(&self) -> Option<&str> {
        self.value_format.as_deref().or(self.format.as_deref())
    }
}

/// A column of DESCRIBE / EXPLAIN output.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FieldInfo {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// A SchemaInfo object; see [`FieldInfo::sql_type`].
    pub schema: Value,
    /// KEY, HEADER, or SYSTEM (before 0.9); absent for value columns.
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_key: Option<String>,
}

impl FieldInfo {
    pub fn sql_type(&self) -> SqlType {
        SqlType::from_schema_info(&self.schema)
    }
    pub fn is_key(&self) -> bool {
        self.field_type.as_deref() == Some("KEY")
    }
}

// ---------------------------------------------------------------------------------------------
// topics

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KafkaTopicsList {
    #[serde(deserialize_with = "nullable")]
    pub topics: Vec<KafkaTopicInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KafkaTopicInfo {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// One entry per partition: its number of replicas.
    #[serde(deserialize_with = "nullable")]
    pub replica_info: Vec<i64>,
    /// Extended form only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_count: Option<i64>,
    /// Extended form only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_group_count: Option<i64>,
    /// What the sandbox adds to the extended form (absent from real servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<SandboxRetention>,
}

/// A sandbox topic's retention limits and what they keep now.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SandboxRetention {
    pub records: Option<u64>,
    pub bytes: Option<u64>,
    /// `null`: no time limit.
    pub ms: Option<u64>,
    pub retained_records: Option<u64>,
    pub retained_bytes: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub log_start_offsets: Vec<u64>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TopicDescription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka_topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_string: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExecutionPlan {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_plan: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// functions and types

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FunctionNameList {
    #[serde(deserialize_with = "nullable")]
    pub functions: Vec<SimpleFunctionInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SimpleFunctionInfo {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// SCALAR, AGGREGATE or TABLE.
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_type: Option<String>,
    /// 0.11+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FunctionDescriptionList {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub functions: Vec<FunctionInfo>,
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FunctionInfo {
    #[serde(deserialize_with = "nullable")]
    pub arguments: Vec<ArgumentInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub argument_types: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArgumentInfo {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_variadic: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TypeList {
    /// Type name → SchemaInfo, in server order.
    #[serde(deserialize_with = "nullable")]
    pub types: Map<String, Value>,
}

impl TypeList {
    pub fn sql_types(&self) -> Vec<(String, SqlType)> {
        self.types.iter().map(|(k, v)| (k.clone(), SqlType::from_schema_info(v))).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// connectors

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateConnectorEntity {
    pub info: ConnectorInfo,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectorInfo {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub config: Map<String, Value>,
    #[serde(deserialize_with = "nullable")]
    pub tasks: Vec<Value>,
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DropConnectorEntity {
    pub connector_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectorList {
    #[serde(deserialize_with = "nullable")]
    pub connectors: Vec<SimpleConnectorInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SimpleConnectorInfo {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// e.g. `RUNNING (1/1 tasks RUNNING)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectorPluginsList {
    /// The server writes `connectorsPlugins` (its getter's name).
    #[serde(alias = "connectorPlugins", deserialize_with = "nullable")]
    pub connectors_plugins: Vec<ConnectorPluginInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectorPluginInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectorDescription {
    pub connector_class: Option<String>,
    pub status: ConnectorStatus,
    #[serde(deserialize_with = "nullable")]
    pub sources: Vec<SourceDescription>,
    #[serde(deserialize_with = "nullable")]
    pub topics: Vec<String>,
    /// What the sandbox adds for its Datagen connectors (absent from real servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_generator: Option<SandboxGenerator>,
}

/// A sandbox Datagen connector's progress.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SandboxGenerator {
    pub quickstart: Option<String>,
    pub records_produced: Option<u64>,
    pub iterations: Option<u64>,
    pub max_interval_ms: Option<u64>,
    pub seed: Option<u64>,
}

/// Kafka Connect's status object (snake_case `worker_id`, as Connect writes it).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ConnectorStatus {
    pub name: Option<String>,
    pub connector: ConnectorState,
    #[serde(deserialize_with = "nullable")]
    pub tasks: Vec<TaskState>,
    #[serde(rename = "type")]
    pub connector_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ConnectorState {
    pub state: Option<String>,
    pub worker_id: Option<String>,
    pub trace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskState {
    pub id: Option<i64>,
    pub state: Option<String>,
    pub worker_id: Option<String>,
    pub trace: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// misc

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WarningEntity {
    #[serde(deserialize_with = "nullable")]
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VariablesList {
    #[serde(deserialize_with = "nullable")]
    pub variables: Vec<Variable>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Variable {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TerminateQueryEntity {
    pub query_id: Option<String>,
    pub was_terminated: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssertTopicEntity {
    pub topic_name: Option<String>,
    pub exists: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssertSchemaEntity {
    pub subject: Option<String>,
    pub id: Option<i64>,
    pub exists: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// writing

/// An entity body a server writes under a fixed `@type`; [`Entity::from_json`] reads each
/// `TYPE` back as its body type.
pub trait EntityType: Serialize {
    const TYPE: &'static str;
}

macro_rules! entity_types {
    ($($body:ty => $name:literal,)*) => {
        $(impl EntityType for $body {
            const TYPE: &'static str = $name;
        })*
    };
}

entity_types! {
    CommandStatusEntity => "currentStatus",
    StreamsList => "streams",
    TablesList => "tables",
    Queries => "queries",
    QueryDescriptionList => "query_descriptions",
    PropertiesList => "properties",
    SourceDescriptionEntity => "sourceDescription",
    SourceDescriptionList => "source_descriptions",
    QueryDescriptionEntity => "queryDescription",
    KafkaTopicsList => "kafka_topics",
    TopicDescription => "topicDescription",
    ExecutionPlan => "executionPlan",
    FunctionNameList => "function_names",
    FunctionDescriptionList => "describe_function",
    TypeList => "type_list",
    CreateConnectorEntity => "connector_info",
    DropConnectorEntity => "drop_connector",
    ConnectorList => "connector_list",
    ConnectorPluginsList => "connector_plugins_list",
    ConnectorDescription => "connector_description",
    WarningEntity => "warning_entity",
    VariablesList => "variables",
    TerminateQueryEntity => "terminate_query",
    AssertTopicEntity => "assert_topic",
    AssertSchemaEntity => "assert_schema",
}

impl KafkaTopicsList {
    /// SHOW TOPICS EXTENDED writes the same body under its own `@type`.
    pub const EXTENDED_TYPE: &'static str = "kafka_topics_extended";
}

/// One `/ksql` entity as a server writes it: `@type` and `statementText` first (clients look
/// at `@type` first; with serde_json's `preserve_order` fields keep this order), then the
/// body's own fields, then `warnings`.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<'a, T> {
    #[serde(rename = "@type")]
    pub type_name: &'a str,
    #[serde(rename = "statementText")]
    pub statement_text: &'a str,
    #[serde(flatten)]
    pub body: T,
    pub warnings: Vec<KsqlWarning>,
}

impl<'a, T: EntityType> Envelope<'a, T> {
    /// `body` under its `@type`, without warnings.
    pub fn new(statement_text: &'a str, body: T) -> Self {
        Envelope { type_name: T::TYPE, statement_text, body, warnings: Vec::new() }
    }
}

impl<T: Serialize> Envelope<'_, T> {
    /// The entity as JSON.
    pub fn to_json(&self) -> Value {
        // Entities hold strings, numbers and string-keyed maps only: serializing cannot fail.
        serde_json::to_value(self).expect("an entity serializes to JSON")
    }
}

// ---------------------------------------------------------------------------------------------
// the entity enum

/// One entity of a `/ksql` response.
#[derive(Debug, Clone, PartialEq)]
pub enum Entity {
    CommandStatus(Parsed<CommandStatusEntity>),
    Streams(Parsed<StreamsList>),
    Tables(Parsed<TablesList>),
    Queries(Parsed<Queries>),
    QueryDescriptions(Parsed<QueryDescriptionList>),
    Properties(Parsed<PropertiesList>),
    SourceDescription(Parsed<SourceDescriptionEntity>),
    SourceDescriptions(Parsed<SourceDescriptionList>),
    QueryDescription(Parsed<QueryDescriptionEntity>),
    KafkaTopics(Parsed<KafkaTopicsList>),
    KafkaTopicsExtended(Parsed<KafkaTopicsList>),
    TopicDescription(Parsed<TopicDescription>),
    ExecutionPlan(Parsed<ExecutionPlan>),
    FunctionNames(Parsed<FunctionNameList>),
    DescribeFunction(Parsed<FunctionDescriptionList>),
    TypeList(Parsed<TypeList>),
    ConnectorInfo(Parsed<CreateConnectorEntity>),
    DropConnector(Parsed<DropConnectorEntity>),
    ConnectorList(Parsed<ConnectorList>),
    ConnectorPlugins(Parsed<ConnectorPluginsList>),
    ConnectorDescription(Parsed<ConnectorDescription>),
    Warning(Parsed<WarningEntity>),
    Variables(Parsed<VariablesList>),
    TerminateQuery(Parsed<TerminateQueryEntity>),
    AssertTopic(Parsed<AssertTopicEntity>),
    AssertSchema(Parsed<AssertSchemaEntity>),
    /// An `@type` this client does not know, or a body that did not match its type.
    Unknown {
        type_name: String,
        raw: Value,
    },
}

fn typed<T: for<'de> Deserialize<'de>>(raw: Value, wrap: fn(Parsed<T>) -> Entity, type_name: &str) -> Entity {
    match T::deserialize(&raw) {
        Ok(value) => wrap(Parsed { value, raw }),
        Err(_) => Entity::Unknown { type_name: type_name.to_string(), raw },
    }
}

impl Entity {
    /// Types one entity. Never fails.
    pub fn from_json(raw: Value) -> Entity {
        let type_name = match raw.get("@type").and_then(|t| t.as_str()) {
            Some(t) => t.to_string(),
            None => infer_type(&raw).to_string(),
        };
        match type_name.as_str() {
            CommandStatusEntity::TYPE => typed(raw, Entity::CommandStatus, &type_name),
            StreamsList::TYPE => typed(raw, Entity::Streams, &type_name),
            TablesList::TYPE => typed(raw, Entity::Tables, &type_name),
            Queries::TYPE => typed(raw, Entity::Queries, &type_name),
            QueryDescriptionList::TYPE => typed(raw, Entity::QueryDescriptions, &type_name),
            PropertiesList::TYPE => typed(raw, Entity::Properties, &type_name),
            SourceDescriptionEntity::TYPE => typed(raw, Entity::SourceDescription, &type_name),
            SourceDescriptionList::TYPE => typed(raw, Entity::SourceDescriptions, &type_name),
            QueryDescriptionEntity::TYPE => typed(raw, Entity::QueryDescription, &type_name),
            KafkaTopicsList::TYPE => typed(raw, Entity::KafkaTopics, &type_name),
            KafkaTopicsList::EXTENDED_TYPE => typed(raw, Entity::KafkaTopicsExtended, &type_name),
            TopicDescription::TYPE => typed(raw, Entity::TopicDescription, &type_name),
            ExecutionPlan::TYPE => typed(raw, Entity::ExecutionPlan, &type_name),
            FunctionNameList::TYPE => typed(raw, Entity::FunctionNames, &type_name),
            FunctionDescriptionList::TYPE => typed(raw, Entity::DescribeFunction, &type_name),
            TypeList::TYPE => typed(raw, Entity::TypeList, &type_name),
            CreateConnectorEntity::TYPE => typed(raw, Entity::ConnectorInfo, &type_name),
            DropConnectorEntity::TYPE => typed(raw, Entity::DropConnector, &type_name),
            ConnectorList::TYPE => typed(raw, Entity::ConnectorList, &type_name),
            ConnectorPluginsList::TYPE => typed(raw, Entity::ConnectorPlugins, &type_name),
            ConnectorDescription::TYPE => typed(raw, Entity::ConnectorDescription, &type_name),
            WarningEntity::TYPE => typed(raw, Entity::Warning, &type_name),
            VariablesList::TYPE => typed(raw, Entity::Variables, &type_name),
            TerminateQueryEntity::TYPE => typed(raw, Entity::TerminateQuery, &type_name),
            AssertTopicEntity::TYPE => typed(raw, Entity::AssertTopic, &type_name),
            AssertSchemaEntity::TYPE => typed(raw, Entity::AssertSchema, &type_name),
            _ => Entity::Unknown { type_name, raw },
        }
    }

    /// Types every element of a `/ksql` response array (a non-array gives one Unknown entity).
    pub fn list_from_json(v: Value) -> Vec<Entity> {
        match v {
            Value::Array(items) => items.into_iter().map(Entity::from_json).collect(),
            other => vec![Entity::from_json(other)],
        }
    }

    /// The `@type` (or the type inferred for entities printed without one).
    pub fn type_name(&self) -> &str {
        match self {
            Entity::Unknown { type_name, .. } => type_name,
            other => {
                other.raw_json().get("@type").and_then(|t| t.as_str()).unwrap_or_else(|| infer_type(other.raw_json()))
            }
        }
    }

    /// The JSON the entity was read from, unchanged.
    pub fn raw_json(&self) -> &Value {
        match self {
            Entity::CommandStatus(p) => &p.raw,
            Entity::Streams(p) => &p.raw,
            Entity::Tables(p) => &p.raw,
            Entity::Queries(p) => &p.raw,
            Entity::QueryDescriptions(p) => &p.raw,
            Entity::Properties(p) => &p.raw,
            Entity::SourceDescription(p) => &p.raw,
            Entity::SourceDescriptions(p) => &p.raw,
            Entity::QueryDescription(p) => &p.raw,
            Entity::KafkaTopics(p) => &p.raw,
            Entity::KafkaTopicsExtended(p) => &p.raw,
            Entity::TopicDescription(p) => &p.raw,
            Entity::ExecutionPlan(p) => &p.raw,
            Entity::FunctionNames(p) => &p.raw,
            Entity::DescribeFunction(p) => &p.raw,
            Entity::TypeList(p) => &p.raw,
            Entity::ConnectorInfo(p) => &p.raw,
            Entity::DropConnector(p) => &p.raw,
            Entity::ConnectorList(p) => &p.raw,
            Entity::ConnectorPlugins(p) => &p.raw,
            Entity::ConnectorDescription(p) => &p.raw,
            Entity::Warning(p) => &p.raw,
            Entity::Variables(p) => &p.raw,
            Entity::TerminateQuery(p) => &p.raw,
            Entity::AssertTopic(p) => &p.raw,
            Entity::AssertSchema(p) => &p.raw,
            Entity::Unknown { raw, .. } => raw,
        }
    }

    /// The statement that produced the entity (common to every entity).
    pub fn statement_text(&self) -> Option<&str> {
        self.raw_json().get("statementText").and_then(|s| s.as_str())
    }

    /// The `warnings[].message` texts (common to every entity).
    pub fn warnings(&self) -> Vec<String> {
        self.raw_json()
            .get("warnings")
            .and_then(|w| w.as_array())
            .map(|ws| {
                ws.iter()
                    .filter_map(|w| match w {
                        Value::String(s) => Some(s.clone()),
                        other => other.get("message").and_then(|m| m.as_str()).map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `commandSequenceNumber` of a `currentStatus`, for request ordering.
    pub fn command_sequence_number(&self) -> Option<i64> {
        match self {
            Entity::CommandStatus(p) => p.command_sequence_number,
            _ => None,
        }
    }

    /// True for a `currentStatus` whose status is ERROR (the CLI shows it as an error).
    pub fn is_error_status(&self) -> bool {
        matches!(self, Entity::CommandStatus(p) if p.command_status.status.eq_ignore_ascii_case("ERROR"))
    }
}

/// The CLI prints some entities without `@type`; recognise them by their distinctive fields.
fn infer_type(v: &Value) -> &'static str {
    const BY_FIELD: &[(&str, &str)] = &[
        ("commandStatus", "currentStatus"),
        ("sourceDescription", "sourceDescription"),
        ("sourceDescriptions", "source_descriptions"),
        ("queryDescription", "queryDescription"),
        ("queryDescriptions", "query_descriptions"),
        ("streams", "streams"),
        ("tables", "tables"),
        ("queries", "queries"),
        ("connectorName", "drop_connector"),
        ("wasTerminated", "terminate_query"),
        ("connectorClass", "connector_description"),
        ("connectors", "connector_list"),
        ("connectorsPlugins", "connector_plugins_list"),
        ("topicName", "assert_topic"),
        ("subject", "assert_schema"),
        ("variables", "variables"),
        ("schemaString", "topicDescription"),
        ("executionPlan", "executionPlan"),
        ("errorMessage", "error_entity"),
    ];
    BY_FIELD.iter().find(|(field, _)| v.get(field).is_some()).map(|(_, t)| *t).unwrap_or("unknown")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::path::PathBuf;

    pub(crate) fn fixtures_dir(sub: &str) -> Option<PathBuf> {
        let rel = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures").join(sub);
        let abs = PathBuf::from("/work/shared/fixtures").join(sub);
        [rel, abs].into_iter().find(|p| p.is_dir())
    }

    #[test]
    fn every_approved_cli_entity_parses() {
        let Some(dir) = fixtures_dir("ksql-cli-console-approved") else {
            eprintln!("skipping: ksql-cli-console-approved fixtures not found");
            return;
        };
        let mut count = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if !path.to_string_lossy().ends_with(".approved.json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            for e in Entity::list_from_json(v) {
                count += 1;
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                // Only the CLI's test-local error entity has no typed form.
                if name.contains("ErrorEntity") {
                    assert_eq!(e.type_name(), "error_entity");
                    assert!(matches!(e, Entity::Unknown { .. }));
                } else {
                    assert!(!matches!(e, Entity::Unknown { .. }), "{name}: {e:?}");
                }
                assert!(e.statement_text().is_some(), "{name}");
                if name.contains("shouldPrintWarnings") {
                    assert_eq!(e.warnings(), vec!["oops".to_string(), "doh!".to_string()]);
                    assert_eq!(e.type_name(), "sourceDescription");
                }
                if let Entity::SourceDescription(d) = &e {
                    assert!(!d.source_description.fields.is_empty());
                    assert!(d.source_description.fields.iter().all(|f| !matches!(f.sql_type(), SqlType::Other(_))));
                }
                if let Entity::TypeList(t) = &e {
                    let types = t.sql_types();
                    assert!(types.iter().any(|(_, t)| *t == SqlType::Decimal { precision: Some(10), scale: Some(9) }));
                }
            }
        }
        assert!(count >= 26, "only {count} entities");
    }

    /// Extracts the response bodies of a VCR cassette (YAML single-quoted scalars, folded).
    pub(crate) fn vcr_bodies(yml: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = yml;
        while let Some(i) = rest.find("string: '") {
            rest = &rest[i + "string: '".len()..];
            let mut raw = String::new();
            let mut chars = rest.char_indices().peekable();
            let mut end = rest.len();
            while let Some((idx, c)) = chars.next() {
                if c == '\'' {
                    if matches!(chars.peek(), Some((_, '\''))) {
                        raw.push('\'');
                        chars.next();
                        continue;
                    }
                    end = idx + 1;
                    break;
                }
                raw.push(c);
            }
            rest = &rest[end..];
            // YAML folding: a line break plus indentation becomes one space.
            let folded: Vec<&str> = raw.split('\n').map(|l| l.trim_start()).collect();
            out.push(folded.join(" "));
        }
        out
    }

    #[test]
    fn recorded_ksql_python_bodies_parse() {
        let Some(dir) = fixtures_dir("recorded-http/ksql-python") else {
            eprintln!("skipping: recorded-http/ksql-python fixtures not found");
            return;
        };
        let mut entities = 0;
        let mut errors = 0;
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("yml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for body in vcr_bodies(&text) {
                let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path:?}: {e}: {body}"));
                match v {
                    Value::Array(_) => {
                        for e in Entity::list_from_json(v) {
                            entities += 1;
                            assert!(!matches!(e, Entity::Unknown { .. }), "{path:?}: {e:?}");
                            if let Entity::SourceDescription(d) = &e {
                                // Old KSQL: `format` stands for the value format.
                                assert_eq!(d.source_description.value_format(), Some("DELIMITED"));
                            }
                            if let Entity::Properties(p) = &e {
                                assert!(p.properties.len() > 10);
                            }
                        }
                    }
                    Value::Object(ref m) if m.contains_key("error_code") => {
                        errors += 1;
                        let e: crate::error::ErrorBody = serde_json::from_str(&body).unwrap();
                        assert!(e.error_code.is_some());
                    }
                    _ => {}
                }
            }
        }
        assert!(entities >= 10 && errors >= 5, "{entities} entities, {errors} errors");
    }

    #[test]
    fn current_status_and_sequence_number() {
        let v: Value = serde_json::from_str(concat!(
            r#"[{"@type":"currentStatus","#,
            r#""statementText":"CREATE OR REPLACE TABLE MOVIES (TITLE STRING PRIMARY KEY) WITH "#,
            r#"(KAFKA_TOPIC='Movies');","commandId":"table/`MOVIES`/create","commandStatus":{"status":"SUCCESS","#,
            r#""message":"Table created","queryId":null},"commandSequenceNumber":328,"warnings":[]}]"#,
        ))
        .unwrap();
        let e = Entity::list_from_json(v).remove(0);
        assert_eq!(e.command_sequence_number(), Some(328));
        assert_eq!(e.type_name(), "currentStatus");
        match &e {
            Entity::CommandStatus(c) => assert_eq!(c.command_status.message, "Table created"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn version_dependent_shapes() {
        let old: Value = serde_json::from_str(concat!(
            r#"{"@type":"streams","statementText":"show streams;","streams":[{"type":"STREAM","#,
            r#""name":"TEST_TABLE","topic":"exist_topic","format":"DELIMITED"}]}"#,
        ))
        .unwrap();
        match Entity::from_json(old) {
            Entity::Streams(s) => {
                assert_eq!(s.streams[0].value_format(), Some("DELIMITED"));
                assert_eq!(s.streams[0].key_format, None);
            }
            other => panic!("{other:?}"),
        }
        let map_form: Value = serde_json::from_str(
            r#"{"@type":"properties","statementText":"list properties;","properties":{"ksql.a":"1","ksql.b":"x"}}"#,
        )
        .unwrap();
        match Entity::from_json(map_form) {
            Entity::Properties(p) => {
                assert_eq!(p.properties.len(), 2);
                assert_eq!(p.properties[1].value_text().as_deref(), Some("x"));
            }
            other => panic!("{other:?}"),
        }
        let queries: Value = serde_json::from_str(concat!(
            r#"{"@type":"queries","statementText":"SHOW QUERIES;","queries":[{"sinks":["X"],"#,
            r#""id":{"id":"CSAS_X_0"},"statementText":"CREATE STREAM X AS SELECT * FROM Y;"}],"warnings":[]}"#,
        ))
        .unwrap();
        match Entity::from_json(queries) {
            Entity::Queries(q) => {
                assert_eq!(q.queries[0].id(), "CSAS_X_0");
                assert_eq!(q.queries[0].status_count, None);
                assert!(q.queries[0].text().is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn small_entities_from_the_reference() {
        let cases = [
            (
                concat!(
                    r#"{"@type":"kafka_topics","statementText":"SHOW TOPICS;","topics":[{"name":"orders","#,
                    r#""replicaInfo":[1]}],"warnings":[]}"#,
                ),
                "kafka_topics",
            ),
            (
                concat!(
                    r#"{"@type":"kafka_topics_extended","statementText":"SHOW TOPICS EXTENDED;","#,
                    r#""topics":[{"name":"orders","replicaInfo":[1,1],"consumerCount":2,"#,
                    r#""consumerGroupCount":1}],"warnings":[]}"#,
                ),
                "kafka_topics_extended",
            ),
            (
                concat!(
                    r#"{"@type":"function_names","statementText":"SHOW FUNCTIONS;","functions":[{"name":"ABS","#,
                    r#""type":"SCALAR","category":"MATHEMATICAL"}],"warnings":[]}"#,
                ),
                "function_names",
            ),
            (
                concat!(
                    r#"{"@type":"variables","statementText":"SHOW VARIABLES;","variables":[{"name":"name","#,
                    r#""value":"value"}],"warnings":[]}"#,
                ),
                "variables",
            ),
            (
                concat!(
                    r#"{"@type":"warning_entity","statementText":"UNDEFINE x;","#,
                    r#""message":"Cannot undefine variable 'x' which was never defined","warnings":[]}"#,
                ),
                "warning_entity",
            ),
            (
                concat!(
                    r#"{"@type":"terminate_query","statementText":"TERMINATE transient_S_123;","#,
                    r#""queryId":"transient_S_123","wasTerminated":true,"warnings":[]}"#,
                ),
                "terminate_query",
            ),
            (
                concat!(
                    r#"{"@type":"connector_info","#,
                    r#""statementText":"CREATE SOURCE CONNECTOR c WITH ('password'='*****');","#,
                    r#""info":{"name":"c","config":{"a":"b"},"tasks":[],"type":"source"},"warnings":[]}"#,
                ),
                "connector_info",
            ),
            (
                concat!(
                    r#"{"@type":"connector_plugins_list","statementText":"SHOW CONNECTOR PLUGINS;","#,
                    r#""connectorsPlugins":[{"className":"io.x.Y","type":"source","version":"1.0"}],"#,
                    r#""warnings":[]}"#,
                ),
                "connector_plugins_list",
            ),
            (
                concat!(
                    r#"{"@type":"query_descriptions","statementText":"SHOW QUERIES EXTENDED;","#,
                    r#""queryDescriptions":[{"id":"CSAS_1","statementText":"x","windowType":null,"fields":[],"#,
                    r#""sources":["A"],"sinks":["B"],"topology":"t","executionPlan":"p","#,
                    r#""overriddenProperties":{"x":1.50},"ksqlHostQueryStatus":{"h:1":"RUNNING"},"#,
                    r#""queryType":"PERSISTENT","queryErrors":[],"tasksMetadata":[],"state":"RUNNING"}],"#,
                    r#""warnings":[]}"#,
                ),
                "query_descriptions",
            ),
            (
                concat!(
                    r#"{"@type":"source_descriptions","statementText":"DESCRIBE STREAMS;","#,
                    r#""sourceDescriptions":[{"name":"S","fields":[],"readQueries":[],"writeQueries":[],"#,
                    r#""type":"STREAM","partitions":1}],"warnings":[]}"#,
                ),
                "source_descriptions",
            ),
        ];
        for (json, t) in cases {
            let e = Entity::from_json(serde_json::from_str(json).unwrap());
            assert_eq!(e.type_name(), t);
            assert!(!matches!(e, Entity::Unknown { .. }), "{e:?}");
        }
        // Exact numbers survive in the raw JSON.
        let e = Entity::from_json(serde_json::from_str(cases[8].0).unwrap());
        assert!(e.raw_json().to_string().contains("1.50"));
    }

    #[test]
    fn unknown_and_mistyped_entities_are_kept() {
        let e = Entity::from_json(
            serde_json::from_str(r#"{"@type":"future_thing","statementText":"X;","warnings":[{"message":"w"}]}"#)
                .unwrap(),
        );
        assert_eq!(e.type_name(), "future_thing");
        assert_eq!(e.statement_text(), Some("X;"));
        assert_eq!(e.warnings(), vec!["w".to_string()]);
        // A known type with a wrong shape does not fail.
        let e = Entity::from_json(serde_json::from_str(r#"{"@type":"streams","streams":"nope"}"#).unwrap());
        assert!(matches!(e, Entity::Unknown { ref type_name, .. } if type_name == "streams"));
        let e = Entity::from_json(Value::from(42));
        assert!(matches!(e, Entity::Unknown { .. }));
    }
}
