//! `mail` (contract 1.3.0): e-mail a plugin queues for the gateway's SMTP delivery. The host checks the
//! message's shape (key, subject, body, files within the attachment limits); the gateway checks the address and
//! queues it durably.

use crate::bindings::smev_gateway::plugin::mail::{Host, Message};
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::caps::attachments::is_mime_type;
use crate::caps::store::check_key;
use crate::state::StoreState;
use crate::types::{Attachment, MailMessage};

/// The longest subject, in characters.
const MAX_SUBJECT_CHARS: usize = 200;
/// The longest body, in bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

fn check(message: &Message, limits: crate::config::AttachmentLimits) -> Result<(), HostError> {
    let invalid = |why: &str| Err(HostError::Invalid(why.to_owned()));
    check_key("mail key", &message.key)?;
    if message.subject.trim().is_empty()
        || message.subject.chars().count() > MAX_SUBJECT_CHARS
        || message.subject.chars().any(char::is_control)
    {
        return invalid("a subject is one line of 1 to 200 characters");
    }
    if message.body.len() > MAX_BODY_BYTES {
        return invalid("a body holds at most 64 KiB");
    }
    if message.to.chars().any(char::is_control) || message.to.len() > 254 {
        return invalid("the recipient is one address");
    }
    if message.attachments.len() > limits.max_files {
        return invalid("more files than the gateway's attachment limit");
    }
    let bytes: usize = message.attachments.iter().map(|a| a.data.len()).sum();
    if bytes > limits.max_bytes {
        return invalid("more bytes of files than the gateway's attachment limit");
    }
    for file in &message.attachments {
        let name = &file.content_id;
        if name.trim().is_empty()
            || name.len() > 200
            || name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\' || c == '"')
        {
            return invalid("a file name is 1 to 200 bytes without controls, slashes or quotes");
        }
        if !is_mime_type(&file.mime_type) {
            return invalid("a file's MIME type is not type/subtype");
        }
    }
    Ok(())
}

impl Host for StoreState {
    async fn send(&mut self, message: Message) -> Result<bool, HostError> {
        check(&message, self.attachments.limits)?;
        let message = MailMessage {
            to: message.to,
            subject: message.subject,
            body: message.body,
            attachments: message
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    content_id: a.content_id,
                    mime_type: a.mime_type,
                    data: a.data,
                })
                .collect(),
            key: message.key,
        };
        Ok(self.services.mail_send(&self.cx, message).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::smev_gateway::plugin::types::Attachment as WitAttachment;

    fn message() -> Message {
        Message {
            to: "org@primer.example".into(),
            subject: "QR-код".into(),
            body: "Здравствуйте".into(),
            attachments: vec![WitAttachment {
                content_id: "qr-P7K2.png".into(),
                mime_type: "image/png".into(),
                data: vec![1, 2, 3],
            }],
            key: "qr/P7K2".into(),
        }
    }

    #[test]
    fn a_well_formed_message_passes_and_a_malformed_one_is_named() {
        let limits = crate::config::AttachmentLimits::default();
        assert!(check(&message(), limits).is_ok());
        let bad_subject = Message {
            subject: "a\r\nBcc: x@y".into(),
            ..message()
        };
        assert!(check(&bad_subject, limits).is_err());
        let bad_key = Message {
            key: String::new(),
            ..message()
        };
        assert!(check(&bad_key, limits).is_err());
        let mut bad_file = message();
        bad_file.attachments[0].content_id = "../x".into();
        assert!(check(&bad_file, limits).is_err());
        let tight = crate::config::AttachmentLimits {
            max_files: 1,
            max_bytes: 2,
        };
        assert!(check(&message(), tight).is_err());
    }
}
