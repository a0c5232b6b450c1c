//! The real binary in a real terminal (tmux), driven by keys the way an operator would:
//! demo → arm → trigger → note → kill switch (from inside the note editor) → quit.

use crate::common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{events, journal, run_dir};

/// The bound on any one wait: only a failing test ever takes it, so it is generous for
/// a loaded machine; nothing here is timed against it.
const LIMIT: Duration = Duration::from_secs(60);

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str, width: u16, height: u16) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            ok,
            "tmux is needed for this test: apt-get install tmux (scripts/test installs it)"
        );
        let socket = format!("gameday-test-{}-{}", std::process::id(), rand_suffix());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "gd",
                "-x",
            ])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg(cmd)
            .env("TERM", "xterm-256color")
            .status()
            .unwrap();
        assert!(status.success());
        Tmux { socket }
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "gd"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// What tmux knows of the pane, in its format language (`#{alternate_on}`, ...).
    fn pane(&self, format: &str) -> String {
        let o = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                "gd",
                format,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// The terminal's line discipline (`stty -a`), as the next program finds it.
    fn stty(&self) -> String {
        let tty = self.pane("#{pane_tty}");
        let o = Command::new("stty")
            .args(["-a", "-F", &tty])
            .output()
            .unwrap();
        assert!(o.status.success(), "stty -F {tty}: {o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Whether the terminal is as gameday found it, and if not, how: the alternate screen
    /// left, the cursor shown, raw mode undone (canonical input, echo, signals, CR to NL
    /// on input, output processing).
    fn unrestored(&self) -> Vec<String> {
        let mut wrong = Vec::new();
        if self.pane("#{alternate_on}") != "0" {
            wrong.push("still on the alternate screen".to_string());
        }
        if self.pane("#{cursor_flag}") != "1" {
            wrong.push("the cursor is hidden".to_string());
        }
        let stty = self.stty();
        let flags: Vec<&str> = stty
            .split(|c: char| c.is_whitespace() || c == ';')
            .collect();
        for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
            if !flags.contains(&flag) {
                wrong.push(format!("-{flag} (raw mode)"));
            }
        }
        wrong
    }

    fn assert_restored(&self, what: &str) {
        let wrong = self.unrestored();
        assert!(
            wrong.is_empty(),
            "{what}: the terminal is not restored: {wrong:?}\n{}\n{}",
            self.stty(),
            self.screen()
        );
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "gd"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "gd", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// From READY: arms (`a`, confirmed with `y`) and triggers (`t`), each step waiting
    /// for the screen that answers it.
    fn arm_and_trigger(&self, limit: Duration) {
        self.keys(&["a"]);
        self.wait_for("y/Enter arm", limit);
        self.keys(&["y"]);
        self.wait_for("ARMED", limit);
        self.keys(&["t"]);
    }

    fn wait_for(&self, what: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what:?}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

fn wait_file(path: &Path, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if !s.is_empty() {
                return s;
            }
        }
        assert!(start.elapsed() < limit, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn demo_command(out: &Path, exit_file: &Path) -> String {
    format!(
        "DEMO_BASELINE=3s DEMO_FAULT=90s DEMO_RECOVERY=3s {} demo --quick --operator alice --out {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_gameday"),
        out.display(),
        exit_file.display()
    )
}

#[test]
fn demo_arm_trigger_note_kill_switch_in_the_editor_and_quit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("runs");
    let exit_file = tmp.path().join("exit");
    let t = Tmux::start(&demo_command(&out, &exit_file), 100, 30);
    let limit = LIMIT;
    t.wait_for("BASELINE", limit);
    t.wait_for("READY", limit);
    let pid = pid_of(&format!(
        "^{} demo .*--out {}",
        env!("CARGO_BIN_EXE_gameday"),
        out.display()
    ))
    .expect("gameday demo is running");
    t.arm_and_trigger(limit);
    t.wait_for("FAULT ACTIVE", limit);
    // the note typed ahead, all of it in the terminal before gameday reads any (as over
    // a slow link, or on a busy machine): every key is handled, none waits for the next
    let gameday = nix::unistd::Pid::from_raw(pid);
    nix::sys::signal::kill(gameday, nix::sys::signal::Signal::SIGSTOP).unwrap();
    t.keys(&["n"]);
    t.text("fallback reads look slow");
    t.keys(&["Enter"]);
    nix::sys::signal::kill(gameday, nix::sys::signal::Signal::SIGCONT).unwrap();
    // saved (the timeline's line), not only typed
    t.wait_for("note (alice): fallback reads look slow", limit);
    // the kill switch from inside the editor, half a note typed: one keystroke
    t.keys(&["n"]);
    t.text("about to abort");
    t.keys(&["C-x"]);
    let dir = {
        let start = Instant::now();
        loop {
            if let Ok(mut rd) = std::fs::read_dir(&out) {
                if let Some(Ok(e)) = rd.next() {
                    break e.path();
                }
            }
            assert!(start.elapsed() < limit);
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let start = Instant::now();
    loop {
        let j = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap_or_default();
        if j.contains("\"type\":\"fault_reverted\"") {
            break;
        }
        assert!(
            start.elapsed() < limit,
            "the fault was not reverted after Ctrl-X:\n{j}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    t.wait_for("ABORTED", limit);
    t.keys(&["Escape"]);
    t.wait_for("DONE", limit);
    t.keys(&["q"]);
    let code = wait_file(&exit_file, limit);
    assert_eq!(code.trim(), "2", "ABORTED exits 2");
    let dir = run_dir(&out);
    let j = journal(&dir);
    let notes = events(&j, "note");
    assert_eq!(notes.len(), 1, "the half-written note was not saved");
    assert_eq!(notes[0]["author"], "alice");
    assert_eq!(notes[0]["text"], "fallback reads look slow");
    let abort = events(&j, "abort");
    assert_eq!(abort.len(), 1);
    assert_eq!(abort[0]["by"], "alice");
    assert_eq!(abort[0]["source"], "key");
    assert_eq!(events(&j, "fault_reverted")[0]["ok"], true);
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: demo-shop — ABORTED"),
        "{report}"
    );
    assert!(report.contains("fallback reads look slow"), "{report}");
    assert!(report.contains("Kill switch: pulled by alice"), "{report}");
    // the screens the operator saw, at the trigger and at the kill switch, in the report
    let screens = events(&j, "screen");
    let kept: Vec<(&str, &str, u64, u64)> = screens
        .iter()
        .map(|s| {
            (
                s["moment"].as_str().unwrap(),
                s["front"].as_str().unwrap(),
                s["width"].as_u64().unwrap(),
                s["height"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [("trigger", "tui", 100, 30), ("abort", "tui", 100, 30)]
    );
    let at_abort = screens[1]["text"].as_str().unwrap();
    assert!(at_abort.contains("demo-shop"), "{at_abort}");
    assert!(
        report.contains("At the trigger of `take the cache away` (")
            && report.contains("), as the operator saw it, 100×30:")
            && report.contains("At the abort ("),
        "{report}"
    );
    assert!(
        report.contains("practice run"),
        "the report says it is a demo: {report}"
    );
}

/// A scenario whose fault creates `marker` and whose revert removes it; long enough that
/// only an abort ends it.
fn marker_scenario(dir: &Path, marker: &Path) -> std::path::PathBuf {
    let text = format!(
        r#"name: tmux-marker
hypothesis: Nothing outlives the experiment.
interval: 200ms
steady_state:
  - name: always fine
    command: echo 0
    expect: "< 1"
faults:
  - name: marker
    duration: 5m
    exec:
      inject: touch {m}
      revert: rm {m}
safety:
  max_duration: 10m
phases:
  baseline: 1s
  recovery: 1s
"#,
        m = marker.display()
    );
    let p = dir.join("marker.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// `gameday run` in tmux with its fault injected.
struct Active {
    t: Tmux,
    marker: PathBuf,
    out: PathBuf,
    /// where the shell writes gameday's exit status once it has ended
    exit_file: PathBuf,
    pid: i32,
}

/// Starts `gameday run` in tmux and brings the fault to ACTIVE with the keys; returns
/// once the injection is journaled, or with `extra_env` (a crash on purpose right after
/// the injection starts) once its start is: the marker may never be there, or be gone
/// already.
fn active_in_tmux(tmp: &Path, extra_env: &str) -> Active {
    let marker = tmp.join("marker");
    let scenario = marker_scenario(tmp, &marker);
    let out = tmp.join("runs");
    let exit_file = tmp.join("exit");
    let cmd = format!(
        "{extra_env} {} run --operator alice --out {} {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_gameday"),
        out.display(),
        scenario.display(),
        exit_file.display()
    );
    let t = Tmux::start(&cmd, 100, 30);
    t.wait_for("READY", LIMIT);
    let pid = gameday_pid(&out);
    t.arm_and_trigger(LIMIT);
    if extra_env.is_empty() {
        common::wait_for_event(&out, "fault_injected", LIMIT);
        t.wait_for("FAULT ACTIVE", LIMIT);
        assert!(marker.exists(), "the fault is in place");
    } else {
        common::wait_for_event(&out, "fault_injecting", LIMIT);
    }
    Active {
        t,
        marker,
        out,
        exit_file,
        pid,
    }
}

/// Waits (bounded) for `pid` to end.
fn wait_ended(pid: i32) {
    let start = Instant::now();
    while alive(pid) {
        assert!(start.elapsed() < LIMIT, "gameday ({pid}) still runs");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The types of a journal's records, in order.
fn types(j: &[serde_json::Value]) -> Vec<&str> {
    j.iter().map(|r| r["type"].as_str().unwrap()).collect()
}

/// The index of the first record of type `ty` after `from`, where `pred` holds.
fn after(
    j: &[serde_json::Value],
    from: usize,
    ty: &str,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> usize {
    from + 1
        + j[from + 1..]
            .iter()
            .position(|r| r["type"] == ty && pred(r))
            .unwrap_or_else(|| panic!("no {ty} after record {from}: {:?}", types(j)))
}

/// The kill switch's path in the journal, in order: the fault's injection started, the
/// abort (of `source`), the revert it started (for `reason`), the fault reverted, the
/// verdict ABORTED, the run ended with exit code 2; and the revert a matter of seconds by
/// the journal's clock (generous: the revert is an `rm`). Returns the abort record.
fn assert_aborted_and_reverted<'a>(
    j: &'a [serde_json::Value],
    source: &str,
    reason: &str,
) -> &'a serde_json::Value {
    let injecting = after(j, 0, "fault_injecting", |_| true);
    let abort = after(j, injecting, "abort", |r| r["source"] == source);
    let reverting = after(j, abort, "fault_reverting", |r| r["reason"] == reason);
    let reverted = after(j, reverting, "fault_reverted", |r| r["ok"] == true);
    let verdict = after(j, reverted, "verdict", |r| r["verdict"] == "ABORTED");
    let ended = after(j, verdict, "run_ended", |r| r["exit_code"] == 2);
    assert_eq!(ended, j.len() - 1, "{:?}", types(j));
    // reverted once, first time: a revert attempt killed by the hang-up that started it
    // (proc::own_group) or a second revert of the same fault would show here
    let reverts = events(j, "fault_reverted");
    assert!(
        reverts.len() == 1 && reverts[0]["ok"] == true && reverts[0]["attempt"] == 1,
        "reverted once, first time: {reverts:?}"
    );
    let took = common::ts(&j[reverted]) - common::ts(&j[abort]);
    assert!(
        took >= chrono::Duration::zero() && took < chrono::Duration::seconds(20),
        "reverted {took} after the abort"
    );
    &j[abort]
}

/// A journal left by SIGKILL: the injection done, then neither an abort nor a revert
/// nor an end.
fn assert_left_by_sigkill(j: &[serde_json::Value]) {
    after(j, 0, "fault_injected", |r| r["ok"] == true);
    for ty in [
        "abort",
        "fault_reverting",
        "fault_reverted",
        "verdict",
        "run_ended",
    ] {
        assert!(events(j, ty).is_empty(), "{ty}: {:?}", types(j));
    }
}

/// The injection journaled as done before the abort: the kill switch found it active.
fn assert_injected_before_the_abort(j: &[serde_json::Value]) {
    let injected = after(j, 0, "fault_injected", |r| r["ok"] == true);
    after(j, injected, "abort", |_| true);
}

fn gameday_pid(out: &Path) -> i32 {
    // the gameday process itself, not the shell around it (whose command line holds
    // the same words)
    let pattern = format!(
        "^{} run .*--out {}",
        env!("CARGO_BIN_EXE_gameday"),
        out.display()
    );
    let o = Command::new("pgrep")
        .args(["-f", "--", &pattern])
        .output()
        .unwrap();
    let pids: Vec<i32> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    *pids.iter().min().expect("gameday is running")
}

fn wait_gone(path: &Path, limit: Duration) {
    let start = Instant::now();
    while path.exists() {
        assert!(
            start.elapsed() < limit,
            "{} still exists after {limit:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ssh_drop_kill_session_reverts_and_writes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let a = active_in_tmux(tmp.path(), "");
    drop(a.t); // tmux kill-server: the terminal goes away, the process gets SIGHUP
    wait_ended(a.pid);
    assert!(!a.marker.exists(), "the fault was reverted");
    let dir = run_dir(&a.out);
    let j = journal(&dir);
    // one path for a lost terminal: whichever is seen first, the SIGHUP or the hung-up
    // terminal itself, pulls the same kill switch
    let source = events(&j, "abort")[0]["source"]
        .as_str()
        .unwrap()
        .to_string();
    assert_injected_before_the_abort(&j);
    let abort = assert_aborted_and_reverted(&j, &source, "abort");
    let seen = (abort["source"].as_str(), abort["detail"].as_str());
    assert!(
        matches!(
            seen,
            (Some("signal"), Some("SIGHUP")) | (Some("terminal"), Some("the terminal went away"))
        ),
        "{abort:?}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: tmux-marker — ABORTED"),
        "{report}"
    );
}

#[test]
fn sigterm_in_the_tui_reverts_and_writes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let a = active_in_tmux(tmp.path(), "");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(a.pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(wait_file(&a.exit_file, LIMIT).trim(), "2", "ABORTED");
    assert!(!a.marker.exists(), "the fault was reverted");
    a.t.assert_restored("after SIGTERM");
    let dir = run_dir(&a.out);
    let j = journal(&dir);
    assert_injected_before_the_abort(&j);
    let abort = assert_aborted_and_reverted(&j, "signal", "abort");
    assert_eq!(abort["detail"], "SIGTERM");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: tmux-marker — ABORTED"),
        "{report}"
    );
}

#[test]
fn a_panic_in_the_tui_reverts_and_writes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let a = active_in_tmux(tmp.path(), "GAMEDAY_TEST_PANIC=after-inject");
    assert_eq!(wait_file(&a.exit_file, LIMIT).trim(), "2", "ABORTED");
    assert!(!a.marker.exists(), "the crash path reverted the fault");
    // the terminal put back before anything is said, so what is said can be read
    a.t.assert_restored("after the panic");
    let screen = a.t.screen();
    assert!(
        screen.contains("gameday: CRASHED; reverting every fault the journal shows as active"),
        "{screen}"
    );
    let dir = run_dir(&a.out);
    let j = journal(&dir);
    // the crash handler reverts as `recover` does, from the journal
    assert_aborted_and_reverted(&j, "panic", "recover");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: tmux-marker — ABORTED"),
        "{report}"
    );
    assert!(report.contains("when gameday crashed"), "{report}");
}

#[test]
fn sigkill_leaves_the_marker_and_recover_removes_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    let a = active_in_tmux(tmp.path(), "");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(a.pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // the shell saw it die: nothing of gameday runs any more
    assert_eq!(
        wait_file(&a.exit_file, LIMIT).trim(),
        "137",
        "killed by SIGKILL"
    );
    assert!(a.marker.exists(), "nothing can revert after SIGKILL");
    // nor put the terminal back: what the other tests' checks would see if it were not
    let wrong = a.t.unrestored();
    assert!(
        wrong.contains(&"still on the alternate screen".to_string())
            && wrong.contains(&"-icanon (raw mode)".to_string()),
        "{wrong:?}"
    );
    let dir = run_dir(&a.out);
    let before = journal(&dir);
    assert_left_by_sigkill(&before);
    let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["recover", "--operator", "rescuer"])
        .arg(&dir)
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{so}");
    assert!(so.contains("reverted `marker`"), "{so}");
    assert!(!a.marker.exists(), "recover reverted the fault");
    let j = journal(&dir);
    assert_eq!(j[..before.len()], before[..], "recover only appends");
    let abort = after(&j, before.len() - 1, "abort", |r| r["source"] == "recover");
    assert_eq!(j[abort]["by"], "rescuer");
    let reverting = after(&j, abort, "fault_reverting", |r| r["reason"] == "recover");
    let reverted = after(&j, reverting, "fault_reverted", |r| r["ok"] == true);
    after(&j, reverted, "verdict", |r| r["verdict"] == "ABORTED");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: tmux-marker — ABORTED"),
        "{report}"
    );
    assert!(!report.contains("REVERT FAILED"), "{report}");
    // a second recover finds nothing to do and changes nothing
    let written = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("recover")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to do"));
    assert_eq!(
        std::fs::read_to_string(dir.join("journal.jsonl")).unwrap(),
        written
    );
}

/// A frame as text for comparing: trailing blanks and blank rows cut, every digit
/// masked (the clocks on the screen move on between the moment and the capture; nothing
/// else on these screens does).
fn masked(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.trim_end()
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect()
        })
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// The screen journaled for the report at the trigger and at the kill switch is the
/// frame the real terminal shows at that moment: tmux's own capture of the pane, row for
/// row at the pane's size, but for the clocks' digits. The fault's inject and revert
/// wait for the test's word, so each moment's frame stays up until it is compared, and
/// the samples come once an hour, so no chart moves meanwhile.
#[test]
fn the_screen_kept_for_the_report_is_the_frame_the_operator_sees() {
    let tmp = tempfile::tempdir().unwrap();
    let (open, close) = (tmp.path().join("open"), tmp.path().join("close"));
    let marker = tmp.path().join("marker");
    let scenario = tmp.path().join("kept.yaml");
    std::fs::write(
        &scenario,
        format!(
            r#"name: screen-kept
hypothesis: The report keeps what the operator saw.
interval: 1h
steady_state:
  - name: always fine
    command: echo 0
    expect: "< 1"
faults:
  - name: gated
    duration: 5m
    exec:
      inject: "while [ ! -e {open} ]; do sleep 0.05; done; touch {marker}"
      revert: "while [ ! -e {close} ]; do sleep 0.05; done; rm {marker}"
      timeout: 5m
safety:
  max_duration: 10m
phases:
  baseline: 1s
  recovery: 1s
"#,
            open = open.display(),
            close = close.display(),
            marker = marker.display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("runs");
    let exit_file = tmp.path().join("exit");
    // a size of its own: not the headless front's 100×30
    let (width, height) = (120, 40);
    let t = Tmux::start(
        &format!(
            "{} run --operator alice --out {} {}; echo $? > {}; sleep 60",
            env!("CARGO_BIN_EXE_gameday"),
            out.display(),
            scenario.display(),
            exit_file.display()
        ),
        width,
        height,
    );
    // the screen journaled for `moment`, and the pane showing it
    let same_frame = |moment: &str| -> String {
        let dir = common::wait_for_event(&out, "screen", LIMIT);
        let start = Instant::now();
        let kept = loop {
            let j = journal(&dir);
            if let Some(s) = events(&j, "screen")
                .into_iter()
                .find(|s| s["moment"] == moment)
            {
                assert_eq!(
                    (&s["front"], &s["width"], &s["height"]),
                    (&"tui".into(), &width.into(), &height.into()),
                    "{s}"
                );
                break s["text"].as_str().unwrap().to_string();
            }
            assert!(start.elapsed() < LIMIT, "no screen kept at the {moment}");
            std::thread::sleep(Duration::from_millis(50));
        };
        // the frame is drawn right after it is journaled
        let start = Instant::now();
        loop {
            let shown = t.screen();
            if masked(&shown) == masked(&kept) {
                return kept;
            }
            assert!(
                start.elapsed() < LIMIT,
                "the {moment}: the pane shows\n{shown}\nthe journal kept\n{kept}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    t.wait_for("READY", LIMIT);
    t.arm_and_trigger(LIMIT);
    let at_trigger = same_frame("trigger");
    assert!(at_trigger.contains("INJECTING"), "{at_trigger}");
    std::fs::write(&open, "").unwrap();
    common::wait_for_event(&out, "fault_injected", LIMIT);
    t.keys(&["X"]);
    let at_abort = same_frame("abort");
    assert!(
        at_abort.contains("KILL SWITCH PULLED by alice"),
        "{at_abort}"
    );
    std::fs::write(&close, "").unwrap();
    t.wait_for("DONE", LIMIT);
    t.keys(&["q"]);
    assert_eq!(wait_file(&exit_file, LIMIT).trim(), "2", "ABORTED");
    assert!(!marker.exists(), "the fault was reverted");
    // the report shows both, as they were kept
    let report = std::fs::read_to_string(run_dir(&out).join("report.md")).unwrap();
    for (what, kept) in [
        ("At the trigger of `gated` (", &at_trigger),
        ("At the abort (", &at_abort),
    ] {
        let section = &report[report
            .find(what)
            .unwrap_or_else(|| panic!("{what}: {report}"))..];
        assert!(
            section.contains(&format!("as the operator saw it, {width}×{height}:")),
            "{section}"
        );
        assert!(section.contains(&format!("text\n{kept}\n")), "{section}");
    }
}

#[test]
fn a_joiner_sees_the_run_notes_and_pulls_the_kill_switch_but_cannot_trigger() {
    let tmp = tempfile::tempdir().unwrap();
    let a = active_in_tmux(tmp.path(), "");
    let (driver, marker) = (&a.t, &a.marker);
    let dir = run_dir(&a.out);
    let exit_file = tmp.path().join("join-exit");
    let joiner = Tmux::start(
        &format!(
            "{} join {}; echo $? > {}; sleep 60",
            env!("CARGO_BIN_EXE_gameday"),
            dir.display(),
            exit_file.display()
        ),
        100,
        30,
    );
    let limit = LIMIT;
    // who the joiner is comes from its uid
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    // the same live view, and both screens say who is in the room
    joiner.wait_for("FAULT ACTIVE", limit);
    joiner.wait_for(&format!("alice, {me}"), limit);
    driver.wait_for(&format!("alice, {me}"), limit);
    driver.wait_for(&format!("{me} joined the room"), limit);
    // only the driver arms and triggers
    joiner.keys(&["t"]);
    joiner.wait_for("only the driver (alice)", limit);
    joiner.keys(&["n"]);
    joiner.text("seen from the second seat");
    joiner.keys(&["Enter"]);
    joiner.wait_for("saved in the journal", limit);
    driver.wait_for("seen from the second seat", limit);
    // the kill switch from the second seat
    joiner.keys(&["X"]);
    wait_gone(marker, limit);
    driver.wait_for("ABORTED", limit);
    // the driver leaves; the joiner is told the verdict and where the report is
    driver.wait_for("DONE", limit);
    driver.keys(&["q"]);
    assert_eq!(wait_file(&a.exit_file, limit).trim(), "2", "ABORTED");
    let code = wait_file(&exit_file, limit);
    assert_eq!(code.trim(), "2", "the joiner exits with the run's code");
    let screen = joiner.wait_for("the run ended: ABORTED", limit);
    assert!(screen.contains("report.md"), "{screen}");
    let j = journal(&dir);
    let abort = events(&j, "abort")[0];
    assert_eq!(abort["by"], me.as_str());
    assert_eq!(abort["source"], "join");
    assert_eq!(events(&j, "note")[0]["author"], me.as_str());
}

/// A gameday started by a test that must not outlive it: killed (SIGKILL) on drop.
struct Leftover(Option<i32>);

impl Drop for Leftover {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn alive(pid: i32) -> bool {
    // a zombie has ended: only its parent has not looked yet
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// CPU time (user + system, in clock ticks) the process has used.
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // after the command: state is field 3, utime 14 and stime 15 (1-based in proc(5))
    let get = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    get(14) + get(15)
}

/// Issue 14, item 11: the TUI run as another user through `su` (a shared on-call
/// account on a bastion) gets no SIGHUP when its terminal goes away. Whatever the phase
/// (DONE, where it used to spin at 100 % of a core on `read(0) = 0` forever, and the
/// baseline), losing the terminal ends the process within seconds, as SIGHUP would:
/// report written, run ended.
#[test]
fn a_lost_terminal_under_su_ends_the_run_in_every_phase() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs gameday as another user through su, which needs root: run it \
         through README's test command (scripts/test), which runs as root"
    );
    let daemon = nix::unistd::User::from_name("daemon").unwrap().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let bin = tmp.path().join("gameday");
    std::fs::copy(env!("CARGO_BIN_EXE_gameday"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (phase, baseline, keys, fault) in [
        ("DONE", "1s", true, "1s"),
        ("BASELINE", "5m", false, "1s"),
        ("FAULT ACTIVE", "1s", true, "5m"),
    ] {
        let tag = phase.replace(' ', "-");
        let out = tmp.path().join(format!("runs-{tag}"));
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::chown(&out, Some(daemon.uid.as_raw()), Some(daemon.gid.as_raw()))
            .unwrap();
        let scenario = tmp.path().join(format!("{tag}.yaml"));
        let marker = out.join("marker");
        std::fs::write(
            &scenario,
            format!(
                "name: lost-terminal\nhypothesis: h\ninterval: 200ms\nsteady_state:\n  - name: s\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: f\n    duration: {fault}\n    exec: {{ inject: \"touch {m}\", revert: \"rm -f {m}\" }}\nsafety:\n  max_duration: 10m\nphases:\n  baseline: {baseline}\n  recovery: 1s\n",
                m = marker.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&scenario, std::fs::Permissions::from_mode(0o644)).unwrap();
        let cmd = format!(
            "su -s /bin/sh daemon -c '{} run --operator daemon --out {} {}'; sleep 60",
            bin.display(),
            out.display(),
            scenario.display()
        );
        let t = Tmux::start(&cmd, 100, 30);
        let limit = LIMIT;
        if keys {
            t.wait_for("READY", limit);
            t.arm_and_trigger(limit);
        }
        t.wait_for(phase, limit);
        let pattern = format!("^{} run .*--out {}", bin.display(), out.display());
        let o = Command::new("pgrep")
            .args(["-f", "--", &pattern])
            .output()
            .unwrap();
        let pid: i32 = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .min()
            .expect("gameday is running");
        let _leftover = Leftover(Some(pid));
        let gone_at = Instant::now();
        drop(t); // tmux kill-server: the pane's terminal is gone; su's child gets no SIGHUP
        let cpu_before = cpu_ticks(pid);
        while alive(pid) && gone_at.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let spun = cpu_ticks(pid).saturating_sub(cpu_before);
        assert!(
            !alive(pid),
            "{phase}: gameday still runs {:?} after its terminal went away (it used {spun} \
             ticks of CPU meanwhile)",
            gone_at.elapsed()
        );
        let dir = run_dir(&out);
        let j = journal(&dir);
        assert_eq!(j.last().unwrap()["type"], "run_ended", "{phase}");
        if phase != "DONE" {
            let abort = events(&j, "abort");
            assert_eq!(abort[0]["source"], "terminal", "{phase}: {abort:?}");
        }
        assert!(!marker.exists(), "{phase}: the fault was reverted");
        assert!(dir.join("report.md").exists(), "{phase}");
    }
}

/// The pid of the one process whose command line matches `pattern` (`pgrep -f`).
fn pid_of(pattern: &str) -> Option<i32> {
    let o = Command::new("pgrep")
        .args(["-f", "--", pattern])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .min()
}

/// Waits up to 30 s for `pid` to end; how long it took.
fn ends_within(pid: i32, what: &str) -> Duration {
    let gone_at = Instant::now();
    let cpu_before = cpu_ticks(pid);
    while alive(pid) && gone_at.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let spun = cpu_ticks(pid).saturating_sub(cpu_before);
    assert!(
        !alive(pid),
        "{what}: gameday still runs {:?} after its terminal went away (it used {spun} ticks \
         of CPU meanwhile)",
        gone_at.elapsed()
    );
    gone_at.elapsed()
}

/// A directory other users may enter, holding a copy of the binary they may run.
fn shared_tmp() -> (tempfile::TempDir, std::path::PathBuf) {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs gameday as another user through su, which needs root: run it \
         through README's test command (scripts/test), which runs as root"
    );
    let tmp = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let bin = tmp.path().join("gameday");
    std::fs::copy(env!("CARGO_BIN_EXE_gameday"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    (tmp, bin)
}

/// FINDINGS F-G: `gameday run --headless` started through `su` in a terminal that goes
/// away (the tmux session killed: no SIGHUP reaches su's child) pulls the kill switch as
/// SIGHUP does — the fault reverted, the report written, the process gone within
/// seconds — whether it learns it from its standard input (end of input, or EIO, on a
/// terminal) or, with standard input from /dev/null, from writing to the terminal (EIO).
#[test]
fn headless_under_su_ends_when_its_terminal_goes_away() {
    let (tmp, bin) = shared_tmp();
    let daemon = nix::unistd::User::from_name("daemon").unwrap().unwrap();
    for (tag, stdin) in [("tty", ""), ("devnull", " < /dev/null")] {
        let out = tmp.path().join(format!("runs-{tag}"));
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::chown(&out, Some(daemon.uid.as_raw()), Some(daemon.gid.as_raw()))
            .unwrap();
        let marker = out.join("marker");
        let scenario = tmp.path().join(format!("{tag}.yaml"));
        std::fs::write(
            &scenario,
            format!(
                "name: lost-headless\nhypothesis: h\ninterval: 200ms\nsteady_state:\n  - name: s\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: f\n    duration: 5m\n    exec: {{ inject: \"touch {m}\", revert: \"rm -f {m}\" }}\nsafety:\n  max_duration: 10m\nphases:\n  baseline: 1s\n  recovery: 1s\n",
                m = marker.display()
            ),
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&scenario, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let cmd = format!(
            "su -s /bin/sh daemon -c '{} run --headless --operator daemon --out {} {}{stdin}'; sleep 60",
            bin.display(),
            out.display(),
            scenario.display()
        );
        let t = Tmux::start(&cmd, 100, 30);
        t.wait_for("injected", LIMIT);
        assert!(marker.exists(), "{tag}: the fault is active");
        let pid = pid_of(&format!("^{} run .*--out {}", bin.display(), out.display()))
            .expect("gameday is running");
        let _leftover = Leftover(Some(pid));
        drop(t); // tmux kill-server: the terminal is gone; su's child gets no SIGHUP
        ends_within(pid, tag);
        let dir = run_dir(&out);
        let j = journal(&dir);
        let abort = events(&j, "abort");
        assert_eq!(abort.len(), 1, "{tag}: {abort:?}");
        assert_eq!(abort[0]["source"], "terminal", "{tag}");
        assert_eq!(abort[0]["detail"], "the terminal went away", "{tag}");
        assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED", "{tag}");
        assert_eq!(j.last().unwrap()["type"], "run_ended", "{tag}");
        assert_eq!(j.last().unwrap()["exit_code"], 2, "{tag}");
        assert!(!marker.exists(), "{tag}: the fault was reverted");
        assert!(dir.join("report.md").exists(), "{tag}");
    }
}

/// FINDINGS F-F: `gameday join --headless` started through `su` whose terminal goes away
/// leaves the room within seconds, so dropped sessions cannot fill the 4 connections a
/// user may hold and lock the second seat out; a joiner whose standard input is not a
/// terminal (/dev/null) keeps watching after its input ends, until the run does.
#[test]
fn headless_join_under_su_leaves_when_its_terminal_goes_away() {
    let (tmp, bin) = shared_tmp();
    let daemon = nix::unistd::User::from_name("daemon").unwrap().unwrap();
    let out = tmp.path().join("runs");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::chown(&out, Some(0), Some(daemon.gid.as_raw())).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o2750)).unwrap();
    }
    let scenario = tmp.path().join("room.yaml");
    std::fs::write(
        &scenario,
        "name: room\nhypothesis: h\ninterval: 200ms\nsteady_state:\n  - name: s\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: f\n    duration: 1s\n    exec: { inject: \"true\", revert: \"true\" }\nphases:\n  baseline: 5m\n  recovery: 1s\n",
    )
    .unwrap();
    let mut driver = common::spawn(&mut common::headless(&scenario, &out, &[]));
    let start = Instant::now();
    let run_dir = loop {
        assert!(start.elapsed() < LIMIT, "no control.sock");
        if let Some(d) = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.join("control.sock").exists())
        {
            break d;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // a joiner reading /dev/null (root, through the test's own copy of the binary, so
    // that the pattern below finds only daemon's): its input ends at once, and it stays
    let mut watcher = common::spawn(
        common::gameday()
            .args(["join", "--headless"])
            .arg(&run_dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    );
    // five dropped sessions in a row: one more than the connections a user may hold
    let join = format!(
        "su -s /bin/sh daemon -c '{} join --headless {}'; sleep 60",
        bin.display(),
        run_dir.display()
    );
    let pattern = format!("^{} join --headless {}$", bin.display(), run_dir.display());
    for round in 1..=5 {
        let t = Tmux::start(&join, 100, 30);
        t.wait_for("tester drives", LIMIT);
        let pid = pid_of(&pattern).unwrap_or_else(|| panic!("round {round}: no joiner"));
        let _leftover = Leftover(Some(pid));
        drop(t);
        ends_within(pid, &format!("round {round}"));
    }
    assert!(
        watcher.try_wait().unwrap().is_none(),
        "the joiner reading /dev/null still watches"
    );
    let j = journal(&run_dir);
    let joined: Vec<_> = events(&j, "operator_joined")
        .into_iter()
        .filter(|e| e["name"] == "daemon")
        .collect();
    assert!(!joined.is_empty(), "daemon joined: {j:?}");
    // the driver ends the run: the watcher is told, and exits with the run's code
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(driver.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let o = common::wait_bounded(&mut driver, LIMIT);
    assert_eq!(o.status.code(), Some(2));
    let o = common::wait_bounded(&mut watcher, LIMIT);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("the run ended: ABORTED"), "{text}");
}

/// Issue 17: the people are timed. The driver marks `detected` in the TUI with `m` and the
/// chooser; a joiner (the system user `daemon`, through `gameday join --headless`) marks
/// `mitigated`, late for its 1 s target, and is refused a second `detected`. The journal,
/// the live timeline and the report show both marks with their authors, their times from
/// the first trigger, and whether each met its target.
#[test]
fn the_driver_and_a_joiner_mark_milestones_and_the_report_times_them() {
    let (tmp, bin) = shared_tmp();
    let daemon = nix::unistd::User::from_name("daemon").unwrap().unwrap();
    let out = tmp.path().join("runs");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::chown(&out, Some(0), Some(daemon.gid.as_raw())).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o2750)).unwrap();
    }
    let marker = tmp.path().join("marker");
    let scenario = tmp.path().join("people.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: people\nhypothesis: h\ninterval: 200ms\nsteady_state:\n  - name: s\n    command: echo 0\n    expect: \"< 1\"\nfaults:\n  - name: f\n    duration: 5m\n    exec: {{ inject: \"touch {m}\", revert: \"rm -f {m}\" }}\nmilestones:\n  - name: detected\n    within: 5m\n  - name: mitigated\n    within: 1s\n  - communicated\nsafety:\n  max_duration: 10m\nphases:\n  baseline: 1s\n  recovery: 1s\n",
            m = marker.display()
        ),
    )
    .unwrap();
    let exit_file = tmp.path().join("exit");
    let t = Tmux::start(
        &format!(
            "{} run --operator alice --out {} {}; echo $? > {}; sleep 60",
            bin.display(),
            out.display(),
            scenario.display(),
            exit_file.display()
        ),
        100,
        30,
    );
    let limit = LIMIT;
    t.wait_for("READY", limit);
    let _leftover = Leftover(pid_of(&format!(
        "^{} run .*--out {}",
        bin.display(),
        out.display()
    )));
    // nothing to time before the trigger
    t.keys(&["m"]);
    t.wait_for("nothing has been triggered yet", limit);
    t.arm_and_trigger(limit);
    t.wait_for("FAULT ACTIVE", limit);
    t.wait_for("m milestone", limit);
    // the chooser: every milestone not marked yet, the first chosen; a digit and the
    // arrows choose, only Enter marks
    t.keys(&["m"]);
    let s = t.wait_for("Mark a milestone", limit);
    assert!(s.contains("1 detected"), "{s}");
    assert!(s.contains("2 mitigated"), "{s}");
    assert!(s.contains("3 communicated"), "{s}");
    t.keys(&["3"]);
    t.keys(&["Up"]);
    t.keys(&["Up"]);
    t.keys(&["Enter"]);
    t.wait_for("milestone `detected` marked by alice (target 5m)", limit);
    let dir = run_dir(&out);

    // the second seat
    let mut joiner = common::spawn(
        Command::new(&bin)
            .args(["join", "--headless"])
            .arg(&dir)
            .uid(daemon.uid.as_raw())
            .gid(daemon.gid.as_raw())
            .env("HOME", "/")
            .env_remove("GAMEDAY_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    );
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let stdout = joiner.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    let mut seen: Vec<String> = Vec::new();
    let mut expect = |text: &str| -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(l) = seen.iter().find(|l| l.contains(text)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(l) => seen.push(l),
                Err(_) => panic!("the joiner never printed {text:?}:\n{}", seen.join("\n")),
            }
        }
    };
    expect("as daemon; alice drives");
    expect("milestone `detected` marked by alice");
    // more than the 1 s target after the trigger, for sure
    std::thread::sleep(Duration::from_millis(1200));
    {
        use std::io::Write;
        let stdin = joiner.stdin.as_mut().unwrap();
        writeln!(stdin, "/milestone mitigated").unwrap();
        writeln!(stdin, "/milestone detected").unwrap();
        stdin.flush().unwrap();
    }
    let ack = expect("saved in the driver's journal");
    assert!(ack.contains("milestone `mitigated`"), "{ack}");
    let refused = expect("refused");
    assert!(
        refused.contains("`detected` was marked already, by alice at T+"),
        "{refused}"
    );
    t.wait_for("milestone `mitigated` marked by daemon", limit);
    // the driver is told of the joiner's refusal as the joiner's
    t.wait_for("daemon: `detected` was marked already", limit);
    // what is left to mark
    t.keys(&["m"]);
    let s = t.wait_for("Mark a milestone", limit);
    assert!(s.contains("1 communicated"), "{s}");
    for gone in ["1 detected", "1 mitigated", "2 mitigated"] {
        assert!(!s.contains(gone), "marked already: {s}");
    }
    assert!(s.contains("Marked already: detected (alice, T+"), "{s}");
    assert!(s.contains("mitigated (daemon,"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("no milestone marked", limit);

    // the end: kill switch, DONE, quit
    t.keys(&["X"]);
    t.wait_for("ABORTED", limit);
    t.wait_for("DONE", limit);
    t.keys(&["q"]);
    assert_eq!(wait_file(&exit_file, limit).trim(), "2");
    let o = common::wait_bounded(&mut joiner, LIMIT);
    assert_eq!(o.status.code(), Some(2), "the joiner saw the run end");

    let j = journal(&dir);
    let trigger = judge_ts(events(&j, "fault_injecting")[0]);
    let marks = events(&j, "milestone");
    assert_eq!(marks.len(), 2, "{marks:?}");
    assert_eq!(
        (&marks[0]["name"], &marks[0]["author"]),
        (&"detected".into(), &"alice".into())
    );
    assert_eq!(
        (&marks[1]["name"], &marks[1]["author"]),
        (&"mitigated".into(), &"daemon".into())
    );
    let detected_after = judge_ts(marks[0]) - trigger;
    let mitigated_after = judge_ts(marks[1]) - trigger;
    assert!(
        detected_after >= chrono::Duration::zero() && detected_after < chrono::Duration::minutes(5),
        "{detected_after}"
    );
    assert!(
        mitigated_after > chrono::Duration::seconds(1),
        "{mitigated_after}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let row = |start: &str| -> String {
        report
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no row {start:?}:\n{report}"))
            .to_string()
    };
    let t_label = |d: chrono::Duration| {
        let s = d.num_seconds();
        format!("T+{:02}:{:02}", s / 60, s % 60)
    };
    let detected = row("| detected |");
    assert!(
        detected.starts_with(&format!(
            "| detected | 5 min | {} | alice |",
            t_label(detected_after)
        )),
        "{detected}"
    );
    assert!(detected.ends_with("| ✓ met |"), "{detected}");
    let mitigated = row("| mitigated |");
    assert!(
        mitigated.starts_with(&format!(
            "| mitigated | 1 s | {} | daemon |",
            t_label(mitigated_after)
        )),
        "{mitigated}"
    );
    assert!(mitigated.contains("| ✗ missed: "), "{mitigated}");
    assert_eq!(
        row("| communicated |"),
        "| communicated | — | not marked | — | — | not marked |"
    );
    assert!(row("| detect |").contains("✓ (target 5 min)"), "{report}");
    assert!(row("| mitigate |").contains("✗ (target 1 s)"), "{report}");
    assert!(
        report.contains("- `mitigated` was marked "),
        "a finding: {report}"
    );
    // the timeline: who, and T+mm:ss from the first trigger
    let off = |d: chrono::Duration| {
        let s = d.num_seconds();
        format!("| {:02}:{:02} |", s / 60, s % 60)
    };
    assert!(
        report.contains(&format!(
            "{} alice | milestone `detected` marked: ✓ within its 5 min target |",
            off(detected_after)
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "{} daemon | milestone `mitigated` marked: ✗ ",
            off(mitigated_after)
        )),
        "{report}"
    );
    // the verdict is the system's: ABORTED by the kill switch, not by a missed target
    assert!(
        report.starts_with("# Game day: people — ABORTED"),
        "{report}"
    );
}

fn judge_ts(v: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// Issue 17: after a kill switch pulled with `X`, the run stays in RECOVERY for the
/// scenario's recovery phase (nothing can be armed), watches the signal come back, and
/// the report gives the time it took after the abort.
#[test]
fn after_the_kill_switch_the_tui_watches_the_recovery_and_the_report_times_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let v = d.join("v");
    std::fs::write(&v, "0").unwrap();
    let scenario = d.join("s.yaml");
    std::fs::write(
        &scenario,
        format!(
            r#"name: recovery-after-abort
hypothesis: the queue stays short.
interval: 250ms
steady_state:
  - name: queue
    command: cat {v}
    expect: "< 10"
faults:
  - name: flood
    duration: 5m
    exec:
      inject: printf 50 > {v}
      revert: "(sleep 1.5; printf 0 > {v}) >/dev/null 2>&1 &"
phases: {{ baseline: 2s, recovery: 15s }}
"#,
            v = v.display()
        ),
    )
    .unwrap();
    let out = d.join("runs");
    let exit_file = d.join("exit");
    let cmd = format!(
        "{} run --operator alice --out {} {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_gameday"),
        out.display(),
        scenario.display(),
        exit_file.display()
    );
    let t = Tmux::start(&cmd, 100, 30);
    let limit = Duration::from_secs(30);
    t.wait_for("READY", limit);
    t.arm_and_trigger(limit);
    t.wait_for("FAULT ACTIVE", limit);
    t.wait_for("✗ FAIL", limit);
    t.keys(&["X"]);
    // the run goes on in RECOVERY, and says the kill switch was pulled
    let s = t.wait_for("RECOVERY", limit);
    assert!(s.contains("KILL SWITCH PULLED by alice"), "{s}");
    // nothing can be armed in RECOVERY: the key is refused, in words, and no arming
    // question comes
    t.keys(&["a"]);
    let s = t.wait_for("nothing more can be armed in this run", limit);
    assert!(!s.contains("y/Enter arm"), "{s}");
    // the signal comes back while the recovery is watched
    let s = t.wait_for("✓ OK", limit);
    assert!(s.contains("RECOVERY"), "back while still in RECOVERY: {s}");
    t.wait_for("DONE", limit);
    t.keys(&["q"]);
    let code = wait_file(&exit_file, limit);
    assert_eq!(code.trim(), "2", "ABORTED exits 2");

    let dir = run_dir(&out);
    let j = journal(&dir);
    let abort = events(&j, "abort");
    assert_eq!(abort.len(), 1);
    assert_eq!(abort[0]["source"], "key");
    let phases: Vec<&str> = events(&j, "phase")
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    let recovery = phases.iter().rposition(|p| *p == "RECOVERY").unwrap();
    assert_eq!(phases[recovery + 1..], ["DONE"], "{phases:?}");
    // the recovery phase ran its length after the kill switch, not cut short
    let ts = |r: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(r["ts"].as_str().unwrap()).unwrap()
    };
    let rec_at = events(&j, "phase")
        .into_iter()
        .filter(|p| p["phase"] == "RECOVERY")
        .map(ts)
        .next_back()
        .unwrap();
    let done_at = events(&j, "phase")
        .into_iter()
        .find(|p| p["phase"] == "DONE")
        .map(ts)
        .unwrap();
    assert!(
        done_at - rec_at >= chrono::Duration::milliseconds(14_900),
        "{rec_at} → {done_at}"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("ABORTED"), "{report}");
    assert!(
        !report.contains("recovery was cut short"),
        "the recovery phase ran out: {report}"
    );
    // the time to recover after the revert that followed the abort: 1.5 s or more
    let line = report
        .lines()
        .find(|l| l.contains("Recovery took"))
        .unwrap_or_else(|| panic!("no time to recover in the report:\n{report}"));
    assert!(line.contains("after the revert"), "{line}");
    let took = line
        .split("Recovery took ")
        .nth(1)
        .and_then(|r| r.split(" s after").next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        (1.5..8.0).contains(&took),
        "the revert set it back after 1.5 s: {line}"
    );
    let row = report
        .lines()
        .find(|l| l.starts_with("| queue |"))
        .unwrap_or_else(|| panic!("{report}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert!(
        cells[6].ends_with(" s") || cells[6].ends_with("ms"),
        "time to recover in the criteria table: {row}"
    );
}

/// Keys that reach gameday in one read (typed fast, pasted, or sent while it was busy)
/// are all handled, not only the first: crossterm keeps the rest in a buffer of its own
/// that poll(2) on the terminal does not see, and a key left there used to wait for the
/// next key press. The process is stopped while the keys are sent, so they arrive in one
/// read whatever the machine's load.
#[test]
fn keys_that_arrive_in_one_read_are_all_handled() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = d.join("s.yaml");
    std::fs::write(
        &scenario,
        r#"name: burst
hypothesis: every key counts.
interval: 250ms
steady_state:
  - name: one
    command: echo 1
    expect: "< 10"
faults:
  - name: nothing
    duration: 5s
    exec: { inject: "true", revert: "true" }
phases: { baseline: 1s, recovery: 1s }
"#,
    )
    .unwrap();
    let out = d.join(format!("runs-burst-{}", rand_suffix()));
    let exit_file = d.join("exit");
    let cmd = format!(
        "{} run --operator alice --out {} {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_gameday"),
        out.display(),
        scenario.display(),
        exit_file.display()
    );
    let t = Tmux::start(&cmd, 100, 30);
    let limit = Duration::from_secs(30);
    t.wait_for("READY", limit);
    let pid = {
        let o = Command::new("pgrep")
            .args(["-f", &out.display().to_string()])
            .output()
            .unwrap();
        let pids = String::from_utf8_lossy(&o.stdout).into_owned();
        pids.split_whitespace()
            .map(|p| p.parse::<i32>().unwrap())
            .find(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| c.trim() == "gameday")
            })
            .unwrap_or_else(|| panic!("no gameday process among {pids:?}"))
    };
    let signal = |s: nix::sys::signal::Signal| {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), s).unwrap();
    };
    signal(nix::sys::signal::Signal::SIGSTOP);
    t.keys(&["n"]);
    t.text("typed while it was busy");
    t.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    signal(nix::sys::signal::Signal::SIGCONT);
    // no further key: everything that arrived is handled
    t.wait_for("note (alice): typed while it was busy", limit);
    t.keys(&["q"]);
    let code = wait_file(&exit_file, limit);
    assert_eq!(
        code.trim(),
        "6",
        "quit at READY: NOT RUN, nothing triggered"
    );
    let j = journal(&run_dir(&out));
    let notes = events(&j, "note");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["text"], "typed while it was busy");
}

/// Outsider 21, findings 2 and 6, at 80×24 in a real terminal: a hypothesis too long for
/// its three lines ends cut, `i` shows all of it, Esc closes; `q` in READY (before any
/// trigger) ends the run NOT RUN, exit 6, as README's table says.
#[test]
fn i_shows_the_whole_hypothesis_and_q_before_a_trigger_is_not_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("runs");
    let exit_file = tmp.path().join("exit");
    let scenario = tmp.path().join("long-hypothesis.yaml");
    std::fs::write(
        &scenario,
        r#"name: long-hypothesis
hypothesis: >
  If the cache is flushed while traffic is steady, the checkout API keeps answering
  every request, its p99 latency stays below three hundred milliseconds, the error
  rate stays below one percent, the queue drains within a minute of the flush, and
  nobody is paged because the alert waits five minutes END-OF-HYPOTHESIS
interval: 200ms
steady_state:
  - name: always fine
    command: echo 0
    expect: "< 1"
faults:
  - name: nothing
    duration: 5s
    exec: { inject: "true", revert: "true" }
phases:
  baseline: 1s
  recovery: 1s
"#,
    )
    .unwrap();
    let cmd = format!(
        "{} run --operator alice --out {} {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_gameday"),
        out.display(),
        scenario.display(),
        exit_file.display()
    );
    let t = Tmux::start(&cmd, 80, 24);
    let s = t.wait_for("READY", Duration::from_secs(60));
    assert!(s.contains("Hypothesis  If the cache is flushed"), "{s}");
    assert!(!s.contains("END-OF-HYPOTHESIS"), "cut at 80×24:\n{s}");
    t.keys(&["i"]);
    let s = t.wait_for("END-OF-HYPOTHESIS", Duration::from_secs(20));
    assert!(s.contains("Details"), "{s}");
    assert!(s.contains("always fine: expect < 1"), "{s}");
    t.keys(&["Escape"]);
    let start = Instant::now();
    while t.screen().contains("END-OF-HYPOTHESIS") {
        assert!(start.elapsed() < Duration::from_secs(20), "{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    t.keys(&["q"]);
    let code = wait_file(&exit_file, Duration::from_secs(60));
    assert_eq!(code.trim(), "6", "{}", t.screen());
    let j = journal(&run_dir(&out));
    assert_eq!(events(&j, "verdict")[0]["verdict"], "NOT_RUN");
}
