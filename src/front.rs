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
