//! `--headless`: the same engine with no TUI, for CI pipelines and scripts.
//!
//! The autopilot arms and triggers each fault in order while the steady state holds; one
//! line is printed per journal record; lines on standard input become notes (a line
//! starting with `action:` becomes an action item); SIGTERM, SIGINT and SIGHUP pull the
//! kill switch.

use std::io::Write;
use std::path::PathBuf;

use tokio::io::AsyncBufReadExt;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::describe::describe;
use crate::engine::{autopilot, Msg};
use crate::journal::{AbortSource, NoteKind, Record};
use crate::runner::{next_request, Session, Step, TICK};

/// Prints what a step journaled and acts on a resolved plan as the headless operator:
/// arms with it, or gives up when the fault cannot be armed (NOT RUN before any trigger).
fn follow(session: &mut Session, step: Step, operator: &str, out: &mut impl Write) {
    show_step(out, session, &step);
    for (_, plan) in step.plans {
        let next = session.handle(Msg::Arm {
            by: operator.to_string(),
            plan,
        });
        show_step(out, session, &next);
    }
    for reason in step.arm_refused {
        let fault = session
            .info
            .faults
            .get(session.state.next_fault)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        let msg = if session.state.first_trigger.is_none() {
            Msg::GiveUp {
                reason: format!("fault `{fault}` could not be armed: {reason}"),
            }
        } else {
            Msg::Finish {
                by: operator.to_string(),
            }
        };
        let next = session.handle(msg);
        show_step(out, session, &next);
    }
}

/// Prints a step and keeps the screen of a trigger or abort in it for the report.
fn show_step(out: &mut impl Write, session: &mut Session, step: &Step) {
    print_step(out, session, step);
    for rec in crate::screens::keep_headless(session, &step.records) {
        print_record(out, session, &rec);
    }
}

fn print_step(out: &mut impl Write, session: &Session, step: &Step) {
    for rec in &step.records {
        print_record(out, session, rec);
    }
    for r in &step.refused {
        let _ = writeln!(
            out,
            "{}  refused: {r}",
            session.now().format("%H:%M:%S%.3f")
        );
    }
    let _ = out.flush();
}

fn print_record(out: &mut impl Write, session: &Session, rec: &Record) {
    let _ = writeln!(
        out,
        "{}  {}",
        rec.ts.format("%H:%M:%S%.3f"),
        describe(rec, Some(&session.info))
    );
}

/// A line typed on standard input, as a note.
pub fn note_from_line(line: &str, author: &str) -> Option<Msg> {
    let text = line.trim();
    if text.is_empty() {
        return None;
    }
    let (kind, text) = match text.strip_prefix("action:") {
        Some(rest) => (NoteKind::Action, rest.trim()),
        None => (NoteKind::Note, text),
    };
    Some(Msg::Note {
        author: author.to_string(),
        kind,
        text: text.to_string(),
    })
}

/// Runs the session to the end; returns the exit code.
pub async fn run(mut session: Session, mut rx: mpsc::Receiver<Msg>, junit: Option<PathBuf>) -> i32 {
    let operator = session.info.operator.clone();
    let mut out = std::io::stdout();
    let _ = writeln!(out, "gameday: run directory {}", session.run_dir.display());
    // the records written while starting
    if let Ok(records) = crate::journal::read_journal(session.journal_path()) {
        for rec in &records {
            print_record(&mut out, &session, rec);
        }
    }
    let mut sigterm = signal(SignalKind::terminate()).ok();
    let mut sigint = signal(SignalKind::interrupt()).ok();
    let mut sighup = signal(SignalKind::hangup()).ok();
    let mut stdin = Some(tokio::io::BufReader::new(tokio::io::stdin()).lines());
    let mut room = session.take_room_requests();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    async fn next_signal(s: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
        match s {
            Some(s) => s.recv().await,
            None => std::future::pending().await,
        }
    }

    while !session.state.is_done() {
        let msg = tokio::select! {
            m = rx.recv() => match m { Some(m) => m, None => Msg::Tick },
            _ = tick.tick() => Msg::Tick,
            r = next_request(&mut room) => match r {
                Some(r) => {
                    let step = session.serve(r);
                    follow(&mut session, step, &operator, &mut out);
                    continue;
                }
                None => { room = None; continue; }
            },
            _ = next_signal(&mut sigterm) => abort_by_signal(&operator, "SIGTERM"),
            _ = next_signal(&mut sigint) => abort_by_signal(&operator, "SIGINT"),
            _ = next_signal(&mut sighup) => abort_by_signal(&operator, "SIGHUP"),
            line = async {
                match stdin.as_mut() {
                    Some(l) => l.next_line().await,
                    None => std::future::pending().await,
                }
            } => match line {
                Ok(Some(line)) => match note_from_line(&line, &operator) {
                    Some(m) => m,
                    None => continue,
                },
                // end of input: no more notes, the run goes on
                _ => { stdin = None; continue; }
            },
        };
        let step = session.handle(msg);
        follow(&mut session, step, &operator, &mut out);
        // the headless operator acts on what just happened, until it has nothing to do
        for _ in 0..8 {
            let Some(m) = autopilot(&session.state, session.now(), &operator) else {
                break;
            };
            let step = session.handle(m);
            follow(&mut session, step, &operator, &mut out);
        }
    }
    let run_dir = session.run_dir.clone();
    let (report, code) = session.close().await;
    match &report {
        Ok(p) => {
            let _ = writeln!(out, "gameday: report {}", p.display());
        }
        Err(e) => {
            let _ = writeln!(out, "gameday: could not write the report: {e}");
        }
    }
    if let Some(path) = junit {
        match crate::junit::write(&run_dir, &path) {
            Ok(()) => {
                let _ = writeln!(out, "gameday: JUnit XML {}", path.display());
            }
            Err(e) => {
                let _ = writeln!(out, "gameday: could not write {}: {e}", path.display());
            }
        }
    }
    if code == 5 {
        let _ = writeln!(
            out,
            "gameday: A REVERT FAILED — faults may still be active. Run `gameday recover {}`",
            run_dir.display()
        );
    }
    let _ = writeln!(
        out,
        "gameday: run directory {} (exit {code})",
        run_dir.display()
    );
    let _ = out.flush();
    code
}

fn abort_by_signal(operator: &str, name: &str) -> Msg {
    Msg::Abort {
        by: operator.to_string(),
        source: AbortSource::Signal,
        detail: name.to_string(),
    }
}
