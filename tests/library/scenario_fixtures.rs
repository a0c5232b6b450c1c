//! Every invalid fixture prints exactly its `.expected` lines; every valid one passes.
//! `UPDATE_EXPECTED=1 cargo test --test library scenario_fixtures::` rewrites the `.expected` files
//! (read the diff: each line is what a user will see).

use std::fs;
use std::path::{Path, PathBuf};

use gameday::scenario::check::check_files;

/// The fixtures must not depend on the machine's environment.
fn fixed_env(name: &str) -> Option<String> {
    (name == "HOME").then(|| "/home/operator".to_string())
}

fn run_check(path: &Path) -> (bool, String) {
    let mut out = Vec::new();
    let ok = check_files(&[path.to_path_buf()], &fixed_env, &mut out);
    (ok, String::from_utf8(out).expect("check output is UTF-8"))
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| Path::new(dir).join(p.file_name().expect("file name")))
        .collect();
    v.sort();
    v
}

#[test]
fn the_full_example_fills_every_field() {
    use gameday::scenario::*;
    use std::time::Duration;
    let s = load(Path::new("tests/fixtures/valid/full.yaml"), &fixed_env).expect("valid");
    assert_eq!(s.name, "redis-pod-delete");
    let p = s.prometheus.as_ref().expect("prometheus");
    assert_eq!(p.url, "http://localhost:9090");
    assert_eq!(
        p.headers,
        vec![("X-Scope-OrgID".to_string(), "shop".to_string())]
    );
    assert_eq!(s.steady_state.len(), 6);
    let err = &s.steady_state[0];
    assert_eq!(err.unit, Unit::Ratio);
    assert_eq!(err.expect.as_ref().map(|c| c.value), Some(0.01));
    assert_eq!(
        err.abort.as_ref().and_then(|c| c.for_),
        Some(Duration::from_secs(30))
    );
    assert_eq!(s.steady_state[1].tolerate, Duration::from_secs(20));
    assert_eq!(s.steady_state[2].unit, Unit::Count);
    let probe = &s.steady_state[3];
    assert_eq!(probe.unit, Unit::Seconds);
    assert_eq!(probe.interval, Duration::from_millis(500));
    assert!(matches!(
        probe.source,
        SignalSource::Http {
            measure: Measure::P99,
            ..
        }
    ));
    assert_eq!(s.steady_state[4].interval, Duration::from_secs(5));
    assert_eq!(s.faults.len(), 6);
    let FaultKind::Manifest(m) = &s.faults[2].kind else {
        panic!("manifest")
    };
    assert_eq!(
        m.source,
        ManifestSource::File(PathBuf::from("tests/fixtures/valid/chaos/deny-all.yaml"))
    );
    let FaultKind::Http(h) = &s.faults[5].kind else {
        panic!("http")
    };
    assert_eq!(h.inject.method, "PUT");
    assert_eq!(s.faults[1].duration, Duration::from_secs(90));
    assert_eq!(s.safety.namespaces, vec!["shop".to_string()]);
    assert_eq!(s.phases.recovery, Duration::from_secs(180));
    let m: Vec<(&str, Option<Duration>)> = s
        .milestones
        .iter()
        .map(|m| (m.name.as_str(), m.within))
        .collect();
    assert_eq!(
        m,
        vec![
            ("detected", Some(Duration::from_secs(120))),
            ("mitigated", Some(Duration::from_secs(600))),
            ("communicated", None),
        ]
    );
    assert_eq!(
        s.notify,
        vec![
            NotifyTarget {
                kind: NotifyKind::Slack,
                url_env: "GAMEDAY_SLACK_URL".into()
            },
            NotifyTarget {
                kind: NotifyKind::Json,
                url_env: "GAMEDAY_HOOK_URL".into()
            },
        ]
    );
}

#[test]
fn generated_hostile_inputs_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "big.yaml",
            format!("name: big\nhypothesis: x\n#{}\n", "x".repeat(1024 * 1024)),
            "the limit is 1 MiB",
        ),
        ("deep-seq.yaml", "[".repeat(10_000), "deeper than 64 levels"),
        (
            "deep-map.yaml",
            "a: {".repeat(10_000),
            "deeper than 64 levels",
        ),
        (
            "deep-block.yaml",
            "- ".repeat(10_000) + "x\n",
            "deeper than 64 levels",
        ),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write");
        let (ok, out) = run_check(&path);
        assert!(!ok);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains(needle), "{name}: {out}");
        assert!(out.starts_with(&format!("{}:1:", path.display())), "{out}");
    }
    let big = dir.path().join("big.yaml");
    let (_, out) = run_check(&big);
    assert!(out.contains(&format!(
        "scenario is {} bytes",
        fs::metadata(&big).expect("meta").len()
    )));
}

/// Every prefix of a rich scenario, and the scenario with each line removed, must give a
/// result (valid or problems), never a panic.
#[test]
fn damaged_scenarios_never_panic() {
    use gameday::scenario::parse_str;
    let text = fs::read_to_string("tests/fixtures/valid/full.yaml").expect("fixture");
    let base = Path::new("tests/fixtures/valid");
    let mut refused = 0;
    for (i, _) in text.char_indices() {
        if let Err(problems) = parse_str(&text[..i], "f.yaml", base, &fixed_env) {
            assert!(!problems.is_empty());
            assert!(problems.iter().all(|p| p.line >= 1 && p.col >= 1));
            refused += 1;
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for skip in 0..lines.len() {
        let damaged: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        let _ = parse_str(&damaged.join("\n"), "f.yaml", base, &fixed_env);
    }
    assert!(refused > 0, "truncations should be refused");
}

/// Through the real binary: each invalid fixture prints exactly its expected lines and
/// exits 64 (`UPDATE_EXPECTED=1` rewrites them), each valid one says ok and exits 0.
#[test]
fn the_binary_prints_each_expected_message_and_exits_64() {
    let check = |path: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
            .arg("check")
            .arg(path)
            .env_clear()
            .env("HOME", "/home/operator")
            .output()
            .expect("gameday runs")
    };
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let invalid = fixtures("tests/fixtures/invalid");
    assert!(
        invalid.len() >= 30,
        "only {} invalid fixtures",
        invalid.len()
    );
    let mut failures = Vec::new();
    for path in invalid {
        let out = check(&path);
        assert_eq!(out.status.code(), Some(64), "{}", path.display());
        let got = String::from_utf8_lossy(&out.stdout);
        let expected_path = path.with_extension("expected");
        if update {
            fs::write(&expected_path, got.as_bytes()).expect("write expected");
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
        if got != expected {
            failures.push(format!(
                "{}\n--- expected\n{expected}--- got\n{got}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let valid = fixtures("tests/fixtures/valid");
    assert!(valid.len() >= 4);
    for path in valid {
        let out = check(&path);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}: {text}", path.display());
        assert!(
            text.starts_with(&format!("{}: ok (", path.display())),
            "{text}"
        );
    }
}
