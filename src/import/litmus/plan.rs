//! What the scenario will say, decided before a line of it is written: each value with
//! the comment that says where it came from (the engine, or a default).

use std::time::Duration;

use super::targets::Resolved;

/// A value and the comment written beside it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Noted<T> {
    pub value: T,
    pub note: String,
}

pub(super) fn noted<T>(value: T, note: impl Into<String>) -> Noted<T> {
    Noted {
        value,
        note: note.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Source {
    Promql {
        query: String,
    },
    Http {
        url: String,
        every: Option<Noted<Duration>>,
        timeout: Option<Noted<Duration>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct SignalPlan {
    /// The panel title, on one line.
    pub name: String,
    /// The comment above the signal: which probe it was.
    pub heading: String,
    pub source: Source,
    pub expect: Option<Noted<String>>,
    pub abort: Option<Noted<String>>,
    pub tolerate: Option<Noted<Duration>>,
    /// Why a signal has no `expect`, written inside it.
    pub watched: Option<String>,
    /// Notes that matter only if the signal keeps its `expect`.
    pub if_judged: Vec<String>,
    /// Litmus's criterion, as the engine said it, for messages.
    pub litmus: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct PromPlan {
    /// `None` for the `http://change-me:9090` placeholder.
    pub url: Option<Noted<String>>,
    pub interval: Option<Noted<Duration>>,
    pub timeout: Option<Noted<Duration>>,
    /// The probe that asked Litmus to skip certificate checks.
    pub insecure: Option<String>,
}

/// Which Litmus the engine was written for, where it matters (probe retries, ranges in
/// PODS_AFFECTED_PERC, KILL_COUNT), and the evidence, for messages.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Version {
    /// 1, 2 or 3; `None` when the engine does not say
    pub major: Option<u8>,
    /// e.g. "runProperties `attempt`"
    pub why: String,
}

/// A pod-delete setting, and the comment beside it: the env var as the engine set it
/// (`None`: not set, the ChaosExperiment's default).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Setting<T> {
    pub value: T,
    pub from: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Amount {
    /// Litmus deletes one pod: PODS_AFFECTED_PERC not set (`None`) or read as 0 or less
    /// (the comment that says which value)
    One(Option<String>),
    Percent(Setting<u64>),
    Count(Setting<u64>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct FaultPlan {
    pub target: Resolved,
    pub duration_s: Setting<u64>,
    pub interval_s: Setting<u64>,
    pub force: Setting<bool>,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    pub engine: super::EngineName,
    pub signals: Vec<SignalPlan>,
    pub prometheus: Option<PromPlan>,
    pub faults: Vec<FaultPlan>,
    /// The namespace of `kubernetes:`, and where it came from.
    pub namespace: Option<Noted<String>>,
    /// `pods:` panels: (namespace, selector, comment)
    pub panels: Vec<(Option<String>, String, String)>,
    /// The recovery phase the notes refer to.
    pub recovery: Duration,
    pub baseline: Duration,
    pub notes: Vec<String>,
}
