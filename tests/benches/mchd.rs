//! МЧД verification with the registry's answer cached: `VerifyMchdRequest` (inline document and detached
//! signature) handled by the `mchd-service` plugin in the gateway's plugin host with the gateway's own host
//! capabilities — EMCHD_1 schema check (libxml2), the CMS signature against the trust store (openssl), check
//! numbers, dates, parties and powers in the plugin, and the ФНС registry status read from the token cache.
//! The first call, before measuring, asks the registry simulator and fills the cache.
//!
//! `cargo bench -p gateway-e2e --bench mchd` (`cargo xtask bench` runs it with the release plugins and adapters).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use gateway::app::App;
use gateway_e2e::goscan::{Goscan, register_active};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::{Backend, Sim, TestConfig, TestDb};
use gateway_host::{Outcome, PayloadFormat, QName, Request};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

fn mchd(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let kit = Kit::new();
    let (sim, db) =
        rt.block_on(async { (Sim::start().await, TestDb::fresh(Backend::Sqlite).await) });
    let config = TestConfig::new(db.url()).with_goscan(Goscan {
        sim_url: &sim.url(),
        trust_store: kit.ca_pem(),
        openssl_conf: None,
        cache_ttl: "1h",
        crl_files: &[],
    });
    let app = rt
        .block_on(App::build(
            config.config(),
            "http://127.0.0.1:0".into(),
            CancellationToken::new(),
        ))
        .expect("the gateway builds");
    let org = kit.organisation("ООО «Измеряемое»");
    let employee = Person::new("Доверенная", "Сотрудница", "Тестовна");
    let document = Mchd::direct(&org, &employee);
    let signed = kit.confirmed(&document);
    rt.block_on(register_active(&sim, &signed));
    let payload = json!({
        "organisation": org.ogrn,
        "representative": employee.snils,
        "mchd": {"xml": STANDARD.encode(&signed.xml), "signature": STANDARD.encode(&signed.signature)},
    });
    let request = Request::new(
        "bench-1",
        "A",
        QName::new("urn://gateway/mchd/1.0", "VerifyMchdRequest"),
        PayloadFormat::Json,
        serde_json::to_vec(&payload).expect("json"),
    );
    let deadline = Duration::from_secs(5);
    let verify = || async {
        app.engine
            .host
            .invoke("mchd-service", request.clone(), deadline)
            .await
            .expect("the plugin answers")
    };
    // Fill the cache, and make sure what is measured is a successful verification.
    let first = rt.block_on(verify());
    let Outcome::Reply(reply) = first.outcome else {
        panic!("expected a reply, got {:?}", first.outcome);
    };
    let answer: Value = serde_json::from_slice(&reply.payload).expect("JSON answer");
    assert_eq!(answer["result"], "VALID", "{answer}");
    let registry_calls = rt.block_on(sim.calls("mchd-registry"));

    let mut g = c.benchmark_group("mchd");
    g.bench_function("verify_cached", |b| b.to_async(&rt).iter(verify));
    g.finish();

    assert_eq!(
        rt.block_on(sim.calls("mchd-registry")),
        registry_calls,
        "every measured verification was served from the cache"
    );
    app.shutdown.cancel();
    rt.block_on(sim.stop());
}

criterion_group!(benches, mchd);
criterion_main!(benches);
