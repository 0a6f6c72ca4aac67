//! Facts: what the host records when a plugin chain passes (e.g. a scan made with a power of
//! attorney), read back by the report pipeline and deleted after their retention period.

use crate::batched::{BatchedDelete, delete_in_batches};
use crate::db::{Arg, DbRow, Pool, Tx, values_placeholders};
use crate::error::StoreError;
use crate::fact_days::{DAY_MS, FIRST_MS};
use crate::store::{Store, now_ms};

/// One recorded fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The fact's id (a UUID); unique across the store (on PostgreSQL, whose facts are partitioned by day,
    /// together with `occurred_at`).
    pub id: String,
    /// What happened (e.g. `scan`).
    pub kind: String,
    /// The organisation it is about: its ОГРН or ОГРНИП.
    pub organisation: String,
    /// The document type involved (e.g. the message type or a short code).
    pub document_type: String,
    /// When it happened (unix ms).
    pub occurred_at: i64,
    /// Further attributes as a JSON object (text, opaque to the store).
    pub attributes: String,
    /// When it was recorded (unix ms).
    pub recorded_at: i64,
}

/// How many facts of one organisation and document type, as [`Store::fact_counts`] reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCount {
    /// The organisation's ОГРН or ОГРНИП.
    pub organisation: String,
    /// The document type.
    pub document_type: String,
    /// How many facts.
    pub count: u64,
}

/// Facts per INSERT statement (7 parameters each).
const CHUNK: usize = 500;
const COLUMNS: usize = 7;
const INSERT_HEAD: &str = "INSERT INTO facts (id, kind, organisation, document_type, occurred_at, \
     attributes, recorded_at) ";
const BETWEEN_ALL: &str = "SELECT id, kind, organisation, document_type, occurred_at, attributes, \
     recorded_at FROM facts WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at, id";
const BETWEEN_ORG: &str = "SELECT id, kind, organisation, document_type, occurred_at, attributes, \
     recorded_at FROM facts WHERE organisation = $3 AND occurred_at >= $1 AND occurred_at < $2 \
     ORDER BY occurred_at, id";
/// [`Store::delete_facts_before`]: a batch deletes the oldest facts through `facts_occurred` (`$1` the cutoff, `$2`
/// the batch size), each by `facts_id` from the organisation-ordered table; the warming read looks them up the same
/// way and reads each row (`attributes` is in no index).
///
/// The batch is the oldest facts (`ORDER BY occurred_at`), which makes both stores read it off `facts_occurred`:
/// without the order PostgreSQL chose a sequential scan stopping at the limit (it expects a third of the table
/// before any cutoff), and the last batch of each deletion, finding fewer rows than the limit, read the whole
/// table — measured on 10 million facts with a cold cache: 1.0–1.5 GB read per day deleted.
pub(crate) const DELETE_BEFORE: BatchedDelete = BatchedDelete {
    delete: "DELETE FROM facts WHERE id IN \
     (SELECT id FROM facts WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)",
    warm: &["SELECT COUNT(attributes) AS n FROM facts WHERE id IN \
     (SELECT id FROM facts WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)"],
};
/// [`Store::delete_facts_before`] on PostgreSQL, after the days: the facts dated before the year 1, which have a
/// partition of their own and no day (`$1` is at most 0001-01-01). Named directly: the delete above, whose outer
/// condition is on `id` only, would read every day's partition.
const DELETE_EARLY: BatchedDelete = BatchedDelete {
    delete: "DELETE FROM facts_early WHERE (id, occurred_at) IN \
     (SELECT id, occurred_at FROM facts_early WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)",
    warm: &[],
};
const COUNTS: &str = "SELECT organisation, document_type, COUNT(*) AS n FROM facts \
     WHERE kind = $1 AND occurred_at >= $2 AND occurred_at < $3 \
     GROUP BY organisation, document_type ORDER BY organisation, document_type LIMIT $4";

impl Store {
    /// Records `facts` outside a request (the synchronous JSON path), in one statement, or one
    /// transaction when there are more than 500.
    ///
    /// Errors: [`StoreError::Duplicate`] if a fact id exists already (then none is recorded).
    pub async fn record_facts(&self, facts: &[Fact]) -> Result<(), StoreError> {
        self.prepare_fact_days(facts).await?;
        loop {
            let written = match facts.len() {
                0 => Ok(()),
                n if n <= CHUNK => insert_chunk_on_pool(&self.pool, facts).await,
                _ => insert_facts_in_transaction(&self.pool, facts).await,
            };
            match written {
                Err(_) if self.fact_days_were_missing(facts).await? => continue,
                written => return written,
            }
        }
    }

    /// Makes sure facts that occurred in `[from_ms, to_ms)` can be written: on PostgreSQL, creates the
    /// partitions of their days (see `fact_days`); nothing on SQLite. The store's own writes of facts do this
    /// themselves; this is for facts written by other means (a benchmark's fill in plain SQL, say).
    pub async fn prepare_fact_period(&self, from_ms: i64, to_ms: i64) -> Result<(), StoreError> {
        let Pool::Postgres(pg) = &self.pool else {
            return Ok(());
        };
        let days =
            (from_ms.div_euclid(DAY_MS)..=(to_ms - 1).div_euclid(DAY_MS)).map(|d| d * DAY_MS);
        let missing = self.fact_days.missing(days);
        self.fact_days.create(pg, missing).await.map(drop)
    }

    /// On PostgreSQL, makes sure the day partitions of `facts` exist before they are written (see `fact_days`);
    /// returns how many it made.
    pub(crate) async fn prepare_fact_days(&self, facts: &[Fact]) -> Result<usize, StoreError> {
        match &self.pool {
            Pool::Postgres(pg) if !facts.is_empty() => {
                let missing = self.fact_days.missing(facts.iter().map(|f| f.occurred_at));
                self.fact_days.create(pg, missing).await
            }
            _ => Ok(0),
        }
    }

    /// After a write of `facts` failed: forgets the days this process knew to exist and makes sure of them
    /// again; true if one was missing after all (another node's retention dropped it), and the write is worth
    /// running again (once: the days are made now). Always false on SQLite.
    pub(crate) async fn fact_days_were_missing(&self, facts: &[Fact]) -> Result<bool, StoreError> {
        self.fact_days.forget();
        Ok(self.prepare_fact_days(facts).await? > 0)
    }

    /// Facts that occurred in `[from_ms, to_ms)`, of one organisation when given, ordered by
    /// `occurred_at` then `id`.
    pub async fn facts_between(
        &self,
        organisation: Option<&str>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Fact>, StoreError> {
        let rows = match organisation {
            Some(org) => {
                let args = [Arg::int(from_ms), Arg::int(to_ms), Arg::text(org)];
                self.pool.fetch_all(BETWEEN_ORG, &args).await?
            }
            None => {
                let args = [Arg::int(from_ms), Arg::int(to_ms)];
                self.pool.fetch_all(BETWEEN_ALL, &args).await?
            }
        };
        rows.iter().map(fact_from_row).collect()
    }

    /// How many facts of `kind` occurred in `[from_ms, to_ms)`, per organisation and document type,
    /// ordered by organisation then document type; at most `limit` rows.
    pub async fn fact_counts(
        &self,
        kind: &str,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<FactCount>, StoreError> {
        let args = [
            Arg::text(kind),
            Arg::int(from_ms),
            Arg::int(to_ms),
            Arg::int(i64::from(limit)),
        ];
        let rows = self.pool.fetch_all(COUNTS, &args).await?;
        rows.iter()
            .map(|row| {
                let n: i64 = row.get("n")?;
                Ok(FactCount {
                    organisation: row.get("organisation")?,
                    document_type: row.get("document_type")?,
                    count: u64::try_from(n).map_err(|_| {
                        StoreError::Corrupt(format!("column n: {n} is not a count"))
                    })?,
                })
            })
            .collect()
    }

    /// Deletes the facts past their retention (`cutoff_ms`); returns how many.
    ///
    /// On SQLite, the facts that occurred before `cutoff_ms`, in short batches (writers get their turn between
    /// them: a day of facts deleted at once held SQLite's one writer lock for seconds). On PostgreSQL, whole days:
    /// the partitions of the UTC days that ended by `cutoff_ms` are detached and dropped (see `fact_days`), and
    /// the facts of the day the cutoff falls in stay until that day has ended too; it also creates the days just
    /// ahead, so that writers meet their partitions made.
    pub async fn delete_facts_before(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let Pool::Postgres(pg) = &self.pool else {
            return delete_in_batches(&self.pool, &DELETE_BEFORE, cutoff_ms).await;
        };
        self.fact_days.ensure_ahead(pg, now_ms()).await?;
        let days = self.fact_days.drop_before(pg, cutoff_ms).await?;
        // Facts dated before the year 1 (`facts_early`), which belong to no day.
        let early = delete_in_batches(&self.pool, &DELETE_EARLY, cutoff_ms.min(FIRST_MS)).await?;
        Ok(days + early)
    }
}

/// Inserts `facts` inside `tx`.
pub(crate) async fn insert_facts(tx: &mut Tx, facts: &[Fact]) -> Result<(), StoreError> {
    for chunk in facts.chunks(CHUNK) {
        let (sql, args) = insert_statement(chunk);
        tx.execute(&sql, &args).await?;
    }
    Ok(())
}

async fn insert_facts_in_transaction(pool: &Pool, facts: &[Fact]) -> Result<(), StoreError> {
    let mut tx = pool.begin_write().await?;
    insert_facts(&mut tx, facts).await?;
    tx.commit().await
}

async fn insert_chunk_on_pool(pool: &Pool, facts: &[Fact]) -> Result<(), StoreError> {
    let (sql, args) = insert_statement(facts);
    pool.execute(&sql, &args).await?;
    Ok(())
}

fn insert_statement(facts: &[Fact]) -> (String, Vec<Arg<'_>>) {
    let sql = format!("{INSERT_HEAD}{}", values_placeholders(facts.len(), COLUMNS));
    let mut args = Vec::with_capacity(facts.len() * COLUMNS);
    for f in facts {
        args.extend([
            Arg::text(&f.id),
            Arg::text(&f.kind),
            Arg::text(&f.organisation),
            Arg::text(&f.document_type),
            Arg::int(f.occurred_at),
            Arg::text(&f.attributes),
            Arg::int(f.recorded_at),
        ]);
    }
    (sql, args)
}

pub(crate) fn fact_from_row(row: &DbRow) -> Result<Fact, StoreError> {
    Ok(Fact {
        id: row.get("id")?,
        kind: row.get("kind")?,
        organisation: row.get("organisation")?,
        document_type: row.get("document_type")?,
        occurred_at: row.get("occurred_at")?,
        attributes: row.get("attributes")?,
        recorded_at: row.get("recorded_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: &str, org: &str, at: i64) -> Fact {
        Fact {
            id: id.into(),
            kind: "scan".into(),
            organisation: org.into(),
            document_type: "svo-qr".into(),
            occurred_at: at,
            attributes: "{}".into(),
            recorded_at: at + 1,
        }
    }

    /// The writes of facts stay `Send` (the server spawns the futures that await them): sqlx's generic executors
    /// held across an await in `fact_days` once made them lose it, which only the gateway's build showed.
    #[test]
    fn writes_of_facts_are_send() {
        fn is_send<T: Send>(_: T) {}
        #[allow(dead_code)]
        fn check(store: &Store, finished: &crate::requests::Finished) {
            is_send(store.finish_request(finished));
            is_send(store.record_facts(&[]));
            is_send(store.delete_facts_before(0));
            is_send(store.prepare_fact_period(0, 1));
        }
    }

    #[tokio::test]
    async fn facts_are_read_by_window_and_organisation_in_order() {
        let store = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        let facts = [
            fact("b", "1", 20),
            fact("a", "1", 20),
            fact("c", "2", 10),
            fact("d", "1", 30),
        ];
        store.record_facts(&facts).await.unwrap();
        let ids = |v: Vec<Fact>| v.into_iter().map(|f| f.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.facts_between(None, 10, 30).await.unwrap()),
            ["c", "a", "b"]
        );
        assert_eq!(
            ids(store.facts_between(Some("1"), 0, 100).await.unwrap()),
            ["a", "b", "d"]
        );
        assert_eq!(
            store.facts_between(None, 0, 100).await.unwrap()[0],
            facts[2]
        );
        assert_eq!(store.delete_facts_before(20).await.unwrap(), 1);
        assert_eq!(
            ids(store.facts_between(None, 0, 100).await.unwrap()),
            ["a", "b", "d"]
        );
    }
}
