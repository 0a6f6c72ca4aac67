//! One JSON request to a registry, and the classification of what can go wrong with it.

use gateway_adapter_abi::AdapterError;
use ureq::Agent;

use crate::credential::Credential;
use crate::endpoint::Endpoint;

/// A blocking JSON client for one registry: the timeout covers connect, TLS handshake, send, wait and read;
/// redirects are not followed; answers larger than the limit are refused; the endpoint's credential header
/// goes with every request.
pub struct JsonClient {
    agent: Agent,
    registry: &'static str,
    max_answer: u64,
    credential: Option<Credential>,
    tls: bool,
}

impl JsonClient {
    /// A client for `registry` (named in messages, e.g. "the MoD showcase") at `endpoint`: its timeout, its
    /// TLS settings and its credential.
    pub fn new(registry: &'static str, endpoint: &Endpoint, max_answer: u64) -> JsonClient {
        let mut config = Agent::config_builder()
            .timeout_global(Some(endpoint.timeout()))
            .http_status_as_error(false)
            .max_redirects(0);
        if let Some(tls) = endpoint.tls() {
            config = config.tls_config(tls.clone()).https_only(true);
        }
        JsonClient {
            agent: config.build().into(),
            registry,
            max_answer,
            credential: endpoint.credential().cloned(),
            tls: endpoint.is_tls(),
        }
    }

    /// `POST url` with `body`; the body of a `200` answer, or the classified failure.
    pub fn post(&self, url: &str, body: &serde_json::Value) -> Result<Vec<u8>, AdapterError> {
        let failed = |e| {
            let cut = self.tls && is_cut(&e);
            let mut error = transport_error(self.registry, e);
            if cut {
                error.message.push_str(
                    "; over TLS 1.3 this is also how a registry refuses the client certificate \
                     (check the adapter's client_cert)",
                );
            }
            error
        };
        let mut request = self.agent.post(url).header("Accept", "application/json");
        if let Some(credential) = &self.credential {
            request = request.header(credential.name().clone(), credential.value().clone());
        }
        let mut response = request.send_json(body).map_err(failed)?;
        if let Some(error) = status_error(self.registry, response.status().as_u16()) {
            return Err(error);
        }
        response
            .body_mut()
            .with_config()
            .limit(self.max_answer)
            .read_to_vec()
            .map_err(failed)
    }
}

/// Whether the connection was cut (reset, aborted, closed early). Under TLS 1.3 a server that refuses the
/// client certificate does so after the client's side of the handshake, so the client sees a cut connection
/// rather than a handshake error.
fn is_cut(error: &ureq::Error) -> bool {
    use std::io::ErrorKind as Io;
    matches!(error, ureq::Error::Io(e) if matches!(
        e.kind(),
        Io::ConnectionReset | Io::ConnectionAborted | Io::UnexpectedEof | Io::BrokenPipe
    ))
}

/// Whether TLS itself failed: in the handshake, or by an alert after it (TLS 1.3: the client certificate
/// refused), which comes as an I/O error carrying OpenSSL's.
fn is_tls_failure(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Tls(_)
        | ureq::Error::NativeTls(_)
        | ureq::Error::Der(_)
        | ureq::Error::Pem(_) => true,
        ureq::Error::Io(e) => e
            .get_ref()
            .is_some_and(|inner| inner.is::<openssl::ssl::Error>()),
        _ => false,
    }
}

/// `None` for `200`; `unavailable` for 408, 429 and 5xx (worth a retry); `failed` otherwise: 401 and 403
/// (the credential or the client certificate was refused) and the rest (a wrong URL or a registry that
/// changed its API).
pub fn status_error(registry: &str, status: u16) -> Option<AdapterError> {
    match status {
        200 => None,
        408 | 429 | 500..=599 => Some(AdapterError::unavailable(format!(
            "{registry} answered HTTP {status}"
        ))),
        401 | 403 => Some(AdapterError::failed(format!(
            "{registry} answered HTTP {status}: access refused; check the adapter's auth_header and its \
             value, and client_cert"
        ))),
        _ => Some(AdapterError::failed(format!(
            "{registry} answered HTTP {status}; check the adapter's base_url"
        ))),
    }
}

/// Classifies a transport error: slowness is `timeout`; an answer over the limit, a request that cannot be
/// built and a failed TLS handshake (an untrusted or wrong server certificate, a refused client certificate:
/// retrying cannot help) are `failed`; the rest (refused, unknown host, broken connection) is `unavailable`.
pub fn transport_error(registry: &str, error: ureq::Error) -> AdapterError {
    use std::io::ErrorKind as Io;
    match error {
        ureq::Error::Timeout(which) => {
            AdapterError::timeout(format!("{registry} did not answer in time ({which})"))
        }
        ureq::Error::Io(e) if matches!(e.kind(), Io::TimedOut | Io::WouldBlock) => {
            AdapterError::timeout(format!("{registry} did not answer in time ({e})"))
        }
        ureq::Error::BodyExceedsLimit(limit) => {
            AdapterError::failed(format!("{registry}'s answer exceeds {limit} bytes"))
        }
        ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::RequireHttpsOnly(_) => {
            AdapterError::failed(format!("cannot build the request to {registry}: {error}"))
        }
        error if is_tls_failure(&error) => AdapterError::failed(format!(
            "TLS with {registry} failed: {error}; check the adapter's ca_file, client_cert and client_key"
        )),
        other => AdapterError::unavailable(format!("{registry} is unreachable: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn statuses_are_classified() {
        assert!(status_error("r", 200).is_none());
        for status in [500, 502, 503, 504, 429, 408] {
            assert_eq!(
                status_error("r", status).map(|e| e.kind),
                Some(ErrorKind::Unavailable),
                "{status}"
            );
        }
        for status in [201, 301, 400, 401, 403, 404] {
            assert_eq!(
                status_error("r", status).map(|e| e.kind),
                Some(ErrorKind::Failed),
                "{status}"
            );
        }
        let refused = status_error("r", 401).expect("an error").message;
        assert!(refused.contains("auth_header"), "{refused}");
    }

    #[test]
    fn transport_errors_are_classified() {
        let kind = |e| transport_error("r", e).kind;
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(kind(ureq::Error::Io(refused)), ErrorKind::Unavailable);
        assert_eq!(kind(ureq::Error::ConnectionFailed), ErrorKind::Unavailable);
        assert_eq!(kind(ureq::Error::HostNotFound), ErrorKind::Unavailable);
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Global)),
            ErrorKind::Timeout
        );
        let slow = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        assert_eq!(kind(ureq::Error::Io(slow)), ErrorKind::Timeout);
        assert_eq!(kind(ureq::Error::BodyExceedsLimit(10)), ErrorKind::Failed);
        let tls = transport_error("r", ureq::Error::Tls("handshake"));
        assert_eq!(tls.kind, ErrorKind::Failed);
        assert!(tls.message.contains("ca_file"), "{}", tls.message);
    }

    /// A client of the registry at `url` (plain HTTP), with `extra` config keys.
    fn client_of(url: &str, max_answer: u64, extra: serde_json::Value) -> JsonClient {
        let mut config = serde_json::json!({"base_url": url, "timeout_ms": 5000});
        for (key, value) in extra.as_object().expect("an object") {
            config[key] = value.clone();
        }
        let endpoint = Endpoint::from_json("test", config, 800).expect("valid endpoint");
        JsonClient::new("the registry", &endpoint, max_answer)
    }

    /// A server on loopback that answers one request with `answer`, returning what it received.
    fn serve_once(answer: &'static [u8]) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/r/v1/op", listener.local_addr().expect("addr"));
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut received = Vec::new();
            let mut buf = [0u8; 4096];
            while !received.windows(4).any(|w| w == b"\r\n\r\n") || !received.ends_with(b"}") {
                let n = conn.read(&mut buf).expect("read");
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
            conn.write_all(answer).expect("write");
            received
        });
        (url, server)
    }

    #[test]
    fn posts_json_and_returns_the_body_of_a_200() {
        let (url, server) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"found\": true}",
        );
        let client = client_of(&url, 1024, serde_json::json!({}));
        let body = client
            .post(&url, &serde_json::json!({"snils": "x"}))
            .expect("answer");
        assert_eq!(body, b"{\"found\": true}");
        let request = String::from_utf8(server.join().expect("server")).expect("text");
        assert!(
            request.starts_with("POST /r/v1/op HTTP/1.1\r\n"),
            "{request}"
        );
        let (_, sent) = request.split_once("\r\n\r\n").expect("a body");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(sent).expect("JSON"),
            serde_json::json!({"snils": "x"})
        );
    }

    #[test]
    fn an_error_status_and_an_oversized_answer_are_refused() {
        let (url, _server) = serve_once(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        let client = client_of(&url, 1024, serde_json::json!({}));
        let err = client.post(&url, &serde_json::json!({})).expect_err("503");
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert_eq!(err.message, "the registry answered HTTP 503");

        let (url, _server) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{\"a\": \"0123456789\"}",
        );
        let small = client_of(&url, 8, serde_json::json!({}));
        let err = small
            .post(&url, &serde_json::json!({}))
            .expect_err("too big");
        assert_eq!(err.kind, ErrorKind::Failed);
    }

    #[test]
    fn the_credential_header_goes_with_the_request() {
        let (url, server) =
            serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        let client = client_of(
            &url,
            1024,
            serde_json::json!({
                "auth_header": "X-Api-Key",
                "auth_value": "k-123",
                "allow_plain_credentials": true,
            }),
        );
        client.post(&url, &serde_json::json!({})).expect("answer");
        let request = String::from_utf8(server.join().expect("server")).expect("text");
        let (head, _) = request.split_once("\r\n\r\n").expect("a head");
        assert!(
            head.lines()
                .any(|line| line.eq_ignore_ascii_case("x-api-key: k-123")),
            "{head}"
        );
    }
}
