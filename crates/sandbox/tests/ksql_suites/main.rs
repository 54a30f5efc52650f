//! ksqlDB's own test suites run against the sandbox engine (an integration test: the runners
//! are test code, not part of the library):
//! - QTT (`query-validation-tests`): statements, input records, expected output records or
//!   an expected exception;
//! - RQTT (`rest-query-validation-tests`): statements through the REST layer's formats,
//!   expected `/query` responses.
//!
//! The fixtures are read from `../shared/fixtures` (relative to the crate root) and never
//! copied into the repository. Each format variant of a case counts on its own, as ksqlDB's
//! executor expands them; cases the fixture disables are not run (nor by ksqlDB). Cases needing
//! features the sandbox declares unsupported count as "unsupported" with the reason; everything
//! else passes or fails, so a wrong result can never hide.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as J;

use ksqldb_sandbox::catalog::{ColKind, Source};
use ksqldb_sandbox::engine::{Engine, Session};
use ksqldb_sandbox::registry::columns_from_schema;
use ksqldb_sandbox::schema_registry::{Compatibility, SchemaReference, SchemaRegistry, SchemaType};
use ksqldb_sandbox::sql::lexer::split_statements;
use ksqldb_sandbox::sql::parser::parse_statement;
use ksqldb_sandbox::topics::{serialize, Format, Record, SchemaFormat};
use ksqldb_sandbox::types::*;

mod rest;
mod test_topics;
mod test_udfs;
use rest::run_rest_case;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Unsupported(String),
    /// `"enabled": false` in the fixture: ksqlDB's executor skips the case, so it is not counted.
    Disabled,
}

/// A case's outcome for each of its format variants, labelled with the format ("" for a case
/// without "format"). Each counts on its own, as ksqlDB's executor expands them into tests.
pub type VariantOutcomes = Vec<(String, Outcome)>;

/// The outcome of every variant of `test` by `run_variant`, or one Disabled.
pub fn each_variant(test: &J, mut run_variant: impl FnMut(&[String]) -> Outcome) -> VariantOutcomes {
    if test.get("enabled") == Some(&J::Bool(false)) {
        return vec![(String::new(), Outcome::Disabled)];
    }
    variants(test).into_iter().map(|(f, stmts)| (f.unwrap_or_default(), run_variant(&stmts))).collect()
}

#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub unsupported: usize,
    pub disabled: usize,
}

impl Tally {
    pub fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail(_) => self.failed += 1,
            Outcome::Unsupported(_) => self.unsupported += 1,
            Outcome::Disabled => self.disabled += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.unsupported
    }
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// Reads a fixture file, dropping `//` and `/* */` comments outside strings.
pub fn read_fixture(path: &Path) -> Result<J, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&strip_comments(&text)).map_err(|e| format!("{}: {e}", path.display()))
}

fn strip_comments(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut in_str) = (0, false);
    while i < b.len() {
        let c = b[i];
        if in_str {
            out.push(c);
            if c == '\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
                continue;
            }
            if c == '"' {
                in_str = false;
            }
            i += 1;
        } else if c == '"' {
            in_str = true;
            out.push(c);
            i += 1;
        } else if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Expands `{FORMAT}` in a test's statements, one variant per listed format.
fn variants(test: &J) -> Vec<(Option<String>, Vec<String>)> {
    let stmts: Vec<String> = test["statements"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    match test.get("format").and_then(|f| f.as_array()) {
        Some(fs) if !fs.is_empty() => fs
            .iter()
            .filter_map(|f| f.as_str())
            .map(|f| (Some(f.to_string()), stmts.iter().map(|s| s.replace("{FORMAT}", f)).collect()))
            .collect(),
        _ => vec![(None, stmts)],
    }
}

/// Runs one QTT test case, each format variant on its own.
pub fn run_qtt_case(test: &J) -> VariantOutcomes {
    each_variant(test, |stmts| run_qtt_variant(test, stmts))
}

fn run_qtt_variant(test: &J, stmts: &[String]) -> Outcome {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_qtt_inner(test, stmts)));
    match result {
        Ok(o) => o,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Outcome::Fail(format!("PANIC: {msg}"))
        }
    }
}

fn run_qtt_inner(test: &J, stmts: &[String]) -> Outcome {
    // The suites call ksqlDB's test-only functions, as ksqlDB's test server has them.
    test_udfs::register();
    test_udfs::reset();
    let mut engine = Engine::new();
    engine.auto_create_topics = true;
    like_ksqldb_test_registry(&mut engine);
    let mut session = Session::default();
    session.properties.push(("auto.offset.reset".into(), "earliest".into()));
    if let Some(J::Object(p)) = test.get("properties") {
        for (k, v) in p {
            session.properties.push((k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
        }
    }
    test_topics::register_test_topics(&mut engine, test, stmts);
    let expected_ex = test.get("expectedException");
    if let Err(outcome) = run_qtt_statements(&mut engine, &mut session, stmts, expected_ex) {
        return outcome;
    }
    if let Err(outcome) = produce_qtt_inputs(&mut engine, test) {
        return outcome;
    }
    if let Some(ex) = expected_ex {
        let errs = engine.query_errors();
        let want = ex.get("message").and_then(|m| m.as_str()).unwrap_or("");
        if errs.iter().any(|(_, es)| es.iter().any(|e| e.contains(want))) {
            return match exception_type_error(ex, ErrorSource::Runtime) {
                Some(m) => Outcome::Fail(m),
                None => Outcome::Pass,
            };
        }
        return Outcome::Fail(format!("expected exception {:?}, but everything succeeded", ex.get("message")));
    }
    if let Err(outcome) = compare_qtt_outputs(&engine, test) {
        return outcome;
    }
    if let Err(outcome) = check_qtt_post_conditions(&engine, test) {
        return outcome;
    }
    Outcome::Pass
}

/// Runs the case's statements; an error ends the case (a pass when it was the expected one).
fn run_qtt_statements(
    engine: &mut Engine,
    session: &mut Session,
    stmts: &[String],
    expected_ex: Option<&J>,
) -> Result<(), Outcome> {
    for s in stmts {
        for stmt in split_statements(s) {
            match engine.execute(&stmt, session) {
                Ok(_) => {}
                Err(e) => {
                    if let Some(ex) = expected_ex {
                        let want = ex.get("message").and_then(|m| m.as_str()).unwrap_or("");
                        if e.message.contains(want) {
                            let source = if parse_statement(&stmt).is_err() {
                                ErrorSource::Parser
                            } else {
                                ErrorSource::Statement
                            };
                            return Err(exception_type_error(ex, source).map_or(Outcome::Pass, Outcome::Fail));
                        }
                        if e.message.contains("not supported in the ksqlDB sandbox") {
                            return Err(Outcome::Unsupported(first_line(&e.message)));
                        }
                        return Err(Outcome::Fail(format!(
                            "expected exception containing {want:?}, got {:?}",
                            e.message
                        )));
                    }
                    if e.message.contains("not supported in the ksqlDB sandbox") {
                        return Err(Outcome::Unsupported(first_line(&e.message)));
                    }
                    return Err(Outcome::Fail(format!("statement failed: {stmt}\n  {}", first_line(&e.message))));
                }
            }
        }
    }
    Ok(())
}

/// Where a sandbox error arose, which tells the exception class ksqlDB throws for it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ErrorSource {
    /// The statement does not parse: ParseFailedException.
    Parser,
    /// The statement parses but cannot run: KsqlStatementException.
    Statement,
    /// A persistent query failed on a record: Kafka Streams' StreamsException.
    Runtime,
}

/// Why an error with the expected message is still not the expected exception, as ksqlDB's
/// executor matches its class (`instanceOf`: ParseFailedException is a KsqlStatementException,
/// which is a KsqlException; StreamsException is none of them); None when it is.
fn exception_type_error(expected: &J, source: ErrorSource) -> Option<String> {
    let class = expected.get("type").and_then(|t| t.as_str())?;
    let matches = match class.rsplit('.').next().unwrap_or(class) {
        "ParseFailedException" => source == ErrorSource::Parser,
        "KsqlStatementException" | "KsqlException" => source != ErrorSource::Runtime,
        "StreamsException" => source == ErrorSource::Runtime,
        _ => false,
    };
    (!matches).then(|| format!("expected a {class}, but the sandbox's error arose in the {source:?} stage"))
}

/// Produces the case's input records into their topics.
fn produce_qtt_inputs(engine: &mut Engine, test: &J) -> Result<(), Outcome> {
    for input in test.get("inputs").and_then(|i| i.as_array()).cloned().unwrap_or_default() {
        let Some(topic) = input["topic"].as_str() else { continue };
        let record = input_record(engine, topic, &input)
            .map_err(|e| Outcome::Fail(format!("cannot encode input {input}: {e}")))?;
        let partition = input.get("partition").and_then(|p| p.as_u64()).map(|p| p as u32);
        engine.produce(topic, record, partition);
    }
    Ok(())
}

/// Compares each topic's records with the expected outputs, in order.
fn compare_qtt_outputs(engine: &Engine, test: &J) -> Result<(), Outcome> {
    let expected: Vec<J> = test.get("outputs").and_then(|o| o.as_array()).cloned().unwrap_or_default();
    let mut by_topic: BTreeMap<String, Vec<J>> = BTreeMap::new();
    for o in expected {
        by_topic.entry(o["topic"].as_str().unwrap_or("").to_string()).or_default().push(o);
    }
    let input_count: BTreeMap<String, usize> = test
        .get("inputs")
        .and_then(|i| i.as_array())
        .map(|a| {
            let mut m = BTreeMap::new();
            for i in a {
                *m.entry(i["topic"].as_str().unwrap_or("").to_string()).or_insert(0) += 1;
            }
            m
        })
        .unwrap_or_default();
    for (topic, exp) in &by_topic {
        let src = find_sink(engine, topic);
        let mut actual = engine.topic_records(topic);
        // Records the test itself produced into this topic are not outputs.
        let skip = input_count.get(topic).copied().unwrap_or(0).min(actual.len());
        if src.as_ref().is_some_and(|s| s.writer_query.is_none()) {
            actual.drain(..skip);
        }
        if actual.len() != exp.len() {
            let shown: Vec<String> = actual.iter().take(6).map(|r| describe_record(src.as_ref(), r)).collect();
            return Err(Outcome::Fail(format!(
                "topic {topic}: expected {} records, got {}: {}{}",
                exp.len(),
                actual.len(),
                shown.join(" | "),
                query_error_note(engine)
            )));
        }
        for (i, (e, a)) in exp.iter().zip(&actual).enumerate() {
            let (ak, av) = decode_output(src.as_ref(), a);
            let (kt, vt) = output_types(engine, src.as_ref());
            // As ksqlDB's test executor: a record given without a key expects a null key.
            let ek = e.get("key").cloned().unwrap_or(J::Null);
            if !typed_eq(&ek, &ak, kt.as_ref()) {
                return Err(Outcome::Fail(format!("topic {topic} record {i}: key {ak} != expected {ek}")));
            }
            let ev = e.get("value").cloned().unwrap_or(J::Null);
            if !typed_eq(&ev, &av, vt.as_ref()) {
                return Err(Outcome::Fail(format!("topic {topic} record {i}: value {av} != expected {ev}")));
            }
            if let Some(J::Array(want)) = e.get("headers") {
                // Headers as the test writes them: KEY and base64 VALUE (null for no value).
                let got: Vec<J> = a
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        let value = v.as_ref().map_or(J::Null, |b| J::String(base64_encode(b)));
                        serde_json::json!({"KEY": k, "VALUE": value})
                    })
                    .collect();
                if got != *want {
                    return Err(Outcome::Fail(format!(
                        "topic {topic} record {i}: headers {} != expected {}",
                        J::Array(got),
                        J::Array(want.clone())
                    )));
                }
            }
            if let Some(ts) = e.get("timestamp").and_then(|t| t.as_i64()) {
                if ts != a.timestamp {
                    return Err(Outcome::Fail(format!(
                        "topic {topic} record {i}: timestamp {} != expected {ts}",
                        a.timestamp
                    )));
                }
            }
            if let Some(w) = e.get("window") {
                let want = (w["start"].as_i64().unwrap_or(0), w["end"].as_i64().unwrap_or(0));
                match a.window() {
                    Some((s, en)) if s == want.0 && en == want.1 => {}
                    other => {
                        return Err(Outcome::Fail(format!(
                            "topic {topic} record {i}: window {other:?} != expected {want:?}"
                        )))
                    }
                }
            }
        }
    }
    Ok(())
}

/// Checks what the case expects afterwards, as ksqlDB's executor does: each named source (type,
/// schema, key and value formats with the key's window, serde features, whether read-only) and
/// that no topic matches the blacklist.
fn check_qtt_post_conditions(engine: &Engine, test: &J) -> Result<(), Outcome> {
    let Some(post) = test.get("post") else { return Ok(()) };
    for s in post.get("sources").and_then(|s| s.as_array()).cloned().unwrap_or_default() {
        let name = s["name"].as_str().unwrap_or("");
        let Some(src) = engine.catalog.get(name) else {
            return Err(Outcome::Fail(format!("post: source {name} does not exist")));
        };
        check_post_source(src, &s).map_err(|m| Outcome::Fail(format!("post: {name}: {m}")))?;
    }
    for t in post.get("topics").and_then(|t| t["topics"].as_array()).cloned().unwrap_or_default() {
        check_post_topic(engine, &t).map_err(|m| Outcome::Fail(format!("post: topic {}: {m}", t["name"])))?;
    }
    if let Some(pattern) = post.get("topics").and_then(|t| t["blacklist"].as_str()) {
        let re = regex::Regex::new(pattern).map_err(|e| Outcome::Fail(format!("post: blacklist {pattern}: {e}")))?;
        if let Some(t) = engine.topics.map.keys().find(|t| re.is_match(t)) {
            return Err(Outcome::Fail(format!("post: blacklisted topic {t} found (blacklist {pattern})")));
        }
    }
    Ok(())
}

/// A topic the case expects afterwards, as ksqlDB's PostTopicNode matches it: there, with the
/// key and value formats (format and serde features) and registered schemas given.
/// ksqlDB's internal topics (repartition, changelog) the sandbox does not create: such a case
/// fails here.
fn check_post_topic(engine: &Engine, t: &J) -> Result<(), String> {
    let name = t["name"].as_str().unwrap_or("");
    if engine.topics.get(name).is_none() {
        return Err(if name.starts_with("_confluent-ksql-") {
            "the sandbox creates no internal topics".into()
        } else {
            "does not exist".into()
        });
    }
    // Partitions are not compared: the expected counts are those of ksqlDB's test harness,
    // whose stub Kafka creates every statement's and sink's topic with its default of 4,
    // while ksqlDB against Kafka (and the sandbox) gives a sink its source's count.
    let src = engine.catalog.sources.values().find(|s| s.topic == name);
    for (is_key, field) in [(true, "keyFormat"), (false, "valueFormat")] {
        let Some(want) = t.get(field) else { continue };
        let Some(src) = src else { return Err(format!("no source has it, so it has no {field}")) };
        let (format, features) =
            if is_key { (&src.key_format, key_features(src)) } else { (&src.value_format, value_features(src)) };
        if want["format"].as_str().is_some_and(|f| f != format.name()) {
            return Err(format!("{field} {}, expected {want}", format.name()));
        }
        let mut wanted: Vec<&str> =
            want["features"].as_array().map(|a| a.iter().filter_map(|f| f.as_str()).collect()).unwrap_or_default();
        wanted.sort();
        if wanted != features {
            return Err(format!("{field} features {features:?}, expected {wanted:?}"));
        }
    }
    for (is_key, field) in [(true, "keySchema"), (false, "valueSchema")] {
        let want = &t[field];
        if want.is_null() {
            continue;
        }
        let got = engine.schema_registry.topic_schema(name, is_key).map(|s| s.text.as_str());
        let same = match (got, want) {
            (Some(g), J::String(w)) => g.trim() == w.trim(),
            (Some(g), w) => serde_json::from_str::<J>(g).is_ok_and(|g| &g == w),
            (None, _) => false,
        };
        if !same {
            return Err(format!("{field} registered {got:?}, expected {want}"));
        }
    }
    Ok(())
}

fn check_post_source(src: &Source, s: &J) -> Result<(), String> {
    if let Some(t) = s["type"].as_str() {
        if !src.kind.name().eq_ignore_ascii_case(t) {
            return Err(format!("is a {} not a {t}", src.kind.name()));
        }
    }
    if let Some(schema) = s["schema"].as_str() {
        if let Some(want) = parse_post_schema(schema) {
            let got: Vec<(String, SqlType, bool)> = src
                .columns
                .iter()
                .filter(|c| !matches!(c.kind, ColKind::Header(_)))
                .map(|c| (c.name.clone(), c.ty.clone(), c.kind == ColKind::Key))
                .collect();
            if got != want {
                return Err(format!("schema is {got:?}, expected {schema}"));
            }
        }
    }
    if let Some(key) = s.get("keyFormat") {
        // As ksqlDB's KeyFormatNode: the window type and size are always compared (absent means
        // not windowed), the format only when given.
        let (window, size) = match src.window {
            Some((w, size)) => (J::from(w.name().to_ascii_uppercase()), size.map_or(J::Null, J::from)),
            None => (J::Null, J::Null),
        };
        let want = (&key["windowType"], &key["windowSize"]);
        if want != (&window, &size) || key["format"].as_str().is_some_and(|f| f != src.key_format.name()) {
            return Err(format!("key format {} {window} {size}, expected {key}", src.key_format.name()));
        }
    }
    if let Some(value) = s["valueFormat"].as_str() {
        if value != src.value_format.name() {
            return Err(format!("value format {}, expected {value}", src.value_format.name()));
        }
    }
    for (field, got) in [("keyFeatures", key_features(src)), ("valueFeatures", value_features(src))] {
        if let Some(want) = s.get(field).and_then(|f| f.as_array()) {
            let mut want: Vec<&str> = want.iter().filter_map(|f| f.as_str()).collect();
            want.sort();
            if want != got {
                return Err(format!("{field} {got:?}, expected {want:?}"));
            }
        }
    }
    match s["isSource"].as_bool() {
        Some(want) if want != src.read_only => Err(format!("isSource is {}, expected {want}", src.read_only)),
        _ => Ok(()),
    }
}

/// The key's serde features as ksqlDB sets them: UNWRAP_SINGLES for a single key column in a
/// format that can both wrap and unwrap (JSON, AVRO, JSON_SR), none otherwise.
fn key_features(src: &Source) -> Vec<&'static str> {
    let wraps = matches!(src.key_format, Format::Json | Format::Schema(SchemaFormat::Avro | SchemaFormat::JsonSr, _));
    if wraps && src.key_columns().len() == 1 {
        vec!["UNWRAP_SINGLES"]
    } else {
        vec![]
    }
}

/// The value's serde features: the explicit WRAP_SINGLE_VALUE, if any.
fn value_features(src: &Source) -> Vec<&'static str> {
    match src.wrap_single_value {
        Some(true) => vec!["WRAP_SINGLES"],
        Some(false) => vec!["UNWRAP_SINGLES"],
        None => vec![],
    }
}

/// Like ksqlDB's test executor, whose mock registry client checks no compatibility, the
/// registry takes any new version of a subject.
pub fn like_ksqldb_test_registry(engine: &mut Engine) {
    engine.schema_registry.set_global_compatibility(Compatibility::None);
}

/// Creates a test's topic and registers the key and value schemas it supplies.
fn register_topic(engine: &mut Engine, t: &J) {
    let Some(n) = t["name"].as_str() else { return };
    engine.topics.create(n, t.get("partitions").and_then(|p| p.as_u64()).unwrap_or(1) as u32);
    register_topic_schemas(engine, t);
}

/// Registers the key and value schemas a test's topic supplies.
fn register_topic_schemas(engine: &mut Engine, t: &J) {
    let Some(n) = t["name"].as_str() else { return };
    for (field, is_key) in [("keySchema", true), ("valueSchema", false)] {
        let Some(s) = t.get(field).filter(|s| !s.is_null()) else { continue };
        let format = t[if is_key { "keyFormat" } else { "valueFormat" }].as_str().or(t["format"].as_str());
        let schema_type = match format.map(|f| f.to_ascii_uppercase()).as_deref() {
            Some("PROTOBUF" | "PROTOBUF_NOSR") => SchemaType::Protobuf,
            Some("JSON" | "JSON_SR") => SchemaType::Json,
            Some(_) => SchemaType::Avro,
            None if s.is_string() && s.as_str().is_some_and(|t| t.contains("message")) => SchemaType::Protobuf,
            None => SchemaType::Avro,
        };
        // A PROTOBUF schema is its text; AVRO and JSON Schema are JSON documents.
        let text = match (schema_type, s.as_str()) {
            (SchemaType::Protobuf, Some(text)) => text.to_string(),
            _ => s.to_string(),
        };
        let id = t[if is_key { "keySchemaId" } else { "valueSchemaId" }].as_u64().map(|i| i as u32);
        let references_field = if is_key { "keySchemaReferences" } else { "valueSchemaReferences" };
        let references = register_references(engine, t.get(references_field), id);
        let subject = SchemaRegistry::subject_for(n, is_key);
        if let Err(e) = engine.schema_registry.register(&subject, schema_type, &text, references, id) {
            eprintln!("  note: {n}: the test's {field} was not registered: {}", e.message);
        }
    }
}

/// Registers the schemas a test's schema references, each under its name as subject (as
/// ksqlDB's test executor does), with ids after `taken` (the id the test gives the schema
/// that references them, which must stay its own).
fn register_references(engine: &mut Engine, references: Option<&J>, taken: Option<u32>) -> Vec<SchemaReference> {
    let mut out = Vec::new();
    for r in references.and_then(|r| r.as_array()).into_iter().flatten() {
        let (Some(name), Some(schema)) = (r["name"].as_str(), r.get("schema")) else { continue };
        let schema_type = r["format"].as_str().and_then(SchemaType::parse).unwrap_or(SchemaType::Protobuf);
        let text = schema.as_str().map(str::to_string).unwrap_or_else(|| schema.to_string());
        let id = taken.map(|t| t.max(engine.schema_registry.next_id()) + 1);
        match engine.schema_registry.register(name, schema_type, &text, vec![], id) {
            Ok(_) => out.push(SchemaReference { name: name.into(), subject: name.into(), version: 1 }),
            Err(e) => eprintln!("  note: the reference {name} was not registered: {}", e.message),
        }
    }
    out
}

fn query_error_note(engine: &Engine) -> String {
    let errs = engine.query_errors();
    match errs.first() {
        Some((id, es)) => format!(" (query {id} error: {})", es.first().cloned().unwrap_or_default()),
        None => String::new(),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

fn parse_post_schema(s: &str) -> Option<Vec<(String, SqlType, bool)>> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    let mut parts = Vec::new();
    for c in s.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    for p in parts {
        let p = p.trim();
        let (name, rest) = p.split_once(char::is_whitespace)?;
        // As ksqlDB parses a schema: a quoted name as written, an unquoted one upper-cased.
        let name = match name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) {
            Some(quoted) => quoted.to_string(),
            None => name.to_ascii_uppercase(),
        };
        let mut rest = rest.trim().to_string();
        let mut key = false;
        for suffix in [" PRIMARY KEY", " KEY"] {
            if rest.to_ascii_uppercase().ends_with(suffix) {
                rest.truncate(rest.len() - suffix.len());
                key = true;
                break;
            }
        }
        let ty = ksqldb_sandbox::sql::parser::parse_type_text(&rest).ok()?;
        out.push((name, ty, key));
    }
    Some(out)
}

fn find_source(engine: &Engine, topic: &str) -> Option<Source> {
    engine
        .catalog
        .sources
        .values()
        .find(|s| s.topic == topic && s.writer_query.is_none())
        .or_else(|| engine.catalog.sources.values().find(|s| s.topic == topic))
        .cloned()
}

fn find_sink(engine: &Engine, topic: &str) -> Option<Source> {
    engine
        .catalog
        .sources
        .values()
        .find(|s| s.topic == topic && s.writer_query.is_some())
        .or_else(|| engine.catalog.sources.values().find(|s| s.topic == topic))
        .cloned()
}

fn raw_bytes(v: &J) -> Option<Vec<u8>> {
    match v {
        J::Null => None,
        J::String(s) => Some(s.as_bytes().to_vec()),
        other => Some(other.to_string().into_bytes()),
    }
}

/// A record's key and value bytes (None: null).
type KeyValue = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Serializes a test record's key and value the way the source on that topic reads them.
fn encode_input(src: Option<&Source>, input: &J) -> Result<KeyValue, String> {
    let key = input.get("key").cloned().unwrap_or(J::Null);
    let value = input.get("value").cloned().unwrap_or(J::Null);
    let Some(src) = src else { return Ok((raw_bytes(&key), raw_bytes(&value))) };
    let key_cols = src.key_columns();
    let k = match (&src.key_format, &key) {
        (_, J::Null) => None,
        (f @ Format::Schema(_, Some(_)), k) => Some(wire_input(f, &key_cols, k, false)?),
        (Format::Kafka, k) if key_cols.len() == 1 => {
            serialize(&Format::Kafka, &key_cols, &[from_json(k, &key_cols[0].1)?], false)?
        }
        (Format::Kafka, k) => raw_bytes(k),
        (f, k) if f.json_like() => Some(k.to_string().into_bytes()),
        (_, k) => raw_bytes(k),
    };
    let value_cols = src.value_columns();
    let v = match (&src.value_format, &value) {
        (_, J::Null) => None,
        (f @ Format::Schema(_, Some(_)), v) => Some(wire_input(f, &value_cols, v, src.value_wrapped())?),
        (Format::Kafka, v) if value_cols.len() == 1 => {
            serialize(&Format::Kafka, &value_cols, &[from_json(v, &value_cols[0].1)?], false)?
        }
        (f, v) if f.json_like() => Some(v.to_string().into_bytes()),
        (_, v) => raw_bytes(v),
    };
    Ok((k, v))
}

/// A test input as ksqlDB's tests write it in a Schema Registry format: with the registered
/// schema as it stands, else read into the source's columns (the JSON format's lenient
/// coercions, e.g. a DATE from a string) and serialized with the schema.
fn wire_input(format: &Format, cols: &[(String, SqlType)], input: &J, wrap: bool) -> Result<Vec<u8>, String> {
    let Format::Schema(_, Some(wire)) = format else { return Err(format!("{} is not bound", format.name())) };
    wire.encode(input).or_else(|_| {
        let values =
            ksqldb_sandbox::topics::deserialize(&Format::Json, cols, Some(input.to_string().as_bytes()), wrap)?;
        Ok(serialize(format, cols, &values, wrap)?.unwrap_or_default())
    })
}

fn decode_part(format: &Format, cols: &[(String, SqlType)], b: Option<&[u8]>) -> J {
    let Some(b) = b else { return J::Null };
    match format {
        // Outputs in the wire format are read through the registry, as ksqlDB's tests read them.
        Format::Schema(_, Some(wire)) => wire.decode(b).unwrap_or_else(|e| J::String(format!("<undecodable: {e}>"))),
        f if f.json_like() => serde_json::from_slice(b).unwrap_or(J::String(String::from_utf8_lossy(b).into_owned())),
        Format::Kafka if cols.len() == 1 => match ksqldb_sandbox::topics::deserialize(format, cols, Some(b), false) {
            Ok(v) => to_record_json(&v[0]),
            Err(_) => J::String(hex::encode(b)),
        },
        _ => J::String(String::from_utf8_lossy(b).into_owned()),
    }
}

fn decode_output(src: Option<&Source>, r: &Record) -> (J, J) {
    match src {
        Some(s) => (
            decode_part(&s.key_format, &s.key_columns(), r.key()),
            decode_part(&s.value_format, &s.value_columns(), r.value()),
        ),
        None => (decode_part(&Format::Json, &[], r.key()), decode_part(&Format::Json, &[], r.value())),
    }
}

fn describe_record(src: Option<&Source>, r: &Record) -> String {
    let (k, v) = decode_output(src, r);
    format!("{k} => {v} @{}", r.timestamp)
}

/// The SQL types of a sink's key and value as records show them: a STRUCT of the columns
/// when wrapped, the single column's type when not. None when unknown (compared leniently).
/// A wrapped value in the wire format has the fields of its registered schema, as ksqlDB's
/// tests read it (a schema may have fields the sink lacks, written with their defaults).
fn output_types(engine: &Engine, src: Option<&Source>) -> (Option<SqlType>, Option<SqlType>) {
    let Some(s) = src else { return (None, None) };
    let keys = s.key_columns();
    let kt = match keys.len() {
        0 => None,
        1 => Some(keys[0].1.clone()),
        _ => Some(SqlType::Struct(keys)),
    };
    let vals = s.value_columns();
    if !s.value_wrapped() && vals.len() == 1 {
        return (kt, Some(vals[0].1.clone()));
    }
    let registered = match &s.value_format {
        Format::Schema(sf, Some(wire)) => engine
            .schema_registry
            .by_id(wire.schema_id())
            .ok()
            .and_then(|stored| columns_from_schema(*sf, &stored.document(), false, None, true).ok())
            .filter(|(_, wrapped)| *wrapped)
            .map(|(cols, _)| cols),
        _ => None,
    };
    (kt, Some(SqlType::Struct(registered.unwrap_or(vals))))
}

fn is_integral(n: &serde_json::Number) -> bool {
    let t = n.to_string();
    !t.contains(['.', 'e', 'E'])
}

/// Compares an expected record part with the actual one by the output schema's type, as
/// ksqlDB's ExpectedRecordComparator does: INT/BIGINT need an integral expected number,
/// DOUBLE compares numerically within 1e-6, DECIMAL by value and scale (as number or string),
/// strings exactly; struct field names match case-insensitively.
pub fn typed_eq(e: &J, a: &J, ty: Option<&SqlType>) -> bool {
    let Some(ty) = ty else { return json_eq(e, a) };
    match (ty, e, a) {
        (_, J::Null, _) | (_, _, J::Null) => e == a,
        (SqlType::Integer | SqlType::Bigint, J::Number(x), J::Number(y)) => {
            is_integral(x) && is_integral(y) && x.to_string() == y.to_string()
        }
        // ksqlDB's comparator takes doubles within 1e-6 of each other as equal.
        (SqlType::Double, J::Number(x), J::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 0.000_001,
            _ => false,
        },
        (SqlType::Double, J::String(x), J::String(y)) => x == y, // NaN, Infinity
        (SqlType::Decimal { .. }, J::Number(_) | J::String(_), J::Number(_) | J::String(_)) => decimal_eq(e, a),
        (SqlType::Array(t), J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| typed_eq(p, q, Some(t)))
        }
        (SqlType::Map(_, v), J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| typed_eq(p, q, Some(v))))
        }
        (SqlType::Struct(fields), J::Object(x), J::Object(y)) => {
            let find = |o: &serde_json::Map<String, J>, k: &str| {
                o.get(k).cloned().or_else(|| o.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone()))
            };
            // As ksqlDB's comparator: as many fields as the schema has, each expected one equal
            // (an expected null matches a null or absent field).
            x.len() == fields.len()
                && x.iter().all(|(k, p)| {
                    let t = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, t)| t);
                    match find(y, k) {
                        Some(q) => typed_eq(p, &q, t),
                        None => p.is_null(),
                    }
                })
                && y.iter().all(|(k, q)| q.is_null() || find(x, k).is_some())
        }
        (SqlType::Other(_), _, _) => json_eq(e, a),
        _ => e == a,
    }
}

/// DECIMAL as ksqlDB's comparator (Java's BigDecimal.equals): the same value at the same scale,
/// so 10.50 is not 10.5; an integral expectation needs an actual without decimal places.
fn decimal_eq(e: &J, a: &J) -> bool {
    let txt = |j: &J| match j {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (et, at) = (txt(e), txt(a));
    let scale = |t: &str| t.split_once('.').map_or(0, |(_, f)| f.len());
    match (Decimal::parse(&et), Decimal::parse(&at)) {
        (Some(p), Some(q)) => p.cmp_value(&q).is_eq() && scale(&et) == scale(&at),
        _ => false,
    }
}

/// JSON equality with numbers compared by value (1 == 1.0, 10.50 == 10.5) and objects by
/// key set.
pub fn json_eq(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (xs, ys) = (x.to_string(), y.to_string());
            xs == ys
                || match (Decimal::parse(&xs), Decimal::parse(&ys)) {
                    (Some(p), Some(q)) => p.cmp_value(&q).is_eq(),
                    _ => xs.parse::<f64>().ok() == ys.parse::<f64>().ok(),
                }
        }
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A test input as a record for its topic: key and value in the topic's formats, headers
/// (base64 values), window bounds and timestamp.
pub(crate) fn input_record(engine: &Engine, topic: &str, input: &J) -> Result<Record, String> {
    let src = find_source(engine, topic);
    let (key, value) = encode_input(src.as_ref(), input)?;
    let headers = input
        .get("headers")
        .and_then(|h| h.as_array())
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    (
                        h["KEY"].as_str().or(h["key"].as_str()).unwrap_or("").to_string(),
                        h.get("VALUE").or(h.get("value")).and_then(|v| v.as_str()).and_then(base64_decode),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let window = input.get("window").map(|w| (w["start"].as_i64().unwrap_or(0), w["end"].as_i64().unwrap_or(0)));
    let ts = input.get("timestamp").and_then(|t| t.as_i64()).unwrap_or(0);
    let mut record = Record::new(key, value, ts);
    record.set_headers(headers);
    record.set_window(window);
    Ok(record)
}

/// A test's file, name and outcome.
type FileOutcome = (String, String, Outcome);

/// Runs every file of a suite; prints per-file and total counts (and, with
/// `SANDBOX_QTT_VERBOSE=1`, each failure). Returns None when the fixtures are absent.
pub fn run_suite(
    dir: &Path,
    runner: fn(&J) -> VariantOutcomes,
    filter: Option<&str>,
) -> Option<(Tally, Vec<FileOutcome>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: the fixtures folder cannot be read: {e}", dir.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let verbose = std::env::var("SANDBOX_QTT_VERBOSE").is_ok();
    let mut total = Tally::default();
    let mut details = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if filter.is_some_and(|flt| !name.contains(flt)) {
            continue;
        }
        // A fixture that is there but cannot be read fails the suite: it must not shrink the
        // suite unseen.
        let doc = read_fixture(&f).unwrap_or_else(|e| panic!("{name}: the fixture cannot be read: {e}"));
        let mut t = Tally::default();
        for test in doc["tests"].as_array().cloned().unwrap_or_default() {
            let case = test["name"].as_str().unwrap_or("");
            for (variant, o) in runner(&test) {
                t.add(&o);
                total.add(&o);
                let tname = if variant.is_empty() { case.to_string() } else { format!("{case} - {variant}") };
                if verbose {
                    match &o {
                        Outcome::Fail(m) => println!("  FAIL {name} / {tname}: {m}"),
                        Outcome::Unsupported(m) if std::env::var("SANDBOX_QTT_VERBOSE").as_deref() == Ok("2") => {
                            println!("  UNSUPPORTED {name} / {tname}: {m}")
                        }
                        _ => {}
                    }
                }
                details.push((name.clone(), tname, o));
            }
        }
        println!("{name}: {} passed, {} failed, {} unsupported", t.passed, t.failed, t.unsupported);
    }
    println!(
        "TOTAL: {} passed, {} failed, {} unsupported of {} ({:.1}% passed); {} disabled in the suite (not run)",
        total.passed,
        total.failed,
        total.unsupported,
        total.total(),
        100.0 * total.passed as f64 / total.total().max(1) as f64,
        total.disabled
    );
    // Why cases are unsupported, most frequent first.
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, o) in &details {
        if let Outcome::Unsupported(r) = o {
            *reasons.entry(r.clone()).or_insert(0) += 1;
        }
    }
    let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
    println!("UNSUPPORTED, by reason:");
    for (r, n) in reasons {
        println!("  {n:>4}  {r}");
    }
    Some((total, details))
}

mod suites {
    use super::*;

    /// The suite's folder; None (the test skips, saying so) only when `../shared` is absent.
    /// With `../shared` present, a missing suite folder fails the test.
    fn suite_dir(name: &str) -> Option<PathBuf> {
        let fixtures = fixtures_dir();
        let shared = fixtures.parent().expect("fixtures live in ../shared");
        if !shared.exists() {
            println!("SKIPPED: {} is absent, so ksqlDB's {name} suite did not run", shared.display());
            return None;
        }
        let dir = fixtures.join(name);
        assert!(dir.is_dir(), "{} is present but {} is not a readable folder", shared.display(), dir.display());
        Some(dir)
    }

    /// Prints QTT pass/fail/unsupported counts. `SANDBOX_QTT_FILTER=join` limits the files.
    #[test]
    fn qtt_suite() {
        let Some(dir) = suite_dir("ksql-qtt") else { return };
        let filter = std::env::var("SANDBOX_QTT_FILTER").ok();
        let result = run_suite(&dir, run_qtt_case, filter.as_deref());
        if filter.is_none() {
            // The count this suite reached (2 236 of 2 325 format variants): fewer is a regression.
            let passed = result.map(|(tally, _)| tally.passed).unwrap_or(0);
            assert!(passed >= 2_236, "QTT regression: {passed} variants pass (floor 2 236)");
        }
    }

    /// Prints REST-test pass/fail/unsupported counts.
    #[test]
    fn rest_suite() {
        let Some(dir) = suite_dir("ksql-rest-tests") else { return };
        let filter = std::env::var("SANDBOX_QTT_FILTER").ok();
        let result = run_suite(&dir, run_rest_case, filter.as_deref());
        if filter.is_none() {
            // The count this suite reached (384 of 413 format variants): fewer is a regression.
            let passed = result.map(|(tally, _)| tally.passed).unwrap_or(0);
            assert!(passed >= 384, "REST regression: {passed} variants pass (floor 384)");
        }
    }
}
