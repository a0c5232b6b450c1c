//! From a checked scenario to what a run needs: the journal's view of it (its secrets
//! are found and kept out by [`crate::journal::redact`]).

use crate::journal::{AlertInfo, FaultInfo, SignalInfo};
use crate::scenario::model::{
    FaultKind, ManifestSource, ScaleKind, Scenario, Signal, SignalSource,
};

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

/// The plan of a fault as the journal records it; for kinds with actions the action's own
/// plan is used instead (it knows the resolved details).
pub fn static_plan(kind: &FaultKind) -> Vec<String> {
    match kind {
        FaultKind::Exec(e) => vec![
            format!("inject: sh -c {:?}", e.inject),
            format!("revert: sh -c {:?}", e.revert),
        ],
        FaultKind::Http(h) => vec![
            format!("inject: {} {}", h.inject.method, h.inject.url),
            format!("revert: {} {}", h.revert.method, h.revert.url),
        ],
        FaultKind::PodDelete(p) => {
            let how = match (p.count, p.percent) {
                (_, Some(pct)) => format!("{pct}% of"),
                (Some(n), None) => n.to_string(),
                (None, None) => "1".to_string(),
            };
            let verb = if p.evict { "evict" } else { "delete" };
            let mut inject = format!("inject: {verb} {how} pod(s) matching {}", p.selector);
            if let Some(i) = p.interval {
                inject.push_str(&format!(
                    ", again every {}",
                    crate::units::format_duration_short(i)
                ));
            }
            vec![
                inject,
                "revert: stop deleting; wait for replacements to be Ready".to_string(),
            ]
        }
        FaultKind::Scale(s) => {
            let kind = match s.kind {
                ScaleKind::Deployment => "Deployment",
                ScaleKind::StatefulSet => "StatefulSet",
            };
            vec![
                format!("inject: scale {kind}/{} to {} replicas", s.name, s.replicas),
                format!(
                    "revert: scale {kind}/{} back to its recorded replicas",
                    s.name
                ),
            ]
        }
        FaultKind::Manifest(m) => {
            let what = match &m.source {
                ManifestSource::File(f) => format!("apply {}", f.display()),
                ManifestSource::Inline(_) => "apply the inline manifest".to_string(),
            };
            vec![
                format!("inject: {what}"),
                "revert: delete every applied object".to_string(),
            ]
        }
    }
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
