//! An SMS gateway: it accepts text messages for Russian mobile numbers and keeps what it "sent", so a demo or a
//! test can read the code a visitor would receive (issue 13: the registration page's SMS code).
//!
//! Routes: `POST /sms/v1/send` with `{"phone": "+79991234567", "text": "..."}` → `200 {"id", "accepted": true}`
//! (a phone that is not `+79XXXXXXXXX` → 400); `GET /sms/v1/sent` (also `GET /__sms`, outside faults and
//! counters) → what was sent, newest first: `[{"id", "phone", "text", "sentAtMs"}]`. The last 1000 are kept.
//!
//! No fixture file: the gateway is the only one who writes here.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Reply, ReplyKind, Service};

/// The service name and first path segment.
pub const NAME: &str = "sms";

/// How many messages are kept.
const KEPT: usize = 1000;

/// The longest text accepted (ten SMS parts of Cyrillic text).
const MAX_TEXT_CHARS: usize = 700;

/// The simulated SMS gateway.
#[derive(Debug, Default)]
pub struct Sms {
    sent: Mutex<(u64, VecDeque<Value>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendRequest {
    phone: String,
    text: String,
}

/// Whether `phone` is a Russian mobile number as the gateway sends it: `+79` and nine more digits.
pub fn is_mobile(phone: &str) -> bool {
    phone.len() == 12 && phone.starts_with("+79") && phone[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The service (it has no fixtures).
pub fn load(_fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    Ok(Box::new(Sms::default()))
}

impl Sms {
    fn send(&self, body: &[u8]) -> Reply {
        let Ok(SendRequest { phone, text }) = serde_json::from_slice(body) else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "expected {\"phone\": \"+79...\", \"text\": \"...\"}",
            );
        };
        if !is_mobile(&phone) {
            return Reply::error(StatusCode::BAD_REQUEST, "phone must be +79XXXXXXXXX");
        }
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                format!("text must have 1 to {MAX_TEXT_CHARS} characters"),
            );
        }
        let mut guard = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, sent) = &mut *guard;
        *count += 1;
        let id = format!("sms-{count}");
        if sent.len() == KEPT {
            sent.pop_back();
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        sent.push_front(json!({ "id": id, "phone": phone, "text": text, "sentAtMs": at }));
        Reply::found(json!({ "id": id, "accepted": true }))
    }

    fn sent(&self) -> Reply {
        let guard = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Reply {
            status: StatusCode::OK,
            body: Value::Array(guard.1.iter().cloned().collect()),
            kind: ReplyKind::Other,
        }
    }
}

impl Service for Sms {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        match (rest, method) {
            ("v1/send", &Method::POST) => self.send(body),
            ("v1/sent", &Method::GET) => self.sent(),
            _ => super::unrouted(NAME, rest, &["v1/send", "v1/sent"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kept_newest_first() {
        let sms = Sms::default();
        for (phone, text) in [("+79991234567", "Код 1234"), ("+79990000000", "Код 5678")] {
            let body = json!({"phone": phone, "text": text}).to_string();
            assert_eq!(
                sms.handle(&Method::POST, "v1/send", body.as_bytes()).status,
                StatusCode::OK
            );
        }
        let sent = sms.handle(&Method::GET, "v1/sent", b"").body;
        assert_eq!(sent[0]["text"], "Код 5678");
        assert_eq!(sent[1]["phone"], "+79991234567");
        for bad in [
            json!({"phone": "89991234567", "text": "x"}),
            json!({"phone": "+74951234567", "text": "x"}),
            json!({"phone": "+79991234567", "text": ""}),
        ] {
            let reply = sms.handle(&Method::POST, "v1/send", bad.to_string().as_bytes());
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
