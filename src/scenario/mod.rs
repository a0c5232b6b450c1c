//! Scenario files: the model, the YAML reader with positions, and `gameday check`.

pub mod check;
pub mod model;
pub mod parse;

pub use model::*;
pub use parse::{load, parse_str, Problem};
