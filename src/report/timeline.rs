//! The report's timeline: one row per journal event a reader needs, in T+mm:ss.

use super::*;

// --- timeline ----------------------------------------------------------------------------

pub(super) struct Entry {
    ts: Ts,
    who: String,
    what: String,
}

pub(super) fn timeline(run: &Run, out: &mut String) {
    line(out, "## Timeline");
    line(out, "");
    line(out, "| T | who | what |");
    line(out, "|---|---|---|");
    let markers = signal_markers(run);
    let mut next_marker = 0;
    let mut room: Vec<&Record> = Vec::new();
    for r in run.records {
        // signal markers sit at their sample's timestamp, in journal order
        while next_marker < markers.len() && markers[next_marker].ts <= r.ts {
            room_rows(run, &mut room, out);
            line(out, entry_row(run, &markers[next_marker]));
            next_marker += 1;
        }
        if matches!(
            r.event,
            Event::OperatorJoined { .. } | Event::OperatorLeft { .. }
        ) {
            room.push(r);
            continue;
        }
        if let Some(e) = record_entry(run, r) {
            room_rows(run, &mut room, out);
            line(out, entry_row(run, &e));
        }
    }
    room_rows(run, &mut room, out);
    for m in &markers[next_marker..] {
        line(out, entry_row(run, m));
    }
    line(out, "");
}

/// Joins and leaves in a row with nothing else between them, each on its own row
/// when there are a few; one row per person when there are more (a connect/disconnect
/// loop must not bury the timeline under thousands of rows).
pub(super) fn room_rows(run: &Run, room: &mut Vec<&Record>, out: &mut String) {
    const ONE_ROW_EACH: usize = 6;
    if room.len() <= ONE_ROW_EACH {
        for r in room.drain(..) {
            if let Some(e) = record_entry(run, r) {
                line(out, entry_row(run, &e));
            }
        }
        return;
    }
    // per person, in order of first appearance: (name, first, last, joins, leaves)
    let mut people: Vec<(&str, Ts, Ts, usize, usize)> = Vec::new();
    for r in room.drain(..) {
        let (name, joined) = match &r.event {
            Event::OperatorJoined { name } => (name.as_str(), true),
            Event::OperatorLeft { name, .. } => (name.as_str(), false),
            _ => continue,
        };
        match people.iter_mut().find(|p| p.0 == name) {
            Some(p) => {
                p.2 = r.ts;
                if joined {
                    p.3 += 1;
                } else {
                    p.4 += 1;
                }
            }
            None => people.push((name, r.ts, r.ts, usize::from(joined), usize::from(!joined))),
        }
    }
    for (name, first, last, joins, leaves) in people {
        let times = |n: usize| {
            if n == 1 {
                "once".to_string()
            } else {
                format!("{n} times")
            }
        };
        let e = Entry {
            ts: first,
            who: name.to_string(),
            what: format!(
                "joined the room {} and left it {}, from {} to {}",
                times(joins),
                times(leaves),
                format_offset(run.offset_ms(first)),
                format_offset(run.offset_ms(last))
            ),
        };
        line(out, entry_row(run, &e));
    }
}

pub(super) fn entry_row(run: &Run, e: &Entry) -> String {
    format!(
        "| {} | {} | {} |",
        format_offset(run.offset_ms(e.ts)),
        cell(&e.who),
        cell(&e.what)
    )
}

pub(super) fn nobody() -> String {
    "—".to_string()
}

pub(super) fn record_entry(run: &Run, r: &Record) -> Option<Entry> {
    let entry = |who: &str, what: String| {
        Some(Entry {
            ts: r.ts,
            who: who.to_string(),
            what,
        })
    };
    match &r.event {
        Event::RunStarted(info) => entry(&info.operator, format!("run started ({})", info.mode)),
        Event::Phase { phase } => phase_words(run, *phase).and_then(|w| entry("—", w)),
        Event::Sample { .. } | Event::Probe { .. } => None,
        Event::Pods { changes, .. } => {
            let what: Vec<String> = changes
                .iter()
                .map(|c| match c.change.as_str() {
                    "deleted" => format!("{} deleted", c.pod),
                    "added" => format!("{} new, {} {}", c.pod, c.ready, c.status),
                    "restarted" => format!("{} restarted, {} {}", c.pod, c.ready, c.status),
                    _ => format!("{} {} {}", c.pod, c.ready, c.status),
                })
                .collect();
            entry("—", plain(&what.join("; ")))
        }
        Event::Armed { fault, by, .. } => entry(by, format!("armed {}", code(fault))),
        Event::FaultProgress { fault, detail } => {
            entry("—", format!("{}: {}", code(fault), plain(detail)))
        }
        Event::ClusterWarning {
            namespace,
            object,
            reason,
            message,
        } => entry(
            "—",
            format!(
                "warning {} on {} in {}: {}",
                plain(reason),
                plain(object),
                plain(namespace),
                plain(message)
            ),
        ),
        Event::ArmRefused { fault, by, reason } => entry(
            by,
            format!("could not arm {}: {}", code(fault), plain(reason)),
        ),
        Event::Disarmed { fault, by } => entry(by, format!("disarmed {}", code(fault))),
        Event::Override { by, failing } => entry(
            by,
            format!(
                "triggered despite a failing steady state: {}",
                plain(&failing.join("; "))
            ),
        ),
        Event::FaultInjecting { fault, by, .. } => entry(by, format!("triggered {}", code(fault))),
        Event::FaultInjected {
            fault,
            ok: true,
            targets,
            detail,
            ..
        } => {
            let mut what = format!("injected {}", code(fault));
            if !targets.is_empty() {
                what.push_str(&format!(": {}", plain(&targets.join(", "))));
            }
            entry("—", with_detail(&what, detail))
        }
        Event::FaultInjected {
            fault,
            ok: false,
            detail,
            ..
        } => entry(
            "—",
            format!(
                "injection of {} FAILED: {}",
                code(fault),
                or_unknown(detail)
            ),
        ),
        Event::FaultReverting {
            fault,
            reason,
            attempt,
            ..
        } => {
            let attempt = if *attempt > 1 {
                format!(", attempt {attempt}")
            } else {
                String::new()
            };
            entry(
                "—",
                format!("reverting {} ({}{attempt})", code(fault), reason.as_str()),
            )
        }
        Event::FaultReverted {
            fault,
            ok,
            attempt,
            detail,
            will_retry,
        } => entry(
            "—",
            reverted_words(fault, *ok, *attempt, detail, *will_retry),
        ),
        Event::GuardrailTripped {
            signal,
            criterion,
            value,
        } => {
            let v = run
                .signal_info(signal)
                .map(|i| format_value(*value, i.unit))
                .unwrap_or_else(|| value.to_string());
            entry(
                "—",
                format!("guardrail tripped: {signal} {v} ({criterion})"),
            )
        }
        Event::Abort { by, source, detail } => entry(
            by,
            with_detail(&format!("kill switch pulled ({})", source.as_str()), detail),
        ),
        Event::Note { author, kind, text } => {
            let kind = match kind {
                NoteKind::Note => "note",
                NoteKind::Action => "action",
            };
            entry(author, format!("{kind}: {}", plain(text)))
        }
        Event::Milestone { name, author } => {
            entry(author, super::milestones::timeline_words(run, r, name))
        }
        Event::Alert {
            name,
            state,
            active_at,
            error,
        } => {
            let mut what = format!("alert {} {}", plain(name), plain(state));
            if let Some(t) = active_at {
                what.push_str(&format!(" (active since {})", date_hms(*t)));
            }
            if let Some(e) = error {
                what.push_str(&format!(": the alerts API could not be read: {}", plain(e)));
            }
            entry("—", what)
        }
        Event::Verdict { verdict, .. } => entry("—", format!("verdict {}", verdict.word())),
        Event::RunEnded { exit_code } => entry("—", format!("run ended (exit code {exit_code})")),
        Event::OperatorJoined { name } => entry(name, "joined the room".to_string()),
        Event::OperatorLeft { name, detail } => entry(name, with_detail("left the room", detail)),
        Event::Screen { .. } => None,
        Event::Warning { source, message } => {
            entry("—", format!("warning ({source}): {}", plain(message)))
        }
        Event::NotifyFailed { .. } => entry("—", super::notifications::words(&r.event)?),
        Event::Preflight { checks } => {
            entry("—", plain(&crate::journal::preflight_summary(checks)))
        }
    }
}

pub(super) fn phase_words(run: &Run, phase: Phase) -> Option<String> {
    match phase {
        Phase::Baseline => Some(format!("baseline ({})", format_duration(run.info.baseline))),
        Phase::Ready => Some("ready to arm".to_string()),
        Phase::Recovery => Some(format!(
            "recovery window ({})",
            format_duration(run.info.recovery)
        )),
        Phase::Done => Some("done".to_string()),
        Phase::Armed | Phase::Injecting | Phase::Active | Phase::Reverting => None,
    }
}

pub(super) fn reverted_words(
    fault: &str,
    ok: bool,
    attempt: u32,
    detail: &str,
    will_retry: bool,
) -> String {
    let attempt_words = if attempt > 1 {
        format!(" (attempt {attempt})")
    } else {
        String::new()
    };
    if ok {
        return with_detail(&format!("reverted {}{attempt_words}", code(fault)), detail);
    }
    let next = if will_retry {
        "will retry"
    } else {
        "no retry left"
    };
    format!(
        "revert of {} FAILED (attempt {attempt}): {}; {next}",
        code(fault),
        or_unknown(detail)
    )
}

/// Each signal's first violation of its `expect` in the window, and its return.
pub(super) fn signal_markers(run: &Run) -> Vec<Entry> {
    let mut markers: Vec<Entry> = run
        .signals
        .iter()
        .flat_map(|s| markers_for(run, s))
        .collect();
    markers.sort_by_key(|m| m.ts);
    markers
}

pub(super) fn markers_for(run: &Run, s: &SignalView) -> Vec<Entry> {
    let (Some(expect), Some(first)) = (&s.info.expect, s.outcome.violations.first()) else {
        return vec![];
    };
    let mut out = Vec::new();
    if let Some(v) = s
        .points
        .iter()
        .find(|p| p.ts == first.start)
        .and_then(|p| p.value)
    {
        let op = violation_op(v, expect.value);
        out.push(Entry {
            ts: first.start,
            who: nobody(),
            what: format!(
                "{} {} {} {}",
                s.info.name,
                format_value_against(v, expect.value, s.info.unit),
                op.symbol(),
                format_value(expect.value, s.info.unit)
            ),
        });
    }
    if let Some(ts) = return_within_expect(run, s, first) {
        out.push(Entry {
            ts,
            who: nobody(),
            what: format!(
                "{} back within {} for {RETURN_STREAK} samples",
                s.info.name,
                expect.display(s.info.unit)
            ),
        });
    }
    out
}

/// How a violating value stands against the threshold: "412 ms > 300 ms".
pub(super) fn violation_op(value: f64, threshold: f64) -> Op {
    if value > threshold {
        Op::Gt
    } else if value < threshold {
        Op::Lt
    } else {
        Op::Eq
    }
}

/// The first of `RETURN_STREAK` samples in a row within `expect` after the first
/// violation began; missing data breaks the streak, as it does for time to recover.
pub(super) fn return_within_expect(run: &Run, s: &SignalView, first: &Span) -> Option<Ts> {
    let expect = s.info.expect.as_ref()?;
    let end = run.window.as_ref()?.end;
    let mut streak: Option<Ts> = None;
    let mut count = 0;
    for p in s
        .points
        .iter()
        .filter(|p| p.ts > first.start && p.ts <= end)
    {
        match p.present() {
            Some(v) if expect.holds(v) => {
                let start = *streak.get_or_insert(p.ts);
                count += 1;
                if count == RETURN_STREAK {
                    return Some(start);
                }
            }
            _ => {
                streak = None;
                count = 0;
            }
        }
    }
    None
}
