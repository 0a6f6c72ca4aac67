//! Calendar dates and instants without a time library: a plugin has only the host clock
//! ([`host::ids::now_ms`](crate::host::ids::now_ms), milliseconds since the Unix epoch).
//!
//! - [`Date`]: a day of the proleptic Gregorian calendar, ordered chronologically, read from and written as
//!   `xs:date` (`YYYY-MM-DD`), counted in days since 1970-01-01 for arithmetic.
//! - [`Date::moscow`]: the date in Europe/Moscow at an instant. Moscow keeps UTC+3 all year: Russia has had no
//!   daylight saving time since 26 October 2014, so this is exact for every instant since then (before it,
//!   Moscow was at UTC+4 from March 2011 and had summer time earlier still; the SDK ignores that history).
//! - [`rfc3339`]: an instant as `xs:dateTime` in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
//!
//! ```
//! use gateway_plugin_sdk::date::{Date, rfc3339};
//!
//! let now_ms = 1_795_553_999_000; // 2026-11-24T20:59:59Z
//! assert_eq!(rfc3339(now_ms), "2026-11-24T20:59:59Z");
//! assert_eq!(Date::moscow(now_ms).to_string(), "2026-11-24"); // 23:59:59 in Moscow
//! assert_eq!(Date::moscow(now_ms + 1000).to_string(), "2026-11-25");
//! let valid_until = Date::parse("2026-11-24").unwrap();
//! assert!(Date::moscow(now_ms) <= valid_until);
//! ```

use std::fmt;

/// Europe/Moscow's offset from UTC, the same all year (no daylight saving time since 2014).
pub const MOSCOW_OFFSET_SECS: i64 = 3 * 3600;

const SECS_PER_DAY: i64 = 86_400;

/// A calendar date; ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
}

impl Date {
    /// The date if `month` and `day` name a day of `year`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// The date in Europe/Moscow (UTC+3) at `unix_ms`; see the module docs.
    pub fn moscow(unix_ms: u64) -> Date {
        let secs = i64::try_from(unix_ms / 1000).unwrap_or(i64::MAX - MOSCOW_OFFSET_SECS);
        Date::from_unix_days((secs + MOSCOW_OFFSET_SECS).div_euclid(SECS_PER_DAY))
    }

    /// The date in UTC at `unix_ms`.
    pub fn utc(unix_ms: u64) -> Date {
        Date::from_unix_days(unix_days(unix_ms))
    }

    /// Reads the date part of an `xs:date`: `YYYY-MM-DD` (surrounding white space ignored), optionally
    /// followed by a time zone, `Z` or six characters starting with `+` or `-` (`+03:00`). The zone names
    /// the same calendar day and is ignored, its digits unchecked. `None` for anything else, and for a day
    /// the month does not have (`2026-02-29`).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let year = i32::try_from(number(0..4)?).ok()?;
        let month = u8::try_from(number(5..7)?).ok()?;
        let day = u8::try_from(number(8..10)?).ok()?;
        // The first ten bytes are ASCII (digits and hyphens), so byte 10 starts a character.
        let rest = &text[10..];
        let zone_ok = rest.is_empty()
            || rest == "Z"
            || (rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')));
        zone_ok.then(|| Date::new(year, month, day))?
    }

    /// The date `days` days after 1970-01-01 (before it when negative), proleptic Gregorian
    /// (H. Hinnant's `civil_from_days`); a year past the range of `i32` is clamped to it.
    pub fn from_unix_days(days: i64) -> Date {
        let z = days.saturating_add(719_468);
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            month,
            day,
        }
    }

    /// Days since 1970-01-01 (negative before it): `Date::from_unix_days(d.unix_days() + 30)` is 30 days
    /// after `d` (H. Hinnant's `days_from_civil`).
    pub fn unix_days(self) -> i64 {
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `unix_ms` in UTC as `YYYY-MM-DDTHH:MM:SSZ` (`xs:dateTime`, RFC 3339); the milliseconds are dropped.
pub fn rfc3339(unix_ms: u64) -> String {
    let secs_of_day = (unix_ms / 1000) % SECS_PER_DAY as u64;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Date::utc(unix_ms),
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// Whole days since the epoch at `unix_ms` (UTC).
fn unix_days(unix_ms: u64) -> i64 {
    // u64::MAX milliseconds are about 2·10¹¹ days: no overflow.
    (unix_ms / 1000 / SECS_PER_DAY as u64) as i64
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moscow_midnight_is_three_hours_before_utc_midnight() {
        // 2026-11-24T20:59:59Z is 23:59:59 in Moscow; one second later it is the 25th there.
        let before = 1_795_553_999_000;
        assert_eq!(Date::moscow(before).to_string(), "2026-11-24");
        assert_eq!(Date::moscow(before + 1000).to_string(), "2026-11-25");
        assert_eq!(Date::utc(before + 1000).to_string(), "2026-11-24");
        assert_eq!(Date::moscow(0).to_string(), "1970-01-01");
        assert_eq!(Date::moscow(951_782_400_000).to_string(), "2000-02-29");
        assert!(
            Date::moscow(u64::MAX) >= Date::utc(u64::MAX),
            "far future: no overflow"
        );
        assert!(Date::utc(u64::MAX).year > 500_000_000);
    }

    #[test]
    fn xs_dates_parse_with_or_without_a_zone() {
        let d = Date::parse("2026-03-01").expect("valid");
        assert_eq!((d.year, d.month, d.day), (2026, 3, 1));
        assert_eq!(Date::parse(" 2026-03-01+03:00 "), Some(d));
        assert_eq!(Date::parse("2026-03-01-05:00"), Some(d));
        assert_eq!(Date::parse("2026-03-01Z"), Some(d));
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        assert_eq!(Date::parse("2000-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00",
            "2026-01-01+03",
            "2026/01/01",
            "+026-01-01",
            "2026-01-01ЖЖЖ",
            "x",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn new_checks_the_calendar() {
        assert_eq!(
            Date::new(2024, 2, 29).map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(Date::new(2023, 2, 29), None);
        assert_eq!(Date::new(2023, 12, 32), None);
        assert_eq!(Date::new(2023, 0, 1), None);
        assert_eq!(
            Date::new(7, 1, 2).map(|d| d.to_string()).as_deref(),
            Some("0007-01-02")
        );
    }

    #[test]
    fn dates_order_chronologically() {
        let a = Date::parse("2025-12-31").expect("valid");
        let b = Date::parse("2026-01-01").expect("valid");
        assert!(a < b);
        assert!(Date::parse("2026-01-01").expect("valid") <= b);
        assert!(
            Date::parse("2026-02-01").expect("valid") > Date::parse("2026-01-31").expect("valid")
        );
    }

    #[test]
    fn days_count_both_ways() {
        assert_eq!(Date::new(1970, 1, 1).map(Date::unix_days), Some(0));
        assert_eq!(Date::new(2000, 3, 1).map(Date::unix_days), Some(11_017));
        assert_eq!(Date::new(1969, 12, 31).map(Date::unix_days), Some(-1));
        for days in (-800_000..800_000)
            .step_by(997)
            .chain([-1, 0, 1, 59, 60, 11_016])
        {
            assert_eq!(Date::from_unix_days(days).unix_days(), days, "{days}");
        }
        assert_eq!(
            Date::from_unix_days(i64::MAX).year,
            i32::MAX,
            "clamped, no overflow"
        );
        assert_eq!(
            Date::from_unix_days(i64::MIN).year,
            i32::MIN,
            "clamped, no overflow"
        );
        let d = Date::parse("2026-02-27").expect("valid");
        assert_eq!(
            Date::from_unix_days(d.unix_days() + 2).to_string(),
            "2026-03-01"
        );
        assert_eq!(
            Date::from_unix_days(d.unix_days() - 58).to_string(),
            "2025-12-31"
        );
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(999), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_537_800_123), "2026-11-24T16:30:00Z");
        assert_eq!(rfc3339(1_795_553_999_000), "2026-11-24T20:59:59Z");
    }
}
