//! The screen at each trigger and at the abort, kept in the journal for the report.
//!
//! The report is a pure function of the journal, so the screen must be journaled when it
//! is seen: the TUI renders the frame it shows into an off-screen buffer of the
//! terminal's size; the headless front has no screen and renders the same UI, from the
//! same journal records, on a virtual 100×30 one. Only what the UI shows ends up in the
//! text, and the journal redacts every line as a whole besides.

use ratatui::backend::TestBackend;
use ratatui::text::Span;
use ratatui::Terminal;

use crate::journal::{Event, Record, ScreenMoment};
use crate::report::Run;
use crate::runner::Session;
use crate::ui::{App, Theme, View};

/// The virtual screen of a headless run: roomy enough for every panel, small enough to
/// read in a report.
pub const HEADLESS_SIZE: (u16, u16) = (100, 30);

/// The moments among these records that call for a screen: each trigger, the abort.
pub fn moments(records: &[Record]) -> Vec<(ScreenMoment, String)> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::FaultInjecting { fault, .. } => Some((ScreenMoment::Trigger, fault.clone())),
            Event::Abort { .. } => Some((ScreenMoment::Abort, String::new())),
            _ => None,
        })
        .collect()
}

/// The frame the TUI draws for `app` and `view` on a `width`×`height` screen, as plain
/// text: one line per row, wide characters once, trailing spaces and blank rows trimmed.
pub fn text(app: &App, view: View, width: u16, height: u16) -> Option<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).ok()?;
    terminal
        .draw(|f| crate::ui::draw::draw(f, app, view))
        .ok()?;
    let buf = terminal.backend().buffer();
    let mut lines: Vec<String> = Vec::with_capacity(height as usize);
    for y in 0..buf.area.height {
        let mut line = String::new();
        // the cells a wide character covers repeat nothing
        let mut covered = 0usize;
        for x in 0..buf.area.width {
            let symbol = buf.cell((x, y)).map(|c| c.symbol()).unwrap_or(" ");
            if covered == 0 {
                line.push_str(symbol);
            }
            covered = covered.max(Span::raw(symbol).width()).saturating_sub(1);
        }
        lines.push(line.trim_end().to_string());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    Some(lines.join("\n"))
}

/// Journals the screen for each trigger and abort among `records` (a step the front has
/// just handled and `app` has absorbed). Returns the records written.
pub fn keep(
    session: &mut Session,
    app: &App,
    records: &[Record],
    front: &str,
    (width, height): (u16, u16),
) -> Vec<Record> {
    let moments = moments(records);
    if moments.is_empty() || width == 0 || height == 0 {
        return Vec::new();
    }
    let view = View {
        info: &session.info,
        state: &session.state,
        now: session.now(),
    };
    let Some(screen) = text(app, view, width, height) else {
        return Vec::new();
    };
    moments
        .into_iter()
        .filter_map(|(moment, fault)| {
            session.journal_front_event(Event::Screen {
                moment,
                fault,
                front: front.to_string(),
                width,
                height,
                text: screen.clone(),
            })
        })
        .collect()
}

/// The headless front's screens: the TUI's view of the journal so far, as a fresh TUI
/// would have drawn it, on [`HEADLESS_SIZE`].
pub fn keep_headless(session: &mut Session, records: &[Record]) -> Vec<Record> {
    if moments(records).is_empty() {
        return Vec::new();
    }
    let mut app = App::new(
        session.info.operator.clone(),
        Theme {
            ascii: false,
            color: false,
        },
    );
    match crate::journal::read_journal(session.journal_path()) {
        Ok(all) => app.absorb(&all),
        Err(e) => {
            tracing::warn!("no screen for the report: {e}");
            return Vec::new();
        }
    }
    keep(session, &app, records, "headless", HEADLESS_SIZE)
}

/// The report's "Screens" section; nothing when the journal kept no screen.
pub(crate) fn section(run: &Run, records: &[Record], out: &mut String) {
    let screens: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.event, Event::Screen { .. }))
        .collect();
    if screens.is_empty() {
        return;
    }
    out.push_str("## Screens\n\n");
    for r in screens {
        let Event::Screen {
            moment,
            fault,
            front,
            width,
            height,
            text,
        } = &r.event
        else {
            continue;
        };
        let what = match moment {
            ScreenMoment::Trigger if !fault.is_empty() => {
                format!("At the trigger of {}", crate::report::code(fault))
            }
            ScreenMoment::Trigger => "At a trigger".to_string(),
            ScreenMoment::Abort => "At the abort".to_string(),
        };
        let how = if front == "headless" {
            format!("as the TUI would have shown it, headless run, {width}×{height}")
        } else {
            format!("as the operator saw it, {width}×{height}")
        };
        out.push_str(&format!(
            "{what} ({}, {}), {how}:\n\n",
            r.ts.format("%H:%M:%S"),
            run.t_label(r.ts)
        ));
        let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
        out.push_str(&format!("{fence}text\n{text}\n{fence}\n\n"));
    }
}

/// A fence longer than any run of backticks inside keeps the block closed.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_outlasts_the_backticks_inside() {
        assert_eq!(longest_backtick_run("a ``` b `` c"), 3);
        assert_eq!(longest_backtick_run("none"), 0);
    }
}
