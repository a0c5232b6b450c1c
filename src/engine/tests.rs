//! The rules of DESIGN §3, driven by messages with a fake clock: no test sleeps.

use std::time::Duration;

use super::*;
use crate::testkit::{self, criterion, criterion_for, exec_fault, Sim, Start};
use crate::units::{Op, Unit};

/// A run of `signals` and `faults`: 10 s of baseline and of recovery, 60 s at most.
fn new_run(signals: Vec<SignalInfo>, faults: Vec<FaultInfo>) -> Sim {
    let info = RunInfo {
        signals,
        faults,
        alerts: vec![],
        baseline: Duration::from_secs(10),
        recovery: Duration::from_secs(10),
        pod_panels: vec![],
        ..testkit::run_info()
    };
    Sim::start(
        info,
        Start {
            max_duration: Duration::from_secs(60),
            ..Start::default()
        },
    )
}

fn signal(
    name: &str,
    expect: Option<&str>,
    abort: Option<(&str, u64)>,
    tolerate: u64,
) -> SignalInfo {
    SignalInfo {
        expect: expect.map(|t| criterion(Op::Lt, 0.01, t)),
        abort: abort.map(|(t, secs)| criterion_for(Op::Gt, 0.05, t, Duration::from_secs(secs))),
        tolerate: Duration::from_secs(tolerate),
        ..testkit::signal(name, "command", "echo", Unit::Ratio)
    }
}

fn fault(name: &str, secs: u64) -> FaultInfo {
    exec_fault(
        name,
        Duration::from_secs(secs),
        &format!("break {name}"),
        &format!("fix {name}"),
    )
}

fn baseline_ok(run: &mut Sim, values: &[f64]) {
    for _ in 0..10 {
        run.second(values);
    }
    assert_eq!(run.state.phase, Phase::Ready);
}

#[test]
fn full_run_confirmed() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 5)],
    );
    // nothing can be armed during the baseline
    run.send(Msg::Arm {
        by: "alice".into(),
        plan: vec![],
    });
    assert!(run
        .refused()
        .unwrap()
        .contains("baseline still running (10 s left)"));
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    assert!(run.effects.contains(&Effect::Inject { fault: 0 }));
    // the intent is journaled before the inject effect
    let pos_intent = run
        .effects
        .iter()
        .position(|e| matches!(e, Effect::Journal(Event::FaultInjecting { .. })));
    let pos_inject = run
        .effects
        .iter()
        .position(|e| matches!(e, Effect::Inject { .. }));
    assert!(pos_intent < pos_inject);
    run.send(Msg::Injected {
        fault: 0,
        result: Ok(Injection {
            targets: vec![],
            detail: String::new(),
            restore: None,
        }),
    });
    assert_eq!(run.state.phase, Phase::Active);
    for _ in 0..4 {
        run.second(&[0.002]);
    }
    assert_eq!(run.state.phase, Phase::Active);
    run.second(&[0.002]);
    // duration reached: reverted automatically
    assert_eq!(run.state.phase, Phase::Reverting);
    assert!(run.effects.contains(&Effect::Revert {
        fault: 0,
        attempt: 1
    }));
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok("ok".into()),
    });
    assert_eq!(run.state.phase, Phase::Recovery);
    for _ in 0..10 {
        run.second(&[0.002]);
    }
    assert_eq!(run.state.phase, Phase::Done);
    assert_eq!(run.state.verdict.as_ref().unwrap().0, Verdict::Confirmed);
    assert_eq!(run.state.exit_code(), 0);
    assert!(run.types().contains(&"verdict"));
    // a finished run journals no more samples
    let n = run.records.len();
    run.send(Msg::sample(0, Ok(0.5)));
    assert_eq!(run.records.len(), n);
}

#[test]
fn violation_refutes_and_tolerate_forgives_a_short_one() {
    for (tolerate, expected, code) in [(0, Verdict::Refuted, 1), (5, Verdict::Confirmed, 0)] {
        let mut run = new_run(
            vec![signal("errors", Some("< 1%"), None, tolerate)],
            vec![fault("f", 5)],
        );
        baseline_ok(&mut run, &[0.001]);
        run.arm_and_trigger();
        run.send(Msg::Injected {
            fault: 0,
            result: Ok(Injection {
                targets: vec![],
                detail: String::new(),
                restore: None,
            }),
        });
        run.second(&[0.02]);
        run.second(&[0.03]);
        run.second(&[0.001]);
        run.second(&[0.001]);
        run.second(&[0.001]);
        run.send(Msg::Reverted {
            fault: 0,
            attempt: 1,
            result: Ok(String::new()),
        });
        for _ in 0..10 {
            run.second(&[0.001]);
        }
        let (v, reasons) = run.state.verdict.clone().unwrap();
        assert_eq!(v, expected, "tolerate {tolerate}: {reasons:?}");
        assert_eq!(run.state.exit_code(), code);
    }
}

#[test]
fn trigger_refused_while_steady_state_fails_unless_overridden() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 5)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.send(Msg::Arm {
        by: "alice".into(),
        plan: vec![],
    });
    run.send(Msg::sample(0, Ok(0.2)));
    run.send(Msg::Trigger {
        by: "alice".into(),
        override_steady_state: false,
    });
    assert_eq!(run.state.phase, Phase::Armed);
    assert!(
        run.refused()
            .unwrap()
            .contains("errors: 20 % (expect < 1 %)"),
        "{:?}",
        run.refused()
    );
    // missing data is not a steady state either
    run.send(Msg::sample(0, Err("connection refused".into())));
    run.send(Msg::Trigger {
        by: "alice".into(),
        override_steady_state: false,
    });
    assert!(run
        .refused()
        .unwrap()
        .contains("no data (connection refused)"));
    run.send(Msg::Trigger {
        by: "alice".into(),
        override_steady_state: true,
    });
    assert_eq!(run.state.phase, Phase::Injecting);
    assert!(run.types().contains(&"override"));
}

#[test]
fn trigger_only_from_armed_and_disarm_returns_to_ready() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 5)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.send(Msg::Trigger {
        by: "alice".into(),
        override_steady_state: false,
    });
    assert!(run.refused().unwrap().contains("arm a fault first"));
    run.send(Msg::Arm {
        by: "alice".into(),
        plan: vec![],
    });
    run.send(Msg::Disarm { by: "bob".into() });
    assert_eq!(run.state.phase, Phase::Ready);
    assert_eq!(run.state.faults[0].status, FaultStatus::Pending);
    assert!(matches!(
        run.events().last(),
        Some(Event::Phase {
            phase: Phase::Ready
        })
    ));
}

#[test]
fn kill_switch_reverts_every_live_fault_at_once_then_watches_the_recovery() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30), fault("g", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    // pulled while the injection is still in flight
    run.send(Msg::Abort {
        by: "bob".into(),
        source: AbortSource::Join,
        detail: String::new(),
    });
    assert!(run.effects.contains(&Effect::Revert {
        fault: 0,
        attempt: 1
    }));
    assert_eq!(run.state.phase, Phase::Reverting);
    // a second pull changes nothing and asks nothing
    let before = run.records.len();
    run.send(Msg::Abort {
        by: "alice".into(),
        source: AbortSource::Key,
        detail: String::new(),
    });
    assert_eq!(run.records.len(), before);
    // the late injection result of a cancelled fault is ignored
    run.send(Msg::Injected {
        fault: 0,
        result: Ok(Injection {
            targets: vec![],
            detail: String::new(),
            restore: None,
        }),
    });
    assert_eq!(run.state.faults[0].status, FaultStatus::Reverting);
    run.now += Duration::from_millis(300);
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    // every fault reverted: the run watches the recovery, and nothing can be armed
    assert_eq!(run.state.phase, Phase::Recovery);
    assert!(run.state.verdict.is_none());
    let a = run.state.abort.clone().unwrap();
    assert_eq!((a.by.as_str(), a.source), ("bob", AbortSource::Join));
    assert_eq!(a.all_reverted_at, Some(a.at + Duration::from_millis(300)));
    run.send(Msg::Arm {
        by: "alice".into(),
        plan: vec![],
    });
    assert!(run.refused().unwrap().contains("kill switch"));
    run.send(Msg::PrepareArm { by: "alice".into() });
    assert!(run.refused().unwrap().contains("kill switch"));
    // ... for the scenario's recovery phase, then the verdict
    run.second(&[0.5]);
    run.advance_secs(8.0);
    assert_eq!(run.state.phase, Phase::Recovery);
    run.advance_secs(1.0);
    assert_eq!(run.state.phase, Phase::Done);
    assert_eq!(run.state.verdict.as_ref().unwrap().0, Verdict::Aborted);
    assert_eq!(run.state.exit_code(), 2);
}

#[test]
fn a_kill_switch_during_an_injection_journals_it_cancelled_before_its_revert() {
    for in_flight in [true, false] {
        let mut run = new_run(
            vec![signal("errors", Some("< 1%"), None, 0)],
            vec![fault("f", 30)],
        );
        baseline_ok(&mut run, &[0.001]);
        run.arm_and_trigger();
        if !in_flight {
            run.injected(0, &[], "");
        }
        run.send(Msg::Abort {
            by: "bob".into(),
            source: AbortSource::Key,
            detail: String::new(),
        });
        let types = run.types();
        let cancelled = types.iter().position(|t| *t == "fault_inject_cancelled");
        let reverting = types.iter().position(|t| *t == "fault_reverting").unwrap();
        let abort = types.iter().position(|t| *t == "abort").unwrap();
        if in_flight {
            // abort, then the cancellation, right before the revert it explains
            let at = cancelled.unwrap_or_else(|| panic!("not journaled: {types:?}"));
            assert!(abort < at && at + 1 == reverting, "{types:?}");
            assert!(run
                .events()
                .any(|e| matches!(e, Event::FaultInjectCancelled { fault } if fault == "f")));
        } else {
            assert_eq!(
                cancelled, None,
                "an injection that answered was not cancelled"
            );
        }
        let f = &run.state.faults[0];
        assert_eq!((f.inject_cancelled, f.inject_failed), (in_flight, false));
        // a cancelled injection is not a failed one: the run is ABORTED, exit 2
        run.reverted(0, Ok(String::new()));
        run.send(Msg::End { by: "bob".into() });
        assert_eq!(run.state.phase, Phase::Done);
        assert_eq!(run.state.exit_code(), 2);
    }
}

/// A SIGHUP brings a lost terminal with it (and a hang-up a SIGHUP): two kill switches
/// from one ending. The first ends the process, so there is no recovery for the second to
/// cut short, whichever comes first and whether or not the revert has settled.
#[test]
fn a_second_ending_after_a_signal_or_a_lost_terminal_cuts_nothing_short() {
    for (first, second) in [
        (AbortSource::Signal, AbortSource::Terminal),
        (AbortSource::Terminal, AbortSource::Signal),
    ] {
        for settled_between in [false, true] {
            let mut run = new_run(
                vec![signal("errors", Some("< 1%"), None, 0)],
                vec![fault("f", 30)],
            );
            baseline_ok(&mut run, &[0.001]);
            run.arm_and_trigger();
            run.injected(0, &[], "");
            run.send(Msg::Abort {
                by: "alice".into(),
                source: first,
                detail: "SIGHUP".into(),
            });
            if settled_between {
                run.reverted(0, Ok(String::new()));
            }
            run.send(Msg::Abort {
                by: "alice".into(),
                source: second,
                detail: "the terminal went away".into(),
            });
            if !settled_between {
                run.reverted(0, Ok(String::new()));
            }
            let types = run.types();
            assert!(
                !types.contains(&"recovery_cut_short"),
                "{first:?} then {second:?}: {types:?}"
            );
            assert_eq!(types.iter().filter(|t| **t == "abort").count(), 1);
            assert_eq!(run.state.phase, Phase::Done, "{first:?} then {second:?}");
            assert_eq!(run.state.exit_code(), 2);
        }
    }
}

#[test]
fn after_the_kill_switch_q_cuts_the_recovery_short_and_a_signal_ends_it_at_once() {
    for (msg, why) in [
        (Msg::End { by: "alice".into() }, "q"),
        (
            Msg::Abort {
                by: "alice".into(),
                source: AbortSource::Signal,
                detail: "SIGTERM".into(),
            },
            "SIGTERM",
        ),
    ] {
        let mut run = new_run(
            vec![signal("errors", Some("< 1%"), None, 0)],
            vec![fault("f", 30)],
        );
        baseline_ok(&mut run, &[0.001]);
        run.arm_and_trigger();
        run.send(Msg::Abort {
            by: "alice".into(),
            source: AbortSource::Key,
            detail: String::new(),
        });
        run.send(Msg::Reverted {
            fault: 0,
            attempt: 1,
            result: Ok(String::new()),
        });
        assert_eq!(run.state.phase, Phase::Recovery, "{why}");
        run.advance_secs(2.0);
        run.send(msg);
        assert_eq!(run.state.phase, Phase::Done, "{why}");
        assert_eq!(run.state.verdict.as_ref().unwrap().0, Verdict::Aborted);
    }
    // a kill switch pulled by the process ending ends the run at once
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::Abort {
        by: "alice".into(),
        source: AbortSource::Terminal,
        detail: String::new(),
    });
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    assert_eq!(run.state.phase, Phase::Done);
}

#[test]
fn kill_switch_with_two_live_faults_reverts_both_concurrently() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30), fault("g", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    // two faults live at once cannot come from the operator (one at a time), but the
    // kill switch must not depend on that
    run.state.faults[0].status = FaultStatus::Active;
    run.state.faults[1].status = FaultStatus::Injecting;
    run.state.first_trigger = Some(run.now);
    run.send(Msg::Abort {
        by: "alice".into(),
        source: AbortSource::Key,
        detail: String::new(),
    });
    let reverts: Vec<_> = run
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::Revert { .. }))
        .collect();
    assert_eq!(
        reverts.len(),
        2,
        "both reverts go out in the same batch, no waiting on each other"
    );
    run.send(Msg::Reverted {
        fault: 1,
        attempt: 1,
        result: Ok(String::new()),
    });
    assert_eq!(run.state.phase, Phase::Reverting, "one still reverting");
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    assert_eq!(run.state.phase, Phase::Recovery);
}

#[test]
fn guardrail_trips_the_kill_switch_after_its_for() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), Some(("> 5% for 3s", 3)), 0)],
        vec![fault("f", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::Injected {
        fault: 0,
        result: Ok(Injection {
            targets: vec![],
            detail: String::new(),
            restore: None,
        }),
    });
    run.second(&[0.1]);
    run.second(&[0.1]);
    run.second(&[0.01]); // a break resets the guardrail
    run.second(&[0.1]);
    run.second(&[0.1]);
    run.second(&[0.1]);
    assert!(run.state.abort.is_none(), "held 2 s of 3 s");
    run.second(&[0.1]);
    let a = run.state.abort.clone().expect("guardrail tripped");
    assert_eq!(a.source, AbortSource::Guardrail);
    assert!(run.types().contains(&"guardrail_tripped"));
    assert_eq!(run.state.phase, Phase::Reverting);
}

#[test]
fn guardrail_ignores_missing_data_and_the_baseline() {
    let mut run = new_run(
        vec![signal("errors", None, Some(("> 5%", 0)), 0)],
        vec![fault("f", 30)],
    );
    baseline_ok(&mut run, &[0.5]); // bad, but nothing is injected: no trip
    assert!(run.state.abort.is_none());
    run.arm_and_trigger();
    run.send(Msg::sample(0, Err("timeout".into())));
    assert!(run.state.abort.is_none());
    run.send(Msg::sample(0, Ok(0.5)));
    assert!(run.state.abort.is_some());
}

#[test]
fn max_duration_pulls_the_kill_switch_even_if_injection_hangs() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.advance_secs(59.0);
    assert!(run.state.abort.is_none());
    run.advance_secs(1.0);
    let a = run.state.abort.clone().expect("ttl");
    assert_eq!(a.source, AbortSource::Ttl);
    assert!(run.events().any(|e| matches!(
        e,
        Event::FaultReverting {
            reason: RevertReason::MaxDuration,
            ..
        }
    )));
}

#[test]
fn failed_revert_is_retried_with_backoff_then_exit_5() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 1)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::Injected {
        fault: 0,
        result: Ok(Injection {
            targets: vec![],
            detail: String::new(),
            restore: None,
        }),
    });
    run.advance_secs(1.0);
    let mut waits = vec![];
    for attempt in 1..=REVERT_ATTEMPTS {
        assert!(
            run.effects.contains(&Effect::Revert { fault: 0, attempt }),
            "attempt {attempt}: {:?}",
            run.effects
        );
        run.send(Msg::Reverted {
            fault: 0,
            attempt,
            result: Err("exit 1".into()),
        });
        if attempt < REVERT_ATTEMPTS {
            let retry = run.state.faults[0].next_retry.unwrap();
            waits.push((retry - run.now).num_milliseconds());
            run.now = retry;
            run.send(Msg::Tick);
        }
    }
    assert_eq!(waits, vec![500, 1000, 2000]);
    assert_eq!(run.state.faults[0].status, FaultStatus::RevertFailed);
    assert_eq!(run.state.phase, Phase::Recovery);
    for _ in 0..10 {
        run.second(&[0.001]);
    }
    assert_eq!(run.state.exit_code(), 5);
    let attempts = run
        .events()
        .filter(|e| matches!(e, Event::FaultReverting { .. }))
        .count();
    assert_eq!(
        attempts, REVERT_ATTEMPTS as usize,
        "every attempt is journaled"
    );
}

#[test]
fn failed_injection_is_cleaned_up_and_exit_4() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 5), fault("g", 5)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::Injected {
        fault: 0,
        result: Err("exit 2: no such service".into()),
    });
    assert!(run.effects.contains(&Effect::Revert {
        fault: 0,
        attempt: 1
    }));
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    assert_eq!(
        run.state.phase,
        Phase::Recovery,
        "no second fault after a failed injection"
    );
    for _ in 0..10 {
        run.second(&[0.001]);
    }
    assert_eq!(run.state.exit_code(), 4);
}

#[test]
fn missing_data_during_the_window_is_inconclusive() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 5)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::Injected {
        fault: 0,
        result: Ok(Injection {
            targets: vec![],
            detail: String::new(),
            restore: None,
        }),
    });
    for _ in 0..5 {
        run.send(Msg::sample(0, Err("timeout".into())));
        run.advance_secs(1.0);
    }
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    for _ in 0..10 {
        run.second(&[0.001]);
    }
    assert_eq!(run.state.verdict.as_ref().unwrap().0, Verdict::Inconclusive);
    assert_eq!(run.state.exit_code(), 3);
}

#[test]
fn second_fault_waits_for_ready_and_autopilot_runs_both() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 2), fault("g", 2)],
    );
    baseline_ok(&mut run, &[0.001]);
    let mut injected = vec![];
    for _ in 0..40 {
        while let Some(msg) = autopilot(&run.state, run.now, "ci") {
            run.send(msg);
        }
        for e in run.effects.clone() {
            match e {
                Effect::Inject { fault } => {
                    injected.push(fault);
                    run.send(Msg::Injected {
                        fault,
                        result: Ok(Injection {
                            targets: vec![],
                            detail: String::new(),
                            restore: None,
                        }),
                    });
                }
                Effect::Prepare { fault, by } => {
                    let plan = run.state.cfg.faults[fault].plan.clone();
                    let fx = run
                        .send(Msg::Prepared {
                            fault,
                            by,
                            result: Ok(plan),
                        })
                        .to_vec();
                    for e in fx {
                        if let Effect::PlanReady { plan, .. } = e {
                            run.send(Msg::Arm {
                                by: "ci".into(),
                                plan,
                            });
                            let fx = run
                                .send(Msg::Trigger {
                                    by: "ci".into(),
                                    override_steady_state: false,
                                })
                                .to_vec();
                            for e in fx {
                                if let Effect::Inject { fault } = e {
                                    injected.push(fault);
                                    run.send(Msg::Injected {
                                        fault,
                                        result: Ok(Injection {
                                            targets: vec![],
                                            detail: String::new(),
                                            restore: None,
                                        }),
                                    });
                                }
                            }
                        }
                    }
                }
                Effect::Revert { fault, attempt } => {
                    run.send(Msg::Reverted {
                        fault,
                        attempt,
                        result: Ok(String::new()),
                    });
                }
                _ => {}
            }
        }
        if run.state.is_done() {
            break;
        }
        run.second(&[0.001]);
    }
    assert_eq!(injected, vec![0, 1]);
    assert_eq!(run.state.verdict.as_ref().unwrap().0, Verdict::Confirmed);
}

#[test]
fn autopilot_gives_up_when_the_baseline_does_not_hold() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 2)],
    );
    baseline_ok(&mut run, &[0.5]);
    let msg = autopilot(&run.state, run.now, "ci").unwrap();
    run.send(msg);
    assert_eq!(run.state.phase, Phase::Done);
    let (v, reasons) = run.state.verdict.clone().unwrap();
    assert_eq!(v, Verdict::NotRun);
    assert!(
        reasons[0].contains("did not hold at the end of the baseline"),
        "{reasons:?}"
    );
    assert_eq!(run.state.exit_code(), 6);
    assert!(run.state.faults.iter().all(|f| f.triggered_at.is_none()));
}

#[test]
fn quitting_with_a_fault_active_reverts_it_first() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::Injected {
        fault: 0,
        result: Ok(Injection {
            targets: vec![],
            detail: String::new(),
            restore: None,
        }),
    });
    run.send(Msg::End { by: "alice".into() });
    assert!(run.effects.contains(&Effect::Revert {
        fault: 0,
        attempt: 1
    }));
    assert_eq!(run.state.abort.as_ref().unwrap().source, AbortSource::Quit);
    run.send(Msg::Reverted {
        fault: 0,
        attempt: 1,
        result: Ok(String::new()),
    });
    assert!(run.state.is_done());
}

#[test]
fn notes_are_journaled_with_their_author_in_every_phase() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30)],
    );
    run.send(Msg::Note {
        author: "bob".into(),
        kind: NoteKind::Action,
        text: " raise the pool ".into(),
    });
    assert_eq!(
        run.events().last(),
        Some(&Event::Note {
            author: "bob".into(),
            kind: NoteKind::Action,
            text: "raise the pool".into()
        })
    );
    run.send(Msg::Note {
        author: "bob".into(),
        kind: NoteKind::Note,
        text: "  ".into(),
    });
    assert!(run.refused().is_some());
}

#[test]
fn an_action_item_with_a_malformed_due_date_is_refused_and_not_journaled() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30)],
    );
    let notes = |run: &Sim| {
        run.events()
            .filter(|e| matches!(e, Event::Note { .. }))
            .count()
    };
    run.send(Msg::Note {
        author: "bob".into(),
        kind: NoteKind::Action,
        text: "raise the pool @bob due:2026-13-01".into(),
    });
    let why = run.refused().expect("refused");
    assert!(
        why.starts_with("action item not recorded: `due:2026-13-01` is not a day")
            && why.contains("due:YYYY-MM-DD"),
        "{why}"
    );
    assert_eq!(notes(&run), 0);
    // a plain note is text: `due:` in it means nothing
    run.send(Msg::Note {
        author: "bob".into(),
        kind: NoteKind::Note,
        text: "the due:2026-13-01 field is wrong".into(),
    });
    assert_eq!(notes(&run), 1);
    // the text is journaled as typed, tags and all
    run.send(Msg::Note {
        author: "bob".into(),
        kind: NoteKind::Action,
        text: "raise the pool @bob due:2026-12-01".into(),
    });
    assert_eq!(
        run.events().last(),
        Some(&Event::Note {
            author: "bob".into(),
            kind: NoteKind::Action,
            text: "raise the pool @bob due:2026-12-01".into()
        })
    );
}

#[test]
fn a_fault_that_cannot_be_armed_is_refused_and_journaled() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 5)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.send(Msg::PrepareArm { by: "alice".into() });
    assert_eq!(
        run.effects,
        vec![Effect::Prepare {
            fault: 0,
            by: "alice".into()
        }]
    );
    // a second request while the first is out is refused, not doubled
    run.send(Msg::PrepareArm { by: "alice".into() });
    assert!(run.refused().unwrap().contains("already checking"));
    run.send(Msg::Prepared {
        fault: 0,
        by: "alice".into(),
        result: Err("selector app=redis matches 3 pods in shop; safety.max_targets is 1".into()),
    });
    assert!(matches!(
        &run.effects[..],
        [
            Effect::Journal(Event::ArmRefused { .. }),
            Effect::ArmRefused { .. }
        ]
    ));
    assert_eq!(run.state.phase, Phase::Ready, "nothing armed");
    run.send(Msg::PrepareArm { by: "alice".into() });
    run.send(Msg::Prepared {
        fault: 0,
        by: "alice".into(),
        result: Ok(vec!["inject: x".into()]),
    });
    assert_eq!(
        run.effects,
        vec![Effect::PlanReady {
            fault: 0,
            plan: vec!["inject: x".into()]
        }]
    );
}

#[test]
fn fault_progress_is_journaled_while_active() {
    let mut run = new_run(
        vec![signal("errors", Some("< 1%"), None, 0)],
        vec![fault("f", 30)],
    );
    baseline_ok(&mut run, &[0.001]);
    run.arm_and_trigger();
    run.send(Msg::FaultProgress {
        fault: 0,
        detail: "deleted pod/redis-0".into(),
    });
    assert_eq!(
        run.events().last(),
        Some(&Event::FaultProgress {
            fault: "f".into(),
            detail: "deleted pod/redis-0".into()
        })
    );
    assert_eq!(run.state.faults[0].detail, "deleted pod/redis-0");
}

fn pod(ns: &str, name: &str, status: &str, restarts: u32) -> PodRow {
    PodRow {
        namespace: ns.into(),
        name: name.into(),
        ready: u32::from(status == "Running"),
        total: 1,
        status: status.into(),
        restarts,
        created: None,
        node: "node-a".into(),
    }
}

fn pods_run() -> Sim {
    let mut run = new_run(vec![], vec![fault("f", 30)]);
    run.state.pod_panels = vec![PodPanel {
        selector: "app=api".into(),
        ..PodPanel::default()
    }];
    run
}

fn pod_changes(run: &Sim) -> Vec<(String, String)> {
    match run.events().last() {
        Some(Event::Pods { changes, .. }) => changes
            .iter()
            .map(|c| (c.pod.clone(), c.change.clone()))
            .collect(),
        other => panic!("no pods record last: {other:?}"),
    }
}

#[test]
fn a_whole_pod_list_is_sorted_and_compared_with_the_rows_shown() {
    let mut run = pods_run();
    run.send(Msg::Pods {
        panel: 0,
        rows: vec![
            pod("shop", "c", "Running", 0),
            pod("shop", "a", "Running", 0),
            pod("bar", "z", "Running", 0),
        ],
    });
    assert!(
        !run.types().contains(&"pods"),
        "the first list is the starting picture"
    );
    let names: Vec<_> = run.state.pod_panels[0]
        .rows
        .iter()
        .map(|r| format!("{}/{}", r.namespace, r.name))
        .collect();
    assert_eq!(
        names,
        ["bar/z", "shop/a", "shop/c"],
        "sorted by namespace, name"
    );
    // a relist: a is gone, b is new, c restarted, z unchanged
    run.send(Msg::Pods {
        panel: 0,
        rows: vec![
            pod("shop", "c", "Running", 1),
            pod("bar", "z", "Running", 0),
            pod("shop", "b", "Pending", 0),
        ],
    });
    let mut changes = pod_changes(&run);
    changes.sort();
    assert_eq!(
        changes,
        [
            ("a".to_string(), "deleted".to_string()),
            ("b".into(), "added".into()),
            ("c".into(), "restarted".into())
        ]
    );
    assert_eq!(run.state.pod_panels[0].rows.len(), 3);
}

#[test]
fn pod_changes_update_only_their_rows_and_are_journaled() {
    let mut run = pods_run();
    run.send(Msg::Pods {
        panel: 0,
        rows: (0..100)
            .map(|i| pod("shop", &format!("api-{i:03}"), "Running", 0))
            .collect(),
    });
    run.state.pod_panels[0].error = Some("watch failed".into());
    run.send(Msg::PodsChanged {
        panel: 0,
        changed: vec![
            pod("shop", "api-007", "CrashLoopBackOff", 1),
            pod("shop", "api-050", "Running", 0),
            pod("shop", "api-100", "Pending", 0),
        ],
        deleted: vec![("shop".into(), "api-003".into())],
    });
    let p = &run.state.pod_panels[0];
    assert_eq!(p.error, None, "news from the watch clears its error");
    assert_eq!(p.rows.len(), 100, "one added, one deleted");
    assert!(
        p.rows.windows(2).all(|w| w[0].name < w[1].name),
        "still sorted"
    );
    assert!(!p.rows.iter().any(|r| r.name == "api-003"));
    assert_eq!(p.rows[6].status, "CrashLoopBackOff");
    let mut changes = pod_changes(&run);
    changes.sort();
    assert_eq!(
        changes,
        [
            ("api-003".to_string(), "deleted".to_string()),
            ("api-007".into(), "restarted".into()),
            ("api-100".into(), "added".into())
        ],
        "an unchanged row is not news"
    );
    let marked: Vec<_> = p
        .recent
        .iter()
        .map(|(n, c, _)| (n.as_str(), c.as_str()))
        .collect();
    assert!(marked.contains(&("api-007", "restarted")), "{marked:?}");
    // nothing new: nothing journaled
    let before = run.records.len();
    run.send(Msg::PodsChanged {
        panel: 0,
        changed: vec![],
        deleted: vec![("shop".into(), "no-such-pod".into())],
    });
    assert_eq!(run.records.len(), before);
    // the marks last HIGHLIGHT, then go
    run.now += HIGHLIGHT - Duration::from_secs(1);
    run.send(Msg::PodsChanged {
        panel: 0,
        changed: vec![pod("shop", "api-050", "Failed", 0)],
        deleted: vec![],
    });
    assert_eq!(run.state.pod_panels[0].recent.len(), 4);
    run.now += Duration::from_secs(2);
    run.send(Msg::PodsChanged {
        panel: 0,
        changed: vec![],
        deleted: vec![],
    });
    let left: Vec<_> = run.state.pod_panels[0]
        .recent
        .iter()
        .map(|(n, c, _)| (n.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        left,
        [("api-050", "changed")],
        "only the newer mark is left"
    );
}
