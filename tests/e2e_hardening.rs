//! The real binary, tried as an attacker and as an unlucky user would (issue 14): text
//! from elsewhere that tries to drive the terminal or the report, secrets that must stay
//! secret, files that are not what they seem, and `recover` that must work when it matters
//! and refuse when it must.

mod common;

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

    // plan prints the hypothesis and each plan line
    let plan = gameday().arg("plan").arg(&path).output().unwrap();
    let plan_out = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert_eq!(plan.status.code(), Some(0), "{plan_out}");
    assert_shown_not_sent("plan", &plan_out);
    assert!(plan_out.contains(r"\e]52;c;aGk=\a"), "{plan_out}");

    let out = tmp.path().join("runs");
    let mut driver = headless(&path, &out, &[])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
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
    let mut joiner = gameday()
        .args(["join", "--headless"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
    wait_line(&rx, &mut seen, "the run ended");
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
    let mut child = gameday()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
