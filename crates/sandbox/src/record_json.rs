//! JSON-format record bytes written straight from values: the bytes
//! `to_record_json(v).to_string()` gives, without building a `serde_json::Value` (and its
//! map and strings) for every field of every record a query writes.

use crate::types::{java_double, to_record_json, SqlType, Value};

/// Appends a value as a JSON record holds it (TIMESTAMP as epoch millis, DATE as days, TIME
/// as millis of day, BYTES as base64, DOUBLE as Java prints it).
pub fn write_value(out: &mut Vec<u8>, v: &Value) {
    use std::io::Write;
    // Integers through itoa: `write!` costs several times more in its formatting machinery.
    let mut digits = itoa::Buffer::new();
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => out.extend_from_slice(digits.format(*i).as_bytes()),
        Value::Bigint(i) | Value::Timestamp(i) | Value::Time(i) => out.extend_from_slice(digits.format(*i).as_bytes()),
        Value::Date(d) => out.extend_from_slice(digits.format(*d).as_bytes()),
        Value::Double(d) if !d.is_finite() => write_str(out, &java_double(*d)),
        // A whole number below 2^53 (where every integer is exact): `{:?}` writes its digits
        // and ".0", which writing the integer gives without the float formatter's search
        // for the shortest digits (most of the cost). Negative zero is left to it.
        Value::Double(d) if d.fract() == 0.0 && d.abs() < (1u64 << 53) as f64 && *d != 0.0 => {
            out.extend_from_slice(digits.format(*d as i64).as_bytes());
            out.extend_from_slice(b".0");
        }
        Value::Double(d) => {
            let start = out.len();
            let _ = write!(out, "{d:?}");
            // Exponent forms: as serde_json normalizes the number.
            if out[start..].contains(&b'e') {
                out.truncate(start);
                let _ = serde_json::to_writer(&mut *out, &to_record_json(v));
            }
        }
        Value::String(s) => write_str(out, s),
        // Rarer and nested forms: through serde_json, which defines the bytes.
        other => {
            let _ = serde_json::to_writer(&mut *out, &to_record_json(other));
        }
    }
}

/// Appends a JSON string (serde_json's escaping). Most strings need none: they are copied
/// between quotes (serde_json escapes only quotes, backslashes and control characters).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// A JSON object of the named fields, in order.
pub fn object<'a>(names: impl Iterator<Item = &'a str>, values: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * values.len() + 2);
    write_object(&mut out, names, values);
    out
}

/// [`object`], appended to `out`.
pub fn write_object<'a>(out: &mut Vec<u8>, names: impl Iterator<Item = &'a str>, values: &[Value]) {
    out.push(b'{');
    for (i, (n, v)) in names.zip(values).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, n);
        out.push(b':');
        write_value(out, v);
    }
    out.push(b'}');
}

/// A JSON object's field names escaped once, each with the punctuation before its value
/// (`{"A":`, `,"B":`): a query writes many records with the same columns.
#[derive(Clone, Debug, Default)]
pub struct ObjectNames {
    prefixes: Vec<Box<[u8]>>,
}

impl ObjectNames {
    pub fn new<'a>(names: impl Iterator<Item = &'a str>) -> ObjectNames {
        let prefix = |(i, name)| {
            let mut p = vec![if i == 0 { b'{' } else { b',' }];
            write_str(&mut p, name);
            p.push(b':');
            p.into_boxed_slice()
        };
        ObjectNames { prefixes: names.enumerate().map(prefix).collect() }
    }

    /// The names of these columns.
    pub fn of_columns(cols: &[(String, SqlType)]) -> ObjectNames {
        ObjectNames::new(cols.iter().map(|(name, _)| name.as_str()))
    }

    /// [`write_object`] of these names.
    pub fn write(&self, out: &mut Vec<u8>, values: &[Value]) {
        if self.prefixes.is_empty() || values.is_empty() {
            out.extend_from_slice(b"{}");
            return;
        }
        for (prefix, v) in self.prefixes.iter().zip(values) {
            out.extend_from_slice(prefix);
            write_value(out, v);
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Decimal;

    /// Every form is byte for byte what serde_json writes for `to_record_json`.
    #[test]
    fn same_bytes_as_serde_json() {
        let values = vec![
            Value::Null,
            Value::Boolean(true),
            Value::Int(-7),
            Value::Bigint(1 << 40),
            Value::Double(2.0),
            Value::Double(0.1 + 0.2),
            Value::Double(1e300),
            Value::Double(1.5e-12),
            Value::Double(-0.0),
            Value::Double(1e-4),
            Value::Double(0.99999e-4),
            Value::Double(9_999_999_999_999_998.0),
            Value::Double(9_007_199_254_740_991.0),
            Value::Double(-9_007_199_254_740_992.0),
            Value::Double(-42.0),
            Value::Double(0.0),
            Value::Double(1e16),
            Value::Double(-123_456.789),
            Value::Double(12.5),
            Value::Double(-1e-4),
            Value::Double(1.000_000_000_000_000_2e-4),
            Value::Double(9.999_999_999_999_998e15),
            Value::Double(1e15 + 0.5),
            Value::Double(f64::MIN_POSITIVE),
            Value::Double(f64::MAX),
            Value::Double(f64::NAN),
            Value::Double(f64::NEG_INFINITY),
            Value::Decimal(Decimal::new(12345, 2)),
            Value::String("a \"quoted\"\n\u{1} é line".into()),
            Value::Bytes(vec![0, 1, 255]),
            Value::Timestamp(1_700_000_000_000),
            Value::Date(19_000),
            Value::Time(3_600_000),
            Value::Array(vec![Value::Int(1), Value::Null]),
            Value::Struct(vec![("A".into(), Value::String("x".into()))]),
        ];
        for v in &values {
            let mut out = Vec::new();
            write_value(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), to_record_json(v).to_string(), "{v:?}");
        }
        let names = ["ID", "N\"AME", "V"];
        let row = [Value::Int(1), Value::String("x".into()), Value::Double(2.5)];
        let obj: serde_json::Map<String, serde_json::Value> =
            names.iter().zip(&row).map(|(n, v)| (n.to_string(), to_record_json(v))).collect();
        let bytes = object(names.iter().copied(), &row);
        assert_eq!(String::from_utf8(bytes).unwrap(), serde_json::Value::Object(obj).to_string());
        for n in 0..=3 {
            let (mut by_names, mut once) = (Vec::new(), Vec::new());
            ObjectNames::new(names[..n].iter().copied()).write(&mut by_names, &row[..n]);
            write_object(&mut once, names[..n].iter().copied(), &row[..n]);
            assert_eq!(String::from_utf8(by_names).unwrap(), String::from_utf8(once).unwrap(), "{n} names");
        }
    }

    proptest::proptest! {
        /// Any double (any bit pattern: every magnitude, subnormals, NaN) as serde_json writes it.
        #[test]
        fn doubles_as_serde_json_writes_them(bits in proptest::prelude::any::<u64>()) {
            let v = Value::Double(f64::from_bits(bits));
            let mut out = Vec::new();
            write_value(&mut out, &v);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), to_record_json(&v).to_string());
        }

        /// Any double of the plain range ryu writes (every digit count and magnitude in
        /// it), of either sign, as serde_json writes it.
        #[test]
        fn plain_doubles_as_serde_json_writes_them(magnitude in 1e-4f64..1e16, scale in -4i32..16, negative: bool) {
            let d = (magnitude / 10f64.powi(scale + 4)).max(1e-4) * if negative { -1.0 } else { 1.0 };
            let mut out = Vec::new();
            write_value(&mut out, &Value::Double(d));
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), to_record_json(&Value::Double(d)).to_string());
        }

        /// Any string (control characters, quotes, backslashes, any script) as serde_json
        /// writes it.
        #[test]
        fn strings_as_serde_json_writes_them(s in "(\\PC|[\\x00-\\x1f\"\\\\\\x7f])*") {
            let mut out = Vec::new();
            write_str(&mut out, &s);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }

        /// Any integer (INT, BIGINT, TIMESTAMP, DATE) as serde_json writes it.
        #[test]
        fn integers_as_serde_json_writes_them(
            wide in proptest::prelude::any::<i64>(),
            narrow in proptest::prelude::any::<i32>(),
        ) {
            for v in [Value::Bigint(wide), Value::Timestamp(wide), Value::Int(narrow), Value::Date(narrow)] {
                let mut out = Vec::new();
                write_value(&mut out, &v);
                proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), to_record_json(&v).to_string());
            }
        }

        /// Doubles of everyday sizes, whole and not (random bits are mostly huge or tiny).
        #[test]
        fn everyday_doubles_as_serde_json_writes_them(d in -1e16f64..1e16, whole in proptest::prelude::any::<bool>()) {
            let v = Value::Double(if whole { d.trunc() } else { d });
            let mut out = Vec::new();
            write_value(&mut out, &v);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), to_record_json(&v).to_string());
        }
    }
}
