//! Throughput of the engine (an ignored test, run by hand).

use super::*;

/// Events/s through a filter/projection persistent query (run with
/// `cargo test --release --lib sandbox::engine::bench -- --ignored --nocapture`).
#[test]
#[ignore]
fn filter_projection_throughput() {
    let mut e = Engine::new();
    let mut s = Session::default();
    e.execute(
        "CREATE STREAM S (ID INT KEY, NAME STRING, V DOUBLE) WITH (kafka_topic='s', value_format='json', \
         partitions=1);",
        &mut s,
    )
    .unwrap();
    e.execute("CREATE STREAM F AS SELECT ID, UCASE(NAME) AS N, V * 2 AS V2 FROM S WHERE V > 10;", &mut s).unwrap();
    let n = 200_000;
    let values: Vec<Vec<u8>> =
        (0..n).map(|i| format!("{{\"NAME\":\"name{i}\",\"V\":{}}}", i % 100).into_bytes()).collect();
    let start = std::time::Instant::now();
    for (i, v) in values.into_iter().enumerate() {
        e.produce("s", Record::new(Some((i as i32).to_be_bytes().to_vec()), Some(v), i as i64), None);
    }
    let secs = start.elapsed().as_secs_f64();
    println!("filter/projection: {:.0} events/s ({} outputs)", n as f64 / secs, e.topic_records("F").len());
}
