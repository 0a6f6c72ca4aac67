//! The report as the seeds show it (seed 001, figure 11): the recorded values of a successful scan, numbered,
//! under a title naming the organisation, its ОГРН and the period; since Goscan checks several documents
//! (seed 002) also the document type of each scan and how many scans each type has; the e-mail's Russian
//! texts.

use crate::messages::{Column, Email, LayoutRequest, LayoutResponse};
use crate::settings::Settings;

/// The layout for `req`; an error when the request's days or identifier are malformed.
pub fn layout(req: &LayoutRequest, settings: &Settings) -> Result<LayoutResponse, String> {
    let ogrn = &req.organisation.ogrn;
    if !(ogrn.len() == 13 || ogrn.len() == 15) || !ogrn.bytes().all(|b| b.is_ascii_digit()) {
        return Err("organisation.ogrn must be 13 (ОГРН) or 15 (ОГРНИП) digits".into());
    }
    let ogrn_title = if ogrn.len() == 15 {
        "ОГРНИП"
    } else {
        "ОГРН"
    };
    let (from, to) = (
        russian_date(&req.period.from)?,
        russian_date(&req.period.to)?,
    );
    let stem = format!(
        "{}_{ogrn}_{}_{}",
        settings.file_prefix, req.period.from, req.period.to
    );
    let workbook = format!("{stem}.xlsx");
    let signature = format!("{workbook}.sig");
    let name = req.organisation.name.trim();
    let period = if from == to {
        format!("за {from}")
    } else {
        format!("за период с {from} по {to}")
    };
    let mut title = vec![
        "Отчёт о результатах сканирования QR-кодов".to_owned(),
        format!("Организация: {name}"),
        format!("{ogrn_title}: {ogrn}"),
        format!(
            "Период: {}",
            if from == to {
                from.clone()
            } else {
                format!("с {from} по {to}")
            }
        ),
        format!("Количество успешных сканирований: {}", req.fact_count),
        format!(
            "Дата и время сканирования указаны по часовому поясу {}",
            req.time_zone
        ),
    ];
    let names = settings.type_names();
    let by_type = by_type(req, &names);
    if let Some(line) = &by_type {
        title.push(line.clone());
    }
    if req.kind == "adhoc" {
        title.push("Отчёт сформирован по запросу оператора".to_owned());
    }
    let column = |header: &str, field: &str, format: Option<&str>, width: f64| Column {
        header: header.to_owned(),
        field: field.to_owned(),
        format: format.map(str::to_owned),
        width: Some(width),
    };
    let columns = vec![
        column("№", "number", Some("0"), 8.0),
        column("Идентификатор факта сканирования", "id", Some("@"), 40.0),
        column(
            &format!("{ogrn_title} организации"),
            "organisation",
            Some("@"),
            18.0,
        ),
        column("Тип документа", "documentType", Some("@"), 32.0),
        column("Дата сканирования", "date", Some("dd.mm.yyyy"), 14.0),
        column("Время сканирования", "time", Some("hh:mm:ss"), 14.0),
    ];
    let body = format!(
        "Здравствуйте!\n\n\
         Направляем отчёт о результатах сканирования QR-кодов сотрудниками организации «{name}» \
         ({ogrn_title} {ogrn}) {period}.\n\
         Количество успешных сканирований: {count}.{by_type}\n\n\
         Во вложении zip-архив {archive}: отчёт в формате Excel ({workbook}) и отсоединённая электронная \
         подпись {signed_by} ({signature}). Дата и время сканирования указаны по часовому поясу {tz}.\n\n\
         Письмо сформировано автоматически, отвечать на него не нужно.\n",
        count = req.fact_count,
        by_type = by_type.map(|l| format!("\n{l}.")).unwrap_or_default(),
        archive = format_args!("{stem}.zip"),
        signed_by = settings.signed_by,
        tz = req.time_zone,
    );
    Ok(LayoutResponse {
        workbook_file_name: workbook.clone(),
        signature_file_name: signature.clone(),
        archive_file_name: format!("{stem}.zip"),
        sheet_name: "Сканирования".to_owned(),
        title,
        columns,
        email: Email {
            subject: format!("Отчёт о сканировании QR-кодов {period}"),
            body,
        },
        document_type_names: names,
    })
}

/// «В том числе: Статус участника СВО — 10; Удостоверение многодетной семьи — 2», when the report counts any
/// type.
fn by_type(
    req: &LayoutRequest,
    names: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    if req.counts_by_type.is_empty() {
        return None;
    }
    let parts: Vec<String> = req
        .counts_by_type
        .iter()
        .map(|t| {
            let name = names.get(&t.document_type).unwrap_or(&t.document_type);
            format!("{name} — {}", t.count)
        })
        .collect();
    Some(format!("В том числе: {}", parts.join("; ")))
}

/// `2025-03-01` → `01.03.2025`.
fn russian_date(day: &str) -> Result<String, String> {
    let parts: Vec<&str> = day.split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && m.len() == 2
                && d.len() == 2
                && day.bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
        {
            Ok(format!("{d}.{m}.{y}"))
        }
        _ => Err(format!("`{day}` is not a day YYYY-MM-DD")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{Organisation, Period, TypeCount};

    fn request(from: &str, to: &str, ogrn: &str) -> LayoutRequest {
        LayoutRequest {
            organisation: Organisation {
                ogrn: ogrn.into(),
                name: "ГБУК «Театр-студия „Пример“»".into(),
            },
            period: Period {
                from: from.into(),
                to: to.into(),
            },
            time_zone: "Europe/Moscow".into(),
            fact_count: 42,
            counts_by_type: vec![
                TypeCount {
                    document_type: "large-family".into(),
                    count: 2,
                },
                TypeCount {
                    document_type: "svo-status".into(),
                    count: 40,
                },
            ],
            kind: "scheduled".into(),
        }
    }

    #[test]
    fn the_seed_columns_title_and_texts() {
        let l = layout(
            &request("2025-03-01", "2025-03-31", "1175000001010"),
            &Settings::default(),
        )
        .unwrap();
        let headers: Vec<&str> = l.columns.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(
            headers,
            [
                "№",
                "Идентификатор факта сканирования",
                "ОГРН организации",
                "Тип документа",
                "Дата сканирования",
                "Время сканирования"
            ]
        );
        let fields: Vec<&str> = l.columns.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "number",
                "id",
                "organisation",
                "documentType",
                "date",
                "time"
            ]
        );
        let summary = "В том числе: Удостоверение многодетной семьи — 2; Статус участника СВО — 40";
        assert!(l.title.iter().any(|t| t == summary), "{:?}", l.title);
        assert!(l.email.body.contains(summary), "{}", l.email.body);
        assert_eq!(l.document_type_names["digital-id"], "Цифровой ID");
        assert_eq!(
            l.workbook_file_name,
            "scan-report_1175000001010_2025-03-01_2025-03-31.xlsx"
        );
        assert_eq!(
            l.signature_file_name,
            "scan-report_1175000001010_2025-03-01_2025-03-31.xlsx.sig"
        );
        assert_eq!(
            l.archive_file_name,
            "scan-report_1175000001010_2025-03-01_2025-03-31.zip"
        );
        assert!(
            l.title
                .iter()
                .any(|t| t == "Организация: ГБУК «Театр-студия „Пример“»")
        );
        assert!(l.title.iter().any(|t| t == "ОГРН: 1175000001010"));
        assert!(
            l.title
                .iter()
                .any(|t| t == "Период: с 01.03.2025 по 31.03.2025")
        );
        assert_eq!(
            l.email.subject,
            "Отчёт о сканировании QR-кодов за период с 01.03.2025 по 31.03.2025"
        );
        assert!(
            l.email
                .body
                .contains("Количество успешных сканирований: 42.")
        );
        assert!(l.email.body.contains("подпись оператора сервиса"));
    }

    #[test]
    fn a_one_day_period_and_an_ogrnip() {
        let l = layout(
            &request("2025-03-09", "2025-03-09", "321770000000120"),
            &Settings::default(),
        )
        .unwrap();
        assert_eq!(
            l.email.subject,
            "Отчёт о сканировании QR-кодов за 09.03.2025"
        );
        assert_eq!(l.columns[2].header, "ОГРНИП организации");
        assert!(l.title.iter().any(|t| t == "ОГРНИП: 321770000000120"));
    }

    #[test]
    fn malformed_requests_are_refused() {
        let s = Settings::default();
        assert!(layout(&request("01.03.2025", "2025-03-31", "1175000001010"), &s).is_err());
        assert!(layout(&request("2025-03-01", "2025-03-31", "../etc/passwd"), &s).is_err());
        assert!(layout(&request("2025-03-01", "2025-3-31", "1175000001010"), &s).is_err());
    }
}
