//! The gateway's pages in a real browser (Debian's headless Chromium through `tests/py/browser.py`), with
//! JavaScript off as the pages require: the SVO status page a QR link opens, on a phone-sized viewport, and the
//! page of an unknown code. Screenshots stay in `<target dir>/test-artefacts/browser_pages/...`.

use gateway_e2e::artifacts::artefacts_dir;
use gateway_e2e::browser::{Browser, png_size};
use gateway_e2e::{Backend, Client, Sim, TOKEN_A, TestConfig, TestDb, TestGateway};
use serde_json::json;

/// A phone: 360 × 740 CSS pixels.
const PHONE: [u32; 2] = [360, 740];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_svo_qr_page_in_a_real_browser_without_javascript() {
    Browser::available().expect("the browser (cargo xtask setup installs it)");
    let dir = artefacts_dir("browser_pages/svo_qr_page");
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&TestConfig::new(db.url()).with_svo(&sim.url(), "5m")).await;
    let issued = Client::new()
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": "{urn://gateway/svo-status/1.0}IssueQrRequest", "payload": {"snils": "112-233-445 95"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.text());
    let issued = issued.json()["payload"].clone();
    assert_eq!(issued["status"], "ISSUED", "{issued}");
    let guid = issued["guid"].as_str().expect("guid");
    let expires = issued["expiresAt"].as_str().expect("expiresAt");
    let page = gw.url(&format!("/somc2/{guid}"));
    let unknown = gw.url(&format!("/somc2/{}", uuid::Uuid::new_v4()));
    let page_png = dir.join("svo-qr-page-360x740.png");
    let unknown_png = dir.join("svo-qr-unknown-360x740.png");

    let out = Browser::new()
        .failure_screenshot(dir.join("failure.png"))
        .run(&[
            json!({"viewport": PHONE, "mobile": true}),
            json!({"open": page}),
            json!({"status": "status"}),
            json!({"title": "title"}),
            json!({"text": "h1", "as": "heading"}),
            json!({"text": ".ok", "as": "verdict"}),
            json!({"texts": "dd", "as": "fields"}),
            json!({"text": ".note", "as": "note"}),
            json!({"text": "body", "as": "body"}),
            json!({"page_size": "size"}),
            json!({"scripts_run": "scripts"}),
            json!({"screenshot": page_png}),
            json!({"open": unknown}),
            json!({"status": "unknown_status"}),
            json!({"text": "body", "as": "unknown_body"}),
            json!({"has": ".ok", "as": "unknown_ok"}),
            json!({"screenshot": unknown_png}),
        ])
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the browser run failed: {e:#}\nartefacts: {}",
                dir.display()
            )
        });

    // The live code: its status, the participant and the expiry, as a person sees them (innerText).
    assert_eq!(out.status_of("status"), Some(200));
    assert_eq!(out.text("title"), "QR-код действителен");
    assert_eq!(out.text("heading"), "QR-код действителен");
    assert_eq!(out.text("verdict"), "Статус участника СВО подтверждён");
    assert_eq!(
        out.value("fields"),
        &json!(["Образцов Пример Тестович", "1985-03-14"])
    );
    let until = expires.trim_end_matches('Z').replace('T', " ");
    assert_eq!(
        out.text("note"),
        format!("QR-код действителен до {until} (UTC)")
    );
    for label in ["ФИО", "Дата рождения"] {
        assert!(out.text("body").contains(label), "{}", out.text("body"));
    }
    // It fits the phone: nothing wider than the viewport.
    let size = out.value("size");
    assert_eq!(size["viewport_width"], PHONE[0], "{size}");
    assert!(
        size["width"].as_u64().expect("width") <= u64::from(PHONE[0]),
        "the page is wider than the phone: {size}"
    );
    // JavaScript was off (the driver also checked so on a page with a script before the first step).
    assert!(!out.flag("scripts"), "scripts ran on the page");

    // An unknown code: 404 and its explanation, no confirmation.
    assert_eq!(out.status_of("unknown_status"), Some(404));
    assert_eq!(out.status, Some(404), "the last document");
    assert!(
        out.url.ends_with(unknown.rsplit('/').next().unwrap()),
        "{}",
        out.url
    );
    let body = out.text("unknown_body");
    assert!(
        body.contains("QR-код не найден") && body.contains("Проверьте, что QR-код получен"),
        "{body}"
    );
    assert!(!body.contains("Образцов"), "{body}");
    assert!(!out.flag("unknown_ok"));

    // The screenshots: PNGs of the phone's viewport with something drawn in them.
    assert_eq!(out.screenshots, [page_png.clone(), unknown_png.clone()]);
    for png in [&page_png, &unknown_png] {
        assert_eq!(
            png_size(png),
            Some((PHONE[0], PHONE[1])),
            "{}",
            png.display()
        );
        let bytes = std::fs::metadata(png).expect("screenshot").len();
        assert!(
            bytes > 5_000,
            "{}: {bytes} bytes, too few for a page with text",
            png.display()
        );
    }

    // The check of scripts is not always false: with JavaScript on, a page's scripts run (a page of its own:
    // the gateway's pages may forbid scripts by their headers).
    let on = Browser::new()
        .javascript(true)
        .run(&[
            json!({"open": "data:text/html,<title>js</title><script>document.title='ran'</script>"}),
            json!({"title": "title"}),
            json!({"scripts_run": "scripts"}),
        ])
        .await
        .expect("the browser run with JavaScript");
    assert_eq!((on.text("title"), on.flag("scripts")), ("ran", true));
    println!("screenshots: {}", dir.display());
    gw.stop().await;
}
