//! The facts of a report: streamed in order (never all in memory), counted, and the organisations
//! that have any in a period.

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::arg::OwnedArg;
use crate::db::{Arg, DbRow, Pool};
use crate::error::StoreError;
use crate::facts::{Fact, fact_from_row};
use crate::raw::RowRef;
use crate::store::Store;

const STREAM: &str = "SELECT id, kind, organisation, document_type, occurred_at, attributes, \
     recorded_at FROM facts WHERE organisation = $1 AND kind = $2 AND occurred_at >= $3 \
     AND occurred_at < $4 ORDER BY occurred_at, id";

const COUNT_BY_TYPE: &str = "SELECT document_type, COUNT(*) AS n FROM facts WHERE organisation = $1 \
     AND kind = $2 AND occurred_at >= $3 AND occurred_at < $4 GROUP BY document_type ORDER BY document_type";

const ORGANISATIONS: &str = "SELECT organisation FROM facts WHERE kind = $1 AND occurred_at >= $2 \
     AND occurred_at < $3 GROUP BY organisation ORDER BY organisation";

impl Store {
    /// The facts of `kind` about `organisation` that occurred in `[from_ms, to_ms)`, ordered by
    /// `occurred_at` then `id`, as a stream: rows are read from the database as the consumer takes
    /// them, so a report of a million facts never holds them all. On a SQLite file they are read on a blocking
    /// thread through SQLite's C API and handed over a few hundred at a time (see `readers`); elsewhere through
    /// sqlx.
    pub fn report_facts<'a>(
        &'a self,
        organisation: &'a str,
        kind: &'a str,
        from_ms: i64,
        to_ms: i64,
    ) -> BoxStream<'a, Result<Fact, StoreError>> {
        fn decode(row: impl Into<DbRow>) -> Result<Fact, StoreError> {
            fact_from_row(&row.into())
        }
        if let Some(readers) = &self.readers {
            let args = vec![
                OwnedArg::Text(organisation.to_owned()),
                OwnedArg::Text(kind.to_owned()),
                OwnedArg::Int(from_ms),
                OwnedArg::Int(to_ms),
            ];
            return readers.query(STREAM.to_owned(), args, fact_from_raw);
        }
        match &self.pool {
            Pool::Sqlite(pool, _) => sqlx::query(STREAM)
                .bind(organisation)
                .bind(kind)
                .bind(from_ms)
                .bind(to_ms)
                .fetch(pool)
                .map(|row| decode(row?))
                .boxed(),
            Pool::Postgres(pool) => sqlx::query(STREAM)
                .bind(organisation)
                .bind(kind)
                .bind(from_ms)
                .bind(to_ms)
                .fetch(pool)
                .map(|row| decode(row?))
                .boxed(),
        }
    }

    /// How many facts [`Store::report_facts`] would stream, by document type: `(document type, count)`,
    /// sorted by type (their sum is the report's count: one pass over the facts, not two).
    pub async fn count_report_facts_by_type(
        &self,
        organisation: &str,
        kind: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let args = [
            Arg::text(organisation),
            Arg::text(kind),
            Arg::int(from_ms),
            Arg::int(to_ms),
        ];
        let rows = self.pool.fetch_all(COUNT_BY_TYPE, &args).await?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.get("n")?;
                let count =
                    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("count {n}")))?;
                Ok((r.get("document_type")?, count))
            })
            .collect()
    }

    /// The organisations with facts of `kind` in `[from_ms, to_ms)`, sorted.
    pub async fn report_organisations(
        &self,
        kind: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let args = [Arg::text(kind), Arg::int(from_ms), Arg::int(to_ms)];
        let rows = self.pool.fetch_all(ORGANISATIONS, &args).await?;
        rows.iter().map(|r| r.get("organisation")).collect()
    }
}

/// A fact from a row of [`STREAM`] read through SQLite's C API (columns by position).
fn fact_from_raw(row: &RowRef<'_>) -> Result<Fact, StoreError> {
    Ok(Fact {
        id: row.text(0)?,
        kind: row.text(1)?,
        organisation: row.text(2)?,
        document_type: row.text(3)?,
        occurred_at: row.int(4)?,
        attributes: row.text(5)?,
        recorded_at: row.int(6)?,
    })
}
