//! SMS gateway adapter: a text to a Russian mobile number (the regional admission system's registration code,
//! seed 003). It speaks the simulator's protocol (`adapters/sim`, service `sms`; `GET /__sms` lists what was
//! sent), not a real operator's.
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}` ([`gateway_adapter_http`]).
//!
//! **Operation `send`:** input `{"phone": "+7 999 123-45-67", "text": "..."}`: the phone written any usual way
//! (`+7…`, `8…`, spaces, dashes, brackets) must be a Russian mobile number, sent as `+79XXXXXXXXX`; the text 1 to
//! 700 characters. Output `{"id": "..."}`. Errors never quote the phone or the text.

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient, where_wrong};
use serde::Deserialize;
use serde_json::json;

/// Budget of one call unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;

/// The adapter.
pub struct Sms {
    url: String,
    client: JsonClient,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendInput {
    phone: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct Answer {
    id: String,
}

/// A Russian mobile number as `+79XXXXXXXXX`, from any usual spelling; `None` if it is not one.
pub fn normalize_mobile(phone: &str) -> Option<String> {
    if !phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c))
    {
        return None;
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
        10 => &digits[..],
        _ => return None,
    };
    national.starts_with('9').then(|| format!("+7{national}"))
}

impl Adapter for Sms {
    const NAME: &'static str = "sms";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(Sms {
            url: endpoint.url("sms/v1/send"),
            client: JsonClient::new("the SMS gateway", &endpoint, 16 * 1024),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        if operation != "send" {
            return Err(AdapterError::invalid(format!(
                "sms adapter has no operation `{operation}`"
            )));
        }
        let SendInput { phone, text } = serde_json::from_slice(input).map_err(|e| {
            AdapterError::invalid(format!(
                "send input must be {{\"phone\", \"text\"}} ({})",
                where_wrong(&e)
            ))
        })?;
        let phone = normalize_mobile(&phone)
            .ok_or_else(|| AdapterError::invalid("phone: not a Russian mobile number"))?;
        if text.is_empty() || text.chars().count() > 700 {
            return Err(AdapterError::invalid("text: 1 to 700 characters"));
        }
        let body = self
            .client
            .post(&self.url, &json!({ "phone": phone, "text": text }))?;
        let Answer { id } = serde_json::from_slice(&body).map_err(|e| {
            AdapterError::failed(format!(
                "the SMS gateway sent a malformed answer ({})",
                where_wrong(&e)
            ))
        })?;
        Ok(json!({ "id": id }).to_string().into_bytes())
    }
}

gateway_adapter_abi::export_adapter!(Sms);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    #[test]
    fn mobile_numbers_in_their_usual_spellings() {
        for phone in [
            "+7 999 123-45-67",
            "89991234567",
            "8 (999) 123 45 67",
            "9991234567",
        ] {
            assert_eq!(
                normalize_mobile(phone).as_deref(),
                Some("+79991234567"),
                "{phone}"
            );
        }
        for phone in [
            "+7 495 123-45-67",
            "12345",
            "+7 999 123-45-6x",
            "+1 999 123 4567",
        ] {
            assert_eq!(normalize_mobile(phone), None, "{phone}");
        }
        let sms = Sms::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        let err = sms
            .call("send", br#"{"phone": "+74951234567", "text": "x"}"#)
            .expect_err("landline");
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert!(!err.message.contains("495"), "{}", err.message);
    }
}
