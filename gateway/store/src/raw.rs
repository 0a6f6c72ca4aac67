//! The group committer's own SQLite connection, called through SQLite's C API on the committer's thread.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands it every statement over a
//! channel: two thread wake-ups per statement, tens of microseconds on this kind of machine. The group
//! committer runs thousands of short statements a second one after another, so those hand-overs, not SQLite,
//! bounded every writing path (a quarter of the process's time went to the scheduler switching threads). The
//! committer of a file database therefore has a connection of its own that it calls directly: a statement
//! costs what SQLite takes to run it. Everything else (reads, and the writes that are not grouped) stays on
//! the sqlx pool; the write gate still admits one writer at a time.
//!
//! The connection is opened as the pool's are (WAL, `synchronous`, foreign keys, `secure_delete`, the busy
//! timeout). Statements are prepared once and kept; a text of several statements runs them in order. `$N`
//! parameters are bound by number, as sqlx binds them, so the same SQL text serves both paths.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::time::Duration;

use libsqlite3_sys as ffi;

use crate::arg::Arg;
use crate::error::StoreError;
use crate::options::SqliteSync;

/// A column value read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A row read back: its columns by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct OwnedRow {
    pub(crate) columns: Vec<(String, Value)>,
}

impl OwnedRow {
    pub(crate) fn value(&self, name: &str) -> Option<&Value> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// One prepared statement and, for each of its parameters, the index of its argument.
struct Prepared {
    stmt: NonNull<ffi::sqlite3_stmt>,
    args: Vec<usize>,
}

/// A SQLite connection driven directly. Used by one thread at a time (behind a mutex).
pub(crate) struct RawSqlite {
    db: NonNull<ffi::sqlite3>,
    /// Every text ever run, prepared: the committer's texts are a small fixed set.
    cache: HashMap<String, Vec<Prepared>>,
}

// SAFETY: the connection is opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`), in which a connection
// may move between threads as long as no two use it at once; `RawSqlite` is only reached through `&mut` (the
// committer keeps it behind a mutex).
unsafe impl Send for RawSqlite {}

impl RawSqlite {
    /// Opens the database file at `path` (which the pool has created and migrated).
    pub(crate) fn open(
        path: &Path,
        busy_timeout: Duration,
        sync: SqliteSync,
    ) -> Result<RawSqlite, StoreError> {
        let mut conn = RawSqlite::open_with(path, busy_timeout, ffi::SQLITE_OPEN_READWRITE)?;
        let sync = match sync {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        };
        conn.exec_plain(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = {sync}; \
             PRAGMA journal_mode = WAL;"
        ))?;
        Ok(conn)
    }

    /// Opens the database file at `path` for reading only (the writers have set it up: WAL persists in the file).
    pub(crate) fn open_reader(
        path: &Path,
        busy_timeout: Duration,
    ) -> Result<RawSqlite, StoreError> {
        RawSqlite::open_with(path, busy_timeout, ffi::SQLITE_OPEN_READONLY)
    }

    fn open_with(
        path: &Path,
        busy_timeout: Duration,
        mode: c_int,
    ) -> Result<RawSqlite, StoreError> {
        let name = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| StoreError::Config("the SQLite path holds a NUL byte".into()))?;
        let mut db = ptr::null_mut();
        let flags = mode | ffi::SQLITE_OPEN_NOMUTEX;
        // SAFETY: `name` is a valid C string; `db` receives a handle (also on failure, to be closed).
        let rc = unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut db, flags, ptr::null()) };
        let Some(db) = NonNull::new(db) else {
            return Err(StoreError::Config(
                "SQLite could not allocate a connection".into(),
            ));
        };
        let conn = RawSqlite {
            db,
            cache: HashMap::new(),
        };
        if rc != ffi::SQLITE_OK {
            return Err(conn.error());
        }
        // SAFETY: the handle is open.
        unsafe {
            ffi::sqlite3_busy_timeout(
                conn.db.as_ptr(),
                c_int::try_from(busy_timeout.as_millis()).unwrap_or(c_int::MAX),
            );
        }
        Ok(conn)
    }

    /// The connection's last error as a store error.
    fn error(&self) -> StoreError {
        error_of(self.db)
    }

    /// Runs `sql` (one or more statements, no parameters, no rows wanted).
    pub(crate) fn exec_plain(&mut self, sql: &str) -> Result<(), StoreError> {
        let text =
            CString::new(sql).map_err(|_| StoreError::Config("SQL with a NUL byte".into()))?;
        // SAFETY: the handle is open and `text` a valid C string; no callback, no error buffer.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.db.as_ptr(),
                text.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// The prepared statements of `sql`, prepared now if new.
    fn prepared(&mut self, sql: &str) -> Result<&[Prepared], StoreError> {
        if !self.cache.contains_key(sql) {
            let statements = self.prepare_all(sql)?;
            self.cache.insert(sql.to_owned(), statements);
        }
        Ok(self.cache.get(sql).map(Vec::as_slice).unwrap_or_default())
    }

    fn prepare_all(&self, sql: &str) -> Result<Vec<Prepared>, StoreError> {
        let mut statements = Vec::new();
        let bytes = sql.as_bytes();
        let mut offset = 0usize;
        while offset < bytes.len() {
            let rest = &bytes[offset..];
            let mut stmt = ptr::null_mut();
            let mut tail: *const c_char = ptr::null();
            // SAFETY: `rest` is valid for its length (SQLite does not need a NUL terminator when given one);
            // `tail` points into `rest` on return.
            let rc = unsafe {
                ffi::sqlite3_prepare_v3(
                    self.db.as_ptr(),
                    rest.as_ptr().cast(),
                    c_int::try_from(rest.len()).unwrap_or(c_int::MAX),
                    ffi::SQLITE_PREPARE_PERSISTENT,
                    &mut stmt,
                    &mut tail,
                )
            };
            if rc != ffi::SQLITE_OK {
                for p in statements {
                    finalize(p);
                }
                return Err(self.error());
            }
            let consumed = if tail.is_null() {
                rest.len()
            } else {
                (tail as usize).saturating_sub(rest.as_ptr() as usize)
            };
            offset += consumed.max(1);
            // Whitespace or a comment alone compiles to no statement.
            let Some(stmt) = NonNull::new(stmt) else {
                continue;
            };
            match parameters(stmt) {
                Ok(args) => statements.push(Prepared { stmt, args }),
                Err(e) => {
                    finalize(Prepared {
                        stmt,
                        args: Vec::new(),
                    });
                    for p in statements {
                        finalize(p);
                    }
                    return Err(e);
                }
            }
        }
        Ok(statements)
    }

    /// Runs `sql` with `args`; returns the rows it changed (of all its statements).
    pub(crate) fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let db = self.db;
        let mut changed = 0u64;
        for p in self.prepared(sql)? {
            run(p, args, &mut |_| true).map_err(|()| error_of(db))?;
            // SAFETY: the handle is open.
            let n = unsafe { ffi::sqlite3_changes64(db.as_ptr()) };
            changed += u64::try_from(n).unwrap_or(0);
        }
        Ok(changed)
    }

    /// Runs `sql` (one statement) with `args`; returns its first row, if any.
    pub(crate) fn fetch_optional(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Option<OwnedRow>, StoreError> {
        let db = self.db;
        let [p] = self.prepared(sql)? else {
            return Err(StoreError::Config(format!(
                "a query for rows must be one statement: {sql}"
            )));
        };
        let mut first = None;
        run(p, args, &mut |s| {
            first = Some(read_row(s));
            false
        })
        .map_err(|()| error_of(db))?;
        Ok(first)
    }

    /// Runs `sql` (one statement) with `args` and hands each row to `on_row` as it is stepped to, without
    /// copying it first; `on_row` returns whether to go on. Rows are read inside SQLite's own read transaction
    /// of the statement.
    pub(crate) fn for_each_row(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        mut on_row: impl FnMut(&RowRef<'_>) -> bool,
    ) -> Result<(), StoreError> {
        let db = self.db;
        let [p] = self.prepared(sql)? else {
            return Err(StoreError::Config(format!(
                "a query for rows must be one statement: {sql}"
            )));
        };
        run(p, args, &mut |s| {
            on_row(&RowRef {
                stmt: s,
                _row: std::marker::PhantomData,
            })
        })
        .map_err(|()| error_of(db))
    }
}

/// The row a statement has just stepped to: its columns by position, valid until the next step.
pub(crate) struct RowRef<'a> {
    stmt: *mut ffi::sqlite3_stmt,
    _row: std::marker::PhantomData<&'a ffi::sqlite3_stmt>,
}

impl RowRef<'_> {
    /// Column `i` as an integer; [`StoreError::Corrupt`] if it holds another type.
    pub(crate) fn int(&self, i: c_int) -> Result<i64, StoreError> {
        // SAFETY: the statement has a current row (a `RowRef` lives only within the step that made it).
        unsafe {
            match ffi::sqlite3_column_type(self.stmt, i) {
                ffi::SQLITE_INTEGER => Ok(ffi::sqlite3_column_int64(self.stmt, i)),
                _ => Err(StoreError::Corrupt(format!(
                    "column {i}: missing or not an integer"
                ))),
            }
        }
    }

    /// Column `i` as text (copied); [`StoreError::Corrupt`] if it holds another type or invalid UTF-8.
    pub(crate) fn text(&self, i: c_int) -> Result<String, StoreError> {
        // SAFETY: as in `int`; the text is valid until the next step and copied here.
        unsafe {
            if ffi::sqlite3_column_type(self.stmt, i) != ffi::SQLITE_TEXT {
                return Err(StoreError::Corrupt(format!(
                    "column {i}: missing or not text"
                )));
            }
            String::from_utf8(column_bytes(self.stmt, i, Bytes::Text).to_vec())
                .map_err(|_| StoreError::Corrupt(format!("column {i}: text not UTF-8")))
        }
    }

    /// Whether column `i` is NULL.
    fn is_null(&self, i: c_int) -> bool {
        // SAFETY: as in `int`.
        unsafe { ffi::sqlite3_column_type(self.stmt, i) == ffi::SQLITE_NULL }
    }

    /// Column `i` as an integer or NULL.
    pub(crate) fn opt_int(&self, i: c_int) -> Result<Option<i64>, StoreError> {
        if self.is_null(i) {
            return Ok(None);
        }
        self.int(i).map(Some)
    }

    /// Column `i` as text or NULL.
    pub(crate) fn opt_text(&self, i: c_int) -> Result<Option<String>, StoreError> {
        if self.is_null(i) {
            return Ok(None);
        }
        self.text(i).map(Some)
    }
}

impl Drop for RawSqlite {
    fn drop(&mut self) {
        for (_, statements) in self.cache.drain() {
            for p in statements {
                finalize(p);
            }
        }
        // SAFETY: every statement is finalized; the handle is not used again.
        unsafe {
            ffi::sqlite3_close(self.db.as_ptr());
        }
    }
}

/// The last error of the connection `db` as a store error.
fn error_of(db: NonNull<ffi::sqlite3>) -> StoreError {
    // SAFETY: the handle is open; `sqlite3_errmsg` returns a NUL-terminated string owned by SQLite, copied here.
    let (code, message) = unsafe {
        let code = ffi::sqlite3_extended_errcode(db.as_ptr());
        let message = CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr()))
            .to_string_lossy()
            .into_owned();
        (code, message)
    };
    StoreError::from_sqlite(code, message)
}

fn finalize(p: Prepared) {
    // SAFETY: `p.stmt` came from `sqlite3_prepare_v3` and is finalized once.
    unsafe {
        ffi::sqlite3_finalize(p.stmt.as_ptr());
    }
}

/// For each parameter of `stmt` (1-based), the 0-based index of its argument: `$N` is argument N.
fn parameters(stmt: NonNull<ffi::sqlite3_stmt>) -> Result<Vec<usize>, StoreError> {
    // SAFETY: `stmt` is a prepared statement.
    let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
    (1..=count)
        .map(|i| {
            // SAFETY: `i` is within the statement's parameters; the name, if any, is a C string owned by SQLite.
            let name = unsafe { ffi::sqlite3_bind_parameter_name(stmt.as_ptr(), i) };
            let name = if name.is_null() {
                String::new()
            } else {
                // SAFETY: non-null names are NUL-terminated.
                unsafe { CStr::from_ptr(name) }
                    .to_string_lossy()
                    .into_owned()
            };
            name.strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n >= 1)
                .map(|n| n - 1)
                .ok_or_else(|| {
                    StoreError::Config(format!("parameter {name:?} is not of the form $N"))
                })
        })
        .collect()
}

/// Binds `args` to `p` by its parameter map, steps it, handing each row to `on_row` while it returns true, then
/// steps it to its end (a data-modifying statement finishes its work) and resets it. `Err(())`: read the
/// connection's error.
fn run(
    p: &Prepared,
    args: &[Arg<'_>],
    on_row: &mut dyn FnMut(*mut ffi::sqlite3_stmt) -> bool,
) -> Result<(), ()> {
    let s = p.stmt.as_ptr();
    let result = (|| {
        for (i, arg_index) in p.args.iter().enumerate() {
            let param = c_int::try_from(i + 1).map_err(|_| ())?;
            let arg = args.get(*arg_index).copied().unwrap_or(Arg::Int(None));
            // SAFETY: `s` is a prepared statement and `param` one of its parameters; texts and blobs are copied
            // by SQLite (SQLITE_TRANSIENT) before the call returns.
            let rc = unsafe {
                match arg {
                    Arg::Text(Some(t)) => ffi::sqlite3_bind_text64(
                        s,
                        param,
                        t.as_ptr().cast(),
                        t.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Arg::Blob(Some(b)) => ffi::sqlite3_bind_blob64(
                        s,
                        param,
                        b.as_ptr().cast(),
                        b.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                    Arg::Int(Some(n)) => ffi::sqlite3_bind_int64(s, param, n),
                    Arg::Bool(v) => ffi::sqlite3_bind_int64(s, param, i64::from(v)),
                    Arg::Text(None) | Arg::Blob(None) | Arg::Int(None) => {
                        ffi::sqlite3_bind_null(s, param)
                    }
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(());
            }
        }
        let mut wanted = true;
        loop {
            // SAFETY: `s` is a prepared, bound statement.
            match unsafe { ffi::sqlite3_step(s) } {
                ffi::SQLITE_ROW => {
                    if wanted {
                        wanted = on_row(s);
                    } else if is_read_only(s) {
                        // A query the caller is done with need not run to its end.
                        return Ok(());
                    }
                }
                ffi::SQLITE_DONE => return Ok(()),
                _ => return Err(()),
            }
        }
    })();
    // SAFETY: `s` is a prepared statement; resetting keeps the error code of a failed step readable through
    // `sqlite3_extended_errcode` (reset returns it too, the connection's error stays set).
    unsafe {
        ffi::sqlite3_reset(s);
        ffi::sqlite3_clear_bindings(s);
    }
    result
}

/// Whether `s` only reads (a statement that writes is stepped to its end even when its rows are not wanted).
fn is_read_only(s: *mut ffi::sqlite3_stmt) -> bool {
    // SAFETY: `s` is a prepared statement.
    unsafe { ffi::sqlite3_stmt_readonly(s) != 0 }
}

/// Which bytes of a column [`column_bytes`] reads.
#[derive(Clone, Copy)]
enum Bytes {
    Text,
    Blob,
}

/// Column `i` of the current row of `s` as its text's or its blob's bytes (empty for an empty value).
///
/// # Safety
///
/// `s` has a current row, and the slice is not used after the statement's next step or reset.
unsafe fn column_bytes<'a>(s: *mut ffi::sqlite3_stmt, i: c_int, bytes: Bytes) -> &'a [u8] {
    // SAFETY: the caller's promise; the length is asked after the pointer, as SQLite documents (asking for the
    // text may convert the value and change its length).
    unsafe {
        let p: *const u8 = match bytes {
            Bytes::Text => ffi::sqlite3_column_text(s, i),
            Bytes::Blob => ffi::sqlite3_column_blob(s, i).cast(),
        };
        let n = usize::try_from(ffi::sqlite3_column_bytes(s, i)).unwrap_or(0);
        if p.is_null() {
            &[]
        } else {
            std::slice::from_raw_parts(p, n)
        }
    }
}

/// The current row of `s`.
fn read_row(s: *mut ffi::sqlite3_stmt) -> OwnedRow {
    // SAFETY: `s` has a current row; names, texts and blobs are valid until the next step or reset, and are
    // copied here.
    unsafe {
        let count = ffi::sqlite3_column_count(s);
        let mut columns = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for i in 0..count {
            let name_ptr = ffi::sqlite3_column_name(s, i);
            let name = if name_ptr.is_null() {
                String::new()
            } else {
                CStr::from_ptr(name_ptr).to_string_lossy().into_owned()
            };
            let value = match ffi::sqlite3_column_type(s, i) {
                ffi::SQLITE_INTEGER => Value::Int(ffi::sqlite3_column_int64(s, i)),
                ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(s, i)),
                ffi::SQLITE_TEXT => Value::Text(
                    String::from_utf8_lossy(column_bytes(s, i, Bytes::Text)).into_owned(),
                ),
                ffi::SQLITE_BLOB => Value::Blob(column_bytes(s, i, Bytes::Blob).to_vec()),
                _ => Value::Null,
            };
            columns.push((name, value));
        }
        OwnedRow { columns }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> (tempfile::TempDir, RawSqlite) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raw.db");
        std::fs::File::create(&path).unwrap();
        let conn = RawSqlite::open(&path, Duration::from_secs(1), SqliteSync::Full).unwrap();
        (dir, conn)
    }

    #[test]
    fn statements_run_with_numbered_parameters_and_rows_come_back() {
        let (_dir, mut c) = conn();
        c.exec_plain("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, flag INTEGER)")
            .unwrap();
        let n = c
            .execute(
                "INSERT INTO t (id, name, data, flag) VALUES ($1, $2, $3, $4); \
                 INSERT INTO t (id, name, data, flag) VALUES ($5, $2, NULL, $4)",
                &[
                    Arg::int(1),
                    Arg::text("один"),
                    Arg::Blob(Some(b"\x00\x01")),
                    Arg::Bool(true),
                    Arg::int(2),
                ],
            )
            .unwrap();
        assert_eq!(n, 2, "both statements of the text ran");
        let row = c
            .fetch_optional(
                "UPDATE t SET flag = 0 WHERE id = $1 RETURNING id, name, data, flag",
                &[Arg::int(1)],
            )
            .unwrap()
            .expect("a row");
        assert_eq!(row.value("name"), Some(&Value::Text("один".into())));
        assert_eq!(row.value("data"), Some(&Value::Blob(vec![0, 1])));
        assert_eq!(row.value("flag"), Some(&Value::Int(0)));
        assert!(
            c.fetch_optional("SELECT id FROM t WHERE id = $1", &[Arg::int(9)])
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_repeated_key_is_a_duplicate_and_the_connection_goes_on() {
        let (_dir, mut c) = conn();
        c.exec_plain("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .unwrap();
        c.execute("INSERT INTO t (id) VALUES ($1)", &[Arg::int(1)])
            .unwrap();
        let err = c
            .execute("INSERT INTO t (id) VALUES ($1)", &[Arg::int(1)])
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate), "{err:?}");
        assert_eq!(
            c.execute("INSERT INTO t (id) VALUES ($1)", &[Arg::int(2)])
                .unwrap(),
            1
        );
        assert!(
            c.execute("INSERT INTO nowhere VALUES ($1)", &[Arg::int(1)])
                .is_err()
        );
    }
}
