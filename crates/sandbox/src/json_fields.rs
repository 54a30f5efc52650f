//! A JSON-format record's fields read straight into typed column values: one pass over the
//! bytes, the object's own fields matched to columns by name, fields no column reads
//! skipped, no `serde_json::Value` (and its ordered map) built for the whole record.
//!
//! Anything unusual (not an object, a field named twice, a value that does not convert)
//! answers None, and the caller takes the general path, which gives ksqlDB's errors.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value as J;

use crate::types::{from_json, SqlType, Value};

/// The columns' values from a JSON object (missing fields are NULL), or None (see above).
pub fn read(bytes: &[u8], cols: &[(String, SqlType)]) -> Option<Vec<Value>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let values = Fields { cols }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(values.into_iter().map(|v| v.unwrap_or(Value::Null)).collect())
}

struct Fields<'a> {
    cols: &'a [(String, SqlType)],
}

impl<'de> DeserializeSeed<'de> for Fields<'_> {
    type Value = Vec<Option<Value>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = Vec<Option<Value>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let mut values: Vec<Option<Value>> = vec![None; self.cols.len()];
        // Whether a column's value came from an exact name match (which wins over a match
        // in another case, as the general path has it).
        let mut exact = vec![false; self.cols.len()];
        while let Some(key) = map.next_key_seed(Key { cols: self.cols })? {
            let Some((i, is_exact)) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match (values[i].is_some(), is_exact, exact[i]) {
                // The first match, or an exact one after one in another case.
                (false, _, _) | (true, true, false) => {}
                // Another case after the exact name: the exact one stands.
                (true, false, true) => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                // A name twice: left to the general path.
                _ => return Err(A::Error::custom("a column matched twice")),
            }
            values[i] = Some(map.next_value_seed(Typed(&self.cols[i].1))?);
            exact[i] = is_exact;
        }
        Ok(values)
    }
}

/// A field name: the column it fills (and whether by its exact name), or None.
struct Key<'a> {
    cols: &'a [(String, SqlType)],
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<(usize, bool)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<(usize, bool)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, k: &str) -> Result<Self::Value, E> {
        if let Some(i) = self.cols.iter().position(|(n, _)| n == k) {
            return Ok(Some((i, true)));
        }
        Ok(self.cols.iter().position(|(n, _)| n.eq_ignore_ascii_case(k)).map(|i| (i, false)))
    }
}

/// A field's value as its column's type: strings directly, everything else through
/// [`from_json`] (ksqlDB's lenient conversions).
struct Typed<'a>(&'a SqlType);

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
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Value, E> {
        self.convert(J::from(n))
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Value, E> {
        self.convert(J::from(n))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Value, E> {
        self.convert(J::from(n))
    }
    // Numbers (serde_json's arbitrary precision hands them over as a one-field map) and
    // objects: as serde_json reads them.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let j = J::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.convert(j)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        let j = J::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        self.convert(j)
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
            r#"{"NAME":"exact","name":"ci"}"#,
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
        ] {
            assert_eq!(read(text.as_bytes(), &cols()), None, "{text}");
        }
    }
}
