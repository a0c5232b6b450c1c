//! Through the real binary, end to end, without Kubernetes: the headless and TUI fronts,
//! pairing, hardening, evidence, the real Prometheus, Redis and PostgreSQL, the docs and
//! the command line.
//!
//! One test binary per group: each links the whole crate, and on two cores linking 26
//! of them took longer than running most of the tests.

#[path = "../common/mod.rs"]
mod common;
#[path = "../judge/mod.rs"]
mod judge;

mod cli_docs;
mod common_guard;
mod deb;
mod evidence;
mod grafana;
mod hardening;
mod headless;
mod history;
mod import_litmus;
mod new_template;
mod outsider21;
mod outsider_lows;
mod pairing;
mod preflight;
mod readme;
mod real_servers;
mod slo_burn;
mod tmux;
