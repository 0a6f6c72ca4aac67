//! The issuer of the MAX messenger's Digital ID (Цифровой ID): short-lived QR codes of a holder's passport or of
//! their age confirmation, and what a scanner learns from one.
//!
//! Routes (all `POST` with a JSON body):
//!
//! | route | body | answer |
//! |---|---|---|
//! | `v1/resolve` | `{"code"}` | `{"status": "VALID", "kind", "singleUse", "expiresAtMs", "holder": {...}}`; `{"status": "EXPIRED" \| "USED" \| "UNKNOWN"}` otherwise |
//! | `v1/issue` | `{"holder", "kind": "passport" \| "age", "ttlSeconds" (default 300), "singleUse" (default false)}` | `{"code", "expiresAtMs"}`; 404 for an unknown holder |
//!
//! `resolve` of a single-use code uses it up: the next `resolve` answers `USED`. `issue` is the citizen's app
//! making a code (tests and the demo make theirs at run time); it issues a passport code for any holder, since
//! refusing one made from a driving licence is the scanner's business (the seed: such an ID presents only the
//! age QR).
//!
//! Fixtures: `digital-id.json`, `{"holders": [...], "codes": [...]}`. A holder has `id`, `basis`
//! (`biometrics`, `passport`: a new-type foreign passport, or `licence`: a driving licence), `lastName`,
//! `firstName`, optional `middleName`, `birthDate` (`YYYY-MM-DD`), `photoRef`, and, unless the basis is a
//! licence, `passport` (`series`, `number`, `issuedAt`, `issuer`). A code has `code`, `holder`, `kind`,
//! `expiresAtMs` and optional `singleUse`: long-lived ones for the demo.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Reply, Service};

/// The service name and first path segment.
pub const NAME: &str = "digital-id";

/// The fixture file name.
pub const FIXTURE_FILE: &str = "digital-id.json";

/// A code the issuer made.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Code {
    pub code: String,
    pub holder: String,
    pub kind: String,
    pub expires_at_ms: u64,
    #[serde(default)]
    pub single_use: bool,
    #[serde(default)]
    used: bool,
}

#[derive(Deserialize)]
struct Fixtures {
    holders: Vec<Map<String, Value>>,
    #[serde(default)]
    codes: Vec<Code>,
}

/// The simulated issuer: holders by id, codes by their text.
#[derive(Debug)]
pub struct DigitalId {
    holders: HashMap<String, Value>,
    codes: Mutex<HashMap<String, Code>>,
}

#[derive(Deserialize)]
struct ResolveRequest {
    code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueRequest {
    holder: String,
    kind: String,
    #[serde(default = "default_ttl")]
    ttl_seconds: u64,
    #[serde(default)]
    single_use: bool,
}

fn default_ttl() -> u64 {
    300
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Loads `digital-id.json` from `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let path = fixtures_dir.join(FIXTURE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let fixtures: Fixtures = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} must be {{\"holders\": [...], \"codes\": [...]}}",
            path.display()
        )
    })?;
    let issuer = DigitalId::new(fixtures.holders, fixtures.codes)
        .with_context(|| format!("in {}", path.display()))?;
    Ok(Box::new(issuer))
}

impl DigitalId {
    /// Builds the issuer, checking every holder and code.
    pub fn new(holders: Vec<Map<String, Value>>, codes: Vec<Code>) -> anyhow::Result<DigitalId> {
        let mut by_id = HashMap::with_capacity(holders.len());
        for (index, holder) in holders.into_iter().enumerate() {
            for field in [
                "id",
                "basis",
                "lastName",
                "firstName",
                "birthDate",
                "photoRef",
            ] {
                if !holder.get(field).is_some_and(Value::is_string) {
                    bail!("holder {index}: field `{field}` is missing or not a string");
                }
            }
            let basis = holder["basis"].as_str().unwrap_or_default();
            if !matches!(basis, "biometrics" | "passport" | "licence") {
                bail!("holder {index}: basis must be biometrics, passport or licence");
            }
            if (basis != "licence") != holder.get("passport").is_some_and(Value::is_object) {
                bail!(
                    "holder {index}: a passport is given exactly when the basis is not a licence"
                );
            }
            let id = holder["id"].as_str().unwrap_or_default().to_owned();
            if by_id.insert(id, Value::Object(holder)).is_some() {
                bail!("holder {index}: a holder with the same id comes earlier");
            }
        }
        let mut by_code = HashMap::with_capacity(codes.len());
        for (index, code) in codes.into_iter().enumerate() {
            if !by_id.contains_key(&code.holder) {
                bail!("code {index}: unknown holder {:?}", code.holder);
            }
            if !matches!(code.kind.as_str(), "passport" | "age") {
                bail!("code {index}: kind must be passport or age");
            }
            by_code.insert(code.code.clone(), code);
        }
        Ok(DigitalId {
            holders: by_id,
            codes: Mutex::new(by_code),
        })
    }

    fn codes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Code>> {
        self.codes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn resolve(&self, body: &[u8]) -> Reply {
        let Ok(ResolveRequest { code }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"code\": \"...\"}");
        };
        let mut codes = self.codes();
        let Some(found) = codes.get_mut(&code) else {
            return Reply::not_found(json!({ "status": "UNKNOWN" }));
        };
        if found.expires_at_ms <= now_ms() {
            return Reply::not_found(json!({ "status": "EXPIRED" }));
        }
        if found.used {
            return Reply::not_found(json!({ "status": "USED" }));
        }
        found.used = found.single_use;
        Reply::found(json!({
            "status": "VALID",
            "kind": found.kind,
            "singleUse": found.single_use,
            "expiresAtMs": found.expires_at_ms,
            "holder": self.holders.get(&found.holder),
        }))
    }

    fn issue(&self, body: &[u8]) -> Reply {
        let Ok(request) = serde_json::from_slice::<IssueRequest>(body) else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "expected {\"holder\": \"...\", \"kind\": \"passport\" | \"age\"}",
            );
        };
        if !matches!(request.kind.as_str(), "passport" | "age") {
            return Reply::error(StatusCode::BAD_REQUEST, "kind must be passport or age");
        }
        if !self.holders.contains_key(&request.holder) {
            return Reply::error(StatusCode::NOT_FOUND, "no such holder");
        }
        let mut random = [0u8; 16];
        if openssl::rand::rand_bytes(&mut random).is_err() {
            return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
        }
        let code: String = random.iter().map(|b| format!("{b:02x}")).collect();
        // At most a day; codes an hour past their time go when a new one is made (they answer EXPIRED until then).
        let now = now_ms();
        let expires_at_ms = now.saturating_add(request.ttl_seconds.min(86_400) * 1000);
        let mut codes = self.codes();
        codes.retain(|_, c| c.expires_at_ms.saturating_add(3_600_000) > now);
        codes.insert(
            code.clone(),
            Code {
                code: code.clone(),
                holder: request.holder,
                kind: request.kind,
                expires_at_ms,
                single_use: request.single_use,
                used: false,
            },
        );
        drop(codes);
        Reply::found(json!({ "code": code, "expiresAtMs": expires_at_ms }))
    }
}

impl Service for DigitalId {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        match (rest, method) {
            ("v1/resolve", &Method::POST) => self.resolve(body),
            ("v1/issue", &Method::POST) => self.issue(body),
            _ => super::unrouted(NAME, rest, &["v1/resolve", "v1/issue"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ReplyKind;

    fn holder(id: &str, basis: &str) -> Map<String, Value> {
        let mut value = json!({
            "id": id, "basis": basis, "lastName": "Цифрова", "firstName": "Ида", "birthDate": "2001-02-03",
            "photoRef": "photo-1"
        });
        if basis != "licence" {
            value["passport"] = json!({"series": "4510", "number": "123456"});
        }
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn post(issuer: &DigitalId, route: &str, body: Value) -> Reply {
        issuer.handle(&Method::POST, route, body.to_string().as_bytes())
    }

    #[test]
    fn codes_are_issued_resolved_used_up_and_expire() {
        let issuer = DigitalId::new(vec![holder("h1", "biometrics")], vec![]).expect("valid");
        let issued = post(
            &issuer,
            "v1/issue",
            json!({"holder": "h1", "kind": "age", "singleUse": true}),
        );
        let code = issued.body["code"].as_str().expect("code").to_owned();
        let first = post(&issuer, "v1/resolve", json!({"code": code}));
        assert_eq!(first.kind, ReplyKind::Found);
        assert_eq!(first.body["holder"]["birthDate"], "2001-02-03");
        assert_eq!(
            post(&issuer, "v1/resolve", json!({"code": code})).body["status"],
            "USED"
        );
        let expired = post(
            &issuer,
            "v1/issue",
            json!({"holder": "h1", "kind": "passport", "ttlSeconds": 0}),
        );
        let code = expired.body["code"].as_str().expect("code");
        assert_eq!(
            post(&issuer, "v1/resolve", json!({"code": code})).body["status"],
            "EXPIRED"
        );
        assert_eq!(
            post(&issuer, "v1/resolve", json!({"code": "nope"})).body["status"],
            "UNKNOWN"
        );
        assert_eq!(
            post(&issuer, "v1/issue", json!({"holder": "h2", "kind": "age"})).status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn fixture_errors_are_named() {
        let mut no_passport = holder("h1", "passport");
        no_passport.remove("passport");
        let err = DigitalId::new(vec![no_passport], vec![]).expect_err("refused");
        assert!(err.to_string().contains("passport is given"), "{err}");
        let mut licence_with_passport = holder("h1", "licence");
        licence_with_passport.insert("passport".into(), json!({}));
        assert!(DigitalId::new(vec![licence_with_passport], vec![]).is_err());
    }
}
