//! «Плагины»: each configured plugin as the host loaded it (its version, the contract version it was built
//! against, policy or document), its memory cap, the deadlines of the routes that run it, and its calls and
//! failures from the process's metrics (`gateway_plugin_invocations_total`; a failure is every outcome but
//! `ok`).

use hyper::Response;

use super::{COUNTERS_NOTE, Outcomes, count};
use crate::app::App;
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::metrics::read;
use crate::respond::Body;

/// The page.
pub fn page(app: &App, viewer: &Viewer) -> Response<Body> {
    let config = &app.config;
    let host = &app.engine.host;
    let series = read::series("gateway_plugin_invocations_total");
    let rows: Vec<Row> = config
        .plugins
        .iter()
        .map(|(name, p)| {
            let description = host.description(name);
            let version = description
                .as_ref()
                .map_or("не загружен".to_owned(), |d| d.version.clone());
            let role = match &description {
                Some(d) if d.policy => "политика",
                Some(_) => "документ",
                None => "—",
            };
            let contract = host
                .contract_version(name)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "—".into());
            let memory = p.memory.unwrap_or(config.host.memory);
            let deadlines: Vec<String> = config
                .routes
                .iter()
                .filter(|r| r.chain.iter().any(|c| c == name))
                .map(|r| {
                    let d = r.deadline.unwrap_or(config.host.deadline);
                    format!("{d} — <code>{}</code>", html::escape(&r.message_type))
                })
                .collect();
            let deadlines = if deadlines.is_empty() {
                "нет маршрутов".to_owned()
            } else {
                deadlines.join("<br>")
            };
            let o = Outcomes::of(&series, "plugin", name);
            Row {
                attributes: format!(" data-plugin=\"{}\"", html::escape(name)),
                cells: vec![
                    Cell::html(format!("<code>{}</code>", html::escape(name))),
                    Cell::text(&version).class("version"),
                    Cell::text(&contract).class("contract"),
                    Cell::text(role),
                    Cell::text(&memory.to_string()),
                    Cell::html(deadlines),
                    Cell::number(count(o.calls), "n calls"),
                    Cell::number(count(o.failures()), "n failures"),
                    Cell::text(&o.breakdown()),
                ],
            }
        })
        .collect();
    let mut body = html::table(
        "plugins",
        &format!("Загруженные плагины: {}", rows.len()),
        &[
            "Плагин",
            "Версия",
            "Контракт (WIT)",
            "Роль",
            "Память экземпляра",
            "Сроки маршрутов",
            "Вызовы",
            "Отказы",
            "Отказы по видам",
        ],
        &rows,
        "Плагинов нет.",
    );
    body.push_str(&format!(
        "<p>{COUNTERS_NOTE} Отказы: ловушка (trap), срок (deadline), память (memory), \
         занято (busy), ошибка плагина (error), неверный ответ (invalid), запуск (instantiate).</p>"
    ));
    html::respond(200, html::page(Section::Plugins, viewer, "Плагины", &body))
}
