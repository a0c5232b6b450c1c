//! One human sentence per journal record: headless output and the TUI timeline. The
//! words are [`crate::wording`]'s, the same the report's timeline uses.

use crate::journal::{Record, RunInfo};

/// The sentence on one line, every control character visible (see
/// [`crate::wording::Said::text`]).
pub fn describe(rec: &Record, info: Option<&RunInfo>) -> String {
    crate::wording::said(rec, info, None).text()
}
