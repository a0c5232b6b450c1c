//! The `gameday` command line. Errors are shown here, at the edge, for a person to read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use gameday::commands::{self, print_text, Front};
use gameday::exit::ExitStatus;
use gameday::runner::{operator_name, RunOptions};

/// Where `run --out` puts run directories, and where `status` and `history` look, unless
/// told.
const DEFAULT_OUT: &str = "gameday-runs";

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
    /// No TUI: trigger each fault in order while the steady state holds; print what
    /// happens, a line each.
    #[arg(long)]
    headless: bool,
    /// Only ASCII characters on screen (no box drawing, marks or sparks).
    #[arg(long)]
    ascii: bool,
    /// Where run directories are created.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Your name in the journal and report (default: your user name).
    #[arg(long)]
    operator: Option<String>,
    /// Headless: also print every sample and every probe (the journal has them all
    /// anyway); without it, only what a person reads: phases, faults, notes, each
    /// signal's changes of state, errors once.
    #[arg(long)]
    verbose: bool,
}

impl LiveArgs {
    /// The front that drives the run, and the run's options.
    fn resolve(self, junit: Option<PathBuf>, demo: bool) -> (Front, RunOptions) {
        let front = Front::choose(self.headless, self.ascii, junit, self.verbose);
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
    ///
    /// Exit: 0 CONFIRMED, 1 REFUTED, 2 ABORTED, 3 INCONCLUSIVE, 4 a fault failed to inject,
    /// 5 a revert FAILED (faults may still be active: run `gameday recover RUN_DIR`), 6 NOT
    /// RUN, 64 bad usage or an invalid scenario, 69 a source did not answer the preflight.
    Run {
        scenario: PathBuf,
        #[command(flatten)]
        live: LiveArgs,
        /// Kubernetes context (overrides `kubernetes.context`).
        #[arg(long)]
        context: Option<String>,
        /// Prometheus URL, an absolute http:// or https:// URL (overrides `prometheus.url`).
        #[arg(long)]
        prometheus_url: Option<String>,
        /// Also write the verdict and each criterion as JUnit XML (headless).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Run even when the preflight finds a source that does not answer (otherwise:
        /// exit 69 before the baseline); the journal and the report say so.
        #[arg(long)]
        skip_preflight: bool,
    },
    /// Validate scenarios; prints FILE:LINE:COL: message for each problem.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Try every source once (the preflight), resolve targets and check permissions;
    /// print what would be injected and reverted, and where `notify:` posts (by
    /// variable). Changes nothing. Exit 69 when a source does not answer, 6 when a fault
    /// could not be armed.
    Plan {
        scenario: PathBuf,
        /// Kubernetes context (overrides `kubernetes.context`).
        #[arg(long)]
        context: Option<String>,
        /// Prometheus URL, an absolute http:// or https:// URL (overrides `prometheus.url`).
        #[arg(long)]
        prometheus_url: Option<String>,
    },
    /// (Re)write RUN_DIR/report.md, RUN_DIR/actions.json and RUN_DIR/charts/ from
    /// RUN_DIR/journal.jsonl, judging the run again. Exit 0, 65 when the journal disagrees
    /// with itself, 69 when RUN_DIR does not exist or is not a run directory (no
    /// journal.jsonl).
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
    /// Exit 0, 5 when a revert failed (faults may still be active; once you have checked
    /// by hand, --by-hand records it), 64 when the journal cannot be read, the run is live
    /// or --by-hand names a fault not left to revert, 77 when the journal is not one it may
    /// trust.
    Recover {
        #[arg(required_unless_present = "cluster")]
        run_dir: Option<PathBuf>,
        /// The scenario file as it was when the run started (checked against the sha256
        /// in the journal), for values the journal does not keep (literal secrets).
        #[arg(long, value_name = "FILE", requires = "run_dir")]
        scenario: Option<PathBuf>,
        /// A fault you reverted by hand, or checked is not active (its revert cannot
        /// succeed, say, because its injection was cancelled before it did anything):
        /// recorded in the journal under your name, its revert not run. Repeatable.
        #[arg(long, value_name = "FAULT", requires = "run_dir")]
        by_hand: Vec<String>,
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
    /// Second operator: the live view of a run in progress, notes, milestones and the
    /// kill switch (only the driver arms and triggers). Leaving changes nothing in the run.
    /// Exit: the run's exit code when you saw the run end, 0 when you left, 69 when there is
    /// no live run or the connection was lost, 75 when the driver asked you to join again
    /// later, 77 when you may not join.
    Join {
        run_dir: PathBuf,
        /// No TUI: what happens, a line each; lines on standard input become notes
        /// (`action: …` an action item, `/milestone NAME` marks a milestone, `/abort` or
        /// `X` the kill switch).
        #[arg(long)]
        headless: bool,
        /// Only ASCII characters on screen.
        #[arg(long)]
        ascii: bool,
        /// Headless: also print every sample and every probe.
        #[arg(long)]
        verbose: bool,
    },
    /// Pull the kill switch of a live run from any shell of a user who may join it; waits
    /// until every revert is confirmed (at most 5 minutes) and prints what was reverted.
    /// Exit 0, 5 when a revert failed, 75 when not confirmed in time or when the driver
    /// asked to be asked again later, 69 when there is no live run, 77 when you may not.
    Abort {
        run_dir: PathBuf,
        /// Why, for the journal and the report (at most 4000 characters).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// List the live runs under RUNS_DIR (or the one run RUN_DIR): scenario, phase, active
    /// faults with time left, who is in the room. Changes nothing. Exit 0 when it could look
    /// everywhere, 69 when the path does not exist, is not a directory or is a run that is
    /// not live, 75 when a driver asked to be asked again later, 77 when you may not read
    /// the path or a run in it.
    Status {
        /// A directory of runs, or one run directory.
        #[arg(value_name = "RUNS_DIR|RUN_DIR", default_value = DEFAULT_OUT)]
        path: PathBuf,
        /// One JSON object for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Game days over time, from the journals under RUNS_DIR: per scenario its last run and
    /// verdict, how many runs, days since it was last CONFIRMED (⚠ past 30), and the trend
    /// of each signal's worst value during the faults and of the time to recover. Exit 0,
    /// 69 when RUNS_DIR does not exist, 77 when it may not be read.
    History {
        /// The directory of runs: where `run` writes them.
        #[arg(value_name = "RUNS_DIR", default_value = DEFAULT_OUT)]
        runs_dir: PathBuf,
        /// One JSON object for dashboards instead of text (fields in README).
        #[arg(long)]
        json: bool,
    },
    /// A complete practice game day against a built-in shop on 127.0.0.1; no infrastructure.
    /// Exits as `run` does: the verdict's code, 69 when a source does not answer the
    /// preflight.
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitStatus::Usage.into(),
            };
        }
    };
    commands::install_hooks();
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
                ExitStatus::Usage.into()
            }
        },
        Command::Import(ImportCommand::Litmus { file, out, force }) => {
            match gameday::import::litmus::import_file(&file, out.as_deref(), force) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    gameday::tell!("{e}");
                    ExitStatus::Usage.into()
                }
            }
        }
        Command::Schema => match gameday::schema::scenario_schema() {
            Ok(schema) => print_text(&schema),
            Err(e) => {
                gameday::tell!("gameday schema: {e}");
                ExitStatus::Usage.into()
            }
        },
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "gameday", &mut out);
            print_text(&String::from_utf8_lossy(&out))
        }
        Command::Man => match gameday::manpage::render(Cli::command()) {
            Ok(page) => print_text(&page),
            Err(e) => {
                gameday::tell!("gameday man: {e}");
                ExitStatus::Usage.into()
            }
        },
        Command::Check { scenarios } => commands::check(&scenarios),
        Command::Plan {
            scenario,
            context,
            prometheus_url,
        } => commands::plan(&scenario, context, prometheus_url),
        Command::Report { run_dir, recheck } => commands::report(&run_dir, recheck),
        Command::Recover {
            run_dir,
            scenario,
            by_hand,
            cluster,
            context,
            operator,
        } => commands::recover(
            run_dir.as_deref(),
            scenario.as_deref(),
            &by_hand,
            cluster,
            context.as_deref(),
            &operator.unwrap_or_else(operator_name),
        ),
        Command::Join {
            run_dir,
            headless,
            ascii,
            verbose,
        } => commands::join(&run_dir, Front::choose(headless, ascii, None, verbose)),
        Command::Abort { run_dir, reason } => {
            commands::abort(&run_dir, reason.as_deref().unwrap_or_default())
        }
        Command::Status { path, json } => commands::status(&path, json),
        Command::History { runs_dir, json } => commands::history(&runs_dir, json),
        Command::Demo { live, quick } => {
            let (front, opts) = live.resolve(None, true);
            commands::demo(opts, quick, front)
        }
        Command::Run {
            scenario,
            live,
            context,
            prometheus_url,
            junit,
            skip_preflight,
        } => {
            let (front, opts) = live.resolve(junit, false);
            commands::run(
                &scenario,
                opts,
                context,
                prometheus_url,
                skip_preflight,
                front,
            )
        }
    }
}
