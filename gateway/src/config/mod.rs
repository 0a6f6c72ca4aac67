//! The gateway's one config file (TOML).
//!
//! Every section is a serde struct with `deny_unknown_fields`: a misspelt key is an error, not a silent
//! default. Relative paths are relative to the directory of the config file. Scalar keys can be overridden from
//! the environment (see [`env`](mod@env)). [`Config::load`] reads, overrides, parses and validates; [`validate`] holds
//! the checks that need more than one section.
//!
//! The reference for operators is this module's documentation of each field, mirrored with examples in
//! `docs/config.md`.
//!
//! Layout: `units` (durations and sizes), `env` (overrides), `load` (reading, errors, derived values),
//! `validate` (cross-section checks), `secrets` (passwords masked in messages), `crypto` (`[crypto]`), `reports` (`[reports]` and
//! `[smtp]`), `routes` (`[[routes]]` and `[routes.scan]`), `metrics` (`[metrics]`), this file (the other structs).

pub mod crypto;
pub mod env;
mod journal;
mod load;
pub mod metrics;
pub mod reports;
mod routes;
pub mod secrets;
pub mod units;
pub mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

pub use crypto::{CryptoConfig, OcspConfig};
pub use journal::JournalConfig;

pub use self::metrics::MetricsConfig;
pub use load::{ConfigError, Loaded};
pub use reports::{MailConfig, ReportsConfig, SmtpConfig};
pub use routes::{RouteConfig, ScanConfig, ScanDocumentConfig};
pub use units::{ByteSize, Dur};

/// The whole config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP listener.
    #[serde(default)]
    pub server: ServerConfig,
    /// How client systems authenticate.
    #[serde(default)]
    pub auth: AuthConfig,
    /// The client systems (senders) allowed to call the gateway.
    #[serde(default)]
    pub senders: Vec<SenderConfig>,
    /// Where state is kept.
    #[serde(default)]
    pub store: StoreConfig,
    /// The asynchronous queue (SendRequest → GetResponse → Ack).
    #[serde(default)]
    pub queue: QueueConfig,
    /// Size and shape limits on incoming envelopes.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// SMEV-specific behaviour of the SOAP endpoints.
    #[serde(default)]
    pub smev: SmevConfig,
    /// Payload schemas (XSD and JSON Schema).
    #[serde(default)]
    pub schemas: SchemasConfig,
    /// The WebAssembly plugin host.
    #[serde(default)]
    pub host: HostConfig,
    /// Plugins by name (the name routes refer to).
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginConfig>,
    /// Native adapters to external registries, by name (the name plugins call).
    #[serde(default)]
    pub adapters: BTreeMap<String, AdapterConfig>,
    /// Routes: message type → chain of plugins.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// Pages: path prefix → the plugin that renders the pages below it.
    #[serde(default)]
    pub pages: Vec<PageConfig>,
    /// Short-lived tokens (QR codes) and their data.
    #[serde(default)]
    pub tokens: TokensConfig,
    /// Signature verification done for plugins.
    #[serde(default)]
    pub crypto: CryptoConfig,
    /// The journal (the audit trail of every message, metadata only).
    #[serde(default)]
    pub journal: JournalConfig,
    /// Facts recorded by plugin chains (e.g. scans made with a power of attorney).
    #[serde(default)]
    pub facts: FactsConfig,
    /// Scan reports e-mailed to organisations; none without this section.
    #[serde(default)]
    pub reports: Option<ReportsConfig>,
    /// The mail server reports and plugins' e-mail go through (needed with `[reports]`).
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// Delivery of the e-mail plugins queue (through `[smtp]`).
    #[serde(default)]
    pub mail: MailConfig,
    /// Who operates the gateway (the console, metrics, reload).
    #[serde(default)]
    pub operator: OperatorConfig,
    /// The Prometheus metrics (`/metrics`): on the main listener for operators, or on a listener of their own.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// Directory of the config file; relative paths are resolved against it. Not a config key.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file the config was read from (what a reload reads again); none for a config parsed from text.
    /// Not a config key.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8080`. `gateway serve --listen` overrides it.
    pub listen: SocketAddr,
    /// The URL clients use to reach the gateway, for addresses in the served WSDL and in QR links to pages
    /// served here. Default: `http(s)://<listen>`.
    pub public_url: Option<String>,
    /// Mutual TLS. Without this section the listener speaks plain HTTP (keep it on loopback then).
    pub tls: Option<TlsConfig>,
    /// Time allowed to receive a whole request body. Default `30s`.
    pub read_timeout: Dur,
    /// Time allowed for a TLS handshake. Default `10s`.
    pub handshake_timeout: Dur,
    /// Most connections served at once; further ones wait in the accept backlog. Default 4096.
    pub max_connections: usize,
    /// On shutdown, time given to requests in flight. Default `10s`.
    pub shutdown_grace: Dur,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            tls: None,
            read_timeout: Dur::secs(30),
            handshake_timeout: Dur::secs(10),
            max_connections: 4096,
            shutdown_grace: Dur::secs(10),
        }
    }
}

/// `[server.tls]`: TLS on the listener, with client certificates (mutual TLS).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The server certificate chain (PEM).
    pub cert: PathBuf,
    /// The server private key (PEM).
    pub key: PathBuf,
    /// CA certificates (PEM) that client certificates must chain to. Without it, no client certificates are
    /// requested and senders must use bearer tokens.
    pub client_ca: Option<PathBuf>,
    /// Refuse the handshake of a client without a certificate. Default true when `client_ca` is set.
    pub require_client_cert: Option<bool>,
}

/// `[auth]`: how client systems authenticate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Accept `Authorization: Bearer <token>` for senders that have a `bearer_token_sha256`. Default false:
    /// only client certificates.
    pub allow_bearer: bool,
}

/// `[[senders]]`: a client system.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderConfig {
    /// The sender's mnemonic (SMEV «мнемоника»): its identity in queues, journals and replies.
    pub mnemonic: String,
    /// A human-readable name, shown in message metadata.
    #[serde(default)]
    pub name: Option<String>,
    /// SHA-256 (hex) of the sender's bearer token. The token itself is never stored in config.
    #[serde(default)]
    pub bearer_token_sha256: Option<String>,
    /// SHA-256 fingerprint (hex, colons allowed) of the sender's TLS client certificate (DER).
    #[serde(default)]
    pub client_cert_sha256: Option<String>,
    /// SHA-256 fingerprint (hex, colons allowed) of the certificate (DER) the sender signs its SOAP requests
    /// with. When set, every SOAP request of this sender must carry a `CallerInformationSystemSignature` that
    /// verifies (exclusive c14n, the SMEV transform; GOST through `[crypto] openssl_conf`) and is made with
    /// this certificate; otherwise `SignatureVerificationFault`.
    #[serde(default)]
    pub signature_cert_sha256: Option<String>,
    /// Message types (`{namespace}LocalName`) this sender may send; `"*"` allows every routed type.
    #[serde(default)]
    pub may_send: Vec<String>,
}

/// `[store]`: where state is kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite://data/gateway.db` (the default, a file relative to the config file) or
    /// `postgres://user@host:5432/db` when several gateway nodes share state.
    pub url: String,
    /// Pool size. Default 8.
    pub max_connections: u32,
    /// SQLite: how long a writer waits for the lock. Default `5s`.
    pub busy_timeout: Dur,
    /// SQLite `synchronous`: `"full"` (default, every commit durable) or `"normal"`.
    pub sqlite_synchronous: String,
    /// This node's name in leases and journals. Default: host name and process id.
    pub node: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: "sqlite://data/gateway.db".into(),
            max_connections: 8,
            busy_timeout: Dur::secs(5),
            sqlite_synchronous: "full".into(),
            node: None,
        }
    }
}

/// `[queue]`: the asynchronous SMEV queue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// A reply fetched by GetResponse but not acknowledged is delivered again after this time. Default `5m`.
    pub redelivery_after: Dur,
    /// Plugin chains run at once for queued requests. Default 16.
    pub workers: usize,
    /// A node's claim on a request it is processing; a request whose lease ran out (its node died) is taken over
    /// by another node. Must exceed the longest route deadline. Default `60s`.
    pub lease: Dur,
    /// How often each node looks for requests to take over. Default `5s`.
    pub recovery_interval: Dur,
    /// How often expired tokens, purged replies and old messages are swept. Default `15s`.
    pub sweep_interval: Dur,
    /// Acknowledged replies and finished requests are deleted after this time. Default `7d`.
    pub retention: Dur,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            redelivery_after: Dur::mins(5),
            workers: 16,
            lease: Dur::secs(60),
            recovery_interval: Dur::secs(5),
            sweep_interval: Dur::secs(15),
            retention: Dur::days(7),
        }
    }
}

/// `[limits]`: limits on incoming envelopes, checked before any work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body. Default `8MiB`.
    pub max_body: ByteSize,
    /// Deepest element (XML) or value (JSON) nesting. Default 64.
    pub max_depth: usize,
    /// Most attributes on one XML element. Default 64.
    pub max_attributes: usize,
    /// Most attachments in one envelope. Default 16.
    pub max_attachments: usize,
    /// Largest total size of an envelope's attachments, decoded. Default `5MiB`.
    pub max_attachment_bytes: ByteSize,
    /// `[limits.pages]`: the public pages (the QR page `/somc2/{guid}`).
    pub pages: PageLimits,
}

/// `[limits.pages]`: what keeps the public pages from starving authenticated senders.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PageLimits {
    /// Page requests per second allowed to one client address (0: no limit). Default 5.
    pub rate: u32,
    /// Requests one client address may make at once before the rate applies. Default 20.
    pub burst: u32,
    /// Page requests served at once by this node; more are answered 503 at once, so pages never take the
    /// plugin instances senders need. Default 8.
    pub concurrency: usize,
    /// How long an unknown or expired QR id is answered without running the plugin chain. Default `10m`.
    pub negative_cache: Dur,
    /// How many such ids are remembered. Default 100000.
    pub negative_cache_capacity: u64,
}

impl Default for PageLimits {
    fn default() -> Self {
        PageLimits {
            rate: 5,
            burst: 20,
            concurrency: 8,
            negative_cache: Dur::mins(10),
            negative_cache_capacity: 100_000,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body: ByteSize::mib(8),
            max_depth: 64,
            max_attributes: 64,
            max_attachments: 16,
            max_attachment_bytes: ByteSize::mib(5),
            pages: PageLimits::default(),
        }
    }
}

/// `[smev]`: SMEV-specific behaviour of the SOAP endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmevConfig {
    /// Require MessageIDs to be version-1 (time-based) UUIDs, as SMEV does. Default true.
    pub require_uuid_v1: bool,
    /// The gateway's own mnemonic, shown as the recipient of requests and the sender of replies.
    pub mnemonic: String,
    /// The gateway's human-readable name in message metadata.
    pub name: String,
    /// How far the signed `Timestamp` of a GetResponse (`MessageTypeSelector/Timestamp`) or GetStatus request of a
    /// sender registered to sign may lie from the gateway's clock, either way. Such a request is its sender's
    /// signed word "now": outside this window it is a replay, refused with `InvalidContent`. Default 5 minutes.
    pub signed_timestamp_window: Dur,
}

impl Default for SmevConfig {
    fn default() -> Self {
        SmevConfig {
            require_uuid_v1: true,
            mnemonic: "GATEWAY".into(),
            name: "Шлюз межведомственного взаимодействия".into(),
            signed_timestamp_window: Dur::mins(5),
        }
    }
}

/// `[schemas]`: where payload schemas come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemasConfig {
    /// Directories searched for `*.xsd` (registered by target namespace) and `*.schema.json` (registered by their
    /// `x-message-type`). Default `["schemas"]`.
    pub dirs: Vec<PathBuf>,
}

impl Default for SchemasConfig {
    fn default() -> Self {
        SchemasConfig {
            dirs: vec![PathBuf::from("schemas")],
        }
    }
}

/// `[host]`: the WebAssembly plugin host.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostConfig {
    /// Plugin instances alive at once across all plugins (the pooling allocator's size). Default 256.
    pub max_instances: u32,
    /// Default memory cap of a plugin instance. Default `64MiB`.
    pub memory: ByteSize,
    /// Default deadline of a route's whole chain, host calls included. Default `500ms`.
    pub deadline: Dur,
    /// Granularity of deadlines (epoch tick). Default `1ms`.
    pub epoch_tick: Dur,
    /// Directory for compiled plugin code, so restarts skip compilation. Default: none.
    pub cache_dir: Option<PathBuf>,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            max_instances: 256,
            memory: ByteSize::mib(64),
            deadline: Dur::ms(500),
            epoch_tick: Dur::ms(1),
            cache_dir: None,
        }
    }
}

/// `[plugins.<name>]`: a plugin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// The component file (`.wasm`: built by `cargo xtask plugins` without WASI, or for `wasm32-wasip2`).
    pub path: PathBuf,
    /// Memory cap of one instance. Default `[host] memory`.
    #[serde(default)]
    pub memory: Option<ByteSize>,
    /// Adapters this plugin may call. A plugin has no other way out.
    #[serde(default)]
    pub adapters: Vec<String>,
    /// Other plugins' token scopes this plugin may read, as `<plugin>/<scope>` (for example
    /// `"svo-status/svo-qr"`). Read-only: a plugin writes only its own scopes. Default: none.
    #[serde(default)]
    pub read_scopes: Vec<String>,
    /// The plugin's own settings, handed to it as a JSON object.
    #[serde(default)]
    pub config: toml::Table,
}

/// `[adapters.<name>]`: a native adapter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterConfig {
    /// The shared library (`.so`).
    pub path: PathBuf,
    /// Time allowed to one attempt. Default `1s`.
    #[serde(default = "AdapterConfig::default_timeout")]
    pub timeout: Dur,
    /// Further attempts after a retryable failure (unavailable, timeout). Default 0.
    #[serde(default)]
    pub retries: u32,
    /// Pause before the first retry, doubled for each next one. Default `50ms`.
    #[serde(default = "AdapterConfig::default_backoff")]
    pub retry_backoff: Dur,
    /// The adapter's own threads; native calls never run on the gateway's async workers. Default 4.
    #[serde(default = "AdapterConfig::default_threads")]
    pub threads: usize,
    /// Calls waiting for a thread; beyond this callers are refused at once. Default 64.
    #[serde(default = "AdapterConfig::default_queue")]
    pub queue: usize,
    /// Consecutive retryable failures that open the circuit breaker. Default 5.
    #[serde(default = "AdapterConfig::default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long an open breaker refuses calls before a trial call. Default `10s`.
    #[serde(default = "AdapterConfig::default_breaker_open_for")]
    pub breaker_open_for: Dur,
    /// The largest answer accepted from one call; a larger one fails the call before the host copies it.
    /// Default `8MiB`.
    #[serde(default = "AdapterConfig::default_max_answer")]
    pub max_answer: ByteSize,
    /// The adapter's own settings, handed to its `init` as JSON.
    #[serde(default)]
    pub config: toml::Table,
}

impl AdapterConfig {
    fn default_timeout() -> Dur {
        Dur::secs(1)
    }
    fn default_max_answer() -> ByteSize {
        ByteSize::mib(gateway_adapter_host::DEFAULT_MAX_ANSWER as u64 >> 20)
    }
    fn default_backoff() -> Dur {
        Dur::ms(50)
    }
    fn default_threads() -> usize {
        4
    }
    fn default_queue() -> usize {
        64
    }
    fn default_breaker_failures() -> u32 {
        5
    }
    fn default_breaker_open_for() -> Dur {
        Dur::secs(10)
    }
}

fn yes() -> bool {
    true
}

/// `[[pages]]`: the pages below a path prefix, rendered by a plugin that exports pages (contract 1.1), for
/// browsers (a QR code's link, a registration form). They run within `[limits.pages]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageConfig {
    /// The path prefix, starting and ending with `/` (e.g. `"/somc2/"`); must not overlap another page's or
    /// the gateway's own paths (`/smev/`, `/api/`, `/healthz`, `/readyz`).
    pub prefix: String,
    /// The plugin that renders them (it must export pages).
    pub plugin: String,
    /// Anyone may open them (true, the default), or only an authenticated sender.
    #[serde(default = "yes")]
    pub public: bool,
    /// Time allowed to render one page. Default `2s`.
    #[serde(default = "PageConfig::default_deadline")]
    pub deadline: Dur,
    /// The largest form a POST may send. Default `16KiB`.
    #[serde(default = "PageConfig::default_max_form")]
    pub max_form: ByteSize,
}

impl PageConfig {
    fn default_deadline() -> Dur {
        Dur::secs(2)
    }
    fn default_max_form() -> ByteSize {
        ByteSize::kib(16)
    }
}

/// `[tokens]`: short-lived tokens (QR codes) and their data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokensConfig {
    /// Tokens kept in each node's memory cache. Default 100000.
    pub cache_capacity: u64,
    /// An expired token's id keeps answering "expired" (without data) this long. Default `24h`.
    pub tombstone_keep: Dur,
    /// Key of the keyed hash under which token subjects (e.g. a СНИЛС) are stored. Nodes sharing a database
    /// must share it; set it through `GATEWAY__TOKENS__SUBJECT_KEY` rather than in the file. Without it, the
    /// gateway makes a random key once and keeps it in the store (with a warning at start). It also keys plugins'
    /// record tags and fingerprints (contract 1.3.0 `store`).
    pub subject_key: Option<String>,
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            cache_capacity: 100_000,
            tombstone_keep: Dur::hours(24),
            subject_key: None,
        }
    }
}

/// `[facts]`: facts recorded by plugin chains.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FactsConfig {
    /// Facts older than this are deleted (seed 001: scan records are kept 90 days). Default `90d`. On PostgreSQL
    /// by whole UTC days (each day's facts are a partition, dropped once all of the day is older than this).
    pub retention: Dur,
    /// How often the retention job runs. Default `1h`.
    pub retention_interval: Dur,
}

impl Default for FactsConfig {
    fn default() -> Self {
        FactsConfig {
            retention: Dur::days(90),
            retention_interval: Dur::hours(1),
        }
    }
}

/// `[operator]`: the senders that operate the gateway. They authenticate as any sender does (client certificate,
/// or a bearer token where allowed) and may use the operator's endpoints: the console (`/console`), the
/// metrics (`/metrics`, unless `[metrics]` gives them a listener of their own) and the reload of the config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    /// Sender mnemonics (`[[senders]]`) that are operators. Default none: the operator's endpoints refuse
    /// everyone.
    pub senders: Vec<String>,
}

/// `[log]`: logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `"text"` (default) or `"json"`.
    pub format: String,
    /// A `tracing` filter, e.g. `"info"` or `"gateway=debug,info"`. `RUST_LOG` overrides it.
    pub level: String,
    /// Mask personal identifiers (СНИЛС, ИНН, ОГРН, phone numbers, token ids) in log lines. Default true.
    pub mask_identifiers: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "text".into(),
            level: "info".into(),
            mask_identifiers: true,
        }
    }
}
