//! SMEV faults: the taxonomy ([`FaultKind`]), a fault value ([`Fault`]) with what its element
//! carries ([`FaultDetail`]), the faults each operation may raise ([`Operation`]), and the
//! SOAP 1.1 encoding ([`encode_fault`]).

mod encode;
mod kind;
mod operation;

use std::fmt;

pub use encode::encode_fault;
pub use kind::{FaultKind, FaultShape, UnknownFaultKind};
pub use operation::Operation;

use crate::qname::QName;

/// A fault to report to the sender: its kind, the Russian `faultstring`, and the content of
/// the fault element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What went wrong.
    pub kind: FaultKind,
    /// The human-readable `faultstring`, in Russian. Empty means the kind's default text.
    pub message: String,
    /// What the fault element carries.
    pub detail: FaultDetail,
}

/// The content of a fault element. The encoder writes only what the fault's type in the
/// version's faults schema allows: `Void` faults stay empty, `SmevFault` faults carry
/// `Code`/`Description`, extended faults also carry their [`FaultExtension`] (or neutral values
/// when it is missing or belongs to another kind).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultDetail {
    /// `basic:Code` of an `SmevFault`-typed fault (cut to the schema's length).
    pub code: Option<String>,
    /// `basic:Description` of an `SmevFault`-typed fault; the message is used when absent.
    pub description: Option<String>,
    /// The children of an extended fault type (boxed to keep [`Fault`] small on the error
    /// path).
    pub extension: Option<Box<FaultExtension>>,
}

/// The kind-specific children of the extended fault types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultExtension {
    /// `InvalidContent/ValidationError`+.
    ValidationErrors(Vec<ValidationError>),
    /// `BusinessDataTypeIsNotSupported`: the root element that has no route.
    UnsupportedRoot(QName),
    /// `AttachmentSizeLimitExceeded`: the permitted and the real total, in bytes.
    AttachmentSize {
        /// `PermittedTotalAttachmentSize`.
        permitted: u64,
        /// `RealTotalAttachmentSize`.
        real: u64,
    },
    /// `QuoteLimitExceeded`: the remaining quota and the real total, in bytes.
    Quota {
        /// `RemainedTotalQuoteSize`.
        remaining: u64,
        /// `RealTotalAttachmentSize`.
        real: u64,
    },
    /// `SignatureVerificationFault`: why the signature failed.
    Signature(SignatureFailure),
    /// `DestinationOverflow`: the queue that is full.
    DestinationOverflow {
        /// `MessageBrokerAddress`.
        broker_address: String,
        /// `DestinationName`.
        destination_name: String,
    },
}

/// One `ValidationError` of an `InvalidContent` fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// `errorPosition`: a byte offset in the received body where known, 0 otherwise.
    pub position: i32,
    /// The validator's message.
    pub message: String,
}

/// The reasons of a `SignatureVerificationFault`, as the faults schema enumerates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureFailure {
    /// The SOAP envelope has no usable header.
    PoorSoapEnvelopeFormat,
    /// No signature in the message.
    NoSignatureFound,
    /// The signature covers the wrong element.
    IncorrectSignatureTarget,
    /// The signature does not verify.
    SignatureIsInvalid,
    /// The signer's certificate is unknown.
    CertificateIsNotFound,
    /// The signer's certificate has expired.
    CertificateIsExpired,
}

impl SignatureFailure {
    /// The schema's enumeration value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PoorSoapEnvelopeFormat => "PoorSOAPEnvelopeFormat",
            Self::NoSignatureFound => "NoSignatureFound",
            Self::IncorrectSignatureTarget => "IncorrectSignatureTarget",
            Self::SignatureIsInvalid => "SignatureIsInvalid",
            Self::CertificateIsNotFound => "CertificateIsNotFound",
            Self::CertificateIsExpired => "CertificateIsExpired",
        }
    }
}

impl Fault {
    /// A fault of `kind` with the given `faultstring` and no detail.
    pub fn new(kind: FaultKind, message: String) -> Self {
        Self {
            kind,
            message,
            detail: FaultDetail::default(),
        }
    }

    /// `InvalidContent` with one `ValidationError` per message (position unknown, 0). The
    /// `faultstring` names the first error.
    pub fn invalid_content(errors: Vec<String>) -> Self {
        Self::invalid_content_at(
            errors
                .into_iter()
                .map(|message| ValidationError {
                    position: 0,
                    message,
                })
                .collect(),
        )
    }

    /// `InvalidContent` with positioned validation errors.
    pub fn invalid_content_at(errors: Vec<ValidationError>) -> Self {
        let kind = FaultKind::InvalidContent;
        let message = match errors.first() {
            Some(first) => format!("{}: {}", kind.default_message(), first.message),
            None => kind.default_message().to_owned(),
        };
        Self::new(kind, message).with_extension(FaultExtension::ValidationErrors(errors))
    }

    /// `BusinessDataTypeIsNotSupported` for a payload whose root element has no route.
    pub fn business_data_type_not_supported(root: &QName) -> Self {
        let kind = FaultKind::BusinessDataTypeIsNotSupported;
        Self::new(kind, format!("{}: {root}", kind.default_message()))
            .with_extension(FaultExtension::UnsupportedRoot(root.clone()))
    }

    /// `AttachmentSizeLimitExceeded` with the permitted and the real total size in bytes.
    pub fn attachment_size_limit_exceeded(permitted: u64, real: u64) -> Self {
        let kind = FaultKind::AttachmentSizeLimitExceeded;
        Self::new(
            kind,
            format!(
                "{}: {real} байт при допустимых {permitted}",
                kind.default_message()
            ),
        )
        .with_extension(FaultExtension::AttachmentSize { permitted, real })
    }

    /// `QuoteLimitExceeded` with the remaining quota and the real total size in bytes.
    pub fn quote_limit_exceeded(remaining: u64, real: u64) -> Self {
        let kind = FaultKind::QuoteLimitExceeded;
        Self::new(
            kind,
            format!(
                "{}: {real} байт при остатке квоты {remaining}",
                kind.default_message()
            ),
        )
        .with_extension(FaultExtension::Quota { remaining, real })
    }

    /// `SignatureVerificationFault` with its reason.
    pub fn signature_verification(reason: SignatureFailure) -> Self {
        let kind = FaultKind::SignatureVerificationFault;
        Self::new(
            kind,
            format!("{}: {}", kind.default_message(), reason.as_str()),
        )
        .with_extension(FaultExtension::Signature(reason))
    }

    /// `DestinationOverflow` naming the full queue.
    pub fn destination_overflow(
        broker_address: impl Into<String>,
        destination_name: impl Into<String>,
    ) -> Self {
        let kind = FaultKind::DestinationOverflow;
        Self::new(kind, kind.default_message().to_owned()).with_extension(
            FaultExtension::DestinationOverflow {
                broker_address: broker_address.into(),
                destination_name: destination_name.into(),
            },
        )
    }

    /// `SMEVFailure` (the gateway's own failure; the sender should retry).
    pub fn smev_failure(message: impl Into<String>) -> Self {
        Self::new(FaultKind::SMEVFailure, message.into())
    }

    /// Sets `basic:Code`.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.detail.code = Some(code.into());
        self
    }

    /// Sets `basic:Description`.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.detail.description = Some(description.into());
        self
    }

    /// Sets the kind-specific children.
    pub fn with_extension(mut self, extension: FaultExtension) -> Self {
        self.detail.extension = Some(Box::new(extension));
        self
    }

    /// The messages of the `ValidationError`s of an `InvalidContent` fault (empty otherwise).
    pub fn validation_errors(&self) -> Vec<String> {
        match self.detail.extension.as_deref() {
            Some(FaultExtension::ValidationErrors(errors)) => {
                errors.iter().map(|e| e.message.clone()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The `faultstring` to send: the message, or the kind's default text when it is empty.
    pub fn faultstring(&self) -> &str {
        if self.message.trim().is_empty() {
            self.kind.default_message()
        } else {
            &self.message
        }
    }

    /// This fault if `op` may raise it per the WSDL, otherwise an `SMEVFailure` with the same
    /// message (and no detail, which belonged to the original kind).
    pub fn for_operation(self, op: Operation) -> Fault {
        if op.allows(self.kind) {
            self
        } else {
            let message = self.faultstring().to_owned();
            Fault::smev_failure(message)
        }
    }
}

impl From<FaultKind> for Fault {
    /// A fault with the kind's default message and no detail.
    fn from(kind: FaultKind) -> Self {
        Self::new(kind, kind.default_message().to_owned())
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.faultstring())
    }
}

impl std::error::Error for Fault {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_operation_maps_foreign_faults_to_smev_failure() {
        let f = Fault::new(FaultKind::MessageIsAlreadySent, "повтор".into())
            .for_operation(Operation::Ack);
        assert_eq!(f.kind, FaultKind::SMEVFailure);
        assert_eq!(f.message, "повтор");
        let kept = Fault::from(FaultKind::TargetMessageIsNotFound).for_operation(Operation::Ack);
        assert_eq!(kept.kind, FaultKind::TargetMessageIsNotFound);
    }

    #[test]
    fn constructors_fill_the_extension() {
        let f = Fault::invalid_content(vec!["нет MessageID".into(), "второе".into()]);
        assert_eq!(f.kind, FaultKind::InvalidContent);
        assert!(f.message.contains("нет MessageID"));
        assert_eq!(
            f.validation_errors(),
            vec!["нет MessageID".to_owned(), "второе".to_owned()]
        );
        match f.detail.extension.as_deref() {
            Some(FaultExtension::ValidationErrors(errors)) => assert_eq!(errors.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
        let f = Fault::attachment_size_limit_exceeded(10, 20);
        assert_eq!(
            f.detail.extension.as_deref(),
            Some(&FaultExtension::AttachmentSize {
                permitted: 10,
                real: 20
            })
        );
        assert!(f.message.contains("20"));
    }

    #[test]
    fn empty_message_falls_back_to_the_default() {
        let f = Fault::new(FaultKind::AccessDenied, "  ".into());
        assert_eq!(f.faultstring(), FaultKind::AccessDenied.default_message());
        assert_eq!(
            f.to_string(),
            format!(
                "AccessDenied: {}",
                FaultKind::AccessDenied.default_message()
            )
        );
    }
}
