//! The seed experiment for real: the demo shop on real PostgreSQL and Redis, real
//! Prometheus scraping it every second with the CacheDown rule, and gameday judging
//! `scenarios/local-redis-outage.yaml` headless. Redis is stopped by the `exec` fault and
//! started again by its revert. The servers come from Debian's packages (scripts/test
//! installs them); a missing one fails this test with the install hint.

use crate::common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::{events, journal, run_dir, wait_bounded};

const HINT: &str =
    "apt-get install redis-server postgresql prometheus (scripts/test installs them)";

/// One stack of real servers at a time in this test binary: each runs a shop under load,
/// PostgreSQL, Redis and Prometheus, and two at once on a loaded 2-core machine would
/// only make both slower to answer.
pub(crate) fn one_stack_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shop_bin() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_gameday")).with_file_name("gameday-shop");
    assert!(
        p.exists(),
        "{} is missing: build it with `cargo build -p gameday-shop` (cargo test --workspace does)",
        p.display()
    );
    p
}

fn servers(args: &[&str]) {
    let o = Command::new(repo().join("scripts/servers"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "scripts/servers {args:?} failed ({HINT}):\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn get(url: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .ok()?;
        let r = c.get(url).send().await.ok()?;
        if !r.status().is_success() {
            return None;
        }
        r.text().await.ok()
    })
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Everything this test started, stopped on every way out.
pub(crate) struct Stack {
    state: tempfile::TempDir,
    pg: u16,
    redis: u16,
    shop: u16,
    prom: u16,
    shop_proc: Option<common::Reaped>,
    load_proc: Option<common::Reaped>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for c in [self.shop_proc.as_mut(), self.load_proc.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new(repo().join("scripts/servers"))
            .arg("stop")
            .arg(self.state.path())
            .output();
    }
}

impl Stack {
    pub(crate) fn start() -> Stack {
        for bin in ["redis-server", "redis-cli", "prometheus", "psql"] {
            let found = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {bin}"))
                .output()
                .unwrap()
                .status
                .success();
            assert!(found, "{bin} not found: {HINT}");
        }
        let mut s = Stack {
            state: tempfile::tempdir().unwrap(),
            pg: free_port(),
            redis: free_port(),
            shop: free_port(),
            prom: free_port(),
            shop_proc: None,
            load_proc: None,
        };
        let dir = s.state.path().to_str().unwrap().to_string();
        // PostgreSQL runs as the postgres user: it must be able to reach the state dir
        let _ = Command::new("chmod").args(["755", &dir]).status();
        servers(&["start-postgres", &dir, &s.pg.to_string()]);
        servers(&["start-redis", &dir, &s.redis.to_string()]);
        s.start_shop(false);
        s.load_proc = Some(common::spawn(
            Command::new(shop_bin())
                .args([
                    "load",
                    "--target",
                    &format!("http://127.0.0.1:{}", s.shop),
                    "--rps",
                    "40",
                    "--duration",
                    "600s",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        ));
        let conf = s.state.path().join("prometheus-config");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::copy(
            repo().join("assets/prometheus/rules.yml"),
            conf.join("rules.yml"),
        )
        .unwrap();
        let yml = std::fs::read_to_string(repo().join("assets/prometheus/prometheus.yml"))
            .unwrap()
            .replace("127.0.0.1:58080", &format!("127.0.0.1:{}", s.shop));
        std::fs::write(conf.join("prometheus.yml"), yml).unwrap();
        servers(&[
            "start-prometheus",
            &dir,
            &s.prom.to_string(),
            conf.join("prometheus.yml").to_str().unwrap(),
        ]);
        s.wait_for_data();
        s
    }

    pub(crate) fn start_shop(&mut self, no_fallback: bool) {
        if let Some(mut c) = self.shop_proc.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let mut cmd = Command::new(shop_bin());
        cmd.args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", self.shop),
            "--redis",
            &format!("redis://127.0.0.1:{}", self.redis),
            "--postgres",
            &format!("host=127.0.0.1 port={} user=postgres dbname=shop", self.pg),
        ]);
        if no_fallback {
            cmd.arg("--no-fallback");
        }
        // The default 50 ms is too short for a live Redis on a loaded machine (cache
        // errors, and CacheDown firing before any fault); while Redis is down a read
        // waits about this long before it falls back, well inside the p99 of 300 ms.
        cmd.args(["--redis-timeout", "150ms"]);
        self.shop_proc = Some(common::spawn(
            cmd.stdout(Stdio::null()).stderr(Stdio::null()),
        ));
        let url = format!("http://127.0.0.1:{}/healthz", self.shop);
        wait_until("the shop to answer", Duration::from_secs(30), || {
            get(&url).is_some()
        });
    }

    pub(crate) fn prom_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.prom)
    }

    /// Until Prometheus has 12 s of the shop's history (as a real one would have), so
    /// that rate()[10s] has values and the baseline can be back-filled.
    pub(crate) fn wait_for_data(&self) {
        let url = format!(
            "{}/api/v1/query?query=count_over_time(up%7Bjob%3D%22shop%22%7D%5B1m%5D)%20%3E%3D%2012",
            self.prom_url()
        );
        wait_until(
            "Prometheus to hold 12 s of the shop's metrics",
            Duration::from_secs(90),
            || get(&url).is_some_and(|b| b.contains("\"value\"")),
        );
    }

    /// Until every expectation of the scenario's steady state holds in Prometheus now: a
    /// run arms only in a steady state (`require_steady_state`), and the 5xx of a run
    /// just before, or a slow shop on a loaded machine, may still be in the windows.
    fn wait_steady(&self, scenario: &Path) {
        let env = |name: &str| (name == "PROMETHEUS_URL").then(|| self.prom_url());
        let s = gameday::scenario::parse::load(scenario, &env).expect("the scenario loads");
        let expected: Vec<(String, String, gameday::units::Criterion)> = s
            .steady_state
            .iter()
            .filter_map(|sig| match (&sig.source, &sig.expect) {
                (gameday::scenario::SignalSource::Promql { query }, Some(c)) => {
                    Some((sig.name.clone(), query.clone(), c.clone()))
                }
                _ => None,
            })
            .collect();
        assert!(!expected.is_empty());
        // and no expected alert active already: one active before the trigger says
        // nothing about the fault (INCONCLUSIVE)
        let alerts: Vec<String> = s
            .alerts
            .iter()
            .map(|a| format!("ALERTS{{alertname=\"{}\"}}", a.name))
            .collect();
        wait_until(
            "the steady state to hold in Prometheus, no expected alert active",
            Duration::from_secs(120),
            || {
                let now = chrono::Utc::now().to_rfc3339();
                expected.iter().all(|(_, query, c)| {
                    prometheus_at(&self.prom_url(), query, &now).is_some_and(|v| c.holds(v))
                }) && alerts
                    .iter()
                    .all(|q| prometheus_at(&self.prom_url(), q, &now).is_none())
            },
        );
    }

    /// Runs the scenario headless; returns (exit code, run dir, stdout).
    fn run(&self, scenario: &Path, out: &Path) -> (i32, PathBuf, String) {
        let (code, so) = self.run_with(scenario, out, &[]);
        assert!(out.exists(), "no run was started:\n{so}");
        (code, run_dir(out), so)
    }

    /// Runs the scenario headless with `extra` arguments; returns (exit code, what it
    /// printed).
    fn run_with(&self, scenario: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
        self.run_env(scenario, out, extra, &[])
    }

    /// `run_with`, with more environment variables for the scenario.
    pub(crate) fn run_env(
        &self,
        scenario: &Path,
        out: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> (i32, String) {
        let mut child = common::spawn(
            common::headless(scenario, out, extra)
                .envs(env.iter().copied())
                .env("PROMETHEUS_URL", self.prom_url())
                .env("REDIS_PORT", self.redis.to_string())
                .env("LOCAL_STATE", self.state.path())
                .env("GAMEDAY_SCRIPTS", repo().join("scripts"))
                .env("BASELINE", "8s")
                .env("FAULT_DURATION", "10s")
                .env("RECOVERY", "6s"),
        );
        let o = wait_bounded(&mut child, Duration::from_secs(120));
        let so =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        (o.status.code().unwrap_or(-1), so)
    }

    pub(crate) fn redis_up(&self) -> bool {
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.redis.to_string(), "ping"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("PONG"))
            .unwrap_or(false)
    }
}

/// The same query asked of Prometheus directly, at the moment gameday sampled it.
pub(crate) fn prometheus_at(prom: &str, query: &str, ts: &str) -> Option<f64> {
    let t = chrono::DateTime::parse_from_rfc3339(ts)
        .ok()?
        .timestamp_millis() as f64
        / 1000.0;
    let url = reqwest::Url::parse_with_params(
        &format!("{prom}/api/v1/query"),
        &[("query", query.to_string()), ("time", format!("{t:.3}"))],
    )
    .ok()?;
    let body: serde_json::Value = serde_json::from_str(&get(url.as_str())?).ok()?;
    body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

fn signal_query(j: &[serde_json::Value], name: &str) -> String {
    j[0]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["source"]
        .as_str()
        .unwrap()
        .to_string()
}

/// One chart per signal, linked from the report, well-formed, with the threshold line
/// (where the signal has an `expect`) and the shaded fault window; the screen at the
/// trigger in the report.
fn assert_charts_and_screens(dir: &Path, report: &str) {
    for (name, file, has_expect) in [
        ("5xx error ratio", "5xx-error-ratio.svg", true),
        ("p99 read latency", "p99-read-latency.svg", true),
        ("cache hit ratio", "cache-hit-ratio.svg", false),
    ] {
        assert!(
            report.contains(&format!("![{name}](charts/{file})")),
            "{file} linked: {report}"
        );
        let svg = std::fs::read_to_string(dir.join("charts").join(file)).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{file}: {e}"));
        let count = |class: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(class))
                .count()
        };
        assert_eq!(count("fault-window"), 1, "{file}");
        assert_eq!(count("threshold"), usize::from(has_expect), "{file}");
        assert!(count("samples") >= 1, "{file}");
    }
    let screens = &report[report.find("## Screens").expect(report)..];
    assert!(
        screens.contains("At the trigger of `stop redis` (")
            && screens.contains("as the TUI would have shown it, headless run, 100×30:")
            && screens.contains("gameday · local-redis-outage"),
        "{screens}"
    );
}

#[test]
fn redis_outage_on_real_servers() {
    let _one = one_stack_at_a_time();
    let stack = Stack::start();
    let scenario = repo().join("scenarios/local-redis-outage.yaml");
    let tmp = tempfile::tempdir().unwrap();

    // 1. With the fallback to PostgreSQL: CONFIRMED, and CacheDown fires in time.
    stack.wait_steady(&scenario);
    let (code, dir, so) = stack.run(&scenario, &tmp.path().join("fallback"));
    assert_eq!(code, 0, "{so}");
    assert!(stack.redis_up(), "the revert started Redis again");
    let j = journal(&dir);
    assert_eq!(events(&j, "verdict")[0]["verdict"], "CONFIRMED", "{so}");
    let firing = events(&j, "alert")
        .into_iter()
        .any(|a| a["name"] == "CacheDown" && a["state"] == "firing");
    assert!(firing, "CacheDown fired: {so}");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let alert_row = report
        .lines()
        .find(|l| l.starts_with("| CacheDown |"))
        .expect(&report);
    assert!(alert_row.contains('✓'), "{alert_row}");
    assert_charts_and_screens(&dir, &report);
    // back-filled baseline from the range query
    assert!(
        j.iter()
            .any(|e| e["type"] == "sample" && e.get("at").is_some()),
        "a back-filled baseline; gameday.log:\n{}",
        std::fs::read_to_string(dir.join("gameday.log")).unwrap_or_default()
    );

    // the values gameday journaled are what Prometheus answers for the same query and time
    let query = signal_query(&j, "p99 read latency");
    let samples: Vec<&serde_json::Value> = events(&j, "sample")
        .into_iter()
        .filter(|s| {
            s["signal"] == "p99 read latency" && s["value"].is_number() && s.get("at").is_none()
        })
        .collect();
    assert!(samples.len() >= 10, "{} samples", samples.len());
    let agree = samples
        .iter()
        .filter(|s| {
            let ours = s["value"].as_f64().unwrap();
            prometheus_at(&stack.prom_url(), &query, s["ts"].as_str().unwrap()).is_some_and(
                |theirs| (ours - theirs).abs() <= 0.05 * ours.abs().max(theirs.abs()) + 1e-6,
            )
        })
        .count();
    assert!(
        agree * 10 >= samples.len() * 8,
        "only {agree} of {} samples agree with Prometheus",
        samples.len()
    );

    // 2. Without the fallback: REFUTED, and the report names the violated criterion.
    let mut stack = stack;
    stack.start_shop(true);
    stack.wait_for_data();
    stack.wait_steady(&scenario);
    let (code, dir, so) = stack.run(&scenario, &tmp.path().join("no-fallback"));
    assert_eq!(code, 1, "{so}");
    let j = journal(&dir);
    let verdict = events(&j, "verdict")[0];
    assert_eq!(verdict["verdict"], "REFUTED");
    assert!(
        verdict["reasons"][0]
            .as_str()
            .unwrap()
            .contains("`5xx error ratio` violated < 1 %"),
        "{verdict}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let row = report
        .lines()
        .find(|l| l.starts_with("| 5xx error ratio |"))
        .expect(&report);
    assert!(row.contains("✗ violated"), "{row}");
    assert!(stack.redis_up());

    // 3. A wrong query and a Prometheus that goes away: errors shown, a report all the same.
    let broken = tmp.path().join("broken.yaml");
    let text = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace("\nalerts:", "  - name: broken query\n    promql: sum(rate(http_requests_total[1m]\n\nalerts:")
        .replace(
            "inject: redis-cli -h 127.0.0.1 -p ${REDIS_PORT:-56379} shutdown nosave",
            "inject: kill $(cat ${LOCAL_STATE}/prom/prometheus.pid)",
        )
        .replace(
            "revert: ${GAMEDAY_SCRIPTS:-scripts}/servers start-redis ${LOCAL_STATE:-/tmp/gameday-local} ${REDIS_PORT:-56379}",
            "revert: \"true\"",
        );
    std::fs::write(&broken, text).unwrap();
    // the preflight runs every query once: the wrong one refuses the run, in the
    // server's own words, before anything starts
    let (code, so) = stack.run_with(&broken, &tmp.path().join("refused"), &[]);
    assert_eq!(code, 69, "{so}");
    assert!(
        so.contains("FAILED   the query of `broken query`")
            && so.contains("bad_data")
            && so.contains("parse error"),
        "{so}"
    );
    assert!(
        so.contains("ok       the query of `p99 read latency`"),
        "{so}"
    );
    assert!(
        !tmp.path().join("refused").exists(),
        "nothing started: {so}"
    );
    // the 503s of the run before out of the windows: this one is armed and triggered
    stack.wait_steady(&scenario);
    let (code, so) = stack.run_with(&broken, &tmp.path().join("broken"), &["--skip-preflight"]);
    let dir = run_dir(&tmp.path().join("broken"));
    assert!(dir.join("report.md").exists(), "{so}");
    let j = journal(&dir);
    assert!(
        events(&j, "fault_injected")
            .first()
            .is_some_and(|e| e["ok"] == true),
        "armed, triggered and injected: {so}"
    );
    let errors: Vec<String> = events(&j, "sample")
        .iter()
        .filter_map(|s| s["error"].as_str().map(String::from))
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bad_data") && e.contains("parse error")),
        "the server's own message: {errors:?}"
    );
    assert!(
        errors.iter().any(
            |e| e.contains("cannot reach Prometheus at http://127.0.0.1:")
                && e.contains("(/api/v1/query: connection refused)")
                && !e.contains("query=")
        ),
        "{errors:?}\n{so}"
    );
    // Prometheus is gone from the trigger on: every criterion lacks data and the alerts
    // API cannot be read, so nothing was refuted and nothing confirmed
    assert_eq!(code, 3, "INCONCLUSIVE, never CONFIRMED\n{so}");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "INCONCLUSIVE");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.contains("cannot reach Prometheus at"),
        "the report shows the errors: {report}"
    );
}
