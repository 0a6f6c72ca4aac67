//! The operations as pure functions: input validation, the request body, and the registry's `200` answer read
//! into the operation's output (HTTP statuses and transport errors are classified by `gateway_adapter_http`). Error messages never contain numbers, СНИЛС or document content: they end up in
//! the gateway's logs.

use gateway_adapter_abi::AdapterError;
use gateway_adapter_http::where_wrong;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Largest registry answer accepted (a document with its signature, base64).
pub const MAX_ANSWER_BYTES: u64 = 4 * 1024 * 1024;

/// The operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `status`: `{"number"}` → `{"found": true, "number", "status"}` or `{"found": false}`.
    Status,
    /// `fetch`: `{"number"}` → `{"found": true, "number", "xml", "signature"}` or `{"found": false}`.
    Fetch,
    /// `by-representative`: `{"snils"}` → `{"powers": [...]}`.
    ByRepresentative,
}

impl Operation {
    /// The operation named `name`.
    pub fn from_name(name: &str) -> Option<Operation> {
        match name {
            "status" => Some(Operation::Status),
            "fetch" => Some(Operation::Fetch),
            "by-representative" => Some(Operation::ByRepresentative),
            _ => None,
        }
    }

    /// The path segment of the registry's endpoint.
    pub fn path(self) -> &'static str {
        match self {
            Operation::Status => "status",
            Operation::Fetch => "fetch",
            Operation::ByRepresentative => "by-representative",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NumberInput {
    number: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnilsInput {
    snils: String,
}

/// Validates the input of `operation` and returns the request body for the registry.
pub fn request_body(operation: Operation, input: &[u8]) -> Result<Value, AdapterError> {
    match operation {
        Operation::Status | Operation::Fetch => {
            let NumberInput { number } = serde_json::from_slice(input).map_err(|e| {
                AdapterError::invalid(format!(
                    "input must be {{\"number\": \"<GUID>\"}} ({})",
                    where_wrong(&e)
                ))
            })?;
            let number = number.trim();
            if !is_guid(number) {
                return Err(AdapterError::invalid("number must be a GUID"));
            }
            Ok(json!({ "number": number.to_ascii_lowercase() }))
        }
        Operation::ByRepresentative => {
            let SnilsInput { snils } = serde_json::from_slice(input).map_err(|e| {
                AdapterError::invalid(format!(
                    "input must be {{\"snils\": \"...\"}} ({})",
                    where_wrong(&e)
                ))
            })?;
            let snils = ru_identifiers::format_snils(snils.trim())
                .map_err(|e| AdapterError::invalid(format!("snils: {e}")))?;
            Ok(json!({ "snils": snils }))
        }
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hexadecimal digits.
pub fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[derive(Deserialize, Serialize)]
struct StatusAnswer {
    found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<String>,
}

#[derive(Deserialize, Serialize)]
struct FetchAnswer {
    found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    xml: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    number: String,
    status: String,
    #[serde(default)]
    principal_ogrn: Option<String>,
    #[serde(default)]
    principal_name: Option<String>,
    issued_on: String,
    valid_until: String,
    #[serde(default)]
    powers: Vec<String>,
}

#[derive(Deserialize, Serialize)]
struct ListAnswer {
    powers: Vec<Listed>,
}

/// Reads the registry's answer as the output of `operation`.
pub fn interpret(operation: Operation, body: &[u8]) -> Result<Vec<u8>, AdapterError> {
    let malformed = |e: serde_json::Error| {
        AdapterError::failed(format!(
            "the МЧД registry sent a malformed answer ({})",
            where_wrong(&e)
        ))
    };
    let output = match operation {
        Operation::Status => {
            let answer: StatusAnswer = serde_json::from_slice(body).map_err(malformed)?;
            if answer.found && answer.status.as_deref().is_none_or(str::is_empty) {
                return Err(AdapterError::failed(
                    "the МЧД registry said found but gave no status",
                ));
            }
            serde_json::to_vec(&answer)
        }
        Operation::Fetch => {
            let answer: FetchAnswer = serde_json::from_slice(body).map_err(malformed)?;
            if answer.found && answer.xml.as_deref().is_none_or(str::is_empty) {
                return Err(AdapterError::failed(
                    "the МЧД registry said found but sent no document",
                ));
            }
            serde_json::to_vec(&answer)
        }
        Operation::ByRepresentative => {
            let answer: ListAnswer = serde_json::from_slice(body).map_err(malformed)?;
            serde_json::to_vec(&answer)
        }
    };
    output.map_err(|e| AdapterError::failed(format!("cannot encode the output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    const GUID: &str = "3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60";

    fn output(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).expect("JSON output")
    }

    #[test]
    fn operations_by_name() {
        for op in [
            Operation::Status,
            Operation::Fetch,
            Operation::ByRepresentative,
        ] {
            assert_eq!(Operation::from_name(op.path()), Some(op));
        }
        assert_eq!(Operation::from_name("delete"), None);
    }

    #[test]
    fn inputs_are_validated_and_normalised() {
        let body = request_body(
            Operation::Status,
            format!(r#"{{"number": " {GUID} "}}"#).as_bytes(),
        )
        .expect("valid");
        assert_eq!(body, json!({"number": GUID.to_ascii_lowercase()}));
        let body = request_body(Operation::ByRepresentative, br#"{"snils": "11223344595"}"#)
            .expect("valid");
        assert_eq!(body, json!({"snils": "112-233-445 95"}));
        for (op, input) in [
            (Operation::Fetch, &br#"{"number": "not-a-guid"}"#[..]),
            (Operation::Fetch, br#"{"number": 1}"#),
            (
                Operation::Status,
                br#"{"number": "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60", "x": 1}"#,
            ),
            (
                Operation::ByRepresentative,
                br#"{"snils": "112-233-445 96"}"#,
            ),
            (Operation::ByRepresentative, b"not json"),
        ] {
            let err = request_body(op, input).expect_err("refused");
            assert_eq!(err.kind, ErrorKind::Invalid);
            assert!(
                !err.message.contains("112-233-445") && !err.message.contains("not-a-guid"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn answers_are_checked_and_passed_on() {
        let status = interpret(
            Operation::Status,
            br#"{"found": true, "number": "n", "status": "REVOKED"}"#,
        )
        .expect("ok");
        assert_eq!(
            output(status),
            json!({"found": true, "number": "n", "status": "REVOKED"})
        );
        assert_eq!(
            output(interpret(Operation::Status, br#"{"found": false}"#).expect("ok")),
            json!({"found": false})
        );
        let fetch = interpret(
            Operation::Fetch,
            br#"{"found": true, "number": "n", "xml": "PGEvPg==", "signature": null}"#,
        )
        .expect("ok");
        assert_eq!(
            output(fetch),
            json!({"found": true, "number": "n", "xml": "PGEvPg==", "signature": null})
        );
        let list = interpret(Operation::ByRepresentative,
            br#"{"powers": [{"number": "n", "status": "ACTIVE", "principalOgrn": "1027700132195", "principalName": "x",
                "issuedOn": "2026-01-01", "validUntil": "2027-01-01", "powers": ["GOSCAN_DELEGATE_SCAN"], "extra": 1}]}"#,
        )
        .expect("ok");
        assert_eq!(output(list)["powers"][0]["validUntil"], "2027-01-01");
    }

    #[test]
    fn nonsense_is_failed() {
        for (op, body) in [
            (Operation::Status, &br#"{"found": true}"#[..]),
            (Operation::Fetch, br#"{"found": true, "xml": ""}"#),
            (
                Operation::ByRepresentative,
                br#"{"powers": [{"number": 1}]}"#,
            ),
            (Operation::Status, b"<html>"),
        ] {
            assert_eq!(
                interpret(op, body).expect_err("error").kind,
                ErrorKind::Failed
            );
        }
    }
}
