//! The answers the gateway encodes: message metadata, replies, statuses.

use crate::request::Attachment;
use crate::version::SmevVersion;

/// `MessageMetadata/MessageType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `REQUEST`.
    Request,
    /// `RESPONSE`.
    Response,
}

impl MessageType {
    /// The schema value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Response => "RESPONSE",
        }
    }
}

/// A participant of the exchange (`Sender` / `Recipient` in `MessageMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// `Mnemonic`: the machine name.
    pub mnemonic: String,
    /// `HumanReadableName`.
    pub human_readable_name: String,
}

/// `MessageMetadata`: what SMEV says about a message. Fields a version's schema lacks are left
/// out; fields it requires but that are `None` get documented stand-ins (see
/// [`crate::encode_send_request_response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMetadata {
    /// `MessageId` (required in 1.2).
    pub message_id: Option<String>,
    /// `MessageType`.
    pub message_type: MessageType,
    /// `Sender` (required in 1.1 and 1.2).
    pub sender: Option<Party>,
    /// `SendingTimestamp`.
    pub sending_timestamp: jiff::Timestamp,
    /// `Recipient`.
    pub recipient: Option<Party>,
    /// `DeliveryTimestamp`.
    pub delivery_timestamp: Option<jiff::Timestamp>,
    /// `Status`.
    pub status: Option<InteractionStatus>,
}

/// `basic:InteractionStatusType`: the union of the values of 1.1/1.2 and 1.3. A value a
/// version lacks is written as its nearest equivalent ([`InteractionStatus::in_version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InteractionStatus {
    /// `doesNotExist`.
    DoesNotExist,
    /// `requestIsQueued`.
    RequestIsQueued,
    /// `requestIsAcceptedBySmev`.
    RequestIsAcceptedBySmev,
    /// `requestIsRejectedBySmev`.
    RequestIsRejectedBySmev,
    /// `requestIsProcessed` (1.3).
    RequestIsProcessed,
    /// `underProcessing`.
    UnderProcessing,
    /// `responseIsQueued` (1.3).
    ResponseIsQueued,
    /// `responseIsAcceptedBySmev`.
    ResponseIsAcceptedBySmev,
    /// `responseIsRejectedBySmev` (1.3).
    ResponseIsRejectedBySmev,
    /// `responseIsProcessed` (1.3).
    ResponseIsProcessed,
    /// `cancelled`.
    Cancelled,
    /// `messageIsArchived` (1.3).
    MessageIsArchived,
    /// `messageIsDelivered` (1.3).
    MessageIsDelivered,
    /// `responseIsDelivered` (1.1 and 1.2).
    ResponseIsDelivered,
}

impl InteractionStatus {
    /// Every value.
    pub const ALL: [InteractionStatus; 14] = [
        Self::DoesNotExist,
        Self::RequestIsQueued,
        Self::RequestIsAcceptedBySmev,
        Self::RequestIsRejectedBySmev,
        Self::RequestIsProcessed,
        Self::UnderProcessing,
        Self::ResponseIsQueued,
        Self::ResponseIsAcceptedBySmev,
        Self::ResponseIsRejectedBySmev,
        Self::ResponseIsProcessed,
        Self::Cancelled,
        Self::MessageIsArchived,
        Self::MessageIsDelivered,
        Self::ResponseIsDelivered,
    ];

    /// The schema value (`requestIsQueued`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DoesNotExist => "doesNotExist",
            Self::RequestIsQueued => "requestIsQueued",
            Self::RequestIsAcceptedBySmev => "requestIsAcceptedBySmev",
            Self::RequestIsRejectedBySmev => "requestIsRejectedBySmev",
            Self::RequestIsProcessed => "requestIsProcessed",
            Self::UnderProcessing => "underProcessing",
            Self::ResponseIsQueued => "responseIsQueued",
            Self::ResponseIsAcceptedBySmev => "responseIsAcceptedBySmev",
            Self::ResponseIsRejectedBySmev => "responseIsRejectedBySmev",
            Self::ResponseIsProcessed => "responseIsProcessed",
            Self::Cancelled => "cancelled",
            Self::MessageIsArchived => "messageIsArchived",
            Self::MessageIsDelivered => "messageIsDelivered",
            Self::ResponseIsDelivered => "responseIsDelivered",
        }
    }

    /// The value with this schema name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The value to write for `version`: itself where the version has it, otherwise the
    /// nearest equivalent. Towards 1.1/1.2: `requestIsProcessed`, `responseIsRejectedBySmev` →
    /// `underProcessing`; `responseIsQueued` → `responseIsAcceptedBySmev`;
    /// `responseIsProcessed`, `messageIsArchived`, `messageIsDelivered` → `responseIsDelivered`.
    /// Towards 1.3: `responseIsDelivered` → `messageIsDelivered`.
    pub const fn in_version(self, version: SmevVersion) -> Self {
        match version {
            SmevVersion::V1_3 => match self {
                Self::ResponseIsDelivered => Self::MessageIsDelivered,
                other => other,
            },
            SmevVersion::V1_1 | SmevVersion::V1_2 => match self {
                Self::RequestIsProcessed | Self::ResponseIsRejectedBySmev => Self::UnderProcessing,
                Self::ResponseIsQueued => Self::ResponseIsAcceptedBySmev,
                Self::ResponseIsProcessed | Self::MessageIsArchived | Self::MessageIsDelivered => {
                    Self::ResponseIsDelivered
                }
                other => other,
            },
        }
    }
}

/// A reply waiting in the sender's queue, for `GetResponseResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseMessage {
    /// `Response/OriginalMessageId`: the request's `MessageID`.
    pub original_message_id: String,
    /// `Response/OriginalTransactionCode`.
    pub original_transaction_code: Option<String>,
    /// `Response/ReferenceMessageID`.
    pub reference_message_id: Option<String>,
    /// `SenderProvidedResponseData/MessageID`.
    pub response_message_id: String,
    /// `SenderProvidedResponseData/To` (opaque).
    pub to: String,
    /// What the reply carries.
    pub content: ResponseContent,
    /// `Response/MessageMetadata`.
    pub metadata: MessageMetadata,
    /// The attachments (sent only with [`ResponseContent::Primary`]).
    pub attachments: Vec<Attachment>,
}

/// The content of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseContent {
    /// The answer's root element, self-contained XML bytes (no XML declaration), inserted
    /// verbatim.
    Primary(Vec<u8>),
    /// `RequestRejected`, one per reason.
    Rejected(Vec<Rejection>),
    /// `RequestStatus`.
    Status {
        /// `StatusCode`.
        code: i32,
        /// `StatusDescription`.
        description: String,
        /// `StatusParameter` key/value pairs.
        parameters: Vec<(String, String)>,
    },
}

/// One `RequestRejected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `RejectionReasonCode`.
    pub code: RejectCode,
    /// `RejectionReasonDescription`.
    pub description: String,
}

/// `RejectCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectCode {
    /// `ACCESS_DENIED`.
    AccessDenied,
    /// `NO_DATA`.
    NoData,
    /// `UNKNOWN_REQUEST_DESCRIPTION`.
    UnknownRequestDescription,
    /// `FAILURE` (1.3 only; written as `UNKNOWN_REQUEST_DESCRIPTION` before 1.3).
    Failure,
}

impl RejectCode {
    /// The schema value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccessDenied => "ACCESS_DENIED",
            Self::NoData => "NO_DATA",
            Self::UnknownRequestDescription => "UNKNOWN_REQUEST_DESCRIPTION",
            Self::Failure => "FAILURE",
        }
    }

    /// The code with this schema value.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::AccessDenied,
            Self::NoData,
            Self::UnknownRequestDescription,
            Self::Failure,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// The code to write for `version` (`FAILURE` exists only in 1.3).
    pub const fn in_version(self, version: SmevVersion) -> Self {
        match (self, version) {
            (Self::Failure, SmevVersion::V1_1 | SmevVersion::V1_2) => {
                Self::UnknownRequestDescription
            }
            (code, _) => code,
        }
    }
}

/// An asynchronous processing status, for `GetStatusResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// `OriginalMessageId`.
    pub original_message_id: String,
    /// `StatusCategory`.
    pub category: InteractionStatus,
    /// `StatusDetails`.
    pub details: Option<String>,
    /// `SmevFault` as `(Code, Description)`.
    pub fault: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_and_map_to_each_version() {
        for s in InteractionStatus::ALL {
            assert_eq!(InteractionStatus::parse(s.as_str()), Some(s));
            for v in SmevVersion::ALL {
                let mapped = s.in_version(v);
                assert_eq!(mapped.in_version(v), mapped, "{s:?} in {v}");
            }
        }
        assert_eq!(
            InteractionStatus::MessageIsDelivered.in_version(SmevVersion::V1_1),
            InteractionStatus::ResponseIsDelivered
        );
        assert_eq!(
            InteractionStatus::ResponseIsDelivered.in_version(SmevVersion::V1_3),
            InteractionStatus::MessageIsDelivered
        );
        assert_eq!(InteractionStatus::parse("bogus"), None);
    }

    #[test]
    fn reject_codes() {
        assert_eq!(RejectCode::parse("NO_DATA"), Some(RejectCode::NoData));
        assert_eq!(
            RejectCode::Failure.in_version(SmevVersion::V1_2),
            RejectCode::UnknownRequestDescription
        );
        assert_eq!(
            RejectCode::Failure.in_version(SmevVersion::V1_3),
            RejectCode::Failure
        );
    }
}
