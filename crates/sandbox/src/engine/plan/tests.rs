//! The planner and executor on their own, one operator at a time: a query is parsed and
//! planned against a catalog, records go into the executor, and its outputs are checked
//! (no REST layer, no topics written).

use serde_json::json;

use super::logical::*;
use super::{plan_query, Plan, PlanOptions};
use crate::catalog::WindowType;
use crate::engine::exec::Output;
use crate::engine::{Engine, Session};
use crate::expr::format_expr;
use crate::sql::ast::JoinKind;
use crate::sql::ast::Statement;
use crate::sql::parser::parse_statement;
use crate::topics::Record;

/// An engine whose catalog holds the sources the statements declare.
fn catalog(statements: &[&str]) -> Engine {
    let mut e = Engine::new();
    for s in statements {
        e.execute(s, &mut Session::default()).unwrap_or_else(|err| panic!("{s}: {err}"));
    }
    e
}

fn plan(e: &Engine, sql: &str, persistent: bool) -> Result<Plan, String> {
    let Ok(Statement::Query(q)) = parse_statement(sql) else { panic!("not a query: {sql}") };
    plan_query(&q, &e.catalog, &PlanOptions { persistent, sink_name: None, sink_timestamp: None })
}

/// A JSON record with a string key, at time `ts`.
fn record(key: &str, value: serde_json::Value, ts: i64) -> Record {
    Record::new(Some(key.as_bytes().to_vec()), Some(value.to_string().into_bytes()), ts)
}

/// Feeds `records` (input index, record) and returns the rows that came out, as JSON text.
fn run(plan: &mut Plan, records: &[(usize, Record)]) -> Vec<Output> {
    let mut out = Vec::new();
    for (input, r) in records {
        plan.executor.process(*input, r, &mut out);
    }
    out
}

fn rows(out: &[Output]) -> Vec<String> {
    out.iter().filter_map(|o| o.row.as_ref()).map(|r| format!("{r:?}")).collect()
}

const CLICKS: &str = "CREATE STREAM clicks (id VARCHAR KEY, page VARCHAR, n INT, tags ARRAY<VARCHAR>) \
                      WITH (kafka_topic='clicks', value_format='JSON', partitions=1);";

#[test]
fn filter_and_projection_keep_matching_rows_in_select_order() {
    let e = catalog(&[CLICKS]);
    let mut p = plan(&e, "SELECT page, n * 2 AS twice FROM clicks WHERE n > 1 EMIT CHANGES;", false).unwrap();
    assert_eq!(p.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["PAGE", "TWICE"]);
    let out = run(
        &mut p,
        &[(0, record("a", json!({"PAGE": "p1", "N": 1}), 1)), (0, record("b", json!({"PAGE": "p2", "N": 5}), 2))],
    );
    let shown = rows(&out);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("p2") && shown[0].contains("10"), "{shown:?}");
}

#[test]
fn table_functions_emit_one_row_per_element() {
    let e = catalog(&[CLICKS]);
    let mut p = plan(&e, "SELECT id, EXPLODE(tags) AS tag FROM clicks EMIT CHANGES;", false).unwrap();
    let out = run(&mut p, &[(0, record("a", json!({"TAGS": ["x", "y", "z"]}), 1))]);
    let shown = rows(&out);
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown[2].contains("\"z\"") || shown[2].contains("z"), "{shown:?}");
}

#[test]
fn a_table_function_inside_a_select_expression_is_flattened_too() {
    let e = catalog(&[CLICKS]);
    let mut p = plan(&e, "SELECT id, UCASE(EXPLODE(tags)) AS tag FROM clicks EMIT CHANGES;", false).unwrap();
    let out = run(&mut p, &[(0, record("a", json!({"TAGS": ["x", "y"]}), 1))]);
    let shown = rows(&out);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].contains("\"X\"") && shown[1].contains("\"Y\""), "{shown:?}");
}

#[test]
fn aggregation_updates_one_row_per_group_and_having_filters_groups() {
    let e = catalog(&[CLICKS]);
    let mut p =
        plan(&e, "SELECT page, COUNT(*) AS c FROM clicks GROUP BY page HAVING COUNT(*) > 1 EMIT CHANGES;", false)
            .unwrap();
    assert!(p.has_aggregation && p.output_is_table);
    let out = run(
        &mut p,
        &[
            (0, record("a", json!({"PAGE": "home"}), 1)),
            (0, record("b", json!({"PAGE": "home"}), 2)),
            (0, record("c", json!({"PAGE": "shop"}), 3)),
        ],
    );
    let shown = rows(&out);
    // Only the group that reached 2 passes HAVING.
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("home") && shown[0].contains('2'), "{shown:?}");
}

#[test]
fn tumbling_windows_count_per_window() {
    let e = catalog(&[CLICKS]);
    let mut p = plan(
        &e,
        "SELECT page, COUNT(*) AS c FROM clicks WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY page EMIT CHANGES;",
        false,
    )
    .unwrap();
    assert!(p.window.is_some());
    let out = run(
        &mut p,
        &[
            (0, record("a", json!({"PAGE": "home"}), 100)),
            (0, record("a", json!({"PAGE": "home"}), 900)),
            (0, record("a", json!({"PAGE": "home"}), 1_100)),
        ],
    );
    let windows: Vec<Option<(i64, i64)>> = out.iter().filter(|o| o.row.is_some()).map(|o| o.window).collect();
    assert_eq!(windows, [Some((0, 1000)), Some((0, 1000)), Some((1000, 2000))]);
    assert!(rows(&out)[1].contains('2') && rows(&out)[2].contains('1'));
}

#[test]
fn emit_final_emits_a_window_once_it_closes_while_the_store_keeps_it() {
    let e = catalog(&[CLICKS]);
    let sql =
        |window: &str| format!("SELECT page, COUNT(*) AS c FROM clicks WINDOW {window} GROUP BY page EMIT FINAL;");
    let home = |ts| (0, record("a", json!({"PAGE": "home"}), ts));
    let final_windows = |out: &[Output]| -> Vec<(i64, i64)> { out.iter().filter_map(|o| o.window).collect() };

    // No GRACE PERIOD under EMIT FINAL means none: [0, 10) closes when stream time reaches 10.
    let mut p = plan(&e, &sql("TUMBLING (SIZE 10 MILLISECONDS)"), false).unwrap();
    assert!(run(&mut p, &[home(0), home(9)]).is_empty());
    let out = run(&mut p, &[home(10)]);
    assert_eq!(final_windows(&out), [(0, 10)]);
    assert!(rows(&out)[0].contains("Bigint(2)"), "{:?}", rows(&out));

    // Grace 1: [0, 10) closes at 11. A jump of stream time to 25 finds [0, 10) and [10, 20)
    // closed, but the store keeps windows only size + grace (11 ms) behind the latest start
    // (20): [0, 10) is gone unemitted, [10, 20) is emitted.
    let mut p = plan(&e, &sql("TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)"), false).unwrap();
    assert!(run(&mut p, &[home(0), home(10)]).is_empty());
    assert_eq!(final_windows(&run(&mut p, &[home(25)])), [(10, 20)]);

    // Sessions: emitted once end + gap + grace has passed, without the merges' updates.
    let mut p = plan(&e, &sql("SESSION (5 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)"), false).unwrap();
    assert!(run(&mut p, &[home(0), home(4), home(8), home(12)]).is_empty());
    assert_eq!(final_windows(&run(&mut p, &[home(30)])), [(0, 12)]);
}

#[test]
fn a_stream_table_join_enriches_with_the_tables_current_row() {
    let e = catalog(&[
        CLICKS,
        "CREATE TABLE users (id VARCHAR PRIMARY KEY, region VARCHAR) \
         WITH (kafka_topic='users', value_format='JSON', partitions=1);",
    ]);
    let mut p =
        plan(&e, "SELECT c.id, c.page, u.region FROM clicks c JOIN users u ON c.id = u.id EMIT CHANGES;", false)
            .unwrap();
    assert!(p.has_join);
    let out = run(
        &mut p,
        &[
            (0, record("a", json!({"PAGE": "before"}), 1)),
            (1, record("a", json!({"REGION": "eu"}), 2)),
            (0, record("a", json!({"PAGE": "after"}), 3)),
            (1, record("a", json!({"REGION": "us"}), 4)),
            (0, record("a", json!({"PAGE": "later"}), 5)),
        ],
    );
    let shown = rows(&out);
    // No table row yet for the first click (an inner join); table updates emit nothing.
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].contains("after") && shown[0].contains("eu"), "{shown:?}");
    assert!(shown[1].contains("later") && shown[1].contains("us"), "{shown:?}");
}

#[test]
fn planner_errors_name_the_problem() {
    let e = catalog(&[CLICKS]);
    let err = |sql: &str| plan(&e, sql, false).err().unwrap_or_else(|| panic!("{sql} planned"));
    assert!(err("SELECT nope FROM clicks EMIT CHANGES;").to_uppercase().contains("NOPE"));
    assert!(err("SELECT * FROM nosuch EMIT CHANGES;").to_uppercase().contains("NOSUCH"));
    let grouped = err("SELECT page, n FROM clicks GROUP BY page EMIT CHANGES;");
    assert!(grouped.contains("N"), "{grouped}");
}

// The logical plan, operator by operator (phase 1 alone: no executor is needed).

const USERS: &str = "CREATE TABLE users (id VARCHAR PRIMARY KEY, region VARCHAR) \
                     WITH (kafka_topic='users', value_format='JSON', partitions=1);";

fn logical(e: &Engine, sql: &str, persistent: bool) -> Result<LogicalPlan, String> {
    let Ok(Statement::Query(q)) = parse_statement(sql) else { panic!("not a query: {sql}") };
    super::analyze::analyze(&q, &e.catalog, &PlanOptions { persistent, sink_name: None, sink_timestamp: None })
}

fn names_and_types(cols: &[ProjectedColumn]) -> Vec<String> {
    cols.iter().map(|c| format!("{} {}{}", c.name, c.ty, if c.key { " KEY" } else { "" })).collect()
}

#[test]
fn a_filter_and_projection_plan_scans_filters_and_projects_with_the_source_key() {
    let e = catalog(&[CLICKS]);
    let p = logical(&e, "SELECT id, page, n * 2 AS twice FROM clicks WHERE n > 1 EMIT CHANGES;", false).unwrap();
    assert_eq!(p.scans.iter().map(|s| s.source.name.as_str()).collect::<Vec<_>>(), ["CLICKS"]);
    assert!(p.joins.is_empty() && p.flat_map.is_none() && p.aggregate.is_none());
    assert_eq!(format_expr(&p.filter.as_ref().unwrap().predicate), "(N > 1)");
    assert_eq!(names_and_types(&p.project.columns), ["ID STRING KEY", "PAGE STRING", "TWICE INTEGER"]);
    assert!(matches!(&p.project.columns[2].value, ColumnValue::Expr(e) if format_expr(e) == "(N * 2)"));
    let key: Vec<_> = p.sink.key.iter().map(|k| (k.name.as_str(), k.position)).collect();
    assert_eq!(key, [("ID", Some(0))]);
    assert!(!p.sink.is_table && p.sink.window.is_none() && !p.sink.persistent);
}

#[test]
fn select_star_reads_the_relation_row_by_position() {
    let e = catalog(&[CLICKS]);
    let p = logical(&e, "SELECT * FROM clicks EMIT CHANGES;", false).unwrap();
    assert_eq!(
        names_and_types(&p.project.columns),
        ["ID STRING KEY", "PAGE STRING", "N INTEGER", "TAGS ARRAY<STRING>"]
    );
    let fields: Vec<_> = p.project.columns.iter().map(|c| matches!(c.value, ColumnValue::Field(_))).collect();
    assert_eq!(fields, [true; 4]);
}

#[test]
fn a_table_function_plans_a_flat_map_whose_column_the_projection_reads() {
    let e = catalog(&[CLICKS]);
    let p = logical(&e, "SELECT id, EXPLODE(tags) AS tag FROM clicks EMIT CHANGES;", false).unwrap();
    let f = p.flat_map.as_ref().unwrap();
    let calls: Vec<_> =
        f.functions.iter().map(|c| (c.name.as_str(), format_expr(&c.args[0]), c.ty.to_string())).collect();
    assert_eq!(calls, [("EXPLODE", "TAGS".to_string(), "STRING".to_string())]);
    assert!(p.relation().cols.iter().any(|c| c.name == "KSQL_SYNTH_0"));
    assert_eq!(names_and_types(&p.project.columns), ["ID STRING KEY", "TAG STRING"]);
}

#[test]
fn an_aggregation_plans_its_keys_calls_window_and_having() {
    let e = catalog(&[CLICKS]);
    let sql = "SELECT page, COUNT(*) AS c, SUM(n) AS s FROM clicks WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY page \
               HAVING COUNT(*) > 1 EMIT CHANGES;";
    let p = logical(&e, sql, false).unwrap();
    let a = p.aggregate.as_ref().unwrap();
    let keys: Vec<_> = a.group_by.iter().map(|g| format!("{} {}", g.name, g.ty)).collect();
    assert_eq!(keys, ["PAGE STRING"]);
    let calls: Vec<_> = a.calls.iter().map(|c| format!("{} -> {}", format_expr(&c.call), c.ret)).collect();
    assert_eq!(calls, ["COUNT(*) -> BIGINT", "SUM(N) -> INTEGER"]);
    assert_eq!(a.window.as_ref().map(|w| w.size), Some(1000));
    assert_eq!(a.having.as_ref().map(format_expr).as_deref(), Some("(COUNT(*) > 1)"));
    assert_eq!(names_and_types(&p.project.columns), ["PAGE STRING KEY", "C BIGINT", "S INTEGER"]);
    assert!(p.sink.is_table);
    assert_eq!(p.sink.window, Some((WindowType::Tumbling, Some(1000))));
}

#[test]
fn a_join_plans_both_sides_and_keys_the_result_by_the_join_expression() {
    let e = catalog(&[CLICKS, USERS]);
    let p = logical(&e, "SELECT c.id, c.page, u.region FROM clicks c JOIN users u ON c.id = u.id EMIT CHANGES;", false)
        .unwrap();
    let scans: Vec<_> = p.scans.iter().map(|s| (s.source.name.as_str(), s.alias.as_str())).collect();
    assert_eq!(scans, [("CLICKS", "C"), ("USERS", "U")]);
    let j = &p.joins[0];
    assert_eq!(
        (j.kind, format_expr(&j.left_key), format_expr(&j.right_key)),
        (JoinKind::Inner, "C.ID".into(), "U.ID".into())
    );
    assert!(!j.left_is_table && j.right_is_table && j.within.is_none());
    assert_eq!(j.right.cols.len(), p.scans[1].schema.cols.len());
    assert_eq!(names_and_types(&p.project.columns), ["C_ID STRING KEY", "PAGE STRING", "REGION STRING"]);
    // Two sources have ID: the qualified column is named after its source. The key is the
    // left side's join expression, else the right side's.
    assert!(matches!(&p.sink.key[0].value, ColumnValue::FirstNonNull(e) if e.len() == 2));
}

#[test]
fn errors_come_from_the_logical_phase_with_ksqldbs_messages() {
    let views = "CREATE STREAM views (id VARCHAR KEY, page VARCHAR) WITH (kafka_topic='views', value_format='JSON', \
                 partitions=1);";
    let e = catalog(&[CLICKS, USERS, views]);
    let err = |sql: &str| logical(&e, sql, false).err().unwrap_or_else(|| panic!("{sql} planned"));
    // A source joined to itself, under any alias.
    let self_join = err("SELECT * FROM clicks a JOIN clicks b WITHIN 1 SECOND ON a.id = b.id EMIT CHANGES;");
    assert_eq!(self_join, "Can not join 'CLICKS' to 'CLICKS': self joins are not yet supported.");
    assert_eq!(
        err("SELECT page FROM clicks WINDOW TUMBLING (SIZE 1 SECOND) EMIT CHANGES;"),
        "WINDOW clause requires a GROUP BY clause."
    );
    assert_eq!(err("SELECT page FROM clicks HAVING n > 1 EMIT CHANGES;"), "HAVING requires GROUP BY clause.");
    let stream_stream = err("SELECT * FROM clicks a JOIN views b ON a.id = b.id EMIT CHANGES;");
    assert!(stream_stream.starts_with("Stream-Stream joins must have a WITHIN clause"), "{stream_stream}");
    assert!(err("SELECT * FROM users u JOIN clicks c ON u.id = c.id EMIT CHANGES;").starts_with("Invalid join order"));
    assert_eq!(
        err("SELECT * FROM clicks WHERE page EMIT CHANGES;"),
        "Type error in WHERE expression: Should evaluate to boolean but is PAGE (STRING) instead."
    );
}

#[test]
fn an_aggregates_literal_arguments_are_typed_before_they_are_required_to_be_literals() {
    let e = catalog(&[CLICKS]);
    let err = |sql: &str| logical(&e, sql, false).err().unwrap_or_else(|| panic!("{sql} planned"));
    // A column where a literal belongs: refused as such once the call type-checks ...
    assert_eq!(
        err("SELECT id, EARLIEST_BY_OFFSET(page, n) FROM clicks GROUP BY id EMIT CHANGES;"),
        "Parameter 2 passed to function EARLIEST_BY_OFFSET must be a literal constant, but was expression: 'N'"
    );
    // ... and a type error, listing every argument's type, when it does not.
    assert_eq!(
        err("SELECT id, EARLIEST_BY_OFFSET(page, page) FROM clicks GROUP BY id EMIT CHANGES;"),
        "Function 'EARLIEST_BY_OFFSET' does not accept parameters (STRING, STRING)."
    );
}

#[test]
fn a_persistent_query_cannot_read_a_windowed_table() {
    let windowed = "CREATE TABLE w (k VARCHAR PRIMARY KEY, x INT) WITH (kafka_topic='w', value_format='JSON', \
                    partitions=1, window_type='Session');";
    let e = catalog(&[windowed]);
    let sql = "SELECT * FROM w EMIT CHANGES;";
    assert_eq!(
        logical(&e, sql, true).err().as_deref(),
        Some("KSQL does not support persistent queries on windowed tables.")
    );
    assert!(logical(&e, sql, false).is_ok(), "a transient query may read it");
}

#[test]
fn explain_prints_the_logical_operator_tree() {
    let e = catalog(&[CLICKS, USERS]);
    let p = logical(&e, "SELECT page, n FROM clicks WHERE n > 1 EMIT CHANGES;", false).unwrap();
    let text = super::explain::explain(&p);
    let ops: Vec<&str> = text.lines().map(|l| l.split(" | ").next().unwrap()).collect();
    assert_eq!(ops, [" > [ SINK ]", "\t\t > [ PROJECT ]", "\t\t\t\t > [ FILTER ]", "\t\t\t\t\t\t > [ SOURCE ]"]);
    assert!(text
        .contains("[ SOURCE ] | Schema: ID STRING KEY, PAGE STRING, N INTEGER, TAGS ARRAY<STRING> | Logger: CLICKS"));
    assert!(text.contains("[ SINK ] | Schema: ID STRING KEY, PAGE STRING, N INTEGER"), "{text}");

    let sql = "SELECT c.id, COUNT(*) FROM clicks c JOIN users u ON c.id = u.id GROUP BY c.id EMIT CHANGES;";
    let text = super::explain::explain(&logical(&e, sql, false).unwrap());
    let ops: Vec<String> = text.lines().map(|l| l.split(" | ").next().unwrap().trim().to_string()).collect();
    assert_eq!(
        ops,
        [
            "> [ SINK ]",
            "> [ PROJECT ]",
            "> [ AGGREGATE ]",
            "> [ GROUP_BY ]",
            "> [ JOIN ]",
            "> [ SOURCE ]",
            "> [ SOURCE ]"
        ]
    );
}
