//! The exchange with the gateway: `ReportLayoutRequest` in, `ReportLayoutResponse` out (JSON, field names
//! in PascalCase here, lower camelCase on the wire by the SDK's convention).

use serde::{Deserialize, Serialize};

/// The namespace of both messages.
pub const NS: &str = "urn://gateway/scan-report/1.0";

/// What the gateway tells about one report.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayoutRequest {
    /// The organisation.
    pub organisation: Organisation,
    /// The period, days `YYYY-MM-DD`, both inclusive.
    pub period: Period,
    /// The IANA time zone of the dates and times in the report.
    pub time_zone: String,
    /// How many facts the report lists.
    pub fact_count: u64,
    /// How many of them each document type has, by type.
    #[serde(default)]
    pub counts_by_type: Vec<TypeCount>,
    /// `scheduled` or `adhoc`.
    #[serde(default)]
    pub kind: String,
}

/// The facts of one document type.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TypeCount {
    /// `svo-status`, `large-family`, `digital-id`, ...
    pub document_type: String,
    /// How many.
    pub count: u64,
}

/// The organisation of a report.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Organisation {
    /// ОГРН (13 digits) or ОГРНИП (15).
    pub ogrn: String,
    /// Its name.
    pub name: String,
}

/// The period of a report.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Period {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
}

/// The layout the gateway follows.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct LayoutResponse {
    /// The workbook's file name.
    pub workbook_file_name: String,
    /// The detached signature's file name.
    pub signature_file_name: String,
    /// The zip's file name.
    pub archive_file_name: String,
    /// The worksheet's name.
    pub sheet_name: String,
    /// Lines above the table.
    pub title: Vec<String>,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The e-mail.
    pub email: Email,
    /// What the document type column shows for each type.
    pub document_type_names: std::collections::BTreeMap<String, String>,
}

/// One column.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Column {
    /// The header text.
    pub header: String,
    /// What it shows: `number`, `id`, `organisation`, `date`, `time`, ...
    pub field: String,
    /// The Excel number format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The width in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
}

/// The e-mail's texts.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Email {
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}
