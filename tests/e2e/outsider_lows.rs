//! What the outsiders found between the docs and the binary's refusals: every command's
//! `--help` names the exit codes README's table gives it, `report` on a path that is not a
//! run says so with README's code, and a URL the HTTP client would refuse is refused by
//! `check` with file:line:col instead of at the preflight of `run`.

use std::process::Command;

use gameday::exit::ExitStatus;

fn gameday(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The commands README's row for `status` names before a `:` (`` `join`, `abort`: … ``).
fn commands_named(status: ExitStatus) -> Vec<String> {
    let mut out = Vec::new();
    for clause in status.summary().split("; ") {
        let Some((head, _)) = clause.split_once(": ") else {
            continue;
        };
        for word in head.split(", ") {
            if let Some(cmd) = word.strip_prefix('`').and_then(|w| w.strip_suffix('`')) {
                if cmd.chars().all(|c| c.is_ascii_lowercase()) {
                    out.push(cmd.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_command_help_names_the_codes_readme_gives_it() {
    let mut checked = Vec::new();
    for status in ExitStatus::all() {
        if status.code() < 65 {
            // the verdicts' codes and 64 are every command's
            continue;
        }
        for cmd in commands_named(*status) {
            let (code, help, _) = gameday(&[&cmd, "--help"]);
            assert_eq!(code, Some(0), "{cmd} --help");
            assert!(
                help.contains(&status.code().to_string()),
                "`gameday {cmd} --help` does not name exit {} ({}):\n{help}",
                status.code(),
                status.summary()
            );
            checked.push(format!("{cmd} {}", status.code()));
        }
    }
    for must in [
        "status 69",
        "join 69",
        "join 75",
        "status 77",
        "report 69",
        "recover 77",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} not in {checked:?}"
        );
    }
}

#[test]
fn report_on_a_path_that_is_not_a_run_says_so_and_exits_69() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-run");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (path, said) in [
        (&missing, "does not exist"),
        (&file, "is not a directory"),
        (&empty, "is not a run directory: it has no journal.jsonl"),
    ] {
        for extra in [&[][..], &["--recheck"][..]] {
            let mut args = vec!["report", path.to_str().unwrap()];
            args.extend_from_slice(extra);
            let (code, out, err) = gameday(&args);
            assert_eq!(
                code,
                Some(ExitStatus::Unavailable.code()),
                "{args:?}: {err}"
            );
            assert!(err.contains(said), "{args:?}: {err}");
            assert!(!err.contains("disk full"), "{args:?}: {err}");
            assert!(out.is_empty(), "{args:?}: {out}");
        }
    }
    assert!(
        !empty.join("report.md").exists(),
        "nothing is written where there is no run"
    );
}

fn scenario_with_url(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    let path = dir.join("s.yaml");
    std::fs::write(
        &path,
        format!(
            "name: urls\n\
             hypothesis: The service stays up.\n\
             steady_state:\n\
             \x20 - name: web\n\
             \x20   http: {{ url: \"{url}\", every: 500ms, timeout: 2s }}\n\
             \x20   measure: error_rate\n\
             \x20   window: 2s\n\
             \x20   expect: \"< 50%\"\n\
             faults:\n\
             \x20 - name: noop\n\
             \x20   duration: 2s\n\
             \x20   exec: {{ inject: \"true\", revert: \"true\" }}\n\
             phases: {{ baseline: 2s, recovery: 3s }}\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn check_refuses_a_url_the_http_client_would_refuse_with_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    for (url, said) in [
        (
            "http://127.0.0.1:99999",
            "its port is not a number from 1 to 65535",
        ),
        (
            "http://[::1:9090",
            "the `[` of its IPv6 address is not closed with `]`",
        ),
        ("http:///metrics", "it has no host after `://`"),
    ] {
        let path = scenario_with_url(dir.path(), url);
        // `check` prints its problems on standard output
        let (code, err, _) = gameday(&["check", path.to_str().unwrap()]);
        assert_eq!(code, Some(64), "{url}: {err}");
        assert!(
            err.contains("s.yaml:5:18: steady_state[0].http.url: expected an absolute"),
            "{url}: {err}"
        );
        assert!(err.contains(said), "{url}: {err}");
        // and the same words for the flag that overrides `prometheus.url`
        let (code, _, err) = gameday(&["plan", "--prometheus-url", url, path.to_str().unwrap()]);
        assert_eq!(code, Some(64), "--prometheus-url {url}: {err}");
        assert!(err.contains(said), "--prometheus-url {url}: {err}");
    }
    for url in ["HTTP://127.0.0.1:9090/", "Https://[::1]:9090/x"] {
        let path = scenario_with_url(dir.path(), url);
        let (code, out, err) = gameday(&["check", path.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{url}: {out}{err}");
    }
}

#[test]
fn a_scheme_in_capitals_is_read_in_lower_case() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario_with_url(dir.path(), "HTTP://127.0.0.1:9/Path"))
        .unwrap()
        + "prometheus: { url: \"HTTPS://Prom.example:9090/Q\" }\n";
    let s = gameday::scenario::parse_str(&text, "s.yaml", dir.path(), &|_| None)
        .unwrap_or_else(|p| panic!("{p:?}"));
    let prom = s.prometheus.expect("prometheus section");
    // only the scheme: a path is case-sensitive
    assert_eq!(prom.url, "https://Prom.example:9090/Q");
    let shown = format!("{:?}", s.steady_state);
    assert!(shown.contains("\"http://127.0.0.1:9/Path\""), "{shown}");
    assert!(!shown.contains("HTTP://"), "{shown}");
}
