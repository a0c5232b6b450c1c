//! Scenario files: the model, the YAML reader with positions, and `gameday check`.

pub mod admit;
pub mod check;
pub mod expand;
pub mod model;
pub mod parse;
pub mod secrets;
pub mod selector;
pub mod yaml;

pub use model::*;
pub use parse::{load, load_with_text, parse_str, Problem};
