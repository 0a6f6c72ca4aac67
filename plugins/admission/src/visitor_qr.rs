//! `IssueVisitorQrRequest`: a visitor's personal QR code. A token of the scope `visitor-qr` holds the visitor's
//! СНИЛС and, when given, phone and e-mail (for a notice, should a case be reported) for `visitor_qr_ttl`; the QR
//! code holds the token's GUID only. Within its lifetime the same request (СНИЛС, phone and e-mail) gets the
//! same code, as the SVO QR; other contact details get a token of their own (see [`subject`]).

use gateway_plugin_sdk::date::rfc3339;
use gateway_plugin_sdk::host::tokens::Token;
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::failure::Failure;
use crate::fields::{self, Invalid};
use crate::messages::{IssueVisitorQrRequest, NS, Png, VisitorQrResponse};
use crate::records::VisitorData;
use crate::{SCOPE, answer};

/// Pixels per QR module of a visitor's PNG (shown on a phone's screen).
pub const QR_SCALE: u32 = 6;

/// Handles one `IssueVisitorQrRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: IssueVisitorQrRequest = req.decode()?;
    let data = match visitor(&input) {
        Ok(data) => data,
        Err(invalid) => {
            let response = VisitorQrResponse {
                result: Some(invalid.result),
                message: Some(invalid.message),
                ..VisitorQrResponse::default()
            };
            return answer(req, "VisitorQrResponse", &response);
        }
    };
    let subject = subject(&data);
    let token = match host::tokens::find_by_subject(SCOPE, &subject).map_err(tokens_failure)? {
        Some(token) => token,
        None => {
            let bytes = serde_json::to_vec(&data).map_err(|e| PluginError::new(e.to_string()))?;
            // If another node issued a token for the same details meanwhile, the host returns that one.
            host::tokens::issue(SCOPE, &subject, &bytes, settings.visitor_qr_ttl)
                .map_err(tokens_failure)?
        }
    };
    issued(req, &token)
}

/// What the token of a request holds: its fields checked.
pub fn visitor(input: &IssueVisitorQrRequest) -> Result<VisitorData, Invalid> {
    Ok(VisitorData {
        snils: fields::snils(&input.snils)?,
        phone: fields::given(&input.phone)
            .map(|phone| fields::mobile_field("Phone", &phone))
            .transpose()?,
        email: fields::given(&input.email)
            .map(|email| fields::email_field("Email", &email))
            .transpose()?,
    })
}

/// The token's subject: the СНИЛС together with the contact details as given (normalised), so that only the same
/// request gets the same token back. By the СНИЛС alone, a request naming someone else's СНИЛС with the
/// requester's own phone or e-mail would hand its token (and so the other's visits, and their notices) those
/// details. Unambiguous: the СНИЛС is 11 digits, the phone `+7…` or `-`, the e-mail (last) has an `@`.
pub fn subject(data: &VisitorData) -> String {
    format!(
        "{}/{}/{}",
        data.snils,
        data.phone.as_deref().unwrap_or("-"),
        data.email.as_deref().unwrap_or("-")
    )
}

/// A failure of the token store.
pub fn tokens_failure(error: HostError) -> Failure {
    Failure::host(
        "visitor QR tokens",
        error,
        "Хранилище QR-кодов временно недоступно. Повторите запрос позже.",
        "Хранилище QR-кодов не выполнило запрос",
    )
}

fn issued(req: &Request, token: &Token) -> Result<Outcome, Failure> {
    let png =
        host::qr::png(&token.id, QR_SCALE).map_err(|e| PluginError::new(format!("QR: {e:?}")))?;
    let response = VisitorQrResponse {
        token: Some(token.id.clone()),
        expires_at: Some(rfc3339(token.expires_at)),
        qr_png: Some(Png(png)),
        result: None,
        message: None,
    };
    // The answer lets its holder in: it must not outlive the token.
    let reply = Reply::new(QName::new(NS, "VisitorQrResponse"), &response, req.format)?
        .expires_at(token.expires_at);
    Ok(Outcome::Reply(reply))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{INVALID_FIELD, INVALID_SNILS};

    fn request(phone: Option<&str>, email: Option<&str>) -> IssueVisitorQrRequest {
        IssueVisitorQrRequest {
            snils: "112-233-445 95".into(),
            phone: phone.map(Into::into),
            email: email.map(Into::into),
        }
    }

    #[test]
    fn the_token_holds_canonical_identifiers() {
        assert_eq!(
            visitor(&request(Some("8 999 123-45-67"), Some(" ivan@example.ru "))),
            Ok(VisitorData {
                snils: "11223344595".into(),
                phone: Some("+79991234567".into()),
                email: Some("ivan@example.ru".into()),
            })
        );
        let bare = visitor(&request(Some(" "), None)).expect("valid");
        assert_eq!((bare.phone, bare.email), (None, None));
    }

    #[test]
    fn only_the_same_details_share_a_token() {
        let of = |phone: Option<&str>, email: Option<&str>| {
            subject(&visitor(&request(phone, email)).expect("valid"))
        };
        let own = of(Some("+79991234567"), Some("ivan@example.ru"));
        assert_eq!(own, "11223344595/+79991234567/ivan@example.ru");
        assert_eq!(
            of(Some("8 (999) 123-45-67"), Some(" ivan@example.ru ")),
            own,
            "the same details, written otherwise"
        );
        let others = [
            of(Some("+79990000666"), Some("ivan@example.ru")),
            of(Some("+79991234567"), Some("attacker@example.ru")),
            of(Some("+79991234567"), None),
            of(None, Some("ivan@example.ru")),
            of(None, None),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(other, &own, "{other}");
            assert!(!others[..i].contains(other), "{other}");
        }
        assert_eq!(of(None, None), "11223344595/-/-");
    }

    #[test]
    fn wrong_identifiers_are_answered_with_their_codes() {
        let mut wrong_snils = request(None, None);
        wrong_snils.snils = "112-233-445 96".into();
        assert_eq!(
            visitor(&wrong_snils).map_err(|e| e.result),
            Err(INVALID_SNILS)
        );
        let landline = visitor(&request(Some("+7 8652 23-45-67"), None)).expect_err("not mobile");
        assert_eq!(landline.result, INVALID_FIELD);
        assert!(landline.message.contains("Phone"), "{}", landline.message);
        let email = visitor(&request(None, Some("ivan@"))).expect_err("not an address");
        assert!(email.message.contains("Email"), "{}", email.message);
    }
}
