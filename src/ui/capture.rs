//! The frame as plain text, for the journal: the report is a pure function of the
//! journal, so the screen at a trigger or an abort must be journaled when it is seen.
//! The TUI renders the frame it shows into an off-screen buffer of the terminal's size;
//! the headless front renders the same UI, from the same journal records, on a virtual
//! 100×30 one (see `runner::screens`). Only what the UI shows ends up in the text, and
//! the journal redacts every line as a whole besides.

use ratatui::backend::TestBackend;
use ratatui::text::Span;
use ratatui::Terminal;

use crate::journal::{Event, Record, ScreenMoment};
use crate::ui::{App, View};

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
