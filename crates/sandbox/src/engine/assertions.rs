//! ASSERT [NOT EXISTS] TOPIC and SCHEMA, as ksqlDB 0.27+ runs them: the statement succeeds
//! when the topic is there (or not, with NOT EXISTS) with the PARTITIONS and REPLICAS it names,
//! or when the sandbox's Schema Registry holds the schema (by subject, id or both), and fails
//! with 417 / 41700 otherwise. The engine checks once; the HTTP server repeats the check
//! until the statement's TIMEOUT (1 s by default) with the engine free in between, so a topic
//! that a connector or another client is about to create can arrive.

use serde_json::Value as J;

use super::{EResult, Engine, EngineError};
use crate::sql::ast::{PropValue, Props};
use ksql_wire::entity::{AssertSchemaEntity, AssertTopicEntity, Envelope};

/// ksqlDB's `ksql.assert.topic.default.timeout.ms`.
pub const DEFAULT_ASSERT_TIMEOUT_MS: u64 = 1000;
/// The error code of a failed assertion (HTTP 417).
pub const ASSERTION_FAILED: u32 = 41700;

/// A failed assertion: 417 / 41700, with the wait the server keeps checking for.
fn assertion_failed(message: String, wait_ms: u64) -> EngineError {
    EngineError { status: 417, code: ASSERTION_FAILED, retry_for_ms: Some(wait_ms), ..EngineError::generic(message) }
}

impl Engine {
    /// `wait_ms`: the statement's TIMEOUT, which a failure carries for the server.
    pub(super) fn assert_topic(
        &self,
        text: &str,
        exists: bool,
        topic: &str,
        props: &Props,
        wait_ms: u64,
    ) -> EResult<Option<J>> {
        let found = self.topics.get(topic);
        let failed = |message: String| assertion_failed(message, wait_ms);
        match (found, exists) {
            (Some(_), false) => return Err(failed(format!("Topic {topic} exists"))),
            (None, true) => return Err(failed(format!("Topic {topic} does not exist"))),
            (None, false) => {}
            (Some(t), true) => {
                let actual = [("PARTITIONS", t.partitions.len()), ("REPLICAS", 1)];
                let mut errors = Vec::new();
                for (key, value) in &props.0 {
                    let wanted = |v: &PropValue| match v {
                        PropValue::Number(n) => n.parse::<usize>().ok(),
                        _ => None,
                    };
                    match actual.iter().find(|(name, _)| key.eq_ignore_ascii_case(name)) {
                        Some((name, have)) if wanted(value) != Some(*have) => errors.push(format!(
                            "Mismatched configuration for topic {topic}: For config {}, expected {} got {have}",
                            name.to_ascii_lowercase(),
                            value.as_string()
                        )),
                        Some(_) => {}
                        None => errors.push(format!("Cannot assert unknown topic property: {key}")),
                    }
                }
                if !errors.is_empty() {
                    return Err(failed(errors.join("\n")));
                }
            }
        }
        let entity = AssertTopicEntity { topic_name: Some(topic.to_string()), exists: Some(exists) };
        Ok(Some(Envelope::new(text, entity).to_json()))
    }

    /// ASSERT SCHEMA: with both a subject and an id, the subject must have a version with
    /// that id (ksqlDB asks the registry for the subjects of the id).
    pub(super) fn assert_schema(
        &self,
        text: &str,
        exists: bool,
        (subject, id): (Option<&str>, Option<i32>),
        wait_ms: u64,
    ) -> EResult<Option<J>> {
        let registry = &self.schema_registry;
        let id_known = id.and_then(|id| u32::try_from(id).ok()).filter(|&id| registry.by_id(id).is_ok());
        let found = match (subject, id) {
            (Some(s), Some(_)) => id_known.is_some_and(|id| registry.usages(id).iter().any(|(name, _)| name == s)),
            (None, Some(_)) => id_known.is_some(),
            (Some(s), None) => registry.version(s, None).is_ok(),
            (None, None) => false,
        };
        if found != exists {
            let subject_text = subject.map(|s| format!(" subject name {s}")).unwrap_or_default();
            let id_text = id.map(|id| format!(" id {id}")).unwrap_or_default();
            let outcome = if exists { "does not exist" } else { "exists" };
            return Err(assertion_failed(format!("Schema with{subject_text}{id_text} {outcome}"), wait_ms));
        }
        let entity =
            AssertSchemaEntity { subject: subject.map(str::to_string), id: id.map(i64::from), exists: Some(exists) };
        Ok(Some(Envelope::new(text, entity).to_json()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Session;
    use super::*;

    #[test]
    fn topics_asserted_as_ksqldb_does() {
        let (mut e, mut s) = (Engine::new(), Session::default());
        e.execute("CREATE STREAM S (A INT) WITH (kafka_topic='orders-eu', value_format='json', partitions=3);", &mut s)
            .unwrap();
        let ok = e.execute("ASSERT TOPIC orders-eu WITH (PARTITIONS=3, replicas=1) TIMEOUT 2 SECONDS;", &mut s);
        let ok = ok.unwrap().unwrap();
        assert_eq!(
            (ok["@type"].as_str(), ok["topicName"].as_str(), ok["exists"].as_bool()),
            (Some("assert_topic"), Some("orders-eu"), Some(true))
        );
        let gone = e.execute("ASSERT NOT EXISTS TOPIC 'nothing';", &mut s).unwrap().unwrap();
        assert_eq!(gone["exists"], false);
        for (sql, message) in [
            ("ASSERT TOPIC nothing;", "Topic nothing does not exist"),
            ("ASSERT NOT EXISTS TOPIC orders-eu;", "Topic orders-eu exists"),
            (
                "ASSERT TOPIC 'orders-eu' WITH (partitions=1, colour='red');",
                "Mismatched configuration for topic orders-eu: For config partitions, expected 1 got 3\n\
                 Cannot assert unknown topic property: COLOUR",
            ),
        ] {
            let err = e.execute(sql, &mut s).unwrap_err();
            assert_eq!((err.status, err.code, err.message.as_str()), (417, ASSERTION_FAILED, message), "{sql}");
            assert_eq!(err.retry_for_ms, Some(DEFAULT_ASSERT_TIMEOUT_MS), "{sql}");
        }
        let err = e.execute("ASSERT TOPIC nothing TIMEOUT 3 SECONDS;", &mut s).unwrap_err();
        assert_eq!(err.retry_for_ms, Some(3000));
        let err = e.execute("ASSERT VALUES foo (id INT) VALUES (123);", &mut s).unwrap_err();
        assert!(err.message.contains("Syntax Error"), "{}", err.message);
    }

    #[test]
    fn schemas_asserted_by_subject_and_id_as_ksqldb_does() {
        use crate::schema_registry::SchemaType;
        let (mut e, mut s) = (Engine::new(), Session::default());
        let avro = r#"{"type":"record","name":"R","fields":[{"name":"A","type":"int"}]}"#;
        let id = e.schema_registry.register("orders-value", SchemaType::Avro, avro, vec![], None).unwrap();
        let other = e.schema_registry.register("users-value", SchemaType::Avro, r#""string""#, vec![], None).unwrap();
        let ok = e.execute(&format!("ASSERT SCHEMA SUBJECT 'orders-value' ID {id} TIMEOUT 2 SECONDS;"), &mut s);
        let ok = ok.unwrap().unwrap();
        assert_eq!(
            (ok["@type"].as_str(), ok["subject"].as_str(), ok["id"].as_i64(), ok["exists"].as_bool()),
            (Some("assert_schema"), Some("orders-value"), Some(i64::from(id)), Some(true))
        );
        let by_id = e.execute(&format!("ASSERT SCHEMA ID {other};"), &mut s).unwrap().unwrap();
        assert_eq!((by_id["subject"].is_null(), by_id["id"].as_i64()), (true, Some(i64::from(other))));
        assert!(e.execute("ASSERT NOT EXISTS SCHEMA SUBJECT nothing;", &mut s).is_ok());
        for (sql, message) in [
            (
                "ASSERT SCHEMA SUBJECT nothing;".to_string(),
                "Schema with subject name nothing does not exist".to_string(),
            ),
            (
                format!("ASSERT SCHEMA SUBJECT 'orders-value' ID {other};"),
                format!("Schema with subject name orders-value id {other} does not exist"),
            ),
            ("ASSERT SCHEMA ID 999;".into(), "Schema with id 999 does not exist".into()),
            (
                "ASSERT NOT EXISTS SCHEMA SUBJECT 'users-value';".into(),
                "Schema with subject name users-value exists".into(),
            ),
        ] {
            let err = e.execute(&sql, &mut s).unwrap_err();
            assert_eq!(
                (err.status, err.code, err.message.as_str()),
                (417, ASSERTION_FAILED, message.as_str()),
                "{sql}"
            );
            assert_eq!(err.retry_for_ms, Some(DEFAULT_ASSERT_TIMEOUT_MS), "{sql}");
        }
        for (sql, message) in [
            ("ASSERT SCHEMA TIMEOUT 3 SECONDS;", "ASSERT SCHEMA statements much include a subject name or an id"),
            ("ASSERT SCHEMA ID 'x';", "ID must be an integer"),
            ("ASSERT SCHEMA ID 1.5;", "ID must be an integer"),
        ] {
            let err = e.execute(sql, &mut s).unwrap_err();
            assert!(err.message.contains(message), "{sql}: {}", err.message);
        }
    }
}
