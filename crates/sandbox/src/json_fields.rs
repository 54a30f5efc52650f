//! A JSON-format record's fields read straight into typed column values: one pass over the
//! bytes, the object's own fields matched to columns by name, fields no column reads
//! skipped, no `serde_json::Value` (and its ordered map) built for the whole record.
//!
//! Anything unusual (not an object, a field named twice, a value that does not convert)
//! answers None, and the caller takes the general path, which gives ksqlDB's errors.

use std::fmt;

use jiter::{Jiter, Peek};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value as J;

use crate::json_flat::{FlatObject, NotFlat, Scalar};
use crate::types::{from_json, json_number_as, SqlType, Value};

/// The columns' values from a JSON object (missing fields are NULL), or None (see above).
pub fn read(bytes: &[u8], cols: &[(String, SqlType)]) -> Option<Vec<Value>> {
    let mut values = Vec::with_capacity(cols.len());
    read_into(bytes, cols, &mut values).then_some(values)
}

/// [`read`], the values appended to `out` (a decoded row), so that no list of them is
/// allocated on the way. False (and `out` as it was): see above.
///
/// An object is read by [`FlatObject`] (jiter for its nested values and escaped strings);
/// anything the scanner gives up on (not JSON, an escaped name, a field that does not
/// convert, a name twice) by jiter from the start, which answers as the general path would.
pub fn read_into(bytes: &[u8], cols: &[(String, SqlType)], out: &mut Vec<Value>) -> bool {
    let start = out.len();
    out.resize(start + cols.len(), Value::Null);
    let values = &mut out[start..];
    let read = read_flat(bytes, cols, values) || {
        values.fill(Value::Null);
        read_fields(&mut Jiter::new(bytes), cols, values).is_some()
    };
    if !read {
        out.truncate(start);
    }
    read
}

/// Per column how a field filled it: not yet, by its name in another case, by its exact name.
#[derive(Clone, Copy, PartialEq)]
enum Filled {
    No,
    OtherCase,
    Exact,
}

impl Filled {
    /// Whether a field named exactly (`is_exact`) or in another case fills a column marked
    /// `self`: Some(true) it does (the first match, or an exact one after one in another
    /// case: the exact name wins, as the general path has it), Some(false) the exact name
    /// already did, None a name twice (left to the general path).
    fn claim(&mut self, is_exact: bool) -> Option<bool> {
        match (*self, is_exact) {
            (Filled::No, _) | (Filled::OtherCase, true) => {
                *self = if is_exact { Filled::Exact } else { Filled::OtherCase };
                Some(true)
            }
            (Filled::Exact, false) => Some(false),
            _ => None,
        }
    }
}

/// Records of up to this many columns keep their [`Filled`] marks on the stack.
const MARKS_INLINE: usize = 32;

/// The [`Filled`] marks of a record's columns.
struct Marks {
    inline: [Filled; MARKS_INLINE],
    wide: Vec<Filled>,
}

impl Marks {
    fn new(columns: usize) -> Marks {
        let wide = if columns > MARKS_INLINE { vec![Filled::No; columns] } else { Vec::new() };
        Marks { inline: [Filled::No; MARKS_INLINE], wide }
    }

    fn of(&mut self, column: usize) -> &mut Filled {
        if self.wide.is_empty() {
            &mut self.inline[column]
        } else {
            &mut self.wide[column]
        }
    }
}

/// The object's fields into `values` (one per column, NULL until a field fills it) when
/// [`FlatObject`] reads it and every field converts; false otherwise, with `values` partly
/// filled.
fn read_flat(bytes: &[u8], cols: &[(String, SqlType)], values: &mut [Value]) -> bool {
    let Ok(mut object) = FlatObject::open(bytes) else { return false };
    let mut marks = Marks::new(cols.len());
    loop {
        let (name, scalar) = match object.next_field() {
            Ok(Some(field)) => field,
            Ok(None) => return true,
            Err(NotFlat) => return false,
        };
        let Some((i, is_exact)) = column_of(cols, name) else { continue };
        match marks.of(i).claim(is_exact) {
            Some(true) => match scalar_value(scalar, &cols[i].1) {
                Some(v) => values[i] = v,
                None => return false,
            },
            Some(false) => {}
            None => return false,
        }
    }
}

/// The object's fields into `values` (one per column, NULL until a field fills it), read
/// with jiter: field names and strings borrowed from the bytes, numbers as their text, so a
/// flat record costs one pass and no allocation but its string values. Nested values are
/// read by serde_json from their own bytes. None: see the module's note.
fn read_fields(json: &mut Jiter, cols: &[(String, SqlType)], values: &mut [Value]) -> Option<()> {
    let mut marks = Marks::new(cols.len());
    let mut key = json.next_object().ok()?;
    while let Some(name) = key {
        let Some((i, is_exact)) = column_of(cols, name) else {
            json.next_skip().ok()?;
            key = json.next_key().ok()?;
            continue;
        };
        if marks.of(i).claim(is_exact)? {
            values[i] = field_value(json, &cols[i].1)?;
        } else {
            json.next_skip().ok()?;
        }
        key = json.next_key().ok()?;
    }
    json.finish().ok()
}

/// The column a field fills (and whether by its exact name), or None.
fn column_of(cols: &[(String, SqlType)], name: &str) -> Option<(usize, bool)> {
    if let Some(i) = cols.iter().position(|(n, _)| n == name) {
        return Some((i, true));
    }
    cols.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)).map(|i| (i, false))
}

/// The next value as column type `t` (see [`scalar_value`]).
fn field_value(json: &mut Jiter, t: &SqlType) -> Option<Value> {
    let peek = json.peek().ok()?;
    match peek {
        Peek::Null => json.known_null().ok().map(|_| Value::Null),
        Peek::String => scalar_value(Scalar::Str(json.known_str().ok()?), t),
        Peek::True | Peek::False => scalar_value(Scalar::Bool(json.known_bool(peek).ok()?), t),
        Peek::Array | Peek::Object => {
            let start = json.current_index();
            json.known_skip(peek).ok()?;
            scalar_value(Scalar::Nested(std::str::from_utf8(json.slice_to_current(start)).ok()?), t)
        }
        _ => {
            let text = std::str::from_utf8(json.known_number_bytes(peek).ok()?).ok()?;
            scalar_value(Scalar::Number(text), t)
        }
    }
}

/// A field's value as column type `t`: strings and numbers directly, the rest through
/// [`from_json`] (ksqlDB's lenient conversions; arrays and objects from their own text),
/// as the general path converts them.
fn scalar_value(scalar: Scalar, t: &SqlType) -> Option<Value> {
    let convert = |j: J| from_json(&j, t).ok();
    match scalar {
        Scalar::Null => Some(Value::Null),
        Scalar::Str(s) => match t {
            SqlType::String => Some(Value::String(s.to_owned())),
            _ => convert(J::String(s.to_owned())),
        },
        Scalar::Escaped(s) => match t {
            SqlType::String => Some(Value::String(s.into_string())),
            _ => convert(J::String(s.into_string())),
        },
        Scalar::Bool(b) => convert(J::Bool(b)),
        Scalar::Number(text) => json_number_as(text, t).or_else(|| convert(serde_json::from_str(text).ok()?)),
        Scalar::Nested(text) => convert(serde_json::from_str(text).ok()?),
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
    use crate::topics::{deserialize, Format};

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
            let general = deserialize(&Format::Json, &cols(), Some(text.as_bytes()), true).unwrap();
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
    }

    /// The columns' values as jiter alone reads them (no flat scanner).
    fn read_by_jiter(text: &str) -> Option<Vec<Value>> {
        let mut values = vec![Value::Null; cols().len()];
        read_fields(&mut Jiter::new(text.as_bytes()), &cols(), &mut values)?;
        Some(values)
    }

    /// Pieces of records: names of columns (in their case and another), of no column,
    /// values of every kind, and the object's punctuation, whitespace and some bad JSON.
    const PIECES: [&str; 34] = [
        "{",
        "}",
        ",",
        ":",
        " ",
        "\n",
        r#""NAME""#,
        r#""name""#,
        r#""V""#,
        r#""N""#,
        r#""OK""#,
        r#""D""#,
        r#""A""#,
        r#""I""#,
        r#""Name2""#,
        r#""x""#,
        r#""a\"b""#,
        r#""é 日本""#,
        r#""12""#,
        r#""true""#,
        "12",
        "-0",
        "1.5e3",
        "-2.75",
        "18446744073709551616",
        "01",
        "null",
        "true",
        "false",
        "[1,2]",
        r#"{"y":1}"#,
        "nul",
        "1.",
        "\"\t\"",
    ];

    /// A flat object: fields drawn from [`PIECES`]' names and values.
    fn flat_object(fields: &[(usize, usize)]) -> String {
        let names = &PIECES[6..20];
        let values = &PIECES[16..34];
        let body: Vec<String> =
            fields.iter().map(|&(n, v)| format!("{}:{}", names[n % names.len()], values[v % values.len()])).collect();
        format!("{{{}}}", body.join(","))
    }

    proptest::proptest! {
        /// Whatever the flat scanner reads, jiter reads the same; whatever it leaves, jiter
        /// still reads: records of pieces at random, and flat objects with one piece
        /// inserted or removed at random.
        #[test]
        fn the_flat_scanner_reads_as_jiter_does(
            pieces in proptest::collection::vec(0..PIECES.len(), 0..12),
            fields in proptest::collection::vec((0..14usize, 0..18usize), 0..6),
            edit in (0..200usize, 0..PIECES.len(), proptest::bool::ANY),
        ) {
            let random: String = pieces.iter().map(|&i| PIECES[i]).collect();
            let mut object = flat_object(&fields);
            let at = (0..=edit.0 % (object.len() + 1)).rev().find(|&i| object.is_char_boundary(i)).unwrap_or(0);
            if edit.2 {
                object.insert_str(at, PIECES[edit.1]);
            } else if at < object.len() {
                object.remove(at);
            }
            for text in [random, flat_object(&fields), object] {
                let mut values = vec![Value::Null; cols().len()];
                if read_flat(text.as_bytes(), &cols(), &mut values) {
                    proptest::prop_assert_eq!(Some(values), read_by_jiter(&text), "{}", text);
                }
                proptest::prop_assert_eq!(read(text.as_bytes(), &cols()), read_by_jiter(&text), "{}", text);
            }
        }
    }

    /// The flat scanner does read the records streams carry, nested values and escapes
    /// included (or the test above tests nothing).
    #[test]
    fn flat_records_take_the_flat_path() {
        for text in [r#"{"NAME":"x","V":1.5,"N":-0,"OK":true,"I":null,"other":"é"}"#, "{}", r#" {"name" : "a"} "#]
            .into_iter()
            .chain([r#"{"NAME":"exact","name":"ci"}"#, r#"{"name":"ci","NAME":"exact"}"#])
            .chain([r#"{"A":[1,2],"NAME":"a\"b é","x":{"y":[{}]},"D":"1.5","OK":"true"}"#])
        {
            let mut values = vec![Value::Null; cols().len()];
            assert!(read_flat(text.as_bytes(), &cols(), &mut values), "{text}");
            assert_eq!(Some(values), read_by_jiter(text), "{text}");
        }
    }
}
