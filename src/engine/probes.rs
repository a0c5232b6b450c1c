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
//! after its timeout has failed, one started too late to be judged is left out.

use std::collections::VecDeque;
use std::time::Duration;

use super::Ts;
use crate::scenario::model::Measure;

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
}

/// A value made from probes: at the start of the probe it is measured at.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeValue {
    pub at: Ts,
    pub value: f64,
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
        let pos = self.probes.partition_point(|p| p.started <= at);
        self.probes.insert(
            pos,
            ProbeRec {
                id,
                started: at,
                outcome: None,
                valued: false,
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
            .filter(|p| p.outcome.is_none())
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
            out.push(ProbeValue { at, value, detail });
            self.probes[i].valued = true;
        }
        self.evict(window);
        out
    }

    /// The run is ending: a probe waiting at least `timeout` has failed; one waiting
    /// less cannot be judged and is left out. Then every value that can be made.
    pub fn close(
        &mut self,
        now: Ts,
        timeout: Duration,
        measure: Measure,
        window: Duration,
    ) -> Vec<ProbeValue> {
        self.probes.retain_mut(|p| {
            if p.outcome.is_some() {
                return true;
            }
            let waited = (now - p.started).to_std().unwrap_or_default();
            if waited >= timeout {
                p.outcome = Some(Err(format!(
                    "no answer by the end of the run ({} after it was sent)",
                    crate::units::format_duration(waited)
                )));
                true
            } else {
                false
            }
        });
        self.determined(measure, window)
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
            .map(|v| ((v.at - t(0)).num_milliseconds(), v.value))
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
            .map(|v| v.value)
            .collect();
        assert_eq!(v, vec![0.01, 0.02]);
    }

    #[test]
    fn at_the_end_a_probe_past_its_timeout_failed_and_a_recent_one_is_left_out() {
        let mut l = log(&[(0, Some(Ok(0.01))), (1000, None), (9500, None)]);
        let v = l.close(t(10_000), Duration::from_secs(5), Measure::ErrorRate, W);
        // the probe at 1 s waited 9 s (> 5 s): failed; the one at 9.5 s: left out
        let got: Vec<_> = v
            .iter()
            .map(|v| ((v.at - t(0)).num_milliseconds(), v.value))
            .collect();
        assert_eq!(got, vec![(0, 0.0), (1000, 0.5)]);
        assert!(v[1]
            .detail
            .as_deref()
            .unwrap()
            .contains("no answer by the end of the run"));
        assert!(l.oldest_waiting().is_none());
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
