//! The steady-state table: one row per signal with a mark AND a word, its value, its
//! expect, and a sparkline of the last samples. The selected row is reversed and marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{bold, fg, fit, pad, pad_left, put_line, reverse, section_rule, sym, width};
use crate::engine::SignalState;
use crate::journal::SignalInfo;
use crate::ui::{App, Theme, View};
use crate::units::{format_duration_short, format_value, sparkline};

pub struct Signals<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

/// How a signal stands right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Ok,
    Fail,
    NoData,
    /// no `expect`: only watched
    Watch,
}

impl Standing {
    pub fn of(info: &SignalInfo, s: &SignalState) -> Standing {
        match (&info.expect, &s.last) {
            (None, _) => Standing::Watch,
            (Some(_), None) | (Some(_), Some(Err(_))) => Standing::NoData,
            (Some(e), Some(Ok(v))) if e.holds(*v) => Standing::Ok,
            (Some(_), Some(Ok(_))) => Standing::Fail,
        }
    }

    /// The mark and word: `✓ OK`, or `[ok]` in ASCII.
    pub fn label(self, theme: Theme) -> &'static str {
        match self {
            Standing::Ok => sym(theme, "✓ OK", "[ok]"),
            Standing::Fail => sym(theme, "✗ FAIL", "[FAIL]"),
            Standing::NoData => sym(theme, "? NO DATA", "[??] NO DATA"),
            Standing::Watch => sym(theme, "· WATCH", "[--] WATCH"),
        }
    }

    pub fn color(self) -> Color {
        match self {
            Standing::Ok => Color::Green,
            Standing::Fail => Color::Red,
            Standing::NoData => Color::Yellow,
            Standing::Watch => Color::Gray,
        }
    }
}

/// The value column: the number in its unit, or the sample's error, shortened.
pub fn value_text(info: &SignalInfo, s: &SignalState) -> String {
    match &s.last {
        None => "—".to_string(),
        Some(Ok(v)) => format_value(*v, info.unit),
        Some(Err(e)) => e.clone(),
    }
}

/// The expect column: `< 300 ms ~20s` (the tolerance after a tilde).
pub fn expect_text(info: &SignalInfo) -> String {
    match &info.expect {
        None => String::new(),
        Some(e) => {
            let mut s = e.display(info.unit);
            if !info.tolerate.is_zero() {
                s.push_str(&format!(" ~{}", format_duration_short(info.tolerate)));
            }
            s
        }
    }
}

/// The first row to show so that the selected one is visible in `rows`.
pub fn first_visible(selected: usize, count: usize, rows: usize) -> usize {
    if rows == 0 || count <= rows {
        return 0;
    }
    selected
        .saturating_sub(rows - 1)
        .min(count.saturating_sub(rows))
}

impl Widget for Signals<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let theme = self.app.theme;
        let info = self.view.info;
        let state = self.view.state;
        let n = info.signals.len().min(state.signals.len());
        let w = area.width as usize;

        let rows = area.height.saturating_sub(1) as usize;
        let first = first_visible(self.app.selected, n, rows);
        let mut title = vec![Span::styled("Steady state", bold())];
        if n > rows && rows > 0 {
            title.push(Span::raw(format!(
                " ({}-{} of {n})",
                first + 1,
                (first + rows).min(n)
            )));
        }
        section_rule(buf, area, theme, title);

        // column widths: the name gets what it needs up to a third of the line
        let status_w = if theme.ascii { 12 } else { 9 };
        let name_need = info
            .signals
            .iter()
            .map(|s| width(&s.name))
            .max()
            .unwrap_or(4);
        let name_w = name_need.clamp(4, (w / 3).max(4));
        let value_w = if w >= 120 { 14 } else { 9 };
        let expect_need = info
            .signals
            .iter()
            .map(|s| width(&expect_text(s)))
            .max()
            .unwrap_or(0);
        let expect_w = expect_need.min(16);
        let abort_need = info
            .signals
            .iter()
            .filter_map(|s| s.abort.as_ref())
            .map(|a| width(&format!("abort {}", a.text)))
            .max()
            .unwrap_or(0);
        let fixed = 2 + status_w + 1 + name_w + 1 + value_w + 1 + expect_w + 1;
        // The guardrail (what pulls the kill switch by itself) before the sparkline: it
        // stays while the sparkline keeps six columns, which it does at 80 columns.
        let show_abort = abort_need > 0 && fixed + abort_need + 1 + 6 <= w;
        let abort_w = if show_abort { abort_need } else { 0 };
        let spark_w = w.saturating_sub(fixed + if show_abort { abort_w + 1 } else { 0 } + 1);

        for (row, i) in (first..n).take(rows).enumerate() {
            let y = area.y + 1 + row as u16;
            let (si, ss) = (&info.signals[i], &state.signals[i]);
            let standing = Standing::of(si, ss);
            let selected = i == self.app.selected;
            let base = if selected {
                reverse()
            } else {
                Style::default()
            };
            let marker = if selected {
                sym(theme, "▶ ", "> ")
            } else {
                "  "
            };
            let value = match &ss.last {
                Some(Err(_)) => "error".to_string(),
                _ => value_text(si, ss),
            };
            let value = if theme.ascii && value == "—" {
                "-".to_string()
            } else {
                value
            };
            let value_style = match &ss.last {
                Some(Err(_)) => fg(theme, Color::Yellow),
                _ => bold(),
            };
            let points: Vec<Option<f64>> = ss.points.iter().map(|p| p.value).collect();
            let mut spans = vec![
                Span::styled(marker, base.patch(bold())),
                Span::styled(
                    pad(theme, standing.label(theme), status_w),
                    base.patch(fg(theme, standing.color())).patch(bold()),
                ),
                Span::styled(" ", base),
                Span::styled(pad(theme, &si.name, name_w), base),
                Span::styled(" ", base),
                Span::styled(pad_left(theme, &value, value_w), base.patch(value_style)),
                Span::styled(" ", base),
                Span::styled(pad(theme, &expect_text(si), expect_w), base),
                Span::styled(" ", base),
            ];
            // an error with no guardrail beside it takes the guardrail's column too
            let err_wide = show_abort && si.abort.is_none() && matches!(ss.last, Some(Err(_)));
            if show_abort && !err_wide {
                let a = si
                    .abort
                    .as_ref()
                    .map(|a| format!("abort {}", a.text))
                    .unwrap_or_default();
                spans.push(Span::styled(
                    pad(theme, &a, abort_w),
                    base.patch(fg(theme, Color::Magenta)),
                ));
                spans.push(Span::styled(" ", base));
            }
            if let Some(Err(e)) = &ss.last {
                // the error takes the sparkline's room: that is where it can be read
                let room = spark_w + if err_wide { abort_w + 1 } else { 0 };
                spans.push(Span::styled(
                    fit(theme, e, room),
                    base.patch(fg(theme, Color::Yellow)),
                ));
            } else {
                let threshold = si.expect.as_ref().map(|e| e.value);
                let spark = sparkline(&points, spark_w, theme.ascii, threshold);
                spans.push(Span::styled(
                    fit(theme, &spark, spark_w),
                    base.patch(fg(theme, standing.color())),
                ));
            }
            if selected {
                buf.set_style(Rect::new(area.x, y, area.width, 1), reverse());
            }
            put_line(buf, area, y, Line::from(spans));
        }
        if n == 0 && rows > 0 {
            put_line(
                buf,
                area,
                area.y + 1,
                Line::from("  no signals in this scenario"),
            );
        }
    }
}
