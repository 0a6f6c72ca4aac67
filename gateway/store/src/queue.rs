//! The per-sender queues: responses (GetResponse / Ack) and status events (GetStatus).
//!
//! A response is handed out by [`Store::take_response`] and handed out again after the redelivery
//! delay until the sender acknowledges it with [`Store::ack_response`]. Taking is one atomic
//! `UPDATE ... RETURNING` (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so concurrent takers, on one
//! node or several, never get the same response within the redelivery delay.

use std::sync::Arc;
use std::time::Duration;

use crate::db::{Arg, DbRow, Tx};
use crate::error::StoreError;
use crate::format::Format;
use crate::options::Dialect;
use crate::store::{Store, duration_ms, now_ms, text_code};

text_code! {
    /// What a queued response carries.
    pub enum ResponseKind {
        /// The plugin's answer content.
        Reply => "reply",
        /// A `RequestRejected` (ACCESS_DENIED, NO_DATA, ...).
        Rejected => "rejected",
        /// A `RequestStatus`.
        Status => "status",
    }
}

/// A response to queue, part of [`Finished`](crate::Finished). The sender and the request fields the
/// answer repeats are copied from the request when it is finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse {
    /// The response's MessageID (a UUID); unique across the store.
    pub id: String,
    /// The response's type in Clark notation, matched by GetResponse's MessageTypeSelector.
    pub response_type: String,
    /// Content, rejection or status.
    pub kind: ResponseKind,
    /// The encoded answer, opaque to the store.
    pub body: Vec<u8>,
    /// The encoding of `body`.
    pub format: Format,
    /// When it was created (unix ms); the queue is served oldest first.
    pub created_at: i64,
    /// When `body` holds personal data that must be gone by a time: [`Store::sweep`] purges the
    /// body at or after it (unix ms) if the sender has not acknowledged it by then.
    pub purge_at: Option<i64>,
}

/// A response handed out by [`Store::take_response`]: everything a GetResponseResponse needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedResponse {
    /// The response's MessageID.
    pub id: String,
    /// The MessageID of the request it answers (OriginalMessageId).
    pub request_message_id: String,
    /// The owner of the queue (the request's sender).
    pub sender: String,
    /// The response's type, `{namespace}local`.
    pub response_type: String,
    /// Content, rejection or status.
    pub kind: ResponseKind,
    /// The encoded answer.
    pub body: Vec<u8>,
    /// The encoding of `body`.
    pub format: Format,
    /// The request's SMEV version (or `json`).
    pub smev_version: String,
    /// The request's ReferenceMessageID.
    pub reference_message_id: Option<String>,
    /// The request's TransactionCode.
    pub transaction_code: Option<String>,
    /// The request's ReplyTo, to be sent back as `To`.
    pub reply_to: Option<String>,
    /// When it was created (unix ms).
    pub created_at: i64,
    /// How many times it has been handed out, this time included.
    pub deliveries: u32,
}

/// What [`Store::ack_response`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    /// The response is now acknowledged (and its body erased).
    Acked,
    /// It had been acknowledged before.
    AlreadyAcked,
    /// The sender has no response with this id.
    NotFound,
}

/// One sender's queue of answers, as [`Store::queue_depths`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDepth {
    /// The owner of the queue.
    pub sender: String,
    /// Answers neither acknowledged nor purged (handed out or not).
    pub depth: u64,
    /// When the oldest of them was created (unix ms).
    pub oldest_created_at: i64,
}

/// A status message to queue, part of [`Finished`](crate::Finished).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatusEvent {
    /// The status message's id (a UUID); unique across the store.
    pub id: String,
    /// The status category (e.g. `requestIsQueued`, `requestIsRejectedBySmev`).
    pub category: String,
    /// Free text for the sender.
    pub details: Option<String>,
    /// The fault code, when the status reports a fault.
    pub fault_code: Option<String>,
    /// The fault description.
    pub fault_description: Option<String>,
    /// When it was created (unix ms).
    pub created_at: i64,
}

/// A status message handed out once by [`Store::take_status_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    /// The status message's id.
    pub id: String,
    /// The owner of the queue.
    pub sender: String,
    /// The MessageID of the request it is about.
    pub original_message_id: String,
    /// The status category.
    pub category: String,
    /// Free text for the sender.
    pub details: Option<String>,
    /// The fault code.
    pub fault_code: Option<String>,
    /// The fault description.
    pub fault_description: Option<String>,
    /// When it was created (unix ms).
    pub created_at: i64,
}

/// The request fields a finished request passes on to its response and status event.
pub(crate) struct RequestCopy<'a> {
    pub(crate) message_id: &'a str,
    pub(crate) message_type: String,
    pub(crate) sender: String,
    pub(crate) smev_version: String,
    pub(crate) reference_message_id: Option<String>,
    pub(crate) transaction_code: Option<String>,
    pub(crate) reply_to: Option<String>,
}

const INSERT_RESPONSE: &str = "INSERT INTO responses (id, request_message_id, sender, response_type, \
     kind, body, format, smev_version, reference_message_id, transaction_code, reply_to, created_at, \
     purge_at, deliveries, request_type) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14)";

const INSERT_STATUS_EVENT: &str = "INSERT INTO status_events (id, sender, original_message_id, \
     category, details, fault_code, fault_description, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// `$1` now, `$2` node, `$3` sender, `$4` redelivery cutoff, `$5` the selected type (when filtered): the
/// answer's own type or the type of the request it answers.
macro_rules! take_response_sql {
    ($type_filter:literal, $lock:literal) => {
        concat!(
            "UPDATE responses SET delivered_at = $1, deliveries = deliveries + 1, delivered_to = $2 \
             WHERE id = (SELECT id FROM responses \
             WHERE sender = $3 AND acked_at IS NULL AND kind <> 'purged' \
             AND (delivered_at IS NULL OR delivered_at <= $4)",
            $type_filter,
            " ORDER BY created_at, id LIMIT 1",
            $lock,
            ") RETURNING id, request_message_id, sender, response_type, kind, body, format, \
             smev_version, reference_message_id, transaction_code, reply_to, created_at, deliveries"
        )
    };
}
const TAKE_ANY_SQLITE: &str = take_response_sql!("", "");
const TAKE_ANY_POSTGRES: &str = take_response_sql!("", " FOR UPDATE SKIP LOCKED");
const TAKE_TYPE_SQLITE: &str =
    take_response_sql!(" AND (response_type = $5 OR request_type = $5)", "");
const TAKE_TYPE_POSTGRES: &str = take_response_sql!(
    " AND (response_type = $5 OR request_type = $5)",
    " FOR UPDATE SKIP LOCKED"
);

/// Whether [`Store::take_response`] would find anything: `$1` sender, `$2` redelivery cutoff, `$3` the type.
const PROBE_ANY: &str = "SELECT id FROM responses WHERE sender = $1 AND acked_at IS NULL \
     AND kind <> 'purged' AND (delivered_at IS NULL OR delivered_at <= $2) LIMIT 1";
const PROBE_TYPE: &str = "SELECT id FROM responses WHERE sender = $1 AND acked_at IS NULL \
     AND kind <> 'purged' AND (delivered_at IS NULL OR delivered_at <= $2) \
     AND (response_type = $3 OR request_type = $3) LIMIT 1";

const ACK: &str = "UPDATE responses SET acked_at = $3, body = NULL \
     WHERE id = $1 AND sender = $2 AND acked_at IS NULL";
const RESPONSE_EXISTS: &str = "SELECT id FROM responses WHERE id = $1 AND sender = $2";

/// Per sender: its answers neither acknowledged nor purged, and the creation time of the oldest (the partial
/// index `responses_queue` holds exactly these rows).
const QUEUE_DEPTHS: &str = "SELECT sender, COUNT(*) AS depth, MIN(created_at) AS oldest FROM responses \
     WHERE acked_at IS NULL AND kind <> 'purged' GROUP BY sender ORDER BY sender";

macro_rules! take_status_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE status_events SET delivered_at = $1 \
             WHERE id = (SELECT id FROM status_events WHERE sender = $2 AND delivered_at IS NULL \
             ORDER BY created_at, id LIMIT 1",
            $lock,
            ") RETURNING id, sender, original_message_id, category, details, fault_code, \
             fault_description, created_at"
        )
    };
}
const TAKE_STATUS_SQLITE: &str = take_status_sql!("");
const TAKE_STATUS_POSTGRES: &str = take_status_sql!(" FOR UPDATE SKIP LOCKED");

impl Store {
    /// Hands out the oldest response in `sender`'s queue (when `response_type` is given: of that type, or
    /// answering a request of that type)
    /// that is not acknowledged, not purged, and either never handed out or handed out at or before
    /// now − `redeliver_after`; marks it handed out to this node now and returns it.
    pub async fn take_response(
        &self,
        sender: &str,
        response_type: Option<&str>,
        redeliver_after: Duration,
    ) -> Result<Option<QueuedResponse>, StoreError> {
        let now = now_ms();
        let cutoff = now.saturating_sub(duration_ms(redeliver_after));
        let sql = match (self.dialect(), response_type.is_some()) {
            (Dialect::Sqlite, false) => TAKE_ANY_SQLITE,
            (Dialect::Sqlite, true) => TAKE_TYPE_SQLITE,
            (Dialect::Postgres, false) => TAKE_ANY_POSTGRES,
            (Dialect::Postgres, true) => TAKE_TYPE_POSTGRES,
        };
        // Most polls of a busy client find nothing yet: a queue just found empty is still empty, and a plain
        // read says so without a write.
        if self.empty.is_known_empty(sender, response_type) {
            return Ok(None);
        }
        let probe = [
            Arg::text(sender),
            Arg::int(cutoff),
            Arg::Text(response_type),
        ];
        let found = match response_type {
            Some(_) => self.pool.fetch_optional(PROBE_TYPE, &probe).await?,
            None => self.pool.fetch_optional(PROBE_ANY, &probe[..2]).await?,
        };
        if found.is_none() {
            self.empty.found_empty(sender, response_type);
            return Ok(None);
        }
        let node = self.node_name();
        let wanted: Arc<(String, Option<String>)> =
            Arc::new((sender.to_owned(), response_type.map(str::to_owned)));
        self.group
            .write(move |tx| {
                let (node, wanted) = (Arc::clone(&node), Arc::clone(&wanted));
                Box::pin(async move {
                    let (sender, response_type) = (&wanted.0, &wanted.1);
                    let mut args = vec![
                        Arg::int(now),
                        Arg::text(&node),
                        Arg::text(sender),
                        Arg::int(cutoff),
                    ];
                    if let Some(t) = response_type {
                        args.push(Arg::text(t));
                    }
                    let row = tx.fetch_optional(sql, &args).await?;
                    row.as_ref().map(response_from_row).transpose()
                })
            })
            .await
    }

    /// Acknowledges `sender`'s response `response_id`: it is never handed out again and its body is
    /// erased. Another sender's response id is [`AckOutcome::NotFound`].
    pub async fn ack_response(
        &self,
        sender: &str,
        response_id: &str,
    ) -> Result<AckOutcome, StoreError> {
        let key: Arc<(String, String)> = Arc::new((response_id.to_owned(), sender.to_owned()));
        self.group
            .write(move |tx| {
                let key = Arc::clone(&key);
                Box::pin(async move {
                    let (id, sender) = (&key.0, &key.1);
                    let acked = tx
                        .execute(ACK, &[Arg::text(id), Arg::text(sender), Arg::int(now_ms())])
                        .await?;
                    if acked > 0 {
                        return Ok(AckOutcome::Acked);
                    }
                    let exists = tx
                        .fetch_optional(RESPONSE_EXISTS, &[Arg::text(id), Arg::text(sender)])
                        .await?;
                    Ok(match exists {
                        Some(_) => AckOutcome::AlreadyAcked,
                        None => AckOutcome::NotFound,
                    })
                })
            })
            .await
    }

    /// Every sender with answers waiting for an acknowledgement (delivered or not, not purged): how many, and
    /// since when. Senders with none are not listed. One aggregate over the queue's partial index, cheap
    /// enough for each metrics scrape.
    pub async fn queue_depths(&self) -> Result<Vec<QueueDepth>, StoreError> {
        let rows = self.pool.fetch_all(QUEUE_DEPTHS, &[]).await?;
        rows.iter()
            .map(|row| {
                let depth: i64 = row.get("depth")?;
                Ok(QueueDepth {
                    sender: row.get("sender")?,
                    depth: u64::try_from(depth).map_err(|_| {
                        StoreError::Corrupt(format!("column depth: {depth} is not a count"))
                    })?,
                    oldest_created_at: row.get("oldest")?,
                })
            })
            .collect()
    }

    /// Hands out, once, the oldest undelivered status message of `sender`.
    pub async fn take_status_event(&self, sender: &str) -> Result<Option<StatusEvent>, StoreError> {
        let sql = match self.dialect() {
            Dialect::Sqlite => TAKE_STATUS_SQLITE,
            Dialect::Postgres => TAKE_STATUS_POSTGRES,
        };
        let sender = Arc::<str>::from(sender);
        let row = self
            .group
            .write(move |tx| {
                let sender = Arc::clone(&sender);
                Box::pin(async move {
                    tx.fetch_optional(sql, &[Arg::int(now_ms()), Arg::text(&sender)])
                        .await
                })
            })
            .await?;
        row.map(|row| {
            Ok(StatusEvent {
                id: row.get("id")?,
                sender: row.get("sender")?,
                original_message_id: row.get("original_message_id")?,
                category: row.get("category")?,
                details: row.get("details")?,
                fault_code: row.get("fault_code")?,
                fault_description: row.get("fault_description")?,
                created_at: row.get("created_at")?,
            })
        })
        .transpose()
    }
}

/// Queues `response` for the sender of `request` (inside the finishing transaction).
pub(crate) async fn insert_response(
    tx: &mut Tx,
    request: &RequestCopy<'_>,
    response: &NewResponse,
) -> Result<(), StoreError> {
    let args = [
        Arg::text(&response.id),
        Arg::text(request.message_id),
        Arg::text(&request.sender),
        Arg::text(&response.response_type),
        Arg::text(response.kind.as_str()),
        Arg::Blob(Some(&response.body)),
        Arg::text(response.format.as_str()),
        Arg::text(&request.smev_version),
        Arg::opt_text(request.reference_message_id.as_ref()),
        Arg::opt_text(request.transaction_code.as_ref()),
        Arg::opt_text(request.reply_to.as_ref()),
        Arg::int(response.created_at),
        Arg::Int(response.purge_at),
        Arg::text(&request.message_type),
    ];
    tx.execute(INSERT_RESPONSE, &args).await?;
    Ok(())
}

/// Queues `event` for the sender of `request` (inside the finishing transaction).
pub(crate) async fn insert_status_event(
    tx: &mut Tx,
    request: &RequestCopy<'_>,
    event: &NewStatusEvent,
) -> Result<(), StoreError> {
    let args = [
        Arg::text(&event.id),
        Arg::text(&request.sender),
        Arg::text(request.message_id),
        Arg::text(&event.category),
        Arg::opt_text(event.details.as_ref()),
        Arg::opt_text(event.fault_code.as_ref()),
        Arg::opt_text(event.fault_description.as_ref()),
        Arg::int(event.created_at),
    ];
    tx.execute(INSERT_STATUS_EVENT, &args).await?;
    Ok(())
}

fn response_from_row(row: &DbRow) -> Result<QueuedResponse, StoreError> {
    Ok(QueuedResponse {
        id: row.get("id")?,
        request_message_id: row.get("request_message_id")?,
        sender: row.get("sender")?,
        response_type: row.get("response_type")?,
        kind: ResponseKind::from_code(&row.get::<String>("kind")?)?,
        body: row
            .get::<Option<Vec<u8>>>("body")?
            .ok_or_else(|| StoreError::Corrupt("a deliverable response has no body".into()))?,
        format: Format::from_code(&row.get::<String>("format")?)?,
        smev_version: row.get("smev_version")?,
        reference_message_id: row.get("reference_message_id")?,
        transaction_code: row.get("transaction_code")?,
        reply_to: row.get("reply_to")?,
        created_at: row.get("created_at")?,
        deliveries: row.count("deliveries")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_statements_bind_the_type_only_when_filtered() {
        assert!(!TAKE_ANY_SQLITE.contains("$5"));
        assert!(TAKE_TYPE_SQLITE.contains("(response_type = $5 OR request_type = $5) ORDER BY"));
        assert!(TAKE_TYPE_POSTGRES.contains("LIMIT 1 FOR UPDATE SKIP LOCKED)"));
        assert!(!TAKE_TYPE_SQLITE.contains("FOR UPDATE"));
        assert!(TAKE_STATUS_POSTGRES.contains("LIMIT 1 FOR UPDATE SKIP LOCKED)"));
    }

    #[test]
    fn kinds_round_trip_and_purged_is_not_a_kind() {
        for k in [
            ResponseKind::Reply,
            ResponseKind::Rejected,
            ResponseKind::Status,
        ] {
            assert_eq!(ResponseKind::from_code(k.as_str()).unwrap(), k);
        }
        assert!(ResponseKind::from_code("purged").is_err());
    }
}
