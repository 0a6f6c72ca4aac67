//! Reading typed element values: identifiers, times, bounded strings.

use super::cursor::{Cursor, Element};
use super::error::DecodeError;
use crate::message_id::is_uuid_pattern;
use crate::xsd::{parse_date_time, trim_xml};

/// A `basic:UUID` element (surrounding whitespace ignored).
pub(crate) fn uuid(cursor: &mut Cursor<'_>, element: &Element<'_>) -> Result<String, DecodeError> {
    let text = cursor.read_text(element)?;
    uuid_value(element.local, &text)
}

/// Checks a `basic:UUID` value.
pub(crate) fn uuid_value(element: &str, text: &str) -> Result<String, DecodeError> {
    let value = trim_xml(text);
    if is_uuid_pattern(value) {
        Ok(value.to_owned())
    } else {
        Err(DecodeError::InvalidMessageId {
            element: element.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// An `xs:dateTime` element.
pub(crate) fn timestamp(
    cursor: &mut Cursor<'_>,
    element: &Element<'_>,
) -> Result<jiff::Timestamp, DecodeError> {
    let text = cursor.read_text(element)?;
    parse_date_time(&text).ok_or_else(|| DecodeError::BadTimestamp {
        element: element.local.to_owned(),
        value: trim_xml(&text).to_owned(),
    })
}

/// A string element of at most `max` characters (`basic:string-N`).
pub(crate) fn bounded(
    cursor: &mut Cursor<'_>,
    element: &Element<'_>,
    max: usize,
) -> Result<String, DecodeError> {
    let text = cursor.read_text(element)?;
    let len = text.chars().count();
    if len > max {
        return Err(DecodeError::InvalidValue {
            element: element.local.to_owned(),
            reason: format!("длина {len} символов больше допустимых {max}"),
        });
    }
    Ok(text)
}

/// A required attribute of `element`.
pub(crate) fn required_attr(element: &Element<'_>, name: &str) -> Result<String, DecodeError> {
    element
        .attr(name)?
        .ok_or_else(|| DecodeError::MissingAttribute {
            element: element.local.to_owned(),
            attribute: name.to_owned(),
        })
}
