//! The config file: the shipped default parses, every kind of mistake is reported in words an operator can
//! act on, and environment overrides reach scalar keys.

use std::path::{Path, PathBuf};

use gateway::config::{Config, ConfigError};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The shipped default with its placeholders filled and its paths pointing into the repository.
fn shipped() -> String {
    std::fs::read_to_string(repo().join("gateway/dist/gateway.toml"))
        .unwrap()
        .replace("@DEMO_TOKEN_SHA256@", &"ab".repeat(32))
}

/// Parses `text` with paths resolved against a directory holding the files it names.
fn parse(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    // Make the files the config names exist (every string value that names a plugin, an adapter, a key or a
    // certificate), so that only the values are judged. No list to keep: a new plugin in the shipped config is
    // covered as it is.
    let mut files = Vec::new();
    if let Ok(value) = text.parse::<toml::Table>() {
        named_files(&toml::Value::Table(value), &mut files);
    }
    for f in files {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }
    std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    Config::from_toml(
        text,
        Path::new("gateway.toml"),
        dir.path().to_path_buf(),
        vars,
    )
    .map(|l| l.config)
}

/// The relative file names among the string values of `value`: `.wasm`, `.so`, `.pem`, `.key`, `.crt`.
fn named_files(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::String(s)
            if !s.starts_with('/')
                && [".wasm", ".so", ".pem", ".key", ".crt"]
                    .iter()
                    .any(|x| s.ends_with(x)) =>
        {
            out.push(s.clone())
        }
        toml::Value::Table(t) => t.values().for_each(|v| named_files(v, out)),
        toml::Value::Array(a) => a.iter().for_each(|v| named_files(v, out)),
        _ => {}
    }
}

fn problems(text: &str) -> String {
    match parse(text, &[]) {
        Ok(_) => panic!("expected the config to be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_shipped_default_config_is_valid() {
    let c = parse(&shipped(), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.auth.allow_bearer);
    assert_eq!(c.senders[0].mnemonic, "DEMO01");
    assert!(c.server.listen.ip().is_loopback());
    assert!(c.server.tls.is_none());
    let svo = &c.plugins["svo-status"];
    assert_eq!(
        svo.config["qr_ttl"].as_str(),
        Some("5m"),
        "the 5-minute rule stands explicitly in the shipped config"
    );
    assert!(c.store.url.starts_with("sqlite://"));
}

#[test]
fn unknown_keys_are_errors() {
    let e = problems(&format!("{}\n[server.extra]\nx = 1\n", shipped()));
    assert!(e.contains("unknown field") || e.contains("extra"), "{e}");
    let e = problems("[store]\nurll = \"sqlite://x.db\"\n");
    assert!(e.contains("urll"), "{e}");
}

#[test]
fn references_and_values_are_checked() {
    let text = r#"
[[senders]]
mnemonic = "bad mnemonic!"
may_send = ["{urn:x}Nope", "not-a-type"]
signature_cert_sha256 = "not-a-fingerprint"

[[routes]]
type = "{urn:x}A"
chain = ["missing-plugin"]
deadline = "2m"

[[routes]]
type = "{urn:x}A"
chain = []
identifiers = { Snils = "passport" }

[store]
url = "mysql://x"
"#;
    let e = problems(text);
    for expected in [
        "a mnemonic is 1–50",
        "has no credential",
        "signature_cert_sha256 must be a SHA-256 fingerprint",
        "`{urn:x}Nope` has no route",
        "may_send `not-a-type` has no route",
        "plugin `missing-plugin`, which [plugins] does not define",
        "must be shorter than [queue] lease",
        "is routed twice",
        "chain is empty",
        "unknown kind `passport`",
        "use sqlite://FILE or postgres://",
    ] {
        assert!(e.contains(expected), "missing `{expected}` in:\n{e}");
    }
}

#[test]
fn plugin_mail_settings_are_checked() {
    let text = format!(
        "{}\n[mail]\nlease = \"1m\"\nkeep_sent = \"1h\"\ngive_up_after = \"2h\"\npoll = \"0s\"\n",
        shipped()
    );
    let e = problems(&text);
    for expected in [
        "[mail] lease (1m) must be at least four times [smtp] timeout (1m)",
        "[mail] keep_sent must be at least give_up_after",
        "[mail] poll must be positive",
    ] {
        assert!(e.contains(expected), "missing `{expected}` in:\n{e}");
    }
}

#[test]
fn metrics_settings_are_checked() {
    let c = parse(&shipped(), &[]).unwrap();
    assert!(c.metrics.enabled, "metrics are on by default");
    assert_eq!(
        c.metrics.listen, None,
        "on the main listener, for operators"
    );
    let c = parse(
        &format!("{}\n[metrics]\nlisten = \"127.0.0.1:9464\"\n", shipped()),
        &[],
    )
    .unwrap();
    assert_eq!(c.metrics.listen.map(|a| a.port()), Some(9464));
    let listen = parse(&shipped(), &[]).unwrap().server.listen;
    let e = problems(&format!(
        "{}\n[metrics]\nenabled = false\nlisten = \"{listen}\"\n",
        shipped()
    ));
    for expected in [
        "[metrics] listen is set but enabled = false",
        "is [server] listen too",
    ] {
        assert!(e.contains(expected), "missing `{expected}` in:\n{e}");
    }
    let e = problems(&format!("{}\n[metrics]\nport = 1\n", shipped()));
    assert!(e.contains("port"), "{e}");
}

#[test]
fn postgresql_needs_a_shared_subject_key() {
    let text = shipped().replace(
        "sqlite://data/gateway.db",
        "postgres://postgres@127.0.0.1/x",
    );
    assert!(problems(&text).contains("subject_key is required"));
    parse(&text, &[("GATEWAY__TOKENS__SUBJECT_KEY", "k")])
        .expect("the key may come from the environment");
}

#[test]
fn environment_overrides_scalar_keys() {
    let c = parse(
        &shipped(),
        &[
            ("GATEWAY__SERVER__LISTEN", "127.0.0.1:9999"),
            ("GATEWAY__PLUGINS__SVO_STATUS__MEMORY", "32MiB"),
            ("GATEWAY__ADAPTERS__MOD_SHOWCASE__RETRIES", "2"),
            ("GATEWAY__SENDERS__0__NAME", "Переименован"),
        ],
    )
    .unwrap();
    assert_eq!(c.server.listen.port(), 9999);
    assert_eq!(c.plugins["svo-status"].memory.unwrap().bytes(), 32 << 20);
    assert_eq!(c.adapters["mod-showcase"].retries, 2);
    assert_eq!(c.senders[0].name.as_deref(), Some("Переименован"));
    let e = parse(&shipped(), &[("GATEWAY__SENDERS__7__NAME", "x")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no index 7"), "{e}");
}

/// A scan route is checked at start: no chain of its own, documents naming ordinary routes, patterns that
/// compile.
#[test]
fn scan_routes_are_checked() {
    let bad = format!(
        "{}\n[[routes]]\ntype = \"{{urn:x}}Scan\"\nchain = [\"svo-status\"]\n[routes.scan]\nanswer = \"{{urn:x}}ScanResponse\"\n\
         [[routes.scan.documents]]\ndocument_type = \"a\"\nroute = \"{{urn:x}}Nowhere\"\npatterns = ['^(unclosed$']\n\
         [[routes.scan.documents]]\ndocument_type = \"a\"\nroute = \"{{urn://gateway/goscan/1.0}}ScanRequest\"\npatterns = []\n",
        shipped()
    );
    let e = problems(&bad);
    for expected in [
        "a scan route has no chain of its own",
        "route `{urn:x}Nowhere` is not a [[routes]] entry",
        "does not compile",
        "scan document `a` is listed twice",
        "is itself a scan route",
        "patterns is empty",
    ] {
        assert!(e.contains(expected), "wanted {expected:?} in:\n{e}");
    }
}
