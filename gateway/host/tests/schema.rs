//! test-doc's XML answers are valid against the test schema the gateway's catalog loads
//! (`tests/fixtures/schemas/test/test.xsd`), checked with `xmllint` (Debian `libxml2-utils`).

mod common;

use std::process::Command;

use common::{DEADLINE, host_with_plugins, text_reply, xml_request};
use gateway_host::Annotation;
use gateway_host::testing::repo_root;

fn assert_valid(document: &str, name: &str) {
    let schema = repo_root().join("tests/fixtures/schemas/test/test.xsd");
    let path = std::env::temp_dir().join(format!("gateway-host-{}-{name}.xml", std::process::id()));
    std::fs::write(&path, document).expect("write");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&path)
        .output()
        .expect("xmllint must be installed (apt-get install libxml2-utils)");
    assert!(
        output.status.success(),
        "{name} does not validate:\n{document}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn xml_answers_validate_against_the_test_schema() {
    let (host, _) = host_with_plugins().await;
    let mut echo = xml_request(
        "<t:Action>echo</t:Action><t:Text>a &amp; b</t:Text><t:Policy>allow</t:Policy>",
    );
    echo.annotations = vec![
        Annotation {
            key: "test.policy".into(),
            value: "passed".into(),
        },
        Annotation {
            key: "second".into(),
            value: "note".into(),
        },
    ];
    let cases = [
        ("echo", echo),
        (
            "token",
            xml_request(
                "<t:Action>token-issue</t:Action><t:Text>d</t:Text><t:Scope>qr</t:Scope><t:Subject>s</t:Subject><t:TtlMs>1000</t:TtlMs>",
            ),
        ),
        (
            "qr",
            xml_request("<t:Action>qr</t:Action><t:Text>https://example.org/q</t:Text>"),
        ),
        ("ids", xml_request("<t:Action>ids</t:Action>")),
        (
            "adapter",
            xml_request(
                "<t:Action>adapter</t:Action><t:Adapter>down</t:Adapter><t:Operation>find</t:Operation>",
            ),
        ),
    ];
    for (name, request) in cases {
        let invocation = host
            .invoke("test-doc", request, DEADLINE)
            .await
            .expect("answers");
        assert_valid(&text_reply(&invocation.outcome), name);
    }
}
