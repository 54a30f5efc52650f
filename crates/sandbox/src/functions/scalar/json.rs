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
        f!("JSON_CONCAT", |a| strs(a, 1..=usize::MAX, SqlType::String), |a, _| json_concat(a)),
        f!("JSON_ITEMS", |a| strs(a, 1..=1, SqlType::Array(Box::new(SqlType::String))), |a, _| {
            match s(&a[0]).and_then(json_parse) {
                Some(serde_json::Value::Array(items)) => {
                    Value::Array(items.iter().map(|item| string(item.to_string())).collect())
                }
                _ => Value::Null,
            }
        }),
        f!(
            "JSON_RECORDS",
            |a| strs(a, 1..=1, SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::String))),
            |a, _| match s(&a[0]).and_then(json_parse) {
                Some(serde_json::Value::Object(fields)) => Value::Map(
                    fields
                        .into_iter()
                        .map(|(k, v)| {
                            let text = match v {
                                serde_json::Value::String(text) => text,
                                other => other.to_string(),
                            };
                            (string(k), string(text))
                        })
                        .collect(),
                ),
                _ => Value::Null,
            }
        ),
        f!(
            "JSON_ARRAY_CONTAINS",
            |a| if a.len() == 2 && is_str(a, 0) { ok(SqlType::Boolean) } else { no() },
            |a, _| match s(&a[0]) {
                Some(text) => Value::Boolean(json_array_contains(text, &a[1])),
                None => Value::Null,
            }
        ),
        f!("TO_JSON_STRING", |a| if a.len() == 1 { ok(SqlType::String) } else { no() }, |a, _| string(to_json_string(
            &a[0]
        ))),
    ]
}

/// JSON_CONCAT, as PostgreSQL's `||` on jsonb: objects merge their top-level keys (the last
/// value wins), anything else concatenates as arrays (a non-array is a one-element array).
/// NULL when an argument is NULL or not JSON.
fn json_concat(a: &[Value]) -> Value {
    let mut parsed = Vec::with_capacity(a.len());
    for value in a {
        match s(value).and_then(json_parse) {
            Some(json) => parsed.push(json),
            None => return Value::Null,
        }
    }
    let mut parsed = parsed.into_iter();
    let Some(first) = parsed.next() else { return Value::Null };
    let all_objects = first.is_object() && parsed.as_slice().iter().all(serde_json::Value::is_object);
    let as_array = |json: serde_json::Value| match json {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    let result = if all_objects {
        let mut merged = first;
        for next in parsed {
            if let (Some(into), serde_json::Value::Object(from)) = (merged.as_object_mut(), next) {
                into.extend(from);
            }
        }
        merged
    } else {
        let mut items = as_array(first);
        for next in parsed {
            items.extend(as_array(next));
        }
        serde_json::Value::Array(items)
    };
    string(result.to_string())
}

/// JSON_ARRAY_CONTAINS: whether `text` is a JSON array with an element equal to `wanted` and of
/// its kind (a JSON integer matches INT or BIGINT, a JSON fraction a DOUBLE, null a NULL).
/// False for text that is not a JSON array.
fn json_array_contains(text: &str, wanted: &Value) -> bool {
    let Some(serde_json::Value::Array(items)) = json_parse(text) else { return false };
    items.iter().any(|item| match (item, wanted) {
        (serde_json::Value::Null, Value::Null) => true,
        (serde_json::Value::Bool(b), Value::Boolean(w)) => b == w,
        (serde_json::Value::String(x), Value::String(w)) => x == w,
        (serde_json::Value::Number(n), Value::Int(_) | Value::Bigint(_)) => {
            n.as_i64().is_some_and(|n| Some(n) == wanted.as_i64())
        }
        (serde_json::Value::Number(n), Value::Double(w)) => {
            !(n.is_i64() || n.is_u64()) && n.as_f64().is_some_and(|n| n == *w)
        }
        _ => false,
    })
}
