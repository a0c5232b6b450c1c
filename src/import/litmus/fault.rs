//! The pod-delete experiment's env as a `pod_delete` fault.
//!
//! The env is read the same from Litmus 1.0 (`components:` is the list itself) and from
//! 2.x and 3.x (`components.env`). What the engine does not set, Litmus takes from the
//! pod-delete ChaosExperiment installed in the cluster; the scenario uses its published
//! defaults and says so beside each value.
//!
//! Each value is read the way litmus-go reads it, not the way it looks: litmus-go's
//! `pkg/generic/pod-delete/environment/environment.go` reads numbers with
//! `strconv.Atoi` and booleans with `strconv.ParseBool` and ignores their errors, so
//! `TOTAL_CHAOS_DURATION: "60s"` is 0 s (no chaos at all) and `FORCE: "yes"` is false;
//! `pkg/utils/common/pods.go` caps `PODS_AFFECTED_PERC` at 100 (`math.Minimum`) and deletes
//! at least one pod, and litmus-go 3 first draws a value for a range like `25-50`
//! (`common.ValidateRange`). Where Litmus's reading differs from the text, the notes say
//! what Litmus did and what the scenario does.

use super::golang::{atoi, parse_bool, Atoi, BOOL_WORDS};
use super::plan::{Amount, FaultPlan, Setting, Version};
use super::targets::{from_targets, Resolved};
use super::text::shown;

/// The published defaults of the pod-delete ChaosExperiment (litmuschaos/chaos-charts).
pub(super) const DEFAULT_DURATION_S: u64 = 15;
pub(super) const DEFAULT_INTERVAL_S: u64 = 5;
pub(super) const DEFAULT_FORCE: bool = true;
/// litmus-go's defaults for the wait after each round (environment.go).
const STATUS_CHECK_TIMEOUT_S: i64 = 180;
const STATUS_CHECK_DELAY_S: i64 = 2;
/// Longer than any game day; keeps `safety.max_duration` (30 s more) below the century
/// gameday's durations stop at.
const LONGEST_S: u64 = 99 * 365 * 24 * 3600;

/// The value of an env entry.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum EnvValue {
    /// `value:`, exactly as written (an entry with neither `value` nor `valueFrom` is
    /// the empty string, as for Kubernetes)
    Text(String),
    /// `valueFrom:` a Secret, ConfigMap or field the importer cannot read
    FromRef,
    /// `value:` that is a list or a mapping (described): Kubernetes refuses it
    NotText(String),
}

pub(super) type Env = Vec<(String, EnvValue)>;

/// Whether Litmus checked the health of the target pods before and after the chaos
/// (`spec.defaultHealthCheck`, or the experiment's `DEFAULT_APP_HEALTH_CHECK` env), and
/// where that came from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Health {
    pub on: bool,
    pub source: String,
}

/// What a pod-delete experiment becomes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PodDelete {
    /// `None` when Litmus deleted no pod at all (a chaos duration it read as 0 s)
    pub fault: Option<FaultPlan>,
    /// whether Litmus judged the target pods' health in this experiment
    pub health_checked: bool,
    /// notes that read the same for every experiment they apply to (after `pod-delete: `),
    /// listed once with all of them
    pub shared: Vec<String>,
}

/// `NAME=value` as a comment says it: bare when the value is plain text, in backticks
/// (control characters shown as escapes, spaces kept) otherwise.
fn as_set(name: &str, raw: &str) -> String {
    let plain = !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '`' | '\\'));
    if plain {
        format!("{}={raw}", shown(name))
    } else {
        format!("{}=`{}`", shown(name), shown(raw))
    }
}

/// The number a value seems to mean in whole seconds (`60s`, ` 60`, `60.0`), when it is
/// one; for suggesting what to write.
fn evident_seconds(raw: &str) -> Option<u64> {
    let t = raw.trim();
    let t = t.strip_suffix('s').unwrap_or(t).trim();
    let f: f64 = t.parse().ok()?;
    (f.is_finite() && f >= 1.0 && f.fract() == 0.0 && f < LONGEST_S as f64).then_some(f as u64)
}

/// What strconv.Atoi made of a value that is not a plain whole number, for a message.
fn atoi_reading(raw: &str, read: Atoi) -> String {
    match read {
        Atoi::Ok(n) => format!("{n}"),
        Atoi::Invalid => format!(
            "0 (litmus-go reads it with strconv.Atoi, which reads only whole numbers: no unit, decimal point or space, so `{}` is an error, and litmus-go ignores it)",
            shown(raw)
        ),
        Atoi::OutOfRange(n) => format!("{n} (too large for Go's int: strconv.Atoi clamps it)"),
    }
}

/// The fault for a pod-delete experiment at `at` with `env`, targeting `engine` unless
/// the env says otherwise; notes go to `notes`.
pub(super) fn pod_delete(
    at: &str,
    env: &Env,
    engine: &Resolved,
    version: &Version,
    health: &Health,
    notes: &mut Vec<String>,
) -> PodDelete {
    let mut f = FaultPlan {
        target: engine.clone(),
        duration_s: Setting {
            value: DEFAULT_DURATION_S,
            from: None,
        },
        interval_s: Setting {
            value: DEFAULT_INTERVAL_S,
            from: None,
        },
        force: Setting {
            value: DEFAULT_FORCE,
            from: None,
        },
        amount: Amount::One(None),
    };
    let mut no_chaos = false;
    let mut interval_raw: Option<String> = None;
    let mut randomness = false;
    let mut percent_raw: Option<String> = None;
    let mut kill_count: Option<(i64, String)> = None;
    let mut status_timeout: Option<(i64, String)> = None;
    let mut status_delay: Option<(i64, String)> = None;
    let mut health = health.clone();
    if version.major == Some(1) && health.source.starts_with("spec.defaultHealthCheck not set") {
        health.source = "Litmus 1 always checked".into();
    }
    let mut saw_targets = false;
    let mut empty: Vec<String> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for (name, value) in env {
        let n = shown(name);
        let raw = match value {
            EnvValue::Text(t) => t.as_str(),
            EnvValue::FromRef => {
                notes.push(format!(
                    "{at} env {n}: takes its value from a Secret or ConfigMap the importer cannot read; not mapped (the scenario uses the default)"
                ));
                refused.push(name.clone());
                continue;
            }
            EnvValue::NotText(what) => {
                notes.push(format!(
                    "{at} env {n}: its value is {what}, not a string: Kubernetes refuses such an env entry, so Litmus never ran this engine as written; not mapped (the scenario uses the default)"
                ));
                refused.push(name.clone());
                continue;
            }
        };
        // litmus-go's Getenv reads an empty value as unset: the default applies
        if raw.is_empty() {
            empty.push(name.clone());
            continue;
        }
        let q = shown(raw);
        let set = as_set(name, raw);
        match name.as_str() {
            "TOTAL_CHAOS_DURATION" => match atoi(raw) {
                Atoi::Ok(s) if s > 0 => {
                    let s = s.unsigned_abs();
                    if s > LONGEST_S {
                        notes.push(format!(
                            "{at} env {set}: Litmus would delete pods for {s} s; gameday's faults are shorter than a century, so the scenario deletes for {LONGEST_S} s"
                        ));
                    }
                    f.duration_s = Setting {
                        value: s.min(LONGEST_S),
                        from: Some(set),
                    };
                }
                read => {
                    no_chaos = true;
                    let what = match read {
                        Atoi::Ok(_) => format!("Litmus read {} s", read.value()),
                        _ => format!("Litmus read {}", atoi_reading(raw, read)),
                    };
                    let fix = evident_seconds(raw)
                        .map(|s| format!(" (write `{s}` to delete pods for {s} s)"))
                        .unwrap_or_default();
                    notes.push(format!(
                        "{at} env TOTAL_CHAOS_DURATION=`{q}`: {what}, and its pod-delete loop runs only while less time than that has passed, so it deleted no pod at all (the probes still ran); the scenario has no fault for this experiment either{fix}"
                    ));
                }
            },
            "CHAOS_INTERVAL" => interval_raw = Some(raw.to_string()),
            "RANDOMNESS" => match parse_bool(raw) {
                Some(b) => randomness = b,
                None => notes.push(format!(
                    "{at} env RANDOMNESS=`{q}`: not a boolean Go's strconv.ParseBool reads ({BOOL_WORDS}); litmus-go ignores the error and reads false: Litmus waited exactly CHAOS_INTERVAL, as does the scenario"
                )),
            },
            "FORCE" => match parse_bool(raw) {
                Some(b) => {
                    f.force = Setting {
                        value: b,
                        from: Some(set),
                    }
                }
                None => {
                    f.force = Setting {
                        value: false,
                        from: Some(format!("{set} (Litmus read false)")),
                    };
                    notes.push(format!(
                        "{at} env FORCE=`{q}`: not a boolean Go's strconv.ParseBool reads ({BOOL_WORDS}); litmus-go ignores the error and reads false, so Litmus deleted the pods gracefully, and so does the scenario (force: false)"
                    ));
                }
            },
            "PODS_AFFECTED_PERC" => percent_raw = Some(raw.to_string()),
            "KILL_COUNT" => kill_count = Some((atoi(raw).value(), raw.to_string())),
            "STATUS_CHECK_TIMEOUT" => status_timeout = Some((atoi(raw).value(), raw.to_string())),
            "STATUS_CHECK_DELAY" => status_delay = Some((atoi(raw).value(), raw.to_string())),
            "DEFAULT_APP_HEALTH_CHECK" | "DEFAULT_HEALTH_CHECK" => {
                let on = parse_bool(raw).unwrap_or(false);
                if parse_bool(raw).is_none() {
                    notes.push(format!(
                        "{at} env {n}=`{q}`: not a boolean Go's strconv.ParseBool reads ({BOOL_WORDS}); litmus-go ignores the error and reads false: Litmus skipped its pod health checks"
                    ));
                }
                health = Health {
                    on,
                    source: format!("{at} env {set}"),
                };
            }
            "TARGETS" => {
                saw_targets = true;
                let r = from_targets(raw.trim(), at);
                match (&r.selector, &engine.selector) {
                    (None, Some(_)) => {
                        notes.extend(
                            r.notes
                                .iter()
                                .filter(|n| !n.contains("placeholder app=change-me"))
                                .cloned(),
                        );
                        notes.push(format!(
                            "{at} env TARGETS: no target maps onto a label selector; the scenario targets {} instead",
                            engine.source
                        ));
                    }
                    (Some(t), Some(e)) => {
                        notes.extend(r.notes.iter().cloned());
                        if t != e {
                            notes.push(format!(
                                "{at} env TARGETS and {}: both name targets; Litmus 3 reads TARGETS (Litmus 2 only appinfo), and so does the scenario",
                                engine.source
                            ));
                        }
                        f.target = Resolved {
                            notes: Vec::new(),
                            ..r
                        };
                    }
                    _ => {
                        notes.extend(r.notes.iter().cloned());
                        f.target = Resolved {
                            notes: Vec::new(),
                            ..r
                        };
                    }
                }
            }
            "TARGET_PODS" => notes.push(format!(
                "{at} env TARGET_PODS=`{q}`: Litmus deleted exactly these pods, by name; gameday chooses by label selector, so the scenario may delete other pods matching it: narrow the selector"
            )),
            "SEQUENCE" => match raw.to_lowercase().as_str() {
                // litmus-go lower-cases it (pod-delete.go: strings.ToLower)
                "parallel" => {}
                "serial" => notes.push(format!(
                    "{at} env SEQUENCE=`{q}`: Litmus deleted the chosen pods one after another, waiting CHAOS_INTERVAL and for the pods to be Running again after each; gameday deletes them together"
                )),
                "random" => notes.push(format!(
                    "{at} env SEQUENCE=`{q}`: litmus-go picked serial or parallel at random, once for the whole experiment (common.GetRandomSequence); gameday deletes the chosen pods together (parallel)"
                )),
                _ => notes.push(format!(
                    "{at} env SEQUENCE=`{q}`: not serial, parallel or random: litmus-go stops the experiment with \"sequence is not supported\" before deleting any pod; the scenario deletes the pods together (parallel, litmus-go's default)"
                )),
            },
            "RAMP_TIME" => notes.push(format!(
                "{at} env {set}: Litmus waited {} s before and after the chaos; the scenario observes `phases.baseline` before the trigger and `phases.recovery` after the revert instead",
                atoi_reading(raw, atoi(raw))
            )),
            "NODE_LABEL" => notes.push(format!(
                "{at} env NODE_LABEL=`{q}`: Litmus only deleted pods on nodes with this label; gameday cannot select by node, so the scenario may delete matching pods on any node"
            )),
            "LIB" | "LIB_IMAGE" => notes.push(format!(
                "{at} env {set}: the chaos library Litmus deleted pods with; gameday deletes them through the Kubernetes API itself"
            )),
            "TARGET_CONTAINER" => notes.push(format!(
                "{at} env {set}: pod-delete deletes whole pods, whatever the container; ignored"
            )),
            "INSTANCE_ID" => notes.push(format!(
                "{at} env {set}: a suffix for Litmus's ChaosResult name; gameday names its run directory itself"
            )),
            "APP_NAMESPACE" | "APP_LABEL" | "APP_KIND" | "CHAOS_NAMESPACE" | "CHAOSENGINE"
            | "CHAOS_SERVICE_ACCOUNT" | "ANSIBLE_STDOUT_CALLBACK" => notes.push(format!(
                "{at} env {set}: set by the Litmus operator or its runner, not by the experiment's author; ignored (the target comes from appinfo or TARGETS)"
            )),
            _ => notes.push(format!(
                "{at} env {set}: not an env var the pod-delete experiment is known to read; not mapped"
            )),
        }
    }
    if let Some(raw) = &interval_raw {
        f.interval_s = interval(at, raw, randomness, notes);
    } else if randomness {
        notes.push(format!(
            "{at} env RANDOMNESS=true: Litmus waited a random time below CHAOS_INTERVAL between rounds; the scenario waits exactly `interval`"
        ));
    }
    if let Some(raw) = &percent_raw {
        f.amount = percent(at, raw, version, notes);
    } else if empty.iter().any(|e| e == "PODS_AFFECTED_PERC") {
        f.amount = Amount::One(Some(
            "PODS_AFFECTED_PERC is empty, read as unset: Litmus deletes one pod".into(),
        ));
    } else if refused.iter().any(|r| r == "PODS_AFFECTED_PERC") {
        f.amount = Amount::One(Some(
            "PODS_AFFECTED_PERC not read (see NOT MAPPED above): one pod, as when it is unset"
                .into(),
        ));
    }
    if let Some((count, raw)) = &kill_count {
        let set = as_set("KILL_COUNT", raw);
        match (version.major, &f.amount) {
            (Some(1), Amount::One(None)) if *count > 0 => {
                f.amount = Amount::Count(Setting {
                    value: count.unsigned_abs(),
                    from: Some(set.clone()),
                });
                notes.push(format!(
                    "{at} env {set}: the first litmus-go pod-delete (Litmus 1.x, {}) deleted KILL_COUNT pods each round, and so does the scenario (count: {count}); litmus-go 2 and 3 no longer read it and delete PODS_AFFECTED_PERC of the pods (one when unset)",
                    version.why
                ));
            }
            _ => notes.push(format!(
                "{at} env {set}: only the first litmus-go pod-delete (Litmus 1.x) read KILL_COUNT; litmus-go 2 and 3 ignore it and delete PODS_AFFECTED_PERC of the pods (one when unset), and so does the scenario; set `count` by hand if this engine ran on Litmus 1.x"
            )),
        }
    }
    // each round: delete, wait, then wait for the pods to be Running again
    let timeout = status_timeout
        .as_ref()
        .map(|(s, _)| format!("STATUS_CHECK_TIMEOUT: {s} s"))
        .unwrap_or_else(|| format!("STATUS_CHECK_TIMEOUT, {STATUS_CHECK_TIMEOUT_S} s by default"));
    let delay = status_delay
        .as_ref()
        .map(|(s, _)| format!("STATUS_CHECK_DELAY: {s} s"))
        .unwrap_or_else(|| format!("STATUS_CHECK_DELAY, {STATUS_CHECK_DELAY_S} s by default"));
    for (name, v) in [
        ("STATUS_CHECK_TIMEOUT", &status_timeout),
        ("STATUS_CHECK_DELAY", &status_delay),
    ] {
        if let Some((n, raw)) = v {
            let read = atoi(raw);
            if !matches!(read, Atoi::Ok(_)) {
                notes.push(format!(
                    "{at} env {name}=`{}`: Litmus read {}",
                    shown(raw),
                    atoi_reading(raw, read)
                ));
            } else if *n <= 0 {
                notes.push(format!(
                    "{at} env {name}={n}: with no time to wait, Litmus's check that the pods are Running again gives up at once, so a round whose pods were not already back failed the experiment"
                ));
            }
        }
    }
    let mut shared = Vec::new();
    if !no_chaos {
        shared.push(format!(
            "each round Litmus deleted target pods chosen at random, waited CHAOS_INTERVAL, then waited until the workload's pods were Running again ({timeout}, checking every {delay}), failing the experiment if they were not, and only then began the next round, as long as less than TOTAL_CHAOS_DURATION had passed (so the last round could end well after it); gameday deletes the first pods by name, again every `interval` whether or not the earlier ones are back, and checks that they are Ready only once, at the revert (for up to 30 s)"
        ));
    }
    if health.on && !no_chaos {
        shared.push(format!(
            "Litmus checked that the target pods were Running, their containers ready, before and after the chaos, and failed the experiment if not ({}); gameday does not: the `pods` panel shows them; to judge them, add a `pods` signal with the number of Ready pods you expect (`pods: {{ selector: {} }}`, `expect: \">= N\"` for N replicas), judged from the trigger to the end of recovery, while pods are being deleted too",
            health.source,
            shown(f.target.selector.as_deref().unwrap_or("app=change-me"))
        ));
    }
    if f.target.selector.is_none() && !saw_targets && engine.notes.is_empty() {
        notes.push(format!(
            "{at} pod-delete: the engine names no target (spec.appinfo.applabel or TARGETS); the selector is the placeholder app=change-me"
        ));
    }
    let defaults: Vec<String> = [
        (
            "TOTAL_CHAOS_DURATION",
            f.duration_s.from.is_none(),
            format!("{DEFAULT_DURATION_S} s"),
        ),
        (
            "CHAOS_INTERVAL",
            f.interval_s.from.is_none(),
            format!("{DEFAULT_INTERVAL_S} s"),
        ),
        ("FORCE", f.force.from.is_none(), format!("{DEFAULT_FORCE}")),
    ]
    .into_iter()
    .filter(|(name, unset, _)| *unset && !refused.iter().any(|r| r == name))
    .map(|(name, _, value)| {
        if empty.iter().any(|e| e == name) {
            format!("{name} (empty: {value})")
        } else {
            format!("{name} ({value})")
        }
    })
    .collect();
    if !defaults.is_empty() && !no_chaos {
        notes.push(format!(
            "{at} pod-delete: {} not set in the engine{}: Litmus takes {} from the pod-delete ChaosExperiment installed in the cluster; the scenario uses its published default{}",
            defaults.join(", "),
            if empty.is_empty() {
                ""
            } else {
                " (litmus-go reads an empty value as unset)"
            },
            if defaults.len() == 1 { "it" } else { "them" },
            if defaults.len() == 1 { "" } else { "s" }
        ));
    }
    // a default written because the engine's value was empty or refused says so
    for (setting_empty, name) in [
        (f.duration_s.from.is_none(), "TOTAL_CHAOS_DURATION"),
        (f.interval_s.from.is_none(), "CHAOS_INTERVAL"),
        (f.force.from.is_none(), "FORCE"),
    ] {
        let why = if refused.iter().any(|r| r == name) {
            Some(format!(
                "{name} not read (see NOT MAPPED above): the pod-delete ChaosExperiment's default"
            ))
        } else if empty.iter().any(|e| e == name) {
            Some(format!(
                "{name} is empty: the pod-delete ChaosExperiment's default"
            ))
        } else {
            None
        };
        if let (true, Some(why)) = (setting_empty, why) {
            match name {
                "TOTAL_CHAOS_DURATION" => f.duration_s.from = Some(why),
                "CHAOS_INTERVAL" => f.interval_s.from = Some(why),
                _ => f.force.from = Some(why),
            }
        }
    }
    PodDelete {
        health_checked: health.on,
        fault: (!no_chaos).then_some(f),
        shared,
    }
}

/// CHAOS_INTERVAL as litmus-go 3 reads it (pod-delete.go): `strconv.Atoi` of the text,
/// an error being 0 s; with RANDOMNESS, `common.RandomInterval`: a random wait in
/// `[0, N)` for `N`, in `[A, B)` for `A-B`.
fn interval(at: &str, raw: &str, randomness: bool, notes: &mut Vec<String>) -> Setting<u64> {
    let q = shown(raw);
    let set = as_set("CHAOS_INTERVAL", raw);
    let fallback = |notes: &mut Vec<String>, what: String| {
        let (value, used) = match evident_seconds(raw) {
            Some(s) => (s, format!("{s} s, as the value seems to mean")),
            None => (
                DEFAULT_INTERVAL_S,
                format!("{DEFAULT_INTERVAL_S} s, the ChaosExperiment's default"),
            ),
        };
        notes.push(format!(
            "{at} env CHAOS_INTERVAL=`{q}`: {what}; gameday cannot wait for the pods to be back between rounds, so the scenario deletes again every {used}"
        ));
        Setting {
            value,
            from: Some(format!("{set} (see NOT MAPPED above)")),
        }
    };
    if !randomness {
        return match atoi(raw) {
            Atoi::Ok(s) if s > 0 => Setting {
                value: s.unsigned_abs().min(LONGEST_S),
                from: Some(set),
            },
            read => fallback(
                notes,
                format!(
                    "Litmus read {}, so it did not wait between rounds: it deleted again as soon as the pods were Running again{}",
                    if matches!(read, Atoi::Ok(_)) {
                        format!("{} s", read.value())
                    } else {
                        atoi_reading(raw, read)
                    },
                    if raw.contains('-') {
                        " (a range is read only with RANDOMNESS=true)"
                    } else {
                        ""
                    }
                ),
            ),
        };
    }
    let parts: Vec<&str> = raw.split('-').collect();
    let (lo, hi) = match parts.as_slice() {
        [one] => (0, atoi(one).value()),
        [a, b] => (atoi(a).value(), atoi(b).value()),
        _ => {
            return fallback(
                notes,
                "with RANDOMNESS=true litmus-go reads a number or a range A-B, and stops the experiment with an error on anything else".into(),
            )
        }
    };
    if hi <= lo {
        return fallback(
            notes,
            format!("with RANDOMNESS=true litmus-go draws a wait in [{lo}, {hi}) s, an empty range: Go's rand.Intn panics and the experiment fails"),
        );
    }
    // a single number is the longest wait (as without RANDOMNESS), a range its shortest
    let (value, which) = if parts.len() == 1 {
        (hi.unsigned_abs().min(LONGEST_S), "the longest wait")
    } else {
        (lo.max(1).unsigned_abs().min(LONGEST_S), "the shortest wait")
    };
    notes.push(format!(
        "{at} env CHAOS_INTERVAL=`{q}` with RANDOMNESS=true: Litmus waited a random time from {lo} s up to (not including) {hi} s between rounds, drawn again each round (common.RandomInterval); the scenario deletes every {value} s, {which}"
    ));
    Setting {
        value,
        from: Some(format!(
            "{set}, {which} of a random one (see NOT MAPPED above)"
        )),
    }
}

/// PODS_AFFECTED_PERC as litmus-go reads it: litmus-go 3 first draws a value for a range
/// (`common.ValidateRange`: `A-B` is a random whole number in `[A, B]`, chosen once per
/// experiment), then `strconv.Atoi`; `math.Minimum(perc, 100)`, and at least one pod.
fn percent(at: &str, raw: &str, version: &Version, notes: &mut Vec<String>) -> Amount {
    let q = shown(raw);
    let set = as_set("PODS_AFFECTED_PERC", raw);
    let litmus3 = version.major.is_none_or(|m| m >= 3);
    let parts: Vec<&str> = raw.split('-').collect();
    let (p, how) = match parts.as_slice() {
        [a, b] if litmus3 => {
            let (lo, hi) = (atoi(a).value(), atoi(b).value());
            if hi < lo {
                notes.push(format!(
                    "{at} env PODS_AFFECTED_PERC=`{q}`: litmus-go 3 draws a value in [{lo}, {hi}], an empty range: Go's rand.Intn panics and the experiment fails before deleting any pod; the scenario deletes one pod"
                ));
                return Amount::One(Some(format!("{set} (see NOT MAPPED above)")));
            }
            let which = if version.major.is_some() {
                format!("litmus-go 3 ({})", version.why)
            } else {
                "litmus-go 3 (the engine does not say which Litmus it is for; Litmus 2 read a range as 0: one pod)".to_string()
            };
            (
                lo,
                Some(format!(
                    "{which} drew a whole number from {lo} to {hi} % once for the experiment (common.ValidateRange); the scenario uses the lowest, {lo} %"
                )),
            )
        }
        [_] => {
            let read = atoi(raw);
            let how = (!matches!(read, Atoi::Ok(_)))
                .then(|| format!("Litmus read {}", atoi_reading(raw, read)));
            (read.value(), how)
        }
        _ => {
            let read = atoi(raw);
            let why = if litmus3 {
                "litmus-go 3 reads a number or a range A-B and takes anything else as 0".to_string()
            } else {
                format!("Litmus read {}", atoi_reading(raw, read))
            };
            (read.value(), Some(why))
        }
    };
    let p = if litmus3 && parts.len() > 2 { 0 } else { p };
    if p <= 0 {
        let note = format!(
            "{}0 % still deletes one pod (at least one, pods.go), and so does the scenario",
            how.map(|h| format!("{h}; ")).unwrap_or_default()
        );
        if raw != "0" {
            notes.push(format!("{at} env PODS_AFFECTED_PERC=`{q}`: {note}"));
        }
        return Amount::One(Some(format!("{set}: Litmus deletes one pod")));
    }
    let capped = p.min(100).unsigned_abs();
    let mut said = Vec::new();
    if let Some(h) = how {
        said.push(h);
    }
    if p > 100 {
        said.push(
            "litmus-go caps it at 100 % (math.Minimum in pods.go): every matching pod, and so does the scenario (percent: 100)"
                .to_string(),
        );
    }
    if capped < 100 {
        said.push(
            "Litmus rounds the share down (at least one pod: 50% of 3 pods is 1); gameday rounds it up (50% of 3 is 2)"
                .into(),
        );
    }
    if !said.is_empty() {
        notes.push(format!("{at} env {set}: {}", said.join("; ")));
    }
    let exact = matches!(atoi(raw), Atoi::Ok(n) if n == p && p <= 100);
    Amount::Percent(Setting {
        value: capped,
        from: Some(if exact {
            set
        } else {
            format!("{set} (see NOT MAPPED above)")
        }),
    })
}
