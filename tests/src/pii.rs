//! Finding personal data anywhere in a store, for tests that prove it is gone.
//!
//! Every column of every table is read, enumerated from the database's own catalog (`pg_catalog` on
//! PostgreSQL, `sqlite_schema` and `pragma_table_info` on SQLite), so tables added later are covered without
//! a change here. Binary values (`bytea`, also behind a domain or in an array, and large objects on
//! PostgreSQL; BLOB values on SQLite, whatever the declared type) are read as bytes; every other value as its
//! text. Each value is searched for the byte forms of each sought value that a plugin or the store might
//! plausibly use: UTF-8, UTF-16, the Cyrillic single-byte code pages, JSON, XML and URL escapes, hex and
//! base64 ([`forms`]).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sqlx::Row;

use crate::db::{Backend, TestDb};

/// One sought value found in one stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The table: `schema.table` on PostgreSQL (`pg_largeobject` for large objects), the name on SQLite.
    pub table: String,
    /// The column.
    pub column: String,
    /// Whether the stored value was read as bytes (`bytea`, a large object, a BLOB value).
    pub binary: bool,
    /// The sought value that was found.
    pub value: String,
    /// The form it was found in (see [`forms`]).
    pub form: &'static str,
    /// Some of the stored value around the match, for the failure message.
    pub excerpt: String,
}

/// The byte forms of `value` searched for, each named, without duplicates (for an ASCII value the code pages
/// and escapes equal UTF-8 and are left out). Base64 forms are the part of the encoding that the value alone
/// determines at each of the three alignments it can have in an encoded text; a form shorter than 8
/// characters is left out.
pub fn forms(value: &str) -> Vec<(&'static str, Vec<u8>)> {
    let utf8 = value.as_bytes().to_vec();
    let mut out: Vec<(&'static str, Vec<u8>)> = vec![
        ("UTF-8", utf8.clone()),
        (
            "UTF-16LE",
            value.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ),
        (
            "UTF-16BE",
            value.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ),
    ];
    for (name, table) in [
        ("windows-1251", cp1251 as fn(char) -> Option<u8>),
        ("KOI8-R", koi8_r),
        ("CP866", cp866),
    ] {
        if let Some(bytes) = value
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    Some(c as u8)
                } else {
                    table(c)
                }
            })
            .collect::<Option<Vec<u8>>>()
        {
            out.push((name, bytes));
        }
    }
    let escaped = |f: &dyn Fn(char) -> String| -> Vec<u8> {
        value
            .chars()
            .map(|c| if c.is_ascii() { c.to_string() } else { f(c) })
            .collect::<String>()
            .into_bytes()
    };
    let utf16_units = |c: char, upper: bool| -> String {
        let mut buf = [0u16; 2];
        c.encode_utf16(&mut buf)
            .iter()
            .map(|u| {
                if upper {
                    format!("\\u{u:04X}")
                } else {
                    format!("\\u{u:04x}")
                }
            })
            .collect()
    };
    out.push(("JSON \\u escapes", escaped(&|c| utf16_units(c, false))));
    out.push((
        "JSON \\u escapes (upper case)",
        escaped(&|c| utf16_units(c, true)),
    ));
    out.push((
        "XML decimal references",
        escaped(&|c| format!("&#{};", c as u32)),
    ));
    out.push((
        "XML hex references",
        escaped(&|c| format!("&#x{:x};", c as u32)),
    ));
    out.push((
        "XML hex references (upper case)",
        escaped(&|c| format!("&#x{:X};", c as u32)),
    ));
    let percent = |upper: bool| -> Vec<u8> {
        let mut s = String::new();
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                s.push(b as char);
            } else if upper {
                s.push_str(&format!("%{b:02X}"));
            } else {
                s.push_str(&format!("%{b:02x}"));
            }
        }
        s.into_bytes()
    };
    out.push(("percent-encoded UTF-8", percent(true)));
    out.push(("percent-encoded UTF-8 (lower case)", percent(false)));
    if value.contains(' ') {
        out.push((
            "form-encoded UTF-8",
            String::from_utf8(percent(true))
                .expect("ASCII")
                .replace("%20", "+")
                .into_bytes(),
        ));
    }
    out.push(("hex of UTF-8", hex::encode(&utf8).into_bytes()));
    out.push((
        "hex of UTF-8 (upper case)",
        hex::encode_upper(&utf8).into_bytes(),
    ));
    for (name, engine) in [
        ("base64 of UTF-8", &STANDARD_NO_PAD),
        ("base64url of UTF-8", &URL_SAFE_NO_PAD),
    ] {
        for skip in 0..3 {
            let from = skip.min(utf8.len());
            let whole = (utf8.len() - from) / 3 * 3;
            let encoded = engine.encode(&utf8[from..from + whole]);
            if encoded.len() >= 8 {
                out.push((name, encoded.into_bytes()));
            }
        }
    }
    let mut seen: Vec<Vec<u8>> = Vec::new();
    out.retain(|(_, bytes)| {
        if bytes.is_empty() || seen.contains(bytes) {
            false
        } else {
            seen.push(bytes.clone());
            true
        }
    });
    out
}

/// Cyrillic letters in windows-1251.
fn cp1251(c: char) -> Option<u8> {
    match c {
        'А'..='я' => Some((c as u32 - 'А' as u32 + 0xC0) as u8),
        'Ё' => Some(0xA8),
        'ё' => Some(0xB8),
        _ => None,
    }
}

/// Cyrillic letters in KOI8-R.
fn koi8_r(c: char) -> Option<u8> {
    const LOWER: &str = "юабцдефгхийклмнопярстужвьызшэщчъ";
    const UPPER: &str = "ЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ";
    match c {
        'ё' => Some(0xA3),
        'Ё' => Some(0xB3),
        _ => LOWER
            .chars()
            .position(|l| l == c)
            .map(|i| 0xC0 + i as u8)
            .or_else(|| UPPER.chars().position(|u| u == c).map(|i| 0xE0 + i as u8)),
    }
}

/// Cyrillic letters in CP866 (DOS).
fn cp866(c: char) -> Option<u8> {
    match c {
        'А'..='п' => Some((c as u32 - 'А' as u32 + 0x80) as u8),
        'р'..='я' => Some((c as u32 - 'р' as u32 + 0xE0) as u8),
        'Ё' => Some(0xF0),
        'ё' => Some(0xF1),
        _ => None,
    }
}

/// One stored value: where it is, whether it was read as bytes, and its bytes.
struct Cell {
    table: String,
    column: String,
    binary: bool,
    bytes: Vec<u8>,
}

/// Every place any of `values` is stored in `db`, in any of its [`forms`].
pub async fn find(db: &TestDb, values: &[&str]) -> Vec<Hit> {
    let cells = match db.backend() {
        Backend::Sqlite => sqlite_cells(&db.url()).await,
        Backend::Postgres => postgres_cells(&db.url()).await,
    };
    search(&cells, values)
}

fn search(cells: &[Cell], values: &[&str]) -> Vec<Hit> {
    let needles: Vec<(&str, &'static str, Vec<u8>)> = values
        .iter()
        .flat_map(|v| forms(v).into_iter().map(move |(f, b)| (*v, f, b)))
        .collect();
    let mut hits = Vec::new();
    for cell in cells {
        for (value, form, needle) in &needles {
            if let Some(at) = cell
                .bytes
                .windows(needle.len())
                .position(|w| w == needle.as_slice())
            {
                let from = at.saturating_sub(40);
                let to = (at + needle.len() + 40).min(cell.bytes.len());
                hits.push(Hit {
                    table: cell.table.clone(),
                    column: cell.column.clone(),
                    binary: cell.binary,
                    value: (*value).to_owned(),
                    form,
                    excerpt: String::from_utf8_lossy(&cell.bytes[from..to]).into_owned(),
                });
            }
        }
    }
    hits
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn sqlite_cells(url: &str) -> Vec<Cell> {
    use std::str::FromStr;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .expect("SQLite URL")
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("open SQLite");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    let mut cells = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(&pool)
                .await
                .expect("columns");
        assert!(!columns.is_empty(), "table {table} has no columns");
        for column in columns {
            let c = quoted(&column);
            // SQLite types values, not columns: a BLOB value is read as it is, anything else as its text.
            let q = format!(
                "SELECT typeof({c}) = 'blob' AS binary, \
                 CASE WHEN typeof({c}) = 'blob' THEN {c} ELSE CAST(CAST({c} AS TEXT) AS BLOB) END AS v \
                 FROM {t} WHERE {c} IS NOT NULL",
                t = quoted(&table)
            );
            for row in sqlx::query(&q)
                .fetch_all(&pool)
                .await
                .unwrap_or_else(|e| panic!("{table}.{column}: {e}"))
            {
                cells.push(Cell {
                    table: table.clone(),
                    column: column.clone(),
                    binary: row.get::<bool, _>("binary"),
                    bytes: row.get::<Vec<u8>, _>("v"),
                });
            }
        }
    }
    pool.close().await;
    cells
}

async fn postgres_cells(url: &str) -> Vec<Cell> {
    let pool = sqlx::PgPool::connect(url).await.expect("open PostgreSQL");
    // Ordinary and materialised tables of every schema but the system's (a partitioned table's rows are read
    // through its partitions). `kind` is the column's base type (through domains): `bytea`, an array of
    // `bytea`, or anything else.
    let columns = sqlx::query(
        "SELECT n.nspname::text AS s, c.relname::text AS t, a.attname::text AS col, \
                CASE WHEN base.typname = 'bytea' THEN 'bytea' \
                     WHEN base.typcategory = 'A' AND elem.typname = 'bytea' THEN 'bytea[]' \
                     ELSE 'text' END AS kind \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type ty ON ty.oid = a.atttypid \
         JOIN pg_type base ON base.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END \
         LEFT JOIN pg_type elem ON elem.oid = base.typelem \
         WHERE c.relkind IN ('r', 'm') AND a.attnum > 0 AND NOT a.attisdropped \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
         ORDER BY 1, 2, a.attnum",
    )
    .fetch_all(&pool)
    .await
    .expect("columns");
    assert!(!columns.is_empty(), "no tables in {url}");
    let mut cells = Vec::new();
    for r in columns {
        let (schema, table, column, kind): (String, String, String, String) =
            (r.get("s"), r.get("t"), r.get("col"), r.get("kind"));
        let (c, t) = (
            quoted(&column),
            format!("{}.{}", quoted(&schema), quoted(&table)),
        );
        let q = match kind.as_str() {
            "bytea" => format!("SELECT {c}::bytea AS v FROM {t} WHERE {c} IS NOT NULL"),
            "bytea[]" => {
                format!("SELECT x::bytea AS v FROM {t}, unnest({c}) AS x WHERE x IS NOT NULL")
            }
            _ => {
                format!("SELECT convert_to({c}::text, 'UTF8') AS v FROM {t} WHERE {c} IS NOT NULL")
            }
        };
        for row in sqlx::query(&q)
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{schema}.{table}.{column}: {e}"))
        {
            cells.push(Cell {
                table: format!("{schema}.{table}"),
                column: column.clone(),
                binary: kind != "text",
                bytes: row.get::<Vec<u8>, _>("v"),
            });
        }
    }
    // Large objects live in a system table, apart from the tables above.
    for row in
        sqlx::query("SELECT loid::text AS id, data FROM pg_largeobject ORDER BY loid, pageno")
            .fetch_all(&pool)
            .await
            .expect("pg_largeobject (the test connects as a superuser)")
    {
        cells.push(Cell {
            table: "pg_largeobject".into(),
            column: format!("data of {}", row.get::<String, _>("id")),
            binary: true,
            bytes: row.get::<Vec<u8>, _>("data"),
        });
    }
    pool.close().await;
    cells
}

#[cfg(test)]
mod tests;
