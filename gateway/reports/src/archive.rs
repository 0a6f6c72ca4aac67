//! The zip archive sent to the organisation: the workbook and its detached signature, both stored
//! as they are (an xlsx is a zip already: deflating it again costs time and saves nothing).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use jiff::civil::DateTime;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::ReportError;

/// Writes `out`: the workbook file `workbook` under the name `workbook_name`, then `signature` under
/// `signature_name`, both stored, dated `modified` (local time; the zip format has no zone). Returns the
/// archive's size. Blocking.
pub fn write(
    out: &Path,
    workbook_name: &str,
    workbook: &Path,
    signature_name: &str,
    signature: &[u8],
    modified: DateTime,
) -> Result<u64, ReportError> {
    let bad = |e: &dyn std::fmt::Display| ReportError::Archive(e.to_string());
    let file =
        File::create(out).map_err(|e| ReportError::io(format!("creating {}", out.display()), e))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(zip_time(modified))
        .unix_permissions(0o644);
    let mut source = File::open(workbook)
        .map_err(|e| ReportError::io(format!("opening {}", workbook.display()), e))?;
    let size = source
        .metadata()
        .map_err(|e| ReportError::io("workbook size", e))?
        .len();
    zip.start_file(
        workbook_name,
        options.large_file(size >= u64::from(u32::MAX)),
    )
    .map_err(|e| bad(&e))?;
    std::io::copy(&mut source, &mut zip).map_err(|e| ReportError::io("copying the workbook", e))?;
    zip.start_file(signature_name, options)
        .map_err(|e| bad(&e))?;
    zip.write_all(signature)
        .map_err(|e| ReportError::io("writing the signature", e))?;
    let mut inner = zip.finish().map_err(|e| bad(&e))?;
    inner
        .flush()
        .map_err(|e| ReportError::io("writing the archive", e))?;
    // A work file, sent at once and then deleted: no fsync.
    let file = inner
        .into_inner()
        .map_err(|e| ReportError::io("writing the archive", e.into_error()))?;
    Ok(file
        .metadata()
        .map_err(|e| ReportError::io("archive size", e))?
        .len())
}

/// `at` as a zip (DOS) time; outside 1980–2107 the zip format's earliest time.
fn zip_time(at: DateTime) -> zip::DateTime {
    let part = |v: i8| u8::try_from(v).unwrap_or(0);
    u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                part(at.month()),
                part(at.day()),
                part(at.hour()),
                part(at.minute()),
                part(at.second()),
            )
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn both_files_are_stored_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let workbook = dir.path().join("w.xlsx");
        let content: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        std::fs::write(&workbook, &content).unwrap();
        let out = dir.path().join("r.zip");
        let at = "2025-03-02T10:20:30".parse().unwrap();
        let size = write(&out, "отчёт.xlsx", &workbook, "отчёт.xlsx.sig", b"SIG", at).unwrap();
        assert_eq!(size, std::fs::metadata(&out).unwrap().len());
        let mut zip = zip::ZipArchive::new(File::open(&out).unwrap()).unwrap();
        assert_eq!(zip.len(), 2);
        let mut first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "отчёт.xlsx");
        assert_eq!(first.compression(), CompressionMethod::Stored);
        assert_eq!(first.compressed_size(), content.len() as u64);
        let modified = first.last_modified().unwrap();
        assert_eq!(
            (modified.year(), modified.hour(), modified.minute()),
            (2025, 10, 20)
        );
        let mut read = Vec::new();
        first.read_to_end(&mut read).unwrap();
        assert_eq!(read, content);
        drop(first);
        let mut sig = zip.by_name("отчёт.xlsx.sig").unwrap();
        assert_eq!(sig.compression(), CompressionMethod::Stored);
        let mut read = Vec::new();
        sig.read_to_end(&mut read).unwrap();
        assert_eq!(read, b"SIG");
    }
}
