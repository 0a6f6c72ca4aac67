//! Registry answers kept for a configured time in the gateway's token store, which every node shares: one
//! token per (scope, key), holding the answer as JSON, living `ttl`. The cache only saves registry calls: when
//! it cannot be read or written the registry is asked (and the problem logged), never skipped. Only positive
//! answers are kept, so a power registered a moment ago is found at once.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::env::Failure;

/// Where cached answers live.
pub trait Store {
    /// The live entry `key` of `scope`, if any.
    fn find(&self, scope: &str, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Keeps `data` under `key` of `scope` for `ttl`.
    fn put(&self, scope: &str, key: &str, data: &[u8], ttl: Duration) -> Result<(), String>;
    /// Reports a cache problem (the operation goes on without the cache).
    fn warn(&self, message: &str);
}

/// The cached answer for `key`, or `load`'s (then kept for `ttl` when it is `Some`). `ttl` zero: no cache.
pub fn remember<T, F>(
    store: &dyn Store,
    scope: &str,
    key: &str,
    ttl: Duration,
    load: F,
) -> Result<Option<T>, Failure>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Result<Option<T>, Failure>,
{
    if ttl.is_zero() {
        return load();
    }
    match store.find(scope, key) {
        Ok(Some(data)) => match serde_json::from_slice(&data) {
            Ok(value) => return Ok(Some(value)),
            Err(e) => store.warn(&format!(
                "cache {scope}: unreadable entry ({e}); asking the registry"
            )),
        },
        Ok(None) => {}
        Err(e) => store.warn(&format!("cache {scope}: {e}; asking the registry")),
    }
    let value = load()?;
    if let Some(value) = &value {
        match serde_json::to_vec(value) {
            Ok(data) => {
                if let Err(e) = store.put(scope, key, &data, ttl) {
                    store.warn(&format!("cache {scope}: cannot keep the answer: {e}"));
                }
            }
            Err(e) => store.warn(&format!("cache {scope}: cannot encode the answer: {e}")),
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Memory {
        entries: RefCell<HashMap<(String, String), Vec<u8>>>,
        broken: bool,
        warnings: RefCell<Vec<String>>,
    }

    impl Store for Memory {
        fn find(&self, scope: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
            if self.broken {
                return Err("store down".into());
            }
            Ok(self
                .entries
                .borrow()
                .get(&(scope.into(), key.into()))
                .cloned())
        }
        fn put(&self, scope: &str, key: &str, data: &[u8], _ttl: Duration) -> Result<(), String> {
            if self.broken {
                return Err("store down".into());
            }
            self.entries
                .borrow_mut()
                .insert((scope.into(), key.into()), data.to_vec());
            Ok(())
        }
        fn warn(&self, message: &str) {
            self.warnings.borrow_mut().push(message.into());
        }
    }

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn positive_answers_are_kept_and_reused() {
        let store = Memory::default();
        let mut calls = 0;
        for _ in 0..3 {
            let got = remember(&store, "s", "k", TTL, || {
                calls += 1;
                Ok(Some("ACTIVE".to_string()))
            });
            assert_eq!(got, Ok(Some("ACTIVE".to_string())));
        }
        assert_eq!(calls, 1);
        let other: Result<Option<String>, Failure> =
            remember(&store, "other", "k", TTL, || Ok(None));
        assert_eq!(other, Ok(None), "scopes are separate");
    }

    #[test]
    fn absent_answers_failures_and_a_zero_ttl_are_not_kept() {
        let store = Memory::default();
        let mut calls = 0;
        for _ in 0..2 {
            let _ = remember::<String, _>(&store, "s", "none", TTL, || {
                calls += 1;
                Ok(None)
            });
            let _ = remember::<String, _>(&store, "s", "down", TTL, || {
                calls += 1;
                Err(Failure::Unavailable("down".into()))
            });
            let _ = remember(&store, "s", "zero", Duration::ZERO, || {
                calls += 1;
                Ok(Some(1))
            });
        }
        assert_eq!(calls, 6);
        assert!(store.entries.borrow().is_empty());
    }

    #[test]
    fn a_broken_store_or_entry_falls_back_to_the_registry() {
        let store = Memory {
            broken: true,
            ..Memory::default()
        };
        assert_eq!(remember(&store, "s", "k", TTL, || Ok(Some(7))), Ok(Some(7)));
        assert_eq!(
            store.warnings.borrow().len(),
            2,
            "{:?}",
            store.warnings.borrow()
        );
        let store = Memory::default();
        store
            .entries
            .borrow_mut()
            .insert(("s".into(), "k".into()), b"not json".to_vec());
        assert_eq!(remember(&store, "s", "k", TTL, || Ok(Some(7))), Ok(Some(7)));
        assert!(store.warnings.borrow()[0].contains("unreadable"));
    }
}
