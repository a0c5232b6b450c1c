//! gameday: run chaos-engineering game days live, and leave with evidence.
#![deny(clippy::unwrap_used)]

/// `println!` that never panics: standard output may be a closed pipe (`gameday plan |
/// head`, a dropped SSH session), and printing must never be the reason a run stops
/// before its faults are reverted.
#[macro_export]
///
/// What is printed may quote text from elsewhere (a server's error, a command's output, a
/// name): every control character but the line break is shown, never sent (see
/// [`text::visible_lines`]).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stdout(), "{}", $crate::text::visible_lines(&line));
    }};
}

/// `eprintln!` that never panics and never sends control characters: standard error is
/// often the terminal that just went away (an SSH drop), and `eprintln!` panics when it
/// cannot write, which would start the crash path on the way out of a clean exit.
#[macro_export]
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stderr(), "{}", $crate::text::visible_lines(&line));
    }};
}

mod analysis;
mod clock;
pub mod cluster;
pub mod commands;
mod demo;
mod describe;
pub mod engine;
pub mod exit;
pub mod faults;
mod files;
pub mod followup;
mod front;
mod grafana;
mod headless;
pub mod history;
pub mod import;
pub mod journal;
pub mod manpage;
pub mod milestones;
mod narrate;
mod notify;
mod preflight;
mod proc;
mod recover;
pub mod report;
mod resolve;
pub mod room;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod signals;
pub mod templates;
pub mod terminal;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod text;
mod tui;
pub mod ui;
pub mod units;
mod watchdog;
pub mod wording;
pub mod yaml;
