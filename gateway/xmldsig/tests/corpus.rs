//! The SMEV transform against the DigestValues of envelopes SMEV and its clients really signed
//! (`tests/fixtures/smev3-corpus/`, with their source). Every `ds:Reference` of every corpus file is checked: its
//! transform is digested with GOST R 34.11 (the `openssl` command with the gost engine, Debian
//! `libengine-gost-openssl`) and compared with the DigestValue the signer wrote. The references whose content was
//! edited after signing (names replaced in the vendor's samples; blocks copied between samples) must not match;
//! all the others must. `docs/smev-xmldsig.md` §7.1 lists the same outcome.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use quick_xml::events::Event;

const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// One `ds:Reference` as written.
#[derive(Debug)]
struct Reference {
    uri: String,
    transforms: Vec<String>,
    digest_method: String,
    digest_value: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/smev3-corpus")
}

/// The `ds:Reference` elements of a document (prefixed or in the default namespace).
fn references(document: &[u8]) -> Vec<Reference> {
    let mut reader = quick_xml::NsReader::from_reader(document);
    let mut out: Vec<Reference> = Vec::new();
    let mut in_digest_value = false;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .expect("well-formed corpus file");
        let in_dsig = matches!(ns, quick_xml::name::ResolveResult::Bound(n) if n.0 == DSIG_NS);
        match event {
            Event::Start(e) | Event::Empty(e) if in_dsig => {
                let attr = |name: &str| {
                    e.try_get_attribute(name)
                        .expect("attribute")
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .expect("value")
                                .into_owned()
                        })
                        .unwrap_or_default()
                };
                match e.local_name().as_ref() {
                    "Reference" => out.push(Reference {
                        uri: attr("URI"),
                        transforms: Vec::new(),
                        digest_method: String::new(),
                        digest_value: String::new(),
                    }),
                    "Transform" => out
                        .last_mut()
                        .expect("in a Reference")
                        .transforms
                        .push(attr("Algorithm")),
                    "DigestMethod" => {
                        out.last_mut().expect("in a Reference").digest_method = attr("Algorithm")
                    }
                    "DigestValue" => in_digest_value = true,
                    _ => {}
                }
            }
            Event::Text(t) if in_digest_value => {
                let text = t.xml10_content();
                out.last_mut()
                    .expect("in a Reference")
                    .digest_value
                    .push_str(text.trim());
            }
            Event::End(_) => in_digest_value = false,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// An OpenSSL config that loads the gost engine, in a temporary directory.
fn gost_conf() -> (tempfile::TempDir, PathBuf) {
    let out = Command::new("openssl")
        .args(["version", "-e"])
        .output()
        .expect("openssl is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let engine =
        PathBuf::from(text.split('"').nth(1).expect("ENGINESDIR: \"...\"")).join("gost.so");
    assert!(
        engine.exists(),
        "the gost engine is missing ({}): apt-get install libengine-gost-openssl",
        engine.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("gost.cnf");
    std::fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n[engine_section]\ngost = gost_section\n\
             [gost_section]\nengine_id = gost\ndynamic_path = {}\ndefault_algorithms = ALL\n",
            engine.display()
        ),
    )
    .expect("write config");
    (dir, conf)
}

fn digest(conf: &Path, method: &str, data: &[u8]) -> Vec<u8> {
    let md = match method {
        "http://www.w3.org/2001/04/xmldsig-more#gostr3411" => "-md_gost94",
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256" => "-md_gost12_256",
        other => panic!("digest method {other} is not in the corpus"),
    };
    let mut child = Command::new("openssl")
        .args(["dgst", md, "-binary"])
        .env("OPENSSL_CONF", conf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run openssl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write");
    let out = child.wait_with_output().expect("openssl dgst");
    assert!(out.status.success(), "openssl dgst {md} failed");
    out.stdout
}

#[test]
fn the_transform_reproduces_every_digest_signed_over_unedited_content() {
    const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    const SMEV: &str = "urn://smev-gov-ru/xmldsig/transform";
    const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    let (_dir, conf) = gost_conf();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        // The raw HTTP capture holds the same envelope as its XML twin, which is checked.
        .filter(|p| !p.to_string_lossy().ends_with("-http.xml"))
        .collect();
    files.sort();
    let mut outcome = Vec::new();
    for path in &files {
        let document = std::fs::read(path).expect("read corpus file");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for reference in references(&document) {
            let id = reference
                .uri
                .strip_prefix('#')
                .expect("a same-document reference");
            let enveloped = match reference
                .transforms
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [EXC_C14N, SMEV] => false,
                [ENVELOPED, EXC_C14N, SMEV] => true,
                other => panic!("{name}: unexpected transforms {other:?}"),
            };
            let Ok(expected) =
                base64::engine::general_purpose::STANDARD.decode(&reference.digest_value)
            else {
                outcome.push(format!("{name} #{id}: no digest (a template)"));
                continue;
            };
            let transformed =
                gateway_xmldsig::smev_transform(&document, id, enveloped).expect("transform");
            let verdict = if digest(&conf, &reference.digest_method, &transformed) == expected {
                "matches"
            } else {
                "differs"
            };
            outcome.push(format!("{name} #{id}: {verdict}"));
        }
    }
    let outcome = outcome.join("\n");
    println!("{outcome}");
    assert_eq!(outcome, EXPECTED.trim());
}

/// What each reference gives. The vendor's sample set (Roland4444 `SendRequestRequest*`, `GetRequestResponse*`)
/// had its names replaced after signing, and the zags sample copied those samples' signature blocks: their digests
/// cannot match. `x4t-555` is an unsigned template (DigestValue `000`).
const EXPECTED: &str = "
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__AckRequest-signed.xml #SIGNED_BY_CALLER: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__AckRequest-signed.xml #SIGNED_BY_CALLER: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseRequest-signed.xml #SIGNED_BY_CALLER: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseRequest-signed.xml #SIGNED_BY_CALLER: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseResponse.xml #SIGNED_BY_SMEV: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestRequest-signed.xml #SIGNED_BY_CONSUMER: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestRequest-signed.xml #SIGNED_BY_CONSUMER: matches
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestResponse.xml #SIGNED_BY_SMEV: matches
Roland4444__sm3__AckRequest.xml #SIGNED_BY_CALLER: matches
Roland4444__sm3__GetRequestRequestWithFilter.xml #SIGNED_BY_CALLER: matches
Roland4444__sm3__GetRequestRequestWithoutFilter.xml #SIGNED_BY_CALLER: matches
Roland4444__sm3__GetRequestResponsePersonalSignature.xml #PERSONAL_SIGNATURE: differs
Roland4444__sm3__GetRequestResponsePersonalSignature.xml #SIGNED_BY_CONSUMER: differs
Roland4444__sm3__GetRequestResponsePersonalSignature.xml #SIGNED_BY_SMEV: differs
Roland4444__sm3__GetResponseRequestWithFilter.xml #SIGNED_BY_CALLER: matches
Roland4444__sm3__GetResponseRequestWithoutFilter.xml #SIGNED_BY_CALLER: matches
Roland4444__sm3__SendRequestRequestAttachFTP.xml #SIGNED_BY_CONSUMER: differs
Roland4444__sm3__SendRequestRequestNoAttach.xml #SIGNED_BY_CONSUMER: differs
Roland4444__sm3__SendRequestRequestPersonalSignature.xml #PERSONAL_SIGNATURE: differs
Roland4444__sm3__SendRequestRequestPersonalSignature.xml #SIGNED_BY_CONSUMER: differs
Roland4444__sm3__SendRequestResponseOK.xml #SIGNED_BY_SMEV: matches
Roland4444__sm3__SendResponseRequestNoAttach.xml #SIGNED_BY_PROVIDER: matches
Roland4444__sm3__SendResponseResponseOK.xml #SIGNED_BY_SMEV: matches
Roland4444__sm3__x4t-15.xml #SIGNED_BY_SMEV: matches
Roland4444__sm3__x4t-555.xml #SIGNED_BY_CALLER: no digest (a template)
Roland4444__sm3__x4t-outt.xml #SIGNED_BY_CALLER: matches
Roland4444__sm3__x4t-outt.xml #SIGNED_BY_SMEV: matches
burcevsemyon__Smev3Sharp__GetResponseResponce_InvalidContent.xml #SIGNED_ASYNC_BY_SMEV: matches
burcevsemyon__Smev3Sharp__GetResponseResponce_InvalidContent.xml #SIGNED_BY_SMEV: matches
burcevsemyon__Smev3Sharp__SendRequestResponce.xml #SIGNED_BY_SMEV: matches
ilyaKupriyanov__usb-smev3-zagsFatalOiv__zagsFatalOivProducerRequest.xml #ID_1: matches
ilyaKupriyanov__usb-smev3-zagsFatalOiv__zagsFatalOivProducerRequest.xml #SIGNED_BY_CONSUMER: differs
ilyaKupriyanov__usb-smev3-zagsFatalOiv__zagsFatalOivProducerRequest.xml #SIGNED_BY_SMEV: differs
mylab-tools__MyLab.Smev__README-AckRequest-defaultns.xml #SIGNED_BY_CALLER: matches
";
