//! What the load runs serve: invented participants for the showcase simulator and the gateway's configuration.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::procs::copy_fixtures;
use super::release_bin;
use crate::build::Built;
use crate::{Result, root};

/// The bench sender's bearer token.
pub(super) const TOKEN: &str = "bench-client-token";

/// A valid, fictitious СНИЛС from nine digits (the check number computed as the law describes).
fn snils(n: u32) -> String {
    let nine = format!("{:09}", 100_000_000 + n);
    let d: Vec<u32> = nine.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (9 - i as u32)).sum();
    let check = match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => s % 101 % 100,
    };
    format!("{}-{}-{} {check:02}", &nine[0..3], &nine[3..6], &nine[6..9])
}

/// Fixtures with `n` invented participants for the showcase, the other services' fixtures copied.
pub(super) fn fixtures(dir: &Path, n: u32) -> Result<Vec<String>> {
    copy_fixtures(&root().join("adapters/sim/fixtures"), dir)?;
    let mut people = String::from("[");
    let mut list = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s = snils(i);
        if i > 0 {
            people.push(',');
        }
        people.push_str(&format!(
            r#"{{"snils":"{s}","lastName":"Нагрузочный","firstName":"Участник","middleName":"Тестович","birthDate":"1980-01-01","militaryUnit":"в/ч 00000 (вымышленная)","participationFrom":"2022-01-01","participationTo":null,"status":"participant","department":"Министерство обороны Российской Федерации"}}"#
        ));
        list.push(s);
    }
    people.push(']');
    std::fs::write(dir.join("mod-showcase.json"), people).map_err(|e| e.to_string())?;
    Ok(list)
}

/// The gateway's configuration for the load runs: the bench sender, the store at `store_url`, the SVO status and
/// test plugins, the showcase adapter against the simulator at `sim`.
pub(super) fn gateway_config(
    dir: &Path,
    built: &Built,
    store_url: &str,
    sim: SocketAddr,
) -> Result<PathBuf> {
    let repo = root();
    let plugin = |n: &str| {
        built
            .plugin_dir
            .join(format!("{n}.wasm"))
            .display()
            .to_string()
    };
    let text = format!(
        r#"
[auth]
allow_bearer = true

[[senders]]
mnemonic = "BENCH"
bearer_token_sha256 = "{token}"
may_send = ["*"]

[store]
url = "{store_url}"
max_connections = 16

[queue]
workers = 64
redelivery_after = "10m"

[tokens]
subject_key = "bench-subject-key"

[host]
max_instances = 512

[schemas]
dirs = ["{schemas}", "{test_schemas}"]

[log]
level = "warn"

[plugins.svo-status]
path = "{svo}"
adapters = ["mod-showcase"]
[plugins.svo-status.config]
qr_ttl = "1h"

[plugins.test-doc]
path = "{doc}"

[adapters.mod-showcase]
path = "{lib}"
timeout = "1s"
threads = 16
queue = 1024
[adapters.mod-showcase.config]
base_url = "http://{sim}"
timeout_ms = 900

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}IssueQrRequest"
chain = ["svo-status"]
deadline = "2s"
identifiers = {{ Snils = "snils" }}

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}VerifyQrRequest"
chain = ["svo-status"]

[[routes]]
type = "{{urn://gateway/test/1.0}}TestRequest"
chain = ["test-doc"]
"#,
        token = crate::dist::sha256_hex(TOKEN)?,
        schemas = repo.join("schemas").display(),
        test_schemas = repo.join("tests/fixtures/schemas").display(),
        svo = plugin("svo_status"),
        doc = plugin("test_doc"),
        lib = release_bin("libmod_showcase_adapter.so").display(),
    );
    let file = dir.join("gateway.toml");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    Ok(file)
}

/// The gateway configuration at `base` with its facts retention set to `retention_ms` (the benchmark has the
/// gateway's own retention job, which runs at start and then every `interval` when given, delete the oldest
/// day) and the job's log lines written as JSON (the benchmark reads how many facts went and how long it
/// took). Written beside `base`.
pub fn deletion_config(base: &Path, retention_ms: i64, interval: Option<&str>) -> Result<PathBuf> {
    let text = std::fs::read_to_string(base).map_err(|e| e.to_string())?;
    let quiet = "level = \"warn\"\n";
    if !text.contains(quiet) {
        return Err(format!(
            "{}: no `{}` to change",
            base.display(),
            quiet.trim()
        ));
    }
    let text = text.replacen(
        quiet,
        "level = \"warn,gateway::jobs=info\"\nformat = \"json\"\n",
        1,
    ) + &format!("\n[facts]\nretention = \"{retention_ms}ms\"\n")
        + &interval.map_or_else(String::new, |i| format!("retention_interval = \"{i}\"\n"));
    let file = base.with_file_name("gateway-deletion.toml");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::snils;

    #[test]
    fn generated_snils_have_valid_check_numbers() {
        // 112-233-445 95 is the textbook example; ours start at 100-000-000.
        assert_eq!(snils(0), "100-000-000 09");
        for n in [1u32, 12_345, 199_999] {
            assert_eq!(snils(n).len(), 14);
        }
    }
}
