//! Text that came from the ChaosEngine, on its way into the scenario: as a double-quoted
//! YAML scalar that reads back as exactly the same string, or shown on one line inside a
//! comment or a message. Nothing copied from the engine is ever written any other way, so
//! no value can end a line, open a key or change what the scenario says.

/// Characters that could end a line (for a YAML 1.1 reader too: NEL, LS, PS), hide text
/// (zero-width, byte-order mark) or reorder it on screen (bidirectional controls).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
        )
}

/// A YAML double-quoted scalar that gameday's reader turns back into exactly `s`: `"` and
/// `\` escaped, every character of [`needs_escape`] written as an escape, and `${` written
/// `$${`, so a `${VAR}` in a query reaches gameday as written instead of being expanded
/// from the environment of whoever runs the scenario.
pub(super) fn quoted(s: &str) -> String {
    let s = s.replace("${", "$${");
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The longest value shown in a comment or a message, in characters.
const SHOWN_MAX: usize = 120;

/// `s` on one line, for a comment or a message: the characters of [`needs_escape`] shown
/// as escapes (`\n`, `\u{2028}`) and a backslash doubled, so a line break and a
/// backslash followed by `n` never read alike; at most [`SHOWN_MAX`] characters, then `…`.
pub(super) fn shown(s: &str) -> String {
    visible(s, Some(SHOWN_MAX))
}

/// A name for the scenario (a signal's panel title): the engine's, on one line, whole.
pub(super) fn one_line(s: &str) -> String {
    visible(s, None)
}

/// A line of the output built from text already shown with [`shown`] or [`one_line`]:
/// whatever is still unsafe is escaped, and the escapes already there are left as they
/// are (a backslash is not doubled again), so this can be applied to any line, any
/// number of times, as the last guard before it is written.
pub(super) fn safe_line(s: &str) -> String {
    escape(s, None, false)
}

fn visible(s: &str, max: Option<usize>) -> String {
    escape(s, max, true)
}

fn escape(s: &str, max: Option<usize>, double_backslash: bool) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if Some(n) == max {
            out.push('…');
            break;
        }
        match c {
            // a backslash of the text is doubled, so `\n` always means a line break of the
            // text and `\\n` a backslash followed by n
            '\\' if double_backslash => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:04X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::yaml::{parse_yaml, Value};

    fn read_back(scalar: &str) -> String {
        let none = |_: &str| None;
        let parsed = parse_yaml(&format!("k: {scalar}\n"), &none);
        assert!(
            parsed.problems.is_empty(),
            "{scalar}: {:?}",
            parsed.problems
        );
        let Some(root) = parsed.root else {
            panic!("no root")
        };
        let Value::Map(entries) = root.value else {
            panic!("not a map")
        };
        entries[0].1.as_text().unwrap().to_string()
    }

    #[test]
    fn a_quoted_scalar_reads_back_as_exactly_the_same_text() {
        for s in [
            "plain",
            "a\nb: c\n- d",
            "x\"y\\z",
            "#not a comment",
            "line\u{2028}sep\u{2029}para\u{0085}nel",
            "\u{0000}\u{0007}\u{001B}]52;c;aGk=\u{0007}\u{007F}\u{009B}",
            "\u{FEFF}bom \u{202E}evil\u{202C} \u{200B}",
            "tab\there\rcr",
            "unicode é ü 日本 🦀",
            "${HOME} $${X} $ {",
            "'single' & *alias &anchor !tag %pct @at `tick` | > { } [ ]",
            "",
        ] {
            let q = quoted(s);
            assert!(!q.contains('\n') && !q.contains('\r'), "{q}");
            assert!(!q.chars().any(needs_escape), "{q}");
            // gameday's reader expands `$${` back to `${`
            assert_eq!(read_back(&q), s, "{q}");
        }
    }

    #[test]
    fn shown_text_stays_on_one_line_and_is_bounded() {
        let s = shown("a\nb\u{2028}c\u{0085}d\u{1B}[2J");
        assert_eq!(s, "a\\nb\\u{2028}c\\u{0085}d\\u{001B}[2J");
        // a line break and a backslash followed by n are told apart
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown("a\\nb"), "a\\\\nb");
        assert_ne!(shown("a\nb"), shown("a\\nb"));
        assert_eq!(shown(&"x".repeat(500)).chars().count(), SHOWN_MAX + 1);
        assert_eq!(one_line("a\nb"), "a\\nb");
        // the last guard leaves escapes alone and still breaks no line
        let once = shown("a\\b\nc");
        assert_eq!(safe_line(&once), once);
        assert_eq!(safe_line("x\ny"), "x\\ny");
    }
}
