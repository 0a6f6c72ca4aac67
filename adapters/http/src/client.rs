//! One JSON request to a registry, and the classification of what can go wrong with it.

use std::time::Duration;

use gateway_adapter_abi::AdapterError;
use ureq::Agent;

/// A blocking JSON client for one registry: the timeout covers connect, send, wait and read; redirects are
/// not followed; answers larger than the limit are refused.
pub struct JsonClient {
    agent: Agent,
    registry: &'static str,
    max_answer: u64,
}

impl JsonClient {
    /// A client for `registry` (named in messages, e.g. "the MoD showcase").
    pub fn new(registry: &'static str, timeout: Duration, max_answer: u64) -> JsonClient {
        let agent = Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        JsonClient {
            agent,
            registry,
            max_answer,
        }
    }

    /// `POST url` with `body`; the body of a `200` answer, or the classified failure.
    pub fn post(&self, url: &str, body: &serde_json::Value) -> Result<Vec<u8>, AdapterError> {
        let failed = |e| transport_error(self.registry, e);
        let mut response = self
            .agent
            .post(url)
            .header("Accept", "application/json")
            .send_json(body)
            .map_err(failed)?;
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

/// `None` for `200`; `unavailable` for 408, 429 and 5xx (worth a retry); `failed` otherwise (a wrong URL or
/// a registry that changed its API).
pub fn status_error(registry: &str, status: u16) -> Option<AdapterError> {
    match status {
        200 => None,
        408 | 429 | 500..=599 => Some(AdapterError::unavailable(format!(
            "{registry} answered HTTP {status}"
        ))),
        _ => Some(AdapterError::failed(format!(
            "{registry} answered HTTP {status}; check the adapter's base_url"
        ))),
    }
}

/// Classifies a transport error: slowness is `timeout`, an answer over the limit or a request that cannot be
/// built is `failed`, and the rest (refused, unknown host, broken connection) is `unavailable`.
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
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
            AdapterError::failed(format!("cannot build the request to {registry}: {error}"))
        }
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
        for status in [201, 301, 400, 404] {
            assert_eq!(
                status_error("r", status).map(|e| e.kind),
                Some(ErrorKind::Failed),
                "{status}"
            );
        }
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
        let client = JsonClient::new("the registry", Duration::from_secs(5), 1024);
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
        let client = JsonClient::new("the registry", Duration::from_secs(5), 1024);
        let err = client.post(&url, &serde_json::json!({})).expect_err("503");
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert_eq!(err.message, "the registry answered HTTP 503");

        let (url, _server) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{\"a\": \"0123456789\"}",
        );
        let small = JsonClient::new("the registry", Duration::from_secs(5), 8);
        let err = small
            .post(&url, &serde_json::json!({}))
            .expect_err("too big");
        assert_eq!(err.kind, ErrorKind::Failed);
    }
}
