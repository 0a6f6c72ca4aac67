//! Scanning on behalf of an organisation (Госскан): a config with the SVO status plugin behind the `mchd`
//! policy step, the `mchd` service, both adapters and the trust store; the registry simulator's control of
//! powers of attorney; and the facts table read directly.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::artifacts::{adapter, plugin};
use crate::mchd::Signed;
use crate::{Client, Sim, TestConfig, TestDb};

/// What the goscan parts of a test config need.
#[derive(Debug, Clone, Copy)]
pub struct Goscan<'a> {
    /// The registry simulator (MoD showcase and ФНС МЧД registry).
    pub sim_url: &'a str,
    /// CA certificates (PEM) signers must chain to.
    pub trust_store: &'a Path,
    /// The OpenSSL config loading the gost engine, for GOST signatures (a gateway process is needed).
    pub openssl_conf: Option<&'a Path>,
    /// How long registry answers are cached (`cache_ttl` of the plugin).
    pub cache_ttl: &'a str,
    /// Certificate revocation lists of the trust store's CAs (`[crypto] crl_files`).
    pub crl_files: &'a [&'a Path],
}

impl TestConfig {
    /// The SVO status plugin with the `mchd` policy step before `VerifyQrRequest`, the `mchd` service for
    /// `VerifyMchdRequest` and `ListScanOrganisationsRequest`, the MoD showcase and МЧД registry adapters
    /// pointed at the simulator, and `[crypto]`.
    pub fn with_goscan(mut self, g: Goscan<'_>) -> TestConfig {
        self.sim_url = Some(g.sim_url.to_owned());
        let openssl_conf = g
            .openssl_conf
            .map(|p| format!("openssl_conf = \"{}\"\n", p.display()))
            .unwrap_or_default();
        let crl_files = g
            .crl_files
            .iter()
            .map(|p| format!("\"{}\"", p.display()))
            .collect::<Vec<_>>()
            .join(", ");
        self.extra.push_str(&format!(
            r#"
[crypto]
trust_store = ["{trust}"]
crl_files = [{crl_files}]
{openssl_conf}
[plugins.svo-status]
path = "{svo}"
adapters = ["mod-showcase"]
[plugins.svo-status.config]
qr_ttl = "5m"

[plugins.large-family]
path = "{large_family}"
adapters = ["large-family-bank"]

[plugins.digital-id]
path = "{digital_id}"
adapters = ["digital-id-issuer"]

[plugins.mchd]
path = "{mchd}"
adapters = ["mchd-registry"]
[plugins.mchd.config]
role = "policy"
cache_ttl = "{ttl}"
retry_after = "7s"

[plugins.mchd-service]
path = "{mchd}"
adapters = ["mchd-registry"]
[plugins.mchd-service.config]
role = "service"
cache_ttl = "{ttl}"
retry_after = "7s"

[adapters.mod-showcase]
path = "{showcase}"
timeout = "400ms"
breaker_failures = 1000
[adapters.mod-showcase.config]
base_url = "{sim}"
timeout_ms = 350

[adapters.large-family-bank]
path = "{bank}"
timeout = "400ms"
breaker_failures = 1000
[adapters.large-family-bank.config]
base_url = "{sim}"
timeout_ms = 350

[adapters.digital-id-issuer]
path = "{issuer}"
timeout = "400ms"
breaker_failures = 1000
[adapters.digital-id-issuer.config]
base_url = "{sim}"
timeout_ms = 350

[adapters.mchd-registry]
path = "{registry}"
timeout = "500ms"
retries = 1
retry_backoff = "20ms"
breaker_failures = 1000
[adapters.mchd-registry.config]
base_url = "{sim}"
timeout_ms = 450

[[pages]]
prefix = "/somc2/"
plugin = "svo-status"

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}IssueQrRequest"
chain = ["svo-status"]
deadline = "2s"
identifiers = {{ Snils = "snils" }}

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}VerifyQrRequest"
chain = ["mchd", "svo-status"]
deadline = "5s"
identifiers = {{ Organisation = "ogrn-or-ogrnip", Scanner = "snils" }}

[[routes]]
type = "{{urn://gateway/large-family/1.0}}VerifyCertificateRequest"
chain = ["mchd", "large-family"]
deadline = "5s"
identifiers = {{ Organisation = "ogrn-or-ogrnip", Scanner = "snils" }}

[[routes]]
type = "{{urn://gateway/digital-id/1.0}}VerifyDigitalIdRequest"
chain = ["mchd", "digital-id"]
deadline = "5s"
identifiers = {{ Organisation = "ogrn-or-ogrnip", Scanner = "snils" }}

# One scan message for every Goscan document (seed 002): the QR text decides the document, and the request goes
# on as that document's verify request, through its route and chain (the МЧД policy step included).
[[routes]]
type = "{{urn://gateway/goscan/1.0}}ScanRequest"
deadline = "5s"
identifiers = {{ Organisation = "ogrn-or-ogrnip", Scanner = "snils" }}
[routes.scan]
answer = "{{urn://gateway/goscan/1.0}}ScanResponse"
[[routes.scan.documents]]
document_type = "svo-status"
route = "{{urn://gateway/svo-status/1.0}}VerifyQrRequest"
patterns = ['^https://www\.gosuslugi\.ru/somc2/[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}/?$']
[[routes.scan.documents]]
document_type = "large-family"
route = "{{urn://gateway/large-family/1.0}}VerifyCertificateRequest"
patterns = ['^https://www\.gosuslugi\.ru/mnogodet/[0-9]{{2}}-[0-9]{{4,12}}/?$']
[[routes.scan.documents]]
document_type = "digital-id"
route = "{{urn://gateway/digital-id/1.0}}VerifyDigitalIdRequest"
patterns = ['^https://id\.max\.ru/(passport|age)/[A-Za-z0-9_-]{{8,128}}/?$']

[[routes]]
type = "{{urn://gateway/mchd/1.0}}VerifyMchdRequest"
chain = ["mchd-service"]
deadline = "5s"
identifiers = {{ Organisation = "ogrn-or-ogrnip", Representative = "snils" }}

[[routes]]
type = "{{urn://gateway/goscan/1.0}}ListScanOrganisationsRequest"
chain = ["mchd-service"]
deadline = "2s"
identifiers = {{ Scanner = "snils" }}
"#,
            trust = g.trust_store.display(),
            svo = plugin("svo-status").display(),
            mchd = plugin("mchd").display(),
            large_family = plugin("large-family").display(),
            bank = adapter("large_family_bank_adapter").display(),
            digital_id = plugin("digital-id").display(),
            issuer = adapter("digital_id_issuer_adapter").display(),
            ttl = g.cache_ttl,
            showcase = adapter("mod_showcase_adapter").display(),
            registry = adapter("mchd_registry_adapter").display(),
            sim = g.sim_url,
        ));
        self
    }
}

/// Registers a document in the simulated ФНС registry with `status`; returns its number.
pub async fn register(sim: &Sim, xml: &[u8], signature: Option<&[u8]>, status: &str) -> String {
    let body = json!({
        "xml": STANDARD.encode(xml),
        "signature": signature.map(|s| STANDARD.encode(s)),
        "status": status,
    });
    let r = Client::new()
        .post_json(
            &format!("{}/mchd-registry/v1/register", sim.url()),
            &body,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "register: {}", r.text());
    r.json()["number"].as_str().expect("number").to_owned()
}

/// Registers a signed document as `ACTIVE`.
pub async fn register_active(sim: &Sim, signed: &Signed) -> String {
    register(sim, &signed.xml, Some(&signed.signature), "ACTIVE").await
}

/// Changes a status in the simulated registry.
pub async fn set_status(sim: &Sim, number: &str, status: &str) {
    let body = json!({"number": number, "status": status});
    let r = Client::new()
        .post_json(
            &format!("{}/mchd-registry/v1/set-status", sim.url()),
            &body,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "set-status: {}", r.text());
}

/// A row of the `facts` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRow {
    pub id: String,
    pub kind: String,
    pub organisation: String,
    pub document_type: String,
    /// Unix milliseconds.
    pub occurred_at: i64,
}

/// Every row of the `facts` table, read with SQL (not through the gateway's store), by time.
pub async fn facts(db: &TestDb) -> Vec<FactRow> {
    use sqlx::Row;
    const QUERY: &str = "SELECT id, kind, organisation, document_type, occurred_at FROM facts ORDER BY occurred_at, id";
    let rows: Vec<(String, String, String, String, i64)> = match db.backend() {
        crate::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url())
                .await
                .expect("open sqlite");
            let rows = sqlx::query(QUERY).fetch_all(&pool).await.expect("facts");
            let out = rows
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                .collect();
            pool.close().await;
            out
        }
        crate::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url())
                .await
                .expect("open postgres");
            let rows = sqlx::query(QUERY).fetch_all(&pool).await.expect("facts");
            let out = rows
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                .collect();
            pool.close().await;
            out
        }
    };
    rows.into_iter()
        .map(
            |(id, kind, organisation, document_type, occurred_at)| FactRow {
                id,
                kind,
                organisation,
                document_type,
                occurred_at,
            },
        )
        .collect()
}
