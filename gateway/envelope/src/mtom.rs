//! MTOM/XOP: how SMEV clients send attachments. A `multipart/related` body (RFC 2387) whose root part is the
//! SOAP envelope (`application/xop+xml`) and whose other parts are the attachments' bytes, each referenced
//! from the envelope by `<xop:Include href="cid:…"/>` (W3C XOP). [`resolve`] turns such a body back into the
//! plain envelope the decoder reads: every `xop:Include` is replaced by the base64 of the part it names, so
//! attachments reach plugins exactly as inline ones do. No I/O: the body was read within the size limit.
//!
//! Answers go the other way: [`package`] wraps an envelope written with `xop:Include`s of [`part_id`]s
//! ([`crate::encode_get_response_response_mtom`]) and the attachments' bytes into such a body.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::decode::DecodeError;

/// The XOP namespace.
pub const XOP_NS: &str = "http://www.w3.org/2004/08/xop/include";

/// Whether `content_type` is a `multipart/related` one (an MTOM request).
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/related")
}

/// The Content-ID of the root part of an answer [`package`] makes.
const ROOT_ID: &str = "root.message@smev-gateway";

/// The Content-ID of the `index`th (from 0) attachment part of an answer [`package`] makes.
pub fn part_id(index: usize) -> String {
    format!("attachment-{}@smev-gateway", index + 1)
}

/// An MTOM answer: the `Content-Type` header's value (with its boundary) and the `multipart/related` body of
/// the SOAP envelope `root`, whose `xop:Include`s name [`part_id`]s, and the `parts` (MIME type, bytes) in
/// that order, sent as binary.
pub fn package(root: &[u8], parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = format!("uuid:{}", uuid::Uuid::new_v4());
    let size: usize = parts.iter().map(|(_, data)| data.len() + 160).sum();
    let mut body = Vec::with_capacity(root.len() + size + 320);
    let mut part = |headers: String, data: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part(
        format!(
            "Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n\
             Content-Transfer-Encoding: binary\r\nContent-ID: <{ROOT_ID}>\r\n"
        ),
        root,
    );
    for (i, (mime_type, data)) in parts.iter().enumerate() {
        // A part's header line is written as given only when it is a plain `type/subtype`.
        let mime_type = if crate::xsd::is_rfc2046_mime_type(mime_type) {
            mime_type
        } else {
            "application/octet-stream"
        };
        part(
            format!(
                "Content-Type: {mime_type}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{}>\r\n",
                part_id(i)
            ),
            data,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = format!(
        "multipart/related; type=\"application/xop+xml\"; boundary=\"{boundary}\"; \
         start=\"<{ROOT_ID}>\"; start-info=\"text/xml\""
    );
    (content_type, body)
}

/// One MIME part.
#[derive(Debug, PartialEq, Eq)]
struct Part<'a> {
    content_id: Option<String>,
    body: &'a [u8],
}

fn refused(message: impl Into<String>) -> DecodeError {
    DecodeError::Mtom(message.into())
}

/// The plain envelope of the MTOM `body` sent with `content_type`.
///
/// # Errors
///
/// [`DecodeError::Mtom`] for a body that is not a `multipart/related` one, has no root part, or names a part
/// it does not carry.
pub fn resolve(content_type: &str, body: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let boundary = parameter(content_type, "boundary")
        .ok_or_else(|| refused("в Content-Type multipart/related нет параметра boundary"))?;
    // RFC 2046: 1 to 70 characters (a longer one would only make the search slow).
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(refused("boundary должен содержать от 1 до 70 символов"));
    }
    let start = parameter(content_type, "start").map(|s| strip_angles(&s).to_owned());
    let parts = split(body, &boundary)?;
    let root = match &start {
        Some(id) => parts
            .iter()
            .find(|p| p.content_id.as_deref() == Some(id.as_str()))
            .ok_or_else(|| refused(format!("нет корневой части <{id}>")))?,
        None => parts
            .first()
            .ok_or_else(|| refused("в запросе нет частей"))?,
    };
    let includes = includes(root.body)?;
    let mut out = Vec::with_capacity(root.body.len() + body.len() / 3 * 4);
    let mut at = 0;
    // Each part is included once: the plain envelope is then never larger than the body's base64, whatever
    // the root part says (a thousand includes of one part would otherwise make a small body huge).
    let mut used: Vec<String> = Vec::new();
    for (range, href) in includes {
        let id = href
            .strip_prefix("cid:")
            .ok_or_else(|| refused(format!("xop:Include href {href:?} не ссылается на cid:")))?;
        let id =
            percent_decode(id).ok_or_else(|| refused(format!("cid {id:?} записан неверно")))?;
        let part = parts
            .iter()
            .find(|p| p.content_id.as_deref() == Some(id.as_str()))
            .ok_or_else(|| {
                refused(format!(
                    "нет части с Content-ID <{id}>, на которую ссылается xop:Include"
                ))
            })?;
        if used.contains(&id) {
            return Err(refused(format!(
                "часть <{id}> включена через xop:Include больше одного раза"
            )));
        }
        used.push(id);
        out.extend_from_slice(&root.body[at..range.0]);
        out.extend_from_slice(STANDARD.encode(part.body).as_bytes());
        at = range.1;
    }
    out.extend_from_slice(&root.body[at..]);
    Ok(out)
}

/// The value of `name` in a header's parameters (`type="a"; boundary=b`), unquoted.
fn parameter(header: &str, name: &str) -> Option<String> {
    let mut rest = header;
    while let Some(i) = rest.find(';') {
        rest = &rest[i + 1..];
        let item = rest.trim_start();
        let (key, value) = item.split_once('=')?;
        if key.trim().eq_ignore_ascii_case(name) {
            let value = value.trim_start();
            return Some(match value.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or_default().to_owned(),
                None => value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            });
        }
    }
    None
}

fn strip_angles(id: &str) -> &str {
    id.trim()
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id.trim())
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn split<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, DecodeError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(found) = find(&body[i..], delimiter) {
        let at = i + found;
        // A delimiter begins a line.
        if at == 0 || body[at - 1] == b'\n' {
            starts.push(at);
        }
        i = at + delimiter.len();
    }
    let mut parts = Vec::new();
    for pair in starts.windows(2) {
        let (from, to) = (pair[0] + delimiter.len(), pair[1]);
        let chunk = &body[from..to];
        let chunk = chunk
            .strip_prefix(b"\r\n")
            .or_else(|| chunk.strip_prefix(b"\n"))
            .unwrap_or(chunk);
        // The line break before the next delimiter belongs to it.
        let chunk = chunk
            .strip_suffix(b"\r\n")
            .or_else(|| chunk.strip_suffix(b"\n"))
            .unwrap_or(chunk);
        parts.push(part(chunk)?);
    }
    let closed = starts
        .last()
        .is_some_and(|last| body[last + delimiter.len()..].starts_with(b"--"));
    if !closed {
        return Err(refused("multipart/related не завершён разделителем"));
    }
    if parts.is_empty() {
        return Err(refused("в запросе нет частей"));
    }
    Ok(parts)
}

/// A part: its headers up to the empty line, then the body.
fn part(chunk: &[u8]) -> Result<Part<'_>, DecodeError> {
    let (head, body) = match find(chunk, b"\r\n\r\n") {
        Some(i) => (&chunk[..i], &chunk[i + 4..]),
        None => match find(chunk, b"\n\n") {
            Some(i) => (&chunk[..i], &chunk[i + 2..]),
            None => return Err(refused("у части нет заголовков")),
        },
    };
    let head = std::str::from_utf8(head).map_err(|_| refused("заголовки части не в UTF-8"))?;
    let content_id = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-id")
            .then(|| strip_angles(value).to_owned())
    });
    Ok(Part { content_id, body })
}

/// An `xop:Include` element: its byte range in the root part, and its `href`.
type Include = ((usize, usize), String);

/// The `xop:Include` elements of `xml`, in order.
fn includes(xml: &[u8]) -> Result<Vec<Include>, DecodeError> {
    let mut reader = NsReader::from_reader(xml);
    let mut found = Vec::new();
    let mut start = 0usize;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_resolved_event()
            .map_err(|e| refused(format!("корневая часть не является корректным XML: {e}")))?;
        match event {
            (ResolveResult::Bound(ns), Event::Empty(e) | Event::Start(e))
                if ns.as_ref() == XOP_NS && e.local_name().as_ref() == "Include" =>
            {
                let href = e
                    .try_get_attribute("href")
                    .ok()
                    .flatten()
                    .and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    })
                    .ok_or_else(|| refused("у xop:Include нет атрибута href"))?;
                start = before;
                let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                found.push(((before, end), href));
            }
            (ResolveResult::Bound(ns), Event::End(e))
                if ns.as_ref() == XOP_NS && e.local_name().as_ref() == "Include" =>
            {
                // `<xop:Include …></xop:Include>`: the element runs to its end tag.
                if let Some(last) = found.last_mut()
                    && last.0.0 == start
                {
                    last.0.1 = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                }
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    Ok(found)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mtom(parts: &[(&str, &[u8])], start: Option<&str>) -> (String, Vec<u8>) {
        let boundary = "----=_Part_1_2.3";
        let mut body = Vec::new();
        for (id, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-ID: <{id}>\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let start = start
            .map(|s| format!("; start=\"<{s}>\""))
            .unwrap_or_default();
        (
            format!(
                "multipart/related; type=\"application/xop+xml\"{start}; boundary=\"{boundary}\""
            ),
            body,
        )
    }

    const ROOT: &[u8] = br#"<e xmlns:xop="http://www.w3.org/2004/08/xop/include"><c><xop:Include href="cid:a%40b"/></c><d><xop:Include href="cid:two"></xop:Include></d></e>"#;

    #[test]
    fn includes_become_the_parts_base64() {
        let binary: &[u8] = &[0, 1, 2, 255, b'\r', b'\n', b'-', b'-'];
        let (ct, body) = mtom(
            &[("root", ROOT), ("a@b", binary), ("two", b"xyz")],
            Some("root"),
        );
        assert!(is_multipart(&ct));
        let xml = String::from_utf8(resolve(&ct, &body).expect("resolved")).expect("utf-8");
        assert_eq!(
            xml,
            format!(
                "<e xmlns:xop=\"http://www.w3.org/2004/08/xop/include\"><c>{}</c><d>{}</d></e>",
                STANDARD.encode(binary),
                STANDARD.encode(b"xyz")
            )
        );
        // Without `start` the first part is the root.
        let (ct, body) = mtom(&[("root", ROOT), ("a@b", binary), ("two", b"xyz")], None);
        assert!(resolve(&ct, &body).is_ok());
    }

    #[test]
    fn a_packaged_answer_reads_back_as_its_envelope_with_the_parts_inline() {
        let root = format!(
            "<e xmlns:xop=\"{XOP_NS}\"><c><xop:Include href=\"cid:{}\"/></c><d><xop:Include href=\"cid:{}\"/></d></e>",
            part_id(0),
            part_id(1)
        );
        let bytes: Vec<u8> = (0..=255).collect();
        let (content_type, body) = package(
            root.as_bytes(),
            &[("application/pdf", b"%PDF\r\n--"), ("image/png", &bytes)],
        );
        assert!(is_multipart(&content_type), "{content_type}");
        let envelope =
            String::from_utf8(resolve(&content_type, &body).expect("resolves")).expect("utf-8");
        assert_eq!(
            envelope,
            format!(
                "<e xmlns:xop=\"{XOP_NS}\"><c>{}</c><d>{}</d></e>",
                STANDARD.encode(b"%PDF\r\n--"),
                STANDARD.encode(&bytes)
            )
        );
    }

    #[test]
    fn a_part_is_included_once_and_a_boundary_is_short() {
        let root = format!(
            "<e xmlns:xop=\"{XOP_NS}\"><c><xop:Include href=\"cid:p\"/></c><d><xop:Include href=\"cid:p\"/></d></e>"
        );
        let (content_type, body) = mtom(&[("root", root.as_bytes()), ("p", b"0123456789")], None);
        let refused = resolve(&content_type, &body).expect_err("included twice");
        assert!(
            refused.to_string().contains("больше одного раза"),
            "{refused}"
        );
        let long = format!("multipart/related; boundary=\"{}\"", "b".repeat(71));
        assert!(resolve(&long, b"--x--").is_err());
    }

    #[test]
    fn broken_bodies_are_refused() {
        let (ct, body) = mtom(&[("root", ROOT), ("a@b", b"x")], Some("root"));
        assert!(matches!(resolve(&ct, &body), Err(DecodeError::Mtom(m)) if m.contains("two")));
        let (ct, body) = mtom(&[("root", ROOT)], Some("other"));
        assert!(resolve(&ct, &body).is_err(), "no such root");
        assert!(resolve("multipart/related", &body).is_err(), "no boundary");
        let (ct, body) = mtom(&[("root", b"<e/>")], None);
        let unclosed = &body[..body.len() - 8];
        assert!(resolve(&ct, unclosed).is_err(), "not closed");
        assert!(!is_multipart("text/xml; charset=utf-8"));
    }

    #[test]
    fn parameters_are_read_quoted_or_not() {
        let ct = r#"multipart/related; type="application/xop+xml"; start="<root@x>"; start-info="text/xml"; boundary=abc"#;
        assert_eq!(parameter(ct, "boundary").as_deref(), Some("abc"));
        assert_eq!(parameter(ct, "start").as_deref(), Some("<root@x>"));
        assert_eq!(parameter(ct, "missing"), None);
    }
}
