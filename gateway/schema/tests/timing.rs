//! Rough cost of one validation (printed, not asserted): run with
//! `cargo test --release -p gateway-schema --test timing -- --nocapture`.

mod common;

use std::time::{Duration, Instant};

use common::{TYPES_1_3, fixture, fixture_bytes, repository_schemas};
use gateway_schema::SchemaCatalog;
use serde_json::json;

const BATCHES: u32 = 20;
const BATCH: u32 = 500;

/// Runs `check` 10,000 times in batches; returns the mean and the fastest batch's time per call.
fn measure(mut check: impl FnMut()) -> (Duration, Duration) {
    let mut best = Duration::MAX;
    let started = Instant::now();
    for _ in 0..BATCHES {
        let batch_started = Instant::now();
        for _ in 0..BATCH {
            check();
        }
        best = best.min(batch_started.elapsed() / BATCH);
    }
    (started.elapsed() / (BATCHES * BATCH), best)
}

#[test]
fn time_ten_thousand_validations() {
    let catalog = SchemaCatalog::load_dir(&repository_schemas().join("smev3")).expect("loads");
    let document = fixture_bytes("xml/send-request-response-1.3.xml");
    let (mean, best) = measure(|| assert_eq!(catalog.validate_xml(TYPES_1_3, &document), Ok(())));
    println!(
        "XSD: 10,000 validations of a {}-byte SendRequestResponse: mean {mean:?}, best batch {best:?}",
        document.len()
    );

    let catalog = SchemaCatalog::load_dir(&fixture("json-schemas")).expect("loads");
    let value = json!({
        "citizen": {"snils": "112-233-445 95", "fullName": "Иванов Иван Иванович"},
        "requestedAt": "2024-11-24T18:18:00+03:00"
    });
    let (mean, best) = measure(|| {
        assert_eq!(
            catalog.validate_json("{urn://gateway/qr/1.0}QrRequest", &value),
            Ok(())
        );
    });
    println!(
        "JSON Schema: 10,000 validations of a small object: mean {mean:?}, best batch {best:?}"
    );
}
