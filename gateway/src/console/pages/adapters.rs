//! «Адаптеры»: each loaded adapter: its library, the circuit breaker's state, its load now, and its calls,
//! failures and mean latency from the process's metrics (`gateway_adapter_calls_total`,
//! `gateway_adapter_call_duration_seconds`).

use gateway_adapter_host::BreakerState;
use hyper::Response;

use super::{COUNTERS_NOTE, Outcomes, count};
use crate::app::App;
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::metrics::read;
use crate::respond::Body;

/// The breaker's state for people.
pub fn breaker(state: BreakerState) -> &'static str {
    match state {
        BreakerState::Closed => "замкнут — вызовы идут",
        BreakerState::HalfOpen => "полуоткрыт — пробный вызов",
        BreakerState::Open => "разомкнут — вызовы отклоняются",
    }
}

/// The page.
pub fn page(app: &App, viewer: &Viewer) -> Response<Body> {
    let adapters = &app.engine.adapters;
    let calls = read::series("gateway_adapter_calls_total");
    let sums = read::sum_by(
        &read::series("gateway_adapter_call_duration_seconds_sum"),
        "adapter",
    );
    let counts = read::sum_by(
        &read::series("gateway_adapter_call_duration_seconds_count"),
        "adapter",
    );
    let mut names = adapters.names();
    names.sort();
    let rows: Vec<Row> = names
        .iter()
        .filter_map(|name| adapters.info(name))
        .map(|info| {
            let o = Outcomes::of(&calls, "adapter", &info.name);
            let mean = match (sums.get(&info.name), counts.get(&info.name)) {
                (Some(sum), Some(n)) if *n > 0.0 => format!("{:.1} мс", sum / n * 1000.0),
                _ => "—".to_owned(),
            };
            Row {
                attributes: format!(
                    " data-adapter=\"{}\" data-breaker=\"{}\"",
                    html::escape(&info.name),
                    crate::metrics::collect::breaker_level(info.breaker)
                ),
                cells: vec![
                    Cell::html(format!("<code>{}</code>", html::escape(&info.name))),
                    Cell::text(&format!("{} {}", info.library_name, info.library_version)),
                    Cell::text(breaker(info.breaker)).class("breaker"),
                    Cell::text(&format!(
                        "{} из {} потоков, {} в очереди из {}",
                        info.running, info.threads, info.queued, info.queue
                    )),
                    Cell::number(count(o.calls), "n calls"),
                    Cell::number(count(o.failures()), "n failures"),
                    Cell::text(&o.breakdown()),
                    Cell::text(&mean).class("n latency"),
                ],
            }
        })
        .collect();
    let mut body = html::table(
        "adapters",
        &format!("Адаптеры: {}", rows.len()),
        &[
            "Адаптер",
            "Библиотека",
            "Автомат (circuit breaker)",
            "Нагрузка сейчас",
            "Вызовы",
            "Отказы",
            "Отказы по видам",
            "Средняя задержка",
        ],
        &rows,
        "Адаптеров нет.",
    );
    body.push_str(&format!(
        "<p>{COUNTERS_NOTE} Вызов считается с повторами; задержка — среднее время вызова.</p>"
    ));
    html::respond(
        200,
        html::page(Section::Adapters, viewer, "Адаптеры", &body),
    )
}
