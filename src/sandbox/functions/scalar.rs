//! Scalar functions. Each entry has a typer (argument types -> return type, or an error;
//! an empty error string means "no matching signature") and an evaluator over values.
//! Evaluators return NULL on NULL input unless the function says otherwise.

use std::sync::OnceLock;

use crate::sandbox::types::*;

pub type Types<'a> = &'a [Option<SqlType>];
pub type Typer = fn(Types) -> Result<Option<SqlType>, String>;
pub type Eval = fn(&[Value], &Option<SqlType>) -> Value;

pub struct ScalarFn {
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    pub signatures: &'static [&'static str],
    pub typer: Typer,
    pub eval: Eval,
}

pub fn lookup(name: &str) -> Option<&'static ScalarFn> {
    registry().iter().find(|f| f.name == name).or_else(|| {
        let alias = match name {
            "UPPER" => "UCASE",
            "LOWER" => "LCASE",
            "LENGTH" => "LEN",
            "SUBSTR" => "SUBSTRING",
            "POW" => "POWER",
            _ => return None,
        };
        registry().iter().find(|f| f.name == alias)
    })
}

// ------------------------------------------------------------------ typer helpers

fn t(a: Types<'_>, i: usize) -> Option<&SqlType> {
    a.get(i).and_then(|x| x.as_ref())
}
fn is_str(a: Types, i: usize) -> bool {
    matches!(a.get(i), Some(None) | Some(Some(SqlType::String)))
}
fn is_num(a: Types, i: usize) -> bool {
    matches!(a.get(i), Some(None)) || t(a, i).is_some_and(|x| x.is_numeric())
}
fn is_int(a: Types, i: usize) -> bool {
    matches!(a.get(i), Some(None) | Some(Some(SqlType::Integer)) | Some(Some(SqlType::Bigint)))
}
fn no() -> Result<Option<SqlType>, String> {
    Err(String::new())
}
fn ok(t: SqlType) -> Result<Option<SqlType>, String> {
    Ok(Some(t))
}
fn strs(a: Types, n: std::ops::RangeInclusive<usize>, ret: SqlType) -> Result<Option<SqlType>, String> {
    if n.contains(&a.len()) && (0..a.len()).all(|i| is_str(a, i)) {
        ok(ret)
    } else {
        no()
    }
}

// ------------------------------------------------------------------ value helpers

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}
fn string(x: impl Into<String>) -> Value {
    Value::String(x.into())
}
fn any_null(a: &[Value]) -> bool {
    a.iter().any(Value::is_null)
}

/// Converts a Java `SimpleDateFormat`/`DateTimeFormatter` pattern to a chrono format string.
pub fn java_to_chrono(p: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '%' {
                    out.push_str("%%");
                } else {
                    out.push(chars[i]);
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let rep = match (c, n) {
            ('y', 2) | ('u', 2) => "%y".to_string(),
            ('y', _) | ('u', _) => "%Y".to_string(),
            ('M', 1) => "%-m".to_string(),
            ('M', 2) => "%m".to_string(),
            ('M', 3) => "%b".to_string(),
            ('M', _) => "%B".to_string(),
            ('d', 1) => "%-d".to_string(),
            ('d', _) => "%d".to_string(),
            ('D', _) => "%j".to_string(),
            ('H', 1) => "%-H".to_string(),
            ('H', _) => "%H".to_string(),
            ('h', _) => "%I".to_string(),
            ('m', 1) => "%-M".to_string(),
            ('m', _) => "%M".to_string(),
            ('s', 1) => "%-S".to_string(),
            ('s', _) => "%S".to_string(),
            ('S', k) => format!("%{}f", k.min(9)),
            ('a', _) => "%p".to_string(),
            ('E', 1..=3) => "%a".to_string(),
            ('E', _) => "%A".to_string(),
            ('X', _) | ('Z', _) | ('x', _) => "%z".to_string(),
            ('z', _) => "%Z".to_string(),
            ('%', _) => "%%".repeat(n),
            (c, n) => c.to_string().repeat(n),
        };
        out.push_str(&rep);
        i += n;
    }
    out
}

fn tz_offset_ms(tz: Option<&str>, utc_ms: i64) -> Option<i64> {
    let _ = utc_ms;
    match tz.map(str::trim) {
        None | Some("UTC") | Some("GMT") | Some("Z") => Some(0),
        Some(z) => {
            let z = z.strip_prefix("UTC").or_else(|| z.strip_prefix("GMT")).unwrap_or(z);
            let (sign, rest) = match z.as_bytes().first() {
                Some(b'+') => (1, &z[1..]),
                Some(b'-') => (-1, &z[1..]),
                _ => return None,
            };
            let (h, m) = match rest.split_once(':') {
                Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
                None if rest.len() == 4 => (rest[..2].parse().ok()?, rest[2..].parse().ok()?),
                None => (rest.parse().ok()?, 0),
            };
            Some(sign * (h * 3_600_000 + m * 60_000))
        }
    }
}

pub fn format_ts(ms: i64, pattern: &str, tz: Option<&str>) -> Option<String> {
    let off = tz_offset_ms(tz, ms)?;
    let dt = chrono::DateTime::from_timestamp_millis(ms + off)?.naive_utc();
    let f = java_to_chrono(pattern);
    let mut out = String::new();
    use std::fmt::Write;
    write!(out, "{}", dt.format(&f)).ok()?;
    Some(out)
}

pub fn parse_ts(text: &str, pattern: &str, tz: Option<&str>) -> Option<i64> {
    let f = java_to_chrono(pattern);
    let off = tz_offset_ms(tz, 0)?;
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, &f) {
        return Some(dt.and_utc().timestamp_millis() - off);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, &f) {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - off);
    }
    None
}

fn round_half_up(x: f64, places: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    match Decimal::from_f64(x) {
        Some(d) => {
            if places >= 0 {
                d.rescale(places as u32).map(|d| d.to_f64()).unwrap_or(x)
            } else {
                let p = pow10((-places) as u32);
                let scaled = d.rescale(0).map(|d| d.unscaled).unwrap_or(0);
                let _ = scaled;
                let r = Decimal::new(d.unscaled, d.scale + (-places) as u32)
                    .rescale(0)
                    .map(|q| q.unscaled * p)
                    .unwrap_or(0);
                r as f64
            }
        }
        None => x,
    }
}

fn json_parse(s: &str) -> Option<serde_json::Value> {
    serde_json::from_str(s).ok()
}

fn json_path(j: &serde_json::Value, path: &str) -> Option<serde_json::Value> {
    let p = path.trim();
    let p = p.strip_prefix('$')?;
    let mut cur = j.clone();
    let mut rest = p;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let key = &r[..end];
            cur = cur.get(key)?.clone();
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            if let Ok(i) = inner.parse::<usize>() {
                cur = cur.get(i)?.clone();
            } else {
                let key = inner.trim_matches(|c| c == '"' || c == '\'');
                cur = cur.get(key)?.clone();
            }
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

fn to_json_string(v: &Value) -> String {
    fn j(v: &Value) -> serde_json::Value {
        match v {
            Value::Timestamp(_) | Value::Date(_) | Value::Time(_) => serde_json::Value::String(to_sql_string(v)),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(j).collect()),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (to_sql_string(k), j(v))).collect()),
            Value::Struct(f) => serde_json::Value::Object(f.iter().map(|(k, v)| (k.clone(), j(v))).collect()),
            other => to_rest_json(other),
        }
    }
    j(v).to_string()
}

fn geo_distance(a: &[Value]) -> Value {
    if any_null(&a[..4]) {
        return Value::Null;
    }
    let f: Vec<f64> = a[..4].iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect();
    let radius = match a.get(4).and_then(|u| u.as_str()).map(|u| u.to_ascii_lowercase()) {
        None => 6371.0,
        Some(u) if u == "km" || u == "kilometers" || u == "kilometres" => 6371.0,
        Some(u) if u == "mi" || u == "miles" => 3959.0,
        Some(_) => return Value::Null,
    };
    let (lat1, lon1, lat2, lon2) = (f[0].to_radians(), f[1].to_radians(), f[2].to_radians(), f[3].to_radians());
    let dlat = lat2 - lat1;
    let dlon = lon2 - lon1;
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    Value::Double(2.0 * radius * h.sqrt().asin())
}

fn elem_type(a: Types, i: usize) -> Option<SqlType> {
    match t(a, i) {
        Some(SqlType::Array(e)) => Some((**e).clone()),
        _ => None,
    }
}

fn array_of(a: &Value) -> Option<&Vec<Value>> {
    match a {
        Value::Array(x) => Some(x),
        _ => None,
    }
}

fn distinct(v: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for x in v {
        if !out.iter().any(|y| y == x) {
            out.push(x.clone());
        }
    }
    out
}

fn timeunit_ms(u: &str) -> Option<i64> {
    Some(match u.to_ascii_uppercase().trim_end_matches('S') {
        "MILLISECOND" => 1,
        "SECOND" => 1000,
        "MINUTE" => 60_000,
        "HOUR" => 3_600_000,
        "DAY" => 86_400_000,
        _ => return None,
    })
}

macro_rules! f {
    ($name:expr, $cat:expr, $desc:expr, [$($sig:expr),*], $typer:expr, $eval:expr) => {
        ScalarFn {
            name: $name,
            category: $cat,
            description: $desc,
            signatures: &[$($sig),*],
            typer: $typer,
            eval: $eval,
        }
    };
}

pub fn registry() -> &'static [ScalarFn] {
    static REG: OnceLock<Vec<ScalarFn>> = OnceLock::new();
    REG.get_or_init(build)
}

fn build() -> Vec<ScalarFn> {
    vec![
        // ---------------------------------------------------------------- strings
        f!(
            "UCASE",
            "STRING",
            "Converts a string to upper case.",
            ["UCASE(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]) {
                Some(x) => string(x.to_uppercase()),
                None => Value::Null,
            }
        ),
        f!(
            "LCASE",
            "STRING",
            "Converts a string to lower case.",
            ["LCASE(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]) {
                Some(x) => string(x.to_lowercase()),
                None => Value::Null,
            }
        ),
        f!(
            "TRIM",
            "STRING",
            "Removes leading and trailing whitespace.",
            ["TRIM(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]) {
                Some(x) => string(x.trim_matches(|c: char| c <= ' ')),
                None => Value::Null,
            }
        ),
        f!(
            "LTRIM",
            "STRING",
            "Removes leading whitespace.",
            ["LTRIM(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]) {
                Some(x) => string(x.trim_start_matches(|c: char| c <= ' ')),
                None => Value::Null,
            }
        ),
        f!(
            "RTRIM",
            "STRING",
            "Removes trailing whitespace.",
            ["RTRIM(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]) {
                Some(x) => string(x.trim_end_matches(|c: char| c <= ' ')),
                None => Value::Null,
            }
        ),
        f!(
            "LEN",
            "STRING",
            "Length of a string (or BYTES).",
            ["LEN(input STRING) => INT", "LEN(input BYTES) => INT"],
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
            "STRING",
            "Concatenates strings (nulls are skipped).",
            ["CONCAT(inputs STRING...) => STRING"],
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
        f!(
            "CONCAT_WS",
            "STRING",
            "Concatenates strings with a separator (nulls are skipped).",
            ["CONCAT_WS(separator STRING, inputs STRING...) => STRING"],
            |a| strs(a, 2..=usize::MAX, SqlType::String),
            |a, _| {
                let Some(sep) = s(&a[0]) else { return Value::Null };
                Value::String(a[1..].iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(sep))
            }
        ),
        f!(
            "SUBSTRING",
            "STRING",
            "Substring from a 1-based position, optionally of a given length.",
            ["SUBSTRING(str STRING, pos INT) => STRING", "SUBSTRING(str STRING, pos INT, length INT) => STRING"],
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
        f!(
            "REPLACE",
            "STRING",
            "Replaces all occurrences of a substring.",
            ["REPLACE(str STRING, substring STRING, replacement STRING) => STRING"],
            |a| strs(a, 3..=3, SqlType::String),
            |a, _| {
                match (s(&a[0]), s(&a[1]), s(&a[2])) {
                    (Some(x), Some(f), Some(r)) => string(x.replace(f, r)),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "INSTR",
            "STRING",
            "1-based position of a substring, 0 when absent.",
            [
                "INSTR(str STRING, substring STRING) => INT",
                "INSTR(str STRING, substring STRING, position INT) => INT",
                "INSTR(str STRING, substring STRING, position INT, occurrence INT) => INT"
            ],
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
        f!(
            "LPAD",
            "STRING",
            "Left-pads a string to a length.",
            ["LPAD(input STRING, length INT, padding STRING) => STRING"],
            |a| {
                if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && is_str(a, 2) {
                    ok(SqlType::String)
                } else if a.len() == 3 && t(a, 0) == Some(&SqlType::Bytes) {
                    ok(SqlType::Bytes)
                } else {
                    no()
                }
            },
            |a, _| pad(a, true)
        ),
        f!(
            "RPAD",
            "STRING",
            "Right-pads a string to a length.",
            ["RPAD(input STRING, length INT, padding STRING) => STRING"],
            |a| {
                if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && is_str(a, 2) {
                    ok(SqlType::String)
                } else if a.len() == 3 && t(a, 0) == Some(&SqlType::Bytes) {
                    ok(SqlType::Bytes)
                } else {
                    no()
                }
            },
            |a, _| pad(a, false)
        ),
        f!(
            "SPLIT",
            "STRING",
            "Splits a string by a delimiter into an array.",
            ["SPLIT(string STRING, delimiter STRING) => ARRAY<STRING>"],
            |a| strs(a, 2..=2, SqlType::Array(Box::new(SqlType::String))),
            |a, _| {
                let (Some(x), Some(d)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                if d.is_empty() {
                    return Value::Array(x.chars().map(|c| string(c.to_string())).collect());
                }
                Value::Array(x.split(d).map(string).collect())
            }
        ),
        f!(
            "SPLIT_TO_MAP",
            "STRING",
            "Splits a string into a map of key-value pairs.",
            ["SPLIT_TO_MAP(input STRING, entryDelimiter STRING, kvDelimiter STRING) => MAP<STRING, STRING>"],
            |a| strs(a, 3..=3, SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::String))),
            |a, _| {
                let (Some(x), Some(ed), Some(kd)) = (s(&a[0]), s(&a[1]), s(&a[2])) else { return Value::Null };
                if ed.is_empty() || kd.is_empty() {
                    return Value::Null;
                }
                let mut m: Vec<(Value, Value)> = Vec::new();
                for e in x.split(ed) {
                    if let Some((k, v)) = e.split_once(kd) {
                        m.retain(|(kk, _)| kk.as_str() != Some(k));
                        m.push((string(k), string(v)));
                    }
                }
                Value::Map(m)
            }
        ),
        f!(
            "INITCAP",
            "STRING",
            "Capitalises the first letter of each word.",
            ["INITCAP(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| {
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
            }
        ),
        f!(
            "REGEXP_EXTRACT",
            "REGULAR EXPRESSION",
            "Extracts the first match (or a capture group).",
            [
                "REGEXP_EXTRACT(pattern STRING, input STRING) => STRING",
                "REGEXP_EXTRACT(pattern STRING, input STRING, group INT) => STRING"
            ],
            |a| {
                if (a.len() == 2 || (a.len() == 3 && is_int(a, 2))) && is_str(a, 0) && is_str(a, 1) {
                    ok(SqlType::String)
                } else {
                    no()
                }
            },
            |a, _| {
                let (Some(p), Some(x)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                let Ok(re) = regex::Regex::new(p) else { return Value::Null };
                let g = a.get(2).and_then(|v| v.as_i64()).unwrap_or(0) as usize;
                re.captures(x).and_then(|c| c.get(g)).map(|m| string(m.as_str())).unwrap_or(Value::Null)
            }
        ),
        f!(
            "REGEXP_EXTRACT_ALL",
            "REGULAR EXPRESSION",
            "Extracts all matches (or a capture group of each).",
            ["REGEXP_EXTRACT_ALL(pattern STRING, input STRING) => ARRAY<STRING>"],
            |a| {
                if (a.len() == 2 || (a.len() == 3 && is_int(a, 2))) && is_str(a, 0) && is_str(a, 1) {
                    ok(SqlType::Array(Box::new(SqlType::String)))
                } else {
                    no()
                }
            },
            |a, _| {
                let (Some(p), Some(x)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                let Ok(re) = regex::Regex::new(p) else { return Value::Null };
                let g = a.get(2).and_then(|v| v.as_i64()).unwrap_or(0) as usize;
                Value::Array(
                    re.captures_iter(x).map(|c| c.get(g).map(|m| string(m.as_str())).unwrap_or(Value::Null)).collect(),
                )
            }
        ),
        f!(
            "REGEXP_REPLACE",
            "REGULAR EXPRESSION",
            "Replaces every match of a regular expression.",
            ["REGEXP_REPLACE(input STRING, regex STRING, replacement STRING) => STRING"],
            |a| strs(a, 3..=3, SqlType::String),
            |a, _| {
                let (Some(x), Some(p), Some(r)) = (s(&a[0]), s(&a[1]), s(&a[2])) else { return Value::Null };
                let Ok(re) = regex::Regex::new(p) else { return Value::Null };
                string(re.replace_all(x, r.replace("$", "$$").as_str()).into_owned())
            }
        ),
        f!(
            "REGEXP_SPLIT_TO_ARRAY",
            "REGULAR EXPRESSION",
            "Splits a string by a regular expression.",
            ["REGEXP_SPLIT_TO_ARRAY(string STRING, regexp STRING) => ARRAY<STRING>"],
            |a| strs(a, 2..=2, SqlType::Array(Box::new(SqlType::String))),
            |a, _| {
                let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                let Ok(re) = regex::Regex::new(p) else { return Value::Null };
                Value::Array(re.split(x).map(string).collect())
            }
        ),
        f!(
            "CHR",
            "STRING",
            "The character of a Unicode code point.",
            ["CHR(decimalCode INT) => STRING", "CHR(utf16Hex STRING) => STRING"],
            |a| {
                if a.len() == 1 && (is_int(a, 0) || is_str(a, 0)) {
                    ok(SqlType::String)
                } else {
                    no()
                }
            },
            |a, _| match &a[0] {
                Value::Int(i) => char::from_u32(*i as u32).map(|c| string(c.to_string())).unwrap_or(Value::Null),
                Value::String(h) => {
                    let h = h.trim_start_matches("\\u").trim_start_matches("U+");
                    u32::from_str_radix(h, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .map(|c| string(c.to_string()))
                        .unwrap_or(Value::Null)
                }
                _ => Value::Null,
            }
        ),
        f!(
            "UUID",
            "STRING",
            "A random UUID.",
            ["UUID() => STRING"],
            |a| if a.is_empty() { ok(SqlType::String) } else { no() },
            |_, _| string(uuid::Uuid::new_v4().to_string())
        ),
        f!(
            "MASK",
            "STRING",
            "Masks letters and digits (X, x, n).",
            ["MASK(input STRING) => STRING"],
            |a| strs(a, 1..=5, SqlType::String),
            |a, _| {
                let Some(x) = s(&a[0]) else { return Value::Null };
                string(
                    x.chars()
                        .map(|c| {
                            if c.is_ascii_uppercase() {
                                'X'
                            } else if c.is_ascii_lowercase() {
                                'x'
                            } else if c.is_ascii_digit() {
                                'n'
                            } else {
                                '-'
                            }
                        })
                        .collect::<String>(),
                )
            }
        ),
        // ---------------------------------------------------------------- math
        f!(
            "ABS",
            "MATHEMATICAL",
            "Absolute value.",
            ["ABS(x INT) => INT", "ABS(x BIGINT) => BIGINT", "ABS(x DOUBLE) => DOUBLE", "ABS(x DECIMAL) => DECIMAL"],
            |a| {
                if a.len() == 1 && is_num(a, 0) {
                    Ok(a[0].clone().or(Some(SqlType::Integer)))
                } else {
                    no()
                }
            },
            |a, _| match &a[0] {
                Value::Int(i) => Value::Int(i.wrapping_abs()),
                Value::Bigint(i) => Value::Bigint(i.wrapping_abs()),
                Value::Double(d) => Value::Double(d.abs()),
                Value::Decimal(d) => Value::Decimal(Decimal::new(d.unscaled.abs(), d.scale)),
                _ => Value::Null,
            }
        ),
        f!(
            "CEIL",
            "MATHEMATICAL",
            "Rounds up.",
            ["CEIL(x DOUBLE) => DOUBLE"],
            |a| {
                if a.len() == 1 && is_num(a, 0) {
                    Ok(match t(a, 0) {
                        Some(SqlType::Decimal { precision, scale }) => {
                            Some(decimal_type(precision.unwrap_or(38) - scale.unwrap_or(0) + 1, 0))
                        }
                        Some(x) => Some(x.clone()),
                        None => Some(SqlType::Integer),
                    })
                } else {
                    no()
                }
            },
            |a, _| match &a[0] {
                Value::Double(d) => Value::Double(d.ceil()),
                Value::Decimal(d) => {
                    let f =
                        d.rescale(0)
                            .map(|r| {
                                if Decimal::new(r.unscaled, 0).cmp_value(d).is_lt() {
                                    r.unscaled + 1
                                } else {
                                    r.unscaled
                                }
                            })
                            .unwrap_or(0);
                    Value::Decimal(Decimal::new(f, 0))
                }
                v => v.clone(),
            }
        ),
        f!(
            "FLOOR",
            "MATHEMATICAL",
            "Rounds down.",
            ["FLOOR(x DOUBLE) => DOUBLE"],
            |a| {
                if a.len() == 1 && is_num(a, 0) {
                    Ok(match t(a, 0) {
                        Some(SqlType::Decimal { precision, scale }) => {
                            Some(decimal_type(precision.unwrap_or(38) - scale.unwrap_or(0) + 1, 0))
                        }
                        Some(x) => Some(x.clone()),
                        None => Some(SqlType::Integer),
                    })
                } else {
                    no()
                }
            },
            |a, _| match &a[0] {
                Value::Double(d) => Value::Double(d.floor()),
                Value::Decimal(d) => {
                    let f =
                        d.rescale(0)
                            .map(|r| {
                                if Decimal::new(r.unscaled, 0).cmp_value(d).is_gt() {
                                    r.unscaled - 1
                                } else {
                                    r.unscaled
                                }
                            })
                            .unwrap_or(0);
                    Value::Decimal(Decimal::new(f, 0))
                }
                v => v.clone(),
            }
        ),
        f!(
            "ROUND",
            "MATHEMATICAL",
            "Rounds half up, optionally to a number of decimal places.",
            [
                "ROUND(val DOUBLE) => BIGINT",
                "ROUND(val DOUBLE, decimals INT) => DOUBLE",
                "ROUND(val DECIMAL) => DECIMAL",
                "ROUND(val DECIMAL, decimals INT) => DECIMAL"
            ],
            |a| {
                if !(a.len() == 1 || (a.len() == 2 && is_int(a, 1))) || !is_num(a, 0) {
                    return no();
                }
                Ok(Some(match (t(a, 0), a.len()) {
                    (Some(SqlType::Double), 1) => SqlType::Bigint,
                    (Some(SqlType::Double), _) => SqlType::Double,
                    (Some(SqlType::Decimal { precision, scale }), 1) => {
                        decimal_type(precision.unwrap_or(38) - scale.unwrap_or(0) + 1, 0)
                    }
                    (Some(SqlType::Decimal { precision, scale }), _) => {
                        decimal_type(precision.unwrap_or(38) + 1, scale.unwrap_or(0))
                    }
                    (Some(x), _) => x.clone(),
                    (None, _) => SqlType::Bigint,
                }))
            },
            |a, ret| {
                if any_null(a) {
                    return Value::Null;
                }
                let places = a.get(1).and_then(|v| v.as_i64()).unwrap_or(0) as i32;
                match (&a[0], ret) {
                    (Value::Double(d), Some(SqlType::Bigint)) => Value::Bigint((d + 0.5).floor() as i64),
                    (Value::Double(d), _) => Value::Double(round_half_up(*d, places)),
                    (Value::Decimal(d), Some(SqlType::Decimal { scale, .. })) => {
                        let r = if places >= 0 {
                            d.rescale((places as u32).min(d.scale)).and_then(|x| x.rescale(scale.unwrap_or(0)))
                        } else {
                            let p = (-places) as u32;
                            Decimal::new(d.unscaled, d.scale + p)
                                .rescale(0)
                                .map(|q| Decimal::new(q.unscaled * pow10(p), 0))
                                .and_then(|x| x.rescale(scale.unwrap_or(0)))
                        };
                        r.map(Value::Decimal).unwrap_or(Value::Null)
                    }
                    (Value::Int(i), _) if places < 0 => {
                        let p = pow10((-places) as u32) as i64;
                        Value::Int(
                            (Decimal::new(*i as i128, (-places) as u32)
                                .rescale(0)
                                .map(|q| q.unscaled as i64)
                                .unwrap_or(0)
                                * p) as i32,
                        )
                    }
                    (Value::Bigint(i), _) if places < 0 => {
                        let p = pow10((-places) as u32) as i64;
                        Value::Bigint(
                            Decimal::new(*i as i128, (-places) as u32)
                                .rescale(0)
                                .map(|q| q.unscaled as i64)
                                .unwrap_or(0)
                                * p,
                        )
                    }
                    (v, _) => v.clone(),
                }
            }
        ),
        f!(
            "TRUNC",
            "MATHEMATICAL",
            "Truncates toward zero, optionally to a number of decimal places.",
            [
                "TRUNC(val DOUBLE) => BIGINT",
                "TRUNC(val DOUBLE, decimals INT) => DOUBLE",
                "TRUNC(val DECIMAL) => DECIMAL",
                "TRUNC(val DECIMAL, decimals INT) => DECIMAL",
                "TRUNC(val INT) => INT",
                "TRUNC(val BIGINT) => BIGINT"
            ],
            |a| {
                if !(a.len() == 1 || (a.len() == 2 && is_int(a, 1))) || !is_num(a, 0) {
                    return no();
                }
                Ok(Some(match (t(a, 0), a.len()) {
                    (Some(SqlType::Double), 1) => SqlType::Bigint,
                    (Some(SqlType::Double), _) => SqlType::Double,
                    (Some(SqlType::Decimal { precision, scale }), 1) => {
                        decimal_type(precision.unwrap_or(38) - scale.unwrap_or(0) + 1, 0)
                    }
                    (Some(SqlType::Decimal { precision, scale }), _) => {
                        decimal_type(precision.unwrap_or(38) + 1, scale.unwrap_or(0))
                    }
                    (Some(x), _) => x.clone(),
                    (None, _) => SqlType::Bigint,
                }))
            },
            |a, ret| {
                if any_null(a) {
                    return Value::Null;
                }
                let places = a.get(1).and_then(|v| v.as_i64()).unwrap_or(0) as i32;
                match (&a[0], ret) {
                    (Value::Double(d), Some(SqlType::Bigint)) => Value::Bigint(d.trunc() as i64),
                    (Value::Double(d), _) => {
                        let f = 10f64.powi(places);
                        Value::Double((d * f).trunc() / f)
                    }
                    (Value::Decimal(d), Some(SqlType::Decimal { scale, .. })) => {
                        let cut = d.scale as i64 - places as i64;
                        let truncated = if cut <= 0 {
                            Some(*d)
                        } else if places >= 0 {
                            Some(Decimal::new(d.unscaled / pow10(cut as u32), places as u32))
                        } else {
                            let p = (-places) as u32;
                            Some(Decimal::new(d.unscaled / pow10(cut as u32) * pow10(p), 0))
                        };
                        truncated.and_then(|x| x.rescale(scale.unwrap_or(0))).map(Value::Decimal).unwrap_or(Value::Null)
                    }
                    (v, _) => v.clone(),
                }
            }
        ),
        f!(
            "SIN",
            "MATHEMATICAL",
            "sin of a value.",
            ["SIN(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.sin())).unwrap_or(Value::Null)
        ),
        f!(
            "COS",
            "MATHEMATICAL",
            "cos of a value.",
            ["COS(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.cos())).unwrap_or(Value::Null)
        ),
        f!(
            "TAN",
            "MATHEMATICAL",
            "tan of a value.",
            ["TAN(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.tan())).unwrap_or(Value::Null)
        ),
        f!(
            "ASIN",
            "MATHEMATICAL",
            "asin of a value.",
            ["ASIN(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.asin())).unwrap_or(Value::Null)
        ),
        f!(
            "ACOS",
            "MATHEMATICAL",
            "acos of a value.",
            ["ACOS(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.acos())).unwrap_or(Value::Null)
        ),
        f!(
            "ATAN",
            "MATHEMATICAL",
            "atan of a value.",
            ["ATAN(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.atan())).unwrap_or(Value::Null)
        ),
        f!(
            "SINH",
            "MATHEMATICAL",
            "sinh of a value.",
            ["SINH(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.sinh())).unwrap_or(Value::Null)
        ),
        f!(
            "COSH",
            "MATHEMATICAL",
            "cosh of a value.",
            ["COSH(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.cosh())).unwrap_or(Value::Null)
        ),
        f!(
            "TANH",
            "MATHEMATICAL",
            "tanh of a value.",
            ["TANH(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.tanh())).unwrap_or(Value::Null)
        ),
        f!(
            "RADIANS",
            "MATHEMATICAL",
            "radians of a value.",
            ["RADIANS(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.to_radians())).unwrap_or(Value::Null)
        ),
        f!(
            "DEGREES",
            "MATHEMATICAL",
            "degrees of a value.",
            ["DEGREES(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.to_degrees())).unwrap_or(Value::Null)
        ),
        f!(
            "COT",
            "MATHEMATICAL",
            "Cotangent of a value.",
            ["COT(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(1.0 / x.tan())).unwrap_or(Value::Null)
        ),
        f!(
            "ATAN2",
            "MATHEMATICAL",
            "Arc tangent of y/x.",
            ["ATAN2(y DOUBLE, x DOUBLE) => DOUBLE"],
            |a| if a.len() == 2 && is_num(a, 0) && is_num(a, 1) { ok(SqlType::Double) } else { no() },
            |a, _| match (a[0].as_f64(), a[1].as_f64()) {
                (Some(y), Some(x)) => Value::Double(y.atan2(x)),
                _ => Value::Null,
            }
        ),
        f!(
            "URL_ENCODE_PARAM",
            "URL",
            "Encodes a value as an application/x-www-form-urlencoded parameter.",
            ["URL_ENCODE_PARAM(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]) {
                Some(x) => string(url_encode(x)),
                None => Value::Null,
            }
        ),
        f!(
            "URL_DECODE_PARAM",
            "URL",
            "Decodes an application/x-www-form-urlencoded parameter.",
            ["URL_DECODE_PARAM(input STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| match s(&a[0]).and_then(url_decode) {
                Some(x) => string(x),
                None => Value::Null,
            }
        ),
        f!(
            "URL_EXTRACT_FRAGMENT",
            "URL",
            "The fragment of a URL.",
            ["URL_EXTRACT_FRAGMENT(url STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| s(&a[0]).and_then(|u| UrlParts::parse(u).fragment).map(string).unwrap_or(Value::Null)
        ),
        f!(
            "URL_EXTRACT_HOST",
            "URL",
            "The host of a URL.",
            ["URL_EXTRACT_HOST(url STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| s(&a[0]).and_then(|u| UrlParts::parse(u).host).map(string).unwrap_or(Value::Null)
        ),
        f!(
            "URL_EXTRACT_PATH",
            "URL",
            "The path of a URL.",
            ["URL_EXTRACT_PATH(url STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| s(&a[0]).map(|u| string(UrlParts::parse(u).path)).unwrap_or(Value::Null)
        ),
        f!(
            "URL_EXTRACT_PORT",
            "URL",
            "The port of a URL.",
            ["URL_EXTRACT_PORT(url STRING) => INT"],
            |a| strs(a, 1..=1, SqlType::Integer),
            |a, _| s(&a[0]).and_then(|u| UrlParts::parse(u).port).map(Value::Int).unwrap_or(Value::Null)
        ),
        f!(
            "URL_EXTRACT_PROTOCOL",
            "URL",
            "The protocol of a URL.",
            ["URL_EXTRACT_PROTOCOL(url STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| s(&a[0]).and_then(|u| UrlParts::parse(u).scheme).map(string).unwrap_or(Value::Null)
        ),
        f!(
            "URL_EXTRACT_QUERY",
            "URL",
            "The query of a URL.",
            ["URL_EXTRACT_QUERY(url STRING) => STRING"],
            |a| strs(a, 1..=1, SqlType::String),
            |a, _| s(&a[0]).and_then(|u| UrlParts::parse(u).query).map(string).unwrap_or(Value::Null)
        ),
        f!(
            "URL_EXTRACT_PARAMETER",
            "URL",
            "The first value of a query parameter of a URL.",
            ["URL_EXTRACT_PARAMETER(url STRING, parameter STRING) => STRING"],
            |a| strs(a, 2..=2, SqlType::String),
            |a, _| {
                let (Some(u), Some(name)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                let Some(q) = UrlParts::parse(u).query else { return Value::Null };
                for kv in q.split('&') {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    if url_decode(k).as_deref() == Some(name) {
                        return url_decode(v).map(string).unwrap_or(Value::Null);
                    }
                }
                Value::Null
            }
        ),
        f!(
            "SQRT",
            "MATHEMATICAL",
            "Square root.",
            ["SQRT(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.sqrt())).unwrap_or(Value::Null)
        ),
        f!(
            "CBRT",
            "MATHEMATICAL",
            "Cube root.",
            ["CBRT(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.cbrt())).unwrap_or(Value::Null)
        ),
        f!(
            "EXP",
            "MATHEMATICAL",
            "e raised to a power.",
            ["EXP(exponent DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.exp())).unwrap_or(Value::Null)
        ),
        f!(
            "LN",
            "MATHEMATICAL",
            "Natural logarithm.",
            ["LN(value DOUBLE) => DOUBLE"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() },
            |a, _| a[0].as_f64().map(|x| Value::Double(x.ln())).unwrap_or(Value::Null)
        ),
        f!(
            "LOG",
            "MATHEMATICAL",
            "Logarithm (natural, or in a base).",
            ["LOG(value DOUBLE) => DOUBLE", "LOG(base DOUBLE, value DOUBLE) => DOUBLE"],
            |a| if (a.len() == 1 || a.len() == 2) && (0..a.len()).all(|i| is_num(a, i)) {
                ok(SqlType::Double)
            } else {
                no()
            },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                match a.len() {
                    1 => Value::Double(a[0].as_f64().unwrap().ln()),
                    _ => Value::Double(a[1].as_f64().unwrap().ln() / a[0].as_f64().unwrap().ln()),
                }
            }
        ),
        f!(
            "POWER",
            "MATHEMATICAL",
            "A number raised to a power.",
            ["POWER(base DOUBLE, exponent DOUBLE) => DOUBLE"],
            |a| if a.len() == 2 && is_num(a, 0) && is_num(a, 1) { ok(SqlType::Double) } else { no() },
            |a, _| match (a[0].as_f64(), a[1].as_f64()) {
                (Some(x), Some(y)) => Value::Double(x.powf(y)),
                _ => Value::Null,
            }
        ),
        f!(
            "SIGN",
            "MATHEMATICAL",
            "The sign of a number (-1, 0, 1).",
            ["SIGN(value DOUBLE) => INT"],
            |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Integer) } else { no() },
            |a, _| a[0]
                .as_f64()
                .map(|x| Value::Int(if x > 0.0 {
                    1
                } else if x < 0.0 {
                    -1
                } else {
                    0
                }))
                .unwrap_or(Value::Null)
        ),
        f!(
            "RANDOM",
            "MATHEMATICAL",
            "A random DOUBLE in [0, 1).",
            ["RANDOM() => DOUBLE"],
            |a| if a.is_empty() { ok(SqlType::Double) } else { no() },
            |_, _| {
                let u = uuid::Uuid::new_v4().as_u128();
                Value::Double((u >> 75) as f64 / (1u64 << 53) as f64)
            }
        ),
        f!(
            "PI",
            "MATHEMATICAL",
            "The value of pi.",
            ["PI() => DOUBLE"],
            |a| if a.is_empty() { ok(SqlType::Double) } else { no() },
            |_, _| Value::Double(std::f64::consts::PI)
        ),
        f!(
            "GEO_DISTANCE",
            "MATHEMATICAL",
            "Great-circle distance between two lat/long points, in km (default) or miles.",
            [
                "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE) => DOUBLE",
                "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE, units STRING) => DOUBLE"
            ],
            |a| {
                if (a.len() == 4 || (a.len() == 5 && is_str(a, 4))) && (0..4).all(|i| is_num(a, i)) {
                    ok(SqlType::Double)
                } else {
                    no()
                }
            },
            |a, _| geo_distance(a)
        ),
        f!(
            "GREATEST",
            "MATHEMATICAL",
            "The greatest of its arguments (nulls ignored).",
            ["GREATEST(val T, vals T...) => T"],
            |a| variadic_common(a),
            |a, ret| extreme(a, ret, true)
        ),
        f!(
            "LEAST",
            "MATHEMATICAL",
            "The least of its arguments (nulls ignored).",
            ["LEAST(val T, vals T...) => T"],
            |a| variadic_common(a),
            |a, ret| extreme(a, ret, false)
        ),
        // ---------------------------------------------------------------- nulls and conditionals
        f!(
            "IFNULL",
            "CONDITIONAL",
            "The first argument, or the second when the first is NULL.",
            ["IFNULL(expression T, altValue T) => T"],
            |a| {
                if a.len() != 2 {
                    return no();
                }
                match (&a[0], &a[1]) {
                    (Some(x), Some(y)) => common_type(x, y).map(Some).ok_or_else(String::new),
                    (x, y) => Ok(x.clone().or(y.clone())),
                }
            },
            |a, ret| if a[0].is_null() {
                coerce(a[1].clone(), ret.as_ref().unwrap_or(&SqlType::String))
            } else {
                coerce(a[0].clone(), ret.as_ref().unwrap_or(&SqlType::String))
            }
        ),
        f!(
            "COALESCE",
            "CONDITIONAL",
            "The first non-NULL argument.",
            ["COALESCE(first T, others T...) => T"],
            |a| variadic_common(a),
            |a, ret| {
                a.iter()
                    .find(|v| !v.is_null())
                    .map(|v| match ret {
                        Some(t) => coerce(v.clone(), t),
                        None => v.clone(),
                    })
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "NULLIF",
            "CONDITIONAL",
            "NULL when both arguments are equal, else the first.",
            ["NULLIF(expr1 T, expr2 T) => T"],
            |a| if a.len() == 2 { Ok(a[0].clone()) } else { no() },
            |a, _| {
                if !a[0].is_null() && !a[1].is_null() && sql_equals(&a[0], &a[1]) {
                    Value::Null
                } else {
                    a[0].clone()
                }
            }
        ),
        f!(
            "AS_VALUE",
            "OTHER",
            "Copies a key column into the value.",
            ["AS_VALUE(val T) => T"],
            |a| if a.len() == 1 { Ok(a[0].clone()) } else { no() },
            |a, _| a[0].clone()
        ),
        // ---------------------------------------------------------------- dates and times
        f!(
            "UNIX_TIMESTAMP",
            "DATE / TIME",
            "Milliseconds since the epoch (now, or of a TIMESTAMP).",
            ["UNIX_TIMESTAMP() => BIGINT", "UNIX_TIMESTAMP(ts TIMESTAMP) => BIGINT"],
            |a| {
                if a.is_empty() || (a.len() == 1 && matches!(a[0], None | Some(SqlType::Timestamp))) {
                    ok(SqlType::Bigint)
                } else {
                    no()
                }
            },
            |a, _| match a.first() {
                None => Value::Bigint(chrono::Utc::now().timestamp_millis()),
                Some(Value::Timestamp(t)) => Value::Bigint(*t),
                _ => Value::Null,
            }
        ),
        f!(
            "UNIX_DATE",
            "DATE / TIME",
            "Days since the epoch (today, or of a DATE).",
            ["UNIX_DATE() => INT", "UNIX_DATE(date DATE) => INT"],
            |a| {
                if a.is_empty() || (a.len() == 1 && matches!(a[0], None | Some(SqlType::Date))) {
                    ok(SqlType::Integer)
                } else {
                    no()
                }
            },
            |a, _| match a.first() {
                None => Value::Int((chrono::Utc::now().timestamp_millis() / MS_PER_DAY) as i32),
                Some(Value::Date(d)) => Value::Int(*d),
                _ => Value::Null,
            }
        ),
        f!(
            "TIMESTAMPTOSTRING",
            "DATE / TIME",
            "Formats epoch milliseconds with a Java date pattern.",
            [
                "TIMESTAMPTOSTRING(epochMilli BIGINT, formatPattern STRING) => STRING",
                "TIMESTAMPTOSTRING(epochMilli BIGINT, formatPattern STRING, timeZone STRING) => STRING"
            ],
            |a| {
                if (a.len() == 2 || a.len() == 3) && is_int(a, 0) && (1..a.len()).all(|i| is_str(a, i)) {
                    ok(SqlType::String)
                } else {
                    no()
                }
            },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                format_ts(a[0].as_i64().unwrap(), s(&a[1]).unwrap(), a.get(2).and_then(|v| v.as_str()))
                    .map(string)
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "FORMAT_TIMESTAMP",
            "DATE / TIME",
            "Formats a TIMESTAMP with a Java date pattern.",
            [
                "FORMAT_TIMESTAMP(timestamp TIMESTAMP, formatPattern STRING) => STRING",
                "FORMAT_TIMESTAMP(timestamp TIMESTAMP, formatPattern STRING, timeZone STRING) => STRING"
            ],
            |a| {
                if (a.len() == 2 || a.len() == 3)
                    && matches!(a[0], None | Some(SqlType::Timestamp))
                    && (1..a.len()).all(|i| is_str(a, i))
                {
                    ok(SqlType::String)
                } else {
                    no()
                }
            },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                format_ts(a[0].as_i64().unwrap(), s(&a[1]).unwrap(), a.get(2).and_then(|v| v.as_str()))
                    .map(string)
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "STRINGTOTIMESTAMP",
            "DATE / TIME",
            "Parses a string into epoch milliseconds.",
            [
                "STRINGTOTIMESTAMP(formattedTimestamp STRING, formatPattern STRING) => BIGINT",
                "STRINGTOTIMESTAMP(formattedTimestamp STRING, formatPattern STRING, timeZone STRING) => BIGINT"
            ],
            |a| strs(a, 2..=3, SqlType::Bigint),
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                parse_ts(s(&a[0]).unwrap(), s(&a[1]).unwrap(), a.get(2).and_then(|v| v.as_str()))
                    .map(Value::Bigint)
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "PARSE_TIMESTAMP",
            "DATE / TIME",
            "Parses a string into a TIMESTAMP.",
            [
                "PARSE_TIMESTAMP(formattedTimestamp STRING, formatPattern STRING) => TIMESTAMP",
                "PARSE_TIMESTAMP(formattedTimestamp STRING, formatPattern STRING, timeZone STRING) => TIMESTAMP"
            ],
            |a| strs(a, 2..=3, SqlType::Timestamp),
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                parse_ts(s(&a[0]).unwrap(), s(&a[1]).unwrap(), a.get(2).and_then(|v| v.as_str()))
                    .map(Value::Timestamp)
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "FROM_UNIXTIME",
            "DATE / TIME",
            "A TIMESTAMP from epoch milliseconds.",
            ["FROM_UNIXTIME(epochMilli BIGINT) => TIMESTAMP"],
            |a| if a.len() == 1 && is_int(a, 0) { ok(SqlType::Timestamp) } else { no() },
            |a, _| a[0].as_i64().map(Value::Timestamp).unwrap_or(Value::Null)
        ),
        f!(
            "FROM_DAYS",
            "DATE / TIME",
            "A DATE from days since the epoch.",
            ["FROM_DAYS(days INT) => DATE"],
            |a| if a.len() == 1 && is_int(a, 0) { ok(SqlType::Date) } else { no() },
            |a, _| a[0].as_i64().map(|d| Value::Date(d as i32)).unwrap_or(Value::Null)
        ),
        f!(
            "DATETOSTRING",
            "DATE / TIME",
            "Formats days since the epoch with a Java date pattern.",
            ["DATETOSTRING(epochDays INT, formatPattern STRING) => STRING"],
            |a| if a.len() == 2 && is_int(a, 0) && is_str(a, 1) { ok(SqlType::String) } else { no() },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                format_ts(a[0].as_i64().unwrap() * MS_PER_DAY, s(&a[1]).unwrap(), None)
                    .map(string)
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "STRINGTODATE",
            "DATE / TIME",
            "Parses a string into days since the epoch.",
            ["STRINGTODATE(formattedDate STRING, formatPattern STRING) => INT"],
            |a| strs(a, 2..=2, SqlType::Integer),
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                parse_ts(s(&a[0]).unwrap(), s(&a[1]).unwrap(), None)
                    .map(|ms| Value::Int(ms.div_euclid(MS_PER_DAY) as i32))
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "FORMAT_DATE",
            "DATE / TIME",
            "Formats a DATE with a Java date pattern.",
            ["FORMAT_DATE(date DATE, formatPattern STRING) => STRING"],
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Date)) && is_str(a, 1) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                format_ts(a[0].as_i64().unwrap() * MS_PER_DAY, s(&a[1]).unwrap(), None)
                    .map(string)
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "PARSE_DATE",
            "DATE / TIME",
            "Parses a string into a DATE.",
            ["PARSE_DATE(formattedDate STRING, formatPattern STRING) => DATE"],
            |a| strs(a, 2..=2, SqlType::Date),
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                parse_ts(s(&a[0]).unwrap(), s(&a[1]).unwrap(), None)
                    .map(|ms| Value::Date(ms.div_euclid(MS_PER_DAY) as i32))
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "FORMAT_TIME",
            "DATE / TIME",
            "Formats a TIME with a Java time pattern.",
            ["FORMAT_TIME(time TIME, formatPattern STRING) => STRING"],
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Time)) && is_str(a, 1) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                format_ts(a[0].as_i64().unwrap(), s(&a[1]).unwrap(), None).map(string).unwrap_or(Value::Null)
            }
        ),
        f!(
            "PARSE_TIME",
            "DATE / TIME",
            "Parses a string into a TIME.",
            ["PARSE_TIME(formattedTime STRING, formatPattern STRING) => TIME"],
            |a| strs(a, 2..=2, SqlType::Time),
            |a, _| {
                if any_null(a) {
                    return Value::Null;
                }
                let f = java_to_chrono(s(&a[1]).unwrap());
                chrono::NaiveTime::parse_from_str(s(&a[0]).unwrap(), &f)
                    .ok()
                    .map(|t| {
                        use chrono::Timelike;
                        Value::Time(t.num_seconds_from_midnight() as i64 * 1000 + (t.nanosecond() / 1_000_000) as i64)
                    })
                    .unwrap_or(Value::Null)
            }
        ),
        f!(
            "TIMESTAMPADD",
            "DATE / TIME",
            "Adds a duration to a TIMESTAMP.",
            ["TIMESTAMPADD(unit INTERVALUNIT, interval INT, timestamp TIMESTAMP) => TIMESTAMP"],
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) { ok(SqlType::Timestamp) } else { no() },
            |a, _| time_add(
                a,
                1,
                |v| match v {
                    Value::Timestamp(t) => Some(*t),
                    _ => None,
                },
                Value::Timestamp
            )
        ),
        f!(
            "TIMESTAMPSUB",
            "DATE / TIME",
            "Subtracts a duration from a TIMESTAMP.",
            ["TIMESTAMPSUB(unit INTERVALUNIT, interval INT, timestamp TIMESTAMP) => TIMESTAMP"],
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) { ok(SqlType::Timestamp) } else { no() },
            |a, _| time_add(
                a,
                -1,
                |v| match v {
                    Value::Timestamp(t) => Some(*t),
                    _ => None,
                },
                Value::Timestamp
            )
        ),
        f!(
            "DATEADD",
            "DATE / TIME",
            "Adds a duration to a DATE.",
            ["DATEADD(unit INTERVALUNIT, interval INT, date DATE) => DATE"],
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && matches!(a[2], None | Some(SqlType::Date)) {
                ok(SqlType::Date)
            } else {
                no()
            },
            |a, _| date_add(a, 1)
        ),
        f!(
            "DATESUB",
            "DATE / TIME",
            "Subtracts a duration from a DATE.",
            ["DATESUB(unit INTERVALUNIT, interval INT, date DATE) => DATE"],
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && matches!(a[2], None | Some(SqlType::Date)) {
                ok(SqlType::Date)
            } else {
                no()
            },
            |a, _| date_add(a, -1)
        ),
        f!(
            "TIMEADD",
            "DATE / TIME",
            "Adds a duration to a TIME.",
            ["TIMEADD(unit INTERVALUNIT, interval INT, time TIME) => TIME"],
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && matches!(a[2], None | Some(SqlType::Time)) {
                ok(SqlType::Time)
            } else {
                no()
            },
            |a, _| time_of_day_add(a, 1)
        ),
        f!(
            "TIMESUB",
            "DATE / TIME",
            "Subtracts a duration from a TIME.",
            ["TIMESUB(unit INTERVALUNIT, interval INT, time TIME) => TIME"],
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && matches!(a[2], None | Some(SqlType::Time)) {
                ok(SqlType::Time)
            } else {
                no()
            },
            |a, _| time_of_day_add(a, -1)
        ),
        // ---------------------------------------------------------------- JSON
        f!(
            "EXTRACTJSONFIELD",
            "JSON",
            "Extracts a value from a JSON string by a JSONPath.",
            ["EXTRACTJSONFIELD(input STRING, jsonPath STRING) => STRING"],
            |a| strs(a, 2..=2, SqlType::String),
            |a, _| {
                let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                match json_parse(x).and_then(|j| json_path(&j, p)) {
                    Some(serde_json::Value::String(v)) => string(v),
                    Some(serde_json::Value::Null) | None => Value::Null,
                    Some(other) => string(other.to_string()),
                }
            }
        ),
        f!(
            "JSON_ARRAY_LENGTH",
            "JSON",
            "Length of a JSON array.",
            ["JSON_ARRAY_LENGTH(json STRING) => INT"],
            |a| strs(a, 1..=1, SqlType::Integer),
            |a, _| {
                match s(&a[0]).and_then(json_parse) {
                    Some(serde_json::Value::Array(x)) => Value::Int(x.len() as i32),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "JSON_KEYS",
            "JSON",
            "Keys of a JSON object.",
            ["JSON_KEYS(json STRING) => ARRAY<STRING>"],
            |a| strs(a, 1..=1, SqlType::Array(Box::new(SqlType::String))),
            |a, _| {
                match s(&a[0]).and_then(json_parse) {
                    Some(serde_json::Value::Object(o)) => Value::Array(o.keys().map(|k| string(k.clone())).collect()),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "IS_JSON_STRING",
            "JSON",
            "Is the string valid JSON?",
            ["IS_JSON_STRING(json STRING) => BOOLEAN"],
            |a| strs(a, 1..=1, SqlType::Boolean),
            |a, _| {
                match s(&a[0]) {
                    Some(x) => Value::Boolean(!x.trim().is_empty() && json_parse(x).is_some()),
                    None => Value::Boolean(false),
                }
            }
        ),
        f!(
            "TO_JSON_STRING",
            "JSON",
            "Serializes any value to a JSON string.",
            ["TO_JSON_STRING(val T) => STRING"],
            |a| if a.len() == 1 { ok(SqlType::String) } else { no() },
            |a, _| string(to_json_string(&a[0]))
        ),
        // ---------------------------------------------------------------- arrays and maps
        f!(
            "ARRAY_LENGTH",
            "ARRAY",
            "Number of elements of an array.",
            ["ARRAY_LENGTH(array ARRAY<T>) => INT"],
            |a| if a.len() == 1 && matches!(a[0], None | Some(SqlType::Array(_))) {
                ok(SqlType::Integer)
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => Value::Int(x.len() as i32),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_CONTAINS",
            "ARRAY",
            "Does the array contain the value?",
            ["ARRAY_CONTAINS(array ARRAY<T>, val T) => BOOLEAN"],
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Array(_))) {
                ok(SqlType::Boolean)
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => Value::Boolean(x.iter().any(|v| if a[1].is_null() {
                    v.is_null()
                } else {
                    !v.is_null() && sql_equals(v, &a[1])
                })),
                _ => Value::Boolean(false),
            }
        ),
        f!(
            "ARRAY_DISTINCT",
            "ARRAY",
            "Distinct elements, in order of first appearance.",
            ["ARRAY_DISTINCT(array ARRAY<T>) => ARRAY<T>"],
            |a| same_array(a, 1),
            |a, _| array_of(&a[0]).map(|x| Value::Array(distinct(x))).unwrap_or(Value::Null)
        ),
        f!(
            "ARRAY_EXCEPT",
            "ARRAY",
            "Distinct elements of the first array not in the second.",
            ["ARRAY_EXCEPT(left ARRAY<T>, right ARRAY<T>) => ARRAY<T>"],
            |a| same_array(a, 2),
            |a, _| match (array_of(&a[0]), array_of(&a[1])) {
                (Some(x), Some(y)) => Value::Array(distinct(x).into_iter().filter(|v| !y.contains(v)).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_INTERSECT",
            "ARRAY",
            "Distinct elements present in both arrays.",
            ["ARRAY_INTERSECT(left ARRAY<T>, right ARRAY<T>) => ARRAY<T>"],
            |a| same_array(a, 2),
            |a, _| match (array_of(&a[0]), array_of(&a[1])) {
                (Some(x), Some(y)) => Value::Array(distinct(x).into_iter().filter(|v| y.contains(v)).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_UNION",
            "ARRAY",
            "Distinct elements of both arrays.",
            ["ARRAY_UNION(left ARRAY<T>, right ARRAY<T>) => ARRAY<T>"],
            |a| same_array(a, 2),
            |a, _| match (array_of(&a[0]), array_of(&a[1])) {
                (Some(x), Some(y)) => Value::Array(distinct(&[x.clone(), y.clone()].concat())),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_CONCAT",
            "ARRAY",
            "Concatenation of two arrays.",
            ["ARRAY_CONCAT(left ARRAY<T>, right ARRAY<T>) => ARRAY<T>"],
            |a| same_array(a, 2),
            |a, _| match (&a[0], &a[1]) {
                (Value::Array(x), Value::Array(y)) => Value::Array([x.clone(), y.clone()].concat()),
                (Value::Array(x), Value::Null) | (Value::Null, Value::Array(x)) => Value::Array(x.clone()),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_REMOVE",
            "ARRAY",
            "The array without the given value.",
            ["ARRAY_REMOVE(array ARRAY<T>, victim T) => ARRAY<T>"],
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Array(_))) { Ok(a[0].clone()) } else { no() },
            |a, _| match &a[0] {
                Value::Array(x) => Value::Array(
                    x.iter()
                        .filter(|v| !(if a[1].is_null() { v.is_null() } else { !v.is_null() && sql_equals(v, &a[1]) }))
                        .cloned()
                        .collect()
                ),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_JOIN",
            "ARRAY",
            "Joins array elements into a string.",
            ["ARRAY_JOIN(array ARRAY<T>) => STRING", "ARRAY_JOIN(array ARRAY<T>, delimiter STRING) => STRING"],
            |a| if (a.len() == 1 || (a.len() == 2 && is_str(a, 1))) && matches!(a[0], None | Some(SqlType::Array(_))) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => string(
                    x.iter()
                        .map(|v| if v.is_null() { "null".to_string() } else { to_sql_string(v) })
                        .collect::<Vec<_>>()
                        .join(a.get(1).and_then(|d| d.as_str()).unwrap_or(","))
                ),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_MAX",
            "ARRAY",
            "The greatest non-NULL element.",
            ["ARRAY_MAX(array ARRAY<T>) => T"],
            |a| if a.len() == 1 { Ok(elem_type(a, 0)) } else { no() },
            |a, _| match &a[0] {
                Value::Array(x) =>
                    x.iter().filter(|v| !v.is_null()).max_by(|p, q| compare(p, q)).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_MIN",
            "ARRAY",
            "The least non-NULL element.",
            ["ARRAY_MIN(array ARRAY<T>) => T"],
            |a| if a.len() == 1 { Ok(elem_type(a, 0)) } else { no() },
            |a, _| match &a[0] {
                Value::Array(x) =>
                    x.iter().filter(|v| !v.is_null()).min_by(|p, q| compare(p, q)).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            }
        ),
        f!(
            "ARRAY_SORT",
            "ARRAY",
            "Sorts an array (ASC or DESC); NULLs last.",
            ["ARRAY_SORT(array ARRAY<T>) => ARRAY<T>", "ARRAY_SORT(array ARRAY<T>, direction STRING) => ARRAY<T>"],
            |a| if (a.len() == 1 || (a.len() == 2 && is_str(a, 1))) && matches!(a[0], None | Some(SqlType::Array(_))) {
                Ok(a[0].clone())
            } else {
                no()
            },
            |a, _| match &a[0] {
                Value::Array(x) => {
                    let desc = a.get(1).and_then(|d| d.as_str()).is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                    let mut vals: Vec<Value> = x.iter().filter(|v| !v.is_null()).cloned().collect();
                    let nulls = x.len() - vals.len();
                    vals.sort_by(|p, q| if desc { compare(q, p) } else { compare(p, q) });
                    vals.extend(std::iter::repeat_n(Value::Null, nulls));
                    Value::Array(vals)
                }
                _ => Value::Null,
            }
        ),
        f!(
            "SLICE",
            "ARRAY",
            "A 1-based inclusive slice of an array.",
            ["SLICE(array ARRAY<T>, from INT, to INT) => ARRAY<T>"],
            |a| if a.len() == 3 && matches!(a[0], None | Some(SqlType::Array(_))) { Ok(a[0].clone()) } else { no() },
            |a, _| match &a[0] {
                Value::Array(x) => {
                    let from = a[1].as_i64().unwrap_or(1).max(1) as usize;
                    let to = a[2].as_i64().map(|t| t as usize).unwrap_or(x.len()).min(x.len());
                    if from > to {
                        Value::Array(vec![])
                    } else {
                        Value::Array(x[from - 1..to].to_vec())
                    }
                }
                _ => Value::Null,
            }
        ),
        f!(
            "MAP_KEYS",
            "MAP",
            "Keys of a map.",
            ["MAP_KEYS(map MAP<K, V>) => ARRAY<K>"],
            |a| match (a.len(), t(a, 0)) {
                (1, Some(SqlType::Map(k, _))) => ok(SqlType::Array(k.clone())),
                _ => no(),
            },
            |a, _| match &a[0] {
                Value::Map(m) => Value::Array(m.iter().map(|(k, _)| k.clone()).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "MAP_VALUES",
            "MAP",
            "Values of a map.",
            ["MAP_VALUES(map MAP<K, V>) => ARRAY<V>"],
            |a| match (a.len(), t(a, 0)) {
                (1, Some(SqlType::Map(_, v))) => ok(SqlType::Array(v.clone())),
                _ => no(),
            },
            |a, _| match &a[0] {
                Value::Map(m) => Value::Array(m.iter().map(|(_, v)| v.clone()).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "MAP_UNION",
            "MAP",
            "Union of two maps (the second wins).",
            ["MAP_UNION(map1 MAP<K, V>, map2 MAP<K, V>) => MAP<K, V>"],
            |a| if a.len() == 2 { Ok(a[0].clone().or(a[1].clone())) } else { no() },
            |a, _| match (&a[0], &a[1]) {
                (Value::Map(x), Value::Map(y)) => {
                    let mut out = x.clone();
                    for (k, v) in y {
                        out.retain(|(kk, _)| kk != k);
                        out.push((k.clone(), v.clone()));
                    }
                    Value::Map(out)
                }
                (Value::Map(x), Value::Null) | (Value::Null, Value::Map(x)) => Value::Map(x.clone()),
                _ => Value::Null,
            }
        ),
        f!(
            "AS_MAP",
            "MAP",
            "A map from an array of keys and an array of values.",
            ["AS_MAP(keys ARRAY<STRING>, vals ARRAY<T>) => MAP<STRING, T>"],
            |a| match (a.len(), t(a, 1)) {
                (2, Some(SqlType::Array(v))) => ok(SqlType::Map(Box::new(SqlType::String), v.clone())),
                _ => no(),
            },
            |a, _| match (&a[0], &a[1]) {
                (Value::Array(k), Value::Array(v)) => Value::Map(k.iter().cloned().zip(v.iter().cloned()).collect()),
                _ => Value::Null,
            }
        ),
        f!(
            "ENTRIES",
            "MAP",
            "The entries of a map as an array of structs.",
            ["ENTRIES(map MAP<STRING, T>, sorted BOOLEAN) => ARRAY<STRUCT<K STRING, V T>>"],
            |a| match (a.len(), t(a, 0)) {
                (2, Some(SqlType::Map(_, v))) => ok(SqlType::Array(Box::new(SqlType::Struct(vec![
                    ("K".into(), SqlType::String),
                    ("V".into(), (**v).clone())
                ])))),
                _ => no(),
            },
            |a, _| match &a[0] {
                Value::Map(m) => {
                    let mut e: Vec<(Value, Value)> = m.clone();
                    if a[1] == Value::Boolean(true) {
                        e.sort_by(|p, q| compare(&p.0, &q.0));
                    }
                    Value::Array(
                        e.into_iter().map(|(k, v)| Value::Struct(vec![("K".into(), k), ("V".into(), v)])).collect(),
                    )
                }
                _ => Value::Null,
            }
        ),
        f!(
            "ELT",
            "STRING",
            "The n-th of its string arguments (1-based).",
            ["ELT(n INTEGER, args VARCHAR...) => STRING"],
            |a| if !a.is_empty() && is_int(a, 0) && (1..a.len()).all(|i| is_str(a, i)) {
                ok(SqlType::String)
            } else {
                no()
            },
            |a, _| {
                match a[0].as_i64() {
                    Some(n) if n >= 1 && (n as usize) < a.len() => a[n as usize].clone(),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "FIELD",
            "STRING",
            "1-based position of the first argument among the others, 0 if absent.",
            ["FIELD(str VARCHAR, args VARCHAR...) => INT"],
            |a| if !a.is_empty() && (0..a.len()).all(|i| is_str(a, i)) { ok(SqlType::Integer) } else { no() },
            |a, _| {
                if a[0].is_null() {
                    return Value::Int(0);
                }
                Value::Int(a[1..].iter().position(|v| *v == a[0]).map(|p| p as i32 + 1).unwrap_or(0))
            }
        ),
        f!(
            "GENERATE_SERIES",
            "ARRAY",
            "An array of numbers from start to end (inclusive).",
            [
                "GENERATE_SERIES(start INT, end INT) => ARRAY<INT>",
                "GENERATE_SERIES(start INT, end INT, step INT) => ARRAY<INT>"
            ],
            |a| if (a.len() == 2 || a.len() == 3) && (0..a.len()).all(|i| is_int(a, i)) {
                ok(SqlType::Array(Box::new(if a.contains(&Some(SqlType::Bigint)) {
                    SqlType::Bigint
                } else {
                    SqlType::Integer
                })))
            } else {
                no()
            },
            |a, ret| {
                if any_null(a) {
                    return Value::Null;
                }
                let (s0, e) = (a[0].as_i64().unwrap(), a[1].as_i64().unwrap());
                let step = a.get(2).and_then(|v| v.as_i64()).unwrap_or(if e >= s0 { 1 } else { -1 });
                if step == 0 || (step > 0 && e < s0) || (step < 0 && e > s0) {
                    return Value::Null;
                }
                let big = matches!(ret, Some(SqlType::Array(t)) if **t == SqlType::Bigint);
                let mut out = Vec::new();
                let mut i = s0;
                while (step > 0 && i <= e) || (step < 0 && i >= e) {
                    out.push(if big { Value::Bigint(i) } else { Value::Int(i as i32) });
                    i += step;
                    if out.len() > 1_000_000 {
                        break;
                    }
                }
                Value::Array(out)
            }
        ),
        // ---------------------------------------------------------------- bytes
        f!(
            "TO_BYTES",
            "BYTES",
            "Encodes a string into BYTES (hex, utf8, ascii, base64).",
            ["TO_BYTES(string STRING, encoding STRING) => BYTES"],
            |a| strs(a, 2..=2, SqlType::Bytes),
            |a, _| {
                let (Some(x), Some(enc)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
                match enc.to_ascii_lowercase().as_str() {
                    "hex" => hex::decode(x).map(Value::Bytes).unwrap_or(Value::Null),
                    "utf8" | "ascii" => Value::Bytes(x.as_bytes().to_vec()),
                    "base64" => base64_decode(x).map(Value::Bytes).unwrap_or(Value::Null),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "ENCODE",
            "STRING",
            "Re-encodes a string from one encoding to another (hex, utf8, ascii, base64).",
            ["ENCODE(str STRING, inputEncoding STRING, outputEncoding STRING) => STRING"],
            |a| strs(a, 3..=3, SqlType::String),
            |a, _| {
                let (Some(x), Some(from), Some(to)) = (s(&a[0]), s(&a[1]), s(&a[2])) else { return Value::Null };
                let bytes: Option<Vec<u8>> = match from.to_ascii_lowercase().as_str() {
                    "hex" => {
                        let h =
                            x.strip_prefix("0x").or_else(|| x.strip_prefix("0X")).map(str::to_string).or_else(|| {
                                let t = x.strip_prefix("X'").or_else(|| x.strip_prefix("x'"))?;
                                t.strip_suffix('\'').map(str::to_string)
                            });
                        let h = h.as_deref().unwrap_or(x);
                        // An odd number of digits reads as if a leading 0 were there.
                        if h.len() % 2 == 1 {
                            hex::decode(format!("0{h}")).ok()
                        } else {
                            hex::decode(h).ok()
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
                    "ascii" => {
                        string(b.iter().map(|&c| if c < 128 { c as char } else { '\u{fffd}' }).collect::<String>())
                    }
                    "base64" => string(base64_encode(&b)),
                    _ => Value::Null,
                }
            }
        ),
        f!(
            "FROM_BYTES",
            "BYTES",
            "Decodes BYTES into a string (hex, utf8, ascii, base64).",
            ["FROM_BYTES(bytes BYTES, encoding STRING) => STRING"],
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

fn time_add(a: &[Value], sign: i64, get: fn(&Value) -> Option<i64>, make: fn(i64) -> Value) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    let (Some(unit), Some(n), Some(t)) = (a[0].as_str(), a[1].as_i64(), get(&a[2])) else { return Value::Null };
    let Some(ms) = timeunit_ms(unit) else { return Value::Null };
    make(t + sign * n * ms)
}

/// DATEADD/DATESUB: the interval converted to whole days (truncated, as Java's TimeUnit does).
fn date_add(a: &[Value], sign: i64) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    let (Some(unit), Some(n), Value::Date(d)) = (a[0].as_str(), a[1].as_i64(), &a[2]) else { return Value::Null };
    let Some(ms) = timeunit_ms(unit) else { return Value::Null };
    let days = (n as i128 * ms as i128 / 86_400_000) as i64;
    Value::Date((*d as i64 + sign * days) as i32)
}

/// TIMEADD/TIMESUB: wraps around midnight.
fn time_of_day_add(a: &[Value], sign: i64) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    let (Some(unit), Some(n), Value::Time(t)) = (a[0].as_str(), a[1].as_i64(), &a[2]) else { return Value::Null };
    let Some(ms) = timeunit_ms(unit) else { return Value::Null };
    Value::Time((t + sign * n * ms).rem_euclid(86_400_000))
}

fn pad(a: &[Value], left: bool) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    let len = a[1].as_i64().unwrap_or(-1);
    if len < 0 {
        return Value::Null;
    }
    let len = len as usize;
    match (&a[0], &a[2]) {
        (Value::String(x), Value::String(p)) => {
            let xc: Vec<char> = x.chars().collect();
            if xc.len() >= len {
                return string(xc[..len].iter().collect::<String>());
            }
            let pc: Vec<char> = p.chars().collect();
            if pc.is_empty() {
                return Value::Null;
            }
            let need = len - xc.len();
            let padding: String = pc.iter().cycle().take(need).collect();
            string(if left { format!("{padding}{x}") } else { format!("{x}{padding}") })
        }
        (Value::Bytes(x), Value::Bytes(p)) => {
            if x.len() >= len {
                return Value::Bytes(x[..len].to_vec());
            }
            if p.is_empty() {
                return Value::Null;
            }
            let padding: Vec<u8> = p.iter().cycle().take(len - x.len()).cloned().collect();
            Value::Bytes(if left { [padding, x.clone()].concat() } else { [x.clone(), padding].concat() })
        }
        _ => Value::Null,
    }
}

fn variadic_common(a: Types) -> Result<Option<SqlType>, String> {
    if a.is_empty() {
        return no();
    }
    let mut ty: Option<SqlType> = None;
    for x in a.iter().flatten() {
        ty = Some(match &ty {
            None => x.clone(),
            Some(t) => common_type(t, x).ok_or_else(String::new)?,
        });
    }
    Ok(ty)
}

fn extreme(a: &[Value], ret: &Option<SqlType>, greatest: bool) -> Value {
    let mut best: Option<&Value> = None;
    for v in a.iter().filter(|v| !v.is_null()) {
        best = match best {
            None => Some(v),
            Some(b) => {
                let c = compare(v, b);
                if (greatest && c.is_gt()) || (!greatest && c.is_lt()) {
                    Some(v)
                } else {
                    Some(b)
                }
            }
        };
    }
    match (best, ret) {
        (Some(v), Some(t)) => coerce(v.clone(), t),
        (Some(v), None) => v.clone(),
        _ => Value::Null,
    }
}

fn same_array(a: Types, n: usize) -> Result<Option<SqlType>, String> {
    if a.len() != n {
        return no();
    }
    let mut ty: Option<SqlType> = None;
    for x in a.iter().flatten() {
        if !matches!(x, SqlType::Array(_)) {
            return no();
        }
        ty = Some(match &ty {
            None => x.clone(),
            Some(t) => common_type(t, x).ok_or_else(String::new)?,
        });
    }
    Ok(ty)
}

// ------------------------------------------------------------------ URLs (java.net.URI-like)

struct UrlParts {
    scheme: Option<String>,
    host: Option<String>,
    port: Option<i32>,
    path: String,
    query: Option<String>,
    fragment: Option<String>,
}

impl UrlParts {
    fn parse(u: &str) -> UrlParts {
        let (rest, fragment) = match u.split_once('#') {
            Some((r, f)) => (r, Some(f.to_string())),
            None => (u, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q.to_string())),
            None => (rest, None),
        };
        let (scheme, rest) = match rest.split_once("://") {
            Some((sch, r))
                if !sch.is_empty() && sch.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
            {
                (Some(sch.to_string()), Some(r))
            }
            _ => (None, None),
        };
        let Some(rest) = rest else {
            return UrlParts {
                scheme,
                host: None,
                port: None,
                path: u.split(['?', '#']).next().unwrap_or("").to_string(),
                query,
                fragment,
            };
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, String::new()),
        };
        let hostport = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => (h, p.parse().ok()),
            _ => (hostport, None),
        };
        UrlParts { scheme, host: (!host.is_empty()).then(|| host.to_string()), port, path, query, fragment }
    }
}

fn url_encode(x: &str) -> String {
    let mut out = String::new();
    for b in x.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn url_decode(x: &str) -> Option<String> {
    let b = x.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}
