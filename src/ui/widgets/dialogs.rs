//! Dialogs drawn over the screen by [`Mode`]: centered, bordered, the screen cleared
//! beneath. Each says which keys close it; Ctrl-X stays the kill switch in all of them.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use tui_input::Input;

use super::{alarm, bold, border_set, fg, fit, safe, sym, wrap};
use crate::journal::NoteKind;
use crate::ui::{App, Mode, Theme, View, OVERRIDE_WORD};
use crate::units::format_duration_short;

pub struct Dialog<'a> {
    pub app: &'a App,
    pub view: View<'a>,
}

/// What a dialog holds: its title, its lines, and where the text input goes.
struct Content<'a> {
    title: String,
    lines: Vec<Line<'static>>,
    /// the row (within `lines`) where the input field is drawn
    input: Option<(usize, &'a Input)>,
    /// preferred outer width
    width: u16,
    alarm: bool,
    /// lines scrolled past at the top
    skip: usize,
}

fn keys_line(theme: Theme, text: &str) -> Line<'static> {
    Line::from(Span::styled(
        safe(theme, text),
        bold().patch(fg(theme, Color::Cyan)),
    ))
}

fn help_lines(theme: Theme, w: usize) -> Vec<Line<'static>> {
    let updown = sym(theme, "↑/↓", "Up/Down");
    let leftright = sym(theme, "←/→", "Left/Right");
    let general: Vec<(String, &str)> = vec![
        ("a".into(), "arm the next fault (shows its plan first)"),
        ("d".into(), "disarm"),
        ("t".into(), "trigger the armed fault"),
        (
            "X / Ctrl-X".into(),
            "KILL SWITCH: revert every active fault now",
        ),
        ("".into(), "(Ctrl-X works everywhere, also while typing)"),
        ("n".into(), "write a note"),
        ("N".into(), "write an action item"),
        ("m".into(), "mark a milestone (detected, mitigated…)"),
        (
            format!("Tab/Shift-Tab/j/k/{updown}"),
            "select signal (the chart follows)",
        ),
        ("PgUp/PgDn".into(), "scroll the timeline"),
        ("i".into(), "the whole hypothesis and each fault's result"),
        ("?".into(), "this help"),
        ("q".into(), "quit (reverts an active fault first)"),
    ];
    let key_w = general.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    let mut lines = Vec::new();
    for (k, what) in general {
        let room = w.saturating_sub(key_w);
        lines.push(Line::from(vec![
            Span::styled(format!("{k:<key_w$}"), bold()),
            Span::raw(fit(theme, what, room)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("In the note editor", bold())));
    let dot = sym(theme, "·", "-");
    for l in [
        format!("{leftright} move {dot} Home/End or Ctrl-A/Ctrl-E start/end"),
        format!("Ctrl-W delete word {dot} Ctrl-U delete to start {dot} Ctrl-K delete to end"),
        "Backspace/Delete delete a character".to_string(),
    ] {
        lines.push(Line::from(fit(theme, &l, w)));
    }
    lines
}

impl<'a> Dialog<'a> {
    fn content(&self, max_inner: usize) -> Option<Content<'a>> {
        let theme = self.app.theme;
        let dot = sym(theme, "·", "-");
        let text_w = max_inner;
        let wrapped = |s: &str, style: Style| -> Vec<Line<'static>> {
            wrap(theme, s, text_w)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, style)))
                .collect()
        };
        let app: &'a App = self.app;
        match &app.mode {
            Mode::Normal => None,
            Mode::ArmConfirm { fault, plan } => {
                let info = self.view.info.faults.get(*fault);
                let name = info.map(|f| f.name.as_str()).unwrap_or("?");
                let mut lines = wrapped(&format!("Arm `{name}`?"), bold());
                if let Some(f) = info {
                    lines.extend(wrapped(
                        &format!(
                            "Fault {} of {}, active for {}, then reverted automatically.",
                            fault + 1,
                            self.view.info.faults.len(),
                            format_duration_short(f.duration)
                        ),
                        Style::default(),
                    ));
                }
                lines.push(Line::from(""));
                lines.push(Line::from(Span::styled("Plan", bold())));
                for p in plan {
                    lines.extend(wrapped(&format!("  {p}"), Style::default()));
                }
                // Said before arming, not only at the trigger: a failing steady state
                // means the trigger will be refused (or has to be overridden), and that
                // a result taken now is measured against a baseline that never held.
                let failing = self.view.state.failing_expectations();
                if !failing.is_empty() {
                    lines.push(Line::from(""));
                    lines.extend(wrapped(
                        "The steady state does not hold right now:",
                        alarm(theme),
                    ));
                    for f in &failing {
                        lines.extend(wrapped(&format!("  {f}"), alarm(theme)));
                    }
                }
                lines.push(Line::from(""));
                lines.push(keys_line(theme, &format!("y/Enter arm {dot} n/Esc cancel")));
                Some(Content {
                    title: "Arm fault".into(),
                    lines,
                    input: None,
                    width: 76,
                    alarm: false,
                    skip: 0,
                })
            }
            Mode::Note { kind, input } => {
                let title = match kind {
                    NoteKind::Note => "Note",
                    NoteKind::Action => "Action item",
                };
                let hint = match kind {
                    NoteKind::Note => String::new(),
                    NoteKind::Action => {
                        format!("@name its owner {dot} due:YYYY-MM-DD its due date")
                    }
                };
                let lines = vec![
                    Line::from(format!(
                        "by {}, saved to the journal with the time",
                        safe(theme, &app.operator)
                    )),
                    Line::from(hint),
                    Line::from(""),
                    keys_line(
                        theme,
                        &format!("Enter save {dot} Esc cancel {dot} Ctrl-X abort"),
                    ),
                ];
                Some(Content {
                    title: title.into(),
                    lines,
                    input: Some((2, input)),
                    width: 76,
                    alarm: false,
                    skip: 0,
                })
            }
            Mode::Override { failing, input } => {
                let mut lines = wrapped("The steady state does not hold right now:", bold());
                let cross = sym(theme, "✗", "x");
                for f in failing {
                    lines.extend(wrapped(&format!("{cross} {f}"), fg(theme, Color::Red)));
                }
                lines.push(Line::from(""));
                lines.extend(wrapped(
                    &format!("type \"{OVERRIDE_WORD}\" and Enter to trigger anyway"),
                    bold(),
                ));
                let row = lines.len();
                lines.push(Line::from(""));
                lines.push(Line::from(""));
                lines.push(keys_line(theme, &format!("Esc cancel {dot} Ctrl-X abort")));
                Some(Content {
                    title: "Steady state fails".into(),
                    lines,
                    input: Some((row, input)),
                    width: 76,
                    alarm: true,
                    skip: 0,
                })
            }
            Mode::Milestone { selected } => Some(self.milestone_chooser(selected, text_w)),
            Mode::QuitConfirm => Some(Content {
                title: "Quit".into(),
                lines: {
                    let mut l = wrapped("A fault is active. Revert it and quit? y/n", bold());
                    l.push(Line::from(""));
                    l.push(keys_line(theme, &format!("y revert and quit {dot} n stay")));
                    l
                },
                input: None,
                width: 60,
                alarm: true,
                skip: 0,
            }),
            Mode::Details { scroll } => {
                let lines = details_lines(self.view, theme, text_w);
                Some(Content {
                    title: format!("Details {dot} j/k scroll {dot} Esc close"),
                    lines,
                    input: None,
                    width: 78,
                    alarm: false,
                    skip: *scroll,
                })
            }
            Mode::Help => {
                let mut lines = help_lines(theme, text_w);
                lines.push(Line::from(""));
                lines.push(keys_line(theme, "Esc or ? close"));
                Some(Content {
                    title: "Keys".into(),
                    lines,
                    input: None,
                    width: 78,
                    alarm: false,
                    skip: 0,
                })
            }
        }
    }

    /// The milestones not marked yet, the chosen one highlighted, each with its target
    /// and the time left to it; then those already marked, and by whom.
    fn milestone_chooser(&self, selected: &str, text_w: usize) -> Content<'a> {
        let theme = self.app.theme;
        let dot = sym(theme, "·", "-");
        let view = self.view;
        let state = view.state;
        let since = state
            .first_trigger
            .map(|ft| (view.now - ft).to_std().unwrap_or_default());
        let mut lines = Vec::new();
        let t_now = since
            .map(|d| format!("T+{}", crate::units::format_offset(d.as_millis() as i64)))
            .unwrap_or_else(|| "not triggered yet".into());
        lines.extend(
            wrap(
                theme,
                &format!(
                    "Timed from the first trigger, now {t_now}; marked by {}, once.",
                    self.app.operator
                ),
                text_w,
            )
            .into_iter()
            .map(Line::from),
        );
        lines.push(Line::from(""));
        let open = crate::ui::keys::markable(view).unwrap_or_default();
        let name_w = open
            .iter()
            .map(|n| super::width(n))
            .max()
            .unwrap_or(0)
            .min(30);
        for (i, name) in open.iter().enumerate() {
            let chosen = *name == selected;
            let number = if i < 9 {
                format!("{}", i + 1)
            } else {
                " ".into()
            };
            let within = state
                .cfg
                .milestones
                .iter()
                .find(|m| m.name == *name)
                .and_then(|m| m.within);
            let target = match (within, since) {
                (Some(w), Some(s)) if s <= w => format!(
                    "target {} ({} left)",
                    format_duration_short(w),
                    crate::units::format_duration(w - s)
                ),
                (Some(w), Some(s)) => format!(
                    "target {} (over by {})",
                    format_duration_short(w),
                    crate::units::format_duration(s - w)
                ),
                (Some(w), None) => format!("target {}", format_duration_short(w)),
                (None, _) => String::new(),
            };
            let pointer = if chosen { sym(theme, "›", ">") } else { " " };
            let name = fit(theme, name, name_w);
            let pad = name_w.saturating_sub(super::width(&name));
            let row = fit(
                theme,
                &format!("{pointer} {number} {name}{}  {target}", " ".repeat(pad)),
                text_w,
            );
            let style = if chosen {
                super::reverse().patch(bold())
            } else {
                Style::default()
            };
            lines.push(Line::from(Span::styled(row, style)));
        }
        let marked: Vec<String> = state
            .cfg
            .milestones
            .iter()
            .zip(&state.milestones)
            .filter_map(|(m, mark)| {
                let mark = mark.as_ref()?;
                let at = state
                    .first_trigger
                    .map(|ft| crate::units::format_offset((mark.at - ft).num_milliseconds()))
                    .unwrap_or_default();
                Some(format!("{} ({}, T+{at})", m.name, mark.author))
            })
            .collect();
        if !marked.is_empty() {
            lines.push(Line::from(""));
            lines.extend(
                wrap(
                    theme,
                    &format!("Marked already: {}", marked.join(", ")),
                    text_w,
                )
                .into_iter()
                .map(|l| Line::from(Span::styled(l, fg(theme, Color::Gray)))),
            );
        }
        lines.push(Line::from(""));
        lines.push(keys_line(
            theme,
            &format!(
                "{} or 1-9 choose {dot} Enter mark {dot} Esc cancel",
                sym(theme, "↑/↓", "Up/Down")
            ),
        ));
        Content {
            title: "Mark a milestone".into(),
            lines,
            input: None,
            width: 70,
            alarm: false,
            skip: 0,
        }
    }

    /// Where the box goes, and its content, for a screen of `area`.
    fn place(&self, area: Rect) -> Option<(Rect, Content<'a>)> {
        if area.width < 12 || area.height < 3 {
            return None;
        }
        let pref = 78u16.min(area.width);
        let content = self.content(pref.saturating_sub(4) as usize)?;
        let w = content.width.min(area.width);
        // re-flow for the real width when it is narrower than the preferred one
        let content = if w < pref {
            self.content(w.saturating_sub(4) as usize)?
        } else {
            content
        };
        let h = (content.lines.len() as u16 + 2).min(area.height);
        let x = area.x + (area.width - w) / 2;
        let y = area.y + (area.height - h) / 2;
        Some((Rect::new(x, y, w, h), content))
    }

    /// The text cursor, when a dialog with a text input is open.
    pub fn cursor(&self, area: Rect) -> Option<Position> {
        let (rect, content) = self.place(area)?;
        let (row, input) = content.input?;
        let field = field_rect(rect, row)?;
        let width = field.width as usize;
        let scroll = input.visual_scroll(width);
        let x = input
            .visual_cursor()
            .saturating_sub(scroll)
            .min(width.saturating_sub(1));
        Some(Position::new(field.x + x as u16, field.y))
    }
}

/// What `i` shows, wrapped to `w` columns: the hypothesis, every expectation and
/// guardrail, and each fault's status and last result whole (a revert's explanation, an
/// error), which their rows on the screen cut at 80 columns.
pub fn details_lines(view: View<'_>, theme: Theme, w: usize) -> Vec<Line<'static>> {
    let info = view.info;
    let state = view.state;
    let mut lines = Vec::new();
    let para = |lines: &mut Vec<Line<'static>>, text: &str, style: Style| {
        for l in wrap(theme, text, w.saturating_sub(2).max(1)) {
            lines.push(Line::from(Span::styled(format!("  {l}"), style)));
        }
    };
    lines.push(Line::from(Span::styled("Hypothesis", bold())));
    para(&mut lines, &info.hypothesis, Style::default());
    let expectations: Vec<String> = info
        .signals
        .iter()
        .filter_map(|s| {
            let mut parts = Vec::new();
            if let Some(e) = &s.expect {
                parts.push(format!("expect {}", e.text));
            }
            if let Some(a) = &s.abort {
                parts.push(format!("abort {}", a.text));
            }
            (!parts.is_empty()).then(|| format!("{}: {}", s.name, parts.join(", ")))
        })
        .collect();
    if !expectations.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Expectations", bold())));
        for e in &expectations {
            para(&mut lines, e, Style::default());
        }
    }
    if !info.faults.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Faults", bold())));
        let arrow = sym(theme, "→", "->");
        for (fi, fs) in info.faults.iter().zip(&state.faults) {
            let mut text = format!("{} {}", fi.name, fs.status.word());
            if !fs.targets.is_empty() {
                text.push_str(&format!(" {arrow} {}", fs.targets.join(", ")));
            }
            if !fs.detail.is_empty() {
                text.push_str(&format!(": {}", fs.detail));
            }
            let style = if fs.status == crate::engine::FaultStatus::RevertFailed || fs.inject_failed
            {
                fg(theme, Color::Red).patch(bold())
            } else {
                Style::default()
            };
            para(&mut lines, &text, style);
        }
    }
    lines
}

/// How many lines `i` shows at most (at the widest dialog), to bound its scrolling.
pub fn details_len(view: View<'_>, theme: Theme) -> usize {
    details_lines(view, theme, 74).len()
}

/// The input field's row inside the dialog `rect`, if it is visible.
fn field_rect(rect: Rect, row: usize) -> Option<Rect> {
    let y = rect.y + 1 + row as u16;
    if y + 1 >= rect.bottom() || rect.width < 8 {
        return None;
    }
    // after the "> " prompt
    Some(Rect::new(rect.x + 4, y, rect.width - 6, 1))
}

impl Widget for Dialog<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme;
        let Some((rect, content)) = self.place(area) else {
            return;
        };
        Clear.render(rect, buf);
        let border_style = if content.alarm {
            fg(theme, Color::Red).patch(bold())
        } else {
            fg(theme, Color::Cyan).patch(bold())
        };
        let title_style = if content.alarm { alarm(theme) } else { bold() };
        let block = Block::bordered()
            .border_set(border_set(theme))
            .border_style(border_style)
            .title(Span::styled(format!(" {} ", content.title), title_style));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let text_area = Rect::new(
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(2),
            inner.height,
        );
        // scrolled no further than the last line at the bottom
        let skip = content.skip.min(
            content
                .lines
                .len()
                .saturating_sub(text_area.height as usize),
        );
        for (i, line) in content.lines.iter().skip(skip).enumerate() {
            let y = text_area.y + i as u16;
            if y >= text_area.bottom() {
                break;
            }
            buf.set_line(text_area.x, y, line, text_area.width);
        }
        if let Some((row, input)) = content.input {
            if let Some(field) = field_rect(rect, row) {
                buf.set_string(
                    field.x - 2,
                    field.y,
                    sym(theme, "› ", "> "),
                    bold().patch(fg(theme, Color::Cyan)),
                );
                let width = field.width as usize;
                let scroll = input.visual_scroll(width);
                let style = Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
                buf.set_style(field, style);
                Paragraph::new(safe(theme, input.value()))
                    .style(style)
                    .scroll((0, scroll as u16))
                    .render(field, buf);
            }
        }
    }
}
