//! What an action item says about its follow-up: an owner (`@name`) and a due date
//! (`due:YYYY-MM-DD`), written in the item's text.
//!
//! The journal keeps the text exactly as it was typed and nothing parsed from it: the
//! owner and the due date are read from the text by this one function, at entry (where a
//! malformed date is refused, so the person can fix it while they still remember what
//! they meant) and in the report and `actions.json`. One source of truth means a journal
//! written before owners and due dates existed reads the same way as a new one, and
//! `gameday report` reproduces `actions.json` from the journal alone.

use chrono::NaiveDate;

/// What the form of a due date is, for messages.
pub const DUE_FORM: &str = "due:YYYY-MM-DD (for example due:2026-12-05)";

/// Longest owner name: a user name or a team handle, not a sentence.
const MAX_OWNER: usize = 64;

/// An action item's text, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The item without the owner and due-date tags at its start and end (the ones in the
    /// middle of a sentence are part of it and stay); the whole text when that would
    /// leave nothing.
    pub title: String,
    /// The first `@name`, without the `@`.
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
}

/// Why a due date was not understood: the message names the word as typed and the form
/// expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DueError(String);

/// Reads the owner and due date out of an action item's text. `Err` only for a `due:`
/// word that is not a date, or for two of them: an `@` that is not followed by a name
/// is just text.
pub fn parse(text: &str) -> Result<FollowUp, DueError> {
    read(text, true)
}

/// [`parse`] for a text already journaled (by an older gameday, or edited by hand): a
/// `due:` word that is not a date is left in the title as text, never an error, so the
/// item is still listed.
pub fn parse_lenient(text: &str) -> FollowUp {
    // not strict: nothing to refuse
    read(text, false).unwrap_or_else(|_| FollowUp {
        title: text.split_whitespace().collect::<Vec<_>>().join(" "),
        owner: None,
        due: None,
    })
}

fn read(text: &str, strict: bool) -> Result<FollowUp, DueError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut owner: Option<String> = None;
    let mut due: Option<(NaiveDate, &str)> = None;
    let mut tags = vec![false; words.len()];
    for (i, word) in words.iter().enumerate() {
        if let Some(name) = owner_of(word) {
            tags[i] = true;
            owner.get_or_insert(name);
        } else if let Some(value) = due_value(word) {
            let date = match due_date(word, value) {
                Ok(d) => d,
                Err(e) if strict => return Err(e),
                Err(_) => continue,
            };
            tags[i] = true;
            if let Some((_, first)) = due {
                if !strict {
                    continue;
                }
                return Err(DueError(format!(
                    "two due dates ({} and {}): an action item has one; expected {DUE_FORM}",
                    crate::text::visible(first),
                    crate::text::visible(word)
                )));
            }
            due = Some((date, word));
        }
    }
    let start = tags.iter().position(|t| !t).unwrap_or(words.len());
    let end = tags.iter().rposition(|t| !t).map_or(start, |e| e + 1);
    let title = if start < end {
        words[start..end].join(" ")
    } else {
        words.join(" ")
    };
    Ok(FollowUp {
        title,
        owner,
        due: due.map(|(d, _)| d),
    })
}

/// Punctuation that may follow a tag at the end of a clause ("@alice, due:2026-12-05.").
fn trim_punctuation(word: &str) -> &str {
    word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')'])
}

/// `@name` → `name`: letters, digits, `.`, `_` and `-` (what user names and team handles
/// are made of, and nothing markdown or a tracker would read as anything else).
fn owner_of(word: &str) -> Option<String> {
    let name = trim_punctuation(word.strip_prefix('@')?);
    let ok = !name.is_empty()
        && name.len() <= MAX_OWNER
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    ok.then(|| name.to_string())
}

/// What follows `due:` (any case), when `word` is a due-date tag.
fn due_value(word: &str) -> Option<&str> {
    let prefix = word.get(..4)?;
    prefix
        .eq_ignore_ascii_case("due:")
        .then(|| trim_punctuation(&word[4..]))
}

fn due_date(word: &str, value: &str) -> Result<NaiveDate, DueError> {
    let shown = crate::text::visible(word);
    if value.is_empty() {
        return Err(DueError(format!(
            "`{shown}` has no date after it; expected {DUE_FORM}"
        )));
    }
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(DueError(format!(
            "`{shown}` is not a date in the form {DUE_FORM}"
        )));
    }
    let num = |r: std::ops::Range<usize>| value[r].parse::<u32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)).ok_or_else(|| {
        DueError(format!(
            "`{shown}` is not a day of the calendar; expected {DUE_FORM}"
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> Option<NaiveDate> {
        Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn owner_and_due_date_at_the_end_are_tags_and_leave_the_title() {
        let f = parse("fix retries @alice due:2026-12-05").unwrap();
        assert_eq!(f.title, "fix retries");
        assert_eq!(f.owner.as_deref(), Some("alice"));
        assert_eq!(f.due, day("2026-12-05"));
        // in any order, at either end, with the punctuation of a sentence around them
        let f = parse("due:2026-12-05, @bob.smith: page the DBA earlier.").unwrap();
        assert_eq!(f.title, "page the DBA earlier.");
        assert_eq!(f.owner.as_deref(), Some("bob.smith"));
        assert_eq!(f.due, day("2026-12-05"));
        let f = parse("Fix the alert @sre-team DUE:2027-01-31.").unwrap();
        assert_eq!(
            (f.title.as_str(), f.owner.as_deref()),
            ("Fix the alert", Some("sre-team"))
        );
        assert_eq!(f.due, day("2027-01-31"));
    }

    #[test]
    fn a_name_inside_the_sentence_stays_in_it_and_the_first_is_the_owner() {
        let f = parse("ask @carol about the pool size @dave").unwrap();
        assert_eq!(f.title, "ask @carol about the pool size");
        assert_eq!(f.owner.as_deref(), Some("carol"));
        assert_eq!(f.due, None);
    }

    #[test]
    fn text_without_tags_is_unchanged_and_a_lone_at_or_email_is_not_an_owner() {
        let f = parse("  meet @ 5pm,   mail ops@example.com ").unwrap();
        assert_eq!(f.title, "meet @ 5pm, mail ops@example.com");
        assert_eq!((f.owner, f.due), (None, None));
        assert_eq!(parse("@-x @ @!").unwrap().owner, None);
        assert_eq!(
            parse(&format!("@{}", "a".repeat(65))).unwrap().owner,
            None,
            "a name is not a paragraph"
        );
    }

    #[test]
    fn only_tags_keep_the_whole_text_as_title() {
        let f = parse("@alice due:2026-12-05").unwrap();
        assert_eq!(f.title, "@alice due:2026-12-05");
        assert_eq!(f.owner.as_deref(), Some("alice"));
    }

    #[test]
    fn a_journaled_item_with_a_bad_date_is_still_read() {
        let f = parse_lenient("fix retries @alice due:2026-13-05");
        assert_eq!(f.title, "fix retries @alice due:2026-13-05");
        assert_eq!((f.owner.as_deref(), f.due), (Some("alice"), None));
        let f = parse_lenient("fix due:2026-12-05 due:2026-12-06");
        assert_eq!(f.due, day("2026-12-05"));
        assert_eq!(parse_lenient("fix @bob").owner.as_deref(), Some("bob"));
    }

    #[test]
    fn a_malformed_due_date_is_refused_with_the_form_expected() {
        for (text, says) in [
            (
                "fix due:2026-13-05",
                "`due:2026-13-05` is not a day of the calendar",
            ),
            (
                "fix due:2026-02-30",
                "`due:2026-02-30` is not a day of the calendar",
            ),
            (
                "fix due:5/12/2026",
                "`due:5/12/2026` is not a date in the form",
            ),
            (
                "fix due:2026-1-5",
                "`due:2026-1-5` is not a date in the form",
            ),
            (
                "fix due:tomorrow",
                "`due:tomorrow` is not a date in the form",
            ),
            ("fix due:", "`due:` has no date after it"),
            (
                "fix due:2026-12-05 due:2026-12-06",
                "two due dates (due:2026-12-05 and due:2026-12-06)",
            ),
            ("fix due:\u{1b}[2J", "`due:\\e[2J` is not a date"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with(says), "{text}: {e}");
            assert!(
                e.ends_with("due:YYYY-MM-DD (for example due:2026-12-05)"),
                "{e}"
            );
        }
        // a leap day is a day
        assert_eq!(parse("x due:2028-02-29").unwrap().due, day("2028-02-29"));
        // "due" without the colon is a word
        assert_eq!(parse("due tomorrow").unwrap().due, None);
    }
}
