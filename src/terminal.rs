//! The terminal the TUI and `gameday join` draw on: entering and restoring it, reading
//! its input on a thread of its own, noticing when it is gone, and writing one frame.
//!
//! A lost terminal is seen here in every phase: poll(2) on standard input reports the
//! hang-up even under `su`/`sudo`, where no SIGHUP arrives and crossterm's own reader
//! would spin on `read(0) = 0` at 100 % of a core.

use std::io::{BufWriter, Stdout, Write};
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event as TermEvent};
use ratatui::crossterm::{cursor, execute, queue, terminal};
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::ui::{self, App, View};

/// The shortest time between two frames: at most ten a second.
pub(crate) const FRAME: Duration = Duration::from_millis(100);

pub(crate) type Backend = CrosstermBackend<BufWriter<Stdout>>;

/// The terminal, drawn through a buffered writer.
pub(crate) fn terminal() -> std::io::Result<Terminal<Backend>> {
    Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
        64 * 1024,
        std::io::stdout(),
    )))
}

/// Puts the terminal back on drop, on every path out of a front, panics included.
pub(crate) struct TerminalGuard;

impl TerminalGuard {
    pub(crate) fn enter() -> std::io::Result<TerminalGuard> {
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            cursor::Hide
        )?;
        Ok(guard)
    }
}

pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        terminal::EndSynchronizedUpdate,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Terminal input, read on a thread of its own (the read blocks). A read error or the
/// end of input means the terminal is gone.
pub(crate) enum Input {
    Term(TermEvent),
    Lost(String),
}

/// What standard input, the terminal, has for us.
enum Tty {
    /// hung up or unusable: the SSH session or the tmux pane is gone
    Gone(String),
    Readable,
    Quiet,
}

/// Waits up to `ms` for the terminal on standard input.
///
/// Asked with poll(2) rather than through crossterm: when the terminal goes away,
/// crossterm's reader gets `read(0) = 0` (or EIO) and retries it forever, at 100 % of a
/// core, without ever returning. A hung-up terminal reports POLLHUP, which is how a lost
/// terminal is seen in every phase, with or without the SIGHUP that `su` and `sudo`
/// never deliver.
fn wait_tty(ms: u16) -> Tty {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let stdin = std::io::stdin();
    let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::from(ms)) {
        Err(nix::errno::Errno::EINTR) | Ok(0) => Tty::Quiet,
        Err(e) => Tty::Gone(format!("cannot poll the terminal: {e}")),
        Ok(_) => {
            let r = fds[0].revents().unwrap_or(PollFlags::empty());
            if r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL) {
                Tty::Gone("the terminal hung up".into())
            } else if r.contains(PollFlags::POLLIN) {
                Tty::Readable
            } else {
                Tty::Quiet
            }
        }
    }
}

/// Whether the terminal has gone away; checked by the loops on every tick, so a lost
/// terminal ends the run even if the input thread is stuck inside crossterm.
pub(crate) fn terminal_gone() -> bool {
    matches!(wait_tty(0), Tty::Gone(_))
}

pub(crate) fn spawn_input_thread(tx: mpsc::Sender<Input>) {
    std::thread::spawn(move || loop {
        match wait_tty(250) {
            Tty::Gone(why) => {
                let _ = tx.blocking_send(Input::Lost(why));
                return;
            }
            Tty::Quiet => {
                if tx.is_closed() {
                    return;
                }
                continue;
            }
            Tty::Readable => {}
        }
        // Everything crossterm has now, not only the first event: one read(2) can bring
        // several keys (`↑ ↑ Enter` typed fast, a paste), and what crossterm keeps in its
        // own buffer is not seen by poll(2) on the terminal, so a key left there would wait
        // for the next one. Bounded, so a terminal in a strange state cannot keep this
        // loop from going back to poll(2), which sees a hang-up.
        for _ in 0..1024 {
            match event::poll(Duration::ZERO) {
                Ok(false) => {
                    if tx.is_closed() {
                        return;
                    }
                    break;
                }
                Ok(true) => match event::read() {
                    Ok(ev) => {
                        if tx.blocking_send(Input::Term(ev)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Input::Lost(e.to_string()));
                        return;
                    }
                },
                Err(e) => {
                    let _ = tx.blocking_send(Input::Lost(e.to_string()));
                    return;
                }
            }
        }
    });
}

/// One frame as the terminal gets it: the cells that changed since the last frame,
/// inside a synchronized update, flushed once. Public for the benchmarks, which count
/// the bytes it writes.
pub fn draw_frame<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    app: &App,
    view: View,
) -> std::io::Result<()> {
    queue!(terminal.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    terminal.draw(|f| ui::draw::draw(f, app, view))?;
    queue!(terminal.backend_mut(), terminal::EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}
