//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the JSON API, built on each request from what the
//! serving gateway knows, so that a new document type (a route and its JSON Schema) appears in it without an
//! edit here.
//!
//! What it holds:
//!
//! - the paths `/api/v1/messages`, `/send`, `/get`, `/ack`, `/find`, `/api/v1/reports` (when `[reports]` is
//!   configured) and this document itself, each with the bodies it really answers: `200`/`202` as
//!   `application/json`, every error as `application/problem+json` (the [`Problem`] object, its status from the
//!   one table of [`crate::error`]), `503` with `Retry-After`;
//! - the request body of `/messages` and `/send`: a `oneOf` of one envelope per routed message type,
//!   `{"type": {"const": "{namespace}LocalName"}, "payload": {"$ref": …}}`;
//! - each routed type's JSON Schema (and each answer type's, where `schemas/` has one) as a component
//!   `#/components/schemas/<name>`, the name made from the type ([`component_name`]). The schema files are
//!   JSON Schema 2020-12, the dialect of OpenAPI 3.1 (`jsonSchemaDialect`): a file's `$schema` of that draft and
//!   its `$id` are dropped, and its `$ref`s within the file (`#/$defs/…`, `<$id>#/…`) are rewritten to point
//!   into its component ([`embed`]); a file of another draft keeps its `$schema`, which 3.1 allows;
//! - the security schemes: an HTTP bearer token (when `[auth] allow_bearer`) and mutual TLS (a client
//!   certificate registered for a sender, on a TLS listener). This document needs neither: it holds no secrets.
//!
//! The document is checked against the live gateway by schemathesis in the end-to-end tests
//! (`tests/e2e/openapi.rs`).
//!
//! # Layout
//!
//! - this file: [`Surface`] (what the serving gateway exposes), [`document`], component names kept unique;
//! - `embed`: a schema file made a component ([`component_name`], [`embed`]);
//! - `schemas`: the envelopes of the calls, the answers, the records, the problem object;
//! - `paths`: the operations, their responses and links.
//!
//! [`Problem`]: smev_envelope::json::Problem

use std::collections::{BTreeMap, BTreeSet};

use hyper::Response;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::respond::{self, Body};

mod embed;
mod paths;
mod schemas;

pub use embed::{component_name, embed};

/// The JSON Schema dialect of the document and of the schema files it embeds.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Where components live.
const COMPONENTS: &str = "#/components/schemas/";

/// A SMEV message id: the `basic:UUID` pattern (lower-case hex 8-4-4-4-12), as the gateway checks it.
const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/// What the JSON API of a serving gateway exposes: the input of [`document`].
#[derive(Debug, Default)]
pub struct Surface<'a> {
    /// Each routed message type (Clark notation) and its JSON Schema, when one is registered.
    pub requests: BTreeMap<&'a str, Option<&'a Value>>,
    /// Each type some route answers with that has a JSON Schema.
    pub answers: BTreeMap<&'a str, &'a Value>,
    /// The types `/api/v1/get` may select: the answer types and the routes' request types.
    pub selectable: BTreeSet<&'a str>,
    /// `[auth] allow_bearer`.
    pub bearer: bool,
    /// The listener speaks TLS and may ask for client certificates.
    pub mutual_tls: bool,
    /// `[reports]` is configured: `GET /api/v1/reports` serves.
    pub reports: bool,
}

impl<'a> Surface<'a> {
    /// What `app` exposes.
    pub fn of(app: &'a App) -> Surface<'a> {
        let router = &app.engine.router;
        let schemas = &app.engine.schemas;
        let requests = router
            .routes()
            .map(|r| (r.key.as_str(), schemas.json_schema(&r.key)))
            .collect();
        let answers = router
            .produced()
            .filter_map(|t| schemas.json_schema(t).map(|s| (t, s)))
            .collect();
        let selectable = router
            .produced()
            .chain(router.routes().map(|r| r.key.as_str()))
            .collect();
        Surface {
            requests,
            answers,
            selectable,
            bearer: app.config.auth.allow_bearer,
            mutual_tls: app.config.server.tls.is_some(),
            reports: app.config.reports.is_some(),
        }
    }
}

/// Serves the document: made once per version of the gateway (a reload makes a new one), since it is asked
/// without credentials and costs a copy of every schema.
pub fn handle(app: &App) -> Response<Body> {
    let text = app.openapi.get_or_init(|| {
        serde_json::to_vec(&document(&Surface::of(app)))
            .unwrap_or_default()
            .into()
    });
    respond::respond(200, "application/json", text.clone())
}

/// A reference to the component `name`.
fn component_ref(name: &str) -> Value {
    json!({ "$ref": format!("{COMPONENTS}{name}") })
}

/// The OpenAPI document of `surface`.
pub fn document(surface: &Surface<'_>) -> Value {
    let mut names = Names::default();
    let mut schemas = Map::new();
    for (message_type, schema) in surface
        .requests
        .iter()
        .filter_map(|(t, s)| s.map(|s| (*t, s)))
        .chain(surface.answers.iter().map(|(t, s)| (*t, *s)))
    {
        if names.by_type.contains_key(message_type) {
            continue;
        }
        let name = names.assign(message_type);
        schemas.insert(name.clone(), embed(schema, &name));
    }
    for (name, schema) in schemas::envelopes(surface, &names) {
        schemas.insert(name.into(), schema);
    }
    for (name, schema) in schemas::common(surface) {
        schemas.insert(name.into(), schema);
    }
    let mut security_schemes = Map::new();
    let mut security = Vec::new();
    if surface.bearer {
        security_schemes.insert(
            "bearer".into(),
            json!({
                "type": "http",
                "scheme": "bearer",
                "description": "A sender's token (`Authorization: Bearer <token>`); the gateway keeps its SHA-256 \
                    ([[senders]] bearer_token_sha256). Allowed by `[auth] allow_bearer`."
            }),
        );
        security.push(json!({"bearer": []}));
    }
    if surface.mutual_tls || !surface.bearer {
        security_schemes.insert(
            "mutualTLS".into(),
            json!({
                "type": "mutualTLS",
                "description": "A client certificate registered for a sender ([[senders]] client_cert_sha256), \
                    on a TLS listener (`[server.tls]`). When a certificate is presented it decides, whatever the \
                    Authorization header says."
            }),
        );
        security.push(json!({"mutualTLS": []}));
    }
    let mut paths = Map::new();
    paths.insert("/api/v1/messages".into(), paths::messages());
    paths.insert("/api/v1/send".into(), paths::send());
    paths.insert("/api/v1/get".into(), paths::get());
    paths.insert("/api/v1/ack".into(), paths::ack());
    paths.insert("/api/v1/find".into(), paths::find());
    if surface.reports {
        paths.insert("/api/v1/reports".into(), paths::reports());
    }
    paths.insert("/api/v1/openapi.json".into(), paths::openapi());
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "SMEV-style integration gateway: JSON API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON twin of the gateway's SMEV 3 endpoints. `POST /api/v1/messages` runs the chain \
                of plugins of the message's type and answers at once; `/send`, `/get`, `/ack` and `/find` are the \
                queue, as SendRequest, GetResponse, Ack and the journal are over SOAP. A message type is written in \
                Clark notation, `{namespace}LocalName`; each routed type's payload schema is a component named \
                after it. Errors are `application/problem+json` (RFC 9457) whose `title` is the SMEV fault name."
        },
        "tags": [
            {"name": "messages", "description": "The synchronous call."},
            {"name": "queue", "description": "The JSON twins of the SMEV queue."},
            {"name": "operators", "description": "For the senders listed as operators."},
            {"name": "meta", "description": "This document."}
        ],
        "security": security,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": paths::responses(),
            "securitySchemes": security_schemes
        }
    })
}

/// Component names given so far, unique.
#[derive(Default)]
struct Names {
    by_type: BTreeMap<String, String>,
    taken: BTreeSet<String>,
}

impl Names {
    fn assign(&mut self, message_type: &str) -> String {
        let base = component_name(message_type);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) || RESERVED.contains(&name.as_str()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        self.by_type.insert(message_type.to_owned(), name.clone());
        name
    }
}

/// The names of the document's own components, which no message type's may take.
const RESERVED: [&str; 15] = [
    "MessageCall",
    "SendCall",
    "MessageAnswer",
    "StatusAnswer",
    "Accepted",
    "GetCall",
    "GetAnswer",
    "QueuedAnswer",
    "AckCall",
    "FindCall",
    "FindAnswer",
    "JournalRecord",
    "Problem",
    "Attachment",
    "Status",
];

#[cfg(test)]
mod tests {
    use std::path::Path;

    use gateway_schema::SchemaCatalog;

    use super::*;

    fn catalog() -> SchemaCatalog {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut c = SchemaCatalog::load_dir(&root.join("schemas")).expect("schemas/");
        c.merge(
            SchemaCatalog::load_dir(&root.join("tests/fixtures/schemas")).expect("tests' schemas"),
        )
        .expect("no duplicates");
        c
    }

    /// Every `$ref` of `value`, with where it is.
    fn refs<'v>(value: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push((at.clone(), r)),
                        (k, _) if embed::DATA_KEYWORDS.contains(&k) => {}
                        _ => refs(v, format!("{at}/{k}"), out),
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    refs(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    /// The repository's types: the requests routed (and one without a schema), the answers with schemas.
    fn surface<'a>(catalog: &'a SchemaCatalog, types: &'a [String]) -> Surface<'a> {
        let requests = types
            .iter()
            .filter(|t| t.ends_with("Request"))
            .map(|t| (t.as_str(), catalog.json_schema(t)))
            .chain([("{urn://gateway/unchecked/1.0}Raw", None)])
            .collect();
        let answers = types
            .iter()
            .filter(|t| t.ends_with("Response"))
            .filter_map(|t| Some((t.as_str(), catalog.json_schema(t)?)))
            .collect();
        Surface {
            requests,
            answers,
            selectable: types.iter().map(String::as_str).collect(),
            bearer: true,
            mutual_tls: true,
            reports: true,
        }
    }

    #[test]
    fn every_routed_type_is_an_envelope_with_its_schema() {
        let catalog = catalog();
        let types = catalog.json_types();
        let surface = surface(&catalog, &types);
        let doc = document(&surface);
        let text = serde_json::to_string(&doc).unwrap();
        let doc: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let components = &doc["components"]["schemas"];
        for call in ["MessageCall", "SendCall"] {
            let branches = components[call]["oneOf"].as_array().expect("oneOf");
            assert_eq!(branches.len(), surface.requests.len(), "{call}");
            for (message_type, schema) in &surface.requests {
                let branch = branches
                    .iter()
                    .find(|b| b["properties"]["type"]["const"] == *message_type)
                    .unwrap_or_else(|| panic!("{call}: no envelope of {message_type}"));
                let payload = &branch["properties"]["payload"];
                match schema {
                    Some(_) => {
                        let name = component_name(message_type);
                        assert_eq!(payload["$ref"], format!("{COMPONENTS}{name}"));
                        assert_eq!(components[&name]["x-message-type"], *message_type);
                        assert!(components[&name].get("$id").is_none());
                        assert!(components[&name].get("$schema").is_none());
                    }
                    None => assert_eq!(payload["type"], "object"),
                }
            }
        }
        assert!(components["gateway.svo-status.1.0.IssueQrRequest"].is_object());
        assert!(doc["paths"]["/api/v1/reports"].is_object());
        assert_eq!(
            doc["paths"]["/api/v1/openapi.json"]["get"]["security"],
            json!([])
        );
        let answer_branches = components["MessageAnswer"]["oneOf"].as_array().unwrap();
        assert_eq!(answer_branches.len(), surface.answers.len() + 1);
    }

    #[test]
    fn every_ref_resolves() {
        let catalog = catalog();
        let types = catalog.json_types();
        let mut doc = document(&surface(&catalog, &types));
        // A schema with references within its file, as a new document type may have.
        let local = json!({
            "$schema": DIALECT,
            "$id": "urn://x/1.0/R",
            "x-message-type": "{urn://x/1.0}R",
            "$defs": {"id": {"type": "string"}},
            "properties": {"a": {"$ref": "#/$defs/id"}, "b": {"$ref": "urn://x/1.0/R#/$defs/id"},
                "c": {"$ref": "#"}, "d": {"const": {"$ref": "#/data"}}}
        });
        doc["components"]["schemas"]["x.1.0.R"] = embed(&local, "x.1.0.R");
        let mut found = Vec::new();
        refs(&doc, String::new(), &mut found);
        assert!(found.len() > 20, "{found:?}");
        for (at, r) in found {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{at}: {r} is not local"));
            assert!(doc.pointer(pointer).is_some(), "{at}: {r} does not resolve");
        }
        let r = &doc["components"]["schemas"]["x.1.0.R"];
        assert_eq!(
            r["properties"]["b"]["$ref"],
            "#/components/schemas/x.1.0.R/$defs/id"
        );
        assert_eq!(
            r["properties"]["d"]["const"]["$ref"], "#/data",
            "data is not a reference"
        );
    }

    #[test]
    fn component_names_are_unique() {
        let mut n = Names::default();
        assert_eq!(n.assign("{urn:a/b}R"), "a.b.R");
        assert_eq!(n.assign("{urn:a.b}R"), "a.b.R_2");
        assert_eq!(n.assign("Problem"), "Problem_2");
    }

    #[test]
    fn the_documents_own_names_are_reserved() {
        let surface = Surface::default();
        let names = Names::default();
        for (name, _) in schemas::envelopes(&surface, &names)
            .into_iter()
            .chain(schemas::common(&surface))
        {
            assert!(RESERVED.contains(&name), "{name}");
        }
    }

    #[test]
    fn no_bearer_without_allow_bearer() {
        let doc = document(&Surface::default());
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes.keys().collect::<Vec<_>>(), ["mutualTLS"]);
        assert!(doc["paths"].get("/api/v1/reports").is_none());
        assert!(
            doc["components"]["schemas"]["MessageCall"]
                .get("oneOf")
                .is_none()
        );
    }
}
