//! «Журнал»: the journal of every sender searched by message id, message type, sender and period, newest
//! first, at most [`LIMIT`] entries. Metadata only: time, node, sender, message id, type, direction, outcome,
//! duration; never a payload (the journal holds none) nor a detail.
//!
//! A search must stay cheap: without a message id, it covers a period of at most [`MAX_PERIOD_MS`] (a longer
//! one is refused), the last [`DEFAULT_PERIOD_MS`] when the form names no period.

use gateway_store::{Direction, JournalEntry, JournalQuery};
use hyper::Response;
use jiff::tz::TimeZone;

use crate::app::App;
use crate::console::clock::{self, End};
use crate::console::form::{self, Fields};
use crate::console::html::{self, Cell, Row, Section, Viewer};
use crate::respond::Body;

/// The most entries one search shows.
pub const LIMIT: u32 = 200;

/// The period a search without a message id or a period covers: the last 24 hours.
pub const DEFAULT_PERIOD_MS: i64 = 24 * 3_600_000;

/// The longest period a search without a message id may cover: 31 days.
pub const MAX_PERIOD_MS: i64 = 31 * 24 * 3_600_000;

/// The longest value a search field takes.
const MAX_FIELD: usize = 512;

/// A search as the form gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// One sender's entries only.
    pub sender: Option<String>,
    /// The store's filters.
    pub query: JournalQuery,
}

/// Reads the form's fields (`message_id`, `message_type`, `sender`, `from`, `to`) in `tz` at unix ms `now`;
/// every problem is named. Without a message id the period starts [`DEFAULT_PERIOD_MS`] before its end (or
/// `now`) when `from` is empty, and may not be longer than [`MAX_PERIOD_MS`].
pub fn parse(fields: &Fields, tz: &TimeZone, now: i64) -> Result<Search, Vec<String>> {
    let mut problems = Vec::new();
    let mut text = |name: &str, label: &str| {
        let v = form::value(fields, name)?;
        if v.chars().count() > MAX_FIELD {
            problems.push(format!("{label}: не длиннее {MAX_FIELD} знаков"));
            return None;
        }
        Some(v.to_owned())
    };
    let message_id = text("message_id", "Идентификатор сообщения");
    let message_type = text("message_type", "Тип сообщения");
    let sender = text("sender", "Отправитель");
    let mut time = |name: &str, end: End| {
        let v = form::value(fields, name)?;
        clock::parse(v, end, tz).map_err(|e| problems.push(e)).ok()
    };
    let given_from = form::value(fields, "from").is_some();
    let mut from_ms = time("from", End::From);
    let to_ms = time("to", End::To);
    if let (Some(f), Some(t)) = (from_ms, to_ms)
        && f >= t
    {
        problems.push("Начало периода должно быть раньше его конца".into());
    }
    if message_id.is_none() && problems.is_empty() {
        let end = to_ms.unwrap_or(now);
        let start = match from_ms {
            Some(f) => f,
            None if given_from => end, // unreadable: named above
            None => end - DEFAULT_PERIOD_MS,
        };
        if end - start > MAX_PERIOD_MS {
            problems.push(
                "Период без идентификатора сообщения — не длиннее 31 дня: сократите период или укажите идентификатор"
                    .into(),
            );
        }
        from_ms = Some(start);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Search {
        sender,
        query: JournalQuery {
            message_id,
            message_type,
            from_ms,
            to_ms,
            limit: Some(LIMIT),
        },
    })
}

/// The page: the form, then what it found (or why it could not search).
pub async fn page(app: &App, viewer: &Viewer, fields: &Fields) -> Response<Body> {
    let tz = clock::zone(&app.config);
    let mut body = search_form(app, fields, &tz);
    if form::value(fields, "message_id").is_none()
        && form::value(fields, "from").is_none()
        && form::value(fields, "to").is_none()
    {
        body.push_str(
            "<p id=\"default-period\">Период не указан: показаны записи за последние 24 часа.</p>",
        );
    }
    let status = match parse(fields, &tz, crate::tokens::now_ms()) {
        Err(problems) => {
            body.push_str(&html::message(None, Some(&problems.join("; "))));
            400
        }
        Ok(search) => match super::store(
            app.queue
                .store
                .search_journal(search.sender.as_deref(), &search.query),
        )
        .await
        {
            Ok(entries) => {
                body.push_str(&results(&entries, &tz));
                200
            }
            Err(e) => html::store_unavailable(&mut body, "the journal", &e),
        },
    };
    html::respond(
        status,
        html::page(Section::Journal, viewer, "Журнал", &body),
    )
}

fn search_form(app: &App, fields: &Fields, tz: &TimeZone) -> String {
    let value = |name: &str| html::escape(fields.get(name).map_or("", |v| v.trim()));
    let senders: String = app
        .config
        .senders
        .iter()
        .map(|s| format!("<option value=\"{}\">", html::escape(&s.mnemonic)))
        .collect();
    let types: String = app
        .config
        .routes
        .iter()
        .map(|r| format!("<option value=\"{}\">", html::escape(&r.message_type)))
        .collect();
    let field = |name: &str, label: &str, kind: &str, extra: &str| {
        format!(
            "<label for=\"{name}\">{label}<input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{}\"{extra}></label>",
            value(name)
        )
    };
    format!(
        "<form id=\"journal-search\" class=\"search\" method=\"get\" action=\"/console/journal\" role=\"search\">\
         {}{}{}{}{}<button type=\"submit\">Найти</button></form>\
         <datalist id=\"senders\">{senders}</datalist><datalist id=\"types\">{types}</datalist>\
         <p>Время — {} (часовой пояс консоли). Показываются только сведения о сообщениях, без их содержимого.</p>",
        field(
            "message_id",
            "Идентификатор сообщения",
            "text",
            " size=\"38\""
        ),
        field(
            "message_type",
            "Тип сообщения",
            "text",
            " list=\"types\" size=\"40\""
        ),
        field(
            "sender",
            "Отправитель",
            "text",
            " list=\"senders\" size=\"10\""
        ),
        field("from", "С", "datetime-local", ""),
        field("to", "По", "datetime-local", ""),
        html::escape(tz.iana_name().unwrap_or("UTC")),
    )
}

fn results(entries: &[JournalEntry], tz: &TimeZone) -> String {
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| Row {
            attributes: format!(" data-message-id=\"{}\"", html::escape(&e.message_id)),
            cells: vec![
                Cell::text(&clock::show(e.at, tz)),
                Cell::text(&e.node),
                Cell::text(&e.sender).class("sender"),
                Cell::html(format!("<code>{}</code>", html::escape(&e.message_id)))
                    .class("message-id"),
                Cell::text(e.message_type.as_deref().unwrap_or("—")).class("type"),
                Cell::text(match e.direction {
                    Direction::In => "входящее",
                    Direction::Out => "исходящее",
                }),
                Cell::text(&e.outcome).class("outcome"),
                Cell::text(
                    &e.duration_us
                        .map_or("—".into(), |us| format!("{:.1} мс", us as f64 / 1000.0)),
                )
                .class("n"),
            ],
        })
        .collect();
    let caption = if entries.len() as u32 >= LIMIT {
        format!(
            "Найдено записей: {} (показаны {LIMIT} новейших)",
            entries.len()
        )
    } else {
        format!("Найдено записей: {}", entries.len())
    };
    html::table(
        "journal",
        &caption,
        &[
            "Время",
            "Узел",
            "Отправитель",
            "Идентификатор сообщения",
            "Тип сообщения",
            "Направление",
            "Итог",
            "Длительность",
        ],
        &rows,
        "Ничего не найдено.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-03-10 00:00 Moscow.
    const NOW: i64 = 1_740_776_400_000 + 9 * 86_400_000;

    fn moscow() -> TimeZone {
        gateway_reports::period::time_zone("Europe/Moscow").unwrap()
    }

    #[test]
    fn a_search_reads_every_field_and_leaves_empty_ones_out() {
        let fields = form::parse(
            "message_id=+abc-1+&message_type=%7Burn%3Ax%7DT&sender=A&from=2025-03-01T10%3A00&to=2025-03-01",
        );
        let s = parse(&fields, &moscow(), NOW).unwrap();
        assert_eq!(s.sender.as_deref(), Some("A"));
        assert_eq!(s.query.message_id.as_deref(), Some("abc-1"));
        assert_eq!(s.query.message_type.as_deref(), Some("{urn:x}T"));
        assert_eq!(s.query.from_ms, Some(1_740_776_400_000 + 10 * 3_600_000));
        assert_eq!(s.query.to_ms, Some(1_740_776_400_000 + 86_400_000));
        assert_eq!(s.query.limit, Some(LIMIT));
        let empty = parse(&form::parse("message_id=&sender=+&from="), &moscow(), NOW).unwrap();
        assert_eq!(
            empty,
            Search {
                sender: None,
                query: JournalQuery {
                    from_ms: Some(NOW - DEFAULT_PERIOD_MS),
                    limit: Some(LIMIT),
                    ..JournalQuery::default()
                }
            },
            "no message id nor period: the last 24 hours"
        );
    }

    #[test]
    fn without_a_message_id_the_period_is_bounded() {
        let tz = moscow();
        // Only an end: the 24 hours before it.
        let s = parse(&form::parse("to=2025-03-01"), &tz, NOW).unwrap();
        let end = 1_740_776_400_000 + 86_400_000;
        assert_eq!(
            (s.query.from_ms, s.query.to_ms),
            (Some(end - DEFAULT_PERIOD_MS), Some(end))
        );
        // Only a start: up to now, at most 31 days.
        let march = parse(&form::parse("from=2025-03-01"), &tz, NOW).unwrap();
        assert_eq!(
            (march.query.from_ms, march.query.to_ms),
            (Some(1_740_776_400_000), None)
        );
        let long_ago = parse(&form::parse("from=2024-01-01"), &tz, NOW).unwrap_err();
        assert_eq!(long_ago.len(), 1);
        assert!(long_ago[0].contains("31 дня"), "{long_ago:?}");
        // Exactly 31 days pass, 31 days and a minute do not.
        assert!(parse(&form::parse("from=2025-01-01&to=2025-01-31"), &tz, NOW).is_ok());
        assert!(
            parse(
                &form::parse("from=2025-01-01&to=2025-02-01T00:01"),
                &tz,
                NOW
            )
            .is_err()
        );
        // A message id lifts the bound and the default.
        let by_id = parse(&form::parse("message_id=m1&from=2020-01-01"), &tz, NOW).unwrap();
        assert_eq!(
            by_id.query.from_ms.map(|f| f < NOW - MAX_PERIOD_MS),
            Some(true)
        );
        let by_id_only = parse(&form::parse("message_id=m1"), &tz, NOW).unwrap();
        assert_eq!(
            (by_id_only.query.from_ms, by_id_only.query.to_ms),
            (None, None)
        );
    }

    #[test]
    fn bad_values_are_each_named() {
        let long = "x".repeat(MAX_FIELD + 1);
        let fields = form::parse(&format!("message_id={long}&from=yesterday&to=2025-13-01"));
        let problems = parse(&fields, &moscow(), NOW).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        let reversed = form::parse("from=2025-03-02&to=2025-03-01T00:00");
        assert!(parse(&reversed, &moscow(), NOW).unwrap_err()[0].contains("раньше"));
    }
}
