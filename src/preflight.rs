//! Before the baseline, every source the run reads is tried once: each http signal's URL
//! probed, each PromQL query run (and the alerts API read when alerts are expected), the
//! Kubernetes API reached when something needs it. A wrong port found here costs seconds;
//! found after a two-minute baseline it costs the game day's first slot, and the verdict
//! would only say "no data".
//!
//! Every check runs at once and each is bounded by [`PER_CHECK`], so the whole preflight
//! takes at most about that long. A failure names the address (without credentials), why
//! it failed, and where the address comes from (the flag, the variable, the line of the
//! scenario), so the fix is one step.
//!
//! What only looks wrong (an HTTP 404 from a probe URL, a query with no data now) is a
//! warning: the run goes on and says so. What makes every sample of a source fail
//! (nothing listening, a host that does not resolve, TLS refused, a login page instead of
//! the API, a query Prometheus cannot parse, no answer within [`PER_CHECK`] or the
//! source's own timeout, whichever is shorter) fails the preflight, and `run` refuses to
//! start (exit 69) unless told to go on.

use std::time::{Duration, Instant};

use crate::journal::{CheckOutcome, PreflightCheck, Redactor};
use crate::scenario::model::{Scenario, SignalSource};
use crate::signals::prometheus::{Client, PromError};
use crate::signals::reach;
use crate::yaml::expand::references;
use crate::yaml::{parse_yaml_raw, Node, Value};

/// How long one check may take. Every check runs at the same time, so this is also about
/// how long the whole preflight may take (within the 5 s a person waits without asking).
pub const PER_CHECK: Duration = Duration::from_secs(4);

/// How long connecting may take: past it nothing answered at that address (a firewall
/// dropping packets, a VPN that is down).
const CONNECT_WITHIN: Duration = Duration::from_secs(3);

/// The flag that makes a run go on despite a failed preflight.
pub const SKIP_FLAG: &str = "--skip-preflight";

/// Where the addresses come from, for the fixes: the scenario file and whether the
/// Prometheus URL was given on the command line.
pub struct Origins<'a> {
    /// the scenario as written (before `${VAR}` expansion)
    pub text: &'a str,
    /// the scenario's path as given
    pub file: &'a str,
    /// `--prometheus-url` was given
    pub prometheus_flag: bool,
    /// `--context` was given
    pub context_flag: bool,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// What the preflight found.
#[derive(Debug, Clone, Default)]
pub struct Preflight {
    pub checks: Vec<PreflightCheck>,
    pub took: Duration,
}

impl Preflight {
    pub fn failed(&self) -> Vec<&PreflightCheck> {
        self.checks
            .iter()
            .filter(|c| c.outcome == CheckOutcome::Failed)
            .collect()
    }

    /// The lines a person reads: a summary, then one line per check (and its fix),
    /// every secret masked and every line one line.
    pub fn lines(&self, redactor: &Redactor) -> Vec<String> {
        let shown = |t: &str| crate::text::visible(&redactor.scrub(t)).into_owned();
        let failed = self.failed().len();
        let warnings = self
            .checks
            .iter()
            .filter(|c| c.outcome == CheckOutcome::Warning)
            .count();
        let mut out = Vec::new();
        if self.checks.is_empty() {
            out.push(
                "preflight: nothing to reach (no http signal, Prometheus or Kubernetes)".into(),
            );
            return out;
        }
        let mut summary = format!(
            "preflight: {} checked in {}",
            plural(self.checks.len(), "source"),
            crate::units::format_duration(self.took)
        );
        match (failed, warnings) {
            (0, 0) => summary.push_str(": every one answered"),
            (f, w) => {
                let mut parts = Vec::new();
                if f > 0 {
                    parts.push(format!("{f} FAILED"));
                }
                if w > 0 {
                    parts.push(plural(w, "warning"));
                }
                summary.push_str(&format!(": {}", parts.join(", ")));
            }
        }
        out.push(summary);
        for c in &self.checks {
            let word = c.outcome.word();
            out.push(format!(
                "  {word:<8} {}: {}",
                shown(&redact_names(redactor, c).what()),
                shown(&c.detail)
            ));
            if !c.fix.is_empty() {
                out.push(format!("           fix: {}", shown(&c.fix)));
            }
        }
        out
    }
}

impl Preflight {
    /// Why a run refuses to start: the failed checks, counted, and the way round.
    pub fn refusal(&self, what: &str) -> String {
        let n = self.failed().len();
        format!(
            "gameday: not running {what}: {} failed the preflight (listed above); fix {}, or \
             pass {SKIP_FLAG} to run anyway",
            plural(n, "source"),
            if n == 1 { "it" } else { "them" }
        )
    }

    /// The warning a run that went on despite failed checks journals, so the report says
    /// that its "no data" was known before the baseline.
    pub fn went_on_warning(&self) -> Option<String> {
        let failed = self.failed();
        if failed.is_empty() {
            return None;
        }
        let what: Vec<String> = failed
            .iter()
            .map(|c| format!("{}: {}", c.what(), c.detail))
            .collect();
        Some(format!(
            "the run went on ({SKIP_FLAG}) although {} failed the preflight: {}",
            plural(failed.len(), "source"),
            what.join("; ")
        ))
    }

    /// In `plan`, the Kubernetes API matters for the faults only: a pods panel or signal
    /// that cannot be watched is said, as a warning, but the plan of faults that do not
    /// touch the cluster stands. (`run` still refuses: it would watch nothing.)
    pub fn kube_only_warns(&mut self) {
        for c in &mut self.checks {
            if c.source == "kubernetes" && c.outcome == CheckOutcome::Failed {
                c.outcome = CheckOutcome::Warning;
                c.fix = format!(
                    "{}; no fault needs the cluster, so the plan stands, but `gameday run` \
                     refuses to start until it answers",
                    c.fix
                );
            }
        }
    }

    /// Whether the Kubernetes API answered (or was not needed).
    pub fn cluster_answered(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| c.source == "kubernetes" && c.outcome != CheckOutcome::Ok)
    }
}

fn redact_names(r: &Redactor, c: &PreflightCheck) -> PreflightCheck {
    let mut c = c.clone();
    for n in &mut c.names {
        *n = r.scrub_name(n).into_owned();
    }
    c
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Checks every source of `s` at once; at most about [`PER_CHECK`].
pub async fn run(s: &Scenario, origins: &Origins<'_>) -> Preflight {
    let started = Instant::now();
    let raw = parse_yaml_raw(origins.text).root;
    let mut checks: Vec<
        std::pin::Pin<Box<dyn std::future::Future<Output = Vec<PreflightCheck>> + Send>>,
    > = Vec::new();
    // one probe per URL, however many signals read it
    let mut urls: Vec<(String, Duration, Vec<String>, usize)> = Vec::new();
    for (i, sig) in s.steady_state.iter().enumerate() {
        if let SignalSource::Http { url, timeout, .. } = &sig.source {
            match urls.iter_mut().find(|(u, ..)| u == url) {
                Some((_, t, names, _)) => {
                    *t = (*t).max(*timeout);
                    names.push(sig.name.clone());
                }
                None => urls.push((url.clone(), *timeout, vec![sig.name.clone()], i)),
            }
        }
    }
    for (url, timeout, names, first) in urls {
        let origin = http_origin(raw.as_ref(), first, origins);
        checks.push(Box::pin(async move {
            vec![http_check(url, timeout, names, origin).await]
        }));
    }
    let queries: Vec<(String, String)> = s
        .steady_state
        .iter()
        .filter_map(|sig| match &sig.source {
            SignalSource::Promql { query } => Some((sig.name.clone(), query.clone())),
            _ => None,
        })
        .collect();
    if let Some(p) = &s.prometheus {
        if !queries.is_empty() || !s.alerts.is_empty() {
            let origin = prometheus_origin(raw.as_ref(), origins);
            let alerts: Vec<String> = s.alerts.iter().map(|a| a.name.clone()).collect();
            // a server that does not even connect fails before the bound of the check
            let client = Client::connecting_within(p, origins.env, CONNECT_WITHIN);
            let url = p.url.clone();
            let timeout = p.timeout;
            checks.push(Box::pin(async move {
                prometheus_checks(client, &url, timeout, queries, alerts, origin).await
            }));
        }
    }
    let mut kube_names: Vec<String> = Vec::new();
    for sig in &s.steady_state {
        if matches!(sig.source, SignalSource::Pods { .. }) {
            kube_names.push(sig.name.clone());
        }
    }
    for p in &s.pods {
        kube_names.push(format!("pods panel {}", p.selector));
    }
    for f in &s.faults {
        if f.kind.needs_cluster() {
            kube_names.push(f.name.clone());
        }
    }
    if !kube_names.is_empty() {
        let k = s.kubernetes.clone();
        let context_origin = kube_origin(raw.as_ref(), origins);
        checks.push(Box::pin(async move {
            vec![kube_check(k, kube_names, context_origin).await]
        }));
    }
    let checks = futures_util::future::join_all(checks)
        .await
        .into_iter()
        .flatten()
        .collect();
    Preflight {
        checks,
        took: started.elapsed(),
    }
}

/// One GET of an http signal's URL, as a probe would send it.
async fn http_check(
    url: String,
    timeout: Duration,
    names: Vec<String>,
    origin: String,
) -> PreflightCheck {
    let started = Instant::now();
    let limit = timeout.min(PER_CHECK);
    let target = reach::shown_url(&url);
    let mut check = PreflightCheck {
        source: "http".into(),
        names,
        target,
        outcome: CheckOutcome::Ok,
        detail: String::new(),
        fix: String::new(),
        ms: 0,
    };
    let client = match reqwest::Client::builder()
        .timeout(limit)
        .connect_timeout(limit.min(CONNECT_WITHIN))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            check.outcome = CheckOutcome::Failed;
            check.detail = format!("cannot build an HTTP client: {e}");
            return check;
        }
    };
    let answer = async {
        let resp = client.get(&url).send().await?;
        let status = resp.status();
        resp.bytes().await?;
        Ok::<_, reqwest::Error>(status)
    }
    .await;
    check.ms = started.elapsed().as_millis() as u64;
    let took = crate::units::format_duration(started.elapsed());
    let (host, port) = reach::host_port(&url).unwrap_or_default();
    match answer {
        Ok(status) if status.as_u16() < 400 => {
            check.detail = format!("answered HTTP {} in {took}", status.as_u16());
        }
        Ok(status) => {
            check.outcome = CheckOutcome::Warning;
            check.detail = format!(
                "answered HTTP {status} in {took}: every probe with this answer counts as failed"
            );
            check.fix =
                format!("if the service is healthy, the path may be wrong: the URL is {origin}");
        }
        // Connected, then silence. Waiting the probes' whole timeout here would hold
        // the preflight up; a service that says nothing within the bound now will not
        // give the baseline its samples either, so it is refused like a closed port.
        Err(e) if e.is_timeout() && !e.is_connect() && limit < timeout => {
            check.outcome = CheckOutcome::Failed;
            check.detail = format!(
                "connected, but no answer within {} (its probes wait {})",
                crate::units::format_duration(limit),
                crate::units::format_duration(timeout)
            );
            check.fix = format!(
                "the service on port {port} of {host} accepts connections but does not \
                 answer: check it (a hung process? a proxy with nothing behind it?), or \
                 correct the URL: {origin}"
            );
        }
        Err(e) => {
            check.outcome = CheckOutcome::Failed;
            check.detail = reach::why(&e, limit);
            check.fix = if reach::nothing_listens(&e) {
                format!(
                    "nothing listens on port {port} of {host}: start the service, or correct \
                     the URL: {origin}"
                )
            } else {
                format!("check the service and the URL: {origin}")
            };
        }
    }
    check
}

/// What one request of the preflight got.
enum Asked {
    Answer(String),
    Error(PromError),
    /// no answer within the preflight's bound
    Slow,
}

/// `fut`, bounded by `limit`, and how long it took.
async fn bounded(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<String, PromError>>,
) -> (Asked, u64) {
    let started = Instant::now();
    let asked = match tokio::time::timeout(limit, fut).await {
        Ok(Ok(a)) => Asked::Answer(a),
        Ok(Err(e)) => Asked::Error(e),
        Err(_) => Asked::Slow,
    };
    (asked, started.elapsed().as_millis() as u64)
}

/// Each query once, and the alerts API once. A problem of the server itself (nothing
/// listening, a login page, refused credentials) is one check naming every signal and
/// alert that reads it, not the same failure once per query.
async fn prometheus_checks(
    client: Result<Client, String>,
    url: &str,
    timeout: Duration,
    queries: Vec<(String, String)>,
    alerts: Vec<String>,
    origin: String,
) -> Vec<PreflightCheck> {
    let target = reach::shown_url(url.trim_end_matches('/'));
    let check = |source: &str, names: Vec<String>| PreflightCheck {
        source: source.into(),
        names,
        target: target.clone(),
        outcome: CheckOutcome::Ok,
        detail: String::new(),
        fix: String::new(),
        ms: 0,
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            let mut names: Vec<String> = queries.iter().map(|(n, _)| n.clone()).collect();
            names.extend(alerts.iter().map(|a| format!("alert {a}")));
            let mut c = check("prometheus", names);
            c.outcome = CheckOutcome::Failed;
            c.detail = e;
            return vec![c];
        }
    };
    let limit = timeout.min(PER_CHECK);
    let runs = queries.iter().map(|(_, q)| {
        bounded(limit, async {
            client.instant(q).await.map(|v| format!("answered {v} now"))
        })
    });
    let alerts_run = async {
        if alerts.is_empty() {
            return None;
        }
        let fut = async {
            client
                .alerts()
                .await
                .map(|a| format!("answered ({} alerts pending or firing now)", a.len()))
        };
        Some(bounded(limit, fut).await)
    };
    let (answers, alerts_answer) = tokio::join!(futures_util::future::join_all(runs), alerts_run);
    // No answer within the bound fails, however long the run would wait: a Prometheus
    // that says nothing now will not give the baseline its samples either.
    let slow = || {
        let detail = format!(
            "no answer within {} (the run waits {}: prometheus.timeout)",
            crate::units::format_duration(limit),
            crate::units::format_duration(timeout)
        );
        let listening = reach::host_port(url)
            .map(|(host, port)| format!("on port {port} of {host} "))
            .unwrap_or_default();
        let fix = format!(
            "Something {listening}accepts connections but does not answer: check that it is \
             Prometheus and that it is healthy. The URL is {origin}"
        );
        (CheckOutcome::Failed, detail, fix)
    };
    let server_fix = |e: &PromError| -> String {
        let listening = reach::host_port(url)
            .map(|(host, port)| format!("Is Prometheus running, on port {port} of {host}? "))
            .unwrap_or_default();
        let ask = match e {
            PromError::Unreachable { why, .. } if why == "connection refused" => listening.as_str(),
            PromError::Unreachable { ask, .. } => ask.as_str(),
            PromError::Html { .. } => {
                "It leads to a web page, not the API (a login page or a proxy?). "
            }
            PromError::Http {
                status: 401 | 403, ..
            } => "The credentials were refused (prometheus.bearer_token_env, bearer_token_file, basic_auth). ",
            PromError::Http { status: 404, .. } => {
                "No API at that path (a path prefix such as /prometheus missing or extra?). "
            }
            _ => "",
        };
        let mut chars = ask.chars();
        let ask: String = match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => String::new(),
        };
        format!("{ask}The URL is {origin}")
    };
    // what went wrong, without the advice the fix gives
    let said = |e: &PromError| match e {
        // the server's problem, whichever path asked: said once
        PromError::Unreachable { why, .. } => why.clone(),
        other => other.to_string(),
    };
    // server problems, each said once with everything that reads the server
    let mut server: Vec<PreflightCheck> = Vec::new();
    let mut note_server = |name: String, e: &PromError, outcome: CheckOutcome, ms: u64| {
        let detail = said(e);
        match server.iter_mut().find(|c| c.detail == detail) {
            Some(c) => c.names.push(name),
            None => {
                let mut c = check("prometheus", vec![name]);
                c.outcome = outcome;
                c.detail = detail;
                c.fix = server_fix(e);
                c.ms = ms;
                server.push(c);
            }
        }
    };
    let mut own: Vec<PreflightCheck> = Vec::new();
    for ((name, _), (asked, ms)) in queries.iter().zip(answers) {
        let mut c = check("promql", vec![name.clone()]);
        c.ms = ms;
        match asked {
            Asked::Answer(a) => c.detail = a,
            Asked::Slow => (c.outcome, c.detail, c.fix) = slow(),
            Asked::Error(e) => match classify(&e) {
                Class::Server(outcome) => {
                    note_server(name.clone(), &e, outcome, ms);
                    continue;
                }
                Class::Query(outcome) => {
                    c.outcome = outcome;
                    c.detail = e.to_string();
                    c.fix = if outcome == CheckOutcome::Failed {
                        "correct the query (try it on Prometheus's own page first)".into()
                    } else {
                        "each sample is missing data while it stays so; if the series should \
                         exist, check the query's metric and label names"
                            .into()
                    };
                }
            },
        }
        own.push(c);
    }
    if let Some((asked, ms)) = alerts_answer {
        let mut c = check("alerts", alerts.clone());
        c.ms = ms;
        match asked {
            Asked::Answer(a) => {
                c.detail = a;
                own.push(c);
            }
            Asked::Slow => {
                (c.outcome, c.detail, c.fix) = slow();
                own.push(c);
            }
            // the server's problem: said with the queries', once
            Asked::Error(e) => {
                let (Class::Server(outcome) | Class::Query(outcome)) = classify(&e);
                for a in &alerts {
                    note_server(format!("alert {a}"), &e, outcome, ms);
                }
            }
        }
    }
    server.extend(own);
    server
}

/// Whose problem an error is, and how bad: the server's (every query fails alike) or
/// this query's.
enum Class {
    Server(CheckOutcome),
    Query(CheckOutcome),
}

fn classify(e: &PromError) -> Class {
    match e {
        PromError::Transport(_)
        | PromError::Unreachable { .. }
        | PromError::Html { .. }
        | PromError::Json(_) => Class::Server(CheckOutcome::Failed),
        // a server error may pass; refused credentials or a wrong path will not
        PromError::Http { status, .. } if *status >= 500 => Class::Server(CheckOutcome::Warning),
        PromError::Http { .. } => Class::Server(CheckOutcome::Failed),
        PromError::Server { error_type, .. } if error_type == "bad_data" => {
            Class::Query(CheckOutcome::Failed)
        }
        PromError::Server { .. } => Class::Query(CheckOutcome::Warning),
        PromError::SeveralSeries(_) => Class::Query(CheckOutcome::Failed),
        PromError::Empty | PromError::NaN => Class::Query(CheckOutcome::Warning),
    }
}

/// The Kubernetes API, reached with the context the run would use.
async fn kube_check(
    k: Option<crate::scenario::model::Kubernetes>,
    names: Vec<String>,
    context_origin: String,
) -> PreflightCheck {
    let started = Instant::now();
    let context = k.as_ref().and_then(|k| k.context.clone());
    let namespace = k.as_ref().and_then(|k| k.namespace.clone());
    let result = crate::cluster::connect(context.as_deref(), namespace.as_deref(), PER_CHECK).await;
    let ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(c) => PreflightCheck {
            source: "kubernetes".into(),
            names,
            target: format!("context `{}` at {}", c.context, c.server),
            outcome: CheckOutcome::Ok,
            detail: format!(
                "answered in {}, namespace {}",
                crate::units::format_duration(started.elapsed()),
                c.namespace
            ),
            fix: String::new(),
            ms,
        },
        Err(e) => PreflightCheck {
            source: "kubernetes".into(),
            names,
            target: match &context {
                Some(c) => format!("context `{c}`"),
                None => "the current context".into(),
            },
            outcome: CheckOutcome::Failed,
            detail: e.to_string(),
            fix: context_origin,
            ms,
        },
    }
}

/// The value at `path` (mapping keys, or list indexes as numbers) of the raw tree.
fn node_at<'n>(root: Option<&'n Node>, path: &[&str]) -> Option<&'n Node> {
    let mut n = root?;
    for key in path {
        n = match &n.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == *key)
                .map(|(_, v)| v)?,
            Value::Seq(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(n)
}

/// Where a value is written, and which variables it takes: "steady_state[0].http.url
/// (s.yaml:7:12), from the environment variable SVC_URL".
fn written_at(root: Option<&Node>, path: &[&str], what: &str, origins: &Origins<'_>) -> String {
    let Some(n) = node_at(root, path) else {
        return what.to_string();
    };
    let mut s = format!("{what} at {}:{}:{}", origins.file, n.pos.line, n.pos.col);
    if let Value::Scalar { text, .. } = &n.value {
        for r in references(text) {
            match ((origins.env)(&r.name), &r.default) {
                (Some(_), _) => s.push_str(&format!(", from the environment variable {}", r.name)),
                (None, Some(d)) => s.push_str(&format!(
                    ", where {} is not set, so its default `{d}` was used",
                    r.name
                )),
                (None, None) => {}
            }
        }
    }
    s
}

fn http_origin(root: Option<&Node>, signal: usize, origins: &Origins<'_>) -> String {
    let i = signal.to_string();
    written_at(
        root,
        &["steady_state", &i, "http", "url"],
        &format!("steady_state[{signal}].http.url"),
        origins,
    )
}

fn prometheus_origin(root: Option<&Node>, origins: &Origins<'_>) -> String {
    if origins.prometheus_flag {
        return "--prometheus-url (it overrides prometheus.url)".into();
    }
    format!(
        "{}; --prometheus-url overrides it",
        written_at(root, &["prometheus", "url"], "prometheus.url", origins)
    )
}

fn kube_origin(root: Option<&Node>, origins: &Origins<'_>) -> String {
    let kubeconfig = match std::env::var("KUBECONFIG") {
        Ok(v) if !v.is_empty() => format!("KUBECONFIG={v}"),
        _ => "~/.kube/config (KUBECONFIG is not set)".into(),
    };
    let context = if origins.context_flag {
        "--context".to_string()
    } else if node_at(root, &["kubernetes", "context"]).is_some() {
        written_at(
            root,
            &["kubernetes", "context"],
            "kubernetes.context",
            origins,
        )
    } else {
        "the kubeconfig's current context (--context or kubernetes.context choose another)".into()
    };
    format!("the cluster comes from {kubeconfig}, the context from {context}")
}
