//! The operations of the `mchd-registry` adapter (see `adapters/mchd-registry`) and their JSON answers.
//!
//! | operation | input | output |
//! |---|---|---|
//! | `status` | `{"number"}` | `{"found": true, "number", "status"}` or `{"found": false}` |
//! | `fetch` | `{"number"}` | `{"found": true, "number", "xml": base64, "signature": base64 or null}` or `{"found": false}` |
//! | `by-representative` | `{"snils"}` | `{"powers": [{"number", "status", "principalOgrn", "principalName", "issuedOn", "validUntil", "powers": [...]}]}` |

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::env::{Fetched, Listed};

/// Operation names.
pub const STATUS: &str = "status";
/// Fetch a document.
pub const FETCH: &str = "fetch";
/// List a representative's powers.
pub const BY_REPRESENTATIVE: &str = "by-representative";

/// Input of `status` and `fetch`.
#[derive(Debug, Serialize)]
pub struct NumberInput<'a> {
    /// `НомДовер`.
    pub number: &'a str,
}

/// Input of `by-representative`.
#[derive(Debug, Serialize)]
pub struct SnilsInput<'a> {
    /// СНИЛС, 11 digits.
    pub snils: &'a str,
}

/// Output of `status`.
#[derive(Debug, Deserialize)]
pub struct StatusAnswer {
    /// Whether the registry knows the number.
    pub found: bool,
    /// The status when found.
    #[serde(default)]
    pub status: Option<String>,
}

impl StatusAnswer {
    /// The status, if found.
    pub fn into_status(self) -> Result<Option<String>, String> {
        match (self.found, self.status) {
            (false, _) => Ok(None),
            (true, Some(status)) if !status.is_empty() => Ok(Some(status)),
            (true, _) => Err("the registry said found but gave no status".into()),
        }
    }
}

/// Output of `fetch`; also what the cache keeps.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FetchAnswer {
    /// Whether the registry knows the number.
    pub found: bool,
    /// The XML file, base64.
    #[serde(default)]
    pub xml: Option<String>,
    /// The detached signature, base64.
    #[serde(default)]
    pub signature: Option<String>,
}

impl FetchAnswer {
    /// The document, if found.
    pub fn into_fetched(self) -> Result<Option<Fetched>, String> {
        if !self.found {
            return Ok(None);
        }
        let xml = self
            .xml
            .ok_or("the registry said found but sent no document")?;
        let xml =
            decode(&xml).map_err(|e| format!("the registry's document is not base64: {e}"))?;
        let signature = match self.signature.filter(|s| !s.is_empty()) {
            Some(sig) => Some(
                decode(&sig).map_err(|e| format!("the registry's signature is not base64: {e}"))?,
            ),
            None => None,
        };
        Ok(Some(Fetched { xml, signature }))
    }
}

/// Output of `by-representative`.
#[derive(Debug, Deserialize)]
pub struct ListAnswer {
    /// The powers of attorney.
    #[serde(default)]
    pub powers: Vec<Listed>,
}

fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_answers() {
        let found: StatusAnswer =
            serde_json::from_str(r#"{"found": true, "number": "x", "status": "ACTIVE"}"#)
                .expect("json");
        assert_eq!(found.into_status(), Ok(Some("ACTIVE".into())));
        let absent: StatusAnswer = serde_json::from_str(r#"{"found": false}"#).expect("json");
        assert_eq!(absent.into_status(), Ok(None));
        let broken: StatusAnswer = serde_json::from_str(r#"{"found": true}"#).expect("json");
        assert!(broken.into_status().is_err());
    }

    #[test]
    fn fetch_answers() {
        let found: FetchAnswer =
            serde_json::from_str(r#"{"found": true, "xml": "PGEv\nPg==", "signature": "AQI="}"#)
                .expect("json");
        let fetched = found.into_fetched().expect("decodes").expect("found");
        assert_eq!(fetched.xml, b"<a/>");
        assert_eq!(fetched.signature, Some(vec![1, 2]));
        let unsigned: FetchAnswer =
            serde_json::from_str(r#"{"found": true, "xml": "PGEvPg==", "signature": null}"#)
                .expect("json");
        assert_eq!(
            unsigned
                .into_fetched()
                .expect("decodes")
                .expect("found")
                .signature,
            None
        );
        let absent: FetchAnswer = serde_json::from_str(r#"{"found": false}"#).expect("json");
        assert_eq!(absent.into_fetched(), Ok(None));
        for broken in [
            r#"{"found": true}"#,
            r#"{"found": true, "xml": "***"}"#,
            r#"{"found": true, "xml": "PGEvPg==", "signature": "!"}"#,
        ] {
            let answer: FetchAnswer = serde_json::from_str(broken).expect("json");
            assert!(answer.into_fetched().is_err(), "{broken}");
        }
    }

    #[test]
    fn list_answers() {
        let list: ListAnswer = serde_json::from_str(
            r#"{"powers": [{"number": "n", "status": "ACTIVE", "principalOgrn": "1027700132195", "principalName": "ООО",
                "issuedOn": "2026-01-10", "validUntil": "2027-01-09", "powers": ["GOSCAN_DELEGATE_SCAN"]}]}"#,
        )
        .expect("json");
        assert_eq!(list.powers.len(), 1);
        assert_eq!(list.powers[0].valid_until, "2027-01-09");
        let empty: ListAnswer = serde_json::from_str("{}").expect("json");
        assert!(empty.powers.is_empty());
    }
}
