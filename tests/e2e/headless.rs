//! The real binary, headless, against a local HTTP service of the tests' own: the four
//! outcomes an on-call engineer must be able to trust (DESIGN §1 exit codes).

use crate::common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn confirmed_run_exits_0_with_report_and_junit() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let slow = tmp.path().join("slow");
    let text = marker_fault_scenario(svc, &slow, 2);
    let path = write(tmp.path(), "ok.yaml", &text);
    let out = tmp.path().join("runs");
    let junit = tmp.path().join("junit.xml");
    let o = run_headless(
        &path,
        &out,
        &["--junit", junit.to_str().unwrap()],
        Duration::from_secs(60),
    );
    let so = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{so}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = run_dir(&out);
    assert!(dir
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("Z-e2e-probe"));
    assert!(
        so.contains(&format!("run directory {}", dir.display())),
        "path printed: {so}"
    );
    let j = journal(&dir);
    assert_eq!(j[0]["type"], "run_started");
    assert!(j[0]["scenario_sha256"].as_str().unwrap().len() == 64);
    assert_eq!(events(&j, "fault_injected").len(), 1);
    let reverted = events(&j, "fault_reverted");
    assert_eq!(reverted[0]["ok"], true);
    assert_eq!(events(&j, "verdict")[0]["verdict"], "CONFIRMED");
    assert!(!slow.exists(), "the revert ran");
    assert_eq!(j.last().unwrap()["type"], "run_ended");
    assert!(dir.join("gameday.log").exists() && dir.join("charts").is_dir());
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("CONFIRMED"), "{report}");
    // its charts, linked and well-formed
    for name in ["probe-errors.svg", "probe-p99.svg"] {
        let chart = std::fs::read_to_string(dir.join("charts").join(name)).unwrap();
        roxmltree::Document::parse(&chart).unwrap();
        assert!(chart.contains("class=\"fault-window\""), "{chart}");
        assert!(chart.contains("class=\"threshold\""), "{chart}");
        assert!(report.contains(&format!("](charts/{name})")), "{report}");
    }
    // the screen at the trigger, as the TUI would have drawn it, journaled and reported
    let screen = events(&j, "screen")[0];
    assert_eq!(screen["moment"], "trigger");
    assert_eq!(screen["front"], "headless");
    assert_eq!(
        (screen["width"].as_u64(), screen["height"].as_u64()),
        (Some(100), Some(30))
    );
    let text = screen["text"].as_str().unwrap();
    assert!(
        text.contains("gameday · e2e-probe") && text.contains("probe p99"),
        "{text}"
    );
    let screens = &report[report.find("## Screens").expect(&report)..];
    assert!(
        screens.contains("At the trigger of `break the probe` (")
            && screens.contains("as the TUI would have shown it, headless run, 100×30:"),
        "{screens}"
    );
    assert!(screens.contains(text.lines().next().unwrap()), "{screens}");
    assert!(
        so.contains("screen at trigger kept for the report (headless, 100×30)"),
        "{so}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"4\" failures=\"0\""), "{xml}");
    assert!(
        xml.contains("name=\"fault break the probe\"></testcase>"),
        "{xml}"
    );
    // the report is a pure function of the journal
    std::fs::remove_file(dir.join("report.md")).unwrap();
    let r = gameday().arg("report").arg(&dir).output().unwrap();
    assert!(r.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        report
    );
}

#[test]
fn refuted_run_exits_1_and_names_the_violated_criterion() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let broken = tmp.path().join("broken");
    let text = marker_fault_scenario(svc, &broken, 2);
    let path = write(tmp.path(), "bad.yaml", &text);
    let out = tmp.path().join("runs");
    let junit = tmp.path().join("junit.xml");
    let o = run_headless(
        &path,
        &out,
        &["--junit", junit.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let dir = run_dir(&out);
    let j = journal(&dir);
    let verdict = events(&j, "verdict")[0];
    assert_eq!(verdict["verdict"], "REFUTED");
    assert!(
        verdict["reasons"][0]
            .as_str()
            .unwrap()
            .contains("`probe errors` violated < 1 %"),
        "{verdict}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: e2e-probe — REFUTED"),
        "{report}"
    );
    // the criteria table names the violated criterion, its worst value and when
    let row = report
        .lines()
        .find(|l| l.starts_with("| probe errors |"))
        .expect("a row for the signal");
    assert!(row.contains("| < 1 % |"), "{row}");
    assert!(row.contains("✗ violated"), "{row}");
    let worst = row.split('|').nth(4).unwrap().trim();
    assert!(
        worst.contains(" % at T+00:0"),
        "worst value and when: {row}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<failure message=\"violated; worst"), "{xml}");
    assert!(!broken.exists());
}

#[test]
fn sigterm_mid_fault_aborts_reverts_and_exits_2() {
    signal_mid_fault(nix::sys::signal::Signal::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_mid_fault_aborts_reverts_and_exits_2() {
    signal_mid_fault(nix::sys::signal::Signal::SIGINT, "SIGINT");
}

/// Ctrl-\\ on the terminal of a headless run: by default it would kill gameday with the
/// fault in place.
#[test]
fn sigquit_mid_fault_aborts_reverts_and_exits_2() {
    signal_mid_fault(nix::sys::signal::Signal::SIGQUIT, "SIGQUIT");
}

fn signal_mid_fault(sig: nix::sys::signal::Signal, name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let slow = tmp.path().join("slow");
    let text = marker_fault_scenario(svc, &slow, 60);
    let path = write(tmp.path(), "long.yaml", &text);
    let out = tmp.path().join("runs");
    let mut child = common::spawn(&mut headless(&path, &out, &[]));
    // wait until the fault is active, from the journal
    wait_for_event(&out, "fault_injected", Duration::from_secs(30));
    assert!(slow.exists(), "the fault is in place");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
    let o = wait_bounded(&mut child, Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(!slow.exists(), "the revert command ran");
    let dir = run_dir(&out);
    let j = journal(&dir);
    let abort = events(&j, "abort")[0];
    assert_eq!(abort["by"], "tester");
    assert_eq!(abort["source"], "signal");
    assert_eq!(abort["detail"], name);
    assert_eq!(events(&j, "fault_reverting")[0]["reason"], "abort");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED");
    let moments: Vec<&str> = events(&j, "screen")
        .iter()
        .map(|s| s["moment"].as_str().unwrap())
        .collect();
    assert_eq!(moments, ["trigger", "abort"]);
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("\nAt the abort ("), "{report}");
    assert!(
        report.starts_with("# Game day: e2e-probe — ABORTED"),
        "{report}"
    );
    // who aborted, from where, and how long reverting took
    let line = report
        .lines()
        .find(|l| l.starts_with("Kill switch: pulled by tester (signal)"))
        .expect(&report);
    assert!(
        line.contains("every fault reverted") && line.ends_with("later."),
        "{line}"
    );
}

/// A terminal that hangs up sends SIGHUP to gameday's whole process group a moment
/// after gameday has seen the hang-up and started reverting: a revert command caught
/// before it has left that group must not die of it. The window is widened on purpose
/// (the revert's child waits 5 s before leaving the group) and the group is sent SIGHUP
/// inside it: the revert still succeeds, first time, once.
#[test]
fn a_hangup_sent_to_the_group_while_the_revert_starts_does_not_kill_the_revert() {
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("marker");
    // named in the revert only: its command, and no other, waits in the window
    let window = tmp.path().join("revert-window");
    let stalled = tmp.path().join("revert-window.stalled");
    let text = scenario(
        svc,
        &format!("touch {}", marker.display()),
        // `true` names it and does nothing; the exit status is rm's
        &format!("true {}; rm {}", window.display(), marker.display()),
        60,
        "< 2s",
    );
    let path = write(tmp.path(), "hangup.yaml", &text);
    let out = tmp.path().join("runs");
    // a group of its own, as a login shell gives a job: the test can signal the group
    // without signalling itself
    let mut child = spawn(
        headless(&path, &out, &[])
            .env("GAMEDAY_TEST_SPAWN_STALL", &window)
            .process_group(0),
    );
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    wait_for_event(&out, "fault_injected", Duration::from_secs(60));
    assert!(marker.exists(), "the fault is in place");
    assert!(!stalled.exists(), "only the revert waits in the window");
    nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGTERM).unwrap();
    let start = Instant::now();
    while !stalled.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the revert's command never reached the window before leaving the group"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // the revert's command is still in gameday's group: it waits 5 s before leaving
    nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGHUP).unwrap();
    let in_window = std::fs::metadata(&stalled)
        .unwrap()
        .modified()
        .unwrap()
        .elapsed()
        .unwrap_or_default();
    assert!(
        in_window < Duration::from_secs(4),
        "the hang-up came {in_window:?} after the window opened: too late to test it"
    );
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(!marker.exists(), "the revert removed the marker");
    let j = journal(&run_dir(&out));
    let reverts = events(&j, "fault_reverted");
    assert_eq!(reverts.len(), 1, "one revert, and it worked: {reverts:?}");
    assert_eq!(reverts[0]["ok"], true, "{reverts:?}");
    assert_eq!(reverts[0]["attempt"], 1, "{reverts:?}");
    assert_eq!(events(&j, "abort")[0]["detail"], "SIGTERM");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED");
}

#[test]
fn failing_revert_exits_5_and_names_recover() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("marker");
    let text = scenario(
        svc,
        &format!("touch {}", marker.display()),
        "echo 'service unit not found' >&2; exit 1",
        1,
        "< 2s",
    );
    let path = write(tmp.path(), "stuck.yaml", &text);
    let out = tmp.path().join("runs");
    let o = run_headless(&path, &out, &[], Duration::from_secs(60));
    let so = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{so}");
    let dir = run_dir(&out);
    assert!(
        so.contains(&format!("gameday recover {}", dir.display())),
        "{so}"
    );
    let j = journal(&dir);
    let attempts = events(&j, "fault_reverted");
    assert_eq!(attempts.len(), 4, "every attempt journaled");
    assert!(attempts.iter().all(|a| a["ok"] == false));
    assert!(attempts[0]["detail"]
        .as_str()
        .unwrap()
        .contains("service unit not found"));
    assert_eq!(attempts.last().unwrap()["will_retry"], false);
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let banner = report
        .lines()
        .find(|l| l.contains("REVERT FAILED"))
        .expect(&report);
    assert!(
        banner.contains("break the probe") && banner.contains("gameday recover"),
        "{banner}"
    );
}

/// A headless run whose injection is slow: its shell writes its pid to `pid_file`,
/// touches `started`, sleeps 20 s, then touches `marker`; the revert is `revert_rm
/// marker`. Returned once the injection has started.
struct SlowInjection {
    tmp: tempfile::TempDir,
    marker: std::path::PathBuf,
    pid_file: std::path::PathBuf,
    out: std::path::PathBuf,
    child: common::Reaped,
}

impl SlowInjection {
    fn start(revert_rm: &str, file: &str) -> SlowInjection {
        let tmp = tempfile::tempdir().unwrap();
        let svc = start_service(tmp.path());
        let started = tmp.path().join("started");
        let marker = tmp.path().join("marker");
        let pid_file = tmp.path().join("inject.pid");
        let text = scenario(
            svc,
            &format!(
                "echo $$ > {}; touch {}; sleep 20; touch {}",
                pid_file.display(),
                started.display(),
                marker.display()
            ),
            &format!("{revert_rm} {}", marker.display()),
            60,
            "< 2s",
        );
        let path = write(tmp.path(), file, &text);
        let out = tmp.path().join("runs");
        let child = common::spawn(&mut headless(&path, &out, &[]));
        wait_for_event(&out, "fault_injecting", Duration::from_secs(30));
        let start = Instant::now();
        while !started.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "inject never ran"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        SlowInjection {
            tmp,
            marker,
            pid_file,
            out,
            child,
        }
    }
}

/// The kill switch pulled while an injection still runs: the injection is stopped (its
/// process group killed, so the rest of it never runs), the journal says it was
/// cancelled, and a revert that finds nothing to undo fails every attempt. `recover`
/// cannot succeed either; `recover --by-hand` closes the run under the operator's name.
#[test]
fn a_kill_switch_during_an_injection_is_journaled_and_recover_by_hand_closes_the_run() {
    // not idempotent: the revert fails where the injection never got that far
    let SlowInjection {
        tmp: _tmp,
        marker,
        pid_file,
        out,
        mut child,
    } = SlowInjection::start("rm", "slow-inject.yaml");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let o = wait_bounded(&mut child, Duration::from_secs(40));
    let so = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{so}");
    assert!(so.contains("CANCELLED while it ran"), "{so}");
    let dir = run_dir(&out);
    let j = journal(&dir);
    let kinds: Vec<&str> = j.iter().map(|r| r["type"].as_str().unwrap()).collect();
    let at = |k: &str| kinds.iter().position(|t| *t == k);
    let cancelled = at("fault_inject_cancelled").expect("cancellation journaled");
    assert!(at("abort").unwrap() < cancelled, "{kinds:?}");
    assert_eq!(at("fault_reverting"), Some(cancelled + 1), "{kinds:?}");
    assert_eq!(at("fault_injected"), None, "the injection never answered");
    assert_eq!(
        events(&j, "fault_inject_cancelled")[0]["fault"],
        "break the probe"
    );
    assert_eq!(events(&j, "fault_reverted").len(), 4, "{kinds:?}");
    // the rest of the injection was killed with its group, not left running
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH),
        "the cancelled injection's shell is still running"
    );
    assert!(!marker.exists(), "the cancelled injection went on running");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("CANCELLED while it ran"), "{report}");
    assert!(report.contains("> **REVERT FAILED**"), "{report}");
    let row = report
        .lines()
        .find(|l| l.starts_with("| break the probe |"))
        .expect(&report);
    assert!(row.contains("⊘ injection CANCELLED"), "{row}");

    // recover runs the same revert, fails the same way, and says what to do
    let o = gameday().arg("recover").arg(&dir).output().unwrap();
    let so = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{so}");
    assert!(so.contains("injection was cancelled while it ran"), "{so}");
    let hint = format!(
        "gameday recover {} --by-hand='break the probe'",
        dir.display()
    );
    assert!(so.contains(&hint), "{so}");

    // a fault the journal does not show as pending is refused, and nothing is written
    let before = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let o = gameday()
        .args(["recover", "--by-hand", "break the prob"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(64), "{}", stdout(&o));
    let se = String::from_utf8_lossy(&o.stderr);
    assert!(se.contains("`break the probe`"), "{se}");
    assert_eq!(
        std::fs::read_to_string(dir.join("journal.jsonl")).unwrap(),
        before
    );

    // by hand: nothing is run, the journal says who closed it, the banner goes
    std::fs::write(&marker, "").unwrap(); // a revert run now would remove it
    let o = gameday()
        .args([
            "recover",
            "--operator",
            "rescuer",
            "--by-hand",
            "break the probe",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let so = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{so}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        so.contains("recorded `break the probe` as reverted by hand"),
        "{so}"
    );
    assert!(marker.exists(), "--by-hand ran the revert");
    let j = journal(&dir);
    let reverting = events(&j, "fault_reverting");
    assert_eq!(reverting.last().unwrap()["reason"], "by_hand");
    let last = *events(&j, "fault_reverted").last().unwrap();
    assert_eq!(last["ok"], true);
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("rescuer (OS user "),
        "{last}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(!report.contains("> **REVERT FAILED**"), "{report}");
    assert!(report.contains("as reverted by hand"), "{report}");
    // the run's exit 5 stands: what recover did afterwards does not change it
    assert!(!report.contains("VERDICT CHECK FAILED"), "{report}");
    assert_eq!(events(&j, "run_ended")[0]["exit_code"], 5);
    let o = gameday().arg("recover").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("nothing to do"), "{}", stdout(&o));
}

#[test]
fn check_accepts_every_example_without_a_warning_and_rejects_bad_usage_with_64() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    // the one pass of `check` over the shipped examples: valid, and without a warning
    for f in &files {
        let o = gameday()
            .arg("check")
            .arg(f)
            .env("PROMETHEUS_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        let so = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{}: {so}", f.display());
        assert!(
            so.starts_with(&format!("{}: ok (", f.display())),
            "{}: {so}",
            f.display()
        );
        assert!(!so.contains(": warning: "), "{so}");
    }
    let o = gameday().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(o.status.code(), Some(64));
    let o = gameday()
        .args(["run", "--headless", "/nonexistent.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(64));
}

#[test]
fn stdin_lines_become_notes_and_action_items() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let text = scenario(svc, "true", "true", 1, "< 2s");
    let path = write(tmp.path(), "notes.yaml", &text);
    let out = tmp.path().join("runs");
    let mut child = common::spawn(
        gameday()
            .args(["run", "--headless", "--operator", "tester", "--out"])
            .arg(&out)
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "latency looks fine").unwrap();
        writeln!(stdin, "action: add a fallback page").unwrap();
    }
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let j = journal(&run_dir(&out));
    let notes = events(&j, "note");
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["author"], "tester");
    assert_eq!(notes[0]["kind"], "note");
    assert_eq!(notes[0]["text"], "latency looks fine");
    assert_eq!(notes[1]["kind"], "action");
    assert_eq!(notes[1]["text"], "add a fallback page");
}

/// A Prometheus that refuses the range query (the baseline's back-fill) and quotes the
/// credentials it was sent, as real servers and proxies do: gameday logs that warning, so
/// the log has a line the secret would be in. Instant queries answer 1.
fn echoing_prometheus() -> std::net::SocketAddr {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    let range = get(|headers: HeaderMap| async move {
        let sent = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("nothing")
            .to_string();
        (
            StatusCode::BAD_REQUEST,
            serde_json::json!({
                "status": "error",
                "errorType": "bad_data",
                "error": format!("credentials {sent} are not allowed to query ranges"),
            })
            .to_string(),
        )
    });
    let instant = get(|| async {
        let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        serde_json::json!({
            "status": "success",
            "data": { "resultType": "vector", "result": [{ "metric": {}, "value": [now, "1"] }] },
        })
        .to_string()
    });
    serve(
        axum::Router::new()
            .route("/api/v1/query_range", range)
            .route("/api/v1/query", instant),
    )
}

#[test]
fn secrets_never_reach_the_journal_log_or_report() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let prom = echoing_prometheus();
    let secret = "tok-7f3a9c1e5b";
    let text = format!(
        r#"name: e2e-secrets
hypothesis: Secrets stay secret.
prometheus:
  url: http://{prom}
  headers: {{ Authorization: "Bearer ${{FLAG_TOKEN}}" }}
steady_state:
  - name: probe errors
    http: {{ url: "http://{svc}/probe", every: 200ms, timeout: 2s }}
    measure: error_rate
    expect: "< 1%"
  - name: up
    promql: up
faults:
  - name: flag on
    duration: 1s
    http:
      inject: {{ method: GET, url: "http://{svc}/probe", headers: {{ Authorization: "Bearer ${{FLAG_TOKEN}}" }} }}
      revert: {{ method: GET, url: "http://{svc}/probe", headers: {{ X-Api-Key: "literal-key-123" }} }}
  - name: echo it
    duration: 1s
    exec:
      inject: echo "using $SECRET_TOKEN" && echo "again ${{FLAG_TOKEN}}" >&2
      revert: "true"
      env: {{ SECRET_TOKEN: "${{FLAG_TOKEN}}" }}
phases:
  baseline: 1s
  recovery: 1s
"#
    );
    let path = write(tmp.path(), "secrets.yaml", &text);
    let out = tmp.path().join("runs");
    let mut cmd = gameday();
    cmd.env("FLAG_TOKEN", secret).env("GAMEDAY_LOG", "debug");
    let o = cmd
        .args(["run", "--headless", "--operator", "tester", "--out"])
        .arg(&out)
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let so = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{so}");
    let dir = run_dir(&out);
    assert_eq!(
        events(&journal(&dir), "screen").len(),
        2,
        "a screen per trigger"
    );
    for f in ["journal.jsonl", "report.md", "gameday.log"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(!text.contains(secret), "{f} leaks the token:\n{text}");
        assert!(
            !text.contains("literal-key-123"),
            "{f} leaks the literal key:\n{text}"
        );
    }
    assert!(!so.contains(secret), "stdout leaks the token:\n{so}");
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert!(
        journal.contains("${FLAG_TOKEN}"),
        "the scenario text keeps the reference, not the value"
    );
    assert!(
        journal.contains("using ***"),
        "the command's output is kept, the secret in it is not:\n{journal}"
    );
    // the log had the server's answer, credentials and all, to write: it kept the
    // answer, not the secret
    let log = std::fs::read_to_string(dir.join("gameday.log")).unwrap();
    assert!(
        log.contains("back-filling signal")
            && log.contains("credentials Bearer *** are not allowed to query ranges"),
        "{log}"
    );
}

/// A secret that straddles the place where gameday shortens text (the first characters of
/// what a command signal printed, the last of a fault's error) is not written out in part:
/// no eight characters of it reach the journal, the report, the log or standard output.
/// A URL given whole from the environment (`url: ${PROM_URL}`) or by `--prometheus-url`
/// shows none of its credentials in the scenario text: they are read from the value, and
/// reach neither the journal (its run_started record names the URLs), the report, the
/// log nor the terminal; nor does `check`'s quote of such a URL when it is refused.
#[test]
fn credentials_in_urls_from_the_environment_or_the_command_line_stay_out_of_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "name: env-urls\nhypothesis: h\nprometheus:\n  url: ${PROM_URL}\nsteady_state:\n  - name: up\n    promql: up\n    expect: \"> 0\"\n  - name: probe\n    http: { url: \"${PROBE_URL}\", every: 200ms }\n    measure: error_rate\nfaults:\n  - name: f\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\nphases: { baseline: 1s, recovery: 1s }\n";
    let path = write(tmp.path(), "env-urls.yaml", text);
    let secrets = ["promPass-71", "probePass-72", "apiKey-73", "cliPass-74"];
    for (n, cli) in [(1, false), (2, true)] {
        let out = tmp.path().join(format!("runs{n}"));
        let mut cmd = headless(&path, &out, &["--skip-preflight"]);
        cmd.env("PROM_URL", "http://gd:promPass-71@127.0.0.1:1")
            .env(
                "PROBE_URL",
                "http://bob:probePass-72@127.0.0.1:1/p?api_key=apiKey-73",
            );
        if cli {
            cmd.args(["--prometheus-url", "http://gd:cliPass-74@127.0.0.1:1"]);
        }
        let mut child = common::spawn(&mut cmd);
        let o = wait_bounded(&mut child, Duration::from_secs(60));
        let so = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
        // no source answers: a run that watched nothing is NOT RUN or INCONCLUSIVE
        assert!(matches!(o.status.code(), Some(3) | Some(6)), "{so}");
        let dir = run_dir(&out);
        let mut seen = so.clone();
        for f in ["journal.jsonl", "report.md", "gameday.log"] {
            seen.push_str(&std::fs::read_to_string(dir.join(f)).unwrap());
        }
        for s in secrets {
            assert!(!seen.contains(s), "run {n}: `{s}` leaked:\n{seen}");
        }
        // the URLs are still there, masked
        let j = journal(&dir);
        let url = j[0]["prometheus_url"].as_str().unwrap();
        assert_eq!(url, "http://gd:***@127.0.0.1:1", "run {n}");
    }
    // refused with spaces around it: the quote and the fix are not the value whole
    let o = gameday()
        .arg("check")
        .arg(&path)
        .env("PROM_URL", " http://gd:promPass-71@127.0.0.1:9090 ")
        .env("PROBE_URL", "http://127.0.0.1:1/p")
        .output()
        .unwrap();
    let se = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(64), "{se}");
    assert!(se.contains("spaces around it"), "{se}");
    assert!(!se.contains("promPass"), "{se}");
}

#[test]
fn a_secret_cut_short_by_a_shortened_message_is_masked_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
    let text = r#"name: e2e-cut-secrets
hypothesis: Secrets stay secret even cut short.
interval: 250ms
steady_state:
  - name: ok
    command: echo 1
    expect: "< 10"
  - name: chatty
    command: 'echo "the credential is now: $API_TOKEN (end)"'
faults:
  - name: noisy
    duration: 1s
    exec:
      inject: 'echo "error: auth ${API_TOKEN} $(printf "y%.0s" $(seq 1 170))" >&2; exit 1'
      revert: "true"
phases:
  baseline: 1s
  recovery: 1s
"#;
    let path = write(tmp.path(), "cut.yaml", text);
    let out = tmp.path().join("runs");
    let o = gameday()
        .env("API_TOKEN", token)
        .env("GAMEDAY_LOG", "debug")
        .args(["run", "--headless", "--operator", "tester", "--out"])
        .arg(&out)
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let so = stdout(&o);
    assert!(out.exists(), "{so}\n{}", String::from_utf8_lossy(&o.stderr));
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert!(
        !events(&j, "fault_injected").is_empty() && !events(&j, "sample").is_empty(),
        "the run got as far as the fault and the samples:\n{so}"
    );
    let pieces: Vec<&str> = (0..=token.len() - 8).map(|i| &token[i..i + 8]).collect();
    let mut texts = vec![
        ("stdout".to_string(), so.clone()),
        (
            "stderr".into(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
    ];
    for f in ["journal.jsonl", "report.md", "gameday.log"] {
        texts.push((f.to_string(), std::fs::read_to_string(dir.join(f)).unwrap()));
    }
    for (name, text) in &texts {
        for p in &pieces {
            assert!(
                !text.contains(p),
                "{name} holds `{p}` of the token:\n{text}"
            );
        }
    }
}

#[test]
fn sigkill_leaves_the_fault_and_recover_reverts_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("slow");
    let text = scenario(
        svc,
        &format!("touch {}", marker.display()),
        &format!("rm {}", marker.display()),
        60,
        "< 2s",
    );
    let path = write(tmp.path(), "killed.yaml", &text);
    let out = tmp.path().join("runs");
    let mut child = common::spawn(
        gameday()
            .args(["run", "--headless", "--operator", "tester", "--out"])
            .arg(&out)
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "fault never injected"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL: nothing can run
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(marker.exists(), "a SIGKILL leaves the fault in place");
    let dir = run_dir(&out);
    let o = gameday()
        .args(["recover", "--operator", "rescuer"])
        .arg(&dir)
        .output()
        .unwrap();
    let so = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{so}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(so.contains("reverted `break the probe`"), "{so}");
    assert!(!marker.exists(), "recover ran the revert");
    let j = journal(&dir);
    let abort = events(&j, "abort");
    assert_eq!(abort[0]["source"], "recover");
    assert_eq!(abort[0]["by"], "rescuer");
    assert_eq!(
        events(&j, "fault_reverting").last().unwrap()["reason"],
        "recover"
    );
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: e2e-probe — ABORTED"),
        "{report}"
    );
    assert!(!report.contains("REVERT FAILED"), "{report}");
    // the verdict recover wrote is the one the journal's records give
    assert!(!report.contains("VERDICT CHECK FAILED"), "{report}");
    let o = gameday()
        .args(["report", "--recheck"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // a second recover finds nothing to do and changes nothing
    let before = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let o = gameday().arg("recover").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("nothing to do"), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("journal.jsonl")).unwrap(),
        before
    );
}

/// `kill -9` while an exec fault's injection runs: nothing of gameday can act, but the
/// injection's shell dies with it (the parent-death signal) instead of putting the
/// fault in place after `recover` has reverted it; `recover` says the injection has no
/// result.
#[test]
fn sigkill_during_an_injection_takes_the_injection_with_it() {
    let SlowInjection {
        tmp: _tmp,
        marker,
        pid_file,
        out,
        mut child,
    } = SlowInjection::start("rm -f", "killed-injecting.yaml");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // gone, or a zombie waiting for whoever adopted it: not running either way
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
            .unwrap_or(false)
    };
    let start = Instant::now();
    while running() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the injection's shell outlived gameday's kill -9"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = run_dir(&out);
    let o = gameday().arg("recover").arg(&dir).output().unwrap();
    let so = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{so}");
    assert!(
        so.contains("injection has no result in the journal"),
        "{so}"
    );
    assert!(!marker.exists());
}

#[test]
fn a_panic_reverts_the_active_fault_and_writes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("slow");
    let text = scenario(
        svc,
        &format!("touch {}; sleep 0.3", marker.display()),
        &format!("rm {}", marker.display()),
        60,
        "< 2s",
    );
    let path = write(tmp.path(), "crash.yaml", &text);
    let out = tmp.path().join("runs");
    let mut child =
        common::spawn(headless(&path, &out, &[]).env("GAMEDAY_TEST_PANIC", "after-inject"));
    let o = wait_bounded(&mut child, Duration::from_secs(30));
    let (so, se) = (stdout(&o), String::from_utf8_lossy(&o.stderr).into_owned());
    assert_eq!(o.status.code(), Some(2), "{so}\n{se}");
    assert!(se.contains("CRASHED"), "{se}");
    assert!(!marker.exists(), "the crash path reverted the fault");
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert_eq!(events(&j, "abort")[0]["source"], "panic");
    assert_eq!(events(&j, "fault_reverted").last().unwrap()["ok"], true);
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("when gameday crashed"), "{report}");
}

#[test]
fn the_watchdog_reverts_a_fault_while_the_loop_is_stuck() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("slow");
    let injected = tmp.path().join("injected");
    let text = scenario(
        svc,
        &format!("touch {} {}", marker.display(), injected.display()),
        &format!("rm {}", marker.display()),
        1,
        "< 2s",
    );
    let path = write(tmp.path(), "stuck.yaml", &text);
    let out = tmp.path().join("runs");
    // the loop stalls right after it starts the injection, before it journals it, for
    // far longer than the fault's 1 s and the watchdog's 2 s of grace
    let mut child = common::spawn(
        headless(&path, &out, &[])
            .env("GAMEDAY_TEST_STALL", "after-inject")
            .env("GAMEDAY_TEST_STALL_SECS", "25"),
    );
    let limit = Duration::from_secs(60);
    let start = Instant::now();
    while !injected.exists() || marker.exists() {
        assert!(
            start.elapsed() < limit,
            "the fault was never injected, or never reverted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // reverted while the loop was stuck: it has not even journaled the injection yet
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert!(
        !events(&j, "fault_injecting").is_empty() && events(&j, "fault_injected").is_empty(),
        "the loop came back before the fault was reverted: {j:?}"
    );
    let o = wait_bounded(&mut child, limit);
    // the stuck loop took no samples for 25 s: honestly INCONCLUSIVE, never a pass
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let j = journal(&dir);
    let reverted = events(&j, "fault_reverted");
    assert_eq!(reverted.len(), 1, "reverted once, not twice: {reverted:?}");
    assert!(
        reverted[0]["detail"]
            .as_str()
            .unwrap()
            .contains("reverted by the watchdog"),
        "{reverted:?}"
    );
}

#[test]
fn a_run_directory_that_cannot_be_written_refuses_to_start() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("slow");
    let text = scenario(
        svc,
        &format!("touch {}", marker.display()),
        &format!("rm {}", marker.display()),
        1,
        "< 2s",
    );
    let path = write(tmp.path(), "nowhere.yaml", &text);
    // /proc refuses new directories even to root: a run there cannot be journaled
    let o = gameday()
        .args(["run", "--headless", "--out", "/proc/gameday-runs"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let se = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(64), "{se}");
    assert!(
        se.contains("cannot create the run directory /proc/gameday-runs"),
        "{se}"
    );
    assert!(!marker.exists(), "nothing was injected");
}

/// A tmpfs of a few kilobytes for the run directory, unmounted on every way out.
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(path: &std::path::Path, size: &str) -> TinyDisk {
        std::fs::create_dir_all(path).unwrap();
        let o = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "this test mounts a tiny tmpfs and needs root: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        TinyDisk(path.to_path_buf())
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_disk_that_fills_up_mid_fault_pulls_the_kill_switch() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("marker");
    let disk = TinyDisk::mount(&tmp.path().join("disk"), "8k");
    let text = format!(
        r#"name: full-disk
hypothesis: A full disk never leaves a fault behind.
interval: 100ms
steady_state:
  - name: ok
    command: echo 0
    expect: "< 1"
faults:
  - name: marker
    duration: 5m
    exec: {{ inject: touch {m}, revert: rm {m} }}
phases: {{ baseline: 1s, recovery: 1s }}
"#,
        m = marker.display()
    );
    let path = write(tmp.path(), "full.yaml", &text);
    let mut child = common::spawn(&mut headless(&path, &disk.0, &[]));
    let o = wait_bounded(&mut child, Duration::from_secs(90));
    let so = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{so}");
    assert!(
        so.contains("No space left on device") && so.contains("pulling the kill switch"),
        "{so}"
    );
    assert!(
        !marker.exists(),
        "the fault was reverted although nothing more could be journaled"
    );
}

/// A CI job whose standard output nobody reads: the pipe is full before gameday prints
/// its first line (the test fills it to its capacity, then never reads until the end),
/// and the run must go on sampling and still hear the kill switch (printing is not the
/// loop's business).
#[test]
fn a_full_stdout_pipe_stalls_neither_the_samples_nor_the_kill_switch() {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let slow = tmp.path().join("slow");
    let mut signals = String::new();
    // long names: long lines
    let pad = "x".repeat(100);
    for i in 0..8 {
        signals.push_str(&format!(
            "  - name: probe errors {i} {pad}\n    http: {{ url: \"http://{svc}/probe\", every: 20ms, timeout: 2s }}\n    measure: error_rate\n    expect: \"< 50%\"\n"
        ));
    }
    let text = format!(
        "name: full-pipe\nhypothesis: Printing never holds up the run.\ninterval: 50ms\nsteady_state:\n{signals}faults:\n  - name: marker\n    duration: 60s\n    exec:\n      inject: touch {s}\n      revert: rm -f {s}\nphases:\n  baseline: 1s\n  recovery: 1s\n",
        s = slow.display()
    );
    let path = write(tmp.path(), "full-pipe.yaml", &text);
    let out = tmp.path().join("runs");
    // a pipe filled to its capacity: one write of exactly that many bytes fits, and
    // leaves no room for a single byte of gameday's
    let (rd, wr) = nix::unistd::pipe().unwrap();
    let capacity =
        nix::fcntl::fcntl(wr.as_raw_fd(), nix::fcntl::FcntlArg::F_GETPIPE_SZ).unwrap() as usize;
    let mut wr = std::fs::File::from(wr);
    wr.write_all(&vec![b'#'; capacity]).unwrap();
    let mut child = common::spawn(headless(&path, &out, &["--verbose"]).stdout(Stdio::from(wr)));
    let limit = Duration::from_secs(60);
    let dir = wait_for_event(&out, "fault_injected", limit);
    assert!(slow.exists(), "the fault is in place");
    // sampling goes on: the journal grows (bounded wait; the rate is not measured)
    let lines = || {
        std::fs::read_to_string(dir.join("journal.jsonl"))
            .unwrap()
            .lines()
            .count()
    };
    let at_injection = lines();
    let start = Instant::now();
    while lines() < at_injection + 50 {
        assert!(
            start.elapsed() < limit,
            "sampling stopped with nobody reading stdout ({at_injection} → {} lines)",
            lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let start = Instant::now();
    while slow.exists() {
        assert!(
            start.elapsed() < limit,
            "SIGTERM did not revert the fault while stdout was full"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = wait_bounded(&mut child, limit);
    assert_eq!(o.status.code(), Some(2));
    let j = journal(&dir);
    assert_eq!(events(&j, "abort")[0]["detail"], "SIGTERM");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED");
    assert_eq!(j.last().unwrap()["type"], "run_ended");
    assert!(dir.join("report.md").exists());
    // the pipe was full all along: nothing of gameday's got in
    let mut printed = Vec::new();
    std::fs::File::from(rd).read_to_end(&mut printed).unwrap();
    assert_eq!(printed.len(), capacity, "only the test's own bytes");
    assert!(printed.iter().all(|b| *b == b'#'));
}

#[test]
fn a_milestone_command_on_stdin_is_journaled_once_and_timed_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let text = scenario(svc, "true", "true", 3, "< 2s")
        + "milestones:\n  - name: detected\n    within: 1m\n  - mitigated\n";
    let path = write(tmp.path(), "milestones.yaml", &text);
    let out = tmp.path().join("runs");
    let mut child = common::spawn(
        gameday()
            .args(["run", "--headless", "--operator", "tester", "--out"])
            .arg(&out)
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut stdin = child.stdin.take().unwrap();
    {
        use std::io::Write;
        // before the trigger: refused, nothing journaled
        writeln!(stdin, "/milestone detected").unwrap();
        wait_for_event(&out, "fault_injecting", Duration::from_secs(30));
        writeln!(stdin, "/milestone detected").unwrap();
        writeln!(stdin, "/milestone detected").unwrap();
        writeln!(stdin, "/milestone nope").unwrap();
        writeln!(stdin, "/milestones are a note").unwrap();
    }
    drop(stdin);
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let printed = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{printed}");
    assert!(
        printed.contains("refused: nothing has been triggered yet"),
        "{printed}"
    );
    assert!(
        printed.contains("milestone `detected` marked by tester (target 1m)"),
        "{printed}"
    );
    assert!(
        printed.contains("refused: `detected` was marked already, by tester at T+"),
        "{printed}"
    );
    assert!(
        printed.contains("refused: no milestone `nope` in this scenario"),
        "{printed}"
    );
    let dir = run_dir(&out);
    let j = journal(&dir);
    let marks = events(&j, "milestone");
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0]["name"], "detected");
    assert_eq!(marks[0]["author"], "tester");
    assert_eq!(events(&j, "note")[0]["text"], "/milestones are a note");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let row = report
        .lines()
        .find(|l| l.starts_with("| detected | 1 min | T+00:0"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        row.contains("| tester |") && row.ends_with("| ✓ met |"),
        "{row}"
    );
    assert!(
        report.contains("| mitigated | — | not marked | — | — | not marked |"),
        "{report}"
    );
    // `gameday report` writes it again, byte for byte, and the recheck agrees
    let again = gameday().arg("report").arg(&dir).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        report
    );
    let recheck = gameday()
        .args(["report", "--recheck"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(recheck.status.code(), Some(0), "{}", stdout(&recheck));
}
