//! Scalar functions: Arrays and maps: building, searching, sorting, transforming.

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
// long: a table of implementations (name, typer, evaluator), one entry per function;
// splitting it would split the table, not the logic.
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!(
            "ARRAY_LENGTH",
            |a| if a.len() == 1 && matches!(a[0], None | Some(SqlType::Array(_))) {
                ok(SqlType::Integer)
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => Value::Int(x.len() as i32),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_CONTAINS",
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Array(_))) {
                ok(SqlType::Boolean)
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => Value::Boolean(x.iter().any(|v| if a[1].is_null() {
                    v.is_null()
                } else {
                    !v.is_null() && sql_equals(v, &a[1])
                })),
                _ => Value::Boolean(false),
            }
        ),
        f!("ARRAY_DISTINCT", |a| same_array(a, 1), |a, _| array_of(&a[0])
            .map(|x| Value::Array(distinct(x)))
            .unwrap_or(Value::Null)),
        f!("ARRAY_EXCEPT", |a| same_array(a, 2), |a, _| match (array_of(&a[0]), array_of(&a[1])) {
            (Some(x), Some(y)) => Value::Array(distinct(x).into_iter().filter(|v| !y.contains(v)).collect()),
            _ => Value::Null,
        }),
        f!("ARRAY_INTERSECT", |a| same_array(a, 2), |a, _| match (array_of(&a[0]), array_of(&a[1])) {
            (Some(x), Some(y)) => Value::Array(distinct(x).into_iter().filter(|v| y.contains(v)).collect()),
            _ => Value::Null,
        }),
        f!("ARRAY_UNION", |a| same_array(a, 2), |a, _| match (array_of(&a[0]), array_of(&a[1])) {
            (Some(x), Some(y)) => Value::Array(distinct(&[x.clone(), y.clone()].concat())),
            _ => Value::Null,
        }),
        f!("ARRAY_CONCAT", |a| same_array(a, 2), |a, _| match (&a[0], &a[1]) {
            (Value::Array(x), Value::Array(y)) => Value::Array([x.clone(), y.clone()].concat()),
            (Value::Array(x), Value::Null) | (Value::Null, Value::Array(x)) => Value::Array(x.clone()),
            _ => Value::Null,
        }),
        f!(
            "ARRAY_REMOVE",
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Array(_))) { Ok(a[0].clone()) } else { no() },
            |a, _| match &a[0] {
                Value::Array(x) => Value::Array(
                    x.iter()
                        .filter(|v| !(if a[1].is_null() { v.is_null() } else { !v.is_null() && sql_equals(v, &a[1]) }))
                        .cloned()
                        .collect()
                ),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_JOIN",
            |a| if (a.len() == 1 || (a.len() == 2 && is_str(a, 1))) && matches!(a[0], None | Some(SqlType::Array(_))) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => string(
                    x.iter()
                        .map(|v| if v.is_null() { "null".to_string() } else { to_sql_string(v) })
                        .collect::<Vec<_>>()
                        // No delimiter: ","; a NULL one: none, as ksqlDB's StringJoiner.
                        .join(a.get(1).map_or(",", |d| d.as_str().unwrap_or(""))),
                ),
                _ => Value::Null,
            }
        ),
        f!("ARRAY_MAX", |a| if a.len() == 1 { Ok(elem_type(a, 0)) } else { no() }, |a, _| match &a[0] {
            Value::Array(x) =>
                x.iter().filter(|v| !v.is_null()).max_by(|p, q| compare(p, q)).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }),
        f!("ARRAY_MIN", |a| if a.len() == 1 { Ok(elem_type(a, 0)) } else { no() }, |a, _| match &a[0] {
            Value::Array(x) =>
                x.iter().filter(|v| !v.is_null()).min_by(|p, q| compare(p, q)).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }),
        f!(
            "ARRAY_SORT",
            |a| if (a.len() == 1 || (a.len() == 2 && is_str(a, 1))) && matches!(a[0], None | Some(SqlType::Array(_))) {
                Ok(a[0].clone())
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => {
                    let desc = a.get(1).and_then(|d| d.as_str()).is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                    let mut vals: Vec<Value> = x.iter().filter(|v| !v.is_null()).cloned().collect();
                    let nulls = x.len() - vals.len();
                    vals.sort_by(|p, q| if desc { compare(q, p) } else { compare(p, q) });
                    vals.extend(std::iter::repeat_n(Value::Null, nulls));
                    Value::Array(vals)
                }
                _ => Value::Null,
            }
        ),
        f!(
            "SLICE",
            |a| if a.len() == 3 && matches!(a[0], None | Some(SqlType::Array(_))) { Ok(a[0].clone()) } else { no() },
            |a, _| match &a[0] {
                Value::Array(x) => {
                    let from = a[1].as_i64().unwrap_or(1).max(1) as usize;
                    let to = a[2].as_i64().map(|t| t as usize).unwrap_or(x.len()).min(x.len());
                    if from > to {
                        Value::Array(vec![])
                    } else {
                        Value::Array(x[from - 1..to].to_vec())
                    }
                }
                _ => Value::Null,
            }
        ),
        f!(
            "MAP_KEYS",
            |a| match (a.len(), t(a, 0)) {
                (1, Some(SqlType::Map(k, _))) => ok(SqlType::Array(k.clone())),
                _ => no(),
            },
            |a, _| match &a[0] {
                Value::Map(m) => Value::Array(m.iter().map(|(k, _)| k.clone()).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "MAP_VALUES",
            |a| match (a.len(), t(a, 0)) {
                (1, Some(SqlType::Map(_, v))) => ok(SqlType::Array(v.clone())),
                _ => no(),
            },
            |a, _| match &a[0] {
                Value::Map(m) => Value::Array(m.iter().map(|(_, v)| v.clone()).collect()),
                _ => Value::Null,
            }
        ),
        f!("MAP_UNION", |a| if a.len() == 2 { Ok(a[0].clone().or(a[1].clone())) } else { no() }, |a, _| match (
            &a[0], &a[1]
        ) {
            (Value::Map(x), Value::Map(y)) => {
                let mut out = x.clone();
                for (k, v) in y {
                    out.retain(|(kk, _)| kk != k);
                    out.push((k.clone(), v.clone()));
                }
                Value::Map(out)
            }
            (Value::Map(x), Value::Null) | (Value::Null, Value::Map(x)) => Value::Map(x.clone()),
            _ => Value::Null,
        }),
        f!(
            "AS_MAP",
            |a| match (a.len(), t(a, 1)) {
                (2, Some(SqlType::Array(v))) => ok(SqlType::Map(Box::new(SqlType::String), v.clone())),
                _ => no(),
            },
            |a, _| match (&a[0], &a[1]) {
                (Value::Array(k), Value::Array(v)) => Value::Map(k.iter().cloned().zip(v.iter().cloned()).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "ENTRIES",
            |a| match (a.len(), t(a, 0)) {
                (2, Some(SqlType::Map(_, v))) => ok(SqlType::Array(Box::new(SqlType::Struct(vec![
                    ("K".into(), SqlType::String),
                    ("V".into(), (**v).clone())
                ])))),
                _ => no(),
            },
            |a, _| match &a[0] {
                Value::Map(m) => {
                    let mut e: Vec<(Value, Value)> = m.clone();
                    if a[1] == Value::Boolean(true) {
                        e.sort_by(|p, q| compare(&p.0, &q.0));
                    }
                    Value::Array(
                        e.into_iter().map(|(k, v)| Value::Struct(vec![("K".into(), k), ("V".into(), v)])).collect(),
                    )
                }
                _ => Value::Null,
            }
        ),
        f!(
            "ELT",
            |a| if !a.is_empty() && is_int(a, 0) && (1..a.len()).all(|i| is_str(a, i)) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| {
                match a[0].as_i64() {
                    Some(n) if n >= 1 && (n as usize) < a.len() => a[n as usize].clone(),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "FIELD",
            |a| if !a.is_empty() && (0..a.len()).all(|i| is_str(a, i)) { ok(SqlType::Integer) } else { no() },
            |a, _| {
                if a[0].is_null() {
                    return Value::Int(0);
                }
                Value::Int(a[1..].iter().position(|v| *v == a[0]).map(|p| p as i32 + 1).unwrap_or(0))
            }
        ),
        f!(
            "GENERATE_SERIES",
            |a| if (a.len() == 2 || a.len() == 3) && (0..a.len()).all(|i| is_int(a, i)) {
                ok(SqlType::Array(Box::new(if a.contains(&Some(SqlType::Bigint)) {
                    SqlType::Bigint
                } else {
                    SqlType::Integer
                })))
            } else {
                no()
            },
            |a, ret| {
                if any_null(a) {
                    return Value::Null;
                }
                let (s0, e) = (a[0].as_i64().unwrap(), a[1].as_i64().unwrap());
                let step = a.get(2).and_then(|v| v.as_i64()).unwrap_or(if e >= s0 { 1 } else { -1 });
                if step == 0 || (step > 0 && e < s0) || (step < 0 && e > s0) {
                    return Value::Null;
                }
                let big = matches!(ret, Some(SqlType::Array(t)) if **t == SqlType::Bigint);
                let mut out = Vec::new();
                let mut i = s0;
                while (step > 0 && i <= e) || (step < 0 && i >= e) {
                    out.push(if big { Value::Bigint(i) } else { Value::Int(i as i32) });
                    i += step;
                    if out.len() > 1_000_000 {
                        break;
                    }
                }
                Value::Array(out)
            }
        ),
    ]
}
