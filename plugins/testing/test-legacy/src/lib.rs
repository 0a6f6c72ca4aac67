//! `test-legacy`: a plugin of contract 1.0.0, for the host's tests that old plugins still load.
//!
//! It is built the way every plugin was built before contract 1.1.0: with `wit_bindgen` directly against
//! `wit/gateway.wit`, a frozen copy of `plugins/wit/gateway.wit` at 1.0.0 (never edit it), so its component
//! imports `smev-gateway:plugin/…@1.0.0` and exports `smev-gateway:plugin/handler@1.0.0`. It does not use the
//! SDK, which follows the current contract.
//!
//! It accepts `{urn://gateway/test-legacy/1.0}LegacyRequest` (JSON) and answers `LegacyResponse`:
//! `{"echo": <the request's payload>, "uuid": <a host UUID>, "token": <the lookup of token "none" in scope
//! "legacy">}`, so that an answer proves both a synchronous and an asynchronous host import linked.

wit_bindgen::generate!({
    path: "wit",
    world: "plugin",
});

use exports::smev_gateway::plugin::handler::Guest;
use smev_gateway::plugin::types::{Description, Outcome, Qname, Reply, Request};
use smev_gateway::plugin::{ids, tokens};

/// The namespace of the legacy messages.
const NS: &str = "urn://gateway/test-legacy/1.0";

fn qname(local_name: &str) -> Qname {
    Qname {
        namespace: NS.into(),
        local_name: local_name.into(),
    }
}

struct TestLegacy;

impl Guest for TestLegacy {
    fn describe() -> Description {
        Description {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            accepts: vec![qname("LegacyRequest")],
            produces: vec![qname("LegacyResponse")],
            policy: false,
        }
    }

    fn handle(request: Request) -> Result<Outcome, String> {
        let echo = String::from_utf8(request.payload).map_err(|error| error.to_string())?;
        let token = match tokens::get("legacy", "none") {
            Ok(tokens::Lookup::Live(_)) => "live".to_owned(),
            Ok(tokens::Lookup::Expired(_)) => "expired".to_owned(),
            Ok(tokens::Lookup::Unknown) => "unknown".to_owned(),
            Err(error) => format!("error: {error:?}"),
        };
        let payload = format!(
            r#"{{"echo":{echo},"uuid":"{}","token":"{token}"}}"#,
            ids::uuid()
        );
        Ok(Outcome::Reply(Reply {
            message_type: qname("LegacyResponse"),
            payload: payload.into_bytes(),
            expires_at: None,
        }))
    }
}

export!(TestLegacy);
