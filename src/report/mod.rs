//! The report: `report.md`, a pure function of the journal.
//!
//! `render` reads nothing but the records it is given (no clock, no environment, no
//! files), so `gameday report RUN_DIR` reproduces a run's report byte for byte. The
//! criteria are judged by `analysis::evaluate`, the same code the engine used for the
//! verdict, so the table and the verdict can never disagree.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::analysis::{
    self, AlertObservation, AlertOutcome, AlertResult, FaultSpan, Outcome, Point, Recovery,
    RunFacts, Span, Status, Window,
};
use crate::journal::{
    self, AbortSource, Event, FaultInfo, JournalError, NoteKind, Phase, Record, RevertReason,
    RunInfo, SignalInfo, Verdict,
};
use crate::units::{
    format_duration, format_duration_against, format_offset, format_value, format_value_against,
    sparkline,
};
use crate::units::{Measure, Op};

pub mod actions;
pub mod charts;
pub mod junit;
mod milestones;
mod notifications;
mod recheck;
mod run;
mod screens;
mod sections;
mod summary;
mod timeline;

pub use recheck::verdict_check;
use recheck::*;
use run::*;
use sections::*;
pub use summary::{recovery_words, summary, RunSummary, SignalFigures};
use timeline::*;

pub type Ts = DateTime<Utc>;

/// At most this many points in a signal's text sparkline.
const SPARKLINE_POINTS: usize = 60;
/// Samples back within `expect` in a row before a signal counts as returned.
const RETURN_STREAK: usize = 3;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("the journal has no run_started line: not a gameday journal")]
    NoRunStarted,
    #[error("{path} has no run_started line: not a gameday journal")]
    NotAJournal { path: PathBuf },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot write report {path}: {source} (is the disk full or read-only?)")]
    Write { path: PathBuf, source: io::Error },
}

/// Reads `run_dir/journal.jsonl`, renders it and writes `run_dir/report.md` and
/// `run_dir/actions.json` atomically (a temporary file in the same directory, fsynced,
/// then renamed over the old one).
pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    // Everything is read and written through the open directory, never by its name
    // again: someone who can rename the run directory or its `charts` (a teammate in a
    // shared runs directory) cannot swap in a link between a check and a write and
    // have the person running `report` write elsewhere.
    let pinned = crate::files::PinnedDir::open(run_dir).map_err(|source| ReportError::Write {
        path: run_dir.to_path_buf(),
        source,
    })?;
    let journal_path = run_dir.join("journal.jsonl");
    let records = journal::read_journal(&pinned.path().join("journal.jsonl"))?;
    let text = render(&records).map_err(|e| match e {
        ReportError::NoRunStarted => ReportError::NotAJournal {
            path: journal_path.clone(),
        },
        other => other,
    })?;
    // the charts illustrate the report: one that cannot be written is logged, and the
    // report is written all the same. Only a real directory inside the run directory is
    // written into: a `charts` that is a symbolic link is never followed.
    let charts_dir = run_dir.join(charts::DIR);
    match pinned.child_dir(charts::DIR) {
        Ok(charts) => {
            for (name, svg) in charts::render_all(&records)? {
                if let Err(e) = write_atomically(&charts.path().join(&name), svg.as_bytes()) {
                    tracing::warn!(
                        "cannot write chart {}: {e}",
                        charts_dir.join(name).display()
                    );
                }
            }
        }
        Err(e) => tracing::warn!("cannot write charts in {}: {e}", charts_dir.display()),
    }
    let actions = actions::actions_json(&records)?;
    let path = run_dir.join("report.md");
    write_atomically(&pinned.path().join("report.md"), text.as_bytes()).map_err(|source| {
        ReportError::Write {
            path: path.clone(),
            source,
        }
    })?;
    // beside the report, whenever it is written: a tracker imports what the report lists
    write_atomically(&pinned.path().join(actions::FILE), actions.as_bytes()).map_err(|source| {
        ReportError::Write {
            path: run_dir.join(actions::FILE),
            source,
        }
    })?;
    Ok(path)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        // a new regular file, never through a link planted at the temporary name
        let mut file = match crate::files::create_new_file(&tmp) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                fs::remove_file(&tmp)?;
                crate::files::create_new_file(&tmp)?
            }
            other => other?,
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    // the rename itself survives a power loss only once the directory is synced
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
/// The verdict and its reasons as the report recomputes them from `records`: what a
/// writer of a verdict other than the engine (`recover`, closing a run whose process died)
/// journals, so that the report's check of it agrees.
pub fn judge(records: &[Record]) -> Result<(Verdict, Vec<String>), ReportError> {
    Ok(Run::from_records(records)?.recomputed)
}

pub fn render(records: &[Record]) -> Result<String, ReportError> {
    let run = Run::from_records(records)?;
    let mut out = String::new();
    title(&run, &mut out);
    banners(&run, &mut out);
    demo_line(&run, &mut out);
    hypothesis_and_verdict(&run, &mut out);
    facts_table(&run, &mut out);
    steady_state(&run, &mut out);
    alerts(&run, &mut out);
    milestones::section(&run, &mut out);
    faults(&run, &mut out);
    timeline(&run, &mut out);
    notes(&run, &mut out);
    notifications::notifications(&run, &mut out);
    screens::section(&run, records, &mut out);
    queries(&run, &mut out);
    // The net under every section: whatever reached the text (a server's error body, a
    // command's output, a joiner's note), no control character but the line break is
    // written; a reader's `cat report.md` must not run escape sequences.
    Ok(crate::text::visible_lines(&out).into_owned())
}

fn line(out: &mut String, text: impl AsRef<str>) {
    out.push_str(text.as_ref());
    out.push('\n');
}

/// Text for a table cell: as [`one_line`], and no column breaks.
fn cell(text: &str) -> String {
    crate::text::markdown_cell(text)
}

/// Text on one line outside tables, where names and words from elsewhere meet the
/// report's own code spans: nothing in it can become a link, an image or HTML (see
/// [`crate::text::markdown_inline`]).
fn one_line(text: &str) -> String {
    crate::text::markdown_inline(text)
}

/// An inline code span that nothing inside can close: see [`crate::text::code_span`].
fn code(text: &str) -> String {
    crate::text::code_span(text)
}

/// Text from a server, a command or another person, outside a code span: one line, and
/// unable to open a link, an image, HTML or a code span (see
/// [`crate::text::markdown_plain`]).
fn plain(text: &str) -> String {
    crate::text::markdown_plain(text)
}

/// An inline code span inside a table cell.
fn code_cell(text: &str) -> String {
    cell(&code(text))
}

fn hms(ts: Ts) -> String {
    ts.format("%H:%M:%S").to_string()
}

fn date_hms(ts: Ts) -> String {
    ts.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn elapsed(from: Ts, to: Ts) -> Duration {
    (to - from).to_std().unwrap_or_default()
}

/// A detail from elsewhere (a command's output, a server's answer), as plain markdown.
fn or_unknown(detail: &str) -> String {
    if detail.trim().is_empty() {
        "no detail recorded".to_string()
    } else {
        plain(detail)
    }
}

/// "abcd…wxyz" for a long hash.
fn short_hash(hash: &str) -> String {
    let chars: Vec<char> = hash.chars().collect();
    if chars.len() <= 9 {
        return hash.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A reason as a sentence: first letter up, full stop at the end.
fn sentence(text: &str) -> String {
    let text = one_line(text);
    let mut chars = text.chars();
    let mut s = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

fn value_or_dash(v: Option<f64>, info: &SignalInfo) -> String {
    v.map(|v| format_value(v, info.unit))
        .unwrap_or_else(|| "—".to_string())
}

/// How the kill switch was pulled, to follow "pulled by alice" (a person) or "pulled".
fn source_words(source: AbortSource) -> &'static str {
    match source {
        AbortSource::Key => "from the TUI",
        AbortSource::Join => "from a joined session",
        AbortSource::Quit => "by quitting with a fault active",
        AbortSource::Signal => "with a signal to the process (SIGHUP, SIGTERM or SIGINT)",
        AbortSource::Guardrail => "by a guardrail",
        AbortSource::Ttl => "when safety.max_duration ran out",
        AbortSource::Terminal => "when the terminal went away",
        AbortSource::Panic => "when gameday crashed",
        AbortSource::Recover => "by `gameday recover` after the run ended without reverting",
        AbortSource::Command => "with `gameday abort` from another shell",
    }
}

/// Whether the kill switch was pulled by a person rather than by gameday itself.
fn pulled_by_a_person(source: AbortSource) -> bool {
    matches!(
        source,
        AbortSource::Key
            | AbortSource::Join
            | AbortSource::Quit
            | AbortSource::Signal
            | AbortSource::Recover
            | AbortSource::Command
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testkit::{self, criterion};
    use crate::units::Unit;

    fn at(secs: i64) -> Ts {
        DateTime::from_timestamp(1_795_773_600 + secs, 0).unwrap()
    }

    fn info() -> RunInfo {
        RunInfo {
            run_id: "r".into(),
            scenario: "cache-outage".into(),
            scenario_path: "s.yaml".into(),
            scenario_sha256: "0123456789abcdef".into(),
            hypothesis: "The API survives without its cache.".into(),
            owner: None,
            operator: "carol".into(),
            host: "h".into(),
            run_dir: "runs/r/".into(),
            mode: "headless".into(),
            prometheus_url: None,
            kube_context: None,
            kube_namespace: None,
            baseline: Duration::from_secs(10),
            recovery: Duration::from_secs(10),
            signals: vec![SignalInfo {
                expect: Some(criterion(Op::Lt, 0.01, "< 1%")),
                abort: Some(criterion(Op::Gt, 0.05, "> 5%")),
                ..testkit::signal("errors", "command", "count-errors", Unit::Ratio)
            }],
            faults: vec![FaultInfo {
                name: "stop cache".into(),
                kind: "exec".into(),
                duration: Duration::from_secs(30),
                plan: vec![],
            }],
            ..testkit::run_info()
        }
    }

    fn journal(events: Vec<(i64, Event)>) -> Vec<Record> {
        events
            .into_iter()
            .enumerate()
            .map(|(i, (s, event))| Record {
                seq: i as u64 + 1,
                ts: at(s),
                event,
            })
            .collect()
    }

    fn sample(v: f64) -> Event {
        Event::Sample {
            signal: "errors".into(),
            value: Some(v),
            error: None,
            at: None,
            detail: None,
        }
    }

    /// A guardrail trips the kill switch at T+00:03; the revert settles 250 ms later.
    fn guardrail_abort() -> Vec<Record> {
        let mut events = vec![
            (0, Event::RunStarted(Box::new(info()))),
            (
                0,
                Event::Phase {
                    phase: Phase::Baseline,
                },
            ),
        ];
        events.extend((1..=10).map(|s| (s, sample(0.001))));
        events.push((
            10,
            Event::Phase {
                phase: Phase::Ready,
            },
        ));
        events.push((
            11,
            Event::Armed {
                fault: "stop cache".into(),
                by: "carol".into(),
                plan: vec![],
            },
        ));
        events.push((
            12,
            Event::FaultInjecting {
                fault: "stop cache".into(),
                by: "carol".into(),
                action: "inject".into(),
            },
        ));
        events.push((
            12,
            Event::FaultInjected {
                restore: None,
                fault: "stop cache".into(),
                ok: true,
                targets: vec![],
                detail: String::new(),
            },
        ));
        events.push((13, sample(0.02)));
        events.push((14, sample(0.08)));
        events.push((15, sample(0.09)));
        events.push((
            15,
            Event::GuardrailTripped {
                signal: "errors".into(),
                criterion: "> 5%".into(),
                value: 0.09,
            },
        ));
        events.push((
            15,
            Event::Abort {
                by: "guardrail".into(),
                source: AbortSource::Guardrail,
                detail: "errors 9 % (> 5%)".into(),
            },
        ));
        events.push((
            15,
            Event::FaultReverting {
                fault: "stop cache".into(),
                reason: RevertReason::Abort,
                attempt: 1,
                action: "revert".into(),
            },
        ));
        let mut records = journal(events);
        let reverted_at = at(15) + chrono::Duration::milliseconds(250);
        let mut push = |event: Event| {
            let seq = records.len() as u64 + 1;
            records.push(Record {
                seq,
                ts: reverted_at,
                event,
            });
        };
        push(Event::FaultReverted {
            fault: "stop cache".into(),
            ok: true,
            attempt: 1,
            detail: String::new(),
            will_retry: false,
        });
        push(Event::Verdict {
            verdict: Verdict::Aborted,
            reasons: vec![
                "the kill switch ended the run".into(),
                "`errors` violated < 1 %; worst 9 %".into(),
            ],
        });
        records
    }

    #[test]
    fn a_revert_settled_in_the_abort_millisecond_is_under_1_ms_not_0_s() {
        let mut records = guardrail_abort();
        let abort_ts = records
            .iter()
            .find(|r| matches!(r.event, Event::Abort { .. }))
            .map(|r| r.ts)
            .unwrap();
        for r in records.iter_mut().filter(|r| r.ts > abort_ts) {
            r.ts = abort_ts;
        }
        let report = render(&records).unwrap();
        assert!(
            report.contains("at 10:00:15; every fault reverted in under 1 ms."),
            "{report}"
        );
    }

    #[test]
    fn a_guardrail_abort_names_the_guardrail_not_a_person() {
        let report = render(&guardrail_abort()).unwrap();
        assert!(
            report.starts_with("# Game day: cache-outage — ABORTED\n"),
            "{report}"
        );
        assert!(
            report.contains(
                "**Verdict: ABORTED** — The kill switch ended the run. `errors` violated < 1 %; worst 9 %. \
                 The kill switch was pulled by a guardrail at 10:00:15 (errors 9 % (> 5%))."
            ),
            "{report}"
        );
        assert!(report.contains("Kill switch: pulled by guardrail (guardrail) at 10:00:15; every fault reverted 250 ms later."));
        assert!(
            report.contains("| operators | carol (driver) |"),
            "{report}"
        );
        assert!(
            report.contains("| 00:03 | — | guardrail tripped: errors 9 % (> 5%) |"),
            "{report}"
        );
        assert!(
            report.contains("| 00:01 | — | errors 2 % > 1 % |"),
            "{report}"
        );
        assert!(
            report.contains("| errors | < 1 % | 0.1 % | 9 % at T+00:03 | 8 % | not recovered |"),
            "{report}"
        );
        // neither cluster nor Prometheus rows when the run used neither
        assert!(
            !report.contains("| cluster |") && !report.contains("| Prometheus |"),
            "{report}"
        );
        assert!(!report.contains("## Alerts"), "{report}");
    }

    #[test]
    fn table_cells_and_code_spans_survive_user_text() {
        assert_eq!(cell("a | b\nc\r\nd"), "a \\| b c d");
        assert_eq!(code("rate(x[1m])\n  / y"), "`rate(x[1m]) / y`");
        assert_eq!(code("echo `date`"), "`` echo `date` ``");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn small_helpers() {
        assert_eq!(short_hash("3f1c5e0d2b7a9a0e"), "3f1c…9a0e");
        assert_eq!(short_hash("abc"), "abc");
        assert_eq!(
            sentence("no fault was triggered"),
            "No fault was triggered."
        );
        assert_eq!(
            sentence("`p99` violated < 300 ms."),
            "`p99` violated < 300 ms."
        );
        assert_eq!(violation_op(0.4, 0.3), Op::Gt);
        assert_eq!(violation_op(1.0, 2.0), Op::Lt);
    }

    #[test]
    fn long_series_are_downsampled_evenly_to_sixty_points() {
        let points: Vec<Point> = (0..601)
            .map(|s| Point {
                ts: at(s),
                value: Some(s as f64),
            })
            .collect();
        let picked = downsample(&points, SPARKLINE_POINTS);
        assert_eq!(picked.len(), 60);
        assert_eq!(picked[0].value, Some(0.0));
        assert_eq!(picked[59].value, Some(600.0));
        let short = downsample(&points[..10], SPARKLINE_POINTS);
        assert_eq!(short.len(), 10);
    }

    #[test]
    fn rendering_is_deterministic() {
        let records = guardrail_abort();
        assert_eq!(render(&records).unwrap(), render(&records).unwrap());
    }
}
