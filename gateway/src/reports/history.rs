//! `GET /api/v1/reports?from=&to=&org=&status=&limit=`: the report history, for operators.
//!
//! The caller authenticates as any sender does (client certificate or bearer token) and must be listed in
//! `[reports] operators`. `from` / `to` (days, `YYYY-MM-DD`) select reports whose period overlaps them,
//! `org` one organisation (ОГРН/ОГРНИП), `status` one of `pending`, `failed`, `sent`; `limit` (default 100,
//! at most 1000) caps the answer, newest first. A failed delivery shows its attempts, last error and the
//! time of the next attempt.

use std::sync::Arc;

use gateway_store::{ReportQuery, ReportRun, ReportStatus};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::Serialize;
use smev_envelope::{Fault, FaultKind};

use crate::app::App;
use crate::auth::ConnInfo;
use crate::call::Call;
use crate::error::Failure;
use crate::respond::{self, Body};

/// One report run as the endpoint shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRecord {
    /// The run's id.
    pub id: i64,
    /// `scheduled` or `adhoc`.
    pub kind: String,
    /// ОГРН / ОГРНИП.
    pub organisation: String,
    /// First day of the period.
    pub period_from: String,
    /// Last day of the period.
    pub period_to: String,
    /// `pending`, `failed` or `sent`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt is due (RFC 3339), while not sent.
    pub next_attempt_at: Option<String>,
    /// The node working on it now.
    pub leased_to: Option<String>,
    /// The node that sent it.
    pub sent_by: Option<String>,
    /// The e-mail's Message-ID.
    pub message_id: Option<String>,
    /// Where it was sent.
    pub recipient: Option<String>,
    /// Facts listed.
    pub facts: Option<u64>,
    /// The SMTP server's acceptance.
    pub smtp_response: Option<String>,
    /// When it was accepted (RFC 3339).
    pub sent_at: Option<String>,
    /// When the run was created (RFC 3339).
    pub created_at: String,
}

impl ReportRecord {
    fn from_run(r: ReportRun) -> ReportRecord {
        let sent = r.status == ReportStatus::Sent;
        let now = crate::tokens::now_ms();
        ReportRecord {
            id: r.id,
            kind: r.kind.as_str().into(),
            organisation: r.organisation,
            period_from: r.period.first,
            period_to: r.period.last,
            status: r.status.as_str().into(),
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: (!sent).then(|| rfc3339(r.next_attempt_at)),
            leased_to: r
                .lease_owner
                .clone()
                .filter(|_| !sent && r.lease_until.is_some_and(|u| u > now)),
            sent_by: r.lease_owner.filter(|_| sent),
            message_id: r.message_id,
            recipient: r.recipient,
            facts: r.facts,
            smtp_response: r.smtp_response,
            sent_at: r.sent_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
        }
    }
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Serves the endpoint.
pub async fn handle(app: &Arc<App>, conn: &ConnInfo, req: Request<Incoming>) -> Response<Body> {
    let sender = match Call::authenticate(&app.edge.auth, conn, &req, &app.node) {
        Ok(c) => c.sender,
        Err(f) => return crate::respond::problem(&f, None),
    };
    let Some(reports) = &app.config.reports else {
        return respond::not_found();
    };
    if !reports.operators.iter().any(|o| *o == sender.mnemonic) {
        let f = Failure::of(
            FaultKind::AccessDenied,
            "Отправителю не разрешено читать историю отчётов",
        );
        return crate::respond::problem(&f, None);
    }
    let query = match parse_query(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => {
            return crate::respond::problem(
                &Failure::client(Fault::invalid_content(vec![e])),
                None,
            );
        }
    };
    match app.queue.store.find_reports(&query).await {
        Ok(runs) => {
            let reports: Vec<ReportRecord> = runs.into_iter().map(ReportRecord::from_run).collect();
            respond::json(200, &serde_json::json!({ "reports": reports }))
        }
        Err(e) => crate::respond::problem(&Failure::from(e), None),
    }
}

/// Reads the query string; every value is checked.
pub fn parse_query(query: &str) -> Result<ReportQuery, String> {
    let mut q = ReportQuery::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(raw).ok_or_else(|| format!("`{key}`: bad percent-encoding"))?;
        match key {
            "from" | "to" => {
                let day = gateway_reports::period::parse_date(&value)
                    .map_err(|e| format!("{key}: {e}"))?;
                if key == "from" {
                    q.from = Some(day.to_string())
                } else {
                    q.to = Some(day.to_string())
                }
            }
            "org" => {
                ru_identifiers::check_ogrn_or_ogrnip(&value).map_err(|e| format!("org: {e}"))?;
                q.organisation = Some(value);
            }
            "status" => {
                q.status = Some(match value.as_str() {
                    "pending" => ReportStatus::Pending,
                    "failed" => ReportStatus::Failed,
                    "sent" => ReportStatus::Sent,
                    _ => return Err("status: one of pending, failed, sent".into()),
                })
            }
            "limit" => {
                let n: u32 = value.parse().map_err(|_| "limit: a number".to_owned())?;
                if !(1..=gateway_store::MAX_REPORT_ROWS).contains(&n) {
                    return Err(format!("limit: 1 to {}", gateway_store::MAX_REPORT_ROWS));
                }
                q.limit = Some(n);
            }
            other => {
                return Err(format!(
                    "unknown parameter `{other}` (from, to, org, status, limit)"
                ));
            }
        }
    }
    Ok(q)
}

/// `%XX` and `+` decoded; `None` when malformed or not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_and_checked() {
        let q =
            parse_query("from=2025-03-01&to=2025-03-31&org=1175000001010&status=failed&limit=5")
                .unwrap();
        assert_eq!(q.from.as_deref(), Some("2025-03-01"));
        assert_eq!(q.to.as_deref(), Some("2025-03-31"));
        assert_eq!(q.organisation.as_deref(), Some("1175000001010"));
        assert_eq!(q.status, Some(ReportStatus::Failed));
        assert_eq!(q.limit, Some(5));
        assert_eq!(parse_query("").unwrap(), ReportQuery::default());
        assert_eq!(
            parse_query("from=2025%2D03%2D01").unwrap().from.as_deref(),
            Some("2025-03-01")
        );
        for bad in [
            "from=03.2025",
            "org=1175000001011",
            "status=lost",
            "limit=0",
            "limit=x",
            "x=1",
            "from=%zz",
        ] {
            assert!(parse_query(bad).is_err(), "{bad}");
        }
    }
}
