//! End-to-end tests: the gateway started on port 0 with real SQLite and PostgreSQL stores, real plugins,
//! real adapters and the registry simulator. One test binary (linking the gateway once), one module per
//! concern.

mod adapter_tls;
mod admission;
mod answer_signature;
mod attachments;
mod auth;
mod browser_pages;
mod check;
mod cli;
mod console;
mod corpus;
mod durability;
mod goscan;
mod hostile;
mod json_api;
mod limits;
mod logs;
mod metrics;
mod multinode;
mod openapi;
mod pages;
mod plugins;
mod queue;
mod reload;
mod reports;
mod retention;
mod sandbox;
mod signature;
mod soap;
mod svo;
mod tls;
mod wsdl;
mod xmldsig_oracle;

use gateway_e2e::{Backend, Client, TestConfig, TestDb, TestGateway};

/// A gateway on a fresh database of `backend` with the default test config.
pub async fn start(backend: Backend) -> (TestDb, TestGateway) {
    let db = TestDb::fresh(backend).await;
    let gw = TestGateway::start(&TestConfig::new(db.url())).await;
    (db, gw)
}

/// POST a SOAP envelope to `/smev/{v}` with sender A's token.
pub async fn soap(gw: &TestGateway, v: &str, body: String) -> gateway_e2e::Reply {
    soap_as(gw, v, body, Some(gateway_e2e::TOKEN_A)).await
}

/// POST a SOAP envelope to `/smev/{v}` with `token`.
pub async fn soap_as(
    gw: &TestGateway,
    v: &str,
    body: String,
    token: Option<&str>,
) -> gateway_e2e::Reply {
    Client::new()
        .post(
            &gw.url(&format!("/smev/{v}")),
            "text/xml; charset=utf-8",
            body,
            token,
        )
        .await
}

/// Polls GetResponse (with `selector`) until an answer arrives (within 10 s).
pub async fn wait_response(
    gw: &TestGateway,
    v: &str,
    token: &str,
    selector: Option<(&str, &str)>,
) -> gateway_e2e::Reply {
    for _ in 0..200 {
        let r = soap_as(
            gw,
            v,
            gateway_e2e::smev::get_response(v, selector),
            Some(token),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        if gateway_e2e::smev::has_element(&r.body, "ResponseMessage") {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no answer within 10 s");
}
