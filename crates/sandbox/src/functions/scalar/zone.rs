//! Time zones as ksqlDB reads them (Java's `ZoneId.of`): `UTC`, `GMT`, `UT` and `Z`, fixed
//! offsets (`+02:00`, `-0530`, `+2`, `UTC+01:00`, `GMT-5`), and IANA region ids
//! (`America/Los_Angeles`, `Europe/London`) from chrono-tz's copy of the tz database.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Fixed(FixedOffset),
    Region(Tz),
}

impl Zone {
    /// None for an id Java's `ZoneId.of` would refuse.
    pub fn parse(id: &str) -> Option<Zone> {
        let id = id.trim();
        if matches!(id, "Z" | "UTC" | "GMT" | "UT") {
            return Some(Zone::Fixed(FixedOffset::east_opt(0)?));
        }
        if id.starts_with(['+', '-']) {
            return fixed_offset(id).map(Zone::Fixed);
        }
        for prefix in ["UTC", "GMT", "UT"] {
            if let Some(offset) = id.strip_prefix(prefix).filter(|rest| rest.starts_with(['+', '-'])) {
                return fixed_offset(offset).map(Zone::Fixed);
            }
        }
        id.parse::<Tz>().ok().map(Zone::Region)
    }

    /// The zone's offset from UTC, in milliseconds, at the instant `utc_ms`.
    pub fn offset_ms_at(self, utc_ms: i64) -> Option<i64> {
        let utc = DateTime::from_timestamp_millis(utc_ms)?.naive_utc();
        let seconds = match self {
            Zone::Fixed(offset) => offset.local_minus_utc(),
            Zone::Region(tz) => tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
        };
        Some(i64::from(seconds) * 1000)
    }

    /// The instant (epoch ms) of a wall-clock time in this zone. As Java's `ZonedDateTime.of`:
    /// in an overlap the earlier offset; in a gap the offset before it (the time moves later).
    pub fn instant_ms(self, local: NaiveDateTime) -> Option<i64> {
        let local_ms = local.and_utc().timestamp_millis();
        let offset = match self {
            Zone::Fixed(offset) => offset.local_minus_utc(),
            Zone::Region(tz) => match tz.offset_from_local_datetime(&local).earliest() {
                Some(offset) => offset.fix().local_minus_utc(),
                None => tz.offset_from_utc_datetime(&(local - chrono::Duration::days(1))).fix().local_minus_utc(),
            },
        };
        Some(local_ms - i64::from(offset) * 1000)
    }
}

/// `+h`, `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`, `+hhmmss` (and `-`), within ±18 hours.
fn fixed_offset(text: &str) -> Option<FixedOffset> {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits = &text[1..];
    let parts: Vec<&str> = if digits.contains(':') {
        digits.split(':').collect()
    } else {
        match digits.len() {
            1 | 2 => vec![digits],
            4 => vec![&digits[..2], &digits[2..]],
            6 => vec![&digits[..2], &digits[2..4], &digits[4..]],
            _ => return None,
        }
    };
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let number = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<i32>().ok());
    let (hours, minutes, seconds) = (number(0)?, number(1)?, number(2)?);
    if hours > 18 || minutes > 59 || seconds > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn ids_as_java_reads_them() {
        for (id, hours) in [("UTC", 0), ("Z", 0), ("+02:00", 2), ("-0530", -5), ("UTC+1", 1), ("GMT-05:00", -5)] {
            let zone = Zone::parse(id).unwrap_or_else(|| panic!("{id}"));
            let expected = if id == "-0530" { -(5 * 3600 + 1800) * 1000 } else { hours * 3_600_000 };
            assert_eq!(zone.offset_ms_at(0), Some(expected), "{id}");
        }
        for bad in ["", "Mars/Olympus", "+25:00", "+1:2:3:4", "UTC+", "PST"] {
            assert_eq!(Zone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn regions_follow_daylight_saving_time() {
        let la = Zone::parse("America/Los_Angeles").unwrap();
        // 2021-01-15 (PST, -8) and 2021-07-15 (PDT, -7), noon UTC.
        assert_eq!(la.offset_ms_at(1_610_712_000_000), Some(-8 * 3_600_000));
        assert_eq!(la.offset_ms_at(1_626_350_400_000), Some(-7 * 3_600_000));
        // The gap of 2021-03-14 02:00 -> 03:00: 02:30 is read with the offset before it (-8).
        assert_eq!(la.instant_ms(local("2021-03-14 02:30:00")), Some(1_615_717_800_000));
        // The overlap of 2021-11-07 01:30: the earlier offset (-7).
        assert_eq!(la.instant_ms(local("2021-11-07 01:30:00")), Some(1_636_273_800_000));
    }
}
