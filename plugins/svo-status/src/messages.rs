//! The messages of `urn://gateway/svo-status/1.0` (schemas/svo-status/svo-status.xsd). Field order follows
//! the XSD sequences.

use gateway_plugin_sdk::goscan::OnBehalfOf;
use serde::{Deserialize, Serialize};

/// The namespace.
pub const NS: &str = "urn://gateway/svo-status/1.0";

/// A citizen asks for a QR code. (`EsiaOid`, the citizen's account, is accepted by the schema for the
/// calling system's records; the showcase is asked by СНИЛС.)
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IssueQrRequest {
    pub snils: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub middle_name: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
}

/// What the showcase says of a participant (as answered and as stored with the QR token).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Participant {
    pub last_name: String,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    pub birth_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub military_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participation_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participation_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The answer to [`IssueQrRequest`].
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IssueQrResponse {
    /// `ISSUED` or `NOT_FOUND`.
    pub status: &'static str,
    pub guid: Option<String>,
    pub link: Option<String>,
    pub expires_at: Option<String>,
    /// base64 PNG of the link.
    pub qr_png: Option<String>,
    pub qr_svg: Option<String>,
    pub participant: Option<Participant>,
    pub certificate_form_url: Option<String>,
    pub message: Option<String>,
}

/// An employee verifies a scanned QR code.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyQrRequest {
    pub qr: String,
    #[serde(default)]
    pub on_behalf_of: Option<OnBehalfOf>,
}

/// The answer to [`VerifyQrRequest`].
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyQrResponse {
    /// `VALID`, `EXPIRED`, `NOT_FOUND` or `MCHD_INVALID`.
    pub result: &'static str,
    pub guid: Option<String>,
    pub expires_at: Option<String>,
    pub participant: Option<Participant>,
    pub scan_id: Option<String>,
    pub organisation: Option<String>,
    pub reason_code: Option<String>,
    pub message: Option<String>,
    pub advice: Option<String>,
}

/// The showcase adapter's answer.
#[derive(Debug, Deserialize)]
pub struct ShowcaseAnswer {
    pub found: bool,
    #[serde(default)]
    pub person: Option<ShowcasePerson>,
}

/// A participant as the showcase describes them (camelCase JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowcasePerson {
    pub last_name: String,
    pub first_name: String,
    #[serde(default)]
    pub middle_name: Option<String>,
    pub birth_date: String,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub military_unit: Option<String>,
    #[serde(default)]
    pub participation_from: Option<String>,
    #[serde(default)]
    pub participation_to: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

impl From<ShowcasePerson> for Participant {
    fn from(p: ShowcasePerson) -> Self {
        Participant {
            last_name: p.last_name,
            first_name: p.first_name,
            middle_name: p.middle_name.filter(|s| !s.is_empty()),
            birth_date: p.birth_date,
            department: p.department.filter(|s| !s.is_empty()),
            military_unit: p.military_unit.filter(|s| !s.is_empty()),
            participation_from: p.participation_from.filter(|s| !s.is_empty()),
            participation_to: p.participation_to.filter(|s| !s.is_empty()),
            status: p.status.filter(|s| !s.is_empty()),
        }
    }
}
