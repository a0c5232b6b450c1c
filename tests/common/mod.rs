//! Shared by the end-to-end tests: a small HTTP service of the tests' own, whose health
//! is steered by marker files (so an `exec` fault can break it with `touch`), and a way
//! to run the real `gameday` binary.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

/// Serves `GET /probe` on 127.0.0.1: 500 while `DIR/broken` exists, 50 ms slower while
/// `DIR/slow` exists, 200 otherwise. Runs on its own thread until the test process ends.
pub fn start_service(dir: &Path) -> SocketAddr {
    serve(
        Router::new()
            .route("/probe", get(probe))
            .with_state(dir.to_path_buf()),
    )
}

/// Serves `app` on 127.0.0.1 (a free port), on a thread of its own until the test process
/// ends.
pub fn serve(app: Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("test server started")
}

async fn probe(State(dir): State<PathBuf>) -> (StatusCode, &'static str) {
    if dir.join("slow").exists() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if dir.join("broken").exists() {
        (StatusCode::INTERNAL_SERVER_ERROR, "broken")
    } else {
        (StatusCode::OK, "ok")
    }
}

pub fn gameday() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
    c.env_remove("GAMEDAY_LOG");
    c
}

/// `gameday run --headless` as operator `tester` on `scenario`, runs under `out`, with
/// `extra` arguments; standard input empty, output captured. Not started yet.
pub fn headless(scenario: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = gameday();
    c.args(["run", "--headless", "--operator", "tester", "--out"])
        .arg(out)
        .args(extra)
        .arg(scenario)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs `headless(..)` to the end, bounded by `limit`.
pub fn run_headless(scenario: &Path, out: &Path, extra: &[&str], limit: Duration) -> Output {
    let mut child = headless(scenario, out, extra)
        .spawn()
        .expect("gameday starts");
    wait_bounded(&mut child, limit)
}

/// Waits for the child at most `limit`, killing it past that, and returns its output.
pub fn wait_bounded(child: &mut std::process::Child, limit: Duration) -> Output {
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let mut out = String::new();
            use std::io::Read;
            child.stdout.take().map(|mut s| s.read_to_string(&mut out));
            panic!("gameday did not finish within {limit:?}; it printed:\n{out}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .map(|mut s| s.read_to_string(&mut stdout));
    child
        .stderr
        .take()
        .map(|mut s| s.read_to_string(&mut stderr));
    Output {
        status: child.wait().unwrap(),
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
    }
}

/// The one run directory under `out`.
pub fn run_dir(out: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(
        dirs.len(),
        1,
        "one run directory in {}: {dirs:?}",
        out.display()
    );
    dirs.into_iter().next().unwrap()
}

pub fn journal(run_dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run_dir.join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A journal record's time.
pub fn ts(record: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    let t = record["ts"].as_str().expect("a journal record has its ts");
    chrono::DateTime::parse_from_rfc3339(t)
        .expect("RFC 3339 ts")
        .with_timezone(&chrono::Utc)
}

pub fn events<'a>(journal: &'a [serde_json::Value], ty: &str) -> Vec<&'a serde_json::Value> {
    journal.iter().filter(|v| v["type"] == ty).collect()
}

/// A scenario probing the test service, with one exec fault; `inject`/`revert` are shell.
pub fn scenario(
    service: SocketAddr,
    inject: &str,
    revert: &str,
    fault_secs: u32,
    expect_p99: &str,
) -> String {
    format!(
        r#"name: e2e-probe
hypothesis: The probe endpoint keeps answering while the fault is active.
steady_state:
  - name: probe errors
    http: {{ url: "http://{service}/probe", every: 200ms, timeout: 2s }}
    measure: error_rate
    expect: "< 1%"
  - name: probe p99
    http: {{ url: "http://{service}/probe", every: 200ms, timeout: 2s }}
    measure: p99
    expect: "{expect_p99}"
faults:
  - name: break the probe
    duration: {fault_secs}s
    exec:
      inject: {inject}
      revert: {revert}
      timeout: 5s
phases:
  baseline: 2s
  recovery: 2s
"#
    )
}

/// Waits (bounded) until the one run under `out` has journaled an event of type `ty`;
/// returns that run's directory.
pub fn wait_for_event(out: &Path, ty: &str, limit: Duration) -> PathBuf {
    let start = std::time::Instant::now();
    let needle = format!("\"type\":\"{ty}\"");
    loop {
        let found = std::fs::read_dir(out).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|dir| {
                std::fs::read_to_string(dir.join("journal.jsonl"))
                    .is_ok_and(|j| j.contains(&needle))
            })
        });
        if let Some(dir) = found {
            return dir;
        }
        assert!(
            start.elapsed() < limit,
            "no {ty} journaled under {} within {limit:?}",
            out.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A local fake of the Kubernetes API with `api` (Deployment, 3 pods) and `redis`
/// (StatefulSet, 2 pods) in namespace `shop`.
pub async fn shop_fake() -> kubefake::FakeHandle {
    use kubefake::{FakeCluster, FakeOptions};
    let fake = FakeCluster::start(FakeOptions::default())
        .await
        .expect("start fake");
    fake.add_namespace("shop");
    fake.add_deployment("shop", "api", &[("app", "api")], 3);
    fake.add_statefulset("shop", "redis", &[("app", "redis")], 2);
    fake
}

/// The client configuration read from a kubeconfig file written into `dir` for `token`
/// (context `kubefake`, namespace `shop`), the way `cluster::connect` reads one;
/// `retry` is kube's `default_retry`.
pub async fn kube_config(
    fake: &kubefake::FakeHandle,
    dir: &Path,
    token: &str,
    retry: bool,
) -> kube::Config {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let path = dir.join(format!("kubeconfig-{token}"));
    fake.write_kubeconfig(&path, "kubefake", "shop", token)
        .expect("write kubeconfig");
    let kc = Kubeconfig::read_from(&path).expect("read kubeconfig");
    let mut cfg = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("config");
    cfg.default_retry = retry;
    cfg
}
