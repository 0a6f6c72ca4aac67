//! Loading: descriptions, and the components and specs the host refuses.

mod common;

use std::sync::Arc;

use common::{NS, host_with_plugins, load_patched_copy, test_config};
use gateway_host::testing::{TEST_DOC, plugin_path};
use gateway_host::{HostConfig, LoadError, NoServices, PluginHost, PluginSpec, QName};

fn small_host() -> PluginHost {
    PluginHost::new(&test_config(4), Arc::new(NoServices)).expect("host")
}

#[tokio::test]
async fn plugins_describe_themselves() {
    let (host, _) = host_with_plugins().await;
    assert_eq!(host.plugins(), ["test-doc", "test-policy"]);

    let doc = host.description("test-doc").expect("test-doc is loaded");
    assert_eq!(doc.name, "test-doc");
    assert_eq!(doc.version, "0.1.0");
    assert_eq!(doc.accepts, [QName::new(NS, "TestRequest")]);
    assert_eq!(doc.produces, [QName::new(NS, "TestResponse")]);
    assert!(!doc.policy);

    let policy = host
        .description("test-policy")
        .expect("test-policy is loaded");
    assert_eq!(policy.accepts, [QName::new(NS, "TestRequest")]);
    assert!(policy.produces.is_empty());
    assert!(policy.policy);

    assert_eq!(host.description("absent"), None);
}

#[tokio::test]
async fn loading_a_name_again_replaces_the_plugin() {
    let host = small_host();
    let first = host
        .load(PluginSpec::new("doc", plugin_path(TEST_DOC)))
        .await
        .expect("loads");
    let second = host
        .load(PluginSpec::new("doc", plugin_path(TEST_DOC)))
        .await
        .expect("loads again");
    assert_eq!(first, second);
    assert_eq!(host.plugins(), ["doc"]);
}

#[tokio::test]
async fn unreadable_and_invalid_files_are_refused() {
    let host = small_host();
    let missing = host
        .load(PluginSpec::new("p", "/nonexistent/plugin.wasm"))
        .await;
    assert!(matches!(missing, Err(LoadError::Io { .. })), "{missing:?}");

    let dir = std::env::temp_dir().join(format!("gateway-host-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let junk = dir.join("junk.wasm");
    std::fs::write(&junk, b"\0asm not really").expect("write");
    let invalid = host.load(PluginSpec::new("p", &junk)).await;
    assert!(
        matches!(invalid, Err(LoadError::Compile { .. })),
        "{invalid:?}"
    );
    assert!(
        host.plugins().is_empty(),
        "nothing is registered after a failed load"
    );
}

#[tokio::test]
async fn bad_specs_are_refused_before_reading() {
    let host = small_host();
    let too_big = PluginSpec::new("p", plugin_path(TEST_DOC)).with_memory_limit(1 << 40);
    assert!(matches!(
        host.load(too_big).await,
        Err(LoadError::InvalidSpec { .. })
    ));
    let bad_config = PluginSpec::new("p", plugin_path(TEST_DOC)).with_config_json("[]");
    assert!(matches!(
        host.load(bad_config).await,
        Err(LoadError::InvalidSpec { .. })
    ));
}

/// Loads a copy of test-doc with `from` replaced by `to`.
async fn load_patched(from: &str, to: &str) -> Result<(), LoadError> {
    load_patched_copy(TEST_DOC, from, to).await.map(|_| ())
}

#[tokio::test]
async fn another_major_version_of_the_contract_is_refused() {
    let imported = load_patched(
        "smev-gateway:plugin/ids@1.3.0",
        "smev-gateway:plugin/ids@2.1.0",
    )
    .await;
    match imported {
        Err(LoadError::IncompatibleVersion { interface, .. }) => {
            assert_eq!(interface, "smev-gateway:plugin/ids@2.1.0")
        }
        other => panic!("expected IncompatibleVersion, got {other:?}"),
    }
    let exported = load_patched(
        "smev-gateway:plugin/handler@1.3.0",
        "smev-gateway:plugin/handler@3.1.0",
    )
    .await;
    assert!(
        matches!(exported, Err(LoadError::IncompatibleVersion { .. })),
        "{exported:?}"
    );
}

#[tokio::test]
async fn an_import_the_host_does_not_provide_is_refused() {
    let result = load_patched(
        "smev-gateway:plugin/qr@1.3.0",
        "smev-gateway:plugin/zz@1.3.0",
    )
    .await;
    match result {
        Err(LoadError::Unlinkable { reason, .. }) => {
            assert!(reason.contains("smev-gateway:plugin/zz"), "{reason}")
        }
        other => panic!("expected Unlinkable, got {other:?}"),
    }
}

#[tokio::test]
async fn compiled_components_are_kept_in_the_cache_directory() {
    let dir = std::env::temp_dir().join(format!("gateway-host-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = HostConfig {
        max_instances: 2,
        cache_dir: Some(dir.clone()),
        ..HostConfig::default()
    };
    let host = PluginHost::new(&config, Arc::new(NoServices)).expect("host");
    host.load(PluginSpec::new("doc", plugin_path(TEST_DOC)))
        .await
        .expect("loads");
    let cached = walk(&dir);
    assert!(
        !cached.is_empty(),
        "the cache directory holds the compiled component"
    );
    // A second host with the same cache loads the same plugin.
    let again = PluginHost::new(&config, Arc::new(NoServices)).expect("host");
    again
        .load(PluginSpec::new("doc", plugin_path(TEST_DOC)))
        .await
        .expect("loads from the cache");
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
