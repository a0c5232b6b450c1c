//! `gameday history`: game days over time, from the journals alone.
//!
//! Each journal is summed up by the report's own fold (`report::summary`), so a verdict,
//! a worst value or a time to recover here is the one that run's report gives; this
//! module only groups the runs by scenario and says how things went over time. Nothing
//! here reads the clock: `now` is a parameter, so "days since CONFIRMED" is tested with a
//! fixed one.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::analysis::Recovery;
use crate::journal::{self, Verdict, MAX_JOURNAL_BYTES};
use crate::report::{self, RunSummary, SignalFigures};

pub type Ts = DateTime<Utc>;

/// Past this many days without a CONFIRMED run, a scenario is flagged: what held a
/// month ago may not hold after a month of deploys.
pub const STALE_DAYS: i64 = 30;
/// A first and last value of a trend this close (relative to the larger) read "steady".
pub const STEADY_WITHIN: f64 = 0.1;
/// How many runs a trend shows, the newest last.
pub const TREND_RUNS: usize = 5;
/// At most this many run directories are read, the newest by name (run directories are
/// named by their start time): a runs directory of years must not take minutes.
pub const MAX_RUNS: usize = 1000;
/// At most this many bytes of journals are read in all.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
/// At most this many entries of RUNS_DIR are looked at.
const MAX_ENTRIES: usize = 100_000;

/// One run read.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRead {
    pub run_dir: PathBuf,
    pub summary: RunSummary,
}

/// What a look through a runs directory found.
#[derive(Debug, Default)]
pub struct Scan {
    pub runs: Vec<RunRead>,
    /// what could not be read, and why (the message names the path)
    pub unreadable: Vec<(PathBuf, String)>,
    /// run directories left unread over the limits, and which limit
    pub not_read: Vec<(PathBuf, String)>,
}

/// Reads every `*/journal.jsonl` under `runs_dir`. `Err` only when `runs_dir` itself
/// cannot be listed; a run that cannot be read is named in `Scan::unreadable`.
///
/// The entries of `runs_dir` are not trusted (a shared runs directory holds everyone's
/// runs): a symbolic link is never followed, neither as a run directory nor as a
/// journal, and each journal is read as `report` reads one (a regular file, bounded).
pub fn scan(runs_dir: &Path) -> io::Result<Scan> {
    let mut scan = Scan::default();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (n, entry) in std::fs::read_dir(runs_dir)?.enumerate() {
        if n >= MAX_ENTRIES {
            scan.not_read.push((
                runs_dir.to_path_buf(),
                format!(
                    "{}: only its first {MAX_ENTRIES} entries were looked at",
                    runs_dir.display()
                ),
            ));
            break;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                scan.unreadable.push((
                    runs_dir.to_path_buf(),
                    format!("{}: {e}", runs_dir.display()),
                ));
                continue;
            }
        };
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => dirs.push(path),
            Ok(t) if t.is_symlink() => scan.unreadable.push((
                path.clone(),
                format!(
                    "{}: a symbolic link; history does not follow links out of the runs directory",
                    path.display()
                ),
            )),
            // a file beside the runs: not a run
            Ok(_) => {}
            Err(e) => scan
                .unreadable
                .push((path.clone(), format!("{}: {e}", path.display()))),
        }
    }
    // newest first, by name: a run directory's name starts with its UTC start time
    dirs.sort_by(|a, b| b.file_name().cmp(&a.file_name()));
    let mut total: u64 = 0;
    for (i, dir) in dirs.into_iter().enumerate() {
        if i >= MAX_RUNS {
            scan.not_read.push((
                dir.clone(),
                format!(
                    "{}: not read, only the newest {MAX_RUNS} run directories are",
                    dir.display()
                ),
            ));
            continue;
        }
        match read_run(&dir, &mut total) {
            Ok(Some(summary)) => scan.runs.push(RunRead {
                run_dir: dir,
                summary,
            }),
            Ok(None) => {}
            Err(Unread::Unreadable(why)) => scan.unreadable.push((dir, why)),
            Err(Unread::OverLimit(why)) => scan.not_read.push((dir, why)),
        }
    }
    Ok(scan)
}

enum Unread {
    Unreadable(String),
    OverLimit(String),
}

/// One run directory's journal, summed up; `None` when the directory holds no journal
/// (not a run).
fn read_run(dir: &Path, total: &mut u64) -> Result<Option<RunSummary>, Unread> {
    let journal_path = dir.join("journal.jsonl");
    let unreadable = |e: &dyn std::fmt::Display| Unread::Unreadable(e.to_string());
    // the directory is held open, and the journal opened inside it without following a
    // link: a teammate renaming things meanwhile cannot send this read elsewhere
    let pinned = crate::files::PinnedDir::open(dir)
        .map_err(|e| Unread::Unreadable(format!("cannot read {}: {e}", dir.display())))?;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY | nix::libc::O_NOFOLLOW)
        .open(pinned.path().join("journal.jsonl"))
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
            return Err(Unread::Unreadable(format!(
                "{}: a symbolic link; history does not follow links out of the runs directory",
                journal_path.display()
            )))
        }
        Err(e) => {
            return Err(Unread::Unreadable(format!(
                "cannot open {}: {e}",
                journal_path.display()
            )))
        }
    };
    let (file, meta) = crate::files::checked(file, &journal_path, MAX_JOURNAL_BYTES, "journals")
        .map_err(|e| unreadable(&e))?;
    if total.saturating_add(meta.len()) > MAX_TOTAL_BYTES {
        return Err(Unread::OverLimit(format!(
            "{}: not read, {} bytes of journals were read already (the limit is {MAX_TOTAL_BYTES})",
            journal_path.display(),
            total
        )));
    }
    *total += meta.len();
    let records = journal::read_journal_from(file, &journal_path).map_err(|e| unreadable(&e))?;
    match report::summary(&records) {
        Ok(s) => Ok(Some(s)),
        Err(report::ReportError::NoRunStarted) => Err(Unread::Unreadable(format!(
            "{}: no run_started line: not a gameday journal",
            journal_path.display()
        ))),
        Err(e) => Err(unreadable(&e)),
    }
}

/// One scenario's runs, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioHistory {
    pub scenario: String,
    pub runs: Vec<RunRead>,
    /// the start of the newest run whose CONFIRMED its own records agree with
    pub last_confirmed: Option<Ts>,
    pub days_since_confirmed: Option<i64>,
}

impl ScenarioHistory {
    pub fn last(&self) -> Option<&RunRead> {
        self.runs.last()
    }

    /// Never CONFIRMED, or not for more than [`STALE_DAYS`].
    pub fn stale(&self) -> bool {
        self.days_since_confirmed.is_none_or(|d| d > STALE_DAYS)
    }

    /// The runs a trend shows: the last [`TREND_RUNS`], oldest first.
    pub fn trend_runs(&self) -> &[RunRead] {
        &self.runs[self.runs.len().saturating_sub(TREND_RUNS)..]
    }

    /// The signals of the newest run (the scenario as it is now), each with its worst
    /// value in each of the trend's runs (`None` where that run has no value for it).
    pub fn signal_trends(&self) -> Vec<(&SignalFigures, Vec<Option<f64>>)> {
        let Some(last) = self.last() else {
            return Vec::new();
        };
        last.summary
            .signals
            .iter()
            .map(|s| {
                let values = self
                    .trend_runs()
                    .iter()
                    .map(|r| {
                        r.summary
                            .signals
                            .iter()
                            .find(|o| o.name == s.name)
                            .and_then(|o| o.worst)
                    })
                    .collect();
                (s, values)
            })
            .collect()
    }
}

/// Whole days from `then` to `now`; 0 for a `then` in the future (a clock that is
/// behind another host's).
pub fn days_since(then: Ts, now: Ts) -> i64 {
    (now - then).num_days().max(0)
}

/// A CONFIRMED whose records agree with it: one they contradict is not evidence.
fn trusted_confirmed(s: &RunSummary) -> bool {
    s.verdict == Some(Verdict::Confirmed) && s.disagreement.is_none()
}

/// The runs grouped by scenario (by name), each group oldest first, in scenario order.
pub fn fold(runs: Vec<RunRead>, now: Ts) -> Vec<ScenarioHistory> {
    let mut by: BTreeMap<String, Vec<RunRead>> = BTreeMap::new();
    for r in runs {
        by.entry(r.summary.scenario.clone()).or_default().push(r);
    }
    by.into_iter()
        .map(|(scenario, mut runs)| {
            runs.sort_by(|a, b| {
                (a.summary.started, &a.summary.run_id).cmp(&(b.summary.started, &b.summary.run_id))
            });
            let last_confirmed = runs
                .iter()
                .rev()
                .find(|r| trusted_confirmed(&r.summary))
                .map(|r| r.summary.started);
            ScenarioHistory {
                scenario,
                days_since_confirmed: last_confirmed.map(|t| days_since(t, now)),
                last_confirmed,
                runs,
            }
        })
        .collect()
}

/// Which way a series went from its first value to its last: against the expectation
/// when there is one ("worse", "better"), by value otherwise ("up", "down"); "steady"
/// when the two read the same or are within [`STEADY_WITHIN`]. `None` with fewer than
/// two values.
pub fn trend_word(s: &SignalFigures, values: &[Option<f64>]) -> Option<&'static str> {
    let known: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    let (&first, &last) = (known.first()?, known.last()?);
    if known.len() < 2 {
        return None;
    }
    if s.value_words(first) == s.value_words(last) || close(first, last) {
        return Some("steady");
    }
    Some(match &s.expect {
        Some(c) if c.op.worse(last, first, c.value) => "worse",
        Some(c) if c.op.worse(first, last, c.value) => "better",
        Some(_) => "steady",
        None if last > first => "up",
        None => "down",
    })
}

/// Within [`STEADY_WITHIN`] of each other: the jitter of one run to the next, not a
/// trend.
fn close(a: f64, b: f64) -> bool {
    let scale = a.abs().max(b.abs());
    scale.is_finite() && (a - b).abs() <= scale * STEADY_WITHIN
}

/// How slow a recovery was, to compare two; `None` for one that cannot be compared
/// (the fault never settled).
fn recovery_rank(r: Option<Recovery>) -> Option<(u8, std::time::Duration)> {
    let zero = std::time::Duration::ZERO;
    match r? {
        Recovery::NotNeeded => Some((0, zero)),
        Recovery::BeforeRevert => Some((1, zero)),
        Recovery::After(d) => Some((2, d)),
        Recovery::Never => Some((3, zero)),
        Recovery::NotSettled => None,
    }
}

/// The time-to-recover trend over the runs that triggered a fault: "worse" when the
/// last recovered slower than the first, "better" when faster, "steady" when the two
/// read the same. `None` with fewer than two such runs, or a fault that never settled.
pub fn recovery_trend(runs: &[RunRead]) -> Option<&'static str> {
    let triggered: Vec<Option<Recovery>> = runs
        .iter()
        .filter(|r| r.summary.triggered)
        .map(|r| r.summary.recovery)
        .collect();
    let (&first, &last) = (triggered.first()?, triggered.last()?);
    if triggered.len() < 2 {
        return None;
    }
    let same = match (first, last) {
        (Some(Recovery::After(a)), Some(Recovery::After(b))) => {
            close(a.as_secs_f64(), b.as_secs_f64())
        }
        _ => false,
    };
    if same || report::recovery_words(first) == report::recovery_words(last) {
        return Some("steady");
    }
    Some(match recovery_rank(last)?.cmp(&recovery_rank(first)?) {
        std::cmp::Ordering::Greater => "worse",
        std::cmp::Ordering::Less => "better",
        std::cmp::Ordering::Equal => "steady",
    })
}

fn verdict_word(s: &RunSummary) -> &'static str {
    s.verdict.map(Verdict::word).unwrap_or("NO VERDICT")
}

fn days_words(h: &ScenarioHistory) -> String {
    match h.days_since_confirmed {
        None => "never".to_string(),
        Some(d) => {
            let n = if d == 1 {
                "1 day".to_string()
            } else {
                format!("{d} days")
            };
            if d > STALE_DAYS {
                format!("⚠ {n}")
            } else {
                n
            }
        }
    }
}

fn safe(s: &str) -> String {
    crate::text::visible(s).into_owned()
}

/// `s` cut to at most `n` characters, with an ellipsis when cut.
fn fit(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(n.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn pad(s: &str, n: usize) -> String {
    let len = s.chars().count();
    format!("{s}{}", " ".repeat(n.saturating_sub(len)))
}

/// The listing for a person: one row per scenario, and under it the trends.
pub fn text(runs_dir: &Path, histories: &[ScenarioHistory], scan: &Scan) -> String {
    let mut out = String::new();
    let dir = safe(&runs_dir.display().to_string());
    let runs: usize = histories.iter().map(|h| h.runs.len()).sum();
    if histories.is_empty() {
        out.push_str(&format!("no runs in {dir}\n"));
    } else {
        let names: Vec<String> = histories
            .iter()
            .map(|h| fit(&safe(&h.scenario), 40))
            .collect();
        let w = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        let verdicts: Vec<String> = histories
            .iter()
            .map(|h| {
                h.last().map_or_else(String::new, |r| {
                    let mark = if r.summary.disagreement.is_some() {
                        "*"
                    } else {
                        ""
                    };
                    format!("{}{mark}", verdict_word(&r.summary))
                })
            })
            .collect();
        let vw = verdicts
            .iter()
            .map(|v| v.chars().count())
            .max()
            .unwrap_or(0)
            .max(12);
        out.push_str(&format!(
            "{}  {}  {}  RUNS  SINCE CONFIRMED\n",
            pad("SCENARIO", w),
            pad("LAST RUN (UTC)", 16),
            pad("LAST VERDICT", vw)
        ));
        for ((h, name), verdict) in histories.iter().zip(&names).zip(&verdicts) {
            let last = h
                .last()
                .map(|r| r.summary.started.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            out.push_str(&format!(
                "{}  {}  {}  {:>4}  {}\n",
                pad(name, w),
                pad(&last, 16),
                pad(verdict, vw),
                h.runs.len(),
                days_words(h)
            ));
            for (s, values) in h.signal_trends() {
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| v.map_or_else(|| "—".to_string(), |v| s.value_words(v)))
                    .collect();
                let word = trend_word(s, &values).map_or_else(String::new, |w| format!(" ({w})"));
                let expect = s
                    .expect
                    .as_ref()
                    .map_or_else(String::new, |_| format!(" (expect {})", s.expect_words()));
                out.push_str(&format!(
                    "    {}{expect}, worst during faults: {}{word}\n",
                    safe(&s.name),
                    shown.join(" → ")
                ));
            }
            let trend = h.trend_runs();
            let shown: Vec<String> = trend
                .iter()
                .map(|r| report::recovery_words(r.summary.recovery))
                .collect();
            let word = recovery_trend(trend).map_or_else(String::new, |w| format!(" ({w})"));
            out.push_str(&format!(
                "    time to recover: {}{word}\n",
                shown.join(" → ")
            ));
        }
        out.push_str(&format!(
            "\n{runs} {} of {} {} in {dir}; trends are the last {TREND_RUNS} runs at most, oldest → newest; ⚠ marks a scenario not CONFIRMED for more than {STALE_DAYS} days.\n",
            if runs == 1 { "run" } else { "runs" },
            histories.len(),
            if histories.len() == 1 { "scenario" } else { "scenarios" },
        ));
        for h in histories {
            if let Some(r) = h.last().filter(|r| r.summary.disagreement.is_some()) {
                out.push_str(&format!(
                    "* {}: the journal's verdict is not the one its own records give; see `gameday report --recheck {}`\n",
                    safe(&h.scenario),
                    safe(&r.run_dir.display().to_string())
                ));
            }
        }
    }
    if !scan.unreadable.is_empty() {
        let n = scan.unreadable.len();
        out.push_str(&format!(
            "\ncould not read {n} {}:\n",
            if n == 1 { "run" } else { "runs" }
        ));
        for (_, why) in &scan.unreadable {
            out.push_str(&format!("  {}\n", safe(why)));
        }
    }
    if !scan.not_read.is_empty() {
        let n = scan.not_read.len();
        out.push_str(&format!(
            "\n{n} {} not read (over the limits):\n",
            if n == 1 { "run" } else { "runs" }
        ));
        for (_, why) in scan.not_read.iter().take(10) {
            out.push_str(&format!("  {}\n", safe(why)));
        }
        if n > 10 {
            out.push_str(&format!("  and {} more\n", n - 10));
        }
    }
    out
}

fn number(v: Option<f64>) -> Value {
    // JSON has no infinity or NaN: such a value is null
    v.filter(|v| v.is_finite())
        .map_or(Value::Null, |v| json!(v))
}

fn recovery_json(r: Option<Recovery>) -> (Value, Value) {
    let kind = match r {
        None => Value::Null,
        Some(Recovery::NotNeeded) => json!("not_needed"),
        Some(Recovery::BeforeRevert) => json!("before_revert"),
        Some(Recovery::After(_)) => json!("after"),
        Some(Recovery::Never) => json!("never"),
        Some(Recovery::NotSettled) => json!("not_settled"),
    };
    let secs = match r {
        Some(Recovery::After(d)) => json!(d.as_secs_f64()),
        _ => Value::Null,
    };
    (kind, secs)
}

/// The listing for a dashboard: README's "gameday history" documents every field. Every
/// string is made safe for a terminal, as in the text listing (names come from
/// scenarios, paths from whoever shares the runs directory).
pub fn json(runs_dir: &Path, histories: &[ScenarioHistory], scan: &Scan, now: Ts) -> String {
    let ts = |t: Ts| json!(journal::format_ts(t));
    let scenarios: Vec<Value> = histories
        .iter()
        .map(|h| {
            let runs: Vec<Value> = h
                .runs
                .iter()
                .map(|r| {
                    let s = &r.summary;
                    let (recovery, recovery_s) = recovery_json(s.recovery);
                    json!({
                        "run_id": safe(&s.run_id),
                        "run_dir": safe(&r.run_dir.display().to_string()),
                        "started": ts(s.started),
                        "verdict": s.verdict.map(Verdict::word),
                        "records_agree": s.disagreement.is_none(),
                        "triggered": s.triggered,
                        "worst": s.signals.iter().map(|f| json!({
                            "signal": safe(&f.name),
                            "value": number(f.worst),
                            "shown": f.worst.map(|v| f.value_words(v)),
                        })).collect::<Vec<_>>(),
                        "recovery": recovery,
                        "recovery_s": recovery_s,
                    })
                })
                .collect();
            let signals: Vec<Value> = h
                .signal_trends()
                .into_iter()
                .map(|(s, values)| {
                    json!({
                        "name": safe(&s.name),
                        "unit": s.unit,
                        "expect": s.expect.as_ref().map(|_| s.expect_words()),
                        "worst": values.iter().map(|v| number(*v)).collect::<Vec<_>>(),
                        "trend": trend_word(s, &values),
                    })
                })
                .collect();
            let trend = h.trend_runs();
            let last = h.last();
            json!({
                "scenario": safe(&h.scenario),
                "run_count": h.runs.len(),
                "last_run": last.map(|r| ts(r.summary.started)),
                "last_run_dir": last.map(|r| safe(&r.run_dir.display().to_string())),
                "last_verdict": last.and_then(|r| r.summary.verdict.map(Verdict::word)),
                "last_confirmed": h.last_confirmed.map(ts),
                "days_since_confirmed": h.days_since_confirmed,
                "stale": h.stale(),
                "runs": runs,
                "trend_runs": trend.iter().map(|r| safe(&r.summary.run_id)).collect::<Vec<_>>(),
                "signals": signals,
                "recovery_s": trend.iter().map(|r| recovery_json(r.summary.recovery).1).collect::<Vec<_>>(),
                "recovery_trend": recovery_trend(trend),
            })
        })
        .collect();
    let listed = |l: &[(PathBuf, String)]| -> Vec<Value> {
        l.iter()
            .map(|(p, why)| json!({"path": safe(&p.display().to_string()), "error": safe(why)}))
            .collect()
    };
    let v = json!({
        "runs_dir": safe(&runs_dir.display().to_string()),
        "now": ts(now),
        "stale_days": STALE_DAYS,
        "scenarios": scenarios,
        "unreadable": listed(&scan.unreadable),
        "not_read": listed(&scan.not_read),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testkit::criterion;
    use crate::units::{Op, Unit};
    use std::time::Duration;

    fn day(d: i64) -> Ts {
        DateTime::from_timestamp(1_795_773_600 + d * 86_400, 0).unwrap()
    }

    fn p99(worst: Option<f64>) -> SignalFigures {
        SignalFigures {
            name: "p99".into(),
            unit: Unit::Seconds,
            expect: Some(criterion(Op::Lt, 0.3, "< 300ms")),
            worst,
        }
    }

    fn run(
        scenario: &str,
        started: Ts,
        verdict: Option<Verdict>,
        worst: Option<f64>,
        recovery: Option<Recovery>,
    ) -> RunRead {
        let id = format!("{}-{scenario}", started.format("%Y%m%dT%H%M%SZ"));
        RunRead {
            run_dir: PathBuf::from("runs").join(&id),
            summary: RunSummary {
                run_id: id,
                scenario: scenario.into(),
                started,
                verdict,
                disagreement: None,
                triggered: recovery.is_some(),
                signals: vec![p99(worst)],
                recovery,
            },
        }
    }

    fn after(ms: u64) -> Option<Recovery> {
        Some(Recovery::After(Duration::from_millis(ms)))
    }

    #[test]
    fn days_since_counts_whole_days_and_never_goes_negative() {
        assert_eq!(days_since(day(0), day(0)), 0);
        assert_eq!(days_since(day(0), day(1) - chrono::Duration::seconds(1)), 0);
        assert_eq!(days_since(day(0), day(45)), 45);
        assert_eq!(days_since(day(3), day(1)), 0);
    }

    #[test]
    fn the_fold_groups_by_scenario_orders_by_start_and_finds_the_last_confirmed() {
        use Verdict::*;
        let runs = vec![
            // read newest first, as the scan reads them
            run(
                "cache",
                day(40),
                Some(Refuted),
                Some(0.9),
                Some(Recovery::Never),
            ),
            run("cache", day(10), Some(Confirmed), Some(0.2), after(1500)),
            run("db", day(44), None, None, None),
            run("cache", day(20), Some(Confirmed), Some(0.25), after(800)),
            run("db", day(1), Some(Refuted), Some(0.5), after(300)),
        ];
        let h = fold(runs, day(65) + chrono::Duration::hours(3));
        assert_eq!(
            h.iter().map(|h| h.scenario.as_str()).collect::<Vec<_>>(),
            ["cache", "db"]
        );
        let cache = &h[0];
        assert_eq!(
            cache
                .runs
                .iter()
                .map(|r| r.summary.started)
                .collect::<Vec<_>>(),
            [day(10), day(20), day(40)]
        );
        assert_eq!(cache.last_confirmed, Some(day(20)));
        assert_eq!(cache.days_since_confirmed, Some(45));
        assert!(cache.stale());
        assert_eq!(
            cache.signal_trends()[0].1,
            vec![Some(0.2), Some(0.25), Some(0.9)]
        );
        assert_eq!(
            trend_word(&p99(None), &cache.signal_trends()[0].1),
            Some("worse")
        );
        assert_eq!(recovery_trend(&cache.runs), Some("worse"));
        let db = &h[1];
        assert_eq!((db.last_confirmed, db.days_since_confirmed), (None, None));
        assert!(db.stale(), "never CONFIRMED");

        let text = text(Path::new("runs"), &h, &Scan::default());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "SCENARIO  LAST RUN (UTC)    LAST VERDICT  RUNS  SINCE CONFIRMED"
        );
        assert_eq!(
            lines[1],
            "cache     2027-01-06 10:00  REFUTED          3  ⚠ 45 days"
        );
        assert_eq!(
            lines[2],
            "    p99 (expect < 300 ms), worst during faults: 200 ms → 250 ms → 900 ms (worse)"
        );
        assert_eq!(
            lines[3],
            "    time to recover: 1.5 s → 800 ms → not recovered (worse)"
        );
        assert_eq!(
            lines[4],
            "db        2027-01-10 10:00  NO VERDICT       2  never"
        );
        // a run that triggered nothing has no value, and is left out of the recovery trend
        assert_eq!(
            lines[5],
            "    p99 (expect < 300 ms), worst during faults: 500 ms → —"
        );
        assert_eq!(lines[6], "    time to recover: 300 ms → —");
    }

    #[test]
    fn a_confirmed_its_records_contradict_does_not_count_and_is_marked() {
        let mut last = run(
            "cache",
            day(5),
            Some(Verdict::Confirmed),
            Some(0.1),
            after(100),
        );
        last.summary.disagreement = Some("the journal's verdict is CONFIRMED, but …".into());
        let runs = vec![
            run(
                "cache",
                day(1),
                Some(Verdict::Confirmed),
                Some(0.1),
                after(100),
            ),
            last,
        ];
        let h = fold(runs, day(7));
        assert_eq!(h[0].days_since_confirmed, Some(6));
        let text = text(Path::new("runs"), &h, &Scan::default());
        assert!(text.contains("  CONFIRMED*  "), "{text}");
        assert!(
            text.contains("* cache: the journal's verdict is not the one its own records give; see `gameday report --recheck runs/20261202T100000Z-cache`"),
            "{text}"
        );
    }

    #[test]
    fn trends_show_the_last_five_runs_and_read_the_same_as_steady() {
        let worst = [0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16];
        let runs: Vec<RunRead> = (0..7)
            .map(|i| {
                run(
                    "x",
                    day(i),
                    Some(Verdict::Confirmed),
                    Some(worst[i as usize]),
                    after(1000),
                )
            })
            .collect();
        let h = fold(runs, day(7));
        let (s, values) = &h[0].signal_trends()[0];
        assert_eq!(values.len(), TREND_RUNS);
        assert_eq!(values[0], Some(0.12));
        assert_eq!(trend_word(s, values), Some("worse"));
        assert_eq!(
            trend_word(s, &[Some(0.16), None, Some(0.12)]),
            Some("better")
        );
        assert_eq!(trend_word(s, &[Some(0.1), Some(0.1001)]), Some("steady"));
        assert_eq!(trend_word(s, &[Some(0.0545), Some(0.053)]), Some("steady"));
        assert_eq!(
            trend_word(s, &[Some(0.0545), Some(f64::INFINITY)]),
            Some("worse")
        );
        assert_eq!(trend_word(s, &[Some(0.0), Some(0.005)]), Some("worse"));
        assert_eq!(
            recovery_trend(
                &fold(
                    vec![
                        run("y", day(0), None, None, after(1000)),
                        run("y", day(1), None, None, after(1080)),
                    ],
                    day(2)
                )[0]
                .runs
            ),
            Some("steady")
        );
        assert_eq!(trend_word(s, &[Some(0.1), None]), None);
        let watched = SignalFigures {
            expect: None,
            ..p99(None)
        };
        assert_eq!(trend_word(&watched, &[Some(2.0), Some(1.0)]), Some("down"));
        assert_eq!(recovery_trend(h[0].trend_runs()), Some("steady"));
        assert_eq!(h[0].days_since_confirmed, Some(1));
        assert!(!h[0].stale());
    }

    #[test]
    fn json_has_the_documented_fields_and_no_infinity() {
        let mut r = run(
            "cache\u{1b}[2J",
            day(1),
            Some(Verdict::Refuted),
            Some(f64::INFINITY),
            Some(Recovery::Never),
        );
        r.summary.signals[0].name = "p\u{202e}99".into();
        let scan = Scan {
            unreadable: vec![(
                PathBuf::from("runs/bad"),
                "runs/bad/journal.jsonl:3: not a journal line".into(),
            )],
            ..Scan::default()
        };
        let h = fold(vec![r], day(2));
        let v: Value = serde_json::from_str(&json(Path::new("runs"), &h, &scan, day(2))).unwrap();
        let s = &v["scenarios"][0];
        assert_eq!(s["scenario"], "cache\\e[2J");
        assert_eq!(s["run_count"], 1);
        assert_eq!(s["last_verdict"], "REFUTED");
        assert_eq!(s["days_since_confirmed"], Value::Null);
        assert_eq!(s["stale"], true);
        assert_eq!(s["runs"][0]["worst"][0]["value"], Value::Null);
        assert_eq!(s["runs"][0]["worst"][0]["shown"], "+Inf");
        assert_eq!(s["runs"][0]["recovery"], "never");
        assert_eq!(s["signals"][0]["name"], "p\\u{202e}99");
        assert_eq!(s["signals"][0]["expect"], "< 300 ms");
        assert_eq!(s["signals"][0]["unit"], "seconds");
        assert_eq!(v["unreadable"][0]["path"], "runs/bad");
        assert_eq!(v["now"], "2026-11-29T10:00:00.000Z");
    }
}
