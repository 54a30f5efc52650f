//! Request handling: routing per generation, /ksql, /query, /query-stream, /close-query,
//! /info and friends, auth, and the /__fake control endpoints.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode, Version};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::scenario::{self, normalize, Query, Scenario};
use crate::stream::{ChanBody, Fmt, Framer, Meta, Runner, CHUNK};

pub type Body = BoxBody<Bytes, io::Error>;
pub type Resp = Response<Body>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Jetty,
    Http2,
    Current,
}

pub enum Auth {
    Basic(String),
    Bearer(String),
}

pub struct Active {
    pub wire_id: Option<String>,
    pub endpoint: &'static str,
    pub sql: String,
    pub push: bool,
    pub closable: bool,
    pub close_tx: Option<oneshot::Sender<()>>,
}

pub struct App {
    pub generation: Generation,
    pub version: String,
    pub level: (u32, u32, u32),
    pub auth: Option<Auth>,
    pub scenario: RwLock<Arc<Scenario>>,
    pub requests: Mutex<Vec<Value>>,
    pub active: Mutex<BTreeMap<u64, Active>>,
    pub next_key: AtomicU64,
    pub seq: AtomicI64,
    pub rng: Mutex<u64>,
}

/// Removes a running query from the registry when its producer ends.
struct ActiveGuard {
    app: Arc<App>,
    key: u64,
}
impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.app.active.lock().unwrap().remove(&self.key);
    }
}

/// ksqlDB level of a version string; CP versions (major ≥ 4) are mapped to ksqlDB versions.
pub fn ksql_level(v: &str) -> (u32, u32, u32) {
    let mut it = v.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0));
    if a < 4 {
        return (a, b, c);
    }
    match (a, b) {
        (5, 4) => (0, 6, 0),
        (5, x) if x <= 3 => (0, 6, 0),
        (5, _) => (0, 7, 1),
        (6, 0) => (0, 10, 2),
        (6, 1) => (0, 14, 0),
        (6, _) => (0, 17, 0),
        (7, 0) => (0, 21, 0),
        (7, 1) => (0, 23, 1),
        (7, 2) => (0, 26, 0),
        (7, 3) => (0, 28, 2),
        (7, 4) => (0, 28, 3),
        _ => (0, 29, 0),
    }
}

impl App {
    fn rand(&self) -> u64 {
        let mut s = self.rng.lock().unwrap();
        // xorshift64*
        let mut x = *s;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *s = x;
        x.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn uuid(&self) -> String {
        let a = self.rand();
        let b = self.rand();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
    fn transient_id(&self, source: &str) -> String {
        format!("transient_{}_{}", source.to_uppercase(), self.rand() >> 1 | (1 << 62))
    }
    fn pull_id(&self) -> String {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
        format!("query_{ms}")
    }
    fn scenario(&self) -> Arc<Scenario> {
        self.scenario.read().unwrap().clone()
    }
    fn jetty(&self) -> bool {
        self.generation == Generation::Jetty
    }
}

// ---------------------------------------------------------------------------------------------
// Response helpers

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|n: Infallible| match n {}).boxed()
}
fn empty() -> Body {
    Empty::new().map_err(|n: Infallible| match n {}).boxed()
}

fn respond(status: u16, ctype: Option<&str>, body: Body) -> Resp {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(ct) = ctype {
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
    }
    r
}

fn json_resp(status: u16, ctype: &str, v: &Value) -> Resp {
    respond(status, Some(ctype), full(serde_json::to_vec(v).unwrap()))
}

const JETTY_TRACE: [&str; 3] = [
    "org.glassfish.jersey.server.ServerRuntime$2.run(ServerRuntime.java:323)",
    "org.glassfish.jersey.internal.Errors$1.call(Errors.java:271)",
    "java.lang.Thread.run(Thread.java:748)",
];

struct Ctx {
    app: Arc<App>,
    h2: bool,
    /// Content-Type for JSON answers of the old API.
    json_ct: &'static str,
}

impl Ctx {
    fn error_body(&self, mut v: Value) -> Value {
        if self.app.jetty() {
            if let Some(m) = v.as_object_mut() {
                if !m.contains_key("stackTrace") {
                    // keep stackTrace right after message, before statementText/entities
                    let mut n = serde_json::Map::new();
                    for (k, val) in m.iter() {
                        n.insert(k.clone(), val.clone());
                        if k == "message" {
                            n.insert("stackTrace".into(), json!(JETTY_TRACE));
                        }
                    }
                    if !n.contains_key("stackTrace") {
                        n.insert("stackTrace".into(), json!(JETTY_TRACE));
                    }
                    *m = n;
                }
            }
        }
        v
    }
    fn generic(&self, code: u64, msg: &str) -> Resp {
        let v = self.error_body(json!({"@type":"generic_error","error_code":code,"message":msg}));
        json_resp((code / 100) as u16, self.json_ct, &v)
    }
    fn statement(&self, code: u64, msg: &str, text: &str) -> Resp {
        let v = self.error_body(
            json!({"@type":"statement_error","error_code":code,"message":msg,"statementText":text,"entities":[]}),
        );
        json_resp((code / 100) as u16, self.json_ct, &v)
    }
    fn not_found(&self) -> Resp {
        match self.app.generation {
            Generation::Jetty => self.generic(40400, "HTTP 404 Not Found"),
            Generation::Http2 => respond(
                404,
                Some("text/html; charset=utf-8"),
                full("<html><body><h1>Resource not found</h1></body></html>"),
            ),
            Generation::Current => respond(404, Some("text/plain"), full("Not Found")),
        }
    }
}

fn accept_list(req_headers: &hyper::HeaderMap) -> Vec<String> {
    let mut v = Vec::new();
    for h in req_headers.get_all(hyper::header::ACCEPT) {
        if let Ok(s) = h.to_str() {
            for part in s.split(',') {
                let t = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                if !t.is_empty() {
                    v.push(t);
                }
            }
        }
    }
    v
}

const V1: &str = "application/vnd.ksql.v1+json";
const JSON: &str = "application/json";
const DELIMITED: &str = "application/vnd.ksqlapi.delimited.v1";

fn b64decode(s: &str) -> Option<Vec<u8>> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.trim().bytes() {
        if c == b'=' {
            break;
        }
        let v = T.iter().position(|&x| x == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn authorized(app: &App, headers: &hyper::HeaderMap) -> bool {
    let Some(auth) = &app.auth else { return true };
    let Some(h) = headers.get(hyper::header::AUTHORIZATION).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    match auth {
        Auth::Basic(up) => {
            scheme.eq_ignore_ascii_case("basic") && b64decode(rest).map(|d| d == up.as_bytes()).unwrap_or(false)
        }
        Auth::Bearer(t) => scheme.eq_ignore_ascii_case("bearer") && rest.trim() == t,
    }
}

// ---------------------------------------------------------------------------------------------
// Entry point

pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let path = parts.uri.path().to_string();
    let h2 = parts.version == Version::HTTP_2;
    if !path.starts_with("/__fake/") {
        let mut headers = serde_json::Map::new();
        for (k, v) in parts.headers.iter() {
            let v = String::from_utf8_lossy(v.as_bytes()).to_string();
            let k = k.as_str().to_ascii_lowercase();
            match headers.get_mut(&k) {
                Some(Value::String(s)) => {
                    s.push_str(", ");
                    s.push_str(&v);
                }
                _ => {
                    headers.insert(k, Value::String(v));
                }
            }
        }
        let rec = json!({
            "method": parts.method.as_str(),
            "path": parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or(&path),
            "http_version": if h2 { "HTTP/2.0" } else { "HTTP/1.1" },
            "headers": headers,
            "body": String::from_utf8_lossy(&body),
        });
        app.requests.lock().unwrap().push(rec);
    }
    let accept = accept_list(&parts.headers);
    let json_ct = if app.jetty() && accept.iter().any(|a| a == V1) { V1 } else { JSON };
    let ctx = Ctx { app: app.clone(), h2, json_ct };

    if let Some(rest) = path.strip_prefix("/__fake/") {
        return Ok(control(&ctx, &parts.method, rest, &body));
    }
    let skip_auth = path == "/healthcheck" || path.starts_with("/v1/metadata");
    if !skip_auth && !authorized(&app, &parts.headers) {
        let mut r = json_resp(401, JSON, &json!({"@type":"generic_error","error_code":40100,"message":"Unauthorized"}));
        r.headers_mut()
            .insert(hyper::header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"KsqlServer-Props\""));
        return Ok(r);
    }
    let m = &parts.method;
    let gen = app.generation;
    let r = match (m, path.as_str()) {
        (&Method::GET, "/") if gen != Generation::Jetty => {
            let mut r = respond(307, None, empty());
            r.headers_mut().insert(hyper::header::LOCATION, HeaderValue::from_static("/info"));
            r
        }
        (&Method::GET, "/info") => info(&ctx),
        (&Method::GET, "/healthcheck") => healthcheck(&ctx),
        (&Method::GET, p) if p.starts_with("/is_valid_property/") && app.level >= (0, 18, 0) => {
            is_valid_property(&ctx, &p["/is_valid_property/".len()..])
        }
        (&Method::POST, "/ksql") => ksql(&ctx, &body).await,
        (&Method::POST, "/query") => query(&ctx, &body, &accept).await,
        (&Method::POST, "/query-stream") if gen != Generation::Jetty => query_stream(&ctx, &body, &accept).await,
        (&Method::POST, "/close-query") if gen != Generation::Jetty => close_query(&ctx, &body),
        (&Method::POST, "/inserts-stream") if gen != Generation::Jetty => inserts(&ctx, &body),
        _ => ctx.not_found(),
    };
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Control endpoints

fn control(ctx: &Ctx, m: &Method, rest: &str, body: &Bytes) -> Resp {
    let app = &ctx.app;
    match (m, rest) {
        (&Method::GET, "requests") => {
            let v = Value::Array(app.requests.lock().unwrap().clone());
            json_resp(200, JSON, &v)
        }
        (&Method::POST, "reset") => {
            app.requests.lock().unwrap().clear();
            json_resp(200, JSON, &json!({"ok":true}))
        }
        (&Method::POST, "scenario") => match scenario::parse(&String::from_utf8_lossy(body)) {
            Ok(s) => {
                *app.scenario.write().unwrap() = Arc::new(s);
                json_resp(200, JSON, &json!({"ok":true}))
            }
            Err(e) => json_resp(400, JSON, &json!({"ok":false,"error":format!("{e:#}")})),
        },
        (&Method::GET, "active-queries") => {
            let v: Vec<Value> = app
                .active
                .lock()
                .unwrap()
                .values()
                .map(|a| json!({"id":a.wire_id,"endpoint":a.endpoint,"sql":a.sql,"push":a.push,"closable":a.closable}))
                .collect();
            json_resp(200, JSON, &Value::Array(v))
        }
        _ => respond(404, Some("text/plain"), full("Not Found")),
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata endpoints

fn info(ctx: &Ctx) -> Resp {
    let app = &ctx.app;
    let mut inner = json!({"version":app.version,"kafkaClusterId":"Fk4k3sQLRp2uDAr6Nu8lSA","ksqlServiceId":"default_"});
    if app.level >= (0, 12, 0) {
        inner["serverStatus"] = json!("RUNNING");
    }
    json_resp(200, ctx.json_ct, &json!({"KsqlServerInfo":inner}))
}

fn healthcheck(ctx: &Ctx) -> Resp {
    let lvl = ctx.app.level;
    let mut details = json!({"metastore":{"isHealthy":true},"kafka":{"isHealthy":true}});
    if lvl >= (0, 14, 0) {
        details["commandRunner"] = json!({"isHealthy":true});
    }
    let mut v = json!({"isHealthy":true,"details":details});
    if lvl >= (0, 29, 0) {
        v["serverState"] = json!("READY");
    }
    json_resp(200, ctx.json_ct, &v)
}

fn is_valid_property(ctx: &Ctx, p: &str) -> Resp {
    const DENIED: [&str; 3] = ["ksql.service.id", "ksql.internal.topic.replicas", "bootstrap.servers"];
    if DENIED.contains(&p) {
        return ctx.generic(
            40000,
            &format!(
                "One or more properties overrides set locally are prohibited by the KSQL server (use UNSET to \
                 reset their default value): [{p}]"
            ),
        );
    }
    let known = p.starts_with("ksql.")
        || p.starts_with("auto.offset.reset")
        || p.starts_with("processing.guarantee")
        || p.starts_with("cache.max.bytes.buffering")
        || p.starts_with("commit.interval.ms")
        || p.starts_with("num.stream.threads")
        || p.starts_with("buffered.records.per.partition")
        || p.starts_with("consumer.")
        || p.starts_with("producer.");
    if !known {
        return ctx
            .generic(40000, &format!("Not recognizable as ksql, streams, consumer, or producer property: '{p}'"));
    }
    respond(200, Some(ctx.json_ct), full("true"))
}

// ---------------------------------------------------------------------------------------------
// /ksql

/// Splits a request into statements on `;` outside quotes and comments.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                if chars.peek() == Some(&q) {
                    cur.push(chars.next().unwrap());
                } else {
                    quote = None;
                }
            }
            continue;
        }
        match c {
            '\'' | '`' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '-' if chars.peek() == Some(&'-') => {
                for c2 in chars.by_ref() {
                    if c2 == '\n' {
                        cur.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c2 in chars.by_ref() {
                    if prev == '*' && c2 == '/' {
                        break;
                    }
                    prev = c2;
                }
                cur.push(' ');
            }
            ';' => {
                if !cur.trim().is_empty() {
                    out.push(format!("{};", cur.trim()));
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(format!("{};", cur.trim()));
    }
    out
}

const KEYWORDS: [&str; 22] = [
    "SELECT",
    "CREATE",
    "INSERT",
    "DESCRIBE",
    "PRINT",
    "EXPLAIN",
    "SHOW",
    "LIST",
    "TERMINATE",
    "DROP",
    "SET",
    "UNSET",
    "DEFINE",
    "UNDEFINE",
    "ALTER",
    "PAUSE",
    "RESUME",
    "ASSERT",
    "RUN",
    "DELETE",
    "WITH",
    "REGISTER",
];

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn syntax_error(ctx: &Ctx, stmt: &str) -> Resp {
    let toks: Vec<&str> = stmt.trim_end_matches(';').split_whitespace().collect();
    let first = toks.first().copied().unwrap_or("");
    let up = first.to_uppercase();
    if !KEYWORDS.contains(&up.as_str()) {
        if ctx.app.level < (0, 10, 0) {
            let msg = format!(
                "line 1:1: mismatched input '{first}' expecting {{<EOF>, 'SELECT', 'CREATE', 'INSERT', 'DESCRIBE', \
                 'PRINT', 'EXPLAIN', 'SHOW', 'LIST', 'TERMINATE', 'DROP', 'SET', 'UNSET'}}"
            );
            return ctx.statement(40001, &msg, stmt);
        }
        let mut msg = format!("line 1:1: Syntax Error\nUnknown statement '{first}'");
        if let Some(k) = KEYWORDS.iter().find(|k| edit_distance(k, &up) <= 2) {
            msg.push_str(&format!("\nDid you mean '{k}'?"));
        }
        return ctx.statement(40001, &msg, stmt);
    }
    let second = toks.get(1).copied().unwrap_or("<EOF>");
    let col = first.len() + 2;
    ctx.statement(40001, &format!("line 1:{col}: Syntax error at or near '{second}'"), stmt)
}

fn first_word(stmt: &str) -> String {
    stmt.split(|c: char| c.is_whitespace() || c == ';' || c == '(').find(|s| !s.is_empty()).unwrap_or("").to_uppercase()
}

enum Outcome {
    Entity(Value),
    Nothing,
    Fail(Resp),
}

fn current_status(ctx: &Ctx, command_id: String, message: String, query_id: Option<String>) -> Value {
    let seq = ctx.app.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let mut status = json!({"status":"SUCCESS","message":message});
    if ctx.app.level >= (0, 11, 0) {
        status["queryId"] = json!(query_id);
    }
    json!({"@type":"currentStatus","commandId":command_id,"commandStatus":status,"commandSequenceNumber":seq})
}

/// Statements not in the scenario.
fn builtin(ctx: &Ctx, stmt: &str) -> Outcome {
    let n = normalize(stmt);
    let toks: Vec<&str> = stmt.trim_end_matches(';').split_whitespace().collect();
    let ntoks: Vec<&str> = n.split(' ').collect();
    let fw = first_word(stmt);
    match fw.as_str() {
        "SET" | "UNSET" | "DEFINE" | "UNDEFINE" => Outcome::Nothing,
        "INSERT" if !n.contains(" SELECT ") => Outcome::Nothing,
        "INSERT" => {
            let name = toks.get(2).map(|t| scenario::ident(t)).unwrap_or_default();
            let seq = ctx.app.seq.load(Ordering::SeqCst) + 1;
            let qid = format!("INSERTQUERY_{seq}");
            Outcome::Entity(current_status(
                ctx,
                format!("stream/`{name}`/create"),
                format!("Created query with ID {qid}"),
                Some(qid),
            ))
        }
        "CREATE" => {
            // CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name ...
            let Some(i) = ntoks.iter().position(|t| *t == "STREAM" || *t == "TABLE") else {
                return Outcome::Fail(syntax_error(ctx, stmt));
            };
            let kind = ntoks[i];
            let mut j = i + 1;
            if ntoks.get(j) == Some(&"IF") {
                j += 3;
            }
            let Some(raw) = toks.get(j) else { return Outcome::Fail(syntax_error(ctx, stmt)) };
            let name = scenario::ident(raw);
            let lower = if kind == "STREAM" { "stream" } else { "table" };
            if n.contains(" AS SELECT ") {
                let seq = ctx.app.seq.load(Ordering::SeqCst) + 1;
                let qid = format!("{}_{}_{}", if kind == "STREAM" { "CSAS" } else { "CTAS" }, name, seq);
                let msg = if ctx.app.level >= (0, 8, 0) {
                    format!("Created query with ID {qid}")
                } else {
                    format!("{} {} created and running", if kind == "STREAM" { "Stream" } else { "Table" }, name)
                };
                Outcome::Entity(current_status(ctx, format!("{lower}/`{name}`/create"), msg, Some(qid)))
            } else {
                let msg = if kind == "STREAM" { "Stream created" } else { "Table created" };
                Outcome::Entity(current_status(ctx, format!("{lower}/`{name}`/create"), msg.into(), None))
            }
        }
        "DROP" => {
            let Some(i) = ntoks.iter().position(|t| *t == "STREAM" || *t == "TABLE" || *t == "TYPE") else {
                return Outcome::Fail(syntax_error(ctx, stmt));
            };
            let kind = ntoks[i].to_lowercase();
            let mut j = i + 1;
            if ntoks.get(j) == Some(&"IF") {
                j += 2;
            }
            let Some(raw) = toks.get(j) else { return Outcome::Fail(syntax_error(ctx, stmt)) };
            let name = scenario::ident(raw);
            let msg = if kind == "type" {
                format!("Dropped type '{name}'")
            } else {
                format!("Source `{name}` (topic: {name}) was dropped.")
            };
            Outcome::Entity(current_status(ctx, format!("{kind}/{name}/drop"), msg, None))
        }
        "TERMINATE" => {
            let Some(raw) = toks.get(1) else { return Outcome::Fail(syntax_error(ctx, stmt)) };
            let id = raw.trim_end_matches(';').to_string();
            if id.to_lowercase().starts_with("transient_") && ctx.app.level >= (0, 22, 0) {
                let mut found = false;
                for a in ctx.app.active.lock().unwrap().values_mut() {
                    if a.wire_id.as_deref() == Some(id.as_str()) {
                        if let Some(tx) = a.close_tx.take() {
                            let _ = tx.send(());
                            found = true;
                        }
                    }
                }
                return Outcome::Entity(json!({"@type":"terminate_query","queryId":id,"wasTerminated":found}));
            }
            let id = id.to_uppercase();
            Outcome::Entity(current_status(ctx, format!("terminate/{id}/execute"), "Query terminated.".into(), None))
        }
        "DESCRIBE" | "EXPLAIN" => {
            let name = toks
                .iter()
                .skip(1)
                .find(|t| !t.eq_ignore_ascii_case("EXTENDED") && !t.eq_ignore_ascii_case("FUNCTION"))
                .map(|t| scenario::ident(t));
            match name {
                Some(name) if fw == "DESCRIBE" => Outcome::Fail(ctx.statement(
                    40001,
                    &format!("Could not find STREAM/TABLE '{name}' in the Metastore"),
                    stmt,
                )),
                Some(name) => Outcome::Fail(ctx.statement(
                    40001,
                    &format!("Query with id:{name} does not exist, use SHOW QUERIES to view the full set of queries."),
                    stmt,
                )),
                None => Outcome::Fail(syntax_error(ctx, stmt)),
            }
        }
        _ => Outcome::Fail(syntax_error(ctx, stmt)),
    }
}

fn fill_entity(mut e: Value, stmt: &str) -> Value {
    if let Some(m) = e.as_object_mut() {
        let mut n = serde_json::Map::new();
        let ty = m.shift_remove("@type");
        if let Some(t) = ty {
            n.insert("@type".into(), t);
        }
        if !m.contains_key("statementText") {
            n.insert("statementText".into(), json!(stmt));
        }
        for (k, v) in std::mem::take(m) {
            n.insert(k, v);
        }
        if !n.contains_key("warnings") {
            n.insert("warnings".into(), json!([]));
        }
        *m = n;
    }
    e
}

fn parse_body(body: &Bytes) -> Result<Value, String> {
    serde_json::from_slice::<Value>(body).map_err(|e| {
        if e.is_eof() {
            "Invalid JSON in request: Unexpected end-of-input: expected close marker for Object".to_string()
        } else {
            format!("Invalid JSON in request: {e}")
        }
    })
}

/// The request's JSON and its required string property `field`, or ksqlDB's 40000 answer for
/// a body that is not JSON or lacks the property.
#[allow(clippy::result_large_err)]
fn request_field(ctx: &Ctx, body: &Bytes, field: &str) -> Result<(Value, String), Resp> {
    let req = parse_body(body).map_err(|m| ctx.generic(40000, &m))?;
    let Some(value) = req.get(field).and_then(Value::as_str).map(str::to_string) else {
        let message = format!("Invalid JSON in request: Missing required creator property '{field}'");
        return Err(ctx.generic(40000, &message));
    };
    Ok((req, value))
}

/// The request's JSON and its SQL (property `field`), session variables substituted.
#[allow(clippy::result_large_err)]
fn request_sql(ctx: &Ctx, body: &Bytes, field: &str) -> Result<(Value, String), Resp> {
    let (req, sql) = request_field(ctx, body, field)?;
    let sql = apply_session_variables(ctx, &req, &sql);
    Ok((req, sql))
}

/// Real servers from 0.18 on substitute `${name}` from the request's `sessionVariables`
/// (names case-insensitive); older ones ignore the field.
fn apply_session_variables(ctx: &Ctx, req: &Value, sql: &str) -> String {
    if ksql_level(&ctx.app.version) < (0, 18, 0) {
        return sql.to_string();
    }
    let Some(vars) = req.get("sessionVariables").and_then(Value::as_object) else {
        return sql.to_string();
    };
    let mut out = sql.to_string();
    for (name, value) in vars {
        let value = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
        for variant in [name.clone(), name.to_uppercase(), name.to_lowercase()] {
            out = out.replace(&format!("${{{variant}}}"), &value);
        }
    }
    out
}

async fn ksql(ctx: &Ctx, body: &Bytes) -> Resp {
    let (_, sql) = match request_sql(ctx, body, "ksql") {
        Ok(r) => r,
        Err(r) => return r,
    };
    let sql = &sql;
    let stmts = split_statements(sql);
    // Validation first: parse errors and SELECT/PRINT are refused before anything runs.
    for s in &stmts {
        if let Some(message) = crate::grammar::describe_order_error(ctx.app.level, s) {
            return ctx.statement(40001, &message, s);
        }
        let fw = first_word(s);
        if fw == "SELECT" || fw == "PRINT" {
            return ctx.statement(
                40002,
                "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\
                 \t* SELECT",
                s,
            );
        }
    }
    let sc = ctx.app.scenario();
    let mut entities = Vec::new();
    for s in &stmts {
        if let Some(st) = sc.find_statement(s) {
            if st.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(st.delay_ms)).await;
            }
            if let Some(err) = &st.error {
                let mut b = err.body.clone();
                if b.get("@type").and_then(Value::as_str) == Some("statement_error") {
                    if let Some(m) = b.as_object_mut() {
                        if !m.contains_key("statementText") {
                            m.insert("statementText".into(), json!(s));
                        }
                        if !m.contains_key("entities") {
                            m.insert("entities".into(), json!([]));
                        }
                    }
                }
                let b = ctx.error_body(b);
                return json_resp(err.status, ctx.json_ct, &b);
            }
            for e in &st.entities {
                let mut e = fill_entity(e.clone(), s);
                if e.get("@type").and_then(Value::as_str) == Some("currentStatus")
                    && e.get("commandSequenceNumber").is_none()
                {
                    let seq = ctx.app.seq.fetch_add(1, Ordering::SeqCst) + 1;
                    e["commandSequenceNumber"] = json!(seq);
                }
                entities.push(e);
            }
            continue;
        }
        match builtin(ctx, s) {
            Outcome::Nothing => {}
            Outcome::Entity(e) => entities.push(fill_entity(e, s)),
            Outcome::Fail(r) => return r,
        }
    }
    json_resp(200, ctx.json_ct, &Value::Array(entities))
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(PartialEq, Eq, Clone, Copy)]
enum Endpoint {
    Query,
    QueryStream,
}

fn start_stream(ctx: &Ctx, q: Arc<Query>, sql: &str, endpoint: Endpoint, fmt: Fmt, ctype: &str) -> Resp {
    let app = &ctx.app;
    let lvl = app.level;
    let gen = app.generation;
    let is_print = q.print_lines.is_some();
    // Query id as the server generation would write it.
    let query_id: Option<String> = if let Some(id) = &q.query_id {
        Some(id.clone())
    } else if is_print {
        None
    } else {
        match (gen, endpoint, q.push) {
            (Generation::Jetty, _, _) => Some("none".into()),
            (Generation::Http2, Endpoint::QueryStream, true) => Some(app.uuid()),
            (Generation::Http2, Endpoint::QueryStream, false) => None,
            (Generation::Http2, Endpoint::Query, true) if lvl >= (0, 15, 0) => Some(app.transient_id(&q.source)),
            (Generation::Http2, Endpoint::Query, false) if lvl >= (0, 17, 0) => Some(app.pull_id()),
            (Generation::Http2, Endpoint::Query, _) => Some("none".into()),
            (Generation::Current, _, true) => Some(app.transient_id(&q.source)),
            (Generation::Current, _, false) => Some(app.pull_id()),
        }
    };
    let fmt = if fmt == Fmt::OldPush && !q.push && !is_print { Fmt::OldPull } else { fmt };
    let fmt = if is_print { Fmt::Print } else { fmt };
    let framer = Framer {
        fmt,
        tombstones: lvl >= (0, 15, 0) && gen != Generation::Jetty,
        query_completed: lvl >= (0, 25, 0) && matches!(fmt, Fmt::StreamedRow),
        stack_trace: gen == Generation::Jetty,
        table_pull: q.table && !q.push,
    };
    let meta = Meta { query_id: query_id.clone(), columns: q.columns.clone(), mark_keys: q.table && !q.push };
    let closable = q.push
        && !is_print
        && match gen {
            Generation::Jetty => false,
            Generation::Http2 => endpoint == Endpoint::QueryStream,
            Generation::Current => true,
        };
    let (close_tx, close_rx) = oneshot::channel();
    let key = app.next_key.fetch_add(1, Ordering::SeqCst);
    app.active.lock().unwrap().insert(
        key,
        Active {
            wire_id: query_id,
            endpoint: if endpoint == Endpoint::Query { "/query" } else { "/query-stream" },
            sql: sql.to_string(),
            push: q.push,
            closable,
            close_tx: Some(close_tx),
        },
    );
    let guard = ActiveGuard { app: app.clone(), key };
    let (tx, rx) = mpsc::channel(8);
    let sc = app.scenario();
    let limit = q.limit.or_else(|| {
        let n = normalize(sql);
        let toks: Vec<&str> = n.split(' ').collect();
        toks.iter().rposition(|t| *t == "LIMIT").and_then(|i| toks.get(i + 1)?.parse().ok())
    });
    let runner = Runner {
        framer,
        meta,
        query: q.clone(),
        limit,
        idle_ms: q.idle_newline_ms.unwrap_or(sc.idle_newline_ms),
        tx,
        close_rx,
        out: Vec::with_capacity(CHUNK + 1024),
        last_write: tokio::time::Instant::now(),
        scratch: Vec::new(),
    };
    tokio::spawn(async move {
        let _guard = guard;
        runner.run().await;
    });
    respond(200, Some(ctype), ChanBody { rx }.boxed())
}

/// Looks the query up; `Err` is the error response for an unknown one.
// A scripted test server: an error answer is the response itself, its size is of no concern.
#[allow(clippy::result_large_err)]
fn lookup(ctx: &Ctx, sql: &str) -> Result<Arc<Query>, Resp> {
    let sc = ctx.app.scenario();
    if let Some(q) = sc.queries.iter().find(|q| q.matcher.matches(sql)) {
        return Ok(q.clone());
    }
    let fw = first_word(sql);
    if fw == "PRINT" {
        let topic = sql.split_whitespace().nth(1).unwrap_or("").trim_end_matches(';').trim_matches('\'');
        return Err(ctx.statement(
            40001,
            &format!(
                "Could not find topic '{topic}', or the KSQL user does not have permissions to list the topic. \
                 Topic names are case-sensitive."
            ),
            sql,
        ));
    }
    match scenario::source_of(sql) {
        Some(src) => Err(ctx.statement(40001, &format!("Could not find STREAM/TABLE '{src}' in the Metastore"), sql)),
        None => Err(syntax_error(ctx, sql)),
    }
}

/// The request's JSON and the one statement of its SQL (property `field`), as /query and
/// /query-stream take it.
#[allow(clippy::result_large_err)]
fn request_statement(ctx: &Ctx, body: &Bytes, field: &str) -> Result<(Value, String), Resp> {
    let (req, sql) = request_sql(ctx, body, field)?;
    let stmts = split_statements(&sql);
    if stmts.len() != 1 {
        return Err(ctx.generic(40000, &format!("Expected exactly one KSQL statement; found {} instead", stmts.len())));
    }
    Ok((req, stmts.into_iter().next().unwrap()))
}

async fn query(ctx: &Ctx, body: &Bytes, accept: &[String]) -> Resp {
    let app = &ctx.app;
    if app.generation == Generation::Http2 && ctx.h2 {
        return respond(405, None, empty());
    }
    let (req, stmt) = match request_statement(ctx, body, "ksql") {
        Ok(r) => r,
        Err(r) => return r,
    };
    let fw = first_word(&stmt);
    if fw != "SELECT" && fw != "PRINT" {
        let msg = if app.generation == Generation::Current {
            "Neither a query nor a print statement".to_string()
        } else {
            format!("Statement type `{fw}' not supported for this resource")
        };
        return ctx.statement(40001, &msg, &stmt);
    }
    let q = match lookup(ctx, &stmt) {
        Ok(q) => q,
        Err(r) => return r,
    };
    if q.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(q.delay_ms)).await;
    }
    let migrate_off = req
        .get("streamsProperties")
        .and_then(|p| p.get("ksql.endpoint.migrate.query"))
        .map(|v| v == &json!(false) || v == &json!("false"))
        .unwrap_or(false);
    if fw == "PRINT" {
        return start_stream(ctx, q, &stmt, Endpoint::Query, Fmt::Print, ctx.json_ct);
    }
    if app.generation != Generation::Current || migrate_off {
        let ct = ctx.json_ct;
        return start_stream(ctx, q, &stmt, Endpoint::Query, Fmt::OldPush, ct);
    }
    // Migrated /query: Accept decides.
    let (fmt, ct) = if accept.is_empty() {
        (Fmt::StreamedRow, V1)
    } else {
        let mut pick = None;
        for a in accept {
            pick = match a.as_str() {
                V1 => Some((Fmt::StreamedRow, V1)),
                JSON => Some((Fmt::StreamedRow, JSON)),
                DELIMITED | "*/*" | "application/*" => Some((Fmt::Delimited, DELIMITED)),
                _ => None,
            };
            if pick.is_some() {
                break;
            }
        }
        match pick {
            Some(p) => p,
            None => return respond(406, None, empty()),
        }
    };
    start_stream(ctx, q, &stmt, Endpoint::Query, fmt, ct)
}

async fn query_stream(ctx: &Ctx, body: &Bytes, accept: &[String]) -> Resp {
    let app = &ctx.app;
    if app.generation == Generation::Http2 && !ctx.h2 {
        return ctx.generic(40004, "This endpoint is only available when using HTTP2");
    }
    let (_, stmt) = match request_statement(ctx, body, "sql") {
        Ok(r) => r,
        Err(r) => return r,
    };
    let fw = first_word(&stmt);
    let print_ok = fw == "PRINT" && app.level >= (0, 29, 0);
    if fw != "SELECT" && !print_ok {
        return ctx.statement(40001, "Neither a query nor a print statement", &stmt);
    }
    let current = app.generation == Generation::Current;
    let mut pick = None;
    if accept.is_empty() {
        pick = Some((Fmt::Delimited, DELIMITED));
    }
    for a in accept {
        pick = match a.as_str() {
            DELIMITED | "*/*" | "application/*" => Some((Fmt::Delimited, DELIMITED)),
            JSON if fw != "PRINT" => Some((Fmt::JsonArray, JSON)),
            V1 if current && fw != "PRINT" => Some((Fmt::StreamedRow, V1)),
            _ => None,
        };
        if pick.is_some() {
            break;
        }
    }
    let Some((fmt, ct)) = pick else { return respond(406, None, empty()) };
    let q = match lookup(ctx, &stmt) {
        Ok(q) => q,
        Err(r) => return r,
    };
    if q.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(q.delay_ms)).await;
    }
    start_stream(ctx, q, &stmt, Endpoint::QueryStream, fmt, ct)
}

fn close_query(ctx: &Ctx, body: &Bytes) -> Resp {
    let id = match request_field(ctx, body, "queryId") {
        Ok((_, id)) => id,
        Err(r) => return r,
    };
    let mut found = false;
    for a in ctx.app.active.lock().unwrap().values_mut() {
        if a.closable && a.wire_id.as_deref() == Some(id.as_str()) {
            if let Some(tx) = a.close_tx.take() {
                let _ = tx.send(());
                found = true;
            }
        }
    }
    if found {
        respond(200, None, empty())
    } else {
        ctx.generic(40000, &format!("No query with id {id}"))
    }
}

fn inserts(ctx: &Ctx, body: &Bytes) -> Resp {
    if !ctx.h2 {
        return ctx.generic(40004, "This endpoint is only available when using HTTP2");
    }
    let text = String::from_utf8_lossy(body);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return ctx.generic(40000, "Invalid JSON in request: No content to map due to end-of-input");
    };
    if serde_json::from_str::<Value>(first).ok().and_then(|v| v.get("target").cloned()).is_none() {
        return ctx.generic(40000, "Invalid JSON in request: Missing required creator property 'target'");
    }
    let mut out = String::new();
    for (seq, l) in lines.enumerate() {
        if serde_json::from_str::<Value>(l).is_err() {
            out.push_str(&format!(
                "{{\"status\":\"error\",\"seq\":{seq},\"error_code\":40000,\
                 \"message\":\"Invalid JSON in inserts stream\"}}\n"
            ));
            break;
        }
        out.push_str(&format!("{{\"status\":\"ok\",\"seq\":{seq}}}\n"));
    }
    respond(200, Some(DELIMITED), full(out))
}
