//! `GET /smev/{version}?wsdl` and `GET /smev/{version}?xsd=FILE`: the service description with its schema
//! imports pointing back at this gateway, so that SOAP tooling (zeep, wsimport) can build a client from the URL.

use smev_envelope::SmevVersion;
use smev_envelope::wsdl::{rewrite_schema_locations, schema_file, service_wsdl};

use crate::app::App;
use crate::respond::{self, Body};

/// Serves the WSDL or one of its schemas.
pub fn handle(app: &App, v: SmevVersion, query: Option<&str>) -> hyper::Response<Body> {
    let endpoint = format!("{}/smev/{}", app.public_url, v.as_str());
    let schema_url = |name: &str| format!("{endpoint}?xsd={name}");
    let query = query.unwrap_or("");
    if query.eq_ignore_ascii_case("wsdl") {
        return respond::respond(
            200,
            "text/xml; charset=utf-8",
            service_wsdl(v, &endpoint, schema_url),
        );
    }
    if let Some(name) = query.strip_prefix("xsd=")
        && let Some(text) = schema_file(v, name)
    {
        return respond::respond(
            200,
            "text/xml; charset=utf-8",
            rewrite_schema_locations(text, schema_url),
        );
    }
    respond::not_found()
}
