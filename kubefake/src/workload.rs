//! What the controllers and the kubelet would do: pods of Deployments (through a
//! ReplicaSet) and StatefulSets, their start-up, graceful termination, and status.

use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

use super::selector::LabelSelector;
use super::state::{str_at, ObjKey, Stage, State};
use super::FakeOptions;

pub const CONTAINER: &str = "app";
const NODES: [&str; 3] = ["kubefake-node-a", "kubefake-node-b", "kubefake-node-c"];

pub fn labels_map(labels: &[(&str, &str)]) -> Map<String, Value> {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

pub fn selector_string(match_labels: &Value) -> String {
    match_labels
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn owner_ref(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
    json!({
        "apiVersion": api_version, "kind": kind, "name": name, "uid": uid,
        "controller": true, "blockOwnerDeletion": true
    })
}

fn condition(kind: &str, ok: bool, reason: Option<&str>, now: &str) -> Value {
    let mut c = json!({
        "type": kind,
        "status": if ok { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": now,
    });
    if let Some(r) = reason {
        c["reason"] = json!(r);
        c["message"] = json!(format!("containers with unready status: [{CONTAINER}]"));
    }
    c
}

/// Set `status` (and the node) of a pod for a start-up stage.
pub fn set_pod_stage(pod: &mut Value, stage: Stage, node: &str, pod_ip: &str) {
    let now = super::state::now_rfc3339();
    let image = pod
        .pointer("/spec/containers/0/image")
        .and_then(Value::as_str)
        .unwrap_or("registry.k8s.io/pause:3.10")
        .to_string();
    let restarts = pod
        .pointer("/status/containerStatuses/0/restartCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let started = pod
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .unwrap_or(&now)
        .to_string();
    pod["spec"]["nodeName"] = json!(node);
    let host_ip = "10.0.0.10";
    let status = match stage {
        Stage::Pending => json!({
            "phase": "Pending",
            "conditions": [condition("PodScheduled", true, None, &now)],
            "qosClass": "BestEffort",
        }),
        Stage::Creating => json!({
            "phase": "Pending",
            "conditions": [
                condition("PodReadyToStartContainers", false, None, &now),
                condition("Initialized", true, None, &now),
                condition("Ready", false, Some("ContainersNotReady"), &now),
                condition("ContainersReady", false, Some("ContainersNotReady"), &now),
                condition("PodScheduled", true, None, &now),
            ],
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
            "startTime": started,
            "containerStatuses": [{
                "name": CONTAINER, "image": image, "imageID": "", "ready": false,
                "restartCount": restarts, "started": false,
                "state": {"waiting": {"reason": "ContainerCreating"}},
                "lastState": {}
            }],
            "qosClass": "BestEffort",
        }),
        Stage::Running => json!({
            "phase": "Running",
            "conditions": [
                condition("PodReadyToStartContainers", true, None, &now),
                condition("Initialized", true, None, &now),
                condition("Ready", true, None, &now),
                condition("ContainersReady", true, None, &now),
                condition("PodScheduled", true, None, &now),
            ],
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
            "startTime": started,
            "containerStatuses": [{
                "name": CONTAINER, "image": image, "imageID": format!("{image}@sha256:0000"),
                "containerID": format!("containerd://{}", State::stable_hash(pod_ip, 32)),
                "ready": true, "restartCount": restarts, "started": true,
                "state": {"running": {"startedAt": now}},
                "lastState": {}
            }],
            "qosClass": "BestEffort",
        }),
        Stage::Crashing => json!({
            "phase": "Running",
            "conditions": [
                condition("PodReadyToStartContainers", true, None, &now),
                condition("Initialized", true, None, &now),
                condition("Ready", false, Some("ContainersNotReady"), &now),
                condition("ContainersReady", false, Some("ContainersNotReady"), &now),
                condition("PodScheduled", true, None, &now),
            ],
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
            "startTime": started,
            "containerStatuses": [{
                "name": CONTAINER, "image": image, "imageID": format!("{image}@sha256:0000"),
                "containerID": format!("containerd://{}", State::stable_hash(&now, 32)),
                "ready": false, "restartCount": restarts + 1, "started": false,
                "state": {"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off 10s restarting failed container={CONTAINER} pod={}_{}({})",
                        str_at(pod, "/metadata/name"), str_at(pod, "/metadata/namespace"), str_at(pod, "/metadata/uid")),
                }},
                "lastState": {"terminated": {
                    "exitCode": 1, "reason": "Error", "startedAt": started, "finishedAt": now,
                    "containerID": format!("containerd://{}", State::stable_hash(&started, 32)),
                }}
            }],
            "qosClass": "BestEffort",
        }),
    };
    pod["status"] = status;
}

pub fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True")
        })
}

pub fn is_terminating(pod: &Value) -> bool {
    pod.pointer("/metadata/deletionTimestamp").is_some()
}

/// A pod spec from a template (or a default one), named and owned.
fn pod_from_template(
    st: &mut State,
    ns: &str,
    name: &str,
    template: &Value,
    extra_labels: &[(&str, String)],
    owner: Option<Value>,
) -> Value {
    let mut labels = template
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in extra_labels {
        labels.insert(k.to_string(), json!(v));
    }
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    if spec.pointer("/containers/0").is_none() {
        spec["containers"] = json!([{"name": CONTAINER, "image": "registry.k8s.io/pause:3.10",
            "resources": {}, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}]);
    }
    spec["restartPolicy"] = json!("Always");
    if spec.get("terminationGracePeriodSeconds").is_none() {
        spec["terminationGracePeriodSeconds"] = json!(30);
    }
    spec["dnsPolicy"] = json!("ClusterFirst");
    spec["schedulerName"] = json!("default-scheduler");
    let mut meta = json!({"name": name, "namespace": ns, "labels": labels});
    if let Some(o) = owner {
        meta["ownerReferences"] = json!([o]);
    }
    let _ = st;
    json!({"metadata": meta, "spec": spec, "status": {"phase": "Pending", "qosClass": "BestEffort"}})
}

fn node_and_ip(st: &mut State) -> (String, String) {
    let n = st.counter as usize;
    st.counter += 1;
    (
        NODES[n % NODES.len()].to_string(),
        format!("10.244.{}.{}", n % NODES.len(), 2 + (n / NODES.len()) % 250),
    )
}

/// Create a pod; `running` makes it Running and Ready at once (seeded clusters start
/// steady), otherwise it starts Pending and the controller moves it on.
pub fn create_pod(st: &mut State, ns: &str, pod: Value, running: bool) -> Value {
    let res = st.res("", "pods");
    let (node, ip) = node_and_ip(st);
    let mut pod = pod;
    let stage = if running {
        Stage::Running
    } else {
        Stage::Pending
    };
    set_pod_stage(&mut pod, stage, &node, &ip);
    let pod = st.insert(&res, ns, pod);
    let uid = str_at(&pod, "/metadata/uid").to_string();
    st.lifecycle.insert(uid, (stage, Instant::now()));
    pod
}

pub fn seed_deployment(
    st: &mut State,
    ns: &str,
    name: &str,
    labels: &[(&str, &str)],
    replicas: i64,
) {
    st.ensure_namespace(ns);
    let lm = labels_map(labels);
    let template = json!({
        "metadata": {"labels": lm},
        "spec": {"containers": [{"name": CONTAINER, "image": format!("registry.example/{name}:1.0"),
            "resources": {}, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "terminationGracePeriodSeconds": 30}
    });
    let dres = st.res("apps", "deployments");
    let dep = st.insert(&dres, ns, json!({
        "metadata": {"name": name, "labels": lm,
            "annotations": {"deployment.kubernetes.io/revision": "1"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": lm}, "template": template,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {}
    }));
    ensure_replicaset(st, &dep);
    reconcile_owner_now(st, "deployments", ns, name);
}

pub fn seed_statefulset(
    st: &mut State,
    ns: &str,
    name: &str,
    labels: &[(&str, &str)],
    replicas: i64,
) {
    st.ensure_namespace(ns);
    let lm = labels_map(labels);
    let template = json!({
        "metadata": {"labels": lm},
        "spec": {"containers": [{"name": CONTAINER, "image": format!("registry.example/{name}:1.0"),
            "resources": {}, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "terminationGracePeriodSeconds": 30}
    });
    let res = st.res("apps", "statefulsets");
    st.insert(
        &res,
        ns,
        json!({
            "metadata": {"name": name, "labels": lm},
            "spec": {"replicas": replicas, "selector": {"matchLabels": lm}, "template": template,
                "serviceName": name, "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
            "status": {}
        }),
    );
    reconcile_owner_now(st, "statefulsets", ns, name);
}

/// The ReplicaSet of a Deployment (created if missing).
fn ensure_replicaset(st: &mut State, dep: &Value) -> Value {
    let ns = str_at(dep, "/metadata/namespace").to_string();
    let name = str_at(dep, "/metadata/name");
    let hash = State::stable_hash(&format!("{ns}/{name}"), 10);
    let rs_name = format!("{name}-{hash}");
    let res = st.res("apps", "replicasets");
    if let Some(rs) = st.get(&res, &ns, &rs_name) {
        return rs.clone();
    }
    let mut template = dep
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut sel = dep
        .pointer("/spec/selector/matchLabels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    sel["pod-template-hash"] = json!(hash);
    let mut labels = dep
        .pointer("/spec/template/metadata/labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    labels["pod-template-hash"] = json!(hash);
    let owner = owner_ref("apps/v1", "Deployment", name, str_at(dep, "/metadata/uid"));
    st.insert(
        &res,
        &ns,
        json!({
            "metadata": {"name": rs_name, "labels": labels, "ownerReferences": [owner],
                "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": dep.pointer("/spec/replicas").cloned().unwrap_or(json!(1)),
                "selector": {"matchLabels": sel}, "template": template},
            "status": {"replicas": 0}
        }),
    )
}

fn owned_pods(st: &State, ns: &str, owner_uid: &str) -> Vec<Value> {
    let res = st.res("", "pods");
    st.list(&res, Some(ns))
        .into_iter()
        .filter(|p| {
            p.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|os| os.iter().any(|o| str_at(o, "/uid") == owner_uid))
        })
        .collect()
}

/// Create missing pods at once (used when seeding).
fn reconcile_owner_now(st: &mut State, plural: &str, ns: &str, name: &str) {
    reconcile_workload(
        st,
        plural,
        ns,
        name,
        Instant::now(),
        Duration::ZERO,
        0.0,
        true,
    );
}

#[allow(clippy::too_many_arguments)]
fn reconcile_workload(
    st: &mut State,
    plural: &str,
    ns: &str,
    name: &str,
    now: Instant,
    recreate_delay: Duration,
    grace_scale: f64,
    start_running: bool,
) {
    let wres = st.res("apps", plural);
    let Some(wl) = st.get(&wres, ns, name).cloned() else {
        return;
    };
    let desired = wl
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(0);
    let is_deploy = plural == "deployments";
    // The pods' direct owner: the ReplicaSet for a Deployment, the StatefulSet itself.
    let (owner, template, extra): (Value, Value, Vec<(&str, String)>) = if is_deploy {
        let rs = ensure_replicaset(st, &wl);
        if rs.pointer("/spec/replicas").and_then(Value::as_i64) != Some(desired) {
            let mut r = rs.clone();
            r["spec"]["replicas"] = json!(desired);
            let rres = st.res("apps", "replicasets");
            st.update(&rres, ns, r);
        }
        let hash = str_at(&rs, "/metadata/labels/pod-template-hash").to_string();
        let tmpl = rs.pointer("/spec/template").cloned().unwrap_or_default();
        (rs, tmpl, vec![("pod-template-hash", hash)])
    } else {
        let tmpl = wl.pointer("/spec/template").cloned().unwrap_or_default();
        let hash = format!("{name}-{}", State::stable_hash(name, 10));
        (wl.clone(), tmpl, vec![("controller-revision-hash", hash)])
    };
    let owner_uid = str_at(&owner, "/metadata/uid").to_string();
    let owner_kind = str_at(&owner, "/kind").to_string();
    let owner_name = str_at(&owner, "/metadata/name").to_string();
    let pods = owned_pods(st, ns, &owner_uid);
    let active: Vec<&Value> = pods.iter().filter(|p| !is_terminating(p)).collect();
    let n_active = active.len() as i64;
    if n_active < desired {
        let since = *st.deficits.entry(owner_uid.clone()).or_insert(now);
        if now.duration_since(since) >= recreate_delay {
            st.deficits.remove(&owner_uid);
            let oref = owner_ref("apps/v1", &owner_kind, &owner_name, &owner_uid);
            if is_deploy {
                for _ in n_active..desired {
                    let pod_name = format!("{owner_name}-{}", st.suffix(5));
                    let pod =
                        pod_from_template(st, ns, &pod_name, &template, &extra, Some(oref.clone()));
                    create_pod(st, ns, pod, start_running);
                }
            } else {
                // StatefulSet: the lowest missing ordinals, same names as before.
                let taken: Vec<String> = pods
                    .iter()
                    .map(|p| str_at(p, "/metadata/name").to_string())
                    .collect();
                let mut missing = desired - n_active;
                for i in 0..desired {
                    if missing == 0 {
                        break;
                    }
                    let pod_name = format!("{name}-{i}");
                    if taken.contains(&pod_name) {
                        continue;
                    }
                    let mut ex = extra.clone();
                    ex.push(("statefulset.kubernetes.io/pod-name", pod_name.clone()));
                    ex.push(("apps.kubernetes.io/pod-index", i.to_string()));
                    let mut pod =
                        pod_from_template(st, ns, &pod_name, &template, &ex, Some(oref.clone()));
                    pod["spec"]["hostname"] = json!(pod_name);
                    pod["spec"]["subdomain"] = json!(name);
                    create_pod(st, ns, pod, start_running);
                    missing -= 1;
                }
            }
        }
    } else {
        st.deficits.remove(&owner_uid);
        if n_active > desired {
            let mut victims: Vec<&Value> = active.clone();
            if is_deploy {
                // Newest first, as the ReplicaSet controller prefers young pods.
                victims.sort_by(|a, b| {
                    let ra = str_at(a, "/metadata/resourceVersion")
                        .parse::<u64>()
                        .unwrap_or(0);
                    let rb = str_at(b, "/metadata/resourceVersion")
                        .parse::<u64>()
                        .unwrap_or(0);
                    rb.cmp(&ra)
                });
            } else {
                // Highest ordinal first.
                victims.sort_by_key(|p| {
                    std::cmp::Reverse(
                        str_at(p, "/metadata/name")
                            .rsplit('-')
                            .next()
                            .and_then(|s| s.parse::<i64>().ok())
                            .unwrap_or(0),
                    )
                });
            }
            let names: Vec<String> = victims
                .iter()
                .take((n_active - desired) as usize)
                .map(|p| str_at(p, "/metadata/name").to_string())
                .collect();
            for n in names {
                st.delete_pod(ns, &n, None, grace_scale);
            }
        }
    }
    update_workload_status(st, plural, ns, name, &owner_uid);
}

fn update_workload_status(st: &mut State, plural: &str, ns: &str, name: &str, owner_uid: &str) {
    let pods = owned_pods(st, ns, owner_uid);
    let active: Vec<&Value> = pods.iter().filter(|p| !is_terminating(p)).collect();
    let ready = active.iter().filter(|p| is_ready(p)).count() as i64;
    let total = active.len() as i64;
    let wres = st.res("apps", plural);
    let Some(wl) = st.get(&wres, ns, name).cloned() else {
        return;
    };
    let desired = wl
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let generation = wl
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    let mut status = if plural == "deployments" {
        json!({"observedGeneration": generation, "replicas": total, "updatedReplicas": total,
            "readyReplicas": ready, "availableReplicas": ready,
            "unavailableReplicas": (desired - ready).max(0)})
    } else {
        json!({"observedGeneration": generation, "replicas": total, "readyReplicas": ready,
            "currentReplicas": total, "updatedReplicas": total, "availableReplicas": ready,
            "currentRevision": format!("{name}-{}", State::stable_hash(name, 10)),
            "updateRevision": format!("{name}-{}", State::stable_hash(name, 10)),
            "collisionCount": 0})
    };
    if let Some(m) = status.as_object_mut() {
        if ready == 0 {
            m.remove("readyReplicas");
            m.remove("availableReplicas");
        }
        if m.get("unavailableReplicas").and_then(Value::as_i64) == Some(0) {
            m.remove("unavailableReplicas");
        }
    }
    if wl.get("status") != Some(&status) {
        let mut w = wl;
        w["status"] = status;
        st.update(&wres, ns, w);
    }
    if plural == "deployments" {
        let rres = st.res("apps", "replicasets");
        if let Some(rs) = st
            .list(&rres, Some(ns))
            .into_iter()
            .find(|r| str_at(r, "/metadata/uid") == owner_uid)
        {
            let s = json!({"replicas": total, "fullyLabeledReplicas": total, "readyReplicas": ready,
                "availableReplicas": ready, "observedGeneration": 1});
            if rs.get("status") != Some(&s) {
                let mut r = rs;
                r["status"] = s;
                st.update(&rres, ns, r);
            }
        }
    }
}

/// PDB arithmetic as the disruption controller does it.
pub struct Budget {
    pub name: String,
    pub expected: i64,
    pub healthy: i64,
    pub desired_healthy: i64,
}

impl Budget {
    pub fn disruptions_allowed(&self) -> i64 {
        (self.healthy - self.desired_healthy).max(0)
    }
}

fn int_or_percent(v: &Value, of: i64, round_up: bool) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let p: f64 = v.as_str()?.strip_suffix('%')?.parse().ok()?;
    let x = p * of as f64 / 100.0;
    Some(if round_up { x.ceil() } else { x.floor() } as i64)
}

pub fn budget_of(st: &State, pdb: &Value) -> Option<Budget> {
    let ns = str_at(pdb, "/metadata/namespace");
    let sel = LabelSelector::from_object(pdb.pointer("/spec/selector")?)?;
    let pres = st.res("", "pods");
    let pods: Vec<Value> = st
        .list(&pres, Some(ns))
        .into_iter()
        .filter(|p| sel.matches_object(p))
        .collect();
    // Expected pods: the scale of the pods' controllers; approximated by the matching
    // pods that are not terminating, or the owners' replicas when larger.
    let expected = pods.iter().filter(|p| !is_terminating(p)).count() as i64;
    let healthy = pods
        .iter()
        .filter(|p| !is_terminating(p) && is_ready(p))
        .count() as i64;
    let desired_healthy = if let Some(mu) = pdb.pointer("/spec/maxUnavailable") {
        expected - int_or_percent(mu, expected, true)?
    } else if let Some(ma) = pdb.pointer("/spec/minAvailable") {
        int_or_percent(ma, expected, true)?
    } else {
        expected
    };
    Some(Budget {
        name: str_at(pdb, "/metadata/name").to_string(),
        expected,
        healthy,
        desired_healthy: desired_healthy.max(0),
    })
}

/// One controller pass: finish graceful deletions, move pods through start-up, keep
/// workloads at their replica count, keep PDB status current.
pub fn reconcile(st: &mut State, opts: &FakeOptions, now: Instant) {
    // 1. Graceful deletions whose grace period is over.
    let done: Vec<ObjKey> = st
        .terminating
        .iter()
        .filter(|(_, at)| **at <= now)
        .map(|(k, _)| k.clone())
        .collect();
    let pres = st.res("", "pods");
    for (_, _, ns, name) in done {
        st.remove(&pres, &ns, &name);
    }
    // 2. Start-up stages.
    let moves: Vec<(String, String, Stage)> = st
        .list(&pres, None)
        .into_iter()
        .filter(|p| !is_terminating(p))
        .filter_map(|p| {
            let uid = str_at(&p, "/metadata/uid");
            let (stage, since) = *st.lifecycle.get(uid)?;
            let elapsed = now.duration_since(since);
            let next = match stage {
                Stage::Pending if elapsed >= opts.ready_delay / 2 => Stage::Creating,
                Stage::Creating if elapsed >= opts.ready_delay / 2 => Stage::Running,
                _ => return None,
            };
            Some((
                str_at(&p, "/metadata/namespace").to_string(),
                str_at(&p, "/metadata/name").to_string(),
                next,
            ))
        })
        .collect();
    for (ns, name, stage) in moves {
        if let Some(mut p) = st.get(&pres, &ns, &name).cloned() {
            let node = str_at(&p, "/spec/nodeName").to_string();
            let ip = str_at(&p, "/status/podIP").to_string();
            let ip = if ip.is_empty() {
                format!("10.244.9.{}", 2 + st.counter % 250)
            } else {
                ip
            };
            set_pod_stage(&mut p, stage, &node, &ip);
            let uid = str_at(&p, "/metadata/uid").to_string();
            st.update(&pres, &ns, p);
            st.lifecycle.insert(uid, (stage, now));
        }
    }
    // 3. Workloads.
    for plural in ["deployments", "statefulsets"] {
        let res = st.res("apps", plural);
        let names: Vec<(String, String)> = st
            .list(&res, None)
            .iter()
            .map(|w| {
                (
                    str_at(w, "/metadata/namespace").to_string(),
                    str_at(w, "/metadata/name").to_string(),
                )
            })
            .collect();
        for (ns, name) in names {
            reconcile_workload(
                st,
                plural,
                &ns,
                &name,
                now,
                opts.recreate_delay,
                opts.grace_scale,
                false,
            );
        }
    }
    // 4. PodDisruptionBudget status.
    let pdbres = st.res("policy", "poddisruptionbudgets");
    for pdb in st.list(&pdbres, None) {
        let Some(b) = budget_of(st, &pdb) else {
            continue;
        };
        let status = json!({
            "observedGeneration": pdb.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
            "disruptionsAllowed": b.disruptions_allowed(),
            "currentHealthy": b.healthy,
            "desiredHealthy": b.desired_healthy,
            "expectedPods": b.expected,
        });
        let mut old = pdb.get("status").cloned().unwrap_or_default();
        if let Some(m) = old.as_object_mut() {
            m.remove("conditions");
        }
        if old != status {
            let mut p = pdb.clone();
            let ok = b.disruptions_allowed() > 0;
            let mut s = status;
            s["conditions"] = json!([{
                "type": "DisruptionAllowed",
                "status": if ok { "True" } else { "False" },
                "reason": if ok { "SufficientPods" } else { "InsufficientPods" },
                "message": "",
                "observedGeneration": 1,
                "lastTransitionTime": super::state::now_rfc3339(),
            }]);
            p["status"] = s;
            let ns = str_at(&pdb, "/metadata/namespace").to_string();
            st.update(&pdbres, &ns, p);
        }
    }
}
