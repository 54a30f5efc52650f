//! Rows kept as the bytes the server sent (one JSON array each), parsed only when needed.
//!
//! A live view shows a few rows out of millions: parsing every row into `serde_json::Value`s
//! costs more than reading it. In raw mode a parser checks each row cheaply (valid JSON, an
//! array, with `IgnoredAny`: no allocation) and copies its bytes into the chunk's batch; the
//! view parses the rows it shows, and a table view only the key columns of each row.

use std::fmt;

use bytes::Bytes;
use serde::de::{DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use super::QueryEvent;

/// The rows of one chunk of the response, in order: their bytes end to end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowBatch {
    data: Vec<u8>,
    /// (end offset in `data`, tombstone) per row; a row starts where the previous one ends.
    ends: Vec<(u32, bool)>,
}

impl RowBatch {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn tombstones(&self) -> usize {
        self.ends.iter().filter(|(_, t)| *t).count()
    }

    fn push(&mut self, row: &[u8], tombstone: bool) {
        self.data.extend_from_slice(row);
        self.ends.push((self.data.len() as u32, tombstone));
    }

    /// The rows' bytes and tombstone flags, borrowed.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], bool)> {
        let starts = std::iter::once(0).chain(self.ends.iter().map(|(end, _)| *end));
        starts.zip(&self.ends).map(|(start, &(end, tombstone))| (&self.data[start as usize..end as usize], tombstone))
    }

    /// The rows from the `skip`-th on, each a slice of one shared buffer.
    pub fn into_rows(self, skip: usize) -> impl Iterator<Item = RawRow> {
        let data = Bytes::from(self.data);
        let first = match skip {
            0 => 0,
            n => self.ends.get(n - 1).map_or(0, |(end, _)| *end),
        };
        self.ends.into_iter().skip(skip).scan(first, move |start, (end, tombstone)| {
            let bytes = data.slice(*start as usize..end as usize);
            *start = end;
            Some(RawRow { bytes, tombstone })
        })
    }

    /// The last `n` rows. When they are a small part of the batch they get their own buffer,
    /// so that a view keeping a few rows does not keep whole batches alive.
    pub fn last_rows(self, n: usize) -> Vec<RawRow> {
        let skip = self.len().saturating_sub(n);
        let start = if skip == 0 { 0 } else { self.ends[skip - 1].0 as usize };
        if skip == 0 || (self.data.len() - start) * 4 >= self.data.len() {
            return self.into_rows(skip).collect();
        }
        let compact = RowBatch {
            data: self.data[start..].to_vec(),
            ends: self.ends[skip..].iter().map(|&(end, t)| (end - start as u32, t)).collect(),
        };
        compact.into_rows(0).collect()
    }
}

/// Appends a checked row to the batch at the end of `out`, starting one if needed, so that
/// batches and other events stay in arrival order. Rows outgrowing a batch's `u32` offsets
/// start a new one.
pub(super) fn push_raw(out: &mut Vec<QueryEvent>, row: &[u8], tombstone: bool) {
    if let Some(QueryEvent::Rows(batch)) = out.last_mut() {
        if batch.data.len() + row.len() <= u32::MAX as usize {
            batch.push(row, tombstone);
            return;
        }
    }
    let mut batch = RowBatch::default();
    batch.push(row, tombstone);
    out.push(QueryEvent::Rows(batch));
}

/// Whether `bytes` is exactly one JSON array (whitespace around allowed), without building it.
pub(super) fn is_json_array(bytes: &[u8]) -> Result<(), serde_json::Error> {
    if super::flat::is_flat_array(bytes) {
        return Ok(());
    }
    let valid = serde_json::from_slice::<IgnoredAny>(bytes).is_ok();
    if valid && bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Ok(());
    }
    // The error a full parse gives, so that messages do not depend on the mode.
    match serde_json::from_slice::<Vec<Value>>(bytes) {
        Err(e) => Err(e),
        Ok(_) => Err(serde::de::Error::custom("a row is not a JSON array")),
    }
}

/// One row as its JSON array text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub bytes: Bytes,
    pub tombstone: bool,
}

impl RawRow {
    /// The values, with numbers exactly as sent. The parser checked the row, so this does not
    /// fail; if it ever did, the row's text is shown instead of losing it.
    pub fn values(&self) -> Vec<Value> {
        parse_row_values(&self.bytes)
    }

    /// The values at `indexes` (sorted or not; absent ones are null), without building the others.
    pub fn values_at(&self, indexes: &[usize]) -> Vec<Value> {
        row_values_at(&self.bytes, indexes)
    }
}

/// The values at `indexes` of a row's JSON array text (see [`RawRow::values_at`]).
pub fn row_values_at(bytes: &[u8], indexes: &[usize]) -> Vec<Value> {
    let mut picked = vec![Value::Null; indexes.len()];
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let _ = Pick { indexes, picked: &mut picked }.deserialize(&mut de);
    picked
}

/// The values of a row's JSON array text, with numbers exactly as sent (see [`RawRow::values`]).
pub fn parse_row_values(bytes: &[u8]) -> Vec<Value> {
    serde_json::from_slice(bytes).unwrap_or_else(|_| vec![Value::String(String::from_utf8_lossy(bytes).into_owned())])
}

/// Separates the values in a key text: a control byte never appears raw in JSON text.
const KEY_SEPARATOR: u8 = 0x1f;

/// The JSON text of the columns at `indexes` (in column order), without building values: a key
/// to find a row's slot by (ksqlDB writes equal values as equal text). One key column's text
/// is borrowed from the row; several are joined in `scratch`.
pub fn row_key_text<'a>(bytes: &'a [u8], indexes: &[usize], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    if let [index] = indexes {
        let mut found: &[u8] = b"";
        scan_elements(bytes, *index, |i, text| {
            if i == *index {
                found = text;
            }
        });
        return found;
    }
    scratch.clear();
    let last = indexes.iter().copied().max().unwrap_or(0);
    scan_elements(bytes, last, |i, text| {
        if indexes.contains(&i) {
            if !scratch.is_empty() {
                scratch.push(KEY_SEPARATOR);
            }
            scratch.extend_from_slice(text);
        }
    });
    scratch
}

/// [`row_key_text`] of values already parsed, written to `out`.
pub fn values_key_text(values: &[Value], indexes: &[usize], out: &mut Vec<u8>) {
    let last = indexes.iter().copied().max().unwrap_or(0);
    for (i, value) in values.iter().enumerate().take(last + 1) {
        if indexes.contains(&i) {
            if !out.is_empty() {
                out.push(KEY_SEPARATOR);
            }
            let _ = serde_json::to_writer(&mut *out, value);
        }
    }
}

/// Calls `f(index, text)` for the top-level elements of a row's array text, up to index `last`.
/// The parser checked the row, so finding the elements' ends is enough: strings are skipped
/// to their closing quote, nested values by bracket depth. On text that is not a checked row
/// it stops early (and never reads out of bounds).
fn scan_elements<'a>(bytes: &'a [u8], last: usize, mut f: impl FnMut(usize, &'a [u8])) {
    let Some(open) = memchr::memchr(b'[', bytes) else { return };
    let mut i = open + 1;
    for index in 0..=last {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let start = i;
        let mut depth = 0u32;
        let end = loop {
            match bytes.get(i) {
                None => return,
                Some(b'"') => i = string_end(bytes, i + 1),
                Some(b'[' | b'{') => {
                    depth += 1;
                    i += 1;
                }
                Some(b',' | b']') if depth == 0 => break i,
                Some(b']' | b'}') => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                Some(_) => i += 1,
            }
        };
        if end > start {
            f(index, bytes[start..end].trim_ascii_end());
        }
        if bytes[end] == b']' {
            return;
        }
        i = end + 1;
    }
}

/// The index after the closing quote of the string whose text starts at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(found) = bytes.get(i..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
        if bytes[i + found] == b'"' {
            return i + found + 1;
        }
        i += found + 2; // an escape: the next byte is never the end
    }
    bytes.len()
}

/// Deserializes an array keeping only the elements at `indexes`.
struct Pick<'a> {
    indexes: &'a [usize],
    picked: &'a mut [Value],
}

impl<'de> DeserializeSeed<'de> for Pick<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Pick<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let last = self.indexes.iter().copied().max();
        let mut i = 0usize;
        while Some(i) <= last {
            match self.indexes.iter().position(|&k| k == i) {
                Some(slot) => match seq.next_element::<Value>()? {
                    Some(v) => {
                        // Several slots may name the same column.
                        for (k, &index) in self.indexes.iter().enumerate().skip(slot) {
                            if index == i {
                                self.picked[k] = v.clone();
                            }
                        }
                    }
                    None => return Ok(()),
                },
                None => {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        return Ok(());
                    }
                }
            }
            i += 1;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batches_keep_rows_in_order_and_parse_on_demand() {
        let mut out = Vec::new();
        push_raw(&mut out, br#"[1,"a",12.50]"#, false);
        push_raw(&mut out, br#"[2,null,99999999999999999999]"#, true);
        let [QueryEvent::Rows(batch)] = out.as_slice() else { panic!("{out:?}") };
        assert_eq!((batch.len(), batch.tombstones()), (2, 1));
        let rows: Vec<RawRow> = batch.clone().into_rows(0).collect();
        assert_eq!(rows[0].values(), vec![json!(1), json!("a"), serde_json::from_str::<Value>("12.50").unwrap()]);
        assert_eq!(rows[1].values()[2].to_string(), "99999999999999999999");
        assert!(rows[1].tombstone);
        assert_eq!(rows[0].values_at(&[1, 0, 7]), vec![json!("a"), json!(1), Value::Null]);
        let borrowed: Vec<(&[u8], bool)> = batch.iter().collect();
        assert_eq!(borrowed, vec![(&br#"[1,"a",12.50]"#[..], false), (&br#"[2,null,99999999999999999999]"#[..], true)]);
        let last: Vec<RawRow> = batch.clone().into_rows(1).collect();
        assert_eq!(last, rows[1..]);
        assert_eq!(batch.clone().last_rows(1), rows[1..]);
        assert_eq!(batch.clone().last_rows(5), rows);
        let mut big = RowBatch::default();
        for i in 0..100 {
            big.push(format!("[{i}]").as_bytes(), false);
        }
        let kept = big.last_rows(2);
        assert_eq!(kept.iter().map(RawRow::values).collect::<Vec<_>>(), vec![vec![json!(98)], vec![json!(99)]]);
    }

    #[test]
    fn key_texts_of_raw_and_parsed_rows_agree() {
        let rows: [&[u8]; 5] = [
            br#"[1, "a\"b", 12.50, {"x": [1]}]"#,
            r#"[99999999999999999999,"","é",null]"#.as_bytes(),
            b"[7]",
            br#"[ "a]\\" , [1, [2, "]"]], "x,y" , {"}": "{"} ]"#,
            br#"[[], {}, "\\\"", -1.5e3]"#,
        ];
        for row in rows {
            let values: Vec<Value> = serde_json::from_slice(row).unwrap();
            for indexes in [&[0usize][..], &[2, 0], &[1, 3], &[5]] {
                let (mut scratch, mut parsed) = (Vec::new(), Vec::new());
                let raw = row_key_text(row, indexes, &mut scratch).to_vec();
                values_key_text(&values, indexes, &mut parsed);
                let raw_values: Vec<Value> = raw
                    .split(|&b| b == KEY_SEPARATOR)
                    .filter(|p| !p.is_empty())
                    .map(|p| serde_json::from_slice(p).unwrap())
                    .collect();
                let parsed_values: Vec<Value> = parsed
                    .split(|&b| b == KEY_SEPARATOR)
                    .filter(|p| !p.is_empty())
                    .map(|p| serde_json::from_slice(p).unwrap())
                    .collect();
                assert_eq!(raw_values, parsed_values, "{indexes:?} of {}", String::from_utf8_lossy(row));
            }
        }
        let mut scratch = Vec::new();
        let key = |row: &[u8], indexes: &[usize]| row_key_text(row, indexes, &mut Vec::new()).to_vec();
        assert_eq!(key(b"[1,2]", &[0]), key(b"[1,3]", &[0]));
        assert_ne!(key(b"[1,2]", &[0]), key(b"[2,2]", &[0]));
        assert_eq!(row_key_text(b"[1, \"a\" ,3]", &[1], &mut scratch), br#""a""#);
        assert_eq!(row_key_text(b"[1,\"a\",3]", &[2, 0], &mut scratch), b"1\x1f3");
    }

    #[test]
    fn only_arrays_are_rows() {
        assert!(is_json_array(b" [1, {\"a\": [2]}] ").is_ok());
        for bad in [&b"{\"a\":1}"[..], b"[1,", b"[1]]", b"1", b""] {
            assert!(is_json_array(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
