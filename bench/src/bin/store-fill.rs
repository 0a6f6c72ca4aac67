//! The store of a gateway that has run for months, for the benchmark of a grown store: fills a gateway's
//! database (SQLite or PostgreSQL, schema brought up to date first) with journal entries and scan facts spread
//! over the last days, or tells when its oldest fact occurred (the benchmark then has the gateway's own facts
//! retention delete that day).
//!
//! `store-fill --url URL fill --journal N --facts N --days D --sender S` prints `{"journal":…,"facts":…,
//! "seconds":…}`; `store-fill --url URL oldest` prints `{"oldest_ms":…}` (null with no facts).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use gateway_store::{Dialect, Store, StoreOptions};

#[derive(Parser)]
struct Args {
    /// The store's URL, as in the gateway's `[store] url`.
    #[arg(long)]
    url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Adds journal entries of `sender` and facts of 1,000 organisations, evenly over `days` days from the UTC
    /// midnight `days` days ago.
    Fill {
        #[arg(long)]
        journal: u64,
        #[arg(long)]
        facts: u64,
        #[arg(long, default_value_t = 90)]
        days: u64,
        #[arg(long)]
        sender: String,
    },
    /// When the oldest fact held occurred, in milliseconds since the epoch.
    Oldest,
}

const DAY_MS: i64 = 86_400_000;
/// Rows per statement (and transaction) while filling.
const CHUNK: u64 = 500_000;

const JOURNAL_SQLITE: &str = "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
     INSERT INTO journal (at, node, sender, message_id, direction, message_type, outcome, payload_sha256, \
     duration_us) SELECT $3 + i * $4, 'bench-fill', $5, 'fill-' || i, \
     CASE i % 2 WHEN 0 THEN 'in' ELSE 'out' END, '{urn://gateway/test/1.0}TestRequest', 'accepted', NULL, 250 \
     FROM n";
const JOURNAL_POSTGRES: &str = "INSERT INTO journal (at, node, sender, message_id, direction, message_type, \
     outcome, payload_sha256, duration_us) SELECT $3 + i * $4, 'bench-fill', $5, 'fill-' || i, \
     CASE i % 2 WHEN 0 THEN 'in' ELSE 'out' END, '{urn://gateway/test/1.0}TestRequest', 'accepted', NULL, 250 \
     FROM generate_series($1::bigint, $2::bigint) AS i";
const FACTS_SQLITE: &str = "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
     INSERT INTO facts (id, kind, organisation, document_type, occurred_at, attributes, recorded_at) \
     SELECT 'fill-' || i, 'scan', 'ORG' || (i % 1000), 'passport', $3 + i * $4, '{\"pages\":1}', $3 + i * $4 \
     FROM n";
const FACTS_POSTGRES: &str = "INSERT INTO facts (id, kind, organisation, document_type, occurred_at, \
     attributes, recorded_at) SELECT 'fill-' || i, 'scan', 'ORG' || (i % 1000), 'passport', $3 + i * $4, \
     '{\"pages\":1}', $3 + i * $4 FROM generate_series($1::bigint, $2::bigint) AS i";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Inserts `count` rows with `sql` in chunks: row `i` at `start + i * step`.
async fn fill(
    url: &str,
    dialect: Dialect,
    sql: &str,
    count: u64,
    start: i64,
    step: i64,
    sender: &str,
) -> anyhow::Result<()> {
    let count = i64::try_from(count)?;
    let chunk = i64::try_from(CHUNK)?;
    macro_rules! run {
        ($pool:expr) => {{
            let pool = $pool;
            let mut first = 0i64;
            while first < count {
                let last = (first + chunk).min(count) - 1;
                let query = sqlx::query(sql).bind(first).bind(last).bind(start).bind(step);
                // Only the journal names a sender (PostgreSQL refuses a parameter its statement lacks).
                let query = if sql.contains("$5") { query.bind(sender) } else { query };
                query.execute(&pool).await?;
                first = last + 1;
            }
            pool.close().await;
        }};
    }
    match dialect {
        Dialect::Sqlite => run!(sqlx::SqlitePool::connect(url).await?),
        Dialect::Postgres => run!(sqlx::PgPool::connect(url).await?),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Connecting runs the gateway's migrations: the schema is the gateway's own.
    let store = Store::connect(&args.url, StoreOptions::default()).await?;
    let dialect = store.dialect();
    let started = Instant::now();
    match args.command {
        Command::Fill {
            journal,
            facts,
            days,
            sender,
        } => {
            let span = i64::try_from(days)?.saturating_mul(DAY_MS);
            // From a UTC midnight: the oldest day is a whole day, as the retention deletes it.
            let start = (now_ms() - span).div_euclid(DAY_MS) * DAY_MS;
            // On PostgreSQL, the facts' day partitions (the gateway makes them as it writes facts).
            store.prepare_fact_period(start, start + span).await?;
            store.close().await;
            let step = |n: u64| (span - 3_600_000) / i64::try_from(n.max(1)).unwrap_or(1);
            let (journal_sql, facts_sql) = match dialect {
                Dialect::Sqlite => (JOURNAL_SQLITE, FACTS_SQLITE),
                Dialect::Postgres => (JOURNAL_POSTGRES, FACTS_POSTGRES),
            };
            fill(
                &args.url,
                dialect,
                journal_sql,
                journal,
                start,
                step(journal),
                &sender,
            )
            .await?;
            fill(
                &args.url,
                dialect,
                facts_sql,
                facts,
                start,
                step(facts),
                &sender,
            )
            .await?;
            println!(
                r#"{{"journal":{journal},"facts":{facts},"seconds":{:.1}}}"#,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Oldest => {
            store.close().await;
            let oldest = oldest_fact(&args.url, dialect).await?;
            println!(
                r#"{{"oldest_ms":{}}}"#,
                oldest.map_or_else(|| "null".to_owned(), |ms| ms.to_string())
            );
        }
    }
    Ok(())
}

/// When the oldest fact occurred.
async fn oldest_fact(url: &str, dialect: Dialect) -> anyhow::Result<Option<i64>> {
    const SQL: &str = "SELECT MIN(occurred_at) FROM facts";
    Ok(match dialect {
        Dialect::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await?;
            let v: Option<i64> = sqlx::query_scalar(SQL).fetch_one(&pool).await?;
            pool.close().await;
            v
        }
        Dialect::Postgres => {
            let pool = sqlx::PgPool::connect(url).await?;
            let v: Option<i64> = sqlx::query_scalar(SQL).fetch_one(&pool).await?;
            pool.close().await;
            v
        }
    })
}
