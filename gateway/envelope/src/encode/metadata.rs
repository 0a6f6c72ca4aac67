//! `MessageMetadata`, whose shape differs most between versions.

use super::{NIL_UUID, valid_uuid};
use crate::response::{MessageMetadata, Party};
use crate::version::SmevVersion;
use crate::writer::{XmlWriter, truncate_chars};
use crate::xsd::format_date_time;

/// `DestinationName` when the recipient is unknown (1.1/1.2 require the element).
const UNKNOWN_DESTINATION: &str = "unknown";

/// Writes `smev:MessageMetadata` for `version`, with `id` as its `Id` when given.
pub(crate) fn write(
    w: &mut XmlWriter,
    version: SmevVersion,
    md: &MessageMetadata,
    id: Option<&str>,
) {
    let legacy = matches!(version, SmevVersion::V1_1 | SmevVersion::V1_2);
    match id {
        Some(id) => w.open("smev:MessageMetadata", &[("Id", id)]),
        None => w.open("smev:MessageMetadata", &[]),
    };
    match (valid_uuid(md.message_id.as_deref()), version) {
        (Some(id), _) => {
            w.leaf("smev:MessageId", id);
        }
        (None, SmevVersion::V1_2) => {
            w.leaf("smev:MessageId", NIL_UUID);
        }
        (None, _) => {}
    }
    w.leaf("smev:MessageType", md.message_type.as_str());
    match (&md.sender, legacy) {
        (Some(sender), _) => party(w, "smev:Sender", sender, 50),
        (None, true) => party(
            w,
            "smev:Sender",
            &Party {
                mnemonic: String::new(),
                human_readable_name: String::new(),
            },
            50,
        ),
        (None, false) => {}
    }
    w.leaf(
        "smev:SendingTimestamp",
        &format_date_time(md.sending_timestamp),
    );
    if legacy {
        let destination = md
            .recipient
            .as_ref()
            .map_or(UNKNOWN_DESTINATION, |r| r.mnemonic.as_str());
        w.leaf("smev:DestinationName", truncate_chars(destination, 500));
    }
    if let Some(recipient) = &md.recipient {
        party(w, "smev:Recipient", recipient, 100);
    }
    if legacy {
        w.open("smev:SupplementaryData", &[])
            .leaf("smev:InteractionType", "NotDetected")
            .close("smev:SupplementaryData");
    }
    if let Some(delivered) = md.delivery_timestamp {
        w.leaf("smev:DeliveryTimestamp", &format_date_time(delivered));
    }
    if let Some(status) = md.status {
        w.leaf("smev:Status", status.in_version(version).as_str());
    }
    w.close("smev:MessageMetadata");
}

fn party(w: &mut XmlWriter, element: &str, p: &Party, mnemonic_max: usize) {
    w.open(element, &[]);
    w.leaf("smev:Mnemonic", truncate_chars(&p.mnemonic, mnemonic_max));
    w.leaf(
        "smev:HumanReadableName",
        truncate_chars(&p.human_readable_name, 500),
    );
    w.close(element);
}
