//! Why a request could not be decoded, and the SMEV fault that reports it.

use crate::fault::{Fault, ValidationError};
use crate::qname::QName;
use crate::version::SmevVersion;

/// What is wrong with a SOAP request. Messages are in Russian: they reach the sender as the
/// fault's text. [`DecodeError::fault`] gives the SMEV fault to answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body is not well-formed XML (or not UTF-8).
    #[error("тело запроса не является корректным XML (позиция {position}): {message}")]
    Malformed {
        /// Byte offset of the problem.
        position: usize,
        /// What the parser found.
        message: String,
    },
    /// A document type declaration, refused before anything else is processed.
    #[error("объявление DOCTYPE запрещено (позиция {position})")]
    DocType {
        /// Byte offset of the declaration.
        position: usize,
    },
    /// The XML declaration names an encoding other than UTF-8.
    #[error("кодировка {0:?} не поддерживается, ожидается UTF-8")]
    UnsupportedEncoding(String),
    /// Elements nest deeper than [`crate::Limits::max_depth`].
    #[error("глубина вложенности элементов превышает {limit} (позиция {position})")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Byte offset of the first element too deep.
        position: usize,
    },
    /// A start tag carries more than [`crate::Limits::max_attributes`] attributes.
    #[error("у элемента больше {limit} атрибутов (позиция {position})")]
    TooManyAttributes {
        /// The limit.
        limit: usize,
        /// Byte offset of the start tag.
        position: usize,
    },
    /// The document element is not a SOAP 1.1 `Envelope`.
    #[error("ожидается SOAP 1.1 конверт, а корневой элемент {found}")]
    NotSoapEnvelope {
        /// The document element found (or a description of what was found).
        found: String,
    },
    /// The envelope has no `Body`.
    #[error("в SOAP-конверте нет элемента Body")]
    MissingBody,
    /// `Body` must hold exactly one element.
    #[error("в soap:Body должен быть ровно один элемент, найдено {found}")]
    BodyEntries {
        /// How many were found (0, or 2 when a second one appears).
        found: usize,
    },
    /// An MTOM (`multipart/related`) body that cannot be read back into its envelope.
    #[error("MTOM-запрос не разобран: {0}")]
    Mtom(String),
    /// The body element is not a consumer-side operation the gateway offers.
    #[error("операция {element} не поддерживается")]
    UnsupportedOperation {
        /// The body element.
        element: QName,
    },
    /// An element in a namespace of another SMEV version than the endpoint's.
    #[error(
        "элемент {element} относится к версии СМЭВ {found}, а запрос направлен на адрес версии {expected}"
    )]
    VersionMismatch {
        /// The endpoint's version.
        expected: SmevVersion,
        /// The version of the element's namespace.
        found: SmevVersion,
        /// The element.
        element: QName,
    },
    /// An element the schema does not allow at this place.
    #[error("в {parent} недопустим элемент {found} (позиция {position})")]
    UnexpectedElement {
        /// The enclosing element's local name.
        parent: String,
        /// The element found.
        found: QName,
        /// Byte offset of its start tag.
        position: usize,
    },
    /// A required element is missing.
    #[error("в {parent} отсутствует обязательный элемент {element}")]
    MissingElement {
        /// The enclosing element's local name.
        parent: String,
        /// The missing element's local name.
        element: String,
    },
    /// Character data where the schema allows only elements.
    #[error("в {element} недопустим текст (позиция {position})")]
    UnexpectedText {
        /// The enclosing element's local name.
        element: String,
        /// Byte offset of the text.
        position: usize,
    },
    /// A required attribute is missing.
    #[error("у {element} отсутствует обязательный атрибут {attribute}")]
    MissingAttribute {
        /// The element's local name.
        element: String,
        /// The attribute's name.
        attribute: String,
    },
    /// A value that breaks its schema type.
    #[error("недопустимое значение {element}: {reason}")]
    InvalidValue {
        /// The element (or `element/@attribute`).
        element: String,
        /// What is wrong.
        reason: String,
    },
    /// A message identifier that does not match `basic:UUID`.
    #[error(
        "{element} {value:?} не соответствует шаблону UUID (строчные шестнадцатеричные цифры 8-4-4-4-12)"
    )]
    InvalidMessageId {
        /// `MessageID`, `ReferenceMessageID` or `AckTargetMessage`.
        element: String,
        /// The value received.
        value: String,
    },
    /// A value that is not an `xs:dateTime`.
    #[error("{element}: {value:?} не является датой и временем xs:dateTime")]
    BadTimestamp {
        /// The element.
        element: String,
        /// The value received.
        value: String,
    },
    /// `MessagePrimaryContent` must hold exactly one element.
    #[error("в MessagePrimaryContent должен быть ровно один элемент, найдено {found}")]
    PayloadCount {
        /// How many were found (0, or 2 when a second one appears).
        found: usize,
    },
    /// The payload root is in no namespace or in the SMEV basic namespace (`##other`).
    #[error(
        "корневой элемент содержательной части {found} должен принадлежать собственному пространству имён"
    )]
    PayloadNamespace {
        /// The payload root.
        found: QName,
    },
    /// Attachment headers and contents do not correspond.
    #[error("заголовки вложений не соответствуют содержимому: {0}")]
    AttachmentMismatch(String),
    /// More attachments than [`crate::Limits::max_attachments`].
    #[error("вложений {found}, допустимо не более {limit}")]
    TooManyAttachments {
        /// The limit.
        limit: usize,
        /// How many were found (counting stops at the first one over the limit).
        found: usize,
    },
    /// The attachments' decoded total exceeds [`crate::Limits::max_attachment_bytes`].
    #[error("суммарный размер вложений {real} байт превышает допустимые {permitted}")]
    AttachmentsTooLarge {
        /// The limit, in bytes.
        permitted: u64,
        /// The decoded total, in bytes.
        real: u64,
    },
    /// An attachment's content is not base64.
    #[error("содержимое вложения {id:?} не является корректным base64: {reason}")]
    BadBase64 {
        /// The content's `Id`.
        id: String,
        /// What the decoder found.
        reason: String,
    },
}

impl DecodeError {
    /// The byte offset in the body the error refers to, where known.
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::Malformed { position, .. }
            | Self::DocType { position }
            | Self::TooDeep { position, .. }
            | Self::TooManyAttributes { position, .. }
            | Self::UnexpectedElement { position, .. }
            | Self::UnexpectedText { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// The SMEV fault for this error: `InvalidMessageIdFormat` for a bad `MessageID`,
    /// `AttachmentContentMiscoordination` for mismatched attachments,
    /// `AttachmentSizeLimitExceeded` (with the sizes) for oversized ones, and `InvalidContent`
    /// (one validation error, positioned where known) for everything else.
    pub fn fault(&self) -> Fault {
        use crate::fault::FaultKind;
        let message = self.to_string();
        match self {
            Self::InvalidMessageId { element, .. } if element == "MessageID" => {
                Fault::new(FaultKind::InvalidMessageIdFormat, message)
            }
            Self::AttachmentMismatch(_) => {
                Fault::new(FaultKind::AttachmentContentMiscoordination, message)
            }
            Self::AttachmentsTooLarge { permitted, real } => {
                Fault::attachment_size_limit_exceeded(*permitted, *real)
            }
            _ => {
                let position = self
                    .position()
                    .map_or(0, |p| i32::try_from(p).unwrap_or(i32::MAX));
                Fault::invalid_content_at(vec![ValidationError { position, message }])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{FaultExtension, FaultKind};

    #[test]
    fn faults_follow_the_error() {
        let e = DecodeError::InvalidMessageId {
            element: "MessageID".into(),
            value: "x".into(),
        };
        assert_eq!(e.fault().kind, FaultKind::InvalidMessageIdFormat);
        let e = DecodeError::InvalidMessageId {
            element: "ReferenceMessageID".into(),
            value: "x".into(),
        };
        assert_eq!(e.fault().kind, FaultKind::InvalidContent);
        assert_eq!(
            DecodeError::AttachmentMismatch("x".into()).fault().kind,
            FaultKind::AttachmentContentMiscoordination
        );
        let f = DecodeError::AttachmentsTooLarge {
            permitted: 1,
            real: 2,
        }
        .fault();
        assert_eq!(
            f.detail.extension.as_deref(),
            Some(&FaultExtension::AttachmentSize {
                permitted: 1,
                real: 2
            })
        );
    }

    #[test]
    fn invalid_content_carries_the_position() {
        let f = DecodeError::DocType { position: 42 }.fault();
        assert_eq!(f.kind, FaultKind::InvalidContent);
        match f.detail.extension.as_deref() {
            Some(FaultExtension::ValidationErrors(errors)) => {
                assert_eq!(errors[0].position, 42);
                assert!(errors[0].message.contains("DOCTYPE"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
