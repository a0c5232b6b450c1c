//! The footer: the keys that do something in this phase, or the last refusal or
//! confirmation for five seconds.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{between, bold, fg, fit, line_width, put_line, reverse, safe};
use crate::journal::Phase;
use crate::ui::{App, Mode, View};

/// How long a flash message replaces the keys.
pub const FLASH_FOR: Duration = Duration::from_secs(5);

pub struct Footer<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

/// The keys valid now, as (key, meaning), most important first within each group.
pub fn keys(app: &App, view: View<'_>) -> Vec<(&'static str, &'static str)> {
    let state = view.state;
    match app.mode {
        Mode::Note { .. } => {
            return vec![("Enter", "save"), ("Esc", "cancel"), ("Ctrl-X", "abort")]
        }
        Mode::Override { .. } => {
            return vec![("Enter", "trigger"), ("Esc", "cancel"), ("Ctrl-X", "abort")]
        }
        Mode::ArmConfirm { .. } => return vec![("y", "arm"), ("n", "cancel"), ("X", "abort")],
        Mode::QuitConfirm => return vec![("y", "revert and quit"), ("n", "stay"), ("X", "abort")],
        Mode::Help => return vec![("Esc", "close help"), ("X", "abort"), ("q", "quit")],
        Mode::Details { .. } => return vec![("j/k", "scroll"), ("Esc", "close"), ("X", "abort")],
        Mode::Milestone { .. } => {
            return vec![
                ("Enter", "mark"),
                ("1-9", "choose"),
                ("Esc", "cancel"),
                ("X", "abort"),
            ]
        }
        Mode::Normal => {}
    }
    let mut k = Vec::new();
    let live = state.abort.is_none() && !state.is_done();
    let drives = app.joined.is_none();
    if drives && live && state.phase == Phase::Ready {
        k.push(("a", "arm"));
    }
    if drives && live && state.phase == Phase::Armed {
        k.push(("d", "disarm"));
        k.push(("t", "trigger"));
    }
    k.push(("n", "note"));
    k.push(("N", "action"));
    if crate::ui::keys::markable(view).is_ok() {
        k.push(("m", "milestone"));
    }
    if live {
        k.push(("X", "abort"));
    }
    k.push(("Tab", "select"));
    k.push(("i", "details"));
    k.push(("?", "help"));
    k.push(("q", "quit"));
    k
}

impl Widget for Footer<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let theme = self.app.theme;
        let w = area.width as usize;
        if let Some((text, at)) = &self.app.flash {
            if *at <= self.view.now && between(*at, self.view.now) < FLASH_FOR {
                let text = fit(theme, &format!(" {text}"), w);
                put_line(
                    buf,
                    area,
                    area.y,
                    Line::from(Span::styled(text, fg(theme, Color::Yellow).patch(bold()))),
                );
                return;
            }
        }
        if self.view.state.preparing && matches!(self.app.mode, Mode::Normal) {
            let text = fit(theme, " checking targets and permissions…", w);
            put_line(
                buf,
                area,
                area.y,
                Line::from(Span::styled(text, fg(theme, Color::Yellow).patch(bold()))),
            );
            return;
        }
        let mut keys = keys(self.app, self.view);
        // drop the least needed keys until the line fits; quit, help and abort stay
        let spans_of = |keys: &[(&'static str, &'static str)]| {
            let mut spans = vec![Span::raw(" ")];
            for (key, what) in keys {
                spans.push(Span::styled(*key, reverse().patch(bold())));
                spans.push(Span::raw(format!(" {what}  ")));
            }
            spans
        };
        for drop in ["i", "Tab", "N", "m"] {
            if line_width(&spans_of(&keys)) <= w {
                break;
            }
            keys.retain(|(k, _)| *k != drop);
        }
        let spans = spans_of(&keys);
        let used = line_width(&spans);
        put_line(buf, area, area.y, Line::from(spans));
        // who is in the room, when the header had no space for it
        let header = super::header::Header {
            app: self.app,
            view: self.view,
        };
        if !header.shows_operators(w) && !self.app.operators.is_empty() {
            let ops = format!("{} ", safe(theme, &self.app.operators.join(", ")));
            let ops_w = super::width(&ops);
            if used + ops_w + 2 <= w {
                let x = area.x + (w - ops_w) as u16;
                buf.set_string(x, area.y, ops, fg(theme, Color::Cyan));
            }
        }
    }
}
