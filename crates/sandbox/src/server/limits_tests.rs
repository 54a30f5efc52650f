//! The server's limits over HTTP: who may call it (Host, Origin, Content-Type), body and
//! header limits, and push query clients that stop reading.

use std::time::{Duration, Instant};

use serde_json::{json, Value as J};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Options;
use crate::engine::Session;
use crate::topics::{Record, Retention};

/// Sends raw HTTP/1.1 bytes and reads until the server closes or `wait` passes.
async fn raw(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn post(host: &str, path: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn status_and_json(response: &str) -> (u16, J) {
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(J::String(body.to_string())))
}

const CREATE: &str =
    r#"{"ksql":"CREATE STREAM S (V STRING) WITH (kafka_topic='s', value_format='json', partitions=1);"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_pages_cannot_drive_the_sandbox() {
    let handle = crate::start(Options { allowed_origins: vec!["http://localhost:8888".into()], ..Options::default() })
        .await
        .unwrap();
    let addr = handle.addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let wait = Duration::from_secs(5);

    // A cross-site "simple" POST: text/plain needs no CORS preflight.
    let (status, body) =
        status_and_json(&raw(addr, &post(&host, "/ksql", "Content-Type: text/plain\r\n", CREATE), wait).await);
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["@type"], "generic_error");
    assert_eq!(body["error_code"], 41500);
    assert!(body["message"].as_str().unwrap().contains("text/plain"), "{body}");
    // Form posts too.
    let form = post(&host, "/ksql", "Content-Type: application/x-www-form-urlencoded\r\n", CREATE);
    assert_eq!(status_and_json(&raw(addr, &form, wait).await).0, 415);

    // A page's own origin, even with a JSON body.
    let evil = post(&host, "/ksql", "Content-Type: application/json\r\nOrigin: https://attacker.example\r\n", CREATE);
    let (status, body) = status_and_json(&raw(addr, &evil, wait).await);
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error_code"], 40300);
    assert!(body["message"].as_str().unwrap().contains("Origin 'https://attacker.example'"), "{body}");

    // DNS rebinding: the page's host name resolving to 127.0.0.1.
    let rebound = post("attacker.example:8088", "/ksql", "Content-Type: application/json\r\n", CREATE);
    let (status, body) = status_and_json(&raw(addr, &rebound, wait).await);
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("Host 'attacker.example:8088'"), "{body}");
    let rebound_get = "GET /info HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n";
    assert_eq!(status_and_json(&raw(addr, rebound_get.as_bytes(), wait).await).0, 403);

    // None of those created anything.
    assert!(handle.engine().lock().unwrap().catalog.get("S").is_none());

    // The allowed origin, loopback host names, and a POST without Content-Type are served.
    let allowed = post(&host, "/ksql", "Content-Type: application/json\r\nOrigin: http://localhost:8888\r\n", CREATE);
    assert_eq!(status_and_json(&raw(addr, &allowed, wait).await).0, 200);
    for (h, ct) in [
        (format!("localhost:{}", addr.port()), ""),
        ("[::1]".to_string(), "Content-Type: application/vnd.ksql.v1+json; charset=utf-8\r\n"),
    ] {
        let list = post(&h, "/ksql", ct, r#"{"ksql":"LIST STREAMS;"}"#);
        let (status, body) = status_and_json(&raw(addr, &list, wait).await);
        assert_eq!(status, 200, "{h}: {body}");
    }
    // Our own client (the kernel's) is served, as in client_tests.
    let client = ksqldb_client::KsqlClient::new(ksqldb_client::ConnectionSettings::new(handle.url())).unwrap();
    client.connect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_headers_are_bounded() {
    let handle = crate::start(Options { header_timeout: Duration::from_secs(1), ..Options::default() }).await.unwrap();
    let addr = handle.addr();
    let host = format!("127.0.0.1:{}", addr.port());

    // A declared length over the limit is refused before the body is read.
    let head = format!(
        "POST /ksql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        super::MAX_BODY_BYTES + 1
    );
    let (status, body) = status_and_json(&raw(addr, head.as_bytes(), Duration::from_secs(5)).await);
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error_code"], 41300);

    // A chunked body that grows past the limit.
    let big = format!(r#"{{"ksql":"{}"}}"#, "x".repeat(super::MAX_BODY_BYTES));
    let r = reqwest::Client::new()
        .post(format!("{}/ksql", handle.url()))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            big.into_bytes().chunks(1 << 20).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>(),
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);

    // Partial headers: the connection is closed after the header timeout.
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /ksql HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    assert!(started.elapsed() < Duration::from_secs(5), "closed only after {:?}", started.elapsed());

    // An idle keep-alive connection is closed too.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET /info HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the idle connection was still open after 10 s");
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
}

fn kilobyte_row(i: usize) -> Record {
    let value = format!(r#"{{"V":"{i:06}{}"}}"#, "x".repeat(1000)).into_bytes();
    Record::new(None, Some(value), i as i64)
}

/// 20 clients that stop reading and 200,000 rows of 1 KB: what waits for them stays bounded,
/// their queries are closed, and a fresh query still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_are_bounded_and_closed() {
    let retention = Retention { records: 20_000, bytes: 16 << 20, ms: None };
    let handle = crate::start(Options {
        retention,
        total_retention_bytes: 32 << 20,
        stall_limit: Duration::from_secs(1),
        ..Options::default()
    })
    .await
    .unwrap();
    let addr = handle.addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let engine = handle.engine();
    engine
        .lock()
        .unwrap()
        .execute(
            "CREATE STREAM S (V STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
            &mut Session::default(),
        )
        .unwrap();

    // Clients that send a push query, then never read.
    let query = post(
        &host,
        "/query",
        "Content-Type: application/vnd.ksql.v1+json\r\nAccept: application/vnd.ksql.v1+json\r\n",
        r#"{"ksql":"SELECT * FROM S EMIT CHANGES;","streamsProperties":{}}"#,
    );
    let mut stuck = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&query).await.unwrap();
        stuck.push(s);
    }
    let running = |engine: &super::SharedEngine| engine.lock().unwrap().push_query_count();
    let deadline = Instant::now() + Duration::from_secs(10);
    while running(&engine) < 20 {
        assert!(Instant::now() < deadline, "the push queries did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let mut most_queued = 0u64;
    for batch in 0..200 {
        {
            let mut e = engine.lock().unwrap();
            for i in 0..1000 {
                e.produce("s", kilobyte_row(batch * 1000 + i), None);
            }
            assert!(e.topics.total_bytes() <= 32 << 20, "topics hold {} bytes", e.topics.total_bytes());
        }
        most_queued = most_queued.max(handle.queued_bytes());
        tokio::task::yield_now().await;
    }
    eprintln!(
        "20 stuck clients, 200,000 rows of 1 KB: at most {most_queued} bytes queued; {}; RSS {} MiB",
        engine.lock().unwrap().topics.get("s").unwrap().retention_summary(),
        std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(0, |pages| (pages * 4096) >> 20)
    );
    // Each stuck client holds at most its queue (the rest waits in the socket buffers).
    assert!(most_queued <= 20 * super::stream::QUEUE_BYTES as u64, "{most_queued} bytes queued");
    {
        let e = engine.lock().unwrap();
        let t = e.topics.get("s").unwrap();
        assert!(t.log.len() <= 20_000 && t.bytes <= 16 << 20, "{}", t.retention_summary());
        assert_eq!(t.partitions[0].end, 200_000, "offsets continue past retention");
    }

    // The stuck queries fell behind retention (or stalled) and are closed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while running(&engine) > 0 {
        assert!(Instant::now() < deadline, "{} stuck push queries still running", running(&engine));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One of them, reading now, finds the error at the end of what was queued.
    let mut text = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stuck[0].read_to_end(&mut text)).await;
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("was closed because its client is too slow"), "{}", &text[text.len().saturating_sub(500)..]);

    // A fresh push query works.
    let client = ksqldb_client::KsqlClient::new(ksqldb_client::ConnectionSettings::new(handle.url())).unwrap();
    let props = Default::default();
    let vars = Default::default();
    let ctx = ksqldb_client::RequestContext { properties: &props, session_variables: &vars };
    let mut q = client.query("SELECT V FROM S EMIT CHANGES LIMIT 2;", &ctx).await.unwrap();
    {
        let mut e = engine.lock().unwrap();
        e.produce("s", kilobyte_row(1), None);
        e.produce("s", kilobyte_row(2), None);
    }
    let mut rows = 0;
    while let Some(ev) = tokio::time::timeout(Duration::from_secs(5), q.next()).await.unwrap() {
        if let ksqldb_client::QueryEvent::Row(_) = ev.unwrap() {
            rows += 1;
        }
    }
    assert_eq!(rows, 2);
}

/// A client that reads, even with pauses shorter than the stall limit, gets every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_is_not_closed() {
    let handle = crate::start(Options { stall_limit: Duration::from_secs(2), ..Options::default() }).await.unwrap();
    let engine = handle.engine();
    engine
        .lock()
        .unwrap()
        .execute(
            "CREATE STREAM S (V STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
            &mut Session::default(),
        )
        .unwrap();
    let client = ksqldb_client::KsqlClient::new(ksqldb_client::ConnectionSettings::new(handle.url())).unwrap();
    let props = Default::default();
    let vars = Default::default();
    let ctx = ksqldb_client::RequestContext { properties: &props, session_variables: &vars };
    let mut q = client.query("SELECT V FROM S EMIT CHANGES;", &ctx).await.unwrap();
    {
        let mut e = engine.lock().unwrap();
        for i in 0..30_000 {
            e.produce("s", kilobyte_row(i), None);
        }
    }
    let mut rows = 0;
    while rows < 30_000 {
        match tokio::time::timeout(Duration::from_secs(10), q.next()).await.unwrap() {
            Some(Ok(ksqldb_client::QueryEvent::Row(_))) => rows += 1,
            other => panic!("after {rows} rows: {other:?}"),
        }
        if rows % 10_000 == 0 {
            tokio::time::sleep(Duration::from_millis(1200)).await;
        }
    }
    q.close().await.unwrap();
}

/// LIMIT 1 from the beginning of a big topic answers at once, reading one record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_1_from_earliest_reads_one_record() {
    let handle = crate::start_in_process().await.unwrap();
    let engine = handle.engine();
    {
        let mut e = engine.lock().unwrap();
        e.execute(
            "CREATE STREAM S (V STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
            &mut Session::default(),
        )
        .unwrap();
        for i in 0..50_000 {
            e.produce("s", kilobyte_row(i), None);
        }
    }
    let body =
        json!({"ksql":"SELECT V FROM S EMIT CHANGES LIMIT 1;","streamsProperties":{"auto.offset.reset":"earliest"}});
    let started = Instant::now();
    let r = reqwest::Client::new()
        .post(format!("{}/query", handle.url()))
        .header("accept", "application/vnd.ksql.v1+json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("000000x") && text.contains("Limit Reached"), "{text}");
    assert!(!text.contains("000001x"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

/// /inserts-stream acknowledges each row while the request is still open (rows that arrive
/// together in one piece), and refuses a line over the limit instead of buffering it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_stream_is_streamed_with_a_line_limit() {
    let handle = crate::start_in_process().await.unwrap();
    let engine = handle.engine();
    engine
        .lock()
        .unwrap()
        .execute(
            "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);",
            &mut Session::default(),
        )
        .unwrap();
    let client = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let url = format!("{}/inserts-stream", handle.url());
    let streamed = |rx: tokio::sync::mpsc::Receiver<Vec<u8>>| {
        reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
        }))
    };

    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    tx.send(b"{\"target\":\"S\"}\n{\"V\":1}\n".to_vec()).await.unwrap();
    let mut r = client
        .post(&url)
        .header("content-type", "application/vnd.ksqlapi.delimited.v1")
        .body(streamed(rx))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ack = tokio::time::timeout(Duration::from_secs(5), r.chunk()).await.unwrap().unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&ack), "{\"status\":\"ok\",\"seq\":0}\n");
    assert_eq!(engine.lock().unwrap().topic_records("s").len(), 1, "inserted before the request ended");
    tx.send(b"{\"V\":2}\n".to_vec()).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(5), r.chunk()).await.unwrap().unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&ack), "{\"status\":\"ok\",\"seq\":1}\n");
    // Rows that arrive together are acknowledged together, in one piece.
    tx.send(b"{\"V\":3}\n{\"V\":4}\n{\"V\":5}\n".to_vec()).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(5), r.chunk()).await.unwrap().unwrap().unwrap();
    let want = "{\"status\":\"ok\",\"seq\":2}\n{\"status\":\"ok\",\"seq\":3}\n{\"status\":\"ok\",\"seq\":4}\n";
    assert_eq!(String::from_utf8_lossy(&ack), want);
    drop(tx);
    // The response ends with the request (h2 may close it with an empty DATA frame).
    let rest = tokio::time::timeout(Duration::from_secs(5), r.bytes()).await.unwrap().unwrap();
    assert!(rest.is_empty(), "{rest:?}");

    // A line over the limit: an error ack, and the stream stops.
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    tx.send(b"{\"target\":\"S\"}\n".to_vec()).await.unwrap();
    let r = client.post(&url).body(streamed(rx)).send().await.unwrap();
    let feeder = tokio::spawn(async move {
        for _ in 0..=super::inserts::MAX_LINE_BYTES / (1 << 20) + 1 {
            if tx.send(vec![b' '; 1 << 20]).await.is_err() {
                break;
            }
        }
        // Keep the request open: the server must answer without waiting for its end.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let text = tokio::time::timeout(Duration::from_secs(10), r.text()).await.unwrap().unwrap_or_default();
    feeder.abort();
    let ack: J = serde_json::from_str(text.trim()).unwrap_or(J::String(text.clone()));
    assert_eq!(ack["status"], "error", "{text}");
    assert!(ack["message"].as_str().unwrap_or("").contains("larger than"), "{text}");
    assert_eq!(engine.lock().unwrap().topic_records("s").len(), 5);
}

/// `/inserts-stream` needs HTTP/2, as in ksqlDB; an HTTP/1.1 request that offers the upgrade
/// (`Upgrade: h2c`, as ksql-python sends it, which Vert.x would accept) is served as it came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_stream_over_http1_only_when_http2_is_offered() {
    let handle = crate::start(Options::default()).await.unwrap();
    let (addr, host) = (handle.addr(), format!("127.0.0.1:{}", handle.addr().port()));
    let (status, _) = status_and_json(
        &raw(addr, &post(&host, "/ksql", "Content-Type: application/json\r\n", CREATE), Duration::from_secs(5)).await,
    );
    assert_eq!(status, 200);
    let rows = "{\"target\":\"S\"}\n{\"V\":\"a\"}\n{\"V\":\"b\"}\n";
    let plain = raw(addr, &post(&host, "/inserts-stream", "", rows), Duration::from_secs(5)).await;
    let (status, body) = status_and_json(&plain);
    assert_eq!((status, body["error_code"].clone()), (400, json!(40004)), "{plain}");
    let offer = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n";
    let upgraded = raw(addr, &post(&host, "/inserts-stream", offer, rows), Duration::from_secs(5)).await;
    assert!(upgraded.starts_with("HTTP/1.1 200"), "{upgraded}");
    assert!(upgraded.contains(r#"{"status":"ok","seq":0}"#) && upgraded.contains(r#""seq":1"#), "{upgraded}");
    assert_eq!(handle.engine().lock().unwrap().topic_records("s").len(), 2);
}
