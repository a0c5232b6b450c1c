//! Game days over time and their follow-up, through the real binary: three headless runs
//! of one scenario against the tests' own service (CONFIRMED, REFUTED, CONFIRMED), action
//! items typed on standard input, then `gameday history` over the runs and `gameday
//! report` writing `actions.json` again.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::*;

fn text(o: &std::process::Output) -> String {
    format!(
        "{}\n--- stderr\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// One headless run of `scenario` under `out`, `lines` typed on standard input; returns
/// its output and its run directory (the one new under `out`).
fn run_once(scenario: &Path, out: &Path, lines: &[&str]) -> (std::process::Output, PathBuf) {
    let before: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    let mut child = common::spawn(
        gameday()
            .args(["run", "--headless", "--operator", "tester", "--out"])
            .arg(out)
            .arg(scenario)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for l in lines {
            writeln!(stdin, "{l}").unwrap();
        }
    }
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let dir = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !before.contains(p))
        .expect("a new run directory");
    (o, dir)
}

/// The cell `n` (from 1) of the row of `signal` in a report's criteria table.
fn criteria_cell(report: &str, signal: &str, n: usize) -> String {
    let row = report
        .lines()
        .find(|l| l.starts_with(&format!("| {signal} |")))
        .unwrap_or_else(|| panic!("no row for {signal}:\n{report}"));
    row.split(" | ").nth(n).unwrap().trim().to_string()
}

/// The worst value of `signal` as its run's report shows it ("100 %" of "100 % at T+00:01").
fn reported_worst(dir: &Path, signal: &str) -> String {
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let cell = criteria_cell(&report, signal, 3);
    cell.split(" at ").next().unwrap().to_string()
}

#[test]
fn three_runs_make_a_history_and_action_items_reach_actions_json() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = start_service(tmp.path());
    let out = tmp.path().join("gameday-runs");
    let scenario_with = |marker: &str| {
        let m = tmp.path().join(marker);
        let p = tmp.path().join(format!("{marker}.yaml"));
        std::fs::write(&p, marker_fault_scenario(svc, &m, 2)).unwrap();
        p
    };
    // the probe 50 ms slower: the hypothesis holds
    let slow = scenario_with("slow");
    // the probe answering 500: it does not
    let broken = scenario_with("broken");

    let (o, first) = run_once(
        &slow,
        &out,
        &[
            "action: fix retries @alice due:2026-12-05",
            "action: page the DBA due:2026-02-30",
            "action: write the runbook @bob",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let so = String::from_utf8_lossy(&o.stdout);
    assert!(
        so.contains(
            "refused: action item not recorded: `due:2026-02-30` is not a day of the calendar; \
             expected due:YYYY-MM-DD (for example due:2026-12-05)"
        ),
        "{so}"
    );
    let (o, second) = run_once(&broken, &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let (o, third) = run_once(&slow, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // the checklist and actions.json of the first run
    let j = journal(&first);
    let notes: Vec<&str> = events(&j, "note")
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "fix retries @alice due:2026-12-05",
            "write the runbook @bob"
        ],
        "journaled as typed; the malformed one not at all"
    );
    let report = std::fs::read_to_string(first.join("report.md")).unwrap();
    assert!(
        report.contains("- [ ] fix retries — owner @alice, due 2026-12-05 (tester)\n"),
        "{report}"
    );
    assert!(
        report.contains("- [ ] write the runbook — owner @bob (tester)\n"),
        "{report}"
    );
    let actions_path = first.join("actions.json");
    let actions = std::fs::read(&actions_path).unwrap();
    let items: serde_json::Value = serde_json::from_slice(&actions).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 2);
    let run_id = first.file_name().unwrap().to_str().unwrap();
    assert_eq!(items[0]["text"], "fix retries");
    assert_eq!(items[0]["owner"], "alice");
    assert_eq!(items[0]["due"], "2026-12-05");
    assert_eq!(items[0]["author"], "tester");
    assert_eq!(items[0]["run_id"], run_id);
    assert_eq!(items[0]["scenario"], "e2e-probe");
    let at = chrono::DateTime::parse_from_rfc3339(items[0]["at"].as_str().unwrap()).unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(j[0]["ts"].as_str().unwrap()).unwrap();
    assert!(at >= started, "{at} {started}");
    assert_eq!(items[1]["owner"], "bob");
    assert_eq!(items[1]["due"], serde_json::Value::Null);
    // `gameday report` writes it again, byte for byte
    std::fs::remove_file(&actions_path).unwrap();
    let r = gameday().arg("report").arg(&first).output().unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", text(&r));
    assert_eq!(std::fs::read(&actions_path).unwrap(), actions);
    // a run without action items has an empty list
    assert_eq!(
        std::fs::read_to_string(second.join("actions.json")).unwrap(),
        "[]\n"
    );

    // what history must not read: a corrupted journal, a run directory that is a link,
    // a journal that is a link
    let corrupt = out.join("20000101T000000Z-corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(corrupt.join("journal.jsonl"), "{\"seq\":1,\n{}\n").unwrap();
    std::os::unix::fs::symlink(&third, out.join("latest")).unwrap();
    let linked = out.join("20000101T000001Z-linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(third.join("journal.jsonl"), linked.join("journal.jsonl")).unwrap();

    // the default runs directory is `run --out`'s
    let h = gameday()
        .arg("history")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&h.stdout).into_owned();
    assert_eq!(h.status.code(), Some(0), "{}", text(&h));
    let lines: Vec<&str> = listing.lines().collect();
    assert!(
        lines[0].starts_with("SCENARIO   LAST RUN (UTC)    LAST VERDICT  RUNS  SINCE CONFIRMED"),
        "{listing}"
    );
    let row = lines[1];
    let last_started = journal(&third)[0]["ts"].as_str().unwrap()[..16].replace('T', " ");
    assert_eq!(
        row,
        format!("e2e-probe  {last_started}  CONFIRMED        3  0 days"),
        "{listing}"
    );
    // each trend is the runs' own reports' figures, oldest → newest
    let worst = |signal: &str| {
        [&first, &second, &third]
            .map(|d| reported_worst(d, signal))
            .join(" → ")
    };
    let errors = format!(
        "    probe errors (expect < 1 %), worst during faults: {} (steady)",
        worst("probe errors")
    );
    assert_eq!(lines[2], errors, "{listing}");
    assert!(
        errors.contains(": 0 % → ") && errors.ends_with(" → 0 % (steady)"),
        "{errors}"
    );
    assert!(
        lines[3].starts_with(&format!(
            "    probe p99 (expect < 2 s), worst during faults: {}",
            worst("probe p99")
        )),
        "{listing}"
    );
    let recovered: Vec<String> = [&first, &second, &third]
        .iter()
        .map(|d| {
            let report = std::fs::read_to_string(d.join("report.md")).unwrap();
            criteria_cell(&report, "probe errors", 5)
        })
        .collect();
    assert!(
        lines[4].starts_with(&format!("    time to recover: — → {} → —", recovered[1])),
        "{listing}\n{recovered:?}"
    );
    assert_ne!(recovered[1], "—", "the errors came back after the revert");
    // the corrupted journal and the links are named, not read
    let unreadable = &listing[listing.find("could not read 3 runs:").expect(&listing)..];
    assert!(
        unreadable.contains(&format!(
            "{}:1: not a journal line",
            Path::new("gameday-runs/20000101T000000Z-corrupt/journal.jsonl").display()
        )),
        "{unreadable}"
    );
    assert!(
        unreadable.contains("gameday-runs/latest: a symbolic link; history does not follow links"),
        "{unreadable}"
    );
    assert!(
        unreadable.contains(
            "gameday-runs/20000101T000001Z-linked/journal.jsonl: a symbolic link; history does not follow links"
        ),
        "{unreadable}"
    );

    // the same for a dashboard
    let h = gameday()
        .args(["history", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(h.status.code(), Some(0), "{}", text(&h));
    let v: serde_json::Value = serde_json::from_slice(&h.stdout).unwrap();
    let s = &v["scenarios"][0];
    assert_eq!(v["scenarios"].as_array().unwrap().len(), 1);
    assert_eq!(s["scenario"], "e2e-probe");
    assert_eq!(s["run_count"], 3);
    assert_eq!(s["last_verdict"], "CONFIRMED");
    assert_eq!(s["days_since_confirmed"], 0);
    assert_eq!(s["stale"], false);
    let verdicts: Vec<&str> = s["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["CONFIRMED", "REFUTED", "CONFIRMED"]);
    assert_eq!(s["runs"][1]["run_dir"], second.display().to_string());
    let errors = &s["signals"][0];
    assert_eq!(errors["name"], "probe errors");
    assert_eq!(errors["unit"], "ratio");
    let values: Vec<f64> = errors["worst"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        values[0] < 0.01 && values[1] >= 0.01 && values[2] < 0.01,
        "{values:?}"
    );
    assert_eq!(errors["trend"], "steady");
    assert_eq!(v["unreadable"].as_array().unwrap().len(), 3);
    assert!(v["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["error"]
            .as_str()
            .unwrap()
            .contains(":1: not a journal line")));
}

#[test]
fn history_of_a_missing_or_empty_runs_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let h = gameday()
        .arg("history")
        .arg(tmp.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(h.status.code(), Some(69));
    let err = String::from_utf8_lossy(&h.stderr);
    assert!(err.contains("nope does not exist"), "{err}");
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let h = gameday().arg("history").arg(&file).output().unwrap();
    assert_eq!(h.status.code(), Some(69), "{}", text(&h));
    let h = gameday().arg("history").arg(tmp.path()).output().unwrap();
    assert_eq!(h.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&h.stdout),
        format!("no runs in {}\n", tmp.path().display())
    );
}

#[test]
fn history_says_77_for_a_runs_directory_it_may_not_read_and_names_a_journal_it_may_not() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs `history` as another user, which needs root: run it through \
         README's test command (scripts/test), which runs as root"
    );
    let other = nix::unistd::User::from_name("daemon")
        .unwrap()
        .expect("the system user `daemon` (Debian's base-passwd has it)");
    let tmp = tempfile::tempdir().unwrap();
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(tmp.path(), 0o711);
    // the binary where the other user may run it
    let bin = tmp.path().join("gameday");
    std::fs::copy(env!("CARGO_BIN_EXE_gameday"), &bin).unwrap();
    mode(&bin, 0o755);
    let as_other = |dir: &Path| {
        std::process::Command::new(&bin)
            .arg("history")
            .arg(dir)
            .env_remove("GAMEDAY_LOG")
            .current_dir(tmp.path())
            .uid(other.uid.as_raw())
            .gid(other.gid.as_raw())
            .output()
            .unwrap()
    };
    let closed = tmp.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    mode(&closed, 0o700);
    let o = as_other(&closed);
    assert_eq!(o.status.code(), Some(77), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("permission denied"),
        "{}",
        text(&o)
    );
    // a runs directory it may read, holding a run whose journal it may not: named, exit 0
    let open = tmp.path().join("open");
    let run = open.join("20261127T100200Z-x");
    std::fs::create_dir_all(&run).unwrap();
    mode(&open, 0o755);
    mode(&run, 0o755);
    std::fs::write(run.join("journal.jsonl"), "{}\n").unwrap();
    mode(&run.join("journal.jsonl"), 0o600);
    let o = as_other(&open);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let listing = String::from_utf8_lossy(&o.stdout);
    assert!(
        listing.starts_with(&format!("no runs in {}\n", open.display())),
        "{listing}"
    );
    assert!(
        listing.contains(&format!(
            "could not read 1 run:\n  cannot open {}: Permission denied",
            run.join("journal.jsonl").display()
        )),
        "{listing}"
    );
}
