//! Property-like tests: the decoder never panics on truncated or mutated input, and what it
//! accepts from mutated input is still sliced from that input.

mod common;

use common::*;
use smev_envelope::{Limits, SmevVersion, SoapRequest, decode_request};

/// A valid envelope exercising most of the decoder (attachments, signatures, payload with
/// inherited prefixes, comments, references).
fn rich_envelope(v: SmevVersion) -> String {
    let headers = "<ns1:AttachmentHeaderList><ns1:AttachmentHeader><ns1:contentId>a1</ns1:contentId>\
                   <ns1:MimeType>text/plain</ns1:MimeType></ns1:AttachmentHeader></ns1:AttachmentHeaderList><ns:TestMessage/>";
    let after = format!(
        "<ns1:AttachmentContentList><ns1:AttachmentContent><ns1:Id>a1</ns1:Id><ns1:Content>aGVs\nbG8=</ns1:Content>\
         </ns1:AttachmentContent></ns1:AttachmentContentList><!-- c --><ns:CallerInformationSystemSignature>{}</ns:CallerInformationSystemSignature>",
        signature()
    );
    let payload = format!(
        "<qr:QrRequest xmlns:qr=\"{QR_NS}\" a=\"x&amp;y\"><qr:Snils>112&#45;233<![CDATA[<raw>]]></qr:Snils><ns:Inherited/></qr:QrRequest>"
    );
    send_request(v, &payload, headers, &after)
}

/// Checks one decoding: no panic (by returning at all), and an accepted payload is a slice of
/// the input.
fn check(v: SmevVersion, input: &[u8]) -> bool {
    match decode_request(v, input, &Limits::default()) {
        Ok(SoapRequest::SendRequest(r)) => {
            assert!(
                input
                    .windows(r.payload.xml.len().max(1))
                    .any(|w| w == r.payload.xml.as_slice()),
                "payload not sliced from the input"
            );
            true
        }
        Ok(_) => true,
        Err(e) => {
            // Every error converts to a fault that encodes.
            let fault = e.fault();
            assert!(!smev_envelope::encode_fault(v, &fault).is_empty());
            false
        }
    }
}

#[test]
fn every_truncation_is_refused_cleanly() {
    for v in SmevVersion::ALL {
        let xml = rich_envelope(v);
        let bytes = xml.as_bytes();
        assert!(check(v, bytes), "the full envelope must decode");
        let root_end = xml.rfind("</soap:Envelope>").unwrap() + "</soap:Envelope>".len();
        for len in 0..bytes.len() {
            let accepted = check(v, &bytes[..len]);
            assert_eq!(
                accepted,
                len >= root_end,
                "{v}: truncation at {len} of {}",
                bytes.len()
            );
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let v = SmevVersion::V1_3;
    let original = rich_envelope(v).into_bytes();
    let alphabet: &[u8] = b"<>/=\"'&;:!?-[]# \nxmlnsa\xD0\x96\xFF\x00";
    let mut rng = Rng::new(0x5EED_CAFE);
    let mut accepted = 0;
    for _ in 0..5000 {
        let mut input = original.clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(input.len());
            match rng.below(5) {
                0 => input[at] = alphabet[rng.below(alphabet.len())],
                1 => input[at] ^= 1 << rng.below(8),
                2 => {
                    input.remove(at);
                }
                3 => input.insert(at, alphabet[rng.below(alphabet.len())]),
                _ => {
                    let end = (at + rng.below(64)).min(input.len());
                    let chunk = input[at..end].to_vec();
                    let to = rng.below(input.len());
                    input.splice(to..to, chunk);
                }
            }
        }
        if check(v, &input) {
            accepted += 1;
        }
    }
    // Some mutations hit only text or whitespace; most must be refused.
    assert!(
        accepted > 0 && accepted < 5000,
        "accepted {accepted} of 5000"
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(42);
    for _ in 0..2000 {
        let len = rng.below(300);
        let input: Vec<u8> = (0..len)
            .map(|_| b"<>/=\"a:b &;x\n"[rng.below(13)])
            .collect();
        assert!(!check(SmevVersion::V1_1, &input));
    }
}
