//! The report: `report.md`, a pure function of the journal.
//!
//! `render` reads nothing but the records it is given (no clock, no environment, no
//! files), so `gameday report RUN_DIR` reproduces a run's report byte for byte. The
//! criteria are judged by `analysis::evaluate`, the same code the engine used for the
//! verdict, so the table and the verdict can never disagree.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::analysis::{
    self, AlertObservation, AlertOutcome, AlertResult, FaultSpan, Outcome, Point, Recovery,
    RunFacts, Span, Status, Window,
};
use crate::journal::{
    self, AbortSource, Event, FaultInfo, JournalError, NoteKind, Phase, Record, RevertReason,
    RunInfo, SignalInfo, Verdict,
};
use crate::scenario::model::{Measure, Op};
use crate::units::{
    format_duration, format_duration_against, format_offset, format_value, format_value_against,
    sparkline,
};

pub type Ts = DateTime<Utc>;

mod milestones;

/// At most this many points in a signal's text sparkline.
const SPARKLINE_POINTS: usize = 60;
/// Samples back within `expect` in a row before a signal counts as returned.
const RETURN_STREAK: usize = 3;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("the journal has no run_started line: not a gameday journal")]
    NoRunStarted,
    #[error("{path} has no run_started line: not a gameday journal")]
    NotAJournal { path: PathBuf },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot write report {path}: {source} (is the disk full or read-only?)")]
    Write { path: PathBuf, source: io::Error },
}

/// Reads `run_dir/journal.jsonl`, renders it and writes `run_dir/report.md` atomically
/// (a temporary file in the same directory, fsynced, then renamed over the report).
pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    // Everything is read and written through the open directory, never by its name
    // again: someone who can rename the run directory or its `charts` (a teammate in a
    // shared runs directory) cannot swap in a link between a check and a write and
    // have the person running `report` write elsewhere.
    let pinned = crate::files::PinnedDir::open(run_dir).map_err(|source| ReportError::Write {
        path: run_dir.to_path_buf(),
        source,
    })?;
    let journal_path = run_dir.join("journal.jsonl");
    let records = journal::read_journal(&pinned.path().join("journal.jsonl"))?;
    let text = render(&records).map_err(|e| match e {
        ReportError::NoRunStarted => ReportError::NotAJournal {
            path: journal_path.clone(),
        },
        other => other,
    })?;
    // the charts illustrate the report: one that cannot be written is logged, and the
    // report is written all the same. Only a real directory inside the run directory is
    // written into: a `charts` that is a symbolic link is never followed.
    let charts_dir = run_dir.join(crate::charts::DIR);
    match pinned.child_dir(crate::charts::DIR) {
        Ok(charts) => {
            for (name, svg) in crate::charts::render_all(&records)? {
                if let Err(e) = write_atomically(&charts.path().join(&name), svg.as_bytes()) {
                    tracing::warn!(
                        "cannot write chart {}: {e}",
                        charts_dir.join(name).display()
                    );
                }
            }
        }
        Err(e) => tracing::warn!("cannot write charts in {}: {e}", charts_dir.display()),
    }
    let path = run_dir.join("report.md");
    write_atomically(&pinned.path().join("report.md"), text.as_bytes()).map_err(|source| {
        ReportError::Write {
            path: path.clone(),
            source,
        }
    })?;
    Ok(path)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        // a new regular file, never through a link planted at the temporary name
        let mut file = match crate::files::create_new_file(&tmp) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                fs::remove_file(&tmp)?;
                crate::files::create_new_file(&tmp)?
            }
            other => other?,
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    // the rename itself survives a power loss only once the directory is synced
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// When the journaled verdict is not the one its own records give by the rules: why, in
/// one line. `gameday report` says so loudly and the report carries a banner; a
/// journal that disagrees with itself is evidence of a bug or of tampering, and neither
/// verdict can be trusted until someone looks.
pub fn verdict_check(records: &[Record]) -> Result<Option<String>, ReportError> {
    let run = Run::from_records(records)?;
    Ok(verdict_disagreement(&run))
}

fn verdict_disagreement(run: &Run) -> Option<String> {
    let (journaled, journaled_reasons) = run.verdict?;
    let (recomputed, reasons) = &run.recomputed;
    let mut problems = Vec::new();
    if journaled != *recomputed {
        problems.push(format!(
            "the journal's verdict is {}, but its own records give {}: {}",
            journaled.word(),
            recomputed.word(),
            reasons.join("; ")
        ));
    } else if run.info.version == env!("CARGO_PKG_VERSION")
        && journaled_reasons != reasons
        && !baseline_gate_agrees(run, journaled, journaled_reasons)
    {
        // the same gameday words its reasons the same way from the same records
        problems.push(format!(
            "the journal's reasons are not the ones its records give: {}",
            reasons.join("; ")
        ));
    }
    let count = |ty: &str| {
        run.records
            .iter()
            .filter(|r| r.event.type_name() == ty)
            .count()
    };
    for ty in ["verdict", "run_ended", "run_started"] {
        if count(ty) > 1 {
            problems.push(format!("the journal holds {} `{ty}` records", count(ty)));
        }
    }
    let expected_exit = exit_code_of(run, journaled);
    for r in run.records {
        if let Event::RunEnded { exit_code } = r.event {
            if exit_code != expected_exit {
                problems.push(format!(
                    "the run ended with exit code {exit_code}, but its records give {expected_exit}"
                ));
            }
        }
    }
    for s in &run.info.signals {
        for c in [&s.expect, &s.abort].into_iter().flatten() {
            let reread = crate::scenario::criteria::parse_criterion(&c.text, s.unit);
            if reread
                .as_ref()
                .map_or(true, |r| r.value != c.value || r.op != c.op)
            {
                problems.push(format!(
                    "signal `{}`: the criterion `{}` does not say what the journal judged it by",
                    s.name, c.text
                ));
            }
        }
    }
    problems.extend(scenario_text_disagreement(run.info));
    problems.extend(kill_switch_disagreement(run));
    problems.extend(scenario_hash_disagreement(run.info));
    problems.extend(probe_disagreement(run));
    problems.extend(milestones::disagreement(run));
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A run that never triggered ends NOT RUN, and the records alone say only "no fault was
/// triggered"; when gameday gave up because the steady state did not hold at the end of
/// the baseline, its reason names the failing expectations. That reason agrees with the
/// records when the last sample of each signal before the verdict gives exactly those
/// words, the way the engine wrote them.
fn baseline_gate_agrees(run: &Run, journaled: Verdict, reasons: &[String]) -> bool {
    if journaled != Verdict::NotRun || run.recomputed.0 != Verdict::NotRun || reasons.len() != 1 {
        return false;
    }
    let Some(listed) = reasons[0].strip_prefix(crate::analysis::BASELINE_GATE) else {
        return false;
    };
    let mut last: std::collections::HashMap<&str, (Option<f64>, Option<&str>)> =
        std::collections::HashMap::new();
    for r in run.records {
        match &r.event {
            Event::Verdict { .. } => break,
            Event::Sample {
                signal,
                value,
                error,
                ..
            } => {
                last.insert(signal.as_str(), (*value, error.as_deref()));
            }
            _ => {}
        }
    }
    let failing: Vec<String> = run
        .info
        .signals
        .iter()
        .filter_map(|info| {
            // a sample with neither a value nor an error says no more than none
            let last = last
                .get(info.name.as_str())
                .and_then(|(v, e)| match (v, e) {
                    (_, Some(e)) => Some(Err(*e)),
                    (Some(v), None) => Some(Ok(*v)),
                    (None, None) => None,
                });
            crate::analysis::failing_expectation(info, last)
        })
        .collect();
    !failing.is_empty() && failing.join("; ") == listed
}

/// A revert the kill switch made (its reason is the kill switch, or `max_duration`,
/// which pulls it) needs the kill switch's own record: without it, the journal hides
/// who pulled it and when, and the judging would run past the abort.
fn kill_switch_disagreement(run: &Run) -> Vec<String> {
    if run.abort.is_some() {
        return Vec::new();
    }
    run.faults
        .iter()
        .filter(|f| {
            f.reverting.iter().any(|(_, reason, _)| {
                matches!(reason, RevertReason::Abort | RevertReason::MaxDuration)
            })
        })
        .map(|f| {
            format!(
                "fault `{}` was reverted by the kill switch, but the journal has no `abort` record",
                f.name
            )
        })
        .collect()
}

/// An http signal's values are made from its probes (README: "http probes"): the
/// journal's probe lines, folded again the way the engine folded them, must give exactly
/// its samples. A sample that no probe line gives, or a probe's value that is not
/// there, is a journal that does not say what was measured.
fn probe_disagreement(run: &Run) -> Vec<String> {
    use crate::engine::probes::{replay, Recorded};
    let mut out = Vec::new();
    for s in &run.info.signals {
        let (Some(measure), Some(window)) = (s.measure, s.window) else {
            continue;
        };
        let mut probes: Vec<(Ts, Recorded)> = Vec::new();
        let mut journaled: Vec<(Ts, Option<f64>)> = Vec::new();
        for r in run.records {
            match &r.event {
                Event::Probe {
                    signal,
                    at,
                    latency,
                    error,
                    waited_ms,
                } if *signal == s.name => probes.push((
                    *at,
                    match (latency, error, waited_ms) {
                        (_, Some(e), _) => Recorded::Failed(e.clone()),
                        (Some(l), None, _) => Recorded::Answered(*l),
                        (None, None, Some(w)) => Recorded::Unfinished(Duration::from_millis(*w)),
                        (None, None, None) => Recorded::Failed("no answer".into()),
                    },
                )),
                Event::Sample {
                    signal,
                    value,
                    error,
                    at,
                    ..
                } if *signal == s.name => journaled.push((
                    at.unwrap_or(r.ts),
                    if error.is_some() { None } else { *value },
                )),
                _ => {}
            }
        }
        let mut given: Vec<(Ts, Option<f64>)> = replay(&probes, measure, window, s.expect.as_ref())
            .into_iter()
            .map(|v| (v.at, v.value.ok()))
            .collect();
        let order = |a: &(Ts, Option<f64>), b: &(Ts, Option<f64>)| {
            a.0.cmp(&b.0).then_with(|| match (a.1, b.1) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            })
        };
        given.sort_by(order);
        journaled.sort_by(order);
        let same = |a: &(Ts, Option<f64>), b: &(Ts, Option<f64>)| {
            a.0 == b.0
                && match (a.1, b.1) {
                    (Some(x), Some(y)) => x.to_bits() == y.to_bits(),
                    (x, y) => x.is_none() && y.is_none(),
                }
        };
        if given.len() == journaled.len() && given.iter().zip(&journaled).all(|(a, b)| same(a, b)) {
            continue;
        }
        // the unit's own words, and the number itself where those would read alike
        let shown = |v: Option<f64>, other: Option<f64>| match v {
            None => "no value".to_string(),
            Some(x)
                if other.is_some_and(|o| format_value(o, s.unit) == format_value(x, s.unit)) =>
            {
                format!("{} ({x:?})", format_value(x, s.unit))
            }
            Some(x) => format_value(x, s.unit),
        };
        let first = given
            .iter()
            .zip(&journaled)
            .find(|(a, b)| !same(a, b))
            .map(|(g, j)| {
                format!(
                    "; first at {}: the journal says {} at {}, the probes give {} at {}",
                    run.t_label(j.0.min(g.0)),
                    shown(j.1, g.1),
                    run.t_label(j.0),
                    shown(g.1, j.1),
                    run.t_label(g.0)
                )
            })
            .unwrap_or_default();
        out.push(format!(
            "signal `{}`: its samples are not the ones its probe lines give ({} samples, the probes give {} values{first})",
            s.name,
            journaled.len(),
            given.len()
        ));
    }
    out
}

/// With nothing redacted, the scenario text kept in the journal is the file as read, so
/// its sha256 is the one the journal gives.
fn scenario_hash_disagreement(info: &RunInfo) -> Vec<String> {
    use sha2::{Digest, Sha256};
    if !info.scenario_redacted.is_empty() {
        return Vec::new();
    }
    let sha: String = Sha256::digest(info.scenario_text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if sha == info.scenario_sha256 {
        return Vec::new();
    }
    vec![format!(
        "the scenario text kept in the journal has sha256 {}, but the journal says {}: it is not the file that was run",
        short_hash(&sha),
        short_hash(&info.scenario_sha256)
    )]
}

/// The exit code README gives for this verdict and these faults.
fn exit_code_of(run: &Run, verdict: Verdict) -> i32 {
    let failed = |pred: fn(&FaultHistory) -> bool| run.faults.iter().any(pred);
    crate::exit::ExitStatus::of_run(
        Some(verdict),
        // a revert that failed for good, or none that settled: the fault may still be active
        failed(|f| f.triggered.is_some() && f.final_revert().is_none_or(|r| !r.ok)),
        failed(|f| f.inject_error().is_some()),
    )
    .code()
}

/// The scenario kept in the journal, read again: its criteria, tolerances and faults
/// must be the ones the run was judged by. When the text depends on the environment
/// it was run in (any `${VAR}`) or cannot be read, nothing is said.
fn scenario_text_disagreement(info: &RunInfo) -> Vec<String> {
    // `${VAR}`s were expanded from an environment the journal does not keep
    if info.scenario_text.contains("${") {
        return Vec::new();
    }
    let Ok(s) = crate::scenario::parse_str(
        &info.scenario_text,
        &info.scenario_path,
        Path::new("."),
        &|_| None,
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let kept: Vec<SignalInfo> = s
        .steady_state
        .iter()
        .map(crate::resolve::signal_info)
        .collect();
    for j in &info.signals {
        match kept.iter().find(|k| k.name == j.name) {
            Some(k)
                if k.expect == j.expect
                    && k.abort == j.abort
                    && k.tolerate == j.tolerate
                    && k.interval == j.interval => {}
            Some(_) => out.push(format!(
                "signal `{}` was judged by other criteria than its scenario text says",
                j.name
            )),
            None => out.push(format!(
                "signal `{}` is not in the scenario text kept in the journal",
                j.name
            )),
        }
    }
    for f in &info.faults {
        if !s
            .faults
            .iter()
            .any(|k| k.name == f.name && k.duration == f.duration)
        {
            out.push(format!(
                "fault `{}` is not in the scenario text kept in the journal as run",
                f.name
            ));
        }
    }
    out.extend(milestones::text_disagreement(&s, info));
    out
}

/// The report of a run, from its journal records alone.
pub fn render(records: &[Record]) -> Result<String, ReportError> {
    let run = Run::from_records(records)?;
    let mut out = String::new();
    title(&run, &mut out);
    banners(&run, &mut out);
    demo_line(&run, &mut out);
    hypothesis_and_verdict(&run, &mut out);
    facts_table(&run, &mut out);
    steady_state(&run, &mut out);
    alerts(&run, &mut out);
    milestones::section(&run, &mut out);
    faults(&run, &mut out);
    timeline(&run, &mut out);
    notes(&run, &mut out);
    crate::screens::section(&run, records, &mut out);
    queries(&run, &mut out);
    // The net under every section: whatever reached the text (a server's error body, a
    // command's output, a joiner's note), no control character but the line break is
    // written; a reader's `cat report.md` must not run escape sequences.
    Ok(crate::text::visible_lines(&out).into_owned())
}

// ---------------------------------------------------------------------------------------
// What the journal says, gathered once
// ---------------------------------------------------------------------------------------

struct Injected<'a> {
    ts: Ts,
    ok: bool,
    targets: &'a [String],
    detail: &'a str,
}

struct Reverted<'a> {
    ts: Ts,
    ok: bool,
    attempt: u32,
    detail: &'a str,
    will_retry: bool,
}

/// Everything the journal says about one fault.
struct FaultHistory<'a> {
    name: &'a str,
    info: Option<&'a FaultInfo>,
    armed: Vec<(Ts, &'a str)>,
    disarmed: Vec<(Ts, &'a str)>,
    triggered: Option<(Ts, &'a str)>,
    injected: Option<Injected<'a>>,
    reverting: Vec<(Ts, RevertReason, u32)>,
    reverted: Vec<Reverted<'a>>,
}

impl<'a> FaultHistory<'a> {
    fn new(name: &'a str, info: Option<&'a FaultInfo>) -> Self {
        FaultHistory {
            name,
            info,
            armed: vec![],
            disarmed: vec![],
            triggered: None,
            injected: None,
            reverting: vec![],
            reverted: vec![],
        }
    }

    /// The revert that settled the fault: a success, or a failure with no retry to come.
    fn final_revert(&self) -> Option<&Reverted<'a>> {
        self.reverted.iter().rev().find(|r| r.ok || !r.will_retry)
    }

    fn reverted_ok(&self) -> bool {
        self.reverted.iter().any(|r| r.ok)
    }

    /// Triggered and never reverted successfully: it may still be in place.
    fn may_be_active(&self) -> bool {
        self.triggered.is_some() && !self.reverted_ok()
    }

    fn inject_error(&self) -> Option<&'a str> {
        self.injected.as_ref().filter(|i| !i.ok).map(|i| i.detail)
    }

    /// Why the fault may still be active, in the words of its last revert.
    fn revert_failure_detail(&self) -> String {
        match self.reverted.last() {
            Some(r) if !r.ok && !r.will_retry => {
                format!(
                    "{} (revert attempt {} failed, no retry left)",
                    or_unknown(r.detail),
                    r.attempt
                )
            }
            Some(r) if !r.ok => format!(
                "{} (revert attempt {} failed; the journal ends before the next attempt)",
                or_unknown(r.detail),
                r.attempt
            ),
            _ if self.reverting.is_empty() => "the journal records no revert".to_string(),
            _ => "the journal ends while it was being reverted".to_string(),
        }
    }

    fn revert_reason(&self) -> Option<RevertReason> {
        self.reverting.last().map(|r| r.1)
    }
}

struct Abort<'a> {
    ts: Ts,
    by: &'a str,
    source: AbortSource,
    detail: &'a str,
}

struct Note<'a> {
    ts: Ts,
    author: &'a str,
    kind: NoteKind,
    text: &'a str,
}

/// One signal: its samples and how `analysis::evaluate` judged them.
pub(crate) struct SignalView<'a> {
    pub(crate) info: &'a SignalInfo,
    pub(crate) points: Vec<Point>,
    /// distinct sample errors with their counts, in order of first appearance
    pub(crate) errors: Vec<(&'a str, usize)>,
    pub(crate) outcome: Outcome,
}

/// The journal, read once into what the sections need.
pub(crate) struct Run<'a> {
    pub(crate) info: &'a RunInfo,
    records: &'a [Record],
    started: Ts,
    /// when the run ended, or the last thing the journal knows of
    ended: Ts,
    window: Option<Window>,
    pub(crate) verdict: Option<(Verdict, &'a [String])>,
    /// the verdict the journal's own records give, by the rules, and why
    pub(crate) recomputed: (Verdict, Vec<String>),
    pub(crate) alerts: Vec<AlertOutcome>,
    faults: Vec<FaultHistory<'a>>,
    abort: Option<Abort<'a>>,
    notes: Vec<Note<'a>>,
    pub(crate) signals: Vec<SignalView<'a>>,
}

impl<'a> Run<'a> {
    pub(crate) fn from_records(records: &'a [Record]) -> Result<Self, ReportError> {
        let (started, info) = records
            .iter()
            .find_map(|r| match &r.event {
                Event::RunStarted(info) => Some((r.ts, info.as_ref())),
                _ => None,
            })
            .ok_or(ReportError::NoRunStarted)?;
        let last_ts = records.iter().map(|r| r.ts).max().unwrap_or(started);
        let verdict_record = records.iter().find_map(|r| match &r.event {
            Event::Verdict { verdict, reasons } => Some((r.ts, *verdict, reasons.as_slice())),
            _ => None,
        });
        let ended = records
            .iter()
            .find_map(|r| matches!(r.event, Event::RunEnded { .. }).then_some(r.ts))
            .or(verdict_record.map(|v| v.0))
            .unwrap_or(last_ts);
        let end = verdict_record.map(|v| v.0).unwrap_or(last_ts);
        let window = judging_window(records, end, info.recovery);
        let judging_end = window.as_ref().map_or(end, |w| w.end);
        let signals: Vec<SignalView> = info
            .signals
            .iter()
            .map(|s| signal_view(s, records, window.as_ref()))
            .collect();
        let alerts: Vec<AlertOutcome> = info
            .alerts
            .iter()
            .map(|a| {
                analysis::judge_alert(
                    &a.name,
                    a.within,
                    &alert_observations(records, &a.name),
                    window.as_ref().map(|w| w.first_trigger),
                    judging_end,
                )
            })
            .collect();
        let aborted = records
            .iter()
            .any(|r| matches!(r.event, Event::Abort { .. }));
        let recomputed = {
            let pairs: Vec<(&SignalInfo, &Outcome)> =
                signals.iter().map(|s| (s.info, &s.outcome)).collect();
            let names: Vec<&str> = info.faults.iter().map(|f| f.name.as_str()).collect();
            let judged = info.signals.iter().any(|s| s.expect.is_some()) || !info.alerts.is_empty();
            analysis::verdict(
                &pairs,
                &alerts,
                &RunFacts::new(window.as_ref(), aborted, &names, judged),
            )
        };
        Ok(Run {
            info,
            records,
            started,
            ended,
            window,
            recomputed,
            alerts,
            verdict: verdict_record.map(|(_, v, reasons)| (v, reasons)),
            faults: fault_histories(info, records),
            abort: first_abort(records),
            notes: collect_notes(records),
            signals,
        })
    }

    pub(crate) fn started(&self) -> Ts {
        self.started
    }

    pub(crate) fn ended(&self) -> Ts {
        self.ended
    }

    /// Time zero of the report: the first trigger, or the run's start when nothing was.
    pub(crate) fn zero(&self) -> Ts {
        self.window
            .as_ref()
            .map(|w| w.first_trigger)
            .unwrap_or(self.started)
    }

    fn offset_ms(&self, ts: Ts) -> i64 {
        (ts - self.zero()).num_milliseconds()
    }

    /// "T+00:23" (or "T−00:10" before time zero).
    pub(crate) fn t_label(&self, ts: Ts) -> String {
        let ms = self.offset_ms(ts);
        if ms <= -1000 {
            format!("T{}", format_offset(ms))
        } else {
            format!("T+{}", format_offset(ms))
        }
    }

    /// Each fault of the scenario that was triggered, and what went wrong with it, if
    /// anything: its inject failed, or its revert did.
    pub(crate) fn fault_results(&self) -> Vec<(&'a str, Option<String>)> {
        self.faults
            .iter()
            .filter(|f| f.triggered.is_some())
            .map(|f| {
                let failure = if let Some(e) = f.inject_error() {
                    Some(format!("inject failed: {}", or_unknown(e)))
                } else if f.may_be_active() {
                    Some(format!("revert failed: {}", f.revert_failure_detail()))
                } else {
                    None
                };
                (f.name, failure)
            })
            .collect()
    }

    fn verdict_word(&self) -> &'static str {
        self.verdict.map(|(v, _)| v.word()).unwrap_or("IN PROGRESS")
    }

    fn signal_info(&self, name: &str) -> Option<&'a SignalInfo> {
        self.info.signals.iter().find(|s| s.name == name)
    }
}

/// The span the criteria are judged over, exactly as the engine saw it: from the first
/// trigger to the end of judging (the first abort, else the end of observation), observed
/// until the verdict (or the journal's end) or the end of the last recovery phase,
/// whichever came first; with each triggered fault from its intent to the revert that
/// settled it.
fn judging_window(records: &[Record], verdict: Ts, recovery: Duration) -> Option<Window> {
    let mut faults: Vec<FaultSpan> = Vec::new();
    let mut recovery_since: Option<Ts> = None;
    let mut first_abort: Option<Ts> = None;
    for r in records {
        match &r.event {
            Event::Phase {
                phase: Phase::Recovery,
            } => recovery_since = Some(r.ts),
            Event::Abort { .. } => {
                first_abort.get_or_insert(r.ts);
            }
            Event::FaultInjecting { fault, .. } if !faults.iter().any(|f| f.name == *fault) => {
                faults.push(FaultSpan {
                    name: fault.clone(),
                    trigger: r.ts,
                    settled: None,
                    inject_failed: false,
                    took_effect: false,
                    revert_failed: false,
                });
            }
            Event::FaultInjected { fault, ok, .. } => {
                if let Some(f) = faults.iter_mut().find(|f| f.name == *fault) {
                    if *ok {
                        f.took_effect = true;
                    } else {
                        f.inject_failed = true;
                    }
                }
            }
            Event::FaultReverted {
                fault,
                ok,
                will_retry,
                ..
            } if *ok || !*will_retry => {
                if let Some(f) = faults
                    .iter_mut()
                    .find(|f| f.name == *fault && f.settled.is_none())
                {
                    f.settled = Some(r.ts);
                    f.revert_failed = !*ok;
                }
            }
            _ => {}
        }
    }
    faults.sort_by_key(|f| f.trigger);
    let first_trigger = faults.first()?.trigger;
    let (end, observed_until) =
        analysis::window_ends(verdict, recovery_since, recovery, first_abort);
    Some(Window {
        first_trigger,
        end,
        observed_until,
        faults,
    })
}

/// What the journal saw of one expected alert, in time order.
fn alert_observations(records: &[Record], name: &str) -> Vec<AlertObservation> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Alert {
                name: n,
                state,
                active_at,
                ..
            } if n == name => Some(AlertObservation {
                ts: r.ts,
                state: state.clone(),
                active_at: *active_at,
            }),
            _ => None,
        })
        .collect()
}

fn signal_view<'a>(
    info: &'a SignalInfo,
    records: &'a [Record],
    window: Option<&Window>,
) -> SignalView<'a> {
    let mut points = Vec::new();
    let mut errors: Vec<(&'a str, usize)> = Vec::new();
    for r in records {
        let Event::Sample {
            signal,
            value,
            error,
            at,
            ..
        } = &r.event
        else {
            continue;
        };
        if *signal != info.name {
            continue;
        }
        let ts = at.unwrap_or(r.ts);
        match error {
            Some(e) => {
                points.push(Point { ts, value: None });
                match errors.iter_mut().find(|(m, _)| *m == e.as_str()) {
                    Some((_, n)) => *n += 1,
                    None => errors.push((e.as_str(), 1)),
                }
            }
            None => points.push(Point { ts, value: *value }),
        }
    }
    // back-filled samples arrive after the first live ones
    points.sort_by_key(|p| p.ts);
    let outcome = analysis::evaluate(info, &points, window);
    SignalView {
        info,
        points,
        errors,
        outcome,
    }
}

fn fault_histories<'a>(info: &'a RunInfo, records: &'a [Record]) -> Vec<FaultHistory<'a>> {
    let mut faults: Vec<FaultHistory<'a>> = info
        .faults
        .iter()
        .map(|f| FaultHistory::new(&f.name, Some(f)))
        .collect();
    for r in records {
        let Some(name) = fault_name(&r.event) else {
            continue;
        };
        let i = match faults.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                faults.push(FaultHistory::new(name, None));
                faults.len() - 1
            }
        };
        record_fault_event(&mut faults[i], r);
    }
    faults
}

fn fault_name(event: &Event) -> Option<&str> {
    match event {
        Event::Armed { fault, .. }
        | Event::Disarmed { fault, .. }
        | Event::FaultInjecting { fault, .. }
        | Event::FaultInjected { fault, .. }
        | Event::FaultReverting { fault, .. }
        | Event::FaultReverted { fault, .. } => Some(fault),
        _ => None,
    }
}

fn record_fault_event<'a>(f: &mut FaultHistory<'a>, r: &'a Record) {
    match &r.event {
        Event::Armed { by, .. } => f.armed.push((r.ts, by)),
        Event::Disarmed { by, .. } => f.disarmed.push((r.ts, by)),
        Event::FaultInjecting { by, .. } => {
            f.triggered.get_or_insert((r.ts, by));
        }
        Event::FaultInjected {
            ok,
            targets,
            detail,
            ..
        } => {
            f.injected = Some(Injected {
                ts: r.ts,
                ok: *ok,
                targets,
                detail,
            });
        }
        Event::FaultReverting {
            reason, attempt, ..
        } => f.reverting.push((r.ts, *reason, *attempt)),
        Event::FaultReverted {
            ok,
            attempt,
            detail,
            will_retry,
            ..
        } => f.reverted.push(Reverted {
            ts: r.ts,
            ok: *ok,
            attempt: *attempt,
            detail,
            will_retry: *will_retry,
        }),
        _ => {}
    }
}

fn first_abort(records: &[Record]) -> Option<Abort<'_>> {
    records.iter().find_map(|r| match &r.event {
        Event::Abort { by, source, detail } => Some(Abort {
            ts: r.ts,
            by,
            source: *source,
            detail,
        }),
        _ => None,
    })
}

fn collect_notes(records: &[Record]) -> Vec<Note<'_>> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note { author, kind, text } => Some(Note {
                ts: r.ts,
                author,
                kind: *kind,
                text,
            }),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------

fn line(out: &mut String, text: impl AsRef<str>) {
    out.push_str(text.as_ref());
    out.push('\n');
}

/// Text for a table cell: as [`one_line`], and no column breaks.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// Text on one line outside tables, where names and words from elsewhere meet the
/// report's own code spans: nothing in it can become a link, an image or HTML (see
/// [`crate::text::markdown_inline`]).
fn one_line(text: &str) -> String {
    crate::text::markdown_inline(text)
}

/// An inline code span that nothing inside can close: see [`crate::text::code_span`].
pub(crate) fn code(text: &str) -> String {
    crate::text::code_span(text)
}

/// Text from a server, a command or another person, outside a code span: one line, and
/// unable to open a link, an image, HTML or a code span (see
/// [`crate::text::markdown_plain`]).
fn plain(text: &str) -> String {
    crate::text::markdown_plain(text)
}

/// An inline code span inside a table cell.
fn code_cell(text: &str) -> String {
    cell(&code(text))
}

fn hms(ts: Ts) -> String {
    ts.format("%H:%M:%S").to_string()
}

fn date_hms(ts: Ts) -> String {
    ts.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn elapsed(from: Ts, to: Ts) -> Duration {
    (to - from).to_std().unwrap_or_default()
}

/// A detail from elsewhere (a command's output, a server's answer), as plain markdown.
fn or_unknown(detail: &str) -> String {
    if detail.trim().is_empty() {
        "no detail recorded".to_string()
    } else {
        plain(detail)
    }
}

/// "abcd…wxyz" for a long hash.
fn short_hash(hash: &str) -> String {
    let chars: Vec<char> = hash.chars().collect();
    if chars.len() <= 9 {
        return hash.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A reason as a sentence: first letter up, full stop at the end.
fn sentence(text: &str) -> String {
    let text = one_line(text);
    let mut chars = text.chars();
    let mut s = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

fn value_or_dash(v: Option<f64>, info: &SignalInfo) -> String {
    v.map(|v| format_value(v, info.unit))
        .unwrap_or_else(|| "—".to_string())
}

/// How the kill switch was pulled, to follow "pulled by alice" (a person) or "pulled".
fn source_words(source: AbortSource) -> &'static str {
    match source {
        AbortSource::Key => "from the TUI",
        AbortSource::Join => "from a joined session",
        AbortSource::Quit => "by quitting with a fault active",
        AbortSource::Signal => "with a signal to the process (SIGHUP, SIGTERM or SIGINT)",
        AbortSource::Guardrail => "by a guardrail",
        AbortSource::Ttl => "when safety.max_duration ran out",
        AbortSource::Terminal => "when the terminal went away",
        AbortSource::Panic => "when gameday crashed",
        AbortSource::Recover => "by `gameday recover` after the run ended without reverting",
        AbortSource::Command => "with `gameday abort` from another shell",
    }
}

/// Whether the kill switch was pulled by a person rather than by gameday itself.
fn pulled_by_a_person(source: AbortSource) -> bool {
    matches!(
        source,
        AbortSource::Key
            | AbortSource::Join
            | AbortSource::Quit
            | AbortSource::Signal
            | AbortSource::Recover
            | AbortSource::Command
    )
}

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

fn title(run: &Run, out: &mut String) {
    line(
        out,
        format!(
            "# Game day: {} — {}",
            one_line(&run.info.scenario),
            run.verdict_word()
        ),
    );
    line(out, "");
}

fn banners(run: &Run, out: &mut String) {
    if let Some(why) = verdict_disagreement(run) {
        line(
            out,
            format!(
                "> **VERDICT CHECK FAILED** — {}. Trust neither until the difference is understood.",
                one_line(&why)
            ),
        );
        line(out, "");
    }
    for f in run.faults.iter().filter(|f| f.may_be_active()) {
        line(
            out,
            format!(
                "> **REVERT FAILED** — {} may still be active: {}. Run `gameday recover {}`.",
                code(f.name),
                f.revert_failure_detail(),
                plain(&run.info.run_dir)
            ),
        );
        line(out, "");
    }
    for f in &run.faults {
        if let Some(error) = f.inject_error() {
            line(
                out,
                format!(
                    "> **INJECT FAILED** — {} could not be injected: {}.",
                    code(f.name),
                    or_unknown(error)
                ),
            );
            line(out, "");
        }
    }
}

fn demo_line(run: &Run, out: &mut String) {
    if run.info.demo {
        line(
            out,
            "_This is a practice run against gameday's built-in demo service: no real system was touched._",
        );
        line(out, "");
    }
}

fn hypothesis_and_verdict(run: &Run, out: &mut String) {
    let hypothesis = one_line(&run.info.hypothesis);
    line(out, format!("> **Hypothesis.** {hypothesis}"));
    line(out, "");
    let mut sentences: Vec<String> = match run.verdict {
        Some((_, reasons)) => reasons.iter().map(|r| sentence(r)).collect(),
        None => vec![
            "No verdict was recorded: the run is still going, or gameday stopped before reaching one.".to_string(),
        ],
    };
    if let Some(a) = &run.abort {
        sentences.push(abort_sentence(a));
        if run.window.is_some() {
            sentences.push(
                "The hypothesis was judged up to it; the recovery after it is reported, not judged."
                    .to_string(),
            );
        }
    }
    if let Some(s) = recovery_sentence(run) {
        sentences.push(s);
    }
    if let Some(s) = recovery_cut_short(run) {
        sentences.push(s);
    }
    line(
        out,
        format!(
            "**Verdict: {}** — {}",
            run.verdict_word(),
            sentences.join(" ")
        ),
    );
    line(out, "");
}

fn abort_sentence(a: &Abort) -> String {
    let who = if pulled_by_a_person(a.source) {
        format!(" by {}", one_line(a.by))
    } else {
        String::new()
    };
    let mut s = format!(
        "The kill switch was pulled{who} {} at {}",
        source_words(a.source),
        hms(a.ts)
    );
    if !a.detail.trim().is_empty() {
        s.push_str(&format!(" ({})", plain(a.detail)));
    }
    s.push('.');
    s
}

/// "Recovery took 71 s after the revert.", from the slowest signal to recover after each
/// fault.
fn recovery_sentence(run: &Run) -> Option<String> {
    let w = run.window.as_ref()?;
    let several = w.faults.len() > 1;
    let mut parts: Vec<String> = Vec::new();
    for (i, f) in w.faults.iter().enumerate() {
        let after = if several {
            format!("after the revert of {}", code(&f.name))
        } else {
            "after the revert".to_string()
        };
        let per: Vec<(&SignalView, Recovery)> = run
            .signals
            .iter()
            .filter_map(|s| s.outcome.per_fault.get(i).map(|p| (s, p.recovery)))
            .collect();
        let never: Vec<String> = per
            .iter()
            .filter(|(_, r)| *r == Recovery::Never)
            .map(|(s, _)| code(&s.info.name))
            .collect();
        if !never.is_empty() {
            parts.push(format!("{} had not recovered {after}", never.join(", ")));
            continue;
        }
        let slowest = per
            .iter()
            .filter_map(|(s, r)| match r {
                Recovery::After(d) => Some((*d, *s)),
                _ => None,
            })
            .max_by_key(|(d, _)| *d);
        if let Some((d, s)) = slowest {
            parts.push(format!(
                "recovery took {} {after}{}",
                format_duration(d),
                window_note(s.info)
            ));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(sentence(&parts.join("; ")))
}

/// When the run ended before the recovery phase was over (`q`, a signal), or never
/// watched it (the process was ending): the recovery figures cover less than the
/// scenario asked for, and the reader must know.
fn recovery_cut_short(run: &Run) -> Option<String> {
    let (verdict_ts, _) = run.records.iter().find_map(|r| match &r.event {
        Event::Verdict { verdict, .. } => Some((r.ts, *verdict)),
        _ => None,
    })?;
    run.window.as_ref()?;
    let recovery = run.info.recovery;
    let started = run.records.iter().rev().find_map(|r| match &r.event {
        Event::Phase {
            phase: Phase::Recovery,
        } => Some(r.ts),
        _ => None,
    });
    match started {
        Some(t) if verdict_ts < t + recovery => Some(format!(
            "The recovery was cut short after {} of its {}.",
            format_duration(elapsed(t, verdict_ts)),
            format_duration(recovery)
        )),
        Some(_) => None,
        None => Some(
            "The recovery was not watched: the run ended as soon as every fault was reverted."
                .to_string(),
        ),
    }
}

/// " (each value over a 30 s window of probes)" for an http signal: its violations and
/// recoveries lag the truth by up to that much, and the reader must know it.
fn window_note(info: &SignalInfo) -> String {
    match info.window {
        Some(w) => format!(
            " (each value over a {} window of probes)",
            format_duration(w)
        ),
        None => String::new(),
    }
}

fn facts_table(run: &Run, out: &mut String) {
    let info = run.info;
    line(out, "| | |");
    line(out, "|---|---|");
    line(out, format!("| when | {} |", when_cell(run)));
    line(
        out,
        format!("| operators | {} |", cell(&operators(run).join(", "))),
    );
    if let Some(c) = cluster_cell(info) {
        line(out, format!("| cluster | {c} |"));
    }
    if let Some(url) = &info.prometheus_url {
        let every = info
            .signals
            .iter()
            .find(|s| s.kind == "promql")
            .map(|s| format!(", every {}", format_duration(s.interval)))
            .unwrap_or_default();
        line(out, format!("| Prometheus | {}{every} |", code_cell(url)));
    }
    line(
        out,
        format!(
            "| scenario | {}, sha256 {} |",
            code_cell(&info.scenario_path),
            code_cell(&short_hash(&info.scenario_sha256))
        ),
    );
    line(out, format!("| run | {} |", code_cell(&info.run_dir)));
    line(out, format!("| mode | {} |", cell(&info.mode)));
    line(
        out,
        format!(
            "| gameday | {} on {} |",
            cell(&info.version),
            code_cell(&info.host)
        ),
    );
    line(out, "");
}

fn when_cell(run: &Run) -> String {
    let end = if run.ended.date_naive() == run.started.date_naive() {
        hms(run.ended)
    } else {
        date_hms(run.ended)
    };
    let open = if run.verdict.is_none() {
        ", no verdict yet"
    } else {
        ""
    };
    format!(
        "{} → {} UTC ({}{open})",
        date_hms(run.started),
        end,
        format_duration(elapsed(run.started, run.ended))
    )
}

/// The driver first, then everyone else who acted, in order of first appearance.
fn operators(run: &Run) -> Vec<String> {
    let driver = run.info.operator.as_str();
    let mut others: Vec<&str> = Vec::new();
    for r in run.records {
        let who = match &r.event {
            Event::Note { author, .. } | Event::Milestone { author, .. } => Some(author.as_str()),
            Event::Abort { by, source, .. } if pulled_by_a_person(*source) => Some(by.as_str()),
            Event::Armed { by, .. }
            | Event::Disarmed { by, .. }
            | Event::FaultInjecting { by, .. } => Some(by.as_str()),
            Event::Override { by, .. } => Some(by.as_str()),
            Event::OperatorJoined { name } => Some(name.as_str()),
            _ => None,
        };
        if let Some(who) = who {
            if who != driver && !others.contains(&who) {
                others.push(who);
            }
        }
    }
    let mut list = vec![format!("{} (driver)", one_line(driver))];
    list.extend(others.into_iter().map(one_line));
    list
}

fn cluster_cell(info: &RunInfo) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(ctx) = &info.kube_context {
        parts.push(format!("context {}", code_cell(ctx)));
    }
    if let Some(ns) = &info.kube_namespace {
        parts.push(format!("namespace {}", code_cell(ns)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

// --- steady state ------------------------------------------------------------------------

fn steady_state(run: &Run, out: &mut String) {
    line(out, "## Steady state");
    line(out, "");
    if run.signals.is_empty() {
        line(out, "No signals were watched.");
        line(out, "");
        return;
    }
    line(out, "| signal | expect | baseline (median) | worst during fault | after recovery | recovered in | result |");
    line(out, "|---|---|---|---|---|---|---|");
    for s in &run.signals {
        line(out, criteria_row(run, s));
    }
    line(out, "");
    per_fault(run, out);
    let charts = crate::charts::file_names(run.signals.iter().map(|s| s.info.name.as_str()));
    for (s, chart) in run.signals.iter().zip(charts) {
        line(out, sparkline_line(run, s));
        line(out, "");
        line(
            out,
            format!(
                "![{}]({}/{chart})",
                alt_text(&s.info.name),
                crate::charts::DIR
            ),
        );
        line(out, "");
    }
    sample_errors(run, out);
}

/// With several faults, each one's own figures: the worst during that fault and the time
/// to recover from that fault's revert (the table above gives the worst over all).
fn per_fault(run: &Run, out: &mut String) {
    let Some(w) = &run.window else { return };
    if w.faults.len() < 2 {
        return;
    }
    line(out, "Per fault:");
    line(out, "");
    line(
        out,
        "| fault | window | signal | worst during the fault | recovered in |",
    );
    line(out, "|---|---|---|---|---|");
    for (i, f) in w.faults.iter().enumerate() {
        let (a, b) = w.fault_window(i);
        let span = match f.settled {
            Some(_) => format!("{} → {}", run.t_label(a), run.t_label(b)),
            None => format!("{} → not reverted", run.t_label(a)),
        };
        for s in &run.signals {
            let Some(p) = s.outcome.per_fault.get(i) else {
                continue;
            };
            let worst = match p.worst {
                Some((v, ts)) => format!("{} at {}", shown_value(v, s.info), run.t_label(ts)),
                None => "—".to_string(),
            };
            line(
                out,
                format!(
                    "| {} | {span} | {} | {worst} | {} |",
                    cell(&f.name),
                    cell(&s.info.name),
                    if s.info.expect.is_some() {
                        recovery_words(Some(p.recovery))
                    } else {
                        "—".to_string()
                    }
                ),
            );
        }
    }
    line(out, "");
}

fn criteria_row(run: &Run, s: &SignalView) -> String {
    let o = &s.outcome;
    let worst = match o.worst {
        Some((v, ts)) if run.window.is_some() => {
            format!("{} at {}", shown_value(v, s.info), run.t_label(ts))
        }
        _ => "—".to_string(),
    };
    let recovered = recovery_words(o.slowest_recovery());
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        cell(&s.info.name),
        expect_cell(s.info),
        value_or_dash(o.baseline, s.info),
        worst,
        if run.window.is_some() {
            o.after
                .map(|v| shown_value(v, s.info))
                .unwrap_or_else(|| "—".to_string())
        } else {
            "—".to_string()
        },
        recovered,
        result_cell(run, s)
    )
}

/// A value judged against the signal's `expect`, with the digits it takes never to look
/// like the threshold when it is not.
fn shown_value(v: f64, info: &SignalInfo) -> String {
    match &info.expect {
        Some(c) => format_value_against(v, c.value, info.unit),
        None => format_value(v, info.unit),
    }
}

fn recovery_words(r: Option<Recovery>) -> String {
    match r {
        Some(Recovery::After(d)) => format_duration(d),
        Some(Recovery::Never) => "not recovered".to_string(),
        Some(Recovery::BeforeRevert) => "back before the revert".to_string(),
        Some(Recovery::NotSettled) => "never reverted".to_string(),
        Some(Recovery::NotNeeded) | None => "—".to_string(),
    }
}

fn expect_cell(info: &SignalInfo) -> String {
    let Some(expect) = &info.expect else {
        return "—".to_string();
    };
    let mut s = expect.display(info.unit);
    if !info.tolerate.is_zero() {
        s.push_str(&format!(" (tolerate {})", format_duration(info.tolerate)));
    }
    cell(&s)
}

fn result_cell(run: &Run, s: &SignalView) -> String {
    let o = &s.outcome;
    match o.status {
        Status::Held => "✓ held".to_string(),
        Status::HeldWithinTolerance => {
            let longest = o
                .longest_violation()
                .map(|v| v.duration())
                .unwrap_or_default();
            format!(
                "✓ held (violation of {} within tolerance)",
                format_duration_against(longest, s.info.tolerate)
            )
        }
        Status::Violated => violated_cell(run, s),
        Status::NoData if run.window.is_none() => {
            "? not judged: no fault was triggered".to_string()
        }
        Status::NoData if o.no_value => "? no value in the whole window".to_string(),
        Status::NoData => {
            let longest = o.longest_gap().map(|g| g.duration()).unwrap_or_default();
            format!("? no data for {}", format_duration(longest))
        }
        Status::Watched => "— watched".to_string(),
    }
}

fn violated_cell(run: &Run, s: &SignalView) -> String {
    let o = &s.outcome;
    let Some(span) = o.longest_violation() else {
        return "✗ violated".to_string();
    };
    let mut text = format!(
        "✗ violated {}, {} → {}",
        format_duration_against(span.duration(), s.info.tolerate),
        run.t_label(span.start),
        run.t_label(span.end)
    );
    if span.open {
        text.push_str(", still violated at the end");
    }
    let more = o.violations.len() - 1;
    if more > 0 {
        text.push_str(&format!(" (and {more} shorter)"));
    }
    text.push_str(&window_note(s.info));
    text
}

fn sparkline_line(run: &Run, s: &SignalView) -> String {
    let values: Vec<Option<f64>> = downsample(&s.points, SPARKLINE_POINTS)
        .iter()
        .map(|p| p.value)
        .collect();
    let spark = if values.is_empty() {
        "(no samples)".to_string()
    } else {
        sparkline(&values, SPARKLINE_POINTS, false)
    };
    format!(
        "{} {} ({})",
        code(&s.info.name),
        spark,
        fault_window_words(run)
    )
}

/// A signal name as the alt text of an image link: brackets would end the link early.
fn alt_text(name: &str) -> String {
    // brackets, backslashes and tags are escaped by one_line; inside an image's alt text a
    // code span would show its backticks, which is harmless
    one_line(name)
}

fn fault_window_words(run: &Run) -> String {
    let Some(w) = &run.window else {
        return "no fault was triggered".to_string();
    };
    let spans: Vec<String> = (0..w.faults.len())
        .map(|i| match w.faults[i].settled {
            Some(settled) => format!(
                "{} → {}",
                run.t_label(w.faults[i].trigger),
                run.t_label(settled)
            ),
            None => format!("{} → not reverted", run.t_label(w.faults[i].trigger)),
        })
        .collect();
    if spans.len() == 1 {
        format!("fault window {}", spans[0])
    } else {
        format!("fault windows {}", spans.join(", "))
    }
}

/// At most `max` points picked evenly over the whole run, first and last included.
fn downsample(points: &[Point], max: usize) -> Vec<Point> {
    let n = points.len();
    if n <= max || max < 2 {
        return points.iter().take(max).copied().collect();
    }
    (0..max).map(|i| points[i * (n - 1) / (max - 1)]).collect()
}

fn sample_errors(run: &Run, out: &mut String) {
    let with_errors: Vec<&SignalView> = run
        .signals
        .iter()
        .filter(|s| !s.errors.is_empty())
        .collect();
    if with_errors.is_empty() {
        return;
    }
    line(out, "Sample errors (each stands for a missing value):");
    line(out, "");
    for s in with_errors {
        let mut errors = s.errors.clone();
        // most frequent first; ties keep their order of first appearance
        errors.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let list: Vec<String> = errors
            .iter()
            .map(|(e, n)| format!("{} ×{n}", code(e)))
            .collect();
        line(
            out,
            format!("- {}: {}", one_line(&s.info.name), list.join(", ")),
        );
    }
    line(out, "");
}

// --- alerts ------------------------------------------------------------------------------

fn alerts(run: &Run, out: &mut String) {
    if run.info.alerts.is_empty() {
        return;
    }
    line(out, "## Alerts");
    line(out, "");
    line(out, "| alert | expected within | fired | time to alert |");
    line(out, "|---|---|---|---|");
    for a in &run.alerts {
        let fired = a
            .fired_at
            .map(hms)
            .unwrap_or_else(|| "not fired".to_string());
        let time_cell = match a.result {
            AlertResult::InTime(d) => format!("{} ✓", format_duration(d)),
            AlertResult::Late(d) => format!("{} ✗ late", format_duration_against(d, a.within)),
            AlertResult::DidNotFire => "✗ did not fire".to_string(),
            AlertResult::Unreadable => "? unknown: the alerts API could not be read".to_string(),
            AlertResult::EndedTooSoon(d) => format!(
                "? unknown: the run ended {} after the trigger",
                format_duration(d)
            ),
            AlertResult::AlreadyActive => "? already active before the trigger".to_string(),
            AlertResult::NotJudged => "— not judged: no fault was triggered".to_string(),
        };
        line(
            out,
            format!(
                "| {} | {} | {fired} | {time_cell} |",
                cell(&a.name),
                format_duration(a.within)
            ),
        );
    }
    line(out, "");
}

// --- faults ------------------------------------------------------------------------------

fn faults(run: &Run, out: &mut String) {
    line(out, "## Faults");
    line(out, "");
    if run.faults.is_empty() {
        line(out, "No faults in this scenario.");
        line(out, "");
    } else {
        line(
            out,
            "| fault | armed | triggered | targets | reverted | result |",
        );
        line(out, "|---|---|---|---|---|---|");
        for f in &run.faults {
            line(out, fault_row(f));
        }
        line(out, "");
        fault_plans(run, out);
    }
    if let Some(a) = &run.abort {
        line(out, kill_switch_line(run, a));
        line(out, "");
    }
}

fn fault_row(f: &FaultHistory) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |",
        cell(f.name),
        armed_cell(f),
        f.triggered
            .map(|(ts, by)| format!("{} by {}", hms(ts), cell(by)))
            .unwrap_or_else(|| "—".to_string()),
        targets_cell(f),
        reverted_cell(f),
        fault_result_cell(f)
    )
}

fn armed_cell(f: &FaultHistory) -> String {
    let mut parts: Vec<String> = f
        .armed
        .iter()
        .map(|(ts, by)| format!("{} by {}", hms(*ts), cell(by)))
        .collect();
    parts.extend(
        f.disarmed
            .iter()
            .map(|(ts, by)| format!("disarmed {} by {}", hms(*ts), cell(by))),
    );
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join(", ")
    }
}

fn targets_cell(f: &FaultHistory) -> String {
    match &f.injected {
        Some(i) if i.ok && !i.targets.is_empty() => cell(&i.targets.join(", ")),
        _ => "—".to_string(),
    }
}

fn reverted_cell(f: &FaultHistory) -> String {
    let reason = f
        .revert_reason()
        .map(|r| r.as_str())
        .unwrap_or("no reason recorded");
    let attempts = f.reverting.len();
    let attempts = if attempts > 1 {
        format!(", {attempts} attempts")
    } else {
        String::new()
    };
    match f.final_revert() {
        Some(r) if r.ok => format!("{} ({reason}{attempts})", hms(r.ts)),
        Some(r) => format!("✗ failed {} ({reason}{attempts})", hms(r.ts)),
        None if !f.reverting.is_empty() => format!(
            "reverting since {} ({reason}{attempts})",
            hms(f.reverting[0].0)
        ),
        None => "—".to_string(),
    }
}

fn fault_result_cell(f: &FaultHistory) -> String {
    if f.triggered.is_none() {
        return if f.armed.is_empty() {
            "not run".to_string()
        } else {
            "armed, not triggered".to_string()
        };
    }
    let mut parts = Vec::new();
    match &f.injected {
        Some(i) if i.ok => parts.push(with_detail(&format!("✓ injected {}", hms(i.ts)), i.detail)),
        Some(i) => parts.push(format!("✗ injection failed: {}", or_unknown(i.detail))),
        None => parts.push("? no injection result recorded".to_string()),
    }
    match f.final_revert() {
        Some(r) if r.ok => parts.push(with_detail("✓ reverted", r.detail)),
        Some(r) => parts.push(format!(
            "✗ REVERT FAILED: {} — may still be active",
            or_unknown(r.detail)
        )),
        None => parts.push("✗ not reverted — may still be active".to_string()),
    }
    cell(&parts.join("; "))
}

fn with_detail(what: &str, detail: &str) -> String {
    if detail.trim().is_empty() {
        what.to_string()
    } else {
        format!("{what} ({})", plain(detail))
    }
}

/// What each fault was set to do, as confirmed when it was armed.
fn fault_plans(run: &Run, out: &mut String) {
    let with_plans: Vec<(&str, &FaultInfo)> = run
        .faults
        .iter()
        .filter_map(|f| f.info.map(|i| (f.name, i)))
        .filter(|(_, i)| !i.plan.is_empty())
        .collect();
    if with_plans.is_empty() {
        return;
    }
    line(out, "Plans:");
    line(out, "");
    for (name, info) in with_plans {
        let steps: Vec<String> = info.plan.iter().map(|p| code(p)).collect();
        line(
            out,
            format!(
                "- {} ({}, {}): {}",
                one_line(name),
                info.kind,
                format_duration(info.duration),
                steps.join(", ")
            ),
        );
    }
    line(out, "");
}

/// Kill-switch latency: from the abort to the last revert that settled after it.
fn kill_switch_line(run: &Run, a: &Abort) -> String {
    let head = format!(
        "Kill switch: pulled by {} ({}) at {}",
        one_line(a.by),
        a.source.as_str(),
        hms(a.ts)
    );
    let settled: Vec<&Reverted> = run
        .faults
        .iter()
        .filter_map(|f| f.final_revert())
        .filter(|r| r.ts >= a.ts)
        .collect();
    let still_active = run.faults.iter().any(|f| f.may_be_active());
    let tail = match settled.iter().map(|r| r.ts).max() {
        _ if still_active => "; NOT every fault was reverted (see above).".to_string(),
        // the journal keeps milliseconds: the same millisecond is not "0 s later"
        Some(last) if elapsed(a.ts, last) < Duration::from_millis(1) => {
            "; every fault reverted in under 1 ms.".to_string()
        }
        Some(last) => format!(
            "; every fault reverted {} later.",
            format_duration(elapsed(a.ts, last))
        ),
        None => "; no fault was active.".to_string(),
    };
    format!("{head}{tail}")
}

// --- timeline ----------------------------------------------------------------------------

struct Entry {
    ts: Ts,
    who: String,
    what: String,
}

fn timeline(run: &Run, out: &mut String) {
    line(out, "## Timeline");
    line(out, "");
    line(out, "| T | who | what |");
    line(out, "|---|---|---|");
    let markers = signal_markers(run);
    let mut next_marker = 0;
    let mut room: Vec<&Record> = Vec::new();
    for r in run.records {
        // signal markers sit at their sample's timestamp, in journal order
        while next_marker < markers.len() && markers[next_marker].ts <= r.ts {
            room_rows(run, &mut room, out);
            line(out, entry_row(run, &markers[next_marker]));
            next_marker += 1;
        }
        if matches!(
            r.event,
            Event::OperatorJoined { .. } | Event::OperatorLeft { .. }
        ) {
            room.push(r);
            continue;
        }
        if let Some(e) = record_entry(run, r) {
            room_rows(run, &mut room, out);
            line(out, entry_row(run, &e));
        }
    }
    room_rows(run, &mut room, out);
    for m in &markers[next_marker..] {
        line(out, entry_row(run, m));
    }
    line(out, "");
}

/// Joins and leaves in a row with nothing else between them, each on its own row
/// when there are a few; one row per person when there are more (a connect/disconnect
/// loop must not bury the timeline under thousands of rows).
fn room_rows(run: &Run, room: &mut Vec<&Record>, out: &mut String) {
    const ONE_ROW_EACH: usize = 6;
    if room.len() <= ONE_ROW_EACH {
        for r in room.drain(..) {
            if let Some(e) = record_entry(run, r) {
                line(out, entry_row(run, &e));
            }
        }
        return;
    }
    // per person, in order of first appearance: (name, first, last, joins, leaves)
    let mut people: Vec<(&str, Ts, Ts, usize, usize)> = Vec::new();
    for r in room.drain(..) {
        let (name, joined) = match &r.event {
            Event::OperatorJoined { name } => (name.as_str(), true),
            Event::OperatorLeft { name, .. } => (name.as_str(), false),
            _ => continue,
        };
        match people.iter_mut().find(|p| p.0 == name) {
            Some(p) => {
                p.2 = r.ts;
                if joined {
                    p.3 += 1;
                } else {
                    p.4 += 1;
                }
            }
            None => people.push((name, r.ts, r.ts, usize::from(joined), usize::from(!joined))),
        }
    }
    for (name, first, last, joins, leaves) in people {
        let times = |n: usize| {
            if n == 1 {
                "once".to_string()
            } else {
                format!("{n} times")
            }
        };
        let e = Entry {
            ts: first,
            who: name.to_string(),
            what: format!(
                "joined the room {} and left it {}, from {} to {}",
                times(joins),
                times(leaves),
                format_offset(run.offset_ms(first)),
                format_offset(run.offset_ms(last))
            ),
        };
        line(out, entry_row(run, &e));
    }
}

fn entry_row(run: &Run, e: &Entry) -> String {
    format!(
        "| {} | {} | {} |",
        format_offset(run.offset_ms(e.ts)),
        cell(&e.who),
        cell(&e.what)
    )
}

fn nobody() -> String {
    "—".to_string()
}

fn record_entry(run: &Run, r: &Record) -> Option<Entry> {
    let entry = |who: &str, what: String| {
        Some(Entry {
            ts: r.ts,
            who: who.to_string(),
            what,
        })
    };
    match &r.event {
        Event::RunStarted(info) => entry(&info.operator, format!("run started ({})", info.mode)),
        Event::Phase { phase } => phase_words(run, *phase).and_then(|w| entry("—", w)),
        Event::Sample { .. } | Event::Probe { .. } => None,
        Event::Pods { changes, .. } => {
            let what: Vec<String> = changes
                .iter()
                .map(|c| match c.change.as_str() {
                    "deleted" => format!("{} deleted", c.pod),
                    "added" => format!("{} new, {} {}", c.pod, c.ready, c.status),
                    "restarted" => format!("{} restarted, {} {}", c.pod, c.ready, c.status),
                    _ => format!("{} {} {}", c.pod, c.ready, c.status),
                })
                .collect();
            entry("—", plain(&what.join("; ")))
        }
        Event::Armed { fault, by, .. } => entry(by, format!("armed {}", code(fault))),
        Event::FaultProgress { fault, detail } => {
            entry("—", format!("{}: {}", code(fault), plain(detail)))
        }
        Event::ClusterWarning {
            namespace,
            object,
            reason,
            message,
        } => entry(
            "—",
            format!(
                "warning {} on {} in {}: {}",
                plain(reason),
                plain(object),
                plain(namespace),
                plain(message)
            ),
        ),
        Event::ArmRefused { fault, by, reason } => entry(
            by,
            format!("could not arm {}: {}", code(fault), plain(reason)),
        ),
        Event::Disarmed { fault, by } => entry(by, format!("disarmed {}", code(fault))),
        Event::Override { by, failing } => entry(
            by,
            format!(
                "triggered despite a failing steady state: {}",
                plain(&failing.join("; "))
            ),
        ),
        Event::FaultInjecting { fault, by, .. } => entry(by, format!("triggered {}", code(fault))),
        Event::FaultInjected {
            fault,
            ok: true,
            targets,
            detail,
            ..
        } => {
            let mut what = format!("injected {}", code(fault));
            if !targets.is_empty() {
                what.push_str(&format!(": {}", plain(&targets.join(", "))));
            }
            entry("—", with_detail(&what, detail))
        }
        Event::FaultInjected {
            fault,
            ok: false,
            detail,
            ..
        } => entry(
            "—",
            format!(
                "injection of {} FAILED: {}",
                code(fault),
                or_unknown(detail)
            ),
        ),
        Event::FaultReverting {
            fault,
            reason,
            attempt,
            ..
        } => {
            let attempt = if *attempt > 1 {
                format!(", attempt {attempt}")
            } else {
                String::new()
            };
            entry(
                "—",
                format!("reverting {} ({}{attempt})", code(fault), reason.as_str()),
            )
        }
        Event::FaultReverted {
            fault,
            ok,
            attempt,
            detail,
            will_retry,
        } => entry(
            "—",
            reverted_words(fault, *ok, *attempt, detail, *will_retry),
        ),
        Event::GuardrailTripped {
            signal,
            criterion,
            value,
        } => {
            let v = run
                .signal_info(signal)
                .map(|i| format_value(*value, i.unit))
                .unwrap_or_else(|| value.to_string());
            entry(
                "—",
                format!("guardrail tripped: {signal} {v} ({criterion})"),
            )
        }
        Event::Abort { by, source, detail } => entry(
            by,
            with_detail(&format!("kill switch pulled ({})", source.as_str()), detail),
        ),
        Event::Note { author, kind, text } => {
            let kind = match kind {
                NoteKind::Note => "note",
                NoteKind::Action => "action",
            };
            entry(author, format!("{kind}: {}", plain(text)))
        }
        Event::Milestone { name, author } => {
            entry(author, milestones::timeline_words(run, r, name))
        }
        Event::Alert {
            name,
            state,
            active_at,
            error,
        } => {
            let mut what = format!("alert {} {}", plain(name), plain(state));
            if let Some(t) = active_at {
                what.push_str(&format!(" (active since {})", date_hms(*t)));
            }
            if let Some(e) = error {
                what.push_str(&format!(": the alerts API could not be read: {}", plain(e)));
            }
            entry("—", what)
        }
        Event::Verdict { verdict, .. } => entry("—", format!("verdict {}", verdict.word())),
        Event::RunEnded { exit_code } => entry("—", format!("run ended (exit code {exit_code})")),
        Event::OperatorJoined { name } => entry(name, "joined the room".to_string()),
        Event::OperatorLeft { name, detail } => entry(name, with_detail("left the room", detail)),
        Event::Screen { .. } => None,
        Event::Warning { source, message } => {
            entry("—", format!("warning ({source}): {}", plain(message)))
        }
    }
}

fn phase_words(run: &Run, phase: Phase) -> Option<String> {
    match phase {
        Phase::Baseline => Some(format!("baseline ({})", format_duration(run.info.baseline))),
        Phase::Ready => Some("ready to arm".to_string()),
        Phase::Recovery => Some(format!(
            "recovery window ({})",
            format_duration(run.info.recovery)
        )),
        Phase::Done => Some("done".to_string()),
        Phase::Armed | Phase::Injecting | Phase::Active | Phase::Reverting => None,
    }
}

fn reverted_words(fault: &str, ok: bool, attempt: u32, detail: &str, will_retry: bool) -> String {
    let attempt_words = if attempt > 1 {
        format!(" (attempt {attempt})")
    } else {
        String::new()
    };
    if ok {
        return with_detail(&format!("reverted {}{attempt_words}", code(fault)), detail);
    }
    let next = if will_retry {
        "will retry"
    } else {
        "no retry left"
    };
    format!(
        "revert of {} FAILED (attempt {attempt}): {}; {next}",
        code(fault),
        or_unknown(detail)
    )
}

/// Each signal's first violation of its `expect` in the window, and its return.
fn signal_markers(run: &Run) -> Vec<Entry> {
    let mut markers: Vec<Entry> = run
        .signals
        .iter()
        .flat_map(|s| markers_for(run, s))
        .collect();
    markers.sort_by_key(|m| m.ts);
    markers
}

fn markers_for(run: &Run, s: &SignalView) -> Vec<Entry> {
    let (Some(expect), Some(first)) = (&s.info.expect, s.outcome.violations.first()) else {
        return vec![];
    };
    let mut out = Vec::new();
    if let Some(v) = s
        .points
        .iter()
        .find(|p| p.ts == first.start)
        .and_then(|p| p.value)
    {
        let op = violation_op(v, expect.value);
        out.push(Entry {
            ts: first.start,
            who: nobody(),
            what: format!(
                "{} {} {} {}",
                s.info.name,
                format_value_against(v, expect.value, s.info.unit),
                op.symbol(),
                format_value(expect.value, s.info.unit)
            ),
        });
    }
    if let Some(ts) = return_within_expect(run, s, first) {
        out.push(Entry {
            ts,
            who: nobody(),
            what: format!(
                "{} back within {} for {RETURN_STREAK} samples",
                s.info.name,
                expect.display(s.info.unit)
            ),
        });
    }
    out
}

/// How a violating value stands against the threshold: "412 ms > 300 ms".
fn violation_op(value: f64, threshold: f64) -> Op {
    if value > threshold {
        Op::Gt
    } else if value < threshold {
        Op::Lt
    } else {
        Op::Eq
    }
}

/// The first of `RETURN_STREAK` samples in a row within `expect` after the first
/// violation began; missing data breaks the streak, as it does for time to recover.
fn return_within_expect(run: &Run, s: &SignalView, first: &Span) -> Option<Ts> {
    let expect = s.info.expect.as_ref()?;
    let end = run.window.as_ref()?.end;
    let mut streak: Option<Ts> = None;
    let mut count = 0;
    for p in s
        .points
        .iter()
        .filter(|p| p.ts > first.start && p.ts <= end)
    {
        match p.present() {
            Some(v) if expect.holds(v) => {
                let start = *streak.get_or_insert(p.ts);
                count += 1;
                if count == RETURN_STREAK {
                    return Some(start);
                }
            }
            _ => {
                streak = None;
                count = 0;
            }
        }
    }
    None
}

// --- notes, queries ----------------------------------------------------------------------

fn notes(run: &Run, out: &mut String) {
    line(out, "## Notes");
    line(out, "");
    let notes: Vec<&Note> = run
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Note)
        .collect();
    if notes.is_empty() {
        line(out, "None recorded.");
    }
    for n in notes {
        line(
            out,
            format!(
                "- **{}, {}** — {}",
                one_line(n.author),
                hms(n.ts),
                plain(n.text)
            ),
        );
    }
    line(out, "");
    line(out, "## Action items");
    line(out, "");
    let actions: Vec<&Note> = run
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Action)
        .collect();
    if actions.is_empty() {
        line(out, "None recorded.");
    }
    for n in actions {
        line(
            out,
            format!("- [ ] {} ({})", plain(n.text), one_line(n.author)),
        );
    }
    line(out, "");
}

fn queries(run: &Run, out: &mut String) {
    line(out, "## Queries");
    line(out, "");
    if run.info.signals.is_empty() {
        line(out, "None.");
    }
    for s in &run.info.signals {
        line(
            out,
            format!(
                "- {} ({}): {}",
                one_line(&s.name),
                query_kind(s),
                code(&s.source)
            ),
        );
    }
}

fn query_kind(s: &SignalInfo) -> String {
    match (s.kind.as_str(), s.measure) {
        ("http", Some(m)) => format!("http, {} of the probes", measure_words(m)),
        (kind, _) => kind.to_string(),
    }
}

fn measure_words(m: Measure) -> &'static str {
    match m {
        Measure::ErrorRate => "error rate",
        Measure::P50 => "p50",
        Measure::P90 => "p90",
        Measure::P99 => "p99",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scenario::model::Unit;
    use crate::testkit::{self, criterion};

    fn at(secs: i64) -> Ts {
        DateTime::from_timestamp(1_795_773_600 + secs, 0).unwrap()
    }

    fn info() -> RunInfo {
        RunInfo {
            run_id: "r".into(),
            scenario: "cache-outage".into(),
            scenario_path: "s.yaml".into(),
            scenario_sha256: "0123456789abcdef".into(),
            hypothesis: "The API survives without its cache.".into(),
            owner: None,
            operator: "carol".into(),
            host: "h".into(),
            run_dir: "runs/r/".into(),
            mode: "headless".into(),
            prometheus_url: None,
            kube_context: None,
            kube_namespace: None,
            baseline: Duration::from_secs(10),
            recovery: Duration::from_secs(10),
            signals: vec![SignalInfo {
                expect: Some(criterion(Op::Lt, 0.01, "< 1%")),
                abort: Some(criterion(Op::Gt, 0.05, "> 5%")),
                ..testkit::signal("errors", "command", "count-errors", Unit::Ratio)
            }],
            faults: vec![FaultInfo {
                name: "stop cache".into(),
                kind: "exec".into(),
                duration: Duration::from_secs(30),
                plan: vec![],
            }],
            ..testkit::run_info()
        }
    }

    fn journal(events: Vec<(i64, Event)>) -> Vec<Record> {
        events
            .into_iter()
            .enumerate()
            .map(|(i, (s, event))| Record {
                seq: i as u64 + 1,
                ts: at(s),
                event,
            })
            .collect()
    }

    fn sample(v: f64) -> Event {
        Event::Sample {
            signal: "errors".into(),
            value: Some(v),
            error: None,
            at: None,
            detail: None,
        }
    }

    /// A guardrail trips the kill switch at T+00:03; the revert settles 250 ms later.
    fn guardrail_abort() -> Vec<Record> {
        let mut events = vec![
            (0, Event::RunStarted(Box::new(info()))),
            (
                0,
                Event::Phase {
                    phase: Phase::Baseline,
                },
            ),
        ];
        events.extend((1..=10).map(|s| (s, sample(0.001))));
        events.push((
            10,
            Event::Phase {
                phase: Phase::Ready,
            },
        ));
        events.push((
            11,
            Event::Armed {
                fault: "stop cache".into(),
                by: "carol".into(),
                plan: vec![],
            },
        ));
        events.push((
            12,
            Event::FaultInjecting {
                fault: "stop cache".into(),
                by: "carol".into(),
                action: "inject".into(),
            },
        ));
        events.push((
            12,
            Event::FaultInjected {
                restore: None,
                fault: "stop cache".into(),
                ok: true,
                targets: vec![],
                detail: String::new(),
            },
        ));
        events.push((13, sample(0.02)));
        events.push((14, sample(0.08)));
        events.push((15, sample(0.09)));
        events.push((
            15,
            Event::GuardrailTripped {
                signal: "errors".into(),
                criterion: "> 5%".into(),
                value: 0.09,
            },
        ));
        events.push((
            15,
            Event::Abort {
                by: "guardrail".into(),
                source: AbortSource::Guardrail,
                detail: "errors 9 % (> 5%)".into(),
            },
        ));
        events.push((
            15,
            Event::FaultReverting {
                fault: "stop cache".into(),
                reason: RevertReason::Abort,
                attempt: 1,
                action: "revert".into(),
            },
        ));
        let mut records = journal(events);
        let reverted_at = at(15) + chrono::Duration::milliseconds(250);
        let mut push = |event: Event| {
            let seq = records.len() as u64 + 1;
            records.push(Record {
                seq,
                ts: reverted_at,
                event,
            });
        };
        push(Event::FaultReverted {
            fault: "stop cache".into(),
            ok: true,
            attempt: 1,
            detail: String::new(),
            will_retry: false,
        });
        push(Event::Verdict {
            verdict: Verdict::Aborted,
            reasons: vec![
                "the kill switch ended the run".into(),
                "`errors` violated < 1 %; worst 9 %".into(),
            ],
        });
        records
    }

    #[test]
    fn a_revert_settled_in_the_abort_millisecond_is_under_1_ms_not_0_s() {
        let mut records = guardrail_abort();
        let abort_ts = records
            .iter()
            .find(|r| matches!(r.event, Event::Abort { .. }))
            .map(|r| r.ts)
            .unwrap();
        for r in records.iter_mut().filter(|r| r.ts > abort_ts) {
            r.ts = abort_ts;
        }
        let report = render(&records).unwrap();
        assert!(
            report.contains("at 10:00:15; every fault reverted in under 1 ms."),
            "{report}"
        );
    }

    #[test]
    fn a_guardrail_abort_names_the_guardrail_not_a_person() {
        let report = render(&guardrail_abort()).unwrap();
        assert!(
            report.starts_with("# Game day: cache-outage — ABORTED\n"),
            "{report}"
        );
        assert!(
            report.contains(
                "**Verdict: ABORTED** — The kill switch ended the run. `errors` violated < 1 %; worst 9 %. \
                 The kill switch was pulled by a guardrail at 10:00:15 (errors 9 % (> 5%))."
            ),
            "{report}"
        );
        assert!(report.contains("Kill switch: pulled by guardrail (guardrail) at 10:00:15; every fault reverted 250 ms later."));
        assert!(
            report.contains("| operators | carol (driver) |"),
            "{report}"
        );
        assert!(
            report.contains("| 00:03 | — | guardrail tripped: errors 9 % (> 5%) |"),
            "{report}"
        );
        assert!(
            report.contains("| 00:01 | — | errors 2 % > 1 % |"),
            "{report}"
        );
        assert!(
            report.contains("| errors | < 1 % | 0.1 % | 9 % at T+00:03 | 8 % | not recovered |"),
            "{report}"
        );
        // neither cluster nor Prometheus rows when the run used neither
        assert!(
            !report.contains("| cluster |") && !report.contains("| Prometheus |"),
            "{report}"
        );
        assert!(!report.contains("## Alerts"), "{report}");
    }

    #[test]
    fn table_cells_and_code_spans_survive_user_text() {
        assert_eq!(cell("a | b\nc\r\nd"), "a \\| b c d");
        assert_eq!(code("rate(x[1m])\n  / y"), "`rate(x[1m]) / y`");
        assert_eq!(code("echo `date`"), "`` echo `date` ``");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn small_helpers() {
        assert_eq!(short_hash("3f1c5e0d2b7a9a0e"), "3f1c…9a0e");
        assert_eq!(short_hash("abc"), "abc");
        assert_eq!(
            sentence("no fault was triggered"),
            "No fault was triggered."
        );
        assert_eq!(
            sentence("`p99` violated < 300 ms."),
            "`p99` violated < 300 ms."
        );
        assert_eq!(violation_op(0.4, 0.3), Op::Gt);
        assert_eq!(violation_op(1.0, 2.0), Op::Lt);
    }

    #[test]
    fn long_series_are_downsampled_evenly_to_sixty_points() {
        let points: Vec<Point> = (0..601)
            .map(|s| Point {
                ts: at(s),
                value: Some(s as f64),
            })
            .collect();
        let picked = downsample(&points, SPARKLINE_POINTS);
        assert_eq!(picked.len(), 60);
        assert_eq!(picked[0].value, Some(0.0));
        assert_eq!(picked[59].value, Some(600.0));
        let short = downsample(&points[..10], SPARKLINE_POINTS);
        assert_eq!(short.len(), 10);
    }

    #[test]
    fn rendering_is_deterministic() {
        let records = guardrail_abort();
        assert_eq!(render(&records).unwrap(), render(&records).unwrap());
    }
}
