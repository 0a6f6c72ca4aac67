//! One report end to end: profile, layout, workbook, signature, archive, e-mail, outcome.
//!
//! [`Runner::build`] makes the archive and touches nothing in the store (ad hoc runs with `--no-send`
//! use it alone). [`Runner::deliver`] builds a run this node has claimed, checks that it still holds the
//! lease, sends, and records the SMTP acceptance as the run's `sent` state at once; a failure is
//! recorded with the time of the next attempt (exponential backoff).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use gateway_store::{Delivery, ReportKind, ReportRun, Store};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use lettre::message::Mailbox;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::archive;
use crate::error::ReportError;
use crate::layout::{Layout, LayoutRequest, OrganisationInfo, PeriodInfo, TypeCount};
use crate::mail::{self, Mail, Outbox};
use crate::period::Period;
use crate::sign::Signer;
use crate::sources::{Layouts, Profile, Profiles, Progress};
use crate::workbook::{self, WorkbookOptions};

/// Facts per batch handed from the store reader to the workbook writer.
const BATCH: usize = 2048;
/// Batches in flight between them.
const IN_FLIGHT: usize = 4;

/// How the runner works.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The kind of facts reports list (`scan`).
    pub fact_kind: String,
    /// The report time zone's name (e.g. `Europe/Moscow`).
    pub time_zone_name: String,
    /// The report time zone.
    pub time_zone: TimeZone,
    /// How long a claimed run stays leased to this node.
    pub lease: Duration,
    /// The first pause after a failed attempt; doubled for each further one.
    pub retry_initial: Duration,
    /// The longest pause between attempts.
    pub retry_max: Duration,
    /// Where work files are made (default: the system's temporary directory).
    pub work_dir: Option<PathBuf>,
    /// The domain of Message-IDs.
    pub message_id_domain: String,
    /// Deflate level of the xlsx container, 1 to 9.
    pub compression: u8,
}

impl Settings {
    /// The pause before attempt `attempts + 1`, after `attempts` failed ones (at least one).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.retry_initial
            .saturating_mul(1 << doublings)
            .min(self.retry_max)
    }
}

/// What to build: a report's kind, organisation and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Scheduled or ad hoc.
    pub kind: ReportKind,
    /// ОГРН or ОГРНИП.
    pub organisation: String,
    /// The period.
    pub period: Period,
}

/// A built report: the archive in a work directory that is deleted with this value.
#[derive(Debug)]
pub struct Built {
    /// The work directory.
    pub dir: tempfile::TempDir,
    /// The zip.
    pub archive: PathBuf,
    /// The layout the plugin chose.
    pub layout: Layout,
    /// The recipient.
    pub recipient: Mailbox,
    /// Facts listed.
    pub facts: u64,
}

/// How [`Runner::deliver`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The SMTP server accepted the message; the run is `sent`.
    Sent {
        /// Its Message-ID.
        message_id: String,
        /// Its recipient.
        recipient: String,
        /// Facts listed.
        facts: u64,
    },
    /// The attempt failed; the run is `failed` and due again at `next_attempt_at` (unix ms).
    Failed {
        /// Why.
        error: String,
        /// When it is tried again.
        next_attempt_at: i64,
    },
    /// This node lost the lease before sending (another node has the run): nothing was sent.
    LeaseLost,
    /// Stopped before sending; the lease was given back.
    Cancelled,
}

impl Delivered {
    /// The `status` label of `gateway_report_runs_total`: `sent`, `failed`, `lease_lost`, `cancelled`.
    pub fn status(&self) -> &'static str {
        match self {
            Delivered::Sent { .. } => "sent",
            Delivered::Failed { .. } => "failed",
            Delivered::LeaseLost => "lease_lost",
            Delivered::Cancelled => "cancelled",
        }
    }
}

/// Builds and delivers reports.
pub struct Runner {
    store: Store,
    settings: Settings,
    signer: Arc<Signer>,
    layouts: Arc<dyn Layouts>,
    profiles: Arc<dyn Profiles>,
    outbox: Arc<dyn Outbox>,
}

impl Runner {
    /// A runner on `store` with its parts.
    pub fn new(
        store: Store,
        settings: Settings,
        signer: Arc<Signer>,
        layouts: Arc<dyn Layouts>,
        profiles: Arc<dyn Profiles>,
        outbox: Arc<dyn Outbox>,
    ) -> Runner {
        Runner {
            store,
            settings,
            signer,
            layouts,
            profiles,
            outbox,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Builds the archive of `target` in a fresh work directory.
    pub async fn build(
        &self,
        target: &Target,
        progress: Arc<dyn Progress>,
        cancel: &CancellationToken,
    ) -> Result<Built, ReportError> {
        let s = &self.settings;
        let org = target.organisation.as_str();
        let profile =
            self.profiles.profile(org).await?.ok_or_else(|| {
                ReportError::Profile(format!("no profile for organisation {org}"))
            })?;
        let recipient = recipient(&profile)?;
        let (from, to) = target.period.bounds(&s.time_zone)?;
        let (from, to) = (from.as_millisecond(), to.as_millisecond());
        let counts_by_type: Vec<TypeCount> = self
            .store
            .count_report_facts_by_type(org, &s.fact_kind, from, to)
            .await?
            .into_iter()
            .map(|(document_type, count)| TypeCount {
                document_type,
                count,
            })
            .collect();
        let total = counts_by_type.iter().map(|c| c.count).sum();
        progress.started(org, total);
        let request = LayoutRequest {
            organisation: OrganisationInfo {
                ogrn: org.to_owned(),
                name: profile.name.clone(),
            },
            period: PeriodInfo {
                from: target.period.first.to_string(),
                to: target.period.last.to_string(),
            },
            time_zone: s.time_zone_name.clone(),
            fact_count: total,
            counts_by_type,
            kind: target.kind.as_str().to_owned(),
            generated_at: Timestamp::now()
                .to_zoned(s.time_zone.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
        };
        let layout = Layout::parse(&self.layouts.layout(&request).await?)?;
        let dir = self.work_dir()?;
        let book = dir.path().join(&layout.workbook_file_name);
        let facts = self
            .write_workbook(&book, &layout, org, (from, to), progress, cancel)
            .await?;
        if cancel.is_cancelled() {
            return Err(ReportError::Cancelled);
        }
        let signer = self.signer.clone();
        let to_sign = book.clone();
        let signature = blocking(move || {
            let content =
                std::fs::read(&to_sign).map_err(|e| ReportError::io("reading the workbook", e))?;
            signer.sign_detached(&content)
        })
        .await?;
        let archive = dir.path().join(&layout.archive_file_name);
        let (out, names) = (archive.clone(), layout.clone());
        let modified = Timestamp::now().to_zoned(s.time_zone.clone()).datetime();
        blocking(move || {
            archive::write(
                &out,
                &names.workbook_file_name,
                &book,
                &names.signature_file_name,
                &signature,
                modified,
            )
        })
        .await?;
        Ok(Built {
            dir,
            archive,
            layout,
            recipient,
            facts,
        })
    }

    fn work_dir(&self) -> Result<tempfile::TempDir, ReportError> {
        let base = self
            .settings
            .work_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        tempfile::Builder::new()
            .prefix("gateway-report-")
            .tempdir_in(&base)
            .map_err(|e| {
                ReportError::io(
                    format!("creating a work directory in {}", base.display()),
                    e,
                )
            })
    }

    /// Streams the facts from the store into the workbook written on a blocking thread, the two
    /// overlapping: reading and writing proceed at once, with a few batches in flight between them.
    async fn write_workbook(
        &self,
        path: &Path,
        layout: &Layout,
        org: &str,
        (from, to): (i64, i64),
        progress: Arc<dyn Progress>,
        cancel: &CancellationToken,
    ) -> Result<u64, ReportError> {
        let (tx, mut rx) =
            mpsc::channel::<Result<Vec<gateway_store::Fact>, ReportError>>(IN_FLIGHT);
        let options = WorkbookOptions {
            temp_dir: path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(std::env::temp_dir),
            compression: self.settings.compression,
        };
        let (path, layout, tz) = (
            path.to_path_buf(),
            layout.clone(),
            self.settings.time_zone.clone(),
        );
        let writer = tokio::task::spawn_blocking(move || {
            let batches = std::iter::from_fn(|| rx.blocking_recv());
            workbook::write(&path, &layout, &tz, &options, batches, |n| progress.rows(n))
        });
        let mut facts = self
            .store
            .report_facts(org, &self.settings.fact_kind, from, to)
            .chunks(BATCH);
        while let Some(batch) = facts.next().await {
            let batch: Result<Vec<_>, _> = batch.into_iter().collect();
            let stop = batch.is_err() || cancel.is_cancelled();
            let item = if cancel.is_cancelled() {
                Err(ReportError::Cancelled)
            } else {
                batch.map_err(ReportError::from)
            };
            if tx.send(item).await.is_err() || stop {
                break; // the writer stopped (its error is below), or the reading did
            }
        }
        drop(tx);
        writer
            .await
            .map_err(|e| ReportError::Workbook(format!("the writer thread failed: {e}")))?
    }

    /// Builds and sends `run`, which this node has claimed, and records the outcome. With `keep`, a
    /// copy of the archive is left in that directory. Each run is counted in the process's metrics (the
    /// `metrics` facade; the gateway exports them): `gateway_report_runs_total` by kind and
    /// [`Delivered::status`].
    pub async fn deliver(
        &self,
        run: &ReportRun,
        keep: Option<&Path>,
        progress: Arc<dyn Progress>,
        cancel: &CancellationToken,
    ) -> Delivered {
        let delivered = self.deliver_once(run, keep, progress, cancel).await;
        metrics::counter!("gateway_report_runs_total",
            "kind" => run.kind.as_str(), "status" => delivered.status())
        .increment(1);
        delivered
    }

    async fn deliver_once(
        &self,
        run: &ReportRun,
        keep: Option<&Path>,
        progress: Arc<dyn Progress>,
        cancel: &CancellationToken,
    ) -> Delivered {
        match self.try_deliver(run, keep, progress, cancel).await {
            Ok(d) => d,
            Err(ReportError::Cancelled) => {
                if let Err(e) = self.store.release_report(run.id).await {
                    tracing::warn!(report = run.id, error = %e, "could not give back the report's lease");
                }
                Delivered::Cancelled
            }
            Err(e) => self.failed(run, &e).await,
        }
    }

    async fn try_deliver(
        &self,
        run: &ReportRun,
        keep: Option<&Path>,
        progress: Arc<dyn Progress>,
        cancel: &CancellationToken,
    ) -> Result<Delivered, ReportError> {
        let period = Period::from_store(&run.period)?;
        let target = Target {
            kind: run.kind,
            organisation: run.organisation.clone(),
            period,
        };
        let built = self.build(&target, progress, cancel).await?;
        if let Some(dir) = keep {
            copy_into(&built.archive, dir, &built.layout.archive_file_name).await?;
        }
        if cancel.is_cancelled() {
            return Err(ReportError::Cancelled);
        }
        if !self
            .store
            .renew_report_lease(run.id, self.settings.lease)
            .await?
        {
            tracing::warn!(
                report = run.id,
                "the report's lease ran out and another node took it: not sending"
            );
            return Ok(Delivered::LeaseLost);
        }
        let attachment = tokio::fs::read(&built.archive)
            .await
            .map_err(|e| ReportError::io("reading the archive", e))?;
        let message_id = mail::message_id(
            run.kind.as_str(),
            &run.organisation,
            &period,
            &self.settings.message_id_domain,
        );
        let recipient = built.recipient.email.to_string();
        let accepted = self
            .outbox
            .send(Mail {
                to: built.recipient.clone(),
                subject: built.layout.email.subject.clone(),
                body: built.layout.email.body.clone(),
                files: vec![mail::MailFile {
                    name: built.layout.archive_file_name.clone(),
                    content_type: "application/zip".into(),
                    data: attachment,
                }],
                message_id: message_id.clone(),
            })
            .await?;
        let delivery = Delivery {
            message_id: message_id.clone(),
            recipient: recipient.clone(),
            facts: built.facts,
            smtp_response: accepted.response,
            sent_at: Timestamp::now().as_millisecond(),
        };
        self.record_sent(run.id, &delivery).await;
        Ok(Delivered::Sent {
            message_id,
            recipient,
            facts: built.facts,
        })
    }

    /// Records the acceptance, trying a few times: the message is out, and a run left unsent would be
    /// sent again.
    async fn record_sent(&self, id: i64, delivery: &Delivery) {
        for attempt in 0..5u32 {
            match self.store.mark_report_sent(id, delivery).await {
                Ok(true) => return,
                Ok(false) => {
                    tracing::error!(report = id, message_id = %delivery.message_id,
                        "sent, but this node no longer held the lease: another node may send it again");
                    return;
                }
                Err(e) => {
                    tracing::warn!(report = id, error = %e, "recording the sent report failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200) * (1 << attempt)).await;
                }
            }
        }
        tracing::error!(report = id, message_id = %delivery.message_id,
            "sent, but the store did not record it: it will be sent again with the same Message-ID");
    }

    async fn failed(&self, run: &ReportRun, e: &ReportError) -> Delivered {
        let pause = self.settings.backoff(run.attempts.max(1));
        let next = Timestamp::now()
            .as_millisecond()
            .saturating_add(i64::try_from(pause.as_millis()).unwrap_or(i64::MAX));
        let error = e.to_string();
        tracing::warn!(report = run.id, attempts = run.attempts, retry_in_s = pause.as_secs(), %error, "report not delivered");
        if let Err(store) = self.store.mark_report_failed(run.id, &error, next).await {
            tracing::error!(report = run.id, error = %store, "could not record the failed attempt; the lease will run out");
        }
        Delivered::Failed {
            error,
            next_attempt_at: next,
        }
    }
}

/// The profile's address as a mailbox with the organisation's name.
fn recipient(profile: &Profile) -> Result<Mailbox, ReportError> {
    let address = profile.email.trim().parse().map_err(|e| {
        ReportError::Profile(format!("the profile's e-mail address is unusable: {e}"))
    })?;
    Ok(Mailbox::new(Some(profile.name.clone()), address))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ReportError> + Send + 'static,
) -> Result<T, ReportError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ReportError::Workbook(format!("a worker thread failed: {e}")))?
}

/// Copies `file` into `dir` as `name`.
pub async fn copy_into(file: &Path, dir: &Path, name: &str) -> Result<PathBuf, ReportError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| ReportError::io(format!("creating {}", dir.display()), e))?;
    let target = dir.join(name);
    tokio::fs::copy(file, &target)
        .await
        .map_err(|e| ReportError::io(format!("copying the archive to {}", target.display()), e))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            fact_kind: "scan".into(),
            time_zone_name: "UTC".into(),
            time_zone: TimeZone::UTC,
            lease: Duration::from_secs(60),
            retry_initial: Duration::from_secs(30),
            retry_max: Duration::from_secs(600),
            work_dir: None,
            message_id_domain: "x".into(),
            compression: 3,
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = settings();
        let secs: Vec<u64> = [0, 1, 2, 3, 5, 6, 100]
            .iter()
            .map(|a| s.backoff(*a).as_secs())
            .collect();
        assert_eq!(secs, [30, 30, 60, 120, 480, 600, 600]);
    }

    #[test]
    fn a_profile_needs_a_usable_address() {
        let ok = Profile {
            name: "ООО «Пример»".into(),
            email: " reports@example.org ".into(),
        };
        assert_eq!(
            recipient(&ok).unwrap().email.to_string(),
            "reports@example.org"
        );
        let bad = Profile {
            name: "x".into(),
            email: "none".into(),
        };
        assert!(matches!(recipient(&bad), Err(ReportError::Profile(_))));
    }
}
