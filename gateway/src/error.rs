//! The error of the request path, decided in one place: which SMEV fault it is (and so its SOAP fault code
//! and the HTTP status of the JSON API), who caused it, and whether a retry may help.

use std::time::Duration;

use smev_envelope::{Fault, FaultKind};

/// Who caused a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The client sent something wrong.
    Client,
    /// The gateway's own failure (store down, bug).
    Internal,
}

/// A failure on the request path.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The SMEV fault (name, message, detail).
    pub fault: Fault,
    /// Who caused it.
    pub origin: Origin,
    /// Set when retrying after this time may succeed (JSON: `Retry-After`).
    pub retry_after: Option<Duration>,
    /// An HTTP status more precise than the fault's own (e.g. 413 for a body over the size limit).
    pub status: Option<u16>,
}

impl Failure {
    /// A failure caused by the client.
    pub fn client(fault: Fault) -> Failure {
        Failure {
            fault,
            origin: Origin::Client,
            retry_after: None,
            status: None,
        }
    }

    /// A fault of `kind` with `message`, caused by the client.
    pub fn of(kind: FaultKind, message: impl Into<String>) -> Failure {
        Failure::client(Fault::new(kind, message.into()))
    }

    /// The gateway's own failure; details go to the log, the client gets a generic message.
    pub fn internal(context: &str, err: &dyn std::fmt::Display) -> Failure {
        tracing::error!(error = %err, "{context}");
        Failure {
            fault: Fault::new(
                FaultKind::SMEVFailure,
                "Внутренняя ошибка шлюза, повторите запрос позже".into(),
            ),
            origin: Origin::Internal,
            retry_after: Some(Duration::from_secs(5)),
            status: None,
        }
    }

    /// The HTTP status of this failure on the JSON API.
    pub fn http_status(&self) -> u16 {
        if let Some(s) = self.status {
            return s;
        }
        if self.retry_after.is_some() {
            503
        } else {
            self.fault.kind.http_status()
        }
    }
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
            other => {
                let mut f = Failure::internal("store", &other);
                if !other.is_retryable() {
                    f.retry_after = None;
                }
                f
            }
        }
    }
}
