//! Durability of group commit: a gateway process killed with SIGKILL in the middle of a load of SendRequests
//! loses no request it acknowledged. After a restart on the same store every acknowledged request is there and
//! its answer is delivered.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway_e2e::smev::{self, has_element, text_of};
use gateway_e2e::{BACKENDS, Backend, Client, GatewayProcess, TOKEN_A, TestConfig, TestDb};
use gateway_store::{Store, StoreOptions};
use http_body_util::Full;
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};

const V: &str = "1.3";
/// Clients sending at once: enough that commits are grouped.
const CLIENTS: usize = 24;

fn send(url: &str, id: &str, i: usize) -> Request<Full<Bytes>> {
    let body = smev::send_request(V, id, &smev::test_payload("echo", &i.to_string()));
    Request::post(url)
        .header(CONTENT_TYPE, "text/xml; charset=utf-8")
        .header(AUTHORIZATION, format!("Bearer {TOKEN_A}"))
        .body(Full::new(Bytes::from(body)))
        .expect("request")
}

async fn killed_under_load_loses_no_acknowledged_request(backend: Backend) {
    let db = TestDb::fresh(backend).await;
    let mut config = TestConfig::new(db.url());
    // A short lease, so that the restarted node takes over what the killed one held at once.
    config.queue =
        "redelivery_after = \"10m\"\nrecovery_interval = \"200ms\"\nlease = \"2s\"\n".into();
    let gw = GatewayProcess::spawn(&config).await;
    let url = gw.url(&format!("/smev/{V}"));

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (url, acknowledged) = (url.clone(), acknowledged.clone());
        clients.push(tokio::spawn(async move {
            let client = Client::new();
            let mut i = 0;
            loop {
                let id = smev::message_id();
                match client.try_send(send(&url, &id, c * 100_000 + i)).await {
                    Some(r) if r.status == 200 && has_element(&r.body, "SendRequestResponse") => {
                        acknowledged.lock().unwrap().push(id);
                    }
                    Some(r) => panic!("a SendRequest was refused: {} {}", r.status, r.text()),
                    // The process is gone: this request was never acknowledged.
                    None => return,
                }
                i += 1;
            }
        }));
    }
    // Kill the process in the middle of the load, once it has acknowledged a fair number.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gw.signal("KILL");
    for c in clients {
        c.await.expect("client task");
    }
    drop(gw);
    let acknowledged: Vec<String> = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 300,
        "only {} acknowledged",
        acknowledged.len()
    );

    // Counted in the store after the kill: every acknowledged request is there.
    let store = Store::connect(&db.url(), StoreOptions::default())
        .await
        .expect("store");
    let mut missing = Vec::new();
    for id in &acknowledged {
        if store.request_state("A", id).await.expect("state").is_none() {
            missing.push(id.clone());
        }
    }
    store.close().await;
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged requests lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );

    // After a restart every acknowledged request is answered (those the killed node held, after its lease).
    let gw = GatewayProcess::spawn(&config).await;
    let url = gw.url(&format!("/smev/{V}"));
    let client = Client::new();
    let mut waiting: HashSet<String> = acknowledged.iter().cloned().collect();
    let started = Instant::now();
    while !waiting.is_empty() && started.elapsed() < Duration::from_secs(90) {
        let r = client
            .post(&url, "text/xml", smev::get_response(V, None), Some(TOKEN_A))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        if !has_element(&r.body, "ResponseMessage") {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let original = text_of(&r.body, "OriginalMessageId").expect("OriginalMessageId");
        waiting.remove(&original);
        let ack = client
            .post(
                &url,
                "text/xml",
                smev::ack(V, &smev::response_id(&r.body)),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(ack.status, 200, "{}", ack.text());
    }
    assert!(
        waiting.is_empty(),
        "{} of {} acknowledged requests never answered after the restart",
        waiting.len(),
        acknowledged.len()
    );
    gw.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_send_requests_loses_no_acknowledged_request() {
    for backend in BACKENDS {
        killed_under_load_loses_no_acknowledged_request(backend).await;
    }
}
