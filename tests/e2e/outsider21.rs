//! Issue 21's outside tester's findings, through the real binary: a source that accepts
//! connections and never answers is refused like a dead one; a run ended by the kill
//! switch before any trigger says so, with its exit code, in order.

use crate::common;

use std::time::Duration;

use common::*;

/// Finding 4: connected, then silence, with probes that would wait 20 s and a Prometheus
/// that would wait 10 s. Such a source gives the baseline nothing, so the preflight
/// refuses the run (exit 69) and says where each URL comes from.
#[test]
fn a_source_that_connects_but_never_answers_is_refused_with_the_fix() {
    let silent = Silent::start();
    let port = silent.port;
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(
        tmp.path(),
        "hang.yaml",
        &crate::preflight::long_baseline(
            &format!(
                r#"  - name: web
    http: {{ url: "http://127.0.0.1:{port}/", every: 1s, timeout: 20s }}
    measure: error_rate
    expect: "< 1%"
  - name: errors
    promql: sum(rate(http_requests_total[1m]))
    expect: "< 1"
"#
            ),
            &format!("prometheus:\n  url: http://127.0.0.1:{port}\n  timeout: 10s\n"),
        ),
    );
    let out = tmp.path().join("runs");
    let o = run_headless(&scenario, &out, &[], Duration::from_secs(90));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(69), "{so}\n{se}");
    let lines: Vec<&str> = so.lines().collect();
    let after = |needle: &str| -> (String, String) {
        let i = lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle}:\n{so}"));
        (
            lines[i].to_string(),
            lines.get(i + 1).unwrap_or(&"").to_string(),
        )
    };
    let (web, web_fix) = after("http signal `web`");
    assert!(web.trim_start().starts_with("FAILED"), "{web}");
    assert!(web.contains("connected, but no answer within 4 s"), "{web}");
    assert!(
        web_fix.trim_start().starts_with("fix: ")
            && web_fix.contains(&format!("port {port} of 127.0.0.1"))
            && web_fix.contains(&format!(
                "steady_state[0].http.url at {}:8:",
                scenario.display()
            )),
        "{web_fix}"
    );
    let (prom, prom_fix) = after("the query of `errors`");
    assert!(prom.trim_start().starts_with("FAILED"), "{prom}");
    assert!(prom.contains("no answer within 4 s"), "{prom}");
    assert!(
        prom_fix.trim_start().starts_with("fix: ")
            && prom_fix.contains(&format!("prometheus.url at {}:4:", scenario.display())),
        "{prom_fix}"
    );
    assert_refused_before_the_run(&se, &out);
}

/// Findings 6 and 12: SIGTERM during the baseline is the kill switch before any trigger:
/// ABORTED, exit 2, as README's table and the man page say; and `phase DONE` is the last
/// thing headless prints (the screen kept for the report is not announced after it).
#[test]
fn sigterm_in_the_baseline_is_aborted_exit_2_and_done_is_the_last_line() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(
        tmp.path(),
        "long.yaml",
        r#"name: long
hypothesis: The counter stays low while nothing is done.
interval: 250ms
steady_state:
  - name: counter
    command: "echo 1"
    unit: count
    expect: "< 100"
faults:
  - name: noop
    duration: 2s
    exec: { inject: "true", revert: "true" }
phases:
  baseline: 10m
  recovery: 3s
"#,
    );
    let out = tmp.path().join("runs");
    let mut child = common::spawn(&mut headless(&scenario, &out, &[]));
    let dir = wait_for_event(&out, "sample", Duration::from_secs(60));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{so}\n{se}");
    assert!(
        so.contains("ABORTED") && so.contains("the run was aborted before any fault was triggered"),
        "{so}"
    );
    let done = so
        .lines()
        .position(|l| l.contains("phase DONE"))
        .unwrap_or_else(|| panic!("{so}"));
    let after: Vec<&str> = so.lines().skip(done + 1).collect();
    assert!(
        !after.iter().any(|l| l.contains("kept for the report")),
        "nothing about the run's screens after DONE:\n{so}"
    );
    // still kept for the report
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"moment\":\"abort\""), "{journal}");
}
