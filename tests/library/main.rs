//! The library in process: scenarios and their fixtures, the schema, the report and its
//! independent judge, the UI's frames, the room protocol, the Prometheus client, and
//! inputs fuzzed.
//!
//! One test binary per group: each links the whole crate, and on two cores linking 26
//! of them took longer than running most of the tests.

#[path = "../judge/mod.rs"]
mod judge;

mod architecture;
mod fuzz_inputs;
mod judge_property;
mod pairing_protocol;
mod prometheus_client;
mod report;
mod room_refusals;
mod scenario_empty_values;
mod scenario_fixtures;
mod schema;
mod ui_snapshots;
mod wording;
