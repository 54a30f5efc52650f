//! Which queued execute requests are answered "aborted", as ipykernel does: those sent before a
//! cell failed (stop_on_error) or before an interrupt. A front end's "Run All" sends its cells
//! in a burst, so the stop button (or an error) must also stop the cells still waiting.
//!
//! A request is judged against an [`AbortPoint`]: read before it, or dated before it (still in
//! flight), it is aborted; read and dated after it, it was sent in reaction and runs.

use serde_json::{Map, Value};
use std::sync::Mutex;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The moment queued requests are judged against: a failed cell's reply, or an interrupt.
#[derive(Clone, Copy, Debug)]
pub struct AbortPoint {
    /// Wall clock, compared with the `date` of request headers (same machine in practice).
    at: chrono::DateTime<chrono::Utc>,
    /// When the kernel had read every request sent before the point.
    read_before: Instant,
}

impl AbortPoint {
    pub fn now() -> AbortPoint {
        AbortPoint { at: chrono::Utc::now(), read_before: Instant::now() }
    }

    /// Whether the request's `date` says it was sent before the point (no date: no).
    pub fn dated_before(&self, header: &Map<String, Value>) -> bool {
        sent_at(header).is_some_and(|sent| sent < self.at)
    }

    /// Whether a request read at `received`, with this `header`, was sent before the point (a
    /// request without a readable date counts as sent before).
    pub fn sent_before(&self, received: Instant, header: &Map<String, Value>) -> bool {
        let after = received >= self.read_before && sent_at(header).is_some_and(|sent| sent > self.at);
        !after
    }
}

/// The `date` a request's header carries, when it is readable.
fn sent_at(header: &Map<String, Value>) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    header.get("date").and_then(Value::as_str).and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
}

/// The running cell's cancellation and an interrupt not yet applied to the queue, under one
/// lock: a cell starts either before an interrupt (and the interrupt cancels it) or after (and
/// the cell's request is judged against the interrupt), never in between.
#[derive(Default)]
pub struct Interrupts {
    state: Mutex<State>,
    /// Wakes an idle executor, so that requests still in flight are judged too.
    wake: Notify,
}

#[derive(Default)]
struct State {
    running: CancellationToken,
    pending: Option<AbortPoint>,
}

impl Interrupts {
    /// The user interrupted: cancel the running cell and abort what was sent before now.
    pub fn interrupt(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.pending = Some(AbortPoint::now());
            state.running.cancel();
        }
        self.wake.notify_one();
    }

    /// Cancels the running cell only (shutdown).
    pub fn cancel_running(&self) {
        if let Ok(state) = self.state.lock() {
            state.running.cancel();
        }
    }

    /// A cell is about to start: its cancellation token, or the interrupt its request must
    /// be judged against first.
    pub fn start_cell(&self) -> Result<CancellationToken, AbortPoint> {
        let Ok(mut state) = self.state.lock() else {
            return Ok(CancellationToken::new());
        };
        if let Some(point) = state.pending.take() {
            return Err(point);
        }
        state.running = CancellationToken::new();
        Ok(state.running.clone())
    }

    /// The interrupt not yet applied, if any.
    pub fn take_pending(&self) -> Option<AbortPoint> {
        self.state.lock().ok().and_then(|mut state| state.pending.take())
    }

    /// Returns after an interrupt (possibly one already applied: check [`Self::take_pending`]).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn header(date: chrono::DateTime<chrono::Utc>) -> Map<String, Value> {
        json!({"date": date.to_rfc3339()}).as_object().cloned().unwrap_or_default()
    }

    #[tokio::test]
    async fn requests_read_or_dated_before_the_point_are_aborted() {
        let before = Instant::now();
        let sent_before = chrono::Utc::now();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let point = AbortPoint::now();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let sent_after = chrono::Utc::now();
        let after = Instant::now();
        assert!(point.sent_before(before, &header(sent_after)), "read before the point");
        assert!(point.sent_before(after, &header(sent_before)), "in flight, dated before");
        assert!(point.sent_before(after, &Map::new()), "no date: aborted");
        assert!(!point.sent_before(after, &header(sent_after)), "sent in reaction: runs");
    }

    #[test]
    fn an_interrupt_cancels_the_running_cell_or_is_judged_by_the_next() {
        let interrupts = Interrupts::default();
        let running = interrupts.start_cell().expect("no interrupt yet");
        interrupts.interrupt();
        assert!(running.is_cancelled());
        assert!(interrupts.start_cell().is_err(), "the next cell is judged first");
        let next = interrupts.start_cell().expect("applied once");
        assert!(!next.is_cancelled());
        assert!(interrupts.take_pending().is_none());
    }
}
