//! Scalar functions: Numbers: arithmetic, rounding, logarithms, random, bit and sign functions.

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
// long: a table of implementations (name, typer, evaluator), one entry per function;
// splitting it would split the table, not the logic.
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!(
            "ABS",
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
                Value::Decimal(d) => Value::Decimal(Decimal::new(d.unscaled().abs(), d.scale)),
                _ => Value::Null,
            }
        ),
        f!("CEIL", whole_number_type, |a, _| to_whole_number(&a[0], true)),
        f!("FLOOR", whole_number_type, |a, _| to_whole_number(&a[0], false)),
        f!("ROUND", rounding_type, |a, ret| {
            if any_null(a) {
                return Value::Null;
            }
            let places = a.get(1).and_then(|v| v.as_i64()).unwrap_or(0) as i32;
            match (&a[0], ret) {
                (Value::Double(d), Some(SqlType::Bigint)) => Value::Bigint(java_math_round(*d)),
                (Value::Double(d), _) => Value::Double(round_double(*d, places)),
                (Value::Decimal(d), Some(SqlType::Decimal { scale, .. })) => {
                    let r = if places >= 0 {
                        d.rescale((places as u32).min(d.scale)).and_then(|x| x.rescale(scale.unwrap_or(0)))
                    } else {
                        let p = places.unsigned_abs();
                        Decimal::new(d.unscaled(), d.scale.saturating_add(p))
                            .rescale(0)
                            .and_then(|q| times_pow10(q.unscaled(), p))
                            .map(|u| Decimal::new(u, 0))
                            .and_then(|x| x.rescale(scale.unwrap_or(0)))
                    };
                    r.map(Value::Decimal).unwrap_or(Value::Null)
                }
                // Past the type's range the low bits are kept, as Java's intValue and longValue do.
                (Value::Int(i), _) if places < 0 => Value::Int(round_integer(*i as i128, places) as i32),
                (Value::Bigint(i), _) if places < 0 => Value::Bigint(round_integer(*i as i128, places) as i64),
                (v, _) => v.clone(),
            }
        }),
        f!("TRUNC", rounding_type, |a, ret| {
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
                        Some(Decimal::new(div_pow10(d.unscaled(), cut as u32), places as u32))
                    } else {
                        let p = places.unsigned_abs();
                        times_pow10(div_pow10(d.unscaled(), cut as u32), p).map(|u| Decimal::new(u, 0))
                    };
                    truncated.and_then(|x| x.rescale(scale.unwrap_or(0))).map(Value::Decimal).unwrap_or(Value::Null)
                }
                (v, _) => v.clone(),
            }
        }),
        f!("SIN", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.sin()))
            .unwrap_or(Value::Null)),
        f!("COS", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.cos()))
            .unwrap_or(Value::Null)),
        f!("TAN", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.tan()))
            .unwrap_or(Value::Null)),
        f!("ASIN", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.asin()))
            .unwrap_or(Value::Null)),
        f!("ACOS", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.acos()))
            .unwrap_or(Value::Null)),
        f!("ATAN", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.atan()))
            .unwrap_or(Value::Null)),
        f!("SINH", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.sinh()))
            .unwrap_or(Value::Null)),
        f!("COSH", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.cosh()))
            .unwrap_or(Value::Null)),
        f!("TANH", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.tanh()))
            .unwrap_or(Value::Null)),
        f!("RADIANS", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.to_radians()))
            .unwrap_or(Value::Null)),
        f!("DEGREES", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.to_degrees()))
            .unwrap_or(Value::Null)),
        f!("COT", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(1.0 / x.tan()))
            .unwrap_or(Value::Null)),
        f!(
            "ATAN2",
            |a| if a.len() == 2 && is_num(a, 0) && is_num(a, 1) { ok(SqlType::Double) } else { no() },
            |a, _| match (a[0].as_f64(), a[1].as_f64()) {
                (Some(y), Some(x)) => Value::Double(y.atan2(x)),
                _ => Value::Null,
            }
        ),
        f!("URL_ENCODE_PARAM", |a| strs(a, 1..=1, SqlType::String), |a, _| match s(&a[0]) {
            Some(x) => string(url_encode(x)),
            None => Value::Null,
        }),
        f!("URL_DECODE_PARAM", |a| strs(a, 1..=1, SqlType::String), |a, _| match s(&a[0]).and_then(url_decode) {
            Some(x) => string(x),
            None => Value::Null,
        }),
        f!("URL_EXTRACT_FRAGMENT", |a| strs(a, 1..=1, SqlType::String), |a, _| s(&a[0])
            .and_then(|u| UrlParts::parse(u).fragment)
            .map(|x| string(percent_decoded(&x)))
            .unwrap_or(Value::Null)),
        f!("URL_EXTRACT_HOST", |a| strs(a, 1..=1, SqlType::String), |a, _| s(&a[0])
            .and_then(|u| UrlParts::parse(u).host)
            .map(string)
            .unwrap_or(Value::Null)),
        f!("URL_EXTRACT_PATH", |a| strs(a, 1..=1, SqlType::String), |a, _| s(&a[0])
            .map(|u| string(percent_decoded(&UrlParts::parse(u).path)))
            .unwrap_or(Value::Null)),
        f!("URL_EXTRACT_PORT", |a| strs(a, 1..=1, SqlType::Integer), |a, _| s(&a[0])
            .and_then(|u| UrlParts::parse(u).port)
            .map(Value::Int)
            .unwrap_or(Value::Null)),
        f!("URL_EXTRACT_PROTOCOL", |a| strs(a, 1..=1, SqlType::String), |a, _| s(&a[0])
            .and_then(|u| UrlParts::parse(u).scheme)
            .map(string)
            .unwrap_or(Value::Null)),
        f!("URL_EXTRACT_QUERY", |a| strs(a, 1..=1, SqlType::String), |a, _| s(&a[0])
            .and_then(|u| UrlParts::parse(u).query)
            .map(|x| string(percent_decoded(&x)))
            .unwrap_or(Value::Null)),
        f!("URL_EXTRACT_PARAMETER", |a| strs(a, 2..=2, SqlType::String), |a, _| {
            let (Some(u), Some(name)) = (s(&a[0]), s(&a[1])) else { return Value::Null };
            let Some(q) = UrlParts::parse(u).query else { return Value::Null };
            for kv in q.split('&') {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                if url_decode(k).as_deref() == Some(name) {
                    return url_decode(v).map(string).unwrap_or(Value::Null);
                }
            }
            Value::Null
        }),
        f!("SQRT", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.sqrt()))
            .unwrap_or(Value::Null)),
        f!("CBRT", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.cbrt()))
            .unwrap_or(Value::Null)),
        f!("EXP", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.exp()))
            .unwrap_or(Value::Null)),
        f!("LN", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Double) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Double(x.ln()))
            .unwrap_or(Value::Null)),
        f!(
            "LOG",
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
                    // ksqlDB: a base of zero or less, or of one, has no logarithm.
                    _ => {
                        let (base, value) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
                        if base <= 0.0 || base == 1.0 {
                            Value::Double(f64::NAN)
                        } else {
                            Value::Double(value.ln() / base.ln())
                        }
                    }
                }
            }
        ),
        f!(
            "POWER",
            |a| if a.len() == 2 && is_num(a, 0) && is_num(a, 1) { ok(SqlType::Double) } else { no() },
            |a, _| match (a[0].as_f64(), a[1].as_f64()) {
                (Some(x), Some(y)) => Value::Double(x.powf(y)),
                _ => Value::Null,
            }
        ),
        f!("SIGN", |a| if a.len() == 1 && is_num(a, 0) { ok(SqlType::Integer) } else { no() }, |a, _| a[0]
            .as_f64()
            .map(|x| Value::Int(if x > 0.0 {
                1
            } else if x < 0.0 {
                -1
            } else {
                0
            }))
            .unwrap_or(Value::Null)),
        f!("RANDOM", |a| if a.is_empty() { ok(SqlType::Double) } else { no() }, |_, _| {
            let u = uuid::Uuid::new_v4().as_u128();
            Value::Double((u >> 75) as f64 / (1u64 << 53) as f64)
        }),
        f!("PI", |a| if a.is_empty() { ok(SqlType::Double) } else { no() }, |_, _| Value::Double(std::f64::consts::PI)),
        f!(
            "GEO_DISTANCE",
            |a| {
                if (a.len() == 4 || (a.len() == 5 && is_str(a, 4))) && (0..4).all(|i| is_num(a, i)) {
                    ok(SqlType::Double)
                } else {
                    no()
                }
            },
            |a, _| geo_distance(a)
        ),
        f!("GREATEST", extreme_type, |a, ret| extreme(a, ret, true)),
        f!("LEAST", extreme_type, |a, ret| extreme(a, ret, false)),
    ]
}

/// ROUND's and TRUNC's result type: a DOUBLE to whole places is a BIGINT, to decimal places
/// a DOUBLE; a DECIMAL as ksqlDB 0.29 types it; integers stay as they are.
fn rounding_type(a: Types) -> Result<Option<SqlType>, String> {
    if !(a.len() == 1 || (a.len() == 2 && is_int(a, 1))) || !is_num(a, 0) {
        return no();
    }
    Ok(Some(match (t(a, 0), a.len()) {
        (Some(SqlType::Double), 1) => SqlType::Bigint,
        (Some(SqlType::Double), _) => SqlType::Double,
        // As ksqlDB 0.29's schema providers: ROUND(d) has d's whole digits, ROUND(d, n) d's type.
        (Some(SqlType::Decimal { precision, scale }), 1) => {
            decimal_type(precision.unwrap_or(38) - scale.unwrap_or(0), 0)
        }
        (Some(d @ SqlType::Decimal { .. }), _) => d.clone(),
        (Some(x), _) => x.clone(),
        (None, _) => SqlType::Bigint,
    }))
}

/// CEIL and FLOOR's typer: integers and doubles keep their type, a decimal loses its scale
/// (and gains a digit for the carry).
fn whole_number_type(a: Types) -> Result<Option<SqlType>, String> {
    if a.len() != 1 || !is_num(a, 0) {
        return no();
    }
    // A DECIMAL keeps its type, as ksqlDB's Ceil/Floor schema providers return it.
    Ok(match t(a, 0) {
        Some(x) => Some(x.clone()),
        None => Some(SqlType::Integer),
    })
}

/// CEIL (`up`) or FLOOR of a number; a DECIMAL keeps its scale (FLOOR(1.5) is 1.0).
fn to_whole_number(v: &Value, up: bool) -> Value {
    match v {
        Value::Double(d) => Value::Double(if up { d.ceil() } else { d.floor() }),
        Value::Decimal(d) => {
            // rescale(0) rounds to the nearest; step back when that went past the wanted side.
            let whole = d
                .rescale(0)
                .map(|r| match Decimal::new(r.unscaled(), 0).cmp_value(d) {
                    std::cmp::Ordering::Less if up => r.unscaled() + 1,
                    std::cmp::Ordering::Greater if !up => r.unscaled() - 1,
                    _ => r.unscaled(),
                })
                .unwrap_or(0);
            Value::Decimal(Decimal::new(whole, 0).rescale(d.scale).unwrap_or(*d))
        }
        v => v.clone(),
    }
}

/// A URL component as Java's `URI` getters give it: `%XX` escapes decoded (`+` stays `+`),
/// malformed UTF-8 replaced.
fn percent_decoded(component: &str) -> String {
    percent_encoding::percent_decode_str(component).decode_utf8_lossy().into_owned()
}

/// An integer rounded HALF_UP to `places` < 0 (tens, hundreds, ...), as ksqlDB's ROUND does
/// through BigDecimal. Past 38 places every integer rounds to zero.
fn round_integer(i: i128, places: i32) -> i128 {
    let shift = places.unsigned_abs();
    let q = Decimal::new(i, shift).rescale(0).map_or(0, |q| q.unscaled());
    // A 64-bit integer rounded up takes at most 20 digits: no overflow here.
    times_pow10(q, shift).unwrap_or(0)
}

/// Java's Math.round: the nearest integer, halves up toward positive infinity, NaN 0, past
/// the range its ends. `(x + 0.5).floor()` is wrong twice: 0.49999999999999994 + 0.5 rounds
/// to 1.0, and above 2^52 an odd x + 0.5 rounds to the next even.
fn java_math_round(x: f64) -> i64 {
    let floor = x.floor();
    // Exact for every double: x - floor(x) is representable.
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    rounded as i64
}
