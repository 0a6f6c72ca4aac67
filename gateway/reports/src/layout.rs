//! What the reporting plugin decides: the exchange with it and the checks on its answer.
//!
//! The gateway asks the plugin named in `[reports] plugin` with a `ReportLayoutRequest` (JSON, in the
//! namespace [`NAMESPACE`]) and gets a `ReportLayoutResponse`: file names, the sheet's name, title lines,
//! the columns (header, [`Field`], Excel number format, width) and the e-mail's subject and body. The host
//! trusts none of it blindly: [`Layout::parse`] refuses names that could escape a directory, sheet names
//! Excel refuses, unknown fields and oversized texts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ReportError;

/// The namespace of the layout messages.
pub const NAMESPACE: &str = "urn://gateway/scan-report/1.0";
/// The local name of the request.
pub const REQUEST: &str = "ReportLayoutRequest";
/// The local name of the answer.
pub const RESPONSE: &str = "ReportLayoutResponse";

/// Most columns in a layout.
pub const MAX_COLUMNS: usize = 64;
/// Most title lines.
pub const MAX_TITLE_LINES: usize = 16;
/// Longest text (a title line, a header, the body is longer: [`MAX_BODY`]).
pub const MAX_TEXT: usize = 1024;
/// Longest e-mail body.
pub const MAX_BODY: usize = 64 * 1024;

/// What the plugin is told about one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutRequest {
    /// The organisation the report is for.
    pub organisation: OrganisationInfo,
    /// The period it covers.
    pub period: PeriodInfo,
    /// The IANA time zone dates and times are shown in.
    pub time_zone: String,
    /// How many facts it lists.
    pub fact_count: u64,
    /// How many of them each document type has (`svo-status`, `large-family`, ...), by type name.
    pub counts_by_type: Vec<TypeCount>,
    /// `scheduled` or `adhoc`.
    pub kind: String,
    /// When it is made, RFC 3339 in the report time zone.
    pub generated_at: String,
}

/// The facts of one document type in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeCount {
    /// The document type, as facts record it.
    pub document_type: String,
    /// How many.
    pub count: u64,
}

/// Most document type names a layout may give.
pub const MAX_TYPE_NAMES: usize = 64;

/// The organisation of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationInfo {
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// Its name from its profile.
    pub name: String,
}

/// The period of a report: days `YYYY-MM-DD`, both inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodInfo {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
}

/// A value of a fact shown in a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The row's number, from 1.
    Number,
    /// The fact's id (the scan id).
    Id,
    /// The organisation's ОГРН / ОГРНИП.
    Organisation,
    /// The document type of the fact.
    DocumentType,
    /// The day the fact occurred, in the report time zone.
    Date,
    /// The time of day it occurred, in the report time zone.
    Time,
    /// Day and time together.
    DateTime,
    /// A value of the fact's attributes (`attributes.<key>`).
    Attribute(String),
}

impl Field {
    /// Parses `number`, `id`, `organisation`, `documentType`, `date`, `time`, `dateTime` or
    /// `attributes.<key>`.
    pub fn parse(text: &str) -> Option<Field> {
        Some(match text {
            "number" => Field::Number,
            "id" => Field::Id,
            "organisation" => Field::Organisation,
            "documentType" => Field::DocumentType,
            "date" => Field::Date,
            "time" => Field::Time,
            "dateTime" => Field::DateTime,
            other => {
                let key = other.strip_prefix("attributes.")?;
                if key.is_empty() {
                    return None;
                }
                Field::Attribute(key.to_owned())
            }
        })
    }

    /// The number format used when the layout gives none.
    pub fn default_format(&self) -> Option<&'static str> {
        match self {
            Field::Number => Some("0"),
            Field::Id | Field::Organisation | Field::DocumentType => Some("@"),
            Field::Date => Some("dd.mm.yyyy"),
            Field::Time => Some("hh:mm:ss"),
            Field::DateTime => Some("dd.mm.yyyy hh:mm:ss"),
            Field::Attribute(_) => None,
        }
    }
}

/// The plugin's answer as sent (checked by [`Layout::parse`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLayout {
    workbook_file_name: String,
    signature_file_name: String,
    archive_file_name: String,
    sheet_name: String,
    #[serde(default)]
    title: Vec<String>,
    columns: Vec<RawColumn>,
    email: Email,
    #[serde(default)]
    document_type_names: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawColumn {
    header: String,
    field: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    width: Option<f64>,
}

/// The e-mail's texts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// One column of the worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header cell's text.
    pub header: String,
    /// What the column shows.
    pub field: Field,
    /// The Excel number format (`dd.mm.yyyy`, `@`, ...), if any.
    pub format: Option<String>,
    /// The width in Excel character units, if set.
    pub width: Option<f64>,
}

/// A checked layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The workbook's file name (`.xlsx`).
    pub workbook_file_name: String,
    /// The detached signature's file name.
    pub signature_file_name: String,
    /// The zip's file name (`.zip`), the e-mail's attachment.
    pub archive_file_name: String,
    /// The worksheet's name.
    pub sheet_name: String,
    /// Lines above the table.
    pub title: Vec<String>,
    /// The table's columns, in order.
    pub columns: Vec<Column>,
    /// The e-mail's texts.
    pub email: Email,
    /// What the `documentType` column shows for a document type (`svo-status` → «Статус участника СВО»); a
    /// type not named shows as recorded.
    pub document_type_names: BTreeMap<String, String>,
}

impl Layout {
    /// What the `documentType` column shows for `document_type`.
    pub fn document_type_name<'a>(&'a self, document_type: &'a str) -> &'a str {
        self.document_type_names
            .get(document_type)
            .map_or(document_type, String::as_str)
    }

    /// Reads and checks the plugin's answer (JSON).
    pub fn parse(json: &[u8]) -> Result<Layout, ReportError> {
        let raw: RawLayout = serde_json::from_slice(json)
            .map_err(|e| ReportError::Layout(format!("the plugin's answer does not fit: {e}")))?;
        let bad = |what: String| Err(ReportError::Layout(what));
        check_file_name(&raw.workbook_file_name, ".xlsx")?;
        check_file_name(&raw.signature_file_name, "")?;
        check_file_name(&raw.archive_file_name, ".zip")?;
        if raw.signature_file_name == raw.workbook_file_name {
            return bad("the signature and the workbook need different names".into());
        }
        check_sheet_name(&raw.sheet_name)?;
        if raw.title.len() > MAX_TITLE_LINES {
            return bad(format!("more than {MAX_TITLE_LINES} title lines"));
        }
        for line in &raw.title {
            check_text("a title line", line, MAX_TEXT)?;
        }
        if raw.columns.is_empty() || raw.columns.len() > MAX_COLUMNS {
            return bad(format!("1 to {MAX_COLUMNS} columns are needed"));
        }
        let mut columns = Vec::with_capacity(raw.columns.len());
        for c in raw.columns {
            check_text("a column header", &c.header, MAX_TEXT)?;
            let Some(field) = Field::parse(&c.field) else {
                return bad(format!("unknown field `{}`", c.field));
            };
            if let Some(f) = &c.format {
                check_text("a number format", f, 255)?;
            }
            if let Some(w) = c.width
                && !(w > 0.0 && w <= 255.0)
            {
                return bad(format!("column width {w} is not between 0 and 255"));
            }
            columns.push(Column {
                header: c.header,
                field,
                format: c.format,
                width: c.width,
            });
        }
        check_text("the subject", &raw.email.subject, 998)?;
        if raw.email.subject.trim().is_empty() {
            return bad("the subject is empty".into());
        }
        if raw.email.body.len() > MAX_BODY || raw.email.body.contains('\0') {
            return bad("the e-mail body is too long or holds NUL".into());
        }
        if raw.document_type_names.len() > MAX_TYPE_NAMES {
            return bad(format!("more than {MAX_TYPE_NAMES} document type names"));
        }
        for (code, name) in &raw.document_type_names {
            check_text("a document type", code, MAX_TEXT)?;
            check_text("a document type name", name, MAX_TEXT)?;
        }
        Ok(Layout {
            workbook_file_name: raw.workbook_file_name,
            signature_file_name: raw.signature_file_name,
            archive_file_name: raw.archive_file_name,
            sheet_name: raw.sheet_name,
            title: raw.title,
            columns,
            email: raw.email,
            document_type_names: raw.document_type_names,
        })
    }
}

/// A plain file name: no directories, no control characters, the given suffix.
fn check_file_name(name: &str, suffix: &str) -> Result<(), ReportError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | ':'))
        && name.to_ascii_lowercase().ends_with(suffix)
        && name.len() > suffix.len();
    if ok {
        Ok(())
    } else {
        Err(ReportError::Layout(format!(
            "`{}` is not a plain file name{}",
            name.escape_debug(),
            if suffix.is_empty() {
                String::new()
            } else {
                format!(" ending in {suffix}")
            }
        )))
    }
}

/// Excel's rules: 1 to 31 characters, none of `[]:*?/\`, not starting or ending with `'`.
fn check_sheet_name(name: &str) -> Result<(), ReportError> {
    let len = name.chars().count();
    let ok = (1..=31).contains(&len)
        && !name
            .chars()
            .any(|c| c.is_control() || "[]:*?/\\".contains(c))
        && !name.starts_with('\'')
        && !name.ends_with('\'');
    if ok {
        Ok(())
    } else {
        Err(ReportError::Layout(format!(
            "`{}` is not a worksheet name Excel accepts",
            name.escape_debug()
        )))
    }
}

fn check_text(what: &str, text: &str, max: usize) -> Result<(), ReportError> {
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ReportError::Layout(format!(
            "{what} is longer than {max} characters or holds control characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn answer() -> Value {
        json!({
            "workbookFileName": "report.xlsx",
            "signatureFileName": "report.xlsx.sig",
            "archiveFileName": "report.zip",
            "sheetName": "Сканирования",
            "title": ["Отчёт", "ОГРН 1027700132195"],
            "columns": [
                {"header": "№", "field": "number", "width": 6},
                {"header": "Идентификатор", "field": "id"},
                {"header": "Дата", "field": "date", "format": "dd.mm.yyyy"},
                {"header": "Код", "field": "attributes.code"}
            ],
            "email": {"subject": "Отчёт о сканированиях", "body": "Здравствуйте!\n\nОтчёт во вложении."}
        })
    }

    fn parse(v: &Value) -> Result<Layout, ReportError> {
        Layout::parse(v.to_string().as_bytes())
    }

    #[test]
    fn a_good_answer_is_read() {
        let l = parse(&answer()).unwrap();
        assert_eq!(l.columns.len(), 4);
        assert_eq!(l.columns[0].field, Field::Number);
        assert_eq!(l.columns[0].width, Some(6.0));
        assert_eq!(l.columns[3].field, Field::Attribute("code".into()));
        assert_eq!(l.columns[2].format.as_deref(), Some("dd.mm.yyyy"));
        assert_eq!(l.title[1], "ОГРН 1027700132195");
        assert!(l.email.body.contains("вложении"));
    }

    #[test]
    fn names_that_escape_or_excel_refuses_are_refused() {
        let cases = [
            ("workbookFileName", json!("../report.xlsx")),
            ("workbookFileName", json!("report.csv")),
            ("workbookFileName", json!(".xlsx")),
            ("archiveFileName", json!("dir/report.zip")),
            ("signatureFileName", json!("report.xlsx")),
            ("signatureFileName", json!("a\u{0}b.sig")),
            ("sheetName", json!("a/b")),
            ("sheetName", json!("x".repeat(32))),
            ("sheetName", json!("")),
        ];
        for (key, value) in cases {
            let mut v = answer();
            v[key] = value.clone();
            let err = parse(&v).unwrap_err();
            assert!(
                matches!(err, ReportError::Layout(_)),
                "{key} = {value}: {err}"
            );
        }
    }

    #[test]
    fn columns_and_texts_are_checked() {
        let mut v = answer();
        v["columns"][1]["field"] = json!("password");
        assert!(parse(&v).unwrap_err().to_string().contains("unknown field"));
        let mut v = answer();
        v["columns"] = json!([]);
        assert!(parse(&v).is_err());
        let mut v = answer();
        v["columns"][0]["width"] = json!(1000);
        assert!(parse(&v).is_err());
        let mut v = answer();
        v["email"]["subject"] = json!("a\r\nBcc: x@y");
        assert!(
            parse(&v).is_err(),
            "no header injection through the subject"
        );
        let mut v = answer();
        v["email"]["subject"] = json!("  ");
        assert!(parse(&v).is_err());
        assert!(Layout::parse(b"not json").is_err());
        assert_eq!(Field::parse("attributes."), None);
    }
}
