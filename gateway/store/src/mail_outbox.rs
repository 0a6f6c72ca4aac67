//! E-mail queued by plugins (contract 1.3.0 `mail`), delivered by the mail job of any node.
//!
//! A message is queued once per (plugin, key): a second [`Store::queue_mail`] with the same key, from this
//! node or another, is refused by the primary key. The job takes one due message at a time with one atomic
//! `UPDATE … RETURNING` (`FOR UPDATE SKIP LOCKED` on PostgreSQL) that leases it to this node, so two nodes
//! never send it at once; a lease that runs out (the node died mid-send) makes it due again. A delivered or
//! abandoned message loses its content at once; the row stays until `forget_at` so its key stays taken.

use crate::db::{Arg, DbRow};
use crate::error::StoreError;
use crate::options::Dialect;
use crate::store::Store;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    /// The plugin that sends it.
    pub plugin: &'a str,
    /// Its key among the plugin's messages.
    pub key: &'a str,
    /// The recipient's address.
    pub recipient: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// The plain-text body.
    pub body: &'a str,
    /// The files, encoded by the caller.
    pub files: &'a [u8],
    /// When it was queued (unix ms).
    pub created_at: i64,
    /// Until when its key is remembered if it is never delivered nor abandoned (unix ms); once it is, until the
    /// `forget_at` given then.
    pub forget_at: i64,
}

/// A message the job took to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// The plugin that sent it.
    pub plugin: String,
    /// Its key.
    pub key: String,
    /// The recipient.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
    /// The files as the caller encoded them.
    pub files: Vec<u8>,
    /// When it was queued (unix ms).
    pub created_at: i64,
    /// Attempts before this one.
    pub attempts: u32,
}

const QUEUE: &str = "INSERT INTO mail_outbox (plugin, key, recipient, subject, body, files, created_at, \
     next_at, forget_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) ON CONFLICT DO NOTHING";

macro_rules! take_mail_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2 \
             WHERE (plugin, key) = (SELECT plugin, key FROM mail_outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= $3 \
             AND (lease_until IS NULL OR lease_until <= $3) ORDER BY next_at, key LIMIT 1",
            $lock,
            ") RETURNING plugin, key, recipient, subject, body, files, created_at, attempts"
        )
    };
}
const TAKE_SQLITE: &str = take_mail_sql!("");
const TAKE_POSTGRES: &str = take_mail_sql!(" FOR UPDATE SKIP LOCKED");

const SENT: &str = "UPDATE mail_outbox SET sent_at = $4, forget_at = $5, recipient = NULL, subject = NULL, body = NULL, \
     files = NULL, lease_owner = NULL, lease_until = NULL, attempts = attempts + 1, last_error = NULL \
     WHERE plugin = $1 AND key = $2 AND lease_owner = $3";
const RETRY: &str = "UPDATE mail_outbox SET next_at = $4, attempts = attempts + 1, last_error = $5, \
     lease_owner = NULL, lease_until = NULL WHERE plugin = $1 AND key = $2 AND lease_owner = $3";
const GIVE_UP: &str = "UPDATE mail_outbox SET failed_at = $4, forget_at = $6, recipient = NULL, \
     subject = NULL, body = NULL, files = NULL, attempts = attempts + 1, last_error = $5, lease_owner = NULL, \
     lease_until = NULL WHERE plugin = $1 AND key = $2 AND lease_owner = $3";
const FORGET: &str = "DELETE FROM mail_outbox WHERE forget_at <= $1 \
     AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)";
const PENDING: &str =
    "SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL";

impl Store {
    /// Queues `mail`; false when the plugin already queued a message with this key (not queued again).
    pub async fn queue_mail(&self, mail: &NewMail<'_>) -> Result<bool, StoreError> {
        let args = [
            Arg::text(mail.plugin),
            Arg::text(mail.key),
            Arg::text(mail.recipient),
            Arg::text(mail.subject),
            Arg::text(mail.body),
            Arg::Blob(Some(mail.files)),
            Arg::int(mail.created_at),
            Arg::int(mail.forget_at),
        ];
        Ok(self.pool.execute(QUEUE, &args).await? == 1)
    }

    /// Takes the oldest message due at `now_ms` and leases it to this node until `lease_until`.
    pub async fn take_mail(
        &self,
        now_ms: i64,
        lease_until: i64,
    ) -> Result<Option<QueuedMail>, StoreError> {
        let sql = match self.dialect() {
            Dialect::Sqlite => TAKE_SQLITE,
            Dialect::Postgres => TAKE_POSTGRES,
        };
        let args = [
            Arg::text(self.node()),
            Arg::int(lease_until),
            Arg::int(now_ms),
        ];
        let row = self.pool.fetch_optional(sql, &args).await?;
        row.as_ref().map(mail_from_row).transpose()
    }

    /// Records that this node delivered the message at `now_ms`: its content is erased, its key remembered until
    /// `forget_at`.
    pub async fn mail_sent(
        &self,
        plugin: &str,
        key: &str,
        now_ms: i64,
        forget_at: i64,
    ) -> Result<(), StoreError> {
        let args = [
            Arg::text(plugin),
            Arg::text(key),
            Arg::text(self.node()),
            Arg::int(now_ms),
            Arg::int(forget_at),
        ];
        self.pool.execute(SENT, &args).await?;
        Ok(())
    }

    /// Records a failed attempt: the message is due again at `next_at`.
    pub async fn mail_retry(
        &self,
        plugin: &str,
        key: &str,
        next_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.mail_failed(RETRY, &[plugin, key], next_at, error, None)
            .await
    }

    /// Abandons the message at `now_ms` after a last failure: its content is erased, its key remembered until
    /// `forget_at`.
    pub async fn mail_give_up(
        &self,
        plugin: &str,
        key: &str,
        now_ms: i64,
        error: &str,
        forget_at: i64,
    ) -> Result<(), StoreError> {
        self.mail_failed(GIVE_UP, &[plugin, key], now_ms, error, Some(forget_at))
            .await
    }

    async fn mail_failed(
        &self,
        sql: &str,
        [plugin, key]: &[&str; 2],
        at: i64,
        error: &str,
        forget_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut args = vec![
            Arg::text(plugin),
            Arg::text(key),
            Arg::text(self.node()),
            Arg::int(at),
            Arg::text(error),
        ];
        if let Some(f) = forget_at {
            args.push(Arg::int(f));
        }
        self.pool.execute(sql, &args).await?;
        Ok(())
    }

    /// Deletes messages whose key need no longer be remembered at `now_ms`; returns how many.
    pub async fn forget_mail(&self, now_ms: i64) -> Result<u64, StoreError> {
        self.pool.execute(FORGET, &[Arg::int(now_ms)]).await
    }

    /// How many messages wait to be delivered.
    pub async fn pending_mail(&self) -> Result<u32, StoreError> {
        let row = self.pool.fetch_optional(PENDING, &[]).await?;
        row.map_or(Ok(0), |r| r.count("n"))
    }
}

fn mail_from_row(row: &DbRow) -> Result<QueuedMail, StoreError> {
    let text = |col: &str| -> Result<String, StoreError> {
        let v: Option<String> = row.get(col)?;
        v.ok_or_else(|| StoreError::Corrupt(format!("mail_outbox.{col} is empty while due")))
    };
    let files: Option<Vec<u8>> = row.get("files")?;
    Ok(QueuedMail {
        plugin: row.get("plugin")?,
        key: row.get("key")?,
        recipient: text("recipient")?,
        subject: text("subject")?,
        body: text("body")?,
        files: files.unwrap_or_default(),
        created_at: row.get("created_at")?,
        attempts: row.count("attempts")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(key: &str) -> NewMail<'_> {
        NewMail {
            plugin: "p",
            key,
            recipient: "a@b.example",
            subject: "s",
            body: "b",
            files: b"f",
            created_at: 1_000,
            forget_at: 100_000,
        }
    }

    #[tokio::test]
    async fn a_key_is_queued_once_and_a_taken_message_is_leased() {
        let s = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        assert!(s.queue_mail(&mail("k")).await.unwrap());
        assert!(!s.queue_mail(&mail("k")).await.unwrap(), "same key");
        let taken = s.take_mail(1_000, 5_000).await.unwrap().unwrap();
        assert_eq!((taken.key.as_str(), taken.attempts), ("k", 0));
        assert_eq!(s.take_mail(2_000, 6_000).await.unwrap(), None, "leased");
        s.mail_retry("p", "k", 3_000, "refused").await.unwrap();
        assert_eq!(s.take_mail(2_500, 6_000).await.unwrap(), None, "not due");
        let again = s.take_mail(3_000, 8_000).await.unwrap().unwrap();
        assert_eq!(again.attempts, 1);
        s.mail_sent("p", "k", 3_100, 100_000).await.unwrap();
        assert_eq!(s.take_mail(10_000, 20_000).await.unwrap(), None);
        assert_eq!(s.pending_mail().await.unwrap(), 0);
        assert!(
            !s.queue_mail(&mail("k")).await.unwrap(),
            "sent, still known"
        );
        assert_eq!(s.forget_mail(100_000).await.unwrap(), 1);
        assert!(s.queue_mail(&mail("k")).await.unwrap(), "forgotten");
    }
}
