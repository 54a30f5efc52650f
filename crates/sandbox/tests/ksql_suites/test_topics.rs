//! The schemas ksqlDB's QTT executor registers before a test's statements run, with the ids
//! it gives them: the test's topics and the topics of CREATE statements with declared
//! columns (their schemas as ksqlDB derives them), registered in the order its Java
//! `HashMap` of topics by name iterates. Tests naming a schema by VALUE_SCHEMA_ID rely on
//! those ids.

use serde_json::Value as J;

use ksqldb_sandbox::engine::{Engine, Session};
use ksqldb_sandbox::sql::ast::Statement;
use ksqldb_sandbox::sql::lexer::split_statements;
use ksqldb_sandbox::sql::parser::parse_statement;

use super::{like_ksqldb_test_registry, register_topic_schemas};

/// Creates the test's topics and registers every schema as ksqlDB's test executor does.
pub fn register_test_topics(engine: &mut Engine, test: &J, stmts: &[String]) {
    let declared: Vec<J> = test.get("topics").and_then(|t| t.as_array()).cloned().unwrap_or_default();
    for t in &declared {
        if let Some(n) = t["name"].as_str() {
            engine.topics.create(n, t.get("partitions").and_then(|p| p.as_u64()).unwrap_or(1) as u32);
        }
    }
    let mut topics: Vec<J> = declared;
    for derived in statement_topics(stmts) {
        match topics.iter_mut().find(|t| t["name"] == derived["name"]) {
            // The test's own schema wins; the statement fills what it lacks.
            Some(t) => {
                for (schema, format) in [("keySchema", "keyFormat"), ("valueSchema", "valueFormat")] {
                    if t.get(schema).is_none_or(J::is_null) && !derived[schema].is_null() {
                        t[schema] = derived[schema].clone();
                        t[format] = derived[format].clone();
                    }
                }
            }
            None => topics.push(derived),
        }
    }
    // Records' topics join the map too (no schema): they only size its table.
    let mut names: Vec<String> = topics.iter().filter_map(|t| t["name"].as_str().map(str::to_string)).collect();
    for part in ["inputs", "outputs"] {
        for r in test.get(part).and_then(|r| r.as_array()).into_iter().flatten() {
            if let Some(n) = r["topic"].as_str().filter(|n| !names.iter().any(|m| m == n)) {
                names.push(n.to_string());
            }
        }
    }
    let capacity = java_hashmap_capacity(names.len());
    topics.sort_by_key(|t| java_bucket(t["name"].as_str().unwrap_or(""), capacity));
    for t in &topics {
        register_topic_schemas(engine, t);
    }
}

/// The topics of CREATE statements with declared columns, with the key and value schemas
/// the sandbox registers for them (ksqlDB's derived schemas), in statement order.
fn statement_topics(stmts: &[String]) -> Vec<J> {
    let mut scratch = Engine::new();
    scratch.auto_create_topics = true;
    like_ksqldb_test_registry(&mut scratch);
    let mut session = Session::default();
    let mut out = Vec::new();
    for stmt in stmts.iter().flat_map(|s| split_statements(s)) {
        let name = match parse_statement(&stmt) {
            Ok(Statement::CreateSource { columns, name, .. }) if !columns.is_empty() => name,
            Ok(Statement::CreateType { .. }) => {
                let _ = scratch.execute(&stmt, &mut session);
                continue;
            }
            _ => continue,
        };
        if scratch.execute(&stmt, &mut session).is_err() {
            continue;
        }
        let Some(src) = scratch.catalog.sources.values().find(|s| s.name.eq_ignore_ascii_case(&name)) else {
            continue;
        };
        let mut topic = serde_json::json!({"name": src.topic});
        for (is_key, schema, format) in [(true, "keySchema", "keyFormat"), (false, "valueSchema", "valueFormat")] {
            let Some(stored) = scratch.schema_registry.topic_schema(&src.topic, is_key) else { continue };
            topic[schema] = stored.document();
            topic[format] = J::from(if is_key { src.key_format.name() } else { src.value_format.name() });
        }
        out.push(topic);
    }
    out
}

/// Java's `HashMap` table size for `n` entries put one by one (16, doubled past 3/4 full).
fn java_hashmap_capacity(n: usize) -> u32 {
    let mut capacity = 16u32;
    while n as u32 > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The bucket Java's `HashMap` puts a string key in: its `hashCode`, spread, masked.
fn java_bucket(key: &str, capacity: u32) -> u32 {
    let h = key.encode_utf16().fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(c as u32));
    (h ^ (h >> 16)) & (capacity - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_javas_string_hash() {
        // "input".hashCode() = 100358090, "OUTPUT".hashCode() = -1952183039.
        assert_eq!(java_bucket("input", 16), 1);
        assert_eq!(java_bucket("OUTPUT", 16), 5);
        assert_eq!(java_hashmap_capacity(12), 16);
        assert_eq!(java_hashmap_capacity(13), 32);
    }
}
