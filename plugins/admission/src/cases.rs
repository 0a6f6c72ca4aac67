//! `CaseReportRequest`: a health authority reports a confirmed case. The ill person's admitted visits of the last
//! `keep_visits` are found by their СНИЛС and phone (and by the other identifiers those visits show); the visits
//! of others to the same participants around them are contacts (see `contacts`); every visit is read, page by
//! page (`repo::query_all`). Each contact is notified once per case, by e-mail where an address is known, else by
//! SMS, however often and on however many nodes the case is reported, and whichever of its identifiers (СНИЛС,
//! phone) a report knows it by: a `notices` record `<case>/<fingerprint>` is claimed under each of them with a
//! conditional write first, as pending (lapsing after two minutes), confirmed for `keep_cases` once the notice
//! went; an e-mail is queued under the key `notice/<case>/<fingerprint of its identity>`. A notice that fails
//! is given up again, and so is one whose report died before confirming it, so that a repeated report retries
//! it. The answer holds counts only.

use std::collections::{BTreeMap, BTreeSet};

use gateway_plugin_sdk::host::mail::{self, Message};
use gateway_plugin_sdk::host::store::{self, Put, PutResult};
use gateway_plugin_sdk::prelude::*;

use crate::config::{Settings, ms};
use crate::contacts::{self, Channel, Contact, Person, Seen};
use crate::failure::Failure;
use crate::fields::{self, Invalid};
use crate::letters::{NOTICE_SUBJECT, Place, notice_letter, notice_sms};
use crate::messages::{CaseReportRequest, CaseReportResponse, FORBIDDEN};
use crate::records::{NOTICES, Notice, VISITS, participant_tag, phone_tag, snils_tag};
use crate::{answer, repo};

/// Rounds of looking for the ill person's visits: by the identifiers reported, then by those their visits show.
const ROUNDS: usize = 2;

/// How one contact fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    Email,
    Sms,
    Already,
    Failed,
}

/// The counts of the answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub email: u32,
    pub sms: u32,
    pub already: u32,
    pub failed: u32,
}

impl Tally {
    /// Counts one contact.
    pub fn count(&mut self, notified: Notified) {
        let counter = match notified {
            Notified::Email => &mut self.email,
            Notified::Sms => &mut self.sms,
            Notified::Already => &mut self.already,
            Notified::Failed => &mut self.failed,
        };
        *counter += 1;
    }
}

/// Handles one `CaseReportRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: CaseReportRequest = req.decode()?;
    let reply = |response: CaseReportResponse| answer(req, "CaseReportResponse", &response);
    let refused = |result: &'static str, message: String| CaseReportResponse {
        case_id: input.case_id.trim().to_owned(),
        result: Some(result),
        message: Some(message),
        ..CaseReportResponse::default()
    };
    if !settings.is_health_authority(&req.sender) {
        return reply(refused(
            FORBIDDEN,
            "Сообщать о случаях заболевания могут только органы здравоохранения".into(),
        ));
    }
    let (case_id, mut person) = match reported(&input) {
        Ok(reported) => reported,
        Err(invalid) => return reply(refused(invalid.result, invalid.message)),
    };
    let now = host::ids::now_ms();
    let ill = ill_visits(&mut person, now, settings)?;
    let (before, after) = (ms(settings.contact_before), ms(settings.contact_after));
    let mut nearby = Vec::new();
    for (participant, range) in contacts::windows(&ill, before, after) {
        let items = repo::query_all(VISITS, &participant_tag(&participant), range)?;
        nearby.extend(items.iter().filter_map(readable));
    }
    let found = contacts::contacts(&person, &ill, &nearby, before, after);
    let names = organisation_names(&found)?;
    let mut tally = Tally::default();
    for contact in &found {
        tally.count(notify(&case_id, contact, &names, settings)?);
    }
    if tally.failed > 0 {
        host::log::warn(&format!(
            "case report: {} contacts not notified",
            tally.failed
        ));
    }
    reply(CaseReportResponse {
        case_id,
        visits_found: Some(count(ill.len())),
        contacts_found: Some(count(found.len())),
        notified_by_email: Some(tally.email),
        notified_by_sms: Some(tally.sms),
        already_notified: Some(tally.already),
        failed: Some(tally.failed),
        result: None,
        message: None,
    })
}

/// The case id and the ill person as reported: a СНИЛС, a phone, or both (at least one).
pub fn reported(input: &CaseReportRequest) -> Result<(String, Person), Invalid> {
    let case_id = fields::case_id(&input.case_id)?;
    let mut person = Person::default();
    if let Some(snils) = fields::given(&input.snils) {
        person.snils.insert(fields::snils(&snils)?);
    }
    if let Some(phone) = fields::given(&input.phone) {
        person.phones.insert(fields::mobile_field("Phone", &phone)?);
    }
    if person.snils.is_empty() && person.phones.is_empty() {
        return Err(Invalid::field(
            "Snils, Phone",
            "Укажите СНИЛС или номер телефона заболевшего",
        ));
    }
    Ok((case_id, person))
}

/// The ill person's admitted visits within `keep_visits`, learning the identifiers they show.
fn ill_visits(person: &mut Person, now: u64, settings: &Settings) -> Result<Vec<Seen>, Failure> {
    let lookback = now.saturating_sub(ms(settings.keep_visits))..now + 1;
    let mut asked = BTreeSet::new();
    let mut found = Vec::new();
    for _ in 0..ROUNDS {
        let tags: Vec<String> = person
            .snils
            .iter()
            .map(|s| snils_tag(s))
            .chain(person.phones.iter().map(|p| phone_tag(p)))
            .filter(|tag| !asked.contains(tag))
            .collect();
        for tag in tags {
            let items = repo::query_all(VISITS, &tag, lookback.clone())?;
            found.extend(items.iter().filter_map(readable));
            asked.insert(tag);
        }
        found = contacts::admitted(found);
        let mut learnt = false;
        for seen in &found {
            learnt |= person.learn(&seen.visit);
        }
        if !learnt {
            break;
        }
    }
    Ok(found)
}

/// A stored visit, or `None` (logged) for one that does not read.
fn readable(item: &gateway_plugin_sdk::host::store::Item) -> Option<Seen> {
    Seen::from_item(item)
        .inspect_err(|e| host::log::warn(&format!("a visit record does not read: {e}")))
        .ok()
}

/// The names of the participants the contacts visited.
fn organisation_names(found: &[Contact]) -> Result<BTreeMap<String, String>, Failure> {
    let codes: BTreeSet<&str> = found
        .iter()
        .flat_map(|contact| contact.visits.iter().map(|(code, _)| code.as_str()))
        .collect();
    let mut names = BTreeMap::new();
    for code in codes {
        let name = repo::participant(code)?.map_or_else(|| "организация".to_owned(), |p| p.name);
        names.insert(code.to_owned(), name);
    }
    Ok(names)
}

/// What a notice to `contact` names: each visit's organisation and time.
pub fn places(contact: &Contact, names: &BTreeMap<String, String>) -> Vec<Place> {
    contact
        .visits
        .iter()
        .map(|(code, at)| Place {
            organisation: names
                .get(code)
                .cloned()
                .unwrap_or_else(|| "организация".into()),
            at: *at,
        })
        .collect()
}

/// How long a notice is claimed while it is being sent. Only a notice sent has its claim kept `keep_cases`: if
/// the report dies between the claim and the confirmation (at its deadline, say), the claim lapses and a repeated
/// report notifies the contact, rather than nobody ever doing so.
pub const PENDING_MS: u64 = 120_000;

/// The `notices` keys of `contact` for the case `case_id`: `<case>/<fingerprint>` of each of its identifiers, its
/// identity's first (the e-mail's key is made of that one). `fingerprint` is the host's.
pub fn notice_keys(
    case_id: &str,
    contact: &Contact,
    fingerprint: impl Fn(&str) -> String,
) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(contact.identifiers.len() + 1);
    for identifier in std::iter::once(&contact.identity).chain(&contact.identifiers) {
        let key = format!("{case_id}/{}", fingerprint(identifier));
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The claim of a notice about to be sent, at `now`: only where none is, lapsing after [`PENDING_MS`].
pub fn pending_claim(key: &str, now: u64) -> Put {
    Put::new(NOTICES, key)
        .at(now)
        .expires_at(now.saturating_add(PENDING_MS))
        .if_absent()
}

/// The claim of a notice sent, at `now`: kept `keep` ms, over the pending claim's `version` (0: where the
/// pending claim lapsed meanwhile).
pub fn sent_claim(key: &str, version: u64, now: u64, keep: u64) -> Put {
    Put::new(NOTICES, key)
        .at(now)
        .expires_at(now.saturating_add(keep))
        .if_version(version)
}

/// Notifies `contact` of the case, unless it was notified of it already: under any of its identifiers, by this
/// report or another (one at once included).
fn notify(
    case_id: &str,
    contact: &Contact,
    names: &BTreeMap<String, String>,
    settings: &Settings,
) -> Result<Notified, Failure> {
    let Some(channel) = contact.channel() else {
        host::log::info("case report: a contact has neither an e-mail address nor a phone");
        return Ok(Notified::Failed);
    };
    let keys = notice_keys(case_id, contact, store::fingerprint);
    for key in &keys {
        if store::get(NOTICES, key)?.is_some() {
            return Ok(Notified::Already);
        }
    }
    // Claimed under every identifier, its identity first, each only where none is: of reports at once, the
    // first to claim a shared key notifies, the other gives its claims up again.
    let now = host::ids::now_ms();
    let mut notice = Notice {
        channel: channel.name().into(),
        pending: true,
    };
    let mut claimed: Vec<(&str, u64)> = Vec::with_capacity(keys.len());
    for key in &keys {
        match store::put_json(pending_claim(key, now), &notice)? {
            PutResult::Written(version) => claimed.push((key, version)),
            PutResult::Conflict(_) => {
                release(&claimed)?;
                return Ok(Notified::Already);
            }
        }
    }
    let places = places(contact, names);
    let notified = match channel {
        Channel::Email(to) => {
            let letter = Message::new(
                to,
                NOTICE_SUBJECT,
                notice_letter(&places),
                format!("notice/{}", keys[0]),
            );
            match mail::send(letter) {
                Ok(true) => Notified::Email,
                // Queued by an earlier report whose claim lapsed: notified, and now recorded as such.
                Ok(false) => Notified::Already,
                Err(e) => {
                    host::log::warn(&format!(
                        "case report: a notice letter was not queued: {e:?}"
                    ));
                    Notified::Failed
                }
            }
        }
        Channel::Sms(phone) => {
            let sent: Result<serde_json::Value, _> = host::registry::call_json(
                &settings.sms_adapter,
                "send",
                &serde_json::json!({ "phone": phone, "text": notice_sms(&places) }),
            );
            match sent {
                Ok(_) => Notified::Sms,
                Err(e) => {
                    host::log::warn(&format!("case report: a notice SMS failed: {e}"));
                    Notified::Failed
                }
            }
        }
    };
    if notified == Notified::Failed {
        // Given up again: a repeated report tries this contact anew.
        release(&claimed)?;
        return Ok(notified);
    }
    notice.pending = false;
    let now = host::ids::now_ms();
    let keep = ms(settings.keep_cases);
    for (key, version) in claimed {
        let mut written = store::put_json(sent_claim(key, version, now, keep), &notice)?;
        if let PutResult::Conflict(None) = written {
            // The pending claim lapsed (a slow send): recorded anew, where nobody claimed it since.
            written = store::put_json(sent_claim(key, 0, now, keep), &notice)?;
        }
        if let PutResult::Conflict(_) = written {
            host::log::warn("case report: a notice's claim lapsed and was taken by another report");
        }
    }
    Ok(notified)
}

/// Gives up the claims of a notice not sent.
fn release(claimed: &[(&str, u64)]) -> Result<(), Failure> {
    for (key, _) in claimed {
        store::delete(NOTICES, key)?;
    }
    Ok(())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::messages::{INVALID_FIELD, INVALID_SNILS};

    fn request(snils: Option<&str>, phone: Option<&str>) -> CaseReportRequest {
        CaseReportRequest {
            case_id: " C-2026-0042 ".into(),
            snils: snils.map(Into::into),
            phone: phone.map(Into::into),
            confirmed_at: None,
        }
    }

    #[test]
    fn the_ill_person_is_named_by_snils_or_phone() {
        let (case_id, person) =
            reported(&request(Some("112-233-445 95"), Some("8 999 000-00-01"))).expect("valid");
        assert_eq!(case_id, "C-2026-0042");
        assert_eq!(
            person.snils.into_iter().collect::<Vec<_>>(),
            ["11223344595"]
        );
        assert_eq!(
            person.phones.into_iter().collect::<Vec<_>>(),
            ["+79990000001"]
        );
        let (_, by_phone) = reported(&request(None, Some("+79990000001"))).expect("valid");
        assert!(by_phone.snils.is_empty());
        assert_eq!(
            reported(&request(Some("112-233-445 96"), None))
                .map(|_| ())
                .map_err(|e| e.result),
            Err(INVALID_SNILS)
        );
        assert_eq!(
            reported(&request(None, Some("12345")))
                .map(|_| ())
                .map_err(|e| e.result),
            Err(INVALID_FIELD)
        );
        let neither = reported(&request(Some(" "), None)).expect_err("neither");
        assert_eq!(neither.result, INVALID_FIELD);
        let mut bad_case = request(Some("112-233-445 95"), None);
        bad_case.case_id = "a/b".into();
        assert!(reported(&bad_case).is_err());
    }

    #[test]
    fn tallies_and_places() {
        let mut tally = Tally::default();
        for notified in [
            Notified::Email,
            Notified::Sms,
            Notified::Sms,
            Notified::Already,
            Notified::Failed,
        ] {
            tally.count(notified);
        }
        assert_eq!(
            tally,
            Tally {
                email: 1,
                sms: 2,
                already: 1,
                failed: 1
            }
        );
        let contact = Contact {
            identity: "+79990000002".into(),
            identifiers: vec!["+79990000002".into()],
            email: None,
            phone: Some("+79990000002".into()),
            visits: vec![("P1".into(), 5), ("P9".into(), 6)],
        };
        let names = BTreeMap::from([("P1".to_owned(), "Театр драмы".to_owned())]);
        assert_eq!(
            places(&contact, &names),
            [
                Place {
                    organisation: "Театр драмы".into(),
                    at: 5
                },
                Place {
                    organisation: "организация".into(),
                    at: 6
                },
            ]
        );
    }

    fn contact(identity: &str, identifiers: &[&str]) -> Contact {
        Contact {
            identity: identity.into(),
            identifiers: identifiers.iter().map(|&i| i.to_owned()).collect(),
            email: None,
            phone: Some("+79990000009".into()),
            visits: vec![("P1".into(), 5)],
        }
    }

    #[test]
    fn a_notice_is_keyed_under_every_identifier_its_identity_first() {
        let fingerprint = |text: &str| format!("fp({text})");
        let both = contact("29141777694", &["29141777694", "+79990000009"]);
        assert_eq!(
            notice_keys("C-1", &both, fingerprint),
            ["C-1/fp(29141777694)", "C-1/fp(+79990000009)"]
        );
        // Another report of the case that knows the contact by the phone only shares a key with the first.
        let by_phone = contact("+79990000009", &["+79990000009"]);
        let keys = notice_keys("C-1", &by_phone, fingerprint);
        assert_eq!(keys, ["C-1/fp(+79990000009)"]);
        assert!(notice_keys("C-1", &both, fingerprint).contains(&keys[0]));
        // The identity counts even if the list lacks it, and once.
        let bare = contact("29141777694", &[]);
        assert_eq!(
            notice_keys("C-2", &bare, fingerprint),
            ["C-2/fp(29141777694)"]
        );
    }

    #[test]
    fn a_claim_is_pending_until_the_notice_went() {
        let pending = pending_claim("C-1/fp", 1_000);
        assert_eq!(
            (pending.collection.as_str(), pending.key.as_str()),
            (NOTICES, "C-1/fp")
        );
        assert_eq!(
            (pending.at, pending.expires_at, pending.if_version),
            (1_000, Some(1_000 + PENDING_MS), Some(0))
        );
        const { assert!(PENDING_MS <= 5 * 60_000, "minutes, not the case's days") };
        let keep = ms(config::example().keep_cases);
        let sent = sent_claim("C-1/fp", 1, 2_000, keep);
        assert_eq!(
            (sent.key.as_str(), sent.at, sent.expires_at, sent.if_version),
            ("C-1/fp", 2_000, Some(2_000 + keep), Some(1))
        );
        assert_eq!(sent_claim("C-1/fp", 0, 2_000, keep).if_version, Some(0));
    }
}
