//! `run` and `demo`: a live run driven by the TUI or headless, guarded so that a panic
//! still reverts every fault and writes the report.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::{env_lookup, load, runtime};
use crate::exit::ExitStatus;
pub use crate::front::Front;
use crate::runner::{RunOptions, Session};
use crate::scenario;

pub fn run(
    path: &Path,
    opts: RunOptions,
    context: Option<String>,
    prometheus_url: Option<String>,
    skip_preflight: bool,
    front: Front,
) -> ExitCode {
    if let Err(code) = super::check_prometheus_flag(prometheus_url.as_deref()) {
        return code;
    }
    let (mut s, text) = match load(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // what `check` warns about, `run` refuses: a run that injects or judges nothing, or
    // that acts on a placeholder, is not a game day
    let not_ready = scenario::check::not_ready(&s, &text, &path.display().to_string(), &env_lookup);
    if !not_ready.is_empty() {
        for w in &not_ready {
            eprintln!("{w}");
        }
        eprintln!(
            "gameday: not running {}: fix what is listed above (`gameday check` lists it too)",
            path.display()
        );
        return ExitStatus::Usage.into();
    }
    let origins = crate::preflight::Origins {
        text: &text,
        file: &path.display().to_string(),
        prometheus_flag: prometheus_url.is_some(),
        context_flag: context.is_some(),
        env: &env_lookup,
    };
    super::apply_overrides(&mut s, context, prometheus_url);
    // what cannot work is refused before any source is tried: an unreadable token or
    // password file, an unset variable the Prometheus client needs
    if let Some(p) = &s.prometheus {
        if let Err(e) = crate::signals::prometheus::Client::new(p, &env_lookup) {
            crate::tell!("gameday: {e}");
            return ExitStatus::Usage.into();
        }
    }
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let operator = opts.operator.clone();
    let code = guarded(
        rt,
        async {
            init_log();
            let mut out = Out::for_front(&front);
            let pre = crate::preflight::run(&s, &origins).await;
            if let Err(code) = preflight_gate(
                &pre,
                &s,
                &text,
                &env_lookup,
                origins.file,
                skip_preflight,
                &mut out,
            ) {
                out.finish();
                return code;
            }
            let (mut session, rx) = match Session::start(&s, path, &text, &env_lookup, &opts).await
            {
                Ok(x) => x,
                Err(e) => {
                    out.finish();
                    crate::tell!("gameday: {e}");
                    return ExitStatus::Usage.code();
                }
            };
            session.journal_preflight(pre.checks.clone(), pre.went_on_warning());
            attach_log(&session.run_dir, session.redactor().clone());
            drive(front, out, session, rx).await
        },
        &operator,
    );
    ExitCode::from(code as u8)
}

/// Runs a live run's future; if it panics, the crash path takes over: the terminal is put
/// back, every fault the journal shows as not reverted is reverted, the report is
/// written, and the exit code says ABORTED (or REVERT FAILED).
fn guarded(
    rt: tokio::runtime::Runtime,
    fut: impl std::future::Future<Output = i32>,
    operator: &str,
) -> i32 {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(fut)));
    // Cancels whatever is still in flight (an injection's process group is killed with
    // its task) before anything is reverted, so no injection lands after its revert.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(_) => {
            crate::terminal::restore_terminal();
            let Some(dir) = crate::runner::CURRENT_RUN.get() else {
                crate::tell!("gameday: crashed before the run started; nothing was injected");
                return ExitStatus::Aborted.code();
            };
            crate::tell!("gameday: CRASHED; reverting every fault the journal shows as active");
            let Some(rt2) = runtime() else {
                return ExitStatus::RevertFailed.code();
            };
            let mut out = std::io::stdout();
            let res = rt2.block_on(crate::recover::recover_as(
                dir,
                operator,
                crate::journal::AbortSource::Panic,
                &env_lookup,
                &mut out,
            ));
            match res {
                Ok(o) if o.status() == ExitStatus::Confirmed => ExitStatus::Aborted.code(),
                Ok(_) => {
                    crate::say!(
                        "gameday: A REVERT FAILED — run `gameday recover {}`",
                        crate::schema::shell_word(dir)
                    );
                    ExitStatus::RevertFailed.code()
                }
                Err(e) => {
                    crate::tell!(
                        "gameday: {e}; run `gameday recover {}`",
                        crate::schema::shell_word(dir)
                    );
                    ExitStatus::RevertFailed.code()
                }
            }
        }
    }
}

pub fn demo(opts: RunOptions, quick: bool, front: Front) -> ExitCode {
    use crate::demo;
    // The demo's cluster is a local fake of the Kubernetes API; this process (and only
    // this process) is pointed at it, before any thread exists.
    let kube_dir = std::env::temp_dir().join(format!("gameday-demo-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&kube_dir) {
        crate::tell!("gameday demo: cannot create {}: {e}", kube_dir.display());
        return ExitStatus::Usage.into();
    }
    let kubeconfig = kube_dir.join("kubeconfig");
    std::env::set_var("KUBECONFIG", &kubeconfig);
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let operator = opts.operator.clone();
    let kubeconfig_path = kubeconfig.clone();
    let kubeconfig = &kubeconfig_path;
    let code = guarded(
        rt,
        async {
            init_log();
            let (addr, _shop) = match demo::shop::start().await {
                Ok(x) => x,
                Err(e) => {
                    crate::tell!("gameday demo: cannot start the demo shop on 127.0.0.1: {e}");
                    return ExitStatus::Usage.code();
                }
            };
            let _cluster = match demo::start_cluster(kubeconfig).await {
                Ok(c) => c,
                Err(e) => {
                    crate::tell!("gameday demo: cannot start the demo cluster on 127.0.0.1: {e}");
                    return ExitStatus::Usage.code();
                }
            };
            let env = demo::env(format!("http://{addr}"), quick);
            let s = match demo::scenario(&env) {
                Ok(s) => s,
                Err(e) => {
                    crate::tell!("gameday demo: the built-in scenario is invalid (a bug):\n{e}");
                    return ExitStatus::Usage.code();
                }
            };
            crate::say!("gameday demo: PRACTICE RUN against the built-in demo shop on http://{addr} — nothing else is touched");
            let path = Path::new(demo::SCENARIO_PATH);
            let origins = crate::preflight::Origins {
                text: demo::SCENARIO,
                file: demo::SCENARIO_PATH,
                prometheus_flag: false,
                context_flag: false,
                env: &env,
            };
            let mut out = Out::for_front(&front);
            let pre = crate::preflight::run(&s, &origins).await;
            if let Err(code) =
                preflight_gate(&pre, &s, demo::SCENARIO, &env, "the demo", false, &mut out)
            {
                out.finish();
                return code;
            }
            let (mut session, rx) =
                match Session::start(&s, path, demo::SCENARIO, &env, &opts).await {
                    Ok(x) => x,
                    Err(e) => {
                        out.finish();
                        crate::tell!("gameday: {e}");
                        return ExitStatus::Usage.code();
                    }
                };
            session.journal_preflight(pre.checks.clone(), None);
            attach_log(&session.run_dir, session.redactor().clone());
            drive(front, out, session, rx).await
        },
        &operator,
    );
    let _ = std::fs::remove_dir_all(&kube_dir);
    ExitCode::from(code as u8)
}

/// Prints what the preflight found and refuses a run with a dead source (exit 69), unless
/// told to go on (`--skip-preflight`; the run then journals that it did).
fn preflight_gate(
    pre: &crate::preflight::Preflight,
    s: &scenario::Scenario,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    what: &str,
    skip: bool,
    out: &mut Out,
) -> Result<(), i32> {
    // the secrets of the scenario are masked here as in the journal
    let redactor = crate::scenario::secrets::collect(text, s, env)
        .map(|(r, _)| r)
        .unwrap_or_default();
    for line in pre.lines(&redactor) {
        out.line(&line);
    }
    if pre.failed().is_empty() {
        return Ok(());
    }
    if skip {
        out.line(&format!(
            "gameday: going on anyway ({}): the journal and the report say so",
            crate::preflight::SKIP_FLAG
        ));
        return Ok(());
    }
    crate::tell!("{}", pre.refusal(what));
    Err(ExitStatus::Unavailable.code())
}

/// Logs go to the run directory, never to the screen, with the run's secrets taken out:
/// a warning can quote a server's answer, and servers echo credentials. The logger is set
/// up before anything starts and keeps what it is told in memory until the run directory
/// exists: `Session::start` starts the samplers, whose first warnings (a refused
/// back-fill, say) would otherwise come before there is a file and be lost.
fn init_log() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GAMEDAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| RunLog)
        .try_init();
}

/// From now on the log is `gameday.log` in the run directory; what was logged before is
/// written there first.
fn attach_log(run_dir: &Path, redactor: crate::journal::redact::Redactor) {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(crate::files::FILE_MODE)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(run_dir.join("gameday.log"));
    let mut sink = LOG.lock().unwrap_or_else(|e| e.into_inner());
    let early = match std::mem::replace(&mut *sink, Sink::Off) {
        Sink::Early(early) => early,
        _ => Vec::new(),
    };
    let Ok(file) = file else {
        return;
    };
    let _ = crate::files::set_file_mode(&file);
    let mut log = ScrubbedLog { file, redactor };
    for line in &early {
        let _ = log.write_all(line.as_bytes());
    }
    *sink = Sink::File(log);
}

/// Where log lines go: kept in memory (bounded) before the run directory exists, then the
/// file; nowhere when there is no run directory to log into.
enum Sink {
    Early(Vec<String>),
    File(ScrubbedLog),
    Off,
}

/// Far more than what is logged between the start and the run directory (the preflight,
/// the first probes); past it, the oldest is what a person needs least.
const EARLY_LINES: usize = 2_000;

static LOG: std::sync::Mutex<Sink> = std::sync::Mutex::new(Sink::Early(Vec::new()));

/// The writer the log formats each line into (one write is one line).
struct RunLog;

impl Write for RunLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut sink = LOG.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *sink {
            Sink::Early(lines) => {
                if lines.len() < EARLY_LINES {
                    lines.push(String::from_utf8_lossy(bytes).into_owned());
                }
                Ok(bytes.len())
            }
            Sink::File(log) => log.write(bytes),
            Sink::Off => Ok(bytes.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut *LOG.lock().unwrap_or_else(|e| e.into_inner()) {
            Sink::File(log) => log.flush(),
            _ => Ok(()),
        }
    }
}

/// The log file, each write scrubbed of the run's secrets (one write is one log line).
struct ScrubbedLog {
    file: std::fs::File,
    redactor: crate::journal::redact::Redactor,
}

impl Write for ScrubbedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        self.file
            .write_all(self.redactor.scrub(&text).as_bytes())
            .map(|()| bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Where a live run's first lines go. Headless, they go through the printer the run goes
/// on with, in order: standard output may be a pipe nobody reads (a CI job), and a write
/// to it would hold the run up before it starts. Otherwise it is the terminal.
enum Out {
    Printer(crate::headless::Printer),
    Terminal,
}

impl Out {
    fn for_front(front: &Front) -> Out {
        match front {
            Front::Headless { .. } => Out::Printer(crate::headless::Printer::stdout()),
            Front::Tui { .. } => Out::Terminal,
        }
    }

    fn line(&mut self, line: &str) {
        match self {
            Out::Printer(p) => {
                let _ = writeln!(p, "{line}");
                let _ = p.flush();
            }
            Out::Terminal => crate::say!("{line}"),
        }
    }

    /// No run follows: what is still unprinted gets a moment to go out.
    fn finish(self) {
        if let Out::Printer(p) = self {
            p.finish(std::time::Duration::from_secs(2));
        }
    }
}

/// Hands the session to the front that drives it; the exit code is the run's.
async fn drive(
    front: Front,
    out: Out,
    session: Session,
    rx: tokio::sync::mpsc::Receiver<crate::engine::Msg>,
) -> i32 {
    match front {
        Front::Headless { junit, verbose } => {
            let printer = match out {
                Out::Printer(p) => p,
                Out::Terminal => crate::headless::Printer::stdout(),
            };
            crate::headless::run(session, rx, junit, verbose, printer).await
        }
        Front::Tui { theme } => crate::tui::run(session, rx, theme).await,
    }
}
