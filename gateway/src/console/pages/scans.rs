//! «Сканирования»: how many scans (facts of kind `scan`) each organisation made of each document type over a
//! period of whole days (default the last 30, today included), and the totals per document type.

use std::collections::BTreeMap;

use hyper::Response;
use jiff::tz::TimeZone;

use crate::app::App;
use crate::console::clock::{self, End};
use crate::console::form::{self, Fields};
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::respond::Body;
use crate::tokens::now_ms;

/// The kind of the facts counted.
const KIND: &str = "scan";
/// Days in the default period.
const DEFAULT_DAYS: i64 = 30;
/// The most rows (organisation and document type) one page shows.
const MAX_ROWS: u32 = 5000;

/// The period a form asks for (`from`, `to`, days `YYYY-MM-DD`, both included) as `[from_ms, to_ms)` with the
/// days it names; the default is the last [`DEFAULT_DAYS`] days.
pub fn period(
    fields: &Fields,
    tz: &TimeZone,
    now_ms: i64,
) -> Result<(i64, i64, String, String), String> {
    let today = clock::day(now_ms, tz);
    let first_default = clock::day(now_ms - (DEFAULT_DAYS - 1) * 86_400_000, tz);
    let from = form::value(fields, "from")
        .unwrap_or(&first_default)
        .to_owned();
    let to = form::value(fields, "to").unwrap_or(&today).to_owned();
    if from.len() != 10 || to.len() != 10 {
        return Err("Период задаётся днями ГГГГ-ММ-ДД".into());
    }
    let from_ms = clock::parse(&from, End::From, tz)?;
    let to_ms = clock::parse(&to, End::To, tz)?;
    if from_ms >= to_ms {
        return Err("Начало периода должно быть не позже его конца".into());
    }
    Ok((from_ms, to_ms, from, to))
}

/// The page.
pub async fn page(app: &App, viewer: &Viewer, fields: &Fields) -> Response<Body> {
    let tz = clock::zone(&app.config);
    let (status, body) = match period(fields, &tz, now_ms()) {
        Err(e) => {
            let today = clock::day(now_ms(), &tz);
            let mut body = search_form(
                fields.get("from").map_or("", |v| v),
                fields.get("to").map_or(&today, |v| v),
            );
            body.push_str(&html::message(None, Some(&e)));
            (400, body)
        }
        Ok((from_ms, to_ms, from, to)) => {
            let mut body = search_form(&from, &to);
            match super::store(app.queue.store.fact_counts(KIND, from_ms, to_ms, MAX_ROWS)).await {
                Ok(counts) => {
                    let mut by_type: BTreeMap<&str, u64> = BTreeMap::new();
                    for c in &counts {
                        *by_type.entry(&c.document_type).or_insert(0) += c.count;
                    }
                    let total: u64 = by_type.values().sum();
                    let rows: Vec<Row> = counts
                        .iter()
                        .map(|c| Row {
                            attributes: format!(
                                " data-organisation=\"{}\" data-document-type=\"{}\"",
                                html::escape(&c.organisation),
                                html::escape(&c.document_type)
                            ),
                            cells: vec![
                                Cell::text(&c.organisation),
                                Cell::text(&c.document_type),
                                Cell::number(c.count, "n count"),
                            ],
                        })
                        .collect();
                    let caption = if counts.len() as u32 >= MAX_ROWS {
                        format!(
                            "Сканирования с {from} по {to} по организациям (первые {MAX_ROWS} строк)"
                        )
                    } else {
                        format!("Сканирования с {from} по {to} по организациям")
                    };
                    body.push_str(&html::table(
                        "scans",
                        &caption,
                        &["Организация (ОГРН/ОГРНИП)", "Тип документа", "Сканирований"],
                        &rows,
                        "За период сканирований нет.",
                    ));
                    let totals: Vec<Row> = by_type
                        .iter()
                        .map(|(t, n)| Row {
                            attributes: String::new(),
                            cells: vec![Cell::text(t), Cell::number(n, "n")],
                        })
                        .collect();
                    body.push_str(&html::table(
                        "scan-totals",
                        &format!("Всего за период: {total}"),
                        &["Тип документа", "Сканирований"],
                        &totals,
                        "Нет.",
                    ));
                    (200, body)
                }
                Err(e) => {
                    let status = html::store_unavailable(&mut body, "the scan counts", &e);
                    (status, body)
                }
            }
        }
    };
    html::respond(
        status,
        html::page(Section::Scans, viewer, "Сканирования", &body),
    )
}

fn search_form(from: &str, to: &str) -> String {
    format!(
        "<form id=\"scans-period\" class=\"search\" method=\"get\" action=\"/console/scans\">\
         <label for=\"from\">С дня<input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></label>\
         <label for=\"to\">По день (включительно)<input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></label>\
         <button type=\"submit\">Показать</button></form>",
        html::escape(from),
        html::escape(to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_period_is_the_last_thirty_days_and_days_are_checked() {
        let tz = gateway_reports::period::time_zone("Europe/Moscow").unwrap();
        // 2025-03-31T12:00:00+03:00.
        let now = 1_740_776_400_000 + 30 * 86_400_000 + 12 * 3_600_000;
        let (from_ms, to_ms, from, to) = period(&Fields::new(), &tz, now).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("2025-03-02", "2025-03-31"));
        assert_eq!(to_ms - from_ms, 30 * 86_400_000);
        let one = form::parse("from=2025-03-05&to=2025-03-05");
        let (a, b, ..) = period(&one, &tz, now).unwrap();
        assert_eq!(b - a, 86_400_000, "one whole day");
        assert!(period(&form::parse("from=2025-03-06&to=2025-03-05"), &tz, now).is_err());
        assert!(period(&form::parse("from=2025-03-06T10:00"), &tz, now).is_err());
    }
}
