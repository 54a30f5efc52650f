//! Scalar functions: Text: case, trimming, padding, splitting, searching, encoding.

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
// long: a table of implementations (name, typer, evaluator), one entry per function;
// splitting it would split the table, not the logic.
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!("UCASE", |a| strs(a, 1..=1, SqlType::String), |a, _| match s(&a[0]) {
            Some(x) => string(x.to_uppercase()),
            None => Value::Null,
        }),
        f!("LCASE", |a| strs(a, 1..=1, SqlType::String), |a, _| match s(&a[0]) {
            Some(x) => string(x.to_lowercase()),
            None => Value::Null,
        }),
        f!("TRIM", |a| strs(a, 1..=1, SqlType::String), |a, _| match s(&a[0]) {
            Some(x) => string(x.trim_matches(|c: char| c <= ' ')),
            None => Value::Null,
        }),
        f!("MD5", |a| strs(a, 1..=1, SqlType::String), |a, _| match s(&a[0]) {
            Some(x) => {
                use md5::Digest;
                string(hex::encode(md5::Md5::digest(x.as_bytes())))
            }
            None => Value::Null,
        }),
        f!(
            "LEN",
            |a| {
                if a.len() == 1 && (is_str(a, 0) || t(a, 0) == Some(&SqlType::Bytes)) {
                    ok(SqlType::Integer)
                } else {
                    no()
                }
            },
            |a, _| match &a[0] {
                Value::String(x) => Value::Int(x.encode_utf16().count() as i32),
                Value::Bytes(b) => Value::Int(b.len() as i32),
                _ => Value::Null,
            }
        ),
        f!(
            "CONCAT",
            |a| {
                if !a.is_empty() && (0..a.len()).all(|i| is_str(a, i)) {
                    ok(SqlType::String)
                } else if !a.is_empty() && (0..a.len()).all(|i| matches!(a[i], None | Some(SqlType::Bytes))) {
                    ok(SqlType::Bytes)
                } else {
                    no()
                }
            },
            |a, ret| {
                if *ret == Some(SqlType::Bytes) {
                    let mut out = Vec::new();
                    for v in a {
                        if let Value::Bytes(b) = v {
                            out.extend_from_slice(b);
                        }
                    }
                    return Value::Bytes(out);
                }
                let mut out = String::new();
                for v in a {
                    if let Value::String(x) = v {
                        out.push_str(x);
                    }
                }
                Value::String(out)
            }
        ),
        f!("CONCAT_WS", |a| strs(a, 2..=usize::MAX, SqlType::String), |a, _| {
            let Some(sep) = s(&a[0]) else { return Value::Null };
            Value::String(a[1..].iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(sep))
        }),
        f!(
            "SUBSTRING",
            |a| {
                if (a.len() == 2 || a.len() == 3)
                    && (is_str(a, 0) || t(a, 0) == Some(&SqlType::Bytes))
                    && is_int(a, 1)
                    && (a.len() == 2 || is_int(a, 2))
                {
                    Ok(a[0].clone().or(Some(SqlType::String)))
                } else {
                    no()
                }
            },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                let pos = a[1].as_i64().unwrap_or(1);
                let (chars, is_bytes): (Vec<u32>, bool) = match &a[0] {
                    Value::String(x) => (x.chars().map(|c| c as u32).collect(), false),
                    Value::Bytes(b) => (b.iter().map(|c| *c as u32).collect(), true),
                    _ => return Value::Null,
                };
                let len = chars.len() as i64;
                let start = if pos > 0 {
                    pos - 1
                } else if pos < 0 {
                    (len + pos).max(0)
                } else {
                    0
                };
                let end = match a.get(2) {
                    Some(l) => (start + l.as_i64().unwrap_or(0).max(0)).min(len),
                    None => len,
                };
                let slice: Vec<u32> =
                    if start >= len || end <= start { vec![] } else { chars[start as usize..end as usize].to_vec() };
                if is_bytes {
                    Value::Bytes(slice.into_iter().map(|c| c as u8).collect())
                } else {
                    Value::String(slice.into_iter().filter_map(char::from_u32).collect())
                }
            }
        ),
        f!("REPLACE", |a| strs(a, 3..=3, SqlType::String), |a, _| {
            match (s(&a[0]), s(&a[1]), s(&a[2])) {
                (Some(x), Some(f), Some(r)) => string(x.replace(f, r)),
                _ => Value::Null,
            }
        }),
        f!(
            "INSTR",
            |a| {
                if (2..=4).contains(&a.len()) && is_str(a, 0) && is_str(a, 1) && (2..a.len()).all(|i| is_int(a, i)) {
                    ok(SqlType::Integer)
                } else {
                    no()
                }
            },
            |a, _| {
                let (Some(x), Some(sub)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                let chars: Vec<char> = x.chars().collect();
                let subc: Vec<char> = sub.chars().collect();
                let pos = a.get(2).and_then(|v| v.as_i64()).unwrap_or(1);
                let occ = a.get(3).and_then(|v| v.as_i64()).unwrap_or(1).max(1);
                let n = chars.len() as i64;
                let matches_at = |i: i64| {
                    i >= 0 && i + subc.len() as i64 <= n && chars[i as usize..i as usize + subc.len()] == subc[..]
                };
                let mut count = 0;
                if pos > 0 {
                    let mut i = pos - 1;
                    while i <= n - subc.len() as i64 {
                        if matches_at(i) {
                            count += 1;
                            if count == occ {
                                return Value::Int((i + 1) as i32);
                            }
                        }
                        i += 1;
                    }
                } else if pos < 0 {
                    let mut i = n + pos;
                    while i >= 0 {
                        if matches_at(i) {
                            count += 1;
                            if count == occ {
                                return Value::Int((i + 1) as i32);
                            }
                        }
                        i -= 1;
                    }
                }
                Value::Int(0)
            }
        ),
        f!("LPAD", pad_type, |a, _| pad(a, true)),
        f!("RPAD", pad_type, |a, _| pad(a, false)),
        f!(
            "SPLIT",
            |a| match (t(a, 0), t(a, 1)) {
                (Some(SqlType::Bytes), Some(SqlType::Bytes) | None) | (None, Some(SqlType::Bytes)) if a.len() == 2 => {
                    ok(SqlType::Array(Box::new(SqlType::Bytes)))
                }
                _ => strs(a, 2..=2, SqlType::Array(Box::new(SqlType::String))),
            },
            |a, _| {
                if let (Value::Bytes(x), Value::Bytes(d)) = (&a[0], &a[1]) {
                    return Value::Array(split_bytes(x, d).into_iter().map(Value::Bytes).collect());
                }
                let (Some(x), Some(d)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                // An empty delimiter splits into characters; an empty string is one empty part.
                if d.is_empty() {
                    if x.is_empty() {
                        return Value::Array(vec![string("")]);
                    }
                    return Value::Array(x.chars().map(|c| string(c.to_string())).collect());
                }
                Value::Array(x.split(d).map(string).collect())
            }
        ),
        f!(
            "SPLIT_TO_MAP",
            |a| strs(a, 3..=3, SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::String))),
            |a, _| {
                let (Some(x), Some(ed), Some(kd)) = (s(&a[0]), s(&a[1]), s(&a[2])) else { return Value::Null };
                if ed.is_empty() || kd.is_empty() {
                    return Value::Null;
                }
                let mut m: Vec<(Value, Value)> = Vec::new();
                for e in x.split(ed) {
                    // As ksqlDB: the entry's first two parts, the rest ignored (`a:b:c` is a -> b).
                    let mut parts = e.split(kd);
                    if let (Some(k), Some(v)) = (parts.next(), parts.next()) {
                        m.retain(|(kk, _)| kk.as_str() != Some(k));
                        m.push((string(k), string(v)));
                    }
                }
                Value::Map(m)
            }
        ),
        f!("INITCAP", |a| strs(a, 1..=1, SqlType::String), |a, _| {
            let Some(x) = s(&a[0]) else { return Value::Null };
            let mut out = String::new();
            let mut start = true;
            for c in x.chars() {
                if c.is_whitespace() {
                    start = true;
                    out.push(c);
                } else if start {
                    out.extend(c.to_uppercase());
                    start = false;
                } else {
                    out.extend(c.to_lowercase());
                }
            }
            string(out)
        }),
        f!("REGEXP_EXTRACT", |a| regexp_extract_type(a, SqlType::String), |a, _| {
            let Some((re, x, g)) = regexp_extract_args(a) else { return Value::Null };
            re.captures(x).and_then(|c| c.get(g)).map(|m| string(m.as_str())).unwrap_or(Value::Null)
        }),
        f!("REGEXP_EXTRACT_ALL", |a| regexp_extract_type(a, SqlType::Array(Box::new(SqlType::String))), |a, _| {
            let Some((re, x, g)) = regexp_extract_args(a) else { return Value::Null };
            Value::Array(
                re.captures_iter(x).map(|c| c.get(g).map(|m| string(m.as_str())).unwrap_or(Value::Null)).collect(),
            )
        }),
        f!("REGEXP_REPLACE", |a| strs(a, 3..=3, SqlType::String), |a, _| {
            let (Some(x), Some(p), Some(r)) = (s(&a[0]), s(&a[1]), s(&a[2])) else { return Value::Null };
            let Ok(re) = regex::Regex::new(p) else { return Value::Null };
            string(re.replace_all(x, r.replace("$", "$$").as_str()).into_owned())
        }),
        f!("REGEXP_SPLIT_TO_ARRAY", |a| strs(a, 2..=2, SqlType::Array(Box::new(SqlType::String))), |a, _| {
            let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
            let Ok(re) = regex::Regex::new(p) else { return Value::Null };
            Value::Array(re.split(x).map(string).collect())
        }),
        f!(
            "CHR",
            |a| {
                if a.len() == 1 && (is_int(a, 0) || is_str(a, 0)) {
                    ok(SqlType::String)
                } else {
                    no()
                }
            },
            |a, _| match &a[0] {
                Value::Int(i) => char::from_u32(*i as u32).map(|c| string(c.to_string())).unwrap_or(Value::Null),
                Value::String(h) => chr_of_escapes(h).map(string).unwrap_or(Value::Null),
                _ => Value::Null,
            }
        ),
        f!("UUID", |a| if a.is_empty() { ok(SqlType::String) } else { no() }, |_, _| string(
            uuid::Uuid::new_v4().to_string()
        )),
    ]
}

/// LPAD and RPAD: `(text, length, padding)` of strings, or of bytes.
fn pad_type(a: Types) -> Result<Option<SqlType>, String> {
    if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && is_str(a, 2) {
        ok(SqlType::String)
    } else if a.len() == 3 && t(a, 0) == Some(&SqlType::Bytes) {
        ok(SqlType::Bytes)
    } else {
        no()
    }
}

/// REGEXP_EXTRACT and REGEXP_EXTRACT_ALL: `(pattern, text[, group])`.
fn regexp_extract_type(a: Types, ret: SqlType) -> Result<Option<SqlType>, String> {
    if (a.len() == 2 || (a.len() == 3 && is_int(a, 2))) && is_str(a, 0) && is_str(a, 1) {
        ok(ret)
    } else {
        no()
    }
}

/// REGEXP_EXTRACT(_ALL)'s compiled pattern, text and group (0, the whole match, by default);
/// None for a NULL argument or a pattern that does not compile.
fn regexp_extract_args(a: &[Value]) -> Option<(regex::Regex, &str, usize)> {
    let (Some(p), Some(x)) = (s(&a[0]), s(&a[1])) else { return None };
    let re = regex::Regex::new(p).ok()?;
    Some((re, x, a.get(2).and_then(|v| v.as_i64()).unwrap_or(0) as usize))
}

/// SPLIT of BYTES: the pieces between delimiters (found with memchr's substring search); an
/// empty delimiter splits every byte.
fn split_bytes(x: &[u8], d: &[u8]) -> Vec<Vec<u8>> {
    // An empty delimiter splits into bytes; empty input is one empty part.
    if x.is_empty() {
        return vec![vec![]];
    }
    if d.is_empty() {
        return x.iter().map(|b| vec![*b]).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    for at in memchr::memmem::find_iter(x, d) {
        out.push(x[start..at].to_vec());
        start = at + d.len();
    }
    out.push(x[start..].to_vec());
    out
}

/// CHR of text: `\\uXXXX` escapes (a surrogate pair gives one character), as Java reads them.
fn chr_of_escapes(text: &str) -> Option<String> {
    let units: Vec<u16> = text
        .split("\\u")
        .skip(1)
        .map(|h| if h.len() == 4 { u16::from_str_radix(h, 16).ok() } else { None })
        .collect::<Option<_>>()?;
    if units.is_empty() || !text.starts_with("\\u") {
        return None;
    }
    let decoded: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    (decoded.chars().count() == 1).then_some(decoded)
}
