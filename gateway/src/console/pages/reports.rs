//! «Отчёты»: the report runs, newest first, with status, attempts, the last error and the next attempt; a
//! run not sent has a «Отправить повторно» button. Pressing it makes the run due now
//! ([`gateway_store::Store::retry_report_now`]), so any node's scheduler takes it at its next tick, and, when
//! this node has `[reports]` and `[smtp]`, this node delivers it at once through the report runner; the page
//! comes back (303) with a notice.

use std::sync::Arc;

use gateway_reports::sources::Silent;
use gateway_store::{ReportKind, ReportQuery, ReportRun, ReportStatus};
use hyper::Response;
use jiff::tz::TimeZone;

use crate::app::App;
use crate::console::clock;
use crate::console::form::{self, Fields};
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::respond::Body;
use crate::tokens::now_ms;

/// The most runs the page shows.
const LIMIT: u32 = 100;

/// A status for people.
pub fn status_name(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Pending => "ожидает",
        ReportStatus::Failed => "ошибка",
        ReportStatus::Sent => "отправлен",
    }
}

/// The filters a form asks for (`status`, `org`); an empty field does not filter.
pub fn parse(fields: &Fields) -> Result<ReportQuery, String> {
    let status = match form::value(fields, "status") {
        None => None,
        Some("pending") => Some(ReportStatus::Pending),
        Some("failed") => Some(ReportStatus::Failed),
        Some("sent") => Some(ReportStatus::Sent),
        Some(_) => return Err("Статус: ожидает, ошибка или отправлен".into()),
    };
    let organisation = form::value(fields, "org").map(str::to_owned);
    if let Some(org) = &organisation {
        ru_identifiers::check_ogrn_or_ogrnip(org).map_err(|e| format!("Организация: {e}"))?;
    }
    Ok(ReportQuery {
        status,
        organisation,
        limit: Some(LIMIT),
        ..ReportQuery::default()
    })
}

/// The page, with the notice of a resend just done (`resent` / `not_resent` in the query).
pub async fn page(app: &App, viewer: &Viewer, fields: &Fields) -> Response<Body> {
    let tz = clock::zone(&app.config);
    let notice = form::value(fields, "resent")
        .and_then(|id| id.parse::<i64>().ok())
        .map(|id| format!("Отчёт № {id} поставлен на повторную отправку."));
    let refused = form::value(fields, "not_resent")
        .and_then(|id| id.parse::<i64>().ok())
        .map(|id| format!("Отчёт № {id} не отправить повторно: он уже отправлен или его нет."));
    let mut body = html::message(notice.as_deref(), refused.as_deref());
    if app.config.reports.is_none() {
        body.push_str("<p>Отчёты на этом узле не настроены (<code>[reports]</code>): показана история из хранилища.</p>");
    }
    body.push_str(&filter_form(fields));
    let status = match parse(fields) {
        Err(e) => {
            body.push_str(&html::message(None, Some(&e)));
            400
        }
        Ok(q) => match super::store(app.queue.store.find_reports(&q)).await {
            Ok(runs) => {
                body.push_str(&table(&runs, viewer, &tz));
                200
            }
            Err(e) => html::store_unavailable(&mut body, "the reports", &e),
        },
    };
    html::respond(
        status,
        html::page(Section::Reports, viewer, "Отчёты", &body),
    )
}

/// A run's last error as the page shows it: an SMTP server's or a source's text may quote an address or an
/// identifier, so passwords and identifiers are masked and the text cut as the journal keeps a detail
/// ([`crate::journal::scrub`]); `—` when there is none.
pub fn shown_error(error: Option<&str>) -> String {
    match error.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => crate::journal::scrub(&crate::config::secrets::mask(e)),
        None => "—".into(),
    }
}

fn filter_form(fields: &Fields) -> String {
    let chosen = form::value(fields, "status").unwrap_or("");
    let options: String = [
        ("", "все"),
        ("pending", "ожидает"),
        ("failed", "ошибка"),
        ("sent", "отправлен"),
    ]
    .iter()
    .map(|(v, name)| {
        let selected = if *v == chosen { " selected" } else { "" };
        format!("<option value=\"{v}\"{selected}>{name}</option>")
    })
    .collect();
    format!(
        "<form id=\"reports-filter\" class=\"search\" method=\"get\" action=\"/console/reports\">\
         <label for=\"status\">Статус<select id=\"status\" name=\"status\">{options}</select></label>\
         <label for=\"org\">Организация (ОГРН/ОГРНИП)<input id=\"org\" name=\"org\" type=\"text\" inputmode=\"numeric\" size=\"16\" value=\"{}\"></label>\
         <button type=\"submit\">Показать</button></form>",
        html::escape(form::value(fields, "org").unwrap_or(""))
    )
}

fn table(runs: &[ReportRun], viewer: &Viewer, tz: &TimeZone) -> String {
    let now = now_ms();
    let rows: Vec<Row> = runs
        .iter()
        .map(|r| {
            let sent = r.status == ReportStatus::Sent;
            let leased = !sent && r.lease_until.is_some_and(|u| u > now);
            let action = if sent {
                "—".to_owned()
            } else if leased {
                "выполняется".to_owned()
            } else {
                format!(
                    "<form class=\"resend\" method=\"post\" action=\"/console/reports/resend\">{}\
                     <input type=\"hidden\" name=\"id\" value=\"{id}\">\
                     <button type=\"submit\" aria-label=\"Отправить повторно отчёт № {id}\">Отправить повторно</button></form>",
                    html::csrf_field(&viewer.csrf),
                    id = r.id
                )
            };
            Row {
                attributes: format!(" data-report=\"{}\" data-status=\"{}\"", r.id, r.status.as_str()),
                cells: vec![
                    Cell::number(r.id, "n"),
                    Cell::text(match r.kind {
                        ReportKind::Scheduled => "плановый",
                        ReportKind::Adhoc => "разовый",
                    }),
                    Cell::text(&r.organisation),
                    Cell::text(&format!("{} — {}", r.period.first, r.period.last)),
                    Cell::text(status_name(r.status)).class("status"),
                    Cell::number(r.attempts, "n attempts"),
                    Cell::text(&shown_error(r.last_error.as_deref())).class("last-error"),
                    Cell::text(&if sent {
                        "—".to_owned()
                    } else {
                        clock::show(r.next_attempt_at, tz)
                    }),
                    Cell::text(&r.sent_at.map_or("—".to_owned(), |t| clock::show(t, tz))),
                    Cell::html(action).class("action"),
                ],
            }
        })
        .collect();
    html::table(
        "reports",
        &format!(
            "Запуски отчётов: {} (новые сверху, не более {LIMIT})",
            runs.len()
        ),
        &[
            "№",
            "Вид",
            "Организация",
            "Период",
            "Статус",
            "Попыток",
            "Последняя ошибка",
            "Следующая попытка",
            "Отправлен",
            "Действие",
        ],
        &rows,
        "Запусков нет.",
    )
}

/// `POST /console/reports/resend` (`id`): makes the run due now, delivers it at once when this node can, and
/// sends the operator back to the list with a notice.
pub async fn resend(app: &Arc<App>, viewer: &Viewer, fields: &Fields) -> Response<Body> {
    let Some(id) = form::value(fields, "id").and_then(|v| v.parse::<i64>().ok()) else {
        return html::problem(
            400,
            Some(viewer),
            "Форма не прочитана",
            "Нет номера отчёта.",
        );
    };
    match super::store(app.queue.store.retry_report_now(id)).await {
        Ok(true) => {
            tracing::info!(report = id, operator = %viewer.sender, "report due now: sent again from the console");
            deliver_now(app, id);
            html::redirect(&format!("/console/reports?resent={id}"))
        }
        Ok(false) => html::redirect(&format!("/console/reports?not_resent={id}")),
        Err(e) => {
            tracing::warn!(report = id, error = %e, "console: the report could not be made due");
            html::problem(
                503,
                Some(viewer),
                "Хранилище не ответило",
                "Повторите позже.",
            )
        }
    }
}

/// Delivers run `id` on this node now, in the background, when its config has `[reports]` and `[smtp]`: the
/// run is claimed as an operator's run is (`gateway report run`); a node that holds it already (a scheduler's
/// tick was quicker) is left to it.
fn deliver_now(app: &Arc<App>, id: i64) {
    if app.config.reports.is_none() || app.config.smtp.is_none() {
        return;
    }
    let app = app.clone();
    app.tracker.clone().spawn(async move {
        let runner = match crate::reports::runner(
            &app.config,
            app.queue.store.clone(),
            app.engine.host.clone(),
            app.engine.adapters.clone(),
        ) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(report = id, error = %format!("{e:#}"), "the report runner could not be set up: the scheduler will send it");
                return;
            }
        };
        match app.queue.store.claim_report(id, runner.settings().lease).await {
            Ok(Some(run)) => {
                let delivered = runner
                    .deliver(&run, None, Arc::new(Silent), &app.shutdown)
                    .await;
                tracing::info!(report = id, status = delivered.status(), "report sent again on the operator's request");
            }
            Ok(None) => tracing::debug!(report = id, "the report is being sent already"),
            Err(e) => tracing::warn!(report = id, error = %e, "the report could not be claimed"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_and_checked() {
        let q = parse(&form::parse("status=failed&org=1175000001010")).unwrap();
        assert_eq!(q.status, Some(ReportStatus::Failed));
        assert_eq!(q.organisation.as_deref(), Some("1175000001010"));
        assert_eq!(q.limit, Some(LIMIT));
        let all = parse(&form::parse("status=&org=")).unwrap();
        assert_eq!((all.status, all.organisation), (None, None));
        assert!(parse(&form::parse("status=lost")).is_err());
        assert!(parse(&form::parse("org=1175000001011")).is_err());
        assert_eq!(status_name(ReportStatus::Sent), "отправлен");
    }

    #[test]
    fn a_last_error_is_masked_and_cut() {
        let error = format!(
            "550 mailbox ivanov.petr@example.ru unavailable; ОГРН 1175000001010, qr 3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60\n{}",
            "x".repeat(500)
        );
        let shown = shown_error(Some(&error));
        assert!(!shown.contains("ivanov.petr"), "{shown}");
        assert!(!shown.contains("1175000001010"), "{shown}");
        assert!(!shown.contains("3f2b8c1e-7a4d"), "{shown}");
        assert!(!shown.contains('\n'));
        assert!(
            shown.chars().count() <= crate::journal::MAX_DETAIL + 1,
            "{shown}"
        );
        assert!(shown.ends_with('…'));
        assert_eq!(shown_error(Some("timeout")), "timeout");
        assert_eq!(shown_error(None), "—");
        assert_eq!(shown_error(Some("  ")), "—");
    }
}
