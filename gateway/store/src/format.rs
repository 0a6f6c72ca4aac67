//! The encoding of an envelope or an answer, as requests and queued answers record it.

use crate::store::text_code;

text_code! {
    /// The encoding of an envelope or an answer.
    pub enum Format {
        /// SOAP (SMEV 3).
        Xml => "xml",
        /// The JSON API.
        Json => "json",
    }
}
