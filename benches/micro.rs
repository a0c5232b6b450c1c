//! Criterion benches of the hot paths behind the budgets (`cargo bench --bench micro`):
//! a full frame, a frame one second later, one watch event in a 10,000-pod store and
//! panel, one journal sample. `cargo bench --bench budgets` prints the budget figures.

mod common;

use std::hint::black_box;

use common::{pod_row, Sim};
use criterion::{criterion_group, criterion_main, Criterion};
use gameday::engine::Msg;
use gameday::journal::{Event, JournalWriter, Redactor};
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

fn terminal() -> Terminal<CrosstermBackend<std::io::Sink>> {
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 160, 48)),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn frames(c: &mut Criterion) {
    let sim = Sim::realistic();
    let mut term = terminal();
    c.bench_function("full frame 160x48", |b| {
        b.iter(|| {
            term.clear().unwrap_or_default();
            gameday::terminal::draw_frame(&mut term, &sim.app, black_box(sim.view()))
                .unwrap_or_default();
        })
    });
    let mut sim = Sim::realistic();
    let mut term = terminal();
    c.bench_function("frame one second later 160x48", |b| {
        b.iter(|| {
            sim.second();
            gameday::terminal::draw_frame(&mut term, &sim.app, sim.view()).unwrap_or_default();
        })
    });
}

fn pod(i: usize, restarts: i32) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("api-7d9f8b6c5d-{i:05}"), "namespace": "shop",
            "creationTimestamp": "2027-01-15T05:00:00Z"},
        "spec": {"containers": [{"name": "app", "image": "api:1"}], "nodeName": "node-a"},
        "status": {"phase": "Running", "containerStatuses": [{"name": "app", "image": "api:1",
            "imageID": "", "ready": true, "restartCount": restarts,
            "state": {"running": {}}}]},
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn watch_events(c: &mut Criterion) {
    let mut store = gameday::cluster::watch::Store::default();
    store.apply(watcher::Event::Init);
    for i in 0..10_000 {
        store.apply(watcher::Event::InitApply(pod(i, 0)));
    }
    store.apply(watcher::Event::InitDone);
    let mut sim = Sim::new();
    if let Some(ch) = store.take_changes() {
        sim.send(gameday::cluster::watch::message(0, ch));
    }
    let mut n = 0;
    c.bench_function("watch event: store, changes, engine (10,000 pods)", |b| {
        b.iter(|| {
            n += 1;
            store.apply(watcher::Event::Apply(pod(n % 10_000, n as i32)));
            if let Some(ch) = store.take_changes() {
                sim.send(gameday::cluster::watch::message(0, ch));
            }
        })
    });
    let json = serde_json::to_vec(&pod(1, 1)).unwrap_or_default();
    c.bench_function("watch event: decode one pod", |b| {
        b.iter(|| serde_json::from_slice::<Pod>(black_box(&json)).unwrap_or_default())
    });
    let mut n = 0;
    c.bench_function("watch event: store only (10,000 pods)", |b| {
        b.iter(|| {
            n += 1;
            store.apply(watcher::Event::Apply(pod(n % 10_000, n as i32)));
            store.take_changes()
        })
    });
    let mut sim = Sim::new();
    sim.send(Msg::Pods {
        panel: 0,
        rows: (0..10_000).map(|i| pod_row(i, 0)).collect(),
    });
    let mut n = 0;
    c.bench_function("watch event: engine only (10,000 pods)", |b| {
        b.iter(|| {
            n += 1;
            sim.send(Msg::PodsChanged {
                panel: 0,
                changed: vec![pod_row(n % 10_000, n as u32)],
                deleted: vec![],
            })
        })
    });
    // a fresh run: the loop above left thousands of marks and timeline lines behind
    let mut sim = Sim::new();
    sim.send(Msg::Pods {
        panel: 0,
        rows: (0..10_000).map(|i| pod_row(i, 0)).collect(),
    });
    sim.send(Msg::PodsChanged {
        panel: 0,
        changed: (0..100).map(|i| pod_row(i * 7, 1)).collect(),
        deleted: vec![],
    });
    let mut term = terminal();
    c.bench_function("frame with a 10,000-pod panel", |b| {
        b.iter(|| {
            term.clear().unwrap_or_default();
            gameday::terminal::draw_frame(&mut term, &sim.app, sim.view()).unwrap_or_default();
        })
    });
}

fn journal(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gameday-micro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("journal.jsonl");
    let mut j = JournalWriter::create(&path, Redactor::new()).unwrap_or_else(|e| panic!("{e}"));
    let t0 = common::t0();
    c.bench_function("journal: append one sample", |b| {
        b.iter(|| {
            j.append(
                t0,
                Event::Sample {
                    signal: "p99 read latency".into(),
                    value: Some(0.123),
                    error: None,
                    at: None,
                    detail: None,
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, frames, watch_events, journal);
criterion_main!(benches);
