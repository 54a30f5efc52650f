//! Scalar functions: JSON text: extracting, checking, converting.

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!("EXTRACTJSONFIELD", |a| strs(a, 2..=2, SqlType::String), |a, _| {
            let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
            match json_parse(x).and_then(|j| json_path(&j, p)) {
                Some(serde_json::Value::String(v)) => string(v),
                Some(serde_json::Value::Null) | None => Value::Null,
                Some(other) => string(other.to_string()),
            }
        }),
        f!("JSON_ARRAY_LENGTH", |a| strs(a, 1..=1, SqlType::Integer), |a, _| {
            match s(&a[0]).and_then(json_parse) {
                Some(serde_json::Value::Array(x)) => Value::Int(x.len() as i32),
                _ => Value::Null,
            }
        }),
        f!("JSON_KEYS", |a| strs(a, 1..=1, SqlType::Array(Box::new(SqlType::String))), |a, _| {
            match s(&a[0]).and_then(json_parse) {
                Some(serde_json::Value::Object(o)) => Value::Array(o.keys().map(|k| string(k.clone())).collect()),
                _ => Value::Null,
            }
        }),
        f!("IS_JSON_STRING", |a| strs(a, 1..=1, SqlType::Boolean), |a, _| {
            match s(&a[0]) {
                Some(x) => Value::Boolean(!x.trim().is_empty() && json_parse(x).is_some()),
                None => Value::Boolean(false),
            }
        }),
        f!("TO_JSON_STRING", |a| if a.len() == 1 { ok(SqlType::String) } else { no() }, |a, _| string(to_json_string(
            &a[0]
        ))),
    ]
}
