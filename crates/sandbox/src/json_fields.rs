//! A JSON-format record's fields read straight into typed column values: one pass over the
//! bytes, the object's own fields matched to columns by name, fields no column reads
//! skipped, no `serde_json::Value` (and its ordered map) built for the whole record.
//!
//! Anything unusual (not an object, a field named twice, a value that does not convert)
//! answers None, and the caller takes the general path, which gives ksqlDB's errors.

use std::fmt;

use jiter::{Jiter, NumberAny, NumberInt, Peek};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value as J;

use crate::json_flat::{Flat, FlatObject, Unsupported};
use crate::types::{discard, from_json, json_number_as, SqlType, Value};

/// The columns' values from a JSON object (missing fields are NULL), or None (see above).
pub fn read(bytes: &[u8], cols: &[(String, SqlType)]) -> Option<Vec<Value>> {
    let mut values = Vec::with_capacity(cols.len());
    read_into(bytes, cols, &[], &mut values).then_some(values)
}

/// [`read`], the values appended to `out` (a decoded row), so that no list of them is
/// allocated on the way. False (and `out` as it was): see above.
///
/// Each STRING column marked in `unread` (by position; a shorter list marks none) is left
/// NULL: its text is checked as the column's reading would check it, but no `String` is
/// made. A string converts to STRING without fail, so the record reads (or fails) exactly
/// as it would with the column read.
pub fn read_into(bytes: &[u8], cols: &[(String, SqlType)], unread: &[bool], out: &mut Vec<Value>) -> bool {
    let start = out.len();
    // Not `resize`, which clones its NULL into each place.
    out.extend(std::iter::repeat_with(|| Value::Null).take(cols.len()));
    let values = &mut out[start..];
    // Most records are flat objects of plain values: read in one tight loop, or, when the
    // record goes beyond that reader, read again from the start with jiter.
    let read = read_flat(bytes, cols, unread, values).is_ok() || {
        values.fill(Value::Null);
        // jiter checks the UTF-8 of what it reads, not of what it skips: a record that is
        // not UTF-8 anywhere goes to the general path, which refuses it as ksqlDB's does.
        std::str::from_utf8(bytes).is_ok() && read_fields(&mut Jiter::new(bytes), cols, unread, values).is_some()
    };
    if !read {
        out.truncate(start);
    }
    read
}

/// [`read_fields`] for a flat object of plain values (see [`json_flat`]), reading exactly
/// what jiter would read; Unsupported (and `values` partly filled) when the record needs
/// more: a nested or escaped value, a name twice, a value its column converts.
fn read_flat(
    bytes: &[u8],
    cols: &[(String, SqlType)],
    unread: &[bool],
    values: &mut [Value],
) -> Result<(), Unsupported> {
    with_marks(cols.len(), |filled| {
        let mut object = FlatObject::open(bytes)?;
        // Records mostly list their fields in column order (the sandbox's own writer does):
        // the column after the last one found is tried first.
        let mut next = 0;
        while let Some((name, value)) = object.next_field()? {
            let expected = cols.get(next).filter(|(n, _)| n == name).map(|_| (next, true));
            let Some((i, is_exact)) = expected.or_else(|| column_of(cols, name)) else { continue };
            next = i + 1;
            match claim(filled, i, is_exact).ok_or(Unsupported)? {
                Claim::Take => {
                    let v = flat_value(value, &cols[i].1, unread.get(i) == Some(&true))?;
                    discard(std::mem::replace(&mut values[i], v));
                }
                Claim::Skip => {}
            }
        }
        Ok(())
    })
}

/// A plain value as column type `t` (`unread`: a STRING column no query reads, left NULL),
/// as [`field_value`] converts it; Unsupported where that takes a conversion.
#[inline(always)]
pub(crate) fn flat_value(value: Flat, t: &SqlType, unread: bool) -> Result<Value, Unsupported> {
    Ok(match (value, t) {
        (Flat::Null, _) => Value::Null,
        (Flat::Str(_), SqlType::String) if unread => Value::Null,
        (Flat::Str(s), SqlType::String) => Value::String(s.to_owned()),
        (Flat::Bool(b), SqlType::Boolean) => Value::Boolean(b),
        (Flat::Int(i, _), SqlType::Integer) => Value::Int(i as i32),
        (Flat::Int(i, _), SqlType::Bigint) => Value::Bigint(i),
        // "-0" is the integer 0; as a double it is -0.0.
        (Flat::Int(0, true), SqlType::Double) => Value::Double(-0.0),
        (Flat::Int(i, _), SqlType::Double) => Value::Double(i as f64),
        // Rust's parse rounds correctly, as jiter's does; past f64's range is jiter's to judge.
        (Flat::Fraction(text), SqlType::Double) => match text.parse::<f64>() {
            Ok(d) if d.is_finite() => Value::Double(d),
            _ => return Err(Unsupported),
        },
        _ => return Err(Unsupported),
    })
}

/// Per column how a field filled it: not yet, by its name in another case, by its exact name.
#[derive(Clone, Copy, PartialEq)]
enum Filled {
    No,
    OtherCase,
    Exact,
}

/// Records of up to this many columns keep their [`Filled`] marks on the stack.
const MARKS_INLINE: usize = 32;

/// The object's fields into `values` (one per column, NULL until a field fills it), read
/// with jiter: field names and strings borrowed from the bytes, numbers as their text, so a
/// flat record costs one pass and no allocation but its string values. Nested values are
/// read by serde_json from their own bytes. None: see the module's note.
fn read_fields(json: &mut Jiter, cols: &[(String, SqlType)], unread: &[bool], values: &mut [Value]) -> Option<()> {
    with_marks(cols.len(), |filled| {
        let mut key = json.next_object().ok()?;
        while let Some(name) = key {
            let Some((i, is_exact)) = column_of(cols, name) else {
                json.next_skip().ok()?;
                key = json.next_key().ok()?;
                continue;
            };
            match claim(filled, i, is_exact)? {
                Claim::Take => {
                    let skip = unread.get(i) == Some(&true) && cols[i].1 == SqlType::String;
                    values[i] = if skip && json.peek().ok()? == Peek::String {
                        json.known_str().ok()?;
                        Value::Null
                    } else {
                        field_value(json, &cols[i].1)?
                    };
                }
                Claim::Skip => json.next_skip().ok()?,
            }
            key = json.next_key().ok()?;
        }
        json.finish().ok()
    })
}

/// Runs `f` with a [`Filled`] mark per column, all `No` (on the stack for most records).
fn with_marks<R>(n: usize, f: impl FnOnce(&mut [Filled]) -> R) -> R {
    if n <= MARKS_INLINE {
        f(&mut [Filled::No; MARKS_INLINE][..n])
    } else {
        f(&mut vec![Filled::No; n])
    }
}

/// What a field found by its name does with its column.
enum Claim {
    Take,
    Skip,
}

/// A field naming column `i` (by its exact name or in another case): the first match, or
/// an exact one after one in another case, takes the column (the exact name wins, as the
/// general path has it); another case after the exact name is skipped; None: the name is
/// there twice, which the general path judges.
fn claim(filled: &mut [Filled], i: usize, is_exact: bool) -> Option<Claim> {
    match (filled[i], is_exact) {
        (Filled::No, _) | (Filled::OtherCase, true) => {
            filled[i] = if is_exact { Filled::Exact } else { Filled::OtherCase };
            Some(Claim::Take)
        }
        (Filled::Exact, false) => Some(Claim::Skip),
        _ => None,
    }
}

/// The column a field fills (and whether by its exact name), or None.
fn column_of(cols: &[(String, SqlType)], name: &str) -> Option<(usize, bool)> {
    if let Some(i) = cols.iter().position(|(n, _)| n == name) {
        return Some((i, true));
    }
    cols.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)).map(|i| (i, false))
}

/// The next value as column type `t`: strings and numbers directly, the rest through
/// [`from_json`] (ksqlDB's lenient conversions), as the general path converts them.
/// None: not valid JSON, or a value that does not convert.
pub(crate) fn field_value(json: &mut Jiter, t: &SqlType) -> Option<Value> {
    let convert = |j: J| from_json(&j, t).ok();
    let peek = json.peek().ok()?;
    match peek {
        Peek::Null => json.known_null().ok().map(|_| Value::Null),
        Peek::String => {
            let s = json.known_str().ok()?;
            match t {
                SqlType::String => Some(Value::String(s.to_owned())),
                _ => convert(J::String(s.to_owned())),
            }
        }
        Peek::True | Peek::False => convert(J::Bool(json.known_bool(peek).ok()?)),
        Peek::Array | Peek::Object => {
            let start = json.current_index();
            json.known_skip(peek).ok()?;
            convert(serde_json::from_slice(json.slice_to_current(start)).ok()?)
        }
        _ => {
            let start = json.current_index();
            // Integers and doubles as jiter decodes them (both correctly rounded, as the
            // text's own parse); the rest from the number's text.
            match (json.known_number(peek).ok()?, t) {
                (NumberAny::Int(NumberInt::Int(i)), SqlType::Integer) => Some(Value::Int(i as i32)),
                (NumberAny::Int(NumberInt::Int(i)), SqlType::Bigint) => Some(Value::Bigint(i)),
                // "-0" reads as the integer 0; as a double it is -0.0.
                (NumberAny::Int(NumberInt::Int(0)), SqlType::Double) if peek == Peek::Minus => {
                    Some(Value::Double(-0.0))
                }
                (NumberAny::Int(NumberInt::Int(i)), SqlType::Double) => Some(Value::Double(i as f64)),
                (NumberAny::Float(f), SqlType::Double) => Some(Value::Double(f)),
                _ => {
                    let text = std::str::from_utf8(json.slice_to_current(start)).ok()?;
                    json_number_as(text, t).or_else(|| convert(serde_json::from_str(text).ok()?))
                }
            }
        }
    }
}

/// A field's value as its column's type: strings directly, everything else through
/// [`from_json`] (ksqlDB's lenient conversions).
pub(crate) struct Typed<'a>(pub(crate) &'a SqlType);

impl Typed<'_> {
    fn convert<E: serde::de::Error>(&self, j: J) -> Result<Value, E> {
        from_json(&j, self.0).map_err(E::custom)
    }
}

impl<'de> DeserializeSeed<'de> for Typed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Typed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Value, E> {
        match self.0 {
            SqlType::String => Ok(Value::String(s.to_owned())),
            _ => self.convert(J::String(s.to_owned())),
        }
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Value, E> {
        self.convert(J::Bool(b))
    }
    // Integers into numeric columns directly, as [`from_json`] converts their text (which
    // here would be written out and parsed back for each field).
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Value, E> {
        match self.0 {
            SqlType::Integer => Ok(Value::Int(n as i32)),
            SqlType::Bigint => Ok(Value::Bigint(n)),
            SqlType::Double => Ok(Value::Double(n as f64)),
            _ => self.convert(J::from(n)),
        }
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Value, E> {
        match (self.0, i64::try_from(n)) {
            (SqlType::Integer | SqlType::Bigint | SqlType::Double, Ok(signed)) => self.visit_i64(signed),
            // Past i64, from_json reads the text as a double.
            (SqlType::Integer, Err(_)) => Ok(Value::Int(n as f64 as i32)),
            (SqlType::Bigint, Err(_)) => Ok(Value::Bigint(n as f64 as i64)),
            (SqlType::Double, Err(_)) => Ok(Value::Double(n as f64)),
            _ => self.convert(J::from(n)),
        }
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Value, E> {
        self.convert(J::from(n))
    }
    // Numbers: serde_json's arbitrary precision hands them over as a one-field map holding
    // their text, which numeric columns read directly. Objects: as serde_json reads them.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        use serde::de::Error;
        let mut object = serde_json::Map::new();
        match map.next_key_seed(FirstKeySeed)? {
            None => {}
            Some(FirstKey::Number) => {
                let text: String = map.next_value()?;
                if let Some(v) = json_number_as(&text, self.0) {
                    return Ok(v);
                }
                return self.convert(serde_json::from_str::<J>(&text).map_err(A::Error::custom)?);
            }
            Some(FirstKey::Field(name)) => {
                object.insert(name, map.next_value()?);
                while let Some((k, v)) = map.next_entry::<String, J>()? {
                    object.insert(k, v);
                }
            }
        }
        self.convert(J::Object(object))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        let j = J::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        self.convert(j)
    }
}

/// The first key of a map: serde_json's token for a number (arbitrary precision), or a field.
enum FirstKey {
    Number,
    Field(String),
}

/// serde_json's name for the one field of a number handed over as a map.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct FirstKeySeed;

impl<'de> DeserializeSeed<'de> for FirstKeySeed {
    type Value = FirstKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FirstKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FirstKeySeed {
    type Value = FirstKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, k: &str) -> Result<FirstKey, E> {
        Ok(if k == NUMBER_TOKEN { FirstKey::Number } else { FirstKey::Field(k.to_owned()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topics::json_text_columns;
    use proptest::strategy::Strategy;

    fn cols() -> Vec<(String, SqlType)> {
        [
            ("NAME", SqlType::String),
            ("V", SqlType::Double),
            ("N", SqlType::Bigint),
            ("OK", SqlType::Boolean),
            ("D", SqlType::Decimal { precision: Some(6), scale: Some(2) }),
            ("A", SqlType::Array(Box::new(SqlType::Integer))),
            ("Name2", SqlType::String),
            ("I", SqlType::Integer),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect()
    }

    /// Same values as the general path, or None where it would fail or is ambiguous.
    #[test]
    fn agrees_with_the_general_path() {
        let ok = [
            r#"{"NAME":"a\"b","V":1.5,"N":12345678901234,"OK":true,"D":1.5,"A":[1,2],"extra":{"x":[1]}}"#,
            r#"{"name":"x","v":"2.5","n":"7","ok":"false","d":"3.14159","Name2":"é"}"#,
            r#"{"V":1e3,"N":2.0,"NAME":12,"A":null}"#,
            r#"{}"#,
            r#"{"name":"ci","NAME":"exact"}"#,
            // Integers into each numeric type, at and past the ends of i32, i64 and u64.
            r#"{"I":2147483648,"N":9223372036854775807,"V":-9223372036854775808}"#,
            r#"{"I":-2147483649,"N":9223372036854775808,"V":18446744073709551615}"#,
            r#"{"I":18446744073709551615,"N":-1,"V":0,"D":12}"#,
            r#"{"I":100000000000000000000,"N":1e2,"V":-7}"#,
            r#"{"NAME":"exact","name":"ci"}"#,
            // Fractions into integer columns (truncated), exponents, and numbers as text.
            r#"{"I":-2.7,"N":3.9e1,"V":-0.5,"D":-1.25,"NAME":1.5e300}"#,
            r#"{"I":"12","N":-0.0,"V":"1e-3","OK":true,"A":[1.9,-2]}"#,
            // Escapes, text in other scripts, whitespace, nested values a column does not read.
            " { \"NAME\" : \"tab\\t \\u00e9 \\ud83d\\ude00 日本\" , \"x\" : [ {\"y\": [1, \"]\"]} ] } ",
            r#"{"A":[ 3 , 4 ],"D":"0.5","OK":false,"V":-1.5E-2,"NAME":null}"#,
        ];
        for text in ok {
            let general = json_text_columns(text.as_bytes(), &cols(), true).unwrap();
            assert_eq!(read(text.as_bytes(), &cols()), Some(general), "{text}");
        }
        for text in [
            r#"{"N":"x"}"#,
            r#"{"NAME":"a","NAME":"b"}"#,
            r#"{"name":"a","Name":"b"}"#,
            "[1]",
            "null",
            "12",
            r#"{"V":1"#,
            "{} x",
            // A lone surrogate, bad bytes, a number serde_json refuses, a cut-off nested value.
            r#"{"NAME":"\ud800"}"#,
            r#"{"V":01}"#,
            r#"{"A":[1,2}"#,
            r#"{"V":NaN}"#,
        ] {
            assert_eq!(read(text.as_bytes(), &cols()), None, "{text}");
        }
        assert_eq!(read(b"{\"NAME\":\"\xff\"}", &cols()), None, "not UTF-8");
        // Bad bytes where no column reads them, past what the flat reader takes (a nested
        // value): the general path refuses the record too.
        let skipped = b"{\"V\":1,\"x\":[\"\xff\"]}";
        assert_eq!(read(skipped, &cols()), None, "not UTF-8 in a skipped field");
        assert!(json_text_columns(skipped, &cols(), true).is_err());
        assert!(read(b"{\"V\":1,\"x\":[\"\xc3\xa9\"]}", &cols()).is_some(), "UTF-8 in a skipped field");
    }

    /// The flat reader alone (None: it leaves the record to jiter).
    fn flat_only(bytes: &[u8], cols: &[(String, SqlType)], unread: &[bool]) -> Option<Vec<Value>> {
        let mut values = vec![Value::Null; cols.len()];
        read_flat(bytes, cols, unread, &mut values).ok().map(|()| values)
    }

    /// The jiter reader alone (None: it leaves the record to the general path).
    fn jiter_only(bytes: &[u8], cols: &[(String, SqlType)], unread: &[bool]) -> Option<Vec<Value>> {
        let mut values = vec![Value::Null; cols.len()];
        read_fields(&mut Jiter::new(bytes), cols, unread, &mut values).map(|()| values)
    }

    /// Records of plain values are read by the flat reader, not handed on.
    #[test]
    fn plain_records_are_read_by_the_flat_reader() {
        let unread = [false, false, false, false, false, false, true];
        for text in [
            r#"{"NAME":"name12","V":45}"#,
            r#"{"NAME":"é","V":-1.5e3,"N":-7,"OK":false,"I":2147483648,"x":null,"name2":"skipped"}"#,
            " {\"v\" : 0.1 ,\n \"name\":null}\r\n",
        ] {
            let flat = flat_only(text.as_bytes(), &cols(), &unread);
            assert!(flat.is_some(), "{text}");
            assert_eq!(flat, jiter_only(text.as_bytes(), &cols(), &unread), "{text}");
        }
    }

    /// A field's name in a generated record: columns' names in either case, and others.
    fn field_name() -> impl Strategy<Value = String> {
        proptest::sample::select(vec!["NAME", "name", "V", "v", "N", "I", "i", "OK", "D", "A", "Name2", "x", "é"])
            .prop_map(|s| s.to_string())
    }

    /// A field's value: plain ones of every kind the flat reader takes, and ones it leaves.
    fn field_value_text() -> impl Strategy<Value = String> {
        proptest::prop_oneof![
            "\"[a-z é日\x7f]{0,6}\"",
            "\"[a-z]{0,2}(\\\\[\"nt/]|\\\\u00e9|\t)?\"",
            "-?(0|[1-9][0-9]{0,39})(\\.[0-9]{1,40})?([eE][+-]?0{0,3}[0-9]{1,7})?",
            "(true|false|null|nul|tru|01|-|1\\.|\\.5)",
            "(\\[1, \"a\"\\]|\\{\"y\":1\\}|\"12\"|\"true\")",
        ]
    }

    proptest::proptest! {
        /// Whatever the flat reader reads, jiter reads the same, value for value (names in
        /// any case, twice, unknown; values of every kind; whitespace; junk around).
        #[test]
        fn the_flat_reader_reads_what_jiter_reads(
            fields in proptest::collection::vec((field_name(), field_value_text(), "[ \t\n\r]{0,2}"), 0..6),
            tail in "(|}| |x|,)",
            unread in proptest::collection::vec(proptest::bool::ANY, 8),
        ) {
            let body: Vec<String> = fields.iter().map(|(n, v, ws)| format!("{ws}\"{n}\"{ws}:{ws}{v}{ws}")).collect();
            let text = format!("{{{}}}{tail}", body.join(","));
            if let Some(flat) = flat_only(text.as_bytes(), &cols(), &unread) {
                let jiter = jiter_only(text.as_bytes(), &cols(), &unread);
                // Debug shows a double's sign and every digit (-0.0 and 0.0 differ).
                proptest::prop_assert_eq!(Some(format!("{flat:?}")), jiter.map(|j| format!("{j:?}")), "{}", text);
            }
        }
    }

    proptest::proptest! {
        /// Any JSON number (any sign, length, fraction and exponent; -0, past i64, past
        /// f64's range) reads into INT, BIGINT, DOUBLE and DECIMAL columns as the general
        /// path reads it, or is left to it.
        #[test]
        fn numbers_read_as_the_general_path_reads_them(
            number in "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
        ) {
            let cols = vec![
                ("I".to_string(), SqlType::Integer),
                ("N".to_string(), SqlType::Bigint),
                ("V".to_string(), SqlType::Double),
                ("D".to_string(), SqlType::Decimal { precision: Some(10), scale: Some(3) }),
            ];
            for col in ["I", "N", "V", "D"] {
                let text = format!("{{\"{col}\":{number}}}");
                let general = json_text_columns(text.as_bytes(), &cols, true).ok();
                if let Some(row) = read(text.as_bytes(), &cols) {
                    // Debug shows a double's sign and every digit (-0.0, NaN, inf compare).
                    proptest::prop_assert_eq!(Some(format!("{row:?}")), general.map(|g| format!("{g:?}")), "{}", text);
                } else {
                    // A number is left to the general path only where it fails too.
                    proptest::prop_assert!(general.is_none(), "{}", text);
                }
            }
        }
    }
}
