//! Registries over TLS with credentials (issue 9): the gateway's `mod-showcase` adapter reaches the registry
//! simulator serving HTTPS with mutual TLS and asking for an API key, configured only through the adapter's
//! endpoint keys (`ca_file`, `client_cert`, `client_key`, `auth_header`, `auth_value_env`); and `gateway
//! check` refuses unusable TLS and credential settings, naming the key, never the credential.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gateway_e2e::artifacts::{adapter, plugin, repo_root};
use gateway_e2e::pki::{Ca, Usage};
use gateway_e2e::{Backend, Client, TOKEN_A, TestConfig, TestDb, TestGateway};
use registry_sim::{RequiredHeader, SimConfig, SimTls};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const ISSUE: &str = "{urn://gateway/svo-status/1.0}IssueQrRequest";
/// An invented participant of the simulator's fixtures.
const SNILS: &str = "112-233-445 95";
/// The variable the adapter reads its credential from. Cargo and nextest set it for every test process, so
/// the test need not change its own environment; the simulator expects its value.
const CREDENTIAL_VAR: &str = "CARGO_PKG_NAME";
const CREDENTIAL: &str = env!("CARGO_PKG_NAME");

/// The test CA, and the files of the simulator's and the gateway's certificates.
struct Files {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
}

fn make_pki() -> Files {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = Ca::new("E2E Registry CA");
    let (ca_pem, _) = ca.issued.write(dir.path(), "ca");
    let server = ca
        .issue("registry.test", &[], Usage::Server)
        .write(dir.path(), "server");
    let client = ca
        .issue("gateway.test", &[], Usage::Client)
        .write(dir.path(), "client");
    Files {
        _dir: dir,
        ca: ca_pem,
        server,
        client,
    }
}

/// Starts the simulator over mutual TLS, asking for `X-Api-Key: <CREDENTIAL>`; stops when `stop` is cancelled.
async fn start_sim(files: &Files, stop: CancellationToken) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = SimConfig::new(repo_root().join("adapters/sim/fixtures"))
        .with_tls(SimTls {
            cert: files.server.0.clone(),
            key: files.server.1.clone(),
            client_ca: Some(files.ca.clone()),
        })
        .with_required_header(RequiredHeader::new("X-Api-Key", CREDENTIAL).expect("header"));
    tokio::spawn(async move {
        registry_sim::run(config, listener, stop.cancelled_owned())
            .await
            .expect("simulator runs");
    });
    addr
}

/// The SVO plugin, its issue route and the `mod-showcase` adapter with `endpoint` as its config table.
fn svo_with_endpoint(endpoint: &str) -> String {
    format!(
        r#"
[plugins.svo-status]
path = "{plugin}"
adapters = ["mod-showcase"]
[plugins.svo-status.config]
qr_ttl = "5m"
public_base_url = "https://www.gosuslugi.ru"
certificate_form_url = "https://www.gosuslugi.ru/600554/1/form"

[adapters.mod-showcase]
path = "{lib}"
timeout = "1500ms"
retries = 0
breaker_failures = 1000
[adapters.mod-showcase.config]
timeout_ms = 1400
{endpoint}

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}IssueQrRequest"
chain = ["svo-status"]
deadline = "2s"
identifiers = {{ Snils = "snils" }}
"#,
        plugin = plugin("svo-status").display(),
        lib = adapter("mod_showcase_adapter").display(),
    )
}

fn tls_endpoint(addr: SocketAddr, files: &Files, credential: &str) -> String {
    let path = |p: &Path| p.display().to_string();
    format!(
        "base_url = \"https://{addr}\"\nca_file = \"{}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\n\
         auth_header = \"X-Api-Key\"\n{credential}\n",
        path(&files.ca),
        path(&files.client.0),
        path(&files.client.1),
    )
}

async fn issue(gw: &TestGateway) -> gateway_e2e::Reply {
    Client::new()
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": ISSUE, "payload": {"snils": SNILS}}),
            Some(TOKEN_A),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_is_issued_through_a_registry_over_mutual_tls_with_a_credential() {
    assert_eq!(std::env::var(CREDENTIAL_VAR).as_deref(), Ok(CREDENTIAL));
    let files = make_pki();
    let stop = CancellationToken::new();
    let addr = start_sim(&files, stop.clone()).await;
    let db = TestDb::fresh(Backend::Sqlite).await;

    let from_env = format!("auth_value_env = \"{CREDENTIAL_VAR}\"");
    let endpoint = tls_endpoint(addr, &files, &from_env);
    let gw =
        TestGateway::start(&TestConfig::new(db.url()).with(&svo_with_endpoint(&endpoint))).await;
    let r = issue(&gw).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["payload"]["status"], "ISSUED", "{}", r.text());
    gw.stop().await;

    // A wrong credential: the registry answers 401, the adapter fails the lookup, and nothing the client
    // sees carries the credential. (A fresh database: the first gateway's QR would be served without a lookup.)
    let db = TestDb::fresh(Backend::Sqlite).await;
    const WRONG: &str = "wrong-e2e-credential";
    let wrong = tls_endpoint(addr, &files, &format!("auth_value = \"{WRONG}\""));
    let gw = TestGateway::start(&TestConfig::new(db.url()).with(&svo_with_endpoint(&wrong))).await;
    let r = issue(&gw).await;
    // `failed` from the adapter: the plugin cannot answer, the gateway rejects the request.
    assert_eq!(r.status, 502, "{}", r.text());
    assert!(!r.text().contains(WRONG), "{}", r.text());
    // Nor how the adapter is configured: that goes to the operator's log. (Every field but the random
    // message id, which may well contain the digits 401.)
    let mut answer = r.json();
    answer
        .as_object_mut()
        .expect("problem object")
        .remove("messageId");
    let told = answer.to_string();
    assert!(
        !told.contains("auth_header") && !told.contains("401"),
        "{}",
        r.text()
    );
    gw.stop().await;
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_refuses_unusable_tls_and_credential_settings() {
    let files = make_pki();
    let db = TestDb::fresh(Backend::Sqlite).await;
    let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
    let refused = |endpoint: String, expected: &str| {
        let config = TestConfig::new(db.url()).with(&svo_with_endpoint(&endpoint));
        let (ok, text) = config.check();
        assert!(!ok, "accepted:\n{text}");
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
        text
    };
    refused(
        tls_endpoint(addr, &files, "auth_value_env = \"GATEWAY_E2E_NEVER_SET\""),
        "environment variable `GATEWAY_E2E_NEVER_SET` (auth_value_env) is not set",
    );
    let text = refused(
        format!(
            "base_url = \"http://{addr}\"\nauth_header = \"X-Api-Key\"\nauth_value = \"plain-secret\"\n"
        ),
        "allow_plain_credentials",
    );
    assert!(!text.contains("plain-secret"), "{text}");
    refused(
        format!("base_url = \"https://{addr}\"\nca_file = \"relative/ca.pem\"\n"),
        "must be an absolute path",
    );
    refused(
        format!(
            "base_url = \"https://{addr}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\n",
            files.client.0.display(),
            files.server.1.display()
        ),
        "does not belong to the certificate",
    );
}
