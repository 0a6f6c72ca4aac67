//! `GetStatusResponse`: the next asynchronous processing status, or nothing.

use super::{EncodeError, NIL_UUID, SMEV_SIGNED_ID, envelope, smev_namespaces, valid_uuid};
use crate::response::StatusMessage;
use crate::version::SmevVersion;
use crate::writer::truncate_chars;

/// `GetStatusResponse`: `None` is the empty answer; `Some` is a `SmevAsyncProcessingMessage`
/// with `AsyncProcessingStatus` (`OriginalMessageId`, `StatusCategory` mapped to the version,
/// `StatusDetails` cut to 500 characters, `SmevFault` with `Code` cut to the version's length).
/// A malformed original id is written as the nil UUID.
///
/// # Errors
///
/// [`EncodeError::NoGetStatus`] for a version without `GetStatus`
/// ([`SmevVersion::has_get_status`]); every published version has it, so this does not
/// happen today.
pub fn encode_get_status_response(
    version: SmevVersion,
    msg: Option<&StatusMessage>,
) -> Result<Vec<u8>, EncodeError> {
    if !version.has_get_status() {
        return Err(EncodeError::NoGetStatus(version));
    }
    let code_max = match version {
        SmevVersion::V1_1 | SmevVersion::V1_2 => 50,
        SmevVersion::V1_3 => 100,
    };
    Ok(envelope(|w| {
        let Some(msg) = msg else {
            w.empty("smev:GetStatusResponse", &smev_namespaces(version));
            return;
        };
        w.open("smev:GetStatusResponse", &smev_namespaces(version));
        w.open("smev:SmevAsyncProcessingMessage", &[]);
        w.open("smev:AsyncProcessingStatusData", &[("Id", SMEV_SIGNED_ID)]);
        w.open("smev:AsyncProcessingStatus", &[]);
        w.leaf(
            "smev:OriginalMessageId",
            valid_uuid(Some(&msg.original_message_id)).unwrap_or(NIL_UUID),
        );
        w.leaf(
            "smev:StatusCategory",
            msg.category.in_version(version).as_str(),
        );
        if let Some(details) = &msg.details {
            w.leaf("smev:StatusDetails", truncate_chars(details, 500));
        }
        if let Some((code, description)) = &msg.fault {
            w.open("smev:SmevFault", &[]);
            w.leaf("basic:Code", truncate_chars(code, code_max));
            w.leaf("basic:Description", description);
            w.close("smev:SmevFault");
        }
        w.close("smev:AsyncProcessingStatus");
        w.close("smev:AsyncProcessingStatusData");
        w.close("smev:SmevAsyncProcessingMessage");
        w.close("smev:GetStatusResponse");
    }))
}
