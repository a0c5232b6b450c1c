//! The pod-delete experiment's env as a `pod_delete` fault.
//!
//! The env is read the same from Litmus 1.0 (`components:` is the list itself) and from
//! 2.x and 3.x (`components.env`). What the engine does not set, Litmus takes from the
//! pod-delete ChaosExperiment installed in the cluster; the scenario uses its published
//! defaults and says so beside each value.

use super::plan::{Amount, FaultPlan, Setting};
use super::targets::{from_targets, Resolved};
use super::text::shown;

/// The published defaults of the pod-delete ChaosExperiment (litmuschaos/chaos-charts).
pub(super) const DEFAULT_DURATION_S: u64 = 15;
pub(super) const DEFAULT_INTERVAL_S: u64 = 5;
pub(super) const DEFAULT_FORCE: bool = true;

/// The env entries: name and value (`None`: taken from a Secret or ConfigMap).
pub(super) type Env = Vec<(String, Option<String>)>;

/// The fault for a pod-delete experiment at `at` with `env`, targeting `engine` unless
/// the env says otherwise; notes go to `notes`.
pub(super) fn pod_delete(
    at: &str,
    env: &Env,
    engine: &Resolved,
    notes: &mut Vec<String>,
) -> FaultPlan {
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
        amount: Amount::One,
    };
    let mut percent = None;
    let mut kill_count = None;
    let mut saw_targets = false;
    for (name, value) in env {
        let n = shown(name);
        let Some(value) = value else {
            notes.push(format!(
                "{at} env {n}: takes its value from a Secret or ConfigMap the importer cannot read; not mapped (the scenario uses the default)"
            ));
            continue;
        };
        let v = value.trim();
        // Litmus reads an empty value as unset: the ChaosExperiment's default applies
        if v.is_empty() {
            continue;
        }
        let shown_v = shown(v);
        let from = format!("{n}={shown_v}");
        let set = format!("{n}=`{shown_v}`");
        let secs = || v.parse::<u64>().ok();
        match name.as_str() {
            "TOTAL_CHAOS_DURATION" => match secs() {
                Some(s) if s > 0 => {
                    f.duration_s = Setting {
                        value: s,
                        from: Some(from),
                    }
                }
                _ => notes.push(format!(
                    "{at} env TOTAL_CHAOS_DURATION=`{shown_v}`: not a number of seconds; the scenario uses the default {DEFAULT_DURATION_S} s"
                )),
            },
            "CHAOS_INTERVAL" => match secs() {
                Some(s) if s > 0 => {
                    f.interval_s = Setting {
                        value: s,
                        from: Some(from),
                    }
                }
                _ => match v.split_once('-').map(|(a, b)| (a.trim().parse::<u64>(), b.trim().parse::<u64>())) {
                    Some((Ok(lo), Ok(hi))) if lo > 0 && hi >= lo => {
                        f.interval_s = Setting {
                            value: lo,
                            from: Some(format!("{from}, its lower bound")),
                        };
                        notes.push(format!(
                            "{at} env CHAOS_INTERVAL=`{shown_v}`: Litmus waited a random time between {lo} and {hi} s between deletions; the scenario deletes every {lo} s"
                        ));
                    }
                    _ => notes.push(format!(
                        "{at} env CHAOS_INTERVAL=`{shown_v}`: not a number of seconds; the scenario uses the default {DEFAULT_INTERVAL_S} s"
                    )),
                },
            },
            "FORCE" => match v {
                "true" => {
                    f.force = Setting {
                        value: true,
                        from: Some(from),
                    }
                }
                "false" => {
                    f.force = Setting {
                        value: false,
                        from: Some(from),
                    }
                }
                _ => notes.push(format!(
                    "{at} env FORCE=`{shown_v}`: expected true or false; the scenario uses the default ({DEFAULT_FORCE})"
                )),
            },
            "PODS_AFFECTED_PERC" => match secs() {
                Some(0) => {}
                Some(p) if p <= 100 => percent = Some((p, from)),
                _ => notes.push(format!(
                    "{at} env PODS_AFFECTED_PERC=`{shown_v}`: expected 0 to 100; the scenario deletes one pod"
                )),
            },
            "KILL_COUNT" => match secs() {
                Some(c) if c > 0 => kill_count = Some((c, from)),
                _ => notes.push(format!(
                    "{at} env KILL_COUNT=`{shown_v}`: not a number of pods; the scenario deletes one pod"
                )),
            },
            "TARGETS" => {
                saw_targets = true;
                let r = from_targets(v, at);
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
                "{at} env TARGET_PODS=`{shown_v}`: Litmus deleted exactly these pods, by name; gameday chooses by label selector, so the scenario may delete other pods matching it: narrow the selector"
            )),
            "SEQUENCE" => {
                if v != "parallel" {
                    notes.push(format!(
                        "{at} env SEQUENCE=`{shown_v}`: Litmus deleted the chosen pods one after another; gameday deletes them together"
                    ));
                }
            }
            "RAMP_TIME" => notes.push(format!(
                "{at} env RAMP_TIME=`{shown_v}`: Litmus waited that long before and after the chaos; the scenario observes `phases.baseline` before the trigger and `phases.recovery` after the revert instead"
            )),
            "NODE_LABEL" => notes.push(format!(
                "{at} env NODE_LABEL=`{shown_v}`: Litmus only deleted pods on nodes with this label; gameday cannot select by node, so the scenario may delete matching pods on any node"
            )),
            "RANDOMNESS" => {
                if v == "true" {
                    notes.push(format!(
                        "{at} env RANDOMNESS=true: Litmus waited a random time between deletions; the scenario waits exactly `interval`"
                    ));
                }
            }
            "LIB" | "LIB_IMAGE" => notes.push(format!(
                "{at} env {set}: the chaos library Litmus deleted pods with; gameday deletes them through the Kubernetes API itself"
            )),
            "DEFAULT_HEALTH_CHECK" => {
                if v == "true" {
                    notes.push(format!(
                        "{at} env DEFAULT_HEALTH_CHECK=true: Litmus checked the target pods were running before and after the chaos; gameday does not: the `pods` panel shows them (add a `pods` signal with `expect` to judge them)"
                    ));
                }
            }
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
    f.amount = match (percent, kill_count) {
        (Some((p, from)), kc) => {
            notes.push(format!(
                "{at} env PODS_AFFECTED_PERC={p}: Litmus rounds the share down (at least one pod: 50% of 3 pods is 1); gameday rounds it up (50% of 3 is 2)"
            ));
            if let Some((_, kf)) = kc {
                notes.push(format!(
                    "{at} env {kf}: PODS_AFFECTED_PERC is set too; the scenario follows PODS_AFFECTED_PERC"
                ));
            }
            Amount::Percent(Setting {
                value: p,
                from: Some(from),
            })
        }
        (None, Some((c, from))) => Amount::Count(Setting {
            value: c,
            from: Some(from),
        }),
        (None, None) => Amount::One,
    };
    if f.target.selector.is_none() && !saw_targets && engine.notes.is_empty() {
        notes.push(format!(
            "{at} pod-delete: the engine names no target (spec.appinfo.applabel or TARGETS); the selector is the placeholder app=change-me"
        ));
    }
    let defaults: Vec<String> = [
        (
            f.duration_s.from.is_none(),
            format!("TOTAL_CHAOS_DURATION ({DEFAULT_DURATION_S} s)"),
        ),
        (
            f.interval_s.from.is_none(),
            format!("CHAOS_INTERVAL ({DEFAULT_INTERVAL_S} s)"),
        ),
        (f.force.from.is_none(), format!("FORCE ({DEFAULT_FORCE})")),
    ]
    .into_iter()
    .filter_map(|(unset, s)| unset.then_some(s))
    .collect();
    if !defaults.is_empty() {
        notes.push(format!(
            "{at} pod-delete: {} not set in the engine: Litmus takes {} from the pod-delete ChaosExperiment installed in the cluster; the scenario uses its published default{}",
            defaults.join(", "),
            if defaults.len() == 1 { "it" } else { "them" },
            if defaults.len() == 1 { "" } else { "s" }
        ));
    }
    f
}
