//! /inserts-stream over HTTP/2 with many rows in one piece: the rows already read are
//! inserted together, so their acks, order, errors and odd lines are checked here.

use serde_json::Value as J;

use crate::engine::Session;

/// Posts one body to /inserts-stream (HTTP/2) and returns the response's text.
async fn post_rows(url: &str, body: Vec<u8>, json_array: bool) -> String {
    let client = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let accept = if json_array { "application/json" } else { "application/vnd.ksqlapi.delimited.v1" };
    let r = client.post(format!("{url}/inserts-stream")).header("accept", accept).body(body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

/// 3 000 rows in one piece (acks past one batch), blank lines between them, a string with a
/// byte that is not UTF-8, a last line without its newline: every row in order, one ack
/// each in sequence. Then a bad row in the middle of a piece: the rows before it are kept,
/// its error ack carries its seq, nothing after it is inserted, and the JSON array closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_read_together_are_inserted_in_order_and_stop_at_an_error() {
    let handle = crate::start_in_process().await.unwrap();
    let engine = handle.engine();
    let ddl = "CREATE STREAM S (ID INT KEY, NAME STRING) WITH (kafka_topic='s', value_format='json', partitions=1);";
    engine.lock().unwrap().execute(ddl, &mut Session::default()).unwrap();

    let mut body = b"{\"target\":\"s\"}\n".to_vec();
    for i in 0..3_000 {
        body.extend_from_slice(format!("{{\"ID\":{i},\"NAME\":\"n{i}\"}}\n").as_bytes());
        if i % 1000 == 0 {
            body.extend_from_slice(b"\n  \r\n");
        }
    }
    body.extend_from_slice(b"{\"ID\":3000,\"NAME\":\"bad \xff byte\"}");
    let text = post_rows(handle.url(), body, false).await;
    let acks: Vec<J> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(acks.len(), 3_001, "{}", &text[text.len().saturating_sub(300)..]);
    for (seq, ack) in acks.iter().enumerate() {
        assert_eq!((ack["status"].as_str(), ack["seq"].as_u64()), (Some("ok"), Some(seq as u64)), "{ack}");
    }
    let records = engine.lock().unwrap().topic_records("s");
    assert_eq!(records.len(), 3_001);
    let value = |i: usize| String::from_utf8_lossy(records[i].value().unwrap()).into_owned();
    assert_eq!(value(0), r#"{"NAME":"n0"}"#);
    assert_eq!(value(2_999), r#"{"NAME":"n2999"}"#);
    assert_eq!(value(3_000), "{\"NAME\":\"bad \u{FFFD} byte\"}");

    let mut body = b"{\"target\":\"S\"}\n".to_vec();
    for i in 0..10 {
        let line = if i == 6 { "{\"ID\":\"six\",\"NAME\":\"x\"}\n".to_string() } else { format!("{{\"ID\":{i}}}\n") };
        body.extend_from_slice(line.as_bytes());
    }
    let text = post_rows(handle.url(), body, true).await;
    let acks: Vec<J> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(acks.len(), 7, "{text}");
    assert!(acks[..6].iter().all(|a| a["status"] == "ok"), "{text}");
    assert_eq!((acks[6]["status"].as_str(), acks[6]["seq"].as_u64()), (Some("error"), Some(6)), "{text}");
    assert!(acks[6]["message"].as_str().is_some_and(|m| !m.is_empty()), "{text}");
    assert_eq!(engine.lock().unwrap().topic_records("s").len(), 3_001 + 6);
}
