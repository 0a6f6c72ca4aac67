//! The page an organisation's QR code opens: `<prefix><participant code>` (the gateway maps `/admission/` to this
//! plugin). GET shows the registration form titled with the organisation's name; its POST (field `phone`) sends
//! an SMS code to a Russian mobile number and shows where it went, masked (200), or asks again for the number
//! (422), says that the number asked too often (429) or that the SMS could not be sent (503). An unknown code
//! is a 404 page. No JavaScript, inline CSS, readable at 320 pixels; never cached, never echoing the phone.
//!
//! [`render`] takes the participant lookup and the sending as functions, so the page is tested natively.

use gateway_plugin_sdk::html::{self, Slot};
use gateway_plugin_sdk::prelude::*;

use crate::failure::Failure;
use crate::fields;
use crate::records::Participant;
use crate::send_code::Sending;

/// The page's template: `{{title}}` (text) and `{{body}}` (HTML).
const TEMPLATE: &str = include_str!("page.html");

/// What a number that is not a Russian mobile one is told.
pub const WRONG_PHONE: &str = "Введите номер мобильного телефона в формате +7 9XX XXX-XX-XX";

/// What a number that asked for too many codes is told.
pub const TOO_MANY: &str = "Слишком много запросов кода для этого номера. Попробуйте позже.";

/// The page for `req`: `lookup` finds the participant of a code, `send` sends a code to a phone (`+79…`).
pub fn render(
    req: &PageRequest,
    lookup: impl FnOnce(&str) -> Result<Option<Participant>, Failure>,
    send: impl FnOnce(&Participant, &str) -> Result<Sending, Failure>,
) -> Result<PageResponse, Failure> {
    let mut segments = req.segments();
    let code = match (segments.next(), segments.next()) {
        (Some(segment), None) => fields::participant_code(segment),
        _ => None,
    };
    let Some(code) = code else {
        return not_found();
    };
    let Some(participant) = lookup(&code)? else {
        return not_found();
    };
    let action = format!("{}{}", req.prefix, participant.code);
    if !req.is_post() {
        return form(200, &participant.name, &action, None);
    }
    let Some(phone) = req.form_value("phone").and_then(fields::mobile) else {
        return form(422, &participant.name, &action, Some(WRONG_PHONE));
    };
    match send(&participant, &phone)? {
        Sending::Sent(masked) => {
            let body = format!(
                "<h2>Регистрация посещения</h2>\
                 <p id=\"result\" class=\"ok\">Код отправлен на <span class=\"nowrap\">{}</span>. Покажите его сотруднику на входе.</p>\
                 <p class=\"note\">Код не пришёл? <a href=\"{}\">Запросить код ещё раз</a></p>",
                html::escape(&masked),
                html::escape(&action),
            );
            page(200, &participant.name, &body)
        }
        Sending::TooMany => {
            let body = format!(
                "<h2>Регистрация посещения</h2><p id=\"error\" class=\"warn\" role=\"alert\">{}</p>",
                html::escape(TOO_MANY)
            );
            page(429, &participant.name, &body)
        }
        Sending::SmsFailed => form(
            503,
            &participant.name,
            &action,
            Some("Не удалось отправить SMS. Попробуйте ещё раз через несколько минут."),
        ),
    }
}

/// The page when the request could not be served (503).
pub fn unavailable() -> PageResponse {
    // The template and these texts are the plugin's own and fill without error; should that ever change, a
    // plain page still answers.
    page(
        503,
        "Сервис временно недоступен",
        "<p id=\"error\" class=\"warn\" role=\"alert\">Не удалось обработать запрос. Попробуйте ещё раз через \
         несколько минут.</p>",
    )
    .unwrap_or_else(|_| PageResponse::text(503, "Сервис временно недоступен").no_store())
}

/// The registration form of the organisation `name`, posting to `action`, with an error above it.
fn form(
    status: u16,
    name: &str,
    action: &str,
    error: Option<&str>,
) -> Result<PageResponse, Failure> {
    let error = error
        .map(|text| {
            format!(
                "<p id=\"error\" class=\"warn\" role=\"alert\">{}</p>",
                html::escape(text)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h2>Регистрация посещения</h2>{error}\
         <form id=\"register\" method=\"post\" action=\"{}\">\
         <label for=\"phone\">Номер мобильного телефона</label>\
         <input id=\"phone\" name=\"phone\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" required \
         placeholder=\"+7 900 000-00-00\">\
         <button type=\"submit\">Отправить</button></form>\
         <p class=\"note\">На этот номер придёт SMS с кодом. Покажите код сотруднику на входе.</p>",
        html::escape(action),
    );
    page(status, name, &body)
}

fn not_found() -> Result<PageResponse, Failure> {
    page(
        404,
        "Организация не найдена",
        "<p id=\"error\" class=\"warn\">Организация не найдена.</p>\
         <p>Проверьте, что QR-код размещён организацией, участвующей в системе допуска.</p>",
    )
}

/// The template filled with `title` and `body`, with `status`, never cached.
fn page(status: u16, title: &str, body: &str) -> Result<PageResponse, Failure> {
    let html = html::render(
        TEMPLATE,
        &[("title", Slot::Text(title)), ("body", Slot::Html(body))],
    )
    .map_err(PluginError::from)?;
    Ok(PageResponse::html(status, html).no_store())
}

#[cfg(test)]
mod tests {
    use gateway_plugin_sdk::prelude::PageMethod;

    use super::*;

    fn request(method: PageMethod, path: &str, phone: Option<&str>) -> PageRequest {
        PageRequest {
            method,
            prefix: "/admission/".into(),
            path: path.into(),
            query: Vec::new(),
            form: phone
                .map(|p| ("phone".to_owned(), p.to_owned()))
                .into_iter()
                .collect(),
            language: Some("ru".into()),
        }
    }

    fn participant() -> Participant {
        Participant {
            code: "7KX2M9QD".into(),
            application_id: "app".into(),
            name: "Театр <драмы> & «Комедии»".into(),
            ogrn: "1027700132195".into(),
            email: "t@example.ru".into(),
            registered_at: 1,
        }
    }

    fn known(code: &str) -> Result<Option<Participant>, Failure> {
        assert_eq!(code, "7KX2M9QD", "looked up in canonical form");
        Ok(Some(participant()))
    }

    fn never(_: &Participant, _: &str) -> Result<Sending, Failure> {
        panic!("nothing must be sent")
    }

    fn assert_page(page: &PageResponse, status: u16, texts: &[&str]) {
        assert_eq!(page.status, status, "{}", page.body);
        for text in texts {
            assert!(page.body.contains(text), "{text:?} in {}", page.body);
        }
        for text in [
            "<!DOCTYPE html><html lang=\"ru\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"robots\" content=\"noindex\">",
        ] {
            assert!(page.body.contains(text), "{text:?} in {}", page.body);
        }
        let lower = page.body.to_lowercase();
        assert!(
            !lower.contains("<script") && !lower.contains("javascript:"),
            "no scripts"
        );
        let handler = lower.match_indices(" on").any(|(at, _)| {
            let rest = &lower[at + 3..];
            let name = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            name > 0 && rest[name..].starts_with('=')
        });
        assert!(!handler, "no event handlers");
        assert!(
            page.headers
                .contains(&("cache-control".into(), "no-store".into()))
        );
        assert!(
            page.headers
                .contains(&("content-type".into(), "text/html; charset=utf-8".into()))
        );
    }

    #[test]
    fn get_shows_the_form_titled_with_the_organisation() {
        let page =
            render(&request(PageMethod::Get, "7kx2m9qd/", None), known, never).expect("a page");
        assert_page(
            &page,
            200,
            &[
                "<title>Театр &lt;драмы&gt; &amp; «Комедии»</title>",
                "<h1>Театр &lt;драмы&gt; &amp; «Комедии»</h1>",
                "<h2>Регистрация посещения</h2>",
                "<form id=\"register\" method=\"post\" action=\"/admission/7KX2M9QD\">",
                "<label for=\"phone\">Номер мобильного телефона</label><input id=\"phone\" name=\"phone\" \
                 type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" required placeholder=\"+7 900 000-00-00\">",
                "<button type=\"submit\">Отправить</button>",
            ],
        );
        assert!(!page.body.contains("id=\"error\""));
    }

    #[test]
    fn unknown_codes_are_not_found() {
        let nobody = |_: &str| -> Result<Option<Participant>, Failure> { Ok(None) };
        let page =
            render(&request(PageMethod::Get, "7KX2M9QD", None), nobody, never).expect("a page");
        assert_page(&page, 404, &["<title>Организация не найдена</title>"]);
        let ask = |_: &str| -> Result<Option<Participant>, Failure> { panic!("not looked up") };
        for path in ["", "7KX2M9Q0", "7KX2M9QD/x", "../../etc/passwd"] {
            let page = render(&request(PageMethod::Get, path, None), ask, never).expect("a page");
            assert_page(&page, 404, &["Организация не найдена"]);
        }
    }

    #[test]
    fn a_mobile_number_gets_a_code_and_is_never_echoed() {
        let mut asked = None;
        let page = render(
            &request(PageMethod::Post, "7KX2M9QD", Some("8 (916) 123-45-67")),
            known,
            |p, phone| {
                asked = Some((p.code.clone(), phone.to_owned()));
                Ok(Sending::Sent(fields::mask(phone)))
            },
        )
        .expect("a page");
        assert_eq!(asked, Some(("7KX2M9QD".into(), "+79161234567".into())));
        assert_page(
            &page,
            200,
            &[
                "<p id=\"result\" class=\"ok\">Код отправлен на <span class=\"nowrap\">+7 9** ***-**-67</span>. Покажите его сотруднику на входе.</p>",
            ],
        );
        for echo in ["1234567", "916", "123-45"] {
            assert!(!page.body.contains(echo), "{echo} in {}", page.body);
        }
    }

    #[test]
    fn wrong_numbers_limits_and_failures_have_their_pages() {
        for phone in [None, Some(""), Some("+7 8652 23-45-67"), Some("<script>")] {
            let page = render(&request(PageMethod::Post, "7KX2M9QD", phone), known, never)
                .expect("a page");
            assert_page(
                &page,
                422,
                &[
                    &format!("<p id=\"error\" class=\"warn\" role=\"alert\">{WRONG_PHONE}</p>"),
                    "id=\"register\"",
                ],
            );
            assert!(!page.body.contains("8652"), "{}", page.body);
        }
        let too_many = render(
            &request(PageMethod::Post, "7KX2M9QD", Some("+79161234567")),
            known,
            |_, _| Ok(Sending::TooMany),
        )
        .expect("a page");
        assert_page(&too_many, 429, &[TOO_MANY, "id=\"error\""]);
        let failed = render(
            &request(PageMethod::Post, "7KX2M9QD", Some("+79161234567")),
            known,
            |_, _| Ok(Sending::SmsFailed),
        )
        .expect("a page");
        assert_page(
            &failed,
            503,
            &["Не удалось отправить SMS", "id=\"register\""],
        );
        assert_page(
            &unavailable(),
            503,
            &["Сервис временно недоступен", "id=\"error\""],
        );
    }
}
