//! Which front drives a live view: the TUI, or lines on standard output. `run`, `demo`
//! and `join` choose it the same way.

use std::path::PathBuf;

/// Which front drives the run. `junit` is only `run`'s (join ignores it); `verbose`
/// prints every sample and probe too, not only what a person reads.
pub enum Front {
    Headless {
        junit: Option<PathBuf>,
        verbose: bool,
    },
    Tui {
        theme: crate::ui::Theme,
    },
}

impl Front {
    /// The TUI needs a terminal on both ends; without one the run goes headless, as
    /// `--headless` would.
    pub fn choose(headless: bool, ascii: bool, junit: Option<PathBuf>, verbose: bool) -> Front {
        use std::io::IsTerminal;
        let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        if headless || junit.is_some() || !tty {
            if !headless && !tty {
                crate::tell!("gameday: not a terminal: running headless");
            }
            Front::Headless { junit, verbose }
        } else {
            Front::Tui {
                theme: crate::ui::Theme::from_env(ascii),
            }
        }
    }

    pub fn mode(&self) -> &'static str {
        match self {
            Front::Headless { .. } => "headless",
            Front::Tui { .. } => "tui",
        }
    }
}

/// What standard input gave a headless front (`run --headless`, `join --headless`).
pub enum Typed {
    Line(String),
    /// input that is not a terminal ended (a pipe, /dev/null in CI): no more notes, and
    /// nothing else changes
    Ended,
    /// the end of input, or an error reading it, on a terminal: the terminal went away
    /// (an SSH drop, a killed tmux pane, also where no SIGHUP arrives, under `su` or
    /// `sudo`), or the operator typed Ctrl-D
    TerminalGone(String),
}

/// Standard input of a headless front, line by line.
pub struct Typing {
    lines: Option<tokio::io::Lines<tokio::io::BufReader<tokio::io::Stdin>>>,
    terminal: bool,
}

impl Typing {
    pub fn stdin() -> Typing {
        use std::io::IsTerminal;
        use tokio::io::AsyncBufReadExt;
        Typing {
            lines: Some(tokio::io::BufReader::new(tokio::io::stdin()).lines()),
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// The next line; after the input ended, never anything (so a `select!` on it never
    /// spins). Cancel-safe, as [`tokio::io::Lines::next_line`] is.
    pub async fn next(&mut self) -> Typed {
        let Some(lines) = self.lines.as_mut() else {
            return std::future::pending().await;
        };
        let ended = match lines.next_line().await {
            Ok(Some(line)) => return Typed::Line(line),
            Ok(None) => "end of input".to_string(),
            Err(e) => e.to_string(),
        };
        self.lines = None;
        if self.terminal {
            Typed::TerminalGone(ended)
        } else {
            Typed::Ended
        }
    }
}

/// Whether a failed write to standard output means its reader went away: EIO is what a
/// terminal that went away answers, EPIPE a pipe nobody reads any more.
pub fn reader_gone(e: &std::io::Error, pipe_too: bool) -> bool {
    match e.raw_os_error() {
        Some(nix::libc::EIO) => true,
        Some(nix::libc::EPIPE) => pipe_too,
        _ => false,
    }
}

/// Whether standard output is a terminal that hung up (poll(2) says POLLHUP): how a
/// headless front that has nothing to print for a while (the signals hold steady, a fault
/// is active for minutes) still sees its terminal go away where no SIGHUP comes (under
/// `su`) and standard input is not the terminal. Only meaningful when standard output is
/// a terminal.
pub fn stdout_hung_up() -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    let mut fds = [PollFd::new(stdout.as_fd(), PollFlags::POLLOUT)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(n) if n > 0 => fds[0]
            .revents()
            .unwrap_or(PollFlags::empty())
            .intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL),
        _ => false,
    }
}

/// The process signals every front ends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessSignal {
    Term,
    Int,
    Hup,
    /// Ctrl-\ on a terminal in cooked mode (headless): by default it kills the process,
    /// a fault in place, so it pulls the kill switch like Ctrl-C
    Quit,
}

impl ProcessSignal {
    pub fn name(self) -> &'static str {
        match self {
            ProcessSignal::Term => "SIGTERM",
            ProcessSignal::Int => "SIGINT",
            ProcessSignal::Hup => "SIGHUP",
            ProcessSignal::Quit => "SIGQUIT",
        }
    }

    /// The kill switch this signal pulls in a driver's front: every fault reverted before
    /// the process leaves, as a key would (`q` is the only other way out).
    pub fn abort(self, operator: &str) -> crate::engine::Msg {
        crate::engine::Msg::Abort {
            by: operator.to_string(),
            source: crate::journal::AbortSource::Signal,
            detail: self.name().to_string(),
        }
    }
}

/// The kill switch when the terminal went away (EOF or EIO on it, a hang-up seen by
/// poll(2), SIGHUP), journaled the same way by every driver's front.
pub fn lost_terminal(operator: &str) -> crate::engine::Msg {
    crate::engine::Msg::Abort {
        by: operator.to_string(),
        source: crate::journal::AbortSource::Terminal,
        detail: "the terminal went away".into(),
    }
}

/// SIGTERM, SIGINT, SIGHUP and SIGQUIT, caught by every front so that none of them kills the
/// process before its faults are reverted. One that could not be installed is never
/// ready, so a `select!` on [`Signals::next`] never spins.
pub struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
    hup: Option<tokio::signal::unix::Signal>,
    quit: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    pub fn install() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        Signals {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
            hup: signal(SignalKind::hangup()).ok(),
            quit: signal(SignalKind::quit()).ok(),
        }
    }

    /// The next signal to arrive. Cancel-safe, as `Signal::recv` is.
    pub async fn next(&mut self) -> ProcessSignal {
        async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
            if let Some(s) = s {
                if s.recv().await.is_some() {
                    return;
                }
            }
            // never installed, or its stream ended: never again
            std::future::pending().await
        }
        tokio::select! {
            () = one(&mut self.term) => ProcessSignal::Term,
            () = one(&mut self.int) => ProcessSignal::Int,
            () = one(&mut self.hup) => ProcessSignal::Hup,
            () = one(&mut self.quit) => ProcessSignal::Quit,
        }
    }
}

/// When a terminal front draws: only when something visible changed (or the clock in
/// the header moved to a new second), and at most once per [`crate::terminal::FRAME`],
/// so a burst of samples costs one frame and an idle screen costs nothing.
pub struct Frames {
    last: std::time::Instant,
    second: i64,
    dirty: bool,
}

impl Default for Frames {
    fn default() -> Self {
        Frames {
            last: std::time::Instant::now()
                .checked_sub(crate::terminal::FRAME)
                .unwrap_or_else(std::time::Instant::now),
            second: -1,
            dirty: true,
        }
    }
}

impl Frames {
    /// Something visible changed.
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// Whether to draw now, the clock showing `second`.
    pub fn due(&mut self, second: i64) -> bool {
        if second != self.second {
            self.dirty = true;
        }
        self.dirty && self.last.elapsed() >= crate::terminal::FRAME
    }

    /// A frame showing `second` went out.
    pub fn drawn(&mut self, second: i64) {
        self.last = std::time::Instant::now();
        self.second = second;
        self.dirty = false;
    }
}
