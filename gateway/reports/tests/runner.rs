//! The report runner on a real SQLite store with stand-ins for the plugin, the profile adapter and SMTP:
//! what a tick sends, how failures are retried, and what a lost lease or a shutdown prevent.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use gateway_reports::adhoc::{self, AdhocOutcome, AdhocRequest};
use gateway_reports::layout::LayoutRequest;
use gateway_reports::mail::{Accepted, Mail, Outbox};
use gateway_reports::period::{Period, parse_date, time_zone};
use gateway_reports::sign::Signer;
use gateway_reports::sources::{Layouts, Profile, Profiles, Silent};
use gateway_reports::{Delivered, Plan, ReportError, Runner, Scheduler, Settings};
use gateway_store::{Fact, ReportQuery, ReportStatus, Store, StoreOptions};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use tokio_util::sync::CancellationToken;

const DAY_MS: i64 = 86_400_000;
const MSK_MS: i64 = 3 * 3_600_000;
const THEATRE: &str = "1175000001010";
const SPORTS: &str = "1215000002029";
const NOBODY: &str = "1257800005055";

/// A store, the signer's certificate, the outbox and a runner over them, for node `node`.
struct Rig {
    _dir: tempfile::TempDir,
    url: String,
    cert: X509,
    outbox: Arc<Recording>,
}

impl Rig {
    async fn new() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        Store::connect(&url, StoreOptions::default()).await.unwrap();
        let (cert, _) = key_pair();
        Rig {
            _dir: dir,
            url,
            cert,
            outbox: Arc::new(Recording::default()),
        }
    }

    async fn store(&self, node: &str) -> Store {
        let opts = StoreOptions {
            node: node.into(),
            ..StoreOptions::default()
        };
        Store::connect(&self.url, opts).await.unwrap()
    }

    async fn runner(&self, node: &str) -> Runner {
        let (_, signer) = key_pair();
        let settings = Settings {
            fact_kind: "scan".into(),
            time_zone_name: "Europe/Moscow".into(),
            time_zone: time_zone("Europe/Moscow").unwrap(),
            lease: Duration::from_secs(60),
            retry_initial: Duration::from_millis(1),
            retry_max: Duration::from_millis(5),
            work_dir: None,
            message_id_domain: "gw.test".into(),
            compression: 1,
        };
        let profiles = HashMap::from([
            (
                THEATRE.to_owned(),
                ("Театр «Пример»".to_owned(), "teatr@org.test".to_owned()),
            ),
            (
                SPORTS.to_owned(),
                ("Спорткомплекс".to_owned(), "sport@org.test".to_owned()),
            ),
        ]);
        Runner::new(
            self.store(node).await,
            settings,
            signer,
            Arc::new(SeedLayout),
            Arc::new(MapProfiles(profiles)),
            self.outbox.clone(),
        )
    }
}

/// The same key pair for every call (the certificate checks the runner's signatures).
fn key_pair() -> (X509, Arc<Signer>) {
    static PAIR: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    let (cert, key) = PAIR.get_or_init(|| {
        use openssl::{asn1::Asn1Time, hash::MessageDigest, nid::Nid, pkey::PKey, rsa::Rsa, x509};
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, "Оператор")
            .unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        (
            b.build().to_pem().unwrap(),
            key.private_key_to_pem_pkcs8().unwrap(),
        )
    });
    let signer = Signer::from_pem(cert, key, b"").unwrap();
    (X509::from_pem(cert).unwrap(), Arc::new(signer))
}

struct SeedLayout;

#[async_trait]
impl Layouts for SeedLayout {
    async fn layout(&self, r: &LayoutRequest) -> Result<Vec<u8>, ReportError> {
        let stem = format!(
            "r_{}_{}_{}",
            r.organisation.ogrn, r.period.from, r.period.to
        );
        let json = serde_json::json!({
            "workbookFileName": format!("{stem}.xlsx"), "signatureFileName": format!("{stem}.xlsx.sig"),
            "archiveFileName": format!("{stem}.zip"), "sheetName": "Сканирования",
            "title": [format!("{} ({} фактов)", r.organisation.name, r.fact_count)],
            "columns": [
                {"header": "№", "field": "number"}, {"header": "Id", "field": "id"},
                {"header": "ОГРН", "field": "organisation"}, {"header": "Дата", "field": "date"},
                {"header": "Время", "field": "time"}
            ],
            "email": {"subject": format!("Отчёт {}", r.period.from), "body": "Во вложении."}
        });
        Ok(json.to_string().into_bytes())
    }
}

struct MapProfiles(HashMap<String, (String, String)>);

#[async_trait]
impl Profiles for MapProfiles {
    async fn profile(&self, org: &str) -> Result<Option<Profile>, ReportError> {
        Ok(self.0.get(org).map(|(name, email)| Profile {
            name: name.clone(),
            email: email.clone(),
        }))
    }
}

/// Keeps every message; refuses the next `fail` ones as an SMTP server that is down would.
#[derive(Default)]
struct Recording {
    sent: Mutex<Vec<Mail>>,
    fail: Mutex<u32>,
}

#[async_trait]
impl Outbox for Recording {
    async fn send(&self, mail: Mail) -> Result<Accepted, ReportError> {
        {
            let mut fail = self.fail.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return Err(ReportError::Mail("Connection refused".into()));
            }
        }
        self.sent.lock().unwrap().push(mail);
        Ok(Accepted {
            response: "250 2.0.0 Ok".into(),
        })
    }
}

impl Recording {
    fn sent(&self) -> Vec<Mail> {
        self.sent.lock().unwrap().clone()
    }
}

/// Yesterday in Moscow: its date and start (unix ms).
fn yesterday() -> (String, i64) {
    let now = jiff::Timestamp::now().as_millisecond();
    let start = (now + MSK_MS).div_euclid(DAY_MS) * DAY_MS - MSK_MS - DAY_MS;
    let day = jiff::Timestamp::from_millisecond(start + MSK_MS)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    (day.to_string(), start)
}

fn fact(id: &str, org: &str, at: i64) -> Fact {
    Fact {
        id: id.into(),
        kind: "scan".into(),
        organisation: org.into(),
        document_type: "svo".into(),
        occurred_at: at,
        attributes: "{}".into(),
        recorded_at: at,
    }
}

fn plan() -> Plan {
    Plan {
        schedule: "daily".parse().unwrap(),
        delay: Duration::ZERO,
        catch_up: 1,
        keep_sent: Duration::from_secs(400 * 86_400),
        parallel: 2,
    }
}

/// The zip's members by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            assert_eq!(f.compression(), zip::CompressionMethod::Stored);
            let mut content = Vec::new();
            f.read_to_end(&mut content).unwrap();
            (f.name().unwrap().into_owned(), content)
        })
        .collect()
}

/// The worksheet XML inside an xlsx.
fn sheet_xml(xlsx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_sends_each_organisation_its_signed_report_once() {
    let rig = Rig::new().await;
    let (day, start) = yesterday();
    let store = rig.store("setup").await;
    store
        .record_facts(&[
            fact("f-theatre-1", THEATRE, start + 1000),
            fact("f-theatre-2", THEATRE, start + DAY_MS - 1000),
            fact("f-theatre-today", THEATRE, start + DAY_MS),
            fact("f-sports-1", SPORTS, start + 5000),
            fact("f-nobody", NOBODY, start + 5000),
        ])
        .await
        .unwrap();
    let scheduler = Scheduler::new(Arc::new(rig.runner("node-a").await), plan());
    let tick = scheduler
        .tick(Arc::new(Silent), &CancellationToken::new())
        .await;
    assert_eq!(tick.enqueued.len(), 1);
    assert_eq!((tick.sent, tick.failed), (2, 1), "{tick:?}");
    let sent = rig.outbox.sent();
    let theatre = sent
        .iter()
        .find(|m| m.to.email.to_string() == "teatr@org.test")
        .expect("theatre mail");
    assert_eq!(theatre.to.name.as_deref(), Some("Театр «Пример»"));
    assert_eq!(
        theatre.message_id,
        format!("<scan-report.scheduled.{THEATRE}.{day}.{day}@gw.test>")
    );
    assert_eq!(theatre.subject, format!("Отчёт {day}"));
    let members = unzip(&theatre.files[0].data);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("r_{THEATRE}_{day}_{day}.xlsx"),
            format!("r_{THEATRE}_{day}_{day}.xlsx.sig")
        ]
    );
    let (xlsx, sig) = (&members[0].1, &members[1].1);
    let mut trust = X509StoreBuilder::new().unwrap();
    trust.add_cert(rig.cert.clone()).unwrap();
    let trust = trust.build();
    let mut cms = CmsContentInfo::from_der(sig).unwrap();
    cms.verify(None, Some(&trust), Some(xlsx), None, CMSOptions::BINARY)
        .expect("the signature verifies");
    let xml = sheet_xml(xlsx);
    assert!(
        xml.contains("f-theatre-1") && xml.contains("f-theatre-2"),
        "{xml}"
    );
    assert!(
        !xml.contains("f-theatre-today") && !xml.contains("f-sports-1"),
        "only its facts of the period"
    );

    // The next tick sends nothing new; the organisation without a profile stays failed, retried.
    let again = scheduler
        .tick(Arc::new(Silent), &CancellationToken::new())
        .await;
    assert_eq!((again.enqueued.len(), again.sent, again.failed), (0, 0, 1));
    assert_eq!(rig.outbox.sent().len(), 2);
    let failed = store
        .find_reports(&ReportQuery {
            organisation: Some(NOBODY.into()),
            ..ReportQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (failed[0].status, failed[0].attempts),
        (ReportStatus::Failed, 2)
    );
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("no profile"),
        "{failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_delivery_is_retried_until_it_is_accepted() {
    let rig = Rig::new().await;
    let (_, start) = yesterday();
    rig.store("setup")
        .await
        .record_facts(&[fact("f-1", THEATRE, start + 1)])
        .await
        .unwrap();
    *rig.outbox.fail.lock().unwrap() = 2;
    let scheduler = Scheduler::new(Arc::new(rig.runner("node-a").await), plan());
    let mut failures = 0;
    for _ in 0..50 {
        let t = scheduler
            .tick(Arc::new(Silent), &CancellationToken::new())
            .await;
        failures += t.failed;
        if t.sent == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!((failures, rig.outbox.sent().len()), (2, 1));
    let runs = rig
        .store("x")
        .await
        .find_reports(&ReportQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (
            runs[0].status,
            runs[0].attempts,
            runs[0].last_error.as_deref()
        ),
        (ReportStatus::Sent, 3, None)
    );
    assert_eq!(runs[0].smtp_response.as_deref(), Some("250 2.0.0 Ok"));
    assert_eq!(runs[0].facts, Some(1));

    // Past the history's retention the sent run goes; its period stays recorded, so nothing is re-sent.
    let forgetful = Plan {
        keep_sent: Duration::ZERO,
        ..plan()
    };
    let scheduler = Scheduler::new(Arc::new(rig.runner("node-a").await), forgetful);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let t = scheduler
        .tick(Arc::new(Silent), &CancellationToken::new())
        .await;
    assert_eq!((t.enqueued.len(), t.sent), (0, 0));
    let store = rig.store("x").await;
    assert!(
        store
            .find_reports(&ReportQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.last_report_period().await.unwrap().is_some());
    assert_eq!(rig.outbox.sent().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_lost_its_lease_or_is_stopping_sends_nothing() {
    let rig = Rig::new().await;
    let (_, start) = yesterday();
    let setup = rig.store("setup").await;
    setup
        .record_facts(&[fact("f-1", THEATRE, start + 1)])
        .await
        .unwrap();
    let (day, _) = yesterday();
    let period = Period::new(parse_date(&day).unwrap(), parse_date(&day).unwrap()).unwrap();
    setup
        .record_report_period(
            &period
                .to_store(&time_zone("Europe/Moscow").unwrap())
                .unwrap(),
            "scan",
            0,
        )
        .await
        .unwrap();
    let (a, b) = (rig.runner("node-a").await, rig.store("node-b").await);
    let claimed = a
        .store()
        .claim_reports(Duration::from_millis(1), 1)
        .await
        .unwrap()
        .remove(0);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let taken = b.claim_reports(Duration::from_secs(60), 1).await.unwrap();
    assert_eq!(taken.len(), 1, "node b takes the run over");
    let outcome = a
        .deliver(&claimed, None, Arc::new(Silent), &CancellationToken::new())
        .await;
    assert_eq!(outcome, Delivered::LeaseLost);
    assert!(rig.outbox.sent().is_empty());

    // Stopping: the run is given back untouched.
    b.release_report(taken[0].id).await.unwrap();
    let run = a
        .store()
        .claim_reports(Duration::from_secs(60), 1)
        .await
        .unwrap()
        .remove(0);
    let cancel = CancellationToken::new();
    cancel.cancel();
    assert_eq!(
        a.deliver(&run, None, Arc::new(Silent), &cancel).await,
        Delivered::Cancelled
    );
    let after = setup.report(run.id).await.unwrap().unwrap();
    assert_eq!(
        (after.status, after.lease_until, after.attempts),
        (ReportStatus::Pending, None, run.attempts - 1)
    );
    assert!(rig.outbox.sent().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ad_hoc_runs_send_once_and_only_write_files_without_send() {
    let rig = Rig::new().await;
    let (day, start) = yesterday();
    let store = rig.store("setup").await;
    store
        .record_facts(&[
            fact("f-1", THEATRE, start + 1),
            fact("f-2", SPORTS, start + 2),
        ])
        .await
        .unwrap();
    let runner = rig.runner("cli").await;
    let period = Period::new(parse_date(&day).unwrap(), parse_date(&day).unwrap()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let files = AdhocRequest {
        period,
        organisations: None,
        out: Some(out.path().to_path_buf()),
        send: false,
    };
    let written = adhoc::run(&runner, &files, Arc::new(Silent), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(written.len(), 2, "every organisation with facts");
    assert!(written.iter().all(
        |(_, o)| matches!(o, AdhocOutcome::Written { facts: 1, archive } if archive.exists())
    ));
    assert!(
        store
            .find_reports(&ReportQuery::default())
            .await
            .unwrap()
            .is_empty(),
        "no run recorded"
    );
    assert!(rig.outbox.sent().is_empty());

    let send = AdhocRequest {
        organisations: Some(vec![THEATRE.into()]),
        out: None,
        send: true,
        ..files
    };
    let first = adhoc::run(&runner, &send, Arc::new(Silent), &CancellationToken::new())
        .await
        .unwrap();
    assert!(
        matches!(&first[0].1, AdhocOutcome::Sent { facts: 1, .. }),
        "{first:?}"
    );
    let second = adhoc::run(&runner, &send, Arc::new(Silent), &CancellationToken::new())
        .await
        .unwrap();
    assert!(
        matches!(
            &second[0].1,
            AdhocOutcome::AlreadySent {
                message_id: Some(_)
            }
        ),
        "{second:?}"
    );
    assert_eq!(rig.outbox.sent().len(), 1);
    assert_eq!(
        rig.outbox.sent()[0].message_id,
        format!("<scan-report.adhoc.{THEATRE}.{day}.{day}@gw.test>")
    );
    assert_eq!(
        store.last_report_period().await.unwrap(),
        None,
        "no scheduled period is marked"
    );
}
