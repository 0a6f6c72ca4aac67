//! Times as the console shows and reads them: in the console's time zone (`[reports] time_zone`, else
//! Europe/Moscow), as `YYYY-MM-DD HH:MM:SS`; the search forms give `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`
//! (`datetime-local`).

use std::time::Duration;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::config::Config;

/// The zone when `[reports]` names none.
pub const DEFAULT_ZONE: &str = "Europe/Moscow";

/// The console's time zone: `[reports] time_zone`, else [`DEFAULT_ZONE`], else UTC.
pub fn zone(config: &Config) -> TimeZone {
    let name = config
        .reports
        .as_ref()
        .map_or(DEFAULT_ZONE, |r| r.time_zone.as_str());
    gateway_reports::period::time_zone(name).unwrap_or(TimeZone::UTC)
}

/// Unix ms `ms` in `tz`, `YYYY-MM-DD HH:MM:SS`.
pub fn show(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// The day of unix ms `ms` in `tz`, `YYYY-MM-DD`.
pub fn day(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default()
}

/// A duration for people: `350 мс`, `12 с`, `5 мин 3 с`, `2 ч 10 мин`, `3 д 4 ч`.
pub fn span(d: Duration) -> String {
    let ms = d.as_millis();
    let s = d.as_secs();
    match s {
        0 => format!("{ms} мс"),
        1..60 => format!("{s} с"),
        60..3600 => format!("{} мин {} с", s / 60, s % 60),
        3600..86_400 => format!("{} ч {} мин", s / 3600, s / 60 % 60),
        _ => format!("{} д {} ч", s / 86_400, s / 3600 % 24),
    }
}

/// Which end of a period a form's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Inclusive: a day means its first instant.
    From,
    /// Exclusive: a day means the first instant of the next (the day is included).
    To,
}

/// A form's `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` in `tz` as unix ms.
pub fn parse(text: &str, end: End, tz: &TimeZone) -> Result<i64, String> {
    let text = text.trim();
    let civil = if text.len() == 10 {
        let date: Date = text
            .parse()
            .map_err(|_| format!("«{text}» — не дата ГГГГ-ММ-ДД"))?;
        let date = match end {
            End::From => date,
            End::To => date
                .checked_add(1.day())
                .map_err(|_| format!("«{text}» — дата вне диапазона"))?,
        };
        date.to_datetime(jiff::civil::Time::midnight())
    } else {
        text.parse::<DateTime>()
            .map_err(|_| format!("«{text}» — не дата и время ГГГГ-ММ-ДДTЧЧ:ММ"))?
    };
    civil
        .to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|_| format!("«{text}» — нет такого времени"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moscow() -> TimeZone {
        gateway_reports::period::time_zone(DEFAULT_ZONE).unwrap()
    }

    /// 2025-03-01T00:00:00+03:00.
    const MARCH_1: i64 = 1_740_776_400_000;

    #[test]
    fn days_and_minutes_are_read_in_the_zone() {
        let tz = moscow();
        assert_eq!(parse("2025-03-01", End::From, &tz), Ok(MARCH_1));
        assert_eq!(
            parse("2025-03-01", End::To, &tz),
            Ok(MARCH_1 + 86_400_000),
            "the whole day"
        );
        assert_eq!(
            parse("2025-03-01T12:30", End::To, &tz),
            Ok(MARCH_1 + 12 * 3_600_000 + 30 * 60_000)
        );
        assert_eq!(
            parse(" 2025-03-01T00:00:05 ", End::From, &tz),
            Ok(MARCH_1 + 5_000)
        );
        for bad in ["01.03.2025", "2025-02-30", "2025-03-01 25:00", "x"] {
            assert!(parse(bad, End::From, &tz).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_are_shown_in_the_zone() {
        let tz = moscow();
        assert_eq!(show(MARCH_1 + 1_000, &tz), "2025-03-01 00:00:01");
        assert_eq!(day(MARCH_1 - 1, &tz), "2025-02-28");
        assert_eq!(span(Duration::from_millis(350)), "350 мс");
        assert_eq!(span(Duration::from_secs(303)), "5 мин 3 с");
        assert_eq!(span(Duration::from_secs(7_800)), "2 ч 10 мин");
        assert_eq!(span(Duration::from_secs(3 * 86_400 + 4 * 3600)), "3 д 4 ч");
    }
}
