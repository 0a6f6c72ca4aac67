//! Two gateway processes on one PostgreSQL database: every answer is handed out once, whichever node the
//! sender asks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gateway_e2e::smev::{self, has_element};
use gateway_e2e::{Backend, Client, GatewayProcess, TOKEN_A, TestConfig, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_never_hand_out_one_answer_twice() {
    let db = TestDb::fresh(Backend::Postgres).await;
    let mut config = TestConfig::new(db.url());
    // Long enough that any second hand-out within the test is a double delivery, not a redelivery.
    config.queue = "redelivery_after = \"10m\"\nrecovery_interval = \"500ms\"\n".into();
    let a = GatewayProcess::spawn(&config).await;
    let b = GatewayProcess::spawn(&config).await;
    let v = "1.3";
    const N: usize = 40;
    let client = Client::new();
    for i in 0..N {
        let node = if i % 2 == 0 { &a } else { &b };
        let r = client
            .post(
                &node.url("/smev/1.3"),
                "text/xml",
                smev::send_request(
                    v,
                    &smev::message_id(),
                    &smev::test_payload("echo", &i.to_string()),
                ),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..6 {
        let url = if t % 2 == 0 {
            a.url("/smev/1.3")
        } else {
            b.url("/smev/1.3")
        };
        let seen = seen.clone();
        tasks.push(tokio::spawn(async move {
            let client = Client::new();
            while started.elapsed() < Duration::from_secs(20) && seen.lock().unwrap().len() < N {
                let r = client
                    .post(&url, "text/xml", smev::get_response(v, None), Some(TOKEN_A))
                    .await;
                assert_eq!(r.status, 200, "{}", r.text());
                if has_element(&r.body, "ResponseMessage") {
                    let id = smev::response_id(&r.body);
                    *seen.lock().unwrap().entry(id).or_default() += 1;
                } else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), N, "every answer arrives");
    let doubles: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubles.is_empty(), "handed out more than once: {doubles:?}");
    a.stop();
    b.stop();
}
