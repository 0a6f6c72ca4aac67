//! [`PluginHost`]: loads plugins and invokes them, one fresh instance per call.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use wasmtime::component::Linker;

use crate::caps;
use crate::config::{HostConfig, PluginSpec};
use crate::engine::{EpochTicker, build_engine};
use crate::error::{InvokeError, LoadError, SetupError};
use crate::load;
use crate::page_checks::checked_page;
use crate::pages::{PageRequest, PageResponse};
use crate::runtime::{Call, LoadedPlugin, Returned, Runtime};
use crate::services::{CallContext, HostServices};
use crate::state::StoreState;
use crate::types::{Description, Fact, Outcome, Request};

/// What an invocation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The plugin's answer.
    pub outcome: Outcome,
    /// The facts the plugin recorded, in order; the gateway writes them once the whole chain has passed with
    /// a reply, and drops them when the request carried a denial.
    pub facts: Vec<Fact>,
    /// Wall time of the invocation, instantiation included.
    pub elapsed: Duration,
}

/// How many pool slots are in use right now (a snapshot of the pooling allocator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolUsage {
    /// Component instances alive (one per invocation in flight).
    pub component_instances: u64,
    /// Core module instances alive.
    pub core_instances: u64,
    /// Linear memories in use.
    pub memories: usize,
    /// Tables in use.
    pub tables: usize,
    /// Fiber stacks in use.
    pub stacks: usize,
}

/// The plugin host: one engine, one linker, the loaded plugins. `Send + Sync`; share it as `Arc<PluginHost>`.
///
/// Plugins are kept behind a lock (`load` takes `&self`): loading a name again replaces the plugin, and
/// invocations already running finish on the old one.
pub struct PluginHost {
    runtime: Runtime,
    linker: Linker<StoreState>,
    config: HostConfig,
    plugins: RwLock<HashMap<String, Arc<LoadedPlugin>>>,
    // Declared last: dropped after everything else that holds the engine.
    _ticker: EpochTicker,
}

impl PluginHost {
    /// A host for `cfg` whose capabilities reach the gateway through `services`. Starts the epoch ticker
    /// thread, which stops when the host is dropped.
    pub fn new(cfg: &HostConfig, services: Arc<dyn HostServices>) -> Result<Self, SetupError> {
        cfg.validate()?;
        let engine = build_engine(cfg)?;
        let mut linker = Linker::new(&engine);
        caps::add_to_linker(&mut linker)
            .map_err(|error| SetupError::Engine(format!("linker: {error}")))?;
        let ticker = EpochTicker::start(engine.clone(), cfg.epoch_tick)?;
        Ok(Self {
            runtime: Runtime {
                engine,
                services,
                epoch_tick: cfg.epoch_tick,
                max_instances: cfg.max_instances,
                reply_attachments: cfg.reply_attachments,
            },
            linker,
            config: cfg.clone(),
            plugins: RwLock::new(HashMap::new()),
            _ticker: ticker,
        })
    }

    /// Loads (or replaces) the plugin of `spec`: compiles the component (or takes it from the cache),
    /// refuses a component that imports what the host does not provide or targets another major version of
    /// the contract, pre-links it, calls `describe` and checks the description, which it returns. Must run
    /// inside a Tokio runtime (compilation runs on its blocking pool).
    pub async fn load(&self, spec: PluginSpec) -> Result<Description, LoadError> {
        let name = spec.name.clone();
        let loaded = load::load(&self.runtime, &self.linker, &self.config, spec).await?;
        let description = loaded.description.clone();
        tracing::info!(
            plugin = %name,
            declared_name = %description.name,
            version = %description.version,
            policy = description.policy,
            pages = loaded.pre.serves_pages(),
            "plugin loaded"
        );
        self.plugins
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, Arc::new(loaded));
        Ok(description)
    }

    /// Whether the plugin `plugin` is loaded and serves pages (exports `smev-gateway:plugin/page`, contract
    /// 1.1.0); known from its component when it was loaded.
    pub fn serves_pages(&self, plugin: &str) -> bool {
        self.plugin(plugin)
            .is_some_and(|loaded| loaded.pre.serves_pages())
    }

    /// What the plugin `plugin` declared when it was loaded.
    pub fn description(&self, plugin: &str) -> Option<Description> {
        self.plugin(plugin).map(|loaded| loaded.description.clone())
    }

    /// The contract version (`smev-gateway:plugin`, e.g. `1.3.0`) the plugin `plugin` was built against: the
    /// highest its component's imports and exports name, seen when it was loaded.
    pub fn contract_version(&self, plugin: &str) -> Option<String> {
        self.plugin(plugin).map(|loaded| loaded.contract.clone())
    }

    /// The names of the loaded plugins, sorted.
    pub fn plugins(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .plugins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Calls `handle` of `plugin` with `request` in a fresh instance, stopped at `deadline` (guest code and
    /// host calls together) and at the plugin's memory cap. Must run inside a Tokio runtime with timers
    /// enabled; the future is `Send`.
    pub async fn invoke(
        &self,
        plugin: &str,
        request: Request,
        deadline: Duration,
    ) -> Result<Invocation, InvokeError> {
        let started = Instant::now();
        let loaded = self
            .plugin(plugin)
            .ok_or_else(|| InvokeError::UnknownPlugin(plugin.to_owned()))?;
        let cx = CallContext {
            plugin: loaded.meta.name.clone(),
            message_id: request.message_id.clone(),
            sender: request.sender.clone(),
        };
        let mut request = request;
        let references = std::mem::take(&mut request.references);
        let finished = self
            .runtime
            .run(
                &loaded.meta,
                &loaded.pre,
                cx,
                Call::Handle(Box::new(request.into()), references),
                deadline,
            )
            .await;
        let result = finished.and_then(|finished| match finished.returned {
            Returned::Outcome(Ok(outcome)) => {
                let mut outcome = checked_outcome(
                    &loaded.description,
                    &loaded.meta.name,
                    Outcome::from(outcome),
                )?;
                match &mut outcome {
                    Outcome::Reply(reply) => reply.attachments = finished.attachments,
                    _ if !finished.attachments.is_empty() => tracing::debug!(
                        plugin = %loaded.meta.name,
                        "attachments dropped: the outcome is not a reply"
                    ),
                    _ => {}
                }
                Ok(Invocation {
                    outcome,
                    facts: finished.facts,
                    elapsed: started.elapsed(),
                })
            }
            Returned::Outcome(Err(message)) => Err(InvokeError::PluginError(message)),
            Returned::Description(_) | Returned::Page(_) => Err(InvokeError::InvalidOutcome(
                "handle returned something else than an outcome".into(),
            )),
        });
        if let Err(error) = &result {
            tracing::warn!(plugin = %loaded.meta.name, %error, "plugin invocation failed");
        }
        observe(&loaded.meta.name, "handle", started.elapsed(), &result);
        result
    }

    /// Calls `render` of `plugin` with `request` in a fresh instance, with the same deadline, memory cap and
    /// host capabilities as [`invoke`](Self::invoke), and checks the page it rendered (status, body size,
    /// headers: see the crate docs, "Pages"). A plugin that does not export `page` answers
    /// [`InvokeError::NoPages`]; a page that breaks the rules, [`InvokeError::InvalidPage`]. Facts the plugin
    /// records while rendering are dropped: a page is not a chain. The host services see a [`CallContext`] with
    /// a fresh UUID as `message_id` and an empty `sender`.
    pub async fn page(
        &self,
        plugin: &str,
        request: PageRequest,
        deadline: Duration,
    ) -> Result<PageResponse, InvokeError> {
        let started = Instant::now();
        let loaded = self
            .plugin(plugin)
            .ok_or_else(|| InvokeError::UnknownPlugin(plugin.to_owned()))?;
        if !loaded.pre.serves_pages() {
            return Err(InvokeError::NoPages(loaded.meta.name.clone()));
        }
        let cx = CallContext {
            plugin: loaded.meta.name.clone(),
            message_id: uuid::Uuid::new_v4().to_string(),
            sender: String::new(),
        };
        let finished = self
            .runtime
            .run(
                &loaded.meta,
                &loaded.pre,
                cx,
                Call::Render(Box::new(request.into())),
                deadline,
            )
            .await;
        let result = finished.and_then(|finished| match finished.returned {
            Returned::Page(Ok(page)) => {
                checked_page(PageResponse::from(page)).map_err(InvokeError::InvalidPage)
            }
            Returned::Page(Err(message)) => Err(InvokeError::PluginError(message)),
            Returned::Description(_) | Returned::Outcome(_) => Err(InvokeError::InvalidPage(
                "render returned something else than a page".into(),
            )),
        });
        if let Err(error) = &result {
            tracing::warn!(plugin = %loaded.meta.name, %error, "plugin page failed");
        }
        observe(&loaded.meta.name, "page", started.elapsed(), &result);
        result
    }

    /// A snapshot of the pool slots in use.
    pub fn pool_usage(&self) -> PoolUsage {
        match self.runtime.engine.pooling_allocator_metrics() {
            Some(metrics) => PoolUsage {
                component_instances: metrics.component_instances(),
                core_instances: metrics.core_instances(),
                memories: metrics.memories(),
                tables: metrics.tables(),
                stacks: metrics.stacks(),
            },
            None => PoolUsage::default(),
        }
    }

    fn plugin(&self, name: &str) -> Option<Arc<LoadedPlugin>> {
        self.plugins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }
}

/// Counts one call of `plugin`'s `export` (`handle` or `page`) and its wall time, instantiation included, in
/// the process's metrics (the `metrics` facade; the gateway exports them): `gateway_plugin_invocations_total`
/// by plugin, export and outcome (`ok`, or [`InvokeError::outcome`]) and `gateway_plugin_duration_seconds` by
/// plugin and export. `ok` means the plugin answered; a rejection it answered is still `ok`.
fn observe<T>(
    plugin: &str,
    export: &'static str,
    elapsed: Duration,
    result: &Result<T, InvokeError>,
) {
    let outcome = result.as_ref().map_or_else(InvokeError::outcome, |_| "ok");
    metrics::counter!("gateway_plugin_invocations_total",
        "plugin" => plugin.to_owned(), "export" => export, "outcome" => outcome)
    .increment(1);
    metrics::histogram!("gateway_plugin_duration_seconds",
        "plugin" => plugin.to_owned(), "export" => export)
    .record(elapsed.as_secs_f64());
}

/// Checks an outcome against what the plugin declared: policy steps answer `proceed`, `deny`, a rejection
/// or a status; document plugins answer a reply of a declared type, a rejection or a status. A denial without
/// a step is attributed to the plugin.
fn checked_outcome(
    description: &Description,
    plugin: &str,
    outcome: Outcome,
) -> Result<Outcome, InvokeError> {
    let policy = description.policy;
    match outcome {
        Outcome::Reply(reply) if policy => Err(InvokeError::InvalidOutcome(format!(
            "a policy step answered a reply ({})",
            reply.message_type
        ))),
        Outcome::Reply(reply) if !description.produces.contains(&reply.message_type) => {
            Err(InvokeError::InvalidOutcome(format!(
                "the reply type {} is not declared in produces",
                reply.message_type
            )))
        }
        Outcome::Proceed(_) | Outcome::Deny(_) if !policy => Err(InvokeError::InvalidOutcome(
            "a document plugin answered proceed or deny".into(),
        )),
        Outcome::Deny(mut denial) => {
            if denial.step.trim().is_empty() {
                denial.step = plugin.to_owned();
            }
            Ok(Outcome::Deny(denial))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Annotation, Denial, QName, RejectCode, Rejection, Reply};

    fn description(policy: bool) -> Description {
        Description {
            name: "p".into(),
            version: "1".into(),
            accepts: vec![QName::new("urn:t", "Request")],
            produces: if policy {
                vec![]
            } else {
                vec![QName::new("urn:t", "Response")]
            },
            policy,
        }
    }

    fn reply(local: &str) -> Outcome {
        Outcome::Reply(Reply {
            message_type: QName::new("urn:t", local),
            payload: vec![],
            expires_at: None,
            attachments: vec![],
        })
    }

    #[test]
    fn outcomes_must_fit_the_kind_of_plugin() {
        let document = description(false);
        let policy = description(true);
        let proceed = Outcome::Proceed(vec![Annotation {
            key: "k".into(),
            value: "v".into(),
        }]);
        let rejected = Outcome::Rejected(Rejection {
            code: RejectCode::NoData,
            description: "none".into(),
        });
        assert_eq!(
            checked_outcome(&document, "p", reply("Response")),
            Ok(reply("Response"))
        );
        assert!(matches!(
            checked_outcome(&document, "p", reply("Other")),
            Err(InvokeError::InvalidOutcome(_))
        ));
        assert!(matches!(
            checked_outcome(&document, "p", proceed.clone()),
            Err(InvokeError::InvalidOutcome(_))
        ));
        assert_eq!(
            checked_outcome(&document, "p", rejected.clone()),
            Ok(rejected.clone())
        );
        assert!(matches!(
            checked_outcome(&policy, "p", reply("Response")),
            Err(InvokeError::InvalidOutcome(_))
        ));
        assert_eq!(checked_outcome(&policy, "p", proceed.clone()), Ok(proceed));
        assert_eq!(
            checked_outcome(&policy, "p", rejected.clone()),
            Ok(rejected)
        );
    }

    #[test]
    fn anonymous_denials_are_attributed_to_the_plugin() {
        let deny = |step: &str| {
            Outcome::Deny(Denial {
                step: step.into(),
                code: "C".into(),
                message: "m".into(),
            })
        };
        assert_eq!(
            checked_outcome(&description(true), "policy-a", deny("")),
            Ok(deny("policy-a"))
        );
        assert_eq!(
            checked_outcome(&description(true), "policy-a", deny("own")),
            Ok(deny("own"))
        );
    }
}
