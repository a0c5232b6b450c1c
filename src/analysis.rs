//! Judging a signal's samples against its criterion, and the run against its hypothesis.
//!
//! The engine uses this to reach the verdict and the report uses it to explain it (and
//! to check the journaled verdict), both from the same samples. The rules are README's
//! "How the verdict is reached", one function each here; the tests hold them against a
//! separately written judge (`tests/judge`). The one principle behind every rule:
//! missing or bad data is never a pass.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::journal::{SignalInfo, Verdict};
use crate::units::Criterion;

pub type Ts = DateTime<Utc>;

/// The start of a NOT RUN verdict's reason when gameday gave up because the steady state
/// did not hold at the end of the baseline; the failing expectations follow.
pub const BASELINE_GATE: &str = "the steady state did not hold at the end of the baseline: ";

/// Why a signal's expectation does not hold on its latest sample (`None`: no sample yet),
/// in the words the engine gives when it gives up at the baseline and the report's
/// recheck reads back; `None` when it holds or there is no expectation.
pub fn failing_expectation(info: &SignalInfo, last: Option<Result<f64, &str>>) -> Option<String> {
    let expect = info.expect.as_ref()?;
    match last {
        None => Some(format!("{}: no data yet", info.name)),
        Some(Err(e)) => Some(format!("{}: no data ({e})", info.name)),
        Some(Ok(v)) if !expect.holds(v) => Some(format!(
            "{}: {} (expect {})",
            info.name,
            crate::units::format_value(v, info.unit),
            expect.display(info.unit)
        )),
        Some(Ok(_)) => None,
    }
}

/// One sample: `None` is missing data (an error, NaN, an empty result). `+Inf` and
/// `-Inf` are values.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub ts: Ts,
    #[serde(with = "crate::journal::num::opt")]
    pub value: Option<f64>,
}

impl Point {
    /// The value, unless it is missing. NaN is never a value.
    pub fn present(&self) -> Option<f64> {
        self.value.filter(|v| !v.is_nan())
    }
}

/// One triggered fault, as far as judging goes.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpan {
    pub name: String,
    pub trigger: Ts,
    /// Its settled revert: a success, or the last failed attempt. `None`: never settled.
    pub settled: Option<Ts>,
    /// Its inject failed: it never took effect.
    pub inject_failed: bool,
    /// A successful inject is recorded. A triggered fault with neither this nor a failed
    /// inject never took effect as far as the records go (the kill switch cancelled its
    /// inject, or the record is missing).
    pub took_effect: bool,
    /// Its settled revert failed: it may still be active.
    pub revert_failed: bool,
}

/// The span over which `expect` must hold, from the first trigger to the end of judging,
/// and the faults inside it in trigger order.
///
/// It has two ends (README: "Words"): `end`, where judging stops (the first abort, else
/// the end of observation), and `observed_until`, the end of observation, to which the
/// recovery is still measured: after a kill switch the run keeps watching the recovery
/// and reports it, but the hypothesis is judged only up to the abort.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub first_trigger: Ts,
    /// the end of judging: `min(first abort, observed_until)`
    pub end: Ts,
    /// the end of observation: `min(verdict, last recovery phase start + recovery)`
    pub observed_until: Ts,
    pub faults: Vec<FaultSpan>,
}

/// The end of observation (README: "Words"): the verdict, or the end of the last
/// recovery phase when that came first. The end of the run waits (up to the probe
/// timeout) for the answers to probes sent before it; what is seen during that wait
/// comes after the recovery deadline and is not judged, neither to pass nor to fail.
pub fn observation_end(verdict: Ts, last_recovery_start: Option<Ts>, recovery: Duration) -> Ts {
    match last_recovery_start {
        Some(r) => verdict.min(r + recovery),
        None => verdict,
    }
}

/// Both ends of the window: (end of judging, end of observation). Judging stops at the
/// first abort: criteria are judged up to the kill switch.
pub fn window_ends(
    verdict: Ts,
    last_recovery_start: Option<Ts>,
    recovery: Duration,
    first_abort: Option<Ts>,
) -> (Ts, Ts) {
    let observed = observation_end(verdict, last_recovery_start, recovery);
    let end = first_abort.map_or(observed, |a| a.min(observed));
    (end, observed)
}

impl Window {
    /// When the last fault settled; `None` when one never did.
    pub fn last_revert(&self) -> Option<Ts> {
        let mut last: Option<Ts> = None;
        for f in &self.faults {
            let settled = f.settled?;
            last = Some(last.map_or(settled, |l| l.max(settled)));
        }
        last
    }

    /// Fault `i`'s fault window: its trigger to its settled revert (or the end).
    pub fn fault_window(&self, i: usize) -> (Ts, Ts) {
        let f = &self.faults[i];
        (f.trigger, f.settled.unwrap_or(self.end).min(self.end))
    }

    /// Fault `i`'s recovery span: after its settled revert, to the next trigger or the
    /// end of observation (after a kill switch the recovery is still watched). `None`
    /// when it never settled.
    pub fn recovery_span(&self, i: usize) -> Option<(Ts, Ts)> {
        let settled = self.faults[i].settled?;
        let next = self
            .faults
            .iter()
            .map(|f| f.trigger)
            .filter(|t| *t >= settled)
            .min()
            .unwrap_or(self.observed_until);
        Some((settled, next.min(self.observed_until)))
    }

    fn in_fault_window(&self, ts: Ts) -> bool {
        (0..self.faults.len()).any(|i| {
            let (a, b) = self.fault_window(i);
            ts >= a && ts <= b
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Held,
    /// held, but for violations shorter than `tolerate`
    HeldWithinTolerance,
    Violated,
    /// data missing (README's rule 4), and no violation
    NoData,
    /// the signal has no `expect`
    Watched,
}

/// A stretch of time: a violation (open when it had not ended by the end of the window)
/// or a stretch without data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: Ts,
    pub end: Ts,
    pub open: bool,
}

impl Span {
    pub fn duration(&self) -> Duration {
        (self.end - self.start).to_std().unwrap_or_default()
    }
}

/// How a signal came back after one fault's revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// it never left `expect` during this fault or after it
    NotNeeded,
    /// it was violated during the fault but held again by the revert
    BeforeRevert,
    /// back within `expect` for good this long after the revert
    After(Duration),
    /// not back within `expect` for good by the end of the recovery span
    Never,
    /// the fault never settled (the journal ends first)
    NotSettled,
}

/// One signal during and after one fault.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultOutcome {
    pub fault: String,
    /// the worst value inside this fault's window, and when
    pub worst: Option<(f64, Ts)>,
    /// `NotNeeded` for a signal without `expect`
    pub recovery: Recovery,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// median of the values before the first trigger
    pub baseline: Option<f64>,
    /// the worst value inside the fault windows, and when it was first seen
    pub worst: Option<(f64, Ts)>,
    /// the worst value that violated `expect` anywhere in the window, and when
    pub worst_violating: Option<(f64, Ts)>,
    /// median of the last three values up to the end of observation
    pub after: Option<f64>,
    /// every run of violating samples inside the window, in order
    pub violations: Vec<Span>,
    /// every stretch without data that makes the signal lack data
    pub gaps: Vec<Span>,
    /// the window holds no value at all
    pub no_value: bool,
    /// one per triggered fault, in trigger order
    pub per_fault: Vec<FaultOutcome>,
}

impl Outcome {
    pub fn longest_violation(&self) -> Option<Span> {
        let mut best: Option<Span> = None;
        for s in &self.violations {
            if best.is_none_or(|b| s.duration() > b.duration()) {
                best = Some(*s);
            }
        }
        best
    }

    pub fn longest_gap(&self) -> Option<Span> {
        let mut best: Option<Span> = None;
        for s in &self.gaps {
            if best.is_none_or(|b| s.duration() > b.duration()) {
                best = Some(*s);
            }
        }
        best
    }

    /// The slowest recovery over the faults: `Never` first, then the longest `After`.
    pub fn slowest_recovery(&self) -> Option<Recovery> {
        self.per_fault
            .iter()
            .map(|f| f.recovery)
            .reduce(Recovery::slower)
    }
}

impl Recovery {
    /// The slower of two: `Never` first, then the longer `After`, then `NotSettled`,
    /// `BeforeRevert`, `NotNeeded` (a run's time to recover is its slowest signal's).
    pub fn slower(self, other: Recovery) -> Recovery {
        match (self, other) {
            (Recovery::Never, _) | (_, Recovery::Never) => Recovery::Never,
            (Recovery::After(a), Recovery::After(b)) => Recovery::After(a.max(b)),
            (Recovery::After(a), _) | (_, Recovery::After(a)) => Recovery::After(a),
            (Recovery::NotSettled, _) | (_, Recovery::NotSettled) => Recovery::NotSettled,
            (Recovery::BeforeRevert, _) | (_, Recovery::BeforeRevert) => Recovery::BeforeRevert,
            _ => Recovery::NotNeeded,
        }
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Whether `a` is further on the wrong side of `c` than `b` (README: *worst*).
fn worse(c: Option<&Criterion>, a: f64, b: f64) -> bool {
    match c {
        Some(c) => c.op.worse(a, b, c.value),
        None => a > b,
    }
}

/// The longest a signal may go without a value before it lacks data: more than two
/// intervals, with half an interval (at least a second) of slack for a busy machine.
pub fn gap_limit(interval: Duration) -> Duration {
    interval
        .mul_f64(3.5)
        .max(interval * 2 + Duration::from_secs(1))
}

/// How many missing samples in a row make a signal lack data, wherever they are.
pub const MISSING_IN_A_ROW: usize = 3;

/// Judges one signal. `points` must be in time order; points outside the window only
/// feed the baseline.
pub fn evaluate(info: &SignalInfo, points: &[Point], window: Option<&Window>) -> Outcome {
    let expect = info.expect.as_ref();
    let Some(w) = window else {
        let all: Vec<f64> = points.iter().filter_map(Point::present).collect();
        return Outcome {
            status: if expect.is_some() {
                Status::NoData
            } else {
                Status::Watched
            },
            baseline: median(all),
            worst: None,
            worst_violating: None,
            after: None,
            violations: vec![],
            gaps: vec![],
            no_value: true,
            per_fault: vec![],
        };
    };
    let t0 = w.first_trigger;
    let baseline = median(
        points
            .iter()
            .filter(|p| p.ts < t0)
            .filter_map(Point::present)
            .collect(),
    );
    let inside: Vec<Point> = points
        .iter()
        .filter(|p| p.ts >= t0 && p.ts <= w.end)
        .copied()
        .collect();
    // the recovery is measured up to the end of observation, which after a kill switch
    // lies past the end of judging
    let observed: Vec<Point> = points
        .iter()
        .filter(|p| p.ts >= t0 && p.ts <= w.observed_until.max(w.end))
        .copied()
        .collect();
    let fails = |v: f64| expect.is_some_and(|c| !c.holds(v));

    let mut worst: Option<(f64, Ts)> = None;
    let mut worst_violating: Option<(f64, Ts)> = None;
    for p in &inside {
        let Some(v) = p.present() else { continue };
        if w.in_fault_window(p.ts) && worst.is_none_or(|(b, _)| worse(expect, v, b)) {
            worst = Some((v, p.ts));
        }
        if fails(v) && worst_violating.is_none_or(|(b, _)| worse(expect, v, b)) {
            worst_violating = Some((v, p.ts));
        }
    }
    let tail: Vec<f64> = observed
        .iter()
        .rev()
        .filter_map(Point::present)
        .take(3)
        .collect();
    let after = median(tail);
    let (gaps, no_value) = gaps(info.interval, points, w);

    let Some(expect) = expect else {
        return Outcome {
            status: Status::Watched,
            baseline,
            worst,
            worst_violating: None,
            after,
            violations: vec![],
            gaps,
            no_value,
            per_fault: w
                .faults
                .iter()
                .enumerate()
                .map(|(i, f)| FaultOutcome {
                    fault: f.name.clone(),
                    worst: worst_in(&inside, w.fault_window(i), None),
                    recovery: Recovery::NotNeeded,
                })
                .collect(),
        };
    };

    // Rule 2: a violation starts at a value that fails and ends at the next that holds;
    // missing data neither starts nor ends one.
    let mut violations = Vec::new();
    let mut open: Option<Ts> = None;
    for p in &inside {
        match p.present() {
            Some(v) if !expect.holds(v) => {
                open.get_or_insert(p.ts);
            }
            Some(_) => {
                if let Some(start) = open.take() {
                    violations.push(Span {
                        start,
                        end: p.ts,
                        open: false,
                    });
                }
            }
            None => {}
        }
    }
    if let Some(start) = open {
        violations.push(Span {
            start,
            end: w.end,
            open: true,
        });
    }

    // Rule 3: `tolerate` forgives only a violation that ended, and was shorter.
    let refuting = violations
        .iter()
        .any(|s| s.open || s.duration() >= info.tolerate);
    let status = if refuting {
        Status::Violated
    } else if !gaps.is_empty() {
        Status::NoData
    } else if !violations.is_empty() {
        Status::HeldWithinTolerance
    } else {
        Status::Held
    };

    let per_fault = (0..w.faults.len())
        .map(|i| FaultOutcome {
            fault: w.faults[i].name.clone(),
            worst: worst_in(&inside, w.fault_window(i), Some(expect)),
            recovery: recovery(
                expect,
                &observed,
                last_value_at_or_before(points, w.faults[i].settled),
                w,
                i,
            ),
        })
        .collect();

    Outcome {
        status,
        baseline,
        worst,
        worst_violating,
        after,
        violations,
        gaps,
        no_value,
        per_fault,
    }
}

fn last_value_at_or_before(points: &[Point], t: Option<Ts>) -> Option<f64> {
    let t = t?;
    points
        .iter()
        .filter(|p| p.ts <= t)
        .filter_map(Point::present)
        .next_back()
}

fn worst_in(inside: &[Point], (a, b): (Ts, Ts), c: Option<&Criterion>) -> Option<(f64, Ts)> {
    let mut worst: Option<(f64, Ts)> = None;
    for p in inside.iter().filter(|p| p.ts >= a && p.ts <= b) {
        if let Some(v) = p.present() {
            if worst.is_none_or(|(w, _)| worse(c, v, w)) {
                worst = Some((v, p.ts));
            }
        }
    }
    worst
}

/// Rule 4: the stretches that make a signal lack data, and whether the window holds no
/// value at all.
fn gaps(interval: Duration, points: &[Point], w: &Window) -> (Vec<Span>, bool) {
    let t0 = w.first_trigger;
    let limit = gap_limit(interval);
    let mut gaps: Vec<Span> = Vec::new();
    let mut push = |start: Ts, end: Ts| {
        if let Some(last) = gaps.last_mut() {
            if start <= last.end {
                last.end = last.end.max(end);
                return;
            }
        }
        gaps.push(Span {
            start,
            end,
            open: false,
        });
    };
    // from the last value at or before the trigger (or the trigger itself)
    let anchor = points
        .iter()
        .filter(|p| p.ts <= t0 && p.present().is_some())
        .map(|p| p.ts)
        .next_back()
        .unwrap_or(t0);
    let mut last_value = anchor;
    let mut missing_run = 0;
    let mut any_value = false;
    for p in points.iter().filter(|p| p.ts >= t0 && p.ts <= w.end) {
        match p.present() {
            Some(_) => {
                any_value = true;
                let stretch = (p.ts - last_value).to_std().unwrap_or_default();
                if missing_run >= MISSING_IN_A_ROW || stretch > limit {
                    push(last_value, p.ts);
                }
                missing_run = 0;
                last_value = last_value.max(p.ts);
            }
            None => missing_run += 1,
        }
    }
    let stretch = (w.end - last_value).to_std().unwrap_or_default();
    if missing_run >= MISSING_IN_A_ROW || stretch > limit || !any_value {
        push(last_value, w.end);
    }
    (gaps, !any_value)
}

/// README's *recovered in*, for fault `i`, over `inside`: the samples from the first
/// trigger to the end of observation.
/// `before_revert`: the last value at or before fault `i`'s settled revert, at any time
/// (a baseline value counts when the fault window holds none).
fn recovery(
    expect: &Criterion,
    inside: &[Point],
    before_revert: Option<f64>,
    w: &Window,
    i: usize,
) -> Recovery {
    let Some((settled, span_end)) = w.recovery_span(i) else {
        return Recovery::NotSettled;
    };
    let (trigger, _) = w.fault_window(i);
    let at_revert_fails = before_revert.is_some_and(|v| !expect.holds(v));
    let after: Vec<&Point> = inside
        .iter()
        .filter(|p| p.ts > settled && p.ts <= span_end)
        .collect();
    let later_fails = after
        .iter()
        .filter_map(|p| p.present())
        .any(|v| !expect.holds(v));
    if !at_revert_fails && !later_fails {
        let during = inside
            .iter()
            .filter(|p| p.ts >= trigger && p.ts <= settled)
            .filter_map(Point::present)
            .any(|v| !expect.holds(v));
        return if during {
            Recovery::BeforeRevert
        } else {
            Recovery::NotNeeded
        };
    }
    let mut row_start: Option<Ts> = None;
    let mut row_len = 0;
    let mut found: Option<Ts> = None;
    for p in after {
        match p.present() {
            Some(v) if expect.holds(v) => {
                let start = *row_start.get_or_insert(p.ts);
                row_len += 1;
                if row_len == 3 && found.is_none() {
                    found = Some(start);
                }
            }
            Some(_) => {
                row_start = None;
                row_len = 0;
                found = None;
            }
            None => {
                row_start = None;
                row_len = 0;
            }
        }
    }
    match found {
        Some(t) => Recovery::After((t - settled).to_std().unwrap_or_default()),
        None => Recovery::Never,
    }
}

/// One observation of an expected alert: its state from this moment on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlertObservation {
    pub ts: Ts,
    /// inactive, pending, firing, or unknown (the alerts API could not be read)
    pub state: String,
    /// when Prometheus says the alert became active
    pub active_at: Option<Ts>,
}

/// README's rule 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertResult {
    InTime(Duration),
    Late(Duration),
    DidNotFire,
    /// the alerts API failed while it mattered
    Unreadable,
    /// the run ended before `within` was up
    EndedTooSoon(Duration),
    /// pending or firing at the first trigger, and it did not fire anew
    AlreadyActive,
    /// nothing was triggered
    NotJudged,
}

/// Whether an expected alert fired in time.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertOutcome {
    pub name: String,
    pub within: Duration,
    pub result: AlertResult,
    /// when it fired (as counted by rule 6)
    pub fired_at: Option<Ts>,
}

impl AlertOutcome {
    pub fn in_time(&self) -> bool {
        matches!(self.result, AlertResult::InTime(_))
    }
}

/// Judges one expected alert from its observations (in time order).
pub fn judge_alert(
    name: &str,
    within: Duration,
    obs: &[AlertObservation],
    first_trigger: Option<Ts>,
    end: Ts,
) -> AlertOutcome {
    let mut out = AlertOutcome {
        name: name.to_string(),
        within,
        result: AlertResult::NotJudged,
        fired_at: None,
    };
    let Some(t0) = first_trigger else {
        return out;
    };
    let obs: Vec<&AlertObservation> = obs.iter().filter(|o| o.ts <= end).collect();
    let fired = obs
        .iter()
        .find(|o| o.ts >= t0 && o.state == "firing" && o.active_at.is_none_or(|a| a >= t0));
    if let Some(f) = fired {
        let after = (f.ts - t0).to_std().unwrap_or_default();
        out.fired_at = Some(f.ts);
        out.result = if after <= within {
            AlertResult::InTime(after)
        } else {
            AlertResult::Late(after)
        };
        return out;
    }
    let before = obs.iter().rev().find(|o| o.ts < t0);
    let active_before = before.is_some_and(|o| o.state == "pending" || o.state == "firing")
        || obs
            .iter()
            .any(|o| o.ts >= t0 && o.state == "firing" && o.active_at.is_some_and(|a| a < t0));
    if active_before {
        out.result = AlertResult::AlreadyActive;
        return out;
    }
    let until = (t0 + within).min(end);
    let unreadable = before.is_some_and(|o| o.state == "unknown")
        || obs
            .iter()
            .any(|o| o.ts >= t0 && o.ts <= until && o.state == "unknown");
    out.result = if unreadable {
        AlertResult::Unreadable
    } else if end < t0 + within {
        AlertResult::EndedTooSoon((end - t0).to_std().unwrap_or_default())
    } else {
        AlertResult::DidNotFire
    };
    out
}

/// What the verdict is reached from, besides the signals and alerts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFacts {
    pub triggered: bool,
    pub aborted: bool,
    /// faults whose inject failed
    pub inject_failed: Vec<String>,
    /// triggered faults with no record of a successful inject, nor of a failed one
    pub never_took_effect: Vec<String>,
    /// faults whose settled revert failed
    pub revert_failed: Vec<String>,
    /// triggered faults that never settled: no successful revert, nor a last failed one
    pub unsettled: Vec<String>,
    /// faults of the scenario that were never triggered
    pub not_run: Vec<String>,
    /// no signal has an `expect` and no alert is expected: there was nothing to judge
    pub nothing_judged: bool,
}

impl RunFacts {
    /// `faults`: every fault of the scenario by name; `judged`: whether any signal has an
    /// `expect` or any alert is expected.
    pub fn new(window: Option<&Window>, aborted: bool, faults: &[&str], judged: bool) -> Self {
        let mut f = RunFacts::from_window(window, aborted);
        let ran = window.map(|w| w.faults.as_slice()).unwrap_or_default();
        f.not_run = faults
            .iter()
            .filter(|name| !ran.iter().any(|r| r.name == **name))
            .map(|s| s.to_string())
            .collect();
        f.nothing_judged = !judged;
        f
    }

    pub fn from_window(window: Option<&Window>, aborted: bool) -> Self {
        let faults = window.map(|w| w.faults.as_slice()).unwrap_or_default();
        RunFacts {
            not_run: Vec::new(),
            nothing_judged: false,
            triggered: window.is_some(),
            aborted,
            inject_failed: faults
                .iter()
                .filter(|f| f.inject_failed)
                .map(|f| f.name.clone())
                .collect(),
            never_took_effect: faults
                .iter()
                .filter(|f| !f.inject_failed && !f.took_effect)
                .map(|f| f.name.clone())
                .collect(),
            revert_failed: faults
                .iter()
                .filter(|f| f.revert_failed)
                .map(|f| f.name.clone())
                .collect(),
            unsettled: faults
                .iter()
                .filter(|f| f.settled.is_none())
                .map(|f| f.name.clone())
                .collect(),
        }
    }
}

/// The verdict and the sentences that explain it (README's rules 7 to 12).
pub fn verdict(
    signals: &[(&SignalInfo, &Outcome)],
    alerts: &[AlertOutcome],
    facts: &RunFacts,
) -> (Verdict, Vec<String>) {
    use crate::units::{format_duration, format_duration_against, format_value_against};
    let mut violated = Vec::new();
    let mut no_data = Vec::new();
    for (info, o) in signals {
        match o.status {
            Status::Violated => {
                let c = info
                    .expect
                    .as_ref()
                    .map(|c| c.display(info.unit))
                    .unwrap_or_default();
                let mut s = format!("`{}` violated {}", info.name, c);
                if let Some(span) = o
                    .violations
                    .iter()
                    .filter(|s| s.open || s.duration() >= info.tolerate)
                    .max_by_key(|s| s.duration())
                {
                    s.push_str(&format!(
                        " for {}",
                        format_duration_against(span.duration(), info.tolerate)
                    ));
                    if span.open && facts.aborted {
                        s.push_str(", still violated when the kill switch was pulled");
                    } else if span.open {
                        s.push_str(", still violated at the end");
                    }
                }
                if !info.tolerate.is_zero() {
                    s.push_str(&format!(" (tolerated: {})", format_duration(info.tolerate)));
                }
                if let (Some((v, _)), Some(c)) = (o.worst_violating, info.expect.as_ref()) {
                    s.push_str(&format!(
                        "; worst {}",
                        format_value_against(v, c.value, info.unit)
                    ));
                }
                violated.push(s);
            }
            Status::NoData if o.no_value => {
                no_data.push(format!("`{}` had no value in the whole window", info.name));
            }
            Status::NoData => {
                let longest = o.longest_gap().map(|g| g.duration()).unwrap_or_default();
                no_data.push(format!(
                    "`{}` had no data for {}",
                    info.name,
                    format_duration(longest)
                ));
            }
            _ => {}
        }
    }
    for a in alerts {
        let within = format_duration(a.within);
        match a.result {
            AlertResult::InTime(_) | AlertResult::NotJudged => {}
            AlertResult::Late(d) => violated.push(format!(
                "alert `{}` fired after {}, expected within {within}",
                a.name,
                format_duration_against(d, a.within)
            )),
            AlertResult::DidNotFire => violated.push(format!(
                "alert `{}` did not fire within {within}",
                a.name
            )),
            AlertResult::Unreadable => no_data.push(format!(
                "the alerts API could not be read: cannot tell whether alert `{}` fired within {within}",
                a.name
            )),
            AlertResult::EndedTooSoon(d) => no_data.push(format!(
                "the run ended {} after the first trigger, before alert `{}`'s {within} were up",
                format_duration(d),
                a.name
            )),
            AlertResult::AlreadyActive => no_data.push(format!(
                "alert `{}` was already active before the first trigger: it says nothing about this fault",
                a.name
            )),
        }
    }
    if !facts.triggered {
        let why = if facts.aborted {
            "the run was aborted before any fault was triggered"
        } else {
            "no fault was triggered"
        };
        return (
            if facts.aborted {
                Verdict::Aborted
            } else {
                Verdict::NotRun
            },
            vec![why.to_string()],
        );
    }
    let never: Vec<String> = facts
        .inject_failed
        .iter()
        .map(|f| {
            format!("`{f}` was never injected (its inject failed): the hypothesis was not tested")
        })
        .collect();
    let mut unreverted: Vec<String> = facts
        .revert_failed
        .iter()
        .map(|f| {
            format!("the revert of `{f}` failed: it may still be active, and the recovery was not observed")
        })
        .collect();
    unreverted.extend(facts.unsettled.iter().map(|f| {
        format!("`{f}` never settled: no revert of it succeeded or gave up, so it may still be active, and the recovery was not observed")
    }));
    if facts.aborted {
        let mut reasons = vec!["the kill switch ended the run".to_string()];
        reasons.extend(never);
        reasons.extend(unreverted);
        reasons.extend(violated);
        reasons.extend(no_data);
        return (Verdict::Aborted, reasons);
    }
    // A cancelled inject is the kill switch's doing (above); without it, a trigger with
    // no record of its inject is a fault that was not shown to take effect.
    let mut never = never;
    never.extend(facts.never_took_effect.iter().map(|f| {
        format!("`{f}` never took effect: no record says its inject succeeded, so the hypothesis was not tested")
    }));
    if !never.is_empty() {
        let mut reasons = never;
        reasons.extend(unreverted);
        reasons.extend(violated);
        reasons.extend(no_data);
        return (Verdict::Inconclusive, reasons);
    }
    if !violated.is_empty() {
        violated.extend(unreverted);
        violated.extend(no_data);
        return (Verdict::Refuted, violated);
    }
    let not_run: Vec<String> = facts
        .not_run
        .iter()
        .map(|f| format!("`{f}` was never run: the hypothesis was tested without it"))
        .collect();
    let mut reasons = unreverted;
    reasons.extend(not_run);
    reasons.extend(no_data);
    if facts.nothing_judged {
        reasons.push(
            "nothing was judged: no signal has an `expect` and no alert is expected".to_string(),
        );
    }
    if !reasons.is_empty() {
        return (Verdict::Inconclusive, reasons);
    }
    (
        Verdict::Confirmed,
        vec!["every expectation held".to_string()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{Op, Unit};

    fn t(s: i64) -> Ts {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn crit(op: Op, value: f64) -> Criterion {
        Criterion {
            op,
            value,
            for_: None,
            text: format!("{} {value}", op.symbol()),
        }
    }

    fn info(tolerate: u64) -> SignalInfo {
        SignalInfo {
            name: "p99".into(),
            kind: "http".into(),
            source: "http://x".into(),
            unit: Unit::Seconds,
            measure: None,
            expect: Some(crit(Op::Lt, 0.3)),
            abort: None,
            tolerate: Duration::from_secs(tolerate),
            interval: Duration::from_secs(1),
            window: None,
            timeout: None,
        }
    }

    fn pts(values: &[(i64, Option<f64>)]) -> Vec<Point> {
        values
            .iter()
            .map(|&(s, v)| Point { ts: t(s), value: v })
            .collect()
    }

    fn span(name: &str, trigger: i64, settled: i64) -> FaultSpan {
        FaultSpan {
            name: name.into(),
            trigger: t(trigger),
            settled: Some(t(settled)),
            inject_failed: false,
            took_effect: true,
            revert_failed: false,
        }
    }

    fn window(trigger: i64, revert: i64, end: i64) -> Window {
        Window {
            first_trigger: t(trigger),
            end: t(end),
            observed_until: t(end),
            faults: vec![span("f", trigger, revert)],
        }
    }

    fn facts(w: &Window) -> RunFacts {
        RunFacts::from_window(Some(w), false)
    }

    #[test]
    fn violation_longer_than_tolerate_refutes_and_shorter_does_not() {
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(0.1)),
            (2, Some(0.5)),
            (3, Some(0.6)),
            (4, Some(0.1)),
            (5, Some(0.1)),
        ]);
        let w = window(1, 4, 5);
        let o = evaluate(&info(0), &p, Some(&w));
        assert_eq!(o.status, Status::Violated);
        assert_eq!(o.worst, Some((0.6, t(3))));
        assert_eq!(
            o.violations,
            vec![Span {
                start: t(2),
                end: t(4),
                open: false
            }]
        );
        assert_eq!(
            evaluate(&info(5), &p, Some(&w)).status,
            Status::HeldWithinTolerance
        );
        assert_eq!(
            evaluate(&info(2), &p, Some(&w)).status,
            Status::Violated,
            "a 2 s violation with 2 s tolerated refutes"
        );
    }

    #[test]
    fn infinity_is_a_value_that_fails_a_latency() {
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(f64::INFINITY)),
            (2, Some(f64::INFINITY)),
            (3, Some(f64::INFINITY)),
            (4, Some(0.1)),
            (5, Some(0.1)),
            (6, Some(0.1)),
        ]);
        let w = window(1, 3, 6);
        let o = evaluate(&info(0), &p, Some(&w));
        assert_eq!(o.status, Status::Violated);
        assert_eq!(o.worst, Some((f64::INFINITY, t(1))));
        assert_eq!(o.worst_violating, Some((f64::INFINITY, t(1))));
        let (v, _) = verdict(&[(&info(0), &o)], &[], &facts(&w));
        assert_eq!(v, Verdict::Refuted);
    }

    #[test]
    fn a_violation_open_at_the_end_is_never_tolerated() {
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(0.5)),
            (2, Some(0.5)),
            (3, Some(0.5)),
        ]);
        let w = window(1, 2, 3);
        let o = evaluate(&info(30), &p, Some(&w));
        assert_eq!(o.status, Status::Violated);
        assert!(o.violations[0].open);
        let (v, reasons) = verdict(&[(&info(30), &o)], &[], &facts(&w));
        assert_eq!(v, Verdict::Refuted);
        assert!(
            reasons[0].contains("still violated at the end"),
            "{reasons:?}"
        );
    }

    #[test]
    fn missing_data_is_never_a_pass_wherever_it_is() {
        // three missing in a row: at the start, in the middle, at the end of the window
        for missing in [[1, 2, 3], [3, 4, 5], [6, 7, 8]] {
            let p: Vec<Point> = (0..=8)
                .map(|s| Point {
                    ts: t(s),
                    value: (!missing.contains(&s)).then_some(0.1),
                })
                .collect();
            let o = evaluate(&info(0), &p, Some(&window(1, 6, 8)));
            assert_eq!(o.status, Status::NoData, "missing {missing:?}");
        }
        // two in a row are jitter
        let p = pts(&[
            (1, Some(0.1)),
            (2, None),
            (3, None),
            (4, Some(0.1)),
            (5, Some(0.1)),
        ]);
        assert_eq!(
            evaluate(&info(0), &p, Some(&window(1, 4, 5))).status,
            Status::Held
        );
        // a short window where every sample is an error: interval 5 s, window 15 s
        let mut i = info(0);
        i.interval = Duration::from_secs(5);
        let p = pts(&[(0, Some(0.1)), (1, None), (6, None)]);
        let o = evaluate(&i, &p, Some(&window(1, 6, 11)));
        assert_eq!(o.status, Status::NoData);
        assert!(o.no_value);
        // silence: no sample at all for longer than 3.5 intervals
        let p = pts(&[(0, Some(0.1)), (5, Some(0.1))]);
        assert_eq!(
            evaluate(&info(0), &p, Some(&window(1, 4, 5))).status,
            Status::NoData
        );
        // a violation does not end at missing data
        let p = pts(&[(1, Some(0.5)), (2, None), (3, Some(0.1))]);
        assert_eq!(
            evaluate(&info(0), &p, Some(&window(1, 3, 3))).violations,
            vec![Span {
                start: t(1),
                end: t(3),
                open: false
            }]
        );
    }

    #[test]
    fn recovery_is_back_for_good_and_a_relapse_restarts_it() {
        // back for three samples at 4-6, relapse at 7, back for good at 8
        let p = pts(&[
            (1, Some(0.5)),
            (2, Some(0.5)),
            (3, Some(0.5)),
            (4, Some(0.1)),
            (5, Some(0.1)),
            (6, Some(0.1)),
            (7, Some(0.5)),
            (8, Some(0.1)),
            (9, Some(0.1)),
            (10, Some(0.1)),
        ]);
        let o = evaluate(&info(0), &p, Some(&window(1, 3, 10)));
        assert_eq!(
            o.per_fault[0].recovery,
            Recovery::After(Duration::from_secs(5))
        );
        // never back
        let p = pts(&[
            (1, Some(0.5)),
            (2, Some(0.5)),
            (3, Some(0.1)),
            (4, Some(0.5)),
        ]);
        let o = evaluate(&info(0), &p, Some(&window(1, 2, 4)));
        assert_eq!(o.per_fault[0].recovery, Recovery::Never);
        // back before the revert: no time to recover
        let p = pts(&[
            (1, Some(0.5)),
            (2, Some(0.1)),
            (3, Some(0.1)),
            (4, Some(0.1)),
        ]);
        let o = evaluate(&info(0), &p, Some(&window(1, 3, 4)));
        assert_eq!(o.per_fault[0].recovery, Recovery::BeforeRevert);
        let p = pts(&[(1, Some(0.1)), (2, Some(0.1))]);
        let o = evaluate(&info(0), &p, Some(&window(1, 2, 2)));
        assert_eq!(o.per_fault[0].recovery, Recovery::NotNeeded);
    }

    #[test]
    fn each_fault_has_its_own_worst_and_recovery() {
        // f1: 1-3, f2: 10-12; the value between the faults is not "during a fault"
        let p = pts(&[
            (1, Some(0.4)),
            (3, Some(0.5)),
            (4, Some(0.1)),
            (5, Some(0.1)),
            (6, Some(0.1)),
            (7, Some(0.9)),
            (8, Some(0.1)),
            (9, Some(0.1)),
            (10, Some(0.1)),
            (11, Some(0.6)),
            (12, Some(0.6)),
            (13, Some(0.6)),
            (14, Some(0.1)),
            (15, Some(0.1)),
            (16, Some(0.1)),
        ]);
        let mut i = info(0);
        i.interval = Duration::from_secs(2);
        let w = Window {
            first_trigger: t(1),
            end: t(16),
            observed_until: t(16),
            faults: vec![span("f1", 1, 3), span("f2", 10, 12)],
        };
        let o = evaluate(&i, &p, Some(&w));
        assert_eq!(
            o.worst,
            Some((0.6, t(11))),
            "0.9 at 7 is between the faults"
        );
        assert_eq!(o.worst_violating, Some((0.9, t(7))));
        assert_eq!(o.per_fault[0].worst, Some((0.5, t(3))));
        // f1's recovery span ends at f2's trigger: back at 4, relapse at 7, back at 8
        assert_eq!(
            o.per_fault[0].recovery,
            Recovery::After(Duration::from_secs(5))
        );
        assert_eq!(o.per_fault[1].worst, Some((0.6, t(11))));
        assert_eq!(
            o.per_fault[1].recovery,
            Recovery::After(Duration::from_secs(2))
        );
    }

    #[test]
    fn worst_of_equal_and_not_equal_is_the_farthest_from_expectation() {
        let mut i = info(0);
        i.expect = Some(crit(Op::Eq, 3.0));
        i.unit = Unit::Count;
        let p = pts(&[
            (1, Some(2.0)),
            (2, Some(9.0)),
            (3, Some(-10.0)),
            (4, Some(3.0)),
        ]);
        let o = evaluate(&i, &p, Some(&window(1, 4, 4)));
        assert_eq!(o.worst, Some((-10.0, t(3))));
        i.expect = Some(crit(Op::Ne, 0.0));
        let p = pts(&[(1, Some(5.0)), (2, Some(0.0)), (3, Some(9.0))]);
        let o = evaluate(&i, &p, Some(&window(1, 3, 3)));
        assert_eq!(o.worst, Some((0.0, t(2))));
    }

    #[test]
    fn baseline_is_the_median_before_the_trigger() {
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(0.3)),
            (2, Some(0.2)),
            (3, Some(0.9)),
        ]);
        let o = evaluate(&info(0), &p, Some(&window(3, 3, 3)));
        assert_eq!(o.baseline, Some(0.2));
    }

    fn obs(s: i64, state: &str, active: Option<i64>) -> AlertObservation {
        AlertObservation {
            ts: t(s),
            state: state.into(),
            active_at: active.map(t),
        }
    }

    #[test]
    fn alerts_fire_in_time_late_not_at_all_or_cannot_be_told() {
        let w = Duration::from_secs(10);
        let j =
            |o: &[AlertObservation], end: i64| judge_alert("A", w, o, Some(t(0)), t(end)).result;
        assert_eq!(
            j(&[obs(4, "firing", Some(2))], 30),
            AlertResult::InTime(Duration::from_secs(4))
        );
        assert_eq!(
            j(&[obs(12, "firing", Some(1))], 30),
            AlertResult::Late(Duration::from_secs(12))
        );
        assert_eq!(j(&[], 30), AlertResult::DidNotFire);
        assert_eq!(j(&[obs(3, "unknown", None)], 30), AlertResult::Unreadable);
        assert_eq!(j(&[obs(-5, "unknown", None)], 30), AlertResult::Unreadable);
        assert_eq!(j(&[], 6), AlertResult::EndedTooSoon(Duration::from_secs(6)));
        // firing since before the trigger: activeAt, or the state seen before it
        assert_eq!(
            j(&[obs(2, "firing", Some(-600))], 30),
            AlertResult::AlreadyActive
        );
        assert_eq!(
            j(&[obs(-3, "pending", None)], 30),
            AlertResult::AlreadyActive
        );
        // ... unless it fires anew after the trigger
        assert_eq!(
            j(
                &[
                    obs(-3, "firing", Some(-4)),
                    obs(-1, "inactive", None),
                    obs(5, "firing", Some(3))
                ],
                30
            ),
            AlertResult::InTime(Duration::from_secs(5))
        );
    }

    #[test]
    fn verdict_order() {
        let i = info(0);
        let w = window(1, 2, 2);
        let held = evaluate(&i, &pts(&[(1, Some(0.1)), (2, Some(0.1))]), Some(&w));
        let bad = evaluate(&i, &pts(&[(1, Some(0.5)), (2, Some(0.1))]), Some(&w));
        let gap = evaluate(&i, &pts(&[]), Some(&window(1, 2, 10)));
        let f = facts(&w);
        assert_eq!(verdict(&[(&i, &held)], &[], &f).0, Verdict::Confirmed);
        let (v, reasons) = verdict(&[(&i, &held), (&i, &bad), (&i, &gap)], &[], &f);
        assert_eq!(v, Verdict::Refuted);
        assert!(
            reasons[0].contains("`p99` violated < 300 ms"),
            "{reasons:?}"
        );
        assert_eq!(
            verdict(&[(&i, &held), (&i, &gap)], &[], &f).0,
            Verdict::Inconclusive
        );
        let aborted = RunFacts {
            aborted: true,
            ..f.clone()
        };
        assert_eq!(verdict(&[(&i, &held)], &[], &aborted).0, Verdict::Aborted);
        assert_eq!(
            verdict(&[(&i, &held)], &[], &RunFacts::default()).0,
            Verdict::NotRun
        );
        let late = AlertOutcome {
            name: "RedisDown".into(),
            within: Duration::from_secs(60),
            result: AlertResult::DidNotFire,
            fired_at: None,
        };
        assert_eq!(verdict(&[(&i, &held)], &[late], &f).0, Verdict::Refuted);
        // a fault that never took effect: not tested, whatever the signals say
        let never = RunFacts {
            inject_failed: vec!["f".into()],
            ..f.clone()
        };
        let (v, reasons) = verdict(&[(&i, &held)], &[], &never);
        assert_eq!(v, Verdict::Inconclusive);
        assert!(reasons[0].contains("never injected"), "{reasons:?}");
        // a failed revert: REFUTED stands, CONFIRMED does not
        let stuck = RunFacts {
            revert_failed: vec!["f".into()],
            ..f
        };
        assert_eq!(
            verdict(&[(&i, &held)], &[], &stuck).0,
            Verdict::Inconclusive
        );
        assert_eq!(verdict(&[(&i, &bad)], &[], &stuck).0, Verdict::Refuted);
    }
}
