//! Judging a signal's samples against its criterion over the experiment window.
//!
//! The engine uses this to reach the verdict and the report uses it to explain it, both
//! from the same samples, so the two can never disagree.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::journal::{SignalInfo, Verdict};

pub type Ts = DateTime<Utc>;

/// One sample: `None` is missing data (an error, NaN, an empty result).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub ts: Ts,
    pub value: Option<f64>,
}

/// The span over which `expect` must hold: from the first trigger to the end of recovery
/// (or the abort).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub first_trigger: Ts,
    /// When the last fault finished reverting; `None` when it never did.
    pub last_revert: Option<Ts>,
    pub end: Ts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Held,
    /// held, but for a violation shorter than `tolerate`
    HeldWithinTolerance,
    Violated,
    /// data missing for more than two consecutive intervals, and no violation
    NoData,
    /// the signal has no `expect`
    Watched,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: Ts,
    pub end: Ts,
}

impl Span {
    pub fn duration(&self) -> Duration {
        (self.end - self.start).to_std().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// median of the samples before the first trigger
    pub baseline: Option<f64>,
    /// the worst value from the first trigger to the last revert, and when
    pub worst: Option<(f64, Ts)>,
    /// median of the last three samples of the window
    pub after: Option<f64>,
    /// every run of violating samples inside the window
    pub violations: Vec<Span>,
    /// every stretch without data longer than two intervals inside the window
    pub gaps: Vec<Span>,
    /// `None` when there was nothing to recover from; `Some(None)` when it never did.
    pub recovered_in: Option<Option<Duration>>,
}

impl Outcome {
    pub fn longest_violation(&self) -> Option<Span> {
        self.violations.iter().copied().max_by_key(|s| s.duration())
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Judges one signal. `points` must be in time order; points outside the window only
/// feed the baseline.
pub fn evaluate(info: &SignalInfo, points: &[Point], window: Option<Window>) -> Outcome {
    let present = |p: &Point| p.value.filter(|v| v.is_finite());
    let before: Vec<f64> = points
        .iter()
        .filter(|p| window.is_none_or(|w| p.ts < w.first_trigger))
        .filter_map(present)
        .collect();
    let baseline = median(before);
    let Some(w) = window else {
        return Outcome {
            status: if info.expect.is_some() {
                Status::NoData
            } else {
                Status::Watched
            },
            baseline,
            worst: None,
            after: None,
            violations: vec![],
            gaps: vec![],
            recovered_in: None,
        };
    };
    let inside: Vec<&Point> = points
        .iter()
        .filter(|p| p.ts >= w.first_trigger && p.ts <= w.end)
        .collect();
    let fault_end = w.last_revert.unwrap_or(w.end);

    // worst during the fault, in the direction the criterion cares about
    let mut worst: Option<(f64, Ts)> = None;
    for p in inside.iter().filter(|p| p.ts <= fault_end) {
        if let Some(v) = present(p) {
            let worse = match (&info.expect, worst) {
                (_, None) => true,
                (Some(c), Some((w, _))) => c.op.worse(v, w),
                (None, Some((w, _))) => v > w,
            };
            if worse {
                worst = Some((v, p.ts));
            }
        }
    }
    let tail: Vec<f64> = inside
        .iter()
        .rev()
        .filter_map(|p| present(p))
        .take(3)
        .collect();
    let after = median(tail);

    // Gaps: a stretch of more than two intervals with no data. The slack for scheduling
    // jitter is half an interval, and never less than a second: a busy machine can delay
    // a 100 ms probe by a few hundred milliseconds without anything being missing.
    let limit = info
        .interval
        .mul_f64(3.5)
        .max(info.interval * 2 + Duration::from_secs(1));
    let mut gaps = Vec::new();
    let mut last_data = w.first_trigger;
    for p in &inside {
        if present(p).is_some() {
            if (p.ts - last_data).to_std().unwrap_or_default() > limit {
                gaps.push(Span {
                    start: last_data,
                    end: p.ts,
                });
            }
            last_data = p.ts;
        }
    }
    if (w.end - last_data).to_std().unwrap_or_default() > limit {
        gaps.push(Span {
            start: last_data,
            end: w.end,
        });
    }

    let Some(expect) = &info.expect else {
        return Outcome {
            status: Status::Watched,
            baseline,
            worst,
            after,
            violations: vec![],
            gaps,
            recovered_in: None,
        };
    };

    // Violations: a run starts at a violating sample and ends at the next sample that
    // holds. Missing data does not end a run: it is never a pass.
    let mut violations = Vec::new();
    let mut open: Option<Ts> = None;
    for p in &inside {
        match present(p) {
            Some(v) if !expect.holds(v) => {
                open.get_or_insert(p.ts);
            }
            Some(_) => {
                if let Some(start) = open.take() {
                    violations.push(Span { start, end: p.ts });
                }
            }
            None => {}
        }
    }
    if let Some(start) = open {
        violations.push(Span { start, end: w.end });
    }

    let refuting = violations.iter().any(|s| {
        if info.tolerate.is_zero() {
            true
        } else {
            s.duration() >= info.tolerate
        }
    });
    let status = if refuting {
        Status::Violated
    } else if !gaps.is_empty() {
        Status::NoData
    } else if !violations.is_empty() {
        Status::HeldWithinTolerance
    } else {
        Status::Held
    };

    // Time to recover: from the last revert to the first of three consecutive samples
    // back within `expect`; only for a signal that was violated at all.
    let recovered_in = match (violations.is_empty(), w.last_revert) {
        (true, _) | (_, None) => None,
        (false, Some(revert)) => {
            let mut streak: Option<Ts> = None;
            let mut count = 0;
            let mut found = None;
            for p in inside.iter().filter(|p| p.ts >= revert) {
                match present(p) {
                    Some(v) if expect.holds(v) => {
                        streak.get_or_insert(p.ts);
                        count += 1;
                        if count == 3 {
                            found = streak;
                            break;
                        }
                    }
                    _ => {
                        streak = None;
                        count = 0;
                    }
                }
            }
            Some(found.map(|t| (t - revert).to_std().unwrap_or_default()))
        }
    };

    Outcome {
        status,
        baseline,
        worst,
        after,
        violations,
        gaps,
        recovered_in,
    }
}

/// Whether an expected alert fired in time.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertOutcome {
    pub name: String,
    pub within: Duration,
    /// time from the first trigger to firing
    pub fired_after: Option<Duration>,
}

impl AlertOutcome {
    pub fn in_time(&self) -> bool {
        self.fired_after.is_some_and(|d| d <= self.within)
    }
}

/// The verdict and the sentences that explain it.
pub fn verdict(
    signals: &[(&SignalInfo, &Outcome)],
    alerts: &[AlertOutcome],
    triggered: bool,
    aborted: bool,
) -> (Verdict, Vec<String>) {
    use crate::units::{format_duration, format_value};
    let mut violated = Vec::new();
    let mut no_data = Vec::new();
    for (info, o) in signals {
        match o.status {
            Status::Violated => {
                let span = o.longest_violation();
                let c = info
                    .expect
                    .as_ref()
                    .map(|c| c.display(info.unit))
                    .unwrap_or_default();
                let mut s = format!("`{}` violated {}", info.name, c);
                if let Some(span) = span {
                    s.push_str(&format!(" for {}", format_duration(span.duration())));
                }
                if !info.tolerate.is_zero() {
                    s.push_str(&format!(" (tolerated: {})", format_duration(info.tolerate)));
                }
                if let Some((v, _)) = o.worst {
                    s.push_str(&format!("; worst {}", format_value(v, info.unit)));
                }
                violated.push(s);
            }
            Status::NoData => {
                let longest = o
                    .gaps
                    .iter()
                    .map(|g| g.duration())
                    .max()
                    .unwrap_or_default();
                no_data.push(format!(
                    "`{}` had no data for {}",
                    info.name,
                    format_duration(longest)
                ));
            }
            _ => {}
        }
    }
    for a in alerts {
        if !a.in_time() {
            violated.push(match a.fired_after {
                Some(d) => format!(
                    "alert `{}` fired after {}, expected within {}",
                    a.name,
                    format_duration(d),
                    format_duration(a.within)
                ),
                None => format!(
                    "alert `{}` did not fire within {}",
                    a.name,
                    format_duration(a.within)
                ),
            });
        }
    }
    if !triggered {
        let why = if aborted {
            "the run was aborted before any fault was triggered"
        } else {
            "no fault was triggered"
        };
        return (
            if aborted {
                Verdict::Aborted
            } else {
                Verdict::NotRun
            },
            vec![why.to_string()],
        );
    }
    if aborted {
        let mut reasons = vec!["the kill switch ended the run".to_string()];
        reasons.extend(violated);
        reasons.extend(no_data);
        return (Verdict::Aborted, reasons);
    }
    if !violated.is_empty() {
        violated.extend(no_data);
        return (Verdict::Refuted, violated);
    }
    if !no_data.is_empty() {
        return (Verdict::Inconclusive, no_data);
    }
    (
        Verdict::Confirmed,
        vec!["every expectation held".to_string()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::{Criterion, Op, Unit};

    fn t(s: i64) -> Ts {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn info(tolerate: u64) -> SignalInfo {
        SignalInfo {
            name: "p99".into(),
            kind: "http".into(),
            source: "http://x".into(),
            unit: Unit::Seconds,
            measure: None,
            expect: Some(Criterion {
                op: Op::Lt,
                value: 0.3,
                for_: None,
                text: "< 300ms".into(),
            }),
            abort: None,
            tolerate: Duration::from_secs(tolerate),
            interval: Duration::from_secs(1),
        }
    }

    fn pts(values: &[(i64, Option<f64>)]) -> Vec<Point> {
        values
            .iter()
            .map(|&(s, v)| Point { ts: t(s), value: v })
            .collect()
    }

    fn window(trigger: i64, revert: i64, end: i64) -> Option<Window> {
        Some(Window {
            first_trigger: t(trigger),
            last_revert: Some(t(revert)),
            end: t(end),
        })
    }

    #[test]
    fn violation_longer_than_tolerate_refutes_and_shorter_does_not() {
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(0.1)),
            (2, Some(0.5)),
            (3, Some(0.6)),
            (4, Some(0.1)),
            (5, Some(0.1)),
        ]);
        let o = evaluate(&info(0), &p, window(1, 4, 5));
        assert_eq!(o.status, Status::Violated);
        assert_eq!(o.worst, Some((0.6, t(3))));
        assert_eq!(
            o.violations,
            vec![Span {
                start: t(2),
                end: t(4)
            }]
        );
        let o = evaluate(&info(5), &p, window(1, 4, 5));
        assert_eq!(o.status, Status::HeldWithinTolerance);
        let o = evaluate(&info(2), &p, window(1, 4, 5));
        assert_eq!(
            o.status,
            Status::Violated,
            "a 2 s violation with 2 s tolerated refutes"
        );
    }

    #[test]
    fn missing_data_is_never_a_pass() {
        // three samples missing in a row inside the window
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(0.1)),
            (2, None),
            (3, None),
            (4, None),
            (5, None),
            (6, Some(0.1)),
        ]);
        let o = evaluate(&info(0), &p, window(1, 5, 6));
        assert_eq!(o.status, Status::NoData);
        assert_eq!(o.gaps.len(), 1);
        // no samples at all inside the window
        let p = pts(&[(0, Some(0.1))]);
        assert_eq!(
            evaluate(&info(0), &p, window(1, 5, 10)).status,
            Status::NoData
        );
        // two missing samples are tolerated jitter
        let p = pts(&[
            (1, Some(0.1)),
            (2, None),
            (3, None),
            (4, Some(0.1)),
            (5, Some(0.1)),
        ]);
        assert_eq!(evaluate(&info(0), &p, window(1, 4, 5)).status, Status::Held);
        // a violation does not end at missing data
        let p = pts(&[(1, Some(0.5)), (2, None), (3, Some(0.1))]);
        assert_eq!(
            evaluate(&info(0), &p, window(1, 3, 3)).violations,
            vec![Span {
                start: t(1),
                end: t(3)
            }]
        );
    }

    #[test]
    fn time_to_recover_counts_to_the_first_of_three_good_samples() {
        let p = pts(&[
            (1, Some(0.5)),
            (2, Some(0.5)),
            (3, Some(0.5)),
            (4, Some(0.1)),
            (5, Some(0.5)),
            (6, Some(0.1)),
            (7, Some(0.1)),
            (8, Some(0.1)),
        ]);
        let o = evaluate(&info(0), &p, window(1, 3, 8));
        assert_eq!(o.recovered_in, Some(Some(Duration::from_secs(3))));
        let p = pts(&[
            (1, Some(0.5)),
            (2, Some(0.5)),
            (3, Some(0.1)),
            (4, Some(0.5)),
        ]);
        assert_eq!(
            evaluate(&info(0), &p, window(1, 2, 4)).recovered_in,
            Some(None)
        );
        let p = pts(&[(1, Some(0.1)), (2, Some(0.1))]);
        assert_eq!(evaluate(&info(0), &p, window(1, 2, 2)).recovered_in, None);
    }

    #[test]
    fn baseline_is_the_median_before_the_trigger() {
        let p = pts(&[
            (0, Some(0.1)),
            (1, Some(0.3)),
            (2, Some(0.2)),
            (3, Some(0.9)),
        ]);
        let o = evaluate(&info(0), &p, window(3, 3, 3));
        assert_eq!(o.baseline, Some(0.2));
    }

    #[test]
    fn verdict_order() {
        let i = info(0);
        let held = evaluate(&i, &pts(&[(1, Some(0.1)), (2, Some(0.1))]), window(1, 2, 2));
        let bad = evaluate(&i, &pts(&[(1, Some(0.5)), (2, Some(0.1))]), window(1, 2, 2));
        let gap = evaluate(&i, &pts(&[]), window(1, 2, 10));
        assert_eq!(
            verdict(&[(&i, &held)], &[], true, false).0,
            Verdict::Confirmed
        );
        let (v, reasons) = verdict(&[(&i, &held), (&i, &bad), (&i, &gap)], &[], true, false);
        assert_eq!(v, Verdict::Refuted);
        assert!(
            reasons[0].contains("`p99` violated < 300 ms"),
            "{reasons:?}"
        );
        assert_eq!(
            verdict(&[(&i, &held), (&i, &gap)], &[], true, false).0,
            Verdict::Inconclusive
        );
        assert_eq!(verdict(&[(&i, &held)], &[], true, true).0, Verdict::Aborted);
        assert_eq!(
            verdict(&[(&i, &held)], &[], false, false).0,
            Verdict::NotRun
        );
        let late = AlertOutcome {
            name: "RedisDown".into(),
            within: Duration::from_secs(60),
            fired_after: None,
        };
        assert_eq!(
            verdict(&[(&i, &held)], &[late], true, false).0,
            Verdict::Refuted
        );
    }
}
