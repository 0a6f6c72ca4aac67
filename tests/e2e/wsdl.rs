//! The served WSDL builds a working client: zeep (Python) loads `/smev/{v}?wsdl` with its schema imports and
//! calls SendRequest, GetResponse and Ack.

use std::process::Command;

use gateway_e2e::artifacts::{python, repo_root};
use gateway_e2e::smev::has_element;
use gateway_e2e::{Backend, Client, TOKEN_A};

use crate::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wsdl_is_served_without_provider_operations() {
    let (_db, gw) = start(Backend::Sqlite).await;
    for v in ["1.1", "1.2", "1.3"] {
        let r = Client::new()
            .get(&gw.url(&format!("/smev/{v}?wsdl")), None)
            .await;
        assert_eq!(r.status, 200);
        let text = r.text();
        assert!(
            text.contains(&format!("location=\"{}\"", gw.url(&format!("/smev/{v}")))),
            "{v}: address not rewritten"
        );
        assert!(
            !text.contains("GetRequest\"") && !text.contains("SendResponse\""),
            "{v}: provider operations offered"
        );
        assert!(has_element(text.as_bytes(), "definitions"));
        let xsd = Client::new()
            .get(
                &gw.url(&format!(
                    "/smev/{v}?xsd=smev-message-exchange-types-{v}.xsd"
                )),
                None,
            )
            .await;
        assert_eq!(xsd.status, 200, "{v}");
        assert!(xsd.text().contains(&format!(
            "{}?xsd=smev-message-exchange-basic-{v}.xsd",
            gw.url(&format!("/smev/{v}"))
        )));
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeep_calls_send_get_ack_from_the_served_wsdl() {
    let (_db, gw) = start(Backend::Sqlite).await;
    let base = gw.url("");
    for v in ["1.1", "1.2", "1.3"] {
        let (python, script, base, v2) = (
            python(),
            repo_root().join("tests/py/zeep_client.py"),
            base.clone(),
            v.to_owned(),
        );
        let out = tokio::task::spawn_blocking(move || {
            Command::new(python)
                .arg(script)
                .arg(base)
                .arg(v2)
                .arg(TOKEN_A)
                .output()
        })
        .await
        .unwrap()
        .expect("python runs (cargo xtask setup installs zeep in target/pyenv)");
        assert!(
            out.status.success(),
            "{v}: zeep failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let result: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("zeep_client prints JSON");
        assert_eq!(result["original"], result["sent"], "{v}: {result}");
        assert!(
            result["payload"].as_str().unwrap().contains("zeep"),
            "{v}: {result}"
        );
    }
    // Everything was acknowledged.
    let r = crate::soap(&gw, "1.3", gateway_e2e::smev::get_response("1.3", None)).await;
    assert!(!has_element(&r.body, "ResponseMessage"));
    gw.stop().await;
}
