//! [`Env`] over the host capabilities: the clock (`ids`), `xml-schema`, `crypto`, the registry adapter, and
//! the token store as the cache of registry answers. Runs only inside a plugin instance.

use std::time::Duration;

use gateway_plugin_sdk::date::Date;
use gateway_plugin_sdk::error::VerifyError;
use gateway_plugin_sdk::host;
use gateway_plugin_sdk::prelude::HostError;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::{self, Store};
use crate::config::Settings;
use crate::document::{NAMESPACE, Person};
use crate::env::{Certified, Env, Failure, Fetched, Listed, SignatureCheck};
use crate::registry::{self, FetchAnswer, ListAnswer, NumberInput, SnilsInput, StatusAnswer};

/// Token scope of cached registry statuses.
pub const STATUS_SCOPE: &str = "mchd-registry-status";
/// Token scope of cached registry documents.
pub const DOCUMENT_SCOPE: &str = "mchd-registry-document";

/// The host, as the verification sees it.
pub struct HostEnv<'a> {
    settings: &'a Settings,
}

impl<'a> HostEnv<'a> {
    /// The host with these settings (adapter name, cache time).
    pub fn new(settings: &'a Settings) -> HostEnv<'a> {
        HostEnv { settings }
    }

    fn call<I: Serialize, O: DeserializeOwned>(
        &self,
        operation: &str,
        input: &I,
    ) -> Result<O, Failure> {
        host::registry::call_json(&self.settings.registry_adapter, operation, input)
            .map_err(|e| logged(e.is_unavailable(), format!("реестр доверенностей ФНС: {e}")))
    }
}

fn failure(what: &str, error: HostError) -> Failure {
    match error {
        HostError::Unavailable(m) => logged(true, format!("{what}: {m}")),
        HostError::Invalid(m) | HostError::Failed(m) => logged(false, format!("{what}: {m}")),
    }
}

/// A dependency's failure, logged with what went wrong (the operator's business; the sender is told only
/// that the check could not be made).
fn logged(unavailable: bool, why: String) -> Failure {
    host::log::warn(&why);
    if unavailable {
        Failure::Unavailable(why)
    } else {
        Failure::Failed(why)
    }
}

impl Env for HostEnv<'_> {
    fn today(&self) -> Date {
        Date::moscow(host::ids::now_ms())
    }

    fn validate(&self, document: &[u8]) -> Result<Option<String>, Failure> {
        host::xml_schema::validate(NAMESPACE, document)
            .map_err(|e| failure("проверка по схеме EMCHD_1", e))
    }

    fn verify_signature(
        &self,
        content: &[u8],
        signature: &[u8],
    ) -> Result<SignatureCheck, Failure> {
        match host::crypto::verify_detached(content, signature) {
            Ok(Ok(signer)) => Ok(SignatureCheck::Valid(Certified {
                person: Person {
                    snils: signer.snils,
                    inn: signer.inn,
                },
                organisation: signer.ogrn,
            })),
            Ok(Err(error)) if error.is_revoked() => Ok(SignatureCheck::Revoked(error.to_string())),
            Ok(Err(VerifyError::BadSignature(why))) => Ok(SignatureCheck::Bad(why)),
            Ok(Err(VerifyError::Untrusted(why))) => Ok(SignatureCheck::Untrusted(why)),
            Err(e) => Err(failure("проверка подписи", e)),
        }
    }

    fn status(&self, number: &str) -> Result<Option<String>, Failure> {
        let key = number.to_ascii_lowercase();
        cache::remember(self, STATUS_SCOPE, &key, self.settings.status_ttl(), || {
            let answer: StatusAnswer =
                self.call(registry::STATUS, &NumberInput { number: &key })?;
            answer.into_status().map_err(Failure::Failed)
        })
    }

    fn fetch(&self, number: &str) -> Result<Option<Fetched>, Failure> {
        let key = number.to_ascii_lowercase();
        let answer: Option<FetchAnswer> =
            cache::remember(self, DOCUMENT_SCOPE, &key, self.settings.cache_ttl, || {
                let answer: FetchAnswer =
                    self.call(registry::FETCH, &NumberInput { number: &key })?;
                Ok(answer.found.then_some(answer))
            })?;
        match answer {
            Some(answer) => answer.into_fetched().map_err(Failure::Failed),
            None => Ok(None),
        }
    }

    fn by_representative(&self, snils: &str) -> Result<Vec<Listed>, Failure> {
        let answer: ListAnswer = self.call(registry::BY_REPRESENTATIVE, &SnilsInput { snils })?;
        Ok(answer.powers)
    }
}

impl Store for HostEnv<'_> {
    fn find(&self, scope: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        host::tokens::find_by_subject(scope, key)
            .map(|token| token.map(|t| t.data))
            .map_err(|e| format!("{e:?}"))
    }

    fn put(&self, scope: &str, key: &str, data: &[u8], ttl: Duration) -> Result<(), String> {
        host::tokens::issue(scope, key, data, ttl)
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    fn warn(&self, message: &str) {
        host::log::warn(message);
    }
}
