//! The SOAP 1.1 encoding of a fault, with a detail element that follows the version's faults
//! schema exactly.

use super::{Fault, FaultExtension, FaultKind, FaultShape, SignatureFailure, ValidationError};
use crate::version::{SOAP11_NS, SmevVersion};
use crate::writer::{XmlWriter, truncate_chars};

/// Encodes `fault` as a complete SOAP 1.1 envelope (UTF-8, with an XML declaration):
/// `soap:Fault` → `faultcode`, `faultstring xml:lang="ru"`, and `detail` → the fault element
/// in `version`'s faults namespace.
///
/// The fault element's content follows that version's faults schema: `Void` faults are empty,
/// `SmevFault` faults carry `basic:Code` (only when set) and `basic:Description` (the detail's
/// description, or the faultstring), extended faults add their own children, using neutral
/// values (empty strings, 0, `SignatureIsInvalid`, one validation error repeating the
/// faultstring) when the fault lacks a matching [`FaultExtension`]. A kind the version does not
/// declare is written as its nearest relative ([`FaultKind::in_version`]).
pub fn encode_fault(version: SmevVersion, fault: &Fault) -> Vec<u8> {
    let kind = fault.kind.in_version(version);
    let faultstring = fault.faultstring();
    let mut w = XmlWriter::document();
    w.open("soap:Envelope", &[("xmlns:soap", SOAP11_NS)])
        .open("soap:Body", &[])
        .open("soap:Fault", &[]);
    w.leaf("faultcode", kind.soap_fault_code());
    w.leaf_with("faultstring", &[("xml:lang", "ru")], faultstring);
    w.open("detail", &[]);
    write_fault_element(&mut w, version, kind, fault, faultstring);
    w.close("detail")
        .close("soap:Fault")
        .close("soap:Body")
        .close("soap:Envelope");
    w.finish()
}

fn write_fault_element(
    w: &mut XmlWriter,
    version: SmevVersion,
    kind: FaultKind,
    fault: &Fault,
    faultstring: &str,
) {
    let element = format!("fault:{}", kind.name());
    let shape = kind.shape(version);
    if shape == FaultShape::Void {
        w.empty(&element, &[("xmlns:fault", version.faults_ns())]);
        return;
    }
    w.open(
        &element,
        &[
            ("xmlns:fault", version.faults_ns()),
            ("xmlns:basic", version.basic_ns()),
        ],
    );
    if let Some(code) = &fault.detail.code {
        w.leaf("basic:Code", truncate_chars(code, code_max_len(version)));
    }
    w.leaf(
        "basic:Description",
        fault.detail.description.as_deref().unwrap_or(faultstring),
    );
    if shape == FaultShape::Extended {
        write_extension(w, kind, fault.detail.extension.as_deref(), faultstring);
    }
    w.close(&element);
}

/// `basic:SmevFault/Code` is `string-50` before 1.3 and `string-100` in 1.3.
fn code_max_len(version: SmevVersion) -> usize {
    match version {
        SmevVersion::V1_1 | SmevVersion::V1_2 => 50,
        SmevVersion::V1_3 => 100,
    }
}

fn write_extension(
    w: &mut XmlWriter,
    kind: FaultKind,
    extension: Option<&FaultExtension>,
    faultstring: &str,
) {
    match kind {
        FaultKind::InvalidContent => {
            let fallback = [ValidationError {
                position: 0,
                message: faultstring.to_owned(),
            }];
            let errors = match extension {
                Some(FaultExtension::ValidationErrors(errors)) if !errors.is_empty() => {
                    errors.as_slice()
                }
                _ => &fallback,
            };
            for e in errors {
                let position = e.position.to_string();
                w.leaf_with(
                    "fault:ValidationError",
                    &[("errorPosition", &position)],
                    &e.message,
                );
            }
        }
        FaultKind::BusinessDataTypeIsNotSupported => {
            let (local, ns) = match extension {
                Some(FaultExtension::UnsupportedRoot(root)) => {
                    (root.local.as_str(), root.namespace.as_str())
                }
                _ => ("", ""),
            };
            w.leaf("fault:RootElementLocalName", local);
            w.leaf("fault:RootElementNamespaceURI", ns);
        }
        FaultKind::SignatureVerificationFault => {
            let reason = match extension {
                Some(FaultExtension::Signature(reason)) => *reason,
                _ => SignatureFailure::SignatureIsInvalid,
            };
            w.leaf("fault:SignatureVerificationFault", reason.as_str());
        }
        FaultKind::AttachmentSizeLimitExceeded => {
            let (permitted, real) = match extension {
                Some(FaultExtension::AttachmentSize { permitted, real }) => (*permitted, *real),
                _ => (0, 0),
            };
            w.leaf("fault:PermittedTotalAttachmentSize", &xs_long(permitted));
            w.leaf("fault:RealTotalAttachmentSize", &xs_long(real));
        }
        FaultKind::QuoteLimitExceeded => {
            let (remaining, real) = match extension {
                Some(FaultExtension::Quota { remaining, real }) => (*remaining, *real),
                _ => (0, 0),
            };
            w.leaf("fault:RemainedTotalQuoteSize", &xs_long(remaining));
            w.leaf("fault:RealTotalAttachmentSize", &xs_long(real));
        }
        FaultKind::DestinationOverflow => {
            let (broker, destination) = match extension {
                Some(FaultExtension::DestinationOverflow {
                    broker_address,
                    destination_name,
                }) => (broker_address.as_str(), destination_name.as_str()),
                _ => ("", ""),
            };
            w.leaf("fault:MessageBrokerAddress", broker);
            w.leaf("fault:DestinationName", destination);
        }
        _ => {}
    }
}

/// An `xs:long` (signed 64-bit) rendering of a size, saturating.
fn xs_long(n: u64) -> String {
    i64::try_from(n).unwrap_or(i64::MAX).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: SmevVersion, f: &Fault) -> String {
        String::from_utf8(encode_fault(v, f)).unwrap()
    }

    #[test]
    fn void_faults_are_empty() {
        let s = text(
            SmevVersion::V1_3,
            &Fault::from(FaultKind::MessageIsAlreadySent),
        );
        assert!(s.contains("<faultcode>soap:Client</faultcode>"), "{s}");
        assert!(s.contains(&format!(
            "<fault:MessageIsAlreadySent xmlns:fault=\"{}\"/>",
            SmevVersion::V1_3.faults_ns()
        )));
        assert!(s.contains("<faultstring xml:lang=\"ru\">"));
    }

    #[test]
    fn smev_faults_carry_code_and_description() {
        let f =
            Fault::new(FaultKind::TransactionCodeInvalid, "плохой код".into()).with_code("SMEV-1");
        let s = text(SmevVersion::V1_1, &f);
        assert!(
            s.contains(
                "<basic:Code>SMEV-1</basic:Code><basic:Description>плохой код</basic:Description>"
            ),
            "{s}"
        );
    }

    #[test]
    fn end_of_life_changes_shape_with_the_version() {
        let f = Fault::from(FaultKind::EndOfLifeReached).with_code("X");
        assert!(!text(SmevVersion::V1_2, &f).contains("basic:Code"));
        assert!(text(SmevVersion::V1_3, &f).contains("<basic:Code>X</basic:Code>"));
    }

    #[test]
    fn extensions_fall_back_to_neutral_values() {
        let s = text(
            SmevVersion::V1_3,
            &Fault::new(FaultKind::InvalidContent, "плохо".into()),
        );
        assert!(
            s.contains("<fault:ValidationError errorPosition=\"0\">плохо</fault:ValidationError>"),
            "{s}"
        );
        let s = text(
            SmevVersion::V1_3,
            &Fault::signature_verification(SignatureFailure::CertificateIsExpired),
        );
        assert!(
            s.contains(">CertificateIsExpired</fault:SignatureVerificationFault>"),
            "{s}"
        );
        let s = text(
            SmevVersion::V1_3,
            &Fault::attachment_size_limit_exceeded(u64::MAX, 5),
        );
        assert!(
            s.contains(&format!(
                ">{}</fault:PermittedTotalAttachmentSize>",
                i64::MAX
            )),
            "{s}"
        );
    }

    #[test]
    fn server_faults_use_the_server_code() {
        let s = text(SmevVersion::V1_2, &Fault::smev_failure("сбой"));
        assert!(s.contains("<faultcode>soap:Server</faultcode>"));
        assert!(s.contains("<faultstring xml:lang=\"ru\">сбой</faultstring>"));
    }

    #[test]
    fn personal_access_denied_degrades_before_1_3() {
        let f = Fault::from(FaultKind::PersonalAccessDenied);
        assert!(text(SmevVersion::V1_1, &f).contains("<fault:AccessDenied "));
        assert!(text(SmevVersion::V1_3, &f).contains("<fault:PersonalAccessDenied "));
    }
}
