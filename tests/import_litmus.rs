//! `gameday import litmus`: each ChaosEngine in tests/fixtures/litmus/ becomes exactly its
//! `.expected` scenario, which `gameday check` accepts; what is not mapped is listed at the
//! top and on standard error; bad input is refused with a positioned message.
//! `UPDATE_EXPECTED=1 cargo test --test import_litmus` rewrites the `.expected` files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DIR: &str = "tests/fixtures/litmus";

fn gameday_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .current_dir(dir)
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
    assert!(v.len() >= 3, "{v:?}");
    v
}

fn check(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("check")
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn each_chaos_engine_becomes_its_expected_scenario_and_passes_check() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let tmp = tempfile::tempdir().unwrap();
    for input in inputs() {
        let name = input.file_name().unwrap().to_str().unwrap().to_string();
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
            assert_eq!(text, fs::read_to_string(&expected_path).unwrap(), "{name}");
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
        assert!(text
            .starts_with("# yaml-language-server: $schema=../../../assets/scenario.schema.json\n"));
        let written = tmp.path().join(&name);
        fs::write(&written, &text).unwrap();
        let c = check(&written);
        assert_eq!(
            c.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&c.stdout)
        );
    }
}

#[test]
fn the_pod_delete_env_and_probes_are_mapped() {
    let out = gameday_in(
        Path::new(DIR),
        &["import", "litmus", "pod-delete-probes.yaml"],
    );
    let s = String::from_utf8(out.stdout).unwrap();
    let env = |_: &str| None;
    let sc = gameday::scenario::parse_str(&s, "x.yaml", Path::new("."), &env).unwrap();
    use gameday::scenario::*;
    use std::time::Duration;
    let FaultKind::PodDelete(pd) = &sc.faults[0].kind else {
        panic!("not pod_delete")
    };
    assert_eq!(sc.faults[0].duration, Duration::from_secs(60)); // TOTAL_CHAOS_DURATION
    assert_eq!(pd.interval, Some(Duration::from_secs(10))); // CHAOS_INTERVAL
    assert!(!pd.force); // FORCE=false
    assert_eq!(pd.percent, Some(50)); // PODS_AFFECTED_PERC
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
    let prom = &sc.steady_state[0];
    assert!(
        matches!(&prom.source, SignalSource::Promql { query } if query.contains("http_requests_total"))
    );
    let c = prom.expect.as_ref().unwrap();
    assert_eq!((c.op, c.value), (Op::Le, 0.01));
    let http = &sc.steady_state[1];
    assert!(
        matches!(&http.source, SignalSource::Http { url, measure: Measure::ErrorRate, timeout, .. } if url == "http://api.shop.svc:8080/read" && *timeout == Duration::from_secs(2))
    );
    assert_eq!(http.interval, Duration::from_secs(2));
    assert_eq!(
        sc.steady_state.len(),
        2,
        "the cmdProbe is listed, not mapped"
    );
    assert!(s.contains("cmdProbe `check-pods`"));
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

#[test]
fn bad_input_is_refused_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("not-yaml.yaml", "kind: ChaosEngine\nspec: [unclosed\n", "not-yaml.yaml:3:1: "),
        (
            "experiment.yaml",
            "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosExperiment\nspec: {}\n",
            "experiment.yaml:2:7: kind is `ChaosExperiment`; `gameday import litmus` reads a ChaosEngine",
        ),
        (
            "no-experiments.yaml",
            "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nspec:\n  engineState: active\n  experiments: []\n",
            "no-experiments.yaml:5:16: spec.experiments: expected a list of experiments",
        ),
        ("list.yaml", "- a\n- b\n", "list.yaml:1:1: expected a Litmus ChaosEngine"),
        (
            "wrong-api.yaml",
            "apiVersion: chaos-mesh.org/v1alpha1\nkind: ChaosEngine\nspec: {experiments: [{name: pod-delete}]}\n",
            "wrong-api.yaml:1:13: apiVersion is `chaos-mesh.org/v1alpha1`; expected litmuschaos.io/v1alpha1",
        ),
    ];
    for (name, text, needle) in cases {
        fs::write(tmp.path().join(name), text).unwrap();
        let out = gameday_in(tmp.path(), &["import", "litmus", name]);
        assert_eq!(out.status.code(), Some(64), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(needle), "{name}: {err}");
    }
}
