//! The messages of `urn://gateway/admission/1.0` (schemas/admission/admission.xsd), field order as in the XSD
//! sequences, and the `Result` codes of the answers.

use gateway_plugin_sdk::serde_helpers;
use serde::{Deserialize, Serialize};

use crate::records::Sphere;

/// The namespace.
pub const NS: &str = "urn://gateway/admission/1.0";

/// ОГРН / ОГРНИП: wrong length or check number.
pub const INVALID_OGRN: &str = "INVALID_OGRN";
/// ИНН: wrong length or check number, or not the pair of the ОГРН.
pub const INVALID_INN: &str = "INVALID_INN";
/// СНИЛС: wrong check number.
pub const INVALID_SNILS: &str = "INVALID_SNILS";
/// Another field (the message names it).
pub const INVALID_FIELD: &str = "INVALID_FIELD";
/// An application for this ОГРН is already under way (or registered).
pub const DUPLICATE: &str = "DUPLICATE";
/// The sender has no role for this request.
pub const FORBIDDEN: &str = "FORBIDDEN";
/// No such application, or not one the sender may see.
pub const NOT_FOUND: &str = "NOT_FOUND";
/// The application is not in the status the request needs (`Status` says where it is).
pub const WRONG_STATE: &str = "WRONG_STATE";

/// Admission: let the visitor in (a visit is registered).
pub const ADMIT: &str = "ADMIT";
/// Admission: do not (the register of confirmed diagnoses says so; the visit is registered, never the reason).
pub const REFUSE: &str = "REFUSE";
/// The personal QR code has expired.
pub const QR_EXPIRED: &str = "QR_EXPIRED";
/// The personal QR code is not one of the system's.
pub const QR_UNKNOWN: &str = "QR_UNKNOWN";
/// No participant has this code.
pub const PARTICIPANT_UNKNOWN: &str = "PARTICIPANT_UNKNOWN";
/// The SMS code is not one sent for this participant (or was used already).
pub const CODE_WRONG: &str = "CODE_WRONG";
/// The SMS code was sent but is no longer valid.
pub const CODE_EXPIRED: &str = "CODE_EXPIRED";
/// Too many wrong codes at this participant lately: codes are not checked for a while.
pub const TOO_MANY_ATTEMPTS: &str = "TOO_MANY_ATTEMPTS";

/// An organisation applies (Приложение 1).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubmitApplicationRequest {
    pub coordinator: Sphere,
    pub organisation_name: String,
    pub head_position: String,
    pub head_name: String,
    pub address: String,
    pub ogrn: String,
    pub inn: String,
    pub email: String,
    pub contact_position: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// What a coordinator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    Approve,
    Decline,
}

/// A coordinator approves or declines an application.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationDecisionRequest {
    pub application_id: String,
    pub decision: Decision,
    /// Required for `DECLINE`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The answer to [`SubmitApplicationRequest`] and [`ApplicationDecisionRequest`].
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationResponse {
    pub application_id: Option<String>,
    /// `SUBMITTED`, `APPROVED`, `DECLINED` or `REGISTERED`.
    pub status: Option<&'static str>,
    /// Absent on success; else `INVALID_OGRN`, `INVALID_INN`, `INVALID_FIELD`, `DUPLICATE`, `FORBIDDEN`,
    /// `NOT_FOUND` or `WRONG_STATE`.
    pub result: Option<&'static str>,
    pub message: Option<String>,
}

/// An application named by its id (register it, or tell its status).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationIdRequest {
    pub application_id: String,
}

/// A PNG image, base64 in both formats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Png(#[serde(with = "serde_helpers::base64")] pub Vec<u8>);

/// The answer to `RegisterParticipantRequest`.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParticipantResponse {
    pub application_id: Option<String>,
    /// `REGISTERED` (or where the application is, with `WRONG_STATE`).
    pub status: Option<&'static str>,
    pub participant_code: Option<String>,
    pub registration_link: Option<String>,
    pub qr_png: Option<Png>,
    /// Absent on success; else `FORBIDDEN`, `NOT_FOUND` or `WRONG_STATE`.
    pub result: Option<&'static str>,
    pub message: Option<String>,
}

/// One step of an application's history, as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    pub status: &'static str,
    /// RFC 3339, UTC.
    pub at: String,
    /// `applicant`, `coordinator` or `operator`.
    pub by: &'static str,
    pub reason: Option<String>,
}

/// The answer to `ApplicationStatusRequest`.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationStatusResponse {
    pub application_id: String,
    pub status: Option<&'static str>,
    pub organisation_name: Option<String>,
    pub ogrn: Option<String>,
    pub participant_code: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Event>,
    /// Absent on success; else `NOT_FOUND`.
    pub result: Option<&'static str>,
    pub message: Option<String>,
}

/// A visitor asks for a personal QR code.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IssueVisitorQrRequest {
    pub snils: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// The answer to [`IssueVisitorQrRequest`].
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VisitorQrResponse {
    /// The token's GUID: what the QR code holds.
    pub token: Option<String>,
    /// RFC 3339, UTC.
    pub expires_at: Option<String>,
    pub qr_png: Option<Png>,
    /// Absent on success; else `INVALID_SNILS` or `INVALID_FIELD`.
    pub result: Option<&'static str>,
    pub message: Option<String>,
}

/// The staff scans a visitor's personal QR code.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckVisitorRequest {
    pub participant_code: String,
    /// The scanned text: the GUID, or any text ending with it.
    pub qr: String,
}

/// The staff checks the SMS code a visitor shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckCodeRequest {
    pub participant_code: String,
    pub code: String,
}

/// The answer to [`CheckVisitorRequest`] and [`CheckCodeRequest`], for the staff member at the entrance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdmissionResponse {
    /// `ADMIT`, `REFUSE`, `QR_EXPIRED`, `QR_UNKNOWN`, `CODE_WRONG`, `CODE_EXPIRED`, `TOO_MANY_ATTEMPTS` or
    /// `PARTICIPANT_UNKNOWN`.
    pub result: &'static str,
    pub visit_id: Option<String>,
    /// Russian, never a diagnosis.
    pub message: String,
}

/// A health authority reports a confirmed case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CaseReportRequest {
    pub case_id: String,
    #[serde(default)]
    pub snils: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// When the diagnosis was confirmed (for the authority's records; visits are looked for over
    /// `keep_visits`).
    #[serde(default)]
    #[allow(dead_code)]
    pub confirmed_at: Option<String>,
}

/// The answer to [`CaseReportRequest`]: counts only, no personal data.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CaseReportResponse {
    pub case_id: String,
    pub visits_found: Option<u32>,
    pub contacts_found: Option<u32>,
    pub notified_by_email: Option<u32>,
    pub notified_by_sms: Option<u32>,
    pub already_notified: Option<u32>,
    pub failed: Option<u32>,
    /// Absent on success; else `FORBIDDEN`, `INVALID_SNILS` or `INVALID_FIELD`.
    pub result: Option<&'static str>,
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_plugin_sdk::codec;
    use gateway_plugin_sdk::prelude::{PayloadFormat, QName};

    #[test]
    fn requests_read_from_both_formats() {
        let xml = r#"<a:SubmitApplicationRequest xmlns:a="urn://gateway/admission/1.0">
            <a:Coordinator>sport</a:Coordinator><a:OrganisationName>ООО «Стадион»</a:OrganisationName>
            <a:HeadPosition>Директор</a:HeadPosition><a:HeadName>Иванов Иван Иванович</a:HeadName>
            <a:Address>г. Ставрополь</a:Address><a:Ogrn>1027700132195</a:Ogrn><a:Inn>7707083893</a:Inn>
            <a:Email>info@example.ru</a:Email><a:ContactPosition>Менеджер</a:ContactPosition>
            <a:ContactName>Петров Пётр</a:ContactName><a:ContactPhone>+7 8652 00-00-00</a:ContactPhone>
            </a:SubmitApplicationRequest>"#;
        let req: SubmitApplicationRequest =
            codec::decode(PayloadFormat::Xml, xml.as_bytes()).expect("xml");
        assert_eq!(
            (req.coordinator, req.ogrn.as_str()),
            (Sphere::Sport, "1027700132195")
        );
        let json = r#"{"applicationId": "x", "decision": "DECLINE", "reason": "Нет сведений"}"#;
        let decision: ApplicationDecisionRequest =
            codec::decode(PayloadFormat::Json, json.as_bytes()).expect("json");
        assert_eq!(decision.decision, Decision::Decline);
        let case: CaseReportRequest = codec::decode(
            PayloadFormat::Json,
            br#"{"caseId": "C-1", "phone": "+79990000000"}"#,
        )
        .expect("json");
        assert_eq!(
            (case.snils, case.phone.as_deref()),
            (None, Some("+79990000000"))
        );
    }

    #[test]
    fn answers_keep_the_xsd_order_and_omit_what_is_absent() {
        let answer = ParticipantResponse {
            application_id: Some("a".into()),
            status: Some("REGISTERED"),
            participant_code: Some("7KX2M9QD".into()),
            registration_link: Some("https://x/admission/7KX2M9QD".into()),
            qr_png: Some(Png(vec![0x89, b'P'])),
            ..ParticipantResponse::default()
        };
        let xml = codec::encode(
            &QName::new(NS, "ParticipantResponse"),
            &answer,
            PayloadFormat::Xml,
        )
        .expect("xml");
        assert_eq!(
            String::from_utf8(xml).expect("utf-8"),
            "<ParticipantResponse xmlns=\"urn://gateway/admission/1.0\"><ApplicationId>a</ApplicationId>\
             <Status>REGISTERED</Status><ParticipantCode>7KX2M9QD</ParticipantCode>\
             <RegistrationLink>https://x/admission/7KX2M9QD</RegistrationLink><QrPng>iVA=</QrPng>\
             </ParticipantResponse>"
        );
        let status = ApplicationStatusResponse {
            application_id: "a".into(),
            history: vec![Event {
                status: "SUBMITTED",
                at: "2026-12-05T10:00:00Z".into(),
                by: "applicant",
                reason: None,
            }],
            ..ApplicationStatusResponse::default()
        };
        let json = codec::encode(
            &QName::new(NS, "ApplicationStatusResponse"),
            &status,
            PayloadFormat::Json,
        )
        .expect("json");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&json).expect("json"),
            serde_json::json!({"applicationId": "a", "history": [{"status": "SUBMITTED", "at": "2026-12-05T10:00:00Z", "by": "applicant"}]})
        );
    }
}
