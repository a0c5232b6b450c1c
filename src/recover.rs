//! `gameday recover RUN_DIR`: after a run ended without reverting (SIGKILL, power loss, a
//! crash), revert exactly what the journal shows as injected and not reverted.
//!
//! The journal is the only source: a fault counts as possibly active from its
//! `fault_injecting` intent (fsynced before anything was done) until a successful
//! `fault_reverted`. What recover does goes into the same journal, so a second run finds
//! nothing to do and the report tells the whole story.

use std::io::Write;
use std::path::Path;

use chrono::Utc;

use crate::faults::{self, FaultAction};
use crate::journal::{
    read_journal, AbortSource, Event, JournalWriter, Record, RevertReason, RunInfo, Verdict,
};

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
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::NothingToDo | Outcome::Reverted(_) => 0,
            Outcome::Failed { .. } => 5,
        }
    }
}

fn run_info(records: &[Record]) -> Option<&RunInfo> {
    records.iter().find_map(|r| match &r.event {
        Event::RunStarted(i) => Some(i.as_ref()),
        _ => None,
    })
}

type NamedAction = (String, Box<dyn FaultAction>);

/// Rebuilds the fault actions from the scenario text the journal kept, expanded with
/// today's environment (the journal never holds secret values, only `${VAR}` names).
async fn actions(
    info: &RunInfo,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<NamedAction>, String> {
    let base = Path::new(&info.scenario_path)
        .parent()
        .unwrap_or(Path::new("."));
    let scenario = crate::scenario::parse_str(&info.scenario_text, &info.scenario_path, base, env)
        .map_err(|p| {
            format!(
                "the scenario kept in the journal no longer reads cleanly:\n{}",
                p.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
    let ctx = faults::context(&scenario, &info.run_id, base.to_path_buf()).await?;
    scenario
        .faults
        .iter()
        .map(|f| Ok((f.name.clone(), faults::build(f, &ctx)?)))
        .collect()
}

pub async fn recover(
    run_dir: &Path,
    operator: &str,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> Result<Outcome, String> {
    refuse_live(run_dir)?;
    recover_as(run_dir, operator, AbortSource::Recover, env, out).await
}

/// A run whose driver still answers on `control.sock` is not reverted behind its back:
/// the driver would go on believing its fault is active. A socket nobody answers is what
/// a killed driver leaves: it is removed.
fn refuse_live(run_dir: &Path) -> Result<(), String> {
    let sock = run_dir.join(crate::room::SOCKET);
    if !sock.exists() {
        return Ok(());
    }
    let Ok((path, _hold)) = crate::room::socket_path(run_dir) else {
        return Ok(());
    };
    match std::os::unix::net::UnixStream::connect(&path) {
        Ok(_) => Err(format!(
            "the run in {} is live: its driver's gameday still answers on {}. Pull the kill \
             switch there (X), or from a second seat: `gameday join {}`, then X",
            run_dir.display(),
            sock.display(),
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
) -> Result<Outcome, String> {
    let journal_path = run_dir.join("journal.jsonl");
    let records = read_journal(&journal_path).map_err(|e| e.to_string())?;
    let info = run_info(&records).ok_or_else(|| {
        format!(
            "{}: no run_started line: not a gameday journal",
            journal_path.display()
        )
    })?;
    let pending = pending_faults(&records);
    if pending.is_empty() {
        let _ = writeln!(
            out,
            "gameday recover: nothing to do: every fault in {} was reverted",
            journal_path.display()
        );
        return Ok(Outcome::NothingToDo);
    }
    let _ = writeln!(
        out,
        "gameday recover: not reverted according to the journal: {}",
        pending.join(", ")
    );
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
    let actions = if info.demo {
        // the demo's faults lived in the demo shop, which ended with the process
        Vec::new()
    } else {
        actions(info, env).await?
    };
    let mut journal = JournalWriter::append_to(&journal_path, crate::journal::Redactor::new())
        .map_err(|e| e.to_string())?;
    let mut write = |event: Event| journal.append(Utc::now(), event).map_err(|e| e.to_string());
    if !finished {
        write(Event::Abort {
            by: operator.to_string(),
            source,
            detail: match source {
                AbortSource::Panic => {
                    "gameday crashed; its crash handler reverted what was left".into()
                }
                _ => "the run ended without reverting (killed or crashed)".into(),
            },
        })?;
    }
    let mut reverted = Vec::new();
    let mut failed = Vec::new();
    for (name, done_before) in pending.iter().zip(attempts) {
        let attempt = done_before + 1;
        let action = actions.iter().find(|(n, _)| n == name).map(|(_, a)| a);
        if let (Some(a), Some(saved)) = (action, saved_restore(&records, name)) {
            a.restore(&saved);
        }
        let plan_line = action
            .map(|a| {
                a.plan()
                    .into_iter()
                    .find(|l| l.starts_with("revert"))
                    .unwrap_or_default()
            })
            .unwrap_or_else(|| "nothing to revert: the demo shop ended with its process".into());
        write(Event::FaultReverting {
            fault: name.clone(),
            reason: RevertReason::Recover,
            attempt,
            action: plan_line,
        })?;
        let result = match action {
            Some(a) => a.revert().await,
            None if info.demo => Ok("the demo shop ended with its process".to_string()),
            None => Err(format!("fault `{name}` is no longer in the scenario")),
        };
        match result {
            Ok(detail) => {
                let _ = writeln!(out, "gameday recover: reverted `{name}`");
                write(Event::FaultReverted {
                    fault: name.clone(),
                    ok: true,
                    attempt,
                    detail,
                    will_retry: false,
                })?;
                reverted.push(name.clone());
            }
            Err(e) => {
                let _ = writeln!(out, "gameday recover: FAILED to revert `{name}`: {e}");
                write(Event::FaultReverted {
                    fault: name.clone(),
                    ok: false,
                    attempt,
                    detail: e.clone(),
                    will_retry: false,
                })?;
                failed.push((name.clone(), e));
            }
        }
    }
    let outcome = if failed.is_empty() {
        Outcome::Reverted(reverted)
    } else {
        Outcome::Failed { reverted, failed }
    };
    if !finished {
        write(Event::Verdict {
            verdict: Verdict::Aborted,
            reasons: vec![
                "the run ended without reverting; `gameday recover` reverted what was left".into(),
            ],
        })?;
        write(Event::RunEnded {
            exit_code: outcome.exit_code().max(2),
        })?;
    }
    drop(journal);
    match crate::report::write_report(run_dir) {
        Ok(p) => {
            let _ = writeln!(out, "gameday recover: report {}", p.display());
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
