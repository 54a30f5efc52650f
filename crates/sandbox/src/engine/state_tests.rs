//! The state queries keep: closed windows evicted after their grace period, tables kept
//! queryable as their query runs, pull queries by key on windowed tables.

use super::*;
use crate::topics::Record;

fn run(e: &mut Engine, s: &mut Session, sql: &str) {
    e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// An engine with stream S and the tables these statements make.
fn engine_with_tables(tables: &[&str]) -> Engine {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    for sql in tables {
        run(&mut e, &mut s, sql);
    }
    e
}

fn produce(e: &mut Engine, key: i32, v: i32, ts: i64) {
    let value = format!("{{\"V\":{v}}}").into_bytes();
    let rec = Record::new(Some(key.to_be_bytes().to_vec()), Some(value), ts);
    e.produce("s", rec, None);
}

fn windows_held(e: &Engine, query: &str) -> usize {
    match &e.queries[query].executor.body {
        exec::Body::Aggregate(a) => a.window_count(),
        exec::Body::Project(_) => panic!("{query} is not an aggregation"),
    }
}

fn pull(e: &mut Engine, sql: &str) -> Vec<Vec<Value>> {
    match e.query(sql, &mut Session::default()) {
        Ok(QueryResult::Pull { rows, .. }) => rows,
        Ok(_) => panic!("{sql}: not a pull query"),
        Err(err) => panic!("{sql}: {err}"),
    }
}

const STREAM: &str = "CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='s', value_format='json', partitions=1);";

#[test]
fn closed_windows_are_evicted_after_their_grace_period() {
    let mut e = engine_with_tables(&[
        "CREATE TABLE T AS SELECT ID, COUNT(*) AS C FROM S \
         WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 2 SECONDS) GROUP BY ID;",
        "CREATE TABLE W AS SELECT ID, COUNT(*) AS C FROM S \
         WINDOW SESSION (1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY ID;",
    ]);
    let (tumbling, session) = (e.catalog.get("T").unwrap().writer_query.clone().unwrap(), "CTAS_W_1".to_string());
    assert!(e.queries.contains_key(&session), "{:?}", e.persistent_query_ids());
    // 100 seconds, 10 keys, a record per key every 500 ms: sessions never close while
    // their key keeps coming, windows close 2 s after their end.
    for t in 0..200i64 {
        for k in 0..10 {
            produce(&mut e, k, 1, t * 500);
        }
    }
    let held = windows_held(&e, &tumbling);
    assert!(held <= 10 * 4, "closed tumbling windows kept: {held} of 1 000");
    assert_eq!(windows_held(&e, &session), 10, "one open session per key");
    // Key 0 stops; a later record of key 1 closes key 0's session.
    produce(&mut e, 1, 1, 200_000);
    assert_eq!(windows_held(&e, &session), 1, "sessions past gap and grace are dropped");
    // Late records for an evicted window are dropped, not counted into a fresh window.
    produce(&mut e, 0, 1, 0);
    assert!(windows_held(&e, &tumbling) <= 10 * 4);
    // Windows opened after a sweep that left none are swept in their turn.
    for t in 0..100i64 {
        produce(&mut e, 5, 1, 300_000 + t * 1000);
    }
    assert!(windows_held(&e, &tumbling) <= 4, "{}", windows_held(&e, &tumbling));
    // The table's own state (its topic) still answers for the closed windows.
    assert_eq!(pull(&mut e, "SELECT * FROM T WHERE ID = 3;").len(), 100);
}

#[test]
fn windowed_pull_by_key_reads_that_keys_windows_in_order() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(
        &mut e,
        &mut s,
        "CREATE TABLE T AS SELECT ID, SUM(V) AS SV FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ID;",
    );
    for t in 0..50i64 {
        for k in 0..20 {
            produce(&mut e, k, k, t * 300);
        }
    }
    let by_key = pull(&mut e, "SELECT * FROM T WHERE ID = 7;");
    // The same rows a scan finds, in window order.
    let scanned: Vec<Vec<Value>> =
        pull(&mut e, "SELECT * FROM T;").into_iter().filter(|r| r[0] == Value::Int(7)).collect();
    assert_eq!(by_key, scanned);
    assert_eq!(by_key.len(), 15, "{by_key:?}");
    let starts: Vec<i64> = by_key.iter().map(|r| r[1].as_i64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    let in_list = pull(&mut e, "SELECT * FROM T WHERE ID IN (7, 99) AND WINDOWSTART >= 5000;");
    assert_eq!(in_list.len(), 10, "{in_list:?}");
    assert!(pull(&mut e, "SELECT * FROM T WHERE ID = 99;").is_empty());
}

/// A key with windows both closed (evicted from the groups, kept by the table) and open
/// (its groups) reads them all, in window order, as a scan does.
#[test]
fn a_pull_by_key_merges_closed_and_open_windows_in_order() {
    let mut e = engine_with_tables(&["CREATE TABLE T AS SELECT ID, COUNT(*) AS C FROM S \
         WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY ID;"]);
    let query = e.catalog.get("T").unwrap().writer_query.clone().unwrap();
    // Two records a second for 20 seconds, key 1 and key 2 taking turns by the second.
    for t in 0..40i64 {
        produce(&mut e, 1 + (t / 2 % 2) as i32, 1, t * 500);
    }
    let held = windows_held(&e, &query);
    assert!((1..20).contains(&held), "some windows closed, some open: {held}");
    for key in [1, 2] {
        let rows = pull(&mut e, &format!("SELECT * FROM T WHERE ID = {key};"));
        let starts: Vec<i64> = rows.iter().map(|r| r[1].as_i64().unwrap()).collect();
        let first = if key == 1 { 0 } else { 1_000 };
        assert_eq!(starts, (0..10).map(|i| first + i * 2_000).collect::<Vec<_>>(), "key {key}");
        assert!(rows.iter().all(|r| r[3] == Value::Bigint(2)), "{rows:?}");
        let scanned: Vec<Vec<Value>> =
            pull(&mut e, "SELECT * FROM T;").into_iter().filter(|r| r[0] == Value::Int(key)).collect();
        assert_eq!(rows, scanned);
    }
}

#[test]
fn a_query_table_is_queryable_from_its_creation() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(&mut e, &mut s, "CREATE TABLE T AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM S GROUP BY ID;");
    // An aggregation's groups are the table's state: no copy of its rows is kept.
    let writer = e.catalog.get("T").unwrap().writer_query.clone().unwrap();
    for k in 0..100 {
        produce(&mut e, k, k * 2, k as i64);
    }
    assert!(!e.materialized.contains_key("T"), "the aggregation's state is kept once");
    assert_eq!(windows_held(&e, &writer), 100);
    assert_eq!(pull(&mut e, "SELECT V FROM T WHERE ID = 21;"), vec![vec![Value::Int(42)]]);
    // A projection's table is maintained as the query writes, before any pull query.
    s.properties.push(("auto.offset.reset".into(), "earliest".into()));
    run(&mut e, &mut s, "CREATE TABLE P AS SELECT * FROM T;");
    assert!(e.materialized.contains_key("P"));
    produce(&mut e, 21, 5, 200);
    assert_eq!(e.materialized["P"].rows.len(), 100);
    assert_eq!(pull(&mut e, "SELECT V FROM P WHERE ID = 21;"), vec![vec![Value::Int(5)]]);
    run(&mut e, &mut s, "DROP TABLE P;");
    assert!(!e.materialized.contains_key("P"), "a dropped table's state goes with it");
}

#[test]
fn a_query_table_kept_from_its_outputs_matches_one_read_from_its_topic() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    // BIGINT and INT columns take the outputs' values as they are; the ARRAY one is decoded.
    run(
        &mut e,
        &mut s,
        "CREATE TABLE T AS SELECT ID, COUNT(*) AS C, SUM(V) AS SV, COLLECT_LIST(V) AS L FROM S \
         GROUP BY ID HAVING COUNT(*) < 3;",
    );
    run(
        &mut e,
        &mut s,
        "CREATE TABLE W AS SELECT ID, SUM(V) AS SV FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ID;",
    );
    for k in 0..10 {
        for n in 0..(k % 4) {
            produce(&mut e, k, k * 10 + n, (k * 100 + n) as i64);
        }
    }
    let (all, windows) = (pull(&mut e, "SELECT * FROM T;"), pull(&mut e, "SELECT * FROM W WHERE ID = 3;"));
    // Keys with 3 records failed HAVING: their tombstones deleted them.
    let ids: Vec<&Value> = all.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, [1, 2, 5, 6, 9].map(Value::Int).iter().collect::<Vec<_>>(), "{all:?}");
    assert_eq!(pull(&mut e, "SELECT C, SV, L FROM T WHERE ID = 6;").len(), 1);
    // By key, a row whose ARRAY column does not read back as it is goes through its record.
    let six = pull(&mut e, "SELECT * FROM T WHERE ID = 6;");
    assert!(matches!(&six[..], [row] if matches!(&row[3], Value::Array(l) if l.len() == 2)), "{six:?}");
    assert!(pull(&mut e, "SELECT * FROM T WHERE ID = 3;").is_empty());
    assert_eq!(windows.len(), 1);
    // The same state rebuilt from the topic's records.
    assert!(e.materialized.is_empty(), "the aggregations' groups answered");
    e.pulls_read_aggregations = false;
    assert_eq!(pull(&mut e, "SELECT * FROM T;"), all);
    assert_eq!(pull(&mut e, "SELECT * FROM T WHERE ID = 6;"), six);
    assert_eq!(pull(&mut e, "SELECT * FROM W WHERE ID = 3;"), windows);
}

#[test]
fn a_key_lookup_filters_its_rows_unless_it_is_the_whole_where() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(&mut e, &mut s, "CREATE TABLE T AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM S GROUP BY ID;");
    run(&mut e, &mut s, "CREATE TABLE P AS SELECT * FROM T;");
    for k in 0..10 {
        produce(&mut e, k, k * 2, k as i64);
    }
    for t in ["T", "P"] {
        let rows = |e: &mut Engine, w: &str| pull(e, &format!("SELECT V FROM {t} WHERE {w};"));
        // The whole WHERE is the lookup: its rows, unfiltered.
        assert_eq!(rows(&mut e, "ID = 3"), vec![vec![Value::Int(6)]], "{t}");
        assert_eq!(rows(&mut e, "ID IN (3, 4)").len(), 2, "{t}");
        // More than the lookup: the WHERE still decides.
        assert!(rows(&mut e, "ID = 3 AND V > 100").is_empty(), "{t}");
        assert_eq!(rows(&mut e, "ID IN (3, 4) AND V > 7"), vec![vec![Value::Int(8)]], "{t}");
        // A literal the key's type changes, a key fixed twice: the lookup alone would say yes.
        assert!(rows(&mut e, "ID = 3.5").is_empty(), "{t}");
        assert!(rows(&mut e, "ID = 3 AND ID = 4").is_empty(), "{t}");
    }
    let lookup = |w: &str| {
        let Statement::Query(q) = parse_statement(&format!("SELECT * FROM T WHERE {w};")).unwrap() else {
            panic!("not a query")
        };
        super::pull::key_lookup(q.where_.as_ref().unwrap(), e.catalog.get("T").unwrap()).map(|l| l.whole_where)
    };
    assert_eq!(lookup("ID = 3"), Some(true));
    assert_eq!(lookup("3 = ID AND ID IN (3)"), Some(false));
    assert_eq!(lookup("ID = 3.5"), Some(false));
    assert_eq!(lookup("V = 3"), None);
}

#[test]
fn a_table_aggregation_retracts_a_rows_old_group_and_outputs_each_group_touched_once() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    let t = "CREATE TABLE T (ID INT PRIMARY KEY, G STRING, V INT) WITH (kafka_topic='t', value_format='json', \
             partitions=1);";
    run(&mut e, &mut s, t);
    run(&mut e, &mut s, "CREATE TABLE A AS SELECT G, COUNT(*) AS C, SUM(V) AS S FROM T GROUP BY G;");
    let rows: [(i32, Option<&str>); 7] = [
        (1, Some(r#"{"G":"a","V":1}"#)),
        (2, Some(r#"{"G":"a","V":2}"#)),
        (1, Some(r#"{"G":"b","V":5}"#)),  // moves from a to b: a's row, then b's
        (2, Some(r#"{"G":"a","V":4}"#)),  // stays in a: one row
        (2, Some(r#"{"G":null,"V":4}"#)), // a NULL group: only a's retraction
        (1, None),                        // deleted: b's retraction
        (3, Some(r#"{"G":"b","V":7}"#)),
    ];
    for (i, (id, value)) in rows.iter().enumerate() {
        let rec = Record::new(Some(id.to_be_bytes().to_vec()), value.map(|v| v.as_bytes().to_vec()), i as i64);
        e.produce("t", rec, None);
    }
    let out: Vec<String> = e
        .topic_records("A")
        .iter()
        .map(|r| {
            let key = String::from_utf8_lossy(r.key().unwrap_or_default()).into_owned();
            format!("{key}={}", String::from_utf8_lossy(r.value().unwrap_or_default()))
        })
        .collect();
    let expected = [
        r#"a={"C":1,"S":1}"#,
        r#"a={"C":2,"S":3}"#,
        r#"a={"C":1,"S":2}"#,
        r#"b={"C":1,"S":5}"#,
        r#"a={"C":1,"S":4}"#,
        r#"a={"C":0,"S":0}"#,
        r#"b={"C":0,"S":0}"#,
        r#"b={"C":1,"S":7}"#,
    ];
    assert_eq!(out, expected);
}

/// Late records open earlier windows of a key whose later windows exist (hopping windows,
/// out of order, within the grace period; one past it dropped); a pull by key reads them in
/// window order, and again once they are evicted and the table keeps their final rows.
#[test]
fn late_records_open_earlier_windows_in_order_and_survive_eviction() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(
        &mut e,
        &mut s,
        "CREATE TABLE H AS SELECT ID, COUNT(*) AS C, SUM(V) AS SV FROM S \
         WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND, GRACE PERIOD 5 SECONDS) GROUP BY ID;",
    );
    let query = e.catalog.get("H").unwrap().writer_query.clone().unwrap();
    // Stream time 10.5 s: window [3, 5) has closed (5 + 5 <= 10.5), [4, 6) has not.
    for (key, v, ts) in [(1, 1, 10_500), (2, 100, 10_500), (1, 2, 4_500), (1, 4, 7_200), (1, 8, 9_100), (1, 16, 4_700)]
    {
        produce(&mut e, key, v, ts);
    }
    let expected: Vec<(i64, i64, i64)> =
        vec![(4_000, 2, 18), (6_000, 1, 4), (7_000, 1, 4), (8_000, 1, 8), (9_000, 2, 9), (10_000, 1, 1)];
    let rows = |e: &mut Engine| -> Vec<(i64, i64, i64)> {
        let shown = |v: &Value| v.as_i64().unwrap_or_else(|| panic!("{v:?}"));
        pull(e, "SELECT * FROM H WHERE ID = 1;").iter().map(|r| (shown(&r[1]), shown(&r[3]), shown(&r[4]))).collect()
    };
    assert_eq!(rows(&mut e), expected);
    assert_eq!(windows_held(&e, &query), 8, "six windows of key 1, two of key 2");
    // Stream time 30 s closes them all but key 2's newest; the table keeps their rows.
    produce(&mut e, 2, 1, 30_000);
    assert_eq!(windows_held(&e, &query), 2);
    assert_eq!(rows(&mut e), expected);
}

/// -0.0 and 0.0 are one group key: a key's groups all show the spelling that made the key,
/// so a merged session's tombstone and the merged session's row name the same key.
#[test]
fn a_sessions_tombstone_and_its_merged_row_name_the_same_key() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM D (ID INT KEY, X DOUBLE) WITH (kafka_topic='d', value_format='json', partitions=1);",
    );
    run(
        &mut e,
        &mut s,
        "CREATE TABLE SX AS SELECT X, COUNT(*) AS C FROM D \
         WINDOW SESSION (1 SECOND, GRACE PERIOD 10 SECONDS) GROUP BY X;",
    );
    // Session A of -0.0 at 0; session B of 0.0 at 5 s; a record at 5.5 s merges into B.
    for (x, ts) in [("-0.0", 0), ("0.0", 5_000), ("0.0", 5_500)] {
        let rec = Record::new(Some(1i32.to_be_bytes().to_vec()), Some(format!("{{\"X\":{x}}}").into_bytes()), ts);
        e.produce("d", rec, None);
    }
    // Each output's key bytes, window, and whether it has a value (false: a tombstone).
    type Shown = (Option<Vec<u8>>, Option<(i64, i64)>, bool);
    let out: Vec<Shown> =
        e.topic_records("SX").iter().map(|r| (r.key().map(<[u8]>::to_vec), r.window(), r.value().is_some())).collect();
    let minus_zero = Some((-0.0f64).to_be_bytes().to_vec());
    let expected = vec![
        (minus_zero.clone(), Some((0, 0)), true),
        (minus_zero.clone(), Some((5_000, 5_000)), true),
        (minus_zero.clone(), Some((5_000, 5_000)), false),
        (minus_zero, Some((5_000, 5_500)), true),
    ];
    assert_eq!(out, expected);
}
