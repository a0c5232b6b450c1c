//! Action items: the report's checklist, and `actions.json` beside `report.md` for a
//! tracker to import. Both are read from the journal's notes alone (the owner and due
//! date from each item's text, by `followup`), so `gameday report` writes them again
//! byte for byte.

use serde::Serialize;

use super::*;
use crate::followup::{self, FollowUp};

/// The file's name in the run directory.
pub const FILE: &str = "actions.json";

/// One item of `actions.json`: README's "Action items" documents every field, and a
/// tracker's import script depends on them, so they are never renamed.
#[derive(Debug, Serialize)]
struct ActionItem {
    text: String,
    /// the user name, without the `@`
    owner: Option<String>,
    /// `YYYY-MM-DD`
    due: Option<String>,
    author: String,
    /// RFC 3339, UTC, milliseconds
    at: String,
    run_id: String,
    scenario: String,
}

/// The run's action items as `actions.json`: a JSON list (empty when there is none), in
/// the order they were written, ending in a newline. Every string is shown safe for a
/// terminal (`cat actions.json` must not run escape sequences; JSON escapes only the
/// C0 controls).
pub fn actions_json(records: &[Record]) -> Result<String, ReportError> {
    let run = Run::from_records(records)?;
    let safe = |s: &str| crate::text::visible(s).into_owned();
    let items: Vec<ActionItem> = action_notes(&run)
        .map(|(n, f)| ActionItem {
            text: safe(&f.title),
            owner: f.owner.as_deref().map(safe),
            due: f.due.map(|d| d.format("%Y-%m-%d").to_string()),
            author: safe(n.author),
            at: journal::format_ts(n.ts),
            run_id: safe(&run.info.run_id),
            scenario: safe(&run.info.scenario),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&items).map_err(|e| ReportError::Write {
        path: PathBuf::from(FILE),
        source: io::Error::other(e),
    })?;
    text.push('\n');
    Ok(text)
}

/// The action items, each with what its text says about its follow-up.
pub(super) fn action_notes<'r, 'a>(
    run: &'r Run<'a>,
) -> impl Iterator<Item = (&'r Note<'a>, FollowUp)> + 'r {
    run.notes
        .iter()
        .filter(|n| n.kind == NoteKind::Action)
        .map(|n| (n, followup::parse_lenient(n.text)))
}

/// `- [ ] fix retries — owner @alice, due 2026-12-05 (carol)`: the item, who owns it and
/// when it is due when the text says, and who wrote it.
pub(super) fn checklist_line(n: &Note, f: &FollowUp) -> String {
    let mut follow: Vec<String> = Vec::new();
    if let Some(owner) = &f.owner {
        follow.push(format!("owner @{}", one_line(owner)));
    }
    if let Some(due) = f.due {
        follow.push(format!("due {}", due.format("%Y-%m-%d")));
    }
    let follow = if follow.is_empty() {
        String::new()
    } else {
        format!(" — {}", follow.join(", "))
    };
    format!("- [ ] {}{follow} ({})", plain(&f.title), one_line(n.author))
}
