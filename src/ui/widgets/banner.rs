//! The banner above the footer: what must not be missed. A fault is live (and how to stop
//! it), the kill switch was pulled, a revert failed, or the run is done and where the
//! report is. Reverse video always, so it reads without colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{alarm, fit, put_line, safe, sym};
use crate::ui::{App, Theme, View};

pub struct Banner<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

impl Banner<'_> {
    /// The banner's lines for a screen `width` columns wide, each with its style; empty
    /// when all is quiet. Long paths wrap over lines, whole, to be copied.
    pub fn lines(&self, width: usize) -> Vec<(String, Style)> {
        let theme = self.app.theme;
        let state = self.view.state;
        let dash = sym(theme, "—", "--");
        let dot = sym(theme, "·", "-");
        let mut out = Vec::new();
        if state.revert_failed() {
            // the command is to be copied whole: on lines of its own when it does not fit
            let head = format!("REVERT FAILED {dash} may still be in place: ");
            let command = format!(
                "gameday recover {}",
                crate::schema::shell_word(std::path::Path::new(&self.view.info.run_dir))
            );
            if super::width(&head) + super::width(&command) + 2 <= width {
                out.push((format!("{head}{command}"), alarm(theme)));
            } else {
                out.push((format!("{head}run"), alarm(theme)));
                for l in whole(theme, &command, width.saturating_sub(2)) {
                    out.push((l, alarm(theme)));
                }
            }
        }
        if let Some(a) = &state.abort {
            let how = if state.any_fault_in_flight() {
                sym(theme, "reverting…", "reverting...")
            } else if state.revert_failed() {
                "revert FAILED"
            } else {
                "all reverted"
            };
            out.push((
                format!(
                    "KILL SWITCH PULLED by {} ({}) {dash} {how}",
                    a.by,
                    a.source.as_str()
                ),
                alarm(theme),
            ));
        } else if state.live_faults().next().is_some() {
            out.push((
                format!("FAULT ACTIVE {dash} X or Ctrl-X: ABORT"),
                alarm(theme),
            ));
        }
        if state.is_done() {
            let verdict = state
                .verdict
                .as_ref()
                .map(|v| v.0.word())
                .unwrap_or("ENDED");
            let head = format!("DONE {dot} {verdict} {dash} ");
            let tail = format!(" {dot} q quit");
            let style = if theme.color {
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Cyan)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
            };
            match &self.app.report_path {
                // the report's path whole, on lines of its own when it does not fit
                // beside the verdict
                Some(p)
                    if super::width(&head) + super::width(p) + super::width(&tail) + 10 > width =>
                {
                    out.push((format!("DONE {dot} {verdict}{tail}"), style));
                    for l in whole(theme, &format!("report: {p}"), width.saturating_sub(2)) {
                        out.push((l, style));
                    }
                }
                Some(p) => {
                    out.push((format!("{head}report: {}{tail}", safe(theme, p)), style));
                }
                None => out.push((
                    format!(
                        "{head}{}{tail}",
                        sym(theme, "writing report…", "writing report...")
                    ),
                    style,
                )),
            }
        }
        out
    }
}

/// `text` over as many lines of `w` columns as it takes, nothing left out and nothing
/// added (no ellipsis): a command or a path is copied from here. A line breaks after a
/// space when there is one (`gameday recover` stays together), else mid-word.
fn whole(theme: Theme, text: &str, w: usize) -> Vec<String> {
    let w = w.max(8);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = safe(theme, text).chars().collect();
    while super::width(&rest.iter().collect::<String>()) > w {
        let mut used = 0;
        let mut fits = 0;
        for c in &rest {
            let cw = super::width(&c.to_string());
            if used + cw > w {
                break;
            }
            used += cw;
            fits += 1;
        }
        let cut = match rest[..fits].iter().rposition(|c| *c == ' ') {
            Some(space) if space > 0 => space + 1,
            _ => fits.max(1),
        };
        let line: String = rest.drain(..cut).collect();
        lines.push(line.trim_end().to_string());
    }
    lines.push(rest.into_iter().collect());
    lines
}

impl Widget for Banner<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme;
        for (row, (text, style)) in self.lines(area.width as usize).into_iter().enumerate() {
            let y = area.y + row as u16;
            if y >= area.bottom() {
                break;
            }
            let line_area = Rect::new(area.x, y, area.width, 1);
            buf.set_style(line_area, style);
            let text = fit(theme, &format!(" {text}"), area.width as usize);
            put_line(buf, area, y, Line::from(Span::styled(text, style)));
        }
    }
}
