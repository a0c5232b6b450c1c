//! What each subcommand does. `main.rs` only parses the command line and dispatches
//! here, so a test or another front can run a command without a process.

mod history;
mod live;
mod plan;
mod recover;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::exit::ExitStatus;
use crate::scenario;

pub use history::history;
pub use live::{demo, run, Front};
pub use plan::plan;
pub use recover::{recover, recover_cluster};

/// Variables for `${VAR}` and secrets come from the process environment.
pub fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Prints generated text whole; a closed pipe (`gameday man | head`) is not an error.
pub fn print_text(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    ExitCode::SUCCESS
}

/// `check`: 0 when every file is a valid scenario, 64 otherwise.
pub fn check(paths: &[PathBuf]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let ok = scenario::check::check_files(paths, &env_lookup, &mut out);
    let _ = out.flush();
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitStatus::Usage.into()
    }
}

/// `join RUN_DIR`: the run's exit code when the run was seen to end, 0 when the joiner
/// left, 69 or 77 when it could not join.
pub fn join(run_dir: &Path, front: Front) -> ExitCode {
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let code = rt.block_on(crate::room::join::join(run_dir, front));
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code as u8)
}

/// `abort RUN_DIR [--reason TEXT]`: 0 once every revert is confirmed, 5 when one failed,
/// 75 when not every one was confirmed in time, 69 when there is no live run (or the
/// connection was lost), 77 when the user may not stop it.
pub fn abort(run_dir: &Path, reason: &str) -> ExitCode {
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let code = rt.block_on(crate::room::abort::abort(run_dir, reason));
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code as u8)
}

/// `status [PATH] [--json]`: the live runs under PATH (or the run PATH); 0 when it could
/// look everywhere, 69 when PATH does not exist or is a run that is not live, 77 when it
/// may not read PATH or a run in it.
pub fn status(path: &Path, json: bool) -> ExitCode {
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let code = rt.block_on(crate::room::status::status(path, json));
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code as u8)
}

/// `report RUN_DIR [--recheck]`: writes the report again from the journal (not with
/// `--recheck`) and rechecks the verdict, exit code and figures the journal holds against
/// its own records (65 when they disagree).
pub fn report(run_dir: &Path, recheck_only: bool) -> ExitCode {
    if let Some(why) = not_a_run_dir(run_dir) {
        crate::tell!("gameday report: {why}");
        return ExitStatus::Unavailable.into();
    }
    if !recheck_only {
        match crate::report::write_report(run_dir) {
            Ok(p) => crate::say!("{}", p.display()),
            Err(e) => {
                crate::tell!("gameday report: {e}");
                return ExitStatus::Usage.into();
            }
        }
    }
    let check = crate::journal::read_journal(&run_dir.join("journal.jsonl"))
        .map_err(|e| e.to_string())
        .and_then(|r| crate::report::verdict_check(&r).map_err(|e| e.to_string()));
    match check {
        Ok(None) => {
            if recheck_only {
                crate::say!("{}: the journal agrees with itself", run_dir.display());
            }
            ExitCode::SUCCESS
        }
        Ok(Some(why)) => {
            eprintln!("gameday report: VERDICT CHECK FAILED: {why}");
            ExitStatus::RecordsDisagree.into()
        }
        Err(e) => {
            eprintln!("gameday report: {e}");
            ExitStatus::Usage.into()
        }
    }
}

/// Why `report` has nothing to read at `run_dir`, said as such: a mistyped path is not a
/// full disk, and is the same 69 as a RUNS_DIR that `history` or `status` cannot find.
fn not_a_run_dir(run_dir: &Path) -> Option<String> {
    let shown = crate::text::visible(&run_dir.display().to_string()).into_owned();
    match std::fs::metadata(run_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(format!(
            "{shown} does not exist: give a run directory (the path `gameday run` printed)"
        )),
        Ok(m) if !m.is_dir() => Some(format!(
            "{shown} is not a directory: give a run directory (the path `gameday run` printed)"
        )),
        Ok(_)
            if std::fs::symlink_metadata(run_dir.join("journal.jsonl"))
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) =>
        {
            Some(format!(
                "{shown} is not a run directory: it has no journal.jsonl"
            ))
        }
        // anything else (a directory it may not read) is said by the reader
        _ => None,
    }
}

/// `--prometheus-url` must be an absolute http(s) URL, as `prometheus.url` must: a bare
/// `127.0.0.1:9091` would otherwise fail every query of the run.
pub(crate) fn check_prometheus_flag(url: Option<&str>) -> Result<(), ExitCode> {
    let Some(url) = url else {
        return Ok(());
    };
    match crate::yaml::read::http_url_problem(url) {
        None => Ok(()),
        Some(why) => {
            // it is quoted back: not with a credential in it (CI logs keep it)
            let r = crate::scenario::secrets::url_redactor(url);
            crate::tell!("gameday: --prometheus-url: {}", r.scrub(&why));
            Err(ExitStatus::Usage.into())
        }
    }
}

/// `--context` and `--prometheus-url` over what the scenario says; a flag nothing reads
/// is said, not silently dropped.
pub(crate) fn apply_overrides(
    s: &mut scenario::Scenario,
    context: Option<String>,
    prometheus_url: Option<String>,
) {
    let needs_cluster = scenario::needs_cluster(s);
    match (context, s.kubernetes.as_mut()) {
        (Some(ctx), Some(k)) => k.context = Some(ctx),
        (Some(ctx), None) if needs_cluster => {
            s.kubernetes = Some(scenario::Kubernetes {
                context: Some(ctx),
                namespace: None,
            });
        }
        (Some(_), None) => {
            crate::tell!("gameday: --context is given, but nothing in the scenario uses Kubernetes")
        }
        (None, _) => {}
    }
    match (prometheus_url, s.prometheus.as_mut()) {
        (Some(url), Some(p)) => p.url = crate::yaml::read::lowercase_scheme(&url),
        (Some(_), None) => crate::tell!(
            "gameday: --prometheus-url is given, but the scenario has no `prometheus:` section: nothing uses it"
        ),
        (None, _) => {}
    }
}

pub(crate) fn load(path: &Path) -> Result<(scenario::Scenario, String), ExitCode> {
    match scenario::load_with_text(path, &env_lookup) {
        Ok(x) => {
            // what `check` warns about is said again where it matters
            for w in &x.0.warnings {
                crate::tell!("{w}");
            }
            Ok(x)
        }
        Err(problems) => {
            for p in problems {
                crate::tell!("{p}");
            }
            Err(ExitStatus::Usage.into())
        }
    }
}

pub(crate) fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => Some(rt),
        Err(e) => {
            crate::tell!("gameday: cannot start the async runtime: {e}");
            None
        }
    }
}

/// color-eyre's reports, with a panic hook that never panics itself: after an SSH drop
/// standard error is a dead terminal, and a hook that fails to print there would abort
/// the process before the crash path could revert anything.
pub fn install_hooks() {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default().into_hooks();
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| {
        use std::io::Write as _;
        let report = panic_hook.panic_report(info);
        let _ = writeln!(std::io::stderr(), "{report}");
    }));
}
