//! The messages of `urn://gateway/digital-id/1.0` (schemas/digital-id/digital-id.xsd), field order as in the
//! XSD sequences, and the issuer adapter's answer.

use gateway_plugin_sdk::goscan::OnBehalfOf;
use serde::{Deserialize, Serialize};

/// The namespace.
pub const NS: &str = "urn://gateway/digital-id/1.0";

/// A scanned Digital ID QR code.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyDigitalIdRequest {
    pub qr: String,
    #[serde(default)]
    pub on_behalf_of: Option<OnBehalfOf>,
}

/// The holder, as a passport QR shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Person {
    pub last_name: String,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub birth_date: String,
}

/// The passport of a passport QR.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Passport {
    pub series: String,
    pub number: String,
    pub issued_at: Option<String>,
    pub issuer: Option<String>,
}

/// One age asked of an age QR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgeCheck {
    pub age: u8,
    pub passed: bool,
}

/// The answer to [`VerifyDigitalIdRequest`].
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyDigitalIdResponse {
    /// `VALID`, `EXPIRED`, `USED`, `NOT_FOUND`, `PASSPORT_NOT_AVAILABLE`, `QR_NOT_RECOGNISED` or `MCHD_INVALID`.
    pub result: &'static str,
    /// `PASSPORT` or `AGE`.
    pub kind: Option<&'static str>,
    /// Passport QR: the holder and the passport.
    pub person: Option<Person>,
    pub passport: Option<Passport>,
    /// Age QR: 18 or older; then each configured age. Never the birth date.
    pub adult: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub age_check: Vec<AgeCheck>,
    /// The issuer's reference of the holder's photo, to compare with the face.
    pub photo_ref: Option<String>,
    pub expires_at: Option<String>,
    pub scan_id: Option<String>,
    pub organisation: Option<String>,
    pub reason_code: Option<String>,
    pub message: Option<String>,
    pub advice: Option<String>,
}

/// The issuer adapter's answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerAnswer {
    /// `VALID`, `EXPIRED`, `USED` or `UNKNOWN`.
    pub status: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub expires_at_ms: Option<u64>,
    #[serde(default)]
    pub holder: Option<Holder>,
}

/// A holder as the issuer describes them (camelCase JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// `biometrics`, `passport` or `licence`: what the ID was made from.
    pub basis: String,
    pub last_name: String,
    pub first_name: String,
    #[serde(default)]
    pub middle_name: Option<String>,
    pub birth_date: String,
    pub photo_ref: String,
    #[serde(default)]
    pub passport: Option<IssuerPassport>,
}

/// A passport as the issuer describes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerPassport {
    pub series: String,
    pub number: String,
    #[serde(default)]
    pub issued_at: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
}
