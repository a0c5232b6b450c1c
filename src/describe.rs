//! One human sentence per journal record: headless output and the TUI timeline.

use crate::journal::{Event, NoteKind, Record, RunInfo};
use crate::units::{format_duration_short, format_value};

/// The sentence is one line with every control character visible: names, details and
/// notes come from servers, commands and other people, and a newline or an escape
/// sequence in them must not forge or hide a line of output.
pub fn describe(rec: &Record, info: Option<&RunInfo>) -> String {
    let s = sentence(rec, info);
    match crate::text::visible(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(v) => v,
    }
}

fn sentence(rec: &Record, info: Option<&RunInfo>) -> String {
    match &rec.event {
        Event::RunStarted(r) => format!(
            "run started: {} by {} on {} (gameday {}), run directory {}",
            r.scenario, r.operator, r.host, r.version, r.run_dir
        ),
        Event::Phase { phase } => format!("phase {}", phase.word()),
        Event::Sample {
            signal,
            value,
            error,
            at,
            detail,
        } => {
            let when = match at {
                Some(t) if *t < rec.ts - chrono::Duration::seconds(60) => {
                    format!(" (back-filled, at {})", t.format("%H:%M:%S"))
                }
                Some(t) => format!(" (taken at {})", t.format("%H:%M:%S%.3f")),
                None => String::new(),
            };
            let when = match detail {
                Some(d) => format!("{when}: {d}"),
                None => when,
            };
            let unit = info
                .and_then(|i| i.signals.iter().find(|s| &s.name == signal))
                .map(|s| s.unit)
                .unwrap_or_default();
            match (value, error) {
                (Some(v), _) => format!("{signal} = {}{when}", format_value(*v, unit)),
                (None, Some(e)) => format!("{signal}: no data ({e}){when}"),
                (None, None) => format!("{signal}: no data{when}"),
            }
        }
        Event::Probe {
            signal,
            at,
            latency,
            error,
            waited_ms,
        } => match (latency, error) {
            (None, None) if waited_ms.is_some() => format!(
                "{signal}: probe sent at {} unfinished when the run ended, after {}",
                at.format("%H:%M:%S%.3f"),
                crate::units::format_duration(std::time::Duration::from_millis(
                    waited_ms.unwrap_or_default()
                ))
            ),
            (Some(l), _) => format!(
                "{signal}: probe sent at {} answered in {}",
                at.format("%H:%M:%S%.3f"),
                format_value(*l, crate::units::Unit::Seconds)
            ),
            (None, e) => format!(
                "{signal}: probe sent at {} failed: {}",
                at.format("%H:%M:%S%.3f"),
                e.as_deref().unwrap_or("no answer")
            ),
        },
        Event::Pods { selector, changes } => {
            let what: Vec<String> = changes
                .iter()
                .map(|c| format!("{} {} ({} {})", c.pod, c.change, c.ready, c.status))
                .collect();
            format!("pods {selector}: {}", what.join("; "))
        }
        Event::Armed { fault, by, .. } => format!("armed `{fault}` ({by})"),
        Event::FaultProgress { fault, detail } => format!("`{fault}`: {detail}"),
        Event::ClusterWarning {
            namespace,
            object,
            reason,
            message,
        } => {
            format!("warning {reason} {object} ({namespace}): {message}")
        }
        Event::ArmRefused { fault, by, reason } => format!("cannot arm `{fault}` ({by}): {reason}"),
        Event::Disarmed { fault, by } => format!("disarmed `{fault}` ({by})"),
        Event::Override { by, failing } => {
            format!(
                "steady state overridden by {by} while failing: {}",
                failing.join("; ")
            )
        }
        Event::FaultInjecting { fault, by, action } => {
            format!("triggered `{fault}` ({by}): {action}")
        }
        Event::FaultInjected {
            fault,
            ok: true,
            targets,
            detail,
            ..
        } => {
            let mut s = format!("`{fault}` injected");
            if !targets.is_empty() {
                s.push_str(&format!(": {}", targets.join(", ")));
            }
            if !detail.is_empty() {
                s.push_str(&format!(" ({detail})"));
            }
            if let Some(f) = info.and_then(|i| i.faults.iter().find(|f| &f.name == fault)) {
                s.push_str(&format!(
                    ", active for {}",
                    format_duration_short(f.duration)
                ));
            }
            s
        }
        Event::FaultInjected {
            fault,
            ok: false,
            detail,
            ..
        } => format!("`{fault}` FAILED to inject: {detail}"),
        Event::FaultReverting {
            fault,
            reason,
            attempt,
            ..
        } => {
            if *attempt > 1 {
                format!("reverting `{fault}` (attempt {attempt})")
            } else {
                format!("reverting `{fault}` ({})", reason.as_str())
            }
        }
        Event::FaultReverted {
            fault,
            ok: true,
            detail,
            ..
        } => {
            if detail.is_empty() {
                format!("`{fault}` reverted")
            } else {
                format!("`{fault}` reverted: {detail}")
            }
        }
        Event::FaultReverted {
            fault,
            ok: false,
            attempt,
            detail,
            will_retry,
        } => {
            if *will_retry {
                format!("revert of `{fault}` failed (attempt {attempt}): {detail}; retrying")
            } else {
                format!("REVERT FAILED for `{fault}` after {attempt} attempts: {detail}")
            }
        }
        Event::GuardrailTripped {
            signal,
            criterion,
            value,
        } => {
            let unit = info
                .and_then(|i| i.signals.iter().find(|s| &s.name == signal))
                .map(|s| s.unit)
                .unwrap_or_default();
            format!(
                "guardrail tripped: {signal} {} ({criterion})",
                format_value(*value, unit)
            )
        }
        Event::Abort { by, source, detail } => {
            let mut s = format!("KILL SWITCH pulled by {by} ({})", source.as_str());
            if !detail.is_empty() {
                s.push_str(&format!(": {detail}"));
            }
            s
        }
        Event::Note {
            author,
            kind: NoteKind::Note,
            text,
        } => format!("note ({author}): {text}"),
        Event::Note {
            author,
            kind: NoteKind::Action,
            text,
        } => format!("action item ({author}): {text}"),
        Event::Milestone { name, author } => {
            let mut s = format!("milestone `{name}` marked by {author}");
            if let Some(w) = info
                .and_then(|i| i.milestones.iter().find(|m| &m.name == name))
                .and_then(|m| m.within)
            {
                s.push_str(&format!(" (target {})", format_duration_short(w)));
            }
            s
        }
        Event::Alert {
            name,
            state,
            active_at,
            error,
        } => {
            let mut s = format!("alert {name} {state}");
            if let Some(t) = active_at {
                s.push_str(&format!(" (active since {})", t.format("%H:%M:%S")));
            }
            if let Some(e) = error {
                s.push_str(&format!(": the alerts API could not be read: {e}"));
            }
            s
        }
        Event::Verdict { verdict, reasons } => {
            format!("verdict {}: {}", verdict.word(), reasons.join("; "))
        }
        Event::RunEnded { exit_code } => format!("run ended, exit code {exit_code}"),
        Event::OperatorJoined { name } => format!("{name} joined the room"),
        Event::OperatorLeft { name, detail } if detail.is_empty() => {
            format!("{name} left the room")
        }
        Event::OperatorLeft { name, detail } => format!("{name} left the room ({detail})"),
        Event::Warning { source, message } => format!("warning ({source}): {message}"),
        Event::NotifyFailed {
            target,
            about,
            attempts,
            error,
        } => format!(
            "warning: notification {about} to {target} not delivered{}: {error}",
            attempts_words(*attempts)
        ),
        Event::Preflight { checks } => crate::journal::preflight_summary(checks),
        Event::Screen {
            moment,
            front,
            width,
            height,
            ..
        } => format!(
            "screen at {} kept for the report ({front}, {width}×{height})",
            moment.as_str()
        ),
    }
}

/// ` after 3 attempts`, or nothing when none was made.
fn attempts_words(attempts: u32) -> String {
    match attempts {
        0 => String::new(),
        1 => " after 1 attempt".to_string(),
        n => format!(" after {n} attempts"),
    }
}
