//! Deep and long expressions through the whole engine (parse, plan, compile, evaluate,
//! format, serialise). A stack overflow aborts the process and cannot be caught, so the
//! deepest shapes the parser accepts run on a thread with half of a tokio worker's 2 MiB
//! stack: this test binary dies if the limit stops being safe.

use serde_json::{json, Value as J};

use crate::engine::{Engine, EngineError, QueryResult, Session};
use crate::sql::parser::MAX_NESTING;
use crate::types::to_rest_json;

/// Half of the 2 MiB stack of a tokio worker thread, where the sandbox engine runs.
const TEST_STACK: usize = 1 << 20;

fn setup() -> (Engine, Session) {
    let mut e = Engine::new();
    let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Default::default() };
    for sql in [
        "CREATE STREAM s (id INT KEY, a INT, b BOOLEAN, t STRING) WITH (kafka_topic='s', value_format='json', \
         partitions=1);",
        "INSERT INTO s (id, a, b, t) VALUES (1, 7, true, 'x');",
    ] {
        e.execute(sql, &mut s).unwrap_or_else(|err| panic!("{sql}: {err}"));
    }
    (e, s)
}

/// `open` n times, then `inner`, then `close` n times.
fn nest(n: usize, open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

/// A nested shape: how many parser levels one repetition takes, the expression over S with
/// `n` repetitions, and its value on S's row (None: not type-correct).
struct Shape {
    name: &'static str,
    levels_each: usize,
    expr: fn(usize) -> String,
    value: Option<fn(usize) -> J>,
}

const SHAPES: &[Shape] = &[
    Shape { name: "parentheses", levels_each: 1, expr: |n| nest(n, "(", "a", ")"), value: Some(|_| json!(7)) },
    Shape { name: "function calls", levels_each: 1, expr: |n| nest(n, "ABS(", "a", ")"), value: Some(|_| json!(7)) },
    Shape {
        name: "NOT",
        levels_each: 1,
        expr: |n| format!("{}b", "NOT ".repeat(n)),
        value: Some(|n| json!(n % 2 == 0)),
    },
    Shape {
        name: "unary minus",
        levels_each: 1,
        expr: |n| format!("{}a", "- ".repeat(n)),
        value: Some(|n| json!(if n % 2 == 0 { 7 } else { -7 })),
    },
    Shape { name: "CAST", levels_each: 1, expr: |n| nest(n, "CAST(", "a", " AS BIGINT)"), value: Some(|_| json!(7)) },
    Shape {
        name: "CASE",
        levels_each: 1,
        expr: |n| nest(n, "CASE WHEN ", "b", " THEN true ELSE false END"),
        value: Some(|_| json!(true)),
    },
    Shape {
        name: "ARRAY constructors",
        levels_each: 1,
        expr: |n| nest(n, "ARRAY[", "a", "]"),
        value: Some(|n| (0..n).fold(json!(7), |x, _| json!([x]))),
    },
    Shape {
        name: "STRUCT constructors",
        levels_each: 1,
        expr: |n| nest(n, "STRUCT(F := ", "a", ")"),
        value: Some(|n| (0..n).fold(json!(7), |x, _| json!({ "F": x }))),
    },
    Shape {
        name: "chained comparisons",
        levels_each: 1,
        expr: |n| format!("b{}", " = b".repeat(n)),
        value: Some(|_| json!(true)),
    },
    Shape {
        name: "subscripts",
        levels_each: 2,
        expr: |n| format!("{}{}", nest(n, "ARRAY[", "a", "]"), "[1]".repeat(n)),
        value: Some(|_| json!(7)),
    },
    Shape {
        name: "derefs",
        levels_each: 2,
        expr: |n| format!("{}{}", nest(n, "STRUCT(F := ", "a", ")"), "->F".repeat(n)),
        value: Some(|_| json!(7)),
    },
    Shape {
        name: "lambdas",
        levels_each: 2,
        expr: |n| nest(n, "TRANSFORM(ARRAY[1], x => ", "a", ")"),
        value: Some(|n| (0..n).fold(json!(7), |x, _| json!([x]))),
    },
    // The most tree nodes per level (OR, AND, IS NULL, ||, +, *, a call): the worst case for
    // the compiler's stack. Not type-correct: planning fails after compiling all of it.
    Shape {
        name: "every operator (type error)",
        levels_each: 1,
        expr: |n| nest(n, "FALSE OR TRUE AND 1 || 2 + 3 * ABS(", "a", ") IS NULL"),
        value: None,
    },
    // The same, type-correct, with a CASE to turn the BOOLEAN back into an INT.
    Shape {
        name: "every operator",
        levels_each: 3,
        expr: |n| {
            let open = "FALSE OR b AND t || CAST(1 + 2 * ABS(CASE WHEN ";
            nest(n, open, "b", " THEN 1 ELSE 0 END) AS STRING) IS NOT NULL")
        },
        value: Some(|_| json!(true)),
    },
];

/// The most repetitions of `shape` that fit the limit (the SELECT item is one level).
fn max_reps(shape: &Shape) -> usize {
    (MAX_NESTING - 1) / shape.levels_each
}

/// Runs `f` on a thread with [`TEST_STACK`] bytes of stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(TEST_STACK).spawn(f).unwrap().join().unwrap()
}

/// Runs `SELECT <expr> FROM s` (a pull query) and gives the one value.
fn select(e: &mut Engine, s: &mut Session, expr: &str) -> Result<J, EngineError> {
    match e.query(&format!("SELECT {expr} AS v FROM s;"), s)? {
        QueryResult::Pull { rows, .. } => Ok(to_rest_json(&rows[0][0])),
        _ => panic!("not a pull query"),
    }
}

fn assert_too_deep(r: Result<impl std::fmt::Debug, EngineError>, what: &str) {
    let err = r.expect_err(what);
    assert_eq!((err.status, err.code), (400, 40001), "{what}: {err}");
    let limit = format!("nesting is deeper than the sandbox's limit of {MAX_NESTING} levels");
    assert!(err.message.contains(&limit), "{what}: {err}");
}

#[test]
fn deepest_accepted_shapes_run_on_half_a_worker_stack() {
    on_small_stack(|| {
        let (mut e, mut s) = setup();
        for (i, shape) in SHAPES.iter().enumerate() {
            let n = max_reps(shape);
            let expr = (shape.expr)(n);
            let got = select(&mut e, &mut s, &expr);
            let Some(value) = shape.value else {
                let err = got.expect_err(shape.name);
                assert!(!err.message.contains("nesting"), "{}: {err}", shape.name);
                continue;
            };
            assert_eq!(got.unwrap_or_else(|err| panic!("{}: {err}", shape.name)), value(n), "{}", shape.name);
            // A persistent query evaluates and serialises on each insert; GROUP BY formats
            // and matches the whole expression at each node.
            for sql in [
                format!("CREATE STREAM o{i} AS SELECT id, {expr} AS v FROM s;"),
                format!("CREATE TABLE g{i} AS SELECT {expr} AS k, COUNT(*) AS c FROM s GROUP BY {expr};"),
                "INSERT INTO s (id, a, b, t) VALUES (2, 7, true, 'x');".to_string(),
            ] {
                if let Err(err) = e.execute(&sql, &mut s) {
                    // Some shapes are not valid keys (e.g. a STRUCT); anything but a crash will do.
                    assert!(!err.message.contains("nesting"), "{}: {sql}: {err}", shape.name);
                }
            }
        }
    });
}

#[test]
fn one_level_too_deep_is_a_400_naming_the_limit() {
    on_small_stack(|| {
        let (mut e, mut s) = setup();
        for shape in SHAPES {
            let expr = (shape.expr)(max_reps(shape) + 1);
            assert_too_deep(select(&mut e, &mut s, &expr), shape.name);
            // Ten thousand deep is refused as quickly, without a deep recursion.
            let expr = (shape.expr)(10_000);
            assert_too_deep(e.execute(&format!("CREATE STREAM x AS SELECT {expr} FROM s;"), &mut s), shape.name);
        }
        // Nodes that wrap what is left of them (`x = y`, `x[1]`, `x->f`) count on top of its
        // deepest level: they cannot stack up past the limit through parentheses.
        let comparisons = |n| (0..n).fold("b".to_string(), |x, _| format!("({x} = b = b)"));
        let subscripts = |n| (0..n).fold("ARRAY[a]".to_string(), |x, _| format!("ARRAY[({x}[1])]"));
        assert_eq!(select(&mut e, &mut s, &comparisons(60)).unwrap(), json!(true));
        assert_eq!(select(&mut e, &mut s, &subscripts(60)).unwrap(), json!([7]));
        assert_too_deep(select(&mut e, &mut s, &comparisons(70)), "parenthesised comparison chains");
        assert_too_deep(select(&mut e, &mut s, &subscripts(70)), "parenthesised subscripts");
        // Types nest too.
        let ty = nest(10_000, "ARRAY<", "INT", ">");
        assert_too_deep(
            e.execute(
                &format!("CREATE STREAM y (v {ty}) WITH (kafka_topic='y', value_format='json', partitions=1);"),
                &mut s,
            ),
            "ARRAY types",
        );
        let ty = nest(10_000, "STRUCT<f ", "INT", ">");
        assert_too_deep(e.execute(&format!("CREATE TYPE z AS {ty};"), &mut s), "STRUCT types");
        let ty = nest(10_000, "MAP<STRING, ", "INT", ">");
        assert_too_deep(select(&mut e, &mut s, &format!("CAST(NULL AS {ty})")), "MAP types in CAST");
        // Custom types within custom types nest as deep as their definitions put together.
        let ty = nest(MAX_NESTING - 1, "ARRAY<", "INT", ">");
        e.execute(&format!("CREATE TYPE deep0 AS {ty};"), &mut s).unwrap();
        let err = e.execute("CREATE TYPE deep1 AS ARRAY<deep0>;", &mut s).unwrap_err();
        assert_eq!((err.status, err.code), (400, 40001), "{err}");
        assert!(
            err.message.contains(&format!("Type nesting is deeper than the sandbox's limit of {MAX_NESTING} levels")),
            "{err}"
        );
    });
}

#[test]
fn long_flat_chains_evaluate_in_a_loop() {
    on_small_stack(|| {
        let (mut e, mut s) = setup();
        let terms = 10_000;
        // OR of 10,000 comparisons, only the last one true: a = 0 OR a = 1 OR ... OR a = 7.
        let ors: Vec<String> = (0..terms).map(|i| format!("a = {}", i as i64 - terms as i64 + 8)).collect();
        assert_eq!(select(&mut e, &mut s, &ors.join(" OR ")).unwrap(), json!(true));
        // Three-valued: NULL OR ... OR FALSE is NULL; one TRUE makes it TRUE.
        let nulls = vec!["CAST(NULL AS BOOLEAN)"; terms].join(" OR ");
        let null_ands = vec!["CAST(NULL AS BOOLEAN)"; terms].join(" AND ");
        assert_eq!(select(&mut e, &mut s, &format!("{nulls} OR a = 0")).unwrap(), J::Null);
        assert_eq!(select(&mut e, &mut s, &format!("{nulls} OR a = 7")).unwrap(), json!(true));
        let ands = vec!["b"; terms].join(" AND ");
        assert_eq!(select(&mut e, &mut s, &ands).unwrap(), json!(true));
        assert_eq!(select(&mut e, &mut s, &format!("{ands} AND NOT b")).unwrap(), json!(false));
        assert_eq!(select(&mut e, &mut s, &format!("{null_ands} AND NOT b")).unwrap(), json!(false));
        assert_eq!(select(&mut e, &mut s, &format!("{null_ands} AND b")).unwrap(), J::Null);
        // 10,000 INT terms: 70,000. A BIGINT last term promotes only that last step.
        let sum = vec!["a"; terms].join(" + ");
        assert_eq!(select(&mut e, &mut s, &sum).unwrap(), json!(70_000));
        assert_eq!(select(&mut e, &mut s, &format!("{sum} - 1 * 2 / 2 % 5")).unwrap(), json!(69_999));
        assert_eq!(select(&mut e, &mut s, &format!("2147483647 + {sum}")).unwrap(), json!(-2147413649));
        assert_eq!(select(&mut e, &mut s, &format!("{sum} + 2147483648")).unwrap(), json!(2147553648i64));
        let cat = vec!["t"; terms].join(" || ");
        assert_eq!(select(&mut e, &mut s, &cat).unwrap(), json!("x".repeat(terms)));
        // IN with 10,000 values, as a filter.
        let list: Vec<String> = (0..terms).map(|i| (i * 3 + 1).to_string()).collect();
        assert_eq!(select(&mut e, &mut s, &format!("a IN ({})", list.join(", "))).unwrap(), json!(true));
        assert_eq!(select(&mut e, &mut s, &format!("a + 1 IN ({})", list.join(", "))).unwrap(), json!(false));
        assert_eq!(select(&mut e, &mut s, &format!("a NOT IN ({})", list.join(", "))).unwrap(), json!(false));
        // A GROUP BY expression is still found as the prefix of a longer chain.
        let sql = "CREATE TABLE grouped AS SELECT a + a AS k, a + a + 1 AS k1, COUNT(*) AS c FROM s GROUP BY a + a;";
        e.execute(sql, &mut s).unwrap();
        let QueryResult::Pull { rows, .. } = e.query("SELECT k1 FROM grouped WHERE k = 14;", &mut s).unwrap() else {
            panic!()
        };
        assert_eq!(to_rest_json(&rows[0][0]), json!(15));
        // In a persistent query's WHERE, with the generated column name unchanged.
        e.execute(&format!("CREATE STREAM big AS SELECT id, {sum} FROM s WHERE {};", ors.join(" OR ")), &mut s)
            .unwrap();
        let QueryResult::Pull { header, rows, .. } = e.query("SELECT * FROM big;", &mut s).unwrap() else { panic!() };
        assert_eq!(header.columns[1].name, "KSQL_COL_0");
        assert_eq!(to_rest_json(&rows[0][1]), json!(70_000));
    });
}

/// Runs one shape in a thread of `DEPTH_STACK_KB` KiB (for measuring stack use: it aborts
/// when too small). `DEPTH_SHAPE` indexes SHAPES, `DEPTH_REPS` repetitions, `DEPTH_MODE`
/// is `parse`, `select` or `all` (plus a CSAS, a GROUP BY CTAS and an insert).
#[test]
#[ignore]
fn measure_stack() {
    let var = |n: &str| std::env::var(n).unwrap();
    let (shape, reps) = (&SHAPES[var("DEPTH_SHAPE").parse::<usize>().unwrap()], var("DEPTH_REPS").parse().unwrap());
    let (kb, mode): (usize, String) = (var("DEPTH_STACK_KB").parse().unwrap(), var("DEPTH_MODE"));
    let expr = (shape.expr)(reps);
    let (mut e, mut s) = setup();
    let r = std::thread::Builder::new()
        .stack_size(kb << 10)
        .spawn(move || {
            let sql = format!("SELECT {expr} AS v FROM s;");
            if mode == "compile" {
                let e = crate::sql::parser::parse_expression(&expr).unwrap();
                let mut scope = crate::expr::Scope::default();
                for (n, t) in [("A", crate::types::SqlType::Integer), ("B", crate::types::SqlType::Boolean)] {
                    scope.push(None, n, t);
                }
                let r = crate::expr::compile(&e, &scope).map(|_| ());
                std::mem::forget(e);
                return r;
            }
            if mode == "parse" {
                return crate::sql::parser::parse_statement(&sql).map(|_| ()).map_err(|e| e.to_string());
            }
            let r = select(&mut e, &mut s, &expr).map(|_| ()).map_err(|e| e.message);
            if mode == "all" {
                for sql in [
                    format!("CREATE STREAM o AS SELECT id, {expr} AS v FROM s;"),
                    format!("CREATE TABLE g AS SELECT {expr} AS k, COUNT(*) AS c FROM s GROUP BY {expr};"),
                    "INSERT INTO s (id, a, b, t) VALUES (2, 7, true, 'x');".to_string(),
                ] {
                    let _ = e.execute(&sql, &mut s);
                }
            }
            r
        })
        .unwrap()
        .join()
        .unwrap();
    println!("{}: {r:?}", shape.name);
}
