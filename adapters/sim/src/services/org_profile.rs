//! Organisation profiles (in real life the organisation's account in ЕСИА): name and the e-mail address
//! its scan reports go to.
//!
//! Route: `POST /org-profile/v1/profile` with `{"ogrn": "..."}` → `200 {"found": true, "profile": {...}}` or
//! `200 {"found": false}`; a body that is not such an object → 400. The ОГРН (13 digits) or ОГРНИП (15) is
//! matched by its digits.
//!
//! Fixtures: `org-profile.json` in the fixtures directory, a JSON array of organisation records, each with at
//! least the string fields `ogrn`, `name` and `email`; further fields (`shortName`, `inn`, `kpp`, ...) are
//! returned as they are. The `profile` in the answer is the whole record.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Reply, Service, digits_only};

/// The service name and first path segment.
pub const NAME: &str = "org-profile";

/// The fixture file name.
pub const FIXTURE_FILE: &str = "org-profile.json";

/// Fields every record must have, as strings.
pub const REQUIRED_FIELDS: &[&str] = &["ogrn", "name", "email"];

/// The simulated registry: profiles by ОГРН / ОГРНИП digits.
#[derive(Debug)]
pub struct OrgProfiles {
    profiles: HashMap<String, Value>,
}

#[derive(Deserialize)]
struct ProfileRequest {
    ogrn: String,
}

/// Loads `org-profile.json` from `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let path = fixtures_dir.join(FIXTURE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let records: Vec<Map<String, Value>> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} must be a JSON array of organisation objects",
            path.display()
        )
    })?;
    let registry =
        OrgProfiles::from_records(records).with_context(|| format!("in {}", path.display()))?;
    Ok(Box::new(registry))
}

impl OrgProfiles {
    /// Builds the index, checking every record.
    pub fn from_records(records: Vec<Map<String, Value>>) -> anyhow::Result<OrgProfiles> {
        let mut profiles = HashMap::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            for field in REQUIRED_FIELDS {
                if !record.get(*field).is_some_and(Value::is_string) {
                    bail!("record {index}: field `{field}` is missing or not a string");
                }
            }
            let ogrn = digits_only(
                record
                    .get("ogrn")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            );
            if !matches!(ogrn.len(), 13 | 15) {
                bail!("record {index}: ogrn must have 13 (ОГРН) or 15 (ОГРНИП) digits");
            }
            if !record
                .get("email")
                .and_then(Value::as_str)
                .is_some_and(|e| e.contains('@'))
            {
                bail!("record {index}: email is not an address");
            }
            if profiles.insert(ogrn, Value::Object(record)).is_some() {
                bail!("record {index}: a record with the same ogrn comes earlier");
            }
        }
        Ok(OrgProfiles { profiles })
    }

    fn profile(&self, body: &[u8]) -> Reply {
        let Ok(ProfileRequest { ogrn }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"ogrn\": \"...\"}");
        };
        let digits = digits_only(&ogrn);
        if !matches!(digits.len(), 13 | 15) {
            return Reply::error(StatusCode::BAD_REQUEST, "ogrn must have 13 or 15 digits");
        }
        match self.profiles.get(&digits) {
            Some(profile) => Reply::found(json!({ "found": true, "profile": profile })),
            None => Reply::not_found(json!({ "found": false })),
        }
    }
}

impl Service for OrgProfiles {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        match rest {
            "v1/profile" if method == Method::POST => self.profile(body),
            "v1/profile" => Reply::error(StatusCode::METHOD_NOT_ALLOWED, "use POST"),
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

    fn record(ogrn: &str) -> Map<String, Value> {
        match json!({"ogrn": ogrn, "name": "ООО «Пример»", "email": "reports@example.org", "inn": "7700000000"})
        {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn finds_by_digits_and_returns_the_whole_record() {
        let registry = OrgProfiles::from_records(vec![record("1175000001010")]).expect("valid");
        let reply = registry.handle(&Method::POST, "v1/profile", br#"{"ogrn": "1175000001010"}"#);
        assert_eq!(reply.kind, ReplyKind::Found);
        assert_eq!(reply.body["profile"]["email"], "reports@example.org");
        assert_eq!(reply.body["profile"]["inn"], "7700000000");
        let reply = registry.handle(&Method::POST, "v1/profile", br#"{"ogrn": "1257800005055"}"#);
        assert_eq!(
            (reply.status, reply.kind, reply.body),
            (StatusCode::OK, ReplyKind::NotFound, json!({"found": false}))
        );
    }

    #[test]
    fn bad_requests_and_fixtures() {
        let registry = OrgProfiles::from_records(vec![]).expect("valid");
        assert_eq!(
            registry.handle(&Method::POST, "v1/profile", b"{}").status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            registry
                .handle(&Method::POST, "v1/profile", br#"{"ogrn": "12"}"#)
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            registry.handle(&Method::GET, "v1/profile", b"").status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let mut no_mail = record("1175000001010");
        no_mail.insert("email".into(), json!("nobody"));
        assert!(
            OrgProfiles::from_records(vec![no_mail])
                .unwrap_err()
                .to_string()
                .contains("email")
        );
        let dup = OrgProfiles::from_records(vec![record("1175000001010"), record("1175000001010")]);
        assert!(dup.unwrap_err().to_string().contains("same ogrn"));
    }
}
