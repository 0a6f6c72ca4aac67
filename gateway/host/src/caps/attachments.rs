//! `attachments` (contract 1.2.0): the references of the request being handled, and the files a plugin attaches
//! to its reply, kept in the store within the limits and returned with the outcome.

use crate::bindings::smev_gateway::plugin::attachments::{AttachmentReference, Host};
use crate::bindings::smev_gateway::plugin::types::{Attachment, HostError};
use crate::state::StoreState;

/// `type/subtype`, each a token of RFC 2045 (no spaces, controls or separators): nothing that could end a
/// header line.
pub(crate) fn is_mime_type(text: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-'*`|~%{}".contains(&b))
    };
    text.len() <= 127
        && text
            .split_once('/')
            .is_some_and(|(a, b)| token(a) && token(b))
}

impl Host for StoreState {
    fn references(&mut self) -> Vec<AttachmentReference> {
        self.attachments
            .references
            .iter()
            .map(|r| AttachmentReference {
                uuid: r.uuid.clone(),
                file_name: r.file_name.clone(),
                hash: r.hash.clone(),
                mime_type: r.mime_type.clone(),
                signature_pkcs7: r.signature_pkcs7.clone(),
            })
            .collect()
    }

    fn attach(&mut self, file: Attachment) -> Result<(), HostError> {
        let state = &mut self.attachments;
        let invalid = |why: String| Err(HostError::Invalid(why));
        if file.content_id.trim().is_empty() {
            return invalid("an attachment needs a content id".into());
        }
        if !is_mime_type(&file.mime_type) {
            return invalid(format!(
                "attachment {}: the MIME type is not type/subtype",
                file.content_id
            ));
        }
        if file.content_id.chars().any(char::is_control) || file.content_id.len() > 256 {
            return invalid("a content id is one line of at most 256 bytes".into());
        }
        if state
            .attached
            .iter()
            .any(|a| a.content_id == file.content_id)
        {
            return invalid(format!(
                "attachment {} is attached already",
                file.content_id
            ));
        }
        if state.attached.len() >= state.limits.max_files {
            return invalid(format!(
                "a reply carries at most {} attachments",
                state.limits.max_files
            ));
        }
        let bytes = state.bytes.saturating_add(file.data.len());
        if bytes > state.limits.max_bytes {
            return invalid(format!(
                "a reply's attachments hold at most {} bytes",
                state.limits.max_bytes
            ));
        }
        state.bytes = bytes;
        state.attached.push(crate::types::Attachment {
            content_id: file.content_id,
            mime_type: file.mime_type,
            data: file.data,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_mime_type;

    #[test]
    fn mime_types_are_one_token_pair() {
        assert!(is_mime_type("application/pdf") && is_mime_type("application/vnd.ms-excel"));
        for bad in [
            "",
            "pdf",
            "text/plain\r\nX: y",
            "text/plain; charset=utf-8",
            "a/b/c",
            "/x",
        ] {
            assert!(!is_mime_type(bad), "{bad:?}");
        }
    }
}
