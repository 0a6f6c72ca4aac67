//! Running a scenario: one keep-alive HTTP/1.1 connection per worker, a fixed concurrency and duration, an
//! optional total rate (each request is timed from when it was due, so a slow server cannot hide its queueing),
//! and one latency histogram.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::report::Report;
use crate::scenario::{self, Scenario};
use crate::timeline::Timeline;

/// How to load.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub addr: SocketAddr,
    /// Bearer token, if the target wants one.
    pub token: Option<String>,
    pub concurrency: usize,
    pub duration: Duration,
    /// Requests before this are not measured.
    pub warmup: Duration,
    /// Total requests (or cycles) per second; `None` means as fast as possible.
    pub rate: Option<f64>,
    /// Stop after this many measured units (the duration still caps the run).
    pub max_units: Option<u64>,
    /// Report a [`Timeline`] of the measured time in slices of this length.
    pub slice: Option<Duration>,
}

struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    token: Option<String>,
}

impl Conn {
    async fn open(addr: SocketAddr, token: Option<String>) -> anyhow::Result<Conn> {
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(conn);
        Ok(Conn {
            sender,
            host: addr.to_string(),
            token,
        })
    }

    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        body: Bytes,
    ) -> anyhow::Result<(u16, Bytes)> {
        let mut b = hyper::Request::post(path)
            .header("host", &self.host)
            .header("content-type", content_type);
        if let Some(t) = &self.token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.sender.ready().await?;
        let resp = self.sender.send_request(b.body(Full::new(body))?).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// One unit of the scenario; `Ok(true)` when it completed as expected.
async fn unit(conn: &mut Conn, s: &Scenario, i: u64) -> anyhow::Result<bool> {
    match s {
        Scenario::SoapSend {
            path,
            version,
            payload,
        } => {
            let body = scenario::send_request(version, &smev_envelope::new_message_id(), payload);
            let (status, _) = conn
                .post(path, "text/xml; charset=utf-8", body.into())
                .await?;
            Ok(status == 200)
        }
        Scenario::Json { path, body } => {
            let (status, _) = conn.post(path, "application/json", body.clone()).await?;
            Ok(status == 200)
        }
        Scenario::JsonIssue { path, snils } => {
            let snils = &snils[(i as usize) % snils.len()];
            let body = serde_json::json!({"type": "{urn://gateway/svo-status/1.0}IssueQrRequest", "payload": {"snils": snils}});
            let (status, _) = conn
                .post(path, "application/json", serde_json::to_vec(&body)?.into())
                .await?;
            Ok(status == 200)
        }
        Scenario::SoapCycle {
            path,
            version,
            payload,
        } => {
            let body = scenario::send_request(version, &smev_envelope::new_message_id(), payload);
            let (status, _) = conn
                .post(path, "text/xml; charset=utf-8", body.into())
                .await?;
            if status != 200 {
                return Ok(false);
            }
            let get = Bytes::from(scenario::get_response(version));
            for attempt in 0..10_000u32 {
                let (status, body) = conn
                    .post(path, "text/xml; charset=utf-8", get.clone())
                    .await?;
                if status != 200 {
                    return Ok(false);
                }
                if let Some(id) = scenario::answer_id(&body) {
                    let (status, _) = conn
                        .post(
                            path,
                            "text/xml; charset=utf-8",
                            scenario::ack(version, &id).into(),
                        )
                        .await?;
                    return Ok(status == 200);
                }
                // The answer is not ready yet (its chain runs after the acknowledgement): back off a little.
                tokio::time::sleep(Duration::from_micros(200 * u64::from(attempt.min(10)))).await;
            }
            Ok(false)
        }
    }
}

/// Runs `scenario` with `cfg` and reports.
pub async fn run(cfg: RunConfig, scenario: Scenario) -> anyhow::Result<Report> {
    let scenario = Arc::new(scenario);
    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let timeline = cfg.slice.map(|slice| {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            + cfg.warmup;
        let slice_ms = u32::try_from(slice.as_millis().max(1)).unwrap_or(u32::MAX);
        let slices = (cfg.duration.as_millis() / u128::from(slice_ms)) as usize + 1;
        Timeline::new(
            i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX),
            slice_ms,
            slices,
        )
    });
    let end = measure_from + cfg.duration;
    let interval = cfg
        .rate
        .map(|r| Duration::from_secs_f64(cfg.concurrency as f64 / r));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for w in 0..cfg.concurrency {
        let scenario = scenario.clone();
        let cfg = cfg.clone();
        let done = done.clone();
        let mut timeline = timeline.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
            let (mut ok, mut errors) = (0u64, 0u64);
            let mut conn = match Conn::open(cfg.addr, cfg.token.clone()).await {
                Ok(c) => c,
                Err(_) => return (hist, timeline, 0, 1),
            };
            // Spread the workers' first requests over one interval.
            let mut due = start
                + interval
                    .map(|i| i.mul_f64(w as f64 / cfg.concurrency as f64))
                    .unwrap_or_default();
            let mut i = w as u64;
            while Instant::now() < end
                && cfg
                    .max_units
                    .is_none_or(|m| done.load(Ordering::Relaxed) < m)
            {
                if interval.is_some() {
                    tokio::time::sleep_until(due.into()).await;
                } else {
                    due = Instant::now();
                }
                let result = unit(&mut conn, &scenario, i).await;
                let finished = Instant::now();
                if due >= measure_from && finished <= end {
                    match result {
                        Ok(true) => {
                            ok += 1;
                            done.fetch_add(1, Ordering::Relaxed);
                            let latency = finished.duration_since(due);
                            let _ = hist.record(latency.as_micros().max(1) as u64);
                            if let Some(t) = &mut timeline {
                                t.record(
                                    finished.duration_since(measure_from).as_secs_f64() * 1e3,
                                    latency.as_secs_f64() * 1e3,
                                );
                            }
                        }
                        _ => errors += 1,
                    }
                }
                if result.is_err() {
                    match Conn::open(cfg.addr, cfg.token.clone()).await {
                        Ok(c) => conn = c,
                        Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                    }
                }
                if let Some(iv) = interval {
                    due += iv;
                }
                i += cfg.concurrency as u64;
            }
            (hist, timeline, ok, errors)
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut completed, mut errors) = (0, 0);
    let mut merged = timeline;
    for t in tasks {
        let (h, worker_timeline, ok, err) = t.await?;
        hist.add(h)?;
        if let (Some(all), Some(one)) = (&mut merged, &worker_timeline) {
            all.merge(one);
        }
        completed += ok;
        errors += err;
    }
    let seconds = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from)
        .as_secs_f64()
        .max(1e-3);
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    Ok(Report {
        scenario: scenario.name().into(),
        concurrency: cfg.concurrency,
        target_rate: cfg.rate,
        seconds,
        completed,
        errors,
        rate: completed as f64 / seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: hist.max() as f64 / 1000.0,
        timeline: merged,
    })
}
