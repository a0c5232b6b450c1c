//! What each journal event says, worded once: the TUI timeline, headless output and
//! joiners read it as one line of text, the report's timeline as a markdown row with a
//! "who" column. Two wordings drifted apart (the terminal said "cannot arm", the report
//! "could not arm"); here [`said`] decides the words and the facts in them, and
//! [`Said::text`] and [`Said::markdown`] only decide how they look. Its `match` has no
//! catch-all arm, so a new kind of event does not compile until it is worded.
//!
//! Which records a reader sees is not decided here: `narrate.rs` chooses for headless
//! output, the report's timeline leaves out samples, probes, screens and the phases
//! between arming and recovery.

use std::time::Duration;

use crate::journal::{
    CheckOutcome, Event, NoteKind, Phase, PreflightCheck, Record, RevertReason, RunInfo,
};
use crate::units::{format_duration, format_duration_short, format_value, Unit};

type Ts = chrono::DateTime<chrono::Utc>;

/// Where the person who did it stands in the one-line sentence; the report gives them a
/// column of their own instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhoAt {
    /// "armed `x` (alice)"
    Paren,
    /// "kill switch pulled by alice"
    By,
    /// "alice joined the room"
    Lead,
}

/// One piece of a sentence, kept apart by where it came from: that decides how each
/// rendering makes it safe.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// gameday's own words and numbers, and scenario names checked when parsed
    Ours(String),
    /// a fault's or a milestone's name: a code span in the report, in backticks on a line
    Name(String),
    /// words from a server, a command or a person: plain text in the report, never
    /// markdown of its own
    Theirs(String),
    /// a signal's value in its unit
    Value(f64, Unit),
    /// a duration: short on a terminal ("1m30s"), spelled out in the report ("1 min 30 s")
    Span(Duration),
    /// a time of day on a terminal, a date and time in the report
    Clock(Ts),
    /// the person who did it, when there is one
    Who(WhoAt),
}

/// What a record says: who did it, and the words.
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    pub who: Option<String>,
    pub words: Vec<Piece>,
}

/// How a milestone's mark stands. The report knows it from the whole journal (the first
/// mark counts, marks outside the run do not); a line written as the run goes knows only
/// the scenario's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// as the run goes: the target the scenario gives, if any
    Live,
    /// counted, with no target to meet
    Counted,
    /// counted, within its target
    Met { within: Option<Duration> },
    /// counted, `over` later than its target
    Late {
        over: Duration,
        within: Option<Duration>,
    },
    /// marked before; the first mark counts
    Again,
    /// marked before the first trigger or after the run's end
    Outside,
    /// not a milestone of this scenario
    Unknown,
}

struct Words {
    who: Option<String>,
    words: Vec<Piece>,
}

impl Words {
    fn new() -> Words {
        Words {
            who: None,
            words: Vec::new(),
        }
    }
    fn by(mut self, who: &str) -> Words {
        self.who = Some(who.to_string());
        self
    }
    fn ours(mut self, s: impl Into<String>) -> Words {
        self.words.push(Piece::Ours(s.into()));
        self
    }
    fn name(mut self, s: &str) -> Words {
        self.words.push(Piece::Name(s.to_string()));
        self
    }
    fn theirs(mut self, s: impl Into<String>) -> Words {
        self.words.push(Piece::Theirs(s.into()));
        self
    }
    fn who(mut self, at: WhoAt) -> Words {
        self.words.push(Piece::Who(at));
        self
    }
    fn push(mut self, p: Piece) -> Words {
        self.words.push(p);
        self
    }
    /// `(detail)`, when there is one
    fn detail(self, d: &str) -> Words {
        if d.trim().is_empty() {
            self
        } else {
            self.ours(" (").theirs(d).ours(")")
        }
    }
    /// `: detail`, when there is one
    fn colon(self, d: &str) -> Words {
        if d.trim().is_empty() {
            self
        } else {
            self.ours(": ").theirs(d)
        }
    }
    /// a detail that should be there: "no detail recorded" says that it is not
    fn or_unknown(self, d: &str) -> Words {
        if d.trim().is_empty() {
            self.ours("no detail recorded")
        } else {
            self.theirs(d)
        }
    }
    fn done(self) -> Said {
        Said {
            who: self.who,
            words: self.words,
        }
    }
}

fn unit_of(info: Option<&RunInfo>, signal: &str) -> Unit {
    info.and_then(|i| i.signals.iter().find(|s| s.name == signal))
        .map(|s| s.unit)
        .unwrap_or_default()
}

/// What `rec` says. `mark` is how a milestone's mark stands, when the caller knows
/// (the report); `None` words it as the run goes.
pub fn said(rec: &Record, info: Option<&RunInfo>, mark: Option<Mark>) -> Said {
    let w = Words::new();
    match &rec.event {
        Event::RunStarted(r) => w
            .by(&r.operator)
            .ours("run started")
            .who(WhoAt::By)
            .ours(format!(" ({}): ", r.mode))
            .theirs(r.scenario.clone())
            .ours(" on ")
            .theirs(r.host.clone())
            .ours(format!(" (gameday {}), run directory ", r.version))
            .theirs(r.run_dir.clone()),
        Event::Phase { phase } => {
            let w = w.ours(format!("phase {}", phase.word()));
            let span = match phase {
                Phase::Baseline => info.map(|i| i.baseline),
                Phase::Recovery => info.map(|i| i.recovery),
                Phase::Ready
                | Phase::Armed
                | Phase::Injecting
                | Phase::Active
                | Phase::Reverting
                | Phase::Done => None,
            };
            match span {
                Some(d) => w.ours(" (").push(Piece::Span(d)).ours(")"),
                None => w,
            }
        }
        Event::Sample {
            signal,
            value,
            error,
            at,
            detail,
        } => {
            let w = match (value, error) {
                (Some(v), _) => w
                    .ours(signal.clone())
                    .ours(" = ")
                    .push(Piece::Value(*v, unit_of(info, signal))),
                (None, Some(e)) => w
                    .ours(format!("{signal}: no data ("))
                    .theirs(e.clone())
                    .ours(")"),
                (None, None) => w.ours(format!("{signal}: no data")),
            };
            let w = match at {
                Some(t) if *t < rec.ts - chrono::Duration::seconds(60) => {
                    w.ours(format!(" (back-filled, at {})", t.format("%H:%M:%S")))
                }
                Some(t) => w.ours(format!(" (taken at {})", t.format("%H:%M:%S%.3f"))),
                None => w,
            };
            match detail {
                Some(d) => w.ours(": ").theirs(d.clone()),
                None => w,
            }
        }
        Event::Probe {
            signal,
            at,
            latency,
            error,
            waited_ms,
        } => {
            let w = w.ours(format!(
                "{signal}: probe sent at {} ",
                at.format("%H:%M:%S%.3f")
            ));
            match (latency, error) {
                (None, None) if waited_ms.is_some() => w
                    .ours("unfinished when the run ended, after ")
                    .push(Piece::Span(Duration::from_millis(
                        waited_ms.unwrap_or_default(),
                    ))),
                (Some(l), _) => w.ours("answered in ").push(Piece::Value(*l, Unit::Seconds)),
                (None, e) => w
                    .ours("failed: ")
                    .theirs(e.as_deref().unwrap_or("no answer")),
            }
        }
        Event::Pods { selector, changes } => {
            let what: Vec<String> = changes
                .iter()
                .map(|c| match c.change.as_str() {
                    "deleted" => format!("{} deleted", c.pod),
                    "added" => format!("{} new, {} {}", c.pod, c.ready, c.status),
                    "restarted" => format!("{} restarted, {} {}", c.pod, c.ready, c.status),
                    _ => format!("{} {} {}", c.pod, c.ready, c.status),
                })
                .collect();
            w.ours("pods ")
                .theirs(selector.clone())
                .ours(": ")
                .theirs(what.join("; "))
        }
        Event::Armed { fault, by, .. } => w.by(by).ours("armed ").name(fault).who(WhoAt::Paren),
        Event::FaultProgress { fault, detail } => w.name(fault).ours(": ").theirs(detail.clone()),
        Event::ClusterWarning {
            namespace,
            object,
            reason,
            message,
        } => w
            .ours("warning ")
            .theirs(reason.clone())
            .ours(" on ")
            .theirs(object.clone())
            .ours(" in ")
            .theirs(namespace.clone())
            .ours(": ")
            .theirs(message.clone()),
        Event::ArmRefused { fault, by, reason } => w
            .by(by)
            .ours("could not arm ")
            .name(fault)
            .who(WhoAt::Paren)
            .ours(": ")
            .theirs(reason.clone()),
        Event::Disarmed { fault, by } => w.by(by).ours("disarmed ").name(fault).who(WhoAt::Paren),
        Event::Override { by, failing } => w
            .by(by)
            .ours("steady state overridden")
            .who(WhoAt::By)
            .ours(" while failing: ")
            .theirs(failing.join("; ")),
        Event::FaultInjecting { fault, by, action } => w
            .by(by)
            .ours("triggered ")
            .name(fault)
            .who(WhoAt::Paren)
            .ours(": ")
            .theirs(action.clone()),
        Event::FaultInjected {
            fault,
            ok: true,
            targets,
            detail,
            ..
        } => {
            let mut w = w.ours("injected ").name(fault);
            if !targets.is_empty() {
                w = w.ours(": ").theirs(targets.join(", "));
            }
            w = w.detail(detail);
            match info.and_then(|i| i.faults.iter().find(|f| &f.name == fault)) {
                Some(f) => w.ours(", active for ").push(Piece::Span(f.duration)),
                None => w,
            }
        }
        Event::FaultInjected {
            fault,
            ok: false,
            detail,
            ..
        } => w
            .ours("injection of ")
            .name(fault)
            .ours(" FAILED: ")
            .or_unknown(detail),
        Event::FaultInjectCancelled { fault } => w
            .ours("injection of ")
            .name(fault)
            .ours(" CANCELLED while it ran (the kill switch): what it had done is not known; it is reverted"),
        Event::FaultReverting {
            fault,
            reason: RevertReason::ByHand,
            ..
        } => w
            .ours("recording ")
            .name(fault)
            .ours(" as reverted by hand (gameday runs nothing)"),
        Event::FaultReverting {
            fault,
            reason,
            attempt,
            ..
        } => {
            let attempt = if *attempt > 1 {
                format!(", attempt {attempt}")
            } else {
                String::new()
            };
            w.ours("reverting ")
                .name(fault)
                .ours(format!(" ({}{attempt})", reason.as_str()))
        }
        Event::FaultReverted {
            fault,
            ok: true,
            attempt,
            detail,
            ..
        } => {
            let w = w.ours("reverted ").name(fault);
            let w = if *attempt > 1 {
                w.ours(format!(" (attempt {attempt})"))
            } else {
                w
            };
            w.detail(detail)
        }
        Event::FaultReverted {
            fault,
            ok: false,
            attempt,
            detail,
            will_retry,
        } => w
            .ours("revert of ")
            .name(fault)
            .ours(format!(" FAILED (attempt {attempt}): "))
            .or_unknown(detail)
            .ours(if *will_retry {
                "; will retry"
            } else {
                "; no retry left"
            }),
        Event::GuardrailTripped {
            signal,
            criterion,
            value,
        } => w
            .ours(format!("guardrail tripped: {signal} "))
            .push(Piece::Value(*value, unit_of(info, signal)))
            .ours(format!(" ({criterion})")),
        Event::Abort { by, source, detail } => w
            .by(by)
            .ours("KILL SWITCH pulled")
            .who(WhoAt::By)
            .ours(format!(" ({})", source.as_str()))
            // a reason typed by a person may hold line breaks: shown, not obeyed; its runs
            // of spaces are kept (the report shows them, see `markdown_words`)
            .colon(crate::text::visible(detail).trim()),
        Event::Note { author, kind, text } => {
            let kind = match kind {
                NoteKind::Note => "note",
                NoteKind::Action => "action item",
            };
            w.by(author)
                .ours(kind)
                .who(WhoAt::Paren)
                .ours(": ")
                .theirs(text.clone())
        }
        Event::Milestone { name, author } => {
            milestone(w.by(author).ours("milestone ").name(name), name, info, mark)
        }
        Event::Alert {
            name,
            state,
            active_at,
            error,
        } => {
            let mut w = w
                .ours("alert ")
                .theirs(name.clone())
                .ours(" ")
                .theirs(state.clone());
            if let Some(t) = active_at {
                w = w.ours(" (active since ").push(Piece::Clock(*t)).ours(")");
            }
            if let Some(e) = error {
                w = w
                    .ours(": the alerts API could not be read: ")
                    .theirs(e.clone());
            }
            w
        }
        Event::Verdict { verdict, reasons } => {
            let w = w.ours(format!("verdict {}", verdict.word()));
            if reasons.is_empty() {
                w
            } else {
                // the engine's own sentences, whose names are already code spans
                w.ours(": ").ours(reasons.join("; "))
            }
        }
        Event::RunEnded { exit_code } => w.ours(format!("run ended (exit code {exit_code})")),
        Event::RecoveryCutShort { by, why } => w
            .by(by)
            .ours("recovery cut short")
            .who(WhoAt::By)
            .colon(why),
        Event::OperatorJoined { name } => w.by(name).who(WhoAt::Lead).ours("joined the room"),
        Event::OperatorLeft { name, detail } => w
            .by(name)
            .who(WhoAt::Lead)
            .ours("left the room")
            .detail(detail),
        Event::Warning { source, message } => w
            .ours("warning (")
            .theirs(source.clone())
            .ours("): ")
            .theirs(message.clone()),
        Event::NotifyFailed {
            target,
            about,
            attempts,
            error,
        } => w
            .ours("notification ")
            .theirs(about.clone())
            .ours(" to ")
            .theirs(target.clone())
            .ours(" NOT delivered")
            .ours(attempts_words(*attempts))
            .ours(": ")
            .theirs(error.clone()),
        Event::Preflight { checks } => w.theirs(preflight(checks)),
        Event::Screen {
            moment,
            front,
            width,
            height,
            ..
        } => w.ours(format!(
            "screen at {} kept for the report ({front}, {width}×{height})",
            moment.as_str()
        )),
    }
    .done()
}

fn milestone(w: Words, name: &str, info: Option<&RunInfo>, mark: Option<Mark>) -> Words {
    let target = |within: Option<Duration>| match within {
        Some(d) => Piece::Span(d),
        None => Piece::Ours("—".into()),
    };
    match mark.unwrap_or(Mark::Live) {
        Mark::Live => {
            let w = w.ours(" marked").who(WhoAt::By);
            match info
                .and_then(|i| i.milestones.iter().find(|m| m.name == name))
                .and_then(|m| m.within)
            {
                Some(d) => w.ours(" (target ").push(Piece::Span(d)).ours(")"),
                None => w,
            }
        }
        Mark::Counted => w.ours(" marked").who(WhoAt::By),
        Mark::Met { within } => w
            .ours(" marked")
            .who(WhoAt::By)
            .ours(": ✓ within its ")
            .push(target(within))
            .ours(" target"),
        Mark::Late { over, within } => w
            .ours(" marked")
            .who(WhoAt::By)
            .ours(": ✗ ")
            .push(Piece::Span(over))
            .ours(" over its ")
            .push(target(within))
            .ours(" target"),
        Mark::Again => w
            .ours(" marked again")
            .who(WhoAt::By)
            .ours("; the first mark counts"),
        Mark::Outside => w
            .ours(" marked")
            .who(WhoAt::By)
            .ours(" outside the run's time: not counted"),
        Mark::Unknown => w
            .ours(" marked")
            .who(WhoAt::By)
            .ours(" (not a milestone of this scenario)"),
    }
}

/// The preflight in one line: all is well, or what was not.
fn preflight(checks: &[PreflightCheck]) -> String {
    if checks.is_empty() {
        return "preflight: nothing to reach (no http signal, Prometheus or Kubernetes)".into();
    }
    let bad: Vec<String> = checks
        .iter()
        .filter(|c| c.outcome != CheckOutcome::Ok)
        .map(|c| format!("{} {}: {}", c.outcome.word(), c.what(), c.detail))
        .collect();
    if bad.is_empty() {
        format!(
            "preflight: every source answered ({} checked)",
            checks.len()
        )
    } else {
        format!("preflight ({} checked): {}", checks.len(), bad.join("; "))
    }
}

/// ` after 3 attempts`, or nothing when none was made.
fn attempts_words(attempts: u32) -> String {
    match attempts {
        0 => String::new(),
        1 => " after 1 attempt".to_string(),
        n => format!(" after {n} attempts"),
    }
}

impl Said {
    /// One line for a terminal, every control character made visible: names, details
    /// and notes come from servers, commands and other people, and a newline or an
    /// escape sequence in them must not forge or hide a line of output.
    pub fn text(&self) -> String {
        let who = self.who.as_deref().unwrap_or_default();
        let mut s = String::new();
        for p in &self.words {
            match p {
                Piece::Ours(t) | Piece::Theirs(t) => s.push_str(t),
                Piece::Name(n) => {
                    s.push('`');
                    s.push_str(n);
                    s.push('`');
                }
                Piece::Value(v, unit) => s.push_str(&format_value(*v, *unit)),
                Piece::Span(d) => s.push_str(&format_duration_short(*d)),
                Piece::Clock(t) => s.push_str(&t.format("%H:%M:%S").to_string()),
                Piece::Who(_) if who.is_empty() => {}
                Piece::Who(WhoAt::Paren) => s.push_str(&format!(" ({who})")),
                Piece::Who(WhoAt::By) => s.push_str(&format!(" by {who}")),
                Piece::Who(WhoAt::Lead) => s.push_str(&format!("{who} ")),
            }
        }
        crate::text::visible(&s).into_owned()
    }

    /// The report's two cells for the record, "who" and "what", each safe in a table
    /// cell: names as code spans nothing inside can close, words from elsewhere unable to
    /// open a link, an image, HTML or a code span, and no `|` that would end the cell.
    /// Nobody is "—".
    pub fn markdown(&self) -> (String, String) {
        let who = self.who.as_deref().unwrap_or("—");
        (
            crate::text::markdown_cell(who),
            crate::text::markdown_cell(&self.markdown_words()),
        )
    }

    /// The words alone as one line of markdown outside a table (the person, when it
    /// matters, is the line's to say).
    pub fn markdown_line(&self) -> String {
        crate::text::markdown_inline(&self.markdown_words())
    }

    fn markdown_words(&self) -> String {
        let mut s = String::new();
        for p in &self.words {
            match p {
                Piece::Ours(t) => s.push_str(t),
                Piece::Theirs(t) => s.push_str(&crate::text::markdown_plain(
                    &crate::text::markdown_spaces(t),
                )),
                Piece::Name(n) => s.push_str(&crate::text::code_span(n)),
                Piece::Value(v, unit) => s.push_str(&format_value(*v, *unit)),
                Piece::Span(d) => s.push_str(&format_duration(*d)),
                Piece::Clock(t) => s.push_str(&t.format("%Y-%m-%d %H:%M:%S").to_string()),
                Piece::Who(_) => {}
            }
        }
        s
    }
}
