//! `gameday new NAME --template T`: every template written by the real binary passes
//! `gameday check`; an existing file is kept unless --force; a bad template or name is
//! refused with the valid choices.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn gameday_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .current_dir(dir)
        .env_remove("PROMETHEUS_URL")
        .env_remove("KUBE_CONTEXT")
        .output()
        .unwrap()
}

#[test]
fn every_template_passes_check() {
    let tmp = tempfile::tempdir().unwrap();
    for (template, kind) in [
        ("pod-delete", "pod_delete:"),
        ("scale-to-zero", "scale:"),
        ("latency", "kind: NetworkChaos"),
        ("exec", "exec:"),
        ("slo-burn", "abort: \"> 14.4\""),
    ] {
        let name = format!("my-{template}");
        let out = gameday_in(tmp.path(), &["new", &name, "--template", template]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{template}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = format!("{name}.yaml");
        let text = fs::read_to_string(tmp.path().join(&file)).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=scenario.schema.json\n"),
            "{text}"
        );
        assert!(text.contains(&format!("name: {name}\n")));
        assert!(text.contains(kind), "{template}");
        assert!(text.contains("gameday check my-"), "{template}");
        let check = gameday_in(tmp.path(), &["check", &file]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{template}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        // the commented milestones, uncommented, are valid as written
        assert!(text.contains("\n# milestones:\n"), "{template}");
        let mut inside = false;
        let uncommented: String = text
            .lines()
            .map(|l| {
                inside = l == "# milestones:" || (inside && l.starts_with("#   "));
                if inside {
                    &l[2..]
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let with = format!("with-{file}");
        fs::write(tmp.path().join(&with), &uncommented).unwrap();
        let check = gameday_in(tmp.path(), &["check", &with]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{template}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let said = String::from_utf8_lossy(&check.stderr) + String::from_utf8_lossy(&check.stdout);
        assert!(!said.contains("milestone"), "no warning: {said}");
        let s = gameday::scenario::parse_str(&uncommented, &with, tmp.path(), &|_| None).unwrap();
        let names: Vec<&str> = s.milestones.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["detected", "mitigated", "communicated"],
            "{template}"
        );
    }
}

#[test]
fn out_and_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("sub")).unwrap();
    let args = [
        "new",
        "redis",
        "--template",
        "pod-delete",
        "--out",
        "sub/r.yaml",
    ];
    assert_eq!(gameday_in(tmp.path(), &args).status.code(), Some(0));
    fs::write(tmp.path().join("sub/r.yaml"), "mine").unwrap();
    let again = gameday_in(tmp.path(), &args);
    assert_eq!(again.status.code(), Some(64));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("sub/r.yaml already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("sub/r.yaml")).unwrap(),
        "mine"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(gameday_in(tmp.path(), &forced).status.code(), Some(0));
    assert!(fs::read_to_string(tmp.path().join("sub/r.yaml"))
        .unwrap()
        .contains("name: redis"));
}

#[test]
fn a_bad_template_lists_the_valid_ones_and_a_bad_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = gameday_in(tmp.path(), &["new", "x", "--template", "network-loss"]);
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    for t in ["pod-delete", "scale-to-zero", "latency", "exec", "slo-burn"] {
        assert!(err.contains(t), "{err}");
    }
    let out = gameday_in(tmp.path(), &["new", "My Game", "--template", "exec"]);
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("e.g. `my-game`"), "{err}");
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

/// A fresh template is a valid scenario but not yet a game day: `check` names each
/// placeholder it still holds (and exits 0), and `run` refuses it with the same words.
/// (That the scenarios gameday ships hold none, nor any other warning, is checked once,
/// in headless.rs.)
#[test]
fn a_fresh_template_warns_about_its_placeholders_and_run_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    for template in ["pod-delete", "scale-to-zero", "latency", "exec", "slo-burn"] {
        let file = format!("{template}.yaml");
        let out = gameday_in(
            tmp.path(),
            &["new", "x", "--template", template, "--out", &file],
        );
        assert_eq!(out.status.code(), Some(0), "{template}");
        let check = gameday_in(tmp.path(), &["check", &file]);
        assert_eq!(check.status.code(), Some(0), "{template}");
        let stdout = String::from_utf8(check.stdout).unwrap();
        let warnings: Vec<&str> = stdout.lines().skip(1).collect();
        assert!(
            warnings.iter().any(|w| w.contains("pod_delete.selector")
                || w.contains("scale.name")
                || w.contains("manifest")
                || w.contains("exec.inject")),
            "{template}: {stdout}"
        );
        for w in &warnings {
            assert!(
                w.starts_with(&format!("{file}:"))
                    && w.contains(": warning: ")
                    && w.ends_with(
                        "is a placeholder left by `gameday new`; replace it before the game day"
                    ),
                "{template}: {w}"
            );
        }
        let run = gameday_in(tmp.path(), &["run", "--headless", "--out", "runs", &file]);
        assert_eq!(run.status.code(), Some(64), "{template}");
        let stderr = String::from_utf8(run.stderr).unwrap();
        for w in &warnings {
            assert!(stderr.contains(w), "{template}: the same words: {stderr}");
        }
        assert!(!tmp.path().join("runs").exists(), "{template}: nothing ran");
    }
}

/// Directory names a shell or a YAML reader would read as more than a name: a line
/// break followed by YAML keys, and a carriage return.
const HOSTILE_DIRS: &[&str] = &[
    "evil\nsteady_state: []\nfaults: []\nname: pwned\nhypothesis: owned\n#",
    "cr\rname: pwned",
];

fn scenario_of(text: &str) -> gameday::scenario::Scenario {
    let env = |_: &str| None;
    gameday::scenario::parse_str(text, "x.yaml", Path::new("."), &env)
        .unwrap_or_else(|p| panic!("{p:?}\n{text}"))
}

fn top_keys(text: &str) -> Vec<String> {
    let env = |_: &str| None;
    let tree = gameday::yaml::parse_yaml(text, &env);
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
    match tree.root.map(|r| r.value) {
        Some(gameday::yaml::Value::Map(entries)) => {
            entries.into_iter().map(|(k, _)| k.name).collect()
        }
        other => panic!("not a mapping: {other:?}"),
    }
}

/// Finding 1 of the outside review: the directory of the file is written into its
/// comments (the hint beside the schema modeline, the `gameday check FILE` lines). A
/// directory named with a line break and YAML keys, or with a carriage return, adds
/// nothing to the scenario: every line written is one line with no control character,
/// and the file parses to exactly the scenario a plain directory gets.
#[test]
fn a_directory_name_cannot_write_yaml_into_a_new_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    fs::create_dir(&plain).unwrap();
    for template in ["pod-delete", "exec"] {
        let out = gameday_in(&plain, &["new", "x", "--template", template, "--force"]);
        assert_eq!(out.status.code(), Some(0), "{template}");
        let expected = fs::read_to_string(plain.join("x.yaml")).unwrap();
        for (i, name) in HOSTILE_DIRS.iter().enumerate() {
            let dir = tmp.path().join(name);
            fs::create_dir_all(&dir).unwrap();
            // written from inside the directory, and into it with --out from outside
            let inside = gameday_in(&dir, &["new", "x", "--template", template, "--force"]);
            assert_eq!(
                inside.status.code(),
                Some(0),
                "{template} {i}: {}",
                String::from_utf8_lossy(&inside.stderr)
            );
            let out_file = dir.join("y.yaml");
            let outside = gameday_in(
                tmp.path(),
                &[
                    "new",
                    "x",
                    "--template",
                    template,
                    "--force",
                    "--out",
                    out_file.to_str().unwrap(),
                ],
            );
            assert_eq!(outside.status.code(), Some(0), "{template} {i}");
            for file in [dir.join("x.yaml"), out_file] {
                let text = fs::read_to_string(&file).unwrap();
                for l in text.lines() {
                    assert!(!l.chars().any(char::is_control), "{template} {i}: {l:?}");
                }
                assert_eq!(top_keys(&text), top_keys(&expected), "{template} {i}");
                assert_eq!(scenario_of(&text), scenario_of(&expected), "{template} {i}");
                // the path is still there, as one shell word naming exactly it
                let hint = text
                    .lines()
                    .find(|l| l.contains("gameday schema > "))
                    .unwrap_or_else(|| panic!("no schema hint in\n{text}"));
                assert!(
                    hint.contains("$'") && hint.contains("scenario.schema.json"),
                    "{hint}"
                );
                // and `check` reads it as the same scenario
                let check = gameday_in(
                    &dir,
                    &["check", file.file_name().unwrap().to_str().unwrap()],
                );
                assert_eq!(check.status.code(), Some(0), "{template} {i}");
            }
        }
    }
}
