//! The register of confirmed diagnoses (the regional admission system, seed 003): may this person be admitted
//! to a public place? It answers admit or refuse only, never the diagnosis.
//!
//! Routes: `POST /diagnosis-register/v1/check` with `{"snils": "..."}` → `200 {"admit": false}` for a person
//! with a confirmed diagnosis, `{"admit": true}` otherwise; `POST /diagnosis-register/v1/confirm` with
//! `{"snils": "..."}` records a confirmed diagnosis (the health authority's entry, for demos and tests) →
//! `{"confirmed": true}`. The СНИЛС is matched by its 11 digits.
//!
//! Fixtures: `diagnosis-register.json`, `{"confirmed": ["112-233-445 95", ...]}`: persons with a confirmed
//! diagnosis at start.

use std::collections::HashSet;
use std::path::Path;
use std::sync::RwLock;

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::{Reply, Service, digits_only};

/// The service name and first path segment.
pub const NAME: &str = "diagnosis-register";

/// The fixture file name.
pub const FIXTURE_FILE: &str = "diagnosis-register.json";

/// The simulated register: the СНИЛС digits of persons with a confirmed diagnosis.
#[derive(Debug, Default)]
pub struct DiagnosisRegister {
    confirmed: RwLock<HashSet<String>>,
}

#[derive(Deserialize)]
struct Fixtures {
    confirmed: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    snils: String,
}

/// Loads `diagnosis-register.json` from `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let path = fixtures_dir.join(FIXTURE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let fixtures: Fixtures = serde_json::from_str(&text)
        .with_context(|| format!("{} must be {{\"confirmed\": [СНИЛС, ...]}}", path.display()))?;
    let mut confirmed = HashSet::new();
    for (index, snils) in fixtures.confirmed.iter().enumerate() {
        let digits = digits_only(snils);
        if digits.len() != 11 {
            bail!(
                "{}: entry {index} is not a СНИЛС of 11 digits",
                path.display()
            );
        }
        confirmed.insert(digits);
    }
    Ok(Box::new(DiagnosisRegister {
        confirmed: RwLock::new(confirmed),
    }))
}

impl DiagnosisRegister {
    fn person(body: &[u8]) -> Result<String, Reply> {
        let Ok(Person { snils }) = serde_json::from_slice(body) else {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "expected {\"snils\": \"...\"}",
            ));
        };
        let digits = digits_only(&snils);
        if digits.len() != 11 {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "snils must have 11 digits",
            ));
        }
        Ok(digits)
    }

    fn check(&self, body: &[u8]) -> Reply {
        let digits = match Self::person(body) {
            Ok(d) => d,
            Err(reply) => return reply,
        };
        let confirmed = self
            .confirmed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&digits);
        if confirmed {
            Reply::found(json!({ "admit": false }))
        } else {
            Reply::not_found(json!({ "admit": true }))
        }
    }

    fn confirm(&self, body: &[u8]) -> Reply {
        let digits = match Self::person(body) {
            Ok(d) => d,
            Err(reply) => return reply,
        };
        self.confirmed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(digits);
        Reply::found(json!({ "confirmed": true }))
    }
}

impl Service for DiagnosisRegister {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        match (rest, method) {
            ("v1/check", &Method::POST) => self.check(body),
            ("v1/confirm", &Method::POST) => self.confirm(body),
            _ => super::unrouted(NAME, rest, &["v1/check", "v1/confirm"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_unless_confirmed_and_never_says_more() {
        let register = DiagnosisRegister::default();
        let check = |snils: &str| {
            let body = json!({ "snils": snils }).to_string();
            register
                .handle(&Method::POST, "v1/check", body.as_bytes())
                .body
        };
        assert_eq!(check("112-233-445 95"), json!({"admit": true}));
        let body = json!({"snils": "11223344595"}).to_string();
        register.handle(&Method::POST, "v1/confirm", body.as_bytes());
        assert_eq!(check("112-233-445 95"), json!({"admit": false}));
        assert_eq!(
            register
                .handle(&Method::POST, "v1/check", br#"{"snils": "1"}"#)
                .status,
            StatusCode::BAD_REQUEST
        );
    }
}
