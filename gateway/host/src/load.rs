//! Loading a plugin: read and compile the component (or take it from the cache), check the contract version
//! it targets, pre-link it once, find its exports (`handler`, and `page` when it serves pages), call `describe`
//! in a fresh instance with a short deadline, and check what it declares.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use crate::config::{HostConfig, PluginSpec};
use crate::error::LoadError;
use crate::exports::PluginPre;
use crate::runtime::{Call, LoadedPlugin, Returned, Runtime};
use crate::services::CallContext;
use crate::state::{PluginMeta, StoreState};
use crate::types::{Description, QName};

/// How long `describe` may take.
pub(crate) const DESCRIBE_DEADLINE: Duration = Duration::from_secs(1);

/// The package whose major version the host implements.
const CONTRACT_PACKAGE: &str = "smev-gateway:plugin/";
/// The major version of the contract the host implements.
const CONTRACT_MAJOR: &str = "1";

/// Loads the plugin of `spec`.
pub(crate) async fn load(
    runtime: &Runtime,
    linker: &Linker<StoreState>,
    config: &HostConfig,
    spec: PluginSpec,
) -> Result<LoadedPlugin, LoadError> {
    let plugin = spec.name.clone();
    spec.check(config)
        .map_err(|reason| LoadError::InvalidSpec {
            plugin: plugin.clone(),
            reason,
        })?;
    let bytes = tokio::fs::read(&spec.path)
        .await
        .map_err(|source| LoadError::Io {
            plugin: plugin.clone(),
            path: spec.path.clone(),
            source,
        })?;
    let component = compile(&runtime.engine, bytes)
        .await
        .map_err(|reason| LoadError::Compile {
            plugin: plugin.clone(),
            reason,
        })?;
    let contract = check_contract_version(&plugin, &component, &runtime.engine)?;
    let instance_pre =
        linker
            .instantiate_pre(&component)
            .map_err(|error| LoadError::Unlinkable {
                plugin: plugin.clone(),
                reason: error_text(&error),
            })?;
    let pre = PluginPre::new(instance_pre).map_err(|reason| LoadError::Unlinkable {
        plugin: plugin.clone(),
        reason,
    })?;
    let meta = Arc::new(PluginMeta {
        name: spec.name,
        config_json: spec.config_json,
        memory_limit: spec.memory_limit,
    });
    let cx = CallContext {
        plugin: plugin.clone(),
        message_id: String::new(),
        sender: String::new(),
    };
    let finished = runtime
        .run(&meta, &pre, cx, Call::Describe, DESCRIBE_DEADLINE)
        .await
        .map_err(|error| LoadError::Describe {
            plugin: plugin.clone(),
            source: Box::new(error),
        })?;
    let Returned::Description(description) = finished.returned else {
        return Err(LoadError::InvalidDescription {
            plugin,
            reason: "describe returned no description".into(),
        });
    };
    let description = Description::from(description);
    check_description(&description)
        .map_err(|reason| LoadError::InvalidDescription { plugin, reason })?;
    Ok(LoadedPlugin {
        meta,
        pre,
        description,
        contract,
    })
}

/// Compiles on a blocking thread: Cranelift takes from milliseconds (cache hit) to seconds.
async fn compile(engine: &Engine, bytes: Vec<u8>) -> Result<Component, String> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || {
        Component::new(&engine, &bytes).map_err(|error| error_text(&error))
    })
    .await
    .map_err(|error| format!("the compilation task failed: {error}"))?
}

/// Refuses a component that imports or exports `smev-gateway:plugin` at another major version. Any minor
/// version of this major version is accepted: `wasmtime` resolves `…@1.0.0` (and `…@1.x`) names to the host's
/// 1.3.0 definitions, and a name the host does not define is refused when the component is linked. Returns the
/// contract version the component was built against: the highest version its names carry (e.g. `1.3.0`).
fn check_contract_version(
    plugin: &str,
    component: &Component,
    engine: &Engine,
) -> Result<String, LoadError> {
    let ty = component.component_type();
    let imports = ty.imports(engine).map(|(name, _)| name);
    let exports = ty.exports(engine).map(|(name, _)| name);
    let mut highest: Option<&str> = None;
    for name in imports.chain(exports) {
        let Some(interface) = name.strip_prefix(CONTRACT_PACKAGE) else {
            continue;
        };
        let version = interface.split_once('@').map(|(_, version)| version);
        if version.and_then(|v| v.split('.').next()) != Some(CONTRACT_MAJOR) {
            return Err(LoadError::IncompatibleVersion {
                plugin: plugin.to_owned(),
                interface: name.to_owned(),
            });
        }
        if let Some(v) = version
            && highest.is_none_or(|h| version_key(v) > version_key(h))
        {
            highest = Some(v);
        }
    }
    Ok(highest.unwrap_or_default().to_owned())
}

/// A version's numbers, for ordering (`1.10.0` after `1.9.0`); what does not parse counts as 0.
fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-', '+'])
        .map(|n| n.parse().unwrap_or(0))
        .collect()
}

/// Checks a description: a name and a version, at least one accepted type, no duplicates, well-formed
/// message types, and a document plugin declares what it produces.
pub(crate) fn check_description(description: &Description) -> Result<(), String> {
    if description.name.trim().is_empty() {
        return Err("the name is empty".into());
    }
    if description.version.trim().is_empty() {
        return Err("the version is empty".into());
    }
    if description.accepts.is_empty() {
        return Err("the plugin accepts no message type".into());
    }
    if !description.policy && description.produces.is_empty() {
        return Err("a document plugin must declare the message types it produces".into());
    }
    let mut seen = HashSet::new();
    for name in &description.accepts {
        check_qname(name)?;
        if !seen.insert(name) {
            return Err(format!("{name} is accepted twice"));
        }
    }
    description.produces.iter().try_for_each(check_qname)
}

fn check_qname(name: &QName) -> Result<(), String> {
    let local_ok = name
        .local
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .local
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if name.namespace.trim().is_empty() || !local_ok {
        return Err(format!("{name} is not a namespaced XML element name"));
    }
    Ok(())
}

fn error_text(error: &wasmtime::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description() -> Description {
        Description {
            name: "test-doc".into(),
            version: "0.1.0".into(),
            accepts: vec![QName::new("urn://gateway/test/1.0", "TestRequest")],
            produces: vec![QName::new("urn://gateway/test/1.0", "TestResponse")],
            policy: false,
        }
    }

    #[test]
    fn versions_are_ordered_by_their_numbers() {
        assert!(version_key("1.10.0") > version_key("1.9.0"));
        assert!(version_key("1.3.0") > version_key("1.0.0"));
        assert_eq!(version_key("1.3.0"), [1, 3, 0]);
    }

    #[test]
    fn good_descriptions_pass_and_bad_ones_say_why() {
        assert_eq!(check_description(&description()), Ok(()));
        let policy = Description {
            produces: vec![],
            policy: true,
            ..description()
        };
        assert_eq!(check_description(&policy), Ok(()));

        let cases: Vec<(Description, &str)> = vec![
            (
                Description {
                    name: " ".into(),
                    ..description()
                },
                "name",
            ),
            (
                Description {
                    version: String::new(),
                    ..description()
                },
                "version",
            ),
            (
                Description {
                    accepts: vec![],
                    ..description()
                },
                "accepts no",
            ),
            (
                Description {
                    produces: vec![],
                    ..description()
                },
                "produces",
            ),
            (
                Description {
                    accepts: vec![QName::new("", "TestRequest")],
                    ..description()
                },
                "namespaced",
            ),
            (
                Description {
                    accepts: vec![QName::new("urn:x", "p:Q")],
                    ..description()
                },
                "namespaced",
            ),
            (
                Description {
                    produces: vec![QName::new("urn:x", "")],
                    ..description()
                },
                "namespaced",
            ),
            (
                Description {
                    accepts: vec![QName::new("urn:x", "A"), QName::new("urn:x", "A")],
                    ..description()
                },
                "twice",
            ),
        ];
        for (bad, expected) in cases {
            let reason = check_description(&bad).expect_err("must be refused");
            assert!(
                reason.contains(expected),
                "{reason:?} should mention {expected:?}"
            );
        }
    }
}
