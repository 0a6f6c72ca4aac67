//! What verification needs from outside the plugin: the date, the schema, the signature check and the
//! registry. [`Env`] is implemented over the host capabilities in `host_env` and by a fake in the tests, so
//! the whole verification runs natively in unit tests.

use gateway_plugin_sdk::date::Date;

use crate::document::Person;

/// A dependency failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Unavailable or too slow: the sender should try again later.
    Unavailable(String),
    /// Anything else (a misconfiguration, a malformed answer): a plugin failure.
    Failed(String),
}

/// Who signed, as the signer's certificate (not the document) says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certified {
    /// The person: СНИЛС (OID 1.2.643.100.3) and ИНН (OID 1.2.643.3.131.1.1).
    pub person: Person,
    /// The organisation the certificate was issued for: ОГРН (OID 1.2.643.100.1) or ОГРНИП
    /// (OID 1.2.643.100.5), if the certificate names one.
    pub organisation: Option<String>,
}

/// The outcome of a signature check that could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The signature verifies and the certificate is trusted; who signed, by the certificate.
    Valid(Certified),
    /// The signature does not verify over the content, or is not a CMS signature.
    Bad(String),
    /// The signer's certificate is not trusted or not valid now.
    Untrusted(String),
    /// The signer's certificate, or a CA certificate above it, is revoked.
    Revoked(String),
}

/// A document as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The XML file, exactly as registered.
    pub xml: Vec<u8>,
    /// Its detached CMS signature (DER), if the registry has one.
    pub signature: Option<Vec<u8>>,
}

/// One power of attorney held by a representative, as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    /// `НомДовер`.
    pub number: String,
    /// The registry status.
    pub status: String,
    /// ОГРН or ОГРНИП of the principal.
    #[serde(default)]
    pub principal_ogrn: Option<String>,
    /// The principal's name.
    #[serde(default)]
    pub principal_name: Option<String>,
    /// `ДатаВыдДовер`, `YYYY-MM-DD`.
    pub issued_on: String,
    /// `СрокДейст`, `YYYY-MM-DD`.
    pub valid_until: String,
    /// The machine-readable power codes and mnemonics.
    #[serde(default)]
    pub powers: Vec<String>,
}

/// The outside world of a verification.
pub trait Env {
    /// Today in Europe/Moscow.
    fn today(&self) -> Date;

    /// Validates an EMCHD_1 document: `Ok(None)` when valid, `Ok(Some(message))` when not.
    fn validate(&self, document: &[u8]) -> Result<Option<String>, Failure>;

    /// Checks a detached CMS signature over `content`.
    fn verify_signature(&self, content: &[u8], signature: &[u8])
    -> Result<SignatureCheck, Failure>;

    /// The registry status of `number` (`ACTIVE`, `REVOKED`, …); `None` when the registry does not know it.
    fn status(&self, number: &str) -> Result<Option<String>, Failure>;

    /// The registered document `number`; `None` when the registry does not know it.
    fn fetch(&self, number: &str) -> Result<Option<Fetched>, Failure>;

    /// The powers of attorney whose representative has this СНИЛС (11 digits).
    fn by_representative(&self, snils: &str) -> Result<Vec<Listed>, Failure>;
}
