//! `gateway check`: loads everything `serve` would (schemas, adapters, plugins, routes) without listening,
//! explains the result, and checks that each adapter's worst case (timeout × attempts plus backoff) fits the
//! deadline of every route whose chain may call it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::bail;

use crate::app::{Components, load_plugins};
use crate::config::{Config, Loaded};
use crate::router::Router;
use crate::services::Services;
use crate::tokens::TokenService;

/// Runs the check and prints the explanation; an error when something would not work.
pub async fn run(loaded: &Loaded) -> anyhow::Result<()> {
    let c = &loaded.config;
    let mut out = String::new();
    let mut problems = Vec::new();
    let _ = writeln!(
        out,
        "config: ok ({} senders, {} routes, {} plugins, {} adapters)",
        c.senders.len(),
        c.routes.len(),
        c.plugins.len(),
        c.adapters.len()
    );
    for o in &loaded.overrides {
        let _ = writeln!(out, "  override: {} from {}", o.path, o.var);
    }
    let _ = writeln!(
        out,
        "listener: {} ({})",
        c.server.listen,
        match &c.server.tls {
            None => "plain HTTP".to_owned(),
            Some(t) if t.client_ca.is_some() => "TLS with client certificates".to_owned(),
            Some(_) => "TLS".to_owned(),
        }
    );
    if c.server.tls.is_none() && !c.server.listen.ip().is_loopback() {
        let _ = writeln!(out, "  warning: plain HTTP on a non-loopback address");
    }
    let _ = writeln!(
        out,
        "bearer tokens: {}",
        if c.auth.allow_bearer {
            "allowed"
        } else {
            "refused"
        }
    );
    for s in &c.senders {
        let _ = writeln!(
            out,
            "sender {}: may send {}",
            s.mnemonic,
            s.may_send.join(", ")
        );
    }
    let components = Components::load(c)?;
    let _ = writeln!(
        out,
        "schemas: {} XSD namespaces, {} JSON message types",
        components.schemas.namespaces().len(),
        components.schemas.json_types().len()
    );
    let now = crate::tokens::now_ms().max(0) as u64;
    for crl in components.trust.crls() {
        let _ = writeln!(
            out,
            "CRL {}: {} revoked, issued by {}",
            crl.path.display(),
            crl.revoked,
            crl.issuer
        );
        if crl.is_stale(now) {
            problems.push(crl.stale_problem());
        }
    }
    for name in components.adapters.names() {
        let worst = components.adapters.worst_case(&name).unwrap_or_default();
        let _ = writeln!(out, "adapter {name}: worst case {} ms", worst.as_millis());
    }
    let services = offline_services(&components, HashMap::new(), "check").await?;
    let host = load_plugins(c, services).await?;
    for name in host.plugins() {
        if let Some(d) = host.description(&name) {
            let _ = writeln!(
                out,
                "plugin {name} {}: {}, accepts {}",
                d.version,
                if d.policy { "policy step" } else { "document" },
                d.accepts.len()
            );
        }
    }
    for page in &c.pages {
        let _ = writeln!(
            out,
            "pages {} → {} ({})",
            page.prefix,
            page.plugin,
            if page.public {
                "public"
            } else {
                "senders only"
            }
        );
    }
    problems.extend(crate::app::page_problems(c, &host));
    match Router::build(c, &host, &components.schemas) {
        Ok(router) => {
            let mut routes: Vec<_> = router.routes().collect();
            routes.sort_by(|a, b| a.key.cmp(&b.key));
            for r in routes {
                let steps = match &r.scan {
                    Some(scan) => {
                        let documents: Vec<&str> = scan
                            .documents
                            .iter()
                            .map(|d| d.document_type.as_str())
                            .collect();
                        format!("scan: {}", documents.join(", "))
                    }
                    None => {
                        let mut chain = r.policies.clone();
                        chain.push(r.document.clone());
                        chain.join(" → ")
                    }
                };
                let _ = writeln!(
                    out,
                    "route {} → {steps} (deadline {} ms)",
                    r.key,
                    r.deadline.as_millis()
                );
            }
        }
        Err(p) => problems.extend(p),
    }
    problems.extend(deadline_problems(c, &components));
    match gateway_store::Store::connect(&c.store_url(), gateway_store::StoreOptions::default())
        .await
    {
        Ok(s) => {
            let _ = writeln!(out, "store: reachable ({:?})", s.dialect());
            s.close().await;
        }
        Err(e) => problems.push(format!("store {}: {e}", c.store.url)),
    }
    // Whatever a problem quotes (a store URL, a driver's message), no password leaves.
    let out = crate::config::secrets::mask(&out);
    let problems: Vec<String> = problems
        .iter()
        .map(|p| crate::config::secrets::mask(p))
        .collect();
    print!("{out}");
    if problems.is_empty() {
        println!("check: ok");
        Ok(())
    } else {
        bail!(
            "{} problem(s):\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        )
    }
}

/// The plugins' services without the running gateway's store: tokens and plugins' records in memory, no
/// e-mail, the config's adapters, schemas and trust store (for `gateway check` and `gateway plugin call`).
pub async fn offline_services(
    components: &Components,
    allowed_adapters: HashMap<String, Vec<String>>,
    node: &str,
) -> anyhow::Result<Arc<Services>> {
    let memory =
        gateway_store::Store::connect("sqlite::memory:", gateway_store::StoreOptions::default())
            .await?;
    Ok(Arc::new(Services {
        store: memory.clone(),
        mail: None,
        tokens: Arc::new(TokenService::new(
            memory,
            node.as_bytes().to_vec(),
            16,
            std::time::Duration::from_secs(1),
        )),
        adapters: components.adapters.clone(),
        schemas: components.schemas.clone(),
        trust: components.trust.clone(),
        allowed_adapters,
        scopes: crate::scopes::ScopePolicy::default(),
    }))
}

/// Adapters whose worst case exceeds the deadline of a route that may call them.
pub fn deadline_problems(c: &Config, components: &Components) -> Vec<String> {
    let mut problems = Vec::new();
    for r in &c.routes {
        let deadline = c.route_deadline(r).get();
        for step in &r.chain {
            let Some(p) = c.plugins.get(step) else {
                continue;
            };
            for a in &p.adapters {
                if let Some(worst) = components.adapters.worst_case(a)
                    && worst > deadline
                {
                    problems.push(format!(
                        "route `{}`: adapter `{a}` (used by `{step}`) may take {} ms (timeout × attempts + backoff), \
                         more than the route's deadline of {} ms: lower its timeout or retries, or raise the deadline",
                        r.message_type,
                        worst.as_millis(),
                        deadline.as_millis()
                    ));
                }
            }
        }
    }
    problems
}
