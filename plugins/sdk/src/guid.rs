//! GUIDs (UUIDs) as written in requests and links: the hyphenated 36-character form
//! `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hexadecimal digits of either case. Token ids
//! ([`host::ids::uuid`](crate::host::ids::uuid), [`host::tokens`](crate::host::tokens)) and the numbers of
//! powers of attorney have this form; the canonical one is in lower case, so two spellings of the same GUID
//! compare equal after [`normalize`].
//!
//! No other form is accepted: not the 32 digits without hyphens, not braces (`{…}`), not `urn:uuid:`, not
//! white space (trim first where a person types it). The version and variant digits are not checked.
//!
//! ```
//! use gateway_plugin_sdk::guid;
//!
//! assert_eq!(
//!     guid::normalize("3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60").as_deref(),
//!     Some("3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60"),
//! );
//! assert!(!guid::is_guid("3f2b8c1e7a4d4e2b9c3a1b2c3d4e5f60"));
//! ```

/// The byte offsets of the hyphens.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

/// Whether `text` is a GUID in its hyphenated 36-character form (hexadecimal digits of either case).
pub fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| {
            if HYPHENS.contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// `text` in lower case if it [is a GUID](is_guid): the canonical form, as token ids are.
pub fn normalize(text: &str) -> Option<String> {
    is_guid(text).then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";

    #[test]
    fn the_hyphenated_form_in_either_case() {
        assert!(is_guid(GUID));
        assert!(is_guid(&GUID.to_uppercase()));
        assert_eq!(normalize(GUID).as_deref(), Some(GUID));
        assert_eq!(normalize(&GUID.to_uppercase()).as_deref(), Some(GUID));
        assert_eq!(
            normalize("3F2b8C1E-7a4D-4E2B-9c3A-1B2C3D4E5F60").as_deref(),
            Some(GUID)
        );
    }

    #[test]
    fn other_forms_are_refused() {
        for bad in [
            "3f2b8c1e7a4d4e2b9c3a1b2c3d4e5f60",
            "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f6g",
            "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f6",
            "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f600",
            "3f2b8c1e-7a4d-4e2b-9c3a1-b2c3d4e5f60",
            "3f2b8c1e_7a4d_4e2b_9c3a_1b2c3d4e5f60",
            "{3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f}",
            " 3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f6",
            "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5fЖ",
            "not-a-guid",
            "",
        ] {
            assert!(!is_guid(bad), "{bad}");
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
