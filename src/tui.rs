//! The interactive front: the terminal, its keys, the OS signals and the engine's
//! messages in one loop. Drawing happens only when something visible changed, at most
//! ten times a second, inside a synchronized update, through a buffered writer.
//!
//! Every way out goes through the same end: the kill switch when a fault is live, the
//! journal closed, the report written, the terminal restored.

use ratatui::crossterm::event::Event as TermEvent;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::engine::Msg;
use crate::front::{lost_terminal, Frames, ProcessSignal, Signals};
use crate::runner::{next_request, Session, TICK};
use crate::terminal::{
    draw_frame, restore_terminal, spawn_input_thread, terminal, terminal_gone, Backend, Input,
    TerminalGuard,
};
use crate::ui::{self, Action, App, Theme, View};

async fn next_input(rx: &mut Option<mpsc::Receiver<Input>>) -> Option<Input> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn draw(terminal: &mut Terminal<Backend>, app: &App, session: &Session) -> std::io::Result<()> {
    let view = View {
        info: &session.info,
        state: &session.state,
        now: session.now(),
    };
    draw_frame(terminal, app, view)
}

/// Runs the session in the terminal to the end; returns the exit code.
pub async fn run(mut session: Session, mut rx: mpsc::Receiver<Msg>, theme: Theme) -> i32 {
    let operator = session.info.operator.clone();
    let mut app = App::new(operator.clone(), theme);
    if let Ok(records) = crate::journal::read_journal(session.journal_path()) {
        app.absorb(&records);
    }
    let run_dir = session.run_dir.clone();
    let guard = match TerminalGuard::enter() {
        Ok(g) => g,
        Err(e) => {
            crate::tell!("gameday: cannot use the terminal ({e}); run with --headless");
            return finish(session, None).await;
        }
    };
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        prev_hook(info);
    }));
    let mut terminal = match terminal() {
        Ok(t) => t,
        Err(e) => {
            drop(guard);
            crate::tell!("gameday: cannot draw on this terminal ({e}); run with --headless");
            return finish(session, None).await;
        }
    };
    let (in_tx, in_rx) = mpsc::channel(256);
    spawn_input_thread(in_tx);
    // `None` once the terminal is gone: never polled again, so no busy loop
    let mut in_rx = Some(in_rx);
    let mut room = session.take_room_requests();
    let mut signals = Signals::install();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut frames = Frames::default();
    let mut terminal_lost = false;
    // the kill switch and the end of the run, asked once when the terminal goes
    let mut lost_handled = false;

    loop {
        // One event, then whatever else is already waiting: drawn once per batch.
        let mut msgs: Vec<Msg> = Vec::new();
        tokio::select! {
            m = rx.recv() => if let Some(m) = m { msgs.push(m) },
            _ = tick.tick() => {
                msgs.push(Msg::Tick);
                if !terminal_lost && terminal_gone() {
                    tracing::warn!("terminal lost: it hung up");
                    terminal_lost = true;
                    in_rx = None;
                }
            }
            r = next_request(&mut room) => if let Some(r) = r {
                let step = session.serve(r);
                let screen = screen_records(&step);
                absorb_step(&mut app, &session, step);
                if !terminal_lost {
                    keep_screen(&mut session, &app, &screen, &terminal);
                }
                frames.touch();
            },
            i = next_input(&mut in_rx) => match i {
                Some(Input::Term(ev)) => handle_term_event(&mut app, &session, ev, &mut msgs, &mut frames),
                Some(Input::Lost(why)) => {
                    tracing::warn!("terminal lost: {why}");
                    terminal_lost = true;
                    in_rx = None;
                }
                None => {
                    terminal_lost = true;
                    in_rx = None;
                }
            },
            // a signal ends the run: revert, report, leave (no key needed)
            sig = signals.next() => {
                // SIGHUP: the terminal is gone with it
                match sig {
                    ProcessSignal::Hup => terminal_lost = true,
                    ProcessSignal::Term | ProcessSignal::Int | ProcessSignal::Quit => app.quit = true,
                }
                msgs.push(sig.abort(&operator));
            },
        }
        while let Ok(m) = rx.try_recv() {
            msgs.push(m);
        }
        // A lost terminal ends the run in every phase, as SIGHUP does: the kill switch
        // if anything may be live, the end of the run, the report, the exit. Nobody is
        // left to press `q`, in DONE either.
        if terminal_lost {
            app.quit = true;
            if !lost_handled && !session.state.is_done() {
                msgs.push(lost_terminal(&operator));
                msgs.push(Msg::End {
                    by: operator.clone(),
                });
            }
            lost_handled = true;
        }
        for m in msgs {
            let is_tick = m == Msg::Tick;
            let step = session.handle(m);
            if !step.records.is_empty() || !is_tick {
                frames.touch();
            }
            let screen = screen_records(&step);
            if absorb_step(&mut app, &session, step) {
                frames.touch();
            }
            if !terminal_lost {
                keep_screen(&mut session, &app, &screen, &terminal);
            }
        }
        if session.state.is_done() && app.report_path.is_none() {
            match session.write_report() {
                Ok(p) => app.report_path = Some(p.display().to_string()),
                Err(e) => app.flash(format!("could not write the report: {e}"), session.now()),
            }
            frames.touch();
        }
        if app.quit && session.state.is_done() {
            break;
        }
        if terminal_lost {
            // nothing to draw on; keep reverting until the run is done
            continue;
        }
        let second = session.now().timestamp();
        if frames.due(second) {
            if draw(&mut terminal, &app, &session).is_err() {
                terminal_lost = true;
                continue;
            }
            frames.drawn(second);
        }
    }
    if terminal_lost {
        // ratatui shows the cursor on drop and reports failure on standard error, which
        // is the dead terminal now: skip it
        std::mem::forget(terminal);
    } else {
        drop(terminal);
    }
    drop(guard);
    let code = finish(session, room).await;
    crate::say!("gameday: run directory {} (exit {code})", run_dir.display());
    code
}

/// The records of a step that call for a screen in the report (a trigger, the abort),
/// kept before the step is absorbed; usually none.
fn screen_records(step: &crate::runner::Step) -> Vec<crate::journal::Record> {
    if crate::ui::capture::moments(&step.records).is_empty() {
        Vec::new()
    } else {
        step.records.clone()
    }
}

/// Journals the frame the operator sees, at the terminal's size, for those records.
fn keep_screen(
    session: &mut Session,
    app: &App,
    records: &[crate::journal::Record],
    terminal: &Terminal<Backend>,
) {
    if records.is_empty() {
        return;
    }
    if let Ok(size) = terminal.size() {
        crate::runner::screens::keep(session, app, records, "tui", (size.width, size.height));
    }
}

/// Shows what a step journaled, refused or resolved; true when it asked for attention.
fn absorb_step(app: &mut App, session: &Session, step: crate::runner::Step) -> bool {
    app.absorb(&step.records);
    let mut attention = false;
    for r in step.refused.into_iter().chain(step.arm_refused) {
        app.flash(r, session.now());
        attention = true;
    }
    for (fault, plan) in step.plans {
        app.plan_ready(fault, plan);
        attention = true;
    }
    attention
}

fn handle_term_event(
    app: &mut App,
    session: &Session,
    ev: TermEvent,
    msgs: &mut Vec<Msg>,
    frames: &mut Frames,
) {
    match ev {
        TermEvent::Key(key) => {
            let view = View {
                info: &session.info,
                state: &session.state,
                now: session.now(),
            };
            for action in ui::keys::handle_key(app, key, view) {
                match action {
                    Action::Send(m) => msgs.push(m),
                    Action::Quit => app.quit = true,
                }
            }
            frames.touch();
        }
        TermEvent::Resize(_, _) => frames.touch(),
        _ => {}
    }
}

/// Closes the session (journal, report), answering the room meanwhile, and says where
/// things are, and what went wrong while closing (a notification that failed: the team
/// was not told the verdict), once the screen is gone.
async fn finish(
    session: Session,
    room: Option<tokio::sync::mpsc::Receiver<crate::room::server::Request>>,
) -> i32 {
    let run_dir = session.run_dir.clone();
    let info = session.info.clone();
    let closed = session.close_serving(room).await;
    let mut narrator = crate::narrate::Narrator::new(false);
    for rec in &closed.records {
        if matches!(
            rec.event,
            crate::journal::Event::NotifyFailed { .. } | crate::journal::Event::Warning { .. }
        ) {
            for line in narrator.lines(rec, Some(&info)) {
                crate::tell!("gameday: {}", crate::text::visible(&line));
            }
        }
    }
    let (report, code) = (closed.report, closed.code);
    match report {
        Ok(p) => crate::say!("gameday: report {}", p.display()),
        Err(e) => crate::tell!("gameday: could not write the report: {e}"),
    }
    if code == 5 {
        crate::say!(
            "gameday: A REVERT FAILED — faults may still be active. Run `gameday recover {}`",
            crate::schema::shell_word(&run_dir)
        );
    }
    code
}
