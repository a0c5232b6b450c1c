//! From a checked scenario to what a run needs: the journal's view of it (secrets left
//! out), the secrets to redact, and the fault actions.

use crate::journal::{is_sensitive_name, AlertInfo, FaultInfo, Redactor, SignalInfo};
use crate::scenario::model::{
    FaultKind, ManifestSource, ScaleKind, Scenario, Signal, SignalSource,
};

pub fn signal_info(s: &Signal) -> SignalInfo {
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

/// Every secret value the scenario gives gameday access to.
pub fn redactor(scenario: &Scenario, env: &dyn Fn(&str) -> Option<String>) -> Redactor {
    let mut r = Redactor::new();
    if let Some(p) = &scenario.prometheus {
        if let Some(var) = &p.bearer_token_env {
            if let Some(v) = env(var) {
                r.add(v);
            }
        }
        if let Some(file) = &p.bearer_token_file {
            if let Ok(v) = crate::files::read_secret_file(file) {
                r.add(v);
            }
        }
        if let Some(b) = &p.basic_auth {
            if let Some(v) = b.password_env.as_deref().and_then(env) {
                r.add(v);
            }
            if let Some(Ok(v)) = b
                .password_file
                .as_deref()
                .map(crate::files::read_secret_file)
            {
                r.add(v);
            }
        }
        for (k, v) in &p.headers {
            if is_sensitive_name(k) {
                add_header_value(&mut r, v);
            }
        }
    }
    if let Some(g) = &scenario.grafana {
        if let Some(v) = g.token_env.as_deref().and_then(env) {
            r.add(v);
        }
    }
    for f in &scenario.faults {
        match &f.kind {
            FaultKind::Http(h) => {
                for (k, v) in h.inject.headers.iter().chain(&h.revert.headers) {
                    if is_sensitive_name(k) {
                        add_header_value(&mut r, v);
                    }
                }
            }
            FaultKind::Exec(e) => {
                for (k, v) in &e.env {
                    if is_sensitive_name(k) {
                        r.add(v.clone());
                    }
                }
            }
            _ => {}
        }
    }
    r
}

/// "Bearer abc" → both the whole value and the credential alone.
fn add_header_value(r: &mut Redactor, v: &str) {
    r.add(v.to_string());
    if let Some((_, cred)) = v.split_once(' ') {
        r.add(cred.to_string());
    }
}

/// The scenario file as the journal keeps it: a value written literally after a
/// secret-looking key (`Authorization: Bearer abc`, `password: x`) becomes `***`;
/// `${VAR}` references stay, they name a secret without holding it.
pub fn redact_scenario_text(text: &str, redactor: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let redacted = match body.split_once(':') {
            Some((key, value)) => {
                let k = key
                    .trim()
                    .trim_start_matches("- ")
                    .trim_matches(|c| c == '"' || c == '\'' || c == '{');
                let v = value.trim();
                let refers = v.starts_with("${")
                    || v.trim_matches(|c| c == '"' || c == '\'').starts_with("${");
                let names_a_source = k.ends_with("_env") || k.ends_with("_file");
                if is_sensitive_name(k) && !v.is_empty() && !refers && !names_a_source {
                    let indent = &key[..key.len() - key.trim_start().len()];
                    format!("{indent}{}: ***", key.trim())
                } else {
                    body.to_string()
                }
            }
            None => body.to_string(),
        };
        out.push_str(&redactor.redact(&redacted));
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_secrets_in_the_file_are_not_kept() {
        let text = "headers:\n  Authorization: Bearer abc123\n  X-Scope-OrgID: shop\nbearer_token_env: PROM_TOKEN\npassword_env: PW\ntoken: ${TOKEN}\n";
        let out = redact_scenario_text(text, &Redactor::new());
        assert!(!out.contains("abc123"), "{out}");
        assert!(out.contains("  Authorization: ***\n"), "{out}");
        assert!(out.contains("X-Scope-OrgID: shop"));
        assert!(out.contains("bearer_token_env: PROM_TOKEN"));
        assert!(out.contains("token: ${TOKEN}"));
    }
}
