//! `IssueQrRequest`: a citizen's QR code. Within its lifetime the same citizen gets the same QR without
//! another showcase call; otherwise the MoD showcase is asked and, if the citizen is a participant, a token
//! holding the showcase data is issued for `qr_ttl` and its link drawn as a QR code.

use base64::Engine;
use gateway_plugin_sdk::date::rfc3339;
use gateway_plugin_sdk::host::tokens::Token;
use gateway_plugin_sdk::identifiers;
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::messages::{IssueQrRequest, IssueQrResponse, NS, Participant, ShowcaseAnswer};
use crate::{SCOPE, link};

/// The business status code of "the showcase is unavailable, ask again later".
pub const SHOWCASE_UNAVAILABLE: i32 = 503;

/// Handles one `IssueQrRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, PluginError> {
    let input: IssueQrRequest = req.decode()?;
    // The gateway's edge checks already refused malformed numbers; this is the subject's canonical form.
    let snils = identifiers::normalize_snils(&input.snils)
        .map_err(|e| PluginError::new(format!("СНИЛС: {e}")))?;
    if let Some(token) = host::tokens::find_by_subject(SCOPE, &snils).map_err(host_failure)? {
        let participant = stored(&token)?;
        return issued(req, settings, &token, participant);
    }
    let answer: ShowcaseAnswer = match host::registry::call_json(
        &settings.showcase_adapter,
        "lookup",
        &serde_json::json!({ "snils": snils }),
    ) {
        Ok(a) => a,
        Err(e) if e.is_unavailable() => {
            host::log::warn(&format!("MoD showcase unavailable: {e}"));
            return Ok(Outcome::status(
                SHOWCASE_UNAVAILABLE,
                "Витрина Минобороны временно недоступна. Повторите запрос позже.",
                Some(30_000),
            ));
        }
        Err(e) => {
            // What went wrong (an adapter's configuration, the showcase's answer) is the operator's
            // business: it goes to the log, the sender reads only that the showcase failed.
            host::log::warn(&format!("MoD showcase failed: {e}"));
            return Err(PluginError::new(
                "Витрина Минобороны не смогла обработать запрос",
            ));
        }
    };
    let person = match (answer.found, answer.person) {
        (true, Some(p)) => Participant::from(p),
        _ => return not_found(req, settings),
    };
    if !same_person(&input, &person) {
        return Ok(Outcome::rejected(
            RejectCode::AccessDenied,
            "Данные заявителя не совпадают с данными витрины Минобороны",
        ));
    }
    let data = serde_json::to_vec(&person).map_err(|e| PluginError::new(e.to_string()))?;
    // If another node issued a token for this citizen meanwhile, the host returns that one.
    let token = host::tokens::issue(SCOPE, &snils, &data, settings.qr_ttl).map_err(host_failure)?;
    let participant = stored(&token)?;
    issued(req, settings, &token, participant)
}

fn host_failure(e: HostError) -> PluginError {
    PluginError::new(format!("хранилище QR-кодов: {e:?}"))
}

/// The participant data kept with a token.
pub fn stored(token: &Token) -> Result<Participant, PluginError> {
    serde_json::from_slice(&token.data)
        .map_err(|e| PluginError::new(format!("данные QR-кода повреждены: {e}")))
}

fn issued(
    req: &Request,
    settings: &Settings,
    token: &Token,
    participant: Participant,
) -> Result<Outcome, PluginError> {
    let link = link(settings, &token.id);
    let png = host::qr::png(&link, settings.qr_scale)
        .map_err(|e| PluginError::new(format!("QR: {e:?}")))?;
    let svg = host::qr::svg(&link).map_err(|e| PluginError::new(format!("QR: {e:?}")))?;
    let answer = IssueQrResponse {
        status: "ISSUED",
        guid: Some(token.id.clone()),
        link: Some(link),
        expires_at: Some(rfc3339(token.expires_at)),
        qr_png: Some(base64::engine::general_purpose::STANDARD.encode(png)),
        qr_svg: Some(svg),
        participant: Some(participant),
        ..IssueQrResponse::default()
    };
    // The answer holds the showcase data: it must not outlive the token.
    let reply = Reply::new(QName::new(NS, "IssueQrResponse"), &answer, req.format)?
        .expires_at(token.expires_at);
    Ok(Outcome::Reply(reply))
}

fn not_found(req: &Request, settings: &Settings) -> Result<Outcome, PluginError> {
    let answer = IssueQrResponse {
        status: "NOT_FOUND",
        certificate_form_url: Some(settings.certificate_form_url.clone()),
        message: Some(
            "Сведения об участии в СВО не найдены в витрине Минобороны. Запросите справку об участии в СВО \
             через форму услуги ВСЦ Минобороны."
                .into(),
        ),
        ..IssueQrResponse::default()
    };
    Ok(req.reply(QName::new(NS, "IssueQrResponse"), &answer)?)
}

/// Names and birth date given in the request (from the citizen's confirmed account) must agree with the
/// showcase; those not given are not compared.
fn same_person(input: &IssueQrRequest, p: &Participant) -> bool {
    let eq = |given: &Option<String>, known: &str| {
        given
            .as_deref()
            .is_none_or(|g| normalize(g) == normalize(known))
    };
    eq(&input.last_name, &p.last_name)
        && eq(&input.first_name, &p.first_name)
        && eq(&input.middle_name, p.middle_name.as_deref().unwrap_or(""))
        && eq(&input.birth_date, &p.birth_date)
}

/// Case- and ё-insensitive form of a name.
fn normalize(s: &str) -> String {
    s.trim().to_lowercase().replace('ё', "е")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Participant {
        Participant {
            last_name: "Ёжиков".into(),
            first_name: "Пётр".into(),
            middle_name: Some("Иванович".into()),
            birth_date: "1980-01-02".into(),
            ..Participant::default()
        }
    }

    fn request(last: Option<&str>, birth: Option<&str>) -> IssueQrRequest {
        IssueQrRequest {
            snils: "112-233-445 95".into(),
            last_name: last.map(Into::into),
            first_name: None,
            middle_name: None,
            birth_date: birth.map(Into::into),
        }
    }

    #[test]
    fn names_compare_without_case_and_yo() {
        assert!(same_person(&request(None, None), &person()));
        assert!(same_person(
            &request(Some("ежиков"), Some("1980-01-02")),
            &person()
        ));
        assert!(!same_person(&request(Some("Ежов"), None), &person()));
        assert!(!same_person(&request(None, Some("1980-01-03")), &person()));
    }
}
