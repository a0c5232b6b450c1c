//! `gameday check`: every problem of every file, one per line, in a form editors and CI
//! annotations understand (`FILE:LINE:COL: message`).

use std::io::Write;
use std::path::PathBuf;

use super::parse::load;

/// Checks each file and prints its problems, or `FILE: ok (N signals, M faults)`.
/// Returns true when every file is valid (and the report could be written).
pub fn check_files(
    paths: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> bool {
    let mut all_ok = true;
    for path in paths {
        let written = match load(path, env) {
            Ok(s) => s
                .warnings
                .iter()
                .try_for_each(|w| writeln!(out, "{w}"))
                .and_then(|()| {
                    writeln!(
                        out,
                        "{}: ok ({} signal{}, {} fault{}{})",
                        path.display(),
                        s.steady_state.len(),
                        if s.steady_state.len() == 1 { "" } else { "s" },
                        s.faults.len(),
                        if s.faults.len() == 1 { "" } else { "s" },
                        match s.warnings.len() {
                            0 => String::new(),
                            1 => ", 1 warning".to_string(),
                            n => format!(", {n} warnings"),
                        }
                    )
                }),
            Err(problems) => {
                all_ok = false;
                problems.iter().try_for_each(|p| writeln!(out, "{p}"))
            }
        };
        if written.is_err() {
            return false;
        }
    }
    all_ok
}
