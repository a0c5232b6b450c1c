//! The `gameday` command line. Errors are shown here, at the edge, for a person to read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use gameday::runner::{operator_name, RunOptions, Session};
use gameday::scenario;
use gameday::text::visible;

/// Run chaos-engineering game days live from the terminal, and leave with evidence.
#[derive(Parser)]
#[command(name = "gameday", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `run` and `demo` share: how the run is driven and where it is written.
#[derive(clap::Args)]
struct LiveArgs {
    /// No TUI: trigger each fault in order while the steady state holds; one line per event.
    #[arg(long)]
    headless: bool,
    /// Only ASCII characters on screen (no box drawing, marks or sparks).
    #[arg(long)]
    ascii: bool,
    /// Where run directories are created.
    #[arg(long, default_value = "gameday-runs")]
    out: PathBuf,
    /// Your name in the journal and report (default: your user name).
    #[arg(long)]
    operator: Option<String>,
}

impl LiveArgs {
    /// The front that drives the run, and the run's options.
    fn resolve(self, junit: Option<PathBuf>, demo: bool) -> (Front, RunOptions) {
        let front = Front::choose(self.headless, self.ascii, junit);
        let opts = RunOptions {
            out_dir: self.out,
            operator: self.operator.unwrap_or_else(operator_name),
            mode: front.mode().into(),
            demo,
        };
        (front, opts)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: baseline, faults, recovery, verdict and report.
    Run {
        scenario: PathBuf,
        #[command(flatten)]
        live: LiveArgs,
        /// Kubernetes context (overrides `kubernetes.context`).
        #[arg(long)]
        context: Option<String>,
        /// Prometheus URL (overrides `prometheus.url`).
        #[arg(long)]
        prometheus_url: Option<String>,
        /// Also write the verdict and each criterion as JUnit XML (headless).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Validate scenarios; prints FILE:LINE:COL: message for each problem.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Resolve targets and check permissions; print what would be injected and reverted.
    /// Changes nothing.
    Plan {
        scenario: PathBuf,
        /// Kubernetes context (overrides `kubernetes.context`).
        #[arg(long)]
        context: Option<String>,
    },
    /// (Re)write RUN_DIR/report.md and RUN_DIR/charts/ from RUN_DIR/journal.jsonl, judging
    /// the run again (exit 65 when the journal disagrees with itself).
    Report {
        run_dir: PathBuf,
        /// Only judge the journal again and say whether it agrees with itself; write
        /// nothing.
        #[arg(long)]
        recheck: bool,
    },
    /// Revert every fault the journal shows as not reverted (after a SIGKILL or a crash);
    /// with --cluster, delete every object gameday applied whose expiry has passed. Only a
    /// journal of your own (root: root's) in a directory no one else can write is used.
    Recover {
        #[arg(required_unless_present = "cluster")]
        run_dir: Option<PathBuf>,
        /// The scenario file as it was when the run started (checked against the sha256
        /// in the journal), for values the journal does not keep (literal secrets).
        #[arg(long, value_name = "FILE", requires = "run_dir")]
        scenario: Option<PathBuf>,
        /// Without a journal: find objects labelled app.kubernetes.io/managed-by=gameday
        /// whose gameday.dev/expires-at has passed, and delete them.
        #[arg(long)]
        cluster: bool,
        /// Kubernetes context for --cluster (default: the current one).
        #[arg(long)]
        context: Option<String>,
        /// Your name in the journal (default: your user name).
        #[arg(long)]
        operator: Option<String>,
    },
    /// Second operator: the live view of a run in progress, notes and the kill switch
    /// (only the driver arms and triggers). Leaving changes nothing in the run.
    Join {
        run_dir: PathBuf,
        /// No TUI: one line per journal event; lines on standard input become notes
        /// (`action: …` an action item, `/abort` or `X` the kill switch).
        #[arg(long)]
        headless: bool,
        /// Only ASCII characters on screen.
        #[arg(long)]
        ascii: bool,
    },
    /// A complete practice game day against a built-in shop on 127.0.0.1; no infrastructure.
    Demo {
        #[command(flatten)]
        live: LiveArgs,
        /// Shorter phases (5 s baseline, 6 s faults and recovery) instead of about two minutes.
        #[arg(long)]
        quick: bool,
    },
    /// Print the JSON Schema of the scenario format, for editors:
    /// `gameday schema > scenario.schema.json`, then a first line
    /// `# yaml-language-server: $schema=scenario.schema.json` in each scenario.
    Schema,
    /// Print a completion script: `gameday completions bash > /etc/bash_completion.d/gameday`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `gameday man | man -l -`.
    Man,
    /// Write a commented scenario for a common failure, ready for `gameday check`.
    New {
        /// The scenario name: a-z, 0-9 and -.
        name: String,
        #[arg(long, value_enum)]
        template: gameday::templates::Template,
        /// Where to write it (default: NAME.yaml in the current directory).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Convert another tool's experiment into a gameday scenario.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A Litmus ChaosEngine (pod-delete, promProbe, httpProbe) to a native scenario; what
    /// cannot be mapped is listed at the top of the output and on standard error.
    Litmus {
        file: PathBuf,
        /// Where to write the scenario (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
}

const EXIT_USAGE: u8 = 64;
/// `report`: the report was written, but the journaled verdict is not the one its own
/// records give (EX_DATAERR).
const EXIT_VERDICT_MISMATCH: u8 = 65;

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    install_hooks();
    match cli.command {
        Command::New {
            name,
            template,
            out,
            force,
        } => match gameday::templates::write_new(&name, template, out, force) {
            Ok(path) => {
                gameday::say!(
                    "wrote {0}; edit the lines marked CHANGE, then: gameday check {0}",
                    path.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                gameday::tell!("gameday new: {e}");
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Import(ImportCommand::Litmus { file, out, force }) => {
            match gameday::import::litmus::import_file(&file, out.as_deref(), force) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    gameday::tell!("{e}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
        Command::Schema => print_text(gameday::schema::SCENARIO_SCHEMA),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "gameday", &mut out);
            print_text(&String::from_utf8_lossy(&out))
        }
        Command::Man => match gameday::manpage::render(Cli::command()) {
            Ok(page) => print_text(&page),
            Err(e) => {
                gameday::tell!("gameday man: {e}");
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Check { scenarios } => check(&scenarios),
        Command::Plan { scenario, context } => plan(&scenario, context),
        Command::Report {
            run_dir,
            recheck: true,
        } => {
            let check = gameday::journal::read_journal(&run_dir.join("journal.jsonl"))
                .map_err(|e| e.to_string())
                .and_then(|r| gameday::report::verdict_check(&r).map_err(|e| e.to_string()));
            match check {
                Ok(None) => {
                    gameday::say!("{}: the journal agrees with itself", run_dir.display());
                    ExitCode::SUCCESS
                }
                Ok(Some(why)) => {
                    eprintln!("gameday report: VERDICT CHECK FAILED: {why}");
                    ExitCode::from(EXIT_VERDICT_MISMATCH)
                }
                Err(e) => {
                    eprintln!("gameday report: {e}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
        Command::Report { run_dir, .. } => match gameday::report::write_report(&run_dir) {
            Ok(p) => {
                gameday::say!("{}", p.display());
                let check = gameday::journal::read_journal(&run_dir.join("journal.jsonl"))
                    .map_err(|e| e.to_string())
                    .and_then(|r| gameday::report::verdict_check(&r).map_err(|e| e.to_string()));
                match check {
                    Ok(None) => ExitCode::SUCCESS,
                    Ok(Some(why)) => {
                        eprintln!("gameday report: VERDICT CHECK FAILED: {why}");
                        ExitCode::from(EXIT_VERDICT_MISMATCH)
                    }
                    Err(e) => {
                        eprintln!("gameday report: {e}");
                        ExitCode::from(EXIT_USAGE)
                    }
                }
            }
            Err(e) => {
                gameday::tell!("gameday report: {e}");
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Recover {
            run_dir,
            scenario,
            cluster,
            context,
            operator,
        } => {
            let Some(rt) = runtime() else {
                return ExitCode::from(EXIT_USAGE);
            };
            let operator = operator.unwrap_or_else(operator_name);
            let mut code = 0;
            if let Some(run_dir) = run_dir {
                let mut out = std::io::stdout();
                let opts = gameday::recover::Options {
                    scenario: scenario.as_deref(),
                };
                match rt.block_on(gameday::recover::recover(
                    &run_dir,
                    &operator,
                    opts,
                    &env_lookup,
                    &mut out,
                )) {
                    Ok(outcome) => code = outcome.exit_code(),
                    Err(e) => {
                        gameday::tell!("gameday recover: {e}");
                        return ExitCode::from(e.exit_code() as u8);
                    }
                }
            }
            if cluster {
                code = code.max(rt.block_on(recover_cluster(context.as_deref())));
            }
            ExitCode::from(code as u8)
        }
        Command::Join {
            run_dir,
            headless,
            ascii,
        } => {
            let Some(rt) = runtime() else {
                return ExitCode::from(EXIT_USAGE);
            };
            let front = match Front::choose(headless, ascii, None) {
                Front::Tui { theme } => gameday::room::join::Front::Tui { theme },
                Front::Headless { .. } => gameday::room::join::Front::Headless,
            };
            let code = rt.block_on(gameday::room::join::join(&run_dir, front));
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
            ExitCode::from(code as u8)
        }
        Command::Demo { live, quick } => {
            let (front, opts) = live.resolve(None, true);
            demo(opts, quick, front)
        }
        Command::Run {
            scenario,
            live,
            context,
            prometheus_url,
            junit,
        } => {
            let (front, opts) = live.resolve(junit, false);
            run(&scenario, opts, context, prometheus_url, front)
        }
    }
}

/// Prints generated text whole; a closed pipe (`gameday man | head`) is not an error.
fn print_text(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    ExitCode::SUCCESS
}

fn check(paths: &[PathBuf]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let ok = scenario::check::check_files(paths, &env_lookup, &mut out);
    let _ = out.flush();
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_USAGE)
    }
}

fn load(path: &Path) -> Result<(scenario::Scenario, String), ExitCode> {
    match scenario::load_with_text(path, &env_lookup) {
        Ok(x) => {
            // what `check` warns about is said again where it matters
            for w in &x.0.warnings {
                gameday::tell!("{w}");
            }
            Ok(x)
        }
        Err(problems) => {
            for p in problems {
                gameday::tell!("{p}");
            }
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// Resolves every fault as arming would (targets, blast radius, permissions) and prints
/// the plan; changes nothing. Exit 0 when every fault could be armed, 6 otherwise.
fn plan(path: &Path, context: Option<String>) -> ExitCode {
    let (mut s, _) = match load(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let (Some(ctx), Some(k)) = (context, s.kubernetes.as_mut()) {
        k.context = Some(ctx);
    }
    // what `run` refuses before it starts, `plan` refuses too: an unreadable token or
    // password file, an unset variable the Prometheus client needs
    if let Some(p) = &s.prometheus {
        if let Err(e) = gameday::signals::prometheus::Client::new(p, &env_lookup) {
            gameday::tell!("gameday plan: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let hypothesis = s
        .hypothesis
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    gameday::say!("scenario {} — {}", s.name, visible(&hypothesis));
    gameday::say!(
        "baseline {}, recovery {}, max_duration {}",
        gameday::units::format_duration(s.phases.baseline),
        gameday::units::format_duration(s.phases.recovery),
        gameday::units::format_duration(s.safety.max_duration)
    );
    let Some(rt) = runtime() else {
        return ExitCode::from(EXIT_USAGE);
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let all_ok = rt.block_on(async {
        let ctx = match gameday::faults::context(&s, "plan", base).await {
            Ok(c) => c,
            Err(e) => {
                gameday::say!("cannot resolve the plan: {}", visible(&e));
                return false;
            }
        };
        if let Some(c) = &ctx.cluster {
            gameday::say!(
                "cluster: context `{}` at {}, namespace {}",
                c.context,
                c.server,
                c.namespace
            );
        }
        let mut all_ok = true;
        for (i, f) in s.faults.iter().enumerate() {
            gameday::say!(
                "{}. {} ({}, {})",
                i + 1,
                f.name,
                f.kind.name(),
                gameday::units::format_duration(f.duration)
            );
            let result = match gameday::faults::build(f, &ctx) {
                Ok(action) => action.prepare().await,
                Err(e) => Err(e),
            };
            match result {
                // plans quote what the cluster answered: each line stays one line
                Ok(lines) => {
                    for line in lines {
                        gameday::say!("   {}", visible(&line));
                    }
                }
                Err(why) => {
                    all_ok = false;
                    for line in gameday::resolve::static_plan(&f.kind) {
                        gameday::say!("   {}", visible(&line));
                    }
                    gameday::say!("   CANNOT BE ARMED: {}", visible(&why));
                }
            }
        }
        all_ok
    });
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(6)
    }
}

/// `recover --cluster`: deletes expired objects that gameday applied. 0 when nothing is
/// left, 5 when some could not be deleted, 64 when the cluster cannot be reached.
async fn recover_cluster(context: Option<&str>) -> i32 {
    use gameday::cluster::expired;
    let c = match gameday::cluster::connect(context, None, std::time::Duration::from_secs(10)).await
    {
        Ok(c) => c,
        Err(e) => {
            gameday::tell!("gameday recover --cluster: {e}");
            return 64;
        }
    };
    let found = match expired::find(&c.client, chrono::Utc::now()).await {
        Ok(f) => f,
        Err(e) => {
            gameday::tell!("gameday recover --cluster: {e}");
            return 64;
        }
    };
    if found.is_empty() {
        gameday::say!("gameday recover --cluster: nothing to do: no expired object managed by gameday in context `{}`", c.context);
        return 0;
    }
    let mut failed = 0;
    for (e, ar, namespaced) in &found {
        match expired::delete(&c.client, e, ar, *namespaced).await {
            Ok(()) => gameday::say!("gameday recover --cluster: deleted {}", e.describe()),
            Err(why) => {
                failed += 1;
                gameday::say!("gameday recover --cluster: FAILED to delete {why}");
            }
        }
    }
    if failed > 0 {
        5
    } else {
        0
    }
}

/// color-eyre's reports, with a panic hook that never panics itself: after an SSH drop
/// standard error is a dead terminal, and a hook that fails to print there would abort
/// the process before the crash path could revert anything.
fn install_hooks() {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default().into_hooks();
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| {
        use std::io::Write as _;
        let report = panic_hook.panic_report(info);
        let _ = writeln!(std::io::stderr(), "{report}");
    }));
}

/// Which front drives the run.
enum Front {
    Headless { junit: Option<PathBuf> },
    Tui { theme: gameday::ui::Theme },
}

impl Front {
    /// The TUI needs a terminal on both ends; without one the run goes headless, as
    /// `--headless` would.
    fn choose(headless: bool, ascii: bool, junit: Option<PathBuf>) -> Front {
        use std::io::IsTerminal;
        let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        if headless || junit.is_some() || !tty {
            if !headless && !tty {
                gameday::tell!("gameday: not a terminal: running headless");
            }
            Front::Headless { junit }
        } else {
            Front::Tui {
                theme: gameday::ui::Theme::from_env(ascii),
            }
        }
    }

    fn mode(&self) -> &'static str {
        match self {
            Front::Headless { .. } => "headless",
            Front::Tui { .. } => "tui",
        }
    }

    async fn run(
        self,
        session: Session,
        rx: tokio::sync::mpsc::Receiver<gameday::engine::Msg>,
    ) -> i32 {
        match self {
            Front::Headless { junit } => gameday::headless::run(session, rx, junit).await,
            Front::Tui { theme } => gameday::tui::run(session, rx, theme).await,
        }
    }
}

fn run(
    path: &Path,
    opts: RunOptions,
    context: Option<String>,
    prometheus_url: Option<String>,
    front: Front,
) -> ExitCode {
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
        return ExitCode::from(EXIT_USAGE);
    }
    if let (Some(ctx), Some(k)) = (context, s.kubernetes.as_mut()) {
        k.context = Some(ctx);
    }
    if let (Some(url), Some(p)) = (prometheus_url, s.prometheus.as_mut()) {
        p.url = url;
    }
    let Some(rt) = runtime() else {
        return ExitCode::from(EXIT_USAGE);
    };
    let operator = opts.operator.clone();
    let code = guarded(
        rt,
        async {
            let (session, rx) = match Session::start(&s, path, &text, &env_lookup, &opts).await {
                Ok(x) => x,
                Err(e) => {
                    gameday::tell!("gameday: {e}");
                    return 64;
                }
            };
            init_log(&session.run_dir, session.redactor().clone());
            front.run(session, rx).await
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
            gameday::tui::restore_terminal();
            let Some(dir) = gameday::runner::CURRENT_RUN.get() else {
                gameday::tell!("gameday: crashed before the run started; nothing was injected");
                return 2;
            };
            gameday::tell!("gameday: CRASHED; reverting every fault the journal shows as active");
            let Some(rt2) = runtime() else { return 5 };
            let mut out = std::io::stdout();
            let res = rt2.block_on(gameday::recover::recover_as(
                dir,
                operator,
                gameday::journal::AbortSource::Panic,
                &env_lookup,
                &mut out,
            ));
            match res {
                Ok(o) if o.exit_code() == 0 => 2,
                Ok(_) => {
                    gameday::say!(
                        "gameday: A REVERT FAILED — run `gameday recover {}`",
                        dir.display()
                    );
                    5
                }
                Err(e) => {
                    gameday::tell!("gameday: {e}; run `gameday recover {}`", dir.display());
                    5
                }
            }
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => Some(rt),
        Err(e) => {
            gameday::tell!("gameday: cannot start the async runtime: {e}");
            None
        }
    }
}

fn demo(opts: RunOptions, quick: bool, front: Front) -> ExitCode {
    use gameday::demo;
    // The demo's cluster is a local fake of the Kubernetes API; this process (and only
    // this process) is pointed at it, before any thread exists.
    let kube_dir = std::env::temp_dir().join(format!("gameday-demo-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&kube_dir) {
        gameday::tell!("gameday demo: cannot create {}: {e}", kube_dir.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let kubeconfig = kube_dir.join("kubeconfig");
    std::env::set_var("KUBECONFIG", &kubeconfig);
    let Some(rt) = runtime() else {
        return ExitCode::from(EXIT_USAGE);
    };
    let operator = opts.operator.clone();
    let kubeconfig_path = kubeconfig.clone();
    let kubeconfig = &kubeconfig_path;
    let code = guarded(
        rt,
        async {
            let (addr, _shop) = match demo::shop::start().await {
                Ok(x) => x,
                Err(e) => {
                    gameday::tell!("gameday demo: cannot start the demo shop on 127.0.0.1: {e}");
                    return 64;
                }
            };
            let _cluster = match demo::start_cluster(kubeconfig).await {
                Ok(c) => c,
                Err(e) => {
                    gameday::tell!("gameday demo: cannot start the demo cluster on 127.0.0.1: {e}");
                    return 64;
                }
            };
            let env = demo::env(format!("http://{addr}"), quick);
            let s = match demo::scenario(&env) {
                Ok(s) => s,
                Err(e) => {
                    gameday::tell!("gameday demo: the built-in scenario is invalid (a bug):\n{e}");
                    return 64;
                }
            };
            gameday::say!("gameday demo: PRACTICE RUN against the built-in demo shop on http://{addr} — nothing else is touched");
            let path = Path::new(demo::SCENARIO_PATH);
            let (session, rx) = match Session::start(&s, path, demo::SCENARIO, &env, &opts).await {
                Ok(x) => x,
                Err(e) => {
                    gameday::tell!("gameday: {e}");
                    return 64;
                }
            };
            init_log(&session.run_dir, session.redactor().clone());
            front.run(session, rx).await
        },
        &operator,
    );
    let _ = std::fs::remove_dir_all(&kube_dir);
    ExitCode::from(code as u8)
}

/// Logs go to the run directory, never to the screen, with the run's secrets taken out:
/// a warning can quote a server's answer, and servers echo credentials.
fn init_log(run_dir: &Path, redactor: gameday::journal::redact::Redactor) {
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(gameday::files::FILE_MODE)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(run_dir.join("gameday.log"))
    else {
        return;
    };
    let file = ScrubbedLog { file, redactor };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GAMEDAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// The log file, each write scrubbed of the run's secrets (one write is one log line).
struct ScrubbedLog {
    file: std::fs::File,
    redactor: gameday::journal::redact::Redactor,
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
