//! One catalog shared by many threads gives every thread the right answers.

mod common;

use std::sync::Arc;
use std::thread;

use common::{TYPES_1_3, fixture_bytes, repository_schemas};
use gateway_schema::SchemaCatalog;

#[test]
fn eight_threads_validating_the_same_schema_a_thousand_times_each() {
    let catalog = Arc::new(
        SchemaCatalog::load_dir(&repository_schemas().join("smev3")).expect("SMEV schemas load"),
    );
    let valid = Arc::new(fixture_bytes("xml/send-request-response-1.3.xml"));
    let invalid = Arc::new(fixture_bytes(
        "xml/send-request-response-1.3-wrong-element.xml",
    ));
    let expected_violation = catalog
        .validate_xml(TYPES_1_3, &invalid)
        .expect_err("invalid document");

    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let (catalog, valid, invalid) = (catalog.clone(), valid.clone(), invalid.clone());
            let expected_violation = expected_violation.clone();
            thread::spawn(move || {
                for round in 0..1000 {
                    // Interleave valid and invalid documents differently in each thread.
                    if (round + worker) % 3 == 0 {
                        let violations = catalog
                            .validate_xml(TYPES_1_3, &invalid)
                            .expect_err("invalid document accepted");
                        assert_eq!(violations, expected_violation);
                    } else {
                        assert_eq!(catalog.validate_xml(TYPES_1_3, &valid), Ok(()));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker panicked");
    }
}
