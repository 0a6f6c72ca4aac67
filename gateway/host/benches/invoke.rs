//! Instantiate + `handle` of a trivial plugin call: test-doc's `echo` action (decode a small JSON request,
//! one `log` host call, encode the answer), in a fresh instance from the pre-linked component each time.
//! `echo_json` and `echo_xml` run the component as the plugins are built (without WASI); `echo_json_wasi` the
//! same code built for `wasm32-wasip2`.
//!
//! `cargo bench -p gateway-host --bench invoke` (builds the plugins first, or set `GATEWAY_PLUGIN_DIR`).

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_host::testing::{TEST_DOC, TEST_DOC_WASI, plugin_path};
use gateway_host::{HostConfig, NoServices, PayloadFormat, PluginHost, PluginSpec, QName, Request};

fn invoke(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let host = PluginHost::new(
        &HostConfig {
            max_instances: 64,
            ..HostConfig::default()
        },
        Arc::new(NoServices),
    )
    .expect("host");
    runtime
        .block_on(host.load(PluginSpec::new("test-doc", plugin_path(TEST_DOC))))
        .expect("test-doc loads");
    runtime
        .block_on(host.load(PluginSpec::new("test-doc-wasi", plugin_path(TEST_DOC_WASI))))
        .expect("test-doc-wasi loads");
    let message_type = QName::new("urn://gateway/test/1.0", "TestRequest");
    let json = Request::new(
        "msg-1",
        "BENCH",
        message_type.clone(),
        PayloadFormat::Json,
        br#"{"action": "echo", "text": "hello"}"#.to_vec(),
    );
    let xml = Request::new(
        "msg-1",
        "BENCH",
        message_type,
        PayloadFormat::Xml,
        br#"<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>echo</t:Action><t:Text>hello</t:Text></t:TestRequest>"#
            .to_vec(),
    );
    let deadline = Duration::from_secs(1);
    let mut group = c.benchmark_group("invoke");
    for (name, plugin, request) in [
        ("echo_json", "test-doc", json.clone()),
        ("echo_xml", "test-doc", xml),
        ("echo_json_wasi", "test-doc-wasi", json),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                host.invoke(plugin, request.clone(), deadline)
                    .await
                    .expect("echo answers")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, invoke);
criterion_main!(benches);
