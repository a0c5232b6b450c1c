//! `gameday import litmus FILE`: a Litmus ChaosEngine (litmuschaos.io/v1alpha1) as a
//! native scenario, without changing what the experiment means in silence.
//!
//! Every field of the engine is either mapped onto something that means the same in
//! gameday, or listed — with what it meant in Litmus and what the scenario does instead —
//! at the top of the output and on standard error. What maps: `appinfo` or Litmus 3's
//! `TARGETS` to the pod selector and namespace (`targets.rs`); the pod-delete
//! experiment's env, from Litmus 1.0's `components:` list or 2.x/3.x `components.env`, to
//! a `pod_delete` fault (`fault.rs`); `promProbe` and GET `httpProbe` to signals, their
//! modes, timings and `stopOnFailure` as far as gameday has the same thing
//! (`probes.rs`). Comments beside the values say where each came from, and which are
//! defaults.
//!
//! Nothing read from the engine can steer the output: every copied string is written as
//! an escaped YAML scalar or on one line of a comment (`text.rs`, `render.rs`), and the
//! result is checked with gameday's own parser before it is written.

mod fault;
mod fields;
mod golang;
mod merge;
mod plan;
mod probes;
mod render;
mod targets;
mod text;

use std::io::{Read, Write};
use std::path::Path;

use crate::cluster::selector::{is_dns_label, validate_selector};
use crate::scenario::model::Phases;
use crate::yaml::{parse_yaml, Node, Pos, Value, MAX_BYTES};

use fault::{Env, EnvValue, Health};
use fields::{describe, Fields};
use plan::{noted, Plan, PromPlan, Version};
use probes::Probes;
use targets::Resolved;
use text::{one_line, safe_line, shown};

/// How the engine is named in what the importer writes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum EngineName {
    /// `metadata.name`, on one line
    Name(String),
    /// `metadata.generateName`, kept as written (trailing dash included)
    Generated(String),
    None,
}

impl EngineName {
    /// `ChaosEngine `x``, for a sentence.
    pub fn described(&self) -> String {
        match self {
            EngineName::Name(n) => format!("ChaosEngine `{n}`"),
            EngineName::Generated(g) => format!(
                "ChaosEngine `{g}`, a generateName Kubernetes completes with a random suffix"
            ),
            EngineName::None => "a ChaosEngine with no name".into(),
        }
    }

    /// What the scenario's name is made from.
    pub fn base(&self) -> &str {
        match self {
            EngineName::Name(n) | EngineName::Generated(n) => n,
            EngineName::None => "",
        }
    }
}

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
    let text = read_engine(path, &file)?;
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
                    n => format!(" ({n} difference{} listed at its top)", plural(n)),
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

/// The engine's text: a regular file, no larger than a scenario may be, UTF-8, no NUL.
fn read_engine(path: &Path, file: &str) -> Result<String, String> {
    let at_start = |msg: String| format!("{file}:1:1: {msg}");
    let meta = std::fs::metadata(path)
        .map_err(|e| at_start(format!("cannot read the ChaosEngine: {e}")))?;
    if !meta.is_file() {
        return Err(at_start(
            "not a regular file; give the ChaosEngine's YAML file".into(),
        ));
    }
    if meta.len() > MAX_BYTES as u64 {
        return Err(at_start(format!(
            "the file is {} bytes; a ChaosEngine is far smaller (the limit is 1 MiB)",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| at_start(format!("cannot read the ChaosEngine: {e}")))?;
    if bytes.len() > MAX_BYTES {
        return Err(at_start("the file is larger than 1 MiB".into()));
    }
    let position = |upto: &[u8]| {
        let good = String::from_utf8_lossy(upto);
        let line = good.matches('\n').count() + 1;
        let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    };
    if let Some(i) = bytes.iter().position(|b| *b == 0) {
        let (line, col) = position(&bytes[..i]);
        return Err(format!(
            "{file}:{line}:{col}: the file holds a NUL byte; a ChaosEngine is text"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = position(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        format!("{file}:{line}:{col}: the file is not valid UTF-8; save it as UTF-8 text")
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

const SPEC_FIELDS: &[&str] = &[
    "appinfo",
    "engineState",
    "chaosServiceAccount",
    "annotationCheck",
    "jobCleanUpPolicy",
    "monitoring",
    "auxiliaryAppInfo",
    "components",
    "defaultHealthCheck",
    "defaultAppHealthCheck",
    "terminationGracePeriodSeconds",
    "chaosType",
    "selectors",
    "experiments",
];

/// Converts the ChaosEngine in `text` (read from `file`); `modeline` heads the output.
pub fn convert(text: &str, file: &str, modeline: &str) -> Result<Imported, String> {
    let shown_file = one_line(file);
    let file = shown_file.as_str();
    let at = |pos: Pos, msg: &str| format!("{file}:{}:{}: {msg}", pos.line, pos.col);
    // An editor's byte-order mark is not part of the YAML (Kubernetes skips it too).
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    // Nothing in a ChaosEngine is expanded from the environment: `${` is escaped before
    // the reader sees it, and comes back as written.
    let keep = |name: &str| Some(format!("${{{name}}}"));
    let escaped = text.replace("${", "$${");
    let parsed = parse_yaml(&escaped, &keep);
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
    // `<<: *defaults` merges as it does for kubectl
    let (root, overridden) = merge::resolve(&root, &escaped).map_err(|(pos, msg)| at(pos, &msg))?;
    let Some(mut top) = Fields::of(&root, "") else {
        return Err(at(
            root.pos,
            &format!(
                "expected a Litmus ChaosEngine (a mapping with apiVersion, kind and spec), found {}",
                root.describe()
            ),
        ));
    };
    match top.take("kind").map(|k| (k, k.as_text())) {
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
    let mut notes: Vec<String> = Vec::new();
    for o in overridden {
        notes.push(format!(
            "line {}: `{}` is written before a `<<` merge key that also sets it, so the merged value replaces it, as kubectl's YAML reader (go-yaml v2) reads it, and the scenario does the same; write `{}` after `<<` to keep it",
            o.pos.line,
            shown(&o.key),
            shown(&o.key)
        ));
    }
    match top.take("apiVersion") {
        Some(v) => {
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
        None => notes.push(
            "apiVersion: missing; Kubernetes refuses an object without one, so this engine as written never ran (a ChaosEngine is litmuschaos.io/v1alpha1); read as a ChaosEngine anyway".into(),
        ),
    }
    let Some(spec_node) = top
        .take("spec")
        .filter(|s| matches!(s.value, Value::Map(_)))
    else {
        return Err(at(
            root.pos,
            "the ChaosEngine has no `spec:` mapping; its experiments are listed under spec.experiments",
        ));
    };
    let Some(mut spec) = Fields::of(spec_node, "spec") else {
        return Err(at(spec_node.pos, "spec: expected a mapping"));
    };
    let experiments = match spec.take("experiments").map(|e| (e, &e.value)) {
        Some((_, Value::Seq(items))) if !items.is_empty() => items,
        Some((e, _)) => {
            return Err(at(
                e.pos,
                "spec.experiments: expected a list of experiments like `- name: pod-delete`, found none",
            ))
        }
        None => {
            return Err(at(
                spec_node.pos,
                "spec: no `experiments:`; the ChaosEngine runs nothing to import",
            ))
        }
    };

    let meta = top.take("metadata");
    // ChaosCenter writes `generateName` (`pod-delete-`, completed by Kubernetes with a
    // random suffix) instead of a name
    let named = |key: &str| {
        meta.and_then(|m| m.value_of(key))
            .and_then(Node::as_text)
            .filter(|n| !n.trim().is_empty())
    };
    let engine = match (named("name"), named("generateName")) {
        (Some(n), _) => EngineName::Name(one_line(n)),
        (None, Some(g)) => EngineName::Generated(one_line(g)),
        (None, None) => {
            notes.push(format!(
                "metadata.name: the engine has no name (nor a generateName); the scenario is named `{}`",
                render::scenario_name("")
            ));
            EngineName::None
        }
    };
    let meta_ns = meta
        .and_then(|m| m.value_of("namespace"))
        .and_then(Node::as_text)
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(refs) = meta
        .and_then(|m| m.value_of("annotations"))
        .and_then(|a| a.value_of("probeRef"))
        .and_then(Node::as_text)
    {
        notes.push(probe_ref(refs));
    }
    if let Some(s) = top.take("status") {
        notes.push(format!(
            "status ({}): the engine's last run, as Litmus recorded it; ignored",
            describe(s)
        ));
    }
    notes.extend(top.unread(&["apiVersion", "kind", "metadata", "spec", "status"]));

    // engine settings
    let mut panels: Vec<(Option<String>, String, String)> = Vec::new();
    let health = engine_settings(&mut spec, &mut notes, &mut panels);
    let version = litmus_version(experiments, meta);
    let appinfo = spec.take("appinfo");
    let mut target = Resolved {
        source: "spec.appinfo.applabel".into(),
        ..Resolved::default()
    };
    if let Some(a) = appinfo {
        match Fields::of(a, "spec.appinfo") {
            Some(mut af) => {
                let ns = af.set("appns");
                let label = af.set("applabel");
                target = targets::from_appinfo(ns, label, "spec.appinfo");
                notes.extend(target.notes.iter().cloned());
                if let Some(kind) = af.set("appkind") {
                    notes.push(format!(
                        "spec.appinfo.appkind `{}`: Litmus only targeted pods of a {}; gameday selects pods by label, whatever owns them",
                        shown(kind),
                        shown(kind)
                    ));
                }
                notes.extend(af.unread(&["appns", "applabel", "appkind"]));
            }
            None => notes.push(format!(
                "spec.appinfo ({}): not a mapping; ignored",
                describe(a)
            )),
        }
    }
    notes.extend(spec.unread(SPEC_FIELDS));

    // experiments
    let mut probes = Probes {
        version: version.clone(),
        ..Probes::default()
    };
    let mut faults = Vec::new();
    let mut health_checked = false;
    // notes that read the same for several experiments: (text, the experiments)
    let mut shared: Vec<(String, Vec<String>)> = Vec::new();
    let mut inert_targets: Vec<targets::Resolved> = Vec::new();
    for (i, exp) in experiments.iter().enumerate() {
        let at = format!("spec.experiments[{i}]");
        let Some(mut ef) = Fields::of(exp, at.clone()) else {
            notes.push(format!("{at} ({}): not a mapping; ignored", describe(exp)));
            continue;
        };
        let name = ef.text("name").unwrap_or("").trim().to_string();
        let espec = ef.take("spec");
        notes.extend(ef.unread(&["name", "spec"]));
        let mut sf = espec.and_then(|s| Fields::of(s, format!("{at}.spec")));
        let probe_list = sf.as_mut().and_then(|s| s.take("probe"));
        let components = sf.as_mut().and_then(|s| s.take("components"));
        if let Some(r) = sf.as_mut().and_then(|s| s.set("rank")) {
            notes.push(format!(
                "{at}.spec.rank={}: Litmus's order of the experiments; the scenario runs its faults in the order listed",
                shown(r)
            ));
        }
        if let Some(sf) = sf {
            notes.extend(sf.unread(&["components", "probe", "rank"]));
        }
        let probe_items: Vec<&Node> = match probe_list.map(|p| &p.value) {
            Some(Value::Seq(items)) => items.iter().collect(),
            Some(_) => {
                notes.push(format!(
                    "{at}.spec.probe: expected a list of probes; not mapped"
                ));
                Vec::new()
            }
            None => Vec::new(),
        };
        if name != "pod-delete" {
            let probe_names: Vec<String> = probe_items
                .iter()
                .map(|p| {
                    p.value_of("name")
                        .and_then(Node::as_text)
                        .map(|n| format!("`{}`", shown(n)))
                        .unwrap_or_else(|| "a probe".into())
                })
                .collect();
            notes.push(format!(
                "{at} `{}`: only pod-delete is mapped; write a `manifest` fault that applies a ChaosEngine for it{}",
                shown(&name),
                if probe_names.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (its probes {} are not mapped either: Litmus judged them during this experiment)",
                        probe_names.join(", ")
                    )
                }
            ));
            continue;
        }
        let env = components
            .map(|c| components_env(c, &format!("{at}.spec.components"), &mut notes))
            .unwrap_or_default();
        let pd = fault::pod_delete(&at, &env, &target, &version, &health, &mut notes);
        health_checked |= pd.health_checked;
        for body in pd.shared {
            match shared.iter_mut().find(|(b, _)| *b == body) {
                Some((_, ats)) => ats.push(at.clone()),
                None => shared.push((body, vec![at.clone()])),
            }
        }
        match pd.fault {
            Some(f) => faults.push(f),
            None => inert_targets.push(target.clone()),
        }
        for (j, p) in probe_items.into_iter().enumerate() {
            probes.probe(p, &format!("{at}.spec.probe[{j}]"));
        }
    }
    for (body, ats) in shared {
        notes.push(format!("{} pod-delete: {body}", ats.join(", ")));
    }
    probes.finish();
    notes.append(&mut probes.notes);
    if health_checked && probes.signals.is_empty() && !faults.is_empty() {
        notes.push(
            "with no probe mapped, the target pods' health was all Litmus judged this engine by; the scenario has no signal at all, so `gameday check` warns and `gameday run` refuses it until you add one (the `pods` signal above, or a probe of your service)".into(),
        );
    }
    if faults.len() > 1 && !probes.signals.is_empty() {
        notes.push(format!(
            "the engine runs {} pod-delete experiments, each judged by its own probes; gameday judges every signal from the first trigger to the end of recovery, whichever fault is active",
            faults.len()
        ));
    }
    unique_names(&mut probes.signals);

    // the namespace of `kubernetes:`
    let first_ns = faults
        .first()
        .map(|f| (f.target.namespace.clone(), f.target.source.clone()))
        .unwrap_or((target.namespace.clone(), target.source.clone()));
    let namespace = match first_ns {
        (Some(n), source) => Some(noted(
            n,
            if source.ends_with("applabel") {
                "spec.appinfo.appns".to_string()
            } else {
                source
            },
        )),
        (None, _) => match meta_ns {
            Some(n) if is_dns_label(n) => {
                notes.push(format!(
                    "the engine names no target namespace: the scenario uses metadata.namespace `{}`, where the engine itself lives",
                    shown(n)
                ));
                Some(noted(
                    n.to_string(),
                    "metadata.namespace: no target namespace in the engine",
                ))
            }
            _ => None,
        },
    };
    let kube_ns = namespace.as_ref().map(|n| n.value.clone());

    // the pod panels: what the faults target, what else Litmus targeted or watched
    let mut fault_panels: Vec<(Option<String>, String, String)> = Vec::new();
    let mut add = |ns: Option<String>, sel: String, note: String| {
        let ns = ns.filter(|n| Some(n) != kube_ns.as_ref());
        if !fault_panels.iter().any(|(n, s, _)| *n == ns && *s == sel) {
            fault_panels.push((ns, sel, note));
        }
    };
    for f in &faults {
        match &f.target.selector {
            Some(s) => add(
                f.target.namespace.clone(),
                s.clone(),
                f.target.source.clone(),
            ),
            None => add(
                f.target.namespace.clone(),
                "app=change-me".into(),
                "CHANGE-ME: the pods the fault targets".into(),
            ),
        }
        for (ns, s) in &f.target.also {
            add(
                ns.clone(),
                s.clone(),
                "Litmus targeted these pods too (see NOT MAPPED above)".into(),
            );
        }
    }
    if faults.is_empty() {
        if let Some(s) = &target.selector {
            add(target.namespace.clone(), s.clone(), target.source.clone());
        }
    }
    // experiments Litmus ran without deleting a pod still name pods worth watching
    for t in &inert_targets {
        if let Some(s) = &t.selector {
            add(t.namespace.clone(), s.clone(), t.source.clone());
        }
    }
    for (ns, s, note) in panels {
        add(ns, s, note);
    }

    // Prometheus
    let has_promql = probes
        .signals
        .iter()
        .any(|s| matches!(s.source, plan::Source::Promql { .. }));
    let prometheus = has_promql.then(|| prometheus(&mut probes, &mut notes));
    if !probes.in_cluster.is_empty() {
        notes.push(format!(
            "Litmus ran its probes inside the cluster; gameday probes from this machine, so {} must resolve and answer here (a port-forward, an ingress or a NodePort)",
            probes
                .in_cluster
                .iter()
                .map(|h| format!("`{}`", shown(h)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let phases = Phases::default();
    let notes: Vec<String> = notes.iter().map(|n| safe_line(n)).collect();
    let plan = Plan {
        engine,
        signals: probes.signals,
        prometheus,
        faults,
        namespace,
        panels: fault_panels,
        recovery: phases.recovery,
        baseline: phases.baseline,
        notes,
    };
    let text = render::render(&plan, modeline, file);
    if text.len() > MAX_BYTES {
        return Err(too_big(file, &text, &plan));
    }
    // The importer's promise: what it writes is a scenario `gameday check` accepts.
    let none = |_: &str| None;
    if let Err(problems) = crate::scenario::parse_str(&text, file, Path::new("."), &none) {
        return Err(format!(
            "{file}:1:1: the scenario imported from this engine does not pass `gameday check` (a bug in gameday import litmus; please report it): {}",
            problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default()
        ));
    }
    Ok(Imported {
        text,
        unmapped: plan.notes,
    })
}

/// The error for a scenario over gameday's size limit, naming what made it so large.
fn too_big(file: &str, text: &str, plan: &Plan) -> String {
    let mib = |n: usize| format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0));
    let listed: usize = plan.notes.iter().map(|n| n.len() + 6).sum();
    let signals: usize = plan
        .signals
        .iter()
        .map(|s| {
            s.name.len()
                + s.heading.len()
                + match &s.source {
                    plan::Source::Promql { query } => query.len(),
                    plan::Source::Http { url, .. } => url.len(),
                }
        })
        .sum();
    let cause = if listed >= signals {
        format!(
            "the {} differences listed at its top take {} (every env entry, key and probe the importer cannot map is listed with what it meant)",
            plan.notes.len(),
            mib(listed)
        )
    } else {
        format!(
            "the {} signals, their probe names and queries, take {}",
            plan.signals.len(),
            mib(signals)
        )
    };
    format!(
        "{file}:1:1: the scenario imported from this engine would be {} ({} bytes), over gameday's limit for a scenario (1 MiB): {cause}; split the engine's experiments into engines of their own and import each",
        mib(text.len()),
        text.len()
    )
}

/// Litmus 3 keeps its resilience probes in ChaosCenter and names them in an annotation.
fn probe_ref(refs: &str) -> String {
    let listed = serde_json::from_str::<Vec<serde_json::Value>>(refs)
        .ok()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    format!(
                        "`{}` (mode {})",
                        shown(i["name"].as_str().unwrap_or("?")),
                        shown(i["mode"].as_str().unwrap_or("?"))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| format!("`{}`", shown(refs)));
    format!(
        "metadata.annotations.probeRef: Litmus 3 ran the resilience probes {listed}, defined in ChaosCenter rather than in this file; not mapped: add them as steady_state signals"
    )
}

/// The engine-level settings gameday has no counterpart for, as notes; the apps of
/// `auxiliaryAppInfo` as pod panels.
fn engine_settings(
    spec: &mut Fields,
    notes: &mut Vec<String>,
    panels: &mut Vec<(Option<String>, String, String)>,
) -> Health {
    match spec.set("engineState") {
        None | Some("active") => {}
        Some("stop") => notes.push(
            "spec.engineState `stop`: Litmus does not run a stopped engine; the scenario runs it"
                .into(),
        ),
        Some(other) => notes.push(format!(
            "spec.engineState `{}`: not active or stop; ignored",
            shown(other)
        )),
    }
    if let Some(sa) = spec.take("chaosServiceAccount") {
        notes.push(format!(
            "spec.chaosServiceAccount ({}): the account Litmus's experiment pods acted as; gameday acts with your kubeconfig's credentials (`gameday plan` checks them; assets/rbac.yaml is a least-privilege role)",
            describe(sa)
        ));
    }
    match spec.set("annotationCheck") {
        Some("true") => notes.push(
            "spec.annotationCheck `true`: Litmus only targeted pods whose owner is annotated litmuschaos.io/chaos=\"true\"; gameday does not look at annotations: the selector alone chooses the pods".into(),
        ),
        None | Some("false") => {}
        Some(other) => notes.push(format!(
            "spec.annotationCheck `{}`: not true or false; ignored",
            shown(other)
        )),
    }
    // Litmus checks the target pods are Running before and after the chaos unless told
    // not to (DEFAULT_APP_HEALTH_CHECK, true by default); the pod-delete notes say so
    let mut health = Health {
        on: true,
        source: "spec.defaultHealthCheck not set: true by default".into(),
    };
    for key in ["defaultHealthCheck", "defaultAppHealthCheck"] {
        let Some(v) = spec.take(key) else { continue };
        let text = v.as_text().unwrap_or("");
        // a boolean field: kubectl reads YAML 1.1 words too
        let on = match text {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
                Some(true)
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
            | "N" => Some(false),
            _ => None,
        };
        match on {
            Some(on) => {
                health = Health {
                    on,
                    source: format!("spec.{key}: {}", shown(text)),
                }
            }
            None => notes.push(format!(
                "spec.{key} ({}): not a boolean, so Kubernetes refuses the engine as written; read as unset (true)",
                describe(v)
            )),
        }
    }
    if let Some(v) = spec.take("jobCleanUpPolicy") {
        notes.push(format!(
            "spec.jobCleanUpPolicy ({}): what Litmus did with its experiment jobs; gameday runs no jobs",
            describe(v)
        ));
    }
    match spec.set("monitoring") {
        None | Some("false") => {}
        Some(v) => notes.push(format!(
            "spec.monitoring `{}`: Litmus exported chaos metrics; gameday writes its journal and report instead",
            shown(v)
        )),
    }
    if let Some(v) = spec.take("components") {
        notes.push(format!(
            "spec.components ({}): settings of Litmus's chaos-runner pod; gameday runs no runner",
            describe(v)
        ));
    }
    if let Some(v) = spec.take("terminationGracePeriodSeconds") {
        notes.push(format!(
            "spec.terminationGracePeriodSeconds ({}): the grace period of Litmus's own chaos pods; not used",
            describe(v)
        ));
    }
    if let Some(v) = spec.take("chaosType") {
        notes.push(format!(
            "spec.chaosType ({}): Litmus 1.0's app or infra flag; not used",
            describe(v)
        ));
    }
    if let Some(v) = spec.take("selectors") {
        notes.push(format!(
            "spec.selectors ({}): Litmus's workload and pod selectors; not mapped: the scenario targets spec.appinfo or TARGETS",
            describe(v)
        ));
    }
    if let Some(aux) = spec.set("auxiliaryAppInfo") {
        let mut shown_as_panels = Vec::new();
        for item in aux.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once(':') {
                Some((ns, sel))
                    if is_dns_label(ns.trim()) && validate_selector(sel.trim()).is_ok() =>
                {
                    panels.push((
                        Some(ns.trim().to_string()),
                        sel.trim().to_string(),
                        "spec.auxiliaryAppInfo: watched only".into(),
                    ));
                    shown_as_panels.push(item);
                }
                _ => notes.push(format!(
                    "spec.auxiliaryAppInfo entry `{}`: not NAMESPACE:LABEL; not mapped",
                    shown(item)
                )),
            }
        }
        if !shown_as_panels.is_empty() {
            notes.push(format!(
                "spec.auxiliaryAppInfo `{}`: Litmus checked these apps were running before and after the chaos; the scenario shows them in `pods` panels and judges nothing about them",
                shown(&shown_as_panels.join(","))
            ));
        }
    }
    health
}

/// Which Litmus the engine was written for, from what only one version has: Litmus 3's
/// `probeRef` annotation, `TARGETS` env and run properties (`attempt`, `initialDelay`,
/// durations with a unit such as `5s`); Litmus 1.0's `components:` list; Litmus 1 and 2's
/// run properties in whole seconds (`probeTimeout: 5`) and `initialDelaySeconds`.
fn litmus_version(experiments: &[Node], meta: Option<&Node>) -> Version {
    let mut v3: Option<String> = meta
        .and_then(|m| m.value_of("annotations"))
        .and_then(|a| a.value_of("probeRef"))
        .map(|_| "the probeRef annotation".to_string());
    let mut v2: Option<String> = None;
    let mut v1: Option<String> = None;
    for exp in experiments {
        let Some(spec) = exp.value_of("spec") else {
            continue;
        };
        match spec.value_of("components").map(|c| &c.value) {
            Some(Value::Seq(items)) => {
                v1.get_or_insert_with(|| "the components: list".into());
                if items
                    .iter()
                    .any(|i| i.value_of("name").and_then(Node::as_text) == Some("TARGETS"))
                {
                    v3.get_or_insert_with(|| "the TARGETS env".into());
                }
            }
            Some(Value::Map(_)) => {
                let env = spec.value_of("components").and_then(|c| c.value_of("env"));
                if let Some(Value::Seq(items)) = env.map(|e| &e.value) {
                    if items
                        .iter()
                        .any(|i| i.value_of("name").and_then(Node::as_text) == Some("TARGETS"))
                    {
                        v3.get_or_insert_with(|| "the TARGETS env".into());
                    }
                }
            }
            _ => {}
        }
        let Some(Value::Seq(probes)) = spec.value_of("probe").map(|p| &p.value) else {
            continue;
        };
        for p in probes {
            let Some(run) = p.value_of("runProperties") else {
                continue;
            };
            for key in ["attempt", "initialDelay", "evaluationTimeout", "verbosity"] {
                if run.value_of(key).is_some() {
                    v3.get_or_insert_with(|| format!("runProperties `{key}`"));
                }
            }
            if run.value_of("initialDelaySeconds").is_some() {
                v2.get_or_insert_with(|| "runProperties `initialDelaySeconds`".into());
            }
            for key in ["probeTimeout", "interval", "probePollingInterval"] {
                let Some(t) = run.value_of(key).and_then(Node::as_text).map(str::trim) else {
                    continue;
                };
                if t.is_empty() {
                    continue;
                }
                if t.bytes().all(|b| b.is_ascii_digit()) {
                    v2.get_or_insert_with(|| {
                        format!("runProperties `{key}: {}` in whole seconds", shown(t))
                    });
                } else {
                    v3.get_or_insert_with(|| {
                        format!("runProperties `{key}: {}` with a unit", shown(t))
                    });
                }
            }
        }
    }
    match (v3, v1, v2) {
        (Some(why), _, _) => Version {
            major: Some(3),
            why,
        },
        (None, Some(why), _) => Version {
            major: Some(1),
            why,
        },
        (None, None, Some(why)) => Version {
            major: Some(2),
            why,
        },
        (None, None, None) => Version::default(),
    }
}

/// The env of an experiment's `components`: the list itself (Litmus 1.0) or its `env`.
fn components_env(c: &Node, at: &str, notes: &mut Vec<String>) -> Env {
    let list = match &c.value {
        Value::Seq(_) => Some(c),
        Value::Map(_) => {
            let Some(mut cf) = Fields::of(c, at) else {
                return Env::new();
            };
            let env = cf.take("env");
            for misplaced in ["probe", "probes"] {
                if let Some(p) = cf.take(misplaced) {
                    let names: Vec<String> = match &p.value {
                        Value::Seq(items) => items
                            .iter()
                            .map(|i| {
                                i.value_of("name")
                                    .and_then(Node::as_text)
                                    .map(|n| format!("`{}`", shown(n)))
                                    .unwrap_or_else(|| "a probe".into())
                            })
                            .collect(),
                        _ => vec![describe(p)],
                    };
                    notes.push(format!(
                        "{at}.{misplaced} ({}): probes in the wrong place: Litmus reads probes only at spec.experiments[].spec.probe, so these never ran; not mapped (move them there to import them)",
                        names.join(", ")
                    ));
                }
            }
            for key in [
                "configMaps",
                "secrets",
                "experimentAnnotations",
                "experimentImage",
                "experimentImagePullSecrets",
                "nodeSelector",
                "statusCheckTimeouts",
                "resources",
                "tolerations",
            ] {
                if let Some(v) = cf.take(key) {
                    notes.push(format!(
                        "{at}.{key} ({}): a setting of Litmus's experiment pod; gameday runs no experiment pod",
                        describe(v)
                    ));
                }
            }
            notes.extend(cf.unread(&["env"]));
            env
        }
        _ => None,
    };
    let Some(Node {
        value: Value::Seq(items),
        ..
    }) = list
    else {
        if let Some(l) = list {
            notes.push(format!(
                "{at}.env ({}): expected a list of name/value pairs; not mapped",
                describe(l)
            ));
        }
        return Env::new();
    };
    let mut env = Env::new();
    for (k, item) in items.iter().enumerate() {
        let Some(mut f) = Fields::of(item, format!("{at} env[{k}]")) else {
            notes.push(format!(
                "{at} env[{k}] ({}): expected name and value; ignored",
                describe(item)
            ));
            continue;
        };
        let Some(name) = f.text("name").map(|n| n.trim().to_string()) else {
            notes.push(format!("{at} env[{k}]: no name; ignored"));
            continue;
        };
        let value = f.take("value").map(|v| match &v.value {
            Value::Scalar { text, .. } => EnvValue::Text(text.clone()),
            _ => EnvValue::NotText(describe(v)),
        });
        let from = f.take("valueFrom");
        notes.extend(f.unread(&["name", "value", "valueFrom"]));
        match (value, from) {
            (Some(v), _) => env.push((name, v)),
            (None, Some(_)) => env.push((name, EnvValue::FromRef)),
            (None, None) => env.push((name, EnvValue::Text(String::new()))),
        }
    }
    env
}

/// The `prometheus:` section for the mapped promql signals.
fn prometheus(probes: &mut Probes, notes: &mut Vec<String>) -> PromPlan {
    let url = probes
        .prom_url
        .as_ref()
        .map(|(u, from)| noted(u.clone(), format!("promProbe endpoint of {from}")));
    let interval = match probes.prom_polls.as_slice() {
        [] => None,
        [(_, d), rest @ ..] if rest.iter().all(|(_, r)| r == d) => Some(noted(
            *d,
            "runProperties.probePollingInterval of the promProbes",
        )),
        all => {
            let min = all.iter().map(|(_, d)| *d).min().unwrap_or_default();
            notes.push(format!(
                "promProbes poll at different intervals ({}); gameday samples every promql signal at `prometheus.interval`, set to the shortest, {}",
                all.iter()
                    .map(|(w, d)| format!("{w}: {}", crate::units::duration::format_duration(*d)))
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::units::duration::format_duration(min)
            ));
            Some(noted(
                min,
                "the shortest probePollingInterval of the promProbes",
            ))
        }
    };
    let timeout = match probes.prom_timeouts.as_slice() {
        [] => None,
        [(_, d), rest @ ..] if rest.iter().all(|(_, r)| r == d) => {
            Some(noted(*d, "runProperties.probeTimeout of the promProbes"))
        }
        all => {
            let max = all.iter().map(|(_, d)| *d).max().unwrap_or_default();
            notes.push(format!(
                "promProbes have different probeTimeouts; gameday has one `prometheus.timeout`, set to the longest, {}",
                crate::units::duration::format_duration(max)
            ));
            Some(noted(max, "the longest probeTimeout of the promProbes"))
        }
    };
    PromPlan {
        url,
        interval,
        timeout,
        insecure: probes.prom_insecure.take(),
    }
}

/// Signal names are unique in a scenario: a repeated probe name gets ` (2)`.
fn unique_names(signals: &mut [plan::SignalPlan]) {
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

trait ValueOf {
    fn value_of(&self, key: &str) -> Option<&Node>;
}

impl ValueOf for Node {
    /// The value of `key` in a mapping, without counting it as read.
    fn value_of(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v)
                .filter(|v| !v.is_null()),
            _ => None,
        }
    }
}
