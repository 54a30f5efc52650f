//! The client against a tiny in-test HTTP/1.1 server writing raw bytes.

use super::*;
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// What the fake server does with a request.
enum Reply {
    /// Write these bytes, then close the connection.
    Raw(Vec<u8>),
    /// Accept and never answer.
    Stall,
    /// Write the pieces with a pause between them, then close.
    Slow(Vec<Vec<u8>>, Duration),
}

fn json_reply(status: &str, body: &str) -> Reply {
    Reply::Raw(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n\
             {body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A chunked 200 response; `complete` adds the terminating zero chunk.
fn chunked_reply(pieces: &[&str], complete: bool) -> Reply {
    let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ksql.v1+json\r\nTransfer-Encoding: chunked\r\n\
                    Connection: close\r\n\r\n"
        .to_vec();
    for p in pieces {
        out.extend_from_slice(format!("{:x}\r\n{p}\r\n", p.len()).as_bytes());
    }
    if complete {
        out.extend_from_slice(b"0\r\n\r\n");
    }
    Reply::Raw(out)
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

struct FakeServer {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeServer {
    async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut socket).await else { return };
                    log.lock().unwrap().push(req.clone());
                    match handler(&req) {
                        Reply::Raw(bytes) => {
                            let _ = socket.write_all(&bytes).await;
                            let _ = socket.shutdown().await;
                        }
                        Reply::Stall => tokio::time::sleep(Duration::from_secs(30)).await,
                        Reply::Slow(pieces, pause) => {
                            for (i, piece) in pieces.into_iter().enumerate() {
                                if i > 0 {
                                    tokio::time::sleep(pause).await;
                                }
                                if socket.write_all(&piece).await.is_err() {
                                    return;
                                }
                            }
                            let _ = socket.shutdown().await;
                        }
                    }
                });
            }
        });
        FakeServer { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    fn client(&self) -> KsqlClient {
        let mut settings = ConnectionSettings::new(self.url.clone());
        settings.auth = Auth::Basic { username: "key".into(), password: "s3cret".into() };
        settings.request_timeout = Duration::from_millis(1500);
        KsqlClient::new(settings).unwrap()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = socket.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Request { method, path, headers, body: String::from_utf8_lossy(&body).to_string() })
}

fn info_reply(version: &str) -> Reply {
    json_reply(
        "200 OK",
        &format!(
            "{{\"KsqlServerInfo\":{{\"version\":\"{version}\",\"kafkaClusterId\":\"abc\",\
             \"ksqlServiceId\":\"default_\",\"serverStatus\":\"RUNNING\"}}}}"
        ),
    )
}

fn empty() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[tokio::test]
async fn ksql_ok_echoes_command_sequence_number_and_sends_auth() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/ksql" => json_reply(
            "200 OK",
            concat!(
                r#"[{"@type":"currentStatus","#,
                r#""statementText":"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON');","#,
                r#""commandId":"stream/`S`/create","commandStatus":{"status":"SUCCESS","message":"Stream created"},"#,
                r#""commandSequenceNumber":264,"warnings":[]}]"#,
            ),
        ),
        _ => json_reply("404 Not Found", "Not Found"),
    })
    .await;
    let client = server.client();
    let props = BTreeMap::from([("ksql.streams.auto.offset.reset".to_string(), "earliest".to_string())]);
    let vars = BTreeMap::from([("x".to_string(), "1".to_string())]);
    let ctx = RequestContext { properties: &props, session_variables: &vars };
    let entities =
        client.ksql("CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON');", &ctx).await.unwrap();
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].command_sequence_number(), Some(264));
    client.ksql("SHOW STREAMS;", &ctx).await.unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let first = &reqs[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.header("accept"), Some("application/vnd.ksql.v1+json"));
    assert_eq!(first.header("content-type"), Some("application/vnd.ksql.v1+json"));
    // base64("key:s3cret")
    assert_eq!(first.header("authorization"), Some("Basic a2V5OnMzY3JldA=="));
    let body = first.json();
    assert_eq!(body["streamsProperties"]["ksql.streams.auto.offset.reset"], "earliest");
    // Unknown server version: no sessionVariables (servers before 0.18 would ignore them anyway).
    assert!(body.get("sessionVariables").is_none());
    assert!(body.get("commandSequenceNumber").is_none());
    assert_eq!(reqs[1].json()["commandSequenceNumber"], 264);
}

#[tokio::test]
async fn ksql_statement_error() {
    let server = FakeServer::start(|_| {
        json_reply(
            "400 Bad Request",
            concat!(
                r#"{"@type":"statement_error","error_code":40001,"#,
                r#""message":"Could not find STREAM/TABLE 'FOO_TABLE' in the Metastore","#,
                r#""statementText":"DESCRIBE EXTENDED foo_table;","entities":[]}"#,
            ),
        )
    })
    .await;
    let (p, v) = (empty(), empty());
    let err = server
        .client()
        .ksql("DESCRIBE EXTENDED foo_table;", &RequestContext { properties: &p, session_variables: &v })
        .await
        .unwrap_err();
    match err {
        KsqlError::Server { http_status, error_code, statement_text, .. } => {
            assert_eq!(http_status, 400);
            assert_eq!(error_code, Some(40001));
            assert_eq!(statement_text.as_deref(), Some("DESCRIBE EXTENDED foo_table;"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unauthorized_never_shows_the_secret() {
    let server = FakeServer::start(|_| {
        json_reply("401 Unauthorized", r#"{"@type":"generic_error","error_code":40100,"message":"Unauthorized"}"#)
    })
    .await;
    let err = server.client().connect().await.unwrap_err();
    assert!(matches!(err, KsqlError::Unauthorized { .. }), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("s3cret"));
    assert!(!format!("{:?}", server.client()).contains("s3cret"));
}

#[tokio::test]
async fn connection_refused_names_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = KsqlClient::new(ConnectionSettings::new(url.clone())).unwrap();
    let err = client.connect().await.unwrap_err();
    match &err {
        KsqlError::Connect { url: u, .. } => assert_eq!(u, &url),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.hint().unwrap(), format!("Is ksqlDB running at {url}?"));
}

#[tokio::test]
async fn stalled_server_times_out() {
    let server = FakeServer::start(|_| Reply::Stall).await;
    let mut settings = ConnectionSettings::new(server.url.clone());
    settings.request_timeout = Duration::from_millis(300);
    let client = KsqlClient::new(settings).unwrap();
    let err = client.connect().await.unwrap_err();
    assert!(matches!(err, KsqlError::Timeout { .. }), "{err:?}");
    let (p, v) = (empty(), empty());
    let err = client
        .query("SELECT * FROM S EMIT CHANGES;", &RequestContext { properties: &p, session_variables: &v })
        .await
        .unwrap_err();
    assert!(matches!(err, KsqlError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn query_cut_mid_row() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("0.23.1"),
        "/query" => chunked_reply(
            &[
                "[{\"header\":{\"queryId\":\"transient_S_1\",\"schema\":\"`A` INTEGER, `B` DECIMAL(4, 2)\"}},\n\
                 {\"row\":{\"columns\":[1,4.50]}},\n",
                "{\"row\":{\"columns\":[2,",
            ],
            false,
        ),
        _ => json_reply("404 Not Found", "Not Found"),
    })
    .await;
    let client = server.client();
    client.connect().await.unwrap();
    let (p, v) = (empty(), empty());
    let mut q = client
        .query("SELECT * FROM S EMIT CHANGES;", &RequestContext { properties: &p, session_variables: &v })
        .await
        .unwrap();
    assert_eq!(q.endpoint(), "/query");
    assert_eq!(q.query_id(), Some("transient_S_1"));
    assert_eq!(q.header().columns.len(), 2);
    match q.next().await {
        Some(Ok(QueryEvent::Row(r))) => assert_eq!(r.values[1].to_string(), "4.50"),
        other => panic!("{other:?}"),
    }
    match q.next().await {
        Some(Err(KsqlError::Protocol { received, .. })) => {
            assert!(received.contains("{\"row\":{\"columns\":[2,"), "{received}")
        }
        other => panic!("{other:?}"),
    }
    assert!(q.next().await.is_none());
    let req = server.requests().into_iter().find(|r| r.path == "/query").unwrap();
    assert_eq!(req.header("accept"), Some("application/vnd.ksql.v1+json"));
    assert_eq!(req.json()["ksql"], "SELECT * FROM S EMIT CHANGES;");
}

#[tokio::test]
async fn query_stream_http1_on_new_servers_with_session_variables() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("7.5.0"),
        "/query-stream" => chunked_reply(
            &[
                "[{\"header\":{\"queryId\":\"transient_S_2\",\"schema\":\"`A` BIGINT\"}},\n\
                 {\"row\":{\"columns\":[9223372036854775807]}},\n",
                "{\"finalMessage\":\"Limit Reached\"}]",
            ],
            true,
        ),
        _ => json_reply("404 Not Found", "Not Found"),
    })
    .await;
    let client = server.client();
    client.connect().await.unwrap();
    assert!(client.capabilities().session_variables);
    let p = BTreeMap::from([("auto.offset.reset".to_string(), "earliest".to_string())]);
    let v = BTreeMap::from([("x".to_string(), "1".to_string())]);
    let mut q = client
        .query("SELECT * FROM S EMIT CHANGES LIMIT 1;", &RequestContext { properties: &p, session_variables: &v })
        .await
        .unwrap();
    assert_eq!(q.endpoint(), "/query-stream");
    assert!(q.notes().is_empty());
    assert!(matches!(q.next().await, Some(Ok(QueryEvent::Row(r))) if r.values[0].as_i64() == Some(i64::MAX)));
    assert_eq!(q.next().await.unwrap().unwrap(), QueryEvent::Final("Limit Reached".into()));
    assert!(q.next().await.is_none());
    q.close().await.unwrap();
    let req = server.requests().into_iter().find(|r| r.path == "/query-stream").unwrap();
    let body = req.json();
    assert_eq!(body["sql"], "SELECT * FROM S EMIT CHANGES LIMIT 1;");
    assert_eq!(body["properties"]["auto.offset.reset"], "earliest");
    assert_eq!(body["sessionVariables"]["x"], "1");
    assert_eq!(req.header("accept"), Some("application/vnd.ksql.v1+json"));
    // The stream had ended, so no /close-query was needed.
    assert!(!server.requests().iter().any(|r| r.path == "/close-query"));
}

#[tokio::test]
async fn rows_only_queries_ask_new_servers_for_the_delimited_format() {
    for (version, accept) in [("0.29.0", "application/vnd.ksqlapi.delimited.v1"), ("0.23.1", "application/json")] {
        let server = FakeServer::start(move |req| match req.path.as_str() {
            "/info" => info_reply(version),
            "/query-stream" if req.header("accept") == Some("application/vnd.ksqlapi.delimited.v1") => chunked_reply(
                &[
                    "{\"queryId\":\"transient_S_3\",\"columnNames\":[\"A\"],\"columnTypes\":[\"BIGINT\"]}\n",
                    "[12.50]\n[7]\n",
                ],
                true,
            ),
            "/query" => chunked_reply(
                &["[{\"header\":{\"queryId\":\"transient_S_3\",\"schema\":\"`A` BIGINT\"}},\n\
                   {\"row\":{\"columns\":[12.50]}},\n{\"row\":{\"columns\":[7]}}]"],
                true,
            ),
            _ => json_reply("404 Not Found", "Not Found"),
        })
        .await;
        let client = server.client();
        client.connect().await.unwrap();
        let empty = BTreeMap::new();
        let ctx = RequestContext { properties: &empty, session_variables: &empty };
        let mut q = client.query_rows_only("SELECT * FROM S EMIT CHANGES;", &ctx).await.unwrap();
        q.set_raw_rows(true);
        assert_eq!(q.header().closeable_id(), Some("transient_S_3"));
        let mut texts = Vec::new();
        while let Some(event) = q.next().await {
            match event.unwrap() {
                QueryEvent::Rows(batch) => texts.extend(batch.into_rows(0).map(|r| r.values()[0].to_string())),
                QueryEvent::Row(r) => texts.push(r.values[0].to_string()),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(texts, ["12.50", "7"], "{version}");
        let sent = server.requests().into_iter().find(|r| r.path.starts_with("/query")).unwrap();
        let asked = if sent.path == "/query-stream" { sent.header("accept").unwrap_or("") } else { "application/json" };
        assert_eq!(asked, accept, "{version}");
    }
}

#[tokio::test]
async fn close_calls_close_query_for_a_running_push_query() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("0.29.0"),
        "/query-stream" => {
            chunked_reply(&["[{\"header\":{\"queryId\":\"transient_S_3\",\"schema\":\"`A` INTEGER\"}},\n"], false)
        }
        "/close-query" => json_reply("200 OK", ""),
        _ => json_reply("404 Not Found", "Not Found"),
    })
    .await;
    let client = server.client();
    client.connect().await.unwrap();
    let (p, v) = (empty(), empty());
    let q = client
        .query("SELECT * FROM S EMIT CHANGES;", &RequestContext { properties: &p, session_variables: &v })
        .await
        .unwrap();
    q.close().await.unwrap();
    let close = server.requests().into_iter().find(|r| r.path == "/close-query").unwrap();
    assert_eq!(close.json()["queryId"], "transient_S_3");
}

#[tokio::test]
async fn falls_back_to_query_when_query_stream_is_missing() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("7.5.0"),
        "/query-stream" => {
            Reply::Raw(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found".to_vec())
        }
        "/query" => chunked_reply(
            &["[{\"header\":{\"queryId\":\"q\",\"schema\":\"`A` INTEGER\"}},\n{\"row\":{\"columns\":[1]}}]"],
            true,
        ),
        _ => json_reply("404 Not Found", "Not Found"),
    })
    .await;
    let client = server.client();
    client.connect().await.unwrap();
    let (p, v) = (empty(), empty());
    let ctx = RequestContext { properties: &p, session_variables: &v };
    let mut q = client.query("SELECT * FROM T;", &ctx).await.unwrap();
    assert_eq!(q.endpoint(), "/query");
    assert_eq!(q.notes().len(), 1);
    assert!(q.notes()[0].contains("/query"));
    assert!(matches!(q.next().await, Some(Ok(QueryEvent::Row(_)))));
    assert!(q.next().await.is_none());
    // Remembered: the next query goes to /query directly.
    let q2 = client.query("SELECT * FROM T;", &ctx).await.unwrap();
    assert!(q2.notes().is_empty());
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/info", "/query-stream", "/query", "/query"]);
}

#[tokio::test]
async fn query_error_before_header() {
    let server = FakeServer::start(|_| {
        json_reply(
            "400 Bad Request",
            concat!(
                r#"{"@type":"statement_error","error_code":40001,"message":"line 1:1: Syntax Error","#,
                r#""statementText":"SELEC 1;","entities":[]}"#,
            ),
        )
    })
    .await;
    let (p, v) = (empty(), empty());
    let err =
        server.client().query("SELEC 1;", &RequestContext { properties: &p, session_variables: &v }).await.unwrap_err();
    assert_eq!(err.error_code(), Some(40001));
}

#[tokio::test]
async fn print_lines() {
    let server = FakeServer::start(|_| {
        chunked_reply(
            &[
                "Key format: KAFKA_STRING\r\nValue format: JSON\r\n\r\n",
                "rowtime: 2022/12/02 17:22:02.556 Z, key: 18, value: {\"a\":1}, partition: 0\n",
            ],
            true,
        )
    })
    .await;
    let (p, v) = (empty(), empty());
    let mut s = server
        .client()
        .print("PRINT 'orders' FROM BEGINNING;", &RequestContext { properties: &p, session_variables: &v })
        .await
        .unwrap();
    let mut lines = Vec::new();
    while let Some(line) = s.next_line().await {
        lines.push(line.unwrap());
    }
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1], "Value format: JSON");
    s.close().await;
}

#[test]
fn credentials_in_the_url_move_to_basic_auth() {
    let client = KsqlClient::new(ConnectionSettings::new("https://key:secret@pksqlc-1.confluent.cloud:443/")).unwrap();
    assert_eq!(client.url(), "https://pksqlc-1.confluent.cloud");
    assert!(!format!("{client:?}").contains("secret"));
    let settings =
        ConnectionSettings { auth: Auth::Bearer { token: "tok123".into() }, ..ConnectionSettings::new("http://h:1") };
    assert!(!format!("{settings:?}").contains("tok123"));
    assert!(matches!(KsqlClient::new(ConnectionSettings::new("ftp://x")), Err(KsqlError::InvalidSettings { .. })));
    let mut bad = ConnectionSettings::new("https://x");
    bad.tls.ca_file = Some("/nonexistent/ca.pem".into());
    assert!(matches!(KsqlClient::new(bad), Err(KsqlError::InvalidSettings { .. })));
}

fn redirect_reply(location: &str) -> Reply {
    Reply::Raw(
        format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes(),
    )
}

/// A (the configured server) → B (another origin) → B: no request reaches B, so B never sees
/// the credentials, and the caller gets the 3xx explained.
#[tokio::test]
async fn redirects_to_another_origin_are_not_followed() {
    let b = FakeServer::start(|req| match req.path.as_str() {
        "/first" => redirect_reply("/ksql"),
        _ => json_reply("200 OK", "[]"),
    })
    .await;
    let b_url = b.url.clone();
    let a = FakeServer::start(move |_| redirect_reply(&format!("{b_url}/first"))).await;
    let client = a.client();
    let e = client.ksql("SHOW STREAMS;", &RequestContext { properties: &empty(), session_variables: &empty() }).await;
    let e = e.unwrap_err();
    assert_eq!(e.http_status(), Some(307), "{e:?}");
    assert!(e.hint().unwrap_or_default().contains("same scheme, host and port"), "{e:?}");
    assert!(b.requests().is_empty(), "B was reached: {:?}", b.requests());
    assert!(!format!("{e} {e:?}").contains("s3cret"));
}

/// Same-origin redirects (another path on the configured server) are followed.
#[tokio::test]
async fn redirects_within_the_same_origin_are_followed() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/ksql" => redirect_reply("/v2/ksql"),
        "/v2/ksql" => json_reply("200 OK", "[]"),
        _ => json_reply("404 Not Found", "Not Found"),
    })
    .await;
    let client = server.client();
    let entities = client
        .ksql("SHOW STREAMS;", &RequestContext { properties: &empty(), session_variables: &empty() })
        .await
        .unwrap();
    assert!(entities.is_empty());
    let reqs = server.requests();
    assert_eq!(reqs.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["/ksql", "/v2/ksql"]);
    assert!(reqs.iter().all(|r| r.header("authorization") == Some("Basic a2V5OnMzY3JldA==")));
}

const QUERY_STREAM_HEAD: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ksqlapi.delimited.v1\r\nConnection: close\r\n\r\n";

async fn pull(client: &KsqlClient) -> Result<QueryStream, KsqlError> {
    let (p, v) = (empty(), empty());
    client.query("SELECT * FROM T;", &RequestContext { properties: &p, session_variables: &v }).await
}

/// A row that never ends is cut at the limit with an error that says how much arrived.
#[tokio::test]
async fn an_endless_row_is_cut_at_the_row_limit() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("0.29.0"),
        _ => {
            let mut body = QUERY_STREAM_HEAD.as_bytes().to_vec();
            body.extend_from_slice(b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"STRING\"]}\n[\"");
            body.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
            Reply::Raw(body)
        }
    })
    .await;
    let mut settings = ConnectionSettings::new(server.url.clone());
    settings.max_row_bytes = 1024 * 1024;
    let client = KsqlClient::new(settings).unwrap();
    client.connect().await.unwrap();
    let mut q = pull(&client).await.unwrap();
    let e = match q.next().await {
        Some(Err(e)) => e.to_string(),
        other => panic!("{other:?}"),
    };
    assert!(e.contains("larger than the limit of 1 MB"), "{e}");
    assert!(e.contains("arrived without its end") && e.contains("KSQLDB_MAX_ROW_BYTES"), "{e}");
    assert!(q.next().await.is_none());
}

/// The stall timer counts bytes: a big row that arrives slowly is not a stall; silence is.
#[tokio::test]
async fn the_stall_timer_counts_bytes_not_rows() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("0.29.0"),
        "/query-stream" if req.body.contains("SLOW") => {
            let mut pieces = vec![format!(
                "{QUERY_STREAM_HEAD}{{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"STRING\"]}}\n[\""
            )
            .into_bytes()];
            pieces.extend((0..10).map(|_| vec![b'y'; 1000]));
            pieces.push(b"\"]\n".to_vec());
            Reply::Slow(pieces, Duration::from_millis(100))
        }
        _ => Reply::Slow(
            vec![
                format!(
                    "{QUERY_STREAM_HEAD}{{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"STRING\"]}}\n"
                )
                .into_bytes(),
                vec![],
            ],
            Duration::from_secs(5),
        ),
    })
    .await;
    let mut settings = ConnectionSettings::new(server.url.clone());
    settings.request_timeout = Duration::from_millis(400);
    let client = KsqlClient::new(settings).unwrap();
    client.connect().await.unwrap();
    let (p, v) = (empty(), empty());
    let ctx = RequestContext { properties: &p, session_variables: &v };
    let mut q = client.query("SELECT * FROM SLOW;", &ctx).await.unwrap();
    q.set_stall_timeout(Duration::from_millis(400));
    match q.next().await {
        Some(Ok(QueryEvent::Row(r))) => assert_eq!(r.values[0].as_str().map(str::len), Some(10_000)),
        other => panic!("a slow row (1.1 s in all, a byte every 100 ms) is not a stall: {other:?}"),
    }
    let mut q = client.query("SELECT * FROM SILENT;", &ctx).await.unwrap();
    q.set_stall_timeout(Duration::from_millis(400));
    let started = std::time::Instant::now();
    match q.next().await {
        Some(Err(e @ KsqlError::Timeout { .. })) => assert!(e.to_string().contains("sent nothing more after"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Non-streaming bodies are capped too: a huge announced /ksql body, an endless /info.
#[tokio::test]
async fn non_streaming_bodies_are_capped() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => {
            let mut body = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n\
                             {\"KsqlServerInfo\":{\"version\":\""
                .to_vec();
            body.extend(std::iter::repeat_n(b'9', 2 * 1024 * 1024));
            Reply::Raw(body)
        }
        _ => Reply::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900000000\r\n\r\n[".to_vec(),
        ),
    })
    .await;
    let client = server.client();
    let e = client.info().await.unwrap_err().to_string();
    assert!(e.contains("larger than 1 MB"), "{e}");
    let e = client
        .ksql("SHOW STREAMS;", &RequestContext { properties: &empty(), session_variables: &empty() })
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("larger than 128 MB"), "{e}");
}

/// The format comes from the response: a server that answers the delimited format where the
/// StreamedRow array was asked for is read correctly.
#[tokio::test]
async fn the_row_format_follows_the_response_not_the_request() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/info" => info_reply("0.23.1"),
        _ => Reply::Raw(
            format!(
                "{QUERY_STREAM_HEAD}{{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}}\n\
                 [7]\n[8]\n"
            )
            .into_bytes(),
        ),
    })
    .await;
    let client = server.client();
    client.connect().await.unwrap();
    let mut q = pull(&client).await.unwrap();
    assert_eq!(q.endpoint(), "/query");
    let mut values = Vec::new();
    while let Some(event) = q.next().await {
        match event.unwrap() {
            QueryEvent::Row(r) => values.push(r.values[0].to_string()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(values, ["7", "8"]);
    let req = server.requests().into_iter().find(|r| r.path == "/query").unwrap();
    assert_eq!(req.header("accept"), Some("application/vnd.ksql.v1+json"));
}
