//! Bad input over HTTP: ksqlDB's error shapes and codes; no panics; one failing persistent
//! query does not stop the others.

use serde_json::{json, Value as J};

use crate::engine::{Engine, Session};
use crate::topics::Record;

async fn post(url: &str, path: &str, body: J) -> (u16, J) {
    let r = reqwest::Client::new().post(format!("{url}{path}")).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(J::String(text)))
}

async fn ksql(url: &str, sql: &str) -> (u16, J) {
    post(url, "/ksql", json!({"ksql": sql, "streamsProperties": {}})).await
}

fn assert_statement_error(status: u16, body: &J, sql: &str, needle: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["@type"], "statement_error", "{body}");
    assert_eq!(body["error_code"], 40001, "{body}");
    assert_eq!(body["statementText"], sql, "{body}");
    assert!(body["entities"].is_array(), "{body}");
    let msg = body["message"].as_str().unwrap_or("");
    assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_ksqldb_error_shapes() {
    let handle = crate::start_in_process().await.unwrap();
    let url = handle.url().to_string();

    // A malformed statement.
    let sql = "SELEC * FROM riders;";
    let (status, body) = ksql(&url, sql).await;
    assert_statement_error(status, &body, sql, "Syntax Error");

    // A wrong type in INSERT VALUES.
    let (status, body) = ksql(
        &url,
        "CREATE STREAM riders (id INT KEY, name STRING, speed DOUBLE) WITH (kafka_topic='riders', \
         value_format='json', partitions=1);",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sql = "INSERT INTO riders (id, name, speed) VALUES ('not a number', 'ann', 1.5);";
    let (status, body) = ksql(&url, sql).await;
    assert_statement_error(status, &body, sql, "Failed to insert values into 'RIDERS'");
    let sql = "INSERT INTO riders (id, name) VALUES (1);";
    let (status, body) = ksql(&url, sql).await;
    assert_statement_error(status, &body, sql, "Expected number columns and values to match");

    // A query on a dropped source, over /ksql, /query and /query-stream.
    let (status, body) = ksql(&url, "DROP STREAM riders;").await;
    assert_eq!(status, 200, "{body}");
    let sql = "SELECT * FROM riders EMIT CHANGES;";
    let (status, body) = post(&url, "/query", json!({"ksql": sql, "streamsProperties": {}})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["@type"], "statement_error", "{body}");
    assert_eq!(body["error_code"], 40001, "{body}");
    assert!(body["message"].as_str().unwrap().contains("RIDERS does not exist"), "{body}");
    let (status, body) = post(&url, "/query-stream", json!({"sql": sql, "properties": {}})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_code"], 40001, "{body}");
    let sql = "CREATE STREAM copy AS SELECT * FROM riders;";
    let (status, body) = ksql(&url, sql).await;
    assert_statement_error(status, &body, sql, "RIDERS does not exist");

    // Odd bodies never panic the server: it still answers afterwards.
    for body in [
        json!({}),
        json!({"ksql": 42}),
        json!({"ksql": ""}),
        json!({"ksql": ";;;"}),
        json!({"ksql": "SELECT"}),
        json!({"ksql": "CREATE STREAM x (a ARRAY<) WITH (kafka_topic='x');"}),
    ] {
        let (status, _) = post(&url, "/ksql", body).await;
        assert!((200..500).contains(&status), "status {status}");
    }
    for sql in [
        "SELECT 1/0 FROM nowhere;",
        "SELECT * FROM",
        "PRINT",
        "INSERT INTO",
        "DROP TABLE",
        "SELECT CAST('x' AS DECIMAL(2,1)) FROM nowhere;",
    ] {
        let (status, _) = post(&url, "/query", json!({"ksql": sql})).await;
        assert!((200..500).contains(&status), "{sql}: status {status}");
    }
    let (status, body) = ksql(&url, "SHOW STREAMS;").await;
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_failing_persistent_query_does_not_stop_the_others() {
    let mut e = Engine::new();
    let mut s = Session::default();
    // Two sources over one topic: JSON and DELIMITED. A JSON record cannot be read as
    // DELIMITED INTs, so the second query fails on it; the first one keeps going.
    e.execute(
        "CREATE STREAM J (ID INT KEY, A INT, B INT) WITH (kafka_topic='t', value_format='json', partitions=1);",
        &mut s,
    )
    .unwrap();
    e.execute("CREATE STREAM D (ID INT KEY, A INT, B INT) WITH (kafka_topic='t', value_format='delimited');", &mut s)
        .unwrap();
    e.execute("CREATE STREAM JOUT AS SELECT ID, A + B AS S FROM J;", &mut s).unwrap();
    e.execute("CREATE STREAM DOUT AS SELECT ID, A * B AS P FROM D;", &mut s).unwrap();
    let rec = |v: &str| Record::new(Some(1i32.to_be_bytes().to_vec()), Some(v.as_bytes().to_vec()), 1);
    e.produce("t", rec("{\"A\":1,\"B\":2}"), None);
    e.produce("t", rec("{\"A\":3,\"B\":4}"), None);
    let errors = e.query_errors();
    assert!(errors.iter().any(|(id, es)| id.contains("DOUT") && !es.is_empty()), "{errors:?}");
    assert_eq!(e.topic_records("JOUT").len(), 2);
    assert_eq!(e.topic_records("DOUT").len(), 0);
    // The failing query is still running: a record it can read goes through.
    e.produce("t", rec("5,6"), None);
    assert_eq!(e.topic_records("DOUT").len(), 1);
    // And the healthy one still processes its own records.
    e.produce("t", rec("{\"A\":10,\"B\":20}"), None);
    assert_eq!(e.topic_records("JOUT").len(), 3);
    // SHOW QUERIES lists both.
    assert_eq!(e.persistent_query_ids().len(), 2);
}

/// After a request panicked inside the engine (its lock poisoned), every request gets the same
/// generic 500 answer on /ksql and /query, not a statement error, and the server stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poisoned_engine_answers_a_generic_error() {
    let handle = crate::start_in_process().await.unwrap();
    let url = handle.url().to_string();
    let engine = handle.engine();
    let _ = std::thread::spawn(move || {
        let _held = engine.lock().unwrap();
        panic!("poisoning the engine's lock on purpose");
    })
    .join();
    let (status, body) = ksql(&url, "SHOW STREAMS;").await;
    let (q_status, q_body) = post(&url, "/query", json!({"ksql": "SELECT * FROM s;", "streamsProperties": {}})).await;
    for (status, body) in [(status, body), (q_status, q_body)] {
        assert_eq!(status, 500, "{body}");
        assert_eq!(body["@type"], "generic_error", "{body}");
        assert_eq!(body["error_code"], 50000, "{body}");
        let msg = body["message"].as_str().unwrap_or("");
        assert!(msg.contains("engine is unavailable"), "{msg}");
    }
}
