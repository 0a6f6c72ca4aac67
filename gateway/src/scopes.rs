//! Token scopes belong to the plugin that writes them.
//!
//! A plugin names a scope by a short name (`svo-qr`); the host keeps it as `<plugin>/<name>`, with the name of
//! the calling plugin from the config, so two plugins that use the same name never meet, and no plugin can
//! write another's scope (an unknown or revoked power of attorney must not pass because some plugin wrote the
//! МЧД plugin's registry cache). Another plugin's scope is read by its full name, `<owner>/<name>`, and only
//! where the config grants it (`[plugins.<reader>] read_scopes = ["<owner>/<name>"]`); a grant is read-only.

use std::collections::{HashMap, HashSet};

use gateway_host::HostError;

/// The longest scope name a plugin may use.
pub const MAX_NAME: usize = 64;

/// What a plugin wants to do with a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `get`, `find-by-subject`.
    Read,
    /// `issue`.
    Write,
}

/// Which plugins may read which other plugins' scopes.
#[derive(Debug, Clone, Default)]
pub struct ScopePolicy {
    /// Reader plugin → the full names (`owner/name`) it may read.
    grants: HashMap<String, HashSet<String>>,
}

impl ScopePolicy {
    /// The policy of `grants`: (reader plugin, full scope names it may read).
    pub fn new<'a>(grants: impl IntoIterator<Item = (&'a str, &'a [String])>) -> ScopePolicy {
        ScopePolicy {
            grants: grants
                .into_iter()
                .map(|(reader, scopes)| (reader.to_owned(), scopes.iter().cloned().collect()))
                .collect(),
        }
    }

    /// The stored name of `scope` as `plugin` names it, if `plugin` may have `access` to it.
    pub fn resolve(&self, plugin: &str, scope: &str, access: Access) -> Result<String, HostError> {
        match scope.split_once('/') {
            None => {
                check_name(scope).map_err(HostError::Invalid)?;
                Ok(format!("{plugin}/{scope}"))
            }
            Some((owner, name)) => {
                check_name(name).map_err(HostError::Invalid)?;
                if owner == plugin {
                    return Ok(scope.to_owned());
                }
                if access == Access::Write {
                    return Err(HostError::Invalid(format!(
                        "plugin `{plugin}` may not write token scope `{scope}`: a plugin writes only its own scopes"
                    )));
                }
                if self.grants.get(plugin).is_some_and(|g| g.contains(scope)) {
                    Ok(scope.to_owned())
                } else {
                    Err(HostError::Invalid(format!(
                        "plugin `{plugin}` may not read token scope `{scope}` (grant it in [plugins.{plugin}] read_scopes)"
                    )))
                }
            }
        }
    }
}

/// A scope name: 1 to [`MAX_NAME`] letters, digits, `.`, `_` or `-`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "token scope name `{name}` must be 1 to {MAX_NAME} letters, digits, `.`, `_` or `-`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ScopePolicy {
        let grants = vec!["svo-status/svo-qr".to_owned()];
        ScopePolicy::new([("reader", grants.as_slice())])
    }

    fn invalid(result: Result<String, HostError>) -> String {
        match result {
            Err(HostError::Invalid(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_plugin_reads_and_writes_its_own_scopes_under_its_name() {
        let p = ScopePolicy::default();
        for access in [Access::Read, Access::Write] {
            assert_eq!(
                p.resolve("mchd", "mchd-registry-status", access)
                    .as_deref()
                    .ok(),
                Some("mchd/mchd-registry-status")
            );
            assert_eq!(
                p.resolve("mchd", "mchd/cache", access).as_deref().ok(),
                Some("mchd/cache")
            );
        }
    }

    #[test]
    fn another_plugins_scope_is_read_only_where_granted_and_never_written() {
        let p = policy();
        assert_eq!(
            p.resolve("reader", "svo-status/svo-qr", Access::Read)
                .as_deref()
                .ok(),
            Some("svo-status/svo-qr")
        );
        assert!(
            invalid(p.resolve("reader", "svo-status/svo-qr", Access::Write))
                .contains("only its own")
        );
        assert!(
            invalid(p.resolve("reader", "mchd/mchd-registry-status", Access::Read))
                .contains("read_scopes")
        );
        assert!(
            invalid(p.resolve("other", "svo-status/svo-qr", Access::Read)).contains("read_scopes")
        );
        // The short name is always the caller's own: the same name of another plugin is another scope.
        assert_eq!(
            p.resolve("reader", "svo-qr", Access::Write).as_deref().ok(),
            Some("reader/svo-qr")
        );
    }

    #[test]
    fn malformed_names_are_refused() {
        let p = policy();
        for scope in ["", "a/b/c", "x/", "/x", "имя", &"a".repeat(65), "a b"] {
            invalid(p.resolve("reader", scope, Access::Read));
        }
    }
}
