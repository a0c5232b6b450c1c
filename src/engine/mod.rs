//! The engine: a pure state machine, `update(&mut State, Msg, now) -> Vec<Effect>`.
//!
//! Every rule of the experiment lives here and nowhere else: phases, arming, the kill
//! switch, durations, guardrails, the verdict. The TUI, headless mode and `join` only send
//! messages and carry out effects, so each rule is tested here with a fake clock.

mod autopilot;
pub mod probes;
#[cfg(test)]
mod tests;

pub use autopilot::autopilot;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::analysis::{
    self, AlertObservation, AlertOutcome, FaultSpan, Outcome, Point, RunFacts, Window,
};
use crate::cluster::pods::PodRow;
use crate::journal::PodChange;
use crate::journal::{
    AbortSource, AlertInfo, Event, FaultInfo, MilestoneInfo, NoteKind, Phase, RevertReason,
    RunInfo, SignalInfo, Verdict,
};
use crate::units::format_value;

pub type Ts = DateTime<Utc>;

/// How many times a failed revert is tried in all, and the first pause between tries
/// (doubled each time).
pub const REVERT_ATTEMPTS: u32 = 4;
pub const REVERT_BACKOFF: Duration = Duration::from_millis(500);

/// The rules' inputs that do not change during a run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Config {
    pub signals: Vec<SignalInfo>,
    pub faults: Vec<FaultInfo>,
    pub alerts: Vec<AlertInfo>,
    #[serde(default)]
    pub milestones: Vec<MilestoneInfo>,
    pub baseline: Duration,
    pub recovery: Duration,
    pub max_duration: Duration,
    pub require_steady_state: bool,
    pub pod_panels: Vec<String>,
}

impl Config {
    pub fn from_run_info(
        info: &RunInfo,
        max_duration: Duration,
        require_steady_state: bool,
    ) -> Self {
        Config {
            signals: info.signals.clone(),
            faults: info.faults.clone(),
            alerts: info.alerts.clone(),
            milestones: info.milestones.clone(),
            baseline: info.baseline,
            recovery: info.recovery,
            max_duration,
            require_steady_state,
            pod_panels: info.pod_panels.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FaultStatus {
    Pending,
    Armed,
    Injecting,
    Active,
    Reverting,
    Reverted,
    /// every revert attempt failed: the fault may still be in place
    RevertFailed,
}

impl FaultStatus {
    pub fn word(self) -> &'static str {
        match self {
            FaultStatus::Pending => "PENDING",
            FaultStatus::Armed => "ARMED",
            FaultStatus::Injecting => "INJECTING",
            FaultStatus::Active => "ACTIVE",
            FaultStatus::Reverting => "REVERTING",
            FaultStatus::Reverted => "REVERTED",
            FaultStatus::RevertFailed => "REVERT FAILED",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FaultState {
    pub status: FaultStatus,
    pub triggered_at: Option<Ts>,
    pub injected_at: Option<Ts>,
    pub reverted_at: Option<Ts>,
    /// when its revert settled: succeeded, or failed for the last time
    #[serde(default)]
    pub settled_at: Option<Ts>,
    /// when the fault is reverted by its `duration`
    pub deadline: Option<Ts>,
    /// `triggered_at + safety.max_duration`: the kill switch is pulled past it
    pub ceiling: Option<Ts>,
    pub inject_failed: bool,
    /// the kill switch stopped its injection while it ran: nothing says whether it took
    /// effect (its revert may find nothing to undo)
    #[serde(default)]
    pub inject_cancelled: bool,
    pub revert_reason: Option<RevertReason>,
    pub revert_attempts: u32,
    pub next_retry: Option<Ts>,
    pub targets: Vec<String>,
    pub detail: String,
}

impl FaultState {
    fn new() -> Self {
        FaultState {
            status: FaultStatus::Pending,
            triggered_at: None,
            injected_at: None,
            reverted_at: None,
            settled_at: None,
            deadline: None,
            ceiling: None,
            inject_failed: false,
            inject_cancelled: false,
            revert_reason: None,
            revert_attempts: 0,
            next_retry: None,
            targets: Vec::new(),
            detail: String::new(),
        }
    }

    /// Injected, or possibly so: what the kill switch must revert.
    pub fn is_live(&self) -> bool {
        matches!(self.status, FaultStatus::Injecting | FaultStatus::Active)
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SignalState {
    pub points: Vec<Point>,
    /// the newest sample: a value, or the error that stood in for one
    #[serde(with = "crate::journal::num::opt_res")]
    pub last: Option<Result<f64, String>>,
    /// what the newest value stands for, when the number alone would mislead
    #[serde(default)]
    pub last_detail: Option<String>,
    /// an http signal's probes, until no value needs them
    #[serde(default)]
    pub probes: probes::ProbeLog,
    /// since when the `abort` criterion has held without a break
    pub guard_since: Option<Ts>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AbortInfo {
    pub by: String,
    pub source: AbortSource,
    pub at: Ts,
    /// when the last fault the abort reverted finished reverting
    pub all_reverted_at: Option<Ts>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct State {
    pub cfg: Config,
    pub started_at: Ts,
    pub phase: Phase,
    pub phase_since: Ts,
    pub signals: Vec<SignalState>,
    pub faults: Vec<FaultState>,
    /// the next fault to arm, in scenario order
    pub next_fault: usize,
    pub first_trigger: Option<Ts>,
    pub last_revert: Option<Ts>,
    /// when the last RECOVERY phase began: the end of observation is `recovery` after it
    #[serde(default)]
    pub recovery_since: Option<Ts>,
    pub abort: Option<AbortInfo>,
    /// set by `Finish`: trigger no more faults, observe recovery and end
    pub finishing: bool,
    /// set by `End` while a revert is in flight: end as soon as it settles
    pub ending: bool,
    /// a `Prepare` is out for the next fault
    pub preparing: bool,
    /// what was seen of each expected alert, in time order
    pub alerts_seen: Vec<Vec<AlertObservation>>,
    pub verdict: Option<(Verdict, Vec<String>)>,
    pub ended_at: Option<Ts>,
    /// one per `pods:` selector
    pub pod_panels: Vec<PodPanel>,
    /// one per milestone of the scenario: its first mark (see `crate::milestones`)
    #[serde(default)]
    pub milestones: Vec<Option<crate::milestones::Mark>>,
}

/// What a pods panel shows: the rows, the last watch error, and recent changes (to
/// highlight new, deleted and restarted pods).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PodPanel {
    pub selector: String,
    pub rows: Vec<PodRow>,
    pub error: Option<String>,
    /// (pod name, what changed, when), oldest first, kept for [`HIGHLIGHT`]; a pod
    /// may be there more than once: its newest entry counts
    pub recent: Vec<(String, String, Ts)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Injection {
    pub targets: Vec<String>,
    pub detail: String,
    /// What the revert needs after a crash (JSON), journaled with the result.
    pub restore: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Msg {
    /// Time passed; timers are checked.
    Tick,
    Sample {
        signal: usize,
        #[serde(with = "crate::journal::num::res")]
        value: Result<f64, String>,
    },
    /// An http signal sent probe `id` now.
    ProbeStarted {
        signal: usize,
        id: u64,
    },
    /// Probe `id` was answered (its latency in seconds) or failed (why).
    ProbeDone {
        signal: usize,
        id: u64,
        outcome: Result<f64, String>,
    },
    /// Samples from before the run (a Prometheus range query), for the baseline.
    Backfill {
        signal: usize,
        #[serde(with = "crate::journal::num::points")]
        points: Vec<(Ts, Option<f64>)>,
    },
    /// Resolve and check the next fault before arming (targets, blast radius,
    /// permissions); answered by `Prepared`.
    PrepareArm {
        by: String,
    },
    Prepared {
        fault: usize,
        by: String,
        result: Result<Vec<String>, String>,
    },
    /// Arm the next fault; `plan` is what the operator confirmed.
    Arm {
        by: String,
        plan: Vec<String>,
    },
    /// What an active fault did (each repeated deletion).
    FaultProgress {
        fault: usize,
        detail: String,
    },
    Disarm {
        by: String,
    },
    /// `override_steady_state`: the operator typed the override of a failing steady state.
    Trigger {
        by: String,
        override_steady_state: bool,
    },
    Injected {
        fault: usize,
        result: Result<Injection, String>,
    },
    Reverted {
        fault: usize,
        attempt: u32,
        result: Result<String, String>,
    },
    /// The kill switch.
    Abort {
        by: String,
        source: AbortSource,
        detail: String,
    },
    Note {
        author: String,
        kind: NoteKind,
        text: String,
    },
    /// A person marks a milestone of the scenario (`detected`...).
    Milestone {
        name: String,
        author: String,
    },
    /// Trigger no more faults: observe recovery, then the verdict.
    Finish {
        by: String,
    },
    /// End the run now (quitting); with a fault live this is the kill switch.
    End {
        by: String,
    },
    /// The experiment cannot start: NOT RUN, nothing injected.
    GiveUp {
        reason: String,
    },
    /// An expected alert's state: inactive, pending, firing, or unknown (the alerts API
    /// could not be read, `error` says why).
    Alert {
        name: String,
        state: String,
        #[serde(default)]
        active_at: Option<Ts>,
        #[serde(default)]
        error: Option<String>,
    },
    /// The rows of pods panel `panel`, as its watch sees them now (after a (re)list).
    Pods {
        panel: usize,
        rows: Vec<PodRow>,
    },
    /// What changed in pods panel `panel` since the last message: rows added or
    /// changed, and (namespace, name) of pods gone.
    PodsChanged {
        panel: usize,
        changed: Vec<PodRow>,
        deleted: Vec<(String, String)>,
    },
    /// A Warning event in a watched namespace.
    ClusterWarning {
        namespace: String,
        object: String,
        reason: String,
        message: String,
    },
    /// The watch of pods panel `panel` failed (it retries with backoff).
    PodsError {
        panel: usize,
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal (fsynced when the event needs it) before the next effect.
    Journal(Event),
    Inject {
        fault: usize,
    },
    /// Revert the fault; an injection still in flight is cancelled first.
    Revert {
        fault: usize,
        attempt: u32,
    },
    /// A request was refused; say why to whoever sent it.
    Refused(String),
    /// Resolve and check fault `fault` before arming (`FaultAction::prepare`).
    Prepare {
        fault: usize,
        by: String,
    },
    /// The next fault is resolved and may be armed: show this plan for confirmation.
    PlanReady {
        fault: usize,
        plan: Vec<String>,
    },
    /// The next fault cannot be armed, and why.
    ArmRefused {
        fault: usize,
        reason: String,
    },
}

impl Msg {
    /// A sample taken now.
    pub fn sample(signal: usize, value: Result<f64, String>) -> Msg {
        Msg::Sample { signal, value }
    }
}

impl State {
    pub fn new(cfg: Config, now: Ts) -> (State, Vec<Effect>) {
        let signals = vec![SignalState::default(); cfg.signals.len()];
        let faults = vec![FaultState::new(); cfg.faults.len()];
        let alerts_seen = vec![Vec::new(); cfg.alerts.len()];
        let cfg_milestones = cfg.milestones.len();
        let pod_panels = cfg
            .pod_panels
            .iter()
            .map(|s| PodPanel {
                selector: s.clone(),
                ..PodPanel::default()
            })
            .collect();
        let state = State {
            cfg,
            started_at: now,
            phase: Phase::Baseline,
            phase_since: now,
            signals,
            faults,
            next_fault: 0,
            first_trigger: None,
            last_revert: None,
            recovery_since: None,
            abort: None,
            finishing: false,
            ending: false,
            preparing: false,
            alerts_seen,
            verdict: None,
            ended_at: None,
            pod_panels,
            milestones: vec![None; cfg_milestones],
        };
        (
            state,
            vec![Effect::Journal(Event::Phase {
                phase: Phase::Baseline,
            })],
        )
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Faults injected, or possibly so.
    pub fn live_faults(&self) -> impl Iterator<Item = usize> + '_ {
        self.faults
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_live())
            .map(|(i, _)| i)
    }

    pub fn any_fault_in_flight(&self) -> bool {
        self.faults.iter().any(|f| {
            matches!(
                f.status,
                FaultStatus::Injecting | FaultStatus::Active | FaultStatus::Reverting
            )
        })
    }

    pub fn revert_failed(&self) -> bool {
        self.faults
            .iter()
            .any(|f| f.status == FaultStatus::RevertFailed)
    }

    pub fn inject_failed(&self) -> bool {
        self.faults.iter().any(|f| f.inject_failed)
    }

    /// The expectations that do not hold right now, with why; empty when the steady
    /// state holds. A signal without data does not hold.
    pub fn failing_expectations(&self) -> Vec<String> {
        self.cfg
            .signals
            .iter()
            .zip(&self.signals)
            .filter_map(|(info, s)| {
                let last = s
                    .last
                    .as_ref()
                    .map(|r| r.as_ref().copied().map_err(String::as_str));
                crate::analysis::failing_expectation(info, last)
            })
            .collect()
    }

    /// When the current phase's timer runs out, if it has one.
    pub fn phase_deadline(&self) -> Option<Ts> {
        match self.phase {
            Phase::Baseline => Some(self.started_at + self.cfg.baseline),
            Phase::Recovery => Some(self.phase_since + self.cfg.recovery),
            Phase::Active | Phase::Injecting => self.faults.iter().filter_map(|f| f.deadline).min(),
            _ => None,
        }
    }

    /// The process exit code of DESIGN §1, once the run is done.
    pub fn exit_code(&self) -> i32 {
        let verdict = self.verdict.as_ref().map(|v| v.0);
        crate::exit::ExitStatus::of_run(verdict, self.revert_failed(), self.inject_failed()).code()
    }

    /// The window the criteria are judged over, once something was triggered, for a run
    /// ending at `now`: its ends as README's "Words" give them (judging stops at the
    /// kill switch, observation at the end of the recovery phase), every triggered fault
    /// in trigger order, with when it settled.
    pub fn window(&self, now: Ts) -> Option<Window> {
        let first_trigger = self.first_trigger?;
        let (end, observed_until) = self.window_ends(now);
        let mut faults: Vec<FaultSpan> = self
            .cfg
            .faults
            .iter()
            .zip(&self.faults)
            .filter_map(|(info, f)| {
                Some(FaultSpan {
                    name: info.name.clone(),
                    trigger: f.triggered_at?,
                    settled: f.settled_at,
                    inject_failed: f.inject_failed,
                    took_effect: f.injected_at.is_some(),
                    revert_failed: f.status == FaultStatus::RevertFailed,
                })
            })
            .collect();
        faults.sort_by_key(|f| f.trigger);
        Some(Window {
            first_trigger,
            end,
            observed_until,
            faults,
        })
    }

    /// (end of judging, end of observation) for a run ending at `now`.
    pub fn window_ends(&self, now: Ts) -> (Ts, Ts) {
        analysis::window_ends(
            now,
            self.recovery_since,
            self.cfg.recovery,
            self.abort.as_ref().map(|a| a.at),
        )
    }

    pub fn outcomes(&self, end: Ts) -> Vec<Outcome> {
        let window = self.window(end);
        self.cfg
            .signals
            .iter()
            .zip(&self.signals)
            .map(|(info, s)| analysis::evaluate(info, &s.points, window.as_ref()))
            .collect()
    }

    pub fn alert_outcomes(&self, end: Ts) -> Vec<AlertOutcome> {
        self.cfg
            .alerts
            .iter()
            .zip(&self.alerts_seen)
            .map(|(a, seen)| {
                analysis::judge_alert(&a.name, a.within, seen, self.first_trigger, end)
            })
            .collect()
    }
}

fn set_phase(state: &mut State, phase: Phase, now: Ts, fx: &mut Vec<Effect>) {
    if state.phase != phase {
        state.phase = phase;
        state.phase_since = now;
        if phase == Phase::Recovery {
            state.recovery_since = Some(now);
        }
        fx.push(Effect::Journal(Event::Phase { phase }));
    }
}

fn start_revert(state: &mut State, i: usize, reason: RevertReason, now: Ts, fx: &mut Vec<Effect>) {
    let f = &mut state.faults[i];
    f.status = FaultStatus::Reverting;
    f.revert_reason = Some(reason);
    f.revert_attempts = 0;
    f.deadline = None;
    reset_guardrails(state);
    revert_attempt(state, i, fx);
    set_phase(state, Phase::Reverting, now, fx);
}

/// A guardrail's `for` counts within one fault: every revert starts it again, so time
/// spent over the limit in one fault never trips the next.
fn reset_guardrails(state: &mut State) {
    for s in &mut state.signals {
        s.guard_since = None;
    }
}

/// The next attempt at reverting fault `i`: journaled, then carried out.
fn revert_attempt(state: &mut State, i: usize, fx: &mut Vec<Effect>) {
    let f = &mut state.faults[i];
    f.next_retry = None;
    f.revert_attempts += 1;
    let attempt = f.revert_attempts;
    let info = &state.cfg.faults[i];
    fx.push(Effect::Journal(Event::FaultReverting {
        fault: info.name.clone(),
        reason: f.revert_reason.unwrap_or(RevertReason::Abort),
        attempt,
        action: info.plan_line("revert"),
    }));
    fx.push(Effect::Revert { fault: i, attempt });
}

/// The kill switch: every live fault reverted at once, nothing more triggered.
fn pull_kill_switch(
    state: &mut State,
    by: String,
    source: AbortSource,
    detail: String,
    now: Ts,
    fx: &mut Vec<Effect>,
) {
    if state.is_done() {
        return;
    }
    if state.abort.is_some() {
        // pulled already; the process ending now cuts the recovery short
        if source.ends_the_process() {
            if !state.ending {
                let why = if detail.trim().is_empty() {
                    source.as_str().to_string()
                } else {
                    format!("{} ({})", detail.trim(), source.as_str())
                };
                cut_short(state, &by, why, fx);
            }
            state.ending = true;
            if !state.any_fault_in_flight() {
                finish(state, now, fx);
            }
        }
        return;
    }
    fx.push(Effect::Journal(Event::Abort {
        by: by.clone(),
        source,
        detail,
    }));
    state.abort = Some(AbortInfo {
        by: by.clone(),
        source,
        at: now,
        all_reverted_at: None,
    });
    // A kill switch that ends the process leaves no recovery to watch, so none to cut
    // short: the lost terminal a SIGHUP brings with it (or the SIGHUP after a hang-up)
    // is the same ending, not a second one.
    if source.ends_the_process() {
        state.ending = true;
    }
    let live: Vec<usize> = state.live_faults().collect();
    for i in live {
        let over_ceiling = state.faults[i].ceiling.is_some_and(|c| now >= c);
        let reason = if source == AbortSource::Ttl && over_ceiling {
            RevertReason::MaxDuration
        } else {
            RevertReason::Abort
        };
        if state.faults[i].status == FaultStatus::Injecting {
            // the runner kills it before the revert starts; the journal must say so, or
            // a revert that finds nothing to undo reads as the fault's own failure
            state.faults[i].inject_cancelled = true;
            state.faults[i].detail = "injection cancelled while it ran".into();
            fx.push(Effect::Journal(Event::FaultInjectCancelled {
                fault: state.cfg.faults[i].name.clone(),
            }));
        }
        start_revert(state, i, reason, now, fx);
    }
    for (i, f) in state.faults.iter_mut().enumerate() {
        if f.status == FaultStatus::Armed {
            f.status = FaultStatus::Pending;
            fx.push(Effect::Journal(Event::Disarmed {
                fault: state.cfg.faults[i].name.clone(),
                by: by.clone(),
            }));
        }
    }
    if !state.any_fault_in_flight() {
        if let Some(a) = state.abort.as_mut() {
            a.all_reverted_at = Some(now);
        }
        after_kill_switch(state, now, fx);
    }
}

/// Every fault the kill switch reverted has settled: the run watches the recovery (did
/// the system come back, and how fast?), unless the process itself is ending.
fn after_kill_switch(state: &mut State, now: Ts, fx: &mut Vec<Effect>) {
    let ends = state
        .abort
        .as_ref()
        .is_none_or(|a| a.source.ends_the_process());
    if ends || state.ending || state.first_trigger.is_none() {
        finish(state, now, fx);
    } else {
        set_phase(state, Phase::Recovery, now, fx);
    }
}

/// Journals who ended the run before its recovery was over, and why: the report's "cut
/// short" line says it, and headless output shows it when it happens. Only while the
/// recovery is still to be watched (in it, or with a revert in flight).
fn cut_short(state: &State, by: &str, why: String, fx: &mut Vec<Effect>) {
    if state.is_done() || !(state.phase == Phase::Recovery || state.any_fault_in_flight()) {
        return;
    }
    fx.push(Effect::Journal(Event::RecoveryCutShort {
        by: by.to_string(),
        why,
    }));
}

/// Ends the run: the verdict over what was observed, then DONE.
fn finish(state: &mut State, now: Ts, fx: &mut Vec<Effect>) {
    if state.is_done() {
        return;
    }
    close_probes(state, now, fx);
    let outcomes = state.outcomes(now);
    let pairs: Vec<(&SignalInfo, &Outcome)> = state.cfg.signals.iter().zip(&outcomes).collect();
    let alerts = state.alert_outcomes(state.window_ends(now).0);
    let names: Vec<&str> = state.cfg.faults.iter().map(|f| f.name.as_str()).collect();
    let judged =
        state.cfg.signals.iter().any(|s| s.expect.is_some()) || !state.cfg.alerts.is_empty();
    let facts = RunFacts::new(
        state.window(now).as_ref(),
        state.abort.is_some(),
        &names,
        judged,
    );
    let (verdict, reasons) = analysis::verdict(&pairs, &alerts, &facts);
    fx.push(Effect::Journal(Event::Verdict {
        verdict,
        reasons: reasons.clone(),
    }));
    state.verdict = Some((verdict, reasons));
    state.ended_at = Some(now);
    set_phase(state, Phase::Done, now, fx);
}

/// After the last live fault settled: the next fault, recovery, or the end.
fn after_reverts(state: &mut State, now: Ts, fx: &mut Vec<Effect>) {
    if state.any_fault_in_flight() {
        return;
    }
    if let Some(a) = state.abort.as_mut() {
        a.all_reverted_at.get_or_insert(now);
        after_kill_switch(state, now, fx);
        return;
    }
    if state.ending {
        finish(state, now, fx);
        return;
    }
    let more = state.next_fault < state.faults.len();
    if more && !state.finishing && !state.inject_failed() && !state.revert_failed() {
        set_phase(state, Phase::Ready, now, fx);
    } else {
        set_phase(state, Phase::Recovery, now, fx);
    }
}

/// Why the next fault cannot be armed now, if it cannot.
fn arm_blocker(state: &State, now: Ts) -> Option<String> {
    if state.abort.is_some() {
        Some("the kill switch was pulled: nothing more can be armed in this run".into())
    } else if state.phase == Phase::Baseline {
        let left = (state.started_at + state.cfg.baseline - now)
            .to_std()
            .unwrap_or_default();
        Some(format!(
            "baseline still running ({} left)",
            crate::units::format_duration(left)
        ))
    } else if state.phase != Phase::Ready {
        Some(format!("cannot arm while {}", state.phase.word()))
    } else if state.next_fault >= state.faults.len() {
        Some("every fault has been run".into())
    } else {
        None
    }
}

fn refuse(fx: &mut Vec<Effect>, why: impl Into<String>) {
    fx.push(Effect::Refused(why.into()));
}

pub fn update(state: &mut State, msg: Msg, now: Ts) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Tick => {}
        Msg::Sample { signal, value } => {
            record_sample(state, signal, value, None, None, now, true, &mut fx)
        }
        Msg::ProbeStarted { signal, id } => {
            if !state.is_done() {
                if let Some(s) = state.signals.get_mut(signal) {
                    s.probes.started(id, now);
                }
            }
        }
        Msg::ProbeDone {
            signal,
            id,
            outcome,
        } => on_probe_done(state, signal, id, outcome, now, &mut fx),
        Msg::Backfill { signal, points } => on_backfill(state, signal, points, &mut fx),
        Msg::Arm { by, plan } => {
            if let Some(why) = arm_blocker(state, now) {
                refuse(&mut fx, why);
            } else {
                let i = state.next_fault;
                state.faults[i].status = FaultStatus::Armed;
                fx.push(Effect::Journal(Event::Armed {
                    fault: state.cfg.faults[i].name.clone(),
                    by,
                    plan,
                }));
                set_phase(state, Phase::Armed, now, &mut fx);
            }
        }
        Msg::PrepareArm { by } => {
            if let Some(why) = arm_blocker(state, now) {
                refuse(&mut fx, why);
            } else if state.preparing {
                refuse(&mut fx, "already checking the next fault");
            } else {
                state.preparing = true;
                fx.push(Effect::Prepare {
                    fault: state.next_fault,
                    by,
                });
            }
        }
        Msg::Prepared { fault, by, result } => {
            state.preparing = false;
            if fault != state.next_fault || state.phase != Phase::Ready || state.abort.is_some() {
                return fx;
            }
            match result {
                Ok(plan) => fx.push(Effect::PlanReady { fault, plan }),
                Err(reason) => {
                    fx.push(Effect::Journal(Event::ArmRefused {
                        fault: state.cfg.faults[fault].name.clone(),
                        by,
                        reason: reason.clone(),
                    }));
                    fx.push(Effect::ArmRefused { fault, reason });
                }
            }
        }
        Msg::FaultProgress { fault, detail } => {
            if let Some(info) = state.cfg.faults.get(fault) {
                if !state.is_done() {
                    fx.push(Effect::Journal(Event::FaultProgress {
                        fault: info.name.clone(),
                        detail: detail.clone(),
                    }));
                }
                if let Some(f) = state.faults.get_mut(fault) {
                    f.detail = detail;
                }
            }
        }
        Msg::Disarm { by } => {
            if state.phase == Phase::Armed {
                let i = state.next_fault;
                state.faults[i].status = FaultStatus::Pending;
                fx.push(Effect::Journal(Event::Disarmed {
                    fault: state.cfg.faults[i].name.clone(),
                    by,
                }));
                set_phase(state, Phase::Ready, now, &mut fx);
            } else {
                refuse(&mut fx, "nothing is armed");
            }
        }
        Msg::Trigger {
            by,
            override_steady_state,
        } => {
            if state.abort.is_some() {
                refuse(
                    &mut fx,
                    "the kill switch was pulled: nothing more can be triggered in this run",
                );
            } else if state.phase != Phase::Armed {
                refuse(&mut fx, "arm a fault first: trigger works only when ARMED");
            } else {
                let failing = state.failing_expectations();
                if state.cfg.require_steady_state && !failing.is_empty() && !override_steady_state {
                    refuse(
                        &mut fx,
                        format!("steady state does not hold: {}", failing.join("; ")),
                    );
                } else {
                    if !failing.is_empty() {
                        fx.push(Effect::Journal(Event::Override {
                            by: by.clone(),
                            failing,
                        }));
                    }
                    let i = state.next_fault;
                    state.next_fault += 1;
                    let info = &state.cfg.faults[i];
                    let action = info.plan_line("inject");
                    fx.push(Effect::Journal(Event::FaultInjecting {
                        fault: info.name.clone(),
                        by,
                        action,
                    }));
                    fx.push(Effect::Inject { fault: i });
                    let f = &mut state.faults[i];
                    f.status = FaultStatus::Injecting;
                    f.triggered_at = Some(now);
                    f.ceiling = Some(now + state.cfg.max_duration);
                    state.first_trigger.get_or_insert(now);
                    set_phase(state, Phase::Injecting, now, &mut fx);
                }
            }
        }
        Msg::Injected { fault, result } => {
            let Some(f) = state.faults.get_mut(fault) else {
                return fx;
            };
            if f.status != FaultStatus::Injecting {
                // cancelled by the kill switch while in flight: its revert is under way
                return fx;
            }
            let name = state.cfg.faults[fault].name.clone();
            match result {
                Ok(inj) => {
                    f.status = FaultStatus::Active;
                    f.injected_at = Some(now);
                    f.deadline = Some(now + state.cfg.faults[fault].duration);
                    f.targets = inj.targets.clone();
                    f.detail = inj.detail.clone();
                    fx.push(Effect::Journal(Event::FaultInjected {
                        fault: name,
                        ok: true,
                        targets: inj.targets,
                        detail: inj.detail,
                        restore: inj.restore,
                    }));
                    set_phase(state, Phase::Active, now, &mut fx);
                }
                Err(e) => {
                    f.inject_failed = true;
                    f.detail = e.clone();
                    fx.push(Effect::Journal(Event::FaultInjected {
                        restore: None,
                        fault: name,
                        ok: false,
                        targets: vec![],
                        detail: e,
                    }));
                    start_revert(state, fault, RevertReason::InjectFailed, now, &mut fx);
                }
            }
        }
        Msg::Reverted {
            fault,
            attempt,
            result,
        } => {
            let Some(f) = state.faults.get_mut(fault) else {
                return fx;
            };
            if f.status != FaultStatus::Reverting || attempt != f.revert_attempts {
                return fx;
            }
            let name = state.cfg.faults[fault].name.clone();
            match result {
                Ok(detail) => {
                    // the row shows the revert's result now, not the injection's (a
                    // failed injection's error stays: it is why nothing was tested)
                    if !f.inject_failed {
                        f.detail = if detail.is_empty() {
                            String::new()
                        } else {
                            format!("revert: {detail}")
                        };
                    }
                    f.status = FaultStatus::Reverted;
                    f.reverted_at = Some(now);
                    f.settled_at = Some(now);
                    f.next_retry = None;
                    state.last_revert = Some(now);
                    fx.push(Effect::Journal(Event::FaultReverted {
                        fault: name,
                        ok: true,
                        attempt,
                        detail,
                        will_retry: false,
                    }));
                    after_reverts(state, now, &mut fx);
                }
                Err(e) => {
                    let will_retry = attempt < REVERT_ATTEMPTS;
                    fx.push(Effect::Journal(Event::FaultReverted {
                        fault: name,
                        ok: false,
                        attempt,
                        detail: e.clone(),
                        will_retry,
                    }));
                    f.detail = e;
                    if will_retry {
                        f.next_retry = Some(now + REVERT_BACKOFF * 2u32.pow(attempt - 1));
                    } else {
                        f.status = FaultStatus::RevertFailed;
                        f.settled_at = Some(now);
                        f.next_retry = None;
                        state.last_revert = Some(now);
                        after_reverts(state, now, &mut fx);
                    }
                }
            }
        }
        Msg::Abort { by, source, detail } => {
            pull_kill_switch(state, by, source, detail, now, &mut fx)
        }
        Msg::Note { author, kind, text } => {
            let text = text.trim().to_string();
            if text.is_empty() {
                refuse(&mut fx, "empty note");
            } else if let Some(why) = (kind == NoteKind::Action)
                .then(|| crate::followup::parse(&text).err())
                .flatten()
            {
                // refused rather than kept with a date no one meant: the person is still
                // at the keyboard and can type it again
                refuse(&mut fx, format!("action item not recorded: {why}"));
            } else {
                fx.push(Effect::Journal(Event::Note { author, kind, text }));
            }
        }
        Msg::Milestone { name, author } => {
            let done = state.is_done();
            match crate::milestones::mark(
                &state.cfg.milestones,
                &mut state.milestones,
                state.first_trigger,
                done,
                &name,
                author,
                now,
            ) {
                Ok(event) => fx.push(Effect::Journal(event)),
                Err(why) => refuse(&mut fx, why),
            }
        }
        Msg::Finish { by } => match state.phase {
            Phase::Ready | Phase::Armed if state.first_trigger.is_some() => {
                if state.phase == Phase::Armed {
                    let i = state.next_fault;
                    state.faults[i].status = FaultStatus::Pending;
                }
                state.finishing = true;
                set_phase(state, Phase::Recovery, now, &mut fx);
            }
            Phase::Baseline | Phase::Ready | Phase::Armed => finish(state, now, &mut fx),
            Phase::Recovery => {
                cut_short(state, &by, "ended by the driver".into(), &mut fx);
                finish(state, now, &mut fx)
            }
            _ => refuse(
                &mut fx,
                "a fault is in flight: use the kill switch to stop it",
            ),
        },
        Msg::End { by } => {
            if state.live_faults().next().is_some() {
                pull_kill_switch(
                    state,
                    by,
                    AbortSource::Quit,
                    "quit with a fault active".into(),
                    now,
                    &mut fx,
                );
            } else if !state.any_fault_in_flight() {
                if state.phase == Phase::Recovery {
                    cut_short(state, &by, "quit (q)".into(), &mut fx);
                }
                finish(state, now, &mut fx);
            }
            // a revert in flight: the run ends when it settles
            else {
                state.ending = true;
            }
        }
        Msg::GiveUp { reason } => {
            if state.first_trigger.is_some() || state.is_done() {
                refuse(&mut fx, "too late to give up: a fault was triggered");
            } else {
                fx.push(Effect::Journal(Event::Verdict {
                    verdict: Verdict::NotRun,
                    reasons: vec![reason.clone()],
                }));
                state.verdict = Some((Verdict::NotRun, vec![reason]));
                state.ended_at = Some(now);
                set_phase(state, Phase::Done, now, &mut fx);
            }
        }
        Msg::Pods { panel, rows } => on_pods(state, panel, rows, now, &mut fx),
        Msg::PodsChanged {
            panel,
            changed,
            deleted,
        } => on_pods_changed(state, panel, changed, deleted, now, &mut fx),
        Msg::ClusterWarning {
            namespace,
            object,
            reason,
            message,
        } => {
            if !state.is_done() {
                fx.push(Effect::Journal(Event::ClusterWarning {
                    namespace,
                    object,
                    reason,
                    message,
                }));
            }
        }
        Msg::PodsError { panel, error } => {
            if let Some(p) = state.pod_panels.get_mut(panel) {
                p.error = Some(error);
            }
        }
        Msg::Alert {
            name,
            state: alert_state,
            active_at,
            error,
        } => {
            if !state.is_done() {
                if let Some(i) = state.cfg.alerts.iter().position(|a| a.name == name) {
                    state.alerts_seen[i].push(AlertObservation {
                        ts: now,
                        state: alert_state.clone(),
                        active_at,
                    });
                }
                fx.push(Effect::Journal(Event::Alert {
                    name,
                    state: alert_state,
                    active_at,
                    error,
                }));
            }
        }
    }
    on_time(state, now, &mut fx);
    fx
}

/// How long a pod's change stays highlighted.
pub const HIGHLIGHT: Duration = Duration::from_secs(10);

fn pod_order(a: &PodRow, b: &PodRow) -> std::cmp::Ordering {
    (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
}

/// What a pod's new row means next to its old one, if anything the panel marks.
fn pod_change(old: Option<&PodRow>, row: &PodRow) -> Option<PodChange> {
    let change = match old {
        None => "added",
        Some(o) if row.restarts > o.restarts => "restarted",
        Some(o) if o.status != row.status || o.ready != row.ready => "changed",
        Some(_) => return None,
    };
    Some(PodChange {
        pod: row.name.clone(),
        change: change.into(),
        status: row.status.clone(),
        ready: format!("{}/{}", row.ready, row.total),
    })
}

fn pod_deleted(old: &PodRow) -> PodChange {
    PodChange {
        pod: old.name.clone(),
        change: "deleted".into(),
        status: "gone".into(),
        ready: format!("0/{}", old.total),
    }
}

/// A whole list (after a (re)list): compared with the rows shown, both sorted, in one
/// pass, so that 10,000 pods cost 10,000 comparisons and not 10,000².
fn on_pods(state: &mut State, panel: usize, mut rows: Vec<PodRow>, now: Ts, fx: &mut Vec<Effect>) {
    let done = state.is_done();
    let Some(p) = state.pod_panels.get_mut(panel) else {
        return;
    };
    p.error = None;
    rows.sort_by(pod_order);
    rows.dedup_by(|a, b| pod_order(a, b).is_eq());
    let mut changes = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < p.rows.len() || j < rows.len() {
        let ord = match (p.rows.get(i), rows.get(j)) {
            (Some(o), Some(n)) => pod_order(o, n),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                changes.push(pod_deleted(&p.rows[i]));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                changes.extend(pod_change(None, &rows[j]));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                changes.extend(pod_change(Some(&p.rows[i]), &rows[j]));
                i += 1;
                j += 1;
            }
        }
    }
    // The first list is the starting picture, not a change.
    let first = p.rows.is_empty() && p.recent.is_empty();
    p.rows = rows;
    if first {
        changes.clear();
    }
    record_pod_changes(p, changes, now, done, fx);
}

/// Some rows changed: each found by binary search in the sorted rows.
fn on_pods_changed(
    state: &mut State,
    panel: usize,
    changed: Vec<PodRow>,
    deleted: Vec<(String, String)>,
    now: Ts,
    fx: &mut Vec<Effect>,
) {
    let done = state.is_done();
    let Some(p) = state.pod_panels.get_mut(panel) else {
        return;
    };
    p.error = None;
    let mut changes = Vec::new();
    for row in changed {
        match p.rows.binary_search_by(|o| pod_order(o, &row)) {
            Ok(k) => {
                changes.extend(pod_change(Some(&p.rows[k]), &row));
                p.rows[k] = row;
            }
            Err(k) => {
                changes.extend(pod_change(None, &row));
                p.rows.insert(k, row);
            }
        }
    }
    for (namespace, name) in deleted {
        if let Ok(k) = p
            .rows
            .binary_search_by(|o| (o.namespace.as_str(), o.name.as_str()).cmp(&(&namespace, &name)))
        {
            let old = p.rows.remove(k);
            changes.push(pod_deleted(&old));
        }
    }
    record_pod_changes(p, changes, now, done, fx);
}

/// Marks what changed for a while and journals it.
fn record_pod_changes(
    p: &mut PodPanel,
    changes: Vec<PodChange>,
    now: Ts,
    done: bool,
    fx: &mut Vec<Effect>,
) {
    // entries are in time order: what expired is a prefix. No pass over every entry per
    // message: after a mass restart there are thousands.
    let expired = p
        .recent
        .partition_point(|(_, _, t)| (now - *t).to_std().unwrap_or_default() >= HIGHLIGHT);
    p.recent.drain(..expired);
    if changes.is_empty() {
        return;
    }
    for c in &changes {
        p.recent.push((c.pod.clone(), c.change.clone(), now));
    }
    if !done {
        fx.push(Effect::Journal(Event::Pods {
            selector: p.selector.clone(),
            changes,
        }));
    }
}

/// Only what lies before the run's start is taken: the live samples cover the rest.
fn on_backfill(
    state: &mut State,
    signal: usize,
    points: Vec<(Ts, Option<f64>)>,
    fx: &mut Vec<Effect>,
) {
    if state.is_done() {
        return;
    }
    let Some(s) = state.signals.get_mut(signal) else {
        return;
    };
    let name = &state.cfg.signals[signal].name;
    for (ts, value) in points.into_iter().filter(|(ts, _)| *ts < state.started_at) {
        s.points.push(Point { ts, value });
        fx.push(Effect::Journal(Event::Sample {
            signal: name.clone(),
            value,
            error: value.is_none().then(|| "no data (NaN)".to_string()),
            at: Some(ts),
            detail: None,
        }));
    }
    s.points.sort_by_key(|p| p.ts);
}

/// An http probe's outcome: journaled as it is, then every value it makes known.
fn on_probe_done(
    state: &mut State,
    signal: usize,
    id: u64,
    outcome: Result<f64, String>,
    now: Ts,
    fx: &mut Vec<Effect>,
) {
    if state.is_done() {
        return;
    }
    let Some(info) = state.cfg.signals.get(signal) else {
        return;
    };
    let (Some(measure), Some(window)) = (info.measure, info.window) else {
        return;
    };
    let name = info.name.clone();
    let s = &mut state.signals[signal];
    let Some(started) = s
        .probes
        .probes
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.started)
    else {
        return;
    };
    if !s.probes.done(id, outcome.clone()) {
        return;
    }
    let (latency, error) = match outcome {
        Ok(l) => (Some(l), None),
        Err(e) => (None, Some(e)),
    };
    fx.push(Effect::Journal(Event::Probe {
        signal: name,
        at: started,
        latency,
        error,
        waited_ms: None,
    }));
    let values = s.probes.determined(measure, window);
    for v in values {
        record_sample(state, signal, v.value, Some(v.at), v.detail, now, true, fx);
    }
}

/// The run is ending: each http signal's probes are closed (README: a probe unanswered
/// past its timeout has failed; one waiting less is unfinished, journaled with how long
/// it was waited for and judged with bounds) and the values they make are recorded
/// before the verdict; no guardrail trips any more. Every probe sent has its line.
fn close_probes(state: &mut State, now: Ts, fx: &mut Vec<Effect>) {
    for i in 0..state.signals.len() {
        let info = &state.cfg.signals[i];
        let (Some(measure), Some(window), Some(timeout)) =
            (info.measure, info.window, info.timeout)
        else {
            continue;
        };
        let name = info.name.clone();
        let expect = info.expect.clone();
        let (closed, values) =
            state.signals[i]
                .probes
                .close(now, timeout, measure, window, expect.as_ref());
        for (at, r) in closed {
            let (error, waited_ms) = match r {
                probes::Recorded::Failed(e) => (Some(e), None),
                probes::Recorded::Unfinished(w) => {
                    (None, Some(u64::try_from(w.as_millis()).unwrap_or(u64::MAX)))
                }
                probes::Recorded::Answered(_) => (None, None),
            };
            fx.push(Effect::Journal(Event::Probe {
                signal: name.clone(),
                at,
                latency: None,
                error,
                waited_ms,
            }));
        }
        for v in values {
            record_sample(state, i, v.value, Some(v.at), v.detail, now, false, fx);
        }
    }
}

/// How long the end of the run may wait for the answers to probes sent before it: the
/// longest probe timeout, and a little.
fn settle_limit(state: &State) -> Option<Duration> {
    state
        .cfg
        .signals
        .iter()
        .filter_map(|s| s.timeout)
        .max()
        .map(|t| t + Duration::from_secs(2))
}

/// Whether a probe sent before `deadline` still waits for its answer.
fn probes_waiting_since_before(state: &State, deadline: Ts) -> bool {
    state
        .signals
        .iter()
        .any(|s| s.probes.oldest_waiting().is_some_and(|t| t <= deadline))
}

/// Records a sample: taken `at` (when that is not now), in time order, journaled, and
/// watched by the guardrail when `guard` is true.
#[allow(clippy::too_many_arguments)]
fn record_sample(
    state: &mut State,
    signal: usize,
    value: Result<f64, String>,
    at: Option<Ts>,
    detail: Option<String>,
    now: Ts,
    guard: bool,
    fx: &mut Vec<Effect>,
) {
    let Some(s) = state.signals.get_mut(signal) else {
        return;
    };
    let info = &state.cfg.signals[signal];
    let value = match value {
        Ok(v) if v.is_nan() => Err("no data (NaN)".to_string()),
        other => other,
    };
    s.last = Some(value.clone());
    s.last_detail = detail.clone();
    if state.phase == Phase::Done {
        // The journal of a finished run is closed to samples: the report was written
        // from it and must stay reproducible.
        return;
    }
    let at = at.filter(|a| *a != now);
    let ts = at.unwrap_or(now);
    // in time order; a sample taken earlier than the newest goes before it, after every
    // sample of the same time (as a stable sort of the journal would put it)
    let pos = s.points.partition_point(|p| p.ts <= ts);
    s.points.insert(
        pos,
        Point {
            ts,
            value: value.as_ref().ok().copied(),
        },
    );
    let (v, error) = match &value {
        Ok(v) => (Some(*v), None),
        Err(e) => (None, Some(e.clone())),
    };
    fx.push(Effect::Journal(Event::Sample {
        signal: info.name.clone(),
        value: v,
        error,
        at,
        detail,
    }));

    // Guardrail: watched while a fault is injecting or active.
    if !guard {
        return;
    }
    let Some(guard) = info.abort.clone() else {
        return;
    };
    let watching = state.faults.iter().any(|f| f.is_live());
    let s = &mut state.signals[signal];
    if !watching {
        s.guard_since = None;
        return;
    }
    match value {
        Ok(v) if guard.holds(v) => {
            let since = *s.guard_since.get_or_insert(now);
            let held = (now - since).to_std().unwrap_or_default();
            if held >= guard.for_.unwrap_or_default() {
                let name = info.name.clone();
                let unit = info.unit;
                fx.push(Effect::Journal(Event::GuardrailTripped {
                    signal: name.clone(),
                    criterion: guard.text.clone(),
                    value: v,
                }));
                pull_kill_switch(
                    state,
                    "guardrail".into(),
                    AbortSource::Guardrail,
                    format!("{name} {} ({})", format_value(v, unit), guard.text),
                    now,
                    fx,
                );
            }
        }
        Ok(_) => s.guard_since = None,
        // missing data neither trips nor clears a guardrail
        Err(_) => {}
    }
}

/// Timers: the baseline, durations, the max_duration ceiling, revert retries, recovery.
fn on_time(state: &mut State, now: Ts, fx: &mut Vec<Effect>) {
    if state.phase == Phase::Baseline && now >= state.started_at + state.cfg.baseline {
        set_phase(state, Phase::Ready, now, fx);
    }
    // the ceiling first: past it the kill switch is pulled, whatever else happens
    let over_ceiling = state
        .faults
        .iter()
        .any(|f| f.is_live() && f.ceiling.is_some_and(|c| now >= c));
    if over_ceiling {
        pull_kill_switch(
            state,
            "gameday".into(),
            AbortSource::Ttl,
            format!(
                "safety.max_duration ({}) reached",
                crate::units::format_duration(state.cfg.max_duration)
            ),
            now,
            fx,
        );
    }
    for i in 0..state.faults.len() {
        let f = &state.faults[i];
        if f.status == FaultStatus::Active && f.deadline.is_some_and(|d| now >= d) {
            start_revert(state, i, RevertReason::Duration, now, fx);
        }
        let f = &mut state.faults[i];
        if f.status == FaultStatus::Reverting && f.next_retry.is_some_and(|t| now >= t) {
            revert_attempt(state, i, fx);
        }
    }
    if state.phase == Phase::Recovery {
        let deadline = state.phase_since + state.cfg.recovery;
        // the answers to probes sent before the end of recovery are waited for (at most
        // the probe timeout): a value is never judged without the probes it counts
        let waiting = probes_waiting_since_before(state, deadline)
            && settle_limit(state).is_some_and(|l| now < deadline + l);
        if now >= deadline && !waiting {
            finish(state, now, fx);
        }
    }
}
