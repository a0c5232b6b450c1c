//! From a checked scenario to what a run needs: the journal's view of it (its secrets
//! are found and kept out by [`crate::journal::redact`]).

use crate::journal::{AlertInfo, FaultInfo, MilestoneInfo, SignalInfo};
use crate::scenario::model::{FaultKind, Scenario, Signal, SignalSource};

pub fn signal_info(s: &Signal) -> SignalInfo {
    let (window, timeout) = match &s.source {
        SignalSource::Http {
            window, timeout, ..
        } => (Some(*window), Some(*timeout)),
        _ => (None, None),
    };
    let (source, measure) = match &s.source {
        SignalSource::Promql { query } => (query.trim().to_string(), None),
        SignalSource::Pods {
            selector,
            namespace,
        } => (
            match namespace {
                Some(ns) => format!("pods {selector} in {ns}"),
                None => format!("pods {selector}"),
            },
            None,
        ),
        SignalSource::Http { url, measure, .. } => (format!("GET {url}"), Some(*measure)),
        SignalSource::Command { command } => (command.clone(), None),
    };
    SignalInfo {
        name: s.name.clone(),
        kind: s.source.kind().to_string(),
        source,
        unit: s.unit,
        measure,
        expect: s.expect.clone(),
        abort: s.abort.clone(),
        tolerate: s.tolerate,
        interval: s.interval,
        window,
        timeout,
    }
}

/// The plan of a fault as far as the scenario tells, as the journal records it until the
/// action's own plan (which knows the resolved details) replaces it. Each kind writes its
/// own, in `faults/<kind>.rs`.
pub fn static_plan(kind: &FaultKind) -> Vec<String> {
    kind.plan()
}

pub fn fault_infos(scenario: &Scenario) -> Vec<FaultInfo> {
    scenario
        .faults
        .iter()
        .map(|f| FaultInfo {
            name: f.name.clone(),
            kind: f.kind.name().to_string(),
            duration: f.duration,
            plan: static_plan(&f.kind),
        })
        .collect()
}

pub fn alert_infos(scenario: &Scenario) -> Vec<AlertInfo> {
    scenario
        .alerts
        .iter()
        .map(|a| AlertInfo {
            name: a.name.clone(),
            within: a.within,
        })
        .collect()
}

pub fn milestone_infos(scenario: &Scenario) -> Vec<MilestoneInfo> {
    scenario
        .milestones
        .iter()
        .map(|m| MilestoneInfo {
            name: m.name.clone(),
            within: m.within,
        })
        .collect()
}
