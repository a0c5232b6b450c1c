//! A live run: the engine, its journal, the samplers and the fault workers.
//!
//! Fronts (headless, the TUI) own the loop: they feed [`Session::handle`] with messages
//! from the channel, their keys and the OS, and show the records it returns. Effects are
//! carried out here, in order: a journal record is durable before the next effect runs,
//! so a fault's intent is on disk before the fault is injected.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::{self, Config, Effect, Msg, State};
use crate::faults::{self, FaultAction};
use crate::journal::{Event, JournalError, JournalWriter, Record, Redactor, RunInfo};
use crate::resolve;
use crate::room::server::{Request as RoomRequest, Room, Welcome};
use crate::room::ServerLine;
use crate::scenario::model::Scenario;

pub mod screens;

pub type Ts = DateTime<Utc>;

/// Wall-clock time that only moves forward: a clock step (NTP) during a run cannot
/// stretch or shorten a fault. Millisecond precision, as the journal keeps it, so the
/// report judges exactly the timestamps the engine judged.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    wall0: Ts,
    mono0: Instant,
}

impl Clock {
    pub fn start() -> Self {
        Clock {
            wall0: Utc::now(),
            mono0: Instant::now(),
        }
    }

    pub fn now(&self) -> Ts {
        let t = self.wall0 + self.mono0.elapsed();
        t.duration_trunc(chrono::Duration::milliseconds(1))
            .unwrap_or(t)
    }
}

/// The run directory of the live run in this process, for the crash path in `main`:
/// after a panic the journal is all that is left to revert from.
pub static CURRENT_RUN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// How a run was started.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    pub operator: String,
    /// "headless" or "tui"
    pub mode: String,
    pub demo: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the run directory {path}: {source}")]
    RunDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} — refusing to run without a journal")]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Unsupported(String),
}

/// What one message led to.
#[derive(Debug, Default)]
pub struct Step {
    pub records: Vec<Record>,
    pub refused: Vec<String>,
    /// resolved plans, ready for the operator's confirmation
    pub plans: Vec<(usize, Vec<String>)>,
    /// why the next fault cannot be armed
    pub arm_refused: Vec<String>,
}

pub struct Session {
    pub state: State,
    pub info: RunInfo,
    pub run_dir: PathBuf,
    journal: JournalWriter,
    actions: Arc<Vec<Box<dyn FaultAction>>>,
    tx: mpsc::Sender<Msg>,
    in_flight: Vec<Option<JoinHandle<()>>>,
    watchdog: crate::watchdog::Watchdog,
    /// each fault's duration (capped by max_duration), for the watchdog's deadline
    deadlines: Vec<Duration>,
    max_duration: Duration,
    samplers: Vec<JoinHandle<()>>,
    clock: Clock,
    /// set when a journal write failed: nothing more is injected
    journal_broken: bool,
    /// `control.sock`: joiners, and what they ask of this loop
    room: Option<Room>,
    room_rx: Option<mpsc::Receiver<RoomRequest>>,
    /// Grafana annotations, when the scenario asks for them
    grafana: Option<crate::grafana::Annotator>,
    /// `notify:` webhooks, when the scenario lists any
    notify: Option<crate::notify::Notifier>,
    /// every secret of the scenario: taken out of each message before the engine (and so
    /// the screen and the room) sees it
    redactor: crate::journal::redact::Redactor,
}

pub fn operator_name() -> String {
    if let Ok(Some(u)) = nix::unistd::User::from_uid(nix::unistd::getuid()) {
        return u.name;
    }
    std::env::var("USER").unwrap_or_else(|_| format!("uid{}", nix::unistd::getuid()))
}

fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown".into())
}

/// `DIR/<UTC yyyymmddThhmmssZ>-<name>/`, with `-2`, `-3`… when two runs start in the same
/// second.
///
/// The directory is 0750 and its files 0640 ([`crate::files::DIR_MODE`]): readable by its
/// group, which is who may join, and writable by nobody else.
fn create_run_dir(out: &Path, name: &str, now: Ts) -> Result<PathBuf, StartError> {
    crate::files::create_private_dir_all(out).map_err(|source| StartError::RunDir {
        path: out.to_path_buf(),
        source,
    })?;
    let base = format!("{}-{}", now.format("%Y%m%dT%H%M%SZ"), name);
    for n in 1..100 {
        let dir = if n == 1 {
            out.join(&base)
        } else {
            out.join(format!("{base}-{n}"))
        };
        match crate::files::create_private_dir(&dir) {
            Ok(()) => {
                let _ = crate::files::create_private_dir(&dir.join(crate::report::charts::DIR));
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(StartError::RunDir { path: dir, source }),
        }
    }
    Err(StartError::RunDir {
        path: out.join(base),
        source: std::io::Error::other("too many runs in one second"),
    })
}

impl Session {
    /// Creates the run directory and journal, starts the samplers. Nothing is injected.
    pub async fn start(
        scenario: &Scenario,
        scenario_path: &Path,
        scenario_text: &str,
        env: &dyn Fn(&str) -> Option<String>,
        opts: &RunOptions,
    ) -> Result<(Session, mpsc::Receiver<Msg>), StartError> {
        // what cannot work is refused before a run directory exists
        if let Some(p) = &scenario.prometheus {
            crate::signals::prometheus::Client::new(p, env).map_err(StartError::Unsupported)?;
        }
        // and a webhook whose variable is unset would leave the team unaware of the run
        let hooks =
            crate::notify::resolve(&scenario.notify, env).map_err(StartError::Unsupported)?;
        // every secret it gives access to, and the text the journal may keep of it
        let (redactor, kept) = crate::scenario::secrets::collect(scenario_text, scenario, env)
            .map_err(StartError::Unsupported)?;
        let base_dir = scenario_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut ctx = crate::scenario::fault_context(scenario, "", base_dir)
            .await
            .map_err(StartError::Unsupported)?;
        let clock = Clock::start();
        let now = clock.now();
        // a name holds no secret (`check` refuses one); should it anyway, the run
        // directory is not named with it
        let dir_name = redactor
            .scrub_name(&scenario.name)
            .replace(crate::journal::redact::MASK, "redacted");
        let run_dir = create_run_dir(&opts.out_dir, &dir_name, now)?;
        ctx.run_id = run_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (tx, rx) = mpsc::channel(1024);
        let built: Result<Vec<Box<dyn FaultAction>>, String> = scenario
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut c = ctx.clone();
                c.progress = Some(faults::Progress {
                    tx: tx.clone(),
                    fault: i,
                });
                faults::build(f, &c)
            })
            .collect();
        let actions = match built {
            Ok(a) => a,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&run_dir);
                return Err(StartError::Unsupported(e));
            }
        };
        let journal = JournalWriter::create(&run_dir.join("journal.jsonl"), redactor.clone())?;
        let _ = CURRENT_RUN.set(run_dir.clone());
        let mut fault_infos = resolve::fault_infos(scenario);
        for (info, action) in fault_infos.iter_mut().zip(&actions) {
            info.plan = action.plan();
        }
        let sha = Sha256::digest(scenario_text.as_bytes());
        let mut info = RunInfo {
            run_id: run_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            scenario: scenario.name.clone(),
            // absolute: `recover` finds the file from wherever it is run
            scenario_path: if opts.demo {
                scenario_path.display().to_string()
            } else {
                std::path::absolute(scenario_path)
                    .unwrap_or_else(|_| scenario_path.to_path_buf())
                    .display()
                    .to_string()
            },
            scenario_text: kept.text,
            scenario_sha256: sha.iter().map(|b| format!("{b:02x}")).collect(),
            scenario_redacted: kept.redacted,
            hypothesis: scenario.hypothesis.trim().to_string(),
            description: scenario.description.clone(),
            owner: scenario.owner.clone(),
            operator: opts.operator.clone(),
            host: host_name(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            run_dir: run_dir.display().to_string(),
            mode: opts.mode.clone(),
            demo: opts.demo,
            prometheus_url: scenario.prometheus.as_ref().map(|p| p.url.clone()),
            kube_context: scenario.kubernetes.as_ref().and_then(|k| k.context.clone()),
            kube_namespace: scenario
                .kubernetes
                .as_ref()
                .and_then(|k| k.namespace.clone()),
            baseline: scenario.phases.baseline,
            recovery: scenario.phases.recovery,
            signals: scenario
                .steady_state
                .iter()
                .map(resolve::signal_info)
                .collect(),
            faults: fault_infos,
            alerts: resolve::alert_infos(scenario),
            milestones: resolve::milestone_infos(scenario),
            pod_panels: scenario.pods.iter().map(|p| p.selector.clone()).collect(),
        };
        // what the screen, the joiners and the journal see of it: plans and URLs are
        // shown with their secrets masked
        redactor.redact_info(&mut info);
        let cfg = Config::from_run_info(
            &info,
            scenario.safety.max_duration,
            scenario.safety.require_steady_state,
        );
        let (state, fx) = State::new(cfg, now);
        let n = actions.len();
        let actions = Arc::new(actions);
        let mut session = Session {
            state,
            info: info.clone(),
            run_dir,
            journal,
            actions: Arc::clone(&actions),
            tx: tx.clone(),
            in_flight: (0..n).map(|_| None).collect(),
            watchdog: crate::watchdog::Watchdog::start(Arc::clone(&actions)),
            deadlines: scenario
                .faults
                .iter()
                .map(|f| f.duration.min(scenario.safety.max_duration))
                .collect(),
            max_duration: scenario.safety.max_duration,
            samplers: Vec::new(),
            clock,
            journal_broken: false,
            room: None,
            room_rx: None,
            grafana: None,
            notify: None,
            redactor,
        };
        let started = session
            .journal
            .append(now, Event::RunStarted(Box::new(info)))?;
        if let Some(g) = &scenario.grafana {
            let token = g.token_env.as_deref().and_then(env);
            if let (Some(var), None) = (&g.token_env, &token) {
                session.journal_front_event(Event::Warning {
                    source: "grafana".into(),
                    message: format!("{var} is not set: annotations are sent without a token"),
                });
            }
            let (name, id) = (&session.info.scenario, &session.info.run_id);
            match crate::grafana::Annotator::start(g, token, name, id) {
                Ok(a) => session.grafana = Some(a),
                Err(message) => {
                    session.journal_front_event(Event::Warning {
                        source: "grafana".into(),
                        message,
                    });
                }
            }
        }
        let mut step = Step::default();
        session.apply(fx, now, &mut step);
        if session.journal_broken {
            return Err(StartError::Unsupported(
                "the journal could not be written".into(),
            ));
        }
        // pairing is a convenience: a run without its socket still runs
        let oldest_join = if session.info.milestones.is_empty() {
            crate::room::OLDEST_PROTOCOL
        } else {
            crate::room::MILESTONES_PROTOCOL
        };
        match Room::open(&session.run_dir, oldest_join) {
            Ok((room, rx)) => {
                session.room = Some(room);
                session.room_rx = Some(rx);
            }
            Err(e) => tracing::warn!("no control socket, nobody can join: {e}"),
        }
        session.samplers = crate::signals::spawn_all(scenario, env, ctx.cluster.as_ref(), now, &tx)
            .map_err(StartError::Unsupported)?;
        // last: the team hears of a run that did start
        if !hooks.is_empty() {
            session.start_notify(hooks, opts, &started);
        }
        Ok((session, rx))
    }

    pub fn now(&self) -> Ts {
        self.clock.now()
    }

    pub fn sender(&self) -> mpsc::Sender<Msg> {
        self.tx.clone()
    }

    pub fn journal_path(&self) -> &Path {
        self.journal.path()
    }

    /// The secrets of this run, for writers beside the journal (the log).
    pub fn redactor(&self) -> &crate::journal::redact::Redactor {
        &self.redactor
    }

    /// Feeds one message to the engine and carries out what it decided.
    pub fn handle(&mut self, msg: Msg) -> Step {
        let msg = redact_msg(&self.redactor, msg);
        let now = self.clock.now();
        // joiners replay the same message at the same time on their copy of the state
        let shared = self
            .room
            .as_ref()
            .filter(|r| r.has_guests())
            .map(|_| msg.clone());
        let fx = engine::update(&mut self.state, msg, now);
        let mut step = Step::default();
        self.apply(fx, now, &mut step);
        if let (Some(room), Some(msg)) = (&self.room, shared) {
            room.send(&ServerLine::Step {
                now,
                msg: Some(msg),
                records: step.records.clone(),
            });
        }
        self.journal_warnings(&mut step);
        step
    }

    /// What joiners asked, for the front's loop to pass to [`Session::serve`]; `None`
    /// when the run has no socket.
    pub fn take_room_requests(&mut self) -> Option<mpsc::Receiver<RoomRequest>> {
        self.room_rx.take()
    }

    fn welcome(&self, user: &str) -> Option<Welcome> {
        let room = self.room.as_ref()?;
        let records = crate::journal::read_journal(self.journal.path()).ok()?;
        let rx = room.subscribe()?;
        let line = crate::room::encode(&ServerLine::Welcome {
            protocol: crate::room::PROTOCOL,
            you: user.to_string(),
            driver: self.info.operator.clone(),
            info: Box::new(self.info.clone()),
            state: Box::new(self.state.clone()),
            records,
            now: self.clock.now(),
        });
        Some(Welcome { line, rx })
    }

    /// Carries out what a joiner asked. Notes and aborts go through the engine like the
    /// driver's own, with the joiner's user name as author; the answer is sent only
    /// after the journal has the record on disk.
    pub fn serve(&mut self, req: RoomRequest) -> Step {
        let mut step = Step::default();
        match req {
            RoomRequest::Join { user, reply } => {
                step.records
                    .extend(self.journal_front_event(Event::OperatorJoined { name: user.clone() }));
                if let Some(w) = self.welcome(&user) {
                    let _ = reply.send(w);
                }
            }
            RoomRequest::Resync { user, reply } => {
                if let Some(w) = self.welcome(&user) {
                    let _ = reply.send(w);
                }
            }
            RoomRequest::Left { user, detail } => {
                step.records
                    .extend(self.journal_front_event(Event::OperatorLeft { name: user, detail }));
            }
            RoomRequest::Note {
                user,
                id,
                kind,
                text,
                reply,
            } => {
                let s = self.handle(Msg::Note {
                    author: user,
                    kind,
                    text,
                });
                let _ = reply.send(answer(id, &s, |e| matches!(e, Event::Note { .. })));
                step = s;
            }
            RoomRequest::Milestone {
                user,
                id,
                name,
                reply,
            } => {
                let mut s = self.handle(Msg::Milestone {
                    name,
                    author: user.clone(),
                });
                let _ = reply.send(answer(id, &s, |e| matches!(e, Event::Milestone { .. })));
                // the driver's screen says whose request it was
                for r in &mut s.refused {
                    *r = format!("{user}: {r}");
                }
                step = s;
            }
            RoomRequest::Abort {
                user,
                source,
                id,
                detail,
                reply,
            } => {
                let s = self.handle(Msg::Abort {
                    by: user,
                    source,
                    detail,
                });
                let _ = reply.send(answer(id, &s, |e| matches!(e, Event::Abort { .. })));
                step = s;
            }
            RoomRequest::Status { reply } => {
                let _ = reply.send(crate::room::status::RunStatus::of(
                    &self.info,
                    &self.state,
                    self.clock.now(),
                ));
            }
        }
        step
    }

    /// Starts the `notify:` senders and tells the team the run started. A sender that
    /// cannot start is a warning: the run goes on without it.
    fn start_notify(
        &mut self,
        hooks: Vec<crate::notify::Webhook>,
        opts: &RunOptions,
        started: &Record,
    ) {
        let report = self.run_dir.join("report.md");
        let ctx = crate::notify::Context {
            scenario: self.info.scenario.clone(),
            run_id: self.info.run_id.clone(),
            operator: opts.operator.clone(),
            host: self.info.host.clone(),
            run_dir: std::path::absolute(&self.run_dir)
                .unwrap_or_else(|_| self.run_dir.clone())
                .display()
                .to_string(),
            report: std::path::absolute(&report)
                .unwrap_or(report)
                .display()
                .to_string(),
        };
        match crate::notify::Notifier::start(hooks, ctx, self.redactor.clone()) {
            Ok(mut n) => {
                n.observe(started, || 0);
                self.notify = Some(n);
            }
            Err(message) => {
                self.journal_front_event(Event::Warning {
                    source: "notify".into(),
                    message,
                });
            }
        }
    }

    /// What the side tasks (Grafana, notify) had to say, into the journal.
    fn journal_warnings(&mut self, step: &mut Step) {
        let mut events: Vec<Event> = Vec::new();
        if let Some(g) = self.grafana.as_mut() {
            events.extend(g.warnings().into_iter().map(|message| Event::Warning {
                source: "grafana".into(),
                message,
            }));
        }
        if let Some(n) = self.notify.as_mut() {
            events.extend(n.warnings());
        }
        for event in events {
            if let Some(rec) = self.journal_front_event(event) {
                step.records.push(rec);
            }
        }
    }

    fn journal_failed(&mut self, e: JournalError, step: &mut Step) {
        tracing::error!("{e}");
        if !self.journal_broken {
            self.journal_broken = true;
            step.refused.push(format!("{e}: pulling the kill switch"));
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let _ = tx
                    .send(Msg::Abort {
                        by: "gameday".into(),
                        source: crate::journal::AbortSource::Panic,
                        detail: "the journal cannot be written".into(),
                    })
                    .await;
            });
        }
    }

    fn apply(&mut self, fx: Vec<Effect>, now: Ts, step: &mut Step) {
        // A batch that reverts (the kill switch) writes its records, starts every revert,
        // then fsyncs once: a revert is the safe direction and may run twice (`recover`
        // after a crash repeats it), so it does not wait on the disk. Everything is
        // durable before `handle` returns, and an injection's intent still before it runs.
        let reverts = fx.iter().any(|e| matches!(e, Effect::Revert { .. }));
        for effect in fx {
            match effect {
                Effect::Journal(event) => {
                    let written = if reverts {
                        self.journal.append_unsynced(now, event)
                    } else {
                        self.journal.append(now, event)
                    };
                    match written {
                        Ok(rec) => {
                            if let Some(g) = &self.grafana {
                                g.observe(&rec);
                            }
                            if let Some(n) = self.notify.as_mut() {
                                let state = &self.state;
                                n.observe(&rec, || state.exit_code());
                            }
                            step.records.push(rec);
                        }
                        Err(e) => self.journal_failed(e, step),
                    }
                }
                Effect::Inject { fault } => {
                    if reverts {
                        if let Err(e) = self.journal.sync() {
                            self.journal_failed(e, step);
                        }
                    }
                    if self.journal_broken {
                        // the intent is not durable: never act on it
                        let tx = self.tx.clone();
                        tokio::spawn(async move {
                            let _ = tx
                                .send(Msg::Injected {
                                    fault,
                                    result: Err(
                                        "not injected: the journal cannot be written".into()
                                    ),
                                })
                                .await;
                        });
                        continue;
                    }
                    let actions = Arc::clone(&self.actions);
                    let tx = self.tx.clone();
                    let watchdog = self.watchdog.clone();
                    let duration = self.deadlines[fault];
                    let task = tokio::spawn(async move {
                        let result = actions[fault].inject().await;
                        let injected = result.is_ok();
                        if injected {
                            // told here, not by the loop: the loop may be the stuck part
                            watchdog.injected(fault, duration);
                        }
                        let _ = tx.send(Msg::Injected { fault, result }).await;
                        // While active, what the fault reports of itself (a ChaosResult
                        // verdict…) goes to the timeline when it changes. The revert
                        // cancels this task.
                        if !injected {
                            return;
                        }
                        let mut last: Option<String> = None;
                        loop {
                            tokio::time::sleep(STATUS_EVERY).await;
                            if let Some(line) = actions[fault].status().await {
                                if last.as_ref() != Some(&line) {
                                    last = Some(line.clone());
                                    let _ = tx
                                        .send(Msg::FaultProgress {
                                            fault,
                                            detail: line,
                                        })
                                        .await;
                                }
                            }
                        }
                    });
                    self.in_flight[fault] = Some(task);
                    // until the injection answers, the ceiling: a hung injection is
                    // reverted too
                    self.watchdog.arm(fault, self.max_duration);
                    test_switch::panic_if("after-inject");
                    test_switch::stall_if("after-inject");
                }
                Effect::Revert { fault, attempt } => {
                    // an injection still running is cancelled (its process group killed)
                    // before the revert starts: the revert waits for the cancelled task to
                    // be gone, or an injection killed a moment after the revert ran could
                    // put the fault back in place
                    let injecting = self.in_flight[fault].take();
                    if let Some(h) = &injecting {
                        h.abort();
                    }
                    let actions = Arc::clone(&self.actions);
                    let tx = self.tx.clone();
                    // the watchdog may have reverted it while the loop was stuck
                    let done = self.watchdog.disarm(fault);
                    tokio::spawn(async move {
                        if let Some(h) = injecting {
                            let _ = h.await;
                        }
                        let result = match done {
                            Some(r) => r,
                            None => actions[fault].revert().await,
                        };
                        let _ = tx
                            .send(Msg::Reverted {
                                fault,
                                attempt,
                                result,
                            })
                            .await;
                    });
                }
                Effect::Refused(why) => step.refused.push(why),
                Effect::Prepare { fault, by } => {
                    let actions = Arc::clone(&self.actions);
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        // an API that hangs must not leave the operator waiting forever
                        let result = match tokio::time::timeout(PREPARE_WITHIN, actions[fault].prepare()).await {
                            Ok(r) => r,
                            Err(_) => Err(format!(
                                "the checks before arming did not finish within {} (is the cluster answering?); nothing was armed",
                                crate::units::format_duration(PREPARE_WITHIN)
                            )),
                        };
                        let _ = tx.send(Msg::Prepared { fault, by, result }).await;
                    });
                }
                Effect::PlanReady { fault, plan } => step.plans.push((fault, plan)),
                Effect::ArmRefused { fault: _, reason } => step.arm_refused.push(reason),
            }
        }
        if reverts {
            if let Err(e) = self.journal.sync() {
                self.journal_failed(e, step);
            }
        }
    }

    /// Journals a record the engine does not decide (a screen at a trigger, a join, a
    /// leave, a warning), and shows it to the room. A failure is logged, not fatal: such
    /// records are evidence, not intents.
    pub fn journal_front_event(&mut self, event: Event) -> Option<Record> {
        let now = self.clock.now();
        let rec = match self.journal.append(now, event) {
            Ok(rec) => rec,
            Err(e) => {
                tracing::error!("{e}");
                return None;
            }
        };
        if let Some(room) = &self.room {
            room.send(&ServerLine::Step {
                now,
                msg: None,
                records: vec![rec.clone()],
            });
        }
        Some(rec)
    }

    /// What the preflight found, and, when the run went on despite a failed check, a
    /// warning saying so (the report's timeline shows both).
    pub fn journal_preflight(
        &mut self,
        checks: Vec<crate::journal::PreflightCheck>,
        went_on: Option<String>,
    ) {
        self.journal_front_event(Event::Preflight { checks });
        if let Some(message) = went_on {
            self.journal_front_event(Event::Warning {
                source: "preflight".into(),
                message,
            });
        }
    }

    /// Stops sampling, writes the report and the last journal line. Returns the report's
    /// path and the exit code.
    pub async fn close(self) -> (Result<PathBuf, String>, i32) {
        let closed = self.close_serving(None).await;
        (closed.report, closed.code)
    }

    /// [`Session::close`], answering the room's `requests` (the front's, from
    /// [`Session::take_room_requests`]) while it waits for the webhooks: `gameday status`
    /// and `gameday abort` then hear that the run has reached its end instead of nothing for
    /// up to 10 s. Returns what was journaled meanwhile too (a notification that failed),
    /// for the front to show.
    pub async fn close_serving(
        mut self,
        mut requests: Option<mpsc::Receiver<RoomRequest>>,
    ) -> Closed {
        for s in &self.samplers {
            s.abort();
        }
        let code = self.state.exit_code();
        let mut records: Vec<Record> = Vec::new();
        // Both wait at once, each bounded. The verdict was queued for `notify:` when it
        // was journaled: the team hears it before exit, or the journal says why not.
        let (grafana, notify) = (self.grafana.take(), self.notify.take());
        let waits = async {
            tokio::join!(
                async {
                    match grafana {
                        Some(g) => {
                            g.finish(crate::grafana::REQUEST_TIMEOUT + Duration::from_secs(1))
                                .await
                        }
                        None => Vec::new(),
                    }
                },
                async {
                    match notify {
                        Some(n) => n.finish(crate::notify::EXIT_WAIT).await,
                        None => Vec::new(),
                    }
                }
            )
        };
        tokio::pin!(waits);
        let (grafana, notify) = loop {
            tokio::select! {
                done = &mut waits => break done,
                r = next_request(&mut requests) => match r {
                    Some(r) => records.extend(self.serve_ending(r)),
                    None => requests = None,
                },
            }
        };
        // from here on a request is told the run is ending (its answer channel drops)
        drop(requests);
        for message in grafana {
            records.extend(self.journal_front_event(Event::Warning {
                source: "grafana".into(),
                message,
            }));
        }
        for event in notify {
            records.extend(self.journal_front_event(event));
        }
        let now = self.clock.now();
        if let Err(e) = self
            .journal
            .append(now, Event::RunEnded { exit_code: code })
        {
            tracing::error!("{e}");
        }
        let _ = self.journal.sync();
        let report = crate::report::write_report(&self.run_dir).map_err(|e| e.to_string());
        if let Some(room) = self.room.take() {
            room.close(ServerLine::Ended {
                exit_code: code,
                verdict: self.state.verdict.as_ref().map(|(v, _)| *v),
                report: report.as_ref().ok().map(|p| p.display().to_string()),
                run_dir: self.run_dir.display().to_string(),
            })
            .await;
        }
        Closed {
            report,
            code,
            records,
        }
    }

    /// A room request while the run closes: a status query or an `abort`'s first look
    /// is answered from the final state (DONE, its verdict), a joined operator's note
    /// still goes to the journal; a new join is turned away (its answer channel drops,
    /// which its connection reports as the run ending).
    fn serve_ending(&mut self, req: RoomRequest) -> Vec<Record> {
        match req {
            RoomRequest::Join { .. } => Vec::new(),
            req => self.serve(req).records,
        }
    }

    /// Writes the report as it stands (at DONE, before the operator leaves).
    pub fn write_report(&mut self) -> Result<PathBuf, String> {
        let _ = self.journal.sync();
        crate::report::write_report(&self.run_dir).map_err(|e| e.to_string())
    }
}

/// What [`Session::close_serving`] leaves: the report's path, the exit code, and the
/// records journaled while closing, in order.
pub struct Closed {
    pub report: Result<PathBuf, String>,
    pub code: i32,
    pub records: Vec<Record>,
}

/// The answer to a joiner's request: `ack` with the record that made it durable, or why
/// there is none.
fn answer(id: u64, step: &Step, is_it: impl Fn(&Event) -> bool) -> ServerLine {
    match step.records.iter().find(|r| is_it(&r.event)) {
        Some(rec) => ServerLine::Ack { id, seq: rec.seq },
        None => ServerLine::refused(
            Some(id),
            crate::room::Refusal::Rejected,
            if step.refused.is_empty() {
                "nothing was journaled".to_string()
            } else {
                step.refused.join("; ")
            },
        ),
    }
}

/// Waits for a joiner's request; never, when the run has no socket.
pub async fn next_request(rx: &mut Option<mpsc::Receiver<RoomRequest>>) -> Option<RoomRequest> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// How long resolving targets and permissions before arming may take.
const PREPARE_WITHIN: Duration = Duration::from_secs(20);

/// How often an active fault is asked for its status line.
const STATUS_EVERY: Duration = Duration::from_secs(3);

/// The pause between ticks: the engine's timers are checked at least this often.
pub const TICK: Duration = Duration::from_millis(100);

/// A crash on demand, for the tests of the crash path. Compiled only into debug builds:
/// a release build has no such switch.
mod test_switch {
    #[cfg(debug_assertions)]
    pub fn panic_if(point: &str) {
        if std::env::var("GAMEDAY_TEST_PANIC").is_ok_and(|v| v == point) {
            panic!("GAMEDAY_TEST_PANIC={point}: a crash on purpose");
        }
    }

    #[cfg(not(debug_assertions))]
    pub fn panic_if(_point: &str) {}

    /// A stuck loop on demand (`GAMEDAY_TEST_STALL=after-inject`): the thread blocks for
    /// `GAMEDAY_TEST_STALL_SECS` (default 6), as a blocked terminal write would.
    #[cfg(debug_assertions)]
    pub fn stall_if(point: &str) {
        if std::env::var("GAMEDAY_TEST_STALL").is_ok_and(|v| v == point) {
            let secs = std::env::var("GAMEDAY_TEST_STALL_SECS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(6);
            std::thread::sleep(std::time::Duration::from_secs(secs));
        }
    }

    #[cfg(not(debug_assertions))]
    pub fn stall_if(_point: &str) {}
}

/// A message with its secret-bearing fields scrubbed before the engine sees it: the
/// engine's state is what the screen shows and what joiners are sent, so a secret a
/// server echoed never reaches a screen or another user. Every variant is listed.
fn redact_msg(r: &Redactor, mut msg: Msg) -> Msg {
    match &mut msg {
        Msg::Sample { value, .. } => r.scrub_result(value, |_, _| {}),
        Msg::ProbeDone { outcome, .. } => r.scrub_result(outcome, |_, _| {}),
        Msg::Alert { error, .. } => {
            if let Some(e) = error {
                r.scrub_mut(e);
            }
        }
        Msg::Prepared { result, .. } => r.scrub_result(result, |r, l| r.scrub_all(l)),
        Msg::Arm { plan, .. } => r.scrub_all(plan),
        Msg::FaultProgress { detail, .. } => r.scrub_mut(detail),
        Msg::Injected { result, .. } => r.scrub_result(result, |r, i| {
            r.scrub_all(&mut i.targets);
            r.scrub_mut(&mut i.detail);
        }),
        Msg::Reverted { result, .. } => r.scrub_result(result, |r, s| r.scrub_mut(s)),
        Msg::Abort { detail, .. } => r.scrub_mut(detail),
        Msg::Note { text, .. } => r.scrub_mut(text),
        // a name of the scenario's, matched as it is: it holds no secret (`check`)
        Msg::Milestone { .. } => {}
        Msg::GiveUp { reason } => r.scrub_mut(reason),
        Msg::ClusterWarning {
            object,
            reason,
            message,
            ..
        } => {
            r.scrub_mut(object);
            r.scrub_mut(reason);
            r.scrub_mut(message);
        }
        Msg::PodsError { error, .. } => r.scrub_mut(error),
        Msg::Tick
        | Msg::Backfill { .. }
        | Msg::PrepareArm { .. }
        | Msg::Disarm { .. }
        | Msg::Trigger { .. }
        | Msg::Finish { .. }
        | Msg::End { .. }
        | Msg::ProbeStarted { .. }
        | Msg::Pods { .. }
        | Msg::PodsChanged { .. } => {}
    }
    msg
}
