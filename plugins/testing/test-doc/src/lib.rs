//! `test-doc`: a document plugin for the gateway's test suite.
//!
//! Accepts `{urn://gateway/test/1.0}TestRequest` and answers `{urn://gateway/test/1.0}TestResponse`. The
//! request's `Action` selects a behaviour (see [`Action`]): ordinary answers, every host capability, and the
//! misbehaviours the host must survive (an endless loop, endless allocation, a panic).
//!
//! # Layout
//!
//! - this file: the types of the two messages and the plugin.

use std::time::Duration;

use gateway_plugin_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The namespace of the test messages.
const NS: &str = "urn://gateway/test/1.0";

/// What the request asks the plugin to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Action {
    /// Log `Text` (info), answer with it, the annotations and the denial received, the sender and the message id.
    Echo,
    /// Spin forever.
    Loop,
    /// Allocate memory without end, touching every page.
    Alloc,
    /// Panic with a message containing `Text`.
    Panic,
    /// Answer `RequestRejected` NO_DATA.
    Reject,
    /// Answer a retryable `RequestStatus`.
    Status,
    /// Fail with a plugin error (the `err` of `handle`).
    Fail,
    /// Call `Adapter`.`Operation` with `Input`; answer its output or its error kind.
    Adapter,
    /// Record a fact for `Organisation`, then answer like `echo`.
    Fact,
    /// Issue a token in `Scope` for `Subject` holding `Text` for `TtlMs`.
    TokenIssue,
    /// Look up the token `TokenId` in `Scope`.
    TokenGet,
    /// Find the live token of `Subject` in `Scope`.
    TokenFind,
    /// Answer PNG and SVG QR codes of `Text`.
    Qr,
    /// Answer the plugin's config JSON.
    Config,
    /// Verify the detached signature `Signature` over `Text`.
    Verify,
    /// Validate `Text` against the schema of `Namespace`.
    Validate,
    /// Answer a host UUID and the host clock.
    Ids,
    /// Try to read the file `Text` and to write a file beside it: `ErrorKind` `refused` when both fail.
    TryFile,
    /// Try to open a TCP connection to `Text` (`host:port`): `ErrorKind` `refused` when it fails.
    TrySocket,
    /// Try to read environment variables: `ErrorKind` `refused` when there are none to read.
    TryEnv,
    /// Answer the attachments and references received, one line each; with `Text`, attach files to the reply.
    Attachments,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TestRequest {
    action: Action,
    text: Option<String>,
    adapter: Option<String>,
    operation: Option<String>,
    input: Option<String>,
    organisation: Option<String>,
    scope: Option<String>,
    subject: Option<String>,
    token_id: Option<String>,
    ttl_ms: Option<u64>,
    signature: Option<String>,
    namespace: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct TestResponse {
    action: Option<Action>,
    text: Option<String>,
    sender: Option<String>,
    message_id: Option<String>,
    annotation: Vec<NoteOut>,
    denial: Option<DenialOut>,
    output: Option<String>,
    error_kind: Option<String>,
    token: Option<TokenOut>,
    token_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", with = "optional_base64")]
    png: Option<Vec<u8>>,
    svg: Option<String>,
    uuid: Option<String>,
    now_ms: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct NoteOut {
    key: String,
    value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DenialOut {
    step: String,
    code: String,
    message: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct TokenOut {
    id: String,
    data: String,
    issued_at: u64,
    expires_at: u64,
}

impl From<host::tokens::Token> for TokenOut {
    fn from(token: host::tokens::Token) -> Self {
        Self {
            id: token.id,
            data: String::from_utf8_lossy(&token.data).into_owned(),
            issued_at: token.issued_at,
            expires_at: token.expires_at,
        }
    }
}

mod optional_base64 {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => gateway_plugin_sdk::serde_helpers::base64::serialize(bytes, serializer),
            None => serializer.serialize_none(),
        }
    }
}

struct TestDoc;

impl Plugin for TestDoc {
    fn describe() -> Description {
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "TestRequest"))
            .produces(QName::new(NS, "TestResponse"))
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let input: TestRequest = req.decode()?;
        let text = input.text.clone().unwrap_or_default();
        let mut answer = TestResponse {
            action: Some(input.action),
            ..TestResponse::default()
        };
        match input.action {
            Action::Echo => echo(&req, &mut answer, text),
            Action::Loop => spin(),
            Action::Alloc => allocate_forever(),
            Action::Panic => panic!("test-doc panic: {text}"),
            Action::Reject => {
                return Ok(Outcome::rejected(
                    RejectCode::NoData,
                    format!("no data for {text:?}"),
                ));
            }
            Action::Status => {
                return Ok(Outcome::status(
                    503,
                    "the test registry is unavailable",
                    Some(1_500),
                ));
            }
            Action::Fail => return Err(PluginError::new(format!("test-doc failure: {text}"))),
            Action::Adapter => {
                let adapter = required(&input.adapter, "Adapter")?;
                let operation = required(&input.operation, "Operation")?;
                let payload = input.input.clone().unwrap_or_default();
                match host::registry::call(adapter, operation, payload.as_bytes()) {
                    Ok(output) => {
                        answer.output = Some(String::from_utf8_lossy(&output).into_owned())
                    }
                    Err(error) => host_error(&mut answer, error),
                }
            }
            Action::Fact => {
                let organisation = required(&input.organisation, "Organisation")?;
                let fact =
                    host::facts::Fact::new("test", organisation, "test-doc", host::ids::now_ms())
                        .attribute("text", text.clone());
                host::facts::record(&fact);
                echo(&req, &mut answer, text);
            }
            Action::TokenIssue => {
                let ttl = Duration::from_millis(input.ttl_ms.unwrap_or(300_000));
                match host::tokens::issue(
                    required(&input.scope, "Scope")?,
                    required(&input.subject, "Subject")?,
                    text.as_bytes(),
                    ttl,
                ) {
                    Ok(token) => answer.token = Some(token.into()),
                    Err(error) => host_error(&mut answer, error),
                }
            }
            Action::TokenGet => {
                let lookup = match host::tokens::get(
                    required(&input.scope, "Scope")?,
                    required(&input.token_id, "TokenId")?,
                ) {
                    Ok(lookup) => lookup,
                    Err(error) => {
                        host_error(&mut answer, error);
                        return Ok(req.reply(QName::new(NS, "TestResponse"), &answer)?);
                    }
                };
                match lookup {
                    host::tokens::Lookup::Live(token) => {
                        answer.token_state = Some("live".into());
                        answer.token = Some(token.into());
                    }
                    host::tokens::Lookup::Expired(at) => {
                        answer.token_state = Some("expired".into());
                        answer.output = Some(at.to_string());
                    }
                    host::tokens::Lookup::Unknown => answer.token_state = Some("unknown".into()),
                }
            }
            Action::TokenFind => match host::tokens::find_by_subject(
                required(&input.scope, "Scope")?,
                required(&input.subject, "Subject")?,
            ) {
                Ok(found) => {
                    answer.token_state =
                        Some(if found.is_some() { "live" } else { "unknown" }.into());
                    answer.token = found.map(TokenOut::from);
                }
                Err(error) => host_error(&mut answer, error),
            },
            Action::Qr => {
                answer.png = Some(host::qr::png(&text, 0)?);
                answer.svg = Some(host::qr::svg(&text)?);
            }
            Action::Config => answer.output = Some(host::config_json()),
            Action::Verify => {
                let signature = input.signature.clone().unwrap_or_default();
                match host::crypto::verify_detached(text.as_bytes(), signature.as_bytes())? {
                    Ok(signer) => answer.output = Some(signer.subject),
                    Err(error) if error.is_revoked() => {
                        answer.error_kind = Some("revoked".into());
                        answer.output = Some(error.to_string());
                    }
                    Err(host::crypto::VerifyError::BadSignature(why)) => {
                        answer.error_kind = Some("bad-signature".into());
                        answer.output = Some(why);
                    }
                    Err(host::crypto::VerifyError::Untrusted(why)) => {
                        answer.error_kind = Some("untrusted".into());
                        answer.output = Some(why);
                    }
                }
            }
            Action::Validate => {
                let namespace = required(&input.namespace, "Namespace")?;
                let verdict = host::xml_schema::validate(namespace, text.as_bytes())?;
                answer.output = Some(verdict.unwrap_or_else(|| "valid".into()));
            }
            Action::Ids => {
                answer.uuid = Some(host::ids::uuid());
                answer.now_ms = Some(host::ids::now_ms());
            }
            Action::Attachments => {
                // Each attachment received, one line each: content id, MIME type, size, the first byte; then
                // each reference (`ref uuid mime hash file-name`). With `Text`, the reply carries the received
                // files back and one more holding the text (contract 1.2.0 `attachments`).
                let mut lines: Vec<String> = req
                    .attachments
                    .iter()
                    .map(|a| {
                        format!(
                            "{} {} {} {}",
                            a.content_id,
                            a.mime_type,
                            a.data.len(),
                            a.data.first().copied().unwrap_or_default()
                        )
                    })
                    .collect();
                for r in host::attachments::references() {
                    lines.push(format!(
                        "ref {} {} {} {}",
                        r.uuid,
                        r.mime_type,
                        r.hash,
                        r.file_name.unwrap_or_default()
                    ));
                }
                answer.output = Some(lines.join("\n"));
                if !text.is_empty() {
                    for a in &req.attachments {
                        host::attachments::attach(
                            format!("back-{}", a.content_id),
                            a.mime_type.clone(),
                            a.data.clone(),
                        )?;
                    }
                    host::attachments::attach("text", "text/plain", text.as_bytes().to_vec())?;
                }
            }
            Action::TryFile => {
                let read = std::fs::read(&text);
                let written = std::fs::write(format!("{text}.written-by-a-plugin"), b"x");
                let listed = std::fs::read_dir("/").map(|entries| entries.count());
                sandbox(
                    &mut answer,
                    match (read, written, listed) {
                        (Err(r), Err(w), Err(l)) => {
                            Err(format!("read: {r}; write: {w}; list: {l}"))
                        }
                        (r, w, l) => Ok(format!(
                            "read: {:?}; write: {:?}; list: {:?}",
                            r.map(|b| b.len()),
                            w,
                            l
                        )),
                    },
                );
            }
            Action::TrySocket => {
                let connected = std::net::TcpStream::connect(text.as_str());
                sandbox(
                    &mut answer,
                    match connected {
                        Err(e) => Err(e.to_string()),
                        Ok(stream) => Ok(format!("connected to {:?}", stream.peer_addr())),
                    },
                );
            }
            Action::TryEnv => {
                // Without WASI there is no environment to list (`std` would panic): the component
                // imports no interface that could hand one over (gateway-host's `imports` test).
                #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
                let vars: Vec<String> = Vec::new();
                #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                let args = std::env::args().count();
                let home = std::env::var("HOME");
                sandbox(
                    &mut answer,
                    if vars.is_empty() && args == 0 && home.is_err() {
                        Err(format!("no variables, no arguments; HOME: {home:?}"))
                    } else {
                        Ok(format!("variables {vars:?}, {args} arguments"))
                    },
                );
            }
        }
        Ok(req.reply(QName::new(NS, "TestResponse"), &answer)?)
    }
}

fn echo(req: &Request, answer: &mut TestResponse, text: String) {
    gateway_plugin_sdk::info!("echo of {text:?}");
    answer.text = Some(text);
    answer.sender = Some(req.sender.clone());
    answer.message_id = Some(req.message_id.clone());
    answer.annotation = req
        .annotations
        .iter()
        .map(|note| NoteOut {
            key: note.key.clone(),
            value: note.value.clone(),
        })
        .collect();
    answer.denial = req.denial.as_ref().map(|denial| DenialOut {
        step: denial.step.clone(),
        code: denial.code.clone(),
        message: denial.message.clone(),
    });
}

/// A host capability's error as `ErrorKind` and `Output`.
fn host_error(answer: &mut TestResponse, error: HostError) {
    let (kind, message) = match error {
        HostError::Unavailable(message) => ("unavailable", message),
        HostError::Invalid(message) => ("invalid", message),
        HostError::Failed(message) => ("failed", message),
    };
    answer.error_kind = Some(kind.into());
    answer.output = Some(message);
}

/// What an attempt to leave the sandbox got: `Err` (refused, why) or `Ok` (what it reached).
fn sandbox(answer: &mut TestResponse, attempt: Result<String, String>) {
    match attempt {
        Err(why) => {
            answer.error_kind = Some("refused".into());
            answer.output = Some(why);
        }
        Ok(reached) => answer.output = Some(reached),
    }
}

fn required<'a>(field: &'a Option<String>, name: &str) -> Result<&'a str, PluginError> {
    field
        .as_deref()
        .ok_or_else(|| PluginError::new(format!("the action needs <{name}>")))
}

/// Never returns; only the host's deadline stops it.
fn spin() -> ! {
    let mut counter = 0_u64;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}

/// Never returns; only the host's memory cap stops it.
fn allocate_forever() -> ! {
    const CHUNK: usize = 1 << 20;
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0_u8; CHUNK];
        for page in chunk.iter_mut().step_by(4096) {
            *page = 1;
        }
        chunks.push(std::hint::black_box(chunk));
    }
}

gateway_plugin_sdk::export_plugin!(TestDoc);
