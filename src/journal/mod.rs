//! The journal: one JSON object per line, the run's only source of truth.
//!
//! The report, `gameday recover` and `gameday report` read nothing else, so everything
//! they need is written here. Fault intents and notes are fsynced before they are acted
//! on or acknowledged: after a power loss the journal says what may still be active.

mod event;
pub mod redact;
mod serde;
mod writer;

pub use event::*;
pub use redact::{is_sensitive_name, Redactor};
pub use serde::{format_ts, num, opt_ts_ms, ts_ms};
pub use writer::*;
