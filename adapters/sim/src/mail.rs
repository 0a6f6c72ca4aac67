//! A mail sink for demos: a plain SMTP server (no TLS, no authentication) that accepts every message and keeps
//! it in memory, and the pages that list what it received.
//!
//! - SMTP on its own address (`--smtp-listen`): `EHLO`/`HELO`, `MAIL FROM`, `RCPT TO`, `DATA` (dot-stuffing
//!   undone), `RSET`, `NOOP`, `QUIT`; at most [`MAX_MESSAGE_BYTES`] per message and [`MAX_MESSAGES`] kept (the
//!   oldest go first).
//! - `GET /__mail` → `[{"n", "from", "to", "subject", "receivedAtMs", "bytes", "attachments": [names]}]`.
//! - `GET /__mail/page` → the same as an HTML page with links.
//! - `GET /__mail/<n>.eml` → message `n` as received (`message/rfc822`), to open in a mail program.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The most messages kept.
pub const MAX_MESSAGES: usize = 200;
/// The largest message accepted.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;
/// The longest line read (a command, or a line of a message: RFC 5321 allows 1000; mail programs keep to it).
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads one line of at most [`MAX_LINE_BYTES`] into `line`; `Ok(false)` at the end of the stream. A longer line
/// is an error: the session ends.
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
) -> std::io::Result<bool> {
    use tokio::io::AsyncReadExt;
    line.clear();
    let read = reader
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', line)
        .await?;
    if line.len() > MAX_LINE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line too long",
        ));
    }
    Ok(read > 0)
}

/// One received message.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Its number, from 1, in order of arrival.
    pub n: u64,
    pub from: String,
    pub to: Vec<String>,
    /// As received (headers and body, CRLF line ends).
    pub data: Vec<u8>,
    pub received_at_ms: u64,
}

/// What the sink received.
#[derive(Debug, Default)]
pub struct Mailbox {
    messages: Mutex<(u64, VecDeque<Mail>)>,
}

impl Mailbox {
    fn keep(&self, from: String, to: Vec<String>, data: Vec<u8>) {
        let mut guard = self
            .messages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, messages) = &mut *guard;
        *count += 1;
        if messages.len() == MAX_MESSAGES {
            messages.pop_front();
        }
        messages.push_back(Mail {
            n: *count,
            from,
            to,
            data,
            received_at_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or_default(),
        });
    }

    /// Every message kept, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let guard = self
            .messages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.1.iter().cloned().collect()
    }

    /// `GET /__mail…`: the status, content type and body.
    pub fn http(&self, rest: &str) -> (u16, &'static str, Vec<u8>) {
        if let Some(n) = rest
            .strip_prefix('/')
            .and_then(|n| n.strip_suffix(".eml"))
            .and_then(|n| n.parse::<u64>().ok())
        {
            let guard = self
                .messages
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            return match guard.1.iter().find(|m| m.n == n) {
                Some(m) => (200, "message/rfc822", m.data.clone()),
                None => (
                    404,
                    "application/json",
                    br#"{"error": "no such message"}"#.to_vec(),
                ),
            };
        }
        let messages = self.messages();
        match rest {
            "" => (
                200,
                "application/json",
                Value::Array(messages.iter().map(summary).collect())
                    .to_string()
                    .into_bytes(),
            ),
            "/page" => (
                200,
                "text/html; charset=utf-8",
                page(&messages).into_bytes(),
            ),
            other => {
                let wanted = other
                    .strip_prefix('/')
                    .and_then(|n| n.strip_suffix(".eml"))
                    .and_then(|n| n.parse::<u64>().ok());
                match messages.into_iter().find(|m| Some(m.n) == wanted) {
                    Some(m) => (200, "message/rfc822", m.data),
                    None => (
                        404,
                        "application/json",
                        br#"{"error": "no such message"}"#.to_vec(),
                    ),
                }
            }
        }
    }
}

fn summary(m: &Mail) -> Value {
    json!({
        "n": m.n,
        "from": m.from,
        "to": m.to,
        "subject": header(&m.data, "Subject").map(|s| decode_words(&s)),
        "receivedAtMs": m.received_at_ms,
        "bytes": m.data.len(),
        "attachments": attachments(&m.data),
    })
}

/// The unfolded value of the first header `name` of `data`.
fn header(data: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let head = text.split("\r\n\r\n").next()?;
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        match &mut value {
            Some(v) if line.starts_with([' ', '\t']) => v.push_str(line.trim_start()),
            Some(_) => break,
            None => {
                if let Some((key, rest)) = line.split_once(':')
                    && key.eq_ignore_ascii_case(name)
                {
                    value = Some(rest.trim().to_owned());
                }
            }
        }
    }
    value
}

/// The file names of the message's attachments: the `filename` parameter of every `Content-Disposition`
/// header, quoted, encoded (RFC 2047) or split into RFC 2231 continuations (`filename*0=…; filename*1=…`, as
/// mail libraries write long names).
fn attachments(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut names = Vec::new();
    let mut lines = text.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.eq_ignore_ascii_case("Content-Disposition") {
            continue;
        }
        let mut value = value.to_owned();
        while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
            value.push_str(next.trim_start());
            lines.next();
        }
        if let Some(name) = filename(&value) {
            names.push(name);
        }
    }
    names
}

/// The `filename` of a `Content-Disposition` value.
fn filename(value: &str) -> Option<String> {
    let mut plain = None;
    let mut parts: Vec<(u32, String)> = Vec::new();
    for parameter in value.split(';').skip(1) {
        let Some((key, raw)) = parameter.trim().split_once('=') else {
            continue;
        };
        let raw = raw.trim().trim_matches('"');
        let key = key.trim().to_ascii_lowercase();
        if key == "filename" {
            plain = Some(decode_words(raw));
        } else if let Some(rest) = key.strip_prefix("filename*") {
            let (index, extended) = match rest.strip_suffix('*') {
                Some(index) => (index, true),
                None => (rest, false),
            };
            let index = if index.is_empty() {
                0
            } else {
                index.parse().ok()?
            };
            let text = if extended {
                percent_decode(raw.rsplit('\'').next().unwrap_or(raw))
            } else {
                raw.to_owned()
            };
            parts.push((index, text));
        }
    }
    if parts.is_empty() {
        return plain;
    }
    parts.sort_by_key(|(i, _)| *i);
    Some(parts.into_iter().map(|(_, t)| t).collect())
}

fn percent_decode(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut iter = text.bytes();
    while let Some(b) = iter.next() {
        if b == b'%' {
            let hex: Vec<u8> = iter.by_ref().take(2).collect();
            if let Some(v) = std::str::from_utf8(&hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                bytes.push(v);
            }
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?utf-8?Q?…?=`) decoded; other text as it is.
fn decode_words(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("=?") {
        let Some(end) = rest[start + 2..].find("?=").map(|e| start + 2 + e) else {
            break;
        };
        let word = &rest[start + 2..end];
        let decoded = match word.splitn(3, '?').collect::<Vec<_>>().as_slice() {
            [_, enc, body] if enc.eq_ignore_ascii_case("b") => STANDARD
                .decode(body)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            [_, enc, body] if enc.eq_ignore_ascii_case("q") => Some(q_decode(body)),
            _ => None,
        };
        let before = &rest[..start];
        if !before.trim().is_empty() || out.is_empty() {
            out.push_str(before);
        }
        match decoded {
            Some(d) => out.push_str(&d),
            None => out.push_str(&rest[start..end + 2]),
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn q_decode(body: &str) -> String {
    let mut bytes = Vec::new();
    let mut chars = body.bytes();
    while let Some(b) = chars.next() {
        match b {
            b'_' => bytes.push(b' '),
            b'=' => {
                let hex: Vec<u8> = chars.by_ref().take(2).collect();
                if let Some(v) = std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    bytes.push(v);
                }
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(messages: &[Mail]) -> String {
    let mut rows = String::new();
    for m in messages.iter().rev() {
        let s = summary(m);
        let subject = s["subject"].as_str().unwrap_or("(без темы)").to_owned();
        let files: Vec<String> = attachments(&m.data).iter().map(|a| escape(a)).collect();
        rows.push_str(&format!(
            "<tr><td>{n}</td><td>{from}</td><td>{to}</td><td><a href=\"/__mail/{n}.eml\">{subject}</a></td><td>{files}</td></tr>\n",
            n = m.n,
            from = escape(&m.from),
            to = escape(&m.to.join(", ")),
            subject = escape(&subject),
            files = files.join("<br>"),
        ));
    }
    format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Почта симулятора</title></head>\
         <body><h1>Почта, принятая симулятором ({count})</h1>\
         <table border=\"1\" cellpadding=\"4\"><tr><th>№</th><th>От</th><th>Кому</th><th>Тема (письмо .eml)</th>\
         <th>Вложения</th></tr>\n{rows}</table></body></html>\n",
        count = messages.len()
    )
}

/// Serves SMTP on `listener` into `mailbox` until the task is dropped.
pub async fn serve_smtp(listener: TcpListener, mailbox: std::sync::Arc<Mailbox>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let mailbox = mailbox.clone();
                tokio::spawn(async move {
                    if let Err(e) = session(stream, &mailbox).await {
                        tracing::debug!(error = %e, "SMTP session ended with an error");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "SMTP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// The address inside `MAIL FROM:<a>` / `RCPT TO:<a>`.
fn address(argument: &str) -> String {
    let argument = argument.trim();
    match (argument.find('<'), argument.find('>')) {
        (Some(a), Some(b)) if a < b => argument[a + 1..b].to_owned(),
        _ => argument.to_owned(),
    }
}

async fn session(stream: TcpStream, mailbox: &Mailbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 registry-sim mail sink ready\r\n")
        .await?;
    let (mut from, mut to) = (String::new(), Vec::<String>::new());
    let mut line = Vec::new();
    loop {
        if !read_line(&mut lines, &mut line).await? {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-registry-sim\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n"
        } else if upper.starts_with("HELO") {
            b"250 registry-sim\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(
                command["MAIL FROM:".len()..]
                    .split(' ')
                    .next()
                    .unwrap_or_default(),
            );
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command["RCPT TO:".len()..]));
            b"250 OK\r\n"
        } else if upper == "DATA" {
            if to.is_empty() {
                b"503 RCPT first\r\n"
            } else {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let message = data(&mut lines).await?;
                let (sender, recipients) = (std::mem::take(&mut from), std::mem::take(&mut to));
                match message {
                    Some(message) => {
                        mailbox.keep(sender, recipients, message);
                        b"250 OK: kept\r\n"
                    }
                    None => b"552 Message too large\r\n",
                }
            }
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper == "NOOP" {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The message after `DATA`, up to the line `.`, dot-stuffing undone; `None` past the size limit (read to the
/// end all the same).
async fn data<R: tokio::io::AsyncBufRead + Unpin>(
    lines: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut too_large = false;
    let mut line = Vec::new();
    loop {
        if !read_line(lines, &mut line).await? {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_large).then_some(message));
        }
        let content = line.strip_prefix(b".").unwrap_or(&line);
        if message.len() + content.len() > MAX_MESSAGE_BYTES {
            too_large = true;
        } else if !too_large {
            message.extend_from_slice(content);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_in_every_spelling() {
        let mail = "Subject: x\r\n\r\n--b\r\nContent-Disposition: attachment; filename=\"a.zip\"\r\n\r\nA\r\n\
                    --b\r\nContent-Disposition: attachment;\r\n filename*0=\"scan-report_1175000001010_\";\r\n \
                    filename*1=\"2026-12-05.zip\"\r\n\r\nB\r\n--b\r\nContent-Disposition: attachment;\r\n \
                    filename*0*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.zip\r\n\r\nC\r\n";
        assert_eq!(
            attachments(mail.as_bytes()),
            [
                "a.zip",
                "scan-report_1175000001010_2026-12-05.zip",
                "отчёт.zip"
            ]
        );
    }

    #[tokio::test]
    async fn a_message_is_received_listed_and_served_as_eml() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mailbox = std::sync::Arc::new(Mailbox::default());
        let server = tokio::spawn(serve_smtp(listener, mailbox.clone()));
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut expect = async |prefix: &str| {
            let line = lines.next_line().await.expect("read").expect("line");
            assert!(line.starts_with(prefix), "{line}");
        };
        expect("220").await;
        write.write_all(b"EHLO client\r\n").await.expect("write");
        expect("250-").await;
        expect("250-").await;
        expect("250 ").await;
        let subject = format!("=?utf-8?B?{}?=", STANDARD.encode("Отчёт о сканировании"));
        for (send, reply) in [
            ("MAIL FROM:<reports@gw> SIZE=10\r\n".to_owned(), "250"),
            ("RCPT TO:<org@example>\r\n".to_owned(), "250"),
            ("DATA\r\n".to_owned(), "354"),
            (
                format!(
                    "Subject: {subject}\r\n\r\nbody\r\n..dot\r\nContent-Disposition: attachment; filename=\"r.zip\"\r\n.\r\n"
                ),
                "250",
            ),
            ("QUIT\r\n".to_owned(), "221"),
        ] {
            write.write_all(send.as_bytes()).await.expect("write");
            expect(reply).await;
        }
        let list: Value = serde_json::from_slice(&mailbox.http("").2).expect("json");
        assert_eq!(list[0]["from"], "reports@gw");
        assert_eq!(list[0]["to"], json!(["org@example"]));
        assert_eq!(list[0]["subject"], "Отчёт о сканировании");
        assert_eq!(list[0]["attachments"], json!(["r.zip"]));
        let (status, kind, eml) = mailbox.http("/1.eml");
        assert_eq!((status, kind), (200, "message/rfc822"));
        assert!(
            String::from_utf8_lossy(&eml).contains("\r\n.dot\r\n"),
            "dot-stuffing undone"
        );
        let page = String::from_utf8(mailbox.http("/page").2).expect("html");
        assert!(page.contains("Отчёт о сканировании") && page.contains("/__mail/1.eml"));
        assert_eq!(mailbox.http("/9.eml").0, 404);
        server.abort();
    }
}
