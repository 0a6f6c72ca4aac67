//! The `ds:Signature` elements of a document as XMLDSig reads them: what `SignedInfo` says, its exclusive
//! canonical form (the bytes the signature value is over), the signature value and the certificate. Checking the
//! digests and the signature value is the caller's: this crate has no cryptography.
//!
//! `SignedInfo` is canonicalised with exclusive c14n (without comments) over the bytes as received
//! (`docs/smev-xmldsig.md` §5 step 6): whitespace stays, namespace declarations are rendered where a prefix is
//! visibly used and not yet rendered with that URI, attributes are sorted, empty-element tags are opened and
//! closed, and text and attribute values are escaped as c14n escapes them.

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::TransformError;
use crate::read::{self, DSIG_NS, declarations, malformed, predefined, resolve};

/// One `ds:Signature` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The local name of the element that holds it (e.g. `CallerInformationSystemSignature`).
    pub container: String,
    /// The local names from the document element down to the container, inclusive.
    pub container_path: Vec<String>,
    /// `SignedInfo/CanonicalizationMethod/@Algorithm`.
    pub canonicalization: String,
    /// `SignedInfo/SignatureMethod/@Algorithm`.
    pub method: String,
    pub references: Vec<Reference>,
    /// The exclusive canonical form of `SignedInfo`: what `value` signs.
    pub signed_info: Vec<u8>,
    /// `SignatureValue`, base64 as written (XML whitespace removed).
    pub value: String,
    /// `KeyInfo/X509Data/X509Certificate`, base64 as written (XML whitespace removed), if present.
    pub certificate: Option<String>,
}

/// One `ds:Reference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub uri: String,
    /// The `Transform/@Algorithm`s in order.
    pub transforms: Vec<String>,
    pub digest_method: String,
    /// `DigestValue`, base64 as written (XML whitespace removed).
    pub digest_value: String,
}

/// Which text is being collected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    DigestValue,
    SignatureValue,
    Certificate,
}

/// Every `ds:Signature` of `document`, in document order. A signature inside another's `Object` is not read
/// (SMEV puts none there).
///
/// # Errors
///
/// [`TransformError::Malformed`] when the document cannot be read.
pub fn signatures(document: &[u8]) -> Result<Vec<Signature>, TransformError> {
    let mut reader = Reader::from_reader(document);
    let mut scopes: Vec<Vec<(String, String)>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut out: Vec<Signature> = Vec::new();
    // Depth of the open `Signature` (in `names`) and of its open `SignedInfo`.
    let mut signature_depth: Option<usize> = None;
    let mut c14n: Option<(usize, Canonical)> = None;
    let mut field = Field::None;
    loop {
        let event = reader.read_event().map_err(malformed)?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(tag) | Event::Empty(tag) => {
                scopes.push(declarations(&tag)?);
                let name = tag.name().0.to_owned();
                let (prefix, local) = name.split_once(':').unwrap_or(("", &name));
                let uri = resolve(&scopes, prefix).unwrap_or_default();
                if let Some((_, canonical)) = &mut c14n {
                    canonical.start(&tag, &scopes)?;
                }
                let in_dsig = uri == DSIG_NS;
                if in_dsig && local == "Signature" && signature_depth.is_none() {
                    signature_depth = Some(names.len());
                    out.push(Signature {
                        container: names
                            .last()
                            .map(|n| local_of(n).to_owned())
                            .unwrap_or_default(),
                        container_path: names.iter().map(|n| local_of(n).to_owned()).collect(),
                        canonicalization: String::new(),
                        method: String::new(),
                        references: Vec::new(),
                        signed_info: Vec::new(),
                        value: String::new(),
                        certificate: None,
                    });
                } else if in_dsig
                    && let (Some(depth), Some(signature)) = (signature_depth, out.last_mut())
                {
                    // Each part is read only where XMLDSig puts it (a `SignedInfo` or a method inside
                    // `ds:Object` is not the signed one); a second `SignedInfo` is not read.
                    let within: Vec<&str> =
                        names[depth + 1..].iter().map(|n| local_of(n)).collect();
                    let algorithm = || attribute(&tag, "Algorithm");
                    match (within.as_slice(), local) {
                        ([], "SignedInfo")
                            if c14n.is_none() && signature.signed_info.is_empty() =>
                        {
                            let mut canonical = Canonical::default();
                            canonical.start(&tag, &scopes)?;
                            c14n = Some((names.len(), canonical));
                        }
                        (["SignedInfo"], "CanonicalizationMethod") => {
                            signature.canonicalization = algorithm()?;
                        }
                        (["SignedInfo"], "SignatureMethod") => signature.method = algorithm()?,
                        (["SignedInfo"], "Reference") => signature.references.push(Reference {
                            uri: attribute(&tag, "URI")?,
                            transforms: Vec::new(),
                            digest_method: String::new(),
                            digest_value: String::new(),
                        }),
                        (["SignedInfo", "Reference", "Transforms"], "Transform") => {
                            if let Some(r) = signature.references.last_mut() {
                                r.transforms.push(algorithm()?);
                            }
                        }
                        (["SignedInfo", "Reference"], "DigestMethod") => {
                            if let Some(r) = signature.references.last_mut() {
                                r.digest_method = algorithm()?;
                            }
                        }
                        (["SignedInfo", "Reference"], "DigestValue") => field = Field::DigestValue,
                        ([], "SignatureValue") => field = Field::SignatureValue,
                        (["KeyInfo", "X509Data"], "X509Certificate")
                            if signature.certificate.is_none() =>
                        {
                            signature.certificate = Some(String::new());
                            field = Field::Certificate;
                        }
                        _ => {}
                    }
                }
                names.push(name);
                if is_empty {
                    close(
                        &mut names,
                        &mut scopes,
                        &mut signature_depth,
                        &mut c14n,
                        &mut out,
                        &mut field,
                    );
                }
            }
            Event::End(_) => close(
                &mut names,
                &mut scopes,
                &mut signature_depth,
                &mut c14n,
                &mut out,
                &mut field,
            ),
            Event::Text(text) => {
                let text = text.xml10_content();
                if let Some((_, canonical)) = &mut c14n {
                    canonical.text(&text);
                }
                collect(&mut out, field, &text);
            }
            Event::CData(data) => {
                let text = data.xml10_content();
                if let Some((_, canonical)) = &mut c14n {
                    canonical.text(&text);
                }
                collect(&mut out, field, &text);
            }
            Event::GeneralRef(reference) => {
                let text = match reference.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c.to_string(),
                    None => predefined(&reference)
                        .ok_or_else(|| malformed(format!("unknown entity &{};", &*reference)))?
                        .to_owned(),
                };
                if let Some((_, canonical)) = &mut c14n {
                    canonical.text(&text);
                }
                collect(&mut out, field, &text);
            }
            Event::PI(pi) => {
                if let Some((_, canonical)) = &mut c14n {
                    canonical.out.extend_from_slice(b"<?");
                    canonical.out.extend_from_slice(pi.as_ref().as_bytes());
                    canonical.out.extend_from_slice(b"?>");
                }
            }
            Event::Comment(_) | Event::Decl(_) => {}
            Event::DocType(_) => return Err(malformed("a DOCTYPE is not accepted")),
            Event::Eof => break,
        }
    }
    Ok(out)
}

fn local_of(name: &str) -> &str {
    name.split_once(':').map_or(name, |(_, local)| local)
}

fn attribute(tag: &BytesStart<'_>, name: &str) -> Result<String, TransformError> {
    Ok(tag
        .try_get_attribute(name)
        .map_err(malformed)?
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
        })
        .transpose()
        .map_err(malformed)?
        .unwrap_or_default())
}

/// Base64 text without XML whitespace.
fn collect(out: &mut [Signature], field: Field, text: &str) {
    let Some(signature) = out.last_mut() else {
        return;
    };
    let target = match field {
        Field::None => return,
        Field::DigestValue => match signature.references.last_mut() {
            Some(r) => &mut r.digest_value,
            None => return,
        },
        Field::SignatureValue => &mut signature.value,
        Field::Certificate => match &mut signature.certificate {
            Some(c) => c,
            None => return,
        },
    };
    target.extend(
        text.chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n')),
    );
}

fn close(
    names: &mut Vec<String>,
    scopes: &mut Vec<Vec<(String, String)>>,
    signature_depth: &mut Option<usize>,
    c14n: &mut Option<(usize, Canonical)>,
    out: &mut [Signature],
    field: &mut Field,
) {
    *field = Field::None;
    if let Some(name) = names.pop()
        && let Some((depth, canonical)) = c14n
    {
        canonical.end(&name);
        if *depth == names.len() {
            if let Some(signature) = out.last_mut() {
                signature.signed_info = std::mem::take(&mut canonical.out);
            }
            *c14n = None;
        }
    }
    scopes.pop();
    if *signature_depth == Some(names.len()) {
        *signature_depth = None;
    }
}

/// Exclusive c14n (without comments) of one subtree.
#[derive(Default)]
struct Canonical {
    out: Vec<u8>,
    /// The declarations rendered on each open output element: (prefix, URI).
    rendered: Vec<Vec<(String, String)>>,
}

impl Canonical {
    fn rendered_uri(&self, prefix: &str) -> Option<&str> {
        self.rendered.iter().rev().find_map(|scope| {
            scope
                .iter()
                .find(|(p, _)| p == prefix)
                .map(|(_, u)| u.as_str())
        })
    }

    fn start(
        &mut self,
        tag: &BytesStart<'_>,
        scopes: &[Vec<(String, String)>],
    ) -> Result<(), TransformError> {
        let name = tag.name().0;
        let element_prefix = name.split_once(':').map_or("", |(p, _)| p);
        let mut used = vec![element_prefix.to_owned()];
        // (URI, qualified name, value)
        let mut attributes: Vec<(String, String, String)> = Vec::new();
        for a in read::attributes(tag, scopes)? {
            if a.prefix.is_empty() {
                attributes.push((a.uri, a.local, a.value));
                continue;
            }
            if a.prefix != "xml" && !used.contains(&a.prefix) {
                used.push(a.prefix.clone());
            }
            attributes.push((a.uri, format!("{}:{}", a.prefix, a.local), a.value));
        }
        let mut declare: Vec<(String, String)> = Vec::new();
        for prefix in used {
            let uri = resolve(scopes, &prefix).unwrap_or_default();
            if !prefix.is_empty() && uri.is_empty() {
                return Err(malformed(format!("prefix {prefix} is not declared")));
            }
            let already = self.rendered_uri(&prefix);
            let needed = match already {
                Some(u) => u != uri,
                None => !(prefix.is_empty() && uri.is_empty()),
            };
            if needed {
                declare.push((prefix, uri));
            }
        }
        declare.sort();
        attributes.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| local_of(&a.1).cmp(local_of(&b.1)))
        });
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        for (prefix, uri) in &declare {
            if prefix.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(prefix.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            self.attribute_value(uri);
            self.out.push(b'"');
        }
        for (_, qname, value) in &attributes {
            self.out.push(b' ');
            self.out.extend_from_slice(qname.as_bytes());
            self.out.extend_from_slice(b"=\"");
            self.attribute_value(value);
            self.out.push(b'"');
        }
        self.out.push(b'>');
        self.rendered.push(declare);
        Ok(())
    }

    fn end(&mut self, name: &str) {
        self.rendered.pop();
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.out.extend_from_slice(b"&amp;"),
                '<' => self.out.extend_from_slice(b"&lt;"),
                '>' => self.out.extend_from_slice(b"&gt;"),
                '\r' => self.out.extend_from_slice(b"&#xD;"),
                c => self
                    .out
                    .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
    }

    fn attribute_value(&mut self, value: &str) {
        for c in value.chars() {
            match c {
                '&' => self.out.extend_from_slice(b"&amp;"),
                '<' => self.out.extend_from_slice(b"&lt;"),
                '"' => self.out.extend_from_slice(b"&quot;"),
                '\t' => self.out.extend_from_slice(b"&#x9;"),
                '\n' => self.out.extend_from_slice(b"&#xA;"),
                '\r' => self.out.extend_from_slice(b"&#xD;"),
                c => self
                    .out
                    .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_info_is_canonicalised_as_exclusive_c14n_writes_it() {
        // The ds prefix is declared on an ancestor and rendered where first used; an unused prefix is not;
        // whitespace stays; empty tags are opened and closed; attributes are sorted.
        let xml = "<e:Envelope xmlns:e=\"urn:e\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:x=\"urn:x\">\
                   <e:Sig><ds:Signature><ds:SignedInfo>\r\n <ds:Reference URI=\"#A\" Id=\"r\"><ds:DigestValue>q r\r\ns=</ds:DigestValue>\
                   </ds:Reference></ds:SignedInfo><ds:SignatureValue>AA\nBB</ds:SignatureValue><ds:KeyInfo><ds:X509Data>\
                   <ds:X509Certificate>CC</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></e:Sig></e:Envelope>";
        let found = signatures(xml.as_bytes()).expect("read");
        assert_eq!(found.len(), 1);
        let signature = &found[0];
        assert_eq!(signature.container, "Sig");
        assert_eq!(
            String::from_utf8(signature.signed_info.clone()).expect("utf-8"),
            "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\n <ds:Reference Id=\"r\" URI=\"#A\">\
             <ds:DigestValue>q r\ns=</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        );
        assert_eq!(signature.references[0].digest_value, "qrs=");
        assert_eq!(signature.value, "AABB");
        assert_eq!(signature.certificate.as_deref(), Some("CC"));
    }

    #[test]
    fn a_default_namespace_signed_info_keeps_its_default_declaration() {
        let xml = "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><CanonicalizationMethod \
                   Algorithm=\"a&amp;b\"/></SignedInfo></Signature>";
        let found = signatures(xml.as_bytes()).expect("read");
        assert_eq!(
            String::from_utf8(found[0].signed_info.clone()).expect("utf-8"),
            "<SignedInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><CanonicalizationMethod Algorithm=\"a&amp;b\">\
             </CanonicalizationMethod></SignedInfo>"
        );
        assert_eq!(found[0].canonicalization, "a&b");
    }

    #[test]
    fn parts_outside_their_place_are_not_read() {
        // A method or a second SignedInfo inside ds:Object is not the signed one.
        let xml = "<a><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
                   <ds:SignatureMethod Algorithm=\"good\"/><ds:Reference URI=\"#x\"><ds:DigestMethod Algorithm=\"d\"/>\
                   <ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>BB\
                   </ds:SignatureValue><ds:Object><ds:SignedInfo><ds:SignatureMethod Algorithm=\"evil\"/>\
                   <ds:Reference URI=\"#y\"/></ds:SignedInfo><ds:DigestMethod Algorithm=\"evil\"/>\
                   <ds:X509Certificate>EVIL</ds:X509Certificate></ds:Object></ds:Signature></a>";
        let found = signatures(xml.as_bytes()).expect("read");
        let signature = &found[0];
        assert_eq!(signature.method, "good");
        assert_eq!(signature.references.len(), 1);
        assert_eq!(signature.references[0].digest_method, "d");
        assert_eq!(signature.certificate, None);
        assert!(!String::from_utf8_lossy(&signature.signed_info).contains("evil"));
        assert_eq!(signature.container_path, ["a"]);
    }
}
