//! The route table: message type → chain of plugins (policy steps, then the document plugin), checked against
//! what the loaded plugins declare and what schemas exist.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use gateway_host::PluginHost;
use gateway_schema::SchemaCatalog;
use ru_identifiers::Kind;
use smev_envelope::QName;

use crate::config::{Config, RouteConfig};
use crate::scan::Scan;

/// One route, ready to serve.
#[derive(Debug)]
pub struct Route {
    /// The message type it serves.
    pub message_type: QName,
    /// The same, in Clark notation.
    pub key: String,
    /// Policy steps, in order.
    pub policies: Vec<String>,
    /// The document plugin.
    pub document: String,
    /// Deadline of the whole chain.
    pub deadline: Duration,
    /// Check payloads against their schema.
    pub schema_check: bool,
    /// Identifier checks at the edge.
    pub identifiers: Vec<IdentifierCheck>,
    /// The type rejections and statuses are filed under (the document plugin's first response type), so that
    /// a `MessageTypeSelector` for the answer also fetches them.
    pub response_type: QName,
    /// A scan route's documents (`[routes.scan]`): it has no chain of its own (see [`crate::scan`]).
    pub scan: Option<Arc<Scan>>,
}

/// An identifier that must pass its check number wherever it appears in a payload.
#[derive(Debug, Clone)]
pub struct IdentifierCheck {
    /// XML element local name, e.g. `Snils`.
    pub element: String,
    /// JSON key, e.g. `snils`.
    pub json_key: String,
    pub kind: Kind,
}

/// All routes.
#[derive(Debug, Default)]
pub struct Router {
    routes: HashMap<String, Arc<Route>>,
    produced: HashSet<String>,
}

impl Router {
    /// Builds the table from the config and the loaded plugins; every inconsistency is reported.
    pub fn build(
        config: &Config,
        host: &PluginHost,
        schemas: &SchemaCatalog,
    ) -> Result<Router, Vec<String>> {
        let mut problems = Vec::new();
        let mut router = Router::default();
        for r in &config.routes {
            let who = format!("route `{}`", r.message_type);
            let Ok(message_type) = QName::from_str(&r.message_type) else {
                problems.push(format!("{who}: not a message type"));
                continue;
            };
            if r.scan.is_some() {
                match scan_route(config, r, message_type, schemas, &mut router) {
                    Ok(route) => {
                        router
                            .routes
                            .insert(r.message_type.clone(), Arc::new(route));
                    }
                    Err(mut p) => problems.append(&mut p),
                }
                continue;
            }
            let Some((document, policies)) = r.chain.split_last() else {
                problems.push(format!("{who}: empty chain"));
                continue;
            };
            let mut ok = true;
            for p in policies {
                match host.description(p) {
                    Some(d) if d.policy => {
                        if !d.accepts.is_empty()
                            && !d.accepts.iter().any(|q| {
                                q.namespace == message_type.namespace
                                    && q.local == message_type.local
                            })
                        {
                            problems.push(format!(
                                "{who}: policy plugin `{p}` does not accept this type"
                            ));
                            ok = false;
                        }
                    }
                    Some(_) => {
                        problems.push(format!(
                            "{who}: `{p}` comes before the last step but is not a policy plugin"
                        ));
                        ok = false;
                    }
                    None => {
                        problems.push(format!("{who}: plugin `{p}` is not loaded"));
                        ok = false;
                    }
                }
            }
            let response_type = match host.description(document) {
                Some(d) if d.policy => {
                    problems.push(format!("{who}: the last step `{document}` is a policy plugin; a document plugin must end the chain"));
                    None
                }
                Some(d) => {
                    if !d.accepts.iter().any(|q| {
                        q.namespace == message_type.namespace && q.local == message_type.local
                    }) {
                        problems.push(format!(
                            "{who}: plugin `{document}` does not accept this type (it accepts {})",
                            names(&d.accepts)
                        ));
                        ok = false;
                    }
                    for q in &d.produces {
                        router.produced.insert(crate::convert::host_clark(q));
                    }
                    answer_type(&message_type, &d.produces)
                }
                None => {
                    problems.push(format!("{who}: plugin `{document}` is not loaded"));
                    None
                }
            };
            let Some(response_type) = response_type else {
                continue;
            };
            let schema_problems = missing_schemas(r, &message_type, schemas);
            ok &= schema_problems.is_empty();
            problems.extend(schema_problems);
            let identifiers = identifier_checks(r);
            if ok {
                router.routes.insert(
                    r.message_type.clone(),
                    Arc::new(Route {
                        message_type,
                        key: r.message_type.clone(),
                        policies: policies.to_vec(),
                        document: document.clone(),
                        deadline: config.route_deadline(r).get(),
                        schema_check: r.schema_check,
                        identifiers,
                        response_type,
                        scan: None,
                    }),
                );
            }
        }
        for route in router.routes.values() {
            for d in route.scan.iter().flat_map(|s| &s.documents) {
                match router.routes.get(&d.route) {
                    Some(target) if target.scan.is_none() => {}
                    _ => problems.push(format!(
                        "route `{}`: scan document `{}` needs route `{}`, which is not an ordinary route",
                        route.key, d.document_type, d.route
                    )),
                }
            }
        }
        if problems.is_empty() {
            Ok(router)
        } else {
            Err(problems)
        }
    }

    /// The route for a message type (Clark notation).
    pub fn route(&self, message_type: &str) -> Option<&Arc<Route>> {
        self.routes.get(message_type)
    }

    /// Whether some route answers with `message_type` (Clark notation).
    pub fn produces(&self, message_type: &str) -> bool {
        self.produced.contains(message_type)
    }

    /// Whether `message_type` (Clark notation) may select answers (SMEV `MessageTypeSelector`): a type some
    /// route answers with, or the request type of a route (the вид сведений named by its request root).
    pub fn selects(&self, message_type: &str) -> bool {
        self.produces(message_type) || self.routes.contains_key(message_type)
    }

    /// The types some route answers with (Clark notation), in no order.
    pub fn produced(&self) -> impl Iterator<Item = &str> {
        self.produced.iter().map(String::as_str)
    }

    /// All routes, for `gateway check`.
    pub fn routes(&self) -> impl Iterator<Item = &Arc<Route>> {
        self.routes.values()
    }
}

/// A scan route: its answer type is produced, its documents checked once every route is built.
fn scan_route(
    config: &Config,
    r: &RouteConfig,
    message_type: QName,
    schemas: &SchemaCatalog,
    router: &mut Router,
) -> Result<Route, Vec<String>> {
    let who = format!("route `{}`", r.message_type);
    let Some(c) = &r.scan else {
        return Err(vec![format!("{who}: not a scan route")]);
    };
    let scan = Scan::from_config(c).map_err(|e| vec![format!("{who}: {e}")])?;
    let problems = missing_schemas(r, &message_type, schemas);
    if !problems.is_empty() {
        return Err(problems);
    }
    router.produced.insert(c.answer.clone());
    Ok(Route {
        message_type,
        key: r.message_type.clone(),
        policies: Vec::new(),
        document: String::new(),
        deadline: config.route_deadline(r).get(),
        schema_check: r.schema_check,
        identifiers: identifier_checks(r),
        response_type: scan.answer.clone(),
        scan: Some(Arc::new(scan)),
    })
}

/// What the route's schema check lacks: its XSD, its JSON Schema.
fn missing_schemas(r: &RouteConfig, message_type: &QName, schemas: &SchemaCatalog) -> Vec<String> {
    let who = format!("route `{}`", r.message_type);
    let mut problems = Vec::new();
    if r.schema_check {
        if !schemas.has_xsd(&message_type.namespace) {
            problems.push(format!(
                "{who}: no XSD for namespace `{}` in [schemas] dirs (or set schema_check = false)",
                message_type.namespace
            ));
        }
        if !schemas.has_json(&r.message_type) {
            problems.push(format!(
                "{who}: no JSON Schema with \"x-message-type\": \"{}\" in [schemas] dirs (or set schema_check = false)",
                r.message_type
            ));
        }
    }
    problems
}

/// The route's identifier checks.
fn identifier_checks(r: &RouteConfig) -> Vec<IdentifierCheck> {
    r.identifiers
        .iter()
        .filter_map(|(element, kind)| {
            Kind::from_name(kind).map(|kind| IdentifierCheck {
                element: element.clone(),
                json_key: json_key(element),
                kind,
            })
        })
        .collect()
}

/// The type a route's rejections and statuses are filed under: the produced type named like the request with
/// `Request` → `Response` (`IssueQrRequest` → `IssueQrResponse`), else the first produced type.
fn answer_type(request: &QName, produces: &[gateway_host::QName]) -> Option<QName> {
    let wanted = request
        .local
        .strip_suffix("Request")
        .map(|stem| format!("{stem}Response"));
    produces
        .iter()
        .find(|q| Some(&q.local) == wanted.as_ref() && q.namespace == request.namespace)
        .or_else(|| produces.first())
        .map(|q| QName {
            namespace: q.namespace.clone(),
            local: q.local.clone(),
        })
}

fn names(q: &[gateway_host::QName]) -> String {
    q.iter()
        .map(crate::convert::host_clark)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON key for an XML element name: the first letter in lower case.
pub fn json_key(element: &str) -> String {
    let mut c = element.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
