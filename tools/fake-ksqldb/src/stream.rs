//! Streaming query responses: the framings of every generation, timing, faults, close.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::scenario::{Column, FaultKind, GenShape, Query};

pub const CHUNK: usize = 64 * 1024;

/// A response body fed by a channel; an `Err` item aborts the connection / stream.
pub struct ChanBody {
    pub rx: mpsc::Receiver<Result<Bytes, io::Error>>,
}

impl Body for ChanBody {
    type Data = Bytes;
    type Error = io::Error;
    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    /// pre-0.24 /query push: `[` HEADER `,\n` ROW `,\n` … idle `\n`, FINAL `]\n`.
    OldPush,
    /// pre-0.24 /query pull: `[` HEADER (`,\n` ROW)* `]`.
    OldPull,
    /// 0.24+ StreamedRow array: `[` HEADER (`,\n` ROW)* [`,\n` FINAL] `]`.
    StreamedRow,
    /// /query-stream delimited: META `\n` (ROW `\n`)*.
    Delimited,
    /// /query-stream application/json: `[` META (`,` ROW)* `]`.
    JsonArray,
    /// PRINT: text lines.
    Print,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    Limit,
    Complete,
    Close,
}

pub struct Framer {
    pub fmt: Fmt,
    /// Emit tombstone rows (StreamedRow formats, ≥0.15).
    pub tombstones: bool,
    /// `{"finalMessage":"Query Completed"}` exists (≥0.25).
    pub query_completed: bool,
    /// Add `stackTrace` to error objects (Jetty era).
    pub stack_trace: bool,
    /// Pull query on a table: ends without a final message.
    pub table_pull: bool,
}

pub struct Meta {
    /// `None` serializes as `null`.
    pub query_id: Option<String>,
    pub columns: Vec<Column>,
    pub mark_keys: bool,
}

fn qid_json(id: &Option<String>) -> serde_json::Value {
    match id {
        Some(s) => serde_json::Value::String(s.clone()),
        None => serde_json::Value::Null,
    }
}

impl Meta {
    fn schema(&self) -> String {
        self.columns
            .iter()
            .map(|c| {
                if self.mark_keys && c.key {
                    format!("`{}` {} KEY", c.name, c.ty)
                } else {
                    format!("`{}` {}", c.name, c.ty)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn header_json(&self, bad: bool) -> String {
        let schema = if bad { "`BROKEN` NOT A TYPE<<, ,".to_string() } else { self.schema() };
        let v = serde_json::json!({"header":{"queryId":qid_json(&self.query_id),"schema":schema}});
        serde_json::to_string(&v).unwrap()
    }
    fn metadata_json(&self, bad: bool) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        let types: Vec<&str> =
            if bad { vec!["NOT A TYPE<<"] } else { self.columns.iter().map(|c| c.ty.as_str()).collect() };
        let v = serde_json::json!({"queryId":qid_json(&self.query_id),"columnNames":names,"columnTypes":types});
        serde_json::to_string(&v).unwrap()
    }
}

impl Framer {
    fn start(&self, out: &mut Vec<u8>, meta: &Meta, bad: bool) {
        match self.fmt {
            Fmt::OldPush => {
                out.push(b'[');
                out.extend_from_slice(meta.header_json(bad).as_bytes());
                out.extend_from_slice(b",\n");
            }
            Fmt::OldPull | Fmt::StreamedRow => {
                out.push(b'[');
                out.extend_from_slice(meta.header_json(bad).as_bytes());
            }
            Fmt::Delimited => {
                out.extend_from_slice(meta.metadata_json(bad).as_bytes());
                out.push(b'\n');
            }
            Fmt::JsonArray => {
                out.push(b'[');
                out.extend_from_slice(meta.metadata_json(bad).as_bytes());
            }
            Fmt::Print => {}
        }
    }

    /// Appends one row; returns false when the row is dropped (tombstone not supported).
    fn row(&self, out: &mut Vec<u8>, cols: &[u8], tombstone: bool) -> bool {
        if tombstone && (!self.tombstones || matches!(self.fmt, Fmt::Delimited | Fmt::JsonArray)) {
            return false;
        }
        let (pre, post): (&[u8], &[u8]) = match self.fmt {
            Fmt::OldPush => (b"", b",\n"),
            Fmt::OldPull | Fmt::StreamedRow => (b",\n", b""),
            Fmt::Delimited => (b"", b"\n"),
            Fmt::JsonArray => (b",", b""),
            Fmt::Print => (b"", b"\n"),
        };
        out.extend_from_slice(pre);
        match self.fmt {
            Fmt::Delimited | Fmt::JsonArray | Fmt::Print => out.extend_from_slice(cols),
            _ => {
                out.extend_from_slice(b"{\"row\":{\"columns\":");
                out.extend_from_slice(cols);
                out.push(b'}');
                if tombstone {
                    out.extend_from_slice(b",\"tombstone\":true");
                }
                out.push(b'}');
            }
        }
        out.extend_from_slice(post);
        true
    }

    /// The bytes of one row, alone (for the `cut` fault).
    fn row_bytes(&self, cols: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        self.row(&mut v, cols, false);
        v
    }

    fn idle_newlines(&self) -> bool {
        matches!(self.fmt, Fmt::OldPush | Fmt::Print)
    }

    fn tail(&self, out: &mut Vec<u8>, tail: Tail) {
        let fin = |out: &mut Vec<u8>, msg: &str| {
            out.extend_from_slice(format!("{{\"finalMessage\":\"{msg}\"}}").as_bytes());
        };
        match self.fmt {
            Fmt::OldPush => match tail {
                Tail::Limit => {
                    fin(out, "Limit Reached");
                    out.extend_from_slice(b"]\n");
                }
                Tail::Complete => {
                    if self.query_completed {
                        fin(out, "Query Completed");
                    }
                    out.extend_from_slice(b"]\n");
                }
                Tail::Close => {}
            },
            Fmt::OldPull => out.push(b']'),
            Fmt::StreamedRow => {
                match tail {
                    Tail::Limit => {
                        out.extend_from_slice(b",\n");
                        fin(out, "Limit Reached");
                    }
                    Tail::Complete if self.query_completed && !self.table_pull => {
                        out.extend_from_slice(b",\n");
                        fin(out, "Query Completed");
                    }
                    _ => {}
                }
                out.push(b']');
            }
            Fmt::Delimited | Fmt::Print => {}
            Fmt::JsonArray => out.push(b']'),
        }
    }

    fn error(&self, out: &mut Vec<u8>, code: u64, message: &str) {
        let mut e = serde_json::json!({"@type":"generic_error","error_code":code,"message":message});
        if self.stack_trace {
            e["stackTrace"] = serde_json::json!([]);
        }
        let e = serde_json::to_string(&e).unwrap();
        // What each format writes around the error object (it also ends the body).
        let (before, after): (&[u8], &[u8]) = match self.fmt {
            Fmt::OldPush => (b"\n{\"errorMessage\":", b"},\n"),
            Fmt::OldPull => (b",\n{\"errorMessage\":", b"}]\n"),
            Fmt::StreamedRow => (b",\n{\"errorMessage\":", b"}]"),
            Fmt::Delimited | Fmt::Print => (b"", b"\n"),
            Fmt::JsonArray => (b",", b"]"),
        };
        out.extend_from_slice(before);
        out.extend_from_slice(e.as_bytes());
        out.extend_from_slice(after);
    }

    fn malformed(&self, out: &mut Vec<u8>) {
        let garbage: &[u8] = b"{\"row\":{\"columns\":[\"garbage\" 1 2 !!! not json";
        match self.fmt {
            Fmt::OldPush => {
                out.extend_from_slice(garbage);
                out.extend_from_slice(b",\n");
            }
            Fmt::OldPull | Fmt::StreamedRow => {
                out.extend_from_slice(b",\n");
                out.extend_from_slice(garbage);
            }
            Fmt::Delimited | Fmt::Print => {
                out.extend_from_slice(garbage);
                out.push(b'\n');
            }
            Fmt::JsonArray => {
                out.push(b',');
                out.extend_from_slice(garbage);
            }
        }
    }
}

/// Synthetic row `i` for a rows_generator, written straight into `out` as a JSON array. Key
/// columns cycle through `shape.keys` values; a tombstone carries only its keys.
fn gen_row(out: &mut Vec<u8>, cols: &[Column], shape: GenShape, i: u64) {
    use std::io::Write;
    out.push(b'[');
    let tombstone = shape.is_tombstone(i);
    for (n, c) in cols.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let i = match shape.keys {
            Some(keys) if c.key => i % keys,
            _ if tombstone => {
                out.extend_from_slice(b"null");
                continue;
            }
            _ => i,
        };
        // itoa, not write!: the generator must outrun the clients it measures.
        let mut digits = itoa::Buffer::new();
        match c.ty.as_str() {
            "INTEGER" | "INT" => out.extend_from_slice(digits.format(i % 2_000_000_000).as_bytes()),
            "BIGINT" => out.extend_from_slice(digits.format(i).as_bytes()),
            "DOUBLE" => {
                out.extend_from_slice(digits.format(i).as_bytes());
                out.extend_from_slice(b".5");
            }
            "BOOLEAN" => out.extend_from_slice(if i.is_multiple_of(2) { b"true" } else { b"false" }),
            t if t.starts_with("DECIMAL") => {
                out.extend_from_slice(digits.format(i % 100000).as_bytes());
                out.extend_from_slice(b".25");
            }
            _ => {
                out.push(b'"');
                if c.name.is_ascii() {
                    out.extend(c.name.bytes().map(|b| b.to_ascii_lowercase()));
                } else {
                    let _ = write!(out, "{}", c.name.to_lowercase());
                }
                out.extend_from_slice(digits.format(i).as_bytes());
                out.push(b'"');
            }
        }
    }
    out.push(b']');
}

enum Wake {
    Timeout,
    Closed,
    Gone,
}

pub struct Runner {
    pub framer: Framer,
    pub meta: Meta,
    pub query: Arc<Query>,
    pub limit: Option<u64>,
    pub idle_ms: u64,
    pub tx: mpsc::Sender<Result<Bytes, io::Error>>,
    pub close_rx: oneshot::Receiver<()>,
    pub out: Vec<u8>,
    pub last_write: Instant,
    pub scratch: Vec<u8>,
}

impl Runner {
    async fn flush(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let b = Bytes::from(std::mem::replace(&mut self.out, Vec::with_capacity(CHUNK + 1024)));
        self.last_write = Instant::now();
        self.tx.send(Ok(b)).await.is_ok()
    }

    /// Waits `dur` (forever when `None`), writing idle newlines when the framing has them.
    async fn wait(&mut self, dur: Option<Duration>, idle: bool) -> Wake {
        let end = dur.map(|d| Instant::now() + d);
        let idle_every = if idle && self.framer.idle_newlines() && self.idle_ms > 0 {
            Some(Duration::from_millis(self.idle_ms))
        } else {
            None
        };
        loop {
            let next_idle = idle_every.map(|d| self.last_write + d);
            let deadline = match (end, next_idle) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = sleep => {
                    let now = Instant::now();
                    if let Some(e) = end {
                        if now >= e { return Wake::Timeout; }
                    }
                    self.out.push(b'\n');
                    if !self.flush().await { return Wake::Gone; }
                }
                _ = &mut self.close_rx => return Wake::Closed,
                _ = self.tx.closed() => return Wake::Gone,
            }
        }
    }

    async fn finish(mut self, tail: Tail) {
        self.framer.tail(&mut self.out, tail);
        self.flush().await;
    }

    pub async fn run(mut self) {
        let q = self.query.clone();
        let fault = q.fault.clone();
        let bad_header = matches!(&fault, Some(f) if f.kind == FaultKind::BadHeader);
        self.framer.start(&mut self.out, &self.meta, bad_header);
        if !self.flush().await {
            return;
        }
        let total = q.row_count();
        let interval = Duration::from_millis(q.row_interval_ms);
        // PRINT's leading "Key format:"/"Value format:" lines are not records: like ksqlDB,
        // LIMIT counts records only.
        let format_lines = q.print_lines.as_ref().map_or(0, |lines| {
            lines.iter().filter(|l| l.starts_with("Key format:") || l.starts_with("Value format:")).count() as u64
        });
        let limit = self.limit.map(|n| n + format_lines);
        let mut i: u64 = 0;
        loop {
            if Some(i) == limit {
                return self.finish(Tail::Limit).await;
            }
            if let Some(f) = &fault {
                if f.after_rows == i && f.kind != FaultKind::BadHeader {
                    match f.kind {
                        FaultKind::Cut => {
                            let cols = self.row_json(i.min(total.saturating_sub(1)));
                            let bytes = self.framer.row_bytes(cols.as_bytes());
                            self.out.extend_from_slice(&bytes[..bytes.len() / 2]);
                            if !self.flush().await {
                                return;
                            }
                            // Let hyper write the half row before the connection is aborted.
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            let _ = self.tx.send(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "cut"))).await;
                            return;
                        }
                        FaultKind::Error => {
                            self.framer.error(&mut self.out, f.error_code, &f.message);
                            self.flush().await;
                            return;
                        }
                        FaultKind::Stall => {
                            if !self.flush().await {
                                return;
                            }
                            match self.wait(None, false).await {
                                Wake::Closed => return self.finish(Tail::Close).await,
                                _ => return,
                            }
                        }
                        FaultKind::Malformed => {
                            self.framer.malformed(&mut self.out);
                        }
                        FaultKind::BadHeader => {}
                    }
                }
            }
            if i >= total {
                break;
            }
            if !interval.is_zero() && i > 0 {
                if !self.flush().await {
                    return;
                }
                match self.wait(Some(interval), true).await {
                    Wake::Timeout => {}
                    Wake::Closed => return self.finish(Tail::Close).await,
                    Wake::Gone => return,
                }
            }
            self.emit_row(i);
            i += 1;
            if (!interval.is_zero() || self.out.len() >= CHUNK) && !self.flush().await {
                return;
            }
        }
        if !self.flush().await {
            return;
        }
        if q.hang {
            if let Wake::Closed = self.wait(None, true).await {
                self.finish(Tail::Close).await
            }
        } else {
            self.finish(Tail::Complete).await;
        }
    }

    fn row_json(&self, i: u64) -> String {
        let q = &self.query;
        if q.generated.is_some() {
            let mut v = Vec::new();
            gen_row(&mut v, &q.columns, q.shape, i);
            String::from_utf8(v).unwrap()
        } else if let Some(lines) = &q.print_lines {
            lines.get(i as usize).cloned().unwrap_or_default()
        } else {
            q.rows.get(i as usize).map(|r| r.columns_json.clone()).unwrap_or_else(|| "[]".into())
        }
    }

    fn emit_row(&mut self, i: u64) {
        let q = self.query.clone();
        if q.generated.is_some() {
            match self.framer.fmt {
                Fmt::Delimited if !q.shape.is_tombstone(i) => {
                    gen_row(&mut self.out, &q.columns, q.shape, i);
                    self.out.push(b'\n');
                }
                _ => {
                    let mut v = std::mem::take(&mut self.scratch);
                    v.clear();
                    gen_row(&mut v, &q.columns, q.shape, i);
                    self.framer.row(&mut self.out, &v, q.shape.is_tombstone(i));
                    self.scratch = v;
                }
            }
        } else if let Some(lines) = &q.print_lines {
            let l = &lines[i as usize];
            self.framer.row(&mut self.out, l.as_bytes(), false);
        } else {
            let r = &q.rows[i as usize];
            self.framer.row(&mut self.out, r.columns_json.as_bytes(), r.tombstone);
        }
    }
}
