//! `CheckVisitorRequest`: the staff of a participant scans a visitor's personal QR code. For a live code the
//! register of confirmed diagnoses is asked whether the visitor may be admitted; it answers admit or refuse,
//! never the diagnosis, and so does the plugin («Допуск не разрешён»). The visit is registered either way; only
//! admitted visits count for contacts.

use gateway_plugin_sdk::guid;
use gateway_plugin_sdk::host::tokens::Lookup;
use gateway_plugin_sdk::prelude::*;
use serde::Deserialize;

use crate::config::Settings;
use crate::failure::Failure;
use crate::messages::{AdmissionResponse, CheckVisitorRequest, QR_EXPIRED, QR_UNKNOWN};
use crate::records::{Decision, Via, Visit, VisitorData};
use crate::visitor_qr::tokens_failure;
use crate::{SCOPE, answer, repo, visits};

/// What the register answers.
#[derive(Debug, Deserialize)]
struct RegisterAnswer {
    admit: bool,
}

/// Handles one `CheckVisitorRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: CheckVisitorRequest = req.decode()?;
    let reply = |response: AdmissionResponse| answer(req, "AdmissionResponse", &response);
    let Some(participant) = repo::participant_named(&input.participant_code)? else {
        return reply(visits::participant_unknown());
    };
    let Some(guid) = guid_of(&input.qr) else {
        return reply(qr_unknown());
    };
    let visitor: VisitorData = match host::tokens::get(SCOPE, &guid).map_err(tokens_failure)? {
        Lookup::Live(token) => serde_json::from_slice(&token.data)
            .map_err(|e| PluginError::new(format!("данные QR-кода повреждены: {e}")))?,
        Lookup::Expired(_) => {
            return reply(visits::refused(
                QR_EXPIRED,
                "Срок действия QR-кода истёк: попросите посетителя получить новый",
            ));
        }
        Lookup::Unknown => return reply(qr_unknown()),
    };
    let decision = admit(settings, &visitor.snils)?;
    let now = host::ids::now_ms();
    let visit = Visit {
        participant: participant.code,
        snils: Some(visitor.snils),
        phone: visitor.phone,
        email: visitor.email,
        via: Via::Qr,
        decision,
    };
    let id = visits::register(&visit, now, settings)?;
    reply(visits::decided(decision, id))
}

/// What the register of confirmed diagnoses says of the visitor with `snils`.
fn admit(settings: &Settings, snils: &str) -> Result<Decision, Failure> {
    let answer: RegisterAnswer = match host::registry::call_json(
        &settings.register_adapter,
        "check",
        &serde_json::json!({ "snils": snils }),
    ) {
        Ok(answer) => answer,
        Err(e) if e.is_unavailable() => {
            host::log::warn(&format!("the register of diagnoses is unavailable: {e}"));
            return Err(Failure::Unavailable(
                "Реестр подтверждённых диагнозов временно недоступен. Повторите проверку позже.",
            ));
        }
        Err(e) => {
            host::log::warn(&format!("the register of diagnoses failed: {e}"));
            return Err(PluginError::new(
                "Реестр подтверждённых диагнозов не смог обработать запрос",
            )
            .into());
        }
    };
    Ok(if answer.admit {
        Decision::Admit
    } else {
        Decision::Refuse
    })
}

fn qr_unknown() -> AdmissionResponse {
    visits::refused(QR_UNKNOWN, "QR-код не найден в системе допуска")
}

/// The token GUID of a scanned text: the GUID itself, or any text ending with it (a link, say).
pub fn guid_of(qr: &str) -> Option<String> {
    let qr = qr.trim().trim_end_matches('/');
    let start = qr.len().checked_sub(36)?;
    guid::normalize(qr.get(start..)?)
}

#[cfg(test)]
mod tests {
    use super::guid_of;

    const GUID: &str = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";

    #[test]
    fn guids_bare_or_at_the_end() {
        assert_eq!(guid_of(GUID).as_deref(), Some(GUID));
        assert_eq!(
            guid_of(&format!(" {} ", GUID.to_uppercase())).as_deref(),
            Some(GUID)
        );
        assert_eq!(
            guid_of(&format!("https://x.ru/v/{GUID}")).as_deref(),
            Some(GUID)
        );
        assert_eq!(guid_of(&format!("visitor:{GUID}/")).as_deref(), Some(GUID));
        assert_eq!(guid_of(&format!("Пропуск {GUID}")).as_deref(), Some(GUID));
        for bad in [
            "",
            "short",
            &format!("{GUID}?x=1"),
            &GUID.replace('-', ""),
            "ж".repeat(20).as_str(),
        ] {
            assert_eq!(guid_of(bad), None, "{bad}");
        }
    }
}
