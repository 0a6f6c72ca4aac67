//! Attachments beyond the request record (contract 1.2.0): the files a request names by reference (SMEV
//! `RefAttachmentHeaderList`, their content on the exchange's file storage), and files attached to the reply.

use crate::bindings::smev_gateway::plugin::attachments as wit;
pub use crate::bindings::smev_gateway::plugin::attachments::AttachmentReference;
use crate::bindings::smev_gateway::plugin::types::Attachment;
use crate::error::HostError;

/// The files the request being handled names by reference, in the sender's order (empty when it names none).
pub fn references() -> Vec<AttachmentReference> {
    wit::references()
}

/// Attaches a file to the reply this call returns: the sender receives it with the answer (SMEV attachments,
/// MTOM parts when it asks in MTOM; `attachments` in JSON). Only a reply carries attachments; with any other
/// outcome they are dropped.
///
/// # Errors
///
/// [`HostError::Invalid`] for an empty, repeated or multi-line content id, a MIME type that is not `type/subtype`,
/// or more files or bytes than the gateway allows for one reply.
pub fn attach(
    content_id: impl Into<String>,
    mime_type: impl Into<String>,
    data: Vec<u8>,
) -> Result<(), HostError> {
    wit::attach(&Attachment {
        content_id: content_id.into(),
        mime_type: mime_type.into(),
        data,
    })
}
