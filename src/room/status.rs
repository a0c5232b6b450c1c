//! `gameday status [RUNS_DIR | RUN_DIR]`: which runs are live, and how each stands, asked
//! of each run's own driver over its `control.sock` (a `status` connection: read-only,
//! journals nothing, takes no seat). A driver that does not answer in time is shown as
//! such; nothing here waits on one run longer than [`ASK_WITHIN`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::client::{self, EXIT_NOPERM, EXIT_UNAVAILABLE};

/// A driver that asked to be asked later (EX_TEMPFAIL).
const EXIT_BUSY: i32 = crate::exit::ExitStatus::NotConfirmed.code();
use super::{Intent, ServerLine, Ts};
use crate::engine::{FaultStatus, State};
use crate::journal::{Phase, RunInfo};

/// The longest one run's answer may take, connecting included. Runs are asked at once,
/// so a listing takes about this long at worst, however many runs are stuck.
pub const ASK_WITHIN: Duration = Duration::from_secs(5);

/// How a live run stands, as its driver sees it at `now`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    pub run_id: String,
    pub scenario: String,
    /// the driver's operator name
    pub driver: String,
    /// the user names of the joiners in the room now (filled in by the room)
    #[serde(default)]
    pub joiners: Vec<String>,
    pub phase: Phase,
    pub phase_since: Ts,
    /// when the phase's timer runs out (baseline, recovery, an active fault's duration)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_ends: Option<Ts>,
    /// who pulled the kill switch, when it was pulled
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_by: Option<String>,
    /// the verdict's word, once there is one
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// every fault that is armed, in flight, or whose revert failed
    pub faults: Vec<FaultNow>,
    pub now: Ts,
}

/// One fault that is not idle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultNow {
    pub name: String,
    pub status: FaultStatus,
    /// when gameday reverts it on its own: its `duration`, or `safety.max_duration`
    /// if that comes first
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revert_at: Option<Ts>,
    /// the revert attempt under way or last made (0: none yet)
    #[serde(default)]
    pub revert_attempts: u32,
}

impl RunStatus {
    pub fn of(info: &RunInfo, state: &State, now: Ts) -> RunStatus {
        let faults = state
            .cfg
            .faults
            .iter()
            .zip(&state.faults)
            .filter(|(_, f)| !matches!(f.status, FaultStatus::Pending | FaultStatus::Reverted))
            .map(|(i, f)| FaultNow {
                name: i.name.clone(),
                status: f.status,
                revert_at: match (f.deadline, f.ceiling) {
                    (Some(d), Some(c)) => Some(d.min(c)),
                    (d, c) => d.or(c),
                }
                .filter(|_| f.is_live()),
                revert_attempts: f.revert_attempts,
            })
            .collect();
        RunStatus {
            run_id: info.run_id.clone(),
            scenario: info.scenario.clone(),
            driver: info.operator.clone(),
            joiners: Vec::new(),
            phase: state.phase,
            phase_since: state.phase_since,
            phase_ends: state.phase_deadline(),
            aborted_by: state.abort.as_ref().map(|a| a.by.clone()),
            verdict: state.verdict.as_ref().map(|(v, _)| v.word().to_string()),
            faults,
            now,
        }
    }

    /// The phase as a person reads it: `ACTIVE for 12 s, 48 s left`, `RECOVERY (aborted
    /// by alice)`, `DONE: CONFIRMED`.
    pub fn phase_words(&self) -> String {
        let mut s = self.phase.word().to_string();
        if let Some(v) = &self.verdict {
            s.push_str(&format!(": {v}"));
        }
        if self.phase != Phase::Done {
            s.push_str(&format!(" for {}", words(self.phase_since, self.now)));
            if let Some(end) = self.phase_ends {
                s.push_str(&format!(", {} left", words(self.now, end)));
            }
        }
        if let Some(by) = &self.aborted_by {
            s.push_str(&format!(" (aborted by {by})"));
        }
        s
    }

    fn fault_words(&self, f: &FaultNow) -> String {
        let mut s = format!("{}: {}", f.name, f.status.word());
        match f.status {
            FaultStatus::Reverting => s.push_str(&format!(", attempt {}", f.revert_attempts)),
            FaultStatus::RevertFailed => {
                s.push_str(" (it may still be active; the driver's screen says what to do)")
            }
            _ => {}
        }
        if let Some(at) = f.revert_at {
            s.push_str(&format!(", {} left", words(self.now, at)));
        }
        s
    }
}

/// The time from `from` to `to` in whole seconds, rounded up (a fault with 0.2 s left
/// has not run out): "48 s", "1 min 12 s".
fn words(from: Ts, to: Ts) -> String {
    let ms = (to - from).num_milliseconds().max(0) as u64;
    crate::units::format_duration(Duration::from_secs(ms.div_ceil(1000)))
}

/// What one run directory said.
#[derive(Debug)]
enum Answer {
    Live(Box<RunStatus>),
    /// no answer: a stale socket, a stopped driver, a version that does not answer
    Silent(String),
    /// the user may not read it, or the driver refused them
    Refused(String),
    /// live, but its driver asked this user to wait (too many queries or connections)
    Busy(String),
}

/// Asks the driver in `run_dir`, bounded by [`ASK_WITHIN`].
async fn ask(run_dir: PathBuf) -> Answer {
    let asked = tokio::time::timeout(
        ASK_WITHIN,
        client::open(&run_dir, Intent::Status, "query", ASK_WITHIN),
    )
    .await;
    match asked {
        Err(_) => Answer::Silent(format!(
            "not answering (nothing within {} s: is its driver stopped?)",
            ASK_WITHIN.as_secs()
        )),
        Ok(Err((code, why))) if code == EXIT_NOPERM => Answer::Refused(why),
        Ok(Err((code, why))) if code == EXIT_BUSY => Answer::Busy(why),
        Ok(Err((_, why))) => Answer::Silent(format!("not answering: {why}")),
        Ok(Ok(o)) => match o.first {
            ServerLine::Status { status } => Answer::Live(status),
            _ => Answer::Silent(
                "answers, but not to a status query (a gameday older than this one?)".into(),
            ),
        },
    }
}

/// Where to look, and what could not be looked at.
struct Found {
    /// run directories with a socket, to ask
    sockets: Vec<PathBuf>,
    /// run directories that could not be read, and why
    unreadable: Vec<(PathBuf, String)>,
}

/// Whether `dir` is a run directory itself rather than a directory of runs.
fn is_run_dir(dir: &Path) -> bool {
    [super::SOCKET, "journal.jsonl"]
        .iter()
        .any(|f| std::fs::symlink_metadata(dir.join(f)).is_ok())
}

fn find(runs: &Path) -> std::io::Result<Found> {
    let mut found = Found {
        sockets: Vec::new(),
        unreadable: Vec::new(),
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        match std::fs::symlink_metadata(dir.join(super::SOCKET)) {
            Ok(_) => found.sockets.push(dir),
            // a finished run, or not a run at all
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => found.unreadable.push((dir, e.to_string())),
        }
    }
    Ok(found)
}

/// `gameday status [PATH] [--json]`; returns the exit code (README's "Exit codes").
pub async fn status(path: &Path, json: bool) -> i32 {
    let single = is_run_dir(path);
    if single && std::fs::symlink_metadata(path.join(super::SOCKET)).is_err() {
        // a finished run: say how it ended, without asking anyone
        let words = client::no_run(path);
        if json {
            let v = serde_json::json!({"runs": [], "live": 0, "error": words});
            crate::say!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            crate::say!("{words}");
        }
        return EXIT_UNAVAILABLE;
    }
    let found = if single {
        Found {
            sockets: vec![path.to_path_buf()],
            unreadable: Vec::new(),
        }
    } else {
        match find(path) {
            Ok(f) => f,
            Err(e) => {
                let (code, why) = match e.kind() {
                    std::io::ErrorKind::NotFound => (
                        EXIT_UNAVAILABLE,
                        format!(
                            "{} does not exist (runs go to gameday-runs in the directory \
                             `gameday run` was started in, or to its --out DIR)",
                            path.display()
                        ),
                    ),
                    std::io::ErrorKind::PermissionDenied => (
                        EXIT_NOPERM,
                        format!(
                            "cannot read {}: permission denied (only its owner and group can \
                             list the runs in it)",
                            path.display()
                        ),
                    ),
                    _ if path.exists() && !path.is_dir() => (
                        EXIT_UNAVAILABLE,
                        format!(
                            "{} is not a directory: give a runs directory (where `gameday \
                             run` puts its runs) or one run's directory",
                            path.display()
                        ),
                    ),
                    _ => (
                        EXIT_UNAVAILABLE,
                        format!("cannot read {}: {e}", path.display()),
                    ),
                };
                crate::tell!("gameday status: {why}");
                return code;
            }
        }
    };
    // asked all at once, each bounded: a stuck driver delays the listing, never hangs it
    let tasks: Vec<_> = found
        .sockets
        .iter()
        .map(|d| (d.clone(), tokio::spawn(ask(d.clone()))))
        .collect();
    let mut answers = Vec::new();
    for (dir, t) in tasks {
        let a = t
            .await
            .unwrap_or_else(|e| Answer::Silent(format!("not answering: {e}")));
        answers.push((dir, a));
    }
    let live = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Live(_)))
        .count();
    let silent = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Silent(_)))
        .count();
    let refused = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Refused(_)))
        .count()
        + found.unreadable.len();
    let busy = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Busy(_)))
        .count();
    let text = if json {
        json_listing(&answers, &found.unreadable)
    } else {
        let counts = Counts {
            live,
            silent,
            refused,
            busy,
        };
        text_listing(path, &answers, &found.unreadable, &counts)
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if refused > 0 {
        EXIT_NOPERM
    } else if busy > 0 {
        // live, but not said how it stands: ask again in a second
        EXIT_BUSY
    } else if single && live == 0 {
        EXIT_UNAVAILABLE
    } else {
        0
    }
}

/// How many runs answered which way, for the listing's last line.
#[derive(Clone, Copy)]
struct Counts {
    live: usize,
    silent: usize,
    refused: usize,
    busy: usize,
}

fn text_listing(
    path: &Path,
    answers: &[(PathBuf, Answer)],
    unreadable: &[(PathBuf, String)],
    counts: &Counts,
) -> String {
    let Counts {
        live,
        silent,
        refused,
        busy,
    } = *counts;
    let v = |s: &str| crate::text::visible(s).into_owned();
    let mut out = String::new();
    for (dir, a) in answers {
        out.push_str(&format!("{}\n", v(&dir.display().to_string())));
        match a {
            Answer::Live(s) => {
                out.push_str(&format!(
                    "  scenario  {} (run {})\n",
                    v(&s.scenario),
                    v(&s.run_id)
                ));
                out.push_str(&format!("  phase     {}\n", v(&s.phase_words())));
                if s.faults.is_empty() {
                    out.push_str("  faults    none active\n");
                }
                for f in &s.faults {
                    out.push_str(&format!("  fault     {}\n", v(&s.fault_words(f))));
                }
                let mut room = vec![format!("{} (driver)", v(&s.driver))];
                room.extend(s.joiners.iter().map(|j| v(j)));
                out.push_str(&format!("  room      {}\n", room.join(", ")));
            }
            Answer::Silent(why) | Answer::Refused(why) => {
                out.push_str(&format!("  {}\n", v(why)));
            }
            Answer::Busy(why) => {
                out.push_str(&format!("  live, but not answered now: {}\n", v(why)));
            }
        }
    }
    for (dir, why) in unreadable {
        out.push_str(&format!(
            "{}\n  cannot read: {}\n",
            v(&dir.display().to_string()),
            v(why)
        ));
    }
    let runs = |n: usize| if n == 1 { "run" } else { "runs" };
    let mut count = match (live, busy) {
        (0, 0) => format!("no live run in {}", v(&path.display().to_string())),
        (n, 0) => format!("{n} live {}", runs(n)),
        (n, b) => format!(
            "{} live {} ({b} not answered now: asked too often)",
            n + b,
            runs(n + b)
        ),
    };
    if silent > 0 {
        count.push_str(&format!(", {silent} not answering"));
    }
    if refused > 0 {
        count.push_str(&format!(", {refused} you may not read"));
    }
    out.push_str(&count);
    out.push('\n');
    out
}

fn json_listing(answers: &[(PathBuf, Answer)], unreadable: &[(PathBuf, String)]) -> String {
    let mut runs: Vec<serde_json::Value> = answers
        .iter()
        .map(|(dir, a)| {
            let dir = dir.display().to_string();
            match a {
                Answer::Live(s) => {
                    let mut v = serde_json::to_value(s).unwrap_or_default();
                    // seconds left, as the driver counted them, for scripts
                    if let Some(faults) = v.get_mut("faults").and_then(|f| f.as_array_mut()) {
                        for (f, fv) in s.faults.iter().zip(faults) {
                            let left = f
                                .revert_at
                                .map(|at| (at - s.now).num_milliseconds().max(0) as f64 / 1000.0);
                            fv["left_s"] = serde_json::json!(left);
                            // the word the screens show, not the enum's spelling
                            fv["status"] = serde_json::json!(f.status.word());
                        }
                    }
                    serde_json::json!({"run_dir": dir, "state": "live", "status": v})
                }
                Answer::Silent(why) => {
                    serde_json::json!({"run_dir": dir, "state": "not_answering", "error": why})
                }
                Answer::Refused(why) => {
                    serde_json::json!({"run_dir": dir, "state": "refused", "error": why})
                }
                Answer::Busy(why) => {
                    serde_json::json!({"run_dir": dir, "state": "busy", "error": why})
                }
            }
        })
        .collect();
    runs.extend(unreadable.iter().map(|(dir, why)| {
        serde_json::json!({"run_dir": dir.display().to_string(), "state": "unreadable", "error": why})
    }));
    // a run that asked to be asked later is live all the same
    let live = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Live(_) | Answer::Busy(_)))
        .count();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({"runs": runs, "live": live}))
        .unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Ts {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn sample() -> RunStatus {
        RunStatus {
            run_id: "20270115T080000Z-cache".into(),
            scenario: "cache\x1b[2J".into(),
            driver: "alice".into(),
            joiners: vec!["bob".into()],
            phase: Phase::Active,
            phase_since: at(0),
            phase_ends: Some(at(60)),
            aborted_by: None,
            verdict: None,
            faults: vec![FaultNow {
                name: "stop redis".into(),
                status: FaultStatus::Active,
                revert_at: Some(at(60)),
                revert_attempts: 0,
            }],
            now: at(11) + chrono::Duration::milliseconds(700),
        }
    }

    #[test]
    fn time_left_is_rounded_up_and_said_in_words() {
        let s = sample();
        assert_eq!(s.phase_words(), "ACTIVE for 12 s, 49 s left");
        assert_eq!(s.fault_words(&s.faults[0]), "stop redis: ACTIVE, 49 s left");
        let mut aborted = s.clone();
        aborted.phase = Phase::Recovery;
        aborted.aborted_by = Some("bob".into());
        assert!(aborted.phase_words().ends_with("(aborted by bob)"));
    }

    #[test]
    fn the_listing_names_the_room_and_escapes_what_the_driver_sent() {
        let answers = vec![
            (PathBuf::from("runs/a"), Answer::Live(Box::new(sample()))),
            (
                PathBuf::from("runs/b"),
                Answer::Silent("not answering: gone".into()),
            ),
        ];
        let unreadable = vec![(PathBuf::from("runs/c"), "Permission denied".to_string())];
        let counts = Counts {
            live: 1,
            silent: 1,
            refused: 1,
            busy: 0,
        };
        let text = text_listing(Path::new("runs"), &answers, &unreadable, &counts);
        assert!(!text.contains('\x1b'), "{text}");
        assert!(text.contains("room      alice (driver), bob"), "{text}");
        assert!(
            text.contains("fault     stop redis: ACTIVE, 49 s left"),
            "{text}"
        );
        assert!(text.contains("runs/b\n  not answering: gone"), "{text}");
        assert!(
            text.contains("runs/c\n  cannot read: Permission denied"),
            "{text}"
        );
        assert!(
            text.ends_with("1 live run, 1 not answering, 1 you may not read\n"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&json_listing(&answers, &unreadable)).unwrap();
        assert_eq!(json["live"], 1);
        assert_eq!(json["runs"][0]["status"]["faults"][0]["left_s"], 48.3);
        assert_eq!(json["runs"][0]["status"]["faults"][0]["status"], "ACTIVE");
        assert_eq!(json["runs"][1]["state"], "not_answering");
        assert_eq!(json["runs"][2]["state"], "unreadable");
    }
}
