//! The `lookup` operation: validate the СНИЛС, ask the showcase, interpret its answer.
//!
//! Error messages never contain the СНИЛС or the person's data: they end up in the gateway's logs.

use gateway_adapter_abi::AdapterError;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Largest showcase answer accepted.
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// Input of `lookup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupInput {
    snils: String,
}

/// The showcase's answer body.
#[derive(Debug, Deserialize)]
struct ShowcaseAnswer {
    found: bool,
    #[serde(default)]
    person: Option<Map<String, Value>>,
}

/// Parses the operation input and returns the СНИЛС formatted `XXX-XXX-XXX YY`, as sent to the showcase.
pub fn parse_input(input: &[u8]) -> Result<String, AdapterError> {
    let LookupInput { snils } = serde_json::from_slice(input).map_err(|e| {
        AdapterError::invalid(format!(
            "lookup input must be {{\"snils\": \"...\"}} ({})",
            where_wrong(&e)
        ))
    })?;
    ru_identifiers::format_snils(&snils).map_err(|e| AdapterError::invalid(format!("snils: {e}")))
}

/// Describes a JSON error without quoting the document (serde's messages may echo values, i.e. personal
/// data).
fn where_wrong(error: &serde_json::Error) -> String {
    let class = match error.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "unexpected structure",
        serde_json::error::Category::Eof => "truncated",
    };
    format!(
        "{class} at line {}, column {}",
        error.line(),
        error.column()
    )
}

/// The request body for the showcase.
pub fn request_body(snils: &str) -> Value {
    json!({ "snils": snils })
}

/// Interprets the showcase's HTTP status and body as the operation's output.
pub fn interpret(status: u16, body: &[u8]) -> Result<Vec<u8>, AdapterError> {
    match status {
        200 => {}
        408 | 429 | 500..=599 => {
            return Err(AdapterError::unavailable(format!(
                "the MoD showcase answered HTTP {status}"
            )));
        }
        _ => {
            return Err(AdapterError::failed(format!(
                "the MoD showcase answered HTTP {status}; check the adapter's base_url"
            )));
        }
    }
    let answer: ShowcaseAnswer = serde_json::from_slice(body).map_err(|e| {
        AdapterError::failed(format!(
            "the MoD showcase sent a malformed answer ({})",
            where_wrong(&e)
        ))
    })?;
    let output = match answer {
        ShowcaseAnswer {
            found: true,
            person: Some(person),
        } => json!({ "found": true, "person": person }),
        ShowcaseAnswer {
            found: true,
            person: None,
        } => {
            return Err(AdapterError::failed(
                "the MoD showcase said found but sent no person",
            ));
        }
        ShowcaseAnswer { found: false, .. } => json!({ "found": false }),
    };
    Ok(output.to_string().into_bytes())
}

/// Classifies a transport error: connection problems are `unavailable`, slowness is `timeout`.
pub fn transport_error(error: ureq::Error) -> AdapterError {
    use std::io::ErrorKind as Io;
    match error {
        ureq::Error::Timeout(which) => {
            AdapterError::timeout(format!("the MoD showcase did not answer in time ({which})"))
        }
        ureq::Error::Io(e) if matches!(e.kind(), Io::TimedOut | Io::WouldBlock) => {
            AdapterError::timeout(format!("the MoD showcase did not answer in time ({e})"))
        }
        ureq::Error::BodyExceedsLimit(limit) => {
            AdapterError::failed(format!("the MoD showcase's answer exceeds {limit} bytes"))
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
            AdapterError::failed(format!(
                "cannot build the request to the MoD showcase: {error}"
            ))
        }
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_) => {
            AdapterError::unavailable(format!("the MoD showcase is unreachable: {error}"))
        }
        other => AdapterError::unavailable(format!("the MoD showcase request failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    fn output(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).expect("JSON output")
    }

    #[test]
    fn input_accepts_both_snils_spellings_and_normalises() {
        // 112-233-445 95: the check number of 112233445 is 95.
        assert_eq!(
            parse_input(br#"{"snils": "112-233-445 95"}"#).expect("valid"),
            "112-233-445 95"
        );
        assert_eq!(
            parse_input(br#"{"snils": "11223344595"}"#).expect("valid"),
            "112-233-445 95"
        );
    }

    #[test]
    fn input_errors_are_invalid_and_do_not_echo_the_snils() {
        for input in [
            &br#"{"snils": "112-233-445 96"}"#[..],
            br#"{"snils": "1122334459"}"#,
            br#"{"snils": 11223344595}"#,
            br#"{"snils": "11223344595", "name": "x"}"#,
            b"not json",
        ] {
            let err = parse_input(input).expect_err("refused");
            assert_eq!(err.kind, ErrorKind::Invalid);
            assert!(
                !err.message.contains("1122334459") && !err.message.contains("name"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn found_and_not_found_answers() {
        let body = br#"{"found": true, "person": {"lastName": "Testov", "status": "active"}}"#;
        assert_eq!(
            output(interpret(200, body).expect("ok")),
            json!({"found": true, "person": {"lastName": "Testov", "status": "active"}})
        );
        assert_eq!(
            output(interpret(200, br#"{"found": false}"#).expect("ok")),
            json!({"found": false})
        );
        assert_eq!(
            output(interpret(200, br#"{"found": false, "person": null}"#).expect("ok")),
            json!({"found": false})
        );
    }

    #[test]
    fn server_trouble_is_unavailable_and_nonsense_is_failed() {
        for status in [500, 502, 503, 504, 429, 408] {
            assert_eq!(
                interpret(status, b"").expect_err("error").kind,
                ErrorKind::Unavailable,
                "{status}"
            );
        }
        for status in [201, 301, 400, 404] {
            assert_eq!(
                interpret(status, b"{}").expect_err("error").kind,
                ErrorKind::Failed,
                "{status}"
            );
        }
        for body in [
            &b"<html>"[..],
            br#"{"found": true}"#,
            br#"{"found": "yes"}"#,
            br#"{"found": true, "person": 3}"#,
        ] {
            assert_eq!(
                interpret(200, body).expect_err("error").kind,
                ErrorKind::Failed
            );
        }
        let leaky = br#"{"found": true, "person": "Testov Test Testovich"}"#;
        assert!(
            !interpret(200, leaky)
                .expect_err("error")
                .message
                .contains("Testov")
        );
    }

    #[test]
    fn transport_errors_are_classified() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(
            transport_error(ureq::Error::Io(refused)).kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            transport_error(ureq::Error::ConnectionFailed).kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            transport_error(ureq::Error::HostNotFound).kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            transport_error(ureq::Error::Timeout(ureq::Timeout::Global)).kind,
            ErrorKind::Timeout
        );
        let slow = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        assert_eq!(
            transport_error(ureq::Error::Io(slow)).kind,
            ErrorKind::Timeout
        );
        assert_eq!(
            transport_error(ureq::Error::BodyExceedsLimit(10)).kind,
            ErrorKind::Failed
        );
    }
}
