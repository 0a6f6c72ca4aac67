//! The regional QR admission system (issue 13, seed 003) end to end, on SQLite and PostgreSQL: the `admission`
//! plugin with its page, the SMS gateway and the register of confirmed diagnoses in the simulator, a real SMTP
//! server (aiosmtpd), and a real headless browser for the registration page.
//!
//! Layout: this file (helpers), `applications` (apply, approve or decline, register, the QR e-mailed; who sees
//! what), `visitors` (the personal QR: admitted, refused, expired), `codes` (the organisation's QR: the page, the
//! SMS code, wrong, expired and right codes, the limits), `tracing` (contacts warned exactly once), `retention`
//! (personal data deleted on time, masked in logs), `browser` (the page driven in chromium, screenshots kept).

mod applications;
mod browser;
mod codes;
mod retention;
mod tracing;
mod visitors;

use std::path::Path;
use std::time::Duration;

use gateway_e2e::admission::{
    Admission, CULTURE, OPERATOR, ORG_SYSTEM, PORTAL, Role, answer, call,
};
use gateway_e2e::{Backend, Client, Sim, TestConfig, TestDb, TestGateway};
use serde_json::{Value, json};

use crate::reports::kit::Sink;

/// An organisation that applies: synthetic, with valid check numbers.
pub struct Org {
    pub ogrn: &'static str,
    pub inn: &'static str,
    pub name: &'static str,
    pub email: &'static str,
}

/// A theatre (culture).
pub const THEATRE: Org = Org {
    ogrn: "1022601000014",
    inn: "2634000011",
    name: "ГБУК СК «Краевой драматический театр»",
    email: "teatr@primer.example",
};
/// A stadium (sport).
pub const STADIUM: Org = Org {
    ogrn: "1022601000025",
    inn: "2634000029",
    name: "ГАУ СК «Стадион Динамо»",
    email: "stadion@primer.example",
};
/// A museum (culture).
pub const MUSEUM: Org = Org {
    ogrn: "1022601000036",
    inn: "2634000036",
    name: "ГБУК СК «Краеведческий музей»",
    email: "muzei@primer.example",
};

/// Visitors: synthetic СНИЛС with valid check numbers.
pub const VISITOR_1: &str = "200-100-200 30";
pub const VISITOR_2: &str = "200-100-300 33";
pub const VISITOR_3: &str = "200-100-400 36";
pub const VISITOR_4: &str = "200-100-500 39";
pub const VISITOR_5: &str = "200-100-600 42";
pub const VISITOR_6: &str = "200-100-700 45";

/// A gateway with the admission system on a fresh database, its simulator and SMTP server.
pub struct Setup {
    pub sim: Sim,
    pub sink: Sink,
    pub db: TestDb,
    pub gw: TestGateway,
    /// The JSON API's synchronous call.
    pub api: String,
}

impl Setup {
    /// Starts everything on `backend`; `settings` are extra keys of `[plugins.admission.config]`.
    pub async fn start(backend: Backend, settings: &str) -> Setup {
        Setup::start_with(backend, settings, Sink::start()).await
    }

    /// [`Setup::start`] with the SMTP server `sink` (one that is down, say).
    pub async fn start_with(backend: Backend, settings: &str, sink: Sink) -> Setup {
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&config(&db, &sim, &sink, settings)).await;
        let api = gw.url("/api/v1/messages");
        Setup {
            sim,
            sink,
            db,
            gw,
            api,
        }
    }

    /// Submits `org`'s application to `sphere` as `role`; its answer.
    pub async fn apply(&self, role: Role, org: &Org, sphere: &str) -> Value {
        answer(
            &self.api,
            role,
            "SubmitApplicationRequest",
            application(org, sphere),
        )
        .await
    }

    /// `role` decides application `id` (`APPROVE`, or `DECLINE` with `reason`); the answer.
    pub async fn decide(
        &self,
        role: Role,
        id: &str,
        decision: &str,
        reason: Option<&str>,
    ) -> Value {
        let mut payload = json!({"applicationId": id, "decision": decision});
        if let Some(r) = reason {
            payload["reason"] = json!(r);
        }
        answer(&self.api, role, "ApplicationDecisionRequest", payload).await
    }

    /// The operator registers application `id`; the answer.
    pub async fn register(&self, id: &str) -> Value {
        answer(
            &self.api,
            OPERATOR,
            "RegisterParticipantRequest",
            json!({"applicationId": id}),
        )
        .await
    }

    /// Application `id` as `role` may read it.
    pub async fn status(&self, role: Role, id: &str) -> Value {
        answer(
            &self.api,
            role,
            "ApplicationStatusRequest",
            json!({"applicationId": id}),
        )
        .await
    }

    /// Applies, approves and registers `org` (culture); its participant code.
    pub async fn participant(&self, org: &Org) -> String {
        let applied = self.apply(ORG_SYSTEM, org, "culture").await;
        assert_eq!(applied["status"], "SUBMITTED", "{applied}");
        let id = applied["applicationId"].as_str().expect("id").to_owned();
        let approved = self.decide(CULTURE, &id, "APPROVE", None).await;
        assert_eq!(approved["status"], "APPROVED", "{approved}");
        let registered = self.register(&id).await;
        assert_eq!(registered["status"], "REGISTERED", "{registered}");
        registered["participantCode"]
            .as_str()
            .expect("code")
            .to_owned()
    }

    /// A visitor's personal QR token.
    pub async fn visitor_qr(
        &self,
        snils: &str,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> String {
        let mut payload = json!({"snils": snils});
        if let Some(p) = phone {
            payload["phone"] = json!(p);
        }
        if let Some(e) = email {
            payload["email"] = json!(e);
        }
        let qr = answer(&self.api, PORTAL, "IssueVisitorQrRequest", payload).await;
        qr["token"].as_str().expect("token").to_owned()
    }

    /// The entrance staff scan `qr` at `participant`.
    pub async fn check_visitor(&self, participant: &str, qr: &str) -> Value {
        answer(
            &self.api,
            PORTAL,
            "CheckVisitorRequest",
            json!({"participantCode": participant, "qr": qr}),
        )
        .await
    }

    /// The entrance staff check an SMS `code` at `participant`.
    pub async fn check_code(&self, participant: &str, code: &str) -> Value {
        answer(
            &self.api,
            PORTAL,
            "CheckCodeRequest",
            json!({"participantCode": participant, "code": code}),
        )
        .await
    }

    /// Posts `phone` to the registration page of `participant` (as a browser without JavaScript would).
    pub async fn register_phone(&self, participant: &str, phone: &str) -> gateway_e2e::Reply {
        let body = format!("phone={}", urlencode(phone));
        Client::new()
            .post(
                &self.gw.url(&format!("/admission/{participant}")),
                "application/x-www-form-urlencoded",
                body.into_bytes(),
                None,
            )
            .await
    }

    /// What the SMS gateway sent, newest first (`GET /__sms`).
    pub async fn sms(&self) -> Vec<Value> {
        let r = Client::new()
            .get(&format!("{}/__sms", self.sim.url()), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().as_array().cloned().unwrap_or_default()
    }

    /// The newest SMS code sent to `phone` (`+79…`).
    pub async fn code_sent_to(&self, phone: &str) -> String {
        let sent = self.sms().await;
        let text = sent
            .iter()
            .find(|m| m["phone"] == phone)
            .and_then(|m| m["text"].as_str())
            .unwrap_or_else(|| panic!("no SMS to {phone}: {sent:?}"))
            .to_owned();
        six_digits(&text).unwrap_or_else(|| panic!("no code in {text:?}"))
    }

    /// Marks `snils` as confirmed ill in the simulated register.
    pub async fn confirm_diagnosis(&self, snils: &str) {
        let r = Client::new()
            .post_json(
                &format!("{}/diagnosis-register/v1/confirm", self.sim.url()),
                &json!({"snils": snils}),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }

    /// Stops the gateway and the simulator.
    pub async fn stop(self) {
        self.gw.stop().await;
        self.sim.stop().await;
    }
}

/// The admission test config on `db`.
pub fn config(db: &TestDb, sim: &Sim, sink: &Sink, settings: &str) -> TestConfig {
    TestConfig::new(db.url()).with_admission(&Admission {
        sim_url: &sim.url(),
        smtp_port: sink.port,
        settings,
    })
}

/// Приложение 1 of `org`, to the coordinator of `sphere`.
pub fn application(org: &Org, sphere: &str) -> Value {
    json!({
        "coordinator": sphere,
        "organisationName": org.name,
        "headPosition": "Директор",
        "headName": "Образцова Мария Петровна",
        "address": "355000, Ставропольский край, г. Ставрополь, ул. Примерная, д. 1",
        "ogrn": org.ogrn,
        "inn": org.inn,
        "email": org.email,
        "contactPosition": "Администратор",
        "contactName": "Тестов Иван Иванович",
        "contactPhone": "+7 928 000-00-01",
    })
}

/// The first run of six digits in `text`.
pub fn six_digits(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(6).enumerate().find_map(|(i, w)| {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 6);
        (w.iter().all(char::is_ascii_digit)
            && !before.is_some_and(|c| c.is_ascii_digit())
            && !after.is_some_and(char::is_ascii_digit))
        .then(|| w.iter().collect())
    })
}

/// `application/x-www-form-urlencoded` of `text`.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A received e-mail read with Python's email package (`tests/py/mail_parts.py`), attachments into `out`.
pub fn read_mail(eml: &Path, out: &Path) -> Value {
    let o = std::process::Command::new(gateway_e2e::artifacts::python())
        .arg(gateway_e2e::artifacts::repo_root().join("tests/py/mail_parts.py"))
        .arg(eml)
        .arg(out)
        .output()
        .expect("python runs");
    assert!(
        o.status.success(),
        "mail_parts.py: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON")
}

/// The messages the SMTP server received whose envelope names `to`, waiting up to 20 s for `n` of them.
pub async fn mail_to(sink: &Sink, to: &str, n: usize) -> Vec<std::path::PathBuf> {
    for _ in 0..200 {
        let found: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|m| Sink::recipients(m).iter().any(|r| r == to))
            .collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} messages to {to} within 20 s");
}

/// A call whose answer is not a `200` payload.
pub async fn raw(s: &Setup, role: Role, local: &str, payload: Value) -> gateway_e2e::Reply {
    call(&s.api, role, local, payload).await
}
