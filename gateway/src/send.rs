//! `gateway send`: a small client of a running gateway, for trying a message type by hand.
//!
//! Over JSON (the default) it makes the synchronous call `POST /api/v1/messages` and prints the answer. Over
//! SOAP (`--soap 1.1|1.2|1.3`) it sends the payload (the XML root element) in a `SendRequestRequest` with a
//! fresh version-1 `MessageID`, fetches the answer with `GetResponseRequest` (its selector naming the request
//! type) until the answer to this very request comes (or `--wait` runs out), prints the `GetResponseResponse`
//! and confirms it with `AckRequest`, as an SMEV client does; other answers are left unconfirmed. Plain
//! `http://` only: it is a tool for a gateway on this machine or a test network.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use smev_envelope::SmevVersion;

/// What to send, and where.
#[derive(Debug, Clone)]
pub struct SendArgs {
    /// The gateway's base URL (`http://127.0.0.1:8080`).
    pub url: String,
    /// The bearer token.
    pub token: String,
    /// The message type, `{namespace}LocalName`.
    pub message_type: String,
    /// JSON: the payload object; SOAP: the payload's root element.
    pub payload: String,
    /// SOAP of this version instead of JSON.
    pub soap: Option<SmevVersion>,
    /// How long to wait for a SOAP answer.
    pub wait: Duration,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Sends `args` and returns what the gateway answered, for printing.
pub async fn run(args: &SendArgs) -> anyhow::Result<String> {
    if !args.url.starts_with("http://") {
        bail!("--url must be an http:// address of the gateway");
    }
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    match args.soap {
        None => json(&client, args).await,
        Some(v) => soap(&client, args, v).await,
    }
}

async fn post(
    client: &HttpClient,
    url: &str,
    token: &str,
    content_type: &str,
    body: String,
) -> anyhow::Result<(u16, String)> {
    let request = Request::post(url)
        .header(hyper::header::CONTENT_TYPE, content_type)
        .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body)))?;
    let response = client
        .request(request)
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

async fn json(client: &HttpClient, args: &SendArgs) -> anyhow::Result<String> {
    let payload: serde_json::Value = serde_json::from_str(&args.payload)
        .context("--payload must be a JSON object (or use --soap with an XML payload)")?;
    let body = serde_json::json!({ "type": args.message_type, "payload": payload });
    let url = format!("{}/api/v1/messages", args.url.trim_end_matches('/'));
    let (status, text) = post(
        client,
        &url,
        &args.token,
        "application/json",
        body.to_string(),
    )
    .await?;
    let pretty = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    Ok(format!("HTTP {status}\n{pretty}"))
}

/// The SOAP namespaces of `v`.
fn namespaces(v: SmevVersion) -> (String, String) {
    (
        format!(
            "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/{}",
            v.as_str()
        ),
        format!(
            "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/{}",
            v.as_str()
        ),
    )
}

fn envelope(v: SmevVersion, body: &str) -> String {
    let (t, b) = namespaces(v);
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:t=\"{t}\" xmlns:b=\"{b}\">\
         <s:Body>{body}</s:Body></s:Envelope>"
    )
}

/// A `SendRequestRequest` of `v` carrying `payload` (1.2 gets its `ReferenceMessageID` and `TransactionCode`).
pub fn send_request(v: SmevVersion, message_id: &str, payload: &str) -> String {
    let extra = if v == SmevVersion::V1_2 {
        format!(
            "<t:ReferenceMessageID>{message_id}</t:ReferenceMessageID><t:TransactionCode>{message_id}</t:TransactionCode>"
        )
    } else {
        String::new()
    };
    envelope(
        v,
        &format!(
            "<t:SendRequestRequest><t:SenderProvidedRequestData Id=\"SIGNED_BY_CONSUMER\">\
             <t:MessageID>{message_id}</t:MessageID>{extra}<b:MessagePrimaryContent>{payload}</b:MessagePrimaryContent>\
             </t:SenderProvidedRequestData></t:SendRequestRequest>"
        ),
    )
}

/// A `GetResponseRequest` of `v` whose selector names the request type `message_type` (the gateway selects the
/// answers to requests of that type), so that answers of other types stay queued for their owners.
fn get_response(v: SmevVersion, message_type: &str) -> String {
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ");
    let selector = message_type
        .parse::<smev_envelope::QName>()
        .map(|q| {
            format!(
                "<b:NamespaceURI>{}</b:NamespaceURI><b:RootElementLocalName>{}</b:RootElementLocalName>",
                quick_xml::escape::escape(q.namespace.as_str()),
                quick_xml::escape::escape(q.local.as_str())
            )
        })
        .unwrap_or_default();
    envelope(
        v,
        &format!(
            "<t:GetResponseRequest><b:MessageTypeSelector Id=\"SIGNED_BY_CALLER\">{selector}<b:Timestamp>{now}</b:Timestamp>\
             </b:MessageTypeSelector></t:GetResponseRequest>"
        ),
    )
}

fn ack(v: SmevVersion, id: &str) -> String {
    envelope(
        v,
        &format!(
            "<t:AckRequest><b:AckTargetMessage Id=\"SIGNED_BY_CALLER\" accepted=\"true\">{id}</b:AckTargetMessage>\
             </t:AckRequest>"
        ),
    )
}

/// The text of the first element `local` in `xml`.
fn text_of(xml: &str, local: &str) -> Option<String> {
    let start = xml.find(&format!(":{local}>"))? + local.len() + 2;
    let end = start + xml[start..].find('<')?;
    Some(xml[start..end].trim().to_owned())
}

async fn soap(client: &HttpClient, args: &SendArgs, v: SmevVersion) -> anyhow::Result<String> {
    let url = format!("{}/smev/{}", args.url.trim_end_matches('/'), v.as_str());
    let xml = "text/xml; charset=utf-8";
    let message_id = smev_envelope::new_message_id();
    let (status, sent) = post(
        client,
        &url,
        &args.token,
        xml,
        send_request(v, &message_id, args.payload.trim()),
    )
    .await?;
    if status != 200 {
        return Ok(format!("HTTP {status}\n{sent}"));
    }
    let started = Instant::now();
    loop {
        let request = get_response(v, &args.message_type);
        let (status, answer) = post(client, &url, &args.token, xml, request).await?;
        if status != 200 {
            return Ok(format!("HTTP {status}\n{answer}"));
        }
        // Only the answer to this request is confirmed; another one of the sender's (of the same type) is left
        // to its owner and comes again after the queue's redelivery time.
        if answer.contains("ResponseMessage>")
            && text_of(&answer, "OriginalMessageId").as_deref() == Some(message_id.as_str())
        {
            if let Some(id) = text_of(&answer, "MessageID") {
                post(client, &url, &args.token, xml, ack(v, &id)).await?;
            }
            return Ok(format!(
                "SendRequest {message_id}: queued\nGetResponse:\n{answer}"
            ));
        }
        if started.elapsed() >= args.wait {
            bail!(
                "SendRequest {message_id} was queued, but no answer came within {} s (GetResponse later)",
                args.wait.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_of_each_version_decode() {
        let limits = smev_envelope::Limits::default();
        for v in SmevVersion::ALL {
            let id = smev_envelope::new_message_id();
            let sent = send_request(v, &id, "<X xmlns=\"urn:x\"><A>1</A></X>");
            let decoded = smev_envelope::decode_request(v, sent.as_bytes(), &limits)
                .unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(decoded.operation(), smev_envelope::Operation::SendRequest);
            for other in [get_response(v, "{urn:x}X"), ack(v, &id)] {
                smev_envelope::decode_request(v, other.as_bytes(), &limits)
                    .unwrap_or_else(|e| panic!("{v}: {e}: {other}"));
            }
        }
        assert_eq!(
            text_of("<a:R><a:MessageID> x </a:MessageID></a:R>", "MessageID").as_deref(),
            Some("x")
        );
    }
}
