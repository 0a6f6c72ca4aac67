//! The messages of `urn://gateway/large-family/1.0` (schemas/large-family/large-family.xsd), field order as in
//! the XSD sequences, and the data bank adapter's answer.

use gateway_plugin_sdk::goscan::OnBehalfOf;
use serde::{Deserialize, Serialize};

/// The namespace.
pub const NS: &str = "urn://gateway/large-family/1.0";

/// A scanned certificate QR code.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyCertificateRequest {
    pub qr: String,
    #[serde(default)]
    pub on_behalf_of: Option<OnBehalfOf>,
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Person {
    pub last_name: String,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
}

/// What the answer shows of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificate {
    pub number: String,
    pub issued_at: String,
    pub valid_until: String,
    pub region: String,
    pub parent: Vec<Person>,
    pub children_count: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub child: Vec<Person>,
}

/// The answer to [`VerifyCertificateRequest`].
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyCertificateResponse {
    /// `VALID`, `EXPIRED`, `ANNULLED`, `NOT_FOUND`, `QR_NOT_RECOGNISED` or `MCHD_INVALID`.
    pub result: &'static str,
    pub certificate: Option<Certificate>,
    pub scan_id: Option<String>,
    pub organisation: Option<String>,
    pub reason_code: Option<String>,
    pub message: Option<String>,
    pub advice: Option<String>,
}

/// The adapter's answer.
#[derive(Debug, Deserialize)]
pub struct BankAnswer {
    pub found: bool,
    #[serde(default)]
    pub certificate: Option<BankCertificate>,
}

/// A certificate as the data bank describes it (camelCase JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankCertificate {
    pub number: String,
    /// `ACTIVE` or `ANNULLED`.
    pub status: String,
    pub issued_at: String,
    pub valid_until: String,
    pub region: String,
    #[serde(default)]
    pub parents: Vec<BankPerson>,
    #[serde(default)]
    pub children: Vec<BankPerson>,
}

/// A person as the data bank describes them; a child's birth date is read past, never passed on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankPerson {
    pub last_name: String,
    pub first_name: String,
    #[serde(default)]
    pub middle_name: Option<String>,
}

impl From<BankPerson> for Person {
    fn from(p: BankPerson) -> Self {
        Person {
            last_name: p.last_name,
            first_name: p.first_name,
            middle_name: p.middle_name.filter(|m| !m.is_empty()),
        }
    }
}
