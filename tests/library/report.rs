//! The report, rendered from journals that the real engine wrote under a fake clock.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use chrono::{DateTime, Utc};

use gameday::engine::Msg;
use gameday::journal::{
    AbortSource, AlertInfo, Event, FaultInfo, JournalWriter, NoteKind, Record, Redactor, RunInfo,
    ScreenMoment, SignalInfo,
};
use gameday::report::{actions::actions_json, render, summary, write_report};
use gameday::testkit::{self, criterion, signal, Start};
use gameday::units::{Measure, Op, Unit};

type Ts = DateTime<Utc>;

/// 10:00:15 UTC: the run starts; the baseline is 120 s, faults trigger at 10:02:20.
fn t0() -> Ts {
    DateTime::parse_from_rfc3339("2026-11-27T10:00:15Z")
        .unwrap()
        .with_timezone(&Utc)
}

const TRIGGER_AT: f64 = 125.0;
const RUN_DIR: &str = "gameday-runs/20261127T100015Z-redis-pod-delete/";

fn signals() -> Vec<SignalInfo> {
    let base = |name: &str, kind: &str, source: &str, unit: Unit| SignalInfo {
        interval: Duration::from_secs(5),
        ..signal(name, kind, source, unit)
    };
    vec![
        SignalInfo {
            expect: Some(criterion(Op::Lt, 0.01, "< 1%")),
            ..base(
                "5xx error rate",
                "promql",
                "sum(rate(http_requests_total{code=~\"5..\"}[1m]))\n  / sum(rate(http_requests_total[1m]))",
                Unit::Ratio,
            )
        },
        SignalInfo {
            expect: Some(criterion(Op::Lt, 0.3, "< 300ms")),
            tolerate: Duration::from_secs(20),
            measure: Some(Measure::P99),
            ..base("p99 read latency", "http", "http://api.shop.svc/read", Unit::Seconds)
        },
        SignalInfo {
            expect: Some(criterion(Op::Ge, 2.0, ">= 2")),
            ..base("api pods ready", "pods", "app=api", Unit::Count)
        },
        base("queue depth", "command", "redis-cli -h queue llen jobs", Unit::Count),
    ]
}

fn run_info() -> RunInfo {
    RunInfo {
        run_id: "20261127T100015Z-redis-pod-delete".into(),
        scenario_text: "name: redis-pod-delete\n".into(),
        scenario_sha256: "52cc57599f25b5832810f6fdef790b24350f440f1996aaa99d7117ae474583ed".into(), // sha256 of scenario_text
        hypothesis: "If one Redis pod is deleted, the API keeps serving traffic\nwith only a temporary latency bump."
            .into(),
        run_dir: RUN_DIR.into(),
        prometheus_url: Some("http://prometheus.monitoring:9090".into()),
        signals: signals(),
        faults: vec![FaultInfo {
            name: "delete one redis pod".into(),
            kind: "pod_delete".into(),
            duration: Duration::from_secs(60),
            plan: vec!["inject: delete 1 pod of app=redis in shop".into(), "revert: wait for replacements".into()],
        }],
        alerts: vec![AlertInfo { name: "RedisDown".into(), within: Duration::from_secs(120) }],
        ..testkit::run_info()
    }
}

/// Values of the four signals at `t` seconds after the run started.
type Shape = fn(f64) -> [Result<f64, String>; 4];

fn healthy(t: f64) -> [Result<f64, String>; 4] {
    // two scrapes fail during the baseline: a missing value, not a pass
    let errors = if t == 20.0 || t == 40.0 {
        Err("connection refused".to_string())
    } else {
        Ok(0.0002)
    };
    [errors, Ok(0.084), Ok(3.0), Ok(12.0)]
}

/// Latency above 300 ms from T+00:10 until after the revert, 1.21 s at its worst.
fn slow_reads(t: f64) -> [Result<f64, String>; 4] {
    let mut v = healthy(t);
    let since_trigger = t - TRIGGER_AT;
    if (10.0..65.0).contains(&since_trigger) {
        v[1] = Ok(match since_trigger as i64 {
            10 => 0.412,
            25 => 1.21,
            _ => 0.6,
        });
    }
    v
}

/// The test kit's simulator, started at [`t0`], with the report's story around it.
struct Sim(testkit::Sim);

impl Deref for Sim {
    type Target = testkit::Sim;
    fn deref(&self) -> &testkit::Sim {
        &self.0
    }
}

impl DerefMut for Sim {
    fn deref_mut(&mut self) -> &mut testkit::Sim {
        &mut self.0
    }
}

impl Sim {
    fn new(info: RunInfo) -> Sim {
        Sim(testkit::Sim::start(
            info,
            Start {
                at: t0(),
                ..Start::default()
            },
        ))
    }

    fn elapsed(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }

    /// Moves the clock to `t` seconds after the start, sampling every 5 s on the way.
    fn run_until(&mut self, t: f64, shape: Shape) {
        while self.elapsed() + 5.0 <= t {
            self.advance_secs(5.0);
            for (i, v) in shape(self.elapsed()).into_iter().enumerate() {
                self.send(Msg::sample(i, v));
            }
        }
        let rest = t - self.elapsed();
        if rest > 0.0 {
            self.advance_secs(rest);
        }
    }

    fn arm_and_trigger(&mut self, shape: Shape) {
        self.run_until(TRIGGER_AT - 4.0, shape);
        self.send(Msg::Arm {
            by: "alice".into(),
            plan: vec!["inject: delete 1 pod".into()],
        });
        self.run_until(TRIGGER_AT, shape);
        self.send(Msg::Trigger {
            by: "alice".into(),
            override_steady_state: false,
        });
        assert!(
            self.journal_has("fault_injecting"),
            "trigger refused: {:?}",
            self.effects
        );
        self.injected(0, &["redis-0"], "deleted redis-0");
    }

    fn note(&mut self, author: &str, kind: NoteKind, text: &str) {
        self.send(Msg::Note {
            author: author.into(),
            kind,
            text: text.into(),
        });
    }

    /// The attempt of the revert the engine asked for and nobody answered yet.
    fn revert_pending(&self) -> Option<u32> {
        self.pending_revert().map(|(_, attempt)| attempt)
    }

    /// The fault runs its 60 s, is reverted a second later, and recovery is observed.
    fn full_fault_and_recovery(&mut self, shape: Shape) {
        self.run_until(TRIGGER_AT + 15.0, shape);
        self.note(
            "bob",
            NoteKind::Note,
            "fallback reads are slower than expected, pool at 20/20",
        );
        self.run_until(TRIGGER_AT + 35.0, shape);
        self.send(Msg::Alert {
            name: "RedisDown".into(),
            state: "firing".into(),
            active_at: None,
            error: None,
        });
        self.run_until(TRIGGER_AT + 60.0, shape);
        assert_eq!(
            self.revert_pending(),
            Some(1),
            "the duration should have started the revert"
        );
        self.run_until(TRIGGER_AT + 61.0, shape);
        self.send(Msg::Reverted {
            fault: 0,
            attempt: 1,
            result: Ok("replacement redis-0 Ready".into()),
        });
        self.note(
            "alice",
            NoteKind::Action,
            "add jitter to the Redis client's retries",
        );
        self.run_until(TRIGGER_AT + 130.0, shape);
        assert!(self.state.is_done(), "the run should be over");
        self.send(Msg::End { by: "alice".into() });
        let code = self.state.exit_code();
        self.journal(Event::RunEnded { exit_code: code });
    }

    fn finished(mut self) -> Vec<Record> {
        if !self.journal_has("run_ended") {
            let code = self.state.exit_code();
            self.journal(Event::RunEnded { exit_code: code });
        }
        self.0.records
    }
}

fn refuted_journal() -> Vec<Record> {
    let mut sim = Sim::new(run_info());
    sim.arm_and_trigger(slow_reads);
    sim.full_fault_and_recovery(slow_reads);
    sim.finished()
}

fn confirmed_journal() -> Vec<Record> {
    let mut sim = Sim::new(run_info());
    sim.arm_and_trigger(healthy);
    sim.full_fault_and_recovery(healthy);
    sim.finished()
}

fn aborted_journal() -> Vec<Record> {
    let mut sim = Sim::new(run_info());
    sim.arm_and_trigger(slow_reads);
    sim.run_until(TRIGGER_AT + 15.0, slow_reads);
    sim.send(Msg::Abort {
        by: "bob".into(),
        source: AbortSource::Join,
        detail: String::new(),
    });
    assert_eq!(sim.revert_pending(), Some(1));
    sim.advance_secs(1.5);
    sim.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    // every fault reverted: the run watches the recovery for its whole phase
    assert!(!sim.state.is_done());
    let recovery = sim.state.cfg.recovery.as_secs_f64();
    sim.run_until(sim.elapsed() + recovery + 1.0, healthy);
    assert!(sim.state.is_done());
    sim.finished()
}

fn revert_failed_journal() -> Vec<Record> {
    let mut sim = Sim::new(run_info());
    sim.arm_and_trigger(healthy);
    sim.run_until(TRIGGER_AT + 60.0, healthy);
    for (attempt, pause) in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 0.0)] {
        assert_eq!(sim.revert_pending(), Some(attempt));
        sim.send(Msg::Reverted {
            fault: 0,
            attempt,
            result: Err("kubectl: connection refused".into()),
        });
        if pause > 0.0 {
            sim.advance_secs(pause);
        }
    }
    sim.run_until(TRIGGER_AT + 130.0, healthy);
    assert!(sim.state.is_done());
    sim.finished()
}

fn not_run_journal() -> Vec<Record> {
    let mut sim = Sim::new(run_info());
    sim.run_until(120.0, healthy);
    sim.send(Msg::GiveUp {
        reason: "delete one redis pod: selector app=redis matched 3 pods, max_targets is 1".into(),
    });
    assert!(sim.state.is_done());
    sim.finished()
}

/// A confirmed run whose people were timed: bob (joined) marked `detected` 20 s after the
/// trigger (target 30 s), alice `mitigated` at 50 s (target 45 s); `communicated` (no
/// target) and `resolved` (10 min, longer than the run) were not marked.
fn milestones_journal() -> Vec<Record> {
    let m = |name: &str, secs: Option<u64>| gameday::journal::MilestoneInfo {
        name: name.into(),
        within: secs.map(Duration::from_secs),
    };
    let mut sim = Sim::new(RunInfo {
        milestones: vec![
            m("detected", Some(30)),
            m("mitigated", Some(45)),
            m("communicated", None),
            m("resolved", Some(600)),
        ],
        ..run_info()
    });
    let mark = |sim: &mut Sim, name: &str, author: &str| {
        sim.send(Msg::Milestone {
            name: name.into(),
            author: author.into(),
        });
        sim.refused()
    };
    sim.run_until(60.0, healthy);
    assert!(mark(&mut sim, "detected", "alice")
        .unwrap()
        .contains("nothing has been triggered yet"));
    sim.arm_and_trigger(healthy);
    sim.run_until(TRIGGER_AT + 20.0, healthy);
    assert_eq!(mark(&mut sim, "detected", "bob"), None);
    sim.run_until(TRIGGER_AT + 50.0, healthy);
    assert_eq!(mark(&mut sim, "mitigated", "alice"), None);
    let again = mark(&mut sim, "detected", "alice").unwrap();
    assert_eq!(
        again,
        "`detected` was marked already, by bob at T+00:20; the first mark counts"
    );
    sim.full_fault_and_recovery(healthy);
    sim.finished()
}

fn section<'a>(report: &'a str, heading: &str) -> &'a str {
    let start = report
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading} in\n{report}"));
    let rest = &report[start + heading.len()..];
    let end = rest.find("\n## ").map(|i| i + 1).unwrap_or(rest.len());
    &rest[..end]
}

fn row<'a>(text: &'a str, starts_with: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(starts_with))
        .unwrap_or_else(|| panic!("no row starting {starts_with:?} in\n{text}"))
}

#[test]
fn refuted_run_names_the_criterion_its_worst_value_and_when() {
    let report = render(&refuted_journal()).unwrap();
    assert!(
        report.starts_with("# Game day: redis-pod-delete — REFUTED\n"),
        "{report}"
    );
    assert!(!report.contains("REVERT FAILED"), "{report}");
    let verdict = row(&report, "**Verdict: REFUTED** — ");
    assert!(
        verdict.contains(
            "`p99 read latency` violated < 300 ms for 56 s (tolerated: 20 s); worst 1.21 s."
        ),
        "{verdict}"
    );
    assert!(
        verdict.contains("Recovery took 5 s after the revert."),
        "{verdict}"
    );

    let steady = section(&report, "## Steady state");
    let latency = row(steady, "| p99 read latency |");
    assert_eq!(
        latency,
        "| p99 read latency | < 300 ms (tolerate 20 s) | 84 ms | 1.21 s at T+00:25 | 84 ms | 5 s \
         | ✗ violated 56 s, T+00:10 → T+01:06 |"
    );
    assert!(row(steady, "| 5xx error rate |").ends_with("| ✓ held |"));
    assert!(row(steady, "| queue depth |").ends_with("| — watched |"));
    assert!(steady.contains("`p99 read latency` "), "{steady}");
    assert!(
        steady.contains("(fault window T+00:00 → T+01:01)"),
        "{steady}"
    );
    assert!(
        steady.contains("- 5xx error rate: `connection refused` ×2"),
        "{steady}"
    );

    let timeline = section(&report, "## Timeline");
    assert!(
        timeline.contains("| 00:10 | — | p99 read latency 412 ms > 300 ms |"),
        "{timeline}"
    );
    assert!(
        timeline.contains("| 01:06 | — | p99 read latency back within < 300 ms for 3 samples |"),
        "{timeline}"
    );
    assert!(
        timeline.contains(
            "| 00:00 | alice | triggered `delete one redis pod`: inject: delete 1 pod of app=redis in shop |"
        ),
        "{timeline}"
    );
    assert!(
        timeline.contains("| −00:04 | alice | armed `delete one redis pod` |"),
        "{timeline}"
    );
    assert!(
        timeline.contains("| 00:35 | — | alert RedisDown firing |"),
        "{timeline}"
    );
    assert!(timeline.contains("verdict REFUTED"), "{timeline}");
    // not every sample
    assert!(timeline.lines().count() < 30, "{timeline}");
}

#[test]
fn confirmed_run_reads_as_a_clean_bill_of_health() {
    let report = render(&confirmed_journal()).unwrap();
    assert!(
        report.starts_with("# Game day: redis-pod-delete — CONFIRMED\n"),
        "{report}"
    );
    assert!(report.contains(
        "> **Hypothesis.** If one Redis pod is deleted, the API keeps serving traffic with only a temporary latency bump."
    ));
    assert!(
        report.contains("**Verdict: CONFIRMED** — Every expectation held.\n"),
        "{report}"
    );
    assert!(
        report.contains("| when | 2026-11-27 10:00:15 → 10:04:30 UTC (4 min 15 s) |"),
        "{report}"
    );
    assert!(
        report.contains("| operators | alice (driver), bob |"),
        "{report}"
    );
    assert!(
        report.contains("| cluster | context `staging`, namespace `shop` |"),
        "{report}"
    );
    assert!(
        report.contains("| Prometheus | `http://prometheus.monitoring:9090`, every 5 s |"),
        "{report}"
    );
    assert!(
        report.contains("| scenario | `scenarios/redis-pod-delete.yaml`, sha256 `52cc…83ed` |"),
        "{report}"
    );
    assert!(
        report.contains(&format!("| run | `{RUN_DIR}` |")),
        "{report}"
    );
    assert!(report.contains("| mode | tui |"), "{report}");

    let steady = section(&report, "## Steady state");
    for name in ["5xx error rate", "p99 read latency", "api pods ready"] {
        assert!(
            row(steady, &format!("| {name} |")).ends_with("| ✓ held |"),
            "{steady}"
        );
    }
    assert!(
        row(steady, "| api pods ready |").contains("| >= 2 | 3 | 3 at T+00:05 | 3 | — |"),
        "{steady}"
    );

    let alerts = section(&report, "## Alerts");
    assert!(
        alerts.contains("| RedisDown | 2 min | 10:02:55 | 35 s ✓ |"),
        "{alerts}"
    );

    let faults = section(&report, "## Faults");
    let fault = row(faults, "| delete one redis pod |");
    assert!(
        fault.contains(
            "| 10:02:16 by alice | 10:02:20 by alice | redis-0 | 10:03:21 (duration reached) |"
        ),
        "{fault}"
    );
    assert!(
        fault.contains(
            "✓ injected 10:02:20 (deleted redis-0); ✓ reverted (replacement redis-0 Ready)"
        ),
        "{fault}"
    );
    assert!(!faults.contains("Kill switch"), "{faults}");

    let notes = section(&report, "## Notes");
    assert!(
        notes.contains(
            "- **bob, 10:02:35** — fallback reads are slower than expected, pool at 20/20"
        ),
        "{notes}"
    );
    let actions = section(&report, "## Action items");
    assert!(
        actions.contains("- [ ] add jitter to the Redis client's retries (alice)"),
        "{actions}"
    );

    let queries = section(&report, "## Queries");
    assert!(
        queries.contains(
            "- 5xx error rate (promql): `sum(rate(http_requests_total{code=~\"5..\"}[1m])) / sum(rate(http_requests_total[1m]))`"
        ),
        "{queries}"
    );
    assert!(
        queries
            .contains("- p99 read latency (http, p99 of the probes): `http://api.shop.svc/read`"),
        "{queries}"
    );
    assert!(
        queries.contains("- api pods ready (pods): `app=api`"),
        "{queries}"
    );
    assert!(
        queries.contains("- queue depth (command): `redis-cli -h queue llen jobs`"),
        "{queries}"
    );
}

#[test]
fn sections_come_in_the_documented_order() {
    let report = render(&confirmed_journal()).unwrap();
    let order = [
        "# Game day:",
        "> **Hypothesis.**",
        "**Verdict:",
        "| when |",
        "## Steady state",
        "## Alerts",
        "## Faults",
        "## Timeline",
        "## Notes",
        "## Action items",
        "## Queries",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|h| {
            report
                .find(h)
                .unwrap_or_else(|| panic!("no {h} in\n{report}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{positions:?}\n{report}"
    );
}

#[test]
fn aborted_run_says_who_pulled_the_kill_switch_and_how_fast_it_reverted() {
    let report = render(&aborted_journal()).unwrap();
    assert!(
        report.starts_with("# Game day: redis-pod-delete — ABORTED\n"),
        "{report}"
    );
    let verdict = row(&report, "**Verdict: ABORTED** — ");
    assert!(
        verdict.contains("The kill switch ended the run."),
        "{verdict}"
    );
    assert!(
        verdict.contains("The kill switch was pulled by bob from a joined session at 10:02:35."),
        "{verdict}"
    );
    // the recovery after the kill switch was watched and measured
    assert!(
        verdict.contains("Recovery took ") && verdict.contains(" after the revert."),
        "{verdict}"
    );
    assert!(!verdict.contains("cut short"), "{verdict}");
    let faults = section(&report, "## Faults");
    assert!(
        faults.contains(
            "Kill switch: pulled by bob (join) at 10:02:35; every fault reverted 1.5 s later."
        ),
        "{faults}"
    );
    assert!(
        row(faults, "| delete one redis pod |").contains("10:02:36 (kill switch)"),
        "{faults}"
    );
    let timeline = section(&report, "## Timeline");
    assert!(
        timeline.contains("| 00:15 | bob | KILL SWITCH pulled (join) |"),
        "{timeline}"
    );
    assert!(
        report.contains("| operators | alice (driver), bob |"),
        "{report}"
    );
}

#[test]
fn a_failed_revert_is_the_first_thing_the_report_says() {
    let report = render(&revert_failed_journal()).unwrap();
    let mut lines = report.lines().filter(|l| !l.is_empty());
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("# Game day: redis-pod-delete — "),
        "{report}"
    );
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "> **REVERT FAILED** — `delete one redis pod` may still be active: kubectl: connection refused \
             (revert attempt 4 failed, no retry left). Run `gameday recover {RUN_DIR}`."
        )
    );
    let fault = row(section(&report, "## Faults"), "| delete one redis pod |");
    assert!(
        fault.contains("✗ failed 10:03:23 (duration reached, 4 attempts)"),
        "{fault}"
    );
    assert!(
        fault.contains("✗ REVERT FAILED: kubectl: connection refused — may still be active"),
        "{fault}"
    );
    let timeline = section(&report, "## Timeline");
    assert!(timeline.contains("revert of `delete one redis pod` FAILED (attempt 1): kubectl: connection refused; will retry"));
    assert!(timeline.contains("revert of `delete one redis pod` FAILED (attempt 4): kubectl: connection refused; no retry left"));
}

#[test]
fn a_failed_injection_gets_a_banner() {
    let mut sim = Sim::new(run_info());
    sim.run_until(TRIGGER_AT - 4.0, healthy);
    sim.send(Msg::Arm {
        by: "alice".into(),
        plan: vec![],
    });
    sim.run_until(TRIGGER_AT, healthy);
    sim.send(Msg::Trigger {
        by: "alice".into(),
        override_steady_state: false,
    });
    sim.send(Msg::Injected {
        fault: 0,
        result: Err("pods \"redis-0\" is forbidden".into()),
    });
    sim.advance_secs(1.0);
    sim.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    sim.run_until(TRIGGER_AT + 70.0, healthy);
    let report = render(&sim.finished()).unwrap();
    assert!(
        report.contains("> **INJECT FAILED** — `delete one redis pod` could not be injected: pods \"redis-0\" is forbidden."),
        "{report}"
    );
    assert!(!report.contains("REVERT FAILED"), "{report}");
    assert!(
        report.contains("✗ injection failed: pods \"redis-0\" is forbidden"),
        "{report}"
    );
}

#[test]
fn not_run_says_why_and_judges_nothing() {
    let report = render(&not_run_journal()).unwrap();
    assert!(
        report.starts_with("# Game day: redis-pod-delete — NOT RUN\n"),
        "{report}"
    );
    assert!(
        report.contains(
            "**Verdict: NOT RUN** — Delete one redis pod: selector app=redis matched 3 pods, max_targets is 1."
        ),
        "{report}"
    );
    let steady = section(&report, "## Steady state");
    assert!(row(steady, "| p99 read latency |")
        .contains("| 84 ms | — | — | — | ? not judged: no fault was triggered |"));
    assert!(steady.contains("(no fault was triggered)"), "{steady}");
    assert!(
        row(section(&report, "## Faults"), "| delete one redis pod |").ends_with("| not run |")
    );
    // the timeline counts from the start when nothing was triggered
    assert!(
        section(&report, "## Timeline")
            .contains("| 00:00 | alice | run started (tui): redis-pod-delete on "),
        "{report}"
    );
    assert!(section(&report, "## Notes").contains("None recorded."));
    assert!(section(&report, "## Action items").contains("None recorded."));
}

#[test]
fn a_journal_cut_short_is_in_progress_and_warns_of_the_live_fault() {
    let records = refuted_journal();
    let cut = records
        .iter()
        .position(|r| r.event.type_name() == "fault_reverting")
        .expect("the journal has a revert");
    let report = render(&records[..cut]).unwrap();
    assert!(
        report.starts_with("# Game day: redis-pod-delete — IN PROGRESS\n"),
        "{report}"
    );
    assert!(report.contains("> **REVERT FAILED** — `delete one redis pod` may still be active: the journal records no revert."));
    assert!(
        report.contains("**Verdict: IN PROGRESS** — No verdict was recorded"),
        "{report}"
    );
    assert!(report.contains("no verdict yet"), "{report}");
    assert!(
        report.contains("✗ not reverted — may still be active"),
        "{report}"
    );
}

#[test]
fn demo_runs_say_so() {
    let mut info = run_info();
    info.demo = true;
    let mut sim = Sim::new(info);
    sim.run_until(10.0, healthy);
    let report = render(&sim.finished()).unwrap();
    assert!(
        report.contains("practice run against gameday's built-in demo service"),
        "{report}"
    );
}

#[test]
fn user_text_cannot_break_a_table() {
    let mut sim = Sim::new(run_info());
    sim.run_until(10.0, healthy);
    sim.note("bob", NoteKind::Note, "a | b\nc");
    let report = render(&sim.finished()).unwrap();
    assert!(
        report.contains("| 00:10 | bob | note: a \\| b c |"),
        "{report}"
    );
    assert!(report.contains("- **bob, 10:00:25** — a | b c"), "{report}");
}

#[test]
fn no_run_started_is_not_a_journal() {
    let err = render(&[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the journal has no run_started line: not a gameday journal"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut w = JournalWriter::create(&dir.path().join("journal.jsonl"), Redactor::new()).unwrap();
    w.append(t0(), Event::RunEnded { exit_code: 0 }).unwrap();
    drop(w);
    let err = write_report(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} has no run_started line: not a gameday journal",
            dir.path().join("journal.jsonl").display()
        )
    );
}

#[test]
fn the_same_journal_gives_the_same_bytes_from_memory_and_from_disk() {
    for records in [
        refuted_journal(),
        milestones_journal(),
        aborted_journal(),
        revert_failed_journal(),
        not_run_journal(),
    ] {
        let first = render(&records).unwrap();
        assert_eq!(first, render(&records).unwrap());

        let dir = tempfile::tempdir().unwrap();
        let mut w =
            JournalWriter::create(&dir.path().join("journal.jsonl"), Redactor::new()).unwrap();
        for r in &records {
            w.append(r.ts, r.event.clone()).unwrap();
        }
        drop(w);
        let path = write_report(dir.path()).unwrap();
        assert_eq!(path, dir.path().join("report.md"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
        let charts = read_charts(dir.path());
        // rewriting replaces the report and the charts whole, and leaves no temporary
        // file behind
        write_report(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
        assert_eq!(read_charts(dir.path()), charts);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["actions.json", "charts", "journal.jsonl", "report.md"]
        );
    }
}

/// Every chart of a run directory, by file name.
fn read_charts(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut charts: Vec<(String, String)> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    charts.sort();
    charts
}

#[test]
fn every_signal_has_a_chart_linked_beside_its_sparkline() {
    let records = refuted_journal();
    let dir = tempfile::tempdir().unwrap();
    let mut w = JournalWriter::create(&dir.path().join("journal.jsonl"), Redactor::new()).unwrap();
    for r in &records {
        w.append(r.ts, r.event.clone()).unwrap();
    }
    drop(w);
    let report = std::fs::read_to_string(write_report(dir.path()).unwrap()).unwrap();
    let charts = read_charts(dir.path());
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "5xx-error-rate.svg",
            "api-pods-ready.svg",
            "p99-read-latency.svg",
            "queue-depth.svg"
        ]
    );
    // the link follows the signal's sparkline
    let spark = report.find("\n`p99 read latency` ").unwrap();
    let link = report
        .find("![p99 read latency](charts/p99-read-latency.svg)")
        .unwrap();
    assert!(spark < link, "{report}");
    assert!(!report[spark..link].contains("![5xx"), "{report}");
    for (name, svg) in &charts {
        assert!(
            report.contains(&format!("](charts/{name})")),
            "{name}: {report}"
        );
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        let class = |c: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(c))
                .count()
        };
        assert_eq!(class("fault-window"), 1, "{name}");
        assert!(class("samples") >= 1, "{name}");
    }
    let latency = &charts[2].1;
    assert!(latency.contains("expect &lt; 300 ms"), "{latency}");
}

/// `cargo test --test library report::print_example -- --ignored --nocapture` shows a whole report.
#[test]
#[ignore]
fn print_example() {
    print!("{}", render(&refuted_journal()).unwrap());
}

#[test]
fn screens_are_shown_as_kept_with_how_they_were_seen() {
    let mut records = aborted_journal();
    let trigger = records
        .iter()
        .find(|r| matches!(r.event, Event::FaultInjecting { .. }))
        .unwrap()
        .ts;
    let abort = records
        .iter()
        .find(|r| matches!(r.event, Event::Abort { .. }))
        .unwrap()
        .ts;
    let screen = |ts, moment, fault: &str, front: &str, text: &str| Record {
        seq: 0,
        ts,
        event: Event::Screen {
            moment,
            fault: fault.into(),
            front: front.into(),
            width: 143,
            height: 41,
            text: text.into(),
        },
    };
    records.push(screen(
        trigger,
        ScreenMoment::Trigger,
        "delete one redis pod",
        "tui",
        " gameday · redis-pod-delete   ● INJECTING\n ```not a fence```",
    ));
    records.push(screen(
        abort,
        ScreenMoment::Abort,
        "",
        "headless",
        " gameday · redis-pod-delete   ● ABORTED",
    ));
    let report = render(&records).unwrap();
    let screens = &report[report.find("## Screens\n").expect(&report)..];
    let queries = screens.find("## Queries").expect(&report);
    let screens = &screens[..queries];
    assert!(
        screens.contains(
            "At the trigger of `delete one redis pod` (10:02:20, T+00:00), as the operator saw it, 143×41:\n\n\
             ````text\n gameday · redis-pod-delete   ● INJECTING\n ```not a fence```\n````\n"
        ),
        "{screens}"
    );
    assert!(
        screens.contains(&format!(
            "At the abort ({}, T+00:{:02}), as the TUI would have shown it, headless run, 143×41:\n\n```text\n gameday · redis-pod-delete   ● ABORTED\n```\n",
            abort.format("%H:%M:%S"),
            (abort - trigger).num_seconds()
        )),
        "{screens}"
    );
    // a journal without screens has no such section, and they never reach the timeline
    assert!(!render(&aborted_journal()).unwrap().contains("## Screens"));
    assert!(!report.contains("| screen"), "{report}");
}

#[test]
fn a_chart_that_cannot_be_written_does_not_cost_the_report() {
    let records = refuted_journal();
    let dir = tempfile::tempdir().unwrap();
    let mut w = JournalWriter::create(&dir.path().join("journal.jsonl"), Redactor::new()).unwrap();
    for r in &records {
        w.append(r.ts, r.event.clone()).unwrap();
    }
    drop(w);
    // `charts` is taken by a file: no chart can go there
    std::fs::write(dir.path().join("charts"), "not a directory").unwrap();
    let path = write_report(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        render(&records).unwrap()
    );
}

#[test]
fn action_items_carry_their_owner_and_due_date_into_the_checklist_and_actions_json() {
    use std::os::unix::fs::PermissionsExt;
    let mut sim = Sim::new(run_info());
    sim.run_until(10.0, healthy);
    sim.note("bob", NoteKind::Action, "fix retries @alice due:2026-12-05");
    sim.note("bob", NoteKind::Action, "ask @carol about the pool size");
    sim.note(
        "alice",
        NoteKind::Action,
        "due:2027-01-31 see [this](http://evil) <img src=x> `rm` \u{1b}[2J",
    );
    // a malformed date is refused at entry: nothing journaled
    sim.note("bob", NoteKind::Action, "fix it due:2026-02-30");
    assert!(sim.refused().is_some());
    sim.note("bob", NoteKind::Note, "not an action @dave due:2026-12-06");
    let records = sim.finished();
    let report = render(&records).unwrap();
    let actions = section(&report, "## Action items");
    assert!(
        actions.contains("- [ ] fix retries — owner @alice, due 2026-12-05 (bob)\n"),
        "{actions}"
    );
    assert!(
        actions.contains("- [ ] ask @carol about the pool size — owner @carol (bob)\n"),
        "{actions}"
    );
    assert!(
        actions.contains(
            "- [ ] see \\[this\\](http://evil) \\<img src=x> \\`rm\\` \\e\\[2J — due 2027-01-31 (alice)\n"
        ),
        "{actions}"
    );
    assert_eq!(actions.matches("- [ ]").count(), 3, "{actions}");

    let json: serde_json::Value = serde_json::from_str(&actions_json(&records).unwrap()).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0],
        serde_json::json!({
            "text": "fix retries",
            "owner": "alice",
            "due": "2026-12-05",
            "author": "bob",
            "at": "2026-11-27T10:00:25.000Z",
            "run_id": "20261127T100015Z-redis-pod-delete",
            "scenario": "redis-pod-delete",
        })
    );
    assert_eq!(items[1]["owner"], "carol");
    assert_eq!(items[1]["due"], serde_json::Value::Null);
    assert_eq!(
        items[2]["text"], "see [this](http://evil) <img src=x> `rm` \\e[2J",
        "kept as text, with nothing a terminal would obey"
    );

    // written beside the report, like it (mode 0640), and again byte for byte
    let dir = tempfile::tempdir().unwrap();
    let mut w = JournalWriter::create(&dir.path().join("journal.jsonl"), Redactor::new()).unwrap();
    for r in &records {
        w.append(r.ts, r.event.clone()).unwrap();
    }
    drop(w);
    write_report(dir.path()).unwrap();
    let path = dir.path().join("actions.json");
    let first = std::fs::read(&path).unwrap();
    assert_eq!(first, actions_json(&records).unwrap().as_bytes());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    std::fs::remove_file(&path).unwrap();
    write_report(dir.path()).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first);

    // a run without action items gets an empty list, not a missing file
    assert_eq!(actions_json(&not_run_journal()).unwrap(), "[]\n");
}

#[test]
fn an_old_journal_with_a_bad_due_date_still_lists_the_item() {
    let mut records = confirmed_journal();
    for r in &mut records {
        if let Event::Note {
            kind: NoteKind::Action,
            text,
            ..
        } = &mut r.event
        {
            *text = "add jitter @alice due:2026-13-01".into();
        }
    }
    let report = render(&records).unwrap();
    assert!(
        report.contains("- [ ] add jitter @alice due:2026-13-01 — owner @alice (alice)"),
        "{report}"
    );
    let json: serde_json::Value = serde_json::from_str(&actions_json(&records).unwrap()).unwrap();
    assert_eq!(json[0]["due"], serde_json::Value::Null);
}

#[test]
fn a_runs_summary_gives_the_figures_its_report_gives() {
    use gameday::journal::Verdict;
    let records = refuted_journal();
    let report = render(&records).unwrap();
    let s = summary(&records).unwrap();
    assert_eq!(s.verdict, Some(Verdict::Refuted));
    assert_eq!(s.disagreement, None);
    assert_eq!(s.scenario, "redis-pod-delete");
    assert_eq!(s.started, t0());
    assert!(s.triggered);
    let steady = section(&report, "## Steady state");
    for f in &s.signals {
        let cells: Vec<&str> = row(steady, &format!("| {} |", f.name))
            .split(" | ")
            .collect();
        let worst = f.worst.map(|v| f.value_words(v)).unwrap();
        assert!(
            cells[3].starts_with(&format!("{worst} at T+")),
            "{} {cells:?}",
            f.name
        );
    }
    assert_eq!(
        s.signals
            .iter()
            .find(|f| f.name == "p99 read latency")
            .unwrap()
            .worst,
        Some(1.21)
    );
    // the slowest recovery over the signals: the report's "Recovery took 5 s"
    assert_eq!(gameday::report::recovery_words(s.recovery), "5 s");

    let not_run = summary(&not_run_journal()).unwrap();
    assert_eq!(not_run.verdict, Some(Verdict::NotRun));
    assert!(!not_run.triggered);
    assert_eq!(not_run.recovery, None);
    assert!(not_run.signals.iter().all(|f| f.worst.is_none()));
}

#[test]
fn milestones_are_timed_from_the_first_trigger_and_a_missed_target_is_a_finding_not_a_verdict() {
    let records = milestones_journal();
    let marks: Vec<(&str, &str)> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Milestone { name, author } => Some((name.as_str(), author.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(marks, [("detected", "bob"), ("mitigated", "alice")]);
    let report = render(&records).unwrap();
    // the verdict and the exit code are the system's: a missed target changes neither
    assert!(
        report.starts_with("# Game day: redis-pod-delete — CONFIRMED\n"),
        "{report}"
    );
    assert!(records
        .iter()
        .any(|r| r.event == Event::RunEnded { exit_code: 0 }));
    assert_eq!(gameday::report::verdict_check(&records).unwrap(), None);
    let m = section(&report, "## Milestones\n");
    assert!(
        m.contains("timed from the first trigger (10:02:20 UTC)"),
        "{m}"
    );
    assert_eq!(
        row(m, "| detected |"),
        "| detected | 30 s | T+00:20 | bob | 20 s | ✓ met |"
    );
    assert_eq!(
        row(m, "| mitigated |"),
        "| mitigated | 45 s | T+00:50 | alice | 50 s | ✗ missed: 5 s over |"
    );
    assert_eq!(
        row(m, "| communicated |"),
        "| communicated | — | not marked | — | — | not marked |"
    );
    assert_eq!(
        row(m, "| resolved |"),
        "| resolved | 10 min | not marked | — | — | not marked; the run ended 2 min 1 s after \
         the first trigger, before the target was up |"
    );
    // beside the system's own figures, each with what it counts from
    assert_eq!(
        row(m, "| detect |"),
        "| detect | 20 s ✓ (target 30 s) | the first trigger |"
    );
    assert_eq!(
        row(m, "| mitigate |"),
        "| mitigate | 50 s ✗ (target 45 s) | the first trigger |"
    );
    assert_eq!(
        row(m, "| alert |"),
        "| alert | `RedisDown` 50 s ✓ | the first trigger |"
    );
    assert!(
        row(m, "| recover |").starts_with("| recover | `5xx error rate` —; `p99 read latency` —"),
        "{m}"
    );
    assert_eq!(
        row(m, "| communicate |"),
        "| communicate | not marked | the first trigger |"
    );
    // the findings: missed targets only
    let findings = &m[m.find("Findings:").expect("findings")..];
    assert!(
        findings.contains(
            "- `mitigated` was marked 50 s after the first trigger, 5 s over its 45 s target."
        ),
        "{findings}"
    );
    assert_eq!(findings.matches("\n- ").count(), 1, "{findings}");
    // the timeline, in T+mm:ss with who marked it; the operators, bob among them
    let t = section(&report, "## Timeline\n");
    assert_eq!(
        row(t, "| 00:20 | bob | milestone"),
        "| 00:20 | bob | milestone `detected` marked: ✓ within its 30 s target |"
    );
    assert_eq!(
        row(t, "| 00:50 | alice | milestone"),
        "| 00:50 | alice | milestone `mitigated` marked: ✗ 5 s over its 45 s target |"
    );
    assert!(row(&report, "| operators |").contains("alice (driver), bob"));

    // a mark the engine would have refused is not the journal's own: the recheck says so
    let mut tampered = records.clone();
    let at = tampered
        .iter()
        .position(|r| matches!(r.event, Event::Milestone { .. }))
        .unwrap();
    let mut second = tampered[at].clone();
    second.ts += chrono::Duration::seconds(1);
    second.event = Event::Milestone {
        name: "detected".into(),
        author: "mallory".into(),
    };
    tampered.insert(at + 1, second);
    let why = gameday::report::verdict_check(&tampered).unwrap().unwrap();
    assert!(
        why.contains("milestone `detected` is marked twice"),
        "{why}"
    );
    let report = render(&tampered).unwrap();
    assert!(report.contains("VERDICT CHECK FAILED"), "{report}");
    // the first mark still counts
    let m = section(&report, "## Milestones\n");
    assert!(row(m, "| detected |").contains("| bob |"), "{m}");
}

#[test]
fn a_scenario_without_milestones_has_no_milestones_section() {
    let report = render(&confirmed_journal()).unwrap();
    assert!(!report.contains("## Milestones"), "{report}");
}

/// Issue 17, findings 6, 7 and 8: an abort's reason keeps its line breaks visible (`\n`,
/// `\r`), a milestone's name cannot format the report (code, emphasis, links), and a
/// recovery cut short by a signal says who and why, in the journal and the report.
#[test]
fn hostile_reasons_and_names_stay_text_and_a_cut_short_recovery_says_why() {
    let hostile = "<!channel> [x](http://e) `y` *b*";
    let mut sim = Sim::new(RunInfo {
        milestones: vec![gameday::journal::MilestoneInfo {
            name: hostile.into(),
            within: Some(Duration::from_secs(30)),
        }],
        ..run_info()
    });
    sim.arm_and_trigger(slow_reads);
    sim.run_until(TRIGGER_AT + 5.0, slow_reads);
    sim.send(Msg::Milestone {
        name: hostile.into(),
        author: "bob".into(),
    });
    assert_eq!(sim.refused(), None);
    sim.send(Msg::Abort {
        by: "bob".into(),
        source: AbortSource::Command,
        detail: "@here\n15:45:20.000  verdict CONFIRMED (exit 0)\r\u{202e}evil".into(),
    });
    sim.advance_secs(1.0);
    sim.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    sim.run_until(sim.elapsed() + 2.0, healthy);
    assert!(!sim.state.is_done(), "watching the recovery");
    sim.send(Msg::Abort {
        by: "alice".into(),
        source: AbortSource::Signal,
        detail: "SIGTERM".into(),
    });
    assert!(sim.state.is_done(), "a signal ends the recovery");
    let records = sim.finished();
    let cut: Vec<&Event> = records
        .iter()
        .map(|r| &r.event)
        .filter(|e| matches!(e, Event::RecoveryCutShort { .. }))
        .collect();
    assert_eq!(
        cut,
        [&Event::RecoveryCutShort {
            by: "alice".into(),
            why: "SIGTERM (signal)".into()
        }]
    );
    let report = render(&records).unwrap();
    // F6: the reason's line break and carriage return are shown, not made spaces
    assert!(!report.contains("@here 15:45"), "{report}");
    assert!(
        report.contains(
            "@here\\\\n15:45:20.000 &nbsp;verdict CONFIRMED (exit 0)\\\\r\\\\u{202e}evil"
        ),
        "{report}"
    );
    // F7: the name is text in the table and the timeline: no code span, no emphasis
    let m = section(&report, "## Milestones\n");
    let table_row = m
        .lines()
        .find(|l| l.contains("channel"))
        .unwrap_or_else(|| panic!("{m}"));
    assert!(table_row.contains("\\*b\\*"), "{table_row}");
    assert!(table_row.contains("\\`y\\`"), "{table_row}");
    // elsewhere it is a code span whose fence nothing inside can close
    for l in report.lines().filter(|l| l.contains("channel")) {
        assert!(
            l.contains("`` <!channel> [x](http://e) `y` *b* ``") || !l.contains("*b*"),
            "{l}"
        );
    }
    // F8: the report says who cut the recovery short, and why
    assert!(
        report.contains("The recovery was cut short after")
            && report.contains("It was ended by alice: SIGTERM (signal)."),
        "{report}"
    );
}

/// What was typed is evidence: runs of spaces in an abort's reason and a milestone's name
/// are kept where markdown would show one space (`&nbsp;`, or inside a code span), so
/// `db  down` does not read as another milestone `db down`.
#[test]
fn runs_of_spaces_typed_in_a_reason_or_a_milestone_are_kept() {
    let name = "first  response";
    let mut sim = Sim::new(RunInfo {
        milestones: vec![gameday::journal::MilestoneInfo {
            name: name.into(),
            within: Some(Duration::from_secs(30)),
        }],
        ..run_info()
    });
    sim.arm_and_trigger(slow_reads);
    sim.run_until(TRIGGER_AT + 5.0, slow_reads);
    sim.send(Msg::Milestone {
        name: name.into(),
        author: "bob".into(),
    });
    assert_eq!(sim.refused(), None);
    sim.send(Msg::Abort {
        by: "bob".into(),
        source: AbortSource::Command,
        detail: "db   down,  see\tticket".into(),
    });
    sim.advance_secs(1.0);
    sim.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    sim.run_until(sim.elapsed() + 60.0, healthy);
    let report = render(&sim.finished()).unwrap();
    let kept = "db &nbsp;&nbsp;down, &nbsp;see\\\\tticket";
    let abort_lines: Vec<&str> = report.lines().filter(|l| l.contains("db ")).collect();
    // the summary's sentence and the timeline's row
    assert!(abort_lines.len() >= 2, "{report}");
    for l in &abort_lines {
        assert!(l.contains(kept), "{l}");
    }
    assert!(!report.contains("db down"), "{report}");
    let m = section(&report, "## Milestones\n");
    assert!(
        m.lines().any(|l| l.starts_with("| first &nbsp;response |")),
        "{m}"
    );
    assert!(!report.contains("first response"), "{report}");
    assert!(report.contains("`first  response`"), "{report}");
}
