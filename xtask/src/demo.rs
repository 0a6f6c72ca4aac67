//! `cargo xtask demo`: the gateway and the registry simulator on the default config, until Ctrl-C.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::{Result, dist, root};

const GATEWAY: &str = "127.0.0.1:8080";
const SIM: &str = "127.0.0.1:8090";
/// The simulator's mail sink, where the demo config sends the scan reports.
const SMTP: &str = "127.0.0.1:2525";

/// Builds the bundle, starts both processes, prints how to call the gateway, and stops both on Ctrl-C.
pub fn run(_args: &[String]) -> Result<()> {
    let dist = dist::run()?;
    let data = root().join("data");
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("Ctrl-C handler: {e}"))?;
    let mut sim = Command::new(dist.join("registry-sim"))
        .args(["--listen", SIM, "--smtp-listen", SMTP, "--fixtures"])
        .arg(dist.join("fixtures"))
        .spawn()
        .map_err(|e| format!("registry-sim: {e}"))?;
    let mut gateway = Command::new(dist.join("gateway"))
        .args(["serve", "--config"])
        .arg(dist.join("gateway.toml"))
        .args(["--listen", GATEWAY])
        .env(
            "GATEWAY__STORE__URL",
            format!("sqlite://{}/gateway.db", data.display()),
        )
        .spawn()
        .map_err(|e| format!("gateway: {e}"))?;
    let up = wait_ready(GATEWAY, Duration::from_secs(30)) && wait_for(SIM, Duration::from_secs(5));
    if !up {
        stop_all(&mut [&mut gateway, &mut sim]);
        return Err("the gateway or the simulator did not start; see their messages above".into());
    }
    let token = std::fs::read_to_string(dist.join("demo-client.token"))
        .map_err(|e| e.to_string())?
        .trim()
        .to_owned();
    print_banner(&token, &dist, &data);
    while !stop.load(Ordering::SeqCst) {
        if let Ok(Some(status)) = gateway.try_wait() {
            stop_all(&mut [&mut sim]);
            return Err(format!("the gateway exited ({status})"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("\nstopping…");
    stop_all(&mut [&mut gateway, &mut sim]);
    Ok(())
}

/// Waits until `GET /readyz` on `addr` answers 200: the listener accepts connections before the plugins are
/// loaded, so a connection alone does not mean the gateway serves.
fn wait_ready(addr: &str, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if readyz_ok(addr) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn readyz_ok(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

fn wait_for(addr: &str, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if TcpStream::connect(addr).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// SIGTERM, then wait (the processes shut down gracefully).
fn stop_all(children: &mut [&mut Child]) {
    for c in children.iter_mut() {
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
    }
    for c in children.iter_mut() {
        let _ = c.wait();
    }
}

/// Today in Europe/Moscow (UTC+3), `YYYY-MM-DD`.
fn moscow_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    // Days to a civil date (H. Hinnant's algorithm).
    let z = (secs + 3 * 3600).div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn print_banner(token: &str, dist: &std::path::Path, data: &std::path::Path) {
    let today = moscow_today();
    let (dist, data) = (dist.display(), data.display());
    println!(
        r#"
The gateway is running (SQLite under ./data, bundled plugins, registry simulator).

  gateway        http://{GATEWAY}      health: http://{GATEWAY}/readyz
  SOAP (SMEV 3)  http://{GATEWAY}/smev/1.3   WSDL: http://{GATEWAY}/smev/1.3?wsdl
  JSON API       http://{GATEWAY}/api/v1/messages
  simulator      http://{SIM}        call counts: http://{SIM}/__stats
  demo client    DEMO01, bearer token: {token}
  console        http://{GATEWAY}/console   (log in with the token above; DEMO01 is the operator)
  metrics        http://{GATEWAY}/metrics   (Authorization: Bearer <token>)   OpenAPI: /api/v1/openapi.json

Try it: ask for an SVO participant QR for an invented person of the simulator's fixtures:

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/svo-status/1.0}}IssueQrRequest", "payload": {{"snils": "112-233-445 95"}}}}'

Then scan it on behalf of an organisation with the demo power of attorney (signed by the demo CA that
`cargo xtask dist` made), using the guid from the answer above:

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/svo-status/1.0}}VerifyQrRequest", "payload": {{"qr": "GUID", "onBehalfOf":
         {{"organisation": "1027700132195", "scanner": "112-233-445 95", "mchdNumber": "6d0c3b7e-1f2a-4c5d-9e8f-0a1b2c3d4e01"}}}}}}'

The QR link's page on this gateway: http://{GATEWAY}/somc2/GUID

Scan a large-family certificate (the simulator's data bank also has 50-0000777, expired, and 78-0004242,
annulled; add the same "onBehalfOf" to scan for the organisation and have the scan recorded):

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/large-family/1.0}}VerifyCertificateRequest", "payload": {{"qr": "https://www.gosuslugi.ru/mnogodet/77-0012345"}}}}'

Check a Digital ID age QR (adult and 21+, never the birth date; demo-passport-0001 is a passport QR, and the
simulator makes fresh short-lived codes with POST http://{SIM}/digital-id/v1/issue):

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/digital-id/1.0}}VerifyDigitalIdRequest", "payload": {{"qr": "https://id.max.ru/age/demo-age-0001"}}}}'

Scan reports go by e-mail to each organisation; here to the simulator's mail sink ({SMTP}). The daily run
covers yesterday; after a scan on behalf of the demo organisation, make today's report now and open it:

  GATEWAY__STORE__URL=sqlite://{data}/gateway.db {dist}/gateway report run \
    --config {dist}/gateway.toml --from {today} --to {today}

  http://{SIM}/__mail/page    (each report as .eml: the signed zip with the Excel workbook)

The regional QR admission system (seed 003), step by step (DEMO01 plays every role here). An organisation
applies; note its applicationId:

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}SubmitApplicationRequest", "payload": {{"coordinator": "culture",
         "organisationName": "ГБУК СК «Краевой драматический театр»", "headPosition": "Директор",
         "headName": "Образцова Мария Петровна", "address": "г. Ставрополь, ул. Примерная, д. 1",
         "ogrn": "1022601000014", "inn": "2634000011", "email": "teatr@primer.example",
         "contactPosition": "Администратор", "contactName": "Тестов Иван Иванович", "contactPhone": "+7 928 000-00-01"}}}}'

The coordinator approves it, then the operator registers it (use ApplicationDecisionRequest with
"decision": "DECLINE" and a "reason" to decline instead):

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}ApplicationDecisionRequest", "payload": {{"applicationId": "ID", "decision": "APPROVE"}}}}'
  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}RegisterParticipantRequest", "payload": {{"applicationId": "ID"}}}}'

The organisation's QR code arrives by e-mail (http://{SIM}/__mail/page); it opens the registration page
http://{GATEWAY}/admission/CODE (CODE: participantCode from the answer). Enter a mobile number there, press
«Отправить», read the SMS at http://{SIM}/__sms, and check the code as the entrance staff would:

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}CheckCodeRequest", "payload": {{"participantCode": "CODE", "code": "123456"}}}}'

A visitor's personal QR (IssueVisitorQrRequest), scanned at the entrance (CheckVisitorRequest): ADMIT, or
REFUSE for 200-300-400 48, whom the simulated register knows as confirmed ill, never saying why:

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}IssueVisitorQrRequest", "payload": {{"snils": "200-100-200 30", "email": "gost@primer.example"}}}}'
  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}CheckVisitorRequest", "payload": {{"participantCode": "CODE", "qr": "TOKEN"}}}}'

When the health authority reports a visitor ill (here the admitted visitor above), the other visitors of the
same place within two hours of that visit are warned, once per case: the one who registered by SMS code gets an
SMS (http://{SIM}/__sms), visitors with an e-mail a letter (http://{SIM}/__mail/page):

  curl -s http://{GATEWAY}/api/v1/messages \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
    -d '{{"type": "{{urn://gateway/admission/1.0}}CaseReportRequest", "payload": {{"caseId": "CASE-1", "snils": "200-100-200 30"}}}}'

Ctrl-C stops both processes.
"#
    );
}
