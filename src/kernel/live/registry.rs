//! The push queries this kernel runs (foreground and background): listed by `%queries`,
//! stopped by `%stop`, by re-running their cell, by an interrupt while no cell runs, and all
//! of them at shutdown, so that no query outlives its kernel.

use jupyter_kernel::ExecuteContext;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Asks a running query to render its current frame now (answered when sent).
pub type FlushRequest = oneshot::Sender<()>;

/// Asks a running query to show its view in another cell too (answered when shown): after a
/// page reload the old output can no longer be updated, so `%queries --show N` and `%stop N`
/// show it where the user asks.
pub type AttachRequest = (ExecuteContext, oneshot::Sender<()>);

/// Live counters shared between a running query and the registry.
#[derive(Default)]
pub struct QueryStats {
    pub rows: AtomicU64,
    pub query_id: Mutex<Option<String>>,
    pub state: Mutex<String>,
}

struct Entry {
    number: u64,
    cell_id: Option<String>,
    sql: String,
    background: bool,
    started: Instant,
    stats: Arc<QueryStats>,
    stop: CancellationToken,
    finished: CancellationToken,
    flush: mpsc::Sender<FlushRequest>,
    attach: mpsc::Sender<AttachRequest>,
}

/// A handle for the running query to report progress and its end.
pub struct Registration {
    pub number: u64,
    pub stop: CancellationToken,
    pub stats: Arc<QueryStats>,
    /// Flush requests from the registry (end of another cell): render the frame now.
    pub flush: mpsc::Receiver<FlushRequest>,
    /// Requests to show the view in another cell.
    pub attach: mpsc::Receiver<AttachRequest>,
    finished: CancellationToken,
    registry: LiveQueries,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.finished.cancel();
        self.registry.remove(self.number);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySummary {
    pub number: u64,
    pub query_id: Option<String>,
    pub sql: String,
    pub background: bool,
    pub rows: u64,
    pub elapsed: Duration,
    pub state: String,
}

#[derive(Clone, Default)]
pub struct LiveQueries {
    entries: Arc<Mutex<Vec<Entry>>>,
    next: Arc<AtomicU64>,
    /// The cell executing right now, if any. Background views also send their frames to it:
    /// headless clients (nbclient) only listen to the running cell, and update every output
    /// with the display id, so the earlier cell's saved output stays current.
    current: Arc<Mutex<Option<ExecuteContext>>>,
    /// The last result a query of this kernel showed, pull or live (for `%save`).
    pub last_result: crate::kernel::save::LastResult,
}

impl LiveQueries {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn register(&self, cell_id: Option<String>, sql: &str, background: bool) -> Registration {
        let number = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let stats = Arc::new(QueryStats::default());
        let stop = CancellationToken::new();
        let finished = CancellationToken::new();
        let (flush_tx, flush) = mpsc::channel(4);
        let (attach_tx, attach) = mpsc::channel(4);
        self.lock().push(Entry {
            number,
            cell_id,
            sql: sql.to_string(),
            background,
            started: Instant::now(),
            stats: stats.clone(),
            stop: stop.clone(),
            finished: finished.clone(),
            flush: flush_tx,
            attach: attach_tx,
        });
        Registration { number, stop, stats, flush, attach, finished, registry: self.clone() }
    }

    fn remove(&self, number: u64) {
        self.lock().retain(|e| e.number != number);
    }

    pub fn set_current(&self, ctx: Option<ExecuteContext>) {
        if let Ok(mut current) = self.current.lock() {
            *current = ctx;
        }
    }

    pub fn current(&self) -> Option<ExecuteContext> {
        self.current.lock().ok().and_then(|c| c.clone())
    }

    /// Has every background query render its current frame (to its own cell and to the
    /// running one), and waits for that, briefly.
    pub async fn flush_background(&self) {
        let senders: Vec<mpsc::Sender<FlushRequest>> =
            self.lock().iter().filter(|e| e.background).map(|e| e.flush.clone()).collect();
        let mut acks = Vec::new();
        for sender in senders {
            let (tx, rx) = oneshot::channel();
            if sender.try_send(tx).is_ok() {
                acks.push(rx);
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            for ack in acks {
                let _ = ack.await;
            }
        })
        .await;
    }

    /// Has query `number` show its view in `ctx`'s cell from now on; false when no such
    /// query runs (or it did not answer within a second).
    pub async fn show_in(&self, number: u64, ctx: &ExecuteContext) -> bool {
        let sender = self.lock().iter().find(|e| e.number == number).map(|e| e.attach.clone());
        let Some(sender) = sender else { return false };
        let (tx, rx) = oneshot::channel();
        // try_send: a query whose requests pile up is not waited for.
        if sender.try_send((ctx.clone(), tx)).is_err() {
            return false;
        }
        matches!(tokio::time::timeout(Duration::from_secs(1), rx).await, Ok(Ok(())))
    }

    /// The numbers of the running queries.
    pub fn numbers(&self) -> Vec<u64> {
        self.lock().iter().map(|e| e.number).collect()
    }

    pub fn list(&self) -> Vec<QuerySummary> {
        self.lock()
            .iter()
            .map(|e| QuerySummary {
                number: e.number,
                query_id: e.stats.query_id.lock().ok().and_then(|q| q.clone()),
                sql: e.sql.clone(),
                background: e.background,
                rows: e.stats.rows.load(Ordering::Relaxed),
                elapsed: e.started.elapsed(),
                state: e.stats.state.lock().map(|s| s.clone()).unwrap_or_default(),
            })
            .collect()
    }

    /// Stops the matching queries and waits (up to `wait`) until they have closed.
    async fn stop_where(&self, wait: Duration, matches: impl Fn(&Entry) -> bool) -> usize {
        let finished: Vec<CancellationToken> = self
            .lock()
            .iter()
            .filter(|e| matches(e))
            .map(|e| {
                e.stop.cancel();
                e.finished.clone()
            })
            .collect();
        let count = finished.len();
        let _ = tokio::time::timeout(wait, async {
            for f in finished {
                f.cancelled().await;
            }
        })
        .await;
        count
    }

    pub async fn stop_number(&self, number: u64) -> usize {
        self.stop_where(Duration::from_secs(5), |e| e.number == number).await
    }

    /// Re-running a cell stops the query its previous run left running.
    pub async fn stop_cell(&self, cell_id: &str) -> usize {
        self.stop_where(Duration::from_secs(5), |e| e.cell_id.as_deref() == Some(cell_id)).await
    }

    pub async fn stop_background(&self) -> usize {
        self.stop_where(Duration::from_secs(5), |e| e.background).await
    }

    pub async fn stop_all(&self, wait: Duration) -> usize {
        self.stop_where(wait, |_| true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stop_waits_for_the_query_to_finish() {
        let registry = LiveQueries::default();
        let reg = registry.register(Some("cell-1".into()), "SELECT 1", true);
        let stop = reg.stop.clone();
        let task = tokio::spawn(async move {
            stop.cancelled().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(reg);
        });
        assert_eq!(registry.list().len(), 1);
        assert_eq!(registry.stop_cell("other").await, 0);
        assert_eq!(registry.stop_cell("cell-1").await, 1);
        assert!(registry.list().is_empty(), "stop returns after the query is gone");
        task.await.unwrap();
    }
}
