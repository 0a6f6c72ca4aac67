//! The messages: `urn://gateway/mchd/1.0` (`schemas/mchd/mchd.xsd`) and the goscan ones
//! (`schemas/goscan/goscan.xsd`). Field order follows the XSD sequences.

use gateway_plugin_sdk::serde_helpers::base64;
use serde::{Deserialize, Serialize};

/// The namespace of `VerifyMchdRequest` / `VerifyMchdResponse`.
pub const MCHD_NS: &str = "urn://gateway/mchd/1.0";
/// The namespace of `OnBehalfOf` and `ListScanOrganisationsRequest` / `…Response`.
pub const GOSCAN_NS: &str = "urn://gateway/goscan/1.0";

/// A power of attorney given in the request: the XML file and its detached signature.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlineMchd {
    /// The XML file (EMCHD_1).
    #[serde(with = "base64")]
    pub xml: Vec<u8>,
    /// The detached CMS signature (DER).
    #[serde(with = "base64")]
    pub signature: Vec<u8>,
}

/// `OnBehalfOf`: carried by every scannable document type.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnBehalfOf {
    /// ОГРН or ОГРНИП of the organisation scanned for.
    pub organisation: String,
    /// СНИЛС of the scanning employee.
    pub scanner: String,
    /// The number of the power of attorney in the ФНС registry.
    #[serde(default)]
    pub mchd_number: Option<String>,
    /// The power of attorney itself.
    #[serde(default)]
    pub mchd: Option<InlineMchd>,
}

/// `VerifyMchdRequest`: may this representative act for this organisation (scanning power)?
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyMchdRequest {
    /// ОГРН or ОГРНИП of the organisation.
    pub organisation: String,
    /// СНИЛС of the representative.
    pub representative: String,
    /// The number of the power of attorney in the ФНС registry.
    #[serde(default)]
    pub mchd_number: Option<String>,
    /// The power of attorney itself.
    #[serde(default)]
    pub mchd: Option<InlineMchd>,
}

/// `VerifyMchdResponse`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyMchdResponse {
    /// `VALID` or `INVALID`.
    pub result: &'static str,
    /// `НомДовер`.
    pub number: Option<String>,
    /// ОГРН/ОГРНИП of the organisation.
    pub organisation: Option<String>,
    /// The organisation's name.
    pub organisation_name: Option<String>,
    /// `ДатаВыдДовер`.
    pub issued_on: Option<String>,
    /// `СрокДейст`.
    pub valid_until: Option<String>,
    /// For a retrust: the numbers of the powers it rests on, nearest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retrust_of: Vec<String>,
    /// The reason code when `INVALID`.
    pub reason_code: Option<String>,
    /// The explanation when `INVALID`.
    pub message: Option<String>,
}

/// `ListScanOrganisationsRequest`: for which organisations may this employee scan?
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListScanOrganisationsRequest {
    /// СНИЛС of the employee.
    pub scanner: String,
}

/// One organisation the employee may scan for (the seed's «Подробнее» screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScanOrganisation {
    /// The organisation's name.
    pub name: Option<String>,
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// The power of attorney.
    pub mchd_number: String,
    /// `ДатаВыдДовер`.
    pub issued_on: String,
    /// `СрокДейст`.
    pub valid_until: String,
}

/// `ListScanOrganisationsResponse`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListScanOrganisationsResponse {
    /// The organisations, by name.
    pub organisation: Vec<ScanOrganisation>,
}
