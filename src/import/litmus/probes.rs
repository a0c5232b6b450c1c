//! Litmus probes as steady-state signals.
//!
//! A `promProbe` becomes a promql signal and a GET `httpProbe` an http signal. gameday
//! judges `expect` continuously from the first trigger to the end of recovery, and
//! `abort:` is a guardrail while a fault is active; it has no check at the start or the
//! end of a test only. So only Continuous and OnChaos probes get an `expect` (with the
//! window difference named); SOT, EOT and Edge probes, which would otherwise refute
//! where Litmus passes (a pre-chaos health check judged during the chaos), are watched
//! signals with no `expect`, and named. `stopOnFailure` becomes an `abort:`,
//! `probePollingInterval` the sampling period, `retry`/`attempt` × `interval` a
//! `tolerate`, where each means the same; every other difference is named.

use std::time::Duration;

use crate::scenario::criteria::parse_criterion;
use crate::scenario::duration::{format_duration, parse_duration};
use crate::scenario::model::Unit;
use crate::scenario::yaml::Node;

use super::fields::{describe, Fields};
use super::plan::{noted, SignalPlan, Source};
use super::text::{one_line, shown};

/// How long a failed probe stays in an http signal's error rate: the default `window`,
/// which the imported signals keep.
const HTTP_WINDOW: Duration = crate::scenario::model::DEFAULT_PROBE_WINDOW;

/// What the probes of the mapped experiments become.
#[derive(Debug, Default)]
pub(super) struct Probes {
    pub signals: Vec<SignalPlan>,
    pub notes: Vec<String>,
    /// The first usable Prometheus endpoint, and the probe it came from.
    pub prom_url: Option<(String, String)>,
    pub prom_polls: Vec<(String, Duration)>,
    pub prom_timeouts: Vec<(String, Duration)>,
    pub prom_insecure: Option<String>,
    /// Mapped URLs whose host only resolves inside a cluster.
    pub in_cluster: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Sot,
    Eot,
    Edge,
    Continuous,
    OnChaos,
}

/// `runProperties`, read.
#[derive(Debug, Default)]
struct Run {
    timeout: Option<Duration>,
    interval: Option<Duration>,
    /// re-checks after a failed check, and the field that said so
    retries: Option<(u64, &'static str)>,
    polling: Option<Duration>,
    initial_delay: Option<Duration>,
    stop_on_failure: bool,
}

const RUN_FIELDS: &[&str] = &[
    "probeTimeout",
    "interval",
    "retry",
    "attempt",
    "probePollingInterval",
    "initialDelaySeconds",
    "initialDelay",
    "stopOnFailure",
    "evaluationTimeout",
    "verbosity",
];

const PROBE_FIELDS: &[&str] = &[
    "name",
    "type",
    "mode",
    "runProperties",
    "httpProbe/inputs",
    "promProbe/inputs",
    "cmdProbe/inputs",
    "k8sProbe/inputs",
    "sloProbe/inputs",
    "data",
];

/// Litmus run properties are whole seconds (Litmus 1 and 2) or Go durations ("5s").
pub(super) fn litmus_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    parse_duration(v).ok()
}

fn secs(d: Duration) -> String {
    format_duration(d)
}

impl Probes {
    /// Maps probe `p`, found at `at` (`experiments[0].probe[1]`).
    pub fn probe(&mut self, p: &Node, at: &str) {
        let Some(mut f) = Fields::of(p, at) else {
            self.notes.push(format!(
                "{at} ({}): a probe is a mapping with name, type, mode; not mapped",
                describe(p)
            ));
            return;
        };
        let raw_name = f.text("name").unwrap_or("").to_string();
        let name = if raw_name.trim().is_empty() {
            format!("probe {}", self.signals.len() + 1)
        } else {
            one_line(&raw_name)
        };
        let w = format!("{at} `{}`", shown(&raw_name));
        let kind = f.text("type").unwrap_or("").to_string();
        let mode_text = f.text("mode").map(str::to_string);
        let run = f.take("runProperties");
        match kind.as_str() {
            "promProbe" | "httpProbe" => {}
            "cmdProbe" => {
                self.notes.push(format!(
                    "{w}: cmdProbe (mode {}): Litmus ran a shell command inside the cluster and compared its output; not mapped: a `command` signal runs a command on this machine and reads the number it prints",
                    mode_text.as_deref().map(shown).unwrap_or_else(|| "unset".into())
                ));
                return;
            }
            "k8sProbe" => {
                self.notes.push(format!(
                    "{w}: k8sProbe (mode {}): Litmus checked (or created, deleted) Kubernetes resources; not mapped: a `pods` signal counts the Ready pods of a selector",
                    mode_text.as_deref().map(shown).unwrap_or_else(|| "unset".into())
                ));
                return;
            }
            "sloProbe" => {
                self.notes.push(format!(
                    "{w}: sloProbe: Litmus evaluated an SLO of a monitoring platform; not mapped"
                ));
                return;
            }
            other => {
                self.notes.push(format!(
                    "{w}: probe type `{}` is not one Litmus runs (httpProbe, promProbe, cmdProbe, k8sProbe); not mapped",
                    shown(other)
                ));
                return;
            }
        }
        let mode = match mode_text.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("sot") => Some(Mode::Sot),
            Some("eot") => Some(Mode::Eot),
            Some("edge") => Some(Mode::Edge),
            Some("continuous") => Some(Mode::Continuous),
            Some("onchaos") => Some(Mode::OnChaos),
            _ => None,
        };
        let run = self.run_properties(run, &format!("{at}.runProperties"), &w);
        let signal = if kind == "promProbe" {
            let inputs = f.take("promProbe/inputs");
            self.prom(
                inputs,
                &format!("{at}.promProbe/inputs"),
                &w,
                &name,
                mode,
                &run,
            )
        } else {
            let inputs = f.take("httpProbe/inputs");
            self.http(
                inputs,
                &format!("{at}.httpProbe/inputs"),
                &w,
                &name,
                mode,
                &run,
            )
        };
        // the inputs of the other probe types mean nothing for this one
        for other in [
            "httpProbe/inputs",
            "promProbe/inputs",
            "cmdProbe/inputs",
            "k8sProbe/inputs",
            "sloProbe/inputs",
            "data",
        ] {
            if other == format!("{kind}/inputs") {
                continue;
            }
            if let Some(n) = f.take(other) {
                self.notes.push(format!(
                    "{}.{other} ({}): Litmus reads it only for another probe type; ignored",
                    at,
                    describe(n)
                ));
            }
        }
        self.notes.extend(f.unread(PROBE_FIELDS));
        let Some(mut signal) = signal else { return };
        match mode {
            None => {
                let why = match &mode_text {
                    None => format!(
                        "{w}: no `mode`: Litmus runs a probe only in a mode (SOT, EOT, Edge, Continuous, OnChaos), so it never ran; the scenario only watches it (no `expect`)"
                    ),
                    Some(m) => format!(
                        "{w}: mode `{}` is not one Litmus runs (SOT, EOT, Edge, Continuous, OnChaos), so it never ran; the scenario only watches it (no `expect`)",
                        shown(m)
                    ),
                };
                self.watch(&mut signal, why);
            }
            Some(m @ (Mode::Sot | Mode::Eot | Mode::Edge)) => {
                let when = match m {
                    Mode::Sot => "once before the chaos",
                    Mode::Eot => "once after the chaos",
                    _ => "once before and once after the chaos",
                };
                let stop = if run.stop_on_failure && m != Mode::Eot {
                    " and stopped the experiment when it failed (stopOnFailure)"
                } else {
                    ""
                };
                let crit = if signal.litmus.is_empty() {
                    String::new()
                } else {
                    format!("`{}` ", shown(&signal.litmus))
                };
                let why = format!(
                    "{w}: mode {}: Litmus checked it {crit}{when}{stop}; gameday has no check at the start or end of a test only, and an `expect` would be judged from the trigger to the end of recovery, so the scenario only watches it (no `expect`); add one to judge it all along",
                    mode_text.as_deref().map(shown).unwrap_or_default()
                );
                self.watch(&mut signal, why);
            }
            Some(m @ (Mode::Continuous | Mode::OnChaos)) => {
                if signal.expect.is_some() {
                    self.judged(&mut signal, &w, m, &run);
                } else if run.stop_on_failure {
                    self.notes.push(format!(
                        "{w}: runProperties.stopOnFailure: true: Litmus stopped the chaos when the probe failed; the scenario cannot judge this probe, so it has no guardrail for it"
                    ));
                }
            }
        }
        self.signals.push(signal);
    }

    /// Takes away the `expect` (and what depends on it) and says why.
    fn watch(&mut self, s: &mut SignalPlan, why: String) {
        s.expect = None;
        s.abort = None;
        s.tolerate = None;
        s.watched = Some(watched_note(&s.litmus));
        self.notes.push(why);
    }

    /// The notes and settings of a signal that keeps its `expect`.
    fn judged(&mut self, s: &mut SignalPlan, w: &str, mode: Mode, run: &Run) {
        self.notes.append(&mut s.if_judged);
        let is_http = matches!(s.source, Source::Http { .. });
        let litmus_window = if mode == Mode::Continuous {
            "from before the injection until the chaos ended"
        } else {
            "only while the chaos lasted (OnChaos)"
        };
        let delay = run
            .initial_delay
            .filter(|d| !d.is_zero())
            .map(|d| {
                format!(
                    ", starting {} late (initialDelay), so a failure in those first {} did not count",
                    secs(d),
                    secs(d)
                )
            })
            .unwrap_or_default();
        self.notes.push(format!(
            "{w}: mode {}: Litmus checked it {litmus_window}{delay}; the scenario judges `expect` from the trigger to the end of the recovery phase, so a failure after the revert refutes here but passed in Litmus",
            if mode == Mode::Continuous { "Continuous" } else { "OnChaos" }
        ));
        // retries: a failure Litmus re-checked away is forgiven here too
        match (run.retries, run.interval) {
            (Some((n, field)), Some(i)) if n > 0 && !i.is_zero() => {
                let burst = i * u32::try_from(n).unwrap_or(u32::MAX);
                let how = format!(
                    "runProperties.{field}: Litmus re-checked a failed probe {n} time{} {} apart",
                    if n == 1 { "" } else { "s" },
                    secs(i)
                );
                if is_http {
                    s.tolerate = Some(noted(
                        burst + HTTP_WINDOW,
                        format!(
                            "{how}; + {} because a failed probe stays in the error rate that long",
                            secs(HTTP_WINDOW)
                        ),
                    ));
                    self.notes.push(format!(
                        "{w}: {how}, so it forgave failures that came and went; the scenario forgives one burst of failed probes shorter than {} (tolerate), but failures spread over time keep the error rate above 0 and refute",
                        secs(burst)
                    ));
                } else {
                    s.tolerate = Some(noted(burst, how));
                }
            }
            (Some((n, field)), _) if n > 0 => self.notes.push(format!(
                "{w}: runProperties.{field}: Litmus re-checked a failed probe {n} time{} without a pause (no interval); the scenario tolerates no violation",
                if n == 1 { "" } else { "s" }
            )),
            _ => {}
        }
        if run.stop_on_failure {
            if let Some(e) = &s.expect {
                let unit = if is_http { Unit::Ratio } else { Unit::None };
                // A failed probe keeps an http error rate up for 30 s, so a guardrail
                // waiting out that window would never fire during a short fault: it waits
                // only as long as Litmus's re-checks, and fires sooner than Litmus did.
                let wait = if is_http {
                    match (run.retries, run.interval) {
                        (Some((n, _)), Some(i)) if n > 0 && !i.is_zero() => {
                            let burst = i * u32::try_from(n).unwrap_or(u32::MAX);
                            self.notes.push(format!(
                                "{w}: runProperties.stopOnFailure: true: Litmus stopped the chaos when {} checks {} apart all failed; the scenario's guardrail pulls the kill switch {} after a failed probe, even one Litmus's re-check would have forgiven",
                                n + 1,
                                secs(i),
                                secs(burst)
                            ));
                            Some(burst)
                        }
                        _ => None,
                    }
                } else {
                    s.tolerate.as_ref().map(|t| t.value)
                };
                let abort = negate(&e.value).map(|a| match wait {
                    Some(t) => format!("{a} for {}", secs(t)),
                    None => a,
                });
                match abort.filter(|a| parse_criterion(a, unit).is_ok()) {
                    Some(a) => {
                        s.abort = Some(noted(
                            a,
                            "runProperties.stopOnFailure: true: Litmus stopped the chaos when the probe failed",
                        ))
                    }
                    None => self.notes.push(format!(
                        "{w}: runProperties.stopOnFailure: true: Litmus stopped the chaos when the probe failed; the scenario has no guardrail for it (add `abort:`)"
                    )),
                }
            }
        }
    }

    fn run_properties(&mut self, n: Option<&Node>, at: &str, w: &str) -> Run {
        let mut run = Run::default();
        let Some(n) = n else { return run };
        let Some(mut f) = Fields::of(n, at) else {
            self.notes
                .push(format!("{at} ({}): not a mapping; ignored", describe(n)));
            return run;
        };
        let dur = |f: &mut Fields, key: &str, notes: &mut Vec<String>| -> Option<Duration> {
            let v = f.set(key)?;
            let d = litmus_duration(v);
            if d.is_none() {
                notes.push(format!(
                    "{w}: runProperties.{key}=`{}` is not a duration the importer reads; ignored",
                    shown(v)
                ));
            }
            d
        };
        let mut notes = Vec::new();
        run.timeout = dur(&mut f, "probeTimeout", &mut notes);
        run.interval = dur(&mut f, "interval", &mut notes);
        run.polling = dur(&mut f, "probePollingInterval", &mut notes);
        run.initial_delay = dur(&mut f, "initialDelay", &mut notes)
            .or_else(|| dur(&mut f, "initialDelaySeconds", &mut notes));
        let count = |f: &mut Fields, key: &str, notes: &mut Vec<String>| -> Option<u64> {
            let v = f.set(key)?;
            let c = v.parse::<u64>().ok();
            if c.is_none() {
                notes.push(format!(
                    "{w}: runProperties.{key}=`{}` is not a whole number; ignored",
                    shown(v)
                ));
            }
            c
        };
        let retry = count(&mut f, "retry", &mut notes);
        let attempt = count(&mut f, "attempt", &mut notes);
        run.retries = match (attempt, retry) {
            // Litmus 3: attempts in all; Litmus 2: re-checks after the first
            (Some(a), _) => Some((a.saturating_sub(1), "attempt")),
            (None, Some(r)) => Some((r, "retry")),
            (None, None) => None,
        };
        if attempt.is_some() && retry.is_some() {
            notes.push(format!(
                "{w}: runProperties has both attempt and retry; the scenario follows attempt (Litmus 3's)"
            ));
        }
        match f.set("stopOnFailure") {
            Some("true") => run.stop_on_failure = true,
            Some("false") | None => {}
            Some(other) => notes.push(format!(
                "{w}: runProperties.stopOnFailure=`{}` is not true or false; read as false",
                shown(other)
            )),
        }
        if let Some(v) = f.take("evaluationTimeout") {
            notes.push(format!(
                "{w}: runProperties.evaluationTimeout={}: Litmus's limit on how long the probe is evaluated; not used",
                describe(v)
            ));
        }
        if let Some(v) = f.take("verbosity") {
            notes.push(format!(
                "{w}: runProperties.verbosity={}: how much Litmus logged; gameday journals every sample",
                describe(v)
            ));
        }
        self.notes.extend(notes);
        self.notes.extend(f.unread(RUN_FIELDS));
        run
    }

    fn prom(
        &mut self,
        inputs: Option<&Node>,
        at: &str,
        w: &str,
        name: &str,
        mode: Option<Mode>,
        run: &Run,
    ) -> Option<SignalPlan> {
        let Some(mut f) = inputs.and_then(|n| Fields::of(n, at)) else {
            self.notes.push(format!(
                "{w}: promProbe without `promProbe/inputs`; not mapped"
            ));
            return None;
        };
        let endpoint = f.set("endpoint").map(str::to_string);
        let query = f.text("query").filter(|q| !q.trim().is_empty());
        let query_path = f.set("queryPath");
        let comparator = f.take("comparator");
        let tls = f.take("tlsConfig");
        let auth = f.take("auth");
        let Some(query) = query.map(str::to_string) else {
            self.notes.push(match query_path {
                Some(p) => format!(
                    "{w}: promProbe reads its query from the file `{}` (queryPath) in the experiment pod; not mapped: add the query as a promql signal",
                    shown(p)
                ),
                None => format!("{w}: promProbe without a query; not mapped"),
            });
            return None;
        };
        // one Prometheus per scenario
        match (&endpoint, &self.prom_url) {
            (Some(e), None) if url_ok(e) => self.prom_url = Some((e.clone(), w.to_string())),
            (Some(e), Some((first, from))) if url_ok(e) && e != first => {
                self.notes.push(format!(
                    "{w}: promProbe endpoint {} is a second Prometheus; gameday reads one (`prometheus.url`, {} from {from}), so its query `{}` is not mapped: run it in a scenario of its own",
                    shown(e),
                    shown(first),
                    shown(&query)
                ));
                return None;
            }
            (Some(e), _) if url_ok(e) => {}
            (other, _) => {
                self.notes.push(format!(
                    "{w}: promProbe endpoint {} is not an http(s) URL; its query runs against the scenario's prometheus.url{}",
                    other.as_deref().map(|e| format!("`{}`", shown(e))).unwrap_or_else(|| "(none)".into()),
                    other
                        .as_deref()
                        .filter(|e| !e.contains("://"))
                        .map(|e| format!(" (`http://{}` if it answers plain http)", shown(e)))
                        .unwrap_or_default()
                ));
            }
        }
        if let Some(e) = endpoint.as_deref().filter(|e| url_ok(e)) {
            self.cluster_host(e);
        }
        if f.set("insecureSkipVerify") == Some("true") {
            self.prom_insecure.get_or_insert_with(|| w.to_string());
        }
        if let Some(t) = tls {
            match Fields::of(t, format!("{at}.tlsConfig")) {
                Some(mut tf) => {
                    if tf.set("insecureSkipVerify") == Some("true") {
                        self.prom_insecure.get_or_insert_with(|| w.to_string());
                    }
                    self.notes.extend(tf.unread(&["insecureSkipVerify"]));
                }
                None => self.notes.push(format!(
                    "{at}.tlsConfig ({}): not a mapping; ignored",
                    describe(t)
                )),
            }
        }
        if let Some(a) = auth {
            self.notes.push(format!(
                "{w}: promProbe auth ({}): credentials Litmus sent to Prometheus; not mapped: set prometheus.bearer_token_env or basic_auth",
                describe(a)
            ));
        }
        self.notes.extend(f.unread(&[
            "endpoint",
            "query",
            "queryPath",
            "comparator",
            "tlsConfig",
            "auth",
            "insecureSkipVerify",
        ]));
        if let Some(t) = run.timeout.filter(|t| !t.is_zero()) {
            self.prom_timeouts.push((w.to_string(), t));
        }
        if let Some(p) = run.polling.filter(|p| !p.is_zero()) {
            self.prom_polls.push((w.to_string(), p));
        }
        let mut crit_text = None;
        let expect = comparator.and_then(|c| {
            let mut cf = Fields::of(c, format!("{at}.comparator"))?;
            let criteria = cf.text("criteria").unwrap_or("").trim().to_string();
            let value = cf.text("value").unwrap_or("").trim().to_string();
            let _ = cf.take("type");
            self.notes.extend(cf.unread(&["type", "criteria", "value"]));
            crit_text = Some(format!("{criteria} {value}"));
            let e = format!("{criteria} {value}");
            let ok = matches!(criteria.as_str(), "==" | "!=" | "<" | ">" | "<=" | ">=")
                && value.parse::<f64>().is_ok_and(f64::is_finite)
                && parse_criterion(&e, Unit::None).is_ok();
            ok.then(|| noted(e, "promProbe comparator"))
        });
        let mut signal = SignalPlan {
            name: name.to_string(),
            heading: format!("{w}: promProbe"),
            source: Source::Promql { query },
            expect,
            abort: None,
            tolerate: None,
            watched: None,
            if_judged: Vec::new(),
            litmus: crit_text.clone().unwrap_or_default(),
        };
        if signal.expect.is_none() {
            let c = crit_text.unwrap_or_default();
            let why = if comparator.is_none() {
                format!("{w}: promProbe without a comparator; the scenario only watches it (no `expect`)")
            } else {
                format!(
                    "{w}: promProbe comparator `{}` has no gameday criterion (< <= > >= == != and a number); the scenario only watches it (no `expect`)",
                    shown(c.trim())
                )
            };
            // the mode note is the one that matters when the mode already rules it out
            if matches!(mode, Some(Mode::Continuous | Mode::OnChaos)) {
                self.watch(&mut signal, why);
            } else {
                self.notes.push(why);
                signal.watched = Some(watched_note(&signal.litmus));
            }
        }
        Some(signal)
    }

    fn http(
        &mut self,
        inputs: Option<&Node>,
        at: &str,
        w: &str,
        name: &str,
        mode: Option<Mode>,
        run: &Run,
    ) -> Option<SignalPlan> {
        let Some(mut f) = inputs.and_then(|n| Fields::of(n, at)) else {
            self.notes.push(format!(
                "{w}: httpProbe without `httpProbe/inputs`; not mapped"
            ));
            return None;
        };
        let url = f.set("url").map(str::to_string);
        let insecure = f.set("insecureSkipVerify") == Some("true");
        let response_timeout = f.set("responseTimeout");
        let method = f.take("method");
        let extra = f.unread(&["url", "insecureSkipVerify", "responseTimeout", "method"]);
        let Some(url) = url.filter(|u| url_ok(u)) else {
            self.notes.push(format!(
                "{w}: httpProbe url {} is not an http(s) URL gameday can probe; not mapped",
                f_url_shown(inputs)
            ));
            return None;
        };
        let mut m = method.and_then(|n| Fields::of(n, format!("{at}.method")));
        let get = m.as_mut().and_then(|m| m.take("get"));
        let post = m.as_mut().and_then(|m| m.take("post"));
        if let Some(m) = m {
            self.notes.extend(m.unread(&["get", "post"]));
        }
        let Some(get) = get else {
            self.notes.push(if post.is_some() {
                format!(
                    "{w}: httpProbe POST to {}: gameday's http signal only sends GET; not mapped",
                    shown(&url)
                )
            } else {
                format!("{w}: httpProbe without a get method; not mapped")
            });
            return None;
        };
        if post.is_some() {
            self.notes.push(format!(
                "{w}: httpProbe has both get and post; Litmus sends the GET, and so does the scenario"
            ));
        }
        self.notes.extend(extra);
        self.cluster_host(&url);
        if insecure {
            self.notes.push(format!(
                "{w}: httpProbe insecureSkipVerify: true: Litmus skipped certificate checks; gameday's http signals always verify certificates (they have no option to skip), so a probe of a self-signed endpoint fails here: probe it over http, or trust its CA on this machine"
            ));
        }
        let mut g = Fields::of(get, format!("{at}.method.get"));
        let (criteria, code) = match g.as_mut() {
            Some(g) => (
                g.text("criteria").unwrap_or("==").trim().to_string(),
                g.text("responseCode").unwrap_or("").trim().to_string(),
            ),
            None => ("==".into(), String::new()),
        };
        if let Some(g) = g {
            self.notes.extend(g.unread(&["criteria", "responseCode"]));
        }
        let crit = format!("status {criteria} {code}");
        let mut if_judged = Vec::new();
        let expect = match (criteria.as_str(), code.parse::<u16>()) {
            ("==", Ok(c)) if (200..400).contains(&c) => {
                if_judged.push(format!(
                    "{w}: httpProbe responseCode == {c}: Litmus failed the probe on any other status (a {} too); gameday counts every status below 400 as success and 400 or more, a timeout or a transport error as an error (`expect: == 0%` of errors)",
                    if c == 200 { "204 or a 301" } else { "200" }
                ));
                Some(noted("== 0%".to_string(), format!("Litmus: {crit}")))
            }
            _ => None,
        };
        let mut every = None;
        if let Some(p) = run.polling.filter(|p| !p.is_zero()) {
            every = Some(noted(
                p,
                "runProperties.probePollingInterval: the time between two checks",
            ));
        }
        let response_timeout = response_timeout.and_then(|t| {
            let ms = t.parse::<u64>().ok().filter(|ms| *ms > 0);
            if ms.is_none() {
                self.notes.push(format!(
                    "{w}: httpProbe responseTimeout=`{}` is not a number of milliseconds; ignored",
                    shown(t)
                ));
            }
            ms.map(Duration::from_millis)
        });
        let timeout = match (response_timeout, run.timeout.filter(|t| !t.is_zero())) {
            (Some(r), Some(p)) if p < r => Some(noted(
                p,
                "runProperties.probeTimeout (shorter than responseTimeout)",
            )),
            (Some(r), _) => Some(noted(r, "httpProbe responseTimeout")),
            (None, Some(p)) => Some(noted(p, "runProperties.probeTimeout")),
            (None, None) => None,
        };
        let mut signal = SignalPlan {
            name: name.to_string(),
            heading: format!("{w}: httpProbe GET"),
            source: Source::Http {
                url,
                every,
                timeout,
            },
            expect,
            abort: None,
            tolerate: None,
            watched: None,
            if_judged,
            litmus: crit.clone(),
        };
        if signal.expect.is_none() {
            let why = format!(
                "{w}: httpProbe {}: gameday's http signal counts a status of 400 or more as an error and cannot check for this one; the scenario only watches its error rate (no `expect`)",
                shown(&crit)
            );
            if matches!(mode, Some(Mode::Continuous | Mode::OnChaos)) {
                self.watch(&mut signal, why);
            } else {
                self.notes.push(why);
                signal.watched = Some(watched_note(&signal.litmus));
            }
        }
        Some(signal)
    }

    fn cluster_host(&mut self, url: &str) {
        let host = url
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(url)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or(host);
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let internal = host.ends_with(".svc")
            || host.ends_with(".cluster.local")
            || (!host.contains('.') && host != "localhost" && !host.starts_with('['));
        if internal && !self.in_cluster.contains(&host) {
            self.in_cluster.push(host);
        }
    }
}

fn watched_note(litmus: &str) -> String {
    if litmus.trim().is_empty() {
        "watched only (see NOT MAPPED above)".into()
    } else {
        format!(
            "watched only: Litmus checked `{}` (see NOT MAPPED above)",
            shown(litmus.trim())
        )
    }
}

fn f_url_shown(inputs: Option<&Node>) -> String {
    inputs
        .and_then(|n| Fields::of(n, ""))
        .and_then(|mut f| f.take("url").map(describe))
        .unwrap_or_else(|| "(none)".into())
}

/// What gameday's `check` accepts as an http(s) URL.
pub(super) fn url_ok(u: &str) -> bool {
    ["http://", "https://"].iter().any(|s| {
        u.strip_prefix(s).is_some_and(|rest| {
            !rest.is_empty()
                && !rest.contains(char::is_whitespace)
                && !rest.contains(char::is_control)
        })
    })
}

/// The guardrail for an `expect`: the opposite comparison.
fn negate(expect: &str) -> Option<String> {
    let t = expect.trim();
    if t == "== 0%" {
        // an error rate is never below 0
        return Some("> 0%".into());
    }
    for (op, not) in [
        ("<=", ">"),
        (">=", "<"),
        ("==", "!="),
        ("!=", "=="),
        ("<", ">="),
        (">", "<="),
    ] {
        if let Some(rest) = t.strip_prefix(op) {
            return Some(format!("{not} {}", rest.trim()));
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn run_properties_are_seconds_or_go_durations() {
        assert_eq!(litmus_duration("5"), Some(Duration::from_secs(5)));
        assert_eq!(litmus_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(litmus_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(litmus_duration("soon"), None);
    }

    #[test]
    fn the_guardrail_is_the_opposite_of_the_expectation() {
        assert_eq!(negate("<= 0.01").as_deref(), Some("> 0.01"));
        assert_eq!(negate("== 0%").as_deref(), Some("> 0%"));
        assert_eq!(negate("== 0").as_deref(), Some("!= 0"));
        assert_eq!(negate("> 2").as_deref(), Some("<= 2"));
        assert_eq!(negate("~ 2"), None);
    }
}
