//! Connection options: pool size, timeouts, SQLite durability, the node name and retention periods.

use std::time::Duration;

use crate::error::StoreError;

/// The database behind a [`Store`](crate::Store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// An embedded SQLite file (one gateway node).
    Sqlite,
    /// A PostgreSQL server (one or several gateway nodes sharing state).
    Postgres,
}

/// SQLite's `synchronous` setting (ignored on PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// `FULL`: every commit is on disk before it returns (the default).
    #[default]
    Full,
    /// `NORMAL`: in WAL mode a power loss may lose the last commits, never corrupt the file.
    Normal,
}

/// How long finished work is kept before [`Store::sweep`](crate::Store::sweep) deletes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Acknowledged and purged responses, and status events, older than this are deleted.
    pub responses: Duration,
    /// Finished requests older than this are deleted (after that a repeated MessageID is accepted again).
    pub requests: Duration,
    /// Journal entries older than this are deleted; `None` keeps the journal forever.
    pub journal: Option<Duration>,
}

impl Default for Retention {
    /// Responses and requests: 7 days; journal: kept.
    fn default() -> Self {
        const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
        Retention {
            responses: WEEK,
            requests: WEEK,
            journal: None,
        }
    }
}

/// Options for [`Store::connect`](crate::Store::connect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most connections in the pool. An in-memory SQLite database always uses one.
    pub max_connections: u32,
    /// How long SQLite waits for a lock held by another connection before failing with
    /// [`StoreError::Unavailable`]. Ignored on PostgreSQL.
    pub busy_timeout: Duration,
    /// How long an operation waits for a free pooled connection before failing with
    /// [`StoreError::Unavailable`].
    pub acquire_timeout: Duration,
    /// SQLite's durability setting.
    pub sqlite_synchronous: SqliteSync,
    /// This gateway node's name: the lease owner of the requests it processes, recorded in deliveries
    /// and journal entries. Nodes sharing a database must have distinct names.
    pub node: String,
    /// Retention periods applied by [`Store::sweep`](crate::Store::sweep).
    pub retention: Retention,
}

impl Default for StoreOptions {
    /// 10 connections, 5 s busy and acquire timeouts, `synchronous = FULL`, node `gateway`,
    /// default [`Retention`].
    fn default() -> Self {
        StoreOptions {
            max_connections: 10,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            sqlite_synchronous: SqliteSync::Full,
            node: "gateway".to_owned(),
            retention: Retention::default(),
        }
    }
}

impl StoreOptions {
    /// Checks the options: at least one connection, a non-empty node name.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.max_connections == 0 {
            return Err(StoreError::Config(
                "max_connections must be at least 1".into(),
            ));
        }
        if self.node.trim().is_empty() {
            return Err(StoreError::Config("node must not be empty".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let opts = StoreOptions::default();
        assert!(opts.validate().is_ok());
        assert_eq!(opts.sqlite_synchronous, SqliteSync::Full);
    }

    #[test]
    fn validate_rejects_zero_connections_and_empty_node() {
        let zero = StoreOptions {
            max_connections: 0,
            ..StoreOptions::default()
        };
        assert!(matches!(zero.validate(), Err(StoreError::Config(_))));
        let blank = StoreOptions {
            node: "  ".into(),
            ..StoreOptions::default()
        };
        assert!(matches!(blank.validate(), Err(StoreError::Config(_))));
    }
}
