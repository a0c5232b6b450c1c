//! The report's "Screens" section: the frames journaled at each trigger and at the abort
//! (see `runner::screens`), each in a fence that its own text cannot close.

use super::*;
use crate::journal::ScreenMoment;

/// The report's "Screens" section; nothing when the journal kept no screen.
pub(super) fn section(run: &Run, records: &[Record], out: &mut String) {
    let screens: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.event, Event::Screen { .. }))
        .collect();
    if screens.is_empty() {
        return;
    }
    out.push_str("## Screens\n\n");
    for r in screens {
        let Event::Screen {
            moment,
            fault,
            front,
            width,
            height,
            text,
        } = &r.event
        else {
            continue;
        };
        let what = match moment {
            ScreenMoment::Trigger if !fault.is_empty() => {
                format!("At the trigger of {}", code(fault))
            }
            ScreenMoment::Trigger => "At a trigger".to_string(),
            ScreenMoment::Abort => "At the abort".to_string(),
        };
        let how = if front == "headless" {
            format!("as the TUI would have shown it, headless run, {width}×{height}")
        } else {
            format!("as the operator saw it, {width}×{height}")
        };
        out.push_str(&format!(
            "{what} ({}, {}), {how}:\n\n",
            r.ts.format("%H:%M:%S"),
            run.t_label(r.ts)
        ));
        let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
        out.push_str(&format!("{fence}text\n{text}\n{fence}\n\n"));
    }
}

/// A fence longer than any run of backticks inside keeps the block closed.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_outlasts_the_backticks_inside() {
        assert_eq!(longest_backtick_run("a ``` b `` c"), 3);
        assert_eq!(longest_backtick_run("none"), 0);
    }
}
