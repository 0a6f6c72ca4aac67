//! A gateway for tests: a config made from parts, and the server started on `127.0.0.1:0` with the same
//! `gateway::run` that `gateway serve` calls.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gateway::config::Config;
use tokio_util::sync::CancellationToken;

use crate::artifacts::{adapter, plugin, repo_root};
use crate::{TOKEN_A, TOKEN_B};

pub(crate) fn sha(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// A config for tests, as TOML text: two senders (`A` may send everything, `B` only test requests), the test
/// plugins and adapters, the repository's and the tests' schemas, and the given extra sections.
#[derive(Clone)]
pub struct TestConfig {
    pub store_url: String,
    /// Extra TOML appended (routes, plugins, adapters, overrides of whole sections).
    pub extra: String,
    /// The `[queue]` section's body.
    pub queue: String,
    /// The `[tokens]` section's body.
    pub tokens: String,
    /// The `[limits]` section's body.
    pub limits: String,
    /// The `[server]` section's body (besides `listen`).
    pub server: String,
    /// The `[host]` section's body (besides `cache_dir`).
    pub host: String,
    /// The `[log]` section's body.
    pub log: String,
    /// Include the test plugins, adapters and the test route.
    pub test_parts: bool,
    /// Extra keys of `[plugins.test-doc]` (e.g. `read_scopes = [...]`).
    pub test_doc: String,
    /// The component `[plugins.test-doc]` runs: `test-doc` (built without WASI, as the bundled plugins are) or
    /// `test-doc-wasi` (the same code built for `wasm32-wasip2`).
    pub test_doc_build: &'static str,
    /// The registry simulator's URL, for the MoD showcase adapter.
    pub sim_url: Option<String>,
}

impl TestConfig {
    /// The default test config on `store_url`.
    pub fn new(store_url: impl Into<String>) -> TestConfig {
        TestConfig {
            store_url: store_url.into(),
            extra: String::new(),
            queue: "redelivery_after = \"1s\"\nrecovery_interval = \"200ms\"\nsweep_interval = \"200ms\"\nlease = \"10s\"\n".into(),
            tokens: "subject_key = \"test-subject-key\"\n".into(),
            limits: String::new(),
            server: String::new(),
            host: String::new(),
            log: "level = \"warn\"\n".into(),
            test_parts: true,
            test_doc: String::new(),
            test_doc_build: "test-doc",
            sim_url: None,
        }
    }

    /// Appends TOML.
    pub fn with(mut self, extra: &str) -> TestConfig {
        self.extra.push_str(extra);
        self.extra.push('\n');
        self
    }

    /// Points the MoD showcase adapter at `sim_url` and adds the SVO status plugin and its routes.
    pub fn with_svo(mut self, sim_url: &str, qr_ttl: &str) -> TestConfig {
        self.sim_url = Some(sim_url.to_owned());
        self.extra.push_str(&format!(
            r#"
[plugins.svo-status]
path = "{plugin}"
adapters = ["mod-showcase"]
[plugins.svo-status.config]
qr_ttl = "{qr_ttl}"
public_base_url = "https://www.gosuslugi.ru"
certificate_form_url = "https://www.gosuslugi.ru/600554/1/form"

[adapters.mod-showcase]
path = "{lib}"
timeout = "400ms"
retries = 1
retry_backoff = "20ms"
breaker_failures = 1000
[adapters.mod-showcase.config]
base_url = "{sim_url}"
timeout_ms = 350

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
chain = ["svo-status"]
deadline = "1s"
identifiers = {{ Organisation = "ogrn-or-ogrnip", Scanner = "snils" }}
"#,
            plugin = plugin("svo-status").display(),
            lib = adapter("mod_showcase_adapter").display(),
        ));
        self
    }

    /// The TOML text.
    pub fn render(&self) -> String {
        let root = repo_root();
        let mut s = format!(
            r#"
[server]
listen = "127.0.0.1:0"
{server}
[auth]
allow_bearer = true

[store]
url = "{store}"
max_connections = 8

[queue]
{queue}
[tokens]
{tokens}
[limits]
{limits}
[schemas]
dirs = ["{schemas}", "{test_schemas}"]

[host]
# Compiled plugins are shared by every test process (wasmtime's cache is safe for concurrent use).
cache_dir = "{wasm_cache}"
{host}

[log]
{log}
[[senders]]
mnemonic = "A"
name = "Sender A"
bearer_token_sha256 = "{ta}"
may_send = ["*"]

[[senders]]
mnemonic = "B"
name = "Sender B"
bearer_token_sha256 = "{tb}"
may_send = ["{{urn://gateway/test/1.0}}TestRequest"]
"#,
            server = self.server,
            host = self.host,
            log = self.log,
            store = self.store_url,
            queue = self.queue,
            tokens = self.tokens,
            limits = self.limits,
            schemas = root.join("schemas").display(),
            wasm_cache = root.join("target/e2e-wasm-cache").display(),
            test_schemas = root.join("tests/fixtures/schemas").display(),
            ta = sha(TOKEN_A),
            tb = sha(TOKEN_B),
        );
        if self.test_parts {
            s.push_str(&format!(
                r#"
[plugins.test-doc]
path = "{doc}"
memory = "16MiB"
adapters = ["test"]
{test_doc}
[plugins.test-doc.config]
greeting = "hello"

[plugins.test-policy]
path = "{policy}"

[adapters.test]
path = "{test_adapter}"
timeout = "300ms"
retries = 0
breaker_failures = 1000

[[routes]]
type = "{{urn://gateway/test/1.0}}TestRequest"
chain = ["test-policy", "test-doc"]
deadline = "500ms"
"#,
                doc = plugin(self.test_doc_build).display(),
                test_doc = self.test_doc,
                policy = plugin("test-policy").display(),
                test_adapter = adapter("test_adapter").display(),
            ));
        }
        s.push_str(&self.extra);
        s
    }

    /// Runs `gateway check` on this config: whether it passed, and what it printed.
    pub fn check(&self) -> (bool, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("gateway.toml");
        std::fs::write(&file, self.render()).expect("write config");
        let out = std::process::Command::new(crate::artifacts::gateway_bin())
            .args(["check", "--config"])
            .arg(&file)
            .output()
            .expect("gateway runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// The parsed config (validated as `gateway serve` would).
    pub fn config(&self) -> Config {
        let text = self.render();
        match Config::from_toml(
            &text,
            &PathBuf::from("test.toml"),
            repo_root(),
            std::iter::empty(),
        ) {
            Ok(l) => l.config,
            Err(e) => panic!("test config is invalid: {e}\n{text}"),
        }
    }
}

/// A running gateway.
pub struct TestGateway {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestGateway {
    /// Starts the gateway with `config` on a free port and waits until it is ready.
    pub async fn start(config: &TestConfig) -> TestGateway {
        TestGateway::start_config(config.config()).await
    }

    /// Starts a gateway whose listener speaks TLS: requests made before it is ready wait in the listen backlog,
    /// so it returns once the task runs.
    pub async fn start_tls(config: &TestConfig) -> TestGateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(gateway::run(config.config(), listener, shutdown.clone()));
        TestGateway {
            addr,
            shutdown,
            task: Some(task),
        }
    }

    /// Starts the gateway with `config`, or says why it stopped before it was ready (the error and its causes).
    pub async fn try_start(config: &TestConfig) -> Result<TestGateway, String> {
        TestGateway::try_start_config(config.config()).await
    }

    /// Starts the gateway with a parsed config.
    pub async fn start_config(config: Config) -> TestGateway {
        match TestGateway::try_start_config(config).await {
            Ok(gw) => gw,
            Err(why) => panic!("{why}"),
        }
    }

    /// Starts the gateway with a parsed config, or says why it stopped before it was ready.
    pub async fn try_start_config(config: Config) -> Result<TestGateway, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(gateway::run(config, listener, shutdown.clone()));
        let mut gw = TestGateway {
            addr,
            shutdown,
            task: Some(task),
        };
        gw.ready().await?;
        Ok(gw)
    }

    /// Waits until the gateway is ready; `Err` with the reason when it stopped first.
    async fn ready(&mut self) -> Result<(), String> {
        let client = crate::Client::new();
        for _ in 0..300 {
            if self.task.as_ref().is_some_and(|t| t.is_finished()) {
                let result = self.task.take().expect("checked").await;
                return Err(match result {
                    Ok(Err(e)) => format!("the gateway stopped before it was ready: {e:#}"),
                    other => format!("the gateway stopped before it was ready: {other:?}"),
                });
            }
            if let Ok(Ok(r)) = tokio::time::timeout(
                std::time::Duration::from_secs(1),
                tokio::net::TcpStream::connect(self.addr),
            )
            .await
            {
                drop(r);
                let request = hyper::Request::get(self.url("/readyz"))
                    .body(http_body_util::Full::new(bytes::Bytes::new()))
                    .expect("request");
                if client
                    .try_send(request)
                    .await
                    .is_some_and(|r| r.status == 200)
                {
                    return Ok(());
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err("the gateway did not become ready".into())
    }

    /// `http://127.0.0.1:PORT<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the gateway and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            t.await.expect("gateway task").expect("gateway ran");
        }
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A gateway in its own OS process (the built `gateway` binary), for tests of several nodes.
pub struct GatewayProcess {
    pub addr: SocketAddr,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl GatewayProcess {
    /// Writes `config` to a file and runs `gateway serve` on a free port; waits until it is ready.
    pub async fn spawn(config: &TestConfig) -> GatewayProcess {
        GatewayProcess::spawn_logging(config, None).await
    }

    /// [`GatewayProcess::spawn`], its log (standard error, at the config's `[log] level`) written to `log`
    /// when given.
    pub async fn spawn_logging(config: &TestConfig, log: Option<&Path>) -> GatewayProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("gateway.toml");
        std::fs::write(&file, config.render()).expect("write config");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let mut command = std::process::Command::new(crate::artifacts::gateway_bin());
        command
            .args(["serve", "--config"])
            .arg(&file)
            .args(["--listen", &addr.to_string()]);
        match log {
            Some(path) => {
                command
                    .env_remove("RUST_LOG")
                    .stderr(std::fs::File::create(path).expect("log file"));
            }
            None => {
                command.env("RUST_LOG", "warn");
            }
        }
        let child = command.spawn().expect("gateway starts");
        let mut p = GatewayProcess {
            addr,
            child,
            _dir: dir,
        };
        let client = crate::Client::new();
        for _ in 0..400 {
            if let Ok(Some(status)) = p.child.try_wait() {
                panic!("gateway process exited: {status}");
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok()
                && client.get(&p.url("/readyz"), None).await.status == 200
            {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = p.child.kill();
        panic!("gateway process did not become ready");
    }

    /// `http://127.0.0.1:PORT<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The config file the process was started with (rewrite it, then [`GatewayProcess::signal`] `HUP`).
    pub fn config_file(&self) -> PathBuf {
        self._dir.path().join("gateway.toml")
    }

    /// Sends the process signal `name` (`HUP`, `TERM`, …).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name}");
    }

    /// SIGTERM and wait: the gateway shuts down gracefully.
    pub fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
