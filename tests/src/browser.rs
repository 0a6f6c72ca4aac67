//! A real browser for the tests: Debian's headless Chromium driven through Selenium by `tests/py/browser.py`,
//! with JavaScript off unless asked (the gateway's pages must work without it).
//!
//! The steps are JSON objects, as `tests/py/browser.py` documents them, e.g.
//! `json!({"viewport": [360, 740], "mobile": true})`, `json!({"open": url})`, `json!({"text": "h1", "as": "h"})`,
//! `json!({"screenshot": path})`. Like `zbarimg` and `xmllint`, the browser is a prerequisite that
//! `cargo xtask setup` installs (chromium, chromium-driver, selenium): a test that needs it fails without it.
//!
//! ```no_run
//! # async fn f(page_url: &str) -> anyhow::Result<()> {
//! use gateway_e2e::artifacts::artefacts_dir;
//! use gateway_e2e::browser::Browser;
//! use serde_json::json;
//!
//! let dir = artefacts_dir("my_test");
//! let out = Browser::new()
//!     .run(&[
//!         json!({"viewport": [360, 740], "mobile": true}),
//!         json!({"open": page_url}),
//!         json!({"text": "h1", "as": "heading"}),
//!         json!({"screenshot": dir.join("page.png")}),
//!     ])
//!     .await?;
//! assert_eq!(out.status, Some(200));
//! println!("{}", out.text("heading"));
//! # Ok(())
//! # }
//! ```

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::artifacts::{python, repo_root};

/// How long one run of the driver may take, browser start and quit included.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Debian's Chromium (`GATEWAY_TEST_CHROMIUM` overrides it).
pub fn chromium() -> PathBuf {
    std::env::var_os("GATEWAY_TEST_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Debian's chromedriver (`GATEWAY_TEST_CHROMEDRIVER` overrides it).
pub fn chromedriver() -> PathBuf {
    std::env::var_os("GATEWAY_TEST_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from)
}

fn script() -> PathBuf {
    repo_root().join("tests/py/browser.py")
}

/// What a run read: the final URL and its HTTP status, the values of the steps that read something (by their
/// names), and the screenshots written.
#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    pub url: String,
    pub status: Option<u16>,
    pub values: Map<String, Value>,
    pub screenshots: Vec<PathBuf>,
}

impl Outcome {
    /// The value named `name`; panics, listing the names, when no step read it.
    pub fn value(&self, name: &str) -> &Value {
        self.values.get(name).unwrap_or_else(|| {
            panic!(
                "no value {name:?}; the run read {:?}",
                self.values.keys().collect::<Vec<_>>()
            )
        })
    }

    /// The text value named `name` (a `text`, `title` or `url` step).
    pub fn text(&self, name: &str) -> &str {
        let value = self.value(name);
        value
            .as_str()
            .unwrap_or_else(|| panic!("{name:?} is not a text: {value}"))
    }

    /// The boolean value named `name` (a `has` or `scripts_run` step).
    pub fn flag(&self, name: &str) -> bool {
        let value = self.value(name);
        value
            .as_bool()
            .unwrap_or_else(|| panic!("{name:?} is not a boolean: {value}"))
    }

    /// The HTTP status value named `name` (a `status` step).
    pub fn status_of(&self, name: &str) -> Option<u16> {
        let value = self.value(name);
        if value.is_null() {
            return None;
        }
        Some(
            value
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or_else(|| panic!("{name:?} is not an HTTP status: {value}")),
        )
    }
}

/// One run of the browser: its options; [`Browser::run`] starts a fresh browser (a fresh profile), runs the
/// steps and quits it.
#[derive(Debug, Clone)]
pub struct Browser {
    javascript: bool,
    step_timeout: Duration,
    language: String,
    failure_screenshot: Option<PathBuf>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    /// JavaScript off, 15 s per step, Accept-Language `ru-RU,ru`.
    pub fn new() -> Browser {
        Browser {
            javascript: false,
            step_timeout: Duration::from_secs(15),
            language: "ru-RU,ru".into(),
            failure_screenshot: None,
        }
    }

    /// Whether the pages' scripts run (off by default).
    pub fn javascript(mut self, on: bool) -> Browser {
        self.javascript = on;
        self
    }

    /// How long each step may take.
    pub fn step_timeout(mut self, timeout: Duration) -> Browser {
        self.step_timeout = timeout;
        self
    }

    /// The browser's Accept-Language.
    pub fn language(mut self, language: &str) -> Browser {
        self.language = language.to_owned();
        self
    }

    /// Where to save a screenshot of the page when a step fails (in the test's artefacts directory, say).
    pub fn failure_screenshot(mut self, path: impl Into<PathBuf>) -> Browser {
        self.failure_screenshot = Some(path.into());
        self
    }

    /// `Ok` when the tests' Python has Selenium and Chromium and chromedriver are installed; else what is
    /// missing and how to install it.
    pub fn available() -> Result<(), String> {
        let hint = "run `cargo xtask setup` (Debian packages chromium, chromium-driver; Python package selenium)";
        for (what, path) in [("chromium", chromium()), ("chromedriver", chromedriver())] {
            if !path.is_file() {
                return Err(format!("{what} ({}) is missing: {hint}", path.display()));
            }
        }
        let py = python();
        let out = Command::new(&py)
            .args(["-c", "import selenium"])
            .env("SE_OFFLINE", "true")
            .output()
            .map_err(|e| format!("the tests' Python {py}: {e}: {hint}"))?;
        if !out.status.success() {
            return Err(format!(
                "the tests' Python {py} has no selenium ({}): {hint}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let out = Command::new(chromedriver())
            .arg("--version")
            .output()
            .map_err(|e| format!("chromedriver --version: {e}: {hint}"))?;
        if !out.status.success() {
            return Err(format!(
                "chromedriver --version failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(())
    }

    /// Runs `steps` in a fresh browser, without blocking the async runtime (the gateway under test runs on it).
    pub async fn run(&self, steps: &[Value]) -> anyhow::Result<Outcome> {
        let browser = self.clone();
        let steps = steps.to_vec();
        tokio::task::spawn_blocking(move || browser.run_blocking(&steps))
            .await
            .context("the browser's thread")?
    }

    /// Runs `steps` in a fresh browser, blocking the thread (at most [`RUN_TIMEOUT`]).
    pub fn run_blocking(&self, steps: &[Value]) -> anyhow::Result<Outcome> {
        if let Err(why) = Browser::available() {
            bail!("the browser is not available: {why}");
        }
        let mut input = json!({
            "steps": steps,
            "javascript": self.javascript,
            "timeout": self.step_timeout.as_secs_f64(),
            "language": self.language,
        });
        if let Some(path) = &self.failure_screenshot {
            input["failure_screenshot"] = json!(path);
        }
        let mut child = Command::new(python())
            .arg(script())
            .env("SE_OFFLINE", "true")
            .env("GATEWAY_TEST_CHROMIUM", chromium())
            .env("GATEWAY_TEST_CHROMEDRIVER", chromedriver())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: chromedriver and Chromium with it, so a timeout ends them all.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {} {}", python(), script().display()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let written = stdin.write_all(&serde_json::to_vec(&input)?);
        drop(stdin);
        let stdout = reader(child.stdout.take().expect("piped"));
        let stderr = reader(child.stderr.take().expect("piped"));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if started.elapsed() > RUN_TIMEOUT {
                // The child is not reaped yet, so its process group still exists and is still its own.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "browser.py took longer than {RUN_TIMEOUT:?}; stderr: {}",
                    String::from_utf8_lossy(&stderr.join().unwrap_or_default())
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = stdout.join().unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        if !status.success() {
            bail!("browser.py failed ({status}): {}", stderr.trim());
        }
        written.context("writing the steps to browser.py")?;
        serde_json::from_slice(&stdout).with_context(|| {
            format!(
                "browser.py's output: {}; stderr: {}",
                String::from_utf8_lossy(&stdout),
                stderr.trim()
            )
        })
    }
}

/// Reads `pipe` to its end on a thread (so neither pipe fills while the other is waited for).
fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// The width and height of the PNG image at `path`; `None` when it is not one.
pub fn png_size(path: &Path) -> Option<(u32, u32)> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&bytes[16..20]), be(&bytes[20..24])))
}
