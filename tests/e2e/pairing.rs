//! Pairing through the real binary: a driver (`gameday run --headless`, as root) and a
//! joiner (`gameday join --headless`) run as another user of the run directory's group,
//! and a user outside that group. Needs root, to start processes as other users; README's
//! test command runs as root.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{
    events, headless, journal, marker_fault_scenario, start_service, wait_bounded, wait_for_event,
};

struct User {
    name: &'static str,
    uid: u32,
    gid: u32,
}

fn user(name: &'static str) -> User {
    let u = nix::unistd::User::from_name(name)
        .unwrap()
        .unwrap_or_else(|| {
            panic!("this test needs the system user `{name}` (Debian's base-passwd has it)")
        });
    User {
        name,
        uid: u.uid.as_raw(),
        gid: u.gid.as_raw(),
    }
}

/// A room: the driver's `--out` directory belongs to root and to `daemon`'s group
/// (setgid, so run directories inherit it), closed to everyone else; the binary is
/// linked where other users can run it.
struct Room {
    tmp: tempfile::TempDir,
    out: PathBuf,
    bin: PathBuf,
    member: User,
}

fn room() -> Room {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the pairing tests start the joiner as another user, which needs root: run them \
         through README's test command (scripts/test), which runs as root"
    );
    let member = user("daemon");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let out = tmp.path().join("runs");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::chown(&out, Some(0), Some(member.gid)).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o2750)).unwrap();
    let bindir = tmp.path().join("bin");
    std::fs::create_dir(&bindir).unwrap();
    std::fs::set_permissions(&bindir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bindir.join("gameday");
    let real = Path::new(env!("CARGO_BIN_EXE_gameday"));
    if std::fs::hard_link(real, &bin).is_err() {
        std::fs::copy(real, &bin).unwrap();
    }
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    Room {
        tmp,
        out,
        bin,
        member,
    }
}

impl Room {
    fn start_driver(&self, fault_secs: u32) -> (common::Reaped, PathBuf) {
        let svc = start_service(self.tmp.path());
        let slow = self.tmp.path().join("slow");
        let text = marker_fault_scenario(svc, &slow, fault_secs);
        let path = self.tmp.path().join("pair.yaml");
        std::fs::write(&path, text).unwrap();
        let child = common::spawn(&mut headless(&path, &self.out, &[]));
        let start = Instant::now();
        let run_dir = loop {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no control.sock appeared under {}",
                self.out.display()
            );
            if let Some(dir) = std::fs::read_dir(&self.out)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|p| p.join("control.sock").exists())
            {
                break dir;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        (child, run_dir)
    }

    fn marker(&self) -> PathBuf {
        self.tmp.path().join("slow")
    }

    /// `gameday join --headless RUN_DIR` as `who`, its output lines on a channel.
    fn join(&self, who: &User, run_dir: &Path) -> Joiner {
        let mut child = common::spawn(
            Command::new(&self.bin)
                .args(["join", "--headless"])
                .arg(run_dir)
                .uid(who.uid)
                .gid(who.gid)
                .env("HOME", "/")
                .env_remove("GAMEDAY_LOG")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Joiner {
            child,
            lines,
            seen: Vec::new(),
        }
    }
}

impl Room {
    /// `gameday ARGS` as `who`, from `/`, to the end (bounded); stdin empty.
    fn gameday_as(&self, who: &User, args: &[&std::ffi::OsStr]) -> std::process::Output {
        let mut child = common::spawn(
            Command::new(&self.bin)
                .args(args)
                .uid(who.uid)
                .gid(who.gid)
                .current_dir("/")
                .env("HOME", "/")
                .env_remove("GAMEDAY_LOG")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        wait_bounded(&mut child, Duration::from_secs(60))
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

struct Joiner {
    child: common::Reaped,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Joiner {
    fn say(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (bounded) for an output line containing `text`.
    fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(l) = self.seen.iter().find(|l| l.contains(text)) {
            return l.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(text) {
                        return l;
                    }
                }
                Err(_) => panic!(
                    "the joiner never printed {text:?}; it printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

#[test]
fn a_joiners_note_is_journaled_under_its_user_name_and_its_kill_switch_reverts_the_fault() {
    let room = room();
    let (mut driver, run_dir) = room.start_driver(60);
    let mut joiner = room.join(&room.member, &run_dir);
    joiner.expect(&format!("as {}; tester drives", room.member.name));
    joiner.say("the cache looks cold");
    let ack = joiner.expect("saved in the driver's journal");
    assert!(ack.contains("note: the cache looks cold"), "{ack}");
    joiner.say("action: alert on cache misses");
    joiner.expect("action: alert on cache misses");
    // the driver's engine refuses a due date that is no date, and the joiner hears why
    joiner.say("action: tune the pool @bob due:2026-02-30");
    let refused = joiner.expect("refused: action item not recorded");
    assert!(
        refused.contains("`due:2026-02-30` is not a day of the calendar; expected due:YYYY-MM-DD"),
        "{refused}"
    );

    wait_for_event(&room.out, "fault_injected", Duration::from_secs(30));
    assert!(room.marker().exists(), "the fault is active");
    // `recover` does not revert a live run behind its driver's back
    let r = common::gameday()
        .arg("recover")
        .arg(&run_dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(64), "{err}");
    assert!(err.contains("is live"), "{err}");
    assert!(
        room.marker().exists(),
        "recover left the live fault to its driver"
    );
    joiner.say("/abort p99 is climbing");
    let o = wait_bounded(&mut driver, Duration::from_secs(30));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        !room.marker().exists(),
        "the joiner's kill switch reverted the fault"
    );

    let ended = joiner.expect("the run ended: ");
    assert!(ended.contains("ABORTED (exit code 2); report"), "{ended}");
    let jo = wait_bounded(&mut joiner.child, Duration::from_secs(10));
    assert_eq!(
        jo.status.code(),
        Some(2),
        "the joiner exits with the run's code"
    );

    let j = journal(&run_dir);
    assert_eq!(events(&j, "operator_joined")[0]["name"], room.member.name);
    let notes = events(&j, "note");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0]["author"], room.member.name);
    assert_eq!(notes[0]["text"], "the cache looks cold");
    assert_eq!(notes[1]["kind"], "action");
    let abort = events(&j, "abort")[0];
    assert_eq!(abort["by"], room.member.name);
    assert_eq!(abort["source"], "join");
    assert_eq!(abort["detail"], "p99 is climbing");
    assert_eq!(events(&j, "fault_reverting")[0]["reason"], "abort");
    assert!(events(&j, "fault_reverted")[0]["ok"].as_bool().unwrap());

    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(report.contains("the cache looks cold"), "{report}");
    assert!(
        report.contains(&format!(
            "| operators | tester (driver), {} |",
            room.member.name
        )),
        "the report names both operators:\n{report}"
    );
    assert!(report.contains("alert on cache misses"), "{report}");
    assert!(!run_dir.join("control.sock").exists(), "the socket is gone");
}

#[test]
fn an_outsider_is_refused_and_killing_a_joiner_changes_nothing_in_the_run() {
    let room = room();
    let (mut driver, run_dir) = room.start_driver(10);

    // outside the group: refused, with words that say who may join
    let outsider = user("nobody");
    let mut refused = room.join(&outsider, &run_dir);
    let o = wait_bounded(&mut refused.child, Duration::from_secs(10));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(77), "{err}");
    assert!(err.contains("nobody may not join"), "{err}");
    assert!(err.contains("owner") && err.contains("group"), "{err}");

    let mut joiner = room.join(&room.member, &run_dir);
    joiner.expect("tester drives");
    wait_for_event(&room.out, "fault_injected", Duration::from_secs(30));
    joiner.child.kill().unwrap();
    joiner.child.wait().unwrap();

    let o = wait_bounded(&mut driver, Duration::from_secs(30));
    assert_eq!(
        o.status.code(),
        Some(0),
        "the run goes on to its verdict: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j = journal(&run_dir);
    assert!(events(&j, "abort").is_empty(), "nothing was aborted");
    assert_eq!(events(&j, "fault_reverting")[0]["reason"], "duration");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "CONFIRMED");
    let joined = events(&j, "operator_joined");
    assert_eq!(joined.len(), 1, "the outsider never got in: {joined:?}");
    assert_eq!(events(&j, "operator_left")[0]["name"], room.member.name);
    assert!(!room.marker().exists());
}

/// Connects to the run's socket as this process's user (root, the run directory's
/// owner), without saying hello.
fn connect(run_dir: &Path) -> std::os::unix::net::UnixStream {
    let s = std::os::unix::net::UnixStream::connect(run_dir.join("control.sock")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Says hello and reads the driver's first answer: a welcome or a refusal.
fn hello(s: &mut std::os::unix::net::UnixStream) -> serde_json::Value {
    let line = format!(
        "{{\"type\":\"hello\",\"protocol\":{},\"version\":\"{}\"}}\n",
        gameday::room::PROTOCOL,
        env!("CARGO_PKG_VERSION")
    );
    s.write_all(line.as_bytes()).unwrap();
    read_json_line(s)
}

fn read_json_line(s: &mut std::os::unix::net::UnixStream) -> serde_json::Value {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match std::io::Read::read(s, &mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    serde_json::from_slice(&buf).unwrap_or(serde_json::Value::Null)
}

/// Issue 14, item 9: 500 idle connections (no hello) from one user hold only that
/// user's few slots and are dropped after a few seconds; a legitimate joiner still gets
/// in. A refused connection reads why, and `gameday join` shows the refusal, not
/// "Broken pipe" (item 10).
#[test]
fn idle_connections_neither_fill_the_room_nor_stay() {
    let room = room();
    // a fault far longer than the test: only its kill switch ends the run, however slow
    // the machine
    let (mut driver, run_dir) = room.start_driver(300);
    let mut idle: Vec<_> = (0..500).map(|_| connect(&run_dir)).collect();
    // the legitimate joiner, another member of the group, gets in
    let mut joiner = room.join(&room.member, &run_dir);
    joiner.expect("tester drives");
    // the connections beyond this user's few are refused, with words; the rest are
    // dropped once they have not said hello in time
    let start = Instant::now();
    let mut refused = 0;
    for s in idle.iter_mut() {
        let v = read_json_line(s);
        if v["type"] == "refused" {
            refused += 1;
            let m = v["message"].as_str().unwrap();
            assert!(
                m.contains("connections to this run open") || m.contains("no hello within 3 s"),
                "{m}"
            );
        }
        // then the driver hangs up
        assert_eq!(std::io::Read::read(s, &mut [0u8; 16]).unwrap_or(0), 0);
    }
    assert!(refused >= 496, "{refused} refused");
    // dropped after their 3 s, not kept: bounded generously for a loaded machine
    assert!(
        start.elapsed() < Duration::from_secs(40),
        "idle connections stayed {:?}",
        start.elapsed()
    );
    // one user at its limit: a further `gameday join` of that user says why
    let held: Vec<_> = (0..4).map(|_| connect(&run_dir)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let o = common::gameday()
        .args(["join", "--headless"])
        .arg(&run_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    // busy, not "you may not": EX_TEMPFAIL (issue 17, finding 3)
    assert_eq!(o.status.code(), Some(75), "{err}");
    assert!(err.contains("connections to this run open"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
    drop(held);
    joiner.say("X");
    let o = wait_bounded(&mut driver, Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(2));
    let j = journal(&run_dir);
    assert_eq!(
        events(&j, "operator_joined").len(),
        1,
        "only the joiner joined"
    );
}

/// Issue 14, item 9: 3,000 connect/hello/disconnect cycles do not make 3,000 joins in
/// the journal (joins are rate-limited per user) nor thousands of timeline rows in the
/// report (joins and leaves in a row are one row per person); a note whose NUL is
/// written `\u0000` is refused like a raw NUL.
#[test]
fn join_loops_and_escaped_nuls_do_not_reach_the_journal() {
    let room = room();
    // a fault far longer than the test: only its kill switch ends the run, however slow
    // the machine
    let (mut driver, run_dir) = room.start_driver(300);
    // a NUL, escaped in the JSON
    let mut s = connect(&run_dir);
    assert_eq!(hello(&mut s)["type"], "welcome");
    s.write_all(
        b"{\"type\":\"note\",\"id\":7,\"kind\":\"note\",\"text\":\"before\\u0000after\"}\n",
    )
    .unwrap();
    let answer = loop {
        let v = read_json_line(&mut s);
        if v["type"] == "refused" || v["type"] == "ack" || v.is_null() {
            break v;
        }
    };
    assert_eq!(answer["type"], "refused", "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("NUL"),
        "{answer}"
    );
    drop(s);
    let start = Instant::now();
    let mut welcomed = 0;
    for _ in 0..3000 {
        let mut s = connect(&run_dir);
        let v = hello(&mut s);
        if v["type"] == "welcome" {
            welcomed += 1;
        } else {
            assert_eq!(v["type"], "refused", "{v}");
        }
    }
    let took = start.elapsed();
    let mut joiner = room.join(&room.member, &run_dir);
    joiner.expect("tester drives");
    joiner.say("X");
    let o = wait_bounded(&mut driver, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(2));
    let j = journal(&run_dir);
    let joins = events(&j, "operator_joined").len();
    // a burst of 5, then one every 10 s, and the member's own join
    let allowed = 5 + took.as_secs() as usize / 10 + 1 + 1;
    assert!(
        joins <= allowed && welcomed <= allowed,
        "{joins} joins journaled, {welcomed} welcomed in {took:?}"
    );
    assert!(events(&j, "note").is_empty(), "the NUL note was refused");
    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    let room_rows = report
        .lines()
        .filter(|l| {
            l.starts_with("| ") && (l.contains("joined the room") || l.contains("left the room"))
        })
        .count();
    assert!(
        room_rows <= 4,
        "{room_rows} rows of joins and leaves:\n{report}"
    );
    assert!(report.contains("joined the room"), "{report}");
}

/// Issue 17, item 2: `gameday status` and `gameday abort` from another shell of a member
/// of the run directory's group. Status lists the live run (phase, the active fault and
/// its time left, who is in the room); abort ends it with every fault reverted, journaled
/// under the member's user name with its reason, and exits 0. Neither is journaled as a
/// join. A user outside the group is refused by both.
#[test]
fn a_member_sees_the_live_run_with_status_and_stops_it_with_abort() {
    let room = room();
    let (mut driver, run_dir) = room.start_driver(60);
    let mut joiner = room.join(&room.member, &run_dir);
    joiner.expect("tester drives");
    wait_for_event(&room.out, "fault_injected", Duration::from_secs(30));
    assert!(room.marker().exists(), "the fault is active");
    let member = &room.member;

    let o = room.gameday_as(member, &["status".as_ref(), room.out.as_os_str()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains(&run_dir.display().to_string()), "{out}");
    assert!(out.contains("scenario  e2e-probe"), "{out}");
    assert!(out.contains("phase     ACTIVE for"), "{out}");
    assert!(out.contains("fault     break the probe: ACTIVE, "), "{out}");
    assert!(out.contains("room      tester (driver), daemon"), "{out}");
    assert!(out.trim_end().ends_with("1 live run"), "{out}");
    // the time left, as a script reads it: the fault's 60 s, less the time it has run
    let o = room.gameday_as(
        member,
        &["status".as_ref(), "--json".as_ref(), room.out.as_os_str()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["live"], 1, "{v}");
    let fault = &v["runs"][0]["status"]["faults"][0];
    assert_eq!(fault["status"], "ACTIVE", "{v}");
    let left = fault["left_s"].as_f64().unwrap();
    assert!(left > 0.0 && left <= 60.0, "{left} s left of 60 s");
    assert_eq!(v["runs"][0]["status"]["joiners"][0], member.name, "{v}");

    // outside the group: refused by both, and the fault is still there
    let outsider = user("nobody");
    let o = room.gameday_as(&outsider, &["status".as_ref(), room.out.as_os_str()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(77), "{err}");
    assert!(
        err.contains("cannot read") && err.contains("permission denied"),
        "{err}"
    );
    let o = room.gameday_as(
        &outsider,
        &[
            "abort".as_ref(),
            run_dir.as_os_str(),
            "--reason".as_ref(),
            "x".as_ref(),
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(77), "{err}");
    assert!(err.contains("nobody may not stop"), "{err}");
    assert!(room.marker().exists(), "the outsider stopped nothing");

    // hostile text in the reason: kept in the journal, harmless in the report
    let reason = "p99 is climbing \x1b[2J";
    let o = room.gameday_as(
        member,
        &[
            "abort".as_ref(),
            run_dir.as_os_str(),
            "--reason".as_ref(),
            reason.as_ref(),
        ],
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(
        out.contains("kill switch pulled in") && out.contains("by daemon"),
        "{out}"
    );
    assert!(out.contains("reverted break the probe (attempt 1"), "{out}");
    assert!(out.contains("every fault is reverted"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
    assert!(!room.marker().exists(), "abort returned after the revert");

    let d = wait_bounded(&mut driver, Duration::from_secs(30));
    assert_eq!(d.status.code(), Some(2), "ABORTED: {}", text(&d.stdout));
    let ended = joiner.expect("the run ended: ");
    assert!(ended.contains("ABORTED (exit code 2)"), "{ended}");
    wait_bounded(&mut joiner.child, Duration::from_secs(10));

    let j = journal(&run_dir);
    let abort = events(&j, "abort");
    assert_eq!(abort.len(), 1, "{abort:?}");
    assert_eq!(abort[0]["by"], member.name);
    assert_eq!(abort[0]["source"], "command");
    assert_eq!(abort[0]["detail"], reason);
    let abort_seq = abort[0]["seq"].as_u64().unwrap();
    let reverting = events(&j, "fault_reverting");
    assert_eq!(reverting[0]["reason"], "abort");
    assert!(reverting[0]["seq"].as_u64().unwrap() > abort_seq);
    let reverted = events(&j, "fault_reverted");
    assert!(reverted[0]["ok"].as_bool().unwrap(), "{reverted:?}");
    assert!(reverted[0]["seq"].as_u64().unwrap() > abort_seq);
    assert_eq!(
        events(&j, "operator_joined").len(),
        1,
        "status and abort are not joins, only the joiner joined"
    );

    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(
        report.contains("pulled by daemon with `gameday abort` from another shell"),
        "{report}"
    );
    assert!(report.contains("p99 is climbing"), "{report}");
    assert!(
        !report.contains('\x1b'),
        "the reason is escaped in the report"
    );
}

/// Issue 17, item 2: against a run that has ended (no socket any more), `abort` says so
/// and exits 69 at once; `status` of that run says how it ended (69), and `status` of the
/// runs directory lists no live run and shows a stale socket as not answering (0).
#[test]
fn abort_and_status_of_a_finished_run_say_so_without_hanging() {
    let room = room();
    let (mut driver, run_dir) = room.start_driver(1);
    let d = wait_bounded(&mut driver, Duration::from_secs(60));
    assert_eq!(d.status.code(), Some(0), "{}", text(&d.stdout));
    assert!(!run_dir.join("control.sock").exists());
    let member = &room.member;

    let start = Instant::now();
    let o = room.gameday_as(member, &["abort".as_ref(), run_dir.as_os_str()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(69), "{err}");
    assert!(err.contains("has ended (exit code 0)"), "{err}");
    assert!(err.contains("report.md"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    let j = journal(&run_dir);
    assert!(events(&j, "abort").is_empty(), "nothing was aborted");

    let o = room.gameday_as(member, &["status".as_ref(), run_dir.as_os_str()]);
    assert_eq!(o.status.code(), Some(69), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("has ended (exit code 0)"));

    // a socket whose driver is gone, as a killed run leaves it
    let stale = room.out.join("20270101T000000Z-killed");
    std::fs::create_dir(&stale).unwrap();
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o2750)).unwrap();
    drop(std::os::unix::net::UnixListener::bind(stale.join("control.sock")).unwrap());
    std::fs::set_permissions(
        stale.join("control.sock"),
        std::fs::Permissions::from_mode(0o660),
    )
    .unwrap();
    let o = room.gameday_as(member, &["status".as_ref(), room.out.as_os_str()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(
        out.contains("20270101T000000Z-killed\n  not answering"),
        "{out}"
    );
    assert!(
        !out.contains(&run_dir.display().to_string()),
        "the ended run is not listed: {out}"
    );
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("no live run in") && last.ends_with(", 1 not answering"),
        "{out}"
    );
}

/// Issue 17, finding 9: a socket in a run directory of the member's group that is not
/// open to the group (planted, not a driver's) is named as such, not blamed on the
/// member's groups, and does not make `status` of the runs directory a permission failure;
/// a regular file is "not a directory", in words.
#[test]
fn a_socket_not_open_to_the_group_is_named_and_a_file_is_not_a_directory() {
    let room = room();
    let planted = room.out.join("20270101T000000Z-planted");
    std::fs::create_dir(&planted).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o2750)).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(planted.join("control.sock")).unwrap();
    std::fs::set_permissions(
        planted.join("control.sock"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let member = &room.member;
    let o = room.gameday_as(member, &["status".as_ref(), room.out.as_os_str()]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("is not a gameday driver's socket: it is mode 0600, owner root"),
        "{out}"
    );
    assert!(!out.contains("may not"), "{out}");
    let o = room.gameday_as(member, &["abort".as_ref(), planted.as_os_str()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(69), "{err}");
    assert!(err.contains("is not a gameday driver's socket"), "{err}");
    drop(listener);

    let file = room.out.join("afile");
    std::fs::write(&file, "").unwrap();
    let o = room.gameday_as(member, &["status".as_ref(), file.as_os_str()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(69), "{err}");
    assert!(err.contains("afile is not a directory"), "{err}");
}

/// Issue 17, finding 8: after `gameday abort` the driver watches the recovery; a SIGTERM
/// then ends it at once, and the headless output, the journal and the report say who and
/// why.
#[test]
fn a_signal_during_the_recovery_after_an_abort_is_said_and_journaled() {
    let room = room();
    let svc = start_service(room.tmp.path());
    let slow = room.marker();
    let yaml = marker_fault_scenario(svc, &slow, 60).replace("recovery: 2s", "recovery: 120s");
    let path = room.tmp.path().join("long-recovery.yaml");
    std::fs::write(&path, yaml).unwrap();
    let mut driver = common::spawn(&mut headless(&path, &room.out, &[]));
    let run_dir = wait_for_event(&room.out, "fault_injected", Duration::from_secs(60));
    let o = room.gameday_as(
        &room.member,
        &[
            "abort".as_ref(),
            run_dir.as_os_str(),
            "--reason".as_ref(),
            "enough".as_ref(),
        ],
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains("the driver watches the recovery"), "{out}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(driver.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let d = wait_bounded(&mut driver, Duration::from_secs(60));
    let so = text(&d.stdout);
    assert_eq!(d.status.code(), Some(2), "{so}");
    assert!(
        so.contains("recovery cut short by tester: SIGTERM (signal)"),
        "{so}"
    );
    let j = journal(&run_dir);
    let cut = events(&j, "recovery_cut_short");
    assert_eq!(cut.len(), 1, "{cut:?}");
    assert_eq!(cut[0]["by"], "tester");
    let verdict_seq = events(&j, "verdict")[0]["seq"].as_u64().unwrap();
    assert!(cut[0]["seq"].as_u64().unwrap() < verdict_seq);
    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(
        report.contains("It was ended by tester: SIGTERM (signal)."),
        "{report}"
    );
}
