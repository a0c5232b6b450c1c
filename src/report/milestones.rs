//! The report's "Milestones" section: the people's side of the run, from the journal
//! alone. Each milestone of the scenario with who marked it and when, timed from the
//! first trigger, its target met or missed; time to detect and to mitigate beside the
//! system's time to alert and time to recover; and every missed target as a finding.
//! Nothing here touches the verdict: a missed target is a finding, not a refutation.

use std::time::Duration;

use super::{cell, code, format_duration, hms, line, recovery_words, Run, Ts};
use crate::analysis::AlertResult;
use crate::journal::{Event, Record};
use crate::milestones::{counted_marks, journal_problems, time_to, timings, Standing, Timing};
use crate::units::format_duration_against;
use crate::wording::Mark;

/// When the run took its last mark: its verdict, or the last thing the journal knows of.
fn marks_end(run: &Run) -> Ts {
    verdict_ts(run.records).unwrap_or(run.ended)
}

fn verdict_ts(records: &[Record]) -> Option<Ts> {
    records
        .iter()
        .find_map(|r| matches!(r.event, Event::Verdict { .. }).then_some(r.ts))
}

fn first_trigger(run: &Run) -> Option<Ts> {
    run.window.as_ref().map(|w| w.first_trigger)
}

fn target_words(within: Option<Duration>) -> String {
    within.map_or_else(|| "—".to_string(), format_duration)
}

fn result_words(run: &Run, t: &Timing) -> String {
    match t.standing {
        Standing::Marked => "✓ marked (no target)".to_string(),
        Standing::Met => "✓ met".to_string(),
        Standing::Late(over) => format!("✗ missed: {} over", format_duration(over)),
        Standing::NotMarkedInTime => {
            format!("✗ missed: not marked within {}", target_words(t.within))
        }
        Standing::NotMarked => match (t.within, first_trigger(run)) {
            (Some(_), Some(ft)) => format!(
                "not marked; the run ended {} after the first trigger, before the target was up",
                format_duration(super::elapsed(ft, marks_end(run)))
            ),
            _ => "not marked".to_string(),
        },
        Standing::NotTimed => "— not timed: nothing was triggered".to_string(),
    }
}

/// How long after the first trigger, against the target when there is one (never reading
/// as the target when it is over it).
fn after_words(t: &Timing) -> String {
    match (t.after, t.within) {
        (Some(a), Some(w)) => format_duration_against(a, w),
        (Some(a), None) => format_duration(a),
        (None, _) => "—".to_string(),
    }
}

/// The section, when the scenario has milestones.
pub(super) fn section(run: &Run, out: &mut String) {
    let infos = &run.info.milestones;
    if infos.is_empty() {
        return;
    }
    let ft = first_trigger(run);
    let all = timings(infos, run.records, ft, marks_end(run));
    line(out, "## Milestones");
    line(out, "");
    match ft {
        Some(ft) => line(
            out,
            format!(
                "Marked live by the people in the room, timed from the first trigger ({} UTC). \
                 A missed target is a finding: it does not change the verdict.",
                hms(ft)
            ),
        ),
        None => line(
            out,
            "Nothing was triggered, so there was nothing to time: milestones are timed \
             from the first trigger.",
        ),
    }
    line(out, "");
    line(
        out,
        "| milestone | target | marked | by | time from the first trigger | result |",
    );
    line(out, "|---|---|---|---|---|---|");
    for t in &all {
        let (at, by) = match t.mark {
            Some((author, at)) => (run.t_label(at), cell(author)),
            None => ("not marked".to_string(), "—".to_string()),
        };
        line(
            out,
            format!(
                "| {} | {} | {at} | {by} | {} | {} |",
                crate::text::markdown_literal(t.name),
                target_words(t.within),
                after_words(t),
                cell(&result_words(run, t))
            ),
        );
    }
    line(out, "");
    times_to(run, &all, out);
    let missed: Vec<&Timing> = all.iter().filter(|t| t.standing.missed()).collect();
    if !missed.is_empty() {
        line(out, "Findings:");
        line(out, "");
        for t in missed {
            let within = target_words(t.within);
            let what = match (t.standing, t.after) {
                (Standing::Late(over), Some(_)) => format!(
                    "{} was marked {} after the first trigger, {} over its {within} target.",
                    code(t.name),
                    after_words(t),
                    format_duration(over)
                ),
                _ => format!(
                    "{} was not marked within its {within} target.",
                    code(t.name)
                ),
            };
            line(out, format!("- {what}"));
        }
        line(out, "");
    }
}

/// Time to detect and to mitigate (and the other milestones people know by a verb)
/// beside the system's time to alert and time to recover, each with what it is measured
/// from.
fn times_to(run: &Run, all: &[Timing], out: &mut String) {
    let Some(_) = first_trigger(run) else {
        return;
    };
    let mut rows: Vec<(String, String, &str)> = Vec::new();
    for t in all {
        let Some(verb) = time_to(t.name) else {
            continue;
        };
        let mark = match t.standing {
            Standing::Met => " ✓",
            s if s.missed() => " ✗",
            _ => "",
        };
        let value = match t.after {
            Some(_) => after_words(t),
            None => "not marked".to_string(),
        };
        let target = t
            .within
            .map(|w| format!(" (target {})", format_duration(w)))
            .unwrap_or_default();
        rows.push((
            verb.to_string(),
            format!("{value}{mark}{target}"),
            "the first trigger",
        ));
    }
    if !run.alerts.is_empty() {
        let alerts: Vec<String> = run
            .alerts
            .iter()
            .map(|a| {
                let v = match a.result {
                    AlertResult::InTime(d) => format!("{} ✓", format_duration(d)),
                    AlertResult::Late(d) => {
                        format!("{} ✗ late", format_duration_against(d, a.within))
                    }
                    AlertResult::DidNotFire => "did not fire ✗".to_string(),
                    AlertResult::NotJudged => "not judged".to_string(),
                    AlertResult::Unreadable
                    | AlertResult::EndedTooSoon(_)
                    | AlertResult::AlreadyActive => "unknown ?".to_string(),
                };
                format!("{} {v}", code(&a.name))
            })
            .collect();
        rows.push(("alert".to_string(), alerts.join("; "), "the first trigger"));
    }
    let recovered: Vec<String> = run
        .signals
        .iter()
        .filter(|s| s.info.expect.is_some())
        .map(|s| {
            format!(
                "{} {}",
                code(&s.info.name),
                recovery_words(s.outcome.slowest_recovery())
            )
        })
        .collect();
    if !recovered.is_empty() {
        rows.push(("recover".to_string(), recovered.join("; "), "the revert"));
    }
    line(out, "| time to | | measured from |");
    line(out, "|---|---|---|");
    for (what, value, from) in rows {
        line(out, format!("| {what} | {} | {from} |", cell(&value)));
    }
    line(out, "");
}

/// How a mark stands, for the timeline's words ([`crate::wording::Mark`]): which mark
/// counts, and how it stood against its target.
pub(super) fn mark(run: &Run, r: &Record, name: &str) -> Mark {
    let counted = counted_marks(run.records, first_trigger(run), marks_end(run));
    if !counted.iter().any(|(n, _, t)| *n == name && *t == r.ts) {
        return if counted.iter().any(|(n, _, t)| *n == name && *t < r.ts) {
            Mark::Again
        } else {
            Mark::Outside
        };
    }
    let all = timings(
        &run.info.milestones,
        run.records,
        first_trigger(run),
        marks_end(run),
    );
    match all.iter().find(|t| t.name == name) {
        Some(t) => match t.standing {
            Standing::Met => Mark::Met { within: t.within },
            Standing::Late(over) => Mark::Late {
                over,
                within: t.within,
            },
            _ => Mark::Counted,
        },
        None => Mark::Unknown,
    }
}

/// What the recheck says of the marks: each one the engine would have refused.
pub(super) fn disagreement(run: &Run) -> Vec<String> {
    journal_problems(
        &run.info.milestones,
        run.records,
        first_trigger(run),
        verdict_ts(run.records),
    )
}

/// The milestones the run was timed by must be those of the scenario text it kept.
pub(super) fn text_disagreement(
    scenario: &crate::scenario::Scenario,
    info: &crate::journal::RunInfo,
) -> Vec<String> {
    let kept = crate::resolve::milestone_infos(scenario);
    if kept == info.milestones {
        return Vec::new();
    }
    vec!["the milestones and their targets are not the ones the scenario text kept in the journal lists".to_string()]
}
