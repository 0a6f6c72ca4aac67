//! The failures of the request path and the one table that decides, for each, its SMEV fault, its HTTP status
//! (on the JSON API and on the SOAP endpoints) and whether a retry may help. Every path builds a [`Failure`]
//! and asks it; nothing else picks a status.
//!
//! | failure | SMEV fault | JSON status | SOAP status | retry |
//! |---|---|---|---|---|
//! | the sender's mistake | its fault (`InvalidContent`, `AccessDenied`, ...) | 400/401/403/404/409/413 by the fault ([`json_status`]) | 500 | no |
//! | a body over `[limits] max_body` | `InvalidContent` | 413 | 413 | no |
//! | a dependency unavailable (store down) | `SMEVFailure` | 503 + `Retry-After` | 500 | after the delay |
//! | the gateway's own failure | `SMEVFailure` | 503 + `Retry-After` (or 500 when retrying cannot help) | 500 | if it may help |
//!
//! The answers of plugins (a rejection, a status) are not failures but have statuses on the JSON API too:
//! [`rejection_status`] and [`status_status`].

use std::time::Duration;

use gateway_host::RejectCode;
use smev_envelope::{Fault, FaultKind};

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than `[limits] max_body`.
    TooLarge { limit: usize },
    /// Not received within `[server] read_timeout`.
    Timeout,
    /// The connection failed.
    Io(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => {
                write!(f, "Размер запроса превышает допустимый ({limit} байт)")
            }
            BodyError::Timeout => f.write_str("Тело запроса не получено за отведённое время"),
            BodyError::Io(e) => write!(f, "Ошибка чтения запроса: {e}"),
        }
    }
}

/// How long a sender is asked to wait after the gateway's own retryable failure.
pub const RETRY_INTERNAL: Duration = Duration::from_secs(5);

/// What caused a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The sender sent something wrong.
    Client,
    /// The sender's body is larger than the gateway reads.
    TooLarge,
    /// The gateway's own failure (store down, bug).
    Internal,
}

/// A failure on the request path.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The SMEV fault (name, message, detail).
    pub fault: Fault,
    /// What caused it.
    pub cause: Cause,
    /// Set when retrying after this time may succeed (JSON: `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// A failure caused by the client.
    pub fn client(fault: Fault) -> Failure {
        Failure {
            fault,
            cause: Cause::Client,
            retry_after: None,
        }
    }

    /// A fault of `kind` with `message`, caused by the client.
    pub fn of(kind: FaultKind, message: impl Into<String>) -> Failure {
        Failure::client(Fault::new(kind, message.into()))
    }

    /// A body larger than `limit` bytes.
    pub fn too_large(limit: usize) -> Failure {
        Failure {
            cause: Cause::TooLarge,
            ..Failure::of(
                FaultKind::InvalidContent,
                format!("Размер запроса превышает допустимый ({limit} байт)"),
            )
        }
    }

    /// The gateway's own failure, worth a retry; details go to the log, the client gets a generic message.
    pub fn internal(context: &str, err: &dyn std::fmt::Display) -> Failure {
        tracing::error!(error = %err, "{context}");
        Failure {
            fault: Fault::new(
                FaultKind::SMEVFailure,
                "Внутренняя ошибка шлюза, повторите запрос позже".into(),
            ),
            cause: Cause::Internal,
            retry_after: Some(RETRY_INTERNAL),
        }
    }

    /// The gateway's own failure that a retry will not mend.
    pub fn internal_final(context: &str, err: &dyn std::fmt::Display) -> Failure {
        Failure {
            retry_after: None,
            ..Failure::internal(context, err)
        }
    }

    /// Whether sending the same request again later may succeed.
    pub fn retryable(&self) -> bool {
        self.retry_after.is_some()
    }

    /// The HTTP status on the JSON API.
    pub fn http_status(&self) -> u16 {
        match self.cause {
            Cause::TooLarge => 413,
            Cause::Internal if self.retryable() => 503,
            Cause::Internal => 500,
            Cause::Client => json_status(self.fault.kind),
        }
    }

    /// The HTTP status of the SOAP fault: 500, as SOAP 1.1 requires for a fault, except for a body the
    /// gateway did not read at all (413).
    pub fn soap_status(&self) -> u16 {
        match self.cause {
            Cause::TooLarge => 413,
            Cause::Client | Cause::Internal => 500,
        }
    }
}

/// The JSON API's status for a fault the sender caused: 400 invalid input, 401 unknown sender, 403 access
/// denied, 404 not found, 409 already sent, 413 too large, 503 for the faults that say "later".
pub const fn json_status(kind: FaultKind) -> u16 {
    match kind {
        FaultKind::InvalidContent
        | FaultKind::BusinessDataTypeIsNotSupported
        | FaultKind::InvalidMessageIdFormat
        | FaultKind::StaleMessageId
        | FaultKind::UnknownMessageType
        | FaultKind::SignatureVerificationFault
        | FaultKind::EndOfLifeReached
        | FaultKind::TransactionCodeInvalid
        | FaultKind::AttachmentContentMiscoordination
        | FaultKind::IncorrectResponseContentType => 400,
        FaultKind::SenderIsNotRegistered => 401,
        FaultKind::AccessDenied | FaultKind::PersonalAccessDenied => 403,
        FaultKind::RecipientIsNotFound
        | FaultKind::TargetMessageIsNotFound
        | FaultKind::RequestIsNotFound => 404,
        FaultKind::MessageIsAlreadySent => 409,
        FaultKind::AttachmentSizeLimitExceeded | FaultKind::QuoteLimitExceeded => 413,
        FaultKind::SMEVFailure | FaultKind::DestinationOverflow => 503,
    }
}

/// The JSON API's status for a plugin's `RequestRejected`.
pub const fn rejection_status(code: RejectCode) -> u16 {
    match code {
        RejectCode::AccessDenied => 403,
        RejectCode::NoData => 404,
        RejectCode::UnknownRequestDescription => 400,
        RejectCode::Failure => 502,
    }
}

/// The JSON API's status for a plugin's `RequestStatus`: 503 (with `Retry-After`) when the sender should come
/// back, else 202.
pub const fn status_status(retryable: bool) -> u16 {
    if retryable { 503 } else { 202 }
}

impl From<Fault> for Failure {
    fn from(f: Fault) -> Self {
        Failure::client(f)
    }
}

impl From<gateway_store::StoreError> for Failure {
    fn from(e: gateway_store::StoreError) -> Self {
        match e {
            gateway_store::StoreError::Duplicate => Failure::of(
                FaultKind::MessageIsAlreadySent,
                "Сообщение с таким MessageID уже было отправлено",
            ),
            other if other.is_retryable() => Failure::internal("store", &other),
            other => Failure::internal_final("store", &other),
        }
    }
}

impl From<BodyError> for Failure {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => Failure::too_large(limit),
            other => Failure::of(FaultKind::InvalidContent, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_decides_every_status() {
        let bad = Failure::client(Fault::invalid_content(vec!["x".into()]));
        assert_eq!(
            (bad.http_status(), bad.soap_status(), bad.retryable()),
            (400, 500, false)
        );
        let big = Failure::too_large(10);
        assert_eq!(
            (big.fault.kind, big.http_status(), big.soap_status()),
            (FaultKind::InvalidContent, 413, 413)
        );
        let down = Failure::internal("test", &"store down");
        assert_eq!(
            (down.fault.kind, down.http_status(), down.soap_status()),
            (FaultKind::SMEVFailure, 503, 500)
        );
        assert!(down.retryable());
        let broken = Failure::internal_final("test", &"bug");
        assert_eq!((broken.http_status(), broken.retryable()), (500, false));
        assert_eq!(
            Failure::of(FaultKind::MessageIsAlreadySent, "x").http_status(),
            409
        );
        assert_eq!(
            Failure::of(FaultKind::SenderIsNotRegistered, "x").http_status(),
            401
        );
        assert_eq!(rejection_status(RejectCode::NoData), 404);
        assert_eq!((status_status(true), status_status(false)), (503, 202));
    }

    #[test]
    fn the_faults_that_say_later_are_503() {
        for k in FaultKind::ALL {
            assert_eq!(k.is_retryable(), json_status(k) == 503, "{k}");
        }
    }

    #[test]
    fn a_body_error_becomes_one_failure() {
        let f = Failure::from(BodyError::TooLarge { limit: 5 });
        assert_eq!((f.http_status(), f.soap_status()), (413, 413));
        let f = Failure::from(BodyError::Timeout);
        assert_eq!(
            (f.fault.kind, f.http_status()),
            (FaultKind::InvalidContent, 400)
        );
    }
}
