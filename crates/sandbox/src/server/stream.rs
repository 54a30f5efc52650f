//! Streams push queries and PRINT to their clients through a small queue per response,
//! bounded in chunks and in bytes. A task per response asks the engine for rows
//! ([`Engine::pump`]) only when the queue has room, so rows wait in the topics (bounded by
//! retention), not in memory queued for a client that does not read.
//!
//! A client whose queue stays full for a stall limit ([`STALL_LIMIT`] by default) while rows are waiting has stopped
//! reading: its query is closed with an error and its resources freed. A client that reads,
//! even slowly, is never closed for it (the kernel's live view reads over 1M rows/s).
//!
//! [`Engine::pump`]: crate::engine::Engine::pump

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::framing::Writer;
use super::{Body, SharedEngine};
use crate::engine::push::{End, Signal};
use crate::engine::PushMsg;

/// Bytes a response may have queued for its client (one chunk may be larger; it then
/// waits until the queue is empty).
pub const QUEUE_BYTES: usize = 1 << 20;
/// Chunks a response may have queued.
const QUEUE_CHUNKS: usize = 16;
/// Rows asked from the engine at a time (one chunk).
const CHUNK_ROWS: usize = 512;
/// Rows go out a frame each, as ksqlDB writes them (clients such as the npm ksqldb-client
/// read a frame as one row), up to this many frames a second; past it, a batch is one frame.
const ROW_FRAMES_PER_SECOND: usize = 64;

/// Counts the per-row frames of the current second.
struct RowFrames {
    since: std::time::Instant,
    sent: usize,
}

impl RowFrames {
    fn new() -> Self {
        RowFrames { since: std::time::Instant::now(), sent: 0 }
    }

    /// Whether `n` rows may go out as a frame each (and counts them if so).
    fn allow(&mut self, n: usize) -> bool {
        if self.since.elapsed() >= Duration::from_secs(1) {
            *self = RowFrames::new();
        }
        if self.sent + n > ROW_FRAMES_PER_SECOND {
            return false;
        }
        self.sent += n;
        true
    }
}
/// How long a queue may stay full while rows wait before the query is closed (default).
pub const STALL_LIMIT: Duration = Duration::from_secs(30);
/// How long a closed query's last message may wait for room in a full queue.
const FAREWELL_WAIT: Duration = Duration::from_secs(2);

/// Elements queued together; each goes out as a frame of its own.
struct Chunk {
    pieces: Vec<Bytes>,
    len: usize,
    _permit: OwnedSemaphorePermit,
    gauge: Arc<AtomicU64>,
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.gauge.fetch_sub(self.len as u64, Ordering::Relaxed);
    }
}

/// The sending side of a response's queue.
pub struct Queue {
    tx: mpsc::Sender<Chunk>,
    room: Arc<Semaphore>,
    /// Bytes queued in all responses of the server (tests read it).
    gauge: Arc<AtomicU64>,
}

/// A bounded queue and the response body that drains it.
pub fn queue(gauge: Arc<AtomicU64>) -> (Queue, Body) {
    let (tx, rx) = mpsc::channel::<Chunk>(QUEUE_CHUNKS);
    // Each piece of a chunk is a frame of its own (an HTTP/1.1 chunk, an HTTP/2 DATA frame):
    // clients such as the npm ksqldb-client parse every frame as one element. A chunk (its
    // permit and its gauge share) is released once hyper has taken its last piece.
    let stream = futures_util::stream::unfold((rx, None::<(Chunk, usize)>), |(mut rx, mut current)| async move {
        loop {
            if let Some((chunk, next)) = current.as_mut() {
                if let Some(piece) = chunk.pieces.get(*next).cloned() {
                    *next += 1;
                    return Some((Ok::<_, Infallible>(Frame::data(piece)), (rx, current)));
                }
            }
            // The spent chunk goes first: its permit is what a sender may be waiting for.
            drop(current.take());
            current = Some((rx.recv().await?, 0));
        }
    });
    (Queue { tx, room: Arc::new(Semaphore::new(QUEUE_BYTES)), gauge }, StreamBody::new(stream).boxed())
}

#[derive(Debug)]
pub enum SendError {
    /// The client went away.
    Gone,
    /// The queue stayed full for the whole wait.
    Full,
}

impl Queue {
    /// Queues one element, waiting at most `wait` for room.
    pub async fn send(&self, text: String, wait: Duration) -> Result<(), SendError> {
        self.send_all(vec![text], wait).await
    }

    /// Queues elements (each a frame of its own), waiting at most `wait` for room.
    pub async fn send_all(&self, texts: Vec<String>, wait: Duration) -> Result<(), SendError> {
        let pieces: Vec<Bytes> = texts.into_iter().filter(|t| !t.is_empty()).map(Bytes::from).collect();
        let len: usize = pieces.iter().map(Bytes::len).sum();
        if len == 0 {
            return Ok(());
        }
        let need = len.min(QUEUE_BYTES) as u32;
        let queued = async {
            let permit = self.room.clone().acquire_many_owned(need).await.map_err(|_| SendError::Gone)?;
            let permit_tx = self.tx.reserve().await.map_err(|_| SendError::Gone)?;
            self.gauge.fetch_add(len as u64, Ordering::Relaxed);
            permit_tx.send(Chunk { pieces, len, _permit: permit, gauge: self.gauge.clone() });
            Ok(())
        };
        tokio::select! {
            r = tokio::time::timeout(wait, queued) => r.unwrap_or(Err(SendError::Full)),
            _ = self.tx.closed() => Err(SendError::Gone),
        }
    }

    pub async fn closed(&self) {
        self.tx.closed().await
    }
}

/// How a response renders messages and endings.
pub enum Output {
    /// A push query in one of the query framings.
    Query(Writer),
    /// PRINT: text lines, no final message.
    Print,
}

impl Output {
    fn message(&mut self, m: &PushMsg) -> Option<String> {
        match (self, m) {
            (Output::Query(w), PushMsg::Row(r)) => w.row(r, false),
            (Output::Query(w), PushMsg::Tombstone(r)) => w.row(r, true),
            (Output::Query(w), PushMsg::Error(e)) => Some(w.error(e)),
            (Output::Print, PushMsg::Line(l)) => Some(l.clone()),
            _ => None,
        }
    }

    fn limit_reached(&mut self) -> String {
        match self {
            Output::Query(w) => w.end(Some("Limit Reached")),
            Output::Print => String::new(),
        }
    }

    fn ended(&mut self, end: &End) -> String {
        match (self, end) {
            (Output::Query(w), End::Closed) => w.end(None),
            (Output::Query(w), End::Error(m)) => w.error(m),
            (Output::Print, _) => String::new(),
        }
    }
}

/// Feeds push query or PRINT `id` to its client until LIMIT, until it ends, or until the
/// client goes away or stops reading; then releases it in the engine.
pub async fn pump_to_client(
    engine: SharedEngine,
    id: String,
    signal: Arc<Signal>,
    limit: Option<u64>,
    mut out: Output,
    queue: Queue,
    stall: Duration,
) {
    let mut sent = 0u64;
    let mut frames = RowFrames::new();
    loop {
        if limit.is_some_and(|l| sent >= l) {
            let _ = queue.send(out.limit_reached(), FAREWELL_WAIT).await;
            break;
        }
        let budget = limit.map_or(CHUNK_ROWS, |l| (l - sent).min(CHUNK_ROWS as u64) as usize);
        // Registered before pumping, so a record arriving in between still wakes us.
        let woken = signal.notify.notified();
        let msgs = match engine.lock() {
            Ok(mut e) => e.pump(&id, budget),
            Err(_) => break,
        };
        if msgs.is_empty() {
            if let Some(end) = signal.ended() {
                let _ = queue.send(out.ended(&end), FAREWELL_WAIT).await;
                break;
            }
            tokio::select! {
                _ = woken => continue,
                _ = queue.closed() => break,
            }
        }
        let mut texts = Vec::with_capacity(msgs.len());
        for m in &msgs {
            if limit.is_some_and(|l| sent >= l) {
                break;
            }
            texts.extend(out.message(m));
            sent += 1;
        }
        if !frames.allow(texts.len()) {
            // A backlog or a fast stream goes out in one frame: tiny HTTP/2 DATA frames that a
            // client has not read yet count against the budget h2 clients keep against framing
            // overhead (GOAWAY "too_many_data_frames").
            texts = vec![texts.concat()];
        }
        match queue.send_all(texts, stall).await {
            Ok(()) => {}
            Err(SendError::Gone) => break,
            Err(SendError::Full) => {
                let why = format!("it read nothing for {:?} while rows were waiting", stall);
                if let Ok(mut e) = engine.lock() {
                    e.close_with_error(&id, &why);
                }
                if let Some(end) = signal.ended() {
                    let _ = queue.send(out.ended(&end), FAREWELL_WAIT).await;
                }
                break;
            }
        }
    }
    if let Ok(mut e) = engine.lock() {
        e.release(&id);
    }
}
