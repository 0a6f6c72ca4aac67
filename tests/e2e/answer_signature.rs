//! The gateway's own signature (issue 11, item 4): with `[crypto] smev_signature_key` it signs its answers as
//! SMEV does (`SMEVSignature`), and `openssl` (the CLI, with the gost engine) and the independent harness
//! (`tests/py/smev_xmldsig.py`) verify them: every answer type of every version, and an MTOM answer.

use base64::Engine;
use gateway_e2e::gateway::{GatewayProcess, TestConfig};
use gateway_e2e::mchd::gost::GostPki;
use gateway_e2e::smev::{self, fault_name};
use gateway_e2e::{BACKENDS, Client, db::TestDb};

/// What `openssl` (the CLI, with the gost engine) says of the `SMEVSignature` of `answer`: the digest of the
/// transformed `target` and the value over the canonical `SignedInfo`. Panics with the reason when either fails.
fn openssl_checks_smev_signature(conf: &std::path::Path, answer: &[u8], target: &str) {
    use std::process::Command;
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8_lossy(answer).into_owned();
    let found: Vec<_> = gateway_xmldsig::signatures(answer)
        .expect("read")
        .into_iter()
        .filter(|s| s.container == "SMEVSignature")
        .collect();
    assert_eq!(found.len(), 1, "one SMEVSignature: {text}");
    let signature = &found[0];
    assert_eq!(
        signature.method,
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
    );
    let [reference] = signature.references.as_slice() else {
        panic!("one Reference: {text}")
    };
    assert_eq!(reference.uri, "#SIGNED_BY_SMEV");
    let targets = gateway_xmldsig::elements_with_id(answer, "SIGNED_BY_SMEV").expect("ids");
    assert_eq!(targets.len(), 1, "{text}");
    assert_eq!(targets[0].local, target, "{text}");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = |name: &str, data: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write");
        path
    };
    let openssl = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("openssl")
            .args(args)
            .env("OPENSSL_CONF", conf)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let transformed =
        gateway_xmldsig::smev_transform(answer, "SIGNED_BY_SMEV", false).expect("transform");
    let data = file("target.bin", &transformed);
    let digest = openssl(&[
        "dgst".as_ref(),
        "-md_gost12_256".as_ref(),
        "-binary".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(
        b64.encode(digest),
        reference.digest_value,
        "digest of {target}"
    );
    let cert = file(
        "cert.der",
        &b64.decode(signature.certificate.as_deref().expect("certificate"))
            .expect("base64"),
    );
    let public = openssl(&[
        "x509".as_ref(),
        "-inform".as_ref(),
        "DER".as_ref(),
        "-noout".as_ref(),
        "-pubkey".as_ref(),
        "-in".as_ref(),
        cert.as_os_str(),
    ]);
    let public = file("public.pem", &public);
    let value = file("value.bin", &b64.decode(&signature.value).expect("base64"));
    let signed_info = file("signed-info.xml", &signature.signed_info);
    openssl(&[
        "dgst".as_ref(),
        "-md_gost12_256".as_ref(),
        "-verify".as_ref(),
        public.as_os_str(),
        "-signature".as_ref(),
        value.as_os_str(),
        signed_info.as_os_str(),
    ]);
}

/// The `[crypto]` section that signs answers with `key` (GOST R 34.10-2012 through the engine `gost` loads).
fn signing_answers(gost: &GostPki, key: &gateway_e2e::mchd::gost::GostSigner) -> String {
    format!(
        "[crypto]\nopenssl_conf = \"{}\"\nsmev_signature_key = \"{}\"\nsmev_signature_cert = \"{}\"\n",
        gost.conf().display(),
        key.key.display(),
        key.cert.display(),
    )
}

/// With `[crypto] smev_signature_key` (GOST R 34.10-2012), the gateway signs its answers as SMEV does:
/// `SendRequestResponse` over `MessageMetadata`, `GetResponseResponse` over `Response`, `GetStatusResponse` over
/// `AsyncProcessingStatusData`, in 1.1, 1.2 and 1.3. `openssl` verifies digest and value of each, the independent
/// harness (`tests/py/smev_xmldsig.py`) verifies them again with its own c14n and transform, and the answers stay
/// valid against the schemas. On both stores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_carry_an_smev_signature_openssl_and_the_harness_verify_on_both_stores() {
    let gost = GostPki::new();
    let key = gost.signer(&gateway_e2e::mchd::Person::new(
        "Шлюзов",
        "Ответ",
        "Подписевич",
    ));
    let answers = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for backend in BACKENDS {
        let db = TestDb::fresh(backend).await;
        let config = TestConfig::new(db.url()).with(&signing_answers(&gost, &key));
        let gw = GatewayProcess::spawn(&config).await;
        for v in ["1.1", "1.2", "1.3"] {
            let post = |body: String| {
                let url = gw.url(&format!("/smev/{v}"));
                async move {
                    Client::new()
                        .post(
                            &url,
                            "text/xml; charset=utf-8",
                            body,
                            Some(gateway_e2e::TOKEN_A),
                        )
                        .await
                }
            };
            let id = smev::message_id();
            let request = smev::send_request(v, &id, &smev::test_payload("echo", "ответ подписан"));
            let sent = post(request).await;
            assert_eq!(
                fault_name(&sent.body),
                None,
                "{backend:?} {v}: {}",
                sent.text()
            );
            openssl_checks_smev_signature(gost.conf(), &sent.body, "MessageMetadata");

            let mut answered = None;
            for _ in 0..200 {
                let r = post(smev::get_response(v, None)).await;
                if smev::has_element(&r.body, "ResponseMessage") {
                    answered = Some(r);
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            let answered = answered.expect("the echo is answered");
            openssl_checks_smev_signature(gost.conf(), &answered.body, "Response");

            let status = post(smev::get_status(v, &smev::now())).await;
            assert!(
                smev::has_element(&status.body, "AsyncProcessingStatus"),
                "{backend:?} {v}: {}",
                status.text()
            );
            openssl_checks_smev_signature(gost.conf(), &status.body, "AsyncProcessingStatusData");
            for (name, r) in [
                ("sent", &sent),
                ("answered", &answered),
                ("status", &status),
            ] {
                smev::assert_valid_answer(v, &r.body);
                let path = answers.path().join(format!("{backend:?}-{v}-{name}.xml"));
                std::fs::write(&path, &r.body).expect("write");
                files.push(path);
            }
        }
        gw.stop();
    }
    let reports = gateway_e2e::oracle::check(&files, Some(gost.conf()));
    assert_eq!(reports.len(), 18);
    for report in reports {
        let [signature] = report.signatures.as_slice() else {
            panic!("{}: one signature: {report:?}", report.file.display())
        };
        assert_eq!(signature.container, "SMEVSignature");
        assert!(
            signature.all_ok(),
            "{}: the harness refuses the gateway's signature: {signature:?}",
            report.file.display()
        );
    }
}

/// A signed answer sent as MTOM: the `SMEVSignature` covers `Response` (with the attachments' headers), the
/// contents travel as parts outside it, and the root part verifies with `openssl` and the harness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_mtom_answer_verifies_with_its_files_as_parts() {
    let gost = GostPki::new();
    let key = gost.signer(&gateway_e2e::mchd::Person::new(
        "Частей",
        "Ответ",
        "Мимович",
    ));
    let db = TestDb::fresh(gateway_e2e::Backend::Sqlite).await;
    let config = TestConfig::new(db.url()).with(&signing_answers(&gost, &key));
    let gw = GatewayProcess::spawn(&config).await;
    let url = gw.url("/smev/1.3");
    let request =
        crate::attachments::request_with_files("1.3", &smev::message_id(), "подписанные части");
    let r = Client::new()
        .post(
            &url,
            "text/xml; charset=utf-8",
            request,
            Some(gateway_e2e::TOKEN_A),
        )
        .await;
    assert_eq!(fault_name(&r.body), None, "{}", r.text());
    let mut answered = None;
    for _ in 0..200 {
        let r = crate::attachments::post_as_mtom(&url, &smev::get_response("1.3", None)).await;
        if r.header("content-type")
            .is_some_and(|t| t.starts_with("multipart/related"))
        {
            answered = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let r = answered.expect("the files come as MTOM parts");
    let root = smev_envelope::mtom::resolve(&r.header("content-type").expect("type"), &r.body)
        .expect("MTOM body");
    smev::assert_valid_answer("1.3", &root);
    assert_eq!(smev::texts_of(&root, "contentId"), ["back-scan", "text"]);
    openssl_checks_smev_signature(gost.conf(), &root, "Response");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mtom-root.xml");
    std::fs::write(&path, &root).expect("write");
    let [report] = gateway_e2e::oracle::check(&[path], Some(gost.conf()))
        .try_into()
        .expect("one report");
    assert!(
        report.signatures.iter().all(|s| s.all_ok()) && report.signatures.len() == 1,
        "{report:?}"
    );
    gw.stop();
}
