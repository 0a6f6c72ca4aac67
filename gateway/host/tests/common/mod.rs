//! Shared helpers of the host's integration tests: a host with fake services, request builders, payload
//! readers.

#![allow(dead_code)] // Each test file uses a different subset.

pub mod fake;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gateway_host::testing::{TEST_DOC, TEST_PAGE, TEST_POLICY, plugin_path};
use gateway_host::{
    Description, HostConfig, LoadError, NoServices, Outcome, PageRequest, PageResponse,
    PayloadFormat, PluginHost, PluginSpec, QName, Request,
};
use serde_json::Value;

pub use fake::FakeServices;

/// The test namespace.
pub const NS: &str = "urn://gateway/test/1.0";
/// A deadline generous enough for every well-behaved action in a debug build.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// A host config with `max_instances` slots and the tests' shared compilation cache (so that each test does
/// not compile the components again).
pub fn test_config(max_instances: u32) -> HostConfig {
    HostConfig {
        max_instances,
        cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache")),
        ..HostConfig::default()
    }
}

/// A small host (16 instance slots) with fake services, `test-doc` and `test-policy` loaded.
pub async fn host_with_plugins() -> (Arc<PluginHost>, Arc<FakeServices>) {
    host_with(test_config(16), r#"{"greeting": "hello"}"#).await
}

/// A host for `config` with fake services, `test-doc` (with `config_json`) and `test-policy` loaded.
pub async fn host_with(
    config: HostConfig,
    config_json: &str,
) -> (Arc<PluginHost>, Arc<FakeServices>) {
    let services = Arc::new(FakeServices::default());
    let host = PluginHost::new(&config, services.clone()).expect("host");
    host.load(PluginSpec::new("test-doc", plugin_path(TEST_DOC)).with_config_json(config_json))
        .await
        .expect("test-doc loads");
    host.load(PluginSpec::new("test-policy", plugin_path(TEST_POLICY)))
        .await
        .expect("test-policy loads");
    (Arc::new(host), services)
}

/// A small host (16 instance slots) with fake services, `test-doc` and `test-page` loaded.
pub async fn host_with_pages() -> (Arc<PluginHost>, Arc<FakeServices>) {
    let services = Arc::new(FakeServices::default());
    let host = PluginHost::new(&test_config(16), services.clone()).expect("host");
    host.load(PluginSpec::new("test-doc", plugin_path(TEST_DOC)))
        .await
        .expect("test-doc loads");
    host.load(PluginSpec::new("test-page", plugin_path(TEST_PAGE)))
        .await
        .expect("test-page loads");
    (Arc::new(host), services)
}

/// A GET of `path` (with `query` pairs) below the prefix `/test/`.
pub fn page_get(path: &str, query: &[(&str, &str)]) -> PageRequest {
    PageRequest::get("/test/", path).with_query(pairs(query))
}

/// Owned pairs.
pub fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// The body of test-page's `echo` page, parsed. Panics on anything but a 200 echo.
pub fn echoed(page: &PageResponse) -> Value {
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(page.header("x-test-page"), Some("echo"), "{page:?}");
    serde_json::from_str(&page.body).expect("the echo is JSON")
}

/// A `TestRequest` in JSON with the given fields (camelCase keys).
pub fn json_request(fields: Value) -> Request {
    let payload = serde_json::to_vec(&fields).expect("json");
    Request::new(
        "msg-1",
        "TEST_SENDER",
        QName::new(NS, "TestRequest"),
        PayloadFormat::Json,
        payload,
    )
}

/// A `TestRequest` in XML with the given inner XML, under a prefixed root element.
pub fn xml_request(inner: &str) -> Request {
    let payload = format!(r#"<t:TestRequest xmlns:t="{NS}">{inner}</t:TestRequest>"#);
    Request::new(
        "msg-1",
        "TEST_SENDER",
        QName::new(NS, "TestRequest"),
        PayloadFormat::Xml,
        payload.into_bytes(),
    )
}

/// The payload of a reply outcome, parsed as JSON. Panics on anything but a JSON `TestResponse` reply.
pub fn json_reply(outcome: &Outcome) -> Value {
    let Outcome::Reply(reply) = outcome else {
        panic!("expected a reply, got {outcome:?}")
    };
    assert_eq!(reply.message_type, QName::new(NS, "TestResponse"));
    serde_json::from_slice(&reply.payload).expect("the reply is JSON")
}

/// The payload of a reply outcome as text. Panics on anything but a `TestResponse` reply.
pub fn text_reply(outcome: &Outcome) -> String {
    let Outcome::Reply(reply) = outcome else {
        panic!("expected a reply, got {outcome:?}")
    };
    assert_eq!(reply.message_type, QName::new(NS, "TestResponse"));
    String::from_utf8(reply.payload.clone()).expect("UTF-8")
}

/// Writes a copy of the component `crate_name` with every occurrence of `from` replaced by `to` (same length,
/// so the binary stays well-formed) and returns its path.
pub fn patched_copy(crate_name: &str, from: &str, to: &str) -> PathBuf {
    assert_eq!(from.len(), to.len());
    let mut patched = std::fs::read(plugin_path(crate_name)).expect("the component is built");
    let mut replaced = 0;
    let mut at = 0;
    while let Some(offset) = patched[at..]
        .windows(from.len())
        .position(|window| window == from.as_bytes())
    {
        let start = at + offset;
        patched[start..start + from.len()].copy_from_slice(to.as_bytes());
        replaced += 1;
        at = start + from.len();
    }
    assert!(replaced > 0, "{from} occurs in {crate_name}");
    let path = std::env::temp_dir().join(format!(
        "gateway-host-{}-{crate_name}-{}.wasm",
        std::process::id(),
        to.replace(['/', ':', '@'], "_")
    ));
    std::fs::write(&path, patched).expect("write");
    path
}

/// Loads [`patched_copy`] as `patched` into a small host without services.
pub async fn load_patched_copy(
    crate_name: &str,
    from: &str,
    to: &str,
) -> Result<Description, LoadError> {
    let path = patched_copy(crate_name, from, to);
    let host = PluginHost::new(&test_config(4), Arc::new(NoServices)).expect("host");
    host.load(PluginSpec::new("patched", &path)).await
}
