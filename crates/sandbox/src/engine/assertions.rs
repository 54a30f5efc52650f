//! ASSERT [NOT EXISTS] TOPIC, as ksqlDB 0.27+ runs it: the statement succeeds when the topic
//! is there (or not, with NOT EXISTS) with the PARTITIONS and REPLICAS it names, and fails
//! with 417 / 41700 otherwise. The engine checks once; the HTTP server repeats the check
//! until the statement's TIMEOUT (1 s by default) with the engine free in between, so a topic
//! that a connector or another client is about to create can arrive.

use serde_json::Value as J;

use super::{EResult, Engine, EngineError};
use crate::sql::ast::{PropValue, Props};
use ksql_wire::entity::{AssertTopicEntity, Envelope};

/// ksqlDB's `ksql.assert.topic.default.timeout.ms`.
pub const DEFAULT_ASSERT_TIMEOUT_MS: u64 = 1000;
/// The error code of a failed assertion (HTTP 417).
pub const ASSERTION_FAILED: u32 = 41700;

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
        let failed = |message: String| EngineError {
            status: 417,
            code: ASSERTION_FAILED,
            retry_for_ms: Some(wait_ms),
            ..EngineError::generic(message)
        };
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
}
