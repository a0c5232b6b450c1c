//! The frame as plain text, for the journal: the report is a pure function of the
//! journal, so the screen at a trigger or an abort must be journaled when it is seen.
//! The TUI renders the frame it shows into an off-screen buffer of the terminal's size;
//! the headless front renders the same UI, from the same journal records, on a virtual
//! 100×30 one (see `runner::screens`). Only what the UI shows ends up in the text, and
//! the journal redacts every line as a whole besides.

use ratatui::backend::TestBackend;
use ratatui::text::Span;
use ratatui::Terminal;

use crate::journal::{Event, Record, ScreenMoment};
use crate::ui::{App, View};

/// The virtual screen of a headless run: roomy enough for every panel, small enough to
/// read in a report.
pub const HEADLESS_SIZE: (u16, u16) = (100, 30);

/// The moments among these records that call for a screen: each trigger, the abort.
pub fn moments(records: &[Record]) -> Vec<(ScreenMoment, String)> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::FaultInjecting { fault, .. } => Some((ScreenMoment::Trigger, fault.clone())),
            Event::Abort { .. } => Some((ScreenMoment::Abort, String::new())),
            _ => None,
        })
        .collect()
}

/// The frame the TUI draws for `app` and `view` on a `width`×`height` screen, as plain
/// text: one line per row, wide characters once, trailing spaces and blank rows trimmed.
pub fn text(app: &App, view: View, width: u16, height: u16) -> Option<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).ok()?;
    terminal
        .draw(|f| crate::ui::draw::draw(f, app, view))
        .ok()?;
    let buf = terminal.backend().buffer();
    let mut lines: Vec<String> = Vec::with_capacity(height as usize);
    for y in 0..buf.area.height {
        let mut line = String::new();
        // the cells a wide character covers repeat nothing
        let mut covered = 0usize;
        for x in 0..buf.area.width {
            let symbol = buf.cell((x, y)).map(|c| c.symbol()).unwrap_or(" ");
            if covered == 0 {
                line.push_str(symbol);
            }
            covered = covered.max(Span::raw(symbol).width()).saturating_sub(1);
        }
        lines.push(line.trim_end().to_string());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    Some(lines.join("\n"))
}

/// The frame the TUI draws for `app` and `view` on a `width`×`height` screen, as an SVG
/// picture with its colours: README's picture of the live screen is drawn by the UI
/// itself, so it cannot show a screen the program does not draw.
pub fn svg(app: &App, view: View, width: u16, height: u16) -> Option<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).ok()?;
    terminal
        .draw(|f| crate::ui::draw::draw(f, app, view))
        .ok()?;
    Some(svg_of(terminal.backend().buffer()))
}

/// Cell size in the picture, for a 14 px monospace font.
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const BACKGROUND: &str = "#1b1d23";
const FOREGROUND: &str = "#d7dae0";

fn svg_of(buf: &ratatui::buffer::Buffer) -> String {
    use ratatui::style::Modifier;
    use std::fmt::Write as _;
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" \
         viewBox=\"0 0 {:.1} {:.1}\" font-family=\"ui-monospace, 'DejaVu Sans Mono', \
         Menlo, Consolas, monospace\" font-size=\"14\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{BACKGROUND}\"/>\n",
        f64::from(w) * CELL_W + 16.0,
        f64::from(h) * CELL_H + 16.0,
        f64::from(w) * CELL_W + 16.0,
        f64::from(h) * CELL_H + 16.0,
    );
    out.push_str("<g transform=\"translate(8 8)\">\n");
    // one cell's look: its colours (reverse video applied) and weight
    let look = |x: u16, y: u16| -> (&'static str, &'static str, bool, String) {
        let Some(c) = buf.cell((x, y)) else {
            return (FOREGROUND, BACKGROUND, false, " ".into());
        };
        let mut fg = color(c.fg, FOREGROUND);
        let mut bg = color(c.bg, BACKGROUND);
        if c.modifier.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        // a full block is drawn as the cell's colour: fonts leave seams between rows
        let sym = if c.symbol() == "█" {
            bg = fg;
            " ".to_string()
        } else {
            c.symbol().to_string()
        };
        (fg, bg, c.modifier.contains(Modifier::BOLD), sym)
    };
    for y in 0..h {
        let top = f64::from(y) * CELL_H;
        // backgrounds, in runs of one colour
        let mut x = 0;
        while x < w {
            let (_, bg, _, _) = look(x, y);
            let start = x;
            while x < w && look(x, y).1 == bg {
                x += 1;
            }
            if bg != BACKGROUND {
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{CELL_H:.1}\" fill=\"{bg}\" shape-rendering=\"crispEdges\"/>",
                    f64::from(start) * CELL_W,
                    f64::from(x - start) * CELL_W
                );
            }
        }
        // text, in runs of one colour and weight, stretched to the cells it covers
        let mut x = 0;
        while x < w {
            let (fg, _, bold, _) = look(x, y);
            let start = x;
            let mut text = String::new();
            let mut cells = 0u16;
            let mut covered = 0usize;
            while x < w {
                let (f, _, b, sym) = look(x, y);
                if f != fg || b != bold {
                    break;
                }
                if covered == 0 {
                    text.push_str(&sym);
                }
                covered = covered
                    .max(Span::raw(sym.as_str()).width())
                    .saturating_sub(1);
                cells += 1;
                x += 1;
            }
            let trimmed = text.trim_end();
            if trimmed.trim_start().is_empty() {
                continue;
            }
            let lead = trimmed.len() - trimmed.trim_start().len();
            let body = trimmed.trim_start();
            let body_cells = Span::raw(body).width().min(usize::from(cells));
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{fg}\"{} textLength=\"{:.1}\" \
                 lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\">{}</text>",
                (f64::from(start) + lead as f64) * CELL_W,
                top + CELL_H * 0.78,
                if bold { " font-weight=\"bold\"" } else { "" },
                body_cells as f64 * CELL_W,
                xml_escape(body)
            );
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// A dark terminal's palette: what most on-call engineers' terminals look like.
fn color(c: ratatui::style::Color, default: &'static str) -> &'static str {
    use ratatui::style::Color;
    match c {
        Color::Reset => default,
        Color::Black => "#1b1d23",
        Color::Red => "#e06c75",
        Color::Green => "#98c379",
        Color::Yellow => "#e5c07b",
        Color::Blue => "#61afef",
        Color::Magenta => "#c678dd",
        Color::Cyan => "#56b6c2",
        Color::Gray => "#abb2bf",
        Color::DarkGray => "#5c6370",
        Color::LightRed => "#ff7b86",
        Color::LightGreen => "#b5e890",
        Color::LightYellow => "#ffd58f",
        Color::LightBlue => "#7fc3ff",
        Color::LightMagenta => "#e49cf0",
        Color::LightCyan => "#7fd6e0",
        Color::White => "#ffffff",
        // the fault window's shade (Indexed(52), a dark red)
        Color::Indexed(52) => "#4a1f24",
        Color::Indexed(_) | Color::Rgb(..) => default,
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // a control character has no place in XML 1.0; the UI never draws one
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
