//! Milestones: timing the people, not only the system.
//!
//! A scenario lists what the people in the room do during a game day (`detected`,
//! `mitigated`, `communicated`...), each with an optional target (`within: 5m`). They are
//! marked live, by the driver (`m` in the TUI, `/milestone NAME` headless) or by a
//! joiner, and each mark is a journal record (fsynced before it is acknowledged, like a
//! note). Every figure is measured from the first trigger, where the alerts' `within`
//! counts from too: the moment the system began to hurt is when the people's clock
//! starts. A missed target is a finding for the report; it never changes the verdict or
//! the exit code, which answer the hypothesis about the system.
//!
//! The rules of marking live here and the engine applies them: only a milestone of the
//! scenario, only once (the first mark counts; a second is refused, saying who marked it
//! and when), only after the first trigger (before it there is nothing to time) and
//! before the run is DONE. The report's figures come from here too, from the journal
//! alone; `tests/judge` recomputes them with code of its own.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Event, MilestoneInfo, Record};
use crate::units::format_offset;

/// The longest milestone name: it is typed after `/milestone` and fits a dialog's line.
pub const MAX_NAME: usize = 80;

pub type Ts = DateTime<Utc>;

/// Who marked a milestone, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub author: String,
    pub at: Ts,
}

/// The command typed on standard input (headless `run` and `join`): `/milestone NAME`.
pub const COMMAND: &str = "/milestone";

/// The name a typed line marks, when the line is the milestone command (empty when it
/// names none); `None` for any other line, which stays a note (`/milestones are late`).
pub fn typed(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix(COMMAND)?;
    if rest.is_empty() {
        return Some("");
    }
    rest.starts_with(char::is_whitespace).then(|| rest.trim())
}

/// `a, b or c`, each in backticks.
fn names(infos: &[MilestoneInfo]) -> String {
    let quoted: Vec<String> = infos.iter().map(|m| format!("`{}`", m.name)).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

const NONE: &str =
    "this scenario has no milestones (list them under `milestones:` in the scenario)";
const ENDED: &str = "the run has ended: no more milestones can be marked";
const NOT_YET: &str = "nothing has been triggered yet: milestones are timed from the first trigger";

/// The milestones that can be marked now, in the scenario's order, or why none can.
pub fn markable<'a>(
    infos: &'a [MilestoneInfo],
    marks: &[Option<Mark>],
    first_trigger: Option<Ts>,
    done: bool,
) -> Result<Vec<&'a str>, String> {
    if infos.is_empty() {
        return Err(NONE.into());
    }
    if done {
        return Err(ENDED.into());
    }
    if first_trigger.is_none() {
        return Err(NOT_YET.into());
    }
    let open: Vec<&str> = infos
        .iter()
        .enumerate()
        .filter(|(i, _)| marks.get(*i).is_none_or(Option::is_none))
        .map(|(_, m)| m.name.as_str())
        .collect();
    if open.is_empty() {
        return Err("every milestone has been marked".into());
    }
    Ok(open)
}

/// Marks `name` for `author` at `now`: the event to journal, or why it is refused. The
/// first mark counts: a second one is refused, and says whose mark stands.
pub fn mark(
    infos: &[MilestoneInfo],
    marks: &mut Vec<Option<Mark>>,
    first_trigger: Option<Ts>,
    done: bool,
    name: &str,
    author: String,
    now: Ts,
) -> Result<Event, String> {
    if infos.is_empty() {
        return Err(NONE.into());
    }
    if done {
        return Err(ENDED.into());
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(format!(
            "which milestone? {COMMAND} NAME, NAME one of {}",
            names(infos)
        ));
    }
    let Some(i) = infos.iter().position(|m| m.name == name) else {
        // what was asked for is another user's text: one short line, made visible
        let asked = crate::text::visible(&crate::yaml::quoted(name)).into_owned();
        return Err(format!(
            "no milestone {asked} in this scenario; its milestones are {}",
            names(infos)
        ));
    };
    let Some(first_trigger) = first_trigger else {
        return Err(NOT_YET.into());
    };
    marks.resize(infos.len(), None);
    if let Some(m) = &marks[i] {
        return Err(format!(
            "`{}` was marked already, by {} at T+{}; the first mark counts",
            infos[i].name,
            m.author,
            format_offset((m.at - first_trigger).num_milliseconds())
        ));
    }
    marks[i] = Some(Mark {
        author: author.clone(),
        at: now,
    });
    Ok(Event::Milestone {
        name: infos[i].name.clone(),
        author,
    })
}

/// The figure a milestone gives beside time to alert and time to recover: "detect" for
/// `detected` (time to detect), for the names that say in the past tense what people do
/// in an incident. Other names are timed all the same, under their own name.
pub fn time_to(name: &str) -> Option<&'static str> {
    Some(match name {
        "detected" => "detect",
        "acknowledged" => "acknowledge",
        "mitigated" => "mitigate",
        "communicated" => "communicate",
        "escalated" => "escalate",
        "resolved" => "resolve",
        _ => return None,
    })
}

/// How a milestone stands at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// marked; it has no target
    Marked,
    /// marked within its target
    Met,
    /// marked this long after its target was up
    Late(Duration),
    /// not marked, though the run went on past its target
    NotMarkedInTime,
    /// not marked: it has no target, or the run ended before its target was up
    NotMarked,
    /// nothing was triggered: there was nothing to time
    NotTimed,
}

impl Standing {
    /// A missed target: a finding of the report (never a verdict).
    pub fn missed(self) -> bool {
        matches!(self, Standing::Late(_) | Standing::NotMarkedInTime)
    }
}

/// One milestone of a run, from its journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing<'a> {
    pub name: &'a str,
    pub within: Option<Duration>,
    /// who marked it first, and when
    pub mark: Option<(&'a str, Ts)>,
    /// from the first trigger to that mark
    pub after: Option<Duration>,
    pub standing: Standing,
}

/// The mark of each milestone that counts: the first in journal order made between the
/// first trigger and `end` (when the run took its last mark), as the engine takes them.
/// A mark outside that span is not one the engine would have taken (the recheck says so,
/// see [`journal_problems`]) and never makes a target met. (name, author, when).
pub fn counted_marks(
    records: &[Record],
    first_trigger: Option<Ts>,
    end: Ts,
) -> Vec<(&str, &str, Ts)> {
    let mut out: Vec<(&str, &str, Ts)> = Vec::new();
    let Some(ft) = first_trigger else {
        return out;
    };
    for r in records {
        if let Event::Milestone { name, author } = &r.event {
            if r.ts >= ft && r.ts <= end && !out.iter().any(|(n, _, _)| n == name) {
                out.push((name, author, r.ts));
            }
        }
    }
    out
}

/// How each milestone of `infos` stands, by its counted mark in `records` (see
/// [`counted_marks`]), for a run first triggered at `first_trigger` (none: nothing was)
/// that took marks until `end` (its verdict).
pub fn timings<'a>(
    infos: &'a [MilestoneInfo],
    records: &'a [Record],
    first_trigger: Option<Ts>,
    end: Ts,
) -> Vec<Timing<'a>> {
    let marks = counted_marks(records, first_trigger, end);
    infos
        .iter()
        .map(|m| {
            let mark = marks
                .iter()
                .find(|(n, _, _)| *n == m.name)
                .map(|(_, a, t)| (*a, *t));
            let since = |t: Ts| {
                first_trigger
                    .map(|ft| (t - ft).to_std().unwrap_or_default())
                    .unwrap_or_default()
            };
            let after = mark.and_then(|(_, t)| first_trigger.map(|_| since(t)));
            let standing = match (first_trigger, after, m.within) {
                (None, _, _) => Standing::NotTimed,
                (Some(_), Some(_), None) => Standing::Marked,
                (Some(_), Some(a), Some(w)) if a <= w => Standing::Met,
                (Some(_), Some(a), Some(w)) => Standing::Late(a - w),
                (Some(_), None, Some(w)) if since(end) >= w => Standing::NotMarkedInTime,
                (Some(_), None, _) => Standing::NotMarked,
            };
            Timing {
                name: &m.name,
                within: m.within,
                mark,
                after,
                standing,
            }
        })
        .collect()
}

/// The marks of `records` the engine would have refused, in words: a journal that holds
/// one was not written by these rules (a bug, or an edit), and its figures cannot be
/// trusted as they stand. `end` is when the run took its last mark (its verdict).
pub fn journal_problems(
    infos: &[MilestoneInfo],
    records: &[Record],
    first_trigger: Option<Ts>,
    end: Option<Ts>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for r in records {
        let Event::Milestone { name, .. } = &r.event else {
            continue;
        };
        if !infos.iter().any(|m| &m.name == name) {
            out.push(format!(
                "the journal marks milestone `{name}`, which the run's scenario does not list"
            ));
        } else if seen.contains(&name.as_str()) {
            out.push(format!(
                "milestone `{name}` is marked twice; the first mark counts and a second is refused"
            ));
        } else if first_trigger.is_none_or(|ft| r.ts < ft) {
            out.push(format!(
                "milestone `{name}` is marked before the first trigger, which milestones are timed from"
            ));
        } else if end.is_some_and(|e| r.ts > e) {
            out.push(format!("milestone `{name}` is marked after the verdict"));
        }
        seen.push(name);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::{Effect, Msg};
    use crate::journal::{Phase, RunInfo, Verdict};
    use crate::testkit::{self, Sim};

    fn info(name: &str, within: Option<u64>) -> MilestoneInfo {
        MilestoneInfo {
            name: name.into(),
            within: within.map(Duration::from_secs),
        }
    }

    /// The example run, with 10 s of baseline and of recovery, a 30 s fault, and three
    /// milestones: `detected` within 20 s, `mitigated` within 35 s, `communicated` without
    /// a target.
    fn sim() -> Sim {
        Sim::new(RunInfo {
            baseline: Duration::from_secs(10),
            recovery: Duration::from_secs(10),
            faults: vec![testkit::exec_fault(
                "f",
                Duration::from_secs(30),
                "break",
                "fix",
            )],
            milestones: vec![
                info("detected", Some(20)),
                info("mitigated", Some(35)),
                info("communicated", None),
            ],
            ..testkit::run_info()
        })
    }

    fn mark(sim: &mut Sim, name: &str, author: &str) -> Option<String> {
        sim.send(Msg::Milestone {
            name: name.into(),
            author: author.into(),
        });
        sim.refused()
    }

    /// Baseline over, the fault triggered and injected; the clock at the trigger.
    fn triggered(sim: &mut Sim) -> Ts {
        for _ in 0..10 {
            sim.second(&[0.001]);
        }
        assert_eq!(sim.state.phase, Phase::Ready);
        sim.arm_and_trigger();
        let at = sim.now;
        sim.injected(0, &[], "");
        at
    }

    #[test]
    fn a_mark_is_journaled_with_its_author_and_time_and_fsynced_like_a_note() {
        let mut sim = sim();
        let t = triggered(&mut sim);
        sim.advance(Duration::from_secs(12));
        assert_eq!(mark(&mut sim, "detected", "bob"), None);
        let rec = sim.records.last().unwrap();
        assert_eq!(
            rec.event,
            Event::Milestone {
                name: "detected".into(),
                author: "bob".into()
            }
        );
        assert_eq!(rec.ts, t + Duration::from_secs(12));
        assert!(rec.event.needs_fsync());
        assert_eq!(
            sim.state.milestones[0],
            Some(Mark {
                author: "bob".into(),
                at: rec.ts
            })
        );
        // the line reads back, and a journal without milestones still does
        let line = serde_json::to_string(rec).unwrap();
        assert!(
            line.contains(r#""type":"milestone","name":"detected","author":"bob""#),
            "{line}"
        );
        let old: RunInfo = serde_json::from_value({
            let mut v = serde_json::to_value(testkit::run_info()).unwrap();
            v.as_object_mut().unwrap().remove("milestones");
            v
        })
        .unwrap();
        assert!(old.milestones.is_empty());
    }

    #[test]
    fn what_cannot_be_marked_is_refused_and_nothing_is_journaled() {
        let mut sim = sim();
        sim.second(&[0.001]);
        let before = sim.records.len();
        // before the first trigger there is nothing to time
        let why = mark(&mut sim, "detected", "alice").unwrap();
        assert!(why.contains("nothing has been triggered yet"), "{why}");
        assert_eq!(
            markable(
                &sim.state.cfg.milestones,
                &sim.state.milestones,
                None,
                false
            )
            .unwrap_err(),
            why
        );
        let t = triggered(&mut sim);
        let before_unknown = sim.records.len();
        assert!(before_unknown > before);
        // a name the scenario does not have, its text made visible
        let why = mark(&mut sim, "deteced\u{1b}[2J", "alice").unwrap();
        assert_eq!(
            why,
            "no milestone `deteced\\e[2J` in this scenario; its milestones are \
             `detected`, `mitigated` or `communicated`"
        );
        let why = mark(&mut sim, "  ", "alice").unwrap();
        assert!(why.starts_with("which milestone? /milestone NAME"), "{why}");
        assert_eq!(sim.records.len(), before_unknown, "nothing journaled");
        // marked once: the first mark counts, a second says whose stands
        sim.advance(Duration::from_secs(65));
        assert_eq!(mark(&mut sim, "mitigated", "bob"), None);
        sim.advance(Duration::from_secs(3));
        let why = mark(&mut sim, "mitigated", "alice").unwrap();
        assert_eq!(
            why,
            "`mitigated` was marked already, by bob at T+01:05; the first mark counts"
        );
        assert_eq!(
            sim.state.milestones[1].as_ref().unwrap().author,
            "bob",
            "the first mark stands"
        );
        let open = markable(
            &sim.state.cfg.milestones,
            &sim.state.milestones,
            Some(t),
            false,
        )
        .unwrap();
        assert_eq!(open, vec!["detected", "communicated"]);
        let marks = sim
            .records
            .iter()
            .filter(|r| matches!(r.event, Event::Milestone { .. }))
            .count();
        assert_eq!(marks, 1);
    }

    #[test]
    fn a_missed_target_is_no_part_of_the_verdict_or_the_exit_code() {
        let mut sim = sim();
        triggered(&mut sim);
        // `detected` 25 s in: 5 s over its 20 s target
        for _ in 0..25 {
            sim.second(&[0.001]);
        }
        assert_eq!(mark(&mut sim, "detected", "alice"), None);
        while sim.state.phase != Phase::Reverting {
            sim.second(&[0.001]);
        }
        sim.reverted(0, Ok("fixed".into()));
        for _ in 0..12 {
            sim.second(&[0.001]);
        }
        assert!(sim.state.is_done());
        assert_eq!(sim.state.verdict.as_ref().unwrap().0, Verdict::Confirmed);
        assert_eq!(sim.state.exit_code(), 0);
        // and at DONE nothing more is marked
        let why = mark(&mut sim, "communicated", "alice").unwrap();
        assert!(why.starts_with("the run has ended"), "{why}");
        assert!(sim.effects.iter().all(|e| !matches!(e, Effect::Journal(_))));
        // the figures the report gives, from the journal alone
        let first = sim
            .records
            .iter()
            .find(|r| matches!(r.event, Event::FaultInjecting { .. }))
            .unwrap()
            .ts;
        let end = sim
            .records
            .iter()
            .find(|r| matches!(r.event, Event::Verdict { .. }))
            .unwrap()
            .ts;
        let t = timings(&sim.info.milestones, &sim.records, Some(first), end);
        assert_eq!(t[0].mark.unwrap().0, "alice");
        assert_eq!(t[0].after, Some(Duration::from_secs(25)));
        assert_eq!(t[0].standing, Standing::Late(Duration::from_secs(5)));
        assert_eq!(t[1].standing, Standing::NotMarkedInTime, "35 s passed");
        assert_eq!(t[2].standing, Standing::NotMarked, "no target");
        assert!(t[0].standing.missed() && t[1].standing.missed() && !t[2].standing.missed());
        assert!(
            journal_problems(&sim.info.milestones, &sim.records, Some(first), Some(end)).is_empty()
        );
    }

    fn record(seq: u64, ts: Ts, event: Event) -> Record {
        Record { seq, ts, event }
    }

    fn marked(name: &str, author: &str) -> Event {
        Event::Milestone {
            name: name.into(),
            author: author.into(),
        }
    }

    #[test]
    fn standings_from_the_first_trigger() {
        let t = testkit::t0();
        let s = |secs: i64| t + chrono::Duration::seconds(secs);
        let infos = vec![
            info("detected", Some(60)),
            info("mitigated", Some(300)),
            info("communicated", None),
            info("resolved", Some(600)),
        ];
        let records = vec![
            // before the trigger: not one the engine takes, and never a met target
            record(1, s(-5), marked("detected", "mallory")),
            record(2, s(60), marked("detected", "alice")),
            record(3, s(61), marked("detected", "bob")),
            record(4, s(301), marked("mitigated", "bob")),
            record(5, s(30), marked("communicated", "carol")),
            // after the end
            record(6, s(700), marked("resolved", "carol")),
        ];
        let got = timings(&infos, &records, Some(t), s(400));
        assert_eq!(got[0].standing, Standing::Met, "at the target exactly");
        assert_eq!(
            got[0].mark,
            Some(("alice", s(60))),
            "the first mark in the run counts"
        );
        assert_eq!(got[1].standing, Standing::Late(Duration::from_secs(1)));
        assert_eq!(got[2].standing, Standing::Marked);
        assert_eq!(got[2].after, Some(Duration::from_secs(30)));
        // the run ended 400 s in, before `resolved`'s 600 s were up: not a miss
        assert_eq!(got[3].standing, Standing::NotMarked);
        assert!(!got[3].standing.missed());
        let late = timings(&infos, &records[..5], Some(t), s(600));
        assert_eq!(late[3].standing, Standing::NotMarkedInTime);
        let untimed = timings(&infos, &[], None, s(600));
        assert!(untimed.iter().all(|m| m.standing == Standing::NotTimed));
        // a journal the engine did not write this way says so
        let problems = journal_problems(
            &infos,
            &[
                record(1, s(-5), marked("detected", "a")),
                record(2, s(5), marked("detected", "b")),
                record(3, s(6), marked("paged", "b")),
                record(4, s(900), marked("mitigated", "b")),
            ],
            Some(t),
            Some(s(800)),
        );
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("before the first trigger"));
        assert!(problems[1].contains("marked twice"));
        assert!(problems[2].contains("`paged`, which the run's scenario does not list"));
        assert!(problems[3].contains("after the verdict"));
    }

    #[test]
    fn the_typed_command() {
        assert_eq!(typed("/milestone detected"), Some("detected"));
        assert_eq!(
            typed("  /milestone   customer comms sent  "),
            Some("customer comms sent")
        );
        assert_eq!(typed("/milestone"), Some(""));
        assert_eq!(typed("/milestones are late"), None, "a note");
        assert_eq!(typed("the /milestone was missed"), None, "a note");
        assert_eq!(time_to("detected"), Some("detect"));
        assert_eq!(time_to("mitigated"), Some("mitigate"));
        assert_eq!(time_to("paged"), None);
    }
}
