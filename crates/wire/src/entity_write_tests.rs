//! Writing entities: every body the sandbox answers with reads back as itself, and the CLI's
//! approved outputs (ksqlDB's own JSON) come out of read-then-write unchanged.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::entity::tests::fixtures_dir;
use super::entity::*;

/// Writes `body` in its envelope, checks the JSON's shape, reads it back and compares.
fn round_trip<T: EntityType + Clone + PartialEq + Debug + DeserializeOwned>(body: T) -> Value {
    let json = Envelope::new("SHOW X;", body.clone()).to_json();
    let keys: Vec<&String> = json.as_object().expect("an object").keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("@type"), "{json}");
    assert_eq!(json["statementText"], "SHOW X;");
    assert_eq!(json["warnings"], json!([]));
    let read = Entity::from_json(json.clone());
    assert_eq!(read.type_name(), T::TYPE);
    assert!(!matches!(read, Entity::Unknown { .. }), "{json}");
    assert_eq!(T::deserialize(&json).unwrap(), body, "{json}");
    json
}

fn field(name: &str, sql_type: &str, kind: Option<&str>) -> FieldInfo {
    FieldInfo {
        name: name.into(),
        schema: json!({"type": sql_type, "fields": null, "memberSchema": null}),
        field_type: kind.map(str::to_string),
        header_key: None,
    }
}

fn running_query(id: &str, query_type: &str) -> RunningQuery {
    RunningQuery {
        query_string: Some("CREATE STREAM B AS SELECT * FROM A;".into()),
        sinks: vec!["B".into()],
        sink_kafka_topics: vec!["b".into()],
        id: json!(id),
        status_count: Some([("RUNNING".to_string(), 1)].into()),
        query_type: Some(query_type.into()),
        state: Some("RUNNING".into()),
        ..RunningQuery::default()
    }
}

fn source_description() -> SourceDescription {
    SourceDescription {
        name: "A".into(),
        read_queries: vec![running_query("CSAS_B_0", "PERSISTENT")],
        fields: vec![field("K", "STRING", Some("KEY")), field("V", "INTEGER", None)],
        source_type: Some("STREAM".into()),
        timestamp: Some(String::new()),
        statistics: Some(String::new()),
        error_stats: Some(String::new()),
        extended: Some(false),
        key_format: Some("KAFKA".into()),
        value_format: Some("JSON".into()),
        topic: Some("a".into()),
        partitions: Some(1),
        replication: Some(1),
        statement: Some("CREATE STREAM A (K STRING KEY, V INT) WITH (KAFKA_TOPIC='a');".into()),
        ..SourceDescription::default()
    }
}

fn query_description() -> QueryDescription {
    QueryDescription {
        id: json!("CSAS_B_0"),
        statement_text: Some("CREATE STREAM B AS SELECT * FROM A;".into()),
        fields: vec![field("V", "INTEGER", None)],
        sources: vec!["A".into()],
        sinks: vec!["B".into()],
        topology: Some("t".into()),
        execution_plan: Some("p".into()),
        ksql_host_query_status: [("sandbox:8088".to_string(), "RUNNING".to_string())].into(),
        query_type: Some("PERSISTENT".into()),
        query_errors: vec![QueryError {
            timestamp: Some(0),
            error_message: Some("bad".into()),
            error_type: Some("USER".into()),
        }],
        consumer_group_id: Some("g".into()),
        state: Some("RUNNING".into()),
        ..QueryDescription::default()
    }
}

#[test]
fn status_warning_and_terminate_round_trip() {
    let status = round_trip(CommandStatusEntity {
        statement_text: Some("SHOW X;".into()),
        command_id: Some("stream/`S`/create".into()),
        command_status: CommandStatus { status: "SUCCESS".into(), message: "Stream created".into(), query_id: None },
        command_sequence_number: Some(2),
    });
    // ksqlDB writes a missing query id as null, and statementText once.
    assert_eq!(status["commandStatus"]["queryId"], Value::Null);
    assert_eq!(status.as_object().unwrap().keys().filter(|k| *k == "statementText").count(), 1);
    round_trip(WarningEntity { message: "Type T already exists".into() });
    round_trip(TerminateQueryEntity { query_id: Some("transient_S_1".into()), was_terminated: Some(true) });
}

#[test]
fn lists_round_trip() {
    let info = |t: &str| SourceInfo {
        source_type: Some(t.into()),
        name: "A".into(),
        topic: Some("a".into()),
        key_format: Some("KAFKA".into()),
        value_format: Some("JSON".into()),
        format: None,
        is_windowed: Some(false),
    };
    let streams = round_trip(StreamsList { streams: vec![info("STREAM")] });
    // The pre-0.14 `format` is not written when absent.
    assert!(streams["streams"][0].get("format").is_none());
    round_trip(TablesList { tables: vec![info("TABLE")] });
    let mut push = running_query("transient_A_1", "PUSH");
    push.sinks.clear();
    push.sink_kafka_topics.clear();
    round_trip(Queries { queries: vec![running_query("CSAS_B_0", "PERSISTENT"), push] });
    let property = |name: &str, level: &str| Property {
        name: name.into(),
        scope: Some("KSQL".into()),
        value: json!("1"),
        editable: Some(true),
        level: Some(level.into()),
    };
    round_trip(PropertiesList {
        properties: vec![property("ksql.a", "SERVER"), property("ksql.b", "QUERY")],
        overwritten_properties: vec!["ksql.b".into()],
        default_properties: vec!["ksql.a".into()],
    });
    round_trip(FunctionNameList {
        functions: vec![SimpleFunctionInfo {
            name: "ABS".into(),
            function_type: Some("SCALAR".into()),
            category: Some("MATHEMATICAL".into()),
        }],
    });
    let mut types = Map::new();
    types.insert("T".into(), json!({"type": "STRING", "fields": null, "memberSchema": null}));
    round_trip(TypeList { types });
    round_trip(VariablesList { variables: vec![Variable { name: "x".into(), value: json!("1") }] });
}

#[test]
fn topics_round_trip_under_both_types() {
    let plain = KafkaTopicInfo { name: "a".into(), replica_info: vec![1, 1], ..KafkaTopicInfo::default() };
    let json = round_trip(KafkaTopicsList { topics: vec![plain] });
    assert_eq!(json["topics"][0], json!({"name": "a", "replicaInfo": [1, 1]}));
    let extended = KafkaTopicsList {
        topics: vec![KafkaTopicInfo {
            name: "a".into(),
            replica_info: vec![1],
            consumer_count: Some(2),
            consumer_group_count: Some(2),
            retention: Some(SandboxRetention {
                records: Some(10),
                bytes: Some(100),
                ms: None,
                retained_records: Some(3),
                retained_bytes: Some(30),
                log_start_offsets: vec![0],
                summary: Some("keeps 10 records".into()),
            }),
        }],
    };
    let written = Envelope { type_name: KafkaTopicsList::EXTENDED_TYPE, ..Envelope::new("SHOW X;", extended.clone()) };
    let json = written.to_json();
    assert_eq!(json["topics"][0]["retention"]["ms"], Value::Null);
    match Entity::from_json(json) {
        Entity::KafkaTopicsExtended(p) => assert_eq!(p.value, extended),
        other => panic!("{other:?}"),
    }
}

#[test]
fn descriptions_round_trip() {
    let json = round_trip(SourceDescriptionEntity { source_description: source_description() });
    let d = &json["sourceDescription"];
    // ksqlDB writes windowType as null; the older `format` and `key` are left out.
    assert_eq!(d["windowType"], Value::Null);
    assert!(d.get("format").is_none() && d.get("key").is_none());
    assert!(d["fields"][1].get("type").is_none());
    round_trip(SourceDescriptionList { source_descriptions: vec![source_description()] });
    round_trip(QueryDescriptionEntity { query_description: query_description() });
    let explain = QueryDescription { consumer_group_id: None, state: None, ..query_description() };
    let json = round_trip(QueryDescriptionList { query_descriptions: vec![query_description(), explain] });
    assert_eq!(json["queryDescriptions"][1]["state"], Value::Null);
    assert!(json["queryDescriptions"][1].get("consumerGroupId").is_none());
}

#[test]
fn describe_function_round_trips() {
    let argument = ArgumentInfo {
        name: "x".into(),
        arg_type: Some("INT".into()),
        description: Some(String::new()),
        is_variadic: Some(false),
    };
    round_trip(FunctionDescriptionList {
        name: "ABS".into(),
        description: Some("absolute value".into()),
        author: Some("Confluent".into()),
        version: Some(String::new()),
        path: Some("internal".into()),
        functions: vec![FunctionInfo {
            arguments: vec![argument],
            return_type: Some("INT".into()),
            description: Some("absolute value".into()),
            argument_types: vec!["INT".into()],
        }],
        function_type: Some("SCALAR".into()),
    });
}

#[test]
fn connector_entities_round_trip() {
    let mut config = Map::new();
    config.insert("connector.class".into(), json!("DatagenConnector"));
    round_trip(CreateConnectorEntity {
        info: ConnectorInfo { name: "c".into(), config, tasks: vec![], connector_type: Some("source".into()) },
    });
    round_trip(DropConnectorEntity { connector_name: Some("c".into()) });
    round_trip(ConnectorList {
        connectors: vec![SimpleConnectorInfo {
            name: "c".into(),
            connector_type: Some("source".into()),
            class_name: Some("DatagenConnector".into()),
            state: Some("RUNNING (1/1 tasks RUNNING)".into()),
        }],
    });
    let state = |s: &str| ConnectorState { state: Some(s.into()), worker_id: Some("w".into()), trace: None };
    let json = round_trip(ConnectorDescription {
        connector_class: Some("DatagenConnector".into()),
        status: ConnectorStatus {
            name: Some("c".into()),
            connector: state("RUNNING"),
            tasks: vec![TaskState {
                id: Some(0),
                state: Some("RUNNING".into()),
                worker_id: Some("w".into()),
                trace: None,
            }],
            connector_type: Some("source".into()),
        },
        sources: vec![source_description()],
        topics: vec!["a".into()],
        sandbox_generator: Some(SandboxGenerator {
            quickstart: Some("orders".into()),
            records_produced: Some(5),
            iterations: None,
            max_interval_ms: Some(500),
            seed: Some(1),
        }),
    });
    // Kafka Connect's snake_case names, and a null trace, as Connect writes them.
    assert_eq!(json["status"]["connector"], json!({"state": "RUNNING", "worker_id": "w", "trace": null}));
}

/// The body of a read entity, written back in its envelope (warnings as read).
fn written_back(e: &Entity) -> Value {
    fn write<T: Serialize>(e: &Entity, body: &T) -> Value {
        let warnings: Vec<KsqlWarning> =
            e.raw_json().get("warnings").and_then(|w| serde_json::from_value(w.clone()).ok()).unwrap_or_default();
        let statement_text = e.statement_text().unwrap_or_default();
        Envelope { type_name: e.type_name(), statement_text, body, warnings }.to_json()
    }
    match e {
        Entity::CommandStatus(p) => write(e, &p.value),
        Entity::Streams(p) => write(e, &p.value),
        Entity::Tables(p) => write(e, &p.value),
        Entity::Queries(p) => write(e, &p.value),
        Entity::QueryDescriptions(p) => write(e, &p.value),
        Entity::Properties(p) => write(e, &p.value),
        Entity::SourceDescription(p) => write(e, &p.value),
        Entity::SourceDescriptions(p) => write(e, &p.value),
        Entity::QueryDescription(p) => write(e, &p.value),
        Entity::KafkaTopics(p) | Entity::KafkaTopicsExtended(p) => write(e, &p.value),
        Entity::TopicDescription(p) => write(e, &p.value),
        Entity::ExecutionPlan(p) => write(e, &p.value),
        Entity::FunctionNames(p) => write(e, &p.value),
        Entity::DescribeFunction(p) => write(e, &p.value),
        Entity::TypeList(p) => write(e, &p.value),
        Entity::ConnectorInfo(p) => write(e, &p.value),
        Entity::DropConnector(p) => write(e, &p.value),
        Entity::ConnectorList(p) => write(e, &p.value),
        Entity::ConnectorPlugins(p) => write(e, &p.value),
        Entity::ConnectorDescription(p) => write(e, &p.value),
        Entity::Warning(p) => write(e, &p.value),
        Entity::Variables(p) => write(e, &p.value),
        Entity::TerminateQuery(p) => write(e, &p.value),
        Entity::AssertTopic(p) => write(e, &p.value),
        Entity::AssertSchema(p) => write(e, &p.value),
        Entity::Unknown { raw, .. } => raw.clone(),
    }
}

#[test]
fn approved_cli_entities_write_back_as_read() {
    let Some(dir) = fixtures_dir("ksql-cli-console-approved") else {
        eprintln!("skipping: ksql-cli-console-approved fixtures not found");
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut count = 0;
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // The CLI's test-local error entity has no typed form.
        if !name.ends_with(".approved.json") || name.contains("ErrorEntity") {
            continue;
        }
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for raw in fixture.as_array().cloned().unwrap_or_else(|| vec![fixture.clone()]) {
            let mut written = written_back(&Entity::from_json(raw.clone()));
            // The CLI prints some entities without `@type` (the reader infers it).
            if raw.get("@type").is_none() {
                written.as_object_mut().unwrap().remove("@type");
            }
            assert_eq!(written, raw, "{name}");
            count += 1;
        }
    }
    assert!(count >= 24, "only {count} entities");
}
