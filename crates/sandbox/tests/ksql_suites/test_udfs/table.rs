//! The test UDTFs: TEST_UDTF (one value of each primitive, array or map argument, as text,
//! or its one argument back) and THROWING_UDTF (throws when asked to).

use ksqldb_sandbox::functions::registered::register_table;
use ksqldb_sandbox::functions::table::TableFn;
use ksqldb_sandbox::types::{to_sql_string, SqlType, Value};

use super::struct_a;

pub fn register() -> Result<(), String> {
    register_table(TableFn {
        name: "test_udtf",
        category: "OTHER",
        description: "test",
        signatures: &[
            "TEST_UDTF(i INT, l BIGINT, d DOUBLE, b BOOLEAN, s VARCHAR, bd DECIMAL, \
             struct STRUCT<A VARCHAR>) => VARCHAR",
            "TEST_UDTF(i ARRAY<INT>, l ARRAY<BIGINT>, d ARRAY<DOUBLE>, b ARRAY<BOOLEAN>, s ARRAY<VARCHAR>, \
             bd ARRAY<DECIMAL>, struct ARRAY<STRUCT<A VARCHAR>>) => VARCHAR",
            "TEST_UDTF(i MAP<VARCHAR,INT>, l MAP<VARCHAR,BIGINT>, d MAP<VARCHAR,DOUBLE>, b MAP<VARCHAR,BOOLEAN>, \
             s MAP<VARCHAR,VARCHAR>, bd MAP<VARCHAR,DECIMAL>, struct MAP<VARCHAR,STRUCT<A VARCHAR>>) => VARCHAR",
            "TEST_UDTF(i INT) => INT",
            "TEST_UDTF(l BIGINT) => BIGINT",
            "TEST_UDTF(d DOUBLE) => DOUBLE",
            "TEST_UDTF(b BOOLEAN) => BOOLEAN",
            "TEST_UDTF(s VARCHAR) => VARCHAR",
            "TEST_UDTF(bd DECIMAL) => DECIMAL(30, 10)",
            "TEST_UDTF(struct STRUCT<A VARCHAR>) => STRUCT<A VARCHAR>",
        ],
        result_type: test_udtf_type,
        apply: test_udtf,
    })?;
    register_table(TableFn {
        name: "throwing_udtf",
        category: "OTHER",
        description: "test UDTF that throws if param is true",
        signatures: &["THROWING_UDTF(shouldThrow BOOLEAN) => BOOLEAN"],
        result_type: |a| match a {
            [SqlType::Boolean] => Ok(SqlType::Boolean),
            _ => Err(String::new()),
        },
        apply: |a| match a {
            [Value::Boolean(false)] => Ok(vec![Value::Boolean(false)]),
            _ => Err("You asked me to throw...".into()),
        },
    })
}

/// The seven element types of the many-argument forms, in order; a DECIMAL of any size.
fn is_seventh_form(elements: &[&SqlType]) -> bool {
    use SqlType::*;
    let want = [Integer, Bigint, Double, Boolean, String];
    elements.len() == 7
        && elements[..5].iter().zip(&want).all(|(t, w)| *t == w)
        && matches!(elements[5], Decimal { .. })
        && *elements[6] == struct_a()
}

fn test_udtf_type(a: &[SqlType]) -> Result<SqlType, String> {
    use SqlType::*;
    let no = || Err(std::string::String::new());
    match a {
        [Integer | Bigint | Double | Boolean | String] => Ok(a[0].clone()),
        [Decimal { .. }] => Ok(Decimal { precision: Some(30), scale: Some(10) }),
        [s] if *s == struct_a() => Ok(s.clone()),
        [_] => no(),
        many => {
            let plain: Vec<&SqlType> = many.iter().collect();
            let arrays: Option<Vec<&SqlType>> =
                many.iter().map(|t| if let Array(e) = t { Some(&**e) } else { None }).collect();
            // The first map's key may be BIGINT (a second map overload); the others' are VARCHAR.
            let maps: Option<Vec<&SqlType>> = many
                .iter()
                .enumerate()
                .map(|(i, t)| match t {
                    Map(k, v) if **k == String || (i == 0 && **k == Bigint) => Some(&**v),
                    _ => None,
                })
                .collect();
            let fits = is_seventh_form(&plain)
                || arrays.is_some_and(|e| is_seventh_form(&e))
                || maps.is_some_and(|e| is_seventh_form(&e));
            if fits {
                Ok(String)
            } else {
                no()
            }
        }
    }
}

/// One argument: itself. Seven: the first value of each (an array's first element, a map's
/// first value) as Java's `String.valueOf` writes it. A NULL, an empty collection or a NULL
/// element throws in Java (primitive parameters, immutable lists), which drops the row.
fn test_udtf(a: &[Value]) -> Result<Vec<Value>, String> {
    let throws = || "a NULL argument reached the UDTF".to_string();
    if let [one] = a {
        return if one.is_null() { Err(throws()) } else { Ok(vec![one.clone()]) };
    }
    a.iter()
        .map(|v| {
            let first = match v {
                Value::Array(items) => items.first(),
                Value::Map(entries) => entries.first().map(|(_, v)| v),
                other => Some(other),
            };
            match first {
                Some(v) if !v.is_null() => Ok(Value::String(to_sql_string(v))),
                _ => Err(throws()),
            }
        })
        .collect()
}
