//! Checks of a parsed config that serde cannot express: references between sections, value ranges, files
//! that must exist. Each problem is one sentence an operator can act on.

use std::collections::{BTreeSet, HashSet};
use std::str::FromStr;

use smev_envelope::QName;

use super::Config;

/// Every problem found in `c`; empty when the config is usable.
pub fn problems(c: &Config) -> Vec<String> {
    let mut p = Vec::new();
    server(c, &mut p);
    senders(c, &mut p);
    store(c, &mut p);
    routes(c, &mut p);
    plugins_and_adapters(c, &mut p);
    pages(c, &mut p);
    misc(c, &mut p);
    reports(c, &mut p);
    operator(c, &mut p);
    metrics(c, &mut p);
    p
}

fn must_exist(c: &Config, what: &str, path: &std::path::Path, p: &mut Vec<String>) {
    let full = c.resolve(path);
    if !full.exists() {
        p.push(format!("{what}: file {} does not exist", full.display()));
    }
}

fn server(c: &Config, p: &mut Vec<String>) {
    if let Some(tls) = &c.server.tls {
        must_exist(c, "[server.tls] cert", &tls.cert, p);
        must_exist(c, "[server.tls] key", &tls.key, p);
        if let Some(ca) = &tls.client_ca {
            must_exist(c, "[server.tls] client_ca", ca, p);
        } else if tls.require_client_cert == Some(true) {
            p.push("[server.tls] require_client_cert = true needs client_ca".into());
        }
    }
    if let Some(u) = &c.server.public_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        p.push(format!(
            "[server] public_url `{u}` must start with http:// or https://"
        ));
    }
    if c.server.max_connections == 0 {
        p.push("[server] max_connections must be at least 1".into());
    }
}

fn is_sha256_hex(s: &str) -> bool {
    let s: String = s.chars().filter(|c| *c != ':').collect();
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn senders(c: &Config, p: &mut Vec<String>) {
    let mut seen = HashSet::new();
    let mut tokens = HashSet::new();
    let mut certs = HashSet::new();
    let routed: BTreeSet<&str> = c.routes.iter().map(|r| r.message_type.as_str()).collect();
    let mtls = c.server.tls.as_ref().is_some_and(|t| t.client_ca.is_some());
    for s in &c.senders {
        let who = format!("[[senders]] `{}`", s.mnemonic);
        if s.mnemonic.is_empty()
            || s.mnemonic.len() > 50
            || !s
                .mnemonic
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            p.push(format!(
                "{who}: a mnemonic is 1–50 latin letters, digits, `_` or `-`"
            ));
        }
        if !seen.insert(s.mnemonic.as_str()) {
            p.push(format!("{who} is defined twice"));
        }
        if s.bearer_token_sha256.is_none() && s.client_cert_sha256.is_none() {
            p.push(format!(
                "{who} has no credential: set bearer_token_sha256 or client_cert_sha256"
            ));
        }
        if let Some(h) = &s.bearer_token_sha256 {
            if !is_sha256_hex(h) {
                p.push(format!(
                    "{who}: bearer_token_sha256 must be 64 hex digits (sha256 of the token)"
                ));
            } else if !tokens.insert(h.to_ascii_lowercase()) {
                p.push(format!(
                    "{who}: the same bearer token is used by another sender"
                ));
            }
        }
        if let Some(h) = &s.signature_cert_sha256
            && !is_sha256_hex(h)
        {
            p.push(format!(
                "{who}: signature_cert_sha256 must be a SHA-256 fingerprint (64 hex digits)"
            ));
        }
        if let Some(h) = &s.client_cert_sha256 {
            if !is_sha256_hex(h) {
                p.push(format!(
                    "{who}: client_cert_sha256 must be a SHA-256 fingerprint (64 hex digits)"
                ));
            } else if !certs.insert(h.replace(':', "").to_ascii_lowercase()) {
                p.push(format!(
                    "{who}: the same client certificate is used by another sender"
                ));
            }
            if !mtls {
                p.push(format!(
                    "{who} authenticates by client certificate but [server.tls] has no client_ca"
                ));
            }
        }
        if s.may_send.is_empty() {
            p.push(format!(
                "{who}: may_send is empty, the sender could send nothing"
            ));
        }
        for t in &s.may_send {
            if t == "*" {
                continue;
            }
            if QName::from_str(t).is_err() {
                p.push(format!(
                    "{who}: may_send `{t}` is not a message type `{{namespace}}LocalName`"
                ));
            } else if !routed.contains(t.as_str()) {
                p.push(format!("{who}: may_send `{t}` has no route"));
            }
        }
    }
}

fn store(c: &Config, p: &mut Vec<String>) {
    let url = &c.store.url;
    let pg = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !(url.starts_with("sqlite:") || pg) {
        p.push(format!(
            "[store] url `{url}`: use sqlite://FILE or postgres://..."
        ));
    }
    if c.limits.pages.concurrency == 0 {
        p.push("[limits.pages] concurrency must be at least 1".into());
    }
    if c.limits.pages.rate > 0 && c.limits.pages.burst == 0 {
        p.push("[limits.pages] burst must be at least 1 when rate is set".into());
    }
    if c.store.max_connections == 0 {
        p.push("[store] max_connections must be at least 1".into());
    }
    if !matches!(c.store.sqlite_synchronous.as_str(), "full" | "normal") {
        p.push(format!(
            "[store] sqlite_synchronous `{}`: use \"full\" or \"normal\"",
            c.store.sqlite_synchronous
        ));
    }
    if pg && c.tokens.subject_key.is_none() {
        p.push(
            "[tokens] subject_key is required with PostgreSQL: nodes sharing the database must hash token subjects \
             with the same key (set GATEWAY__TOKENS__SUBJECT_KEY)"
                .into(),
        );
    }
}

fn routes(c: &Config, p: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for r in &c.routes {
        let who = format!("[[routes]] `{}`", r.message_type);
        if QName::from_str(&r.message_type).is_err() {
            p.push(format!("{who}: type must be `{{namespace}}LocalName`"));
        }
        if !seen.insert(r.message_type.as_str()) {
            p.push(format!("{who} is routed twice"));
        }
        match &r.scan {
            None if r.chain.is_empty() => p.push(format!("{who}: chain is empty")),
            None => {}
            Some(scan) => {
                if !r.chain.is_empty() {
                    p.push(format!(
                        "{who}: a scan route has no chain of its own (its documents' routes have theirs)"
                    ));
                }
                scan_route(c, &who, scan, p);
            }
        }
        for step in &r.chain {
            if !c.plugins.contains_key(step) {
                p.push(format!(
                    "{who}: chain names plugin `{step}`, which [plugins] does not define"
                ));
            }
        }
        let deadline = c.route_deadline(r);
        if deadline.get().is_zero() {
            p.push(format!("{who}: deadline must be positive"));
        }
        if deadline.get() >= c.queue.lease.get() {
            p.push(format!(
                "{who}: deadline {deadline} must be shorter than [queue] lease {}",
                c.queue.lease
            ));
        }
        for (name, kind) in &r.identifiers {
            if ru_identifiers::Kind::from_name(kind).is_none() {
                let kinds: Vec<&str> = ru_identifiers::Kind::ALL.iter().map(|(n, _)| *n).collect();
                p.push(format!(
                    "{who}: identifier `{name}` has unknown kind `{kind}` (one of {})",
                    kinds.join(", ")
                ));
            }
        }
    }
}

/// A scan route's documents: each names another, ordinary route and patterns that compile.
fn scan_route(c: &Config, who: &str, scan: &crate::config::ScanConfig, p: &mut Vec<String>) {
    if QName::from_str(&scan.answer).is_err() {
        p.push(format!(
            "{who}: scan.answer must be `{{namespace}}LocalName`"
        ));
    }
    if scan.documents.is_empty() {
        p.push(format!("{who}: scan.documents is empty"));
    }
    let mut names = HashSet::new();
    for d in &scan.documents {
        let doc = format!("{who}: scan document `{}`", d.document_type);
        if !names.insert(d.document_type.as_str()) {
            p.push(format!("{doc} is listed twice"));
        }
        match c.routes.iter().find(|r| r.message_type == d.route) {
            None => p.push(format!(
                "{doc}: route `{}` is not a [[routes]] entry",
                d.route
            )),
            Some(target) if target.scan.is_some() => {
                p.push(format!("{doc}: route `{}` is itself a scan route", d.route))
            }
            Some(_) => {}
        }
        if d.patterns.is_empty() {
            p.push(format!("{doc}: patterns is empty"));
        }
        for pattern in &d.patterns {
            if let Err(e) = regex::Regex::new(pattern) {
                p.push(format!("{doc}: pattern {pattern:?} does not compile: {e}"));
            }
        }
    }
}

/// The gateway's own path prefixes, which no page may take.
const OWN_PATHS: &[&str] = &["/smev/", "/api/", "/healthz", "/readyz"];

fn pages(c: &Config, p: &mut Vec<String>) {
    for (i, page) in c.pages.iter().enumerate() {
        let who = format!("[[pages]] {} (`{}`)", i + 1, page.prefix);
        let prefix = page.prefix.as_str();
        let well_formed = prefix.len() >= 3
            && prefix.starts_with('/')
            && prefix.ends_with('/')
            && !prefix.contains("//")
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if !well_formed {
            p.push(format!(
                "{who}: prefix must be like \"/somc2/\": start and end with `/`, letters, digits, `-`, `_`, `.`"
            ));
        }
        if OWN_PATHS
            .iter()
            .any(|own| own.starts_with(prefix) || prefix.starts_with(own))
        {
            p.push(format!(
                "{who}: prefix overlaps the gateway's own paths ({})",
                OWN_PATHS.join(", ")
            ));
        }
        for other in &c.pages[..i] {
            if other.prefix.starts_with(prefix) || prefix.starts_with(other.prefix.as_str()) {
                p.push(format!("{who}: prefix overlaps `{}`", other.prefix));
            }
        }
        if !c.plugins.contains_key(&page.plugin) {
            p.push(format!(
                "{who}: plugin `{}` is not defined in [plugins]",
                page.plugin
            ));
        }
        if page.deadline.get().is_zero() {
            p.push(format!("{who}: deadline must be positive"));
        }
    }
}

fn plugins_and_adapters(c: &Config, p: &mut Vec<String>) {
    for (name, pl) in &c.plugins {
        let who = format!("[plugins.{name}]");
        must_exist(c, &format!("{who} path"), &pl.path, p);
        if pl.memory.is_some_and(|m| m.bytes() < 1 << 20) {
            p.push(format!("{who}: memory below 1MiB cannot run a plugin"));
        }
        for a in &pl.adapters {
            if !c.adapters.contains_key(a) {
                p.push(format!(
                    "{who}: adapters names `{a}`, which [adapters] does not define"
                ));
            }
        }
        for scope in &pl.read_scopes {
            match scope.split_once('/') {
                Some((owner, scope_name)) if c.plugins.contains_key(owner) && owner != name => {
                    if let Err(why) = crate::scopes::check_name(scope_name) {
                        p.push(format!("{who}: read_scopes: {why}"));
                    }
                }
                Some((owner, _)) if owner == name => p.push(format!(
                    "{who}: read_scopes names `{scope}`, the plugin's own scope (it needs no grant)"
                )),
                Some((owner, _)) => p.push(format!(
                    "{who}: read_scopes names `{scope}`, but no plugin `{owner}` is defined in [plugins]"
                )),
                None => p.push(format!(
                    "{who}: read_scopes entry `{scope}` must be `<plugin>/<scope>`"
                )),
            }
        }
    }
    for (name, a) in &c.adapters {
        let who = format!("[adapters.{name}]");
        must_exist(c, &format!("{who} path"), &a.path, p);
        if a.timeout.get().is_zero() {
            p.push(format!("{who}: timeout must be positive"));
        }
        if a.threads == 0 || a.queue == 0 {
            p.push(format!("{who}: threads and queue must be at least 1"));
        }
        if a.breaker_failures == 0 {
            p.push(format!("{who}: breaker_failures must be at least 1"));
        }
    }
}

fn misc(c: &Config, p: &mut Vec<String>) {
    if !matches!(c.log.format.as_str(), "text" | "json") {
        p.push(format!(
            "[log] format `{}`: use \"text\" or \"json\"",
            c.log.format
        ));
    }
    if c.queue.workers == 0 {
        p.push("[queue] workers must be at least 1".into());
    }
    if c.host.max_instances == 0 {
        p.push("[host] max_instances must be at least 1".into());
    }
    if c.host.epoch_tick.get().is_zero() {
        p.push("[host] epoch_tick must be positive".into());
    }
    if c.smev.signed_timestamp_window.get() < std::time::Duration::from_secs(1) {
        p.push("[smev] signed_timestamp_window must be at least 1s".into());
    }
    for f in &c.crypto.trust_store {
        must_exist(c, "[crypto] trust_store", f, p);
    }
    match (&c.crypto.smev_signature_key, &c.crypto.smev_signature_cert) {
        (Some(key), Some(cert)) => {
            must_exist(c, "[crypto] smev_signature_key", key, p);
            must_exist(c, "[crypto] smev_signature_cert", cert, p);
        }
        (None, None) => {}
        _ => p.push("[crypto] smev_signature_key and smev_signature_cert go together".into()),
    }
    for f in &c.crypto.crl_files {
        must_exist(c, "[crypto] crl_files", f, p);
    }
    if let Some(url) = &c.crypto.ocsp.responder
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        p.push(format!(
            "[crypto.ocsp] responder `{url}` must be an http:// or https:// URL"
        ));
    }
    if c.crypto.ocsp.timeout.get().is_zero() {
        p.push("[crypto.ocsp] timeout must be positive".into());
    }
    if !c.crypto.crl_files.is_empty() && c.crypto.trust_store.is_empty() {
        p.push("[crypto] crl_files needs the CAs that issued them in [crypto] trust_store".into());
    }
    for d in &c.schemas.dirs {
        let full = c.resolve(d);
        if !full.is_dir() {
            p.push(format!(
                "[schemas] dirs: {} is not a directory",
                full.display()
            ));
        }
    }
    if c.facts.retention.get().is_zero() || c.facts.retention_interval.get().is_zero() {
        p.push("[facts] retention and retention_interval must be positive".into());
    }
    if c.journal.retention.get() < std::time::Duration::from_secs(86_400) {
        p.push("[journal] retention must be at least 1d: the journal is the audit trail".into());
    }
    if c.limits.max_depth < 8 {
        p.push("[limits] max_depth below 8 cannot hold a SOAP envelope with its payload".into());
    }
}

fn reports(c: &Config, p: &mut Vec<String>) {
    use gateway_reports::{mail, period, schedule::Schedule};
    if let Some(s) = &c.smtp {
        if mail::Security::parse(&s.security).is_none() {
            p.push(format!(
                "[smtp] security `{}`: use \"starttls\", \"tls\" or \"none\"",
                s.security
            ));
        }
        if let Err(e) = mail::parse_mailbox(&s.from) {
            p.push(format!("[smtp] from: {e}"));
        }
        if s.host.trim().is_empty() || s.port == 0 {
            p.push("[smtp] host and port must be set".into());
        }
        if s.username.is_some() != s.password.is_some() {
            p.push("[smtp] username and password go together (set the password through GATEWAY__SMTP__PASSWORD)".into());
        }
        if s.timeout.get().is_zero() {
            p.push("[smtp] timeout must be positive".into());
        }
        if let Some(ca) = &s.ca {
            must_exist(c, "[smtp] ca", ca, p);
        }
    }
    let m = &c.mail;
    for (name, d) in [
        ("poll", m.poll),
        ("retry_initial", m.retry_initial),
        ("retry_max", m.retry_max),
        ("give_up_after", m.give_up_after),
        ("keep_sent", m.keep_sent),
        ("lease", m.lease),
    ] {
        if d.get().is_zero() {
            p.push(format!("[mail] {name} must be positive"));
        }
    }
    if let Some(s) = &c.smtp
        && m.lease.get() < s.timeout.get() * 4
    {
        p.push(format!(
            "[mail] lease ({}) must be at least four times [smtp] timeout ({}): a slow send would be taken over \
             by another node and sent twice",
            m.lease, s.timeout
        ));
    }
    if m.keep_sent.get() < m.give_up_after.get() {
        p.push(
            "[mail] keep_sent must be at least give_up_after: a key must outlive its message"
                .into(),
        );
    }
    let Some(r) = &c.reports else { return };
    if c.smtp.is_none() {
        p.push(
            "[reports] needs an [smtp] section: the mail server reports are sent through".into(),
        );
    }
    match period::parse_date(&r.anchor) {
        Ok(anchor) => {
            if let Err(e) = Schedule::parse(&r.schedule, anchor) {
                p.push(format!("[reports] {e}"));
            }
        }
        Err(e) => p.push(format!("[reports] anchor: {e}")),
    }
    if let Err(e) = period::time_zone(&r.time_zone) {
        p.push(format!("[reports] {e}"));
    }
    if !c.plugins.contains_key(&r.plugin) {
        p.push(format!(
            "[reports] plugin `{}` is not defined in [plugins]",
            r.plugin
        ));
    }
    if !c.adapters.contains_key(&r.profiles) {
        p.push(format!(
            "[reports] profiles adapter `{}` is not defined in [adapters]",
            r.profiles
        ));
    }
    must_exist(c, "[reports] signer_cert", &r.signer_cert, p);
    must_exist(c, "[reports] signer_key", &r.signer_key, p);
    for f in &r.signer_chain {
        must_exist(c, "[reports] signer_chain", f, p);
    }
    if let Some(dir) = &r.work_dir
        && !c.resolve(dir).is_dir()
    {
        p.push(format!(
            "[reports] work_dir {} is not a directory",
            c.resolve(dir).display()
        ));
    }
    let positive = [
        ("tick", r.tick),
        ("lease", r.lease),
        ("retry_initial", r.retry_initial),
        ("plugin_deadline", r.plugin_deadline),
        ("keep_sent", r.keep_sent),
    ];
    for (name, d) in positive {
        if d.get().is_zero() {
            p.push(format!("[reports] {name} must be positive"));
        }
    }
    if r.retry_max.get() < r.retry_initial.get() {
        p.push("[reports] retry_max must be at least retry_initial".into());
    }
    if r.delay.get() > std::time::Duration::from_secs(30 * 86_400) {
        p.push("[reports] delay above 30 days".into());
    }
    if !(1..=366).contains(&r.catch_up) {
        p.push("[reports] catch_up must be 1 to 366 periods".into());
    }
    if !(1..=64).contains(&r.parallel) {
        p.push("[reports] parallel must be 1 to 64".into());
    }
    if !(1..=9).contains(&r.compression) {
        p.push("[reports] compression must be 1 (fastest) to 9".into());
    }
    if r.fact_kind.trim().is_empty() {
        p.push("[reports] fact_kind must not be empty".into());
    }
    if let Some(d) = &r.message_id_domain
        && (d.is_empty()
            || !d
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-'))
    {
        p.push(format!(
            "[reports] message_id_domain `{d}`: a domain of latin letters, digits, `.` and `-`"
        ));
    }
    for o in &r.operators {
        if !c.senders.iter().any(|s| &s.mnemonic == o) {
            p.push(format!(
                "[reports] operators names `{o}`, which [[senders]] does not define"
            ));
        }
    }
}

fn operator(c: &Config, p: &mut Vec<String>) {
    for o in &c.operator.senders {
        if !c.senders.iter().any(|s| &s.mnemonic == o) {
            p.push(format!(
                "[operator] senders names `{o}`, which [[senders]] does not define"
            ));
        }
    }
}

fn metrics(c: &Config, p: &mut Vec<String>) {
    let Some(listen) = c.metrics.listen else {
        return;
    };
    if !c.metrics.enabled {
        p.push(
            "[metrics] listen is set but enabled = false: remove listen, or enable the metrics"
                .into(),
        );
    }
    if listen == c.server.listen && listen.port() != 0 {
        p.push(format!(
            "[metrics] listen {listen} is [server] listen too: give the metrics an address of their own, or \
             remove listen to serve them on the main listener to operators"
        ));
    }
}
