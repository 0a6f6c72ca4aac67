//! `VerifyCertificateRequest`: a scanned large-family certificate QR code, looked up in the data bank.
//!
//! The answers are the seed's: the family found (`VALID`, with what its screen shows), or one of the distinct
//! "not found" variants (`NOT_FOUND`, `EXPIRED`, `ANNULLED`), a QR that holds no certificate
//! (`QR_NOT_RECOGNISED`, the seed's first error), a refused power of attorney (`MCHD_INVALID` with the seed's
//! advice), or, when the bank cannot answer, a retryable status. A valid scan made for an organisation with a
//! valid power of attorney is recorded as a fact of that organisation; a scan as a private person is not.

use gateway_plugin_sdk::date::Date;
use gateway_plugin_sdk::goscan::{MCHD_ADVICE, record_scan, scanned_for};
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::messages::{
    BankAnswer, BankCertificate, Certificate, NS, Person, VerifyCertificateRequest,
    VerifyCertificateResponse,
};

/// The business status code of "the data bank is unavailable, ask again later".
pub const BANK_UNAVAILABLE: i32 = 503;

/// The document type facts and reports name.
pub const DOCUMENT_TYPE: &str = "large-family";

/// The path segment of a certificate link, `…/mnogodet/<number>`.
const LINK_SEGMENT: &str = "/mnogodet/";

/// Handles one `VerifyCertificateRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, PluginError> {
    let input: VerifyCertificateRequest = req.decode()?;
    if let Some(denial) = &req.denial {
        return answer(
            req,
            VerifyCertificateResponse {
                result: "MCHD_INVALID",
                organisation: input.on_behalf_of.as_ref().map(|o| o.organisation.clone()),
                reason_code: Some(denial.code.clone()),
                message: Some(denial.message.clone()),
                advice: Some(MCHD_ADVICE.into()),
                ..VerifyCertificateResponse::default()
            },
        );
    }
    let Some(number) = number_of(&input.qr) else {
        return answer(
            req,
            VerifyCertificateResponse {
                result: "QR_NOT_RECOGNISED",
                message: Some("QR-код удостоверения не распознан".into()),
                ..VerifyCertificateResponse::default()
            },
        );
    };
    let bank: BankAnswer = match host::registry::call_json(
        &settings.bank_adapter,
        "certificate",
        &serde_json::json!({ "number": number }),
    ) {
        Ok(a) => a,
        Err(e) if e.is_unavailable() => {
            host::log::warn(&format!("large-family data bank unavailable: {e}"));
            return Ok(Outcome::status(
                BANK_UNAVAILABLE,
                "Банк данных многодетных семей временно недоступен. Повторите сканирование позже.",
                Some(30_000),
            ));
        }
        Err(e) => {
            host::log::warn(&format!("large-family data bank failed: {e}"));
            return Err(PluginError::new(
                "Банк данных многодетных семей не смог обработать запрос",
            ));
        }
    };
    let certificate = match (bank.found, bank.certificate) {
        (true, Some(c)) => c,
        _ => {
            return answer(
                req,
                VerifyCertificateResponse {
                    result: "NOT_FOUND",
                    message: Some("Сведения о многодетной семье не найдены".into()),
                    ..VerifyCertificateResponse::default()
                },
            );
        }
    };
    let today = Date::moscow(host::ids::now_ms());
    let verdict = verdict(&certificate, today);
    let shown = shown(certificate, settings.show_children_names);
    let mut response = VerifyCertificateResponse {
        result: verdict.result,
        message: Some(verdict.message.into()),
        certificate: Some(shown),
        ..VerifyCertificateResponse::default()
    };
    // Recorded only when a valid certificate is scanned for an organisation whose power of attorney was checked.
    if verdict.result == "VALID"
        && let Some(ogrn) = scanned_for(req, input.on_behalf_of.as_ref())
    {
        response.scan_id = Some(record_scan(ogrn, DOCUMENT_TYPE));
        response.organisation = Some(ogrn.to_owned());
    }
    answer(req, response)
}

fn answer(req: &Request, response: VerifyCertificateResponse) -> Result<Outcome, PluginError> {
    Ok(req.reply(QName::new(NS, "VerifyCertificateResponse"), &response)?)
}

/// The result and message of a found certificate on `today`.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    pub result: &'static str,
    pub message: &'static str,
}

/// Annulled wins over expired; a certificate is valid through its last day; an unreadable date is expired.
pub fn verdict(certificate: &BankCertificate, today: Date) -> Verdict {
    if certificate.status == "ANNULLED" {
        return Verdict {
            result: "ANNULLED",
            message: "Удостоверение многодетной семьи аннулировано",
        };
    }
    match Date::parse(&certificate.valid_until) {
        Some(until) if today <= until => Verdict {
            result: "VALID",
            message: "Статус многодетной семьи подтверждён",
        },
        _ => Verdict {
            result: "EXPIRED",
            message: "Срок действия удостоверения многодетной семьи истёк",
        },
    }
}

/// What the answer shows of `certificate`: the children's names only when `with_children_names`.
pub fn shown(certificate: BankCertificate, with_children_names: bool) -> Certificate {
    let children_count = certificate.children.len();
    Certificate {
        number: certificate.number,
        issued_at: certificate.issued_at,
        valid_until: certificate.valid_until,
        region: certificate.region,
        parent: certificate
            .parents
            .into_iter()
            .take(2)
            .map(Person::from)
            .collect(),
        children_count,
        child: if with_children_names {
            certificate.children.into_iter().map(Person::from).collect()
        } else {
            Vec::new()
        },
    }
}

/// The certificate number in a scanned QR text: the link `…/mnogodet/<number>` or the bare number.
pub fn number_of(qr: &str) -> Option<String> {
    let qr = qr.trim();
    let candidate = match qr.rfind(LINK_SEGMENT) {
        Some(i) => &qr[i + LINK_SEGMENT.len()..],
        None => qr,
    };
    let number = candidate.split(['?', '#']).next()?.trim_end_matches('/');
    is_certificate_number(number).then(|| number.to_owned())
}

/// Two digits of the region, a dash, 4 to 12 digits.
fn is_certificate_number(number: &str) -> bool {
    let Some((region, serial)) = number.split_once('-') else {
        return false;
    };
    region.len() == 2
        && (4..=12).contains(&serial.len())
        && region
            .bytes()
            .chain(serial.bytes())
            .all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::BankPerson;

    fn certificate(status: &str, valid_until: &str) -> BankCertificate {
        let person = |last: &str, first: &str| BankPerson {
            last_name: last.into(),
            first_name: first.into(),
            middle_name: None,
        };
        BankCertificate {
            number: "77-0012345".into(),
            status: status.into(),
            issued_at: "2024-02-01".into(),
            valid_until: valid_until.into(),
            region: "г. Москва".into(),
            parents: vec![person("Многодетова", "Ольга")],
            children: vec![person("Многодетов", "Иван"), person("Многодетова", "Мария")],
        }
    }

    #[test]
    fn numbers_from_links_and_bare() {
        for qr in [
            "https://www.gosuslugi.ru/mnogodet/77-0012345",
            "https://www.gosuslugi.ru/mnogodet/77-0012345/?from=qr",
            " 77-0012345 ",
        ] {
            assert_eq!(number_of(qr).as_deref(), Some("77-0012345"), "{qr}");
        }
        for qr in [
            "https://www.gosuslugi.ru/somc2/3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60",
            "770012345",
            "7-0012345",
            "hello",
        ] {
            assert_eq!(number_of(qr), None, "{qr}");
        }
    }

    #[test]
    fn verdicts_on_the_last_day_and_after() {
        let day = |s: &str| Date::parse(s).expect("date");
        let until = "2030-01-31";
        assert_eq!(
            verdict(&certificate("ACTIVE", until), day(until)).result,
            "VALID"
        );
        assert_eq!(
            verdict(&certificate("ACTIVE", until), day("2030-02-01")).result,
            "EXPIRED"
        );
        assert_eq!(
            verdict(&certificate("ANNULLED", until), day("2026-01-01")).result,
            "ANNULLED"
        );
        assert_eq!(
            verdict(&certificate("ACTIVE", "soon"), day("2026-01-01")).result,
            "EXPIRED"
        );
    }

    #[test]
    fn children_are_counted_and_named_only_when_enabled() {
        let hidden = shown(certificate("ACTIVE", "2030-01-31"), false);
        assert_eq!((hidden.children_count, hidden.child.len()), (2, 0));
        let named = shown(certificate("ACTIVE", "2030-01-31"), true);
        assert_eq!(named.child[1].first_name, "Мария");
    }
}
