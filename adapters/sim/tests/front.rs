//! The simulator's front door: the required header and the TLS settings. (HTTPS itself, with a test CA and
//! mutual TLS, is exercised by the HTTP adapters' tests: `adapters/http/tests/registry_tls.rs`.)

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use registry_sim::{RequiredHeader, SimConfig, SimTls};
use serde_json::{Value, json};

fn shipped_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Sends `body` to `path` with `headers`; the status and the JSON answer.
async fn send(
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("request");
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request).await.expect("simulator answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, serde_json::from_slice(&bytes).expect("JSON answer"))
}

#[tokio::test]
async fn a_required_header_guards_the_services_but_not_the_control_api() {
    let header = RequiredHeader::parse("X-Api-Key=sim-key").expect("valid");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(registry_sim::run(
        SimConfig::new(shipped_fixtures()).with_required_header(header),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let lookup = "/mod-showcase/v1/lookup";
    let body = json!({"snils": "112-233-445 95"});

    let (status, answer) = send(&base, Method::POST, lookup, &[], body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"], "missing or wrong x-api-key header");
    let wrong = [("X-Api-Key", "guess")];
    let (status, _) = send(&base, Method::POST, lookup, &wrong, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Refused requests never reach a service: nothing counted.
    let (status, stats) = send(&base, Method::GET, "/__stats", &[], json!(null)).await;
    assert_eq!(status, StatusCode::OK, "the control API needs no header");
    assert_eq!(stats["mod-showcase"]["calls"], 0);

    let right = [("x-api-key", "sim-key")];
    let (status, answer) = send(&base, Method::POST, lookup, &right, body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["found"], true);
    let (_, stats) = send(&base, Method::GET, "/__stats", &[], json!(null)).await;
    assert_eq!(stats["mod-showcase"]["calls"], 1);

    let _ = stop.send(());
    task.await.expect("joined").expect("clean stop");
}

#[tokio::test]
async fn unusable_tls_files_stop_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_pem = dir.path().join("server.pem");
    std::fs::write(&not_pem, "not a certificate").expect("write");
    for (cert, key, expected) in [
        (
            dir.path().join("missing.pem"),
            not_pem.clone(),
            "missing.pem",
        ),
        (not_pem.clone(), not_pem.clone(), "server.pem"),
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let tls = SimTls {
            cert,
            key,
            client_ca: None,
        };
        let err = registry_sim::run(
            SimConfig::new(shipped_fixtures()).with_tls(tls),
            listener,
            std::future::pending::<()>(),
        )
        .await
        .expect_err("refused");
        let message = format!("{err:#}");
        assert!(message.contains("cannot set up TLS"), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}
