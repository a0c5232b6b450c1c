//! Shared by the end-to-end tests: a small HTTP service of the tests' own, whose health
//! is steered by marker files (so an `exec` fault can break it with `touch`), and a way
//! to run the real `gameday` binary.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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
    let mut child = spawn(&mut headless(scenario, out, extra));
    wait_bounded(&mut child, limit)
}

/// How long a child dropped unwaited gets after SIGTERM before SIGKILL: long enough for
/// a gameday run to revert an `exec` fault (5 s timeout in these tests) on a loaded machine.
const REAP_GRACE: Duration = Duration::from_secs(10);

/// A child process that does not outlive the test: an assertion that fails before the
/// test waits for it would otherwise leave a gameday run (and its fault) behind, blocked
/// on a pipe nobody reads. Dropped unwaited, it is sent SIGTERM (so that gameday still
/// reverts its fault on the way out), given `REAP_GRACE`, then SIGKILL, and waited for.
/// A child the test has waited for already (`wait`, `wait_bounded`, or a `try_wait` that
/// saw it end) is left as it is: its exit status is the test's to assert.
pub struct Reaped(Option<Child>);

/// Spawns `cmd` (panicking with the program's name if it cannot start) under a `Reaped`.
pub fn spawn(cmd: &mut Command) -> Reaped {
    let program = cmd.get_program().to_string_lossy().into_owned();
    Reaped(Some(
        cmd.spawn()
            .unwrap_or_else(|e| panic!("{program} starts: {e}")),
    ))
}

impl Reaped {
    /// The child, no longer guarded.
    pub fn into_inner(mut self) -> Child {
        self.0
            .take()
            .expect("a Reaped holds its child until dropped")
    }
}

impl Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        self.0
            .as_ref()
            .expect("a Reaped holds its child until dropped")
    }
}

impl DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        self.0
            .as_mut()
            .expect("a Reaped holds its child until dropped")
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let Some(child) = self.0.as_mut() else {
            return;
        };
        // Ended and waited for (std keeps the status), or ended just now: reaped here.
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        // Still running, and unreaped, so its pid is still its own. Its input ends, and
        // its output is read to the end so that it never blocks writing while it reverts.
        drop(child.stdin.take());
        if let Some(mut out) = child.stdout.take() {
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        }
        if let Some(mut err) = child.stderr.take() {
            std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        }
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        // a stopped child would hold SIGTERM pending until continued
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT);
        let start = Instant::now();
        while start.elapsed() < REAP_GRACE {
            if !matches!(child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Waits for the child at most `limit`, killing it past that, and returns its output.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> Output {
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

/// Writes `text` to `dir/name`; that path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A finished child's standard output and error, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The preflight refused the run: its standard error (`stderr`) names the way past it, and
/// nothing started (no run directory under `out`).
pub fn assert_refused_before_the_run(stderr: &str, out: &Path) {
    assert!(stderr.contains("--skip-preflight"), "{stderr}");
    assert!(
        !out.exists() || std::fs::read_dir(out).unwrap().next().is_none(),
        "a run started under {}",
        out.display()
    );
}

/// A server on 127.0.0.1 that accepts every connection and never answers, until dropped
/// (or 5 minutes, whichever comes first: longer than any test that holds one).
pub struct Silent {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Silent {
    pub fn start() -> Silent {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut held: Vec<std::net::TcpStream> = Vec::new();
            while !stopped.load(std::sync::atomic::Ordering::Relaxed)
                && started.elapsed() < Duration::from_secs(300)
            {
                match l.accept() {
                    Ok((s, _)) => held.push(s),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
                // read what comes, answer nothing
                for s in &mut held {
                    let _ = s.set_nonblocking(true);
                    let mut buf = [0u8; 1024];
                    let _ = std::io::Read::read(s, &mut buf);
                }
            }
        });
        Silent { port, stop }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
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

/// [`scenario`] whose fault creates `marker` and removes it (`rm -f`), for `fault_secs`,
/// with a p99 the test service always meets.
pub fn marker_fault_scenario(service: SocketAddr, marker: &Path, fault_secs: u32) -> String {
    scenario(
        service,
        &format!("touch {}", marker.display()),
        &format!("rm -f {}", marker.display()),
        fault_secs,
        "< 2s",
    )
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
