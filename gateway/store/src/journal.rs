//! The journal: an audit trail of what came in and went out, without personal data.
//!
//! Entries name the sender, the message and the outcome (a fault name or a reason code in
//! `detail`), never payload content; `payload_sha256` lets an auditor match a payload kept elsewhere.

use std::sync::{Arc, OnceLock};

use futures::TryStreamExt;

use crate::arg::OwnedArg;
use crate::db::{Arg, DbRow, Tx, values_placeholders};
use crate::error::StoreError;
use crate::options::Dialect;
use crate::raw::RowRef;
use crate::store::{Store, text_code};

text_code! {
    /// Whether a journal entry is about a message that came in or went out.
    pub enum Direction {
        /// A message received from a sender.
        In => "in",
        /// A message handed out to a sender.
        Out => "out",
    }
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// Assigned by the store (increasing); ignored when appending.
    pub id: Option<i64>,
    /// When it happened (unix ms).
    pub at: i64,
    /// The node that recorded it; the store sets its own node name when appending.
    pub node: String,
    /// The sender mnemonic the entry belongs to.
    pub sender: String,
    /// The message it is about.
    pub message_id: String,
    /// In or out.
    pub direction: Direction,
    /// The message type, `{namespace}local`, when known.
    pub message_type: Option<String>,
    /// What happened: `accepted`, `replied`, `rejected`, `status`, `fault`, `duplicate`, ...
    pub outcome: String,
    /// A fault name or reason code; never payload content.
    pub detail: Option<String>,
    /// Hex SHA-256 of the payload.
    pub payload_sha256: Option<String>,
    /// How long the step took, in microseconds.
    pub duration_us: Option<i64>,
}

/// Filters for [`Store::find_journal`]; every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalQuery {
    /// Only entries about this message.
    pub message_id: Option<String>,
    /// Only entries of this message type.
    pub message_type: Option<String>,
    /// Only entries at or after this time (unix ms, inclusive).
    pub from_ms: Option<i64>,
    /// Only entries before this time (unix ms, exclusive).
    pub to_ms: Option<i64>,
    /// At most this many entries; `None` or more than [`MAX_JOURNAL_ROWS`] means [`MAX_JOURNAL_ROWS`].
    pub limit: Option<u32>,
}

/// The most entries one [`Store::find_journal`] call returns.
pub const MAX_JOURNAL_ROWS: u32 = 1000;

/// Entries per multi-row INSERT on PostgreSQL (one round trip each). Statements keep fixed shapes — this
/// many rows, or one — so that the prepared-statement cache serves every batch; SQLite, in-process, inserts
/// row by row in one transaction (its driver binds parameters by name, which is quadratic in a wide
/// statement, and a new statement shape would be parsed again).
const CHUNK: usize = 64;
/// Entries per command on SQLite (see `insert_statements`).
const SQLITE_CHUNK: usize = 16;
const COLUMNS: usize = 10;
const INSERT_HEAD: &str = "INSERT INTO journal (at, node, sender, message_id, direction, \
     message_type, outcome, detail, payload_sha256, duration_us) ";
const SELECT_HEAD: &str = "SELECT id, at, node, sender, message_id, direction, message_type, \
     outcome, detail, payload_sha256, duration_us FROM journal WHERE 1 = 1";

impl Store {
    /// Appends `entries` (stamped with this node's name) in the next group transaction.
    pub async fn append_journal(&self, entries: &[JournalEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let entries = Arc::new(entries.to_vec());
        let node = self.node_name();
        self.group
            .write(move |tx| {
                let (entries, node) = (Arc::clone(&entries), Arc::clone(&node));
                Box::pin(async move { insert_journal(tx, &node, &entries).await })
            })
            .await
    }

    /// `sender`'s journal entries matching `q`, newest first. Other senders' entries are never
    /// returned.
    pub async fn find_journal(
        &self,
        sender: &str,
        q: &JournalQuery,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        self.search_journal(Some(sender), q).await
    }

    /// Journal entries matching `q`, of one sender when `sender` is given, else of every sender (the
    /// operator's search), newest first.
    pub async fn search_journal(
        &self,
        sender: Option<&str>,
        q: &JournalQuery,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let limit = q
            .limit
            .map_or(MAX_JOURNAL_ROWS, |l| l.min(MAX_JOURNAL_ROWS));
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = String::from(SELECT_HEAD);
        let mut args = Vec::new();
        let mut filter = |condition: &str, arg| {
            args.push(arg);
            sql.push_str(&format!(" AND {condition} ${}", args.len()));
        };
        if let Some(sender) = sender {
            filter("sender =", OwnedArg::Text(sender.to_owned()));
        }
        if let Some(id) = &q.message_id {
            filter("message_id =", OwnedArg::Text(id.clone()));
        }
        if let Some(t) = &q.message_type {
            filter("message_type =", OwnedArg::Text(t.clone()));
        }
        if let Some(from) = q.from_ms {
            filter("at >=", OwnedArg::Int(from));
        }
        if let Some(to) = q.to_ms {
            filter("at <", OwnedArg::Int(to));
        }
        args.push(OwnedArg::Int(i64::from(limit)));
        sql.push_str(&format!(" ORDER BY at DESC, id DESC LIMIT ${}", args.len()));
        // On a SQLite file the rows are read through SQLite's C API (see `readers`): sqlx handed each row of a
        // search over from its connection's thread on its own, which cost a search of 100 entries ten times
        // one of a single entry.
        if let Some(readers) = &self.readers {
            return readers.query(sql, args, entry_from_raw).try_collect().await;
        }
        let args: Vec<Arg<'_>> = args.iter().map(OwnedArg::as_arg).collect();
        let rows = self.pool.fetch_all(&sql, &args).await?;
        rows.iter().map(entry_from_row).collect()
    }
}

/// Appends `entries` inside `tx`, stamped with `node`.
pub(crate) async fn insert_journal(
    tx: &mut Tx,
    node: &str,
    entries: &[JournalEntry],
) -> Result<(), StoreError> {
    match tx.dialect() {
        Dialect::Postgres => {
            let mut chunks = entries.chunks_exact(CHUNK);
            for chunk in &mut chunks {
                let (sql, args) = insert_statement(node, chunk);
                tx.execute(&sql, &args).await?;
            }
            for entry in chunks.remainder() {
                let (sql, args) = insert_statement(node, std::slice::from_ref(entry));
                tx.execute(&sql, &args).await?;
            }
        }
        Dialect::Sqlite => {
            for chunk in entries.chunks(SQLITE_CHUNK) {
                let (sql, args) = insert_statements(node, chunk);
                tx.execute(sql, &args).await?;
            }
        }
    }
    Ok(())
}

/// For SQLite: one single-row INSERT per entry, all in one text (sqlx runs a text of several statements as one
/// command on the connection's thread, so the entries cost one round trip to it instead of one each; every
/// statement stays narrow). The texts for 1 to [`SQLITE_CHUNK`] entries are made once.
fn insert_statements<'a>(
    node: &'a str,
    entries: &'a [JournalEntry],
) -> (&'static str, Vec<Arg<'a>>) {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (0..=SQLITE_CHUNK)
            .map(|n| {
                (0..n)
                    .map(|i| format!("{INSERT_HEAD}{};\n", numbered_values(i * COLUMNS, COLUMNS)))
                    .collect()
            })
            .collect()
    });
    (
        texts[entries.len().min(SQLITE_CHUNK)].as_str(),
        journal_args(node, entries),
    )
}

/// `VALUES ($first+1, …, $first+width)`.
fn numbered_values(first: usize, width: usize) -> String {
    let numbers: Vec<String> = (1..=width).map(|n| format!("${}", first + n)).collect();
    format!("VALUES ({})", numbers.join(", "))
}

/// One multi-row INSERT for `entries` (at most [`CHUNK`]).
fn insert_statement<'a>(node: &'a str, entries: &'a [JournalEntry]) -> (String, Vec<Arg<'a>>) {
    let sql = format!(
        "{INSERT_HEAD}{}",
        values_placeholders(entries.len(), COLUMNS)
    );
    (sql, journal_args(node, entries))
}

/// The arguments of `entries`, [`COLUMNS`] each, in the order of [`INSERT_HEAD`].
fn journal_args<'a>(node: &'a str, entries: &'a [JournalEntry]) -> Vec<Arg<'a>> {
    let mut args = Vec::with_capacity(entries.len() * COLUMNS);
    for e in entries {
        args.extend([
            Arg::int(e.at),
            Arg::text(node),
            Arg::text(&e.sender),
            Arg::text(&e.message_id),
            Arg::text(e.direction.as_str()),
            Arg::opt_text(e.message_type.as_ref()),
            Arg::text(&e.outcome),
            Arg::opt_text(e.detail.as_ref()),
            Arg::opt_text(e.payload_sha256.as_ref()),
            Arg::Int(e.duration_us),
        ]);
    }
    args
}

fn entry_from_row(row: &DbRow) -> Result<JournalEntry, StoreError> {
    Ok(JournalEntry {
        id: Some(row.get("id")?),
        at: row.get("at")?,
        node: row.get("node")?,
        sender: row.get("sender")?,
        message_id: row.get("message_id")?,
        direction: Direction::from_code(&row.get::<String>("direction")?)?,
        message_type: row.get("message_type")?,
        outcome: row.get("outcome")?,
        detail: row.get("detail")?,
        payload_sha256: row.get("payload_sha256")?,
        duration_us: row.get("duration_us")?,
    })
}

/// [`entry_from_row`] for a row read through SQLite's C API: the columns of [`SELECT_HEAD`] by position.
fn entry_from_raw(row: &RowRef<'_>) -> Result<JournalEntry, StoreError> {
    Ok(JournalEntry {
        id: Some(row.int(0)?),
        at: row.int(1)?,
        node: row.text(2)?,
        sender: row.text(3)?,
        message_id: row.text(4)?,
        direction: Direction::from_code(&row.text(5)?)?,
        message_type: row.opt_text(6)?,
        outcome: row.text(7)?,
        detail: row.opt_text(8)?,
        payload_sha256: row.opt_text(9)?,
        duration_us: row.opt_int(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i64) -> JournalEntry {
        JournalEntry {
            id: None,
            at: n,
            node: "ignored".into(),
            sender: "S".into(),
            message_id: format!("m{n}"),
            direction: Direction::Out,
            message_type: None,
            outcome: "replied".into(),
            detail: None,
            payload_sha256: None,
            duration_us: Some(7),
        }
    }

    #[test]
    fn insert_statement_binds_ten_values_per_entry_with_the_store_node() {
        let entries = [entry(1), entry(2)];
        let (sql, args) = insert_statement("node-a", &entries);
        assert!(
            sql.ends_with("($11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"),
            "{sql}"
        );
        assert_eq!(args.len(), 20);
        assert!(matches!(args[1], Arg::Text(Some("node-a"))));
        assert!(matches!(args[19], Arg::Int(Some(7))));
    }

    #[tokio::test]
    async fn find_filters_by_message_and_time_window() {
        let store = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        let entries: Vec<_> = (1..=5).map(entry).collect();
        store.append_journal(&entries).await.unwrap();
        let window = JournalQuery {
            from_ms: Some(2),
            to_ms: Some(4),
            ..Default::default()
        };
        let found = store.find_journal("S", &window).await.unwrap();
        let ats: Vec<i64> = found.iter().map(|e| e.at).collect();
        assert_eq!(ats, [3, 2], "inclusive from, exclusive to, newest first");
        assert!(found.iter().all(|e| e.node == "gateway" && e.id.is_some()));
        let one = JournalQuery {
            message_id: Some("m5".into()),
            ..Default::default()
        };
        assert_eq!(store.find_journal("S", &one).await.unwrap().len(), 1);
        let limited = JournalQuery {
            limit: Some(2),
            ..Default::default()
        };
        assert_eq!(store.find_journal("S", &limited).await.unwrap().len(), 2);
    }
}
