//! The sandbox's Datagen connectors through SQL: every quickstart's records, iterations,
//! seeds, formats, the connector statements and their errors.

use serde_json::Value as J;

use super::*;
use crate::datagen::quickstarts::QUICKSTARTS;
use crate::topics::Retention;

fn run(e: &mut Engine, s: &mut Session, sql: &str) -> Option<J> {
    e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"))
}

fn fails(e: &mut Engine, sql: &str) -> String {
    match e.execute(sql, &mut Session::default()) {
        Ok(v) => panic!("{sql} should fail, got {v:?}"),
        Err(err) => err.message,
    }
}

fn datagen(name: &str, quickstart: &str, topic: &str, extra: &str) -> String {
    format!(
        "CREATE SOURCE CONNECTOR {name} WITH ('connector.class'='io.confluent.kafka.connect.datagen.DatagenConnector', \
         'kafka.topic'='{topic}', 'quickstart'='{quickstart}'{extra});"
    )
}

/// Runs the connectors on a clock that moves a second per step, until none is producing
/// or `steps` ran out.
fn run_clock(e: &mut Engine, steps: usize) {
    let mut now = chrono::Utc::now().timestamp_millis();
    for _ in 0..steps {
        if e.run_connectors(now).is_none() {
            return;
        }
        now += 1000;
    }
}

fn values(e: &Engine, topic: &str) -> Vec<(String, serde_json::Map<String, J>)> {
    e.topic_records(topic)
        .iter()
        .map(|r| {
            let key = String::from_utf8(r.key().unwrap().to_vec()).unwrap();
            let J::Object(v) = serde_json::from_slice(r.value().unwrap()).unwrap() else { panic!() };
            (key, v)
        })
        .collect()
}

#[test]
fn every_quickstart_produces_its_fields_and_stops_after_iterations() {
    for q in QUICKSTARTS {
        let mut e = Engine::new();
        let mut s = Session::default();
        let topic = format!("t_{}", q.name);
        run(
            &mut e,
            &mut s,
            &datagen("GEN", q.name, &topic, ", 'iterations'='25', 'max.interval'='0', 'random.seed'='7'"),
        );
        run_clock(&mut e, 10);
        let records = values(&e, &topic);
        assert_eq!(records.len(), 25, "{}", q.name);
        let expected: Vec<&str> = q.fields.iter().map(|f| f.name).collect();
        for (key, v) in &records {
            assert_eq!(v.keys().map(String::as_str).collect::<Vec<_>>(), expected, "{}", q.name);
            let k = &v[q.key_field];
            let as_text = match k {
                J::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(key, &as_text, "{}: the key is the key field's value", q.name);
        }
        // Datagen fails its task once the iterations are done; the connector stays.
        let shown = run(&mut e, &mut s, "SHOW CONNECTORS;").unwrap();
        assert_eq!(shown["connectors"][0]["state"], "RUNNING (0/1 tasks RUNNING)", "{}", q.name);
        let d = run(&mut e, &mut s, "DESCRIBE CONNECTOR GEN;").unwrap();
        assert_eq!(d["status"]["tasks"][0]["state"], "FAILED");
        assert!(d["status"]["tasks"][0]["trace"]
            .as_str()
            .unwrap()
            .contains("generated the configured 25 number of messages"));
        assert_eq!(d["sandboxGenerator"]["recordsProduced"], 25);
        assert_eq!(d["topics"][0], topic.as_str());
    }
}

#[test]
fn a_seed_makes_the_output_reproducible_and_no_seed_does_not() {
    let produce = |extra: &str| {
        let mut e = Engine::new();
        run(
            &mut e,
            &mut Session::default(),
            &datagen("G", "orders", "orders", &format!(", 'iterations'='50', 'max.interval'='0'{extra}")),
        );
        run_clock(&mut e, 5);
        values(&e, "orders")
    };
    let a = produce(", 'random.seed'='42'");
    assert_eq!(a.len(), 50);
    assert_eq!(a, produce(", 'random.seed'='42'"));
    assert_ne!(a, produce(", 'random.seed'='43'"));
    assert_ne!(produce(""), produce(""));
}

#[test]
fn records_arrive_at_most_max_interval_apart_and_carry_datagen_headers() {
    let mut e = Engine::new();
    run(&mut e, &mut Session::default(), &datagen("G", "users", "users", ", 'max.interval'='100', 'random.seed'='1'"));
    let mut now = chrono::Utc::now().timestamp_millis();
    e.run_connectors(now);
    let first = e.topic_records("users").len();
    // A driver waking every 100 ms for 10 s.
    for _ in 0..100 {
        now += 100;
        e.run_connectors(now);
    }
    let produced = e.topic_records("users").len() - first;
    // Uniform gaps in [0, 100) ms average ~50 ms: about 200 records in 10 s.
    assert!((120..=300).contains(&produced), "{produced} records in 10 s at max.interval 100");
    let r = e.topic_records("users").last().unwrap().clone();
    let names: Vec<&str> = r.headers().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["task.generation", "task.id", "current.iteration"]);
    // Without `iterations` it never ends (Datagen's default -1): 100 s on, it still produces.
    for _ in 0..100 {
        now += 1_000;
        e.run_connectors(now);
    }
    assert!(e.topic_records("users").len() > 1_500, "still producing after {}", e.topic_records("users").len());
    let d = run(&mut e, &mut Session::default(), "DESCRIBE CONNECTOR g;").unwrap();
    assert_eq!(d["sandboxGenerator"]["iterations"], J::Null);
}

#[test]
fn a_stream_over_the_topic_reads_the_generated_records() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(
        &mut e,
        &mut s,
        &datagen("PV", "pageviews", "pageviews", ", 'iterations'='40', 'max.interval'='0', 'random.seed'='3'"),
    );
    run(
        &mut e,
        &mut s,
        "CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) WITH (KAFKA_TOPIC='pageviews', \
         VALUE_FORMAT='JSON');",
    );
    run(
        &mut e,
        &mut s,
        "CREATE TABLE views_per_user AS SELECT userid, COUNT(*) AS n FROM pageviews GROUP BY userid EMIT CHANGES;",
    );
    run_clock(&mut e, 5);
    let QueryResult::Pull { rows, .. } = e.query("SELECT * FROM views_per_user;", &mut s).unwrap() else { panic!() };
    let total: i64 = rows
        .iter()
        .map(|r| match r.last().unwrap() {
            Value::Bigint(n) => *n,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(total, 40);
    // DESCRIBE CONNECTOR names the streams over its topic.
    let d = run(&mut e, &mut s, "DESCRIBE CONNECTOR PV;").unwrap();
    assert_eq!(d["sources"][0]["name"], "PAGEVIEWS");
}

#[test]
fn avro_values_register_a_schema_that_create_stream_infers_columns_from() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(
        &mut e,
        &mut s,
        &datagen(
            "PV",
            "pageviews",
            "pv",
            ", 'value.converter'='io.confluent.connect.avro.AvroConverter', \
             'value.converter.schema.registry.url'='http://localhost:8081', 'iterations'='5', 'max.interval'='0'",
        ),
    );
    run(&mut e, &mut s, "CREATE STREAM pv WITH (KAFKA_TOPIC='pv', VALUE_FORMAT='AVRO');");
    let d = run(&mut e, &mut s, "DESCRIBE pv;").unwrap();
    let names: Vec<&str> =
        d["sourceDescription"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["VIEWTIME", "USERID", "PAGEID"]);
    run_clock(&mut e, 3);
    let QueryResult::Pull { rows, .. } = e.query("SELECT * FROM pv;", &mut s).unwrap() else { panic!() };
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| matches!(&r[1], Value::String(u) if u.starts_with("User_"))), "{rows:?}");
    // Confluent Cloud's class and output.data.format work the same way.
    let mut e = Engine::new();
    run(
        &mut e,
        &mut s,
        "CREATE SOURCE CONNECTOR c WITH ('connector.class'='DatagenSource', 'kafka.topic'='o', \
         'quickstart'='ORDERS', 'output.data.format'='AVRO', 'iterations'='3', 'max.interval'='0');",
    );
    run_clock(&mut e, 3);
    assert_eq!(e.topic_records("o").len(), 3);
    assert!(e.schema_registry.topic_schema("o", false).is_some());
}

#[test]
fn drop_stops_the_generator_and_if_exists_if_not_exists_warn() {
    let mut e = Engine::new();
    let mut s = Session::default();
    let create = datagen("G", "ratings", "ratings", ", 'max.interval'='0'");
    run(&mut e, &mut s, &create);
    assert!(fails(&mut e, &create).contains("already exists"));
    let again = create.replace("CONNECTOR G", "CONNECTOR IF NOT EXISTS G");
    assert_eq!(run(&mut e, &mut s, &again).unwrap()["@type"], "warning_entity");
    let now = chrono::Utc::now().timestamp_millis();
    e.run_connectors(now);
    let before = e.topic_records("ratings").len();
    assert!(before > 0);
    assert_eq!(run(&mut e, &mut s, "DROP CONNECTOR G;").unwrap()["@type"], "drop_connector");
    assert_eq!(e.run_connectors(now + 5_000), None);
    assert_eq!(e.topic_records("ratings").len(), before);
    assert!(fails(&mut e, "DROP CONNECTOR G;").contains("not found"));
    assert_eq!(run(&mut e, &mut s, "DROP CONNECTOR IF EXISTS G;").unwrap()["@type"], "warning_entity");
    assert!(fails(&mut e, "DESCRIBE CONNECTOR G;").contains("No status found"));
    assert_eq!(run(&mut e, &mut s, "SHOW CONNECTORS;").unwrap()["connectors"].as_array().unwrap().len(), 0);
}

#[test]
fn a_generator_respects_topic_retention() {
    let mut e = Engine::new();
    e.topics.default_retention = Retention { records: 10, ..Retention::default() };
    run(
        &mut e,
        &mut Session::default(),
        &datagen("G", "stock_trades", "trades", ", 'iterations'='100', 'max.interval'='0'"),
    );
    run_clock(&mut e, 5);
    let t = e.topics.get("trades").unwrap();
    assert_eq!((t.log.len(), t.log_start), (10, 90));
}

#[test]
fn clear_errors_for_what_the_sandbox_cannot_run() {
    let mut e = Engine::new();
    let jdbc = "CREATE SOURCE CONNECTOR j WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSourceConnector', \
                'connection.url'='jdbc:x');";
    assert!(fails(&mut e, jdbc).contains("needs Kafka Connect on a real ksqlDB server"));
    let sink =
        "CREATE SINK CONNECTOR k WITH ('connector.class'='DatagenSource', 'kafka.topic'='x', 'quickstart'='users');";
    assert!(fails(&mut e, sink).contains("the sink connector"));
    assert!(fails(&mut e, "CREATE SOURCE CONNECTOR n WITH ('kafka.topic'='x');").contains("no connector type"));
    assert!(fails(&mut e, &datagen("G", "users", "", "")).contains("kafka.topic"));
    let unknown = fails(&mut e, &datagen("G", "nope", "t", ""));
    assert!(unknown.contains("Unknown quickstart 'nope'") && unknown.contains("pageviews"), "{unknown}");
    assert!(fails(&mut e, &datagen("G", "users", "t", ", 'iterations'='ten'"))
        .contains("Invalid value ten for configuration iterations"));
    assert!(fails(&mut e, &datagen("G", "users", "t", ", 'max.interval'='-5'")).contains("max.interval"));
    let keyfield = datagen("G", "users", "t", ", 'schema.keyfield'='nope'");
    assert!(fails(&mut e, &keyfield).contains("schema.keyfield 'nope'"));
    assert!(fails(
        &mut e,
        &datagen("G", "users", "t", ", 'value.converter'='io.confluent.connect.protobuf.ProtobufConverter'")
    )
    .contains("not available in the sandbox"));
    let custom =
        "CREATE SOURCE CONNECTOR c WITH ('connector.class'='DatagenSource', 'kafka.topic'='x', 'schema.string'='{}');";
    assert!(fails(&mut e, custom).contains("no custom schemas"));
    // Nothing was created by the failures.
    assert!(e.connector_names().is_empty());
}

#[test]
fn secrets_in_the_config_are_masked_in_answers_and_errors() {
    let mut e = Engine::new();
    let out = run(
        &mut e,
        &mut Session::default(),
        "CREATE SOURCE CONNECTOR c WITH ('connector.class'='DatagenSource', 'kafka.topic'='x', 'quickstart'='users', \
         'kafka.api.secret'='hunter2', 'x.password'=12345, 'basic.auth.user.info'='me:pw', 'iterations'='1');",
    )
    .unwrap();
    assert_eq!(out["info"]["config"]["kafka.api.secret"], "*****");
    let shown = out.to_string();
    for secret in ["hunter2", "12345", "me:pw"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(out["statementText"].as_str().unwrap().contains("'x.password'='*****'"), "{shown}");
    // A failing statement's error carries the masked text for the answer's statementText.
    let sql = "CREATE SOURCE CONNECTOR d WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSourceConnector', \
               'connection.password' = 'hunter2', 'connection.user'='me');";
    let err = e.execute(sql, &mut Session::default()).unwrap_err();
    let text = err.statement_text.expect("a masked statement text");
    assert!(!text.contains("hunter2") && text.contains("'connection.password' = '*****'"), "{text}");
    assert!(text.contains("'connection.user'='me'"), "only credentials are masked: {text}");
}

#[test]
fn json_keys_are_json_values_with_the_json_key_converter() {
    let json_key = ", 'key.converter'='org.apache.kafka.connect.json.JsonConverter', \
                    'key.converter.schemas.enable'='false', 'iterations'='3', 'max.interval'='0'";
    let mut e = Engine::new();
    run(&mut e, &mut Session::default(), &datagen("G", "users", "u", json_key));
    run(&mut e, &mut Session::default(), &datagen("P", "pageviews", "p", json_key));
    run_clock(&mut e, 3);
    for (key, v) in values(&e, "u") {
        assert_eq!(key, J::String(v["userid"].as_str().unwrap().to_string()).to_string());
    }
    // A number key is written as a JSON number, as JsonConverter writes an int64.
    let keys: Vec<String> = values(&e, "p").into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["1", "11", "21"]);
    // Without schemas.enable=false a real worker would write {"schema":…,"payload":…} envelopes.
    let enveloped =
        fails(&mut e, &datagen("Q", "users", "q", ", 'key.converter'='org.apache.kafka.connect.json.JsonConverter'"));
    assert!(enveloped.contains("'key.converter.schemas.enable'='false'"), "{enveloped}");
    let enveloped =
        fails(&mut e, &datagen("Q", "users", "q", ", 'value.converter'='org.apache.kafka.connect.json.JsonConverter'"));
    assert!(enveloped.contains("'value.converter.schemas.enable'='false'"), "{enveloped}");
}

#[test]
fn extreme_numbers_are_errors_or_harmless() {
    let mut e = Engine::new();
    assert!(fails(&mut e, &datagen("G", "users", "t", ", 'iterations'='3000000000'")).contains("type INT"));
    // The longest interval there is: one record far in the future, no overflow, no panic.
    run(&mut e, &mut Session::default(), &datagen("G", "users", "t", ", 'max.interval'='9223372036854775807'"));
    let now = chrono::Utc::now().timestamp_millis();
    for step in 0..3 {
        e.run_connectors(now + step * 1_000_000);
    }
    assert!(e.topic_records("t").len() <= 3);
}

#[test]
fn the_seeded_records_stay_the_same_across_versions() {
    // The course notebook's expected rows rest on these: a dependency update that changes
    // the seeded draws must fail here first.
    let mut e = Engine::new();
    run(
        &mut e,
        &mut Session::default(),
        &datagen("G", "pageviews", "p", ", 'iterations'='3', 'max.interval'='0', 'random.seed'='2024'"),
    );
    run_clock(&mut e, 3);
    let drawn: Vec<(String, String)> = values(&e, "p")
        .into_iter()
        .map(|(_, v)| (v["userid"].as_str().unwrap().to_string(), v["pageid"].as_str().unwrap().to_string()))
        .collect();
    let expected = [("User_2", "Page_56"), ("User_4", "Page_20"), ("User_6", "Page_37")];
    assert_eq!(drawn, expected.map(|(u, p)| (u.to_string(), p.to_string())));
}
