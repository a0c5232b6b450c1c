//! Reading a scenario file into a [`Scenario`], reporting every problem with its position.
//!
//! Validation never stops at the first problem: an engineer fixing a file before a game
//! day wants the whole list at once. Each problem points at the key or value to change.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use super::model::*;
use crate::cluster::selector::is_dns_label;
use crate::cluster::selector::{namespace, selector};
use crate::faults::KINDS;
use crate::units::criterion::parse_criterion;
use crate::units::duration::format_duration;
use crate::yaml::read::*;
use crate::yaml::{parse_yaml, Node, Pos, Value, MAX_BYTES};

/// One problem in a scenario file, shown as `FILE:LINE:COL: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based
    pub line: usize,
    /// 1-based
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // one problem, one line: a message quotes what the file holds, and a file can
        // hold escape sequences and line breaks
        write!(
            f,
            "{}:{}:{}: {}",
            crate::text::visible(&self.file),
            self.line,
            self.col,
            crate::text::visible(&self.message)
        )
    }
}

/// Reads and checks the scenario at `path`; `env` resolves `${VAR}`.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Scenario, Vec<Problem>> {
    load_with_text(path, env).map(|(s, _)| s)
}

/// [`load`], and the text it was read from: a run journals and hashes exactly the bytes
/// it checked, never a second read of a file that may have changed in between.
pub fn load_with_text(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Scenario, String), Vec<Problem>> {
    let file = path.display().to_string();
    let at_start = |message: String| {
        vec![Problem {
            file: file.clone(),
            line: 1,
            col: 1,
            message,
        }]
    };
    // A regular file only (a FIFO would hang, /dev/zero never ends), its size checked
    // before reading it into memory, and read through a bounded reader.
    let bytes = crate::files::read_regular(path, MAX_BYTES as u64, "scenarios").map_err(|e| {
        at_start(match e {
            crate::files::ReadError::TooBig { len, .. } => {
                format!("scenario is {len} bytes; the limit is 1 MiB")
            }
            crate::files::ReadError::Open { source, .. } => {
                format!("cannot read the scenario: {source}")
            }
            other => format!("cannot read the scenario: {other}"),
        })
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let good = String::from_utf8_lossy(good);
            let line = good.matches('\n').count() + 1;
            let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(vec![Problem {
                file,
                line,
                col,
                message: "the scenario is not valid UTF-8; save it as UTF-8 text".into(),
            }]);
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    // a scenario about to be run (check, plan, run) must also pass what a scenario read
    // back from a journal need not (see `admit`)
    let scenario = parse_checked(&text, &file, base, env, true)?;
    Ok((scenario, text))
}

/// Checks `text` as if it were the file `file` in directory `base_dir`.
pub fn parse_str(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scenario, Vec<Problem>> {
    parse_checked(text, file, base_dir, env, false)
}

/// [`parse_str`]; `to_run`: with [`super::admit::admit`]'s refusals and warnings too.
fn parse_checked(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    to_run: bool,
) -> Result<Scenario, Vec<Problem>> {
    let parsed = parse_yaml(text, env);
    let mut cx = Ctx {
        problems: parsed.problems,
        warnings: Vec::new(),
        base_dir,
    };
    let scenario = match &parsed.root {
        Some(root) => scenario(&mut cx, root),
        None if cx.problems.is_empty() => {
            cx.err(
                Pos { line: 1, col: 1 },
                "the scenario is empty; it needs at least `name` and `hypothesis`",
            );
            None
        }
        None => None,
    };
    if to_run && parsed.root.is_some() {
        let (problems, warnings) = super::admit::admit(text, env);
        cx.problems.extend(problems);
        cx.warnings.extend(warnings);
    }
    let mut problems = cx.problems;
    let mut warnings = cx.warnings;
    super::admit::name_url_variables(text, &mut problems);
    // messages quote values as expanded: never a secret from the environment
    super::admit::hide_secrets(text, env, &mut problems);
    super::admit::hide_secrets(text, env, &mut warnings);
    match scenario {
        Some(mut s) if problems.is_empty() => {
            warnings.sort_by_key(|(pos, _)| *pos);
            warnings.dedup();
            s.warnings = warnings
                .into_iter()
                .map(|(pos, message)| {
                    Problem {
                        file: file.to_string(),
                        line: pos.line,
                        col: pos.col,
                        message: format!("warning: {message}"),
                    }
                    .to_string()
                })
                .collect();
            Ok(s)
        }
        _ => {
            problems.sort_by_key(|(pos, _)| *pos);
            problems.dedup();
            Err(problems
                .into_iter()
                .map(|(pos, message)| Problem {
                    file: file.to_string(),
                    line: pos.line,
                    col: pos.col,
                    message,
                })
                .collect())
        }
    }
}

/// A name shown on terminals, in headless lines and in the report (a signal, a fault, an
/// alert): no line breaks, no control characters, no bidirectional overrides. A name is
/// also how the journal, the report and the charts refer to it, so it is refused rather
/// than cleaned.
fn name_text(cx: &mut Ctx, f: &Fields, key: &str, hint: &str) -> Option<String> {
    let name = required_text(cx, f, key, hint)?;
    if let Some((i, c)) = crate::text::unsafe_in_name(&name) {
        cx.err(
            f.get(key).map_or(f.pos, |n| n.pos),
            format!(
                "{}: holds {} at character {}; names are shown on terminals and in reports, \
                 so they must be one line of printable text: remove it",
                f.path_of(key),
                crate::text::describe_char(c),
                i + 1
            ),
        );
        return None;
    }
    Some(name)
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "owner",
    "hypothesis",
    "interval",
    "prometheus",
    "kubernetes",
    "grafana",
    "notify",
    "steady_state",
    "pods",
    "alerts",
    "milestones",
    "faults",
    "safety",
    "phases",
];

fn scenario(cx: &mut Ctx, root: &Node) -> Option<Scenario> {
    let f = fields(cx, root, "", TOP_KEYS)?;
    let name = required_text(
        cx,
        &f,
        "name",
        "a short id like redis-pod-delete, [a-z0-9-]+",
    );
    if let Some(n) = &name {
        let pos = f.get("name").map_or(f.pos, |n| n.pos);
        if n.len() > 63 {
            cx.err(
                pos,
                format!(
                    "name: is {} characters; at most 63, it names the run directory",
                    n.len()
                ),
            );
        } else if !n
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            let fixed: String = n
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            cx.err(
                pos,
                format!("name: `{n}` may hold only a-z, 0-9 and -, it names the run directory; e.g. `{fixed}`"),
            );
        }
    }
    let description = text(cx, &f, "description");
    let owner = text(cx, &f, "owner");
    let hypothesis = required_text(
        cx,
        &f,
        "hypothesis",
        "say in plain words what you expect to happen and why",
    );
    let interval = duration(cx, &f, "interval").unwrap_or(Duration::from_secs(5));
    if interval.is_zero() {
        cx.err(
            f.get("interval").map_or(f.pos, |n| n.pos),
            "interval: must be more than 0s",
        );
    }

    let prometheus = f
        .get("prometheus")
        .and_then(|n| prometheus(cx, n, interval));
    if f.entry("prometheus").is_some() && f.absent("prometheus") {
        cx.err(
            f.key_pos("prometheus"),
            "prometheus: is empty; give at least its url, e.g. { url: http://localhost:9090 }",
        );
    }
    // `kubernetes:` with nothing after it means what `kubernetes: {}` means: the
    // kubeconfig's current context and namespace.
    let kubernetes = if f.entry("kubernetes").is_some() && f.absent("kubernetes") {
        Some(Kubernetes {
            context: None,
            namespace: None,
        })
    } else {
        f.get("kubernetes").and_then(|n| kubernetes(cx, n))
    };
    let grafana = f.get("grafana").and_then(|n| grafana(cx, n));
    let notify = super::notify::parse(cx, &f);
    let has_prom = f.entry("prometheus").is_some();
    let has_kube = f.entry("kubernetes").is_some();
    let prom_interval = prometheus.as_ref().map_or(interval, |p| p.interval);

    let mut steady_state = Vec::new();
    let mut signal_pos = Vec::new();
    let mut seen = Vec::<(String, Pos)>::new();
    for (i, n) in list(cx, &f, "steady_state", "signals").iter().enumerate() {
        let path = format!("steady_state[{i}]");
        if let Some(s) = signal(cx, n, &path, interval, prom_interval, has_prom, has_kube) {
            signal_pos.push(n.pos);
            if let Some((_, first)) = seen.iter().find(|(name, _)| *name == s.name) {
                let pos = name_pos(n);
                cx.err(pos, format!("{path}: a signal named `{}` already exists (line {}); signal names must be unique", s.name, first.line));
            } else {
                seen.push((s.name.clone(), name_pos(n)));
            }
            steady_state.push(s);
        } else {
            unread(cx, n, &path);
        }
    }

    let mut pods = Vec::new();
    let pod_items = list(cx, &f, "pods", "pod panels like {selector: app=api}");
    if !pod_items.is_empty() && !has_kube {
        cx.err(
            f.key_pos("pods"),
            "pods: the pod panel needs a `kubernetes:` section; add one (context, namespace)",
        );
    }
    for (i, n) in pod_items.iter().enumerate() {
        let path = format!("pods[{i}]");
        if let Some(pf) = fields(cx, n, &path, &["selector", "namespace"]) {
            let sel = selector(cx, &pf, "selector");
            let ns = namespace(cx, &pf, "namespace");
            if let Some(selector) = sel {
                pods.push(PodPanel {
                    selector,
                    namespace: ns,
                });
            }
        }
    }

    let mut alerts = Vec::new();
    let alert_items = list(
        cx,
        &f,
        "alerts",
        "alerts like {name: RedisDown, within: 2m}",
    );
    if !alert_items.is_empty() && !has_prom {
        cx.err(f.key_pos("alerts"), "alerts: expected alerts are read from Prometheus; add a `prometheus:` section with its url");
    }
    for (i, n) in alert_items.iter().enumerate() {
        let path = format!("alerts[{i}]");
        if let Some(af) = fields(cx, n, &path, &["name", "within"]) {
            let name = name_text(cx, &af, "name", "the alert name as Prometheus shows it");
            let within = duration(cx, &af, "within");
            if af.absent("within") {
                cx.err(af.pos, format!("{path}: `within` is required: how soon after the first trigger the alert must fire, e.g. 2m"));
            }
            if within.is_some_and(|w| w.is_zero()) {
                cx.err(
                    af.key_pos("within"),
                    format!("{path}.within: must be more than 0s: no alert fires at the very moment of the trigger"),
                );
            }
            if let Some(dup) = &name {
                if alerts.iter().any(|a: &AlertExpectation| &a.name == dup) {
                    cx.err(
                        name_pos(n),
                        format!(
                            "{path}: the alert `{dup}` is already expected; give each alert once"
                        ),
                    );
                }
            }
            if let (Some(name), Some(within)) = (name, within) {
                alerts.push(AlertExpectation { name, within });
                continue;
            }
        }
        unread(cx, n, &path);
    }

    let safety = f
        .get("safety")
        .map_or_else(Safety::default, |n| safety(cx, n));
    let phases = f
        .get("phases")
        .map_or_else(Phases::default, |n| phases(cx, n));

    let mut faults = Vec::new();
    let mut seen = Vec::<(String, Pos)>::new();
    for (i, n) in list(cx, &f, "faults", "faults").iter().enumerate() {
        let path = format!("faults[{i}]");
        if let Some(fault) = fault(cx, n, &path, &safety, has_kube) {
            if let Some((_, first)) = seen.iter().find(|(name, _)| *name == fault.name) {
                cx.err(name_pos(n), format!("{path}: a fault named `{}` already exists (line {}); fault names must be unique", fault.name, first.line));
            } else {
                seen.push((fault.name.clone(), name_pos(n)));
            }
            faults.push(fault);
        } else {
            unread(cx, n, &path);
        }
    }

    let least_run = (!faults.is_empty())
        .then(|| faults.iter().map(|f| f.duration).sum::<Duration>() + phases.recovery);
    let milestones = super::milestones::parse(cx, &f, least_run);

    let alert_pos: Vec<Pos> = alert_items.iter().map(|n| n.pos).collect();
    judging_warnings(
        cx,
        &steady_state,
        &signal_pos,
        &alerts,
        &alert_pos,
        &faults,
        &phases,
    );

    Some(Scenario {
        warnings: Vec::new(),
        name: name?,
        description,
        owner,
        hypothesis: hypothesis?,
        interval,
        prometheus,
        kubernetes,
        grafana,
        notify,
        steady_state,
        pods,
        alerts,
        milestones,
        faults,
        safety,
        phases,
    })
}

/// What is valid but will not judge what it seems to: each is a verdict that can only come
/// out one way, or figures that lag the truth.
fn judging_warnings(
    cx: &mut Ctx,
    signals: &[Signal],
    signal_pos: &[Pos],
    alerts: &[AlertExpectation],
    alert_pos: &[Pos],
    faults: &[Fault],
    phases: &Phases,
) {
    use crate::units::duration::format_duration as short;
    for (s, pos) in signals.iter().zip(signal_pos) {
        let SignalSource::Http {
            timeout,
            measure,
            window,
            ..
        } = &s.source
        else {
            continue;
        };
        if *measure != Measure::ErrorRate {
            for c in [&s.expect, &s.abort].into_iter().flatten() {
                let below = matches!(c.op, Op::Lt | Op::Le);
                if c.op == Op::Ne && c.value >= timeout.as_secs_f64() {
                    // an answer that slow is a failed probe (+Inf): the value can never be it
                    cx.warn(
                        *pos,
                        format!(
                            "`{}`: `{}` can never be seen: the probe timeout is {}, and an answer slower than the timeout is a failed probe (+Inf), so the value is never {} and this always holds; raise `timeout` above {} or use another criterion",
                            s.name,
                            c.text,
                            short(*timeout),
                            short(Duration::from_secs_f64(c.value)),
                            short(Duration::from_secs_f64(c.value))
                        ),
                    );
                }
                if below && c.value >= timeout.as_secs_f64() {
                    cx.warn(
                        *pos,
                        format!(
                            "`{}`: `{}` is not below the probe timeout ({}): an answer slower than the timeout is a failed probe, so only failed probes can break it; raise `timeout` above {}",
                            s.name,
                            c.text,
                            short(*timeout),
                            short(Duration::from_secs_f64(c.value))
                        ),
                    );
                }
            }
        }
        if s.expect.is_some() && phases.recovery <= *window {
            cx.warn(
                *pos,
                format!(
                    "`{}`: phases.recovery ({}) is not longer than its window ({}): every value of the recovery still counts probes from the fault, so it may not look recovered by the end; make the recovery longer or the window shorter",
                    s.name,
                    short(phases.recovery),
                    short(*window)
                ),
            );
        }
    }
    for (s, pos) in signals.iter().zip(signal_pos) {
        if s.interval >= phases.baseline {
            cx.warn(
                *pos,
                format!(
                    "`{}`: its interval ({}) is not shorter than phases.baseline ({}): no sample may be taken in the baseline, so it has no baseline figure and the steady state cannot be seen before the trigger; make the baseline longer or the interval shorter",
                    s.name,
                    short(s.interval),
                    short(phases.baseline)
                ),
            );
        }
    }
    let least_run: Duration = faults.iter().map(|f| f.duration).sum::<Duration>() + phases.recovery;
    for (s, pos) in signals.iter().zip(signal_pos) {
        if s.expect.is_some() && !faults.is_empty() && s.tolerate >= least_run {
            cx.warn(
                *pos,
                format!(
                    "`{}`: tolerate ({}) is not shorter than the faults and the recovery together ({}): only a violation still open at the end can refute it",
                    s.name,
                    short(s.tolerate),
                    short(least_run)
                ),
            );
        }
    }
    if phases.recovery.is_zero() && !faults.is_empty() {
        cx.warn(
            Pos { line: 1, col: 1 },
            "phases.recovery is 0s: nothing is watched after the last revert, so nobody sees whether the system came back and \"after recovery\" is read during the fault",
        );
    }
    for (a, pos) in alerts.iter().zip(alert_pos) {
        if !faults.is_empty() && a.within > least_run {
            cx.warn(
                *pos,
                format!(
                    "alert `{}`: `within: {}` may outlast the run (faults {} + recovery {}): if it has not fired by the end, the verdict is INCONCLUSIVE, not REFUTED; lengthen phases.recovery",
                    a.name,
                    short(a.within),
                    short(least_run - phases.recovery),
                    short(phases.recovery)
                ),
            );
        }
    }
}

/// A list item that could not be read must never vanish from a scenario that is
/// otherwise valid: a dropped fault or criterion would make the game day look safer or
/// greener than the file says. Every path that drops an item should have said why; this
/// is the net under the ones that forgot.
fn unread(cx: &mut Ctx, n: &Node, path: &str) {
    if cx.problems.is_empty() {
        cx.err(
            n.pos,
            format!("{path}: could not be read; check that every required key has a value"),
        );
    }
}

/// Where a list item's `name:` value is, for "already exists" messages.
fn name_pos(n: &Node) -> Pos {
    if let Value::Map(entries) = &n.value {
        if let Some((_, v)) = entries.iter().find(|(k, _)| k.name == "name") {
            return v.pos;
        }
    }
    n.pos
}

fn prometheus(cx: &mut Ctx, n: &Node, default_interval: Duration) -> Option<Prometheus> {
    let f = fields(
        cx,
        n,
        "prometheus",
        &[
            "url",
            "interval",
            "timeout",
            "bearer_token_file",
            "bearer_token_env",
            "basic_auth",
            "headers",
            "tls",
        ],
    )?;
    let url = http_url(cx, &f, "url", true);
    let interval = duration(cx, &f, "interval").unwrap_or(default_interval);
    let timeout = duration(cx, &f, "timeout").unwrap_or(Duration::from_secs(10));
    for (k, d) in [("interval", interval), ("timeout", timeout)] {
        if d.is_zero() {
            cx.err(
                f.key_pos(k),
                format!("prometheus.{k}: must be more than 0s"),
            );
        }
    }
    let bearer_token_file = text(cx, &f, "bearer_token_file").map(|p| cx.base_dir.join(p));
    let bearer_token_env = text(cx, &f, "bearer_token_env");
    if f.has("bearer_token_file") && f.has("bearer_token_env") {
        cx.err(
            f.key_pos("bearer_token_env"),
            "prometheus: has both `bearer_token_file` and `bearer_token_env`; give one",
        );
    }
    let basic_auth = f.get("basic_auth").and_then(|n| {
        let bf = fields(
            cx,
            n,
            "prometheus.basic_auth",
            &["username", "password_env", "password_file"],
        )?;
        let username = required_text(cx, &bf, "username", "the user to authenticate as");
        let kind = one_of(
            cx,
            &bf,
            &["password_env", "password_file"],
            "password source",
        );
        let password_env = text(cx, &bf, "password_env");
        let password_file = text(cx, &bf, "password_file").map(|p| cx.base_dir.join(p));
        let kind = kind?;
        // `password_env:` with nothing after it would authenticate with no password.
        if password_env.is_none() && password_file.is_none() && bf.absent(kind) {
            cx.err(
                bf.key_pos(kind),
                format!("prometheus.basic_auth.{kind}: is empty; name the environment variable or file that holds the password"),
            );
            return None;
        }
        Some(BasicAuth {
            username: username?,
            password_env,
            password_file,
        })
    });
    // reqwest sends a URL's user info as Basic auth, over whatever `basic_auth` or the
    // bearer token says: one of the two would be ignored without a word
    let url_has_userinfo = url.as_deref().is_some_and(|u| {
        let authority = u.split_once("://").map_or("", |(_, rest)| rest);
        authority
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|a| a.contains('@'))
    });
    let other_auth = ["basic_auth", "bearer_token_file", "bearer_token_env"]
        .into_iter()
        .find(|k| f.has(k));
    if let (true, Some(other)) = (url_has_userinfo, other_auth) {
        cx.err(
            f.get("url").map_or(f.pos, |n| n.pos),
            format!(
                "prometheus.url: holds a user name and password (user:…@host) and \
                 prometheus.{other} is set too; the URL's would silently win. Give the \
                 credentials once: in basic_auth, with password_env or password_file"
            ),
        );
    }
    if f.has("basic_auth") && (f.has("bearer_token_file") || f.has("bearer_token_env")) {
        cx.err(
            f.key_pos("basic_auth"),
            "prometheus: has both a bearer token and `basic_auth`; give one",
        );
    }
    let headers = string_map(cx, &f, "headers");
    let tls = match f.get("tls") {
        None => Tls::default(),
        Some(n) => match fields(
            cx,
            n,
            "prometheus.tls",
            &["ca_file", "insecure_skip_verify"],
        ) {
            None => Tls::default(),
            Some(tf) => Tls {
                ca_file: text(cx, &tf, "ca_file").map(|p| cx.base_dir.join(p)),
                insecure_skip_verify: boolean(cx, &tf, "insecure_skip_verify").unwrap_or(false),
            },
        },
    };
    Some(Prometheus {
        url: url?,
        interval,
        timeout,
        bearer_token_file,
        bearer_token_env,
        basic_auth,
        headers,
        tls,
    })
}

fn kubernetes(cx: &mut Ctx, n: &Node) -> Option<Kubernetes> {
    let f = fields(cx, n, "kubernetes", &["context", "namespace"])?;
    Some(Kubernetes {
        context: text(cx, &f, "context"),
        namespace: namespace(cx, &f, "namespace"),
    })
}

fn grafana(cx: &mut Ctx, n: &Node) -> Option<Grafana> {
    let f = fields(cx, n, "grafana", &["url", "token_env"])?;
    let url = http_url(cx, &f, "url", true);
    let token_env = text(cx, &f, "token_env");
    Some(Grafana {
        url: url?,
        token_env,
    })
}

const SIGNAL_KEYS: &[&str] = &[
    "name", "promql", "pods", "http", "command", "measure", "window", "unit", "expect", "abort",
    "tolerate",
];

fn signal(
    cx: &mut Ctx,
    n: &Node,
    path: &str,
    interval: Duration,
    prom_interval: Duration,
    has_prom: bool,
    has_kube: bool,
) -> Option<Signal> {
    let f = fields(cx, n, path, SIGNAL_KEYS)?;
    let name = name_text(cx, &f, "name", "the panel title, e.g. `p99 read latency`");
    let kind = one_of(cx, &f, &["promql", "pods", "http", "command"], "source");
    let measure = match f.get("measure") {
        None => None,
        Some(m) => match m.as_text() {
            Some("error_rate") => Some(Measure::ErrorRate),
            Some("p50") => Some(Measure::P50),
            Some("p90") => Some(Measure::P90),
            Some("p99") => Some(Measure::P99),
            _ => {
                cx.err(
                    m.pos,
                    format!(
                        "{path}.measure: expected one of error_rate, p50, p90, p99, found {}",
                        m.describe()
                    ),
                );
                None
            }
        },
    };
    if f.entry("measure").is_some() && kind.is_some() && kind != Some("http") {
        cx.err(
            f.key_pos("measure"),
            format!("{path}: `measure` applies only to http signals; remove it (a {} signal is measured by itself)", kind.unwrap_or("")),
        );
    }
    if f.entry("window").is_some() && kind.is_some() && kind != Some("http") {
        cx.err(
            f.key_pos("window"),
            format!("{path}: `window` applies only to http signals (the probes a value is measured over); a promql query sets its own range, e.g. [1m]"),
        );
    }
    let window = duration(cx, &f, "window");
    if window.is_some_and(|d| d.is_zero()) {
        cx.err(
            f.key_pos("window"),
            format!("{path}.window: must be more than 0s"),
        );
    }
    let mut own_interval = None;
    let source = match kind {
        Some("promql") => {
            if !has_prom {
                cx.err(f.key_pos("promql"), format!("{path}: a promql signal needs a `prometheus:` section with its url; add one"));
            }
            required_text(cx, &f, "promql", "give a PromQL expression")
                .map(|query| SignalSource::Promql { query })
        }
        Some("command") => required_text(
            cx,
            &f,
            "command",
            "give a shell command that prints a number",
        )
        .map(|command| SignalSource::Command { command }),
        Some("pods") => {
            if !has_kube {
                cx.err(f.key_pos("pods"), format!("{path}: a pods signal needs a `kubernetes:` section; add one (context, namespace)"));
            }
            let p = format!("{path}.pods");
            if f.absent("pods") {
                cx.err(
                    f.key_pos("pods"),
                    format!("{p}: is empty; give its selector, e.g. {{ selector: app=api }}"),
                );
            }
            f.get("pods")
                .and_then(|pn| fields(cx, pn, &p, &["selector", "namespace"]))
                .and_then(|pf| {
                    let ns = namespace(cx, &pf, "namespace");
                    selector(cx, &pf, "selector").map(|selector| SignalSource::Pods {
                        selector,
                        namespace: ns,
                    })
                })
        }
        Some("http") => {
            let p = format!("{path}.http");
            if f.absent("measure") {
                cx.err(
                    f.key_pos("http"),
                    format!("{path}: an http signal needs `measure:` error_rate, p50, p90 or p99"),
                );
            }
            if f.absent("http") {
                cx.err(
                    f.key_pos("http"),
                    format!("{p}: is empty; give its url, e.g. {{ url: \"http://api/health\" }}"),
                );
            }
            f.get("http")
                .and_then(|hn| fields(cx, hn, &p, &["url", "every", "timeout"]))
                .and_then(|hf| {
                    let url = http_url(cx, &hf, "url", true);
                    own_interval = duration(cx, &hf, "every");
                    if own_interval.is_some_and(|d| d.is_zero()) {
                        cx.err(
                            hf.key_pos("every"),
                            format!("{p}.every: must be more than 0s"),
                        );
                    }
                    let timeout = duration(cx, &hf, "timeout").unwrap_or(Duration::from_secs(2));
                    if timeout.is_zero() {
                        // every probe would fail before it is sent: a signal that can only
                        // ever say "down"
                        cx.err(
                            hf.key_pos("timeout"),
                            format!("{p}.timeout: must be more than 0s (a probe that may not wait fails before any answer can come)"),
                        );
                    }
                    Some(SignalSource::Http {
                        url: url?,
                        timeout,
                        measure: measure?,
                        window: window.unwrap_or(DEFAULT_PROBE_WINDOW),
                    })
                })
        }
        _ => None,
    };
    let unit = match f.get("unit") {
        Some(u) => match u.as_text() {
            Some("ratio") => Some(Unit::Ratio),
            Some("seconds") => Some(Unit::Seconds),
            Some("bytes") => Some(Unit::Bytes),
            Some("count") => Some(Unit::Count),
            Some("none") => Some(Unit::None),
            other => {
                let hint = other
                    .and_then(|o| nearest(o, &["ratio", "seconds", "bytes", "count", "none"]))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                cx.err(u.pos, format!("{path}.unit: expected one of ratio, seconds, bytes, count, none, found {}{hint}", u.describe()));
                None
            }
        },
        // An http signal without a valid measure has no known unit; its criteria are
        // not checked rather than reported against a guessed unit.
        None => match (kind, measure) {
            (Some("http"), Some(Measure::ErrorRate)) => Some(Unit::Ratio),
            (Some("http"), Some(_)) => Some(Unit::Seconds),
            (Some("http"), None) => None,
            (Some("pods"), _) => Some(Unit::Count),
            _ => Some(Unit::None),
        },
    };
    let criterion = |cx: &mut Ctx, key: &str| -> Option<Criterion> {
        let c = f.get(key)?;
        let u = unit?;
        let Some(t) = c.as_text() else {
            cx.err(
                c.pos,
                format!(
                    "{path}.{key}: expected a criterion like \"< 1%\", found {}",
                    c.describe()
                ),
            );
            return None;
        };
        match parse_criterion(t, u) {
            Ok(c) => Some(c),
            Err(e) => {
                cx.err(c.pos, format!("{path}.{key}: {e}"));
                None
            }
        }
    };
    let expect = criterion(cx, "expect");
    let abort = criterion(cx, "abort");
    // An http signal measures in a known unit, over values it can take: a ratio for
    // `error_rate`, a latency from 0 to +Inf (a failed probe) for the percentiles.
    if kind == Some("http") {
        let wanted = match measure {
            Some(Measure::ErrorRate) => Some(Unit::Ratio),
            Some(_) => Some(Unit::Seconds),
            None => None,
        };
        if let (Some(wanted), Some(u)) = (wanted, unit) {
            if f.get("unit").is_some() && u != wanted {
                cx.err(
                    f.key_pos("unit"),
                    format!(
                        "{path}.unit: `measure: {}` is measured in {}; set `unit: {}` or leave it out",
                        f.get("measure").and_then(|m| m.as_text()).unwrap_or(""),
                        if wanted == Unit::Ratio { "a ratio" } else { "seconds" },
                        if wanted == Unit::Ratio { "ratio" } else { "seconds" },
                    ),
                );
            }
        }
        if wanted == Some(Unit::Seconds) && unit == Some(Unit::Seconds) {
            for (key, c) in [("expect", &expect), ("abort", &abort)] {
                let Some(c) = c else { continue };
                let (always, never) = match c.op {
                    Op::Lt => (false, c.value <= 0.0),
                    Op::Le => (false, c.value < 0.0),
                    Op::Gt => (c.value < 0.0, false),
                    Op::Ge => (c.value <= 0.0, false),
                    Op::Eq => (false, c.value < 0.0),
                    Op::Ne => (c.value < 0.0, false),
                };
                if always || never {
                    cx.err(
                        f.get(key).map_or(f.pos, |n| n.pos),
                        format!(
                            "{path}.{key}: `{}`: a latency is 0 or more (+Inf when the probe failed), so this can never {}; check the number",
                            c.text,
                            if always { "fail" } else { "hold" }
                        ),
                    );
                }
            }
        }
    }
    let tolerate_key = duration(cx, &f, "tolerate");
    let expect_for = expect.as_ref().and_then(|c| c.for_);
    if tolerate_key.is_some() && expect_for.is_some() {
        cx.err(
            f.key_pos("tolerate"),
            format!(
                "{path}: has both `tolerate` and a `for` in `expect`; they mean the same, keep one"
            ),
        );
    }
    let tolerate = tolerate_key.or(expect_for).unwrap_or(Duration::ZERO);
    let interval = match kind {
        Some("http") => own_interval.unwrap_or(interval),
        Some("promql") => prom_interval,
        _ => interval,
    };
    Some(Signal {
        name: name?,
        source: source?,
        unit: unit?,
        expect,
        abort,
        tolerate,
        interval,
    })
}

fn safety(cx: &mut Ctx, n: &Node) -> Safety {
    let d = Safety::default();
    let Some(f) = fields(
        cx,
        n,
        "safety",
        &[
            "max_targets",
            "namespaces",
            "max_duration",
            "require_steady_state",
        ],
    ) else {
        return d;
    };
    let max_targets = uint(cx, &f, "max_targets").unwrap_or(d.max_targets);
    if max_targets == 0 {
        cx.err(
            f.get("max_targets").map_or(f.pos, |n| n.pos),
            "safety.max_targets: must be at least 1",
        );
    }
    let mut namespaces = Vec::new();
    for item in list(cx, &f, "namespaces", "namespace names") {
        match item.as_text() {
            _ if item.is_null() => {}
            Some(ns) if is_dns_label(ns) => namespaces.push(ns.to_string()),
            Some(ns) => cx.err(
                item.pos,
                format!("safety.namespaces: `{ns}` is not a valid namespace name (lower case letters, digits and -, at most 63)"),
            ),
            None => cx.err(item.pos, format!("safety.namespaces: expected a namespace name, found {}", item.describe())),
        }
    }
    let max_duration = duration(cx, &f, "max_duration").unwrap_or(d.max_duration);
    if max_duration.is_zero() {
        cx.err(
            f.key_pos("max_duration"),
            "safety.max_duration: must be more than 0s",
        );
    }
    let require_steady_state = boolean(cx, &f, "require_steady_state").unwrap_or(true);
    Safety {
        max_targets,
        namespaces,
        max_duration,
        require_steady_state,
    }
}

fn phases(cx: &mut Ctx, n: &Node) -> Phases {
    let d = Phases::default();
    let Some(f) = fields(cx, n, "phases", &["baseline", "recovery"]) else {
        return d;
    };
    Phases {
        baseline: duration(cx, &f, "baseline").unwrap_or(d.baseline),
        recovery: duration(cx, &f, "recovery").unwrap_or(d.recovery),
    }
}

fn fault(cx: &mut Ctx, n: &Node, path: &str, safety: &Safety, has_kube: bool) -> Option<Fault> {
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.key).collect();
    let mut allowed = vec!["name", "duration"];
    allowed.extend_from_slice(&kinds);
    let f = fields(cx, n, path, &allowed)?;
    let name = name_text(
        cx,
        &f,
        "name",
        "say what the fault does, e.g. `delete one redis pod`",
    );
    let dur = duration(cx, &f, "duration");
    if f.absent("duration") {
        cx.err(f.pos, format!("{path}: `duration` is required: how long the fault stays before gameday reverts it, e.g. 60s"));
    }
    if let Some(d) = dur {
        let pos = f.get("duration").map_or(f.pos, |n| n.pos);
        if d.is_zero() {
            cx.err(pos, format!("{path}.duration: must be more than 0s"));
        } else if d > safety.max_duration {
            cx.err(
                pos,
                format!(
                    "{path}.duration: {} is longer than safety.max_duration ({}); shorten it or raise the ceiling",
                    format_duration(d),
                    format_duration(safety.max_duration)
                ),
            );
        }
    }
    let kind_key = one_of(cx, &f, &kinds, "fault kind");
    let kind = kind_key.and_then(|k| KINDS.iter().find(|i| i.key == k));
    if let Some(k) = kind.filter(|k| k.needs_cluster && !has_kube) {
        cx.err(
            f.key_pos(k.key),
            format!(
                "{path}: a {} fault needs a `kubernetes:` section; add one (context, namespace)",
                k.key
            ),
        );
    }
    let kind = kind.and_then(|k| {
        let kn = f.get(k.key);
        if kn.is_none() {
            cx.err(
                f.key_pos(k.key),
                format!("{path}.{}: is empty; give its settings", k.key),
            );
        }
        (k.parse)(cx, kn?, &format!("{path}.{}", k.key))
    });
    Some(Fault {
        name: name?,
        duration: dur?,
        kind: kind?,
    })
}
