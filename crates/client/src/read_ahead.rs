//! Reading a response body ahead of its parser, so that both run at once.
//!
//! hyper hands a body over one chunk at a time and reads the next only when asked: the
//! connection task and the parser take turns, each waking the other per chunk. A task that
//! moves chunks into a bounded channel keeps the socket read while the last chunk is parsed.

use std::collections::VecDeque;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc;

/// Messages in the channel, each of at most [`CHUNKS_PER_MESSAGE`] chunks: the memory bound is
/// this many of hyper's chunks.
const MESSAGES_AHEAD: usize = 4;
/// hyper often has several chunks decoded at once: they go over in one message, so that the
/// tasks wake each other once per read rather than once per chunk.
const CHUNKS_PER_MESSAGE: usize = 8;

type Body<E> = Pin<Box<dyn Stream<Item = Result<Bytes, E>> + Send>>;

/// The same chunks, read by a task of their own. Dropping the result stops that task and
/// drops `body` (which closes the connection) without waiting for another chunk.
pub(crate) fn read_ahead<E: Send + 'static>(mut body: Body<E>) -> Body<E> {
    let (tx, rx) = mpsc::channel::<Vec<Result<Bytes, E>>>(MESSAGES_AHEAD);
    tokio::spawn(async move {
        loop {
            let chunk = tokio::select! {
                _ = tx.closed() => return,
                chunk = body.next() => chunk,
            };
            let Some(chunk) = chunk else { return };
            let mut chunks = vec![chunk];
            let mut ended = false;
            while chunks.len() < CHUNKS_PER_MESSAGE && chunks.last().is_some_and(Result::is_ok) {
                match body.next().now_or_never() {
                    Some(Some(chunk)) => chunks.push(chunk),
                    Some(None) => {
                        ended = true;
                        break;
                    }
                    None => break,
                }
            }
            if tx.send(chunks).await.is_err() || ended {
                return;
            }
        }
    });
    let chunks = futures_util::stream::unfold((rx, VecDeque::new()), |(mut rx, mut ready)| async move {
        if ready.is_empty() {
            ready.extend(rx.recv().await?);
        }
        let chunk = ready.pop_front()?;
        Some((chunk, (rx, ready)))
    });
    Box::pin(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn chunks_come_in_order_and_errors_pass_through() {
        let items: Vec<Result<Bytes, String>> =
            (0..100).map(|i| Ok(Bytes::from(format!("{i},")))).chain([Err("cut".to_string())]).collect();
        let mut ahead = read_ahead(Box::pin(futures_util::stream::iter(items)));
        let mut text = String::new();
        let mut errors = Vec::new();
        while let Some(item) = ahead.next().await {
            match item {
                Ok(b) => text.push_str(std::str::from_utf8(&b).unwrap()),
                Err(e) => errors.push(e),
            }
        }
        let expected: String = (0..100).map(|i| format!("{i},")).collect();
        assert_eq!((text, errors), (expected, vec!["cut".to_string()]));
    }

    /// A body that never sends another chunk is still dropped when the reader goes away.
    #[tokio::test]
    async fn dropping_the_reader_drops_a_silent_body() {
        struct Flag(Arc<AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = Flag(dropped.clone());
        let silent = futures_util::stream::once(async { Ok::<_, String>(Bytes::from_static(b"x")) })
            .chain(futures_util::stream::pending())
            .map(move |item| {
                let _ = &flag;
                item
            });
        let mut ahead = read_ahead(Box::pin(silent));
        assert_eq!(ahead.next().await.unwrap().unwrap(), Bytes::from_static(b"x"));
        drop(ahead);
        for _ in 0..100 {
            if dropped.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the body was not dropped");
    }
}
