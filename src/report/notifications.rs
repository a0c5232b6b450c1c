//! The report's "Notifications" section: the `notify:` messages to the team that were not
//! delivered. A warning, beside the evidence: the verdict and the exit code never depend
//! on them, and a run without `notify:` (or whose every message arrived) has no section.

use super::*;

pub(super) fn notifications(run: &Run, out: &mut String) {
    let failed: Vec<(Ts, String)> = run
        .records
        .iter()
        .filter_map(|r| Some((r.ts, words(&r.event)?)))
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
/// for a `notify_failed` record; the server's words in it stay text.
pub(super) fn words(event: &Event) -> Option<String> {
    let Event::NotifyFailed {
        target,
        about,
        attempts,
        error,
    } = event
    else {
        return None;
    };
    let attempts = match attempts {
        0 => String::new(),
        1 => " after 1 attempt".to_string(),
        n => format!(" after {n} attempts"),
    };
    Some(format!(
        "notification {} to {} NOT delivered{attempts}: {}",
        plain(about),
        plain(target),
        plain(error)
    ))
}
