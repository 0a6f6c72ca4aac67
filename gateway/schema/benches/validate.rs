//! Payload schema checks: an SVO `IssueQrRequest` against its XSD (libxml2) and its JSON Schema.
//!
//! `cargo bench -p gateway-schema --bench validate`

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_schema::SchemaCatalog;

fn validate(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let catalog = SchemaCatalog::load_dir(&dir).expect("the repository's schemas load");
    let ns = "urn://gateway/svo-status/1.0";
    let xml = r#"<s:IssueQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Snils>112-233-445 95</s:Snils><s:LastName>Образцов</s:LastName><s:FirstName>Пример</s:FirstName><s:BirthDate>1985-03-14</s:BirthDate></s:IssueQrRequest>"#.as_bytes();
    catalog.validate_xml(ns, xml).expect("valid");
    let json = serde_json::json!({"snils": "112-233-445 95", "lastName": "Образцов", "firstName": "Пример", "birthDate": "1985-03-14"});
    let t = "{urn://gateway/svo-status/1.0}IssueQrRequest";
    catalog.validate_json(t, &json).expect("valid");
    let mut g = c.benchmark_group("schema");
    g.bench_function("xsd/IssueQrRequest", |b| {
        b.iter(|| catalog.validate_xml(ns, xml).expect("valid"))
    });
    g.bench_function("json/IssueQrRequest", |b| {
        b.iter(|| catalog.validate_json(t, &json).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, validate);
criterion_main!(benches);
