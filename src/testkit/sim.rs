//! [`Sim`]: a run driven through the real engine under a fake clock, its effects carried
//! out the way a front carries them out, without I/O: what the engine journals becomes
//! numbered records, refusals and resolved plans reach the TUI's [`App`], and inject,
//! revert and prepare requests wait for the test to answer them, or are answered by an
//! [`Answer`] the test gives.

use std::time::Duration;

use super::{t0, Ts};
use crate::engine::{self, Config, Effect, Injection, Msg, State};
use crate::journal::{Event, Phase, Record, RunInfo};
use crate::ui::{App, Theme, View};

/// Answers a request of the engine (inject, revert, prepare): the message a front would
/// send back, and how long after the request; `None` leaves it to the test.
pub type Answer = Box<dyn FnMut(&Effect, &RunInfo) -> Option<(Duration, Msg)>>;

/// Where and under which limits a simulated run starts.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    pub at: Ts,
    /// `safety.max_duration`
    pub max_duration: Duration,
    /// `safety.require_steady_state`
    pub require_steady_state: bool,
}

impl Default for Start {
    fn default() -> Start {
        Start {
            at: t0(),
            max_duration: Duration::from_secs(600),
            require_steady_state: true,
        }
    }
}

/// A run driven through the real engine with a fake clock.
pub struct Sim {
    pub info: RunInfo,
    pub state: State,
    /// The fake clock: moved only by the test ([`Sim::advance`], or set directly).
    pub now: Ts,
    /// The journal as the writer keeps it: `run_started` first, then every event the
    /// engine journaled, numbered from 1 and stamped with the fake clock.
    pub records: Vec<Record>,
    /// The effects of the last message the test sent.
    pub effects: Vec<Effect>,
    /// The TUI's own state, fed as the TUI feeds it: the records of each step, then its
    /// refusals (flashed) and resolved plans (the arm dialog).
    pub app: App,
    /// Inject, revert and prepare requests not answered yet, oldest first.
    pub pending: Vec<Effect>,
    answer: Option<Answer>,
    /// answers given but not due yet: (when, message)
    owed: Vec<(Ts, Msg)>,
}

impl Sim {
    /// `info` from [`super::t0`], at most 10 minutes, steady state required to trigger.
    pub fn new(info: RunInfo) -> Sim {
        Sim::start(info, Start::default())
    }

    pub fn start(info: RunInfo, start: Start) -> Sim {
        let cfg = Config::from_run_info(&info, start.max_duration, start.require_steady_state);
        let (state, fx) = State::new(cfg, start.at);
        let app = App::new(info.operator.clone(), Theme::default());
        let mut sim = Sim {
            info,
            state,
            now: start.at,
            records: Vec::new(),
            effects: Vec::new(),
            app,
            pending: Vec::new(),
            answer: None,
            owed: Vec::new(),
        };
        // written by the runner, not the engine: not a step the TUI absorbs
        sim.journal(Event::RunStarted(Box::new(sim.info.clone())));
        sim.carry_out(&fx);
        sim.effects = fx;
        sim
    }

    /// From now on, requests are answered by `answer` (at once when it says
    /// `Duration::ZERO`, else once the clock has moved that far).
    pub fn answering(
        mut self,
        answer: impl FnMut(&Effect, &RunInfo) -> Option<(Duration, Msg)> + 'static,
    ) -> Sim {
        self.answer = Some(Box::new(answer));
        self
    }

    /// Answers every prepare at once with the fault's plan from the run info, as
    /// `FaultAction::prepare` would for a fault with nothing to resolve.
    pub fn answering_plans(self) -> Sim {
        self.answering(|e, info| match e {
            Effect::Prepare { fault, by } => Some((
                Duration::ZERO,
                Msg::Prepared {
                    fault: *fault,
                    by: by.clone(),
                    result: Ok(info.faults[*fault].plan.clone()),
                },
            )),
            _ => None,
        })
    }

    /// Sends `msg` to the engine at the current time and carries out what it decided.
    pub fn send(&mut self, msg: Msg) -> &[Effect] {
        self.effects = self.update(msg);
        &self.effects
    }

    fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.settle(&msg);
        let fx = engine::update(&mut self.state, msg, self.now);
        self.carry_out(&fx);
        fx
    }

    /// Journals an event the engine does not write (`run_ended`, a screen), now.
    pub fn journal(&mut self, event: Event) -> Record {
        let record = Record {
            seq: self.records.len() as u64 + 1,
            ts: self.now,
            event,
        };
        self.records.push(record.clone());
        record
    }

    fn carry_out(&mut self, fx: &[Effect]) {
        let mut step = Vec::new();
        for e in fx {
            if let Effect::Journal(event) = e {
                step.push(self.journal(event.clone()));
            }
        }
        self.app.absorb(&step);
        for e in fx {
            match e {
                Effect::Journal(_) => {}
                Effect::Refused(why) | Effect::ArmRefused { reason: why, .. } => {
                    self.app.flash(why.clone(), self.now)
                }
                Effect::PlanReady { fault, plan } => self.app.plan_ready(*fault, plan.clone()),
                Effect::Inject { .. } | Effect::Revert { .. } | Effect::Prepare { .. } => {
                    self.request(e.clone())
                }
            }
        }
    }

    fn request(&mut self, e: Effect) {
        let info = &self.info;
        let answer = self.answer.as_mut().and_then(|a| a(&e, info));
        self.pending.push(e);
        match answer {
            Some((after, msg)) if after.is_zero() => {
                self.update(msg);
            }
            Some((after, msg)) => self.owed.push((self.now + after, msg)),
            None => {}
        }
    }

    /// The request a reply answers is no longer pending.
    fn settle(&mut self, msg: &Msg) {
        let answered = |e: &Effect| match (e, msg) {
            (Effect::Inject { fault }, Msg::Injected { fault: f, .. }) => fault == f,
            (
                Effect::Revert { fault, attempt },
                Msg::Reverted {
                    fault: f,
                    attempt: a,
                    ..
                },
            ) => fault == f && attempt == a,
            (Effect::Prepare { fault, .. }, Msg::Prepared { fault: f, .. }) => fault == f,
            _ => false,
        };
        if let Some(i) = self.pending.iter().position(answered) {
            self.pending.remove(i);
        }
    }

    /// A message the test owes the engine at `at` (a probe's answer), queued with the
    /// answers: [`Sim::due`] hands them out in the order they were owed.
    pub fn owe(&mut self, at: Ts, msg: Msg) {
        self.owed.push((at, msg));
    }

    /// The answers due by now, oldest first, taken: for a test that sends them itself
    /// among other messages of the same moment.
    pub fn due(&mut self) -> Vec<Msg> {
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = self.owed.drain(..).partition(|(t, _)| *t <= now);
        self.owed = later;
        due.into_iter().map(|(_, m)| m).collect()
    }

    /// Moves the clock, sends the tick, then the answers that came due.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.send(Msg::Tick);
        for m in self.due() {
            self.send(m);
        }
    }

    pub fn advance_secs(&mut self, secs: f64) {
        self.advance(Duration::from_secs_f64(secs));
    }

    /// How long the run has been going.
    pub fn elapsed(&self) -> Duration {
        (self.now - self.state.started_at)
            .to_std()
            .unwrap_or_default()
    }

    /// One successful sample for each signal, in order.
    pub fn samples(&mut self, values: &[f64]) {
        for (i, v) in values.iter().enumerate() {
            self.send(Msg::sample(i, Ok(*v)));
        }
    }

    /// One sample for each signal, then one second passes.
    pub fn second(&mut self, values: &[f64]) {
        self.samples(values);
        self.advance(Duration::from_secs(1));
    }

    /// Why the last message was refused, if it was.
    pub fn refused(&self) -> Option<String> {
        self.effects.iter().find_map(|e| match e {
            Effect::Refused(s) => Some(s.clone()),
            _ => None,
        })
    }

    /// Arms the next fault with its plan, as the operator; it must be armed.
    pub fn arm(&mut self) {
        let plan = self.info.faults[self.state.next_fault].plan.clone();
        self.send(Msg::Arm {
            by: self.info.operator.clone(),
            plan,
        });
        assert_eq!(self.state.phase, Phase::Armed, "{:?}", self.refused());
    }

    /// Triggers the armed fault, as the operator; it must be injecting.
    pub fn trigger(&mut self, override_steady_state: bool) {
        self.send(Msg::Trigger {
            by: self.info.operator.clone(),
            override_steady_state,
        });
        assert_eq!(self.state.phase, Phase::Injecting, "{:?}", self.refused());
    }

    pub fn arm_and_trigger(&mut self) {
        self.arm();
        self.trigger(false);
    }

    /// Fault `fault` is in place on `targets`.
    pub fn injected(&mut self, fault: usize, targets: &[&str], detail: &str) {
        self.send(Msg::Injected {
            fault,
            result: Ok(Injection {
                targets: targets.iter().map(|t| t.to_string()).collect(),
                detail: detail.into(),
                restore: None,
            }),
        });
    }

    /// The latest revert attempt of `fault` ended with `result`.
    pub fn reverted(&mut self, fault: usize, result: Result<String, String>) {
        let attempt = self.state.faults[fault].revert_attempts;
        self.send(Msg::Reverted {
            fault,
            attempt,
            result,
        });
    }

    /// The newest revert asked for and not answered: (fault, attempt).
    pub fn pending_revert(&self) -> Option<(usize, u32)> {
        self.pending.iter().rev().find_map(|e| match e {
            Effect::Revert { fault, attempt } => Some((*fault, *attempt)),
            _ => None,
        })
    }

    /// Every event journaled so far, `run_started` first.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.records.iter().map(|r| &r.event)
    }

    /// The type of every event journaled so far, in order.
    pub fn types(&self) -> Vec<&'static str> {
        self.events().map(|e| e.type_name()).collect()
    }

    pub fn journal_has(&self, type_name: &str) -> bool {
        self.events().any(|e| e.type_name() == type_name)
    }

    /// What the TUI draws from.
    pub fn view(&self) -> View<'_> {
        View {
            info: &self.info,
            state: &self.state,
            now: self.now,
        }
    }
}
