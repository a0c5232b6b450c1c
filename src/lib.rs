//! gameday: run chaos-engineering game days live, and leave with evidence.
#![deny(clippy::unwrap_used)]

pub mod analysis;
pub mod demo;
pub mod describe;
pub mod engine;
pub mod faults;
pub mod headless;
pub mod journal;
pub mod junit;
pub mod kubefake;
pub mod proc;
pub mod recover;
pub mod report;
pub mod resolve;
pub mod runner;
pub mod scenario;
pub mod signals;
pub mod tui;
pub mod ui;
pub mod units;
