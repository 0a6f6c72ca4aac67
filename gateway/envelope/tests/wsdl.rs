//! The served WSDL of each version: well-formed, only the consumer operations, consistent
//! references, and every location pointing at the given URLs.

mod common;

use std::collections::BTreeSet;

use common::*;
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use smev_envelope::SmevVersion;
use smev_envelope::wsdl::{rewrite_schema_locations, schema_file, schema_names, service_wsdl};

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// What the tests need from a WSDL.
#[derive(Default)]
struct Wsdl {
    target_namespace: String,
    port_type_operations: Vec<String>,
    binding_operations: Vec<String>,
    messages: BTreeSet<String>,
    referenced_messages: BTreeSet<String>,
    schema_locations: Vec<String>,
    addresses: Vec<String>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.0 == name).map(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap()
            .into_owned()
    })
}

fn parse(text: &str) -> Wsdl {
    let mut reader = NsReader::from_str(text);
    let mut w = Wsdl::default();
    let mut path: Vec<String> = Vec::new();
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .unwrap_or_else(|e| panic!("WSDL does not parse: {e}"));
        let ns = match ns {
            ResolveResult::Bound(ns) => ns.0.to_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name().into_inner().to_owned();
                let parent = path.last().cloned().unwrap_or_default();
                match (ns.as_str(), local.as_str()) {
                    (WSDL_NS, "definitions") => {
                        w.target_namespace = attr(e, "targetNamespace").unwrap_or_default()
                    }
                    (WSDL_NS, "operation") if parent == "portType" => {
                        w.port_type_operations.push(attr(e, "name").unwrap())
                    }
                    (WSDL_NS, "operation") if parent == "binding" => {
                        w.binding_operations.push(attr(e, "name").unwrap())
                    }
                    (WSDL_NS, "message") => {
                        w.messages.insert(attr(e, "name").unwrap());
                    }
                    (WSDL_NS, "input" | "output" | "fault") => {
                        if let Some(m) = attr(e, "message") {
                            w.referenced_messages
                                .insert(m.trim_start_matches("tns:").to_owned());
                        }
                    }
                    (XS_NS, "import") => {
                        w.schema_locations.push(attr(e, "schemaLocation").unwrap())
                    }
                    (WSDL_SOAP_NS, "address") => w.addresses.push(attr(e, "location").unwrap()),
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    path.push(local);
                }
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => return w,
            _ => {}
        }
    }
}

fn set(items: &[String]) -> BTreeSet<&str> {
    items.iter().map(String::as_str).collect()
}

#[test]
fn served_wsdl_offers_only_the_consumer_operations() {
    for v in SmevVersion::ALL {
        let endpoint = format!("https://gw.example/smev/{v}?a=1&b=2");
        let text = service_wsdl(v, &endpoint, |name| {
            format!("https://gw.example/smev/{v}?xsd={name}")
        });
        xmllint(None, &[(format!("wsdl-{v}"), text.clone().into_bytes())]);
        let w = parse(&text);
        assert_eq!(w.target_namespace, v.service_ns());
        let offered = BTreeSet::from(["SendRequest", "GetResponse", "Ack", "GetStatus"]);
        assert_eq!(set(&w.port_type_operations), offered, "{v}");
        assert_eq!(set(&w.binding_operations), offered, "{v}");
        assert_eq!(w.port_type_operations.len(), 4);
        let undefined: Vec<_> = w.referenced_messages.difference(&w.messages).collect();
        assert!(
            undefined.is_empty(),
            "{v}: messages referenced but not defined: {undefined:?}"
        );
        for gone in [
            "GetRequestRequestMsg",
            "SendResponseRequestMsg",
            "GetIncomingQueueStatisticsRequestMsg",
        ] {
            assert!(!w.messages.contains(gone), "{v}: {gone}");
        }
        assert_eq!(w.addresses, std::slice::from_ref(&endpoint));
        assert_eq!(w.schema_locations.len(), 2);
        for location in &w.schema_locations {
            let name = location
                .strip_prefix(&format!("https://gw.example/smev/{v}?xsd="))
                .unwrap_or_else(|| panic!("{location}"));
            assert!(schema_file(v, name).is_some(), "{v}: {name} is not served");
            assert!(name.ends_with(&format!("-{v}.xsd")), "{name}");
        }
        assert!(text.contains(v.types_ns()) && text.contains(v.faults_ns()));
        for other in SmevVersion::ALL.into_iter().filter(|o| *o != v) {
            assert!(
                !text.contains(other.types_ns()),
                "{v} WSDL mentions {}",
                other.types_ns()
            );
        }
    }
}

#[test]
fn served_schemas_import_each_other_through_the_given_urls() {
    for v in SmevVersion::ALL {
        let names: Vec<_> = schema_names(v).collect();
        let mut docs = Vec::new();
        for name in &names {
            let text = rewrite_schema_locations(schema_file(v, name).unwrap(), |n| {
                format!("http://gw/x?xsd={n}")
            });
            let mut rest = text.as_str();
            while let Some(i) = rest.find("schemaLocation=\"") {
                rest = &rest[i + "schemaLocation=\"".len()..];
                let value = &rest[..rest.find('"').unwrap()];
                let target = value
                    .strip_prefix("http://gw/x?xsd=")
                    .unwrap_or_else(|| panic!("{name}: {value}"));
                assert!(
                    names.contains(&target),
                    "{name} imports {target}, which is not served for {v}"
                );
            }
            docs.push((name.to_string(), text.into_bytes()));
        }
        xmllint(None, &docs);
    }
}

#[test]
fn served_schemas_are_the_official_files() {
    for v in SmevVersion::ALL {
        for kind in ["types", "faults"] {
            let path = schema(v, kind);
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                schema_file(v, path.file_name().unwrap().to_str().unwrap()).unwrap()
            );
        }
    }
}
