//! Whole frames of the live TUI on ratatui's TestBackend, at 80×24 and 160×48, from
//! states reached by driving the real engine with a fake clock. Timestamps are fixed, so
//! nothing in a frame is volatile.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use gameday::engine::{self, Msg};
use gameday::journal::{AbortSource, FaultInfo, NoteKind, Phase, RunInfo, SignalInfo};
use gameday::testkit::{self, criterion, criterion_for, exec_fault, t0};
use gameday::ui::draw::draw;
use gameday::ui::{Action, App, Mode, Theme, View};
use gameday::units::{Criterion, Op, Unit};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;
use tui_input::Input;

fn signal(name: &str, unit: Unit, expect: Option<Criterion>) -> SignalInfo {
    SignalInfo {
        expect,
        interval: Duration::from_secs(2),
        ..testkit::signal(name, "promql", "sum(rate(x[1m]))", unit)
    }
}

fn fault(name: &str, secs: u64, inject: &str, revert: &str) -> FaultInfo {
    exec_fault(name, Duration::from_secs(secs), inject, revert)
}

fn run_info() -> RunInfo {
    let mut errors = signal(
        "5xx error rate",
        Unit::Ratio,
        Some(criterion(Op::Lt, 0.01, "< 1%")),
    );
    errors.abort = Some(criterion_for(
        Op::Gt,
        0.05,
        "> 5% for 30s",
        Duration::from_secs(30),
    ));
    let mut p99 = signal(
        "p99 read latency",
        Unit::Seconds,
        Some(criterion(Op::Lt, 0.3, "< 300ms")),
    );
    p99.tolerate = Duration::from_secs(20);
    let queue = signal("queue depth", Unit::Count, None);
    RunInfo {
        signals: vec![errors, p99, queue],
        faults: vec![
            fault(
                "delete one redis pod",
                60,
                "kubectl -n shop delete pod redis-0",
                "kubectl -n shop rollout status sts/redis",
            ),
            fault(
                "block postgres egress",
                30,
                "iptables -A OUTPUT -p tcp --dport 5432 -j DROP",
                "iptables -D OUTPUT -p tcp --dport 5432 -j DROP",
            ),
        ],
        ..testkit::run_info()
    }
}

/// A run driven through the real engine, with a fake clock every two seconds.
struct Sim {
    sim: testkit::Sim,
    step: u64,
}

impl Deref for Sim {
    type Target = testkit::Sim;
    fn deref(&self) -> &testkit::Sim {
        &self.sim
    }
}

impl DerefMut for Sim {
    fn deref_mut(&mut self) -> &mut testkit::Sim {
        &mut self.sim
    }
}

impl Sim {
    fn new() -> Sim {
        let mut sim = testkit::Sim::new(run_info());
        sim.app.operators = vec!["alice".into(), "bob".into()];
        Sim { sim, step: 0 }
    }

    /// One sample of every signal, then two seconds pass. `health` 0 is calm, 1 is the
    /// fault's worst.
    fn tick(&mut self, health: f64) {
        self.step += 1;
        let wobble = ((self.step * 7) % 5) as f64 / 4.0; // 0..1, deterministic
        let errors = 0.002 + 0.002 * wobble + 0.016 * health;
        let p99 = 0.12 + 0.04 * wobble + 0.33 * health;
        let queue = 40.0 + 10.0 * wobble + 300.0 * health;
        self.samples(&[errors, p99, queue]);
        self.advance_secs(2.0);
    }

    fn ticks(&mut self, n: usize, health: f64) {
        for _ in 0..n {
            self.tick(health);
        }
    }

    fn note(&mut self, author: &str, kind: NoteKind, text: &str) {
        self.send(Msg::Note {
            author: author.into(),
            kind,
            text: text.into(),
        });
    }

    /// Triggers the armed fault; it is in place on `targets` a second later.
    fn trigger_on(&mut self, override_steady_state: bool, targets: &[&str]) -> usize {
        let i = self.state.next_fault;
        self.trigger(override_steady_state);
        self.advance_secs(1.0);
        self.injected(i, targets, "exit 0");
        assert_eq!(self.state.phase, Phase::Active);
        i
    }
}

/// The screen as text, one line per row, trailing blanks cut.
fn text_of(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0u16;
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            if skip == 0 {
                line.push_str(c.symbol());
            }
            skip = skip
                .max(ratatui::text::Span::raw(c.symbol()).width() as u16)
                .saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn render(app: &App, view: View<'_>, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| draw(f, app, view)).unwrap();
    term.backend().buffer().clone()
}

/// Snapshots the screen at 80×24 and 160×48; returns the 80×24 text.
fn snap(name: &str, sim: &Sim) -> String {
    let small = text_of(&render(&sim.app, sim.view(), 80, 24));
    let large = text_of(&render(&sim.app, sim.view(), 160, 48));
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    insta::assert_snapshot!(format!("{name}_160x48"), large);
    small
}

fn header(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

// ---- the run at each stage ----

fn baseline() -> Sim {
    let mut sim = Sim::new();
    sim.ticks(20, 0.0);
    assert_eq!(sim.state.phase, Phase::Baseline);
    sim
}

fn ready() -> Sim {
    let mut sim = baseline();
    sim.note(
        "bob",
        NoteKind::Note,
        "dashboards look normal, redis hit rate 97%",
    );
    sim.ticks(40, 0.0);
    assert_eq!(sim.state.phase, Phase::Ready);
    sim
}

fn armed() -> Sim {
    let mut sim = ready();
    sim.arm();
    sim.advance(Duration::from_secs(3));
    sim
}

fn active() -> Sim {
    let mut sim = armed();
    sim.trigger_on(false, &["pod/redis-0"]);
    sim.ticks(21, 1.0);
    assert_eq!(sim.state.phase, Phase::Active);
    sim.note(
        "bob",
        NoteKind::Note,
        "fallback reads from postgres are slow",
    );
    sim
}

/// After the first fault: the second armed while the steady state still fails.
fn second_armed_failing() -> Sim {
    let mut sim = active();
    sim.ticks(10, 1.0);
    assert_eq!(sim.state.phase, Phase::Reverting);
    sim.reverted(0, Ok("sts/redis rolled out".into()));
    assert_eq!(sim.state.phase, Phase::Ready);
    sim.note(
        "alice",
        NoteKind::Action,
        "add a read-through timeout on the postgres fallback",
    );
    sim.tick(0.8);
    sim.arm();
    sim.tick(0.8);
    sim
}

fn kill_switch() -> Sim {
    let mut sim = active();
    sim.send(Msg::Abort {
        by: "alice".into(),
        source: AbortSource::Key,
        detail: "X pressed".into(),
    });
    sim.advance(Duration::from_secs(1));
    assert_eq!(sim.state.phase, Phase::Reverting);
    sim
}

fn recovery() -> Sim {
    let mut sim = second_armed_failing();
    sim.trigger_on(true, &["node/db-egress"]);
    sim.ticks(15, 0.5);
    assert_eq!(sim.state.phase, Phase::Reverting);
    sim.reverted(1, Ok("rule deleted".into()));
    assert_eq!(sim.state.phase, Phase::Recovery);
    sim.ticks(8, 0.1);
    sim
}

fn done_refuted() -> Sim {
    let mut sim = recovery();
    sim.ticks(30, 0.0);
    assert_eq!(sim.state.phase, Phase::Done);
    sim.app.report_path = Some("gameday-runs/20270115T080000Z-redis-pod-delete/report.md".into());
    sim
}

fn done_revert_failed() -> Sim {
    let mut sim = active();
    sim.ticks(10, 1.0);
    assert_eq!(sim.state.phase, Phase::Reverting);
    for _ in 0..engine::REVERT_ATTEMPTS {
        sim.reverted(
            0,
            Err("exit 1: error: timed out waiting for the condition".into()),
        );
        sim.advance(Duration::from_secs(5));
    }
    assert!(sim.state.revert_failed());
    sim.ticks(31, 0.2);
    assert_eq!(sim.state.phase, Phase::Done);
    sim
}

// ---- the snapshots ----

#[test]
fn baseline_screen() {
    let sim = baseline();
    let s = snap("baseline", &sim);
    assert!(header(&s).contains("BASELINE 01:20 left"), "{s}");
    assert!(header(&s).contains("ctx staging"), "{s}");
    assert!(s.contains("Hypothesis  If one Redis pod is deleted"), "{s}");
    assert!(s.contains("✓ OK"), "{s}");
    assert!(s.contains("· WATCH"), "{s}");
    assert!(
        !s.contains("a arm"),
        "arming is not possible during the baseline\n{s}"
    );
}

#[test]
fn ready_screen_and_arm_dialog() {
    let mut sim = ready();
    let s = snap("ready", &sim);
    assert!(header(&s).contains("READY"), "{s}");
    assert!(s.contains("a arm"), "{s}");
    assert!(!s.contains("t trigger"), "{s}");
    sim.app.mode = Mode::ArmConfirm {
        fault: 0,
        plan: sim.info.faults[0].plan.clone(),
    };
    let s = snap("arm_dialog", &sim);
    assert!(s.contains("Arm `delete one redis pod`?"), "{s}");
    assert!(
        s.contains("inject: sh -c 'kubectl -n shop delete pod redis-0'"),
        "{s}"
    );
    assert!(s.contains("y/Enter arm · n/Esc cancel"), "{s}");
    assert!(!s.contains("does not hold"), "the steady state holds: {s}");
    // the steady state failing: said before arming, not only at the trigger
    sim.send(Msg::sample(0, Ok(0.2)));
    let s = snap_text(&sim, 80, 24);
    assert!(
        s.contains("The steady state does not hold right now:"),
        "{s}"
    );
    assert!(s.contains("5xx error rate"), "{s}");
}

#[test]
fn armed_screen() {
    let sim = armed();
    let s = snap("armed", &sim);
    assert!(header(&s).contains("ARMED 00:03"), "{s}");
    assert!(s.contains("t trigger"), "{s}");
    assert!(s.contains("d disarm"), "{s}");
    assert!(!s.contains("a arm"), "{s}");
}

#[test]
fn active_screen_shows_the_abort_banner() {
    let sim = active();
    let s = snap("active", &sim);
    assert!(header(&s).contains("ACTIVE 00:42 / 01:00"), "{s}");
    assert!(s.contains("FAULT ACTIVE — X or Ctrl-X: ABORT"), "{s}");
    assert!(s.contains("✗ FAIL"), "{s}");
    assert!(s.contains("00:18 left"), "{s}");
    // at 80×24: the whole hypothesis (the point of the run) and the guardrail, in the
    // table and above the chart
    let words: Vec<&str> = sim.info.hypothesis.split_whitespace().collect();
    let shown: Vec<&str> = s
        .lines()
        .skip(1)
        .take(3)
        .flat_map(|l| l.split_whitespace())
        .filter(|w| *w != "Hypothesis")
        .collect();
    assert_eq!(shown, words, "{s}");
    assert_eq!(s.matches("abort > 5% for 30s").count(), 2, "{s}");
    assert!(
        s.contains("alice, bob"),
        "who is in the room shows somewhere\n{s}"
    );
    assert!(
        s.contains("note (bob): fallback reads from postgres are slow"),
        "{s}"
    );
}

#[test]
fn note_editor_during_active() {
    let mut sim = active();
    sim.app.mode = Mode::Note {
        kind: NoteKind::Note,
        input: Input::new("p99 back under 300ms after 20s".into()),
    };
    let s = snap("note_editor", &sim);
    assert!(s.contains("Enter save · Esc cancel · Ctrl-X abort"), "{s}");
    assert!(s.contains("p99 back under 300ms after 20s"), "{s}");
    assert!(s.contains("FAULT ACTIVE"), "the banner stays visible\n{s}");
    // the cursor sits at the end of the text
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| draw(f, &sim.app, sim.view())).unwrap();
    let row = s
        .lines()
        .position(|l| l.contains("p99 back under"))
        .unwrap();
    let line = s.lines().nth(row).unwrap();
    let col = line[..line.find("p99").unwrap()].chars().count();
    let len = "p99 back under 300ms after 20s".len();
    term.backend_mut()
        .assert_cursor_position(((col + len) as u16, row as u16));
}

#[test]
fn override_dialog() {
    let mut sim = second_armed_failing();
    sim.send(Msg::Trigger {
        by: "alice".into(),
        override_steady_state: false,
    });
    assert_eq!(sim.state.phase, Phase::Armed, "the trigger is refused");
    let failing = sim.state.failing_expectations();
    assert!(!failing.is_empty());
    sim.app.mode = Mode::Override {
        failing,
        input: Input::new("overr".into()),
    };
    let s = snap("override", &sim);
    assert!(
        s.contains("type \"override\" and Enter to trigger anyway"),
        "{s}"
    );
    assert!(s.contains("5xx error rate:"), "{s}");
    assert!(s.contains("overr"), "{s}");
}

#[test]
fn reverting_after_kill_switch() {
    let sim = kill_switch();
    let s = snap("kill_switch", &sim);
    assert!(header(&s).contains("ABORTED"), "{s}");
    assert!(
        s.contains("KILL SWITCH PULLED by alice (key) — reverting…"),
        "{s}"
    );
    assert!(!s.contains("FAULT ACTIVE"), "{s}");
    assert!(!s.contains("t trigger"), "{s}");
}

#[test]
fn all_reverted_after_kill_switch() {
    let mut sim = kill_switch();
    sim.reverted(0, Ok("sts/redis rolled out".into()));
    // every fault reverted: the run watches the recovery, and the header says why
    assert_eq!(sim.state.phase, Phase::Recovery);
    let s = snap("kill_switch_recovery", &sim);
    assert!(header(&s).contains("ABORTED · RECOVERY"), "{s}");
    assert!(header(&s).contains("left"), "{s}");
    let recovery = sim.state.cfg.recovery;
    sim.advance(recovery + Duration::from_secs(1));
    assert_eq!(sim.state.phase, Phase::Done);
    let s = snap("kill_switch_done", &sim);
    assert!(
        s.contains("KILL SWITCH PULLED by alice (key) — all reverted"),
        "{s}"
    );
    assert!(s.contains("DONE · ABORTED — writing report…"), "{s}");
}

#[test]
fn recovery_screen() {
    let sim = recovery();
    let s = snap("recovery", &sim);
    assert!(header(&s).contains("RECOVERY 00:44 left"), "{s}");
    assert!(s.contains("REVERTED"), "{s}");
    // at 80×24 the three-line hypothesis leaves the timeline its last lines only
    let large = text_of(&render(&sim.app, sim.view(), 160, 48));
    assert!(
        large.contains("steady state overridden by alice"),
        "{large}"
    );
}

#[test]
fn done_refuted_screen() {
    let sim = done_refuted();
    let s = snap("done_refuted", &sim);
    assert!(header(&s).contains("DONE · REFUTED"), "{s}");
    assert!(
        s.contains(" DONE · REFUTED · q quit\n report: gameday-runs/20270115T080000Z-redis-pod-delete/report.md\n"),
        "the report's path whole on a line of its own at 80 columns: {s}"
    );
    assert!(s.contains("q quit"), "{s}");
    // with room, the whole path
    let big = snap_text(&sim, 160, 48);
    assert!(
        big.contains("report: gameday-runs/20270115T080000Z-redis-pod-delete/report.md"),
        "{big}"
    );
}

fn snap_text(sim: &Sim, w: u16, h: u16) -> String {
    text_of(&render(&sim.app, sim.view(), w, h))
}

#[test]
fn done_with_revert_failed() {
    let sim = done_revert_failed();
    let s = snap("done_revert_failed", &sim);
    assert!(header(&s).contains("REVERT FAILED"), "{s}");
    assert!(s.contains("gameday recover"), "{s}");
    assert!(s.contains("revert attempt 4"), "{s}");
    // red, when colour is on
    let buf = render(&sim.app, sim.view(), 80, 24);
    let x = header(&s).find("REVERT FAILED").unwrap();
    let x = header(&s)[..x].chars().count() as u16;
    assert_eq!(buf[(x, 0)].bg, Color::Red);
}

#[test]
fn help_screen() {
    let mut sim = active();
    sim.app.mode = Mode::Help;
    let s = snap("help", &sim);
    for k in [
        "a ",
        "d ",
        "t ",
        "X / Ctrl-X",
        "n ",
        "N ",
        "m                          mark a milestone",
        "Tab/Shift-Tab/j/k/↑/↓",
        "PgUp/PgDn",
        "i                          the whole hypothesis",
        "Ctrl-W delete word",
        "Ctrl-U delete to start",
        "Ctrl-K delete to end",
        "Home/End or Ctrl-A/Ctrl-E",
        "Backspace/Delete",
    ] {
        assert!(s.contains(k), "help lacks {k}\n{s}");
    }
}

#[test]
fn quit_confirm_dialog() {
    let mut sim = active();
    sim.app.mode = Mode::QuitConfirm;
    let s = text_of(&render(&sim.app, sim.view(), 80, 24));
    assert!(
        s.contains("A fault is active. Revert it and quit? y/n"),
        "{s}"
    );
}

#[test]
fn flash_replaces_the_keys_for_five_seconds() {
    let mut sim = baseline();
    sim.send(Msg::Arm {
        by: "alice".into(),
        plan: vec![],
    });
    let s = text_of(&render(&sim.app, sim.view(), 80, 24));
    assert!(s.contains("baseline still running"), "{s}");
    assert!(!s.contains("q quit"), "the flash replaces the keys: {s}");
    // still there just before five seconds, gone just after
    sim.now += Duration::from_millis(4_900);
    let s = text_of(&render(&sim.app, sim.view(), 80, 24));
    assert!(s.contains("baseline still running"), "at 4.9 s: {s}");
    sim.now += Duration::from_millis(200);
    let s = text_of(&render(&sim.app, sim.view(), 80, 24));
    assert!(!s.contains("baseline still running"), "at 5.1 s: {s}");
    assert!(s.contains("q quit"), "{s}");
}

// ---- themes ----

fn every_stage() -> Vec<(&'static str, Sim)> {
    let mut help = active();
    help.app.mode = Mode::Help;
    let mut note = active();
    note.app.mode = Mode::Note {
        kind: NoteKind::Action,
        input: Input::new("écrire — un test…".into()),
    };
    let mut arm = ready();
    arm.app.mode = Mode::ArmConfirm {
        fault: 0,
        plan: arm.info.faults[0].plan.clone(),
    };
    vec![
        ("baseline", baseline()),
        ("arm", arm),
        ("active", active()),
        ("note", note),
        ("kill", kill_switch()),
        ("recovery", recovery()),
        ("refuted", done_refuted()),
        ("revert_failed", done_revert_failed()),
        ("help", help),
        ("milestones", chooser()),
    ]
}

#[test]
fn ascii_and_no_color() {
    let theme = Theme {
        ascii: true,
        color: false,
    };
    for (name, mut sim) in every_stage() {
        sim.app.theme = theme;
        let buf = render(&sim.app, sim.view(), 80, 24);
        for cell in buf.content() {
            assert!(
                cell.symbol().is_ascii(),
                "{name}: non-ASCII {:?}\n{}",
                cell.symbol(),
                text_of(&buf)
            );
        }
        if name == "active" {
            let s = text_of(&buf);
            insta::assert_snapshot!("ascii_active_80x24", s);
            assert!(s.contains("FAULT ACTIVE -- X or Ctrl-X: ABORT"), "{s}");
            assert!(s.contains("[FAIL]"), "{s}");
            assert!(s.contains("> "), "{s}");
        }
    }
}

#[test]
fn no_color_means_no_colour() {
    for (name, mut sim) in every_stage() {
        sim.app.theme = Theme {
            ascii: false,
            color: false,
        };
        for (w, h) in [(80, 24), (160, 48)] {
            let buf = render(&sim.app, sim.view(), w, h);
            for cell in buf.content() {
                assert_eq!(cell.fg, Color::Reset, "{name} {w}x{h}: {cell:?}");
                assert_eq!(cell.bg, Color::Reset, "{name} {w}x{h}: {cell:?}");
            }
        }
    }
}

#[test]
fn no_terminal_size_panics() {
    for (_, sim) in every_stage() {
        for (w, h) in [
            (1, 1),
            (20, 5),
            (40, 10),
            (80, 12),
            (79, 24),
            (100, 30),
            (300, 100),
            (12, 60),
        ] {
            let _ = render(&sim.app, sim.view(), w, h);
        }
    }
    // every theme at a tiny size too
    for ascii in [false, true] {
        let mut sim = active();
        sim.app.theme = Theme { ascii, color: true };
        let _ = render(&sim.app, sim.view(), 20, 5);
    }
}

#[test]
fn demo_tag_and_a_sample_error() {
    let mut sim = baseline();
    sim.info.demo = true;
    sim.send(Msg::sample(
        1,
        Err("prometheus: bad_data: parse error at char 12".into()),
    ));
    let s = snap_text(&sim, 80, 24);
    assert!(header(&s).contains("DEMO"), "{s}");
    assert!(s.contains("? NO DATA"), "{s}");
    assert!(
        s.contains("error < 300 ms ~20s prometheus: bad_data: par"),
        "the error where it can be read\n{s}"
    );
    // selected, the chart says it whole: a reason cut to a cell cannot be acted on
    sim.app.selected = 1;
    let s = snap_text(&sim, 80, 24);
    assert!(
        s.contains("│no data: prometheus: bad_data: parse error at char 12"),
        "{s}"
    );
    sim.app.theme = Theme {
        ascii: true,
        color: false,
    };
    let s = snap_text(&sim, 80, 24);
    assert!(s.contains("[??] NO DATA"), "{s}");
}

fn pod(name: &str, ready: u32, status: &str, restarts: u32) -> gameday::cluster::pods::PodRow {
    gameday::cluster::pods::PodRow {
        namespace: "shop".into(),
        name: name.into(),
        ready,
        total: 1,
        status: status.into(),
        restarts,
        created: Some(t0() - chrono::Duration::hours(3)),
        node: "node-a".into(),
    }
}

#[test]
fn pods_panel_shows_kubectl_words_and_marks_changes() {
    let mut sim = active();
    sim.state.pod_panels = vec![gameday::engine::PodPanel {
        selector: "app in (api, redis)".into(),
        ..Default::default()
    }];
    let first = vec![
        pod("api-7d9f-abc", 1, "Running", 0),
        pod("api-7d9f-def", 1, "Running", 0),
        pod("redis-0", 1, "Running", 0),
    ];
    sim.send(Msg::Pods {
        panel: 0,
        rows: first,
    });
    // redis-0 is deleted and comes back; an api pod restarts
    let second = vec![
        pod("api-7d9f-abc", 1, "Running", 1),
        pod("api-7d9f-def", 1, "Running", 0),
        pod("redis-0", 0, "Terminating", 0),
    ];
    sim.send(Msg::Pods {
        panel: 0,
        rows: second,
    });
    let journaled: Vec<_> = sim
        .app
        .timeline
        .iter()
        .filter(|r| r.event.type_name() == "pods")
        .collect();
    assert_eq!(
        journaled.len(),
        1,
        "the first list is not a change; the second is"
    );
    let small = snap("pods_panel", &sim);
    assert!(small.contains("Pods app in (api, redis)"), "{small}");
    assert!(small.contains("Terminating"), "{small}");
    assert!(small.contains("↻"), "a restart is marked: {small}");
    let large = text_of(&render(&sim.app, sim.view(), 160, 48));
    assert!(large.contains("node-a") && large.contains("3h"), "{large}");
}

#[test]
fn expected_alerts_show_waiting_then_fired_in_time() {
    let mut sim = active();
    let alert = gameday::journal::AlertInfo {
        name: "RedisDown".into(),
        within: Duration::from_secs(120),
    };
    sim.info.alerts.push(alert.clone());
    sim.state.cfg.alerts.push(alert);
    sim.state.alerts_seen.push(Vec::new());
    let text = text_of(&render(&sim.app, sim.view(), 80, 24));
    assert!(text.contains("alert RedisDown waiting 00:4"), "{text}");
    sim.send(Msg::Alert {
        name: "RedisDown".into(),
        state: "firing".into(),
        active_at: None,
        error: None,
    });
    let small = snap("alert_fired", &sim);
    assert!(
        small.contains("✓ alert RedisDown fired after 00:4"),
        "{small}"
    );
}

/// `active()` with three milestones: `detected` within 5m, `mitigated` within 15m,
/// `communicated` without a target.
fn with_milestones(mut sim: Sim) -> Sim {
    let m = |name: &str, secs: Option<u64>| gameday::journal::MilestoneInfo {
        name: name.into(),
        within: secs.map(Duration::from_secs),
    };
    let all = vec![
        m("detected", Some(300)),
        m("mitigated", Some(900)),
        m("communicated", None),
    ];
    sim.info.milestones = all.clone();
    sim.state.cfg.milestones = all;
    sim.state.milestones = vec![None; 3];
    sim
}

/// A key as the TUI hands it over, on the screen the kit's run shows.
fn press(sim: &mut Sim, code: KeyCode) -> Vec<Action> {
    let kit = &mut sim.sim;
    let view = View {
        info: &kit.info,
        state: &kit.state,
        now: kit.now,
    };
    let actions =
        gameday::ui::keys::handle_key(&mut kit.app, KeyEvent::new(code, KeyModifiers::NONE), view);
    for a in &actions {
        if let Action::Send(m) = a {
            kit.send(m.clone());
        }
    }
    actions
}

/// Bob (joined) marked `detected`; alice pressed `m`.
fn chooser() -> Sim {
    let mut sim = with_milestones(active());
    sim.send(Msg::Milestone {
        name: "detected".into(),
        author: "bob".into(),
    });
    press(&mut sim, KeyCode::Char('m'));
    sim
}

#[test]
fn the_milestone_chooser_lists_what_is_not_marked_yet() {
    // before the first trigger there is nothing to time: no key in the footer, and `m`
    // says why
    let mut early = with_milestones(ready());
    let s = text_of(&render(&early.app, early.view(), 80, 24));
    assert!(!s.contains("m milestone"), "{s}");
    press(&mut early, KeyCode::Char('m'));
    assert!(matches!(early.app.mode, Mode::Normal));
    let s = text_of(&render(&early.app, early.view(), 80, 24));
    assert!(s.contains("nothing has been triggered yet"), "{s}");

    let active = with_milestones(active());
    let s = text_of(&render(&active.app, active.view(), 80, 24));
    assert!(s.contains("m milestone"), "the footer offers it: {s}");

    let mut sim = chooser();
    let s = snap("milestone_chooser", &sim);
    assert!(s.contains("Mark a milestone"), "{s}");
    assert!(s.contains("1 mitigated"), "{s}");
    assert!(s.contains("target 15m (14 min 17 s left)"), "{s}");
    assert!(s.contains("2 communicated"), "{s}");
    assert!(
        !s.contains("1 detected"),
        "a marked one is not offered: {s}"
    );
    assert!(s.contains("Marked already: detected (bob, T+00:43)"), "{s}");
    assert!(s.contains("Enter mark"), "{s}");
    // the first is chosen; arrows and digits choose, only Enter marks
    assert!(matches!(&sim.app.mode, Mode::Milestone { selected } if selected == "mitigated"));
    assert!(press(&mut sim, KeyCode::Down).is_empty());
    assert!(matches!(&sim.app.mode, Mode::Milestone { selected } if selected == "communicated"));
    assert!(press(&mut sim, KeyCode::Char('1')).is_empty());
    assert!(press(&mut sim, KeyCode::Char('7')).is_empty(), "no seventh");
    assert!(matches!(&sim.app.mode, Mode::Milestone { selected } if selected == "mitigated"));
    let sent = press(&mut sim, KeyCode::Enter);
    assert_eq!(
        sent,
        vec![Action::Send(Msg::Milestone {
            name: "mitigated".into(),
            author: "alice".into()
        })]
    );
    assert!(matches!(sim.app.mode, Mode::Normal));
    let last = sim.records.last().unwrap();
    assert_eq!(last.event.type_name(), "milestone");
    let s = text_of(&render(&sim.app, sim.view(), 80, 24));
    assert!(
        s.contains("milestone `mitigated` marked by alice (target 15m)"),
        "{s}"
    );
    // what is left; Esc marks nothing
    press(&mut sim, KeyCode::Char('m'));
    assert!(matches!(&sim.app.mode, Mode::Milestone { selected } if selected == "communicated"));
    let before = sim.records.len();
    assert!(press(&mut sim, KeyCode::Esc).is_empty());
    assert_eq!(sim.records.len(), before);
    // the kill switch stays one key away in the chooser
    press(&mut sim, KeyCode::Char('m'));
    press(&mut sim, KeyCode::Char('X'));
    assert!(sim.state.abort.is_some());
    assert!(matches!(sim.app.mode, Mode::Normal));
}

#[test]
fn a_joiner_sees_the_same_screen_without_the_drivers_keys() {
    let mut sim = armed();
    sim.app.operator = "bob".into();
    sim.app.joined = Some("alice".into());
    let s = snap("joined_armed", &sim);
    assert!(header(&s).contains("ARMED 00:03"), "{s}");
    assert!(!s.contains("t trigger"), "only the driver triggers\n{s}");
    assert!(!s.contains("d disarm"), "{s}");
    assert!(s.contains("n note"), "{s}");
    assert!(s.contains("X abort"), "{s}");
    // the driver's screen at the same moment offers the trigger
    let driver = armed();
    let d = text_of(&render(&driver.app, driver.view(), 80, 24));
    assert!(d.contains("t trigger"), "{d}");
}

#[test]
fn pods_panel_with_ten_thousand_pods_shows_what_fits_and_counts_the_rest() {
    let mut sim = active();
    sim.state.pod_panels = vec![gameday::engine::PodPanel {
        selector: "app=api".into(),
        ..Default::default()
    }];
    let rows: Vec<_> = (0..10_000)
        .map(|i| pod(&format!("api-{i:05}"), 1, "Running", 0))
        .collect();
    sim.send(Msg::Pods { panel: 0, rows });
    let text = text_of(&render(&sim.app, sim.view(), 160, 48));
    let shown = text.lines().filter(|l| l.contains("api-0")).count();
    let more: usize = text
        .split("… ")
        .nth(1)
        .and_then(|r| r.split(" more").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `… N more` line: {text}"));
    assert!(shown > 3, "{text}");
    assert_eq!(
        shown + more,
        10_000,
        "every pod is shown or counted: {text}"
    );
    assert!(
        text.contains("api-00000"),
        "the first rows in order: {text}"
    );
}

#[test]
fn an_http_value_shows_its_window_and_what_the_number_hides() {
    let mut sim = active();
    let kit = &mut sim.sim;
    for s in [&mut kit.info.signals[1], &mut kit.state.cfg.signals[1]] {
        s.window = Some(Duration::from_secs(30));
        s.timeout = Some(Duration::from_secs(2));
        s.measure = Some(gameday::units::Measure::P99);
    }
    sim.app.selected = 1;
    sim.send(Msg::ProbeStarted { signal: 1, id: 1 });
    sim.send(Msg::ProbeDone {
        signal: 1,
        id: 1,
        outcome: Err("timed out".into()),
    });
    let s = snap_text(&sim, 160, 48);
    assert!(s.contains("window 30s"), "{s}");
    assert!(
        s.contains("now +Inf (1 of 1 probe in the last 30 s failed (last: timed out))"),
        "{s}"
    );
}

/// README opens with a picture of the live screen: the demo's scenario during its fault,
/// drawn to SVG by the UI's own code, so the picture cannot show a screen the program
/// does not draw. `UPDATE_EXPECTED=1 cargo test --test library ui_snapshots::readme_picture`
/// draws it again after a change to the UI.
#[test]
fn readme_picture_is_the_screen_the_ui_draws() {
    let mut sim = active();
    sim.app.theme = Theme {
        ascii: false,
        color: true,
    };
    let svg = gameday::ui::capture::svg(&sim.app, sim.view(), 120, 36).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("assets/screen.svg");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, &svg).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == svg,
        "assets/screen.svg is not the screen the UI draws now: run \
         `UPDATE_EXPECTED=1 cargo test --test library ui_snapshots::readme_picture` and look at it"
    );
    // the picture shows what its caption says: a fault live, the kill switch, a failing
    // signal, the hypothesis
    for what in ["FAULT ACTIVE", "X or Ctrl-X: ABORT", "FAIL", "Hypothesis"] {
        assert!(svg.contains(what), "{what} is not in the picture");
    }
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
    // README opens with it
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let top: Vec<&str> = readme.lines().take(12).collect();
    assert!(
        top.iter().any(|l| l.contains("](assets/screen.svg)")),
        "README's first lines show assets/screen.svg: {top:#?}"
    );
}

/// A reverted fault's row says how the revert went, not how the injection went: an http
/// fault's `PUT … → 200` of the injection on a REVERTED row reads as if it were still
/// in place.
#[test]
fn a_reverted_fault_shows_its_revert_result() {
    let mut sim = ready();
    sim.arm();
    sim.advance(Duration::from_secs(3));
    let i = sim.state.next_fault;
    sim.trigger(false);
    sim.advance_secs(1.0);
    sim.injected(
        i,
        &[],
        "PUT https://flags.example/api/cache → 200 (on: false)",
    );
    sim.ticks(2, 0.0);
    let s = snap_text(&sim, 160, 48);
    assert!(s.contains("(on: false)"), "{s}");
    sim.ticks(30, 0.0);
    assert_eq!(sim.state.phase, Phase::Reverting);
    sim.reverted(
        i,
        Ok("PUT https://flags.example/api/cache → 200 (on: true)".into()),
    );
    let s = snap_text(&sim, 160, 48);
    let row = s
        .lines()
        .find(|l| l.contains("REVERTED"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        row.contains("revert: PUT https://flags.example/api/cache → 200 (on: true)"),
        "{row}"
    );
    assert!(!row.contains("(on: false)"), "{row}");
}

/// Outsider 21, finding 1: with a long `--out`, the final screen still says the whole
/// command to run, `gameday recover` and the run directory, and the whole report path:
/// wrapped over lines, never cut.
#[test]
fn a_long_run_directory_wraps_whole_in_the_final_banner() {
    let mut sim = done_revert_failed();
    let dir = "/work/outsider21/t/runs-for-the-payments-team/checkout/quarterly-gamedays-2026/20261128T163414Z-revfail";
    sim.sim.info.run_dir = dir.into();
    sim.app.report_path = Some(format!("{dir}/report.md"));
    for (w, h) in [(80, 24), (60, 24), (160, 48)] {
        let s = snap_text(&sim, w, h);
        assert!(s.contains("gameday recover"), "{w}x{h}:\n{s}");
        // the lines from `gameday recover` on, joined, are the command; the same for
        // the report's path
        let lines: Vec<&str> = s.lines().map(str::trim).collect();
        let joined = |from: &str, end: &str| -> String {
            let at = lines
                .iter()
                .position(|l| l.contains(from))
                .unwrap_or_else(|| panic!("no {from} at {w}x{h}:\n{s}"));
            let first = lines[at];
            let mut text = first[first.find(from).unwrap()..].to_string();
            for l in &lines[at + 1..] {
                if text.contains(end) {
                    break;
                }
                text.push_str(l);
            }
            text[..text.find(end).map_or(text.len(), |i| i + end.len())].replace(' ', "")
        };
        // (a line that breaks at a space ends in it: spaces are left out)
        assert_eq!(
            joined("gameday recover", "revfail"),
            format!("gamedayrecover{dir}"),
            "{w}x{h}:\n{s}"
        );
        assert_eq!(
            joined("report:", "report.md"),
            format!("report:{dir}/report.md"),
            "{w}x{h}:\n{s}"
        );
        assert!(s.contains("DONE"), "{w}x{h}:\n{s}");
    }
    snap("done_revert_failed_long_run_dir", &sim);
}

/// Ready with `hypothesis`, armed, triggered 3 s later, and its fault in place (with no
/// targets and no output) a second after that; the sim and the fault's index.
fn live_fault(hypothesis: &str) -> (Sim, usize) {
    let mut sim = ready();
    sim.sim.info.hypothesis = hypothesis.into();
    sim.arm();
    sim.advance(Duration::from_secs(3));
    let i = sim.state.next_fault;
    sim.trigger(false);
    sim.advance_secs(1.0);
    sim.injected(i, &[], "");
    (sim, i)
}

/// The details popup can be longer than the screen: while a fault is live it scrolls
/// between the header and the banner, which keep showing the phase and the kill switch.
#[test]
fn the_details_popup_leaves_the_header_and_the_kill_switch_banner_in_sight() {
    let (mut sim, _) =
        live_fault(&"If one Redis pod is deleted the API keeps serving. ".repeat(12));
    sim.ticks(3, 0.0);
    assert_eq!(sim.state.phase, Phase::Active);
    press(&mut sim, KeyCode::Char('i'));
    assert!(matches!(sim.app.mode, Mode::Details { .. }));
    for scrolled in [false, true] {
        let s = snap_text(&sim, 80, 24);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.len() >= 24, "{s}");
        assert!(
            lines[0].contains("ACTIVE"),
            "the header still says the phase (scrolled: {scrolled}):\n{s}"
        );
        assert!(
            s.contains("FAULT ACTIVE") && s.contains("Ctrl-X: ABORT"),
            "the kill switch banner is in sight (scrolled: {scrolled}):\n{s}"
        );
        assert!(s.contains("Details"), "the popup is open:\n{s}");
        for _ in 0..40 {
            press(&mut sim, KeyCode::Char('j'));
        }
    }
}

/// Outsider 21, findings 2 and 3: a hypothesis of more than three lines and a revert's
/// explanation longer than its row are cut at 80×24; `i` shows both whole (and every
/// expectation), and scrolls when they do not fit.
#[test]
fn i_shows_the_whole_hypothesis_and_each_faults_result() {
    let hypothesis = "If one Redis pod is deleted, the API keeps serving traffic with only a \
        temporary latency bump and no visible spike in 5xx responses, because reads fall back \
        to Postgres, the connection pool reconnects within seconds, the p99 stays below three \
        hundred milliseconds and the error rate stays below one percent throughout the whole \
        window END-OF-HYPOTHESIS";
    let (mut sim, i) = live_fault(hypothesis);
    sim.ticks(35, 0.0);
    assert_eq!(sim.state.phase, Phase::Reverting);
    let why = "the command exited, but a process it started (a daemon, a `&` job) still holds \
        its output open; start such processes with their output redirected \
        (`… >/dev/null 2>&1 &`) END-OF-FIX";
    sim.reverted(i, Ok(why.into()));
    let before = snap_text(&sim, 80, 24);
    assert!(
        !before.contains("END-OF-HYPOTHESIS"),
        "cut before `i`:\n{before}"
    );
    assert!(!before.contains("END-OF-FIX"), "cut before `i`:\n{before}");
    assert!(
        before.contains("i details"),
        "the footer names the key:\n{before}"
    );
    press(&mut sim, KeyCode::Char('i'));
    assert!(matches!(sim.app.mode, Mode::Details { .. }));
    let s = snap("details", &sim);
    let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    // the dialog's text: what is between its borders, line after line
    let inside = |s: &str| -> String {
        let text: Vec<&str> = s
            .lines()
            .filter_map(|l| {
                let (a, b) = (l.find('│')?, l.rfind('│')?);
                (b > a).then(|| &l[a + '│'.len_utf8()..b])
            })
            .collect();
        squash(&text.join(" "))
    };
    let flat = inside(&s);
    assert!(flat.contains(&squash(hypothesis)), "{s}");
    assert!(
        flat.contains("5xx error rate: expect < 1%, abort > 5% for 30s"),
        "{s}"
    );
    assert!(flat.contains("p99 read latency: expect < 300ms"), "{s}");
    // scrolled to the end, the fault's explanation is there whole
    for _ in 0..30 {
        press(&mut sim, KeyCode::Char('j'));
    }
    let s = snap_text(&sim, 80, 24);
    let flat = inside(&s);
    assert!(
        flat.contains(&squash(&format!("REVERTED: revert: {why}"))),
        "{s}"
    );
    // Esc closes it; the run was not touched
    press(&mut sim, KeyCode::Esc);
    assert!(matches!(sim.app.mode, Mode::Normal));
    assert_eq!(snap_text(&sim, 80, 24), before);
}

/// Outsider 21, finding 10: a long signal name no longer pushes `now <value>` off the
/// chart's legend at 80 columns: the name is shortened instead.
#[test]
fn a_long_signal_name_gives_way_to_now_in_the_legend() {
    let mut sim = baseline();
    sim.sim.info.signals[0].name = "signal-number-0-with-a-rather-long-name".into();
    let s = snap_text(&sim, 80, 24);
    let legend = s
        .lines()
        .find(|l| l.contains("expect < 1%") || l.contains("expect < 1 %"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(legend.contains("abort > 5% for 30s"), "{legend}");
    assert!(legend.contains("fault"), "{legend}");
    assert!(legend.contains(" now "), "{legend}");
    assert!(legend.contains("signal-number-0"), "{legend}");
}

/// Outsider 21, finding 8: hostile text is shown one way on every part of the screen:
/// the escapes written out (`\e]0;…`), as the timeline and headless output show them,
/// not with ESC and BEL silently dropped (and never raw).
#[test]
fn hostile_text_shows_its_escapes_in_the_row_and_the_chart() {
    let mut sim = baseline();
    let hostile = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}[31mRED";
    sim.send(Msg::sample(1, Err(hostile.into())));
    sim.app.selected = 1;
    let buf = render(&sim.app, sim.view(), 80, 24);
    let s = text_of(&buf);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("PWNED")).collect();
    assert!(rows.len() >= 2, "the row and the chart: {s}");
    for row in rows {
        assert!(row.contains("\\e]0;PWNED"), "{row}");
    }
}
