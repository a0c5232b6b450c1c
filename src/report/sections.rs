//! The report's sections, top to bottom, each a function of the folded run.

use super::*;

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

pub(super) fn title(run: &Run, out: &mut String) {
    line(
        out,
        format!(
            "# Game day: {} — {}",
            one_line(&run.info.scenario),
            run.verdict_word()
        ),
    );
    line(out, "");
}

pub(super) fn banners(run: &Run, out: &mut String) {
    if let Some(why) = verdict_disagreement(run) {
        line(
            out,
            format!(
                "> **VERDICT CHECK FAILED** — {}. Trust neither until the difference is understood.",
                one_line(&why)
            ),
        );
        line(out, "");
    }
    for f in run.faults.iter().filter(|f| f.may_be_active()) {
        line(
            out,
            format!(
                "> **REVERT FAILED** — {} may still be active: {}. Run {}.",
                code(f.name),
                f.revert_failure_detail(),
                // as one shell word in a code span: pasted, it names exactly the directory
                code(&format!(
                    "gameday recover {}",
                    crate::schema::shell_word(std::path::Path::new(&run.info.run_dir))
                ))
            ),
        );
        line(out, "");
    }
    for f in &run.faults {
        if let Some(error) = f.inject_error() {
            line(
                out,
                format!(
                    "> **INJECT FAILED** — {} could not be injected: {}.",
                    code(f.name),
                    or_unknown(error)
                ),
            );
            line(out, "");
        }
    }
}

pub(super) fn demo_line(run: &Run, out: &mut String) {
    if run.info.demo {
        line(
            out,
            "_This is a practice run against gameday's built-in demo service: no real system was touched._",
        );
        line(out, "");
    }
}

pub(super) fn hypothesis_and_verdict(run: &Run, out: &mut String) {
    let hypothesis = one_line(&run.info.hypothesis);
    line(out, format!("> **Hypothesis.** {hypothesis}"));
    line(out, "");
    let mut sentences: Vec<String> = match run.verdict {
        Some((_, reasons)) => reasons.iter().map(|r| sentence(r)).collect(),
        None => vec![
            "No verdict was recorded: the run is still going, or gameday stopped before reaching one.".to_string(),
        ],
    };
    if let Some(a) = &run.abort {
        sentences.push(abort_sentence(a));
        if run.window.is_some() {
            sentences.push(
                "The hypothesis was judged up to it; the recovery after it is reported, not judged."
                    .to_string(),
            );
        }
    }
    if let Some(s) = recovery_sentence(run) {
        sentences.push(s);
    }
    if let Some(s) = recovery_cut_short(run) {
        sentences.push(s);
    }
    line(
        out,
        format!(
            "**Verdict: {}** — {}",
            run.verdict_word(),
            sentences.join(" ")
        ),
    );
    line(out, "");
}

pub(super) fn abort_sentence(a: &Abort) -> String {
    let who = if pulled_by_a_person(a.source) {
        format!(" by {}", one_line(a.by))
    } else {
        String::new()
    };
    let mut s = format!(
        "The kill switch was pulled{who} {} at {}",
        source_words(a.source),
        hms(a.ts)
    );
    if !a.detail.trim().is_empty() {
        // a reason is one line: a line break in it is shown (`\n`), never made a space
        s.push_str(&format!(
            " ({})",
            plain(&crate::text::visible_line_spaced(a.detail))
        ));
    }
    s.push('.');
    s
}

/// "Recovery took 71 s after the revert.", from the slowest signal to recover after each
/// fault.
pub(super) fn recovery_sentence(run: &Run) -> Option<String> {
    let w = run.window.as_ref()?;
    let several = w.faults.len() > 1;
    let mut parts: Vec<String> = Vec::new();
    for (i, f) in w.faults.iter().enumerate() {
        let after = if several {
            format!("after the revert of {}", code(&f.name))
        } else {
            "after the revert".to_string()
        };
        let per: Vec<(&SignalView, Recovery)> = run
            .signals
            .iter()
            .filter_map(|s| s.outcome.per_fault.get(i).map(|p| (s, p.recovery)))
            .collect();
        let never: Vec<String> = per
            .iter()
            .filter(|(_, r)| *r == Recovery::Never)
            .map(|(s, _)| code(&s.info.name))
            .collect();
        if !never.is_empty() {
            parts.push(format!("{} had not recovered {after}", never.join(", ")));
            continue;
        }
        let slowest = per
            .iter()
            .filter_map(|(s, r)| match r {
                Recovery::After(d) => Some((*d, *s)),
                _ => None,
            })
            .max_by_key(|(d, _)| *d);
        if let Some((d, s)) = slowest {
            parts.push(format!(
                "recovery took {} {after}{}",
                format_duration(d),
                window_note(s.info)
            ));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(sentence(&parts.join("; ")))
}

/// When the run ended before the recovery phase was over (`q`, a signal), or never
/// watched it (the process was ending): the recovery figures cover less than the
/// scenario asked for, and the reader must know.
pub(super) fn recovery_cut_short(run: &Run) -> Option<String> {
    let (verdict_ts, _) = run.records.iter().find_map(|r| match &r.event {
        Event::Verdict { verdict, .. } => Some((r.ts, *verdict)),
        _ => None,
    })?;
    run.window.as_ref()?;
    let recovery = run.info.recovery;
    let started = run.records.iter().rev().find_map(|r| match &r.event {
        Event::Phase {
            phase: Phase::Recovery,
        } => Some(r.ts),
        _ => None,
    });
    // who ended it, and why (journals before issue 17 do not say)
    let why = run
        .records
        .iter()
        .find_map(|r| match &r.event {
            Event::RecoveryCutShort { by, why } => {
                Some(format!(" It was ended by {}: {}.", plain(by), plain(why)))
            }
            _ => None,
        })
        .unwrap_or_default();
    match started {
        Some(t) if verdict_ts < t + recovery => Some(format!(
            "The recovery was cut short after {} of its {}.{why}",
            format_duration(elapsed(t, verdict_ts)),
            format_duration(recovery)
        )),
        Some(_) => None,
        None => Some(format!(
            "The recovery was not watched: the run ended as soon as every fault was reverted.{why}"
        )),
    }
}

/// " (each value over a 30 s window of probes)" for an http signal: its violations and
/// recoveries lag the truth by up to that much, and the reader must know it.
pub(super) fn window_note(info: &SignalInfo) -> String {
    match info.window {
        Some(w) => format!(
            " (each value over a {} window of probes)",
            format_duration(w)
        ),
        None => String::new(),
    }
}

pub(super) fn facts_table(run: &Run, out: &mut String) {
    let info = run.info;
    line(out, "| | |");
    line(out, "|---|---|");
    line(out, format!("| when | {} |", when_cell(run)));
    line(
        out,
        format!("| operators | {} |", cell(&operators(run).join(", "))),
    );
    if let Some(c) = cluster_cell(info) {
        line(out, format!("| cluster | {c} |"));
    }
    if let Some(url) = &info.prometheus_url {
        let every = info
            .signals
            .iter()
            .find(|s| s.kind == "promql")
            .map(|s| format!(", every {}", format_duration(s.interval)))
            .unwrap_or_default();
        line(out, format!("| Prometheus | {}{every} |", code_cell(url)));
    }
    line(
        out,
        format!(
            "| scenario | {}, sha256 {} |",
            code_cell(&info.scenario_path),
            code_cell(&short_hash(&info.scenario_sha256))
        ),
    );
    line(out, format!("| run | {} |", code_cell(&info.run_dir)));
    line(out, format!("| mode | {} |", cell(&info.mode)));
    line(
        out,
        format!(
            "| gameday | {} on {} |",
            cell(&info.version),
            code_cell(&info.host)
        ),
    );
    line(out, "");
}

pub(super) fn when_cell(run: &Run) -> String {
    let end = if run.ended.date_naive() == run.started.date_naive() {
        hms(run.ended)
    } else {
        date_hms(run.ended)
    };
    let open = if run.verdict.is_none() {
        ", no verdict yet"
    } else {
        ""
    };
    format!(
        "{} → {} UTC ({}{open})",
        date_hms(run.started),
        end,
        format_duration(elapsed(run.started, run.ended))
    )
}

/// The driver first, then everyone else who acted, in order of first appearance.
pub(super) fn operators(run: &Run) -> Vec<String> {
    let driver = run.info.operator.as_str();
    let mut others: Vec<&str> = Vec::new();
    for r in run.records {
        let who = match &r.event {
            Event::Note { author, .. } | Event::Milestone { author, .. } => Some(author.as_str()),
            Event::Abort { by, source, .. } if pulled_by_a_person(*source) => Some(by.as_str()),
            Event::Armed { by, .. }
            | Event::Disarmed { by, .. }
            | Event::FaultInjecting { by, .. } => Some(by.as_str()),
            Event::Override { by, .. } => Some(by.as_str()),
            Event::OperatorJoined { name } => Some(name.as_str()),
            _ => None,
        };
        if let Some(who) = who {
            if who != driver && !others.contains(&who) {
                others.push(who);
            }
        }
    }
    let mut list = vec![format!("{} (driver)", one_line(driver))];
    list.extend(others.into_iter().map(one_line));
    list
}

pub(super) fn cluster_cell(info: &RunInfo) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(ctx) = &info.kube_context {
        parts.push(format!("context {}", code_cell(ctx)));
    }
    if let Some(ns) = &info.kube_namespace {
        parts.push(format!("namespace {}", code_cell(ns)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

// --- steady state ------------------------------------------------------------------------

pub(super) fn steady_state(run: &Run, out: &mut String) {
    line(out, "## Steady state");
    line(out, "");
    if run.signals.is_empty() {
        line(out, "No signals were watched.");
        line(out, "");
        return;
    }
    line(out, "| signal | expect | baseline (median) | worst during fault | after recovery | recovered in | result |");
    line(out, "|---|---|---|---|---|---|---|");
    for s in &run.signals {
        line(out, criteria_row(run, s));
    }
    line(out, "");
    per_fault(run, out);
    let charts = charts::file_names(run.signals.iter().map(|s| s.info.name.as_str()));
    for (s, chart) in run.signals.iter().zip(charts) {
        line(out, sparkline_line(run, s));
        line(out, "");
        line(
            out,
            format!("![{}]({}/{chart})", alt_text(&s.info.name), charts::DIR),
        );
        line(out, "");
    }
    sample_errors(run, out);
}

/// With several faults, each one's own figures: the worst during that fault and the time
/// to recover from that fault's revert (the table above gives the worst over all).
pub(super) fn per_fault(run: &Run, out: &mut String) {
    let Some(w) = &run.window else { return };
    if w.faults.len() < 2 {
        return;
    }
    line(out, "Per fault:");
    line(out, "");
    line(
        out,
        "| fault | window | signal | worst during the fault | recovered in |",
    );
    line(out, "|---|---|---|---|---|");
    for (i, f) in w.faults.iter().enumerate() {
        let (a, b) = w.fault_window(i);
        let span = match f.settled {
            Some(_) => format!("{} → {}", run.t_label(a), run.t_label(b)),
            None => format!("{} → not reverted", run.t_label(a)),
        };
        for s in &run.signals {
            let Some(p) = s.outcome.per_fault.get(i) else {
                continue;
            };
            let worst = match p.worst {
                Some((v, ts)) => format!("{} at {}", shown_value(v, s.info), run.t_label(ts)),
                None => "—".to_string(),
            };
            line(
                out,
                format!(
                    "| {} | {span} | {} | {worst} | {} |",
                    cell(&f.name),
                    cell(&s.info.name),
                    if s.info.expect.is_some() {
                        recovery_words(Some(p.recovery))
                    } else {
                        "—".to_string()
                    }
                ),
            );
        }
    }
    line(out, "");
}

pub(super) fn criteria_row(run: &Run, s: &SignalView) -> String {
    let o = &s.outcome;
    let worst = match o.worst {
        Some((v, ts)) if run.window.is_some() => {
            format!("{} at {}", shown_value(v, s.info), run.t_label(ts))
        }
        _ => "—".to_string(),
    };
    let recovered = recovery_words(o.slowest_recovery());
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        cell(&s.info.name),
        expect_cell(s.info),
        value_or_dash(o.baseline, s.info),
        worst,
        if run.window.is_some() {
            o.after
                .map(|v| shown_value(v, s.info))
                .unwrap_or_else(|| "—".to_string())
        } else {
            "—".to_string()
        },
        recovered,
        result_cell(run, s)
    )
}

/// A value judged against the signal's `expect`, with the digits it takes never to look
/// like the threshold when it is not.
pub(super) fn shown_value(v: f64, info: &SignalInfo) -> String {
    match &info.expect {
        Some(c) => format_value_against(v, c.value, info.unit),
        None => format_value(v, info.unit),
    }
}

pub(super) fn recovery_words(r: Option<Recovery>) -> String {
    match r {
        Some(Recovery::After(d)) => format_duration(d),
        Some(Recovery::Never) => "not recovered".to_string(),
        Some(Recovery::BeforeRevert) => "back before the revert".to_string(),
        Some(Recovery::NotSettled) => "never reverted".to_string(),
        Some(Recovery::NotNeeded) | None => "—".to_string(),
    }
}

pub(super) fn expect_cell(info: &SignalInfo) -> String {
    let Some(expect) = &info.expect else {
        return "—".to_string();
    };
    let mut s = expect.display(info.unit);
    if !info.tolerate.is_zero() {
        s.push_str(&format!(" (tolerate {})", format_duration(info.tolerate)));
    }
    cell(&s)
}

pub(super) fn result_cell(run: &Run, s: &SignalView) -> String {
    let o = &s.outcome;
    match o.status {
        Status::Held => "✓ held".to_string(),
        Status::HeldWithinTolerance => {
            let longest = o
                .longest_violation()
                .map(|v| v.duration())
                .unwrap_or_default();
            format!(
                "✓ held (violation of {} within tolerance)",
                format_duration_against(longest, s.info.tolerate)
            )
        }
        Status::Violated => violated_cell(run, s),
        Status::NoData if run.window.is_none() => {
            "? not judged: no fault was triggered".to_string()
        }
        Status::NoData if o.no_value => "? no value in the whole window".to_string(),
        Status::NoData => {
            let longest = o.longest_gap().map(|g| g.duration()).unwrap_or_default();
            format!("? no data for {}", format_duration(longest))
        }
        Status::Watched => "— watched".to_string(),
    }
}

pub(super) fn violated_cell(run: &Run, s: &SignalView) -> String {
    let o = &s.outcome;
    let Some(span) = o.longest_violation() else {
        return "✗ violated".to_string();
    };
    let mut text = format!(
        "✗ violated {}, {} → {}",
        format_duration_against(span.duration(), s.info.tolerate),
        run.t_label(span.start),
        run.t_label(span.end)
    );
    if span.open {
        text.push_str(", still violated at the end");
    }
    let more = o.violations.len() - 1;
    if more > 0 {
        text.push_str(&format!(" (and {more} shorter)"));
    }
    text.push_str(&window_note(s.info));
    text
}

pub(super) fn sparkline_line(run: &Run, s: &SignalView) -> String {
    let values: Vec<Option<f64>> = downsample(&s.points, SPARKLINE_POINTS)
        .iter()
        .map(|p| p.value)
        .collect();
    let spark = if values.is_empty() {
        "(no samples)".to_string()
    } else {
        sparkline(
            &values,
            SPARKLINE_POINTS,
            false,
            s.info.expect.as_ref().map(|e| e.value),
        )
    };
    format!(
        "{} {} ({})",
        code(&s.info.name),
        spark,
        fault_window_words(run)
    )
}

/// A signal name as the alt text of an image link: brackets would end the link early.
pub(super) fn alt_text(name: &str) -> String {
    // brackets, backslashes and tags are escaped by one_line; inside an image's alt text a
    // code span would show its backticks, which is harmless
    one_line(name)
}

pub(super) fn fault_window_words(run: &Run) -> String {
    let Some(w) = &run.window else {
        return "no fault was triggered".to_string();
    };
    let spans: Vec<String> = (0..w.faults.len())
        .map(|i| match w.faults[i].settled {
            Some(settled) => format!(
                "{} → {}",
                run.t_label(w.faults[i].trigger),
                run.t_label(settled)
            ),
            None => format!("{} → not reverted", run.t_label(w.faults[i].trigger)),
        })
        .collect();
    if spans.len() == 1 {
        format!("fault window {}", spans[0])
    } else {
        format!("fault windows {}", spans.join(", "))
    }
}

/// At most `max` points picked evenly over the whole run, first and last included.
pub(super) fn downsample(points: &[Point], max: usize) -> Vec<Point> {
    let n = points.len();
    if n <= max || max < 2 {
        return points.iter().take(max).copied().collect();
    }
    (0..max).map(|i| points[i * (n - 1) / (max - 1)]).collect()
}

pub(super) fn sample_errors(run: &Run, out: &mut String) {
    let with_errors: Vec<&SignalView> = run
        .signals
        .iter()
        .filter(|s| !s.errors.is_empty())
        .collect();
    if with_errors.is_empty() {
        return;
    }
    line(out, "Sample errors (each stands for a missing value):");
    line(out, "");
    for s in with_errors {
        let mut errors = s.errors.clone();
        // most frequent first; ties keep their order of first appearance
        errors.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let list: Vec<String> = errors
            .iter()
            .map(|(e, n)| format!("{} ×{n}", code(e)))
            .collect();
        line(
            out,
            format!("- {}: {}", one_line(&s.info.name), list.join(", ")),
        );
    }
    line(out, "");
}

// --- alerts ------------------------------------------------------------------------------

pub(super) fn alerts(run: &Run, out: &mut String) {
    if run.info.alerts.is_empty() {
        return;
    }
    line(out, "## Alerts");
    line(out, "");
    line(out, "| alert | expected within | fired | time to alert |");
    line(out, "|---|---|---|---|");
    for a in &run.alerts {
        let fired = a
            .fired_at
            .map(hms)
            .unwrap_or_else(|| "not fired".to_string());
        let time_cell = match a.result {
            AlertResult::InTime(d) => format!("{} ✓", format_duration(d)),
            AlertResult::Late(d) => format!("{} ✗ late", format_duration_against(d, a.within)),
            AlertResult::DidNotFire => "✗ did not fire".to_string(),
            AlertResult::Unreadable => "? unknown: the alerts API could not be read".to_string(),
            AlertResult::EndedTooSoon(d) => format!(
                "? unknown: the run ended {} after the trigger",
                format_duration(d)
            ),
            AlertResult::AlreadyActive => "? already active before the trigger".to_string(),
            AlertResult::NotJudged => "— not judged: no fault was triggered".to_string(),
        };
        line(
            out,
            format!(
                "| {} | {} | {fired} | {time_cell} |",
                cell(&a.name),
                format_duration(a.within)
            ),
        );
    }
    line(out, "");
}

// --- faults ------------------------------------------------------------------------------

pub(super) fn faults(run: &Run, out: &mut String) {
    line(out, "## Faults");
    line(out, "");
    if run.faults.is_empty() {
        line(out, "No faults in this scenario.");
        line(out, "");
    } else {
        line(
            out,
            "| fault | armed | triggered | targets | reverted | result |",
        );
        line(out, "|---|---|---|---|---|---|");
        for f in &run.faults {
            line(out, fault_row(f));
        }
        line(out, "");
        fault_plans(run, out);
    }
    if let Some(a) = &run.abort {
        line(out, kill_switch_line(run, a));
        line(out, "");
    }
}

pub(super) fn fault_row(f: &FaultHistory) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |",
        cell(f.name),
        armed_cell(f),
        f.triggered
            .map(|(ts, by)| format!("{} by {}", hms(ts), cell(by)))
            .unwrap_or_else(|| "—".to_string()),
        targets_cell(f),
        reverted_cell(f),
        fault_result_cell(f)
    )
}

pub(super) fn armed_cell(f: &FaultHistory) -> String {
    let mut parts: Vec<String> = f
        .armed
        .iter()
        .map(|(ts, by)| format!("{} by {}", hms(*ts), cell(by)))
        .collect();
    parts.extend(
        f.disarmed
            .iter()
            .map(|(ts, by)| format!("disarmed {} by {}", hms(*ts), cell(by))),
    );
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join(", ")
    }
}

pub(super) fn targets_cell(f: &FaultHistory) -> String {
    match &f.injected {
        Some(i) if i.ok && !i.targets.is_empty() => cell(&i.targets.join(", ")),
        _ => "—".to_string(),
    }
}

pub(super) fn reverted_cell(f: &FaultHistory) -> String {
    let reason = f
        .revert_reason()
        .map(|r| r.as_str())
        .unwrap_or("no reason recorded");
    let attempts = f.reverting.len();
    let attempts = if attempts > 1 {
        format!(", {attempts} attempts")
    } else {
        String::new()
    };
    match f.final_revert() {
        Some(r) if r.ok => format!("{} ({reason}{attempts})", hms(r.ts)),
        Some(r) => format!("✗ failed {} ({reason}{attempts})", hms(r.ts)),
        None if !f.reverting.is_empty() => format!(
            "reverting since {} ({reason}{attempts})",
            hms(f.reverting[0].0)
        ),
        None => "—".to_string(),
    }
}

pub(super) fn fault_result_cell(f: &FaultHistory) -> String {
    if f.triggered.is_none() {
        return if f.armed.is_empty() {
            "not run".to_string()
        } else {
            "armed, not triggered".to_string()
        };
    }
    let mut parts = Vec::new();
    match &f.injected {
        Some(i) if i.ok => parts.push(with_detail(&format!("✓ injected {}", hms(i.ts)), i.detail)),
        Some(i) => parts.push(format!("✗ injection failed: {}", or_unknown(i.detail))),
        None => match f.cancelled {
            Some(ts) => parts.push(format!(
                "⊘ injection CANCELLED {} while it ran (kill switch): what it had done is not known",
                hms(ts)
            )),
            None => parts.push("? no injection result recorded".to_string()),
        },
    }
    match f.final_revert() {
        Some(r) if r.ok => parts.push(with_detail("✓ reverted", r.detail)),
        Some(r) => parts.push(format!(
            "✗ REVERT FAILED: {} — may still be active",
            or_unknown(r.detail)
        )),
        None => parts.push("✗ not reverted — may still be active".to_string()),
    }
    cell(&parts.join("; "))
}

pub(super) fn with_detail(what: &str, detail: &str) -> String {
    if detail.trim().is_empty() {
        what.to_string()
    } else {
        format!("{what} ({})", plain(detail))
    }
}

/// What each fault was set to do, as confirmed when it was armed.
pub(super) fn fault_plans(run: &Run, out: &mut String) {
    let with_plans: Vec<(&str, &FaultInfo)> = run
        .faults
        .iter()
        .filter_map(|f| f.info.map(|i| (f.name, i)))
        .filter(|(_, i)| !i.plan.is_empty())
        .collect();
    if with_plans.is_empty() {
        return;
    }
    line(out, "Plans:");
    line(out, "");
    for (name, info) in with_plans {
        let steps: Vec<String> = info.plan.iter().map(|p| code(p)).collect();
        line(
            out,
            format!(
                "- {} ({}, {}): {}",
                one_line(name),
                info.kind,
                format_duration(info.duration),
                steps.join(", ")
            ),
        );
    }
    line(out, "");
}

/// Kill-switch latency: from the abort to the last revert that settled after it.
pub(super) fn kill_switch_line(run: &Run, a: &Abort) -> String {
    let head = format!(
        "Kill switch: pulled by {} ({}) at {}",
        one_line(a.by),
        a.source.as_str(),
        hms(a.ts)
    );
    let settled: Vec<&Reverted> = run
        .faults
        .iter()
        .filter_map(|f| f.final_revert())
        .filter(|r| r.ts >= a.ts)
        .collect();
    let still_active = run.faults.iter().any(|f| f.may_be_active());
    let tail = match settled.iter().map(|r| r.ts).max() {
        _ if still_active => "; NOT every fault was reverted (see above).".to_string(),
        // the journal keeps milliseconds: the same millisecond is not "0 s later"
        Some(last) if elapsed(a.ts, last) < Duration::from_millis(1) => {
            "; every fault reverted in under 1 ms.".to_string()
        }
        Some(last) => format!(
            "; every fault reverted {} later.",
            format_duration(elapsed(a.ts, last))
        ),
        None => "; no fault was active.".to_string(),
    };
    format!("{head}{tail}")
}

// --- notes, queries ----------------------------------------------------------------------

pub(super) fn notes(run: &Run, out: &mut String) {
    line(out, "## Notes");
    line(out, "");
    let notes: Vec<&Note> = run
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Note)
        .collect();
    if notes.is_empty() {
        line(out, "None recorded.");
    }
    for n in notes {
        line(
            out,
            format!(
                "- **{}, {}** — {}",
                one_line(n.author),
                hms(n.ts),
                plain(n.text)
            ),
        );
    }
    line(out, "");
    line(out, "## Action items");
    line(out, "");
    let mut none = true;
    for (n, follow) in super::actions::action_notes(run) {
        none = false;
        line(out, super::actions::checklist_line(n, &follow));
    }
    if none {
        line(out, "None recorded.");
    }
    line(out, "");
}

pub(super) fn queries(run: &Run, out: &mut String) {
    line(out, "## Queries");
    line(out, "");
    if run.info.signals.is_empty() {
        line(out, "None.");
    }
    for s in &run.info.signals {
        line(
            out,
            format!(
                "- {} ({}): {}",
                one_line(&s.name),
                query_kind(s),
                code(&s.source)
            ),
        );
    }
}

pub(super) fn query_kind(s: &SignalInfo) -> String {
    match (s.kind.as_str(), s.measure) {
        ("http", Some(m)) => format!("http, {} of the probes", measure_words(m)),
        (kind, _) => kind.to_string(),
    }
}

pub(super) fn measure_words(m: Measure) -> &'static str {
    match m {
        Measure::ErrorRate => "error rate",
        Measure::P50 => "p50",
        Measure::P90 => "p90",
        Measure::P99 => "p99",
    }
}
