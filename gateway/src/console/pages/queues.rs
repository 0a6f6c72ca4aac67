//! «Очереди»: per sender, the answers waiting for its acknowledgement and how long the oldest has waited
//! (every configured sender, and any other the store still holds answers for).

use std::collections::BTreeMap;
use std::time::Duration;

use hyper::Response;

use crate::app::App;
use crate::console::clock;
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::respond::Body;
use crate::tokens::now_ms;

/// The page.
pub async fn page(app: &App, viewer: &Viewer) -> Response<Body> {
    let depths = match super::store(app.queue.store.queue_depths()).await {
        Ok(d) => d,
        Err(e) => {
            let mut body = String::new();
            let status = html::store_unavailable(&mut body, "the queue depths", &e);
            return html::respond(
                status,
                html::page(Section::Queues, viewer, "Очереди", &body),
            );
        }
    };
    let mut queues: BTreeMap<&str, Option<(u64, i64)>> = app
        .config
        .senders
        .iter()
        .map(|s| (s.mnemonic.as_str(), None))
        .collect();
    for d in &depths {
        queues.insert(&d.sender, Some((d.depth, d.oldest_created_at)));
    }
    let tz = clock::zone(&app.config);
    let now = now_ms();
    let rows: Vec<Row> = queues
        .iter()
        .map(|(sender, queue)| {
            let name = app
                .edge
                .auth
                .sender(sender)
                .map_or("не настроен".to_owned(), |s| s.name.clone());
            let (depth, oldest) = match queue {
                Some((depth, created)) => {
                    let waited = Duration::from_millis(now.saturating_sub(*created).max(0) as u64);
                    (
                        *depth,
                        format!("{} (с {})", clock::span(waited), clock::show(*created, &tz)),
                    )
                }
                None => (0, "—".to_owned()),
            };
            Row {
                attributes: format!(" data-sender=\"{}\"", html::escape(sender)),
                cells: vec![
                    Cell::text(sender),
                    Cell::text(&name),
                    Cell::number(depth, "n depth"),
                    Cell::text(&oldest),
                ],
            }
        })
        .collect();
    let total: u64 = depths.iter().map(|d| d.depth).sum();
    let body = html::table(
        "queues",
        &format!("Ответы, ждущие подтверждения: всего {total}"),
        &["Отправитель", "Название", "В очереди", "Старейший ждёт"],
        &rows,
        "Отправителей нет.",
    );
    html::respond(200, html::page(Section::Queues, viewer, "Очереди", &body))
}
