//! Dialect dispatch: one SQL text, bound with `$1, $2, ...`, runs on either pool.
//!
//! sqlx-sqlite binds `$N` parameters by number (see `SqliteArguments::bind` in sqlx-sqlite 0.8), so a
//! statement both dialects accept is written once and executed through [`Pool`] or [`Tx`]. Statements
//! that differ (`FOR UPDATE SKIP LOCKED`) are chosen with [`Dialect`] by the caller. Arguments are
//! passed as [`Arg`] values and rows come back as [`DbRow`], so operations are plain, non-generic code.
//!
//! SQLite writes pass a [`WriteGate`] first: see there why.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Database, Decode, Encode, Postgres, Row, Sqlite, Transaction, Type};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::StoreError;
use crate::options::Dialect;
use crate::raw::{OwnedRow, RawSqlite, Value};

pub(crate) use crate::arg::Arg;

fn bind<'q, DB>(
    mut query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    args: &[Arg<'q>],
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<&'q [u8]>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
{
    for arg in args {
        query = match *arg {
            Arg::Text(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::Blob(v) => query.bind(v),
            Arg::Bool(v) => query.bind(v),
        };
    }
    query
}

/// A row of either dialect, or of the group committer's own SQLite connection (`raw`).
pub(crate) enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
    Owned(OwnedRow),
}

/// A Rust value read from a [`Value`] of the group committer's own connection, as sqlx would decode it.
pub(crate) trait FromValue: Sized {
    /// `None` when the value is not of this type.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|n| n != 0)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Blob(b) => Some(b.clone()),
            Value::Text(t) => Some(t.clone().into_bytes()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl DbRow {
    /// The value of column `col`; a missing column or a value of the wrong type is
    /// [`StoreError::Corrupt`].
    pub(crate) fn get<T>(&self, col: &str) -> Result<T, StoreError>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>
            + FromValue,
    {
        let value = match self {
            DbRow::Sqlite(row) => row.try_get(col),
            DbRow::Postgres(row) => row.try_get(col),
            DbRow::Owned(row) => {
                return row.value(col).and_then(T::from_value).ok_or_else(|| {
                    StoreError::Corrupt(format!("column {col}: missing or of another type"))
                });
            }
        };
        value.map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
    }

    /// A non-negative count column as `u32`.
    pub(crate) fn count(&self, col: &str) -> Result<u32, StoreError> {
        let raw: i64 = self.get(col)?;
        u32::try_from(raw)
            .map_err(|_| StoreError::Corrupt(format!("column {col}: {raw} is not a count")))
    }
}

/// This process's SQLite writers, one at a time, in the order they came.
///
/// SQLite admits one writer at a time. A connection that finds the database locked sleeps in SQLite's busy
/// handler (1, 2, 5, 10, … 100 ms) and tries again, so under concurrent load the database stood idle between
/// commits while writers slept, and their latency grew with the sleeps. Behind the gate, the next writer starts
/// the moment the previous one ends. The busy handler stays for other processes that share the file. Waiting
/// longer than the busy timeout is [`StoreError::Unavailable`], as a busy database is.
#[derive(Clone, Debug)]
pub(crate) struct WriteGate {
    permit: Arc<Semaphore>,
    wait: Duration,
}

impl WriteGate {
    /// A gate whose writers give up after `wait`.
    pub(crate) fn new(wait: Duration) -> WriteGate {
        WriteGate {
            permit: Arc::new(Semaphore::new(1)),
            wait,
        }
    }

    /// Waits for this writer's turn, which lasts as long as the permit is held.
    pub(crate) async fn enter(&self) -> Result<OwnedSemaphorePermit, StoreError> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.permit).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(StoreError::Unavailable(sqlx::Error::PoolClosed)),
            Err(_elapsed) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }
}

/// True unless `sql` is a plain `SELECT` (an `UPDATE … RETURNING` read through `fetch_*` writes).
fn writes(sql: &str) -> bool {
    !sql.trim_start()
        .get(..6)
        .is_some_and(|head| head.eq_ignore_ascii_case("select"))
}

/// The connection pool of either dialect. Cloning is cheap (pools are reference-counted).
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// Runs `$body` with `$conn` bound to the concrete executor of each dialect.
macro_rules! dispatch {
    ($target:expr, $conn:ident => $body:expr) => {
        match $target {
            Target::Sqlite($conn, ..) => $body,
            Target::Postgres($conn) => $body,
        }
    };
}

impl Pool {
    /// Which dialect this pool speaks.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(..) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite writer's turn when `sql` writes (none needed on PostgreSQL or for a read).
    async fn turn(&self, sql: &str) -> Result<Option<OwnedSemaphorePermit>, StoreError> {
        match self {
            Pool::Sqlite(_, gate) if writes(sql) => gate.enter().await.map(Some),
            _ => Ok(None),
        }
    }

    /// Runs one statement; returns the number of rows it changed.
    pub(crate) async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        use Pool as Target;
        let _turn = self.turn(sql).await?;
        let done = dispatch!(self, pool => bind(sqlx::query(sql), args).execute(pool).await?.rows_affected());
        Ok(done)
    }

    /// Runs one statement and returns all its rows.
    pub(crate) async fn fetch_all(
        &self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Vec<DbRow>, StoreError> {
        use Pool as Target;
        let _turn = self.turn(sql).await?;
        let rows = dispatch!(self, pool => bind(sqlx::query(sql), args)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(DbRow::from)
            .collect());
        Ok(rows)
    }

    /// Runs one statement and returns its first row, if any.
    pub(crate) async fn fetch_optional(
        &self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Option<DbRow>, StoreError> {
        use Pool as Target;
        let _turn = self.turn(sql).await?;
        let row = dispatch!(self, pool => bind(sqlx::query(sql), args)
            .fetch_optional(pool)
            .await?
            .map(DbRow::from));
        Ok(row)
    }

    /// Begins a transaction that will write. On SQLite it waits for the writer's turn, which it holds until it
    /// ends, and is `BEGIN IMMEDIATE`: the write lock is taken at once (waiting up to the busy timeout for other
    /// processes), so a read-then-write inside it is atomic and never fails half-way with `SQLITE_BUSY` on the
    /// upgrade from reader to writer.
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(pool, gate) => {
                let turn = gate.enter().await?;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// The SQLite write gate (none on PostgreSQL).
    pub(crate) fn write_gate(&self) -> Option<&WriteGate> {
        match self {
            Pool::Sqlite(_, gate) => Some(gate),
            Pool::Postgres(_) => None,
        }
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(pool, _) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl From<SqliteRow> for DbRow {
    fn from(row: SqliteRow) -> Self {
        DbRow::Sqlite(row)
    }
}

impl From<PgRow> for DbRow {
    fn from(row: PgRow) -> Self {
        DbRow::Postgres(row)
    }
}

/// An open transaction of either dialect. Dropped without [`Tx::commit`], it rolls back. On SQLite it holds the
/// writer's turn ([`WriteGate`]) until it ends.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>, OwnedSemaphorePermit),
    Postgres(Transaction<'static, Postgres>),
    /// A transaction of the group committer's own SQLite connection (see `raw`).
    Raw(RawTx),
}

/// An open transaction on the group committer's own SQLite connection, holding the writer's turn. Dropped
/// without [`Tx::commit`], it rolls back.
pub(crate) struct RawTx {
    conn: Arc<std::sync::Mutex<RawSqlite>>,
    _turn: OwnedSemaphorePermit,
    open: bool,
}

impl RawTx {
    /// Waits for the writer's turn at `gate`, then begins an immediate transaction on `conn`.
    pub(crate) async fn begin(
        conn: &Arc<std::sync::Mutex<RawSqlite>>,
        gate: &WriteGate,
    ) -> Result<Tx, StoreError> {
        let turn = gate.enter().await?;
        lock(conn).exec_plain("BEGIN IMMEDIATE")?;
        Ok(Tx::Raw(RawTx {
            conn: Arc::clone(conn),
            _turn: turn,
            open: true,
        }))
    }

    fn end(&mut self, sql: &str) -> Result<(), StoreError> {
        self.open = false;
        let mut conn = lock(&self.conn);
        let done = conn.exec_plain(sql);
        if done.is_err() {
            // A failed COMMIT may leave the transaction open: end it, so that the next batch can begin.
            let _ = conn.exec_plain("ROLLBACK");
        }
        done
    }
}

impl Drop for RawTx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.end("ROLLBACK");
        }
    }
}

/// The connection, also when a panic poisoned its lock (SQLite's own state is whole after any call).
fn lock(conn: &std::sync::Mutex<RawSqlite>) -> std::sync::MutexGuard<'_, RawSqlite> {
    conn.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tx {
    /// The dialect of this transaction.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(..) | Tx::Raw(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs one statement; returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let done = match self {
            Tx::Sqlite(tx, _) => bind(sqlx::query(sql), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => bind(sqlx::query(sql), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Raw(raw) => lock(&raw.conn).execute(sql, args)?,
        };
        Ok(done)
    }

    /// Runs one statement and returns its first row, if any.
    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Option<DbRow>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx, _) => bind(sqlx::query(sql), args)
                .fetch_optional(&mut **tx)
                .await?
                .map(DbRow::from),
            Tx::Postgres(tx) => bind(sqlx::query(sql), args)
                .fetch_optional(&mut **tx)
                .await?
                .map(DbRow::from),
            Tx::Raw(raw) => lock(&raw.conn).fetch_optional(sql, args)?.map(DbRow::Owned),
        })
    }

    /// Rolls the transaction back now (dropping it also rolls back, but later).
    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
            Tx::Raw(mut raw) => raw.end("ROLLBACK")?,
        }
        Ok(())
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
            Tx::Raw(mut raw) => raw.end("COMMIT")?,
        }
        Ok(())
    }
}

/// Builds `VALUES ($1, $2), ($3, $4), ...` for `rows` rows of `width` columns each.
pub(crate) fn values_placeholders(rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 5 + 8);
    sql.push_str("VALUES ");
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..width {
            if col > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_selects_are_reads() {
        assert!(!writes("SELECT 1"));
        assert!(!writes("\n  select id FROM t"));
        assert!(writes("UPDATE t SET a = 1 RETURNING id"));
        assert!(writes("INSERT INTO t VALUES (1)"));
        assert!(writes("PRAGMA wal_checkpoint(TRUNCATE)"));
        assert!(writes(""));
    }

    /// Writers wait their turn in order; one that waits longer than the busy timeout gets a retryable error.
    #[tokio::test]
    async fn the_gate_admits_one_writer_and_times_out_as_busy() {
        let gate = WriteGate::new(Duration::from_millis(50));
        let first = gate.enter().await.expect("free");
        let err = gate.enter().await.expect_err("taken");
        assert!(err.is_retryable(), "{err:?}");
        drop(first);
        let _again = gate.enter().await.expect("free again");
    }

    #[test]
    fn values_placeholders_number_every_parameter() {
        assert_eq!(values_placeholders(1, 3), "VALUES ($1, $2, $3)");
        assert_eq!(values_placeholders(2, 2), "VALUES ($1, $2), ($3, $4)");
    }
}
