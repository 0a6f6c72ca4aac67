//! The caller's signature a sender's registration requires (`[[senders]] signature_cert_sha256`): each SOAP
//! request of such a sender must carry a `CallerInformationSystemSignature` over the element its operation signs
//! (the XSD's annotations, `docs/smev-xmldsig.md` §1), made with the registered certificate and valid now. An
//! identity beside mTLS and bearer tokens: the transport says who connected, the signature who sent the message.

use smev_envelope::{Fault, Operation, SignatureFailure, SoapRequest};

use crate::auth::{Sender, sha256_hex};
use crate::crypto::xmldsig::{self, SignaturePlace};
use crate::error::Failure;

/// The container of a caller's signature in every SMEV request.
const CONTAINER: &str = "CallerInformationSystemSignature";

/// The element the caller's signature of `op` covers (a sibling of the signature, in the operation's element).
fn signed_element(op: Operation) -> &'static str {
    match op {
        Operation::SendRequest => "SenderProvidedRequestData",
        Operation::GetResponse => "MessageTypeSelector",
        Operation::Ack => "AckTargetMessage",
        Operation::GetStatus => "Timestamp",
    }
}

/// Checks the caller's signature of `envelope` (decoded as `request`) when `sender` must sign; `now` in unix
/// seconds.
///
/// # Errors
///
/// A `SignatureVerificationFault` with the reason: the signature's own ([`xmldsig::verify`]), or
/// `CertificateIsNotFound` when a valid signature was made with another certificate than the registered one.
pub fn check(
    sender: &Sender,
    request: &SoapRequest,
    envelope: &[u8],
    now: i64,
) -> Result<(), Failure> {
    let Some(registered) = &sender.signature_cert_sha256 else {
        return Ok(());
    };
    let op = request.operation();
    let parent = ["Envelope", "Body", op.request_element()];
    let place = SignaturePlace {
        parent: &parent,
        container: CONTAINER,
        target: signed_element(op),
    };
    let refuse = |reason: SignatureFailure, detail: &str| {
        tracing::info!(sender = %sender.mnemonic, reason = reason.as_str(), detail, "caller signature refused");
        Err(Failure::client(Fault::signature_verification(reason)))
    };
    let verified = match xmldsig::verify(envelope, place, now) {
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
    Ok(())
}
