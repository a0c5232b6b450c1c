//! http probes, judged by the engine: each probe is a message when it starts and one
//! when it is answered or fails, and the engine turns them into values (README: "http
//! probes").
//!
//! A value is measured at a probe's *start*, over the probes started in the window
//! before it (`(start − window, start]`), and only once every one of them has an
//! outcome: a probe still waiting is neither a pass nor a failure yet, so no value that
//! counts it is made until it is known. A probe fails when it gets no complete answer
//! (transport error, timeout, a body cut off or stalled, status ≥ 400); in the latency
//! percentiles a failed probe is `+Inf`. When the run ends it waits (at most the probe
//! timeout) for the probes started before the end of recovery; one still unanswered
//! after its timeout has failed. One still waiting for less than its timeout when the
//! run ends (early, or sent too late) is *unfinished*: journaled with how long it was
//! waited for, and judged with bounds — its latency is at least that long, or it failed
//! — so a value that counts it is made only when every possible answer gives the same
//! pass or fail, and is missing data otherwise.
//!
//! Times are kept to the millisecond, as the journal keeps them, so that `gameday
//! report` folds the journal's probe lines into the very values the engine made
//! ([`replay`]).

use std::collections::VecDeque;
use std::time::Duration;

use super::Ts;
use crate::units::{Criterion, Measure};

/// `t` to the millisecond, as the journal writes it.
fn to_ms(t: Ts) -> Ts {
    chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// A duration in seconds, from whole milliseconds (as the journal keeps it), rounded
/// once: the report's replay computes the same bits.
fn ms_secs(d: Duration) -> f64 {
    d.as_millis() as f64 / 1000.0
}

/// One probe: when it started, and its outcome once known (the latency of a complete
/// answer in seconds, or why there was none).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProbeRec {
    pub id: u64,
    pub started: Ts,
    #[serde(default)]
    pub outcome: Option<Result<f64, String>>,
    /// its value has been made
    #[serde(default)]
    pub valued: bool,
    /// still unanswered when the run ended, this long (whole milliseconds) after it was
    /// sent, less than its timeout: its latency is at least this, or it failed
    #[serde(default)]
    pub unfinished: Option<Duration>,
}

/// What the journal says of one probe: answered (latency in seconds), failed (why), or
/// unfinished when the run ended (how long it had waited).
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Answered(f64),
    Failed(String),
    Unfinished(Duration),
}

/// A value made from probes: at the start of the probe it is measured at.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeValue {
    pub at: Ts,
    /// the value, or why there is none (unfinished probes whose answers could pass or
    /// fail the criterion)
    pub value: Result<f64, String>,
    /// "3 of 60 probes in the last 30 s failed (last: timed out)", when any failed
    pub detail: Option<String>,
}

/// The probes an http signal still needs, in order of their start.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProbeLog {
    pub probes: VecDeque<ProbeRec>,
}

impl ProbeLog {
    pub fn started(&mut self, id: u64, at: Ts) {
        let at = to_ms(at);
        let pos = self.probes.partition_point(|p| p.started <= at);
        self.probes.insert(
            pos,
            ProbeRec {
                id,
                started: at,
                outcome: None,
                valued: false,
                unfinished: None,
            },
        );
    }

    /// Records probe `id`'s outcome; false when it is not known (started before a
    /// joiner's snapshot, or already dropped).
    pub fn done(&mut self, id: u64, outcome: Result<f64, String>) -> bool {
        match self.probes.iter_mut().find(|p| p.id == id) {
            Some(p) if p.outcome.is_none() => {
                p.outcome = Some(outcome);
                true
            }
            _ => false,
        }
    }

    /// The oldest start still waiting for its outcome.
    pub fn oldest_waiting(&self) -> Option<Ts> {
        self.probes
            .iter()
            .filter(|p| p.outcome.is_none() && p.unfinished.is_none())
            .map(|p| p.started)
            .min()
    }

    /// Every value that can now be made, oldest first; each is made once.
    pub fn determined(&mut self, measure: Measure, window: Duration) -> Vec<ProbeValue> {
        let mut out = Vec::new();
        for i in 0..self.probes.len() {
            let p = &self.probes[i];
            if p.valued || p.outcome.is_none() {
                continue;
            }
            let at = p.started;
            let in_window = |q: &ProbeRec| {
                q.started <= at && (at - q.started).to_std().unwrap_or_default() < window
            };
            if self
                .probes
                .iter()
                .any(|q| in_window(q) && q.outcome.is_none())
            {
                continue;
            }
            let outcomes: Vec<&Result<f64, String>> = self
                .probes
                .iter()
                .filter(|q| in_window(q))
                .filter_map(|q| q.outcome.as_ref())
                .collect();
            let (value, detail) = measure_of(&outcomes, measure, window);
            out.push(ProbeValue {
                at,
                value: Ok(value),
                detail,
            });
            self.probes[i].valued = true;
        }
        self.evict(window);
        out
    }

    /// Every value still to be made once the run has ended, when its window holds
    /// unfinished probes: made only when every answer they could still have had gives
    /// the same pass or fail against `expect` (README: "http probes"), missing otherwise.
    fn bounded(
        &mut self,
        measure: Measure,
        window: Duration,
        expect: Option<&Criterion>,
    ) -> Vec<ProbeValue> {
        let mut out = Vec::new();
        for i in 0..self.probes.len() {
            let p = &self.probes[i];
            if p.valued || (p.outcome.is_none() && p.unfinished.is_none()) {
                continue;
            }
            let at = p.started;
            let in_window: Vec<&ProbeRec> = self
                .probes
                .iter()
                .filter(|q| {
                    q.started <= at && (at - q.started).to_std().unwrap_or_default() < window
                })
                .collect();
            if in_window
                .iter()
                .any(|q| q.outcome.is_none() && q.unfinished.is_none())
            {
                continue;
            }
            let known: Vec<&Result<f64, String>> = in_window
                .iter()
                .filter_map(|q| q.outcome.as_ref())
                .collect();
            let waits: Vec<Duration> = in_window.iter().filter_map(|q| q.unfinished).collect();
            out.push(bounded_value(at, &known, &waits, measure, window, expect));
            self.probes[i].valued = true;
        }
        out
    }

    /// The run is ending: a probe waiting at least `timeout` has failed; one waiting
    /// less is unfinished, known only to take at least that long. Returns what became
    /// of each probe still waiting (for the journal: every probe sent has a line), then
    /// every value that can be made, those over unfinished probes with bounds.
    pub fn close(
        &mut self,
        now: Ts,
        timeout: Duration,
        measure: Measure,
        window: Duration,
        expect: Option<&Criterion>,
    ) -> (Vec<(Ts, Recorded)>, Vec<ProbeValue>) {
        let now = to_ms(now);
        let mut closed = Vec::new();
        for p in self.probes.iter_mut() {
            if p.outcome.is_some() || p.unfinished.is_some() {
                continue;
            }
            let waited = Duration::from_millis(
                u64::try_from((now - p.started).num_milliseconds()).unwrap_or(0),
            );
            if waited >= timeout {
                let why = format!(
                    "no answer by the end of the run ({} after it was sent)",
                    crate::units::format_duration(waited)
                );
                p.outcome = Some(Err(why.clone()));
                closed.push((p.started, Recorded::Failed(why)));
            } else {
                p.unfinished = Some(waited);
                closed.push((p.started, Recorded::Unfinished(waited)));
            }
        }
        let mut values = self.determined(measure, window);
        values.extend(self.bounded(measure, window, expect));
        values.sort_by_key(|v| v.at);
        (closed, values)
    }

    /// Drops what no value can need any more: valued probes older than the window of
    /// the oldest probe still to be valued.
    fn evict(&mut self, window: Duration) {
        let horizon = self
            .probes
            .iter()
            .find(|p| !p.valued)
            .or(self.probes.back())
            .map(|p| p.started);
        let Some(horizon) = horizon else { return };
        while self.probes.front().is_some_and(|p| {
            p.valued && (horizon - p.started).to_std().unwrap_or_default() >= window
        }) {
            self.probes.pop_front();
        }
    }
}

/// The value at `at` over a window whose probes are `known`, plus unfinished ones that
/// waited `waits`: every value they could still give is a candidate (for `error_rate`
/// each count of them failing; for a percentile the whole range from each latency at
/// its wait to each a failure, `+Inf`). Made only when every candidate passes, or every
/// one fails, `expect`; it is then the candidate nearest to the other side (the worst
/// that passes, the least bad that fails), so no figure is better than the truth.
fn bounded_value(
    at: Ts,
    known: &[&Result<f64, String>],
    waits: &[Duration],
    measure: Measure,
    window: Duration,
    expect: Option<&Criterion>,
) -> ProbeValue {
    let n = known.len() + waits.len();
    let with = |extra: &[Result<f64, String>]| {
        let mut all: Vec<&Result<f64, String>> = known.to_vec();
        all.extend(extra.iter());
        measure_of(&all, measure, window)
    };
    // (candidates, whether they form a continuous range between the first and the last)
    let (candidates, range): (Vec<f64>, bool) = match measure {
        Measure::ErrorRate => {
            let failed = known.iter().filter(|o| o.is_err()).count();
            let c = (0..=waits.len())
                .map(|j| (failed + j) as f64 / n.max(1) as f64)
                .collect();
            (c, false)
        }
        _ => {
            let low: Vec<Result<f64, String>> = waits.iter().map(|w| Ok(ms_secs(*w))).collect();
            let high: Vec<Result<f64, String>> = waits.iter().map(|_| Err(String::new())).collect();
            (vec![with(&low).0, with(&high).0], true)
        }
    };
    let longest = waits.iter().max().copied().unwrap_or_default();
    let unfinished = format!(
        "{} of {n} probe{} in the last {} had no answer when the run ended (the longest waited {})",
        waits.len(),
        if n == 1 { "" } else { "s" },
        crate::units::format_duration(window),
        crate::units::format_duration(longest)
    );
    let verdict = expect.and_then(|c| candidates_agree(c, &candidates, range));
    let Some((holds, c)) = verdict.zip(expect) else {
        let all_equal = candidates.iter().all(|v| *v == candidates[0]);
        return if expect.is_none() && all_equal {
            ProbeValue {
                at,
                value: Ok(candidates[0]),
                detail: Some(unfinished),
            }
        } else {
            ProbeValue {
                at,
                value: Err(format!(
                    "unknown: {unfinished}, and their answers could pass or fail"
                )),
                detail: None,
            }
        };
    };
    // the worst candidate that passes, or the least bad that fails
    let mut pick = candidates[0];
    for &v in &candidates[1..] {
        let better = if holds {
            c.op.worse(v, pick, c.value)
        } else {
            c.op.worse(pick, v, c.value)
        };
        if better {
            pick = v;
        }
    }
    ProbeValue {
        at,
        value: Ok(pick),
        detail: Some(format!(
            "{unfinished}; whatever their answers, this value {} `{}`",
            if holds { "holds" } else { "fails" },
            c.text
        )),
    }
}

/// Whether every candidate value holds `c` (`Some(true)`), every one fails it
/// (`Some(false)`), or they disagree. A `range` is every value between the first
/// candidate and the last, ends included.
fn candidates_agree(c: &Criterion, candidates: &[f64], range: bool) -> Option<bool> {
    let all = |want: bool| candidates.iter().all(|v| c.holds(*v) == want);
    if !range {
        return if all(true) {
            Some(true)
        } else if all(false) {
            Some(false)
        } else {
            None
        };
    }
    let lo = candidates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = candidates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let x = c.value;
    use crate::units::Op;
    let outside = x < lo || x > hi;
    let single = lo == hi && lo == x;
    let (holds_all, fails_all) = match c.op {
        Op::Lt => (hi < x, lo >= x),
        Op::Le => (hi <= x, lo > x),
        Op::Gt => (lo > x, hi <= x),
        Op::Ge => (lo >= x, hi < x),
        Op::Eq => (single, outside),
        Op::Ne => (outside, single),
    };
    if holds_all {
        Some(true)
    } else if fails_all {
        Some(false)
    } else {
        None
    }
}

/// The values the engine made from one http signal's probes, folded again from the
/// journal's probe lines (in journal order) the way the engine folded its messages:
/// `gameday report` checks the journaled samples against them.
pub fn replay(
    probes: &[(Ts, Recorded)],
    measure: Measure,
    window: Duration,
    expect: Option<&Criterion>,
) -> Vec<ProbeValue> {
    let mut log = ProbeLog::default();
    // every start first: a probe answered late was waiting while later ones finished
    for (id, (at, _)) in probes.iter().enumerate() {
        log.started(id as u64, *at);
    }
    let mut values = Vec::new();
    for (id, (_, r)) in probes.iter().enumerate() {
        match r {
            Recorded::Answered(l) => {
                log.done(id as u64, Ok(*l));
            }
            Recorded::Failed(e) => {
                log.done(id as u64, Err(e.clone()));
            }
            Recorded::Unfinished(w) => {
                if let Some(p) = log.probes.iter_mut().find(|p| p.id == id as u64) {
                    p.unfinished = Some(*w);
                }
                continue;
            }
        }
        values.extend(log.determined(measure, window));
    }
    values.extend(log.bounded(measure, window, expect));
    values.sort_by_key(|v| v.at);
    values
}

/// The measure of a window of outcomes: the share that failed, or a nearest-rank
/// percentile of the latencies with every failure as `+Inf`.
fn measure_of(
    outcomes: &[&Result<f64, String>],
    m: Measure,
    window: Duration,
) -> (f64, Option<String>) {
    let n = outcomes.len();
    let failed: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().err().map(String::as_str))
        .collect();
    let detail = failed.last().map(|why| {
        format!(
            "{} of {n} probe{} in the last {} failed (last: {why})",
            failed.len(),
            if n == 1 { "" } else { "s" },
            crate::units::format_duration(window)
        )
    });
    let value = match m {
        Measure::ErrorRate => failed.len() as f64 / n.max(1) as f64,
        Measure::P50 | Measure::P90 | Measure::P99 => {
            let q = match m {
                Measure::P50 => 0.50,
                Measure::P90 => 0.90,
                _ => 0.99,
            };
            let mut l: Vec<f64> = outcomes
                .iter()
                .map(|o| match o {
                    Ok(latency) => *latency,
                    Err(_) => f64::INFINITY,
                })
                .collect();
            l.sort_by(|a, b| a.total_cmp(b));
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1));
            l.get(rank - 1).copied().unwrap_or(f64::INFINITY)
        }
    };
    (value, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(ms: i64) -> Ts {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    const W: Duration = Duration::from_secs(30);

    fn log(probes: &[(i64, Option<Result<f64, &str>>)]) -> ProbeLog {
        let mut l = ProbeLog::default();
        for (i, (at, outcome)) in probes.iter().enumerate() {
            l.started(i as u64, t(*at));
            if let Some(o) = outcome {
                l.done(i as u64, (*o).map_err(str::to_string));
            }
        }
        l
    }

    fn values(l: &mut ProbeLog, m: Measure) -> Vec<(i64, f64)> {
        l.determined(m, W)
            .into_iter()
            .map(|v| ((v.at - t(0)).num_milliseconds(), v.value.unwrap()))
            .collect()
    }

    #[test]
    fn each_value_is_over_the_probes_started_in_its_window() {
        let mut l = log(&[
            (0, Some(Err("refused"))),
            (1000, Some(Ok(0.010))),
            (2000, Some(Ok(0.020))),
            (3000, Some(Ok(0.030))),
            (4000, Some(Err("timed out"))),
        ]);
        let v = values(&mut l.clone(), Measure::ErrorRate);
        assert_eq!(
            v,
            vec![
                (0, 1.0),
                (1000, 0.5),
                (2000, 1.0 / 3.0),
                (3000, 0.25),
                (4000, 0.4)
            ]
        );
        // a failed probe is never a latency that can pass: 2 of 5 failed at 4 s
        let v = values(&mut l.clone(), Measure::P90);
        assert_eq!(v[4], (4000, f64::INFINITY));
        assert_eq!(values(&mut l, Measure::P50)[4], (4000, 0.03));
        // a probe falls out of the window 30 s after it started
        let mut l = log(&[(0, Some(Err("refused"))), (30_000, Some(Ok(0.01)))]);
        assert_eq!(
            values(&mut l, Measure::ErrorRate),
            vec![(0, 1.0), (30_000, 0.0)]
        );
    }

    #[test]
    fn no_value_counts_a_probe_still_waiting() {
        // the probe at 1 s hangs: no value whose window holds it is made yet
        let mut l = log(&[(0, Some(Ok(0.01))), (1000, None), (2000, Some(Ok(0.01)))]);
        assert_eq!(values(&mut l, Measure::P99), vec![(0, 0.01)]);
        // its answer comes: the values that waited for it are made, with its latency
        assert!(l.done(1, Ok(3.0)));
        assert_eq!(values(&mut l, Measure::P99), vec![(1000, 3.0), (2000, 3.0)]);
        // each value is made once
        assert!(values(&mut l, Measure::P99).is_empty());
        // with a short window, a later probe that does not see the hung one is valued
        let mut l = log(&[(0, Some(Ok(0.01))), (1000, None), (2000, Some(Ok(0.02)))]);
        let v: Vec<_> = l
            .determined(Measure::P99, Duration::from_millis(900))
            .into_iter()
            .map(|v| v.value.unwrap())
            .collect();
        assert_eq!(v, vec![0.01, 0.02]);
    }

    #[test]
    fn at_the_end_a_probe_past_its_timeout_failed_and_a_recent_one_is_unfinished() {
        let mut l = log(&[(0, Some(Ok(0.01))), (1000, None), (9500, None)]);
        let (closed, v) = l.close(
            t(10_000),
            Duration::from_secs(5),
            Measure::ErrorRate,
            W,
            None,
        );
        // the probe at 1 s waited 9 s (> 5 s): failed; the one at 9.5 s: unfinished
        assert_eq!(closed.len(), 2);
        assert!(
            matches!(&closed[0].1, Recorded::Failed(e) if e.contains("no answer by the end of the run"))
        );
        assert_eq!(
            closed[1].1,
            Recorded::Unfinished(Duration::from_millis(500))
        );
        let got: Vec<_> = v
            .iter()
            .map(|v| ((v.at - t(0)).num_milliseconds(), v.value.clone().ok()))
            .collect();
        // without a criterion, a value over the unfinished probe cannot be made
        assert_eq!(got, vec![(0, Some(0.0)), (1000, Some(0.5)), (9500, None)]);
        assert!(l.oldest_waiting().is_none());
    }

    fn crit(op: crate::units::Op, value: f64) -> Criterion {
        Criterion {
            op,
            value,
            for_: None,
            text: format!("{} {value}", op.symbol()),
        }
    }

    /// README: a latency is at least the time waited, so `< 300ms` fails once the probe
    /// waited 300 ms; before that the value is unknown. An error rate is made only when
    /// every count of failures among the unfinished probes gives the same pass or fail.
    #[test]
    fn unfinished_probes_are_judged_with_bounds() {
        use crate::units::Op;
        let close = |waited_ms: i64, m: Measure, c: &Criterion| {
            let mut l = log(&[(0, Some(Ok(0.01))), (1000, None)]);
            let (_, v) = l.close(t(1000 + waited_ms), Duration::from_secs(2), m, W, Some(c));
            v[1].value.clone()
        };
        let lt300 = crit(Op::Lt, 0.3);
        assert_eq!(
            close(300, Measure::P99, &lt300),
            Ok(0.3),
            "at least 300 ms fails"
        );
        assert_eq!(close(450, Measure::P99, &lt300), Ok(0.45));
        assert!(close(299, Measure::P99, &lt300)
            .unwrap_err()
            .starts_with("unknown: 1 of 2 probes"));
        // p50 of two: the answered 10 ms is the value whatever the unfinished one says
        assert_eq!(close(100, Measure::P50, &lt300), Ok(0.01));
        // error rate of 2 probes, one unfinished: 0 % or 50 %
        assert!(close(100, Measure::ErrorRate, &crit(Op::Lt, 0.01)).is_err());
        assert_eq!(
            close(100, Measure::ErrorRate, &crit(Op::Lt, 0.6)),
            Ok(0.5),
            "the worst that passes"
        );
        assert_eq!(
            close(100, Measure::ErrorRate, &crit(Op::Gt, 0.6)),
            Ok(0.5),
            "the least bad that fails"
        );
        assert!(close(100, Measure::ErrorRate, &crit(Op::Eq, 0.5)).is_err());
        assert_eq!(close(100, Measure::ErrorRate, &crit(Op::Ne, 0.25)), Ok(0.0));
    }

    #[test]
    fn the_journal_folds_into_the_same_values() {
        use crate::units::Op;
        // answered out of order: the probe at 1 s answers after the one at 2 s
        let mut l = ProbeLog::default();
        let mut lines: Vec<(Ts, Recorded)> = Vec::new();
        let mut made = Vec::new();
        l.started(0, t(0));
        l.started(1, t(1000));
        l.started(2, t(2000));
        for (id, o) in [
            (0u64, Ok(0.01)),
            (2, Ok(0.02)),
            (1, Err("timed out".to_string())),
        ] {
            l.done(id, o.clone());
            lines.push((
                t(id as i64 * 1000),
                match o {
                    Ok(v) => Recorded::Answered(v),
                    Err(e) => Recorded::Failed(e),
                },
            ));
            made.extend(l.determined(Measure::P90, W));
        }
        l.started(3, t(3000));
        let c = crit(Op::Lt, 0.3);
        let (closed, more) = l.close(t(3400), Duration::from_secs(2), Measure::P90, W, Some(&c));
        lines.extend(closed);
        made.extend(more);
        made.sort_by_key(|v| v.at);
        assert_eq!(replay(&lines, Measure::P90, W, Some(&c)), made);
        assert_eq!(made.len(), 4);
    }

    #[test]
    fn one_failure_in_a_hundred_probes_is_within_p99() {
        let mut probes: Vec<(i64, Option<Result<f64, &str>>)> = (0..100)
            .map(|i| (i * 100, Some(Ok(0.005 + (i % 7) as f64 / 1000.0))))
            .collect();
        probes[50].1 = Some(Err("HTTP 503 Service Unavailable"));
        let v = values(&mut log(&probes), Measure::P99);
        assert!(v[99].1.is_finite() && v[99].1 <= 0.011, "{:?}", v[99]);
        probes[60].1 = Some(Err("timed out"));
        assert_eq!(values(&mut log(&probes), Measure::P99)[99].1, f64::INFINITY);
    }

    #[test]
    fn old_probes_are_dropped_once_no_value_needs_them() {
        let mut l = ProbeLog::default();
        for i in 0..1000u64 {
            l.started(i, t(i as i64 * 250));
            l.done(i, Ok(0.01));
            l.determined(Measure::P99, W);
        }
        // 30 s of probes every 250 ms, and the newest
        assert!(l.probes.len() <= 121, "{}", l.probes.len());
    }
}
