//! The scalar test UDFs: TEST_UDF (overloads named after the method that runs), BAD_UDF
//! (throws, or returns NULL every other call), WHENCONDITION and WHENRESULT (throw when
//! evaluated although they should not be: they prove CASE is lazy), TOSTRUCT.

use std::sync::atomic::{AtomicUsize, Ordering};

use ksqldb_sandbox::functions::registered::register_scalar;
use ksqldb_sandbox::functions::scalar::{ScalarFn, Types};
use ksqldb_sandbox::types::{SqlType, Value};

use super::{fits, struct_a};

pub fn register() -> Result<(), String> {
    register_scalar(ScalarFn {
        name: "test_udf",
        category: "OTHER",
        description: "test",
        signatures: &[
            "TEST_UDF(arg1 INT, arg2 VARCHAR) => VARCHAR",
            "TEST_UDF(arg1 BIGINT, arg2 VARCHAR) => VARCHAR",
            "TEST_UDF(arg1 BIGINT, arg2 BIGINT, arg3 VARCHAR) => VARCHAR",
            "TEST_UDF(longs BIGINT...) => VARCHAR",
            "TEST_UDF(struct STRUCT<A VARCHAR>) => VARCHAR",
            "TEST_UDF() => STRUCT<A VARCHAR>",
        ],
        typer: test_udf_type,
        eval: test_udf,
    })?;
    register_scalar(ScalarFn {
        name: "bad_udf",
        category: "OTHER",
        description: "throws exceptions when called",
        signatures: &["BAD_UDF(arg1 INT) => VARCHAR", "BAD_UDF(arg BOOLEAN) => INT", "BAD_UDF(arg VARCHAR) => VARCHAR"],
        typer: bad_udf_type,
        eval: bad_udf,
    })?;
    register_scalar(ScalarFn {
        name: "WhenCondition",
        category: "OTHER",
        description: "UDF used in case-expression.json",
        signatures: &["WHENCONDITION(retValue BOOLEAN, shouldBeEvaluated BOOLEAN) => BOOLEAN"],
        typer: |a| two_args(a, &SqlType::Boolean, SqlType::Boolean),
        eval: |a, _| evaluated_only_if_asked(a),
    })?;
    register_scalar(ScalarFn {
        name: "WhenResult",
        category: "OTHER",
        description: "UDF used in case-expression.json",
        signatures: &["WHENRESULT(retVal INT, shouldBeEvaluated BOOLEAN) => INT"],
        typer: |a| two_args(a, &SqlType::Integer, SqlType::Integer),
        eval: |a, _| evaluated_only_if_asked(a),
    })?;
    register_scalar(ScalarFn {
        name: "tostruct",
        category: "OTHER",
        description: "wraps a string with a struct",
        signatures: &["TOSTRUCT(value VARCHAR) => STRUCT<A VARCHAR>"],
        typer: |a| match a {
            [t] if fits(t.as_ref(), &SqlType::String) => Ok(Some(struct_a())),
            _ => Err(String::new()),
        },
        eval: |a, _| Value::Struct(vec![("A".into(), a[0].clone())]),
    })
}

pub fn reset() {
    BAD_UDF_CALLS.store(0, Ordering::SeqCst);
}

fn is_integral(t: &Option<SqlType>) -> bool {
    fits(t.as_ref(), &SqlType::Bigint)
}

/// The overloads as ksqlDB resolves them: an exact INT first, then the widened BIGINT forms,
/// then the BIGINT varargs.
fn test_udf_type(a: Types) -> Result<Option<SqlType>, String> {
    let string = Ok(Some(SqlType::String));
    match a {
        [] => Ok(Some(struct_a())),
        [Some(t)] if *t == struct_a() => string,
        [x, y] if is_integral(x) && fits(y.as_ref(), &SqlType::String) => string,
        [x, y, z] if is_integral(x) && is_integral(y) && fits(z.as_ref(), &SqlType::String) => string,
        longs if longs.iter().all(is_integral) => string,
        _ => Err(String::new()),
    }
}

/// Each overload returns its Java method's name (the struct forms read or build field A).
/// A NULL where Java has a primitive `int`/`long` throws, so gives NULL.
fn test_udf(a: &[Value], _: &Option<SqlType>) -> Value {
    let named = |method: &str| Value::String(method.into());
    let integral = |v: &Value| matches!(v, Value::Int(_) | Value::Bigint(_));
    match a {
        [] => Value::Struct(vec![("A".into(), Value::String("foo".into()))]),
        [Value::Struct(fields)] => fields.iter().find(|(k, _)| k == "A").map_or(Value::Null, |(_, v)| v.clone()),
        [x, y] if !integral(y) => match x {
            Value::Int(_) => named("doStuffIntString"),
            Value::Bigint(_) => named("doStuffLongString"),
            _ => Value::Null,
        },
        [x, y, z] if !integral(z) => {
            if integral(x) && integral(y) {
                named("doStuffLongLongString")
            } else {
                Value::Null
            }
        }
        longs if longs.iter().all(integral) => named("doStuffLongVarargs"),
        _ => Value::Null,
    }
}

fn bad_udf_type(a: Types) -> Result<Option<SqlType>, String> {
    match a {
        [Some(SqlType::Integer)] => Ok(Some(SqlType::String)),
        [Some(SqlType::Boolean)] => Ok(Some(SqlType::Integer)),
        [Some(SqlType::String)] => Ok(Some(SqlType::String)),
        _ => Err(String::new()),
    }
}

/// BAD_UDF's calls so far in this query (its VARCHAR form returns NULL on every other call,
/// starting with the first).
static BAD_UDF_CALLS: AtomicUsize = AtomicUsize::new(0);

/// The INT form always throws; the BOOLEAN form throws when asked to and returns 0 otherwise;
/// the VARCHAR form returns NULL on every other call and its argument on the others.
fn bad_udf(a: &[Value], ret: &Option<SqlType>) -> Value {
    match (&a[0], ret) {
        (Value::Int(_), _) => Value::Null,
        (Value::Boolean(false), _) => Value::Int(0),
        (_, Some(SqlType::Integer)) => Value::Null,
        (arg, _) => {
            let call = BAD_UDF_CALLS.fetch_add(1, Ordering::SeqCst);
            if call.is_multiple_of(2) {
                Value::Null
            } else {
                arg.clone()
            }
        }
    }
}

/// A `(value, shouldBeEvaluated)` function returning `ret`.
fn two_args(a: Types, first: &SqlType, ret: SqlType) -> Result<Option<SqlType>, String> {
    match a {
        [x, y] if fits(x.as_ref(), first) && fits(y.as_ref(), &SqlType::Boolean) => Ok(Some(ret)),
        _ => Err(String::new()),
    }
}

/// WHENCONDITION and WHENRESULT: the first argument, when the second says the call was meant
/// to run; otherwise they throw (so a NULL).
fn evaluated_only_if_asked(a: &[Value]) -> Value {
    match &a[1] {
        Value::Boolean(true) => a[0].clone(),
        _ => Value::Null,
    }
}
