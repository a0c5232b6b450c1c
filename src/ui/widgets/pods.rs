//! The pods panel: one row per pod of each watched selector, in kubectl's words, with
//! recent changes marked (new, deleted, restarted, changed) for ten seconds, by a mark
//! and a word as well as a colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{bold, fg, fit, fit_left, pad, put_line, section_rule, sym};
use crate::cluster::pods::age;
use crate::ui::{App, View};

pub struct Pods<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

impl Widget for Pods<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width < 10 {
            return;
        }
        let theme = self.app.theme;
        let panels = &self.view.state.pod_panels;
        let title = panels
            .iter()
            .map(|p| p.selector.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        section_rule(
            buf,
            area,
            theme,
            vec![Span::styled("Pods", bold()), Span::raw(format!(" {title}"))],
        );
        let w = area.width as usize;
        let wide = w >= 60;
        // " m " + name + " 1/1 " + status: the status word (up to "ContainerCreating")
        // keeps at least 12 columns, the name gets the rest
        let name_w = if wide {
            (w.saturating_sub(3 + 7 + 17 + 10 + 8)).clamp(16, 40)
        } else {
            w.saturating_sub(3 + 7 + 12).clamp(8, 28)
        };
        let status_w = if wide {
            17
        } else {
            w.saturating_sub(3 + 7 + name_w).max(4)
        };
        // Only the lines that fit are built: 10,000 pods must not cost 10,000 formatted
        // lines a frame. The rest is counted.
        let rows = (area.height as usize).saturating_sub(1);
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut hidden = 0usize;
        for p in panels {
            if let Some(e) = &p.error {
                lines.push(Line::from(Span::styled(
                    fit(theme, &format!(" ? {e}"), w),
                    fg(theme, Color::Yellow),
                )));
            }
            if p.rows.is_empty() && p.error.is_none() {
                lines.push(Line::from(Span::styled(
                    fit(theme, " no pods match (yet)", w),
                    fg(theme, Color::Gray),
                )));
            }
            // each pod's newest change (a pod may be in `recent` more than once)
            let latest: std::collections::HashMap<&str, &str> = p
                .recent
                .iter()
                .map(|(n, c, _)| (n.as_str(), c.as_str()))
                .collect();
            let mut deleted = p
                .recent
                .iter()
                .map(|(n, _, _)| n.as_str())
                .filter(|n| latest.get(n) == Some(&"deleted"))
                .peekable();
            // a deleted pod that came back (a StatefulSet's) shows as its row instead
            let present: std::collections::HashSet<&str> = if deleted.peek().is_some() {
                p.rows.iter().map(|r| r.name.as_str()).collect()
            } else {
                std::collections::HashSet::new()
            };
            let mut told = std::collections::HashSet::new();
            for name in deleted {
                if present.contains(name) || !told.insert(name) {
                    continue;
                }
                if lines.len() >= rows {
                    hidden += 1;
                    continue;
                }
                let text = format!(
                    " {} {} deleted",
                    sym(theme, "✗", "x"),
                    pad(theme, name, name_w)
                );
                lines.push(Line::from(Span::styled(
                    fit(theme, &text, w),
                    fg(theme, Color::Red),
                )));
            }
            let room = rows.saturating_sub(lines.len());
            hidden += p.rows.len().saturating_sub(room);
            for r in p.rows.iter().take(room) {
                let change = latest.get(r.name.as_str()).copied();
                let (mark, color) = match change {
                    Some("added") => (sym(theme, "+", "+"), Color::Cyan),
                    Some("restarted") => (sym(theme, "↻", "r"), Color::Yellow),
                    Some(_) => (sym(theme, "*", "*"), Color::Yellow),
                    None => (" ", Color::Reset),
                };
                let status_color = match r.status.as_str() {
                    "Running" if r.ready == r.total => Color::Green,
                    "Running" | "Completed" => Color::Reset,
                    _ => Color::Red,
                };
                let mut spans = vec![
                    Span::styled(format!(" {mark} "), fg(theme, color).patch(bold())),
                    // a pod name is told apart by its end (the hash), so cut the start
                    Span::raw(pad(theme, &fit_left(theme, &r.name, name_w), name_w)),
                    Span::raw(format!(" {:>5} ", format!("{}/{}", r.ready, r.total))),
                    Span::styled(
                        pad(theme, &fit(theme, &r.status, status_w), status_w),
                        fg(theme, status_color),
                    ),
                ];
                if wide {
                    spans.push(Span::raw(format!(
                        " {:>3} {:>4} ",
                        r.restarts,
                        age(r.created, self.view.now)
                    )));
                    spans.push(Span::raw(fit(theme, &r.node, 16)));
                }
                lines.push(Line::from(spans));
            }
        }
        hidden += lines.len().saturating_sub(rows);
        lines.truncate(rows);
        if hidden > 0 && rows > 0 {
            // the count takes the last row: the pod that was there is counted too
            lines.truncate(rows - 1);
            hidden += 1;
        }
        for (i, line) in lines.into_iter().enumerate() {
            put_line(buf, area, area.y + 1 + i as u16, line);
        }
        if hidden > 0 && rows > 0 {
            let more = format!(" … {hidden} more");
            put_line(
                buf,
                area,
                area.y + area.height - 1,
                Line::from(Span::styled(pad(theme, &more, w), fg(theme, Color::Gray))),
            );
        }
    }
}
