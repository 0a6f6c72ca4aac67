//! The `lookup` operation: validate the СНИЛС, the request body, and the showcase's answer read into the
//! operation's output (HTTP statuses and transport errors are classified by `gateway_adapter_http`).
//!
//! Error messages never contain the СНИЛС or the person's data: they end up in the gateway's logs.

use gateway_adapter_abi::AdapterError;
use gateway_adapter_http::where_wrong;
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

/// The request body for the showcase.
pub fn request_body(snils: &str) -> Value {
    json!({ "snils": snils })
}

/// Reads the showcase's `200` answer into the operation's output.
pub fn interpret(body: &[u8]) -> Result<Vec<u8>, AdapterError> {
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
            output(interpret(body).expect("ok")),
            json!({"found": true, "person": {"lastName": "Testov", "status": "active"}})
        );
        assert_eq!(
            output(interpret(br#"{"found": false}"#).expect("ok")),
            json!({"found": false})
        );
        assert_eq!(
            output(interpret(br#"{"found": false, "person": null}"#).expect("ok")),
            json!({"found": false})
        );
    }

    #[test]
    fn nonsense_is_failed_and_not_quoted() {
        for body in [
            &b"<html>"[..],
            br#"{"found": true}"#,
            br#"{"found": "yes"}"#,
            br#"{"found": true, "person": 3}"#,
        ] {
            assert_eq!(interpret(body).expect_err("error").kind, ErrorKind::Failed);
        }
        let leaky = br#"{"found": true, "person": "Testov Test Testovich"}"#;
        assert!(
            !interpret(leaky)
                .expect_err("error")
                .message
                .contains("Testov")
        );
    }
}
