//! «Маршруты»: each route's message type, chain, deadline and checks; the documents of a scan route; the
//! pages plugins serve.

use hyper::Response;

use crate::app::App;
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::respond::Body;

/// The page.
pub fn page(app: &App, viewer: &Viewer) -> Response<Body> {
    let config = &app.config;
    let default_deadline = config.host.deadline;
    let rows: Vec<Row> = config
        .routes
        .iter()
        .map(|r| {
            let chain = match &r.scan {
                Some(scan) => format!(
                    "сканирование: документ по QR-коду ({}), ответ <code>{}</code>",
                    scan.documents.len(),
                    html::escape(&scan.answer)
                ),
                None => r
                    .chain
                    .iter()
                    .map(|p| format!("<code>{}</code>", html::escape(p)))
                    .collect::<Vec<_>>()
                    .join(" → "),
            };
            let deadline = match r.deadline {
                Some(d) => d.to_string(),
                None => format!("{default_deadline} (по умолчанию)"),
            };
            let identifiers = if r.identifiers.is_empty() {
                "—".to_owned()
            } else {
                r.identifiers
                    .iter()
                    .map(|(element, kind)| format!("{element}: {kind}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Row {
                attributes: format!(" data-route=\"{}\"", html::escape(&r.message_type)),
                cells: vec![
                    Cell::html(format!("<code>{}</code>", html::escape(&r.message_type))),
                    Cell::html(chain).class("chain"),
                    Cell::text(&deadline),
                    Cell::text(if r.schema_check { "да" } else { "нет" }),
                    Cell::text(&identifiers),
                ],
            }
        })
        .collect();
    let mut body = html::table(
        "routes",
        &format!("Маршруты: {}", rows.len()),
        &[
            "Тип сообщения",
            "Цепочка плагинов",
            "Срок цепочки",
            "Проверка по схеме",
            "Проверка идентификаторов",
        ],
        &rows,
        "Маршрутов нет.",
    );
    let documents: Vec<Row> = config
        .routes
        .iter()
        .filter_map(|r| r.scan.as_ref().map(|s| (r, s)))
        .flat_map(|(r, scan)| {
            scan.documents.iter().map(move |d| Row {
                attributes: String::new(),
                cells: vec![
                    Cell::text(&d.document_type),
                    Cell::html(format!("<code>{}</code>", html::escape(&r.message_type))),
                    Cell::html(format!("<code>{}</code>", html::escape(&d.route))),
                    Cell::html(
                        d.patterns
                            .iter()
                            .map(|p| format!("<code>{}</code>", html::escape(p)))
                            .collect::<Vec<_>>()
                            .join("<br>"),
                    ),
                ],
            })
        })
        .collect();
    if !documents.is_empty() {
        body.push_str(&html::table(
            "scan-documents",
            "Документы маршрутов сканирования ([routes.scan]), в порядке проверки",
            &[
                "Тип документа",
                "Маршрут сканирования",
                "Маршрут документа",
                "Шаблоны QR-кода",
            ],
            &documents,
            "",
        ));
    }
    let pages: Vec<Row> = config
        .pages
        .iter()
        .map(|p| Row {
            attributes: String::new(),
            cells: vec![
                Cell::html(format!("<code>{}</code>", html::escape(&p.prefix))),
                Cell::html(format!("<code>{}</code>", html::escape(&p.plugin))),
            ],
        })
        .collect();
    body.push_str(&html::table(
        "pages",
        "Страницы плагинов ([[pages]])",
        &["Префикс пути", "Плагин"],
        &pages,
        "Страниц нет.",
    ));
    html::respond(200, html::page(Section::Routes, viewer, "Маршруты", &body))
}
