//! The regional admission system's adapters (seed 003), loaded from their built libraries, against the
//! registry simulator in-process: the SMS gateway (what it sent listed at `GET /__sms`, newest first) and the
//! register of confirmed diagnoses (admit or refuse, nothing more).

mod support;

use std::path::Path;

use gateway_adapter_host::{Adapters, CallError, testing};
use registry_sim::SimConfig;
use serde_json::json;
use support::{json, spec};

async fn start_sim() -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config =
        SimConfig::new(Path::new(&testing::workspace_root()).join("adapters/sim/fixtures"));
    tokio::spawn(registry_sim::run(config, listener, async move {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop)
}

fn adapters(base_url: &str) -> Adapters {
    let library =
        |stem: &str| testing::library(stem).unwrap_or_else(|e| panic!("{stem} unavailable: {e}"));
    Adapters::load(vec![
        spec(
            "sms",
            &library("sms_adapter"),
            json!({ "base_url": base_url }),
        ),
        spec(
            "register",
            &library("diagnosis_register_adapter"),
            json!({ "base_url": base_url }),
        ),
    ])
    .unwrap_or_else(|e| panic!("the adapters load: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_is_sent_and_listed_newest_first() {
    let (url, _stop) = start_sim().await;
    let adapters = adapters(&url);
    for text in ["Код: 1111", "Код: 2222"] {
        let input = json!({"phone": "8 (999) 123-45-67", "text": text}).to_string();
        let out = adapters
            .call("sms", "send", input.into_bytes())
            .await
            .expect("sent");
        assert!(json(&out)["id"].is_string());
    }
    let listed: serde_json::Value = http_get(&format!("{url}/__sms")).await;
    assert_eq!(listed[0]["text"], "Код: 2222");
    assert_eq!(listed[1]["phone"], "+79991234567");
    let landline = json!({"phone": "+7 495 123-45-67", "text": "x"}).to_string();
    assert!(matches!(
        adapters.call("sms", "send", landline.into_bytes()).await,
        Err(CallError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_answers_admit_or_refuse_only() {
    let (url, _stop) = start_sim().await;
    let adapters = adapters(&url);
    let check = |snils: &str| {
        let input = json!({ "snils": snils }).to_string().into_bytes();
        let adapters = &adapters;
        async move {
            json(
                &adapters
                    .call("register", "check", input)
                    .await
                    .expect("answered"),
            )
        }
    };
    assert_eq!(check("112-233-445 95").await, json!({"admit": true}));
    // The fixtures hold one person with a confirmed diagnosis.
    assert_eq!(check("200-300-400 48").await, json!({"admit": false}));
}

/// A GET with a plain HTTP/1.1 exchange (the test has no HTTP client of its own).
async fn http_get(url: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("http");
    let (host, path) = rest.split_once('/').expect("path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    stream
        .write_all(
            format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    let body = text.split("\r\n\r\n").nth(1).expect("a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}
