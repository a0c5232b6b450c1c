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

use crate::units::criterion::parse_criterion;
use crate::units::duration::{format_duration, parse_duration};
use crate::units::Unit;
use crate::yaml::Node;

use super::fields::{describe, Fields};
use super::golang::{atoi, parse_float, Atoi};
use super::plan::{noted, SignalPlan, Source, Version};
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
    /// Which Litmus the engine is for: how it retried a failed check depends on it.
    pub version: Version,
    /// The probes mapped as promql signals, for the one note on missing data.
    pub prom_probes: Vec<String>,
    /// promql signals whose endpoint Litmus could not query (no `http://`): the signal's
    /// name, the probe and the endpoint. They are kept only if no other probe names the
    /// Prometheus the scenario reads (`finish`).
    pub unreachable: Vec<(String, String, String)>,
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
    /// `retry` and `attempt` as written (whole numbers)
    retry: Option<u64>,
    attempt: Option<u64>,
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
        let kind_text = f.text("type").unwrap_or("").to_string();
        // litmus-go lower-cases the type before it matches it (probe.go: execute), so
        // `HTTPProbe` ran as an httpProbe
        let kind = match kind_text.to_ascii_lowercase().as_str() {
            "promprobe" => "promProbe".to_string(),
            "httpprobe" => "httpProbe".to_string(),
            "cmdprobe" => "cmdProbe".to_string(),
            "k8sprobe" => "k8sProbe".to_string(),
            "sloprobe" => "sloProbe".to_string(),
            _ => kind_text.clone(),
        };
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
        if let Some(why) = fixed_verdict(&run, &self.version, &w) {
            // Litmus's verdict on this probe never depended on the service
            self.watch(&mut signal, why);
            self.signals.push(signal);
            return;
        }
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
        let re = recheck(run, &self.version);
        if let Some(re) = &re {
            if re.window.is_zero() {
                self.notes.push(format!(
                    "{w}: {}; the scenario tolerates no violation either",
                    re.how
                ));
            } else if is_http {
                s.tolerate = Some(noted(
                    re.window + HTTP_WINDOW,
                    format!(
                        "{}; + {} because a failed probe stays in the error rate that long",
                        re.short,
                        secs(HTTP_WINDOW)
                    ),
                ));
                self.notes.push(format!(
                    "{w}: {}; the scenario forgives one burst of failed probes shorter than {} (tolerate), but failures spread over time keep the error rate above 0 and refute",
                    re.how,
                    secs(re.window)
                ));
            } else {
                s.tolerate = Some(noted(re.window, re.short.clone()));
                self.notes
                    .push(format!("{w}: {}; so does the scenario (tolerate)", re.how));
            }
        }
        if run.stop_on_failure {
            if let Some(e) = &s.expect {
                let unit = if is_http { Unit::Ratio } else { Unit::None };
                // A failed probe keeps an http error rate up for 30 s, so a guardrail
                // waiting out that window would never fire during a short fault: it waits
                // only as long as Litmus's re-checks, and fires sooner than Litmus did.
                let wait = if is_http {
                    match &re {
                        Some(re) if !re.window.is_zero() => {
                            self.notes.push(format!(
                                "{w}: runProperties.stopOnFailure: true: Litmus stopped the chaos when {}; the scenario's guardrail pulls the kill switch {} after a failed probe, even one Litmus's re-check would have forgiven",
                                re.all_failed,
                                secs(re.window)
                            ));
                            Some(re.window)
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
        run.retry = count(&mut f, "retry", &mut notes);
        run.attempt = count(&mut f, "attempt", &mut notes);
        if matches!((run.attempt, run.retry), (Some(a), Some(_)) if a > 0) {
            notes.push(format!(
                "{w}: runProperties has both attempt and retry; litmus-go 3 follows attempt, and so does the scenario"
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
        // one Prometheus per scenario; a trailing slash names the same server
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        let mut unreachable = false;
        match (&endpoint, &self.prom_url) {
            (Some(e), None) if url_ok(e) => self.prom_url = Some((e.clone(), w.to_string())),
            (Some(e), Some((first, from))) if url_ok(e) && !same(e, first) => {
                self.notes.push(format!(
                    "{w}: promProbe endpoint {} is a second Prometheus; gameday reads one (`prometheus.url`, {} from {from}), so its query `{}` is not mapped: run it in a scenario of its own",
                    shown(e),
                    shown(first),
                    shown(&query)
                ));
                return None;
            }
            (Some(e), Some((first, _))) if url_ok(e) => {
                if e != first {
                    self.notes.push(format!(
                        "{w}: promProbe endpoint `{}` differs from `{}` only by a trailing slash: the same Prometheus, read once (`prometheus.url`)",
                        shown(e),
                        shown(first)
                    ));
                }
            }
            // litmus-go runs `promql --host ENDPOINT`, whose Prometheus client
            // (client_golang's api.NewClient) needs an http(s) URL: every query fails
            _ => unreachable = true,
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
        if !unreachable {
            if let Some(t) = run.timeout.filter(|t| !t.is_zero()) {
                self.prom_timeouts.push((w.to_string(), t));
            }
            if let Some(p) = run.polling.filter(|p| !p.is_zero()) {
                self.prom_polls.push((w.to_string(), p));
            }
        }
        let mut crit_text = None;
        let mut unmapped: Option<String> = None;
        let expect = comparator.and_then(|c| {
            let mut cf = Fields::of(c, format!("{at}.comparator"))?;
            // exactly as written: litmus-go trims neither
            let criteria = cf.text("criteria").unwrap_or("").to_string();
            let value = cf.text("value").unwrap_or("").to_string();
            let _ = cf.take("type");
            self.notes.extend(cf.unread(&["type", "criteria", "value"]));
            crit_text = Some(format!("{criteria} {value}"));
            match comparator_criterion(&criteria, &value) {
                Ok((e, note)) => {
                    if let Some(n) = note {
                        self.notes.push(format!("{w}: {n}"));
                    }
                    Some(noted(e, "promProbe comparator"))
                }
                Err(why) => {
                    unmapped = Some(why);
                    None
                }
            }
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
        if unreachable {
            // judged in `finish`, once every probe's endpoint is known
            self.unreachable.push((
                name.to_string(),
                w.to_string(),
                endpoint.clone().unwrap_or_default(),
            ));
            signal.expect = None;
            signal.watched = Some(watched_note(&signal.litmus));
            return Some(signal);
        }
        self.prom_probes.push(w.to_string());
        if signal.expect.is_none() {
            let why = match unmapped {
                None => format!("{w}: promProbe without a comparator; the scenario only watches it (no `expect`)"),
                Some(why) => format!("{w}: {why}; the scenario only watches it (no `expect`)"),
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
        // exactly as written: litmus-go trims neither, and a missing criteria is ""
        let (criteria, code) = match g.as_mut() {
            Some(g) => (
                g.text("criteria").unwrap_or("").to_string(),
                g.text("responseCode").unwrap_or("").to_string(),
            ),
            None => (String::new(), String::new()),
        };
        if let Some(g) = g {
            self.notes.extend(g.unread(&["criteria", "responseCode"]));
        }
        let crit = if criteria.is_empty() {
            format!("status (no criteria) {code}")
        } else {
            format!("status {criteria} {code}")
        };
        let mut if_judged = Vec::new();
        let mut unmapped: Option<String> = None;
        let expect = match (criteria.as_str(), atoi(&code)) {
            ("", _) => {
                unmapped = Some(format!(
                    "httpProbe GET has no criteria: litmus-go compares with the empty criteria, not one it knows ({}), so it failed this probe at every check (\"criteria not supported\"), whatever the service answered",
                    INT_CRITERIA.join(", ")
                ));
                None
            }
            (c, _) if !INT_CRITERIA.contains(&c) => {
                unmapped = Some(format!(
                    "httpProbe criteria `{}` is not one litmus-go knows ({}, exactly as written), so it failed this probe at every check (\"criteria not supported\"), whatever the service answered",
                    shown(c),
                    INT_CRITERIA.join(", ")
                ));
                None
            }
            (c, read @ (Atoi::Invalid | Atoi::OutOfRange(_))) => {
                let verdict = match c {
                    "!=" | ">" | ">=" => "passed at every check, whatever the service answered",
                    "==" | "<" | "<=" => "failed at every check, whatever the service answered",
                    _ => "compared every status with 0",
                };
                unmapped = Some(format!(
                    "httpProbe responseCode `{}`: strconv.Atoi does not read it, and litmus-go ignores the error, so Litmus compared the status with {} (`status {c} {}`): the probe {verdict}",
                    shown(&code),
                    read.value(),
                    read.value()
                ));
                None
            }
            ("==", Atoi::Ok(c)) if (200..400).contains(&c) => {
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
            let why = match unmapped {
                Some(why) => format!("{w}: {why}; the scenario only watches its error rate (no `expect`)"),
                None => format!(
                    "{w}: httpProbe {}: gameday's http signal counts a status of 400 or more as an error and cannot check for this one; the scenario only watches its error rate (no `expect`)",
                    shown(&crit)
                ),
            };
            if matches!(mode, Some(Mode::Continuous | Mode::OnChaos)) {
                self.watch(&mut signal, why);
            } else {
                self.notes.push(why);
                signal.watched = Some(watched_note(&signal.litmus));
            }
        }
        Some(signal)
    }

    /// What can be decided only once every probe is read: promProbes whose endpoint
    /// Litmus could not query, and the one note on what litmus-go failed a promProbe for.
    pub fn finish(&mut self) {
        let unreachable = std::mem::take(&mut self.unreachable);
        for (name, w, endpoint) in unreachable {
            let e = if endpoint.is_empty() {
                "is missing".to_string()
            } else {
                format!("`{}` is not an http(s) URL", shown(&endpoint))
            };
            let litmus = format!(
                "{w}: promProbe endpoint {e}: litmus-go runs `promql --host` with it, whose Prometheus client needs `http://` or `https://`, so every query failed and Litmus failed this probe at every check"
            );
            match &self.prom_url {
                Some((first, _)) => {
                    self.signals.retain(|s| s.name != name);
                    self.notes.push(format!(
                        "{litmus}; not mapped: the scenario's Prometheus is `{}`, another probe's, and this query was never judged against it",
                        shown(first)
                    ));
                }
                None => self.notes.push(format!(
                    "{litmus}; the scenario only watches its query (no `expect`) against prometheus.url, a placeholder: set it to your Prometheus{}",
                    if !endpoint.is_empty() && !endpoint.contains("://") {
                        format!(" (`http://{}` if it answers plain http)", shown(&endpoint))
                    } else {
                        String::new()
                    }
                )),
            }
        }
        if !self.prom_probes.is_empty() {
            self.notes.push(format!(
                "{}: Litmus failed a promProbe check when the query returned no series or more than one, a value it could not compare (NaN fails all but !=) or took longer than probeTimeout; gameday counts each of these as a missing sample: fewer than three in a row are ignored, more make the signal lack data (INCONCLUSIVE), and none refutes",
                self.prom_probes.join(", ")
            ));
        }
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

/// The criteria litmus-go's comparators know, exactly as written (comparator/float.go
/// and integer.go: anything else fails with "criteria not supported").
const INT_CRITERIA: &[&str] = &[
    "==", "!=", "<", ">", "<=", ">=", "OneOf", "oneOf", "between", "Between",
];

/// A promProbe comparator as a gameday criterion, and a note when Litmus's reading of it
/// is not what it says; `Err` says why there is none. litmus-go compares floats
/// (comparator/float.go): the value is read with `strconv.ParseFloat`, an error being 0.
fn comparator_criterion(criteria: &str, value: &str) -> Result<(String, Option<String>), String> {
    let q = shown(value);
    match criteria {
        "==" | "!=" | "<" | ">" | "<=" | ">=" => {}
        "OneOf" | "oneOf" | "between" | "Between" => {
            return Err(format!(
                "promProbe comparator `{criteria} {q}` has no gameday criterion (one of < <= > >= == != and a number)"
            ))
        }
        other => {
            return Err(format!(
                "promProbe comparator criteria `{}` is not one litmus-go knows ({}, exactly as written), so it failed this probe at every check (\"criteria not supported\"), whatever the query returned",
                shown(other),
                INT_CRITERIA.join(", ")
            ))
        }
    }
    match parse_float(value) {
        Ok(Some(v)) if v.is_finite() => {
            let written = format!("{criteria} {value}");
            let exact = parse_criterion(&written, Unit::None).is_ok_and(|c| c.value == v);
            Ok((
                if exact {
                    written
                } else {
                    format!("{criteria} {v}")
                },
                None,
            ))
        }
        Ok(Some(_)) => Err(format!(
            "promProbe comparator value `{q}` is not a finite number; gameday's criteria compare with one"
        )),
        Ok(None) => Ok((
            format!("{criteria} 0"),
            Some(format!(
                "promProbe comparator value `{q}`: Go's strconv.ParseFloat does not read it (a number alone: no space, unit or list), and litmus-go ignores the error, so Litmus compared the query's value with 0; so does the scenario (`{criteria} 0`): write the number alone if you meant it"
            )),
        )),
        Err(()) => Err(format!(
            "promProbe comparator value `{q}` is a hexadecimal float, which Go reads and the importer does not"
        )),
    }
}

/// When Litmus's verdict on a probe did not depend on the service at all, why.
fn fixed_verdict(run: &Run, version: &Version, w: &str) -> Option<String> {
    if run.timeout != Some(Duration::ZERO) {
        return None;
    }
    Some(if version.major.is_none_or(|m| m >= 3) {
        // litmus-go 3, pkg/utils/retry/retry.go (TryWithTimeout): a check that returned
        // after `timeout` or later is an "action timeout" error, even when it passed
        format!(
            "{w}: runProperties.probeTimeout is 0: litmus-go 3 counts a check that takes probeTimeout or longer as failed (retry.go, TryWithTimeout), and every check takes at least 0 s, so Litmus failed this probe at every check, whatever the service did; the scenario only watches it (no `expect`): set probeTimeout to how long a check may take"
        )
    } else {
        // litmus-go 2, retry.go (TryWithTimeout): checks repeat while less than
        // `timeout` has passed since the attempt began; with 0 not even one runs
        format!(
            "{w}: runProperties.probeTimeout is 0: Litmus {}'s re-check loop (retry.go, TryWithTimeout) runs checks only while less than probeTimeout has passed, so it ran none and the probe passed whatever the service did; the scenario only watches it (no `expect`)",
            version.major.unwrap_or(2)
        )
    })
}

/// How long a failure Litmus forgave by checking again before it failed the probe.
struct Recheck {
    /// a run of failed checks shorter than this was forgiven
    window: Duration,
    /// the comment beside `tolerate`
    short: String,
    /// what Litmus did, for the note
    how: String,
    /// when Litmus failed the probe: "3 checks 2s apart all failed"
    all_failed: String,
}

/// Litmus's re-checks of a failed probe, which changed between versions:
///
/// - litmus-go 3 (pkg/probe/probe.go, `getAttempts(attempt, retry)`): `attempt`, else
///   `retry`, else 1, is the number of checks in all; pkg/utils/retry/retry.go
///   (`TryWithTimeout`) runs them `interval` apart until one passes. So `retry: 3` is 3
///   checks (2 re-checks) and `retry: 1` forgives nothing.
/// - litmus-go 1 and 2 (the older retry.go, `for attempt := 0; ...; attempt <=
///   model.retry`): `retry + 1` attempts, each re-checking every `interval` until
///   `probeTimeout` has passed since it began, stopping at the first check that passes.
fn recheck(run: &Run, version: &Version) -> Option<Recheck> {
    let i = run.interval.unwrap_or_default();
    if version.major.is_none_or(|m| m >= 3) {
        if run.attempt.is_none() && run.retry.is_none() {
            return None;
        }
        let (n, field) = match (run.attempt, run.retry) {
            (Some(a), _) if a > 0 => (a, "attempt"),
            (_, Some(r)) if r > 0 => (r, "retry"),
            (Some(_), _) => (1, "attempt"),
            (None, _) => (1, "retry"),
        };
        let written = if field == "attempt" {
            run.attempt
        } else {
            run.retry
        }
        .unwrap_or(0);
        let window = i.saturating_mul(u32::try_from(n - 1).unwrap_or(u32::MAX));
        let why = if version.major.is_some() {
            format!("Litmus 3: {}", version.why)
        } else {
            let legacy = recheck(
                run,
                &Version {
                    major: Some(2),
                    why: String::new(),
                },
            )
            .map(|r| {
                format!(
                    "; Litmus 2 forgave failures shorter than {}",
                    secs(r.window)
                )
            })
            .unwrap_or_default();
            format!("read as litmus-go 3 reads it: the engine does not say which Litmus it is for{legacy}")
        };
        let how = if n == 1 {
            format!(
                "runProperties.{field}={written}: litmus-go 3 counts {field} as checks in all, not re-checks (getAttempts in probe.go), so it made one check and a single failed check failed the probe ({why})"
            )
        } else if i.is_zero() {
            format!(
                "runProperties.{field}={written}: litmus-go 3 made {n} checks in all (getAttempts in probe.go) without a pause (no interval), so it forgave only a failure shorter than the checks themselves ({why})"
            )
        } else {
            format!(
                "runProperties.{field}={written}: litmus-go 3 made {n} checks in all (getAttempts in probe.go), {} apart, and failed the probe only when all failed, so it forgave failures shorter than {} ({why})",
                secs(i),
                secs(window)
            )
        };
        return Some(Recheck {
            window,
            short: format!(
                "runProperties.{field}={written}: {n} checks {} apart (litmus-go 3)",
                secs(i)
            ),
            how,
            all_failed: format!("{n} checks {} apart all failed", secs(i)),
        });
    }
    let r = run.retry.unwrap_or(0);
    let attempts = r.saturating_add(1);
    let t = run.timeout.filter(|t| !t.is_zero())?;
    let major = version.major.unwrap_or(2);
    if i.is_zero() {
        let window = t.saturating_mul(u32::try_from(attempts).unwrap_or(u32::MAX));
        return Some(Recheck {
            window,
            short: format!("runProperties.retry={r}: {attempts} × probeTimeout {} of checks (Litmus {major})", secs(t)),
            how: format!(
                "runProperties.retry={r}: Litmus {major} ({}) re-checked a failed probe without a pause until probeTimeout ({}) had passed, {attempts} times over (retry.go), and failed it only when every check failed, so it forgave failures shorter than {}",
                version.why,
                secs(t),
                secs(window)
            ),
            all_failed: format!("every check for {} failed", secs(window)),
        });
    }
    let per_attempt = t.as_nanos().div_ceil(i.as_nanos()).max(1);
    let checks = u64::try_from(per_attempt)
        .unwrap_or(u64::MAX)
        .saturating_mul(attempts);
    let window = i.saturating_mul(u32::try_from(checks - 1).unwrap_or(u32::MAX));
    Some(Recheck {
        window,
        short: format!("runProperties.retry={r}: up to {checks} checks {} apart (Litmus {major})", secs(i)),
        how: format!(
            "runProperties.retry={r}: Litmus {major} ({}) made {attempts} attempt{} (retry.go: retry + 1), each re-checking every {} until probeTimeout ({}) had passed, so up to {checks} checks {} apart, and failed the probe only when all failed: it forgave failures shorter than {}",
            version.why,
            if attempts == 1 { "" } else { "s" },
            secs(i),
            secs(t),
            secs(i),
            secs(window)
        ),
        all_failed: format!("{checks} checks {} apart all failed", secs(i)),
    })
}

fn watched_note(litmus: &str) -> String {
    if litmus.trim().is_empty() {
        "watched only (see NOT MAPPED above)".into()
    } else {
        // as written: a space Litmus did not read past is shown
        format!(
            "watched only: Litmus checked `{}` (see NOT MAPPED above)",
            shown(litmus)
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
