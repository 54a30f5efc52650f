//! The test UDAFs: TEST_UDAF (sums of several types, a struct's fields, string lengths) and
//! the variadic family (VAR_ARG, MID_VAR_ARG, MULTI_ARG, FOUR_ARG, FIVE_ARG, GENERIC_VAR_ARG,
//! OBJ_COL_ARG), which exercise how a call's arguments split into columns and literal
//! initial arguments.

use ksqldb_sandbox::functions::aggregate::{Acc, Accumulator, AggFn, ColArgs, MakeAcc};
use ksqldb_sandbox::functions::registered::register_aggregate;
use ksqldb_sandbox::types::{SqlType, Value};

use super::fits;

/// The variadic family's description, shared as ksqlDB's classes share it.
const SUMS: &str = "Returns the sum of the provided longs and lengths of strings.";
const NON_NULL_ROWS: &str = "Returns an array of rows where all the given columns are non-null.";

pub fn register() -> Result<(), String> {
    let aggregate = |name, description, signatures, col_args, typer, make| AggFn {
        name,
        category: "OTHER",
        description,
        signatures,
        col_args,
        undo: false,
        typer,
        make,
    };
    register_aggregate(AggFn {
        undo: true,
        ..aggregate(
            "test_udaf",
            "test_udaf",
            &[
                "TEST_UDAF(val BIGINT) => BIGINT",
                "TEST_UDAF(val INT) => BIGINT",
                "TEST_UDAF(val DOUBLE) => DOUBLE",
                "TEST_UDAF(val VARCHAR, initialString VARCHAR) => BIGINT",
                "TEST_UDAF(val STRUCT<A INT, B INT>) => STRUCT<A INT, B INT>",
            ],
            ColArgs::Fixed(1),
            test_udaf_type,
            |_, lits, ret| Accumulator::boxed(TestUdaf::new(lits, ret)),
        )
    })?;
    let start: MakeAcc =
        |_, lits, _| Accumulator::boxed(ArgSum { total: lits.iter().map(sum_value).sum(), at_result: 0 });
    let end: MakeAcc =
        |_, lits, _| Accumulator::boxed(ArgSum { total: 0, at_result: lits.iter().map(sum_value).sum() });
    let variadic: [(&str, &str, ColArgs, Typer, MakeAcc); 5] = [
        ("VAR_ARG", "VAR_ARG(first BIGINT, rest VARCHAR...) => BIGINT", ColArgs::AllBut(0), var_arg_type, start),
        (
            "MID_VAR_ARG",
            "MID_VAR_ARG(first BIGINT, rest VARCHAR..., a INT, b INT) => BIGINT",
            ColArgs::AllBut(2),
            mid,
            end,
        ),
        (
            "MULTI_ARG",
            "MULTI_ARG(a BIGINT, b VARCHAR, init INT, more VARCHAR...) => BIGINT",
            ColArgs::Fixed(2),
            multi,
            start,
        ),
        (
            "FOUR_ARG",
            "FOUR_ARG(BIGINT, VARCHAR, VARCHAR, VARCHAR, INT, VARCHAR...) => BIGINT",
            ColArgs::Fixed(4),
            four,
            start,
        ),
        (
            "FIVE_ARG",
            "FIVE_ARG(BIGINT, VARCHAR, VARCHAR, VARCHAR, INT, INT, VARCHAR...) => BIGINT",
            ColArgs::Fixed(5),
            five,
            start,
        ),
    ];
    for (name, signature, col_args, typer, make) in variadic {
        let signatures: &'static [&'static str] = Box::leak(Box::new([signature]));
        register_aggregate(aggregate(name, SUMS, signatures, col_args, typer, make))?;
    }
    let non_null =
        |_: &[SqlType], _: &[Value], _: &SqlType| -> Accumulator { Accumulator::boxed(NonNullRows(Vec::new())) };
    register_aggregate(aggregate(
        "GENERIC_VAR_ARG",
        NON_NULL_ROWS,
        &["GENERIC_VAR_ARG(a A, b B, rest C...) => ARRAY<A>"],
        ColArgs::AllBut(0),
        generic_var_arg_type,
        non_null,
    ))?;
    register_aggregate(aggregate(
        "OBJ_COL_ARG",
        NON_NULL_ROWS,
        &["OBJ_COL_ARG(a INT, rest ANY...) => ARRAY<INT>"],
        ColArgs::AllBut(0),
        |t, l| match t {
            [SqlType::Integer, ..] if l.is_empty() => Ok(SqlType::Array(Box::new(SqlType::Integer))),
            _ => Err(String::new()),
        },
        non_null,
    ))
}

/// (column argument types, literal arguments) -> result type.
type Typer = fn(&[SqlType], &[Value]) -> Result<SqlType, String>;

fn no() -> Result<SqlType, String> {
    Err(String::new())
}

fn all_strings(t: &[SqlType]) -> bool {
    t.iter().all(|t| *t == SqlType::String)
}

/// `ints` INT literals, then any number of VARCHAR literals: the factories' initial arguments.
fn initial_args(l: &[Value], ints: usize, strings: bool) -> bool {
    l.len() >= ints
        && l[..ints].iter().all(|v| matches!(v, Value::Int(_)))
        && (if strings { l[ints..].iter().all(|v| matches!(v, Value::String(_))) } else { l.len() == ints })
}

fn var_arg_type(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    match t {
        [first, rest @ ..] if fits(Some(first), &SqlType::Bigint) && all_strings(rest) && l.is_empty() => {
            Ok(SqlType::Bigint)
        }
        _ => no(),
    }
}

fn mid(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    var_arg_type(t, &[]).and_then(|ty| if initial_args(l, 2, false) { Ok(ty) } else { no() })
}

/// The fixed forms: a BIGINT, VARCHARs, then `extra` (FIVE_ARG's INT); INT and VARCHAR literals.
fn fixed_sum_type(t: &[SqlType], l: &[Value], strings: usize, extra: Option<SqlType>) -> Result<SqlType, String> {
    let want: Vec<SqlType> =
        std::iter::once(SqlType::Bigint).chain(vec![SqlType::String; strings]).chain(extra).collect();
    let columns_fit = t.len() == want.len() && t.iter().zip(&want).all(|(t, w)| fits(Some(t), w));
    if columns_fit && initial_args(l, 1, true) {
        Ok(SqlType::Bigint)
    } else {
        no()
    }
}

fn multi(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    fixed_sum_type(t, l, 1, None)
}

fn four(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    fixed_sum_type(t, l, 3, None)
}

fn five(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    fixed_sum_type(t, l, 3, Some(SqlType::Integer))
}

/// Any two column types, then any number of one more type (a generic variadic).
fn generic_var_arg_type(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    match t {
        [a, _, rest @ ..] if l.is_empty() && rest.iter().all(|c| *c == rest[0]) => {
            Ok(SqlType::Array(Box::new(a.clone())))
        }
        _ => no(),
    }
}

/// Java's `String.length()`: UTF-16 code units.
fn java_length(s: &str) -> i64 {
    s.encode_utf16().count() as i64
}

/// An argument's share of the variadic family's sums: an integer's value, a string's length;
/// NULL counts 0.
fn sum_value(v: &Value) -> i64 {
    match v {
        Value::String(s) => java_length(s),
        other => other.as_i64().unwrap_or(0),
    }
}

/// The variadic family's running sum of its column arguments. The literal initial arguments
/// set the starting total (MULTI_ARG and the like) or are added to the result (MID_VAR_ARG).
#[derive(Clone)]
struct ArgSum {
    total: i64,
    at_result: i64,
}

impl Acc for ArgSum {
    fn add(&mut self, args: &[Value]) {
        self.total += args.iter().map(sum_value).sum::<i64>();
    }
    fn result(&self) -> Value {
        Value::Bigint(self.total + self.at_result)
    }
}

/// GENERIC_VAR_ARG and OBJ_COL_ARG: the first argument of every row whose arguments are all
/// non-NULL.
#[derive(Clone)]
struct NonNullRows(Vec<Value>);

impl Acc for NonNullRows {
    fn add(&mut self, args: &[Value]) {
        if args.iter().all(|v| !v.is_null()) {
            self.0.push(args[0].clone());
        }
    }
    fn result(&self) -> Value {
        Value::Array(self.0.clone())
    }
}

fn struct_ab() -> SqlType {
    SqlType::Struct(vec![("A".into(), SqlType::Integer), ("B".into(), SqlType::Integer)])
}

fn test_udaf_type(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    match (t, l) {
        ([SqlType::Bigint | SqlType::Integer], []) => Ok(SqlType::Bigint),
        ([SqlType::Double], []) => Ok(SqlType::Double),
        ([SqlType::String], [Value::String(_)]) => Ok(SqlType::Bigint),
        ([s], []) if *s == struct_ab() => Ok(s.clone()),
        _ => no(),
    }
}

/// TEST_UDAF: a running sum (of numbers, of string lengths from an initial string's length,
/// or of a struct's A and B fields). NULL rows are skipped.
#[derive(Clone)]
enum TestUdaf {
    Long(i64),
    Double(f64),
    StringLengths(i64),
    Fields(i64, i64),
}

impl TestUdaf {
    fn new(lits: &[Value], ret: &SqlType) -> TestUdaf {
        match (ret, lits) {
            (SqlType::Double, _) => TestUdaf::Double(0.0),
            (SqlType::Struct(_), _) => TestUdaf::Fields(0, 0),
            (_, [Value::String(init)]) => TestUdaf::StringLengths(java_length(init)),
            _ => TestUdaf::Long(0),
        }
    }

    fn step(&mut self, v: &Value, sign: i64) {
        let field = |fields: &[(String, Value)], name: &str| {
            fields.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_i64()).unwrap_or(0)
        };
        match (self, v) {
            (_, Value::Null) => {}
            (TestUdaf::Long(total), v) => *total += sign * v.as_i64().unwrap_or(0),
            (TestUdaf::Double(total), v) => *total += sign as f64 * v.as_f64().unwrap_or(0.0),
            (TestUdaf::StringLengths(total), Value::String(s)) => *total += sign * java_length(s),
            (TestUdaf::Fields(a, b), Value::Struct(fields)) => {
                *a += sign * field(fields, "A");
                *b += sign * field(fields, "B");
            }
            _ => {}
        }
    }
}

impl Acc for TestUdaf {
    fn add(&mut self, args: &[Value]) {
        self.step(&args[0], 1)
    }
    fn undo(&mut self, args: &[Value]) {
        self.step(&args[0], -1)
    }
    fn result(&self) -> Value {
        match self {
            TestUdaf::Long(total) | TestUdaf::StringLengths(total) => Value::Bigint(*total),
            TestUdaf::Double(total) => Value::Double(*total),
            TestUdaf::Fields(a, b) => {
                Value::Struct(vec![("A".into(), Value::Int(*a as i32)), ("B".into(), Value::Int(*b as i32))])
            }
        }
    }
}
