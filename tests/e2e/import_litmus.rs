//! `gameday import litmus`: each ChaosEngine in tests/fixtures/litmus/ (real, public
//! engines; SOURCES.md says where each comes from) becomes exactly its `.expected`
//! scenario, which `gameday check` accepts; what differs from the engine is listed at
//! the top and on standard error; each case of issue 18 behaves like the engine or has
//! its difference named; hostile engines cannot steer the output (issue 14, case 6).
//! `UPDATE_EXPECTED=1 cargo test --test e2e import_litmus::` rewrites the `.expected` files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use gameday::scenario::*;
use gameday::yaml::{parse_yaml, Node, Value};

const DIR: &str = "tests/fixtures/litmus";

fn gameday_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .current_dir(dir)
        .env_remove("PROMETHEUS_URL")
        .output()
        .unwrap()
}

fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 20, "{v:?}");
    v
}

/// The import of `name`: standard output, the not-mapped lines of standard error.
fn import(name: &str) -> (String, Vec<String>) {
    let out = gameday_in(Path::new(DIR), &["import", "litmus", name]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let notes = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("gameday import litmus: not mapped: "))
        .map(str::to_string)
        .collect();
    (String::from_utf8(out.stdout).unwrap(), notes)
}

fn parse(text: &str) -> Scenario {
    let env = |_: &str| None;
    parse_str(text, "x.yaml", Path::new("."), &env).unwrap_or_else(|p| {
        panic!(
            "{}\n{text}",
            p.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn signal<'a>(s: &'a Scenario, name: &str) -> &'a Signal {
    s.steady_state
        .iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no signal {name}"))
}

fn pod_delete(s: &Scenario, i: usize) -> &PodDelete {
    match &s.faults[i].kind {
        FaultKind::PodDelete(pd) => pd,
        other => panic!("not pod_delete: {other:?}"),
    }
}

fn noted<'a>(notes: &'a [String], needle: &str) -> &'a str {
    notes
        .iter()
        .find(|n| n.contains(needle))
        .unwrap_or_else(|| panic!("no note with `{needle}` in:\n{}", notes.join("\n")))
}

/// The line of `text` holding `needle`.
fn line_of<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with `{needle}` in:\n{text}"))
}

#[test]
fn each_chaos_engine_becomes_its_expected_scenario_and_passes_check() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let sources = fs::read_to_string(Path::new(DIR).join("SOURCES.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for input in inputs() {
        let name = input.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} is not in SOURCES.md"
        );
        let out = gameday_in(Path::new(DIR), &["import", "litmus", &name]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let expected_path = input.with_extension("expected");
        if update {
            fs::write(&expected_path, &text).unwrap();
        } else {
            assert_eq!(
                text,
                fs::read_to_string(&expected_path).unwrap_or_default(),
                "{name}"
            );
        }
        // What is listed at the top is what is printed on standard error.
        let stderr = String::from_utf8(out.stderr).unwrap();
        let listed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("#   - "))
            .collect();
        let printed: Vec<&str> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("gameday import litmus: not mapped: "))
            .collect();
        assert_eq!(listed, printed, "{name}");
        assert_eq!(printed.len(), stderr.lines().count(), "{name}: {stderr}");
        assert!(text
            .starts_with("# yaml-language-server: $schema=../../../assets/scenario.schema.json\n"));
        let written = tmp.path().join(&name);
        fs::write(&written, &text).unwrap();
        let c = gameday_in(tmp.path(), &["check", &name]);
        let stdout = String::from_utf8_lossy(&c.stdout);
        assert_eq!(c.status.code(), Some(0), "{name}: {stdout}");
        for l in stdout.lines().skip(1) {
            assert!(l.contains(": warning: "), "{name}: {l}");
        }
    }
}

/// Issue 18, case 1: Litmus 1.0 keeps the env as the list under `components`, and a value
/// the engine does not set is marked as a default, never as the engine's.
#[test]
fn case1_the_litmus_1_components_list_is_read_like_env() {
    let (text, notes) = import("litmus1-components-list.yaml");
    let s = parse(&text);
    assert!(!pod_delete(&s, 0).force, "FORCE: 'false' in the engine");
    assert_eq!(
        line_of(&text, "force:").trim(),
        "force: false  # FORCE=false"
    );
    let duration = line_of(&text, "duration:");
    assert!(
        duration.contains("TOTAL_CHAOS_DURATION not set: the pod-delete ChaosExperiment's default"),
        "{duration}"
    );
    assert!(
        !text.contains("TOTAL_CHAOS_DURATION="),
        "no value came from the engine"
    );
    noted(
        &notes,
        "not set in the engine: Litmus takes them from the pod-delete ChaosExperiment",
    );

    let (text, _) = import("litmus1-docs-pod-delete.yaml");
    let s = parse(&text);
    assert_eq!(s.faults[0].duration, Duration::from_secs(30));
    let pd = pod_delete(&s, 0);
    assert_eq!(pd.interval, Some(Duration::from_secs(10)));
    assert!(!pd.force);
    assert_eq!(
        line_of(&text, "duration:").trim(),
        "duration: 30s  # TOTAL_CHAOS_DURATION=30"
    );
}

/// Case 2: `stopOnFailure: true` halts the chaos in Litmus; here it is a guardrail.
#[test]
fn case2_stop_on_failure_becomes_an_abort_guardrail() {
    let (text, notes) = import("docs-stop-on-failure.yaml");
    let s = parse(&text);
    let sig = signal(&s, "check-frontend-access-url");
    let abort = sig.abort.as_ref().expect("an abort guardrail");
    assert_eq!((abort.op, abort.value), (Op::Gt, 0.0));
    // as long as Litmus 2's re-checks (retry 1: 2 attempts of checks 2s apart until
    // probeTimeout 5s, so 6 checks over 10s), not the 40 s `tolerate`, which would
    // outlast the 15 s fault and never fire
    assert_eq!(abort.for_, Some(Duration::from_secs(10)));
    assert!(s.faults[0].duration < sig.tolerate);
    assert!(line_of(&text, "abort:").contains("stopOnFailure"));
    assert!(noted(&notes, "runProperties.stopOnFailure: true")
        .contains("even one Litmus's re-check would have forgiven"));
    // a promql guardrail waits exactly as long as Litmus 2's re-checks (retry 1: two
    // attempts of one check each, probeTimeout 5s and interval 5s)
    let engine = fs::read_to_string(Path::new(DIR).join("two-prometheus-endpoints.yaml"))
        .unwrap()
        .replacen(
            "          retry: 1\n",
            "          retry: 1\n          stopOnFailure: true\n",
            1,
        );
    let out = gameday::import::litmus::convert(&engine, "e.yaml", "").unwrap();
    let a = parse(&out.text).steady_state[0]
        .abort
        .clone()
        .expect("a guardrail");
    assert_eq!(
        (a.op, a.value, a.for_),
        (Op::Ne, 0.0, Some(Duration::from_secs(5)))
    );
    // without it, no guardrail
    let (text, _) = import("docs-probe-modes.yaml");
    assert!(parse(&text).steady_state[0].abort.is_none());
}

/// Case 3: SOT, EOT and Edge probes are watched, never judged as continuous expectations;
/// Continuous and OnChaos are judged, with the window difference named.
#[test]
fn case3_probe_modes_keep_their_meaning_or_are_named() {
    let (text, notes) = import("docs-probe-modes-all.yaml");
    let s = parse(&text);
    for kind in ["http", "prom"] {
        for mode in ["sot", "eot", "edge"] {
            let name = format!("{kind}-{mode}");
            assert!(signal(&s, &name).expect.is_none(), "{name}");
            let n = noted(&notes, &format!("`{name}`: mode "));
            assert!(n.contains("only watches it"), "{n}");
        }
        for mode in ["continuous", "onchaos"] {
            let name = format!("{kind}-{mode}");
            assert!(signal(&s, &name).expect.is_some(), "{name}");
            let n = noted(&notes, &format!("`{name}`: mode "));
            assert!(n.contains("to the end of the recovery phase"), "{n}");
        }
    }
    assert!(noted(&notes, "`http-onchaos`: mode OnChaos").contains("only while the chaos lasted"));
    assert!(noted(&notes, "`http-sot`: mode SOT").contains("once before the chaos"));
    assert!(noted(&notes, "`prom-edge`: mode Edge").contains("once before and once after"));
    // the Edge promProbe of the docs, alone
    let (text, notes) = import("docs-prom-probe-edge.yaml");
    assert!(parse(&text).steady_state[0].expect.is_none());
    assert!(noted(&notes, "mode Edge").contains("`== 0`"));
}

/// Case 4: `probePollingInterval` is the sampling period, `retry` × `interval` a
/// tolerance, `initialDelaySeconds` named.
#[test]
fn case4_probe_timing_comes_from_the_right_fields() {
    let (text, notes) = import("docs-run-properties-initial-delay.yaml");
    let s = parse(&text);
    let sig = &s.steady_state[0];
    assert_eq!(sig.interval, Duration::from_secs(2), "probePollingInterval");
    // Litmus 2's retry 1: 6 checks 2s apart (10 s), and the 30 s a failed probe stays
    // in the error rate
    assert_eq!(sig.tolerate, Duration::from_secs(40));
    assert!(
        matches!(sig.source, SignalSource::Http { timeout, .. } if timeout == Duration::from_secs(2))
    );
    assert!(noted(&notes, "mode Continuous").contains("starting 30s late (initialDelay)"));
    noted(
        &notes,
        "runProperties.retry=1: Litmus 2 (runProperties `initialDelaySeconds`) made 2 attempts",
    );
    // a Litmus 3 engine (durations with units): retry 1 is one check in all, nothing
    // forgiven
    let (text, _) = import("pod-delete-probes.yaml");
    let s = parse(&text);
    assert_eq!(signal(&s, "api-error-ratio").tolerate, Duration::ZERO);
    // `interval` (between retries) is not the sampling period
    let http = signal(&s, "read-endpoint");
    assert_eq!(
        http.interval,
        Duration::from_secs(5),
        "gameday's default, not interval: 2s"
    );
    assert!(line_of(&text, "# every: not set").contains("gameday's default"));
    // a key in the wrong case is named, not silently read or dropped
    let (text, notes) = import("docs-initial-delay-seconds.yaml");
    assert!(noted(&notes, "RunProperties").contains("Litmus's field is spelt `runProperties`"));
    assert_eq!(parse(&text).steady_state[0].tolerate, Duration::ZERO);
}

/// Case 5: skipping TLS checks.
#[test]
fn case5_tls_skip_is_mapped_for_prometheus_and_named_for_http() {
    let (_, notes) = import("docs-http-insecure-skip-verify.yaml");
    assert!(noted(&notes, "insecureSkipVerify: true").contains("always verify certificates"));
    let (text, _) = import("harness-prom-probe-tls-skip.yaml");
    let s = parse(&text);
    let p = s.prometheus.as_ref().unwrap();
    assert!(p.tls.insecure_skip_verify);
    assert_eq!(p.url, "https://prometheus-server.harness.io");
    assert_eq!(p.timeout, Duration::from_secs(5), "probeTimeout: 5s");
}

/// Case 6: a union of labels never becomes an AND in silence; a second target and the
/// kind are named.
#[test]
fn case6_litmus_3_targets() {
    let (text, notes) = import("litmus3-targets-union.yaml");
    let s = parse(&text);
    let pd = pod_delete(&s, 0);
    assert_eq!(pd.selector, "app=nginx", "never app=nginx,tier=frontend");
    assert!(noted(&notes, "ANY of app=nginx, tier=frontend").contains("(a union)"));
    noted(&notes, "target 2 (`statefulset:cache:[app=redis]`)");
    noted(&notes, "TARGETS kind `deployment`");
    let panels: Vec<(&str, Option<&str>)> = s
        .pods
        .iter()
        .map(|p| (p.selector.as_str(), p.namespace.as_deref()))
        .collect();
    assert_eq!(
        panels,
        vec![
            ("app=nginx", None),
            ("tier=frontend", None),
            ("app=redis", Some("cache"))
        ]
    );
    assert_eq!(
        s.kubernetes.as_ref().unwrap().namespace.as_deref(),
        Some("default")
    );

    let (text, _) = import("litmus3-targets-same-key.yaml");
    let s = parse(&text);
    assert_eq!(pod_delete(&s, 0).selector, "app in (nginx, frontend)");
    assert_eq!(pod_delete(&s, 1).selector, "app=postgres,role=primary");
    assert_eq!(pod_delete(&s, 1).namespace.as_deref(), Some("prod"));
    assert_eq!(
        s.safety.namespaces,
        vec!["default".to_string(), "prod".to_string()]
    );

    let (text, notes) = import("litmus3-targets-names.yaml");
    assert_eq!(pod_delete(&parse(&text), 0).selector, "app=change-me");
    noted(&notes, "`nginx-1,nginx-2` by name");
}

/// Case 7: `== 200` and gameday's "status ≥ 400 fails" differ for 2xx and 3xx.
#[test]
fn case7_get_200_and_status_below_400_differ_and_say_so() {
    let (text, notes) = import("docs-probe-modes.yaml");
    let e = parse(&text).steady_state[0].expect.clone().unwrap();
    assert_eq!((e.op, e.value), (Op::Eq, 0.0));
    assert!(noted(&notes, "responseCode == 200").contains("a 204 or a 301 too"));
}

/// Case 8: a probe under `components` and a second Prometheus are named.
#[test]
fn case8_misplaced_probes_and_a_second_prometheus_are_named() {
    let (text, notes) = import("probe-under-components.yaml");
    assert!(parse(&text).steady_state.is_empty());
    assert!(noted(&notes, "components.probe (`check-frontend-access-url`)").contains("never ran"));

    let (text, notes) = import("two-prometheus-endpoints.yaml");
    let s = parse(&text);
    assert_eq!(s.steady_state.len(), 1);
    assert_eq!(
        s.prometheus.unwrap().url,
        "http://prometheus.monitoring.svc:9090"
    );
    assert!(noted(&notes, "thanos-query").contains("is a second Prometheus"));
}

/// Case 9: `check` warns, and `run` refuses with the same words, a scenario that can do
/// nothing or holds a placeholder.
#[test]
fn case9_check_warns_and_run_refuses_what_cannot_be_a_game_day() {
    let tmp = tempfile::tempdir().unwrap();
    for (engine, warning) in [
        (
            "chaos-charts-3x-pod-delete.yaml",
            ": warning: faults[0].pod_delete.selector: `change-me` is a placeholder left by `gameday import litmus`",
        ),
        ("litmus1-kafka-broker-pod-failure.yaml", ": warning: no faults:"),
        ("litmus1-kafka-broker-pod-failure.yaml", ": warning: no steady_state signals:"),
        ("chaos-charts-pod-delete.yaml", ": warning: hypothesis: `CHANGE-ME`"),
    ] {
        let (text, _) = import(engine);
        let file = tmp.path().join(engine);
        fs::write(&file, &text).unwrap();
        let c = gameday_in(tmp.path(), &["check", engine]);
        assert_eq!(c.status.code(), Some(0), "{engine}");
        let stdout = String::from_utf8(c.stdout).unwrap();
        let line = line_of(&stdout, warning).to_string();
        assert!(line.starts_with(&format!("{engine}:")), "{line}");
        let r = gameday_in(tmp.path(), &["run", "--headless", "--out", "runs", engine]);
        assert_eq!(r.status.code(), Some(64), "{engine}");
        let stderr = String::from_utf8(r.stderr).unwrap();
        assert!(stderr.contains(&line), "{engine}: the same words:\n{stderr}");
        assert!(stderr.contains("gameday: not running"), "{stderr}");
        assert!(!tmp.path().join("runs").exists(), "nothing was run");
    }
}

/// Finding 2 of the outside review: a scenario whose signals are all only watched, with
/// no expected alert, can never be refuted, so a run about a dead service would say
/// CONFIRMED. `check` warns and `run` refuses it with the same words: written by hand,
/// and imported from an engine whose probes only check before and after the chaos.
#[test]
fn a_scenario_that_judges_nothing_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let by_hand = "name: watch-only\nhypothesis: The service survives.\nsteady_state:\n  - name: errors\n    command: echo 100\nfaults:\n  - name: nothing\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\nphases: { baseline: 1s, recovery: 1s }\n";
    fs::write(tmp.path().join("by-hand.yaml"), by_hand).unwrap();
    let (imported, notes) = import("sot-eot-only.yaml");
    assert!(parse(&imported)
        .steady_state
        .iter()
        .all(|s| s.expect.is_none()));
    noted(&notes, "`check-frontend-access-url`: mode SOT");
    fs::write(tmp.path().join("imported.yaml"), &imported).unwrap();
    for (file, line) in [("by-hand.yaml", 3), ("imported.yaml", 0)] {
        let c = gameday_in(tmp.path(), &["check", file]);
        assert_eq!(c.status.code(), Some(0), "{file}");
        let stdout = String::from_utf8(c.stdout).unwrap();
        let warning = line_of(
            &stdout,
            ": warning: nothing is judged: no signal has an `expect` and no alert is expected",
        )
        .to_string();
        assert!(warning.starts_with(&format!("{file}:")), "{warning}");
        if line > 0 {
            assert!(
                warning.starts_with(&format!("{file}:{line}:1: ")),
                "{warning}"
            );
        }
        let r = gameday_in(tmp.path(), &["run", "--headless", "--out", "runs", file]);
        assert_eq!(r.status.code(), Some(64), "{file}");
        let stderr = String::from_utf8(r.stderr).unwrap();
        assert!(
            stderr.contains(&warning),
            "{file}: the same words:\n{stderr}"
        );
        assert!(!tmp.path().join("runs").exists(), "{file}: nothing was run");
    }
    // with one `expect`, the hand-written scenario is a game day again
    let judged = by_hand.replace("echo 100\n", "echo 100\n    expect: \"< 1\"\n");
    fs::write(tmp.path().join("judged.yaml"), judged).unwrap();
    let c = gameday_in(tmp.path(), &["check", "judged.yaml"]);
    assert!(!String::from_utf8(c.stdout)
        .unwrap()
        .contains("nothing is judged"));
}

/// Everything the pod-delete-probes engine says that gameday can say the same way.
#[test]
fn the_pod_delete_env_and_probes_are_mapped() {
    let (text, notes) = import("pod-delete-probes.yaml");
    let sc = parse(&text);
    assert_eq!(sc.faults[0].duration, Duration::from_secs(60)); // TOTAL_CHAOS_DURATION
    let pd = pod_delete(&sc, 0);
    assert_eq!(pd.interval, Some(Duration::from_secs(10))); // CHAOS_INTERVAL
    assert!(!pd.force); // FORCE=false
    assert_eq!(pd.percent, Some(50)); // PODS_AFFECTED_PERC
    noted(&notes, "Litmus rounds the share down");
    assert_eq!(pd.selector, "app=redis");
    assert_eq!(pd.namespace, None);
    assert_eq!(
        sc.kubernetes.as_ref().unwrap().namespace.as_deref(),
        Some("shop")
    );
    assert_eq!(sc.safety.namespaces, vec!["shop".to_string()]);
    assert_eq!(sc.safety.max_targets, 1);
    assert_eq!(
        sc.prometheus.as_ref().unwrap().url,
        "http://prometheus.monitoring.svc:9090"
    );
    let prom = signal(&sc, "api-error-ratio");
    assert!(
        matches!(&prom.source, SignalSource::Promql { query } if query.contains("http_requests_total"))
    );
    let c = prom.expect.as_ref().unwrap();
    assert_eq!((c.op, c.value), (Op::Le, 0.01));
    let http = signal(&sc, "read-endpoint");
    assert!(
        matches!(&http.source, SignalSource::Http { url, measure: Measure::ErrorRate, timeout, .. } if url == "http://api.shop.svc:8080/read" && *timeout == Duration::from_secs(2))
    );
    assert_eq!(
        sc.steady_state.len(),
        2,
        "the cmdProbe is listed, not mapped"
    );
    noted(&notes, "cmdProbe (mode Edge)");
    noted(
        &notes,
        "`prometheus.monitoring.svc`, `api.shop.svc` must resolve and answer here",
    );
}

#[test]
fn out_writes_a_file_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fs::canonicalize(Path::new(DIR).join("minimal.yaml")).unwrap();
    let args = [
        "import",
        "litmus",
        input.to_str().unwrap(),
        "--out",
        "x.yaml",
    ];
    let out = gameday_in(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote x.yaml"));
    let first = fs::read_to_string(tmp.path().join("x.yaml")).unwrap();
    assert!(first.contains("name: nginx-chaos"));
    fs::write(tmp.path().join("x.yaml"), "mine").unwrap();
    let out = gameday_in(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("x.yaml already exists"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("x.yaml")).unwrap(),
        "mine"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(gameday_in(tmp.path(), &forced).status.code(), Some(0));
    assert_eq!(
        fs::read_to_string(tmp.path().join("x.yaml")).unwrap(),
        first
    );
}

/// Finding 1 of the outside review: the directory a scenario is imported into (or the
/// working directory, for standard output) is written into the comment beside the
/// schema modeline. A directory named with a line break and YAML keys, or with a
/// carriage return, adds nothing to the scenario: every line is one line with no control
/// character, and the file parses to exactly the scenario a plain directory gets.
#[test]
fn a_directory_name_cannot_write_yaml_into_an_imported_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fs::canonicalize(Path::new(DIR).join("pod-delete-probes.yaml")).unwrap();
    let input = input.to_str().unwrap();
    let plain = tmp.path().join("plain");
    fs::create_dir(&plain).unwrap();
    let expected =
        String::from_utf8(gameday_in(&plain, &["import", "litmus", input]).stdout).unwrap();
    let expected_scenario = parse(&expected);
    for (i, name) in [
        "evil\nsteady_state: []\nfaults: []\nname: pwned\nhypothesis: owned\n#",
        "cr\rname: pwned",
    ]
    .iter()
    .enumerate()
    {
        let dir = tmp.path().join(name);
        fs::create_dir_all(&dir).unwrap();
        let to_stdout = gameday_in(&dir, &["import", "litmus", input]);
        assert_eq!(to_stdout.status.code(), Some(0), "{i}");
        let out_file = dir.join("s.yaml");
        let to_file = gameday_in(
            tmp.path(),
            &[
                "import",
                "litmus",
                input,
                "--out",
                out_file.to_str().unwrap(),
            ],
        );
        assert_eq!(
            to_file.status.code(),
            Some(0),
            "{i}: {}",
            String::from_utf8_lossy(&to_file.stderr)
        );
        for text in [
            String::from_utf8(to_stdout.stdout).unwrap(),
            fs::read_to_string(&out_file).unwrap(),
        ] {
            for l in text.lines() {
                assert!(!l.chars().any(unsafe_char), "{i}: {l:?}");
            }
            let none = |_: &str| None;
            let tree = parse_yaml(&text, &none);
            assert!(tree.problems.is_empty(), "{i}: {:?}", tree.problems);
            assert_eq!(
                keys(&tree.root.unwrap()),
                keys(&parse_yaml(&expected, &none).root.unwrap()),
                "{i}: no key added"
            );
            assert_eq!(parse(&text), expected_scenario, "{i}");
            let hint = line_of(&text, "gameday schema > ");
            assert!(
                hint.contains("$'") && hint.ends_with("once, beside this file."),
                "{hint}"
            );
        }
    }
}

#[test]
fn bad_input_is_refused_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 7] = [
        ("not-yaml.yaml", b"kind: ChaosEngine\nspec: [unclosed\n", "not-yaml.yaml:3:1: "),
        (
            "experiment.yaml",
            b"apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosExperiment\nspec: {}\n",
            "experiment.yaml:2:7: kind is `ChaosExperiment`; `gameday import litmus` reads a ChaosEngine",
        ),
        (
            "no-experiments.yaml",
            b"apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nspec:\n  engineState: active\n  experiments: []\n",
            "no-experiments.yaml:5:16: spec.experiments: expected a list of experiments",
        ),
        ("list.yaml", b"- a\n- b\n", "list.yaml:1:1: expected a Litmus ChaosEngine"),
        (
            "wrong-api.yaml",
            b"apiVersion: chaos-mesh.org/v1alpha1\nkind: ChaosEngine\nspec: {experiments: [{name: pod-delete}]}\n",
            "wrong-api.yaml:1:13: apiVersion is `chaos-mesh.org/v1alpha1`; expected litmuschaos.io/v1alpha1",
        ),
        (
            "nul.yaml",
            b"kind: ChaosEngine\nspec:\n  x: a\0b\n",
            "nul.yaml:3:7: the file holds a NUL byte",
        ),
        ("latin1.yaml", b"kind: ChaosEngine\n# caf\xe9\n", "latin1.yaml:2:6: the file is not valid UTF-8"),
    ];
    for (name, text, needle) in cases {
        fs::write(tmp.path().join(name), text).unwrap();
        let out = gameday_in(tmp.path(), &["import", "litmus", name]);
        assert_eq!(out.status.code(), Some(64), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(needle), "{name}: {err}");
    }
    // a directory, a FIFO or a device is not a ChaosEngine; nothing is read from it
    let out = gameday_in(tmp.path(), &["import", "litmus", "."]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with(".:1:1: not a regular file"));
}

// ---------------------------------------------------------------------------------------
// Issue 14, case 6: output that cannot be steered by its input.

/// Strings that would end a line, open a key, start a comment or hide text if they were
/// written into the scenario as they are.
const HOSTILE: &[&str] = &[
    "deployment\nsteady_state:\n  - name: pwned\n    command: touch /tmp/pwned\n    expect: \"> 0\"\n#",
    "x\r\nfaults: []",
    "a # not a comment",
    "\"quoted\" 'single' \\back",
    "key: value",
    "- item",
    "&anchor *alias !tag |block >folded {flow} [seq] %dir @at `tick`",
    "line\u{2028}steady_state: []\u{2029}para\u{0085}nel",
    "bell\u{7} esc\u{1b}]52;c;cHduZWQ=\u{7} clear\u{1b}[2J del\u{7f} c1\u{9b}",
    "bidi \u{202e}txt.exe\u{202c} zero\u{200b}width \u{feff}bom",
    "${HOME} $${X} ${1} ${",
    "tab\there",
];

/// A YAML double-quoted scalar for the engine, written independently of the importer.
fn yq(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == ' ' => o.push(c),
            c if (c as u32) <= 0xFFFF => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    o.push('"');
    o
}

fn hostile_engine(h: &str) -> String {
    let q = yq(h);
    format!(
        r#"apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata:
  name: {q}
  namespace: {q}
spec:
  engineState: active
  annotationCheck: {q}
  chaosServiceAccount: {q}
  {q}: {q}
  appinfo:
    appns: {q}
    applabel: {q}
    appkind: {q}
  experiments:
    - name: {q}
      spec:
        components:
          env:
            - name: {q}
              value: {q}
    - name: pod-delete
      spec:
        components:
          env:
            - name: CHAOS_INTERVAL
              value: {q}
            - name: TARGETS
              value: {q}
            - name: {q}
              value: {q}
        probe:
          - name: {q}
            type: promProbe
            mode: Continuous
            promProbe/inputs:
              endpoint: "http://prometheus.monitoring.svc:9090"
              query: {q}
              comparator: {{ criteria: "<=", value: {q} }}
          - name: {q}
            type: httpProbe
            mode: {q}
            httpProbe/inputs:
              url: "http://api.shop.svc/health"
              method: {{ get: {{ criteria: "==", responseCode: {q} }} }}
            runProperties: {{ probeTimeout: {q}, {q}: {q} }}
          - name: {q}
            type: httpProbe
            mode: Continuous
            httpProbe/inputs:
              url: {q}
              method: {{ get: {{ criteria: "==", responseCode: "200" }} }}
          - name: {q}
            type: cmdProbe
            mode: SOT
            cmdProbe/inputs:
              command: {q}
              comparator: {{ type: string, criteria: contains, value: {q} }}
"#
    )
}

/// Characters a line of the scenario or of standard error must never hold raw.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}' | '\u{202e}' | '\u{202c}'
        )
}

fn keys(n: &Node) -> Vec<String> {
    match &n.value {
        Value::Map(entries) => entries.iter().map(|(k, _)| k.name.clone()).collect(),
        _ => Vec::new(),
    }
}

fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    match &n.value {
        Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    }
}

#[test]
fn hostile_engines_cannot_steer_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, h) in HOSTILE.iter().enumerate() {
        let engine = hostile_engine(h);
        let name = format!("hostile-{i}.yaml");
        fs::write(tmp.path().join(&name), &engine).unwrap();
        let out = gameday_in(tmp.path(), &["import", "litmus", &name]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "{h:?}: {stderr}");
        let text = String::from_utf8(out.stdout).unwrap();

        // Every line of the output and of standard error is one line, with nothing raw
        // that could break it or hide text.
        for l in text.lines().chain(stderr.lines()) {
            assert!(!l.chars().any(unsafe_char), "{h:?}: {l:?}");
        }
        for l in stderr.lines() {
            assert!(
                l.starts_with("gameday import litmus: not mapped: "),
                "{h:?}: {l:?}"
            );
        }

        // The scenario holds exactly the keys the importer writes, and exactly the one
        // fault and the two signals the engine's pod-delete experiment and its
        // promProbe and GET httpProbe give (the other probe has no usable URL).
        let none = |_: &str| None;
        let tree = parse_yaml(&text, &none);
        assert!(tree.problems.is_empty(), "{h:?}: {:?}", tree.problems);
        let root = tree.root.unwrap();
        for k in keys(&root) {
            assert!(
                [
                    "name",
                    "description",
                    "hypothesis",
                    "prometheus",
                    "kubernetes",
                    "steady_state",
                    "pods",
                    "faults",
                    "safety",
                    "phases"
                ]
                .contains(&k.as_str()),
                "{h:?}: smuggled key {k}"
            );
        }
        let Some(Value::Seq(signals)) = get(&root, "steady_state").map(|n| &n.value) else {
            panic!("{h:?}: no steady_state:\n{text}")
        };
        for s in signals {
            for k in keys(s) {
                assert!(
                    ["name", "promql", "http", "measure", "expect", "abort", "tolerate"]
                        .contains(&k.as_str()),
                    "{h:?}: smuggled signal key {k}"
                );
            }
        }
        let s = parse(&text);
        assert_eq!(s.faults.len(), 1, "{h:?}");
        let names: Vec<&str> = s.steady_state.iter().map(|x| x.name.as_str()).collect();
        let shown = visible(h);
        assert_eq!(names, vec![shown.clone(), format!("{shown} (2)")], "{h:?}");
        assert!(
            !s.steady_state
                .iter()
                .any(|x| matches!(x.source, SignalSource::Command { .. })),
            "{h:?}: no command signal can come from an engine"
        );
        // copied values come back exactly as the engine wrote them
        assert!(
            matches!(&s.steady_state[0].source, SignalSource::Promql { query } if query == h),
            "{h:?}: {:?}",
            s.steady_state[0].source
        );
        assert!(s
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert!(!s.hypothesis.chars().any(unsafe_char), "{h:?}");
        let d = s.description.clone().unwrap_or_default();
        assert!(!d.chars().any(unsafe_char), "{h:?}: {d:?}");
        // nothing hostile became a target: the selector is the placeholder or the
        // engine's own valid text
        assert!(gameday::cluster::selector::validate_selector(&pod_delete(&s, 0).selector).is_ok());
    }
}

/// What the importer does to a name: the same text, control and separator characters
/// shown as escapes so it stays on one line, and a backslash doubled so that an escape
/// never reads like text that was in the engine.
fn visible(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}') =>
            {
                o.push_str(&format!("\\u{{{:04X}}}", c as u32))
            }
            c => o.push(c),
        }
    }
    o
}

/// A probe's `${...}` in a query reaches the scenario as written, however malformed.
#[test]
fn dollar_braces_in_an_engine_are_kept_as_written() {
    let engine = r#"
apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata: { name: e }
spec:
  appinfo: { appns: shop, applabel: app=x }
  experiments:
    - name: pod-delete
      spec:
        probe:
          - name: q
            type: promProbe
            mode: Continuous
            promProbe/inputs:
              endpoint: http://prom:9090
              query: 'up{job="${JOB}", x="${1}", y="$${Z}"}'
              comparator: { criteria: ">=", value: "1" }
"#;
    let out = gameday::import::litmus::convert(engine, "e.yaml", "").unwrap();
    let s = parse(&out.text);
    assert!(matches!(
        &s.steady_state[0].source,
        SignalSource::Promql { query } if query == r#"up{job="${JOB}", x="${1}", y="$${Z}"}"#
    ));
}

// ---------------------------------------------------------------------------------------
// The outside review: what a Litmus expert found the importer said wrong or not at all.

/// The comment beside each fault value (`  # ...`) in the `faults:` section, in order.
fn fault_comments<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let start = text.find("\nfaults:\n").expect("a faults: section");
    text[start..]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(&format!("{key}:")))
        .map(|l| l.split_once("  # ").map_or("", |(_, c)| c))
        .collect()
}

fn none_noted(notes: &[String], needle: &str) {
    assert!(
        !notes.iter().any(|n| n.contains(needle)),
        "a note with `{needle}`:\n{}",
        notes.join("\n")
    );
}

/// Finding 3: litmus-go's pod-delete waits, each round, until the pods are Running
/// again (STATUS_CHECK_TIMEOUT, STATUS_CHECK_DELAY) and picks its targets at random;
/// gameday does neither. Both are named, and the two env vars are read, not "unknown".
#[test]
fn finding3_litmus_waits_for_the_pods_each_round_and_picks_them_at_random() {
    let (_, notes) = import("minimal.yaml");
    let n = noted(&notes, "pod-delete: each round");
    for part in [
        "target pods chosen at random",
        "waited CHAOS_INTERVAL",
        "until the workload's pods were Running again (STATUS_CHECK_TIMEOUT, 180 s by default, checking every STATUS_CHECK_DELAY, 2 s by default), failing the experiment if they were not",
        "gameday deletes the first pods by name, again every `interval` whether or not the earlier ones are back",
    ] {
        assert!(n.contains(part), "{part}: {n}");
    }
    let (_, notes) = import("env-version-and-loop.yaml");
    noted(
        &notes,
        "spec.experiments[6] pod-delete: each round Litmus deleted target pods chosen at random, waited CHAOS_INTERVAL, then waited until the workload's pods were Running again (STATUS_CHECK_TIMEOUT: 60 s, checking every STATUS_CHECK_DELAY: 5 s)",
    );
    none_noted(&notes, "STATUS_CHECK_TIMEOUT=60: not an env var");
    none_noted(&notes, "STATUS_CHECK_DELAY=5: not an env var");
    // one note for every experiment it applies to, not one each
    let (_, notes) = import("env-go-parsing.yaml");
    let rounds: Vec<&String> = notes.iter().filter(|n| n.contains("each round")).collect();
    assert_eq!(rounds.len(), 1, "{rounds:?}");
    assert!(
        rounds[0].starts_with("spec.experiments[4], spec.experiments[5], "),
        "{}",
        rounds[0]
    );
}

/// Finding 4: Litmus checks the target pods are Running before and after the chaos
/// unless `defaultHealthCheck` is false; an engine with no probe was judged by that
/// alone. Named, with the `pods` signal to add, and nothing named when it is off.
#[test]
fn finding4_the_default_health_check_is_named_and_an_engine_judged_by_it_alone_says_so() {
    let (text, notes) = import("generate-name-bom.yaml");
    let n = noted(&notes, "Litmus checked that the target pods were Running");
    assert!(n.contains("(spec.defaultHealthCheck: true)"), "{n}");
    assert!(
        n.contains("`pods: { selector: app=nginx }`, `expect: \">= N\"`"),
        "{n}"
    );
    assert!(noted(&notes, "with no probe mapped").contains("`gameday run` refuses it"));
    assert!(parse(&text).steady_state.is_empty());
    // unset: true by default
    let (_, notes) = import("minimal.yaml");
    assert!(
        noted(&notes, "Litmus checked that the target pods were Running")
            .contains("spec.defaultHealthCheck not set: true by default")
    );
    // off: Litmus judged nothing about the pods, nor does the scenario
    let engine = fs::read_to_string(Path::new(DIR).join("minimal.yaml"))
        .unwrap()
        .replace(
            "  engineState: active\n",
            "  engineState: active\n  defaultHealthCheck: false\n",
        );
    let out = gameday::import::litmus::convert(&engine, "e.yaml", "").unwrap();
    none_noted(&out.unmapped, "Litmus checked that the target pods");
    none_noted(&out.unmapped, "with no probe mapped");
    // the experiment's env says the last word, as litmus-go reads it
    let engine = fs::read_to_string(Path::new(DIR).join("minimal.yaml")).unwrap().replace(
        "    - name: pod-delete\n",
        "    - name: pod-delete\n      spec:\n        components:\n          env:\n            - name: DEFAULT_APP_HEALTH_CHECK\n              value: 'false'\n",
    );
    let out = gameday::import::litmus::convert(&engine, "e.yaml", "").unwrap();
    none_noted(&out.unmapped, "Litmus checked that the target pods");
}

/// Finding 5: `retry` changed meaning. litmus-go 3 (getAttempts) makes `attempt`, else
/// `retry`, checks in all; Litmus 2's retry.go made retry + 1 attempts, each re-checking
/// until probeTimeout. `tolerate` is the failure Litmus forgave, by the engine's version.
#[test]
fn finding5_retry_is_read_as_the_engines_litmus_reads_it() {
    let (text, notes) = import("litmus3-retry.yaml");
    let s = parse(&text);
    // 3 checks 2s apart: a failure shorter than 4s was re-checked away
    assert_eq!(
        signal(&s, "errors-retry-3").tolerate,
        Duration::from_secs(4)
    );
    assert!(noted(&notes, "`errors-retry-3`: runProperties.retry=3")
        .contains("litmus-go 3 made 3 checks in all (getAttempts in probe.go), 2s apart"));
    // retry: 1 is one check: nothing forgiven
    assert_eq!(signal(&s, "errors-retry-1").tolerate, Duration::ZERO);
    assert!(noted(&notes, "`errors-retry-1`: runProperties.retry=1")
        .contains("a single failed check failed the probe"));
    // attempt: 2, 3s apart, and the 30 s a failed probe stays in an error rate
    assert_eq!(
        signal(&s, "frontend-attempt-2").tolerate,
        Duration::from_secs(33)
    );
    // Litmus 2: retry 1 is 2 attempts of checks 2s apart until probeTimeout 5s
    let (text, notes) = import("docs-probe-modes.yaml");
    assert_eq!(
        parse(&text).steady_state[0].tolerate,
        Duration::from_secs(40)
    );
    assert!(noted(&notes, "runProperties.retry=1: Litmus 2")
        .contains("so up to 6 checks 2s apart, and failed the probe only when all failed: it forgave failures shorter than 10s"));
    // whole seconds are Litmus 2's: the same probes, read as Litmus 2 read them
    let litmus2 = fs::read_to_string(Path::new(DIR).join("litmus3-retry.yaml"))
        .unwrap()
        .replace("probeTimeout: 5s", "probeTimeout: 5")
        .replace("interval: 2s", "interval: 2")
        .replace("interval: 3s", "interval: 3")
        .replace("probePollingInterval: 2s", "probePollingInterval: 2")
        .replace("attempt: 2", "retry: 2");
    let out = gameday::import::litmus::convert(&litmus2, "e.yaml", "").unwrap();
    let s = parse(&out.text);
    // retry 3: 4 attempts of 3 checks (0, 2, 4 s) = 12 checks 2s apart, 22 s
    assert_eq!(
        signal(&s, "errors-retry-3").tolerate,
        Duration::from_secs(22)
    );
    assert!(noted(
        &out.unmapped,
        "`errors-retry-3`: runProperties.retry=3: Litmus 2"
    )
    .contains("made 4 attempts (retry.go: retry + 1)"));
    // an engine that does not say: read as litmus-go 3 reads it, and said so
    // (no duration, which would tell: `5s` is Litmus 3's, `5` Litmus 2's)
    let unknown = fs::read_to_string(Path::new(DIR).join("litmus3-retry.yaml"))
        .unwrap()
        .replace("          probeTimeout: 5s\n", "")
        .replace("          probePollingInterval: 2s\n", "")
        .replace("          interval: 2s\n", "")
        .replace("          interval: 3s\n", "")
        .replace("          attempt: 2\n", "          retry: 2\n");
    let out = gameday::import::litmus::convert(&unknown, "e.yaml", "").unwrap();
    let s = parse(&out.text);
    // 3 checks without a pause forgive no time at all
    assert_eq!(signal(&s, "errors-retry-3").tolerate, Duration::ZERO);
    assert!(
        noted(&out.unmapped, "`errors-retry-3`: runProperties.retry=3").contains(
            "read as litmus-go 3 reads it: the engine does not say which Litmus it is for"
        )
    );
}

/// Finding 6: litmus-go reads env values with strconv.Atoi and ParseBool and ignores
/// their errors, caps PODS_AFFECTED_PERC at 100 and draws a value for a range. The
/// scenario does what Litmus did and says so; no comment says "not set" for a value the
/// file set, or shows a value other than the file's.
#[test]
fn finding6_env_values_are_read_as_litmus_go_reads_them() {
    let (text, notes) = import("env-go-parsing.yaml");
    let s = parse(&text);
    // TOTAL_CHAOS_DURATION `60s`, `60.0`, ` 60`, `0`: no chaos in Litmus, no fault here
    assert_eq!(s.faults.len(), 8);
    for (i, v) in ["60s", "60.0", " 60"].iter().enumerate() {
        let n = noted(
            &notes,
            &format!("spec.experiments[{i}] env TOTAL_CHAOS_DURATION=`{v}`"),
        );
        assert!(
            n.contains("Litmus read 0 (litmus-go reads it with strconv.Atoi"),
            "{n}"
        );
        assert!(n.contains("so it deleted no pod at all"), "{n}");
        assert!(
            n.contains("the scenario has no fault for this experiment either (write `60`"),
            "{n}"
        );
    }
    assert!(
        noted(&notes, "spec.experiments[3] env TOTAL_CHAOS_DURATION=`0`")
            .contains("deleted no pod at all")
    );
    // FORCE `False` and `0` are false to Go; ` true` and `yes` are errors, read as false
    let forces: Vec<bool> = (0..4).map(|i| pod_delete(&s, i).force).collect();
    assert_eq!(forces, vec![false; 4]);
    assert_eq!(
        fault_comments(&text, "force")[..4],
        [
            "FORCE=False",
            "FORCE=0",
            "FORCE=` true` (Litmus read false)",
            "FORCE=yes (Litmus read false)"
        ]
    );
    noted(
        &notes,
        "spec.experiments[6] env FORCE=` true`: not a boolean Go's strconv.ParseBool reads",
    );
    none_noted(&notes, "FORCE=`False`");
    // PODS_AFFECTED_PERC `150`: capped; `25-50`: drawn once, the lowest used; `0`: one
    // pod, and the comment says the file's 0, never "not set"; `100`: no rounding note
    assert_eq!(pod_delete(&s, 4).percent, Some(100));
    assert!(
        noted(&notes, "spec.experiments[8] env PODS_AFFECTED_PERC=150")
            .contains("caps it at 100 %")
    );
    assert_eq!(pod_delete(&s, 5).percent, Some(25));
    assert!(
        noted(&notes, "spec.experiments[9] env PODS_AFFECTED_PERC=25-50")
            .contains("drew a whole number from 25 to 50 % once for the experiment")
    );
    assert_eq!(
        (pod_delete(&s, 6).percent, pod_delete(&s, 6).count),
        (None, Some(1))
    );
    let counts = fault_comments(&text, "count");
    assert!(
        counts.contains(&"PODS_AFFECTED_PERC=0: Litmus deletes one pod"),
        "{counts:?}"
    );
    assert_eq!(pod_delete(&s, 7).percent, Some(100));
    none_noted(&notes, "spec.experiments[11] env PODS_AFFECTED_PERC");
    for key in ["duration", "percent", "count", "interval", "force"] {
        for c in fault_comments(&text, key) {
            assert!(!c.contains("=` ") || c.starts_with("FORCE=` true`"), "{c}");
        }
    }
    // an empty value is read as unset, and the comment says it was empty
    let (text, _) = import("chaos-charts-3x-pod-delete.yaml");
    assert_eq!(
        fault_comments(&text, "count"),
        ["PODS_AFFECTED_PERC is empty, read as unset: Litmus deletes one pod"]
    );
}

/// Finding 7: only the first litmus-go pod-delete read KILL_COUNT; the version is named,
/// and the count is mapped only for an engine in that version's format.
#[test]
fn finding7_kill_count_depends_on_the_litmus_version() {
    let (text, notes) = import("env-version-and-loop.yaml");
    assert_eq!(
        pod_delete(&parse(&text), 0).count,
        Some(1),
        "not KILL_COUNT=3"
    );
    assert!(noted(&notes, "spec.experiments[0] env KILL_COUNT=3")
        .contains("only the first litmus-go pod-delete (Litmus 1.x) read KILL_COUNT; litmus-go 2 and 3 ignore it"));
    let (text, notes) = import("litmus1-kill-count.yaml");
    assert_eq!(pod_delete(&parse(&text), 0).count, Some(2));
    assert!(noted(&notes, "env KILL_COUNT=2").contains("Litmus 1.x, the components: list"));
}

/// Finding 8: a promProbe fails in Litmus where gameday has missing data (no series,
/// several, NaN, a slow query): named once for every imported promProbe.
#[test]
fn finding8_what_fails_a_prom_probe_is_missing_data_here() {
    let (_, notes) = import("litmus3-retry.yaml");
    let n = noted(
        &notes,
        "Litmus failed a promProbe check when the query returned no series or more than one",
    );
    assert!(n.starts_with("spec.experiments[0].spec.probe[0] `errors-retry-3`, spec.experiments[0].spec.probe[1] `errors-retry-1`: "), "{n}");
    assert!(n.contains("gameday counts each of these as a missing sample: fewer than three in a row are ignored, more make the signal lack data (INCONCLUSIVE), and none refutes"), "{n}");
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("missing sample"))
            .count(),
        1
    );
    // no promProbe mapped, no such note
    let (_, notes) = import("docs-probe-modes.yaml");
    none_noted(&notes, "missing sample");
}

/// Finding 9: strings litmus-go reads differently from how they look.
#[test]
fn finding9_probe_strings_are_read_as_litmus_go_reads_them() {
    let (text, notes) = import("probe-strings.yaml");
    let s = parse(&text);
    // `0.1 `: ParseFloat fails, Litmus compared with 0, and so does the scenario
    let e = signal(&s, "value-with-space").expect.clone().unwrap();
    assert_eq!((e.op, e.value), (Op::Le, 0.0));
    assert!(noted(&notes, "comparator value `0.1 `")
        .contains("Litmus compared the query's value with 0"));
    // ` <= `: not supported, the probe always failed: watched only
    assert!(signal(&s, "criteria-with-spaces").expect.is_none());
    assert!(noted(&notes, "criteria ` <= ` is not one litmus-go knows")
        .contains("failed this probe at every check"));
    assert!(
        text.contains("# watched only: Litmus checked ` <=  100`"),
        "{text}"
    );
    // `HTTPProbe` ran as an httpProbe
    assert!(signal(&s, "upper-case-type").expect.is_some());
    none_noted(&notes, "`upper-case-type`: probe type");
    // a trailing slash is the same Prometheus
    assert_eq!(
        s.prometheus.as_ref().unwrap().url,
        "http://prometheus.monitoring.svc:9090"
    );
    noted(
        &notes,
        "differs from `http://prometheus.monitoring.svc:9090` only by a trailing slash",
    );
    // no scheme: Litmus could not query it; never judged against another probe's server
    assert!(!s.steady_state.iter().any(|x| x.name == "no-scheme"));
    assert!(noted(
        &notes,
        "`no-scheme`: promProbe endpoint `prometheus:9090` is not an http(s) URL"
    )
    .contains("every query failed and Litmus failed this probe at every check; not mapped"));
    // alone, it is watched against the placeholder Prometheus
    let (text, notes) = import("harness-prom-probe-auth.yaml");
    assert_eq!(
        parse(&text).prometheus.unwrap().url,
        "http://change-me:9090"
    );
    assert!(noted(&notes, "is not an http(s) URL").contains("a placeholder: set it to your Prometheus (`http://prometheus-server.prometheus.svc.cluster.local:9090`"));
    // probeTimeout 0s in Litmus 3: every check timed out
    assert!(signal(&s, "zero-timeout").expect.is_none());
    assert!(noted(
        &notes_of("probe-strings.yaml"),
        "`zero-timeout`: runProperties.probeTimeout is 0"
    )
    .contains("Litmus failed this probe at every check"));
    // a GET without criteria: "" is not supported
    assert!(signal(&s, "no-criteria").expect.is_none());
    noted(
        &notes_of("probe-strings.yaml"),
        "`no-criteria`: httpProbe GET has no criteria",
    );
}

fn notes_of(name: &str) -> Vec<String> {
    import(name).1
}

/// Finding 10: wording. An engine with no name, a generateName's dash, SEQUENCE as
/// litmus-go lower-cases it, no rounding note at 100 %, a line break told from a
/// backslash and n, a list as a value, and YAML merge keys.
#[test]
fn finding10_the_words_say_what_the_engine_says() {
    // no name: said so, never shown as `litmus-import`
    let engine = "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nspec:\n  appinfo: { appns: shop, applabel: app=x }\n  experiments:\n    - name: pod-delete\n";
    let out = gameday::import::litmus::convert(engine, "e.yaml", "").unwrap();
    assert!(
        out.text.contains("(a ChaosEngine with no name)"),
        "{}",
        out.text
    );
    assert!(out
        .text
        .contains("description: \"Imported from a Litmus ChaosEngine with no name.\""));
    noted(&out.unmapped, "metadata.name: the engine has no name");
    assert!(!out.text.contains("ChaosEngine `litmus-import`"));
    // a generateName keeps its trailing dash in text
    let (text, _) = import("generate-name-bom.yaml");
    assert!(
        text.contains("(ChaosEngine `nginx-chaos-`, a generateName"),
        "{text}"
    );
    assert_eq!(parse(&text).name, "nginx-chaos");
    // SEQUENCE: lower-cased by litmus-go; random is random
    let (_, notes) = import("env-version-and-loop.yaml");
    none_noted(&notes, "SEQUENCE=`Parallel`");
    none_noted(&notes, "SEQUENCE=`PARALLEL`");
    assert!(noted(&notes, "SEQUENCE=`random`").contains("picked serial or parallel at random"));
    assert!(noted(&notes, "SEQUENCE=`serial`").contains("one after another"));
    assert!(noted(&notes, "SEQUENCE=`sideways`").contains("before deleting any pod"));
    // a value that is a list: named as such, and its comment does not say "not set"
    assert!(noted(
        &notes,
        "spec.experiments[9] env FORCE: its value is a list of 1, not a string"
    )
    .contains("Kubernetes refuses"));
    let (text, _) = import("env-version-and-loop.yaml");
    assert_eq!(
        fault_comments(&text, "force")[9],
        "FORCE not read (see NOT MAPPED above): the pod-delete ChaosExperiment's default"
    );
    // a line break and a backslash followed by n never read alike
    let engine = fs::read_to_string(Path::new(DIR).join("litmus3-retry.yaml"))
        .unwrap()
        .replace("\"errors-retry-3\"", "\"a\\nb\"")
        .replace("\"errors-retry-1\"", "\"a\\\\nb\"");
    let out = gameday::import::litmus::convert(&engine, "e.yaml", "").unwrap();
    let s = parse(&out.text);
    let names: Vec<&str> = s.steady_state.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names[..2], ["a\\nb", "a\\\\nb"]);
    noted(&out.unmapped, "`a\\nb`: runProperties.retry=3");
    noted(&out.unmapped, "`a\\\\nb`: runProperties.retry=1");
    // YAML merge keys, as kubectl reads them
    let (text, notes) = import("merge-keys-env.yaml");
    let s = parse(&text);
    assert_eq!(s.faults[0].duration, Duration::from_secs(60));
    let pd = pod_delete(&s, 0);
    assert_eq!(
        (pd.interval, pd.force, pd.percent),
        (Some(Duration::from_secs(60)), false, None)
    );
    assert!(noted(&notes, "`name` is written before a `<<` merge key").starts_with("line 32: "));
    let bad = "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nspec:\n  <<: text\n  experiments: [{name: pod-delete}]\n";
    let e = gameday::import::litmus::convert(bad, "e.yaml", "").unwrap_err();
    assert!(
        e.starts_with("e.yaml:4:7: a YAML merge key `<<` must name a mapping"),
        "{e}"
    );
}

/// Finding 11: a scenario over gameday's size limit is refused with its cause, a
/// byte-order mark is skipped, and a missing apiVersion is named.
#[test]
fn finding11_size_bom_and_api_version() {
    // a query of right-to-left overrides: each is escaped, and the scenario outgrows 1 MiB
    let query = "\u{202E}".repeat(330_000);
    let engine = format!(
        "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nmetadata: {{ name: big }}\nspec:\n  appinfo: {{ appns: shop, applabel: app=x }}\n  experiments:\n    - name: pod-delete\n      spec:\n        probe:\n          - name: q\n            type: promProbe\n            mode: Continuous\n            promProbe/inputs:\n              endpoint: http://prom:9090\n              query: \"{query}\"\n              comparator: {{ criteria: \"<=\", value: \"1\" }}\n"
    );
    assert!(engine.len() < 1024 * 1024);
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("big.yaml"), &engine).unwrap();
    let out = gameday_in(tmp.path(), &["import", "litmus", "big.yaml"]);
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("big.yaml:1:1: the scenario imported from this engine would be "),
        "{err}"
    );
    assert!(err.contains("over gameday's limit for a scenario (1 MiB): the 1 signals, their probe names and queries, take "), "{err}");
    assert!(!err.contains("a bug"), "{err}");
    assert!(out.stdout.is_empty());
    // a byte-order mark at the start is not part of the YAML
    let bytes = fs::read(Path::new(DIR).join("generate-name-bom.yaml")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let (text, notes) = import("generate-name-bom.yaml");
    assert_eq!(pod_delete(&parse(&text), 0).selector, "app=nginx");
    // no apiVersion: named
    assert!(
        noted(&notes, "apiVersion: missing").contains("Kubernetes refuses an object without one")
    );
}
