//! stdin channel: the kernel asks the front end for input (`input_request`) and waits for the
//! `input_reply`. Requests are routed with the identities of the shell request, which Jupyter
//! requires to equal the client's stdin identity.

use super::session::Session;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tokio::sync::Mutex;
use zeromq::{RouterSocket, SocketRecv, SocketSend, ZmqMessage};

#[derive(Clone)]
pub struct StdinChannel {
    socket: Arc<Mutex<RouterSocket>>,
    session: Arc<Session>,
    identities: Vec<Bytes>,
}

impl StdinChannel {
    pub(crate) fn new(socket: Arc<Mutex<RouterSocket>>, session: Arc<Session>, identities: Vec<Bytes>) -> Self {
        Self { socket, session, identities }
    }

    pub async fn request(&self, parent: &Map<String, Value>, prompt: &str, password: bool) -> Option<String> {
        // One prompt at a time: the lock also keeps replies matched to their request.
        let mut socket = self.socket.lock().await;
        let frames = self.session.message(
            &self.identities,
            "input_request",
            Some(parent),
            json!({}),
            json!({"prompt": prompt, "password": password}),
        );
        let message = ZmqMessage::try_from(frames).ok()?;
        if let Err(e) = socket.send(message).await {
            eprintln!("[ksqldb-kernel] cannot send input_request: {e}");
            return None;
        }
        loop {
            let received = socket.recv().await.ok()?;
            match self.session.receive(received.into_vec()) {
                Ok(msg) if msg.msg_type() == "input_reply" => {
                    return Some(msg.content_str("value").to_string());
                }
                Ok(other) => eprintln!("[ksqldb-kernel] ignoring {} on stdin", other.msg_type()),
                Err(e) => eprintln!("[ksqldb-kernel] dropped stdin message: {e}"),
            }
        }
    }
}
