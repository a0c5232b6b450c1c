//! `gameday report --recheck`: the journal checked against itself.

use super::*;

/// When the journaled verdict is not the one its own records give by the rules: why, in
/// one line. `gameday report` says so loudly and the report carries a banner; a
/// journal that disagrees with itself is evidence of a bug or of tampering, and neither
/// verdict can be trusted until someone looks.
pub fn verdict_check(records: &[Record]) -> Result<Option<String>, ReportError> {
    let run = Run::from_records(records)?;
    Ok(verdict_disagreement(&run))
}

pub(super) fn verdict_disagreement(run: &Run) -> Option<String> {
    let (journaled, journaled_reasons) = run.verdict?;
    let (recomputed, reasons) = &run.recomputed;
    let mut problems = Vec::new();
    if journaled != *recomputed {
        problems.push(format!(
            "the journal's verdict is {}, but its own records give {}: {}",
            journaled.word(),
            recomputed.word(),
            reasons.join("; ")
        ));
    } else if run.info.version == env!("CARGO_PKG_VERSION")
        && journaled_reasons != reasons
        && !baseline_gate_agrees(run, journaled, journaled_reasons)
    {
        // the same gameday words its reasons the same way from the same records
        problems.push(format!(
            "the journal's reasons are not the ones its records give: {}",
            reasons.join("; ")
        ));
    }
    let count = |ty: &str| {
        run.records
            .iter()
            .filter(|r| r.event.type_name() == ty)
            .count()
    };
    for ty in ["verdict", "run_ended", "run_started"] {
        if count(ty) > 1 {
            problems.push(format!("the journal holds {} `{ty}` records", count(ty)));
        }
    }
    let expected_exit = exit_code_of(run, journaled);
    for r in run.records {
        if let Event::RunEnded { exit_code } = r.event {
            if exit_code != expected_exit {
                problems.push(format!(
                    "the run ended with exit code {exit_code}, but its records give {expected_exit}"
                ));
            }
        }
    }
    for s in &run.info.signals {
        for c in [&s.expect, &s.abort].into_iter().flatten() {
            let reread = crate::units::criterion::parse_criterion(&c.text, s.unit);
            if reread
                .as_ref()
                .map_or(true, |r| r.value != c.value || r.op != c.op)
            {
                problems.push(format!(
                    "signal `{}`: the criterion `{}` does not say what the journal judged it by",
                    s.name, c.text
                ));
            }
        }
    }
    problems.extend(scenario_text_disagreement(run.info));
    problems.extend(kill_switch_disagreement(run));
    problems.extend(scenario_hash_disagreement(run.info));
    problems.extend(probe_disagreement(run));
    problems.extend(super::milestones::disagreement(run));
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A run that never triggered ends NOT RUN, and the records alone say only "no fault was
/// triggered"; when gameday gave up because the steady state did not hold at the end of
/// the baseline, its reason names the failing expectations. That reason agrees with the
/// records when the last sample of each signal before the verdict gives exactly those
/// words, the way the engine wrote them.
pub(super) fn baseline_gate_agrees(run: &Run, journaled: Verdict, reasons: &[String]) -> bool {
    if journaled != Verdict::NotRun || run.recomputed.0 != Verdict::NotRun || reasons.len() != 1 {
        return false;
    }
    let Some(listed) = reasons[0].strip_prefix(crate::analysis::BASELINE_GATE) else {
        return false;
    };
    let mut last: std::collections::HashMap<&str, (Option<f64>, Option<&str>)> =
        std::collections::HashMap::new();
    for r in run.records {
        match &r.event {
            Event::Verdict { .. } => break,
            Event::Sample {
                signal,
                value,
                error,
                ..
            } => {
                last.insert(signal.as_str(), (*value, error.as_deref()));
            }
            _ => {}
        }
    }
    let failing: Vec<String> = run
        .info
        .signals
        .iter()
        .filter_map(|info| {
            // a sample with neither a value nor an error says no more than none
            let last = last
                .get(info.name.as_str())
                .and_then(|(v, e)| match (v, e) {
                    (_, Some(e)) => Some(Err(*e)),
                    (Some(v), None) => Some(Ok(*v)),
                    (None, None) => None,
                });
            crate::analysis::failing_expectation(info, last)
        })
        .collect();
    !failing.is_empty() && failing.join("; ") == listed
}

/// A revert the kill switch made (its reason is the kill switch, or `max_duration`,
/// which pulls it) needs the kill switch's own record: without it, the journal hides
/// who pulled it and when, and the judging would run past the abort.
pub(super) fn kill_switch_disagreement(run: &Run) -> Vec<String> {
    if run.abort.is_some() {
        return Vec::new();
    }
    run.faults
        .iter()
        .filter(|f| {
            f.reverting.iter().any(|(_, reason, _)| {
                matches!(reason, RevertReason::Abort | RevertReason::MaxDuration)
            })
        })
        .map(|f| {
            format!(
                "fault `{}` was reverted by the kill switch, but the journal has no `abort` record",
                f.name
            )
        })
        .collect()
}

/// An http signal's values are made from its probes (README: "http probes"): the
/// journal's probe lines, folded again the way the engine folded them, must give exactly
/// its samples. A sample that no probe line gives, or a probe's value that is not
/// there, is a journal that does not say what was measured.
pub(super) fn probe_disagreement(run: &Run) -> Vec<String> {
    use crate::engine::probes::{replay, Recorded};
    let mut out = Vec::new();
    for s in &run.info.signals {
        let (Some(measure), Some(window)) = (s.measure, s.window) else {
            continue;
        };
        let mut probes: Vec<(Ts, Recorded)> = Vec::new();
        let mut journaled: Vec<(Ts, Option<f64>)> = Vec::new();
        for r in run.records {
            match &r.event {
                Event::Probe {
                    signal,
                    at,
                    latency,
                    error,
                    waited_ms,
                } if *signal == s.name => probes.push((
                    *at,
                    match (latency, error, waited_ms) {
                        (_, Some(e), _) => Recorded::Failed(e.clone()),
                        (Some(l), None, _) => Recorded::Answered(*l),
                        (None, None, Some(w)) => Recorded::Unfinished(Duration::from_millis(*w)),
                        (None, None, None) => Recorded::Failed("no answer".into()),
                    },
                )),
                Event::Sample {
                    signal,
                    value,
                    error,
                    at,
                    ..
                } if *signal == s.name => journaled.push((
                    at.unwrap_or(r.ts),
                    if error.is_some() { None } else { *value },
                )),
                _ => {}
            }
        }
        let mut given: Vec<(Ts, Option<f64>)> = replay(&probes, measure, window, s.expect.as_ref())
            .into_iter()
            .map(|v| (v.at, v.value.ok()))
            .collect();
        let order = |a: &(Ts, Option<f64>), b: &(Ts, Option<f64>)| {
            a.0.cmp(&b.0).then_with(|| match (a.1, b.1) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            })
        };
        given.sort_by(order);
        journaled.sort_by(order);
        let same = |a: &(Ts, Option<f64>), b: &(Ts, Option<f64>)| {
            a.0 == b.0
                && match (a.1, b.1) {
                    (Some(x), Some(y)) => x.to_bits() == y.to_bits(),
                    (x, y) => x.is_none() && y.is_none(),
                }
        };
        if given.len() == journaled.len() && given.iter().zip(&journaled).all(|(a, b)| same(a, b)) {
            continue;
        }
        // the unit's own words, and the number itself where those would read alike
        let shown = |v: Option<f64>, other: Option<f64>| match v {
            None => "no value".to_string(),
            Some(x)
                if other.is_some_and(|o| format_value(o, s.unit) == format_value(x, s.unit)) =>
            {
                format!("{} ({x:?})", format_value(x, s.unit))
            }
            Some(x) => format_value(x, s.unit),
        };
        let first = given
            .iter()
            .zip(&journaled)
            .find(|(a, b)| !same(a, b))
            .map(|(g, j)| {
                format!(
                    "; first at {}: the journal says {} at {}, the probes give {} at {}",
                    run.t_label(j.0.min(g.0)),
                    shown(j.1, g.1),
                    run.t_label(j.0),
                    shown(g.1, j.1),
                    run.t_label(g.0)
                )
            })
            .unwrap_or_default();
        out.push(format!(
            "signal `{}`: its samples are not the ones its probe lines give ({} samples, the probes give {} values{first})",
            s.name,
            journaled.len(),
            given.len()
        ));
    }
    out
}

/// With nothing redacted, the scenario text kept in the journal is the file as read, so
/// its sha256 is the one the journal gives.
pub(super) fn scenario_hash_disagreement(info: &RunInfo) -> Vec<String> {
    use sha2::{Digest, Sha256};
    if !info.scenario_redacted.is_empty() {
        return Vec::new();
    }
    let sha: String = Sha256::digest(info.scenario_text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if sha == info.scenario_sha256 {
        return Vec::new();
    }
    vec![format!(
        "the scenario text kept in the journal has sha256 {}, but the journal says {}: it is not the file that was run",
        short_hash(&sha),
        short_hash(&info.scenario_sha256)
    )]
}

/// The exit code README gives for this verdict and these faults.
pub(super) fn exit_code_of(run: &Run, verdict: Verdict) -> i32 {
    // what the run knew when it ended: a `recover` (or `--by-hand`) afterwards closes the
    // fault without changing the exit code the run gave
    let ended = run.records.iter().find_map(|r| match r.event {
        Event::RunEnded { .. } => Some(r.seq),
        _ => None,
    });
    let revert_failed = run.faults.iter().any(|f| {
        f.triggered.is_some()
            && f.reverted
                .iter()
                .filter(|r| ended.is_none_or(|e| r.seq < e))
                .rev()
                .find(|r| r.ok || !r.will_retry)
                // a revert that failed for good, or none that settled: it may be active
                .is_none_or(|r| !r.ok)
    });
    crate::exit::ExitStatus::of_run(
        Some(verdict),
        revert_failed,
        run.faults.iter().any(|f| f.inject_error().is_some()),
    )
    .code()
}

/// The scenario kept in the journal, read again: its criteria, tolerances and faults
/// must be the ones the run was judged by. When the text depends on the environment
/// it was run in (any `${VAR}`) or cannot be read, nothing is said.
pub(super) fn scenario_text_disagreement(info: &RunInfo) -> Vec<String> {
    // `${VAR}`s were expanded from an environment the journal does not keep
    if info.scenario_text.contains("${") {
        return Vec::new();
    }
    let Ok(s) = crate::scenario::parse_str(
        &info.scenario_text,
        &info.scenario_path,
        Path::new("."),
        &|_| None,
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let kept: Vec<SignalInfo> = s
        .steady_state
        .iter()
        .map(crate::resolve::signal_info)
        .collect();
    for j in &info.signals {
        match kept.iter().find(|k| k.name == j.name) {
            Some(k)
                if k.expect == j.expect
                    && k.abort == j.abort
                    && k.tolerate == j.tolerate
                    && k.interval == j.interval => {}
            Some(_) => out.push(format!(
                "signal `{}` was judged by other criteria than its scenario text says",
                j.name
            )),
            None => out.push(format!(
                "signal `{}` is not in the scenario text kept in the journal",
                j.name
            )),
        }
    }
    for f in &info.faults {
        if !s
            .faults
            .iter()
            .any(|k| k.name == f.name && k.duration == f.duration)
        {
            out.push(format!(
                "fault `{}` is not in the scenario text kept in the journal as run",
                f.name
            ));
        }
    }
    out.extend(super::milestones::text_disagreement(&s, info));
    out
}
