//! Plugins keep to their own data (issue 9): a token scope belongs to the plugin that writes it. The test
//! plugin tries to read the SVO plugin's QR tokens (personal data) and to write the МЧД plugin's registry
//! cache (which would let an unregistered power of attorney pass); both are refused unless the config grants
//! a read, and a grant never allows a write.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gateway_e2e::goscan::facts;
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::{Sim, TestDb, TestGateway, test_request_type};
use serde_json::{Value, json};

use super::*;

/// The test plugin's answer to `payload`.
async fn test_doc(url: &str, payload: Value) -> Value {
    answer(url, &test_request_type(), payload).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_reads_another_plugins_scope_only_where_granted_and_never_writes_it() {
    for backend in gateway_e2e::BACKENDS {
        isolation_on(backend).await;
    }
}

async fn isolation_on(backend: gateway_e2e::Backend) {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(backend).await;
    let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
    let url = gw.url("/api/v1/messages");
    let guid = qr(&url).await;

    // Reading the SVO plugin's QR token: not granted.
    let got = test_doc(
        &url,
        json!({"action": "token-get", "scope": "svo-status/svo-qr", "tokenId": guid}),
    )
    .await;
    assert_eq!(got["errorKind"], "invalid", "{got}");
    assert!(
        got["output"]
            .as_str()
            .is_some_and(|m| m.contains("read_scopes")),
        "{got}"
    );
    // The same short name is the test plugin's own scope, where no such token is.
    let got = test_doc(
        &url,
        json!({"action": "token-get", "scope": "svo-qr", "tokenId": guid}),
    )
    .await;
    assert_eq!(got["tokenState"], "unknown", "{got}");

    // Writing the МЧД plugin's cache: refused, whatever the name.
    let org = kit.organisation("ООО «Незарегистрированная»");
    let employee = Person::new("Сканова", "Изоляция", "Тестовна");
    let mchd = Mchd::direct(&org, &employee);
    let signed = kit.confirmed(&mchd);
    let number = mchd.number.to_ascii_lowercase();
    let forged_document = json!({
        "found": true,
        "xml": STANDARD.encode(&signed.xml),
        "signature": STANDARD.encode(&signed.signature),
    })
    .to_string();
    for (scope, data) in [
        ("mchd/mchd-registry-status", "\"ACTIVE\"".to_owned()),
        ("mchd/mchd-registry-document", forged_document.clone()),
    ] {
        let got = test_doc(
            &url,
            json!({"action": "token-issue", "scope": scope, "subject": number, "text": data, "ttlMs": 60_000}),
        )
        .await;
        assert_eq!(got["errorKind"], "invalid", "{scope}: {got}");
        assert!(
            got["output"]
                .as_str()
                .is_some_and(|m| m.contains("only its own")),
            "{got}"
        );
    }
    // Under the МЧД plugin's short names the test plugin writes only into its own scopes ...
    for (scope, data) in [
        ("mchd-registry-status", "\"ACTIVE\"".to_owned()),
        ("mchd-registry-document", forged_document),
    ] {
        let got = test_doc(
            &url,
            json!({"action": "token-issue", "scope": scope, "subject": number, "text": data, "ttlMs": 60_000}),
        )
        .await;
        assert!(got["token"]["id"].is_string(), "{scope}: {got}");
    }
    // ... which the МЧД plugin never reads: the unregistered power of attorney is still unknown.
    let got = scan(&url, &guid, by_number(&org.ogrn, &employee, &mchd.number)).await;
    assert_refused(
        &got,
        "MCHD_NOT_REGISTERED",
        "a cache written by another plugin",
    );
    assert!(facts(&db).await.is_empty());
    gw.stop().await;

    // Granted: the test plugin reads the QR token, and still cannot write the scope.
    let mut granted = config(&db, &sim, &kit, "5m");
    granted.test_doc = "read_scopes = [\"svo-status/svo-qr\"]".into();
    let gw = TestGateway::start(&granted).await;
    let url = gw.url("/api/v1/messages");
    let guid = qr(&url).await;
    let got = test_doc(
        &url,
        json!({"action": "token-get", "scope": "svo-status/svo-qr", "tokenId": guid}),
    )
    .await;
    assert_eq!(got["tokenState"], "live", "{got}");
    assert_eq!(got["token"]["id"], guid.as_str());
    let got = test_doc(
        &url,
        json!({"action": "token-issue", "scope": "svo-status/svo-qr", "subject": "x", "text": "x", "ttlMs": 60_000}),
    )
    .await;
    assert_eq!(got["errorKind"], "invalid", "{got}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_must_name_a_plugin_of_the_config() {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(gateway_e2e::Backend::Sqlite).await;
    let mut bad = config(&db, &sim, &kit, "5m");
    bad.test_doc = "read_scopes = [\"nobody/svo-qr\", \"svo-qr\"]".into();
    let text = bad.render();
    let Err(err) = gateway::config::Config::from_toml(
        &text,
        std::path::Path::new("test.toml"),
        gateway_e2e::artifacts::repo_root(),
        std::iter::empty(),
    ) else {
        panic!("a config with bad grants was accepted");
    };
    let message = err.to_string();
    assert!(message.contains("no plugin `nobody`"), "{message}");
    assert!(message.contains("must be `<plugin>/<scope>`"), "{message}");
}
