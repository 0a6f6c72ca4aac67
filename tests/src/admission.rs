//! The regional QR admission system (seed 003): a config with the `admission` plugin, its page, its routes, its
//! adapters (the SMS gateway and the register of confirmed diagnoses, pointed at the simulator) and the senders
//! of each role, each with its own bearer token; and calls made as one of them.

use serde_json::{Value, json};

use crate::artifacts::{adapter, plugin};
use crate::gateway::sha;
use crate::{Client, Reply, TestConfig};

/// The messages' namespace.
pub const NS: &str = "urn://gateway/admission/1.0";

/// A sender of the admission system: its mnemonic and bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub mnemonic: &'static str,
    pub token: &'static str,
}

/// The regional portal (РПГУ СК): organisations apply through it, visitors get their personal QR, the
/// entrance staff's scanners check QR codes and SMS codes.
pub const PORTAL: Role = Role {
    mnemonic: "RPGU_SK",
    token: "token-of-the-portal",
};
/// An organisation's own system that applies directly.
pub const ORG_SYSTEM: Role = Role {
    mnemonic: "ORG_SK",
    token: "token-of-an-organisation",
};
/// The coordinator for culture (Министерство культуры Ставропольского края).
pub const CULTURE: Role = Role {
    mnemonic: "MINKULT_SK",
    token: "token-of-the-ministry-of-culture",
};
/// The coordinator for sport.
pub const SPORT: Role = Role {
    mnemonic: "MINSPORT_SK",
    token: "token-of-the-ministry-of-sport",
};
/// The operator (ГКУ СК «Краевой центр информационных технологий»).
pub const OPERATOR: Role = Role {
    mnemonic: "KCIT_SK",
    token: "token-of-the-operator",
};
/// The health authority that reports confirmed cases.
pub const HEALTH: Role = Role {
    mnemonic: "MINZDRAV_SK",
    token: "token-of-the-health-authority",
};

/// The message type `{NS}local`.
pub fn message_type(local: &str) -> String {
    format!("{{{NS}}}{local}")
}

fn sender(role: Role, name: &str, may_send: &[&str]) -> String {
    let types: Vec<String> = may_send
        .iter()
        .map(|t| format!("\"{}\"", message_type(t)))
        .collect();
    format!(
        "[[senders]]\nmnemonic = \"{}\"\nname = \"{name}\"\nbearer_token_sha256 = \"{}\"\nmay_send = [{}]\n\n",
        role.mnemonic,
        sha(role.token),
        types.join(", ")
    )
}

/// What the admission parts of a test config need.
#[derive(Debug, Clone)]
pub struct Admission<'a> {
    /// The registry simulator (SMS gateway, register of confirmed diagnoses).
    pub sim_url: &'a str,
    /// The SMTP server's port on 127.0.0.1 (plain SMTP).
    pub smtp_port: u16,
    /// Extra keys of `[plugins.admission.config]`, e.g. `code_ttl = "2s"`.
    pub settings: &'a str,
}

impl TestConfig {
    /// The admission plugin, its page under `/admission/`, its routes, adapters, senders and `[smtp]`.
    pub fn with_admission(mut self, a: &Admission<'_>) -> TestConfig {
        self.sim_url = Some(a.sim_url.to_owned());
        let mut senders = String::new();
        senders.push_str(&sender(
            PORTAL,
            "РПГУ СК",
            &[
                "SubmitApplicationRequest",
                "ApplicationStatusRequest",
                "IssueVisitorQrRequest",
                "CheckVisitorRequest",
                "CheckCodeRequest",
            ],
        ));
        senders.push_str(&sender(
            ORG_SYSTEM,
            "ИС организации",
            &["SubmitApplicationRequest", "ApplicationStatusRequest"],
        ));
        for (role, name) in [(CULTURE, "Минкультуры СК"), (SPORT, "Минспорт СК")]
        {
            senders.push_str(&sender(
                role,
                name,
                &["ApplicationDecisionRequest", "ApplicationStatusRequest"],
            ));
        }
        senders.push_str(&sender(
            OPERATOR,
            "ГКУ СК КЦИТ",
            &["RegisterParticipantRequest", "ApplicationStatusRequest"],
        ));
        senders.push_str(&sender(HEALTH, "Минздрав СК", &["CaseReportRequest"]));
        let routes: String = [
            ("SubmitApplicationRequest", "{ Ogrn = \"ogrn-or-ogrnip\", Inn = \"inn\" }"),
            ("ApplicationDecisionRequest", "{}"),
            ("RegisterParticipantRequest", "{}"),
            ("ApplicationStatusRequest", "{}"),
            ("IssueVisitorQrRequest", "{ Snils = \"snils\" }"),
            ("CheckVisitorRequest", "{}"),
            ("CheckCodeRequest", "{}"),
            ("CaseReportRequest", "{ Snils = \"snils\" }"),
        ]
        .iter()
        .map(|(t, ids)| {
            format!(
                "[[routes]]\ntype = \"{}\"\nchain = [\"admission\"]\ndeadline = \"3s\"\nidentifiers = {ids}\n\n",
                message_type(t)
            )
        })
        .collect();
        self.extra.push_str(&format!(
            r#"
{senders}
[plugins.admission]
path = "{plugin}"
adapters = ["sms", "diagnosis-register"]
[plugins.admission.config]
public_base_url = "https://26gosuslugi.ru"
operators = ["{operator}"]
health_authorities = ["{health}"]
{settings}
[plugins.admission.config.coordinators]
culture = ["{culture}"]
sport = ["{sport}"]

[adapters.sms]
path = "{sms}"
timeout = "800ms"
retries = 0
breaker_failures = 1000
[adapters.sms.config]
base_url = "{sim}"
timeout_ms = 700

[adapters.diagnosis-register]
path = "{register}"
timeout = "800ms"
retries = 0
breaker_failures = 1000
[adapters.diagnosis-register.config]
base_url = "{sim}"
timeout_ms = 700

[[pages]]
prefix = "/admission/"
plugin = "admission"

{routes}
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from = "Система допуска <qr-kod@stavregion.example>"
timeout = "5s"

[mail]
poll = "200ms"
retry_initial = "200ms"
retry_max = "1s"
"#,
            plugin = plugin("admission").display(),
            operator = OPERATOR.mnemonic,
            health = HEALTH.mnemonic,
            culture = CULTURE.mnemonic,
            sport = SPORT.mnemonic,
            settings = a.settings,
            sms = adapter("sms_adapter").display(),
            register = adapter("diagnosis_register_adapter").display(),
            sim = a.sim_url,
            smtp_port = a.smtp_port,
        ));
        self
    }
}

/// A JSON API call of `local` as `role`.
pub async fn call(api: &str, role: Role, local: &str, payload: Value) -> Reply {
    Client::new()
        .post_json(
            api,
            &json!({"type": message_type(local), "payload": payload}),
            Some(role.token),
        )
        .await
}

/// The payload of a `200` answer to `local` sent as `role`.
pub async fn answer(api: &str, role: Role, local: &str, payload: Value) -> Value {
    let r = call(api, role, local, payload).await;
    assert_eq!(r.status, 200, "{local} as {}: {}", role.mnemonic, r.text());
    r.json()["payload"].clone()
}
