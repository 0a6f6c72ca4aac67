//! A fresh PostgreSQL database for one test run, dropped afterwards.

use std::process::Command;

use crate::{Result, run};

/// The server the tests use (overridable with `GATEWAY_TEST_PG_HOST`/`_PORT`/`_USER`).
fn server() -> (String, String, String) {
    (
        std::env::var("GATEWAY_TEST_PG_HOST").unwrap_or_else(|_| "127.0.0.1".into()),
        std::env::var("GATEWAY_TEST_PG_PORT").unwrap_or_else(|_| "5432".into()),
        std::env::var("GATEWAY_TEST_PG_USER").unwrap_or_else(|_| "postgres".into()),
    )
}

/// `psql` running each statement on its own (`-c` per statement: one `-c` with several statements is one
/// transaction, and `DROP DATABASE` refuses to run inside one).
fn psql(statements: &[&str]) -> Command {
    let (host, port, user) = server();
    let mut c = Command::new("psql");
    c.args([
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        &host,
        "-p",
        &port,
        "-U",
        &user,
        "-d",
        "postgres",
    ]);
    for sql in statements {
        c.args(["-c", sql]);
    }
    c
}

/// Runs `CHECKPOINT` on the server: what the WAL holds is written to the data files now, so that the next
/// checkpoint the WAL's growth triggers (with its burst of full-page images) lies further ahead.
pub fn checkpoint() -> Result<()> {
    run(psql(&["CHECKPOINT"]).stdout(std::process::Stdio::null()))
}

/// A database that exists until dropped.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// Creates `gw_run_<pid>_<time>_<n>` (`n` counts this process's databases).
    pub fn create() -> Result<TestDatabase> {
        TestDatabase::create_as("")
    }

    /// A copy of this database (`CREATE DATABASE … TEMPLATE`: nobody may be connected to it meanwhile).
    pub fn copy(&self) -> Result<TestDatabase> {
        TestDatabase::create_as(&format!(" TEMPLATE {}", self.name))
    }

    fn create_as(how: &str) -> Result<TestDatabase> {
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("gw_run_{}_{stamp}_{n}", std::process::id());
        run(&mut psql(&[&format!("CREATE DATABASE {name}{how}")])).map_err(|e| {
            format!("{e}\nPostgreSQL must run on 127.0.0.1:5432 with trust auth for user postgres")
        })?;
        let (host, port, user) = server();
        Ok(TestDatabase {
            url: format!("postgres://{user}@{host}:{port}/{name}"),
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // A gateway a failed test left running may still hold connections: end them, then drop.
        let terminate = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
            self.name
        );
        let drop = format!("DROP DATABASE IF EXISTS {}", self.name);
        if let Err(e) = run(psql(&[&terminate, &drop]).stdout(std::process::Stdio::null())) {
            eprintln!("xtask: could not drop test database {}: {e}", self.name);
        }
    }
}
