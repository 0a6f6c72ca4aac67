//! The MoD showcase (витрина Минобороны): is the person with this СНИЛС an SVO participant?
//!
//! Route: `POST /mod-showcase/v1/lookup` with `{"snils": "..."}` → `200 {"found": true, "person": {...}}`
//! or `200 {"found": false}`; a body that is not such an object → 400. The СНИЛС is matched by its digits,
//! so `112-233-445 95` and `11223344595` are the same person.
//!
//! Fixtures: `mod-showcase.json` in the fixtures directory, a JSON array of person records. Each record is
//! an object with at least the string fields `snils`, `lastName`, `firstName`, `middleName`, `birthDate`;
//! any other fields (participation details such as `militaryUnit`, `participationFrom`,
//! `participationTo`, `status`, `department`) are returned as they are. The `person` in the answer is the
//! whole record.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Reply, Service, digits_only};

/// The service name and first path segment.
pub const NAME: &str = "mod-showcase";

/// The fixture file name.
pub const FIXTURE_FILE: &str = "mod-showcase.json";

/// Fields every record must have, as strings.
pub const REQUIRED_FIELDS: &[&str] = &["snils", "lastName", "firstName", "middleName", "birthDate"];

/// The simulated showcase: records by СНИЛС digits.
#[derive(Debug)]
pub struct ModShowcase {
    people: HashMap<String, Value>,
}

#[derive(Deserialize)]
struct LookupRequest {
    snils: String,
}

/// Loads `mod-showcase.json` from `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let path = fixtures_dir.join(FIXTURE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let records: Vec<Map<String, Value>> = serde_json::from_str(&text)
        .with_context(|| format!("{} must be a JSON array of person objects", path.display()))?;
    let showcase =
        ModShowcase::from_records(records).with_context(|| format!("in {}", path.display()))?;
    Ok(Box::new(showcase))
}

impl ModShowcase {
    /// Builds the index, checking every record.
    pub fn from_records(records: Vec<Map<String, Value>>) -> anyhow::Result<ModShowcase> {
        let mut people = HashMap::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            for field in REQUIRED_FIELDS {
                if !record.get(*field).is_some_and(Value::is_string) {
                    bail!("record {index}: field `{field}` is missing or not a string");
                }
            }
            let snils = digits_only(
                record
                    .get("snils")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            );
            if snils.len() != 11 {
                bail!("record {index}: snils must have 11 digits");
            }
            if people.insert(snils, Value::Object(record)).is_some() {
                bail!("record {index}: a record with the same snils comes earlier");
            }
        }
        Ok(ModShowcase { people })
    }

    fn lookup(&self, body: &[u8]) -> Reply {
        let Ok(LookupRequest { snils }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"snils\": \"...\"}");
        };
        let digits = digits_only(&snils);
        if digits.len() != 11 {
            return Reply::error(StatusCode::BAD_REQUEST, "snils must have 11 digits");
        }
        match self.people.get(&digits) {
            Some(person) => Reply::found(json!({ "found": true, "person": person })),
            None => Reply::not_found(json!({ "found": false })),
        }
    }
}

impl Service for ModShowcase {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        match rest {
            "v1/lookup" if method == Method::POST => self.lookup(body),
            "v1/lookup" => Reply::error(StatusCode::METHOD_NOT_ALLOWED, "use POST"),
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

    fn record(snils: &str) -> Map<String, Value> {
        let value = json!({
            "snils": snils, "lastName": "Образцов", "firstName": "Пример", "middleName": "Тестович",
            "birthDate": "1990-01-01", "status": "participant"
        });
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn finds_by_digits_in_any_spelling() {
        let showcase = ModShowcase::from_records(vec![record("112-233-445 95")]).expect("valid");
        for spelling in ["112-233-445 95", "11223344595", "112 233 445-95"] {
            let body = json!({ "snils": spelling }).to_string();
            let reply = showcase.handle(&Method::POST, "v1/lookup", body.as_bytes());
            assert_eq!(reply.kind, ReplyKind::Found, "{spelling}");
            assert_eq!(reply.body["person"]["lastName"], "Образцов");
            assert_eq!(reply.body["person"]["status"], "participant");
        }
        let reply = showcase.handle(&Method::POST, "v1/lookup", br#"{"snils": "00000000000"}"#);
        assert_eq!(
            (reply.status, reply.kind, reply.body),
            (StatusCode::OK, ReplyKind::NotFound, json!({"found": false}))
        );
    }

    #[test]
    fn bad_requests_and_routes() {
        let showcase = ModShowcase::from_records(vec![]).expect("valid");
        assert_eq!(
            showcase.handle(&Method::POST, "v1/lookup", b"{}").status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            showcase
                .handle(&Method::POST, "v1/lookup", br#"{"snils": "123"}"#)
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            showcase.handle(&Method::GET, "v1/lookup", b"").status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            showcase.handle(&Method::POST, "v2/lookup", b"").status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn fixture_errors_name_the_record() {
        let mut missing = record("11223344595");
        missing.remove("birthDate");
        let err =
            ModShowcase::from_records(vec![record("11223344595"), missing]).expect_err("refused");
        assert!(
            err.to_string().contains("record 1") && err.to_string().contains("birthDate"),
            "{err}"
        );
        let err = ModShowcase::from_records(vec![record("1234")]).expect_err("refused");
        assert!(err.to_string().contains("11 digits"));
        let err = ModShowcase::from_records(vec![record("11223344595"), record("112-233-445 95")])
            .expect_err("dup");
        assert!(err.to_string().contains("same snils"));
    }
}
