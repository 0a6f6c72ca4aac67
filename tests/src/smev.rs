//! SOAP envelopes for tests, reading answers, and checking them against the official schemas with `xmllint`
//! (an independent validator).

use std::process::Command;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::artifacts::repo_root;

/// The types namespace of an SMEV version.
pub fn types_ns(v: &str) -> String {
    format!("urn://x-artefacts-smev-gov-ru/services/message-exchange/types/{v}")
}

/// The basic namespace of an SMEV version.
pub fn basic_ns(v: &str) -> String {
    format!("urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/{v}")
}

/// A new version-1 MessageID.
pub fn message_id() -> String {
    smev_envelope::new_message_id()
}

/// A SendRequestRequest of version `v` carrying `payload` (an XML element). 1.2 gets its required
/// ReferenceMessageID and TransactionCode.
pub fn send_request(v: &str, id: &str, payload: &str) -> String {
    let extra = if v == "1.2" {
        format!(
            "<ns:ReferenceMessageID>{id}</ns:ReferenceMessageID><ns:TransactionCode>TX-{id}</ns:TransactionCode>"
        )
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}">
  <soap:Body>
    <ns:SendRequestRequest>
      <ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">
        <ns:MessageID>{id}</ns:MessageID>{extra}
        <b:MessagePrimaryContent>{payload}</b:MessagePrimaryContent>
      </ns:SenderProvidedRequestData>
    </ns:SendRequestRequest>
  </soap:Body>
</soap:Envelope>"#,
        t = types_ns(v),
        b = basic_ns(v),
    )
}

/// A GetResponseRequest of version `v`, optionally with a type selector (namespace, local name); its
/// `Timestamp` is now.
pub fn get_response(v: &str, selector: Option<(&str, &str)>) -> String {
    get_response_at(v, selector, &now())
}

/// A GetResponseRequest of version `v` whose selector's `Timestamp` is `at`.
pub fn get_response_at(v: &str, selector: Option<(&str, &str)>, at: &str) -> String {
    let sel = selector
        .map(|(ns, local)| format!("<b:NamespaceURI>{ns}</b:NamespaceURI><b:RootElementLocalName>{local}</b:RootElementLocalName>"))
        .unwrap_or_default();
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:GetResponseRequest><b:MessageTypeSelector Id="SIGNED_BY_CALLER">{sel}<b:Timestamp>{at}</b:Timestamp></b:MessageTypeSelector></ns:GetResponseRequest></soap:Body></soap:Envelope>"#,
        t = types_ns(v),
        b = basic_ns(v),
    )
}

/// The current time as `xs:dateTime` (UTC, milliseconds).
pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A GetStatusRequest of version `v` whose `Timestamp` is `at`, with the empty `CallerInformationSystemSignature`
/// every schema requires (a sender not registered to sign is not checked).
pub fn get_status(v: &str, at: &str) -> String {
    get_status_to_sign(v, at).replace(
        "</ns:GetStatusRequest>",
        r#"<ns:CallerInformationSystemSignature><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></ns:CallerInformationSystemSignature></ns:GetStatusRequest>"#,
    )
}

/// A GetStatusRequest of version `v` whose `Timestamp` (`Id="SIGNED_BY_CALLER"`) is `at`, without its signature:
/// the caller signs it before `</ns:GetStatusRequest>`.
pub fn get_status_to_sign(v: &str, at: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:GetStatusRequest><b:Timestamp Id="SIGNED_BY_CALLER">{at}</b:Timestamp></ns:GetStatusRequest></soap:Body></soap:Envelope>"#,
        t = types_ns(v),
        b = basic_ns(v),
    )
}

/// An AckRequest of version `v` for `id`.
pub fn ack(v: &str, id: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:AckRequest><b:AckTargetMessage Id="SIGNED_BY_CALLER" accepted="true">{id}</b:AckTargetMessage></ns:AckRequest></soap:Body></soap:Envelope>"#,
        t = types_ns(v),
        b = basic_ns(v),
    )
}

/// A test plugin request (namespace `urn://gateway/test/1.0`).
pub fn test_payload(action: &str, text: &str) -> String {
    format!(
        r#"<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>{action}</t:Action><t:Text>{text}</t:Text></t:TestRequest>"#
    )
}

/// The text of the first element named `local` (any namespace) in `xml`.
pub fn text_of(xml: &[u8], local: &str) -> Option<String> {
    texts_of(xml, local).into_iter().next()
}

/// The texts of every element named `local` (any namespace) in `xml`, in document order.
pub fn texts_of(xml: &[u8], local: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(text) = std::str::from_utf8(xml) else {
        return found;
    };
    let mut r = Reader::from_str(text);
    let mut inside = false;
    let mut out = String::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == local => inside = true,
            Ok(Event::Text(t)) if inside => out.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(g)) if inside => {
                let name: &str = &g;
                out.push_str(match name {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Ok(Event::End(e)) if inside && e.local_name().as_ref() == local => {
                inside = false;
                found.push(std::mem::take(&mut out));
            }
            Ok(Event::Eof) | Err(_) => return found,
            _ => {}
        }
    }
}

/// Whether an element named `local` occurs in `xml`.
pub fn has_element(xml: &[u8], local: &str) -> bool {
    let Ok(text) = std::str::from_utf8(xml) else {
        return false;
    };
    let mut r = Reader::from_str(text);
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => {
                return true;
            }
            Ok(Event::Eof) | Err(_) => return false,
            _ => {}
        }
    }
}

/// The bytes of the first child element of `soap:Body`, with the namespace declarations of the envelope
/// copied onto it so that it stands alone.
pub fn body_child(xml: &[u8]) -> Vec<u8> {
    let mut r = Reader::from_str(std::str::from_utf8(xml).expect("UTF-8 SOAP"));
    let mut ns_decls: Vec<(String, String)> = Vec::new();
    let mut in_body = false;
    loop {
        let before = r.buffer_position() as usize;
        match r.read_event().expect("well-formed SOAP") {
            Event::Start(e) => {
                if in_body {
                    r.read_to_end(e.name()).expect("the child closes");
                    return inject(&xml[before..r.buffer_position() as usize], &ns_decls);
                }
                for a in e.attributes().flatten() {
                    let k: String = a.key.as_ref().to_owned();
                    if k.starts_with("xmlns") {
                        ns_decls.push((k, a.value.to_string()));
                    }
                }
                if e.local_name().as_ref() == "Body" {
                    in_body = true;
                }
            }
            Event::Empty(_) if in_body => {
                return inject(&xml[before..r.buffer_position() as usize], &ns_decls);
            }
            Event::Eof => panic!("no element in soap:Body"),
            _ => {}
        }
    }
}

fn inject(child: &[u8], decls: &[(String, String)]) -> Vec<u8> {
    let text = String::from_utf8_lossy(child).trim_start().to_owned();
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .expect("a start tag");
    let mut extra = String::new();
    for (k, v) in decls {
        if !text[..text.find('>').unwrap_or(text.len())].contains(&format!("{k}=")) {
            extra.push_str(&format!(" {k}=\"{v}\""));
        }
    }
    format!("{}{}{}", &text[..name_end], extra, &text[name_end..]).into_bytes()
}

/// Validates `doc` with `xmllint --schema schemas/smev3/<schema>`; panics with xmllint's message if invalid.
pub fn assert_valid(doc: &[u8], schema: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, doc).expect("write");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(repo_root().join("schemas/smev3").join(schema))
        .arg(&file)
        .output()
        .expect("xmllint is installed (libxml2-utils; cargo xtask setup installs it)");
    assert!(
        out.status.success(),
        "{} does not validate against {schema}:\n{}\n{}",
        String::from_utf8_lossy(doc),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Validates an SMEV answer (the child of `soap:Body`) against version `v`'s types schema, or a fault's detail
/// against its faults schema.
pub fn assert_valid_answer(v: &str, soap: &[u8]) {
    if has_element(soap, "Fault") {
        let detail = fault_detail(soap);
        assert_valid(&detail, &format!("smev-message-exchange-faults-{v}.xsd"));
    } else {
        assert_valid(
            &body_child(soap),
            &format!("smev-message-exchange-types-{v}.xsd"),
        );
    }
}

/// The element inside `detail` of a SOAP fault, standalone.
pub fn fault_detail(soap: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(soap);
    let start = text.find("<detail>").expect("a fault has detail") + "<detail>".len();
    let end = text.find("</detail>").expect("detail closes");
    let inner = text[start..end].trim().as_bytes().to_vec();
    let decls: Vec<(String, String)> = Vec::new();
    inject(&inner, &decls)
}

/// The fault name: the local name of the element inside `detail`.
pub fn fault_name(soap: &[u8]) -> Option<String> {
    if !has_element(soap, "Fault") {
        return None;
    }
    let detail = fault_detail(soap);
    let text = String::from_utf8_lossy(&detail);
    let tag = text.trim_start().trim_start_matches('<');
    let name = tag
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()?;
    Some(name.rsplit(':').next()?.to_owned())
}

/// The id of an answer in a GetResponseResponse (`SenderProvidedResponseData/MessageID`), to acknowledge it.
pub fn response_id(soap: &[u8]) -> String {
    text_of(soap, "MessageID").expect("an answer has a MessageID")
}
