//! The ФНС distributed registry of machine-readable powers of attorney (МЧД): documents, their signatures
//! and statuses.
//!
//! Routes (all `POST` with a JSON body; numbers are matched case-insensitively):
//!
//! | route | body | answer |
//! |---|---|---|
//! | `v1/status` | `{"number"}` | `{"found": true, "number", "status"}` or `{"found": false}` |
//! | `v1/fetch` | `{"number"}` | `{"found": true, "number", "xml": base64, "signature": base64 or null}` or `{"found": false}` |
//! | `v1/by-representative` | `{"snils"}` | `{"powers": [{"number", "status", "principalOgrn", "principalName", "issuedOn", "validUntil", "powers"}]}` |
//! | `v1/register` | `{"xml": base64, "signature": base64 (optional), "status": "ACTIVE" (default)}` | `{"number", "status"}`; replaces a document with the same number |
//! | `v1/set-status` | `{"number", "status"}` | `{"number", "status"}`, or 404 |
//!
//! `register` and `set-status` are the simulator's control of the registry at run time (tests register
//! documents they signed a moment ago, and revoke them). Statuses: `CREATED`, `ACTIVE`, `EXPIRED`, `REVOKED`,
//! `PROCESSING`, `REJECTED`. Documents are indexed by `meta` (number, dates, principal, representatives,
//! powers); the simulator does not validate them.
//!
//! Fixtures: `mchd-registry.json`, a JSON array of `{"file": "<path>", "signature": "<path>" (optional),
//! "status": "..."}` with paths relative to the fixtures directory.

mod meta;

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

pub use meta::Meta;

use super::{Reply, ReplyKind, Service, digits_only};

/// The service name and first path segment.
pub const NAME: &str = "mchd-registry";

/// The fixture file name.
pub const FIXTURE_FILE: &str = "mchd-registry.json";

/// The statuses of the ФНС registry.
pub const STATUSES: &[&str] = &[
    "CREATED",
    "ACTIVE",
    "EXPIRED",
    "REVOKED",
    "PROCESSING",
    "REJECTED",
];

/// One registered document.
#[derive(Debug, Clone)]
pub struct Record {
    /// The XML file as registered.
    pub xml: Vec<u8>,
    /// Its detached signature, if registered with one.
    pub signature: Option<Vec<u8>>,
    /// The registry status.
    pub status: String,
    /// The indexed particulars.
    pub meta: Meta,
}

/// The simulated registry.
#[derive(Debug, Default)]
pub struct MchdRegistry {
    records: RwLock<HashMap<String, Record>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureEntry {
    file: String,
    #[serde(default)]
    signature: Option<String>,
    status: String,
}

#[derive(Deserialize)]
struct NumberBody {
    number: String,
}

#[derive(Deserialize)]
struct SnilsBody {
    snils: String,
}

#[derive(Deserialize)]
struct RegisterBody {
    xml: String,
    #[serde(default)]
    signature: Option<String>,
    #[serde(default = "active")]
    status: String,
}

#[derive(Deserialize)]
struct StatusBody {
    number: String,
    status: String,
}

fn active() -> String {
    "ACTIVE".into()
}

/// Loads `mchd-registry.json` and the documents it names from `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let path = fixtures_dir.join(FIXTURE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let entries: Vec<FixtureEntry> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} must be a JSON array of {{\"file\", \"signature\", \"status\"}} objects",
            path.display()
        )
    })?;
    let registry = MchdRegistry::default();
    for (index, entry) in entries.into_iter().enumerate() {
        let read = |name: &str| {
            std::fs::read(fixtures_dir.join(name))
                .with_context(|| format!("{}: record {index}: cannot read {name}", path.display()))
        };
        let xml = read(&entry.file)?;
        let signature = entry.signature.as_deref().map(read).transpose()?;
        registry
            .register(xml, signature, &entry.status)
            .with_context(|| format!("{}: record {index} ({})", path.display(), entry.file))?;
    }
    Ok(Box::new(registry))
}

impl MchdRegistry {
    /// Registers (or replaces) a document; returns its number.
    pub fn register(
        &self,
        xml: Vec<u8>,
        signature: Option<Vec<u8>>,
        status: &str,
    ) -> anyhow::Result<String> {
        check_status(status)?;
        let meta = meta::read(&xml)?;
        let number = meta.number.clone();
        let record = Record {
            xml,
            signature,
            status: status.to_owned(),
            meta,
        };
        self.write().insert(number.clone(), record);
        Ok(number)
    }

    /// Changes the status of `number`; false when it is not registered.
    pub fn set_status(&self, number: &str, status: &str) -> anyhow::Result<bool> {
        check_status(status)?;
        Ok(
            match self.write().get_mut(&number.trim().to_ascii_lowercase()) {
                Some(record) => {
                    record.status = status.to_owned();
                    true
                }
                None => false,
            },
        )
    }

    /// A copy of the record `number`.
    pub fn record(&self, number: &str) -> Option<Record> {
        self.read()
            .get(&number.trim().to_ascii_lowercase())
            .cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Record>> {
        // A panic while holding the lock cannot leave a half-written map: every write is one insert or
        // one field assignment. Keep serving.
        self.records
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Record>> {
        self.records
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn status(&self, body: &[u8]) -> Reply {
        let Ok(NumberBody { number }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"number\": \"...\"}");
        };
        match self.record(&number) {
            Some(r) => {
                Reply::found(json!({"found": true, "number": r.meta.number, "status": r.status}))
            }
            None => Reply::not_found(json!({"found": false})),
        }
    }

    fn fetch(&self, body: &[u8]) -> Reply {
        let Ok(NumberBody { number }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"number\": \"...\"}");
        };
        match self.record(&number) {
            Some(r) => Reply::found(json!({
                "found": true,
                "number": r.meta.number,
                "xml": STANDARD.encode(&r.xml),
                "signature": r.signature.as_ref().map(|s| STANDARD.encode(s)),
            })),
            None => Reply::not_found(json!({"found": false})),
        }
    }

    fn by_representative(&self, body: &[u8]) -> Reply {
        let Ok(SnilsBody { snils }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"snils\": \"...\"}");
        };
        let snils = digits_only(&snils);
        if snils.len() != 11 {
            return Reply::error(StatusCode::BAD_REQUEST, "snils must have 11 digits");
        }
        let records = self.read();
        let mut powers: Vec<(&String, &Record)> = records
            .iter()
            .filter(|(_, r)| r.meta.representatives.contains(&snils))
            .collect();
        powers.sort_by_key(|(number, _)| *number);
        let list: Vec<Value> = powers
            .into_iter()
            .map(|(_, r)| {
                json!({
                    "number": r.meta.number,
                    "status": r.status,
                    "principalOgrn": r.meta.principal_ogrn,
                    "principalName": r.meta.principal_name,
                    "issuedOn": r.meta.issued_on,
                    "validUntil": r.meta.valid_until,
                    "powers": r.meta.powers,
                })
            })
            .collect();
        let body = json!({ "powers": list });
        if list_is_empty(&body) {
            Reply::not_found(body)
        } else {
            Reply::found(body)
        }
    }

    fn register_route(&self, body: &[u8]) -> Reply {
        let Ok(RegisterBody {
            xml,
            signature,
            status,
        }) = serde_json::from_slice(body)
        else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "expected {\"xml\": base64, \"signature\": base64, \"status\"}",
            );
        };
        let decoded = STANDARD
            .decode(xml.as_bytes())
            .map_err(|e| format!("xml: {e}"))
            .and_then(
                |xml| match signature.map(|s| STANDARD.decode(s.as_bytes())).transpose() {
                    Ok(signature) => Ok((xml, signature)),
                    Err(e) => Err(format!("signature: {e}")),
                },
            );
        let (xml, signature) = match decoded {
            Ok(parts) => parts,
            Err(e) => return Reply::error(StatusCode::BAD_REQUEST, format!("not base64: {e}")),
        };
        match self.register(xml, signature, &status) {
            Ok(number) => control(json!({"number": number, "status": status})),
            Err(e) => Reply::error(StatusCode::BAD_REQUEST, format!("{e:#}")),
        }
    }

    fn set_status_route(&self, body: &[u8]) -> Reply {
        let Ok(StatusBody { number, status }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"number\", \"status\"}");
        };
        match self.set_status(&number, &status) {
            Ok(true) => {
                control(json!({"number": number.trim().to_ascii_lowercase(), "status": status}))
            }
            Ok(false) => Reply::error(StatusCode::NOT_FOUND, "no such power of attorney"),
            Err(e) => Reply::error(StatusCode::BAD_REQUEST, format!("{e:#}")),
        }
    }
}

fn list_is_empty(body: &Value) -> bool {
    body["powers"].as_array().is_none_or(Vec::is_empty)
}

fn check_status(status: &str) -> anyhow::Result<()> {
    if !STATUSES.contains(&status) {
        bail!("status `{status}` is not one of {}", STATUSES.join(", "));
    }
    Ok(())
}

/// A 200 answer to a control request (counted as neither found nor not found).
fn control(body: Value) -> Reply {
    Reply {
        status: StatusCode::OK,
        body,
        kind: ReplyKind::Other,
    }
}

impl Service for MchdRegistry {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        let route = match rest {
            "v1/status" | "v1/fetch" | "v1/by-representative" | "v1/register" | "v1/set-status" => {
                rest
            }
            _ => {
                return Reply::error(
                    StatusCode::NOT_FOUND,
                    format!("{NAME} has no route /{rest}"),
                );
            }
        };
        if method != Method::POST {
            return Reply::error(StatusCode::METHOD_NOT_ALLOWED, "use POST");
        }
        match route {
            "v1/status" => self.status(body),
            "v1/fetch" => self.fetch(body),
            "v1/by-representative" => self.by_representative(body),
            "v1/register" => self.register_route(body),
            _ => self.set_status_route(body),
        }
    }
}

#[cfg(test)]
mod tests;
