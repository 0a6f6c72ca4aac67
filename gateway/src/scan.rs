//! Scan routes (`[routes.scan]`): one scan message for several document types, Goscan's `ScanRequest`.
//!
//! The payload carries the scanned QR text (`Qr`, JSON `qr`) and may carry `OnBehalfOf`. The first document
//! whose pattern matches the text takes the request: it goes on as that document's own verify request (`Qr`
//! in the document's namespace, `OnBehalfOf` in the Goscan namespace, as every document's schema has them)
//! through that document's route and chain (the МЧД policy step included), and the reply comes back wrapped in
//! the scan route's answer: `DocumentType`, the document's `Result`, and its whole answer under `Answer`
//! (JSON: `documentType`, `result`, `answer`). A rejection or status of the document's chain is passed on as
//! it is. A text no pattern matches is answered `QR_NOT_RECOGNISED`, the seed's first error.
//!
//! This module decides (recognition, the document's request, the wrapped answer); [`crate::chain::run_route`]
//! runs it.

use gateway_host::{PayloadFormat, Reply, Request};
use quick_xml::events::Event;
use regex::Regex;
use smev_envelope::QName;

use crate::config::ScanConfig;

/// The namespace of `OnBehalfOf` in every document's verify request.
pub const GOSCAN_NS: &str = "urn://gateway/goscan/1.0";

/// What the answer says of a QR text no document recognises.
const NOT_RECOGNISED: &str = "QR-код не распознан: это не документ, который умеет проверять шлюз";

/// A scan route's documents.
#[derive(Debug)]
pub struct Scan {
    /// The answer's type.
    pub answer: QName,
    /// Tried in order.
    pub documents: Vec<ScanDocument>,
}

/// One document a scan route recognises.
#[derive(Debug)]
pub struct ScanDocument {
    /// The name the answer gives (`svo-status`).
    pub document_type: String,
    /// The document's route (Clark notation).
    pub route: String,
    /// The QR texts that hold it.
    pub patterns: Vec<Regex>,
}

impl Scan {
    /// The scan from its config (already validated: a pattern that does not compile is reported).
    pub fn from_config(c: &ScanConfig) -> Result<Scan, String> {
        let answer = c
            .answer
            .parse::<QName>()
            .map_err(|_| format!("scan.answer `{}` is not a message type", c.answer))?;
        let documents = c
            .documents
            .iter()
            .map(|d| {
                let patterns = d
                    .patterns
                    .iter()
                    .map(|p| Regex::new(p).map_err(|e| format!("pattern {p:?}: {e}")))
                    .collect::<Result<_, _>>()?;
                Ok(ScanDocument {
                    document_type: d.document_type.clone(),
                    route: d.route.clone(),
                    patterns,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Scan { answer, documents })
    }

    /// The document `qr` holds (the text trimmed), if any.
    pub fn recognise(&self, qr: &str) -> Option<&ScanDocument> {
        let qr = qr.trim();
        self.documents
            .iter()
            .find(|d| d.patterns.iter().any(|p| p.is_match(qr)))
    }
}

fn host_qname(q: &QName) -> gateway_host::QName {
    gateway_host::QName::new(&q.namespace, &q.local)
}

/// The answer to a QR text no document recognises.
pub fn unrecognised(answer: &QName, format: PayloadFormat) -> Reply {
    let payload = match format {
        PayloadFormat::Json => {
            serde_json::json!({ "result": "QR_NOT_RECOGNISED", "message": NOT_RECOGNISED })
                .to_string()
                .into_bytes()
        }
        PayloadFormat::Xml => format!(
            "<{l} xmlns=\"{ns}\"><Result>QR_NOT_RECOGNISED</Result><Message>{NOT_RECOGNISED}</Message></{l}>",
            l = answer.local,
            ns = answer.namespace
        )
        .into_bytes(),
    };
    Reply {
        message_type: host_qname(answer),
        payload,
        expires_at: None,
        attachments: Vec::new(),
    }
}

/// The QR text of a scan request: XML `Qr` (a child of the root), JSON `qr`.
pub fn qr_of(request: &Request) -> Option<String> {
    match request.format {
        PayloadFormat::Json => serde_json::from_slice::<serde_json::Value>(&request.payload)
            .ok()?
            .get("qr")?
            .as_str()
            .map(str::to_owned),
        PayloadFormat::Xml => {
            xml_children(&request.payload)
                .ok()?
                .into_iter()
                .find_map(|c| match c {
                    Child::Text { local, text } if local == "Qr" => Some(text),
                    _ => None,
                })
        }
    }
}

/// `request` as the document's own verify request of type `target`: JSON as it is (the same keys); XML rebuilt
/// with `Qr` in the document's namespace and `OnBehalfOf` (if any) in the Goscan namespace.
pub fn as_document(mut request: Request, target: &QName, qr: &str) -> Result<Request, String> {
    request.message_type = host_qname(target);
    if request.format == PayloadFormat::Xml {
        let on_behalf_of = xml_children(&request.payload)?
            .into_iter()
            .find_map(|c| match c {
                Child::Element { local, xml } if local == "OnBehalfOf" => Some(xml),
                _ => None,
            })
            .unwrap_or_default();
        request.payload = format!(
            "<{l} xmlns=\"{ns}\"><Qr>{qr}</Qr>{on_behalf_of}</{l}>",
            l = target.local,
            ns = target.namespace,
            qr = quick_xml::escape::escape(qr),
        )
        .into_bytes();
        request.namespaces = Vec::new();
    }
    Ok(request)
}

/// A child of the payload's root: a text-only element, or an element rewritten into the Goscan namespace.
enum Child {
    Text { local: String, text: String },
    Element { local: String, xml: String },
}

/// The children of the root of `xml` (the schema check already held the payload to its XSD): text-only
/// children with their text, others rewritten with every element in the Goscan namespace (the only namespace
/// under `OnBehalfOf`).
fn xml_children(xml: &[u8]) -> Result<Vec<Child>, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut depth = 0usize;
    let mut children = Vec::new();
    let mut current: Option<(String, String, bool)> = None; // (local, rewritten, has child elements)
    let mut text = String::new();
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let local = e.local_name().as_ref().to_owned();
                match (depth, current.as_mut()) {
                    (2, _) => {
                        current = Some((
                            local.clone(),
                            format!("<{local} xmlns=\"{GOSCAN_NS}\">"),
                            false,
                        ));
                        text.clear();
                    }
                    (d, Some((_, out, nested))) if d > 2 => {
                        *nested = true;
                        out.push_str(&format!("<{local}>"));
                    }
                    _ => {}
                }
            }
            Event::Empty(e) if depth >= 2 => {
                let local = e.local_name().as_ref().to_owned();
                if let Some((_, out, nested)) = current.as_mut() {
                    *nested = true;
                    out.push_str(&format!("<{local}/>"));
                }
            }
            Event::Text(t) if depth >= 2 => {
                let value = t.xml10_content();
                if let Some((_, out, _)) = current.as_mut() {
                    out.push_str(&quick_xml::escape::escape(value.as_ref()));
                }
                text.push_str(&value);
            }
            Event::GeneralRef(r) if depth >= 2 => {
                let name = r.to_string();
                let value = match name.as_str() {
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "amp" => "&".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    _ => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .ok_or_else(|| format!("unknown entity &{name};"))?,
                };
                if let Some((_, out, _)) = current.as_mut() {
                    out.push_str(&quick_xml::escape::escape(value.as_str()));
                }
                text.push_str(&value);
            }
            Event::CData(c) if depth >= 2 => {
                let value = c.to_string();
                if let Some((_, out, _)) = current.as_mut() {
                    out.push_str(&quick_xml::escape::escape(value.as_str()));
                }
                text.push_str(&value);
            }
            Event::End(e) => {
                let local = e.local_name().as_ref().to_owned();
                match (depth, current.take()) {
                    (2, Some((name, mut out, nested))) => {
                        if nested {
                            out.push_str(&format!("</{name}>"));
                            children.push(Child::Element {
                                local: name,
                                xml: out,
                            });
                        } else {
                            children.push(Child::Text {
                                local: name,
                                text: std::mem::take(&mut text),
                            });
                        }
                    }
                    (d, Some((name, mut out, nested))) if d > 2 => {
                        out.push_str(&format!("</{local}>"));
                        current = Some((name, out, nested));
                    }
                    (_, other) => current = other,
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => return Ok(children),
            _ => {}
        }
    }
}

/// The document's reply wrapped in the scan route's answer.
pub fn wrapped(reply: Reply, answer: &QName, document_type: &str) -> Reply {
    let payload = match std::str::from_utf8(&reply.payload) {
        Ok(text) if text.trim_start().starts_with('{') => json_wrapped(text, document_type),
        Ok(text) => xml_wrapped(text, answer, document_type),
        Err(_) => None,
    };
    match payload {
        Some(payload) => Reply {
            message_type: host_qname(answer),
            payload,
            expires_at: reply.expires_at,
            attachments: reply.attachments,
        },
        // A reply that is neither readable JSON nor XML is the document plugin's own: passed on unwrapped.
        None => reply,
    }
}

fn json_wrapped(text: &str, document_type: &str) -> Option<Vec<u8>> {
    let answer: serde_json::Value = serde_json::from_str(text).ok()?;
    let result = answer
        .get("result")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    Some(
        serde_json::json!({ "documentType": document_type, "result": result, "answer": answer })
            .to_string()
            .into_bytes(),
    )
}

fn xml_wrapped(text: &str, answer: &QName, document_type: &str) -> Option<Vec<u8>> {
    let element = match text.trim_start().strip_prefix("<?xml") {
        Some(rest) => &rest[rest.find("?>")? + 2..],
        None => text,
    };
    // A document's answer without `Result` is wrapped all the same, with an empty one.
    let result = xml_children(element.as_bytes())
        .ok()?
        .into_iter()
        .find_map(|c| match c {
            Child::Text { local, text } if local == "Result" => Some(text),
            _ => None,
        })
        .unwrap_or_default();
    Some(
        format!(
            "<{l} xmlns=\"{ns}\"><DocumentType>{dt}</DocumentType><Result>{r}</Result><Answer>{element}</Answer></{l}>",
            l = answer.local,
            ns = answer.namespace,
            dt = quick_xml::escape::escape(document_type),
            r = quick_xml::escape::escape(result.as_str()),
            element = element.trim(),
        )
        .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan() -> Scan {
        Scan::from_config(&ScanConfig {
            answer: "{urn://gateway/goscan/1.0}ScanResponse".into(),
            documents: vec![
                crate::config::ScanDocumentConfig {
                    document_type: "svo-status".into(),
                    route: "{urn://gateway/svo-status/1.0}VerifyQrRequest".into(),
                    patterns: vec![r"^https://www\.gosuslugi\.ru/somc2/[0-9a-fA-F-]{36}/?$".into()],
                },
                crate::config::ScanDocumentConfig {
                    document_type: "large-family".into(),
                    route: "{urn://gateway/large-family/1.0}VerifyCertificateRequest".into(),
                    patterns: vec![
                        r"^https://www\.gosuslugi\.ru/mnogodet/\d{2}-\d{4,12}/?$".into(),
                    ],
                },
            ],
        })
        .expect("valid")
    }

    #[test]
    fn documents_are_recognised_by_their_patterns_in_order() {
        let s = scan();
        let name = |qr: &str| s.recognise(qr).map(|d| d.document_type.as_str());
        assert_eq!(
            name(" https://www.gosuslugi.ru/somc2/3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60 "),
            Some("svo-status")
        );
        assert_eq!(
            name("https://www.gosuslugi.ru/mnogodet/77-0012345"),
            Some("large-family")
        );
        assert_eq!(name("https://example.org/somc2/x"), None);
    }

    #[test]
    fn an_xml_scan_becomes_the_documents_request() {
        let payload = br#"<g:ScanRequest xmlns:g="urn://gateway/goscan/1.0"><g:Qr>a &amp; b</g:Qr><g:OnBehalfOf><g:Organisation>1027700132195</g:Organisation><g:Scanner>112-233-445 95</g:Scanner><g:Mchd><g:Xml>PD94</g:Xml><g:Signature>MII=</g:Signature></g:Mchd></g:OnBehalfOf></g:ScanRequest>"#;
        let request = Request::new(
            "m",
            "A",
            gateway_host::QName::new(GOSCAN_NS, "ScanRequest"),
            PayloadFormat::Xml,
            payload.to_vec(),
        );
        assert_eq!(qr_of(&request).as_deref(), Some("a & b"));
        let target = QName {
            namespace: "urn://gateway/large-family/1.0".into(),
            local: "VerifyCertificateRequest".into(),
        };
        let converted = as_document(request, &target, "a & b").expect("converted");
        assert_eq!(converted.message_type.local, "VerifyCertificateRequest");
        assert_eq!(
            String::from_utf8(converted.payload).expect("utf-8"),
            "<VerifyCertificateRequest xmlns=\"urn://gateway/large-family/1.0\"><Qr>a &amp; b</Qr>\
             <OnBehalfOf xmlns=\"urn://gateway/goscan/1.0\"><Organisation>1027700132195</Organisation>\
             <Scanner>112-233-445 95</Scanner><Mchd><Xml>PD94</Xml><Signature>MII=</Signature></Mchd>\
             </OnBehalfOf></VerifyCertificateRequest>"
        );
    }

    #[test]
    fn replies_are_wrapped_with_their_type_and_result() {
        let answer = QName {
            namespace: GOSCAN_NS.into(),
            local: "ScanResponse".into(),
        };
        let reply = |payload: &str| Reply {
            message_type: gateway_host::QName::new("urn:d", "VerifyResponse"),
            payload: payload.as_bytes().to_vec(),
            expires_at: Some(5),
            attachments: Vec::new(),
        };
        let xml = wrapped(
            reply(
                "<VerifyResponse xmlns=\"urn:d\"><Result>VALID</Result><Message>ok</Message></VerifyResponse>",
            ),
            &answer,
            "large-family",
        );
        assert_eq!(xml.message_type.local, "ScanResponse");
        assert_eq!(xml.expires_at, Some(5));
        assert_eq!(
            String::from_utf8(xml.payload).expect("utf-8"),
            "<ScanResponse xmlns=\"urn://gateway/goscan/1.0\"><DocumentType>large-family</DocumentType>\
             <Result>VALID</Result><Answer><VerifyResponse xmlns=\"urn:d\"><Result>VALID</Result>\
             <Message>ok</Message></VerifyResponse></Answer></ScanResponse>"
        );
        let json = wrapped(
            reply(r#"{"result":"EXPIRED","x":1}"#),
            &answer,
            "svo-status",
        );
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&json.payload).expect("json"),
            serde_json::json!({"documentType": "svo-status", "result": "EXPIRED", "answer": {"result": "EXPIRED", "x": 1}})
        );
    }
}
