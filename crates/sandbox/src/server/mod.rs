//! The sandbox's REST API on hyper: HTTP/1.1 and HTTP/2 (h2c prior knowledge) on one port
//! via hyper-util's auto builder. Routes and bodies follow `ksqldb-rest-api.md` for a 0.29
//! server: /info, /healthcheck, /ksql, /query, /query-stream, /close-query,
//! /inserts-stream; errors as `generic_error` / `statement_error` JSON.
//!
//! Limits: request headers must arrive within [`HEADER_TIMEOUT`] (which hyper also applies
//! to idle keep-alive connections), bodies are at most [`MAX_BODY_BYTES`] (413), and callers
//! are checked by [`guard`] (403 / 415).

pub mod framing;
pub mod guard;
mod inserts;
mod schema_registry;
mod stream;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value as J};
use tokio::net::TcpListener;
use tokio::sync::watch;

use self::framing::{Framing, Writer};
use self::guard::Guard;
use self::stream::Output;
use super::engine::{Engine, EngineError, QueryResult, Session};
use super::sql::lexer::split_statements;
use super::sql::parser::substitute_variables;
use super::topics::Retention;
use ksql_wire::error::ErrorBody;

pub type Body = BoxBody<Bytes, Infallible>;
pub type SharedEngine = Arc<Mutex<Engine>>;

pub const VERSION: &str = "0.29.0";

/// The largest request body of /ksql, /query, /query-stream and /close-query.
pub const MAX_BODY_BYTES: usize = 16 << 20;
/// Time to send a request's headers; also how long an idle HTTP/1.1 connection is kept
/// (hyper times the wait for the next request's headers from when the last one ended).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// HTTP/2 pings at this interval find peers that went away without closing.
const H2_KEEP_ALIVE: Duration = Duration::from_secs(60);

/// How to run the sandbox server.
#[derive(Debug, Clone)]
pub struct Options {
    /// `host:port`; port 0 picks a free port.
    pub listen: String,
    /// Allow a non-loopback listen address (the API has no authentication).
    pub allow_remote: bool,
    /// Browser origins allowed to call the API (`--allow-origin`).
    pub allowed_origins: Vec<String>,
    /// Retention of each topic.
    pub retention: Retention,
    /// Bytes all topics together may keep.
    pub total_retention_bytes: u64,
    /// How long a push query's client may leave its queue full before the query is closed.
    pub stall_limit: Duration,
    /// Time to send request headers; also the idle time after which HTTP/1.1 connections close.
    pub header_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: "127.0.0.1:0".into(),
            allow_remote: false,
            allowed_origins: Vec::new(),
            retention: Retention::default(),
            total_retention_bytes: super::topics::Topics::DEFAULT_TOTAL_BYTES,
            stall_limit: stream::STALL_LIMIT,
            header_timeout: HEADER_TIMEOUT,
        }
    }
}

/// What every request handler shares.
#[derive(Clone)]
struct State {
    engine: SharedEngine,
    guard: Arc<Guard>,
    /// Bytes queued in push, PRINT and insert-ack responses.
    queued: Arc<AtomicU64>,
    stall_limit: Duration,
    header_timeout: Duration,
}

/// A running sandbox server.
pub struct SandboxHandle {
    url: String,
    addr: SocketAddr,
    engine: SharedEngine,
    queued: Arc<AtomicU64>,
    shutdown: Option<watch::Sender<bool>>,
}

impl SandboxHandle {
    /// A URL a client on this machine can use: `http://127.0.0.1:PORT` (also when the
    /// server listens on every interface; [`SandboxHandle::addr`] is the bound address).
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The address the server is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The engine, for in-process inspection (tests, benchmarks).
    pub fn engine(&self) -> SharedEngine {
        self.engine.clone()
    }
    /// Bytes currently queued for push query, PRINT and insert clients.
    pub fn queued_bytes(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }
    pub fn shutdown(mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(true);
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(true);
        }
    }
}

/// Binds `options.listen` and serves until the handle is dropped or shut down. A
/// non-loopback address is refused unless `allow_remote` is set.
pub async fn serve(options: Options) -> anyhow::Result<SandboxHandle> {
    let listen = &options.listen;
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host(listen.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?
        .collect();
    if !options.allow_remote {
        if let Some(remote) = resolved.iter().find(|a| !a.ip().is_loopback()) {
            anyhow::bail!(
                "cannot listen on {listen}: {} is not a loopback address and the sandbox has no authentication; \
                 pass --allow-remote to accept connections from other machines",
                remote.ip()
            );
        }
    }
    let listener =
        TcpListener::bind(listen.as_str()).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let mut engine = Engine::new();
    engine.topics.default_retention = options.retention;
    engine.topics.total_bytes_limit = options.total_retention_bytes;
    let engine: SharedEngine = Arc::new(Mutex::new(engine));
    let state = State {
        engine: engine.clone(),
        guard: Arc::new(Guard { loopback_only: addr.ip().is_loopback(), allowed_origins: options.allowed_origins }),
        queued: Arc::new(AtomicU64::new(0)),
        stall_limit: options.stall_limit,
        header_timeout: options.header_timeout,
    };
    let queued = state.queued.clone();
    let (tx, mut rx) = watch::channel(false);
    tokio::spawn(drive_connectors(engine.clone(), rx.clone()));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = rx.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(stream, state.clone()));
                }
            }
        }
    });
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    let url = match addr {
        SocketAddr::V6(_) if !addr.ip().is_unspecified() => format!("http://[{host}]:{}", addr.port()),
        _ => format!("http://{host}:{}", addr.port()),
    };
    Ok(SandboxHandle { url, addr, engine, queued, shutdown: Some(tx) })
}

/// Runs the connectors' generators (the engine says what is due and when the next record
/// is) until the server shuts down.
async fn drive_connectors(engine: SharedEngine, mut shutdown: watch::Receiver<bool>) {
    let wake = engine.lock().unwrap_or_else(|e| e.into_inner()).connector_wake();
    loop {
        let now_ms = crate::topics::now_ms();
        // Producing runs every persistent query over the new records: off the async workers.
        let producer = engine.clone();
        let next_due = tokio::task::spawn_blocking(move || {
            producer.lock().unwrap_or_else(|e| e.into_inner()).run_connectors(now_ms)
        })
        .await
        .unwrap_or(None);
        // Never sleep less than a millisecond: a generator with max.interval 0 still leaves
        // the engine to the requests between its batches.
        let sleep = match next_due {
            Some(due) => Duration::from_millis((due - now_ms).clamp(1, 60_000) as u64),
            None => Duration::from_secs(60),
        };
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, state: State) {
    let io = hyper_util::rt::TokioIo::new(stream);
    let header_timeout = state.header_timeout;
    let svc = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(route(state, req).await) }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    builder.http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(H2_KEEP_ALIVE)
        .keep_alive_timeout(header_timeout);
    let _ = builder.serve_connection(io, svc).await;
}

fn full(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()).boxed())
        .unwrap()
}

fn json_response(status: StatusCode, v: &J) -> Response<Body> {
    full(status, "application/json", v.to_string())
}

/// 413 for a body (or a line of one) over `limit` bytes.
fn too_large(what: &str, limit: usize) -> Response<Body> {
    generic_error(413, 41300, &format!("{what} is larger than the sandbox's limit of {limit} bytes"))
}

fn generic_error(status: u16, code: u32, message: &str) -> Response<Body> {
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &ErrorBody::generic(code.into(), message).to_json(),
    )
}

fn engine_error(e: &EngineError, statement: &str, entities: Vec<J>) -> Response<Body> {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = if e.statement {
        let statement = e.statement_text.as_deref().unwrap_or(statement);
        ErrorBody::statement(e.code.into(), e.message.clone(), statement, entities)
    } else {
        ErrorBody::generic(e.code.into(), e.message.clone())
    };
    json_response(status, &body.to_json())
}

async fn route(state: State, req: Request<Incoming>) -> Response<Body> {
    let refused = state.guard.check_caller(req.headers(), req.uri()).and_then(|()| {
        if req.method() == hyper::Method::POST {
            state.guard.check_content_type(req.headers())
        } else {
            Ok(())
        }
    });
    if let Err(r) = refused {
        return generic_error(r.status, r.status as u32 * 100, &r.message);
    }
    let engine = state.engine.clone();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let http2 = req.version() == hyper::Version::HTTP_2;
    if schema_registry::is_registry_path(&path) {
        return schema_registry::handle(engine, req).await;
    }
    match (method.as_str(), path.as_str()) {
        ("GET", "/") => Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header("location", "/info")
            .body(Full::new(Bytes::new()).boxed())
            .unwrap(),
        ("GET", "/info") => json_response(
            StatusCode::OK,
            &json!({"KsqlServerInfo":{"version":VERSION,"kafkaClusterId":"ksqldb-sandbox",
                "ksqlServiceId":"ksqlDB sandbox (in-memory, no Kafka)","serverStatus":"RUNNING"}}),
        ),
        ("GET", "/healthcheck") => json_response(
            StatusCode::OK,
            &json!({"isHealthy":true,"details":{"metastore":{"isHealthy":true},"kafka":{"isHealthy":true},
                "commandRunner":{"isHealthy":true}},"serverState":"READY"}),
        ),
        ("GET", "/chc/ready") | ("GET", "/chc/live") => json_response(StatusCode::OK, &json!({})),
        ("GET", p) if p.starts_with("/is_valid_property/") => json_response(StatusCode::OK, &json!(true)),
        ("POST", "/ksql") => {
            let body = match read_json(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            handle_ksql(engine, body).await
        }
        ("POST", "/query") => {
            let body = match read_json(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let framing = if accept.contains("application/vnd.ksqlapi.delimited.v1") || accept.trim() == "*/*" {
                Framing::Delimited
            } else {
                Framing::StreamedRows
            };
            let Some(sql) = body.get("ksql").and_then(|v| v.as_str()) else {
                return generic_error(400, 40000, "Invalid JSON in request: Missing required creator property 'ksql'");
            };
            let session = session_from(&body, "streamsProperties");
            handle_query(&state, sql.to_string(), session, framing)
        }
        ("POST", "/query-stream") => {
            if accept.contains("protobuf") {
                return full(
                    StatusCode::NOT_ACCEPTABLE,
                    "text/plain",
                    "Not Acceptable: the ksqlDB sandbox does not produce protobuf rows",
                );
            }
            let body = match read_json(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let framing = if accept.contains("application/vnd.ksql.v1+json") {
                Framing::StreamedRows
            } else if accept.contains("application/json") {
                Framing::JsonArray
            } else {
                Framing::Delimited
            };
            let Some(sql) = body.get("sql").and_then(|v| v.as_str()) else {
                return generic_error(400, 40000, "Invalid JSON in request: Missing required creator property 'sql'");
            };
            let session = session_from(&body, "properties");
            handle_query(&state, sql.to_string(), session, framing)
        }
        ("POST", "/close-query") => {
            let body = match read_json(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let Some(id) = body.get("queryId").and_then(|v| v.as_str()) else {
                return generic_error(
                    400,
                    40000,
                    "Invalid JSON in request: Missing required creator property 'queryId'",
                );
            };
            let closed = engine.lock().map(|mut e| e.close_transient(id)).unwrap_or(false);
            if closed {
                full(StatusCode::OK, "application/json", Bytes::new())
            } else {
                generic_error(400, 40000, &format!("No query with id {id}"))
            }
        }
        ("POST", "/inserts-stream") => {
            // A client that offers HTTP/2 by `Upgrade: h2c` (ksql-python, through `hyper`) gets
            // the same answer over HTTP/1.1: ksqlDB's Vert.x upgrades such a connection, and
            // hyper's server cannot, so the sandbox serves the request as it came.
            let offers_h2c = req
                .headers()
                .get("upgrade")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("h2c")));
            if !http2 && !offers_h2c {
                return generic_error(400, 40004, "This endpoint is only available when using HTTP2");
            }
            let json_array = accept.contains("application/json");
            inserts::handle(engine, req.into_body(), json_array, state.queued.clone(), state.stall_limit).await
        }
        _ => full(StatusCode::NOT_FOUND, "text/plain", "Not Found"),
    }
}

async fn read_json(req: Request<Incoming>) -> Result<J, Response<Body>> {
    let declared = req.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large("The request body", MAX_BODY_BYTES));
    }
    let bytes = match Limited::new(req.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(too_large("The request body", MAX_BODY_BYTES))
        }
        Err(_) => return Err(generic_error(400, 40000, "Cannot read request body")),
    };
    serde_json::from_slice(&bytes).map_err(|e| generic_error(400, 40000, &format!("Invalid JSON in request: {e}")))
}

fn string_map(v: Option<&J>) -> Vec<(String, String)> {
    match v {
        Some(J::Object(o)) => o
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    match v {
                        J::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                )
            })
            .collect(),
        _ => vec![],
    }
}

fn session_from(body: &J, props_key: &str) -> Session {
    Session { properties: string_map(body.get(props_key)), variables: string_map(body.get("sessionVariables")) }
}

async fn handle_ksql(engine: SharedEngine, body: J) -> Response<Body> {
    let Some(text) = body.get("ksql").and_then(|v| v.as_str()) else {
        return generic_error(400, 40000, "Invalid JSON in request: Missing required creator property 'ksql'");
    };
    let mut session = session_from(&body, "streamsProperties");
    let mut entities = Vec::new();
    for stmt in split_statements(text) {
        let stmt = match substitute_variables(&stmt, &session.variables) {
            Ok(s) => s,
            Err(m) => return engine_error(&EngineError::statement(m), &stmt, entities),
        };
        let mut result = with_engine(&engine, "statement", |eng| eng.execute(&stmt, &mut session));
        // A failed ASSERT is checked again until its timeout, the engine free in between.
        if let Some(wait) = result.as_ref().err().and_then(|e| e.retry_for_ms) {
            let deadline = tokio::time::Instant::now() + Duration::from_millis(wait);
            while result.as_ref().is_err_and(|e| e.retry_for_ms.is_some()) && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
                result = with_engine(&engine, "statement", |eng| eng.execute(&stmt, &mut session));
            }
        }
        match result {
            Ok(Some(entity)) => entities.push(entity),
            Ok(None) => {}
            Err(e) => return engine_error(&e, &stmt, entities),
        }
    }
    // A statement may have freed hundreds of MB (a CREATE .. AS SELECT replaying a topic):
    // given back now, not when the allocator is next busy (see allocator.rs).
    crate::allocator::return_freed_memory_now();
    json_response(StatusCode::OK, &J::Array(entities))
}

/// `run` on the engine (`what` names it in the answer): a bug in the engine is an error answer
/// for this request, never a server down; a poisoned lock a generic error for every request after.
fn with_engine<T>(
    engine: &SharedEngine,
    what: &str,
    run: impl FnOnce(&mut Engine) -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let Ok(mut eng) = engine.lock() else {
        return Err(EngineError::internal("The sandbox engine is unavailable (a previous request panicked)"));
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut eng))).unwrap_or_else(|_| {
        Err(EngineError {
            statement: true,
            ..EngineError::internal(format!("Internal error in the ksqlDB sandbox while running this {what}"))
        })
    })
}

fn handle_query(state: &State, sql: String, mut session: Session, framing: Framing) -> Response<Body> {
    let engine = state.engine.clone();
    let stmts = split_statements(&sql);
    if stmts.len() != 1 {
        return generic_error(
            400,
            40000,
            &format!("Expected exactly one KSQL statement; found {} instead", stmts.len()),
        );
    }
    let stmt = match substitute_variables(&stmts[0], &session.variables) {
        Ok(s) => s,
        Err(m) => return engine_error(&EngineError::statement(m), &stmts[0], vec![]),
    };
    let result = with_engine(&engine, "query", |eng| eng.query(&stmt, &mut session));
    let result = match result {
        Ok(r) => r,
        Err(e) => return engine_error(&e, &stmt, vec![]),
    };
    let content_type = match framing {
        Framing::StreamedRows => "application/vnd.ksql.v1+json",
        Framing::Delimited => "application/vnd.ksqlapi.delimited.v1",
        Framing::JsonArray => "application/json",
    };
    let mut w = Writer::new(framing);
    match result {
        QueryResult::Pull { header, rows, tombstones, completion } => {
            // Each element is written on its own (a chunk of HTTP/1.1, a DATA frame of HTTP/2),
            // as ksqlDB writes them: clients read the header before the rows.
            let h = w.header(&header, false);
            let mut pieces = Vec::with_capacity(rows.len() + 2);
            match completion {
                None if rows.is_empty() => pieces.push(w.end_empty_pull(&h)),
                None => {
                    pieces.push(h);
                    let n = rows.len();
                    for (i, r) in rows.iter().enumerate() {
                        if i + 1 == n {
                            pieces.push(w.last_pull_row(r));
                        } else if let Some(s) = w.row(r, tombstones[i]) {
                            pieces.push(s);
                        }
                    }
                }
                Some(m) => {
                    pieces.push(h);
                    pieces.extend(rows.iter().zip(&tombstones).filter_map(|(r, &t)| w.row(r, t)));
                    pieces.push(w.end(Some(m)));
                }
            }
            let frames = pieces.into_iter().map(|p| Ok::<_, Infallible>(Frame::data(Bytes::from(p))));
            let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames)).boxed();
            Response::builder().status(200).header("content-type", content_type).body(body).unwrap()
        }
        QueryResult::Push { header, signal, limit } => {
            let first = w.header(&header, false);
            let out = Output::Query(w);
            stream_response(state, content_type, first, header.query_id, signal, limit, out)
        }
        QueryResult::Print { id, formats, signal, limit } => {
            stream_response(state, "text/plain", formats.concat(), id, signal, limit, Output::Print)
        }
    }
}

/// A push query or PRINT response: `first`, then what [`stream::pump_to_client`] sends.
fn stream_response(
    state: &State,
    content_type: &str,
    first: String,
    id: String,
    signal: Arc<super::engine::push::Signal>,
    limit: Option<u64>,
    out: Output,
) -> Response<Body> {
    let (queue, body) = stream::queue(state.queued.clone());
    let (engine, stall) = (state.engine.clone(), state.stall_limit);
    tokio::spawn(async move {
        // The queue is empty: the first message goes in at once.
        if queue.send(first, stall).await.is_ok() {
            stream::pump_to_client(engine.clone(), id.clone(), signal, limit, out, queue, stall).await;
        } else if let Ok(mut e) = engine.lock() {
            e.release(&id);
        }
    });
    Response::builder().status(200).header("content-type", content_type).body(body).unwrap()
}

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod inserts_tests;
#[cfg(test)]
mod limits_tests;
