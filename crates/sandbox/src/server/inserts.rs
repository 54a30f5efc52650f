//! `POST /inserts-stream` (HTTP/2): a first line `{"target":"S"}`, then one JSON row per
//! line, for as long as the client keeps the request open. Rows are inserted as their lines
//! arrive and acknowledged on the response as they are done (`{"status":"ok","seq":N}`),
//! so neither the request nor the acks are held whole: a line may be at most
//! [`MAX_LINE_BYTES`], and acks wait in a bounded queue (a client that does not read them
//! stops having its rows read).

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Response, StatusCode};
use serde_json::{json, Value as J};

use super::stream::{self, Queue};
use super::{generic_error, too_large, Body, SharedEngine};
use crate::engine::{Engine, RowWriter};

/// Acknowledgements sent in one piece at most (about 600 rows').
const ACK_BATCH_BYTES: usize = 16 << 10;

/// The longest line (one row, or the arguments) accepted.
pub const MAX_LINE_BYTES: usize = super::MAX_BODY_BYTES;

/// Lines of a streamed request body, each at most `max` bytes.
struct Lines {
    body: Incoming,
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    start: usize,
    /// How far past `start` no newline was found.
    scanned: usize,
    ended: bool,
    max: usize,
}

enum LineError {
    TooLong,
    Read,
}

impl Lines {
    fn new(body: Incoming, max: usize) -> Lines {
        Lines { body, buf: Vec::new(), start: 0, scanned: 0, ended: false, max }
    }

    /// Whether [`Lines::next`] has its answer without reading more of the body.
    fn ready(&self) -> bool {
        self.ended || self.buf[self.start..].contains(&b'\n')
    }

    /// The next non-empty line, or None at the end of the body.
    async fn next(&mut self) -> Result<Option<String>, LineError> {
        loop {
            let unread = &self.buf[self.start..];
            if let Some(n) = unread[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.start + self.scanned + n;
                let line = String::from_utf8_lossy(&self.buf[self.start..end]).into_owned();
                self.start = end + 1;
                self.scanned = 0;
                if line.trim().is_empty() {
                    continue;
                }
                return Ok(Some(line));
            }
            self.scanned = unread.len();
            if self.scanned > self.max {
                return Err(LineError::TooLong);
            }
            if self.ended {
                let line = String::from_utf8_lossy(unread).into_owned();
                self.start = self.buf.len();
                self.scanned = 0;
                return Ok((!line.trim().is_empty()).then_some(line));
            }
            // Drop what was read before taking more.
            self.buf.drain(..self.start);
            self.start = 0;
            match self.body.frame().await {
                None => self.ended = true,
                Some(Err(_)) => return Err(LineError::Read),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

pub async fn handle(
    engine: SharedEngine,
    body: Incoming,
    json_array: bool,
    gauge: Arc<AtomicU64>,
    stall: Duration,
) -> Response<Body> {
    let mut lines = Lines::new(body, MAX_LINE_BYTES);
    let first = match lines.next().await {
        Ok(Some(l)) => l,
        Ok(None) => return generic_error(400, 40000, "Invalid JSON in request: empty body"),
        Err(LineError::TooLong) => return too_large("A line of the inserts stream", MAX_LINE_BYTES),
        Err(LineError::Read) => return generic_error(400, 40000, "Cannot read request body"),
    };
    let Ok(args) = serde_json::from_str::<J>(&first) else {
        return generic_error(400, 40000, "Invalid JSON in request");
    };
    let Some(target) = args.get("target").and_then(|t| t.as_str()) else {
        return generic_error(400, 40000, "Invalid JSON in request: Missing required creator property 'target'");
    };
    let target = target.to_ascii_uppercase();
    let (queue, response_body) = stream::queue(gauge);
    tokio::spawn(insert_lines(engine, lines, target, json_array, queue, stall));
    let content_type = if json_array { "application/json" } else { "application/vnd.ksqlapi.delimited.v1" };
    Response::builder().status(StatusCode::OK).header("content-type", content_type).body(response_body).unwrap()
}

/// Inserts each row line and acknowledges it; stops at the first error.
async fn insert_lines(
    engine: SharedEngine,
    mut lines: Lines,
    target: String,
    json_array: bool,
    queue: Queue,
    stall: Duration,
) {
    let error = |seq: u64, message: &str| {
        json!({
            "@type":"generic_error","error_code":40000,"message":message,"status":"error","seq":seq
        })
        .to_string()
    };
    let mut seq = 0u64;
    let mut batch = String::new();
    // The target's columns laid out once, kept while the target is unchanged.
    let mut writer: Option<RowWriter> = None;
    loop {
        let (ack, last) = match lines.next().await {
            Ok(None) => break,
            Err(LineError::TooLong) => {
                let message = format!("A line of the inserts stream is larger than {MAX_LINE_BYTES} bytes");
                (Some(error(seq, &message)), true)
            }
            Err(LineError::Read) => break,
            Ok(Some(line)) => {
                let Ok(mut eng) = engine.lock() else { break };
                match insert_json_line(&mut eng, &target, &line, &mut writer) {
                    Ok(()) => (None, false),
                    Err(m) => (Some(error(seq, &m)), true),
                }
            }
        };
        batch.push_str(match (json_array, seq) {
            (true, 0) => "[",
            (true, _) => ",",
            (false, _) => "",
        });
        match ack {
            Some(error) => batch.push_str(&error),
            // An insert's ack, written straight into the batch (a row's own formatting cost
            // showed in profiles): the same bytes as json! gives.
            None => {
                batch.push_str("{\"status\":\"ok\",\"seq\":");
                batch.push_str(itoa::Buffer::new().format(seq));
                batch.push('}');
            }
        }
        if !json_array {
            batch.push('\n');
        }
        seq += 1;
        // The acks of rows that arrived together go out together: a frame per row would
        // cost more than the row, and HTTP/2 clients take a flood of tiny frames for an attack.
        let flush = last || batch.len() >= ACK_BATCH_BYTES || !lines.ready();
        if flush && queue.send(std::mem::take(&mut batch), stall).await.is_err() {
            return;
        }
        if last {
            break;
        }
    }
    if !batch.is_empty() && queue.send(batch, stall).await.is_err() {
        return;
    }
    if json_array {
        let _ = queue.send(if seq == 0 { "[]".into() } else { "]".into() }, stall).await;
    }
}

/// Parses one JSON row straight into the target's typed columns and writes it.
fn insert_json_line(eng: &mut Engine, target: &str, line: &str, writer: &mut Option<RowWriter>) -> Result<(), String> {
    let w = eng.row_writer(target, writer.take()).map_err(|e| e.message)?;
    let written = w.parse_json(line).and_then(|row| eng.write_row(&w, row, None).map_err(|e| e.message));
    *writer = Some(w);
    written
}
