//! The shared HTTP layer against the registry simulator serving HTTPS with a test CA made at run time: the
//! configured CA is needed and enough, mutual TLS needs the client certificate, and the credential header is
//! sent, its refusal reported without the secret.

#[path = "support/pki.rs"]
mod pki;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gateway_adapter_abi::{AdapterError, ErrorKind};
use gateway_adapter_http::{Endpoint, JsonClient};
use pki::Pki;
use registry_sim::{RequiredHeader, SimConfig, SimTls};
use serde_json::{Value, json};

/// A known person of the simulator's shipped fixtures.
const KNOWN_SNILS: &str = "112-233-445 95";

/// The simulator on its own runtime (the client under test blocks; it must not share the simulator's
/// threads); stops when dropped, the runtime after it.
struct Sim {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _runtime: tokio::runtime::Runtime,
}

impl Sim {
    fn start(config: SimConfig) -> Sim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) = registry_sim::run(config, listener, shutdown).await {
                panic!("simulator: {e:#}");
            }
        });
        Sim {
            addr,
            stop: Some(stop),
            _runtime: runtime,
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/fixtures")
}

/// The simulator over HTTPS with the PKI's server certificate; `mutual` asks for client certificates of the
/// PKI's CA.
fn tls_sim(pki: &Pki, mutual: bool) -> SimConfig {
    SimConfig::new(fixtures()).with_tls(SimTls {
        cert: pki.server_cert.clone(),
        key: pki.server_key.clone(),
        client_ca: mutual.then(|| pki.ca.clone()),
    })
}

/// One lookup through the shared client configured with `config` (plus `base_url` and `timeout_ms`).
fn lookup(sim: &Sim, mut config: Value) -> Result<Value, AdapterError> {
    config["base_url"] = json!(format!("https://{}", sim.addr));
    config["timeout_ms"] = json!(5000);
    let endpoint = Endpoint::from_json("test", config, 800)?;
    let client = JsonClient::new("the test registry", &endpoint, 64 * 1024);
    let body = client.post(
        &endpoint.url("mod-showcase/v1/lookup"),
        &json!({ "snils": KNOWN_SNILS }),
    )?;
    Ok(serde_json::from_slice(&body).expect("JSON answer"))
}

#[test]
fn https_with_the_configured_ca_succeeds_and_without_it_fails() {
    let pki = Pki::new();
    let sim = Sim::start(tls_sim(&pki, false));

    let answer = lookup(&sim, json!({ "ca_file": pki.ca })).expect("trusted");
    assert_eq!(answer["found"], true);

    // The system roots do not know the test CA; neither does an unrelated CA.
    for config in [json!({}), json!({ "ca_file": pki.other_ca })] {
        let err = lookup(&sim, config.clone()).expect_err("untrusted server certificate");
        assert_eq!(err.kind, ErrorKind::Failed, "{config}: {}", err.message);
        assert!(
            err.message.starts_with("TLS with the test registry failed"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("certificate verify failed"),
            "{}",
            err.message
        );
    }
}

#[test]
fn mutual_tls_needs_the_client_certificate() {
    let pki = Pki::new();
    let sim = Sim::start(tls_sim(&pki, true));

    let with_cert = json!({
        "ca_file": pki.ca,
        "client_cert": pki.client_cert,
        "client_key": pki.client_key,
    });
    let answer = lookup(&sim, with_cert).expect("client certificate accepted");
    assert_eq!(answer["found"], true);

    let err = lookup(&sim, json!({ "ca_file": pki.ca })).expect_err("no client certificate");
    // TLS 1.3: the server refuses after the client's side of the handshake, so the client sees the
    // connection cut (`unavailable`); with TLS 1.2 the handshake itself fails (`failed`). Either way the
    // message points at the client certificate.
    assert!(
        matches!(err.kind, ErrorKind::Unavailable | ErrorKind::Failed),
        "{:?}: {}",
        err.kind,
        err.message
    );
    assert!(err.message.contains("client_cert"), "{}", err.message);
}

#[test]
fn the_credential_header_is_sent_and_its_refusal_does_not_leak_it() {
    // The credential comes from the environment, as operators are told to set it: CARGO_PKG_NAME is one
    // that cargo (and nextest) set for every test process, so no test has to change the environment.
    let secret = env!("CARGO_PKG_NAME");
    assert_eq!(std::env::var("CARGO_PKG_NAME").as_deref(), Ok(secret));
    let pki = Pki::new();
    let required = RequiredHeader::new("X-Api-Key", secret).expect("valid header");
    let sim = Sim::start(tls_sim(&pki, false).with_required_header(required));

    let from_env = json!({
        "ca_file": pki.ca,
        "auth_header": "X-Api-Key",
        "auth_value_env": "CARGO_PKG_NAME",
    });
    let answer = lookup(&sim, from_env).expect("credential accepted");
    assert_eq!(answer["found"], true);

    let wrong = "wrong-credential-value";
    for config in [
        json!({ "ca_file": pki.ca }),
        json!({ "ca_file": pki.ca, "auth_header": "X-Api-Key", "auth_value": wrong }),
        json!({ "ca_file": pki.ca, "auth_header": "Authorization", "auth_value_env": "CARGO_PKG_NAME" }),
    ] {
        let err = lookup(&sim, config.clone()).expect_err("refused with 401");
        assert_eq!(err.kind, ErrorKind::Failed, "{config}");
        assert!(err.message.contains("HTTP 401"), "{}", err.message);
        let shown = format!("{} {err:?}", err.message);
        assert!(!shown.contains(wrong) && !shown.contains(secret), "{shown}");
    }
}
