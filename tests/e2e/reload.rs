//! Changes without a restart (issue 15, item 4): the config reloaded by an operator's call and by `SIGHUP`,
//! validated first and swapped in one step; requests under load all answered across reloads (counted); a
//! broken config refused with its reasons while the old one serves; a plugin file replaced on disk picked up.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use gateway::config::Config;
use gateway_e2e::artifacts::plugin;
use gateway_e2e::{
    Backend, Client, GatewayProcess, TOKEN_A, TOKEN_B, TestConfig, TestDb, TestGateway,
    test_request_type,
};
use serde_json::{Value, json};

const LEGACY: &str = "{urn://gateway/test-legacy/1.0}LegacyRequest";

/// The greeting in test-doc's config, as the plugin itself reports it.
async fn greeting(api: &str) -> String {
    let r = Client::new()
        .post_json(
            api,
            &json!({"type": test_request_type(), "payload": {"action": "config"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let output = r.json()["payload"]["output"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let config: Value = serde_json::from_str(&output).expect("the plugin's config JSON");
    config["greeting"].as_str().unwrap_or("").to_owned()
}

async fn reload(gw: &TestGateway, token: &str) -> gateway_e2e::Reply {
    Client::new()
        .post(
            &gw.url("/api/v1/reload"),
            "application/json",
            "",
            Some(token),
        )
        .await
}

/// The test config with `A` as operator, test-doc greeting `greeting`, and the plugin `swap` loaded from
/// `swap` (and routed for `LegacyRequest` when `legacy_route`).
fn config_text(
    db: &TestDb,
    greeting: &str,
    swap: &Path,
    legacy_route: bool,
    workers: u32,
) -> String {
    let mut extra = format!(
        "[operator]\nsenders = [\"A\"]\n\n[plugins.swap]\npath = \"{}\"\n",
        swap.display()
    );
    if legacy_route {
        extra.push_str(&format!(
            "\n[[routes]]\ntype = \"{LEGACY}\"\nchain = [\"swap\"]\nschema_check = false\n"
        ));
    }
    let mut c = TestConfig::new(db.url()).with(&extra);
    c.queue.push_str(&format!("workers = {workers}\n"));
    c.render().replace(
        "greeting = \"hello\"",
        &format!("greeting = \"{greeting}\""),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reload_under_load_drops_no_request_and_a_broken_config_leaves_the_old_one_serving() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let (file, swap) = (
        dir.path().join("gateway.toml"),
        dir.path().join("swap.wasm"),
    );
    std::fs::copy(plugin("test-doc"), &swap).unwrap();
    std::fs::write(&file, config_text(&db, "hello", &swap, false, 16)).unwrap();
    let config: Config = Config::load(&file, std::iter::empty()).unwrap().config;
    let gw = TestGateway::start_config(config).await;
    let api = gw.url("/api/v1/messages");
    assert_eq!(greeting(&api).await, "hello");

    // Load: four clients calling without pause until told to stop; every answer counted.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut load = Vec::new();
    for i in 0..4 {
        let (stop, ok, failed, api) = (stop.clone(), ok.clone(), failed.clone(), api.clone());
        load.push(tokio::spawn(async move {
            let client = Client::new();
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post_json(
                        &api,
                        &json!({"type": test_request_type(), "payload": {"action": "echo", "text": format!("load {i}")}}),
                        Some(TOKEN_A),
                    )
                    .await;
                if r.status == 200 {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("under load: {} {}", r.status, r.text());
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Only an operator may reload, and not by a form of another site.
    assert_eq!(reload(&gw, TOKEN_B).await.status, 403);
    let form = Client::new()
        .post(
            &gw.url("/api/v1/reload"),
            "application/x-www-form-urlencoded",
            "",
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(form.status, 403, "{}", form.text());
    let cross = Client::new()
        .send(
            hyper::Request::post(gw.url("/api/v1/reload"))
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {TOKEN_A}"))
                .header("sec-fetch-site", "cross-site")
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, 403, "{}", cross.text());
    assert_eq!(
        Client::new()
            .post(&gw.url("/api/v1/reload"), "application/json", "", None)
            .await
            .status,
        401
    );

    // A new greeting (and a change of [queue], which needs a restart).
    std::fs::write(&file, config_text(&db, "привет", &swap, false, 8)).unwrap();
    let r = reload(&gw, TOKEN_A).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["version"], 2, "{}", r.text());
    assert_eq!(
        r.json()["restartNeeded"],
        json!(["[queue]"]),
        "{}",
        r.text()
    );
    assert_eq!(greeting(&api).await, "привет");

    // A route for LegacyRequest to `swap`, whose file is still test-doc: refused, the old version serves.
    std::fs::write(&file, config_text(&db, "refused", &swap, true, 16)).unwrap();
    let r = reload(&gw, TOKEN_A).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let problems = r.json()["problems"].to_string();
    assert!(
        problems.contains("swap"),
        "the reason names the plugin: {problems}"
    );
    assert_eq!(greeting(&api).await, "привет", "the old version serves");
    // A file valid as written, but not with the running [queue] lease (10s) it cannot change: refused.
    std::fs::write(
        &file,
        config_text(&db, "привет", &swap, false, 16)
            .replace("lease = \"10s\"", "lease = \"10m\"")
            .replace("deadline = \"500ms\"", "deadline = \"5m\""),
    )
    .unwrap();
    let r = reload(&gw, TOKEN_A).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("lease"), "{}", r.text());
    // A broken file: refused too.
    std::fs::write(&file, "[server\nlisten = ").unwrap();
    let r = reload(&gw, TOKEN_A).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(greeting(&api).await, "привет");

    // The plugin's file replaced on disk (now the 1.0.0 legacy plugin) with its route: picked up.
    std::fs::copy(plugin("test-legacy"), &swap).unwrap();
    std::fs::write(&file, config_text(&db, "привет", &swap, true, 16)).unwrap();
    let r = reload(&gw, TOKEN_A).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["version"], 3, "{}", r.text());
    let legacy = Client::new()
        .post_json(
            &api,
            &json!({"type": LEGACY, "payload": {"hello": "legacy"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(legacy.status, 200, "{}", legacy.text());
    assert_eq!(legacy.json()["payload"]["echo"]["hello"], "legacy");

    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    assert_eq!(
        failed, 0,
        "no request failed across the reloads ({ok} answered)"
    );
    assert!(ok > 20, "the load ran: {ok} answered");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_a_gateway_process() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let swap = dir.path().join("swap.wasm");
    std::fs::copy(plugin("test-doc"), &swap).unwrap();
    let base = TestConfig::new(db.url()).with(&format!(
        "[operator]\nsenders = [\"A\"]\n\n[plugins.swap]\npath = \"{}\"\n",
        swap.display()
    ));
    let gw = GatewayProcess::spawn(&base).await;
    let api = gw.url("/api/v1/messages");
    assert_eq!(greeting(&api).await, "hello");
    let text = std::fs::read_to_string(gw.config_file()).unwrap();
    std::fs::write(
        gw.config_file(),
        text.replace("greeting = \"hello\"", "greeting = \"по сигналу\""),
    )
    .unwrap();
    gw.signal("HUP");
    let mut seen = String::new();
    for _ in 0..100 {
        seen = greeting(&api).await;
        if seen == "по сигналу" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "по сигналу", "SIGHUP reloaded the config");
    // A broken config on SIGHUP: the process keeps serving the last good one.
    std::fs::write(gw.config_file(), "[[routes]]\ntype = 1\n").unwrap();
    gw.signal("HUP");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(greeting(&api).await, "по сигналу");
    gw.stop();
}
