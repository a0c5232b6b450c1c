//! The report's timeline: one row per journal event a reader needs, in T+mm:ss.

use super::*;

// --- timeline ----------------------------------------------------------------------------

/// A row: when, and its two cells already made safe for a table.
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
            who: cell(name),
            what: cell(&format!(
                "joined the room {} and left it {}, from {} to {}",
                times(joins),
                times(leaves),
                format_offset(run.offset_ms(first)),
                format_offset(run.offset_ms(last))
            )),
        };
        line(out, entry_row(run, &e));
    }
}

pub(super) fn entry_row(run: &Run, e: &Entry) -> String {
    format!(
        "| {} | {} | {} |",
        format_offset(run.offset_ms(e.ts)),
        e.who,
        e.what
    )
}

pub(super) fn nobody() -> String {
    "—".to_string()
}

/// The row of a record a reader of the report needs, in the words of
/// [`crate::wording`]; none for samples, probes and screens (the signals and screens
/// sections show them) and for the phases between arming and recovery (the fault's own
/// rows say more).
pub(super) fn record_entry(run: &Run, r: &Record) -> Option<Entry> {
    let mark = match &r.event {
        Event::Sample { .. } | Event::Probe { .. } | Event::Screen { .. } => return None,
        Event::Phase {
            phase: Phase::Armed | Phase::Injecting | Phase::Active | Phase::Reverting,
        } => return None,
        Event::Milestone { name, .. } => Some(super::milestones::mark(run, r, name)),
        _ => None,
    };
    let (who, what) = crate::wording::said(r, Some(run.info), mark).markdown();
    Some(Entry {
        ts: r.ts,
        who,
        what,
    })
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
            what: cell(&format!(
                "{} {} {} {}",
                s.info.name,
                format_value_against(v, expect.value, s.info.unit),
                op.symbol(),
                format_value(expect.value, s.info.unit)
            )),
        });
    }
    if let Some(ts) = return_within_expect(run, s, first) {
        out.push(Entry {
            ts,
            who: nobody(),
            what: cell(&format!(
                "{} back within {} for {RETURN_STREAK} samples",
                s.info.name,
                expect.display(s.info.unit)
            )),
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
