//! One vocabulary, two renderings: for a journal holding every kind of event, the line a
//! terminal shows and the row the report's timeline gets say the same facts, and neither
//! lets hostile text through (a control character on a terminal, a cell break, a link or
//! HTML in markdown).

use std::time::Duration;

use chrono::{DateTime, Utc};
use gameday::journal::{
    AbortSource, CheckOutcome, Event, NoteKind, Phase, PodChange, PreflightCheck, Record,
    RevertReason, RunInfo, ScreenMoment, Verdict,
};
use gameday::testkit;
use gameday::wording::{said, Mark};

fn t0() -> DateTime<Utc> {
    testkit::t0()
}

fn info() -> RunInfo {
    let mut info = testkit::run_info();
    info.operator = "alice".into();
    info.host = "bastion7".into();
    info
}

/// One event of every kind (two for those whose words depend on success), each string a
/// word of its own so that the test can look for it.
fn every_kind() -> Vec<Event> {
    let fault = info().faults[0].name.clone();
    let signal = info().signals[0].name.clone();
    vec![
        Event::RunStarted(Box::new(info())),
        Event::Phase {
            phase: Phase::Baseline,
        },
        Event::Sample {
            signal: signal.clone(),
            value: None,
            error: Some("refusedconn".into()),
            at: None,
            detail: Some("sampledetail".into()),
        },
        Event::Probe {
            signal: signal.clone(),
            at: t0(),
            latency: None,
            error: Some("probeerror".into()),
            waited_ms: None,
        },
        Event::Pods {
            selector: "app=redisx".into(),
            changes: vec![PodChange {
                pod: "redispod0".into(),
                change: "restarted".into(),
                status: "CrashLoop".into(),
                ready: "0/1".into(),
            }],
        },
        Event::Armed {
            fault: fault.clone(),
            by: "armer".into(),
            plan: vec![],
        },
        Event::Disarmed {
            fault: fault.clone(),
            by: "disarmer".into(),
        },
        Event::Override {
            by: "overrider".into(),
            failing: vec!["failingone".into(), "failingtwo".into()],
        },
        Event::FaultInjecting {
            fault: fault.clone(),
            by: "carol".into(),
            action: "injectaction".into(),
        },
        Event::FaultInjected {
            fault: fault.clone(),
            ok: true,
            targets: vec!["targetone".into()],
            detail: "injectdetail".into(),
            restore: None,
        },
        Event::FaultInjected {
            fault: fault.clone(),
            ok: false,
            targets: vec![],
            detail: "injectfailure".into(),
            restore: None,
        },
        Event::ClusterWarning {
            namespace: "nsname".into(),
            object: "objname".into(),
            reason: "BackOff".into(),
            message: "warnmessage".into(),
        },
        Event::FaultProgress {
            fault: fault.clone(),
            detail: "progressdetail".into(),
        },
        Event::FaultInjectCancelled {
            fault: fault.clone(),
        },
        Event::ArmRefused {
            fault: fault.clone(),
            by: "refusee".into(),
            reason: "refusalreason".into(),
        },
        Event::FaultReverting {
            fault: fault.clone(),
            reason: RevertReason::Abort,
            attempt: 2,
            action: String::new(),
        },
        Event::FaultReverted {
            fault: fault.clone(),
            ok: true,
            attempt: 2,
            detail: "revertdetail".into(),
            will_retry: false,
        },
        Event::FaultReverted {
            fault: fault.clone(),
            ok: false,
            attempt: 3,
            detail: "revertfailure".into(),
            will_retry: true,
        },
        Event::GuardrailTripped {
            signal: signal.clone(),
            criterion: "lessthanone".into(),
            value: 0.5,
        },
        Event::Abort {
            by: "puller".into(),
            source: AbortSource::Join,
            detail: "abortdetail".into(),
        },
        Event::Note {
            author: "noter".into(),
            kind: NoteKind::Note,
            text: "notetext".into(),
        },
        Event::Note {
            author: "actioner".into(),
            kind: NoteKind::Action,
            text: "actiontext".into(),
        },
        Event::Milestone {
            name: "detected".into(),
            author: "marker".into(),
        },
        Event::Alert {
            name: "AlertName".into(),
            state: "firing".into(),
            active_at: Some(t0()),
            error: Some("alertserror".into()),
        },
        Event::OperatorJoined {
            name: "joiner".into(),
        },
        Event::OperatorLeft {
            name: "leaver".into(),
            detail: "leftdetail".into(),
        },
        Event::Verdict {
            verdict: Verdict::Refuted,
            reasons: vec!["reasonone".into(), "reasontwo".into()],
        },
        Event::RunEnded { exit_code: 3 },
        Event::RecoveryCutShort {
            by: "cutter".into(),
            why: "cutreason".into(),
        },
        Event::Warning {
            source: "warnsource".into(),
            message: "warningmessage".into(),
        },
        Event::NotifyFailed {
            target: "notifytarget".into(),
            about: "verdict".into(),
            attempts: 4,
            error: "notifyerror".into(),
        },
        Event::Preflight {
            checks: vec![PreflightCheck {
                source: "http".into(),
                names: vec![signal.clone()],
                target: "preflighttarget".into(),
                outcome: CheckOutcome::Failed,
                detail: "preflightdetail".into(),
                fix: String::new(),
                ms: 3,
            }],
        },
        Event::Screen {
            moment: ScreenMoment::Abort,
            fault: String::new(),
            front: "headless".into(),
            width: 100,
            height: 30,
            text: "frame".into(),
        },
    ]
}

/// Each kind's place in [`every_kind`]'s coverage. No catch-all arm: a new kind of event
/// does not compile here until it is added to the journal above.
fn kind_index(e: &Event) -> usize {
    match e {
        Event::RunStarted(_) => 0,
        Event::Phase { .. } => 1,
        Event::Sample { .. } => 2,
        Event::Probe { .. } => 3,
        Event::Pods { .. } => 4,
        Event::Armed { .. } => 5,
        Event::Disarmed { .. } => 6,
        Event::Override { .. } => 7,
        Event::FaultInjecting { .. } => 8,
        Event::FaultInjected { .. } => 9,
        Event::ClusterWarning { .. } => 10,
        Event::FaultProgress { .. } => 11,
        Event::ArmRefused { .. } => 12,
        Event::FaultReverting { .. } => 13,
        Event::FaultReverted { .. } => 14,
        Event::GuardrailTripped { .. } => 15,
        Event::Abort { .. } => 16,
        Event::Note { .. } => 17,
        Event::Milestone { .. } => 18,
        Event::Alert { .. } => 19,
        Event::OperatorJoined { .. } => 20,
        Event::OperatorLeft { .. } => 21,
        Event::Verdict { .. } => 22,
        Event::RunEnded { .. } => 23,
        Event::Warning { .. } => 24,
        Event::NotifyFailed { .. } => 25,
        Event::Preflight { .. } => 26,
        Event::Screen { .. } => 27,
        Event::RecoveryCutShort { .. } => 28,
        Event::FaultInjectCancelled { .. } => 29,
    }
}
const KINDS: usize = 30;

fn journal(events: Vec<Event>) -> Vec<Record> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| Record {
            seq: i as u64 + 1,
            ts: t0() + chrono::Duration::seconds(i as i64),
            event,
        })
        .collect()
}

/// The strings of an event a reader must find in either rendering: every free-text field
/// as journaled, less the few that neither shows (a plan, a restore note, a frame, the
/// fields of the run's settings that the report's header gives).
fn facts(e: &Event) -> Vec<String> {
    let v = serde_json::to_value(e).unwrap();
    let skip: &[&str] = match e {
        Event::RunStarted(_) => return vec!["alice".into(), "bastion7".into()],
        Event::Armed { .. } => &["plan"],
        Event::FaultReverting { .. } => &["action", "reason"],
        Event::Screen { .. } => &["text"],
        Event::Note { .. } => &["kind"],
        Event::Phase { .. } => &["phase"],
        Event::Abort { .. } => &["source"],
        Event::Preflight { .. } => &["checks"],
        _ => &[],
    };
    let mut out = Vec::new();
    for (k, v) in v.as_object().unwrap() {
        // times are shown as a time of day, not as journaled
        if ["type", "at", "active_at"].contains(&k.as_str()) || skip.contains(&k.as_str()) {
            continue;
        }
        match v {
            serde_json::Value::String(s) if !s.is_empty() => out.push(s.clone()),
            serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => out.push(n.to_string()),
            serde_json::Value::Array(a) => {
                out.extend(a.iter().filter_map(|x| x.as_str()).map(str::to_string))
            }
            _ => {}
        }
    }
    if let Event::Preflight { .. } = e {
        out.extend(["preflighttarget".to_string(), "preflightdetail".to_string()]);
    }
    out
}

#[test]
fn every_kind_of_event_says_the_same_facts_on_a_terminal_and_in_the_report() {
    let events = every_kind();
    let mut seen = [false; KINDS];
    for e in &events {
        seen[kind_index(e)] = true;
    }
    assert!(seen.iter().all(|s| *s), "a kind is missing: {seen:?}");

    let info = info();
    for r in journal(events) {
        let said = said(&r, Some(&info), None);
        let text = said.text();
        let (who, what) = said.markdown();
        let facts = facts(&r.event);
        assert!(!facts.is_empty() || matches!(r.event, Event::Phase { .. }));
        for f in facts {
            let in_md = what.contains(&f) || who == f;
            assert!(
                text.contains(&f) && in_md,
                "{} says `{f}` in one rendering only:\n text: {text}\n  md: | {who} | {what} |",
                r.event.type_name()
            );
        }
        // the person is in the sentence, and in the report's column
        if let Some(p) = &said.who {
            assert!(text.contains(p.as_str()), "{text}");
            assert_eq!(&who, p, "{what}");
            assert!(!what.contains(p.as_str()), "named twice: {who} | {what}");
        } else {
            assert_eq!(who, "—");
        }
    }
}

/// Every free-text field of `e`, in turn, replaced with `hostile` where the event still
/// reads back (an enum's word cannot be replaced).
fn hostile_variants(e: &Event, hostile: &str) -> Vec<Event> {
    let v = serde_json::to_value(e).unwrap();
    let mut out = Vec::new();
    for (k, field) in v.as_object().unwrap() {
        let replaced = match field {
            serde_json::Value::String(_) => serde_json::json!(hostile),
            serde_json::Value::Array(a) if a.iter().all(|x| x.is_string()) => {
                serde_json::json!([hostile, hostile])
            }
            _ => continue,
        };
        let mut changed = v.clone();
        changed[k] = replaced;
        if let Ok(h) = serde_json::from_value::<Event>(changed) {
            if &h != e {
                out.push(h);
            }
        }
    }
    out
}

/// `|` not escaped, outside and inside code spans alike (a table cell ends at either).
fn bare_pipe(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
}

/// A `[`, `]` or `<` outside code spans that is not escaped.
fn live_markup(s: &str) -> Option<usize> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '`' => {
                let run = chars[i..].iter().take_while(|&&c| c == '`').count();
                let mut j = i + run;
                let mut closed = None;
                while j < chars.len() {
                    if chars[j] == '`' {
                        let r = chars[j..].iter().take_while(|&&c| c == '`').count();
                        if r == run {
                            closed = Some(j + r);
                            break;
                        }
                        j += r;
                    } else {
                        j += 1;
                    }
                }
                match closed {
                    Some(end) => i = end,
                    None => return Some(i),
                }
            }
            '[' | ']' => return Some(i),
            '<' if chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[test]
fn hostile_text_stays_text_in_both_renderings() {
    let hostile = "x|y\n10:00:00 verdict CONFIRMED\u{1b}]52;c;aGk=\u{7}\r[click](http://evil.example) <img src=x> `` ` \u{202e}";
    let info = info();
    let mut tried = 0;
    for e in every_kind() {
        for h in hostile_variants(&e, hostile) {
            tried += 1;
            let r = Record {
                seq: 1,
                ts: t0(),
                event: h,
            };
            for mark in [None, Some(Mark::Again), Some(Mark::Met { within: None })] {
                let said = said(&r, Some(&info), mark);
                let text = said.text();
                assert!(
                    !text.chars().any(gameday::text::is_unsafe),
                    "{}: a control character reaches the terminal: {text:?}",
                    r.event.type_name()
                );
                let (who, what) = said.markdown();
                for cell in [&who, &what] {
                    assert!(
                        !bare_pipe(cell),
                        "{}: a `|` ends the cell: {cell}",
                        r.event.type_name()
                    );
                    assert!(!cell.contains('\n'), "{cell:?}");
                    assert_eq!(
                        live_markup(cell),
                        None,
                        "{}: a link, an image or HTML in markdown: {cell}",
                        r.event.type_name()
                    );
                }
            }
        }
    }
    assert!(tried > 40, "only {tried} fields were made hostile");
}

#[test]
fn a_milestone_reads_as_the_report_judged_it_and_as_the_run_goes_on_a_terminal() {
    let info = RunInfo {
        milestones: vec![gameday::journal::MilestoneInfo {
            name: "detected".into(),
            within: Some(Duration::from_secs(90)),
        }],
        ..info()
    };
    let r = Record {
        seq: 1,
        ts: t0(),
        event: Event::Milestone {
            name: "detected".into(),
            author: "bob".into(),
        },
    };
    assert_eq!(
        said(&r, Some(&info), None).text(),
        "milestone `detected` marked by bob (target 1m30s)"
    );
    let late = said(
        &r,
        Some(&info),
        Some(Mark::Late {
            over: Duration::from_secs(5),
            within: Some(Duration::from_secs(90)),
        }),
    );
    assert_eq!(
        late.markdown(),
        (
            "bob".to_string(),
            "milestone `detected` marked: ✗ 5 s over its 1 min 30 s target".to_string()
        )
    );
    assert_eq!(
        late.text(),
        "milestone `detected` marked by bob: ✗ 5s over its 1m30s target"
    );
}
