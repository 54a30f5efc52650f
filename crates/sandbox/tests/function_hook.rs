//! The function registration hook (`functions::registered`): an embedder's scalar, aggregate
//! and table functions resolve, type-check and run like built-ins. An integration test, so
//! that its registrations (process-wide) stay out of the unit tests' SHOW FUNCTIONS checks.

use std::sync::Once;

use ksqldb_sandbox::engine::{Engine, PushMsg, QueryResult, Session};
use ksqldb_sandbox::functions::aggregate::{Acc, Accumulator, AggFn, ColArgs};
use ksqldb_sandbox::functions::registered::{register_aggregate, register_scalar, register_table};
use ksqldb_sandbox::functions::scalar::{ScalarFn, Types};
use ksqldb_sandbox::functions::table::TableFn;
use ksqldb_sandbox::types::{SqlType, Value};

/// HOOK_TWICE(INT) => INT and HOOK_TWICE(VARCHAR) => VARCHAR: two overloads, resolved by type.
fn twice_type(a: Types) -> Result<Option<SqlType>, String> {
    match a {
        [Some(SqlType::Integer)] => Ok(Some(SqlType::Integer)),
        [Some(SqlType::String)] => Ok(Some(SqlType::String)),
        _ => Err(String::new()),
    }
}

fn twice(a: &[Value], _: &Option<SqlType>) -> Value {
    match &a[0] {
        Value::Int(i) => Value::Int(i * 2),
        Value::String(s) => Value::String(s.repeat(2)),
        _ => Value::Null,
    }
}

/// HOOK_SUM_ALL(INT...) => BIGINT: every column argument of every row added up.
#[derive(Clone)]
struct SumAll(i64);

impl Acc for SumAll {
    fn add(&mut self, args: &[Value]) {
        self.0 += args.iter().filter_map(Value::as_i64).sum::<i64>();
    }
    fn result(&self) -> Value {
        Value::Bigint(self.0)
    }
}

fn register_once() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        register_scalar(ScalarFn {
            name: "hook_twice",
            category: "OTHER",
            description: "doubles a number, repeats a string",
            signatures: &["HOOK_TWICE(x INT) => INT", "HOOK_TWICE(x VARCHAR) => VARCHAR"],
            typer: twice_type,
            eval: twice,
        })
        .unwrap();
        register_aggregate(AggFn {
            name: "HOOK_SUM_ALL",
            category: "OTHER",
            description: "sums all its arguments",
            signatures: &["HOOK_SUM_ALL(x INT...) => BIGINT"],
            col_args: ColArgs::AllBut(0),
            undo: false,
            typer: |t, _| {
                if t.iter().all(|t| *t == SqlType::Integer) {
                    Ok(SqlType::Bigint)
                } else {
                    Err(String::new())
                }
            },
            make: |_, _, _| Accumulator::boxed(SumAll(0)),
        })
        .unwrap();
        register_table(TableFn {
            name: "HOOK_RANGE",
            category: "OTHER",
            description: "the integers from the first argument up to the second",
            signatures: &["HOOK_RANGE(from INT, to INT) => INT"],
            result_type: |a| match a {
                [SqlType::Integer, SqlType::Integer] => Ok(SqlType::Integer),
                _ => Err(String::new()),
            },
            apply: |a| match a {
                [Value::Int(from), Value::Int(to)] if to - from <= 100 => Ok((*from..=*to).map(Value::Int).collect()),
                _ => Err("range too long or NULL".into()),
            },
        })
        .unwrap();
    });
}

fn engine() -> (Engine, Session) {
    register_once();
    let mut e = Engine::new();
    let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
    let create = "CREATE STREAM S (ID INT KEY, A INT, B INT, T VARCHAR) \
                  WITH (kafka_topic='s', value_format='json', partitions=1);";
    e.execute(create, &mut s).unwrap();
    (e, s)
}

/// The rows a push query (from the earliest offset) gives over the records of `inserts`.
fn push_rows(e: &mut Engine, s: &mut Session, query: &str, inserts: &[&str]) -> Vec<Vec<Value>> {
    for insert in inserts {
        e.execute(insert, s).unwrap_or_else(|err| panic!("{insert}: {err}"));
    }
    let QueryResult::Push { header, .. } = e.query(query, s).unwrap_or_else(|err| panic!("{query}: {err}")) else {
        panic!("{query}: not a push query")
    };
    e.drain(&header.query_id)
        .into_iter()
        .map(|m| match m {
            PushMsg::Row(r) => r,
            other => panic!("{query}: {other:?}"),
        })
        .collect()
}

#[test]
fn a_registered_scalar_resolves_its_overload_by_argument_type() {
    let (mut e, mut s) = engine();
    let rows = push_rows(
        &mut e,
        &mut s,
        "SELECT hook_twice(A), HOOK_TWICE(T) FROM S EMIT CHANGES;",
        &["INSERT INTO S (ID, A, T) VALUES (1, 21, 'ab');"],
    );
    assert_eq!(rows, vec![vec![Value::Int(42), Value::String("abab".into())]]);
}

#[test]
fn a_registered_scalar_rejects_other_types_with_its_alternatives() {
    let (mut e, mut s) = engine();
    let err = e.query("SELECT HOOK_TWICE(true) FROM S EMIT CHANGES;", &mut s).err().expect("a type error");
    assert_eq!(
        err.message,
        "Function 'hook_twice' does not accept parameters (BOOLEAN).\nValid alternatives are:\n\
         HOOK_TWICE(x INT) => INT\nHOOK_TWICE(x VARCHAR) => VARCHAR"
    );
}

#[test]
fn a_registered_aggregate_takes_a_variadic_column_argument() {
    let (mut e, mut s) = engine();
    let rows = push_rows(
        &mut e,
        &mut s,
        "SELECT ID, HOOK_SUM_ALL(A, B) AS TOTAL FROM S GROUP BY ID EMIT CHANGES;",
        &["INSERT INTO S (ID, A, B) VALUES (1, 1, 2);", "INSERT INTO S (ID, A, B) VALUES (1, 10, 20);"],
    );
    assert_eq!(rows.last().map(|r| r[1].clone()), Some(Value::Bigint(33)), "{rows:?}");
    let err = e.query("SELECT ID, HOOK_SUM_ALL(A, T) FROM S GROUP BY ID EMIT CHANGES;", &mut s).err().unwrap();
    assert_eq!(err.message, "Function 'HOOK_SUM_ALL' does not accept parameters (INTEGER, STRING).");
}

#[test]
fn a_registered_table_function_takes_several_arguments_and_drops_a_row_when_it_fails() {
    let (mut e, mut s) = engine();
    let rows = push_rows(
        &mut e,
        &mut s,
        "SELECT ID, HOOK_RANGE(A, B) AS N FROM S EMIT CHANGES;",
        &["INSERT INTO S (ID, A, B) VALUES (1, 1, 3);", "INSERT INTO S (ID, A) VALUES (2, 5);"],
    );
    let numbers: Vec<(Value, Value)> = rows.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(numbers, (1..=3).map(|n| (Value::Int(1), Value::Int(n))).collect::<Vec<_>>());
}

#[test]
fn show_and_describe_functions_list_registered_functions() {
    let (mut e, mut s) = engine();
    let listed = e.execute("SHOW FUNCTIONS;", &mut s).unwrap().unwrap().to_string();
    for (name, kind) in [("HOOK_TWICE", "SCALAR"), ("HOOK_SUM_ALL", "AGGREGATE"), ("HOOK_RANGE", "TABLE")] {
        let row = format!(r#"{{"name":"{name}","type":"{kind}","category":"OTHER"}}"#);
        assert!(listed.contains(&row), "{row} missing from {listed}");
    }
    let described = e.execute("DESCRIBE FUNCTION hook_range;", &mut s).unwrap().unwrap().to_string();
    assert!(described.contains("the integers from the first argument"), "{described}");
}

#[test]
fn names_are_checked_on_registration() {
    register_once();
    let scalar =
        |name| ScalarFn { name, category: "", description: "", signatures: &[], typer: twice_type, eval: twice };
    assert_eq!(
        register_scalar(scalar("substring")).unwrap_err(),
        "Function 'substring' is a built-in function and cannot be replaced"
    );
    assert_eq!(register_scalar(scalar("Hook_Twice")).unwrap_err(), "Function 'Hook_Twice' is already registered");
    assert!(register_scalar(scalar("bad name")).unwrap_err().starts_with("Invalid function name 'bad name'"));
}
