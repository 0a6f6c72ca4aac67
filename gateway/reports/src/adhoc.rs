//! Ad hoc runs (`gateway report run`): reports of any period for one or every organisation, made now.
//!
//! They are runs of kind `adhoc`, so they never mark a scheduled period as done. Sent, they follow the
//! same rule as scheduled ones: once per organisation and period (a repeated run sends nothing new and
//! says so), and a failed delivery stays visible and is retried by the scheduler. With `send` false
//! nothing in the store changes: the archives are only written to the output directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gateway_store::{NewReport, ReportKind, ReportStatus};
use tokio_util::sync::CancellationToken;

use crate::error::ReportError;
use crate::period::Period;
use crate::runner::{Delivered, Runner, Target, copy_into};
use crate::sources::Progress;

/// What an ad hoc run should do.
#[derive(Debug, Clone)]
pub struct AdhocRequest {
    /// The period.
    pub period: Period,
    /// These organisations; `None`: every organisation with facts in the period.
    pub organisations: Option<Vec<String>>,
    /// Leave a copy of each archive here.
    pub out: Option<PathBuf>,
    /// E-mail the reports (false: only write them to `out`).
    pub send: bool,
}

/// What happened to one organisation's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdhocOutcome {
    /// Sent now.
    Sent {
        /// Its Message-ID.
        message_id: String,
        /// Its recipient.
        recipient: String,
        /// Facts listed.
        facts: u64,
    },
    /// Written to the output directory only.
    Written {
        /// The archive.
        archive: PathBuf,
        /// Facts listed.
        facts: u64,
    },
    /// Sent by an earlier run: nothing new was sent.
    AlreadySent {
        /// Its Message-ID.
        message_id: Option<String>,
    },
    /// Another process is working on it right now.
    Busy,
    /// It failed; if it was to be sent, the scheduler tries again at `next_attempt_at` (unix ms).
    Failed {
        /// Why.
        error: String,
        /// The next attempt, when there will be one.
        next_attempt_at: Option<i64>,
    },
    /// Stopped before sending.
    Cancelled,
}

/// Runs `request` one organisation after another; returns each organisation's outcome in order.
pub async fn run(
    runner: &Runner,
    request: &AdhocRequest,
    progress: Arc<dyn Progress>,
    cancel: &CancellationToken,
) -> Result<Vec<(String, AdhocOutcome)>, ReportError> {
    let s = runner.settings();
    let stored = request.period.to_store(&s.time_zone)?;
    let organisations = match &request.organisations {
        Some(list) => list.clone(),
        None => {
            runner
                .store()
                .report_organisations(&s.fact_kind, stored.from_ms, stored.to_ms)
                .await?
        }
    };
    let mut outcomes = Vec::with_capacity(organisations.len());
    for org in organisations {
        if cancel.is_cancelled() {
            outcomes.push((org, AdhocOutcome::Cancelled));
            continue;
        }
        let outcome = if request.send {
            send_one(
                runner,
                &org,
                &stored,
                request.out.as_deref(),
                progress.clone(),
                cancel,
            )
            .await?
        } else {
            write_one(
                runner,
                &org,
                request.period,
                request.out.as_deref(),
                progress.clone(),
                cancel,
            )
            .await
        };
        progress.finished(&describe(&outcome));
        outcomes.push((org, outcome));
    }
    Ok(outcomes)
}

async fn send_one(
    runner: &Runner,
    org: &str,
    period: &gateway_store::ReportPeriod,
    out: Option<&Path>,
    progress: Arc<dyn Progress>,
    cancel: &CancellationToken,
) -> Result<AdhocOutcome, ReportError> {
    let store = runner.store();
    let new = NewReport {
        kind: ReportKind::Adhoc,
        organisation: org.to_owned(),
        period: period.clone(),
        fact_kind: runner.settings().fact_kind.clone(),
    };
    let existing = store.ensure_report(&new).await?;
    if existing.status == ReportStatus::Sent {
        return Ok(AdhocOutcome::AlreadySent {
            message_id: existing.message_id,
        });
    }
    let Some(run) = store
        .claim_report(existing.id, runner.settings().lease)
        .await?
    else {
        return Ok(match store.report(existing.id).await? {
            Some(r) if r.status == ReportStatus::Sent => AdhocOutcome::AlreadySent {
                message_id: r.message_id,
            },
            _ => AdhocOutcome::Busy,
        });
    };
    Ok(match runner.deliver(&run, out, progress, cancel).await {
        Delivered::Sent {
            message_id,
            recipient,
            facts,
        } => AdhocOutcome::Sent {
            message_id,
            recipient,
            facts,
        },
        Delivered::Failed {
            error,
            next_attempt_at,
        } => AdhocOutcome::Failed {
            error,
            next_attempt_at: Some(next_attempt_at),
        },
        Delivered::LeaseLost => AdhocOutcome::Busy,
        Delivered::Cancelled => AdhocOutcome::Cancelled,
    })
}

async fn write_one(
    runner: &Runner,
    org: &str,
    period: Period,
    out: Option<&Path>,
    progress: Arc<dyn Progress>,
    cancel: &CancellationToken,
) -> AdhocOutcome {
    let target = Target {
        kind: ReportKind::Adhoc,
        organisation: org.to_owned(),
        period,
    };
    let written = async {
        let built = runner.build(&target, progress, cancel).await?;
        let dir = out
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let archive = copy_into(&built.archive, &dir, &built.layout.archive_file_name).await?;
        Ok::<_, ReportError>(AdhocOutcome::Written {
            archive,
            facts: built.facts,
        })
    };
    match written.await {
        Ok(o) => o,
        Err(ReportError::Cancelled) => AdhocOutcome::Cancelled,
        Err(e) => AdhocOutcome::Failed {
            error: e.to_string(),
            next_attempt_at: None,
        },
    }
}

/// A short description for people.
pub fn describe(o: &AdhocOutcome) -> String {
    match o {
        AdhocOutcome::Sent {
            recipient, facts, ..
        } => format!("sent to {recipient} ({facts} facts)"),
        AdhocOutcome::Written { archive, facts } => {
            format!("written to {} ({facts} facts)", archive.display())
        }
        AdhocOutcome::AlreadySent { message_id } => {
            format!(
                "already sent ({}): nothing new sent",
                message_id.as_deref().unwrap_or("no id")
            )
        }
        AdhocOutcome::Busy => "another process is working on it".into(),
        AdhocOutcome::Failed {
            error,
            next_attempt_at: Some(_),
        } => {
            format!("failed: {error} (the scheduler tries again)")
        }
        AdhocOutcome::Failed {
            error,
            next_attempt_at: None,
        } => format!("failed: {error}"),
        AdhocOutcome::Cancelled => "cancelled".into(),
    }
}
