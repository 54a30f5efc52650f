//! IOPub: one task owns the XPUB socket. Everyone else sends it ready-made messages over a
//! channel, which keeps output in order and guarantees `status: idle` goes out after the
//! outputs queued before it. It also answers each subscription with `iopub_welcome`.

use super::session::Session;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use zeromq::{SocketRecv, SocketSend, XPubSocket, ZmqMessage};

/// How long one publish may wait on a subscriber that does not read before it is dropped
/// (zeromq's XPUB waits on each subscriber in turn).
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Bounded, so a flood of output applies back-pressure instead of growing memory.
const QUEUE_CAPACITY: usize = 1024;

enum IopubItem {
    Message(Vec<Bytes>),
    /// Answered once everything queued before it has been handed to the socket.
    Flush(oneshot::Sender<()>),
}

/// A cheap, cloneable handle for publishing on IOPub.
#[derive(Clone)]
pub struct Iopub {
    tx: mpsc::Sender<IopubItem>,
    session: Arc<Session>,
}

impl Iopub {
    /// Starts the IOPub owner task on an already bound socket.
    pub fn start(socket: XPubSocket, session: Arc<Session>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(socket, rx, session.clone()));
        Self { tx, session }
    }

    /// Publishes `msg_type` with `content`, parented to `parent` (a request header).
    pub async fn publish(&self, msg_type: &str, parent: Option<&Map<String, Value>>, content: Value) {
        self.publish_with_metadata(msg_type, parent, json!({}), content).await
    }

    pub async fn publish_with_metadata(
        &self,
        msg_type: &str,
        parent: Option<&Map<String, Value>>,
        metadata: Value,
        content: Value,
    ) {
        // The topic frame follows ipykernel's convention; clients subscribe to everything.
        let topic = Bytes::from(format!("kernel.{msg_type}"));
        let frames = self.session.message(&[topic], msg_type, parent, metadata, content);
        if self.tx.send(IopubItem::Message(frames)).await.is_err() {
            eprintln!("[ksqldb-kernel] IOPub task is gone; dropping {msg_type}");
        }
    }

    pub async fn status(&self, state: &str, parent: Option<&Map<String, Value>>) {
        self.publish("status", parent, json!({"execution_state": state})).await
    }

    /// Waits until everything published so far has been written to the socket.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(IopubItem::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(mut socket: XPubSocket, mut rx: mpsc::Receiver<IopubItem>, session: Arc<Session>) {
    loop {
        tokio::select! {
            item = rx.recv() => match item {
                Some(IopubItem::Message(frames)) => send(&mut socket, frames).await,
                Some(IopubItem::Flush(done)) => { let _ = done.send(()); }
                None => break,
            },
            // XPUB delivers subscription frames: 0x01 + topic subscribes, 0x00 unsubscribes.
            sub = socket.recv() => match sub {
                Ok(msg) => {
                    if let Some(frame) = msg.get(0) {
                        if frame.first() == Some(&1) {
                            if let Ok(topic) = std::str::from_utf8(&frame[1..]) {
                                let prefix = Bytes::from(topic.to_string());
                                let frames = session.message(&[prefix], "iopub_welcome", None,
                                    json!({}), json!({"subscription": topic}));
                                send(&mut socket, frames).await;
                            }
                        }
                    }
                }
                Err(e) => {
                    // A subscriber vanished mid-read; keep serving the others.
                    eprintln!("[ksqldb-kernel] IOPub subscription read error: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

async fn send(socket: &mut XPubSocket, frames: Vec<Bytes>) {
    let Ok(message) = ZmqMessage::try_from(frames) else {
        return;
    };
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("[ksqldb-kernel] IOPub send failed: {e}"),
        Err(_) => eprintln!("[ksqldb-kernel] IOPub send timed out: a subscriber is not reading"),
    }
}
