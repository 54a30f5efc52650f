//! CREATE OR REPLACE ... AS SELECT: queries upgraded in place (same id, no record read
//! twice, state kept) and the upgrades ksqlDB refuses, with its messages.

use super::*;

fn run(e: &mut Engine, s: &mut Session, sql: &str) -> Option<J> {
    e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"))
}

fn fails(e: &mut Engine, s: &mut Session, sql: &str) -> String {
    match e.execute(sql, s) {
        Ok(_) => panic!("{sql}: succeeded"),
        Err(err) => err.message,
    }
}

/// The records of a topic as (INT key, JSON value text; None: a tombstone).
fn records(e: &Engine, topic: &str) -> Vec<(i32, Option<String>)> {
    let t = e.topics.get(topic).unwrap_or_else(|| panic!("no topic {topic}"));
    let key = |r: &Record| i32::from_be_bytes(r.key().expect("a key").try_into().expect("an INT key"));
    t.log.iter().map(|r| (key(r), r.value().map(|v| String::from_utf8_lossy(v).into_owned()))).collect()
}

fn query_ids(e: &Engine) -> Vec<String> {
    let mut ids: Vec<String> = e.queries.keys().cloned().collect();
    ids.sort();
    ids
}

#[test]
fn a_stream_query_upgraded_in_place_keeps_its_id_and_reads_on_from_where_it_stopped() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM A (ID INT KEY, COL1 INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM B AS SELECT * FROM A WHERE COL1 > 0;");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, 0);");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, 1);");
    let before = query_ids(&e);
    let replaced = run(&mut e, &mut s, "CREATE OR REPLACE STREAM B AS SELECT * FROM A WHERE COL1 < 0;").unwrap();
    assert_eq!(query_ids(&e), before, "the same query, upgraded");
    assert_eq!(replaced["commandStatus"]["message"], format!("Created query with ID {}", before[0]));
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, 0);");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, -1);");
    let want = vec![(1, Some(r#"{"COL1":1}"#.to_string())), (1, Some(r#"{"COL1":-1}"#.to_string()))];
    assert_eq!(records(&e, "B"), want, "old filter before, new filter after, nothing read twice");

    // Schema evolution: a column added at the end; the statement text follows.
    run(&mut e, &mut s, "CREATE OR REPLACE STREAM B AS SELECT ID, COL1, COL1 * 10 AS BIG FROM A;");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (2, 5);");
    assert_eq!(records(&e, "B").last().unwrap(), &(2, Some(r#"{"COL1":5,"BIG":50}"#.to_string())));
    assert!(e.queries[&before[0]].info.sql.contains("BIG"), "{}", e.queries[&before[0]].info.sql);
    let described = run(&mut e, &mut s, "DESCRIBE B;").unwrap();
    assert!(described.to_string().contains("BIG"), "{described}");

    // A column dropped or retyped is refused, and the query runs on unchanged.
    let refused = fails(&mut e, &mut s, "CREATE OR REPLACE STREAM B AS SELECT ID, COL1 FROM A;");
    assert!(refused.starts_with("Cannot upgrade data source: DataSource '`B`' has schema = "), "{refused}");
    assert!(refused.contains("The following columns are changed, missing or reordered: [`BIG` INTEGER]"), "{refused}");
    assert_eq!(query_ids(&e), before);
}

#[test]
fn a_table_query_upgraded_in_place_knows_the_rows_its_input_held() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE TABLE A (ID INT PRIMARY KEY, COL1 INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE TABLE B AS SELECT * FROM A;");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, 0);");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (2, 7);");
    run(&mut e, &mut s, "CREATE OR REPLACE TABLE B AS SELECT * FROM A WHERE COL1 > 0;");
    // (1, 0) was and stays filtered out by the new filter: nothing, as in ksqlDB (its issue
    // 6493); then a row that passes; then one that no longer does: a tombstone.
    for value in [0, 1, 0] {
        run(&mut e, &mut s, &format!("INSERT INTO A (ID, COL1) VALUES (1, {value});"));
    }
    // Key 2's row, read before the upgrade, passed the new filter: its update out is a delete.
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (2, 0);");
    let row = |k: i32, v: i32| (k, Some(format!(r#"{{"COL1":{v}}}"#)));
    let want = vec![row(1, 0), row(2, 7), row(1, 1), (1, None), (2, None)];
    assert_eq!(records(&e, "B"), want);
}

#[test]
fn an_aggregation_upgraded_in_place_keeps_its_counts() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM FOO (ID INT KEY, COL1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE TABLE BAR AS SELECT ID, COUNT(COL1) AS N FROM FOO WHERE COL1 >= 0 GROUP BY ID;");
    run(&mut e, &mut s, "INSERT INTO FOO (ID, COL1) VALUES (1, 0);");
    run(&mut e, &mut s, "INSERT INTO FOO (ID, COL1) VALUES (2, 0);");
    run(
        &mut e,
        &mut s,
        "CREATE OR REPLACE TABLE BAR AS SELECT ID, COUNT(COL1) AS N FROM FOO WHERE ID > 1 GROUP BY ID;",
    );
    run(&mut e, &mut s, "INSERT INTO FOO (ID, COL1) VALUES (1, 0);");
    run(&mut e, &mut s, "INSERT INTO FOO (ID, COL1) VALUES (2, -1);");
    assert_eq!(records(&e, "BAR").last().unwrap(), &(2, Some(r#"{"N":2}"#.to_string())), "the count went on");
    assert_eq!(records(&e, "BAR").len(), 3, "key 1 is filtered out now");
    let QueryResult::Pull { rows, .. } = e.query("SELECT N FROM BAR WHERE ID = 2;", &mut s).unwrap() else {
        panic!("not a pull query")
    };
    assert_eq!(rows, vec![vec![Value::Bigint(2)]], "pull queries read the kept groups");
}

#[test]
fn upgrades_ksqldb_refuses_are_refused_with_its_messages() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM FOO (ID INT KEY, COL1 INT, COL2 INT) WITH (kafka_topic='foo', format='JSON', partitions=1);",
    );
    run(
        &mut e,
        &mut s,
        "CREATE TABLE T (ID INT PRIMARY KEY, BAR INT) WITH (kafka_topic='t', format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE TABLE CNT AS SELECT ID, COUNT(*) AS N FROM FOO WHERE COL1 > 0 GROUP BY ID;");
    run(
        &mut e,
        &mut s,
        "CREATE TABLE WIN AS SELECT ID, COUNT(*) AS N FROM FOO WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY ID;",
    );
    run(&mut e, &mut s, "CREATE STREAM J AS SELECT FOO.ID, COL1, BAR FROM FOO JOIN T ON FOO.ID = T.ID;");
    run(&mut e, &mut s, "CREATE STREAM P AS SELECT * FROM FOO PARTITION BY COL1;");
    let cases = [
        (
            "CREATE OR REPLACE TABLE CNT AS SELECT ID, COUNT(*) AS N FROM FOO GROUP BY ID;",
            "Query is not upgradeable. Plan step of type StreamAggregate must have matching columns not part of \
             aggregate. Values differ: [`ID`, `ROWTIME`, `COL1`] vs. [`ID`, `ROWTIME`]",
        ),
        (
            "CREATE OR REPLACE TABLE WIN AS SELECT ID, COUNT(*) AS N FROM FOO WINDOW TUMBLING (SIZE 30 SECONDS) \
             WHERE COL1 > 0 GROUP BY ID;",
            "Upgrades not yet supported for StreamWindowedAggregate",
        ),
        (
            "CREATE OR REPLACE STREAM J AS SELECT FOO.ID, COL1, BAR FROM FOO JOIN T ON FOO.ID = T.ID WHERE COL1 > 0;",
            "Upgrades not yet supported for StreamTableJoin",
        ),
        (
            "CREATE OR REPLACE STREAM P AS SELECT * FROM FOO PARTITION BY COL2;",
            "Key columns must be identical. The following key columns are changed, missing or reordered: \
             [`COL1` INTEGER KEY]",
        ),
    ];
    let before = query_ids(&e);
    for (sql, want) in cases {
        let message = fails(&mut e, &mut s, sql);
        assert!(message.contains(want), "{sql}\n{message}");
    }
    assert_eq!(query_ids(&e), before, "a refused upgrade leaves the queries as they were");

    // Two queries writing into one sink: which would the statement replace?
    run(&mut e, &mut s, "INSERT INTO P SELECT * FROM FOO PARTITION BY COL1;");
    let message =
        fails(&mut e, &mut s, "CREATE OR REPLACE STREAM P AS SELECT * FROM FOO WHERE COL2 > 0 PARTITION BY COL1;");
    assert!(
        message
            .starts_with("REPLACE for sink P is not supported because there are multiple queries writing into it: ["),
        "{message}"
    );
}

#[test]
fn a_sink_whose_query_ended_is_replaced_by_a_new_query() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM A (ID INT KEY, COL1 INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM B AS SELECT * FROM A;");
    let old = query_ids(&e);
    run(&mut e, &mut s, &format!("TERMINATE {};", old[0]));
    run(&mut e, &mut s, "CREATE OR REPLACE STREAM B AS SELECT * FROM A WHERE COL1 > 0;");
    let new = query_ids(&e);
    assert_eq!(new.len(), 1);
    assert_ne!(new, old, "a new query");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, 0);");
    run(&mut e, &mut s, "INSERT INTO A (ID, COL1) VALUES (1, 7);");
    assert_eq!(records(&e, "B"), vec![(1, Some(r#"{"COL1":7}"#.to_string()))]);
}
