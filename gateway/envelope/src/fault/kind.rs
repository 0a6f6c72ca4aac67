//! The SMEV fault taxonomy: one variant per fault element of the faults schemas.

use std::fmt;
use std::str::FromStr;

use crate::version::SmevVersion;

/// Every fault the SMEV 3 faults schemas and WSDLs declare.
///
/// Each kind knows its element name (also the fault name of JSON problem responses), who caused
/// it (`soap:Client` or `soap:Server`), the HTTP status of the JSON API, whether a retry can
/// help, and a default Russian `faultstring`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// The envelope or its payload does not validate (SmevFault + `ValidationError`+).
    InvalidContent,
    /// No route for the payload's root element (SmevFault + root name and namespace).
    BusinessDataTypeIsNotSupported,
    /// A message with this `MessageID` was already accepted (Void).
    MessageIsAlreadySent,
    /// The `MessageID` is not a (version 1) UUID (Void).
    InvalidMessageIdFormat,
    /// The `MessageID` carries a stale timestamp (Void).
    StaleMessageId,
    /// The sender may not send this message type (Void).
    AccessDenied,
    /// The personal certificate does not permit this message (SmevFault; 1.3 only).
    PersonalAccessDenied,
    /// The sender is not registered (Void).
    SenderIsNotRegistered,
    /// No recipient for the message (Void).
    RecipientIsNotFound,
    /// The gateway failed; retry (Void).
    SMEVFailure,
    /// A `MessageTypeSelector` names an unknown type (Void).
    UnknownMessageType,
    /// `Ack` names no unacknowledged message (Void).
    TargetMessageIsNotFound,
    /// The caller's signature failed verification (SmevFault + reason).
    SignatureVerificationFault,
    /// The message's end of life has passed (Void in 1.1/1.2, SmevFault in 1.3).
    EndOfLifeReached,
    /// The `TransactionCode` is not valid (SmevFault).
    TransactionCodeInvalid,
    /// Attachment headers and contents do not match (Void).
    AttachmentContentMiscoordination,
    /// The attachments are too large in total (SmevFault + sizes).
    AttachmentSizeLimitExceeded,
    /// The attachments exceed the remaining quota (SmevFault + sizes).
    QuoteLimitExceeded,
    /// The recipient's queue is full; retry (SmevFault + broker and destination).
    DestinationOverflow,
    /// A response carries request content (Void; provider side).
    IncorrectResponseContentType,
    /// The request to cancel is unknown (Void).
    RequestIsNotFound,
}

/// The structure of a fault element's content in a given version's faults schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultShape {
    /// `basic:Void`: an empty element.
    Void,
    /// `basic:SmevFault`: optional `basic:Code` and `basic:Description`.
    Smev,
    /// A `basic:SmevFault` extension with children of its own (validation errors, sizes, ...).
    Extended,
}

/// The unknown fault name given to [`FaultKind::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("неизвестный вид ошибки СМЭВ: {0:?}")]
pub struct UnknownFaultKind(pub String);

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 21] = [
        Self::InvalidContent,
        Self::BusinessDataTypeIsNotSupported,
        Self::MessageIsAlreadySent,
        Self::InvalidMessageIdFormat,
        Self::StaleMessageId,
        Self::AccessDenied,
        Self::PersonalAccessDenied,
        Self::SenderIsNotRegistered,
        Self::RecipientIsNotFound,
        Self::SMEVFailure,
        Self::UnknownMessageType,
        Self::TargetMessageIsNotFound,
        Self::SignatureVerificationFault,
        Self::EndOfLifeReached,
        Self::TransactionCodeInvalid,
        Self::AttachmentContentMiscoordination,
        Self::AttachmentSizeLimitExceeded,
        Self::QuoteLimitExceeded,
        Self::DestinationOverflow,
        Self::IncorrectResponseContentType,
        Self::RequestIsNotFound,
    ];

    /// The fault element's local name, which is also the fault name of JSON problem responses.
    pub const fn name(self) -> &'static str {
        match self {
            Self::InvalidContent => "InvalidContent",
            Self::BusinessDataTypeIsNotSupported => "BusinessDataTypeIsNotSupported",
            Self::MessageIsAlreadySent => "MessageIsAlreadySent",
            Self::InvalidMessageIdFormat => "InvalidMessageIdFormat",
            Self::StaleMessageId => "StaleMessageId",
            Self::AccessDenied => "AccessDenied",
            Self::PersonalAccessDenied => "PersonalAccessDenied",
            Self::SenderIsNotRegistered => "SenderIsNotRegistered",
            Self::RecipientIsNotFound => "RecipientIsNotFound",
            Self::SMEVFailure => "SMEVFailure",
            Self::UnknownMessageType => "UnknownMessageType",
            Self::TargetMessageIsNotFound => "TargetMessageIsNotFound",
            Self::SignatureVerificationFault => "SignatureVerificationFault",
            Self::EndOfLifeReached => "EndOfLifeReached",
            Self::TransactionCodeInvalid => "TransactionCodeInvalid",
            Self::AttachmentContentMiscoordination => "AttachmentContentMiscoordination",
            Self::AttachmentSizeLimitExceeded => "AttachmentSizeLimitExceeded",
            Self::QuoteLimitExceeded => "QuoteLimitExceeded",
            Self::DestinationOverflow => "DestinationOverflow",
            Self::IncorrectResponseContentType => "IncorrectResponseContentType",
            Self::RequestIsNotFound => "RequestIsNotFound",
        }
    }

    /// Whether the sender caused the fault (`false` for the gateway's own failures).
    pub const fn is_client_fault(self) -> bool {
        !matches!(self, Self::SMEVFailure | Self::DestinationOverflow)
    }

    /// The SOAP 1.1 `faultcode`: `soap:Client` for the sender's mistakes, `soap:Server` for the
    /// gateway's own failures.
    pub const fn soap_fault_code(self) -> &'static str {
        if self.is_client_fault() {
            "soap:Client"
        } else {
            "soap:Server"
        }
    }

    /// Whether sending the same message again later can succeed.
    pub const fn is_retryable(self) -> bool {
        matches!(self, Self::SMEVFailure | Self::DestinationOverflow)
    }

    /// The default Russian `faultstring`.
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::InvalidContent => "Содержимое сообщения не прошло проверку",
            Self::BusinessDataTypeIsNotSupported => "Вид сведений не поддерживается",
            Self::MessageIsAlreadySent => "Сообщение с таким MessageID уже было отправлено",
            Self::InvalidMessageIdFormat => {
                "Идентификатор сообщения не является корректным UUID версии 1"
            }
            Self::StaleMessageId => "Идентификатор сообщения содержит устаревшую метку времени",
            Self::AccessDenied => "Отправителю не разрешено отправлять сообщения этого вида",
            Self::PersonalAccessDenied => "Доступ по сертификату персонального доступа запрещён",
            Self::SenderIsNotRegistered => "Отправитель не зарегистрирован",
            Self::RecipientIsNotFound => "Получатель сообщения не найден",
            Self::SMEVFailure => "Сбой в инфраструктуре СМЭВ, повторите попытку позже",
            Self::UnknownMessageType => "Неизвестный вид сведений",
            Self::TargetMessageIsNotFound => {
                "Неподтверждённое сообщение с таким идентификатором не найдено"
            }
            Self::SignatureVerificationFault => "Электронная подпись не прошла проверку",
            Self::EndOfLifeReached => "Истекло время жизни сообщения",
            Self::TransactionCodeInvalid => "Некорректный код транзакции",
            Self::AttachmentContentMiscoordination => {
                "Заголовки вложений не соответствуют их содержимому"
            }
            Self::AttachmentSizeLimitExceeded => "Суммарный размер вложений превышает допустимый",
            Self::QuoteLimitExceeded => "Суммарный размер вложений превышает оставшуюся квоту",
            Self::DestinationOverflow => "Очередь получателя переполнена, повторите попытку позже",
            Self::IncorrectResponseContentType => {
                "Содержимое ответа является запросом, а не ответом"
            }
            Self::RequestIsNotFound => "Запрос не найден",
        }
    }

    /// Whether the version's faults schema declares this fault element (only
    /// `PersonalAccessDenied` is missing before 1.3).
    pub const fn exists_in(self, version: SmevVersion) -> bool {
        !matches!(
            (self, version),
            (
                Self::PersonalAccessDenied,
                SmevVersion::V1_1 | SmevVersion::V1_2
            )
        )
    }

    /// The kind to put on the wire for `version`: the kind itself where the version has it,
    /// otherwise its nearest relative (`PersonalAccessDenied` → `AccessDenied`).
    pub const fn in_version(self, version: SmevVersion) -> FaultKind {
        if self.exists_in(version) {
            self
        } else {
            Self::AccessDenied
        }
    }

    /// The content model of the fault element in `version`'s faults schema.
    pub const fn shape(self, version: SmevVersion) -> FaultShape {
        match self {
            Self::InvalidContent
            | Self::BusinessDataTypeIsNotSupported
            | Self::SignatureVerificationFault
            | Self::AttachmentSizeLimitExceeded
            | Self::QuoteLimitExceeded
            | Self::DestinationOverflow => FaultShape::Extended,
            Self::PersonalAccessDenied | Self::TransactionCodeInvalid => FaultShape::Smev,
            Self::EndOfLifeReached => match version {
                SmevVersion::V1_3 => FaultShape::Smev,
                SmevVersion::V1_1 | SmevVersion::V1_2 => FaultShape::Void,
            },
            _ => FaultShape::Void,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FaultKind {
    type Err = UnknownFaultKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownFaultKind(s.to_owned()))
    }
}

impl serde::Serialize for FaultKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for FaultKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FaultKind::ALL.len());
        for k in FaultKind::ALL {
            assert_eq!(k.name().parse::<FaultKind>(), Ok(k));
        }
        assert!("SmevFailure".parse::<FaultKind>().is_err());
    }

    #[test]
    fn server_faults_are_the_retryable_ones() {
        for k in FaultKind::ALL {
            assert_eq!(
                k.soap_fault_code() == "soap:Server",
                k.is_retryable(),
                "{k}"
            );
            assert!(!k.default_message().is_empty());
        }
    }

    #[test]
    fn personal_access_denied_is_a_1_3_fault() {
        assert!(FaultKind::PersonalAccessDenied.exists_in(SmevVersion::V1_3));
        assert_eq!(
            FaultKind::PersonalAccessDenied.in_version(SmevVersion::V1_2),
            FaultKind::AccessDenied
        );
        assert_eq!(
            FaultKind::InvalidContent.in_version(SmevVersion::V1_1),
            FaultKind::InvalidContent
        );
        assert_eq!(
            FaultKind::EndOfLifeReached.shape(SmevVersion::V1_1),
            FaultShape::Void
        );
        assert_eq!(
            FaultKind::EndOfLifeReached.shape(SmevVersion::V1_3),
            FaultShape::Smev
        );
    }
}
