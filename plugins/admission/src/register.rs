//! `RegisterParticipantRequest`: the operator registers an approved application. The organisation becomes a
//! participant with an 8-character code (`participants`, organisation data only, no expiry), its application
//! `REGISTERED`, and its QR code, the link `<public_base_url>/admission/<code>`, is mailed to the application's
//! e-mail address.
//!
//! Operators see applications from `APPROVED` on: a submitted or a declined one is `NOT_FOUND` to them, as
//! `ApplicationStatusRequest` answers them. Registering a registered application answers the same participant.
//! Its letter is queued under the key `qr/<code>`, so asking again never mails twice; it does queue a letter that
//! failed to queue the first time.

use gateway_plugin_sdk::host::mail::{self, Message};
use gateway_plugin_sdk::host::store::{self, Put, PutResult};
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::failure::Failure;
use crate::letters::{QR_SUBJECT, qr_letter};
use crate::messages::{ApplicationIdRequest, FORBIDDEN, NOT_FOUND, ParticipantResponse, Png};
use crate::records::{APPLICATIONS, Application, PARTICIPANTS, Participant, Role, Status};
use crate::{answer, codes, repo};

/// Pixels per QR module of the organisation's PNG (printed at the entrance).
pub const QR_SCALE: u32 = 8;

/// Participant codes tried before giving up (each one taken already).
const CODE_ATTEMPTS: usize = 5;

/// Reads of the application tried (the first, and one after a concurrent change).
const ATTEMPTS: usize = 2;

/// Handles one `RegisterParticipantRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: ApplicationIdRequest = req.decode()?;
    let reply = |response: ParticipantResponse| answer(req, "ParticipantResponse", &response);
    if !settings.is_operator(&req.sender) {
        return reply(refusal(
            FORBIDDEN,
            None,
            "Участников регистрирует только оператор",
        ));
    }
    let Some(id) = repo::application_id(&input.application_id) else {
        return reply(not_found());
    };
    for _ in 0..ATTEMPTS {
        let Some(stored) = repo::application(&id)? else {
            return reply(not_found());
        };
        match stored.value.status {
            status if !operator_sees(status) => return reply(not_found()),
            Status::Registered => {
                let code = stored.value.participant_code.clone().ok_or_else(|| {
                    PluginError::new(
                        "Данные системы допуска повреждены: у заявки нет кода участника",
                    )
                })?;
                return registered(req, settings, &id, &code, &stored.value);
            }
            _ => {}
        }
        let now = host::ids::now_ms();
        let participant = create_participant(&id, &stored.value, now)?;
        let mut application = stored.value.clone();
        application.participant_code = Some(participant.code.clone());
        application.record(Status::Registered, now, Role::Operator, None);
        let put = repo::rewrite(APPLICATIONS, &id, &stored);
        match store::put_json(put, &application)? {
            PutResult::Written(_) => {
                return registered(req, settings, &id, &participant.code, &application);
            }
            // Someone changed the application meanwhile (another operator registered it, most likely): this
            // code is nobody's; read the application again.
            PutResult::Conflict(_) => {
                store::delete(PARTICIPANTS, &participant.code)?;
            }
        }
    }
    Err(
        PluginError::new("Заявка одновременно изменена другим запросом: повторите регистрацию")
            .into(),
    )
}

/// Whether an operator sees an application in `status`: from `APPROVED` on (as `ApplicationStatusRequest`
/// shows it), never a submitted or a declined one.
pub fn operator_sees(status: Status) -> bool {
    matches!(status, Status::Approved | Status::Registered)
}

/// A new participant for the application `id`, under a code nobody holds.
fn create_participant(
    id: &str,
    application: &Application,
    now: u64,
) -> Result<Participant, Failure> {
    for _ in 0..CODE_ATTEMPTS {
        let code = codes::participant_code(&host::ids::uuid())
            .ok_or_else(|| PluginError::new("the host's UUID is not one"))?;
        let participant = participant(&code, id, application, now);
        let put = Put::new(PARTICIPANTS, &code).at(now).if_absent();
        if let PutResult::Written(_) = store::put_json(put, &participant)? {
            return Ok(participant);
        }
    }
    Err(
        PluginError::new("Не удалось выбрать свободный код участника: повторите регистрацию")
            .into(),
    )
}

/// The participant record of an application: the organisation only, never its contact person.
pub fn participant(code: &str, id: &str, application: &Application, now: u64) -> Participant {
    Participant {
        code: code.to_owned(),
        application_id: id.to_owned(),
        name: application.organisation_name.clone(),
        ogrn: application.ogrn.clone(),
        email: application.email.clone(),
        registered_at: now,
    }
}

/// The answer for a registered application, after queueing its letter.
fn registered(
    req: &Request,
    settings: &Settings,
    id: &str,
    code: &str,
    application: &Application,
) -> Result<Outcome, Failure> {
    let link = repo::link(settings, code);
    let png = host::qr::png(&link, QR_SCALE).map_err(|e| PluginError::new(format!("QR: {e:?}")))?;
    let letter = Message::new(
        &application.email,
        QR_SUBJECT,
        qr_letter(&application.organisation_name, &link, code),
        format!("qr/{code}"),
    )
    .attach(format!("qr-{code}.png"), "image/png", png.clone());
    let message = match mail::send(letter) {
        Ok(true) => "Организация зарегистрирована; QR-код отправлен на её адрес электронной почты",
        Ok(false) => "Организация уже зарегистрирована; QR-код был отправлен на её адрес ранее",
        Err(e) => {
            host::log::warn(&format!(
                "the QR letter of a participant was not queued: {e:?}"
            ));
            "Организация зарегистрирована, но письмо с QR-кодом не отправлено: повторите запрос позже, чтобы \
             отправить его"
        }
    };
    answer(
        req,
        "ParticipantResponse",
        &ParticipantResponse {
            application_id: Some(id.to_owned()),
            status: Some(Status::Registered.name()),
            participant_code: Some(code.to_owned()),
            registration_link: Some(link),
            qr_png: Some(Png(png)),
            result: None,
            message: Some(message.into()),
        },
    )
}

fn not_found() -> ParticipantResponse {
    refusal(NOT_FOUND, None, "Заявка не найдена")
}

fn refusal(result: &'static str, status: Option<Status>, message: &str) -> ParticipantResponse {
    ParticipantResponse {
        status: status.map(Status::name),
        result: Some(result),
        message: Some(message.into()),
        ..ParticipantResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Sphere;

    #[test]
    fn operators_see_approved_and_registered_applications_only() {
        assert!(!operator_sees(Status::Submitted));
        assert!(!operator_sees(Status::Declined), "NOT_FOUND, as its status");
        assert!(operator_sees(Status::Approved) && operator_sees(Status::Registered));
        // The same rule as the status request's.
        let settings = crate::config::example();
        let mut application: Application = serde_json::from_value(serde_json::json!({
            "submitter": "S", "coordinator": "sport", "status": "SUBMITTED",
            "organisationName": "О", "headPosition": "Д", "headName": "И", "address": "А",
            "ogrn": "1027700132195", "inn": "7707083893", "email": "a@b.ru",
            "contactPosition": "М", "contactName": "П", "contactPhone": "+78652000000", "history": []
        }))
        .expect("an application");
        for status in [
            Status::Submitted,
            Status::Approved,
            Status::Declined,
            Status::Registered,
        ] {
            application.status = status;
            assert_eq!(
                operator_sees(status),
                crate::status::visible(&application, "RIAC_SK", &settings),
                "{status:?}"
            );
        }
    }

    #[test]
    fn a_participant_holds_no_contact_person() {
        let application = Application {
            submitter: "S".into(),
            coordinator: Sphere::Sport,
            status: Status::Approved,
            organisation_name: "ГБУ «Стадион Динамо»".into(),
            head_position: "Директор".into(),
            head_name: "Иванов Иван".into(),
            address: "Ставрополь".into(),
            ogrn: "1027700132195".into(),
            inn: "7707083893".into(),
            email: "stadion@example.ru".into(),
            contact_position: "Администратор".into(),
            contact_name: "Петрова Анна".into(),
            contact_phone: "+79990001122".into(),
            participant_code: None,
            history: Vec::new(),
        };
        let p = participant("7KX2M9QD", "app-1", &application, 9);
        assert_eq!(
            (
                p.code.as_str(),
                p.application_id.as_str(),
                p.name.as_str(),
                p.ogrn.as_str()
            ),
            ("7KX2M9QD", "app-1", "ГБУ «Стадион Динамо»", "1027700132195")
        );
        let json = serde_json::to_string(&p).expect("json");
        for personal in ["Петрова", "Иванов", "+7999"] {
            assert!(!json.contains(personal), "{json}");
        }
    }
}
