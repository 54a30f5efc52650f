//! Drops signed messages that were already received: a captured, correctly signed request
//! must not run twice. Like jupyter_client's Session, it remembers recent signatures (HMACs
//! are unique per message since each header has a fresh msg_id and date), within a bound.

use std::collections::{HashSet, VecDeque};

/// How many recent signatures are remembered (jupyter_client keeps 2^16 too).
pub const REMEMBERED_SIGNATURES: usize = 1 << 16;

/// The signatures of the last [`REMEMBERED_SIGNATURES`] signed messages, oldest first out.
#[derive(Debug)]
pub struct ReplayGuard {
    seen: HashSet<Vec<u8>>,
    order: VecDeque<Vec<u8>>,
    capacity: usize,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self::with_capacity(REMEMBERED_SIGNATURES)
    }
}

impl ReplayGuard {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { seen: HashSet::new(), order: VecDeque::new(), capacity: capacity.max(1) }
    }

    /// True the first time a signature is offered; false for a replay. Empty signatures
    /// (signing off) are never remembered.
    pub fn first_time(&mut self, signature: &[u8]) -> bool {
        if signature.is_empty() {
            return true;
        }
        if self.seen.contains(signature) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.seen.insert(signature.to_vec());
        self.order.push_back(signature.to_vec());
        true
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_signature_is_a_replay() {
        let mut guard = ReplayGuard::default();
        assert!(guard.first_time(b"aa"));
        assert!(guard.first_time(b"bb"));
        assert!(!guard.first_time(b"aa"));
        assert!(guard.first_time(b""), "unsigned messages are not tracked");
        assert!(guard.first_time(b""));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_are_forgotten() {
        let mut guard = ReplayGuard::with_capacity(3);
        for s in [b"1", b"2", b"3", b"4"] {
            assert!(guard.first_time(s));
        }
        assert_eq!(guard.len(), 3);
        assert!(!guard.first_time(b"4"));
        assert!(guard.first_time(b"1"), "the oldest was forgotten");
    }
}
