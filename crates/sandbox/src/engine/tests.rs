//! Engine tests across statements: the quickstart, push queries on big topics, closes and
//! retention.

use super::*;
use crate::quickstart_fixture as quickstart;

fn run(e: &mut Engine, s: &mut Session, sql: &str) -> Option<J> {
    e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"))
}

#[test]
fn quickstart_in_engine() {
    let mut e = Engine::new();
    let mut s = Session::default();
    for statement in quickstart::STATEMENTS {
        run(&mut e, &mut s, statement);
    }
    let push = e.query(quickstart::NEAR_PUSH_QUERY, &mut s).unwrap();
    for insert in quickstart::inserts() {
        run(&mut e, &mut s, &insert);
    }
    let QueryResult::Push { header, .. } = push else { panic!() };
    let rows = e.drain(&header.query_id);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|m| matches!(m, PushMsg::Row(_))), "{rows:?}");
    let QueryResult::Pull { rows, header, .. } =
        e.query("SELECT * from ridersNearMountainView WHERE distanceInMiles <= 10;", &mut s).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        header.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["DISTANCEINMILES", "RIDERS", "COUNT"]
    );
    assert!(header.columns[0].key);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], Value::Double(0.0));
    assert_eq!(rows[0][2], Value::Bigint(3));
}

#[test]
fn limit_1_from_earliest_reads_one_record_of_a_big_topic() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
    produce_values(&mut e, 100_000);
    let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
    let QueryResult::Push { header, limit, .. } = e.query("SELECT V FROM S EMIT CHANGES LIMIT 1;", &mut s).unwrap()
    else {
        panic!()
    };
    assert_eq!(limit, Some(1));
    let rows = e.pump(&header.query_id, 1);
    assert!(matches!(&rows[..], [PushMsg::Row(r)] if r[0] == Value::Int(0)), "{rows:?}");
    assert_eq!(e.records_read(&header.query_id), Some(1));

    // A query that matches nothing reads a bounded number of records per pump.
    let QueryResult::Push { header, signal, .. } =
        e.query("SELECT V FROM S WHERE V < 0 EMIT CHANGES;", &mut s).unwrap()
    else {
        panic!()
    };
    assert!(e.pump(&header.query_id, 1).is_empty());
    assert_eq!(e.records_read(&header.query_id), Some(PUMP_RECORDS));
    assert!(signal.ended().is_none(), "more to read, not ended");
    assert!(e.drain(&header.query_id).is_empty());
    assert_eq!(e.records_read(&header.query_id), Some(100_000));
}

/// Records `{"V": 0}` … `{"V": n-1}` straight into topic `s` (faster than INSERTs).
fn produce_values(e: &mut Engine, n: i64) {
    for i in 0..n {
        let value = Some(format!("{{\"V\":{i}}}").into_bytes());
        let record = Record::new(None, value, i);
        e.produce("s", record, None);
    }
}

#[test]
fn a_closed_push_query_still_delivers_rows_inserted_before() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
    let QueryResult::Push { header, signal, .. } = e.query("SELECT V FROM S EMIT CHANGES;", &mut s).unwrap() else {
        panic!()
    };
    let id = header.query_id;
    run(&mut e, &mut s, "INSERT INTO S (V) VALUES (1);");
    run(&mut e, &mut s, "INSERT INTO S (V) VALUES (2);");
    // /close-query before the server task took the rows.
    assert!(e.close_transient(&id));
    run(&mut e, &mut s, "INSERT INTO S (V) VALUES (3);");
    assert!(signal.ended().is_none(), "not ended while rows wait");
    let show = run(&mut e, &mut s, "SHOW QUERIES;").unwrap();
    assert!(!show.to_string().contains(&id), "a closing query is not listed: {show}");
    let rows = e.pump(&id, 10);
    assert_eq!(rows.len(), 2, "the rows of records before the close, not after: {rows:?}");
    assert!(e.pump(&id, 10).is_empty());
    assert_eq!(signal.ended(), Some(push::End::Closed));
    assert_eq!(e.push_query_count(), 0);
}

#[test]
fn a_push_query_closed_during_a_long_replay_ends_soon() {
    let mut e = Engine::new();
    let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
    run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
    produce_values(&mut e, 50_000);
    let QueryResult::Push { header, signal, .. } = e.query("SELECT V FROM S EMIT CHANGES;", &mut s).unwrap() else {
        panic!()
    };
    let id = header.query_id;
    assert_eq!(e.pump(&id, 10).len(), 10);
    assert!(e.close_transient(&id));
    let after_close = e.drain(&id).len() as u64;
    assert_eq!(after_close, CLOSE_DRAIN_RECORDS, "a close ends the replay after a bounded number of records");
    assert_eq!(signal.ended(), Some(push::End::Closed));
    assert_eq!(e.push_query_count(), 0);
}

#[test]
fn a_push_query_behind_retention_is_closed_with_an_error() {
    let mut e = Engine::new();
    e.topics.default_retention = crate::topics::Retention { records: 100, ..Default::default() };
    let mut s = Session::default();
    run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
    let QueryResult::Push { header, signal, .. } = e.query("SELECT V FROM S EMIT CHANGES;", &mut s).unwrap() else {
        panic!()
    };
    for i in 0..150 {
        run(&mut e, &mut s, &format!("INSERT INTO S (V) VALUES ({i});"));
    }
    // Nobody pumped: the first 50 rows are gone from the topic, so the query is closed.
    assert_eq!(e.push_query_count(), 0);
    match signal.ended() {
        Some(push::End::Error(m)) => {
            assert!(m.contains(&header.query_id) && m.contains("too slow"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.drain(&header.query_id).is_empty());
    let t = e.topics.get("s").unwrap();
    assert_eq!((t.log.len(), t.log_start, t.partitions[0].start, t.partitions[0].end), (100, 50, 50, 150));
}

/// Key and value formats a sink gets when its statement names none, as ksqlDB's analyzer and
/// serde-feature rules set them: PARTITION BY NULL writes no key (NONE, and an explicit other
/// key format is refused); a new key over a NONE-keyed source takes the session's default key
/// format; `ksql.persistence.wrap.single.values` unwraps a single value column.
#[test]
fn sink_formats_follow_ksqldb_defaults() {
    let mut e = Engine::new();
    let props = |p: &[(&str, &str)]| Session {
        properties: p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Session::default()
    };
    let mut s = props(&[("ksql.persistence.default.format.key", "JSON")]);
    run(
        &mut e,
        &mut s,
        "CREATE STREAM I (A INT, B INT) WITH (kafka_topic='i', partitions=1, key_format='NONE', value_format='JSON');",
    );
    run(&mut e, &mut s, "CREATE STREAM BY_B AS SELECT * FROM I PARTITION BY B;");
    assert_eq!(e.catalog.get("BY_B").unwrap().key_format, Format::Json);
    let mut plain = Session::default();
    run(&mut e, &mut plain, "CREATE STREAM BY_A AS SELECT * FROM I PARTITION BY A;");
    assert_eq!(e.catalog.get("BY_A").unwrap().key_format, Format::Kafka);
    run(
        &mut e,
        &mut plain,
        "CREATE STREAM K (ID INT KEY, V STRING) WITH (kafka_topic='k', partitions=1, value_format='JSON');",
    );
    run(&mut e, &mut plain, "CREATE STREAM NO_KEY AS SELECT ID, V FROM K PARTITION BY NULL;");
    assert_eq!(e.catalog.get("NO_KEY").unwrap().key_format, Format::None);
    let err = e
        .execute(
            "CREATE STREAM NO_KEY2 WITH (key_format='DELIMITED') AS SELECT ID, V FROM K PARTITION BY NULL;",
            &mut plain,
        )
        .unwrap_err();
    assert_eq!(err.message, "Key format specified for stream without key columns.");

    let mut unwrap = props(&[("ksql.persistence.wrap.single.values", "false")]);
    run(
        &mut e,
        &mut unwrap,
        "CREATE STREAM ONE (K STRING KEY, V STRING) WITH (kafka_topic='one', partitions=1, value_format='JSON');",
    );
    run(
        &mut e,
        &mut unwrap,
        "CREATE STREAM TWO (K STRING KEY, V STRING, W INT) WITH (kafka_topic='two', partitions=1, format='JSON');",
    );
    assert_eq!(e.catalog.get("ONE").unwrap().wrap_single_value, Some(false));
    assert_eq!(e.catalog.get("TWO").unwrap().wrap_single_value, None, "more than one value column: no default");
    run(&mut e, &mut unwrap, "INSERT INTO ONE (K, V) VALUES ('k', 'unwrapped');");
    let topic = e.topics.get("one").unwrap();
    assert_eq!(topic.log.back().unwrap().value(), Some(&b"\"unwrapped\""[..]));
}

#[test]
fn read_only_sources_keep_their_topic_and_a_table_refuses_insert_into_first() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    for sql in [
        "CREATE STREAM S (K INT KEY, A STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
        "CREATE SOURCE STREAM R (A STRING) WITH (kafka_topic='s', value_format='json');",
        "CREATE SOURCE TABLE T (K INT PRIMARY KEY, A STRING) WITH (kafka_topic='s', value_format='json');",
    ] {
        run(&mut e, &mut s, sql);
    }
    let err = |e: &mut Engine, s: &mut Session, sql: &str| e.execute(sql, s).expect_err(sql).message;
    assert_eq!(err(&mut e, &mut s, "DROP STREAM R DELETE TOPIC;"), "Cannot delete topic for read-only source: R");
    assert!(e.catalog.get("R").is_some(), "the refused DROP left R in place");
    assert_eq!(
        err(&mut e, &mut s, "INSERT INTO T SELECT K, A FROM S;"),
        "INSERT INTO can only be used to insert into a stream. T is a table."
    );
    assert_eq!(err(&mut e, &mut s, "INSERT INTO R SELECT A FROM S;"), "Cannot insert into read-only stream: R");
}

/// A CREATE ... AS SELECT without KAFKA_TOPIC writes to a topic named after the sink, after
/// `ksql.output.topic.name.prefix` when the session sets it.
#[test]
fn sink_topic_takes_the_session_prefix() {
    let mut e = Engine::new();
    let mut s =
        Session { properties: vec![("ksql.output.topic.name.prefix".into(), "team-a.".into())], ..Session::default() };
    run(
        &mut e,
        &mut s,
        "CREATE STREAM S (K INT KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM OUT AS SELECT * FROM S;");
    run(&mut e, &mut s, "CREATE STREAM NAMED WITH (kafka_topic='mine') AS SELECT * FROM S;");
    assert_eq!(e.catalog.get("OUT").unwrap().topic, "team-a.OUT");
    assert_eq!(e.catalog.get("NAMED").unwrap().topic, "mine");
    let mut plain = Session::default();
    run(&mut e, &mut plain, "CREATE STREAM OUT2 AS SELECT * FROM S;");
    assert_eq!(e.catalog.get("OUT2").unwrap().topic, "OUT2");
}

/// Session windows drop a late record as Kafka Streams does: only when the session it would
/// make has closed (end + gap + grace before stream time); a late record that merges into an
/// open session is kept.
#[test]
fn late_records_join_open_sessions() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM T (K INT KEY, V INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);",
    );
    run(
        &mut e,
        &mut s,
        "CREATE TABLE S AS SELECT K, COUNT(*) AS N FROM T WINDOW SESSION (30 SECONDS, GRACE PERIOD 0 SECONDS) \
         GROUP BY K;",
    );
    for (ts, v) in [(100_000, 1), (75_000, 2), (10_000, 3)] {
        run(&mut e, &mut s, &format!("INSERT INTO T (ROWTIME, K, V) VALUES ({ts}, 1, {v});"));
    }
    let counts: Vec<String> = e
        .topics
        .get("S")
        .unwrap()
        .log
        .iter()
        .filter_map(|r| r.value().map(|v| String::from_utf8_lossy(v).into_owned()))
        .collect();
    // 100 000 alone, then 75 000 merged into it (a tombstone for nothing, the merged count 2);
    // 10 000 would make a session closed long ago: dropped.
    assert_eq!(counts.last().map(String::as_str), Some(r#"{"N":2}"#), "{counts:?}");
    assert!(!counts.iter().any(|c| c == r#"{"N":3}"#), "{counts:?}");
    assert_eq!(counts.iter().filter(|c| c.as_str() == r#"{"N":1}"#).count(), 1, "{counts:?}");
}

/// Unaliased columns are named as ksqlDB names them: a struct field by its name, or `_1`, `_2`,
/// ... when a source column or an earlier field already has that name; others KSQL_COL_n.
#[test]
fn generated_names_apart_from_source_columns() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM I (K STRING KEY, B INT, A STRUCT<B INT, C INT>, D STRUCT<B INT>) \
         WITH (kafka_topic='i', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM O AS SELECT K, B, A->B, D->B, A->C FROM I;");
    let names: Vec<String> = e.catalog.get("O").unwrap().columns.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["K", "B", "B_1", "B_2", "C"]);
    // KSQL_COL_n skip the numbers the source's columns already use.
    run(
        &mut e,
        &mut s,
        "CREATE STREAM G (KSQL_COL_3 INT KEY, KSQL_COL_2 INT, KSQL_COL_4 INT) \
         WITH (kafka_topic='g', value_format='JSON', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM GO AS SELECT KSQL_COL_3, ABS(KSQL_COL_2), ABS(KSQL_COL_4), -KSQL_COL_2 FROM G;");
    let names: Vec<String> = e.catalog.get("GO").unwrap().columns.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["KSQL_COL_3", "KSQL_COL_0", "KSQL_COL_1", "KSQL_COL_5"]);
}

/// A FULL OUTER join's synthetic key is ROWKEY numbered apart from the sources' columns.
#[test]
fn synthetic_join_key_numbered_apart_from_source_columns() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    for sql in [
        "CREATE TABLE L (ROWKEY INT PRIMARY KEY, ROWKEY_1 INT) \
         WITH (kafka_topic='l', value_format='JSON', partitions=1);",
        "CREATE TABLE R (ROWKEY_2 INT PRIMARY KEY, V INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);",
        "CREATE TABLE O AS SELECT ROWKEY_3, L.ROWKEY_1, V FROM L FULL OUTER JOIN R ON L.ROWKEY = R.ROWKEY_2;",
    ] {
        run(&mut e, &mut s, sql);
    }
    let key: Vec<String> = e.catalog.get("O").unwrap().key_columns().into_iter().map(|(n, _)| n).collect();
    assert_eq!(key, ["ROWKEY_3"]);
    let err = e
        .execute("CREATE TABLE O2 AS SELECT L.ROWKEY_1, V FROM L FULL OUTER JOIN R ON L.ROWKEY = R.ROWKEY_2;", &mut s)
        .unwrap_err();
    assert!(err.message.contains("must include the join expression ROWKEY_3 in its projection"), "{}", err.message);
}

/// A transient `SELECT ... EMIT FINAL` shows each window once, when it closes, as ksqlDB 0.29
/// does: no row while the window is open.
#[test]
fn transient_emit_final_shows_closed_windows_once() {
    let mut e = Engine::new();
    let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
    run(
        &mut e,
        &mut s,
        "CREATE STREAM T (K STRING KEY, V INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);",
    );
    let push = e
        .query("SELECT K, COUNT(*) AS N FROM T WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY K EMIT FINAL;", &mut s)
        .unwrap();
    let QueryResult::Push { header, .. } = push else { panic!("not a push query") };
    for (ts, k) in [(1_000, "a"), (2_000, "a"), (3_000, "b")] {
        run(&mut e, &mut s, &format!("INSERT INTO T (ROWTIME, K, V) VALUES ({ts}, '{k}', 1);"));
    }
    let open: Vec<PushMsg> = e.drain(&header.query_id).into_iter().filter(|m| matches!(m, PushMsg::Row(_))).collect();
    assert!(open.is_empty(), "rows while the window is open: {open:?}");
    run(&mut e, &mut s, "INSERT INTO T (ROWTIME, K, V) VALUES (12000, 'c', 1);");
    let rows: Vec<String> = e
        .drain(&header.query_id)
        .into_iter()
        .filter_map(|m| if let PushMsg::Row(r) = m { Some(format!("{r:?}")) } else { None })
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("\"a\"") && r.contains("Bigint(2)")), "{rows:?}");
}

/// Window bounds are refused in a windowed aggregation's WHERE and HAVING, the first named
/// reported; a column whose name only contains the word is an ordinary column.
#[test]
fn window_bounds_in_where_and_having() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(
        &mut e,
        &mut s,
        "CREATE STREAM T (K INT KEY, PREV_WINDOWSTART BIGINT) \
         WITH (kafka_topic='t', value_format='JSON', partitions=1);",
    );
    let agg = |clause: &str| {
        format!("CREATE TABLE A AS SELECT K, COUNT(*) AS N FROM T WINDOW TUMBLING (SIZE 1 SECOND) {clause};")
    };
    let err = e.execute(&agg("WHERE MIN(WINDOWEND) < 5 GROUP BY K"), &mut s).unwrap_err();
    assert_eq!(err.message, "Error in WHERE expression: Unknown column WINDOWEND.");
    let err = e.execute(&agg("GROUP BY K HAVING WINDOWSTART > 1 AND MIN(WINDOWEND) < 5"), &mut s).unwrap_err();
    assert_eq!(
        err.message,
        "Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations"
    );
    run(&mut e, &mut s, &agg("WHERE PREV_WINDOWSTART > 0 GROUP BY K"));
}

#[test]
fn columns_from_an_unregistered_subject_are_refused_as_ksqldb_refuses_them() {
    let (mut e, mut s) = (Engine::new(), Session::default());
    for (sql, part, subject) in [
        ("CREATE STREAM X WITH (kafka_topic='x', value_format='AVRO', partitions=1);", "values", "x-value"),
        ("CREATE TABLE Y WITH (kafka_topic='y', format='PROTOBUF', partitions=1);", "keys", "y-key"),
    ] {
        let err = e.execute(sql, &mut s).unwrap_err();
        let topic = &subject[..1];
        let want = format!(
            "Schema for message {part} on topic '{topic}' does not exist in the Schema Registry.\nSubject: {subject}\n"
        );
        assert!(err.message.starts_with(&want), "{sql}\n{}", err.message);
        assert!(err.message.contains(&format!("POST /subjects/{subject}/versions")), "{}", err.message);
    }
}

#[test]
fn a_sinks_value_columns_are_the_rows_columns_at_its_value_positions() {
    // Every ascending choice of positions in a row of five, the key-first shape among them.
    for mask in 0u32..32 {
        let value_positions: Vec<usize> = (0..5).filter(|i| mask & (1 << i) != 0).collect();
        let sink = SinkSpec {
            topic: Arc::from("t"),
            key_format: Format::Json,
            value_format: Format::Json,
            wrap: false,
            key_cols: vec![],
            value_cols: vec![],
            value_names: ObjectNames::default(),
            value_positions: value_positions.clone(),
        };
        let row: Vec<Value> = (0..5).map(|i| Value::String(format!("c{i}"))).collect();
        let expected: Vec<Value> = value_positions.iter().map(|&i| row[i].clone()).collect();
        // Read in place exactly when they are the row's last columns.
        let is_tail = value_positions.iter().rev().zip((0..5).rev()).all(|(p, i)| *p == i);
        let tail = sink.value_tail(&row).map(<[Value]>::to_vec);
        assert_eq!(tail, (is_tail && !expected.is_empty()).then(|| expected.clone()), "{value_positions:?}");
        assert_eq!(sink.values_of(row), expected, "{value_positions:?}");
    }
}

/// A topic's readers are looked up from a list kept per topic: queries started, dropped and
/// replaced after records went through read exactly the records that follow.
#[test]
fn queries_that_come_and_go_read_the_records_after_them() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(&mut e, &mut s, "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='json', partitions=1);");
    run(&mut e, &mut s, "CREATE STREAM A AS SELECT V FROM S;");
    produce_values(&mut e, 2);
    run(&mut e, &mut s, "CREATE STREAM B AS SELECT V FROM S;");
    produce_values(&mut e, 3);
    assert_eq!((e.topic_records("A").len(), e.topic_records("B").len()), (5, 3));
    let id_of_a = e.queries.values().find(|q| &*q.sink.topic == "A").unwrap().info.id.clone();
    run(&mut e, &mut s, &format!("TERMINATE {id_of_a};"));
    produce_values(&mut e, 1);
    assert_eq!((e.topic_records("A").len(), e.topic_records("B").len()), (5, 4));
    // A new query takes the slot A left; A's sink takes nothing more.
    run(&mut e, &mut s, "CREATE STREAM C AS SELECT V FROM S;");
    produce_values(&mut e, 1);
    let counts = |e: &Engine| ["A", "B", "C"].map(|t| e.topic_records(t).len());
    assert_eq!(counts(&e), [5, 5, 1]);
    let id_of_c = e.queries.values().find(|q| &*q.sink.topic == "C").unwrap().info.id.clone();
    run(&mut e, &mut s, &format!("TERMINATE {id_of_c};"));
    produce_values(&mut e, 1);
    assert_eq!(counts(&e), [5, 6, 1]);
    run(&mut e, &mut s, "CREATE OR REPLACE STREAM B AS SELECT V, V * 2 AS W FROM S;");
    produce_values(&mut e, 1);
    let last = e.topic_records("B").pop().unwrap();
    assert_eq!(last.value(), Some(&br#"{"V":0,"W":0}"#[..]), "the replacement reads the next record");
    assert_eq!(e.topic_records("B").len(), 7);
}

#[test]
fn text_columns_a_query_does_not_read_are_left_unread_and_change_nothing() {
    let mut e = Engine::new();
    let mut s = Session::default();
    let create = "CREATE STREAM S (ID INT KEY, A STRING, B STRING, N INT, TS STRING) \
                  WITH (kafka_topic='s', value_format='json', partitions=1, timestamp='TS', \
                  timestamp_format='yyyy-MM-dd');";
    run(&mut e, &mut s, create);
    run(&mut e, &mut s, "CREATE STREAM O AS SELECT ID, A, N FROM S WHERE N > 0;");
    run(&mut e, &mut s, "CREATE STREAM EVERY AS SELECT * FROM S;");
    run(&mut e, &mut s, "CREATE STREAM L AS SELECT ID, TRANSFORM(ARRAY[N], b => b + 1) AS X FROM S;");
    let unread = |e: &Engine, sink: &str| {
        let q = e.queries.values().find(|q| &*q.sink.topic == sink).unwrap();
        q.executor.inputs[0].decoder.unread_columns().iter().map(|c| c.to_string()).collect::<Vec<_>>()
    };
    // The timestamp column is read whatever the query mentions; a lambda's parameter named
    // like a column counts as reading it.
    assert_eq!((unread(&e, "O"), unread(&e, "EVERY"), unread(&e, "L")), (vec!["B".into()], vec![], vec!["A".into()]));
    for (i, value) in [
        r#"{"A":"a","B":"b\u00e9\"q","N":1,"TS":"2026-01-02"}"#,
        // An unread column's text is still checked: a bad escape fails the record in every query.
        r#"{"A":"x","B":"bad \q escape","N":2,"TS":"2026-01-02"}"#,
        r#"{"A":"y","B":7,"N":3,"TS":"2026-01-02"}"#,
        r#"{"A":"z","B":"ok","N":0,"TS":"2026-01-02"}"#,
    ]
    .iter()
    .enumerate()
    {
        e.produce("s", Record::new(Some((i as i32).to_be_bytes().to_vec()), Some(value.as_bytes().to_vec()), 0), None);
    }
    let values = |e: &Engine, topic: &str| {
        e.topic_records(topic)
            .iter()
            .map(|r| String::from_utf8_lossy(r.value().unwrap()).into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(values(&e, "O"), vec![r#"{"A":"a","N":1}"#, r#"{"A":"y","N":3}"#]);
    assert_eq!(
        values(&e, "EVERY"),
        vec![
            r#"{"A":"a","B":"bé\"q","N":1,"TS":"2026-01-02"}"#,
            r#"{"A":"y","B":"7","N":3,"TS":"2026-01-02"}"#,
            r#"{"A":"z","B":"ok","N":0,"TS":"2026-01-02"}"#
        ]
    );
    assert_eq!(e.topic_records("L").len(), 3);
    // Nor is an unread text that is not UTF-8 let through.
    let not_utf8 = b"{\"A\":\"w\",\"B\":\"\xff\",\"N\":4,\"TS\":\"2026-01-02\"}".to_vec();
    e.produce("s", Record::new(Some(9i32.to_be_bytes().to_vec()), Some(not_utf8), 0), None);
    assert_eq!((e.topic_records("O").len(), e.topic_records("EVERY").len()), (2, 3));
    // Each output carries the time its record's TS column gives.
    assert!(e.topic_records("O").iter().all(|r| r.timestamp == 1_767_312_000_000), "{:?}", e.topic_records("O"));
}

#[test]
fn joins_and_tables_leave_unread_only_what_no_clause_names() {
    let mut e = Engine::new();
    let mut s = Session { properties: vec![("auto.offset.reset".into(), "earliest".into())], ..Session::default() };
    run(
        &mut e,
        &mut s,
        "CREATE STREAM S (ID INT KEY, A STRING, B STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
    );
    let table = "CREATE TABLE T (ID INT PRIMARY KEY, L STRING, M STRING) \
                 WITH (kafka_topic='t', value_format='json', partitions=1);";
    run(&mut e, &mut s, table);
    run(&mut e, &mut s, "CREATE STREAM J AS SELECT S.ID AS ID, S.A, T.L FROM S JOIN T ON S.ID = T.ID;");
    run(&mut e, &mut s, "CREATE TABLE TT AS SELECT ID, L FROM T;");
    let unread = |e: &Engine, sink: &str| {
        let q = e.queries.values().find(|q| &*q.sink.topic == sink).unwrap();
        let inputs = q.executor.inputs.iter();
        inputs.map(|i| i.decoder.unread_columns().join(",")).collect::<Vec<_>>()
    };
    assert_eq!((unread(&e, "J"), unread(&e, "TT")), (vec!["B".to_string(), "M".into()], vec!["M".to_string()]));
    let key = |k: i32| Some(k.to_be_bytes().to_vec());
    let value = |v: &str| Some(v.as_bytes().to_vec());
    e.produce("t", Record::new(key(1), value(r#"{"L":"one","M":"m1"}"#), 1), None);
    e.produce("s", Record::new(key(1), value(r#"{"A":"a","B":"b"}"#), 2), None);
    // A change to the unread column alone is still a change of the table's row.
    e.produce("t", Record::new(key(1), value(r#"{"L":"one","M":"m2"}"#), 3), None);
    e.produce("t", Record::new(key(1), value(r#"{"L":"uno","M":"m2"}"#), 4), None);
    e.produce("s", Record::new(key(1), value(r#"{"A":"c","B":"d"}"#), 5), None);
    let values = |e: &Engine, topic: &str| {
        e.topic_records(topic)
            .iter()
            .map(|r| String::from_utf8_lossy(r.value().unwrap()).into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(values(&e, "J"), vec![r#"{"A":"a","L":"one"}"#, r#"{"A":"c","L":"uno"}"#]);
    assert_eq!(values(&e, "TT"), vec![r#"{"L":"one"}"#, r#"{"L":"one"}"#, r#"{"L":"uno"}"#]);
}

/// A sink no query reads skips the work queue; a query, push query or table that starts
/// reading it later gets its records as before, and a table kept from its writer's outputs
/// remembers no positions for the queue to pass.
#[test]
fn a_sinks_records_reach_readers_that_come_later() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(
        &mut e,
        &mut s,
        "CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='s', value_format='json', partitions=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM F AS SELECT ID, V * 2 AS V2 FROM S;");
    run(&mut e, &mut s, "CREATE TABLE T AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM S GROUP BY ID;");
    run(&mut e, &mut s, "CREATE TABLE P AS SELECT * FROM T;");
    let insert = |e: &mut Engine, s: &mut Session, id: i32| {
        run(e, s, &format!("INSERT INTO S (ID, V) VALUES ({id}, {id});"));
    };
    for id in 0..5 {
        insert(&mut e, &mut s, id);
    }
    assert_eq!(e.topic_records("F").len(), 5);
    assert_eq!(e.materialized["P"].rows.len(), 5, "P is kept from its query's outputs");
    assert!(e.materialized["P"].applied.is_empty(), "no position waits for a record never queued");

    // A query reading F, started after F's records skipped the queue, gets the next one;
    // so does one started after the last reader went.
    for reader in ["G", "H"] {
        run(&mut e, &mut s, &format!("CREATE STREAM {reader} AS SELECT * FROM F;"));
        insert(&mut e, &mut s, 5);
        assert_eq!(e.topic_records(reader).len(), 1, "{reader} reads F's record");
        run(&mut e, &mut s, &format!("DROP STREAM {reader} DELETE TOPIC;"));
    }

    // Nothing reads F again but a push query: it is told of F's next record.
    // (Its server task holds the signal: a push query nobody serves is dropped.)
    let QueryResult::Push { header, signal, .. } = e.query("SELECT V2 FROM F EMIT CHANGES;", &mut s).unwrap() else {
        panic!("not a push query")
    };
    insert(&mut e, &mut s, 6);
    let rows = e.pump(&header.query_id, 10);
    drop(signal);
    assert!(matches!(&rows[..], [PushMsg::Row(r)] if r[0] == Value::Int(12)), "{rows:?}");

    // A table over P's topic (another table reading a sink) takes its records too.
    run(
        &mut e,
        &mut s,
        "CREATE SOURCE TABLE Q (ID INT PRIMARY KEY, V INT) WITH (kafka_topic='P', value_format='json');",
    );
    let pull_v = |e: &mut Engine, id: i32| match e
        .query(&format!("SELECT V FROM Q WHERE ID = {id};"), &mut Session::default())
    {
        Ok(QueryResult::Pull { rows, .. }) => rows,
        _ => panic!("not a pull query"),
    };
    assert_eq!(pull_v(&mut e, 6), vec![vec![Value::Int(6)]]);
    assert!(e.materialized.contains_key("Q"), "Q is kept as records come");
    insert(&mut e, &mut s, 7);
    assert_eq!(pull_v(&mut e, 7), vec![vec![Value::Int(7)]]);
}
