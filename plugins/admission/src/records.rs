//! What the plugin keeps in its store (contract 1.3.0 `store`): the collections, their keys, tags and values
//! (JSON, camelCase). Every record holding personal data is written with an expiry (see where it is written);
//! participants hold organisation data only and have none.
//!
//! | collection | key | value | tags | expires |
//! |---|---|---|---|---|
//! | `applications` | application id (UUID) | [`Application`] | | `keep_applications` |
//! | `ogrn` | fingerprint of the ОГРН / ОГРНИП | [`OgrnIndex`] | | `keep_applications` |
//! | `participants` | participant code | [`Participant`] | | never |
//! | `visits` | UUID | [`Visit`] | `p:<code>`, `snils:<digits>`, `phone:+79…` | `keep_visits` |
//! | `codes` | `<participant>/<6 digits>` | [`Code`] | | `validUntil` + 1 h |
//! | `sends` | UUID | `{}` (one request for a code, refused ones too) | `phone:+79…` | `send_window` |
//! | `wrong-codes` | UUID | `{}` (one check of a code not sent, or refused) | `p:<code>` | `wrong_code_window` |
//! | `notices` | `<case>/<fingerprint>`, one per СНИЛС and phone of a contact | [`Notice`] | | 2 min; sent: `keep_cases` |

use serde::{Deserialize, Serialize};

/// Applications of organisations.
pub const APPLICATIONS: &str = "applications";
/// The ОГРН's fingerprint → the application that holds it (one live application per organisation).
pub const OGRN_INDEX: &str = "ogrn";
/// Registered participants by code.
pub const PARTICIPANTS: &str = "participants";
/// Visits, admitted or refused.
pub const VISITS: &str = "visits";
/// One-time SMS codes.
pub const CODES: &str = "codes";
/// SMS codes sent, per phone (the send limit).
pub const SENDS: &str = "sends";
/// Checks of codes, per participant (the attempt limit): a right code's is deleted again.
pub const WRONG_CODES: &str = "wrong-codes";
/// Contacts notified of a case.
pub const NOTICES: &str = "notices";

/// The tag of a participant's visits and wrong codes.
pub fn participant_tag(code: &str) -> String {
    format!("p:{code}")
}

/// The tag of a visitor's visits by СНИЛС (11 digits).
pub fn snils_tag(snils: &str) -> String {
    format!("snils:{snils}")
}

/// The tag of a visitor's visits and SMS sends by phone (`+79…`).
pub fn phone_tag(phone: &str) -> String {
    format!("phone:{phone}")
}

/// The sphere of an application, and so its coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sphere {
    /// The ministry of culture.
    Culture,
    /// The ministry of sport.
    Sport,
    /// The trade committee.
    Trade,
}

impl Sphere {
    /// Every sphere.
    pub const ALL: [Sphere; 3] = [Sphere::Culture, Sphere::Sport, Sphere::Trade];
}

/// Where an application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Submitted, waiting for the coordinator.
    Submitted,
    /// Approved by the coordinator, waiting for the operator.
    Approved,
    /// Declined by the coordinator.
    Declined,
    /// Registered by the operator: the organisation has its QR code.
    Registered,
}

impl Status {
    /// The name in messages (`SUBMITTED`, …).
    pub fn name(self) -> &'static str {
        match self {
            Status::Submitted => "SUBMITTED",
            Status::Approved => "APPROVED",
            Status::Declined => "DECLINED",
            Status::Registered => "REGISTERED",
        }
    }
}

/// Who changed an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The organisation (its submitting system).
    Applicant,
    /// The coordinator of its sphere.
    Coordinator,
    /// The operator.
    Operator,
}

impl Role {
    /// The name in messages (`applicant`, …).
    pub fn name(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Coordinator => "coordinator",
            Role::Operator => "operator",
        }
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub status: Status,
    /// Unix ms.
    pub at: u64,
    pub by: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An application (Приложение 1) and its history. Holds personal data (the head's and the contact person's
/// names, the contact phone): kept `keep_applications`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The sender that submitted it.
    pub submitter: String,
    pub coordinator: Sphere,
    pub status: Status,
    pub organisation_name: String,
    pub head_position: String,
    pub head_name: String,
    pub address: String,
    pub ogrn: String,
    pub inn: String,
    pub email: String,
    pub contact_position: String,
    pub contact_name: String,
    /// `+7…`.
    pub contact_phone: String,
    /// Once registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_code: Option<String>,
    pub history: Vec<Event>,
}

impl Application {
    /// Moves the application to `status`, recording who did it when and why.
    pub fn record(&mut self, status: Status, at: u64, by: Role, reason: Option<String>) {
        self.status = status;
        self.history.push(Event {
            status,
            at,
            by,
            reason,
        });
    }
}

/// The `ogrn` index: which application holds an ОГРН.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OgrnIndex {
    pub application_id: String,
}

/// A registered participant: organisation data only (never the contact person).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub code: String,
    pub application_id: String,
    pub name: String,
    pub ogrn: String,
    pub email: String,
    /// Unix ms.
    pub registered_at: u64,
}

/// How a visitor came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A personal QR code scanned by the staff.
    Qr,
    /// An SMS code shown to the staff.
    Sms,
}

/// What the staff was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Admit,
    Refuse,
}

/// A visit. Personal data: kept `keep_visits`. Only admitted visits count for contacts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    /// The participant's code.
    pub participant: String,
    /// 11 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snils: Option<String>,
    /// `+79…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub via: Via,
    pub decision: Decision,
}

impl Visit {
    /// The tags a visit is found under: its participant, and the visitor's СНИЛС and phone when known.
    pub fn tags(&self) -> Vec<String> {
        let mut tags = vec![participant_tag(&self.participant)];
        tags.extend(self.snils.as_deref().map(snils_tag));
        tags.extend(self.phone.as_deref().map(phone_tag));
        tags
    }
}

/// A one-time SMS code, kept an hour past `valid_until` so that an expired code is told from a wrong one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Code {
    /// `+79…`.
    pub phone: String,
    /// Unix ms.
    pub valid_until: u64,
}

/// What a visitor's personal QR token holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorData {
    /// 11 digits.
    pub snils: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// That a contact was notified of a case (or is being notified: `pending`), and how.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// `email` or `sms`.
    pub channel: String,
    /// Claimed while the notice is being sent (expiring within minutes); false once it went.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

/// An empty value (`{}`): records that count by their existence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Mark {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_camel_case_json() {
        let visit = Visit {
            participant: "7KX2M9QD".into(),
            snils: Some("11223344595".into()),
            phone: None,
            email: None,
            via: Via::Qr,
            decision: Decision::Admit,
        };
        assert_eq!(
            serde_json::to_value(&visit).expect("json"),
            serde_json::json!({"participant": "7KX2M9QD", "snils": "11223344595", "via": "qr", "decision": "admit"})
        );
        assert_eq!(visit.tags(), ["p:7KX2M9QD", "snils:11223344595"]);
        let code = Code {
            phone: "+79990001122".into(),
            valid_until: 5,
        };
        assert_eq!(
            serde_json::to_string(&code).expect("json"),
            r#"{"phone":"+79990001122","validUntil":5}"#
        );
        assert_eq!(serde_json::to_string(&Mark {}).expect("json"), "{}");
        let mut notice = Notice {
            channel: "sms".into(),
            pending: true,
        };
        assert_eq!(
            serde_json::to_string(&notice).expect("json"),
            r#"{"channel":"sms","pending":true}"#
        );
        notice.pending = false;
        assert_eq!(
            serde_json::to_string(&notice).expect("json"),
            r#"{"channel":"sms"}"#
        );
        let read: Notice = serde_json::from_str(r#"{"channel":"email"}"#).expect("json");
        assert!(!read.pending);
    }

    #[test]
    fn applications_record_their_history() {
        let mut app: Application = serde_json::from_value(serde_json::json!({
            "submitter": "ORG", "coordinator": "sport", "status": "SUBMITTED",
            "organisationName": "ООО «Стадион»", "headPosition": "Директор", "headName": "Иванов И. И.",
            "address": "Ставрополь", "ogrn": "1027700132195", "inn": "7707083893", "email": "a@b.ru",
            "contactPosition": "Менеджер", "contactName": "Петров П. П.", "contactPhone": "+78652000000",
            "history": [{"status": "SUBMITTED", "at": 1, "by": "applicant"}]
        }))
        .expect("an application");
        app.record(
            Status::Declined,
            2,
            Role::Coordinator,
            Some("Неполные сведения".into()),
        );
        assert_eq!(app.status, Status::Declined);
        assert_eq!(app.history.len(), 2);
        let json = serde_json::to_value(&app).expect("json");
        assert_eq!(json["history"][1]["status"], "DECLINED");
        assert_eq!(json["history"][1]["by"], "coordinator");
        assert_eq!(json["coordinator"], "sport");
        assert!(json.get("participantCode").is_none());
        assert_eq!(Status::Registered.name(), "REGISTERED");
        assert_eq!(Role::Operator.name(), "operator");
    }
}
