//! `--headless`: the same engine with no TUI, for CI pipelines and scripts.
//!
//! The autopilot arms and triggers each fault in order while the steady state holds; what
//! a person needs is printed, a line each ([`crate::narrate`]: every sample and probe too
//! with `--verbose`); lines on standard input become notes (a line
//! starting with `action:` becomes an action item, `/milestone NAME` marks a milestone of
//! the scenario); SIGTERM, SIGINT, SIGHUP and SIGQUIT pull the
//! kill switch, and so does losing the terminal where no SIGHUP arrives (under `su`):
//! the end of a terminal's input, or EIO writing to it.

use std::io::Write;
use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::engine::{autopilot, Msg};
use crate::front::{lost_terminal, Signals, Typed};
use crate::journal::{NoteKind, Record};
use crate::narrate::Narrator;
use crate::runner::{next_request, Session, Step, TICK};

/// Prints what a step journaled and acts on a resolved plan as the headless operator:
/// arms with it, or gives up when the fault cannot be armed (NOT RUN before any trigger).
fn follow(session: &mut Session, step: Step, operator: &str, out: &mut Out) {
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

/// Standard output and what has been said on it.
struct Out {
    printer: Printer,
    narrator: Narrator,
}

/// Prints a step and keeps the screen of a trigger or abort in it for the report.
fn show_step(out: &mut Out, session: &mut Session, step: &Step) {
    print_step(out, session, step);
    let kept = crate::runner::screens::keep_headless(session, &step.records);
    // A kill switch pulled with nothing to revert ends the run in the same step, and the
    // screen is kept after it: `phase DONE` is the last line a person reads, so the
    // screen (in the journal and the report all the same) is not printed after it.
    if !session.state.is_done() {
        for rec in kept {
            print_record(out, session, &rec);
        }
    }
    let _ = out.printer.flush();
}

fn print_step(out: &mut Out, session: &Session, step: &Step) {
    for rec in &step.records {
        print_record(out, session, rec);
    }
    for r in &step.refused {
        let _ = writeln!(
            out.printer,
            "{}  refused: {}",
            session.now().format("%H:%M:%S%.3f"),
            crate::text::visible(r)
        );
    }
    let _ = out.printer.flush();
}

fn print_record(out: &mut Out, session: &Session, rec: &Record) {
    for line in out.narrator.lines(rec, Some(&session.info)) {
        let _ = writeln!(out.printer, "{line}");
    }
}

/// A line typed on standard input, as a note, an action item or a milestone's mark.
pub fn note_from_line(line: &str, author: &str) -> Option<Msg> {
    let text = line.trim();
    if text.is_empty() {
        return None;
    }
    // the kill switch, typed as a joined operator types it: a line that means it must
    // never become a note while the fault stays in place
    if text == "X" || text == "/abort" || text.starts_with("/abort ") {
        let why = text.strip_prefix("/abort").unwrap_or("").trim();
        return Some(Msg::Abort {
            by: author.to_string(),
            source: crate::journal::AbortSource::Key,
            detail: if why.is_empty() {
                "typed on standard input".to_string()
            } else {
                why.to_string()
            },
        });
    }
    if let Some(name) = crate::milestones::typed(text) {
        return Some(Msg::Milestone {
            name: name.to_string(),
            author: author.to_string(),
        });
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

/// Standard output that never blocks the loop: whole chunks go to a thread of their own.
/// A reader that stops reading (a full pipe in a CI job) stalls only that thread; the loop
/// goes on sampling and still hears the kill switch. Past `BACKLOG` unwritten chunks new
/// ones are dropped and counted: the journal has every line anyway.
pub(crate) struct Printer {
    buf: Vec<u8>,
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// set when a write failed with EIO: the terminal went away
    terminal_gone: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Printer {
    const BACKLOG: usize = 4096;

    pub(crate) fn stdout() -> Printer {
        use std::sync::atomic::Ordering;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(Self::BACKLOG);
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let lost = std::sync::Arc::clone(&dropped);
        let terminal_gone = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let gone = std::sync::Arc::clone(&terminal_gone);
        let thread = std::thread::Builder::new()
            .name("stdout".into())
            .spawn(move || {
                let mut out = std::io::stdout();
                for chunk in rx {
                    let n = lost.swap(0, Ordering::Relaxed);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "gameday: {n} lines not printed (standard output was not being \
                             read); journal.jsonl has them all"
                        );
                    }
                    if let Err(e) = out.write_all(&chunk).and_then(|()| out.flush()) {
                        // nobody reads any more: let the rest go; a pipe's reader may
                        // leave (EPIPE), but a terminal that answers EIO has gone away
                        if crate::front::reader_gone(&e, false) {
                            gone.store(true, Ordering::Relaxed);
                        }
                        return;
                    }
                }
            })
            .ok();
        Printer {
            buf: Vec::new(),
            tx: thread.as_ref().map(|_| tx),
            dropped,
            terminal_gone,
            thread,
        }
    }

    /// Whether standard output was a terminal that went away (a write failed with EIO).
    pub(crate) fn terminal_gone(&self) -> bool {
        self.terminal_gone
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Lets the thread print what it still has, for at most `limit`.
    pub(crate) fn finish(mut self, limit: std::time::Duration) {
        let _ = self.flush();
        drop(self.tx.take());
        let Some(t) = self.thread.take() else { return };
        let deadline = std::time::Instant::now() + limit;
        while !t.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
}

impl Write for Printer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buf);
        // the net under every line: whatever was formatted into it, no control character
        // but the line break reaches the terminal
        let chunk = match String::from_utf8_lossy(&chunk) {
            std::borrow::Cow::Borrowed(text) => match crate::text::visible_lines(text) {
                std::borrow::Cow::Borrowed(_) => chunk,
                std::borrow::Cow::Owned(safe) => safe.into_bytes(),
            },
            std::borrow::Cow::Owned(text) => {
                crate::text::visible_lines(&text).into_owned().into_bytes()
            }
        };
        let lines = chunk.iter().filter(|b| **b == b'\n').count() as u64;
        let sent = match &self.tx {
            Some(tx) => tx.try_send(chunk).is_ok(),
            None => std::io::stdout().write_all(&chunk).is_ok(),
        };
        if !sent {
            self.dropped
                .fetch_add(lines, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Runs the session to the end; returns the exit code. `printer` may already hold the
/// lines printed before the run (the preflight's), which go out first.
pub async fn run(
    mut session: Session,
    mut rx: mpsc::Receiver<Msg>,
    junit: Option<PathBuf>,
    verbose: bool,
    printer: Printer,
) -> i32 {
    let operator = session.info.operator.clone();
    let info = session.info.clone();
    let mut out = Out {
        printer,
        narrator: Narrator::new(verbose),
    };
    let _ = writeln!(
        out.printer,
        "gameday: run directory {}",
        session.run_dir.display()
    );
    // the records written while starting
    if let Ok(records) = crate::journal::read_journal(session.journal_path()) {
        for rec in &records {
            print_record(&mut out, &session, rec);
        }
    }
    let mut signals = Signals::install();
    let mut stdin = crate::front::Typing::stdin();
    let stdout_tty = {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal()
    };
    // the kill switch, pulled once when the terminal goes away
    let mut terminal_lost = false;
    let mut room = session.take_room_requests();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    while !session.state.is_done() {
        let msg = tokio::select! {
            m = rx.recv() => match m { Some(m) => m, None => Msg::Tick },
            _ = tick.tick() => {
                if !terminal_lost && out.printer.terminal_gone() {
                    terminal_lost = true;
                    tracing::warn!("terminal lost: writing to it failed with EIO");
                    lost_terminal(&operator)
                } else if !terminal_lost && stdout_tty && crate::front::stdout_hung_up() {
                    // nothing may be printed for minutes: no write fails to tell
                    terminal_lost = true;
                    tracing::warn!("terminal lost: standard output hung up");
                    lost_terminal(&operator)
                } else {
                    Msg::Tick
                }
            }
            r = next_request(&mut room) => match r {
                Some(r) => {
                    let step = session.serve(r);
                    follow(&mut session, step, &operator, &mut out);
                    continue;
                }
                None => { room = None; continue; }
            },
            sig = signals.next() => sig.abort(&operator),
            typed = stdin.next() => match typed {
                Typed::Line(line) => match note_from_line(&line, &operator) {
                    Some(m) => m,
                    None => continue,
                },
                // the end of a pipe or /dev/null: no more notes, the run goes on
                Typed::Ended => continue,
                // a terminal's input ended: it went away (no SIGHUP under `su`), or
                // Ctrl-D: nobody is watching any more, as after SIGHUP
                Typed::TerminalGone(why) => {
                    if terminal_lost {
                        continue;
                    }
                    terminal_lost = true;
                    tracing::warn!("terminal lost: {why}");
                    lost_terminal(&operator)
                }
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
    let closed = session.close_serving(room).await;
    let (report, code) = (closed.report, closed.code);
    // what was journaled while closing: a notification that failed (the verdict's,
    // usually) is a warning line here like any before it
    for rec in &closed.records {
        for line in out.narrator.lines(rec, Some(&info)) {
            let _ = writeln!(out.printer, "{line}");
        }
    }
    for line in out.narrator.finish() {
        let _ = writeln!(out.printer, "{line}");
    }
    let mut out = out.printer;
    match &report {
        Ok(p) => {
            let _ = writeln!(out, "gameday: report {}", p.display());
        }
        Err(e) => {
            let _ = writeln!(out, "gameday: could not write the report: {e}");
        }
    }
    if let Some(path) = junit {
        match crate::report::junit::write(&run_dir, &path) {
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
            crate::schema::shell_word(&run_dir)
        );
    }
    let _ = writeln!(
        out,
        "gameday: run directory {} (exit {code})",
        run_dir.display()
    );
    out.finish(std::time::Duration::from_secs(2));
    code
}

#[cfg(test)]
mod typed_tests {
    use super::*;

    #[test]
    fn a_typed_abort_pulls_the_kill_switch_and_anything_else_is_a_note() {
        for (line, why) in [
            ("X", "typed on standard input"),
            ("  /abort  ", "typed on standard input"),
            ("/abort p99 is on fire", "p99 is on fire"),
        ] {
            match note_from_line(line, "alice") {
                Some(Msg::Abort { by, detail, .. }) => {
                    assert_eq!((by.as_str(), detail.as_str()), ("alice", why), "{line}")
                }
                other => panic!("{line}: {other:?}"),
            }
        }
        for line in ["/abortion is a word", "x", "Xerxes", "abort"] {
            assert!(
                matches!(note_from_line(line, "alice"), Some(Msg::Note { .. })),
                "{line}"
            );
        }
    }
}
