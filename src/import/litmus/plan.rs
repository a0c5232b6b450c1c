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

/// A pod-delete setting, and the env var it came from (`None`: the default).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Setting<T> {
    pub value: T,
    pub from: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Amount {
    /// neither PODS_AFFECTED_PERC nor KILL_COUNT: Litmus deletes one pod
    One,
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
    pub engine: String,
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
