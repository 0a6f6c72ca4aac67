use std::path::PathBuf;

use super::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn post(registry: &MchdRegistry, route: &str, body: Value) -> Reply {
    registry.handle(&Method::POST, route, body.to_string().as_bytes())
}

const DEMO_A: &str = "6d0c3b7e-1f2a-4c5d-9e8f-0a1b2c3d4e01";
const DEMO_C: &str = "6d0c3b7e-1f2a-4c5d-9e8f-0a1b2c3d4e03";

fn demo() -> MchdRegistry {
    let registry = MchdRegistry::default();
    let entries: Vec<FixtureEntry> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join(FIXTURE_FILE)).expect("fixture"),
    )
    .expect("json");
    for entry in entries {
        let xml = std::fs::read(fixtures().join(&entry.file)).expect("document");
        registry
            .register(xml, None, &entry.status)
            .expect("registered");
    }
    registry
}

#[test]
fn the_demo_fixtures_load() {
    let service = load(&fixtures()).expect("fixtures load");
    assert_eq!(service.name(), NAME);
    let reply = service.handle(
        &Method::POST,
        "v1/status",
        json!({"number": DEMO_C.to_uppercase()})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(
        reply.body,
        json!({"found": true, "number": DEMO_C, "status": "REVOKED"})
    );
}

#[test]
fn status_fetch_and_listing() {
    let registry = demo();
    let reply = post(&registry, "v1/status", json!({"number": DEMO_A}));
    assert_eq!(
        (reply.kind, reply.body["status"].as_str()),
        (ReplyKind::Found, Some("ACTIVE"))
    );
    let reply = post(
        &registry,
        "v1/status",
        json!({"number": "00000000-0000-4000-8000-000000000000"}),
    );
    assert_eq!(
        (reply.kind, reply.body.clone()),
        (ReplyKind::NotFound, json!({"found": false}))
    );

    let reply = post(&registry, "v1/fetch", json!({"number": DEMO_A}));
    let xml = STANDARD
        .decode(reply.body["xml"].as_str().expect("xml"))
        .expect("base64");
    assert_eq!(
        xml,
        std::fs::read(fixtures().join(format!("mchd/ON_EMCHD_20260110_{DEMO_A}.xml")))
            .expect("file")
    );
    assert_eq!(
        reply.body["signature"],
        Value::Null,
        "demo documents carry no signature"
    );

    let reply = post(
        &registry,
        "v1/by-representative",
        json!({"snils": "112-233-445 95"}),
    );
    let powers = reply.body["powers"].as_array().expect("list");
    assert_eq!(powers.len(), 3);
    assert_eq!(powers[0]["principalOgrn"], "1027700132195");
    assert_eq!(powers[0]["principalName"], "ООО «Пример»");
    assert_eq!(
        powers[0]["powers"],
        json!(["GOSCAN_DELEGATE_SCAN", "GOSCAN_DELEGATE_SCAN"])
    );
    assert_eq!(powers[2]["status"], "REVOKED");
    let reply = post(
        &registry,
        "v1/by-representative",
        json!({"snils": "21098765479"}),
    );
    assert_eq!(
        (reply.kind, reply.body.clone()),
        (ReplyKind::NotFound, json!({"powers": []})),
        "heads are not representatives"
    );
}

#[test]
fn documents_are_registered_and_revoked_at_run_time() {
    let registry = MchdRegistry::default();
    let xml = std::fs::read(fixtures().join(format!("mchd/ON_EMCHD_20260110_{DEMO_A}.xml")))
        .expect("file");
    let reply = post(
        &registry,
        "v1/register",
        json!({"xml": STANDARD.encode(&xml), "signature": STANDARD.encode(b"sig")}),
    );
    assert_eq!(reply.body, json!({"number": DEMO_A, "status": "ACTIVE"}));
    let reply = post(&registry, "v1/fetch", json!({"number": DEMO_A}));
    assert_eq!(reply.body["signature"], STANDARD.encode(b"sig"));
    let reply = post(
        &registry,
        "v1/set-status",
        json!({"number": DEMO_A, "status": "REVOKED"}),
    );
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        registry.record(DEMO_A).map(|r| r.status),
        Some("REVOKED".into())
    );
    let reply = post(
        &registry,
        "v1/set-status",
        json!({"number": DEMO_C, "status": "REVOKED"}),
    );
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = post(
        &registry,
        "v1/set-status",
        json!({"number": DEMO_A, "status": "DELETED"}),
    );
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    for body in [
        json!({"xml": "***"}),
        json!({"xml": STANDARD.encode(b"<a/>")}),
        json!({"xml": STANDARD.encode(&xml), "status": "SUSPENDED"}),
        json!({"xml": STANDARD.encode(&xml), "signature": "***"}),
        json!({"number": DEMO_A}),
    ] {
        assert_eq!(
            post(&registry, "v1/register", body.clone()).status,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }
}

#[test]
fn bad_requests_and_routes() {
    let registry = MchdRegistry::default();
    assert_eq!(
        post(&registry, "v1/status", json!({})).status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&registry, "v1/by-representative", json!({"snils": "123"})).status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        registry.handle(&Method::GET, "v1/status", b"").status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        registry.handle(&Method::POST, "v2/status", b"").status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn fixture_errors_name_the_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(FIXTURE_FILE),
        r#"[{"file": "missing.xml", "status": "ACTIVE"}]"#,
    )
    .expect("write");
    let err = load(dir.path()).err().expect("refused");
    assert!(
        format!("{err:#}").contains("record 0") && format!("{err:#}").contains("missing.xml"),
        "{err:#}"
    );
    std::fs::write(dir.path().join("a.xml"), "<a/>").expect("write");
    std::fs::write(
        dir.path().join(FIXTURE_FILE),
        r#"[{"file": "a.xml", "status": "ACTIVE"}]"#,
    )
    .expect("write");
    let err = load(dir.path()).err().expect("refused");
    assert!(format!("{err:#}").contains("EMCHD_1"), "{err:#}");
}
