//! The journal folded into one run: what was injected and reverted, the signals' samples
//! and judgments, the abort, the notes — gathered once for every section.

use super::*;

// ---------------------------------------------------------------------------------------
// What the journal says, gathered once
// ---------------------------------------------------------------------------------------

pub(super) struct Injected<'a> {
    pub(super) ts: Ts,
    pub(super) ok: bool,
    pub(super) targets: &'a [String],
    pub(super) detail: &'a str,
}

pub(super) struct Reverted<'a> {
    /// the record's place in the journal: `recover` may add reverts after the run ended
    pub(super) seq: u64,
    pub(super) ts: Ts,
    pub(super) ok: bool,
    pub(super) attempt: u32,
    pub(super) detail: &'a str,
    pub(super) will_retry: bool,
}

/// Everything the journal says about one fault.
pub(super) struct FaultHistory<'a> {
    pub(super) name: &'a str,
    pub(super) info: Option<&'a FaultInfo>,
    pub(super) armed: Vec<(Ts, &'a str)>,
    pub(super) disarmed: Vec<(Ts, &'a str)>,
    pub(super) triggered: Option<(Ts, &'a str)>,
    pub(super) injected: Option<Injected<'a>>,
    /// when the kill switch stopped its injection while it ran
    pub(super) cancelled: Option<Ts>,
    pub(super) reverting: Vec<(Ts, RevertReason, u32)>,
    pub(super) reverted: Vec<Reverted<'a>>,
}

impl<'a> FaultHistory<'a> {
    pub(super) fn new(name: &'a str, info: Option<&'a FaultInfo>) -> Self {
        FaultHistory {
            name,
            info,
            armed: vec![],
            disarmed: vec![],
            triggered: None,
            injected: None,
            cancelled: None,
            reverting: vec![],
            reverted: vec![],
        }
    }

    /// The revert that settled the fault: a success, or a failure with no retry to come.
    pub(super) fn final_revert(&self) -> Option<&Reverted<'a>> {
        self.reverted.iter().rev().find(|r| r.ok || !r.will_retry)
    }

    pub(super) fn reverted_ok(&self) -> bool {
        self.reverted.iter().any(|r| r.ok)
    }

    /// Triggered and never reverted successfully: it may still be in place.
    pub(super) fn may_be_active(&self) -> bool {
        self.triggered.is_some() && !self.reverted_ok()
    }

    pub(super) fn inject_error(&self) -> Option<&'a str> {
        self.injected.as_ref().filter(|i| !i.ok).map(|i| i.detail)
    }

    /// Why the fault may still be active, in the words of its last revert.
    pub(super) fn revert_failure_detail(&self) -> String {
        match self.reverted.last() {
            Some(r) if !r.ok && !r.will_retry => {
                format!(
                    "{} (revert attempt {} failed, no retry left)",
                    or_unknown(r.detail),
                    r.attempt
                )
            }
            Some(r) if !r.ok => format!(
                "{} (revert attempt {} failed; the journal ends before the next attempt)",
                or_unknown(r.detail),
                r.attempt
            ),
            _ if self.reverting.is_empty() => "the journal records no revert".to_string(),
            _ => "the journal ends while it was being reverted".to_string(),
        }
    }

    pub(super) fn revert_reason(&self) -> Option<RevertReason> {
        self.reverting.last().map(|r| r.1)
    }
}

pub(super) struct Abort<'a> {
    pub(super) ts: Ts,
    pub(super) by: &'a str,
    pub(super) source: AbortSource,
    pub(super) detail: &'a str,
}

pub(super) struct Note<'a> {
    pub(super) ts: Ts,
    pub(super) author: &'a str,
    pub(super) kind: NoteKind,
    pub(super) text: &'a str,
}

/// One signal: its samples and how `analysis::evaluate` judged them.
pub(super) struct SignalView<'a> {
    pub(super) info: &'a SignalInfo,
    pub(super) points: Vec<Point>,
    /// distinct sample errors with their counts, in order of first appearance
    pub(super) errors: Vec<(&'a str, usize)>,
    pub(super) outcome: Outcome,
}

/// The journal, read once into what the sections need.
pub(super) struct Run<'a> {
    pub(super) info: &'a RunInfo,
    pub(super) records: &'a [Record],
    pub(super) started: Ts,
    /// when the run ended, or the last thing the journal knows of
    pub(super) ended: Ts,
    pub(super) window: Option<Window>,
    pub(super) verdict: Option<(Verdict, &'a [String])>,
    /// the verdict the journal's own records give, by the rules, and why
    pub(super) recomputed: (Verdict, Vec<String>),
    pub(super) alerts: Vec<AlertOutcome>,
    pub(super) faults: Vec<FaultHistory<'a>>,
    pub(super) abort: Option<Abort<'a>>,
    pub(super) notes: Vec<Note<'a>>,
    pub(super) signals: Vec<SignalView<'a>>,
}

impl<'a> Run<'a> {
    pub(super) fn from_records(records: &'a [Record]) -> Result<Self, ReportError> {
        let (started, info) = records
            .iter()
            .find_map(|r| match &r.event {
                Event::RunStarted(info) => Some((r.ts, info.as_ref())),
                _ => None,
            })
            .ok_or(ReportError::NoRunStarted)?;
        let last_ts = records.iter().map(|r| r.ts).max().unwrap_or(started);
        let verdict_record = records.iter().find_map(|r| match &r.event {
            Event::Verdict { verdict, reasons } => Some((r.ts, *verdict, reasons.as_slice())),
            _ => None,
        });
        let ended = records
            .iter()
            .find_map(|r| matches!(r.event, Event::RunEnded { .. }).then_some(r.ts))
            .or(verdict_record.map(|v| v.0))
            .unwrap_or(last_ts);
        let end = verdict_record.map(|v| v.0).unwrap_or(last_ts);
        let window = judging_window(records, end, info.recovery);
        let judging_end = window.as_ref().map_or(end, |w| w.end);
        let signals: Vec<SignalView> = info
            .signals
            .iter()
            .map(|s| signal_view(s, records, window.as_ref()))
            .collect();
        let alerts: Vec<AlertOutcome> = info
            .alerts
            .iter()
            .map(|a| {
                analysis::judge_alert(
                    &a.name,
                    a.within,
                    &alert_observations(records, &a.name),
                    window.as_ref().map(|w| w.first_trigger),
                    judging_end,
                )
            })
            .collect();
        let aborted = records
            .iter()
            .any(|r| matches!(r.event, Event::Abort { .. }));
        let recomputed = {
            let pairs: Vec<(&SignalInfo, &Outcome)> =
                signals.iter().map(|s| (s.info, &s.outcome)).collect();
            let names: Vec<&str> = info.faults.iter().map(|f| f.name.as_str()).collect();
            let judged = info.signals.iter().any(|s| s.expect.is_some()) || !info.alerts.is_empty();
            analysis::verdict(
                &pairs,
                &alerts,
                &RunFacts::new(window.as_ref(), aborted, &names, judged),
            )
        };
        Ok(Run {
            info,
            records,
            started,
            ended,
            window,
            recomputed,
            alerts,
            verdict: verdict_record.map(|(_, v, reasons)| (v, reasons)),
            faults: fault_histories(info, records),
            abort: first_abort(records),
            notes: collect_notes(records),
            signals,
        })
    }

    pub(super) fn started(&self) -> Ts {
        self.started
    }

    pub(super) fn ended(&self) -> Ts {
        self.ended
    }

    /// Time zero of the report: the first trigger, or the run's start when nothing was.
    pub(super) fn zero(&self) -> Ts {
        self.window
            .as_ref()
            .map(|w| w.first_trigger)
            .unwrap_or(self.started)
    }

    pub(super) fn offset_ms(&self, ts: Ts) -> i64 {
        (ts - self.zero()).num_milliseconds()
    }

    /// "T+00:23" (or "T−00:10" before time zero).
    pub(super) fn t_label(&self, ts: Ts) -> String {
        let ms = self.offset_ms(ts);
        if ms <= -1000 {
            format!("T{}", format_offset(ms))
        } else {
            format!("T+{}", format_offset(ms))
        }
    }

    /// Each fault of the scenario that was triggered, and what went wrong with it, if
    /// anything: its inject failed, or its revert did.
    pub(super) fn fault_results(&self) -> Vec<(&'a str, Option<String>)> {
        self.faults
            .iter()
            .filter(|f| f.triggered.is_some())
            .map(|f| {
                let failure = if let Some(e) = f.inject_error() {
                    Some(format!("inject failed: {}", or_unknown(e)))
                } else if f.may_be_active() {
                    Some(format!("revert failed: {}", f.revert_failure_detail()))
                } else {
                    None
                };
                (f.name, failure)
            })
            .collect()
    }

    pub(super) fn verdict_word(&self) -> &'static str {
        self.verdict.map(|(v, _)| v.word()).unwrap_or("IN PROGRESS")
    }
}

/// The span the criteria are judged over, exactly as the engine saw it: from the first
/// trigger to the end of judging (the first abort, else the end of observation), observed
/// until the verdict (or the journal's end) or the end of the last recovery phase,
/// whichever came first; with each triggered fault from its intent to the revert that
/// settled it.
pub(super) fn judging_window(
    records: &[Record],
    verdict: Ts,
    recovery: Duration,
) -> Option<Window> {
    let mut faults: Vec<FaultSpan> = Vec::new();
    let mut recovery_since: Option<Ts> = None;
    let mut first_abort: Option<Ts> = None;
    for r in records {
        match &r.event {
            Event::Phase {
                phase: Phase::Recovery,
            } => recovery_since = Some(r.ts),
            Event::Abort { .. } => {
                first_abort.get_or_insert(r.ts);
            }
            Event::FaultInjecting { fault, .. } if !faults.iter().any(|f| f.name == *fault) => {
                faults.push(FaultSpan {
                    name: fault.clone(),
                    trigger: r.ts,
                    settled: None,
                    inject_failed: false,
                    took_effect: false,
                    revert_failed: false,
                });
            }
            Event::FaultInjected { fault, ok, .. } => {
                if let Some(f) = faults.iter_mut().find(|f| f.name == *fault) {
                    if *ok {
                        f.took_effect = true;
                    } else {
                        f.inject_failed = true;
                    }
                }
            }
            Event::FaultReverted {
                fault,
                ok,
                will_retry,
                ..
            } if *ok || !*will_retry => {
                if let Some(f) = faults
                    .iter_mut()
                    .find(|f| f.name == *fault && f.settled.is_none())
                {
                    f.settled = Some(r.ts);
                    f.revert_failed = !*ok;
                }
            }
            _ => {}
        }
    }
    faults.sort_by_key(|f| f.trigger);
    let first_trigger = faults.first()?.trigger;
    let (end, observed_until) =
        analysis::window_ends(verdict, recovery_since, recovery, first_abort);
    Some(Window {
        first_trigger,
        end,
        observed_until,
        faults,
    })
}

/// What the journal saw of one expected alert, in time order.
pub(super) fn alert_observations(records: &[Record], name: &str) -> Vec<AlertObservation> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Alert {
                name: n,
                state,
                active_at,
                ..
            } if n == name => Some(AlertObservation {
                ts: r.ts,
                state: state.clone(),
                active_at: *active_at,
            }),
            _ => None,
        })
        .collect()
}

pub(super) fn signal_view<'a>(
    info: &'a SignalInfo,
    records: &'a [Record],
    window: Option<&Window>,
) -> SignalView<'a> {
    let mut points = Vec::new();
    let mut errors: Vec<(&'a str, usize)> = Vec::new();
    for r in records {
        let Event::Sample {
            signal,
            value,
            error,
            at,
            ..
        } = &r.event
        else {
            continue;
        };
        if *signal != info.name {
            continue;
        }
        let ts = at.unwrap_or(r.ts);
        match error {
            Some(e) => {
                points.push(Point { ts, value: None });
                match errors.iter_mut().find(|(m, _)| *m == e.as_str()) {
                    Some((_, n)) => *n += 1,
                    None => errors.push((e.as_str(), 1)),
                }
            }
            None => points.push(Point { ts, value: *value }),
        }
    }
    // back-filled samples arrive after the first live ones
    points.sort_by_key(|p| p.ts);
    let outcome = analysis::evaluate(info, &points, window);
    SignalView {
        info,
        points,
        errors,
        outcome,
    }
}

pub(super) fn fault_histories<'a>(
    info: &'a RunInfo,
    records: &'a [Record],
) -> Vec<FaultHistory<'a>> {
    let mut faults: Vec<FaultHistory<'a>> = info
        .faults
        .iter()
        .map(|f| FaultHistory::new(&f.name, Some(f)))
        .collect();
    for r in records {
        let Some(name) = fault_name(&r.event) else {
            continue;
        };
        let i = match faults.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                faults.push(FaultHistory::new(name, None));
                faults.len() - 1
            }
        };
        record_fault_event(&mut faults[i], r);
    }
    faults
}

pub(super) fn fault_name(event: &Event) -> Option<&str> {
    match event {
        Event::Armed { fault, .. }
        | Event::Disarmed { fault, .. }
        | Event::FaultInjecting { fault, .. }
        | Event::FaultInjected { fault, .. }
        | Event::FaultInjectCancelled { fault }
        | Event::FaultReverting { fault, .. }
        | Event::FaultReverted { fault, .. } => Some(fault),
        _ => None,
    }
}

pub(super) fn record_fault_event<'a>(f: &mut FaultHistory<'a>, r: &'a Record) {
    match &r.event {
        Event::Armed { by, .. } => f.armed.push((r.ts, by)),
        Event::Disarmed { by, .. } => f.disarmed.push((r.ts, by)),
        Event::FaultInjecting { by, .. } => {
            f.triggered.get_or_insert((r.ts, by));
        }
        Event::FaultInjected {
            ok,
            targets,
            detail,
            ..
        } => {
            f.injected = Some(Injected {
                ts: r.ts,
                ok: *ok,
                targets,
                detail,
            });
        }
        Event::FaultInjectCancelled { .. } => {
            f.cancelled.get_or_insert(r.ts);
        }
        Event::FaultReverting {
            reason, attempt, ..
        } => f.reverting.push((r.ts, *reason, *attempt)),
        Event::FaultReverted {
            ok,
            attempt,
            detail,
            will_retry,
            ..
        } => f.reverted.push(Reverted {
            seq: r.seq,
            ts: r.ts,
            ok: *ok,
            attempt: *attempt,
            detail,
            will_retry: *will_retry,
        }),
        _ => {}
    }
}

pub(super) fn first_abort(records: &[Record]) -> Option<Abort<'_>> {
    records.iter().find_map(|r| match &r.event {
        Event::Abort { by, source, detail } => Some(Abort {
            ts: r.ts,
            by,
            source: *source,
            detail,
        }),
        _ => None,
    })
}

pub(super) fn collect_notes(records: &[Record]) -> Vec<Note<'_>> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note { author, kind, text } => Some(Note {
                ts: r.ts,
                author,
                kind: *kind,
                text,
            }),
            _ => None,
        })
        .collect()
}
