//! The chart of the selected signal: one column per sample (newest on the right), the
//! `expect` threshold as a line, the fault windows shaded AND marked on the axis so the
//! chart reads without colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{bg, bold, fg, fit, pad_left, put_line, section_rule, sym, wrap};
use crate::ui::{App, Ts, View};
use crate::units::format_value;

use super::signals::{expect_text, value_text};

pub struct Chart<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

impl Chart<'_> {
    /// Whether a sample taken at `ts` falls inside a fault window (trigger to revert, or
    /// to now while it lasts).
    fn in_fault(&self, ts: Ts) -> bool {
        self.view.state.faults.iter().any(|f| match f.triggered_at {
            Some(start) => ts >= start && ts <= f.reverted_at.unwrap_or(self.view.now),
            None => false,
        })
    }
}

impl Widget for Chart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let theme = self.app.theme;
        let info = self.view.info;
        let state = self.view.state;
        let i = self.app.selected;
        let (Some(si), Some(ss)) = (info.signals.get(i), state.signals.get(i)) else {
            section_rule(buf, area, theme, vec![Span::styled("Chart", bold())]);
            return;
        };
        let dot = sym(theme, "·", "-");
        let expect = expect_text(si);
        let mut title: Vec<Span> = Vec::new();
        if expect.is_empty() {
            title.push(Span::raw(format!(" {dot} watched")));
        } else {
            title.push(Span::raw(format!(" {dot} expect {expect}")));
        }
        if let Some(a) = &si.abort {
            // the guardrail: what pulls the kill switch by itself
            title.push(Span::raw(format!(" {dot} abort {}", a.text)));
        }
        // the legend before what may be cut at 80 columns
        let shade = sym(theme, "▓", "#");
        title.push(Span::raw(format!(" {dot} {shade} fault")));
        if let Some(w) = si.window {
            // an http value looks back over its window: say how far
            title.push(Span::raw(format!(
                " {dot} window {}",
                crate::units::format_duration_short(w)
            )));
        }
        let now_text = match &ss.last {
            None => "no data yet".to_string(),
            // the reason is written out in the chart below, where it fits
            Some(Err(_)) => "no data".to_string(),
            Some(Ok(_)) => value_text(si, ss),
        };
        title.push(Span::raw(format!(" {dot} now ")));
        title.push(Span::styled(fit(theme, &now_text, 30), bold()));
        // The name gives way before the legend does: `now` and the guardrail are what
        // the chart is read for, and the name is on the selected row above.
        let legend_w: usize = title.iter().map(|s| s.width()).sum();
        let name_w = (area.width as usize)
            .saturating_sub(legend_w + 3)
            .clamp(8, 40);
        title.insert(0, Span::styled(fit(theme, &si.name, name_w), bold()));
        if let Some(d) = &ss.last_detail {
            title.push(Span::raw(format!(" ({})", fit(theme, d, 64))));
        }
        section_rule(buf, area, theme, title);
        if area.height < 3 {
            return;
        }

        let gutter = 9usize.min(area.width as usize / 3);
        let plot_h = (area.height - 2) as usize;
        let plot_w = (area.width as usize).saturating_sub(gutter + 2);
        if plot_w == 0 {
            return;
        }
        let start = ss.points.len().saturating_sub(plot_w);
        let points = &ss.points[start..];
        let values = points
            .iter()
            .filter_map(|p| p.value)
            .filter(|v| v.is_finite());
        let threshold = si
            .expect
            .as_ref()
            .map(|e| e.value)
            .filter(|v| v.is_finite());
        let mut hi = f64::NEG_INFINITY;
        let mut lo = 0.0f64;
        for v in values.chain(threshold) {
            hi = hi.max(v);
            lo = lo.min(v);
        }
        if !hi.is_finite() || hi <= lo {
            hi = lo + 1.0;
        }
        hi = lo + (hi - lo) * 1.15;
        let span = hi - lo;

        let x0 = area.x + gutter as u16 + 1;
        let top = area.y + 1;
        let axis_y = area.y + area.height - 1;
        let vbar = sym(theme, "│", "|");
        for r in 0..plot_h {
            buf.set_string(x0 - 1, top + r as u16, vbar, fg(theme, Color::DarkGray));
        }
        // gutter labels: the top of the scale, the threshold, the bottom
        let label = |v: f64| pad_left(theme, &format_value(v, si.unit), gutter);
        buf.set_string(area.x, top, label(hi), fg(theme, Color::DarkGray));
        if plot_h > 1 {
            buf.set_string(
                area.x,
                top + plot_h as u16 - 1,
                label(lo),
                fg(theme, Color::DarkGray),
            );
        }
        let row_of = |v: f64| -> usize {
            let level = ((v - lo) / span * plot_h as f64).floor() as isize;
            let from_bottom = level.clamp(0, plot_h as isize - 1) as usize;
            plot_h - 1 - from_bottom
        };
        let threshold_row = threshold.map(row_of);
        if let (Some(r), Some(t)) = (threshold_row, threshold) {
            buf.set_string(area.x, top + r as u16, label(t), bold());
        }

        for (c, p) in points.iter().enumerate() {
            let x = x0 + c as u16;
            let faulted = self.in_fault(p.ts);
            let holds = match (&si.expect, p.value) {
                (Some(e), Some(v)) => e.holds(v),
                _ => true,
            };
            let color = if si.expect.is_none() {
                Color::Cyan
            } else if holds {
                Color::Green
            } else {
                Color::Red
            };
            let eighths = p
                .value
                .filter(|v| v.is_finite())
                .map(|v| (((v - lo) / span) * plot_h as f64 * 8.0).round().max(0.0) as usize);
            for r in 0..plot_h {
                let y = top + r as u16;
                let from_bottom = plot_h - 1 - r;
                let mut style = fg(theme, color);
                if faulted {
                    style = style.patch(bg(theme, Color::Indexed(52)));
                }
                let cell = match eighths {
                    None if from_bottom == 0 => "?",
                    None => " ",
                    Some(e) => {
                        let fill = e.saturating_sub(from_bottom * 8).min(8);
                        if theme.ascii {
                            match fill {
                                0 => " ",
                                1..=3 => ".",
                                _ => "#",
                            }
                        } else {
                            EIGHTHS[fill]
                        }
                    }
                };
                let cell = if cell == " " && threshold_row == Some(r) {
                    style = fg(theme, Color::Yellow).patch(if faulted {
                        bg(theme, Color::Indexed(52))
                    } else {
                        Default::default()
                    });
                    sym(theme, "─", "-")
                } else {
                    cell
                };
                buf.set_string(x, y, cell, style);
            }
        }
        // the threshold line continues where there are no samples yet
        if let Some(r) = threshold_row {
            for c in points.len()..plot_w {
                buf.set_string(
                    x0 + c as u16,
                    top + r as u16,
                    sym(theme, "─", "-"),
                    fg(theme, Color::Yellow),
                );
            }
        }

        // Why there is no value, written out over the plot: a reason cut to fit a table
        // cell ("every probe in the last 30 s failed: error se…") cannot be acted on.
        if let Some(Err(e)) = &ss.last {
            let why = wrap(theme, &format!("no data: {e}"), plot_w.max(1));
            let shown = why.len().min(plot_h);
            for (r, l) in why.iter().take(shown).enumerate() {
                let l = if r + 1 == shown && why.len() > shown {
                    fit(theme, &why[r..].join(" "), plot_w)
                } else {
                    l.clone()
                };
                buf.set_string(
                    x0,
                    top + r as u16,
                    &l,
                    fg(theme, Color::Yellow).patch(bold()),
                );
            }
        }

        // the axis: fault columns marked with a shade a reader sees without colour
        let mut axis = vec![
            Span::raw(" ".repeat(gutter)),
            Span::styled(sym(theme, "└", "+"), fg(theme, Color::DarkGray)),
        ];
        for c in 0..plot_w {
            let faulted = points.get(c).is_some_and(|p| self.in_fault(p.ts));
            if faulted {
                axis.push(Span::styled(shade, fg(theme, Color::Red)));
            } else {
                axis.push(Span::styled(
                    sym(theme, "─", "-"),
                    fg(theme, Color::DarkGray),
                ));
            }
        }
        if points.is_empty() {
            axis = vec![
                Span::raw(" ".repeat(gutter)),
                Span::raw(format!("{} no samples yet", sym(theme, "└", "+"))),
            ];
        }
        put_line(buf, area, axis_y, Line::from(axis));
    }
}
