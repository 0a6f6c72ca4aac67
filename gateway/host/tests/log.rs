//! Plugin log lines reach `tracing` under target `plugin` with the plugin's name, identifiers masked.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{DEADLINE, host_with_plugins, json_request};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn plugin_logs_are_tagged_and_masked() {
    let (host, _) = host_with_plugins().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_target(true)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // The test runtime is single-threaded: the plugin's host calls run on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);
    let request = json_request(json!({"action": "echo", "text": "snils 112-233-445 95"}));
    host.invoke("test-doc", request, DEADLINE)
        .await
        .expect("echo answers");
    let output = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    let line = output
        .lines()
        .find(|line| line.contains("echo of"))
        .expect("the plugin's line is logged");
    assert!(line.contains("INFO"), "{line}");
    assert!(line.contains("plugin:"), "target `plugin`: {line}");
    assert!(
        line.contains("plugin=\"test-doc\"") || line.contains("plugin=test-doc"),
        "{line}"
    );
    assert!(
        line.contains("***-***-*** 95"),
        "the СНИЛС is masked: {line}"
    );
    assert!(!line.contains("112-233-445"), "{line}");
}
