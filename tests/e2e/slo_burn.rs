//! `gameday new --template slo-burn` judged for real: the template, written by the real
//! binary and adapted only where it says CHANGE (plus its windows and metric names from
//! the environment, as its comments say), runs headless against the shop of the
//! real-server tests and a real Prometheus scraping it every second. With the fallback
//! to PostgreSQL, stopping Redis burns almost no error budget: CONFIRMED, with data from
//! every query. Without it, the shop answers 503 and the fast burn trips the guardrail:
//! ABORTED, the values agreeing with the error ratio Prometheus gives for the same
//! windows, asked another way.

use crate::common::{events, journal, run_dir};
use crate::real_servers::{one_stack_at_a_time, prometheus_at, Stack};

use std::path::Path;
use std::process::Command;

/// The template's windows divided by 15 again, for a Prometheus that scrapes every
/// second and a game day of seconds; the shop's counter and labels.
const ENV: &[(&str, &str)] = &[
    ("SLO_SELECTOR", r#"job="shop",app="api""#),
    ("SLO_FAST_LONG", "20s"),
    ("SLO_FAST_SHORT", "5s"),
    ("SLO_SLOW_LONG", "60s"),
    ("SLO_SLOW_SHORT", "10s"),
];

fn gameday(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .current_dir(dir)
        .envs(ENV.iter().copied())
        .env_remove("PROMETHEUS_URL")
        .output()
        .unwrap()
}

/// What an engineer does to the fresh template for the shop: the lines marked CHANGE
/// (each replacement must find its line, so a changed template fails here, not later)
/// and the sampling and phases for a game day of seconds.
fn adapt(text: &str) -> String {
    let mut text = text.to_string();
    for (from, to) in [
        (
            "description: my-dependency fails for 2 minutes; my-service does not burn its error budget.",
            "description: Redis stops; the shop's reads fall back to PostgreSQL.",
        ),
        ("owner: my-team", "owner: tester"),
        (
            "If my-dependency fails for 2 minutes, my-service's error-budget burn",
            "If Redis stops for 10 seconds, the shop's error-budget burn",
        ),
        ("from its fallback instead", "from PostgreSQL instead"),
        ("  interval: 5s\n", "  interval: 1s\n  timeout: 2s\n"),
        ("- name: my-dependency down", "- name: stop redis"),
        ("duration: 2m ", "duration: 10s"),
        (
            "inject: systemctl stop my-dependency",
            "inject: redis-cli -h 127.0.0.1 -p ${REDIS_PORT:-56379} shutdown nosave",
        ),
        (
            "revert: systemctl start my-dependency",
            "revert: ${GAMEDAY_SCRIPTS:-scripts}/servers start-redis ${LOCAL_STATE:-/tmp/gameday-local} ${REDIS_PORT:-56379}",
        ),
        ("baseline: 1m ", "baseline: 8s"),
        ("recovery: 3m ", "recovery: 15s"),
    ] {
        assert!(text.contains(from), "the template has no `{from}`:\n{text}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// The values of `signal` sampled live (not back-filled): (time, value or None).
fn samples(j: &[serde_json::Value], signal: &str) -> Vec<(String, Option<f64>)> {
    events(j, "sample")
        .into_iter()
        .filter(|s| s["signal"] == signal && s.get("at").is_none())
        .map(|s| (s["ts"].as_str().unwrap().to_string(), s["value"].as_f64()))
        .collect()
}

fn at(ts: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(ts).unwrap()
}

fn first_ts(j: &[serde_json::Value], kind: &str) -> String {
    events(j, kind)[0]["ts"].as_str().unwrap().to_string()
}

/// The fast burn asked of Prometheus another way: the share of 5xx answers counted
/// directly (not as 1 - good/all) over each window, the smaller of the two, divided by
/// the 0.1 % budget.
fn fast_burn_at(prom: &str, ts: &str) -> Option<f64> {
    let ratio = |w: &str| {
        prometheus_at(
            prom,
            &format!(
                r#"sum(rate(http_requests_total{{job="shop",code=~"5.."}}[{w}])) / sum(rate(http_requests_total{{job="shop"}}[{w}]))"#
            ),
            ts,
        )
    };
    Some(ratio("20s")?.min(ratio("5s")?) / 0.001)
}

#[test]
fn slo_burn_template_on_real_servers() {
    let _one = one_stack_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let new = gameday(tmp.path(), &["new", "shop-slo", "--template", "slo-burn"]);
    assert_eq!(new.status.code(), Some(0), "{new:?}");
    let scenario = tmp.path().join("shop-slo.yaml");
    let text = adapt(&std::fs::read_to_string(&scenario).unwrap());
    std::fs::write(&scenario, &text).unwrap();
    // a game day now: valid, and no placeholder left (the selector's came from the env)
    let check = gameday(tmp.path(), &["check", "shop-slo.yaml"]);
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert_eq!(check.status.code(), Some(0), "{said}");
    assert!(!said.contains("warning"), "{said}");

    let stack = Stack::start();

    // 1. With the fallback: a few errors at most while Redis is away, far under both
    //    thresholds; CONFIRMED, and every query answered with a value.
    let out = tmp.path().join("fallback");
    let (code, so) = stack.run_env(&scenario, &out, &[], ENV);
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert_eq!(code, 0, "{so}");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "CONFIRMED", "{so}");
    assert!(stack.redis_up(), "the revert started Redis again");
    for (signal, threshold) in [("fast burn", 14.4), ("slow burn", 6.0)] {
        let s = samples(&j, signal);
        let values = s.iter().filter(|(_, v)| v.is_some()).count();
        assert!(
            values >= 15 && values * 10 >= s.len() * 8,
            "{signal}: {values} values in {} samples: {so}",
            s.len()
        );
        assert!(
            s.iter()
                .filter_map(|(_, v)| *v)
                .all(|v| (0.0..threshold).contains(&v)),
            "{signal}: {s:?}"
        );
    }
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let row = report
        .lines()
        .find(|l| l.starts_with("| slow burn |"))
        .expect(&report);
    assert!(row.contains("held"), "{row}");

    // 1b. The SLO written as a percentage (99.9, not 0.999) leaves no budget: the burn
    //     rates are +Inf or NaN, never a negative number that holds every expectation,
    //     so the run cannot come out green.
    let mut wrong: Vec<(&str, &str)> = ENV.to_vec();
    wrong.push(("SLO_OBJECTIVE", "99.9"));
    let out = tmp.path().join("percent");
    let (code, so) = stack.run_env(&scenario, &out, &[], &wrong);
    assert_ne!(code, 0, "an objective of 99.9 is never CONFIRMED: {so}");
    if out.exists() {
        let j = journal(&run_dir(&out));
        assert_ne!(
            events(&j, "verdict").first().map(|v| v["verdict"].clone()),
            Some(serde_json::json!("CONFIRMED")),
            "{so}"
        );
        for signal in ["fast burn", "slow burn"] {
            assert!(
                samples(&j, signal)
                    .iter()
                    .filter_map(|(_, v)| *v)
                    .all(|v| v.is_infinite() || v >= 0.0),
                "{signal}: a negative burn rate: {so}"
            );
        }
    }

    // 2. Without the fallback every read fails while Redis is away: a burn rate near
    //    1000, far over 14.4, so the guardrail pulls the kill switch and Redis is back.
    let mut stack = stack;
    stack.start_shop(true);
    stack.wait_for_data();
    let out = tmp.path().join("no-fallback");
    let (code, so) = stack.run_env(&scenario, &out, &[], ENV);
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert_eq!(code, 2, "ABORTED: {so}");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED", "{so}");
    let tripped = events(&j, "guardrail_tripped");
    assert_eq!(tripped.len(), 1, "{so}");
    assert_eq!(tripped[0]["signal"], "fast burn");
    assert_eq!(tripped[0]["criterion"], "> 14.4");
    assert!(
        tripped[0]["value"].as_f64().unwrap() > 14.4,
        "{}",
        tripped[0]
    );
    assert!(
        stack.redis_up(),
        "the kill switch's revert started Redis again"
    );
    // before the trigger the budget was not burning; the fault is what drove it up
    let trigger = first_ts(&j, "fault_injecting");
    let fast = samples(&j, "fast burn");
    let before: Vec<f64> = fast
        .iter()
        .filter(|(ts, _)| at(ts) < at(&trigger))
        .filter_map(|(_, v)| *v)
        .collect();
    assert!(
        before.len() >= 3 && before.iter().all(|v| *v < 6.0),
        "{before:?}"
    );
    // and the values are Prometheus's own, asked another way at the same moments
    let valued: Vec<(String, f64)> = fast
        .iter()
        .filter_map(|(ts, v)| v.map(|v| (ts.clone(), v)))
        .collect();
    let agree = valued
        .iter()
        .filter(|(ts, ours)| {
            fast_burn_at(&stack.prom_url(), ts)
                .is_some_and(|theirs| (ours - theirs).abs() <= 0.05 * ours.max(theirs) + 0.05)
        })
        .count();
    assert!(
        agree * 10 >= valued.len() * 8,
        "only {agree} of {} fast-burn values agree with Prometheus",
        valued.len()
    );
}
