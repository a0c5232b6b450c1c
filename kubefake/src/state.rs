//! The fake's store: objects as JSON, one global resourceVersion counter, an event
//! history for watches, the resource registry, injected failures and the request log.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

use super::{FakeOptions, RequestRecord};

/// A sub-resource as discovery lists it (`deployments/scale`).
#[derive(Debug, Clone)]
pub struct SubDef {
    pub name: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

/// One resource type the fake serves.
#[derive(Debug, Clone)]
pub struct ResourceDef {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    pub verbs: Vec<&'static str>,
    pub short_names: Vec<&'static str>,
    pub subresources: Vec<SubDef>,
}

pub const CRUD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl ResourceDef {
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
            verbs: CRUD.to_vec(),
            short_names: vec![],
            subresources: vec![],
        }
    }
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    pub fn singular(&self) -> String {
        self.kind.to_lowercase()
    }
    /// Built-in kinds are served without kind/apiVersion on list items, like the real
    /// server; custom resources keep them.
    pub fn is_builtin(&self) -> bool {
        matches!(
            self.group.as_str(),
            "" | "apps" | "policy" | "networking.k8s.io" | "authorization.k8s.io"
        )
    }
}

const SCALE_VERBS: &[&str] = &["get", "patch", "update"];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

pub fn builtin_resources() -> Vec<ResourceDef> {
    let status = |kind: &'static str, group: &'static str, version: &'static str| SubDef {
        name: "status",
        group,
        version,
        kind,
        verbs: STATUS_VERBS,
    };
    let scale = SubDef {
        name: "scale",
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: SCALE_VERBS,
    };
    let mut pods = ResourceDef::new("", "v1", "Pod", "pods", true);
    pods.short_names = vec!["po"];
    pods.subresources = vec![
        SubDef {
            name: "eviction",
            group: "policy",
            version: "v1",
            kind: "Eviction",
            verbs: &["create"],
        },
        status("Pod", "", "v1"),
    ];
    let mut ns = ResourceDef::new("", "v1", "Namespace", "namespaces", false);
    ns.short_names = vec!["ns"];
    ns.verbs = vec![
        "create", "delete", "get", "list", "patch", "update", "watch",
    ];
    ns.subresources = vec![status("Namespace", "", "v1")];
    let mut events = ResourceDef::new("", "v1", "Event", "events", true);
    events.short_names = vec!["ev"];
    let mut cms = ResourceDef::new("", "v1", "ConfigMap", "configmaps", true);
    cms.short_names = vec!["cm"];
    let mut deploy = ResourceDef::new("apps", "v1", "Deployment", "deployments", true);
    deploy.short_names = vec!["deploy"];
    deploy.subresources = vec![scale.clone(), status("Deployment", "apps", "v1")];
    let mut rs = ResourceDef::new("apps", "v1", "ReplicaSet", "replicasets", true);
    rs.short_names = vec!["rs"];
    rs.subresources = vec![scale.clone(), status("ReplicaSet", "apps", "v1")];
    let mut sts = ResourceDef::new("apps", "v1", "StatefulSet", "statefulsets", true);
    sts.short_names = vec!["sts"];
    sts.subresources = vec![scale, status("StatefulSet", "apps", "v1")];
    let mut pdb = ResourceDef::new(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    );
    pdb.short_names = vec!["pdb"];
    pdb.subresources = vec![status("PodDisruptionBudget", "policy", "v1")];
    let mut netpol = ResourceDef::new(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    );
    netpol.short_names = vec!["netpol"];
    let mut ssar = ResourceDef::new(
        "authorization.k8s.io",
        "v1",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
        false,
    );
    ssar.verbs = vec!["create"];
    vec![pods, ns, events, cms, deploy, rs, sts, pdb, netpol, ssar]
}

/// (group, plural, namespace or "", name)
pub type ObjKey = (String, String, String, String);

#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub group: String,
    pub plural: String,
    pub ns: String,
    pub etype: &'static str,
    pub object: Value,
    pub prev: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub verb: String,
    pub path_substring: String,
    pub code: u16,
    pub remaining: u32,
}

#[derive(Debug, Clone)]
pub struct DenyRule {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub namespace: String,
}

impl DenyRule {
    pub fn matches(&self, verb: &str, group: &str, resource: &str, namespace: &str) -> bool {
        let m = |rule: &str, v: &str| rule == "*" || rule == v;
        m(&self.verb, verb)
            && m(&self.group, group)
            && m(&self.resource, resource)
            && (self.namespace.is_empty() || m(&self.namespace, namespace))
    }
}

/// Where a controller-made pod is in its start-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    Pending,
    Creating,
    Running,
    Crashing,
}

pub struct State {
    pub rv: u64,
    /// Watches from a resourceVersion below this get 410 Expired.
    pub compacted_rv: u64,
    /// Bumped by `compact()`: open watches end with 410.
    pub compact_epoch: u64,
    pub objects: BTreeMap<ObjKey, Value>,
    pub history: Vec<Event>,
    pub resources: Vec<ResourceDef>,
    pub deny: Vec<DenyRule>,
    pub failures: Vec<Failure>,
    pub delays: Vec<(String, Duration)>,
    pub log: Vec<RequestRecord>,
    /// Pod uid → (stage, since).
    pub lifecycle: HashMap<String, (Stage, Instant)>,
    /// Owner uid → when the owner was first seen short of pods.
    pub deficits: HashMap<String, Instant>,
    /// Pod key → when a graceful deletion completes.
    pub terminating: BTreeMap<ObjKey, Instant>,
    pub counter: u64,
}

const HISTORY_LIMIT: usize = 20_000;

pub struct Inner {
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    pub opts: FakeOptions,
}

impl Inner {
    pub fn new(opts: FakeOptions) -> Arc<Self> {
        let (changed, _) = watch::channel(0);
        let (shutdown, _) = watch::channel(false);
        let mut resources = builtin_resources();
        for (g, k, p) in [
            ("litmuschaos.io", "ChaosEngine", "chaosengines"),
            ("litmuschaos.io", "ChaosResult", "chaosresults"),
            ("chaos-mesh.org", "NetworkChaos", "networkchaos"),
            ("chaos-mesh.org", "PodChaos", "podchaos"),
        ] {
            let mut r = ResourceDef::new(g, "v1alpha1", k, p, true);
            r.subresources = vec![];
            resources.push(r);
        }
        Arc::new(Self {
            state: Mutex::new(State {
                rv: 1,
                compacted_rv: 0,
                compact_epoch: 0,
                objects: BTreeMap::new(),
                history: Vec::new(),
                resources,
                deny: Vec::new(),
                failures: Vec::new(),
                delays: Vec::new(),
                log: Vec::new(),
                lifecycle: HashMap::new(),
                deficits: HashMap::new(),
                terminating: BTreeMap::new(),
                counter: 0,
            }),
            changed,
            shutdown,
            opts,
        })
    }

    /// Lock the state. A poisoned lock (a panic elsewhere while holding it) is recovered:
    /// the fake keeps serving what it has.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run a mutation and wake watchers.
    pub fn mutate<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let (out, rv) = {
            let mut st = self.lock();
            let out = f(&mut st);
            (out, st.rv)
        };
        self.changed.send_replace(rv);
        out
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn shutdown_rx(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn rfc3339_in(d: Duration) -> String {
    let later = chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default();
    later.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusables).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

impl State {
    pub fn find_resource(&self, group: &str, version: &str, plural: &str) -> Option<ResourceDef> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
            .cloned()
    }

    pub fn resource_by_plural(&self, group: &str, plural: &str) -> Option<ResourceDef> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.plural == plural)
            .cloned()
    }

    fn entropy(&mut self, salt: &str) -> Vec<u8> {
        self.counter += 1;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let mut h = Sha256::new();
        h.update(self.counter.to_le_bytes());
        h.update(nanos.to_le_bytes());
        h.update(salt.as_bytes());
        h.finalize().to_vec()
    }

    pub fn uid(&mut self) -> String {
        let b = self.entropy("uid");
        let hex: String = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }

    pub fn suffix(&mut self, n: usize) -> String {
        self.entropy("suffix")
            .iter()
            .take(n)
            .map(|x| ALPHANUMS[*x as usize % ALPHANUMS.len()] as char)
            .collect()
    }

    /// A stable hash in the same alphabet (pod-template-hash, controller-revision-hash).
    pub fn stable_hash(seed: &str, n: usize) -> String {
        Sha256::digest(seed.as_bytes())
            .iter()
            .take(n)
            .map(|x| ALPHANUMS[*x as usize % ALPHANUMS.len()] as char)
            .collect()
    }

    fn record(
        &mut self,
        res: &ResourceDef,
        ns: &str,
        etype: &'static str,
        object: Value,
        prev: Option<Value>,
    ) {
        self.history.push(Event {
            rv: self.rv,
            group: res.group.clone(),
            plural: res.plural.clone(),
            ns: ns.to_string(),
            etype,
            object,
            prev,
        });
        if self.history.len() > HISTORY_LIMIT {
            let drop = self.history.len() - HISTORY_LIMIT / 2;
            self.history.drain(..drop);
            self.compacted_rv = self.history.first().map(|e| e.rv - 1).unwrap_or(self.rv);
        }
    }

    pub fn key(res: &ResourceDef, ns: &str, name: &str) -> ObjKey {
        let ns = if res.namespaced { ns } else { "" };
        (
            res.group.clone(),
            res.plural.clone(),
            ns.into(),
            name.into(),
        )
    }

    pub fn get(&self, res: &ResourceDef, ns: &str, name: &str) -> Option<&Value> {
        self.objects.get(&Self::key(res, ns, name))
    }

    /// One page of a list: the objects after `after` (namespace, name) that `keep`
    /// accepts, in key order, at most `limit`, and whether more follow. Only the page is
    /// cloned: paging through 10,000 pods is not 10,000 copies per page.
    pub fn list_page(
        &self,
        res: &ResourceDef,
        ns: Option<&str>,
        after: Option<(&str, &str)>,
        limit: usize,
        keep: impl Fn(&Value) -> bool,
    ) -> (Vec<Value>, bool) {
        use std::ops::Bound;
        let start = match after {
            Some((a_ns, a_name)) => Bound::Excluded((
                res.group.clone(),
                res.plural.clone(),
                a_ns.to_string(),
                a_name.to_string(),
            )),
            None => Bound::Included((
                res.group.clone(),
                res.plural.clone(),
                ns.unwrap_or("").to_string(),
                String::new(),
            )),
        };
        let mut page = Vec::new();
        for ((g, p, n, _), v) in self.objects.range((start, Bound::Unbounded)) {
            if *g != res.group || *p != res.plural {
                break;
            }
            if ns.is_some_and(|ns| ns != n) {
                if ns.is_some_and(|ns| n.as_str() > ns) {
                    break;
                }
                continue;
            }
            if !keep(v) {
                continue;
            }
            if page.len() == limit {
                return (page, true);
            }
            page.push(v.clone());
        }
        (page, false)
    }

    pub fn list(&self, res: &ResourceDef, ns: Option<&str>) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|((g, p, n, _), _)| {
                *g == res.group && *p == res.plural && ns.is_none_or(|ns| ns == n)
            })
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Store a new object: fills uid, resourceVersion, creationTimestamp, generation.
    /// The caller has checked that it does not exist.
    pub fn insert(&mut self, res: &ResourceDef, ns: &str, mut obj: Value) -> Value {
        self.rv += 1;
        let uid = self.uid();
        if !obj.is_object() {
            obj = json!({});
        }
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        if !obj["metadata"].is_object() {
            obj["metadata"] = json!({});
        }
        let m = &mut obj["metadata"];
        if res.namespaced {
            m["namespace"] = json!(ns);
        } else if let Some(map) = m.as_object_mut() {
            map.remove("namespace");
        }
        m["uid"] = json!(uid);
        m["resourceVersion"] = json!(self.rv.to_string());
        m["creationTimestamp"] = json!(now_rfc3339());
        if obj.get("spec").is_some() && res.plural != "pods" {
            obj["metadata"]["generation"] = json!(1);
        }
        let name = str_at(&obj, "/metadata/name").to_string();
        self.objects.insert(Self::key(res, ns, &name), obj.clone());
        self.record(res, ns, "ADDED", obj.clone(), None);
        obj
    }

    /// Replace a stored object: bumps resourceVersion (and generation when spec changed).
    pub fn update(&mut self, res: &ResourceDef, ns: &str, mut obj: Value) -> Value {
        let name = str_at(&obj, "/metadata/name").to_string();
        let key = Self::key(res, ns, &name);
        let prev = self.objects.get(&key).cloned();
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        if let Some(p) = &prev {
            if p.get("spec") != obj.get("spec") && p.pointer("/metadata/generation").is_some() {
                let g = p
                    .pointer("/metadata/generation")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                obj["metadata"]["generation"] = json!(g + 1);
            }
        }
        self.objects.insert(key, obj.clone());
        self.record(res, ns, "MODIFIED", obj.clone(), prev);
        obj
    }

    /// Remove an object for good; returns it with its final resourceVersion.
    pub fn remove(&mut self, res: &ResourceDef, ns: &str, name: &str) -> Option<Value> {
        let key = Self::key(res, ns, name);
        let mut obj = self.objects.remove(&key)?;
        self.terminating.remove(&key);
        let uid = str_at(&obj, "/metadata/uid").to_string();
        self.lifecycle.remove(&uid);
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.record(res, ns, "DELETED", obj.clone(), None);
        Some(obj)
    }

    pub fn res(&self, group: &str, plural: &str) -> ResourceDef {
        self.resource_by_plural(group, plural)
            .unwrap_or_else(|| ResourceDef::new(group, "v1", "Unknown", plural, true))
    }

    pub fn ensure_namespace(&mut self, ns: &str) {
        let res = self.res("", "namespaces");
        if self.get(&res, "", ns).is_none() {
            self.insert(
                &res,
                "",
                json!({
                    "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"}
                }),
            );
        }
    }

    /// Start a graceful deletion (or delete now when the grace period is 0).
    /// Returns the object as the API returns it.
    pub fn delete_pod(
        &mut self,
        ns: &str,
        name: &str,
        grace_seconds: Option<i64>,
        scale: f64,
    ) -> Option<Value> {
        let res = self.res("", "pods");
        let pod = self.get(&res, ns, name)?.clone();
        let grace = grace_seconds
            .or_else(|| {
                pod.pointer("/spec/terminationGracePeriodSeconds")
                    .and_then(Value::as_i64)
            })
            .unwrap_or(30)
            .max(0);
        if grace == 0 {
            return self.remove(&res, ns, name);
        }
        if pod.pointer("/metadata/deletionTimestamp").is_some() {
            // Already terminating: a shorter grace period shortens the wait.
            let key = Self::key(&res, ns, name);
            let at = Instant::now() + Duration::from_secs_f64(grace as f64 * scale);
            if let Some(t) = self.terminating.get_mut(&key) {
                if at < *t {
                    *t = at;
                }
            }
            return Some(pod);
        }
        let mut p = pod;
        p["metadata"]["deletionTimestamp"] = json!(rfc3339_in(Duration::from_secs(grace as u64)));
        p["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        let p = self.update(&res, ns, p);
        self.terminating.insert(
            Self::key(&res, ns, name),
            Instant::now() + Duration::from_secs_f64(grace as f64 * scale),
        );
        Some(p)
    }
}
