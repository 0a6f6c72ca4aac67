//! `test-policy`: a policy step for the gateway's test suite.
//!
//! Accepts `{urn://gateway/test/1.0}TestRequest`. If the request's `Policy` is `deny` it refuses with code
//! `TEST_DENIED`; otherwise it lets the envelope go on with the annotation `test.policy = passed`.
//!
//! # Layout
//!
//! - this file: the request fields it reads and the plugin.

use gateway_plugin_sdk::prelude::*;
use serde::Deserialize;

/// The namespace of the test messages.
const NS: &str = "urn://gateway/test/1.0";

/// The part of `TestRequest` this step reads; other fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyView {
    policy: Option<String>,
}

struct TestPolicy;

impl Plugin for TestPolicy {
    fn describe() -> Description {
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "TestRequest"))
            .policy()
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let view: PolicyView = req.decode()?;
        Ok(match view.policy.as_deref() {
            Some("deny") => Outcome::deny(
                env!("CARGO_PKG_NAME"),
                "TEST_DENIED",
                "denied by the test policy",
            ),
            _ => Outcome::proceed([("test.policy", "passed")]),
        })
    }
}

gateway_plugin_sdk::export_plugin!(TestPolicy);
