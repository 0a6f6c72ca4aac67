//! The grown store: each store filled with the journal and facts of months, measured against its copy from
//! before the fill, then (c) while the gateway's own retention deletes the oldest day of facts.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::fixtures::deletion_config;
use super::procs::json_output;
use super::runs::{
    LoadReport, Trio, cycle_with_timeline, median, median_trio, start_gateway,
    start_gateway_logging, trio, verify_body,
};
use super::timeline::{InFlight, Timeline, typical_stretch_longest};
use super::{Plan, release_bin};
use crate::Result;
use serde_json::Value;

/// (b), (c) and a one-day `find` on a store as the load runs left it and after it was filled with the
/// journal and facts of months; then (c) while the retention deletes the oldest day of facts.
#[derive(Debug, Clone)]
pub struct Grown {
    pub dialect: &'static str,
    pub journal_rows: u64,
    pub fact_rows: u64,
    pub fill_seconds: f64,
    pub empty: Trio,
    pub grown: Trio,
    /// How long each run of (c) on the empty and the grown store lasted, s.
    pub cycle_seconds: f64,
    /// The median of the grown store's runs of (c): their longest request, ms.
    pub grown_longest_ms: f64,
    /// (c) while the oldest day of facts is deleted, as many times as the grown store's paths were run (each
    /// run deletes the then oldest day).
    pub deletions: Vec<Deletion>,
}

/// A day, in milliseconds.
const DAY_MS: i64 = 86_400_000;
/// On PostgreSQL, how long after the gateway starts the oldest day passes its retention (the load is running
/// by then).
pub(super) const DAY_ENDS_AFTER: std::time::Duration = std::time::Duration::from_secs(6);

/// One run of (c) while the oldest day of facts is deleted.
#[derive(Debug, Clone)]
pub struct Deletion {
    /// The load's report.
    pub load: LoadReport,
    /// The facts deleted.
    pub deleted: u64,
    /// How long the deletion took.
    pub seconds: f64,
    /// The cycles that finished while the day went (from the deletion's start to [`IN_FLIGHT_AFTER`] past its
    /// end) against equally long stretches of the grown store's runs without a deletion; `None` when the load
    /// was not running then.
    pub during: Option<During>,
}

/// What the cycles in flight during a deletion took, against what they take without one: of the deletion's
/// stretch, or of the part of it that held them longest when it is cut into parts ([`During::judged`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct During {
    /// The longest cycle that finished while the day went (in that part), ms.
    pub longest_ms: f64,
    /// How long the stretch (or part) was, in the timeline's slices.
    pub slices: usize,
    /// The median, over every stretch of as many slices in the grown store's runs of (c) without a deletion,
    /// of its longest cycle, ms.
    pub typical_longest_ms: f64,
    /// Into how many parts the deletion's stretch was cut (1: whole).
    pub parts: usize,
}

impl During {
    /// The parts of a deletion's stretch, each against the stretches of as many slices of `runs`: the part that
    /// held its cycles longest beyond its baseline. `None` without parts or when one cannot be judged (no run
    /// twice its length). A deletion longer than half a run without one is cut into parts that are not (see
    /// [`Timeline::in_flight_parts`]); taking the worst of several parts against the median of one can only
    /// overstate the hold.
    fn judged<'a>(
        parts: &[InFlight],
        runs: impl IntoIterator<Item = &'a Timeline> + Clone,
    ) -> Option<During> {
        let mut worst: Option<During> = None;
        for part in parts {
            let during = During {
                longest_ms: part.longest_ms,
                slices: part.slices,
                typical_longest_ms: typical_stretch_longest(runs.clone(), part.slices)?,
                parts: parts.len(),
            };
            if worst.is_none_or(|w| during.held_ms() > w.held_ms()) {
                worst = Some(during);
            }
        }
        worst
    }

    /// How much longer the deletion's slowest cycle took than an equally long stretch's slowest does, ms.
    pub fn held_ms(&self) -> f64 {
        self.longest_ms - self.typical_longest_ms
    }
}

/// How long after a deletion ends a cycle it held may still be finishing: the cycles that finish by then count
/// as in flight during it.
pub(super) const IN_FLIGHT_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

impl Grown {
    /// How much longer the deletion held a writer: in each deletion run, the longest cycle in flight while the
    /// day went less what the slowest cycle of an equally long stretch of the grown runs without a deletion
    /// typically takes; the worst of the runs. The worst, not a median: the first day deleted is the one whose
    /// pages are least likely in memory, as the day a retention deletes in production (90 days old) is. Taken
    /// over the deletion's own stretch, so that the rest of a run, slow for another reason, does not count as a
    /// hold, and against stretches as long, so that a long deletion is not charged with the stalls any stretch
    /// that long has. `None` if no deletion ran under load.
    pub fn held_ms(&self) -> Option<f64> {
        self.deletions
            .iter()
            .filter_map(|d| d.during.map(|x| x.held_ms()))
            .reduce(f64::max)
    }
}

/// Runs of (b), (c) and `find` per store state in the grown-store comparison (one in a quick run): a single 15 s run
/// on this kind of VM spreads by more than the 10 % the comparison must resolve, so each side is the median run.
fn runs_per_store(plan: Plan) -> usize {
    if plan.quick { 1 } else { 3 }
}

/// How long each run of (c) lasts in the grown-store comparison. A stretch is judged only against runs without a
/// deletion at least twice its length ([`typical_stretch_longest`]), so a longer deletion is judged in parts
/// ([`During::judged`]); SQLite deletes a day of the full store in 13–20 s on this kind of VM (30 s in a slow
/// hour), so its runs of (c) there last 45 s, which judges the usual deletion whole, where the other paths'
/// 15 s would cut every one into parts. PostgreSQL's drop takes a moment: its runs keep the plan's length.
fn cycle_seconds(plan: Plan, deletes_in_batches: bool) -> f64 {
    if deletes_in_batches && !plan.quick {
        45.0
    } else {
        plan.seconds
    }
}

/// Rows of the grown store: 10 million journal entries and 10 million facts over 90 days (a tenth in a
/// quick run is still far more than the load runs leave).
fn grown_rows(plan: Plan) -> u64 {
    if plan.quick { 200_000 } else { 10_000_000 }
}

/// Fills the store at `url` (its gateway stopped) and returns how long it took.
fn fill(url: &str, rows: u64) -> Result<f64> {
    let v = json_output(
        Command::new(release_bin("store-fill"))
            .args(["--url", url, "fill", "--sender", "BENCH", "--days", "90"])
            .args(["--journal", &rows.to_string(), "--facts", &rows.to_string()]),
        "store-fill",
    )?;
    let seconds = v.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
    eprintln!("xtask: filled {url} with {rows} journal entries and {rows} facts in {seconds:.0} s");
    Ok(seconds)
}

/// When the oldest fact in the store at `url` occurred (ms since the epoch), if there is one.
fn oldest_fact(url: &str) -> Result<Option<i64>> {
    let v = json_output(
        Command::new(release_bin("store-fill")).args(["--url", url, "oldest"]),
        "store-fill oldest",
    )?;
    Ok(v.get("oldest_ms").and_then(Value::as_i64))
}

/// What the gateway's facts retention job logged (JSON lines in `log`): the facts it deleted, how long it took
/// and when it ended (ms since the Unix epoch, the line's timestamp), once it has.
fn retention_logged(log: &Path) -> Option<(u64, f64, i64)> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|v| {
            let fields = v.get("fields")?;
            if fields.get("message")?.as_str()? != "facts past their retention deleted" {
                return None;
            }
            Some((
                fields.get("deleted")?.as_u64()?,
                fields.get("seconds")?.as_f64()?,
                unix_ms(v.get("timestamp")?.as_str()?)?,
            ))
        })
}

/// `2026-12-06T20:45:13.445123Z` (a UTC timestamp as the gateway's JSON log writes it) in ms since the Unix epoch.
fn unix_ms(rfc3339: &str) -> Option<i64> {
    let (date, time) = rfc3339.strip_suffix('Z')?.split_once('T')?;
    let mut ymd = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, d) = (ymd.next()?.ok()?, ymd.next()?.ok()?, ymd.next()?.ok()?);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms = hms.splitn(3, ':').map(str::parse::<i64>);
    let (h, min, sec) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    let ms: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    // Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + min) * 60_000 + sec * 1000 + ms)
}

/// (c) under load while the gateway's own facts retention deletes the oldest day of the store at `url`.
///
/// SQLite deletes fact by fact: the gateway (`config`) is started with its retention set to that day's age, so
/// its retention job, which runs at start, deletes it in batches through this process's write gate, as in
/// production; the load starts as soon as the gateway is ready and runs past the deletion (whose first second
/// or so, while the gateway starts, is under no load). PostgreSQL deletes whole days, by dropping a day's
/// partition in a moment: its retention is set so that the day ends [`DAY_ENDS_AFTER`] after the start, and
/// the job runs every second, so the day goes under load (checked: no deletion may be logged before the
/// load starts). The load's warm-up is half a second.
fn cycle_during_delete(
    config: &Path,
    url: &str,
    plan: Plan,
    whole_days: bool,
) -> Result<(Deletion, (i64, i64))> {
    let oldest = oldest_fact(url)?.ok_or("no facts to delete")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    let now = i64::try_from(now).map_err(|e| e.to_string())?;
    let config = if whole_days {
        // The oldest fact's day, as a partition, ends at the next midnight (UTC); it is dropped once the cutoff
        // (now less the retention) passes that: a retention of its age plus the lead has that happen the lead
        // after now.
        let day_end = (oldest.div_euclid(DAY_MS) + 1) * DAY_MS;
        let lead = i64::try_from(DAY_ENDS_AFTER.as_millis()).map_err(|e| e.to_string())?;
        deletion_config(config, now - day_end + lead, Some("1s"))?
    } else {
        // A day's worth of facts from the oldest on, fact by fact, at start.
        deletion_config(config, now - (oldest + DAY_MS), None)?
    };
    let log = config.with_file_name("gateway-deletion.log");
    let gw = start_gateway_logging(&config, &log)?;
    if whole_days && retention_logged(&log).is_some() {
        return Err(
            "the day was deleted before the load started (the gateway took too long to start)"
                .into(),
        );
    }
    // Past the deletion: SQLite's takes 13-30 s from the gateway's start, so its load lasts as long as the grown
    // runs of (c); PostgreSQL's drop comes 6 s in.
    let report = cycle_with_timeline(
        gw.addr,
        Plan {
            seconds: (plan.seconds + 10.0).max(cycle_seconds(plan, !whole_days)),
            warmup: 0.5,
            ..plan
        },
    )?;
    let mut logged = retention_logged(&log);
    for _ in 0..1200 {
        if logged.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        logged = retention_logged(&log);
    }
    drop(gw);
    let (deleted, seconds, ended) =
        logged.ok_or("the gateway's facts retention did not finish in time")?;
    let began = ended - (seconds * 1e3).round() as i64;
    let in_flight = i64::try_from(IN_FLIGHT_AFTER.as_millis()).map_err(|e| e.to_string())?;
    let timeline = report
        .timeline
        .as_ref()
        .ok_or("loadgen reported no timeline")?;
    if whole_days && began < timeline.start_unix_ms {
        return Err(format!(
            "the day was dropped {} ms before the load was measured (the gateway took too long to start)",
            timeline.start_unix_ms - began
        ));
    }
    let window = (began, ended + in_flight);
    eprintln!(
        "xtask: the gateway's retention deleted {deleted} facts in {seconds:.2} s under load; the cycles in \
         flight then {:?}; the run's longest {:.1} ms",
        timeline.in_flight(window.0, window.1),
        report.max_ms
    );
    Ok((
        Deletion {
            load: report,
            deleted,
            seconds,
            during: None,
        },
        window,
    ))
}

/// The grown-store phase of `dialect`: the store at `url` (its gateway, `config`, stopped) filled, then measured
/// alternately with its copy from before the fill (served by `empty_config`), so that both sides see the same
/// moments of this VM, whose speed drifts by more than the 10 % the comparison must resolve; then the deletions.
pub(super) fn grown_phase(
    dialect: &'static str,
    config: &Path,
    url: &str,
    empty_config: &Path,
    plan: Plan,
    snils: &str,
) -> Result<Grown> {
    let rows = grown_rows(plan);
    let fill_seconds = fill(url, rows)?;
    let postgres = dialect == "PostgreSQL";
    // Each PostgreSQL run starts from a checkpoint of its own. The cycle writes half a gigabyte of WAL in
    // about 90 s on this VM, enough to trigger a checkpoint every 90 s (`max_wal_size` 1 GB), and the pages
    // first written after one go to the WAL whole; started from a checkpoint, every run bears the same burst at
    // its start and none meets another before it ends. (Made for the third deletion run of 3994acf's full
    // run, at half the rate of the others; it was not the cause: the cycle's sixth run in a row halves on a
    // store nobody vacuums, checkpoint or not — docs/performance-analysis.md.)
    let settled = || {
        if postgres {
            crate::pg::checkpoint()
        } else {
            Ok(())
        }
    };
    let cycle = Plan {
        seconds: cycle_seconds(plan, !postgres),
        ..plan
    };
    let mut empty = Vec::new();
    let mut grown = Vec::new();
    for _ in 0..runs_per_store(plan) {
        settled()?;
        empty.push(trio_served(empty_config, plan, cycle, snils)?);
        settled()?;
        grown.push(trio_served(config, plan, cycle, snils)?);
    }
    let without: Vec<&Timeline> = grown
        .iter()
        .filter_map(|t| t.cycle.timeline.as_ref())
        .collect();
    // A deletion's stretch is judged in parts no longer than half the longest run without one.
    let max_slices = without.iter().map(|t| t.completed.len()).max().unwrap_or(0) / 2;
    let deletions = (0..grown.len())
        .map(|_| {
            settled()?;
            let (deletion, (from, to)) = cycle_during_delete(config, url, plan, postgres)?;
            let parts = deletion
                .load
                .timeline
                .as_ref()
                .map(|t| t.in_flight_parts(from, to, max_slices))
                .unwrap_or_default();
            Ok(Deletion {
                during: During::judged(&parts, without.iter().copied()),
                ..deletion
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Grown {
        dialect,
        journal_rows: rows,
        fact_rows: rows,
        fill_seconds,
        cycle_seconds: cycle.seconds,
        empty: median_trio(&empty),
        grown: median_trio(&grown),
        grown_longest_ms: median(grown.iter().map(|t| t.cycle.max_ms)),
        deletions,
    })
}

/// (b) and `find` for `plan`, (c) for `cycle`, against a gateway started with `config` for them.
fn trio_served(config: &Path, plan: Plan, cycle: Plan, snils: &str) -> Result<Trio> {
    let gw = start_gateway(config)?;
    let verify = verify_body(gw.addr, snils)?;
    trio(gw.addr, plan, cycle, &verify)
}

/// A copy of the SQLite store at `url` (its gateway stopped) in `dir`; returns its URL.
pub(super) fn copy_sqlite(url: &str, dir: &Path) -> Result<String> {
    let from = Path::new(url.strip_prefix("sqlite://").ok_or("not a SQLite URL")?);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let to = dir.join(from.file_name().ok_or("no file name")?);
    for suffix in ["", "-wal"] {
        let source = PathBuf::from(format!("{}{suffix}", from.display()));
        if source.exists() {
            std::fs::copy(&source, format!("{}{suffix}", to.display()))
                .map_err(|e| format!("{}: {e}", source.display()))?;
        }
    }
    Ok(format!("sqlite://{}", to.display()))
}

#[cfg(test)]
mod tests {
    use super::super::runs::tests::{report, trio};
    use super::super::timeline::{InFlight, Timeline};
    use super::{Deletion, During, Grown, unix_ms};

    #[test]
    fn the_hold_is_the_worst_deletion_against_its_baseline() {
        let deletion = |during: Option<(f64, f64)>| Deletion {
            load: report(1000.0, 300.0),
            deleted: 100,
            seconds: 1.0,
            during: during.map(|(longest_ms, typical_longest_ms)| During {
                longest_ms,
                slices: 5,
                typical_longest_ms,
                parts: 1,
            }),
        };
        let mut g = Grown {
            dialect: "SQLite",
            journal_rows: 0,
            fact_rows: 0,
            fill_seconds: 0.0,
            cycle_seconds: 15.0,
            empty: trio(1.0, 1.0, 1.0),
            grown: trio(1.0, 1.0, 1.0),
            grown_longest_ms: 25.0,
            deletions: vec![
                deletion(Some((40.0, 20.0))),
                deletion(Some((160.0, 120.0))),
                deletion(None),
                deletion(Some((95.0, 30.0))),
            ],
        };
        assert_eq!(
            g.held_ms(),
            Some(65.0),
            "the worst deletion decides, each against its own baseline (160 ms is 40 over its 120)"
        );
        g.deletions.retain(|d| d.during.is_none());
        assert_eq!(g.held_ms(), None, "no deletion under load: not measured");
    }

    #[test]
    fn a_deletion_is_judged_against_equally_long_stretches_without_one() {
        let run = |longest: [f64; 6]| Timeline {
            start_unix_ms: 0,
            slice_ms: 100,
            completed: vec![1; 6],
            max_ms: longest.to_vec(),
        };
        let without = [
            run([10.0, 12.0, 11.0, 200.0, 10.0, 13.0]),
            run([9.0, 10.0, 10.0, 11.0, 12.0, 10.0]),
        ];
        let short = InFlight {
            longest_ms: 60.0,
            slices: 1,
        };
        let d = During::judged(&[short], &without).expect("judged");
        assert_eq!(
            (d.typical_longest_ms, d.held_ms()),
            (11.0, 49.0),
            "a slice's slowest is typically 11 ms"
        );
        let three = InFlight {
            longest_ms: 150.0,
            slices: 3,
        };
        let d = During::judged(&[three], &without).expect("judged");
        assert_eq!(
            (d.typical_longest_ms, d.held_ms()),
            (12.0, 138.0),
            "stretches of three: 12, 200, 200, 200 and 10, 11, 12, 12: one run's stall does not make the median"
        );
        let long = InFlight {
            longest_ms: 150.0,
            slices: 4,
        };
        assert_eq!(
            During::judged(&[long], &without),
            None,
            "longer than half a run without a deletion: not judged"
        );
        assert_eq!(During::judged(&[], &without), None);
        assert_eq!(During::judged(&[short], []), None);
        // Cut into parts of at most three: each against stretches of its length, the worst beyond its own counts.
        let d = During::judged(&[three, short], &without).expect("judged");
        assert_eq!(
            (d.held_ms(), d.slices, d.parts),
            (138.0, 3, 2),
            "138 ms over three slices is worse than 49 over one"
        );
        // Runs whose every three slices hold a 90 ms cycle, though a single slice's slowest is typically 10 ms: a
        // part of three with a 100 ms cycle is held less (10 ms) than a part of one with a 60 ms cycle (50 ms).
        let spiky = [
            run([10.0, 10.0, 90.0, 10.0, 10.0, 90.0]),
            run([10.0, 90.0, 10.0, 10.0, 90.0, 10.0]),
        ];
        let slow_but_usual = InFlight {
            longest_ms: 100.0,
            slices: 3,
        };
        let d = During::judged(&[slow_but_usual, short], &spiky).expect("judged");
        assert_eq!(
            (d.longest_ms, d.held_ms(), d.slices),
            (60.0, 50.0, 1),
            "the worst by its hold, not by its longest"
        );
        assert_eq!(
            During::judged(&[short, long], &without),
            None,
            "a part that cannot be judged leaves the deletion unjudged"
        );
    }

    #[test]
    fn log_timestamps_read_as_unix_milliseconds() {
        assert_eq!(unix_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_ms("2000-03-01T00:00:00.5Z"), Some(951_868_800_500));
        // `date -u -d 2026-12-06T20:45:13.445Z +%s%3N`
        assert_eq!(
            unix_ms("2026-12-06T20:45:13.445123Z"),
            Some(1_796_589_913_445)
        );
        assert_eq!(unix_ms("2026-12-06T20:45:13+03:00"), None, "UTC only");
    }
}
