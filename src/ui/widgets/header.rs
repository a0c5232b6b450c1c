//! The header: scenario and cluster on the left; the phase, its timer and the operators
//! on the right. The phase is always a word; `REVERT FAILED` and `ABORTED` shout.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{alarm, between, bold, fg, fit, line_width, mmss, put_line, reverse, safe, sym};
use crate::engine::{FaultStatus, State};
use crate::journal::Phase;
use crate::ui::{App, Theme, View};

pub struct Header<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

/// The phase word as the header shows it: `ACTIVE`, `ABORTED`, `DONE · REFUTED`.
pub fn phase_label(state: &State, theme: Theme) -> String {
    let dot = sym(theme, "·", "-");
    if state.abort.is_some() {
        if state.phase == Phase::Done {
            return "ABORTED".to_string();
        }
        return format!("ABORTED {dot} {}", state.phase.word());
    }
    match (state.phase, &state.verdict) {
        (Phase::Done, Some((v, _))) => format!("DONE {dot} {}", v.word()),
        (p, _) => p.word().to_string(),
    }
}

/// The phase's timer: elapsed / duration while ACTIVE, time left in BASELINE and
/// RECOVERY, elapsed otherwise; nothing once DONE.
pub fn phase_timer(state: &State, now: crate::ui::Ts) -> Option<String> {
    match state.phase {
        Phase::Done => None,
        Phase::Active => {
            let active = state
                .faults
                .iter()
                .zip(&state.cfg.faults)
                .find(|(f, _)| f.status == FaultStatus::Active);
            match active {
                Some((f, info)) => {
                    let since = f
                        .injected_at
                        .or(f.triggered_at)
                        .unwrap_or(state.phase_since);
                    Some(format!(
                        "{} / {}",
                        mmss(between(since, now)),
                        mmss(info.duration)
                    ))
                }
                None => Some(mmss(between(state.phase_since, now))),
            }
        }
        Phase::Baseline | Phase::Recovery => state
            .phase_deadline()
            .map(|d| format!("{} left", mmss(between(now, d)))),
        _ => Some(mmss(between(state.phase_since, now))),
    }
}

fn phase_color(state: &State) -> Color {
    if state.abort.is_some() || state.revert_failed() {
        return Color::Red;
    }
    match state.phase {
        Phase::Baseline | Phase::Recovery => Color::Cyan,
        Phase::Ready => Color::Green,
        Phase::Armed => Color::Yellow,
        Phase::Injecting | Phase::Active | Phase::Reverting => Color::Red,
        Phase::Done => Color::Blue,
    }
}

impl Header<'_> {
    /// The left spans (without the place), the place text, the right spans (without the
    /// operators) and the operators.
    fn parts(&self) -> (Vec<Span<'static>>, String, Vec<Span<'static>>, String) {
        let theme = self.app.theme;
        let info = self.view.info;
        let state = self.view.state;
        let dot = sym(theme, "·", "-");
        let bar = reverse();

        // right side, most important first: REVERT FAILED, the phase and its timer
        let mut right: Vec<Span<'static>> = Vec::new();
        if state.revert_failed() {
            right.push(Span::styled(" REVERT FAILED ", alarm(theme)));
            right.push(Span::raw(" "));
        }
        let mark = sym(theme, "●", "*");
        right.push(Span::styled(
            format!("{mark} {}", phase_label(state, theme)),
            bar.patch(bold()).patch(fg(theme, phase_color(state))),
        ));
        if let Some(t) = phase_timer(state, self.view.now) {
            right.push(Span::styled(format!(" {t}"), bar.patch(bold())));
        }
        let ops = self.app.operators.join(", ");

        // left side: what runs where
        let mut left: Vec<Span<'static>> = vec![Span::styled(" gameday", bar.patch(bold()))];
        if info.demo {
            left.push(Span::raw(" "));
            left.push(Span::styled(
                " DEMO ",
                bar.patch(fg(theme, Color::Yellow)).patch(bold()),
            ));
        }
        let mut place = format!(" {dot} {}", info.scenario);
        if let Some(ctx) = &info.kube_context {
            place.push_str(&format!(" {dot} ctx {ctx}"));
        }
        if let Some(ns) = &info.kube_namespace {
            place.push_str(&format!(" {dot} ns {ns}"));
        }

        (left, place, right, ops)
    }

    /// Whether the operators fit in the header at this width (the scenario and cluster
    /// come first: which cluster am I breaking?). When not, the footer shows them.
    pub fn shows_operators(&self, width: usize) -> bool {
        let (left, place, right, ops) = self.parts();
        let theme = self.app.theme;
        let ops_w = super::width(&format!("  {} ", safe(theme, &ops)));
        let left_w = line_width(&left) + super::width(&safe(theme, &place));
        !ops.is_empty() && left_w + line_width(&right) + ops_w < width
    }
}

impl Widget for Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let theme = self.app.theme;
        let bar = reverse();
        buf.set_style(area, bar);
        let shows_ops = self.shows_operators(area.width as usize);
        let (mut left, place, mut right, ops) = self.parts();
        let w = area.width as usize;
        if shows_ops {
            right.push(Span::styled(format!("  {} ", safe(theme, &ops)), bar));
        } else {
            right.push(Span::styled(" ", bar));
        }
        let room = w.saturating_sub(line_width(&right) + line_width(&left) + 1);
        left.push(Span::styled(fit(theme, &place, room), bar));

        put_line(buf, area, area.y, Line::from(left));
        let right_line = Line::from(right);
        let rw = right_line.width().min(w) as u16;
        let x = area.x + area.width - rw;
        buf.set_line(x, area.y, &right_line, rw);
    }
}
