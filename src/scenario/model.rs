//! The typed scenario: what `parse` produces once every field has been checked.
//!
//! Everything here is already validated and expanded (`${VAR}`), so the engine and the
//! workers never need to second-guess it. Durations are `std::time::Duration`; criterion
//! values are in the signal's base unit (a ratio, seconds, bytes, a count).

use std::path::PathBuf;
use std::time::Duration;

// Each fault kind, and its settings, belong to its file in `faults/`; named here too,
// where the rest of the scenario's vocabulary is.
pub use super::notify::{NotifyKind, NotifyTarget};
pub use crate::cluster::safety::Safety;
pub use crate::faults::exec::ExecFault;
pub use crate::faults::http::{HttpFault, HttpRequest};
pub use crate::faults::manifest::{Manifest, ManifestSource};
pub use crate::faults::pod_delete::PodDelete;
pub use crate::faults::scale::{Scale, ScaleKind};
pub use crate::faults::{Fault, FaultKind};
pub use crate::units::duration::{duration_ms, opt_duration_ms};
pub use crate::units::{Criterion, Measure, Op, Unit};

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `[a-z0-9-]+`, used in the run directory name.
    pub name: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub hypothesis: String,
    /// Default sampling interval of `command` signals, and of `promql`/`http` signals that
    /// set none of their own. Top-level `interval:`, default 5 s.
    pub interval: Duration,
    pub prometheus: Option<Prometheus>,
    pub kubernetes: Option<Kubernetes>,
    pub grafana: Option<Grafana>,
    /// `notify:`: the webhooks told of the run's start, triggers, kill switch, failed
    /// reverts and verdict (empty: none).
    pub notify: Vec<NotifyTarget>,
    pub steady_state: Vec<Signal>,
    pub pods: Vec<PodPanel>,
    pub alerts: Vec<AlertExpectation>,
    /// What the people mark live (`detected`, `mitigated`...), timed from the first
    /// trigger; see `crate::milestones`.
    pub milestones: Vec<Milestone>,
    pub faults: Vec<Fault>,
    pub safety: Safety,
    pub phases: Phases,
    /// What `check` warns about: valid, but probably not what was meant
    /// (`FILE:LINE:COL: warning: ...`, ready to print).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prometheus {
    pub url: String,
    /// `prometheus.interval`, default: the scenario's `interval`.
    pub interval: Duration,
    /// default 10 s
    pub timeout: Duration,
    pub bearer_token_file: Option<PathBuf>,
    pub bearer_token_env: Option<String>,
    pub basic_auth: Option<BasicAuth>,
    pub headers: Vec<(String, String)>,
    pub tls: Tls,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BasicAuth {
    pub username: String,
    /// Exactly one of the two is set.
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tls {
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Kubernetes {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grafana {
    pub url: String,
    pub token_env: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub name: String,
    pub source: SignalSource,
    pub unit: Unit,
    /// The success criterion; `None` for a signal that is only watched.
    pub expect: Option<Criterion>,
    /// The guardrail that pulls the kill switch by itself.
    pub abort: Option<Criterion>,
    /// A violation of `expect` shorter than this does not refute. `tolerate:` or the
    /// `for` of `expect`; zero when neither is given.
    pub tolerate: Duration,
    /// How often a sample is taken (see `Scenario::interval`).
    pub interval: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SignalSource {
    Promql {
        query: String,
    },
    Pods {
        selector: String,
        namespace: Option<String>,
    },
    Http {
        url: String,
        /// per-probe timeout, default 2 s
        timeout: Duration,
        measure: Measure,
        /// the probes a value is measured over: those started this long before it,
        /// default [`DEFAULT_PROBE_WINDOW`]
        window: Duration,
    },
    Command {
        command: String,
    },
}

impl SignalSource {
    pub fn kind(&self) -> &'static str {
        match self {
            SignalSource::Promql { .. } => "promql",
            SignalSource::Pods { .. } => "pods",
            SignalSource::Http { .. } => "http",
            SignalSource::Command { .. } => "command",
        }
    }
}

/// The default `window:` of an http signal.
pub const DEFAULT_PROBE_WINDOW: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq)]
pub struct PodPanel {
    pub selector: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertExpectation {
    pub name: String,
    pub within: Duration,
}

/// `milestones:` item: a name alone (`- detected`) or `{name, within}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    pub name: String,
    /// the target: marked at most this long after the first trigger
    pub within: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phases {
    /// default 2 min
    pub baseline: Duration,
    /// default 3 min
    pub recovery: Duration,
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            baseline: Duration::from_secs(120),
            recovery: Duration::from_secs(180),
        }
    }
}
