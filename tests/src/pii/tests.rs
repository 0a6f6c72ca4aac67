//! The checker finds values planted in every kind of column, on both stores.

use super::*;
use crate::BACKENDS;

fn form<'a>(forms: &'a [(&'static str, Vec<u8>)], name: &str) -> &'a [u8] {
    &forms
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no form {name}"))
        .1
}

#[test]
fn forms_are_the_known_encodings() {
    let f = forms("Ёж");
    assert_eq!(form(&f, "UTF-8"), "Ёж".as_bytes());
    assert_eq!(form(&f, "UTF-16LE"), [0x01, 0x04, 0x36, 0x04]);
    assert_eq!(form(&f, "UTF-16BE"), [0x04, 0x01, 0x04, 0x36]);
    assert_eq!(form(&f, "windows-1251"), [0xA8, 0xE6]);
    assert_eq!(form(&f, "KOI8-R"), [0xB3, 0xD6]);
    assert_eq!(form(&f, "CP866"), [0xF0, 0xA6]);
    assert_eq!(form(&f, "JSON \\u escapes"), b"\\u0401\\u0436");
    assert_eq!(form(&f, "XML decimal references"), b"&#1025;&#1078;");
    assert_eq!(form(&f, "percent-encoded UTF-8"), b"%D0%81%D0%B6");
    assert_eq!(form(&f, "hex of UTF-8"), b"d081d0b6");
    // Every letter of the alphabet has its own byte in each code page.
    let alphabet: String = ('А'..='я').chain(['Ё', 'ё']).collect();
    for page in ["windows-1251", "KOI8-R", "CP866"] {
        let mut bytes = form(&forms(&alphabet), page).to_vec();
        assert_eq!(bytes.len(), 66, "{page}");
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), 66, "{page}");
    }
    // An ASCII value has no separate code page or escaped forms.
    let names: Vec<&str> = forms("11223344595").iter().map(|(n, _)| *n).collect();
    assert!(
        !names.contains(&"windows-1251") && !names.contains(&"JSON \\u escapes"),
        "{names:?}"
    );
}

#[test]
fn base64_forms_match_at_every_alignment() {
    for value in ["11223344595", "Образцов", "112-233-445 95"] {
        for prefix in ["", "x", "xy", "{\"snils\":\""] {
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                let text = engine.encode(format!("{prefix}{value}\"}}"));
                let cells = [Cell {
                    table: "t".into(),
                    column: "c".into(),
                    binary: false,
                    bytes: text.into_bytes(),
                }];
                let hits = search(&cells, &[value]);
                assert!(
                    hits.iter().any(|h| h.form.starts_with("base64")),
                    "{value} after {prefix:?}: {hits:?}"
                );
            }
        }
    }
    assert!(
        search(
            &[Cell {
                table: "t".into(),
                column: "c".into(),
                binary: false,
                bytes: STANDARD_NO_PAD.encode("Демонстрационный").into_bytes(),
            }],
            &["Образцов"]
        )
        .is_empty()
    );
}

/// Bytes that are not UTF-8 (a reader that decodes the column as text fails or garbles them) holding
/// `value` in windows-1251, and `snils` in UTF-16LE.
fn not_utf8(value: &str, snils: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xFE, 0x00, 0x80];
    b.extend_from_slice(form(&forms(value), "windows-1251"));
    b.push(0xC3);
    b.extend_from_slice(form(&forms(snils), "UTF-16LE"));
    b.extend_from_slice(&[0xFF, 0x00]);
    b
}

fn has(hits: &[Hit], table: &str, column: &str, value: &str, form: &str) -> bool {
    hits.iter().any(|h| {
        h.table == table && h.column == column && h.value == value && h.form == form && h.binary
    })
}

/// The checker is not vacuous: values planted in binary columns of the store's own tables and of tables it
/// was never told about, in encodings other than UTF-8 and among bytes that are not UTF-8, are found on
/// both stores; a clean store and a value that is not there give nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_planted_in_bytea_and_blob_columns_are_found() {
    const SNILS: &str = "11223344595";
    const NAME: &str = "Образцов";
    const MIDDLE: &str = "Тестович";
    for backend in BACKENDS {
        let db = TestDb::fresh(backend).await;
        let store = gateway_store::Store::connect(&db.url(), Default::default())
            .await
            .expect("store (migrations)");
        store.close().await;
        assert_eq!(
            find(&db, &[SNILS, NAME, MIDDLE]).await,
            [],
            "{backend:?}: a fresh store"
        );

        let planted = not_utf8(NAME, SNILS);
        let hidden = STANDARD_NO_PAD.encode(format!("{{\"m\":\"{MIDDLE}\"}}"));
        let pg = backend == Backend::Postgres;
        let (token_table, later_table) = if pg {
            ("public.tokens", "side.planted_later")
        } else {
            ("tokens", "planted_later")
        };
        let statements: Vec<(String, Vec<Vec<u8>>)> = if pg {
            vec![
                (
                    "INSERT INTO tokens (scope, id, data, issued_at, expires_at, tombstone_until) \
                     VALUES ('planted', '1', $1, 0, 0, 0)"
                        .into(),
                    vec![planted.clone()],
                ),
                ("CREATE SCHEMA side".into(), vec![]),
                ("CREATE DOMAIN side.blob AS bytea".into(), vec![]),
                (
                    "CREATE TABLE side.planted_later (id int, note side.blob, parts bytea[])"
                        .into(),
                    vec![],
                ),
                (
                    "INSERT INTO side.planted_later VALUES (1, $1, ARRAY[$2::bytea])".into(),
                    vec![hidden.clone().into_bytes(), planted.clone()],
                ),
                (
                    "SELECT lo_from_bytea(0, $1)".into(),
                    vec![form(&forms(MIDDLE), "KOI8-R").to_vec()],
                ),
            ]
        } else {
            vec![
                (
                    "INSERT INTO tokens (scope, id, data, issued_at, expires_at, tombstone_until) \
                     VALUES ('planted', '1', ?, 0, 0, 0)"
                        .into(),
                    vec![planted.clone()],
                ),
                // A column declared TEXT that holds a BLOB value, and a BLOB column.
                (
                    "CREATE TABLE planted_later (id INTEGER, note TEXT, parts BLOB)".into(),
                    vec![],
                ),
                (
                    "INSERT INTO planted_later VALUES (1, CAST(? AS BLOB), ?)".into(),
                    vec![hidden.clone().into_bytes(), planted.clone()],
                ),
                (
                    "INSERT INTO planted_later VALUES (2, NULL, ?)".into(),
                    vec![form(&forms(MIDDLE), "KOI8-R").to_vec()],
                ),
            ]
        };
        run(&db, &statements).await;

        let hits = find(&db, &[SNILS, NAME, MIDDLE, "Демонстрационный"]).await;
        assert!(
            has(&hits, token_table, "data", NAME, "windows-1251")
                && has(&hits, token_table, "data", SNILS, "UTF-16LE"),
            "{backend:?}: in the store's binary column: {hits:#?}"
        );
        assert!(
            has(&hits, later_table, "note", MIDDLE, "base64 of UTF-8"),
            "{backend:?}: in a table added later: {hits:#?}"
        );
        assert!(
            has(&hits, later_table, "parts", NAME, "windows-1251"),
            "{backend:?}: in a bytea array or a BLOB: {hits:#?}"
        );
        if pg {
            assert!(
                hits.iter().any(|h| h.table == "pg_largeobject"
                    && h.value == MIDDLE
                    && h.form == "KOI8-R"),
                "in a large object: {hits:#?}"
            );
        } else {
            assert!(
                has(&hits, later_table, "parts", MIDDLE, "KOI8-R"),
                "in a second row: {hits:#?}"
            );
        }
        assert!(
            !hits.iter().any(|h| h.value == "Демонстрационный"),
            "{backend:?}: only what is there: {hits:#?}"
        );
    }
}

/// Runs `statements` (SQL with its binary parameters) on `db`.
async fn run(db: &TestDb, statements: &[(String, Vec<Vec<u8>>)]) {
    match db.backend() {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url()).await.expect("SQLite");
            for (sql, params) in statements {
                let mut q = sqlx::query(sql);
                for p in params {
                    q = q.bind(p.clone());
                }
                q.execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url()).await.expect("PostgreSQL");
            for (sql, params) in statements {
                let mut q = sqlx::query(sql);
                for p in params {
                    q = q.bind(p.clone());
                }
                q.execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
    }
}
