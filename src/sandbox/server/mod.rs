//! The sandbox's REST API on hyper: HTTP/1.1 and HTTP/2 (h2c prior knowledge) on one port
//! via hyper-util's auto builder. Routes and bodies follow `ksqldb-rest-api.md` for a 0.29
//! server: /info, /healthcheck, /ksql, /query, /query-stream, /close-query,
//! /inserts-stream; errors as `generic_error` / `statement_error` JSON.

pub mod framing;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value as J};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use self::framing::{Framing, Writer};
use super::engine::{Engine, EngineError, PushMsg, QueryResult, Session};
use super::sql::lexer::split_statements;
use super::sql::parser::substitute_variables;

pub type Body = BoxBody<Bytes, Infallible>;
pub type SharedEngine = Arc<Mutex<Engine>>;

pub const VERSION: &str = "0.29.0";

/// A running sandbox server.
pub struct SandboxHandle {
    url: String,
    addr: SocketAddr,
    engine: SharedEngine,
    shutdown: Option<oneshot::Sender<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.url
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The engine, for in-process inspection (tests, benchmarks).
    pub fn engine(&self) -> SharedEngine {
        self.engine.clone()
    }
    pub fn shutdown(mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}

/// Binds `listen` (e.g. `127.0.0.1:8088`, port 0 for any) and serves until the handle is
/// dropped or shut down.
pub async fn serve(listen: &str) -> anyhow::Result<SandboxHandle> {
    let listener = TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let engine: SharedEngine = Arc::new(Mutex::new(Engine::new()));
    let (tx, mut rx) = oneshot::channel::<()>();
    let eng = engine.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let eng = eng.clone();
                    tokio::spawn(async move {
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let svc = hyper::service::service_fn(move |req| {
                            let eng = eng.clone();
                            async move { Ok::<_, Infallible>(route(eng, req).await) }
                        });
                        let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                        let _ = builder.serve_connection(io, svc).await;
                    });
                }
            }
        }
    });
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    Ok(SandboxHandle { url: format!("http://{host}:{}", addr.port()), addr, engine, shutdown: Some(tx) })
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

fn generic_error(status: u16, code: u32, message: &str) -> Response<Body> {
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &json!({"@type":"generic_error","error_code":code,"message":message}),
    )
}

fn engine_error(e: &EngineError, statement: &str, entities: Vec<J>) -> Response<Body> {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    if e.statement {
        json_response(
            status,
            &json!({"@type":"statement_error","error_code":e.code,"message":e.message,"statementText":statement,"entities":entities}),
        )
    } else {
        json_response(status, &json!({"@type":"generic_error","error_code":e.code,"message":e.message}))
    }
}

fn channel_body(rx: mpsc::UnboundedReceiver<Bytes>) -> Body {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    StreamBody::new(stream).boxed()
}

async fn route(engine: SharedEngine, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let http2 = req.version() == hyper::Version::HTTP_2;
    match (method.as_str(), path.as_str()) {
        ("GET", "/") => Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header("location", "/info")
            .body(Full::new(Bytes::new()).boxed())
            .unwrap(),
        ("GET", "/info") => json_response(
            StatusCode::OK,
            &json!({"KsqlServerInfo":{"version":VERSION,"kafkaClusterId":"ksqldb-sandbox","ksqlServiceId":"ksqlDB sandbox (in-memory, no Kafka)","serverStatus":"RUNNING"}}),
        ),
        ("GET", "/healthcheck") => json_response(
            StatusCode::OK,
            &json!({"isHealthy":true,"details":{"metastore":{"isHealthy":true},"kafka":{"isHealthy":true},"commandRunner":{"isHealthy":true}},"serverState":"READY"}),
        ),
        ("GET", "/chc/ready") | ("GET", "/chc/live") => json_response(StatusCode::OK, &json!({})),
        ("GET", p) if p.starts_with("/is_valid_property/") => json_response(StatusCode::OK, &json!(true)),
        ("POST", "/ksql") => {
            let body = match read_json(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            handle_ksql(engine, body)
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
            handle_query(engine, sql.to_string(), session, framing)
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
            handle_query(engine, sql.to_string(), session, framing)
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
            if !http2 {
                return generic_error(400, 40004, "This endpoint is only available when using HTTP2");
            }
            let bytes = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return generic_error(400, 40000, "Cannot read request body"),
            };
            handle_inserts(engine, &bytes, accept.contains("application/json"))
        }
        _ => full(StatusCode::NOT_FOUND, "text/plain", "Not Found"),
    }
}

async fn read_json(req: Request<Incoming>) -> Result<J, Response<Body>> {
    let bytes =
        req.into_body().collect().await.map_err(|_| generic_error(400, 40000, "Cannot read request body"))?.to_bytes();
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

fn handle_ksql(engine: SharedEngine, body: J) -> Response<Body> {
    let Some(text) = body.get("ksql").and_then(|v| v.as_str()) else {
        return generic_error(400, 40000, "Invalid JSON in request: Missing required creator property 'ksql'");
    };
    let mut session = session_from(&body, "streamsProperties");
    let mut entities = Vec::new();
    let Ok(mut eng) = engine.lock() else {
        return generic_error(500, 50000, "The sandbox engine is unavailable (a previous request panicked)");
    };
    for stmt in split_statements(text) {
        let stmt = match substitute_variables(&stmt, &session.variables) {
            Ok(s) => s,
            Err(m) => return engine_error(&EngineError::statement(m), &stmt, entities),
        };
        // Never let a bug in the engine take the server down: report it as an error.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| eng.execute(&stmt, &mut session)));
        match result {
            Ok(Ok(Some(entity))) => entities.push(entity),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return engine_error(&e, &stmt, entities),
            Err(_) => {
                return engine_error(
                    &EngineError {
                        status: 500,
                        code: 50000,
                        message: "Internal error in the ksqlDB sandbox while running this statement".into(),
                        statement: true,
                    },
                    &stmt,
                    entities,
                )
            }
        }
    }
    json_response(StatusCode::OK, &J::Array(entities))
}

fn handle_query(engine: SharedEngine, sql: String, mut session: Session, framing: Framing) -> Response<Body> {
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
    let result = {
        let Ok(mut eng) = engine.lock() else {
            return generic_error(500, 50000, "The sandbox engine is unavailable (a previous request panicked)");
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| eng.query(&stmt, &mut session))) {
            Ok(r) => r,
            Err(_) => Err(EngineError {
                status: 500,
                code: 50000,
                message: "Internal error in the ksqlDB sandbox while running this query".into(),
                statement: true,
            }),
        }
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => return engine_error(&e, &stmt, vec![]),
    };
    let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
    let content_type = match framing {
        Framing::StreamedRows => "application/vnd.ksql.v1+json",
        Framing::Delimited => "application/vnd.ksqlapi.delimited.v1",
        Framing::JsonArray => "application/json",
    };
    let mut w = Writer::new(framing);
    match result {
        QueryResult::Pull { header, rows, tombstones, completion } => {
            let h = w.header(&header, false);
            let mut out = String::new();
            match completion {
                None => {
                    if rows.is_empty() {
                        out.push_str(&w.end_empty_pull(&h));
                    } else {
                        out.push_str(&h);
                        let n = rows.len();
                        for (i, r) in rows.iter().enumerate() {
                            if i + 1 == n {
                                out.push_str(&w.last_pull_row(r));
                            } else if let Some(s) = w.row(r, tombstones[i]) {
                                out.push_str(&s);
                            }
                        }
                    }
                }
                Some(m) => {
                    out.push_str(&h);
                    for (i, r) in rows.iter().enumerate() {
                        if let Some(s) = w.row(r, tombstones[i]) {
                            out.push_str(&s);
                        }
                    }
                    out.push_str(&w.end(Some(m)));
                }
            }
            let _ = tx.send(Bytes::from(out));
        }
        QueryResult::Push { header, mut rx, limit } => {
            let _ = tx.send(Bytes::from(w.header(&header, false)));
            let query_id = header.query_id.clone();
            let eng = engine.clone();
            tokio::spawn(async move {
                let mut sent = 0u64;
                if limit == Some(0) {
                    let _ = tx.send(Bytes::from(w.end(Some("Limit Reached"))));
                    return;
                }
                loop {
                    tokio::select! {
                        msg = rx.recv() => {
                            let Some(msg) = msg else {
                                // Closed by /close-query or TERMINATE.
                                let _ = tx.send(Bytes::from(w.end(None)));
                                break;
                            };
                            let chunk = match msg {
                                PushMsg::Row(r) => w.row(&r, false),
                                PushMsg::Tombstone(r) => w.row(&r, true),
                                PushMsg::Error(e) => Some(w.error(&e)),
                            };
                            if let Some(c) = chunk {
                                if tx.send(Bytes::from(c)).is_err() {
                                    break;
                                }
                            }
                            sent += 1;
                            if limit.is_some_and(|l| sent >= l) {
                                let _ = tx.send(Bytes::from(w.end(Some("Limit Reached"))));
                                break;
                            }
                        }
                        _ = tx.closed() => break,
                    }
                }
                if let Ok(mut e) = eng.lock() {
                    e.close_transient(&query_id);
                }
            });
        }
        QueryResult::Print { rx: mut lines, limit } => {
            tokio::spawn(async move {
                let mut sent = 0u64;
                let mut headers = 0;
                loop {
                    tokio::select! {
                        line = lines.recv() => {
                            let Some(line) = line else { break };
                            let is_header = headers < 2 && (line.starts_with("Key format:") || line.starts_with("Value format:"));
                            if is_header { headers += 1; }
                            if tx.send(Bytes::from(line)).is_err() { break; }
                            if !is_header {
                                sent += 1;
                                if limit.is_some_and(|l| sent >= l) { break; }
                            }
                        }
                        _ = tx.closed() => break,
                    }
                }
            });
            return Response::builder()
                .status(200)
                .header("content-type", "text/plain")
                .body(channel_body(rx))
                .unwrap();
        }
    }
    Response::builder().status(200).header("content-type", content_type).body(channel_body(rx)).unwrap()
}

fn handle_inserts(engine: SharedEngine, body: &[u8], json_array: bool) -> Response<Body> {
    let text = String::from_utf8_lossy(body);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return generic_error(400, 40000, "Invalid JSON in request: empty body");
    };
    let Ok(args) = serde_json::from_str::<J>(first) else {
        return generic_error(400, 40000, "Invalid JSON in request");
    };
    let Some(target) = args.get("target").and_then(|t| t.as_str()) else {
        return generic_error(400, 40000, "Invalid JSON in request: Missing required creator property 'target'");
    };
    let target = target.to_ascii_uppercase();
    let mut acks = Vec::new();
    let Ok(mut eng) = engine.lock() else {
        return generic_error(500, 50000, "The sandbox engine is unavailable");
    };
    for (seq, line) in lines.enumerate() {
        let row: J = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(_) => {
                acks.push(json!({"@type":"generic_error","error_code":40000,"message":"Invalid JSON in inserts stream","status":"error","seq":seq}));
                break;
            }
        };
        match insert_json_row(&mut eng, &target, &row) {
            Ok(()) => acks.push(json!({"status":"ok","seq":seq})),
            Err(m) => {
                acks.push(json!({"@type":"generic_error","error_code":40000,"message":m,"status":"error","seq":seq}));
                break;
            }
        }
    }
    if json_array {
        json_response(StatusCode::OK, &J::Array(acks))
    } else {
        let body: String = acks.iter().map(|a| format!("{a}\n")).collect();
        full(StatusCode::OK, "application/vnd.ksqlapi.delimited.v1", body)
    }
}

fn insert_json_row(eng: &mut Engine, target: &str, row: &J) -> Result<(), String> {
    use crate::sandbox::sql::ast::{Expr, Literal};
    let src = eng
        .catalog
        .get(target)
        .cloned()
        .ok_or_else(|| format!("Cannot insert values into an unknown stream/table: {target}"))?;
    let J::Object(o) = row else { return Err("Invalid JSON in inserts stream".into()) };
    let mut cols = Vec::new();
    let mut vals = Vec::new();
    for c in &src.columns {
        let v =
            o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&c.name) || k.trim_matches('`') == c.name).map(|(_, v)| v);
        if let Some(v) = v {
            let value = crate::sandbox::types::from_json(v, &c.ty)?;
            cols.push(c.name.clone());
            // Values are already typed: pass them as literals via CAST of their string form.
            vals.push(match value {
                crate::sandbox::types::Value::Null => Expr::Lit(Literal::Null),
                other => Expr::Cast(
                    Box::new(Expr::Lit(Literal::Str(crate::sandbox::types::to_sql_string(&other)))),
                    c.ty.clone(),
                ),
            });
        }
    }
    eng.insert_values(target, Some(&cols), &vals).map_err(|e| e.message)
}

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod error_tests;
