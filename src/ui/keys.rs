//! Keys to actions. The kill switch is looked at before anything else, so no dialog or
//! editor can swallow it (`Ctrl-X` everywhere, `X` wherever no text is being typed).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::{Input, InputRequest};

use super::{Action, App, Mode, View, OVERRIDE_WORD};
use crate::engine::Msg;
use crate::journal::{AbortSource, NoteKind, Phase};
use crate::units::format_duration;

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(key.code, KeyCode::Char(k) if k.eq_ignore_ascii_case(&c))
}

/// The kill switch from a key. No reason: the source (`key`) already says how it was
/// pulled, and the key's name read as a reason ("pulled by alice (key): X").
fn abort(app: &App) -> Action {
    Action::Send(Msg::Abort {
        by: app.operator.clone(),
        source: AbortSource::Key,
        detail: String::new(),
    })
}

pub fn handle_key(app: &mut App, key: KeyEvent, view: View) -> Vec<Action> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // The hard key first: the kill switch never depends on what is open.
    if ctrl(&key, 'x') {
        if !app.typing() {
            app.mode = Mode::Normal;
        }
        return vec![abort(app)];
    }
    let plain_x = key.code == KeyCode::Char('X') && !key.modifiers.contains(KeyModifiers::CONTROL);
    if plain_x && !app.typing() {
        app.mode = Mode::Normal;
        return vec![abort(app)];
    }
    match std::mem::replace(&mut app.mode, Mode::Normal) {
        Mode::Normal => normal(app, key, view),
        Mode::Help => Vec::new(),
        Mode::Details { scroll } => {
            let most = crate::ui::widgets::dialogs::details_len(view, app.theme);
            let scroll = match key.code {
                KeyCode::Down | KeyCode::Char('j') => scroll + 1,
                KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => scroll + 10,
                KeyCode::PageUp => scroll.saturating_sub(10),
                _ => return Vec::new(),
            };
            app.mode = Mode::Details {
                scroll: scroll.min(most),
            };
            Vec::new()
        }
        Mode::ArmConfirm { fault, plan } => match key.code {
            KeyCode::Char('y') | KeyCode::Enter => vec![Action::Send(Msg::Arm {
                by: app.operator.clone(),
                plan,
            })],
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => {
                app.flash("not armed", view.now);
                Vec::new()
            }
            _ => {
                app.mode = Mode::ArmConfirm { fault, plan };
                Vec::new()
            }
        },
        Mode::Milestone { selected } => chooser(app, key, view, selected),
        Mode::QuitConfirm => match key.code {
            KeyCode::Char('y') | KeyCode::Enter => {
                app.flash("reverting every active fault, then quitting…", view.now);
                vec![
                    Action::Send(Msg::End {
                        by: app.operator.clone(),
                    }),
                    Action::Quit,
                ]
            }
            KeyCode::Char('n') | KeyCode::Esc => Vec::new(),
            _ => {
                app.mode = Mode::QuitConfirm;
                Vec::new()
            }
        },
        Mode::Note { kind, mut input } => match key.code {
            KeyCode::Enter => {
                let text = input.value().trim().to_string();
                if text.is_empty() {
                    return Vec::new();
                }
                if kind == NoteKind::Action {
                    if let Err(why) = crate::followup::parse(&text) {
                        // the dialog stays open with the text as typed, to be corrected
                        app.flash(format!("not saved: {why}"), view.now);
                        app.mode = Mode::Note { kind, input };
                        return Vec::new();
                    }
                }
                // a "not saved" said about an earlier try no longer holds
                app.flash = None;
                vec![Action::Send(Msg::Note {
                    author: app.operator.clone(),
                    kind,
                    text,
                })]
            }
            KeyCode::Esc => Vec::new(),
            _ if ctrl(&key, 'c') => Vec::new(),
            _ => {
                edit(&mut input, &key);
                app.mode = Mode::Note { kind, input };
                Vec::new()
            }
        },
        Mode::Override { failing, mut input } => match key.code {
            KeyCode::Enter => {
                if input.value().trim().eq_ignore_ascii_case(OVERRIDE_WORD) {
                    vec![Action::Send(Msg::Trigger {
                        by: app.operator.clone(),
                        override_steady_state: true,
                    })]
                } else {
                    app.flash(
                        format!("not triggered: type \"{OVERRIDE_WORD}\" to trigger anyway"),
                        view.now,
                    );
                    app.mode = Mode::Override {
                        failing,
                        input: Input::default(),
                    };
                    Vec::new()
                }
            }
            KeyCode::Esc => {
                app.flash("not triggered", view.now);
                Vec::new()
            }
            _ if ctrl(&key, 'c') => Vec::new(),
            _ => {
                edit(&mut input, &key);
                app.mode = Mode::Override { failing, input };
                Vec::new()
            }
        },
    }
}

fn normal(app: &mut App, key: KeyEvent, view: View) -> Vec<Action> {
    let state = view.state;
    let n_signals = view.info.signals.len().max(1);
    if let Some(driver) = &app.joined {
        if matches!(key.code, KeyCode::Char('a' | 'd' | 't')) {
            app.flash(
                format!("only the driver ({driver}) arms and triggers; X pulls the kill switch"),
                view.now,
            );
            return Vec::new();
        }
    }
    match key.code {
        KeyCode::Char('a') => {
            if state.abort.is_some() {
                app.flash(
                    "the kill switch was pulled: nothing more can be armed in this run",
                    view.now,
                );
            } else if state.phase == Phase::Baseline {
                let left = state
                    .phase_deadline()
                    .map(|d| (d - view.now).to_std().unwrap_or_default())
                    .unwrap_or_default();
                app.flash(
                    format!("baseline still running ({} left)", format_duration(left)),
                    view.now,
                );
            } else if state.phase != Phase::Ready {
                app.flash(format!("cannot arm while {}", state.phase.word()), view.now);
            } else if state.next_fault >= view.info.faults.len() {
                app.flash("every fault has been run", view.now);
            } else {
                // targets, blast radius and permissions are checked first; the plan
                // dialog opens when the answer comes back. The footer says so while the
                // engine is preparing (not for a fixed time: it must not outlive the step)
                return vec![Action::Send(Msg::PrepareArm {
                    by: app.operator.clone(),
                })];
            }
            Vec::new()
        }
        KeyCode::Char('d') => vec![Action::Send(Msg::Disarm {
            by: app.operator.clone(),
        })],
        KeyCode::Char('t') => {
            // after the kill switch nothing can be armed either: "arm first" would send
            // the operator to a key that refuses too
            if state.abort.is_some() {
                app.flash(
                    "the kill switch was pulled: nothing more can be triggered in this run",
                    view.now,
                );
                return Vec::new();
            }
            if state.phase != Phase::Armed {
                app.flash(
                    "arm a fault first (a): trigger works only when ARMED",
                    view.now,
                );
                return Vec::new();
            }
            let failing = state.failing_expectations();
            if state.cfg.require_steady_state && !failing.is_empty() {
                app.mode = Mode::Override {
                    failing,
                    input: Input::default(),
                };
                return Vec::new();
            }
            vec![Action::Send(Msg::Trigger {
                by: app.operator.clone(),
                override_steady_state: false,
            })]
        }
        KeyCode::Char('n') => {
            app.mode = Mode::Note {
                kind: NoteKind::Note,
                input: Input::default(),
            };
            Vec::new()
        }
        KeyCode::Char('N') => {
            app.mode = Mode::Note {
                kind: NoteKind::Action,
                input: Input::default(),
            };
            Vec::new()
        }
        KeyCode::Char('m') => {
            match markable(view) {
                Ok(open) => {
                    app.mode = Mode::Milestone {
                        selected: open.first().map(|s| s.to_string()).unwrap_or_default(),
                    }
                }
                Err(why) => app.flash(why, view.now),
            }
            Vec::new()
        }
        KeyCode::Tab | KeyCode::Down | KeyCode::Char('j') => {
            app.selected = (app.selected + 1) % n_signals;
            Vec::new()
        }
        KeyCode::BackTab | KeyCode::Up | KeyCode::Char('k') => {
            app.selected = (app.selected + n_signals - 1) % n_signals;
            Vec::new()
        }
        KeyCode::PageUp => {
            app.timeline_scroll =
                (app.timeline_scroll + 5).min(app.timeline.len().saturating_sub(1));
            Vec::new()
        }
        KeyCode::PageDown => {
            app.timeline_scroll = app.timeline_scroll.saturating_sub(5);
            Vec::new()
        }
        KeyCode::Char('?') | KeyCode::F(1) => {
            app.mode = Mode::Help;
            Vec::new()
        }
        KeyCode::Char('i') => {
            app.mode = Mode::Details { scroll: 0 };
            Vec::new()
        }
        KeyCode::Char('q') => quit(app, view),
        _ if ctrl(&key, 'c') => quit(app, view),
        _ => Vec::new(),
    }
}

/// The milestones that can be marked now, or why none can (the engine's own rule).
pub fn markable<'v>(view: View<'v>) -> Result<Vec<&'v str>, String> {
    let state = view.state;
    crate::milestones::markable(
        &state.cfg.milestones,
        &state.milestones,
        state.first_trigger,
        state.is_done(),
    )
}

/// The milestone chooser: ↑/↓ (or j/k, Tab) and 1–9 choose, Enter marks, Esc cancels.
/// A digit only chooses: a mark cannot be taken back, so it always takes the Enter.
fn chooser(app: &mut App, key: KeyEvent, view: View, selected: String) -> Vec<Action> {
    let open = markable(view).unwrap_or_default();
    let at = open.iter().position(|n| *n == selected);
    let choose = |app: &mut App, i: usize| {
        app.mode = Mode::Milestone {
            selected: open
                .get(i.min(open.len().saturating_sub(1)))
                .map(|s| s.to_string())
                .unwrap_or(selected.clone()),
        };
    };
    match key.code {
        KeyCode::Enter => vec![Action::Send(Msg::Milestone {
            name: selected,
            author: app.operator.clone(),
        })],
        KeyCode::Esc | KeyCode::Char('q') => {
            app.flash("no milestone marked", view.now);
            Vec::new()
        }
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            choose(app, at.map_or(0, |i| i + 1));
            Vec::new()
        }
        KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
            choose(app, at.map_or(0, |i| i.saturating_sub(1)));
            Vec::new()
        }
        KeyCode::Char(c @ '1'..='9') => {
            let i = (c as usize) - ('1' as usize);
            if i < open.len() {
                choose(app, i);
            } else {
                app.mode = Mode::Milestone { selected };
            }
            Vec::new()
        }
        _ if ctrl(&key, 'c') => Vec::new(),
        _ => {
            app.mode = Mode::Milestone { selected };
            Vec::new()
        }
    }
}

/// Leaving: with a fault live, only after a confirmation (the revert comes first).
fn quit(app: &mut App, view: View) -> Vec<Action> {
    // a second operator leaving changes nothing in the run
    if app.joined.is_some() {
        return vec![Action::Quit];
    }
    if view.state.live_faults().next().is_some() {
        app.mode = Mode::QuitConfirm;
        return Vec::new();
    }
    if view.state.is_done() {
        return vec![Action::Quit];
    }
    vec![
        Action::Send(Msg::End {
            by: app.operator.clone(),
        }),
        Action::Quit,
    ]
}

/// The editing keys people expect from a shell line.
fn edit(input: &mut Input, key: &KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let req = match key.code {
        KeyCode::Char('a') if ctrl => Some(InputRequest::GoToStart),
        KeyCode::Char('e') if ctrl => Some(InputRequest::GoToEnd),
        KeyCode::Char('b') if ctrl => Some(InputRequest::GoToPrevChar),
        KeyCode::Char('f') if ctrl => Some(InputRequest::GoToNextChar),
        KeyCode::Char('w') if ctrl => Some(InputRequest::DeletePrevWord),
        KeyCode::Char('u') if ctrl => Some(InputRequest::DeleteLine),
        KeyCode::Char('k') if ctrl => Some(InputRequest::DeleteTillEnd),
        KeyCode::Char('h') if ctrl => Some(InputRequest::DeletePrevChar),
        KeyCode::Char('d') if ctrl => Some(InputRequest::DeleteNextChar),
        KeyCode::Char('b') if alt => Some(InputRequest::GoToPrevWord),
        KeyCode::Char('f') if alt => Some(InputRequest::GoToNextWord),
        KeyCode::Char('d') if alt => Some(InputRequest::DeleteNextWord),
        KeyCode::Char(_) if ctrl || alt => None,
        KeyCode::Char(c) => Some(InputRequest::InsertChar(c)),
        KeyCode::Backspace if ctrl || alt => Some(InputRequest::DeletePrevWord),
        KeyCode::Backspace => Some(InputRequest::DeletePrevChar),
        KeyCode::Delete => Some(InputRequest::DeleteNextChar),
        KeyCode::Left if ctrl || alt => Some(InputRequest::GoToPrevWord),
        KeyCode::Right if ctrl || alt => Some(InputRequest::GoToNextWord),
        KeyCode::Left => Some(InputRequest::GoToPrevChar),
        KeyCode::Right => Some(InputRequest::GoToNextChar),
        KeyCode::Home => Some(InputRequest::GoToStart),
        KeyCode::End => Some(InputRequest::GoToEnd),
        _ => None,
    };
    if let Some(req) = req {
        // a note is one line of a table cell: keep it a readable length
        if matches!(req, InputRequest::InsertChar(_)) && input.value().chars().count() >= 500 {
            return;
        }
        input.handle(req);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::engine::{Effect, Injection};
    use crate::journal::{FaultInfo, RunInfo, SignalInfo};
    use crate::testkit::{self, criterion, exec_fault, Sim};
    use crate::units::{Op, Unit};

    /// The keys of a run driven through the real engine; what they send is kept.
    struct Fixture {
        sim: Sim,
        sent: Vec<Msg>,
    }

    impl Fixture {
        fn new() -> Fixture {
            let info = RunInfo {
                scenario: "keys".into(),
                baseline: Duration::from_secs(5),
                recovery: Duration::from_secs(5),
                signals: vec![
                    SignalInfo {
                        expect: Some(criterion(Op::Lt, 0.01, "< 1%")),
                        ..testkit::signal("errors", "http", "GET x", Unit::Ratio)
                    },
                    testkit::signal("depth", "command", "echo 1", Unit::Count),
                ],
                faults: vec![FaultInfo {
                    plan: vec!["inject: sh -c stop".into(), "revert: sh -c start".into()],
                    ..exec_fault("cache down", Duration::from_secs(30), "stop", "start")
                }],
                ..testkit::run_info()
            };
            Fixture {
                // a prepared plan comes back at once and opens the dialog
                sim: Sim::new(info).answering_plans(),
                sent: vec![],
            }
        }

        fn engine(&mut self, msg: Msg) -> Vec<Effect> {
            self.sim.send(msg).to_vec()
        }

        fn key(&mut self, code: KeyCode, mods: KeyModifiers) -> Vec<Action> {
            let sim = &mut self.sim;
            let view = View {
                info: &sim.info,
                state: &sim.state,
                now: sim.now,
            };
            let actions = handle_key(&mut sim.app, KeyEvent::new(code, mods), view);
            for a in &actions {
                if let Action::Send(m) = a {
                    self.sent.push(m.clone());
                    self.engine(m.clone());
                }
            }
            actions
        }

        fn press(&mut self, c: char) -> Vec<Action> {
            self.key(KeyCode::Char(c), KeyModifiers::NONE)
        }

        fn typ(&mut self, text: &str) {
            for c in text.chars() {
                self.press(c);
            }
        }

        fn ready(&mut self) {
            self.sim.now += Duration::from_secs(5);
            self.engine(Msg::sample(0, Ok(0.0)));
            assert_eq!(self.sim.state.phase, Phase::Ready);
        }

        fn active(&mut self) {
            self.ready();
            self.press('a');
            self.press('y');
            self.press('t');
            self.engine(Msg::Injected {
                fault: 0,
                result: Ok(Injection {
                    targets: vec![],
                    detail: String::new(),
                    restore: None,
                }),
            });
            assert_eq!(self.sim.state.phase, Phase::Active);
        }
    }

    #[test]
    fn arm_shows_the_plan_and_needs_a_confirmation() {
        let mut f = Fixture::new();
        f.press('a');
        assert!(matches!(f.sim.app.mode, Mode::Normal));
        assert!(f
            .sim
            .app
            .flash
            .as_ref()
            .unwrap()
            .0
            .contains("baseline still running (5 s left)"));
        f.ready();
        f.press('a');
        match &f.sim.app.mode {
            Mode::ArmConfirm { fault: 0, plan } => assert_eq!(plan[1], "revert: sh -c start"),
            m => panic!("{m:?}"),
        }
        assert!(
            f.sent.iter().all(|m| !matches!(m, Msg::Arm { .. })),
            "nothing is armed before the confirmation: {:?}",
            f.sent
        );
        f.key(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(f.sim.state.phase, Phase::Ready);
        f.press('a');
        f.press('y');
        assert_eq!(f.sim.state.phase, Phase::Armed);
        f.press('d');
        assert_eq!(f.sim.state.phase, Phase::Ready);
    }

    /// The footer's text, as drawn on a 100-column line.
    fn footer_text(f: &Fixture) -> String {
        use ratatui::widgets::Widget;
        let area = ratatui::layout::Rect::new(0, 0, 100, 1);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        let view = f.sim.view();
        crate::ui::widgets::footer::Footer {
            app: &f.sim.app,
            view,
        }
        .render(area, &mut buf);
        buf.content.iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn checking_targets_is_said_while_preparing_and_not_after() {
        let mut f = Fixture::new();
        f.ready();
        // the engine is asked, and has not answered yet (past the kit, which would answer)
        let sim = &mut f.sim;
        let fx = crate::engine::update(
            &mut sim.state,
            Msg::PrepareArm { by: "alice".into() },
            sim.now,
        );
        assert!(fx.iter().any(|e| matches!(e, Effect::Prepare { .. })));
        assert!(footer_text(&f).contains("checking targets and permissions"));
        // a minute later it is still being checked: still said
        f.sim.now += Duration::from_secs(60);
        assert!(footer_text(&f).contains("checking targets and permissions"));
        // the answer comes: the dialog opens (the kit hands the plan to the app, as the
        // front does) and the status is gone at once
        let plan = f.sim.info.faults[0].plan.clone();
        let fx = f.engine(Msg::Prepared {
            fault: 0,
            by: "alice".into(),
            result: Ok(plan),
        });
        assert!(fx.iter().any(|e| matches!(e, Effect::PlanReady { .. })));
        assert!(matches!(f.sim.app.mode, Mode::ArmConfirm { .. }));
        let text = footer_text(&f);
        assert!(!text.contains("checking targets"), "{text}");
        f.press('y');
        f.press('t');
        let text = footer_text(&f);
        assert!(!text.contains("checking targets"), "at the trigger: {text}");
    }

    #[test]
    fn trigger_only_when_armed_and_a_failing_steady_state_needs_the_typed_override() {
        let mut f = Fixture::new();
        f.ready();
        f.press('t');
        assert!(f
            .sim
            .app
            .flash
            .as_ref()
            .unwrap()
            .0
            .contains("arm a fault first"));
        f.press('a');
        f.press('y');
        f.engine(Msg::sample(0, Ok(0.5)));
        f.press('t');
        assert!(matches!(f.sim.app.mode, Mode::Override { .. }));
        // one key is not enough, nor a wrong word
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(f.sim.state.phase, Phase::Armed);
        f.press('t');
        f.typ("yes");
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(f.sim.state.phase, Phase::Armed);
        f.typ("override");
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(f.sim.state.phase, Phase::Injecting);
    }

    #[test]
    fn ctrl_x_in_the_note_editor_pulls_the_kill_switch_at_once_and_keeps_the_note() {
        let mut f = Fixture::new();
        f.active();
        f.press('n');
        f.typ("p99 rising, X marks it");
        assert!(
            f.sent.iter().all(|m| !matches!(m, Msg::Abort { .. })),
            "X is a letter while typing"
        );
        f.key(KeyCode::Char('x'), KeyModifiers::CONTROL);
        let abort = f.sent.last().unwrap();
        assert!(
            matches!(
                abort,
                Msg::Abort {
                    source: AbortSource::Key,
                    ..
                }
            ),
            "{abort:?}"
        );
        assert_eq!(f.sim.state.phase, Phase::Reverting, "one keystroke reverts");
        // the half-written note is still there to finish
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        match f.sent.last().unwrap() {
            Msg::Note {
                author,
                kind: NoteKind::Note,
                text,
            } => {
                assert_eq!(author, "alice");
                assert_eq!(text, "p99 rising, X marks it");
            }
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn after_the_kill_switch_t_says_so_rather_than_asking_to_arm() {
        let mut f = Fixture::new();
        f.active();
        f.press('X');
        assert!(f.sim.state.abort.is_some());
        match f.sent.last() {
            Some(Msg::Abort { detail, .. }) => assert_eq!(detail, "", "the key is no reason"),
            m => panic!("{m:?}"),
        }
        f.press('t');
        let flash = &f.sim.app.flash.as_ref().unwrap().0;
        assert!(
            flash.contains("the kill switch was pulled: nothing more can be triggered"),
            "{flash}"
        );
    }

    #[test]
    fn capital_x_is_the_kill_switch_in_dialogs_and_the_main_screen() {
        for setup in ["normal", "help", "quit"] {
            let mut f = Fixture::new();
            f.active();
            match setup {
                "help" => {
                    f.press('?');
                    assert!(matches!(f.sim.app.mode, Mode::Help));
                }
                "quit" => {
                    f.press('q');
                    assert!(matches!(f.sim.app.mode, Mode::QuitConfirm));
                }
                _ => {}
            }
            f.press('X');
            assert!(f.sim.state.abort.is_some(), "{setup}");
            assert!(matches!(f.sim.app.mode, Mode::Normal));
        }
    }

    #[test]
    fn quitting_with_a_fault_active_asks_then_reverts_first() {
        let mut f = Fixture::new();
        f.active();
        assert!(f.press('q').is_empty());
        assert!(matches!(f.sim.app.mode, Mode::QuitConfirm));
        f.press('n');
        assert!(f.sim.state.abort.is_none());
        f.press('q');
        let actions = f.press('y');
        assert_eq!(actions.last(), Some(&Action::Quit));
        assert_eq!(
            f.sim.state.abort.as_ref().unwrap().source,
            AbortSource::Quit
        );
        assert_eq!(f.sim.state.phase, Phase::Reverting);
    }

    #[test]
    fn note_editor_has_the_editing_keys_people_expect() {
        let mut f = Fixture::new();
        f.press('N');
        f.typ("raise the pool");
        f.key(KeyCode::Char('w'), KeyModifiers::CONTROL); // delete "pool"
        f.typ("db pool");
        f.key(KeyCode::Home, KeyModifiers::NONE);
        f.typ("to do: ");
        f.key(KeyCode::Char('e'), KeyModifiers::CONTROL);
        f.key(KeyCode::Backspace, KeyModifiers::NONE);
        f.typ("l");
        match &f.sim.app.mode {
            Mode::Note {
                kind: NoteKind::Action,
                input,
            } => assert_eq!(input.value(), "to do: raise the db pool"),
            m => panic!("{m:?}"),
        }
        f.key(KeyCode::Char('u'), KeyModifiers::CONTROL);
        f.typ("short");
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            matches!(f.sent.last(), Some(Msg::Note { kind: NoteKind::Action, text, .. }) if text == "short")
        );
        // Esc discards, an empty note is not sent
        f.press('n');
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(f.sent.len(), 1);
    }

    #[test]
    fn an_action_item_with_a_malformed_due_date_stays_in_the_editor_with_why() {
        let mut f = Fixture::new();
        f.press('N');
        f.typ("fix retries @alice due:2026-12-5");
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert!(f.sent.is_empty(), "{:?}", f.sent);
        let flash = f.sim.app.flash.as_ref().map(|(t, _)| t.clone()).unwrap();
        assert!(
            flash
                .starts_with("not saved: `due:2026-12-5` is not a date in the form due:YYYY-MM-DD"),
            "{flash}"
        );
        match &f.sim.app.mode {
            Mode::Note { input, .. } => {
                assert_eq!(input.value(), "fix retries @alice due:2026-12-5")
            }
            m => panic!("{m:?}"),
        }
        f.key(KeyCode::Backspace, KeyModifiers::NONE);
        f.typ("05");
        f.key(KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            matches!(f.sent.last(), Some(Msg::Note { kind: NoteKind::Action, text, .. }) if text == "fix retries @alice due:2026-12-05")
        );
        assert_eq!(f.sim.app.flash, None, "not saved no longer holds");
    }

    #[test]
    fn selection_moves_and_wraps() {
        let mut f = Fixture::new();
        f.key(KeyCode::Tab, KeyModifiers::NONE);
        assert_eq!(f.sim.app.selected, 1);
        f.press('j');
        assert_eq!(f.sim.app.selected, 0);
        f.key(KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(f.sim.app.selected, 1);
    }
}
