//! Connectors in the sandbox: CREATE/DROP/DESCRIBE/SHOW CONNECTOR(S), and the Datagen source
//! connector, which is the one connector the sandbox runs (there is no Kafka Connect).
//!
//! The engine keeps each connector's schedule (when its next record is due); the server's
//! driver task calls [`Engine::run_connectors`] and sleeps until the next due time, or
//! until [`Engine::connector_wake`] says a connector was created.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as J;
use tokio::sync::Notify;

use super::status::warning;
use super::{EResult, Engine, EngineError};
use crate::datagen::{self, DecimalFormat, Generator};
use crate::schema_registry::{SchemaRegistry, SchemaType, WireBinding};
use crate::topics::Record;
use ksql_wire::entity::{
    ConnectorDescription, ConnectorInfo, ConnectorList, ConnectorState, ConnectorStatus, CreateConnectorEntity,
    DropConnectorEntity, Envelope, SandboxGenerator, SimpleConnectorInfo, TaskState,
};

/// The Datagen connector's class names: self-managed, and Confluent Cloud's fully managed one.
pub const DATAGEN_CLASSES: &[&str] = &["io.confluent.kafka.connect.datagen.DatagenConnector", "DatagenSource"];
/// Connect's worker id in statuses.
const WORKER_ID: &str = "ksqldb-sandbox:8083";
/// Records produced at most per [`Engine::run_connectors`] call (all connectors together),
/// so a generator with `max.interval` 0 shares the engine with the requests and queries.
const BATCH: usize = 200;
/// How far a connector may fall behind its schedule (the sandbox was busy) before it skips
/// ahead: like Datagen's task, it does not make up for the time it could not run.
const MAX_LAG_MS: i64 = 1_000;
/// Datagen's defaults: a record every 0 to 500 ms, without end (`iterations` -1).
const DEFAULT_MAX_INTERVAL_MS: u64 = 500;
const DEFAULT_ITERATIONS: i64 = -1;

#[derive(Default)]
pub struct Connectors {
    by_name: BTreeMap<String, Connector>,
    /// Notified when a connector is created, so the driver recomputes its next wake-up.
    pub wake: Arc<Notify>,
}

struct Connector {
    name: String,
    class: String,
    /// The config as shown back (secrets masked), with `name` added as Connect does.
    config: serde_json::Map<String, J>,
    topic: String,
    generator: Generator,
    /// How the key is written: raw UTF-8 (StringConverter) or a JSON string (JsonConverter).
    json_key: bool,
    value_format: ValueFormat,
    /// AVRO values: the registered schema they are written with (AvroConverter's wire format).
    value_wire: Option<WireBinding>,
    max_interval_ms: u64,
    /// Records to produce; None: unbounded.
    iterations: Option<u64>,
    seed: Option<u64>,
    produced: u64,
    next_due_ms: i64,
    /// Set when the task stopped (Datagen fails its task after `iterations` records).
    failure: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ValueFormat {
    Json,
    Avro,
}

impl Engine {
    /// Wakes the connector driver (see module docs).
    pub fn connector_wake(&self) -> Arc<Notify> {
        self.connectors.wake.clone()
    }

    /// Produces the records due by `now_ms`, at most [`BATCH`] in all (shared by the
    /// connectors, so many fast ones do not hold the engine longer); returns when the next one
    /// is due (now, when some were left for the next call), or None when none is producing.
    pub fn run_connectors(&mut self, now_ms: i64) -> Option<i64> {
        let mut batches: Vec<(String, Vec<Record>)> = Vec::new();
        let mut next_due: Option<i64> = None;
        let share = (BATCH / self.connectors.by_name.len().max(1)).max(1);
        for c in self.connectors.by_name.values_mut() {
            let mut records = Vec::new();
            c.next_due_ms = c.next_due_ms.max(now_ms.saturating_sub(MAX_LAG_MS));
            while c.failure.is_none() && c.next_due_ms <= now_ms && records.len() < share {
                if c.iterations.is_some_and(|n| c.produced >= n) {
                    c.failure = Some(format!(
                        "org.apache.kafka.connect.errors.ConnectException: Stopping connector: generated the \
                         configured {} number of messages",
                        c.produced
                    ));
                    break;
                }
                match c.next_record(c.next_due_ms) {
                    Ok(r) => records.push(r),
                    Err(e) => {
                        c.failure = Some(format!("org.apache.kafka.connect.errors.DataException: {e}"));
                        break;
                    }
                }
                let gap = c.generator.below(c.max_interval_ms) as i64;
                c.next_due_ms = c.next_due_ms.saturating_add(gap);
            }
            if c.failure.is_none() {
                next_due = Some(next_due.map_or(c.next_due_ms, |d| d.min(c.next_due_ms)));
            }
            if !records.is_empty() {
                batches.push((c.topic.clone(), records));
            }
        }
        for (topic, records) in batches {
            for r in records {
                self.produce(&topic, r, None);
            }
        }
        next_due
    }

    pub(super) fn create_connector(
        &mut self,
        text: &str,
        source: bool,
        if_not_exists: bool,
        name: &str,
        config: &[(String, String)],
        now_ms: i64,
    ) -> EResult<Option<J>> {
        if self.connectors.by_name.contains_key(name) {
            if if_not_exists {
                return Ok(Some(warning(text, format!("Connector {name} already exists"))));
            }
            return Err(EngineError::statement(format!(
                "Failed to create connector: {{\"error_code\":409,\"message\":\"Connector {name} already exists\"}}"
            )));
        }
        let get = |key: &str| config.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let class = get("connector.class").ok_or_else(|| {
            EngineError::statement("Validation error: Connector config {} contains no connector type".to_string())
        })?;
        if !DATAGEN_CLASSES.contains(&class) || !source {
            return Err(EngineError::statement(format!(
                "The ksqlDB sandbox runs only the Datagen source connector ('connector.class'='{}', \
                 or Confluent Cloud's '{}'); {} connector '{class}' needs Kafka Connect on a real ksqlDB server.",
                DATAGEN_CLASSES[0],
                DATAGEN_CLASSES[1],
                if source { "the source" } else { "the sink" },
            )));
        }
        let text = &mask_secrets(text, config);
        let mut c = Connector::new(name, class, config, now_ms).map_err(EngineError::statement)?;
        if c.value_format == ValueFormat::Avro {
            let schema = datagen::avro_schema(c.generator.quickstart);
            let subject = SchemaRegistry::subject_for(&c.topic, false);
            let id =
                self.schema_registry.register(&subject, SchemaType::Avro, &schema.to_string(), vec![], None).map_err(
                    |e| EngineError::statement(format!("Could not register the connector's schema: {}", e.message)),
                )?;
            c.value_wire = self.schema_registry.wire_schemas().bind(id);
        }
        self.topics.create(&c.topic, 1);
        let info = ConnectorInfo {
            name: name.into(),
            config: c.config.clone(),
            tasks: vec![],
            connector_type: Some("source".into()),
        };
        self.connectors.by_name.insert(name.to_string(), c);
        self.connectors.wake.notify_one();
        Ok(Some(Envelope::new(text, CreateConnectorEntity { info }).to_json()))
    }

    pub(super) fn drop_connector(&mut self, text: &str, if_exists: bool, name: &str) -> EResult<Option<J>> {
        if self.connectors.by_name.remove(name).is_none() {
            if if_exists {
                return Ok(Some(warning(text, format!("Connector '{name}' does not exist."))));
            }
            return Err(EngineError::statement(format!(
                "Failed to drop connector: {{\"error_code\":404,\"message\":\"Connector {name} not found\"}}"
            )));
        }
        Ok(Some(Envelope::new(text, DropConnectorEntity { connector_name: Some(name.into()) }).to_json()))
    }

    pub(super) fn describe_connector(&self, text: &str, name: &str) -> EResult<Option<J>> {
        let c = self.connectors.by_name.get(name).ok_or_else(|| {
            EngineError::statement(format!(
                "Failed to describe connector: {{\"error_code\":404,\
                 \"message\":\"No status found for connector {name}\"}}"
            ))
        })?;
        let sources = self
            .catalog
            .sources
            .values()
            .filter(|s| s.topic == c.topic)
            .map(|s| self.describe_source(s, false))
            .collect();
        let generator = SandboxGenerator {
            quickstart: Some(c.generator.quickstart.name.into()),
            records_produced: Some(c.produced),
            iterations: c.iterations,
            max_interval_ms: Some(c.max_interval_ms),
            seed: c.seed,
        };
        let body = ConnectorDescription {
            connector_class: Some(c.class.clone()),
            status: c.status(),
            sources,
            topics: vec![c.topic.clone()],
            sandbox_generator: Some(generator),
        };
        Ok(Some(Envelope::new(text, body).to_json()))
    }

    pub(super) fn list_connectors(&self, text: &str, source: Option<bool>) -> J {
        let connectors = if source == Some(false) {
            Vec::new()
        } else {
            self.connectors
                .by_name
                .values()
                .map(|c| {
                    let running = if c.failure.is_none() { 1 } else { 0 };
                    SimpleConnectorInfo {
                        name: c.name.clone(),
                        connector_type: Some("source".into()),
                        class_name: Some(c.class.clone()),
                        state: Some(format!("RUNNING ({running}/1 tasks RUNNING)")),
                    }
                })
                .collect()
        };
        Envelope::new(text, ConnectorList { connectors }).to_json()
    }

    /// Names of the connectors (tests).
    pub fn connector_names(&self) -> Vec<String> {
        self.connectors.by_name.keys().cloned().collect()
    }
}

impl Connector {
    fn new(name: &str, class: &str, config: &[(String, String)], now_ms: i64) -> Result<Connector, String> {
        let get = |key: &str| config.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.trim());
        let topic = get("kafka.topic")
            .filter(|t| !t.is_empty())
            .ok_or("Missing required configuration \"kafka.topic\" which has no default value.")?;
        let quickstart_name = get("quickstart").unwrap_or("");
        if quickstart_name.is_empty() {
            let custom = get("schema.string").or(get("schema.filename")).is_some();
            return Err(format!(
                "{}set 'quickstart' to one of: {}",
                if custom {
                    "The sandbox's Datagen has no custom schemas (schema.string, schema.filename); "
                } else {
                    ""
                },
                datagen::quickstart_names().join(", ")
            ));
        }
        let quickstart = datagen::find(quickstart_name).ok_or_else(|| {
            format!("Unknown quickstart '{quickstart_name}': use one of {}", datagen::quickstart_names().join(", "))
        })?;
        let number = |key: &str| -> Result<Option<i64>, String> {
            match get(key) {
                None | Some("") => Ok(None),
                Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                    format!(
                        "Invalid value {v} for configuration {key}: Not a number of type {}",
                        if key == "iterations" { "INT" } else { "LONG" }
                    )
                }),
            }
        };
        let max_interval_ms = match number("max.interval")? {
            Some(v) if v < 0 => {
                return Err(format!("Invalid value {v} for configuration max.interval: must not be negative"))
            }
            Some(v) => v as u64,
            None => DEFAULT_MAX_INTERVAL_MS,
        };
        let iterations = match number("iterations")?.unwrap_or(DEFAULT_ITERATIONS) {
            n if n > i64::from(i32::MAX) => {
                return Err(format!("Invalid value {n} for configuration iterations: Not a number of type INT"))
            }
            n if n < 1 => None,
            n => Some(n as u64),
        };
        let seed = number("random.seed")?.map(|s| s as u64);
        let json_key = match get("key.converter") {
            None | Some("org.apache.kafka.connect.storage.StringConverter") => false,
            Some(JSON_CONVERTER) => {
                plain_json("key", get("key.converter.schemas.enable"))?;
                true
            }
            Some(other) => {
                return Err(format!(
                    "key.converter '{other}' is not available in the sandbox: its Datagen writes keys with \
                     org.apache.kafka.connect.storage.StringConverter (the default) or \
                     org.apache.kafka.connect.json.JsonConverter"
                ))
            }
        };
        let value_format = value_format(get("value.converter"), get("output.data.format"))?;
        if get("value.converter") == Some(JSON_CONVERTER) {
            plain_json("value", get("value.converter.schemas.enable"))?;
        }
        let seed_value = seed.unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
        // JsonConverter writes DECIMAL as base64 unless `decimal.format` says NUMERIC; the
        // sandbox keeps Avro values as JSON, so there the number itself.
        let decimals = match (value_format, get("value.converter.decimal.format")) {
            (ValueFormat::Avro, _) => DecimalFormat::Numeric,
            (ValueFormat::Json, None) => DecimalFormat::Base64,
            (ValueFormat::Json, Some(f)) if f.eq_ignore_ascii_case("BASE64") => DecimalFormat::Base64,
            (ValueFormat::Json, Some(f)) if f.eq_ignore_ascii_case("NUMERIC") => DecimalFormat::Numeric,
            (ValueFormat::Json, Some(f)) => {
                return Err(format!(
                    "Invalid value {f} for configuration value.converter.decimal.format: must be BASE64 or NUMERIC"
                ))
            }
        };
        let mut generator = Generator::new(quickstart, get("schema.keyfield").filter(|k| !k.is_empty()), seed_value)?
            .with_decimals(decimals);
        // Datagen's task waits its interval before the first record too.
        let first_due_ms = now_ms.saturating_add(generator.below(max_interval_ms) as i64);
        let mut shown = serde_json::Map::new();
        for (k, v) in config {
            shown.insert(k.clone(), J::String(if is_secret(k) { "*****".into() } else { v.clone() }));
        }
        shown.insert("name".into(), J::String(name.to_string()));
        Ok(Connector {
            name: name.to_string(),
            class: class.to_string(),
            config: shown,
            topic: topic.to_string(),
            generator,
            json_key,
            value_format,
            value_wire: None,
            max_interval_ms,
            iterations,
            seed,
            produced: 0,
            next_due_ms: first_due_ms,
            failure: None,
        })
    }

    fn next_record(&mut self, timestamp_ms: i64) -> Result<Record, String> {
        let (key, value) = self.generator.next_record();
        // StringConverter writes a string as it is and other values as text; JsonConverter
        // writes JSON (`5`, `"User_1"`); a null key stays null.
        let key = match (key, self.json_key) {
            (J::Null, _) => None,
            (J::String(s), false) => Some(s),
            (other, _) => Some(other.to_string()),
        };
        // Datagen's headers, written as Connect's SimpleHeaderConverter writes longs.
        let header = |name: &str, v: u64| (name.to_string(), Some(v.to_string().into_bytes()));
        let headers =
            vec![header("task.generation", 0), header("task.id", 0), header("current.iteration", self.produced)];
        self.produced += 1;
        let value = match &self.value_wire {
            Some(wire) => wire.encode(&value)?,
            None => value.to_string().into_bytes(),
        };
        let mut record = Record::new(key.map(String::into_bytes), Some(value), timestamp_ms);
        record.set_headers(headers);
        Ok(record)
    }

    /// Kafka Connect's status object.
    fn status(&self) -> ConnectorStatus {
        let task = TaskState {
            id: Some(0),
            state: Some(if self.failure.is_none() { "RUNNING" } else { "FAILED" }.into()),
            worker_id: Some(WORKER_ID.into()),
            trace: self.failure.clone(),
        };
        ConnectorStatus {
            name: Some(self.name.clone()),
            connector: ConnectorState { state: Some("RUNNING".into()), worker_id: Some(WORKER_ID.into()), trace: None },
            tasks: vec![task],
            connector_type: Some("source".into()),
        }
    }
}

/// Whether a config key holds a credential, which the answers show as `*****`.
pub(super) fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "api.key", "token", "credentials", "user.info", "jaas.config"]
        .iter()
        .any(|s| key.contains(s))
}

/// The statement with the value of every credential in its WITH list replaced by `'*****'`,
/// found by the tokens (quoted or bare, wherever it is written), for an answer's
/// `statementText`: answers are shown and saved in notebooks.
pub(super) fn mask_secrets(text: &str, config: &[(String, String)]) -> String {
    use crate::sql::lexer::{tokenize, Tok};
    if !config.iter().any(|(k, _)| is_secret(k)) {
        return text.to_string();
    }
    let Ok(tokens) = tokenize(text) else {
        return "CREATE CONNECTOR … (not shown: it holds credentials)".to_string();
    };
    let mut spans = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let key = match &t.tok {
            Tok::Str(k) | Tok::Quoted(k) | Tok::Word(k) => k,
            _ => continue,
        };
        if !is_secret(key) || tokens.get(i + 1).map(|t| &t.tok) != Some(&Tok::Sym("=")) {
            continue;
        }
        // The value: a literal, perhaps after a minus sign, up to the next token.
        let mut v = i + 2;
        if tokens.get(v).map(|t| &t.tok) == Some(&Tok::Sym("-")) {
            v += 1;
        }
        if let (Some(start), Some(end)) = (tokens.get(i + 2), tokens.get(v + 1)) {
            let value = text[start.pos..end.pos.min(text.len())].trim_end();
            spans.push((start.pos, start.pos + value.len()));
        }
    }
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        masked.push_str(&text[at..start]);
        masked.push_str("'*****'");
        at = end;
    }
    masked.push_str(&text[at..]);
    masked
}

const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// JsonConverter wraps each key or value in a `{"schema": …, "payload": …}` envelope unless
/// its `schemas.enable` is false; ksqlDB's JSON format reads plain JSON, and the sandbox
/// writes only that, so it asks for the setting rather than differ from a real worker.
fn plain_json(side: &str, schemas_enable: Option<&str>) -> Result<(), String> {
    if schemas_enable.is_some_and(|s| s.trim().eq_ignore_ascii_case("false")) {
        return Ok(());
    }
    Err(format!(
        "{side}.converter JsonConverter writes a schema envelope ({{\"schema\": …, \"payload\": …}}) unless \
         '{side}.converter.schemas.enable'='false', and the sandbox's Datagen writes plain JSON only: \
         add '{side}.converter.schemas.enable'='false' (what ksqlDB's JSON format reads)"
    ))
}

/// The value format from the self-managed `value.converter` or Cloud's `output.data.format`.
fn value_format(converter: Option<&str>, cloud: Option<&str>) -> Result<ValueFormat, String> {
    match (converter, cloud.map(|c| c.to_ascii_uppercase())) {
        (None, None) | (Some(JSON_CONVERTER), _) => Ok(ValueFormat::Json),
        (None, Some(f)) if f == "JSON" => Ok(ValueFormat::Json),
        (Some("io.confluent.connect.avro.AvroConverter"), _) => Ok(ValueFormat::Avro),
        (None, Some(f)) if f == "AVRO" => Ok(ValueFormat::Avro),
        (Some(other), _) => Err(format!(
            "value.converter '{other}' is not available in the sandbox: \
             use org.apache.kafka.connect.json.JsonConverter (JSON) or io.confluent.connect.avro.AvroConverter \
             (AVRO, its schema registered for the topic)"
        )),
        (None, Some(other)) => {
            Err(format!("output.data.format '{other}' is not available in the sandbox: use JSON or AVRO"))
        }
    }
}
