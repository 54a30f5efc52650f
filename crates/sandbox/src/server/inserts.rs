//! `POST /inserts-stream` (HTTP/2): a first line `{"target":"S"}`, then one JSON row per
//! line, for as long as the client keeps the request open. Rows are inserted as their lines
//! arrive and acknowledged on the response as they are done (`{"status":"ok","seq":N}`),
//! so neither the request nor the acks are held whole: a line may be at most
//! [`MAX_LINE_BYTES`], and acks wait in a bounded queue (a client that does not read them
//! stops having its rows read).

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Response, StatusCode};
use serde_json::{json, Value as J};

use super::stream::{self, Queue};
use super::{generic_error, too_large, Body, SharedEngine};
use crate::engine::{Engine, RowWriter, TypedRow};

/// Acknowledgements sent in one piece at most (about 600 rows').
const ACK_BATCH_BYTES: usize = 16 << 10;

/// Rows given the time of one clock read.
const CLOCK_EVERY_ROWS: u32 = 64;

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

/// What the bytes already read hold next.
enum Buffered {
    /// A non-empty line: its bytes in the buffer (see [`Lines::text`]).
    Line(Range<usize>),
    /// No whole line: read more of the body ([`Lines::read_more`]).
    NeedMore,
    /// The body ended and every line was taken.
    End,
    TooLong,
}

impl Lines {
    fn new(body: Incoming, max: usize) -> Lines {
        Lines { body, buf: Vec::new(), start: 0, scanned: 0, ended: false, max }
    }

    /// The next line among the bytes already read, without reading more of the body.
    fn buffered(&mut self) -> Buffered {
        loop {
            let unread = &self.buf[self.start..];
            let line = if let Some(n) = memchr::memchr(b'\n', &unread[self.scanned..]) {
                let end = self.start + self.scanned + n;
                let line = self.start..end;
                self.start = end + 1;
                line
            } else if unread.len() > self.max {
                return Buffered::TooLong;
            } else if self.ended && !unread.is_empty() {
                let line = self.start..self.buf.len();
                self.start = self.buf.len();
                line
            } else if self.ended {
                return Buffered::End;
            } else {
                self.scanned = unread.len();
                return Buffered::NeedMore;
            };
            self.scanned = 0;
            if !self.buf[line.clone()].trim_ascii().is_empty() {
                return Buffered::Line(line);
            }
        }
    }

    /// A line's text (a byte that is not UTF-8 becomes U+FFFD, as Java's decoder does).
    fn text(&self, line: Range<usize>) -> Cow<'_, str> {
        let bytes = &self.buf[line];
        // from_utf8 checks ASCII a word at a time; the lossy decoder only for a bad line.
        std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed)
    }

    /// Reads the body's next frame into the buffer (dropping what was read before).
    async fn read_more(&mut self) -> Result<(), LineError> {
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
        Ok(())
    }

    /// The next non-empty line, or None at the end of the body.
    async fn next(&mut self) -> Result<Option<String>, LineError> {
        loop {
            match self.buffered() {
                Buffered::Line(line) => return Ok(Some(self.text(line).into_owned())),
                Buffered::NeedMore => self.read_more().await?,
                Buffered::End => return Ok(None),
                Buffered::TooLong => return Err(LineError::TooLong),
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

/// Inserts each row line and acknowledges it; stops at the first error. The rows already
/// read are inserted under one lock of the engine (a lock and a String per row showed in
/// profiles), their acks sent together once no whole line is left or a batch is full.
async fn insert_lines(
    engine: SharedEngine,
    mut lines: Lines,
    target: String,
    json_array: bool,
    queue: Queue,
    stall: Duration,
) {
    let mut acks = Acks { batch: String::new(), seq: 0, json_array };
    // The target's columns laid out once, kept while the target is unchanged.
    let mut writer: Option<RowWriter> = None;
    // Each line's values, in lists kept from row to row.
    let mut row = TypedRow { keys: Vec::new(), values: Vec::new() };
    loop {
        let next = {
            let Ok(mut eng) = engine.lock() else { break };
            // The target cannot change while the lock is held: its writer is made, or checked
            // against the source, once per lock (per row it showed in profiles).
            let mut checked = false;
            // Rows read together arrived together: the clock is read once per
            // CLOCK_EVERY_ROWS of them (a read per row showed in profiles), so a row's time
            // is late by at most that many rows' inserts.
            let (mut arrived_ms, mut rows_since_clock) = (0, CLOCK_EVERY_ROWS);
            loop {
                match lines.buffered() {
                    Buffered::Line(line) => {
                        if rows_since_clock == CLOCK_EVERY_ROWS {
                            (arrived_ms, rows_since_clock) = (crate::topics::now_ms(), 0);
                        }
                        rows_since_clock += 1;
                        if !checked {
                            match eng.row_writer(&target, writer.take()) {
                                Ok(w) => writer = Some(w),
                                Err(e) => {
                                    acks.error(&e.message);
                                    break Next::Stop;
                                }
                            }
                            checked = true;
                        }
                        let Some(w) = &writer else { break Next::Stop };
                        let inserted = insert_json_line(&mut eng, w, &lines.buf[line], &mut row, arrived_ms);
                        if let Err(message) = inserted {
                            acks.error(&message);
                            break Next::Stop;
                        }
                        acks.ok();
                        if acks.batch.len() >= ACK_BATCH_BYTES {
                            break Next::Send;
                        }
                    }
                    Buffered::NeedMore => break Next::Read,
                    Buffered::End => break Next::Stop,
                    Buffered::TooLong => {
                        acks.error(&format!("A line of the inserts stream is larger than {MAX_LINE_BYTES} bytes"));
                        break Next::Stop;
                    }
                }
            }
        };
        // The acks of rows that arrived together go out together: a frame per row would cost
        // more than the row, and HTTP/2 clients take a flood of tiny frames for an attack.
        if !acks.batch.is_empty() && queue.send(std::mem::take(&mut acks.batch), stall).await.is_err() {
            return;
        }
        match next {
            Next::Send => {}
            Next::Read => {
                if lines.read_more().await.is_err() {
                    break;
                }
            }
            Next::Stop => break,
        }
    }
    if json_array {
        let _ = queue.send(if acks.seq == 0 { "[]".into() } else { "]".into() }, stall).await;
    }
}

/// What the insert loop does once the engine's lock is released.
enum Next {
    /// Send the full batch of acks, then go on with the lines already read.
    Send,
    /// Read more of the body.
    Read,
    Stop,
}

/// The acknowledgements not yet sent, in the response's format (delimited or a JSON array).
struct Acks {
    batch: String,
    seq: u64,
    json_array: bool,
}

impl Acks {
    fn separator(&mut self) {
        self.batch.push_str(match (self.json_array, self.seq) {
            (true, 0) => "[",
            (true, _) => ",",
            (false, _) => "",
        });
    }

    fn end(&mut self) {
        if !self.json_array {
            self.batch.push('\n');
        }
        self.seq += 1;
    }

    /// An insert's ack, written straight into the batch (a row's own formatting cost showed
    /// in profiles): the same bytes as json! gives.
    fn ok(&mut self) {
        self.separator();
        self.batch.push_str("{\"status\":\"ok\",\"seq\":");
        self.batch.push_str(itoa::Buffer::new().format(self.seq));
        self.batch.push('}');
        self.end();
    }

    fn error(&mut self, message: &str) {
        self.separator();
        let error = json!({
            "@type":"generic_error","error_code":40000,"message":message,"status":"error","seq":self.seq
        });
        self.batch.push_str(&error.to_string());
        self.end();
    }
}

/// Parses one JSON row straight into the target's typed columns and writes it.
fn insert_json_line(
    eng: &mut Engine,
    writer: &RowWriter,
    line: &[u8],
    row: &mut TypedRow,
    arrived_ms: i64,
) -> Result<(), String> {
    writer.parse_json_bytes_into(line, row)?;
    eng.write_row(writer, row, None, arrived_ms).map_err(|e| e.message)
}
