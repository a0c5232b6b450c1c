//! The tests' kit for the real Kubernetes control plane that `scripts/k8s-testbed start
//! DIR` runs (testbed/README.md): where it is (`GAMEDAY_TESTBED_DIR`), kubectl as the
//! admin, one namespace per test with exactly `assets/rbac.yaml` bound in it, workloads
//! with short grace periods, the CRDs of Litmus and Chaos Mesh, and a TCP relay that can
//! cut every connection to the API server.
//!
//! A test that needs the plane FAILS when it is not there: it never skips.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What `DIR/env` says about a running testbed.
#[derive(Debug, Clone)]
pub struct Testbed {
    pub dir: PathBuf,
    pub server: String,
    pub port: u16,
    pub ca: PathBuf,
    pub kubectl: PathBuf,
    pub admin_kubeconfig: PathBuf,
    pub operator_kubeconfig: PathBuf,
    pub nobody_kubeconfig: PathBuf,
    pub admin_token: String,
    pub operator_token: String,
    pub nobody_token: String,
}

/// The context of `operator.kubeconfig` (user `gameday-operator`, group `gameday-operators`).
pub const OPERATOR_CONTEXT: &str = "testbed-gameday-operator";

const HOW: &str = "start one with `scripts/k8s-testbed start /tmp/tb` and run the tests with \
                   GAMEDAY_TESTBED_DIR=/tmp/tb (scripts/test does both)";

/// The testbed the tests run against, checked once per process: panics, saying how to start
/// one, when `GAMEDAY_TESTBED_DIR` is unset or the API server does not answer.
pub fn testbed() -> &'static Testbed {
    static TB: OnceLock<Testbed> = OnceLock::new();
    TB.get_or_init(|| {
        let dir = match std::env::var("GAMEDAY_TESTBED_DIR") {
            Ok(d) if !d.is_empty() => PathBuf::from(d),
            _ => panic!(
                "GAMEDAY_TESTBED_DIR is not set: these tests run against a real Kubernetes \
                 control plane; {HOW}"
            ),
        };
        let tb = Testbed::read(&dir);
        let ready = tb.kubectl_out(&["get", "--raw=/readyz", "--request-timeout=15s"]);
        assert!(
            ready.as_deref().is_ok_and(|o| o.trim() == "ok"),
            "the control plane in {} does not answer /readyz ({ready:?}): {HOW}",
            dir.display()
        );
        tb
    })
}

impl Testbed {
    /// Reads `dir/env` (the exports `start` writes).
    pub fn read(dir: &Path) -> Testbed {
        let text = std::fs::read_to_string(dir.join("env")).unwrap_or_else(|e| {
            panic!(
                "no testbed in {} (cannot read its env file: {e}): {HOW}",
                dir.display()
            )
        });
        let vars: BTreeMap<String, String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        let var = |k: &str| {
            vars.get(k)
                .cloned()
                .unwrap_or_else(|| panic!("{} has no {k}", dir.join("env").display()))
        };
        Testbed {
            dir: dir.to_path_buf(),
            server: var("GAMEDAY_TESTBED_SERVER"),
            port: var("GAMEDAY_TESTBED_APISERVER_PORT").parse().expect("port"),
            ca: var("GAMEDAY_TESTBED_CA").into(),
            kubectl: var("GAMEDAY_TESTBED_KUBECTL").into(),
            admin_kubeconfig: var("GAMEDAY_TESTBED_ADMIN_KUBECONFIG").into(),
            operator_kubeconfig: var("GAMEDAY_TESTBED_OPERATOR_KUBECONFIG").into(),
            nobody_kubeconfig: var("GAMEDAY_TESTBED_NOBODY_KUBECONFIG").into(),
            admin_token: var("GAMEDAY_TESTBED_ADMIN_TOKEN"),
            operator_token: var("GAMEDAY_TESTBED_OPERATOR_TOKEN"),
            nobody_token: var("GAMEDAY_TESTBED_NOBODY_TOKEN"),
        }
    }

    /// Compacts etcd to its current revision (`scripts/k8s-testbed compact`), so that a
    /// watch from an older resourceVersion meets 410 Gone at once instead of after the API
    /// server's own compaction (every 5 minutes by default).
    pub fn compact(&self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/k8s-testbed");
        let o = Command::new(script)
            .arg("compact")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .output()
            .expect("scripts/k8s-testbed runs");
        assert!(
            o.status.success(),
            "k8s-testbed compact: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// kubectl as the admin.
    pub fn kubectl(&self) -> Command {
        let mut c = Command::new(&self.kubectl);
        c.arg("--kubeconfig").arg(&self.admin_kubeconfig);
        c.stdin(Stdio::null());
        c
    }

    /// kubectl as the admin, its standard output, or what it said on failure.
    pub fn kubectl_out(&self, args: &[&str]) -> Result<String, String> {
        let o = self
            .kubectl()
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.kubectl.display()))?;
        if o.status.success() {
            Ok(String::from_utf8_lossy(&o.stdout).into_owned())
        } else {
            Err(format!(
                "kubectl {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ))
        }
    }

    /// kubectl as the admin; panics on failure.
    pub fn k(&self, args: &[&str]) -> String {
        self.kubectl_out(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `kubectl get ... -o json`, parsed.
    pub fn get_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        serde_json::from_str(&self.k(&all)).expect("kubectl printed JSON")
    }

    /// Server-side apply of `yaml` as the admin (field manager `tests`).
    pub fn apply(&self, yaml: &str) {
        let mut child = self
            .kubectl()
            .args([
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=tests",
                "-f",
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(yaml.as_bytes())
            .expect("write to kubectl");
        let o = child.wait_with_output().expect("kubectl ends");
        assert!(
            o.status.success(),
            "kubectl apply failed: {}{}\n{yaml}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// The operator's kubeconfig with `namespace` in its context (for `recover --cluster`,
    /// which looks in the context's namespace when it may not list across namespaces).
    pub fn operator_kubeconfig_in(&self, namespace: &str, dir: &Path) -> PathBuf {
        let text = std::fs::read_to_string(&self.operator_kubeconfig).expect("kubeconfig");
        let text = text.replace(
            "    user: gameday-operator\n",
            &format!("    user: gameday-operator\n    namespace: {namespace}\n"),
        );
        assert!(text.contains("namespace:"), "context rewritten: {text}");
        let p = dir.join(format!("operator-{namespace}.kubeconfig"));
        std::fs::write(&p, text).expect("write kubeconfig");
        p
    }

    /// The operator's kubeconfig pointing at `server` instead (e.g. a [`Relay`]).
    pub fn operator_kubeconfig_via(&self, server: &str, dir: &Path) -> PathBuf {
        let text = std::fs::read_to_string(&self.operator_kubeconfig).expect("kubeconfig");
        let text = text.replace(&self.server, server);
        let p = dir.join("operator-relayed.kubeconfig");
        std::fs::write(&p, text).expect("write kubeconfig");
        p
    }
}

/// Polls `f` every 200 ms until it returns `Some`, at most `limit`; panics with `what`
/// and the last state `f` reported.
pub fn wait_until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(last) if start.elapsed() > limit => {
                panic!("{what}: not within {limit:?}; last: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A namespace of one test, with `assets/rbac.yaml` applied in it (its namespace changed,
/// nothing else) and the `default` service account made; deleted when dropped.
pub struct Ns {
    pub name: String,
    pub tb: &'static Testbed,
}

/// `assets/rbac.yaml` as shipped, for `namespace`: only `namespace: shop` changes.
pub fn rbac_for(namespace: &str) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rbac.yaml"))
        .expect("assets/rbac.yaml");
    assert_eq!(
        text.matches("  namespace: shop\n").count(),
        2,
        "assets/rbac.yaml names namespace shop twice (Role and RoleBinding)"
    );
    text.replace(
        "  namespace: shop\n",
        &format!("  namespace: {namespace}\n"),
    )
}

impl Ns {
    /// `prefix-PID-N`, with the Role and RoleBinding of `assets/rbac.yaml`.
    pub fn new(prefix: &str) -> Ns {
        Ns::with_rbac(prefix, true)
    }

    pub fn with_rbac(prefix: &str, rbac: bool) -> Ns {
        let tb = testbed();
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        tb.k(&["create", "namespace", &name]);
        let ns = Ns { name, tb };
        // pods are refused until the service account controller made `default`
        wait_until(
            &format!("serviceaccount default in {}", ns.name),
            Duration::from_secs(60),
            || tb.kubectl_out(&["get", "serviceaccount", "default", "-n", &ns.name]),
        );
        if rbac {
            tb.apply(&rbac_for(&ns.name));
            ns.wait_can_i("delete", "pods", true);
        }
        ns
    }

    /// Waits until RBAC answers `allowed` for the operator (the authorizer's informers
    /// follow a Role change within moments).
    pub fn wait_can_i(&self, verb: &str, resource: &str, allowed: bool) {
        let want = if allowed { "yes" } else { "no" };
        wait_until(
            &format!("can-i {verb} {resource} = {want} for gameday-operator"),
            Duration::from_secs(30),
            || {
                let o = self
                    .tb
                    .kubectl()
                    .args([
                        "auth",
                        "can-i",
                        verb,
                        resource,
                        "-n",
                        &self.name,
                        "--as=gameday-operator",
                        "--as-group=gameday-operators",
                    ])
                    .output()
                    .map_err(|e| e.to_string())?;
                let said = String::from_utf8_lossy(&o.stdout).trim().to_string();
                if said == want {
                    Ok(())
                } else {
                    Err(said)
                }
            },
        );
    }

    /// A Deployment of `replicas` pods labelled `app={name}`, grace period `grace_s`.
    pub fn deployment(&self, name: &str, replicas: u32, grace_s: u32) {
        self.tb.apply(&format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata: {{ name: {name}, namespace: {ns} }}
spec:
  replicas: {replicas}
  selector: {{ matchLabels: {{ app: {name} }} }}
  template:
    metadata: {{ labels: {{ app: {name} }} }}
    spec:
      terminationGracePeriodSeconds: {grace_s}
      containers: [{{ name: app, image: registry.invalid/app:1 }}]
"#,
            ns = self.name
        ));
    }

    /// A StatefulSet (parallel pod management) of `replicas` pods labelled `app={name}`.
    pub fn statefulset(&self, name: &str, replicas: u32, grace_s: u32) {
        self.tb.apply(&format!(
            r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {{ name: {name}, namespace: {ns} }}
spec:
  replicas: {replicas}
  serviceName: {name}
  podManagementPolicy: Parallel
  selector: {{ matchLabels: {{ app: {name} }} }}
  template:
    metadata: {{ labels: {{ app: {name} }} }}
    spec:
      terminationGracePeriodSeconds: {grace_s}
      containers: [{{ name: app, image: registry.invalid/app:1 }}]
"#,
            ns = self.name
        ));
    }

    /// A PodDisruptionBudget on `app={app}` allowing `max_unavailable`, once the
    /// disruption controller has counted `expected` pods.
    pub fn pdb(&self, app: &str, max_unavailable: u32, expected: usize) {
        self.tb.apply(&format!(
            r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{ name: {app}, namespace: {ns} }}
spec:
  maxUnavailable: {max_unavailable}
  selector: {{ matchLabels: {{ app: {app} }} }}
"#,
            ns = self.name
        ));
        wait_until(
            &format!("the disruption controller to count {expected} {app} pods"),
            Duration::from_secs(60),
            || {
                let p = self.tb.get_json(&["pdb", app, "-n", &self.name]);
                let st = &p["status"];
                let seen = st["observedGeneration"] == p["metadata"]["generation"]
                    && st["expectedPods"].as_u64() == Some(expected as u64)
                    && st["currentHealthy"].as_u64() == Some(expected as u64);
                if seen {
                    Ok(())
                } else {
                    Err(st.to_string())
                }
            },
        );
    }

    /// The live (not terminating) pods matching `selector`, and how many are Ready.
    pub fn pods(&self, selector: &str) -> (Vec<String>, usize) {
        let list = self
            .tb
            .get_json(&["pods", "-n", &self.name, "-l", selector]);
        let mut names = Vec::new();
        let mut ready = 0;
        for p in list["items"].as_array().into_iter().flatten() {
            if !p["metadata"]["deletionTimestamp"].is_null() {
                continue;
            }
            names.push(p["metadata"]["name"].as_str().unwrap_or("").to_string());
            let is_ready = p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            if is_ready {
                ready += 1;
            }
        }
        names.sort();
        (names, ready)
    }

    /// Waits until exactly `n` live pods match `selector`, all Ready; their names.
    pub fn wait_ready(&self, selector: &str, n: usize) -> Vec<String> {
        wait_until(
            &format!("{n} Ready pods {selector} in {}", self.name),
            Duration::from_secs(120),
            || {
                let (names, ready) = self.pods(selector);
                if names.len() == n && ready == n {
                    Ok(names)
                } else {
                    Err(format!("{} live, {ready} Ready: {names:?}", names.len()))
                }
            },
        )
    }

    /// A scenario file in `dir` for this namespace, driven as the operator.
    pub fn scenario(&self, dir: &Path, file: &str, body: &str) -> PathBuf {
        let text = format!(
            "kubernetes: {{ context: {OPERATOR_CONTEXT}, namespace: {ns} }}\n{body}",
            ns = self.name
        );
        let p = dir.join(file);
        std::fs::write(&p, text).expect("write scenario");
        p
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = self.tb.kubectl_out(&[
            "delete",
            "namespace",
            &self.name,
            "--wait=false",
            "--ignore-not-found",
        ]);
    }
}

/// Minimal CustomResourceDefinitions of what gameday's `manifest` scenarios apply: Litmus
/// ChaosEngine and ChaosResult, Chaos Mesh NetworkChaos and PodChaos (namespaced,
/// v1alpha1, any fields). Installed once per test process, and Established.
pub fn install_chaos_crds() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let tb = testbed();
        let crd = |group: &str, kind: &str, plural: &str| {
            format!(
                r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{ name: {plural}.{group} }}
spec:
  group: {group}
  scope: Namespaced
  names: {{ kind: {kind}, plural: {plural}, singular: {singular}, listKind: {kind}List }}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {{ type: object, x-kubernetes-preserve-unknown-fields: true }}
      subresources: {{ status: {{}} }}
"#,
                singular = kind.to_lowercase()
            )
        };
        let all = [
            crd("litmuschaos.io", "ChaosEngine", "chaosengines"),
            crd("litmuschaos.io", "ChaosResult", "chaosresults"),
            crd("chaos-mesh.org", "NetworkChaos", "networkchaos"),
            crd("chaos-mesh.org", "PodChaos", "podchaos"),
        ]
        .join("---\n");
        tb.apply(&all);
        tb.k(&[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/chaosengines.litmuschaos.io",
            "crd/chaosresults.litmuschaos.io",
            "crd/networkchaos.chaos-mesh.org",
            "crd/podchaos.chaos-mesh.org",
        ]);
    });
}

/// A journal line's time.
pub fn ts(record: &Value) -> chrono::DateTime<chrono::Utc> {
    let t = record["ts"].as_str().expect("ts");
    chrono::DateTime::parse_from_rfc3339(t)
        .expect("RFC 3339 ts")
        .with_timezone(&chrono::Utc)
}

/// Waits (bounded) until the one run under `out` has journaled a line for which `pred`
/// holds; returns the run directory and that line.
pub fn wait_for_line(
    out: &Path,
    what: &str,
    limit: Duration,
    pred: impl Fn(&Value) -> bool,
) -> (PathBuf, Value) {
    wait_until(what, limit, || {
        let entries = std::fs::read_dir(out).map_err(|e| e.to_string())?;
        for dir in entries.flatten().map(|e| e.path()) {
            let Ok(text) = std::fs::read_to_string(dir.join("journal.jsonl")) else {
                continue;
            };
            for line in text.lines() {
                if let Ok(v) = serde_json::from_str::<Value>(line) {
                    if pred(&v) {
                        return Ok((dir, v));
                    }
                }
            }
        }
        Err("not journaled yet".into())
    })
}

/// A TCP relay on 127.0.0.1 in front of the API server. [`Relay::cut`] closes every
/// connection through it and refuses new ones until [`Relay::open`]: what a network drop
/// does to a watch. TLS passes through untouched (the serving certificate names 127.0.0.1,
/// whatever the port).
pub struct Relay {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    pub fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let addr = listener.local_addr().expect("relay address");
        let down = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (d, c) = (down.clone(), conns.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if d.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let mut list = c.lock().unwrap_or_else(|p| p.into_inner());
                list.extend(client.try_clone().ok());
                list.extend(server.try_clone().ok());
                drop(list);
                pipe(client.try_clone(), server.try_clone());
                pipe(server.try_clone(), client.try_clone());
            }
        });
        Relay { addr, down, conns }
    }

    /// Closes every connection and refuses new ones.
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for s in self
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Accepts connections again.
    pub fn open(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

fn pipe(from: std::io::Result<TcpStream>, to: std::io::Result<TcpStream>) {
    let (Ok(mut from), Ok(mut to)) = (from, to) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Both);
        let _ = from.shutdown(std::net::Shutdown::Both);
    });
}

/// A second control plane of the test's own whose API server serves pods from etcd
/// (no watch cache), so that a watch resumed after a compaction gets 410 Gone.
pub struct OwnTestbed {
    pub dir: tempfile::TempDir,
}

impl OwnTestbed {
    pub fn start(flags: &str) -> OwnTestbed {
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/k8s-testbed");
        let o = Command::new(script)
            .arg("start")
            .arg(dir.path())
            .env("GAMEDAY_TESTBED_APISERVER_FLAGS", flags)
            .env("GAMEDAY_TESTBED_WATCH_PID", std::process::id().to_string())
            .stdin(Stdio::null())
            .output()
            .expect("scripts/k8s-testbed runs");
        assert!(
            o.status.success(),
            "scripts/k8s-testbed start failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        OwnTestbed { dir }
    }

    pub fn script(&self, cmd: &str) -> String {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/k8s-testbed");
        let o = Command::new(script)
            .arg(cmd)
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("scripts/k8s-testbed runs");
        assert!(
            o.status.success(),
            "k8s-testbed {cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    }
}

impl Drop for OwnTestbed {
    fn drop(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/k8s-testbed");
        let _ = Command::new(script)
            .arg("stop")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .output();
    }
}
