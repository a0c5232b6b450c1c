//! The timeline: the newest journal records that fit, one sentence each (the same
//! sentences as headless mode), notes and action items in bold.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{bold, fg, fit, put_line, section_rule, sym};
use crate::describe::describe;
use crate::journal::{Event, Phase, Record};
use crate::ui::{App, Theme, View};

pub struct Timeline<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

fn style_of(theme: Theme, r: &Record) -> Style {
    match &r.event {
        Event::Note { .. } | Event::Milestone { .. } => bold(),
        Event::Abort { .. } | Event::GuardrailTripped { .. } => fg(theme, Color::Red).patch(bold()),
        Event::FaultInjected { ok: false, .. } | Event::FaultReverted { ok: false, .. } => {
            fg(theme, Color::Red).patch(bold())
        }
        Event::Verdict { .. } => bold(),
        Event::Phase { .. } | Event::Sample { .. } | Event::Probe { .. } => fg(theme, Color::Gray),
        _ => Style::default(),
    }
}

/// Whether a record earns a timeline line. Phase changes that follow from a line already
/// shown (armed, triggered, injected, reverting) are left out: the room is better spent.
pub fn shown(r: &Record) -> bool {
    match &r.event {
        Event::Sample { .. } | Event::Probe { .. } | Event::Screen { .. } => false,
        Event::Phase { phase } => matches!(
            phase,
            Phase::Baseline | Phase::Ready | Phase::Recovery | Phase::Done
        ),
        _ => true,
    }
}

/// The records shown in `rows` lines, oldest first, and how far the view is scrolled.
pub fn visible(timeline: &[&Record], scroll: usize, rows: usize) -> (Vec<Record>, usize) {
    let scroll = scroll.min(timeline.len().saturating_sub(rows.max(1)));
    let end = timeline.len() - scroll.min(timeline.len());
    let start = end.saturating_sub(rows);
    (
        timeline[start..end].iter().map(|r| (*r).clone()).collect(),
        scroll,
    )
}

impl Widget for Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let theme = self.app.theme;
        let rows = area.height.saturating_sub(1) as usize;
        let worth: Vec<&Record> = self.app.timeline.iter().filter(|r| shown(r)).collect();
        let (shown, scroll) = visible(&worth, self.app.timeline_scroll, rows);
        let mut title = vec![Span::styled("Timeline", bold()), Span::raw(" (UTC)")];
        if scroll > 0 {
            title.push(Span::styled(
                format!(" {} {scroll} newer below, PgDn", sym(theme, "↓", "v")),
                fg(theme, Color::Yellow).patch(bold()),
            ));
        }
        section_rule(buf, area, theme, title);
        let w = area.width as usize;
        for (row, r) in shown.iter().enumerate() {
            let y = area.y + 1 + row as u16;
            let time = r.ts.format("%H:%M:%S").to_string();
            let text = describe(r, Some(self.view.info));
            let spans = vec![
                Span::raw(" "),
                Span::styled(time, fg(theme, Color::DarkGray)),
                Span::raw("  "),
                Span::styled(fit(theme, &text, w.saturating_sub(11)), style_of(theme, r)),
            ];
            put_line(buf, area, y, Line::from(spans));
        }
        if shown.is_empty() && rows > 0 {
            put_line(
                buf,
                area,
                area.y + 1,
                Line::from(Span::styled("  nothing yet", fg(theme, Color::Gray))),
            );
        }
    }
}
