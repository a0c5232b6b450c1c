//! The real binary in a real terminal (tmux), driven by keys the way an operator would:
//! demo → arm → trigger → note → kill switch (from inside the note editor) → quit.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{events, journal, run_dir};

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
    let limit = Duration::from_secs(30);
    t.wait_for("BASELINE", limit);
    t.wait_for("READY", limit);
    t.keys(&["a"]);
    t.wait_for("take the cache away", limit);
    t.keys(&["y"]);
    t.wait_for("ARMED", limit);
    t.keys(&["t"]);
    t.wait_for("FAULT ACTIVE", limit);
    t.keys(&["n"]);
    t.text("fallback reads look slow");
    t.keys(&["Enter"]);
    t.wait_for("fallback reads look slow", limit);
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
    assert!(
        report.contains("practice run"),
        "the report says it is a demo: {report}"
    );
}
