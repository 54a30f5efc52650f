//! Scalar functions: NULL handling and conditionals (COALESCE, IFNULL, NULLIF, …).

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!(
            "IFNULL",
            |a| {
                if a.len() != 2 {
                    return no();
                }
                match (&a[0], &a[1]) {
                    (Some(x), Some(y)) => common_type(x, y).map(Some).ok_or_else(String::new),
                    (x, y) => Ok(x.clone().or(y.clone())),
                }
            },
            |a, ret| if a[0].is_null() {
                coerce(a[1].clone(), ret.as_ref().unwrap_or(&SqlType::String))
            } else {
                coerce(a[0].clone(), ret.as_ref().unwrap_or(&SqlType::String))
            }
        ),
        f!("COALESCE", |a| variadic_common(a), |a, ret| {
            a.iter()
                .find(|v| !v.is_null())
                .map(|v| match ret {
                    Some(t) => coerce(v.clone(), t),
                    None => v.clone(),
                })
                .unwrap_or(Value::Null)
        }),
        f!("NULLIF", |a| if a.len() == 2 { Ok(a[0].clone()) } else { no() }, |a, _| {
            if !a[0].is_null() && !a[1].is_null() && sql_equals(&a[0], &a[1]) {
                Value::Null
            } else {
                a[0].clone()
            }
        }),
        f!("AS_VALUE", |a| if a.len() == 1 { Ok(a[0].clone()) } else { no() }, |a, _| a[0].clone()),
    ]
}
