//! Which front drives a live view: the TUI, or lines on standard output. `run`, `demo`
//! and `join` choose it the same way.

use std::path::PathBuf;

/// Which front drives the run. `junit` is only `run`'s (join ignores it).
pub enum Front {
    Headless { junit: Option<PathBuf> },
    Tui { theme: crate::ui::Theme },
}

impl Front {
    /// The TUI needs a terminal on both ends; without one the run goes headless, as
    /// `--headless` would.
    pub fn choose(headless: bool, ascii: bool, junit: Option<PathBuf>) -> Front {
        use std::io::IsTerminal;
        let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        if headless || junit.is_some() || !tty {
            if !headless && !tty {
                crate::tell!("gameday: not a terminal: running headless");
            }
            Front::Headless { junit }
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
