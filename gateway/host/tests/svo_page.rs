//! The bundled `svo-status` component serves the page of its QR links (`/somc2/<guid>`) through the host: the
//! participant for a live code, 410 for an expired one, 404 for an unknown or malformed id, 503 when the token
//! store fails; the token is read from the plugin's own scope `svo-qr`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_host::testing::plugin_path;
use gateway_host::{
    CallContext, HostConfig, HostError, HostServices, PageRequest, PageResponse, PluginHost,
    PluginSpec, Signer, Token, TokenLookup, VerifyError,
};

const LIVE: &str = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";
const EXPIRED: &str = "00000000-7a4d-4e2b-9c3a-1b2c3d4e5f60";
const BROKEN: &str = "11111111-7a4d-4e2b-9c3a-1b2c3d4e5f60";
const DEADLINE: Duration = Duration::from_secs(5);

/// A token store that knows [`LIVE`] (a participant) and [`EXPIRED`], fails for [`BROKEN`], and records the
/// scopes it is asked about; every other service is unavailable.
#[derive(Default)]
struct SvoTokens {
    scopes: Mutex<Vec<(String, String)>>,
}

fn unavailable<T>() -> Result<T, HostError> {
    Err(HostError::Unavailable("not in this test".into()))
}

#[async_trait::async_trait]
impl HostServices for SvoTokens {
    async fn token_get(
        &self,
        cx: &CallContext,
        scope: &str,
        id: &str,
    ) -> Result<TokenLookup, HostError> {
        self.scopes
            .lock()
            .expect("lock")
            .push((cx.plugin.clone(), scope.to_owned()));
        match id {
            LIVE => Ok(TokenLookup::Live(Token {
                id: LIVE.into(),
                data: r#"{"LastName":"Образцов","FirstName":"Пример","MiddleName":"Тестович","BirthDate":"1985-03-14"}"#
                    .as_bytes()
                    .to_vec(),
                issued_at: 1_795_537_500_123,
                expires_at: 1_795_537_800_123,
            })),
            EXPIRED => Ok(TokenLookup::Expired(1_795_537_800_123)),
            BROKEN => Err(HostError::Unavailable("the store is down".into())),
            _ => Ok(TokenLookup::Unknown),
        }
    }

    async fn token_find(
        &self,
        _cx: &CallContext,
        _scope: &str,
        _subject: &str,
    ) -> Result<Option<Token>, HostError> {
        unavailable()
    }

    async fn token_issue(
        &self,
        _cx: &CallContext,
        _scope: &str,
        _subject: &str,
        _data: Vec<u8>,
        _ttl: Duration,
    ) -> Result<Token, HostError> {
        unavailable()
    }

    async fn registry_call(
        &self,
        _cx: &CallContext,
        _adapter: &str,
        _operation: &str,
        _input: Vec<u8>,
    ) -> Result<Vec<u8>, HostError> {
        unavailable()
    }

    async fn verify_detached(
        &self,
        _cx: &CallContext,
        _content: Vec<u8>,
        _signature: Vec<u8>,
    ) -> Result<Result<Signer, VerifyError>, HostError> {
        unavailable()
    }

    async fn validate_xml(
        &self,
        _cx: &CallContext,
        _namespace: &str,
        _document: Vec<u8>,
    ) -> Result<Option<String>, HostError> {
        unavailable()
    }
}

async fn svo_host() -> (PluginHost, Arc<SvoTokens>) {
    let services = Arc::new(SvoTokens::default());
    let config = HostConfig {
        max_instances: 4,
        cache_dir: Some(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache")),
        ..HostConfig::default()
    };
    let host = PluginHost::new(&config, services.clone()).expect("host");
    host.load(PluginSpec::new("svo-status", plugin_path("svo_status")))
        .await
        .expect("svo-status loads");
    (host, services)
}

async fn somc2(host: &PluginHost, id: &str) -> PageResponse {
    host.page(
        "svo-status",
        PageRequest::get("/somc2/", id).with_accept_language("ru-RU,ru;q=0.9"),
        DEADLINE,
    )
    .await
    .unwrap_or_else(|error| panic!("the page of {id} renders: {error}"))
}

fn assert_page(page: &PageResponse, status: u16, text: &str) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(page.body.contains(text), "{text:?} in {}", page.body);
    assert!(page.body.contains("<html lang=\"ru\">"));
    assert!(
        page.body
            .contains("<meta name=\"robots\" content=\"noindex\">")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[tokio::test]
async fn svo_status_serves_the_page_of_its_qr_links() {
    let (host, services) = svo_host().await;
    assert!(host.serves_pages("svo-status"));

    let live = somc2(&host, LIVE).await;
    assert_page(&live, 200, "Статус участника СВО подтверждён");
    assert!(
        live.body
            .contains("<dd>Образцов Пример Тестович</dd><dt>Дата рождения</dt><dd>1985-03-14</dd>"),
        "{}",
        live.body
    );
    assert!(
        live.body
            .contains("QR-код действителен до 2026-11-24 16:30:00 (UTC)")
    );

    let expired = somc2(&host, EXPIRED).await;
    assert_page(&expired, 410, "Срок действия QR-кода истёк");
    assert!(!expired.body.contains("Образцов"));

    for id in ["4a2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60", "not-a-guid"] {
        assert_page(&somc2(&host, id).await, 404, "QR-код не найден");
    }
    assert_page(
        &somc2(&host, BROKEN).await,
        503,
        "Не удалось проверить QR-код",
    );

    let scopes = services.scopes.lock().expect("lock").clone();
    assert_eq!(
        scopes.len(),
        4,
        "a malformed id is not looked up: {scopes:?}"
    );
    assert!(
        scopes
            .iter()
            .all(|(plugin, scope)| plugin == "svo-status" && scope == "svo-qr"),
        "{scopes:?}"
    );
}
