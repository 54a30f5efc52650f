//! Scalar functions: Dates, times and timestamps: parsing, formatting, arithmetic, time zones.

use super::*;

/// The implementations of this category, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
// long: a table of implementations (name, typer, evaluator), one entry per function;
// splitting it would split the table, not the logic.
pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!(
            "UNIX_TIMESTAMP",
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
            |a| {
                if (a.len() == 2 || a.len() == 3) && is_int(a, 0) && (1..a.len()).all(|i| is_str(a, i)) {
                    ok(SqlType::String)
                } else {
                    no()
                }
            },
            format_epoch_ms
        ),
        f!(
            "FORMAT_TIMESTAMP",
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
            format_epoch_ms
        ),
        f!("STRINGTOTIMESTAMP", |a| strs(a, 2..=3, SqlType::Bigint), |a, _| parsed_ms(a)
            .map(Value::Bigint)
            .unwrap_or(Value::Null)),
        f!("PARSE_TIMESTAMP", |a| strs(a, 2..=3, SqlType::Timestamp), |a, _| parsed_ms(a)
            .map(Value::Timestamp)
            .unwrap_or(Value::Null)),
        f!("FROM_UNIXTIME", |a| if a.len() == 1 && is_int(a, 0) { ok(SqlType::Timestamp) } else { no() }, |a, _| a[0]
            .as_i64()
            .map(Value::Timestamp)
            .unwrap_or(Value::Null)),
        f!("FROM_DAYS", |a| if a.len() == 1 && is_int(a, 0) { ok(SqlType::Date) } else { no() }, |a, _| a[0]
            .as_i64()
            .map(|d| Value::Date(d as i32))
            .unwrap_or(Value::Null)),
        f!(
            "DATETOSTRING",
            |a| if a.len() == 2 && is_int(a, 0) && is_str(a, 1) { ok(SqlType::String) } else { no() },
            format_epoch_days
        ),
        f!("STRINGTODATE", |a| strs(a, 2..=2, SqlType::Integer), |a, _| parsed_ms(a)
            .map(|ms| Value::Int(ms.div_euclid(MS_PER_DAY) as i32))
            .unwrap_or(Value::Null)),
        f!(
            "FORMAT_DATE",
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Date)) && is_str(a, 1) {
                ok(SqlType::String)
            } else {
                no()
            },
            format_epoch_days
        ),
        f!("PARSE_DATE", |a| strs(a, 2..=2, SqlType::Date), |a, _| match (s(&a[0]), s(&a[1])) {
            (Some(text), Some(pattern)) => parse_date_prefix_ms(text, pattern)
                .map(|ms| Value::Date(ms.div_euclid(MS_PER_DAY) as i32))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        }),
        f!(
            "FORMAT_TIME",
            |a| if a.len() == 2 && matches!(a[0], None | Some(SqlType::Time)) && is_str(a, 1) {
                ok(SqlType::String)
            } else {
                no()
            },
            format_epoch_ms
        ),
        f!("PARSE_TIME", |a| strs(a, 2..=2, SqlType::Time), |a, _| {
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
        }),
        // TIMESTAMPADD's typer lets any third argument through; the evaluator gives NULL for a
        // non-timestamp.
        f!(
            "TIMESTAMPADD",
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) { ok(SqlType::Timestamp) } else { no() },
            |a, _| timestamp_add(a, 1)
        ),
        f!(
            "TIMESTAMPSUB",
            |a| if a.len() == 3 && is_str(a, 0) && is_int(a, 1) { ok(SqlType::Timestamp) } else { no() },
            |a, _| timestamp_add(a, -1)
        ),
        f!(
            "CONVERT_TZ",
            |a| {
                let timestamp = matches!(a.first(), Some(None) | Some(Some(SqlType::Timestamp)));
                if a.len() == 3 && timestamp && is_str(a, 1) && is_str(a, 2) {
                    ok(SqlType::Timestamp)
                } else {
                    no()
                }
            },
            |a, _| convert_tz(a).map(Value::Timestamp).unwrap_or(Value::Null)
        ),
        f!("DATEADD", |a| shift_type(a, SqlType::Date), |a, _| date_add(a, 1)),
        f!("DATESUB", |a| shift_type(a, SqlType::Date), |a, _| date_add(a, -1)),
        f!("TIMEADD", |a| shift_type(a, SqlType::Time), |a, _| time_of_day_add(a, 1)),
        f!("TIMESUB", |a| shift_type(a, SqlType::Time), |a, _| time_of_day_add(a, -1)),
    ]
}

/// TIMESTAMPTOSTRING, FORMAT_TIMESTAMP and FORMAT_TIME: `(epoch ms, Java pattern[, zone])`.
fn format_epoch_ms(a: &[Value], _: &Option<SqlType>) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    format_ts(a[0].as_i64().unwrap(), s(&a[1]).unwrap(), a.get(2).and_then(|v| v.as_str()))
        .map(string)
        .unwrap_or(Value::Null)
}

/// The parsing functions' `(text, Java pattern[, zone])` as epoch milliseconds; None for a
/// NULL argument or text that does not match.
fn parsed_ms(a: &[Value]) -> Option<i64> {
    if any_null(a) {
        return None;
    }
    parse_ts(s(&a[0]).unwrap(), s(&a[1]).unwrap(), a.get(2).and_then(|v| v.as_str()))
}

/// DATETOSTRING and FORMAT_DATE: days since the epoch with a Java date pattern.
fn format_epoch_days(a: &[Value], _: &Option<SqlType>) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    format_ts(a[0].as_i64().unwrap() * MS_PER_DAY, s(&a[1]).unwrap(), None).map(string).unwrap_or(Value::Null)
}

/// CONVERT_TZ(ts, from, to): the timestamp moved by the difference of the two zones' offsets
/// at that instant, as ksqlDB computes it. None for NULL or an unknown zone.
fn convert_tz(a: &[Value]) -> Option<i64> {
    let Value::Timestamp(ms) = a[0] else { return None };
    let from = Zone::parse(s(&a[1])?)?.offset_ms_at(ms)?;
    let to = Zone::parse(s(&a[2])?)?.offset_ms_at(ms)?;
    ms.checked_add(to - from)
}
