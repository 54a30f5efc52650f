//! Exact-byte checks of the fake server over raw HTTP/1.1 (std::net::TcpStream).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    _dir: Option<std::path::PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str], scenario: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fake-ksqldb"));
    cmd.args(args);
    let mut dir = None;
    if let Some(sc) = scenario {
        let d = std::env::temp_dir().join(format!(
            "fake-ksqldb-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("scenario.json");
        std::fs::write(&p, sc).unwrap();
        cmd.arg("--scenario").arg(&p);
        dir = Some(d);
    }
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn fake-ksqldb");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    Server { child, port, _dir: dir }
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
    /// The chunked body ended with the terminating zero-size chunk.
    complete: bool,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

fn send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s
}

/// Reads the whole response (until EOF or `deadline`), decoding chunked framing.
fn read_reply(mut s: TcpStream, deadline: Duration) -> Reply {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let start = Instant::now();
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    while start.elapsed() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("no header end");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let rest = &raw[split + 4..];
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    if !chunked {
        return Reply { status, head, body: rest.to_vec(), complete: true };
    }
    let mut body = Vec::new();
    let mut i = 0;
    let mut complete = false;
    while let Some(p) = rest[i..].windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&rest[i..i + p]).unwrap().trim(), 16).unwrap();
        i += p + 2;
        if size == 0 {
            complete = true;
            break;
        }
        let end = (i + size).min(rest.len());
        body.extend_from_slice(&rest[i..end]);
        i = end + 2;
        if i > rest.len() {
            break;
        }
    }
    Reply { status, head, body, complete }
}

fn call(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    read_reply(send(port, method, path, headers, body), Duration::from_secs(10))
}

const V1: (&str, &str) = ("Accept", "application/vnd.ksql.v1+json");
const CT: (&str, &str) = ("Content-Type", "application/vnd.ksql.v1+json");

const SCENARIO: &str = concat!(
    r#"{
 "idle_newline_ms": 100,
 "queries": [
  {"match":"SELECT * FROM PAGEVIEWS EMIT CHANGES LIMIT 2","query_id":"XYZ",
   "columns":[{"name":"USERID","type":"STRING","key":true},{"name":"PAGEID","type":"STRING"},"#,
    r#"{"name":"VIEWTIME","type":"BIGINT"}],
   "rows":[["USER_1","PAGE_1",1],["USER_2","PAGE_2",2],["USER_3","PAGE_3",3]]},
  {"match":"SELECT * FROM PAGEVIEWS EMIT CHANGES","source":"PAGEVIEWS",
   "columns":[{"name":"USERID","type":"STRING","key":true},{"name":"VIEWTIME","type":"BIGINT"}],
   "rows":[["USER_1",1]]},
  {"match":"SELECT * FROM T","query_id":"XYZ","table":true,
   "columns":[{"name":"USERID","type":"STRING","key":true},{"name":"COUNT","type":"BIGINT"}],
   "rows":[["USER_1",1],["USER_2",4.50]]},
  {"match":"SELECT * FROM T EMIT CHANGES LIMIT 3","query_id":"XYZ","table":true,
   "columns":[{"name":"VAL","type":"STRING"}],
   "rows":[["a"],{"columns":[null],"tombstone":true},["b"]]},
  {"match":"SELECT * FROM E EMIT CHANGES","query_id":"XYZ",
   "columns":[{"name":"V","type":"INTEGER"}], "rows":[[1],[2],[3]],
   "fault":{"after_rows":1,"kind":"error","message":"boom"}},
  {"match":"SELECT * FROM C EMIT CHANGES","query_id":"XYZ",
   "columns":[{"name":"V","type":"STRING"}], "rows":[["aaaaaaaaaa"],["bbbbbbbbbb"]],
   "fault":{"after_rows":1,"kind":"cut"}}
 ],
 "rows_generator": {"match":"SELECT * FROM BIG EMIT CHANGES","count":200000,"end":"complete",
   "columns":[{"name":"ID","type":"BIGINT"},{"name":"NAME","type":"STRING"}]}
}"#
);

#[test]
fn current_query_push_limit_exact_bytes() {
    let s = start(&["--generation", "current"], Some(SCENARIO));
    let r = call(
        s.port,
        "POST",
        "/query",
        &[V1, CT],
        r#"{"ksql":"SELECT * FROM PAGEVIEWS EMIT CHANGES LIMIT 2;","streamsProperties":{}}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(r.header("content-type").as_deref(), Some("application/vnd.ksql.v1+json"));
    assert!(r.complete);
    assert_eq!(
        r.text(),
        "[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`USERID` STRING, `PAGEID` STRING, `VIEWTIME` BIGINT\"}},\n\
         {\"row\":{\"columns\":[\"USER_1\",\"PAGE_1\",1]}},\n\
         {\"row\":{\"columns\":[\"USER_2\",\"PAGE_2\",2]}},\n\
         {\"finalMessage\":\"Limit Reached\"}]"
    );
    // */* gets the delimited format on the migrated /query.
    let r = call(
        s.port,
        "POST",
        "/query",
        &[("Accept", "*/*"), CT],
        r#"{"ksql":"SELECT * FROM PAGEVIEWS EMIT CHANGES LIMIT 2;"}"#,
    );
    assert_eq!(r.header("content-type").as_deref(), Some("application/vnd.ksqlapi.delimited.v1"));
    assert_eq!(
        r.text(),
        "{\"queryId\":\"XYZ\",\"columnNames\":[\"USERID\",\"PAGEID\",\"VIEWTIME\"],\"columnTypes\":[\"STRING\",\
         \"STRING\",\"BIGINT\"]}\n[\"USER_1\",\"PAGE_1\",1]\n[\"USER_2\",\"PAGE_2\",2]\n"
    );
    // Generated transient id.
    let st = send(s.port, "POST", "/query", &[V1, CT], r#"{"ksql":"SELECT * FROM PAGEVIEWS EMIT CHANGES;"}"#);
    let r = read_reply(st, Duration::from_millis(400));
    assert!(r.text().starts_with("[{\"header\":{\"queryId\":\"transient_PAGEVIEWS_"), "{}", r.text());
    assert!(
        r.text()
            .ends_with("\"schema\":\"`USERID` STRING, `VIEWTIME` BIGINT\"}},\n{\"row\":{\"columns\":[\"USER_1\",1]}}"),
        "{}",
        r.text()
    );
    assert!(!r.complete);
}

#[test]
fn current_pull_table_and_tombstones_and_json() {
    let s = start(&[], Some(SCENARIO));
    let r = call(s.port, "POST", "/query", &[V1, CT], r#"{"ksql":"select * from t;"}"#);
    assert_eq!(
        r.text(),
        "[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`USERID` STRING KEY, `COUNT` BIGINT\"}},\n\
         {\"row\":{\"columns\":[\"USER_1\",1]}},\n{\"row\":{\"columns\":[\"USER_2\",4.50]}}]"
    );
    let r = call(s.port, "POST", "/query-stream", &[V1, CT], r#"{"sql":"SELECT * FROM T EMIT CHANGES LIMIT 3;"}"#);
    assert_eq!(
        r.text(),
        "[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`VAL` STRING\"}},\n{\"row\":{\"columns\":[\"a\"]}},\n\
         {\"row\":{\"columns\":[null]},\"tombstone\":true},\n{\"row\":{\"columns\":[\"b\"]}},\n\
         {\"finalMessage\":\"Limit Reached\"}]"
    );
    let r = call(
        s.port,
        "POST",
        "/query-stream",
        &[("Accept", "application/json"), CT],
        r#"{"sql":"SELECT * FROM T EMIT CHANGES LIMIT 3;"}"#,
    );
    assert_eq!(
        r.text(),
        "[{\"queryId\":\"XYZ\",\"columnNames\":[\"VAL\"],\"columnTypes\":[\"STRING\"]},[\"a\"],[\"b\"]]"
    );
    let r = call(s.port, "GET", "/nope", &[], "");
    assert_eq!((r.status, r.text().as_str()), (404, "Not Found"));
}

#[test]
fn jetty_framing_idle_newlines_and_404() {
    let s = start(&["--generation", "jetty"], Some(SCENARIO));
    let r = call(s.port, "POST", "/query", &[V1, CT], r#"{"ksql":"SELECT * FROM PAGEVIEWS EMIT CHANGES LIMIT 2;"}"#);
    assert_eq!(r.header("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(
        r.text(),
        "[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`USERID` STRING, `PAGEID` STRING, `VIEWTIME` BIGINT\"}},\n\
         {\"row\":{\"columns\":[\"USER_1\",\"PAGE_1\",1]}},\n\
         {\"row\":{\"columns\":[\"USER_2\",\"PAGE_2\",2]}},\n\
         {\"finalMessage\":\"Limit Reached\"}]\n"
    );
    // Push header id "none", then a lone newline every 100 ms while idle.
    let st = send(s.port, "POST", "/query", &[V1, CT], r#"{"ksql":"SELECT * FROM PAGEVIEWS EMIT CHANGES;"}"#);
    let r = read_reply(st, Duration::from_millis(450));
    let t = r.text();
    let expect = "[{\"header\":{\"queryId\":\"none\",\"schema\":\"`USERID` STRING, `VIEWTIME` BIGINT\"}},\n\
                  {\"row\":{\"columns\":[\"USER_1\",1]}},\n";
    assert!(t.starts_with(expect), "{t:?}");
    let idle = &t[expect.len()..];
    assert!(idle.len() >= 3 && idle.bytes().all(|b| b == b'\n'), "{idle:?}");
    // Mid-stream error: \n ERRORROW ,\n and no closing bracket.
    let r = call(s.port, "POST", "/query", &[V1, CT], r#"{"ksql":"SELECT * FROM E EMIT CHANGES;"}"#);
    assert_eq!(
        r.text(),
        "[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`V` INTEGER\"}},\n{\"row\":{\"columns\":[1]}},\n\n\
         {\"errorMessage\":{\"@type\":\"generic_error\",\"error_code\":50000,\"message\":\"boom\",\
         \"stackTrace\":[]}},\n"
    );
    // Unknown paths, /query-stream included: Jersey's JSON 404.
    let r = call(s.port, "POST", "/query-stream", &[CT], r#"{"sql":"SELECT 1;"}"#);
    assert_eq!(r.status, 404);
    assert!(r.text().starts_with(
        "{\"@type\":\"generic_error\",\"error_code\":40400,\"message\":\"HTTP 404 Not Found\",\"stackTrace\":["
    ));
    // /info without serverStatus.
    let r = call(s.port, "GET", "/info", &[V1], "");
    assert_eq!(
        r.text(),
        "{\"KsqlServerInfo\":{\"version\":\"0.7.1\",\"kafkaClusterId\":\"Fk4k3sQLRp2uDAr6Nu8lSA\",\
         \"ksqlServiceId\":\"default_\"}}"
    );
    // h2c prior knowledge is refused by closing.
    let mut st = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    st.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    st.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut b = [0u8; 16];
    assert_eq!(st.read(&mut b).unwrap_or(0), 0);
}

#[test]
fn http2_generation_rules() {
    let s = start(&["--generation", "http2"], Some(SCENARIO));
    let r = call(s.port, "POST", "/query-stream", &[CT], r#"{"sql":"SELECT * FROM T;"}"#);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        "{\"@type\":\"generic_error\",\"error_code\":40004,\
         \"message\":\"This endpoint is only available when using HTTP2\"}"
    );
    // /query over HTTP/1.1: old framing, tombstones (0.15), no Query Completed.
    let r = call(s.port, "POST", "/query", &[V1, CT], r#"{"ksql":"SELECT * FROM T EMIT CHANGES LIMIT 3;"}"#);
    assert_eq!(
        r.text(),
        "[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`VAL` STRING\"}},\n{\"row\":{\"columns\":[\"a\"]}},\n\
         {\"row\":{\"columns\":[null]},\"tombstone\":true},\n{\"row\":{\"columns\":[\"b\"]}},\n\
         {\"finalMessage\":\"Limit Reached\"}]\n"
    );
    let r = call(s.port, "POST", "/close-query", &[CT], r#"{"queryId":"nope"}"#);
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "{\"@type\":\"generic_error\",\"error_code\":40000,\"message\":\"No query with id nope\"}")
    );
}

#[test]
fn auth_basic_and_bearer() {
    let s = start(&["--basic", "user:pass"], None);
    let r = call(s.port, "GET", "/info", &[V1], "");
    assert_eq!(r.status, 401);
    assert_eq!(r.text(), "{\"@type\":\"generic_error\",\"error_code\":40100,\"message\":\"Unauthorized\"}");
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Basic realm=\"KsqlServer-Props\""));
    let r = call(s.port, "GET", "/info", &[V1, ("Authorization", "Basic dXNlcjpwYXNz")], "");
    assert_eq!(r.status, 200);
    let r = call(s.port, "GET", "/info", &[V1, ("Authorization", "Basic dXNlcjpwYXNy")], "");
    assert_eq!(r.status, 401);
    let r = call(s.port, "GET", "/healthcheck", &[V1], "");
    assert_eq!(r.status, 200);
    drop(s);
    let s = start(&["--bearer", "tok"], None);
    assert_eq!(call(s.port, "POST", "/ksql", &[V1, CT], r#"{"ksql":"SHOW STREAMS;"}"#).status, 401);
    assert_eq!(
        call(s.port, "POST", "/ksql", &[V1, CT, ("Authorization", "Bearer tok")], r#"{"ksql":"SHOW STREAMS;"}"#).status,
        200
    );
}

#[test]
fn ksql_endpoint_default_scenario() {
    let s = start(&[], None);
    let r = call(s.port, "POST", "/ksql", &[V1, CT], r#"{"ksql":"select * from riders emit changes;"}"#);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        "{\"@type\":\"statement_error\",\"error_code\":40002,\
         \"message\":\"The following statement types should be issued to the websocket endpoint '/query':\
         \\n\\t* PRINT\\n\\t* SELECT\",\"statementText\":\"select * from riders emit changes;\",\"entities\":[]}"
    );
    let r =
        call(s.port, "POST", "/ksql", &[V1, CT], r#"{"ksql":"DEFINE x = 'y'; SET 'auto.offset.reset'='earliest';"}"#);
    assert_eq!((r.status, r.text().as_str()), (200, "[]"));
    let r = call(
        s.port,
        "POST",
        "/ksql",
        &[V1, CT],
        concat!(
            r#"{"ksql":"CREATE STREAM s (id INT KEY) WITH (kafka_topic='t', value_format='JSON', "#,
            r#"partitions=1); CREATE TABLE u (id INT PRIMARY KEY) WITH (kafka_topic='u', value_format='JSON');"}"#,
        ),
    );
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let a = v[0]["commandSequenceNumber"].as_i64().unwrap();
    let b = v[1]["commandSequenceNumber"].as_i64().unwrap();
    assert!(b > a);
    assert_eq!(v[0]["commandStatus"]["message"], "Stream created");
    assert_eq!(v[0]["commandId"], "stream/`S`/create");
    let r = call(s.port, "POST", "/ksql", &[V1, CT], r#"{"ksql":"describe nothere;"}"#);
    assert_eq!(
        r.text(),
        "{\"@type\":\"statement_error\",\"error_code\":40001,\
         \"message\":\"Could not find STREAM/TABLE 'NOTHERE' in the Metastore\",\
         \"statementText\":\"describe nothere;\",\"entities\":[]}"
    );
    let r = call(s.port, "POST", "/ksql", &[V1, CT], r#"{"ksql":"SHOW TABLES;"}"#);
    assert!(
        r.text().starts_with("[{\"@type\":\"tables\",\"statementText\":\"SHOW TABLES;\",\"tables\":[{"),
        "{}",
        r.text()
    );
}

#[test]
fn fake_control_endpoints_and_close() {
    let s = start(&[], Some(SCENARIO));
    call(s.port, "GET", "/info", &[V1], "");
    let r = call(s.port, "GET", "/__fake/requests", &[], "");
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["method"], "GET");
    assert_eq!(v[0]["path"], "/info");
    assert_eq!(v[0]["http_version"], "HTTP/1.1");
    assert_eq!(v[0]["headers"]["accept"], "application/vnd.ksql.v1+json");
    call(s.port, "POST", "/__fake/reset", &[], "");
    let r = call(s.port, "GET", "/__fake/requests", &[], "");
    assert_eq!(r.text(), "[]");

    // A hanging push query is listed, then gone after the client disconnects.
    let st = send(s.port, "POST", "/query-stream", &[CT], r#"{"sql":"SELECT * FROM PAGEVIEWS EMIT CHANGES;"}"#);
    std::thread::sleep(Duration::from_millis(200));
    let act: serde_json::Value =
        serde_json::from_slice(&call(s.port, "GET", "/__fake/active-queries", &[], "").body).unwrap();
    assert_eq!(act.as_array().unwrap().len(), 1);
    let id = act[0]["id"].as_str().unwrap().to_string();
    drop(st);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(call(s.port, "GET", "/__fake/active-queries", &[], "").text(), "[]");

    // /close-query ends a /query push stream (current generation) with `]`.
    let st = send(s.port, "POST", "/query", &[V1, CT], r#"{"sql":"x","ksql":"SELECT * FROM PAGEVIEWS EMIT CHANGES;"}"#);
    std::thread::sleep(Duration::from_millis(200));
    let act: serde_json::Value =
        serde_json::from_slice(&call(s.port, "GET", "/__fake/active-queries", &[], "").body).unwrap();
    let id2 = act[0]["id"].as_str().unwrap().to_string();
    assert_ne!(id, id2);
    let r = call(s.port, "POST", "/close-query", &[CT], &format!("{{\"queryId\":\"{id2}\"}}"));
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = read_reply(st, Duration::from_secs(3));
    assert!(r.complete);
    assert!(r.text().ends_with("{\"row\":{\"columns\":[\"USER_1\",1]}}]"), "{}", r.text());

    // Replace the scenario at runtime.
    let r = call(
        s.port,
        "POST",
        "/__fake/scenario",
        &[],
        r#"{"statements":[{"match":"show streams","entities":[{"@type":"streams","streams":[]}]}]}"#,
    );
    assert_eq!(r.status, 200);
    let r = call(s.port, "POST", "/ksql", &[V1, CT], r#"{"ksql":"SHOW   STREAMS"}"#);
    assert_eq!(
        r.text(),
        "[{\"@type\":\"streams\",\"statementText\":\"SHOW   STREAMS;\",\"streams\":[],\"warnings\":[]}]"
    );
}

#[test]
fn cut_fault_and_generator() {
    let s = start(&[], Some(SCENARIO));
    let r = call(s.port, "POST", "/query-stream", &[CT], r#"{"sql":"SELECT * FROM C EMIT CHANGES;"}"#);
    assert!(!r.complete, "cut must not end the chunked body");
    assert!(r.text().ends_with("[\"aaaaaaaaaa\"]\n[\"bbbbb"), "{:?}", r.text());

    let t = Instant::now();
    let r = call(s.port, "POST", "/query-stream", &[CT], r#"{"sql":"SELECT * FROM BIG EMIT CHANGES;"}"#);
    let el = t.elapsed();
    assert!(r.complete);
    let lines = r.body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    assert_eq!(lines, 200_001);
    assert!(r.text().ends_with("[199999,\"name199999\"]\n"));
    eprintln!("200k rows in {el:?}");
}
