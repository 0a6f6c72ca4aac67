//! PostgreSQL keeps facts in one partition per UTC day (`facts_YYYYMMDD`, migration 0009), so that the facts
//! retention deletes a day by detaching and dropping its partition instead of deleting its rows.
//!
//! Deleting a day of 111,000 facts row by row on a store of 10 million read 171–233 MB from disk (1.0–1.5 GB
//! before its batches were taken in order) and wrote a WAL record (often a whole page) for every row, while the
//! writers' commits waited for the same disk: in the full run of e21bcbb the SOAP cycle's longest request reached
//! 385 ms during the first day deleted, against 148 ms without a deletion. Dropped as a partition, a day went in
//! 0.06–0.11 s in two full runs (the cycle's longest request 238 and 246 ms at worst, against 191 and 194 ms
//! without a deletion).
//! `DETACH PARTITION … CONCURRENTLY` takes only a lock that writers do not conflict with (it waits for the
//! transactions that use the table instead), and dropping the detached table touches the catalog and unlinks its
//! files.
//!
//! A day's partition must exist before its first fact is written (there is no default partition: one would forbid
//! the concurrent detach). [`FactDays::create`] creates the missing days of the facts about to be written, once
//! per day and process (the days known to exist are remembered), serialised between nodes by an advisory lock;
//! the store also creates today and the days ahead when it connects and at each retention pass, so that the hot
//! paths meet a day already made. A partition is created detached and then attached (`ATTACH PARTITION` takes
//! the same weak lock), in one transaction.
//!
//! Retention therefore deletes whole days on PostgreSQL: a day's facts go once the whole day is older than the
//! retention period (up to a day later than on SQLite, which deletes fact by fact).

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

use jiff::civil::Date;
use sqlx::{PgPool, Row};

use crate::error::StoreError;

/// A day, in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;
/// 0001-01-01 and 10000-01-01 UTC in unix ms: facts dated outside have no day to be named by and go to the
/// partitions `facts_early` and `facts_late` (migration 0009).
pub(crate) const FIRST_MS: i64 = -62_135_596_800_000;
const END_MS: i64 = 253_402_300_800_000;
/// Days created ahead of the current one (at connect and at each retention pass).
const AHEAD: i64 = 2;
/// The advisory lock that serialises the creation of partitions between nodes (any constant: "factdays").
const LOCK: i64 = 0x6661_6374_6461_7973;

/// The day-named tables in `facts`' schema: its day partitions (with whether a concurrent detach was left
/// pending) and, with no parent, tables a retention pass detached but did not drop.
const TABLES: &str = "SELECT c.relname::text AS name, i.inhdetachpending AS pending FROM pg_class c \
     LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'facts'::regclass \
     WHERE c.relkind = 'r' AND c.relname ~ '^facts_[0-9]{8}$' \
     AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'facts'::regclass) \
     AND (i.inhrelid IS NOT NULL OR NOT c.relispartition) ORDER BY c.relname";
/// Whether a table exists (`NULL`), is a partition (true) or stands alone (false).
const PARTITION: &str =
    "SELECT relispartition AS partition FROM pg_class WHERE oid = to_regclass($1)";

/// The days whose partitions this process knows to exist.
#[derive(Debug, Default)]
pub(crate) struct FactDays {
    known: Mutex<HashSet<i64>>,
}

impl FactDays {
    /// The days of `times` (unix ms) not known to exist. (Called before [`FactDays::create`], not inside it: an
    /// iterator held across its awaits would make the future of every caller lose `Send`.)
    pub(crate) fn missing(&self, times: impl IntoIterator<Item = i64>) -> BTreeSet<i64> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        times
            .into_iter()
            .filter_map(day_of)
            .filter(|day| !known.contains(day))
            .collect()
    }

    /// Makes sure the partitions of `missing` (from [`FactDays::missing`]) exist, creating those that do not;
    /// returns how many it created.
    pub(crate) async fn create(
        &self,
        pool: &PgPool,
        missing: BTreeSet<i64>,
    ) -> Result<usize, StoreError> {
        if missing.is_empty() {
            return Ok(0);
        }
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOCK)
            .execute(&mut *tx)
            .await?;
        let mut created = 0;
        for &day in &missing {
            let name = name(day)?;
            let partition = sqlx::query(PARTITION)
                .bind(&name)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get::<bool, _>("partition"))
                .transpose()?;
            match partition {
                Some(true) => continue,
                // Left detached by a retention pass (its facts past their retention): it goes.
                Some(false) => run(&mut tx, &format!("DROP TABLE {name}")).await?,
                None => {}
            }
            let (from, to) = (day * DAY_MS, (day + 1) * DAY_MS);
            run(
                &mut tx,
                &format!("CREATE TABLE {name} (LIKE facts INCLUDING DEFAULTS)"),
            )
            .await?;
            run(
                &mut tx,
                &format!(
                    "ALTER TABLE facts ATTACH PARTITION {name} FOR VALUES FROM ({from}) TO ({to})"
                ),
            )
            .await?;
            created += 1;
            tracing::debug!(partition = %name, "facts: a day's partition created");
        }
        tx.commit().await?;
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(missing);
        Ok(created)
    }

    /// Creates today's partition and those of the days just ahead, if missing.
    pub(crate) async fn ensure_ahead(&self, pool: &PgPool, now_ms: i64) -> Result<(), StoreError> {
        let missing = self.missing((0..=AHEAD).map(|d| now_ms + d * DAY_MS));
        self.create(pool, missing).await.map(drop)
    }

    /// Forgets which days exist (a write of facts failed: another node may have dropped a day).
    pub(crate) fn forget(&self) {
        self.known.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Detaches and drops the partitions of the days that ended by `cutoff_ms` (and finishes what an interrupted
    /// pass left: a detach pending, a detached table); returns how many facts they held.
    pub(crate) async fn drop_before(
        &self,
        pool: &PgPool,
        cutoff_ms: i64,
    ) -> Result<u64, StoreError> {
        let tables: Vec<(String, Option<bool>)> = sqlx::query_as(TABLES).fetch_all(pool).await?;
        let mut deleted = 0;
        for (name, pending) in tables {
            let Some(day) = day_of_name(&name) else {
                continue;
            };
            if (day + 1) * DAY_MS > cutoff_ms {
                continue;
            }
            self.known
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&day);
            // Not in a transaction: a concurrent detach runs two of its own.
            let detach = match pending {
                Some(false) => format!("ALTER TABLE facts DETACH PARTITION {name} CONCURRENTLY"),
                Some(true) => format!("ALTER TABLE facts DETACH PARTITION {name} FINALIZE"),
                None => String::new(),
            };
            if !detach.is_empty() {
                sqlx::raw_sql(&detach).execute(pool).await?;
            }
            let count = format!("SELECT COUNT(*) FROM {name}");
            let rows: i64 = sqlx::query_scalar(&count)
                .persistent(false)
                .fetch_one(pool)
                .await?;
            let drop = format!("DROP TABLE IF EXISTS {name}");
            sqlx::raw_sql(&drop).execute(pool).await?;
            deleted += u64::try_from(rows).unwrap_or(0);
            tracing::debug!(partition = %name, rows, "facts: a day's partition dropped");
        }
        Ok(deleted)
    }
}

/// Runs a statement made for one occasion (not kept prepared).
async fn run(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    sql: &str,
) -> Result<(), StoreError> {
    sqlx::query(sql)
        .persistent(false)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The UTC day (days since 1970-01-01) of `ms`, if it falls in the years 1–9999.
fn day_of(ms: i64) -> Option<i64> {
    (FIRST_MS..END_MS)
        .contains(&ms)
        .then(|| ms.div_euclid(DAY_MS))
}

/// The partition of `day`: `facts_YYYYMMDD`.
fn name(day: i64) -> Result<String, StoreError> {
    let date = jiff::Span::new()
        .try_days(day)
        .and_then(|days| EPOCH.checked_add(days))
        .map_err(|e| StoreError::Config(format!("no date for day {day}: {e}")))?;
    Ok(format!("facts_{}", date.strftime("%Y%m%d")))
}

/// The day of a partition's name (the inverse of [`name`]).
fn day_of_name(name: &str) -> Option<i64> {
    let digits = name.strip_prefix("facts_")?;
    let date = Date::strptime("%Y%m%d", digits).ok()?;
    let days = date.since((jiff::Unit::Day, EPOCH)).ok()?.get_days();
    day_of(i64::from(days) * DAY_MS)
}

const EPOCH: Date = Date::constant(1970, 1, 1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_named_by_their_utc_date_and_back() {
        assert_eq!(name(0).unwrap(), "facts_19700101");
        // 2026-12-06T10:00Z
        let day = day_of(1_796_551_200_000).unwrap();
        assert_eq!(name(day).unwrap(), "facts_20261206");
        assert_eq!(day_of_name("facts_20261206"), Some(day));
        assert_eq!(name(day_of(-1).unwrap()).unwrap(), "facts_19691231");
        for ms in [FIRST_MS, END_MS - 1] {
            let day = day_of(ms).unwrap();
            assert_eq!(day_of_name(&name(day).unwrap()), Some(day));
        }
        assert_eq!(name(day_of(FIRST_MS).unwrap()).unwrap(), "facts_00010101");
        assert_eq!(name(day_of(END_MS - 1).unwrap()).unwrap(), "facts_99991231");
    }

    #[test]
    fn times_outside_the_years_1_to_9999_have_no_day() {
        assert_eq!(day_of(FIRST_MS - 1), None);
        assert_eq!(day_of(END_MS), None);
        assert_eq!(day_of(i64::MIN), None);
        assert_eq!(day_of_name("facts_early"), None);
        assert_eq!(day_of_name("facts_2026120"), None);
    }
}
