//! End-to-end: the kernel's own REST client against the sandbox on a free port.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::quickstart_fixture as quickstart;
use ksql_wire::entity::Entity;
use ksqldb_client::{ConnectionSettings, KsqlClient, QueryEvent, RequestContext};

async fn client() -> (crate::SandboxHandle, KsqlClient) {
    let handle = crate::start_in_process().await.unwrap();
    let client = KsqlClient::new(ConnectionSettings::new(handle.url())).unwrap();
    let info = client.connect().await.unwrap();
    assert!(format!("{info:?}").contains("0.29"), "{info:?}");
    (handle, client)
}

async fn next_row(q: &mut ksqldb_client::QueryStream) -> Option<QueryEvent> {
    match tokio::time::timeout(Duration::from_secs(5), q.next()).await {
        Ok(Some(Ok(ev))) => Some(ev),
        Ok(Some(Err(e))) => panic!("query error: {e}"),
        Ok(None) => None,
        Err(_) => panic!("timed out waiting for a row"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_end_to_end() {
    let (_handle, client) = client().await;
    let props = BTreeMap::new();
    let vars = BTreeMap::new();
    let ctx = RequestContext { properties: &props, session_variables: &vars };
    let entities = client.ksql(&quickstart::STATEMENTS.join("\n"), &ctx).await.unwrap();
    assert_eq!(entities.len(), 3);
    assert!(entities.iter().all(|e| matches!(e, Entity::CommandStatus(_))), "{entities:?}");

    // A push query in the background, then INSERTs.
    let mut push = client.query(quickstart::NEAR_PUSH_QUERY, &ctx).await.unwrap();
    let names: Vec<String> = push.header().columns.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, vec!["PROFILEID", "LATITUDE", "LONGITUDE"]);
    let sql = quickstart::inserts().join("\n");
    assert!(client.ksql(&sql, &ctx).await.unwrap().is_empty());
    let mut near = Vec::new();
    while near.len() < 3 {
        match next_row(&mut push).await {
            Some(QueryEvent::Row(r)) => near.push(r.values[0].as_str().unwrap().to_string()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(near, vec!["4ab5cbad", "8b6eae59", "4a7c7b41"]);
    push.close().await.unwrap();

    // Pull query on the materialized view.
    let mut pull =
        client.query("SELECT * from ridersNearMountainView WHERE distanceInMiles <= 10;", &ctx).await.unwrap();
    let mut rows = Vec::new();
    while let Some(ev) = next_row(&mut pull).await {
        match ev {
            QueryEvent::Row(r) => rows.push(r.values),
            QueryEvent::Final(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][2], serde_json::json!(3));
    assert_eq!(rows[1][1], serde_json::json!(["18f4ea86"]));

    // SHOW / DESCRIBE entities parse with the kernel's typed entities.
    let entities = client
        .ksql(
            "SHOW STREAMS; SHOW TABLES; SHOW QUERIES; DESCRIBE currentLocation EXTENDED; SHOW TOPICS; SHOW PROPERTIES;",
            &ctx,
        )
        .await
        .unwrap();
    for e in &entities {
        assert!(!matches!(e, Entity::Unknown { .. }), "{e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_ksqldb_shapes() {
    let (handle, client) = client().await;
    let props = BTreeMap::new();
    let vars = BTreeMap::new();
    let ctx = RequestContext { properties: &props, session_variables: &vars };
    let err = client.ksql("SLECT * FROM x;", &ctx).await.unwrap_err();
    assert!(err.to_string().contains("Syntax Error"), "{err}");
    let err = client.ksql("DESCRIBE nope;", &ctx).await.unwrap_err();
    assert!(err.to_string().contains("Could not find STREAM/TABLE 'NOPE'"), "{err}");
    let err = client.query("SELECT * FROM nope EMIT CHANGES;", &ctx).await.unwrap_err();
    assert!(err.to_string().contains("NOPE does not exist"), "{err}");
    // Raw HTTP: the exact body of a /ksql SELECT.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/ksql", handle.url()))
        .header("accept", "application/vnd.ksql.v1+json")
        .body(r#"{"ksql":"SELECT 1 FROM x;"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], 40002);
    let r = http.post(format!("{}/close-query", handle.url())).body(r#"{"queryId":"xyz"}"#).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"@type":"generic_error","error_code":40000,"message":"No query with id xyz"}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_framings() {
    let (handle, _client) = client().await;
    let http = reqwest::Client::new();
    let ksql = |s: &str| {
        serde_json::json!({"ksql": s, "streamsProperties": {"ksql.streams.auto.offset.reset": "earliest"}}).to_string()
    };
    let r = http
        .post(format!("{}/ksql", handle.url()))
        .body(ksql(
            "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', value_format='json', partitions=1); \
             INSERT INTO S (K, V) VALUES ('a', 1); INSERT INTO S (K, V) VALUES ('b', 2); \
             CREATE TABLE T AS SELECT K, SUM(V) AS TOTAL FROM S GROUP BY K;",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let body = http
        .post(format!("{}/query", handle.url()))
        .header("accept", "application/vnd.ksql.v1+json")
        .body(ksql("SELECT * FROM S EMIT CHANGES LIMIT 2;"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = body.split('\n').collect();
    assert!(lines[0].starts_with(r#"[{"header":{"queryId":"transient_S_"#), "{body}");
    assert!(lines[0].ends_with(r#""schema":"`K` STRING, `V` INTEGER"}},"#), "{body}");
    assert_eq!(
        &lines[1..],
        &[r#"{"row":{"columns":["a",1]}},"#, r#"{"row":{"columns":["b",2]}},"#, r#"{"finalMessage":"Limit Reached"}]"#]
    );
    let body = http
        .post(format!("{}/query", handle.url()))
        .header("accept", "application/json")
        .body(ksql("SELECT * FROM T WHERE K = 'a';"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.ends_with(
            r#""schema":"`K` STRING KEY, `TOTAL` INTEGER"}},
{"row":{"columns":["a",1]}}]"#
        ),
        "{body}"
    );
    let body = http
        .post(format!("{}/query-stream", handle.url()))
        .body(
            serde_json::json!({
                "sql":"SELECT * FROM S EMIT CHANGES LIMIT 1;","properties":{"auto.offset.reset":"earliest"}
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = body.split('\n').collect();
    assert!(lines[0].contains(r#""columnNames":["K","V"],"columnTypes":["STRING","INTEGER"]"#), "{body}");
    assert_eq!(&lines[1..], &[r#"["a",1]"#, ""]);
}

/// A pull query's header and rows are written one by one (HTTP/1.1 chunks, HTTP/2 DATA
/// frames), as ksqlDB writes them: clients that parse each chunk as one element need it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_query_elements_arrive_one_by_one() {
    let (handle, _client) = client().await;
    let statements = "CREATE TABLE P (K INT PRIMARY KEY, V STRING) WITH (kafka_topic='p', value_format='json', \
        partitions=1); INSERT INTO P (K, V) VALUES (1, 'a'); INSERT INTO P (K, V) VALUES (2, 'b'); \
        CREATE TABLE Q AS SELECT * FROM P;";
    let setup = serde_json::json!({"ksql": statements, "streamsProperties": {"auto.offset.reset": "earliest"}});
    let r = reqwest::Client::new().post(format!("{}/ksql", handle.url())).body(setup.to_string()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let http2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    for (name, http) in [("HTTP/1.1", reqwest::Client::builder().http1_only().build().unwrap()), ("HTTP/2", http2)] {
        for (path, body, accept) in [
            ("/query", serde_json::json!({"ksql": "SELECT * FROM Q;"}), "application/vnd.ksql.v1+json"),
            ("/query-stream", serde_json::json!({"sql": "SELECT * FROM Q;"}), "application/vnd.ksqlapi.delimited.v1"),
        ] {
            let mut r = http
                .post(format!("{}{path}", handle.url()))
                .header("accept", accept)
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let mut chunks = Vec::new();
            while let Some(chunk) = r.chunk().await.unwrap() {
                // (HTTP/2 may end the stream with an empty DATA frame.)
                if !chunk.is_empty() {
                    chunks.push(String::from_utf8(chunk.to_vec()).unwrap());
                }
            }
            assert_eq!(chunks.len(), 3, "{name} {path}: header and two rows, each on its own: {chunks:?}");
            assert!(chunks[0].contains("K") && !chunks[0].contains("\"a\""), "{name} {path}: {chunks:?}");
            assert!(chunks[1].contains("\"a\"") && chunks[2].contains("\"b\""), "{name} {path}: {chunks:?}");
        }
    }
}

/// ASSERT TOPIC waits (up to its TIMEOUT) for a topic another client creates meanwhile; a
/// topic that never comes fails with 417 / 41700 after the default second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assert_topic_waits_for_the_topic() {
    let (handle, _client) = client().await;
    let ksql = |sql: &str| {
        reqwest::Client::new()
            .post(format!("{}/ksql", handle.url()))
            .body(serde_json::json!({ "ksql": sql }).to_string())
    };
    let started = std::time::Instant::now();
    let waiting = tokio::spawn(ksql("ASSERT TOPIC later TIMEOUT 5 SECONDS;").send());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let create = "CREATE STREAM L (A INT) WITH (kafka_topic='later', value_format='json', partitions=1);";
    assert_eq!(ksql(create).send().await.unwrap().status().as_u16(), 200);
    let r = waiting.await.unwrap().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body[0]["@type"].as_str(), body[0]["exists"].as_bool()), (Some("assert_topic"), Some(true)));
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());

    let started = std::time::Instant::now();
    let r = ksql("ASSERT TOPIC never;").send().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(r.status().as_u16(), 417);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body["error_code"].as_u64(), body["message"].as_str()),
        (Some(41700), Some("Topic never does not exist"))
    );
    assert!(
        waited >= std::time::Duration::from_millis(900) && waited < std::time::Duration::from_secs(3),
        "{waited:?}"
    );
}

/// ASSERT SCHEMA waits the same way for a schema another client registers meanwhile with
/// Schema Registry's REST API on the sandbox's port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assert_schema_waits_for_the_schema() {
    let (handle, _client) = client().await;
    let http = reqwest::Client::new();
    let ksql =
        |sql: &str| http.post(format!("{}/ksql", handle.url())).body(serde_json::json!({ "ksql": sql }).to_string());
    let waiting = tokio::spawn(ksql("ASSERT SCHEMA SUBJECT 'later-value' TIMEOUT 5 SECONDS;").send());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let schema = serde_json::json!({ "schema": "{\"type\":\"string\"}" }).to_string();
    let registered = http
        .post(format!("{}/subjects/later-value/versions", handle.url()))
        .header("content-type", "application/vnd.schemaregistry.v1+json")
        .body(schema)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status().as_u16(), 200);
    let r = waiting.await.unwrap().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body[0]["@type"].as_str(), body[0]["subject"].as_str(), body[0]["exists"].as_bool()),
        (Some("assert_schema"), Some("later-value"), Some(true))
    );
    let r = ksql("ASSERT NOT EXISTS SCHEMA SUBJECT 'later-value' TIMEOUT 200 MILLISECONDS;").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 417);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"].as_str(), Some("Schema with subject name later-value exists"));
}

/// A backlog of small rows read slowly over HTTP/2 arrives whole: rows go out a frame each only
/// up to a rate, not as thousands of tiny DATA frames, which h2 clients refuse (GOAWAY,
/// too_many_data_frames).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_reaches_a_slow_http2_reader() {
    let (handle, _client) = client().await;
    let statement = "CREATE STREAM B (V INT) WITH (kafka_topic='b', value_format='json', partitions=1);";
    let create = serde_json::json!({ "ksql": statement });
    let r =
        reqwest::Client::new().post(format!("{}/ksql", handle.url())).body(create.to_string()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    {
        let engine = handle.engine();
        let mut e = engine.lock().unwrap();
        for i in 0..20_000 {
            let record = crate::topics::Record::new(None, Some(format!("{{\"V\":{i}}}").into_bytes()), i);
            e.produce("b", record, None);
        }
    }
    let http2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let query = serde_json::json!({"sql": "SELECT V FROM B EMIT CHANGES LIMIT 20000;",
        "properties": {"auto.offset.reset": "earliest"}});
    let mut r = http2.post(format!("{}/query-stream", handle.url())).body(query.to_string()).send().await.unwrap();
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.expect("the stream is not reset") {
        body.extend_from_slice(&chunk);
        tokio::time::sleep(std::time::Duration::from_micros(200)).await;
    }
    let lines = String::from_utf8(body).unwrap();
    assert_eq!(lines.lines().count(), 20_001, "the header and every row");
}
