//! The journal's vocabulary: every kind of line, and the run's header. The engine, the
//! fronts and the report speak it; the writer and reader move it to and from disk.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{num, opt_ts_ms, ts_ms};
use crate::units::duration::duration_ms;
use crate::units::{Criterion, Measure, Unit};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    #[serde(with = "ts_ms")]
    pub ts: DateTime<Utc>,
    #[serde(flatten)]
    pub event: Event,
}

/// Who pulled the kill switch, and from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortSource {
    /// a key in the TUI
    Key,
    /// a joined operator
    Join,
    /// an `abort:` criterion of a signal
    Guardrail,
    /// SIGHUP, SIGTERM, SIGINT, SIGQUIT
    Signal,
    /// `safety.max_duration` or an expiry
    Ttl,
    /// quitting with a fault active
    Quit,
    /// the terminal went away
    Terminal,
    /// gameday itself crashed
    Panic,
    /// `gameday recover`, after the run ended without reverting (killed, power loss)
    Recover,
    /// `gameday abort RUN_DIR`, from another shell
    Command,
}

impl AbortSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AbortSource::Key => "key",
            AbortSource::Join => "join",
            AbortSource::Guardrail => "guardrail",
            AbortSource::Signal => "signal",
            AbortSource::Ttl => "ttl",
            AbortSource::Quit => "quit",
            AbortSource::Terminal => "terminal",
            AbortSource::Panic => "panic",
            AbortSource::Recover => "recover",
            AbortSource::Command => "command",
        }
    }

    /// Whether the process itself is ending (a signal, a lost terminal, a crash, a quit
    /// with a fault active): it reverts and writes the report at once. After any other
    /// kill switch the run watches the recovery first.
    pub fn ends_the_process(self) -> bool {
        match self {
            AbortSource::Signal
            | AbortSource::Terminal
            | AbortSource::Panic
            | AbortSource::Quit
            | AbortSource::Recover => true,
            AbortSource::Key
            | AbortSource::Join
            | AbortSource::Guardrail
            | AbortSource::Ttl
            | AbortSource::Command => false,
        }
    }
}

/// Why a fault is being reverted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevertReason {
    /// its `duration` ran out
    Duration,
    /// `safety.max_duration` ran out
    MaxDuration,
    /// the kill switch
    Abort,
    /// its injection failed; the revert cleans up whatever half-happened
    InjectFailed,
    /// `gameday recover` found it not reverted in the journal
    Recover,
    /// `gameday recover --by-hand`: the operator reverted it, or checked that it is not
    /// active; gameday ran nothing
    ByHand,
}

impl RevertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevertReason::Duration => "duration reached",
            RevertReason::MaxDuration => "max_duration reached",
            RevertReason::Abort => "kill switch",
            RevertReason::InjectFailed => "injection failed",
            RevertReason::Recover => "gameday recover",
            RevertReason::ByHand => "by hand",
        }
    }
}

/// When the screen was captured for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenMoment {
    Trigger,
    Abort,
}

impl ScreenMoment {
    pub fn as_str(self) -> &'static str {
        match self {
            ScreenMoment::Trigger => "trigger",
            ScreenMoment::Abort => "abort",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Note,
    Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Phase {
    Baseline,
    Ready,
    Armed,
    Injecting,
    Active,
    Reverting,
    Recovery,
    Done,
}

impl Phase {
    /// The one upper-case word of the header.
    pub fn word(self) -> &'static str {
        match self {
            Phase::Baseline => "BASELINE",
            Phase::Ready => "READY",
            Phase::Armed => "ARMED",
            Phase::Injecting => "INJECTING",
            Phase::Active => "ACTIVE",
            Phase::Reverting => "REVERTING",
            Phase::Recovery => "RECOVERY",
            Phase::Done => "DONE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Confirmed,
    Refuted,
    Aborted,
    Inconclusive,
    NotRun,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Confirmed => "CONFIRMED",
            Verdict::Refuted => "REFUTED",
            Verdict::Aborted => "ABORTED",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::NotRun => "NOT RUN",
        }
    }
}

/// What the report needs to know of a signal, secrets left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalInfo {
    pub name: String,
    /// promql, pods, http, command
    pub kind: String,
    /// The query, URL, selector or command, for the report's "Queries" section.
    pub source: String,
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Criterion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<Criterion>,
    #[serde(with = "duration_ms", rename = "tolerate_ms")]
    pub tolerate: Duration,
    #[serde(with = "duration_ms", rename = "interval_ms")]
    pub interval: Duration,
    /// an http signal's `window:`: the probes each value is measured over
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::units::duration::opt_duration_ms",
        rename = "window_ms"
    )]
    pub window: Option<Duration>,
    /// an http signal's probe timeout: past it a probe has failed
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::units::duration::opt_duration_ms",
        rename = "timeout_ms"
    )]
    pub timeout: Option<Duration>,
}

/// What the report and `recover` need to know of a fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultInfo {
    pub name: String,
    /// exec, http, pod_delete, scale, manifest
    pub kind: String,
    #[serde(with = "duration_ms", rename = "duration_ms")]
    pub duration: Duration,
    /// One line per action, e.g. "inject: sh -c 'systemctl stop redis'".
    pub plan: Vec<String>,
}

impl FaultInfo {
    /// The plan's line for `verb` ("inject", "revert"), or the verb alone.
    pub fn plan_line(&self, verb: &str) -> String {
        self.plan
            .iter()
            .find(|l| l.starts_with(verb))
            .cloned()
            .unwrap_or_else(|| verb.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertInfo {
    pub name: String,
    #[serde(with = "duration_ms", rename = "within_ms")]
    pub within: Duration,
}

/// A milestone of the people's side of the game day (`detected`, `mitigated`, ...), with
/// its target: how soon after the first trigger it should be marked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneInfo {
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::units::duration::opt_duration_ms",
        rename = "within_ms"
    )]
    pub within: Option<Duration>,
}

/// The run's header: the scenario as it was resolved, and where it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub scenario: String,
    pub scenario_path: String,
    /// The file as written (before `${VAR}` expansion, secrets redacted).
    pub scenario_text: String,
    /// sha256 of the file as read.
    pub scenario_sha256: String,
    /// Where `scenario_text` holds `"***"` instead of a value written literally in the
    /// file (`faults[0].exec.env.DB_PASSWORD`): a fault under one of these paths is
    /// reverted by `gameday recover` only from the original file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario_redacted: Vec<String>,
    pub hypothesis: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub operator: String,
    pub host: String,
    pub version: String,
    pub run_dir: String,
    pub mode: String,
    #[serde(default)]
    pub demo: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_namespace: Option<String>,
    #[serde(with = "duration_ms", rename = "baseline_ms")]
    pub baseline: Duration,
    #[serde(with = "duration_ms", rename = "recovery_ms")]
    pub recovery: Duration,
    pub signals: Vec<SignalInfo>,
    pub faults: Vec<FaultInfo>,
    #[serde(default)]
    pub alerts: Vec<AlertInfo>,
    /// the milestones people mark live; absent from journals written before they existed
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<MilestoneInfo>,
    /// the selectors of the pods panels
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_panels: Vec<String>,
}

/// One pod's change, as the pods panel and the timeline show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodChange {
    pub pod: String,
    /// added, deleted, changed, restarted
    pub change: String,
    /// the kubectl status word after the change
    pub status: String,
    /// "1/1"
    pub ready: String,
}

/// How one source fared in the preflight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Ok,
    /// it answered, but not as the run will want (an HTTP 404, no data now, slow): said,
    /// never a refusal
    Warning,
    /// dead or misconfigured: every sample of it would fail; `run` refuses to start
    Failed,
}

impl CheckOutcome {
    pub fn word(self) -> &'static str {
        match self {
            CheckOutcome::Ok => "ok",
            CheckOutcome::Warning => "warning",
            CheckOutcome::Failed => "FAILED",
        }
    }
}

/// One source the run reads, checked once before the baseline: an http signal's URL,
/// Prometheus (a query, the alerts API), the Kubernetes API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreflightCheck {
    /// http, prometheus, promql, alerts, kubernetes
    pub source: String,
    /// the signals, alerts or panels that read it
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// the URL (no credentials, no query) or the context and server
    pub target: String,
    pub outcome: CheckOutcome,
    /// what it answered, or why there was no answer
    pub detail: String,
    /// what to do about it, and where the address comes from
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fix: String,
    /// how long the check took
    pub ms: u64,
}

impl PreflightCheck {
    /// What was checked, in words: "`probe p99` at http://127.0.0.1:8080/probe".
    pub fn what(&self) -> String {
        let names = self
            .names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let read_by = if names.is_empty() {
            String::new()
        } else {
            format!(" (read by {names})")
        };
        match self.source.as_str() {
            "http" => format!("http signal {names} at {}", self.target),
            "promql" => format!("the query of {names} at {}", self.target),
            "alerts" => format!("the alerts API at {}{read_by}", self.target),
            "prometheus" => format!("Prometheus at {}{read_by}", self.target),
            "kubernetes" => format!("the Kubernetes API, {}{read_by}", self.target),
            other => format!("{other} {}{read_by}", self.target),
        }
    }
}

/// Every kind of journal line. `type` is the tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted(Box<RunInfo>),
    Phase {
        phase: Phase,
    },
    Sample {
        signal: String,
        /// A number, or `"+Inf"` / `"-Inf"` ([`num`]); absent when the sample is missing.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "num::opt")]
        value: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// When the sample was taken, when that is not when it arrived: a point
        /// back-filled from before the run (a Prometheus range query), or an http probe's
        /// start (a slow answer is judged at its start). `ts` otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_ts_ms")]
        at: Option<DateTime<Utc>>,
        /// What the value stands for when the number alone would mislead ("3 of 60
        /// probes failed: timed out" beside a p99 of +Inf).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// An http probe's outcome: sent `at`, answered after `latency` seconds, failed
    /// (`error`), or unfinished when the run ended, `waited_ms` after it was sent (less
    /// than its timeout: its latency is at least that, or it failed). The http signals'
    /// values are made from these; every probe sent has one.
    Probe {
        signal: String,
        #[serde(with = "ts_ms")]
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none", with = "num::opt")]
        latency: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waited_ms: Option<u64>,
    },
    /// Pods of a watched selector changed.
    Pods {
        selector: String,
        changes: Vec<PodChange>,
    },
    Armed {
        fault: String,
        by: String,
        plan: Vec<String>,
    },
    Disarmed {
        fault: String,
        by: String,
    },
    /// The steady state did not hold and the operator typed an override.
    Override {
        by: String,
        failing: Vec<String>,
    },
    /// The intent, fsynced before anything is done.
    FaultInjecting {
        fault: String,
        by: String,
        action: String,
    },
    FaultInjected {
        fault: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        targets: Vec<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
        /// what the revert needs after a crash (e.g. the replicas before a scale)
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore: Option<String>,
    },
    /// The kill switch stopped the injection while it ran (its commands killed, its
    /// requests dropped): what it had done by then is not known, so it is reverted as if
    /// it had taken effect. Not a failed injection: nothing says it failed.
    FaultInjectCancelled {
        fault: String,
    },
    /// A Warning event of a watched namespace (BackOff, FailedScheduling, Unhealthy…).
    ClusterWarning {
        namespace: String,
        object: String,
        reason: String,
        message: String,
    },
    /// What an active fault did since it was injected (each repeated pod deletion).
    FaultProgress {
        fault: String,
        detail: String,
    },
    /// Arming was refused: the blast radius or the permissions did not allow it.
    ArmRefused {
        fault: String,
        by: String,
        reason: String,
    },
    FaultReverting {
        fault: String,
        reason: RevertReason,
        attempt: u32,
        action: String,
    },
    FaultReverted {
        fault: String,
        ok: bool,
        attempt: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
        /// Whether another attempt will follow a failure.
        #[serde(default)]
        will_retry: bool,
    },
    GuardrailTripped {
        signal: String,
        criterion: String,
        #[serde(with = "num")]
        value: f64,
    },
    Abort {
        by: String,
        source: AbortSource,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    Note {
        author: String,
        kind: NoteKind,
        text: String,
    },
    /// A person marked a milestone of the scenario (the first mark of each counts; the
    /// engine refuses a second). `author` is who marked it: the driver, or a joiner's
    /// user name from the socket's peer credentials. The record's `ts` is when.
    Milestone {
        name: String,
        author: String,
    },
    /// An expected alert changed state: inactive, pending, firing, or unknown (the
    /// alerts API could not be read; `error` says why).
    Alert {
        name: String,
        state: String,
        /// when Prometheus says the alert became active (`activeAt`)
        #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_ts_ms")]
        active_at: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A second operator came into the room (`gameday join`); `name` is the user name of
    /// the socket peer's uid, never what the client said.
    OperatorJoined {
        name: String,
    },
    OperatorLeft {
        name: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    /// The run ended before its recovery phase was over, or before it began (a revert
    /// still in flight): who and why (a signal, the terminal lost, `q`). Journaled just
    /// before the verdict, so the report can say why its recovery figures are short;
    /// journals before it have none.
    RecoveryCutShort {
        by: String,
        why: String,
    },
    Verdict {
        verdict: Verdict,
        reasons: Vec<String>,
    },
    RunEnded {
        exit_code: i32,
    },
    /// Something beside the run went wrong (a Grafana annotation could not be sent); the
    /// run and its verdict are not affected.
    Warning {
        /// what it was about: "grafana"
        source: String,
        message: String,
    },
    /// A notification of `notify:` was not delivered (refused, no answer, dropped from a
    /// full queue, or still waiting when gameday exited). A warning: the run, its verdict
    /// and its exit code are not affected. Journals before `notify:` have none.
    NotifyFailed {
        /// which webhook, by its variable (`notify[0] (slack, $GAMEDAY_SLACK_URL)`),
        /// never its URL
        target: String,
        /// what it was about: run_started, fault_triggered, kill_switch, revert_failed,
        /// verdict (several, comma-separated, for notifications dropped together)
        about: String,
        /// the requests made (0: none was sent)
        attempts: u32,
        error: String,
    },
    /// Every source the run reads, checked once before the baseline (`run`, `demo`). A
    /// run that went on despite a failed check (`--skip-preflight`) also has a `warning`
    /// saying so. Journals older than the preflight have none.
    Preflight {
        checks: Vec<PreflightCheck>,
    },
    /// The screen at a trigger or the abort, as plain text, for the report: the report
    /// is a function of the journal, so what the operator saw must be in it.
    Screen {
        moment: ScreenMoment,
        /// the fault triggered (empty at an abort)
        #[serde(default, skip_serializing_if = "String::is_empty")]
        fault: String,
        /// "tui": the operator's own screen; "headless": what the TUI would have shown
        front: String,
        width: u16,
        height: u16,
        text: String,
    },
}

impl Event {
    /// Intents, results and notes must survive a power loss before anyone acts on them.
    pub fn needs_fsync(&self) -> bool {
        !matches!(
            self,
            Event::Sample { .. }
                | Event::Probe { .. }
                | Event::Phase { .. }
                | Event::Pods { .. }
                | Event::Screen { .. }
        )
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Event::RunStarted(_) => "run_started",
            Event::Phase { .. } => "phase",
            Event::RecoveryCutShort { .. } => "recovery_cut_short",
            Event::Pods { .. } => "pods",
            Event::Sample { .. } => "sample",
            Event::Probe { .. } => "probe",
            Event::Armed { .. } => "armed",
            Event::Disarmed { .. } => "disarmed",
            Event::Override { .. } => "override",
            Event::FaultInjecting { .. } => "fault_injecting",
            Event::FaultInjected { .. } => "fault_injected",
            Event::FaultInjectCancelled { .. } => "fault_inject_cancelled",
            Event::FaultProgress { .. } => "fault_progress",
            Event::ClusterWarning { .. } => "cluster_warning",
            Event::ArmRefused { .. } => "arm_refused",
            Event::FaultReverting { .. } => "fault_reverting",
            Event::FaultReverted { .. } => "fault_reverted",
            Event::GuardrailTripped { .. } => "guardrail_tripped",
            Event::Abort { .. } => "abort",
            Event::Note { .. } => "note",
            Event::Milestone { .. } => "milestone",
            Event::Alert { .. } => "alert",
            Event::OperatorJoined { .. } => "operator_joined",
            Event::OperatorLeft { .. } => "operator_left",
            Event::Verdict { .. } => "verdict",
            Event::RunEnded { .. } => "run_ended",
            Event::Screen { .. } => "screen",
            Event::Warning { .. } => "warning",
            Event::NotifyFailed { .. } => "notify_failed",
            Event::Preflight { .. } => "preflight",
        }
    }
}
