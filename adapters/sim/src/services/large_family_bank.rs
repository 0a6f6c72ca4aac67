//! The data bank of large families (банк данных многодетных семей, ГИС «Единая цифровая платформа»): the
//! certificate (удостоверение многодетной семьи) behind a scanned QR code.
//!
//! Route: `POST /large-family-bank/v1/certificate` with `{"number": "77-0012345"}` → `200 {"found": true,
//! "certificate": {...}}` or `200 {"found": false}`; a body that is not such an object → 400.
//!
//! Fixtures: `large-family-bank.json`, a JSON array of certificates. Each has the string fields `number`
//! (`NN-NNNNNNN`: the region's code, then digits), `status` (`ACTIVE` or `ANNULLED`), `issuedAt` and
//! `validUntil` (`YYYY-MM-DD`), `region`, and the arrays `parents` and `children` of people (`lastName`,
//! `firstName`, optional `middleName`; children also `birthDate`). The `certificate` in the answer is the whole
//! record: what the gateway shows of it is the plugin's business.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Reply, Service};

/// The service name and first path segment.
pub const NAME: &str = "large-family-bank";

/// The fixture file name.
pub const FIXTURE_FILE: &str = "large-family-bank.json";

/// Fields every certificate must have, as strings.
const REQUIRED_STRINGS: &[&str] = &["number", "status", "issuedAt", "validUntil", "region"];

/// The simulated data bank: certificates by number.
#[derive(Debug)]
pub struct LargeFamilyBank {
    certificates: HashMap<String, Value>,
}

#[derive(Deserialize)]
struct CertificateRequest {
    number: String,
}

/// Loads `large-family-bank.json` from `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let path = fixtures_dir.join(FIXTURE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let records: Vec<Map<String, Value>> = serde_json::from_str(&text)
        .with_context(|| format!("{} must be a JSON array of certificates", path.display()))?;
    let bank =
        LargeFamilyBank::from_records(records).with_context(|| format!("in {}", path.display()))?;
    Ok(Box::new(bank))
}

/// Whether `number` is written as the bank writes certificate numbers: two digits, a dash, 4 to 12 digits.
pub fn is_certificate_number(number: &str) -> bool {
    let Some((region, serial)) = number.split_once('-') else {
        return false;
    };
    region.len() == 2
        && (4..=12).contains(&serial.len())
        && region
            .bytes()
            .chain(serial.bytes())
            .all(|b| b.is_ascii_digit())
}

impl LargeFamilyBank {
    /// Builds the index, checking every record.
    pub fn from_records(records: Vec<Map<String, Value>>) -> anyhow::Result<LargeFamilyBank> {
        let mut certificates = HashMap::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            for field in REQUIRED_STRINGS {
                if !record.get(*field).is_some_and(Value::is_string) {
                    bail!("certificate {index}: field `{field}` is missing or not a string");
                }
            }
            for field in ["parents", "children"] {
                if !record.get(field).is_some_and(Value::is_array) {
                    bail!("certificate {index}: field `{field}` must be an array of people");
                }
            }
            let number = record["number"].as_str().unwrap_or_default().to_owned();
            if !is_certificate_number(&number) {
                bail!("certificate {index}: number {number:?} is not NN-NNNN…");
            }
            if !matches!(record["status"].as_str(), Some("ACTIVE" | "ANNULLED")) {
                bail!("certificate {index}: status must be ACTIVE or ANNULLED");
            }
            if certificates.insert(number, Value::Object(record)).is_some() {
                bail!("certificate {index}: a certificate with the same number comes earlier");
            }
        }
        Ok(LargeFamilyBank { certificates })
    }

    fn certificate(&self, body: &[u8]) -> Reply {
        let Ok(CertificateRequest { number }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"number\": \"...\"}");
        };
        if !is_certificate_number(&number) {
            return Reply::error(StatusCode::BAD_REQUEST, "number must be NN-NNNN…");
        }
        match self.certificates.get(&number) {
            Some(c) => Reply::found(json!({ "found": true, "certificate": c })),
            None => Reply::not_found(json!({ "found": false })),
        }
    }
}

impl Service for LargeFamilyBank {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        match rest {
            "v1/certificate" if method == Method::POST => self.certificate(body),
            "v1/certificate" => Reply::error(StatusCode::METHOD_NOT_ALLOWED, "use POST"),
            _ => Reply::error(
                StatusCode::NOT_FOUND,
                format!("{NAME} has no route /{rest}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ReplyKind;

    fn record(number: &str, status: &str) -> Map<String, Value> {
        match json!({
            "number": number, "status": status, "issuedAt": "2024-01-10", "validUntil": "2030-01-10",
            "region": "г. Москва", "parents": [{"lastName": "Многодетова", "firstName": "Анна"}],
            "children": [{"lastName": "Многодетов", "firstName": "Пётр", "birthDate": "2015-05-05"}]
        }) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn finds_certificates_by_number() {
        let bank =
            LargeFamilyBank::from_records(vec![record("77-0012345", "ACTIVE")]).expect("valid");
        let reply = bank.handle(
            &Method::POST,
            "v1/certificate",
            br#"{"number": "77-0012345"}"#,
        );
        assert_eq!(reply.kind, ReplyKind::Found);
        assert_eq!(reply.body["certificate"]["region"], "г. Москва");
        let reply = bank.handle(
            &Method::POST,
            "v1/certificate",
            br#"{"number": "77-0099999"}"#,
        );
        assert_eq!(
            (reply.status, reply.kind, reply.body),
            (StatusCode::OK, ReplyKind::NotFound, json!({"found": false}))
        );
        for bad in [
            &b"{}"[..],
            br#"{"number": "770012345"}"#,
            br#"{"number": "7-12345"}"#,
        ] {
            assert_eq!(
                bank.handle(&Method::POST, "v1/certificate", bad).status,
                StatusCode::BAD_REQUEST
            );
        }
        assert_eq!(
            bank.handle(&Method::GET, "v1/certificate", b"").status,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn fixture_errors_name_the_certificate() {
        let mut missing = record("77-0012346", "ACTIVE");
        missing.remove("validUntil");
        let err = LargeFamilyBank::from_records(vec![record("77-0012345", "ACTIVE"), missing])
            .expect_err("refused");
        assert!(
            err.to_string().contains("certificate 1") && err.to_string().contains("validUntil")
        );
        let err =
            LargeFamilyBank::from_records(vec![record("77-0012345", "LOST")]).expect_err("status");
        assert!(err.to_string().contains("ACTIVE or ANNULLED"));
        let err = LargeFamilyBank::from_records(vec![
            record("77-0012345", "ACTIVE"),
            record("77-0012345", "ANNULLED"),
        ])
        .expect_err("dup");
        assert!(err.to_string().contains("same number"));
    }
}
