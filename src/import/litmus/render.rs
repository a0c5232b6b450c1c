//! The plan as scenario text. Keys are constants; every value that came from the engine
//! goes through [`quoted`], every comment through [`shown`]: see `text.rs`.

use std::time::Duration;

use crate::units::duration::format_duration;

use super::plan::{Amount, FaultPlan, Plan, Source};
use super::text::{quoted, safe_line};
use super::EngineName;

/// Builds the text line by line.
struct Out(String);

impl Out {
    fn line(&mut self, indent: usize, body: &str, comment: Option<&str>) {
        for _ in 0..indent {
            self.0.push(' ');
        }
        self.0.push_str(body);
        if let Some(c) = comment.filter(|c| !c.is_empty()) {
            self.0.push_str("  # ");
            self.0.push_str(&safe_line(c));
        }
        self.0.push('\n');
    }

    fn comment(&mut self, indent: usize, c: &str) {
        for _ in 0..indent {
            self.0.push(' ');
        }
        self.0.push_str("# ");
        self.0.push_str(&safe_line(c));
        self.0.push('\n');
    }

    fn blank(&mut self) {
        self.0.push('\n');
    }
}

fn dur(d: Duration) -> String {
    format_duration(d)
}

fn secs(s: u64) -> String {
    dur(Duration::from_secs(s))
}

/// The scenario text, headed by `modeline`, for an engine read from `file`.
pub(super) fn render(plan: &Plan, modeline: &str, file: &str) -> String {
    let mut o = Out(String::from(modeline));
    o.comment(
        0,
        &format!(
            "Imported by `gameday import litmus` from {file} ({}).",
            plan.engine.described()
        ),
    );
    if plan.notes.is_empty() {
        o.comment(
            0,
            "Everything in the ChaosEngine was mapped with the same meaning.",
        );
    } else {
        o.comment(
            0,
            "NOT MAPPED — where this scenario differs from the ChaosEngine; review before the game day:",
        );
        for n in &plan.notes {
            o.comment(0, &format!("  - {n}"));
        }
    }
    o.line(
        0,
        &format!("name: {}", scenario_name(plan.engine.base())),
        None,
    );
    o.line(
        0,
        &format!(
            "description: {}",
            quoted(&match &plan.engine {
                EngineName::None => "Imported from a Litmus ChaosEngine with no name.".to_string(),
                named => format!("Imported from the Litmus {}.", named.described()),
            })
        ),
        None,
    );
    o.line(
        0,
        &format!("hypothesis: {}", quoted(&hypothesis(plan))),
        None,
    );

    if let Some(p) = &plan.prometheus {
        o.blank();
        o.line(0, "prometheus:", None);
        match &p.url {
            Some(u) => o.line(2, &format!("url: {}", quoted(&u.value)), Some(&u.note)),
            None => o.line(
                2,
                "url: \"http://change-me:9090\"",
                Some("no promProbe endpoint is an http(s) URL: give your Prometheus"),
            ),
        }
        if let Some(i) = &p.interval {
            o.line(2, &format!("interval: {}", dur(i.value)), Some(&i.note));
        }
        if let Some(t) = &p.timeout {
            o.line(2, &format!("timeout: {}", dur(t.value)), Some(&t.note));
        }
        if let Some(w) = &p.insecure {
            o.line(
                2,
                "tls: { insecure_skip_verify: true }",
                Some(&format!("{w} asked Litmus to skip certificate checks")),
            );
        }
    }

    o.blank();
    match &plan.namespace {
        Some(n) => {
            o.line(0, "kubernetes:", Some("the kubeconfig's current context"));
            o.line(
                2,
                &format!("namespace: {}", quoted(&n.value)),
                Some(&n.note),
            );
        }
        None => o.line(
            0,
            "kubernetes: {}",
            Some("the kubeconfig's current context and namespace: the engine names no namespace"),
        ),
    }

    if !plan.signals.is_empty() {
        o.blank();
        o.line(0, "steady_state:", Some("from the experiment's probes"));
        for s in &plan.signals {
            o.comment(2, &s.heading);
            o.line(2, &format!("- name: {}", quoted(&s.name)), None);
            match &s.source {
                Source::Promql { query } => o.line(4, &format!("promql: {}", quoted(query)), None),
                Source::Http {
                    url,
                    every,
                    timeout,
                } => {
                    o.line(4, "http:", None);
                    o.line(6, &format!("url: {}", quoted(url)), None);
                    match every {
                        Some(e) => o.line(6, &format!("every: {}", dur(e.value)), Some(&e.note)),
                        None => o.comment(
                            6,
                            "every: not set, gameday's default (the scenario's `interval`, 5s)",
                        ),
                    }
                    match timeout {
                        Some(t) => o.line(6, &format!("timeout: {}", dur(t.value)), Some(&t.note)),
                        None => o.comment(6, "timeout: not set, gameday's default (2s)"),
                    }
                    o.line(
                        4,
                        "measure: error_rate",
                        Some("a failed probe: status >= 400, a timeout or a transport error"),
                    );
                }
            }
            if let Some(e) = &s.expect {
                o.line(4, &format!("expect: {}", quoted(&e.value)), Some(&e.note));
            }
            if let Some(a) = &s.abort {
                o.line(4, &format!("abort: {}", quoted(&a.value)), Some(&a.note));
            }
            if let Some(t) = &s.tolerate {
                o.line(4, &format!("tolerate: {}", dur(t.value)), Some(&t.note));
            }
            if let Some(w) = &s.watched {
                o.comment(4, w);
            }
        }
    }

    if !plan.panels.is_empty() {
        o.blank();
        o.line(0, "pods:", None);
        for (ns, sel, note) in &plan.panels {
            o.line(2, &format!("- selector: {}", quoted(sel)), Some(note));
            if let Some(n) = ns {
                o.line(4, &format!("namespace: {}", quoted(n)), None);
            }
        }
    }

    let kube_ns = plan.namespace.as_ref().map(|n| n.value.as_str());
    let mut longest = 0;
    if !plan.faults.is_empty() {
        o.blank();
        o.line(0, "faults:", None);
        for (i, f) in plan.faults.iter().enumerate() {
            longest = longest.max(f.duration_s.value);
            fault(&mut o, f, i, kube_ns);
        }
    }

    o.blank();
    o.line(0, "safety:", None);
    o.line(
        2,
        "max_targets: 1",
        Some("conservative: raise it to the number of pods the selector matches (`gameday plan` shows them)"),
    );
    let mut namespaces: Vec<&str> = kube_ns.into_iter().collect();
    for f in &plan.faults {
        if let Some(n) = f.target.namespace.as_deref() {
            if !namespaces.contains(&n) {
                namespaces.push(n);
            }
        }
    }
    if !namespaces.is_empty() {
        let list: Vec<String> = namespaces.iter().map(|n| quoted(n)).collect();
        o.line(
            2,
            &format!("namespaces: [{}]", list.join(", ")),
            Some("the namespaces the experiments target"),
        );
    }
    if longest > 0 {
        o.line(
            2,
            &format!("max_duration: {}", secs(longest + 30)),
            Some("the longest chaos duration and 30 s to revert"),
        );
    }
    o.line(2, "require_steady_state: true", None);

    o.blank();
    o.line(0, "phases:", None);
    o.line(
        2,
        &format!("baseline: {}", dur(plan.baseline)),
        Some("gameday's default: observed before the first trigger"),
    );
    o.line(
        2,
        &format!("recovery: {}", dur(plan.recovery)),
        Some("gameday's default: observed after the last revert, and judged"),
    );
    o.0
}

fn fault(o: &mut Out, f: &FaultPlan, i: usize, kube_ns: Option<&str>) {
    let selector = f.target.selector.as_deref().unwrap_or("app=change-me");
    let what = match &f.amount {
        Amount::Percent(p) => format!("{}% of the pods", p.value),
        Amount::Count(c) if c.value == 1 => "one pod".to_string(),
        Amount::Count(c) => format!("{} pods", c.value),
        Amount::One(_) => "one pod".into(),
    };
    let suffix = if i == 0 {
        String::new()
    } else {
        format!(" ({})", i + 1)
    };
    o.line(
        2,
        &format!(
            "- name: {}",
            quoted(&format!("pod-delete {what} of {selector}{suffix}"))
        ),
        None,
    );
    o.line(
        4,
        &format!("duration: {}", secs(f.duration_s.value)),
        Some(&from(&f.duration_s.from, "TOTAL_CHAOS_DURATION")),
    );
    o.line(4, "pod_delete:", None);
    let sel_note = match &f.target.selector {
        Some(_) => f.target.source.clone(),
        None => {
            "CHANGE-ME: the engine names no target gameday can select (see NOT MAPPED above)".into()
        }
    };
    o.line(
        6,
        &format!("selector: {}", quoted(selector)),
        Some(&sel_note),
    );
    if let Some(n) = f
        .target
        .namespace
        .as_deref()
        .filter(|n| Some(*n) != kube_ns)
    {
        o.line(6, &format!("namespace: {}", quoted(n)), None);
    }
    match &f.amount {
        Amount::Percent(p) => o.line(
            6,
            &format!("percent: {}", p.value),
            Some(&from(&p.from, "PODS_AFFECTED_PERC")),
        ),
        Amount::Count(c) => o.line(
            6,
            &format!("count: {}", c.value),
            Some(&from(&c.from, "KILL_COUNT")),
        ),
        Amount::One(from) => o.line(
            6,
            "count: 1",
            Some(
                from.as_deref()
                    .unwrap_or("PODS_AFFECTED_PERC not set: Litmus deletes one pod"),
            ),
        ),
    }
    o.line(
        6,
        &format!("interval: {}", secs(f.interval_s.value)),
        Some(&from(&f.interval_s.from, "CHAOS_INTERVAL")),
    );
    o.line(
        6,
        &format!("force: {}", f.force.value),
        Some(&from(&f.force.from, "FORCE")),
    );
}

/// Where a value came from: the env var as the engine set it, or the default.
fn from(set: &Option<String>, var: &str) -> String {
    match set {
        Some(s) => s.clone(),
        None => format!("{var} not set: the pod-delete ChaosExperiment's default"),
    }
}

fn hypothesis(plan: &Plan) -> String {
    let what = match plan.faults.first() {
        Some(f) => {
            let selector = f.target.selector.as_deref().unwrap_or("app=change-me");
            let where_ = f
                .target
                .namespace
                .as_deref()
                .or(plan.namespace.as_ref().map(|n| n.value.as_str()))
                .map(|n| format!(" in {n}"))
                .unwrap_or_default();
            let (pods, verb) = match &f.amount {
                Amount::Percent(p) => (format!("{}% of the pods", p.value), "are"),
                Amount::Count(c) if c.value > 1 => (format!("{} pods", c.value), "are"),
                _ => ("one pod".into(), "is"),
            };
            format!(
                "If {pods} matching {selector}{where_} {verb} deleted every {} for {}",
                secs(f.interval_s.value),
                secs(f.duration_s.value)
            )
        }
        None => "If the experiment runs".to_string(),
    };
    let judged: Vec<&str> = plan
        .signals
        .iter()
        .filter(|s| s.expect.is_some())
        .map(|s| s.name.as_str())
        .collect();
    let holds = if judged.is_empty() {
        "the service keeps working".to_string()
    } else {
        format!(
            "the experiment's probes keep passing ({})",
            judged.join(", ")
        )
    };
    format!("{what}, {holds}, because CHANGE-ME (say why you expect it to hold).")
}

/// `[a-z0-9-]+`, at most 63, from the engine's name.
pub(super) fn scenario_name(engine: &str) -> String {
    let s: String = engine
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut s: String = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    s.truncate(63);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "litmus-import".into()
    } else {
        s
    }
}
