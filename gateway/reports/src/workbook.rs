//! The workbook: facts streamed into rust_xlsxwriter's constant-memory mode, following the layout.
//!
//! Rows go to a temporary file as they are written (only the current row is held), so memory does not
//! grow with the number of facts. Dates and times are real Excel dates in the report time zone (whole
//! seconds: Excel would round a displayed time up), identifiers are text so that a 13-digit ОГРН is never
//! shown in scientific notation.
//!
//! A column's number format is set once on the column, and its cells are written without one: they show
//! the column's format all the same (the cell carries the column's style), while a cell written with a
//! `Format` makes rust_xlsxwriter hash the whole format to find its index, five times a row.

use std::path::Path;

use gateway_store::Fact;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rust_xlsxwriter::{DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use serde_json::{Map, Value};

use crate::error::ReportError;
use crate::layout::{Field, Layout};

/// The most rows of facts a worksheet holds (Excel's limit, less the title and header).
pub const MAX_FACT_ROWS: u64 = 1_048_576 - 32;

/// Unix day 0 (1970-01-01) as an Excel serial day (1900 date system).
const EXCEL_UNIX_EPOCH: i64 = 25_569;
const SECONDS_PER_DAY: i64 = 86_400;

/// How the workbook file is made.
#[derive(Debug, Clone)]
pub struct WorkbookOptions {
    /// Where rust_xlsxwriter keeps its row file while writing.
    pub temp_dir: std::path::PathBuf,
    /// Deflate level of the xlsx container, 1 (fastest) to 9.
    pub compression: u8,
}

/// Writes the workbook to `path`: the layout's title lines, an empty row, the header row, then one row
/// per fact from `batches` in order; `on_rows` is told the running count after each batch. Returns the
/// number of facts written. Blocking: run it on a blocking thread. An `Err` from `batches` stops the work
/// and is returned.
pub fn write(
    path: &Path,
    layout: &Layout,
    tz: &TimeZone,
    options: &WorkbookOptions,
    batches: impl Iterator<Item = Result<Vec<Fact>, ReportError>>,
    mut on_rows: impl FnMut(u64),
) -> Result<u64, ReportError> {
    let mut workbook = Workbook::new();
    workbook
        .set_tempdir(&options.temp_dir)
        .map_err(xlsx)?
        .set_zip_compression_level(options.compression);
    let mut props = DocProperties::new().set_author("gateway");
    if let Some(title) = layout.title.first() {
        props = props.set_title(title);
    }
    workbook.set_properties(&props);
    let formats = Formats::new(layout);
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx)?;
    sheet.set_name(&layout.sheet_name).map_err(xlsx)?;
    for (i, c) in layout.columns.iter().enumerate() {
        let col = col_num(i)?;
        if let Some(width) = c.width {
            sheet.set_column_width(col, width).map_err(xlsx)?;
        }
        if let Some(format) = &formats.columns[i] {
            sheet.set_column_format(col, format).map_err(xlsx)?;
        }
    }
    let mut row: u32 = 0;
    for line in &layout.title {
        sheet
            .write_string_with_format(row, 0, line, &formats.title)
            .map_err(xlsx)?;
        row += 1;
    }
    if !layout.title.is_empty() {
        row += 1;
    }
    for (col, c) in layout.columns.iter().enumerate() {
        sheet
            .write_string_with_format(row, col_num(col)?, &c.header, &formats.header)
            .map_err(xlsx)?;
    }
    row += 1;
    sheet.set_freeze_panes(row, 0).map_err(xlsx)?;
    let needs_attributes = layout
        .columns
        .iter()
        .any(|c| matches!(c.field, Field::Attribute(_)));
    let mut written: u64 = 0;
    for batch in batches {
        for fact in batch? {
            written += 1;
            if written > MAX_FACT_ROWS {
                return Err(ReportError::Workbook(format!(
                    "more than {MAX_FACT_ROWS} facts do not fit on one worksheet"
                )));
            }
            let attributes = needs_attributes.then(|| attributes_of(&fact));
            let cells = Cells {
                fact: &fact,
                number: written,
                tz,
                attributes: attributes.as_ref(),
            };
            cells.write(sheet, row, layout)?;
            row += 1;
        }
        on_rows(written);
    }
    workbook.save(path).map_err(xlsx)?;
    Ok(written)
}

fn xlsx(e: rust_xlsxwriter::XlsxError) -> ReportError {
    ReportError::Workbook(e.to_string())
}

fn col_num(col: usize) -> Result<u16, ReportError> {
    u16::try_from(col).map_err(|_| ReportError::Workbook("too many columns".into()))
}

/// The formats of the title, the header and each column (`None`: General).
struct Formats {
    title: Format,
    header: Format,
    columns: Vec<Option<Format>>,
}

impl Formats {
    fn new(layout: &Layout) -> Formats {
        let columns = layout
            .columns
            .iter()
            .map(|c| {
                c.format
                    .as_deref()
                    .or(c.field.default_format())
                    .map(|f| Format::new().set_num_format(f))
            })
            .collect();
        Formats {
            title: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin),
            columns,
        }
    }
}

/// The attributes of a fact as a JSON object (empty when they are not one).
fn attributes_of(fact: &Fact) -> Map<String, Value> {
    serde_json::from_str(&fact.attributes).unwrap_or_default()
}

/// One fact's row.
struct Cells<'a> {
    fact: &'a Fact,
    number: u64,
    tz: &'a TimeZone,
    attributes: Option<&'a Map<String, Value>>,
}

impl Cells<'_> {
    /// Writes the row's cells without a format: each shows its column's.
    fn write(&self, sheet: &mut Worksheet, row: u32, layout: &Layout) -> Result<(), ReportError> {
        let local = local_seconds(self.fact.occurred_at, self.tz)?;
        let day = (EXCEL_UNIX_EPOCH + local.div_euclid(SECONDS_PER_DAY)) as f64;
        let time = local.rem_euclid(SECONDS_PER_DAY) as f64 / SECONDS_PER_DAY as f64;
        for (i, c) in layout.columns.iter().enumerate() {
            let col = col_num(i)?;
            let done = match &c.field {
                Field::Number => sheet.write_number(row, col, self.number as f64),
                Field::Id => sheet.write_string(row, col, &self.fact.id),
                Field::Organisation => sheet.write_string(row, col, &self.fact.organisation),
                Field::DocumentType => sheet.write_string(
                    row,
                    col,
                    layout.document_type_name(&self.fact.document_type),
                ),
                Field::Date => sheet.write_number(row, col, day),
                Field::Time => sheet.write_number(row, col, time),
                Field::DateTime => sheet.write_number(row, col, day + time),
                Field::Attribute(key) => match self.attributes.and_then(|a| a.get(key)) {
                    None | Some(Value::Null) => continue,
                    Some(Value::String(s)) => sheet.write_string(row, col, s),
                    Some(Value::Number(n)) => match n.as_f64() {
                        Some(x) => sheet.write_number(row, col, x),
                        None => sheet.write_string(row, col, n.to_string()),
                    },
                    Some(Value::Bool(b)) => sheet.write_boolean(row, col, *b),
                    Some(other) => sheet.write_string(row, col, other.to_string()),
                },
            };
            done.map_err(xlsx)?;
        }
        Ok(())
    }
}

/// Whole seconds since 1970-01-01T00:00 of the local clock in `tz` at unix ms `ms`.
fn local_seconds(ms: i64, tz: &TimeZone) -> Result<i64, ReportError> {
    let at = Timestamp::from_millisecond(ms)
        .map_err(|e| ReportError::Workbook(format!("fact time {ms}: {e}")))?;
    Ok(ms.div_euclid(1000) + i64::from(tz.to_offset(at).seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;
    use crate::period::time_zone;

    fn layout() -> Layout {
        let json = serde_json::json!({
            "workbookFileName": "r.xlsx", "signatureFileName": "r.xlsx.sig", "archiveFileName": "r.zip",
            "sheetName": "Сканирования", "title": ["Отчёт"],
            "columns": [
                {"header": "№", "field": "number"}, {"header": "Id", "field": "id"},
                {"header": "ОГРН", "field": "organisation"}, {"header": "Дата", "field": "date"},
                {"header": "Время", "field": "time"}, {"header": "Место", "field": "attributes.place"}
            ],
            "email": {"subject": "s", "body": "b"}
        });
        Layout::parse(json.to_string().as_bytes()).unwrap()
    }

    fn fact(i: i64, at: i64) -> Fact {
        Fact {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            kind: "scan".into(),
            organisation: "1027700132195".into(),
            document_type: "svo".into(),
            occurred_at: at,
            attributes: format!(r#"{{"place": "зал {i}"}}"#),
            recorded_at: at,
        }
    }

    /// A work directory, Moscow time and the options of a workbook written there.
    fn setup() -> (tempfile::TempDir, TimeZone, WorkbookOptions) {
        let dir = tempfile::tempdir().unwrap();
        let opts = WorkbookOptions {
            temp_dir: dir.path().to_path_buf(),
            compression: 3,
        };
        (dir, time_zone("Europe/Moscow").unwrap(), opts)
    }

    #[test]
    fn moscow_local_time_is_utc_plus_three() {
        let tz = time_zone("Europe/Moscow").unwrap();
        // 2025-03-01T21:30:15.900Z is 2025-03-02T00:30:15 in Moscow.
        let ms = "2025-03-01T21:30:15.900Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_millisecond();
        let local = local_seconds(ms, &tz).unwrap();
        assert_eq!(local.rem_euclid(SECONDS_PER_DAY), 30 * 60 + 15);
        // Excel serial of 2025-03-02 is 45718.
        assert_eq!(EXCEL_UNIX_EPOCH + local.div_euclid(SECONDS_PER_DAY), 45_718);
    }

    #[test]
    fn rows_are_written_in_batches_and_counted() {
        let (dir, tz, opts) = setup();
        let path = dir.path().join("r.xlsx");
        let batches = (0..3).map(|b| {
            Ok((0..100)
                .map(|i| fact(b * 100 + i, 1_740_000_000_000 + i))
                .collect())
        });
        let mut seen = Vec::new();
        let n = write(&path, &layout(), &tz, &opts, batches, |n| seen.push(n)).unwrap();
        assert_eq!(n, 300);
        assert_eq!(seen, [100, 200, 300]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
    }

    /// The attributes of each `name` element of `xml`, in document order.
    fn elements(xml: &str, name: &str) -> Vec<std::collections::HashMap<String, String>> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut found = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) if e.name().into_inner() == name => {
                    let attrs = e.attributes().map(|a| {
                        let a = a.unwrap();
                        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0);
                        let key = a.key.into_inner().to_owned();
                        (key, value.unwrap().into_owned())
                    });
                    found.push(attrs.collect());
                }
                Event::Eof => return found,
                _ => {}
            }
        }
    }

    fn part(xlsx: &Path, name: &str) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn each_cell_shows_its_columns_number_format() {
        let (dir, tz, opts) = setup();
        let path = dir.path().join("r.xlsx");
        let json = serde_json::json!({
            "workbookFileName": "r.xlsx", "signatureFileName": "r.xlsx.sig", "archiveFileName": "r.zip",
            "sheetName": "Сканирования", "title": ["Отчёт"],
            "columns": [
                {"header": "№", "field": "number", "format": "0", "width": 8},
                {"header": "Id", "field": "id", "format": "@"},
                {"header": "Дата", "field": "date", "format": "dd.mm.yyyy", "width": 14},
                {"header": "Время", "field": "time"},
                {"header": "Место", "field": "attributes.place"}
            ],
            "email": {"subject": "s", "body": "b"}
        });
        let layout = Layout::parse(json.to_string().as_bytes()).unwrap();
        let batches = std::iter::once(Ok(vec![fact(1, 1_740_000_000_000), fact(2, 0)]));
        write(&path, &layout, &tz, &opts, batches, |_| {}).unwrap();

        let styles = part(&path, "xl/styles.xml");
        let mut codes: std::collections::HashMap<String, String> =
            [("0", "General"), ("1", "0"), ("49", "@")]
                .map(|(id, code)| (id.to_owned(), code.to_owned()))
                .into();
        for f in elements(&styles, "numFmt") {
            codes.insert(f["numFmtId"].clone(), f["formatCode"].clone());
        }
        let cell_xfs = styles.split("<cellXfs").nth(1).unwrap();
        let xfs = elements(cell_xfs.split("</cellXfs>").next().unwrap(), "xf");
        let shown = |cell: &std::collections::HashMap<String, String>| {
            let style: usize = cell.get("s").map_or(0, |s| s.parse().unwrap());
            codes[&xfs[style]["numFmtId"]].clone()
        };
        let sheet = part(&path, "xl/worksheets/sheet1.xml");
        let cells = elements(&sheet, "c");
        // The title (A1), the header (A3:E3), then two rows of five cells.
        assert_eq!(cells.len(), 1 + 5 + 2 * 5, "{sheet}");
        for row in cells[6..].chunks(5) {
            let formats: Vec<String> = row.iter().map(shown).collect();
            // The time column's default format, and General for an attribute.
            assert_eq!(
                formats,
                ["0", "@", "dd.mm.yyyy", "hh:mm:ss", "General"],
                "{sheet}"
            );
        }
        let header = &xfs[cells[1].get("s").unwrap().parse::<usize>().unwrap()];
        assert_eq!(header.get("applyBorder").map(String::as_str), Some("1"));
    }

    #[test]
    fn a_failing_source_stops_the_workbook() {
        let (dir, tz, opts) = setup();
        let path = dir.path().join("r.xlsx");
        let batches = vec![Ok(vec![fact(1, 0)]), Err(ReportError::Cancelled)].into_iter();
        let err = write(&path, &layout(), &tz, &opts, batches, |_| {}).unwrap_err();
        assert!(matches!(err, ReportError::Cancelled));
        assert!(!path.exists());
    }
}
