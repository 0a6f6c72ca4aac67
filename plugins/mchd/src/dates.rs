//! Calendar dates without a time library (a plugin has only the host clock): today in Europe/Moscow and the
//! `xs:date` values of a power of attorney.

use std::fmt;

/// Europe/Moscow is UTC+3 all year (no daylight saving time since 2014).
pub const MOSCOW_OFFSET_SECS: i64 = 3 * 3600;

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
    /// The date in Europe/Moscow at `unix_ms`.
    pub fn moscow(unix_ms: u64) -> Date {
        let secs = i64::try_from(unix_ms / 1000).unwrap_or(i64::MAX - MOSCOW_OFFSET_SECS);
        Date::from_days((secs + MOSCOW_OFFSET_SECS).div_euclid(86_400))
    }

    /// Reads the date part of an `xs:date` (`YYYY-MM-DD`, optionally followed by a time zone, which names
    /// the same calendar day and is therefore ignored).
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
        let date = Date { year, month, day };
        let rest = &text[10..];
        let zone_ok = rest.is_empty()
            || rest == "Z"
            || (rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')));
        (zone_ok && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(date)
    }

    /// Days since 1970-01-01 → date, proleptic Gregorian (H. Hinnant's algorithm).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month,
            day,
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
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
        assert_eq!(Date::moscow(0).to_string(), "1970-01-01");
        assert_eq!(Date::moscow(951_782_400_000).to_string(), "2000-02-29");
    }

    #[test]
    fn xs_dates_parse_with_or_without_a_zone() {
        let d = Date::parse("2026-03-01").expect("valid");
        assert_eq!((d.year, d.month, d.day), (2026, 3, 1));
        assert_eq!(Date::parse("2026-03-01+03:00"), Some(d));
        assert_eq!(Date::parse("2026-03-01Z"), Some(d));
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00",
            "x",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_order_chronologically() {
        let a = Date::parse("2025-12-31").expect("valid");
        let b = Date::parse("2026-01-01").expect("valid");
        assert!(a < b);
        assert!(Date::parse("2026-01-01").expect("valid") <= b);
    }
}
