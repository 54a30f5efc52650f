//! The planner and executor on their own, one operator at a time: a query is parsed and
//! planned against a catalog, records go into the executor, and its outputs are checked
//! (no REST layer, no topics written).

use std::sync::Arc;

use serde_json::json;

use super::{plan_query, Plan, PlanOptions};
use crate::sandbox::engine::exec::Output;
use crate::sandbox::engine::{Engine, Session};
use crate::sandbox::sql::ast::Statement;
use crate::sandbox::sql::parser::parse_statement;
use crate::sandbox::topics::Record;

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
fn record(key: &str, value: serde_json::Value, ts: i64) -> Arc<Record> {
    Arc::new(Record {
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.to_string().into_bytes()),
        timestamp: ts,
        headers: Vec::new(),
        partition: 0,
        offset: 0,
        window: None,
    })
}

/// Feeds `records` (input index, record) and returns the rows that came out, as JSON text.
fn run(plan: &mut Plan, records: &[(usize, Arc<Record>)]) -> Vec<Output> {
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
