//! Values of the sandbox's SQL engine, their casts, comparisons and JSON forms.
//!
//! The type model is the client's [`SqlType`] (so DESCRIBE and headers print types exactly
//! like the kernel parses them). Values are plain enums: the engine works row by row and
//! a row is a `Vec<Value>` whose layout the query compiler fixed once.

use std::cmp::Ordering;
use std::fmt;

pub use ksql_wire::schema::SqlType;

/// An exact decimal: `unscaled * 10^-scale`. ksqlDB DECIMAL has at most 38 digits, which fits i128.
///
/// The unscaled value is kept as two 64-bit halves so that a Decimal, and with it every
/// [`Value`], is 8-aligned: a 16-aligned Value made each row's allocation an aligned one,
/// which mimalloc serves by over-allocating once it is past 1 KiB (see `allocator`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    unscaled_halves: [u64; 2],
    pub scale: u32,
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decimal").field("unscaled", &self.unscaled()).field("scale", &self.scale).finish()
    }
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// 10^n, or None past 10^38 (the largest power of ten an i128 holds).
pub fn pow10(n: u32) -> Option<i128> {
    POW10.get(n as usize).copied()
}

/// u × 10^n, or None when that overflows an i128 (zero times any power is zero).
pub fn times_pow10(u: i128, n: u32) -> Option<i128> {
    if u == 0 {
        return Some(0);
    }
    u.checked_mul(pow10(n)?)
}

/// u / 10^n truncated toward zero: zero past 10^38, which no i128 reaches.
pub fn div_pow10(u: i128, n: u32) -> i128 {
    pow10(n).map_or(0, |p| u / p)
}

impl Decimal {
    pub fn new(unscaled: i128, scale: u32) -> Self {
        let bits = unscaled as u128;
        Decimal { unscaled_halves: [bits as u64, (bits >> 64) as u64], scale }
    }

    /// The value times 10^scale.
    pub fn unscaled(&self) -> i128 {
        let [low, high] = self.unscaled_halves;
        ((u128::from(high) << 64) | u128::from(low)) as i128
    }

    /// A decimal's text as `new BigDecimal(text)` reads it (CAST from a string, JSON and Avro
    /// values): leading zeros are no digits, and past 38 digits (all an i128 holds) zeros at
    /// the end go, the scale lowered with the value kept. None: not a number, more than 38
    /// digits that count, or a scale past an i32 (as BigDecimal's).
    pub fn parse(s: &str) -> Option<Decimal> {
        Decimal::parse_digits(s, true)
    }

    /// A DECIMAL literal's text: its digits as written, trailing zeros counted (`1.50` is
    /// DECIMAL(3, 2)); None past DECIMAL's 38 digits or 38 places.
    pub fn parse_literal(s: &str) -> Option<Decimal> {
        Decimal::parse_digits(s, false).filter(|d| d.precision() <= 38)
    }

    fn parse_digits(s: &str, drop_trailing_zeros: bool) -> Option<Decimal> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((a, b)) => (a, b),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = format!("{int_part}{frac_part}");
        // In i64: an exponent near i32's limits overflows an i32.
        let mut scale = frac_part.len() as i64 - exp as i64;
        let mut significant = digits.trim_start_matches('0');
        while drop_trailing_zeros && significant.len() > 38 && significant.ends_with('0') {
            significant = &significant[..significant.len() - 1];
            scale -= 1;
        }
        if significant.len() > 38 {
            return None;
        }
        let mut unscaled: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
        let mut scale = i32::try_from(scale).ok()?;
        if scale < 0 {
            unscaled = times_pow10(unscaled, scale.unsigned_abs())?;
            scale = 0;
        }
        Some(Decimal::new(if neg { -unscaled } else { unscaled }, scale as u32))
    }

    /// Digits of the unscaled value (at least 1).
    pub fn digits(&self) -> u32 {
        let mut n = self.unscaled().unsigned_abs();
        let mut d = 1;
        while n >= 10 {
            n /= 10;
            d += 1;
        }
        d
    }

    /// Precision as ksqlDB's BigDecimal reports it: max(digits, scale) (0.05 has precision 2).
    pub fn precision(&self) -> u32 {
        self.digits().max(self.scale)
    }

    /// Changes the scale, rounding HALF_UP when digits are dropped.
    pub fn rescale(&self, scale: u32) -> Option<Decimal> {
        if scale == self.scale {
            return Some(*self);
        }
        if scale > self.scale {
            let u = times_pow10(self.unscaled(), scale - self.scale)?;
            return Some(Decimal::new(u, scale));
        }
        // Past 38 digits dropped, every i128 rounds to zero (and 10^39 is no i128).
        let Some(div) = pow10(self.scale - scale) else { return Some(Decimal::new(0, scale)) };
        let q = self.unscaled() / div;
        let r = self.unscaled() % div;
        // Twice the remainder in u128: as an i128 it overflows past 0.85 * 10^38.
        let q = if r.unsigned_abs() * 2 >= div as u128 { q + self.unscaled().signum() } else { q };
        Some(Decimal::new(q, scale))
    }

    /// Fits the value in DECIMAL(p, s), or None when it overflows.
    pub fn fit(&self, precision: u32, scale: u32) -> Option<Decimal> {
        let d = self.rescale(scale)?;
        // Every i128 fits a precision past 38.
        if pow10(precision).is_some_and(|p| d.unscaled().unsigned_abs() >= p as u128) {
            return None;
        }
        Some(d)
    }

    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    pub fn from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        // Java's BigDecimal.valueOf(double) uses Double.toString: shortest repr.
        Decimal::parse(&format!("{f:?}"))
    }

    pub fn from_i64(i: i64) -> Decimal {
        Decimal::new(i as i128, 0)
    }

    pub fn cmp_value(&self, other: &Decimal) -> Ordering {
        let s = self.scale.max(other.scale);
        match (self.rescale(s), other.rescale(s)) {
            (Some(a), Some(b)) => a.unscaled().cmp(&b.unscaled()),
            _ => self.to_f64().partial_cmp(&other.to_f64()).unwrap_or(Ordering::Equal),
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.unscaled() < 0;
        let digits = self.unscaled().unsigned_abs().to_string();
        let scale = self.scale as usize;
        if neg {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(&digits);
        }
        if digits.len() <= scale {
            write!(f, "0.{}{}", "0".repeat(scale - digits.len()), digits)
        } else {
            let (a, b) = digits.split_at(digits.len() - scale);
            write!(f, "{a}.{b}")
        }
    }
}

/// A SQL value. `Map` keeps insertion order (JSON objects keep theirs); `Struct` keeps the
/// field names of its type, so `->` and serialization need no schema at hand.
#[derive(Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Boolean(bool),
    Int(i32),
    Bigint(i64),
    Double(f64),
    Decimal(Decimal),
    String(String),
    Bytes(Vec<u8>),
    /// Milliseconds since the epoch, UTC.
    Timestamp(i64),
    /// Days since the epoch.
    Date(i32),
    /// Milliseconds since midnight.
    Time(i64),
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Struct(Vec<(String, Value)>),
}

/// Empties a row as `Vec::clear` does, faster: `clear` sends every value through `Value`'s
/// drop glue, an out-of-line call of ~22 instructions even for a number (6-8 % of an
/// aggregation's instructions went there); here only values that own memory take it.
#[inline]
pub fn clear_row(row: &mut Vec<Value>) {
    truncate_row(row, 0);
}

/// Shortens a row to `len` values as [`clear_row`] empties one.
#[inline]
pub fn truncate_row(row: &mut Vec<Value>, len: usize) {
    // `pop`, not `drain`: a drain's own drop costs more than the glue it saves.
    while row.len() > len {
        let Some(v) = row.pop() else { break };
        discard(v);
    }
}

/// Drops a value as [`clear_row`] drops a row's: without the drop glue when it owns nothing.
#[inline(always)]
pub fn discard(v: Value) {
    if v.owns_memory() {
        drop(v);
    } else {
        // Owns nothing: forgetting it leaks nothing.
        std::mem::forget(v);
    }
}

/// Drops a row as [`clear_row`] empties one.
#[inline]
pub fn drop_row(mut row: Vec<Value>) {
    clear_row(&mut row);
}

/// A clone inline and a bitwise copy for a value that owns nothing: the derived clone is an
/// out-of-line call of ~25 instructions even for a number, and engine rows clone key and
/// argument values for every record.
impl Clone for Value {
    #[inline]
    fn clone(&self) -> Value {
        if self.owns_memory() {
            self.clone_owning()
        } else {
            // SAFETY: a value that owns no memory (see `owns_memory`) holds plain data only
            // (numbers, a Decimal's integer halves and scale), so its bytes are a valid and
            // independent copy with nothing to drop twice.
            unsafe { std::ptr::read(self) }
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_owning(&self) -> Value {
        match self {
            Value::String(s) => Value::String(s.clone()),
            Value::Bytes(b) => Value::Bytes(b.clone()),
            Value::Array(a) => Value::Array(a.clone()),
            Value::Map(m) => Value::Map(m.clone()),
            Value::Struct(s) => Value::Struct(s.clone()),
            // SAFETY: as in `clone`: the variants left own no memory.
            _ => unsafe { std::ptr::read(self) },
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether dropping the value frees memory (text, bytes, collections); numbers, times
    /// and NULL own none.
    #[inline(always)]
    pub fn owns_memory(&self) -> bool {
        matches!(self, Value::String(_) | Value::Bytes(_) | Value::Array(_) | Value::Map(_) | Value::Struct(_))
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i as i64),
            Value::Bigint(i) => Some(*i),
            Value::Timestamp(i) => Some(*i),
            Value::Time(i) => Some(*i),
            Value::Date(d) => Some(*d as i64),
            Value::Double(d) => Some(*d as i64),
            Value::Decimal(d) => d.rescale(0).map(|d| d.unscaled() as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Bigint(i) => Some(*i as f64),
            Value::Double(d) => Some(*d),
            Value::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(i) => Some(Decimal::from_i64(*i as i64)),
            Value::Bigint(i) => Some(Decimal::from_i64(*i)),
            Value::Decimal(d) => Some(*d),
            Value::Double(f) => Decimal::from_f64(*f),
            _ => None,
        }
    }

    /// Field of a struct value, case-insensitively as a fallback.
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct(fields) => fields
                .iter()
                .find(|(n, _)| n == name)
                .or_else(|| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// The order of two doubles in SQL comparisons and sorts: NaN after every number and equal
/// to itself.
pub fn double_order(x: f64, y: f64) -> Ordering {
    x.partial_cmp(&y).unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()))
}

/// Total order used by GROUP BY keys, MIN/MAX, ORDER-like functions and range scans.
/// Nulls sort first; values of different kinds compare numerically when both are numbers.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    use Value::*;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Null, _) => Ordering::Less,
        (_, Null) => Ordering::Greater,
        (Boolean(x), Boolean(y)) => x.cmp(y),
        (Int(x), Int(y)) => x.cmp(y),
        (Bigint(x), Bigint(y)) => x.cmp(y),
        (Int(x), Bigint(y)) => (*x as i64).cmp(y),
        (Bigint(x), Int(y)) => x.cmp(&(*y as i64)),
        (Decimal(x), Decimal(y)) => x.cmp_value(y),
        (Decimal(x), Int(_) | Bigint(_)) => x.cmp_value(&b.as_decimal().unwrap()),
        (Int(_) | Bigint(_), Decimal(y)) => a.as_decimal().unwrap().cmp_value(y),
        (Double(_) | Int(_) | Bigint(_) | Decimal(_), Double(_) | Int(_) | Bigint(_) | Decimal(_)) => {
            double_order(a.as_f64().unwrap(), b.as_f64().unwrap())
        }
        (String(x), String(y)) => x.cmp(y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (Timestamp(x), Timestamp(y)) => x.cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (Time(x), Time(y)) => x.cmp(y),
        (Timestamp(x), Date(y)) => x.cmp(&(*y as i64 * 86_400_000)),
        (Date(x), Timestamp(y)) => (*x as i64 * 86_400_000).cmp(y),
        (Array(x), Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let c = compare(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Struct(x), Struct(y)) => {
            for ((_, p), (_, q)) in x.iter().zip(y.iter()) {
                let c = compare(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Map(x), Map(y)) => x.len().cmp(&y.len()),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Boolean(_) => 1,
        Value::Int(_) | Value::Bigint(_) | Value::Double(_) | Value::Decimal(_) => 2,
        Value::String(_) => 3,
        Value::Bytes(_) => 4,
        Value::Timestamp(_) | Value::Date(_) => 5,
        Value::Time(_) => 6,
        Value::Array(_) => 7,
        Value::Map(_) => 8,
        Value::Struct(_) => 9,
    }
}

/// SQL equality (nulls handled by the caller): numbers compare by value across kinds.
pub fn sql_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| sql_equals(k, k2) && sql_equals(v, v2)))
        }
        (Value::Double(x), Value::Double(y)) => x == y,
        _ => compare(a, b) == Ordering::Equal && rank(a) == rank(b),
    }
}

/// A hashable, comparable form of a value for grouping and table keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyPart {
    Null,
    Bool(bool),
    Int(i64),
    /// Doubles by bits (normalised -0.0 to 0.0).
    Double(u64),
    /// The normalised unscaled value as its high (signed) and low halves, which order as the
    /// i128 does, and the scale; halves keep KeyPart 8-aligned (see [`Decimal`]).
    Decimal(i64, u64, u32),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<KeyPart>),
}

pub fn key_part(v: &Value) -> KeyPart {
    match v {
        Value::Null => KeyPart::Null,
        Value::Boolean(b) => KeyPart::Bool(*b),
        Value::Int(i) => KeyPart::Int(*i as i64),
        Value::Bigint(i) | Value::Timestamp(i) | Value::Time(i) => KeyPart::Int(*i),
        Value::Date(d) => KeyPart::Int(*d as i64),
        Value::Double(d) => KeyPart::Double(if *d == 0.0 { 0 } else { d.to_bits() }),
        Value::Decimal(d) => {
            // Normalise trailing zeros so 1.0 and 1.00 group together.
            let mut d = *d;
            while d.scale > 0 && d.unscaled() % 10 == 0 {
                d = Decimal::new(d.unscaled() / 10, d.scale - 1);
            }
            let unscaled = d.unscaled();
            KeyPart::Decimal((unscaled >> 64) as i64, unscaled as u64, d.scale)
        }
        Value::String(s) => KeyPart::Str(s.clone()),
        Value::Bytes(b) => KeyPart::Bytes(b.clone()),
        Value::Array(a) => KeyPart::List(a.iter().map(key_part).collect()),
        Value::Map(m) => KeyPart::List(m.iter().flat_map(|(k, v)| [key_part(k), key_part(v)]).collect()),
        Value::Struct(f) => KeyPart::List(f.iter().map(|(_, v)| key_part(v)).collect()),
    }
}

// ---------------------------------------------------------------------------------------
// Type helpers

pub fn decimal_type(p: u32, s: u32) -> SqlType {
    SqlType::Decimal { precision: Some(p), scale: Some(s) }
}

/// (precision, scale) of a DECIMAL type, or of the decimal an integer type widens to.
pub fn decimal_params(t: &SqlType) -> Option<(u32, u32)> {
    match t {
        SqlType::Decimal { precision, scale } => Some((precision.unwrap_or(38), scale.unwrap_or(0))),
        SqlType::Integer => Some((10, 0)),
        SqlType::Bigint => Some((19, 0)),
        _ => None,
    }
}

pub fn is_numeric(t: &SqlType) -> bool {
    t.is_numeric()
}

/// Rank of numeric widening: INT < BIGINT < DECIMAL < DOUBLE.
pub fn numeric_rank(t: &SqlType) -> Option<u8> {
    Some(match t {
        SqlType::Integer => 1,
        SqlType::Bigint => 2,
        SqlType::Decimal { .. } => 3,
        SqlType::Double => 4,
        _ => return None,
    })
}

/// Can a value of `from` be used where `to` is expected without an explicit CAST?
pub fn implicitly_castable(from: &SqlType, to: &SqlType) -> bool {
    if from == to {
        return true;
    }
    match (from, to) {
        (SqlType::Decimal { .. }, SqlType::Decimal { .. }) => true,
        (SqlType::Array(a), SqlType::Array(b)) => implicitly_castable(a, b),
        (SqlType::Map(k1, v1), SqlType::Map(k2, v2)) => implicitly_castable(k1, k2) && implicitly_castable(v1, v2),
        (SqlType::Struct(a), SqlType::Struct(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((n1, t1), (n2, t2))| n1 == n2 && implicitly_castable(t1, t2))
        }
        _ => match (numeric_rank(from), numeric_rank(to)) {
            (Some(a), Some(b)) => a <= b,
            _ => false,
        },
    }
}

/// Common super type of two types (for CASE branches, IN lists, array literals, comparisons).
pub fn common_type(a: &SqlType, b: &SqlType) -> Option<SqlType> {
    if a == b {
        return Some(a.clone());
    }
    if let (Some(ra), Some(rb)) = (numeric_rank(a), numeric_rank(b)) {
        if ra == 4 || rb == 4 {
            return Some(SqlType::Double);
        }
        if ra == 3 || rb == 3 {
            let (p1, s1) = decimal_params(a)?;
            let (p2, s2) = decimal_params(b)?;
            let s = s1.max(s2);
            let p = ((p1 - s1).max(p2 - s2) + s).min(38);
            return Some(decimal_type(p, s));
        }
        return Some(if ra >= rb { a.clone() } else { b.clone() });
    }
    match (a, b) {
        (SqlType::Array(x), SqlType::Array(y)) => Some(SqlType::Array(Box::new(common_type(x, y)?))),
        (SqlType::Map(k1, v1), SqlType::Map(k2, v2)) => {
            Some(SqlType::Map(Box::new(common_type(k1, k2)?), Box::new(common_type(v1, v2)?)))
        }
        _ => None,
    }
}

/// The type ksqlDB infers for a value (for literals and INSERT VALUES checks).
pub fn type_of(v: &Value) -> Option<SqlType> {
    Some(match v {
        Value::Null => return None,
        Value::Boolean(_) => SqlType::Boolean,
        Value::Int(_) => SqlType::Integer,
        Value::Bigint(_) => SqlType::Bigint,
        Value::Double(_) => SqlType::Double,
        Value::Decimal(d) => decimal_type(d.precision(), d.scale),
        Value::String(_) => SqlType::String,
        Value::Bytes(_) => SqlType::Bytes,
        Value::Timestamp(_) => SqlType::Timestamp,
        Value::Date(_) => SqlType::Date,
        Value::Time(_) => SqlType::Time,
        Value::Array(a) => SqlType::Array(Box::new(a.iter().find_map(type_of)?)),
        Value::Map(m) => {
            let k = m.iter().find_map(|(k, _)| type_of(k)).unwrap_or(SqlType::String);
            SqlType::Map(Box::new(k), Box::new(m.iter().find_map(|(_, v)| type_of(v))?))
        }
        Value::Struct(f) => {
            SqlType::Struct(f.iter().map(|(n, v)| Some((n.clone(), type_of(v)?))).collect::<Option<_>>()?)
        }
    })
}

// ---------------------------------------------------------------------------------------
// Dates and times

pub const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds in one ksqlDB time unit (`SECOND`, `seconds`, ..., up to `DAYS`): the one
/// table behind window sizes, WINDOW_SIZE properties and the TIMESTAMPADD family.
pub fn time_unit_ms(unit: &str) -> Option<i64> {
    Some(match unit.to_ascii_uppercase().trim_end_matches('S') {
        "MILLISECOND" => 1,
        "SECOND" => 1000,
        "MINUTE" => 60_000,
        "HOUR" => 3_600_000,
        "DAY" => MS_PER_DAY,
        _ => return None,
    })
}

pub fn format_timestamp(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        None => ms.to_string(),
    }
}

pub fn format_date(days: i32) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(days as i64);
    d.format("%Y-%m-%d").to_string()
}

/// `LocalTime.toString()`: HH:mm, then :ss when seconds or millis are non-zero, then .SSS.
pub fn format_time(ms: i64) -> String {
    let ms = ms.rem_euclid(MS_PER_DAY);
    let (h, m, s, milli) = (ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
    if milli != 0 {
        format!("{h:02}:{m:02}:{s:02}.{milli:03}")
    } else if s != 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}")
    }
}

pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let fmts =
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"];
    let (body, offset_ms) = split_zone(s);
    for f in fmts {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(body, f) {
            return Some(dt.and_utc().timestamp_millis() - offset_ms);
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(body, "%Y-%m-%d") {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - offset_ms);
    }
    if let Some(hour) = body
        .len()
        .checked_sub(3)
        .and_then(|i| body.get(..i))
        .filter(|_| body.as_bytes().get(body.len() - 3) == Some(&b'T'))
    {
        let _ = hour;
    }
    None
}

fn split_zone(s: &str) -> (&str, i64) {
    if let Some(b) = s.strip_suffix('Z') {
        return (b, 0);
    }
    // +hh:mm or -hh:mm after the time part.
    if s.len() > 16 {
        let tail = &s[s.len() - 6..];
        let b = tail.as_bytes();
        if (b[0] == b'+' || b[0] == b'-') && b[3] == b':' {
            if let (Ok(h), Ok(m)) = (tail[1..3].parse::<i64>(), tail[4..6].parse::<i64>()) {
                let off = (h * 60 + m) * 60_000;
                return (&s[..s.len() - 6], if b[0] == b'+' { off } else { -off });
            }
        }
    }
    (s, 0)
}

/// A date as ksqlDB reads text: `yyyy-MM-dd`, or a prefix of it (`1970-01` is its first day).
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let full = match s.len() {
        4 => format!("{s}-01-01"),
        7 => format!("{s}-01"),
        _ => s.to_string(),
    };
    let d = chrono::NaiveDate::parse_from_str(&full, "%Y-%m-%d").ok()?;
    Some((d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days() as i32)
}

pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    for f in ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"] {
        if let Ok(t) = chrono::NaiveTime::parse_from_str(s, f) {
            use chrono::Timelike;
            return Some(t.num_seconds_from_midnight() as i64 * 1000 + (t.nanosecond() / 1_000_000) as i64);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Casts

/// `cast` of an element of a nested value (types nest up to the parser's limit).
fn cast_nested(v: &Value, to: &SqlType) -> Result<Value, String> {
    crate::with_stack(|| cast(v, to))
}

/// `CAST(v AS t)` with ksqlDB's rules. Errors are messages for the caller to wrap.
pub fn cast(v: &Value, to: &SqlType) -> Result<Value, String> {
    use Value as V;
    if v.is_null() {
        return Ok(V::Null);
    }
    let fail = || Err(format!("Cannot cast {} to {}", value_type_name(v), to));
    Ok(match to {
        SqlType::Boolean => match v {
            V::Boolean(b) => V::Boolean(*b),
            V::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" => V::Boolean(true),
                "false" | "f" | "no" | "n" => V::Boolean(false),
                _ => V::Null,
            },
            _ => return fail(),
        },
        SqlType::Integer => match v {
            V::Int(i) => V::Int(*i),
            V::Bigint(i) => V::Int(*i as i32),
            V::Double(d) => V::Int(*d as i32),
            V::Decimal(d) => V::Int(d.rescale(0).map(|x| x.unscaled() as i32).unwrap_or(0)),
            V::String(s) => V::Int(s.trim().parse().map_err(|_| format!("Cannot cast '{s}' to INTEGER"))?),
            _ => return fail(),
        },
        SqlType::Bigint => match v {
            V::Int(i) => V::Bigint(*i as i64),
            V::Bigint(i) => V::Bigint(*i),
            V::Double(d) => V::Bigint(*d as i64),
            V::Decimal(d) => V::Bigint(d.rescale(0).map(|x| x.unscaled() as i64).unwrap_or(0)),
            V::String(s) => V::Bigint(s.trim().parse().map_err(|_| format!("Cannot cast '{s}' to BIGINT"))?),
            V::Timestamp(t) => V::Bigint(*t),
            _ => return fail(),
        },
        SqlType::Double => match v {
            V::Int(i) => V::Double(*i as f64),
            V::Bigint(i) => V::Double(*i as f64),
            V::Double(d) => V::Double(*d),
            V::Decimal(d) => V::Double(d.to_f64()),
            V::String(s) => V::Double(s.trim().parse().map_err(|_| format!("Cannot cast '{s}' to DOUBLE"))?),
            _ => return fail(),
        },
        SqlType::Decimal { precision, scale } => {
            let (p, s) = (precision.unwrap_or(38), scale.unwrap_or(0));
            let d = match v {
                V::String(st) => Decimal::parse(st).ok_or_else(|| format!("Cannot cast '{st}' to DECIMAL"))?,
                V::Double(f) => Decimal::from_f64(*f).ok_or_else(|| format!("Cannot cast {f} to DECIMAL"))?,
                other => {
                    other.as_decimal().ok_or_else(|| format!("Cannot cast {} to {}", value_type_name(other), to))?
                }
            };
            match d.fit(p, s) {
                Some(d) => V::Decimal(d),
                None => {
                    return Err(format!(
                        "Numeric field overflow: A field with precision {p} and scale {s} must round to an \
                         absolute value less than 10^{}. Got {d}",
                        p - s
                    ))
                }
            }
        }
        SqlType::String => V::String(to_sql_string(v)),
        SqlType::Bytes => match v {
            V::Bytes(b) => V::Bytes(b.clone()),
            _ => return fail(),
        },
        SqlType::Timestamp => match v {
            V::Timestamp(t) => V::Timestamp(*t),
            V::Date(d) => V::Timestamp(*d as i64 * MS_PER_DAY),
            V::String(s) => V::Timestamp(parse_timestamp(s).ok_or_else(|| format!("Cannot cast '{s}' to TIMESTAMP"))?),
            _ => return fail(),
        },
        SqlType::Date => match v {
            V::Date(d) => V::Date(*d),
            V::Timestamp(t) => V::Date(t.div_euclid(MS_PER_DAY) as i32),
            V::String(s) => V::Date(parse_date(s).ok_or_else(|| format!("Cannot cast '{s}' to DATE"))?),
            _ => return fail(),
        },
        SqlType::Time => match v {
            V::Time(t) => V::Time(*t),
            V::Timestamp(t) => V::Time(t.rem_euclid(MS_PER_DAY)),
            V::String(s) => V::Time(parse_time(s).ok_or_else(|| format!("Cannot cast '{s}' to TIME"))?),
            _ => return fail(),
        },
        SqlType::Array(et) => match v {
            V::Array(a) => V::Array(a.iter().map(|x| cast_nested(x, et)).collect::<Result<_, _>>()?),
            _ => return fail(),
        },
        SqlType::Map(kt, vt) => match v {
            V::Map(m) => V::Map(
                m.iter().map(|(k, x)| Ok((cast_nested(k, kt)?, cast_nested(x, vt)?))).collect::<Result<_, String>>()?,
            ),
            _ => return fail(),
        },
        SqlType::Struct(fields) => match v {
            V::Struct(_) => V::Struct(
                fields
                    .iter()
                    .map(|(n, t)| {
                        Ok((
                            n.clone(),
                            match v.field(n) {
                                Some(x) => cast_nested(x, t)?,
                                None => V::Null,
                            },
                        ))
                    })
                    .collect::<Result<_, String>>()?,
            ),
            _ => {
                let _ = fields;
                return fail();
            }
        },
        SqlType::Other(name) => return Err(format!("Unknown type {name}")),
    })
}

/// Cast that never fails: used when coercing already type-checked values (implicit widening).
pub fn coerce(v: Value, to: &SqlType) -> Value {
    match (&v, to) {
        (Value::Null, _) => v,
        (Value::Int(_), SqlType::Integer)
        | (Value::Bigint(_), SqlType::Bigint)
        | (Value::Double(_), SqlType::Double)
        | (Value::String(_), SqlType::String)
        | (Value::Boolean(_), SqlType::Boolean) => v,
        _ => cast(&v, to).unwrap_or(Value::Null),
    }
}

pub fn value_type_name(v: &Value) -> String {
    match type_of(v) {
        Some(t) => t.to_string(),
        None => "NULL".into(),
    }
}

/// The string form ksqlDB gives a value in CAST(... AS STRING) and string concatenation.
pub fn to_sql_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bigint(i) => i.to_string(),
        Value::Double(d) => java_double(*d),
        Value::Decimal(d) => d.to_string(),
        Value::String(s) => s.clone(),
        Value::Bytes(b) => base64_encode(b),
        Value::Timestamp(t) => format_timestamp(*t),
        Value::Date(d) => format_date(*d),
        Value::Time(t) => format_time(*t),
        Value::Array(a) => format!("[{}]", a.iter().map(to_sql_string).collect::<Vec<_>>().join(", ")),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter().map(|(k, v)| format!("{}={}", to_sql_string(k), to_sql_string(v))).collect::<Vec<_>>().join(", ")
        ),
        Value::Struct(f) => format!(
            "Struct{{{}}}",
            f.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={}", to_sql_string(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Java's `Double.toString`: always a decimal point, scientific notation outside [1e-3, 1e7).
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let a = d.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{d:?}");
        if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        // Rust's {:e} gives "1.5e10"; Java gives "1.5E10" and "1.0E10".
        let s = format!("{d:e}");
        let (m, e) = s.split_once('e').unwrap();
        let m = if m.contains('.') { m.to_string() } else { format!("{m}.0") };
        format!("{m}E{e}")
    }
}

pub fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s.trim()).ok()
}

// ---------------------------------------------------------------------------------------
// JSON

fn json_number(s: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Number>(s).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
}

/// The REST form of a value (section 9 of the REST notes): TIMESTAMP/DATE/TIME as strings,
/// BYTES as base64, DECIMAL as a plain number keeping its scale.
pub fn to_rest_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Boolean(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Bigint(i) => J::from(*i),
        Value::Double(d) => double_json(*d),
        Value::Decimal(d) => json_number(&d.to_string()),
        Value::String(s) => J::String(s.clone()),
        Value::Bytes(b) => J::String(base64_encode(b)),
        Value::Timestamp(t) => J::String(format_timestamp(*t)),
        Value::Date(d) => J::String(format_date(*d)),
        Value::Time(t) => J::String(format_time(*t)),
        Value::Array(a) => J::Array(a.iter().map(to_rest_json).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (to_sql_string(k), to_rest_json(v))).collect()),
        Value::Struct(f) => J::Object(f.iter().map(|(k, v)| (k.clone(), to_rest_json(v))).collect()),
    }
}

/// The form of a value inside a JSON-format Kafka record: TIMESTAMP as epoch millis, DATE as
/// days, TIME as millis of day, BYTES as base64.
pub fn to_record_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Timestamp(t) => J::from(*t),
        Value::Date(d) => J::from(*d),
        Value::Time(t) => J::from(*t),
        Value::Array(a) => J::Array(a.iter().map(to_record_json).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (to_sql_string(k), to_record_json(v))).collect()),
        Value::Struct(f) => J::Object(f.iter().map(|(k, v)| (k.clone(), to_record_json(v))).collect()),
        other => to_rest_json(other),
    }
}

pub fn double_json(d: f64) -> serde_json::Value {
    if !d.is_finite() {
        return serde_json::Value::String(java_double(d));
    }
    let s = format!("{d:?}");
    json_number(&s)
}

/// Reads a JSON value as the given SQL type, with the lenient coercions of ksqlDB's JSON
/// deserializer (numbers from strings, strings from anything, case-insensitive struct fields).
/// A JSON number, by its text, as an INTEGER, BIGINT or DOUBLE column reads it (ksqlDB
/// truncates a fraction into an integer column). None: another type, or no number.
pub fn json_number_as(text: &str, t: &SqlType) -> Option<Value> {
    match t {
        SqlType::Integer => match text.parse::<i64>() {
            Ok(i) => Some(Value::Int(i as i32)),
            Err(_) => text.parse::<f64>().ok().map(|f| Value::Int(f as i32)),
        },
        SqlType::Bigint => match text.parse::<i64>() {
            Ok(i) => Some(Value::Bigint(i)),
            Err(_) => text.parse::<f64>().ok().map(|f| Value::Bigint(f as i64)),
        },
        SqlType::Double => Some(Value::Double(small_integer(text).or_else(|| text.parse().ok())?)),
        _ => None,
    }
}

/// A number's text of at most 15 digits and no fraction or exponent, as the double it
/// reads as: exactly its integer (under 2^53). The integer parse is a fifth of the float's.
fn small_integer(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = digits.parse::<i64>().ok()? as f64;
    // "-0" is the double -0.0.
    Some(if digits.len() < text.len() { -n } else { n })
}

pub fn from_json(j: &serde_json::Value, t: &SqlType) -> Result<Value, String> {
    use serde_json::Value as J;
    if j.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = || Err(format!("Can't convert type. sourceType: {}, requiredType: {}", json_kind(j), t));
    Ok(match t {
        SqlType::Boolean => match j {
            J::Bool(b) => Value::Boolean(*b),
            J::String(s) if s.eq_ignore_ascii_case("true") => Value::Boolean(true),
            J::String(s) if s.eq_ignore_ascii_case("false") => Value::Boolean(false),
            _ => return mismatch(),
        },
        SqlType::Integer => match j {
            J::Number(n) => match json_number_as(&n.to_string(), t) {
                Some(v) => v,
                None => return mismatch(),
            },
            J::String(s) => Value::Int(
                s.trim().parse().map_err(|_| "Can't coerce string to type. targetType: INTEGER".to_string())?,
            ),
            _ => return mismatch(),
        },
        SqlType::Bigint => match j {
            J::Number(n) => match json_number_as(&n.to_string(), t) {
                Some(v) => v,
                None => return mismatch(),
            },
            J::String(s) => Value::Bigint(
                s.trim().parse().map_err(|_| "Can't coerce string to type. targetType: BIGINT".to_string())?,
            ),
            _ => return mismatch(),
        },
        SqlType::Double => match j {
            J::Number(n) => match json_number_as(&n.to_string(), t) {
                Some(v) => v,
                None => return mismatch(),
            },
            J::String(s) => Value::Double(
                s.trim().parse().map_err(|_| "Can't coerce string to type. targetType: DOUBLE".to_string())?,
            ),
            _ => return mismatch(),
        },
        SqlType::Decimal { precision, scale } => {
            let d = match j {
                J::Number(n) => Decimal::parse(&n.to_string()),
                J::String(s) => Decimal::parse(s),
                _ => None,
            };
            let Some(d) = d else { return mismatch() };
            let (p, s) = (precision.unwrap_or(38), scale.unwrap_or(0));
            Value::Decimal(
                d.fit(p, s)
                    .ok_or_else(|| format!("Cannot fit decimal '{d}' into DECIMAL({p}, {s}) without rounding."))?,
            )
        }
        SqlType::String => match j {
            J::String(s) => Value::String(s.clone()),
            J::Number(n) => Value::String(n.to_string()),
            J::Bool(b) => Value::String(b.to_string()),
            other => Value::String(other.to_string()),
        },
        SqlType::Bytes => match j {
            J::String(s) => Value::Bytes(base64_decode(s).ok_or("Value is not a valid Base64 encoded string")?),
            _ => return mismatch(),
        },
        SqlType::Timestamp => match j {
            J::Number(n) => Value::Timestamp(n.to_string().parse::<i64>().map_err(|_| "bad timestamp".to_string())?),
            J::String(s) => {
                Value::Timestamp(s.parse::<i64>().ok().or_else(|| parse_timestamp(s)).ok_or("bad timestamp")?)
            }
            _ => return mismatch(),
        },
        SqlType::Date => match j {
            J::Number(n) => Value::Date(n.to_string().parse::<i32>().map_err(|_| "bad date".to_string())?),
            J::String(s) => Value::Date(s.parse::<i32>().ok().or_else(|| parse_date(s)).ok_or("bad date")?),
            _ => return mismatch(),
        },
        SqlType::Time => match j {
            J::Number(n) => Value::Time(n.to_string().parse::<i64>().map_err(|_| "bad time".to_string())?),
            J::String(s) => Value::Time(s.parse::<i64>().ok().or_else(|| parse_time(s)).ok_or("bad time")?),
            _ => return mismatch(),
        },
        SqlType::Array(et) => match j {
            J::Array(a) => Value::Array(a.iter().map(|x| from_json(x, et)).collect::<Result<_, _>>()?),
            _ => return mismatch(),
        },
        SqlType::Map(kt, vt) => match j {
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| Ok((from_json(&J::String(k.clone()), kt)?, from_json(v, vt)?)))
                    .collect::<Result<_, String>>()?,
            ),
            _ => return mismatch(),
        },
        SqlType::Struct(fields) => match j {
            J::Object(o) => Value::Struct(
                fields
                    .iter()
                    .map(|(n, ft)| {
                        let v = o.get(n).or_else(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v));
                        Ok((
                            n.clone(),
                            match v {
                                Some(v) => from_json(v, ft)?,
                                None => Value::Null,
                            },
                        ))
                    })
                    .collect::<Result<_, String>>()?,
            ),
            _ => return mismatch(),
        },
        SqlType::Other(n) => return Err(format!("Unsupported type {n}")),
    })
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Null => "NULL",
        serde_json::Value::Bool(_) => "BOOLEAN",
        serde_json::Value::Number(_) => "NUMBER",
        serde_json::Value::String(_) => "STRING",
        serde_json::Value::Array(_) => "ARRAY",
        serde_json::Value::Object(_) => "OBJECT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Integer texts read into DOUBLE by their integer parse give the float parse's double,
    /// -0 and the 15/16-digit edge included.
    #[test]
    fn small_integers_read_as_their_doubles() {
        let texts = ["0", "-0", "7", "-7", "007", "999999999999999", "-999999999999999", "1000000000000000"];
        let more = ["9007199254740993", "12345678901234567890", "1.5", "1e3", "-", "", "+5", " 5"];
        for text in texts.iter().chain(&more) {
            let float = text.parse::<f64>().ok().map(|f| f.to_bits());
            let read = json_number_as(text, &SqlType::Double).map(|v| match v {
                Value::Double(d) => d.to_bits(),
                other => panic!("{other:?}"),
            });
            assert_eq!(read, float, "{text}");
        }
        assert_eq!(small_integer("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(small_integer("1000000000000000"), None, "16 digits take the float parse");
    }

    proptest::proptest! {
        #[test]
        fn integers_read_as_doubles_exactly(n in -999_999_999_999_999i64..=999_999_999_999_999) {
            let text = n.to_string();
            let read = json_number_as(&text, &SqlType::Double);
            proptest::prop_assert_eq!(read, Some(Value::Double(text.parse::<f64>().unwrap())));
        }
    }

    #[test]
    fn decimals() {
        let d = Decimal::parse("4.50").unwrap();
        assert_eq!(d.to_string(), "4.50");
        assert_eq!(d.precision(), 3);
        assert_eq!(Decimal::parse("-0.05").unwrap().to_string(), "-0.05");
        assert_eq!(d.rescale(1).unwrap().to_string(), "4.5");
        assert_eq!(Decimal::parse("1.25").unwrap().rescale(1).unwrap().to_string(), "1.3");
        assert!(Decimal::parse("123.4").unwrap().fit(3, 1).is_none());
        assert_eq!(to_rest_json(&Value::Decimal(d)).to_string(), "4.50");
        // Rounding away 38 digits or more: twice the remainder passes i128, and 10^39 is none.
        let big = Decimal::new(pow10(38).unwrap() - 1, 38);
        assert_eq!(big.rescale(0).unwrap().to_string(), "1");
        assert_eq!(Decimal::new(-(pow10(38).unwrap() - 1), 38).rescale(0).unwrap().to_string(), "-1");
        assert_eq!(Decimal::new(pow10(38).unwrap() - 1, 45).rescale(3).unwrap().to_string(), "0.000");
        assert_eq!(Decimal::new(5 * pow10(37).unwrap(), 41).rescale(3).unwrap().to_string(), "0.001");
    }

    /// Powers of ten past 10^38 are none: a value or a scale change that needs one is
    /// refused, not clamped to 10^38; only zeros a value does not need are dropped.
    #[test]
    fn decimals_past_38_digits() {
        assert_eq!(pow10(38), Some(POW10[38]));
        assert_eq!(pow10(39), None);
        assert_eq!(Decimal::parse("1e38").unwrap().unscaled(), POW10[38]);
        assert_eq!(Decimal::parse("1e45"), None, "10^45 is no i128 (it read as 10^38)");
        assert_eq!(Decimal::parse("-2e39"), None);
        assert_eq!(Decimal::parse("1e2147483647"), None);
        assert_eq!(Decimal::parse("0e999999").map(|d| d.unscaled()), Some(0));
        // An exponent at i32's lowest: a scale past an i32, which BigDecimal refuses too
        // (it overflowed an i32 here); the largest it takes is i32's highest.
        assert_eq!(Decimal::parse("1e-2147483648"), None);
        let tiny = Decimal::parse("1e-2147483647").unwrap();
        assert_eq!((tiny.unscaled(), tiny.scale), (1, 2_147_483_647));
        assert_eq!(tiny.rescale(2).unwrap().to_string(), "0.00");
        // Values read as BigDecimal reads them: leading zeros are no digits, and past 38
        // digits trailing zeros go (the value kept); 39 digits that count are too many.
        let tiny = format!("0.{}1", "0".repeat(44));
        assert_eq!(Decimal::parse(&tiny).map(|d| (d.unscaled(), d.scale)), Some((1, 45)));
        let one = format!("1.{}", "0".repeat(40));
        assert_eq!(Decimal::parse(&one).map(|d| (d.unscaled(), d.scale)), Some((POW10[37], 37)));
        assert_eq!(Decimal::parse(&format!("1.{}1", "0".repeat(40))), None, "42 digits that count");
        assert_eq!(Decimal::parse(&format!("1{}", "0".repeat(39))), None, "10^39 is no i128");
        // Literals as written: 38 places or 38 digits at most, trailing zeros counted.
        let places_38 = format!("0.{}1", "0".repeat(37));
        assert_eq!(Decimal::parse_literal(&places_38).map(|d| (d.precision(), d.scale)), Some((38, 38)));
        assert_eq!(Decimal::parse_literal(&tiny), None, "45 places");
        assert_eq!(Decimal::parse_literal(&one), None, "41 digits as written");
        assert_eq!(Decimal::parse_literal("1.50").map(|d| (d.precision(), d.scale)), Some((3, 2)));
        // Scaling up by more than 38 places: no value but zero survives it.
        assert_eq!(Decimal::new(1, 0).rescale(39), None, "was 10^38 at scale 39 (0.1)");
        assert_eq!(Decimal::new(7, 2).rescale(45), None);
        assert_eq!(Decimal::new(0, 0).rescale(60).map(|d| d.to_string()), Some(format!("0.{}", "0".repeat(60))));
        assert!(Decimal::new(i128::MAX, 0).fit(39, 0).is_some(), "every i128 fits 39 digits");
        assert!(Decimal::new(POW10[38], 0).fit(38, 0).is_none());
        assert_eq!(times_pow10(0, 1000), Some(0));
        assert_eq!(times_pow10(-3, 2), Some(-300));
        assert_eq!(div_pow10(-12_345, 2), -123);
        assert_eq!(div_pow10(i128::MAX, 39), 0);
    }

    /// The unscaled value survives its split into halves at the edges of i128 and of 38
    /// digits, and decimal keys order as their values do (after normalisation).
    #[test]
    fn decimal_halves_keep_value_and_order() {
        let edges = [
            0i128,
            1,
            -1,
            i64::MAX as i128 + 1,
            i64::MIN as i128 - 1,
            pow10(38).unwrap() - 1,
            -(pow10(38).unwrap() - 1),
        ];
        for u in edges.into_iter().chain([i128::MAX, i128::MIN]) {
            assert_eq!(Decimal::new(u, 3).unscaled(), u);
        }
        let mut keys: Vec<(i128, KeyPart)> =
            edges.iter().map(|&u| (u, key_part(&Value::Decimal(Decimal::new(u, 0))))).collect();
        keys.sort_by(|a, b| a.1.cmp(&b.1));
        assert!(keys.windows(2).all(|w| w[0].0 < w[1].0), "{keys:?}");
        assert_eq!(format!("{:?}", Decimal::new(-5, 1)), "Decimal { unscaled: -5, scale: 1 }");
    }

    /// `clear_row` forgets the values that own no memory: every variant that does must say
    /// so (the match below has no catch-all, so a new variant has to be placed).
    #[test]
    fn only_values_without_memory_are_forgotten() {
        let plain = |v: &Value| match v {
            Value::Null
            | Value::Boolean(_)
            | Value::Int(_)
            | Value::Bigint(_)
            | Value::Double(_)
            | Value::Decimal(_)
            | Value::Timestamp(_)
            | Value::Date(_)
            | Value::Time(_) => true,
            Value::String(_) | Value::Bytes(_) | Value::Array(_) | Value::Map(_) | Value::Struct(_) => false,
        };
        let mut row = vec![
            Value::Null,
            Value::Boolean(true),
            Value::Int(1),
            Value::Bigint(2),
            Value::Double(3.0),
            Value::Decimal(Decimal::new(4, 1)),
            Value::Timestamp(5),
            Value::Date(6),
            Value::Time(7),
            Value::String("x".into()),
            Value::Bytes(vec![1]),
            Value::Array(vec![Value::String("y".into())]),
            Value::Map(vec![(Value::String("k".into()), Value::Int(1))]),
            Value::Struct(vec![("F".into(), Value::Null)]),
        ];
        for v in &row {
            assert_eq!(v.owns_memory(), !plain(v), "{v:?}");
            // Bit-copied or not, a clone is the same value, with memory of its own.
            let copy = v.clone();
            assert_eq!(&copy, v);
            drop(copy);
        }
        let copies = row.clone();
        drop(row.clone());
        assert_eq!(copies, row);
        let capacity = row.capacity();
        clear_row(&mut row);
        assert!(row.is_empty());
        assert_eq!(row.capacity(), capacity, "the row's room is kept for the next");
    }

    /// A row's values are 8-aligned so that rows are plain (not aligned) allocations.
    #[test]
    fn values_and_key_parts_are_eight_aligned() {
        assert_eq!(std::mem::align_of::<Value>(), 8);
        assert_eq!(std::mem::align_of::<KeyPart>(), 8);
        assert!(std::mem::size_of::<Value>() <= 32, "{}", std::mem::size_of::<Value>());
    }

    #[test]
    fn times_and_doubles() {
        assert_eq!(format_timestamp(1), "1970-01-01T00:00:00.001");
        assert_eq!(format_time(0), "00:00");
        assert_eq!(format_time(1000), "00:00:01");
        assert_eq!(format_date(1), "1970-01-02");
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.001"), Some(1));
        assert_eq!(double_json(10.0).to_string(), "10.0");
    }

    #[test]
    fn casts() {
        assert_eq!(cast(&Value::String("12".into()), &SqlType::Integer).unwrap(), Value::Int(12));
        assert_eq!(cast(&Value::Double(1.7), &SqlType::Integer).unwrap(), Value::Int(1));
        assert_eq!(cast(&Value::Int(3), &decimal_type(4, 2)).unwrap().to_owned(), Value::Decimal(Decimal::new(300, 2)));
        assert!(cast(&Value::Int(300), &decimal_type(3, 2)).is_err());
    }
}
