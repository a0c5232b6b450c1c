//! gameday: run chaos-engineering game days live, and leave with evidence.
#![deny(clippy::unwrap_used)]

pub mod scenario;
