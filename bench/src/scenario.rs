//! What one unit of load is: a request, or a full SMEV cycle.

use bytes::Bytes;

/// A unit of load.
#[derive(Debug, Clone)]
pub enum Scenario {
    /// POST a SOAP SendRequest with a fresh MessageID (the bare hyper server, or the gateway's SendRequest).
    SoapSend {
        path: String,
        version: String,
        payload: String,
    },
    /// POST the same JSON body every time (e.g. `VerifyQrRequest` of a live token).
    Json { path: String, body: Bytes },
    /// POST a JSON `IssueQrRequest` per СНИЛС of a list, round robin.
    JsonIssue { path: String, snils: Vec<String> },
    /// SendRequest → GetResponse until an answer arrives → Ack: one cycle.
    SoapCycle {
        path: String,
        version: String,
        payload: String,
    },
}

impl Scenario {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Scenario::SoapSend { .. } => "soap-send",
            Scenario::Json { .. } => "json",
            Scenario::JsonIssue { .. } => "json-issue",
            Scenario::SoapCycle { .. } => "soap-cycle",
        }
    }
}

/// The SMEV namespaces of `version`.
fn ns(version: &str) -> (String, String) {
    (
        format!("urn://x-artefacts-smev-gov-ru/services/message-exchange/types/{version}"),
        format!("urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/{version}"),
    )
}

/// A SendRequestRequest carrying `payload` with MessageID `id`.
pub fn send_request(version: &str, id: &str, payload: &str) -> String {
    let (t, b) = ns(version);
    let extra = if version == "1.2" {
        format!(
            "<ns:ReferenceMessageID>{id}</ns:ReferenceMessageID><ns:TransactionCode>bench</ns:TransactionCode>"
        )
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:SendRequestRequest><ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER"><ns:MessageID>{id}</ns:MessageID>{extra}<b:MessagePrimaryContent>{payload}</b:MessagePrimaryContent></ns:SenderProvidedRequestData></ns:SendRequestRequest></soap:Body></soap:Envelope>"#
    )
}

/// A GetResponseRequest without a selector.
pub fn get_response(version: &str) -> String {
    let (t, b) = ns(version);
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:GetResponseRequest><b:MessageTypeSelector Id="SIGNED_BY_CALLER"><b:Timestamp>2026-01-01T00:00:00Z</b:Timestamp></b:MessageTypeSelector></ns:GetResponseRequest></soap:Body></soap:Envelope>"#
    )
}

/// An AckRequest for `id`.
pub fn ack(version: &str, id: &str) -> String {
    let (t, b) = ns(version);
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:AckRequest><b:AckTargetMessage Id="SIGNED_BY_CALLER" accepted="true">{id}</b:AckTargetMessage></ns:AckRequest></soap:Body></soap:Envelope>"#
    )
}

/// The answer's id in a GetResponseResponse (`SenderProvidedResponseData/MessageID`), found without parsing XML.
pub fn answer_id(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("SenderProvidedResponseData")?;
    let rest = &text[start..];
    let open = rest.find("MessageID>")? + "MessageID>".len();
    let id = &rest[open..open + 36.min(rest.len() - open)];
    (id.len() == 36).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_answer_id() {
        let body = br#"<a:GetResponseResponse><a:ResponseMessage><a:Response Id="x"><a:OriginalMessageId>11111111-1111-1111-1111-111111111111</a:OriginalMessageId><a:SenderProvidedResponseData Id="y"><a:MessageID>22222222-2222-2222-2222-222222222222</a:MessageID>"#;
        assert_eq!(
            answer_id(body).as_deref(),
            Some("22222222-2222-2222-2222-222222222222")
        );
        assert_eq!(answer_id(b"<a:GetResponseResponse/>"), None);
    }
}
