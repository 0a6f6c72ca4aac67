//! Mutual TLS: a client identified by its certificate is its sender; a certificate of no registered sender
//! is refused with `SenderIsNotRegistered`; a certificate of another CA fails the handshake.

use std::pin::Pin;

use bytes::Bytes;
use gateway_e2e::pki::{Ca, Issued, Usage};
use gateway_e2e::smev::{self, fault_name};
use gateway_e2e::{Backend, TestConfig, TestDb, TestGateway};
use http_body_util::{BodyExt, Full};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use tokio_openssl::SslStream;

async fn call(
    gw: &TestGateway,
    ca: &Ca,
    client: &Issued,
    body: String,
) -> Result<(u16, Bytes), String> {
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.cert_store_mut()
        .add_cert(ca.issued.cert.clone())
        .map_err(|e| e.to_string())?;
    b.set_verify(SslVerifyMode::PEER);
    b.set_certificate(&client.cert).map_err(|e| e.to_string())?;
    b.set_private_key(&client.key).map_err(|e| e.to_string())?;
    let ssl = b
        .build()
        .configure()
        .map_err(|e| e.to_string())?
        .into_ssl("localhost")
        .map_err(|e| e.to_string())?;
    let tcp = tokio::net::TcpStream::connect(gw.addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut stream = SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
    Pin::new(&mut stream)
        .connect()
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::post("/smev/1.3")
        .header("content-type", "text/xml")
        .header("host", "localhost")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_identifies_senders() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test CA for mutual TLS");
    let (ca_pem, _) = ca.issued.write(dir.path(), "ca");
    let server = ca.issue("localhost", &[], Usage::Server);
    let (cert, key) = server.write(dir.path(), "server");
    let registered = ca.issue("client-tls", &[], Usage::Client);
    let stranger = ca.issue("client-unknown", &[], Usage::Client);
    let other_ca = Ca::new("Another CA");
    let foreign = other_ca.issue("client-foreign", &[], Usage::Client);

    let db = TestDb::fresh(Backend::Sqlite).await;
    let mut config = TestConfig::new(db.url());
    config.server = format!(
        "[server.tls]\ncert = \"{}\"\nkey = \"{}\"\nclient_ca = \"{}\"\n",
        cert.display(),
        key.display(),
        ca_pem.display()
    );
    let config = config.with(&format!(
        "[[senders]]\nmnemonic = \"TLS01\"\nclient_cert_sha256 = \"{}\"\nmay_send = [\"*\"]\n",
        registered.fingerprint()
    ));
    let gw = TestGateway::start_tls(&config).await;

    let send = || {
        smev::send_request(
            "1.3",
            &smev::message_id(),
            &smev::test_payload("echo", "tls"),
        )
    };
    let (status, body) = call(&gw, &ca, &registered, send())
        .await
        .expect("the registered client connects");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (_, body) = call(&gw, &ca, &stranger, send())
        .await
        .expect("a client of the same CA connects");
    assert_eq!(fault_name(&body).as_deref(), Some("SenderIsNotRegistered"));
    // With TLS 1.3 the client learns of the refusal only when it sends: either step may fail.
    let refused = call(&gw, &ca, &foreign, send()).await;
    assert!(
        refused.is_err(),
        "a client of another CA must not get an answer: {refused:?}"
    );
    gw.stop().await;
}
