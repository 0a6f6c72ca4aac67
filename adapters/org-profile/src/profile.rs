//! The `profile` operation as pure functions: the input and the registry's `200` answer (HTTP statuses and
//! transport errors are classified by `gateway_adapter_http`).
//!
//! Error messages never quote the registry's data: they go to the gateway's logs.

use gateway_adapter_abi::AdapterError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Largest answer accepted.
pub const MAX_ANSWER_BYTES: u64 = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileInput {
    ogrn: String,
}

/// An organisation's profile as the adapter returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// Full name.
    pub name: String,
    /// Where reports go.
    pub email: String,
}

#[derive(Debug, Deserialize)]
struct Answer {
    found: bool,
    #[serde(default)]
    profile: Option<Value>,
}

/// Parses the input `{"ogrn": "..."}` and checks the ОГРН / ОГРНИП's check number.
pub fn parse_input(input: &[u8]) -> Result<String, AdapterError> {
    let ProfileInput { ogrn } = serde_json::from_slice(input).map_err(|e| {
        AdapterError::invalid(format!(
            "profile input must be {{\"ogrn\": \"...\"}} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    ru_identifiers::check_ogrn_or_ogrnip(&ogrn)
        .map_err(|e| AdapterError::invalid(format!("ogrn: {e}")))?;
    Ok(ogrn)
}

/// The registry's request body.
pub fn request_body(ogrn: &str) -> Value {
    json!({ "ogrn": ogrn })
}

/// Reads the registry's answer as `{"found": true, "profile": {ogrn, name, email}}` or `{"found": false}`.
pub fn interpret(body: &[u8]) -> Result<Vec<u8>, AdapterError> {
    let malformed = || AdapterError::failed("the profile registry sent a malformed answer");
    let answer: Answer = serde_json::from_slice(body).map_err(|_| malformed())?;
    let output = match answer {
        Answer {
            found: true,
            profile: Some(p),
        } => {
            let profile: Profile = serde_json::from_value(p).map_err(|_| malformed())?;
            if profile.name.trim().is_empty() || !profile.email.contains('@') {
                return Err(AdapterError::failed(
                    "the profile has no name or no e-mail address",
                ));
            }
            json!({ "found": true, "profile": profile })
        }
        Answer {
            found: true,
            profile: None,
        } => return Err(malformed()),
        Answer { found: false, .. } => json!({ "found": false }),
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
    fn input_needs_a_valid_ogrn_or_ogrnip() {
        assert_eq!(
            parse_input(br#"{"ogrn": "1027700132195"}"#).unwrap(),
            "1027700132195"
        );
        assert_eq!(
            parse_input(br#"{"ogrn": "304500116000157"}"#).unwrap(),
            "304500116000157"
        );
        for bad in [
            &br#"{"ogrn": "1027700132196"}"#[..],
            br#"{"ogrn": 1027700132195}"#,
            br#"{}"#,
            b"x",
        ] {
            assert_eq!(parse_input(bad).unwrap_err().kind, ErrorKind::Invalid);
        }
    }

    #[test]
    fn found_and_not_found_answers() {
        let body = r#"{"found": true, "profile": {"ogrn": "1027700132195", "name": "ООО «Пример»", "email": "a@b.example", "inn": "7700000000"}}"#;
        assert_eq!(
            output(interpret(body.as_bytes()).unwrap()),
            json!({"found": true, "profile": {"ogrn": "1027700132195", "name": "ООО «Пример»", "email": "a@b.example"}})
        );
        assert_eq!(
            output(interpret(br#"{"found": false}"#).unwrap()),
            json!({"found": false})
        );
    }

    #[test]
    fn bad_answers_are_failed_and_never_quote_data() {
        let no_mail =
            br#"{"found": true, "profile": {"ogrn": "1", "name": "Secret Name", "email": "none"}}"#;
        let err = interpret(no_mail).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert!(!err.message.contains("Secret"));
        assert_eq!(
            interpret(br#"{"found": true}"#).unwrap_err().kind,
            ErrorKind::Failed
        );
    }
}
