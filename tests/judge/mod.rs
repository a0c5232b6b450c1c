//! Independent judge for gameday journals.
//!
//! A second, separately written implementation of the judging rules, written
//! only from the rules and the journal format (never from the product's own
//! judging code), so tests can compare the product's verdict and figures
//! against it. Depends only on `serde_json` and `chrono`.
//!
//! Entry point: [`judge`], which takes the journal's lines (already parsed
//! into `serde_json::Value`s, in journal order) and returns a [`Judgement`].
//!
//! # Readings chosen where the rules leave room
//!
//! Where the rules were ambiguous, the reading chosen is the one that never
//! turns missing or bad data into a pass:
//!
//! 1. Journal order is the order of the slice. Samples are sorted by their time
//!    (`at`, else `ts`), stable, so equal times keep journal order. Alert
//!    records are sorted by `ts` the same way.
//! 2. A line whose `ts` does not parse as RFC 3339 has no time: it still counts
//!    for the rules that need no time (an `abort`, an inject failure, a failed
//!    settled revert, the existence of a `fault_injecting`), but not for
//!    anything that needs its time. A `fault_injecting` with no usable time
//!    still means the run was not "NOT RUN"; if no trigger has a usable time,
//!    there is no window, so every signal lacks data and every alert is
//!    Unknown (never CONFIRMED).
//! 3. A sample whose `at` is present but does not parse falls back to its `ts`
//!    (the sample is kept rather than silently dropped).
//! 4. A sample that carries an `error` (not null) is missing even if it also
//!    carries a `value` ("missing (an error, NaN, empty)"). A `value` that is
//!    `null`, `"NaN"`, or any string other than `"+Inf"`/`"Inf"`/`"-Inf"` is
//!    missing.
//! 5. The first trigger T is the earliest `ts` among the `fault_injecting`
//!    records (in a well-formed journal that is also the first one). A fault's
//!    trigger is the `ts` of its first `fault_injecting`; "trigger order" sorts
//!    the triggered faults by that time, stable.
//! 6. The verdict's time V is the `ts` of the first `verdict` record, else of the
//!    first `run_ended`, else the largest `ts` in the journal. (Amended with README's
//!    "Words":) observation ends at O = min(V, the `ts` of the last `phase` record
//!    whose phase is `RECOVERY` + `recovery_ms`), or V when there is no such record;
//!    judging ends at E = min(the `ts` of the first `abort` record, O), or O without
//!    an abort. Everything judged (violations, lacking data, worst, alerts) stops at
//!    E; the recovery spans and the "after" figure run to O.
//! 7. `ok` on `fault_injected` / `fault_reverted` that is not exactly `true`
//!    counts as false; a failed `fault_reverted` without `will_retry: true`
//!    (absent counts as false) settles the revert as failed. Inject failures
//!    and failed settled reverts count for every fault, triggered or not.
//! 8. The settled revert is the first qualifying `fault_reverted` of that fault
//!    in journal order. Fault windows are clipped to [T, E] (a revert settled
//!    after E does not widen anything past the end of the window).
//! 9. The recovery span of a fault ends at the earliest trigger, among the
//!    faults after it in trigger order, that is at or after its settle time R
//!    (with overlapping faults, the next fault may have been triggered before
//!    R; such a trigger cannot end a span that starts at R), else at E; and
//!    never after E.
//! 10. (Amended with README's rules:) the "last value at or before R" is looked for
//!     among all the signal's samples, not only the window's; with none at all, that
//!     part of "needed" is false. (Original reading:) Recovery is needed when there is no value at all in the window at or
//!     before R (the state at the revert is unknown, so a recovery is not
//!     assumed to be unnecessary).
//! 11. An unknown or missing `expect.op`, or a missing/non-numeric
//!     `expect.value`, makes every value fail to hold (the signal can only be
//!     Violated or NoData). Missing `tolerate_ms` is 0, a missing/null `for_` is
//!     0; a missing `interval_ms` is 0 (so the gap limit is 1 s). A missing
//!     `within_ms` is 0.
//! 12. Alert records with `ts` after E are ignored (the verdict cannot rest on
//!     what was seen after it). An `active_at` that is present but does not
//!     parse satisfies neither "active_at ≥ T" nor "active_at < T", so that
//!     record can neither make the alert fire nor make it AlreadyActive.
//! 13. "Unknown at any moment of [T, min(T+W, E)]": the latest record before T
//!     is "unknown" (even if another record follows it at exactly T), or any
//!     record with `ts` in [T, min(T+W, E)] is "unknown" (even one immediately
//!     superseded by another record at the same `ts`).
//! 14. With no trigger at all, alerts are Unknown, signals are judged on an
//!     empty window (NoData, no worst/after/violations/recovery) and the
//!     baseline is the median of all values.
//! 15. The median of an even count is `(a + b) / 2` of the middle two; with
//!     infinities this may be infinite (or NaN for -Inf and +Inf).
//! 16. Only the first `run_started` is read.
//! 17. `worst` for `==` uses |v − threshold| with the distance of an equal value
//!     taken as 0 (so +Inf against a +Inf threshold is not NaN).
//! 19. (Amended with README's rules 9 and 11:) a triggered fault with no
//!     `fault_injected` whose `ok` is `true`, and no failed one, never took effect
//!     (INCONCLUSIVE by rule 9 unless aborted); a triggered fault with no settling
//!     `fault_reverted` never settled (INCONCLUSIVE by rule 11, like a failed revert).
//! 20. (Amended with README's "http probes":) an http signal (one with `measure` and
//!     `window_ms`) is judged on values folded here from its `probe` records, never on
//!     its `sample` records: one value at each probe's start `at`, over the probes whose
//!     start is at or before it and less than `window_ms` before it. A probe is answered
//!     (`latency`), failed (`error`, or neither field), or unfinished (`waited_ms` and no
//!     `error`: its latency is at least that, or it failed). Without unfinished probes,
//!     `error_rate` is failed/n and a percentile is the nearest-rank one (rank
//!     ceil(q·n), at least 1) with failures as +Inf. With unfinished ones, the possible
//!     values are: for `error_rate` (failed + j)/n for each j from 0 to their count, in
//!     that order; for a percentile the range from the value with each at its wait to
//!     the value with each failed. When every possible value holds `expect`, the value
//!     is the worst of them (the first of equals); when every one fails, the least bad;
//!     otherwise it is missing.
//! 21. (Added with README's "Milestones":) the milestones are `run_started.milestones`
//!     (`name`, `within_ms` when it has a target). A milestone's mark is the first
//!     `milestone` record with its name, in journal order, whose `ts` is usable and lies
//!     in [T, V] (T the first trigger, V as in reading 6): a mark outside it is not one
//!     that could have been taken, so it never makes a target met. Without T every
//!     milestone is untimed. Marked: `after` = its ts − T; met when `after` ≤ `within`,
//!     late by `after` − `within` otherwise, merely marked without `within`. Not marked:
//!     missed when it has `within` and V − T ≥ `within` (the run lasted the whole
//!     target), else simply not marked. Milestones never enter the verdict or its reasons.
//! 18. The reasons list holds the reasons of the rule that decided the verdict
//!     only (for REFUTED: every violated signal and every late/unfired alert;
//!     for INCONCLUSIVE by rule 11: every signal without data, every
//!     unknown/already-active alert and every failed revert). CONFIRMED has no
//!     reasons.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::time::Duration;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// The verdict and the figures derived from a journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// "CONFIRMED" | "REFUTED" | "ABORTED" | "INCONCLUSIVE" | "NOT RUN"
    pub verdict: String,
    /// Short reasons, e.g. "signal p99 violated", "fault f1 inject failed".
    pub reasons: Vec<String>,
    /// In run_started order, only signals with an expect.
    pub signals: Vec<SignalJudgement>,
    /// In run_started order.
    pub alerts: Vec<AlertJudgement>,
    /// In run_started order (reading 21).
    pub milestones: Vec<MilestoneJudgement>,
}

/// How one milestone stood (reading 21).
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneJudgement {
    pub name: String,
    pub within: Option<Duration>,
    /// (author, ts) of the mark that counts
    pub mark: Option<(String, DateTime<Utc>)>,
    /// from the first trigger to that mark
    pub after: Option<Duration>,
    pub outcome: MilestoneOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneOutcome {
    /// no trigger: nothing to time
    NotTimed,
    /// marked, no target
    Marked,
    Met,
    /// marked this long after the target
    Late(Duration),
    /// not marked though the run lasted its whole target
    Missed,
    NotMarked,
}

/// How one signal with an `expect` fared.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalJudgement {
    pub name: String,
    pub result: SignalResult,
    /// Median of the values before the first trigger.
    pub baseline: Option<f64>,
    /// Worst value during any fault window, with its time.
    pub worst: Option<(f64, DateTime<Utc>)>,
    /// Median of the last three values in the window.
    pub after: Option<f64>,
    /// (start, end, open) of the longest violation in the window.
    pub longest_violation: Option<(DateTime<Utc>, DateTime<Utc>, bool)>,
    /// One per triggered fault, in trigger order.
    pub recovery: Vec<(String, Recovery)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalResult {
    Violated,
    NoData,
    Held,
    HeldWithinTolerance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    NotNeeded,
    BeforeRevert,
    After(Duration),
    Never,
    NotSettled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertJudgement {
    pub name: String,
    pub outcome: AlertOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertOutcome {
    InTime(Duration),
    Late(Duration),
    DidNotFire,
    Unknown,
    AlreadyActive,
}

/// A violation found in the window: [start, end], open when it had not ended
/// by the end of the window (then `end` is the window's end).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Violation {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub open: bool,
}

impl Violation {
    /// Length in milliseconds.
    pub fn millis(&self) -> i64 {
        ms_between(self.end, self.start)
    }
}

/// Judges a journal (its lines, in journal order).
pub fn judge(journal: &[Value]) -> Judgement {
    let run = Run::parse(journal);
    run.judge()
}

/// Parses an RFC 3339 timestamp as the journal writes it.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

fn ms_between(later: DateTime<Utc>, earlier: DateTime<Utc>) -> i64 {
    (later - earlier).num_milliseconds()
}

fn duration_ms(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

fn time_field(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key).and_then(Value::as_str).and_then(parse_time)
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn num_field(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn is_true(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool) == Some(true)
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        Some(v[n / 2])
    } else {
        Some((v[n / 2 - 1] + v[n / 2]) / 2.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Expect {
    op: Op,
    threshold: Option<f64>,
    for_ms: f64,
}

impl Expect {
    fn parse(v: &Value) -> Expect {
        let op = match str_field(v, "op") {
            Some("<") => Op::Lt,
            Some("<=") => Op::Le,
            Some(">") => Op::Gt,
            Some(">=") => Op::Ge,
            Some("==") => Op::Eq,
            Some("!=") => Op::Ne,
            _ => Op::Unknown,
        };
        let threshold = match v.get("value") {
            Some(x) => match parse_number(x) {
                Reading::Value(f) => Some(f),
                Reading::Missing => None,
            },
            None => None,
        };
        let for_ms = num_field(v, "for_").unwrap_or(0.0);
        Expect {
            op,
            threshold,
            for_ms,
        }
    }

    fn holds(&self, x: f64) -> bool {
        let Some(t) = self.threshold else {
            return false;
        };
        match self.op {
            Op::Lt => x < t,
            Op::Le => x <= t,
            Op::Gt => x > t,
            Op::Ge => x >= t,
            Op::Eq => x == t,
            Op::Ne => x != t,
            Op::Unknown => false,
        }
    }

    /// Larger is further on the wrong side of the expectation.
    fn badness(&self, x: f64) -> f64 {
        let t = self.threshold.unwrap_or(0.0);
        let dist = if x == t { 0.0 } else { (x - t).abs() };
        match self.op {
            Op::Lt | Op::Le | Op::Unknown => x,
            Op::Gt | Op::Ge => -x,
            Op::Eq => dist,
            Op::Ne => -dist,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    Value(f64),
    Missing,
}

fn parse_number(v: &Value) -> Reading {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !f.is_nan() => Reading::Value(f),
            _ => Reading::Missing,
        },
        Value::String(s) => match s.as_str() {
            "+Inf" | "Inf" => Reading::Value(f64::INFINITY),
            "-Inf" => Reading::Value(f64::NEG_INFINITY),
            _ => Reading::Missing,
        },
        _ => Reading::Missing,
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    t: DateTime<Utc>,
    r: Reading,
}

impl Sample {
    fn value(&self) -> Option<f64> {
        match self.r {
            Reading::Value(v) => Some(v),
            Reading::Missing => None,
        }
    }
}

#[derive(Debug, Clone)]
struct SignalSpec {
    name: String,
    expect: Option<Expect>,
    tolerate_ms: f64,
    interval_ms: f64,
    /// an http signal: (measure, window in ms)
    probes: Option<(String, i64)>,
}

/// One `probe` record: its start, and what became of it.
#[derive(Debug, Clone)]
struct ProbeLine {
    at: DateTime<Utc>,
    outcome: ProbeEnd,
}

#[derive(Debug, Clone, Copy)]
enum ProbeEnd {
    Latency(f64),
    Failed,
    /// still waiting when the run ended, this many ms after its start
    Unfinished(u64),
}

#[derive(Debug, Clone)]
struct AlertSpec {
    name: String,
    within_ms: f64,
}

#[derive(Debug, Clone)]
struct MilestoneSpec {
    name: String,
    within_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
enum ActiveAt {
    Absent,
    Bad,
    At(DateTime<Utc>),
}

#[derive(Debug, Clone)]
struct AlertRec {
    ts: DateTime<Utc>,
    state: String,
    active_at: ActiveAt,
}

#[derive(Debug, Clone)]
struct FaultSpan {
    name: String,
    trigger: DateTime<Utc>,
    settle: Option<DateTime<Utc>>,
    /// a `fault_injected` with `ok: true`
    took_effect: bool,
    /// a settling `fault_reverted`, with or without a usable time
    settled: bool,
}

#[derive(Debug, Default)]
struct Run {
    signals: Vec<SignalSpec>,
    alerts: Vec<AlertSpec>,
    any_injecting: bool,
    aborted: bool,
    /// Fault names of run_started.
    fault_names: Vec<String>,
    /// Fault names whose inject failed, journal order, deduplicated.
    inject_failed: Vec<String>,
    /// Fault names whose settled revert failed, journal order, deduplicated.
    revert_failed: Vec<String>,
    /// Triggered faults in trigger order.
    faults: Vec<FaultSpan>,
    first_trigger: Option<DateTime<Utc>>,
    /// E: the end of judging.
    end: Option<DateTime<Utc>>,
    /// O: the end of observation (recovery spans and "after" run to it).
    observed: Option<DateTime<Utc>>,
    /// Fault names with a successful `fault_injected`.
    injected_ok: Vec<String>,
    /// Per signal (index into `signals`), sorted by time, stable.
    samples: Vec<Vec<Sample>>,
    /// Per signal, its probe records in journal order.
    probes: Vec<Vec<ProbeLine>>,
    /// Per alert (index into `alerts`), sorted by ts, stable, ts ≤ end.
    alert_recs: Vec<Vec<AlertRec>>,
    milestone_specs: Vec<MilestoneSpec>,
    /// (name, author, ts) of every `milestone` record with a usable ts, journal order.
    milestone_lines: Vec<(String, String, DateTime<Utc>)>,
    /// V of reading 6.
    verdict_time: Option<DateTime<Utc>>,
}

impl Run {
    fn parse(journal: &[Value]) -> Run {
        let mut run = Run::default();
        let ty = |l: &Value| str_field(l, "type").unwrap_or("").to_string();

        if let Some(rs) = journal.iter().find(|l| ty(l) == "run_started") {
            if let Some(sigs) = rs.get("signals").and_then(Value::as_array) {
                for s in sigs {
                    run.signals.push(SignalSpec {
                        name: str_field(s, "name").unwrap_or("").to_string(),
                        expect: s.get("expect").filter(|e| !e.is_null()).map(Expect::parse),
                        tolerate_ms: num_field(s, "tolerate_ms").unwrap_or(0.0),
                        interval_ms: num_field(s, "interval_ms").unwrap_or(0.0),
                        probes: str_field(s, "measure").and_then(|m| {
                            num_field(s, "window_ms").map(|w| (m.to_string(), w as i64))
                        }),
                    });
                }
            }
            if let Some(faults) = rs.get("faults").and_then(Value::as_array) {
                for f in faults {
                    run.fault_names
                        .push(str_field(f, "name").unwrap_or("").to_string());
                }
            }
            if let Some(ms) = rs.get("milestones").and_then(Value::as_array) {
                for m in ms {
                    run.milestone_specs.push(MilestoneSpec {
                        name: str_field(m, "name").unwrap_or("").to_string(),
                        within_ms: num_field(m, "within_ms").map(|w| w as i64),
                    });
                }
            }
            if let Some(alerts) = rs.get("alerts").and_then(Value::as_array) {
                for a in alerts {
                    run.alerts.push(AlertSpec {
                        name: str_field(a, "name").unwrap_or("").to_string(),
                        within_ms: num_field(a, "within_ms").unwrap_or(0.0),
                    });
                }
            }
        }
        run.samples = vec![Vec::new(); run.signals.len()];
        run.probes = vec![Vec::new(); run.signals.len()];
        run.alert_recs = vec![Vec::new(); run.alerts.len()];

        // Ends of the window (reading 6).
        let first_ts_of = |wanted: &str| {
            journal
                .iter()
                .find(|l| ty(l) == wanted)
                .and_then(|l| time_field(l, "ts"))
        };
        let verdict_time = first_ts_of("verdict")
            .or_else(|| first_ts_of("run_ended"))
            .or_else(|| journal.iter().filter_map(|l| time_field(l, "ts")).max());
        let recovery_ms = journal
            .iter()
            .find(|l| ty(l) == "run_started")
            .and_then(|l| num_field(l, "recovery_ms"))
            .unwrap_or(0.0) as i64;
        let last_recovery = journal
            .iter()
            .filter(|l| {
                ty(l) == "phase"
                    && str_field(l, "phase").is_some_and(|p| p.eq_ignore_ascii_case("recovery"))
            })
            .filter_map(|l| time_field(l, "ts"))
            .next_back();
        run.verdict_time = verdict_time;
        run.observed = verdict_time.map(|v| match last_recovery {
            Some(r) => v.min(r + chrono::Duration::milliseconds(recovery_ms)),
            None => v,
        });
        run.end = match (first_ts_of("abort"), run.observed) {
            (Some(a), Some(o)) => Some(a.min(o)),
            (_, o) => o,
        };

        let mut triggers: Vec<(String, DateTime<Utc>)> = Vec::new();
        // fault name -> (settle ts, ok)
        let mut settled: Vec<(String, Option<DateTime<Utc>>, bool)> = Vec::new();

        for line in journal {
            let ts = time_field(line, "ts");
            match ty(line).as_str() {
                "fault_injecting" => {
                    run.any_injecting = true;
                    let name = str_field(line, "fault").unwrap_or("").to_string();
                    if let Some(ts) = ts {
                        if !triggers.iter().any(|(n, _)| *n == name) {
                            triggers.push((name, ts));
                        }
                    }
                }
                "fault_injected" if !is_true(line, "ok") => {
                    let name = str_field(line, "fault").unwrap_or("").to_string();
                    if !run.inject_failed.contains(&name) {
                        run.inject_failed.push(name);
                    }
                }
                "fault_injected" => {
                    let name = str_field(line, "fault").unwrap_or("").to_string();
                    run.injected_ok.push(name);
                }
                "probe" => {
                    let name = str_field(line, "signal").unwrap_or("");
                    let Some(at) = time_field(line, "at") else {
                        continue;
                    };
                    let has_error = line.get("error").is_some_and(|e| !e.is_null());
                    let outcome = match (
                        has_error,
                        line.get("latency").map(parse_number),
                        line.get("waited_ms").and_then(Value::as_u64),
                    ) {
                        (true, _, _) => ProbeEnd::Failed,
                        (false, Some(Reading::Value(l)), _) => ProbeEnd::Latency(l),
                        (false, None, Some(w)) => ProbeEnd::Unfinished(w),
                        _ => ProbeEnd::Failed,
                    };
                    for (i, spec) in run.signals.iter().enumerate() {
                        if spec.name == name {
                            run.probes[i].push(ProbeLine { at, outcome });
                        }
                    }
                }
                "fault_reverted" => {
                    let name = str_field(line, "fault").unwrap_or("").to_string();
                    let ok = is_true(line, "ok");
                    let settles = ok || !is_true(line, "will_retry");
                    if settles && !settled.iter().any(|(n, _, _)| *n == name) {
                        if !ok {
                            run.revert_failed.push(name.clone());
                        }
                        settled.push((name, ts, ok));
                    }
                }
                "abort" => run.aborted = true,
                "milestone" => {
                    if let Some(ts) = ts {
                        run.milestone_lines.push((
                            str_field(line, "name").unwrap_or("").to_string(),
                            str_field(line, "author").unwrap_or("").to_string(),
                            ts,
                        ));
                    }
                }
                "sample" => {
                    let name = str_field(line, "signal").unwrap_or("");
                    let t = time_field(line, "at").or(ts);
                    let Some(t) = t else { continue };
                    let has_error = line.get("error").is_some_and(|e| !e.is_null());
                    let r = if has_error {
                        Reading::Missing
                    } else {
                        line.get("value").map_or(Reading::Missing, parse_number)
                    };
                    for (i, spec) in run.signals.iter().enumerate() {
                        if spec.name == name {
                            run.samples[i].push(Sample { t, r });
                        }
                    }
                }
                "alert" => {
                    let name = str_field(line, "name").unwrap_or("");
                    let Some(ts) = ts else { continue };
                    if run.end.is_some_and(|e| ts > e) {
                        continue;
                    }
                    let active_at = match line.get("active_at") {
                        None | Some(Value::Null) => ActiveAt::Absent,
                        Some(v) => match v.as_str().and_then(parse_time) {
                            Some(t) => ActiveAt::At(t),
                            None => ActiveAt::Bad,
                        },
                    };
                    let state = str_field(line, "state").unwrap_or("").to_string();
                    for (i, spec) in run.alerts.iter().enumerate() {
                        if spec.name == name {
                            run.alert_recs[i].push(AlertRec {
                                ts,
                                state: state.clone(),
                                active_at,
                            });
                        }
                    }
                }
                _ => {}
            }
        }

        // reading 20: an http signal's values are folded from its probes
        for i in 0..run.signals.len() {
            if let Some((measure, window_ms)) = run.signals[i].probes.clone() {
                let exp = run.signals[i].expect;
                run.samples[i] = fold_probes(&run.probes[i], &measure, window_ms, exp);
            }
        }
        for s in &mut run.samples {
            s.sort_by_key(|x| x.t); // stable: equal times keep journal order
        }
        for a in &mut run.alert_recs {
            a.sort_by_key(|x| x.ts);
        }
        triggers.sort_by_key(|(_, t)| *t);
        run.first_trigger = triggers.first().map(|(_, t)| *t);
        run.faults = triggers
            .into_iter()
            .map(|(name, trigger)| {
                let record = settled.iter().find(|(n, _, _)| *n == name);
                FaultSpan {
                    took_effect: run.injected_ok.contains(&name),
                    settled: record.is_some(),
                    settle: record.and_then(|(_, ts, _)| *ts),
                    name,
                    trigger,
                }
            })
            .collect();
        run
    }

    fn judge(&self) -> Judgement {
        let signals: Vec<SignalJudgement> = self
            .signals
            .iter()
            .zip(&self.samples)
            .filter_map(|(spec, samples)| {
                spec.expect.map(|exp| self.judge_signal(spec, exp, samples))
            })
            .collect();
        let alerts: Vec<AlertJudgement> = self
            .alerts
            .iter()
            .zip(&self.alert_recs)
            .map(|(spec, recs)| AlertJudgement {
                name: spec.name.clone(),
                outcome: self.judge_alert(spec, recs),
            })
            .collect();

        let (verdict, reasons) = self.verdict(&signals, &alerts);
        Judgement {
            verdict: verdict.to_string(),
            reasons,
            signals,
            alerts,
            milestones: self.judge_milestones(),
        }
    }

    /// Reading 21.
    fn judge_milestones(&self) -> Vec<MilestoneJudgement> {
        self.milestone_specs
            .iter()
            .map(|spec| {
                let within = spec.within_ms.map(duration_ms);
                let (Some(t), Some(v)) = (self.first_trigger, self.verdict_time) else {
                    return MilestoneJudgement {
                        name: spec.name.clone(),
                        within,
                        mark: None,
                        after: None,
                        outcome: MilestoneOutcome::NotTimed,
                    };
                };
                let mark = self
                    .milestone_lines
                    .iter()
                    .find(|(n, _, ts)| *n == spec.name && *ts >= t && *ts <= v)
                    .map(|(_, a, ts)| (a.clone(), *ts));
                let after_ms = mark.as_ref().map(|(_, ts)| ms_between(*ts, t));
                let outcome = match (after_ms, spec.within_ms) {
                    (Some(_), None) => MilestoneOutcome::Marked,
                    (Some(a), Some(w)) if a <= w => MilestoneOutcome::Met,
                    (Some(a), Some(w)) => MilestoneOutcome::Late(duration_ms(a - w)),
                    (None, Some(w)) if ms_between(v, t) >= w => MilestoneOutcome::Missed,
                    (None, _) => MilestoneOutcome::NotMarked,
                };
                MilestoneJudgement {
                    name: spec.name.clone(),
                    within,
                    mark,
                    after: after_ms.map(duration_ms),
                    outcome,
                }
            })
            .collect()
    }

    fn verdict(
        &self,
        signals: &[SignalJudgement],
        alerts: &[AlertJudgement],
    ) -> (&'static str, Vec<String>) {
        // 7.
        if !self.any_injecting {
            if self.aborted {
                return ("ABORTED", vec!["aborted".into()]);
            }
            return ("NOT RUN", vec!["no fault injected".into()]);
        }
        // 8.
        if self.aborted {
            return ("ABORTED", vec!["aborted".into()]);
        }
        // 9. (and reading 19)
        let mut never: Vec<String> = self
            .inject_failed
            .iter()
            .map(|f| format!("fault {f} inject failed"))
            .collect();
        for f in &self.faults {
            if !f.took_effect && !self.inject_failed.contains(&f.name) {
                never.push(format!("fault {} never took effect", f.name));
            }
        }
        if !never.is_empty() {
            return ("INCONCLUSIVE", never);
        }
        // 10.
        let mut refuted = Vec::new();
        for s in signals {
            if s.result == SignalResult::Violated {
                refuted.push(format!("signal {} violated", s.name));
            }
        }
        for a in alerts {
            match a.outcome {
                AlertOutcome::Late(_) => refuted.push(format!("alert {} late", a.name)),
                AlertOutcome::DidNotFire => refuted.push(format!("alert {} did not fire", a.name)),
                _ => {}
            }
        }
        if !refuted.is_empty() {
            return ("REFUTED", refuted);
        }
        // 11.
        let mut inconclusive = Vec::new();
        for s in signals {
            if s.result == SignalResult::NoData {
                inconclusive.push(format!("signal {} no data", s.name));
            }
        }
        for a in alerts {
            match a.outcome {
                AlertOutcome::Unknown => inconclusive.push(format!("alert {} unknown", a.name)),
                AlertOutcome::AlreadyActive => {
                    inconclusive.push(format!("alert {} already active", a.name))
                }
                _ => {}
            }
        }
        for f in &self.revert_failed {
            inconclusive.push(format!("fault {f} revert failed"));
        }
        // (reading 19) a fault that never settled may still be active
        for f in &self.faults {
            if !f.settled {
                inconclusive.push(format!("fault {} never settled", f.name));
            }
        }
        // (amended) a fault of the scenario that was never triggered
        for f in &self.fault_names {
            if !self.faults.iter().any(|t| t.name == *f) {
                inconclusive.push(format!("fault {f} never run"));
            }
        }
        // (amended) nothing to judge at all
        if self.signals.iter().all(|s| s.expect.is_none()) && self.alerts.is_empty() {
            inconclusive.push("nothing judged".into());
        }
        if !inconclusive.is_empty() {
            return ("INCONCLUSIVE", inconclusive);
        }
        // 12.
        ("CONFIRMED", Vec::new())
    }

    /// The samples inside the window [T, E].
    fn window<'a>(&self, samples: &'a [Sample]) -> Vec<&'a Sample> {
        match (self.first_trigger, self.end) {
            (Some(t0), Some(e)) => samples.iter().filter(|s| s.t >= t0 && s.t <= e).collect(),
            _ => Vec::new(),
        }
    }

    /// The samples observed, [T, O]: the recovery is measured over these.
    fn observed_window<'a>(&self, samples: &'a [Sample]) -> Vec<&'a Sample> {
        match (self.first_trigger, self.observed) {
            (Some(t0), Some(o)) => samples.iter().filter(|s| s.t >= t0 && s.t <= o).collect(),
            _ => Vec::new(),
        }
    }

    fn judge_signal(&self, spec: &SignalSpec, exp: Expect, samples: &[Sample]) -> SignalJudgement {
        let win = self.window(samples);

        // Baseline.
        let before: Vec<f64> = samples
            .iter()
            .filter(|s| self.first_trigger.is_none_or(|t0| s.t < t0))
            .filter_map(Sample::value)
            .collect();
        let baseline = median(&before);

        // Violations and their forgiveness.
        let violations = match self.end {
            Some(e) => find_violations(&win, exp, e),
            None => Vec::new(),
        };
        let tolerance = if spec.tolerate_ms != 0.0 {
            spec.tolerate_ms
        } else {
            exp.for_ms
        };
        let forgiven = |v: &Violation| !v.open && (v.millis() as f64) < tolerance;
        let any_unforgiven = violations.iter().any(|v| !forgiven(v));
        let any_forgiven = violations.iter().any(forgiven);

        let lacks = self.lacks_data(spec, samples, &win);
        let result = if any_unforgiven {
            SignalResult::Violated
        } else if lacks {
            SignalResult::NoData
        } else if any_forgiven {
            SignalResult::HeldWithinTolerance
        } else {
            SignalResult::Held
        };

        // Worst during any fault window.
        let mut worst: Option<(f64, DateTime<Utc>)> = None;
        if let Some(e) = self.end {
            for s in &win {
                let Some(x) = s.value() else { continue };
                let inside = self
                    .faults
                    .iter()
                    .any(|f| s.t >= f.trigger && s.t <= f.settle.unwrap_or(e).min(e));
                if !inside {
                    continue;
                }
                let better = match worst {
                    None => true,
                    Some((w, _)) => exp.badness(x) > exp.badness(w),
                };
                if better {
                    worst = Some((x, s.t));
                }
            }
        }

        // After: median of the last three values up to the end of observation.
        let seen = self.observed_window(samples);
        let seen_values: Vec<f64> = seen.iter().filter_map(|s| s.value()).collect();
        let after = median(&seen_values[seen_values.len().saturating_sub(3)..]);

        // Longest violation, ties earliest.
        let mut longest: Option<Violation> = None;
        for v in &violations {
            if longest.is_none_or(|l| v.millis() > l.millis()) {
                longest = Some(*v);
            }
        }
        let longest_violation = longest.map(|v| (v.start, v.end, v.open));

        let recovery = self
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), self.recovery(i, exp, &seen, samples)))
            .collect();

        SignalJudgement {
            name: spec.name.clone(),
            result,
            baseline,
            worst,
            after,
            longest_violation,
            recovery,
        }
    }

    fn lacks_data(&self, spec: &SignalSpec, samples: &[Sample], win: &[&Sample]) -> bool {
        // (a) no value in the window.
        if !win.iter().any(|s| s.value().is_some()) {
            return true;
        }
        // (b) three or more missing in a row.
        let mut run = 0;
        for s in win {
            if s.value().is_some() {
                run = 0;
            } else {
                run += 1;
                if run >= 3 {
                    return true;
                }
            }
        }
        // (c) too long without a value.
        let (Some(t0), Some(e)) = (self.first_trigger, self.end) else {
            return true;
        };
        let iv = spec.interval_ms;
        let limit = (3.5 * iv).max(2.0 * iv + 1000.0);
        let mut prev = samples
            .iter()
            .filter(|s| s.t <= t0 && s.value().is_some())
            .map(|s| s.t)
            .next_back()
            .unwrap_or(t0);
        for s in win {
            if s.value().is_none() || s.t <= t0 {
                continue;
            }
            if ms_between(s.t, prev) as f64 > limit {
                return true;
            }
            prev = s.t;
        }
        ms_between(e, prev) as f64 > limit
    }

    /// `win`: the samples observed, [T, O].
    fn recovery(&self, i: usize, exp: Expect, win: &[&Sample], all: &[Sample]) -> Recovery {
        let f = &self.faults[i];
        let Some(r) = f.settle else {
            return Recovery::NotSettled;
        };
        let Some(e) = self.observed else {
            return Recovery::NotSettled;
        };
        let next = self.faults[i + 1..]
            .iter()
            .map(|g| g.trigger)
            .filter(|t| *t >= r)
            .min();
        let span_end = next.unwrap_or(e).min(e);
        let span: Vec<&Sample> = win
            .iter()
            .copied()
            .filter(|s| s.t > r && s.t <= span_end)
            .collect();

        let last_at_revert = all
            .iter()
            .filter(|s| s.t <= r)
            .filter_map(|s| s.value())
            .next_back();
        let needed = last_at_revert.is_some_and(|x| !exp.holds(x))
            || span.iter().filter_map(|s| s.value()).any(|x| !exp.holds(x));

        if !needed {
            let failed_during = win
                .iter()
                .filter(|s| s.t >= f.trigger && s.t <= r)
                .filter_map(|s| s.value())
                .any(|x| !exp.holds(x));
            return if failed_during {
                Recovery::BeforeRevert
            } else {
                Recovery::NotNeeded
            };
        }

        let mut found: Option<DateTime<Utc>> = None;
        let mut row_len = 0usize;
        let mut row_start: Option<DateTime<Utc>> = None;
        for s in &span {
            match s.value() {
                None => {
                    row_len = 0;
                    row_start = None;
                }
                Some(x) if exp.holds(x) => {
                    if row_len == 0 {
                        row_start = Some(s.t);
                    }
                    row_len += 1;
                    if row_len == 3 && found.is_none() {
                        found = row_start;
                    }
                }
                Some(_) => {
                    row_len = 0;
                    row_start = None;
                    found = None;
                }
            }
        }
        match found {
            Some(t) => Recovery::After(duration_ms(ms_between(t, r))),
            None => Recovery::Never,
        }
    }

    fn judge_alert(&self, spec: &AlertSpec, recs: &[AlertRec]) -> AlertOutcome {
        let (Some(t0), Some(e)) = (self.first_trigger, self.end) else {
            return AlertOutcome::Unknown;
        };
        let w = spec.within_ms;

        // Fired.
        let fired = recs.iter().find(|r| {
            r.state == "firing"
                && r.ts >= t0
                && match r.active_at {
                    ActiveAt::Absent => true,
                    ActiveAt::At(a) => a >= t0,
                    ActiveAt::Bad => false,
                }
        });
        if let Some(r) = fired {
            let d = ms_between(r.ts, t0);
            return if d as f64 <= w {
                AlertOutcome::InTime(duration_ms(d))
            } else {
                AlertOutcome::Late(duration_ms(d))
            };
        }

        // Already active.
        let last_before = recs.iter().rfind(|r| r.ts < t0);
        if last_before.is_some_and(|r| r.state == "pending" || r.state == "firing") {
            return AlertOutcome::AlreadyActive;
        }
        let fired_earlier = recs.iter().any(|r| {
            r.state == "firing" && r.ts >= t0 && matches!(r.active_at, ActiveAt::At(a) if a < t0)
        });
        if fired_earlier {
            return AlertOutcome::AlreadyActive;
        }

        // Unknown.
        let run_too_short = (ms_between(e, t0) as f64) < w;
        let unknown_at_start = last_before.is_some_and(|r| r.state == "unknown");
        let unknown_inside = recs.iter().any(|r| {
            r.state == "unknown" && r.ts >= t0 && r.ts <= e && ms_between(r.ts, t0) as f64 <= w
        });
        if run_too_short || unknown_at_start || unknown_inside {
            return AlertOutcome::Unknown;
        }
        AlertOutcome::DidNotFire
    }
}

/// Reading 20: the values of an http signal, one at each probe's start.
fn fold_probes(
    probes: &[ProbeLine],
    measure: &str,
    window_ms: i64,
    exp: Option<Expect>,
) -> Vec<Sample> {
    let mut out = Vec::new();
    for p in probes {
        let inside: Vec<ProbeEnd> = probes
            .iter()
            .filter(|q| q.at <= p.at && ms_between(p.at, q.at) < window_ms)
            .map(|q| q.outcome)
            .collect();
        out.push(Sample {
            t: p.at,
            r: probe_value(&inside, measure, exp),
        });
    }
    out
}

/// The measure over `inside`, each unfinished probe replaced by `unfinished`
/// (a latency in seconds, or +Inf for a failure).
fn measure_with(inside: &[ProbeEnd], measure: &str, unfinished: impl Fn(u64) -> f64) -> f64 {
    let n = inside.len();
    let latencies: Vec<f64> = inside
        .iter()
        .map(|o| match o {
            ProbeEnd::Latency(l) => *l,
            ProbeEnd::Failed => f64::INFINITY,
            ProbeEnd::Unfinished(w) => unfinished(*w),
        })
        .collect();
    if measure == "error_rate" {
        let failed = latencies.iter().filter(|l| **l == f64::INFINITY).count();
        return failed as f64 / n.max(1) as f64;
    }
    let q = match measure {
        "p50" => 0.50,
        "p90" => 0.90,
        _ => 0.99,
    };
    let mut sorted = latencies;
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((q * n as f64).ceil() as usize).max(1).min(n.max(1));
    sorted.get(rank - 1).copied().unwrap_or(f64::INFINITY)
}

fn probe_value(inside: &[ProbeEnd], measure: &str, exp: Option<Expect>) -> Reading {
    let waiting = inside
        .iter()
        .filter(|o| matches!(o, ProbeEnd::Unfinished(_)))
        .count();
    if waiting == 0 {
        return Reading::Value(measure_with(inside, measure, |_| f64::INFINITY));
    }
    let Some(exp) = exp else {
        return Reading::Missing;
    };
    // the possible values, and whether they are the whole range between the two
    let (possible, range) = if measure == "error_rate" {
        let n = inside.len();
        let failed = inside
            .iter()
            .filter(|o| matches!(o, ProbeEnd::Failed))
            .count();
        let v: Vec<f64> = (0..=waiting)
            .map(|j| (failed + j) as f64 / n.max(1) as f64)
            .collect();
        (v, false)
    } else {
        let at_wait = measure_with(inside, measure, |w| w as f64 / 1000.0);
        let failed = measure_with(inside, measure, |_| f64::INFINITY);
        (vec![at_wait, failed], true)
    };
    let every = |want: bool| -> bool {
        if !range {
            return possible.iter().all(|v| exp.holds(*v) == want);
        }
        // every value of [lo, hi]
        let (lo, hi) = (possible[0], possible[1]);
        let Some(t) = exp.threshold else {
            return !want;
        };
        let inside_range = lo <= t && t <= hi;
        let only_t = lo == t && hi == t;
        match (exp.op, want) {
            (Op::Lt, true) => hi < t,
            (Op::Lt, false) => lo >= t,
            (Op::Le, true) => hi <= t,
            (Op::Le, false) => lo > t,
            (Op::Gt, true) => lo > t,
            (Op::Gt, false) => hi <= t,
            (Op::Ge, true) => lo >= t,
            (Op::Ge, false) => hi < t,
            (Op::Eq, true) => only_t,
            (Op::Eq, false) => !inside_range,
            (Op::Ne, true) => !inside_range,
            (Op::Ne, false) => only_t,
            (Op::Unknown, want) => !want,
        }
    };
    let pick_worst = if every(true) {
        true
    } else if every(false) {
        false
    } else {
        return Reading::Missing;
    };
    let mut chosen = possible[0];
    for v in &possible[1..] {
        let replace = if pick_worst {
            exp.badness(*v) > exp.badness(chosen)
        } else {
            exp.badness(*v) < exp.badness(chosen)
        };
        if replace {
            chosen = *v;
        }
    }
    Reading::Value(chosen)
}

/// Violations among the window's samples (sorted by time); `end` is the
/// window's end.
fn find_violations(win: &[&Sample], exp: Expect, end: DateTime<Utc>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for s in win {
        let Some(x) = s.value() else { continue };
        if exp.holds(x) {
            if let Some(start) = open.take() {
                out.push(Violation {
                    start,
                    end: s.t,
                    open: false,
                });
            }
        } else if open.is_none() {
            open = Some(s.t);
        }
    }
    if let Some(start) = open {
        out.push(Violation {
            start,
            end,
            open: true,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "2026-11-27T10:00:00.000Z";
    /// First trigger in most tests.
    const T0: i64 = 60_000;

    fn s(secs: i64) -> i64 {
        secs * 1000
    }

    fn t(ms: i64) -> DateTime<Utc> {
        parse_time(BASE).unwrap() + chrono::Duration::milliseconds(ms)
    }

    fn ts(ms: i64) -> String {
        t(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    fn d(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    fn sig_full(name: &str, op: &str, value: f64, tol: u64, for_: Option<u64>, iv: u64) -> Value {
        json!({
            "name": name, "kind": "promql", "unit": "seconds",
            "expect": {"op": op, "value": value, "for_": for_, "text": format!("{op} {value}")},
            "tolerate_ms": tol, "interval_ms": iv
        })
    }

    fn sig(name: &str, op: &str, value: f64, tol: u64) -> Value {
        sig_full(name, op, value, tol, None, 5000)
    }

    fn alert_spec(name: &str, within_ms: u64) -> Value {
        json!({"name": name, "within_ms": within_ms})
    }

    struct J {
        lines: Vec<Value>,
    }

    impl J {
        fn new(signals: Vec<Value>, alerts: Vec<Value>) -> J {
            let mut j = J { lines: Vec::new() };
            j.line(
                0,
                "run_started",
                json!({"signals": signals, "faults": [], "alerts": alerts}),
            );
            j
        }

        /// One signal `p99 < 0.3` (interval 5 s, given tolerate), a baseline of
        /// 0.1 every 5 s from 0 to 55 s, and fault f1 triggered at 60 s.
        fn basic(tol: u64) -> J {
            let mut j = J::new(vec![sig("p99", "<", 0.3, tol)], vec![]);
            j.series("p99", 0, s(55), 0.1);
            j.inject(T0, "f1");
            j
        }

        fn line(&mut self, ms: i64, ty: &str, extra: Value) -> &mut J {
            let mut o = extra;
            let m = o.as_object_mut().unwrap();
            m.insert("seq".into(), json!(self.lines.len()));
            m.insert("ts".into(), json!(ts(ms)));
            m.insert("type".into(), json!(ty));
            self.lines.push(o);
            self
        }

        /// A value; infinities are written as the journal writes them.
        fn v(&mut self, ms: i64, sig: &str, x: f64) -> &mut J {
            let value = if x == f64::INFINITY {
                json!("+Inf")
            } else if x == f64::NEG_INFINITY {
                json!("-Inf")
            } else {
                json!(x)
            };
            self.line(ms, "sample", json!({"signal": sig, "value": value}))
        }

        fn vs(&mut self, ms: i64, sig: &str, x: &str) -> &mut J {
            self.line(ms, "sample", json!({"signal": sig, "value": x}))
        }

        fn err(&mut self, ms: i64, sig: &str) -> &mut J {
            self.line(ms, "sample", json!({"signal": sig, "error": "timeout"}))
        }

        /// Values `x` every 5 s from `from` to `to`, inclusive.
        fn series(&mut self, sig: &str, from: i64, to: i64, x: f64) -> &mut J {
            let mut at = from;
            while at <= to {
                self.v(at, sig, x);
                at += 5000;
            }
            self
        }

        fn inject(&mut self, ms: i64, fault: &str) -> &mut J {
            self.line(
                ms,
                "fault_injecting",
                json!({"fault": fault, "by": "plan", "action": "inject"}),
            );
            self.line(ms, "fault_injected", json!({"fault": fault, "ok": true}))
        }

        fn revert(&mut self, ms: i64, fault: &str) -> &mut J {
            self.line(
                ms,
                "fault_reverted",
                json!({"fault": fault, "ok": true, "attempt": 1, "will_retry": false}),
            )
        }

        fn alert(&mut self, ms: i64, name: &str, state: &str, active_at: Option<i64>) -> &mut J {
            let mut o = json!({"name": name, "state": state});
            if let Some(a) = active_at {
                o["active_at"] = json!(ts(a));
            }
            self.line(ms, "alert", o)
        }

        fn end(&mut self, ms: i64) -> &mut J {
            self.line(
                ms,
                "verdict",
                json!({"verdict": "CONFIRMED", "reasons": []}),
            )
        }

        fn judge(&self) -> Judgement {
            judge(&self.lines)
        }
    }

    #[test]
    fn milestones_are_timed_from_the_first_trigger_by_the_first_mark_in_the_run() {
        let mut j = J::basic(0);
        j.lines[0]["milestones"] = json!([
            {"name": "detected", "within_ms": 30_000},
            {"name": "mitigated", "within_ms": 20_000},
            {"name": "communicated"},
            {"name": "resolved", "within_ms": 300_000},
            {"name": "paged", "within_ms": 1_000}
        ]);
        let mark = |j: &mut J, ms: i64, name: &str, by: &str| {
            j.line(ms, "milestone", json!({"name": name, "author": by}));
        };
        // before the trigger: never counted
        mark(&mut j, s(50), "detected", "mallory");
        mark(&mut j, T0 + s(30), "detected", "alice");
        mark(&mut j, T0 + s(31), "detected", "bob");
        mark(&mut j, T0 + s(25), "mitigated", "bob");
        mark(&mut j, T0 + s(1), "communicated", "carol");
        j.end(T0 + s(100));
        // after the verdict: never counted
        mark(&mut j, T0 + s(101), "paged", "carol");
        let m = j.judge().milestones;
        assert_eq!(m[0].outcome, MilestoneOutcome::Met, "exactly at the target");
        assert_eq!(m[0].mark, Some(("alice".to_string(), t(T0 + s(30)))));
        assert_eq!(m[1].outcome, MilestoneOutcome::Late(d(5000)));
        assert_eq!(m[1].after, Some(d(25_000)));
        assert_eq!(m[2].outcome, MilestoneOutcome::Marked);
        assert_eq!(
            m[3].outcome,
            MilestoneOutcome::NotMarked,
            "the run was shorter"
        );
        assert_eq!(m[4].outcome, MilestoneOutcome::Missed);
        assert_eq!(m[4].mark, None);
        // without a trigger nothing is timed
        let mut none = J::new(vec![], vec![]);
        none.lines[0]["milestones"] = json!([{"name": "detected"}]);
        none.line(
            s(5),
            "milestone",
            json!({"name": "detected", "author": "a"}),
        );
        none.end(s(10));
        assert_eq!(
            none.judge().milestones[0].outcome,
            MilestoneOutcome::NotTimed
        );
    }

    fn only(j: &Judgement) -> &SignalJudgement {
        assert_eq!(j.signals.len(), 1, "{j:#?}");
        &j.signals[0]
    }

    // ---------------------------------------------------------------- rule 12

    #[test]
    fn all_holding_is_confirmed() {
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(180), 0.1)
            .revert(s(120), "f1")
            .end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "CONFIRMED");
        assert!(r.reasons.is_empty());
        let sj = only(&r);
        assert_eq!(sj.name, "p99");
        assert_eq!(sj.result, SignalResult::Held);
        assert_eq!(sj.baseline, Some(0.1));
        assert_eq!(sj.worst, Some((0.1, t(T0))));
        assert_eq!(sj.after, Some(0.1));
        assert_eq!(sj.longest_violation, None);
        assert_eq!(sj.recovery, vec![("f1".to_string(), Recovery::NotNeeded)]);
    }

    // ---------------------------------------------------------------- rule 1

    #[test]
    fn plus_inf_for_the_whole_fault_refutes_lt() {
        let mut j = J::basic(20_000);
        let mut at = T0;
        while at <= s(180) {
            j.vs(at, "p99", "+Inf");
            at += 5000;
        }
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "REFUTED");
        assert_eq!(r.reasons, vec!["signal p99 violated".to_string()]);
        let sj = only(&r);
        assert_eq!(sj.result, SignalResult::Violated);
        assert_eq!(sj.worst, Some((f64::INFINITY, t(T0))));
        assert_eq!(sj.after, Some(f64::INFINITY));
        assert_eq!(sj.longest_violation, Some((t(T0), t(s(180)), true)));
        assert_eq!(sj.recovery, vec![("f1".to_string(), Recovery::Never)]);
    }

    #[test]
    fn plus_inf_passes_gt_zero_and_minus_inf_fails_it() {
        let mut j = J::new(vec![sig("up", ">", 0.0, 0)], vec![]);
        j.inject(T0, "f1");
        let mut at = T0;
        while at <= s(120) {
            j.vs(at, "up", "+Inf");
            at += 5000;
        }
        j.revert(s(90), "f1").end(s(120));
        let r = j.judge();
        assert_eq!(r.verdict, "CONFIRMED");
        assert_eq!(only(&r).result, SignalResult::Held);

        let mut j = J::new(vec![sig("up", ">", 0.0, 0)], vec![]);
        j.inject(T0, "f1");
        j.series("up", T0, s(120), 1.0);
        j.vs(s(100), "up", "-Inf");
        j.revert(s(90), "f1").end(s(120));
        let r = j.judge();
        assert_eq!(r.verdict, "REFUTED");
        // -Inf at 100 s, then the 1.0 at 100 s (journal order: series first).
        let sj = only(&r);
        assert_eq!(sj.longest_violation, Some((t(s(100)), t(s(105)), false)));
    }

    // ---------------------------------------------------------------- rule 2

    #[test]
    fn violation_ends_at_next_holding_value_and_missing_does_not_end_it() {
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(75), 0.1);
        j.v(s(80), "p99", 0.5);
        j.err(s(85), "p99").err(s(90), "p99");
        j.series("p99", s(95), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        let sj = only(&r);
        assert_eq!(sj.longest_violation, Some((t(s(80)), t(s(95)), false)));
        // 15 s < 20 s tolerated.
        assert_eq!(sj.result, SignalResult::HeldWithinTolerance);
        assert_eq!(r.verdict, "CONFIRMED");
    }

    #[test]
    fn missing_samples_do_not_start_a_violation() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.err(s(101), "p99").err(s(102), "p99");
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(only(&r).longest_violation, None);
        assert_eq!(only(&r).result, SignalResult::Held);
    }

    #[test]
    fn consecutive_failing_values_are_one_violation() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        let mut lines = j.lines.clone();
        // Make 100..=110 fail: replace those samples.
        for l in &mut lines {
            if l["type"] == "sample" {
                let at = parse_time(l["ts"].as_str().unwrap()).unwrap();
                if at >= t(s(100)) && at <= t(s(110)) {
                    l["value"] = json!(0.9);
                }
            }
        }
        j.lines = lines;
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(100)), t(s(115)), false))
        );
    }

    // ---------------------------------------------------------------- rule 3

    #[test]
    fn violation_lasting_exactly_the_tolerance_refutes() {
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(75), 0.1);
        j.series("p99", s(80), s(95), 0.5);
        j.series("p99", s(100), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(80)), t(s(100)), false))
        );
        assert_eq!(only(&r).result, SignalResult::Violated);
        assert_eq!(r.verdict, "REFUTED");
    }

    #[test]
    fn open_violation_at_the_end_refutes_despite_tolerance() {
        let mut j = J::basic(30_000);
        j.series("p99", T0, s(165), 0.1);
        j.series("p99", s(170), s(180), 0.5);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        let sj = only(&r);
        assert_eq!(sj.longest_violation, Some((t(s(170)), t(s(180)), true)));
        assert_eq!(sj.result, SignalResult::Violated);
        assert_eq!(r.verdict, "REFUTED");
    }

    #[test]
    fn tolerate_zero_falls_back_to_for() {
        let mut j = J::new(
            vec![sig_full("p99", "<", 0.3, 0, Some(20_000), 5000)],
            vec![],
        );
        j.series("p99", 0, s(55), 0.1).inject(T0, "f1");
        j.series("p99", T0, s(75), 0.1);
        j.series("p99", s(80), s(90), 0.5);
        j.series("p99", s(95), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(only(&r).result, SignalResult::HeldWithinTolerance);
        assert_eq!(r.verdict, "CONFIRMED");
    }

    #[test]
    fn tolerate_zero_without_for_refutes_every_violation() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.v(s(100), "p99", 0.31);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        // 0.31 at 100 s then 0.1 at 105 s: a 5 s violation.
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(100)), t(s(105)), false))
        );
        assert_eq!(only(&r).result, SignalResult::Violated);
        assert_eq!(r.verdict, "REFUTED");
    }

    #[test]
    fn nonzero_tolerate_wins_over_for() {
        let mut j = J::new(
            vec![sig_full("p99", "<", 0.3, 10_000, Some(60_000), 5000)],
            vec![],
        );
        j.series("p99", 0, s(55), 0.1).inject(T0, "f1");
        j.series("p99", T0, s(75), 0.1);
        j.series("p99", s(80), s(90), 0.5);
        j.series("p99", s(95), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::Violated);
    }

    // ---------------------------------------------------------------- rule 4

    #[test]
    fn every_sample_an_error_in_a_short_window_is_no_data() {
        let mut j = J::basic(20_000);
        j.err(s(62), "p99").err(s(67), "p99");
        j.revert(s(65), "f1").end(s(68));
        let r = j.judge();
        assert_eq!(only(&r).result, SignalResult::NoData);
        assert_eq!(only(&r).after, None);
        assert_eq!(only(&r).worst, None);
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(r.reasons, vec!["signal p99 no data".to_string()]);
    }

    /// Values every second (gaps never matter), with three errors in a row
    /// placed at `errs`.
    fn dense_with_errors(errs: [i64; 3], end: i64) -> Judgement {
        let mut j = J::basic(20_000);
        j.v(s(59), "p99", 0.1);
        let mut at = T0;
        while at <= end {
            if errs.contains(&at) {
                j.err(at, "p99");
            } else {
                j.v(at, "p99", 0.1);
            }
            at += 1000;
        }
        j.revert(s(120), "f1").end(end);
        j.judge()
    }

    #[test]
    fn three_errors_at_start_middle_or_end_of_window_are_no_data() {
        for errs in [
            [s(60), s(61), s(62)],
            [s(100), s(101), s(102)],
            [s(178), s(179), s(180)],
        ] {
            let r = dense_with_errors(errs, s(180));
            assert_eq!(only(&r).result, SignalResult::NoData, "{errs:?}");
            assert_eq!(r.verdict, "INCONCLUSIVE", "{errs:?}");
        }
        // Control: two in a row are fine.
        let r = dense_with_errors([s(100), s(101), s(500)], s(180));
        assert_eq!(only(&r).result, SignalResult::Held);
    }

    #[test]
    fn three_errors_before_the_trigger_do_not_matter() {
        let mut j = J::basic(20_000);
        j.err(s(56), "p99").err(s(57), "p99").err(s(58), "p99");
        j.series("p99", T0, s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::Held);
    }

    #[test]
    fn gap_longer_than_three_and_a_half_intervals_is_no_data() {
        // interval 5 s: limit max(17.5 s, 11 s) = 17.5 s.
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(100), 0.1);
        j.v(s(100) + 17_500, "p99", 0.1);
        j.series("p99", s(120), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::Held);

        let mut j = J::basic(20_000);
        j.series("p99", T0, s(100), 0.1);
        j.v(s(100) + 17_501, "p99", 0.1);
        j.series("p99", s(120), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::NoData);
    }

    #[test]
    fn gap_limit_is_two_intervals_plus_a_second_for_short_intervals() {
        // interval 500 ms: limit max(1.75 s, 2 s) = 2 s.
        let build = |gap: i64| {
            let mut j = J::new(vec![sig_full("p99", "<", 0.3, 0, None, 500)], vec![]);
            j.inject(T0, "f1");
            let mut at = T0;
            while at <= s(70) {
                j.v(at, "p99", 0.1);
                at += 500;
            }
            j.v(s(70) + gap, "p99", 0.1);
            j.revert(s(65), "f1").end(s(70) + gap);
            only(&j.judge()).result
        };
        assert_eq!(build(1900), SignalResult::Held);
        assert_eq!(build(2000), SignalResult::Held);
        assert_eq!(build(2100), SignalResult::NoData);
    }

    #[test]
    fn gap_from_the_last_value_to_the_end_counts() {
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(160), 0.1);
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::NoData);
    }

    #[test]
    fn gap_from_the_last_value_before_the_trigger_counts() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.series("p99", 0, s(40), 0.1).inject(T0, "f1");
        j.series("p99", s(62), s(180), 0.1); // 22 s after the value at 40 s
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::NoData);

        // With no value before the trigger, the gap starts at the trigger.
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.inject(T0, "f1");
        j.series("p99", s(70), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(only(&r).result, SignalResult::Held);
        assert_eq!(only(&r).baseline, None);
    }

    #[test]
    fn no_value_in_the_window_is_no_data() {
        let mut j = J::basic(20_000);
        j.revert(s(62), "f1").end(s(63));
        assert_eq!(only(&j.judge()).result, SignalResult::NoData);
    }

    // ---------------------------------------------------------------- rule 5

    #[test]
    fn violated_wins_over_no_data() {
        let mut j = J::basic(20_000);
        j.err(s(62), "p99").err(s(63), "p99").err(s(64), "p99");
        j.v(s(65), "p99", 0.9);
        j.revert(s(70), "f1").end(s(70));
        let r = j.judge();
        assert_eq!(only(&r).result, SignalResult::Violated);
        assert_eq!(r.verdict, "REFUTED");
    }

    #[test]
    fn no_data_wins_over_forgiven_violation() {
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(75), 0.1);
        j.v(s(80), "p99", 0.9);
        j.series("p99", s(85), s(150), 0.1);
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).result, SignalResult::NoData);
    }

    #[test]
    fn signals_without_expect_are_not_judged() {
        let mut spec = sig("rps", "<", 1.0, 0);
        spec.as_object_mut().unwrap().remove("expect");
        let mut j = J::new(vec![spec, sig("p99", "<", 0.3, 0)], vec![]);
        j.inject(T0, "f1");
        j.series("p99", T0, s(90), 0.1)
            .series("rps", T0, s(90), 99.0);
        j.revert(s(80), "f1").end(s(90));
        let r = j.judge();
        assert_eq!(r.signals.len(), 1);
        assert_eq!(r.signals[0].name, "p99");
        assert_eq!(r.verdict, "CONFIRMED");
    }

    #[test]
    fn signals_keep_run_started_order() {
        let mut j = J::new(vec![sig("b", "<", 1.0, 0), sig("a", "<", 1.0, 0)], vec![]);
        j.inject(T0, "f1");
        j.series("a", T0, s(90), 0.1).series("b", T0, s(90), 0.1);
        j.revert(s(80), "f1").end(s(90));
        let names: Vec<_> = j.judge().signals.into_iter().map(|x| x.name).collect();
        assert_eq!(names, vec!["b", "a"]);
    }

    // ---------------------------------------------------------------- samples

    #[test]
    fn sample_readings_that_are_missing() {
        let mut j = J::basic(20_000);
        j.v(s(59), "p99", 0.1);
        j.line(s(60), "sample", json!({"signal": "p99", "value": "NaN"}));
        j.line(s(61), "sample", json!({"signal": "p99"}));
        j.line(s(62), "sample", json!({"signal": "p99", "value": null}));
        j.series("p99", s(63), s(90), 0.1);
        j.revert(s(80), "f1").end(s(90));
        assert_eq!(only(&j.judge()).result, SignalResult::NoData);

        // A value carrying an error is missing too (it does not violate).
        let mut j = J::basic(0);
        j.series("p99", T0, s(90), 0.1);
        j.line(
            s(70),
            "sample",
            json!({"signal": "p99", "value": 9.0, "error": "stale"}),
        );
        j.revert(s(80), "f1").end(s(90));
        assert_eq!(only(&j.judge()).result, SignalResult::Held);
    }

    #[test]
    fn backfilled_samples_are_placed_at_their_time() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.revert(s(120), "f1");
        // Written late, but taken at 102.5 s: inside the window.
        j.line(
            s(175),
            "sample",
            json!({"signal": "p99", "value": 0.8, "at": ts(102_500)}),
        );
        j.end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(102_500), t(s(105)), false))
        );
        assert_eq!(only(&r).worst, Some((0.8, t(102_500))));
        assert_eq!(r.verdict, "REFUTED");
    }

    #[test]
    fn sample_at_before_trigger_is_baseline_not_window() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.line(
            s(70),
            "sample",
            json!({"signal": "p99", "value": 5.0, "at": ts(s(57))}),
        );
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(only(&r).result, SignalResult::Held);
        // 12 × 0.1 and 5.0: median of 13 values is 0.1.
        assert_eq!(only(&r).baseline, Some(0.1));
    }

    #[test]
    fn equal_times_keep_journal_order() {
        // Fail then hold at the same instant: a zero-length violation.
        let mut j = J::basic(0);
        j.series("p99", T0, s(95), 0.1);
        j.v(s(100), "p99", 0.9).v(s(100), "p99", 0.1);
        j.series("p99", s(105), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(100)), t(s(100)), false))
        );
        assert_eq!(only(&r).result, SignalResult::Violated);

        // Hold then fail at the same instant: the violation starts there.
        let mut j = J::basic(0);
        j.series("p99", T0, s(95), 0.1);
        j.v(s(100), "p99", 0.1).v(s(100), "p99", 0.9);
        j.series("p99", s(105), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(100)), t(s(105)), false))
        );
    }

    // ---------------------------------------------------------------- end

    #[test]
    fn end_is_run_ended_then_largest_ts_without_verdict() {
        let mut j = J::basic(30_000);
        j.series("p99", T0, s(100), 0.9);
        j.revert(s(90), "f1");
        j.line(s(130), "run_ended", json!({}));
        j.line(s(200), "note", json!({"text": "later"}));
        let r = j.judge();
        assert_eq!(only(&r).longest_violation, Some((t(T0), t(s(130)), true)));

        let mut j = J::basic(30_000);
        j.series("p99", T0, s(100), 0.9);
        j.revert(s(90), "f1");
        j.line(s(200), "note", json!({"text": "later"}));
        j.line(s(150), "note", json!({"text": "out of order"}));
        let r = j.judge();
        assert_eq!(only(&r).longest_violation, Some((t(T0), t(s(200)), true)));
    }

    #[test]
    fn samples_after_the_verdict_are_ignored() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        j.v(s(185), "p99", 0.9);
        let r = j.judge();
        assert_eq!(r.verdict, "CONFIRMED");
    }

    // ---------------------------------------------------------------- rule 6

    fn alert_run(within: u64, end: i64) -> J {
        let mut j = J::new(
            vec![sig("p99", "<", 0.3, 0)],
            vec![alert_spec("CacheDown", within)],
        );
        j.series("p99", 0, s(55), 0.1).inject(T0, "f1");
        j.series("p99", T0, end, 0.1);
        j.revert(s(120), "f1");
        j
    }

    fn outcome(j: &mut J, end: i64) -> (AlertOutcome, Judgement) {
        j.end(end);
        let r = j.judge();
        assert_eq!(r.alerts.len(), 1);
        assert_eq!(r.alerts[0].name, "CacheDown");
        (r.alerts[0].outcome.clone(), r)
    }

    #[test]
    fn alert_firing_within_is_in_time() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 5000, "CacheDown", "pending", Some(T0 + 2000));
        j.alert(T0 + 12_000, "CacheDown", "firing", Some(T0 + 2000));
        let (o, r) = outcome(&mut j, s(180));
        assert_eq!(o, AlertOutcome::InTime(d(12_000)));
        assert_eq!(r.verdict, "CONFIRMED");
    }

    #[test]
    fn alert_firing_exactly_at_within_is_in_time() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 30_000, "CacheDown", "firing", None);
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::InTime(d(30_000)));
    }

    #[test]
    fn alert_firing_after_within_is_late() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 45_000, "CacheDown", "firing", Some(T0 + 40_000));
        let (o, r) = outcome(&mut j, s(180));
        assert_eq!(o, AlertOutcome::Late(d(45_000)));
        assert_eq!(r.verdict, "REFUTED");
        assert_eq!(r.reasons, vec!["alert CacheDown late".to_string()]);
    }

    #[test]
    fn alert_that_never_fires_did_not_fire() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 5000, "CacheDown", "pending", Some(T0 + 5000));
        let (o, r) = outcome(&mut j, s(180));
        assert_eq!(o, AlertOutcome::DidNotFire);
        assert_eq!(r.verdict, "REFUTED");
        assert_eq!(r.reasons, vec!["alert CacheDown did not fire".to_string()]);
    }

    #[test]
    fn alerts_api_unknown_the_whole_time_is_unknown() {
        let mut j = alert_run(30_000, s(180));
        j.alert(s(10), "CacheDown", "unknown", None);
        let (o, r) = outcome(&mut j, s(180));
        assert_eq!(o, AlertOutcome::Unknown);
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(r.reasons, vec!["alert CacheDown unknown".to_string()]);
    }

    #[test]
    fn alerts_api_unknown_for_a_moment_inside_within_is_unknown() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 20_000, "CacheDown", "unknown", None);
        j.alert(T0 + 25_000, "CacheDown", "inactive", None);
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::Unknown);

        // Unknown before T but readable again before T: not unknown.
        let mut j = alert_run(30_000, s(180));
        j.alert(s(10), "CacheDown", "unknown", None);
        j.alert(s(20), "CacheDown", "inactive", None);
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::DidNotFire);
    }

    #[test]
    fn alerts_api_unknown_only_after_within_is_did_not_fire() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 31_000, "CacheDown", "unknown", None);
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::DidNotFire);
    }

    #[test]
    fn run_ending_before_within_is_unknown() {
        let mut j = alert_run(30_000, T0 + 20_000);
        assert_eq!(outcome(&mut j, T0 + 20_000).0, AlertOutcome::Unknown);
    }

    #[test]
    fn alert_records_after_the_end_are_ignored() {
        let mut j = alert_run(30_000, T0 + 20_000);
        j.end(T0 + 20_000);
        j.alert(T0 + 25_000, "CacheDown", "firing", None);
        let r = j.judge();
        assert_eq!(r.alerts[0].outcome, AlertOutcome::Unknown);
    }

    #[test]
    fn alert_active_before_trigger_is_already_active() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 5000, "CacheDown", "firing", Some(T0 - 10_000));
        let (o, r) = outcome(&mut j, s(180));
        assert_eq!(o, AlertOutcome::AlreadyActive);
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(
            r.reasons,
            vec!["alert CacheDown already active".to_string()]
        );
    }

    #[test]
    fn alert_pending_or_firing_before_trigger_is_already_active() {
        for state in ["pending", "firing"] {
            let mut j = alert_run(30_000, s(180));
            j.alert(s(50), "CacheDown", state, Some(s(50)));
            assert_eq!(
                outcome(&mut j, s(180)).0,
                AlertOutcome::AlreadyActive,
                "{state}"
            );
        }
        // Pending earlier but inactive again by T: a normal alert.
        let mut j = alert_run(30_000, s(180));
        j.alert(s(40), "CacheDown", "pending", Some(s(40)));
        j.alert(s(50), "CacheDown", "inactive", None);
        j.alert(T0 + 10_000, "CacheDown", "firing", Some(T0 + 1000));
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::InTime(d(10_000)));
    }

    #[test]
    fn a_fresh_firing_after_trigger_counts_even_if_it_was_active_before() {
        let mut j = alert_run(30_000, s(180));
        j.alert(s(55), "CacheDown", "pending", Some(s(55)));
        j.alert(T0 + 20_000, "CacheDown", "firing", Some(T0 + 10_000));
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::InTime(d(20_000)));
    }

    #[test]
    fn alerts_keep_run_started_order_and_are_judged_separately() {
        let mut j = J::new(
            vec![sig("p99", "<", 0.3, 0)],
            vec![alert_spec("B", 30_000), alert_spec("A", 30_000)],
        );
        j.inject(T0, "f1").series("p99", T0, s(180), 0.1);
        j.alert(T0 + 1000, "A", "firing", None);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            r.alerts,
            vec![
                AlertJudgement {
                    name: "B".into(),
                    outcome: AlertOutcome::DidNotFire
                },
                AlertJudgement {
                    name: "A".into(),
                    outcome: AlertOutcome::InTime(d(1000))
                },
            ]
        );
        assert_eq!(r.verdict, "REFUTED");
    }

    // ---------------------------------------------------------------- rules 7-9

    #[test]
    fn nothing_injected_is_not_run() {
        let mut j = J::new(
            vec![sig("p99", "<", 0.3, 0)],
            vec![alert_spec("CacheDown", 30_000)],
        );
        j.series("p99", 0, s(55), 0.1).end(s(60));
        let r = j.judge();
        assert_eq!(r.verdict, "NOT RUN");
        let sj = only(&r);
        assert_eq!(sj.baseline, Some(0.1));
        assert_eq!(sj.after, None);
        assert_eq!(sj.worst, None);
        assert!(sj.recovery.is_empty());
        assert_eq!(r.alerts[0].outcome, AlertOutcome::Unknown);
    }

    #[test]
    fn abort_without_injection_is_aborted() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.series("p99", 0, s(55), 0.1);
        j.line(
            s(56),
            "abort",
            json!({"by": "operator", "source": "tui", "detail": "q"}),
        );
        j.end(s(60));
        assert_eq!(j.judge().verdict, "ABORTED");
    }

    #[test]
    fn abort_after_injection_is_aborted_even_when_violated() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(90), 0.9);
        j.line(
            s(90),
            "abort",
            json!({"by": "guardrail", "source": "p99", "detail": "x"}),
        );
        j.revert(s(91), "f1").end(s(92));
        let r = j.judge();
        assert_eq!(r.verdict, "ABORTED");
        assert_eq!(only(&r).result, SignalResult::Violated);
    }

    #[test]
    fn inject_failure_is_inconclusive_even_with_every_value_holding() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.series("p99", 0, s(55), 0.1);
        j.line(
            T0,
            "fault_injecting",
            json!({"fault": "f1", "by": "plan", "action": "inject"}),
        );
        j.line(
            T0 + 100,
            "fault_injected",
            json!({"fault": "f1", "ok": false, "error": "denied"}),
        );
        j.series("p99", T0, s(120), 0.1);
        j.revert(T0 + 200, "f1").end(s(120));
        let r = j.judge();
        assert_eq!(only(&r).result, SignalResult::Held);
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(r.reasons, vec!["fault f1 inject failed".to_string()]);
    }

    #[test]
    fn inject_failure_wins_over_a_violation() {
        let mut j = J::basic(0);
        j.line(
            s(70),
            "fault_injecting",
            json!({"fault": "f2", "by": "plan", "action": "inject"}),
        );
        j.line(s(70), "fault_injected", json!({"fault": "f2", "ok": false}));
        j.series("p99", T0, s(120), 0.9);
        j.revert(s(90), "f1").end(s(120));
        assert_eq!(j.judge().verdict, "INCONCLUSIVE");
    }

    // ---------------------------------------------------------------- rules 10-11

    #[test]
    fn failed_settled_revert_is_inconclusive() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.line(
            s(120),
            "fault_reverted",
            json!({"fault": "f1", "ok": false, "attempt": 3, "will_retry": false}),
        );
        j.end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(r.reasons, vec!["fault f1 revert failed".to_string()]);
        // It did settle (as failed) at 120 s.
        assert_eq!(
            only(&r).recovery,
            vec![("f1".to_string(), Recovery::NotNeeded)]
        );
    }

    #[test]
    fn retried_revert_settles_at_the_success() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(180), 0.1);
        j.line(
            s(120),
            "fault_reverted",
            json!({"fault": "f1", "ok": false, "attempt": 1, "will_retry": true}),
        );
        j.revert(s(130), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "CONFIRMED");

        // Same, but the signal fails until 125 s and holds from 130 s: the
        // value at the settle time (130 s) holds, so it came back before the
        // (settled) revert.
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(75), 0.1);
        j.series("p99", s(80), s(95), 0.9);
        j.series("p99", s(100), s(180), 0.1);
        j.line(
            s(90),
            "fault_reverted",
            json!({"fault": "f1", "ok": false, "attempt": 1, "will_retry": true}),
        );
        j.revert(s(130), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).recovery,
            vec![("f1".to_string(), Recovery::BeforeRevert)]
        );
    }

    #[test]
    fn refuted_wins_over_inconclusive() {
        let mut j = J::new(
            vec![sig("p99", "<", 0.3, 0), sig("err", "<", 0.01, 0)],
            vec![],
        );
        j.inject(T0, "f1");
        j.series("p99", T0, s(180), 0.9);
        j.err(s(61), "err").err(s(62), "err").err(s(63), "err");
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "REFUTED");
        assert_eq!(r.reasons, vec!["signal p99 violated".to_string()]);
        assert_eq!(r.signals[1].result, SignalResult::NoData);
    }

    #[test]
    fn unknown_alert_and_no_data_and_failed_revert_all_listed() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![alert_spec("A", 30_000)]);
        j.inject(T0, "f1");
        j.alert(T0, "A", "unknown", None);
        j.line(
            s(120),
            "fault_reverted",
            json!({"fault": "f1", "ok": false, "attempt": 1, "will_retry": false}),
        );
        j.end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(
            r.reasons,
            vec![
                "signal p99 no data".to_string(),
                "alert A unknown".to_string(),
                "fault f1 revert failed".to_string()
            ]
        );
    }

    // ---------------------------------------------------------------- baseline

    #[test]
    fn baseline_is_the_median_before_the_trigger() {
        let build = |vals: &[Value]| {
            let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
            for (i, v) in vals.iter().enumerate() {
                j.line(s(i as i64), "sample", json!({"signal": "p99", "value": v}));
            }
            j.err(s(30), "p99");
            j.inject(T0, "f1");
            j.v(T0, "p99", 7.0); // at T: not baseline
            j.series("p99", s(65), s(90), 0.1);
            j.revert(s(80), "f1").end(s(90));
            only(&j.judge()).baseline
        };
        assert_eq!(build(&[json!(0.3), json!(0.1), json!(0.2)]), Some(0.2));
        assert_eq!(
            build(&[json!(0.4), json!(0.1), json!(0.2), json!(9)]),
            Some(0.30000000000000004)
        );
        assert_eq!(build(&[json!(0.1), json!("+Inf"), json!(0.2)]), Some(0.2));
        assert_eq!(build(&[json!(0.1), json!("+Inf")]), Some(f64::INFINITY));
        assert_eq!(build(&[json!("-Inf"), json!(1), json!(2)]), Some(1.0));
        assert_eq!(build(&[]), None);
    }

    // ---------------------------------------------------------------- worst

    fn worst_of(op: &str, threshold: f64, vals: &[(i64, f64)]) -> Option<(f64, DateTime<Utc>)> {
        let mut j = J::new(vec![sig("x", op, threshold, 0)], vec![]);
        j.inject(T0, "f1");
        for (at, v) in vals {
            j.v(*at, "x", *v);
        }
        j.revert(s(120), "f1").end(s(180));
        only(&j.judge()).worst
    }

    #[test]
    fn worst_is_largest_for_lt_ties_earliest() {
        let w = worst_of(
            "<",
            0.3,
            &[(s(70), 0.2), (s(80), 0.5), (s(90), 0.5), (s(100), 0.1)],
        );
        assert_eq!(w, Some((0.5, t(s(80)))));
        let w = worst_of("<=", 0.3, &[(s(70), 0.2), (s(80), 0.25)]);
        assert_eq!(w, Some((0.25, t(s(80)))));
    }

    #[test]
    fn worst_is_smallest_for_gt() {
        let w = worst_of(">", 0.9, &[(s(70), 0.95), (s(80), 0.5), (s(90), 0.7)]);
        assert_eq!(w, Some((0.5, t(s(80)))));
        let w = worst_of(">=", 0.9, &[(s(70), 0.95), (s(80), f64::NEG_INFINITY)]);
        assert_eq!(w, Some((f64::NEG_INFINITY, t(s(80)))));
    }

    #[test]
    fn worst_for_eq_is_furthest_from_threshold() {
        let w = worst_of(
            "==",
            1.0,
            &[(s(70), 1.0), (s(80), 1.6), (s(90), 0.3), (s(100), 1.2)],
        );
        assert_eq!(w, Some((0.3, t(s(90)))));
        // Equal distances: the earliest.
        let w = worst_of("==", 1.0, &[(s(70), 1.5), (s(80), 0.5)]);
        assert_eq!(w, Some((1.5, t(s(70)))));
    }

    #[test]
    fn worst_for_ne_is_closest_to_threshold() {
        let w = worst_of("!=", 0.0, &[(s(70), 3.0), (s(80), -0.2), (s(90), 0.5)]);
        assert_eq!(w, Some((-0.2, t(s(80)))));
    }

    #[test]
    fn worst_ignores_values_outside_fault_windows() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 20_000)], vec![]);
        j.v(s(50), "p99", 9.0); // before the trigger
        j.inject(T0, "f1");
        j.v(s(70), "p99", 0.2);
        j.revert(s(90), "f1");
        j.v(s(100), "p99", 0.9); // between the fault windows
        j.inject(s(120), "f2");
        j.v(s(130), "p99", 0.5);
        j.revert(s(150), "f2");
        j.v(s(160), "p99", 0.8); // after the last revert
        j.end(s(180));
        let r = j.judge();
        assert_eq!(only(&r).worst, Some((0.5, t(s(130)))));
    }

    #[test]
    fn worst_includes_the_trigger_and_settle_instants() {
        let w = worst_of(
            "<",
            0.3,
            &[(T0, 0.4), (s(90), 0.2), (s(120), 0.3), (s(121), 9.0)],
        );
        assert_eq!(w, Some((0.4, t(T0))));
        let w = worst_of("<", 0.3, &[(T0, 0.25), (s(120), 0.3), (s(121), 9.0)]);
        assert_eq!(w, Some((0.3, t(s(120)))));
    }

    #[test]
    fn worst_runs_to_the_end_for_an_unsettled_fault() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(175), 0.1);
        j.v(s(180), "p99", 0.25);
        j.end(s(180));
        let r = j.judge();
        assert_eq!(only(&r).worst, Some((0.25, t(s(180)))));
        assert_eq!(
            only(&r).recovery,
            vec![("f1".to_string(), Recovery::NotSettled)]
        );
    }

    // ---------------------------------------------------------------- after

    #[test]
    fn after_is_the_median_of_the_last_three_values() {
        let mut j = J::basic(20_000);
        j.series("p99", T0, s(160), 0.1);
        j.v(s(165), "p99", 0.3)
            .v(s(170), "p99", 0.05)
            .v(s(175), "p99", 0.2);
        j.err(s(180), "p99");
        j.revert(s(120), "f1").end(s(180));
        assert_eq!(only(&j.judge()).after, Some(0.2));

        // Two values only: their mean.
        let mut j = J::new(vec![sig_full("p99", "<", 0.3, 0, None, 60_000)], vec![]);
        j.inject(T0, "f1");
        j.v(s(70), "p99", 0.1).v(s(80), "p99", 0.2);
        j.revert(s(75), "f1").end(s(90));
        assert_eq!(only(&j.judge()).after, Some(0.15000000000000002));
    }

    // ---------------------------------------------------------------- longest

    #[test]
    fn longest_violation_is_longest_ties_earliest() {
        let mut j = J::basic(60_000);
        j.series("p99", T0, s(180), 0.1);
        j.v(s(70), "p99", 0.9); // 70..75, but 70 has two samples: 0.1 first
        j.v(s(100), "p99", 0.9).v(s(102), "p99", 0.9); // 100..105 (the 0.1 at 100 first)
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(70)), t(s(75)), false))
        );

        let mut j = J::basic(60_000);
        j.series("p99", T0, s(75), 0.1);
        j.v(s(80), "p99", 0.9);
        j.series("p99", s(85), s(95), 0.1);
        j.v(s(100), "p99", 0.9).v(s(105), "p99", 0.9);
        j.series("p99", s(110), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).longest_violation,
            Some((t(s(100)), t(s(110)), false))
        );
        assert_eq!(only(&r).result, SignalResult::HeldWithinTolerance);
    }

    // ---------------------------------------------------------------- recovery

    /// p99 `< 0.3`, f1 from 60 s to a revert at 120 s, end at 180 s; values
    /// every 5 s from 60 s: `bad` fail, `gaps` are errors, the rest hold.
    fn recovery_of(bad: &[i64], gaps: &[i64]) -> Recovery {
        let mut j = J::basic(600_000);
        let mut at = T0;
        while at <= s(180) {
            if gaps.contains(&at) {
                j.err(at, "p99");
            } else if bad.contains(&at) {
                j.v(at, "p99", 0.9);
            } else {
                j.v(at, "p99", 0.1);
            }
            at += 5000;
        }
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        let rec = &only(&r).recovery;
        assert_eq!(rec.len(), 1);
        assert_eq!(rec[0].0, "f1");
        rec[0].1.clone()
    }

    fn range(from: i64, to: i64) -> Vec<i64> {
        (from / 5000..=to / 5000).map(|x| x * 5000).collect()
    }

    #[test]
    fn recovery_not_needed_when_always_held() {
        assert_eq!(recovery_of(&[], &[]), Recovery::NotNeeded);
    }

    #[test]
    fn signal_back_before_the_revert_is_before_revert() {
        assert_eq!(
            recovery_of(&range(s(70), s(100)), &[]),
            Recovery::BeforeRevert
        );
    }

    #[test]
    fn recovery_after_the_revert() {
        // Fails through 130 s; holds from 135 s on.
        assert_eq!(
            recovery_of(&range(s(70), s(130)), &[]),
            Recovery::After(d(15_000))
        );
    }

    #[test]
    fn recovery_needed_when_the_value_at_the_revert_failed() {
        // Only the 120 s value (at the revert) fails; 125 s on hold.
        assert_eq!(recovery_of(&[s(120)], &[]), Recovery::After(d(5000)));
    }

    #[test]
    fn recovery_needed_when_a_value_after_the_revert_fails() {
        // Held at the revert, fails at 150 s, holds from 155 s.
        assert_eq!(recovery_of(&[s(150)], &[]), Recovery::After(d(35_000)));
    }

    #[test]
    fn a_relapse_restarts_the_time_to_recover() {
        // Fails to 125, holds 130..140 (a recovery at 130), relapses at 145,
        // holds from 150 on: recovered at 150.
        let mut bad = range(s(100), s(125));
        bad.push(s(145));
        assert_eq!(recovery_of(&bad, &[]), Recovery::After(d(30_000)));
    }

    #[test]
    fn a_missing_sample_breaks_the_row_but_keeps_a_found_recovery() {
        // Fails at 120; holds 125, 130; missing 135; holds 140.. → 140.
        assert_eq!(
            recovery_of(&[s(120)], &[s(135)]),
            Recovery::After(d(20_000))
        );
        // Fails at 120; holds 125..135 (found 125); missing 140: kept.
        assert_eq!(recovery_of(&[s(120)], &[s(140)]), Recovery::After(d(5000)));
    }

    #[test]
    fn never_recovered() {
        assert_eq!(recovery_of(&range(s(100), s(180)), &[]), Recovery::Never);
        // Only two holding values at the very end: not a recovery.
        assert_eq!(recovery_of(&range(s(100), s(170)), &[]), Recovery::Never);
        // Three holding values at the very end are one.
        assert_eq!(
            recovery_of(&range(s(100), s(165)), &[]),
            Recovery::After(d(50_000))
        );
    }

    #[test]
    fn recovery_not_needed_without_any_value_at_or_before_the_revert() {
        // (amended rule) nothing readable before the revert, and every value after it
        // holds: there is nothing to recover from
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.inject(T0, "f1");
        j.series("p99", s(125), s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(
            only(&r).recovery,
            vec![("f1".to_string(), Recovery::NotNeeded)]
        );
    }

    #[test]
    fn two_faults_have_two_separate_recovery_figures() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 600_000)], vec![]);
        j.series("p99", 0, s(55), 0.1);
        j.inject(T0, "f1");
        j.series("p99", T0, s(95), 0.9); // bad through 95 s
        j.revert(s(90), "f1");
        j.series("p99", s(100), s(125), 0.1); // f1 recovered at 100 s
        j.inject(s(120), "f2");
        j.v(s(130), "p99", 0.9); // f2 hurts, but after f1's span
        j.series("p99", s(135), s(200), 0.1);
        j.revert(s(150), "f2");
        j.end(s(200));
        let r = j.judge();
        assert_eq!(
            only(&r).recovery,
            vec![
                ("f1".to_string(), Recovery::After(d(10_000))),
                ("f2".to_string(), Recovery::BeforeRevert),
            ]
        );
        assert_eq!(r.verdict, "CONFIRMED");
        assert_eq!(only(&r).result, SignalResult::HeldWithinTolerance);
    }

    #[test]
    fn recovery_span_ends_at_the_next_trigger() {
        // f1 reverted at 90 s but the signal fails until the next trigger.
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.inject(T0, "f1");
        j.series("p99", T0, s(115), 0.9);
        j.series("p99", s(120), s(200), 0.1);
        j.revert(s(90), "f1");
        j.inject(s(120), "f2");
        j.revert(s(150), "f2");
        j.end(s(200));
        let r = j.judge();
        assert_eq!(
            only(&r).recovery,
            vec![
                ("f1".to_string(), Recovery::Never),
                ("f2".to_string(), Recovery::NotNeeded),
            ]
        );
    }

    #[test]
    fn recovery_is_in_trigger_order() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.series("p99", 0, s(200), 0.1);
        // Journal order differs from trigger order (ts out of order).
        j.inject(s(120), "late");
        j.inject(T0, "early");
        j.revert(s(90), "early").revert(s(150), "late").end(s(200));
        let r = j.judge();
        let names: Vec<_> = only(&r).recovery.iter().map(|x| x.0.clone()).collect();
        assert_eq!(names, vec!["early", "late"]);
        assert_eq!(only(&r).baseline, Some(0.1));
    }

    #[test]
    fn violation_before_the_window_is_not_counted() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.series("p99", 0, s(55), 0.9);
        j.inject(T0, "f1");
        j.series("p99", T0, s(180), 0.1);
        j.revert(s(120), "f1").end(s(180));
        let r = j.judge();
        assert_eq!(r.verdict, "CONFIRMED");
        assert_eq!(only(&r).baseline, Some(0.9));
    }

    // ---------------------------------------------------------------- odd lines

    #[test]
    fn active_at_exactly_the_trigger_fires() {
        let mut j = alert_run(30_000, s(180));
        j.alert(T0 + 3000, "CacheDown", "firing", Some(T0));
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::InTime(d(3000)));
    }

    #[test]
    fn unreadable_active_at_neither_fires_nor_is_already_active() {
        let mut j = alert_run(30_000, s(180));
        j.line(
            T0 + 3000,
            "alert",
            json!({"name": "CacheDown", "state": "firing", "active_at": "yesterday"}),
        );
        assert_eq!(outcome(&mut j, s(180)).0, AlertOutcome::DidNotFire);
    }

    #[test]
    fn abort_with_unreadable_ts_still_aborts() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(120), 0.1);
        j.revert(s(90), "f1").end(s(120));
        j.lines
            .push(json!({"seq": 999, "ts": "garbage", "type": "abort", "by": "x"}));
        assert_eq!(j.judge().verdict, "ABORTED");
    }

    #[test]
    fn trigger_without_usable_time_is_never_confirmed() {
        let mut j = J::new(vec![sig("p99", "<", 0.3, 0)], vec![]);
        j.series("p99", 0, s(120), 0.1);
        j.lines
            .push(json!({"seq": 999, "ts": "bad", "type": "fault_injecting", "fault": "f1"}));
        j.end(s(120));
        let r = j.judge();
        assert_eq!(r.verdict, "INCONCLUSIVE");
        assert_eq!(only(&r).result, SignalResult::NoData);
        assert!(only(&r).recovery.is_empty());
    }

    #[test]
    fn unknown_expect_op_never_holds() {
        let mut j = J::new(vec![sig("p99", "~", 0.3, 0)], vec![]);
        j.inject(T0, "f1").series("p99", T0, s(120), 0.1);
        j.revert(s(90), "f1").end(s(120));
        assert_eq!(only(&j.judge()).result, SignalResult::Violated);
    }

    // ------------------------------------------------- readings 6, 19 and 20

    /// Reading 6: observation ends `recovery_ms` after the last RECOVERY phase began.
    #[test]
    fn values_after_the_recovery_deadline_are_not_judged() {
        let mut j = J::basic(0);
        j.lines[0]["recovery_ms"] = json!(10_000);
        j.series("p99", T0, s(80), 0.1);
        j.revert(s(70), "f1");
        j.line(s(70), "phase", json!({"phase": "RECOVERY"}));
        j.v(s(85), "p99", 0.9).v(s(90), "p99", 0.9).end(s(90));
        let r = j.judge();
        assert_eq!(r.verdict, "CONFIRMED", "{r:?}");
        assert_eq!(only(&r).after, Some(0.1));
        // without the phase record, the window runs to the verdict
        j.lines.retain(|l| l["type"] != "phase");
        assert_eq!(j.judge().verdict, "REFUTED");
    }

    /// Reading 6: judging ends at the abort; the recovery after it is still measured.
    #[test]
    fn judging_ends_at_the_abort_and_the_recovery_is_observed_after_it() {
        let mut j = J::basic(0);
        j.lines[0]["recovery_ms"] = json!(20_000);
        j.series("p99", T0, s(65), 0.1);
        j.line(s(65), "abort", json!({"by": "alice", "source": "key"}));
        j.revert(s(66), "f1");
        j.line(s(66), "phase", json!({"phase": "RECOVERY"}));
        j.series("p99", s(70), s(85), 0.9);
        j.end(s(86));
        let r = j.judge();
        assert_eq!(r.verdict, "ABORTED");
        let sj = only(&r);
        assert_eq!(sj.result, SignalResult::Held, "{sj:?}");
        assert_eq!(sj.longest_violation, None);
        assert_eq!(sj.after, Some(0.9));
        assert_eq!(sj.recovery, vec![("f1".to_string(), Recovery::Never)]);
    }

    /// Reading 19.
    #[test]
    fn a_fault_without_a_recorded_inject_or_settle_is_inconclusive() {
        let mut j = J::basic(0);
        j.series("p99", T0, s(120), 0.1);
        j.revert(s(90), "f1").end(s(120));
        assert_eq!(j.judge().verdict, "CONFIRMED");
        let mut no_inject = J {
            lines: j.lines.clone(),
        };
        no_inject.lines.retain(|l| l["type"] != "fault_injected");
        let r = no_inject.judge();
        assert_eq!(
            (r.verdict.as_str(), r.reasons.clone()),
            (
                "INCONCLUSIVE",
                vec!["fault f1 never took effect".to_string()]
            )
        );
        let mut no_settle = J {
            lines: j.lines.clone(),
        };
        no_settle.lines.retain(|l| l["type"] != "fault_reverted");
        let r = no_settle.judge();
        assert_eq!(
            (r.verdict.as_str(), r.reasons.clone()),
            ("INCONCLUSIVE", vec!["fault f1 never settled".to_string()])
        );
    }

    /// Reading 20: an unfinished probe is at least its wait, or a failure.
    #[test]
    fn unfinished_probes_give_a_value_only_when_every_answer_agrees() {
        let lt = |t: f64| Expect {
            op: Op::Lt,
            threshold: Some(t),
            for_ms: 0.0,
        };
        use ProbeEnd::*;
        let p99 = |w: u64| probe_value(&[Latency(0.01), Unfinished(w)], "p99", Some(lt(0.3)));
        assert_eq!(p99(400), Reading::Value(0.4));
        assert_eq!(p99(300), Reading::Value(0.3));
        assert_eq!(p99(299), Reading::Missing);
        assert_eq!(
            probe_value(&[Latency(0.01), Unfinished(100)], "p50", Some(lt(0.3))),
            Reading::Value(0.01)
        );
        let rate =
            |t: f64| probe_value(&[Latency(0.01), Unfinished(100)], "error_rate", Some(lt(t)));
        assert_eq!(rate(0.6), Reading::Value(0.5));
        assert_eq!(rate(0.01), Reading::Missing);
        assert_eq!(
            probe_value(&[Latency(0.01), Unfinished(100)], "error_rate", None),
            Reading::Missing
        );
        assert_eq!(
            probe_value(&[Latency(0.01), Failed], "error_rate", None),
            Reading::Value(0.5)
        );
    }
}
