//! `gameday recover RUN_DIR`: after a run ended without reverting (SIGKILL, power loss, a
//! crash), revert exactly what the journal shows as injected and not reverted.
//!
//! The journal is the only source: a fault counts as possibly active from its
//! `fault_injecting` intent (fsynced before anything was done) until a successful
//! `fault_reverted`. What recover does goes into the same journal, so a second run finds
//! nothing to do and the report tells the whole story.
//!
//! Recover runs the revert commands a journal holds, with the rights of whoever runs it:
//! it acts only on a journal owned by that user (root: only root's) in a run directory no
//! one else can write, and refuses anything else before running a thing. Faults are
//! rebuilt from the scenario file the run read, when its sha256 is still the journal's;
//! otherwise from the text the journal kept, in which literal secrets are `"***"`: a
//! fault that needs one of those is not reverted from it, and the message says how to
//! proceed (`--scenario FILE`, or by hand).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use chrono::Utc;

use crate::exit::ExitStatus;
use crate::faults::{self, FaultAction};
use crate::journal::{AbortSource, Event, JournalWriter, Record, RevertReason, RunInfo, Verdict};

/// The faults possibly still active, in the order they were triggered.
pub fn pending_faults(records: &[Record]) -> Vec<String> {
    let mut pending: Vec<String> = Vec::new();
    for r in records {
        match &r.event {
            Event::FaultInjecting { fault, .. } if !pending.contains(fault) => {
                pending.push(fault.clone())
            }
            Event::FaultReverted {
                fault, ok: true, ..
            } => pending.retain(|f| f != fault),
            _ => {}
        }
    }
    pending
}

/// Whether the last injection of `name` has neither a result nor a cancellation: the
/// process ended while it ran.
fn injection_unanswered(records: &[Record], name: &str) -> bool {
    records
        .iter()
        .rev()
        .find_map(|r| match &r.event {
            Event::FaultInjecting { fault, .. } if fault == name => Some(true),
            Event::FaultInjected { fault, .. } | Event::FaultInjectCancelled { fault }
                if fault == name =>
            {
                Some(false)
            }
            _ => None,
        })
        .unwrap_or(false)
}

/// What the fault's injection journaled for its revert, if anything.
fn saved_restore(records: &[Record], name: &str) -> Option<String> {
    records.iter().rev().find_map(|r| match &r.event {
        Event::FaultInjected {
            fault,
            restore: Some(s),
            ..
        } if fault == name => Some(s.clone()),
        _ => None,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    NothingToDo,
    Reverted(Vec<String>),
    /// some reverts failed: (reverted, failed with why)
    Failed {
        reverted: Vec<String>,
        failed: Vec<(String, String)>,
    },
}

impl Outcome {
    pub fn status(&self) -> ExitStatus {
        match self {
            Outcome::NothingToDo | Outcome::Reverted(_) => ExitStatus::Confirmed,
            Outcome::Failed { .. } => ExitStatus::RevertFailed,
        }
    }
}

fn run_info(records: &[Record]) -> Option<&RunInfo> {
    records.iter().find_map(|r| match &r.event {
        Event::RunStarted(i) => Some(i.as_ref()),
        _ => None,
    })
}

/// Why `recover` stopped before reverting anything.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    /// The journal is not one `recover` may act on: it runs the commands a journal holds.
    #[error("{0}")]
    Untrusted(String),
    #[error("{0}")]
    Failed(String),
}

impl RecoverError {
    /// 77 (EX_NOPERM) for a journal it may not trust, 64 for anything else.
    pub fn status(&self) -> ExitStatus {
        match self {
            RecoverError::Untrusted(_) => ExitStatus::NoPermission,
            RecoverError::Failed(_) => ExitStatus::Usage,
        }
    }
}

impl From<String> for RecoverError {
    fn from(s: String) -> Self {
        RecoverError::Failed(s)
    }
}

/// A run directory `recover` may act on, held open so that what was checked is what is
/// read and written: `dir` names the directory through its open handle, so renaming
/// the directory (or a look-alike put in its place) after the check changes nothing.
struct Trusted {
    dir: crate::files::PinnedDir,
    journal: std::fs::File,
}

fn user_words(uid: u32) -> String {
    format!("{} (uid {uid})", crate::room::user_name(uid))
}

/// The trust model: `recover` reverts by running what the journal says, with the rights
/// of whoever runs it, so it trusts only a journal that the same user wrote (root: only
/// root's), in a run directory no one else can write (where no one else could have put
/// it or swapped it). Everything else is refused before anything is run.
fn open_trusted(run_dir: &Path) -> Result<Trusted, RecoverError> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let me = nix::unistd::geteuid().as_raw();
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_DIRECTORY)
        .open(run_dir)
        .map_err(|e| format!("cannot open the run directory {}: {e}", run_dir.display()))?;
    let meta = dir
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", run_dir.display()))?;
    let how = "recover runs the revert commands a journal holds, so it trusts only a \
               journal written by the user running it";
    if meta.uid() != me {
        return Err(RecoverError::Untrusted(format!(
            "refusing to recover {}: the directory belongs to {}, not to you ({}); {how}. \
             If that run is theirs, run `gameday recover` as that user",
            run_dir.display(),
            user_words(meta.uid()),
            user_words(me)
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(RecoverError::Untrusted(format!(
            "refusing to recover {}: the directory is writable by {} (mode {:o}), so someone \
             else could have put its journal there; {how}. Check the journal, then `chmod \
             go-w {}` and run recover again",
            run_dir.display(),
            if meta.mode() & 0o002 != 0 {
                "everyone".to_string()
            } else {
                format!("group {}", crate::room::group_name(meta.gid()))
            },
            meta.mode() & 0o7777,
            run_dir.display()
        )));
    }
    let dir = crate::files::PinnedDir::hold(dir, run_dir);
    let journal_path = dir.path().join("journal.jsonl");
    let shown = run_dir.join("journal.jsonl");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(&journal_path)
        .map_err(|e| match e.raw_os_error() {
            Some(nix::libc::ELOOP) => RecoverError::Untrusted(format!(
                "refusing to recover {}: journal.jsonl is a symbolic link; {how}",
                run_dir.display()
            )),
            _ => RecoverError::Failed(format!("cannot read journal {}: {e}", shown.display())),
        })?;
    let (journal, jmeta) =
        crate::files::checked(file, &shown, crate::journal::MAX_JOURNAL_BYTES, "journals")
            .map_err(|e| e.to_string())?;
    if jmeta.uid() != me {
        return Err(RecoverError::Untrusted(format!(
            "refusing to recover {}: its journal belongs to {}, not to you ({}); {how}. If \
             that run is theirs, run `gameday recover` as that user; nothing was run",
            run_dir.display(),
            user_words(jmeta.uid()),
            user_words(me)
        )));
    }
    if jmeta.mode() & 0o022 != 0 {
        return Err(RecoverError::Untrusted(format!(
            "refusing to recover {}: its journal is writable by others (mode {:o}); {how}. \
             Check it, then `chmod go-w {}` and run recover again",
            run_dir.display(),
            jmeta.mode() & 0o7777,
            shown.display()
        )));
    }
    Ok(Trusted { dir, journal })
}

/// The scenario the faults are rebuilt from.
struct Source {
    scenario: crate::scenario::Scenario,
    /// the text it was read from, for its secrets
    text: String,
    /// `None`: the original file; `Some(paths)`: the text the journal kept, which lacks
    /// the values at these paths
    redacted: Option<Vec<String>>,
    /// why the original file was not used
    why_not_file: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_for_recover(
    text: &str,
    file: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    what: &str,
) -> Result<crate::scenario::Scenario, String> {
    crate::scenario::parse_str(text, file, base, env).map_err(|p| {
        format!(
            "{what} does not read cleanly (recover expands its ${{VAR}}s from your \
             environment):\n{}",
            p.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Where the scenario file the run read is. Journals record it absolute; an older one
/// holds the path as it was given, relative to the directory the run was started in.
/// That directory is where the run directory is now, less the run directory as the
/// journal names it when that was relative too (`runs/20261128T…-x` in
/// `/home/op/runs/20261128T…-x` was started in `/home/op`); failing that, the current
/// directory (the sha256 check refuses a different file of the same name).
fn scenario_file(info: &RunInfo, run_dir: &Path) -> PathBuf {
    let path = Path::new(&info.scenario_path);
    let recorded = Path::new(&info.run_dir);
    if path.is_absolute() || recorded.is_absolute() {
        return path.to_path_buf();
    }
    let Ok(here) = std::path::absolute(run_dir) else {
        return path.to_path_buf();
    };
    // `./runs/…` names what `runs/…` does; above `..` the directory cannot be known
    let recorded: PathBuf = recorded
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let depth = recorded.components().count();
    if depth == 0
        || recorded.components().any(|c| c == Component::ParentDir)
        || !here.ends_with(&recorded)
    {
        return path.to_path_buf();
    }
    let mut started_in = here.as_path();
    for _ in 0..depth {
        match started_in.parent() {
            Some(p) => started_in = p,
            None => return path.to_path_buf(),
        }
    }
    started_in.join(path)
}

/// The scenario to revert from: the file given with `--scenario`, or the one the run
/// read (`original`), when its sha256 is the journal's (it holds the values the journal
/// left out); otherwise the text the journal kept. `${VAR}`s are expanded from `env`,
/// the environment `recover` runs in.
fn scenario_source(
    info: &RunInfo,
    original: &Path,
    given: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Source, String> {
    let base = original.parent().unwrap_or(Path::new(".")).to_path_buf();
    let read = |p: &Path| -> Result<String, String> {
        let bytes = crate::files::read_regular(p, crate::yaml::MAX_BYTES as u64, "scenarios")
            .map_err(|e| e.to_string())?;
        let sha = sha256_hex(&bytes);
        if sha != info.scenario_sha256 {
            return Err(format!(
                "{} has changed since the run (sha256 {}, the journal says {})",
                p.display(),
                short(&sha),
                short(&info.scenario_sha256)
            ));
        }
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", p.display()))
    };
    if let Some(p) = given {
        let text = read(p).map_err(|e| {
            format!(
                "--scenario: {e}: give the scenario file exactly as it was when the run started"
            )
        })?;
        let scenario =
            parse_for_recover(&text, &p.display().to_string(), &base, env, "the scenario")?;
        return Ok(Source {
            scenario,
            text,
            redacted: None,
            why_not_file: String::new(),
        });
    }
    let shown = original.display().to_string();
    let why_not_file = match read(original) {
        Ok(text) => {
            let scenario = parse_for_recover(&text, &shown, &base, env, "the scenario")?;
            return Ok(Source {
                scenario,
                text,
                redacted: None,
                why_not_file: String::new(),
            });
        }
        Err(why) => why,
    };
    let scenario = parse_for_recover(
        &info.scenario_text,
        &info.scenario_path,
        &base,
        env,
        "the scenario kept in the journal",
    )?;
    Ok(Source {
        scenario,
        text: info.scenario_text.clone(),
        redacted: Some(info.scenario_redacted.clone()),
        why_not_file,
    })
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// A fault rebuilt for its revert, or why it cannot be.
type Rebuilt = Result<Box<dyn FaultAction>, String>;

/// Rebuilds each fault's action from the scenario; a fault whose definition lost a value
/// to redaction cannot be rebuilt from the kept text, and says what to do instead.
///
/// Each comes with its name as the journal knows it (with any secret from the
/// environment masked, as the run masked it).
async fn actions(
    info: &RunInfo,
    source: &Source,
    original: &Path,
    redactor: &crate::journal::redact::Redactor,
    run_dir: &Path,
) -> Result<Vec<(String, Rebuilt)>, String> {
    let base = original.parent().unwrap_or(Path::new("."));
    let ctx =
        crate::scenario::fault_context(&source.scenario, &info.run_id, base.to_path_buf()).await?;
    Ok(source
        .scenario
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = redactor.scrub_name(&f.name).into_owned();
            let prefix = format!("faults[{i}].");
            let missing: Vec<&String> = source
                .redacted
                .iter()
                .flatten()
                .filter(|p| p.starts_with(&prefix))
                .collect();
            let action = if missing.is_empty() {
                faults::build(f, &ctx)
            } else {
                let revert = info
                    .faults
                    .iter()
                    .find(|fi| fi.name == name)
                    .map(|fi| fi.plan_line("revert"))
                    .unwrap_or_else(|| "its revert".into());
                Err(format!(
                    "its revert needs {}, written literally in the scenario and kept out of \
                     the journal, and the scenario file cannot be used: {}. Run `gameday \
                     recover {} --scenario FILE` with the scenario as it was, or revert by \
                     hand ({revert})",
                    missing
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    source.why_not_file,
                    run_dir.display()
                ))
            };
            (name, action)
        })
        .collect())
}

/// What `recover` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// `--scenario FILE`: the scenario as it was, for values the journal left out
    pub scenario: Option<&'a Path>,
    /// `--by-hand FAULT`: faults the operator reverted by hand, or checked are not
    /// active. Their revert is not run (a revert that cannot succeed, such as one whose
    /// injection was cancelled before it did anything, would otherwise keep the run open
    /// for ever); the journal records who said so.
    pub by_hand: &'a [String],
}

pub async fn recover(
    run_dir: &Path,
    operator: &str,
    opts: Options<'_>,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> Result<Outcome, RecoverError> {
    let trusted = open_trusted(run_dir)?;
    refuse_live(run_dir, trusted.dir.path())?;
    recover_trusted(
        run_dir,
        trusted,
        operator,
        AbortSource::Recover,
        opts,
        env,
        out,
    )
    .await
}

/// A run whose driver still answers on `control.sock` is not reverted behind its back:
/// the driver would go on believing its fault is active. A socket nobody answers is what
/// a killed driver leaves: it is removed.
fn refuse_live(run_dir: &Path, pinned: &Path) -> Result<(), String> {
    let sock = pinned.join(crate::room::SOCKET);
    if !sock.exists() {
        return Ok(());
    }
    let Ok((path, _hold)) = crate::room::socket_path(pinned) else {
        return Ok(());
    };
    match std::os::unix::net::UnixStream::connect(&path) {
        Ok(_) => Err(format!(
            "the run in {} is live: its driver's gameday still answers on {}. Pull the kill \
             switch there (X), or from a second seat: `gameday join {}`, then X",
            run_dir.display(),
            run_dir.join(crate::room::SOCKET).display(),
            run_dir.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            let _ = std::fs::remove_file(&sock);
            Ok(())
        }
        Err(_) => Ok(()),
    }
}

/// `recover` on behalf of `source`: the crash path uses it with [`AbortSource::Panic`].
pub async fn recover_as(
    run_dir: &Path,
    operator: &str,
    source: AbortSource,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> Result<Outcome, RecoverError> {
    let trusted = open_trusted(run_dir)?;
    recover_trusted(
        run_dir,
        trusted,
        operator,
        source,
        Options::default(),
        env,
        out,
    )
    .await
}

async fn recover_trusted(
    run_dir: &Path,
    trusted: Trusted,
    operator: &str,
    source: AbortSource,
    opts: Options<'_>,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> Result<Outcome, RecoverError> {
    let shown_journal = run_dir.join("journal.jsonl");
    let journal_path = trusted.dir.path().join("journal.jsonl");
    let records = crate::journal::read_journal_from(trusted.journal, &shown_journal)
        .map_err(|e| e.to_string())?;
    let info = run_info(&records).ok_or_else(|| {
        format!(
            "{}: no run_started line: not a gameday journal",
            shown_journal.display()
        )
    })?;
    let pending = pending_faults(&records);
    // who closed a fault by hand is the record's whole point: never empty, one line
    let by_hand_who = {
        let who: String = crate::text::one_visible_line(operator)
            .chars()
            .take(64)
            .collect();
        let user = crate::runner::operator_name();
        match who.trim() {
            "" => user,
            w if w == user => user,
            w => format!("{w} (OS user {user})"),
        }
    };
    if let Some(unknown) = opts.by_hand.iter().find(|f| !pending.contains(f)) {
        return Err(RecoverError::Failed(format!(
            "--by-hand {}: {}; nothing was recorded",
            // quoted as a shell word: a space at the end or an invisible character shows
            crate::schema::shell_word(Path::new(unknown)),
            if pending.is_empty() {
                "the journal shows every fault reverted".to_string()
            } else {
                format!(
                    "not a fault the journal shows as not reverted (those are: {})",
                    pending
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )));
    }
    if pending.is_empty() {
        let _ = writeln!(
            out,
            "gameday recover: nothing to do: every fault in {} was reverted",
            shown_journal.display()
        );
        return Ok(Outcome::NothingToDo);
    }
    let _ = writeln!(
        out,
        "gameday recover: not reverted according to the journal: {}",
        pending.join(", ")
    );
    for name in pending.iter().filter(|f| injection_unanswered(&records, f)) {
        let _ = writeln!(
            out,
            "gameday recover: `{name}`'s injection has no result in the journal: gameday ended \
             while it ran. An exec fault's shell died with it, so the rest of its script did \
             not run, but the command it was running then (and anything it started in the \
             background) may still be running: check what it did"
        );
    }
    let finished = records
        .iter()
        .any(|r| matches!(r.event, Event::Verdict { .. }));
    let attempts: Vec<u32> = pending
        .iter()
        .map(|name| {
            records
                .iter()
                .filter(
                    |r| matches!(&r.event, Event::FaultReverting { fault, .. } if fault == name),
                )
                .count() as u32
        })
        .collect();
    let by_hand = |name: &String| opts.by_hand.contains(name);
    let (actions, redactor) = if info.demo || pending.iter().all(by_hand) {
        // the demo's faults lived in the demo shop, which ended with the process
        (Vec::new(), crate::journal::redact::Redactor::new())
    } else {
        let original = scenario_file(info, run_dir);
        let src = scenario_source(info, &original, opts.scenario, env)?;
        if let Some(paths) = &src.redacted {
            let _ = writeln!(
                out,
                "gameday recover: using the scenario kept in the journal ({}){}",
                src.why_not_file,
                if paths.is_empty() {
                    String::new()
                } else {
                    format!("; it lacks {}", paths.join(", "))
                }
            );
        }
        let redactor = crate::scenario::secrets::collect(&src.text, &src.scenario, env)
            .map(|(r, _)| r)
            .unwrap_or_default();
        let actions = actions(info, &src, &original, &redactor, run_dir).await?;
        (actions, redactor)
    };
    let mut journal =
        JournalWriter::append_to(&journal_path, redactor).map_err(|e| e.to_string())?;
    // the records as they are now: the verdict `recover` writes is judged from them
    let mut all = records.clone();
    let mut write = |all: &mut Vec<Record>, event: Event| -> Result<(), String> {
        let rec = journal
            .append(Utc::now(), event)
            .map_err(|e| e.to_string())?;
        all.push(rec);
        Ok(())
    };
    if !finished {
        write(
            &mut all,
            Event::Abort {
                by: operator.to_string(),
                source,
                detail: match source {
                    AbortSource::Panic => {
                        "gameday crashed; its crash handler reverted what was left".into()
                    }
                    _ => "the run ended without reverting (killed or crashed)".into(),
                },
            },
        )?;
    }
    let mut reverted = Vec::new();
    let mut failed = Vec::new();
    for (name, done_before) in pending.iter().zip(attempts) {
        let attempt = done_before + 1;
        if by_hand(name) {
            write(
                &mut all,
                Event::FaultReverting {
                    fault: name.clone(),
                    reason: RevertReason::ByHand,
                    attempt,
                    action: "nothing run by gameday".into(),
                },
            )?;
            write(&mut all, Event::FaultReverted {
                fault: name.clone(),
                ok: true,
                attempt,
                detail: format!(
                    "{by_hand_who} says it was reverted by hand or is not active (`gameday recover --by-hand`)"
                ),
                will_retry: false,
            })?;
            let _ = writeln!(
                out,
                "gameday recover: recorded `{name}` as reverted by hand (nothing was run)"
            );
            reverted.push(name.clone());
            continue;
        }
        let action = actions.iter().find(|(n, _)| n == name).map(|(_, a)| a);
        if let (Some(Ok(a)), Some(saved)) = (action, saved_restore(&records, name)) {
            a.restore(&saved);
        }
        let plan_line = match action {
            Some(Ok(a)) => a
                .plan()
                .into_iter()
                .find(|l| l.starts_with("revert"))
                .unwrap_or_default(),
            Some(Err(_)) => info
                .faults
                .iter()
                .find(|f| &f.name == name)
                .map(|f| f.plan_line("revert"))
                .unwrap_or_default(),
            None => "nothing to revert: the demo shop ended with its process".into(),
        };
        write(
            &mut all,
            Event::FaultReverting {
                fault: name.clone(),
                reason: RevertReason::Recover,
                attempt,
                action: plan_line,
            },
        )?;
        let result = match action {
            Some(Ok(a)) => a.revert().await,
            Some(Err(why)) => Err(format!("cannot rebuild `{name}` to revert it: {why}")),
            None if info.demo => Ok("the demo shop ended with its process".to_string()),
            None => Err(format!("fault `{name}` is no longer in the scenario")),
        };
        match result {
            Ok(detail) => {
                let _ = writeln!(out, "gameday recover: reverted `{name}`");
                write(
                    &mut all,
                    Event::FaultReverted {
                        fault: name.clone(),
                        ok: true,
                        attempt,
                        detail,
                        will_retry: false,
                    },
                )?;
                reverted.push(name.clone());
            }
            Err(e) => {
                let cancelled = records.iter().any(
                    |r| matches!(&r.event, Event::FaultInjectCancelled { fault } if fault == name),
                );
                let _ = writeln!(out, "gameday recover: FAILED to revert `{name}`: {e}");
                if cancelled {
                    let _ = writeln!(
                        out,
                        "gameday recover: `{name}`'s injection was cancelled while it ran (the \
                         kill switch), so it may have done nothing for the revert to undo"
                    );
                }
                write(
                    &mut all,
                    Event::FaultReverted {
                        fault: name.clone(),
                        ok: false,
                        attempt,
                        detail: e.clone(),
                        will_retry: false,
                    },
                )?;
                failed.push((name.clone(), e));
            }
        }
    }
    if !failed.is_empty() {
        let names: Vec<String> = failed
            .iter()
            // `=`: a name that starts with `-` is not read as an option
            .map(|(f, _)| format!("--by-hand={}", crate::schema::shell_word(Path::new(f))))
            .collect();
        let _ = writeln!(
            out,
            "gameday recover: check by hand what is still in place and revert it; once \
             nothing is, record it: gameday recover {} {}",
            crate::schema::shell_word(run_dir),
            names.join(" ")
        );
    }
    let outcome = if failed.is_empty() {
        Outcome::Reverted(reverted)
    } else {
        Outcome::Failed { reverted, failed }
    };
    if !finished {
        // judged as the report judges it (the report checks the two agree); the abort
        // record above says the run ended without reverting and who recovered it
        let (verdict, reasons) = crate::report::judge(&all).unwrap_or_else(|_| {
            (
                Verdict::Aborted,
                vec!["the run ended without reverting".to_string()],
            )
        });
        write(&mut all, Event::Verdict { verdict, reasons })?;
        write(
            &mut all,
            Event::RunEnded {
                exit_code: outcome.status().worse(ExitStatus::Aborted).code(),
            },
        )?;
    }
    drop(journal);
    match crate::report::write_report(trusted.dir.path()) {
        Ok(_) => {
            let _ = writeln!(
                out,
                "gameday recover: report {}",
                run_dir.join("report.md").display()
            );
        }
        Err(e) => {
            let _ = writeln!(out, "gameday recover: could not rewrite the report: {e}");
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn rec(seq: u64, event: Event) -> Record {
        Record {
            seq,
            ts: DateTime::from_timestamp(1_800_000_000 + seq as i64, 0).unwrap(),
            event,
        }
    }

    #[test]
    fn pending_is_intent_without_a_successful_revert() {
        let inj = |f: &str| Event::FaultInjecting {
            fault: f.into(),
            by: "a".into(),
            action: "x".into(),
        };
        let rev = |f: &str, ok| Event::FaultReverted {
            fault: f.into(),
            ok,
            attempt: 1,
            detail: String::new(),
            will_retry: false,
        };
        let records = vec![
            rec(1, inj("a")),
            rec(2, rev("a", true)),
            rec(3, inj("b")),
            rec(4, inj("c")),
            rec(5, rev("c", false)),
        ];
        assert_eq!(
            pending_faults(&records),
            vec!["b".to_string(), "c".to_string()]
        );
        assert!(pending_faults(&records[..2]).is_empty());
    }
}
