//! `gameday history [RUNS_DIR] [--json]`: the runs under RUNS_DIR, per scenario, over
//! time. The clock is read here, once; everything else is `history`'s pure functions.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::exit::ExitStatus;

/// 0 when RUNS_DIR could be listed (runs it could not read are named, on standard
/// output with the rest), 69 when RUNS_DIR does not exist or is not a directory, 77
/// when it may not be read.
pub fn history(runs_dir: &Path, json: bool) -> ExitCode {
    let scan = match crate::history::scan(runs_dir) {
        Ok(s) => s,
        Err(e) => {
            let (status, why) = match e.kind() {
                std::io::ErrorKind::NotFound => (
                    ExitStatus::Unavailable,
                    format!(
                        "{} does not exist (runs go to gameday-runs in the directory `gameday \
                         run` was started in, or to its --out DIR)",
                        runs_dir.display()
                    ),
                ),
                std::io::ErrorKind::PermissionDenied => (
                    ExitStatus::NoPermission,
                    format!(
                        "cannot read {}: permission denied (only its owner and group can list \
                         the runs in it)",
                        runs_dir.display()
                    ),
                ),
                _ => (
                    ExitStatus::Unavailable,
                    format!("cannot read {}: {e}", runs_dir.display()),
                ),
            };
            crate::tell!("gameday history: {why}");
            return status.into();
        }
    };
    let now = chrono::Utc::now();
    let histories = crate::history::fold(scan.runs.clone(), now);
    let text = if json {
        crate::history::json(runs_dir, &histories, &scan, now)
    } else {
        crate::history::text(runs_dir, &histories, &scan)
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    ExitCode::SUCCESS
}
