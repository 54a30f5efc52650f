//! RQTT, ksqlDB's REST query-validation tests, through the sandbox's HTTP server: what is
//! compared is what a client reads. As ksqlDB's RestTestExecutor does it: the statements before
//! the first query go as one `POST /ksql`, the inputs are produced into their topics (its
//! Kafka producer), each query is a `POST /query` with `Accept: application/vnd.ksql.v1+json`,
//! the topics' records are compared with the expected outputs, and the error type (statement
//! or generic) is checked with the message and status.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value as J};

use super::{
    compare_qtt_outputs, each_variant, first_line, input_record, json_eq, like_ksqldb_test_registry, register_topic,
    Outcome, VariantOutcomes,
};
use ksqldb_sandbox::server::{serve, Options, SandboxHandle};

/// How long a query's response may take to give all its expected elements (a push query
/// without LIMIT never ends its response).
const QUERY_READ_LIMIT: Duration = Duration::from_secs(3);

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime")
    })
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| reqwest::Client::builder().http1_only().build().expect("an HTTP client"))
}

/// Runs one REST test case; each format variant must pass.
pub fn run_rest_case(test: &J) -> VariantOutcomes {
    let responses = test.get("responses").and_then(|r| r.as_array());
    let proto = responses.into_iter().flatten().any(|r| r.get("queryProto").is_some());
    each_variant(test, |stmts| {
        if proto {
            return Outcome::Unsupported("protobuf query responses".into());
        }
        runtime().block_on(run_variant(test, stmts))
    })
}

async fn run_variant(test: &J, stmts: &[String]) -> Outcome {
    let handle = match serve(Options::default()).await {
        Ok(handle) => handle,
        Err(e) => return Outcome::Fail(format!("the sandbox did not start: {e}")),
    };
    {
        let engine = handle.engine();
        let mut engine = engine.lock().unwrap();
        engine.auto_create_topics = true;
        like_ksqldb_test_registry(&mut engine);
        for topic in test.get("topics").and_then(|t| t.as_array()).into_iter().flatten() {
            register_topic(&mut engine, topic);
        }
    }
    let outcome = exchange(&handle, test, stmts).await;
    handle.shutdown();
    outcome
}

/// The request properties: as RestTestExecutor's server (push v2 on, queries from the earliest
/// offset) unless the test sets its own.
fn properties(test: &J) -> J {
    let mut props: BTreeMap<String, J> = BTreeMap::new();
    props.insert("ksql.query.push.v2.enabled".into(), json!("true"));
    props.insert("auto.offset.reset".into(), json!("earliest"));
    if let Some(J::Object(own)) = test.get("properties") {
        for (k, v) in own {
            props.insert(k.clone(), json!(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
        }
    }
    json!(props)
}

async fn exchange(handle: &SandboxHandle, test: &J, stmts: &[String]) -> Outcome {
    let props = properties(test);
    let first_query = stmts.iter().position(|s| s.starts_with("SELECT ")).unwrap_or(stmts.len());
    let (admin, queries) = stmts.split_at(first_query);
    let expected: Vec<J> = test.get("responses").and_then(|r| r.as_array()).cloned().unwrap_or_default();
    let mut actual: Vec<J> = Vec::new();
    if !admin.is_empty() {
        let body = json!({"ksql": admin.join("\n"), "streamsProperties": props});
        let response = match post(handle, "/ksql", "application/vnd.ksql.v1+json", &body).await {
            Ok(response) => response,
            Err(e) => return Outcome::Fail(e),
        };
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        if status != 200 {
            return error_check(test, &text, status);
        }
        match serde_json::from_str::<Vec<J>>(&text) {
            Ok(entities) => actual.extend(entities.into_iter().map(|e| json!({ "admin": e }))),
            Err(e) => return Outcome::Fail(format!("/ksql answered {e}: {}", first_line(&text))),
        }
    }
    let wait = test.get("inputConditions").and_then(|c| c.get("waitForActivePushQuery")) == Some(&J::Bool(true));
    if !wait {
        if let Err(e) = produce_inputs(handle, test) {
            return Outcome::Fail(e);
        }
    }
    for query in queries {
        let wanted = expected.get(actual.len()).and_then(|r| r.get("query")).and_then(|q| q.as_array()).map(Vec::len);
        let body = json!({"ksql": query, "streamsProperties": props});
        let response = match post(handle, "/query", "application/vnd.ksql.v1+json", &body).await {
            Ok(response) => response,
            Err(e) => return Outcome::Fail(e),
        };
        let status = response.status().as_u16();
        if status != 200 {
            return error_check(test, &response.text().await.unwrap_or_default(), status);
        }
        let elements = match read_elements(response, wanted, wait.then_some((handle, test))).await {
            Ok(elements) => elements,
            Err(e) => return Outcome::Fail(e),
        };
        actual.push(json!({ "query": elements }));
    }
    if let Some(error) = test.get("expectedError") {
        return Outcome::Fail(format!("expected error {:?}, but everything succeeded", error.get("message")));
    }
    if actual.len() < expected.len() {
        return Outcome::Fail(format!("expected {} responses, got {}", expected.len(), actual.len()));
    }
    if test.get("outputs").is_some() {
        let engine = handle.engine();
        let engine = engine.lock().unwrap();
        if let Err(outcome) = compare_qtt_outputs(&engine, test) {
            return outcome;
        }
    }
    compare_responses(test, &expected, &actual)
}

async fn post(handle: &SandboxHandle, path: &str, accept: &str, body: &J) -> Result<reqwest::Response, String> {
    client()
        .post(format!("{}{path}", handle.url()))
        .header("accept", accept)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("POST {path}: {e}"))
}

fn produce_inputs(handle: &SandboxHandle, test: &J) -> Result<(), String> {
    let engine = handle.engine();
    let mut engine = engine.lock().unwrap();
    for input in test.get("inputs").and_then(|i| i.as_array()).into_iter().flatten() {
        let Some(topic) = input["topic"].as_str() else { continue };
        let record = input_record(&engine, topic, input)?;
        engine.produce(topic, record, None);
    }
    Ok(())
}

/// The elements of a StreamedRow JSON array response, one per line as ksqlDB frames them:
/// read until the response ends, `wanted` elements have come, or [`QUERY_READ_LIMIT`]. With
/// `produce_after_header`, the inputs are produced once the header has come (a push query
/// that must be running first).
async fn read_elements(
    mut response: reqwest::Response,
    wanted: Option<usize>,
    mut produce_after_header: Option<(&SandboxHandle, &J)>,
) -> Result<Vec<J>, String> {
    let deadline = Instant::now() + QUERY_READ_LIMIT;
    let mut buffer: Vec<u8> = Vec::new();
    let mut elements = Vec::new();
    loop {
        if wanted.is_some_and(|n| elements.len() >= n) {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = match tokio::time::timeout(left, response.chunk()).await {
            Err(_) | Ok(Ok(None)) => None,
            Ok(Ok(Some(chunk))) => Some(chunk),
            Ok(Err(e)) => return Err(format!("reading the query response: {e}")),
        };
        let ended = chunk.is_none();
        buffer.extend_from_slice(chunk.as_deref().unwrap_or_default());
        while let Some(end) = buffer.iter().position(|&b| b == b'\n').or(ended.then_some(buffer.len())) {
            let line: Vec<u8> = buffer.drain(..end.min(buffer.len())).collect();
            if !buffer.is_empty() {
                buffer.remove(0);
            }
            if let Some(element) = element_of_line(&line)? {
                elements.push(element);
            }
            if buffer.is_empty() {
                break;
            }
        }
        if let Some((handle, test)) = produce_after_header.filter(|_| !elements.is_empty()) {
            produce_inputs(handle, test)?;
            produce_after_header = None;
        }
        if ended {
            break;
        }
    }
    Ok(elements)
}

/// One line of the array: `[` before the first element, `,` after each, `]` at the end.
fn element_of_line(line: &[u8]) -> Result<Option<J>, String> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim().trim_start_matches('[').trim_end_matches(']').trim_end_matches(',').trim();
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| format!("a line of the query response is not one element ({e}): {text}"))
}

/// An error answer compared with the expected one: message, status and type (a statement
/// error carries the statement; a generic one does not).
fn error_check(test: &J, body: &str, status: u16) -> Outcome {
    let error: J = serde_json::from_str(body).unwrap_or_else(|_| json!({"message": body}));
    let message = error.get("message").and_then(|m| m.as_str()).unwrap_or(body);
    let Some(expected) = test.get("expectedError") else {
        if message.contains("not supported in the ksqlDB sandbox") {
            return Outcome::Unsupported(first_line(message));
        }
        return Outcome::Fail(format!("unexpected error {status}: {}", first_line(message)));
    };
    let want = expected.get("message").and_then(|m| m.as_str()).unwrap_or("");
    if !message.contains(want) {
        return Outcome::Fail(format!("error {message:?} does not contain {want:?}"));
    }
    if let Some(s) = expected.get("status").and_then(|s| s.as_u64()) {
        if s as u16 != status {
            return Outcome::Fail(format!("status {status} != {s}"));
        }
    }
    // As ksqlDB's ExpectedErrorNode: the error is an instance of the expected class (a
    // statement error is also a KsqlErrorMessage), and a statement error quotes the case's last
    // statement.
    if let Some(kind) = expected.get("type").and_then(|t| t.as_str()) {
        let statement = error.get("@type").and_then(|t| t.as_str()) == Some("statement_error");
        if kind.ends_with("KsqlStatementErrorMessage") {
            if !statement {
                return Outcome::Fail(format!("error type: expected {kind}, got {}", error["@type"]));
            }
            let last = test["statements"].as_array().and_then(|s| s.last()).and_then(|s| s.as_str()).unwrap_or("");
            let quoted = error.get("statementText").and_then(|t| t.as_str()).unwrap_or("");
            if !quoted.contains(last.trim()) {
                return Outcome::Fail(format!("statement error quotes {quoted:?}, not the last statement {last:?}"));
            }
        } else if !kind.ends_with("KsqlErrorMessage") {
            return Outcome::Fail(format!("error type: expected {kind}, which no sandbox error is"));
        }
    }
    Outcome::Pass
}
/// Compares the responses with the expected ones: admin answers partially, query answers
/// with header and final message in place and rows as a multiset (unless verifyOrder).
fn compare_responses(test: &J, responses: &[J], actual: &[J]) -> Outcome {
    let verify_order = test.get("outputConditions").and_then(|c| c.get("verifyOrder")) == Some(&J::Bool(true));
    for (i, (e, a)) in responses.iter().zip(actual).enumerate() {
        if let Some(ea) = e.get("admin") {
            match a.get("admin") {
                Some(aa) if partial_match(ea, aa) => {}
                _ => return Outcome::Fail(format!("response {i}: expected admin {ea}, got {a}")),
            }
            continue;
        }
        if e.get("queryProto").is_some() {
            return Outcome::Unsupported("protobuf query responses".into());
        }
        let (Some(J::Array(eq)), Some(J::Array(aq))) = (e.get("query"), a.get("query")) else {
            return Outcome::Fail(format!("response {i}: expected {e}, got {a}"));
        };
        if eq.len() != aq.len() {
            return Outcome::Fail(format!(
                "response {i}: expected {} elements, got {}: {}",
                eq.len(),
                aq.len(),
                J::Array(aq.clone())
            ));
        }
        // Header and final message in place; rows as a multiset unless verifyOrder.
        let is_row = |x: &J| x.get("row").is_some();
        let e_rows: Vec<&J> = eq.iter().filter(|x| is_row(x)).collect();
        let a_rows: Vec<&J> = aq.iter().filter(|x| is_row(x)).collect();
        for (x, y) in eq.iter().zip(aq).filter(|(x, _)| !is_row(x)) {
            if !partial_match(x, y) {
                return Outcome::Fail(format!("response {i}: expected {x}, got {y}"));
            }
        }
        if verify_order {
            for (x, y) in e_rows.iter().zip(&a_rows) {
                if !partial_match(x, y) {
                    return Outcome::Fail(format!("response {i}: row {y} != expected {x}"));
                }
            }
        } else {
            let mut used = vec![false; a_rows.len()];
            for x in &e_rows {
                match a_rows.iter().enumerate().find(|(j, y)| !used[*j] && partial_match(x, y)) {
                    Some((j, _)) => used[j] = true,
                    None => {
                        return Outcome::Fail(format!(
                            "response {i}: expected row {x} not found in {}",
                            J::Array(aq.clone())
                        ))
                    }
                }
            }
        }
    }
    Outcome::Pass
}

/// Partial match as the RQTT executor does it: only keys present in the expectation count;
/// `key|starts_with` does a prefix match.
fn partial_match(e: &J, a: &J) -> bool {
    match (e, a) {
        (J::Object(eo), J::Object(ao)) => eo.iter().all(|(k, v)| {
            if let Some(base) = k.strip_suffix("|starts_with") {
                return matches!((v, ao.get(base)), (J::String(p), Some(J::String(s))) if s.starts_with(p.as_str()));
            }
            ao.get(k).is_some_and(|av| partial_match(v, av))
        }),
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| partial_match(p, q)),
        _ => json_eq(e, a),
    }
}
