//! The consumer-side requests the gateway decodes, and the payload they carry.

use crate::fault::Operation;
use crate::qname::QName;

/// A decoded consumer-side SOAP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoapRequest {
    /// `SendRequestRequest`.
    SendRequest(Box<SendRequest>),
    /// `GetResponseRequest`.
    GetResponse(GetResponse),
    /// `AckRequest`.
    Ack(Ack),
    /// `GetStatusRequest`.
    GetStatus(GetStatus),
}

impl SoapRequest {
    /// The operation this request invokes.
    pub fn operation(&self) -> Operation {
        match self {
            Self::SendRequest(_) => Operation::SendRequest,
            Self::GetResponse(_) => Operation::GetResponse,
            Self::Ack(_) => Operation::Ack,
            Self::GetStatus(_) => Operation::GetStatus,
        }
    }
}

/// `SendRequestRequest`: a request with its business payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    /// `MessageID` (checked against the `basic:UUID` pattern only; the caller applies its
    /// version-1 policy with [`crate::check_message_id`]).
    pub message_id: String,
    /// `ReferenceMessageID` (required in 1.2).
    pub reference_message_id: Option<String>,
    /// `TransactionCode` (required in 1.2).
    pub transaction_code: Option<String>,
    /// `NodeID`.
    pub node_id: Option<String>,
    /// `EOL`, the message's end of life.
    pub eol: Option<jiff::Timestamp>,
    /// Whether `TestMessage` is present: the provider must change no data.
    pub test_message: bool,
    /// The element under `MessagePrimaryContent`.
    pub payload: Payload,
    /// The attachments: each header (`contentId`, `MimeType`) with its content (`Id`,
    /// `Content`), in header order.
    pub attachments: Vec<Attachment>,
    /// `RefAttachmentHeaderList`: large files named by reference, their content on SMEV's file storage.
    pub references: Vec<AttachmentReference>,
    /// The raw bytes of the `PersonalSignature` element, if any.
    pub personal_signature: Option<Vec<u8>>,
    /// The raw bytes of the `CallerInformationSystemSignature` element, if any.
    pub caller_signature: Option<Vec<u8>>,
}

/// The business payload: the root element under `MessagePrimaryContent`, exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The root element's qualified name: the message type.
    pub root: QName,
    /// The exact bytes of the root element, start tag to end tag, as received.
    pub xml: Vec<u8>,
    /// Namespace declarations in scope at the root but declared on its ancestors, as
    /// `(prefix, uri)` with `""` for the default namespace, outermost first. Declarations the
    /// root itself overrides are not listed.
    pub inherited_namespaces: Vec<(String, String)>,
}

impl Payload {
    /// The root element as a well-formed document on its own: [`Payload::xml`] with the
    /// inherited namespace declarations added to its start tag (for schema checks and plugins).
    pub fn standalone(&self) -> Vec<u8> {
        if self.inherited_namespaces.is_empty() {
            return self.xml.clone();
        }
        let name_end = self
            .xml
            .iter()
            .skip(1)
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
            .map_or(self.xml.len(), |i| i + 1);
        let mut out = Vec::with_capacity(self.xml.len() + 64 * self.inherited_namespaces.len());
        out.extend_from_slice(&self.xml[..name_end]);
        for (prefix, uri) in &self.inherited_namespaces {
            out.extend_from_slice(b" xmlns");
            if !prefix.is_empty() {
                out.push(b':');
                out.extend_from_slice(prefix.as_bytes());
            }
            out.extend_from_slice(b"=\"");
            escape_attr(&mut out, uri);
            out.push(b'"');
        }
        out.extend_from_slice(&self.xml[name_end..]);
        out
    }
}

fn escape_attr(out: &mut Vec<u8>, value: &str) {
    for b in value.bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\t' => out.extend_from_slice(b"&#9;"),
            b'\n' => out.extend_from_slice(b"&#10;"),
            b'\r' => out.extend_from_slice(b"&#13;"),
            b => out.push(b),
        }
    }
}

/// An attachment: its header matched with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// `AttachmentHeader/contentId` (= `AttachmentContent/Id`).
    pub content_id: String,
    /// `AttachmentHeader/MimeType`.
    pub mime_type: String,
    /// The decoded `AttachmentContent/Content`.
    pub data: Vec<u8>,
}

/// A file named by reference (`RefAttachmentHeader`): on SMEV's file storage, not in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentReference {
    /// `uuid`: the file's identifier on the storage.
    pub uuid: String,
    /// `FileName` (1.3).
    pub file_name: Option<String>,
    /// `Hash` as declared.
    pub hash: String,
    /// `MimeType` (RFC 2046).
    pub mime_type: String,
    /// `SignaturePKCS7`, decoded.
    pub signature_pkcs7: Option<Vec<u8>>,
}

/// `GetResponseRequest`: fetch the next reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetResponse {
    /// The message type to fetch (`NamespaceURI` + `RootElementLocalName`); `None` fetches any.
    pub selector: Option<QName>,
    /// `MessageTypeSelector/Timestamp` (required by the schema, so always present when decoded
    /// from SOAP).
    pub timestamp: Option<jiff::Timestamp>,
    /// `MessageTypeSelector/NodeID`.
    pub node_id: Option<String>,
}

/// `AckRequest`: confirm a fetched message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// `AckTargetMessage`: the id of the confirmed message.
    pub message_id: String,
    /// The `accepted` attribute (required in 1.1 and 1.2, optional in 1.3).
    pub accepted: Option<bool>,
}

/// `GetStatusRequest`: fetch the next processing-status event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetStatus {
    /// `Timestamp` (required by the schema, so always present when decoded from SOAP).
    pub timestamp: Option<jiff::Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(xml: &str, ns: &[(&str, &str)]) -> Payload {
        Payload {
            root: QName::new("urn:x", "R"),
            xml: xml.as_bytes().to_vec(),
            inherited_namespaces: ns
                .iter()
                .map(|(p, u)| (p.to_string(), u.to_string()))
                .collect(),
        }
    }

    #[test]
    fn standalone_adds_inherited_declarations_after_the_name() {
        let p = payload(
            "<p:R a=\"1\"><q:C/></p:R>",
            &[("p", "urn:x"), ("q", "urn:q&\"")],
        );
        assert_eq!(
            String::from_utf8(p.standalone()).unwrap(),
            "<p:R xmlns:p=\"urn:x\" xmlns:q=\"urn:q&amp;&quot;\" a=\"1\"><q:C/></p:R>"
        );
        let empty = payload("<R/>", &[("", "urn:x")]);
        assert_eq!(
            String::from_utf8(empty.standalone()).unwrap(),
            "<R xmlns=\"urn:x\"/>"
        );
        let bare = payload("<R>x</R>", &[]);
        assert_eq!(bare.standalone(), bare.xml);
    }
}
