//! Confluent Schema Registry's REST API on the sandbox's port (its paths do not clash with
//! ksqlDB's: /subjects, /schemas, /config, /compatibility, /mode), over the engine's
//! registry, so that clients (confluent-kafka's serializers, kcat, curl) and notebooks use
//! `http://localhost:8088` as the registry URL. Errors come as Schema Registry writes them:
//! `{"error_code": 40401, "message": "..."}` with the error code's HTTP status.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value as J};

use super::{full, read_json, Body, SharedEngine};
use crate::schema_registry::{Compatibility, RegistryError, SchemaReference, SchemaRegistry, SchemaType, StoredSchema};

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// Whether `path` belongs to the Schema Registry API.
pub fn is_registry_path(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    matches!(first, "subjects" | "schemas" | "config" | "compatibility" | "mode")
}

pub async fn handle(engine: SharedEngine, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().clone();
    let segments: Vec<String> = req
        .uri()
        .path()
        .trim_matches('/')
        .split('/')
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let query = req.uri().query().unwrap_or("").to_string();
    let body = if method == Method::POST || method == Method::PUT {
        match read_json(req).await {
            Ok(b) => b,
            Err(r) => return r,
        }
    } else {
        // The body of a GET or DELETE is not read.
        let _ = req.into_body().collect().await;
        J::Null
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let result = {
        let Ok(mut engine) = engine.lock() else {
            return respond(Err(RegistryError { code: 50001, message: "The registry is unavailable".into() }));
        };
        dispatch(&mut engine.schema_registry, &method, &segments, &query, &body)
    };
    respond(result)
}

fn respond(result: Result<J, RegistryError>) -> Response<Body> {
    match result {
        Ok(v) => full(StatusCode::OK, CONTENT_TYPE, v.to_string()),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            full(status, CONTENT_TYPE, json!({"error_code": e.code, "message": e.message}).to_string())
        }
    }
}

fn error(code: u32, message: impl Into<String>) -> RegistryError {
    RegistryError { code, message: message.into() }
}

fn dispatch(r: &mut SchemaRegistry, m: &Method, path: &[&str], query: &str, body: &J) -> Result<J, RegistryError> {
    match (m.as_str(), path) {
        ("GET", ["subjects"]) => Ok(json!(r.subjects())),
        ("POST", ["subjects", s]) => {
            let (t, text, _) = schema_of(body)?;
            let (version, schema) = r.lookup(s, t, &text)?;
            Ok(version_json(s, version, schema))
        }
        ("DELETE", ["subjects", s]) => Ok(json!(r.delete(s, None)?)),
        ("GET", ["subjects", s, "versions"]) => Ok(json!(r.versions(s)?)),
        ("POST", ["subjects", s, "versions"]) => {
            let (t, text, references) = schema_of(body)?;
            Ok(json!({"id": r.register(s, t, &text, references, None)?}))
        }
        ("GET", ["subjects", s, "versions", v]) => {
            let (version, schema) = r.version(s, parse_version(v)?)?;
            Ok(version_json(s, version, schema))
        }
        ("GET", ["subjects", s, "versions", v, "schema"]) => Ok(r.version(s, parse_version(v)?)?.1.document()),
        ("DELETE", ["subjects", s, "versions", v]) => Ok(json!(r.delete(s, Some(exact_version(r, s, v)?))?[0])),
        ("GET", ["schemas", "types"]) => Ok(json!(["JSON", "PROTOBUF", "AVRO"])),
        ("GET", ["schemas", "ids", id]) => {
            let schema = r.by_id(parse_id(id)?)?;
            let mut v = json!({"schema": schema.text});
            add_type_and_references(&mut v, schema);
            Ok(v)
        }
        ("GET", ["schemas", "ids", id, "versions"]) => {
            let id = parse_id(id)?;
            r.by_id(id)?;
            Ok(J::Array(r.usages(id).into_iter().map(|(s, v)| json!({"subject": s, "version": v})).collect()))
        }
        ("GET", ["schemas", "ids", id, "subjects"]) => {
            let id = parse_id(id)?;
            r.by_id(id)?;
            let mut subjects: Vec<String> = r.usages(id).into_iter().map(|(s, _)| s).collect();
            subjects.dedup();
            Ok(json!(subjects))
        }
        ("POST", ["compatibility", "subjects", s, "versions", rest @ ..]) if rest.len() <= 1 => {
            let (t, text, _) = schema_of(body)?;
            let version = match rest.first() {
                Some(v) => Some(exact_version(r, s, v)?),
                None => None,
            };
            Ok(match r.check_compatibility(s, t, &text, version) {
                Ok(()) => json!({"is_compatible": true}),
                Err(e) if e.code == 409 => json!({"is_compatible": false, "messages": [e.message]}),
                Err(e) => return Err(e),
            })
        }
        ("GET", ["config"]) => Ok(json!({"compatibilityLevel": r.global_compatibility().name()})),
        ("PUT", ["config"]) => {
            let c = compatibility_of(body)?;
            r.set_global_compatibility(c);
            Ok(json!({"compatibility": c.name()}))
        }
        ("GET", ["config", s]) => match r.subject_compatibility(s) {
            Some(c) => Ok(json!({"compatibilityLevel": c.name()})),
            None if query.split('&').any(|p| p == "defaultToGlobal=true") => {
                Ok(json!({"compatibilityLevel": r.global_compatibility().name()}))
            }
            None => Err(error(40408, format!("Subject '{s}' does not have subject-level compatibility configured"))),
        },
        ("PUT", ["config", s]) => {
            let c = compatibility_of(body)?;
            r.set_subject_compatibility(s, c);
            Ok(json!({"compatibility": c.name()}))
        }
        ("GET", ["mode"]) => Ok(json!({"mode": "READWRITE"})),
        (_, ["subjects" | "schemas" | "config" | "compatibility" | "mode", ..]) if known_path(path) => {
            Err(error(405, "HTTP 405 Method Not Allowed"))
        }
        _ => Err(error(404, "HTTP 404 Not Found")),
    }
}

/// Paths the API has under some method (for 405 rather than 404).
fn known_path(path: &[&str]) -> bool {
    matches!(
        path,
        ["subjects"]
            | ["subjects", _]
            | ["subjects", _, "versions"]
            | ["subjects", _, "versions", _]
            | ["schemas", "ids", _]
            | ["config"]
            | ["config", _]
            | ["mode"]
    )
}

/// A version object: GET /subjects/{s}/versions/{v} and POST /subjects/{s}.
fn version_json(subject: &str, version: u32, schema: &StoredSchema) -> J {
    let mut v = json!({"subject": subject, "version": version, "id": schema.id, "schema": schema.text});
    add_type_and_references(&mut v, schema);
    v
}

/// `schemaType` is left out for AVRO, as Schema Registry does; `references` when there are some.
fn add_type_and_references(v: &mut J, schema: &StoredSchema) {
    if schema.schema_type != SchemaType::Avro {
        v["schemaType"] = json!(schema.schema_type.name());
    }
    if !schema.references.is_empty() {
        let refs: Vec<J> = schema
            .references
            .iter()
            .map(|r| json!({"name": r.name, "subject": r.subject, "version": r.version}))
            .collect();
        v["references"] = J::Array(refs);
    }
}

/// The schema of a request body: its type (AVRO when absent), text and references.
fn schema_of(body: &J) -> Result<(SchemaType, String, Vec<SchemaReference>), RegistryError> {
    let text = body.get("schema").and_then(J::as_str).filter(|s| !s.trim().is_empty());
    let text = text.ok_or_else(|| error(42201, "Empty schema"))?;
    let t = match body.get("schemaType").and_then(J::as_str) {
        None => SchemaType::Avro,
        Some(name) => SchemaType::parse(name).ok_or_else(|| error(42201, format!("Invalid schema type {name}")))?,
    };
    let mut references = Vec::new();
    for r in body.get("references").and_then(J::as_array).into_iter().flatten() {
        let (Some(name), Some(subject), Some(version)) =
            (r["name"].as_str(), r["subject"].as_str(), r["version"].as_u64())
        else {
            return Err(error(42201, format!("Invalid schema reference {r}")));
        };
        references.push(SchemaReference { name: name.into(), subject: subject.into(), version: version as u32 });
    }
    Ok((t, text.to_string(), references))
}

/// A version id: a number from 1, or `latest` (or -1); None stands for the latest.
fn parse_version(v: &str) -> Result<Option<u32>, RegistryError> {
    match v {
        "latest" | "-1" => Ok(None),
        _ => match v.parse::<u32>() {
            Ok(n) if n >= 1 && n <= i32::MAX as u32 => Ok(Some(n)),
            _ => Err(error(
                42202,
                format!(
                    "The specified version '{v}' is not a valid version id. Allowed values are between [1, \
                     2^31-1] and the string \"latest\""
                ),
            )),
        },
    }
}

/// A version id made exact (`latest` is the subject's latest version).
fn exact_version(r: &SchemaRegistry, subject: &str, v: &str) -> Result<u32, RegistryError> {
    let version = parse_version(v)?;
    Ok(r.version(subject, version)?.0)
}

fn parse_id(id: &str) -> Result<u32, RegistryError> {
    id.parse::<u32>().map_err(|_| error(404, "HTTP 404 Not Found"))
}

fn compatibility_of(body: &J) -> Result<Compatibility, RegistryError> {
    let level = body.get("compatibility").and_then(J::as_str).unwrap_or("");
    Compatibility::parse(level).ok_or_else(|| error(42203, "Invalid compatibility level"))
}
