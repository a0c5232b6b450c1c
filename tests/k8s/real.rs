//! The real `gameday` binary against a real Kubernetes control plane (kube-apiserver,
//! etcd, kube-controller-manager, kube-scheduler and fake-kubelet, started by
//! `scripts/k8s-testbed start DIR`; `GAMEDAY_TESTBED_DIR=DIR`), as the user
//! `gameday-operator` bound to exactly `assets/rbac.yaml` in each test's own namespace.
//!
//! What the API fake cannot prove: the ReplicaSet and StatefulSet controllers bringing
//! pods back, the disruption controller refusing an eviction, real server-side apply and
//! field managers, CRDs, RBAC, and a watch meeting a compacted etcd. Every wait is
//! bounded; assertions go by order and journal timestamps with generous bounds.

use crate::common;
use crate::testbed;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{events, journal, run_dir, wait_bounded};
use serde_json::Value;
use testbed::{install_chaos_crds, testbed, ts, wait_for_line, wait_until, Ns, OwnTestbed, Relay};

const RUN_LIMIT: Duration = Duration::from_secs(120);

/// `gameday run --headless` as the operator; (exit code, stdout + stderr).
fn run(kubeconfig: &Path, scenario: &Path, out: &Path) -> (i32, String) {
    let mut child = spawn_run(kubeconfig, scenario, out);
    let o = wait_bounded(&mut child, RUN_LIMIT);
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), text)
}

fn spawn_run(kubeconfig: &Path, scenario: &Path, out: &Path) -> common::Reaped {
    common::spawn(common::headless(scenario, out, &[]).env("KUBECONFIG", kubeconfig))
}

fn gameday_as(kubeconfig: &Path, args: &[&str]) -> (i32, String) {
    let o = common::gameday()
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .stdin(Stdio::null())
        .output()
        .expect("gameday runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn operator() -> PathBuf {
    testbed().operator_kubeconfig.clone()
}

fn samples(j: &[Value], signal: &str) -> Vec<(chrono::DateTime<chrono::Utc>, f64)> {
    j.iter()
        .filter(|v| v["type"] == "sample" && v["signal"] == signal)
        .filter_map(|v| Some((ts(v), v["value"].as_f64()?)))
        .collect()
}

/// The pod names of the journal's `pods` changes of kind `change` (added, deleted, …).
fn pod_changes(j: &[Value], change: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for v in events(j, "pods") {
        for c in v["changes"].as_array().into_iter().flatten() {
            if c["change"] == change {
                out.push((
                    v["seq"].as_u64().unwrap_or(0),
                    c["pod"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    out
}

/// The `pod/NAME` a `fault_progress` line tells of.
fn progress_pod(v: &Value) -> String {
    let d = v["detail"].as_str().unwrap_or("");
    d.split("pod/")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or("")
        .to_string()
}

#[test]
fn pod_delete_by_count_every_interval_with_the_panel_and_signal_following() {
    let ns = Ns::new("count");
    ns.deployment("api", 3, 1);
    let before = ns.wait_ready("app=api", 3);
    let tmp = tempfile::tempdir().unwrap();
    let s = ns.scenario(
        tmp.path(),
        "count.yaml",
        &format!(
            r#"name: count
hypothesis: The API keeps enough ready pods while one at a time is taken away.
interval: 500ms
pods:
  - selector: app in (api, web)
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 1"
faults:
  - name: delete api pods
    duration: 11s
    pod_delete: {{ selector: app=api, count: 1, interval: 3s }}
safety: {{ max_targets: 3, namespaces: [{ns}] }}
phases: {{ baseline: 3s, recovery: 5s }}
"#,
            ns = ns.name
        ),
    );
    let out = tmp.path().join("out");
    let (code, text) = run(&operator(), &s, &out);
    assert_eq!(code, 0, "CONFIRMED: {text}");
    let j = journal(&run_dir(&out));

    // the trigger deletes the first pod by name; then one more every 3 s from a fresh
    // list (a Terminating pod is never chosen again)
    let injected = events(&j, "fault_injected");
    assert_eq!(injected[0]["ok"], true, "{injected:?}");
    assert_eq!(
        injected[0]["targets"],
        serde_json::json!([format!("pod/{}", before[0])])
    );
    let progress = events(&j, "fault_progress");
    assert!(
        (1..=3).contains(&progress.len()),
        "one deletion every 3 s during 11 s after the first (at most 3; at least 1 with 8 s to spare on a loaded machine): {progress:?}"
    );
    let mut deleted = vec![before[0].clone()];
    deleted.extend(progress.iter().map(|v| progress_pod(v)));
    let mut unique = deleted.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        deleted.len(),
        "never the same pod twice: {deleted:?}"
    );
    // spacing: never sooner than the interval after the one before (journal times;
    // generous above: the machine is shared)
    let mut times = vec![ts(injected[0])];
    times.extend(progress.iter().map(|v| ts(v)));
    for w in times.windows(2) {
        let gap = (w[1] - w[0]).to_std().unwrap_or_default();
        assert!(
            gap >= Duration::from_millis(2800) && gap <= Duration::from_secs(9),
            "deletions {gap:?} apart, the interval is 3 s: {times:?}"
        );
    }

    // the panel saw each deleted pod go and a replacement made by the ReplicaSet come,
    // after it
    let added = pod_changes(&j, "added");
    let gone = pod_changes(&j, "deleted");
    for victim in &deleted {
        assert!(
            gone.iter().any(|(_, p)| p == victim),
            "{victim} deleted in the panel: {gone:?}"
        );
    }
    let replacements: Vec<&(u64, String)> = added
        .iter()
        .filter(|(_, p)| !before.contains(p) && p.starts_with("api-"))
        .collect();
    assert!(
        replacements.len() >= deleted.len(),
        "a replacement for each deleted pod: added {added:?}, deleted {deleted:?}"
    );
    let first_delete_seq = injected[0]["seq"].as_u64().unwrap();
    assert!(
        replacements.iter().all(|(seq, _)| *seq > first_delete_seq),
        "replacements come after the deletion: {replacements:?}"
    );

    // the pods signal: 3 Ready before, fewer while a pod is replaced, 3 again at the end
    let ready = samples(&j, "api pods ready");
    let t_inject = ts(injected[0]);
    assert!(
        ready
            .iter()
            .filter(|(t, _)| *t < t_inject)
            .all(|(_, v)| *v == 3.0),
        "3 Ready in the baseline: {ready:?}"
    );
    assert!(
        ready.iter().any(|(t, v)| *t > t_inject && *v < 3.0),
        "a deleted pod is not Ready, and neither is its replacement at first: {ready:?}"
    );
    assert_eq!(ready.last().map(|s| s.1), Some(3.0), "{ready:?}");
    let reverted = events(&j, "fault_reverted");
    assert!(
        reverted[0]["detail"]
            .as_str()
            .unwrap()
            .contains("replacements Ready"),
        "{reverted:?}"
    );

    // and the cluster agrees: three Ready pods, none of those deleted
    let now = ns.wait_ready("app=api", 3);
    assert!(
        now.iter().all(|p| !deleted.contains(p)),
        "{now:?} vs {deleted:?}"
    );
}

#[test]
fn pod_delete_by_percent_rounds_up_and_the_controller_brings_them_back() {
    let ns = Ns::new("percent");
    ns.deployment("api", 4, 1);
    ns.statefulset("redis", 2, 1);
    let before = ns.wait_ready("app=api", 4);
    ns.wait_ready("app=redis", 2);
    let tmp = tempfile::tempdir().unwrap();
    // 30 % of 4 is 1.2: gameday rounds up to 2; the StatefulSet's pods keep their names
    let s = ns.scenario(
        tmp.path(),
        "percent.yaml",
        &format!(
            r#"name: percent
hypothesis: The API survives losing a third of its pods.
interval: 500ms
pods:
  - selector: app=api
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 1"
faults:
  - name: delete a third of the api pods
    duration: 2s
    pod_delete: {{ selector: app=api, percent: 30, grace_period: 0s }}
  - name: delete every redis pod
    duration: 2s
    pod_delete: {{ selector: app=redis, percent: 100 }}
safety: {{ max_targets: 4, namespaces: [{ns}] }}
phases: {{ baseline: 2s, recovery: 3s }}
"#,
            ns = ns.name
        ),
    );
    let out = tmp.path().join("out");
    let (code, text) = run(&operator(), &s, &out);
    assert_eq!(code, 0, "{text}");
    let j = journal(&run_dir(&out));
    let injected = events(&j, "fault_injected");
    assert_eq!(injected.len(), 2, "{injected:?}");
    assert_eq!(
        injected[0]["targets"],
        serde_json::json!([format!("pod/{}", before[0]), format!("pod/{}", before[1])]),
        "the first 2 of 4 by name"
    );
    assert_eq!(
        injected[1]["targets"],
        serde_json::json!(["pod/redis-0", "pod/redis-1"])
    );
    for r in events(&j, "fault_reverted") {
        assert_eq!(r["ok"], true, "{r}");
        assert!(
            r["detail"].as_str().unwrap().contains("replacements Ready"),
            "{r}"
        );
    }
    let now = ns.wait_ready("app=api", 4);
    assert!(
        !now.contains(&before[0]) && !now.contains(&before[1]),
        "deleted pods are gone, replaced: {now:?}"
    );
    assert!(now.contains(&before[2]) && now.contains(&before[3]));
    // the StatefulSet's pods come back under the same names, as new pods
    ns.wait_ready("app=redis", 2);
}

#[test]
fn eviction_refused_by_a_real_pod_disruption_budget_is_said_at_once() {
    let ns = Ns::new("evict");
    ns.deployment("api", 2, 1);
    let before = ns.wait_ready("app=api", 2);
    ns.pdb("api", 0, 2);
    let tmp = tempfile::tempdir().unwrap();
    let s = ns.scenario(
        tmp.path(),
        "evict.yaml",
        &format!(
            r#"name: evict
hypothesis: The budget protects the API.
interval: 500ms
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 1"
faults:
  - name: evict an api pod
    duration: 5s
    pod_delete: {{ selector: app=api, evict: true }}
safety: {{ max_targets: 2, namespaces: [{ns}] }}
phases: {{ baseline: 2s, recovery: 2s }}
"#,
            ns = ns.name
        ),
    );
    let out = tmp.path().join("out");
    let (code, text) = run(&operator(), &s, &out);
    assert_eq!(code, 4, "the fault failed to inject: INCONCLUSIVE\n{text}");
    let j = journal(&run_dir(&out));
    let injecting = events(&j, "fault_injecting");
    let injected = events(&j, "fault_injected");
    assert_eq!(injected[0]["ok"], false, "{injected:?}");
    let detail = injected[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!(
            "eviction of pod/{} refused by a PodDisruptionBudget",
            before[0]
        )) && detail.contains("disruption budget"),
        "the disruption controller's 429, named: {detail}"
    );
    // at once: kube's own retries of a 429 (up to 15, backing off) are off
    let took = (ts(injected[0]) - ts(injecting[0])).to_std().unwrap();
    assert!(took < Duration::from_secs(10), "refusal after {took:?}");
    // nothing was evicted
    assert_eq!(ns.pods("app=api").0, before);
}

#[test]
fn scale_a_deployment_and_a_statefulset_and_put_them_back() {
    let ns = Ns::new("scale");
    ns.deployment("api", 3, 1);
    ns.statefulset("redis", 2, 1);
    ns.wait_ready("app=api", 3);
    ns.wait_ready("app=redis", 2);
    let tmp = tempfile::tempdir().unwrap();
    let s = ns.scenario(
        tmp.path(),
        "scale.yaml",
        &format!(
            r#"name: scale
hypothesis: The shop survives fewer replicas.
interval: 500ms
pods:
  - selector: app in (api, redis)
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 1"
faults:
  - name: fewer api pods
    duration: 4s
    scale: {{ kind: Deployment, name: api, replicas: 1 }}
  - name: no redis
    duration: 4s
    scale: {{ kind: StatefulSet, name: redis, replicas: 0 }}
safety: {{ max_targets: 3, namespaces: [{ns}] }}
phases: {{ baseline: 2s, recovery: 3s }}
"#,
            ns = ns.name
        ),
    );
    let out = tmp.path().join("out");
    let mut child = spawn_run(&operator(), &s, &out);
    let replicas = |kind: &str, name: &str| {
        testbed().get_json(&[kind, name, "-n", &ns.name])["spec"]["replicas"]
            .as_i64()
            .unwrap_or(-1)
    };
    // while each fault is active, the cluster holds the new count
    wait_for_line(&out, "the Deployment scaled", RUN_LIMIT, |v| {
        v["type"] == "fault_injected" && v["fault"] == "fewer api pods"
    });
    assert_eq!(replicas("deployment", "api"), 1);
    wait_for_line(&out, "the StatefulSet scaled", RUN_LIMIT, |v| {
        v["type"] == "fault_injected" && v["fault"] == "no redis"
    });
    assert_eq!(replicas("statefulset", "redis"), 0);
    assert_eq!(replicas("deployment", "api"), 3, "the first was put back");
    let o = wait_bounded(&mut child, RUN_LIMIT);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j = journal(&run_dir(&out));
    let injected = events(&j, "fault_injected");
    assert_eq!(injected[0]["restore"], "{\"replicas\":3}");
    assert_eq!(injected[0]["detail"], "Deployment/api 3 → 1");
    assert_eq!(injected[1]["restore"], "{\"replicas\":2}");
    assert_eq!(injected[1]["detail"], "StatefulSet/redis 2 → 0");
    let reverted = events(&j, "fault_reverted");
    assert_eq!(reverted[0]["detail"], "Deployment/api back to 3 replicas");
    assert_eq!(
        reverted[1]["detail"],
        "StatefulSet/redis back to 2 replicas"
    );
    assert_eq!(replicas("deployment", "api"), 3);
    assert_eq!(replicas("statefulset", "redis"), 2);
    // the controllers made the pods again: the panel saw redis-0 and redis-1 go and come
    ns.wait_ready("app=api", 3);
    ns.wait_ready("app=redis", 2);
    let gone = pod_changes(&j, "deleted");
    let added = pod_changes(&j, "added");
    for p in ["redis-0", "redis-1"] {
        let g = gone.iter().find(|(_, n)| n == p).map(|x| x.0);
        let a = added.iter().rev().find(|(_, n)| n == p).map(|x| x.0);
        assert!(
            matches!((g, a), (Some(g), Some(a)) if g < a),
            "{p} deleted, then back: deleted {gone:?} added {added:?}"
        );
    }
}

/// Watches `plural` in `ns` as the admin (`kubectl get -w --output-watch-events`), from now
/// on; the events so far come from [`Watcher::events`].
struct Watcher {
    child: Child,
    path: PathBuf,
}

impl Watcher {
    fn start(ns: &Ns, plural: &str, dir: &Path) -> Watcher {
        let path = dir.join(format!("watch-{plural}.json"));
        let file = std::fs::File::create(&path).unwrap();
        let child = testbed()
            .kubectl()
            .args([
                "get",
                plural,
                "-n",
                &ns.name,
                "-w",
                "--output-watch-events",
                "-o",
                "json",
            ])
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Watcher { child, path }
    }

    fn events(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .map_while(Result::ok)
            .collect()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CHAOS_MANIFEST: &str = r#"    manifest:
      inline: |
        apiVersion: litmuschaos.io/v1alpha1
        kind: ChaosEngine
        metadata: { name: redis-chaos }
        spec:
          engineState: active
          appinfo: { appns: NS, applabel: app=redis, appkind: statefulset }
          chaosServiceAccount: pod-delete-sa
          experiments:
            - name: pod-delete
              spec:
                components:
                  env:
                    - { name: TOTAL_CHAOS_DURATION, value: "60" }
        ---
        apiVersion: chaos-mesh.org/v1alpha1
        kind: NetworkChaos
        metadata: { name: redis-delay }
        spec:
          action: delay
          mode: all
          selector: { namespaces: [NS], labelSelectors: { app: redis } }
          delay: { latency: 200ms }
          duration: 60s
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: { name: deny-redis }
        spec:
          podSelector: { matchLabels: { app: redis } }
          policyTypes: [Ingress, Egress]
"#;

#[test]
fn manifest_server_side_applies_then_stops_the_engine_before_deleting() {
    install_chaos_crds();
    let ns = Ns::new("manifest");
    ns.deployment("redis", 1, 1);
    ns.wait_ready("app=redis", 1);
    let tmp = tempfile::tempdir().unwrap();
    let s = ns.scenario(
        tmp.path(),
        "manifest.yaml",
        &format!(
            r#"name: manifest
hypothesis: Litmus and Chaos Mesh break redis while the shop holds.
interval: 500ms
steady_state:
  - name: redis pods ready
    pods: {{ selector: app=redis }}
    expect: ">= 1"
faults:
  - name: chaos
    duration: 4s
{manifest}
safety: {{ max_targets: 1, namespaces: [{ns}], max_duration: 10m }}
phases: {{ baseline: 2s, recovery: 1s }}
"#,
            manifest = CHAOS_MANIFEST.replace("NS", &ns.name),
            ns = ns.name
        ),
    );
    let engines = Watcher::start(&ns, "chaosengines", tmp.path());
    let out = tmp.path().join("out");
    let mut child = spawn_run(&operator(), &s, &out);
    wait_for_line(&out, "the manifest applied", RUN_LIMIT, |v| {
        v["type"] == "fault_injected"
    });
    let started = chrono::Utc::now();
    // applied by gameday's field manager, labelled, with an expiry within max_duration
    for (kind, name) in [
        ("chaosengines.litmuschaos.io", "redis-chaos"),
        ("networkchaos.chaos-mesh.org", "redis-delay"),
        ("networkpolicies", "deny-redis"),
    ] {
        let o = testbed().get_json(&[kind, name, "-n", &ns.name, "--show-managed-fields"]);
        let meta = &o["metadata"];
        assert_eq!(
            meta["labels"]["app.kubernetes.io/managed-by"], "gameday",
            "{o}"
        );
        assert!(
            meta["labels"]["gameday.dev/run-id"]
                .as_str()
                .is_some_and(|r| r.ends_with("-manifest")),
            "{o}"
        );
        let expires = chrono::DateTime::parse_from_rfc3339(
            meta["annotations"]["gameday.dev/expires-at"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let left = expires.with_timezone(&chrono::Utc) - started;
        assert!(
            left > chrono::Duration::minutes(8) && left <= chrono::Duration::minutes(10),
            "{kind}: expires in {left}"
        );
        let managers = meta["managedFields"].as_array().unwrap();
        assert!(
            managers
                .iter()
                .any(|m| m["manager"] == "gameday" && m["operation"] == "Apply"),
            "{kind}: server-side applied by field manager gameday: {managers:?}"
        );
    }
    let o = wait_bounded(&mut child, RUN_LIMIT);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    for kind in [
        "chaosengines.litmuschaos.io",
        "networkchaos.chaos-mesh.org",
        "networkpolicies",
    ] {
        assert_eq!(
            testbed().get_json(&[kind, "-n", &ns.name])["items"],
            serde_json::json!([]),
            "{kind}: every applied object deleted"
        );
    }
    // the engine was stopped (a MODIFIED event with engineState stop, not yet being
    // deleted) before it was deleted
    let evs = wait_until(
        "the engine's DELETED event",
        Duration::from_secs(20),
        || {
            let evs = engines.events();
            if evs.iter().any(|e| e["type"] == "DELETED") {
                Ok(evs)
            } else {
                Err(format!("{evs:?}"))
            }
        },
    );
    let kinds: Vec<(String, String, bool)> = evs
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_string(),
                e["object"]["spec"]["engineState"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                !e["object"]["metadata"]["deletionTimestamp"].is_null(),
            )
        })
        .collect();
    let stop = kinds
        .iter()
        .position(|(t, s, d)| t == "MODIFIED" && s == "stop" && !d)
        .unwrap_or_else(|| panic!("engineState: stop before any deletion: {kinds:?}"));
    let deleted = kinds.iter().position(|(t, _, _)| t == "DELETED").unwrap();
    assert!(
        kinds[..stop].iter().all(|(_, s, d)| s == "active" && !d),
        "{kinds:?}"
    );
    assert!(stop < deleted, "{kinds:?}");
}

#[test]
fn recover_cluster_deletes_by_label_and_expiry() {
    install_chaos_crds();
    let ns = Ns::new("recover");
    let tb = testbed();
    let object = |kind: &str, api: &str, name: &str, labelled: bool, expires: &str| {
        let labels = if labelled {
            "labels: { app.kubernetes.io/managed-by: gameday, gameday.dev/run-id: r1 }"
        } else {
            "labels: { app.kubernetes.io/managed-by: someone-else }"
        };
        let spec = if kind == "NetworkPolicy" {
            "spec: { podSelector: {} }"
        } else {
            "spec: { engineState: active }"
        };
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n  \
             {labels}\n  annotations: {{ gameday.dev/expires-at: \"{expires}\" }}\n{spec}\n---\n",
            ns = ns.name
        )
    };
    let engine = "litmuschaos.io/v1alpha1";
    let np = "networking.k8s.io/v1";
    tb.apply(
        &[
            object(
                "ChaosEngine",
                engine,
                "left-behind",
                true,
                "2026-01-01T00:00:00Z",
            ),
            object(
                "ChaosEngine",
                engine,
                "still-running",
                true,
                "2999-01-01T00:00:00Z",
            ),
            object(
                "ChaosEngine",
                engine,
                "not-ours",
                false,
                "2026-01-01T00:00:00Z",
            ),
            object(
                "NetworkPolicy",
                np,
                "deny-left-behind",
                true,
                "2026-01-01T00:00:00Z",
            ),
        ]
        .concat(),
    );
    let names = |kind: &str| -> Vec<String> {
        tb.get_json(&[kind, "-n", &ns.name])["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    // the operator may not list across namespaces: gameday looks in the context's
    // namespace instead, and says what it could not look at
    let tmp = tempfile::tempdir().unwrap();
    let kc = tb.operator_kubeconfig_in(&ns.name, tmp.path());
    let (code, text) = gameday_as(&kc, &["recover", "--cluster"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("deleted ChaosEngine/left-behind in {}", ns.name))
            && text.contains(&format!(
                "deleted NetworkPolicy/deny-left-behind in {}",
                ns.name
            )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "not checked (no permission to list them across namespaces nor in {})",
            ns.name
        )),
        "what it could not list is named: {text}"
    );
    // named in order, eight of them, and the rest counted
    let listed = text
        .lines()
        .find(|l| l.contains("not checked ("))
        .and_then(|l| l.split_once(" kinds: "))
        .map(|(head, names)| {
            let total: usize = head.rsplit(' ').next().unwrap().parse().unwrap();
            let (names, more) = names.split_once(", … and ").unwrap();
            let more: usize = more.trim_end_matches(" more").parse().unwrap();
            let names: Vec<&str> = names.split(", ").collect();
            (
                total,
                names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                more,
            )
        })
        .expect("the line of what was not checked");
    let (total, kinds, more) = listed;
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(kinds, sorted, "{text}");
    assert_eq!((kinds.len(), kinds.len() + more), (8, total), "{text}");
    let mut left = names("chaosengines.litmuschaos.io");
    left.sort();
    assert_eq!(left, ["not-ours", "still-running"], "{text}");
    assert!(names("networkpolicies").is_empty());
    let (code, text) = gameday_as(&kc, &["recover", "--cluster"]);
    assert_eq!(code, 0);
    assert!(text.contains("nothing to do"), "{text}");

    // the admin lists across every namespace
    tb.apply(&object(
        "ChaosEngine",
        engine,
        "left-again",
        true,
        "2026-01-01T00:00:00Z",
    ));
    let (code, text) = gameday_as(&tb.admin_kubeconfig, &["recover", "--cluster"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("deleted ChaosEngine/left-again in {}", ns.name)),
        "{text}"
    );
    assert!(!text.contains("not checked"), "{text}");
    let mut left = names("chaosengines.litmuschaos.io");
    left.sort();
    assert_eq!(left, ["not-ours", "still-running"]);
}

#[test]
fn plan_resolves_targets_and_permissions_and_changes_nothing() {
    install_chaos_crds();
    let ns = Ns::new("plan");
    ns.deployment("api", 3, 1);
    ns.statefulset("redis", 2, 1);
    let pods = ns.wait_ready("app=api", 3);
    ns.wait_ready("app=redis", 2);
    let tmp = tempfile::tempdir().unwrap();
    let s = ns.scenario(
        tmp.path(),
        "plan.yaml",
        &format!(
            r#"name: plan
hypothesis: Nothing happens when only planning.
faults:
  - name: delete
    duration: 5s
    pod_delete: {{ selector: app=api, count: 2, interval: 2s }}
  - name: scale
    duration: 5s
    scale: {{ kind: StatefulSet, name: redis, replicas: 1 }}
  - name: chaos
    duration: 5s
{manifest}
safety: {{ max_targets: 3, namespaces: [{ns}] }}
phases: {{ baseline: 1s, recovery: 1s }}
"#,
            manifest = CHAOS_MANIFEST.replace("NS", &ns.name),
            ns = ns.name
        ),
    );
    let (code, text) = gameday_as(&operator(), &["plan", s.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let n = &ns.name;
    for line in [
        format!("cluster: context `testbed-gameday-operator` at {}, namespace {n}", testbed().server),
        format!("   targets: 3 match app=api in namespace {n}: {}", pods.join(", ")),
        format!("   inject: delete pod/{}, pod/{} now (the first 2 by name; delete 2 matching pods, the pods' own grace period); again every 2s while active, 2 at a time from a fresh list", pods[0], pods[1]),
        "   permissions: ok (list pods, get pods, delete pods, list pods)".to_string(),
        format!("   inject: scale StatefulSet/redis in namespace {n}: 2 → 1 replicas"),
        "   permissions: ok (get, patch statefulsets.apps/scale)".to_string(),
        format!("   object: ChaosEngine/redis-chaos (litmuschaos.io/v1alpha1, resource chaosengines) in namespace {n}"),
        format!("   object: NetworkChaos/redis-delay (chaos-mesh.org/v1alpha1, resource networkchaos) in namespace {n}"),
        format!("   object: NetworkPolicy/deny-redis (networking.k8s.io/v1, resource networkpolicies) in namespace {n}"),
        "   revert: set engineState: stop on the ChaosEngine, then delete every applied object".to_string(),
    ] {
        assert!(text.lines().any(|l| l == line), "plan prints {line:?}:\n{text}");
    }
    // nothing changed
    assert_eq!(ns.pods("app=api").0, pods);
    assert_eq!(
        testbed().get_json(&["statefulset", "redis", "-n", n])["spec"]["replicas"],
        2
    );
    assert_eq!(
        testbed().get_json(&["chaosengines.litmuschaos.io", "-n", n])["items"],
        serde_json::json!([])
    );
    // a user with no Role at all (nobody-special, under the operator's context name):
    // the missing permission named, exit 6
    let nobody = tmp.path().join("nobody.kubeconfig");
    std::fs::write(
        &nobody,
        std::fs::read_to_string(&testbed().nobody_kubeconfig)
            .unwrap()
            .replace("testbed-nobody-special", testbed::OPERATOR_CONTEXT),
    )
    .unwrap();
    let (code, text) = gameday_as(&nobody, &["plan", s.to_str().unwrap()]);
    assert_eq!(code, 6, "{text}");
    assert!(
        text.contains(&format!(
            "missing permission to delete pods in {n} (needed to inject)"
        )),
        "{text}"
    );
}

#[test]
fn a_watch_cut_off_past_a_compaction_gets_410_then_lists_afresh() {
    // the shared plane first: the test fails loudly without it, like every other
    testbed();
    let own = OwnTestbed::start("--watch-cache-sizes=pods#0");
    let tb = testbed::Testbed::read(own.dir.path());
    let k = |args: &[&str]| {
        let o = Command::new(&tb.kubectl)
            .arg("--kubeconfig")
            .arg(&tb.admin_kubeconfig)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "kubectl {args:?}: {o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let ns = "compact";
    k(&["create", "namespace", ns]);
    wait_until("serviceaccount default", Duration::from_secs(60), || {
        Command::new(&tb.kubectl)
            .arg("--kubeconfig")
            .arg(&tb.admin_kubeconfig)
            .args(["get", "sa", "default", "-n", ns])
            .output()
            .map_err(|e| e.to_string())
            .and_then(|o| {
                if o.status.success() {
                    Ok(())
                } else {
                    Err("no".into())
                }
            })
    });
    let rbac = testbed::rbac_for(ns);
    let mut apply = Command::new(&tb.kubectl)
        .arg("--kubeconfig")
        .arg(&tb.admin_kubeconfig)
        .args(["apply", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    apply
        .stdin
        .take()
        .unwrap()
        .write_all(rbac.as_bytes())
        .unwrap();
    assert!(apply.wait().unwrap().success());
    k(&[
        "create",
        "deployment",
        "api",
        "-n",
        ns,
        "--replicas=2",
        "--image=registry.invalid/app:1",
    ]);
    k(&[
        "patch",
        "deployment",
        "api",
        "-n",
        ns,
        "-p",
        r#"{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":0}}}}"#,
    ]);
    let ready = |want: usize| -> Vec<String> {
        wait_until("api pods Ready", Duration::from_secs(90), || {
            let list: Value = serde_json::from_str(&k(&[
                "get", "pods", "-n", ns, "-l", "app=api", "-o", "json",
            ]))
            .unwrap();
            let live: Vec<&Value> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                .collect();
            let ok = live.len() == want
                && live.iter().all(|p| {
                    p["status"]["conditions"].as_array().is_some_and(|c| {
                        c.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
                });
            let mut names: Vec<String> = live
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            if ok {
                Ok(names)
            } else {
                Err(format!("{names:?}"))
            }
        })
    };
    let before = ready(2);

    // gameday reaches the API through a relay the test can cut
    let relay = Relay::start(([127, 0, 0, 1], tb.port).into());
    let tmp = tempfile::tempdir().unwrap();
    let kc = tb.operator_kubeconfig_via(
        &format!("https://127.0.0.1:{}", relay.addr.port()),
        tmp.path(),
    );
    let s = tmp.path().join("watch.yaml");
    std::fs::write(
        &s,
        format!(
            r#"name: compaction
hypothesis: The pods panel stays true through a dropped watch.
interval: 500ms
kubernetes: {{ context: testbed-gameday-operator, namespace: {ns} }}
pods:
  - selector: app=api
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 0"
faults:
  - name: nothing
    duration: 1s
    exec: {{ inject: "true", revert: "true" }}
phases: {{ baseline: 30s, recovery: 1s }}
"#
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let mut child = spawn_run(&kc, &s, &out);
    // the watch is running once a sample counts both pods
    wait_for_line(&out, "the first list", Duration::from_secs(30), |v| {
        v["type"] == "sample" && v["value"] == 2.0
    });
    // a pod deleted at the start of the run shows the watch is live
    relay.cut();
    k(&["delete", "pod", &before[0], "-n", ns, "--wait=true"]);
    let after = ready(2);
    let replacement = after.iter().find(|p| !before.contains(p)).unwrap().clone();
    // every revision the watch could resume from is compacted away
    let said = own.script("compact");
    let cut_at = chrono::Utc::now();
    relay.open();
    let (dir, line) = wait_for_line(
        &out,
        "the relist after the 410",
        Duration::from_secs(60),
        |v| {
            v["type"] == "pods"
                && v["changes"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["pod"] == before[0].as_str() && c["change"] == "deleted")
                })
        },
    );
    let o = wait_bounded(&mut child, RUN_LIMIT);
    // the run ends by itself with a verdict: CONFIRMED, or INCONCLUSIVE when the relay's
    // cut cost a sample in the judged window (the cut's timing against the phases is not
    // the test's point; a run that could not start would say 64)
    assert!(
        matches!(o.status.code(), Some(0) | Some(3)),
        "{:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        ts(&line) >= cut_at - chrono::Duration::seconds(1),
        "{said}: {line}"
    );
    let changes = line["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["pod"] == replacement.as_str() && c["change"] == "added"),
        "the fresh list brings the replacement: {line}"
    );
    let log = std::fs::read_to_string(dir.join("gameday.log")).unwrap();
    assert!(
        log.contains(
            "watch of pods `app=api`: error returned by apiserver during watch: The \
             resourceVersion for the provided watch is too old.: Expired"
        ),
        "the watch met 410 Gone (reason Expired):\n{log}"
    );
    let j = journal(&dir);
    let last = samples(&j, "api pods ready");
    assert_eq!(last.last().map(|s| s.1), Some(2.0), "{last:?}");
}
