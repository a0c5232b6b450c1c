//! `gameday abort RUN_DIR [--reason TEXT]`: the kill switch from any shell of a user who
//! may join. It connects with an `abort` intent (no seat, no join in the journal), draws
//! the driver's state as a joiner does, pulls the kill switch, and follows the driver's
//! own engine messages until every fault it reverts has settled, so what it prints is
//! what the driver journaled, not a guess.

use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::client::{self, ANSWER_WITHIN, EXIT_UNAVAILABLE};
use super::server::read_line;
use super::{encode, ClientLine, Intent, ServerLine, MAX_NOTE};
use crate::engine::{self, State};
use crate::exit::ExitStatus;
use crate::journal::{Event, Record};

/// How long `abort` waits for every revert to be confirmed. A revert is tried
/// [`engine::REVERT_ATTEMPTS`] times, each bounded by its fault's own timeout (30 s for
/// `exec` unless the scenario says otherwise), so this leaves room for slow reverts; past
/// it `abort` says what is still reverting and exits 75 (the driver keeps trying).
pub const WAIT_FOR_REVERTS: Duration = Duration::from_secs(300);

const ABORT_ID: u64 = 1;

/// Pulls the kill switch of the run in `run_dir`; returns the exit code.
pub async fn abort(run_dir: &Path, reason: &str) -> i32 {
    let mut detail: String = reason.trim().replace('\0', "");
    if detail.chars().count() > MAX_NOTE {
        crate::tell!("gameday abort: the reason is cut to its first {MAX_NOTE} characters");
        detail = detail.chars().take(MAX_NOTE).collect();
    }
    let opened = match client::open(run_dir, Intent::Abort, "stop", ANSWER_WITHIN).await {
        Ok(o) => o,
        Err((code, why)) => {
            crate::tell!("gameday abort: {why}");
            return code;
        }
    };
    let (mut rd, mut wr) = (opened.rd, opened.wr);
    let (mut state, mut records) = match opened.first {
        ServerLine::Welcome { state, records, .. } => (*state, records),
        _ => {
            crate::tell!("gameday abort: the driver said something unexpected");
            return EXIT_UNAVAILABLE;
        }
    };
    if state.is_done() {
        return finished(run_dir, &state);
    }
    let line = encode(&ClientLine::Abort {
        id: ABORT_ID,
        detail,
    });
    if let Err(e) = wr.write_all(line.as_bytes()).await {
        crate::tell!(
            "gameday abort: could not send the kill switch ({e}); the run was NOT aborted \
             by this command: try again, or `gameday join` it"
        );
        return EXIT_UNAVAILABLE;
    }
    let deadline = tokio::time::Instant::now() + WAIT_FOR_REVERTS;
    let mut acked: Option<u64> = None;
    let mut refused: Option<String> = None;
    loop {
        // the abort is in the state once its step arrives (the ack may come first)
        if state.abort.is_some() && !state.any_fault_in_flight() {
            return settled(run_dir, &state, &records, acked, refused.as_deref());
        }
        let next = tokio::time::timeout_at(
            deadline,
            read_line(&mut rd, super::max_server_line(run_dir)),
        );
        let line = match next.await {
            Err(_) => return timed_out(run_dir, &state),
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) | Ok(Err(_)) => return lost(run_dir, &state),
        };
        match serde_json::from_str::<ServerLine>(&line) {
            Ok(ServerLine::Step {
                now,
                msg,
                records: rs,
            }) => {
                if let Some(m) = msg {
                    // the driver's effects are the driver's: here only the state moves
                    let _ = engine::update(&mut state, m, now);
                }
                records.extend(rs);
            }
            Ok(ServerLine::Welcome {
                state: s,
                records: rs,
                ..
            }) => {
                state = *s;
                records = rs;
            }
            Ok(ServerLine::Ack { id, seq }) if id == ABORT_ID => acked = Some(seq),
            Ok(ServerLine::Refused { message, .. }) => {
                if state.is_done() {
                    return finished(run_dir, &state);
                }
                // pulled already (its step is on the way, or was in the welcome), or the
                // run is ending: either way the reverts are followed to the end
                refused = Some(message);
            }
            Ok(ServerLine::Ended { exit_code, .. }) => {
                if state.abort.is_some() && !state.any_fault_in_flight() {
                    return settled(run_dir, &state, &records, acked, refused.as_deref());
                }
                return ended_first(run_dir, exit_code, &state);
            }
            Ok(_) => {}
            // a line this client cannot read: a fresh snapshot rather than a wrong state
            Err(_) => {
                let _ = wr.write_all(encode(&ClientLine::Resync).as_bytes()).await;
            }
        }
    }
}

/// The run had ended, or was ending (its verdict reached, the driver telling the team
/// and writing the report), before the kill switch could be pulled: 69, as for a run that
/// has ended, unless a revert failed.
fn finished(run_dir: &Path, state: &State) -> i32 {
    let verdict = state
        .verdict
        .as_ref()
        .map(|(v, _)| v.word())
        .unwrap_or("NO VERDICT");
    if state.revert_failed() {
        crate::tell!(
            "gameday abort: the run in {} has already ended ({verdict}), and a revert FAILED: \
             faults may still be active; once its driver has left, its owner's `gameday \
             recover {}` reverts them",
            run_dir.display(),
            run_dir.display()
        );
        return ExitStatus::RevertFailed.code();
    }
    crate::tell!(
        "gameday abort: the run in {} has reached its end ({verdict}, exit code {}); every \
         fault is reverted; nothing to abort. Its report is {}",
        run_dir.display(),
        state.exit_code(),
        run_dir.join("report.md").display()
    );
    EXIT_UNAVAILABLE
}

/// What one fault's revert came to, after the kill switch.
struct Outcome {
    fault: String,
    ok: Option<bool>,
    attempt: u32,
    detail: String,
    at: Option<crate::room::Ts>,
}

/// The reverts journaled after the abort record at `from`, one per fault, in order.
fn outcomes(records: &[Record], from: usize) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = Vec::new();
    for r in &records[from..] {
        let (fault, done) = match &r.event {
            Event::FaultReverting { fault, .. } => (fault, None),
            Event::FaultReverted {
                fault,
                ok,
                attempt,
                detail,
                will_retry,
            } => (fault, Some((*ok, *attempt, detail, *will_retry))),
            _ => continue,
        };
        let i = match out.iter().position(|o| &o.fault == fault) {
            Some(i) => i,
            None => {
                out.push(Outcome {
                    fault: fault.clone(),
                    ok: None,
                    attempt: 0,
                    detail: String::new(),
                    at: None,
                });
                out.len() - 1
            }
        };
        if let Some((ok, attempt, detail, will_retry)) = done {
            let o = &mut out[i];
            o.attempt = attempt;
            o.detail = detail.clone();
            if ok || !will_retry {
                o.ok = Some(ok);
                o.at = Some(r.ts);
            }
        }
    }
    out
}

/// Every fault the kill switch reverted has settled: what happened, and the exit code.
fn settled(
    run_dir: &Path,
    state: &State,
    records: &[Record],
    acked: Option<u64>,
    refused: Option<&str>,
) -> i32 {
    let v = |s: &str| crate::text::visible(s).into_owned();
    let Some(abort) = &state.abort else {
        return lost(run_dir, state);
    };
    let ours = acked.and_then(|seq| records.iter().position(|r| r.seq == seq));
    let from = ours.or_else(|| {
        records
            .iter()
            .rposition(|r| matches!(r.event, Event::Abort { .. }))
    });
    match (ours, refused) {
        (Some(i), _) => crate::say!(
            "gameday: kill switch pulled in {} by {} (journal #{})",
            run_dir.display(),
            v(&abort.by),
            records[i].seq
        ),
        // the driver's refusal only repeats this (or says its engine journaled nothing),
        // and whether one arrives before the state shows the pull is a race: not shown
        (None, _) => crate::say!(
            "gameday: the kill switch of {} was already pulled, by {} at {} UTC",
            run_dir.display(),
            v(&abort.by),
            abort.at.format("%H:%M:%S"),
        ),
    }
    let outcomes = from.map(|i| outcomes(records, i)).unwrap_or_default();
    let mut failed = 0;
    for o in &outcomes {
        let after = o
            .at
            .map(|t| crate::units::format_duration((t - abort.at).to_std().unwrap_or_default()))
            .unwrap_or_else(|| "?".into());
        match o.ok {
            Some(true) => crate::say!(
                "gameday: reverted {} (attempt {}, {after} after the kill switch)",
                v(&o.fault),
                o.attempt
            ),
            Some(false) => {
                failed += 1;
                crate::say!(
                    "gameday: REVERT FAILED: {} after {} attempts: {}",
                    v(&o.fault),
                    o.attempt,
                    v(&o.detail)
                );
            }
            None => {
                failed += 1;
                crate::say!(
                    "gameday: NOT CONFIRMED: the revert of {} (attempt {})",
                    v(&o.fault),
                    o.attempt
                );
            }
        }
    }
    // failures the records after the abort do not show (a revert that failed before it)
    let failed_before = state.revert_failed() && failed == 0;
    if failed > 0 || failed_before {
        crate::tell!(
            "gameday abort: a revert FAILED after every retry: faults may still be active. \
             The driver's screen and the journal have the revert command; once the driver \
             has left, its owner's `gameday recover {}` tries again",
            crate::schema::shell_word(run_dir)
        );
        return ExitStatus::RevertFailed.code();
    }
    let took = abort
        .all_reverted_at
        .map(|t| crate::units::format_duration((t - abort.at).to_std().unwrap_or_default()));
    // a driver that is ending (a signal, a lost terminal) does not watch the recovery
    let then = if state.is_done() || state.ending {
        format!(
            "the driver ended the run without watching the recovery and writes {}",
            run_dir.join("report.md").display()
        )
    } else {
        format!(
            "the driver watches the recovery, then writes {}",
            run_dir.join("report.md").display()
        )
    };
    match (outcomes.is_empty(), took) {
        (true, _) => crate::say!("gameday: no fault was active; the run is aborted ({then})"),
        (false, Some(took)) => crate::say!(
            "gameday: every fault is reverted, {took} after the kill switch; the run is \
             aborted ({then})"
        ),
        (false, None) => {
            crate::say!("gameday: every fault is reverted; the run is aborted ({then})")
        }
    }
    0
}

fn in_flight(state: &State) -> String {
    let names: Vec<String> = state
        .cfg
        .faults
        .iter()
        .zip(&state.faults)
        .filter(|(_, f)| {
            matches!(
                f.status,
                engine::FaultStatus::Injecting
                    | engine::FaultStatus::Active
                    | engine::FaultStatus::Reverting
            )
        })
        .map(|(i, f)| {
            format!(
                "{} ({}, attempt {})",
                crate::text::visible(&i.name),
                f.status.word(),
                f.revert_attempts
            )
        })
        .collect();
    if names.is_empty() {
        "none known".into()
    } else {
        names.join(", ")
    }
}

fn timed_out(run_dir: &Path, state: &State) -> i32 {
    let pulled = if state.abort.is_some() {
        "the kill switch is pulled"
    } else {
        "the driver has not journaled the kill switch"
    };
    crate::tell!(
        "gameday abort: gave up waiting after {}: {pulled}, but not every revert is \
         confirmed; still in flight: {}. The driver keeps trying; `gameday status {}` shows \
         how it stands",
        crate::units::format_duration(WAIT_FOR_REVERTS),
        in_flight(state),
        run_dir.display()
    );
    ExitStatus::NotConfirmed.code()
}

fn lost(run_dir: &Path, state: &State) -> i32 {
    let pulled = if state.abort.is_some() {
        "after the kill switch was journaled"
    } else {
        "before the kill switch was confirmed"
    };
    crate::tell!(
        "gameday abort: lost the connection to the driver {pulled}, with reverts not \
         confirmed (in flight: {}): faults may still be active; `gameday report {}` shows \
         what the journal holds, and its owner's `gameday recover {}` reverts what is left",
        in_flight(state),
        crate::schema::shell_word(run_dir),
        crate::schema::shell_word(run_dir)
    );
    EXIT_UNAVAILABLE
}

/// The driver ended the run before this client saw every revert settle.
fn ended_first(run_dir: &Path, exit_code: i32, state: &State) -> i32 {
    if exit_code == ExitStatus::RevertFailed.code() {
        crate::tell!(
            "gameday abort: the run ended with a FAILED revert (exit code 5): faults may \
             still be active; its owner's `gameday recover {}` tries again",
            crate::schema::shell_word(run_dir)
        );
        return ExitStatus::RevertFailed.code();
    }
    if state.abort.is_none() {
        crate::tell!(
            "gameday abort: the run ended (exit code {exit_code}) before the kill switch \
             was journaled; see {}",
            run_dir.join("report.md").display()
        );
        return EXIT_UNAVAILABLE;
    }
    lost(run_dir, state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64, s: i64, event: Event) -> Record {
        Record {
            seq,
            ts: chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap(),
            event,
        }
    }

    #[test]
    fn each_fault_gets_its_last_word_after_the_abort() {
        let records = vec![
            rec(
                1,
                0,
                Event::FaultReverted {
                    fault: "before".into(),
                    ok: true,
                    attempt: 1,
                    detail: String::new(),
                    will_retry: false,
                },
            ),
            rec(
                2,
                1,
                Event::Abort {
                    by: "bob".into(),
                    source: crate::journal::AbortSource::Command,
                    detail: "p99".into(),
                },
            ),
            rec(
                3,
                1,
                Event::FaultReverting {
                    fault: "a".into(),
                    reason: crate::journal::RevertReason::Abort,
                    attempt: 1,
                    action: "rm".into(),
                },
            ),
            rec(
                4,
                2,
                Event::FaultReverted {
                    fault: "a".into(),
                    ok: false,
                    attempt: 1,
                    detail: "busy".into(),
                    will_retry: true,
                },
            ),
            rec(
                5,
                4,
                Event::FaultReverted {
                    fault: "a".into(),
                    ok: true,
                    attempt: 2,
                    detail: String::new(),
                    will_retry: false,
                },
            ),
        ];
        let o = outcomes(&records, 1);
        assert_eq!(o.len(), 1, "the revert before the abort is not its");
        assert_eq!(o[0].fault, "a");
        assert_eq!(o[0].ok, Some(true));
        assert_eq!(o[0].attempt, 2);
        assert_eq!(o[0].at, Some(records[4].ts));
        // a failure that will be retried is not the last word
        let o = outcomes(&records[..4], 1);
        assert_eq!(o[0].ok, None);
    }
}
