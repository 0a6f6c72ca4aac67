//! Queues just found empty: a sender polling GetResponse in a tight loop is answered "nothing yet" from memory
//! for a few milliseconds after the store last said so, instead of asking the database each time.
//!
//! This node forgets a sender's entries the moment it queues an answer for that sender, so on one node nothing
//! is ever answered late. An answer queued by another node sharing the database is seen at most [`FRESH`]
//! later, well inside the polling interval of any SMEV client. Under the benchmark's polling clients the
//! empty polls outnumbered the useful requests several times over, and on PostgreSQL each was a query the
//! two cores could not spare.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long "empty" stands.
pub(crate) const FRESH: Duration = Duration::from_millis(5);
/// More remembered queues than this and the stale ones are dropped.
const MAX_ENTRIES: usize = 4096;

/// A sender's queue, with or without a type selector.
type Key = (String, Option<String>);

#[derive(Debug, Default)]
pub(crate) struct EmptyQueues {
    seen: Mutex<HashMap<Key, Instant>>,
}

impl EmptyQueues {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Instant>> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// True when `sender`'s queue (with `selector`) was found empty less than [`FRESH`] ago.
    pub(crate) fn is_known_empty(&self, sender: &str, selector: Option<&str>) -> bool {
        let key = (sender.to_owned(), selector.map(str::to_owned));
        self.lock().get(&key).is_some_and(|at| at.elapsed() < FRESH)
    }

    /// The store has just found `sender`'s queue (with `selector`) empty.
    pub(crate) fn found_empty(&self, sender: &str, selector: Option<&str>) {
        let mut seen = self.lock();
        if seen.len() >= MAX_ENTRIES {
            seen.retain(|_, at| at.elapsed() < FRESH);
        }
        seen.insert(
            (sender.to_owned(), selector.map(str::to_owned)),
            Instant::now(),
        );
    }

    /// This node has queued an answer for `sender`: every queue of it may hold something now.
    pub(crate) fn forget(&self, sender: &str) {
        self.lock().retain(|(s, _), _| s != sender);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_stands_briefly_and_an_answer_clears_it_at_once() {
        let empty = EmptyQueues::default();
        assert!(!empty.is_known_empty("A", None));
        empty.found_empty("A", None);
        empty.found_empty("A", Some("{urn:x}T"));
        empty.found_empty("B", None);
        assert!(empty.is_known_empty("A", None));
        assert!(empty.is_known_empty("A", Some("{urn:x}T")));
        assert!(!empty.is_known_empty("A", Some("{urn:x}U")));
        empty.forget("A");
        assert!(!empty.is_known_empty("A", None));
        assert!(!empty.is_known_empty("A", Some("{urn:x}T")));
        assert!(
            empty.is_known_empty("B", None),
            "another sender's queue is not touched"
        );
        std::thread::sleep(FRESH + Duration::from_millis(2));
        assert!(!empty.is_known_empty("B", None), "and no longer than FRESH");
    }
}
