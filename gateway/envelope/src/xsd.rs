//! Lexical forms of the XSD simple types the codecs read and write.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Parses an `xs:dateTime`. A value without a time zone is taken as UTC.
pub(crate) fn parse_date_time(s: &str) -> Option<Timestamp> {
    let s = trim_xml(s);
    let t = s.find('T')?;
    let time = &s[t + 1..];
    let zoned = time.ends_with('Z') || time.contains('+') || time.contains('-');
    if zoned {
        s.parse::<Timestamp>().ok()
    } else {
        let civil = s.parse::<DateTime>().ok()?;
        civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
    }
}

/// Writes an `xs:dateTime` in UTC with millisecond precision (`2024-05-01T09:30:00.000Z`).
pub(crate) fn format_date_time(ts: Timestamp) -> String {
    format!("{ts:.3}")
}

/// Parses an `xs:boolean` (`true`, `false`, `1`, `0`).
pub(crate) fn parse_boolean(s: &str) -> Option<bool> {
    match trim_xml(s) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Whether `s` matches `basic:RFC2046MimeTypesType`:
/// `(text|image|audio|video|application)/[a-zA-Z0-9\-+.]*`.
pub(crate) fn is_rfc2046_mime_type(s: &str) -> bool {
    let Some((top, sub)) = s.split_once('/') else {
        return false;
    };
    matches!(top, "text" | "image" | "audio" | "video" | "application")
        && sub
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
}

/// `s` without leading and trailing XML whitespace.
pub(crate) fn trim_xml(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_with_and_without_zone() {
        let a = parse_date_time("2024-05-01T12:30:00+03:00").unwrap();
        let b = parse_date_time(" 2024-05-01T09:30:00Z\n").unwrap();
        let c = parse_date_time("2024-05-01T09:30:00").unwrap();
        let d = parse_date_time("2024-05-01T06:30:00.000-03:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(c, d);
        for bad in [
            "",
            "2024-05-01",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-05-01T25:00:00",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_utc_with_milliseconds() {
        let ts = parse_date_time("2024-05-01T12:30:00.5+03:00").unwrap();
        assert_eq!(format_date_time(ts), "2024-05-01T09:30:00.500Z");
        assert_eq!(parse_date_time(&format_date_time(ts)), Some(ts));
    }

    #[test]
    fn booleans_and_mime_types() {
        assert_eq!(parse_boolean("1"), Some(true));
        assert_eq!(parse_boolean(" false "), Some(false));
        assert_eq!(parse_boolean("yes"), None);
        assert!(is_rfc2046_mime_type("application/pdf"));
        assert!(is_rfc2046_mime_type("image/svg+xml"));
        assert!(is_rfc2046_mime_type("text/"));
        assert!(!is_rfc2046_mime_type("multipart/mixed"));
        assert!(!is_rfc2046_mime_type("text/plain; charset=utf-8"));
        assert!(!is_rfc2046_mime_type("pdf"));
    }
}
