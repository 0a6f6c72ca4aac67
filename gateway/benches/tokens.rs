//! The token cache: a hit (a live token served from this node's memory) and a miss (an unknown id asked of the
//! store, SQLite here).
//!
//! `cargo bench -p gateway --bench tokens`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway::tokens::TokenService;
use gateway_store::{Store, StoreOptions};

fn tokens(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = rt
        .block_on(Store::connect(&url, StoreOptions::default()))
        .expect("store");
    let tokens = TokenService::new(
        store,
        b"bench-key".to_vec(),
        10_000,
        Duration::from_secs(3600),
    );
    let token = rt
        .block_on(tokens.issue(
            "bench",
            "11223344595",
            b"{\"lastName\":\"X\"}".to_vec(),
            Duration::from_secs(3600),
        ))
        .expect("issue");
    let mut g = c.benchmark_group("tokens");
    g.bench_function("hit", |b| {
        b.to_async(&rt)
            .iter(|| async { tokens.get("bench", &token.id).await.expect("get") });
    });
    g.bench_function("miss", |b| {
        b.to_async(&rt).iter(|| async {
            tokens
                .get("bench", "00000000-0000-4000-8000-000000000000")
                .await
                .expect("get")
        });
    });
    g.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
