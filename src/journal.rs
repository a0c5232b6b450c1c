//! The journal: one JSON object per line, the run's only source of truth.
//!
//! The report, `gameday recover` and `gameday report` read nothing else, so everything
//! they need is written here. Fault intents and notes are fsynced before they are acted
//! on or acknowledged: after a power loss the journal says what may still be active.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::scenario::model::{duration_ms, Criterion, Measure, Unit};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    #[serde(with = "ts_ms")]
    pub ts: DateTime<Utc>,
    #[serde(flatten)]
    pub event: Event,
}

/// Who pulled the kill switch, and from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortSource {
    /// a key in the TUI
    Key,
    /// a joined operator
    Join,
    /// an `abort:` criterion of a signal
    Guardrail,
    /// SIGHUP, SIGTERM, SIGINT
    Signal,
    /// `safety.max_duration` or an expiry
    Ttl,
    /// quitting with a fault active
    Quit,
    /// the terminal went away
    Terminal,
    /// gameday itself crashed
    Panic,
    /// `gameday recover`, after the run ended without reverting (killed, power loss)
    Recover,
    /// `gameday abort RUN_DIR`, from another shell
    Command,
}

impl AbortSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AbortSource::Key => "key",
            AbortSource::Join => "join",
            AbortSource::Guardrail => "guardrail",
            AbortSource::Signal => "signal",
            AbortSource::Ttl => "ttl",
            AbortSource::Quit => "quit",
            AbortSource::Terminal => "terminal",
            AbortSource::Panic => "panic",
            AbortSource::Recover => "recover",
            AbortSource::Command => "command",
        }
    }

    /// Whether the process itself is ending (a signal, a lost terminal, a crash, a quit
    /// with a fault active): it reverts and writes the report at once. After any other
    /// kill switch the run watches the recovery first.
    pub fn ends_the_process(self) -> bool {
        match self {
            AbortSource::Signal
            | AbortSource::Terminal
            | AbortSource::Panic
            | AbortSource::Quit
            | AbortSource::Recover => true,
            AbortSource::Key
            | AbortSource::Join
            | AbortSource::Guardrail
            | AbortSource::Ttl
            | AbortSource::Command => false,
        }
    }
}

/// Why a fault is being reverted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevertReason {
    /// its `duration` ran out
    Duration,
    /// `safety.max_duration` ran out
    MaxDuration,
    /// the kill switch
    Abort,
    /// its injection failed; the revert cleans up whatever half-happened
    InjectFailed,
    /// `gameday recover` found it not reverted in the journal
    Recover,
}

impl RevertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevertReason::Duration => "duration reached",
            RevertReason::MaxDuration => "max_duration reached",
            RevertReason::Abort => "kill switch",
            RevertReason::InjectFailed => "injection failed",
            RevertReason::Recover => "gameday recover",
        }
    }
}

/// When the screen was captured for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenMoment {
    Trigger,
    Abort,
}

impl ScreenMoment {
    pub fn as_str(self) -> &'static str {
        match self {
            ScreenMoment::Trigger => "trigger",
            ScreenMoment::Abort => "abort",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Note,
    Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Phase {
    Baseline,
    Ready,
    Armed,
    Injecting,
    Active,
    Reverting,
    Recovery,
    Done,
}

impl Phase {
    /// The one upper-case word of the header.
    pub fn word(self) -> &'static str {
        match self {
            Phase::Baseline => "BASELINE",
            Phase::Ready => "READY",
            Phase::Armed => "ARMED",
            Phase::Injecting => "INJECTING",
            Phase::Active => "ACTIVE",
            Phase::Reverting => "REVERTING",
            Phase::Recovery => "RECOVERY",
            Phase::Done => "DONE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Confirmed,
    Refuted,
    Aborted,
    Inconclusive,
    NotRun,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Confirmed => "CONFIRMED",
            Verdict::Refuted => "REFUTED",
            Verdict::Aborted => "ABORTED",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::NotRun => "NOT RUN",
        }
    }
}

/// What the report needs to know of a signal, secrets left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalInfo {
    pub name: String,
    /// promql, pods, http, command
    pub kind: String,
    /// The query, URL, selector or command, for the report's "Queries" section.
    pub source: String,
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Criterion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<Criterion>,
    #[serde(with = "duration_ms", rename = "tolerate_ms")]
    pub tolerate: Duration,
    #[serde(with = "duration_ms", rename = "interval_ms")]
    pub interval: Duration,
    /// an http signal's `window:`: the probes each value is measured over
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::scenario::model::opt_duration_ms",
        rename = "window_ms"
    )]
    pub window: Option<Duration>,
    /// an http signal's probe timeout: past it a probe has failed
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::scenario::model::opt_duration_ms",
        rename = "timeout_ms"
    )]
    pub timeout: Option<Duration>,
}

/// What the report and `recover` need to know of a fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultInfo {
    pub name: String,
    /// exec, http, pod_delete, scale, manifest
    pub kind: String,
    #[serde(with = "duration_ms", rename = "duration_ms")]
    pub duration: Duration,
    /// One line per action, e.g. "inject: sh -c 'systemctl stop redis'".
    pub plan: Vec<String>,
}

impl FaultInfo {
    /// The plan's line for `verb` ("inject", "revert"), or the verb alone.
    pub fn plan_line(&self, verb: &str) -> String {
        self.plan
            .iter()
            .find(|l| l.starts_with(verb))
            .cloned()
            .unwrap_or_else(|| verb.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertInfo {
    pub name: String,
    #[serde(with = "duration_ms", rename = "within_ms")]
    pub within: Duration,
}

/// The run's header: the scenario as it was resolved, and where it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub scenario: String,
    pub scenario_path: String,
    /// The file as written (before `${VAR}` expansion, secrets redacted).
    pub scenario_text: String,
    /// sha256 of the file as read.
    pub scenario_sha256: String,
    /// Where `scenario_text` holds `"***"` instead of a value written literally in the
    /// file (`faults[0].exec.env.DB_PASSWORD`): a fault under one of these paths is
    /// reverted by `gameday recover` only from the original file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario_redacted: Vec<String>,
    pub hypothesis: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub operator: String,
    pub host: String,
    pub version: String,
    pub run_dir: String,
    pub mode: String,
    #[serde(default)]
    pub demo: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_namespace: Option<String>,
    #[serde(with = "duration_ms", rename = "baseline_ms")]
    pub baseline: Duration,
    #[serde(with = "duration_ms", rename = "recovery_ms")]
    pub recovery: Duration,
    pub signals: Vec<SignalInfo>,
    pub faults: Vec<FaultInfo>,
    #[serde(default)]
    pub alerts: Vec<AlertInfo>,
    /// the selectors of the pods panels
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_panels: Vec<String>,
}

/// One pod's change, as the pods panel and the timeline show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodChange {
    pub pod: String,
    /// added, deleted, changed, restarted
    pub change: String,
    /// the kubectl status word after the change
    pub status: String,
    /// "1/1"
    pub ready: String,
}

/// Every kind of journal line. `type` is the tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted(Box<RunInfo>),
    Phase {
        phase: Phase,
    },
    Sample {
        signal: String,
        /// A number, or `"+Inf"` / `"-Inf"` ([`num`]); absent when the sample is missing.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "num::opt")]
        value: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// When the sample was taken, when that is not when it arrived: a point
        /// back-filled from before the run (a Prometheus range query), or an http probe's
        /// start (a slow answer is judged at its start). `ts` otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_ts_ms")]
        at: Option<DateTime<Utc>>,
        /// What the value stands for when the number alone would mislead ("3 of 60
        /// probes failed: timed out" beside a p99 of +Inf).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// An http probe's outcome: sent `at`, answered after `latency` seconds, or failed
    /// (`error`). The http signals' values are made from these.
    Probe {
        signal: String,
        #[serde(with = "ts_ms")]
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none", with = "num::opt")]
        latency: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Pods of a watched selector changed.
    Pods {
        selector: String,
        changes: Vec<PodChange>,
    },
    Armed {
        fault: String,
        by: String,
        plan: Vec<String>,
    },
    Disarmed {
        fault: String,
        by: String,
    },
    /// The steady state did not hold and the operator typed an override.
    Override {
        by: String,
        failing: Vec<String>,
    },
    /// The intent, fsynced before anything is done.
    FaultInjecting {
        fault: String,
        by: String,
        action: String,
    },
    FaultInjected {
        fault: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        targets: Vec<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
        /// what the revert needs after a crash (e.g. the replicas before a scale)
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore: Option<String>,
    },
    /// A Warning event of a watched namespace (BackOff, FailedScheduling, Unhealthy…).
    ClusterWarning {
        namespace: String,
        object: String,
        reason: String,
        message: String,
    },
    /// What an active fault did since it was injected (each repeated pod deletion).
    FaultProgress {
        fault: String,
        detail: String,
    },
    /// Arming was refused: the blast radius or the permissions did not allow it.
    ArmRefused {
        fault: String,
        by: String,
        reason: String,
    },
    FaultReverting {
        fault: String,
        reason: RevertReason,
        attempt: u32,
        action: String,
    },
    FaultReverted {
        fault: String,
        ok: bool,
        attempt: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
        /// Whether another attempt will follow a failure.
        #[serde(default)]
        will_retry: bool,
    },
    GuardrailTripped {
        signal: String,
        criterion: String,
        #[serde(with = "num")]
        value: f64,
    },
    Abort {
        by: String,
        source: AbortSource,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    Note {
        author: String,
        kind: NoteKind,
        text: String,
    },
    /// An expected alert changed state: inactive, pending, firing, or unknown (the
    /// alerts API could not be read; `error` says why).
    Alert {
        name: String,
        state: String,
        /// when Prometheus says the alert became active (`activeAt`)
        #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_ts_ms")]
        active_at: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A second operator came into the room (`gameday join`); `name` is the user name of
    /// the socket peer's uid, never what the client said.
    OperatorJoined {
        name: String,
    },
    OperatorLeft {
        name: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    Verdict {
        verdict: Verdict,
        reasons: Vec<String>,
    },
    RunEnded {
        exit_code: i32,
    },
    /// Something beside the run went wrong (a Grafana annotation could not be sent); the
    /// run and its verdict are not affected.
    Warning {
        /// what it was about: "grafana"
        source: String,
        message: String,
    },
    /// The screen at a trigger or the abort, as plain text, for the report: the report
    /// is a function of the journal, so what the operator saw must be in it.
    Screen {
        moment: ScreenMoment,
        /// the fault triggered (empty at an abort)
        #[serde(default, skip_serializing_if = "String::is_empty")]
        fault: String,
        /// "tui": the operator's own screen; "headless": what the TUI would have shown
        front: String,
        width: u16,
        height: u16,
        text: String,
    },
}

impl Event {
    /// Intents, results and notes must survive a power loss before anyone acts on them.
    pub fn needs_fsync(&self) -> bool {
        !matches!(
            self,
            Event::Sample { .. }
                | Event::Probe { .. }
                | Event::Phase { .. }
                | Event::Pods { .. }
                | Event::Screen { .. }
        )
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Event::RunStarted(_) => "run_started",
            Event::Phase { .. } => "phase",
            Event::Pods { .. } => "pods",
            Event::Sample { .. } => "sample",
            Event::Probe { .. } => "probe",
            Event::Armed { .. } => "armed",
            Event::Disarmed { .. } => "disarmed",
            Event::Override { .. } => "override",
            Event::FaultInjecting { .. } => "fault_injecting",
            Event::FaultInjected { .. } => "fault_injected",
            Event::FaultProgress { .. } => "fault_progress",
            Event::ClusterWarning { .. } => "cluster_warning",
            Event::ArmRefused { .. } => "arm_refused",
            Event::FaultReverting { .. } => "fault_reverting",
            Event::FaultReverted { .. } => "fault_reverted",
            Event::GuardrailTripped { .. } => "guardrail_tripped",
            Event::Abort { .. } => "abort",
            Event::Note { .. } => "note",
            Event::Alert { .. } => "alert",
            Event::OperatorJoined { .. } => "operator_joined",
            Event::OperatorLeft { .. } => "operator_left",
            Event::Verdict { .. } => "verdict",
            Event::RunEnded { .. } => "run_ended",
            Event::Screen { .. } => "screen",
            Event::Warning { .. } => "warning",
        }
    }
}

pub use crate::redact::{is_sensitive_name, Redactor};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot create journal {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("cannot write journal {path}: {source} (is the disk full or read-only?)")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot read journal {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot read the journal: {0}")]
    File(#[from] crate::files::ReadError),
    #[error("{path}:{line}: not a journal line: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Appends records; one writer per run.
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    seq: u64,
    redactor: Redactor,
    unsynced: bool,
}

impl JournalWriter {
    /// Creates the journal; fails if it exists, so two runs never share one.
    pub fn create(path: &Path, redactor: Redactor) -> Result<Self, JournalError> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .mode(crate::files::FILE_MODE)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(path)
            .map_err(|source| JournalError::Create {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file,
            seq: 0,
            redactor,
            unsynced: false,
        })
    }

    /// Opens an existing journal to add to it (`gameday recover`), after its last record.
    pub fn append_to(path: &Path, redactor: Redactor) -> Result<Self, JournalError> {
        let records = read_journal(path)?;
        let seq = records.last().map(|r| r.seq).unwrap_or(0);
        // A torn last line must not glue itself to the next record.
        let needs_newline = last_byte(path).is_some_and(|b| b != b'\n');
        let mut file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| JournalError::Create {
                path: path.to_path_buf(),
                source,
            })?;
        if needs_newline {
            file.write_all(b"\n")
                .map_err(|source| JournalError::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file,
            seq,
            redactor,
            unsynced: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record; fsyncs it (and anything before it) when the event needs it.
    /// Returns the record as written, redacted.
    pub fn append(&mut self, ts: DateTime<Utc>, event: Event) -> Result<Record, JournalError> {
        let fsync = event.needs_fsync();
        let record = self.append_unsynced(ts, event)?;
        if fsync {
            self.sync()?;
        }
        Ok(record)
    }

    /// Writes one record and leaves the fsync to the caller's next [`JournalWriter::sync`]:
    /// the kill switch starts its reverts first and makes their records durable right
    /// after, in one fsync, rather than waiting on one fsync per record before acting.
    pub fn append_unsynced(
        &mut self,
        ts: DateTime<Utc>,
        event: Event,
    ) -> Result<Record, JournalError> {
        self.seq += 1;
        // secrets are taken out of the values, never out of the serialized line: a
        // secret such as `2026` or `true` cannot touch a timestamp or a JSON literal
        let event = if self.redactor.is_empty() {
            event
        } else {
            self.redactor.redact_event(event)
        };
        let record = Record {
            seq: self.seq,
            ts,
            event,
        };
        let line = serde_json::to_string(&record).map_err(|e| JournalError::Write {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        let mut bytes = line.into_bytes();
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })?;
        self.unsynced = true;
        // what was written, redacted, is what the rest of the program sees
        Ok(record)
    }

    pub fn sync(&mut self) -> Result<(), JournalError> {
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(|source| JournalError::Write {
                    path: self.path.clone(),
                    source,
                })?;
            self.unsynced = false;
        }
        Ok(())
    }
}

/// The last byte of a file, without reading the rest.
fn last_byte(path: &Path) -> Option<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    if len == 0 {
        return None;
    }
    f.seek(SeekFrom::Start(len - 1)).ok()?;
    let mut b = [0u8; 1];
    f.read_exact(&mut b).ok()?;
    Some(b[0])
}

/// Far more than the longest game day writes (a sample is about 100 bytes: ten signals
/// sampled twice a second for ten hours is 70 MiB), and little enough to hold in memory.
pub const MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a journal. A torn last line (a crash mid-write) is tolerated and dropped; a
/// broken line anywhere else is an error, since the rest cannot be trusted blindly.
///
/// Only a regular file is read (a `journal.jsonl` that is a FIFO or a link to `/dev/zero`
/// is refused at once), and never more than [`MAX_JOURNAL_BYTES`].
pub fn read_journal(path: &Path) -> Result<Vec<Record>, JournalError> {
    let (file, _) = crate::files::open_regular(path, MAX_JOURNAL_BYTES, "journals")?;
    read_journal_from(file, path)
}

/// [`read_journal`] of a journal already opened and checked (`gameday recover` opens it
/// once, checks who owns it, and reads exactly that file).
pub fn read_journal_from(file: File, path: &Path) -> Result<Vec<Record>, JournalError> {
    use std::io::Read;
    let reader = BufReader::new(file.take(MAX_JOURNAL_BYTES + 1));
    let mut lines: Vec<String> = Vec::new();
    let mut total: u64 = 0;
    for line in reader.split(b'\n') {
        let line = line.map_err(|source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        total += line.len() as u64 + 1;
        if total > MAX_JOURNAL_BYTES + 1 {
            return Err(crate::files::ReadError::Grew {
                path: path.to_path_buf(),
                limit: MAX_JOURNAL_BYTES,
            }
            .into());
        }
        lines.push(String::from_utf8_lossy(&line).into_owned());
    }
    let last_nonempty = lines.iter().rposition(|l| !l.trim().is_empty());
    let mut records = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(r) => records.push(r),
            Err(e) if Some(i) == last_nonempty => {
                tracing::warn!("{}:{}: ignoring torn last line: {e}", path.display(), i + 1);
            }
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(records)
}

/// Numbers as the journal keeps them: finite ones as JSON numbers, infinities as the
/// strings Prometheus uses (`"+Inf"`, `"-Inf"`), because JSON has no infinity and
/// serde_json would write `null` — which reads back as missing data, and a latency of
/// +Inf (nothing answered) would pass every threshold. NaN is never a value (it is an
/// error upstream); if one reaches here it is written as `"NaN"` and read back as NaN.
pub mod num {
    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::Serializer;
    use serde::{Deserialize, Serialize};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if *v > 0.0 {
            s.serialize_str("+Inf")
        } else {
            s.serialize_str("-Inf")
        }
    }

    struct NumVisitor;

    impl Visitor<'_> for NumVisitor {
        type Value = f64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number, \"+Inf\", \"-Inf\" or \"NaN\"")
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v {
                "+Inf" | "Inf" => Ok(f64::INFINITY),
                "-Inf" => Ok(f64::NEG_INFINITY),
                "NaN" => Ok(f64::NAN),
                other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
            }
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        d.deserialize_any(NumVisitor)
    }

    /// A number in this form, for use inside other types.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Num(pub f64);

    impl Serialize for Num {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(&self.0, s)
        }
    }

    impl<'de> Deserialize<'de> for Num {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
            deserialize(d).map(Num)
        }
    }

    /// `Option<f64>`: `null` (or absent, with `#[serde(default)]`) is `None`.
    pub mod opt {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            v.map(Num).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            Ok(Option::<Num>::deserialize(d)?.map(|n| n.0))
        }
    }

    /// `Result<f64, String>`, as serde writes a `Result` (`{"Ok": ..}` / `{"Err": ..}`).
    pub mod res {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(v: &Result<f64, String>, s: S) -> Result<S::Ok, S::Error> {
            v.as_ref().map(|v| Num(*v)).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Result<f64, String>, D::Error> {
            Ok(Result::<Num, String>::deserialize(d)?.map(|n| n.0))
        }
    }

    /// `Option<Result<f64, String>>`.
    pub mod opt_res {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(
            v: &Option<Result<f64, String>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            v.as_ref().map(|r| r.as_ref().map(|v| Num(*v))).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Result<f64, String>>, D::Error> {
            Ok(Option::<Result<Num, String>>::deserialize(d)?.map(|r| r.map(|n| n.0)))
        }
    }

    /// Back-filled points: `(time, value or None)`.
    pub mod points {
        use super::Num;
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        type Points = Vec<(DateTime<Utc>, Option<f64>)>;

        pub fn serialize<S: Serializer>(v: &Points, s: S) -> Result<S::Ok, S::Error> {
            v.iter()
                .map(|(t, v)| (*t, v.map(Num)))
                .collect::<Vec<_>>()
                .serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
            Ok(Vec::<(DateTime<Utc>, Option<Num>)>::deserialize(d)?
                .into_iter()
                .map(|(t, v)| (t, v.map(|n| n.0)))
                .collect())
        }
    }
}

/// RFC 3339 with milliseconds, UTC, `Z`.
pub mod ts_ms {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ts.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// An optional RFC 3339 timestamp with milliseconds.
pub mod opt_ts_ms {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => super::ts_ms::serialize(ts, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(serde::de::Error::custom),
        }
    }
}

pub fn format_ts(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn round_trip_and_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut w = JournalWriter::create(&path, Redactor::new()).unwrap();
        w.append(
            t("2026-11-27T10:00:00.123Z"),
            Event::Phase {
                phase: Phase::Baseline,
            },
        )
        .unwrap();
        w.append(
            t("2026-11-27T10:00:01Z"),
            Event::Note {
                author: "alice".into(),
                kind: NoteKind::Note,
                text: "hi".into(),
            },
        )
        .unwrap();
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                r#"{"seq":1,"ts":"2026-11-27T10:00:00.123Z","type":"phase","phase":"BASELINE"}"#
            ),
            "{text}"
        );
        // a crash in the middle of the third line
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"seq":3,"ts":"2026-11-27T10:0"#).unwrap();
        drop(f);
        let records = read_journal(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].seq, 2);
        // appending after a torn line starts on a fresh line and continues the sequence
        let mut w = JournalWriter::append_to(&path, Redactor::new()).unwrap();
        w.append(t("2026-11-27T10:00:02Z"), Event::RunEnded { exit_code: 0 })
            .unwrap();
        drop(w);
        let records = read_journal(&path).unwrap_err();
        // the torn line is now in the middle: that is corruption, reported with its line
        assert!(records.to_string().contains(":3:"), "{records}");
    }

    #[test]
    fn a_broken_line_in_the_middle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "garbage\n{\"seq\":1,\"ts\":\"2026-11-27T10:00:00Z\",\"type\":\"run_ended\",\"exit_code\":0}\n").unwrap();
        let err = read_journal(&path).unwrap_err();
        assert!(err.to_string().contains(":1: not a journal line"), "{err}");
    }

    #[test]
    fn secrets_are_redacted_in_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut r = Redactor::new();
        r.add("s3cr3t-token");
        r.add("pa\"ss");
        let mut w = JournalWriter::create(&path, r).unwrap();
        let rec = w
            .append(
                t("2026-11-27T10:00:00Z"),
                Event::FaultInjected {
                    restore: None,
                    fault: "f".into(),
                    ok: true,
                    targets: vec![],
                    detail: "curl -H 'Authorization: Bearer s3cr3t-token' said pa\"ss".into(),
                },
            )
            .unwrap();
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!text.contains("pa\\\"ss"), "{text}");
        assert!(text.contains("Bearer ***"), "{text}");
        match rec.event {
            Event::FaultInjected { detail, .. } => assert!(!detail.contains("s3cr3t")),
            _ => unreachable!(),
        }
    }

    #[test]
    fn only_samples_and_phases_skip_fsync() {
        assert!(!Event::Sample {
            at: None,
            detail: None,
            signal: "x".into(),
            value: Some(1.0),
            error: None
        }
        .needs_fsync());
        assert!(Event::Note {
            author: "a".into(),
            kind: NoteKind::Note,
            text: "t".into()
        }
        .needs_fsync());
        assert!(Event::FaultInjecting {
            fault: "f".into(),
            by: "a".into(),
            action: "x".into()
        }
        .needs_fsync());
    }
}
