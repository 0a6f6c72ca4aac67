//! E-mail plugins queue (contract 1.3.0 `mail`): queued durably in the store, once per (plugin, key), and
//! delivered through `[smtp]` by this job on every node, again after a failure with doubling pauses, until the
//! server accepts it or `[mail] give_up_after` passes.
//!
//! A message's Message-ID is made from its plugin and key, so if a node dies after the server accepted a
//! message and before it recorded that, the repeated message carries the same id. The recipient is never
//! logged (it is personal data); the plugin and key are.

use std::sync::Arc;
use std::time::Duration;

use gateway_host::{Attachment, HostError, MailMessage};
use gateway_reports::mail::{Mail, MailFile, Outbox, parse_mailbox};
use gateway_store::{NewMail, QueuedMail, Store};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::MailConfig;
use crate::tokens::now_ms;

/// The mail service of one node: queues for plugins, delivers in [`PluginMail::run`].
pub struct PluginMail {
    store: Store,
    outbox: Arc<dyn Outbox>,
    settings: MailConfig,
    /// The domain of the Message-IDs (that of `[smtp] from`).
    domain: String,
    wake: Notify,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

impl PluginMail {
    /// A service delivering through `outbox`, with Message-IDs in `domain`.
    pub fn new(
        store: Store,
        outbox: Arc<dyn Outbox>,
        settings: MailConfig,
        domain: String,
    ) -> PluginMail {
        PluginMail {
            store,
            outbox,
            settings,
            domain,
            wake: Notify::new(),
        }
    }

    /// Queues `message` of `plugin`; false when the plugin queued one with this key before.
    pub async fn queue(&self, plugin: &str, message: MailMessage) -> Result<bool, HostError> {
        parse_mailbox(&message.to)
            .map_err(|_| HostError::Invalid("the recipient is not an e-mail address".into()))?;
        let files = encode_files(&message.attachments);
        let now = now_ms();
        let queued = self
            .store
            .queue_mail(&NewMail {
                plugin,
                key: &message.key,
                recipient: &message.to,
                subject: &message.subject,
                body: &message.body,
                files: &files,
                created_at: now,
                forget_at: now
                    .saturating_add(ms(self.settings.give_up_after.get()))
                    .saturating_add(ms(self.settings.keep_sent.get())),
            })
            .await
            .map_err(crate::host_error::store_err)?;
        if queued {
            tracing::info!(plugin, key = %message.key, "e-mail queued");
            self.wake.notify_one();
        }
        Ok(queued)
    }

    /// Delivers due messages until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let poll = self.settings.poll.get();
        loop {
            while !shutdown.is_cancelled() && self.deliver_one().await {}
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Takes and sends one due message; false when none was due (or the store failed).
    pub async fn deliver_one(&self) -> bool {
        let now = now_ms();
        let lease_until = now.saturating_add(ms(self.settings.lease.get()));
        let mail = match self.store.take_mail(now, lease_until).await {
            Ok(Some(mail)) => mail,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "taking queued e-mail failed");
                return false;
            }
        };
        let (plugin, key) = (mail.plugin.clone(), mail.key.clone());
        let attempts = mail.attempts;
        let created_at = mail.created_at;
        let result = match self.message(mail) {
            // The server's reply may quote the recipient: kept and logged masked.
            Ok(message) => self
                .outbox
                .send(message)
                .await
                .map_err(|e| crate::logging::mask(&e.to_string())),
            Err(e) => Err(e),
        };
        let now = now_ms();
        let forget_at = now.saturating_add(ms(self.settings.keep_sent.get()));
        let recorded = match result {
            Ok(accepted) => {
                tracing::info!(%plugin, %key, response = %accepted.response, "e-mail delivered");
                self.store.mail_sent(&plugin, &key, now, forget_at).await
            }
            Err(error) => {
                let pause = retry_pause(
                    attempts,
                    self.settings.retry_initial.get(),
                    self.settings.retry_max.get(),
                );
                let next_at = now.saturating_add(ms(pause));
                if next_at - created_at > ms(self.settings.give_up_after.get()) {
                    tracing::error!(%plugin, %key, %error, attempts = attempts + 1, "e-mail abandoned");
                    self.store
                        .mail_give_up(&plugin, &key, now, &error, forget_at)
                        .await
                } else {
                    tracing::warn!(%plugin, %key, %error, retry_in = ?pause, "e-mail not delivered");
                    self.store.mail_retry(&plugin, &key, next_at, &error).await
                }
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(%plugin, %key, error = %e, "recording an e-mail's delivery failed");
        }
        true
    }

    fn message(&self, mail: QueuedMail) -> Result<Mail, String> {
        let to = parse_mailbox(&mail.recipient).map_err(|e| e.to_string())?;
        let files = decode_files(&mail.files).ok_or("the queued files are corrupt")?;
        Ok(Mail {
            to,
            subject: mail.subject,
            body: mail.body,
            files: files
                .into_iter()
                .map(|a| MailFile {
                    name: a.content_id,
                    content_type: a.mime_type,
                    data: a.data,
                })
                .collect(),
            message_id: message_id(&mail.plugin, &mail.key, &self.domain),
        })
    }
}

/// The pause after `attempts` earlier failures: `initial`, doubled each time, at most `max`.
fn retry_pause(attempts: u32, initial: Duration, max: Duration) -> Duration {
    initial
        .checked_mul(1u32 << attempts.min(20))
        .unwrap_or(max)
        .min(max)
}

/// `<plugin.HASH@domain>`: the same for the same plugin and key; the key itself may name a case.
fn message_id(plugin: &str, key: &str, domain: &str) -> String {
    let hash = Sha256::new()
        .chain_update(plugin)
        .chain_update([0])
        .chain_update(key)
        .finalize();
    let clean: String = plugin
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("<{clean}.{}@{domain}>", hex::encode(&hash[..16]))
}

/// Files as stored: for each, the name, the MIME type (each a u16 length and UTF-8) and the data (a u32
/// length and the bytes).
fn encode_files(files: &[Attachment]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in files {
        for text in [&f.content_id, &f.mime_type] {
            let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
        }
        let len = u32::try_from(f.data.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&f.data[..len as usize]);
    }
    out
}

fn decode_files(mut bytes: &[u8]) -> Option<Vec<Attachment>> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = bytes.split_at_checked(n)?;
        *bytes = rest;
        Some(head)
    }
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let len = u16::from_be_bytes(take(bytes, 2)?.try_into().ok()?);
        String::from_utf8(take(bytes, usize::from(len))?.to_vec()).ok()
    }
    let mut files = Vec::new();
    while !bytes.is_empty() {
        let content_id = text(&mut bytes)?;
        let mime_type = text(&mut bytes)?;
        let len = u32::from_be_bytes(take(&mut bytes, 4)?.try_into().ok()?);
        let data = take(&mut bytes, len as usize)?.to_vec();
        files.push(Attachment {
            content_id,
            mime_type,
            data,
        });
    }
    Some(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_survive_the_store_and_corrupt_bytes_are_refused() {
        let files = vec![
            Attachment {
                content_id: "qr-P7K2.png".into(),
                mime_type: "image/png".into(),
                data: vec![0x89, b'P', b'N', b'G'],
            },
            Attachment {
                content_id: "пусто.txt".into(),
                mime_type: "text/plain".into(),
                data: vec![],
            },
        ];
        let bytes = encode_files(&files);
        assert_eq!(decode_files(&bytes), Some(files));
        assert_eq!(decode_files(&[]), Some(vec![]));
        assert_eq!(decode_files(&bytes[..bytes.len() - 1]), None);
    }

    #[test]
    fn pauses_double_up_to_the_most_and_ids_are_stable() {
        let (i, m) = (Duration::from_secs(30), Duration::from_secs(3600));
        assert_eq!(retry_pause(0, i, m), i);
        assert_eq!(retry_pause(2, i, m), Duration::from_secs(120));
        assert_eq!(retry_pause(40, i, m), m);
        let a = message_id("admission", "qr/P7K2", "gw.example");
        assert_eq!(a, message_id("admission", "qr/P7K2", "gw.example"));
        assert_ne!(a, message_id("admission", "qr/P7K3", "gw.example"));
        assert!(a.starts_with("<admission.") && a.ends_with("@gw.example>"));
    }
}
