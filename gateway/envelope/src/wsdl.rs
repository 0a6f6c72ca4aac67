//! The service description: the official SMEV WSDL of each version, narrowed to the operations
//! the gateway offers and pointed at the gateway, and the official schema files it imports.
//!
//! The official files are compiled in unchanged; the rewriting is textual and relies on their
//! (double-quoted, non-nested) layout, which the tests pin down.

use std::borrow::Cow;

use crate::version::SmevVersion;

const WSDL_1_1: &str =
    include_str!("../../../schemas/smev3/smev-message-exchange-service-1.1.wsdl");
const WSDL_1_3: &str =
    include_str!("../../../schemas/smev3/smev-message-exchange-service-1.3.wsdl");

macro_rules! schema {
    ($v:ident, $name:literal) => {
        (
            SmevVersion::$v,
            $name,
            include_str!(concat!("../../../schemas/smev3/", $name)),
        )
    };
}

/// Every official schema file: (version, file name, text).
const SCHEMAS: [(SmevVersion, &str, &str); 11] = [
    schema!(V1_1, "smev-message-exchange-basic-1.1.xsd"),
    schema!(V1_1, "smev-message-exchange-types-1.1.xsd"),
    schema!(V1_1, "smev-message-exchange-faults-1.1.xsd"),
    schema!(V1_2, "smev-message-exchange-basic-1.2.xsd"),
    schema!(V1_2, "smev-message-exchange-types-1.2.xsd"),
    schema!(V1_2, "smev-message-exchange-faults-1.2.xsd"),
    schema!(V1_3, "smev-message-exchange-basic-1.3.xsd"),
    schema!(V1_3, "smev-message-exchange-types-1.3.xsd"),
    schema!(V1_3, "smev-message-exchange-faults-1.3.xsd"),
    schema!(V1_3, "smev-message-exchange-routing-1.3.xsd"),
    schema!(V1_3, "smev-message-exchange-directive-1.3.xsd"),
];

/// The operations removed from the official WSDLs: the provider side (`GetRequest`,
/// `SendResponse`) and 1.1's queue statistics, none of which the gateway offers.
pub const REMOVED_OPERATIONS: [&str; 3] =
    ["GetRequest", "SendResponse", "GetIncomingQueueStatistics"];

/// The WSDL of `version` as the gateway serves it: the official text with the provider-side
/// operations (and their request/response messages) removed from the port type and the binding,
/// the `soap:address` set to `endpoint_url`, and every `schemaLocation` replaced by
/// `schema_url(file name)`. The 1.2 WSDL, which SMEV does not publish, is the 1.1 one with the
/// 1.2 namespaces and file names.
pub fn service_wsdl(
    version: SmevVersion,
    endpoint_url: &str,
    schema_url: impl Fn(&str) -> String,
) -> String {
    let official: Cow<'static, str> = match version {
        SmevVersion::V1_1 => Cow::Borrowed(WSDL_1_1),
        SmevVersion::V1_2 => Cow::Owned(wsdl_1_2()),
        SmevVersion::V1_3 => Cow::Borrowed(WSDL_1_3),
    };
    let mut text = official.into_owned();
    for op in REMOVED_OPERATIONS {
        text = remove_blocks(
            &text,
            &format!("<wsdl:operation name=\"{op}\">"),
            "</wsdl:operation>",
        );
        for suffix in ["RequestMsg", "ResponseMsg"] {
            text = remove_blocks(
                &text,
                &format!("<wsdl:message name=\"{op}{suffix}\">"),
                "</wsdl:message>",
            );
        }
    }
    let text = replace_attribute_values(&text, "<soap:address location=\"", |_| {
        endpoint_url.to_owned()
    });
    rewrite_schema_locations(&text, schema_url)
}

/// The text of the official schema file `name` (as named in `schemas/smev3/`) of `version`.
/// Its imports still name sibling files; serve it through [`rewrite_schema_locations`].
pub fn schema_file(version: SmevVersion, name: &str) -> Option<&'static str> {
    SCHEMAS
        .iter()
        .find(|(v, n, _)| *v == version && *n == name)
        .map(|(_, _, text)| *text)
}

/// The file names [`schema_file`] knows for `version`.
pub fn schema_names(version: SmevVersion) -> impl Iterator<Item = &'static str> {
    SCHEMAS
        .iter()
        .filter(move |(v, _, _)| *v == version)
        .map(|(_, n, _)| *n)
}

/// Replaces the value of every `schemaLocation="..."` with `schema_url(file name)`, the file
/// name being the last path segment of the old value.
pub fn rewrite_schema_locations(text: &str, schema_url: impl Fn(&str) -> String) -> String {
    replace_attribute_values(text, "schemaLocation=\"", |old| {
        let name = old.rsplit('/').next().unwrap_or(old);
        schema_url(name)
    })
}

/// The 1.1 WSDL with the 1.2 namespaces and schema file names.
fn wsdl_1_2() -> String {
    let (from, to) = (SmevVersion::V1_1, SmevVersion::V1_2);
    let mut text = WSDL_1_1.to_owned();
    for (old, new) in [
        (from.service_ns(), to.service_ns()),
        (from.types_ns(), to.types_ns()),
        (from.basic_ns(), to.basic_ns()),
        (from.faults_ns(), to.faults_ns()),
        (
            "smev-message-exchange-types-1.1.xsd",
            "smev-message-exchange-types-1.2.xsd",
        ),
        (
            "smev-message-exchange-faults-1.1.xsd",
            "smev-message-exchange-faults-1.2.xsd",
        ),
    ] {
        text = text.replace(old, new);
    }
    text
}

/// Removes every block from `start` to the next `end`, with the indentation before it and the
/// line break after it.
fn remove_blocks(text: &str, start: &str, end: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(start) {
        let Some(j) = rest[i..].find(end).map(|j| i + j + end.len()) else {
            break;
        };
        let line_start = rest[..i].trim_end_matches([' ', '\t']).len();
        out.push_str(&rest[..line_start]);
        let after = &rest[j..];
        rest = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\n'))
            .unwrap_or(after);
    }
    out.push_str(rest);
    out
}

/// Replaces the double-quoted value that follows each occurrence of `marker` (which ends with
/// the opening quote) by `new(old)`, escaped for an attribute.
fn replace_attribute_values(text: &str, marker: &str, new: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        let value_start = i + marker.len();
        let Some(len) = rest[value_start..].find('"') else {
            break;
        };
        out.push_str(&rest[..value_start]);
        out.push_str(&escape_attr(&new(&rest[value_start..value_start + len])));
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_has_its_three_main_schemas() {
        for v in SmevVersion::ALL {
            for kind in ["basic", "types", "faults"] {
                let name = format!("smev-message-exchange-{kind}-{v}.xsd");
                let text = schema_file(v, &name).unwrap_or_else(|| panic!("{name}"));
                assert!(text.contains(v.basic_ns()), "{name}");
            }
        }
        assert!(schema_file(SmevVersion::V1_1, "smev-message-exchange-types-1.3.xsd").is_none());
        assert!(schema_file(SmevVersion::V1_3, "smev-message-exchange-routing-1.3.xsd").is_some());
        assert_eq!(schema_names(SmevVersion::V1_3).count(), 5);
    }

    #[test]
    fn rewrites_locations_by_file_name() {
        let text = r#"<a schemaLocation="xsd/x-1.1.xsd"/><b schemaLocation="y.xsd"/>"#;
        let out = rewrite_schema_locations(text, |n| format!("http://h/s?xsd={n}&v=1"));
        assert_eq!(
            out,
            r#"<a schemaLocation="http://h/s?xsd=x-1.1.xsd&amp;v=1"/><b schemaLocation="http://h/s?xsd=y.xsd&amp;v=1"/>"#
        );
    }

    #[test]
    fn removes_blocks_with_their_lines() {
        let text = "a\n  <op name=\"X\">\n  x\n  </op>\n  <op name=\"Y\"></op>\nb";
        assert_eq!(
            remove_blocks(text, "<op name=\"X\">", "</op>"),
            "a\n  <op name=\"Y\"></op>\nb"
        );
    }

    #[test]
    fn wsdl_1_2_has_no_1_1_namespace_left() {
        let text = wsdl_1_2();
        let v11 = SmevVersion::V1_1;
        for ns in [
            v11.service_ns(),
            v11.types_ns(),
            v11.basic_ns(),
            v11.faults_ns(),
        ] {
            assert!(!text.contains(ns), "{ns}");
        }
        assert!(text.contains(SmevVersion::V1_2.types_ns()));
    }
}
