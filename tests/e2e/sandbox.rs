//! A plugin has no ambient authority (issue 9): the test plugin tries files, sockets and environment
//! variables from inside the gateway, and each attempt is refused by the sandbox — built without WASI as the
//! bundled plugins are, and built for `wasm32-wasip2` as a plugin from elsewhere may be.

use gateway_e2e::{Backend, Client, TOKEN_A, TestConfig, TestDb, TestGateway, test_request_type};
use serde_json::{Value, json};

async fn attempt(url: &str, action: &str, text: &str) -> Value {
    let r = Client::new()
        .post_json(
            url,
            &json!({"type": test_request_type(), "payload": {"action": action, "text": text}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 200, "{action}: {}", r.text());
    r.json()["payload"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_sockets_and_environment_are_refused_to_plugins() {
    refused_to("test-doc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_sockets_and_environment_are_refused_to_plugins_built_with_wasi() {
    refused_to("test-doc-wasi").await;
}

async fn refused_to(build: &'static str) {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&TestConfig {
        test_doc_build: build,
        ..TestConfig::new(db.url())
    })
    .await;
    let url = gw.url("/api/v1/messages");
    // A file the gateway process can read, in a directory it can write.
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "не для плагинов").expect("write");
    let got = attempt(&url, "try-file", &secret.display().to_string()).await;
    assert_eq!(got["errorKind"], "refused", "{got}");
    let written = dir.path().join("secret.txt.written-by-a-plugin");
    assert!(!written.exists(), "the plugin wrote {}", written.display());
    // The gateway's own listener is a socket the process can reach.
    let own = gw.url("").trim_start_matches("http://").to_owned();
    let got = attempt(&url, "try-socket", &own).await;
    assert_eq!(got["errorKind"], "refused", "{got}");
    // The gateway process has environment variables (the tests' own among them); the plugin sees none.
    assert!(std::env::vars().next().is_some());
    let got = attempt(&url, "try-env", "").await;
    assert_eq!(got["errorKind"], "refused", "{got}");
    gw.stop().await;
}
