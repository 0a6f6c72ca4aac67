//! The store's error type and the classification of driver errors.

use std::borrow::Cow;

use sqlx::error::{DatabaseError, ErrorKind};

/// What went wrong in a store operation.
///
/// The caller decides from the variant what to tell its client: [`StoreError::Duplicate`] is the
/// client's fault (a repeated id), [`StoreError::Unavailable`] is transient and worth a retry
/// (see [`StoreError::is_retryable`]), the rest are faults of the deployment or of the store itself.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same key exists already (a repeated MessageID, response id, fact id or token id).
    #[error("a row with the same key exists already")]
    Duplicate,
    /// The database cannot be reached or is busy: connection failures, pool timeouts, lock timeouts,
    /// serialization failures. Retrying later may succeed.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The schema migrations failed (on connect).
    #[error("the database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The database holds a value the store cannot read back (an unknown enum code, a negative count,
    /// a column of the wrong type) or reports corruption itself.
    #[error("the database holds corrupt data: {0}")]
    Corrupt(String),
    /// The connection URL or the options are invalid.
    #[error("invalid store configuration: {0}")]
    Config(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
}

impl StoreError {
    /// True when the operation may succeed if tried again later (the database was unreachable or busy).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// The store error of a SQLite failure reported by its extended result code (the group committer's own
    /// connection, which does not go through sqlx).
    pub(crate) fn from_sqlite(extended: i32, message: String) -> StoreError {
        const CONSTRAINT_PRIMARYKEY: i32 = 1555;
        const CONSTRAINT_UNIQUE: i32 = 2067;
        if matches!(extended, CONSTRAINT_PRIMARYKEY | CONSTRAINT_UNIQUE) {
            return StoreError::Duplicate;
        }
        let error = sqlx::Error::Protocol(format!("SQLite error {extended}: {message}"));
        match classify_sqlite(extended) {
            Class::Duplicate => StoreError::Duplicate,
            Class::Transient => StoreError::Unavailable(error),
            Class::Corrupt => StoreError::Corrupt(message),
            Class::Other => StoreError::Other(error),
        }
    }

    /// An error of the same variant and message, for each of the writers of a group transaction that failed
    /// as a whole (driver errors cannot be cloned).
    pub(crate) fn replicate(&self) -> StoreError {
        let text =
            |e: &sqlx::Error| sqlx::Error::Protocol(format!("the group transaction failed: {e}"));
        match self {
            StoreError::Duplicate => StoreError::Duplicate,
            StoreError::Unavailable(e) => StoreError::Unavailable(text(e)),
            StoreError::Migration(e) => StoreError::Other(sqlx::Error::Protocol(e.to_string())),
            StoreError::Corrupt(s) => StoreError::Corrupt(s.clone()),
            StoreError::Config(s) => StoreError::Config(s.clone()),
            StoreError::Other(e) => StoreError::Other(text(e)),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) => match classify_database_error(db.as_ref()) {
                Class::Duplicate => StoreError::Duplicate,
                Class::Transient => StoreError::Unavailable(err),
                Class::Corrupt => StoreError::Corrupt(err.to_string()),
                Class::Other => StoreError::Other(err),
            },
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err),
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. } => StoreError::Corrupt(err.to_string()),
            sqlx::Error::Configuration(_) => StoreError::Config(err.to_string()),
            sqlx::Error::Migrate(_) => match err {
                sqlx::Error::Migrate(migrate) => StoreError::Migration(*migrate),
                other => StoreError::Other(other),
            },
            _ => StoreError::Other(err),
        }
    }
}

/// How a database error is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Duplicate,
    Transient,
    Corrupt,
    Other,
}

fn classify_database_error(err: &dyn DatabaseError) -> Class {
    if err.kind() == ErrorKind::UniqueViolation {
        return Class::Duplicate;
    }
    let code = err.code().unwrap_or(Cow::Borrowed(""));
    // SQLite reports its extended result code as a decimal number, PostgreSQL a five-character
    // SQLSTATE; the two never collide.
    match code.parse::<i32>() {
        Ok(extended) => classify_sqlite(extended),
        Err(_) => classify_sqlstate(&code),
    }
}

/// SQLite result codes: <https://www.sqlite.org/rescode.html>. The low byte is the primary code.
fn classify_sqlite(extended: i32) -> Class {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const IOERR: i32 = 10;
    const CORRUPT: i32 = 11;
    const FULL: i32 = 13;
    const PROTOCOL: i32 = 15;
    const NOTADB: i32 = 26;
    match extended & 0xff {
        BUSY | LOCKED | IOERR | FULL | PROTOCOL => Class::Transient,
        CORRUPT | NOTADB => Class::Corrupt,
        _ => Class::Other,
    }
}

/// PostgreSQL SQLSTATE codes: <https://www.postgresql.org/docs/current/errcodes-appendix.html>.
fn classify_sqlstate(state: &str) -> Class {
    match state {
        // serialization_failure, deadlock_detected, lock_not_available, query_canceled
        "40001" | "40P01" | "55P03" | "57014" => Class::Transient,
        // admin_shutdown, crash_shutdown, cannot_connect_now
        "57P01" | "57P02" | "57P03" => Class::Transient,
        // data_corrupted, index_corrupted
        "XX001" | "XX002" => Class::Corrupt,
        // connection_exception (08xxx), insufficient_resources (53xxx)
        s if s.starts_with("08") || s.starts_with("53") => Class::Transient,
        _ => Class::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_are_classified_by_their_primary_code() {
        assert_eq!(classify_sqlite(5), Class::Transient);
        assert_eq!(
            classify_sqlite(517),
            Class::Transient,
            "SQLITE_BUSY_SNAPSHOT"
        );
        assert_eq!(
            classify_sqlite(262),
            Class::Transient,
            "SQLITE_LOCKED_SHAREDCACHE"
        );
        assert_eq!(classify_sqlite(11), Class::Corrupt);
        assert_eq!(classify_sqlite(26), Class::Corrupt);
        assert_eq!(classify_sqlite(1), Class::Other, "SQLITE_ERROR");
        assert_eq!(
            classify_sqlite(787),
            Class::Other,
            "SQLITE_CONSTRAINT_FOREIGNKEY"
        );
    }

    #[test]
    fn sqlstates_are_classified() {
        assert_eq!(classify_sqlstate("40001"), Class::Transient);
        assert_eq!(classify_sqlstate("08006"), Class::Transient);
        assert_eq!(classify_sqlstate("53300"), Class::Transient);
        assert_eq!(classify_sqlstate("57P01"), Class::Transient);
        assert_eq!(classify_sqlstate("XX001"), Class::Corrupt);
        assert_eq!(classify_sqlstate("42P01"), Class::Other, "undefined_table");
        assert_eq!(
            classify_sqlstate("23503"),
            Class::Other,
            "foreign_key_violation"
        );
    }

    #[test]
    fn driver_errors_map_to_store_errors() {
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_retryable());
        assert!(StoreError::from(sqlx::Error::PoolClosed).is_retryable());
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(StoreError::from(sqlx::Error::Io(io)).is_retryable());
        let decode = StoreError::from(sqlx::Error::ColumnNotFound("x".into()));
        assert!(matches!(decode, StoreError::Corrupt(_)), "{decode:?}");
        assert!(!decode.is_retryable());
        let other = StoreError::from(sqlx::Error::RowNotFound);
        assert!(matches!(other, StoreError::Other(_)), "{other:?}");
        assert!(!StoreError::Duplicate.is_retryable());
    }

    #[test]
    fn replicas_keep_the_variant() {
        let busy = StoreError::from(sqlx::Error::PoolTimedOut);
        assert!(busy.replicate().is_retryable());
        assert!(matches!(
            StoreError::Duplicate.replicate(),
            StoreError::Duplicate
        ));
        let corrupt = StoreError::Corrupt("x".into()).replicate();
        assert!(matches!(corrupt, StoreError::Corrupt(s) if s == "x"));
    }
}
