//! `pod_delete`: delete (or evict) some of the pods a selector matches, again every
//! `interval` while active; the revert stops deleting and reports whether the
//! replacements became Ready.

use std::sync::Mutex;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, EvictParams, ListParams};
use kube::ResourceExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{BoxFuture, Context, FaultAction, Kind, Progress};
use crate::cluster::safety::{check_namespace, check_permissions, check_targets, list_names, Need};
use crate::cluster::{explain, Cluster};
use crate::engine::Injection;
use crate::journal::redact::Redactor;
use crate::units::duration::format_duration;
use crate::cluster::safety::Safety;
use crate::yaml::read::{boolean, duration, fields, uint, Ctx};
use crate::cluster::selector::{namespace, selector};
use crate::yaml::Node;

/// `pod_delete:` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PodDelete {
    pub selector: String,
    pub namespace: Option<String>,
    /// Exactly one of `count` and `percent`; `count: 1` when neither is given.
    pub count: Option<u32>,
    pub percent: Option<u32>,
    pub interval: Option<Duration>,
    pub grace_period: Option<Duration>,
    pub force: bool,
    pub evict: bool,
}

impl Kind for PodDelete {
    const KEY: &'static str = "pod_delete";
    const NEEDS_CLUSTER: bool = true;
    const SCHEMA: &'static str = SCHEMA;
    const EXAMPLES: &'static [&'static str] = &[
        r#"{ selector: app=x, namespace: shop, count: 1, interval: 5s, grace_period: 0s, force: false, evict: false }"#,
        r#"{ selector: app=x, percent: 50, evict: true }"#,
        r#"{ selector: app=x, force: true }"#,
    ];

    fn parse(cx: &mut Ctx, n: &Node, path: &str) -> Option<Self> {
        let f = fields(
            cx,
            n,
            path,
            &[
                "selector",
                "namespace",
                "count",
                "percent",
                "interval",
                "grace_period",
                "force",
                "evict",
            ],
        )?;
        let sel = selector(cx, &f, "selector");
        let ns = namespace(cx, &f, "namespace");
        let mut count = uint(cx, &f, "count");
        let percent = uint(cx, &f, "percent");
        if f.has("count") && f.has("percent") {
            cx.err(
                f.key_pos("percent"),
                format!("{path}: has both `count` and `percent`; give one"),
            );
        }
        if count == Some(0) {
            cx.err(
                f.key_pos("count"),
                format!("{path}.count: must be at least 1"),
            );
        }
        if let Some(p) = percent {
            if !(1..=100).contains(&p) {
                cx.err(
                    f.get("percent").map_or(f.pos, |n| n.pos),
                    format!("{path}.percent: must be between 1 and 100, found {p}"),
                );
            }
        }
        if count.is_none() && percent.is_none() && !f.has("count") && !f.has("percent") {
            count = Some(1);
        }
        let interval = duration(cx, &f, "interval");
        if interval.is_some_and(|d| d.is_zero()) {
            cx.err(
                f.key_pos("interval"),
                format!("{path}.interval: must be more than 0s"),
            );
        }
        let grace_period = duration(cx, &f, "grace_period");
        let force = boolean(cx, &f, "force").unwrap_or(false);
        let evict = boolean(cx, &f, "evict").unwrap_or(false);
        if force && evict {
            cx.err(
                f.key_pos("evict"),
                format!("{path}: `force` and `evict` cannot both be true: eviction respects PodDisruptionBudgets, force skips them"),
            );
        }
        Some(PodDelete {
            selector: sel?,
            namespace: ns,
            count,
            percent,
            interval,
            grace_period,
            force,
            evict,
        })
    }

    /// Before the cluster is asked: the action's own plan also names the namespace and
    /// the grace period.
    fn plan(&self) -> Vec<String> {
        let how = match (self.count, self.percent) {
            (_, Some(pct)) => format!("{pct}% of"),
            (Some(n), None) => n.to_string(),
            (None, None) => "1".to_string(),
        };
        let verb = if self.evict { "evict" } else { "delete" };
        let mut inject = format!("inject: {verb} {how} pod(s) matching {}", self.selector);
        if let Some(i) = self.interval {
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

    /// A selector and a namespace are not secret.
    fn secrets(&self, _env: &dyn Fn(&str) -> Option<String>, _r: &mut Redactor) {}

    fn action(&self, fault: &str, ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
        Ok(Box::new(PodDeleteAction::new(
            self.clone(),
            ctx.cluster_for(fault, Self::KEY)?,
            ctx.safety.clone(),
            ctx.progress.clone(),
        )))
    }
}

/// Its part of the JSON Schema: see [`Kind::SCHEMA`].
const SCHEMA: &str = r##"{
  "property": { "$ref": "#/definitions/podDelete" },
  "definitions": {
    "podDelete": {
      "description": "Delete (or evict) `count` or `percent` of the matching pods, again every `interval` while active. Revert: stop deleting.",
      "type": "object",
      "required": ["selector"],
      "additionalProperties": false,
      "properties": {
        "selector": { "$ref": "#/definitions/selector" },
        "namespace": { "anyOf": [{ "$ref": "#/definitions/namespace" }, { "type": "null" }] },
        "count": {
          "description": "How many pods to delete each time. Default 1. Give count or percent.",
          "anyOf": [{ "$ref": "#/definitions/wholeNumber" }, { "type": "null" }]
        },
        "percent": {
          "description": "Which share of the matching pods to delete each time, 1 to 100.",
          "anyOf": [{ "$ref": "#/definitions/wholeNumber" }, { "type": "null" }]
        },
        "interval": {
          "description": "Delete again every interval while the fault is active. Default: once.",
          "anyOf": [{ "$ref": "#/definitions/duration" }, { "type": "null" }]
        },
        "grace_period": {
          "description": "The termination grace period given to deleted pods, e.g. 0s. Default: the pod's own.",
          "anyOf": [{ "$ref": "#/definitions/duration" }, { "type": "null" }]
        },
        "force": {
          "description": "Delete at once (grace period 0). Cannot be combined with evict.",
          "anyOf": [{ "$ref": "#/definitions/boolean" }, { "type": "null" }]
        },
        "evict": {
          "description": "Use the Eviction API, which respects PodDisruptionBudgets. Cannot be combined with force.",
          "anyOf": [{ "$ref": "#/definitions/boolean" }, { "type": "null" }]
        }
      },
      "not": { "required": ["count", "percent"] }
    }
  }
}"##;

/// How long a revert waits for the selector's pods to be Ready again.
const READY_WAIT: Duration = Duration::from_secs(30);
const READY_POLL: Duration = Duration::from_millis(250);
/// How long a revert waits for the repeating task to finish its current deletion.
const STOP_WAIT: Duration = Duration::from_secs(5);

pub struct PodDeleteAction {
    spec: PodDelete,
    cluster: Cluster,
    namespace: String,
    safety: Safety,
    progress: Option<Progress>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    repeater: Option<Repeater>,
    /// live pods matching before the first deletion: what "back to normal" means
    before: Option<usize>,
    /// whether any pod was deleted (by this process, or by the run `restore` tells of)
    deleted: bool,
}

struct Repeater {
    stop: watch::Sender<bool>,
    task: JoinHandle<u32>,
}

/// What one round of deletions needs; cloned into the repeating task.
#[derive(Clone)]
struct Deleter {
    pods: Api<Pod>,
    spec: PodDelete,
    namespace: String,
}

impl PodDeleteAction {
    pub fn new(
        spec: PodDelete,
        cluster: Cluster,
        safety: Safety,
        progress: Option<Progress>,
    ) -> Self {
        let namespace = spec
            .namespace
            .clone()
            .unwrap_or_else(|| cluster.namespace.clone());
        PodDeleteAction {
            spec,
            cluster,
            namespace,
            safety,
            progress,
            state: Mutex::new(State::default()),
        }
    }

    fn deleter(&self) -> Deleter {
        Deleter {
            pods: Api::namespaced(self.cluster.client.clone(), &self.namespace),
            spec: self.spec.clone(),
            namespace: self.namespace.clone(),
        }
    }

    fn needs(&self) -> Vec<Need> {
        let mut needs = vec![
            Need::new("list", "", "pods", "inject"),
            Need::new("get", "", "pods", "inject"),
        ];
        needs.push(if self.spec.evict {
            Need::new("create", "", "pods", "inject").on_subresource("eviction")
        } else {
            Need::new("delete", "", "pods", "inject")
        });
        needs.push(Need::new("list", "", "pods", "revert"));
        needs
    }

    fn how(&self) -> String {
        let verb = if self.spec.evict { "evict" } else { "delete" };
        let grace = match grace_seconds(&self.spec) {
            Some(0) => "grace period 0 s (force)".to_string(),
            Some(s) => format!("grace period {s} s"),
            None => "the pods' own grace period".to_string(),
        };
        format!("{verb} {}, {grace}", amount(&self.spec))
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // a poisoned lock only means a panic elsewhere while holding it; the state is
        // still the best knowledge of what is running, so use it
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

fn amount(spec: &PodDelete) -> String {
    match (spec.percent, spec.count) {
        (Some(p), _) => format!("{p}% of the matching pods (rounded up, at least 1)"),
        (None, Some(c)) => format!("{c} matching pod{}", if c == 1 { "" } else { "s" }),
        (None, None) => "1 matching pod".to_string(),
    }
}

/// `force` is a grace period of 0; otherwise `grace_period` in whole seconds.
fn grace_seconds(spec: &PodDelete) -> Option<u32> {
    if spec.force {
        return Some(0);
    }
    spec.grace_period
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
}

/// How many of `matching` pods one round deletes.
fn resolve_count(spec: &PodDelete, matching: usize) -> usize {
    let n = match (spec.percent, spec.count) {
        (Some(p), _) => (matching * p as usize).div_ceil(100).max(1),
        (None, Some(c)) => c as usize,
        (None, None) => 1,
    };
    n.min(matching)
}

fn is_terminating(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_some()
}

fn is_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// `redis-0 1/1` (ready containers / containers), plus the phase when not Ready.
fn pod_row(p: &Pod) -> String {
    let total = p.spec.as_ref().map_or(0, |s| s.containers.len());
    let ready = p
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map_or(0, |cs| cs.iter().filter(|c| c.ready).count());
    let mut row = format!("{} {ready}/{total}", p.name_any());
    if !is_ready(p) {
        let phase = p
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "no status".into());
        row.push_str(&format!(" ({phase})"));
    }
    row
}

impl Deleter {
    /// The live (not terminating) matching pods, sorted by name: the stable order victims
    /// are taken in.
    async fn live(&self) -> Result<Vec<Pod>, String> {
        let list = self
            .pods
            .list(&ListParams::default().labels(&self.spec.selector))
            .await
            .map_err(|e| {
                format!(
                    "could not list pods matching {} in namespace {}: {}",
                    self.spec.selector,
                    self.namespace,
                    explain(&e)
                )
            })?;
        let mut pods: Vec<Pod> = list
            .items
            .into_iter()
            .filter(|p| !is_terminating(p))
            .collect();
        pods.sort_by_key(|p| p.name_any());
        Ok(pods)
    }

    async fn delete_one(&self, name: &str) -> Result<(), String> {
        let dp = DeleteParams {
            grace_period_seconds: grace_seconds(&self.spec),
            ..DeleteParams::default()
        };
        if self.spec.evict {
            let ep = EvictParams {
                delete_options: Some(dp),
                ..EvictParams::default()
            };
            match self.pods.evict(name, &ep).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(s)) if s.code == 429 => Err(format!(
                    "eviction of pod/{name} refused by a PodDisruptionBudget: {} (the budget \
                     allows no more disruptions now; delete instead with `evict: false`, or \
                     wait until the pods are healthy)",
                    s.message
                )),
                Err(e) => Err(format!(
                    "could not evict pod/{name} in namespace {}: {}",
                    self.namespace,
                    explain(&e)
                )),
            }
        } else {
            match self.pods.delete(name, &dp).await {
                Ok(_) => Ok(()),
                Err(e) => Err(format!(
                    "could not delete pod/{name} in namespace {}: {}",
                    self.namespace,
                    explain(&e)
                )),
            }
        }
    }

    /// One round: a fresh list, the same count, the first by name. Returns the pods
    /// deleted (and the error that stopped the round, if any).
    async fn round(&self, count: usize) -> (Vec<String>, Option<String>) {
        let pods = match self.live().await {
            Ok(p) => p,
            Err(e) => return (vec![], Some(e)),
        };
        if pods.is_empty() {
            return (
                vec![],
                Some(format!(
                    "no live pods match {} in namespace {}: nothing to delete this time",
                    self.spec.selector, self.namespace
                )),
            );
        }
        let mut done = Vec::new();
        for p in pods.iter().take(count) {
            let name = p.name_any();
            if let Err(e) = self.delete_one(&name).await {
                return (done, Some(e));
            }
            done.push(name);
        }
        (done, None)
    }
}

impl FaultAction for PodDeleteAction {
    fn plan(&self) -> Vec<String> {
        let mut inject = format!(
            "inject: {} matching {} in namespace {} (the first by name)",
            self.how(),
            self.spec.selector,
            self.namespace
        );
        if let Some(i) = self.spec.interval {
            inject.push_str(&format!(
                "; again every {} while active",
                format_duration(i)
            ));
        }
        vec![
            inject,
            format!(
                "revert: stop deleting; wait up to {} for the pods matching {} to be Ready",
                format_duration(READY_WAIT),
                self.spec.selector
            ),
        ]
    }

    fn prepare(&self) -> BoxFuture<'_, Result<Vec<String>, String>> {
        Box::pin(async move {
            check_namespace(&self.safety, &self.cluster.namespace, &self.namespace)?;
            check_permissions(&self.cluster.client, &self.namespace, &self.needs()).await?;
            let pods = self.deleter().live().await?;
            let names: Vec<String> = pods.iter().map(|p| p.name_any()).collect();
            let what = format!("selector {}", self.spec.selector);
            check_targets(&self.safety, &what, "pods", &self.namespace, &names)?;
            let n = resolve_count(&self.spec, names.len());
            let victims: Vec<String> = names.iter().take(n).map(|n| format!("pod/{n}")).collect();
            let mut lines = vec![format!(
                "targets: {} match {} in namespace {}: {}",
                names.len(),
                self.spec.selector,
                self.namespace,
                list_names(&names, 10)
            )];
            let mut inject = format!(
                "inject: {} {} now (the first {n} by name; {})",
                if self.spec.evict { "evict" } else { "delete" },
                victims.join(", "),
                self.how()
            );
            if let Some(i) = self.spec.interval {
                inject.push_str(&format!(
                    "; again every {} while active, {n} at a time from a fresh list",
                    format_duration(i)
                ));
            }
            lines.push(inject);
            lines.extend(self.plan().into_iter().skip(1));
            lines.push(format!(
                "permissions: ok ({})",
                self.needs()
                    .iter()
                    .map(|n| format!("{} {}", n.verb, n.resource_text()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Ok(lines)
        })
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>> {
        Box::pin(async move {
            // the blast radius is checked again: the scenario may have changed nothing,
            // but the cluster may have
            check_namespace(&self.safety, &self.cluster.namespace, &self.namespace)?;
            let deleter = self.deleter();
            let pods = deleter.live().await?;
            let names: Vec<String> = pods.iter().map(|p| p.name_any()).collect();
            let what = format!("selector {}", self.spec.selector);
            check_targets(&self.safety, &what, "pods", &self.namespace, &names)?;
            let count = resolve_count(&self.spec, names.len());
            self.with_state(|s| s.before = Some(names.len()));
            let (done, err) = deleter.round(count).await;
            if !done.is_empty() {
                self.with_state(|s| s.deleted = true);
            }
            let targets: Vec<String> = done.iter().map(|n| format!("pod/{n}")).collect();
            if let Some(e) = err {
                return Err(if targets.is_empty() {
                    e
                } else {
                    format!(
                        "{e} (already {}: {})",
                        verb_past(&self.spec),
                        targets.join(", ")
                    )
                });
            }
            let mut detail = format!(
                "{} {} (the first {count} of {} by name)",
                verb_past(&self.spec),
                targets.join(", "),
                names.len()
            );
            if let Some(interval) = self.spec.interval.filter(|i| !i.is_zero()) {
                let (stop, stop_rx) = watch::channel(false);
                let task = tokio::spawn(repeat(
                    deleter,
                    count,
                    interval,
                    self.safety.max_duration,
                    self.progress.clone(),
                    stop_rx,
                ));
                let old = self.with_state(|s| s.repeater.replace(Repeater { stop, task }));
                if let Some(old) = old {
                    // an earlier injection that was never reverted: it stops now
                    old.task.abort();
                }
                detail.push_str(&format!(
                    "; again every {} until reverted",
                    format_duration(interval)
                ));
            }
            Ok(Injection {
                targets,
                detail,
                // after a crash the revert still knows how many pods "Ready again" means
                restore: Some(serde_json::json!({ "matching_before": names.len() }).to_string()),
            })
        })
    }

    fn revert(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let mut parts = Vec::new();
            let repeater = self.with_state(|s| s.repeater.take());
            if let Some(r) = repeater {
                let _ = r.stop.send(true);
                let mut task = r.task;
                let rounds = match tokio::time::timeout(STOP_WAIT, &mut task).await {
                    Ok(Ok(n)) => Some(n),
                    Ok(Err(_)) => None,
                    Err(_) => {
                        // stuck in a request: cancelling it is stopping it
                        task.abort();
                        let _ = task.await;
                        None
                    }
                };
                parts.push(match rounds {
                    Some(n) => format!(
                        "stopped deleting ({n} repeated round{})",
                        if n == 1 { "" } else { "s" }
                    ),
                    None => "stopped deleting".to_string(),
                });
            }
            let (before, deleted) = self.with_state(|s| (s.before, s.deleted));
            if !deleted && parts.is_empty() {
                return Ok("nothing to revert: no pod was deleted".into());
            }
            parts.push(self.wait_ready(before).await);
            Ok(parts.join("; "))
        })
    }

    fn restore(&self, saved: &str) {
        self.restore_from(saved);
    }
}

fn verb_past(spec: &PodDelete) -> &'static str {
    if spec.evict {
        "evicted"
    } else {
        "deleted"
    }
}

impl PodDeleteAction {
    /// Waits (bounded) for the selector's live pods to be all Ready, and at least as many as
    /// before the injection. Never an error: slow pods are a finding, not a failed revert.
    async fn wait_ready(&self, before: Option<usize>) -> String {
        let deleter = self.deleter();
        let deadline = tokio::time::Instant::now() + READY_WAIT;
        loop {
            let last = match deleter.live().await {
                Ok(pods) => {
                    let enough = pods.len() >= before.unwrap_or(1).max(1);
                    let rows: Vec<String> = pods.iter().map(pod_row).collect();
                    if enough && pods.iter().all(is_ready) {
                        return format!("replacements Ready: {}", rows.join(", "));
                    }
                    if rows.is_empty() {
                        format!("no pods match {}", self.spec.selector)
                    } else {
                        let want = before
                            .filter(|b| *b > pods.len())
                            .map(|b| format!(" ({} of {b} pods)", pods.len()))
                            .unwrap_or_default();
                        format!("{}{want}", rows.join(", "))
                    }
                }
                Err(e) => e,
            };
            if tokio::time::Instant::now() >= deadline {
                return format!("not Ready after {}: {last}", format_duration(READY_WAIT));
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }
}

/// Deletes `count` pods every `interval` until told to stop (or `ceiling` passed, whatever
/// happens to the engine); returns the number of rounds.
async fn repeat(
    deleter: Deleter,
    count: usize,
    interval: Duration,
    ceiling: Duration,
    progress: Option<Progress>,
    mut stop: watch::Receiver<bool>,
) -> u32 {
    let started = tokio::time::Instant::now();
    let every = format_duration(interval);
    let verb = verb_past(&deleter.spec);
    let mut rounds = 0;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return rounds,
        }
        if *stop.borrow() {
            return rounds;
        }
        if started.elapsed() >= ceiling {
            if let Some(p) = &progress {
                p.say(format!(
                    "stopped deleting again: safety.max_duration ({}) passed",
                    format_duration(ceiling)
                ))
                .await;
            }
            return rounds;
        }
        rounds += 1;
        let (done, err) = deleter.round(count).await;
        if let Some(p) = &progress {
            for name in &done {
                p.say(format!("{verb} pod/{name} (again, every {every})"))
                    .await;
            }
            if let Some(e) = err {
                p.say(format!("could not delete again: {e}")).await;
            }
        }
    }
}

impl PodDeleteAction {
    /// From the journal after a crash: pods were deleted, and how many matched before.
    fn restore_from(&self, saved: &str) {
        let before = serde_json::from_str::<serde_json::Value>(saved)
            .ok()
            .and_then(|v| v["matching_before"].as_u64())
            .and_then(|n| usize::try_from(n).ok());
        if before.is_none() {
            tracing::warn!(
                "pod_delete {}: the journaled restore data {saved:?} has no `matching_before`",
                self.spec.selector
            );
        }
        self.with_state(|s| {
            s.deleted = true;
            s.before = before;
        });
    }
}

impl Drop for PodDeleteAction {
    fn drop(&mut self) {
        // never the reason a fault outlives the experiment: no deleting without an owner
        if let Some(r) = self.with_state(|s| s.repeater.take()) {
            r.task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(count: Option<u32>, percent: Option<u32>) -> PodDelete {
        PodDelete {
            selector: "app=x".into(),
            namespace: None,
            count,
            percent,
            interval: None,
            grace_period: None,
            force: false,
            evict: false,
        }
    }

    #[test]
    fn counts() {
        assert_eq!(resolve_count(&spec(None, None), 3), 1);
        assert_eq!(resolve_count(&spec(Some(2), None), 3), 2);
        assert_eq!(resolve_count(&spec(Some(5), None), 3), 3);
        assert_eq!(resolve_count(&spec(None, Some(50)), 3), 2);
        assert_eq!(resolve_count(&spec(None, Some(1)), 3), 1);
        assert_eq!(resolve_count(&spec(None, Some(100)), 3), 3);
        assert_eq!(resolve_count(&spec(None, Some(50)), 0), 0);
    }

    #[test]
    fn grace() {
        let mut s = spec(None, None);
        assert_eq!(grace_seconds(&s), None);
        s.grace_period = Some(Duration::from_secs(5));
        assert_eq!(grace_seconds(&s), Some(5));
        s.force = true;
        assert_eq!(grace_seconds(&s), Some(0));
    }
}
