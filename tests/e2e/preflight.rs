//! The first game day without friction (issue 21), through the real binary: the preflight
//! refuses a run whose sources do not answer before its baseline starts, naming the fix;
//! `check` refuses a URL without its scheme; headless output is what a person reads; and
//! the small things that made a first run stall or mislead.

use crate::common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// A port of 127.0.0.1 nothing listens on (it was free a moment ago).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// "preflight: N sources checked in X ms…": the preflight's own measure of itself.
fn preflight_took(out: &str) -> Duration {
    let line = out
        .lines()
        .find(|l| l.starts_with("preflight: "))
        .unwrap_or_else(|| panic!("no preflight line:\n{out}"));
    let after = line.split(" checked in ").nth(1).unwrap();
    let n: f64 = after.split(' ').next().unwrap().parse().unwrap();
    if after.split(' ').nth(1).unwrap().starts_with("ms") {
        Duration::from_secs_f64(n / 1000.0)
    } else {
        Duration::from_secs_f64(n)
    }
}

/// A scenario that would take minutes if it started: a refusal is plainly before the
/// baseline ended.
pub(crate) fn long_baseline(steady_state: &str, extra: &str) -> String {
    format!(
        r#"name: preflight
hypothesis: The service keeps answering while nothing is done to it.
{extra}steady_state:
{steady_state}faults:
  - name: nothing
    duration: 2s
    exec: {{ inject: "true", revert: "true" }}
phases:
  baseline: 10m
  recovery: 10m
"#
    )
}

#[test]
fn a_wrong_port_refuses_the_run_naming_the_port_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let port = closed_port();
    let scenario = write(
        tmp.path(),
        "wrong-port.yaml",
        &long_baseline(
            &format!(
                "  - name: probe errors\n    http: {{ url: \"http://127.0.0.1:{port}/probe\", every: 1s }}\n    measure: error_rate\n    expect: \"< 1%\"\n"
            ),
            "",
        ),
    );
    let out = tmp.path().join("runs");
    let started = Instant::now();
    let o = run_headless(&scenario, &out, &[], Duration::from_secs(60));
    let took = started.elapsed();
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(69), "{so}\n{se}");
    // well before a 10-minute baseline; the preflight itself says how long it took
    assert!(took < Duration::from_secs(60), "{took:?}");
    assert!(preflight_took(&so) < Duration::from_secs(5), "{so}");
    let failed = so
        .lines()
        .find(|l| l.contains("FAILED") && l.contains("probe errors"))
        .unwrap_or_else(|| panic!("{so}"));
    assert!(
        failed.contains(&format!(
            "http://127.0.0.1:{port}/probe: connection refused"
        )),
        "{failed}"
    );
    assert!(
        so.contains(&format!(
            "fix: nothing listens on port {port} of 127.0.0.1: start the service, or correct the URL: steady_state[0].http.url at {}:5:18",
            scenario.display()
        )),
        "{so}"
    );
    assert_refused_before_the_run(&se, &out);
}

#[test]
fn prometheus_at_a_closed_port_refuses_the_run_naming_where_the_url_comes_from() {
    let tmp = tempfile::tempdir().unwrap();
    let port = closed_port();
    let scenario = write(
        tmp.path(),
        "dead-prom.yaml",
        &long_baseline(
            "  - name: 5xx ratio\n    promql: sum(rate(http_requests_total{code=~\"5..\"}[1m]))\n    unit: ratio\n    expect: \"< 1%\"\n",
            "prometheus:\n  url: ${PREFLIGHT_PROM_URL}\n",
        ),
    );
    let out = tmp.path().join("runs");
    let mut cmd = headless(&scenario, &out, &[]);
    cmd.env("PREFLIGHT_PROM_URL", format!("http://127.0.0.1:{port}"));
    let mut child = common::spawn(&mut cmd);
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(69), "{so}\n{se}");
    assert!(preflight_took(&so) < Duration::from_secs(5), "{so}");
    assert!(
        so.contains(&format!(
            "FAILED   Prometheus at http://127.0.0.1:{port} (read by `5xx ratio`): connection refused\n"
        )),
        "{so}"
    );
    assert!(
        so.contains(&format!(
            "fix: Is Prometheus running, on port {port} of 127.0.0.1? The URL is prometheus.url at {}:4:8, from the environment variable PREFLIGHT_PROM_URL; --prometheus-url overrides it",
            scenario.display()
        )),
        "{so}"
    );
    // the server and the path, never the percent-encoded query
    assert!(!so.contains("query=") && !so.contains("%28"), "{so}");
    // the same through --prometheus-url: the flag is named
    let port2 = closed_port();
    let url = format!("http://127.0.0.1:{port2}");
    let mut cmd = headless(&scenario, &out, &["--prometheus-url", &url]);
    cmd.env("PREFLIGHT_PROM_URL", "http://127.0.0.1:9");
    let mut child = common::spawn(&mut cmd);
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(69), "{so}\n{se}");
    assert!(
        so.contains(&format!("Prometheus at {url} (read by `5xx ratio`)"))
            && so.contains("The URL is --prometheus-url"),
        "{so}"
    );
    // plan tries the same sources, and says `run` would refuse
    let o = gameday()
        .arg("plan")
        .arg(&scenario)
        .env("PREFLIGHT_PROM_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(69), "{so}\n{se}");
    assert!(so.contains("FAILED   Prometheus at"), "{so}");
    assert!(
        so.contains("1. nothing (exec, 2 s)"),
        "the plan is still printed: {so}"
    );
}

#[test]
fn skip_preflight_goes_on_and_the_journal_and_report_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let port = closed_port();
    let scenario = write(
        tmp.path(),
        "skip.yaml",
        &format!(
            r#"name: skip
hypothesis: The service keeps answering.
steady_state:
  - name: probe errors
    http: {{ url: "http://127.0.0.1:{port}/probe", every: 200ms, timeout: 1s }}
    measure: error_rate
    window: 1s
    expect: "< 1%"
faults:
  - name: nothing
    duration: 1s
    exec: {{ inject: "true", revert: "true" }}
phases:
  baseline: 2s
  recovery: 2s
"#
        ),
    );
    let out = tmp.path().join("runs");
    let o = run_headless(
        &scenario,
        &out,
        &["--skip-preflight"],
        Duration::from_secs(60),
    );
    let (so, se) = text(&o);
    // it ran: the dead service failed the steady state at the end of the baseline
    assert_eq!(o.status.code(), Some(6), "{so}\n{se}");
    assert!(so.contains("going on anyway (--skip-preflight)"), "{so}");
    let dir = run_dir(&out);
    let j = journal(&dir);
    let pre = events(&j, "preflight");
    assert_eq!(pre.len(), 1, "{j:?}");
    let check = &pre[0]["checks"][0];
    assert_eq!(check["source"], "http");
    assert_eq!(check["outcome"], "failed");
    assert_eq!(check["detail"], "connection refused");
    // journaled before the first sample
    let seq = |v: &serde_json::Value| v["seq"].as_u64().unwrap();
    assert!(seq(pre[0]) < seq(events(&j, "sample")[0]));
    let warning = events(&j, "warning")
        .into_iter()
        .find(|w| w["source"] == "preflight")
        .unwrap_or_else(|| panic!("{j:?}"));
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("the run went on (--skip-preflight) although 1 source failed the preflight"),
        "{warning}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.contains("warning (preflight): the run went on (--skip-preflight)"),
        "{report}"
    );
}

#[test]
fn check_refuses_a_url_without_its_scheme_at_its_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let body = |url: &str| {
        format!(
            "name: schemeless\nhypothesis: h\nprometheus:\n  url: {url}\nsteady_state:\n  - name: errors\n    promql: sum(up)\n    expect: \"< 1\"\n  - name: probe\n    http: {{ url: \"127.0.0.1:8080/health\" }}\n    measure: error_rate\n    expect: \"< 1%\"\nfaults:\n  - name: f\n    duration: 1s\n    exec: {{ inject: \"true\", revert: \"true\" }}\n"
        )
    };
    let path = write(tmp.path(), "s.yaml", &body("127.0.0.1:9091"));
    let o = gameday().arg("check").arg(&path).output().unwrap();
    let (so, _) = text(&o);
    assert_eq!(o.status.code(), Some(64), "{so}");
    let file = path.display();
    assert!(
        so.contains(&format!("{file}:4:8: prometheus.url: expected an absolute http:// or https:// URL, found `127.0.0.1:9091`; write `http://127.0.0.1:9091`\n")),
        "{so}"
    );
    assert!(
        so.contains(&format!("{file}:10:18: steady_state[1].http.url: expected an absolute http:// or https:// URL, found `127.0.0.1:8080/health`; write `http://127.0.0.1:8080/health`")),
        "{so}"
    );
    // from a variable: the fix goes into the variable
    let path = write(tmp.path(), "v.yaml", &body("${PROMETHEUS_URL}"));
    let o = gameday()
        .arg("check")
        .arg(&path)
        .env("PROMETHEUS_URL", "127.0.0.1:9091")
        .output()
        .unwrap();
    let (so, _) = text(&o);
    assert!(
        so.contains("write `http://127.0.0.1:9091` (the value comes from the environment variable `PROMETHEUS_URL`: correct it there)"),
        "{so}"
    );
    // --prometheus-url is held to the same rule, by its name
    let good = write(
        tmp.path(),
        "g.yaml",
        &body("http://127.0.0.1:9091")
            .replace("127.0.0.1:8080/health", "http://127.0.0.1:8080/health"),
    );
    for cmd in ["run", "plan"] {
        let o = gameday()
            .args([cmd, "--prometheus-url", "127.0.0.1:9091"])
            .arg(&good)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let (so, se) = text(&o);
        assert_eq!(o.status.code(), Some(64), "{cmd}: {so}\n{se}");
        assert!(
            se.contains("--prometheus-url: expected an absolute http:// or https:// URL, found `127.0.0.1:9091`; write `http://127.0.0.1:9091`"),
            "{cmd}: {se}"
        );
    }
}

/// A run against the tests' service, headless, with or without `--verbose`.
fn healthy_run(verbose: bool) -> (String, Vec<serde_json::Value>) {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let path = write(
        tmp.path(),
        "ok.yaml",
        &scenario(svc, "true", "true", 1, "< 2s"),
    );
    let out = tmp.path().join("runs");
    let extra: &[&str] = if verbose { &["--verbose"] } else { &[] };
    let o = run_headless(&path, &out, extra, Duration::from_secs(60));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{so}\n{se}");
    (so, journal(&run_dir(&out)))
}

#[test]
fn headless_prints_state_changes_and_verbose_prints_every_sample() {
    let (quiet, j) = healthy_run(false);
    let samples = events(&j, "sample").len();
    assert!(samples > 10, "the journal keeps every sample: {samples}");
    assert!(!events(&j, "probe").is_empty());
    assert!(
        !quiet.contains("probe errors = ") && !quiet.contains("probe sent at"),
        "{quiet}"
    );
    // each signal's state, once
    assert_eq!(
        quiet.matches("probe errors: within expect (0 %)").count(),
        1,
        "{quiet}"
    );
    assert!(quiet.contains("probe p99: within expect ("), "{quiet}");
    assert!(
        quiet.contains("preflight: every source answered"),
        "{quiet}"
    );
    assert!(quiet.contains("reverted `break the probe`"), "{quiet}");
    assert!(quiet.contains("verdict CONFIRMED"), "{quiet}");
    let (verbose, _) = healthy_run(true);
    assert!(verbose.matches("probe errors = ").count() > 5, "{verbose}");
    assert!(verbose.contains("probe sent at"), "{verbose}");
    assert!(
        verbose.contains("probe errors: within expect (0 %)"),
        "{verbose}"
    );
}

#[test]
fn a_repeated_error_is_printed_once_then_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "err.yaml",
        r#"name: repeated
hypothesis: The counter can be read.
interval: 200ms
steady_state:
  - name: counter
    command: "echo 'cannot connect to the counter' >&2; exit 3"
    expect: "< 10"
faults:
  - name: nothing
    duration: 1s
    exec: { inject: "true", revert: "true" }
phases:
  baseline: 2s
  recovery: 2s
"#,
    );
    let out = tmp.path().join("runs");
    let o = run_headless(&path, &out, &[], Duration::from_secs(60));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(6), "{so}\n{se}");
    let lines: Vec<&str> = so
        .lines()
        .filter(|l| l.contains("counter: no data") && !l.contains("verdict"))
        .collect();
    assert_eq!(lines.len(), 2, "{so}");
    assert!(lines[0].ends_with("cannot connect to the counter)"), "{so}");
    let n: u64 = lines[1]
        .split("(same error ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", lines[1]));
    let samples = events(&journal(&run_dir(&out)), "sample").len() as u64;
    assert!(
        n >= 3 && n == samples,
        "{n} counted, {samples} journaled:\n{so}"
    );
    // said before the verdict it explains
    let count_at = so.find("(same error").unwrap();
    assert!(count_at < so.find("verdict NOT RUN").unwrap(), "{so}");
}

#[test]
fn plan_of_an_exec_fault_stands_without_a_cluster_for_its_pods_panel() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "pods.yaml",
        r#"name: pods-panel
hypothesis: The counter stays readable.
kubernetes: { namespace: shop }
pods:
  - selector: app=api
steady_state:
  - name: counter
    command: "echo 1"
    expect: "< 10"
faults:
  - name: nothing
    duration: 1s
    exec: { inject: "true", revert: "true" }
phases: { baseline: 10m, recovery: 10m }
"#,
    );
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let plan = |kubeconfig: Option<&Path>| {
        let mut c = gameday();
        c.arg("plan").arg(&path).env("HOME", &home);
        match kubeconfig {
            Some(k) => c.env("KUBECONFIG", k),
            None => c.env_remove("KUBECONFIG"),
        };
        c.env_remove("KUBERNETES_SERVICE_HOST").output().unwrap()
    };
    // no kubeconfig at all
    let o = plan(None);
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{so}\n{se}");
    let line = so
        .lines()
        .find(|l| l.contains("the Kubernetes API"))
        .unwrap_or_else(|| panic!("{so}"));
    assert!(line.trim_start().starts_with("warning"), "{line}");
    let config = home.join(".kube/config");
    assert!(
        line.contains(&format!("{} does not exist", config.display())),
        "{line}"
    );
    assert!(!line.contains("'\""), "the path quoted once: {line}");
    assert!(
        line.contains("Set KUBECONFIG to your kubeconfig file, or create ~/.kube/config"),
        "{line}"
    );
    assert!(
        !line.contains("--context"),
        "--context cannot help without a config: {line}"
    );
    assert!(so.contains("1. nothing (exec, 1 s)"), "{so}");
    assert!(!so.contains("CANNOT BE ARMED"), "{so}");
    // an API that refuses connections: said without a made-up duration
    let port = closed_port();
    let kc = tmp.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!("apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: \"https://127.0.0.1:{port}\"}}}}]\nusers: [{{name: u, user: {{token: abc}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n"),
    )
    .unwrap();
    let o = plan(Some(&kc));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{so}\n{se}");
    assert!(
        so.contains(&format!(
            "the Kubernetes API at https://127.0.0.1:{port} did not answer: connection refused"
        )),
        "{so}"
    );
    assert!(!so.contains("within 0 s"), "{so}");
    // `run` refuses it: the panel would watch nothing
    let mut cmd = headless(&path, &tmp.path().join("runs"), &[]);
    cmd.env("HOME", &home).env("KUBECONFIG", &kc);
    let mut child = common::spawn(&mut cmd);
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(69), "{so}\n{se}");
    assert!(so.contains("FAILED   the Kubernetes API"), "{so}");
}

#[test]
fn an_exec_revert_that_starts_a_daemon_without_a_redirect_is_judged_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let pid = tmp.path().join("daemon.pid");
    let path = write(
        tmp.path(),
        "daemon.yaml",
        &format!(
            r#"name: daemon
hypothesis: The counter stays readable while the service restarts.
interval: 500ms
steady_state:
  - name: counter
    command: "echo 1"
    expect: "< 10"
faults:
  - name: restart
    duration: 1s
    exec:
      inject: "true"
      revert: "sleep 60 & echo $! > {} ; echo restarted"
phases:
  baseline: 2s
  recovery: 2s
"#,
            pid.display()
        ),
    );
    let out = tmp.path().join("runs");
    let o = run_headless(&path, &out, &[], Duration::from_secs(50));
    // the daemon ends with the test either way
    if let Some(p) = std::fs::read_to_string(&pid)
        .ok()
        .and_then(|p| p.trim().parse::<i32>().ok())
    {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(p),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{so}\n{se}");
    let j = journal(&run_dir(&out));
    let reverted = events(&j, "fault_reverted");
    assert_eq!(reverted.len(), 1, "{j:?}");
    assert_eq!(reverted[0]["ok"], true);
    let detail = reverted[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("restarted; the command exited, but a process it started"),
        "{detail}"
    );
    assert!(detail.contains("`… >/dev/null 2>&1 &`"), "{detail}");
    // not waited for until the daemon (60 s) ends: settled soon after the revert began
    let at = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap()).unwrap()
    };
    let reverting = events(&j, "fault_reverting")[0];
    assert!(
        at(reverted[0]) - at(reverting) < chrono::Duration::seconds(30),
        "{reverting} {}",
        reverted[0]
    );
    assert!(
        so.contains("reverted `restart` (restarted; the command exited"),
        "{so}"
    );
}
