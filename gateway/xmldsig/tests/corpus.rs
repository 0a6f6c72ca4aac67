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
use gateway_xmldsig::signatures;
use quick_xml::events::Event;

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

/// The OpenSSL digest option of a DigestMethod or SignatureMethod URI of the corpus.
fn openssl_md(method: &str) -> &'static str {
    match method {
        "http://www.w3.org/2001/04/xmldsig-more#gostr3411"
        | "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411" => "-md_gost94",
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
        | "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256" => {
            "-md_gost12_256"
        }
        other => panic!("method {other} is not in the corpus"),
    }
}

fn digest(conf: &Path, method: &str, data: &[u8]) -> Vec<u8> {
    let md = openssl_md(method);
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

/// Compares the outcome, one line per item, with the expected table (printed, to update it knowingly).
fn assert_outcome(outcome: &[String], expected: &str) {
    let outcome = outcome.join("\n");
    println!("{outcome}");
    assert_eq!(outcome, expected.trim());
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/smev3-corpus")
}

/// The corpus files by name, with their bytes.
fn corpus_documents() -> Vec<(String, Vec<u8>)> {
    corpus_files()
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(path).expect("read corpus file"))
        })
        .collect()
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        // The raw HTTP capture holds the same envelope as its XML twin, which is checked.
        .filter(|p| !p.to_string_lossy().ends_with("-http.xml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_transform_reproduces_every_digest_signed_over_unedited_content() {
    const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    const SMEV: &str = "urn://smev-gov-ru/xmldsig/transform";
    const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    let (_dir, conf) = gost_conf();
    let mut outcome = Vec::new();
    for (name, document) in corpus_documents() {
        let references = signatures(&document)
            .expect("read signatures")
            .into_iter()
            .flat_map(|s| s.references);
        for reference in references {
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
    assert_outcome(&outcome, EXPECTED);
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

/// Whether `signature` (raw bytes) over `data` verifies with the key of the DER `certificate`.
fn verifies(conf: &Path, method: &str, certificate: &[u8], signature: &[u8], data: &[u8]) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("cert.der");
    let key = dir.path().join("key.pem");
    let sig = dir.path().join("sig.bin");
    let input = dir.path().join("signed-info.xml");
    std::fs::write(&cert, certificate).expect("write");
    std::fs::write(&sig, signature).expect("write");
    std::fs::write(&input, data).expect("write");
    let out = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .env("OPENSSL_CONF", conf)
        .output()
        .expect("openssl x509");
    assert!(
        out.status.success(),
        "openssl x509: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&key, out.stdout).expect("write");
    Command::new("openssl")
        .args(["dgst", openssl_md(method), "-verify"])
        .arg(&key)
        .arg("-signature")
        .arg(&sig)
        .arg(&input)
        .env("OPENSSL_CONF", conf)
        .output()
        .expect("openssl dgst -verify")
        .status
        .success()
}

/// The canonical form without the whitespace-only text someone pretty-printed into `SignedInfo` after signing.
fn unindented(canonical: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(canonical.to_vec()).expect("utf-8");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('>') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let next = rest.find('<').unwrap_or(rest.len());
        let between = &rest[..next];
        if between
            .replace("&#xD;", "")
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\n'))
        {
            rest = &rest[next..];
        }
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Exclusive c14n of `SignedInfo` as this crate writes it is what the signers signed: every signature value
/// of the corpus that carries its certificate verifies over it (GOST through the gost engine, the 64 bytes as
/// stored). Where someone pretty-printed `SignedInfo` after signing, it verifies only without that whitespace,
/// and not as received.
#[test]
fn every_signature_value_verifies_over_the_canonical_signed_info() {
    let (_dir, conf) = gost_conf();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut outcome = Vec::new();
    for (name, document) in corpus_documents() {
        for signature in signatures(&document).expect("read signatures") {
            let label = format!("{name} {}", signature.container);
            assert_eq!(
                signature.canonicalization, "http://www.w3.org/2001/10/xml-exc-c14n#",
                "{label}"
            );
            let (Some(certificate), Ok(value)) =
                (&signature.certificate, b64.decode(&signature.value))
            else {
                outcome.push(format!("{label}: no signature value or certificate"));
                continue;
            };
            let Ok(certificate) = b64.decode(certificate) else {
                outcome.push(format!("{label}: no signature value or certificate"));
                continue;
            };
            let verdict = if verifies(
                &conf,
                &signature.method,
                &certificate,
                &value,
                &signature.signed_info,
            ) {
                "verifies"
            } else if verifies(
                &conf,
                &signature.method,
                &certificate,
                &value,
                &unindented(&signature.signed_info),
            ) {
                "verifies un-indented only"
            } else {
                "does not verify"
            };
            outcome.push(format!("{label}: {verdict}"));
        }
    }
    assert_outcome(&outcome, SIGNATURES_EXPECTED);
}

/// What each signature gives. `x4t-555` is an unsigned template; the MyLab README's certificate is elided.
const SIGNATURES_EXPECTED: &str = "
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__AckRequest-signed.xml CallerInformationSystemSignature: verifies
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseRequest-signed.xml CallerInformationSystemSignature: verifies
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseResponse.xml SMEVSignature: verifies
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestRequest-signed.xml CallerInformationSystemSignature: verifies
Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestResponse.xml SMEVSignature: verifies
Roland4444__sm3__AckRequest.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__GetRequestRequestWithFilter.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__GetRequestRequestWithoutFilter.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__GetRequestResponsePersonalSignature.xml PersonalSignature: verifies un-indented only
Roland4444__sm3__GetRequestResponsePersonalSignature.xml SenderInformationSystemSignature: verifies un-indented only
Roland4444__sm3__GetRequestResponsePersonalSignature.xml SMEVSignature: verifies un-indented only
Roland4444__sm3__GetResponseRequestWithFilter.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__GetResponseRequestWithoutFilter.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__SendRequestRequestAttachFTP.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__SendRequestRequestNoAttach.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__SendRequestRequestPersonalSignature.xml PersonalSignature: verifies
Roland4444__sm3__SendRequestRequestPersonalSignature.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__SendRequestResponseOK.xml SMEVSignature: verifies un-indented only
Roland4444__sm3__SendResponseRequestNoAttach.xml CallerInformationSystemSignature: verifies
Roland4444__sm3__SendResponseResponseOK.xml SMEVSignature: verifies un-indented only
Roland4444__sm3__x4t-15.xml SMEVSignature: verifies
Roland4444__sm3__x4t-555.xml CallerInformationSystemSignature: no signature value or certificate
Roland4444__sm3__x4t-outt.xml SenderInformationSystemSignature: verifies
Roland4444__sm3__x4t-outt.xml SMEVSignature: verifies
burcevsemyon__Smev3Sharp__GetResponseResponce_InvalidContent.xml SenderInformationSystemSignature: verifies un-indented only
burcevsemyon__Smev3Sharp__GetResponseResponce_InvalidContent.xml SMEVSignature: verifies un-indented only
burcevsemyon__Smev3Sharp__SendRequestResponce.xml SMEVSignature: verifies un-indented only
ilyaKupriyanov__usb-smev3-zagsFatalOiv__zagsFatalOivProducerRequest.xml RecordSignature: verifies
ilyaKupriyanov__usb-smev3-zagsFatalOiv__zagsFatalOivProducerRequest.xml SenderInformationSystemSignature: verifies un-indented only
ilyaKupriyanov__usb-smev3-zagsFatalOiv__zagsFatalOivProducerRequest.xml SMEVSignature: verifies un-indented only
mylab-tools__MyLab.Smev__README-AckRequest-defaultns.xml CallerInformationSystemSignature: no signature value or certificate
";

/// How a variant rewrites an envelope without changing what its signatures cover.
#[derive(Clone, Copy, Debug)]
enum Rewrite {
    /// Every prefix renamed (`p` → `p_q`), declarations included; the default namespace stays.
    Prefixes,
    /// Attributes in reverse order, values in single quotes where they hold no `'`.
    Attributes,
    /// Letters and digits of text written as character references.
    CharacterReferences,
    /// Indentation between adjacent tags.
    Indentation,
    /// Indentation as above, and Windows line ends everywhere.
    LineEnds,
}

fn renamed(name: &str, rewrite: Rewrite) -> String {
    if !matches!(rewrite, Rewrite::Prefixes) {
        return name.to_owned();
    }
    match name.split_once(':') {
        Some(("xml", _)) => name.to_owned(),
        Some(("xmlns", p)) => format!("xmlns:{p}_q"),
        Some((p, local)) => format!("{p}_q:{local}"),
        None => name.to_owned(),
    }
}

/// `document` rewritten as `rewrite` says, event by event (raw text and values kept unless rewritten).
fn rewritten(document: &[u8], rewrite: Rewrite) -> Vec<u8> {
    let mut reader = quick_xml::Reader::from_reader(document);
    let mut out = String::new();
    loop {
        let event = reader.read_event().expect("well-formed corpus file");
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                out.push('<');
                out.push_str(&renamed(tag.name().0, rewrite));
                let mut attrs: Vec<_> = tag.attributes().map(|a| a.expect("attribute")).collect();
                if matches!(rewrite, Rewrite::Attributes) {
                    attrs.reverse();
                }
                for attr in attrs {
                    let raw = attr.value.as_ref();
                    let quote = if matches!(rewrite, Rewrite::Attributes) && !raw.contains('\'')
                        || raw.contains('"')
                    {
                        '\''
                    } else {
                        '"'
                    };
                    out.push(' ');
                    out.push_str(&renamed(attr.key.0, rewrite));
                    out.push('=');
                    out.push(quote);
                    out.push_str(raw);
                    out.push(quote);
                }
                out.push_str(if matches!(event, Event::Empty(_)) {
                    "/>"
                } else {
                    ">"
                });
            }
            Event::End(tag) => {
                out.push_str("</");
                out.push_str(&renamed(tag.name().0, rewrite));
                out.push('>');
            }
            Event::Text(text) => {
                for c in text.as_ref().chars() {
                    if matches!(rewrite, Rewrite::CharacterReferences) && c.is_alphanumeric() {
                        out.push_str(&format!("&#x{:x};", u32::from(c)));
                    } else {
                        out.push(c);
                    }
                }
            }
            Event::GeneralRef(reference) => out.push_str(&format!("&{};", reference.as_ref())),
            Event::CData(data) => out.push_str(&format!("<![CDATA[{}]]>", data.as_ref())),
            Event::Comment(comment) => out.push_str(&format!("<!--{}-->", comment.as_ref())),
            Event::PI(pi) => out.push_str(&format!("<?{}?>", pi.as_ref())),
            Event::Decl(decl) => out.push_str(&format!("<?{}?>", decl.as_ref())),
            Event::DocType(_) => panic!("no DOCTYPE in the corpus"),
            Event::Eof => break,
        }
        if matches!(rewrite, Rewrite::Indentation | Rewrite::LineEnds)
            && out.ends_with('>')
            && !out.ends_with("-->")
            && !out.ends_with("?>")
        {
            // Whitespace goes only between two tags: remember where, and drop it if text follows.
            out.push_str("\n  ");
        }
    }
    if matches!(rewrite, Rewrite::Indentation | Rewrite::LineEnds) {
        out = drop_indentation_before_text(&out);
    }
    if matches!(rewrite, Rewrite::LineEnds) {
        out = out.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    out.into_bytes()
}

/// Removes the `"\n  "` the indentation rewrite put after a tag unless only whitespace and a tag follow.
fn drop_indentation_before_text(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(">\n  ") {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 4..];
        // Kept when only whitespace stands between it and the next tag: a comment, CDATA or PI may join text.
        let next = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        if next.starts_with('<') && !next.starts_with("<!") && !next.starts_with("<?") {
            out.push_str("\n  ");
        }
    }
    out.push_str(rest);
    out
}

/// Envelopes rewritten in five ways that keep what their signatures cover: every reference whose digest the signer
/// computed over unedited content (SMEV's and real clients' digests, not ours) still matches in every variant.
#[test]
fn equivalent_rewrites_keep_every_signed_digest() {
    let (_dir, conf) = gost_conf();
    let b64 = base64::engine::general_purpose::STANDARD;
    let rewrites = [
        Rewrite::Prefixes,
        Rewrite::Attributes,
        Rewrite::CharacterReferences,
        Rewrite::Indentation,
        Rewrite::LineEnds,
    ];
    let mut envelopes = 0;
    let mut references_checked = 0;
    for (name, document) in corpus_documents() {
        let good: Vec<_> = signatures(&document)
            .expect("read signatures")
            .into_iter()
            .flat_map(|s| s.references)
            .filter(|r| {
                let Ok(expected) = b64.decode(&r.digest_value) else {
                    return false;
                };
                let id = r.uri.trim_start_matches('#');
                let enveloped = r.transforms.len() == 3;
                let transformed =
                    gateway_xmldsig::smev_transform(&document, id, enveloped).expect("transform");
                digest(&conf, &r.digest_method, &transformed) == expected
            })
            .collect();
        if good.is_empty() {
            continue;
        }
        for rewrite in rewrites {
            let variant = rewritten(&document, rewrite);
            assert!(variant != document, "{name}: {rewrite:?} changed nothing");
            envelopes += 1;
            for reference in &good {
                let id = reference.uri.trim_start_matches('#');
                let enveloped = reference.transforms.len() == 3;
                let transformed = gateway_xmldsig::smev_transform(&variant, id, enveloped)
                    .unwrap_or_else(|e| panic!("{name} {rewrite:?}: {e}"));
                let expected = b64.decode(&reference.digest_value).expect("base64");
                assert!(
                    digest(&conf, &reference.digest_method, &transformed) == expected,
                    "{name} #{id}: the {rewrite:?} variant changed the digest:\n{}",
                    String::from_utf8_lossy(&transformed)
                );
                references_checked += 1;
            }
        }
    }
    println!("{envelopes} rewritten envelopes, {references_checked} references");
    assert!(envelopes >= 50, "only {envelopes} rewritten envelopes");
}
