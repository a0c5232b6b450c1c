//! `gameday man`: one page for the whole command line. clap_mangen renders a page per
//! command; gameday ships one page (assets/gameday.1), so each command's synopsis,
//! description and options become a subsection of COMMANDS instead of a gameday-run(1)
//! page that would not exist.

use std::io;

use clap_mangen::Man;

/// The roff text of the page for `cmd` (the top-level `gameday` command).
pub fn render(cmd: clap::Command) -> io::Result<String> {
    let mut out = Vec::new();
    let man = Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    let mut text = String::from_utf8_lossy(&out).into_owned();
    text.push_str(".SH COMMANDS\n");
    let mut todo: Vec<(String, clap::Command)> = cmd
        .get_subcommands()
        .map(|s| (format!("gameday {}", s.get_name()), s.clone()))
        .collect();
    while !todo.is_empty() {
        let (name, sub) = todo.remove(0);
        if sub.get_name() == "help" || sub.is_hide_set() {
            continue;
        }
        let nested: Vec<(String, clap::Command)> = sub
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .map(|s| (format!("{name} {}", s.get_name()), s.clone()))
            .collect();
        let sub = sub.bin_name(name.clone());
        let m = Man::new(sub);
        let mut part = Vec::new();
        m.render_synopsis_section(&mut part)?;
        m.render_description_section(&mut part)?;
        m.render_options_section(&mut part)?;
        let part = String::from_utf8_lossy(&part)
            .replace(
                ".SH SYNOPSIS\n",
                &format!(".SS \"{}\"\n", name.replace('-', "\\-")),
            )
            .replace(".SH DESCRIPTION\n", ".PP\n")
            .replace(".SH OPTIONS\n", ".PP\nOptions:\n");
        text.push_str(&part);
        // Nested commands (`import litmus`) follow their parent.
        for (i, n) in nested.into_iter().enumerate() {
            todo.insert(i, n);
        }
    }
    text.push_str(&keys_section());
    text.push_str(&exit_section());
    let mut tail = Vec::new();
    man.render_version_section(&mut tail)?;
    text.push_str(&String::from_utf8_lossy(&tail));
    // Each render call starts with the same two-line preamble; the page needs it once.
    let body: String = text
        .lines()
        .filter(|l| !PREAMBLE.contains(l))
        .map(|l| format!("{l}\n"))
        .collect();
    Ok(format!("{}\n{}\n{body}", PREAMBLE[0], PREAMBLE[1]))
}

/// The TUI's keys, as README's "Keys" table and the `?` help give them (a test keeps the
/// three in step).
pub const KEYS: &[(&str, &str)] = &[
    ("Ctrl-X", "kill switch, everywhere, also while typing a note or in a dialog: every active fault is reverted at once and nothing more can be triggered"),
    ("X", "kill switch, wherever no text is being typed"),
    ("a", "arm the next fault: shows its plan (and, when it fails, why the steady state does not hold), y or Enter confirms"),
    ("d", "disarm"),
    ("t", "trigger the armed fault; refused while the steady state fails unless you type override"),
    ("n / N", "write a note / an action item (Enter saves, Esc cancels); an action item takes an owner @name and a date due:YYYY-MM-DD"),
    ("m", "mark a milestone of the scenario (detected, mitigated...): a chooser lists those not marked yet, Up/Down or 1-9 choose, Enter marks, Esc cancels; from the first trigger until DONE"),
    ("Tab Shift-Tab j k Up Down", "choose the signal shown in the chart"),
    ("PgUp / PgDn", "scroll the timeline"),
    ("i", "details: the whole hypothesis, every expectation and guardrail, and each fault's status and last result (a revert's explanation, an error), which the screen's rows cut at 80 columns; j/k scroll, Esc closes"),
    ("?", "help"),
    ("q", "quit; with a fault active, asks first and reverts it before leaving"),
    ("Ctrl-C", "as q on the main screen (the terminal is in raw mode: it sends no SIGINT); in a note, a dialog or a question it does nothing, so a reflex Ctrl-C never quits by accident"),
];

/// `text` as roff shows it: backslashes and hyphens escaped, a leading dot or quote
/// kept from being read as a request.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

fn keys_section() -> String {
    let mut s = String::from(
        ".SH KEYS\nIn the TUI of run, demo and join (join cannot arm, trigger or disarm):\n",
    );
    for (key, what) in KEYS {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(key), roff(what)));
    }
    s
}

fn exit_section() -> String {
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for status in crate::exit::ExitStatus::all() {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            status.code(),
            roff(&status.summary().replace('`', ""))
        ));
    }
    s
}

/// clap_mangen's definition of the `Aq` string (an apostrophe that survives groff).
const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];
