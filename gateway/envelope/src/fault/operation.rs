//! The consumer-side operations the gateway offers and the faults each may raise.

use std::fmt;

use super::FaultKind;
use crate::version::SmevVersion;

/// A consumer-side SMEV operation offered by the gateway. The provider-side operations
/// (`GetRequest`, `SendResponse`) are not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Send a request (`SendRequestRequest` → `SendRequestResponse`).
    SendRequest,
    /// Fetch a reply (`GetResponseRequest` → `GetResponseResponse`).
    GetResponse,
    /// Acknowledge a fetched reply (`AckRequest` → `AckResponse`).
    Ack,
    /// Fetch an asynchronous processing status (`GetStatusRequest` → `GetStatusResponse`).
    GetStatus,
}

use FaultKind as K;

/// The faults of `SendRequest` in the 1.1 WSDL (1.2 derives from it).
const SEND_REQUEST_1_1: &[FaultKind] = &[
    K::BusinessDataTypeIsNotSupported,
    K::TransactionCodeInvalid,
    K::SignatureVerificationFault,
    K::InvalidContent,
    K::AttachmentContentMiscoordination,
    K::AttachmentSizeLimitExceeded,
    K::QuoteLimitExceeded,
    K::AccessDenied,
    K::SenderIsNotRegistered,
    K::RecipientIsNotFound,
    K::DestinationOverflow,
    K::SMEVFailure,
    K::MessageIsAlreadySent,
    K::InvalidMessageIdFormat,
    K::StaleMessageId,
    K::EndOfLifeReached,
];

/// The 1.3 WSDL adds `PersonalAccessDenied` to `SendRequest`.
const SEND_REQUEST_1_3_EXTRA: FaultKind = K::PersonalAccessDenied;

/// `GetResponse` and `GetStatus` raise the same faults in every version.
const GET: &[FaultKind] = &[
    K::InvalidContent,
    K::SignatureVerificationFault,
    K::SenderIsNotRegistered,
    K::UnknownMessageType,
    K::SMEVFailure,
];

const ACK: &[FaultKind] = &[
    K::InvalidContent,
    K::SignatureVerificationFault,
    K::SenderIsNotRegistered,
    K::SMEVFailure,
    K::TargetMessageIsNotFound,
];

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 4] = [
        Self::SendRequest,
        Self::GetResponse,
        Self::Ack,
        Self::GetStatus,
    ];

    /// The WSDL operation name (also the `soapAction` without its `urn:` prefix).
    pub const fn name(self) -> &'static str {
        match self {
            Self::SendRequest => "SendRequest",
            Self::GetResponse => "GetResponse",
            Self::Ack => "Ack",
            Self::GetStatus => "GetStatus",
        }
    }

    /// The local name of the request element in the types namespace.
    pub const fn request_element(self) -> &'static str {
        match self {
            Self::SendRequest => "SendRequestRequest",
            Self::GetResponse => "GetResponseRequest",
            Self::Ack => "AckRequest",
            Self::GetStatus => "GetStatusRequest",
        }
    }

    /// The local name of the response element in the types namespace.
    pub const fn response_element(self) -> &'static str {
        match self {
            Self::SendRequest => "SendRequestResponse",
            Self::GetResponse => "GetResponseResponse",
            Self::Ack => "AckResponse",
            Self::GetStatus => "GetStatusResponse",
        }
    }

    /// The operation whose request element has this local name.
    pub fn from_request_element(local: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.request_element() == local)
    }

    /// Whether the WSDL of any version lists `kind` among this operation's faults. The lists
    /// are the same in every version except that `SendRequest` gains `PersonalAccessDenied` in
    /// 1.3; [`Operation::allows_in`] tells the versions apart.
    pub fn allows(self, kind: FaultKind) -> bool {
        self.allows_in(SmevVersion::V1_3, kind)
    }

    /// Whether `version`'s WSDL lists `kind` among this operation's faults.
    pub fn allows_in(self, version: SmevVersion, kind: FaultKind) -> bool {
        match self {
            Self::SendRequest => {
                SEND_REQUEST_1_1.contains(&kind)
                    || (version == SmevVersion::V1_3 && kind == SEND_REQUEST_1_3_EXTRA)
            }
            Self::GetResponse | Self::GetStatus => GET.contains(&kind),
            Self::Ack => ACK.contains(&kind),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_can_fail_with_invalid_content_and_smev_failure() {
        for op in Operation::ALL {
            for v in SmevVersion::ALL {
                assert!(op.allows_in(v, FaultKind::InvalidContent));
                assert!(op.allows_in(v, FaultKind::SMEVFailure));
                assert!(op.allows_in(v, FaultKind::SenderIsNotRegistered));
            }
            assert_eq!(
                Operation::from_request_element(op.request_element()),
                Some(op)
            );
        }
        assert_eq!(Operation::from_request_element("GetRequestRequest"), None);
    }

    #[test]
    fn fault_lists_follow_the_wsdl() {
        assert!(Operation::Ack.allows(FaultKind::TargetMessageIsNotFound));
        assert!(!Operation::SendRequest.allows(FaultKind::TargetMessageIsNotFound));
        assert!(!Operation::Ack.allows(FaultKind::MessageIsAlreadySent));
        assert!(Operation::GetResponse.allows(FaultKind::UnknownMessageType));
        assert!(!Operation::GetResponse.allows(FaultKind::AccessDenied));
        assert!(!Operation::SendRequest.allows(FaultKind::IncorrectResponseContentType));
        assert!(!Operation::SendRequest.allows(FaultKind::RequestIsNotFound));
        assert!(
            Operation::SendRequest.allows_in(SmevVersion::V1_3, FaultKind::PersonalAccessDenied)
        );
        assert!(
            !Operation::SendRequest.allows_in(SmevVersion::V1_1, FaultKind::PersonalAccessDenied)
        );
        assert!(Operation::SendRequest.allows(FaultKind::PersonalAccessDenied));
    }
}
