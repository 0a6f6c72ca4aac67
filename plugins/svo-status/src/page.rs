//! The page a QR link opens: `GET <prefix><guid>` (the gateway maps `/somc2/` to this plugin). It reads the
//! token of its own scope directly and shows, in Russian, the participant's name and birth date and the code's
//! expiry (200), that the code expired (410), that it is unknown or malformed (404), or that the token store is
//! unavailable (503). Every page carries `Cache-Control: no-store` and `noindex`: it may show personal data.
//!
//! [`render`] takes the token lookup as a function, so the page is tested natively without a host.

use std::fmt;

use gateway_plugin_sdk::date::rfc3339;
use gateway_plugin_sdk::guid;
use gateway_plugin_sdk::host::tokens::Lookup;
use gateway_plugin_sdk::html::{self, Slot, TemplateError};
use gateway_plugin_sdk::prelude::*;

use crate::issue::stored;

/// The page's template: `{{title}}` (text) and `{{body}}` (HTML).
const TEMPLATE: &str = include_str!("page.html");

/// Why the page could not tell the code's state; the client sees [`unavailable`], the log this.
#[derive(Debug)]
pub enum Problem {
    /// The token store failed.
    Store(HostError),
    /// The token's data is not a participant.
    Corrupt(PluginError),
    /// The template could not be filled.
    Template(TemplateError),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Store(e) => write!(f, "the QR token store failed: {e:?}"),
            Problem::Corrupt(e) => write!(f, "a QR token holds no participant: {e}"),
            Problem::Template(e) => write!(f, "the page template: {e}"),
        }
    }
}

/// The page for `req`; `lookup` reads the token of a GUID in the plugin's scope. `Err` when the state of the
/// code cannot be told: answer [`unavailable`] then.
pub fn render(
    req: &PageRequest,
    lookup: impl FnOnce(&str) -> Result<Lookup, HostError>,
) -> Result<PageResponse, Problem> {
    if !req.is_get() {
        return page(
            405,
            "Метод не поддерживается",
            "<p class=\"warn\">Страница открывается только по ссылке из QR-кода.</p>",
        )
        .map(|page| page.header("allow", "GET"));
    }
    let Some(guid) = guid::normalize(&req.path) else {
        return not_found();
    };
    match lookup(&guid).map_err(Problem::Store)? {
        Lookup::Live(token) => {
            let participant = stored(&token).map_err(Problem::Corrupt)?;
            let name = [
                participant.last_name.as_str(),
                participant.first_name.as_str(),
                participant.middle_name.as_deref().unwrap_or_default(),
            ]
            .map(html::escape)
            .join(" ");
            let expiry = rfc3339(token.expires_at).replace('T', " ");
            let body = format!(
                "<p class=\"ok\">Статус участника СВО подтверждён</p>\
                 <dl><dt>ФИО</dt><dd>{}</dd><dt>Дата рождения</dt><dd>{}</dd></dl>\
                 <p class=\"note\">QR-код действителен до {} (UTC)</p>",
                name.trim(),
                html::escape(&participant.birth_date),
                html::escape(expiry.trim_end_matches('Z')),
            );
            page(200, "QR-код действителен", &body)
        }
        Lookup::Expired(_) => page(
            410,
            "Срок действия QR-кода истёк",
            "<p class=\"warn\">Срок действия QR-кода истёк.</p>\
             <p>Попросите предъявителя получить новый QR-код в приложении Госуслуги.</p>",
        ),
        Lookup::Unknown => not_found(),
    }
}

/// The page when the code's state cannot be told (503).
pub fn unavailable() -> PageResponse {
    // The template and these texts are the plugin's own and fill without error; should that ever change, a
    // plain page still answers.
    page(
        503,
        "Сервис временно недоступен",
        "<p>Не удалось проверить QR-код. Повторите попытку позже.</p>",
    )
    .unwrap_or_else(|_| PageResponse::text(503, "Сервис временно недоступен").no_store())
}

fn not_found() -> Result<PageResponse, Problem> {
    page(
        404,
        "QR-код не найден",
        "<p class=\"warn\">QR-код не найден.</p>\
         <p>Проверьте, что QR-код получен в сервисе подтверждения статуса участника СВО.</p>",
    )
}

/// The template filled with `title` and `body`, with `status`, never cached.
fn page(status: u16, title: &str, body: &str) -> Result<PageResponse, Problem> {
    let html = html::render(
        TEMPLATE,
        &[("title", Slot::Text(title)), ("body", Slot::Html(body))],
    )
    .map_err(Problem::Template)?;
    Ok(PageResponse::html(status, html).no_store())
}

#[cfg(test)]
mod tests {
    use gateway_plugin_sdk::host::tokens::Token;
    use gateway_plugin_sdk::prelude::PageMethod;

    use super::*;
    use crate::messages::Participant;

    const GUID: &str = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";

    fn get(path: &str) -> PageRequest {
        PageRequest {
            method: PageMethod::Get,
            prefix: "/somc2/".into(),
            path: path.into(),
            query: Vec::new(),
            form: Vec::new(),
            language: Some("ru".into()),
        }
    }

    fn live(participant: &Participant) -> Lookup {
        Lookup::Live(Token {
            id: GUID.into(),
            data: serde_json::to_vec(participant).expect("json"),
            issued_at: 1_795_537_500_123,
            expires_at: 1_795_537_800_123,
        })
    }

    fn participant() -> Participant {
        Participant {
            last_name: "Образцов".into(),
            first_name: "Пример".into(),
            middle_name: Some("<Тестович>".into()),
            birth_date: "1985-03-14".into(),
            ..Participant::default()
        }
    }

    fn never(_: &str) -> Result<Lookup, HostError> {
        panic!("the token store must not be asked")
    }

    fn assert_page(page: &PageResponse, status: u16, texts: &[&str]) {
        assert_eq!(page.status, status, "{}", page.body);
        for text in texts {
            assert!(page.body.contains(text), "{text:?} in {}", page.body);
        }
        for text in [
            "<!DOCTYPE html><html lang=\"ru\">",
            "<meta name=\"robots\" content=\"noindex\">",
            ".ok{color:#1a7f37;font-weight:bold}",
        ] {
            assert!(page.body.contains(text), "{text:?} in {}", page.body);
        }
        let header = |name: &str| {
            page.headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(header("cache-control"), Some("no-store"));
        assert_eq!(header("content-type"), Some("text/html; charset=utf-8"));
    }

    #[test]
    fn a_live_code_shows_the_participant_escaped_and_the_expiry() {
        let mut asked = None;
        let page = render(&get(&GUID.to_uppercase()), |guid| {
            asked = Some(guid.to_owned());
            Ok(live(&participant()))
        })
        .expect("a page");
        assert_eq!(asked.as_deref(), Some(GUID), "looked up in canonical form");
        assert_page(
            &page,
            200,
            &[
                "<title>QR-код действителен</title>",
                "<h1>QR-код действителен</h1>",
                "<p class=\"ok\">Статус участника СВО подтверждён</p>",
                "<dd>Образцов Пример &lt;Тестович&gt;</dd>",
                "<dt>Дата рождения</dt><dd>1985-03-14</dd>",
                "<p class=\"note\">QR-код действителен до 2026-11-24 16:30:00 (UTC)</p>",
            ],
        );
        let without_middle = Participant {
            middle_name: None,
            ..participant()
        };
        let page = render(&get(GUID), |_| Ok(live(&without_middle))).expect("a page");
        assert!(
            page.body.contains("<dd>Образцов Пример</dd>"),
            "{}",
            page.body
        );
    }

    #[test]
    fn expired_unknown_and_malformed_codes_get_their_pages() {
        let expired = render(&get(GUID), |_| Ok(Lookup::Expired(1))).expect("a page");
        assert_page(
            &expired,
            410,
            &["Срок действия QR-кода истёк", "новый QR-код"],
        );
        assert!(!expired.body.contains("Образцов"));
        let unknown = render(&get(GUID), |_| Ok(Lookup::Unknown)).expect("a page");
        assert_page(&unknown, 404, &["QR-код не найден"]);
        for path in [
            "not-a-guid",
            "",
            "../../etc/passwd",
            &format!("{GUID}/x"),
            &GUID.replace('-', ""),
        ] {
            let page = render(&get(path), never).expect("a page");
            assert_page(&page, 404, &["QR-код не найден"]);
        }
    }

    #[test]
    fn an_unavailable_store_or_corrupt_data_is_a_problem_and_a_503() {
        let down = render(&get(GUID), |_| {
            Err(HostError::Unavailable("store down".into()))
        });
        assert!(matches!(down, Err(Problem::Store(_))), "{down:?}");
        let corrupt = render(&get(GUID), |_| {
            Ok(Lookup::Live(Token {
                id: GUID.into(),
                data: b"{}".to_vec(),
                issued_at: 0,
                expires_at: 1,
            }))
        });
        let Err(problem) = corrupt else {
            panic!("corrupt data is a problem")
        };
        assert!(problem.to_string().contains("no participant"), "{problem}");
        assert_page(
            &unavailable(),
            503,
            &["Сервис временно недоступен", "Повторите попытку позже"],
        );
    }

    #[test]
    fn only_get_is_served() {
        let mut post = get(GUID);
        post.method = PageMethod::Post;
        let page = render(&post, never).expect("a page");
        assert_page(&page, 405, &["Метод не поддерживается"]);
        assert!(page.headers.contains(&("allow".into(), "GET".into())));
    }
}
