//! Scalar functions: Dates, times and timestamps: parsing, formatting, arithmetic, time zones.

use super::*;

/// The functions of this category, one entry each.
// long: a table of function definitions (name, category, description, signatures, typer,
// evaluator), one entry per function; splitting it would split the table, not the logic.
pub(super) fn functions() -> Vec<ScalarFn> {
    vec![
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
            format_epoch_days
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
            format_epoch_days
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
    ]
}

/// DATETOSTRING and FORMAT_DATE: days since the epoch with a Java date pattern.
fn format_epoch_days(a: &[Value], _: &Option<SqlType>) -> Value {
    if any_null(a) {
        return Value::Null;
    }
    format_ts(a[0].as_i64().unwrap() * MS_PER_DAY, s(&a[1]).unwrap(), None).map(string).unwrap_or(Value::Null)
}
