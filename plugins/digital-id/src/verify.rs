//! `VerifyDigitalIdRequest`: a scanned QR code of a holder's Digital ID, checked with its issuer.
//!
//! A passport QR shows the holder and the passport; an age QR answers only whether the holder is an adult
//! (18+) and each age the operator configured, with the photo reference, never the birth date. An ID made from
//! a driving licence presents only the age QR: its passport QR is refused (`PASSPORT_NOT_AVAILABLE`). Codes are
//! short-lived: an expired one is `EXPIRED`; a single-use one shown again is `USED`. A valid scan for an
//! organisation whose power of attorney the МЧД policy step passed is recorded; a private one is not.

use gateway_plugin_sdk::date::{Date, rfc3339};
use gateway_plugin_sdk::goscan::{MCHD_ADVICE, record_scan, scanned_for};
use gateway_plugin_sdk::prelude::*;

use crate::config::{ADULT, Settings};
use crate::messages::{
    AgeCheck, Holder, IssuerAnswer, NS, Passport, Person, VerifyDigitalIdRequest,
    VerifyDigitalIdResponse,
};

/// The business status code of "the issuer is unavailable, ask again later".
pub const ISSUER_UNAVAILABLE: i32 = 503;

/// The document type facts and reports name.
pub const DOCUMENT_TYPE: &str = "digital-id";

/// The host of the issuer's QR links: `https://id.max.ru/<kind>/<code>`.
const LINK_HOST: &str = "id.max.ru/";

/// What a QR code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Passport,
    Age,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Passport => "PASSPORT",
            Kind::Age => "AGE",
        }
    }

    fn issuer_name(self) -> &'static str {
        match self {
            Kind::Passport => "passport",
            Kind::Age => "age",
        }
    }
}

/// Handles one `VerifyDigitalIdRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, PluginError> {
    let input: VerifyDigitalIdRequest = req.decode()?;
    let refused = |result: &'static str, message: &str| VerifyDigitalIdResponse {
        result,
        message: Some(message.into()),
        ..VerifyDigitalIdResponse::default()
    };
    if let Some(denial) = &req.denial {
        return answer(
            req,
            VerifyDigitalIdResponse {
                organisation: input.on_behalf_of.as_ref().map(|o| o.organisation.clone()),
                reason_code: Some(denial.code.clone()),
                advice: Some(MCHD_ADVICE.into()),
                ..refused("MCHD_INVALID", &denial.message)
            },
        );
    }
    let Some((kind, code)) = code_of(&input.qr) else {
        return answer(
            req,
            refused("QR_NOT_RECOGNISED", "QR-код Цифрового ID не распознан"),
        );
    };
    let issuer: IssuerAnswer = match host::registry::call_json(
        &settings.issuer_adapter,
        "resolve",
        &serde_json::json!({ "code": code }),
    ) {
        Ok(a) => a,
        Err(e) if e.is_unavailable() => {
            host::log::warn(&format!("Digital ID issuer unavailable: {e}"));
            return Ok(Outcome::status(
                ISSUER_UNAVAILABLE,
                "Сервис Цифрового ID временно недоступен. Повторите сканирование позже.",
                Some(15_000),
            ));
        }
        Err(e) => {
            host::log::warn(&format!("Digital ID issuer failed: {e}"));
            return Err(PluginError::new(
                "Сервис Цифрового ID не смог обработать запрос",
            ));
        }
    };
    let (holder, expires_at_ms) = match issuer.status.as_str() {
        "VALID" if issuer.kind.as_deref() == Some(kind.issuer_name()) => {
            match (issuer.holder, issuer.expires_at_ms) {
                (Some(holder), Some(at)) => (holder, at),
                _ => return Err(PluginError::new("Сервис Цифрового ID ответил не полностью")),
            }
        }
        "EXPIRED" => {
            return answer(
                req,
                refused(
                    "EXPIRED",
                    "Срок действия QR-кода истёк: попросите показать новый",
                ),
            );
        }
        "USED" => {
            return answer(
                req,
                refused("USED", "QR-код одноразовый и уже был предъявлен"),
            );
        }
        _ => return answer(req, refused("NOT_FOUND", "QR-код Цифрового ID не найден")),
    };
    if kind == Kind::Passport && holder.basis == "licence" {
        return answer(
            req,
            refused(
                "PASSPORT_NOT_AVAILABLE",
                "Цифровой ID создан по водительскому удостоверению: он подтверждает только возраст",
            ),
        );
    }
    let today = Date::moscow(host::ids::now_ms());
    let mut response = shown(kind, holder, today, &settings.checked_ages())?;
    response.expires_at = Some(rfc3339(expires_at_ms));
    if let Some(ogrn) = scanned_for(req, input.on_behalf_of.as_ref()) {
        response.scan_id = Some(record_scan(ogrn, DOCUMENT_TYPE));
        response.organisation = Some(ogrn.to_owned());
    }
    answer(req, response)
}

fn answer(req: &Request, response: VerifyDigitalIdResponse) -> Result<Outcome, PluginError> {
    Ok(req.reply(QName::new(NS, "VerifyDigitalIdResponse"), &response)?)
}

/// What a valid code shows: the holder and the passport (passport QR), or the age checks (age QR: never the
/// birth date, nor the name).
pub fn shown(
    kind: Kind,
    holder: Holder,
    today: Date,
    ages: &[u8],
) -> Result<VerifyDigitalIdResponse, PluginError> {
    let mut response = VerifyDigitalIdResponse {
        result: "VALID",
        kind: Some(kind.name()),
        photo_ref: Some(holder.photo_ref),
        ..VerifyDigitalIdResponse::default()
    };
    match kind {
        Kind::Passport => {
            response.message = Some("Паспорт подтверждён Цифровым ID".into());
            response.passport = holder.passport.map(|p| Passport {
                series: p.series,
                number: p.number,
                issued_at: p.issued_at,
                issuer: p.issuer,
            });
            response.person = Some(Person {
                last_name: holder.last_name,
                first_name: holder.first_name,
                middle_name: holder.middle_name.filter(|m| !m.is_empty()),
                birth_date: holder.birth_date,
            });
        }
        Kind::Age => {
            let born = Date::parse(&holder.birth_date)
                .ok_or_else(|| PluginError::new("Сервис Цифрового ID прислал неверную дату"))?;
            let years = age(born, today);
            response.adult = Some(years >= u32::from(ADULT));
            response.age_check = ages
                .iter()
                .map(|&a| AgeCheck {
                    age: a,
                    passed: years >= u32::from(a),
                })
                .collect();
            response.message = Some(if years >= u32::from(ADULT) {
                "Совершеннолетие подтверждено Цифровым ID".into()
            } else {
                "Владелец Цифрового ID несовершеннолетний".into()
            });
        }
    }
    Ok(response)
}

/// Full years from `born` to `today` (a birthday counts on its day; 29 February on 1 March in other years).
pub fn age(born: Date, today: Date) -> u32 {
    let mut years = today.year - born.year;
    if (today.month, today.day) < (born.month, born.day) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The kind and code of a scanned QR text: `https://id.max.ru/passport/<code>` or `…/age/<code>`.
pub fn code_of(qr: &str) -> Option<(Kind, String)> {
    let qr = qr.trim();
    let path = &qr[qr.find(LINK_HOST)? + LINK_HOST.len()..];
    let path = path.split(['?', '#']).next()?.trim_end_matches('/');
    let (kind, code) = path.split_once('/')?;
    let kind = match kind {
        "passport" => Kind::Passport,
        "age" => Kind::Age,
        _ => return None,
    };
    let valid = (8..=128).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    valid.then(|| (kind, code.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        Date::parse(s).expect("date")
    }

    fn holder(born: &str) -> Holder {
        Holder {
            basis: "biometrics".into(),
            last_name: "Цифрова".into(),
            first_name: "Ида".into(),
            middle_name: None,
            birth_date: born.into(),
            photo_ref: "photo".into(),
            passport: None,
        }
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        assert_eq!(age(day("2008-03-15"), day("2026-03-14")), 17);
        assert_eq!(age(day("2008-03-15"), day("2026-03-15")), 18);
        assert_eq!(age(day("2008-02-29"), day("2026-02-28")), 17);
        assert_eq!(age(day("2008-02-29"), day("2026-03-01")), 18);
        assert_eq!(age(day("2030-01-01"), day("2026-03-01")), 0);
    }

    #[test]
    fn an_age_check_never_shows_the_birth_date_or_the_name() {
        let shown = shown(
            Kind::Age,
            holder("2006-11-20"),
            day("2026-12-05"),
            &[18, 21],
        )
        .expect("valid");
        assert_eq!(shown.adult, Some(true));
        assert_eq!(
            shown.age_check,
            [
                AgeCheck {
                    age: 18,
                    passed: true
                },
                AgeCheck {
                    age: 21,
                    passed: false
                }
            ]
        );
        assert!(shown.person.is_none() && shown.passport.is_none());
        let text = format!("{shown:?}");
        assert!(
            !text.contains("2006") && !text.contains("Цифрова"),
            "{text}"
        );
    }

    #[test]
    fn codes_from_links() {
        assert_eq!(
            code_of("https://id.max.ru/age/demo-age-0001"),
            Some((Kind::Age, "demo-age-0001".into()))
        );
        assert_eq!(
            code_of(" https://id.max.ru/passport/0123456789abcdef/?x=1 "),
            Some((Kind::Passport, "0123456789abcdef".into()))
        );
        for qr in [
            "https://id.max.ru/visa/0123456789",
            "https://id.max.ru/age/short",
            "https://www.gosuslugi.ru/mnogodet/77-0012345",
            "demo-age-0001",
        ] {
            assert_eq!(code_of(qr), None, "{qr}");
        }
    }
}
