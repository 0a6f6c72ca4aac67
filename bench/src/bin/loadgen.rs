//! `loadgen`: loads a server with one scenario and prints a JSON report.
//!
//! ```text
//! loadgen --addr 127.0.0.1:8080 --scenario soap-send --concurrency 32 --duration 10s [--rate 20000]
//! ```

use std::time::Duration;

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use gateway_bench::run::{RunConfig, run};
use gateway_bench::scenario::Scenario;

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// SOAP SendRequest with a fresh MessageID.
    SoapSend,
    /// A fixed JSON body (`--body`).
    Json,
    /// JSON IssueQrRequest per СНИЛС of `--snils-file`.
    JsonIssue,
    /// SendRequest → GetResponse → Ack.
    SoapCycle,
}

#[derive(Parser)]
#[command(about = "Load generator for the gateway's benchmarks")]
struct Args {
    #[arg(long)]
    addr: std::net::SocketAddr,
    #[arg(long, value_enum)]
    scenario: Kind,
    #[arg(long, default_value = "/smev/1.3")]
    path: String,
    #[arg(long, default_value = "1.3")]
    version: String,
    /// The payload element of SOAP scenarios.
    #[arg(
        long,
        default_value = r#"<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>echo</t:Action><t:Text>load</t:Text></t:TestRequest>"#
    )]
    payload: String,
    /// The JSON body of `json`.
    #[arg(long)]
    body: Option<String>,
    /// One СНИЛС per line, for `json-issue`.
    #[arg(long)]
    snils_file: Option<std::path::PathBuf>,
    #[arg(long)]
    token: Option<String>,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up seconds (not measured).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Total rate (per second); unset = as fast as possible.
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many measured units (the duration still caps the run).
    #[arg(long)]
    max_units: Option<u64>,
    /// Also report a timeline: per slice of this many milliseconds, the units that finished in it and the
    /// longest of them.
    #[arg(long)]
    slice_ms: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let scenario = match a.scenario {
        Kind::SoapSend => Scenario::SoapSend {
            path: a.path,
            version: a.version,
            payload: a.payload,
        },
        Kind::SoapCycle => Scenario::SoapCycle {
            path: a.path,
            version: a.version,
            payload: a.payload,
        },
        Kind::Json => Scenario::Json {
            path: a.path,
            body: Bytes::from(
                a.body
                    .ok_or_else(|| anyhow::anyhow!("--body is required for json"))?,
            ),
        },
        Kind::JsonIssue => {
            let file = a
                .snils_file
                .ok_or_else(|| anyhow::anyhow!("--snils-file is required for json-issue"))?;
            let snils: Vec<String> = std::fs::read_to_string(file)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            anyhow::ensure!(!snils.is_empty(), "the СНИЛС file is empty");
            Scenario::JsonIssue {
                path: a.path,
                snils,
            }
        }
    };
    let report = run(
        RunConfig {
            addr: a.addr,
            token: a.token,
            concurrency: a.concurrency,
            duration: Duration::from_secs_f64(a.duration),
            warmup: Duration::from_secs_f64(a.warmup),
            rate: a.rate,
            max_units: a.max_units,
            slice: a.slice_ms.map(Duration::from_millis),
        },
        scenario,
    )
    .await?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
