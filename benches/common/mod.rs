//! The realistic screen of the budgets: 8 signals of 120 samples, 500 pods, 200 timeline
//! entries, a fault active. Reached through the real engine with messages, as the snapshot
//! tests do, so the state is one a run can really be in.

#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use gameday::cluster::pods::PodRow;
use gameday::engine::{self, Config, Effect, Injection, Msg, State};
use gameday::journal::{FaultInfo, NoteKind, Record, RunInfo, SignalInfo};
use gameday::scenario::model::{Criterion, Op, Unit};
use gameday::ui::{App, Theme, View};

pub type Ts = DateTime<Utc>;

pub const SIGNALS: usize = 8;
pub const SAMPLES: usize = 120;
pub const PODS: usize = 500;
pub const TIMELINE: usize = 200;

pub fn t0() -> Ts {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

fn signal(i: usize) -> SignalInfo {
    let (unit, expect) = match i % 3 {
        0 => (Unit::Ratio, (Op::Lt, 0.01, "< 1%")),
        1 => (Unit::Seconds, (Op::Lt, 0.3, "< 300ms")),
        _ => (Unit::Count, (Op::Lt, 1000.0, "< 1000")),
    };
    SignalInfo {
        name: format!("signal {i} of the shop"),
        kind: "promql".into(),
        source: format!("sum(rate(http_requests_total{{shard=\"{i}\"}}[1m]))"),
        unit,
        measure: None,
        expect: Some(Criterion {
            op: expect.0,
            value: expect.1,
            for_: None,
            text: expect.2.into(),
        }),
        abort: None,
        tolerate: Duration::from_secs(20),
        interval: Duration::from_secs(1),
        window: None,
        timeout: None,
    }
}

pub fn run_info() -> RunInfo {
    let fault = |name: &str| FaultInfo {
        name: name.into(),
        kind: "exec".into(),
        duration: Duration::from_secs(3600),
        plan: vec![
            "inject: sh -c 'toxiproxy-cli toxic add redis -t latency'".into(),
            "revert: sh -c 'toxiproxy-cli toxic remove redis -n latency'".into(),
        ],
    };
    RunInfo {
        run_id: "20270115T080000Z-bench".into(),
        scenario: "bench".into(),
        scenario_path: "scenarios/bench.yaml".into(),
        scenario_text: String::new(),
        scenario_sha256: String::new(),
        scenario_redacted: Vec::new(),
        hypothesis: "If Redis is slow, the API keeps serving traffic with only a temporary \
                     latency bump, because reads fall back to Postgres."
            .into(),
        description: None,
        owner: Some("payments-oncall".into()),
        operator: "alice".into(),
        host: "bastion-1".into(),
        version: "0.1.0".into(),
        run_dir: "gameday-runs/20270115T080000Z-bench".into(),
        mode: "tui".into(),
        demo: false,
        prometheus_url: Some("http://prometheus:9090".into()),
        kube_context: Some("staging".into()),
        kube_namespace: Some("shop".into()),
        baseline: Duration::from_secs(10),
        recovery: Duration::from_secs(60),
        signals: (0..SIGNALS).map(signal).collect(),
        faults: vec![fault("slow redis"), fault("slow postgres")],
        alerts: vec![],
        pod_panels: vec!["app=api".into()],
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

/// A run driven through the real engine with a fake clock.
pub struct Sim {
    pub info: RunInfo,
    pub state: State,
    pub app: App,
    pub now: Ts,
    seq: u64,
    step: u64,
}

impl Sim {
    pub fn new() -> Sim {
        let info = run_info();
        let cfg = Config::from_run_info(&info, Duration::from_secs(7200), false);
        let (state, fx) = State::new(cfg, t0());
        let mut app = App::new("alice".into(), Theme::default());
        app.operators = vec!["alice".into(), "bob".into()];
        let mut sim = Sim {
            info,
            state,
            app,
            now: t0(),
            seq: 0,
            step: 0,
        };
        sim.absorb(fx);
        sim
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
        sim.send(Msg::Arm {
            by: "alice".into(),
            plan: sim.info.faults[0].plan.clone(),
        });
        sim.send(Msg::Trigger {
            by: "alice".into(),
            override_steady_state: true,
        });
        sim.send(Msg::Injected {
            fault: 0,
            result: Ok(Injection {
                targets: vec!["redis".into()],
                detail: "toxic latency added".into(),
                restore: None,
            }),
        });
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

    fn absorb(&mut self, fx: Vec<Effect>) {
        let mut records = Vec::new();
        for e in fx {
            if let Effect::Journal(event) = e {
                self.seq += 1;
                records.push(Record {
                    seq: self.seq,
                    ts: self.now,
                    event,
                });
            }
        }
        self.app.absorb(&records);
    }

    pub fn send(&mut self, msg: Msg) -> Vec<Effect> {
        let fx = engine::update(&mut self.state, msg, self.now);
        self.absorb(fx.clone());
        fx
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
        self.now += Duration::from_secs(1);
        self.send(Msg::Tick);
    }

    /// One second in which nothing but the clock moves.
    pub fn idle_second(&mut self) {
        self.now += Duration::from_secs(1);
        self.send(Msg::Tick);
    }

    pub fn view(&self) -> View<'_> {
        View {
            info: &self.info,
            state: &self.state,
            now: self.now,
        }
    }
}
