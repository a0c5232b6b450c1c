//! The report's "Notifications" section: the `notify:` messages to the team that were not
//! delivered. A warning, beside the evidence: the verdict and the exit code never depend
//! on them, and a run without `notify:` (or whose every message arrived) has no section.

use super::*;

pub(super) fn notifications(run: &Run, out: &mut String) {
    let failed: Vec<(Ts, String)> = run
        .records
        .iter()
        .filter_map(|r| Some((r.ts, words(run, r)?)))
        .collect();
    if failed.is_empty() {
        return;
    }
    line(out, "## Notifications");
    line(out, "");
    line(
        out,
        "Not every notification to the team was delivered; the verdict and the exit code \
         do not depend on them:",
    );
    line(out, "");
    for (ts, words) in failed {
        line(out, format!("- {}: {words}", run.t_label(ts)));
    }
    line(out, "");
}

/// `notification verdict to notify[0] (slack, $VAR) NOT delivered after 3 attempts: …`,
/// for a `notify_failed` record, in the timeline's words; the server's words in it stay
/// text.
pub(super) fn words(run: &Run, r: &Record) -> Option<String> {
    if !matches!(r.event, Event::NotifyFailed { .. }) {
        return None;
    }
    Some(crate::wording::said(r, Some(run.info), None).markdown_line())
}
