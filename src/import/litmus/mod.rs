//! `gameday import litmus FILE`: a Litmus ChaosEngine (litmuschaos.io/v1alpha1) as a
//! native scenario.
//!
//! What maps: `appinfo` (or a `TARGETS` env) to the pod selector and namespace; the
//! pod-delete experiment's env (TOTAL_CHAOS_DURATION, CHAOS_INTERVAL, FORCE,
//! PODS_AFFECTED_PERC) to a `pod_delete` fault; `promProbe` to a promql signal whose
//! comparator becomes its `expect`; a GET `httpProbe` to an http signal. Everything else
//! (other experiments, cmdProbe, k8sProbe, unknown env, engine settings) is listed in a
//! comment block at the top of the output and on standard error: an import that silently
//! dropped a probe would make a game day look safer than the original experiment.
//!
//! The safety section is filled conservatively (max_targets 1, only the app namespace, a
//! ceiling just above the chaos duration): the first `gameday plan` says if it is too tight.

use std::io::Write;
use std::path::Path;

use crate::scenario::duration::{format_duration, parse_duration};
use crate::scenario::selector::{is_dns_label, validate_selector};
use crate::scenario::yaml::{parse_yaml, Node, Pos, Value};

/// The scenario text and what could not be mapped, one line each.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub text: String,
    pub unmapped: Vec<String>,
}

/// Reads `path`, writes the scenario to `out` (or standard output) and lists what could
/// not be mapped on standard error. The error is ready to print (`FILE:LINE:COL: ...`).
pub fn import_file(path: &Path, out: Option<&Path>, force: bool) -> Result<(), String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{file}:1:1: cannot read the ChaosEngine: {e}"))?;
    // Standard output lands wherever the user redirects it; the current directory is
    // the best guess for where the schema should be found from.
    let modeline = crate::schema::modeline_for(out.unwrap_or(Path::new("imported.yaml")));
    let imported = convert(&text, &file, &modeline)?;
    match out {
        Some(o) => {
            crate::templates::write_file(o, &imported.text, force)
                .map_err(|e| format!("gameday import litmus: {e}"))?;
            crate::say!(
                "wrote {}{}; check it: gameday check {}",
                o.display(),
                match imported.unmapped.len() {
                    0 => String::new(),
                    n => format!(" ({n} item{} not mapped, listed at its top)", plural(n)),
                },
                o.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(imported.text.as_bytes())
                .and_then(|()| stdout.flush());
        }
    }
    for u in &imported.unmapped {
        eprintln!("gameday import litmus: not mapped: {u}");
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Converts the ChaosEngine in `text` (read from `file`); `modeline` heads the output.
pub fn convert(text: &str, file: &str, modeline: &str) -> Result<Imported, String> {
    let at = |pos: Pos, msg: &str| format!("{file}:{}:{}: {msg}", pos.line, pos.col);
    // Keep `${VAR}` as written: a ChaosEngine is not expanded from the environment.
    let keep = |name: &str| Some(format!("${{{name}}}"));
    let parsed = parse_yaml(text, &keep);
    if let Some((pos, msg)) = parsed.problems.first() {
        let msg = if msg.contains("one YAML document") {
            "the file holds more than one YAML document; put the ChaosEngine in a file of its own"
        } else {
            msg
        };
        return Err(at(*pos, msg));
    }
    let start = Pos { line: 1, col: 1 };
    let Some(root) = parsed.root else {
        return Err(at(
            start,
            "the file is empty; expected a Litmus ChaosEngine",
        ));
    };
    if !matches!(root.value, Value::Map(_)) {
        return Err(at(
            root.pos,
            &format!(
                "expected a Litmus ChaosEngine (a mapping with apiVersion, kind and spec), found {}",
                root.describe()
            ),
        ));
    }
    match get(&root, "kind").map(|k| (k, k.as_text())) {
        Some((_, Some("ChaosEngine"))) => {}
        Some((k, other)) => {
            let hint = match other {
                Some("ChaosExperiment") => "; a ChaosExperiment only defines an experiment: import the ChaosEngine that runs it",
                Some("ChaosSchedule") => "; import the ChaosEngine of its engineTemplateSpec instead",
                _ => "",
            };
            return Err(at(
                k.pos,
                &format!(
                    "kind is {}; `gameday import litmus` reads a ChaosEngine (litmuschaos.io/v1alpha1){hint}",
                    k.describe()
                ),
            ));
        }
        None => {
            return Err(at(
                root.pos,
                "no `kind:`; expected a Litmus ChaosEngine (apiVersion: litmuschaos.io/v1alpha1, kind: ChaosEngine)",
            ))
        }
    }
    if let Some(v) = get(&root, "apiVersion") {
        if !v
            .as_text()
            .is_some_and(|t| t.starts_with("litmuschaos.io/"))
        {
            return Err(at(
                v.pos,
                &format!(
                    "apiVersion is {}; expected litmuschaos.io/v1alpha1",
                    v.describe()
                ),
            ));
        }
    }
    let Some(spec) = get(&root, "spec").filter(|s| matches!(s.value, Value::Map(_))) else {
        return Err(at(
            root.pos,
            "the ChaosEngine has no `spec:` mapping; its experiments are listed under spec.experiments",
        ));
    };
    let experiments = match get(spec, "experiments").map(|e| (e, &e.value)) {
        Some((_, Value::Seq(items))) if !items.is_empty() => items,
        Some((e, _)) => {
            return Err(at(
                e.pos,
                "spec.experiments: expected a list of experiments like `- name: pod-delete`, found none",
            ))
        }
        None => {
            return Err(at(
                spec.pos,
                "spec: no `experiments:`; the ChaosEngine runs nothing to import",
            ))
        }
    };

    let mut b = Builder::default();
    let meta = get(&root, "metadata");
    let engine_name = meta
        .and_then(|m| get(m, "name"))
        .and_then(Node::as_text)
        .unwrap_or("litmus-import")
        .to_string();
    let meta_ns = meta
        .and_then(|m| get(m, "namespace"))
        .and_then(Node::as_text)
        .map(str::to_string);

    // Engine settings gameday has no use for, listed so nobody wonders where they went.
    if let Value::Map(entries) = &spec.value {
        for (k, v) in entries {
            match k.name.as_str() {
                "appinfo" | "experiments" => {}
                "engineState" if v.as_text() == Some("active") => {}
                other => b.unmapped.push(format!(
                    "spec.{other} ({}): not used by gameday",
                    v.describe()
                )),
            }
        }
    }

    // Targets: appinfo, else a TARGETS env of the first experiment.
    let appinfo = get(spec, "appinfo");
    let mut ns = appinfo
        .and_then(|a| get(a, "appns"))
        .and_then(Node::as_text)
        .map(str::to_string);
    let mut selector = appinfo
        .and_then(|a| get(a, "applabel"))
        .and_then(Node::as_text)
        .map(str::to_string);
    let appkind = appinfo
        .and_then(|a| get(a, "appkind"))
        .and_then(Node::as_text)
        .map(str::to_string);

    let mut faults = Vec::new();
    let mut signals: Vec<Signal> = Vec::new();
    let mut prom_url: Option<String> = None;
    for (i, exp) in experiments.iter().enumerate() {
        let exp_name = get(exp, "name")
            .and_then(Node::as_text)
            .unwrap_or("")
            .to_string();
        let exp_spec = get(exp, "spec");
        let env = exp_spec
            .and_then(|s| get(s, "components"))
            .and_then(|c| get(c, "env"));
        let env = env_list(env);
        if exp_name != "pod-delete" {
            b.unmapped.push(format!(
                "experiments[{i}] `{exp_name}`: only pod-delete is mapped; write a `manifest` fault that applies a ChaosEngine for it"
            ));
        } else {
            let mut f = PodDeleteFault {
                duration_s: 15,
                interval_s: Some(5),
                force: true,
                percent: None,
            };
            for (name, value) in &env {
                let secs = || value.trim().parse::<u64>().ok();
                match name.as_str() {
                    "TOTAL_CHAOS_DURATION" => match secs() {
                        Some(s) if s > 0 => f.duration_s = s,
                        _ => b.unmapped.push(format!(
                            "experiments[{i}] env TOTAL_CHAOS_DURATION=`{value}`: not a number of seconds; the Litmus default 15 is used"
                        )),
                    },
                    "CHAOS_INTERVAL" => match secs() {
                        Some(0) | None => b.unmapped.push(format!(
                            "experiments[{i}] env CHAOS_INTERVAL=`{value}`: not a number of seconds; the Litmus default 5 is used"
                        )),
                        Some(s) => f.interval_s = Some(s),
                    },
                    "FORCE" => match value.trim() {
                        "true" => f.force = true,
                        "false" => f.force = false,
                        _ => b.unmapped.push(format!(
                            "experiments[{i}] env FORCE=`{value}`: expected true or false; force: true (the Litmus default) is used"
                        )),
                    },
                    "PODS_AFFECTED_PERC" => match secs() {
                        _ if value.trim().is_empty() => {}
                        Some(0) => {}
                        Some(p) if p <= 100 => f.percent = Some(p),
                        _ => b.unmapped.push(format!(
                            "experiments[{i}] env PODS_AFFECTED_PERC=`{value}`: expected 0 to 100; one pod is deleted"
                        )),
                    },
                    "TARGETS" if selector.is_none() => match parse_targets(value) {
                        Some((t_ns, t_sel)) => {
                            ns = ns.or(t_ns);
                            selector = Some(t_sel);
                        }
                        None => b.unmapped.push(format!(
                            "experiments[{i}] env TARGETS=`{value}`: only KIND:NAMESPACE:[LABEL] is mapped"
                        )),
                    },
                    "SEQUENCE" => b.unmapped.push(format!(
                        "experiments[{i}] env SEQUENCE=`{value}`: gameday deletes the chosen pods together"
                    )),
                    "RAMP_TIME" => b.unmapped.push(format!(
                        "experiments[{i}] env RAMP_TIME=`{value}`: gameday's `phases.baseline` observes before the trigger instead"
                    )),
                    "TARGET_PODS" => b.unmapped.push(format!(
                        "experiments[{i}] env TARGET_PODS=`{value}`: gameday targets pods by label selector, not by name; narrow the selector"
                    )),
                    other => b.unmapped.push(format!(
                        "experiments[{i}] env {other}=`{value}`: not used by gameday"
                    )),
                }
            }
            faults.push(f);
        }
        let probes = exp_spec.and_then(|s| get(s, "probe"));
        if let Some(Node {
            value: Value::Seq(items),
            ..
        }) = probes
        {
            for (j, p) in items.iter().enumerate() {
                let where_ = format!("experiments[{i}].probe[{j}]");
                if let Some(sig) = probe(p, &where_, &mut prom_url, &mut b.unmapped) {
                    signals.push(sig);
                }
            }
        }
    }

    // A selector or namespace gameday would refuse becomes a placeholder to edit.
    let selector = match selector {
        Some(s) if validate_selector(&s).is_ok() => s,
        other => {
            b.unmapped.push(match other {
                Some(s) => {
                    format!("appinfo.applabel `{s}` is not a label selector; replace app=change-me")
                }
                None => {
                    "no target (appinfo.applabel or TARGETS): replace the selector app=change-me"
                        .into()
                }
            });
            "app=change-me".into()
        }
    };
    let ns = match ns.or(meta_ns) {
        Some(n) if is_dns_label(&n) => Some(n),
        Some(n) => {
            b.unmapped.push(format!(
                "namespace `{n}` is not a valid namespace name; the kubeconfig's default is used"
            ));
            None
        }
        None => None,
    };
    if let Some(k) = &appkind {
        b.unmapped.push(format!(
            "appinfo.appkind `{k}`: gameday selects pods by label only, whatever owns them"
        ));
    }
    unique_names(&mut signals);
    Ok(b.finish(
        modeline,
        file,
        &engine_name,
        &selector,
        ns.as_deref(),
        prom_url.as_deref(),
        &signals,
        &faults,
    ))
}

struct PodDeleteFault {
    duration_s: u64,
    interval_s: Option<u64>,
    force: bool,
    percent: Option<u64>,
}

struct Signal {
    name: String,
    /// `promql: ...` or `http: {...}` plus `measure:` lines, already indented.
    source: Vec<String>,
    expect: Option<String>,
    note: Option<String>,
}

#[derive(Default)]
struct Builder {
    unmapped: Vec<String>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn finish(
        self,
        modeline: &str,
        file: &str,
        engine: &str,
        selector: &str,
        ns: Option<&str>,
        prom_url: Option<&str>,
        signals: &[Signal],
        faults: &[PodDeleteFault],
    ) -> Imported {
        let mut o = String::from(modeline);
        let mut line = |s: String| {
            o.push_str(&s);
            o.push('\n');
        };
        line(format!(
            "# Imported by `gameday import litmus` from {file} (ChaosEngine `{engine}`)."
        ));
        if self.unmapped.is_empty() {
            line("# Everything in the ChaosEngine was mapped.".into());
        } else {
            line("# NOT MAPPED — review before the game day:".into());
            for u in &self.unmapped {
                line(format!("#   - {u}"));
            }
        }
        line(format!("name: {}", scenario_name(engine)));
        line(format!(
            "description: {}",
            q(&format!("Imported from the Litmus ChaosEngine `{engine}`."))
        ));
        line(format!(
            "hypothesis: {}",
            q(&hypothesis(selector, ns, faults, signals))
        ));
        if let Some(url) = prom_url {
            line(String::new());
            line("prometheus:".into());
            line(format!("  url: {}", q(url)));
        }
        line(String::new());
        match ns {
            Some(n) => {
                line("kubernetes:  # the kubeconfig's current context".into());
                line(format!("  namespace: {n}"));
            }
            None => line("kubernetes: {}  # the kubeconfig's current context and namespace".into()),
        }
        if !signals.is_empty() {
            line(String::new());
            line("steady_state:  # from the experiment's probes".into());
            for s in signals {
                if let Some(n) = &s.note {
                    line(format!("  # {n}"));
                }
                line(format!("  - name: {}", q(&s.name)));
                for l in &s.source {
                    line(format!("    {l}"));
                }
                if let Some(e) = &s.expect {
                    line(format!("    expect: {}", q(e)));
                }
            }
        }
        line(String::new());
        line("pods:".into());
        line(format!("  - selector: {}", q(selector)));
        let mut longest = 0;
        if !faults.is_empty() {
            line(String::new());
            line("faults:".into());
            for (i, f) in faults.iter().enumerate() {
                longest = longest.max(f.duration_s);
                let what = match f.percent {
                    Some(p) => format!("{p}% of the pods"),
                    None => "one pod".into(),
                };
                let suffix = if i == 0 {
                    String::new()
                } else {
                    format!(" ({})", i + 1)
                };
                line(format!(
                    "  - name: {}",
                    q(&format!("pod-delete {what} of {selector}{suffix}"))
                ));
                line(format!(
                    "    duration: {}  # TOTAL_CHAOS_DURATION",
                    secs(f.duration_s)
                ));
                line("    pod_delete:".into());
                line(format!("      selector: {}", q(selector)));
                match f.percent {
                    Some(p) => line(format!("      percent: {p}  # PODS_AFFECTED_PERC")),
                    None => line("      count: 1  # PODS_AFFECTED_PERC unset: one pod".into()),
                }
                if let Some(iv) = f.interval_s {
                    line(format!("      interval: {}  # CHAOS_INTERVAL", secs(iv)));
                }
                line(format!("      force: {}  # FORCE", f.force));
            }
        }
        line(String::new());
        line("safety:".into());
        line("  max_targets: 1  # conservative: raise it to the number of pods the selector matches (`gameday plan` shows them)".into());
        if let Some(n) = ns {
            line(format!("  namespaces: [{n}]"));
        }
        if longest > 0 {
            line(format!(
                "  max_duration: {}  # the chaos duration and 30 s to revert",
                secs(longest + 30)
            ));
        }
        line("  require_steady_state: true".into());
        Imported {
            text: o,
            unmapped: self.unmapped,
        }
    }
}

fn hypothesis(
    selector: &str,
    ns: Option<&str>,
    faults: &[PodDeleteFault],
    signals: &[Signal],
) -> String {
    let where_ = ns.map(|n| format!(" in {n}")).unwrap_or_default();
    let what = match faults.first() {
        Some(f) => {
            let (pods, verb) = match f.percent {
                Some(p) => (format!("{p}% of the pods"), "are"),
                None => ("one pod".into(), "is"),
            };
            let every = f
                .interval_s
                .map(|s| format!(" every {}", secs(s)))
                .unwrap_or_default();
            format!(
                "If {pods} matching {selector}{where_} {verb} deleted{every} for {}",
                secs(f.duration_s)
            )
        }
        None => format!("If the pods matching {selector}{where_} are disrupted"),
    };
    let judged: Vec<&str> = signals
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
    format!("{what}, {holds}. CHANGE: say why you expect it to hold.")
}

/// One probe as a signal, or `None` (and a line in `unmapped`) when it cannot be one.
fn probe(
    p: &Node,
    at: &str,
    prom_url: &mut Option<String>,
    unmapped: &mut Vec<String>,
) -> Option<Signal> {
    let name = get(p, "name")
        .and_then(Node::as_text)
        .unwrap_or("probe")
        .to_string();
    let kind = get(p, "type").and_then(Node::as_text).unwrap_or("");
    let mode = get(p, "mode")
        .and_then(Node::as_text)
        .unwrap_or("Continuous");
    let run = get(p, "runProperties");
    let run_dur = |key: &str| -> Option<String> {
        let v = run.and_then(|r| get(r, key)).and_then(Node::as_text)?;
        litmus_duration(v)
    };
    let mut note = None;
    if mode != "Continuous" {
        note = Some(format!(
            "Litmus checked `{name}` in mode {mode}; gameday checks `expect` continuously from the first trigger to the end of recovery"
        ));
    }
    match kind {
        "promProbe" => {
            let inputs = get(p, "promProbe/inputs");
            let endpoint = inputs
                .and_then(|i| get(i, "endpoint"))
                .and_then(Node::as_text);
            let Some(query) = inputs.and_then(|i| get(i, "query")).and_then(Node::as_text) else {
                unmapped.push(format!(
                    "{at} promProbe `{name}`: no inline `query` (queryPath is not read); add the query as a promql signal"
                ));
                return None;
            };
            match (endpoint, prom_url.as_deref()) {
                (Some(e), None) if e.starts_with("http://") || e.starts_with("https://") => {
                    *prom_url = Some(e.to_string())
                }
                (Some(e), Some(first)) if e != first => unmapped.push(format!(
                    "{at} promProbe `{name}`: endpoint {e} differs from {first}; gameday reads one Prometheus"
                )),
                (Some(_), Some(_)) => {}
                (other, _) => {
                    unmapped.push(format!(
                        "{at} promProbe `{name}`: endpoint {} is not an http(s) URL",
                        other.unwrap_or("(none)")
                    ));
                    if prom_url.is_none() {
                        *prom_url = Some("http://localhost:9090".into());
                    }
                }
            }
            let comparator = inputs.and_then(|i| get(i, "comparator"));
            let criteria = comparator
                .and_then(|c| get(c, "criteria"))
                .and_then(Node::as_text)
                .unwrap_or("");
            let value = comparator
                .and_then(|c| get(c, "value"))
                .and_then(Node::as_text)
                .unwrap_or("");
            let expect = match criteria {
                "==" | "!=" | "<" | ">" | "<=" | ">=" if value.trim().parse::<f64>().is_ok() => {
                    Some(format!("{criteria} {}", value.trim()))
                }
                _ => {
                    unmapped.push(format!(
                        "{at} promProbe `{name}`: comparator `{criteria} {value}` has no gameday criterion; the signal is only watched"
                    ));
                    None
                }
            };
            Some(Signal {
                name,
                source: vec![format!("promql: {}", q(query))],
                expect,
                note,
            })
        }
        "httpProbe" => {
            let inputs = get(p, "httpProbe/inputs");
            let url = inputs.and_then(|i| get(i, "url")).and_then(Node::as_text);
            let Some(url) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            else {
                unmapped.push(format!("{at} httpProbe `{name}`: no http(s) url"));
                return None;
            };
            let method = inputs.and_then(|i| get(i, "method"));
            let get_ = method.and_then(|m| get(m, "get"));
            let Some(get_) = get_ else {
                unmapped.push(format!(
                    "{at} httpProbe `{name}`: only GET probes are mapped (gameday's http signal sends GET)"
                ));
                return None;
            };
            let criteria = get(get_, "criteria")
                .and_then(Node::as_text)
                .unwrap_or("==");
            let code = get(get_, "responseCode")
                .and_then(Node::as_text)
                .and_then(|c| c.trim().parse::<u16>().ok());
            let expect = match (criteria, code) {
                ("==", Some(c)) if (200..400).contains(&c) => {
                    if c != 200 {
                        unmapped.push(format!(
                            "{at} httpProbe `{name}`: responseCode == {c} becomes `no errors`: gameday counts any status below 400 as success"
                        ));
                    }
                    Some("== 0%".to_string())
                }
                _ => {
                    unmapped.push(format!(
                        "{at} httpProbe `{name}`: criteria `{criteria} {}` has no gameday criterion; the signal is only watched",
                        code.map(|c| c.to_string()).unwrap_or_default()
                    ));
                    None
                }
            };
            let mut http = vec![format!("url: {}", q(url))];
            if let Some(ms) = inputs
                .and_then(|i| get(i, "responseTimeout"))
                .and_then(Node::as_text)
                .and_then(|t| t.trim().parse::<u64>().ok())
                .filter(|ms| *ms > 0)
            {
                http.push(format!("timeout: {ms}ms"));
            } else if let Some(t) = run_dur("probeTimeout") {
                http.push(format!("timeout: {t}"));
            }
            if let Some(iv) = run_dur("interval") {
                http.push(format!("every: {iv}"));
            }
            Some(Signal {
                name,
                source: vec![
                    format!("http: {{ {} }}", http.join(", ")),
                    "measure: error_rate  # Litmus fails the probe on a wrong status; gameday counts status >= 400 and timeouts".into(),
                ],
                expect,
                note,
            })
        }
        other => {
            unmapped.push(format!(
                "{at} {} `{name}`: only promProbe and httpProbe are mapped; a `command` signal can run the same check",
                if other.is_empty() { "probe without type" } else { other }
            ));
            None
        }
    }
}

/// Litmus run properties are whole seconds (older engines) or Go durations ("5s").
fn litmus_duration(v: &str) -> Option<String> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return (s > 0).then(|| secs(s));
    }
    parse_duration(v)
        .ok()
        .filter(|d| !d.is_zero())
        .map(format_duration)
}

/// `deployment:shop:[app=redis]` (Litmus 3's TARGETS) to (namespace, selector).
fn parse_targets(v: &str) -> Option<(Option<String>, String)> {
    let first = v.split(';').next()?.trim();
    let mut parts = first.splitn(3, ':');
    let _kind = parts.next()?;
    let ns = parts.next()?.trim();
    let rest = parts.next()?.trim();
    let label = rest.strip_prefix('[')?.strip_suffix(']')?.trim();
    if label.is_empty() {
        return None;
    }
    Some(((!ns.is_empty()).then(|| ns.to_string()), label.to_string()))
}

fn env_list(env: Option<&Node>) -> Vec<(String, String)> {
    let Some(Node {
        value: Value::Seq(items),
        ..
    }) = env
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|e| {
            let name = get(e, "name")?.as_text()?.to_string();
            let value = get(e, "value")
                .and_then(Node::as_text)
                .unwrap_or("")
                .to_string();
            Some((name, value))
        })
        .collect()
}

fn unique_names(signals: &mut [Signal]) {
    let mut seen: Vec<String> = Vec::new();
    for s in signals.iter_mut() {
        let mut name = s.name.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{} ({n})", s.name);
            n += 1;
        }
        seen.push(name.clone());
        s.name = name;
    }
}

fn scenario_name(engine: &str) -> String {
    let mut s: String = engine
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(63);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "litmus-import".into()
    } else {
        s
    }
}

fn secs(s: u64) -> String {
    format_duration(std::time::Duration::from_secs(s))
}

fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    match &n.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null()),
        _ => None,
    }
}

/// A YAML double-quoted scalar. `${` is doubled so gameday does not expand it.
fn q(s: &str) -> String {
    serde_json::to_string(&s.replace("${", "$${")).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn run_properties_are_seconds_or_go_durations() {
        assert_eq!(litmus_duration("5").as_deref(), Some("5s"));
        assert_eq!(litmus_duration("500ms").as_deref(), Some("500ms"));
        assert_eq!(litmus_duration("2m").as_deref(), Some("2m"));
        assert_eq!(litmus_duration("0"), None);
        assert_eq!(litmus_duration("soon"), None);
    }

    #[test]
    fn targets_give_namespace_and_selector() {
        assert_eq!(
            parse_targets("deployment:shop:[app=redis]"),
            Some((Some("shop".into()), "app=redis".into()))
        );
        assert_eq!(parse_targets("deployment:shop:redis-0"), None);
    }

    /// A query holding `${` must reach gameday as written, not be expanded from the
    /// environment of whoever runs the scenario.
    #[test]
    fn dollar_braces_in_a_probe_survive_the_round_trip() {
        let engine = r#"
apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata: { name: e }
spec:
  appinfo: { appns: shop, applabel: app=x }
  experiments:
    - name: pod-delete
      spec:
        probe:
          - name: q
            type: promProbe
            promProbe/inputs:
              endpoint: http://prom:9090
              query: 'up{job="${JOB}"}'
              comparator: { criteria: ">=", value: "1" }
"#;
        let out = convert(engine, "e.yaml", "").unwrap();
        let env = |_: &str| None;
        let s = crate::scenario::parse_str(&out.text, "o.yaml", Path::new("."), &env).unwrap();
        assert!(matches!(
            &s.steady_state[0].source,
            crate::scenario::SignalSource::Promql { query } if query == r#"up{job="${JOB}"}"#
        ));
    }
}
