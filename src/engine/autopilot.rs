//! Headless mode's operator: arms and triggers each fault in order, only while the
//! steady state holds, exactly as a careful human would.

use super::{Msg, State, Ts};
use crate::journal::Phase;

/// The next thing the headless operator does, if anything.
pub fn autopilot(state: &State, now: Ts, operator: &str) -> Option<Msg> {
    if state.abort.is_some() || state.is_done() {
        return None;
    }
    let failing = state.failing_expectations();
    match state.phase {
        Phase::Ready if state.next_fault < state.faults.len() => {
            if failing.is_empty() {
                // targets, blast radius and permissions first: the resolved plan comes
                // back as `Effect::PlanReady` and the front arms with it
                (!state.preparing).then(|| Msg::PrepareArm {
                    by: operator.to_string(),
                })
            } else if state.first_trigger.is_none() {
                Some(Msg::GiveUp {
                    reason: format!("{}{}", crate::analysis::BASELINE_GATE, failing.join("; ")),
                })
            } else if now >= state.phase_since + state.cfg.recovery {
                // Between faults the system gets one recovery window to settle before the
                // next fault; a system that does not settle gets no second fault.
                Some(Msg::Finish {
                    by: operator.to_string(),
                })
            } else {
                None
            }
        }
        Phase::Armed => {
            if failing.is_empty() {
                Some(Msg::Trigger {
                    by: operator.to_string(),
                    override_steady_state: false,
                })
            } else {
                Some(Msg::Disarm {
                    by: operator.to_string(),
                })
            }
        }
        _ => None,
    }
}
