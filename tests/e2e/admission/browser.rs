//! The registration page in a real browser (done-when of issue 13): Debian's headless Chromium, JavaScript
//! off, a phone's screen: open the organisation QR's link, enter a phone, submit, read the code from the SMS
//! simulator, have the staff check it. Screenshots of each step are kept under
//! `<target>/test-artefacts/admission_registration_page/`.

use super::*;
use gateway_e2e::artifacts::artefacts_dir;
use gateway_e2e::browser::{Browser, png_size};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_registers_on_the_page_in_a_real_browser() {
    let s = Setup::start(Backend::Sqlite, "").await;
    let theatre = s.participant(&THEATRE).await;
    // The organisation QR's link names the public base URL; the browser opens the same path on this gateway.
    let page = s.gw.url(&format!("/admission/{theatre}"));
    let dir = artefacts_dir("admission_registration_page");
    let shots = [
        dir.join("1-page.png"),
        dir.join("2-wrong-phone.png"),
        dir.join("3-phone-entered.png"),
        dir.join("4-code-sent.png"),
    ];
    let out = Browser::new()
        .failure_screenshot(dir.join("failure.png"))
        .run(&[
            json!({"viewport": [360, 740], "mobile": true}),
            json!({"open": page}),
            json!({"status": "opened"}),
            json!({"title": "title"}),
            json!({"has": "form#register", "as": "form"}),
            json!({"page_size": "size"}),
            json!({"screenshot": shots[0]}),
            json!({"fill": "#phone", "value": "12345"}),
            json!({"submit": "form#register"}),
            json!({"status": "refused"}),
            json!({"text": "#error", "as": "error"}),
            json!({"screenshot": shots[1]}),
            json!({"fill": "#phone", "value": "+7 928 000-00-71"}),
            json!({"screenshot": shots[2]}),
            json!({"submit": "form#register"}),
            json!({"status": "sent"}),
            json!({"text": "#result", "as": "result"}),
            json!({"scripts_run": "scripts"}),
            json!({"screenshot": shots[3]}),
        ])
        .await
        .expect("the browser walks the page");
    assert_eq!(out.status_of("opened"), Some(200));
    assert!(out.flag("form"), "the form is there");
    assert!(
        out.text("title").contains("Краевой драматический театр"),
        "{:?}",
        out.values
    );
    let size = out.value("size");
    assert_eq!(size["width"], 360, "nothing wider than a phone: {size}");
    assert_eq!(out.status_of("refused"), Some(422));
    assert!(out.text("error").contains("+7 9"), "{:?}", out.values);
    assert_eq!(out.status_of("sent"), Some(200));
    assert!(
        out.text("result").contains("Код отправлен"),
        "{:?}",
        out.values
    );
    assert!(
        out.text("result").contains("**-71"),
        "masked: {:?}",
        out.values
    );
    assert!(!out.flag("scripts"), "the page needs no JavaScript");
    for shot in &shots {
        let (w, h) = png_size(shot).expect("a PNG");
        assert_eq!((w, h), (360, 740), "{}", shot.display());
    }
    // The visitor shows the SMS; the staff check the code through the gateway.
    let code = s.code_sent_to("+79280000071").await;
    let checked = s.check_code(&theatre, &code).await;
    assert_eq!(checked["result"], "ADMIT", "{checked}");
    println!("screenshots: {}", dir.display());
    s.stop().await;
}
