//! «Обзор»: this node at a glance (name, address, time up), how much it serves, what needs attention (open
//! breakers, waiting answers, failed reports), and the sections.

use gateway_adapter_host::BreakerState;
use gateway_store::{ReportQuery, ReportStatus};
use hyper::Response;

use crate::app::App;
use crate::console::clock;
use crate::console::html::{self, Section, Viewer};
use crate::respond::Body;

/// What each section shows, for the list on this page.
fn about(section: Section) -> &'static str {
    match section {
        Section::Overview => "эта страница",
        Section::Routes => "типы сообщений, цепочки плагинов, сроки и проверки",
        Section::Plugins => "версии, контракт, память, вызовы и отказы",
        Section::Adapters => "состояние автомата, вызовы, отказы и задержка",
        Section::Journal => "поиск сообщений по идентификатору, типу, отправителю и периоду",
        Section::Queues => "ответы, ждущие подтверждения, по отправителям",
        Section::Scans => "сканирования по организациям и типам документов",
        Section::Reports => "запуски отчётов, ошибки и повторная отправка",
    }
}

/// The page.
pub async fn page(app: &App, viewer: &Viewer) -> Response<Body> {
    let adapters = app.engine.adapters.names();
    let open = adapters
        .iter()
        .filter_map(|n| app.engine.adapters.info(n))
        .filter(|i| i.breaker != BreakerState::Closed)
        .count();
    let waiting = match super::store(app.queue.store.queue_depths()).await {
        Ok(d) => d.iter().map(|q| q.depth).sum::<u64>().to_string(),
        Err(_) => "нет ответа хранилища".into(),
    };
    let failed = ReportQuery {
        status: Some(ReportStatus::Failed),
        limit: Some(gateway_store::MAX_REPORT_ROWS),
        ..ReportQuery::default()
    };
    let failed = match super::store(app.queue.store.find_reports(&failed)).await {
        Ok(runs) => runs.len().to_string(),
        Err(_) => "нет ответа хранилища".into(),
    };
    let facts = [
        ("Узел", app.node.clone()),
        ("Адрес", app.public_url.clone()),
        ("Работает", clock::span(app.started.elapsed())),
        ("Маршрутов", app.config.routes.len().to_string()),
        ("Плагинов", app.engine.host.plugins().len().to_string()),
        (
            "Адаптеров",
            format!("{} (автомат не замкнут: {open})", adapters.len()),
        ),
        ("Ответов ждут подтверждения", waiting),
        ("Отчётов с ошибкой", failed),
    ];
    let mut body = String::from("<dl id=\"overview\">");
    for (name, value) in facts {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            html::escape(name),
            html::escape(&value)
        ));
    }
    body.push_str("</dl><h2>Разделы</h2><ul>");
    for s in Section::ALL.into_iter().skip(1) {
        body.push_str(&format!(
            "<li><a href=\"{}\">{}</a> — {}</li>",
            s.path(),
            s.name(),
            about(s)
        ));
    }
    body.push_str("</ul>");
    html::respond(200, html::page(Section::Overview, viewer, "Обзор", &body))
}
