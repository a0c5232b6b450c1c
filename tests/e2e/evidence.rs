//! Evidence you can trust: every case where gameday once said CONFIRMED (or another
//! verdict the data did not support), run through the real binary against local targets
//! whose every answer the test controls and logs. Each test checks the exit code, the
//! journaled verdict, the report's title, and that the independent judge
//! (`tests/judge`) reaches the same verdict from the journal alone.

use crate::common;
use crate::judge;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::*;

// ------------------------------------------------------------------------------------
// A controllable HTTP target: its mode is the content of DIR/mode, and every request is
// logged to DIR/target.log as "<start ms> <end ms> <mode> <what was sent>": the truth
// the verdicts are compared with.
// ------------------------------------------------------------------------------------

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn mode(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("mode"))
        .map(|m| m.trim().to_string())
        .unwrap_or_else(|_| "ok".into())
}

/// A raw HTTP/1.1 server (so that it can lie about Content-Length and stall).
fn start_target(dir: &Path) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = dir.to_path_buf();
    let log = Arc::new(Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("target.log"))
            .unwrap(),
    ));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (dir, log) = (dir.clone(), Arc::clone(&log));
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    // one request head per loop (keep-alive)
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    let start = now_ms();
                    let m = mode(&dir);
                    let (sent, close) = match m.as_str() {
                        "503" => {
                            let _ = stream.write_all(
                                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown",
                            );
                            ("503", false)
                        }
                        "truncate" => {
                            let _ = stream
                                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabcd");
                            ("200-truncated", true)
                        }
                        "hang" => {
                            // logged before it hangs: the run may end first
                            let _ = writeln!(log.lock().unwrap(), "{start} {start} hang hung");
                            std::thread::sleep(Duration::from_secs(10));
                            return;
                        }
                        "slow" => {
                            std::thread::sleep(Duration::from_secs(3));
                            let _ =
                                stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                            ("200-after-3s", false)
                        }
                        _ => {
                            let _ =
                                stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                            ("200", false)
                        }
                    };
                    let end = now_ms();
                    let _ = writeln!(log.lock().unwrap(), "{start} {end} {m} {sent}");
                    if close {
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// The target's log: (start ms, end ms, mode, what was sent).
fn target_log(dir: &Path) -> Vec<(u128, u128, String, String)> {
    std::fs::read_to_string(dir.join("target.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            (
                p[0].parse().unwrap(),
                p[1].parse().unwrap(),
                p[2].to_string(),
                p[3].to_string(),
            )
        })
        .collect()
}

// ------------------------------------------------------------------------------------
// A controllable Prometheus: an instant query `Q` answers the content of DIR/prom-Q
// ("0.1", "+Inf", ...); `/api/v1/alerts` answers DIR/alerts verbatim, or HTTP 503 when
// the file says "503". Every request is logged to DIR/prom.log.
// ------------------------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Q {
    query: Option<String>,
}

async fn prom_query(State(dir): State<PathBuf>, Query(q): Query<Q>) -> impl IntoResponse {
    let query = q.query.unwrap_or_default();
    let value = std::fs::read_to_string(dir.join(format!("prom-{query}")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|_| "0".into());
    let _ = writeln!(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("prom.log"))
            .unwrap(),
        "{} query {query} {value}",
        now_ms()
    );
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[{},"{value}"]}}]}}}}"#,
        now_ms() as f64 / 1000.0
    );
    ([("content-type", "application/json")], body)
}

async fn prom_range() -> impl IntoResponse {
    (
        [("content-type", "application/json")],
        r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
    )
}

async fn prom_alerts(State(dir): State<PathBuf>) -> axum::response::Response {
    let body = std::fs::read_to_string(dir.join("alerts"))
        .unwrap_or_else(|_| r#"{"status":"success","data":{"alerts":[]}}"#.to_string());
    let _ = writeln!(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("prom.log"))
            .unwrap(),
        "{} alerts {}",
        now_ms(),
        body.trim().len()
    );
    if body.trim() == "503" {
        return (StatusCode::SERVICE_UNAVAILABLE, "alertmanager overloaded").into_response();
    }
    ([("content-type", "application/json")], body).into_response()
}

fn start_prometheus(dir: &Path) -> SocketAddr {
    serve(
        Router::new()
            .route("/api/v1/query", get(prom_query))
            .route("/api/v1/query_range", get(prom_range))
            .route("/api/v1/alerts", get(prom_alerts))
            .with_state(dir.to_path_buf()),
    )
}

// ------------------------------------------------------------------------------------
// Running and reading
// ------------------------------------------------------------------------------------

struct Outcome {
    code: Option<i32>,
    stdout: String,
    journal: Vec<serde_json::Value>,
    report: String,
    dir: PathBuf,
}

fn run(tmp: &Path, scenario: &str, extra: &[&str], limit: Duration) -> Outcome {
    let path = tmp.join("scenario.yaml");
    std::fs::write(&path, scenario).unwrap();
    let out = tmp.join("runs");
    let o = run_headless(&path, &out, extra, limit);
    let dir = run_dir(&out);
    let journal = journal(&dir);
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    Outcome {
        code: o.status.code(),
        stdout: format!(
            "{}\n--- stderr\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        journal,
        report,
        dir,
    }
}

impl Outcome {
    fn verdict(&self) -> &str {
        events(&self.journal, "verdict")[0]["verdict"]
            .as_str()
            .unwrap()
    }

    /// Exit code, journaled verdict, report title, `gameday report`'s own recheck, and
    /// the independent judge, all in one.
    fn assert_verdict(&self, word: &str, code: i32) {
        assert_eq!(self.code, Some(code), "{}\n{}", self.stdout, self.report);
        assert_eq!(self.verdict(), word, "{}", self.report);
        let title = self.report.lines().next().unwrap();
        assert!(title.ends_with(&format!("— {word}")), "{title}");
        let j = judge::judge(&self.journal);
        assert_eq!(j.verdict, word, "the independent judge: {j:?}");
        // the report is rebuilt from the journal, and its recheck agrees
        let r = gameday().arg("report").arg(&self.dir).output().unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(self.dir.join("report.md")).unwrap(),
            self.report
        );
        assert!(
            !self.report.contains("VERDICT CHECK FAILED"),
            "{}",
            self.report
        );
    }

    /// The report's criteria row of `signal`.
    fn row(&self, signal: &str) -> &str {
        self.report
            .lines()
            .find(|l| l.starts_with(&format!("| {signal} |")))
            .unwrap_or_else(|| panic!("no row for {signal}:\n{}", self.report))
    }

    fn samples(&self, signal: &str) -> Vec<&serde_json::Value> {
        events(&self.journal, "sample")
            .into_iter()
            .filter(|s| s["signal"] == signal)
            .collect()
    }
}

const LIMIT: Duration = Duration::from_secs(120);

fn touch(dir: &Path, name: &str, text: &str) -> String {
    format!("printf '{text}' > {}", dir.join(name).display())
}

// ------------------------------------------------------------------------------------
// Issue 13: six ways to a false green
// ------------------------------------------------------------------------------------

/// Case 1: `histogram_quantile` answers `+Inf` (latency above the top bucket) for the whole
/// fault: a value that fails `< 300ms`, journaled as "+Inf", never as missing data.
#[test]
fn plus_inf_from_prometheus_refutes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let prom = start_prometheus(d);
    std::fs::write(d.join("prom-p99"), "0.12").unwrap();
    let scenario = format!(
        r#"name: inf-latency
hypothesis: p99 stays under 300 ms.
prometheus: {{ url: "http://{prom}", interval: 500ms, timeout: 2s }}
steady_state:
  - name: p99
    promql: p99
    unit: seconds
    expect: "< 300ms"
faults:
  - name: slow
    duration: 3s
    exec: {{ inject: "{}", revert: "{}" }}
phases: {{ baseline: 2s, recovery: 2s }}
"#,
        touch(d, "prom-p99", "+Inf"),
        touch(d, "prom-p99", "0.12"),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    assert!(
        o.samples("p99").iter().any(|s| s["value"] == "+Inf"),
        "+Inf is journaled as itself"
    );
    assert!(o.row("p99").contains("+Inf at T+"), "{}", o.row("p99"));
    let log = std::fs::read_to_string(d.join("prom.log")).unwrap();
    assert!(log.contains("query p99 +Inf"), "{log}");
}

/// Case 2: A violation still open at the end of the window is never forgiven by `tolerate`.
#[test]
fn a_violation_that_never_ended_is_not_tolerated() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("v"), "50").unwrap();
    let scenario = format!(
        r#"name: never-recovered
hypothesis: the queue stays short, with a temporary bump at most.
interval: 500ms
steady_state:
  - name: queue
    command: cat {}
    expect: "< 100"
    tolerate: 30s
faults:
  - name: flood
    duration: 3s
    exec: {{ inject: "{}", revert: "true" }}
phases: {{ baseline: 2s, recovery: 3s }}
"#,
        d.join("v").display(),
        touch(d, "v", "500"),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    assert!(
        o.row("queue").contains("still violated at the end"),
        "{}",
        o.row("queue")
    );
    let reasons = events(&o.journal, "verdict")[0]["reasons"].to_string();
    assert!(reasons.contains("still violated at the end"), "{reasons}");

    // a journal whose verdict its own records do not support: `gameday report` says so
    // loudly, in its exit code, on standard error and at the top of the report
    let path = o.dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let forged = text.replace(r#""verdict":"REFUTED""#, r#""verdict":"CONFIRMED""#);
    assert_ne!(forged, text);
    std::fs::write(&path, forged).unwrap();
    let r = gameday().arg("report").arg(&o.dir).output().unwrap();
    assert_eq!(r.status.code(), Some(65));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("VERDICT CHECK FAILED: the journal's verdict is CONFIRMED, but its own records give REFUTED"),
        "{err}"
    );
    let report = std::fs::read_to_string(o.dir.join("report.md")).unwrap();
    assert!(report.contains("> **VERDICT CHECK FAILED**"), "{report}");

    // every other way to make the journal say what its records do not
    type Forge = Box<dyn Fn(&str) -> String>;
    let forgeries: [(&str, Forge); 4] = [
        (
            "2 `verdict` records",
            Box::new(|t: &str| {
                let verdict = t
                    .lines()
                    .find(|l| l.contains(r#""type":"verdict""#))
                    .unwrap();
                format!("{t}{}\n", verdict.replace("REFUTED", "CONFIRMED"))
            }),
        ),
        (
            "the run ended with exit code 0, but its records give 1",
            Box::new(|t: &str| t.replace(r#""exit_code":1"#, r#""exit_code":0"#)),
        ),
        (
            "was judged by other criteria than its scenario text says",
            Box::new(|t: &str| t.replace(r#""tolerate_ms":30000"#, r#""tolerate_ms":3000000"#)),
        ),
        (
            "the journal's reasons are not the ones its records give",
            Box::new(|t: &str| {
                let at = t.find(r#""reasons":["#).unwrap();
                let end = at + t[at..].find(']').unwrap() + 1;
                format!(
                    "{}\"reasons\":[\"every expectation held\"]{}",
                    &t[..at],
                    &t[end..]
                )
            }),
        ),
    ];
    for (said, forge) in forgeries {
        let forged = forge(&text);
        assert_ne!(forged, text, "{said}");
        std::fs::write(&path, forged).unwrap();
        let r = gameday().arg("report").arg(&o.dir).output().unwrap();
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(65), "{said}: {err}");
        assert!(err.contains(said), "{said}: {err}");
    }
    std::fs::write(&path, &text).unwrap();
}

/// Case 3: A window whose every sample is an error, shorter than 3½ intervals: no data, not
/// a pass.
#[test]
fn a_short_window_of_errors_is_inconclusive() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("v"), "1").unwrap();
    let scenario = format!(
        r#"name: all-errors
hypothesis: the counter stays low.
interval: 5s
steady_state:
  - name: counter
    command: cat {}
    expect: "< 10"
faults:
  - name: garble
    duration: 5s
    exec: {{ inject: "{}", revert: "true" }}
phases: {{ baseline: 6s, recovery: 10s }}
"#,
        d.join("v").display(),
        touch(d, "v", "garbage"),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("INCONCLUSIVE", 3);
    assert!(
        o.row("counter").contains("? no value in the whole window"),
        "{}",
        o.row("counter")
    );
}

/// Case 4: An inject that failed: the hypothesis was never tested. Exit 4, and CONFIRMED
/// nowhere: not in the journal, the report, or the JUnit file.
#[test]
fn a_failed_inject_is_never_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("v"), "1").unwrap();
    let scenario = format!(
        r#"name: inject-fails
hypothesis: the counter stays low.
interval: 500ms
steady_state:
  - name: counter
    command: cat {}
    expect: "< 10"
faults:
  - name: broken-inject
    duration: 2s
    exec: {{ inject: "exit 3", revert: "true" }}
phases: {{ baseline: 2s, recovery: 2s }}
"#,
        d.join("v").display(),
    );
    let junit = d.join("junit.xml");
    let o = run(d, &scenario, &["--junit", junit.to_str().unwrap()], LIMIT);
    o.assert_verdict("INCONCLUSIVE", 4);
    assert!(!o.report.contains("CONFIRMED"), "{}", o.report);
    assert!(o.report.contains("never injected"), "{}", o.report);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(!xml.contains("failures=\"0\""), "{xml}");
    assert!(xml.contains("inject failed"), "{xml}");
    assert!(xml.contains("INCONCLUSIVE"), "{xml}");
    // the signal held throughout: there was nothing to recover from
    let cells: Vec<&str> = o.row("counter").split('|').map(str::trim).collect();
    assert_eq!(cells[6], "—", "{}", o.row("counter"));
    assert!(!o.report.contains("had not recovered"), "{}", o.report);
}

/// Headless gives up on the next fault when the steady state does not come back within
/// the recovery phase: the fault that never ran leaves the hypothesis untested.
#[test]
fn a_fault_never_run_is_not_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let v = d.join("v");
    std::fs::write(&v, "1").unwrap();
    let scenario = format!(
        r#"name: skipped-fault
hypothesis: the queue stays short, with a bump of up to 30 s.
interval: 250ms
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 10"
    tolerate: 30s
faults:
  - name: first
    duration: 2s
    exec:
      inject: printf 50 > {v}
      revert: "(sleep 5; printf 1 > {v}) >/dev/null 2>&1 &"
  - name: second
    duration: 2s
    exec: {{ inject: "true", revert: "true" }}
phases: {{ baseline: 2s, recovery: 3s }}
"#,
        v = v.display(),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("INCONCLUSIVE", 3);
    let reasons = events(&o.journal, "verdict")[0]["reasons"].to_string();
    assert!(reasons.contains("`second` was never run"), "{reasons}");
    assert!(events(&o.journal, "fault_injecting").len() == 1);
}

/// Case 5: The alerts API unreachable for the whole run: whether the alert fired is unknown,
/// which is missing data, not a refutation; the journal says so.
#[test]
fn an_unreadable_alerts_api_is_inconclusive() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let prom = start_prometheus(d);
    std::fs::write(d.join("alerts"), "503").unwrap();
    std::fs::write(d.join("prom-errors"), "0").unwrap();
    let scenario = format!(
        r#"name: alerts-down
hypothesis: no errors, and CacheDown fires within 2 s.
prometheus: {{ url: "http://{prom}", interval: 500ms }}
steady_state:
  - name: errors
    promql: errors
    unit: ratio
    expect: "< 1%"
alerts:
  - name: CacheDown
    within: 2s
faults:
  - name: nothing
    duration: 2s
    exec: {{ inject: "true", revert: "true" }}
phases: {{ baseline: 2s, recovery: 2s }}
"#
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("INCONCLUSIVE", 3);
    let alert = events(&o.journal, "alert");
    assert!(
        alert
            .iter()
            .any(|a| a["state"] == "unknown" && a["error"].as_str().unwrap().contains("503")),
        "{alert:?}"
    );
    assert!(
        o.report
            .contains("? unknown: the alerts API could not be read"),
        "{}",
        o.report
    );
    assert!(!o.report.contains("did not fire"), "{}", o.report);
}

/// Case 6: The worst of an `==` criterion is the value farthest from it; rounding never makes
/// a violation look like the threshold.
#[test]
fn the_worst_value_is_the_true_worst() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("v"), "3").unwrap();
    std::fs::write(d.join("b"), "1000").unwrap();
    let scenario = format!(
        r#"name: true-worst
hypothesis: exactly three replicas, and the payload stays under 1 MiB.
interval: 500ms
steady_state:
  - name: replicas
    command: cat {v}
    expect: "== 3"
  - name: payload
    command: cat {b}
    unit: bytes
    expect: "< 1MiB"
faults:
  - name: wobble
    duration: 3s
    exec: {{ inject: "printf 2 > {v}; printf 1048577 > {b}; sleep 1; printf -- -10 > {v}", revert: "printf 3 > {v}; printf 1000 > {b}" }}
phases: {{ baseline: 2s, recovery: 2s }}
"#,
        v = d.join("v").display(),
        b = d.join("b").display(),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    // -10 is farther from 3 than 2 is
    assert!(
        o.row("replicas").contains("| -10 at T+"),
        "{}",
        o.row("replicas")
    );
    let payload = o.row("payload");
    assert!(!payload.contains("| 1 MiB at"), "{payload}");
    assert!(payload.contains("| 1.000001 MiB at T+"), "{payload}");
}

// ------------------------------------------------------------------------------------
// Issue 20: probe evidence
// ------------------------------------------------------------------------------------

fn probe_scenario(
    target: SocketAddr,
    d: &Path,
    signals: &str,
    fault_mode: &str,
    fault: &str,
    phases: &str,
) -> String {
    format!(
        r#"name: probe-evidence
hypothesis: the target keeps answering.
steady_state:
{signals}
faults:
  - name: break
    duration: {fault}
    exec: {{ inject: "printf {fault_mode} > {m}", revert: "printf ok > {m}" }}
phases: {phases}
"#,
        m = d.join("mode").display(),
    )
    .replace("TARGET", &format!("http://{target}/probe"))
}

/// Case 1: Every probe timed out during the fault: with the default 2 s timeout, `p99 < 3s`
/// once could never fail. A probe that was not answered is +Inf, never the timeout.
#[test]
fn timeouts_never_cap_the_latency() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: p99
    http: { url: "TARGET", every: 250ms, timeout: 2s }
    measure: p99
    window: 5s
    expect: "< 3s""#,
        "hang",
        "4s",
        "{ baseline: 2s, recovery: 6s }",
    );
    // check warns: the threshold is not below the timeout
    let path = d.join("check.yaml");
    std::fs::write(&path, &scenario).unwrap();
    let c = gameday().arg("check").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&c.stdout);
    assert_eq!(c.status.code(), Some(0), "{text}");
    assert!(
        text.contains("warning: `p99`: `< 3s` is not below the probe timeout (2s)"),
        "{text}"
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    let log = target_log(d);
    assert!(
        log.iter().any(|l| l.2 == "hang"),
        "the target hung: {log:?}"
    );
    assert!(o.row("p99").contains("+Inf"), "{}", o.row("p99"));
}

/// Case 2: `200` with `Content-Length: 1000`, 4 bytes, then a closed connection: not a
/// success.
#[test]
fn truncated_answers_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: errors
    http: { url: "TARGET", every: 250ms, timeout: 2s }
    measure: error_rate
    window: 5s
    expect: "< 1%""#,
        "truncate",
        "3s",
        "{ baseline: 2s, recovery: 6s }",
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    let truncated = target_log(d)
        .iter()
        .filter(|l| l.3 == "200-truncated")
        .count();
    assert!(truncated > 3, "the target cut answers off: {truncated}");
    let errors = o.samples("errors");
    assert!(
        errors
            .iter()
            .any(|s| s["detail"].as_str().is_some_and(|d| d.contains("cut off"))),
        "{errors:?}"
    );
}

/// Case 3: A latency guardrail fires while the service is fully down: fast 503s are +Inf
/// latency, not "no data", so a `for` longer than the window can trip.
#[test]
fn a_latency_guardrail_fires_while_everything_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: p99
    http: { url: "TARGET", every: 250ms, timeout: 500ms }
    measure: p99
    window: 3s
    expect: "< 400ms"
    abort: "> 400ms for 5s""#,
        "503",
        "20s",
        "{ baseline: 2s, recovery: 4s }",
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("ABORTED", 2);
    let abort = &events(&o.journal, "abort")[0];
    assert_eq!(abort["source"], "guardrail");
    let tripped = &events(&o.journal, "guardrail_tripped")[0];
    assert_eq!(tripped["value"], "+Inf");
    // it tripped after its 5 s, well before the fault's 20 s
    let t = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap()).unwrap()
    };
    let trigger = t(events(&o.journal, "fault_injecting")[0]);
    let after = (t(abort) - trigger).num_milliseconds();
    assert!(
        (5_000..15_000).contains(&after),
        "tripped {after} ms after the trigger"
    );
}

/// Case 4: A guardrail's `for` starts again with each fault: two faults of 3 s, each over the
/// guardrail's limit for less than its 5 s, back to back.
#[test]
fn a_guardrail_timer_does_not_carry_into_the_next_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("v"), "50").unwrap();
    let scenario = format!(
        r#"name: two-faults-guardrail
hypothesis: the queue stays under 1000; a guardrail at 100 for 5 s.
interval: 1s
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 1000"
    abort: "> 100 for 5s"
faults:
  - name: first
    duration: 3s
    exec: {{ inject: "{bad}", revert: "true" }}
  - name: second
    duration: 3s
    exec: {{ inject: "true", revert: "{good}" }}
phases: {{ baseline: 2s, recovery: 2s }}
"#,
        v = d.join("v").display(),
        bad = touch(d, "v", "500"),
        good = touch(d, "v", "50"),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("CONFIRMED", 0);
    assert!(events(&o.journal, "guardrail_tripped").is_empty());
    assert_eq!(events(&o.journal, "fault_injecting").len(), 2);
}

/// Case 5: Probes answered 200 after 3 s each (timeout 5 s): slow values, judged at each
/// probe's start, never a gap.
#[test]
fn slow_answers_are_slow_values_not_missing_data() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: p99
    http: { url: "TARGET", every: 250ms, timeout: 5s }
    measure: p99
    window: 5s
    expect: "< 4s""#,
        "slow",
        "6s",
        "{ baseline: 2s, recovery: 8s }",
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("CONFIRMED", 0);
    let slow: Vec<_> = target_log(d)
        .into_iter()
        .filter(|l| l.2 == "slow")
        .collect();
    assert!(slow.len() > 5, "{slow:?}");
    assert!(slow.iter().all(|l| l.1 - l.0 >= 3000));
    // the slow answers are in the journal as values of about 3 s, taken at their start
    let p99 = o.samples("p99");
    assert!(
        p99.iter()
            .any(|s| s["value"].as_f64().is_some_and(|v| v >= 3.0) && s["at"].is_string()),
        "{p99:?}"
    );
}

/// Case 6: The measuring window drives the figures: it is configurable, and the report says
/// what it is next to "violated for" and "recovered in".
#[test]
fn the_window_is_shown_and_bounds_the_lag() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: errors
    http: { url: "TARGET", every: 250ms, timeout: 1s }
    measure: error_rate
    window: 4s
    expect: "< 1%""#,
        "503",
        "6s",
        "{ baseline: 2s, recovery: 8s }",
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    let log = target_log(d);
    let failed: Vec<_> = log.iter().filter(|l| l.3 == "503").collect();
    let outage_ms = failed.last().unwrap().0 - failed.first().unwrap().0;
    // the violation runs from the first failed probe to the first value whose 4 s
    // window holds no failure: the outage plus at most the window (and a probe)
    let violation = &events(&o.journal, "verdict")[0]["reasons"];
    let row = o.row("errors");
    assert!(
        row.contains("each value over a 4 s window of probes"),
        "{row}"
    );
    let secs: f64 = row
        .split("✗ violated ")
        .nth(1)
        .and_then(|r| r.split(" s,").next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{row}"));
    let outage = outage_ms as f64 / 1000.0;
    assert!(
        secs >= outage && secs <= outage + 4.0 + 1.0,
        "violated {secs} s for an outage of {outage} s (window 4 s): {violation}"
    );
    assert!(
        o.report.contains("Recovery took") && o.report.contains("window of probes"),
        "{}",
        o.report
    );
}

/// Case 7: A relapse restarts the time to recover: back for three samples, violating again,
/// then back for good.
#[test]
fn a_relapse_restarts_the_time_to_recover() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let v = d.join("v");
    std::fs::write(&v, "1").unwrap();
    let scenario = format!(
        r#"name: relapse
hypothesis: the queue stays short.
interval: 250ms
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 10"
faults:
  - name: flood
    duration: 2s
    exec:
      inject: printf 50 > {v}
      revert: "(printf 1 > {v}; sleep 1.5; printf 50 > {v}; sleep 2; printf 1 > {v}) >/dev/null 2>&1 &"
phases: {{ baseline: 2s, recovery: 8s }}
"#,
        v = v.display(),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    let row = o.row("queue");
    // recovered in: after the relapse (at ~3.5 s), not the first good samples (~0 s)
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let recovered = cells[6];
    let secs: f64 = recovered
        .trim_end_matches(" s")
        .parse()
        .unwrap_or_else(|_| panic!("{row}"));
    assert!(secs >= 3.0, "{row}");
}

/// Case 8: Several faults: each has its own window, worst and time to recover; the time
/// between faults is not fault time.
#[test]
fn several_faults_are_judged_each_on_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let v = d.join("v");
    std::fs::write(&v, "1").unwrap();
    let scenario = format!(
        r#"name: two-faults
hypothesis: the queue stays short.
interval: 250ms
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 100"
faults:
  - name: first
    duration: 2s
    exec: {{ inject: "printf 20 > {v}", revert: "printf 1 > {v}" }}
  - name: second
    duration: 2s
    exec: {{ inject: "printf 40 > {v}", revert: "printf 1 > {v}" }}
phases: {{ baseline: 2s, recovery: 3s }}
"#,
        v = v.display(),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("CONFIRMED", 0);
    assert!(
        o.report.contains("fault windows T+00:00 → T+00:0"),
        "{}",
        o.report
    );
    let per_fault: Vec<&str> = o
        .report
        .lines()
        .filter(|l| l.starts_with("| first | T+") || l.starts_with("| second | T+"))
        .collect();
    assert_eq!(per_fault.len(), 2, "{}", o.report);
    assert!(per_fault[0].contains("| 20 at T+"), "{per_fault:?}");
    assert!(per_fault[1].contains("| 40 at T+"), "{per_fault:?}");
}

/// Case 9: An alert already firing before the trigger (activeAt ten minutes before the run)
/// says nothing about this fault.
#[test]
fn an_alert_already_firing_is_not_credited_to_the_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let prom = start_prometheus(d);
    let before = (chrono::Utc::now() - chrono::Duration::minutes(10))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(
        d.join("alerts"),
        format!(
            r#"{{"status":"success","data":{{"alerts":[{{"labels":{{"alertname":"CacheDown"}},"state":"firing","activeAt":"{before}","value":"1"}}]}}}}"#
        ),
    )
    .unwrap();
    let scenario = format!(
        r#"name: old-alert
hypothesis: no errors, and CacheDown fires within 3 s.
prometheus: {{ url: "http://{prom}", interval: 500ms }}
steady_state:
  - name: errors
    promql: errors
    unit: ratio
    expect: "< 1%"
alerts:
  - name: CacheDown
    within: 3s
faults:
  - name: nothing
    duration: 2s
    exec: {{ inject: "true", revert: "true" }}
phases: {{ baseline: 2s, recovery: 2s }}
"#
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("INCONCLUSIVE", 3);
    assert!(
        o.report.contains("? already active before the trigger"),
        "{}",
        o.report
    );
    assert!(
        events(&o.journal, "alert")
            .iter()
            .any(|a| a["active_at"].as_str().is_some()),
        "activeAt is journaled"
    );
}

/// A probe still waiting for its answer counts in no value until its answer (or its
/// timeout) comes, and the run waits for the probes sent before the end of recovery:
/// a hang longer than the window and the recovery is seen, never skipped.
#[test]
fn probes_still_waiting_are_waited_for_not_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: p99
    http: { url: "TARGET", every: 1s, timeout: 6s }
    measure: p99
    window: 1s
    expect: "< 500ms"
  - name: errors
    http: { url: "TARGET", every: 1s, timeout: 6s }
    measure: error_rate
    window: 1s
    expect: "< 1%""#,
        "hang",
        "2500ms",
        "{ baseline: 3s, recovery: 3s }",
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("REFUTED", 1);
    let hung = target_log(d).iter().filter(|l| l.2 == "hang").count();
    assert!(hung >= 2, "the target hung {hung} probes");
    // each hung probe is journaled as failed, and its value is +Inf at its start
    let probes = events(&o.journal, "probe");
    assert!(
        probes
            .iter()
            .filter(|p| p["error"].as_str().is_some_and(|e| e.contains("timed out")))
            .count()
            >= 2,
        "{probes:?}"
    );
    assert!(o.row("p99").contains("+Inf at T+"), "{}", o.row("p99"));
    assert!(
        o.row("errors").contains("100 % at T+"),
        "{}",
        o.row("errors")
    );
}

// ------------------------------------------------------------------------------------
// The ends of the window, unfinished probes, and what the recheck catches
// ------------------------------------------------------------------------------------

/// A record's `key` time; `at` falls back to `ts`, as a sample's time does.
fn ts_of(v: &serde_json::Value, key: &str) -> chrono::DateTime<chrono::FixedOffset> {
    let key = if v[key].is_string() { key } else { "ts" };
    chrono::DateTime::parse_from_rfc3339(v[key].as_str().unwrap()).unwrap()
}

/// The end of the run waits (up to the probe timeout) for the probes sent before the
/// recovery deadline; a value seen during that wait comes after the deadline and is not
/// judged: the queue goes bad a second after the recovery phase is over, while the run
/// waits for a hung probe, and the hypothesis is CONFIRMED.
#[test]
fn values_after_the_recovery_deadline_are_not_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let v = d.join("v");
    std::fs::write(&v, "1").unwrap();
    let scenario = format!(
        r#"name: after-the-deadline
hypothesis: the queue stays short.
interval: 250ms
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 10"
  - name: watched
    http: {{ url: "http://{target}/probe", every: 250ms, timeout: 4s }}
    measure: p99
    window: 1s
faults:
  - name: hang
    duration: 2s
    exec:
      inject: printf hang > {m}
      revert: "(sleep 3; printf 500 > {v}) >/dev/null 2>&1 &"
phases: {{ baseline: 2s, recovery: 2s }}
"#,
        v = v.display(),
        m = d.join("mode").display(),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("CONFIRMED", 0);
    // the deadline: the recovery phase's start + 2 s; the queue was 500 after it, before
    // the verdict, and none of that was judged
    let recovery = events(&o.journal, "phase")
        .into_iter()
        .rfind(|p| p["phase"] == "RECOVERY")
        .map(|p| ts_of(p, "ts"))
        .unwrap();
    let deadline = recovery + chrono::Duration::seconds(2);
    let verdict = ts_of(events(&o.journal, "verdict")[0], "ts");
    let late_bad = o
        .samples("queue")
        .iter()
        .filter(|s| s["value"] == 500.0 && ts_of(s, "ts") > deadline && ts_of(s, "ts") < verdict)
        .count();
    assert!(
        late_bad >= 2,
        "the queue went bad after the deadline: {late_bad}"
    );
    assert!(
        o.samples("queue")
            .iter()
            .filter(|s| ts_of(s, "ts") <= deadline)
            .all(|s| s["value"] == 1.0),
        "nothing bad before the deadline"
    );
    let cells: Vec<&str> = o.row("queue").split('|').map(str::trim).collect();
    assert_eq!(
        cells[5],
        "1",
        "after recovery is read by the deadline: {}",
        o.row("queue")
    );
    assert_eq!(cells[7], "✓ held", "{}", o.row("queue"));
}

/// After a guardrail pulled the kill switch, the recovery is watched and reported, but
/// the hypothesis is judged only up to the abort: the queue goes bad half a second after
/// the revert, and that is in "after recovery" and "recovered in", not in the verdict.
/// The guardrail waits 2 s before it trips, so the window it ends holds queue samples
/// however late a loaded machine runs them (without them, "no value in the whole
/// window" is a true finding).
#[test]
fn after_a_kill_switch_the_recovery_is_reported_not_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (v, g) = (d.join("v"), d.join("g"));
    std::fs::write(&v, "1").unwrap();
    std::fs::write(&g, "0").unwrap();
    let scenario = format!(
        r#"name: judged-to-the-abort
hypothesis: the queue stays short.
interval: 250ms
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 10"
  - name: guard
    command: cat {g}
    abort: "> 0 for 2s"
faults:
  - name: trip
    duration: 20s
    exec:
      inject: printf 1 > {g}
      revert: "printf 0 > {g}; (sleep 0.5; printf 500 > {v}) >/dev/null 2>&1 &"
phases: {{ baseline: 2s, recovery: 3s }}
"#,
        v = v.display(),
        g = g.display(),
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("ABORTED", 2);
    assert_eq!(events(&o.journal, "abort")[0]["source"], "guardrail");
    let reasons = &events(&o.journal, "verdict")[0]["reasons"];
    assert_eq!(
        reasons,
        &serde_json::json!(["the kill switch ended the run"]),
        "the queue went bad only after the abort"
    );
    let cells: Vec<&str> = o.row("queue").split('|').map(str::trim).collect();
    // | queue | < 10 | baseline | worst | after | recovered | result |
    assert_eq!(
        cells[5],
        "500",
        "after recovery is watched: {}",
        o.row("queue")
    );
    assert_eq!(cells[6], "not recovered", "{}", o.row("queue"));
    assert_eq!(cells[7], "✓ held", "{}", o.row("queue"));
    let j = judge::judge(&o.journal);
    assert_eq!(j.signals[0].result, judge::SignalResult::Held, "{j:?}");
    assert_eq!(j.signals[0].after, Some(500.0), "{j:?}");
}

/// A run ended early (SIGTERM mid-fault) drops no probe: each one still waiting is
/// journaled as unfinished with how long it was waited for, and judged with bounds. A
/// hung probe that waited 300 ms or more fails `< 300ms` whatever its answer; an error
/// rate over probes that could still have passed or failed is missing data.
#[test]
fn probes_unfinished_at_an_early_end_are_journaled_and_judged_with_bounds() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: p99
    http: { url: "TARGET", every: 250ms, timeout: 8s }
    measure: p99
    window: 5s
    expect: "< 300ms"
  - name: errors
    http: { url: "TARGET", every: 250ms, timeout: 8s }
    measure: error_rate
    window: 5s
    expect: "< 1%""#,
        "hang",
        "30s",
        "{ baseline: 2s, recovery: 9s }",
    );
    let path = d.join("scenario.yaml");
    std::fs::write(&path, &scenario).unwrap();
    let out = d.join("runs");
    let mut child = common::spawn(&mut headless(&path, &out, &[]));
    wait_for_event(&out, "fault_injected", LIMIT);
    std::thread::sleep(Duration::from_millis(2500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let o = wait_bounded(&mut child, Duration::from_secs(30));
    let dir = run_dir(&out);
    let o = Outcome {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        journal: journal(&dir),
        report: std::fs::read_to_string(dir.join("report.md")).unwrap(),
        dir,
    };
    o.assert_verdict("ABORTED", 2);
    let abort = ts_of(events(&o.journal, "abort")[0], "ts");
    let unfinished: Vec<&serde_json::Value> = events(&o.journal, "probe")
        .into_iter()
        .filter(|p| p["signal"] == "p99" && p["waited_ms"].is_u64())
        .collect();
    // every hung probe was sent in the 2.5 s before the end: at least 5 every 250 ms
    assert!(unfinished.len() >= 5, "{unfinished:?}");
    assert!(unfinished
        .iter()
        .all(|p| p["error"].is_null() && p["latency"].is_null()));
    // every request the target hung has its probe line (give or take one whose start
    // the engine had not heard of when it ended)
    let hung = target_log(d).iter().filter(|l| l.2 == "hang").count();
    let lines = events(&o.journal, "probe")
        .into_iter()
        .filter(|p| p["waited_ms"].is_u64())
        .count();
    assert!(
        lines + 2 >= hung,
        "hung probes with a line: {lines} of {hung}"
    );
    // p99: the first hung probe waited over 2 s: every value from it on fails `< 300ms`
    let reasons = events(&o.journal, "verdict")[0]["reasons"].to_string();
    assert!(
        reasons.contains("`p99` violated < 300 ms for")
            && reasons.contains("still violated when the kill switch was pulled"),
        "{reasons}"
    );
    let bounded = o
        .samples("p99")
        .into_iter()
        .filter(|s| {
            s["detail"]
                .as_str()
                .is_some_and(|d| d.contains("whatever their answers, this value fails `< 300ms`"))
        })
        .count();
    assert!(bounded >= 5, "{:?}", o.samples("p99"));
    // errors: 0 % or 100 %, depending on answers never seen: missing, never a pass
    let unknown: Vec<&serde_json::Value> = o
        .samples("errors")
        .into_iter()
        .filter(|s| {
            ts_of(s, "at") <= abort
                && s["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("unknown: "))
        })
        .collect();
    assert!(unknown.len() >= 5, "{:?}", o.samples("errors"));
    // (no value at all after the trigger, or only one from a probe answered before the
    // mode changed)
    assert!(
        reasons.contains("`errors` had no value in the whole window")
            || reasons.contains("`errors` had no data for"),
        "{reasons}"
    );
    let j = judge::judge(&o.journal);
    assert_eq!(j.signals[0].result, judge::SignalResult::Violated, "{j:?}");
    assert_eq!(j.signals[1].result, judge::SignalResult::NoData, "{j:?}");
}

/// `gameday report` folds the journal again and exits 65, naming why, for each way a
/// journal can say what its records do not give.
#[test]
fn the_recheck_catches_what_the_records_do_not_give() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let target = start_target(d);
    let scenario = probe_scenario(
        target,
        d,
        r#"  - name: errors
    http: { url: "TARGET", every: 250ms, timeout: 1s }
    measure: error_rate
    window: 1s
    expect: "< 1%""#,
        "ok",
        "2s",
        "{ baseline: 2s, recovery: 2s }",
    );
    let o = run(d, &scenario, &[], LIMIT);
    o.assert_verdict("CONFIRMED", 0);
    let path = o.dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let without = |ty: &str| {
        let needle = format!(r#""type":"{ty}""#);
        move |t: &str| -> String {
            t.lines()
                .filter(|l| !l.contains(&needle))
                .map(|l| format!("{l}\n"))
                .collect()
        }
    };
    type Forge = Box<dyn Fn(&str) -> String>;
    let forgeries: Vec<(&[&str], Forge)> = vec![
        (
            &["signal `errors`: its samples are not the ones its probe lines give"],
            Box::new(|t: &str| {
                // a baseline value of 0 % made 50 %: the verdict stands, the figure lies
                let line = t
                    .lines()
                    .find(|l| l.contains(r#""type":"sample""#) && l.contains(r#""value":0.0"#))
                    .unwrap();
                t.replacen(line, &line.replacen(r#""value":0.0"#, r#""value":0.5"#, 1), 1)
            }),
        ),
        (
            &[
                "its own records give INCONCLUSIVE",
                "`break` never took effect: no record says its inject succeeded",
            ],
            Box::new(without("fault_injected")),
        ),
        (
            &[
                "its own records give INCONCLUSIVE",
                "`break` never settled",
                "the run ended with exit code 0, but its records give 5",
            ],
            Box::new(without("fault_reverted")),
        ),
        (
            &["fault `break` was reverted by the kill switch, but the journal has no `abort` record"],
            Box::new(|t: &str| t.replace(r#""reason":"duration""#, r#""reason":"abort""#)),
        ),
        (
            &["the scenario text kept in the journal has sha256", "it is not the file that was run"],
            Box::new(|t: &str| {
                t.replacen(
                    r#""scenario_text":"name: "#,
                    r##""scenario_text":"# edited\nname: "##,
                    1,
                )
            }),
        ),
    ];
    for (said, forge) in forgeries {
        let forged = forge(&text);
        assert_ne!(forged, text, "{said:?}");
        std::fs::write(&path, forged).unwrap();
        for args in [vec!["report"], vec!["report", "--recheck"]] {
            let r = gameday().args(&args).arg(&o.dir).output().unwrap();
            let err = String::from_utf8_lossy(&r.stderr);
            assert_eq!(r.status.code(), Some(65), "{said:?} {args:?}: {err}");
            for s in said {
                assert!(err.contains(s), "{s} {args:?}: {err}");
            }
        }
        let report = std::fs::read_to_string(o.dir.join("report.md")).unwrap();
        assert!(report.contains("> **VERDICT CHECK FAILED**"), "{report}");
    }
    std::fs::write(&path, &text).unwrap();
    let r = gameday()
        .args(["report", "--recheck"])
        .arg(&o.dir)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

/// A run that gave up because the steady state did not hold at the end of the baseline is
/// NOT RUN, and its reason names the failing expectation: the recheck agrees with it when
/// the last samples say so (it once raised a false VERDICT CHECK FAILED on every such
/// run), and not when the reason's figure is not the samples' one.
#[test]
fn not_run_at_the_baseline_agrees_with_its_records() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = r#"name: gate
hypothesis: The gate holds.
interval: 500ms
steady_state:
  - name: bad
    command: "echo 500"
    unit: count
    expect: "< 100"
faults:
  - name: f
    duration: 2s
    exec: { inject: "true", revert: "true" }
phases: { baseline: 2s, recovery: 2s }
"#;
    let o = run(d, scenario, &[], LIMIT);
    assert_eq!(o.code, Some(6), "{}", o.stdout);
    let v = &events(&o.journal, "verdict")[0];
    assert_eq!(
        v["reasons"],
        serde_json::json!([
            "the steady state did not hold at the end of the baseline: bad: 500 (expect < 100)"
        ])
    );
    assert!(!o.report.contains("VERDICT CHECK FAILED"), "{}", o.report);
    for args in [vec!["report"], vec!["report", "--recheck"]] {
        let r = gameday().args(&args).arg(&o.dir).output().unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    // a reason whose figure the samples do not give
    let path = o.dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("bad: 500 (expect", "bad: 50 (expect")).unwrap();
    let r = gameday()
        .args(["report", "--recheck"])
        .arg(&o.dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(65), "{err}");
    assert!(
        err.contains("the journal's reasons are not the ones its records give"),
        "{err}"
    );
}
