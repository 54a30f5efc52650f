//! Date and time functions: formatting, parsing, arithmetic, epoch conversions.

use super::{category::DATE_TIME, *};

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    scalar(
        "CONVERT_TZ",
        DATE_TIME,
        "Converts a TIMESTAMP value from one timezone to another.",
        &[sig(
            &[arg("timestamp", "TIMESTAMP"), arg("fromTimeZone", "STRING"), arg("toTimeZone", "STRING")],
            "TIMESTAMP",
        )],
    ),
    scalar(
        "DATEADD",
        DATE_TIME,
        "Adds a duration to a DATE value.",
        &[sig(&[arg("unit", "INTERVALUNIT"), arg("interval", "INT"), arg("date", "DATE")], "DATE")],
    ),
    scalar(
        "DATESUB",
        DATE_TIME,
        "Subtracts a duration from a DATE value.",
        &[sig(&[arg("unit", "INTERVALUNIT"), arg("interval", "INT"), arg("date", "DATE")], "DATE")],
    ),
    scalar(
        "DATETOSTRING",
        DATE_TIME,
        "Converts the number of days since 1970-01-01 00:00:00 UTC/GMT to a date string using the given format \
         pattern. Note this is the format Kafka Connect uses to represent dates with no time component. The format \
         pattern should be in the format expected by java.time.format.DateTimeFormatter. The system default time \
         zone is used when no time zone is explicitly provided.",
        &[sig(&[arg("epochDays", "INT"), arg("formatPattern", "STRING")], "STRING")],
    ),
    scalar(
        "FORMAT_DATE",
        DATE_TIME,
        "Converts a DATE value to a string using the given format pattern. The format pattern should be in the \
         format expected by java.time.format.DateTimeFormatter.",
        &[sig(&[arg("date", "DATE"), arg("formatPattern", "STRING")], "STRING")],
    ),
    scalar(
        "FORMAT_TIME",
        DATE_TIME,
        "Converts a TIME value into the string representation of the time in the given format.",
        &[sig(&[arg("time", "TIME"), arg("formatPattern", "STRING")], "STRING")],
    ),
    scalar(
        "FORMAT_TIMESTAMP",
        DATE_TIME,
        "Converts a TIMESTAMP value into the string representation of the timestamp in the given format.",
        &[
            sig(&[arg("timestamp", "TIMESTAMP"), arg("formatPattern", "STRING")], "STRING"),
            sig(&[arg("timestamp", "TIMESTAMP"), arg("formatPattern", "STRING"), arg("timeZone", "STRING")], "STRING"),
        ],
    ),
    scalar(
        "FROM_DAYS",
        DATE_TIME,
        "Converts a number of days since epoch to a DATE value.",
        &[sig(&[arg("days", "INT")], "DATE")],
    ),
    scalar(
        "FROM_UNIXTIME",
        DATE_TIME,
        "Converts the number of milliseconds since 1970-01-01 00:00:00 UTC/GMT into a TIMESTAMP value.",
        &[sig(&[arg("epochMilli", "BIGINT")], "TIMESTAMP")],
    ),
    scalar(
        "PARSE_DATE",
        DATE_TIME,
        "Converts a string representation of a date in the given format into a DATE value. The format pattern \
         should be in the format expected by java.text.SimpleDateFormat",
        &[sig(&[arg("formattedDate", "STRING"), arg("formatPattern", "STRING")], "DATE")],
    ),
    scalar(
        "PARSE_TIME",
        DATE_TIME,
        "Converts a string representation of a time in the given format into a TIME value.",
        &[sig(&[arg("formattedTime", "STRING"), arg("formatPattern", "STRING")], "TIME")],
    ),
    scalar(
        "PARSE_TIMESTAMP",
        DATE_TIME,
        "Converts a string representation of a date in the given format into a TIMESTAMP value.",
        &[
            sig(&[arg("formattedTimestamp", "STRING"), arg("formatPattern", "STRING")], "TIMESTAMP"),
            sig(
                &[arg("formattedTimestamp", "STRING"), arg("formatPattern", "STRING"), arg("timeZone", "STRING")],
                "TIMESTAMP",
            ),
        ],
    ),
    scalar(
        "STRINGTODATE",
        DATE_TIME,
        "Converts a string representation of a date in the given format into the number of days since 1970-01-01 \
         00:00:00 UTC/GMT. The system default time zone is used when no time zone is explicitly provided. Note this \
         is the format Kafka Connect uses to represent dates with no time component. The format pattern should be \
         in the format expected by java.time.format.DateTimeFormatter",
        &[sig(&[arg("formattedDate", "STRING"), arg("formatPattern", "STRING")], "INT")],
    ),
    scalar(
        "STRINGTOTIMESTAMP",
        DATE_TIME,
        "Converts a string representation of a date in the given format into the number of milliseconds since \
         1970-01-01 00:00:00 UTC/GMT. The system default time zone is used when no time zone is explicitly \
         provided.",
        &[
            sig(&[arg("formattedTimestamp", "STRING"), arg("formatPattern", "STRING")], "BIGINT"),
            sig(
                &[arg("formattedTimestamp", "STRING"), arg("formatPattern", "STRING"), arg("timeZone", "STRING")],
                "BIGINT",
            ),
        ],
    ),
    scalar(
        "TIMEADD",
        DATE_TIME,
        "Adds a duration to a TIME value.",
        &[sig(&[arg("unit", "INTERVALUNIT"), arg("interval", "INT"), arg("time", "TIME")], "TIME")],
    ),
    scalar(
        "TIMESTAMPADD",
        DATE_TIME,
        "Adds a duration to a TIMESTAMP value.",
        &[sig(&[arg("unit", "INTERVALUNIT"), arg("interval", "INT"), arg("timestamp", "TIMESTAMP")], "TIMESTAMP")],
    ),
    scalar(
        "TIMESTAMPSUB",
        DATE_TIME,
        "Subtracts a duration from a TIMESTAMP value.",
        &[sig(&[arg("unit", "INTERVALUNIT"), arg("interval", "INT"), arg("timestamp", "TIMESTAMP")], "TIMESTAMP")],
    ),
    scalar(
        "TIMESTAMPTOSTRING",
        DATE_TIME,
        "Converts a number of milliseconds since 1970-01-01 00:00:00 UTC/GMT into the string representation of the \
         timestamp in the given format. The system default time zone is used when no time zone is explicitly \
         provided.",
        &[
            sig(&[arg("epochMilli", "BIGINT"), arg("formatPattern", "STRING")], "STRING"),
            sig(&[arg("epochMilli", "BIGINT"), arg("formatPattern", "STRING"), arg("timeZone", "STRING")], "STRING"),
        ],
    ),
    scalar(
        "TIMESUB",
        DATE_TIME,
        "Subtracts a duration from a TIME value.",
        &[sig(&[arg("unit", "INTERVALUNIT"), arg("interval", "INT"), arg("time", "TIME")], "TIME")],
    ),
    scalar(
        "UNIX_DATE",
        DATE_TIME,
        "Returns the current number of days for the system since 1970-01-01 00:00:00 UTC/GMT.",
        &[sig(&[], "INT"), sig(&[arg("date", "DATE")], "INT")],
    ),
    scalar(
        "UNIX_TIMESTAMP",
        DATE_TIME,
        "Returns the current number of milliseconds for the system since 1970-01-01 00:00:00 UTC/GMT.",
        &[sig(&[], "BIGINT"), sig(&[arg("timestamp", "TIMESTAMP")], "BIGINT")],
    ),
];
