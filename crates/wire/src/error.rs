//! ksqlDB's error bodies (reference §7): `{"@type":"generic_error"|"statement_error",
//! "error_code":N,"message":"..."}`; a `statement_error` also carries `statementText` and the
//! `entities` of the statements that ran before it, and servers up to 0.9 add `stackTrace`.
//!
//! The sandbox writes these; the client reads error bodies more tolerantly than this type
//! (any `message`, any body) in `ksql::error`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const GENERIC_ERROR: &str = "generic_error";
pub const STATEMENT_ERROR: &str = "statement_error";

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ErrorBody {
    #[serde(rename = "@type")]
    pub type_name: String,
    /// HTTP status × 100 + n (40001: a bad statement).
    pub error_code: Option<i64>,
    pub message: String,
    #[serde(rename = "statementText", skip_serializing_if = "Option::is_none")]
    pub statement_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<Value>>,
    #[serde(rename = "stackTrace", skip_serializing_if = "Vec::is_empty")]
    pub stack_trace: Vec<String>,
}

impl ErrorBody {
    pub fn generic(error_code: i64, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            type_name: GENERIC_ERROR.into(),
            error_code: Some(error_code),
            message: message.into(),
            ..ErrorBody::default()
        }
    }

    /// A bad statement, after the `entities` of the statements before it in the request.
    pub fn statement(error_code: i64, message: impl Into<String>, statement_text: &str, entities: Vec<Value>) -> Self {
        ErrorBody {
            type_name: STATEMENT_ERROR.into(),
            error_code: Some(error_code),
            message: message.into(),
            statement_text: Some(statement_text.into()),
            entities: Some(entities),
            stack_trace: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        // Strings, numbers and lists only: serializing cannot fail.
        serde_json::to_value(self).expect("an error body serializes to JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_the_reference_round_trip() {
        let bodies = [
            r#"{"@type":"generic_error","error_code":40000,"message":"No query with id x"}"#,
            concat!(
                r#"{"@type":"statement_error","error_code":40001,"#,
                r#""message":"Could not find STREAM/TABLE 'FOO_TABLE' in the Metastore","#,
                r#""statementText":"DESCRIBE EXTENDED foo_table;","entities":[]}"#,
            ),
            r#"{"@type":"generic_error","error_code":40400,"message":"HTTP 404 Not Found","stackTrace":["a.B"]}"#,
        ];
        for text in bodies {
            let json: Value = serde_json::from_str(text).unwrap();
            let body: ErrorBody = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(body.to_json(), json, "{text}");
        }
        let written = ErrorBody::statement(40001, "bad", "X;", vec![]).to_json();
        assert_eq!(written.as_object().unwrap().keys().next().map(String::as_str), Some("@type"));
        assert_eq!(ErrorBody::generic(50000, "boom").to_json()["@type"], GENERIC_ERROR);
    }
}
