//! `gameday import litmus`: each ChaosEngine in tests/fixtures/litmus/ (real, public
//! engines; SOURCES.md says where each comes from) becomes exactly its `.expected`
//! scenario, which `gameday check` accepts; what differs from the engine is listed at
//! the top and on standard error; each case of issue 18 behaves like the engine or has
//! its difference named; hostile engines cannot steer the output (issue 14, case 6).
//! `UPDATE_EXPECTED=1 cargo test --test import_litmus` rewrites the `.expected` files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use gameday::scenario::yaml::{parse_yaml, Node, Value};
use gameday::scenario::*;

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
    // as long as Litmus's re-checks (retry 1 × interval 2s), not the 32 s `tolerate`,
    // which would outlast the 15 s fault and never fire
    assert_eq!(abort.for_, Some(Duration::from_secs(2)));
    assert!(s.faults[0].duration < sig.tolerate);
    assert!(line_of(&text, "abort:").contains("stopOnFailure"));
    assert!(noted(&notes, "runProperties.stopOnFailure: true")
        .contains("even one Litmus's re-check would have forgiven"));
    // a promql guardrail waits exactly as long as Litmus's re-checks (retry 1 × 5s)
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
    // retry 1 × interval 2s, and the 30 s a failed probe stays in the error rate
    assert_eq!(sig.tolerate, Duration::from_secs(32));
    assert!(
        matches!(sig.source, SignalSource::Http { timeout, .. } if timeout == Duration::from_secs(2))
    );
    assert!(noted(&notes, "mode Continuous").contains("starting 30s late (initialDelay)"));
    noted(
        &notes,
        "runProperties.retry: Litmus re-checked a failed probe 1 time 2s apart",
    );
    // a promql signal: retry × interval alone
    let (text, _) = import("pod-delete-probes.yaml");
    let s = parse(&text);
    assert_eq!(
        signal(&s, "api-error-ratio").tolerate,
        Duration::from_secs(5)
    );
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
            - name: TOTAL_CHAOS_DURATION
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
        assert!(
            gameday::scenario::selector::validate_selector(&pod_delete(&s, 0).selector).is_ok()
        );
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
