//! Invocations that answer: echo round trips in both formats, the policy step, rejections, statuses,
//! plugin errors.

mod common;

use std::time::Duration;

use common::{DEADLINE, NS, host_with_plugins, json_reply, json_request, text_reply, xml_request};
use gateway_host::{Annotation, Denial, InvokeError, Outcome, RejectCode};
use serde_json::json;

#[tokio::test]
async fn echo_round_trips_in_json() {
    let (host, _) = host_with_plugins().await;
    let mut request = json_request(json!({"action": "echo", "text": "привет & <hi>"}));
    request.annotations = vec![Annotation {
        key: "test.policy".into(),
        value: "passed".into(),
    }];
    request.denial = Some(Denial {
        step: "test-policy".into(),
        code: "TEST_DENIED".into(),
        message: "no".into(),
    });
    let invocation = host
        .invoke("test-doc", request, DEADLINE)
        .await
        .expect("echo works");
    assert_eq!(
        json_reply(&invocation.outcome),
        json!({
            "action": "echo",
            "text": "привет & <hi>",
            "sender": "TEST_SENDER",
            "messageId": "msg-1",
            "annotation": [{"key": "test.policy", "value": "passed"}],
            "denial": {"step": "test-policy", "code": "TEST_DENIED", "message": "no"}
        })
    );
    assert!(invocation.facts.is_empty());
    assert!(invocation.elapsed > Duration::ZERO && invocation.elapsed < DEADLINE);
}

#[tokio::test]
async fn echo_round_trips_in_xml() {
    let (host, _) = host_with_plugins().await;
    let request = xml_request("<t:Action>echo</t:Action><t:Text>a &amp; b &lt;c&gt;</t:Text>");
    let invocation = host
        .invoke("test-doc", request, DEADLINE)
        .await
        .expect("echo works");
    assert_eq!(
        text_reply(&invocation.outcome),
        format!(
            "<TestResponse xmlns=\"{NS}\"><Action>echo</Action><Text>a &amp; b &lt;c&gt;</Text>\
             <Sender>TEST_SENDER</Sender><MessageId>msg-1</MessageId></TestResponse>"
        )
    );
}

#[tokio::test]
async fn both_formats_carry_the_same_content() {
    let (host, _) = host_with_plugins().await;
    let xml = host
        .invoke(
            "test-doc",
            xml_request("<t:Action>echo</t:Action><t:Text>same</t:Text>"),
            DEADLINE,
        )
        .await
        .expect("xml");
    let json = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "echo", "text": "same"})),
            DEADLINE,
        )
        .await
        .expect("json");
    assert!(text_reply(&xml.outcome).contains("<Text>same</Text>"));
    assert_eq!(json_reply(&json.outcome)["text"], "same");
}

#[tokio::test]
async fn the_policy_step_proceeds_or_denies() {
    let (host, _) = host_with_plugins().await;
    let passed = host
        .invoke(
            "test-policy",
            json_request(json!({"action": "echo"})),
            DEADLINE,
        )
        .await
        .expect("policy");
    assert_eq!(
        passed.outcome,
        Outcome::Proceed(vec![Annotation {
            key: "test.policy".into(),
            value: "passed".into()
        }])
    );

    let denied = host
        .invoke(
            "test-policy",
            xml_request("<t:Action>echo</t:Action><t:Policy>deny</t:Policy>"),
            DEADLINE,
        )
        .await
        .expect("policy");
    let Outcome::Deny(denial) = denied.outcome else {
        panic!("expected a denial, got {:?}", denied.outcome)
    };
    assert_eq!(denial.code, "TEST_DENIED");
    assert_eq!(denial.step, "test-policy");
}

#[tokio::test]
async fn rejections_statuses_and_plugin_errors() {
    let (host, _) = host_with_plugins().await;
    let rejected = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "reject", "text": "x"})),
            DEADLINE,
        )
        .await;
    let Outcome::Rejected(rejection) = rejected.expect("answers").outcome else {
        panic!("expected a rejection")
    };
    assert_eq!(rejection.code, RejectCode::NoData);
    assert!(
        rejection.description.contains("\"x\""),
        "{}",
        rejection.description
    );

    let status = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "status"})),
            DEADLINE,
        )
        .await;
    let Outcome::Status(status) = status.expect("answers").outcome else {
        panic!("expected a status")
    };
    assert_eq!(status.code, 503);
    assert_eq!(status.retry_after, Some(Duration::from_millis(1500)));

    let failed = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "fail", "text": "why"})),
            DEADLINE,
        )
        .await;
    assert_eq!(
        failed,
        Err(InvokeError::PluginError("test-doc failure: why".into()))
    );

    let undecodable = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "dance"})),
            DEADLINE,
        )
        .await;
    match undecodable {
        Err(InvokeError::PluginError(message)) => assert!(message.contains("dance"), "{message}"),
        other => panic!("expected a plugin error, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_plugins_are_reported() {
    let (host, _) = host_with_plugins().await;
    let result = host
        .invoke("nope", json_request(json!({"action": "echo"})), DEADLINE)
        .await;
    assert_eq!(result, Err(InvokeError::UnknownPlugin("nope".into())));
}
