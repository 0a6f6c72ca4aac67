//! The journal writer: entries of the synchronous paths (JSON calls, GetResponse, Ack, faults) are batched
//! off the request path and written in one statement every few milliseconds. Entries that belong to a store
//! transaction (accepting or finishing a queued request) are written inside it instead, not here.
//!
//! The journal holds metadata and digests only: message ids, types, outcomes, reason codes, a SHA-256 of the
//! payload. Never payload content.

use std::time::Duration;

use gateway_store::{Direction, JournalEntry, Store};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Entries waiting beyond this are dropped with a warning rather than slowing requests down.
const CAPACITY: usize = 65_536;
/// Most entries in one insert.
const BATCH: usize = 512;

/// An entry of `sender` about `message_id` with `outcome`, written by `node`; its other fields empty (set them
/// with struct update syntax: `JournalEntry { detail: Some(..), ..journal::entry(..) }`).
pub fn entry(
    node: &str,
    sender: &str,
    message_id: &str,
    direction: Direction,
    outcome: &str,
) -> JournalEntry {
    JournalEntry {
        id: None,
        at: crate::tokens::now_ms(),
        node: node.to_owned(),
        sender: sender.to_owned(),
        message_id: message_id.to_owned(),
        direction,
        message_type: None,
        outcome: outcome.to_owned(),
        detail: None,
        payload_sha256: None,
        duration_us: None,
    }
}

/// The longest plugin-written text a journal entry keeps, in characters.
pub const MAX_DETAIL: usize = 160;

/// A text a plugin wrote (an error message, which may quote the payload) as the journal may keep it: every
/// identifier masked (СНИЛС, ОГРН, ИНН, phone numbers, GUIDs: see [`crate::logging::mask`]), control
/// characters removed, at most [`MAX_DETAIL`] characters.
pub fn scrub(text: &str) -> String {
    let masked = crate::logging::mask(text);
    let mut out: String = masked
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_DETAIL)
        .collect();
    if masked.chars().count() > MAX_DETAIL {
        out.push('…');
    }
    out
}

/// A handle for appending entries.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::Sender<JournalEntry>,
}

impl Journal {
    /// Starts the writer task on `tracker`; it drains what is queued when `shutdown` fires.
    pub fn start(store: Store, tracker: &TaskTracker, shutdown: CancellationToken) -> Journal {
        let (tx, rx) = mpsc::channel(CAPACITY);
        tracker.spawn(writer(store, rx, shutdown));
        Journal { tx }
    }

    /// Queues `entry`.
    pub fn append(&self, entry: JournalEntry) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(entry) {
            tracing::warn!("journal queue full: an entry was dropped");
        }
    }
}

async fn writer(store: Store, mut rx: mpsc::Receiver<JournalEntry>, shutdown: CancellationToken) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            n = rx.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    break;
                }
                // Let a burst gather for a moment before writing.
                if batch.len() < BATCH {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(e) => batch.push(e),
                            Err(_) => break,
                        }
                    }
                }
                flush(&store, &mut batch).await;
            }
            () = shutdown.cancelled() => {
                while let Ok(e) = rx.try_recv() {
                    batch.push(e);
                    if batch.len() >= BATCH {
                        flush(&store, &mut batch).await;
                    }
                }
                flush(&store, &mut batch).await;
                break;
            }
        }
    }
}

async fn flush(store: &Store, batch: &mut Vec<JournalEntry>) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = store.append_journal(batch).await {
        tracing::error!(error = %e, entries = batch.len(), "journal write failed");
    }
    batch.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_texts_are_capped_and_scrubbed_of_identifiers() {
        let text = format!(
            "no participant for snils 112-233-445 95, ogrn 1027700132195, qr 3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60\n{}",
            "x".repeat(500)
        );
        let kept = scrub(&text);
        assert!(kept.chars().count() <= MAX_DETAIL + 1, "{kept}");
        for secret in ["112-233-445", "1027700132195", "3f2b8c1e-7a4d"] {
            assert!(!kept.contains(secret), "{kept}");
        }
        assert!(!kept.contains('\n'));
        assert!(kept.ends_with('…'));
        assert_eq!(scrub("short"), "short");
    }
}
