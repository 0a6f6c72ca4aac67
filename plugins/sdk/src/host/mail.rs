//! E-mail through the gateway's SMTP delivery (contract 1.3.0): the message is queued durably in the store and
//! delivered by the gateway, again after a failure, until the SMTP server takes it. A message's `key` is its
//! identity among the plugin's messages: a key already queued, by any node, is not queued again, so a repeated
//! request never mails twice.
//!
//! ```no_run
//! use gateway_plugin_sdk::host::mail::{self, Message};
//!
//! let message = Message::new("info@example.ru", "QR-код", "Здравствуйте!", "qr/7KX2M9QD")
//!     .attach("qr-7KX2M9QD.png", "image/png", vec![0x89, b'P', b'N', b'G']);
//! let queued_now = mail::send(message)?;
//! # Ok::<(), gateway_plugin_sdk::error::HostError>(())
//! ```

use crate::bindings::smev_gateway::plugin::mail as wit;
pub use crate::bindings::smev_gateway::plugin::mail::Message;
use crate::bindings::smev_gateway::plugin::types::Attachment;
use crate::error::HostError;

impl Message {
    /// A message without files to `to` with `subject` (one line), a plain-text `body`, and its `key` (1–200
    /// printable ASCII characters, e.g. `qr/<participant>`).
    pub fn new(
        to: impl Into<String>,
        subject: impl Into<String>,
        body: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
            attachments: Vec::new(),
            key: key.into(),
        }
    }

    /// The same message with a file: `file_name` (its content id), its MIME type and bytes.
    pub fn attach(
        mut self,
        file_name: impl Into<String>,
        mime_type: impl Into<String>,
        data: Vec<u8>,
    ) -> Self {
        self.attachments.push(Attachment {
            content_id: file_name.into(),
            mime_type: mime_type.into(),
            data,
        });
        self
    }
}

/// Queues `message`: `true` if queued now, `false` if a message with its key was queued before (it is not
/// queued again).
///
/// # Errors
///
/// [`HostError::Invalid`] for a malformed address, subject or key, or too large files;
/// [`HostError::Unavailable`] when the gateway has no SMTP relay configured or its store is unavailable.
pub fn send(message: Message) -> Result<bool, HostError> {
    wit::send(&message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_built_with_their_files() {
        let message = Message::new("a@b.ru", "Тема", "Текст", "qr/A").attach(
            "qr-A.png",
            "image/png",
            vec![1, 2],
        );
        assert_eq!(
            (
                message.to.as_str(),
                message.subject.as_str(),
                message.key.as_str()
            ),
            ("a@b.ru", "Тема", "qr/A")
        );
        assert_eq!(message.body, "Текст");
        assert_eq!(
            message.attachments,
            [Attachment {
                content_id: "qr-A.png".into(),
                mime_type: "image/png".into(),
                data: vec![1, 2],
            }]
        );
    }
}
