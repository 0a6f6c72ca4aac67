//! Requests: accepting an envelope, leasing it to a node, finishing it with its answer.
//!
//! A request is `accepted` with a lease held by the node that accepted it; that node runs the
//! plugin chain and calls [`Store::finish_request`]. If the node dies, the lease runs out and another
//! node (or the same one after a restart) takes the request over with [`Store::claim_requests`].

use std::sync::Arc;
use std::time::Duration;

use crate::db::{Arg, DbRow, Tx};
use crate::error::StoreError;
use crate::facts::{Fact, insert_facts};
use crate::format::Format;
use crate::journal::{Direction, JournalEntry, insert_journal};
use crate::options::Dialect;
use crate::queue::{
    NewResponse, NewStatusEvent, RequestCopy, insert_response, insert_status_event,
};
use crate::store::{Store, duration_ms, now_ms, text_code};

text_code! {
    /// Where a request is in its life.
    pub enum RequestStatus {
        /// Accepted, its plugin chain not yet finished.
        Accepted => "accepted",
        /// Finished: its answer (if any) is queued and its payload erased.
        Done => "done",
    }
}

/// An envelope accepted by SendRequest or `/api/v1/send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// The sender's MessageID; unique among that sender's requests (another sender may use the same id).
    pub message_id: String,
    /// The sender mnemonic (owner of the answer queue).
    pub sender: String,
    /// The message type in Clark notation, `{namespace}local`.
    pub message_type: String,
    /// The SMEV version of the envelope (`1.1`, `1.2`, `1.3`) or `json`.
    pub smev_version: String,
    /// The envelope's encoding.
    pub format: Format,
    /// ReferenceMessageID, linking a chain of messages.
    pub reference_message_id: Option<String>,
    /// TransactionCode.
    pub transaction_code: Option<String>,
    /// ReplyTo, opaque; copied into the answer's `To`.
    pub reply_to: Option<String>,
    /// TestMessage flag.
    pub test_message: bool,
    /// When it was received (unix ms).
    pub received_at: i64,
    /// The payload and attachments as one opaque blob; erased when the request is finished.
    pub payload: Option<Vec<u8>>,
    /// Hex SHA-256 of the payload, for the journal.
    pub payload_sha256: Option<String>,
}

/// A request leased to this node by [`Store::claim_requests`], with its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRequest {
    /// The request as it was accepted, payload included.
    pub request: NewRequest,
    /// The lease this node now holds ends at this time (unix ms).
    pub lease_until: i64,
    /// How many times the request has been leased, this claim included (1 = the accepting node's
    /// lease). A request that keeps coming back can be given up on by the caller.
    pub attempts: u32,
}

/// What the store knows about a request (no payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestState {
    /// The sender's MessageID.
    pub message_id: String,
    /// The message type, `{namespace}local`.
    pub message_type: String,
    /// Accepted or done.
    pub status: RequestStatus,
    /// When it was received (unix ms).
    pub received_at: i64,
    /// When it was finished (unix ms).
    pub finished_at: Option<i64>,
    /// How many times it has been leased.
    pub attempts: u32,
}

/// The outcome of a plugin chain, recorded by [`Store::finish_request`] in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The sender of the request finished.
    pub sender: String,
    /// The request finished: the sender's MessageID.
    pub message_id: String,
    /// The answer to queue for the request's sender.
    pub response: Option<NewResponse>,
    /// A status message to queue for the request's sender.
    pub status_event: Option<NewStatusEvent>,
    /// Facts the chain produced.
    pub facts: Vec<Fact>,
    /// Journal entries to append (their `id` and `node` are filled by the store).
    pub journal: Vec<JournalEntry>,
}

/// What [`Store::finish_request`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishOutcome {
    /// The request is now done and everything in [`Finished`] was recorded.
    Finished,
    /// The request was already done (finished earlier, here or on another node): nothing recorded.
    AlreadyDone,
    /// The request is leased to another node (this node's lease ran out and it was claimed):
    /// nothing recorded; the other node's outcome counts.
    LeasedElsewhere,
    /// No such request: nothing recorded.
    Unknown,
}

const ACCEPT: &str = "INSERT INTO requests (message_id, sender, message_type, smev_version, format, \
     reference_message_id, transaction_code, reply_to, test_message, received_at, status, payload, \
     payload_sha256, lease_owner, lease_until, attempts) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'accepted', $11, $12, $13, $14, 1)";

/// [`ACCEPT`] and its `in`/`accepted` journal entry in one statement (PostgreSQL: every statement of the group
/// committer is a round trip, and the round trips, not the work, bound it).
const ACCEPT_WITH_JOURNAL_POSTGRES: &str = "WITH accepted AS (INSERT INTO requests (message_id, sender, \
     message_type, smev_version, format, reference_message_id, transaction_code, reply_to, test_message, \
     received_at, status, payload, payload_sha256, lease_owner, lease_until, attempts) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'accepted', $11, $12, $13, $14, 1) RETURNING 1) \
     INSERT INTO journal (at, node, sender, message_id, direction, message_type, outcome, detail, \
     payload_sha256, duration_us) SELECT $10, $13, $2, $1, 'in', $3, 'accepted', NULL, $12, NULL \
     FROM accepted";

/// [`FINISH`], the answer and the status event in one statement (PostgreSQL; see
/// [`ACCEPT_WITH_JOURNAL_POSTGRES`]). `$1`–`$4` as in [`FINISH`]; the answer `$5`–`$11` (`$5` NULL for none):
/// id, type, kind, body, format, created, purge; the status event `$12`–`$17` (`$12` NULL for none): id,
/// category, details, fault code, fault description, created. Returns the number of requests finished.
const FINISH_WITH_ANSWER_POSTGRES: &str = "WITH finished AS (UPDATE requests SET status = 'done', \
     payload = NULL, lease_owner = NULL, lease_until = NULL, finished_at = $3 \
     WHERE sender = $4 AND message_id = $1 AND status = 'accepted' AND lease_owner = $2 \
     RETURNING sender, message_id, message_type, smev_version, reference_message_id, transaction_code, \
     reply_to), \
     answer AS (INSERT INTO responses (id, request_message_id, sender, response_type, kind, body, format, \
     smev_version, reference_message_id, transaction_code, reply_to, created_at, purge_at, deliveries, \
     request_type) SELECT $5::text, message_id, sender, $6::text, $7::text, $8::bytea, $9::text, smev_version, \
     reference_message_id, transaction_code, reply_to, $10::bigint, $11::bigint, 0, message_type \
     FROM finished WHERE $5::text IS NOT NULL RETURNING 1), \
     status AS (INSERT INTO status_events (id, sender, original_message_id, category, details, fault_code, \
     fault_description, created_at) SELECT $12::text, sender, message_id, $13::text, $14::text, $15::text, \
     $16::text, $17::bigint FROM finished WHERE $12::text IS NOT NULL RETURNING 1) \
     SELECT (SELECT COUNT(*) FROM finished) AS finished, (SELECT COUNT(*) FROM answer) AS answers, \
     (SELECT COUNT(*) FROM status) AS events";

macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE requests SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE (sender, message_id) IN (SELECT sender, message_id FROM requests \
             WHERE status = 'accepted' AND (lease_until IS NULL OR lease_until <= $3) \
             ORDER BY received_at, sender, message_id LIMIT $4",
            $lock,
            ") RETURNING message_id, sender, message_type, smev_version, format, reference_message_id, \
             transaction_code, reply_to, test_message, received_at, payload, payload_sha256, \
             lease_until, attempts"
        )
    };
}
const CLAIM_SQLITE: &str = claim_sql!("");
const CLAIM_POSTGRES: &str = claim_sql!(" FOR UPDATE SKIP LOCKED");

const FINISH: &str = "UPDATE requests SET status = 'done', payload = NULL, lease_owner = NULL, \
     lease_until = NULL, finished_at = $3 \
     WHERE sender = $4 AND message_id = $1 AND status = 'accepted' AND lease_owner = $2 \
     RETURNING sender, message_type, smev_version, reference_message_id, transaction_code, reply_to";

const LEASE_OF: &str =
    "SELECT status, lease_owner FROM requests WHERE sender = $2 AND message_id = $1";

const STATE: &str = "SELECT message_id, message_type, status, received_at, finished_at, attempts \
     FROM requests WHERE message_id = $1 AND sender = $2";

/// The most requests one [`Store::claim_requests`] call leases.
pub const MAX_CLAIM: u32 = 1000;

impl Store {
    /// Inserts the request, leased to this node until now + `lease`, and its `in`/`accepted` journal
    /// entry, in one transaction.
    ///
    /// Errors: [`StoreError::Duplicate`] if this sender already sent a request with this MessageID (another
    /// sender's request with the same id is another request).
    pub async fn accept_request(&self, r: &NewRequest, lease: Duration) -> Result<(), StoreError> {
        let lease_until = now_ms().saturating_add(duration_ms(lease));
        let entry = JournalEntry {
            id: None,
            at: r.received_at,
            node: self.node().to_owned(),
            sender: r.sender.clone(),
            message_id: r.message_id.clone(),
            direction: Direction::In,
            message_type: Some(r.message_type.clone()),
            outcome: "accepted".to_owned(),
            detail: None,
            payload_sha256: r.payload_sha256.clone(),
            duration_us: None,
        };
        let request = Arc::new(r.clone());
        let node = self.node_name();
        let entry = Arc::new(entry);
        self.group
            .write(move |tx| {
                let (r, node, entry) =
                    (Arc::clone(&request), Arc::clone(&node), Arc::clone(&entry));
                Box::pin(async move {
                    let args = [
                        Arg::text(&r.message_id),
                        Arg::text(&r.sender),
                        Arg::text(&r.message_type),
                        Arg::text(&r.smev_version),
                        Arg::text(r.format.as_str()),
                        Arg::opt_text(r.reference_message_id.as_ref()),
                        Arg::opt_text(r.transaction_code.as_ref()),
                        Arg::opt_text(r.reply_to.as_ref()),
                        Arg::Bool(r.test_message),
                        Arg::int(r.received_at),
                        Arg::Blob(r.payload.as_deref()),
                        Arg::opt_text(r.payload_sha256.as_ref()),
                        Arg::text(&node),
                        Arg::int(lease_until),
                    ];
                    if tx.dialect() == Dialect::Postgres {
                        // One round trip: the request and its journal entry in one statement.
                        tx.execute(ACCEPT_WITH_JOURNAL_POSTGRES, &args).await?;
                        return Ok(());
                    }
                    tx.execute(ACCEPT, &args).await?;
                    insert_journal(tx, &node, std::slice::from_ref(&*entry)).await
                })
            })
            .await
    }

    /// Leases to this node, until now + `lease`, up to `limit` (at most [`MAX_CLAIM`]) accepted
    /// requests whose lease has run out, oldest first, and returns them with their payloads.
    ///
    /// The update is atomic: two nodes (or tasks) claiming at once never get the same request.
    pub async fn claim_requests(
        &self,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<PendingRequest>, StoreError> {
        let limit = limit.min(MAX_CLAIM);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let sql = match self.dialect() {
            Dialect::Sqlite => CLAIM_SQLITE,
            Dialect::Postgres => CLAIM_POSTGRES,
        };
        let args = [
            Arg::text(self.node()),
            Arg::int(now.saturating_add(duration_ms(lease))),
            Arg::int(now),
            Arg::int(i64::from(limit)),
        ];
        let rows = self.pool.fetch_all(sql, &args).await?;
        let mut claimed = rows
            .iter()
            .map(pending_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by(|a, b| {
            let (a, b) = (&a.request, &b.request);
            (a.received_at, &a.sender, &a.message_id).cmp(&(
                b.received_at,
                &b.sender,
                &b.message_id,
            ))
        });
        Ok(claimed)
    }

    /// Records the outcome of a request's plugin chain in one transaction: marks the request done
    /// (erasing its payload and lease), queues the response and the status event for the request's
    /// sender, inserts the facts and appends the journal entries.
    ///
    /// Only the node holding the lease of an accepted request records anything; otherwise nothing
    /// changes and the outcome says why. Finishing twice is harmless: the second call returns
    /// [`FinishOutcome::AlreadyDone`] and queues no second response.
    ///
    /// Errors: [`StoreError::Duplicate`] if the response, status event or a fact id exists already
    /// (then nothing is recorded).
    pub async fn finish_request(&self, f: &Finished) -> Result<FinishOutcome, StoreError> {
        self.prepare_fact_days(&f.facts).await?;
        let finished = Arc::new(f.clone());
        let outcome = loop {
            let (finished, node) = (Arc::clone(&finished), self.node_name());
            let outcome = self
                .group
                .write(move |tx| {
                    let (f, node) = (Arc::clone(&finished), Arc::clone(&node));
                    Box::pin(async move { finish(tx, &node, &f).await })
                })
                .await;
            match outcome {
                Err(_) if self.fact_days_were_missing(&f.facts).await? => continue,
                outcome => break outcome?,
            }
        };
        if outcome == FinishOutcome::Finished && f.response.is_some() {
            self.empty.forget(&f.sender);
        }
        Ok(outcome)
    }

    /// The state of `sender`'s request `message_id`; `None` if there is none (or it is another
    /// sender's).
    pub async fn request_state(
        &self,
        sender: &str,
        message_id: &str,
    ) -> Result<Option<RequestState>, StoreError> {
        let row = self
            .pool
            .fetch_optional(STATE, &[Arg::text(message_id), Arg::text(sender)])
            .await?;
        row.map(|row| {
            Ok(RequestState {
                message_id: row.get("message_id")?,
                message_type: row.get("message_type")?,
                status: RequestStatus::from_code(&row.get::<String>("status")?)?,
                received_at: row.get("received_at")?,
                finished_at: row.get("finished_at")?,
                attempts: row.count("attempts")?,
            })
        })
        .transpose()
    }
}

/// [`Store::finish_request`] inside a group transaction.
async fn finish(tx: &mut Tx, node: &str, f: &Finished) -> Result<FinishOutcome, StoreError> {
    if tx.dialect() == Dialect::Postgres {
        return finish_postgres(tx, node, f).await;
    }
    let args = [
        Arg::text(&f.message_id),
        Arg::text(node),
        Arg::int(now_ms()),
        Arg::text(&f.sender),
    ];
    let Some(row) = tx.fetch_optional(FINISH, &args).await? else {
        return not_finished(tx, f).await;
    };
    let request = RequestCopy {
        message_id: &f.message_id,
        message_type: row.get("message_type")?,
        sender: row.get("sender")?,
        smev_version: row.get("smev_version")?,
        reference_message_id: row.get("reference_message_id")?,
        transaction_code: row.get("transaction_code")?,
        reply_to: row.get("reply_to")?,
    };
    if let Some(response) = &f.response {
        insert_response(tx, &request, response).await?;
    }
    if let Some(event) = &f.status_event {
        insert_status_event(tx, &request, event).await?;
    }
    insert_facts(tx, &f.facts).await?;
    insert_journal(tx, node, &f.journal).await?;
    Ok(FinishOutcome::Finished)
}

/// Why `f`'s request was not finished (nothing changed): unknown, done before, or leased to another node.
async fn not_finished(tx: &mut Tx, f: &Finished) -> Result<FinishOutcome, StoreError> {
    let lease = tx
        .fetch_optional(LEASE_OF, &[Arg::text(&f.message_id), Arg::text(&f.sender)])
        .await?;
    Ok(match lease {
        None => FinishOutcome::Unknown,
        Some(row) => match RequestStatus::from_code(&row.get::<String>("status")?)? {
            RequestStatus::Done => FinishOutcome::AlreadyDone,
            RequestStatus::Accepted => FinishOutcome::LeasedElsewhere,
        },
    })
}

/// [`finish`] on PostgreSQL: the request, its answer and its status event in one statement, then the facts and
/// the journal.
async fn finish_postgres(
    tx: &mut Tx,
    node: &str,
    f: &Finished,
) -> Result<FinishOutcome, StoreError> {
    let response = f.response.as_ref();
    let event = f.status_event.as_ref();
    let args = [
        Arg::text(&f.message_id),
        Arg::text(node),
        Arg::int(now_ms()),
        Arg::text(&f.sender),
        Arg::Text(response.map(|r| r.id.as_str())),
        Arg::Text(response.map(|r| r.response_type.as_str())),
        Arg::Text(response.map(|r| r.kind.as_str())),
        Arg::Blob(response.map(|r| r.body.as_slice())),
        Arg::Text(response.map(|r| r.format.as_str())),
        Arg::Int(response.map(|r| r.created_at)),
        Arg::Int(response.and_then(|r| r.purge_at)),
        Arg::Text(event.map(|e| e.id.as_str())),
        Arg::Text(event.map(|e| e.category.as_str())),
        Arg::Text(event.and_then(|e| e.details.as_deref())),
        Arg::Text(event.and_then(|e| e.fault_code.as_deref())),
        Arg::Text(event.and_then(|e| e.fault_description.as_deref())),
        Arg::Int(event.map(|e| e.created_at)),
    ];
    let row = tx
        .fetch_optional(FINISH_WITH_ANSWER_POSTGRES, &args)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the finishing statement returned no row".into()))?;
    let finished: i64 = row.get("finished")?;
    if finished == 0 {
        return not_finished(tx, f).await;
    }
    insert_facts(tx, &f.facts).await?;
    insert_journal(tx, node, &f.journal).await?;
    Ok(FinishOutcome::Finished)
}

fn pending_from_row(row: &DbRow) -> Result<PendingRequest, StoreError> {
    Ok(PendingRequest {
        request: NewRequest {
            message_id: row.get("message_id")?,
            sender: row.get("sender")?,
            message_type: row.get("message_type")?,
            smev_version: row.get("smev_version")?,
            format: Format::from_code(&row.get::<String>("format")?)?,
            reference_message_id: row.get("reference_message_id")?,
            transaction_code: row.get("transaction_code")?,
            reply_to: row.get("reply_to")?,
            test_message: row.get("test_message")?,
            received_at: row.get("received_at")?,
            payload: row.get("payload")?,
            payload_sha256: row.get("payload_sha256")?,
        },
        lease_until: row.get("lease_until")?,
        attempts: row.count("attempts")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_statements_differ_only_in_the_lock_clause() {
        assert!(CLAIM_POSTGRES.contains("LIMIT $4 FOR UPDATE SKIP LOCKED)"));
        assert_eq!(
            CLAIM_SQLITE,
            CLAIM_POSTGRES.replace(" FOR UPDATE SKIP LOCKED", "")
        );
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_corrupt() {
        for f in [Format::Xml, Format::Json] {
            assert_eq!(Format::from_code(f.as_str()).unwrap(), f);
        }
        assert_eq!(
            RequestStatus::from_code("done").unwrap(),
            RequestStatus::Done
        );
        assert!(matches!(
            RequestStatus::from_code("lost"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
