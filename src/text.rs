//! Text that came from elsewhere (server bodies, command output, names, notes, joiners),
//! made safe to show: one sanitizer for every writer (standard output and error, the
//! report, the plan, `join`).
//!
//! A terminal obeys escape sequences: an error body holding `ESC ] 52 ; …` writes the
//! reader's clipboard, `ESC [ 2 J` clears the screen, a bare `\r` overwrites the line
//! before it, and a newline in a signal name forges a line of headless output. So every
//! control character is shown as a visible escape (`\e]52;…`, `\r`, `\x07`), never
//! emitted; so are the Unicode bidirectional overrides, which reorder what a reader sees.
//! Backslashes are left alone: the escapes are for a person to read, not to round-trip.

use std::borrow::Cow;

/// Whether `c` must never reach a terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The Unicode bidirectional formatting characters (marks, embeddings, overrides,
/// isolates): invisible, and able to make `rm -rf /tmp/x` read as something else.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\0' => out.push_str("\\0"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

fn escape_where(text: &str, unsafe_here: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_here(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` on one line, every control character visible: for anything printed as one
/// line (a headless event, a name, a message inside a sentence).
pub fn visible(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe)
}

/// `text` with its line breaks kept and every other control character visible: for
/// multi-line output whose lines are ours (a report, a message listing problems).
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && is_unsafe(c))
}

/// Markdown inline code holding `text` exactly: the fence is one backtick longer than the
/// longest run of backticks inside, and padded with a space when the text starts or ends
/// with a backtick (CommonMark strips one space on each side), so nothing inside can close
/// it early and turn the rest into live markdown. Text of several lines (a query) is put
/// on one line first, a line break and its indentation made one space; other runs of
/// spaces are kept, as a code span shows them: a name must read as the one typed.
pub fn code_span(text: &str) -> String {
    let text = one_line_keeping_spaces(text);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if text.is_empty() {
        // an empty code span is not one; a lone space inside reads as nothing
        return format!("{fence} {fence}");
    }
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// `text` on one line for markdown: its control characters shown as escapes first (a
/// line break in a reason reads `\n`, as on every other writer, rather than vanishing into
/// a space), then runs of spaces made one, which markdown would do anyway. For one-line
/// text from elsewhere (an abort's reason, a name), where a line break is itself news;
/// multi-line text of the scenario's own (a hypothesis) is joined with spaces instead.
pub fn one_visible_line(text: &str) -> String {
    visible(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` on one line: a line break or a tab, with the spaces around it, is one space;
/// runs of spaces elsewhere are kept (see [`markdown_spaces`]).
fn one_line_keeping_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() && c != ' ' {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push(' ');
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
        } else {
            out.push(c);
        }
    }
    out
}

/// A run of spaces in text from elsewhere, kept in markdown: a renderer shows a run as one
/// space, so every space after the first of a run is written `&nbsp;`. What was typed is
/// evidence: an abort's reason or a note reads as it was written, and a milestone
/// `db  down` refused as not in the scenario does not read as the scenario's `db down`.
/// Line breaks and tabs are left to the caller (shown as `\n`, or made one space).
pub fn markdown_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_space = false;
    for c in text.chars() {
        if c == ' ' && after_space {
            out.push_str("&nbsp;");
        } else {
            out.push(c);
        }
        after_space = c == ' ';
    }
    out
}

/// [`one_visible_line`] with its runs of spaces kept for markdown (see
/// [`markdown_spaces`]): for one-line text from elsewhere in the report.
pub fn visible_line_spaced(text: &str) -> String {
    let line = visible(text);
    markdown_spaces(line.trim())
}

/// Text from elsewhere as markdown that stays text: on one line, and with the characters
/// that open links, images, autolinks, HTML and code spans escaped (`\[`, `\<`, `` \` ``).
/// Emphasis characters and `>` are left alone: at worst they make a word italic (a line
/// of ours always starts before the text, so `>` never opens a quote).
pub fn markdown_plain(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(one_line.len());
    for c in one_line.chars() {
        if matches!(c, '\\' | '`' | '[' | ']' | '<') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A name from elsewhere (a milestone's) as markdown that renders as exactly its
/// characters: on one line, and every character that could format it escaped, emphasis
/// (`*`, `_`, `~`) and code spans included, which [`markdown_plain`] leaves alone.
pub fn markdown_literal(text: &str) -> String {
    let one_line = visible_line_spaced(text);
    let mut out = String::with_capacity(one_line.len() + 8);
    for c in one_line.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '|' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for a markdown line or table cell that may hold both gameday's own code spans
/// (names in backticks) and text from elsewhere (a server's error body, a scenario's
/// names): on one line, with the code spans kept, and outside them nothing that can open a
/// link, an image or HTML: `[`, `]` and `\` are escaped, and so is a `<` that could
/// start a tag or an autolink. A backtick run with no closing run of the same length is
/// escaped too, so it cannot swallow the rest of the line into a code span.
pub fn markdown_inline(text: &str) -> String {
    // a run of spaces is kept, as a code span inside shows it (a name as typed: see
    // `code_span`); outside one, markdown shows it as one space anyway
    let one_line = one_line_keeping_spaces(text);
    let chars: Vec<char> = one_line.chars().collect();
    let mut out = String::with_capacity(one_line.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            // the closing run: exactly `run` backticks, not part of a longer run
            let mut j = i + run;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let r = chars[j..].iter().take_while(|&&c| c == '`').count();
                    if r == run {
                        close = Some(j);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            match close {
                Some(j) => {
                    out.extend(&chars[i..j + run]);
                    i = j + run;
                }
                None => {
                    for _ in 0..run {
                        out.push_str("\\`");
                    }
                    i += run;
                }
            }
            continue;
        }
        if c == '\\' {
            // an escape already made (text through markdown_plain) stays as it is, and so
            // does a backslash before anything else: both show as written
            out.push(c);
            if let Some(&n) = chars.get(i + 1).filter(|n| n.is_ascii_punctuation()) {
                out.push(n);
                i += 1;
            }
            i += 1;
            continue;
        }
        let opens_tag = c == '<'
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'));
        if matches!(c, '[' | ']') || opens_tag {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Text for a markdown table cell: as [`markdown_inline`], and no `|` that would end the
/// cell (escaped, which GitHub's tables honour inside code spans too).
pub fn markdown_cell(text: &str) -> String {
    markdown_inline(text).replace('|', "\\|")
}

/// Where a name holds a character `check` refuses: the 0-based character index and the
/// character. Names are shown on terminals, in headless lines and in the report; a line
/// break or an escape sequence in one would forge or hide output.
pub fn unsafe_in_name(name: &str) -> Option<(usize, char)> {
    name.chars().enumerate().find(|(_, c)| is_unsafe(*c))
}

/// Characters that print as nothing, or as an ordinary space, so two names that differ
/// by one look the same on a screen and in the report: the Unicode format characters
/// (category Cf: zero-width space and joiners, the byte-order mark, the soft hyphen, the
/// bidirectional marks, invisible operators, tags), the spaces other than U+0020
/// (category Zs: no-break, em, ideographic…), the line and paragraph separators (Zl, Zp)
/// and the Hangul fillers.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        // Cf
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}'
        // Zs but the space, Zl, Zp
        | '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}'
        | '\u{3000}' | '\u{2028}' | '\u{2029}'
        // Hangul fillers: letters that draw nothing
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'
    )
}

/// Why a name cannot be told apart from another on a screen: the 0-based character index
/// and the character it holds that prints as nothing or as a plain space, or words for
/// leading or trailing whitespace (`x` and `x ` read alike).
pub fn look_alike_in_name(name: &str) -> Option<String> {
    if let Some((i, c)) = name.chars().enumerate().find(|(_, c)| is_invisible(*c)) {
        return Some(format!("holds {} at character {}", describe_char(c), i + 1));
    }
    if name.starts_with(char::is_whitespace) {
        return Some("starts with a space".into());
    }
    if name.ends_with(char::is_whitespace) {
        return Some("ends with a space".into());
    }
    None
}

/// A character as `check` names it: `U+001B (escape)`.
pub fn describe_char(c: char) -> String {
    let what = match c {
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\t' => "a tab",
        '\u{1b}' => "escape",
        '\0' => "NUL",
        '\u{7f}' => "delete",
        c if is_bidi_control(c) => "a bidirectional override",
        '\u{200B}' => "a zero-width space",
        '\u{FEFF}' => "a zero-width no-break space, or byte-order mark",
        '\u{00AD}' => "a soft hyphen",
        '\u{2028}' | '\u{2029}' => "a line or paragraph separator",
        c if c.is_whitespace() => "a space other than the ordinary one",
        c if is_invisible(c) => "an invisible formatting character",
        _ => "a control character",
    };
    format!("U+{:04X} ({what})", c as u32)
}

/// A writer that passes whole lines on with every control character but the line break
/// made visible: the net under a front that prints lines (`join --headless`).
pub struct Sanitized<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> Sanitized<W> {
    pub fn new(inner: W) -> Self {
        Sanitized {
            inner,
            pending: Vec::new(),
        }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    fn pass_on(&mut self, upto: usize) -> std::io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        self.inner.write_all(visible_lines(&text).as_bytes())
    }
}

impl<W: std::io::Write> std::io::Write for Sanitized<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if let Some(last) = self.pending.iter().rposition(|b| *b == b'\n') {
            self.pass_on(last + 1)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let n = self.pending.len();
        self.pass_on(n)?;
        self.inner.flush()
    }
}

/// The whole chain of an error, for messages that name the real cause: reqwest and kube
/// hide the useful part ("connection refused") in the source chain.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// Base64 (RFC 4648, with padding), for Basic credentials: what Prometheus is sent, and
/// the forms of a password the redactor must recognise. Small enough not to need a crate.
pub mod base64 {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(input: &[u8]) -> String {
        let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// `None` for anything that is not base64 of UTF-8 text.
    pub fn decode(s: &str) -> Option<String> {
        let s = s.trim_end_matches('=');
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in s.bytes() {
            let v = TABLE.iter().position(|b| *b == c)? as u32;
            bits = (bits << 6) | v;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
                bits &= (1 << n) - 1;
            }
        }
        String::from_utf8(out).ok()
    }

    #[cfg(test)]
    #[test]
    fn rfc4648_vectors() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"gameday:s3cret"), "Z2FtZWRheTpzM2NyZXQ=");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        assert_eq!(
            visible("a\u{1b}]52;c;aGVsbG8=\u{7}b"),
            "a\\e]52;c;aGVsbG8=\\ab"
        );
        assert_eq!(visible("\u{1b}[2J\u{9b}31m"), "\\e[2J\\u{9b}31m");
        assert_eq!(visible("x\ny\rz\u{7f}"), "x\\ny\\rz\\x7f");
        assert_eq!(visible("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(visible("plain – ok ✓"), "plain – ok ✓");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(visible_lines("a\nb\u{1b}c\r\n"), "a\nb\\ec\\r\n");
        use std::io::Write;
        let mut w = Sanitized::new(Vec::new());
        write!(w, "one\u{1b}[2J\ntwo").unwrap();
        assert_eq!(w.inner, b"one\\e[2J\n");
        w.flush().unwrap();
        assert_eq!(w.inner, b"one\\e[2J\ntwo");
    }

    #[test]
    fn runs_of_spaces_are_kept_for_markdown_and_line_breaks_shown() {
        assert_eq!(markdown_spaces("a   b c  d"), "a &nbsp;&nbsp;b c &nbsp;d");
        assert_eq!(markdown_spaces("a b"), "a b");
        assert_eq!(visible_line_spaced("  x  y\nz "), "x &nbsp;y\\nz");
        assert_eq!(markdown_literal("db  *down*"), "db &nbsp;\\*down\\*");
    }

    #[test]
    fn code_spans_are_sized_to_their_content() {
        assert_eq!(code_span("rate(x[1m])"), "`rate(x[1m])`");
        assert_eq!(code_span("echo `date`"), "`` echo `date` ``");
        assert_eq!(code_span("a``b"), "``` a``b ```");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_span("x\n  y"), "`x y`");
        // one line keeps its runs of spaces: a name reads as it was typed
        assert_eq!(code_span("  db  down "), "`db  down`");
        assert_eq!(code_span(""), "` `");
        // what closes a shorter fence stays inside this one
        let hostile = "``[click](http://evil)``";
        let span = code_span(hostile);
        assert!(span.starts_with("``` ") && span.ends_with(" ```"), "{span}");
    }

    #[test]
    fn markdown_plain_cannot_open_links_or_html() {
        assert_eq!(
            markdown_plain("see [here](http://x) <img src=y> `z`"),
            "see \\[here\\](http://x) \\<img src=y> \\`z\\`"
        );
        assert_eq!(markdown_plain("a\n b"), "a b");
    }

    #[test]
    fn markdown_inline_keeps_code_spans_and_closes_everything_else() {
        assert_eq!(
            markdown_inline("`br[ea]k` failed: <img src=x> [click](http://e) < 100 a\\b"),
            "`br[ea]k` failed: \\<img src=x> \\[click\\](http://e) < 100 a\\b"
        );
        // what markdown_plain escaped is not escaped twice
        let plain = markdown_plain("`x` [y](z) <b>");
        assert_eq!(markdown_inline(&plain), plain);
        // an escaped backslash does not free the bracket after it
        assert_eq!(markdown_inline("\\\\[a](b)"), "\\\\\\[a\\](b)");
        // a lone backtick cannot open a span that swallows what follows
        assert_eq!(markdown_inline("x ` [y](z)"), "x \\` \\[y\\](z)");
        assert_eq!(markdown_inline("``a`b``"), "``a`b``");
        assert_eq!(markdown_inline("a\n  b"), "a b");
        assert_eq!(markdown_inline("`a  b`  c \t d"), "`a  b`  c d");
    }

    #[test]
    fn names_with_controls_are_found() {
        assert_eq!(unsafe_in_name("p99\nforged"), Some((3, '\n')));
        assert_eq!(unsafe_in_name("p99 – ok"), None);
        assert_eq!(describe_char('\u{1b}'), "U+001B (escape)");
    }

    #[test]
    fn names_that_look_like_others_are_found() {
        assert_eq!(
            look_alike_in_name("db\u{200b} down").as_deref(),
            Some("holds U+200B (a zero-width space) at character 3")
        );
        assert_eq!(
            look_alike_in_name("\u{feff}x").as_deref(),
            Some("holds U+FEFF (a zero-width no-break space, or byte-order mark) at character 1")
        );
        assert_eq!(
            look_alike_in_name("a\u{a0}b").as_deref(),
            Some("holds U+00A0 (a space other than the ordinary one) at character 2")
        );
        assert_eq!(
            look_alike_in_name("x\u{2060}").as_deref(),
            Some("holds U+2060 (an invisible formatting character) at character 2")
        );
        assert_eq!(
            look_alike_in_name("x ").as_deref(),
            Some("ends with a space")
        );
        assert_eq!(
            look_alike_in_name("\tx").as_deref(),
            Some("starts with a space")
        );
        assert_eq!(look_alike_in_name("p99 – read ✓ é"), None);
    }
}
