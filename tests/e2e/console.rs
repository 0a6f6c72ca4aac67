//! The operator console (`/console`): over plain HTTP, who gets in (a login with an operator's token opens a
//! session; a wrong token, another sender's token, no session are refused), that every form is checked for
//! its CSRF token, and that the journal shows no payload; over mutual TLS, an operator's certificate needs no
//! login. `browser` drives it in a real browser.

mod browser;

use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway_e2e::pki::{Ca, Issued, Usage};
use gateway_e2e::{
    Backend, Client, Reply, TOKEN_A, TOKEN_B, TestConfig, TestDb, TestGateway, smev,
    test_request_type,
};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use serde_json::json;
use tokio_openssl::SslStream;

/// `[operator]` making sender A the operator.
pub const OPERATOR_A: &str = "[operator]\nsenders = [\"A\"]\n";

/// `s` as a form value (`application/x-www-form-urlencoded`).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form body of `fields`.
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET path`, with the session `cookie` (`gw_console=...`) when given.
pub async fn get(gw: &TestGateway, path: &str, cookie: Option<&str>) -> Reply {
    let mut b = Request::get(gw.url(path));
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    Client::new()
        .send(b.body(Full::new(Bytes::new())).unwrap())
        .await
}

/// `POST path` with a form of `fields`, with the session `cookie` when given.
pub async fn post(
    gw: &TestGateway,
    path: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    post_from(gw, path, fields, cookie, &[]).await
}

/// [`post`] with the extra `headers` a browser adds (`Origin`, `Sec-Fetch-Site`).
pub async fn post_from(
    gw: &TestGateway,
    path: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut b =
        Request::post(gw.url(path)).header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    Client::new()
        .send(b.body(Full::new(Bytes::from(form(fields)))).unwrap())
        .await
}

/// The `name=value` part of the response's `Set-Cookie`.
fn session_cookie(r: &Reply) -> String {
    let set = r.header("set-cookie").expect("a Set-Cookie header");
    set.split(';').next().unwrap().trim().to_owned()
}

/// The CSRF token in a page's forms.
fn csrf(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no CSRF field in {page}"))
        + "name=\"csrf\" value=\"".len();
    page[start..start + 64].to_owned()
}

/// Sends a test echo of `text` with message id `id` as sender A through the JSON API and waits until the
/// journal holds it (the journal is written in batches).
pub async fn send_and_journal(gw: &TestGateway, id: &str, text: &str) {
    let r = Client::new()
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"messageId": id, "type": test_request_type(), "payload": {"action": "echo", "text": text}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let started = Instant::now();
    loop {
        let found = Client::new()
            .post_json(
                &gw.url("/api/v1/find"),
                &json!({"messageId": id}),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(found.status, 200, "{}", found.text());
        if found.json()["entries"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{id} not journalled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_of_other_sites_are_refused_and_a_session_ends_with_its_credential() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    let text = TestConfig::new(db.url()).with(OPERATOR_A).render();
    std::fs::write(&file, &text).unwrap();
    let config = gateway::config::Config::load(&file, std::iter::empty())
        .unwrap()
        .config;
    let gw = TestGateway::start_config(config).await;
    let host = gw.url("").trim_start_matches("http://").to_owned();
    let own = format!("http://{host}");

    // A login posted by another site (login CSRF) opens no session.
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site"), ("origin", own.as_str())],
    ] {
        let r = post_from(&gw, "/console/login", &[("token", TOKEN_A)], None, &headers).await;
        assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
        assert!(r.header("set-cookie").is_none(), "{headers:?}");
    }
    let ok = post_from(
        &gw,
        "/console/login",
        &[("token", TOKEN_A)],
        None,
        &[("origin", own.as_str()), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    let first = session_cookie(&ok);
    let token = csrf(&get(&gw, "/console", Some(&first)).await.text());
    // A form of the console sent from another site is refused even with the right token.
    let r = post_from(
        &gw,
        "/console/logout",
        &[("csrf", &token)],
        Some(&first),
        &[("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        get(&gw, "/console", Some(&first)).await.status,
        200,
        "still in"
    );

    // Logging in again closes the session the browser presented.
    let again = post(&gw, "/console/login", &[("token", TOKEN_A)], Some(&first)).await;
    assert_eq!(again.status, 303);
    let second = session_cookie(&again);
    assert_ne!(first, second);
    assert_eq!(
        get(&gw, "/console", Some(&first)).await.status,
        303,
        "closed"
    );
    assert_eq!(get(&gw, "/console", Some(&second)).await.status, 200);

    // The journal: without a message id, the last 24 hours by default, at most 31 days.
    let default = get(&gw, "/console/journal", Some(&second)).await;
    assert_eq!(default.status, 200);
    assert!(default.text().contains("id=\"default-period\""));
    let long = get(
        &gw,
        "/console/journal?from=2020-01-01&to=2020-03-01",
        Some(&second),
    )
    .await;
    assert_eq!(long.status, 400);
    assert!(long.text().contains("не длиннее 31 дня"), "{}", long.text());
    let by_id = get(
        &gw,
        "/console/journal?message_id=x&from=2020-01-01&to=2020-03-01",
        Some(&second),
    )
    .await;
    assert_eq!(by_id.status, 200, "a message id may search any period");

    // A new token for A (reloaded): the session opened with the old one is over.
    let new_hash = gateway::auth::sha256_hex(b"a-new-token-of-sender-a");
    let old_hash = gateway::auth::sha256_hex(TOKEN_A.as_bytes());
    assert!(text.contains(&old_hash));
    std::fs::write(&file, text.replace(&old_hash, &new_hash)).unwrap();
    let r = Client::new()
        .post(
            &gw.url("/api/v1/reload"),
            "application/json",
            "",
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let gone = get(&gw, "/console", Some(&second)).await;
    assert_eq!(gone.status, 303);
    assert_eq!(gone.header("location").as_deref(), Some("/console/login"));
    let new = post(
        &gw,
        "/console/login",
        &[("token", "a-new-token-of-sender-a")],
        None,
    )
    .await;
    assert_eq!(new.status, 303, "{}", new.text());
    assert_eq!(
        get(&gw, "/console", Some(&session_cookie(&new)))
            .await
            .status,
        200
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_operators_get_in_every_form_is_checked_and_the_journal_shows_no_payload() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&TestConfig::new(db.url()).with(OPERATOR_A)).await;

    // Without a session every page sends the browser to the login form; a bearer header is no session.
    for path in [
        "/console",
        "/console/",
        "/console/journal",
        "/console/reports",
    ] {
        let r = get(&gw, path, None).await;
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("location").as_deref(), Some("/console/login"));
    }
    let bearer = Client::new().get(&gw.url("/console"), Some(TOKEN_A)).await;
    assert_eq!(bearer.status, 303);
    let r = post(&gw, "/console/reports/resend", &[("id", "1")], None).await;
    assert_eq!(r.status, 303, "a form without a session is not done");
    let form_page = get(&gw, "/console/login", None).await;
    assert_eq!(form_page.status, 200);
    assert!(
        form_page
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let text = form_page.text();
    assert!(text.contains("<html lang=\"ru\">") && text.contains("<label for=\"token\">"));
    assert!(!text.contains("<script"), "no JavaScript");

    // A wrong token: the form again, 401; another sender's token: 403; no token: 401. No session either way.
    let wrong = post(&gw, "/console/login", &[("token", "not-a-token")], None).await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.text().contains("Неверный токен доступа"),
        "{}",
        wrong.text()
    );
    assert!(wrong.header("set-cookie").is_none());
    assert!(
        !wrong.text().contains("not-a-token"),
        "the token is not shown back"
    );
    let other = post(&gw, "/console/login", &[("token", TOKEN_B)], None).await;
    assert_eq!(other.status, 403);
    assert!(other.text().contains("не является оператором"));
    assert!(other.header("set-cookie").is_none());
    assert_eq!(post(&gw, "/console/login", &[], None).await.status, 401);

    // The operator's token opens a session: a strict, HttpOnly cookie for /console only.
    let ok = post(&gw, "/console/login", &[("token", TOKEN_A)], None).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.header("location").as_deref(), Some("/console"));
    let set = ok.header("set-cookie").unwrap();
    for part in [
        "gw_console=",
        "Path=/console",
        "HttpOnly",
        "SameSite=Strict",
    ] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let cookie = session_cookie(&ok);
    let home = get(&gw, "/console", Some(&cookie)).await;
    assert_eq!(home.status, 200, "{}", home.text());
    assert!(home.text().contains("id=\"operator\">A<"));
    assert_eq!(
        get(&gw, "/console/login", Some(&cookie))
            .await
            .header("location")
            .as_deref(),
        Some("/console"),
        "logged in already"
    );
    let token = csrf(&home.text());

    // Every section answers, in Russian, with its tables.
    for (path, expect) in [
        ("/console/routes", "{urn://gateway/test/1.0}TestRequest"),
        ("/console/plugins", "data-plugin=\"test-doc\""),
        ("/console/adapters", "data-adapter=\"test\""),
        ("/console/journal", "id=\"journal\""),
        ("/console/queues", "data-sender=\"B\""),
        ("/console/scans", "id=\"scans\""),
        ("/console/reports", "id=\"reports\""),
    ] {
        let r = get(&gw, path, Some(&cookie)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let page = r.text();
        assert!(page.contains(expect), "{path} lacks {expect}: {page}");
        assert!(page.contains("<caption>"), "{path}");
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    }
    let plugins = get(&gw, "/console/plugins", Some(&cookie)).await.text();
    assert!(
        plugins.contains("<td class=\"contract\">1.3.0</td>"),
        "the contract version the test plugin was built against: {plugins}"
    );
    assert_eq!(
        get(&gw, "/console/nothing", Some(&cookie)).await.status,
        404
    );
    assert_eq!(
        get(&gw, "/console/journal?from=yesterday", Some(&cookie))
            .await
            .status,
        400
    );

    // A form without its CSRF token, or with another, is refused and does nothing.
    for fields in [vec![], vec![("csrf", "0".repeat(64))]] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post(&gw, "/console/logout", &fields, Some(&cookie)).await;
        assert_eq!(r.status, 403, "{}", r.text());
        let mut with_id = fields.clone();
        with_id.push(("id", "1"));
        let r = post(&gw, "/console/reports/resend", &with_id, Some(&cookie)).await;
        assert_eq!(r.status, 403);
    }
    assert_eq!(
        get(&gw, "/console", Some(&cookie)).await.status,
        200,
        "still in"
    );

    // The journal: the message's metadata, never its payload.
    let id = smev::message_id();
    let secret = "ТекстПолезнойНагрузки-7f3a";
    send_and_journal(&gw, &id, secret).await;
    let found = get(
        &gw,
        &format!("/console/journal?message_id={}&sender=A", encode(&id)),
        Some(&cookie),
    )
    .await;
    assert_eq!(found.status, 200);
    let page = found.text();
    assert!(
        page.contains(&format!("data-message-id=\"{id}\"")),
        "{page}"
    );
    assert!(page.contains("{urn://gateway/test/1.0}TestRequest"));
    for path in [
        format!("/console/journal?message_id={}", encode(&id)),
        "/console/journal".into(),
    ] {
        let page = get(&gw, &path, Some(&cookie)).await.text();
        assert!(!page.contains(secret), "no payload in {path}");
    }
    let other_sender = get(
        &gw,
        &format!("/console/journal?message_id={}&sender=B", encode(&id)),
        Some(&cookie),
    )
    .await
    .text();
    assert!(!other_sender.contains(&format!("data-message-id=\"{id}\"")));

    // Logout ends the session and removes the cookie.
    let out = post(&gw, "/console/logout", &[("csrf", &token)], Some(&cookie)).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location").as_deref(), Some("/console/login"));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(get(&gw, "/console", Some(&cookie)).await.status, 303);
    let put = Client::new()
        .send(
            Request::put(gw.url("/console"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
    assert_eq!(put.status, 405);
    gw.stop().await;
}

/// `method path` over TLS to `gw`, trusting `ca`, as `client` when given; the status, `Set-Cookie` and body.
async fn tls_request(
    gw: &TestGateway,
    ca: &Ca,
    client: Option<&Issued>,
    method: &str,
    path: &str,
    body: String,
) -> (u16, Option<String>, String) {
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.cert_store_mut().add_cert(ca.issued.cert.clone()).unwrap();
    b.set_verify(SslVerifyMode::PEER);
    if let Some(c) = client {
        b.set_certificate(&c.cert).unwrap();
        b.set_private_key(&c.key).unwrap();
    }
    let ssl = b
        .build()
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let mut stream = SslStream::new(ssl, tcp).unwrap();
    Pin::new(&mut stream).connect().await.expect("handshake");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, cookie, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_client_certificate_needs_no_login_and_cookies_are_secure_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test CA for the console");
    let (ca_pem, _) = ca.issued.write(dir.path(), "ca");
    let (cert, key) = ca
        .issue("localhost", &[], Usage::Server)
        .write(dir.path(), "server");
    let operator = ca.issue("console-operator", &[], Usage::Client);
    let clerk = ca.issue("console-clerk", &[], Usage::Client);
    let db = TestDb::fresh(Backend::Sqlite).await;
    let mut config = TestConfig::new(db.url());
    config.server = format!(
        "[server.tls]\ncert = \"{}\"\nkey = \"{}\"\nclient_ca = \"{}\"\nrequire_client_cert = false\n",
        cert.display(),
        key.display(),
        ca_pem.display()
    );
    let config = config.with(&format!(
        "[[senders]]\nmnemonic = \"OPS\"\nclient_cert_sha256 = \"{}\"\nmay_send = [\"*\"]\n\
         [[senders]]\nmnemonic = \"CLERK\"\nclient_cert_sha256 = \"{}\"\nmay_send = [\"*\"]\n\
         [operator]\nsenders = [\"A\", \"OPS\"]\n",
        operator.fingerprint(),
        clerk.fingerprint()
    ));
    let gw = TestGateway::start_tls(&config).await;
    // The listener may not be up yet: the first request waits in its backlog.
    let (status, _, page) = tls_request(
        &gw,
        &ca,
        Some(&operator),
        "GET",
        "/console/plugins",
        String::new(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"operator\">OPS<") && page.contains("вход по сертификату"));
    let (status, _, _) =
        tls_request(&gw, &ca, Some(&clerk), "GET", "/console", String::new()).await;
    assert_eq!(
        status, 303,
        "a certificate of another sender is no operator's"
    );
    // A form of the certificate's operator carries its CSRF token too.
    let (status, _, _) = tls_request(
        &gw,
        &ca,
        Some(&operator),
        "POST",
        "/console/reports/resend",
        "id=1".into(),
    )
    .await;
    assert_eq!(status, 403);
    // Without a certificate the token logs in, and the cookie is only sent over TLS.
    let (status, cookie, _) = tls_request(
        &gw,
        &ca,
        None,
        "POST",
        "/console/login",
        form(&[("token", TOKEN_A)]),
    )
    .await;
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    gw.stop().await;
}
