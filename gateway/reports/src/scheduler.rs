//! The scheduler's tick, run by every node: record the periods that have become due (once, whichever
//! node comes first), then claim due reports and deliver them, `parallel` at a time.
//!
//! Periods are enqueued oldest first and clipped so that they never overlap one already recorded (a
//! schedule changed from `daily` to `every 30 days` continues after the last daily period), and a period
//! wholly covered already is skipped: a repeated tick, a restart or a second node enqueue nothing new.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{Timestamp, ToSpan};
use tokio_util::sync::CancellationToken;

use crate::error::ReportError;
use crate::period::{Period, parse_date};
use crate::runner::{Delivered, Runner};
use crate::schedule::Schedule;
use crate::sources::Progress;

/// Reports one tick delivers at most, so a tick ends now and then even under a long backlog.
const MAX_PER_TICK: usize = 1000;

/// When reports are made.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The schedule.
    pub schedule: Schedule,
    /// How long after its end an `every N days` period becomes due (late facts arrive meanwhile).
    pub delay: Duration,
    /// How many of the latest due periods each tick considers (to catch up after downtime).
    pub catch_up: usize,
    /// How long sent reports stay in the history.
    pub keep_sent: Duration,
    /// How many reports a node builds and sends at once (at least one). The fixed cost of a report (its store
    /// transactions, layout, signature and e-mail) overlaps across them; the building itself runs on
    /// blocking threads.
    pub parallel: usize,
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Periods recorded by this tick, with the number of reports each created.
    pub enqueued: Vec<(Period, u32)>,
    /// Reports sent.
    pub sent: usize,
    /// Reports whose attempt failed (they are tried again later).
    pub failed: usize,
}

/// The scheduler of one node.
pub struct Scheduler {
    runner: Arc<Runner>,
    plan: Plan,
}

impl Scheduler {
    /// A scheduler delivering with `runner` on `plan`.
    pub fn new(runner: Arc<Runner>, plan: Plan) -> Scheduler {
        Scheduler { runner, plan }
    }

    /// The same plan with `runner` (one made from a reloaded config).
    pub fn with_runner(self, runner: Arc<Runner>) -> Scheduler {
        Scheduler { runner, ..self }
    }

    /// The runner.
    pub fn runner(&self) -> &Arc<Runner> {
        &self.runner
    }

    /// Records the periods due at `now` that no recorded period covers yet; returns them with the
    /// number of reports each created.
    pub async fn enqueue_due(&self, now: Timestamp) -> Result<Vec<(Period, u32)>, ReportError> {
        let s = self.runner.settings();
        let now = now.to_zoned(s.time_zone.clone());
        let due = self
            .plan
            .schedule
            .due_periods(&now, self.plan.delay, self.plan.catch_up)?;
        let store = self.runner.store();
        let mut covered_until = match store.last_report_period().await? {
            Some((_, last)) => Some(parse_date(&last)?),
            None => None,
        };
        let mut recorded = Vec::new();
        for p in due {
            let first = match covered_until {
                Some(last) if last >= p.last => continue,
                Some(last) if last >= p.first => last
                    .checked_add(1.day())
                    .map_err(|e| ReportError::Config(e.to_string()))?,
                _ => p.first,
            };
            let period = Period::new(first, p.last)?;
            let stored = period.to_store(&s.time_zone)?;
            match store
                .record_report_period(&stored, &s.fact_kind, now.timestamp().as_millisecond())
                .await?
            {
                Some(created) => {
                    if created > 0 {
                        tracing::info!(period = %period, reports = created, "report period enqueued");
                    } else {
                        tracing::debug!(period = %period, "report period enqueued: no organisation has facts in it");
                    }
                    recorded.push((period, created));
                }
                None => {
                    tracing::debug!(period = %period, "report period already enqueued by another node")
                }
            }
            covered_until = Some(period.last);
        }
        Ok(recorded)
    }

    /// One tick: forget sent reports older than [`Plan::keep_sent`], enqueue what is due, then deliver
    /// the reports due when the tick started until none is left, `cancel` fires, or [`MAX_PER_TICK`]
    /// were handled (a report failing now waits for a later tick).
    pub async fn tick(&self, progress: Arc<dyn Progress>, cancel: &CancellationToken) -> Tick {
        let mut tick = Tick::default();
        let keep = i64::try_from(self.plan.keep_sent.as_millis()).unwrap_or(i64::MAX);
        let cutoff = Timestamp::now().as_millisecond().saturating_sub(keep);
        match self.runner.store().delete_sent_reports_before(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                deleted = n,
                "sent reports past their history retention deleted"
            ),
            Err(e) => tracing::warn!(error = %e, "deleting old report history failed"),
        }
        match self.enqueue_due(Timestamp::now()).await {
            Ok(e) => tick.enqueued = e,
            Err(e) => tracing::warn!(error = %e, "enqueuing due report periods failed"),
        }
        // Runs that fail from here on are due after this: they wait for the next tick.
        let started = Timestamp::now().as_millisecond();
        let budget = AtomicUsize::new(MAX_PER_TICK);
        let done = Mutex::new((0usize, 0usize));
        let workers = (0..self.plan.parallel.max(1))
            .map(|_| self.deliver_due(started, &budget, &done, &progress, cancel));
        futures::future::join_all(workers).await;
        let (sent, failed) = *done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tick.sent = sent;
        tick.failed = failed;
        tick
    }

    /// One of a tick's workers: claims the next report due by `started` and delivers it, until none is left,
    /// the tick's `budget` is spent or `cancel` fires; counts what it sent and what failed in `done`.
    async fn deliver_due(
        &self,
        started: i64,
        budget: &AtomicUsize,
        done: &Mutex<(usize, usize)>,
        progress: &Arc<dyn Progress>,
        cancel: &CancellationToken,
    ) {
        let lease = self.runner.settings().lease;
        while !cancel.is_cancelled()
            && budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
        {
            let run = match self
                .runner
                .store()
                .claim_reports_due_by(lease, 1, started)
                .await
            {
                Ok(mut runs) => match runs.pop() {
                    Some(run) => run,
                    None => break,
                },
                Err(e) => {
                    tracing::warn!(error = %e, "claiming due reports failed");
                    break;
                }
            };
            let delivered = self
                .runner
                .deliver(&run, None, progress.clone(), cancel)
                .await;
            let mut done = done
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match delivered {
                Delivered::Sent {
                    message_id,
                    recipient,
                    facts,
                } => {
                    tracing::info!(report = run.id, organisation = %run.organisation, %message_id, %recipient, facts, "report sent");
                    done.0 += 1;
                }
                Delivered::Failed { .. } => done.1 += 1,
                Delivered::LeaseLost => {}
                Delivered::Cancelled => break,
            }
        }
    }
}
