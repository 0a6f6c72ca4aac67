//! SMEV message identifiers: lower-case UUIDs (`basic:UUID`), version 1 by the SMEV rules.

use std::sync::OnceLock;

use uuid::Uuid;

use crate::fault::{Fault, FaultKind};

/// Whether `s` matches the `basic:UUID` pattern
/// `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`.
pub fn is_uuid_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// Checks a message identifier: the `basic:UUID` pattern (lower-case hex, 8-4-4-4-12) and,
/// with `require_v1`, a version-1 (time-based) UUID. Failure is an `InvalidMessageIdFormat`
/// fault that says what is wrong.
///
/// # Errors
///
/// `InvalidMessageIdFormat` when the pattern or the version does not match.
pub fn check_message_id(s: &str, require_v1: bool) -> Result<Uuid, Fault> {
    let invalid = |why: &str| {
        Fault::new(
            FaultKind::InvalidMessageIdFormat,
            format!(
                "{}: {why}",
                FaultKind::InvalidMessageIdFormat.default_message()
            ),
        )
    };
    if !is_uuid_pattern(s) {
        return Err(invalid(&format!(
            "{s:?} не соответствует шаблону UUID (строчные шестнадцатеричные цифры 8-4-4-4-12)"
        )));
    }
    let uuid = Uuid::parse_str(s).map_err(|e| invalid(&e.to_string()))?;
    if require_v1 && uuid.get_version_num() != 1 {
        return Err(invalid(&format!(
            "{s} имеет версию {}, а не 1",
            uuid.get_version_num()
        )));
    }
    Ok(uuid)
}

/// A new version-1 UUID in SMEV's lower-case form. The node id is random per process (with the
/// multicast bit set, as RFC 9562 asks of random node ids); the clock sequence comes from
/// uuid's shared context, so ids are unique within the process.
pub fn new_message_id() -> String {
    Uuid::now_v1(node_id()).hyphenated().to_string()
}

fn node_id() -> &'static [u8; 6] {
    static NODE: OnceLock<[u8; 6]> = OnceLock::new();
    NODE.get_or_init(|| {
        let random = Uuid::new_v4();
        let b = random.as_bytes();
        [b[10] | 0x01, b[11], b[12], b[13], b[14], b[15]]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lower_case_uuids_of_any_version_unless_v1_is_required() {
        let v4 = "0b2fd8e3-3f7b-4b6e-9a8d-4c5e6f708192";
        assert!(check_message_id(v4, false).is_ok());
        let err = check_message_id(v4, true).unwrap_err();
        assert_eq!(err.kind, FaultKind::InvalidMessageIdFormat);
        assert!(err.message.contains("версию 4"), "{}", err.message);
        let v1 = "6f1e8e6a-4b8a-11ee-be56-0242ac120002";
        assert_eq!(check_message_id(v1, true).unwrap().get_version_num(), 1);
    }

    #[test]
    fn refuses_anything_outside_the_pattern() {
        for bad in [
            "",
            "6F1E8E6A-4B8A-11EE-BE56-0242AC120002",
            "6f1e8e6a4b8a11eebe560242ac120002",
            "{6f1e8e6a-4b8a-11ee-be56-0242ac120002}",
            "6f1e8e6a-4b8a-11ee-be56-0242ac12000g",
            "6f1e8e6a-4b8a-11ee-be56-0242ac12000",
            " 6f1e8e6a-4b8a-11ee-be56-0242ac120002",
            "6f1e8e6a-4b8a-11ee-be5-60242ac120002",
        ] {
            assert!(check_message_id(bad, false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_ids_are_distinct_version_1_uuids() {
        let a = new_message_id();
        let b = new_message_id();
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert!(is_uuid_pattern(id), "{id}");
            assert!(check_message_id(id, true).is_ok(), "{id}");
        }
    }
}
