//! A quick check of the rows servers send most: flat arrays of numbers, strings without
//! escapes, booleans and nulls. Checking each row is most of the cost of reading a push query,
//! and serde_json's general checker takes about twice as long on these rows. This one only
//! ever accepts valid JSON; for anything else (nested values, escapes, errors) it says `None`
//! and serde_json decides, so error messages stay serde_json's.

/// The length of the flat array at the start of `b`, when it is one and is valid JSON.
pub(super) fn flat_array_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let mut i = skip_space(b, 1);
    if b.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    loop {
        i = skip_space(b, scalar_end(b, i)?);
        match b.get(i)? {
            b',' => i = skip_space(b, i + 1),
            b']' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Whether `b` is exactly one flat array, with whitespace around allowed.
pub(super) fn is_flat_array(b: &[u8]) -> bool {
    let start = skip_space(b, 0);
    b.get(start..).and_then(flat_array_len).is_some_and(|len| skip_space(b, start + len) == b.len())
}

/// JSON's four whitespace bytes (not form feed, which Rust's ASCII whitespace includes).
fn skip_space(b: &[u8], i: usize) -> usize {
    i + b.get(i..).map_or(0, |rest| rest.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')).count())
}

fn scalar_end(b: &[u8], i: usize) -> Option<usize> {
    let word = |w: &[u8]| b[i..].starts_with(w).then_some(i + w.len());
    match *b.get(i)? {
        b'"' => string_end(b, i + 1),
        b't' => word(b"true"),
        b'f' => word(b"false"),
        b'n' => word(b"null"),
        b'-' | b'0'..=b'9' => number_end(b, i),
        _ => None,
    }
}

/// After the closing quote of a string whose text starts at `i`: no escapes, no control bytes,
/// valid UTF-8.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let len = memchr::memchr(b'"', b.get(i..)?)?;
    let text = &b[i..i + len];
    if text.iter().any(|&c| c < 0x20 || c == b'\\') {
        return None;
    }
    if !text.is_ascii() {
        std::str::from_utf8(text).ok()?;
    }
    Some(i + len + 1)
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits_end(b, i),
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        let end = digits_end(b, i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits_end(b, i);
        if end == i {
            return None;
        }
        i = end;
    }
    Some(i)
}

fn digits_end(b: &[u8], i: usize) -> usize {
    i + b.get(i..).map_or(0, |rest| rest.iter().take_while(|c| c.is_ascii_digit()).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IgnoredAny;

    fn serde_len(b: &[u8]) -> Option<usize> {
        let mut values = serde_json::Deserializer::from_slice(b).into_iter::<IgnoredAny>();
        match values.next() {
            Some(Ok(_)) => Some(values.byte_offset()),
            _ => None,
        }
    }

    #[test]
    fn whole_texts() {
        assert!(is_flat_array(b" [1, 2]\r\n"));
        assert!(!is_flat_array(b"\x0c[1]"));
        assert!(!is_flat_array(b"[1] x"));
        assert!(!is_flat_array(b""));
    }

    #[test]
    fn flat_rows_are_measured_and_the_rest_left_to_serde() {
        let accepted: [&[u8]; 6] = [
            br#"[1,"a",12.50,null,true,false]"#,
            b"[ -0 , 1e5,2.5E-3 ,\"\xc3\xa9\"\t]",
            b"[]",
            br#"[99999999999999999999999, -1.0e+999]"#,
            b"[\"x\x7f\"]",
            br#"["]",1]]"#,
        ];
        for row in accepted {
            let len = flat_array_len(row);
            assert_eq!(len, serde_len(row), "{}", String::from_utf8_lossy(row));
            assert!(len.is_some(), "{}", String::from_utf8_lossy(row));
        }
        let left: [&[u8]; 14] = [
            b"[1,]",
            b"[01]",
            b"[1.]",
            b"[.5]",
            b"[-]",
            b"[1e]",
            b"[tru]",
            b"[\"a\\\"b\"]",
            b"[[1]]",
            b"[{}]",
            b"[\"\x01\"]",
            b"[\"\xff\"]",
            b"[1 2]",
            b"[1,\x0c2]",
        ];
        for row in left {
            assert_eq!(flat_array_len(row), None, "{}", String::from_utf8_lossy(row));
        }
    }

    fn scalar() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
            "[ -~]{0,8}".prop_map(serde_json::Value::from),
            ".{0,4}".prop_map(serde_json::Value::from),
        ]
    }

    /// Bytes that make JSON, and some that break it.
    const ALPHABET: &[u8] = b"[]{},:\"\\ -+.eE0123456789tfnrulasx\t\n\x0c\x01\xc3\xa9";

    proptest! {
        /// Whatever it accepts, serde_json accepts with the same length.
        #[test]
        fn accepts_only_what_serde_accepts(bytes in prop::collection::vec(prop::sample::select(ALPHABET), 0..40)) {
            let mut row = b"[".to_vec();
            row.extend_from_slice(&bytes);
            if let Some(len) = flat_array_len(&row) {
                prop_assert_eq!(Some(len), serde_len(&row), "{}", String::from_utf8_lossy(&row));
            }
        }

        /// Flat rows as a server writes them are accepted.
        #[test]
        fn accepts_written_flat_rows(values in prop::collection::vec(scalar(), 0..6)) {
            let text = serde_json::to_vec(&values).unwrap();
            let escapes = text.contains(&b'\\');
            prop_assert_eq!(flat_array_len(&text), if escapes { None } else { Some(text.len()) });
        }
    }
}
