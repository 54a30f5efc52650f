//! Scalar functions: BYTES: conversions to and from text, concatenation, slicing.

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!("INT_FROM_BYTES", |a| from_bytes_type(a, SqlType::Integer), |a, _| match fixed_bytes::<4>(a) {
            Some((b, big)) => Value::Int(if big { i32::from_be_bytes(b) } else { i32::from_le_bytes(b) }),
            None => Value::Null,
        }),
        f!("BIGINT_FROM_BYTES", |a| from_bytes_type(a, SqlType::Bigint), |a, _| match fixed_bytes::<8>(a) {
            Some((b, big)) => Value::Bigint(if big { i64::from_be_bytes(b) } else { i64::from_le_bytes(b) }),
            None => Value::Null,
        }),
        f!("DOUBLE_FROM_BYTES", |a| from_bytes_type(a, SqlType::Double), |a, _| match fixed_bytes::<8>(a) {
            Some((b, big)) => Value::Double(if big { f64::from_be_bytes(b) } else { f64::from_le_bytes(b) }),
            None => Value::Null,
        }),
        f!("TO_BYTES", |a| strs(a, 2..=2, SqlType::Bytes), |a, _| {
            let (Some(x), Some(enc)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
            match enc.to_ascii_lowercase().as_str() {
                "hex" => hex::decode(x).map(Value::Bytes).unwrap_or(Value::Null),
                "utf8" | "ascii" => Value::Bytes(x.as_bytes().to_vec()),
                "base64" => base64_decode(x).map(Value::Bytes).unwrap_or(Value::Null),
                _ => Value::Null,
            }
        }),
        f!("ENCODE", |a| strs(a, 3..=3, SqlType::String), |a, _| {
            let (Some(x), Some(from), Some(to)) = (s(&a[0]), s(&a[1]), s(&a[2])) else { return Value::Null };
            let bytes: Option<Vec<u8>> = match from.to_ascii_lowercase().as_str() {
                "hex" => {
                    // 0x... may have an odd number of digits (read as if a leading 0 were there);
                    // X'...' and bare hex may not.
                    let prefixed = x.strip_prefix("0x").or_else(|| x.strip_prefix("0X"));
                    let quoted = || x.strip_prefix("X'").or_else(|| x.strip_prefix("x'"))?.strip_suffix('\'');
                    match (prefixed, quoted()) {
                        (Some(h), _) if h.len() % 2 == 1 => hex::decode(format!("0{h}")).ok(),
                        (Some(h), _) | (None, Some(h)) => hex::decode(h).ok(),
                        (None, None) => hex::decode(x).ok(),
                    }
                }
                "utf8" => Some(x.as_bytes().to_vec()),
                "ascii" => Some(x.chars().map(|c| if (c as u32) < 128 { c as u8 } else { b'?' }).collect()),
                "base64" => base64_decode(x),
                _ => None,
            };
            let Some(b) = bytes else { return Value::Null };
            match to.to_ascii_lowercase().as_str() {
                "hex" => string(hex::encode(&b)),
                "utf8" => string(String::from_utf8_lossy(&b).into_owned()),
                "ascii" => string(b.iter().map(|&c| if c < 128 { c as char } else { '\u{fffd}' }).collect::<String>()),
                "base64" => string(base64_encode(&b)),
                _ => Value::Null,
            }
        }),
        f!(
            "FROM_BYTES",
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Bytes)) && is_str(a, 1) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| {
                let (Value::Bytes(b), Some(enc)) = (&a[0], s(&a[1])) else { return Value::Null };
                match enc.to_ascii_lowercase().as_str() {
                    "hex" => string(hex::encode_upper(b)),
                    "utf8" | "ascii" => string(String::from_utf8_lossy(b).into_owned()),
                    "base64" => string(base64_encode(b)),
                    _ => Value::Null,
                }
            }
        ),
    ]
}

/// INT_FROM_BYTES and the like: `(bytes[, byte order])`.
fn from_bytes_type(a: Types, ret: SqlType) -> Result<Option<SqlType>, String> {
    let bytes = matches!(a.first(), Some(None) | Some(Some(SqlType::Bytes)));
    if bytes && (a.len() == 1 || (a.len() == 2 && is_str(a, 1))) {
        ok(ret)
    } else {
        no()
    }
}

/// The N bytes of the first argument and whether they are big-endian (the default;
/// `BIG_ENDIAN` or `LITTLE_ENDIAN`, any case). None for NULL, another length or another
/// order name (errors in ksqlDB, so NULL values).
fn fixed_bytes<const N: usize>(a: &[Value]) -> Option<([u8; N], bool)> {
    let Value::Bytes(bytes) = &a[0] else { return None };
    let big = match a.get(1) {
        None => true,
        Some(order) => match order.as_str()?.to_ascii_uppercase().as_str() {
            "BIG_ENDIAN" => true,
            "LITTLE_ENDIAN" => false,
            _ => return None,
        },
    };
    Some((bytes.as_slice().try_into().ok()?, big))
}
