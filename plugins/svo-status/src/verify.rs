//! `VerifyQrRequest`: an employee scans a citizen's QR code. The answer is `VALID` with the participant's data,
//! `EXPIRED`, `NOT_FOUND`, or, when the employee scans for an organisation whose power of attorney the МЧД
//! policy step refused, `MCHD_INVALID` with its reason and the seed's advice. A valid scan made with a valid
//! power of attorney is recorded as a fact for that organisation; a scan as a private person is not.

use gateway_plugin_sdk::date::rfc3339;
use gateway_plugin_sdk::goscan::{MCHD_ADVICE, record_scan, scanned_for};
use gateway_plugin_sdk::guid;
use gateway_plugin_sdk::host::tokens::Lookup;
use gateway_plugin_sdk::prelude::*;

use crate::SCOPE;
use crate::config::Settings;
use crate::issue::stored;
use crate::messages::{NS, VerifyQrRequest, VerifyQrResponse};

/// Handles one `VerifyQrRequest`.
pub fn handle(req: &Request, _settings: &Settings) -> Result<Outcome, PluginError> {
    let input: VerifyQrRequest = req.decode()?;
    if let Some(denial) = &req.denial {
        let answer = VerifyQrResponse {
            result: "MCHD_INVALID",
            organisation: input.on_behalf_of.as_ref().map(|o| o.organisation.clone()),
            reason_code: Some(denial.code.clone()),
            message: Some(denial.message.clone()),
            advice: Some(MCHD_ADVICE.into()),
            ..VerifyQrResponse::default()
        };
        return Ok(req.reply(QName::new(NS, "VerifyQrResponse"), &answer)?);
    }
    let Some(guid) = guid_of(&input.qr) else {
        let answer = VerifyQrResponse {
            result: "NOT_FOUND",
            message: Some("QR-код не распознан".into()),
            ..VerifyQrResponse::default()
        };
        return Ok(req.reply(QName::new(NS, "VerifyQrResponse"), &answer)?);
    };
    let lookup = host::tokens::get(SCOPE, &guid)
        .map_err(|e| PluginError::new(format!("хранилище QR-кодов: {e:?}")))?;
    let mut expires = None;
    let answer = match lookup {
        Lookup::Live(token) => {
            expires = Some(token.expires_at);
            let mut answer = VerifyQrResponse {
                result: "VALID",
                guid: Some(guid),
                expires_at: Some(rfc3339(token.expires_at)),
                participant: Some(stored(&token)?),
                message: Some("Статус участника СВО подтверждён".into()),
                ..VerifyQrResponse::default()
            };
            // Recorded only when the scan is made for an organisation whose power of attorney was checked.
            if let Some(ogrn) = scanned_for(req, input.on_behalf_of.as_ref()) {
                answer.scan_id = Some(record_scan(ogrn, "svo-status"));
                answer.organisation = Some(ogrn.to_owned());
            }
            answer
        }
        Lookup::Expired(at) => VerifyQrResponse {
            result: "EXPIRED",
            guid: Some(guid),
            expires_at: Some(rfc3339(at)),
            message: Some("Срок действия QR-кода истёк".into()),
            ..VerifyQrResponse::default()
        },
        Lookup::Unknown => VerifyQrResponse {
            result: "NOT_FOUND",
            guid: Some(guid),
            message: Some("QR-код не найден".into()),
            ..VerifyQrResponse::default()
        },
    };
    let mut reply = Reply::new(QName::new(NS, "VerifyQrResponse"), &answer, req.format)?;
    if let Some(at) = expires {
        reply = reply.expires_at(at);
    }
    Ok(Outcome::Reply(reply))
}

/// The GUID in a scanned QR text: the full link `…/somc2/<guid>` or the bare GUID.
pub fn guid_of(qr: &str) -> Option<String> {
    let qr = qr.trim();
    let candidate = match qr.rfind("/somc2/") {
        Some(i) => &qr[i + "/somc2/".len()..],
        None => qr,
    };
    // Token ids are GUIDs in lower case: the canonical form.
    guid::normalize(candidate.split(['?', '#']).next()?.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::guid_of;

    #[test]
    fn guids_from_links_and_bare() {
        let g = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";
        assert_eq!(
            guid_of(&format!("https://www.gosuslugi.ru/somc2/{g}")).as_deref(),
            Some(g)
        );
        assert_eq!(
            guid_of(&format!("https://x/somc2/{}/?utm=1", g.to_uppercase())).as_deref(),
            Some(g)
        );
        assert_eq!(guid_of(&format!("  {g} ")).as_deref(), Some(g));
        assert_eq!(guid_of("https://www.gosuslugi.ru/somc2/not-a-guid"), None);
        assert_eq!(guid_of("hello"), None);
    }
}
