//! The running gateway's shared state, assembled from the config: store, schemas, adapters, plugin host,
//! routes, senders, tokens, journal.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use gateway_adapter_host::{AdapterSpec, Adapters, BreakerConfig};
use gateway_host::{PluginHost, PluginSpec};
use gateway_schema::SchemaCatalog;
use gateway_store::{Retention, SqliteSync, Store, StoreOptions};
use smev_envelope::Limits;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::crypto::TrustStore;
use crate::crypto::smev_signature::AnswerSigner;
use crate::journal::Journal;
use crate::page_guard::PageGuard;
use crate::plugin_mail::PluginMail;
use crate::respond::BodyLimits;
use crate::router::Router;
use crate::scopes::ScopePolicy;
use crate::services::Services;
use crate::tokens::TokenService;

/// The gateway of one node: its config, and its parts grouped by what uses them, so that a function names
/// the part it needs (`&Edge`, `&Engine`, `&Queue`) rather than the whole.
pub struct App {
    pub config: Arc<Config>,
    /// The URL clients reach the gateway at.
    pub public_url: String,
    /// This node's name.
    pub node: String,
    /// What the endpoints need before an envelope is accepted.
    pub edge: Edge,
    /// What runs envelopes.
    pub engine: Engine,
    /// Where requests and answers are kept.
    pub queue: Queue,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub started: Instant,
    /// The JSON API's OpenAPI document of this version, made at its first request ([`crate::openapi`]).
    pub openapi: std::sync::OnceLock<bytes::Bytes>,
}

/// What the endpoints need before an envelope is accepted: who may call, how much of a body is read, the
/// codec's limits, the pages' limits.
pub struct Edge {
    pub auth: Authenticator,
    /// Envelope limits for the codec.
    pub limits: Limits,
    /// How much of a request body is read, and for how long.
    pub body_limits: BodyLimits,
    /// Limits of the pages plugins serve.
    pub pages: PageGuard,
    /// Signs SOAP answers as `SMEVSignature`, when `[crypto]` has a key for it.
    pub answer_signer: Option<Arc<AnswerSigner>>,
}

/// What runs envelopes: routes and schemas, the plugin host and the capabilities it reaches.
pub struct Engine {
    pub router: Router,
    pub schemas: Arc<SchemaCatalog>,
    pub host: Arc<PluginHost>,
    pub adapters: Arc<Adapters>,
    /// The CAs and CRLs signatures are checked against (also behind the plugins' `crypto`).
    pub trust: Arc<TrustStore>,
    pub tokens: Arc<TokenService>,
    /// E-mail plugins queue, delivered by [`PluginMail::run`]; none without `[smtp]`.
    pub mail: Option<Arc<PluginMail>>,
}

/// Where requests and answers are kept, and how many chains of queued requests run at once.
pub struct Queue {
    pub store: Store,
    pub journal: Journal,
    /// Bounds the chains running at once for queued requests.
    pub workers: Arc<Semaphore>,
}

/// The parts loaded from files, before the store: also what `gateway check` inspects.
pub struct Components {
    pub schemas: Arc<SchemaCatalog>,
    pub adapters: Arc<Adapters>,
    pub trust: Arc<TrustStore>,
    pub answer_signer: Option<Arc<AnswerSigner>>,
}

/// This node's default name: host name and process id.
pub fn default_node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "node".into());
    format!("{host}-{}", std::process::id())
}

impl Components {
    /// Loads schemas, adapters and the trust store.
    pub fn load(config: &Config) -> anyhow::Result<Components> {
        let mut schemas = SchemaCatalog::empty();
        for dir in &config.schemas.dirs {
            let full = config.resolve(dir);
            let loaded = SchemaCatalog::load_dir(&full)
                .with_context(|| format!("loading schemas from {}", full.display()))?;
            schemas
                .merge(loaded)
                .with_context(|| format!("merging schemas of {}", full.display()))?;
        }
        let specs = config
            .adapters
            .iter()
            .map(|(name, a)| AdapterSpec {
                name: name.clone(),
                path: config.resolve(&a.path),
                config: serde_json::to_value(&a.config).unwrap_or_default(),
                timeout: a.timeout.get(),
                retries: a.retries,
                retry_backoff: a.retry_backoff.get(),
                threads: a.threads,
                queue: a.queue,
                breaker: BreakerConfig {
                    failure_threshold: a.breaker_failures,
                    open_for: a.breaker_open_for.get(),
                },
                max_answer: a.max_answer.as_usize(),
            })
            .collect();
        let adapters = Adapters::load(specs).context("loading adapters")?;
        let trust_files: Vec<_> = config
            .crypto
            .trust_store
            .iter()
            .map(|p| config.resolve(p))
            .collect();
        let crl_files: Vec<_> = config
            .crypto
            .crl_files
            .iter()
            .map(|p| config.resolve(p))
            .collect();
        let mut trust = TrustStore::load_with_crls(&trust_files, &crl_files)?;
        if config.crypto.ocsp.enabled {
            trust = trust.with_ocsp(crate::crypto::ocsp::Ocsp::new(&config.crypto.ocsp));
        }
        let answer_signer = match (
            &config.crypto.smev_signature_key,
            &config.crypto.smev_signature_cert,
        ) {
            (Some(key), Some(cert)) => Some(Arc::new(
                AnswerSigner::load(&config.resolve(key), &config.resolve(cert))
                    .context("[crypto] smev_signature_key")?,
            )),
            _ => None,
        };
        Ok(Components {
            answer_signer,
            schemas: Arc::new(schemas),
            adapters: Arc::new(adapters),
            trust: Arc::new(trust),
        })
    }
}

/// Creates the plugin host and loads every plugin of the config.
pub async fn load_plugins(
    config: &Config,
    services: Arc<Services>,
) -> anyhow::Result<Arc<PluginHost>> {
    let max_memory = config
        .plugins
        .values()
        .filter_map(|p| p.memory)
        .map(|m| m.bytes())
        .chain([config.host.memory.bytes()])
        .max()
        .unwrap_or(0);
    let host = PluginHost::new(
        &gateway_host::HostConfig {
            max_instances: config.host.max_instances,
            max_memory_per_instance: max_memory,
            epoch_tick: config.host.epoch_tick.get(),
            cache_dir: config.host.cache_dir.as_ref().map(|d| config.resolve(d)),
            // A reply's files are held to the limits of a request's.
            reply_attachments: gateway_host::AttachmentLimits {
                max_files: config.limits.max_attachments,
                max_bytes: config.limits.max_attachment_bytes.bytes() as usize,
            },
        },
        services,
    )
    .context("starting the plugin host")?;
    for (name, p) in &config.plugins {
        let spec = PluginSpec {
            name: name.clone(),
            path: config.resolve(&p.path),
            memory_limit: p.memory.unwrap_or(config.host.memory).bytes(),
            config_json: serde_json::to_string(&p.config).context("plugin config")?,
        };
        let d = host
            .load(spec)
            .await
            .with_context(|| format!("loading plugin `{name}`"))?;
        tracing::info!(plugin = %name, version = %d.version, accepts = d.accepts.len(), policy = d.policy, "plugin loaded");
    }
    Ok(Arc::new(host))
}

/// The mail service for plugins, when the config has `[smtp]`.
fn plugin_mail(config: &Config, store: &Store) -> anyhow::Result<Option<Arc<PluginMail>>> {
    let Some(smtp) = &config.smtp else {
        return Ok(None);
    };
    let outbox = crate::smtp::outbox(config, smtp)?;
    let domain = outbox.from().email.domain().to_owned();
    Ok(Some(Arc::new(PluginMail::new(
        store.clone(),
        Arc::new(outbox),
        config.mail.clone(),
        domain,
    ))))
}

/// Every `[[pages]]` whose plugin does not export pages.
pub fn page_problems(config: &Config, host: &PluginHost) -> Vec<String> {
    config
        .pages
        .iter()
        .filter(|p| !host.serves_pages(&p.plugin))
        .map(|p| {
            format!(
                "[[pages]] `{}`: plugin `{}` does not export pages (contract 1.1 `page`)",
                p.prefix, p.plugin
            )
        })
        .collect()
}

/// What every version of the config shares for the life of the process: the store and what writes to it, the
/// token cache, the mail job's service, the tasks and the shutdown. A reload replaces the rest
/// ([`App::assemble`]); changes to `[server]`, `[store]`, `[queue]`, `[tokens]`, `[smtp]`, `[mail]`, `[reports]`,
/// `[facts]`, `[log]` and `[metrics]` need a restart.
#[derive(Clone)]
pub struct Shared {
    pub node: String,
    pub public_url: String,
    pub store: Store,
    pub journal: Journal,
    /// Bounds the chains running at once for queued requests.
    pub workers: Arc<Semaphore>,
    pub tokens: Arc<TokenService>,
    pub mail: Option<Arc<PluginMail>>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub started: Instant,
}

impl Shared {
    /// Opens the store of `config` and starts what writes to it. `public_url` is where clients reach the gateway.
    pub async fn open(
        config: &Config,
        public_url: String,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Shared> {
        let node = config.store.node.clone().unwrap_or_else(default_node_name);
        let store = Store::connect(
            &config.store_url(),
            StoreOptions {
                max_connections: config.store.max_connections,
                busy_timeout: config.store.busy_timeout.get(),
                sqlite_synchronous: if config.store.sqlite_synchronous == "normal" {
                    SqliteSync::Normal
                } else {
                    SqliteSync::Full
                },
                node: node.clone(),
                retention: Retention {
                    responses: config.queue.retention.get(),
                    requests: config.queue.retention.get(),
                    journal: Some(config.journal.retention.get()),
                },
                ..StoreOptions::default()
            },
        )
        .await
        .context("opening the store")?;
        let key = crate::tokens::hash_key(config.tokens.subject_key.as_deref(), &store)
            .await
            .context("the key of the hashes of personal identifiers")?;
        let tokens = Arc::new(TokenService::new(
            store.clone(),
            key,
            config.tokens.cache_capacity,
            config.tokens.tombstone_keep.get(),
        ));
        let mail = plugin_mail(config, &store)?;
        let tracker = TaskTracker::new();
        let journal = Journal::start(store.clone(), &tracker, shutdown.clone());
        Ok(Shared {
            node,
            public_url,
            workers: Arc::new(Semaphore::new(config.queue.workers)),
            store,
            journal,
            tokens,
            mail,
            shutdown,
            tracker,
            started: Instant::now(),
        })
    }
}

impl App {
    /// Builds the gateway from `config` on a fresh [`Shared`]. `public_url` is where clients reach it.
    pub async fn build(
        config: Config,
        public_url: String,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Arc<App>> {
        let shared = Shared::open(&config, public_url, shutdown).await?;
        App::assemble(config, &shared).await
    }

    /// Builds one version of the gateway from `config` over `shared`: schemas, adapters, the trust store, the
    /// plugin host with every plugin loaded, routes, pages and senders, each checked against the others. Nothing
    /// of a running version is touched: an error leaves it serving.
    pub async fn assemble(config: Config, shared: &Shared) -> anyhow::Result<Arc<App>> {
        let config = Arc::new(config);
        let Components {
            schemas,
            adapters,
            trust,
            answer_signer,
        } = Components::load(&config)?;
        let services = Arc::new(Services {
            store: shared.store.clone(),
            mail: shared.mail.clone(),
            tokens: shared.tokens.clone(),
            adapters: adapters.clone(),
            schemas: schemas.clone(),
            trust: trust.clone(),
            allowed_adapters: config
                .plugins
                .iter()
                .map(|(n, p)| (n.clone(), p.adapters.clone()))
                .collect::<HashMap<_, _>>(),
            scopes: ScopePolicy::new(
                config
                    .plugins
                    .iter()
                    .map(|(n, p)| (n.as_str(), p.read_scopes.as_slice())),
            ),
        });
        let host = load_plugins(&config, services).await?;
        let pages = page_problems(&config, &host);
        if !pages.is_empty() {
            bail!(
                "pages do not fit the plugins:\n  - {}",
                pages.join("\n  - ")
            );
        }
        let router = match Router::build(&config, &host, &schemas) {
            Ok(r) => r,
            Err(problems) => bail!(
                "routes do not fit the plugins and schemas:\n  - {}",
                problems.join("\n  - ")
            ),
        };
        let limits = Limits {
            max_depth: config.limits.max_depth,
            max_attributes: config.limits.max_attributes,
            max_attachments: config.limits.max_attachments,
            max_attachment_bytes: config.limits.max_attachment_bytes.as_usize(),
        };
        Ok(Arc::new(App {
            edge: Edge {
                auth: Authenticator::new(&config),
                limits,
                body_limits: BodyLimits {
                    max_body: config.limits.max_body.as_usize(),
                    read_timeout: config.server.read_timeout.get(),
                },
                pages: PageGuard::new(&config.limits.pages),
                answer_signer,
            },
            engine: Engine {
                router,
                schemas,
                host,
                adapters,
                trust,
                tokens: shared.tokens.clone(),
                mail: shared.mail.clone(),
            },
            queue: Queue {
                store: shared.store.clone(),
                journal: shared.journal.clone(),
                workers: shared.workers.clone(),
            },
            public_url: shared.public_url.clone(),
            node: shared.node.clone(),
            shutdown: shared.shutdown.clone(),
            tracker: shared.tracker.clone(),
            started: shared.started,
            openapi: std::sync::OnceLock::new(),
            config,
        }))
    }
}
