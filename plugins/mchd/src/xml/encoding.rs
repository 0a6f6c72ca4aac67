//! The document's character encoding: UTF-8 (the EMCHD_1 files of the ФНС registry) or windows-1251 (format
//! 002, which must be read to be refused with the right reason). Everything else is refused.

/// The document as UTF-8 text. A byte order mark is dropped; windows-1251 is transcoded. The XML declaration
/// keeps naming the original encoding, which the reader ignores.
pub fn to_utf8(document: &[u8]) -> Result<String, String> {
    let body = document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(document);
    match declared_encoding(body)?
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("utf-8" | "utf8") => std::str::from_utf8(body)
            .map(str::to_owned)
            .map_err(|e| format!("not UTF-8 (byte {})", e.valid_up_to())),
        Some("windows-1251" | "cp1251") => Ok(body.iter().map(|&b| cp1251(b)).collect()),
        Some(other) => Err(format!("unsupported encoding `{other}`")),
    }
}

/// The `encoding` of the XML declaration, if the document starts with one that names it.
fn declared_encoding(body: &[u8]) -> Result<Option<String>, String> {
    if !body.starts_with(b"<?xml") {
        return Ok(None);
    }
    let end = body
        .windows(2)
        .position(|w| w == b"?>")
        .ok_or_else(|| "the XML declaration is not closed".to_owned())?;
    let declaration = String::from_utf8_lossy(&body[..end]);
    let Some(at) = declaration.find("encoding") else {
        return Ok(None);
    };
    let rest = declaration[at + "encoding".len()..].trim_start();
    let rest = rest
        .strip_prefix('=')
        .map(str::trim_start)
        .ok_or_else(|| "malformed encoding declaration".to_owned())?;
    let quote = rest
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
        .ok_or_else(|| "malformed encoding declaration".to_owned())?;
    let value = &rest[1..];
    let close = value
        .find(quote)
        .ok_or_else(|| "malformed encoding declaration".to_owned())?;
    Ok(Some(value[..close].trim().to_owned()))
}

/// One windows-1251 byte as a character.
fn cp1251(byte: u8) -> char {
    match byte {
        0x00..=0x7F => char::from(byte),
        0xC0..=0xFF => char::from_u32(0x0410 + u32::from(byte - 0xC0)).unwrap_or('\u{FFFD}'),
        _ => CP1251_80_BF[usize::from(byte - 0x80)],
    }
}

/// Bytes 0x80..=0xBF of windows-1251 (0x98, unassigned, maps to U+0098 as in the WHATWG table).
const CP1251_80_BF: [char; 64] = [
    '\u{0402}', '\u{0403}', '\u{201A}', '\u{0453}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{20AC}', '\u{2030}', '\u{0409}', '\u{2039}', '\u{040A}', '\u{040C}', '\u{040B}', '\u{040F}',
    '\u{0452}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{0098}', '\u{2122}', '\u{0459}', '\u{203A}', '\u{045A}', '\u{045C}', '\u{045B}', '\u{045F}',
    '\u{00A0}', '\u{040E}', '\u{045E}', '\u{0408}', '\u{00A4}', '\u{0490}', '\u{00A6}', '\u{00A7}',
    '\u{0401}', '\u{00A9}', '\u{0404}', '\u{00AB}', '\u{00AC}', '\u{00AD}', '\u{00AE}', '\u{0407}',
    '\u{00B0}', '\u{00B1}', '\u{0406}', '\u{0456}', '\u{0491}', '\u{00B5}', '\u{00B6}', '\u{00B7}',
    '\u{0451}', '\u{2116}', '\u{0454}', '\u{00BB}', '\u{0458}', '\u{0405}', '\u{0455}', '\u{0457}',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_or_without_declaration_and_bom() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Доверенность/>";
        assert_eq!(to_utf8(text.as_bytes()).as_deref(), Ok(text));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("<a>б</a>".as_bytes());
        assert_eq!(to_utf8(&bom).as_deref(), Ok("<a>б</a>"));
        assert!(
            to_utf8(b"<a>\xFF</a>")
                .expect_err("not utf-8")
                .contains("UTF-8")
        );
    }

    #[test]
    fn windows_1251_is_transcoded() {
        // "Доверенность Ёё №" in windows-1251.
        let mut doc = b"<?xml version='1.0' encoding='windows-1251'?><a>".to_vec();
        doc.extend_from_slice(&[
            0xC4, 0xEE, 0xE2, 0xE5, 0xF0, 0xE5, 0xED, 0xED, 0xEE, 0xF1, 0xF2, 0xFC, 0x20, 0xA8,
            0xB8, 0x20, 0xB9,
        ]);
        doc.extend_from_slice(b"</a>");
        let text = to_utf8(&doc).expect("transcoded");
        assert!(text.ends_with("<a>Доверенность Ёё №</a>"), "{text}");
    }

    #[test]
    fn other_encodings_and_broken_declarations_are_refused() {
        let err = to_utf8(b"<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a/>").expect_err("refused");
        assert!(err.contains("koi8-r"), "{err}");
        assert!(to_utf8(b"<?xml version=\"1.0\" encoding=UTF-8?><a/>").is_err());
        assert!(to_utf8(b"<?xml version=\"1.0\" encoding=\"UTF-8\"").is_err());
    }
}
