//! The real binary, tried as an attacker and as an unlucky user would (issue 14): text
//! from elsewhere that tries to drive the terminal or the report, secrets that must stay
//! secret, files that are not what they seem, and `recover` that must work when it matters
//! and refuse when it must.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::{any, get};
use axum::Router;

use common::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The characters that must never reach a terminal or a report as themselves.
fn unsafe_chars(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|(_, c)| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn assert_shown_not_sent(what: &str, text: &str) {
    let bad = unsafe_chars(text);
    assert!(
        bad.is_empty(),
        "{what} sent control characters {bad:?}:\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("FORGED")),
        "{what} has a forged line:\n{text}"
    );
}

/// What a markdown reader would render as text outside code spans, escapes removed:
/// CommonMark's rule is that a run of N backticks opens a span closed by the next run of
/// exactly N.
fn outside_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                // an escaped character is text, never markup
                out.push('_');
                i += 2;
            }
            '`' => {
                let n = chars[i..].iter().take_while(|c| **c == '`').count();
                let mut j = i + n;
                let mut closed = None;
                while j < chars.len() {
                    if chars[j] == '`' {
                        let m = chars[j..].iter().take_while(|c| **c == '`').count();
                        if m == n {
                            closed = Some(j + m);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                match closed {
                    Some(end) => i = end,
                    None => {
                        out.extend(std::iter::repeat_n('`', n));
                        i += n;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn assert_no_live_markdown(report: &str, url: &str) {
    for line in report.lines() {
        let text = outside_code_spans(line);
        assert!(
            !text.contains(&format!("]({url}")) && !text.contains(&format!("<{url}")),
            "server text became a live link in the report:\n{line}\n(outside code spans: {text})"
        );
    }
}

/// Standard output of a child, line by line, on a channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn wait_line(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    if seen.iter().any(|l| l.contains(text)) {
        return;
    }
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => {
                let hit = l.contains(text);
                seen.push(l);
                if hit {
                    return;
                }
            }
            Err(_) => panic!("never printed {text:?}:\n{}", seen.join("\n")),
        }
    }
}

/// OSC 52 (write the clipboard), CSI (clear the screen), a carriage return, a C1 CSI, a
/// bidirectional override and a newline with a forged line after it; and doubled
/// backticks around a markdown link.
const HOSTILE: &str = "\u{1b}]52;c;aGk=\u{7} \u{1b}[2J\r\u{9b}1m \u{202e}txet ``[click](http://evil.example)`` \nFORGED line";

/// A stand-in for Prometheus and for a chaos API whose answers hold `HOSTILE`.
fn hostile_server() -> std::net::SocketAddr {
    let prom_error = serde_json::json!({
        "status": "error",
        "errorType": "bad_data",
        "error": HOSTILE,
    })
    .to_string();
    let prom = move || {
        let body = prom_error.clone();
        async move { (StatusCode::BAD_REQUEST, body) }
    };
    serve(
        Router::new()
            .route("/api/v1/query", any(prom.clone()))
            .route("/api/v1/query_range", any(prom))
            .route(
                "/fault",
                any(|| async { (StatusCode::INTERNAL_SERVER_ERROR, HOSTILE) }),
            )
            .route("/ok", get(|| async { "ok" })),
    )
}

/// Issue 14, items 5 and 7: escape sequences from a Prometheus error body, an HTTP fault's
/// answer, an exec fault's output, the hypothesis, a note on standard input and a joiner's
/// note are shown (`\e]52;…`), never sent, by headless output, `join --headless`, `plan`
/// and report.md; a newline forges no line; doubled backticks do not break out of a code
/// span into a live link.
#[test]
fn text_from_elsewhere_is_shown_never_sent_and_never_becomes_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = hostile_server();
    // printf's octal escapes: ESC ] 52 … BEL, a CR, a newline and a forged line
    let exec_out =
        r"printf '\033]52;c;aGk=\007 \033[2J\r``[click](http://evil.example)``\nFORGED line\n'";
    let text = format!(
        r#"name: hostile-text
hypothesis: "Text from elsewhere \e]52;c;aGk=\a stays text.\nFORGED hypothesis"
interval: 200ms
prometheus: {{ url: "http://{srv}", interval: 300ms }}
steady_state:
  - name: prometheus says
    promql: up
  - name: command says
    command: "printf 'bad \\033[2J\\r\\nFORGED sample\\n' >&2; exit 3"
  - name: judged
    command: echo 0
    expect: "< 1"
faults:
  - name: exec answers
    duration: 6s
    exec: {{ inject: "{exec_out}", revert: "true" }}
  - name: http answers
    duration: 1s
    http:
      inject: {{ url: "http://{srv}/fault" }}
      revert: {{ url: "http://{srv}/ok", method: GET }}
safety:
  require_steady_state: false
phases:
  baseline: 1s
  recovery: 1s
"#,
        exec_out = exec_out.replace('\\', "\\\\")
    );
    let path = write(tmp.path(), "hostile.yaml", &text);

    // plan prints the hypothesis, the preflight (the server's hostile error about the
    // query, which makes plan exit 69) and each plan line
    let plan = gameday().arg("plan").arg(&path).output().unwrap();
    let plan_out = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert_eq!(plan.status.code(), Some(69), "{plan_out}");
    assert_shown_not_sent("plan", &plan_out);
    assert!(plan_out.contains(r"\e]52;c;aGk=\a"), "{plan_out}");
    assert!(
        plan_out.contains(r"FAILED   the query of `prometheus says`")
            && plan_out.contains(r"\nFORGED line"),
        "{plan_out}"
    );

    let out = tmp.path().join("runs");
    let mut driver =
        common::spawn(headless(&path, &out, &["--skip-preflight"]).stdin(Stdio::piped()));
    let dir = wait_for_event(&out, "fault_injected", Duration::from_secs(30));
    // a note typed on the driver's standard input
    let stdin = driver.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        "typed \u{1b}]8;;http://evil.example\u{7}link\u{1b}]8;;\u{7} \r"
    )
    .unwrap();
    stdin.flush().unwrap();
    // a joiner's note
    let mut joiner = common::spawn(
        gameday()
            .args(["join", "--headless"])
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let rx = lines_of(&mut joiner);
    let mut seen = Vec::new();
    wait_line(&rx, &mut seen, "tester drives");
    let jin = joiner.stdin.as_mut().unwrap();
    writeln!(jin, "from the second seat \u{1b}]52;c;aGk=\u{7} \u{9b}2J").unwrap();
    jin.flush().unwrap();
    wait_line(&rx, &mut seen, "saved in the driver's journal");

    let o = wait_bounded(&mut driver, Duration::from_secs(60));
    let driver_out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(4),
        "the http fault fails: {driver_out}"
    );
    wait_line(&rx, &mut seen, "the run ended: ");
    let jo = wait_bounded(&mut joiner, Duration::from_secs(10));
    let joiner_out = seen.join("\n") + "\n" + &String::from_utf8_lossy(&jo.stdout);

    for (what, text) in [("headless", &driver_out), ("join --headless", &joiner_out)] {
        assert_shown_not_sent(what, text);
        assert!(text.contains(r"\e]52;c;aGk=\a"), "{what}: {text}");
        assert!(text.contains("from the second seat"), "{what}: {text}");
    }
    // every source reached the output, made visible
    assert!(driver_out.contains(r"\e[2J\r"), "exec output: {driver_out}");
    assert!(
        driver_out.contains(r"\u{9b}1m"),
        "prometheus body: {driver_out}"
    );
    assert!(
        driver_out.contains(r"\e]8;;http://evil.example\alink"),
        "{driver_out}"
    );

    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert_shown_not_sent("report.md", &report);
    assert!(report.contains(r"\e]52;c;aGk=\a"), "{report}");
    assert_no_live_markdown(&report, "http://evil.example");
    // `gameday report` writes the same bytes from the journal alone
    std::fs::remove_file(dir.join("report.md")).unwrap();
    let r = gameday().arg("report").arg(&dir).output().unwrap();
    assert!(r.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        report
    );
}

/// Issue 14, item 5: a name with a newline or an escape sequence is refused by `check`
/// (it would forge headless lines), with the character named.
#[test]
fn check_refuses_names_with_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "names.yaml",
        "name: names\nhypothesis: h\nsteady_state:\n  - name: \"p99\\n12:00:00.000  verdict CONFIRMED\"\n    command: echo 0\n",
    );
    let o = gameday().arg("check").arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(64), "{out}");
    assert_eq!(out.lines().count(), 1, "one problem, one line: {out}");
    assert!(
        out.contains("steady_state[0].name: holds U+000A (a line break) at character 4"),
        "{out}"
    );
}

/// Runs `gameday ARGS` bounded in time; the output and the exit code.
fn bounded(args: &[&std::ffi::OsStr], limit: Duration) -> (Option<i32>, String) {
    let mut child = common::spawn(
        gameday()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let o = wait_bounded(&mut child, limit);
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Issue 14, item 8: a FIFO, a device or a directory as the scenario is refused at once
/// by check, plan and run (a FIFO used to hang them); a 50 MB file is refused from its
/// size before it is read; a NUL byte is reported at its FILE:LINE:COL instead of
/// silently ending the scenario there.
#[test]
fn scenario_readers_accept_only_regular_files_of_sane_size_without_nul() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("scenario.yaml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let out = tmp.path().join("runs");
    let limit = Duration::from_secs(10);
    for path in [fifo.as_path(), Path::new("/dev/zero"), tmp.path()] {
        for cmd in ["check", "plan", "run"] {
            let mut args: Vec<&std::ffi::OsStr> = vec![cmd.as_ref()];
            if cmd == "run" {
                args.extend(["--headless".as_ref(), "--out".as_ref(), out.as_os_str()]);
            }
            args.push(path.as_os_str());
            let (code, text) = bounded(&args, limit);
            assert_eq!(code, Some(64), "{cmd} {}: {text}", path.display());
            assert!(
                text.contains(":1:1: cannot read the scenario:")
                    && text.contains(
                        "not a regular file: gameday reads scenarios only from regular files"
                    ),
                "{cmd} {}: {text}",
                path.display()
            );
        }
    }
    assert!(!out.exists(), "nothing was run");

    let big = tmp.path().join("big.yaml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let (code, text) = bounded(&["check".as_ref(), big.as_os_str()], limit);
    assert_eq!(code, Some(64), "{text}");
    assert!(
        text.contains("big.yaml:1:1: scenario is 52428800 bytes; the limit is 1 MiB"),
        "{text}"
    );

    let nul = write(
        tmp.path(),
        "nul.yaml",
        "name: nul\nhypothesis: h\n\0\nfaults:\n  - name: f\n    duration: 1s\n    exec: { inject: x }\n",
    );
    let (code, text) = bounded(&["check".as_ref(), nul.as_os_str()], limit);
    assert_eq!(code, Some(64), "the keys after the NUL count: {text}");
    assert!(
        text.contains("nul.yaml:3:1: the scenario holds a NUL byte here"),
        "{text}"
    );
}

/// Issue 14, item 8: `report` on a run directory whose journal.jsonl is a link to
/// /dev/zero, or a FIFO, answers at once instead of reading until memory runs out or
/// hanging.
#[test]
fn report_refuses_a_journal_that_is_not_a_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, make) in [
        (
            "zero",
            Box::new(|p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap())
                as Box<dyn Fn(&Path)>,
        ),
        (
            "fifo",
            Box::new(|p: &Path| {
                nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap()
            }),
        ),
    ] {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        make(&dir.join("journal.jsonl"));
        let (code, text) = bounded(
            &["report".as_ref(), dir.as_os_str()],
            Duration::from_secs(10),
        );
        assert_eq!(code, Some(64), "{name}: {text}");
        assert!(
            text.contains("not a regular file: gameday reads journals only from regular files"),
            "{name}: {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// recover: it must work when it matters, and refuse when it must
// ---------------------------------------------------------------------------------------

/// Starts `gameday run --headless` on `scenario` with `envs`, waits until `marker` shows
/// the fault is injected, and kills the process with SIGKILL (nothing of gameday can run
/// after it): what `recover` exists for. Returns the run directory.
fn killed_during_fault(
    scenario: &Path,
    out: &Path,
    marker: &Path,
    envs: &[(&str, &str)],
) -> PathBuf {
    let mut child = common::spawn(headless(scenario, out, &[]).envs(envs.iter().copied()));
    let dir = wait_for_event(out, "fault_injected", Duration::from_secs(30));
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the fault never injected"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(marker.exists(), "nothing reverts after SIGKILL");
    dir
}

fn recover(dir: &Path, extra: &[&std::ffi::OsStr], envs: &[(&str, &str)]) -> (Option<i32>, String) {
    let o = gameday()
        .arg("recover")
        .arg(dir)
        .args(extra)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// An exec fault whose revert needs a password written literally in the scenario.
fn literal_secret_scenario(dir: &Path, marker: &Path) -> PathBuf {
    write(
        dir,
        "literal-secret.yaml",
        &format!(
            r#"name: literal-secret
hypothesis: The revert still works after kill -9.
interval: 200ms
steady_state:
  - name: always fine
    command: echo 0
    expect: "< 1"
faults:
  - name: db down
    duration: 5m
    exec:
      inject: touch {m}
      revert: test "$DB_PASSWORD" = hunter22 && rm {m}
      env:
        DB_PASSWORD: hunter22
safety:
  max_duration: 10m
phases:
  baseline: 1s
  recovery: 1s
"#,
            m = marker.display()
        ),
    )
}

/// Issue 14, item 1: SIGKILL during an active fault whose scenario holds a literal
/// secret (`DB_PASSWORD: hunter22`, which the journal used to keep as `KEY: ***`, a YAML
/// alias), then `recover` reverts it, from the scenario file the run read (its sha256 is
/// the journal's). The journal never holds the secret.
#[test]
fn recover_reverts_a_fault_whose_scenario_holds_a_literal_secret_after_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("db-down");
    let scenario = literal_secret_scenario(tmp.path(), &marker);
    let out = tmp.path().join("runs");
    let dir = killed_during_fault(&scenario, &out, &marker, &[]);
    let journal_text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert!(!journal_text.contains("hunter22"), "{journal_text}");
    let kept = journal(&dir)[0]["scenario_text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(kept.contains("DB_PASSWORD: \"***\""), "{kept}");

    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!marker.exists(), "recover reverted the fault: {text}");
    assert!(text.contains("reverted `db down`"), "{text}");
    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("nothing to do"), "{text}");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(!report.contains("hunter22"), "{report}");
}

/// Issue 14, item 1: when the scenario file is gone or changed, the kept text cannot
/// give the literal secret back: `recover` says which fault needs which value and how to
/// proceed (exit 5, the fault may still be active), and with `--scenario FILE` (checked
/// against the journal's sha256) it reverts.
#[test]
fn recover_without_the_original_file_says_what_it_needs_then_takes_it_from_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("db-down");
    let scenario = literal_secret_scenario(tmp.path(), &marker);
    let out = tmp.path().join("runs");
    let dir = killed_during_fault(&scenario, &out, &marker, &[]);
    let saved = tmp.path().join("saved.yaml");
    std::fs::rename(&scenario, &saved).unwrap();

    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(5), "{text}");
    assert!(marker.exists(), "nothing was run with a missing value");
    for words in [
        "FAILED to revert `db down`",
        "faults[0].exec.env.DB_PASSWORD",
        "--scenario FILE",
        "revert by hand",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    // a different file is refused
    let other = write(tmp.path(), "other.yaml", "name: other\nhypothesis: h\n");
    let (code, text) = recover(&dir, &["--scenario".as_ref(), other.as_os_str()], &[]);
    assert_eq!(code, Some(64), "{text}");
    assert!(text.contains("has changed since the run"), "{text}");
    assert!(marker.exists());
    // the file as it was
    let (code, text) = recover(&dir, &["--scenario".as_ref(), saved.as_os_str()], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!marker.exists(), "{text}");
}

/// A chaos API whose revert needs the right bearer token: `/on` creates `flag-off` in
/// `dir`, `/off` removes it only with `Authorization: Bearer <token>`.
fn flag_server(dir: &Path, token: &'static str) -> std::net::SocketAddr {
    use axum::extract::State;
    use axum::http::HeaderMap;
    let on = |State(dir): State<PathBuf>| async move {
        std::fs::write(dir.join("flag-off"), "").unwrap();
        StatusCode::OK
    };
    let off = move |State(dir): State<PathBuf>, headers: HeaderMap| async move {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth == format!("Bearer {token}") {
            let _ = std::fs::remove_file(dir.join("flag-off"));
            (StatusCode::OK, String::new())
        } else {
            (StatusCode::UNAUTHORIZED, format!("bad credentials: {auth}"))
        }
    };
    serve(
        Router::new()
            .route("/on", any(on))
            .route("/off", any(off))
            .with_state(dir.to_path_buf()),
    )
}

/// Issue 14, item 1: a block-style `Authorization: "Bearer ${TOKEN}"` header (which the
/// journal used to keep as `Authorization: ***`, unreadable) is kept with its `${TOKEN}`:
/// with the scenario file gone, `recover` rebuilds the revert from the journal and
/// re-resolves the token from its own environment.
#[test]
fn recover_rebuilds_a_header_from_the_journal_and_its_own_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = flag_server(tmp.path(), "s3cr3t-flag-token");
    let marker = tmp.path().join("flag-off");
    let scenario = write(
        tmp.path(),
        "flag.yaml",
        &format!(
            r#"name: flag-off
hypothesis: The flag comes back after kill -9.
interval: 200ms
steady_state:
  - name: always fine
    command: echo 0
    expect: "< 1"
faults:
  - name: flag off
    duration: 5m
    http:
      inject:
        url: http://{srv}/on
        headers:
          Authorization: "Bearer ${{FLAGS_TOKEN}}"
      revert:
        url: http://{srv}/off
        headers:
          Authorization: "Bearer ${{FLAGS_TOKEN}}"
safety:
  max_duration: 10m
phases:
  baseline: 1s
  recovery: 1s
"#
        ),
    );
    let out = tmp.path().join("runs");
    let token = [("FLAGS_TOKEN", "s3cr3t-flag-token")];
    let dir = killed_during_fault(&scenario, &out, &marker, &token);
    std::fs::remove_file(&scenario).unwrap();
    let journal_text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert!(
        !journal_text.contains("s3cr3t-flag-token"),
        "{journal_text}"
    );

    let (code, text) = recover(&dir, &[], &token);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        !marker.exists(),
        "the revert reached the API with the token: {text}"
    );
    assert!(
        text.contains("using the scenario kept in the journal"),
        "{text}"
    );
}

/// Issue 14, item 2: `recover` runs what a journal says, so it acts only on a journal of
/// the user running it (root: root's) in a run directory no one else can write. A run
/// directory planted by another user (a group member, in a shared runs directory), a
/// journal owned by another user, a group-writable directory and a symlinked journal are
/// refused (exit 77) before anything runs.
#[test]
fn recover_refuses_a_journal_it_cannot_trust_without_running_anything() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test plants a journal owned by another user, which needs root: run it through \
         README's test command (scripts/test), which runs as root"
    );
    let other = nix::unistd::User::from_name("daemon").unwrap().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let pwned = tmp.path().join("pwned");
    let marker = tmp.path().join("marker");
    let scenario = write(
        tmp.path(),
        "plant.yaml",
        &format!(
            r#"name: planted
hypothesis: h
interval: 200ms
steady_state:
  - name: s
    command: echo 0
    expect: "< 1"
faults:
  - name: f
    duration: 5m
    exec: {{ inject: touch {m}, revert: touch {p} }}
safety: {{ max_duration: 10m }}
phases: {{ baseline: 1s, recovery: 1s }}
"#,
            m = marker.display(),
            p = pwned.display()
        ),
    );
    let out = tmp.path().join("runs");
    let dir = killed_during_fault(&scenario, &out, &marker, &[]);
    let journal_path = dir.join("journal.jsonl");
    let chown = |p: &Path, uid: u32| std::os::unix::fs::chown(p, Some(uid), None).unwrap();
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let me = nix::unistd::User::from_uid(nix::unistd::geteuid())
        .unwrap()
        .unwrap()
        .name;

    // a run directory and journal planted by another user
    chown(&dir, other.uid.as_raw());
    chown(&journal_path, other.uid.as_raw());
    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(77), "{text}");
    assert!(
        text.contains(&format!(
            "belongs to daemon (uid {}), not to you ({me}",
            other.uid
        )),
        "{text}"
    );
    // our directory, their journal
    chown(&dir, 0);
    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(77), "{text}");
    assert!(text.contains("its journal belongs to daemon"), "{text}");
    chown(&journal_path, 0);
    // a directory the group can write
    mode(&dir, 0o2770);
    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(77), "{text}");
    assert!(text.contains("writable by group"), "{text}");
    mode(&dir, 0o750);
    // a journal that is a link to one elsewhere
    let elsewhere = tmp.path().join("elsewhere.jsonl");
    std::fs::rename(&journal_path, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &journal_path).unwrap();
    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(77), "{text}");
    assert!(text.contains("symbolic link"), "{text}");
    assert!(!pwned.exists(), "nothing was run from an untrusted journal");
    assert!(
        !std::fs::read_to_string(&elsewhere)
            .unwrap()
            .contains("\"recover\""),
        "nothing was written either"
    );

    // the same journal, trusted: recover runs its revert
    std::fs::remove_file(&journal_path).unwrap();
    std::fs::rename(&elsewhere, &journal_path).unwrap();
    let (code, text) = recover(&dir, &[], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(pwned.exists(), "{text}");
}

// ---------------------------------------------------------------------------------------
// secrets: redaction on values, never on serialized text
// ---------------------------------------------------------------------------------------

/// The string fields of a journal line that can carry a secret (URLs, headers, bodies,
/// command output, error messages, notes, plans, screens), by record type. Names, paths,
/// timestamps, numbers and enums are not among them.
fn secret_bearing(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut take = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => {
            out.extend(a.iter().filter_map(|i| i.as_str().map(str::to_string)))
        }
        _ => {}
    };
    let fields: &[&str] = match v["type"].as_str().unwrap_or("") {
        "run_started" => {
            take(&v["prometheus_url"]);
            take(&v["hypothesis"]);
            for s in v["signals"].as_array().into_iter().flatten() {
                take(&s["source"]);
            }
            for f in v["faults"].as_array().into_iter().flatten() {
                take(&f["plan"]);
            }
            &[]
        }
        "sample" => &["error"],
        "armed" => &["plan"],
        "fault_injecting" | "fault_reverting" => &["action"],
        "fault_injected" => &["detail", "targets"],
        "fault_reverted" | "fault_progress" | "abort" | "operator_left" => &["detail"],
        "cluster_warning" | "warning" => &["message"],
        "arm_refused" => &["reason"],
        "note" => &["text"],
        "verdict" => &["reasons"],
        "screen" => &["text"],
        _ => &[],
    };
    for f in fields {
        take(&v[*f]);
    }
    out
}

/// Every line is a JSON object with its `seq` in order and an intact RFC 3339 timestamp.
fn assert_journal_intact(text: &str) -> Vec<serde_json::Value> {
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {} is not JSON ({e}): {line}", i + 1));
        assert_eq!(v["seq"].as_u64(), Some(i as u64 + 1), "{line}");
        let ts = v["ts"].as_str().unwrap_or_else(|| panic!("no ts: {line}"));
        assert!(
            ts.len() == 24 && ts.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(ts).is_ok(),
            "a damaged timestamp {ts:?}: {line}"
        );
        records.push(v);
    }
    records
}

/// A stand-in that echoes each request's credentials back in an error body, as servers
/// do: Prometheus (`/api/v1/*`), a probe (`/probe`) and a chaos API (`/echo`).
fn echo_server() -> std::net::SocketAddr {
    use axum::http::{HeaderMap, Uri};
    let echo = |uri: Uri, headers: HeaderMap| async move {
        let mut said = format!("no: {uri}");
        for (k, v) in &headers {
            said.push_str(&format!("; {k}: {}", v.to_str().unwrap_or("?")));
        }
        let body = serde_json::json!({"status": "error", "errorType": "bad_data", "error": said});
        (StatusCode::BAD_REQUEST, body.to_string())
    };
    serve(
        Router::new()
            .route("/api/v1/query", any(echo))
            .route("/api/v1/query_range", any(echo))
            .route("/probe", any(echo))
            .route("/echo", any(echo))
            .route("/ok", any(|| async { "ok" })),
    )
}

/// Issue 14, items 3 and 4, with the real binary: a Basic-auth password `2026` (which
/// used to turn every timestamp into `***-11-28…`), a bearer token `true` (which used to
/// write `"ok":***`), a `X-Auth-Key: ${KEY}` header, an `?api_key=${KEY}` query, a
/// password in `prometheus.url`'s user info, and servers echoing all of them (the Basic
/// credential too) in their error bodies. The journal stays valid JSON with intact
/// timestamps, no secret-bearing field holds a secret, the report and the log hold none,
/// and `report` and `recover` still read the journal.
#[test]
fn secrets_stay_out_of_the_journal_report_and_log_and_every_line_stays_json() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = echo_server();
    let run = |name: &str, prometheus: &str, envs: &[(&str, &str)]| {
        let text = format!(
            r#"name: {name}
hypothesis: Secrets stay secret.
interval: 300ms
prometheus:
{prometheus}
steady_state:
  - name: prometheus says
    promql: up
  - name: probe says
    http: {{ url: "http://{srv}/probe?api_key=${{API_KEY}}&q=1", every: 300ms }}
    measure: error_rate
  - name: judged
    command: echo 0
    expect: "< 1"
faults:
  - name: echoing api
    duration: 1s
    http:
      inject:
        url: "http://{srv}/echo"
        headers:
          Authorization: "Bearer ${{FLAG_TOKEN}}"
          X-Auth-Key: "${{KEY}}"
        body: '{{"on": false, "token": "${{FLAG_TOKEN}}"}}'
      revert: {{ url: "http://{srv}/ok", method: GET }}
safety:
  require_steady_state: false
phases:
  baseline: 1s
  recovery: 1s
"#
        );
        let path = write(tmp.path(), &format!("{name}.yaml"), &text);
        let out = tmp.path().join(name);
        // the echoing Prometheus refuses every query (bad_data): the preflight says so,
        // with the echo redacted, and the run goes on to see what else leaks
        let mut child =
            common::spawn(headless(&path, &out, &["--skip-preflight"]).envs(envs.iter().copied()));
        let o = wait_bounded(&mut child, Duration::from_secs(60));
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            stdout.contains("FAILED   the query of `prometheus says`"),
            "{stdout}"
        );
        assert_eq!(
            o.status.code(),
            Some(4),
            "the echoing API refuses: {stdout}"
        );
        (run_dir(&out), stdout)
    };
    let common = [
        ("FLAG_TOKEN", "true"),
        ("KEY", "k3y-in-a-header"),
        ("API_KEY", "k3y-in-a-query"),
    ];
    let basic = base64_of("gameday:2026");
    let mut envs = common.to_vec();
    envs.push(("PROM_PW", "2026"));
    let (a, out_a) = run(
        "basic-auth",
        &format!(
            "  url: http://{srv}\n  basic_auth: {{ username: gameday, password_env: PROM_PW }}\n  headers: {{ X-Auth-Key: \"${{KEY}}\" }}"
        ),
        &envs,
    );
    let mut envs = common.to_vec();
    envs.push(("PROM_PASS", "u5er-info-pa55"));
    let (b, out_b) = run(
        "user-info",
        &format!("  url: \"http://gameday:${{PROM_PASS}}@{srv}\""),
        &envs,
    );
    let userinfo_basic = base64_of("gameday:u5er-info-pa55");
    for (dir, stdout, secrets) in [
        (
            &a,
            &out_a,
            vec!["2026", "true", "k3y-in-a-header", "k3y-in-a-query", &basic],
        ),
        (
            &b,
            &out_b,
            vec![
                "u5er-info-pa55",
                "true",
                "k3y-in-a-header",
                "k3y-in-a-query",
                &userinfo_basic,
            ],
        ),
    ] {
        let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
        let records = assert_journal_intact(&text);
        // the servers did echo them, so the fields had something to hide
        assert!(
            records.iter().any(|r| r["type"] == "sample"
                && r["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("authorization: Basic ***")
                        || e.contains("authorization: ***"))),
            "{text}"
        );
        for r in &records {
            for field in secret_bearing(r) {
                for s in &secrets {
                    assert!(
                        !field.contains(s),
                        "{s:?} in a {} record: {field}",
                        r["type"]
                    );
                }
            }
        }
        // the ${VAR}s are kept, never their values
        let kept = records[0]["scenario_text"].as_str().unwrap();
        assert!(kept.contains("Bearer ${FLAG_TOKEN}") && kept.contains("api_key=${API_KEY}"));
        let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
        let log = std::fs::read_to_string(dir.join("gameday.log")).unwrap_or_default();
        for s in secrets.iter().filter(|s| s.len() > 4) {
            assert!(!report.contains(s), "{s:?} in report.md:\n{report}");
            assert!(!log.contains(s), "{s:?} in gameday.log:\n{log}");
            assert!(!stdout.contains(s), "{s:?} on standard output:\n{stdout}");
        }
        let r = gameday().arg("report").arg(dir).output().unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let (code, text) = recover(dir, &[], &[]);
        assert_eq!(code, Some(0), "{text}");
    }
}

/// `user:password` as a Basic credential.
fn base64_of(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.as_bytes().chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= c.len() {
                T[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

mod redaction_property {
    //! For random secrets (short ones, digits such as `2026`, `true`, `:`, `"`), a run
    //! whose scenario uses the secret in every auth-bearing position, and whose servers and
    //! operators echo it back in every form, writes it into no secret-bearing field, and
    //! every journal line stays valid JSON with intact timestamps.

    use super::*;
    use gameday::engine::Msg;
    use gameday::journal::{AbortSource, Event, NoteKind, ScreenMoment};
    use gameday::runner::{RunOptions, Session};
    use proptest::prelude::*;

    fn percent(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    fn secret() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("2026".to_string()),
            Just("true".to_string()),
            Just(":".to_string()),
            Just("\"".to_string()),
            Just("1".to_string()),
            Just("Z".to_string()),
            Just("ms".to_string()),
            "[0-9]{1,4}",
            "[ -~]{1,3}",
            "[ -~]{4,16}",
            "[a-zA-Z0-9+/=]{8,24}",
        ]
        .prop_filter("a secret of only `*` cannot be told from the mask", |s| {
            !s.chars().all(|c| c == '*')
        })
    }

    fn scenario(with_urls: bool) -> String {
        let prometheus_url = if with_urls {
            "\"http://gameday:${S}@127.0.0.1:9\""
        } else {
            "http://127.0.0.1:9"
        };
        let probe = if with_urls {
            "  - name: probe\n    http: { url: \"http://127.0.0.1:9/p?api_key=${S}&q=${S}\", every: 1h }\n    measure: error_rate\n"
        } else {
            ""
        };
        format!(
            r#"name: prop
hypothesis: Nothing secret is written.
interval: 1h
prometheus:
  url: {prometheus_url}
  headers: {{ X-Auth-Key: "${{S}}" }}
steady_state:
  - name: cmd
    command: "echo 0"
    expect: "< 1"
{probe}faults:
  - name: flag
    duration: 1s
    http:
      inject:
        url: "http://127.0.0.1:9/on"
        headers: {{ X-Custom: "${{S}}", Authorization: "Bearer ${{S}}" }}
        body: "{{\"k\": \"${{S}}\"}}"
      revert: {{ url: "http://127.0.0.1:9/off" }}
  - name: db
    duration: 1s
    exec: {{ inject: "true", revert: "true", env: {{ REDISCLI_AUTH: "${{S}}" }} }}
phases:
  baseline: 1h
  recovery: 1s
"#
        )
    }

    /// One run: the session as `gameday run` builds it, fed what servers, commands and
    /// people say, echoing the secret; closed (journal, report). Returns the journal, or
    /// the parser's problems when the secret breaks a URL it is spelled into.
    fn run_with(
        rt: &tokio::runtime::Runtime,
        s: &str,
    ) -> Result<(String, Vec<String>), Vec<String>> {
        let with_urls = !s.chars().any(char::is_whitespace);
        let text = scenario(with_urls);
        let secret = s.to_string();
        let env = move |k: &str| (k == "S").then(|| secret.clone());
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("prop.yaml");
        std::fs::write(&path, &text).unwrap();
        let parsed = gameday::scenario::parse_str(&text, "prop.yaml", tmp.path(), &env)
            .map_err(|problems| problems.into_iter().map(|p| p.message).collect::<Vec<_>>())?;
        let opts = RunOptions {
            out_dir: tmp.path().join("runs"),
            operator: "tester".into(),
            mode: "headless".into(),
            demo: false,
        };
        let enc = percent(s);
        let mut forms = vec![s.to_string(), enc.clone()];
        if with_urls {
            forms.push(base64_of(&format!("gameday:{s}")));
        }
        let echo = format!(
            "GET http://127.0.0.1:9/p?api_key={enc}: server said Authorization: Bearer {s}; \
             X-Auth-Key: {s}; {}",
            if with_urls {
                format!("Basic {}", base64_of(&format!("gameday:{s}")))
            } else {
                String::new()
            }
        );
        let dir = rt.block_on(async {
            let (mut session, _rx) = Session::start(&parsed, &path, &text, &env, &opts)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            session.handle(Msg::Sample {
                signal: 0,
                value: Err(echo.clone()),
            });
            session.handle(Msg::Note {
                author: "tester".into(),
                kind: NoteKind::Note,
                text: format!("pasted {s} by mistake"),
            });
            session.handle(Msg::ClusterWarning {
                namespace: "shop".into(),
                object: "pod/x".into(),
                reason: "BackOff".into(),
                message: echo.clone(),
            });
            session.journal_front_event(Event::Warning {
                source: "grafana".into(),
                message: echo.clone(),
            });
            session.journal_front_event(Event::Screen {
                moment: ScreenMoment::Abort,
                fault: String::new(),
                front: "headless".into(),
                width: 10,
                height: 1,
                text: echo.clone(),
            });
            session.handle(Msg::Abort {
                by: "tester".into(),
                source: AbortSource::Key,
                detail: echo.clone(),
            });
            let dir = session.run_dir.clone();
            let _ = session.close().await;
            dir
        });
        let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
        Ok((journal, forms))
    }

    proptest! {
        // A fixed seed, as in tests/library/fuzz_inputs.rs: the same cases on every run.
        #![proptest_config(ProptestConfig {
            cases: 48,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x7365_6372_6574),
            .. ProptestConfig::default()
        })]

        #[test]
        fn no_run_writes_a_secret_into_a_secret_bearing_field(s in secret()) {
            let rt = tokio::runtime::Runtime::new().unwrap();
            let (journal, forms) = match run_with(&rt, &s) {
                Ok(run) => run,
                Err(problems) => {
                    // a `/`, `?` or `#` in a password ends the URL's host early: the URL
                    // is refused before anything runs, and the refusal does not quote
                    // the secret back (one of 1 to 3 characters is in any sentence)
                    prop_assert!(s.contains(['/', '?', '#']), "{:?}: {:?}", s, problems);
                    for p in &problems {
                        prop_assert!(s.len() < 4 || !p.contains(s.as_str()), "{:?} in {}", s, p);
                    }
                    rt.shutdown_timeout(Duration::from_secs(1));
                    return Ok(());
                }
            };
            let records = assert_journal_intact(&journal);
            prop_assert!(records.iter().any(|r| r["type"] == "run_ended"), "{}", journal);
            // the echoes were journaled, so there was something to hide
            prop_assert!(records.iter().any(|r| r["type"] == "note"));
            for r in &records {
                for field in secret_bearing(r) {
                    for f in &forms {
                        prop_assert!(
                            !field.contains(f.as_str()),
                            "secret {:?} (as {:?}) in a {} record: {}", s, f, r["type"], field
                        );
                    }
                }
            }
            // `${S}` is what the journal keeps of the scenario, never its value
            let kept = records[0]["scenario_text"].as_str().unwrap_or("");
            prop_assert!(kept.contains("Bearer ${S}"), "{}", kept);
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

// ---------------------------------------------------------------------------------------
// files: who may read them, and where `report` writes
// ---------------------------------------------------------------------------------------

fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// A quick run that ends by itself.
fn quick_scenario(dir: &Path) -> PathBuf {
    write(
        dir,
        "quick.yaml",
        "name: quick\nhypothesis: h\ninterval: 200ms\nsteady_state:\n  - name: s\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: f\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\nphases:\n  baseline: 1s\n  recovery: 1s\n",
    )
}

/// Issue 14, item 10: run directories are 0750 and their files 0640 (not readable by
/// everyone, while only the owner and group may join); under a setgid runs directory
/// (README's shared setup) the run directory takes its group and keeps the setgid bit,
/// and the group still never writes.
#[test]
fn run_directories_are_closed_to_others_and_never_group_writable() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = quick_scenario(tmp.path());
    let out = tmp.path().join("runs");
    let o = run_headless(&scenario, &out, &[], Duration::from_secs(30));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let dir = run_dir(&out);
    assert_eq!(mode_of(&out), 0o750);
    assert_eq!(mode_of(&dir), 0o750);
    assert_eq!(mode_of(&dir.join("charts")), 0o750);
    for f in ["journal.jsonl", "report.md", "gameday.log", "charts/s.svg"] {
        assert_eq!(mode_of(&dir.join(f)), 0o640, "{f}");
    }

    // README's shared runs directory: sticky, setgid, the team's group
    let daemon = nix::unistd::Group::from_name("daemon").unwrap().unwrap();
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::os::unix::fs::chown(&shared, None, Some(daemon.gid.as_raw())).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o3770)).unwrap();
    }
    let o = run_headless(&scenario, &shared, &[], Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(0));
    let dir = run_dir(&shared);
    assert_eq!(
        mode_of(&dir),
        0o2750,
        "setgid kept, group reads, never writes"
    );
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&dir).unwrap().gid(), daemon.gid.as_raw());
    assert_eq!(mode_of(&dir.join("journal.jsonl")), 0o640);
}

/// Issue 14, item 10: `report` writes only regular files inside the run directory: a
/// `charts` that is a symbolic link to elsewhere is not followed.
#[test]
fn report_does_not_follow_a_charts_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = quick_scenario(tmp.path());
    let out = tmp.path().join("runs");
    run_headless(&scenario, &out, &[], Duration::from_secs(30));
    let dir = run_dir(&out);
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(dir.join("charts")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("charts")).unwrap();
    let o = gameday().arg("report").arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing was written through the link"
    );
    assert!(std::fs::symlink_metadata(dir.join("charts"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(dir.join("report.md"))
        .unwrap()
        .contains("# Game day: quick"));
}

/// `report` reads and writes through the run directory it opened: someone who swaps
/// `charts`, or the run directory itself, with a link to elsewhere again and again while
/// `report` runs (a teammate in a shared runs directory) never gets a file written there.
#[test]
fn report_cannot_be_raced_into_writing_elsewhere() {
    use nix::fcntl::{renameat2, RenameFlags};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let tmp = tempfile::tempdir().unwrap();
    let scenario = quick_scenario(tmp.path());
    let out = tmp.path().join("runs");
    run_headless(&scenario, &out, &[], Duration::from_secs(30));
    let dir = run_dir(&out);
    let victim = tmp.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    // a link to the victim beside `charts` and beside the run directory, swapped in and
    // out atomically (RENAME_EXCHANGE) as fast as the machine goes
    let charts_link = dir.join("charts-link");
    std::os::unix::fs::symlink(&victim, &charts_link).unwrap();
    let dir_link = out.join("run-link");
    std::os::unix::fs::symlink(&victim, &dir_link).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let pairs = [
            (charts_link.clone(), dir.join("charts")),
            (dir_link.clone(), dir.clone()),
        ];
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for (a, b) in &pairs {
                    if renameat2(None, a, None, b, RenameFlags::RENAME_EXCHANGE).is_ok() {
                        swaps += 1;
                    }
                }
            }
            swaps
        })
    };
    for _ in 0..60 {
        // the name may be a link at the moment `report` opens it: then it refuses
        let _ = gameday().arg("report").arg(&dir).output().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 100, "the swapper ran ({swaps} swaps)");
    let written: Vec<_> = std::fs::read_dir(&victim)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        written.is_empty(),
        "written through a swapped link: {written:?}"
    );
}

/// Issue 14, item 10: `plan` checks `prometheus.bearer_token_file` as `run` does: a
/// missing file, or a FIFO (which used to hang), is refused at once with its name.
#[test]
fn plan_checks_the_bearer_token_file_like_run() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("token-fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    for (file, words) in [
        (tmp.path().join("missing-token"), "No such file"),
        (fifo.clone(), "not a regular file"),
    ] {
        let scenario = write(
            tmp.path(),
            "token.yaml",
            &format!(
                "name: token\nhypothesis: h\nprometheus:\n  url: http://127.0.0.1:9\n  bearer_token_file: {}\nsteady_state:\n  - name: up\n    promql: up\n    expect: \">= 1\"\nfaults:\n  - name: f\n    duration: 1s\n    exec: {{ inject: \"true\", revert: \"true\" }}\n",
                file.display()
            ),
        );
        for cmd in ["plan", "run"] {
            let out = tmp.path().join("runs");
            let mut args: Vec<&std::ffi::OsStr> = vec![cmd.as_ref()];
            if cmd == "run" {
                args.extend(["--headless".as_ref(), "--out".as_ref(), out.as_os_str()]);
            }
            args.push(scenario.as_os_str());
            let (code, text) = bounded(&args, Duration::from_secs(10));
            assert_eq!(code, Some(64), "{cmd}: {text}");
            assert!(
                text.contains("prometheus.bearer_token_file") && text.contains(words),
                "{cmd}: {text}"
            );
        }
    }
}

/// Names, the hypothesis and the verdict's reasons (which quote what a command printed)
/// are text from elsewhere: in report.md they never become a link, an image or HTML.
#[test]
fn names_hypothesis_and_reasons_never_become_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let text = r#"name: md-names
hypothesis: "Holds [x](http://evil.example/h) <img src=http://evil.example/p.png> ``a`` ` [y](http://evil.example/y)"
interval: 500ms
steady_state:
  - name: "sig [l](http://evil.example/s) <b>"
    command: "printf '<img src=x onerror=alert(1)> [click](http://evil.example/c) `'"
    expect: "< 100"
faults:
  - name: "fault `x` <b> [f](http://evil.example/f)"
    duration: 1s
    exec: { inject: "true", revert: "true" }
phases: { baseline: 2s, recovery: 1s }
"#;
    let path = write(tmp.path(), "md.yaml", text);
    let out = tmp.path().join("runs");
    let o = headless(&path, &out, &[]).output().unwrap();
    // the command's answer is not a number: the steady state never held
    assert_eq!(
        o.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let report = std::fs::read_to_string(run_dir(&out).join("report.md")).unwrap();
    assert!(
        report.contains("onerror=alert(1)"),
        "the reason is quoted: {report}"
    );
    assert_no_live_markdown(&report, "http://evil.example");
    for line in report.lines() {
        let text = outside_code_spans(line);
        let tag = text.char_indices().find(|(i, c)| {
            *c == '<'
                && text[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(n))
        });
        assert!(
            tag.is_none(),
            "HTML in the report:\n{line}\n(outside code spans: {text})"
        );
    }
}

// ---------------------------------------------------------------------------------------
// hardening, round 2: what an outside tester still broke (FINDINGS F-L, F-J, F-C, F-B,
// F-H, F-D)
// ---------------------------------------------------------------------------------------

/// The secrets of the plan tests, as the environment gives them.
const PLAN_ENV: &[(&str, &str)] = &[
    ("KEY", "kk-2026"),
    ("SIG", "sigvalue123"),
    ("PLAINV", "plainv456"),
    ("API_TOKEN", "apitok-RR77"),
    ("DB_PASSWORD", "hunter22"),
];

/// F-L: `gameday plan` prints every plan line redacted as `run` journals it: a URL's
/// password, credential query parameters (`api_key`, `token`, `sig`) and a `${VAR}` in a
/// query, a secret `${VAR}` in an exec command's `Authorization` header and in the
/// hypothesis. The lines are exactly the ones the run's journal holds.
#[test]
fn plan_prints_no_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "plan.yaml",
        r#"name: plan-secrets
hypothesis: "Nothing leaks, not even ${DB_PASSWORD}."
steady_state:
  - name: fine
    command: echo 0
    expect: "< 1"
faults:
  - name: flag
    duration: 1s
    http:
      inject: { method: PUT, url: "http://admin:Pa55w0rd!x@127.0.0.1:9/fail/inject?api_key=${KEY}&token=littok99&sig=${SIG}&plain=${PLAINV}" }
      revert: { method: PUT, url: "http://127.0.0.1:9/ok/revert?api_key=${KEY}" }
  - name: curl
    duration: 1s
    exec:
      inject: "true"
      revert: "curl -s -H 'Authorization: Bearer ${API_TOKEN}' http://127.0.0.1:9/off"
"#,
    );
    let o = gameday()
        .arg("plan")
        .arg(&path)
        .envs(PLAN_ENV.iter().copied())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    for secret in [
        "Pa55w0rd",
        "kk-2026",
        "littok99",
        "sigvalue123",
        "plainv456",
        "apitok-RR77",
        "hunter22",
    ] {
        assert!(!out.contains(secret), "{secret} on standard output:\n{out}");
        assert!(!err.contains(secret), "{secret} on standard error:\n{err}");
    }
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "scenario plan-secrets — Nothing leaks, not even ***."
    );
    let plan: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("   "))
        .map(|l| l.trim())
        .collect();
    assert_eq!(
        plan,
        vec![
            "inject: PUT http://admin:***@127.0.0.1:9/fail/inject?api_key=***&token=***&sig=***&plain=***",
            "revert: PUT http://127.0.0.1:9/ok/revert?api_key=***",
            "inject: sh -c \"true\"",
            "revert: sh -c \"curl -s -H 'Authorization: Bearer ***' http://127.0.0.1:9/off\"",
        ],
        "{out}"
    );
}

/// F-L: `check` quotes what a value holds, but never a secret from the environment: a
/// secret-named `${VAR}` in the wrong field is shown as its reference.
#[test]
fn check_quotes_a_secret_reference_never_its_value() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "ck.yaml",
        "name: ck\nhypothesis: h\ninterval: ${DB_PASSWORD}\nsteady_state:\n  - name: s\n    command: echo 0\n    unit: \"${API_TOKEN}\"\n",
    );
    let o = gameday()
        .arg("check")
        .arg(&path)
        .envs(PLAN_ENV.iter().copied())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(64), "{out}");
    assert!(
        !out.contains("hunter22") && !out.contains("apitok-RR77"),
        "{out}"
    );
    let file = path.display().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&format!(
            "{file}:3:11: interval: `${{DB_PASSWORD}}` is not a duration"
        )),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("{file}:7:11: steady_state[0].unit:"))
            && lines[1].contains("`${API_TOKEN}`"),
        "{out}"
    );
}

/// F-J: a secret `${VAR}` in a name (the scenario's, which names the run directory; a
/// signal's, which names its chart; a fault's) is refused by `check` at its
/// FILE:LINE:COL, so `run` refuses too and writes nothing: names are not redacted.
#[test]
fn a_secret_in_a_name_is_refused_by_check_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "v.yaml",
        r#"name: "e16-${API_TOKEN}"
hypothesis: h
steady_state:
  - name: "sig ${API_TOKEN}"
    command: echo 0
    expect: "< 1"
faults:
  - name: "fault ${FLAG}"
    duration: 1s
    http:
      inject: { url: "http://127.0.0.1:9/on", headers: { X-Flag: "${FLAG}" } }
      revert: { url: "http://127.0.0.1:9/off" }
"#,
    );
    let envs = [("API_TOKEN", "tok-abc123"), ("FLAG", "flagvalue77")];
    let file = path.display().to_string();
    let expected = [
        format!("{file}:1:7: name: takes the secret `${{API_TOKEN}}`"),
        format!("{file}:4:11: steady_state[0].name: takes the secret `${{API_TOKEN}}`"),
        // FLAG is a secret because it is sent in a header
        format!("{file}:8:11: faults[0].name: takes the secret `${{FLAG}}`"),
    ];
    let o = gameday()
        .arg("check")
        .arg(&path)
        .envs(envs)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(64), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for (line, want) in lines.iter().zip(&expected) {
        assert!(line.starts_with(want.as_str()), "{want}\n{out}");
        assert!(line.contains("name it in plain words"), "a hint: {line}");
    }
    assert!(
        !out.contains("tok-abc123") && !out.contains("flagvalue77"),
        "{out}"
    );

    let runs = tmp.path().join("runs");
    let o = headless(&path, &runs, &[]).envs(envs).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(64), "{text}");
    assert!(text.contains(&expected[1]), "{text}");
    assert!(!text.contains("tok-abc123"), "{text}");
    assert!(!runs.exists(), "nothing was run");
}

/// F-J, the net under `check`: a run started from a scenario that was never checked
/// (built in, or read back) masks a secret from the environment in names too: in the
/// run directory's name, the journal, the report and the chart's file name.
#[test]
fn a_secret_in_a_name_that_was_not_checked_is_masked_everywhere() {
    use gameday::runner::{RunOptions, Session};
    let tmp = tempfile::tempdir().unwrap();
    let text = "name: \"n-${API_TOKEN}\"\nhypothesis: h\ninterval: 200ms\nsteady_state:\n  - name: \"sig ${API_TOKEN}\"\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: \"f ${API_TOKEN}\"\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\n";
    let path = write(tmp.path(), "n.yaml", text);
    let env = |k: &str| (k == "API_TOKEN").then(|| "tok-abc123".to_string());
    // parse_str is what recover and report read scenarios back with: it does not refuse
    let parsed = gameday::scenario::parse_str(text, "n.yaml", tmp.path(), &env).unwrap();
    assert_eq!(parsed.faults[0].name, "f tok-abc123");
    let opts = RunOptions {
        out_dir: tmp.path().join("runs"),
        operator: "tester".into(),
        mode: "headless".into(),
        demo: false,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = rt.block_on(async {
        let (mut session, _rx) = Session::start(&parsed, &path, text, &env, &opts)
            .await
            .unwrap();
        session.handle(gameday::engine::Msg::Abort {
            by: "tester".into(),
            source: gameday::journal::AbortSource::Key,
            detail: "enough".into(),
        });
        let dir = session.run_dir.clone();
        let _ = session.close().await;
        dir
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("-n-redacted"), "{name}");
    let journal_text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for (what, t) in [("journal", &journal_text), ("report", &report)] {
        assert!(!t.contains("tok-abc123"), "{what}:\n{t}");
    }
    let info = &journal(&dir)[0];
    assert_eq!(info["scenario"], "n-***");
    assert_eq!(info["signals"][0]["name"], "sig ***");
    assert_eq!(info["faults"][0]["name"], "f ***");
    for chart in std::fs::read_dir(dir.join("charts")).unwrap() {
        let chart = chart.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !chart.contains("tok") && !chart.contains("abc123"),
            "{chart}"
        );
    }
}

/// F-C: a literal secret with no letter or digit (`:`, `::`, a space) cannot be hidden
/// without masking every such character in what gameday writes: `check` refuses it
/// where it is written; an empty one hides nothing and gets a warning.
#[test]
fn check_refuses_a_literal_secret_redaction_cannot_hide() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "colon.yaml",
        r#"name: colon
hypothesis: h
steady_state:
  - name: s
    command: echo 0
    expect: "< 1"
faults:
  - name: f
    duration: 1s
    exec:
      inject: "true"
      revert: "echo sec=$SECRET"
      env:
        SECRET: ":"
        G_TOKEN: "::"
        C_TOKEN: " "
        D_TOKEN: "ok:"
"#,
    );
    let o = gameday().arg("check").arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(64), "{out}");
    let file = path.display().to_string();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec![
            format!("{file}:14:17: faults[0].exec.env.SECRET: the secret `:` holds no letter or digit, so it cannot be told apart from the text around it: gameday could not keep it out of the journal and the report without masking every `:` there; a secret needs a letter or a digit"),
            format!("{file}:15:18: faults[0].exec.env.G_TOKEN: the secret `::` holds no letter or digit, so it cannot be told apart from the text around it: gameday could not keep it out of the journal and the report without masking every `::` there; a secret needs a letter or a digit"),
            format!("{file}:16:18: faults[0].exec.env.C_TOKEN: the secret ` ` holds no letter or digit, so it cannot be told apart from the text around it: gameday could not keep it out of the journal and the report without masking every ` ` there; a secret needs a letter or a digit"),
        ],
        "{out}"
    );

    let empty = write(
        tmp.path(),
        "empty.yaml",
        "name: empty\nhypothesis: h\nsteady_state:\n  - name: s\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: f\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\", env: { PGPASSWORD: \"\" } }\n",
    );
    let o = gameday().arg("check").arg(&empty).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    let file = empty.display().to_string();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec![
            format!("{file}: ok (1 signal, 1 fault, 1 warning)"),
            format!("{file}:10:64: warning: faults[0].exec.env.PGPASSWORD: is empty where a secret goes: nothing is sent or hidden; if the value comes from the environment, write it as a `${{VAR}}`"),
        ]
    );
}

/// F-B (check): names that look like other names — an invisible character (a zero-width
/// space, a byte-order mark), a space other than the ordinary one, a leading or trailing
/// space — are refused at their FILE:LINE:COL.
#[test]
fn check_refuses_names_that_look_like_other_names() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "look.yaml",
        "name: look\nhypothesis: h\nsteady_state:\n  - name: \"p99\\u200B\"\n    command: echo 0\n    expect: \"< 1\"\n  - name: \"p99\\u00A0read\"\n    command: echo 0\nfaults:\n  - name: \"x \"\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\n  - name: \"\\uFEFFx\"\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\n",
    );
    let o = gameday().arg("check").arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(64), "{out}");
    let file = path.display().to_string();
    let tail = "; a name must read differently from every other on a screen and in the report, where this is invisible: remove it";
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec![
            format!("{file}:4:11: steady_state[0].name: holds U+200B (a zero-width space) at character 4{tail}"),
            format!("{file}:7:11: steady_state[1].name: holds U+00A0 (a space other than the ordinary one) at character 4{tail}"),
            format!("{file}:10:11: faults[0].name: ends with a space{tail}"),
            format!("{file}:13:11: faults[1].name: holds U+FEFF (a zero-width no-break space, or byte-order mark) at character 1{tail}"),
        ]
    );
}

/// F-H: run files are 0640 and directories 0750 whatever the umask — 077 used to hide a
/// run from the group that may read it, 000 to leave the `--junit` file writable by
/// everyone.
#[test]
fn run_files_keep_their_modes_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = quick_scenario(tmp.path());
    for umask in ["077", "000"] {
        let out = tmp.path().join(format!("runs{umask}/deeper"));
        let junit = tmp.path().join(format!("j{umask}.xml"));
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" run --headless --operator tester --out \"$1\" --junit \"$2\" \"$3\""
            ))
            .arg(env!("CARGO_BIN_EXE_gameday"))
            .arg(&out)
            .arg(&junit)
            .arg(&scenario)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        let dir = run_dir(&out);
        for d in [out.parent().unwrap(), &out, &dir, &dir.join("charts")] {
            assert_eq!(mode_of(d), 0o750, "umask {umask}: {}", d.display());
        }
        for f in ["journal.jsonl", "report.md", "gameday.log", "charts/s.svg"] {
            assert_eq!(mode_of(&dir.join(f)), 0o640, "umask {umask}: {f}");
        }
        assert_eq!(mode_of(&junit), 0o640, "umask {umask}: --junit");
        // `gameday report` rewrites them with the same modes
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" report \"$1\""))
            .arg(env!("CARGO_BIN_EXE_gameday"))
            .arg(&dir)
            .output()
            .unwrap();
        assert!(o.status.success());
        for f in ["report.md", "charts/s.svg"] {
            assert_eq!(mode_of(&dir.join(f)), 0o640, "umask {umask}: report {f}");
        }
    }
}

/// F-D: `recover` finds the scenario of a run started with a relative path from
/// wherever it is run: the journal records the path absolute; an older journal's relative
/// path is taken from the directory the run was started in.
#[test]
fn recover_finds_a_relative_scenario_from_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let started_in = tmp.path().join("team");
    std::fs::create_dir(&started_in).unwrap();
    let marker = tmp.path().join("db-down");
    literal_secret_scenario(&started_in, &marker);
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();

    // `cd team && gameday run --headless literal-secret.yaml --out runs`, then kill -9
    let mut child = common::spawn(
        gameday()
            .current_dir(&started_in)
            .args(["run", "--headless", "--operator", "tester", "--out", "runs"])
            .arg("literal-secret.yaml")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let out = started_in.join("runs");
    let dir = wait_for_event(&out, "fault_injected", Duration::from_secs(30));
    let start = Instant::now();
    while !marker.exists() {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let info = journal(&dir)[0].clone();
    assert_eq!(
        info["scenario_path"],
        started_in.join("literal-secret.yaml").display().to_string(),
        "recorded absolute"
    );

    // an older journal held the path as given: rewrite it so
    let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let old = text.replacen(
        &format!("\"scenario_path\":{}", info["scenario_path"]),
        "\"scenario_path\":\"literal-secret.yaml\"",
        1,
    );
    assert_ne!(old, text);
    let copy = out.join("old-journal");
    std::fs::create_dir(&copy).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o750)).unwrap();
    }
    let relative_run_dir = format!("runs/{}", dir.file_name().unwrap().to_string_lossy());
    assert_eq!(info["run_dir"], relative_run_dir.as_str());
    // the old journal, of a run directory named `runs/old-journal` when it started
    let old = old.replacen(
        &format!("\"run_dir\":\"{relative_run_dir}\""),
        "\"run_dir\":\"runs/old-journal\"",
        1,
    );
    let p = copy.join("journal.jsonl");
    std::fs::write(&p, &old).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    }

    // from another directory, through a relative path to the old run directory
    let o = gameday()
        .current_dir(&elsewhere)
        .arg("recover")
        .arg("../team/runs/old-journal")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("reverted `db down`"), "{text}");
    assert!(
        !text.contains("using the scenario kept in the journal"),
        "{text}"
    );
    assert!(!marker.exists(), "{text}");

    // the new journal, from yet another directory
    std::fs::write(&marker, "").unwrap();
    let o = gameday()
        .current_dir("/")
        .arg("recover")
        .arg(&dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("reverted `db down`"), "{text}");
    assert!(
        !text.contains("using the scenario kept in the journal"),
        "{text}"
    );
    assert!(!marker.exists(), "{text}");
}
