//! The live terminal UI (DESIGN §5): view state, key handling and drawing.
//!
//! Drawing is a pure function of ([`App`], [`View`], now): no I/O, no mutation. Keys are
//! turned into [`Action`]s by [`keys::handle_key`], which never touches the engine: the
//! front sends the resulting messages, so every rule stays in the engine.

pub mod capture;
pub mod draw;
pub mod keys;
pub mod widgets;

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::engine::{Msg, State};
use crate::journal::{NoteKind, Record, RunInfo};

pub type Ts = DateTime<Utc>;

/// How the screen may draw: `--ascii` and `NO_COLOR` change symbols and colours, never
/// what is said (every state is also a word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// only ASCII characters: no box drawing, sparks or marks
    pub ascii: bool,
    /// colours allowed (off with NO_COLOR); bold and reverse video are still used
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            ascii: false,
            color: true,
        }
    }
}

impl Theme {
    /// From the environment: `NO_COLOR` set to anything non-empty turns colour off.
    pub fn from_env(ascii: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme {
            ascii,
            color: !no_color,
        }
    }
}

/// What the user is doing right now; keys mean different things in each.
#[derive(Debug, Clone)]
pub enum Mode {
    Normal,
    /// the note editor (`n`) or action-item editor (`N`)
    Note {
        kind: NoteKind,
        input: Input,
    },
    /// `a`: the plan of the next fault, confirmed with `y`/Enter
    ArmConfirm {
        fault: usize,
        plan: Vec<String>,
    },
    /// `t` while the steady state fails: the override must be typed
    Override {
        failing: Vec<String>,
        input: Input,
    },
    /// `q` with a fault active: revert first?
    QuitConfirm,
    /// `m`: the chooser of the milestones not marked yet; `selected` is the one Enter
    /// marks (by name: the list shrinks when someone else marks one meanwhile)
    Milestone {
        selected: String,
    },
    Help,
    /// `i`: what the rows cut short, whole: the hypothesis, the expectations and each
    /// fault's last result; `scroll` lines scrolled down
    Details {
        scroll: usize,
    },
}

/// The word the override dialog wants typed.
pub const OVERRIDE_WORD: &str = "override";

/// View state of the TUI. The engine's state is not here: it is passed in as [`View`].
#[derive(Debug, Clone)]
pub struct App {
    pub mode: Mode,
    /// index into the scenario's signals: the one the chart shows
    pub selected: usize,
    /// the last refusal or confirmation, shown in the footer until it expires
    pub flash: Option<(String, Ts)>,
    pub theme: Theme,
    /// journal records worth showing in the timeline (not samples), oldest first
    pub timeline: Vec<Record>,
    /// how many entries up from the newest the timeline is scrolled
    pub timeline_scroll: usize,
    /// who is in the room: the driver first
    pub operators: Vec<String>,
    /// the driver's name: author of notes typed here
    pub operator: String,
    /// set once the user asked to leave and nothing keeps the run alive
    pub quit: bool,
    /// `Some(driver)` in `gameday join`: this screen may note and pull the kill switch,
    /// never arm, trigger or end the run
    pub joined: Option<String>,
    /// where the report was written, once it was
    pub report_path: Option<String>,
}

impl App {
    pub fn new(operator: String, theme: Theme) -> Self {
        App {
            mode: Mode::Normal,
            selected: 0,
            flash: None,
            theme,
            timeline: Vec::new(),
            timeline_scroll: 0,
            operators: vec![operator.clone()],
            operator,
            quit: false,
            joined: None,
            report_path: None,
        }
    }

    /// Keeps the records a person wants in the timeline (samples are in the panels).
    pub fn absorb(&mut self, records: &[Record]) {
        use crate::journal::Event;
        for r in records {
            match &r.event {
                Event::Sample { .. } | Event::Probe { .. } => continue,
                Event::OperatorJoined { name } => self.operators.push(name.clone()),
                Event::OperatorLeft { name, .. } => {
                    // the driver stays first; one of several sessions of a user leaves
                    if let Some(i) = self.operators.iter().skip(1).position(|o| o == name) {
                        self.operators.remove(i + 1);
                    }
                }
                _ => {}
            }
            self.timeline.push(r.clone());
        }
    }

    pub fn flash(&mut self, text: impl Into<String>, now: Ts) {
        self.flash = Some((text.into(), now));
    }

    /// The next fault's plan came back resolved: ask for the confirmation, unless the
    /// operator is busy with something else (then `a` asks again).
    pub fn plan_ready(&mut self, fault: usize, plan: Vec<String>) {
        if matches!(self.mode, Mode::Normal | Mode::Help | Mode::Details { .. }) {
            self.mode = Mode::ArmConfirm { fault, plan };
        }
    }

    /// True while text is being typed: `X` is a letter there, not the kill switch.
    pub fn typing(&self) -> bool {
        matches!(self.mode, Mode::Note { .. } | Mode::Override { .. })
    }
}

/// Everything drawing needs from the run, borrowed for one frame.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub info: &'a RunInfo,
    pub state: &'a State,
    pub now: Ts,
}

/// What a key asks the front to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// send this to the engine
    Send(Msg),
    /// leave the TUI (the run is done, or was ended)
    Quit,
}
