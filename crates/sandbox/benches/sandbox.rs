//! Throughput and latency of the embedded ksqlDB sandbox engine (no HTTP in the way).
//!
//! Run (release profile):
//!
//!     cargo bench --bench sandbox
//!
//! Prints events/s through a filter/projection persistent query, a tumbling-window
//! aggregation, a running (unwindowed) GROUP BY over 1 000 keys and over as many keys as
//! events (with the RSS a group costs), a stream-table join, and pull-query latency (median,
//! p99) on a table of 1 M keys. The floors the project set itself: 3 M
//! events/s for the filter/projection and the join, 1.5 M for the tumbling aggregation.
//! `cargo test` runs it as a smoke test (small sizes, results checked, so it cannot rot);
//! `cargo bench` passes `--bench` and gets the full sizes.
//! Last, rows/s through `POST /inserts-stream` of a sandbox server in this process.
//! `benches/sandbox_peers.py` runs this and DuckDB and bytewax on the same events.
//! `SANDBOX_BENCH_EVENTS=n` changes the stream size (default 1 000 000);
//! `SANDBOX_BENCH_ONLY=filter,aggregate,groupby,groupkeys,join,pull,inserts` runs only those
//! parts (to profile one).

use std::time::Instant;

use ksqldb_sandbox::engine::{Engine, QueryResult, Session};
use ksqldb_sandbox::topics::{Record, Retention};

/// The kernel's allocator (see ksqldb_sandbox::allocator), with its options set in main.
#[global_allocator]
static ALLOCATOR: ksqldb_sandbox::allocator::Allocator = ksqldb_sandbox::allocator::Allocator;

fn rec(key: i32, value: Vec<u8>, ts: i64) -> Record {
    Record::new(Some(key.to_be_bytes().to_vec()), Some(value), ts)
}

/// The process's resident memory in bytes (Linux; None elsewhere), once the memory freed in
/// the last 100 ms went back to the system, as the kernel and the sandbox server give it back
/// after each cell and statement (see ksqldb_sandbox::allocator).
fn rss() -> Option<u64> {
    ksqldb_sandbox::allocator::return_freed_memory_now();
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    statm.split_whitespace().nth(1)?.parse::<u64>().ok().map(|pages| pages * 4096)
}

/// Records written to a topic (retention may have dropped the oldest since).
fn written(e: &Engine, topic: &str) -> u64 {
    e.topics.get(topic).map_or(0, |t| t.log_end())
}

fn run(e: &mut Engine, s: &mut Session, sql: &str) {
    if let Err(err) = e.execute(sql, s) {
        panic!("{sql}: {}", err.message);
    }
}

/// Produces `n` records into topic `s` and returns events per second.
fn pump(e: &mut Engine, n: usize, keys: i32) -> f64 {
    let values: Vec<Vec<u8>> =
        (0..n).map(|i| format!("{{\"NAME\":\"name{}\",\"V\":{}}}", i % 977, i % 100).into_bytes()).collect();
    let start = Instant::now();
    for (i, v) in values.into_iter().enumerate() {
        e.produce("s", rec((i as i32) % keys, v, i as i64), None);
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    ksqldb_sandbox::allocator::return_freed_memory_soon();
    let full = std::env::args().any(|a| a == "--bench");
    let default_events = if full { 1_000_000 } else { 2_000 };
    let n: usize = std::env::var("SANDBOX_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(default_events);
    let only = std::env::var("SANDBOX_BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only.split(',').any(|p| p == name);
    if part("filter") {
        filter_projection(n);
    }
    if part("aggregate") {
        aggregation(n);
    }
    if part("groupby") {
        grouped(n);
    }
    if part("groupkeys") {
        if std::env::var_os(CHILD).is_some() {
            many_groups(n);
        } else {
            in_child("groupkeys");
        }
    }
    if part("join") {
        join(n);
    }
    if part("pull") {
        if std::env::var_os(CHILD).is_some() {
            pull(full);
        } else {
            in_child("pull");
        }
    }
    if part("inserts") {
        let (rate, acks) = http_inserts(n);
        assert_eq!(acks, n, "every inserted row is acknowledged");
        println!("HTTP /inserts-stream:       {rate:>10.0} rows/s ({n} rows, {acks} acks)");
    }
}

/// Set in a child process that runs one part: its RSS grows from a fresh start, so memory
/// figures are not hidden by pages an earlier part freed.
const CHILD: &str = "SANDBOX_BENCH_CHILD";

/// Runs a part of this bench in a child process (same arguments), its output inline.
fn in_child(part: &str) {
    let exe = std::env::current_exe().expect("the bench's own path");
    let status = std::process::Command::new(exe)
        .args(std::env::args().skip(1))
        .env("SANDBOX_BENCH_ONLY", part)
        .env(CHILD, "1")
        .status()
        .expect("the bench runs in a child process");
    assert!(status.success(), "the {part} part failed in its child process: {status}");
}

const STREAM: &str = "CREATE STREAM S (ID INT KEY, NAME STRING, V DOUBLE) WITH (kafka_topic='s', \
                      value_format='json', partitions=1);";

fn filter_projection(n: usize) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(&mut e, &mut s, "CREATE STREAM F AS SELECT ID, UCASE(NAME) AS N, V * 2 AS V2 FROM S WHERE V > 10;");
    let fp = pump(&mut e, n, i32::MAX);
    println!("filter/projection:          {fp:>10.0} events/s ({} events, {} outputs)", n, written(&e, "F"));
    assert!(!e.topic_records("F").is_empty(), "the filter/projection query wrote nothing");
}

/// A running GROUP BY without a window, 1 000 keys: after the first thousand events every
/// event updates a group it finds (the tumbling bench opens a window with each).
fn grouped(n: usize) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(&mut e, &mut s, "CREATE TABLE G AS SELECT ID, COUNT(*) AS C, SUM(V) AS SV FROM S GROUP BY ID;");
    let rate = pump(&mut e, n, 1000);
    println!("running GROUP BY:           {rate:>10.0} events/s ({} events, {} outputs)", n, written(&e, "G"));
    assert_eq!(written(&e, "G"), n as u64, "one change per event");
}

/// A running GROUP BY over as many keys as events: one group each, opened by its event, all
/// held to the end. Its topics keep their newest 10 000 records, so the RSS the run adds is
/// what the groups cost (the aggregation's state and its table's, as pull queries read it).
/// In a child process: the RSS grows from a fresh start.
fn many_groups(n: usize) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    e.topics.default_retention = Retention { records: 10_000, bytes: u64::MAX, ms: None };
    run(&mut e, &mut s, STREAM);
    run(&mut e, &mut s, "CREATE TABLE GK AS SELECT ID, COUNT(*) AS C, SUM(V) AS SV FROM S GROUP BY ID;");
    let before = rss();
    let rate = pump(&mut e, n, i32::MAX);
    let mut q = Session::default();
    let last = n - 1;
    match e.query(&format!("SELECT * FROM GK WHERE ID = {last};"), &mut q) {
        Ok(QueryResult::Pull { rows, .. }) => assert_eq!(rows.len(), 1, "the last key's group is read back"),
        Ok(_) => panic!("not a pull query"),
        Err(err) => panic!("{}", err.message),
    }
    let per_group = match (before, rss()) {
        (Some(before), Some(after)) => format!("{} bytes per group", after.saturating_sub(before) / n as u64),
        _ => "no RSS figure".into(),
    };
    println!("GROUP BY, {n} keys:      {rate:>10.0} events/s, {per_group} (RSS; topics keep 10 000 records)");
    assert_eq!(written(&e, "GK"), n as u64, "one change per event");
}

/// Tumbling-window aggregation, 1 000 keys.
fn aggregation(n: usize) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(
        &mut e,
        &mut s,
        "CREATE TABLE A AS SELECT ID, COUNT(*) AS C, SUM(V) AS SV FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ID;",
    );
    let agg = pump(&mut e, n, 1000);
    println!("tumbling-window aggregation:{agg:>10.0} events/s ({} events, {} outputs)", n, written(&e, "A"));
    assert!(!e.topic_records("A").is_empty(), "the aggregation wrote nothing");
    // Pull queries by key on the windowed table: each key's windows, not a scan of them all.
    let mut q = Session::default();
    let (mut lat, mut found) = (Vec::new(), 0);
    for k in 0..200 {
        let t = Instant::now();
        match e.query(&format!("SELECT * FROM A WHERE ID = {};", k * 5), &mut q) {
            Ok(QueryResult::Pull { rows, .. }) => found += rows.len(),
            Ok(_) => panic!("not a pull query"),
            Err(err) => panic!("{}", err.message),
        }
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    // Key k (event i has key i % 1000, at i ms) has a window in every second it occurs.
    let windows: usize = (0..200).map(|k| n.saturating_sub(k * 5).div_ceil(1000)).sum();
    assert_eq!(found, windows, "every window of each key is found");
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "windowed pull by key ({} windows): median {:.0} µs, p99 {:.0} µs ({} lookups, {found} rows)",
        n,
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        lat.len()
    );
}

/// Stream-table join against a table of 10 000 keys.
fn join(n: usize) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    run(&mut e, &mut s, STREAM);
    run(
        &mut e,
        &mut s,
        "CREATE TABLE T (ID INT PRIMARY KEY, LABEL STRING) WITH (kafka_topic='t', value_format='json', partitions=1);",
    );
    for k in 0..10_000 {
        e.produce("t", rec(k, format!("{{\"LABEL\":\"label{k}\"}}").into_bytes(), 0), None);
    }
    // The table's rows were produced before the query: read them from the beginning.
    s.properties.push(("auto.offset.reset".into(), "earliest".into()));
    run(&mut e, &mut s, "CREATE STREAM J AS SELECT S.ID AS ID, S.V, T.LABEL FROM S JOIN T ON S.ID = T.ID;");
    let join = pump(&mut e, n, 20_000);
    assert!(!e.topic_records("J").is_empty(), "the join wrote nothing");
    println!("stream-table join:          {join:>10.0} events/s ({} events, {} outputs)", n, written(&e, "J"));
}

/// Pull queries on a table of 1 M keys: the topics keep every record (the sandbox's default
/// retention would drop the oldest of a million).
fn pull(full: bool) {
    let (mut e, mut s) = (Engine::new(), Session::default());
    e.topics.default_retention = Retention { records: u64::MAX, bytes: u64::MAX, ms: None };
    e.topics.total_bytes_limit = u64::MAX;
    run(
        &mut e,
        &mut s,
        "CREATE TABLE P (ID INT PRIMARY KEY, NAME STRING, V DOUBLE) WITH (kafka_topic='p', value_format='json', \
         partitions=1);",
    );
    let keys = if full { 1_000_000 } else { 2_000 };
    let (before, mut json_bytes) = (rss(), 0);
    for k in 0..keys {
        // About 60 bytes of JSON, the measure of a row.
        let value = format!("{{\"NAME\":\"customer-name-{k:08}-of-the-bench\",\"V\":{k}}}").into_bytes();
        json_bytes += value.len();
        e.produce("p", rec(k, value, k as i64), None);
    }
    let stored = rss();
    // Source tables are not queryable (as in ksqlDB): pull queries read a materialized copy.
    s.properties.push(("auto.offset.reset".into(), "earliest".into()));
    let start = Instant::now();
    run(&mut e, &mut s, "CREATE TABLE PQ AS SELECT * FROM P;");
    let create = start.elapsed();
    // A fresh process (see `in_child`): the growth of its RSS is what the rows cost.
    if let (Some(before), Some(stored), Some(table)) = (before, stored, rss()) {
        let per_row = stored.saturating_sub(before) / keys as u64;
        println!(
            "memory: {per_row} bytes per stored row ({} bytes of JSON); the queryable table of {keys} keys: {} MB \
             (its topic and state; with the source topic {} MB)",
            json_bytes / keys as usize,
            table.saturating_sub(stored) >> 20,
            table.saturating_sub(before) >> 20
        );
        assert!(per_row > 0, "storing {keys} rows grew the RSS by nothing: the figure would be wrong");
    }
    // The first pull reads the state the query kept, as every later one does.
    let mut q = Session::default();
    let start = Instant::now();
    let _ = e.query("SELECT * FROM PQ WHERE ID = 0;", &mut q);
    let first = start.elapsed();
    // Later records update the maintained state incrementally.
    e.produce("p", rec(7, b"{\"NAME\":\"updated\",\"V\":-1}".to_vec(), 0), None);
    let mut lat = Vec::new();
    let mut found = 0;
    let lookups = if full { 2000 } else { 200 };
    for i in 0..lookups {
        let k = (i * 7919) % keys as i64;
        let t = Instant::now();
        match e.query(&format!("SELECT * FROM PQ WHERE ID = {k};"), &mut q) {
            Ok(QueryResult::Pull { rows, .. }) => found += rows.len(),
            Ok(_) => panic!("not a pull query"),
            Err(err) => panic!("{}", err.message),
        }
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    assert_eq!(found, lookups as usize, "every pull query finds its key");
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "pull query ({keys} keys):   median {:.0} µs, p99 {:.0} µs ({} lookups, {} rows); first pull {:.0} µs \
         after a CREATE TABLE AS SELECT of {:.0} ms",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        lat.len(),
        found,
        first.as_secs_f64() * 1e6,
        create.as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let _ = e.query("SELECT * FROM PQ WHERE V < 10;", &mut q);
    println!("pull query scan ({keys} keys): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
}

/// Rows/s inserted through `POST /inserts-stream` (HTTP/2, as ksqlDB's clients send it): a
/// sandbox server in this process, one request streaming `n` JSON rows in chunks, timed
/// until the last acknowledgement has arrived.
fn http_inserts(n: usize) -> (f64, usize) {
    use futures_util::StreamExt;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let options = ksqldb_sandbox::Options {
            retention: Retention { records: u64::MAX, bytes: u64::MAX, ms: None },
            total_retention_bytes: u64::MAX,
            ..Default::default()
        };
        let server = ksqldb_sandbox::start(options).await.unwrap();
        let client = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
        let ddl = "CREATE STREAM H (ID INT KEY, NAME STRING, V DOUBLE) WITH (kafka_topic='h', value_format='json', \
                   partitions=1);";
        let r = client.post(format!("{}/ksql", server.url())).json(&serde_json::json!({ "ksql": ddl })).send();
        assert!(r.await.unwrap().status().is_success(), "CREATE STREAM over HTTP failed");
        // The request body: the arguments line, then the rows, 1 000 per chunk.
        let mut chunks = vec![bytes::Bytes::from_static(b"{\"target\":\"H\"}\n")];
        for start in (0..n).step_by(1000) {
            let mut chunk = String::new();
            for i in start..(start + 1000).min(n) {
                chunk.push_str(&format!("{{\"ID\":{i},\"NAME\":\"name{}\",\"V\":{}}}\n", i % 977, i % 100));
            }
            chunks.push(bytes::Bytes::from(chunk));
        }
        let body =
            reqwest::Body::wrap_stream(futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>)));
        let start = Instant::now();
        let resp = client.post(format!("{}/inserts-stream", server.url())).body(body).send().await.unwrap();
        assert!(resp.status().is_success(), "/inserts-stream answered {}", resp.status());
        let (mut acks, mut errors) = (0usize, Vec::new());
        let mut stream = resp.bytes_stream();
        let mut pending = Vec::new();
        // The acks are read line by line and the read lines dropped once per chunk (draining
        // each line from the front cost the client more than the server's inserts).
        while let Some(chunk) = stream.next().await {
            pending.extend_from_slice(&chunk.unwrap());
            let mut read = 0;
            while let Some(nl) = pending[read..].iter().position(|&b| b == b'\n') {
                let line = &pending[read..read + nl];
                read += nl + 1;
                if line.starts_with(b"{\"status\":\"ok\"") {
                    acks += 1;
                } else {
                    errors.push(String::from_utf8_lossy(line).into_owned());
                }
            }
            pending.drain(..read);
        }
        let rate = n as f64 / start.elapsed().as_secs_f64();
        assert!(errors.is_empty(), "/inserts-stream errors: {errors:?}");
        let stored = server.engine().lock().unwrap().topic_records("h").len();
        assert_eq!(stored, n, "every inserted row is in the topic");
        (rate, acks)
    })
}
