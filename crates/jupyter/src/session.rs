//! The kernel's side of a Jupyter session: builds signed outgoing messages with a fresh
//! msg_id, the kernel's own session id and an RFC 3339 date.

use super::replay::ReplayGuard;
use super::wire::{decode, encode, IncomingMessage, Signer, WireError};
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};

/// The protocol version this kernel speaks (what jupyter_client 8.x sends too).
pub const PROTOCOL_VERSION: &str = "5.4";

#[derive(Debug)]
pub struct Session {
    /// Identifies this kernel process; new on every start (and so on every restart).
    id: String,
    signer: Signer,
    /// Signatures already received on any channel: a replayed message is dropped.
    replays: std::sync::Mutex<ReplayGuard>,
}

impl Session {
    pub fn new(signer: Signer) -> Self {
        Self { id: uuid::Uuid::new_v4().to_string(), signer, replays: Default::default() }
    }

    /// Verifies and parses a received message, rejecting one whose signature was seen before.
    pub fn receive(&self, frames: Vec<Bytes>) -> Result<IncomingMessage, WireError> {
        let message = decode(frames, &self.signer)?;
        let mut replays = self.replays.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !replays.first_time(&message.signature) {
            return Err(WireError(format!(
                "replayed message (msg_id {:?}): its signature was seen before",
                message.msg_id()
            )));
        }
        Ok(message)
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    pub fn header(&self, msg_type: &str) -> Value {
        json!({
            "msg_id": uuid::Uuid::new_v4().to_string(),
            "session": self.id,
            "username": "kernel",
            "date": Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
            "msg_type": msg_type,
            "version": PROTOCOL_VERSION,
        })
    }

    /// A complete signed message. `parent` is the request header copied verbatim, or `None`
    /// for messages without a parent (iopub_welcome, status: starting).
    pub fn message(
        &self,
        prefix: &[Bytes],
        msg_type: &str,
        parent: Option<&Map<String, Value>>,
        metadata: Value,
        content: Value,
    ) -> Vec<Bytes> {
        let parent = match parent {
            Some(p) => Value::Object(p.clone()),
            None => Value::Object(Map::new()),
        };
        encode(&self.signer, prefix, &self.header(msg_type), &parent, &metadata, &content)
    }
}
