//! The faults, one row each: which is next, its status word, time left while active,
//! what it touched or what went wrong.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{alarm, between, bold, fg, fit, mmss, pad, put_line, section_rule, sym, width};
use crate::engine::{FaultState, FaultStatus};
use crate::journal::FaultInfo;
use crate::ui::{App, Theme, Ts, View};
use crate::units::format_duration_short;

use super::signals::first_visible;

pub struct Faults<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

fn status_style(theme: Theme, s: FaultStatus) -> Style {
    match s {
        FaultStatus::Pending => fg(theme, Color::Gray),
        FaultStatus::Armed => fg(theme, Color::Yellow).patch(bold()),
        FaultStatus::Injecting | FaultStatus::Active | FaultStatus::Reverting => {
            fg(theme, Color::Red).patch(bold())
        }
        FaultStatus::Reverted => fg(theme, Color::Green),
        FaultStatus::RevertFailed => alarm(theme),
    }
}

/// The time column: left while ACTIVE, the duration before, nothing after.
fn time_text(f: &FaultState, info: &FaultInfo, now: Ts) -> String {
    match f.status {
        FaultStatus::Active => match f.deadline {
            Some(d) => format!("{} left", mmss(between(now, d))),
            None => String::new(),
        },
        FaultStatus::Pending | FaultStatus::Armed => {
            format!("for {}", format_duration_short(info.duration))
        }
        FaultStatus::Injecting => {
            format!("{} ago", mmss(between(f.triggered_at.unwrap_or(now), now)))
        }
        _ => String::new(),
    }
}

/// What the fault touched, or what went wrong, or what it will do.
fn detail_text(f: &FaultState, info: &FaultInfo, theme: Theme) -> String {
    let arrow = sym(theme, "→", "->");
    let mut s = match f.status {
        FaultStatus::Pending | FaultStatus::Armed => info.plan_line("inject"),
        _ => {
            let mut parts = Vec::new();
            if !f.targets.is_empty() {
                parts.push(format!("{arrow} {}", f.targets.join(", ")));
            }
            if !f.detail.is_empty() {
                parts.push(f.detail.clone());
            }
            parts.join("  ")
        }
    };
    if f.revert_attempts > 1 {
        s = format!("revert attempt {}: {s}", f.revert_attempts);
    }
    s
}

impl Widget for Faults<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let theme = self.app.theme;
        let info = self.view.info;
        let state = self.view.state;
        let n = info.faults.len().min(state.faults.len());
        let rows = area.height.saturating_sub(1) as usize;
        // keep the next fault (or the last one touched) in view
        let focus = state.next_fault.min(n.saturating_sub(1));
        let first = first_visible(focus, n, rows);
        let mut title = vec![Span::styled("Faults", bold())];
        if n > rows && rows > 0 {
            title.push(Span::raw(format!(
                " ({}-{} of {n})",
                first + 1,
                (first + rows).min(n)
            )));
        }
        section_rule(buf, area, theme, title);
        let w = area.width as usize;
        let name_need = info
            .faults
            .iter()
            .map(|f| width(&f.name))
            .max()
            .unwrap_or(4);
        let name_w = name_need.clamp(4, (w / 3).max(4));
        let status_w = 13;
        let time_w = 11;
        for (row, i) in (first..n).take(rows).enumerate() {
            let y = area.y + 1 + row as u16;
            let (fi, fs) = (&info.faults[i], &state.faults[i]);
            let next = i == state.next_fault && state.abort.is_none() && !state.is_done();
            let marker = if next { sym(theme, "▶ ", "> ") } else { "  " };
            let used = 2 + name_w + 1 + status_w + 1 + time_w + 1;
            let detail = detail_text(fs, fi, theme);
            let mut spans = vec![
                Span::styled(marker, bold()),
                Span::styled(
                    pad(theme, &fi.name, name_w),
                    if next { bold() } else { Style::default() },
                ),
                Span::raw(" "),
                Span::styled(fs.status.word(), status_style(theme, fs.status)),
                Span::raw(" ".repeat(status_w.saturating_sub(fs.status.word().len()) + 1)),
                Span::styled(
                    pad(theme, &time_text(fs, fi, self.view.now), time_w),
                    bold(),
                ),
                Span::raw(" "),
            ];
            let detail_style = if fs.status == FaultStatus::RevertFailed || fs.inject_failed {
                fg(theme, Color::Red).patch(bold())
            } else {
                fg(theme, Color::Gray)
            };
            spans.push(Span::styled(
                fit(theme, &detail, w.saturating_sub(used)),
                detail_style,
            ));
            put_line(buf, area, y, Line::from(spans));
        }
        if n == 0 && rows > 0 {
            put_line(
                buf,
                area,
                area.y + 1,
                Line::from("  no faults in this scenario"),
            );
        }
        // expected alerts, below the faults when there is room
        let shown = n.saturating_sub(first).min(rows);
        for (k, line) in alert_lines(self.view, theme).into_iter().enumerate() {
            let row = shown + k;
            if row >= rows {
                break;
            }
            put_line(buf, area, area.y + 1 + row as u16, line);
        }
    }
}

/// One line per expected alert: fired in time (and how long it took), still waiting
/// (with the time left), or late, as a mark and words.
fn alert_lines(view: View<'_>, theme: Theme) -> Vec<Line<'static>> {
    let state = view.state;
    state
        .alert_outcomes(view.now)
        .into_iter()
        .map(|a| {
            use crate::analysis::AlertResult;
            let within = format_duration_short(a.within);
            let (mark, text, color) = match a.result {
                AlertResult::InTime(d) => (
                    sym(theme, "✓", "ok"),
                    format!("fired after {} (within {within})", mmss(d)),
                    Color::Green,
                ),
                AlertResult::Late(d) => (
                    sym(theme, "✗", "X"),
                    format!("fired late, after {} (expected within {within})", mmss(d)),
                    Color::Red,
                ),
                AlertResult::NotJudged => (
                    sym(theme, "·", "-"),
                    format!("expected within {within} of the first trigger"),
                    Color::Gray,
                ),
                AlertResult::DidNotFire => (
                    sym(theme, "✗", "X"),
                    format!("NOT fired within {within}"),
                    Color::Red,
                ),
                AlertResult::EndedTooSoon(waited) => (
                    sym(theme, "…", ".."),
                    format!("waiting {} / {within}", mmss(waited)),
                    Color::Yellow,
                ),
                AlertResult::Unreadable => (
                    sym(theme, "?", "??"),
                    "UNKNOWN: the alerts API could not be read".to_string(),
                    Color::Yellow,
                ),
                AlertResult::AlreadyActive => (
                    sym(theme, "?", "??"),
                    "already active before the trigger: says nothing about this fault".to_string(),
                    Color::Yellow,
                ),
            };
            Line::from(vec![
                Span::styled(format!("  {mark} "), fg(theme, color).patch(bold())),
                Span::styled(format!("alert {} ", a.name), bold()),
                Span::styled(text, fg(theme, color)),
            ])
        })
        .collect()
}
