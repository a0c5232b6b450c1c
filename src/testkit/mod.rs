//! The test kit: one example run, the vocabulary tests build runs from, and one engine
//! simulator with a fake clock ([`Sim`]).
//!
//! Used by the unit tests, the integration tests and the benches. Compiled only for them:
//! under `cfg(test)`, or with the `testkit` feature, which the crate's dev-dependency on
//! itself turns on for every test and bench target. `cargo build` never sees it, so the
//! product cannot come to depend on it and the binary does not carry it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::journal::{FaultInfo, RunInfo, SignalInfo};
use crate::units::{Criterion, Op, Unit};

mod sim;

pub use sim::{Answer, Sim, Start};

pub type Ts = DateTime<Utc>;

/// 2027-01-15T08:00:00Z: when a simulated run starts unless the test says otherwise.
pub fn t0() -> Ts {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

/// `op value`, written `text` in the scenario, that holds at once (no `for`).
pub fn criterion(op: Op, value: f64, text: &str) -> Criterion {
    Criterion {
        op,
        value,
        for_: None,
        text: text.into(),
    }
}

/// `op value for for_`, written `text`: a guardrail that must hold for a while to count.
pub fn criterion_for(op: Op, value: f64, text: &str, for_: Duration) -> Criterion {
    Criterion {
        for_: Some(for_),
        ..criterion(op, value, text)
    }
}

/// A signal that is only watched (no `expect`, no `abort`, nothing tolerated), sampled
/// every second. Set what the test needs with `SignalInfo { expect: .., ..signal(..) }`.
pub fn signal(name: &str, kind: &str, source: &str, unit: Unit) -> SignalInfo {
    SignalInfo {
        name: name.into(),
        kind: kind.into(),
        source: source.into(),
        unit,
        measure: None,
        expect: None,
        abort: None,
        tolerate: Duration::ZERO,
        interval: Duration::from_secs(1),
        window: None,
        timeout: None,
    }
}

/// An `exec` fault of `duration`, with the plan `check` would show for its commands.
pub fn exec_fault(name: &str, duration: Duration, inject: &str, revert: &str) -> FaultInfo {
    FaultInfo {
        name: name.into(),
        kind: "exec".into(),
        duration,
        plan: vec![
            format!("inject: sh -c '{inject}'"),
            format!("revert: sh -c '{revert}'"),
        ],
    }
}

/// The example run: the seed experiment (delete a Redis pod, watch the API) as alice
/// runs it in the TUI on a bastion, with one judged signal and one fault. Tests change
/// what they are about with `RunInfo { signals, faults, ..run_info() }`.
pub fn run_info() -> RunInfo {
    RunInfo {
        run_id: "20270115T080000Z-redis-pod-delete".into(),
        scenario: "redis-pod-delete".into(),
        scenario_path: "scenarios/redis-pod-delete.yaml".into(),
        scenario_text: String::new(),
        scenario_sha256: String::new(),
        scenario_redacted: Vec::new(),
        hypothesis: "If one Redis pod is deleted, the API keeps serving traffic with only a \
                     temporary latency bump and no visible spike in 5xx responses, because \
                     reads fall back to Postgres."
            .into(),
        description: None,
        owner: Some("payments-oncall".into()),
        operator: "alice".into(),
        host: "bastion-1".into(),
        version: "0.1.0".into(),
        run_dir: "gameday-runs/20270115T080000Z-redis-pod-delete".into(),
        mode: "tui".into(),
        demo: false,
        prometheus_url: Some("http://prometheus:9090".into()),
        kube_context: Some("staging".into()),
        kube_namespace: Some("shop".into()),
        baseline: Duration::from_secs(120),
        recovery: Duration::from_secs(60),
        signals: vec![SignalInfo {
            expect: Some(criterion(Op::Lt, 0.01, "< 1%")),
            ..signal(
                "5xx error rate",
                "promql",
                "sum(rate(http_requests_total{code=~\"5..\"}[1m]))",
                Unit::Ratio,
            )
        }],
        faults: vec![exec_fault(
            "delete one redis pod",
            Duration::from_secs(60),
            "kubectl -n shop delete pod redis-0",
            "kubectl -n shop rollout status sts/redis",
        )],
        alerts: vec![],
        milestones: vec![],
        pod_panels: vec![],
    }
}
