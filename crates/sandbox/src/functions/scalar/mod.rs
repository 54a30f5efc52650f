//! Scalar functions. Each entry has a typer (argument types -> return type, or an error;
//! an empty error string means "no matching signature") and an evaluator over values.
//! Evaluators return NULL on NULL input unless the function says otherwise.

use std::sync::OnceLock;

use super::described::described;
use super::extras::Extras;
use crate::types::*;
use ksql_syntax::functions::FunctionKind;

pub type Types<'a> = &'a [Option<SqlType>];
pub type Typer = fn(Types) -> Result<Option<SqlType>, String>;
pub type Eval = fn(&[Value], &Option<SqlType>) -> Value;

/// A scalar function as the engine sees it: the catalog's description joined with the
/// sandbox's implementation.
pub struct ScalarFn {
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    /// ksqlDB's DESCRIBE FUNCTION form, `NAME(arg TYPE, ...) => RETURNS`.
    pub signatures: &'static [&'static str],
    pub typer: Typer,
    pub eval: Eval,
}

/// The sandbox's implementation of one scalar function, keyed by its catalog name.
pub struct ScalarImpl {
    pub name: &'static str,
    pub typer: Typer,
    pub eval: Eval,
}

/// A built-in (under its name or an alias) or registered scalar function.
pub fn lookup(name: &str) -> Option<&'static ScalarFn> {
    builtin(name).or_else(|| REGISTERED.find(|f| f.name == name))
}

/// The scalar functions an embedder registered ([`super::registered`]).
pub(super) static REGISTERED: Extras<ScalarFn> = Extras::new();

/// A built-in scalar function, under its name or an alias.
pub fn builtin(name: &str) -> Option<&'static ScalarFn> {
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

/// Formats epoch milliseconds with a Java pattern in a zone (UTC when none is given); None for
/// a zone Java would refuse or a pattern chrono cannot write.
pub fn format_ts(ms: i64, pattern: &str, tz: Option<&str>) -> Option<String> {
    let utc = chrono::DateTime::from_timestamp_millis(ms)?;
    let f = java_to_chrono(pattern);
    let mut out = String::new();
    use std::fmt::Write;
    match Zone::parse(tz.unwrap_or("UTC"))? {
        Zone::Fixed(offset) => write!(out, "{}", utc.with_timezone(&offset).format(&f)).ok()?,
        Zone::Region(region) => write!(out, "{}", utc.with_timezone(&region).format(&f)).ok()?,
    }
    Some(out)
}

/// Parses text with a Java pattern as a wall-clock time in a zone (UTC when none is given),
/// to epoch milliseconds.
pub fn parse_ts(text: &str, pattern: &str, tz: Option<&str>) -> Option<i64> {
    // A fraction after a dot, `.S` to `.SSSSSSSSS`, reads as a fraction ("2" of `.S` is 200 ms,
    // as Java parses it): chrono's `%.f`.
    let f = (1..=9).fold(java_to_chrono(pattern), |f, digits| f.replace(&format!(".%{digits}f"), "%.f"));
    if f.contains("%z") {
        // An offset in the text (`X`, `Z`, `x`) wins over the zone; Java's `X` reads `Z` as +00:00
        // (case-insensitively, as ksqlDB's parser reads).
        let text = text.strip_suffix(['Z', 'z']).map_or_else(|| text.to_string(), |t| format!("{t}+0000"));
        if let Ok(dt) = chrono::DateTime::parse_from_str(&text, &f) {
            return Some(dt.timestamp_millis());
        }
    }
    // A zone name after a space at the end (Java's `z`): the wall-clock time is in that zone.
    let before_zone = pattern.trim_end_matches('z');
    if before_zone.len() < pattern.len() && before_zone.ends_with(' ') {
        let (rest, name) = text.trim_end().rsplit_once(' ')?;
        return parse_ts(rest, before_zone.trim_end(), Some(zone_by_name(name)?));
    }
    let zone = Zone::parse(tz.unwrap_or("UTC"))?;
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, &f) {
        return zone.instant_ms(dt);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, &f) {
        return zone.instant_ms(d.and_hms_opt(0, 0, 0)?);
    }
    // Fields the pattern leaves out default as Java's formatter defaults them (`MMM-yyyy`
    // is the first of the month).
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(&mut parsed, text, chrono::format::StrftimeItems::new(&f)).ok()?;
    if parsed.day().is_none() && parsed.ordinal().is_none() {
        parsed.set_day(1).ok()?;
    }
    if parsed.month().is_none() && parsed.ordinal().is_none() {
        parsed.set_month(1).ok()?;
    }
    let date = parsed.to_naive_date().ok()?;
    zone.instant_ms(date.and_time(parsed.to_naive_time().unwrap_or_default()))
}

/// PARSE_DATE's reading, as Java's SimpleDateFormat.parse does it: a date at the start of the
/// text, whatever follows it (`2003-12-24-01-01` with `yyyy-MM-dd` is 2003-12-24).
pub fn parse_date_prefix_ms(text: &str, pattern: &str) -> Option<i64> {
    parse_ts(text, pattern, None).or_else(|| {
        let (date, _) = chrono::NaiveDate::parse_and_remainder(text, &java_to_chrono(pattern)).ok()?;
        Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
    })
}

/// The zone a Java `z` name stands for when parsing: a region id as written, or the region
/// Java picks for the common North American and UTC abbreviations.
fn zone_by_name(name: &str) -> Option<&str> {
    let region = match name.to_ascii_uppercase().as_str() {
        "PST" | "PDT" | "PT" => "America/Los_Angeles",
        "MST" | "MDT" | "MT" => "America/Denver",
        "CST" | "CDT" | "CT" => "America/Chicago",
        "EST" | "EDT" | "ET" => "America/New_York",
        "GMT" | "UTC" | "UT" | "Z" => "UTC",
        _ => return Zone::parse(name).map(|_| name),
    };
    Some(region)
}

/// ROUND of a DOUBLE to `places` (negative: tens, hundreds, ...), as ksqlDB rounds it: on
/// the double's shortest decimal digits (`BigDecimal.valueOf`), halves going up toward
/// positive infinity (HALF_UP above zero, HALF_DOWN below: -1.5 is -1), the decimal result
/// read back as the nearest double. Worked on the digits' text, so no magnitude or number of
/// places overflows (1.5e38 to 10^38 places is 2e38).
fn round_double(x: f64, places: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // x = ±digits × 10^last: the shortest digits, and the power of ten of the last one.
    let text = format!("{:e}", x.abs());
    let Some((mantissa, exp)) = text.split_once('e') else { return x };
    let Ok(exp) = exp.parse::<i64>() else { return x };
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let last = exp - fraction;
    // The digits kept are those of 10^lowest and above.
    let lowest = -(places as i64);
    if last >= lowest {
        return x + 0.0; // nothing to round; BigDecimal has no negative zero
    }
    let dropped = usize::try_from(lowest - last).unwrap_or(usize::MAX);
    let kept_len = digits.len().saturating_sub(dropped);
    let (kept, gone) = digits.split_at(kept_len);
    // The dropped part against half of 10^dropped: all of it when no digit is kept (then
    // below half unless it starts right at the first dropped place).
    let gone_first = if dropped > digits.len() { b'0' } else { gone[0] };
    let rest_nonzero = gone.iter().skip(usize::from(dropped <= digits.len())).any(|&d| d != b'0');
    let up = gone_first > b'5' || (gone_first == b'5' && (rest_nonzero || x > 0.0));
    let mut kept = kept.to_vec();
    if up {
        // Adds one to the kept digits, carrying (9.9 to tens is 10).
        let mut at = kept.len();
        loop {
            if at == 0 {
                kept.insert(0, b'1');
                break;
            }
            at -= 1;
            if kept[at] == b'9' {
                kept[at] = b'0';
            } else {
                kept[at] += 1;
                break;
            }
        }
    }
    if kept.iter().all(|&d| d == b'0') {
        return 0.0; // BigDecimal has no negative zero
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let kept = String::from_utf8(kept).unwrap_or_default();
    format!("{sign}{kept}e{lowest}").parse().unwrap_or(x)
}

/// The first JSON value of `s`, as Jackson reads it for ksqlDB's JSON functions (what
/// follows it is ignored).
fn json_parse(s: &str) -> Option<serde_json::Value> {
    serde_json::Deserializer::from_str(s).into_iter::<serde_json::Value>().next()?.ok()
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

/// GEO_DISTANCE: the haversine distance, computed in the order ksqlDB computes it (so the
/// last digits agree); an unknown unit or a coordinate out of range has no distance.
fn geo_distance(a: &[Value]) -> Value {
    if any_null(&a[..4]) {
        return Value::Null;
    }
    let f: Vec<f64> = a[..4].iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect();
    let (lat1, lon1, lat2, lon2) = (f[0], f[1], f[2], f[3]);
    if [lat1, lat2].iter().any(|l| !(-90.0..=90.0).contains(l))
        || [lon1, lon2].iter().any(|l| !(-180.0..=180.0).contains(l))
    {
        return Value::Null;
    }
    let unit = a.get(4).and_then(|u| u.as_str()).map(|u| u.trim().to_ascii_lowercase()).unwrap_or_default();
    let radius = match unit.as_str() {
        "" | "km" | "kilometer" | "kilometers" | "kilometre" | "kilometres" => 6371.0,
        "mi" | "mile" | "miles" => 3959.0,
        _ => return Value::Null,
    };
    let haversin = |x: f64| (x / 2.0).sin().powi(2);
    let (delta_lat, delta_lon) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let h = haversin(delta_lat) + haversin(delta_lon) * lat1.to_radians().cos() * lat2.to_radians().cos();
    Value::Double(2.0 * h.sqrt().asin() * radius)
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

macro_rules! f {
    ($name:expr, $typer:expr, $eval:expr) => {
        ScalarImpl { name: $name, typer: $typer, eval: $eval }
    };
}

// The categories (after the macro they use: macro_rules! is textually scoped).
mod bytes;
mod collections;
mod conditionals;
mod json;
mod mask;
mod math;
mod strings;
mod zone;

pub use zone::Zone;
mod time;

/// Every implemented scalar function, with its catalog entry.
pub fn registry() -> &'static [ScalarFn] {
    static REG: OnceLock<Vec<ScalarFn>> = OnceLock::new();
    REG.get_or_init(|| {
        implementations()
            .into_iter()
            .map(|i| {
                let about = described(FunctionKind::Scalar, i.name);
                let (category, description, signatures) = (about.category, about.description, about.signatures);
                ScalarFn { name: i.name, category, description, signatures, typer: i.typer, eval: i.eval }
            })
            .collect()
    })
}

/// The implementations, one table per category.
pub(super) fn implementations() -> Vec<ScalarImpl> {
    let mut all = Vec::new();
    for category in [
        strings::functions,
        math::functions,
        conditionals::functions,
        time::functions,
        json::functions,
        collections::functions,
        bytes::functions,
        mask::functions,
    ] {
        all.extend(category());
    }
    all
}

/// The typer of DATEADD, TIMESUB and the like: `(unit, amount, value)` where the value is of
/// type `ty` (or an untyped NULL), giving `ty`.
fn shift_type(a: Types, ty: SqlType) -> Result<Option<SqlType>, String> {
    if a.len() == 3 && is_str(a, 0) && is_int(a, 1) && a[2].as_ref().is_none_or(|t| *t == ty) {
        ok(ty)
    } else {
        no()
    }
}

/// The add/sub family's `(unit, amount, value)`: the amount, the unit in milliseconds and the
/// value; None when an argument is NULL or the unit unknown.
fn interval_args(a: &[Value]) -> Option<(i64, i64, &Value)> {
    if any_null(a) {
        return None;
    }
    let (Some(unit), Some(n)) = (a[0].as_str(), a[1].as_i64()) else { return None };
    Some((n, time_unit_ms(unit)?, &a[2]))
}

/// TIMESTAMPADD/TIMESTAMPSUB.
fn timestamp_add(a: &[Value], sign: i64) -> Value {
    match interval_args(a) {
        Some((n, ms, Value::Timestamp(t))) => Value::Timestamp(t + sign * n * ms),
        _ => Value::Null,
    }
}

/// DATEADD/DATESUB: the interval converted to whole days (truncated, as Java's TimeUnit does).
fn date_add(a: &[Value], sign: i64) -> Value {
    match interval_args(a) {
        Some((n, ms, Value::Date(d))) => {
            let days = (n as i128 * ms as i128 / MS_PER_DAY as i128) as i64;
            Value::Date((*d as i64 + sign * days) as i32)
        }
        _ => Value::Null,
    }
}

/// TIMEADD/TIMESUB: wraps around midnight.
fn time_of_day_add(a: &[Value], sign: i64) -> Value {
    match interval_args(a) {
        Some((n, ms, Value::Time(t))) => Value::Time((t + sign * n * ms).rem_euclid(MS_PER_DAY)),
        _ => Value::Null,
    }
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
    // ksqlDB: an empty padding gives NULL, even when no padding is needed.
    let empty_padding =
        matches!(&a[2], Value::String(p) if p.is_empty()) || matches!(&a[2], Value::Bytes(p) if p.is_empty());
    if empty_padding {
        return Value::Null;
    }
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

/// COALESCE: the common type of its arguments.
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

/// What a typer returns when several signatures fit equally well: the expression compiler
/// words it as ksqlDB does, with the function's name.
pub const AMBIGUOUS: &str = "\u{1}ambiguous";

/// GREATEST and LEAST, resolved as ksqlDB resolves their variadic signatures (one type for all
/// arguments): arguments of one type take it; numbers of several types take DOUBLE when one
/// is a DOUBLE, and are otherwise ambiguous (INT and BIGINT widen to BIGINT, DECIMAL and DOUBLE
/// alike); a string beside dates, times or timestamps reads as one of them (ksqlDB converts
/// string literals; the sandbox cannot tell a literal from a column here).
fn extreme_type(a: Types) -> Result<Option<SqlType>, String> {
    use SqlType::*;
    let known: Vec<&SqlType> = a.iter().flatten().collect();
    let Some(&first) = known.first() else {
        return if a.is_empty() { no() } else { Err(AMBIGUOUS.into()) };
    };
    let comparable = |t: &SqlType| t.is_numeric() || matches!(t, String | Bytes | Date | Time | Timestamp);
    if !known.iter().all(|t| comparable(t)) {
        return no();
    }
    if known.iter().all(|&t| t == first) {
        return ok(first.clone());
    }
    let temporal: Vec<&SqlType> = known.iter().copied().filter(|t| matches!(t, Date | Time | Timestamp)).collect();
    if let Some(&kind) = temporal.first() {
        let strings_beside = known.iter().all(|&t| t == kind || *t == String);
        return if strings_beside { ok(kind.clone()) } else { no() };
    }
    if known.iter().all(|t| matches!(t, Decimal { .. })) {
        return known.iter().skip(1).try_fold(first.clone(), |acc, &t| common_type(&acc, t)).map_or_else(no, ok);
    }
    if known.iter().all(|t| t.is_numeric()) {
        return if known.iter().any(|&t| *t == Double) { ok(Double) } else { Err(AMBIGUOUS.into()) };
    }
    no()
}

fn extreme(a: &[Value], ret: &Option<SqlType>, greatest: bool) -> Value {
    // Strings beside dates, times or timestamps are read as them first.
    let temporal = matches!(ret, Some(SqlType::Date | SqlType::Time | SqlType::Timestamp));
    let mut best: Option<Value> = None;
    for v in a.iter().filter(|v| !v.is_null()) {
        let v = match (v, ret) {
            (Value::String(_), Some(t)) if temporal => match cast(v, t) {
                Ok(read) => read,
                Err(_) => return Value::Null,
            },
            _ => v.clone(),
        };
        best = match best {
            Some(b) => {
                let c = compare(&v, &b);
                Some(if (greatest && c.is_gt()) || (!greatest && c.is_lt()) { v } else { b })
            }
            None => Some(v),
        };
    }
    match (best, ret) {
        // ksqlDB's BigDecimal GREATEST/LEAST return the winning argument as it is (its own scale).
        (Some(v @ Value::Decimal(_)), Some(SqlType::Decimal { .. })) => v,
        (Some(v), Some(t)) => coerce(v, t),
        (Some(v), None) => v,
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

#[cfg(test)]
mod tests;
