//! Wire framing of Jupyter messages and their HMAC-SHA256 signatures.
//!
//! `[identities…] <IDS|MSG> signature header parent_header metadata content [buffers…]`.
//! The signature covers the four JSON frames exactly as they arrived (never re-serialized
//! JSON), and never the identities or buffers.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::fmt;

pub const DELIMITER: &[u8] = b"<IDS|MSG>";

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies messages. An empty key disables signing, as Jupyter specifies.
#[derive(Clone)]
pub struct Signer {
    mac: Option<HmacSha256>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        write!(f, "Signer {{ signing: {} }}", self.mac.is_some())
    }
}

impl Signer {
    pub fn new(key: &str, scheme: &str) -> Result<Self, WireError> {
        if key.is_empty() {
            return Ok(Self { mac: None });
        }
        if scheme != "hmac-sha256" {
            return Err(WireError(format!("unsupported signature scheme {scheme:?}")));
        }
        let mac = HmacSha256::new_from_slice(key.as_bytes()).map_err(|e| WireError(format!("bad key: {e}")))?;
        Ok(Self { mac: Some(mac) })
    }

    pub fn is_signing(&self) -> bool {
        self.mac.is_some()
    }

    /// Lowercase hex HMAC of the four JSON frames; empty when signing is off.
    pub fn sign(&self, frames: [&[u8]; 4]) -> String {
        match &self.mac {
            None => String::new(),
            Some(template) => {
                let mut mac = template.clone();
                for frame in frames {
                    mac.update(frame);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    /// Constant-time check of a received signature.
    pub fn verify(&self, signature: &[u8], frames: [&[u8]; 4]) -> bool {
        let Some(template) = &self.mac else {
            return true;
        };
        // Only the lowercase hex that signers write (jupyter_client compares the hex text):
        // another spelling of the same MAC would slip past the replay check.
        if !signature.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
            return false;
        }
        let Ok(expected) = hex::decode(signature) else {
            return false;
        };
        let mut mac = template.clone();
        for frame in frames {
            mac.update(frame);
        }
        mac.verify_slice(&expected).is_ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// A received message, verified and parsed. The header is kept as a JSON object so that
/// replies can copy it verbatim into their parent_header (unknown fields included).
#[derive(Debug, Clone)]
pub struct IncomingMessage {
    pub identities: Vec<Bytes>,
    /// The signature as received (hex), for replay detection.
    pub signature: Bytes,
    pub header: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub content: Value,
}

impl IncomingMessage {
    pub fn msg_type(&self) -> &str {
        self.header.get("msg_type").and_then(Value::as_str).unwrap_or("")
    }

    pub fn msg_id(&self) -> &str {
        self.header.get("msg_id").and_then(Value::as_str).unwrap_or("")
    }

    /// A string field of the content, or "" when absent or not a string.
    pub fn content_str(&self, field: &str) -> &str {
        self.content.get(field).and_then(Value::as_str).unwrap_or("")
    }

    pub fn content_bool(&self, field: &str, default: bool) -> bool {
        self.content.get(field).and_then(Value::as_bool).unwrap_or(default)
    }

    pub fn content_usize(&self, field: &str) -> Option<usize> {
        let v = self.content.get(field)?;
        v.as_u64().map(|n| n as usize)
    }
}

/// Splits the frames at the delimiter, verifies the signature over the raw frames and parses
/// the JSON. Any failure is an error for the caller to log; it never panics.
pub fn decode(frames: Vec<Bytes>, signer: &Signer) -> Result<IncomingMessage, WireError> {
    let delim = frames
        .iter()
        .position(|f| f.as_ref() == DELIMITER)
        .ok_or_else(|| WireError("no <IDS|MSG> delimiter".into()))?;
    if frames.len() < delim + 6 {
        return Err(WireError(format!("expected 5 frames after the delimiter, got {}", frames.len() - delim - 1)));
    }
    let signature = &frames[delim + 1];
    let parts = [
        frames[delim + 2].as_ref(),
        frames[delim + 3].as_ref(),
        frames[delim + 4].as_ref(),
        frames[delim + 5].as_ref(),
    ];
    if signer.is_signing() && signature.is_empty() {
        return Err(WireError("unsigned message".into()));
    }
    if !signer.verify(signature, parts) {
        return Err(WireError("invalid signature".into()));
    }
    let header = parse_object(parts[0], "header")?;
    let metadata = parse_object(parts[2], "metadata").unwrap_or_default();
    let content: Value =
        serde_json::from_slice(parts[3]).map_err(|e| WireError(format!("content is not JSON: {e}")))?;
    Ok(IncomingMessage {
        identities: frames[..delim].to_vec(),
        signature: signature.clone(),
        header,
        metadata,
        content,
    })
}

fn parse_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, WireError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(WireError(format!("{what} is not a JSON object"))),
        Err(e) => Err(WireError(format!("{what} is not JSON: {e}"))),
    }
}

/// Builds the frames of an outgoing message: `prefix` is the routing identities (ROUTER) or
/// the topic (IOPub).
pub fn encode(
    signer: &Signer,
    prefix: &[Bytes],
    header: &Value,
    parent_header: &Value,
    metadata: &Value,
    content: &Value,
) -> Vec<Bytes> {
    // Serializing a serde_json::Value cannot fail.
    let h = serde_json::to_vec(header).unwrap_or_default();
    let p = serde_json::to_vec(parent_header).unwrap_or_default();
    let m = serde_json::to_vec(metadata).unwrap_or_default();
    let c = serde_json::to_vec(content).unwrap_or_default();
    let signature = signer.sign([&h, &p, &m, &c]);
    let mut frames = Vec::with_capacity(prefix.len() + 6);
    frames.extend(prefix.iter().cloned());
    frames.push(Bytes::from_static(DELIMITER));
    frames.push(Bytes::from(signature));
    frames.push(Bytes::from(h));
    frames.push(Bytes::from(p));
    frames.push(Bytes::from(m));
    frames.push(Bytes::from(c));
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frames_for(signer: &Signer, content: &Value) -> Vec<Bytes> {
        let header = json!({"msg_id": "1", "msg_type": "execute_request", "session": "s",
                            "username": "u", "date": "2026-01-01T00:00:00Z", "version": "5.4",
                            "subshell_id": null});
        encode(signer, &[Bytes::from_static(b"client-id")], &header, &json!({}), &json!({}), content)
    }

    #[test]
    fn roundtrip_signed() {
        let signer = Signer::new("secret", "hmac-sha256").unwrap();
        let frames = frames_for(&signer, &json!({"code": "SHOW STREAMS;"}));
        let msg = decode(frames, &signer).unwrap();
        assert_eq!(msg.msg_type(), "execute_request");
        assert_eq!(msg.identities, vec![Bytes::from_static(b"client-id")]);
        assert_eq!(msg.content_str("code"), "SHOW STREAMS;");
        // Unknown header fields are kept for the parent header.
        assert!(msg.header.contains_key("subshell_id"));
    }

    #[test]
    fn signature_matches_python_hmac() {
        // hmac.new(b"key", b'{"a":1}{}{}{"code":"x"}', hashlib.sha256).hexdigest()
        let signer = Signer::new("key", "hmac-sha256").unwrap();
        let expected = "a5aaacf20fe2368de7cecf9f9c9894a75358cb8420fc39c7b1e5717154ec2743";
        assert_eq!(signer.sign([br#"{"a":1}"#, b"{}", b"{}", br#"{"code":"x"}"#]), expected);
        assert!(signer.verify(expected.as_bytes(), [br#"{"a":1}"#, b"{}", b"{}", br#"{"code":"x"}"#]));
    }

    #[test]
    fn rejects_bad_and_missing_signatures() {
        let signer = Signer::new("secret", "hmac-sha256").unwrap();
        let other = Signer::new("other", "hmac-sha256").unwrap();
        let frames = frames_for(&other, &json!({}));
        assert_eq!(decode(frames, &signer).unwrap_err().0, "invalid signature");
        let mut upper = frames_for(&signer, &json!({"code": "x"}));
        let at = upper.iter().position(|f| f.as_ref() == DELIMITER).unwrap() + 1;
        upper[at] = Bytes::from(String::from_utf8_lossy(&upper[at]).to_uppercase());
        assert_eq!(decode(upper, &signer).unwrap_err().0, "invalid signature", "uppercase hex of a valid MAC");
        let unsigned = frames_for(&Signer::new("", "").unwrap(), &json!({}));
        assert_eq!(decode(unsigned, &signer).unwrap_err().0, "unsigned message");
        let mut tampered = frames_for(&signer, &json!({"code": "a"}));
        let n = tampered.len();
        tampered[n - 1] = Bytes::from_static(b"{\"code\": \"b\"}");
        assert!(decode(tampered, &signer).is_err());
    }

    #[test]
    fn empty_key_means_no_signing() {
        let signer = Signer::new("", "hmac-sha256").unwrap();
        let frames = frames_for(&signer, &json!({}));
        assert!(frames[2].is_empty());
        assert!(decode(frames, &signer).is_ok());
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        let signer = Signer::new("", "").unwrap();
        assert!(decode(vec![], &signer).is_err());
        assert!(decode(vec![Bytes::from_static(DELIMITER)], &signer).is_err());
        let junk: Vec<Bytes> =
            vec![DELIMITER, b"", b"not json", b"{}", b"{}", b"{}"].into_iter().map(Bytes::from_static).collect();
        assert!(decode(junk, &signer).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any frames (random bytes, a delimiter anywhere, a valid message with one byte
            /// changed) are decoded or rejected, never a panic; a changed signed message is rejected.
            #[test]
            fn any_frames_are_decoded_or_rejected(
                frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..9),
                delimiter_at in 0usize..9,
                flip in 0usize..2000,
            ) {
                let signer = Signer::new("key", "hmac-sha256").unwrap();
                let mut frames: Vec<Bytes> = frames.into_iter().map(Bytes::from).collect();
                let at = delimiter_at.min(frames.len());
                frames.insert(at, Bytes::from_static(DELIMITER));
                let _ = decode(frames.clone(), &signer);
                let _ = decode(frames, &Signer::new("", "").unwrap());

                let good = frames_for(&signer, &json!({"code": "SELECT 'größe';"}));
                let total: usize = good.iter().skip(2).map(|f| f.len()).sum();
                let mut offset = flip % total;
                let mut tampered = good.clone();
                for frame in tampered.iter_mut().skip(2) {
                    if offset < frame.len() {
                        let mut bytes = frame.to_vec();
                        bytes[offset] ^= 0x01;
                        *frame = Bytes::from(bytes);
                        break;
                    }
                    offset -= frame.len();
                }
                prop_assert!(decode(tampered, &signer).is_err());
            }
        }
    }
}
