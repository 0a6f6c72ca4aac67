//! When reports are due: periods of whole days that are contiguous and never overlap.
//!
//! Three forms are accepted (`[reports] schedule`):
//! - `daily`: every day is a period, due `delay` after it ends (the reviewer's note);
//! - `every N days` (e.g. `every 30 days`, seeds 000 and 001): periods of N days counted from an anchor
//!   day, each due `delay` after it ends;
//! - a cron expression (`0 3 1 * *`, `@monthly`; 5 fields, or 6 with seconds): the days it fires on bound
//!   the periods. A period runs from one firing day to the day before the next, and is due at the first
//!   firing of that next day; `0 3 1 * *` gives calendar months, due on the 1st at 03:00.
//!
//! Days are those of the report time zone; every period is a whole number of days.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use croner::Cron;
use croner::parser::{CronParser, Seconds};
use jiff::civil::Date;
use jiff::{ToSpan, Zoned};

use crate::error::ReportError;
use crate::period::Period;

/// Longest period of `every N days`.
pub const MAX_DAYS: u32 = 366;

/// How reports are scheduled.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Periods of `days` days, the first of which starts on `anchor`; due `delay` after they end.
    EveryDays {
        /// Days in a period (1 for `daily`).
        days: u32,
        /// A day on which a period starts.
        anchor: Date,
    },
    /// Periods between the days a cron expression fires; due when it fires.
    Cron(Box<Cron>),
}

impl Schedule {
    /// Parses `text` (see the module docs); `anchor` is a day on which an `every N days` period
    /// starts (ignored by the other forms).
    pub fn parse(text: &str, anchor: Date) -> Result<Schedule, ReportError> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let every = |days: u32| Ok(Schedule::EveryDays { days, anchor });
        match words.as_slice() {
            ["daily"] | ["every", "day"] => every(1),
            ["every", n, "day" | "days"] => match n.parse::<u32>() {
                Ok(days @ 1..=MAX_DAYS) => every(days),
                _ => Err(ReportError::Config(format!(
                    "schedule `{text}`: the number of days must be 1 to {MAX_DAYS}"
                ))),
            },
            _ => parse_cron(text),
        }
    }

    /// The latest `count` periods that are due at `now` (in `now`'s time zone), oldest first.
    /// `delay` is how long after its end an `every N days` period becomes due.
    pub fn due_periods(
        &self,
        now: &Zoned,
        delay: Duration,
        count: usize,
    ) -> Result<Vec<Period>, ReportError> {
        let mut periods = match self {
            Schedule::EveryDays { days, anchor } => {
                every_days(i64::from(*days), *anchor, now, delay, count)?
            }
            Schedule::Cron(cron) => cron_periods(cron, now, count)?,
        };
        periods.reverse();
        Ok(periods)
    }
}

impl FromStr for Schedule {
    type Err = ReportError;

    /// Parses with the anchor 2025-01-01.
    fn from_str(text: &str) -> Result<Schedule, ReportError> {
        Schedule::parse(text, jiff::civil::date(2025, 1, 1))
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::EveryDays { days: 1, .. } => f.write_str("daily"),
            Schedule::EveryDays { days, anchor } => {
                write!(f, "every {days} days from {anchor}")
            }
            Schedule::Cron(cron) => write!(f, "cron `{}`", cron.pattern),
        }
    }
}

fn parse_cron(text: &str) -> Result<Schedule, ReportError> {
    let cron = CronParser::builder()
        .seconds(Seconds::Optional)
        .build()
        .parse(text.trim())
        .map_err(|e| {
            ReportError::Config(format!(
                "schedule `{text}` is neither `daily`, `every N days` nor a cron expression: {e}"
            ))
        })?;
    let probe = jiff::civil::date(2025, 1, 1).to_zoned(jiff::tz::TimeZone::UTC);
    let probe = probe.map_err(|e| ReportError::Config(e.to_string()))?;
    cron.find_next_occurrence(&probe, false)
        .map_err(|e| ReportError::Config(format!("schedule `{text}` never fires: {e}")))?;
    Ok(Schedule::Cron(Box::new(cron)))
}

fn add_days(d: Date, days: i64) -> Result<Date, ReportError> {
    d.checked_add(days.days())
        .map_err(|e| ReportError::Config(format!("{d} + {days} days: {e}")))
}

fn every_days(
    n: i64,
    anchor: Date,
    now: &Zoned,
    delay: Duration,
    count: usize,
) -> Result<Vec<Period>, ReportError> {
    let since = anchor
        .until(now.date())
        .map_err(|e| ReportError::Config(e.to_string()))?
        .get_days();
    // Index of the period containing today; period `j` starts on anchor + j·n.
    let mut j = i64::from(since).div_euclid(n) - 1;
    let due = |j: i64| -> Result<bool, ReportError> {
        let end = add_days(anchor, (j + 1) * n)?
            .to_zoned(now.time_zone().clone())
            .map_err(|e| ReportError::Config(e.to_string()))?;
        let due = end
            .checked_add(delay)
            .map_err(|e| ReportError::Config(format!("delay: {e}")))?;
        Ok(due <= *now)
    };
    while !due(j)? {
        j -= 1;
    }
    let mut periods = Vec::with_capacity(count);
    for k in 0..count as i64 {
        let first = add_days(anchor, (j - k) * n)?;
        periods.push(Period::new(first, add_days(first, n - 1)?)?);
    }
    Ok(periods)
}

fn cron_periods(cron: &Cron, now: &Zoned, count: usize) -> Result<Vec<Period>, ReportError> {
    let fired = |at: &Zoned, inclusive: bool| {
        cron.find_previous_occurrence(at, inclusive)
            .map_err(|e| ReportError::Config(format!("cron `{}`: {e}", cron.pattern)))
    };
    // The latest firing day bounds the latest due period; it is due at that day's first firing,
    // which is at or before the latest firing, so at or before now.
    let mut boundary = fired(now, true)?.date();
    let mut periods = Vec::with_capacity(count);
    for _ in 0..count {
        let day_start = boundary
            .to_zoned(now.time_zone().clone())
            .map_err(|e| ReportError::Config(e.to_string()))?;
        let previous = match fired(&day_start, false) {
            Ok(p) => p.date(),
            Err(e) if periods.is_empty() => return Err(e),
            Err(_) => break,
        };
        periods.push(Period::new(previous, add_days(boundary, -1)?)?);
        boundary = previous;
    }
    Ok(periods)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    use crate::period::time_zone;

    fn at(text: &str) -> Zoned {
        let tz = time_zone("Europe/Moscow").unwrap();
        text.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(tz)
            .unwrap()
    }

    fn names(periods: &[Period]) -> Vec<String> {
        periods.iter().map(ToString::to_string).collect()
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn daily_periods_are_the_previous_days_once_the_delay_has_passed() {
        let s: Schedule = "daily".parse().unwrap();
        assert_eq!(s.to_string(), "daily");
        let p = s.due_periods(&at("2025-03-10T00:59"), HOUR, 2).unwrap();
        assert_eq!(
            names(&p),
            ["2025-03-07 – 2025-03-07", "2025-03-08 – 2025-03-08"]
        );
        let p = s.due_periods(&at("2025-03-10T01:00"), HOUR, 2).unwrap();
        assert_eq!(
            names(&p),
            ["2025-03-08 – 2025-03-08", "2025-03-09 – 2025-03-09"]
        );
    }

    #[test]
    fn every_30_days_counts_from_the_anchor_contiguously() {
        let s = Schedule::parse("every 30 days", date(2025, 1, 1)).unwrap();
        let p = s.due_periods(&at("2025-03-05T12:00"), HOUR, 3).unwrap();
        assert_eq!(
            names(&p),
            [
                "2024-12-02 – 2024-12-31",
                "2025-01-01 – 2025-01-30",
                "2025-01-31 – 2025-03-01",
            ]
        );
        for w in p.windows(2) {
            assert_eq!(add_days(w[0].last, 1).unwrap(), w[1].first, "contiguous");
        }
        assert!(p.iter().all(|p| p.days() == 30));
        // On the first day of a period, before the delay, the period before it is not yet due.
        let p = s.due_periods(&at("2025-03-02T00:30"), HOUR, 1).unwrap();
        assert_eq!(names(&p), ["2025-01-01 – 2025-01-30"]);
        let p = s.due_periods(&at("2025-03-02T01:00"), HOUR, 1).unwrap();
        assert_eq!(names(&p), ["2025-01-31 – 2025-03-01"]);
        // An anchor in the future works the same way.
        let s = Schedule::parse("every 7 days", date(2030, 1, 1)).unwrap();
        let p = s.due_periods(&at("2025-03-05T12:00"), HOUR, 1).unwrap();
        assert_eq!(p[0].days(), 7);
        assert!(p[0].last < date(2025, 3, 5));
    }

    #[test]
    fn monthly_cron_gives_calendar_months_due_when_it_fires() {
        let s: Schedule = "0 3 1 * *".parse().unwrap();
        let p = s.due_periods(&at("2025-03-01T02:59"), HOUR, 2).unwrap();
        assert_eq!(
            names(&p),
            ["2024-12-01 – 2024-12-31", "2025-01-01 – 2025-01-31"]
        );
        let p = s.due_periods(&at("2025-03-01T03:00"), HOUR, 2).unwrap();
        assert_eq!(
            names(&p),
            ["2025-01-01 – 2025-01-31", "2025-02-01 – 2025-02-28"]
        );
    }

    #[test]
    fn a_cron_firing_several_times_a_day_still_gives_whole_days() {
        let s: Schedule = "*/15 * * * *".parse().unwrap();
        let p = s.due_periods(&at("2025-03-10T10:07"), HOUR, 2).unwrap();
        assert_eq!(
            names(&p),
            ["2025-03-08 – 2025-03-08", "2025-03-09 – 2025-03-09"]
        );
        let weekly: Schedule = "@weekly".parse().unwrap();
        let p = weekly
            .due_periods(&at("2025-03-12T10:00"), HOUR, 1)
            .unwrap();
        assert_eq!(p[0].days(), 7);
    }

    #[test]
    fn bad_schedules_are_refused_with_the_accepted_forms() {
        for bad in [
            "hourly",
            "every 0 days",
            "every 400 days",
            "every x days",
            "1 2 3",
            "",
        ] {
            let e = bad.parse::<Schedule>().unwrap_err().to_string();
            assert!(e.contains("schedule"), "{bad}: {e}");
        }
        assert!("0 0 30 2 *".parse::<Schedule>().is_err(), "never fires");
        assert!("Every 2 Days".parse::<Schedule>().is_ok());
    }
}
