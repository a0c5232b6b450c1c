//! The tests' own guard on their children (`common::Reaped`): a test that fails before it
//! waits for a child leaves neither a process nor a fault behind.

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag};
use nix::unistd::Pid;

/// Whether `pid` is gone for good: no longer a child of this process (reaped, not a
/// zombie) and no longer in /proc.
fn reaped(pid: Pid) -> bool {
    waitpid(pid, Some(WaitPidFlag::WNOHANG)) == Err(Errno::ECHILD)
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn a_dropped_guard_ends_and_reaps_its_child() {
    let pid;
    {
        let child = common::spawn(Command::new("sleep").arg("60"));
        pid = Pid::from_raw(child.id() as i32);
        assert!(!reaped(pid), "sleep 60 runs while guarded");
    }
    // the drop waited for it: gone at once, not a zombie for someone to collect
    assert!(reaped(pid), "sleep 60 outlived its guard");
}

#[test]
fn a_child_that_ignores_sigterm_is_killed_after_the_grace() {
    let start = Instant::now();
    let pid;
    {
        // an ignored signal stays ignored across exec
        let child = common::spawn(
            Command::new("sh")
                .args(["-c", "trap '' TERM; exec sleep 600"])
                .stdout(Stdio::piped()),
        );
        pid = Pid::from_raw(child.id() as i32);
        // the trap is set once sh has exec'd sleep
        while std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default() != "sleep\n"
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "sh never ran sleep"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert!(reaped(pid), "a child ignoring SIGTERM outlived its guard");
    // bounded by the grace, far below sleep's own 600 s
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_waited_child_keeps_its_exit_status_and_is_left_alone() {
    let mut child = common::spawn(
        Command::new("sh")
            .args(["-c", "echo out; exit 3"])
            .stdout(Stdio::piped()),
    );
    let pid = Pid::from_raw(child.id() as i32);
    let o = wait_bounded(&mut child, Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "out\n");
    drop(child);
    assert!(reaped(pid));
}

/// The case the guard is for: an assertion fails while a gameday run holds its fault. The
/// unwinding test drops the guard, and gameday, told to stop, reverts on its way out.
#[test]
fn a_failing_test_leaves_no_gameday_and_no_fault_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let marker = tmp.path().join("slow");
    let text = marker_fault_scenario(svc, &marker, 300);
    let path = tmp.path().join("long.yaml");
    std::fs::write(&path, text).unwrap();
    let out = tmp.path().join("runs");
    let (tx, rx) = std::sync::mpsc::channel();
    let failed = std::thread::spawn({
        let (path, out, marker) = (path.clone(), out.clone(), marker.clone());
        move || {
            let child = common::spawn(&mut headless(&path, &out, &[]));
            tx.send(Pid::from_raw(child.id() as i32)).unwrap();
            wait_for_event(&out, "fault_injected", Duration::from_secs(60));
            assert!(marker.exists(), "the fault is in place");
            panic!("an assertion of the test fails while the fault is active");
        }
    })
    .join();
    assert!(failed.is_err(), "the test body failed");
    let pid = rx
        .recv_timeout(Duration::from_secs(1))
        .expect("gameday started");
    assert!(reaped(pid), "gameday outlived the failing test");
    assert!(!marker.exists(), "the fault outlived the failing test");
    let j = journal(&run_dir(&out));
    assert_eq!(events(&j, "abort")[0]["source"], "signal", "{j:?}");
    assert_eq!(events(&j, "abort")[0]["detail"], "SIGTERM", "{j:?}");
    let reverted = events(&j, "fault_reverted");
    assert_eq!(
        reverted.last().expect("a revert journaled")["ok"],
        true,
        "{j:?}"
    );
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED", "{j:?}");
}
