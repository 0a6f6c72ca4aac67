//! The payload codec: one Rust type, two wire formats.
//!
//! Both formats meet in a `serde_json::Value` tree keyed by XML element names (PascalCase):
//! - XML → tree by local names (`xml_read`); JSON → tree with the first letter of every key upper-cased
//!   (`keys`); the tree → `T` through a lenient deserializer (`lenient`) that accepts strings for numbers and
//!   booleans and a single value for a list.
//! - `T` → tree with `serde_json::to_value` (field order preserved); tree → XML (`xml_write`) or JSON with the
//!   first letter of every key lower-cased. Null fields are omitted in both.
//!
//! The convention is described in the crate documentation.

mod keys;
mod lenient;
mod xml_read;
mod xml_write;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::bindings::smev_gateway::plugin::types::{PayloadFormat, Qname};
use crate::error::CodecError;

pub use xml_read::MAX_DEPTH;

/// Decodes a payload of either format into `T` (the content of the root element).
pub fn decode<T: DeserializeOwned>(format: PayloadFormat, payload: &[u8]) -> Result<T, CodecError> {
    let tree = to_tree(format, payload)?;
    lenient::from_tree(&tree).map_err(|error| CodecError::Shape(error.to_string()))
}

/// Encodes `value` as the payload of a message of type `message_type` in `format`.
///
/// XML: the root element is `message_type`'s local name with its namespace as the default namespace.
/// JSON: an object with camelCase keys (the root's name is not part of a JSON payload).
pub fn encode<T: Serialize + ?Sized>(
    message_type: &Qname,
    value: &T,
    format: PayloadFormat,
) -> Result<Vec<u8>, CodecError> {
    let tree =
        serde_json::to_value(value).map_err(|error| CodecError::Encode(error.to_string()))?;
    match format {
        PayloadFormat::Xml => {
            xml_write::write_document(&message_type.namespace, &message_type.local_name, &tree)
        }
        PayloadFormat::Json => {
            let json = keys::to_json_keys(tree);
            serde_json::to_vec(&json).map_err(|error| CodecError::Encode(error.to_string()))
        }
    }
}

/// Reads a payload into the intermediate tree (keys in PascalCase, XML text as strings), for plugins that
/// want to look at a payload without a Rust type.
pub fn to_tree(format: PayloadFormat, payload: &[u8]) -> Result<Value, CodecError> {
    match format {
        PayloadFormat::Xml => xml_read::read_tree(payload),
        PayloadFormat::Json => {
            let value: Value =
                serde_json::from_slice(payload).map_err(|error| CodecError::Malformed {
                    format: "JSON",
                    message: error.to_string(),
                })?;
            Ok(keys::from_json_keys(value))
        }
    }
}
