//! The criterion micro-benchmarks and the report benchmark.

use std::path::Path;

use crate::build::Built;
use crate::{Result, cargo, root, run as exec};

/// One criterion result.
#[derive(Debug, Clone)]
pub struct Micro {
    /// `group/function/parameter`.
    pub id: String,
    /// Median time per iteration, nanoseconds.
    pub median_ns: f64,
}

/// (package, bench target) pairs.
const BENCHES: &[(&str, &str)] = &[
    ("smev-envelope", "codec"),
    ("gateway-schema", "validate"),
    ("gateway-host", "invoke"),
    ("gateway", "tokens"),
    ("gateway", "xmldsig"),
    ("gateway-e2e", "mchd"),
];

/// Runs every micro-benchmark (with the plugins and adapters of `built`) and reads the medians back from
/// criterion's files.
pub fn run(built: &Built, quick: bool) -> Result<Vec<Micro>> {
    let dir = crate::workspace::target_dir()?.join("criterion");
    let _ = std::fs::remove_dir_all(&dir);
    let timing: &[&str] = if quick {
        &["--warm-up-time", "1", "--measurement-time", "1"]
    } else {
        &["--warm-up-time", "2", "--measurement-time", "5"]
    };
    for (pkg, bench) in BENCHES {
        exec(
            cargo()
                .args(["bench", "--locked", "-p", pkg, "--bench", bench, "--"])
                .args(timing)
                .env("GATEWAY_PLUGIN_DIR", &built.plugin_dir)
                .env("GATEWAY_ADAPTER_DIR", &built.bin_dir),
        )?;
    }
    let mut out = Vec::new();
    collect(&dir, &mut out);
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<Micro>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "new") {
                if let Some(m) = read(&p) {
                    out.push(m);
                }
            } else if p.file_name().is_none_or(|n| n != "base" && n != "report") {
                collect(&p, out);
            }
        }
    }
}

fn read(new: &Path) -> Option<Micro> {
    let bench: serde_json_lite::Value =
        serde_json_lite::parse(&std::fs::read_to_string(new.join("benchmark.json")).ok()?)?;
    let est: serde_json_lite::Value =
        serde_json_lite::parse(&std::fs::read_to_string(new.join("estimates.json")).ok()?)?;
    Some(Micro {
        id: bench.get("full_id")?.as_str()?.to_owned(),
        median_ns: est.get("median")?.get("point_estimate")?.as_f64()?,
    })
}

/// The report benchmark's output, if the reports crate has one.
pub fn report_benchmark(quick: bool) -> Option<String> {
    let bench = root().join("gateway/reports/benches/report.rs");
    if !bench.exists() || quick {
        return None;
    }
    let out = cargo()
        .args([
            "bench",
            "--locked",
            "-p",
            "gateway-reports",
            "--bench",
            "report",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    out.status.success().then_some(text)
}

/// A minimal JSON reader (xtask keeps no dependencies beyond `ctrlc`): enough for criterion's files and
/// loadgen's reports.
pub mod serde_json_lite {
    /// A JSON value.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Num(f64),
        Str(String),
        Arr(Vec<Value>),
        Obj(Vec<(String, Value)>),
    }

    impl Value {
        /// A member of an object.
        pub fn get(&self, key: &str) -> Option<&Value> {
            match self {
                Value::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        pub fn as_str(&self) -> Option<&str> {
            if let Value::Str(s) = self {
                Some(s)
            } else {
                None
            }
        }
        pub fn as_f64(&self) -> Option<f64> {
            if let Value::Num(n) = self {
                Some(*n)
            } else {
                None
            }
        }
    }

    /// Parses a JSON text.
    pub fn parse(text: &str) -> Option<Value> {
        let mut p = Parser {
            b: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        (p.i == p.b.len()).then_some(v)
    }

    struct Parser<'a> {
        b: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn ws(&mut self) {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn lit(&mut self, s: &str, v: Value) -> Option<Value> {
            self.b[self.i..].starts_with(s.as_bytes()).then(|| {
                self.i += s.len();
                v
            })
        }
        fn value(&mut self) -> Option<Value> {
            self.ws();
            match *self.b.get(self.i)? {
                b'n' => self.lit("null", Value::Null),
                b't' => self.lit("true", Value::Bool(true)),
                b'f' => self.lit("false", Value::Bool(false)),
                b'"' => self.string().map(Value::Str),
                b'[' => {
                    self.i += 1;
                    let mut a = Vec::new();
                    loop {
                        self.ws();
                        if *self.b.get(self.i)? == b']' {
                            self.i += 1;
                            return Some(Value::Arr(a));
                        }
                        a.push(self.value()?);
                        self.ws();
                        if *self.b.get(self.i)? == b',' {
                            self.i += 1;
                        }
                    }
                }
                b'{' => {
                    self.i += 1;
                    let mut m = Vec::new();
                    loop {
                        self.ws();
                        if *self.b.get(self.i)? == b'}' {
                            self.i += 1;
                            return Some(Value::Obj(m));
                        }
                        let k = self.string()?;
                        self.ws();
                        (*self.b.get(self.i)? == b':').then_some(())?;
                        self.i += 1;
                        m.push((k, self.value()?));
                        self.ws();
                        if *self.b.get(self.i)? == b',' {
                            self.i += 1;
                        }
                    }
                }
                _ => {
                    let start = self.i;
                    while self.i < self.b.len()
                        && matches!(
                            self.b[self.i],
                            b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                        )
                    {
                        self.i += 1;
                    }
                    std::str::from_utf8(&self.b[start..self.i])
                        .ok()?
                        .parse()
                        .ok()
                        .map(Value::Num)
                }
            }
        }
        fn string(&mut self) -> Option<String> {
            self.i += 1;
            let mut s = String::new();
            loop {
                let c = *self.b.get(self.i)?;
                self.i += 1;
                match c {
                    b'"' => return Some(s),
                    b'\\' => {
                        let e = *self.b.get(self.i)?;
                        self.i += 1;
                        match e {
                            b'n' => s.push('\n'),
                            b't' => s.push('\t'),
                            b'u' => {
                                let hex =
                                    std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
                                s.push(
                                    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
                                        .unwrap_or('?'),
                                );
                                self.i += 4;
                            }
                            other => s.push(other as char),
                        }
                    }
                    _ => {
                        // Copy a UTF-8 sequence whole.
                        let start = self.i - 1;
                        while self.i < self.b.len() && (self.b[self.i] & 0xC0) == 0x80 {
                            self.i += 1;
                        }
                        s.push_str(std::str::from_utf8(&self.b[start..self.i]).ok()?);
                    }
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_criterion_and_loadgen_shapes() {
            let v = parse(r#"{"full_id": "envelope/1.3/decode/1KiB", "median": {"point_estimate": 1234.5e0}, "a": [1, null, true], "s": "é\"x"}"#).unwrap();
            assert_eq!(
                v.get("full_id").and_then(Value::as_str),
                Some("envelope/1.3/decode/1KiB")
            );
            assert_eq!(
                v.get("median")
                    .and_then(|m| m.get("point_estimate"))
                    .and_then(Value::as_f64),
                Some(1234.5)
            );
            assert_eq!(v.get("s").and_then(Value::as_str), Some("é\"x"));
            assert!(parse("{").is_none());
        }
    }
}
