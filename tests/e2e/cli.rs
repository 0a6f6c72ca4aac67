//! The command line a newcomer tries first (issue 12, item 5): `gateway send` against a running gateway, over
//! JSON and SOAP; `gateway plugin call` running one plugin alone with a config's adapters and the simulator.

use std::process::Command;

use gateway_e2e::artifacts::{gateway_bin, plugin};
use gateway_e2e::goscan::Goscan;
use gateway_e2e::mchd::Kit;
use gateway_e2e::{Backend, Sim, TOKEN_A, TestConfig, TestDb, TestGateway};

fn gateway(args: &[&str]) -> (bool, String) {
    let out = Command::new(gateway_bin())
        .args(args)
        .output()
        .expect("the gateway binary runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_send_speaks_json_and_soap() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&TestConfig::new(db.url()).with_svo(&sim.url(), "5m")).await;
    let url = gw.url("");
    let issue = "{urn://gateway/svo-status/1.0}IssueQrRequest";
    let (ok, out) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            gateway(&[
                "send",
                "--url",
                &url,
                "--token",
                TOKEN_A,
                "--type",
                issue,
                "--payload",
                r#"{"snils": "112-233-445 95"}"#,
            ])
        }
    })
    .await
    .expect("joined");
    assert!(ok, "{out}");
    assert!(
        out.contains("HTTP 200") && out.contains("\"ISSUED\""),
        "{out}"
    );

    let (ok, out) = tokio::task::spawn_blocking(move || {
        gateway(&[
            "send", "--url", &url, "--token", TOKEN_A, "--type", issue, "--soap", "1.2", "--payload",
            r#"<IssueQrRequest xmlns="urn://gateway/svo-status/1.0"><Snils>112-233-445 95</Snils></IssueQrRequest>"#,
        ])
    })
    .await
    .expect("joined");
    assert!(ok, "{out}");
    assert!(
        out.contains("GetResponseResponse") && out.contains(">ISSUED<"),
        "{out}"
    );
    // Acknowledged: the queue is empty again.
    let again = gateway_e2e::Client::new()
        .post(
            &gw.url("/smev/1.2"),
            "text/xml; charset=utf-8",
            gateway_e2e::smev::get_response("1.2", None),
            Some(TOKEN_A),
        )
        .await;
    assert!(
        !gateway_e2e::smev::has_element(&again.body, "ResponseMessage"),
        "{}",
        again.text()
    );
    let (ok, out) = gateway(&["send", "--type", issue, "--payload", "{}"]);
    assert!(!ok && out.contains("--token"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_plugin_call_runs_one_plugin_with_the_configs_adapters() {
    let sim = Sim::start().await;
    let kit = Kit::new();
    let db = TestDb::fresh(Backend::Sqlite).await;
    let config = TestConfig::new(db.url())
        .with_goscan(Goscan {
            sim_url: &sim.url(),
            trust_store: kit.ca_pem(),
            openssl_conf: None,
            cache_ttl: "5m",
            crl_files: &[],
        })
        .render();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, config).expect("config");
    let wasm = plugin("large-family").display().to_string();
    let file = file.display().to_string();
    let call = move |payload: &str| {
        gateway(&[
            "plugin",
            "call",
            &wasm,
            "--config",
            &file,
            "--type",
            "{urn://gateway/large-family/1.0}VerifyCertificateRequest",
            "--payload",
            payload,
        ])
    };
    let (ok, out) = tokio::task::spawn_blocking({
        let call = call.clone();
        move || call(r#"{"qr": "https://www.gosuslugi.ru/mnogodet/77-0012345"}"#)
    })
    .await
    .expect("joined");
    assert!(ok, "{out}");
    assert!(
        out.contains("reply {urn://gateway/large-family/1.0}VerifyCertificateResponse")
            && out.contains("\"VALID\"")
            && out.contains("Многодетова"),
        "{out}"
    );
    let (ok, out) = tokio::task::spawn_blocking(move || {
        call(r#"<VerifyCertificateRequest xmlns="urn://gateway/large-family/1.0"><Qr>78-0004242</Qr></VerifyCertificateRequest>"#)
    })
    .await
    .expect("joined");
    assert!(ok && out.contains("ANNULLED"), "{out}");
}
