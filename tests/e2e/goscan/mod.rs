//! Scanning on behalf of an organisation with a machine-readable power of attorney (issue 4) end to end: the
//! `mchd` policy step before the SVO status plugin, the `mchd` service, the `mchd-registry` adapter and the
//! simulated ФНС registry, synthetic documents signed at run time by a test CA, the facts table read with SQL.
//!
//! Layout: this file (helpers), `scanning` (valid scans and their facts, two organisations), `negative` (every
//! check broken once), `retrust`, `registry` (revocation and the cache, an unavailable registry, the demo
//! fixtures), `service` (`VerifyMchdRequest` on its own), `gost` (a GOST-signed МЧД in a gateway process),
//! `forgery` (inline documents that are not the registered ones), `revocation` (CRLs of the trust store),
//! `isolation` (plugins keep to their own token scopes), `large_family` and `digital_id` (the other Goscan
//! documents, behind the same policy step), `scan` (one scan message for all of them).

mod digital_id;
mod forgery;
mod gost;
mod isolation;
mod large_family;
mod negative;
mod registry;
mod retrust;
mod revocation;
mod scan;
mod scanning;
mod service;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gateway_e2e::goscan::Goscan;
use gateway_e2e::mchd::{Kit, Person, Signed};
use gateway_e2e::{Client, Sim, TOKEN_A, TestConfig, TestDb, TestGateway};
use serde_json::{Value, json};

/// The message types.
pub const ISSUE: &str = "{urn://gateway/svo-status/1.0}IssueQrRequest";
pub const VERIFY_QR: &str = "{urn://gateway/svo-status/1.0}VerifyQrRequest";
pub const VERIFY_MCHD: &str = "{urn://gateway/mchd/1.0}VerifyMchdRequest";
pub const LIST: &str = "{urn://gateway/goscan/1.0}ListScanOrganisationsRequest";
/// An invented SVO participant of the simulator's fixtures: the citizen whose QR code is scanned.
pub const CITIZEN: &str = "112-233-445 95";
/// The seed's advice when the power of attorney does not do.
pub const ADVICE: &str = "Выберите другую организацию или отсканируйте код как физическое лицо";

/// Now, unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

/// The goscan test config on `db`, trusting `kit`'s CA.
pub fn config(db: &TestDb, sim: &Sim, kit: &Kit, cache_ttl: &str) -> TestConfig {
    TestConfig::new(db.url()).with_goscan(Goscan {
        sim_url: &sim.url(),
        trust_store: kit.ca_pem(),
        openssl_conf: None,
        cache_ttl,
        crl_files: &[],
    })
}

/// A goscan gateway on a fresh database of `backend`, with its simulator and test CA.
pub struct Setup {
    pub kit: Kit,
    pub sim: Sim,
    pub db: TestDb,
    pub gw: TestGateway,
    /// The JSON API's synchronous call.
    pub url: String,
}

impl Setup {
    /// Starts everything, `extra` appended to the goscan config (plugin settings, say).
    pub async fn start(backend: gateway_e2e::Backend, extra: &str) -> Setup {
        let kit = Kit::new();
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&config(&db, &sim, &kit, "5m").with(extra)).await;
        let url = gw.url("/api/v1/messages");
        Setup {
            kit,
            sim,
            db,
            gw,
            url,
        }
    }
}

/// A JSON API call as sender A.
pub async fn call(url: &str, message_type: &str, payload: Value) -> gateway_e2e::Reply {
    Client::new()
        .post_json(
            url,
            &json!({"type": message_type, "payload": payload}),
            Some(TOKEN_A),
        )
        .await
}

/// The payload of a `200` answer.
pub async fn answer(url: &str, message_type: &str, payload: Value) -> Value {
    let r = call(url, message_type, payload).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["payload"].clone()
}

/// A live QR code of the citizen.
pub async fn qr(url: &str) -> String {
    let issued = answer(url, ISSUE, json!({"snils": CITIZEN})).await;
    assert_eq!(issued["status"], "ISSUED", "{issued}");
    issued["guid"].as_str().expect("guid").to_owned()
}

/// `OnBehalfOf` with the document inline.
pub fn inline(organisation: &str, scanner: &Person, signed: &Signed) -> Value {
    json!({
        "organisation": organisation,
        "scanner": scanner.snils,
        "mchd": {"xml": STANDARD.encode(&signed.xml), "signature": STANDARD.encode(&signed.signature)},
    })
}

/// `OnBehalfOf` with the document's number.
pub fn by_number(organisation: &str, scanner: &Person, number: &str) -> Value {
    json!({"organisation": organisation, "scanner": scanner.snils, "mchdNumber": number})
}

/// Scans `guid` on behalf of an organisation.
pub async fn scan(url: &str, guid: &str, on_behalf_of: Value) -> Value {
    answer(
        url,
        VERIFY_QR,
        json!({"qr": guid, "onBehalfOf": on_behalf_of}),
    )
    .await
}

/// Sends `payload` (XML) in a SOAP 1.3 SendRequest and returns the answer of type `{ns}response` once it is
/// there, checked against the official schemas.
pub async fn soap_answer(gw: &TestGateway, payload: &str, ns: &str, response: &str) -> Vec<u8> {
    let r = crate::soap(
        gw,
        "1.3",
        gateway_e2e::smev::send_request("1.3", &gateway_e2e::smev::message_id(), payload),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let got = crate::wait_response(gw, "1.3", TOKEN_A, Some((ns, response))).await;
    gateway_e2e::smev::assert_valid_answer("1.3", &got.body);
    got.body.to_vec()
}

/// `MCHD_INVALID` with `reason`, the seed's advice, and no scan.
pub fn assert_refused(answer: &Value, reason: &str, what: &str) {
    assert_eq!(answer["result"], "MCHD_INVALID", "{what}: {answer}");
    assert_eq!(answer["reasonCode"], reason, "{what}: {answer}");
    assert_eq!(answer["advice"], ADVICE, "{what}");
    assert!(
        answer["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {answer}"
    );
    assert!(
        answer.get("scanId").is_none() && answer.get("participant").is_none(),
        "{what}: {answer}"
    );
}
