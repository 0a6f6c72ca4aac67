//! Periods of whole days in the report time zone, and resolving that time zone.

use std::fmt;

use gateway_store::ReportPeriod;
use jiff::civil::Date;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{Timestamp, ToSpan};

use crate::error::ReportError;

/// The default report time zone.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Moscow";

/// A period of whole days, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// The first day.
    pub first: Date,
    /// The last day (on or after `first`).
    pub last: Date,
}

impl Period {
    /// The days `first` to `last`; an error when `last` comes before `first`.
    pub fn new(first: Date, last: Date) -> Result<Period, ReportError> {
        if last < first {
            return Err(ReportError::Config(format!(
                "a period cannot end ({last}) before it starts ({first})"
            )));
        }
        Ok(Period { first, last })
    }

    /// The number of days in the period.
    pub fn days(&self) -> i32 {
        self.first.until(self.last).map_or(0, |s| s.get_days()) + 1
    }

    /// The instants bounding the period in `tz`: the start of the first day (inclusive) and the
    /// start of the day after the last (exclusive).
    pub fn bounds(&self, tz: &TimeZone) -> Result<(Timestamp, Timestamp), ReportError> {
        let after = self
            .last
            .checked_add(1.day())
            .map_err(|e| ReportError::Config(format!("period end {}: {e}", self.last)))?;
        let start = |d: Date| {
            d.to_zoned(tz.clone())
                .map(|z| z.timestamp())
                .map_err(|e| ReportError::Config(format!("start of {d}: {e}")))
        };
        Ok((start(self.first)?, start(after)?))
    }

    /// The period as the store keeps it, with its bounds in `tz`.
    pub fn to_store(&self, tz: &TimeZone) -> Result<ReportPeriod, ReportError> {
        let (from, to) = self.bounds(tz)?;
        Ok(ReportPeriod {
            first: self.first.to_string(),
            last: self.last.to_string(),
            from_ms: from.as_millisecond(),
            to_ms: to.as_millisecond(),
        })
    }

    /// The days of a stored period.
    pub fn from_store(p: &ReportPeriod) -> Result<Period, ReportError> {
        Period::new(parse_date(&p.first)?, parse_date(&p.last)?)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", self.first, self.last)
    }
}

/// Parses a `YYYY-MM-DD` day.
pub fn parse_date(text: &str) -> Result<Date, ReportError> {
    text.parse::<Date>()
        .map_err(|e| ReportError::Config(format!("`{text}` is not a date YYYY-MM-DD: {e}")))
}

/// The IANA time zone `name` (e.g. `Europe/Moscow`): from the system's database, which the OS keeps
/// up to date, or from the copy built into the binary where the system has none.
pub fn time_zone(name: &str) -> Result<TimeZone, ReportError> {
    jiff::tz::db()
        .get(name)
        .or_else(|_| TimeZoneDatabase::bundled().get(name))
        .map_err(|e| ReportError::Config(format!("time zone `{name}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn moscow_days_start_at_three_utc() {
        let tz = time_zone(DEFAULT_TIME_ZONE).expect("Europe/Moscow is known");
        let p = Period::new(date(2025, 3, 1), date(2025, 3, 31)).unwrap();
        assert_eq!(p.days(), 31);
        let s = p.to_store(&tz).unwrap();
        assert_eq!(
            (s.first.as_str(), s.last.as_str()),
            ("2025-03-01", "2025-03-31")
        );
        assert_eq!(
            s.from_ms,
            "2025-02-28T21:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_millisecond()
        );
        assert_eq!(
            s.to_ms,
            "2025-03-31T21:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_millisecond()
        );
        assert_eq!(Period::from_store(&s).unwrap(), p);
        assert_eq!(p.to_string(), "2025-03-01 – 2025-03-31");
    }

    #[test]
    fn a_day_across_a_dst_change_is_23_hours() {
        let tz = time_zone("Europe/Berlin").unwrap();
        let p = Period::new(date(2025, 3, 30), date(2025, 3, 30)).unwrap();
        let (from, to) = p.bounds(&tz).unwrap();
        assert_eq!(to.as_second() - from.as_second(), 23 * 3600);
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(Period::new(date(2025, 3, 2), date(2025, 3, 1)).is_err());
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("yesterday").is_err());
        assert!(time_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn the_bundled_database_knows_moscow() {
        assert!(TimeZoneDatabase::bundled().get(DEFAULT_TIME_ZONE).is_ok());
    }
}
