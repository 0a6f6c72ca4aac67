//! Large deletes (retention) in short batches, each its own statement, so writers get their turn between them.
//!
//! On SQLite a batch holds the one write lock (and, in this process, the write gate) for as long as its statement
//! runs, and a delete reads every page it changes: the rows' pages and the pages of each index entry it removes.
//! The rows retention deletes are the oldest, the ones least likely to be in the page cache; a batch that reads
//! them from disk holds the lock for those reads. Measured with a day of facts (111,197 rows) deleted by another
//! process under the SOAP cycle on a 10-million-fact store, right after its pages had left the cache: the cycle's
//! longest request 275 and 353 ms against 64–74 ms for later days, whose pages the first day's deletion had read
//! (the facts' `id` index and the organisations' pages are shared between days). So each batch is preceded, on
//! SQLite, by reads of the same rows through every index the delete changes ([`BatchedDelete::warm`]): they take
//! no write lock (WAL readers do not block the writer), and the delete that follows finds its pages in memory.

use crate::db::{Arg, Pool};
use crate::error::StoreError;
use crate::options::Dialect;

/// Rows one batch removes on PostgreSQL: short enough that no transaction holds many row locks.
const BATCH_POSTGRES: i64 = 500;
/// Rows one batch removes on SQLite, whose one write lock the batch holds: 2,000 held it some 80 ms a batch under
/// load (`secure_delete`, three indexes, the rows spread over every organisation's pages); measured with a day of
/// facts deleted by another process under the SOAP cycle, 500-row batches let the cycle's longest request reach
/// 60–71 ms (47 ms without the deletion), 100-row batches 29–31 ms, and the deletion took 20 s instead of 16.
const BATCH_SQLITE: i64 = 100;
/// The pause between batches on SQLite: writers of another process (which do not pass this process's write
/// gate) poll for the lock in SQLite's busy handler and need a moment in which it is free.
const SQLITE_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// A delete of old rows in batches.
pub(crate) struct BatchedDelete {
    /// Deletes at most `$2` rows older than `$1` (the oldest first where the order matters).
    pub(crate) delete: &'static str,
    /// Reads (one statement each, `SELECT`, same parameters) of the rows the next `delete` removes, together
    /// touching the pages it will change: the rows' own pages and those of each of the table's indexes. Run on
    /// SQLite before each batch, outside the write lock.
    pub(crate) warm: &'static [&'static str],
}

/// Runs `batched` until it deletes fewer than a batch; returns how many rows went. Each batch is its own
/// statement, so on SQLite writers waiting at the write gate (or, in another process, in the busy handler) get
/// their turn between batches, and on PostgreSQL no transaction holds many row locks.
pub(crate) async fn delete_in_batches(
    pool: &Pool,
    batched: &BatchedDelete,
    cutoff_ms: i64,
) -> Result<u64, StoreError> {
    let batch = match pool.dialect() {
        Dialect::Sqlite => BATCH_SQLITE,
        Dialect::Postgres => BATCH_POSTGRES,
    };
    let args = [Arg::int(cutoff_ms), Arg::int(batch)];
    let mut total = 0;
    loop {
        if pool.dialect() == Dialect::Sqlite {
            for warm in batched.warm {
                pool.fetch_all(warm, &args).await?;
            }
        }
        let n = pool.execute(batched.delete, &args).await?;
        total += n;
        if n < batch as u64 {
            return Ok(total);
        }
        match pool.dialect() {
            Dialect::Sqlite => tokio::time::sleep(SQLITE_PAUSE).await,
            Dialect::Postgres => tokio::task::yield_now().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::Store;

    /// The indexes (and the table itself, as `table`) a statement's plan reads, from `EXPLAIN QUERY PLAN`.
    async fn read_by(pool: &Pool, sql: &str, table: &str) -> BTreeSet<String> {
        let args = [Arg::int(0), Arg::int(100)];
        let plan = pool
            .fetch_all(&format!("EXPLAIN QUERY PLAN {sql}"), &args)
            .await
            .unwrap();
        let mut read = BTreeSet::new();
        for row in plan {
            let detail: String = row.get("detail").unwrap();
            let words: Vec<&str> = detail.split_whitespace().collect();
            if words.get(1) != Some(&table) {
                continue;
            }
            match words.as_slice() {
                [_, _, "USING", "COVERING", "INDEX", index, ..] => {
                    read.insert((*index).to_owned());
                }
                // An index, then the row it points to.
                [_, _, "USING", "INDEX", index, ..] => {
                    read.insert((*index).to_owned());
                    read.insert(table.to_owned());
                }
                [_, _, "USING", "INTEGER", "PRIMARY", "KEY", ..]
                | [_, _, "USING", "PRIMARY", "KEY", ..] => {
                    read.insert(table.to_owned());
                }
                // A scan of the whole table.
                [_, _] => {
                    read.insert(table.to_owned());
                }
                _ => {}
            }
        }
        read
    }

    /// What the delete changes on `table`: the table's rows and every index on it (a `WITHOUT ROWID` table's
    /// primary key is the table itself).
    async fn changed_by_delete(pool: &Pool, table: &str) -> BTreeSet<String> {
        let indexes = pool
            .fetch_all(
                &format!("SELECT name, origin FROM pragma_index_list('{table}')"),
                &[],
            )
            .await
            .unwrap();
        let mut changed = BTreeSet::from([table.to_owned()]);
        for row in indexes {
            let origin: String = row.get("origin").unwrap();
            if origin != "pk" {
                changed.insert(row.get("name").unwrap());
            }
        }
        changed
    }

    /// Every batched delete is warmed through everything it changes: the table's rows and each of its indexes (an
    /// index added later without a read through it fails here).
    #[tokio::test]
    async fn the_warming_reads_touch_every_index_the_delete_changes() {
        let store = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        let pool = &store.pool;
        for (table, batched) in [
            ("facts", &crate::facts::DELETE_BEFORE),
            ("journal", &crate::retention::DELETE_JOURNAL),
        ] {
            let mut warmed = BTreeSet::new();
            for warm in batched.warm {
                assert!(
                    warm.trim_start().starts_with("SELECT"),
                    "a warming statement only reads: {warm}"
                );
                warmed.extend(read_by(pool, warm, table).await);
            }
            let changed = changed_by_delete(pool, table).await;
            assert!(changed.len() >= 3, "{table}: {changed:?}");
            assert_eq!(warmed, changed, "{table}: what the warming reads touch");
        }
    }

    /// The warming reads and the delete agree on the rows (the same cutoff and batch), and the delete removes
    /// exactly the rows older than the cutoff, in as many batches as it takes.
    #[tokio::test]
    async fn a_batched_delete_removes_every_old_row_and_no_other() {
        let store = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        let pool = &store.pool;
        pool.execute(
            "INSERT INTO journal (at, node, sender, message_id, direction, outcome) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) \
             SELECT i, 'node', 'S', 'm-' || i, 'in', 'accepted' FROM n",
            &[],
        )
        .await
        .unwrap();
        let args = [Arg::int(231), Arg::int(BATCH_SQLITE)];
        for warm in crate::retention::DELETE_JOURNAL.warm {
            let rows = pool.fetch_all(warm, &args).await.unwrap();
            assert_eq!(rows.len(), 1, "one row of counts: {warm}");
            assert_eq!(
                rows[0].count("n").unwrap(),
                100,
                "a warming read sees the batch's rows: {warm}"
            );
        }
        let deleted = delete_in_batches(pool, &crate::retention::DELETE_JOURNAL, 231)
            .await
            .unwrap();
        assert_eq!(deleted, 230);
        let left = pool
            .fetch_optional("SELECT MIN(at) AS first, COUNT(*) AS n FROM journal", &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(left.count("n").unwrap(), 20);
        assert_eq!(left.get::<i64>("first").unwrap(), 231);
    }
}
