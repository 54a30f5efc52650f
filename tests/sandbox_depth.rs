//! The standalone sandbox (`ksqldb-kernel sandbox`) as a subprocess: statements nested far
//! too deep get a 400 naming the limit and the process lives on (a stack overflow would
//! abort it, which no catch_unwind can stop); long flat chains give the right result.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value as J};

/// The sandbox process, killed when dropped.
struct Sandbox {
    child: Child,
    url: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sandbox() -> Sandbox {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksqldb-kernel"))
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the sandbox");
    // The first line is "ksqlDB sandbox listening on http://127.0.0.1:PORT".
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    // Keep reading: the sandbox dies of a broken pipe if its stdout is closed.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    Sandbox { child, url }
}

impl Sandbox {
    async fn post(&self, path: &str, body: J) -> (u16, String) {
        let r = reqwest::Client::new().post(format!("{}{path}", self.url)).json(&body).send().await;
        let r = r.unwrap_or_else(|e| panic!("POST {path}: {e} (did the sandbox die?)"));
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn ksql(&self, sql: &str) -> (u16, String) {
        self.post("/ksql", json!({"ksql": sql, "streamsProperties": {"auto.offset.reset": "earliest"}})).await
    }

    /// A query over /query-stream: the header line, then one JSON array per row.
    async fn query(&self, sql: &str) -> (u16, String) {
        self.post("/query-stream", json!({"sql": sql, "properties": {"auto.offset.reset": "earliest"}})).await
    }

    fn assert_alive(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "the sandbox process exited");
    }
}

fn assert_too_deep(status: u16, body: &str, what: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    let body: J = serde_json::from_str(body).unwrap();
    assert_eq!(body["@type"], "statement_error", "{what}: {body}");
    assert_eq!(body["error_code"], 40001, "{what}: {body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("nesting is deeper than the sandbox's limit of 200 levels"), "{what}: {message}");
}

fn nest(n: usize, open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_statements_get_a_400_and_the_sandbox_lives_on() {
    let mut sb = start_sandbox();
    let create =
        "CREATE STREAM s (id INT KEY, a INT, b BOOLEAN) WITH (kafka_topic='s', value_format='json', partitions=1);";
    assert_eq!(sb.ksql(create).await.0, 200);
    assert_eq!(sb.ksql("INSERT INTO s (id, a, b) VALUES (1, 7, true);").await.0, 200);

    let deep = [
        ("parentheses", nest(10_000, "(", "a", ")")),
        ("function calls", nest(10_000, "ABS(", "a", ")")),
        ("NOT", format!("{}b", "NOT ".repeat(10_000))),
        ("STRUCT", nest(1_000, "STRUCT(f := ", "a", ")")),
        ("CASE", nest(1_000, "CASE WHEN ", "b", " THEN true END")),
        ("subscripts", format!("ARRAY[a]{}", "[1]".repeat(10_000))),
        ("ARRAY type", format!("CAST(NULL AS {})", nest(10_000, "ARRAY<", "INT", ">"))),
    ];
    for (what, expr) in &deep {
        let (status, body) = sb.ksql(&format!("CREATE STREAM deep AS SELECT {expr} AS v FROM s;")).await;
        assert_too_deep(status, &body, what);
        sb.assert_alive();
        let (status, body) = sb.query(&format!("SELECT {expr} AS v FROM s;")).await;
        assert_too_deep(status, &body, what);
        sb.assert_alive();
    }
    // Still answering, and nothing was created.
    let (status, body) = sb.ksql("SHOW STREAMS;").await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("DEEP"), "{body}");

    // Nesting within the limit works.
    let (status, body) = sb.query(&format!("SELECT {} AS v FROM s;", nest(150, "ABS(", "a", ")"))).await;
    assert_eq!((status, body.lines().nth(1)), (200, Some("[7]")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flat_chains_of_ten_thousand_terms_work() {
    let sb = start_sandbox();
    let create = "CREATE STREAM s (id INT KEY, a INT) WITH (kafka_topic='s', value_format='json', partitions=1);";
    assert_eq!(sb.ksql(create).await.0, 200);
    for (id, a) in [(1, 7), (2, 8)] {
        assert_eq!(sb.ksql(&format!("INSERT INTO s (id, a) VALUES ({id}, {a});")).await.0, 200);
    }
    let terms = 10_000;
    let sum = vec!["a"; terms].join(" + ");
    // a = -9992 OR ... OR a = 7: only the last term matches, and only for a = 7.
    let ors: Vec<String> = (0..terms).map(|i| format!("a = {}", i as i64 - terms as i64 + 8)).collect();
    let list: Vec<String> = (0..terms).map(|i| (i * 3 + 2).to_string()).collect();
    let sql =
        format!("SELECT id, {sum} AS total, a IN ({}) AS listed FROM s WHERE {};", list.join(", "), ors.join(" OR "));
    let (status, body) = sb.query(&sql).await;
    assert_eq!(status, 200, "{body}");
    let rows: Vec<&str> = body.lines().skip(1).collect();
    assert_eq!(rows, ["[1,70000,false]"], "{body}");
    // The same as a persistent query: its sink gets the row for a = 8 too once inserted.
    let (status, body) = sb
        .ksql(&format!("CREATE STREAM sums AS SELECT id, {sum} AS total FROM s WHERE a IN ({});", list.join(", ")))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = sb.query("SELECT * FROM sums;").await;
    assert_eq!((status, body.lines().skip(1).collect::<Vec<_>>()), (200, vec!["[2,80000]"]), "{body}");
}
