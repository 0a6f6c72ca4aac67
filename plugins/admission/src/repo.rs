//! Reading and rewriting the plugin's records (see `records` for what each collection holds): the few store calls
//! every request makes, so that the request modules read as their rules.

use gateway_plugin_sdk::guid;
use gateway_plugin_sdk::host::store::{self, Put, Stored};

use crate::config::Settings;
use crate::failure::Failure;
use crate::records::{APPLICATIONS, Application, PARTICIPANTS, Participant};

/// An application id as sent: a GUID in canonical (lower-case) form, or `None` (no such application).
pub fn application_id(text: &str) -> Option<String> {
    guid::normalize(text.trim())
}

/// The application `id` (canonical), unless there is none.
pub fn application(id: &str) -> Result<Option<Stored<Application>>, Failure> {
    Ok(store::get_json(APPLICATIONS, id)?)
}

/// The participant of `code` (canonical), unless there is none.
pub fn participant(code: &str) -> Result<Option<Participant>, Failure> {
    Ok(store::get_json::<Participant>(PARTICIPANTS, code)?.map(|stored| stored.value))
}

/// The participant a scanned or typed `code` names, unless it is malformed or there is none.
pub fn participant_named(code: &str) -> Result<Option<Participant>, Failure> {
    match crate::fields::participant_code(code) {
        Some(code) => participant(&code),
        None => Ok(None),
    }
}

/// A write of `key` in `collection` that replaces `stored` only if nobody changed it meanwhile, keeping its
/// instant and expiry.
pub fn rewrite<T>(collection: &str, key: &str, stored: &Stored<T>) -> Put {
    let put = Put::new(collection, key)
        .at(stored.at)
        .if_version(stored.version);
    match stored.expires_at {
        Some(at) => put.expires_at(at),
        None => put,
    }
}

/// The registration link of a participant: what its QR code holds.
pub fn link(settings: &Settings, code: &str) -> String {
    format!("{}/admission/{code}", settings.base_url())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    #[test]
    fn ids_links_and_rewrites() {
        assert_eq!(
            application_id(" 3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60 ").as_deref(),
            Some("3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60")
        );
        assert_eq!(application_id("../x"), None);
        assert_eq!(
            link(&config::example(), "7KX2M9QD"),
            "https://dopusk.example.ru/admission/7KX2M9QD"
        );
        let stored = Stored {
            value: (),
            version: 3,
            at: 10,
            expires_at: Some(20),
        };
        let put = rewrite(APPLICATIONS, "k", &stored);
        assert_eq!(
            (put.at, put.expires_at, put.if_version),
            (10, Some(20), Some(3))
        );
        let forever = Stored {
            expires_at: None,
            ..stored
        };
        assert_eq!(rewrite(PARTICIPANTS, "k", &forever).expires_at, None);
    }
}
