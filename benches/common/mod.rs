//! The realistic screen of the budgets: 8 signals of 120 samples, 500 pods, 200 timeline
//! entries, a fault active. Reached through the real engine with messages, as the snapshot
//! tests do, so the state is one a run can really be in.

#![allow(dead_code)]

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use gameday::cluster::pods::PodRow;
use gameday::engine::{Effect, Msg};
use gameday::journal::{NoteKind, RunInfo, SignalInfo};
use gameday::testkit::{self, criterion, exec_fault, Start};
use gameday::ui::App;
use gameday::units::{Op, Unit};

pub use gameday::testkit::t0;

pub const SIGNALS: usize = 8;
pub const SAMPLES: usize = 120;
pub const PODS: usize = 500;
pub const TIMELINE: usize = 200;

fn signal(i: usize) -> SignalInfo {
    let (unit, expect) = match i % 3 {
        0 => (Unit::Ratio, criterion(Op::Lt, 0.01, "< 1%")),
        1 => (Unit::Seconds, criterion(Op::Lt, 0.3, "< 300ms")),
        _ => (Unit::Count, criterion(Op::Lt, 1000.0, "< 1000")),
    };
    SignalInfo {
        expect: Some(expect),
        tolerate: Duration::from_secs(20),
        ..testkit::signal(
            &format!("signal {i} of the shop"),
            "promql",
            &format!("sum(rate(http_requests_total{{shard=\"{i}\"}}[1m]))"),
            unit,
        )
    }
}

pub fn run_info() -> RunInfo {
    let fault = |name: &str| {
        exec_fault(
            name,
            Duration::from_secs(3600),
            "toxiproxy-cli toxic add redis -t latency",
            "toxiproxy-cli toxic remove redis -n latency",
        )
    };
    RunInfo {
        run_id: "20270115T080000Z-bench".into(),
        scenario: "bench".into(),
        scenario_path: "scenarios/bench.yaml".into(),
        hypothesis: "If Redis is slow, the API keeps serving traffic with only a temporary \
                     latency bump, because reads fall back to Postgres."
            .into(),
        run_dir: "gameday-runs/20270115T080000Z-bench".into(),
        baseline: Duration::from_secs(10),
        signals: (0..SIGNALS).map(signal).collect(),
        faults: vec![fault("slow redis"), fault("slow postgres")],
        pod_panels: vec!["app=api".into()],
        ..testkit::run_info()
    }
}

pub fn pod_row(i: usize, restarts: u32) -> PodRow {
    PodRow {
        namespace: "shop".into(),
        name: format!("api-7d9f8b6c5d-{i:05}"),
        ready: 1,
        total: 1,
        status: "Running".into(),
        restarts,
        created: Some(t0() - chrono::Duration::hours(3)),
        node: format!("node-{}", i % 3),
    }
}

/// A run driven through the real engine with a fake clock (the test kit's), with the
/// bench's own live second.
pub struct Sim {
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
    /// Sends `msg` through the kit's simulator; the effects are returned owned, as the
    /// benches hand them to `b.iter` (the kit's `send` lends them).
    pub fn send(&mut self, msg: Msg) -> Vec<Effect> {
        self.sim.send(msg).to_vec()
    }

    pub fn new() -> Sim {
        let start = Start {
            max_duration: Duration::from_secs(7200),
            require_steady_state: false,
            ..Start::default()
        };
        let mut sim = testkit::Sim::start(run_info(), start);
        sim.app.operators = vec!["alice".into(), "bob".into()];
        Sim { sim, step: 0 }
    }

    /// The screen of the budget: every number of the table reached by messages.
    pub fn realistic() -> Sim {
        let mut sim = Sim::new();
        sim.send(Msg::Pods {
            panel: 0,
            rows: (0..PODS).map(|i| pod_row(i, 0)).collect(),
        });
        for _ in 0..SAMPLES / 2 {
            sim.second();
        }
        sim.arm();
        sim.trigger(true);
        sim.injected(0, &["redis"], "toxic latency added");
        for _ in SAMPLES / 2..SAMPLES {
            sim.second();
        }
        let shown = |app: &App| {
            app.timeline
                .iter()
                .filter(|r| gameday::ui::widgets::timeline::shown(r))
                .count()
        };
        let mut n = 0;
        while shown(&sim.app) < TIMELINE {
            n += 1;
            sim.send(Msg::Note {
                author: if n % 2 == 0 { "alice" } else { "bob" }.into(),
                kind: NoteKind::Note,
                text: format!("note {n}: p99 moved a little, fallback reads look slower"),
            });
        }
        // a few pods changed lately, as during a fault
        sim.send(Msg::PodsChanged {
            panel: 0,
            changed: vec![pod_row(1, 1), pod_row(3, 2)],
            deleted: vec![],
        });
        sim
    }

    /// One second of a live run: a sample of every signal, then the tick.
    pub fn second(&mut self) {
        self.step += 1;
        for i in 0..SIGNALS {
            let wobble = ((self.step as usize * 7 + i * 3) % 11) as f64 / 10.0;
            let v = match i % 3 {
                0 => 0.002 + 0.004 * wobble,
                1 => 0.12 + 0.1 * wobble,
                _ => 40.0 + 30.0 * wobble,
            };
            self.send(Msg::sample(i, Ok(v)));
        }
        self.advance(Duration::from_secs(1));
    }

    /// One second in which nothing but the clock moves.
    pub fn idle_second(&mut self) {
        self.advance(Duration::from_secs(1));
    }
}
