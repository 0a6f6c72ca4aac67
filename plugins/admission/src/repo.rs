//! Reading and rewriting the plugin's records (see `records` for what each collection holds): the few store calls
//! every request makes, so that the request modules read as their rules.

use std::collections::BTreeSet;
use std::ops::Range;

use gateway_plugin_sdk::guid;
use gateway_plugin_sdk::host::store::{self, Item, MAX_QUERY, Put, Stored};
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::failure::Failure;
use crate::records::{APPLICATIONS, Application, PARTICIPANTS, Participant};

/// An application id as sent: a GUID in canonical (lower-case) form, or `None` (no such application).
pub fn application_id(text: &str) -> Option<String> {
    guid::normalize(text.trim())
}

/// The application `id` (canonical), unless there is none.
pub fn application(id: &str) -> Result<Option<Stored<Application>>, Failure> {
    Ok(store::get_json(APPLICATIONS, id)?)
}

/// The participant of `code` (canonical), unless there is none.
pub fn participant(code: &str) -> Result<Option<Participant>, Failure> {
    Ok(store::get_json::<Participant>(PARTICIPANTS, code)?.map(|stored| stored.value))
}

/// The participant a scanned or typed `code` names, unless it is malformed or there is none.
pub fn participant_named(code: &str) -> Result<Option<Participant>, Failure> {
    match crate::fields::participant_code(code) {
        Some(code) => participant(&code),
        None => Ok(None),
    }
}

/// A write of `key` in `collection` that replaces `stored` only if nobody changed it meanwhile, keeping its
/// instant and expiry.
pub fn rewrite<T>(collection: &str, key: &str, stored: &Stored<T>) -> Put {
    let put = Put::new(collection, key)
        .at(stored.at)
        .if_version(stored.version);
    match stored.expires_at {
        Some(at) => put.expires_at(at),
        None => put,
    }
}

/// How far past `now` a rate limit counts records too: those written by a node whose clock runs a little ahead.
pub const CLOCK_SKEW_MS: u64 = 5_000;

/// The instants a rate limit of `window` ms counts at `now`: the window up to now (and [`CLOCK_SKEW_MS`] past it).
pub fn recent(now: u64, window: u64) -> Range<u64> {
    now.saturating_sub(window)..now.saturating_add(CLOCK_SKEW_MS).saturating_add(1)
}

/// The `limit` of a query counting records against `max`: one more than allowed, enough to tell.
pub fn count_limit(max: u32) -> u32 {
    max.saturating_add(1).min(MAX_QUERY)
}

/// Whether `counted` records (the one just written among them) are more than `max` allows: `max = N` lets N
/// through within the window and refuses the (N+1)-th.
pub fn over_limit(counted: usize, max: u32) -> bool {
    counted > max as usize
}

/// Every live record of `collection` tagged `tag` whose `at` lies in `range`, oldest first: queried page by page
/// (see [`paged`]), not just the first [`MAX_QUERY`].
pub fn query_all(collection: &str, tag: &str, range: Range<u64>) -> Result<Vec<Item>, Failure> {
    let crowded = |at: u64| {
        // Never the tag: it holds a phone or a СНИЛС.
        host::log::warn(&format!(
            "admission: more than {MAX_QUERY} records of `{collection}` at the instant {at} under one tag; those \
             past the first {MAX_QUERY} are skipped"
        ));
    };
    let fetch = |range: Range<u64>, limit: u32| store::query(collection, tag, range, limit);
    Ok(paged(range, MAX_QUERY, fetch, crowded)?)
}

/// The records `fetch(from..until, limit)` finds in `range`, page by page: each next page starts at the last
/// item's `at` (inclusive: others may share it), items are deduplicated by key, and the pages end with one of
/// fewer than `limit` items. A full page whose items all share the instant it starts at would come back forever:
/// then the rest of that instant is skipped (`crowded(at)` is told) and the next page starts after it.
pub fn paged<E>(
    range: Range<u64>,
    limit: u32,
    mut fetch: impl FnMut(Range<u64>, u32) -> Result<Vec<Item>, E>,
    mut crowded: impl FnMut(u64),
) -> Result<Vec<Item>, E> {
    let mut keys = BTreeSet::new();
    let mut items = Vec::new();
    let mut from = range.start;
    while from < range.end {
        let page = fetch(from..range.end, limit)?;
        let full = limit > 0 && page.len() >= limit as usize;
        let last = page.last().map(|item| item.at);
        items.extend(
            page.into_iter()
                .filter(|item| keys.insert(item.key.clone())),
        );
        let (true, Some(last)) = (full, last) else {
            break;
        };
        if last > from {
            from = last;
        } else {
            crowded(from);
            from = from.saturating_add(1);
        }
    }
    Ok(items)
}

/// The registration link of a participant: what its QR code holds.
pub fn link(settings: &Settings, code: &str) -> String {
    format!("{}/admission/{code}", settings.base_url())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    #[test]
    fn ids_links_and_rewrites() {
        assert_eq!(
            application_id(" 3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60 ").as_deref(),
            Some("3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60")
        );
        assert_eq!(application_id("../x"), None);
        assert_eq!(
            link(&config::example(), "7KX2M9QD"),
            "https://dopusk.example.ru/admission/7KX2M9QD"
        );
        let stored = Stored {
            value: (),
            version: 3,
            at: 10,
            expires_at: Some(20),
        };
        let put = rewrite(APPLICATIONS, "k", &stored);
        assert_eq!(
            (put.at, put.expires_at, put.if_version),
            (10, Some(20), Some(3))
        );
        let forever = Stored {
            expires_at: None,
            ..stored
        };
        assert_eq!(rewrite(PARTICIPANTS, "k", &forever).expires_at, None);
    }

    #[test]
    fn limits_count_the_record_just_written() {
        // max = 3: the first three within the window pass, the fourth is refused.
        let passed: Vec<bool> = (1..=5).map(|counted| !over_limit(counted, 3)).collect();
        assert_eq!(passed, [true, true, true, false, false]);
        assert_eq!(count_limit(3), 4, "one more than allowed tells");
        assert_eq!(count_limit(u32::MAX), MAX_QUERY);
        let range = recent(10_000, 3_000);
        assert_eq!(range, 7_000..10_000 + CLOCK_SKEW_MS + 1);
        assert!(range.contains(&10_000), "the record written now");
        assert_eq!(recent(5, 3_000).start, 0);
    }

    fn item(key: &str, at: u64) -> Item {
        Item {
            collection: "visits".into(),
            key: key.into(),
            value: b"{}".to_vec(),
            version: 1,
            at,
            expires_at: None,
        }
    }

    /// A store of `items` (oldest first) answering like the host's `query`, and the ranges it was asked (start, end).
    #[allow(clippy::type_complexity)]
    fn store_of(
        items: &[Item],
    ) -> (
        impl FnMut(Range<u64>, u32) -> Result<Vec<Item>, ()>,
        std::rc::Rc<std::cell::RefCell<Vec<(u64, u64)>>>,
    ) {
        let items = items.to_vec();
        let asked: std::rc::Rc<std::cell::RefCell<Vec<(u64, u64)>>> = std::rc::Rc::default();
        let log = std::rc::Rc::clone(&asked);
        let fetch = move |range: Range<u64>, limit: u32| {
            log.borrow_mut().push((range.start, range.end));
            Ok(items
                .iter()
                .filter(|item| range.contains(&item.at))
                .take(limit as usize)
                .cloned()
                .collect())
        };
        (fetch, asked)
    }

    #[test]
    fn queries_go_on_past_a_full_page() {
        // 7 items, pages of 3; two share the instant 30 across a page boundary.
        let items: Vec<Item> = [10, 20, 30, 30, 40, 50, 60]
            .iter()
            .enumerate()
            .map(|(i, &at)| item(&format!("k{i}"), at))
            .collect();
        let (fetch, asked) = store_of(&items);
        let mut crowded = Vec::new();
        let found = paged(0..100, 3, fetch, |at| crowded.push(at)).expect("found");
        let keys: Vec<&str> = found.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["k0", "k1", "k2", "k3", "k4", "k5", "k6"]);
        assert_eq!(
            *asked.borrow(),
            [(0, 100), (30, 100), (40, 100), (60, 100)],
            "from the last item's instant"
        );
        assert!(crowded.is_empty());

        // Exactly one page's worth: one more query says there is no more.
        let (fetch, asked) = store_of(&items);
        let found = paged(0..100, 7, fetch, |_| {}).expect("found");
        assert_eq!(found.len(), 7);
        assert_eq!(*asked.borrow(), [(0, 100), (60, 100)]);

        // Nothing at all.
        let (fetch, asked) = store_of(&[]);
        assert!(paged(0..100, 3, fetch, |_| {}).expect("empty").is_empty());
        assert_eq!(*asked.borrow(), [(0, 100)]);
    }

    #[test]
    fn a_crowded_instant_does_not_loop_forever() {
        // Five items at 20, pages of 2: the instant is skipped past, and said so.
        let mut items = vec![item("a", 10)];
        items.extend((0..5).map(|i| item(&format!("same{i}"), 20)));
        items.push(item("z", 30));
        let (fetch, asked) = store_of(&items);
        let mut crowded = Vec::new();
        let found = paged(0..100, 2, fetch, |at| crowded.push(at)).expect("found");
        let keys: Vec<&str> = found.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["a", "same0", "same1", "z"]);
        assert_eq!(crowded, [20]);
        assert_eq!(*asked.borrow(), [(0, 100), (20, 100), (21, 100)]);
        // A crowded last instant of the range ends the query.
        let (fetch, asked) = store_of(&items);
        let found = paged(20..21, 2, fetch, |_| {}).expect("found");
        assert_eq!(found.len(), 2);
        assert_eq!(*asked.borrow(), [(20, 21)]);
    }
}
