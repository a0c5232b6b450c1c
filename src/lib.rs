//! gameday: run chaos-engineering game days live, and leave with evidence.
#![deny(clippy::unwrap_used)]

pub mod analysis;
pub mod journal;
pub mod report;
pub mod scenario;
pub mod units;
pub mod engine;
