//! The widgets of the live screen, one per file. Each is a value built from
//! ([`App`](super::App), [`View`](super::View)) and rendered into a buffer: no I/O, no
//! mutation, and the time is `view.now`.
//!
//! Shared here: the theme's symbols and colours (colour is never the only signal), and
//! text fitting that never panics whatever the width.

pub mod banner;
pub mod chart;
pub mod dialogs;
pub mod faults;
pub mod footer;
pub mod header;
pub mod pods;
pub mod signals;
pub mod timeline;

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::{Line, Span};

use super::Theme;

/// Borders drawn with `+-|` only.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// The theme's symbol: `unicode` normally, `ascii` under `--ascii`.
pub fn sym(theme: Theme, unicode: &'static str, ascii: &'static str) -> &'static str {
    if theme.ascii {
        ascii
    } else {
        unicode
    }
}

/// A foreground colour, or nothing at all under `NO_COLOR`.
pub fn fg(theme: Theme, color: Color) -> Style {
    if theme.color {
        Style::default().fg(color)
    } else {
        Style::default()
    }
}

/// A background colour, or nothing at all under `NO_COLOR`.
pub fn bg(theme: Theme, color: Color) -> Style {
    if theme.color {
        Style::default().bg(color)
    } else {
        Style::default()
    }
}

pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn reverse() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// An alarm: reverse video always, red when colour is allowed.
pub fn alarm(theme: Theme) -> Style {
    if theme.color {
        Style::default()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
}

pub fn border_set(theme: Theme) -> border::Set<'static> {
    if theme.ascii {
        ASCII_BORDER
    } else {
        border::PLAIN
    }
}

/// Display width of a string, as the terminal lays it out.
pub fn width(s: &str) -> usize {
    Span::raw(s).width()
}

fn char_width(c: char) -> usize {
    let mut b = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut b)).width()
}

/// Text made safe for the theme: under `--ascii` every non-ASCII character becomes an
/// ASCII look-alike or `?` (user text, error messages from commands).
pub fn safe(theme: Theme, s: &str) -> String {
    // Control characters shown as the timeline and headless show them (`\e]0;…`), not
    // silently dropped by the terminal library: one form of hostile text everywhere. A
    // line break is a space on a screen row.
    let escaped;
    let s = if s.chars().any(crate::text::is_unsafe) {
        escaped = crate::text::visible(&s.replace(['\n', '\r', '\t'], " ")).into_owned();
        escaped.as_str()
    } else {
        s
    };
    if !theme.ascii || s.is_ascii() {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            c if c.is_ascii() => c.to_string(),
            '—' | '–' | '−' | '─' => "-".to_string(),
            '…' => "...".to_string(),
            '→' => "->".to_string(),
            '●' | '•' | '·' => "*".to_string(),
            '‘' | '’' => "'".to_string(),
            '“' | '”' => "\"".to_string(),
            '✓' => "ok".to_string(),
            '✗' => "x".to_string(),
            _ => "?".to_string(),
        })
        .collect()
}

/// `s` cut to at most `max` columns, ending in an ellipsis when cut.
pub fn fit(theme: Theme, s: &str, max: usize) -> String {
    let s = safe(theme, s);
    // one line only: newlines from command output would break the row
    let s = if s.contains(['\n', '\r', '\t']) {
        s.replace(['\n', '\r', '\t'], " ")
    } else {
        s
    };
    if width(&s) <= max {
        return s;
    }
    let ell = sym(theme, "…", "...");
    let ell_w = width(ell);
    if max <= ell_w {
        return ".".repeat(max);
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw > max - ell_w {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push_str(ell);
    out
}

/// `s` cut from the left to at most `max` columns: the end of a path is what tells runs
/// apart.
pub fn fit_left(theme: Theme, s: &str, max: usize) -> String {
    let s = safe(theme, s);
    if width(&s) <= max {
        return s;
    }
    let ell = sym(theme, "…", "...");
    let room = max.saturating_sub(width(ell));
    let mut tail: Vec<char> = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = char_width(c);
        if w + cw > room {
            break;
        }
        tail.push(c);
        w += cw;
    }
    let tail: String = tail.into_iter().rev().collect();
    if max < width(ell) {
        return tail;
    }
    format!("{ell}{tail}")
}

/// `s` fitted to exactly `w` columns: cut, or padded on the right.
pub fn pad(theme: Theme, s: &str, w: usize) -> String {
    let s = fit(theme, s, w);
    let sw = width(&s);
    format!("{s}{}", " ".repeat(w.saturating_sub(sw)))
}

/// `s` fitted to exactly `w` columns, padded on the left.
pub fn pad_left(theme: Theme, s: &str, w: usize) -> String {
    let s = fit(theme, s, w);
    let sw = width(&s);
    format!("{}{s}", " ".repeat(w.saturating_sub(sw)))
}

/// `mm:ss` (minutes keep counting past an hour).
pub fn mmss(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// The time from `from` to `to`, zero if `to` is earlier.
pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).to_std().unwrap_or_default()
}

/// Total width of a line's spans.
pub fn line_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| s.width()).sum()
}

/// Renders one line of spans, cut at the area's width.
pub fn put_line(buf: &mut Buffer, area: Rect, y: u16, line: Line<'_>) {
    if area.width == 0 || y < area.y || y >= area.bottom() {
        return;
    }
    buf.set_line(area.x, y, &line, area.width);
}

/// A section rule: ` Title ───────` across the area's first row.
pub fn section_rule(buf: &mut Buffer, area: Rect, theme: Theme, title: Vec<Span<'static>>) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    spans.extend(title);
    spans.push(Span::raw(" "));
    let used = line_width(&spans);
    let rest = (area.width as usize).saturating_sub(used);
    spans.push(Span::styled(
        sym(theme, "─", "-").repeat(rest),
        fg(theme, Color::DarkGray),
    ));
    put_line(buf, area, area.y, Line::from(spans));
}

/// Greedy word wrap to `w` columns; words longer than a line are cut. Always at least
/// one line.
pub fn wrap(theme: Theme, s: &str, w: usize) -> Vec<String> {
    let s = safe(theme, s);
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for word in s.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let ww = width(&word);
            let sep = usize::from(cur_w > 0);
            if cur_w + sep + ww <= w {
                if sep == 1 {
                    cur.push(' ');
                }
                cur.push_str(&word);
                cur_w += sep + ww;
                break;
            }
            if cur_w > 0 {
                lines.push(std::mem::take(&mut cur));
                cur_w = 0;
                continue;
            }
            // a word longer than the line: cut it
            let mut head = String::new();
            let mut hw = 0;
            let mut rest = String::new();
            for c in word.chars() {
                let cw = char_width(c);
                if rest.is_empty() && hw + cw <= w {
                    head.push(c);
                    hw += cw;
                } else {
                    rest.push(c);
                }
            }
            if head.is_empty() {
                // a character wider than the line: give up on it
                break;
            }
            lines.push(head);
            if rest.is_empty() {
                break;
            }
            word = rest;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}
