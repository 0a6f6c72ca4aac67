//! Contact tracing as pure functions over visits: which stretches of time at which participants to look at
//! ([`windows`]), and who was there ([`contacts`]).
//!
//! A visit of another visitor to the same participant is a contact of an ill visitor's visit at `t` when its
//! time lies in `[t - before, t + after]`. Only admitted visits count. A visit is the ill person's own when its
//! СНИЛС or phone is one of theirs. Contacts are grouped by person: by СНИЛС, a visit known only by phone joining
//! the СНИЛС whose visits show that phone, else by phone; a contact keeps every СНИЛС and phone its visits show.
//! A contact is written to by e-mail if any of their visits has an address, else by SMS to their phone.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use gateway_plugin_sdk::host::store::{Item, StoreError};

use crate::records::{Decision, Visit};

/// A stored visit: its key, its time and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub key: String,
    /// Unix ms.
    pub at: u64,
    pub visit: Visit,
}

impl Seen {
    /// A visit as the store returned it.
    pub fn from_item(item: &Item) -> Result<Seen, StoreError> {
        Ok(Seen {
            key: item.key.clone(),
            at: item.at,
            visit: item.json()?,
        })
    }

    fn admitted(&self) -> bool {
        self.visit.decision == Decision::Admit
    }
}

/// What identifies the ill person: every СНИЛС and phone known to be theirs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub snils: BTreeSet<String>,
    pub phones: BTreeSet<String>,
}

impl Person {
    /// Whether `visit` is this person's own.
    pub fn owns(&self, visit: &Visit) -> bool {
        visit.snils.as_ref().is_some_and(|s| self.snils.contains(s))
            || visit
                .phone
                .as_ref()
                .is_some_and(|p| self.phones.contains(p))
    }

    /// Learns the identifiers one of this person's visits shows; whether any was new.
    pub fn learn(&mut self, visit: &Visit) -> bool {
        let snils = visit
            .snils
            .as_ref()
            .is_some_and(|s| self.snils.insert(s.clone()));
        let phone = visit
            .phone
            .as_ref()
            .is_some_and(|p| self.phones.insert(p.clone()));
        snils || phone
    }
}

/// The admitted visits among `visits`, each once (by key), oldest first.
pub fn admitted(visits: impl IntoIterator<Item = Seen>) -> Vec<Seen> {
    let by_key: BTreeMap<String, Seen> = visits
        .into_iter()
        .filter(Seen::admitted)
        .map(|seen| (seen.key.clone(), seen))
        .collect();
    let mut visits: Vec<Seen> = by_key.into_values().collect();
    visits.sort_by_key(|seen| seen.at);
    visits
}

/// The stretches of time to look at, per participant: `[t - before, t + after + 1)` around each of the ill
/// person's visits, overlapping ones merged.
pub fn windows(ill: &[Seen], before: u64, after: u64) -> Vec<(String, Range<u64>)> {
    let mut by_participant: BTreeMap<&str, Vec<Range<u64>>> = BTreeMap::new();
    for seen in ill {
        by_participant
            .entry(&seen.visit.participant)
            .or_default()
            .push(seen.at.saturating_sub(before)..seen.at.saturating_add(after).saturating_add(1));
    }
    let mut windows = Vec::new();
    for (participant, mut ranges) in by_participant {
        ranges.sort_by_key(|range| range.start);
        let mut merged: Vec<Range<u64>> = Vec::new();
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        windows.extend(
            merged
                .into_iter()
                .map(|range| (participant.to_owned(), range)),
        );
    }
    windows
}

/// A person who may have met the ill person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Their СНИЛС, or their phone when no visit shows a СНИЛС: what a notice's key is made of.
    pub identity: String,
    /// Every identifier they show: `identity` first, then each other СНИЛС and phone of their visits. Another
    /// report of the case may see fewer of their visits and so another identity: their notice is claimed under
    /// each of these, so that it finds it under whichever it sees.
    pub identifiers: Vec<String>,
    /// Where to write: an address from any of their visits.
    pub email: Option<String>,
    /// Where to send an SMS when no address is known.
    pub phone: Option<String>,
    /// Their visits in a window: participant and time, oldest first.
    pub visits: Vec<(String, u64)>,
}

/// How a contact is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel<'a> {
    /// A letter to this address.
    Email(&'a str),
    /// An SMS to this phone.
    Sms(&'a str),
}

impl Channel<'_> {
    /// `email` or `sms`.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email(_) => "email",
            Channel::Sms(_) => "sms",
        }
    }
}

impl Contact {
    /// By e-mail where an address is known, else by SMS; `None` when neither is known.
    pub fn channel(&self) -> Option<Channel<'_>> {
        match (&self.email, &self.phone) {
            (Some(email), _) => Some(Channel::Email(email)),
            (None, Some(phone)) => Some(Channel::Sms(phone)),
            (None, None) => None,
        }
    }
}

/// The contacts among `nearby` visits of the ill person's visits `ill` (see the module docs).
pub fn contacts(
    person: &Person,
    ill: &[Seen],
    nearby: &[Seen],
    before: u64,
    after: u64,
) -> Vec<Contact> {
    let near = |seen: &Seen| {
        ill.iter().any(|own| {
            own.visit.participant == seen.visit.participant
                && own.at.saturating_sub(before) <= seen.at
                && seen.at <= own.at.saturating_add(after)
        })
    };
    let found: Vec<Seen> = admitted(nearby.iter().cloned())
        .into_iter()
        .filter(|seen| !person.owns(&seen.visit) && near(seen))
        .collect();
    // A phone seen beside a СНИЛС belongs to that СНИЛС's person.
    let phone_owner: BTreeMap<&str, &str> = found
        .iter()
        .filter_map(|seen| Some((seen.visit.phone.as_deref()?, seen.visit.snils.as_deref()?)))
        .collect();
    let mut by_identity: BTreeMap<String, Contact> = BTreeMap::new();
    for seen in &found {
        let visit = &seen.visit;
        let identity = match (&visit.snils, &visit.phone) {
            (Some(snils), _) => snils.clone(),
            (None, Some(phone)) => phone_owner
                .get(phone.as_str())
                .map_or_else(|| phone.clone(), |snils| (*snils).to_owned()),
            (None, None) => continue,
        };
        let contact = by_identity
            .entry(identity.clone())
            .or_insert_with(|| Contact {
                identifiers: vec![identity.clone()],
                identity,
                email: None,
                phone: None,
                visits: Vec::new(),
            });
        contact.email = contact.email.take().or_else(|| visit.email.clone());
        contact.phone = contact.phone.take().or_else(|| visit.phone.clone());
        for shown in [&visit.snils, &visit.phone].into_iter().flatten() {
            if !contact.identifiers.contains(shown) {
                contact.identifiers.push(shown.clone());
            }
        }
        let place = (visit.participant.clone(), seen.at);
        if !contact.visits.contains(&place) {
            contact.visits.push(place);
        }
    }
    by_identity.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Via;

    const H: u64 = 3_600_000;

    fn seen(
        key: &str,
        participant: &str,
        at: u64,
        snils: Option<&str>,
        phone: Option<&str>,
    ) -> Seen {
        Seen {
            key: key.into(),
            at,
            visit: Visit {
                participant: participant.into(),
                snils: snils.map(Into::into),
                phone: phone.map(Into::into),
                email: None,
                via: if snils.is_some() { Via::Qr } else { Via::Sms },
                decision: Decision::Admit,
            },
        }
    }

    fn ill_person() -> Person {
        Person {
            snils: ["11223344595".to_owned()].into(),
            phones: BTreeSet::new(),
        }
    }

    #[test]
    fn windows_surround_each_visit_and_merge() {
        let ill = [
            seen("a", "P1", 10 * H, Some("11223344595"), None),
            seen("b", "P1", 13 * H, Some("11223344595"), None),
            seen("c", "P1", 20 * H, Some("11223344595"), None),
            seen("d", "P2", 10 * H, Some("11223344595"), None),
        ];
        assert_eq!(
            windows(&ill, 2 * H, 2 * H),
            [
                ("P1".to_owned(), 8 * H..15 * H + 1),
                ("P1".to_owned(), 18 * H..22 * H + 1),
                ("P2".to_owned(), 8 * H..12 * H + 1),
            ]
        );
        assert_eq!(
            windows(&ill[..1], 20 * H, 0),
            [("P1".to_owned(), 0..10 * H + 1)],
            "from the epoch on"
        );
    }

    #[test]
    fn contacts_are_other_admitted_visitors_within_the_window() {
        let ill = [seen(
            "own",
            "P1",
            10 * H,
            Some("11223344595"),
            Some("+79990000001"),
        )];
        let mut refused = seen("refused", "P1", 10 * H, Some("29141777694"), None);
        refused.visit.decision = Decision::Refuse;
        let nearby = [
            ill[0].clone(),
            seen("sms-own", "P1", 10 * H, None, Some("+79990000001")),
            seen("early", "P1", 8 * H, Some("31706690771"), None),
            seen("too-early", "P1", 8 * H - 1, Some("43915000861"), None),
            seen("late", "P1", 12 * H, None, Some("+79990000002")),
            seen("too-late", "P1", 12 * H + 1, None, Some("+79990000003")),
            seen("elsewhere", "P2", 10 * H, Some("06360837766"), None),
            refused,
        ];
        let mut person = ill_person();
        assert!(person.learn(&ill[0].visit), "the phone is learnt");
        assert!(!person.learn(&ill[0].visit));
        let found = contacts(&person, &ill, &nearby, 2 * H, 2 * H);
        let identities: Vec<&str> = found.iter().map(|c| c.identity.as_str()).collect();
        assert_eq!(identities, ["+79990000002", "31706690771"]);
        assert_eq!(found[0].visits, [("P1".to_owned(), 12 * H)]);
        assert_eq!(found[0].identifiers, ["+79990000002"]);
        assert_eq!(found[1].identifiers, ["31706690771"]);
        assert_eq!(found[0].channel(), Some(Channel::Sms("+79990000002")));
        assert_eq!(
            found[1].channel(),
            None,
            "a QR visit without phone or e-mail"
        );
    }

    #[test]
    fn a_person_is_notified_once_with_the_best_channel() {
        let ill = [
            seen("own-1", "P1", 10 * H, Some("11223344595"), None),
            seen("own-2", "P2", 30 * H, Some("11223344595"), None),
        ];
        let mut with_email = seen(
            "q-2",
            "P2",
            30 * H + 60_000,
            Some("29141777694"),
            Some("+79990000009"),
        );
        with_email.visit.email = Some("ivan@example.ru".into());
        let nearby = [
            seen("q-1", "P1", 10 * H, Some("29141777694"), None),
            seen("q-1", "P1", 10 * H, Some("29141777694"), None),
            with_email,
            seen("s-1", "P1", 11 * H, None, Some("+79990000009")),
        ];
        let found = contacts(&ill_person(), &ill, &nearby, 2 * H, 2 * H);
        assert_eq!(found.len(), 1, "{found:?}");
        let contact = &found[0];
        assert_eq!(contact.identity, "29141777694");
        assert_eq!(
            contact.identifiers,
            ["29141777694", "+79990000009"],
            "the phone they showed too"
        );
        assert_eq!(contact.channel(), Some(Channel::Email("ivan@example.ru")));
        assert_eq!(
            contact.visits,
            [
                ("P1".to_owned(), 10 * H),
                ("P1".to_owned(), 11 * H),
                ("P2".to_owned(), 30 * H + 60_000)
            ]
        );
    }

    #[test]
    fn a_contact_keeps_every_identifier_it_shows() {
        let ill = [seen("own", "P1", 10 * H, Some("11223344595"), None)];
        // Seen by phone only (an SMS code), then with a СНИЛС and another phone (a QR code with a phone).
        let nearby = [
            seen("s-1", "P1", 10 * H, None, Some("+79990000009")),
            seen(
                "q-1",
                "P1",
                11 * H,
                Some("29141777694"),
                Some("+79990000009"),
            ),
            seen(
                "q-2",
                "P1",
                11 * H + 1,
                Some("29141777694"),
                Some("+79990000010"),
            ),
        ];
        let found = contacts(&ill_person(), &ill, &nearby, 2 * H, 2 * H);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].identity, "29141777694");
        assert_eq!(
            found[0].identifiers,
            ["29141777694", "+79990000009", "+79990000010"]
        );
        // A report that sees only the SMS visit knows them by the phone, one of those identifiers.
        let fewer = contacts(&ill_person(), &ill, &nearby[..1], 2 * H, 2 * H);
        assert_eq!(fewer[0].identifiers, ["+79990000009"]);
    }

    #[test]
    fn admitted_visits_are_deduplicated_by_key() {
        let mut refused = seen("r", "P1", 1, Some("11223344595"), None);
        refused.visit.decision = Decision::Refuse;
        let visits = admitted([
            seen("b", "P1", 5, Some("11223344595"), None),
            seen("a", "P1", 9, Some("11223344595"), None),
            seen("b", "P1", 5, Some("11223344595"), None),
            refused,
        ]);
        assert_eq!(
            visits.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
    }
}
