//! The signatures a sender's registration requires (`[[senders]] signature_cert_sha256`): each SOAP request of
//! such a sender must carry a `CallerInformationSystemSignature` over the element its operation signs (the XSD's
//! annotations, `docs/smev-xmldsig.md` §1), made with the registered certificate and valid now. An identity
//! beside mTLS and bearer tokens: the transport says who connected, the signature who sent the message.
//!
//! Of such a sender the gateway also checks what the signature vouches for: a `PersonalSignature` (ЭП-СП) in
//! a SendRequest, where present, must verify over the payload's root element; the signed `Timestamp` of a
//! GetResponse or GetStatus must be near the gateway's clock (`[smev] signed_timestamp_window`), or a captured
//! request could be sent again to take the sender's answers.

use std::time::Duration;

use smev_envelope::{Fault, FaultKind, Operation, SignatureFailure, SoapRequest};

use crate::auth::{Sender, sha256_hex};
use crate::crypto::xmldsig::{self, SignaturePlace};
use crate::error::Failure;

/// The container of a caller's signature in every SMEV request.
const CONTAINER: &str = "CallerInformationSystemSignature";

/// The container of a person's signature (ЭП-СП) in `SenderProvidedRequestData`.
const PERSONAL: &str = "PersonalSignature";

/// The element the caller's signature of `op` covers (a sibling of the signature, in the operation's element).
fn signed_element(op: Operation) -> &'static str {
    match op {
        Operation::SendRequest => "SenderProvidedRequestData",
        Operation::GetResponse => "MessageTypeSelector",
        Operation::Ack => "AckTargetMessage",
        Operation::GetStatus => "Timestamp",
    }
}

/// What the signature checks of a sender registered to sign need besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Unix seconds.
    pub now: i64,
    /// `[smev] signed_timestamp_window`.
    pub timestamp_window: Duration,
}

/// Checks the signatures of `envelope` (decoded as `request`) when `sender` must sign.
///
/// # Errors
///
/// A `SignatureVerificationFault` with the reason: the signature's own ([`xmldsig::verify`]), or
/// `CertificateIsNotFound` when a valid signature was made with another certificate than the registered one;
/// `InvalidContent` for a signed `Timestamp` outside the window.
pub fn check(
    sender: &Sender,
    request: &SoapRequest,
    envelope: &[u8],
    policy: Policy,
) -> Result<(), Failure> {
    let Some(registered) = &sender.signature_cert_sha256 else {
        return Ok(());
    };
    let op = request.operation();
    let parent = ["Envelope", "Body", op.request_element()];
    let place = SignaturePlace {
        parent: &parent,
        container: CONTAINER,
        target: &[signed_element(op)],
    };
    let refuse = |reason: SignatureFailure, detail: &str| {
        tracing::info!(sender = %sender.mnemonic, reason = reason.as_str(), detail, "caller signature refused");
        Err(Failure::client(Fault::signature_verification(reason)))
    };
    let verified = match xmldsig::verify(envelope, place, policy.now) {
        Ok(v) => v,
        Err(rejected) => return refuse(rejected.failure, &rejected.detail),
    };
    let der = match verified.certificate.to_der() {
        Ok(der) => der,
        Err(e) => return refuse(SignatureFailure::SignatureIsInvalid, &e.to_string()),
    };
    if &sha256_hex(&der) != registered {
        return refuse(
            SignatureFailure::CertificateIsNotFound,
            "signed with a certificate not registered for this sender",
        );
    }
    if let SoapRequest::SendRequest(r) = request {
        personal_signature(sender, envelope, &parent, &r.payload.root.local, policy.now)?;
    }
    signed_timestamp(sender, request, policy)
}

/// The `PersonalSignature` of a SendRequest, where present, over the payload's root element (whose local name is
/// `root`): verified as the caller's is, its certificate valid now. The certificate is not checked against the
/// trust store nor handed to the plugin: this vouches for the payload's integrity, not for who the person is.
fn personal_signature(
    sender: &Sender,
    envelope: &[u8],
    request_parent: &[&str],
    root: &str,
    now: i64,
) -> Result<(), Failure> {
    let mut parent = request_parent.to_vec();
    parent.push(signed_element(Operation::SendRequest));
    let mut container = parent.clone();
    container.push(PERSONAL);
    let present = gateway_xmldsig::elements_at(envelope, &container).unwrap_or(0) > 0;
    if !present {
        return Ok(());
    }
    let place = SignaturePlace {
        parent: &parent,
        container: PERSONAL,
        target: &["MessagePrimaryContent", root],
    };
    match xmldsig::verify(envelope, place, now) {
        Ok(_) => Ok(()),
        Err(rejected) => {
            tracing::info!(sender = %sender.mnemonic, reason = rejected.failure.as_str(), detail = %rejected.detail,
                "personal signature refused");
            Err(Failure::client(Fault::signature_verification(
                rejected.failure,
            )))
        }
    }
}

/// The signed `Timestamp` of a GetResponse or GetStatus, within `policy.timestamp_window` of `policy.now`.
fn signed_timestamp(sender: &Sender, request: &SoapRequest, policy: Policy) -> Result<(), Failure> {
    let timestamp = match request {
        SoapRequest::GetResponse(r) => r.timestamp,
        SoapRequest::GetStatus(r) => r.timestamp,
        SoapRequest::SendRequest(_) | SoapRequest::Ack(_) => return Ok(()),
    };
    let Some(timestamp) = timestamp else {
        return Ok(());
    };
    let drift = timestamp.as_second().abs_diff(policy.now);
    let window = policy.timestamp_window.as_secs();
    if drift <= window {
        return Ok(());
    }
    tracing::info!(sender = %sender.mnemonic, drift_s = drift, window_s = window, "signed Timestamp outside the window");
    Err(Failure::of(
        FaultKind::InvalidContent,
        format!(
            "Timestamp запроса отличается от времени шлюза на {drift} с (допустимо {window} с): \
             подписанный запрос нельзя отправить повторно, сформируйте новый"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use smev_envelope::{GetResponse, GetStatus};

    fn sender() -> Sender {
        Sender {
            mnemonic: "S".into(),
            name: "S".into(),
            may_send_all: true,
            may_send: Default::default(),
            signature_cert_sha256: Some("00".into()),
        }
    }

    fn policy(now: i64) -> Policy {
        Policy {
            now,
            timestamp_window: Duration::from_secs(300),
        }
    }

    fn get_response(at: i64) -> SoapRequest {
        SoapRequest::GetResponse(GetResponse {
            selector: None,
            timestamp: Some(jiff::Timestamp::from_second(at).expect("time")),
            node_id: None,
        })
    }

    #[test]
    fn a_signed_timestamp_counts_within_the_window_either_way() {
        let now = 1_790_000_000;
        for at in [now, now - 300, now + 300] {
            assert!(
                signed_timestamp(&sender(), &get_response(at), policy(now)).is_ok(),
                "{at}"
            );
        }
        for at in [now - 301, now + 301, 0] {
            let refused = signed_timestamp(&sender(), &get_response(at), policy(now))
                .expect_err("outside the window");
            assert_eq!(refused.fault.kind, FaultKind::InvalidContent, "{at}");
        }
        let status = SoapRequest::GetStatus(GetStatus {
            timestamp: Some(jiff::Timestamp::from_second(now - 3_600).expect("time")),
        });
        assert!(signed_timestamp(&sender(), &status, policy(now)).is_err());
    }
}
