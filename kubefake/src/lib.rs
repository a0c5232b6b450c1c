//! A local HTTP fake of the Kubernetes API, for gameday's end-to-end tests and demo.
//!
//! It speaks the JSON of the Kubernetes API reference (objects, lists, `Status`,
//! discovery, watch events) so the real `kube` client works against it with a real
//! kubeconfig file. See DEVELOPERS.md for what it implements and what it simplifies.

mod api;
mod http;
mod patch;
mod selector;
mod state;
mod workload;

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use selector::{FieldSelector, LabelSelector};
use state::{DenyRule, Failure, Inner, ResourceDef, State};

/// How fast the fake cluster moves. The defaults are quick, for tests.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The bearer token every request must carry.
    pub token: String,
    /// How long a controller waits before replacing a missing pod.
    pub recreate_delay: Duration,
    /// How long a new pod takes from Pending to Running and Ready (half of it in
    /// ContainerCreating).
    pub ready_delay: Duration,
    /// Real seconds per grace-period second (0.01: a 30 s grace period takes 300 ms).
    pub grace_scale: f64,
    /// How often a watch that asked for bookmarks gets one.
    pub bookmark_interval: Duration,
    /// How often the controllers run.
    pub tick: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            port: 0,
            token: "kubefake-token".into(),
            recreate_delay: Duration::from_millis(150),
            ready_delay: Duration::from_millis(300),
            grace_scale: 0.01,
            bookmark_interval: Duration::from_secs(1),
            tick: Duration::from_millis(20),
        }
    }
}

impl FakeOptions {
    /// Timings a human can watch (for `gameday demo`).
    pub fn demo() -> Self {
        Self {
            recreate_delay: Duration::from_secs(1),
            ready_delay: Duration::from_secs(6),
            grace_scale: 0.1,
            bookmark_interval: Duration::from_secs(5),
            tick: Duration::from_millis(100),
            ..Self::default()
        }
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The query string, percent-decoded.
    pub query: String,
    pub content_type: String,
    pub body: String,
    /// when the request arrived: tests check the spacing of repeated actions
    pub at: std::time::Instant,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    #[error("kubefake could not listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
}

/// Starts fake clusters.
pub struct FakeCluster;

impl FakeCluster {
    /// Serve on 127.0.0.1 and run the controllers, both as tasks on the current runtime.
    pub async fn start(opts: FakeOptions) -> Result<FakeHandle, FakeError> {
        let port = opts.port;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| FakeError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| FakeError::Bind { port, source })?;
        let inner = Inner::new(opts);
        inner.mutate(|st| st.ensure_namespace("default"));
        tokio::spawn(http::serve(listener, inner.clone()));
        let ctl = inner.clone();
        tokio::spawn(async move {
            let mut shutdown = ctl.shutdown_rx();
            let mut tick = tokio::time::interval(ctl.opts.tick);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.changed() => return,
                }
                let opts = ctl.opts.clone();
                ctl.mutate(|st| workload::reconcile(st, &opts, Instant::now()));
            }
        });
        Ok(FakeHandle { inner, addr })
    }
}

/// Controls a running fake: seed objects, inject failures, read the request log.
#[derive(Clone)]
pub struct FakeHandle {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

impl FakeHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn token(&self) -> &str {
        &self.inner.opts.token
    }

    /// Write a kubeconfig with one cluster, one bearer-token user and one context.
    pub fn write_kubeconfig(
        &self,
        path: &Path,
        context_name: &str,
        namespace: &str,
        token: &str,
    ) -> std::io::Result<()> {
        let cfg = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": "kubefake", "cluster": {"server": self.url()}}],
            "users": [{"name": "kubefake-user", "user": {"token": token}}],
            "contexts": [{"name": context_name,
                "context": {"cluster": "kubefake", "user": "kubefake-user", "namespace": namespace}}],
            "current-context": context_name,
        });
        let yaml = serde_yaml::to_string(&cfg).map_err(std::io::Error::other)?;
        std::fs::write(path, yaml)
    }

    pub fn add_namespace(&self, ns: &str) {
        self.inner.mutate(|st| st.ensure_namespace(ns));
    }

    /// A Deployment, its ReplicaSet and `replicas` Running pods named `NAME-<hash>-<5>`.
    pub fn add_deployment(&self, ns: &str, name: &str, labels: &[(&str, &str)], replicas: i64) {
        self.inner
            .mutate(|st| workload::seed_deployment(st, ns, name, labels, replicas));
    }

    /// A StatefulSet and its Running pods `NAME-0`, `NAME-1`, ...
    pub fn add_statefulset(&self, ns: &str, name: &str, labels: &[(&str, &str)], replicas: i64) {
        self.inner
            .mutate(|st| workload::seed_statefulset(st, ns, name, labels, replicas));
    }

    /// A bare Running pod (no controller: nothing recreates it).
    pub fn add_pod(&self, ns: &str, name: &str, labels: &[(&str, &str)]) -> Value {
        self.inner.mutate(|st| {
            st.ensure_namespace(ns);
            let pod = json!({
                "metadata": {"name": name, "labels": workload::labels_map(labels)},
                "spec": {"containers": [{"name": workload::CONTAINER, "image": "registry.k8s.io/pause:3.10"}],
                    "restartPolicy": "Always", "terminationGracePeriodSeconds": 30},
            });
            workload::create_pod(st, ns, pod, true)
        })
    }

    /// A policy/v1 PodDisruptionBudget over `selector` (matchLabels); returns its name.
    pub fn add_pdb(&self, ns: &str, selector: &[(&str, &str)], max_unavailable: i64) -> String {
        let name = format!(
            "{}-pdb",
            selector
                .iter()
                .map(|(_, v)| *v)
                .collect::<Vec<_>>()
                .join("-")
        );
        self.inner.mutate(|st| {
            st.ensure_namespace(ns);
            let res = st.res("policy", "poddisruptionbudgets");
            st.insert(
                &res,
                ns,
                json!({"metadata": {"name": name},
                    "spec": {"maxUnavailable": max_unavailable,
                        "selector": {"matchLabels": workload::labels_map(selector)}},
                    "status": {}}),
            );
        });
        name
    }

    /// Serve a custom resource type (as if its CRD were installed).
    pub fn add_crd(&self, group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) {
        self.inner.mutate(|st| {
            if st.find_resource(group, version, plural).is_none() {
                st.resources
                    .push(ResourceDef::new(group, version, kind, plural, namespaced));
            }
        });
    }

    /// Store any object of a served resource (`group` "" for core); returns it as stored.
    pub fn put_object(&self, group: &str, plural: &str, ns: &str, obj: Value) -> Option<Value> {
        self.inner.mutate(|st| {
            let res = st.resource_by_plural(group, plural)?;
            if res.namespaced {
                st.ensure_namespace(ns);
            }
            let name = state::str_at(&obj, "/metadata/name").to_string();
            Some(match st.get(&res, ns, &name).cloned() {
                Some(old) => {
                    let mut o = obj;
                    o["metadata"]["uid"] = old["metadata"]["uid"].clone();
                    o["metadata"]["creationTimestamp"] =
                        old["metadata"]["creationTimestamp"].clone();
                    o["apiVersion"] = old["apiVersion"].clone();
                    o["kind"] = old["kind"].clone();
                    if res.namespaced {
                        o["metadata"]["namespace"] = json!(ns);
                    }
                    st.update(&res, ns, o)
                }
                None => st.insert(&res, ns, obj),
            })
        })
    }

    pub fn get(&self, group: &str, plural: &str, ns: &str, name: &str) -> Option<Value> {
        let st = self.inner.lock();
        let res = st.resource_by_plural(group, plural)?;
        st.get(&res, ns, name).cloned()
    }

    pub fn list(&self, group: &str, plural: &str, ns: Option<&str>) -> Vec<Value> {
        let st = self.inner.lock();
        match st.resource_by_plural(group, plural) {
            Some(res) => st.list(&res, ns),
            None => Vec::new(),
        }
    }

    /// The pods of a namespace, terminating ones included.
    pub fn pods(&self, ns: &str) -> Vec<Value> {
        self.list("", "pods", Some(ns))
    }

    /// Put a pod into CrashLoopBackOff (restartCount + 1, last state terminated/Error)
    /// and record the kubelet's Warning event. False when the pod does not exist.
    pub fn crash_pod(&self, ns: &str, name: &str) -> bool {
        let found = self.inner.mutate(|st| {
            let res = st.res("", "pods");
            let Some(mut pod) = st.get(&res, ns, name).cloned() else {
                return false;
            };
            let node = state::str_at(&pod, "/spec/nodeName").to_string();
            let ip = state::str_at(&pod, "/status/podIP").to_string();
            workload::set_pod_stage(&mut pod, state::Stage::Crashing, &node, &ip);
            let uid = state::str_at(&pod, "/metadata/uid").to_string();
            st.update(&res, ns, pod);
            st.lifecycle
                .insert(uid, (state::Stage::Crashing, Instant::now()));
            true
        });
        if found {
            self.add_warning_event(
                ns,
                "Pod",
                name,
                "BackOff",
                &format!(
                    "Back-off restarting failed container {} in pod {name}",
                    workload::CONTAINER
                ),
            );
        }
        found
    }

    /// A core/v1 Event of type Warning about an object.
    pub fn add_warning_event(&self, ns: &str, kind: &str, name: &str, reason: &str, message: &str) {
        self.inner.mutate(|st| {
            st.ensure_namespace(ns);
            let res = st.res("", "events");
            let uid = st
                .objects
                .iter()
                .find(|(k, v)| k.2 == ns && k.3 == name && state::str_at(v, "/kind") == kind)
                .map(|(_, v)| state::str_at(v, "/metadata/uid").to_string())
                .unwrap_or_default();
            let now = state::now_rfc3339();
            let ev_name = format!(
                "{name}.{}",
                State::stable_hash(&format!("{now}{reason}{}", st.rv), 16)
            );
            let api_version = match kind {
                "Deployment" | "StatefulSet" | "ReplicaSet" => "apps/v1",
                _ => "v1",
            };
            st.insert(
                &res,
                ns,
                json!({
                    "metadata": {"name": ev_name},
                    "involvedObject": {"kind": kind, "namespace": ns, "name": name, "uid": uid,
                        "apiVersion": api_version},
                    "reason": reason, "message": message, "type": "Warning", "count": 1,
                    "source": {"component": "kubelet", "host": "kubefake-node-a"},
                    "firstTimestamp": now, "lastTimestamp": now,
                    "reportingComponent": "kubelet", "reportingInstance": "kubefake-node-a",
                }),
            );
        });
    }

    /// Deny a verb on a resource (`pods`, `pods/eviction`; `*` matches any) in a
    /// namespace (`""` or `*`: every namespace). Both SelfSubjectAccessReviews and the
    /// requests themselves (403 Forbidden) follow the rule.
    pub fn deny(&self, verb: &str, group: &str, resource: &str, namespace: &str) {
        self.inner.lock().deny.push(DenyRule {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.into(),
        });
    }

    /// Fail the next `times` requests whose verb (`get`, `list`, `watch`, `create`,
    /// `update`, `patch`, `delete`, an HTTP method, or `*`) matches and whose path and
    /// query contain `path_substring`, with `code` and its Status.
    pub fn fail(&self, verb: &str, path_substring: &str, code: u16, times: u32) {
        self.inner.lock().failures.push(Failure {
            verb: verb.to_lowercase(),
            path_substring: path_substring.into(),
            code,
            remaining: times,
        });
    }

    /// Hold requests whose path and query contain `path_substring` for `duration`.
    pub fn delay(&self, path_substring: &str, duration: Duration) {
        self.inner
            .lock()
            .delays
            .push((path_substring.into(), duration));
    }

    /// Forget injected failures, delays and deny rules.
    pub fn clear_faults(&self) {
        let mut st = self.inner.lock();
        st.failures.clear();
        st.delays.clear();
        st.deny.clear();
    }

    /// Expire every resourceVersion handed out so far: watches from them get an ERROR
    /// event with a 410 Expired Status, and open watches are ended the same way.
    pub fn compact(&self) {
        self.inner.mutate(|st| {
            st.compacted_rv = st.rv;
            st.compact_epoch += 1;
            st.history.clear();
        });
    }

    /// The current (global) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.inner.lock().rv
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.inner.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.inner.lock().log.clear();
    }

    /// Stop serving and stop the controllers.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}
