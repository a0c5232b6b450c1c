//! Drawing the whole screen from (App, View): a pure function.
//!
//! Top to bottom: header, hypothesis, steady-state table, chart of the selected signal,
//! faults, timeline, banner, footer; a dialog over it all by mode. Heights adapt to the
//! room: at 80×24 every section keeps what a tired engineer needs (every signal and
//! fault row, a chart of a few rows, at least three timeline lines); extra room goes to
//! the chart and the timeline.

use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::widgets::banner::Banner;
use super::widgets::chart::Chart;
use super::widgets::dialogs::Dialog;
use super::widgets::faults::Faults;
use super::widgets::footer::Footer;
use super::widgets::header::Header;
use super::widgets::pods::Pods;
use super::widgets::signals::Signals;
use super::widgets::timeline::Timeline;
use super::widgets::{bold, fg, safe, wrap};
use super::{App, View};

/// The rows each section gets, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Heights {
    pub header: u16,
    pub hypothesis: u16,
    pub signals: u16,
    pub chart: u16,
    pub faults: u16,
    pub timeline: u16,
    pub banner: u16,
    pub footer: u16,
}

/// Splits `height` rows between the sections. Never more than `height` in all.
pub fn heights(
    height: u16,
    signals: usize,
    faults: usize,
    banner: usize,
    hypothesis_lines: usize,
) -> Heights {
    let mut left = height;
    let mut take = |want: u16| -> u16 {
        let got = want.min(left);
        left -= got;
        got
    };
    let mut h = Heights {
        header: take(1),
        footer: take(1),
        ..Heights::default()
    };
    // a long run directory's `gameday recover` and report path wrap whole
    h.banner = take(banner.min(8) as u16);
    // each table: a title row and its rows, up to a third of the screen
    let cap = (height / 3).max(3);
    h.signals = take((signals as u16 + 1).min(cap));
    h.faults = take((faults as u16 + 1).min(cap.saturating_sub(2).max(3)));
    h.hypothesis = take(1);
    // the timeline keeps three lines (and its title) before the chart gets any
    h.timeline = take(4);
    let chart_min = take(3);
    // The hypothesis is the point of the run: up to three lines of it (four on a tall
    // screen) before the chart and the timeline grow; a longer one ends in an ellipsis
    // and is whole in the report.
    let most = if height >= 40 { 4 } else { 3 };
    h.hypothesis += take(hypothesis_lines.clamp(1, most) as u16 - 1);
    // what remains: half more to the chart, the rest to the timeline
    let chart_more = left.div_ceil(2).min(left);
    h.chart = chart_min + chart_more;
    left -= chart_more;
    h.timeline += left;
    h
}

pub fn draw(frame: &mut Frame, app: &App, view: View) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let theme = app.theme;
    let banner = Banner { app, view };
    let banner_lines = banner.lines(area.width as usize).len();
    let hyp_label = "Hypothesis  ";
    let hyp_w = (area.width as usize).saturating_sub(hyp_label.len() + 2);
    let hyp = wrap(theme, &view.info.hypothesis, hyp_w.max(1));
    let h = heights(
        area.height,
        view.info.signals.len(),
        view.info.faults.len() + view.info.alerts.len(),
        banner_lines,
        hyp.len(),
    );

    let mut y = area.y;
    let mut next = |rows: u16| -> Rect {
        let r = Rect::new(area.x, y, area.width, rows);
        y += rows;
        r
    };
    let header = next(h.header);
    let hyp_area = next(h.hypothesis);
    let signals = next(h.signals);
    let chart = next(h.chart);
    let faults = next(h.faults);
    let timeline = next(h.timeline);
    let banner_area = next(h.banner);
    let footer = next(h.footer);

    frame.render_widget(Header { app, view }, header);
    draw_hypothesis(frame, app, hyp_area, &view.info.hypothesis);
    frame.render_widget(Signals { app, view }, signals);
    // the pods panel shares the chart's rows, on the right, when there are pods to show
    let pods_w = match area.width {
        w if w >= 140 => w * 2 / 5,
        w if w >= 70 => 36,
        _ => 0,
    };
    if view.state.pod_panels.is_empty() || pods_w == 0 {
        frame.render_widget(Chart { app, view }, chart);
    } else {
        let left = Rect::new(chart.x, chart.y, chart.width - pods_w, chart.height);
        let right = Rect::new(
            chart.x + chart.width - pods_w,
            chart.y,
            pods_w,
            chart.height,
        );
        frame.render_widget(Chart { app, view }, left);
        frame.render_widget(Pods { app, view }, right);
    }
    frame.render_widget(Faults { app, view }, faults);
    frame.render_widget(Timeline { app, view }, timeline);
    frame.render_widget(banner, banner_area);
    frame.render_widget(Footer { app, view }, footer);

    // The details popup may be as long as the scenario: it scrolls between the header and
    // the banner, which keep saying what is live and how to pull the kill switch. Other
    // dialogs are short and keep the whole screen, so their keys are never cut off.
    let between = Rect::new(
        area.x,
        header.y + header.height,
        area.width,
        banner_area.y.saturating_sub(header.y + header.height),
    );
    let dialog_area = match app.mode {
        super::Mode::Details { .. } if between.height >= 5 => between,
        _ => area,
    };
    let dialog = Dialog { app, view };
    if let Some(pos) = dialog.cursor(dialog_area) {
        frame.set_cursor_position(pos);
    }
    frame.render_widget(dialog, dialog_area);
}

fn draw_hypothesis(frame: &mut Frame, app: &App, area: Rect, text: &str) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let theme = app.theme;
    let label = "Hypothesis  ";
    let w = (area.width as usize).saturating_sub(label.len() + 2);
    let mut lines = wrap(theme, text, w.max(1));
    let rows = area.height as usize;
    if lines.len() > rows {
        // the last line shown ends in an ellipsis: the rest is in the report
        let rest = lines[rows - 1..].join(" ");
        lines.truncate(rows - 1);
        lines.push(super::widgets::fit(theme, &rest, w));
    }
    let buf = frame.buffer_mut();
    for (i, l) in lines.iter().enumerate() {
        let lead = if i == 0 {
            Span::styled(format!(" {label}"), bold().patch(fg(theme, Color::Cyan)))
        } else {
            Span::raw(" ".repeat(label.len() + 1))
        };
        let line = Line::from(vec![lead, Span::raw(safe(theme, l))]);
        buf.set_line(area.x, area.y + i as u16, &line, area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(h: Heights) -> u16 {
        h.header + h.hypothesis + h.signals + h.chart + h.faults + h.timeline + h.banner + h.footer
    }

    #[test]
    fn heights_never_exceed_the_screen() {
        for height in 0..120 {
            for signals in [0, 1, 3, 12, 40] {
                for banner in 0..3 {
                    let h = heights(height, signals, 2, banner, 3);
                    assert!(total(h) <= height, "{height} {signals} {banner}: {h:?}");
                }
            }
        }
    }

    #[test]
    fn at_80x24_every_section_has_room() {
        let h = heights(24, 3, 2, 1, 3);
        assert_eq!(total(h), 24);
        assert_eq!((h.header, h.footer, h.banner), (1, 1, 1));
        assert_eq!(h.hypothesis, 3, "a three-line hypothesis whole: {h:?}");
        assert_eq!(h.signals, 4, "a title and every signal");
        assert_eq!(h.faults, 3, "a title and every fault");
        assert!((4..=6).contains(&h.chart), "{h:?}");
        assert!(h.timeline >= 4, "a title and at least three lines: {h:?}");
        assert_eq!(
            heights(24, 3, 2, 1, 9).hypothesis,
            3,
            "at most three at 80×24"
        );
        assert_eq!(heights(24, 3, 2, 1, 1).hypothesis, 1);
        let big = heights(48, 3, 2, 1, 5);
        assert!(big.chart > h.chart && big.timeline > h.timeline && big.hypothesis == 4);
    }
}
