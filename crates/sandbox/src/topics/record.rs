//! A record as a topic keeps it: its metadata and its bytes in one allocation behind a thin
//! pointer, shared by count between the topic's log, the engine's queue and the readers.
//!
//! A topic holds up to a million records, and each byte and allocation costs memory and,
//! when retention frees them, time; so what most records lack (a window, headers) costs
//! them little: the window's bounds go with the bytes, the headers out of line. Before,
//! a record was an `Arc<Record>` holding a boxed slice: two allocations and a pointer to
//! follow to reach the bytes.

use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;

use triomphe::ThinArc;

/// A record header: name and value bytes (None: a null value).
pub type Header = (String, Option<Vec<u8>>);

/// A record: [`RecordMeta`] (read through it: `rec.timestamp`) and the bytes of its window,
/// key and value. Cloning one shares it; its partition and offset are set when appended.
#[derive(Clone, PartialEq)]
pub struct Record(ThinArc<RecordMeta, u8>);

/// What a record holds beside its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordMeta {
    pub timestamp: i64,
    pub offset: u64,
    pub partition: u32,
    /// Length of the key's bytes: a key cannot reach 4 GiB (requests are at most 16 MiB).
    key_len: u32,
    /// Rarely present, so kept out of line: the box's thin pointer costs 8 bytes.
    #[allow(clippy::box_collection)]
    headers: Option<Box<Vec<Header>>>,
}

/// The flags byte at the start of a record's bytes, then the window's bounds when windowed,
/// the key's bytes, the value's. No bytes at all: no key, no value, no window.
struct Layout;

impl Layout {
    const HAS_KEY: u8 = 1;
    const HAS_VALUE: u8 = 2;
    const WINDOWED: u8 = 4;
    /// A window's start and end, big-endian i64s after the flags.
    const WINDOW_BYTES: usize = 16;
}

/// The room the thread's packing buffer keeps between records.
const KEPT_SCRATCH: usize = 64 << 10;

thread_local! {
    /// Where [`Record::windowed`] packs a record's bytes before they are copied into it.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Deref for Record {
    type Target = RecordMeta;
    fn deref(&self) -> &RecordMeta {
        &self.0.header.header
    }
}

impl Record {
    /// A record without headers or window, its partition and offset set when appended.
    pub fn new(key: Option<Vec<u8>>, value: Option<Vec<u8>>, timestamp: i64) -> Record {
        Record::windowed(key.as_deref(), value.as_deref(), timestamp, None)
    }

    /// [`Record::new`] with the bounds of a windowed key.
    pub fn windowed(key: Option<&[u8]>, value: Option<&[u8]>, timestamp: i64, window: Option<(i64, i64)>) -> Record {
        fn copy(part: Option<&[u8]>) -> impl FnOnce(&mut Vec<u8>) -> Result<bool, String> + '_ {
            move |out| {
                out.extend_from_slice(part.unwrap_or_default());
                Ok(part.is_some())
            }
        }
        SCRATCH.with_borrow_mut(|scratch| {
            let record = Record::assemble(scratch, timestamp, window, copy(key), copy(value));
            // A large record's bytes are not kept: `shrink_to` keeps what the buffer holds.
            scratch.clear();
            scratch.shrink_to(KEPT_SCRATCH);
            record.expect("copying bytes cannot fail")
        })
    }

    /// A record whose key and value bytes `write_key` and `write_value` append to a buffer
    /// (each answers whether there is one: false is no key, no value). `scratch` is the
    /// caller's, reused from record to record, so the record is allocated once.
    pub fn assemble(
        scratch: &mut Vec<u8>,
        timestamp: i64,
        window: Option<(i64, i64)>,
        write_key: impl FnOnce(&mut Vec<u8>) -> Result<bool, String>,
        write_value: impl FnOnce(&mut Vec<u8>) -> Result<bool, String>,
    ) -> Result<Record, String> {
        scratch.clear();
        scratch.push(0);
        if let Some((start, end)) = window {
            scratch.extend_from_slice(&start.to_be_bytes());
            scratch.extend_from_slice(&end.to_be_bytes());
        }
        let key_start = scratch.len();
        let has_key = write_key(scratch)?;
        scratch.truncate(if has_key { scratch.len() } else { key_start });
        let key_len = scratch.len() - key_start;
        let value_start = scratch.len();
        let has_value = write_value(scratch)?;
        scratch.truncate(if has_value { scratch.len() } else { value_start });
        let flags = if has_key { Layout::HAS_KEY } else { 0 }
            | if has_value { Layout::HAS_VALUE } else { 0 }
            | if window.is_some() { Layout::WINDOWED } else { 0 };
        scratch[0] = flags;
        let bytes: &[u8] = if flags == 0 { &[] } else { scratch };
        let key_len = u32::try_from(key_len).unwrap_or(u32::MAX);
        let meta = RecordMeta { timestamp, offset: 0, partition: 0, key_len, headers: None };
        Ok(Record(ThinArc::from_header_and_slice(meta, bytes)))
    }

    fn bytes(&self) -> &[u8] {
        &self.0.slice
    }

    fn flags(&self) -> u8 {
        self.bytes().first().copied().unwrap_or(0)
    }

    /// Where the key's bytes start.
    fn key_start(&self) -> usize {
        match self.flags() {
            0 => 0,
            f if f & Layout::WINDOWED != 0 => 1 + Layout::WINDOW_BYTES,
            _ => 1,
        }
    }

    pub fn key(&self) -> Option<&[u8]> {
        let start = self.key_start();
        (self.flags() & Layout::HAS_KEY != 0).then(|| &self.bytes()[start..start + self.key_len as usize])
    }

    pub fn value(&self) -> Option<&[u8]> {
        let start = self.key_start() + self.key_len as usize;
        (self.flags() & Layout::HAS_VALUE != 0).then(|| &self.bytes()[start..])
    }

    /// Window bounds (start, end) when the key is windowed.
    pub fn window(&self) -> Option<(i64, i64)> {
        if self.flags() & Layout::WINDOWED == 0 {
            return None;
        }
        let bound = |at: usize| i64::from_be_bytes(self.bytes()[at..at + 8].try_into().expect("8 bytes"));
        Some((bound(1), bound(9)))
    }

    pub fn headers(&self) -> &[Header] {
        self.headers.as_deref().map_or(&[], |h| h.as_slice())
    }

    /// Lengths of the key's and value's bytes (what retention counts of them).
    pub(super) fn data_len(&self) -> usize {
        self.bytes().len() - self.key_start()
    }

    pub fn set_headers(&mut self, headers: Vec<Header>) {
        if headers.is_empty() && self.headers.is_none() {
            return; // most records: nothing to change, and no copy of a shared record
        }
        self.update(|meta| meta.headers = (!headers.is_empty()).then(|| Box::new(headers)));
    }

    /// Its partition and offset, given when a topic appends it.
    pub(super) fn place(&mut self, partition: u32, offset: u64) {
        self.update(|meta| {
            meta.partition = partition;
            meta.offset = offset;
        });
    }

    pub fn set_window(&mut self, window: Option<(i64, i64)>) {
        if window != self.window() {
            let packed = Record::windowed(self.key(), self.value(), self.timestamp, window);
            self.repack_as(packed);
        }
    }

    pub fn set_key_value(&mut self, key: Option<&[u8]>, value: Option<&[u8]>) {
        let packed = Record::windowed(key, value, self.timestamp, self.window());
        self.repack_as(packed);
    }

    /// Takes `packed`'s bytes under this record's metadata (headers are rare: copied, where
    /// moving them out of a shared record would copy its bytes first).
    fn repack_as(&mut self, mut packed: Record) {
        let meta = RecordMeta { key_len: packed.key_len, ..(**self).clone() };
        packed.update(|m| *m = meta);
        *self = packed;
    }

    /// Changes the metadata in place when nothing else holds the record (a record being
    /// built or appended), else in a copy of it.
    fn update(&mut self, change: impl FnOnce(&mut RecordMeta)) {
        if ThinArc::strong_count(&self.0) != 1 {
            *self = Record(ThinArc::from_header_and_slice((**self).clone(), self.bytes()));
        }
        let mut change = Some(change);
        self.0.with_arc_mut(|arc| {
            if let (Some(unique), Some(change)) = (triomphe::Arc::get_mut(arc), change.take()) {
                change(unique.header_mut());
            }
        });
        debug_assert!(change.is_none(), "a record copied for a change is its copy's only holder");
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("timestamp", &self.timestamp)
            .field("partition", &self.partition)
            .field("offset", &self.offset)
            .field("window", &self.window())
            .field("key", &self.key())
            .field("value", &self.value().map(String::from_utf8_lossy))
            .field("headers", &self.headers())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record another holder shares changes in a copy (the other keeps what it read); one
    /// held once changes in place.
    #[test]
    fn a_shared_record_changes_in_a_copy() {
        let mut r = Record::windowed(Some(b"k"), Some(b"v"), 5, Some((1, 2)));
        let first = r.0.ptr();
        r.place(3, 7);
        assert_eq!(r.0.ptr(), first, "held once: changed in place");
        let kept = r.clone();
        r.set_headers(vec![("h".into(), Some(b"x".to_vec()))]);
        r.place(4, 8);
        assert_eq!((kept.partition, kept.offset, kept.headers().len()), (3, 7, 0));
        assert_eq!((r.partition, r.offset, r.headers().len()), (4, 8, 1));
        assert_eq!((r.key(), r.value(), r.window(), r.timestamp), (kept.key(), kept.value(), kept.window(), 5));
        let headers = r.headers().to_vec();
        r.set_key_value(Some(b"k2"), None);
        assert_eq!((r.key(), r.value(), r.headers(), r.offset), (Some(&b"k2"[..]), None, &headers[..], 8));
        let same = r.0.ptr();
        r.set_window(r.window());
        assert_eq!(r.0.ptr(), same, "the same window: nothing packed again");
        r.set_window(None);
        assert_eq!(
            (r.key(), r.window(), r.headers(), r.offset, r.partition),
            (Some(&b"k2"[..]), None, &headers[..], 8, 4)
        );
    }
}
