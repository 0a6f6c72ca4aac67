//! Durations in plugin settings: one whole number and a unit, `"300ms"`, `"30s"`, `"5m"`, `"1h"`, `"21d"`.
//!
//! Whether zero is allowed is the setting's choice: [`parse`] accepts `"0s"` (a cache time of zero may mean
//! "no cache"), [`parse_positive`] refuses it (a lifetime must be some time). The serde helpers
//! [`duration`] and [`positive_duration`] read a string setting the same way:
//!
//! ```
//! use std::time::Duration;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Settings {
//!     #[serde(deserialize_with = "gateway_plugin_sdk::duration::positive_duration")]
//!     qr_ttl: Duration,
//!     #[serde(deserialize_with = "gateway_plugin_sdk::duration::duration")]
//!     cache_ttl: Duration,
//! }
//!
//! let s: Settings = serde_json::from_str(r#"{"qr_ttl": "5m", "cache_ttl": "0s"}"#).unwrap();
//! assert_eq!((s.qr_ttl, s.cache_ttl), (Duration::from_secs(300), Duration::ZERO));
//! assert!(serde_json::from_str::<Settings>(r#"{"qr_ttl": "0s", "cache_ttl": "0s"}"#).is_err());
//! ```
//!
//! The gateway's own config reads richer durations (`"1h30m"`); plugin settings keep to one unit.

use std::time::Duration;

use serde::Deserialize;

/// Why a setting is not a duration; the message quotes the text and says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not `<whole number><unit>` with a unit of `ms`, `s`, `m`, `h` or `d`.
    #[error("`{0}` is not a duration like \"5m\": a whole number and a unit, ms, s, m, h or d")]
    Malformed(String),
    /// Too many minutes or hours to count in seconds.
    #[error("`{0}` is too long a duration")]
    TooLong(String),
    /// Zero, where the setting needs some time.
    #[error("`{0}` is not a positive duration: give more than zero, like \"5m\"")]
    Zero(String),
}

/// Parses `<number><ms|s|m|h|d>` (surrounding white space ignored; `d` is 24 hours, e.g. a retention of
/// `"21d"`); `"0s"` is [`Duration::ZERO`].
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let malformed = || DurationError::Malformed(text.to_owned());
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&split| split > 0)
        .ok_or_else(malformed)?;
    let number: u64 = text[..split].parse().map_err(|_| malformed())?;
    let seconds_in = |unit: u64| {
        number
            .checked_mul(unit)
            .map(Duration::from_secs)
            .ok_or_else(|| DurationError::TooLong(text.to_owned()))
    };
    match &text[split..] {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => seconds_in(60),
        "h" => seconds_in(3600),
        "d" => seconds_in(86_400),
        _ => Err(malformed()),
    }
}

/// [`parse`], refusing zero.
pub fn parse_positive(text: &str) -> Result<Duration, DurationError> {
    match parse(text)? {
        zero if zero.is_zero() => Err(DurationError::Zero(text.trim().to_owned())),
        positive => Ok(positive),
    }
}

/// For `#[serde(deserialize_with = "gateway_plugin_sdk::duration::duration")]`: a string read by [`parse`]
/// (zero allowed).
pub fn duration<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// For `#[serde(deserialize_with = "gateway_plugin_sdk::duration::positive_duration")]`: a string read by
/// [`parse_positive`] (zero refused).
pub fn positive_duration<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_positive(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_reads() {
        assert_eq!(parse("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse("21d"), Ok(Duration::from_secs(21 * 86_400)));
        assert_eq!(parse("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse(" 1h "), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_positive("5m"), Ok(Duration::from_secs(300)));
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        for bad in [
            "5",
            "5w",
            "m",
            "",
            "-5m",
            "+5m",
            "5 m",
            "1h30m",
            "5M",
            "1.5s",
            "5 minutes",
        ] {
            assert_eq!(
                parse(bad),
                Err(DurationError::Malformed(bad.trim().to_owned())),
                "{bad}"
            );
        }
        assert_eq!(
            parse("99999999999999999999s"),
            Err(DurationError::Malformed("99999999999999999999s".into())),
            "past u64"
        );
        let hours = format!("{}h", u64::MAX / 3600 + 1);
        assert_eq!(parse(&hours), Err(DurationError::TooLong(hours.clone())));
        assert_eq!(parse_positive(" 0s"), Err(DurationError::Zero("0s".into())));
        assert_eq!(
            parse_positive("0ms"),
            Err(DurationError::Zero("0ms".into()))
        );
        assert_eq!(
            parse("5 minutes").expect_err("malformed").to_string(),
            "`5 minutes` is not a duration like \"5m\": a whole number and a unit, ms, s, m, h or d"
        );
        assert!(
            parse_positive("0s")
                .expect_err("zero")
                .to_string()
                .contains("not a positive duration"),
        );
    }

    #[derive(Debug, serde::Deserialize)]
    struct Settings {
        #[serde(deserialize_with = "duration")]
        any: Duration,
        #[serde(deserialize_with = "positive_duration")]
        positive: Duration,
    }

    #[test]
    fn serde_helpers_choose_about_zero() {
        let s: Settings =
            serde_json::from_str(r#"{"any": "0s", "positive": "2h"}"#).expect("valid");
        assert_eq!(
            (s.any, s.positive),
            (Duration::ZERO, Duration::from_secs(7200))
        );
        let zero = serde_json::from_str::<Settings>(r#"{"any": "0s", "positive": "0s"}"#)
            .expect_err("zero is refused");
        assert!(
            zero.to_string().contains("not a positive duration"),
            "{zero}"
        );
        let malformed = serde_json::from_str::<Settings>(r#"{"any": "5", "positive": "1s"}"#)
            .expect_err("malformed");
        assert!(
            malformed.to_string().contains("is not a duration"),
            "{malformed}"
        );
        assert!(serde_json::from_str::<Settings>(r#"{"any": 5, "positive": "1s"}"#).is_err());
    }
}
