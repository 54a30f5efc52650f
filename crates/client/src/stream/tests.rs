//! Exact-byte tests of the response parsers, fed with every chunk split.

use super::*;

fn run(parser: &mut dyn RowParser, chunks: &[&[u8]]) -> Vec<QueryEvent> {
    let mut out = Vec::new();
    for c in chunks {
        parser.feed(c, &mut out);
    }
    parser.finish(&mut out);
    out
}

/// Parses `body` in one piece, split at every position, and in 1-byte chunks; all must agree
/// (except the `received` snippet of stray text, which is what the chunk held).
fn parse_all_ways(make: fn() -> Box<dyn RowParser>, body: &[u8]) -> Vec<QueryEvent> {
    let whole = run(make().as_mut(), &[body]);
    for i in 0..=body.len() {
        let split = run(make().as_mut(), &[&body[..i], &body[i..]]);
        assert_eq!(normalized(&split), normalized(&whole), "split at {i} of {:?}", String::from_utf8_lossy(body));
    }
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(normalized(&run(make().as_mut(), &bytes)), normalized(&whole), "1-byte chunks");
    whole
}

fn normalized(events: &[QueryEvent]) -> Vec<QueryEvent> {
    events
        .iter()
        .map(|e| match e {
            QueryEvent::Error(KsqlError::Protocol { message, received }) if message.starts_with("unexpected text") => {
                let _ = received;
                QueryEvent::Error(KsqlError::Protocol { message: message.clone(), received: String::new() })
            }
            other => other.clone(),
        })
        .collect()
}

fn json_array() -> Box<dyn RowParser> {
    Box::new(JsonArrayRowParser::new())
}
fn delimited() -> Box<dyn RowParser> {
    Box::new(DelimitedRowParser::new())
}
fn json_query_stream() -> Box<dyn RowParser> {
    Box::new(JsonQueryStreamParser::new())
}

fn header(ev: &QueryEvent) -> &QueryHeader {
    match ev {
        QueryEvent::Header(h) => h,
        other => panic!("expected a header, got {other:?}"),
    }
}
fn row(ev: &QueryEvent) -> &Row {
    match ev {
        QueryEvent::Row(r) => r,
        other => panic!("expected a row, got {other:?}"),
    }
}
fn error(ev: &QueryEvent) -> &KsqlError {
    match ev {
        QueryEvent::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn v024_push_with_limit_no_trailing_newline() {
    let body = b"[{\"header\":{\"queryId\":\"transient_PAGEVIEW_KSTREAM_4923490520417423429\",\
                 \"schema\":\"`USERID` STRING, `PAGEID` STRING, `VIEWTIME` BIGINT\"}},\n\
                 {\"row\":{\"columns\":[\"USER_1\",\"PAGE_1\",1]}},\n\
                 {\"row\":{\"columns\":[\"USER_2\",\"PAGE_2\",2]}},\n{\"finalMessage\":\"Limit Reached\"}]";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 4);
    let h = header(&ev[0]);
    assert_eq!(h.query_id.as_deref(), Some("transient_PAGEVIEW_KSTREAM_4923490520417423429"));
    assert_eq!(h.columns.len(), 3);
    assert_eq!(h.columns[2].sql_type, SqlType::Bigint);
    assert_eq!(
        row(&ev[1]).values,
        vec![Value::from("USER_1"), Value::from("PAGE_1"), serde_json::from_str::<Value>("1").unwrap()]
    );
    assert_eq!(ev[3], QueryEvent::Final("Limit Reached".into()));
}

#[test]
fn pre_024_framing_with_idle_newlines_and_none_query_id() {
    let body = b"[{\"header\":{\"queryId\":\"none\",\"schema\":\"`TS` STRING, `KSQL_COL_1` STRING, `WLAN_SSID` \
                 ARRAY<STRING>\"}},\n\n\n{\"row\":{\"columns\":[\"2020-03-09 15:46:40\",\"48:d3:43:43:cd:d1\",\
                 [\"VM9654567\"]]}},\n\n{\"finalMessage\":\"Limit Reached\"}]\n";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 3);
    assert_eq!(header(&ev[0]).closeable_id(), None);
    assert_eq!(header(&ev[0]).columns[2].sql_type, SqlType::Array(Box::new(SqlType::String)));
    assert_eq!(ev[2], QueryEvent::Final("Limit Reached".into()));
}

#[test]
fn tombstones_and_windowed_tables() {
    let body = b"[{\"header\":{\"queryId\":\"transient_T_1\",\
                 \"schema\":\"`K` INTEGER, `WINDOWSTART` BIGINT, `WINDOWEND` BIGINT, `SUM` INTEGER\"}},\n\
                 {\"row\":{\"columns\":[11, 0, 1000, 10]}},\n\
                 {\"row\":{\"columns\":[11, 0, 1000, null],\"tombstone\":true}},\n\
                 {\"row\":{\"columns\":[11, 0, 1000, 11]}},\n{\"finalMessage\":\"Limit Reached\"}]";
    let ev = parse_all_ways(json_array, body);
    assert!(!row(&ev[1]).tombstone);
    assert!(row(&ev[2]).tombstone);
    assert_eq!(row(&ev[2]).values[3], Value::Null);
    assert!(!row(&ev[3]).tombstone);
}

#[test]
fn pull_query_without_final_message_and_empty_result() {
    let body = b"[{\"header\":{\"queryId\":\"query_1655152127973\",\
                 \"schema\":\"`COUNT` BIGINT, `USERID` STRING KEY\"}},\n{\"row\":{\"columns\":[1,\"USER_1\"]}}]";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 2);
    assert_eq!(header(&ev[0]).columns[1].kind, ColumnKind::Key);
    let ev = parse_all_ways(json_array, b"[{\"header\":{\"queryId\":\"query_1\",\"schema\":\"`COUNT` BIGINT\"}}]");
    assert_eq!(ev.len(), 1);
}

#[test]
fn decimal_and_bigint_stay_exact() {
    let body = b"[{\"header\":{\"queryId\":\"transient_PLAYER_SCORES_7047340794163641810\",\
                 \"schema\":\"`PLAYER_ID` INTEGER, `TOTAL_SCORE` DECIMAL(10, 2), `BIG` BIGINT\"}},\n\
                 {\"row\":{\"columns\":[1,4.50,9223372036854775807]}},\n\
                 {\"row\":{\"columns\":[2,5.04,-9007199254740993]}},\n";
    let ev = parse_all_ways(json_array, body);
    let r = row(&ev[1]);
    assert_eq!(r.values[1].to_string(), "4.50");
    assert_eq!(r.values[2].to_string(), "9223372036854775807");
    assert_eq!(r.values[2].as_i64(), Some(i64::MAX));
    assert_eq!(row(&ev[2]).values[2].to_string(), "-9007199254740993");
    assert_eq!(header(&ev[0]).columns[1].sql_type, SqlType::Decimal { precision: Some(10), scale: Some(2) });
    // The stream was cut after the second row (no closing bracket): reported, rows kept.
    assert_eq!(ev.len(), 4);
    assert!(matches!(error(&ev[3]), KsqlError::Protocol { .. }));
}

#[test]
fn pre_024_mid_stream_error_without_closing_bracket() {
    let body = b"[{\"header\":{\"queryId\":\"transient_S_1\",\"schema\":\"`A` INTEGER\"}},\n\
                 {\"row\":{\"columns\":[1]}},\n\n{\"errorMessage\":{\"@type\":\"generic_error\",\
                 \"error_code\":50000,\"message\":\"boom\\nsecond line\"}},\n";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 3);
    let e = error(&ev[2]);
    assert_eq!(e.error_code(), Some(50000));
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.short_message(), "boom");
}

#[test]
fn v024_pull_error_after_header() {
    let body = b"[{\"header\":{\"queryId\":\"query_1\",\"schema\":\"`A` INTEGER KEY\"}},\n\
                 {\"errorMessage\":{\"@type\":\"generic_error\",\"error_code\":42900,\
                 \"message\":\"Host is at rate limit for pull queries.\"}}]\n";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 2);
    assert_eq!(error(&ev[1]).error_code(), Some(42900));
}

#[test]
fn ksql_53_bare_rows() {
    let body = b"{\"row\":{\"columns\":[\"231\",\"0.03118013\",\"0.03199900\"]},\"errorMessage\":null,\
                 \"finalMessage\":null,\"terminal\":false}\n\n\
                 {\"row\":{\"columns\":[\"232\",\"0.1\",\"0.2\"]},\"errorMessage\":null,\"finalMessage\":null,\
                 \"terminal\":false}\n";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 3);
    assert_eq!(header(&ev[0]), &QueryHeader::default());
    assert_eq!(row(&ev[2]).values[0], Value::from("232"));
}

#[test]
fn tokens_and_source_host_are_ignored() {
    let body = b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`A` STRING\"}},\n\
                 {\"row\":{\"columns\":[\"a]\\\"}{[\"]},\"sourceHost\":\"host:8088\"},\n\
                 {\"consistencyToken\":{\"consistencyToken\":\"abc\"}},\n\
                 {\"continuationToken\":{\"continuationToken\":\"x\"}},\n{\"finalMessage\":\"Query Completed\"}]";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 3);
    assert_eq!(row(&ev[1]).values[0], Value::from("a]\"}{["));
    assert_eq!(ev[2], QueryEvent::Final("Query Completed".into()));
}

#[test]
fn cut_mid_row_shows_what_arrived() {
    let body =
        b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`A` INTEGER, `B` STRING\"}},\n{\"row\":{\"columns\":[1,\"US";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 2);
    match error(&ev[1]) {
        KsqlError::Protocol { message, received } => {
            assert!(message.contains("middle of a row"));
            assert_eq!(received, "{\"row\":{\"columns\":[1,\"US");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_and_non_json_bodies() {
    let ev = parse_all_ways(json_array, b"");
    assert_eq!(ev.len(), 1);
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { message, .. } if message.contains("before its header")));
    let ev = parse_all_ways(json_array, b"\n\n");
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { .. }));
    let ev = run(json_array().as_mut(), &[b"<html><body>Bad gateway</body></html>"]);
    assert_eq!(ev.len(), 1);
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { received, .. } if received.contains("Bad gateway")));
}

#[test]
fn malformed_element_ends_the_stream() {
    let body = b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`A` INTEGER\"}},\n{\"row\":{\"columns\":[1,}},\n\
                 {\"row\":{\"columns\":[2]}},\n";
    let ev = parse_all_ways(json_array, body);
    assert_eq!(ev.len(), 2);
    assert!(matches!(error(&ev[1]), KsqlError::Protocol { received, .. } if received.contains("[1,}")));
    // A bad header schema is reported, not panicked on.
    let ev = parse_all_ways(json_array, b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`A` ARRAY<\"}}]");
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { .. }));
    // Scalars and garbage after the array never loop or panic.
    let ev = parse_all_ways(json_array, b"[{\"header\":{\"schema\":\"`A` INTEGER\"}},\n42]");
    assert!(matches!(error(&ev[1]), KsqlError::Protocol { .. }));
}

#[test]
fn protobuf_rows_are_reported() {
    let body = b"[{\"header\":{\"queryId\":\"XYZ\",\"schema\":\"`COUNT` BIGINT\",\"protoSchema\":\"syntax\"}},\n\
                 {\"row\":{\"protobufBytes\":\"CAESBlVTRVJfMQ==\"}}]";
    let ev = parse_all_ways(json_array, body);
    assert!(matches!(error(&ev[1]), KsqlError::Protocol { .. }));
}

#[test]
fn delimited_pull_exact_body() {
    let body = b"{\"queryId\":\"XYZ\",\"columnNames\":[\"COUNT\",\"USERID\"],\"columnTypes\":[\"BIGINT\",\
                 \"STRING\"]}\n[1,\"USER_0\"]\n[1,\"USER_1\"]\n[2,\"USER_2\"]\n[2,\"USER_3\"]\n[1,\"USER_4\"]\n";
    let ev = parse_all_ways(delimited, body);
    assert_eq!(ev.len(), 6);
    let h = header(&ev[0]);
    assert_eq!(h.query_id.as_deref(), Some("XYZ"));
    assert_eq!(h.columns[0].name, "COUNT");
    assert_eq!(h.columns[1].sql_type, SqlType::String);
    assert_eq!(row(&ev[5]).values[1], Value::from("USER_4"));
}

#[test]
fn delimited_types_tokens_and_null_query_id() {
    let body = b"{\"queryId\":null,\"columnNames\":[\"ROWKEY\",\"D\",\"M\"],\
                 \"columnTypes\":[\"STRUCT<`OrderId` INTEGER, `UserId` INTEGER>\",\"DECIMAL(4, 2)\",\
                 \"MAP<STRING, STRING>\"]}\r\n[{\"OrderId\":0,\"UserId\":0},4.50,{\"a\":\"b\"}]\r\n\
                 {\"consistencyToken\":\"abc\"}\n{\"continuationToken\":\"x\"}\n\
                 [{\"OrderId\":1,\"UserId\":2},0.10,{}]\n";
    let ev = parse_all_ways(delimited, body);
    assert_eq!(ev.len(), 3);
    let h = header(&ev[0]);
    assert_eq!(h.query_id, None);
    assert_eq!(h.columns[1].sql_type, SqlType::Decimal { precision: Some(4), scale: Some(2) });
    assert!(matches!(h.columns[0].sql_type, SqlType::Struct(_)));
    assert_eq!(row(&ev[1]).values[1].to_string(), "4.50");
    assert_eq!(row(&ev[2]).values[1].to_string(), "0.10");
}

#[test]
fn delimited_error_line_and_cut_streams() {
    let body = b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n[1]\n\
                 {\"@type\":\"generic_error\",\"error_code\":50000,\
                 \"message\":\"java.lang.RuntimeException: Failure in processing\"}\n";
    let ev = parse_all_ways(delimited, body);
    assert_eq!(ev.len(), 3);
    assert_eq!(error(&ev[2]).error_code(), Some(50000));

    let ev = parse_all_ways(
        delimited,
        b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n[1]\n[2",
    );
    assert_eq!(ev.len(), 3);
    assert!(matches!(error(&ev[2]), KsqlError::Protocol { received, .. } if received == "[2"));

    // A complete last line without its newline is accepted.
    let ev =
        parse_all_ways(delimited, b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n[1]");
    assert_eq!(ev.len(), 2);

    let ev = parse_all_ways(delimited, b"");
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { .. }));
    let ev = parse_all_ways(
        delimited,
        b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\nnot json\n[1]\n",
    );
    assert_eq!(ev.len(), 2);
    assert!(matches!(error(&ev[1]), KsqlError::Protocol { .. }));
    let ev = parse_all_ways(delimited, b"[1]\n");
    assert!(
        matches!(error(&ev[0]), KsqlError::Protocol { message, .. } if message.contains("before the query metadata"))
    );
}

#[test]
fn json_query_stream_format() {
    let body = b"[{\"queryId\":\"xyz\",\"columnNames\":[\"A\",\"B\"],\"columnTypes\":[\"BIGINT\",\
                 \"DECIMAL(4, 2)\"]},[1,4.50],[2,0.01]]";
    let ev = parse_all_ways(json_query_stream, body);
    assert_eq!(ev.len(), 3);
    assert_eq!(header(&ev[0]).query_id.as_deref(), Some("xyz"));
    assert_eq!(row(&ev[1]).values[1].to_string(), "4.50");

    let body = b"[{\"queryId\":\"xyz\",\"columnNames\":[\"A\"],\"columnTypes\":[\"BIGINT\"]},[1],\
                 {\"@type\":\"generic_error\",\"error_code\":50000,\"message\":\"x\"}]";
    let ev = parse_all_ways(json_query_stream, body);
    assert_eq!(ev.len(), 3);
    assert_eq!(error(&ev[2]).error_code(), Some(50000));

    let ev = parse_all_ways(
        json_query_stream,
        b"[{\"queryId\":\"xyz\",\"columnNames\":[\"A\"],\"columnTypes\":[\"BIGINT\"]},[1],[2",
    );
    assert!(matches!(error(&ev[2]), KsqlError::Protocol { .. }));
    let ev = parse_all_ways(
        json_query_stream,
        b"[{\"queryId\":\"xyz\",\"columnNames\":[\"A\"],\"columnTypes\":[\"BIGINT\"]},[1]",
    );
    assert!(matches!(error(&ev[2]), KsqlError::Protocol { .. }));
    let ev = parse_all_ways(json_query_stream, b"[]");
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { .. }));
    let ev = parse_all_ways(json_array, b"[]");
    assert!(matches!(error(&ev[0]), KsqlError::Protocol { .. }));
}

#[test]
fn print_lines() {
    let body = b"Key format: JSON or KAFKA_STRING\r\nValue format: JSON or KAFKA_STRING\r\n\r\n\
                 rowtime: 2022/12/02 17:22:02.556 Z, key: 18, value: {\"ordertime\":1497014222380}, partition: 0\n\
                 \n  \nlast";
    let whole = {
        let mut p = PrintLineParser::new();
        let mut out = Vec::new();
        p.feed(body, &mut out);
        p.finish(&mut out);
        out
    };
    assert_eq!(whole.len(), 4);
    assert_eq!(whole[0], "Key format: JSON or KAFKA_STRING");
    assert_eq!(whole[3], "last");
    for i in 0..=body.len() {
        let mut p = PrintLineParser::new();
        let mut out = Vec::new();
        p.feed(&body[..i], &mut out);
        p.feed(&body[i..], &mut out);
        p.finish(&mut out);
        assert_eq!(out, whole, "split at {i}");
    }
}

#[test]
fn many_rows_in_large_chunks() {
    let mut body = Vec::from(
        &b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`ID` BIGINT, `NAME` STRING, `AMOUNT` DECIMAL(10, 2)\"}},\n"[..],
    );
    let n = 100_000;
    for i in 0..n {
        body.extend_from_slice(format!("{{\"row\":{{\"columns\":[{i},\"name-{i}\",{i}.50]}}}},\n").as_bytes());
    }
    body.extend_from_slice(b"{\"finalMessage\":\"Limit Reached\"}]");
    let mut p = JsonArrayRowParser::new();
    let mut out = Vec::new();
    let mut rows = 0;
    for chunk in body.chunks(8 * 1024 + 7) {
        p.feed(chunk, &mut out);
        rows += out.iter().filter(|e| matches!(e, QueryEvent::Row(_))).count();
        out.clear();
    }
    p.finish(&mut out);
    assert!(out.is_empty());
    assert_eq!(rows, n);
}

#[test]
fn garbage_element_in_an_open_push_stream_is_reported_without_waiting_for_the_end() {
    // The stream stays open after the garbage (a push query): no finish() call.
    let body: &[u8] = b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`N` INTEGER\"}},\n\
                        {\"row\":{\"columns\":[1]}},\n{\"row\":{\"columns\":[\"garbage\" 1 2 !!! not json,\n\
                        {\"row\":{\"columns\":[2]}},\n";
    for i in 0..=body.len() {
        let mut parser = JsonArrayRowParser::new();
        let mut out = Vec::new();
        parser.feed(&body[..i], &mut out);
        parser.feed(&body[i..], &mut out);
        assert!(matches!(out[1], QueryEvent::Row(_)), "split at {i}: {out:?}");
        match out.last() {
            Some(QueryEvent::Error(KsqlError::Protocol { message, received })) => {
                assert!(message.starts_with("malformed JSON"), "{message}");
                assert!(received.contains("garbage"), "{received}");
            }
            other => panic!("split at {i}: {other:?}"),
        }
        assert_eq!(out.len(), 3, "split at {i}: {out:?}");
    }
    // A pretty-printed (valid) element still parses.
    let pretty: &[u8] = b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`N` INTEGER\"}},\n\
                          {\n  \"row\": {\n    \"columns\": [1]\n  }\n}]";
    let events = parse_all_ways(json_array, pretty);
    assert!(matches!(events[1], QueryEvent::Row(_)), "{events:?}");
}

#[test]
fn fast_row_path_agrees_with_the_general_parser() {
    // Shapes the fast path takes, and near misses it must leave to the general parser.
    let elements: &[&[u8]] = &[
        br#"{"row":{"columns":[1,"a",4.50,null]}}"#,
        br#"{"row":{"columns":["k",null],"tombstone":true}}"#,
        br#"{"row":{"columns":[[1,2],{"A":"]}"}]}}"#,
        br#"{"row":{"columns":[1]},"sourceHost":"h:8088"}"#,
        br#"{"row": {"columns": [1]}}"#,
        br#"{"row":{"columns":[1],"tombstone":false}}"#,
    ];
    for element in elements {
        let body = [&br#"[{"header":{"queryId":"q","schema":"`N` INTEGER"}},"#[..], element, b"]"].concat();
        let events = parse_all_ways(json_array, &body);
        let general: StreamedRowWire = serde_json::from_slice(element).unwrap();
        let expected = general.row.unwrap();
        let got = row(&events[1]);
        assert_eq!(got.values, expected.columns.unwrap(), "{}", String::from_utf8_lossy(element));
        assert_eq!(got.tombstone, expected.tombstone.unwrap_or(false), "{}", String::from_utf8_lossy(element));
    }
    assert_eq!(
        row(&parse_all_ways(
            json_array,
            br#"[{"header":{"queryId":"q","schema":"`N` DECIMAL(3, 2)"}},{"row":{"columns":[4.50]}}]"#
        )[1])
        .values[0]
            .to_string(),
        "4.50"
    );
}

/// Whole elements take the row fast path, 1-byte chunks never do: both must read the same
/// rows, also from text that looks like the end of a row (two on a line, brackets in strings).
#[test]
fn row_fast_path_reads_like_elements() {
    let body = b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`S` STRING\"}},\n\
                 {\"row\":{\"columns\":[\"}},{\\\"row\\\":{\\\"columns\\\":[2]\"]}},\r\n\
                 {\"row\":{\"columns\":[1]}},{\"row\":{\"columns\":[2]}},\n\
                 {\"row\":{\"columns\":[3],\"tombstone\":true}}\n\
                 {\"row\":{\"columns\":[4 5]}},\n]";
    let events = parse_all_ways(json_array, body);
    let rows: Vec<(Vec<Value>, bool)> =
        events[1..5].iter().map(|e| (row(e).values.clone(), row(e).tombstone)).collect();
    let s = |v: &str| Value::String(v.to_string());
    assert_eq!(
        rows,
        vec![
            (vec![s(r#"}},{"row":{"columns":[2]"#)], false),
            (vec![Value::from(1)], false),
            (vec![Value::from(2)], false),
            (vec![Value::from(3)], true)
        ]
    );
    assert!(error(&events[5]).to_string().contains("malformed JSON"), "{events:?}");
    assert_eq!(events.len(), 6, "{events:?}");
}

fn sniffing() -> Box<dyn RowParser> {
    Box::new(sniff::SniffingRowParser::new("", sniff::RowFormat::StreamedRows, DEFAULT_MAX_ROW_BYTES))
}

/// Bodies of every format (with multi-byte text split anywhere), for the properties below.
const BODIES: &[&str] = &[
    "[{\"header\":{\"queryId\":\"q\",\"schema\":\"`GRÖßE` STRING, `N` INTEGER\"}},\n\
     {\"row\":{\"columns\":[\"数据😀\",1]}},\n{\"row\":{\"columns\":[\"é\",2],\"tombstone\":true}},\n\
     {\"finalMessage\":\"Limit Reached\"}]\n",
    "{\"queryId\":\"q\",\"columnNames\":[\"GRÖßE\"],\"columnTypes\":[\"STRING\"]}\n[\"数据😀\"]\n[\"\\u00e9\"]\n",
    "[{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"STRING\"]},[\"ü\"],[\"列\"]]",
];

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any split of a body gives the events of the whole body, for every parser.
        #[test]
        fn any_split_gives_the_same_events(
            body in prop::sample::select(BODIES),
            cuts in prop::collection::vec(0usize..400, 0..6)
        ) {
            let bytes = body.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut start = 0;
            for c in cuts {
                chunks.push(&bytes[start..c]);
                start = c;
            }
            chunks.push(&bytes[start..]);
            for make in [json_array, delimited, json_query_stream, sniffing] {
                let whole = run(make().as_mut(), &[bytes]);
                prop_assert_eq!(normalized(&run(make().as_mut(), &chunks)), normalized(&whole));
            }
        }

        /// Random bytes never panic, and an error, if any, is the last event.
        #[test]
        fn random_bytes_end_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..300), split in 0usize..300) {
            let split = split.min(bytes.len());
            for make in [json_array, delimited, json_query_stream, sniffing] {
                let events = run(make().as_mut(), &[&bytes[..split], &bytes[split..]]);
                if let Some(i) = events.iter().position(|e| matches!(e, QueryEvent::Error(_))) {
                    prop_assert_eq!(i, events.len() - 1);
                }
            }
            let mut print = PrintLineParser::with_max_line(64);
            let mut lines = Vec::new();
            print.feed(&bytes, &mut lines);
            print.finish(&mut lines);
        }
    }
}

#[test]
fn every_parser_bounds_a_row() {
    let mut endless = b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"STRING\"]}\n[\"".to_vec();
    endless.extend(std::iter::repeat_n(b'z', 5000));
    let array_endless =
        [b"[{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"STRING\"]},[\"".as_slice(), &[b'z'; 5000]]
            .concat();
    let streamed_endless = [
        b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`A` STRING\"}},\n{\"row\":{\"columns\":[\"".as_slice(),
        &[b'z'; 5000],
    ]
    .concat();
    let cases: [(Box<dyn RowParser>, &[u8]); 3] = [
        (Box::new(DelimitedRowParser::with_max_row(1024)), &endless),
        (Box::new(JsonQueryStreamParser::with_max_row(1024)), &array_endless),
        (Box::new(JsonArrayRowParser::with_max_row(1024)), &streamed_endless),
    ];
    for (mut parser, body) in cases {
        let chunks: Vec<&[u8]> = body.chunks(100).collect();
        let events = run(parser.as_mut(), &chunks);
        let last = error(events.last().unwrap()).to_string();
        assert!(last.contains("larger than the limit of 1 KB"), "{last}");
        assert!(events.iter().filter(|e| matches!(e, QueryEvent::Error(_))).count() == 1, "{events:?}");
    }
    let mut print = PrintLineParser::with_max_line(1024);
    let mut lines = Vec::new();
    print.feed(b"Key format: KAFKA\n", &mut lines);
    print.feed(&[b'p'; 3000], &mut lines);
    assert!(print.overflow().unwrap().to_string().contains("larger than the limit of 1 KB"));
    assert_eq!(lines, ["Key format: KAFKA"]);
}

/// Raw-mode batches as the row events a parser in normal mode gives.
fn expand_batches(events: Vec<QueryEvent>) -> Vec<QueryEvent> {
    events
        .into_iter()
        .flat_map(|e| match e {
            QueryEvent::Rows(batch) => batch
                .into_rows(0)
                .map(|r| QueryEvent::Row(Row { values: r.values(), tombstone: r.tombstone }))
                .collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

#[test]
fn raw_mode_gives_the_same_rows_errors_and_endings_at_every_split() {
    let bodies: &[&[u8]] = &[
        b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`K` STRING KEY, `D` DECIMAL(4, 2), `B` BIGINT\"}},\n\
          {\"row\":{\"columns\":[\"a\",4.50,9223372036854775807]}},\n\
          {\"row\":{\"columns\":[\"a\",null,null],\"tombstone\":true}},\n\
          {\"row\":{\"columns\":[\"b\",1.00,1]},\"sourceHost\":\"h:1\"},\n{\"finalMessage\":\"Limit Reached\"}]",
        b"[{\"header\":{\"queryId\":\"q\",\"schema\":\"`N` INTEGER\"}},\n{\"row\":{\"columns\":[1]}},\n\
          {\"row\":{\"columns\":[1 2]}},\n{\"row\":{\"columns\":[3]}}]",
        b"{\"queryId\":\"q\",\"columnNames\":[\"A\",\"D\"],\"columnTypes\":[\"STRING\",\"DECIMAL(4, 2)\"]}\n\
          [\"x\",4.50]\n[\"y\",0.10]\n",
        b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n[1]\n[2,]\n[3]\n",
        b"{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n[1]\n{\"a\":1}\n[1]]\n",
        b"[{\"queryId\":\"q\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]},[1],[2.50],[3,}]",
    ];
    let makers: [fn() -> Box<dyn RowParser>; 4] = [json_array, delimited, json_query_stream, sniffing];
    for body in bodies {
        for make in makers {
            let expected = run(make().as_mut(), &[body]);
            for i in 0..=body.len() {
                let mut raw = make();
                raw.set_raw_rows(true);
                let got = expand_batches(run(raw.as_mut(), &[&body[..i], &body[i..]]));
                assert_eq!(normalized(&got), normalized(&expected), "split at {i}: {}", String::from_utf8_lossy(body));
            }
        }
    }
}

/// A large row's buffer is sized for the limit once instead of doubling (each smaller copy
/// would stay resident until the allocator returns it), and it is dropped after the row.
#[test]
fn a_large_row_is_buffered_without_doubling_and_not_kept() {
    let limit = 16 * LARGE_ROW_BYTES;
    let piece = vec![b'x'; 64 * 1024];
    let mut elements = ElementSplitter::new(limit);
    let mut lines = LineSplitter::new(limit);
    let mut element_sizes = std::collections::BTreeSet::new();
    let mut line_sizes = std::collections::BTreeSet::new();
    elements.feed(b"[[\"", &mut |_| true);
    for _ in 0..(8 * LARGE_ROW_BYTES / piece.len()) {
        elements.feed(&piece, &mut |_| true);
        lines.feed(&piece, &mut |_| true);
        for (buf, sizes) in [(&elements.partial, &mut element_sizes), (&lines.partial, &mut line_sizes)] {
            if buf.capacity() > 2 * LARGE_ROW_BYTES {
                sizes.insert(buf.capacity());
            }
        }
    }
    assert_eq!(element_sizes.into_iter().collect::<Vec<_>>(), [limit]);
    assert_eq!(line_sizes.into_iter().collect::<Vec<_>>(), [limit]);
    let mut rows = 0;
    elements.feed(b"\"]]", &mut |_| {
        rows += 1;
        true
    });
    lines.feed(b"\n", &mut |_| {
        rows += 1;
        true
    });
    assert_eq!(rows, 3, "the row, the array's end and the line");
    assert!(elements.partial.capacity() <= LARGE_ROW_BYTES, "{}", elements.partial.capacity());
    assert!(lines.partial.capacity() <= LARGE_ROW_BYTES, "{}", lines.partial.capacity());
}

/// A row limit raised past what is reserved up front (`KSQLDB_MAX_ROW_BYTES` may be any size)
/// is approached by doubling, not reserved whole; a row over its limit is refused before the
/// bytes that take it over are copied, and the error counts them.
#[test]
fn a_huge_row_limit_is_not_reserved_and_an_overlong_row_is_not_copied() {
    let piece = vec![b'x'; 64 * 1024];
    let mut unlimited = ElementSplitter::new(usize::MAX);
    unlimited.feed(b"[[\"", &mut |_| true);
    for _ in 0..(3 * LARGE_ROW_BYTES / piece.len()) {
        unlimited.feed(&piece, &mut |_| true);
    }
    assert!(unlimited.partial.capacity() <= MAX_UPFRONT_ROW_BYTES, "{}", unlimited.partial.capacity());
    let limit = 2 * LARGE_ROW_BYTES;
    let mut elements = ElementSplitter::new(limit);
    let mut lines = LineSplitter::new(limit);
    let mut refused = None;
    elements.feed(b"[[\"", &mut |_| true);
    for _ in 0..(3 * LARGE_ROW_BYTES / piece.len()) {
        elements.feed(&piece, &mut |p| {
            if let Piece::TooLarge(size, bytes) = p {
                refused = Some((size, bytes.len()));
            }
            true
        });
        lines.feed(&piece, &mut |_| true);
    }
    let (size, kept) = refused.expect("the row is refused");
    // `["` and 32 pieces: 2 bytes over.
    assert_eq!(size, 2 + limit, "the bytes that arrived");
    assert!(kept <= limit, "{kept} bytes kept for a {limit}-byte limit");
    let (size, first) = lines.take_overflow().expect("the line is refused");
    assert_eq!(size, limit + piece.len());
    assert!(first.len() <= crate::error::SNIPPET_LIMIT);
}
