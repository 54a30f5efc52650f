//! Property test of the planner and engine: random statements (queries built from columns,
//! literals, operators and functions of a small catalog, plus random text) are planned and run
//! or rejected with an error, never a panic. `PROPTEST_CASES=N` runs more cases.

use proptest::prelude::*;

use crate::engine::{Engine, Session};

/// Typed expressions over the catalog, so that most generated queries plan and run (random
/// mixes would nearly all stop at the type checker); `random_text` covers the rest.
fn number() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(&["id", "a", "`größe`", "arr[1]", "s->f", "1", "-2.5", "ROWTIME"][..]);
    leaf.prop_map(str::to_string).prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(&[" + ", " - ", " * ", " / ", " % "][..]), inner.clone())
                .prop_map(|(l, op, r)| format!("({l}{op}{r})")),
            inner.clone().prop_map(|e| format!("ABS({e})")),
            inner.clone().prop_map(|e| format!("COALESCE({e}, 0)")),
            text_leaf().prop_map(|t| format!("LEN({t})")),
            (boolean_leaf(), inner.clone(), inner).prop_map(|(c, a, b)| format!("CASE WHEN {c} THEN {a} ELSE {b} END")),
        ]
    })
}

fn text_leaf() -> impl Strategy<Value = String> {
    prop::sample::select(
        &["t", "'x'", "'größe'", "UCASE(t)", "SUBSTRING(t, 1, 2)", "CAST(m['k'] AS STRING)", "CAST(a AS STRING)"][..],
    )
    .prop_map(str::to_string)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        text_leaf(),
        (text_leaf(), text_leaf()).prop_map(|(a, b)| format!("({a} || {b})")),
        number().prop_map(|n| format!("CAST({n} AS STRING)")),
        text_leaf().prop_map(|t| format!("IFNULL({t}, 'none')")),
    ]
}

fn boolean_leaf() -> impl Strategy<Value = String> {
    prop::sample::select(&["b", "true", "a IS NULL", "t LIKE 'x%'", "id BETWEEN 1 AND 2"][..]).prop_map(str::to_string)
}

fn boolean() -> impl Strategy<Value = String> {
    boolean_leaf().prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (number(), prop::sample::select(&[" = ", " <> ", " < ", " >= "][..]), number())
                .prop_map(|(l, op, r)| format!("({l}{op}{r})")),
            (text(), text()).prop_map(|(l, r)| format!("({l} = {r})")),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l} AND {r})")),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l} OR {r})")),
            inner.prop_map(|e| format!("NOT {e}")),
            (number(), prop::collection::vec(number(), 1..4)).prop_map(|(e, l)| format!("{e} IN ({})", l.join(", "))),
        ]
    })
}

fn where_clause() -> impl Strategy<Value = String> {
    prop::option::of(boolean()).prop_map(|f| f.map(|f| format!(" WHERE {f}")).unwrap_or_default())
}

fn any_expression() -> impl Strategy<Value = String> {
    prop_oneof![number(), text(), boolean()]
}

/// `SELECT … FROM … [WHERE …] …` in the shapes the planner knows: projections, filters,
/// aggregations (grouped, windowed), pull and push.
fn query() -> impl Strategy<Value = String> {
    let items = prop::collection::vec(any_expression(), 1..4)
        .prop_map(|e| e.iter().enumerate().map(|(i, e)| format!("{e} AS c{i}")).collect::<Vec<_>>().join(", "));
    let filter = where_clause();
    let aggregate =
        prop::sample::select(&["COUNT(*)", "SUM(a)", "MAX(`größe`)", "LATEST_BY_OFFSET(t)", "COLLECT_LIST(a)"][..]);
    prop_oneof![
        (
            items,
            prop::sample::select(&["s", "s AS x", "tab", "missing"][..]),
            filter,
            prop::sample::select(&[" EMIT CHANGES LIMIT 2;", ";", " LIMIT 3;"][..])
        )
            .prop_map(|(i, f, w, t)| format!("SELECT {i} FROM {f}{w}{t}")),
        (
            aggregate,
            where_clause(),
            prop::sample::select(&["", " WINDOW TUMBLING (SIZE 1 MINUTE)", " WINDOW SESSION (30 SECONDS)"][..])
        )
            .prop_map(|(a, w, win)| format!("SELECT t, {a} AS agg FROM s{win}{w} GROUP BY t EMIT CHANGES LIMIT 1;")),
    ]
}

fn engine() -> (Engine, Session) {
    let mut engine = Engine::new();
    let mut session =
        Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Default::default() };
    for sql in [
        "CREATE STREAM s (id INT KEY, a INT, t STRING, b BOOLEAN, m MAP<STRING, INT>, arr ARRAY<INT>, \
         s STRUCT<f DOUBLE>, `größe` BIGINT) WITH (kafka_topic='s', value_format='json', partitions=2);",
        "INSERT INTO s (id, a, t, b, m, arr, s, `größe`) VALUES (1, 7, 'x', true, MAP('k':=1), ARRAY[1,2], \
         STRUCT(f:=1.5), 9);",
        "INSERT INTO s (id, a, t, b) VALUES (2, NULL, 'größe', false);",
        "CREATE TABLE tab AS SELECT id, COUNT(*) AS n, LATEST_BY_OFFSET(t) AS t FROM s GROUP BY id EMIT CHANGES;",
    ] {
        engine.execute(sql, &mut session).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    (engine, session)
}

proptest! {
    #[test]
    fn random_queries_are_answered_or_rejected(sql in query()) {
        let (mut engine, mut session) = engine();
        let _ = engine.query(&sql, &mut session);
        let persistent =
            sql.trim_end_matches(';').replace(" LIMIT 1", "").replace(" LIMIT 2", "").replace(" LIMIT 3", "");
        let _ = engine.execute(&format!("CREATE STREAM out AS {persistent};"), &mut session);
        let _ = engine.execute(&format!("CREATE TABLE out_t AS {persistent};"), &mut session);
        let _ = engine.execute("INSERT INTO s (id, a, t) VALUES (3, 1, 'y');", &mut session);
    }

    #[test]
    fn random_text_is_rejected_cleanly(text in "[ -~äß数😀\\n]{0,80}") {
        let (mut engine, mut session) = engine();
        let _ = engine.execute(&text, &mut session);
        let _ = engine.query(&text, &mut session);
    }
}
